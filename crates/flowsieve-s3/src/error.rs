//! The errors of flowsieve-s3: what stops a listing or the setting up of the client. A failure
//! to fetch one object is not an [`Error`]: it surfaces from that object's body as an
//! [`std::io::Error`] holding a [`Failure`], so the reader reports it like any unreadable file.
//!
//! As everywhere in flowsieve, a variant's message says what failed and where, never its cause:
//! the cause is its [`std::error::Error::source`], printed after it by whoever prints the chain
//! ([`flowsieve_log::ErrorChain`]).

use std::path::PathBuf;

use crate::failure::Failure;

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
    /// `AWS_PROFILE` names a profile that neither shared AWS file has.
    #[error(
        "AWS profile {profile:?} (AWS_PROFILE) is not in {}",
        files.iter().map(|f| f.display().to_string()).collect::<Vec<_>>().join(" or ")
    )]
    NoSuchProfile {
        /// The profile named.
        profile: String,
        /// The files looked in (the config file, then the credentials file).
        files: Vec<PathBuf>,
    },
    /// The profile gets its credentials in a way flowsieve does not resolve (SSO, a role).
    #[error(
        "AWS profile {profile:?} gets its credentials through `{key}`, which flowsieve does not \
         resolve: export them first, e.g. eval \"$(aws configure export-credentials --profile \
         {profile} --format env)\""
    )]
    UnresolvedProfile {
        /// The profile.
        profile: String,
        /// The key that asks for it (`role_arn`, `sso_session`, `credential_process`…).
        key: String,
    },
    /// Half of a key pair is in the environment.
    #[error("{set} is set but {missing} is not")]
    IncompleteKeys {
        /// The variable that is set.
        set: &'static str,
        /// The one that is missing.
        missing: &'static str,
    },
    /// No source of credentials is possible.
    #[error(
        "no AWS credentials found ({reason}): set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or \
         AWS_PROFILE"
    )]
    NoCredentials {
        /// Why.
        reason: String,
    },
    /// A plain `http://` endpoint that is not on loopback, without `AWS_ALLOW_HTTP`.
    #[error(
        "refusing the plain http endpoint {endpoint}: set AWS_ALLOW_HTTP=true to allow \
         unencrypted requests to a host that is not on loopback"
    )]
    HttpNotAllowed {
        /// The endpoint.
        endpoint: String,
    },
    /// The client could not be configured (an invalid setting in the environment).
    #[error("cannot configure the S3 client for bucket {bucket}")]
    Config {
        /// The bucket.
        bucket: String,
        /// object_store's error.
        #[source]
        source: object_store::Error,
    },
    /// The tokio runtime of the client could not be started.
    #[error("cannot start the S3 client's threads")]
    Runtime(#[source] std::io::Error),
    /// Listing a location failed: [`Failure::kind`] says why (no such bucket, access denied, no
    /// credentials, no answer…).
    #[error("cannot list {url}")]
    List {
        /// The location being listed.
        url: String,
        /// Why.
        #[source]
        failure: Failure,
    },
    /// A local location could not be walked.
    #[error(transparent)]
    Local(#[from] flowsieve_log::Error),
    /// Standard input named where an object that can be read again is needed.
    #[error("`-` (standard input): {reason}")]
    Stdin {
        /// Why it cannot be used there.
        reason: String,
    },
}

impl Error {
    /// Why a listing failed, when it is one.
    pub fn failure(&self) -> Option<&Failure> {
        match self {
            Error::List { failure, .. } => Some(failure),
            _ => None,
        }
    }
}
