//! The common failures, end to end, with their exact stderr and exit code: every error prints
//! each cause once, outermost first, on one line (ARCHITECTURE.md, invariants).
//!
//! * local: a missing path (logs, inventory, convert), a path through a file, a file the user
//!   may not read (run as an unprivileged user through `setpriv` when the tests run as root), a
//!   truncated gzip object, an inventory file that is not valid JSON (file:line:col);
//! * S3, against moto on loopback and plain TCP listeners: a missing bucket, refused
//!   credentials, nothing listening, an endpoint that accepts connections and never answers
//!   (within the documented time bound, with the retry notice), no credentials at all (the
//!   instance-metadata lookup fails), a missing or unresolvable `AWS_PROFILE`, half a key pair,
//!   and `AWS_ALLOW_HTTP`, `AWS_DEFAULT_REGION` and a profile's keys and region honoured.

mod common;
#[path = "s3/server.rs"]
#[expect(dead_code, reason = "the cutting proxy serves the S3 tests, not these")]
mod server;

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use common::{DEMO_FINDING, flowsieve, output};
use server::Moto;

const INVENTORY: &str = "testdata/demo/inventory";
const LOGS: &str = "testdata/demo/logs";
const BUCKET: &str = "flow-logs";

/// Asserts the exit code and the whole of stderr.
#[track_caller]
fn assert_fails(out: &Output, code: i32, stderr: &str) {
    let got = String::from_utf8_lossy(&out.stderr);
    assert_eq!(got, stderr, "stderr");
    assert_eq!(out.status.code(), Some(code), "exit code; stderr: {got}");
}

/// Asserts a run succeeded, with its stderr when it did not.
#[track_caller]
fn assert_succeeds(out: &Output) {
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "stderr: {stderr}");
}

fn analyze(args: &[&str]) -> Output {
    output(flowsieve().arg("analyze").args(args))
}

#[test]
fn a_missing_log_path() {
    let out = analyze(&["-i", INVENTORY, "testdata/no-such-logs"]);
    assert_fails(
        &out,
        1,
        "flowsieve: error: cannot read testdata/no-such-logs: No such file or directory (os \
         error 2)\n",
    );
    assert!(out.stdout.is_empty());
}

#[test]
fn a_missing_inventory_path() {
    let out = analyze(&["-i", "testdata/no-such-inventory", LOGS]);
    assert_fails(
        &out,
        1,
        "flowsieve: error: cannot load the inventory: cannot read testdata/no-such-inventory: No \
         such file or directory (os error 2)\n",
    );
    let out = output(flowsieve().args(["inventory", "testdata/no-such-inventory"]));
    assert_fails(
        &out,
        1,
        "flowsieve: error: cannot load the inventory: cannot read testdata/no-such-inventory: No \
         such file or directory (os error 2)\n",
    );
}

#[test]
fn convert_of_a_missing_path() {
    let dir = common::tempdir();
    let out = output(
        flowsieve()
            .args(["convert", "testdata/no-such-logs", "--output"])
            .arg(dir.path().join("out.parquet")),
    );
    assert_fails(
        &out,
        1,
        "flowsieve: error: cannot read testdata/no-such-logs: No such file or directory (os \
         error 2)\n",
    );
}

#[test]
fn a_path_through_a_file() {
    // A file where a directory is needed: ENOTDIR, whoever runs the test.
    let out = analyze(&["-i", INVENTORY, "testdata/demo/truth.json/logs"]);
    assert_fails(
        &out,
        1,
        "flowsieve: error: cannot read testdata/demo/truth.json/logs: Not a \
         directory (os error 20)\n",
    );
    let out = analyze(&["-i", "testdata/demo/truth.json/inventory", LOGS]);
    assert_fails(
        &out,
        1,
        "flowsieve: error: cannot load the inventory: cannot read \
         testdata/demo/truth.json/inventory: Not a directory (os error 20)\n",
    );
}

/// Whether this process runs as root (which reads any file).
fn running_as_root() -> bool {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("Uid:"))
        .and_then(|uids| uids.split_whitespace().nth(1))
        == Some("0")
}

#[test]
fn a_file_the_user_may_not_read() {
    use std::os::unix::fs::PermissionsExt;
    let dir = common::tempdir();
    let logs = dir.path().join("logs");
    std::fs::create_dir(&logs).unwrap();
    let locked = logs.join("locked.log");
    std::fs::copy(
        common::workspace_root().join("testdata/logs/flowlogs-v2-default-docs.log"),
        &locked,
    )
    .unwrap();
    for path in [dir.path(), logs.as_path()] {
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    std::fs::set_permissions(&locked, std::fs::Permissions::from_mode(0o000)).unwrap();
    // Root reads any file: run the binary as `nobody` then (setpriv, util-linux), so that the
    // check runs whoever runs the tests.
    let mut command = if running_as_root() {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=65534", "--regid=65534", "--clear-groups", "--"])
            .arg(env!("CARGO_BIN_EXE_flowsieve"))
            .current_dir(common::workspace_root());
        command
    } else {
        flowsieve()
    };
    let out = output(
        command
            .args(["analyze", "--format", "json", "-i", INVENTORY])
            .arg(&logs),
    );
    assert_fails(
        &out,
        1,
        &format!(
            "{DEMO_FINDING}flowsieve: warning: cannot read {}: Permission denied (os error \
             13)\nflowsieve: error: 1 object(s) could not be read completely; the report covers \
             what was read\n",
            locked.display()
        ),
    );
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(
        report["summary"]["file_errors"][0]["error"],
        format!(
            "cannot read {}: Permission denied (os error 13)",
            locked.display()
        )
    );
}

#[test]
fn a_truncated_gzip_object() {
    let dir = common::tempdir();
    let text =
        std::fs::read(common::workspace_root().join("testdata/logs/flowlogs-v2-default-docs.log"))
            .unwrap();
    // Stored (uncompressed) deflate blocks: the bytes before the cut are exactly known.
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::none());
    gz.write_all(&text).unwrap();
    let gz = gz.finish().unwrap();
    let cut = dir.path().join("cut.log.gz");
    // 10 bytes of gzip header, 5 of stored-block header, then 200 bytes of the text.
    std::fs::write(&cut, &gz[..10 + 5 + 200]).unwrap();
    let line = text[..200].iter().filter(|&&b| b == b'\n').count() + 1;
    let out = output(
        flowsieve()
            .args(["analyze", "--format", "json", "-i", INVENTORY])
            .arg(&cut),
    );
    let message = format!(
        "{}: gzip stream is truncated after 200 decompressed bytes (line {line}); the records \
         before it were read",
        cut.display()
    );
    assert_fails(
        &out,
        1,
        &format!(
            "{DEMO_FINDING}flowsieve: warning: {message}\nflowsieve: warning: none of the 1 \
             records in the window could be attributed (ENIs not in the inventory 1, no \
             interface-id 0, a field is '-' 0, direction unknown 0): no rule can be \
             judged\nflowsieve: error: 1 object(s) could not be read completely; the report \
             covers what was read\n"
        ),
    );
    // --strict stops at the cut line, the first malformed one (its first 80 bytes quoted).
    let cut_line = String::from_utf8_lossy(&text[..200]);
    let cut_line = cut_line.rsplit('\n').next().unwrap();
    let cut_line = &cut_line[..cut_line.len().min(80)];
    let out = output(
        flowsieve()
            .args(["analyze", "--strict", "-i", INVENTORY])
            .arg(&cut),
    );
    assert_fails(
        &out,
        1,
        &format!(
            "{DEMO_FINDING}flowsieve: error: {}:{line}: malformed line: truncated: {cut_line:?}\n",
            cut.display()
        ),
    );
}

#[test]
fn an_inventory_that_is_not_json() {
    let dir = common::tempdir();
    let file = dir.path().join("security-groups.json");
    std::fs::write(
        &file,
        "{\"SecurityGroups\": [\n  {\"GroupId\": \"sg-0123456789abcdef0\",\n   Oops}\n]}\n",
    )
    .unwrap();
    let out = output(flowsieve().args(["analyze", "-i"]).arg(&file).arg(LOGS));
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot load the inventory: {}:3:4: key must be a string\n",
            file.display()
        ),
    );
}

// ----- S3 -----

/// A moto server with the demo archive in `flow-logs`, shared by the tests that do not turn on
/// authentication.
fn moto() -> &'static Moto {
    static MOTO: OnceLock<Moto> = OnceLock::new();
    MOTO.get_or_init(|| {
        let moto = Moto::start();
        let logs = common::workspace_root().join(LOGS);
        moto.admin(&["upload", BUCKET, logs.to_str().unwrap(), ""]);
        moto
    })
}

/// `flowsieve analyze` of `url` with S3 settings for `endpoint`, the test key, and no AWS
/// configuration from this machine; `env` adds or removes (`None`) variables.
fn analyze_s3(endpoint: &str, url: &str, extra: &[&str], env: &[(&str, Option<&str>)]) -> Output {
    let mut command = flowsieve();
    command
        .env("AWS_ACCESS_KEY_ID", "testing")
        .env("AWS_SECRET_ACCESS_KEY", "testing")
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ENDPOINT_URL", endpoint)
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        );
    for name in [
        "AWS_PROFILE",
        "AWS_SESSION_TOKEN",
        "AWS_DEFAULT_REGION",
        "AWS_ENDPOINT_URL_S3",
        "AWS_ALLOW_HTTP",
        "AWS_METADATA_ENDPOINT",
        "AWS_EC2_METADATA_DISABLED",
        "AWS_SKIP_SIGNATURE",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    ] {
        command.env_remove(name);
    }
    for (name, value) in env {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command
        .args(["analyze", "--format", "json", "-i", INVENTORY])
        .args(extra)
        .arg(url);
    output(&mut command)
}

const LISTED: &str = "s3://flow-logs/AWSLogs/";

#[test]
fn s3_a_missing_bucket() {
    let endpoint = moto().endpoint();
    let out = analyze_s3(endpoint, "s3://no-such-bucket/AWSLogs/", &[], &[]);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot list s3://no-such-bucket/AWSLogs/: no \
             such bucket \"no-such-bucket\" at {endpoint} (region us-east-1)\n"
        ),
    );
    // The region of AWS_DEFAULT_REGION when AWS_REGION is unset.
    let out = analyze_s3(
        endpoint,
        "s3://no-such-bucket/AWSLogs/",
        &[],
        &[
            ("AWS_REGION", None),
            ("AWS_DEFAULT_REGION", Some("eu-west-2")),
        ],
    );
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot list s3://no-such-bucket/AWSLogs/: no \
             such bucket \"no-such-bucket\" at {endpoint} (region eu-west-2)\n"
        ),
    );
}

#[test]
fn s3_refused_credentials() {
    // A server of its own: turning authentication on is server-wide.
    let moto = Moto::start();
    let logs = common::workspace_root().join(LOGS);
    moto.admin(&["upload", "locked", logs.to_str().unwrap(), ""]);
    moto.admin(&["lister", "locked"]);
    let out = analyze_s3(moto.endpoint(), "s3://locked/AWSLogs/", &[], &[]);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot list s3://locked/AWSLogs/: access \
             denied by {} with credentials from AWS_ACCESS_KEY_ID: InvalidAccessKeyId: The AWS \
             Access Key Id you provided does not exist in our records.\n",
            moto.endpoint()
        ),
    );
}

#[test]
fn s3_time_options_are_refused_outside_their_ranges() {
    for (flag, value, range) in [
        ("--s3-connect-timeout", "0", "1..=60"),
        ("--s3-connect-timeout", "61", "1..=60"),
        ("--s3-read-timeout", "301", "1..=300"),
        ("--s3-retry-time", "0", "1..=3600"),
        ("--s3-retry-time", "3601", "1..=3600"),
    ] {
        let out = analyze(&["-i", INVENTORY, flag, value, LISTED]);
        assert_fails(
            &out,
            2,
            &format!(
                "error: invalid value '{value}' for '{flag} <SECONDS>': {value} is not in \
                 {range}\n\nFor more information, try '--help'.\n"
            ),
        );
    }
}

/// A loopback port with nothing listening (bound, then released).
fn closed_port() -> u16 {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.local_addr().unwrap().port()
}

#[test]
fn s3_nothing_listening() {
    let endpoint = format!("http://127.0.0.1:{}", closed_port());
    let out = analyze_s3(&endpoint, LISTED, &["--s3-retries", "2"], &[]);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: retrying s3://flow-logs/AWSLogs/ after connection refused by \
             {endpoint}\nflowsieve: error: cannot list \
             s3://flow-logs/AWSLogs/: connection refused by {endpoint} (after 2 retries)\n"
        ),
    );
    let out = analyze_s3(&endpoint, LISTED, &["--s3-retries", "0"], &[]);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot list s3://flow-logs/AWSLogs/: \
             connection refused by {endpoint}\n"
        ),
    );
}

/// A loopback listener that accepts connections and never answers (nor closes them), until
/// dropped.
struct Silent {
    endpoint: String,
    _listener: TcpListener,
}

impl Silent {
    fn start() -> Silent {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let endpoint = format!("http://{}", listener.local_addr().unwrap());
        let accepting = listener.try_clone().unwrap();
        std::thread::spawn(move || {
            let mut held = Vec::new();
            for stream in accepting.incoming().flatten() {
                held.push(stream);
            }
        });
        Silent {
            endpoint,
            _listener: listener,
        }
    }
}

/// Runs `analyze` against a silent endpoint and checks it failed with `stderr` within `bound`
/// (plus the start-up of the process).
fn silent_run(extra: &[&str], bound: Duration, stderr: impl Fn(&str) -> String) {
    let silent = Silent::start();
    let started = Instant::now();
    let out = analyze_s3(&silent.endpoint, LISTED, extra, &[]);
    let took = started.elapsed();
    assert_fails(&out, 1, &stderr(&silent.endpoint));
    assert!(
        took >= bound && took < bound + Duration::from_secs(5),
        "took {took:?}, bound {bound:?}"
    );
}

#[test]
fn s3_an_endpoint_that_never_answers_fails_within_the_retry_time() {
    silent_run(
        &["--s3-read-timeout", "1", "--s3-retry-time", "3"],
        Duration::from_secs(3),
        |endpoint| {
            format!(
                "flowsieve: retrying s3://flow-logs/AWSLogs/ after no response from {endpoint} \
                 within 1 s\nflowsieve: error: cannot list \
                 s3://flow-logs/AWSLogs/: no response from {endpoint} within 1 s (gave up after \
                 3 s, the retry time limit)\n"
            )
        },
    );
}

#[test]
fn s3_an_endpoint_that_never_answers_fails_within_the_default_bound() {
    // The documented defaults: 15 s read timeout, 60 s retry time.
    silent_run(&[], Duration::from_secs(60), |endpoint| {
        format!(
            "flowsieve: retrying s3://flow-logs/AWSLogs/ after no response from {endpoint} \
             within 15 s\nflowsieve: error: cannot list \
             s3://flow-logs/AWSLogs/: no response from {endpoint} within 15 s (gave up after 60 \
             s, the retry time limit)\n"
        )
    });
}

#[test]
fn s3_no_credentials_anywhere() {
    let endpoint = moto().endpoint();
    let metadata = format!("http://127.0.0.1:{}", closed_port());
    let bare = [
        ("AWS_ACCESS_KEY_ID", None),
        ("AWS_SECRET_ACCESS_KEY", None),
        ("AWS_METADATA_ENDPOINT", Some(metadata.as_str())),
    ];
    let out = analyze_s3(endpoint, LISTED, &[], &bare);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot list s3://flow-logs/AWSLogs/: no AWS \
             credentials found: none in the environment or the AWS files, and the EC2 instance \
             metadata service gave none (connection refused by {metadata}); set \
             AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE, or run with an \
             instance role\n"
        ),
    );
    let mut disabled = bare.to_vec();
    disabled.push(("AWS_EC2_METADATA_DISABLED", Some("true")));
    let out = analyze_s3(endpoint, LISTED, &[], &disabled);
    assert_fails(
        &out,
        1,
        "flowsieve: error: no AWS credentials found (none in the \
         environment or the AWS files, and AWS_EC2_METADATA_DISABLED rules out an instance role): \
         set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE\n",
    );
    let out = analyze_s3(endpoint, LISTED, &[], &[("AWS_SECRET_ACCESS_KEY", None)]);
    assert_fails(
        &out,
        1,
        "flowsieve: error: AWS_ACCESS_KEY_ID is set but \
         AWS_SECRET_ACCESS_KEY is not\n",
    );
}

/// A config and a credentials file in a temporary directory.
fn aws_files(config: &str, credentials: &str) -> (tempfile::TempDir, PathBuf, PathBuf) {
    let dir = common::tempdir();
    let (c, k) = (dir.path().join("config"), dir.path().join("credentials"));
    std::fs::write(&c, config).unwrap();
    std::fs::write(&k, credentials).unwrap();
    (dir, c, k)
}

fn with_files<'a>(
    config: &'a Path,
    credentials: &'a Path,
    profile: &'a str,
) -> Vec<(&'a str, Option<&'a str>)> {
    vec![
        ("AWS_CONFIG_FILE", config.to_str()),
        ("AWS_SHARED_CREDENTIALS_FILE", credentials.to_str()),
        ("AWS_PROFILE", Some(profile)),
        ("AWS_ACCESS_KEY_ID", None),
        ("AWS_SECRET_ACCESS_KEY", None),
        ("AWS_REGION", None),
    ]
}

#[test]
fn s3_profiles() {
    let endpoint = moto().endpoint();
    let (_dir, config, credentials) = aws_files(
        "[profile reader]\nregion = ap-south-1\n\n[profile sso]\nsso_session = corp\n",
        "[reader]\naws_access_key_id = testing\naws_secret_access_key = testing\n",
    );
    // A profile that neither file has.
    let out = analyze_s3(
        endpoint,
        LISTED,
        &[],
        &with_files(&config, &credentials, "nope"),
    );
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: AWS profile \"nope\" (AWS_PROFILE) is not in \
             {} or {}\n",
            config.display(),
            credentials.display()
        ),
    );
    // A profile flowsieve cannot resolve.
    let out = analyze_s3(
        endpoint,
        LISTED,
        &[],
        &with_files(&config, &credentials, "sso"),
    );
    assert_fails(
        &out,
        1,
        "flowsieve: error: AWS profile \"sso\" gets its credentials through \
         `sso_session`, which flowsieve does not resolve: export them first, e.g. eval \"$(aws \
         configure export-credentials --profile sso --format env)\"\n",
    );
    // A profile's keys and region are used.
    let reader = with_files(&config, &credentials, "reader");
    let out = analyze_s3(endpoint, "s3://no-such-bucket/x/", &[], &reader);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: cannot list s3://no-such-bucket/x/: no such \
             bucket \"no-such-bucket\" at {endpoint} (region ap-south-1)\n"
        ),
    );
    let out = analyze_s3(endpoint, LISTED, &[], &reader);
    assert_succeeds(&out);
}

#[test]
fn s3_plain_http_elsewhere_than_loopback_needs_aws_allow_http() {
    // 0.0.0.0 is not a loopback address, yet on Linux a connection to it reaches this host.
    let endpoint = moto().endpoint().replace("127.0.0.1", "0.0.0.0");
    let out = analyze_s3(&endpoint, LISTED, &[], &[]);
    assert_fails(
        &out,
        1,
        &format!(
            "flowsieve: error: refusing the plain http endpoint {endpoint}: \
             set AWS_ALLOW_HTTP=true to allow unencrypted requests to a host that is not on \
             loopback\n"
        ),
    );
    let out = analyze_s3(&endpoint, LISTED, &[], &[("AWS_ALLOW_HTTP", Some("true"))]);
    assert_succeeds(&out);
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert!(report["summary"]["records"].as_u64().unwrap() > 0);
}
