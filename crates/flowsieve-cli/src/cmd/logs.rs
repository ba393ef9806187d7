//! The LOGS arguments the reading commands (`analyze`, `convert`) share: locations that are
//! local paths, `s3://bucket/prefix` URLs or `-` (standard input), the key filters
//! (`--account`, `--region`), and the S3 settings (`--endpoint-url`, `--s3-concurrency`,
//! `--s3-retries`, the timeouts). Listing, standard input included, is `flowsieve::s3`'s
//! `Discovery` (one S3 store however many URLs); this module maps flags and prints the listing
//! counts.

use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use flowsieve::log::{KeyFilter, LineStats, Source};
use flowsieve::s3::{LogLocation, RetryNotice, S3Options};

use super::args;

/// Parses one LOGS argument: `s3://bucket/prefix`, `-` (standard input) or a local path.
pub fn parse_location(text: &str) -> Result<LogLocation, String> {
    text.parse()
        .map_err(|err: flowsieve::s3::Error| err.to_string())
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

    /// The objects to read, by their key.
    pub fn filter(&self) -> KeyFilter {
        KeyFilter::new()
            .with_accounts(self.accounts.iter().cloned())
            .with_regions(self.regions.iter().cloned())
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
          value_parser = args::count(args::S3_CONCURRENCY))]
    pub s3_concurrency: usize,
    /// Retries of a failing S3 request (errors, timeouts, throttling, a body cut short, resumed
    /// where it broke), with exponential backoff from 100 ms to 15 s, within --s3-retry-time;
    /// 0 to 100.
    #[arg(long, value_name = "N", default_value_t = flowsieve::s3::DEFAULT_MAX_RETRIES,
          value_parser = args::count(args::S3_RETRIES))]
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
        super::ui::line(&format!("flowsieve: {notice}"));
    }
}

/// Lists every location (local walks, S3 listings, standard input) in argument order, with one
/// S3 store however many `s3://` locations there are.
pub fn list(locations: &[LogLocation], s3: &S3Args) -> Result<Vec<Source>, flowsieve::s3::Error> {
    flowsieve::s3::discover(locations, &s3.options())
}

/// When every source is a local `*.json` file: LOGS names an inventory, not flow logs.
pub fn only_json(sources: &[Source]) -> bool {
    !sources.is_empty()
        && sources.iter().all(|source| {
            source
                .path()
                .and_then(Path::extension)
                .is_some_and(|ext| ext.eq_ignore_ascii_case("json"))
        })
}

/// The locations as one string, for messages.
pub fn display(locations: &[LogLocation]) -> String {
    locations
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}

/// `flowsieve: warning: OBJECT: M of N lines malformed: why`, when more than
/// [`flowsieve::log::MALFORMED_SHARE_PERCENT`] % of an object's data lines are malformed (the
/// likely cause from flowsieve-log's diagnosis, with the `--log-format` to try when it can
/// guess one).
pub fn diagnosis(label: &str, stats: &LineStats) -> Option<String> {
    let diagnosis = stats.diagnose()?;
    let data = stats.counts.data_lines();
    Some(format!(
        "flowsieve: warning: {label}: {} of {data} lines malformed: {diagnosis}",
        stats.counts.malformed
    ))
}

/// Prints `flowsieve: N objects listed, M pruned by key (…), K read` on stderr (unless
/// `--quiet`).
pub fn print_counts(listed: u64, pruned: u64, read: u64, filters: &str) {
    if super::ui::quiet() {
        return;
    }
    let by = if filters.is_empty() {
        String::new()
    } else {
        format!(" ({filters})")
    };
    super::ui::line(&format!(
        "flowsieve: {listed} objects listed, {pruned} pruned by key{by}, {read} read"
    ));
}
