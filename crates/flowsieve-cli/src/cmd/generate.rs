//! `flowsieve generate` (being built; see its issue).

use std::process::ExitCode;

/// Arguments of `flowsieve generate`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs `flowsieve generate`.
pub fn run(_args: Args) -> anyhow::Result<ExitCode> {
    anyhow::bail!("`flowsieve generate` is not built yet")
}
