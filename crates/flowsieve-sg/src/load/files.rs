//! [`InventoryFiles`]: the files of an inventory read into memory, so that the same inventory
//! can be built again in another process (a distributed job's workers) without the paths.

use std::path::PathBuf;

use super::{InventoryBuilder, SnapshotSpec, fs::files_of};
use crate::error::{Error, Result};

/// The first bytes of [`InventoryFiles::to_bytes`]: a name and a layout version.
const MAGIC: &[u8; 8] = b"fsinv\x00\x00\x01";

/// The files loading some [`SnapshotSpec`]s reads, in the order it reads them, each with its
/// snapshot's time: building an inventory from them ([`Self::add_to`]) gives the same
/// inventory (the same findings, file names and [`crate::CompiledMatcher`]) as loading the
/// specs. They travel as bytes ([`Self::to_bytes`]): a job reads the inventory once where the
/// files are and ships it to its workers.
///
/// ```
/// use flowsieve_sg::{InventoryBuilder, InventoryFiles, SnapshotSpec};
///
/// let spec: SnapshotSpec = "../../testdata/demo/inventory".parse()?;
/// let files = InventoryFiles::read(&[spec.clone()])?;
/// let shipped = InventoryFiles::from_bytes(&files.to_bytes())?;
/// let mut builder = InventoryBuilder::new();
/// shipped.add_to(&mut builder)?;
/// let rebuilt = builder.build();
/// let loaded = flowsieve_sg::Inventory::load_snapshots(&[spec])?;
/// assert_eq!(rebuilt.rules().len(), loaded.rules().len());
/// assert_eq!(rebuilt.findings(), loaded.findings());
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct InventoryFiles {
    files: Vec<InventoryFile>,
}

/// One file of [`InventoryFiles`].
#[derive(Debug, Clone, PartialEq, Eq)]
struct InventoryFile {
    /// The snapshot's capture time (unix seconds), `None` for an undated input.
    captured_at: Option<i64>,
    /// The file's path, as messages name it.
    name: PathBuf,
    /// Named on its own rather than found in a directory (it must then be recognised).
    explicit: bool,
    bytes: Vec<u8>,
}

impl InventoryFiles {
    /// Reads the files of `specs` (a file, or a directory's `*.json` files, as
    /// [`InventoryBuilder::add_path`] would).
    ///
    /// # Errors
    ///
    /// [`Error::Io`] naming the path that cannot be read.
    pub fn read(specs: &[SnapshotSpec]) -> Result<InventoryFiles> {
        let mut files = Vec::new();
        for spec in specs {
            for (name, explicit) in files_of(&spec.path)? {
                let bytes = std::fs::read(&name).map_err(|source| Error::Io {
                    path: name.clone(),
                    source,
                })?;
                files.push(InventoryFile {
                    captured_at: spec.captured_at,
                    name,
                    explicit,
                    bytes,
                });
            }
        }
        Ok(InventoryFiles { files })
    }

    /// Files held.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// Whether no file is held.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }

    /// Bytes of the files held.
    pub fn total_bytes(&self) -> u64 {
        self.files.iter().map(|f| f.bytes.len() as u64).sum()
    }

    /// Adds every file to `builder`, each to its snapshot, in order.
    ///
    /// # Errors
    ///
    /// As [`crate::Inventory::load`] for the file that fails.
    pub fn add_to(&self, builder: &mut InventoryBuilder) -> Result<()> {
        for file in &self.files {
            let previous = builder.enter_snapshot(file.captured_at);
            let added = builder.add_json_inner(&file.name, &file.bytes, file.explicit);
            builder.layer = previous;
            added?;
        }
        Ok(())
    }

    /// The files as bytes: a magic header, then per file its time, whether explicit, its name
    /// and its content (lengths little-endian).
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(16 + self.total_bytes() as usize);
        out.extend_from_slice(MAGIC);
        out.extend_from_slice(&(self.files.len() as u64).to_le_bytes());
        for file in &self.files {
            match file.captured_at {
                Some(t) => {
                    out.push(1);
                    out.extend_from_slice(&t.to_le_bytes());
                }
                None => out.push(0),
            }
            out.push(u8::from(file.explicit));
            let name = file.name.to_string_lossy();
            out.extend_from_slice(&(name.len() as u64).to_le_bytes());
            out.extend_from_slice(name.as_bytes());
            out.extend_from_slice(&(file.bytes.len() as u64).to_le_bytes());
            out.extend_from_slice(&file.bytes);
        }
        out
    }

    /// Reads what [`Self::to_bytes`] wrote.
    ///
    /// # Errors
    ///
    /// [`Error::InvalidFiles`] for bytes of another layout, or cut short.
    pub fn from_bytes(bytes: &[u8]) -> Result<InventoryFiles> {
        let mut input = Cursor(bytes);
        if input.take(MAGIC.len())? != MAGIC {
            return Err(Error::InvalidFiles {
                reason: "not serialised inventory files (or another version)".to_owned(),
            });
        }
        let count = input.u64()?;
        let mut files = Vec::new();
        for _ in 0..count {
            let captured_at = match input.take(1)? {
                [0] => None,
                _ => Some(i64::from_le_bytes(input.array()?)),
            };
            let explicit = input.take(1)? != [0];
            let len = input.len()?;
            let name = String::from_utf8_lossy(input.take(len)?).into_owned();
            let len = input.len()?;
            let content = input.take(len)?.to_vec();
            files.push(InventoryFile {
                captured_at,
                name: PathBuf::from(name),
                explicit,
                bytes: content,
            });
        }
        if !input.0.is_empty() {
            return Err(Error::InvalidFiles {
                reason: format!("{} bytes after the last file", input.0.len()),
            });
        }
        Ok(InventoryFiles { files })
    }
}

/// Reading [`InventoryFiles::to_bytes`]'s layout, every read bounded by what is left.
struct Cursor<'a>(&'a [u8]);

impl<'a> Cursor<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8]> {
        if n > self.0.len() {
            return Err(Error::InvalidFiles {
                reason: "cut short".to_owned(),
            });
        }
        let (head, rest) = self.0.split_at(n);
        self.0 = rest;
        Ok(head)
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N]> {
        let mut out = [0; N];
        out.copy_from_slice(self.take(N)?);
        Ok(out)
    }

    fn u64(&mut self) -> Result<u64> {
        Ok(u64::from_le_bytes(self.array()?))
    }

    /// A length, which cannot exceed what is left.
    fn len(&mut self) -> Result<usize> {
        let len = self.u64()?;
        usize::try_from(len)
            .ok()
            .filter(|&l| l <= self.0.len())
            .ok_or_else(|| Error::InvalidFiles {
                reason: "cut short".to_owned(),
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bytes_round_trip_and_damage_is_refused() {
        let files = InventoryFiles {
            files: vec![
                InventoryFile {
                    captured_at: Some(1_743_465_600),
                    name: "snap/a.json".into(),
                    explicit: false,
                    bytes: b"{}".to_vec(),
                },
                InventoryFile {
                    captured_at: None,
                    name: "b.json".into(),
                    explicit: true,
                    bytes: Vec::new(),
                },
            ],
        };
        let bytes = files.to_bytes();
        assert_eq!(InventoryFiles::from_bytes(&bytes).unwrap(), files);
        for cut in [0, 5, 20, bytes.len() - 1] {
            let err = InventoryFiles::from_bytes(&bytes[..cut]).unwrap_err();
            assert!(matches!(err, Error::InvalidFiles { .. }), "{cut}: {err}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(InventoryFiles::from_bytes(&longer).is_err());
        let mut huge = bytes;
        huge[8..16].copy_from_slice(&u64::MAX.to_le_bytes());
        assert!(InventoryFiles::from_bytes(&huge).is_err());
    }
}
