//! Standard input as a source ([`Source::stdin`]): one object of a [`RemoteStore`] that reads
//! the process's standard input, so that `zcat x.gz | flowsieve analyze … -` reads it like any
//! file (text or gzip; Parquet too, read whole).

use std::io::{self, Read};
use std::sync::{Arc, Mutex, PoisonError};

use crate::source::{ObjectBody, RemoteStore, Source};

/// How standard input is labelled in issues, errors and reports.
pub const STDIN_LABEL: &str = "<stdin>";

/// Bytes of standard input kept so that it can be opened again from its start (a reader may
/// peek at an object's header before reading it, as [`crate::peek_format`] does): 8 MiB, far
/// more than a header takes.
const STDIN_REPLAY: usize = 8 << 20;

impl Source {
    /// Standard input as one source, labelled [`STDIN_LABEL`], with `stdin` as its relative
    /// path. It can be opened again from its start as long as no more than 8 MiB of it have
    /// been read; after that, opening it again is an error. Each call makes a source of its
    /// own: list standard input once.
    pub fn stdin() -> Source {
        Source::remote(Arc::new(Stdin::default()), STDIN_LABEL, 0).with_relative_path("stdin")
    }
}

/// Standard input as a [`RemoteStore`] of one object. Each [`RemoteStore::open`] replays the
/// bytes read so far, then goes on reading standard input; once more than [`STDIN_REPLAY`]
/// bytes have been read, it cannot be opened again.
#[derive(Debug, Default)]
struct Stdin {
    seen: Arc<Mutex<Replay>>,
}

#[derive(Debug, Default)]
struct Replay {
    bytes: Vec<u8>,
    overflowed: bool,
}

impl RemoteStore for Stdin {
    fn open(&self, _location: &str, _size: u64) -> io::Result<ObjectBody> {
        let replay = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if replay.overflowed {
            return Err(io::Error::other(format!(
                "{STDIN_LABEL}: standard input can be read only once past its first {} MiB",
                STDIN_REPLAY >> 20
            )));
        }
        let prefix = io::Cursor::new(replay.bytes.clone());
        Ok(Box::new(prefix.chain(Recording {
            seen: self.seen.clone(),
        })))
    }
}

/// Standard input, keeping what it reads for the next opener (up to [`STDIN_REPLAY`]).
struct Recording {
    seen: Arc<Mutex<Replay>>,
}

impl Read for Recording {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        let n = io::stdin().lock().read(buf)?;
        let mut replay = self.seen.lock().unwrap_or_else(PoisonError::into_inner);
        if !replay.overflowed {
            if replay.bytes.len() + n > STDIN_REPLAY {
                replay.overflowed = true;
                replay.bytes = Vec::new();
            } else {
                replay.bytes.extend_from_slice(&buf[..n]);
            }
        }
        Ok(n)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::Path;

    #[test]
    fn stdin_is_one_remote_source_named_stdin() {
        let source = Source::stdin();
        assert!(source.is_remote());
        assert_eq!(&**source.label(), STDIN_LABEL);
        assert_eq!(source.relative_path(), Path::new("stdin"));
        assert_eq!(source.output_name("parquet"), Path::new("stdin.parquet"));
        assert!(source.path().is_none());
    }
}
