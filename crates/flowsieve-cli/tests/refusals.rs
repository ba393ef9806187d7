//! `flowsieve analyze` refuses or warns rather than guesses (issue 11, items 1 and 2): logs
//! whose format cannot support attribution, runs with nothing to judge, empty or swapped
//! inventories, and the accepted time forms. Each case asserts the exact stderr and exit code.

mod common;

use std::path::Path;

use common::{DEMO_FINDING, flowsieve, output, tempdir, texts};

/// The warning of a run whose log holds ACCEPT records only (the test logs here): it may
/// capture ACCEPT traffic only.
const ACCEPT_ONLY: &str = "flowsieve: warning: the objects without a flow-log id in their name \
    hold no REJECT record: the capture may be ACCEPT-only, so no hotspot there does not mean \
    nothing was refused\n";
use serde_json::Value;

const INVENTORY: &str = "testdata/demo/inventory";
const LOGS: &str = "testdata/demo/logs";

/// A record of a demo ENI (eni-10c0c00bd3b49d12e, group sg-232366b26ebe3673f) in the default
/// format, at 2025-04-21 00:18:42 UTC.
const RECORD: &str = "2 568738793019 eni-10c0c00bd3b49d12e 187.253.239.246 10.34.0.95 54985 443 6 15 8670 1745194722 1745194727 ACCEPT OK\n";
/// The same record of an ENI the inventory does not have.
const UNKNOWN_ENI: &str = "2 568738793019 eni-0000000000000dead 187.253.239.246 10.34.0.95 54985 443 6 15 8670 1745194722 1745194727 ACCEPT OK\n";
/// A header that misspells `srcaddr` and lacks `action`, and two records under it.
const LACKING: &str = "version account-id interface-id srcadr dstaddr srcport dstport protocol packets bytes start end log-status\n\
    2 568738793019 eni-10c0c00bd3b49d12e 187.253.239.246 10.34.0.95 54985 443 6 15 8670 1745194722 1745194727 OK\n\
    2 568738793019 eni-10c0c00bd3b49d12e 187.253.239.246 10.34.0.95 54986 443 6 15 8670 1745194722 1745194727 OK\n";

fn write(dir: &Path, name: &str, text: &str) -> String {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path.to_str().unwrap().to_owned()
}

fn analyze(args: &[&str]) -> (Option<i32>, String, String) {
    texts(&output(flowsieve().arg("analyze").args(args)))
}

fn report(stdout: &str) -> Value {
    serde_json::from_str(stdout).unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

#[test]
fn a_log_without_the_fields_attribution_needs_is_refused() {
    let dir = tempdir();
    let log = write(dir.path(), "lacking.log", LACKING);
    let (code, stdout, stderr) = analyze(&["-i", INVENTORY, &log]);
    assert_eq!(code, Some(1), "{stderr}");
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: {log}: its format lacks srcaddr, action: 2 records not \
             attributed\n\
             flowsieve: error: no log has the fields attribution needs (interface-id, srcaddr, \
             dstaddr, srcport, dstport, protocol, action): nothing can be judged; give \
             header-less logs their format with --log-format\n"
        )
    );
}

#[test]
fn beside_usable_logs_it_is_counted_as_unattributable() {
    let dir = tempdir();
    let lacking = write(dir.path(), "lacking.log", LACKING);
    let good = write(dir.path(), "good.log", RECORD);
    let (code, stdout, stderr) = analyze(&["-i", INVENTORY, "--format", "json", &good, &lacking]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: warning: {lacking}: its format lacks srcaddr, action: 2 records not \
             attributed\n{ACCEPT_ONLY}"
        )
    );
    let summary = &report(&stdout)["summary"];
    assert_eq!(summary["records"], 3);
    assert_eq!(summary["attributed_records"], 1);
    assert_eq!(summary["unattributed"]["unusable_format"], 2);
    assert_eq!(
        summary["unusable_logs"],
        serde_json::json!([{"file": lacking, "missing_fields": ["srcaddr", "action"], "records": 2}])
    );
}

#[test]
fn nothing_attributed_is_said_and_fail_on_cannot_pass() {
    let dir = tempdir();
    let log = write(dir.path(), "unknown.log", UNKNOWN_ENI);
    let warning = "flowsieve: warning: none of the 1 records in the window could be attributed \
        (ENIs not in the inventory 1, no interface-id 0, a field is '-' 0, direction unknown 0): \
        no rule can be judged\n";
    let warning = format!("{DEMO_FINDING}{warning}");
    let (code, _, stderr) = analyze(&["-i", INVENTORY, &log]);
    assert_eq!((code, stderr), (Some(0), warning.clone()));
    let (code, _, stderr) = analyze(&["-i", INVENTORY, "--fail-on", "unused", &log]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "{warning}flowsieve: error: --fail-on cannot pass or fail: no record was attributed\n"
        )
    );
}

#[test]
fn a_window_with_no_records_is_refused_unless_allowed() {
    let dir = tempdir();
    let log = write(dir.path(), "plain.log", RECORD);
    let (code, stdout, stderr) = analyze(&["-i", INVENTORY, "--since", "2030-01-01", &log]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: error: none of the 1 records lies in the window \
             2030-01-01T00:00:00Z – …; --allow-empty accepts an empty run\n"
        )
    );
    let (code, stdout, stderr) = analyze(&[
        "-i",
        INVENTORY,
        "--since",
        "2030-01-01",
        "--allow-empty",
        "--fail-on",
        "unused",
        "--format",
        "json",
        &log,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: warning: none of the 1 records lies in the window \
             2030-01-01T00:00:00Z – …; the report is empty (--allow-empty)\n\
             flowsieve: note: --fail-on not evaluated: the run is empty (--allow-empty)\n"
        )
    );
    assert_eq!(report(&stdout)["summary"]["attributed_records"], 0);
}

#[test]
fn everything_pruned_by_key_is_refused() {
    let (code, stdout, stderr) = analyze(&["-i", INVENTORY, "--since", "2025-04-22", LOGS]);
    assert_eq!(code, Some(1));
    assert_eq!(stdout, "");
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: 24 objects listed, 24 pruned by key (--since/--until), 0 \
             read\n\
             flowsieve: error: all 24 objects were pruned by their key (--since/--until): \
             nothing was read; --allow-empty accepts an empty run\n"
        )
    );
    let (code, stdout, _) = analyze(&[
        "-i",
        INVENTORY,
        "--since",
        "2025-04-22",
        "--allow-empty",
        LOGS,
    ]);
    assert_eq!(code, Some(0));
    assert!(
        stdout.starts_with("flowsieve: 0 files, 0 records"),
        "{stdout}"
    );
}

#[test]
fn no_records_is_refused() {
    let dir = tempdir();
    let log = write(
        dir.path(),
        "nodata.log",
        "version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status\n\
         2 568738793019 eni-10c0c00bd3b49d12e - - - - - - - 1745194722 1745194782 - NODATA\n",
    );
    let (code, _, stderr) = analyze(&["-i", INVENTORY, &log]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: error: no flow-log record in the 1 objects read (1 \
             header, 1 NODATA, 0 SKIPDATA, 0 malformed, 0 blank lines; 0 objects not read \
             completely); --allow-empty accepts an empty run\n"
        )
    );
}

#[test]
fn an_empty_inventory_directory_is_refused() {
    let dir = tempdir();
    let empty = dir.path().to_str().unwrap();
    let (code, _, stderr) = analyze(&["-i", empty, LOGS]);
    assert_eq!(code, Some(1));
    assert_eq!(stderr, empty_inventory(empty));
}

/// What an inventory directory without JSON gets.
fn empty_inventory(dir: &str) -> String {
    format!(
        "flowsieve: inventory warning [empty_input]: no inventory input was loaded\n\
         flowsieve: error: the inventory ({dir}) holds no security group, rule or network \
         interface: {dir} holds no .json file (flow logs? the inventory goes with -i, the flow \
         logs as LOGS); --allow-empty analyses anyway\n"
    )
}

#[test]
fn swapped_inventory_and_logs_are_named() {
    // The flow logs given with -i: refused before any log is read.
    let (code, _, stderr) = analyze(&["-i", LOGS, INVENTORY]);
    assert_eq!(code, Some(1));
    assert_eq!(stderr, empty_inventory(LOGS));
    // An inventory given as LOGS.
    let (code, _, stderr) = analyze(&["-i", INVENTORY, INVENTORY]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "flowsieve: error: {INVENTORY} holds only .json files, which are not flow logs: an \
             inventory goes with -i, the flow logs as LOGS\n"
        )
    );
}

#[test]
fn times_without_zone_are_utc_and_said_so() {
    let dir = tempdir();
    let log = write(dir.path(), "plain.log", RECORD);
    let (code, stdout, stderr) = analyze(&[
        "-i",
        INVENTORY,
        "--format",
        "json",
        "--since",
        "2025-04-21 00:00",
        "--until",
        "2025-04-21T00:30:00",
        &log,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "flowsieve: note: --since '2025-04-21 00:00' has no time zone: taken as UTC \
             (2025-04-21T00:00:00Z)\n\
             flowsieve: note: --until '2025-04-21T00:30:00' has no time zone: taken as UTC \
             (2025-04-21T00:30:00Z)\n{DEMO_FINDING}{ACCEPT_ONLY}"
        )
    );
    let summary = &report(&stdout)["summary"];
    assert_eq!(summary["since"], 1_745_193_600);
    assert_eq!(summary["until"], 1_745_195_400);
    assert_eq!(summary["attributed_records"], 1);

    // Milliseconds are recognised by their magnitude; --quiet silences the note.
    let (code, stdout, stderr) = analyze(&[
        "-i",
        INVENTORY,
        "--format",
        "json",
        "--since",
        "1745193600000",
        &log,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        stderr,
        format!(
            "flowsieve: note: --since 1745193600000 taken as unix milliseconds \
             (2025-04-21T00:00:00Z)\n{DEMO_FINDING}{ACCEPT_ONLY}"
        )
    );
    assert_eq!(report(&stdout)["summary"]["since"], 1_745_193_600);
    let (_, _, stderr) = analyze(&["--quiet", "-i", INVENTORY, "--since", "1745193600000", &log]);
    assert_eq!(
        stderr,
        format!("{DEMO_FINDING}{ACCEPT_ONLY}"),
        "notes are silenced, warnings are not"
    );
}

#[test]
fn other_times_are_refused_with_the_accepted_forms() {
    let (code, _, stderr) = analyze(&["-i", INVENTORY, "--since", "yesterday", LOGS]);
    assert_eq!(code, Some(2));
    assert_eq!(
        stderr,
        "error: invalid value 'yesterday' for '--since <T>': expected RFC 3339 with a zone \
         (2025-04-21T00:00:00Z, 2025-04-21T02:00:00+02:00), a date (2025-04-21: its midnight \
         UTC), a date and time without zone, taken as UTC (2025-04-21T12:00:00, '2025-04-21 \
         12:00'), unix seconds (1745193600) or unix milliseconds (1745193600000); got \
         'yesterday'\n\nFor more information, try '--help'.\n"
    );
}

#[test]
fn garbage_is_diagnosed_and_refused() {
    let dir = tempdir();
    // A custom format without its header: read as the default format, mostly malformed.
    let headerless = write(
        dir.path(),
        "custom.log",
        "eni-10c0c00bd3b49d12e 187.253.239.246 10.34.0.95 54985 443 6 15 8670 1745194722 1745194727 ACCEPT OK\n\
         eni-10c0c00bd3b49d12e 187.253.239.246 10.34.0.95 54986 443 6 15 8670 1745194722 1745194727 ACCEPT OK\n",
    );
    let (code, _, stderr) = analyze(&["-i", INVENTORY, &headerless]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: warning: {headerless}: 2 of 2 lines malformed: the lines \
             have 12 fields where the default v2 format (the object has no header line) has 14; \
             a guess from the values, to check against the flow log's LogFormat: --log-format \
             '${{interface-id}} ${{srcaddr}} ${{dstaddr}} ${{srcport}} ${{dstport}} ${{protocol}} \
             ${{packets}} ${{bytes}} ${{start}} ${{end}} ${{action}} ${{log-status}}'\n\
             flowsieve: error: no flow-log record in the 1 objects read (0 header, 0 NODATA, 0 \
             SKIPDATA, 2 malformed, 0 blank lines; 0 objects not read completely); \
             --allow-empty accepts an empty run\n"
        )
    );
    // convert says the same, and converts what it can (nothing here).
    let converted = texts(&output(flowsieve().args([
        "convert",
        &headerless,
        "-o",
        "/dev/null",
    ])));
    assert_eq!(converted.0, Some(0));
    assert!(
        converted.2.starts_with(&format!(
            "flowsieve: warning: {headerless}: 2 of 2 lines malformed: the lines have 12 fields"
        )),
        "{}",
        converted.2
    );
    // Random bytes: not a flow log.
    let binary = dir.path().join("random.bin");
    let bytes: Vec<u8> = (0u32..3000)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&binary, bytes).unwrap();
    let binary = binary.to_str().unwrap();
    let (code, _, stderr) = analyze(&["-i", INVENTORY, binary]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "{DEMO_FINDING}flowsieve: warning: {binary}: not a flow log (binary content)\n\
             flowsieve: error: 1 object(s) could not be read completely; the report covers what \
             was read\n"
        )
    );
    // A byte-order mark before the header: read.
    let bom = write(
        dir.path(),
        "bom.log",
        &format!(
            "\u{feff}{}",
            LACKING
                .replace("srcadr", "srcaddr")
                .replace(" log-status\n", " action log-status\n")
                .replace(" OK\n", " ACCEPT OK\n")
        ),
    );
    let (code, stdout, stderr) = analyze(&["-i", INVENTORY, "--format", "json", &bom]);
    assert_eq!(
        (code, stderr),
        (Some(0), format!("{DEMO_FINDING}{ACCEPT_ONLY}"))
    );
    assert_eq!(report(&stdout)["summary"]["attributed_records"], 2);
}
