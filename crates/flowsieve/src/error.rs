//! The analysis's error type: reading the logs or loading the inventory failed. Both variants
//! are the errors of the crates below, unchanged (their message and their `source()`): print
//! one with [`flowsieve_log::ErrorChain`] to see its causes.

/// The result type of flowsieve.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error of an analysis.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Reading flow logs failed (an unreadable or truncated object, a malformed line in strict
    /// mode, a path that does not exist).
    #[error(transparent)]
    Log(#[from] flowsieve_log::Error),
    /// Loading the inventory failed (a file that is not AWS CLI JSON or Terraform state, a
    /// missing required field).
    #[error(transparent)]
    Inventory(#[from] flowsieve_sg::Error),
    /// Two analyses of different networks were merged: their ENI and rule indices do not
    /// correspond.
    #[error(
        "cannot merge analyses of different networks (fingerprints {ours:016x} and {theirs:016x})"
    )]
    NetworkMismatch {
        /// The fingerprint of the analysis merged into.
        ours: u64,
        /// The fingerprint of the analysis merged.
        theirs: u64,
    },
}
