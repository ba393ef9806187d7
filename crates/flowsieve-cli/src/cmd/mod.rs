//! One module per subcommand, each exposing `Args` (clap) and `run(Args) ->
//! anyhow::Result<ExitCode>`, and the modules they share: argument parsers and bounds (`args`),
//! LOGS locations (`logs`), safe output files and Ctrl-C (`output`), stderr notes, warnings and
//! progress (`ui`), and `analyze`'s verdicts and exit status (`verdict`).

pub mod analyze;
pub mod args;
pub mod convert;
pub mod generate;
pub mod inventory;
pub mod logs;
pub mod output;
pub mod ui;
pub mod verdict;

/// The exit statuses, for `--help`.
pub const EXIT_CODES: &str = "Exit codes: 0 success; 1 error (also: an object could not be read \
completely, nothing could be judged under --fail-on); 2 usage error (a bad option or value); 3 \
findings under analyze --fail-on; 130 interrupted (Ctrl-C).";

/// Table width when stdout is not a terminal (a file, a pipe).
pub const DEFAULT_WIDTH: usize = 100;

/// The width of the terminal stdout is, else [`DEFAULT_WIDTH`]; clamped to the `--width` range.
pub fn terminal_width() -> usize {
    let columns = terminal_size::terminal_size_of(std::io::stdout())
        .map_or(DEFAULT_WIDTH, |(width, _)| usize::from(width.0));
    let (low, high) = (*args::WIDTH.start(), *args::WIDTH.end());
    columns.clamp(low as usize, high as usize)
}

/// True when the error chain ends in a broken pipe (stdout closed early, e.g. `| head`).
pub fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::BrokenPipe)
    })
}
