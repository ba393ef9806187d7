//! The generator's operational errors. Every error that touches the file system names the path.

use std::io;
use std::path::PathBuf;

/// Why [`generate()`](crate::generate()) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// A directory could not be created.
    #[error("cannot create directory {}", path.display())]
    CreateDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// A file could not be written.
    #[error("cannot write {}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// A directory could not be read (while checking that the output is empty).
    #[error("cannot read directory {}", path.display())]
    ReadDir {
        /// The directory.
        path: PathBuf,
        /// The underlying I/O error.
        #[source]
        source: io::Error,
    },
    /// The output directory already holds flow-log objects or labels from an earlier run; mixing
    /// two archives would make `truth.json` wrong, so the generator refuses.
    #[error("{} is not empty: remove it or choose another --out directory", path.display())]
    NotEmpty {
        /// The non-empty directory.
        path: PathBuf,
    },
    /// A JSON document could not be serialised.
    #[error("cannot serialise {}", path.display())]
    Json {
        /// The file being written.
        path: PathBuf,
        /// The underlying serde error.
        #[source]
        source: serde_json::Error,
    },
    /// The configuration is not usable (for example an empty or repeated list of formats).
    #[error("invalid configuration: {0}")]
    Config(String),
    /// A flow-log format or layout name was not recognised.
    #[error("unknown {what} {name:?} (expected {expected})")]
    UnknownName {
        /// What was being parsed (`format`, `layout`).
        what: &'static str,
        /// The name given.
        name: String,
        /// The accepted names.
        expected: &'static str,
    },
}

/// The generator's result type.
pub type Result<T, E = Error> = std::result::Result<T, E>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn no_message_repeats_its_source() {
        let io = || io::Error::other("disk full");
        let json = || serde_json::from_str::<u8>("x").unwrap_err();
        let errors = [
            Error::CreateDir {
                path: PathBuf::from("out"),
                source: io(),
            },
            Error::Write {
                path: PathBuf::from("out/a.log"),
                source: io(),
            },
            Error::ReadDir {
                path: PathBuf::from("out"),
                source: io(),
            },
            Error::Json {
                path: PathBuf::from("out/truth.json"),
                source: json(),
            },
        ];
        for err in errors {
            let cause = std::error::Error::source(&err).unwrap().to_string();
            assert!(!err.to_string().contains(&cause), "{err}");
            assert!(err.to_string().contains("out"), "{err}");
        }
    }
}
