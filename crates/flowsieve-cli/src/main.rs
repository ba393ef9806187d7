//! The `flowsieve` command line.
//!
//! Thin by design: each subcommand lives in its own module under `cmd/`, parses its arguments
//! with clap, builds the library's configuration explicitly, calls the library and prints.
//! Nothing here knows how a flow log is parsed or how a rule is matched.
//!
//! Exit codes: 0 success, 1 error (including input files that could not be read completely,
//! and `analyze --fail-on` with nothing to judge), 2 usage error (clap), 3 findings under
//! `analyze --fail-on`, 130 interrupted (SIGINT). A closed stdout (`flowsieve … | head`) exits 0.

mod cmd;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Which of your AWS security group rules does your traffic use, and where is it rejected?
#[derive(Debug, Parser)]
#[command(name = "flowsieve", version, about, long_about = None, max_term_width = 100,
          after_help = cmd::EXIT_CODES)]
struct Cli {
    /// No progress bar and no notes on stderr (warnings and errors are still printed).
    #[arg(long, short, global = true)]
    quiet: bool,
    /// No progress bar (it shows only when stderr is a terminal).
    #[arg(long, global = true)]
    no_progress: bool,
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Attribute flow-log traffic to security group rules: used and unused rules, REJECT hotspots.
    Analyze(cmd::analyze::Args),
    /// Convert flow-log files (text, gzip, Parquet) to Parquet, and account for every line.
    Convert(cmd::convert::Args),
    /// Load AWS CLI JSON / Terraform state and print the declared network, with validation findings.
    Inventory(cmd::inventory::Args),
    /// Generate a seeded synthetic archive: inventory JSON, flow logs and ground truth.
    Generate(cmd::generate::Args),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    cmd::ui::configure(cli.quiet, cli.no_progress);
    cmd::output::install_interrupt_handler();
    let result = match cli.command {
        Command::Analyze(args) => cmd::analyze::run(args),
        Command::Convert(args) => cmd::convert::run(args),
        Command::Inventory(args) => cmd::inventory::run(args),
        Command::Generate(args) => cmd::generate::run(args),
    };
    match result {
        Ok(code) => code,
        Err(err) if cmd::is_broken_pipe(&err) => ExitCode::SUCCESS,
        Err(err) => {
            // Each cause once, outermost first, on one line (ARCHITECTURE.md, invariants).
            eprintln!(
                "flowsieve: error: {}",
                flowsieve::log::ErrorChain(err.as_ref())
            );
            ExitCode::from(1)
        }
    }
}
