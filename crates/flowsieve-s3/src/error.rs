//! The errors of flowsieve-s3: what stops a listing or the setting up of the client. A failure
//! to fetch one object is not an [`Error`]: it surfaces from that object's body as an
//! [`std::io::Error`] naming the object, so the reader reports it like any unreadable file.

/// The result type of flowsieve-s3.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error of flowsieve-s3.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A location looked like an S3 URL but is not a valid one.
    #[error("invalid S3 URL {url:?}: {reason}")]
    InvalidUrl {
        /// The text as given.
        url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client could not be configured (a bad endpoint, an invalid setting).
    #[error("cannot configure the S3 client for bucket {bucket}: {source}")]
    Config {
        /// The bucket.
        bucket: String,
        /// object_store's error.
        #[source]
        source: object_store::Error,
    },
    /// The tokio runtime of the client could not be started.
    #[error("cannot start the S3 client's threads: {0}")]
    Runtime(#[source] std::io::Error),
    /// The bucket does not exist (or is not visible at this endpoint and region).
    #[error("s3://{bucket}: no such bucket (listing {url}): {message}")]
    NoSuchBucket {
        /// The bucket.
        bucket: String,
        /// The location being listed.
        url: String,
        /// What the server said.
        message: String,
    },
    /// The credentials were refused, or do not allow listing the prefix.
    #[error("{url}: access denied listing bucket {bucket}: {message}")]
    AccessDenied {
        /// The bucket.
        bucket: String,
        /// The location being listed.
        url: String,
        /// What the server said.
        message: String,
    },
    /// Listing failed for another reason (after the retries).
    #[error("{url}: cannot list: {source}")]
    List {
        /// The location being listed.
        url: String,
        /// object_store's error.
        #[source]
        source: object_store::Error,
    },
    /// A local location could not be walked.
    #[error(transparent)]
    Local(#[from] flowsieve_log::Error),
}
