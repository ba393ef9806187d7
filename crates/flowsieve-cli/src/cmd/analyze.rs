//! `flowsieve analyze` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `flowsieve analyze`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `flowsieve analyze`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`flowsieve analyze` is not built yet")
}
