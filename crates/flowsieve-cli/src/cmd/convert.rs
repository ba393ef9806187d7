//! `flowsieve convert` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `flowsieve convert`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `flowsieve convert`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`flowsieve convert` is not built yet")
}
