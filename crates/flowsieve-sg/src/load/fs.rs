//! Paths → JSON texts: files, directories walked in sorted order (hidden entries skipped), text
//! decoding (UTF-8, UTF-16 with a BOM), and what a file name may say about its content.

use std::borrow::Cow;
use std::path::{Path, PathBuf};

use super::InventoryBuilder;
use crate::error::{Error, Result};

/// Directory recursion limit: deep enough for any real layout, and a guard against symlink loops.
const MAX_DIR_DEPTH: usize = 32;

impl InventoryBuilder {
    /// Adds a file (whatever its name) or a directory (recursively, sorted, `*.json` only,
    /// hidden entries skipped). See [`Inventory::load`](crate::Inventory::load).
    ///
    /// # Errors
    ///
    /// As [`Inventory::load`](crate::Inventory::load). After an error the builder may hold part of the failed file.
    pub fn add_path(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        for (file, explicit) in files_of(path.as_ref())? {
            let bytes = std::fs::read(&file).map_err(|source| Error::Io {
                path: file.clone(),
                source,
            })?;
            self.add_json_inner(&file, &bytes, explicit)?;
        }
        Ok(self)
    }
}

/// The files loading `path` reads, in order, each with whether it was named explicitly: the
/// file itself (whatever its name), or a directory's `*.json` files, recursively, sorted,
/// hidden entries skipped.
pub(super) fn files_of(path: &Path) -> Result<Vec<(PathBuf, bool)>> {
    let meta = std::fs::metadata(path).map_err(|source| Error::Io {
        path: path.to_owned(),
        source,
    })?;
    if !meta.is_dir() {
        return Ok(vec![(path.to_owned(), true)]);
    }
    let mut files = Vec::new();
    walk(path, 0, &mut files)?;
    Ok(files)
}

fn walk(dir: &Path, depth: usize, files: &mut Vec<(PathBuf, bool)>) -> Result<()> {
    let io = |source| Error::Io {
        path: dir.to_owned(),
        source,
    };
    if depth > MAX_DIR_DEPTH {
        return Err(io(std::io::Error::other(
            "directories nested too deeply (a symlink loop?)",
        )));
    }
    let mut entries: Vec<PathBuf> = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io)? {
        let entry = entry.map_err(io)?;
        let hidden = entry
            .file_name()
            .to_str()
            .is_none_or(|n| n.starts_with('.'));
        if !hidden {
            entries.push(entry.path());
        }
    }
    entries.sort();
    for p in entries {
        let meta = std::fs::metadata(&p).map_err(|source| Error::Io {
            path: p.clone(),
            source,
        })?;
        if meta.is_dir() {
            walk(&p, depth + 1, files)?;
        } else if p
            .extension()
            .and_then(|e| e.to_str())
            .is_some_and(|e| e.eq_ignore_ascii_case("json"))
        {
            files.push((p, false));
        }
    }
    Ok(())
}

/// Text of a file: UTF-8 (a BOM is skipped) or UTF-16 with a BOM (what Windows PowerShell 5
/// writes for `aws … > file.json`).
pub(super) fn decode_text<'a>(file: &Path, bytes: &'a [u8]) -> Result<Cow<'a, str>> {
    let utf16 = |le: bool, body: &[u8]| -> Result<Cow<'a, str>> {
        let units: Vec<u16> = body
            .chunks_exact(2)
            .map(|c| match c {
                [a, b] if le => u16::from_le_bytes([*a, *b]),
                [a, b] => u16::from_be_bytes([*a, *b]),
                _ => 0,
            })
            .collect();
        String::from_utf16(&units)
            .map(Cow::Owned)
            .map_err(|_| Error::Json {
                path: file.to_owned(),
                line: 0,
                column: 0,
                message: "invalid UTF-16 text".to_owned(),
            })
    };
    match bytes {
        [0xef, 0xbb, 0xbf, rest @ ..] => std::str::from_utf8(rest)
            .map(Cow::Borrowed)
            .map_err(|e| utf8_error(file, rest, e)),
        [0xff, 0xfe, rest @ ..] => utf16(true, rest),
        [0xfe, 0xff, rest @ ..] => utf16(false, rest),
        _ => std::str::from_utf8(bytes)
            .map(Cow::Borrowed)
            .map_err(|e| utf8_error(file, bytes, e)),
    }
}

fn utf8_error(file: &Path, bytes: &[u8], e: std::str::Utf8Error) -> Error {
    let upto = bytes.get(..e.valid_up_to()).unwrap_or(&[]);
    let line = 1 + upto.iter().filter(|&&b| b == b'\n').count();
    let column = 1 + upto.iter().rev().take_while(|&&b| b != b'\n').count();
    Error::Json {
        path: file.to_owned(),
        line,
        column,
        message: "invalid UTF-8".to_owned(),
    }
}

/// The prefix list id a file name carries: `pl-` at a word start followed by hex digits.
pub(super) fn prefix_list_id_in_name(file: &Path) -> Option<String> {
    let name = file.file_name()?.to_str()?;
    let bytes = name.as_bytes();
    let mut start = 0;
    while let Some(off) = name.get(start..).and_then(|s| s.find("pl-")) {
        let at = start + off;
        let boundary = at == 0
            || bytes
                .get(at - 1)
                .is_some_and(|b| !b.is_ascii_alphanumeric());
        let hex: usize = bytes
            .get(at + 3..)
            .unwrap_or(&[])
            .iter()
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        let after_ok = bytes
            .get(at + 3 + hex)
            .is_none_or(|b| !b.is_ascii_alphanumeric());
        if boundary && hex > 0 && after_ok {
            return name.get(at..at + 3 + hex).map(str::to_ascii_lowercase);
        }
        start = at + 3;
    }
    None
}
