//! `flowsieve inventory` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `flowsieve inventory`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `flowsieve inventory`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`flowsieve inventory` is not built yet")
}
