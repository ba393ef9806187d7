//! Helpers shared by the CLI's end-to-end tests: the built binary, the workspace paths, temporary
//! directories, and the project's Python environment (pyarrow, DuckDB, Polars from PyPI) for the
//! interop tests.

// Each test binary uses its own subset of these.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::OnceLock;

/// The stderr line of the demo inventory's one validation finding, which `analyze` prints
/// before anything else.
pub const DEMO_FINDING: &str = "flowsieve: inventory warning [unresolved_group_peer]: rule \
    sgr-3b4a8bf297f317060 of sg-0563afe19224888f7 references group sg-49429314a497ce934 \
    (account 658752874323), which is not in the inventory; it never matches\n";

/// The workspace root (where `testdata/` and `scripts/` are).
pub fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// `flowsieve` (the binary under test), run from the workspace root so that relative paths such
/// as `testdata/logs` work and appear in its messages exactly as given.
pub fn flowsieve() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_flowsieve"));
    command.current_dir(workspace_root());
    command
}

/// Runs a command and returns its output, panicking (with the command) if it cannot start.
pub fn output(command: &mut Command) -> Output {
    command
        .output()
        .unwrap_or_else(|e| panic!("running {command:?}: {e}"))
}

/// The exit code, stdout and stderr of a run, as text.
pub fn texts(out: &Output) -> (Option<i32>, String, String) {
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A fresh temporary directory.
pub fn tempdir() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Every file under `dir` by relative path (`/`-separated), with its bytes.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for entry in std::fs::read_dir(dir).into_iter().flatten().flatten() {
            let path = entry.path();
            if path.is_dir() {
                walk(root, &path, out);
            } else {
                let rel = path
                    .strip_prefix(root)
                    .map(|r| r.to_string_lossy().replace('\\', "/"))
                    .unwrap_or_default();
                out.insert(rel, std::fs::read(&path).unwrap_or_default());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// Runs one of the project's environment scripts (`scripts/*-env.sh`, relative to the workspace
/// root) and returns the path it prints last: the tool it installed.
pub fn run_env_script(script: &str) -> Result<PathBuf, String> {
    let script = workspace_root().join(script);
    let out = Command::new("bash")
        .arg(&script)
        .output()
        .map_err(|e| format!("running bash {}: {e}", script.display()))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let path = stdout.lines().last().unwrap_or("").trim();
    if !out.status.success() || path.is_empty() {
        return Err(format!(
            "{} failed ({}):\n{}",
            script.display(),
            out.status,
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(PathBuf::from(path))
}

/// The python of the project's environment (`scripts/python-env.sh`: a venv in `target/pyenv`
/// with pinned pyarrow, duckdb and polars), created on first use and shared by every test of the
/// run. Fails the test, saying why, when it cannot be created (no python3, no access to PyPI):
/// an interop test never passes without having run.
pub fn python() -> &'static Path {
    static PYTHON: OnceLock<Result<PathBuf, String>> = OnceLock::new();
    let python = PYTHON.get_or_init(|| run_env_script("scripts/python-env.sh"));
    match python {
        Ok(path) => path,
        Err(message) => panic!(
            "the interop tests need the project's Python environment (python3 with venv, and \
             network access to PyPI the first time), which could not be created: {message}"
        ),
    }
}

/// Runs a Python snippet with the project's environment and returns its stdout; fails the test
/// with Python's stderr when it exits non-zero.
pub fn run_python(snippet: &str, args: &[&Path]) -> String {
    let out = output(Command::new(python()).arg("-c").arg(snippet).args(args));
    let (code, stdout, stderr) = texts(&out);
    assert_eq!(code, Some(0), "python failed:\n{stderr}\n{stdout}");
    stdout
}
