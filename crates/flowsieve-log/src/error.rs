//! Operational errors of flowsieve-log.
//!
//! A malformed *line* is not an error: it is a [`crate::LineIssue`], counted and sampled, and the
//! stream goes on (unless the reader is strict, when the first issue becomes
//! [`ErrorKind::Malformed`]). Errors are what stops a source: it cannot be opened, its gzip stream
//! is corrupt or truncated, its record type is not a VPC flow log, a format string is invalid.
//!
//! **One convention for every error of flowsieve**: a wrapper's message says what failed and
//! where (the file, the object, the field), never its cause; the cause is returned by
//! [`std::error::Error::source`]. Whoever prints an error prints the chain, with
//! [`ErrorChain`]: `cannot read a.log: No such file or directory (os error 2)`, each cause once.

use std::fmt;
use std::io;
use std::path::PathBuf;

use crate::stats::LineIssue;

/// The result type of flowsieve-log.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// An error of flowsieve-log. Boxed so that `Result<FlowRecordBatch>` stays small.
#[derive(Debug)]
pub struct Error(Box<ErrorKind>);

impl Error {
    /// What went wrong.
    pub fn kind(&self) -> &ErrorKind {
        &self.0
    }

    /// Consumes the error, returning its kind.
    pub fn into_kind(self) -> ErrorKind {
        *self.0
    }

    /// The source (file path or label) the error is about, when it is about one.
    pub fn source_label(&self) -> Option<&str> {
        match &*self.0 {
            ErrorKind::Io { source_label, .. }
            | ErrorKind::Truncated { source_label, .. }
            | ErrorKind::Corrupt { source_label, .. }
            | ErrorKind::UnsupportedRecordType { source_label, .. }
            | ErrorKind::BinaryContent { source_label }
            | ErrorKind::Parquet { source_label, .. } => Some(source_label),
            ErrorKind::Malformed(issue) => Some(&issue.source),
            _ => None,
        }
    }

    pub(crate) fn io(source_label: impl Into<String>, source: io::Error) -> Error {
        Error::from(ErrorKind::Io {
            source_label: source_label.into(),
            source,
        })
    }

    pub(crate) fn parquet(
        source_label: impl Into<String>,
        source: parquet::errors::ParquetError,
    ) -> Error {
        Error::from(ErrorKind::Parquet {
            source_label: source_label.into(),
            source,
        })
    }
}

impl From<ErrorKind> for Error {
    fn from(kind: ErrorKind) -> Self {
        Error(Box::new(kind))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        std::error::Error::source(&*self.0)
    }
}

/// The kinds of [`Error`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// Reading a source failed.
    #[error("cannot read {source_label}")]
    Io {
        /// The file path or label.
        source_label: String,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A gzip stream ended before its end: every complete line before the cut was delivered and
    /// counted, the cut line is counted as malformed (`truncated`).
    #[error(
        "{source_label}: gzip stream is truncated after {bytes_read} decompressed bytes (line {line}); the records before it were read"
    )]
    Truncated {
        /// The file path or label.
        source_label: String,
        /// Decompressed bytes delivered before the cut.
        bytes_read: u64,
        /// The line number of the cut line.
        line: u64,
    },
    /// A gzip stream is corrupt (bad header, checksum or deflate data).
    #[error("{source_label}: corrupt gzip stream after {bytes_read} decompressed bytes")]
    Corrupt {
        /// The file path or label.
        source_label: String,
        /// Decompressed bytes delivered before the corruption.
        bytes_read: u64,
        /// The decoder's error.
        #[source]
        source: io::Error,
    },
    /// The source holds a record type flowsieve does not read (Transit Gateway flow logs, JSON).
    #[error("{source_label}: {reason}")]
    UnsupportedRecordType {
        /// The file path or label.
        source_label: String,
        /// What was found, and what was expected.
        reason: String,
    },
    /// A format string (`${version} ${account-id} …`) or header is invalid.
    #[error("invalid log format at byte {position} of {text:?}: {reason}")]
    InvalidFormat {
        /// The format text as given.
        text: String,
        /// Byte offset of the problem.
        position: usize,
        /// What was expected.
        reason: String,
    },
    /// A malformed line in strict mode.
    #[error("{0}")]
    Malformed(LineIssue),
    /// Reading or writing Parquet failed.
    #[error("{source_label} (Parquet)")]
    Parquet {
        /// The file path or label.
        source_label: String,
        /// The Parquet error.
        #[source]
        source: parquet::errors::ParquetError,
    },
    /// An Arrow operation failed (e.g. building a batch with an inconsistent schema): Arrow's
    /// error as it is (its message names Arrow's error kind).
    #[error(transparent)]
    Arrow(#[from] arrow_schema::ArrowError),
    /// A path given as a log location does not exist or cannot be listed.
    #[error("cannot read {}", path.display())]
    Path {
        /// The path as given.
        path: PathBuf,
        /// The underlying error.
        #[source]
        source: io::Error,
    },
    /// A configuration value is out of its range (batch size 0, …).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// The object's first block is binary (a NUL byte, or mostly bytes that are not text): it
    /// is refused unread rather than counted as malformed lines.
    #[error("{source_label}: not a flow log (binary content)")]
    BinaryContent {
        /// The file path or label.
        source_label: String,
    },
}

impl From<arrow_schema::ArrowError> for Error {
    fn from(err: arrow_schema::ArrowError) -> Self {
        Error::from(ErrorKind::Arrow(err))
    }
}

/// An error and its causes on one line, outermost first, joined by `: `:
/// `cannot read a.log: No such file or directory (os error 2)`.
///
/// flowsieve's own errors never repeat their cause in their message (see the module docs);
/// errors of other crates sometimes do (object_store, Parquet print their source and return it
/// too), so a cause whose message the line already holds is left out, and line breaks inside a
/// message become spaces. Use it wherever an error is printed or stored as text.
///
/// ```
/// use flowsieve_log::ErrorChain;
///
/// let err = flowsieve_log::discover(&["no/such/dir"]).unwrap_err();
/// assert_eq!(
///     ErrorChain(&err).to_string(),
///     "cannot read no/such/dir: No such file or directory (os error 2)"
/// );
/// ```
#[derive(Clone, Copy)]
pub struct ErrorChain<'a>(pub &'a (dyn std::error::Error + 'static));

impl fmt::Display for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut line = String::new();
        let mut next = Some(self.0);
        while let Some(err) = next {
            let text = err.to_string();
            let text = text.split_whitespace().collect::<Vec<_>>().join(" ");
            if !text.is_empty() && !line.contains(&text) {
                if !line.is_empty() {
                    line.push_str(": ");
                }
                line.push_str(&text);
            }
            next = err.source();
        }
        f.write_str(&line)
    }
}

impl fmt::Debug for ErrorChain<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A foreign error that prints its source and returns it too.
    #[derive(Debug, thiserror::Error)]
    #[error("request failed: {0}")]
    struct Repeating(#[source] io::Error);

    #[test]
    fn each_cause_is_printed_once_outermost_first() {
        let missing = || io::Error::from(io::ErrorKind::NotFound);
        let err = Error::io("a.log", missing());
        assert_eq!(err.to_string(), "cannot read a.log");
        assert_eq!(
            ErrorChain(&err).to_string(),
            format!("cannot read a.log: {}", missing())
        );
        let nested = Error::io("s3://b/k", io::Error::other(Repeating(missing())));
        assert_eq!(
            ErrorChain(&nested).to_string(),
            format!("cannot read s3://b/k: request failed: {}", missing())
        );
        let multi_line = io::Error::other("first line\n   second line");
        assert_eq!(
            ErrorChain(&multi_line).to_string(),
            "first line second line"
        );
    }

    #[test]
    fn no_wrapper_repeats_its_source() {
        let corrupt = Error::from(ErrorKind::Corrupt {
            source_label: "x.gz".to_owned(),
            bytes_read: 10,
            source: io::Error::other("invalid deflate data"),
        });
        let path = Error::from(ErrorKind::Path {
            path: PathBuf::from("logs/"),
            source: io::Error::from(io::ErrorKind::PermissionDenied),
        });
        let parquet = Error::parquet(
            "x.parquet",
            parquet::errors::ParquetError::External(Box::new(io::Error::other("disk full"))),
        );
        let arrow = Error::from(arrow_schema::ArrowError::SchemaError(
            "no such column".into(),
        ));
        assert_eq!(
            ErrorChain(&arrow).to_string(),
            "Schema error: no such column"
        );
        for err in [corrupt, path, parquet] {
            let cause = std::error::Error::source(&err).unwrap().to_string();
            assert!(!err.to_string().contains(&cause), "{err}");
            assert_eq!(ErrorChain(&err).to_string().matches(&cause).count(), 1);
        }
    }
}
