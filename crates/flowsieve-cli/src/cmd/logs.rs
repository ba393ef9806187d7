//! The LOGS arguments the reading commands (`analyze`, `convert`) share: locations that are
//! local paths or `s3://bucket/prefix` URLs, the key filters (`--account`, `--region`), and the
//! S3 settings (`--endpoint-url`, `--s3-concurrency`, `--s3-retries`, the timeouts). Listing goes through
//! `flowsieve::s3`; this module only maps flags and prints the listing counts.

use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use flowsieve::log::Source;
use flowsieve::s3::{LogLocation, RetryNotice, S3Options};

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
/// (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN, AWS_REGION, AWS_DEFAULT_REGION)
/// or the static keys of AWS_PROFILE in ~/.aws/credentials and ~/.aws/config, else an instance
/// role.
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
    /// Retries of a failing S3 request (errors, timeouts, throttling, a body cut short, resumed
    /// where it broke), with exponential backoff from 100 ms to 15 s, within --s3-retry-time.
    #[arg(long, value_name = "N", default_value_t = flowsieve::s3::DEFAULT_MAX_RETRIES,
          value_parser = parse_retries)]
    pub s3_retries: usize,
    /// Seconds to open a connection to S3 (1 to 60).
    #[arg(long, value_name = "SECONDS",
          default_value_t = flowsieve::s3::DEFAULT_CONNECT_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(flowsieve::s3::CONNECT_TIMEOUT_RANGE))]
    pub s3_connect_timeout: u64,
    /// Seconds from an S3 request to the first byte of its response, and between pieces of a
    /// body (1 to 300); an attempt that waits longer is retried.
    #[arg(long, value_name = "SECONDS",
          default_value_t = flowsieve::s3::DEFAULT_READ_TIMEOUT.as_secs(),
          value_parser = clap::value_parser!(u64).range(flowsieve::s3::READ_TIMEOUT_RANGE))]
    pub s3_read_timeout: u64,
    /// Seconds an S3 request may take, retries included (1 to 3600): a listing page, an object
    /// up to its first byte, or the next piece of a body that has not come by then fails. An
    /// endpoint that never answers fails the run within this time.
    #[arg(long, value_name = "SECONDS",
          default_value_t = flowsieve::s3::DEFAULT_RETRY_TIME.as_secs(),
          value_parser = clap::value_parser!(u64).range(flowsieve::s3::RETRY_TIME_RANGE))]
    pub s3_retry_time: u64,
}

impl S3Args {
    /// The library's options.
    pub fn options(&self) -> S3Options {
        S3Options::new()
            .with_endpoint(self.endpoint_url.clone())
            .with_concurrency(self.s3_concurrency)
            .with_max_retries(self.s3_retries)
            .with_connect_timeout(Duration::from_secs(self.s3_connect_timeout))
            .with_read_timeout(Duration::from_secs(self.s3_read_timeout))
            .with_retry_time(Duration::from_secs(self.s3_retry_time))
            .with_retry_notice(print_retry_notice)
    }
}

/// Prints the run's first S3 retry on stderr (`flowsieve: retrying s3://… after …`), so that a
/// wait is never silent; later retries are not printed (a failure says how many there were).
fn print_retry_notice(notice: &RetryNotice) {
    static PRINTED: AtomicBool = AtomicBool::new(false);
    if !PRINTED.swap(true, Ordering::Relaxed) {
        eprintln!("flowsieve: {notice}");
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
