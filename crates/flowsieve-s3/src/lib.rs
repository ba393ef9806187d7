//! # flowsieve-s3: flow-log archives straight from S3
//!
//! Lists `s3://bucket/prefix` locations into [`flowsieve_log::Source`]s (pruned by their keys
//! before anything is fetched, by the caller's [`flowsieve_log::KeyFilter`]) and serves their
//! bytes to flowsieve-log's readers as a [`flowsieve_log::RemoteStore`]: streamed, a bounded
//! number of objects fetched ahead of the ones being parsed, transient errors retried with
//! backoff. It owns everything networked — the `object_store` S3 client, a tokio runtime of its
//! own, credentials and endpoints — so flowsieve-log, and the analysis above it, stay
//! synchronous and know nothing of S3.
//!
//! ```no_run
//! use flowsieve_log::{KeyFilter, ReaderBuilder};
//! use flowsieve_s3::{LogLocation, S3Options};
//!
//! let locations: Vec<LogLocation> =
//!     vec!["s3://my-logs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/".parse()?];
//! let sources = flowsieve_s3::discover(&locations, &S3Options::new())?;
//! let filter = KeyFilter::new().with_regions(["eu-west-1"]);
//! let selected: Vec<_> = sources.iter().filter(|s| filter.selects(s.key())).collect();
//! let mut rows = 0;
//! for fetched in flowsieve_log::fetch_in_order(selected) {
//!     for batch in fetched.open(&ReaderBuilder::new())? {
//!         rows += batch?.num_rows();
//!     }
//! }
//! println!("{rows} rows");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Configuration
//!
//! Credentials and region come from the standard AWS environment variables, read by
//! `object_store` (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`,
//! `AWS_REGION` / `AWS_DEFAULT_REGION`, web identity and container credentials, else the EC2
//! instance profile), plus the static keys and region of a profile in `~/.aws/credentials` and
//! `~/.aws/config` (`AWS_PROFILE`, else `default`; SSO and `role_arn` profiles are not
//! resolved: export their credentials, e.g. `eval "$(aws configure export-credentials
//! --format env)"`). The endpoint of an S3-compatible store comes from
//! [`S3Options::with_endpoint`] (`--endpoint-url`) or `AWS_ENDPOINT_URL`; plain `http://` is
//! allowed for loopback endpoints (and elsewhere with `AWS_ALLOW_HTTP=true`).
//!
//! ## Memory
//!
//! Each object's body streams through a channel of at most [`BUFFERED_PER_OBJECT`] bytes. At
//! most [`S3Options::with_concurrency`] objects are being fetched at once, and at most that
//! many are fetched ahead of the ones handed to readers, so the bytes held are bounded by
//! `(concurrency + readers) × BUFFERED_PER_OBJECT` plus the HTTP client's buffers, however
//! large the bucket or its objects — except Parquet objects, which are read whole (see
//! [`flowsieve_log::open_body`]).

mod error;
mod location;
mod profile;
mod store;

pub use error::{Error, Result};
pub use location::{LogLocation, S3Url};
pub use store::{
    BUFFERED_PER_OBJECT, DEFAULT_CONCURRENCY, DEFAULT_MAX_RETRIES, S3Options, S3Store,
};

use flowsieve_log::Source;

/// Lists every location into sources, in argument order: local files and directories as
/// [`flowsieve_log::discover`] walks them, S3 prefixes by listing their objects (in key order,
/// folder markers skipped) through one [`S3Store`] made from `options` when the first S3
/// location is met. The same local file, or the same object, reached twice is listed once.
pub fn discover(locations: &[LogLocation], options: &S3Options) -> Result<Vec<Source>> {
    let mut store: Option<std::sync::Arc<S3Store>> = None;
    let mut sources: Vec<Source> = Vec::new();
    let mut seen_remote = std::collections::HashSet::new();
    let mut local_seen = std::collections::HashSet::new();
    for location in locations {
        match location {
            LogLocation::Local(path) => {
                for source in flowsieve_log::discover(std::slice::from_ref(path))? {
                    let canonical = source
                        .path()
                        .map(|p| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_owned()));
                    if local_seen.insert(canonical) {
                        sources.push(source);
                    }
                }
            }
            LogLocation::S3(url) => {
                let store = match &store {
                    Some(store) => store.clone(),
                    None => store.insert(S3Store::new(options.clone())?).clone(),
                };
                for source in store.list(url)? {
                    if seen_remote.insert(source.label().clone()) {
                        sources.push(source);
                    }
                }
            }
        }
    }
    Ok(sources)
}
