//! [`S3Options`]: what the caller decides about reaching S3 — endpoint, concurrency, timeouts,
//! retries, and who hears that retries began ([`RetryNotice`]) — with the documented default and
//! range of every number. Credentials, region and the rest of the environment are read by
//! `settings.rs`, not here. Pure data: no I/O.

use std::fmt;
use std::ops::RangeInclusive;
use std::sync::Arc;
use std::time::Duration;

/// Objects fetched at once by default.
pub const DEFAULT_CONCURRENCY: usize = 8;
/// The accepted range of [`S3Options::with_concurrency`].
pub const CONCURRENCY_RANGE: RangeInclusive<usize> = 1..=256;
/// Retries of a failing request by default (with exponential backoff from 100 ms to 15 s).
pub const DEFAULT_MAX_RETRIES: usize = 10;
/// The accepted range of [`S3Options::with_max_retries`].
pub const MAX_RETRIES_RANGE: RangeInclusive<usize> = 0..=100;
/// Time to open a connection by default: 5 s.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(5);
/// The accepted range of [`S3Options::with_connect_timeout`], in seconds.
pub const CONNECT_TIMEOUT_RANGE: RangeInclusive<u64> = 1..=60;
/// Time to the first byte of a response, and between two pieces of a body, by default: 15 s.
pub const DEFAULT_READ_TIMEOUT: Duration = Duration::from_secs(15);
/// The accepted range of [`S3Options::with_read_timeout`], in seconds.
pub const READ_TIMEOUT_RANGE: RangeInclusive<u64> = 1..=300;
/// The longest a request may take, retries included, by default: 60 s.
pub const DEFAULT_RETRY_TIME: Duration = Duration::from_secs(60);
/// The accepted range of [`S3Options::with_retry_time`], in seconds.
pub const RETRY_TIME_RANGE: RangeInclusive<u64> = 1..=3600;

/// How to reach S3: endpoint, concurrency, timeouts and retries. Credentials and region are not
/// here: they come from the environment and the shared AWS files (see the crate docs).
///
/// **The time bound.** Every request — a page of a listing, or an object's GET up to its first
/// byte — fails at the latest [`retry_time`](S3Options::with_retry_time) after it was first
/// sent, retries and backoff included, whatever the server does; so does the wait for each next
/// piece of a body. Within that, a connection must open within the connect timeout and a
/// response start within the read timeout, or the attempt fails and is retried (at most
/// [`max_retries`](S3Options::with_max_retries) times, backoff from 100 ms to 15 s).
#[derive(Clone, PartialEq, Eq)]
pub struct S3Options {
    pub(crate) endpoint: Option<String>,
    pub(crate) concurrency: usize,
    pub(crate) max_retries: usize,
    pub(crate) connect_timeout: Duration,
    pub(crate) read_timeout: Duration,
    pub(crate) retry_time: Duration,
    pub(crate) on_retry: Option<RetryHook>,
}

impl Default for S3Options {
    fn default() -> Self {
        S3Options::new()
    }
}

impl fmt::Debug for S3Options {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("S3Options")
            .field("endpoint", &self.endpoint)
            .field("concurrency", &self.concurrency)
            .field("max_retries", &self.max_retries)
            .field("connect_timeout", &self.connect_timeout)
            .field("read_timeout", &self.read_timeout)
            .field("retry_time", &self.retry_time)
            .field("on_retry", &self.on_retry.is_some())
            .finish()
    }
}

/// Clamps a number of seconds into `range`.
fn seconds_in(duration: Duration, range: &RangeInclusive<u64>) -> Duration {
    Duration::from_secs(duration.as_secs().clamp(*range.start(), *range.end()))
}

impl S3Options {
    /// The defaults: the endpoint of `AWS_ENDPOINT_URL` (else AWS's), [`DEFAULT_CONCURRENCY`]
    /// objects at once, [`DEFAULT_CONNECT_TIMEOUT`], [`DEFAULT_READ_TIMEOUT`],
    /// [`DEFAULT_MAX_RETRIES`] retries within [`DEFAULT_RETRY_TIME`].
    pub fn new() -> S3Options {
        S3Options {
            endpoint: None,
            concurrency: DEFAULT_CONCURRENCY,
            max_retries: DEFAULT_MAX_RETRIES,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            read_timeout: DEFAULT_READ_TIMEOUT,
            retry_time: DEFAULT_RETRY_TIME,
            on_retry: None,
        }
    }

    /// The endpoint of an S3-compatible store (`http://127.0.0.1:9000`); `None` for the
    /// environment's (`AWS_ENDPOINT_URL_S3`, `AWS_ENDPOINT_URL`, the profile's `endpoint_url`)
    /// or AWS itself. Plain HTTP is allowed for loopback addresses, elsewhere only with
    /// `AWS_ALLOW_HTTP=true`.
    pub fn with_endpoint(mut self, endpoint: Option<String>) -> S3Options {
        self.endpoint = endpoint;
        self
    }

    /// Objects fetched at once, and fetched ahead of the ones being read
    /// ([`CONCURRENCY_RANGE`], clamped; default 8). Memory grows with it by
    /// [`crate::BUFFERED_PER_OBJECT`] per object.
    pub fn with_concurrency(mut self, objects: usize) -> S3Options {
        self.concurrency = objects.clamp(*CONCURRENCY_RANGE.start(), *CONCURRENCY_RANGE.end());
        self
    }

    /// Retries of a failing request (connection errors, timeouts, 5xx, throttling, a body cut
    /// short, which is resumed where it broke), with exponential backoff from 100 ms to 15 s
    /// ([`MAX_RETRIES_RANGE`], clamped; 0 disables retries; default 10). Retrying also stops at
    /// the [retry time](S3Options::with_retry_time).
    pub fn with_max_retries(mut self, retries: usize) -> S3Options {
        self.max_retries = retries.clamp(*MAX_RETRIES_RANGE.start(), *MAX_RETRIES_RANGE.end());
        self
    }

    /// Time to open a connection (whole seconds in [`CONNECT_TIMEOUT_RANGE`], clamped; default
    /// 5 s).
    pub fn with_connect_timeout(mut self, timeout: Duration) -> S3Options {
        self.connect_timeout = seconds_in(timeout, &CONNECT_TIMEOUT_RANGE);
        self
    }

    /// Time from sending a request to the first byte of its response, and between two pieces
    /// of a body (whole seconds in [`READ_TIMEOUT_RANGE`], clamped; default 15 s). A body that
    /// stalls longer is resumed by a ranged GET, as a retry.
    pub fn with_read_timeout(mut self, timeout: Duration) -> S3Options {
        self.read_timeout = seconds_in(timeout, &READ_TIMEOUT_RANGE);
        self
    }

    /// The longest one request may take, retries and backoff included (whole seconds in
    /// [`RETRY_TIME_RANGE`], clamped; default 60 s): a listing page, an object up to its first
    /// byte, or the next piece of a body that has not come within it fails then.
    pub fn with_retry_time(mut self, limit: Duration) -> S3Options {
        self.retry_time = seconds_in(limit, &RETRY_TIME_RANGE);
        self
    }

    /// Called when a request is retried for the first time (once per request: a listing page,
    /// an object), from one of the store's threads. The CLI prints it.
    pub fn with_retry_notice(
        mut self,
        notice: impl Fn(&RetryNotice) + Send + Sync + 'static,
    ) -> S3Options {
        self.on_retry = Some(RetryHook(Arc::new(notice)));
        self
    }

    /// Objects fetched at once.
    pub fn concurrency(&self) -> usize {
        self.concurrency
    }

    /// Retries of a failing request.
    pub fn max_retries(&self) -> usize {
        self.max_retries
    }

    /// Time to open a connection.
    pub fn connect_timeout(&self) -> Duration {
        self.connect_timeout
    }

    /// Time to the first byte of a response, and between pieces of a body.
    pub fn read_timeout(&self) -> Duration {
        self.read_timeout
    }

    /// The longest one request may take, retries included.
    pub fn retry_time(&self) -> Duration {
        self.retry_time
    }
}

/// The hook of [`S3Options::with_retry_notice`]; options compare equal when they share it.
#[derive(Clone)]
pub(crate) struct RetryHook(pub(crate) Arc<dyn Fn(&RetryNotice) + Send + Sync>);

impl PartialEq for RetryHook {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.0, &other.0)
    }
}

impl Eq for RetryHook {}

/// A request is being retried: which location, and why (the failure of the attempt before).
///
/// Displays as `retrying s3://bucket/key after no response from http://… within 15 s`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryNotice {
    /// `s3://bucket/key` of the object, or the `s3://bucket/prefix` being listed.
    pub location: String,
    /// What made the previous attempt fail, in one line.
    pub cause: String,
}

impl fmt::Display for RetryNotice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "retrying {} after {}", self.location, self.cause)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_are_clamped_to_their_documented_ranges() {
        let options = S3Options::new()
            .with_concurrency(0)
            .with_max_retries(1_000)
            .with_connect_timeout(Duration::ZERO)
            .with_read_timeout(Duration::from_secs(100_000))
            .with_retry_time(Duration::from_millis(10));
        assert_eq!(options.concurrency(), 1);
        assert_eq!(options.max_retries(), 100);
        assert_eq!(options.connect_timeout(), Duration::from_secs(1));
        assert_eq!(options.read_timeout(), Duration::from_secs(300));
        assert_eq!(options.retry_time(), Duration::from_secs(1));
        let defaults = S3Options::new();
        assert_eq!(
            (
                defaults.connect_timeout(),
                defaults.read_timeout(),
                defaults.retry_time(),
                defaults.max_retries()
            ),
            (
                Duration::from_secs(5),
                Duration::from_secs(15),
                Duration::from_secs(60),
                10
            )
        );
    }

    #[test]
    fn options_with_the_same_hook_are_equal() {
        let a = S3Options::new().with_retry_notice(|_| {});
        assert_eq!(a, a.clone());
        assert_ne!(a, S3Options::new().with_retry_notice(|_| {}));
        assert_ne!(a, S3Options::new());
        let notice = RetryNotice {
            location: "s3://b/k".to_owned(),
            cause: "connection refused by http://127.0.0.1:1".to_owned(),
        };
        assert_eq!(
            notice.to_string(),
            "retrying s3://b/k after connection refused by http://127.0.0.1:1"
        );
    }
}
