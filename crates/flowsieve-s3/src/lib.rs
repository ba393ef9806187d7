//! # flowsieve-s3: flow-log archives straight from S3
//!
//! Lists flow-log locations — `s3://bucket/prefix` URLs, local files and directories, `-` for
//! standard input — into [`flowsieve_log::Source`]s with one [`Discovery`] (pruned by their
//! keys before anything is fetched, by the caller's [`flowsieve_log::KeyFilter`]; one S3 store
//! however many URLs), and serves their bytes to flowsieve-log's readers as a
//! [`flowsieve_log::RemoteStore`]: streamed, a bounded number of objects fetched ahead of the
//! ones being parsed, transient errors retried with backoff. It owns everything networked — the
//! `object_store` S3 client, a tokio runtime of its own, credentials and endpoints — so
//! flowsieve-log, and the analysis above it, stay synchronous and know nothing of S3.
//!
//! ```no_run
//! use flowsieve_log::{KeyFilter, ReaderBuilder};
//! use flowsieve_s3::{Discovery, LogLocation, S3Options};
//!
//! let locations: Vec<LogLocation> = vec![
//!     "s3://my-logs/AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/".parse()?,
//!     "s3://my-logs/AWSLogs/210987654321/vpcflowlogs/eu-west-1/2026/11/".parse()?,
//! ];
//! let listing = Discovery::new(S3Options::new())
//!     .with_filter(KeyFilter::new().with_regions(["eu-west-1"]))
//!     .list(&locations)?;
//! println!("{} listed, {} pruned by key", listing.listed, listing.pruned);
//! let mut rows = 0;
//! for fetched in flowsieve_log::fetch_in_order(&listing.sources) {
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
//! Read from the environment when the store is made ([`S3Store::new`]), as the AWS SDKs read it:
//!
//! * **Credentials** ([`CredentialSource`], the first that applies): `AWS_ACCESS_KEY_ID` and
//!   `AWS_SECRET_ACCESS_KEY` (and `AWS_SESSION_TOKEN`); the static keys of the profile named by
//!   `AWS_PROFILE` (else `default`) in `~/.aws/credentials` and `~/.aws/config` (or
//!   `AWS_SHARED_CREDENTIALS_FILE` / `AWS_CONFIG_FILE`); web identity
//!   (`AWS_WEB_IDENTITY_TOKEN_FILE` and `AWS_ROLE_ARN`); the container credentials endpoint;
//!   else the EC2 instance metadata service. `AWS_SKIP_SIGNATURE=true` sends unsigned requests.
//!   A profile named by `AWS_PROFILE` that neither file has, half a key pair, or a profile that
//!   needs SSO, `role_arn` or `credential_process` (not resolved here: export its credentials
//!   first, `eval "$(aws configure export-credentials --format env)"`) is an [`Error`] before
//!   any request. When the instance metadata service gives no credentials (off EC2, no role),
//!   the failure says so ([`FailureKind::NoCredentials`]), never "access denied".
//! * **Region**: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else the profile's `region`, else
//!   (on AWS) asked of S3 for the bucket, else `us-east-1`.
//! * **Endpoint** of an S3-compatible store: [`S3Options::with_endpoint`] (`--endpoint-url`),
//!   else `AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`. Plain
//!   `http://` is allowed for loopback endpoints, elsewhere only with `AWS_ALLOW_HTTP=true`
//!   (refused with an [`Error`] otherwise).
//! * The other HTTP client settings object_store reads (`AWS_PROXY_URL`, …), except the
//!   timeouts, which are [`S3Options`]'.
//!
//! ## Time
//!
//! A connection must open within the connect timeout (default 5 s) and a response start within
//! the read timeout (default 15 s); failed attempts are retried (default 10 times, backoff from
//! 100 ms to 15 s), and the first retry of each request is reported to
//! [`S3Options::with_retry_notice`]. Whatever the server does, a request — a listing page, an
//! object up to its first byte, each next piece of a body — fails once the retry time (default
//! 60 s) has passed, with a [`Failure`] that says why in one line, cause first.
//!
//! ## Memory
//!
//! Each object's body streams through a channel of at most [`BUFFERED_PER_OBJECT`] bytes. At
//! most [`S3Options::with_concurrency`] objects are being fetched at once, and at most that
//! many are fetched ahead of the ones handed to readers, so the bytes held are bounded by
//! `(concurrency + readers) × BUFFERED_PER_OBJECT` plus the HTTP client's buffers, however
//! large the bucket or its objects — except Parquet objects, which are read whole (see
//! [`flowsieve_log::open_body`]).

mod client;
mod discover;
mod error;
mod failure;
mod location;
mod options;
mod profile;
mod settings;
mod store;
mod watch;

pub use discover::{Discovery, Listing, discover};
pub use error::{Error, Result};
pub use failure::{Failure, FailureKind};
pub use location::{LogLocation, S3Url};
pub use options::{
    CONCURRENCY_RANGE, CONNECT_TIMEOUT_RANGE, DEFAULT_CONCURRENCY, DEFAULT_CONNECT_TIMEOUT,
    DEFAULT_MAX_RETRIES, DEFAULT_READ_TIMEOUT, DEFAULT_RETRY_TIME, MAX_RETRIES_RANGE,
    READ_TIMEOUT_RANGE, RETRY_TIME_RANGE, RetryNotice, S3Options,
};
pub use settings::CredentialSource;
pub use store::{BUFFERED_PER_OBJECT, S3Store};
