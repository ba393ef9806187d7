//! The LOGS arguments the reading commands (`analyze`, `convert`) share: locations that are
//! local paths or `s3://bucket/prefix` URLs, the key filters (`--account`, `--region`), and the
//! S3 settings (`--endpoint-url`, `--s3-concurrency`, `--s3-retries`). Listing goes through
//! `flowsieve::s3`; this module only maps flags and prints the listing counts.

use flowsieve::log::Source;
use flowsieve::s3::{LogLocation, S3Options};

/// Parses one LOGS argument: `s3://bucket/prefix` or a local path.
pub fn parse_location(text: &str) -> Result<LogLocation, String> {
    text.parse()
        .map_err(|err: flowsieve::s3::Error| err.to_string())
}

fn parse_count(text: &str, range: std::ops::RangeInclusive<usize>) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(n) if range.contains(&n) => Ok(n),
        _ => Err(format!(
            "expected a number from {} to {}",
            range.start(),
            range.end()
        )),
    }
}

fn parse_concurrency(text: &str) -> Result<usize, String> {
    parse_count(text, 1..=256)
}

fn parse_retries(text: &str) -> Result<usize, String> {
    parse_count(text, 0..=100)
}

/// `--account` and `--region`: which objects to read, judged from their keys.
#[derive(Debug, Clone, clap::Args)]
pub struct KeyArgs {
    /// Read only objects whose key names this account (12 digits); repeatable or
    /// comma-separated. Objects whose key names no account (local files outside the AWS layout)
    /// are read.
    #[arg(long = "account", value_name = "ID", value_delimiter = ',')]
    pub accounts: Vec<String>,
    /// Read only objects whose key names this region (eu-west-1); repeatable or
    /// comma-separated. Objects whose key names no region are read.
    #[arg(long = "region", value_name = "REGION", value_delimiter = ',')]
    pub regions: Vec<String>,
}

impl KeyArgs {
    /// Whether a filter is set.
    pub fn is_set(&self) -> bool {
        !self.accounts.is_empty() || !self.regions.is_empty()
    }

    /// The key filters given, as their flags (for the "listed, pruned, read" line).
    pub fn flags(&self) -> Vec<&'static str> {
        let mut flags = Vec::new();
        if !self.accounts.is_empty() {
            flags.push("--account");
        }
        if !self.regions.is_empty() {
            flags.push("--region");
        }
        flags
    }
}

/// How to reach S3, for `s3://` LOGS. Credentials and region: the AWS environment variables
/// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION) or the static
/// keys of AWS_PROFILE in ~/.aws/credentials and ~/.aws/config.
#[derive(Debug, Clone, clap::Args)]
pub struct S3Args {
    /// Endpoint of an S3-compatible store (http://127.0.0.1:9000); default: AWS_ENDPOINT_URL,
    /// else AWS. Plain http is allowed for loopback addresses (elsewhere with
    /// AWS_ALLOW_HTTP=true).
    #[arg(long, value_name = "URL")]
    pub endpoint_url: Option<String>,
    /// S3 objects fetched at once, and fetched ahead of the ones being parsed (1 to 256); each
    /// buffers at most 1 MiB.
    #[arg(long, value_name = "N", default_value_t = flowsieve::s3::DEFAULT_CONCURRENCY,
          value_parser = parse_concurrency)]
    pub s3_concurrency: usize,
    /// Retries of a failing S3 request (errors, throttling, a body cut short, resumed where it
    /// broke), with exponential backoff from 100 ms to 15 s.
    #[arg(long, value_name = "N", default_value_t = flowsieve::s3::DEFAULT_MAX_RETRIES,
          value_parser = parse_retries)]
    pub s3_retries: usize,
}

impl S3Args {
    /// The library's options.
    pub fn options(&self) -> S3Options {
        S3Options::new()
            .with_endpoint(self.endpoint_url.clone())
            .with_concurrency(self.s3_concurrency)
            .with_max_retries(self.s3_retries)
    }
}

/// Lists every location (local walks, S3 listings) in argument order.
pub fn list(locations: &[LogLocation], s3: &S3Args) -> Result<Vec<Source>, flowsieve::s3::Error> {
    flowsieve::s3::discover(locations, &s3.options())
}

/// The locations as one string, for messages.
pub fn display(locations: &[LogLocation]) -> String {
    locations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// Prints `flowsieve: N objects listed, M pruned by key (…), K read` on stderr.
pub fn print_counts(listed: u64, pruned: u64, read: u64, filters: &str) {
    let by = if filters.is_empty() {
        String::new()
    } else {
        format!(" ({filters})")
    };
    eprintln!("flowsieve: {listed} objects listed, {pruned} pruned by key{by}, {read} read");
}
