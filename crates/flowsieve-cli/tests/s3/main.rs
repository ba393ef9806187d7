//! `flowsieve analyze` and `convert` on `s3://` locations, against a real S3-compatible server:
//! moto in server mode on loopback (installed by `scripts/moto-env.sh`, started and stopped by
//! `server.rs`). Archives written by `flowsieve generate` (both key layouts, ~20k records) are
//! uploaded and read back through S3:
//!
//! * the report is the same as the local run of the same files;
//! * pruning by `--since/--until`, `--account`, `--region` happens before fetching, and the
//!   listed / pruned / read counts are right (report and stderr);
//! * a missing bucket, refused credentials and a list-only user are clear errors naming the
//!   bucket or the key;
//! * an object whose body is cut mid-stream (by a proxy) is reported by key and the others are
//!   still counted, `--strict` fails on it; a body cut once is resumed and nothing is lost.
//!
//! If moto cannot be installed the tests fail; they never skip.

#[path = "../common/mod.rs"]
mod common;
mod server;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

use serde_json::Value;

use common::{flowsieve, output, texts};
use server::{CuttingProxy, Moto};

const BUCKET: &str = "flow-logs";

/// The generated archives, uploaded once to one shared server for the whole binary.
struct Fixture {
    moto: Moto,
    /// `flowsieve generate` output (plain layout): inventory/, logs/AWSLogs/…
    plain: PathBuf,
    /// The same with Hive-style keys.
    hive: PathBuf,
    /// The account of the generated archives.
    account: String,
    _dir: tempfile::TempDir,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let dir = common::tempdir();
        let plain = dir.path().join("plain");
        let hive = dir.path().join("hive");
        for (out, layout) in [(&plain, "plain"), (&hive, "hive")] {
            let run = output(flowsieve().args([
                "generate",
                "--out",
                out.to_str().unwrap(),
                "--records",
                "20000",
                "--seed",
                "11",
                "--layout",
                layout,
            ]));
            assert_eq!(run.status.code(), Some(0), "{:?}", texts(&run));
        }
        let account = std::fs::read_dir(plain.join("logs/AWSLogs"))
            .unwrap()
            .flatten()
            .next()
            .unwrap()
            .file_name()
            .to_string_lossy()
            .into_owned();
        let moto = Moto::start();
        let logs = |p: &Path| p.join("logs").to_str().unwrap().to_owned();
        // plain/ and hive/ as generated; other/ a copy of the plain archive under another
        // account and region (keys only: the account of a key decides pruning).
        moto.admin(&["upload", BUCKET, &logs(&plain), "plain/"]);
        moto.admin(&["upload", BUCKET, &logs(&hive), "hive/"]);
        moto.admin(&[
            "upload",
            BUCKET,
            &logs(&plain),
            "mixed/",
            &format!("{account}=999988887777"),
            "us-east-1=eu-west-1",
        ]);
        moto.admin(&["upload", BUCKET, &logs(&plain), "mixed/"]);
        Fixture {
            moto,
            plain,
            hive,
            account,
            _dir: dir,
        }
    })
}

/// `flowsieve ARGS` with S3 settings for `endpoint` and no AWS configuration from this
/// machine.
fn s3_command(endpoint: &str, key: (&str, &str)) -> Command {
    let mut command = flowsieve();
    command
        .env("AWS_ACCESS_KEY_ID", key.0)
        .env("AWS_SECRET_ACCESS_KEY", key.1)
        .env("AWS_REGION", "us-east-1")
        .env("AWS_CONFIG_FILE", "/nonexistent/aws-config")
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            "/nonexistent/aws-credentials",
        )
        .env_remove("AWS_PROFILE")
        .env_remove("AWS_SESSION_TOKEN")
        .env_remove("AWS_ENDPOINT_URL")
        .env_remove("AWS_ENDPOINT_URL_S3")
        .arg_endpoint(endpoint);
    command
}

trait EndpointArg {
    fn arg_endpoint(&mut self, endpoint: &str) -> &mut Self;
}

impl EndpointArg for Command {
    /// Passes the endpoint through the environment (`AWS_ENDPOINT_URL`), so that every
    /// subcommand gets it; `--endpoint-url` is exercised by the tests that use the flag.
    fn arg_endpoint(&mut self, endpoint: &str) -> &mut Self {
        self.env("AWS_ENDPOINT_URL", endpoint)
    }
}

const TEST_KEY: (&str, &str) = ("testing", "testing");

fn analyze(endpoint: &str, inventory: &Path, logs: &str, extra: &[&str]) -> Output {
    let mut command = s3_command(endpoint, TEST_KEY);
    command
        .args(["analyze", "--format", "json", "-i"])
        .arg(inventory)
        .args(extra)
        .arg(logs);
    output(&mut command)
}

fn report(out: &Output) -> Value {
    assert_eq!(out.status.code(), Some(0), "{:?}", texts(out));
    serde_json::from_slice(&out.stdout).expect("a JSON report")
}

/// The report without what names files (labels differ between a path and an S3 URL).
fn comparable(mut report: Value) -> Value {
    fn strip(value: &mut Value) {
        match value {
            Value::Object(map) => {
                map.remove("file");
                map.values_mut().for_each(strip);
            }
            Value::Array(items) => items.iter_mut().for_each(strip),
            _ => {}
        }
    }
    strip(&mut report);
    report
}

#[test]
fn s3_report_is_the_local_report_in_both_layouts() {
    let f = fixture();
    for (archive, prefix) in [(&f.plain, "plain/"), (&f.hive, "hive/")] {
        let inventory = archive.join("inventory");
        let local = report(&analyze(
            f.moto.endpoint(),
            &inventory,
            archive.join("logs").to_str().unwrap(),
            &[],
        ));
        assert!(local["summary"]["records"].as_u64().unwrap() > 15_000);
        let url = format!("s3://{BUCKET}/{prefix}");
        // Default concurrency, and a single object at a time on one thread (the pipeline must
        // not deadlock however little it has).
        for extra in [&[][..], &["--s3-concurrency", "1", "--threads", "1"][..]] {
            let out = analyze(f.moto.endpoint(), &inventory, &url, extra);
            let remote = report(&out);
            assert_eq!(
                comparable(remote.clone()),
                comparable(local.clone()),
                "{prefix} {extra:?}"
            );
            let stderr = String::from_utf8_lossy(&out.stderr);
            let n = local["summary"]["files"].as_u64().unwrap();
            assert!(
                stderr.contains(&format!("{n} objects listed, 0 pruned by key, {n} read")),
                "{stderr}"
            );
        }
    }
}

#[test]
fn endpoint_flag_and_single_object_urls() {
    let f = fixture();
    let inventory = f.plain.join("inventory");
    let first = common::tree(&f.plain.join("logs"))
        .into_keys()
        .next()
        .expect("an object");
    // The flag wins over both variables (object_store alone prefers AWS_ENDPOINT_URL_S3).
    let mut command = s3_command("http://127.0.0.1:9", TEST_KEY);
    command
        .env("AWS_ENDPOINT_URL_S3", "http://127.0.0.1:9")
        .args([
            "analyze",
            "--format",
            "json",
            "--endpoint-url",
            f.moto.endpoint(),
            "-i",
        ])
        .arg(&inventory)
        .arg(format!("s3://{BUCKET}/plain/{first}"));
    let out = output(&mut command);
    let summary = &report(&out)["summary"];
    assert_eq!(
        (summary["files_listed"].as_u64(), summary["files"].as_u64()),
        (Some(1), Some(1))
    );
    assert!(summary["records"].as_u64().unwrap() > 0);
}

/// The 5-minute window of a generated key (`…_YYYYMMDDTHHmmZ_hash.log.gz`), as unix seconds.
fn window_of(key: &str) -> i64 {
    let stamp = key.rsplit('_').nth(1).expect("a window stamp");
    let text = format!(
        "{}-{}-{}T{}:{}:00Z",
        &stamp[0..4],
        &stamp[4..6],
        &stamp[6..8],
        &stamp[9..11],
        &stamp[11..13]
    );
    text.parse::<jiff::Timestamp>().unwrap().as_second()
}

#[test]
fn pruning_by_window_account_and_region_happens_before_fetching() {
    let f = fixture();
    let inventory = f.plain.join("inventory");
    let keys: Vec<String> = common::tree(&f.plain.join("logs")).into_keys().collect();
    let n = keys.len() as u64;
    let url = format!("s3://{BUCKET}/mixed/");
    let summary_and_stderr = |extra: &[&str]| {
        let out = analyze(f.moto.endpoint(), &inventory, &url, extra);
        let summary = report(&out)["summary"].clone();
        (summary, String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let counts = |s: &Value| {
        (
            s["files_listed"].as_u64().unwrap(),
            s["files_pruned"].as_u64().unwrap(),
            s["files"].as_u64().unwrap(),
        )
    };

    let (all, _) = summary_and_stderr(&[]);
    assert_eq!(counts(&all), (2 * n, 0, 2 * n));

    let (by_account, stderr) = summary_and_stderr(&["--account", &f.account]);
    assert_eq!(counts(&by_account), (2 * n, n, n));
    assert!(
        stderr.contains(&format!(
            "{} objects listed, {n} pruned by key (--account), {n} read",
            2 * n
        )),
        "{stderr}"
    );
    let (by_region, _) = summary_and_stderr(&["--region", "eu-west-1,ap-south-1"]);
    assert_eq!(counts(&by_region), (2 * n, n, n));
    // Everything pruned is refused unless --allow-empty, which reports it.
    let (neither, stderr) = summary_and_stderr(&[
        "--account",
        &f.account,
        "--region",
        "eu-west-1",
        "--allow-empty",
    ]);
    assert_eq!(counts(&neither), (2 * n, 2 * n, 0));
    assert!(
        stderr.contains(&format!(
            "flowsieve: warning: all {} objects were pruned by their key (--account, --region): \
             nothing was read; the report is empty (--allow-empty)\n",
            2 * n
        )),
        "{stderr}"
    );

    // The window: objects are selected from their key's 5-minute window alone (records end in
    // it, and start at most 660 s before); computed here independently of the library.
    let first = keys.iter().map(|k| window_of(k)).min().unwrap();
    let (since, until) = (first + 1800, first + 2400);
    let expected = keys
        .iter()
        .filter(|k| {
            let from = window_of(k);
            from + 300 > since && from - 660 < until
        })
        .count() as u64;
    assert!(0 < expected && expected < n, "{expected} of {n}");
    let (since, until) = (since.to_string(), until.to_string());
    let window_args = [
        "--account",
        f.account.as_str(),
        "--since",
        &since,
        "--until",
        &until,
    ];
    let (window, stderr) = summary_and_stderr(&window_args);
    assert_eq!(counts(&window), (2 * n, 2 * n - expected, expected));
    assert!(
        stderr.contains("pruned by key (--since/--until, --account)"),
        "{stderr}"
    );

    // The same filters on the local copy give the same report (the account filter applies to
    // local files through their paths).
    let local = report(&analyze(
        f.moto.endpoint(),
        &inventory,
        f.plain.join("logs").to_str().unwrap(),
        &window_args,
    ));
    assert_eq!(counts(&local["summary"]), (n, n - expected, expected));
    assert_eq!(
        local["summary"]["records"], window["records"],
        "the same records from S3 and from disk"
    );
}

#[test]
fn convert_reads_s3_like_local_files() {
    let f = fixture();
    let dir = common::tempdir();
    let convert = |logs: &str, out: &str, extra: &[&str]| {
        let summary = dir.path().join(format!("{out}.json"));
        let mut command = s3_command(f.moto.endpoint(), TEST_KEY);
        command
            .args(["convert", logs, "--output"])
            .arg(dir.path().join(out))
            .arg("--summary-json")
            .arg(&summary)
            .args(extra);
        let run = output(&mut command);
        assert_eq!(run.status.code(), Some(0), "{:?}", texts(&run));
        let json: Value = serde_json::from_slice(&std::fs::read(&summary).unwrap()).unwrap();
        (json, String::from_utf8_lossy(&run.stderr).into_owned())
    };
    let (local, _) = convert(f.plain.join("logs").to_str().unwrap(), "local.parquet", &[]);
    let (remote, stderr) = convert(
        &format!("s3://{BUCKET}/mixed/"),
        "remote.parquet",
        &["--region", "us-east-1"],
    );
    for key in ["rows_written", "records", "lines", "files", "malformed"] {
        assert_eq!(local[key], remote[key], "{key}");
    }
    let n = local["files"].as_u64().unwrap();
    assert_eq!(remote["files_listed"].as_u64(), Some(2 * n));
    assert_eq!(remote["files_pruned"].as_u64(), Some(n));
    assert!(stderr.contains("pruned by key (--region)"), "{stderr}");
    // Two S3 locations in one run (one store, one read-ahead budget: flowsieve-s3's
    // `Discovery`), and an object reached through both listed once.
    let (both, stderr) = convert(
        &format!("s3://{BUCKET}/plain/"),
        "both.parquet",
        &[
            &format!("s3://{BUCKET}/hive/"),
            &format!("s3://{BUCKET}/plain/AWSLogs/"),
            "--s3-concurrency",
            "1",
        ],
    );
    for key in ["rows_written", "records", "files"] {
        assert_eq!(
            both[key].as_u64(),
            local[key].as_u64().map(|v| 2 * v),
            "{key}"
        );
    }
    assert!(
        stderr.contains(&format!("{} objects listed, 0 pruned by key", 2 * n)),
        "{stderr}"
    );
    // Directory mode: one output per object, at its key below the prefix.
    let (_, _) = convert(&format!("s3://{BUCKET}/hive/"), "by-object", &[]);
    let outputs = common::tree(&dir.path().join("by-object"));
    assert_eq!(outputs.len() as u64, n);
    assert!(
        outputs
            .keys()
            .all(|k| k.starts_with("AWSLogs/aws-account-id=")),
        "{outputs:?}"
    );
}

#[test]
fn a_missing_bucket_is_a_clear_error() {
    let f = fixture();
    let out = analyze(
        f.moto.endpoint(),
        &f.plain.join("inventory"),
        "s3://no-such-bucket/AWSLogs/",
        &[],
    );
    let (code, stdout, stderr) = texts(&out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stdout.is_empty());
    assert!(
        stderr.contains(
            "cannot list s3://no-such-bucket/AWSLogs/: no such bucket \"no-such-bucket\""
        ),
        "{stderr}"
    );
}

#[test]
fn refused_credentials_and_a_list_only_user_are_clear_errors() {
    let f = fixture();
    // A server of its own: turning authentication on is server-wide.
    let moto = Moto::start();
    moto.admin(&[
        "upload",
        "locked",
        f.plain.join("logs").to_str().unwrap(),
        "",
    ]);
    let key: Value = serde_json::from_str(&moto.admin(&["lister", "locked"])).unwrap();
    let inventory = f.plain.join("inventory");

    // Unknown credentials: the listing is refused, naming the bucket.
    let mut command = s3_command(moto.endpoint(), ("AKIAUNKNOWN000000000", "wrong"));
    command
        .args(["analyze", "-i"])
        .arg(&inventory)
        .arg("s3://locked/AWSLogs/");
    let (code, _, stderr) = texts(&output(&mut command));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        stderr.contains("cannot list s3://locked/AWSLogs/: access denied by"),
        "{stderr}"
    );

    // A user who may list but not read: every object is reported by key, the run ends with 1.
    let lister = (key["id"].as_str().unwrap(), key["secret"].as_str().unwrap());
    let keys: Vec<String> = common::tree(&f.plain.join("logs")).into_keys().collect();
    let mut command = s3_command(moto.endpoint(), lister);
    command
        .args(["analyze", "--format", "json", "--s3-retries", "0", "-i"])
        .arg(&inventory)
        .arg("s3://locked/AWSLogs/");
    let out = output(&mut command);
    let (code, stdout, stderr) = texts(&out);
    assert_eq!(code, Some(1), "{stderr}");
    let report: Value = serde_json::from_str(&stdout).expect("the report is still written");
    let errors = report["summary"]["file_errors"].as_array().unwrap();
    assert_eq!(errors.len(), keys.len(), "{errors:?}");
    for (error, key) in errors.iter().zip(&keys) {
        assert_eq!(error["file"], format!("s3://locked/{key}"));
        let message = error["error"].as_str().unwrap();
        assert!(message.contains(&format!("s3://locked/{key}")), "{message}");
        assert!(
            message.contains("AccessDenied") || message.contains("privileges"),
            "{message}"
        );
    }

    // --strict stops at the first, with its key.
    let mut command = s3_command(moto.endpoint(), lister);
    command
        .args(["analyze", "--strict", "--s3-retries", "0", "-i"])
        .arg(&inventory)
        .arg("s3://locked/AWSLogs/");
    let (code, _, stderr) = texts(&output(&mut command));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("s3://locked/AWSLogs/"), "{stderr}");
}

#[test]
fn an_object_cut_mid_stream_is_reported_by_key_and_the_rest_is_read() {
    let f = fixture();
    let inventory = f.plain.join("inventory");
    let keys: Vec<String> = common::tree(&f.plain.join("logs")).into_keys().collect();
    let victim = &keys[keys.len() / 2];
    let victim_url = format!("s3://{BUCKET}/plain/{victim}");
    let local = report(&analyze(
        f.moto.endpoint(),
        &inventory,
        f.plain.join("logs").to_str().unwrap(),
        &[],
    ));

    // Cut every time: the retries (resumed with ranged GETs) fail too, so the object fails.
    let proxy = CuttingProxy::start(
        f.moto.endpoint(),
        &format!("{BUCKET}/plain/{victim}"),
        4000,
        usize::MAX,
    );
    let url = format!("s3://{BUCKET}/plain/");
    let out = analyze(proxy.endpoint(), &inventory, &url, &["--s3-retries", "2"]);
    let (code, stdout, stderr) = texts(&out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(
        proxy.cuts() >= 3,
        "the first GET and two retries were cut: {}",
        proxy.cuts()
    );
    let report: Value = serde_json::from_str(&stdout).unwrap();
    let summary = &report["summary"];
    let errors = summary["file_errors"].as_array().unwrap();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert_eq!(errors[0]["file"], victim_url.as_str());
    assert!(stderr.contains(&victim_url), "{stderr}");
    // Reported as the fetch that failed, not as a truncated gzip stream.
    let message = errors[0]["error"].as_str().unwrap();
    assert!(
        message.starts_with(&format!("cannot read {victim_url}: the body broke off: "))
            && message.contains("(after 2 retries); "),
        "{message}"
    );
    // The resumption of the cut body is a retry, said once, naming the object.
    // (after the inventory's findings, printed once the objects are listed)
    let after_findings = stderr
        .lines()
        .find(|l| !l.starts_with("flowsieve: inventory "))
        .unwrap_or_default();
    assert!(
        after_findings.starts_with(&format!("flowsieve: retrying {victim_url} after ")),
        "{stderr}"
    );
    assert_eq!(stderr.matches("flowsieve: retrying").count(), 1, "{stderr}");
    // Every object counted; only the victim's records after the cut are missing.
    assert_eq!(summary["files"], local["summary"]["files"]);
    let (got, all) = (
        summary["records"].as_u64().unwrap(),
        local["summary"]["records"].as_u64().unwrap(),
    );
    assert!(got < all && got > all * 9 / 10, "{got} of {all}");

    // --strict: the run fails on it, naming it.
    let out = analyze(
        proxy.endpoint(),
        &inventory,
        &url,
        &["--s3-retries", "0", "--strict"],
    );
    let (code, _, stderr) = texts(&out);
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains(&victim_url), "{stderr}");
    drop(proxy);

    // Cut once: object_store resumes the body where it broke, and nothing is lost.
    let proxy = CuttingProxy::start(
        f.moto.endpoint(),
        &format!("{BUCKET}/plain/{victim}"),
        4000,
        1,
    );
    let out = analyze(proxy.endpoint(), &inventory, &url, &[]);
    assert_eq!(proxy.cuts(), 1);
    assert_eq!(comparable(report_of(&out)), comparable(local));
}

fn report_of(out: &Output) -> Value {
    report(out)
}
