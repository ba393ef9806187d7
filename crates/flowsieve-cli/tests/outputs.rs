//! Every command that writes files (`analyze -o`, `convert -o`, `--summary-json`, `generate
//! --out`) follows one rule (issue 11, item 3): checked before any input is read, written beside
//! the target and renamed into place, devices and FIFOs written through, links followed,
//! temporaries removed on Ctrl-C (exit 130), `*.partial` files skipped by readers, and the
//! report format picked from `-o`'s extension.

mod common;

use std::io::Write as _;
use std::os::unix::fs::{FileTypeExt as _, symlink};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{DEMO_FINDING, flowsieve, output, tempdir, texts};

const INVENTORY: &str = "testdata/demo/inventory";
const LOGS: &str = "testdata/demo/logs";
const DOCS_LOG: &str = "testdata/logs/flowlogs-v2-default-docs.log";

fn run(args: &[&str]) -> (Option<i32>, String, String) {
    texts(&output(flowsieve().args(args)))
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn analyze_picks_the_format_from_the_extension_and_creates_directories() {
    let dir = tempdir();
    let json = dir.path().join("new/dir/report.json");
    let (code, stdout, stderr) = run(&["analyze", "-i", INVENTORY, "-o", path(&json), LOGS]);
    assert_eq!(
        (code, stdout.as_str(), stderr.as_str()),
        (Some(0), "", DEMO_FINDING)
    );
    let report: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    assert_eq!(report["summary"]["records"], 19_980);

    let md = dir.path().join("report.md");
    let (code, _, _) = run(&["analyze", "-i", INVENTORY, "-o", path(&md), LOGS]);
    assert_eq!(code, Some(0));
    assert!(
        std::fs::read_to_string(&md)
            .unwrap()
            .starts_with("# flowsieve report")
    );
    assert_eq!(
        std::fs::read_dir(dir.path()).unwrap().count(),
        2,
        "no temporary left beside the outputs"
    );

    let (code, _, stderr) = run(&[
        "analyze",
        "-i",
        INVENTORY,
        "--format",
        "table",
        "-o",
        path(&md),
        LOGS,
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "flowsieve: error: --format table does not match the extension of {} (markdown): \
             change one of them\n",
            md.display()
        )
    );
}

#[test]
fn an_unwritable_output_is_refused_before_anything_is_read() {
    let dir = tempdir();
    let file = dir.path().join("file");
    std::fs::write(&file, "").unwrap();
    let report = file.join("report.json");
    // The inventory does not exist either: the output is checked first.
    let (code, _, stderr) = run(&[
        "analyze",
        "-i",
        "/nonexistent/inventory",
        "-o",
        path(&report),
        LOGS,
    ]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "flowsieve: error: cannot write {}: {} is a file, not a directory\n",
            report.display(),
            file.display()
        )
    );

    let parquet = dir.path().join("out.parquet");
    for args in [
        vec!["convert", LOGS, "-o", path(&report)],
        vec![
            "convert",
            LOGS,
            "-o",
            path(&parquet),
            "--summary-json",
            path(&report),
        ],
        vec![
            "generate",
            "--out",
            path(&report),
            "--records",
            "10",
            "--seed",
            "1",
        ],
    ] {
        let (code, stdout, stderr) = run(&args);
        assert_eq!(code, Some(1), "{args:?}: {stderr}");
        assert_eq!(stdout, "", "{args:?}: nothing was read");
        assert!(
            stderr.ends_with(&format!("{} is a file, not a directory\n", file.display())),
            "{args:?}: {stderr}"
        );
    }
    assert!(!parquet.exists());
}

#[test]
fn a_link_is_followed_and_kept() {
    let dir = tempdir();
    let real = dir.path().join("real.json");
    std::fs::write(&real, "old").unwrap();
    let link = dir.path().join("link.json");
    symlink(&real, &link).unwrap();
    let (code, _, stderr) = run(&["analyze", "-i", INVENTORY, "-o", path(&link), LOGS]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert!(std::fs::read_to_string(&real).unwrap().starts_with('{'));

    let dangling = dir.path().join("dangling.parquet");
    symlink(dir.path().join("nowhere.parquet"), &dangling).unwrap();
    let (code, _, stderr) = run(&["convert", DOCS_LOG, "-o", path(&dangling)]);
    assert_eq!(code, Some(1));
    assert_eq!(
        stderr,
        format!(
            "flowsieve: error: {} is a symbolic link to {}, which does not exist: give the \
             target's path\n",
            dangling.display(),
            dir.path().join("nowhere.parquet").display()
        )
    );
}

#[test]
fn devices_and_fifos_are_written_through() {
    let (code, stdout, stderr) = run(&["convert", DOCS_LOG, "-o", "/dev/null"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("to /dev/null"), "{stdout}");
    assert!(
        std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device()
    );

    let dir = tempdir();
    let fifo = dir.path().join("report.fifo");
    let made = Command::new("mkfifo").arg(&fifo).status().unwrap();
    assert!(made.success());
    let reader = {
        let fifo = fifo.clone();
        std::thread::spawn(move || std::fs::read_to_string(fifo).unwrap())
    };
    let (code, _, stderr) = run(&[
        "analyze",
        "-i",
        INVENTORY,
        "--format",
        "json",
        "-o",
        path(&fifo),
        LOGS,
    ]);
    assert_eq!(code, Some(0), "{stderr}");
    let text = reader.join().unwrap();
    assert!(text.contains("\"schema_version\""), "{text}");
    assert!(std::fs::metadata(&fifo).unwrap().file_type().is_fifo());
}

#[test]
fn unfinished_outputs_are_not_read() {
    let dir = tempdir();
    std::fs::copy(
        common::workspace_root().join(DOCS_LOG),
        dir.path().join("a.log"),
    )
    .unwrap();
    std::fs::write(dir.path().join("b.parquet.partial"), b"PAR1 cut short").unwrap();
    let (code, stdout, stderr) = run(&["convert", path(dir.path()), "-o", "/dev/null"]);
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.starts_with("files         1\n"), "{stdout}");
}

/// Waits until `done` holds, for at most 60 s.
fn wait_for(what: &str, done: impl Fn() -> bool) {
    let started = Instant::now();
    while !done() {
        assert!(
            started.elapsed() < Duration::from_secs(60),
            "waited for {what}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn interrupt(pid: u32) {
    let sent = Command::new("kill")
        .args(["-INT", &pid.to_string()])
        .status()
        .unwrap();
    assert!(sent.success());
}

#[test]
fn ctrl_c_removes_temporaries_and_exits_130() {
    let dir = tempdir();
    let out = dir.path().join("flows.parquet");
    std::fs::write(&out, "previous").unwrap();
    // Standard input stays open, so convert waits in the middle of its run.
    let mut child = flowsieve()
        .args(["convert", "-", "-o", path(&out)])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdin = child.stdin.take().unwrap();
    stdin
        .write_all(&std::fs::read(common::workspace_root().join(DOCS_LOG)).unwrap())
        .unwrap();
    stdin.flush().unwrap();
    let partial = dir.path().join("flows.parquet.partial");
    wait_for("the temporary output", || partial.exists());
    interrupt(child.id());
    let result = child.wait_with_output().unwrap();
    drop(stdin);
    let (code, _, stderr) = texts(&result);
    assert_eq!(code, Some(130));
    assert_eq!(stderr, "flowsieve: interrupted\n");
    assert!(!partial.exists());
    assert_eq!(std::fs::read(&out).unwrap(), b"previous");

    let archive = dir.path().join("archive");
    let child = flowsieve()
        .args([
            "generate",
            "--out",
            path(&archive),
            "--records",
            "50000000",
            "--seed",
            "3",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let staging = archive.join(".generate.partial");
    wait_for("the staging directory", || staging.exists());
    interrupt(child.id());
    let (code, _, stderr) = texts(&child.wait_with_output().unwrap());
    assert_eq!(
        (code, stderr.as_str()),
        (Some(130), "flowsieve: interrupted\n")
    );
    assert!(!staging.exists());
    assert_eq!(std::fs::read_dir(&archive).unwrap().count(), 0);
}
