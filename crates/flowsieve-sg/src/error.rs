//! Operational errors of loading: a file that cannot be read, is not JSON, is not an inventory
//! file, or lacks a field the model cannot do without.
//!
//! Problems with the *content* of a well-formed file (an invalid CIDR, a rule referencing a group
//! that is not loaded) are not errors: they become [`crate::Finding`]s and loading goes on.

use std::path::{Path, PathBuf};

/// An error that stops loading. Every variant names the file; those about content also carry
/// the JSON path (`SecurityGroups[3].IpPermissions[0].IpProtocol`) or line and column.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The file or directory cannot be read.
    #[error("cannot read {}", path.display())]
    Io {
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The file is not valid JSON, or a value has the wrong JSON type.
    #[error("{}:{line}:{column}: {message}", path.display())]
    Json {
        /// The file.
        path: PathBuf,
        /// 1-based line (0 when unknown).
        line: usize,
        /// 1-based column (0 when unknown).
        column: usize,
        /// What serde_json found, without its position (given above).
        message: String,
    },
    /// A field the model needs is absent (or `null`).
    #[error("{}: {json_path}: missing required field", path.display())]
    MissingField {
        /// The file.
        path: PathBuf,
        /// Path of the missing field, e.g. `SecurityGroups[3].IpPermissions[0].IpProtocol`.
        json_path: String,
    },
    /// A value has the right JSON type but a shape the loader cannot use (e.g. a rule listing
    /// entry with no peer, or Terraform resource attributes of the wrong type).
    #[error("{}: {json_path}: {message}", path.display())]
    InvalidValue {
        /// The file.
        path: PathBuf,
        /// Where in the file.
        json_path: String,
        /// What is wrong.
        message: String,
    },
    /// A file given explicitly has no top-level key flowsieve knows.
    #[error(
        "{}: not an inventory file: expected the JSON of `aws ec2 describe-security-groups`, \
         `describe-security-group-rules`, `describe-network-interfaces`, `describe-managed-prefix-lists`, \
         `get-managed-prefix-list-entries`, `describe-vpcs`, `describe-subnets`, `describe-flow-logs`, \
         `describe-vpc-peering-connections`, `describe-network-acls`, `aws elbv2 describe-load-balancers`, \
         `describe-target-groups`, `describe-target-health`, `describe-target-group-attributes`, \
         `aws configservice get-resource-config-history`, `select-resource-config` or `terraform show -json`",
        path.display()
    )]
    UnrecognisedFile {
        /// The file.
        path: PathBuf,
    },
    /// `get-managed-prefix-list-entries` output that does not say which list it belongs to.
    #[error(
        "{}: {json_path}: cannot tell which prefix list these entries belong to: name the file after \
         the list (e.g. `get-managed-prefix-list-entries-pl-0123456789abcdef0.json`) or wrap them as \
         {{\"PrefixListId\": \"pl-…\", \"Entries\": […]}}",
        path.display()
    )]
    UnnamedPrefixListEntries {
        /// The file.
        path: PathBuf,
        /// Where the `Entries` key is.
        json_path: String,
    },
    /// `describe-target-health` or `describe-target-group-attributes` output that does not say
    /// which target group it belongs to.
    #[error(
        "{}: {json_path}: cannot tell which target group this belongs to: name the file after \
         the group's id (the last part of its ARN, e.g. `describe-target-health-73e2d6bc24d8a067.json`) \
         or wrap it as {{\"TargetGroupArn\": \"arn:…\", …}}",
        path.display()
    )]
    UnnamedTargetGroup {
        /// The file.
        path: PathBuf,
        /// Where the unnamed key is.
        json_path: String,
    },
    /// `terraform show -json` output of a format version this loader does not read.
    #[error("{}: format_version: unsupported Terraform JSON format version {version:?} (expected 1.x)", path.display())]
    UnsupportedFormat {
        /// The file.
        path: PathBuf,
        /// The version found.
        version: String,
    },
    /// Bytes given to [`crate::InventoryFiles::from_bytes`] that it did not write.
    #[error("invalid serialised inventory files: {reason}")]
    InvalidFiles {
        /// What is wrong with them.
        reason: String,
    },
}

impl Error {
    /// The file or directory the error is about (`None` for serialised inventory files).
    pub fn path(&self) -> Option<&Path> {
        Some(match self {
            Error::Io { path, .. }
            | Error::Json { path, .. }
            | Error::MissingField { path, .. }
            | Error::InvalidValue { path, .. }
            | Error::UnrecognisedFile { path }
            | Error::UnnamedPrefixListEntries { path, .. }
            | Error::UnnamedTargetGroup { path, .. }
            | Error::UnsupportedFormat { path, .. } => path,
            Error::InvalidFiles { .. } => return None,
        })
    }

    /// The JSON path inside the file, when the error is about one value.
    pub fn json_path(&self) -> Option<&str> {
        match self {
            Error::MissingField { json_path, .. }
            | Error::InvalidValue { json_path, .. }
            | Error::UnnamedPrefixListEntries { json_path, .. }
            | Error::UnnamedTargetGroup { json_path, .. } => Some(json_path),
            Error::UnsupportedFormat { .. } => Some("format_version"),
            _ => None,
        }
    }

    /// Converts a serde_json error, keeping its position apart from its message.
    pub(crate) fn json(path: &Path, err: &serde_json::Error) -> Error {
        let full = err.to_string();
        // serde_json appends " at line L column C"; the position is given separately.
        let message = match full.rfind(" at line ").and_then(|i| full.get(..i)) {
            Some(head) if err.line() > 0 => head.to_owned(),
            _ => full,
        };
        Error::Json {
            path: path.to_owned(),
            line: err.line(),
            column: err.column(),
            message,
        }
    }
}

/// `Result` with this crate's [`Error`].
pub type Result<T> = std::result::Result<T, Error>;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_message_names_the_file_and_the_source_is_the_cause() {
        let err = Error::Io {
            path: PathBuf::from("inventory/sg.json"),
            source: std::io::Error::from(std::io::ErrorKind::NotFound),
        };
        let cause = std::error::Error::source(&err).map(ToString::to_string);
        assert_eq!(err.to_string(), "cannot read inventory/sg.json");
        assert_eq!(
            cause,
            Some(std::io::Error::from(std::io::ErrorKind::NotFound).to_string())
        );
    }
}
