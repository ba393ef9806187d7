//! [`SnapshotSpec`]: an inventory input as a command line names it — `2025-04-01=dir/` (a snapshot
//! captured at that time) or `dir/` (undated) — and [`InventoryBuilder::add_snapshot`].

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use super::InventoryBuilder;
use crate::error::Result;
use crate::model::{format_timestamp, parse_timestamp};

/// One inventory input with its capture time: `TIME=PATH` or a plain `PATH`.
///
/// `TIME` is RFC 3339 (`2025-04-01T06:00:00Z`), a date (`2025-04-01`, midnight UTC) or unix
/// seconds. A path whose text contains `=` is read as a plain path unless what precedes the first
/// `=` reads as a time.
///
/// ```
/// use flowsieve_sg::SnapshotSpec;
/// let dated: SnapshotSpec = "2025-04-01=snapshots/april".parse()?;
/// assert_eq!(dated.captured_at, Some(1_743_465_600));
/// assert_eq!(dated.path.to_str(), Some("snapshots/april"));
/// let plain: SnapshotSpec = "network/".parse()?;
/// assert_eq!(plain.captured_at, None);
/// assert!("2025-13-01=dir".parse::<SnapshotSpec>().is_err());
/// # Ok::<(), flowsieve_sg::SnapshotSpecError>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SnapshotSpec {
    /// When the snapshot was captured (unix seconds); `None` for an undated input.
    pub captured_at: Option<i64>,
    /// A file or a directory of inventory files.
    pub path: PathBuf,
}

/// Why a [`SnapshotSpec`] could not be read.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SnapshotSpecError {
    /// Nothing after `=` (or nothing at all).
    #[error("{spec:?}: no path (expected TIME=PATH or PATH)")]
    NoPath {
        /// The text given.
        spec: String,
    },
    /// What precedes `=` looks like a time but is not one.
    #[error(
        "{spec:?}: {time:?} is not a capture time (expected RFC 3339 such as \
         2025-04-01T06:00:00Z, a date such as 2025-04-01, or unix seconds)"
    )]
    BadTime {
        /// The text given.
        spec: String,
        /// The part before `=`.
        time: String,
    },
}

impl FromStr for SnapshotSpec {
    type Err = SnapshotSpecError;

    fn from_str(spec: &str) -> std::result::Result<Self, Self::Err> {
        let no_path = || SnapshotSpecError::NoPath {
            spec: spec.to_owned(),
        };
        if spec.is_empty() {
            return Err(no_path());
        }
        let Some((time, path)) = spec.split_once('=') else {
            return Ok(SnapshotSpec {
                captured_at: None,
                path: PathBuf::from(spec),
            });
        };
        if let Some(t) = parse_timestamp(time) {
            if path.is_empty() {
                return Err(no_path());
            }
            return Ok(SnapshotSpec {
                captured_at: Some(t),
                path: PathBuf::from(path),
            });
        }
        // Digits and time punctuation only: a mistyped time rather than a file name with `=`.
        let time_like = time.starts_with(|c: char| c.is_ascii_digit())
            && time
                .chars()
                .all(|c| c.is_ascii_digit() || "-:.+TZtz".contains(c));
        if time_like {
            return Err(SnapshotSpecError::BadTime {
                spec: spec.to_owned(),
                time: time.to_owned(),
            });
        }
        Ok(SnapshotSpec {
            captured_at: None,
            path: PathBuf::from(spec),
        })
    }
}

impl fmt::Display for SnapshotSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.captured_at {
            Some(t) => write!(f, "{}={}", format_timestamp(t), self.path.display()),
            None => write!(f, "{}", self.path.display()),
        }
    }
}

impl InventoryBuilder {
    /// Adds the files and directories of one snapshot captured at `captured_at` (unix seconds;
    /// `None` for an undated snapshot, like [`add_path`](Self::add_path)). Several calls with the
    /// same time add to the same snapshot. See the crate documentation, "Time", for what a
    /// snapshot's time means.
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`](crate::Inventory::load).
    pub fn add_snapshot<P: AsRef<Path>>(
        &mut self,
        captured_at: Option<i64>,
        paths: &[P],
    ) -> Result<&mut Self> {
        let previous = self.enter_snapshot(captured_at);
        let result = paths.iter().try_for_each(|p| self.add_path(p).map(|_| ()));
        self.layer = previous;
        result.map(|()| self)
    }

    /// Adds one input named as on a command line.
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`](crate::Inventory::load).
    pub fn add_spec(&mut self, spec: &SnapshotSpec) -> Result<&mut Self> {
        self.add_snapshot(spec.captured_at, &[&spec.path])
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_parse_every_time_form_and_plain_paths() {
        let s = |t: &str| t.parse::<SnapshotSpec>();
        assert_eq!(
            s("1743465600=a/b").unwrap(),
            SnapshotSpec {
                captured_at: Some(1_743_465_600),
                path: "a/b".into()
            }
        );
        assert_eq!(
            s("2025-04-01T06:00:00Z=x.json").unwrap().captured_at,
            Some(1_743_487_200)
        );
        assert_eq!(s("dir=with=equals").unwrap().captured_at, None);
        assert_eq!(
            s("dir=with=equals").unwrap().path,
            PathBuf::from("dir=with=equals")
        );
        assert_eq!(s("./a").unwrap().captured_at, None);
        assert!(matches!(s(""), Err(SnapshotSpecError::NoPath { .. })));
        assert!(matches!(
            s("2025-04-01="),
            Err(SnapshotSpecError::NoPath { .. })
        ));
        let err = s("2025-04-31=dir").unwrap_err();
        assert!(err.to_string().contains("not a capture time"), "{err}");
        assert_eq!(
            s("2025-04-01=dir").unwrap().to_string(),
            "2025-04-01T00:00:00Z=dir"
        );
    }
}
