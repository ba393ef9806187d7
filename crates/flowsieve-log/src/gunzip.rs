//! Gzip objects inflated whole: libdeflate on one gzip member held in memory, into buffers kept
//! per thread, and the checks that make it hand over exactly the text the stream (flate2's
//! multi-member decoder on zlib-rs, [`crate::open`]'s other path) would.
//!
//! AWS writes a text flow-log object as one gzip member. libdeflate inflates a member about
//! 1.3 times as fast as the stream (BENCHMARKS.md, "Decompression (issue 16, item 3)"), but
//! only whole: the compressed bytes and all of the text in memory at once. So an object is
//! inflated whole only when both are bounded — its size (a local file's length) at most
//! [`WHOLE_PACKED_LIMIT`], its text (the trailer's ISIZE) at most
//! [`WHOLE_TEXT_LIMIT`] — into one buffer of each kind per thread, grown to the largest object
//! the thread has inflated and reused from object to object: memory is bounded by the limits
//! and the number of threads, never by the archive.
//!
//! Everything else is streamed, from the bytes already read on, so it is read as it always
//! was, with the same lines before the same error: objects over the limits, the bodies of
//! remote objects and standard input (read as they arrive), several members or bytes after the member (the CRC-32 and size
//! of the text libdeflate made must be the object's last eight bytes and appear nowhere else:
//! [`is_whole_member`]), a trailer that does not match (a truncated or corrupt object: the
//! stream then reads the lines before the damage), a header CRC (which libdeflate skips and
//! flate2 checks), an empty member, a read that fails part way.
//!
//! One difference remains, on invalid input only: libdeflate takes a few deflate codes that no
//! encoder writes and zlib refuses — the reserved length symbols 286 and 287 (read as length
//! 258), the reserved distance codes 30 and 31 (read as code 29), and a few incomplete Huffman
//! codes. A member that uses them and whose CRC-32 and size still match its trailer (a member
//! built for it) is read whole where the stream would call it corrupt; the text read is the one
//! the trailer vouches for.

use std::cell::RefCell;
use std::io::{BufRead, BufReader, Cursor, Read};
use std::thread::LocalKey;

use crate::source::{FILE_BUFFER as STREAM_BUFFER, FailingRead};

/// The largest text inflated whole, in bytes (its trailer's ISIZE); larger objects are
/// streamed. AWS's objects are a few MB of gzip at about 7:1 (the generated archives of the
/// benchmarks: 0.35–1.7 MB, 2.7–13 MB of text); 32 MiB takes them all and bounds what a
/// thread keeps: at most this plus [`WHOLE_PACKED_LIMIT`].
pub const WHOLE_TEXT_LIMIT: usize = 32 << 20;

/// The largest gzip object read into memory to be inflated whole, in bytes. Text compresses
/// several times over, so an object of this size with a text within [`WHOLE_TEXT_LIMIT`] is
/// already unusual.
pub const WHOLE_PACKED_LIMIT: usize = 16 << 20;

/// The deflate format's largest expansion: 258 bytes out for two bits in, so at most 1,032
/// bytes out per byte in. A trailer that claims more is not believed (nothing is allocated on
/// a claim the input cannot back).
pub(crate) const MAX_EXPANSION: usize = 1032;

/// FLG's bit for a header CRC-16 (RFC 1952).
const FHCRC: u8 = 0x02;

thread_local! {
    /// One libdeflate decompressor per thread (about 10 KB, set up once).
    static INFLATER: RefCell<libdeflater::Decompressor> =
        RefCell::new(libdeflater::Decompressor::new());
    /// This thread's buffer of compressed bytes.
    static PACKED: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
    /// This thread's buffer of text, handed to a reader and given back when it is dropped.
    static TEXT: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

/// Takes this thread's buffer (an empty one when a reader still holds it).
fn take(pool: &'static LocalKey<RefCell<Vec<u8>>>) -> Vec<u8> {
    pool.with(|slot| std::mem::take(&mut *slot.borrow_mut()))
}

/// Gives a buffer back to this thread's pool: it keeps one, the larger.
fn give_back(pool: &'static LocalKey<RefCell<Vec<u8>>>, buf: Vec<u8>) {
    pool.with(|slot| {
        let mut slot = slot.borrow_mut();
        if buf.capacity() > slot.capacity() {
            *slot = buf;
        }
    });
}

/// Gives a text buffer back to the pool of the thread dropping its reader.
pub(crate) fn recycle_text(text: Vec<u8>) {
    give_back(&TEXT, text);
}

/// Inflates one gzip member with this thread's libdeflate decompressor into `out`, which must
/// be exactly as long as the text. The number of bytes written, if libdeflate read a member
/// whose CRC-32 and size match its trailer.
pub(crate) fn libdeflate_gzip(member: &[u8], out: &mut [u8]) -> Option<usize> {
    INFLATER
        .with(|inflater| inflater.borrow_mut().gzip_decompress(member, out))
        .ok()
}

/// The text size a gzip object's trailer claims (its last four bytes, ISIZE), if the input
/// could back it (see [`MAX_EXPANSION`]).
pub(crate) fn claimed_size(member: &[u8]) -> Option<usize> {
    let (_, isize) = member.split_last_chunk::<4>()?;
    let size = u32::from_le_bytes(*isize) as usize;
    (size <= member.len().saturating_mul(MAX_EXPANSION)).then_some(size)
}

/// An object's text, inflated whole into this thread's buffer: `buf[..len]`.
#[derive(Debug)]
pub(crate) struct WholeText {
    pub(crate) buf: Vec<u8>,
    pub(crate) len: usize,
}

/// What [`inflate_object`] made of a gzip object.
pub(crate) enum Inflated {
    /// Its text, whole.
    Whole(WholeText),
    /// A stream of its bytes from its start (those already read, then the rest, or the error
    /// that stopped the reading), to be decompressed as a stream.
    Stream(Box<dyn BufRead + Send>),
}

/// Reads a gzip object of `size` bytes (0: not known) from `input` and inflates it whole if it
/// is one member within the limits, else hands back a stream of it from its start.
pub(crate) fn inflate_object<R: BufRead + Send + 'static>(mut input: R, size: u64) -> Inflated {
    if size == 0 || size > WHOLE_PACKED_LIMIT as u64 {
        return Inflated::Stream(Box::new(input));
    }
    let mut packed = take(&PACKED);
    packed.clear();
    // Reading past the limit tells an object longer than it was said to be; reading a whole
    // buffer's worth past it keeps the stream's reads where they would have been.
    let read = (&mut input)
        .take((WHOLE_PACKED_LIMIT + STREAM_BUFFER) as u64)
        .read_to_end(&mut packed);
    let rest: Box<dyn BufRead + Send> = match read {
        // The stream meets the error after the bytes read before it, as it would have.
        Err(err) => Box::new(BufReader::new(FailingRead(Some(err)))),
        Ok(_) if packed.len() > WHOLE_PACKED_LIMIT => Box::new(input),
        Ok(_) => match inflate_member(&packed) {
            Some(text) => {
                give_back(&PACKED, packed);
                return Inflated::Whole(text);
            }
            None => Box::new(input),
        },
    };
    // The stream reads the bytes through a buffer of the size the file's has, so it meets
    // them in the same pieces (an error part way through a member is found after the same
    // text: flate2 drops what it inflated in the call that failed).
    Inflated::Stream(Box::new(BufReader::with_capacity(
        STREAM_BUFFER,
        Cursor::new(packed).chain(rest),
    )))
}

/// `packed`'s text, if it is one gzip member (without a header CRC) whose text is at most
/// [`WHOLE_TEXT_LIMIT`] and not empty, with nothing after it.
fn inflate_member(packed: &[u8]) -> Option<WholeText> {
    if packed.get(3).is_none_or(|flags| flags & FHCRC != 0) {
        return None;
    }
    let len = claimed_size(packed).filter(|&len| 0 < len && len <= WHOLE_TEXT_LIMIT)?;
    let mut buf = take(&TEXT);
    if buf.len() < len {
        // The buffer keeps its length from object to object: only new bytes are zeroed.
        buf.resize(len, 0);
    }
    let out = &mut buf[..len];
    if libdeflate_gzip(packed, out) == Some(len) && is_whole_member(packed, out) {
        Some(WholeText { buf, len })
    } else {
        give_back(&TEXT, buf);
        None
    }
}

/// Whether `inflated`, what libdeflate made of the first gzip member of `member`, is all of
/// `member` — one member, nothing after it.
///
/// libdeflate reads the first member and checks it against that member's trailer T (CRC-32 and
/// size of `inflated`), but does not say where the member ended. The last eight bytes of
/// `member` must be T, and T must start nowhere else in `member`: if the first member ended
/// `k ≥ 1` bytes before the end, its trailer T starts `8 + k` bytes before the end, which is
/// not the last eight bytes' start — so any bytes after the first member, however few, leave
/// T at a second place. A member with nothing after it is refused only when the eight bytes
/// that start 9–15 bytes before its end happen to be T too (for a start `8 + k` bytes before
/// the end: T's first `k` bytes equal to the last `k` bytes of compressed data, and T equal to
/// itself shifted by `k`: about 2^-64 for each `k`), or when T occurs inside the compressed
/// data (about 2^-64 for each of its bytes): a chance refusal only sends the object to the
/// stream. (An empty text is refused before: [`inflate_member`].)
pub(crate) fn is_whole_member(member: &[u8], inflated: &[u8]) -> bool {
    let Some((before_last, trailer)) = member.split_last_chunk::<8>() else {
        return false;
    };
    let mut expected = [0u8; 8];
    expected[..4].copy_from_slice(&libdeflater::crc32(inflated).to_le_bytes());
    expected[4..].copy_from_slice(&(inflated.len() as u32).to_le_bytes());
    // Every start but the last eight bytes' own: `member` without its last byte.
    let other_starts = &member[..before_last.len() + 7];
    *trailer == expected && memchr::memmem::find(other_starts, trailer).is_none()
}

#[cfg(test)]
pub(crate) mod tests {
    use std::io::Write;

    use super::*;

    /// `data` as one gzip member (flate2, fastest level); the tests of `pages.rs` use it too.
    pub(crate) fn gzip(data: &[u8]) -> Vec<u8> {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
        encoder.write_all(data).unwrap();
        encoder.finish().unwrap()
    }

    fn text() -> Vec<u8> {
        (0..20_000u32)
            .flat_map(|i| format!("line {i} of the object\n").into_bytes())
            .collect()
    }

    /// The text of an object as the stream would read it, or its error kind.
    fn streamed(object: &[u8]) -> std::io::Result<Vec<u8>> {
        let mut out = Vec::new();
        flate2::bufread::MultiGzDecoder::new(object).read_to_end(&mut out)?;
        Ok(out)
    }

    fn inflate(object: &[u8], size: u64) -> std::result::Result<Vec<u8>, Vec<u8>> {
        match inflate_object(Cursor::new(object.to_vec()), size) {
            Inflated::Whole(text) => {
                let out = text.buf[..text.len].to_vec();
                recycle_text(text.buf);
                Ok(out)
            }
            Inflated::Stream(mut stream) => {
                // The stream starts at the object's first byte and holds all of it.
                let mut bytes = Vec::new();
                stream.read_to_end(&mut bytes).unwrap();
                Err(bytes)
            }
        }
    }

    #[test]
    fn one_member_is_inflated_whole_and_the_buffers_are_reused() {
        let text = text();
        let object = gzip(&text);
        assert_eq!(inflate(&object, object.len() as u64), Ok(text.clone()));
        let capacity = TEXT.with(|slot| slot.borrow().capacity());
        assert!(capacity >= text.len());
        // A smaller object after a larger one: the same buffer, its text alone.
        let small = gzip(b"short\n");
        assert_eq!(inflate(&small, 1), Ok(b"short\n".to_vec()));
        assert_eq!(TEXT.with(|slot| slot.borrow().capacity()), capacity);
    }

    #[test]
    fn what_is_not_one_clean_member_within_the_limits_is_streamed_from_its_start() {
        let text = text();
        let object = gzip(&text);
        let streamed_as_is = |object: &[u8], size: u64| {
            assert_eq!(inflate(object, size), Err(object.to_vec()));
        };
        // Size unknown, or over the limit.
        streamed_as_is(&object, 0);
        streamed_as_is(&object, WHOLE_PACKED_LIMIT as u64 + 1);
        // Two members; the same member twice (libdeflate alone would stop after the first,
        // with a CRC and size that match the last trailer).
        let mut two = gzip(b"first\n");
        two.extend(gzip(b"second\n"));
        streamed_as_is(&two, two.len() as u64);
        let mut twice = object.clone();
        twice.extend(&object);
        streamed_as_is(&twice, twice.len() as u64);
        // Junk after the member, short or long; the member cut short; a corrupt byte.
        for junk in [&b"\0"[..], b"abc", b"0123456789abcdef"] {
            let mut tail = object.clone();
            tail.extend(junk);
            streamed_as_is(&tail, tail.len() as u64);
        }
        streamed_as_is(&object[..object.len() - 9], 10);
        let mut corrupt = object.clone();
        corrupt[object.len() / 2] ^= 0x55;
        streamed_as_is(&corrupt, corrupt.len() as u64);
        // A trailer whose size lies (larger, smaller, beyond what the input can back).
        for lie in [text.len() as u32 + 1, text.len() as u32 - 1, u32::MAX] {
            let mut liar = object.clone();
            let at = liar.len() - 4;
            liar[at..].copy_from_slice(&lie.to_le_bytes());
            streamed_as_is(&liar, liar.len() as u64);
        }
        // An empty member; a header CRC; not gzip at all.
        let empty = gzip(b"");
        streamed_as_is(&empty, empty.len() as u64);
        let mut hcrc = object.clone();
        hcrc[3] |= FHCRC;
        streamed_as_is(&hcrc, hcrc.len() as u64);
        streamed_as_is(b"not gzip", 8);
        // Longer than said: read to its end all the same.
        assert!(matches!(
            inflate_object(Cursor::new(object.clone()), 1),
            Inflated::Whole(_)
        ));
    }

    #[test]
    fn a_read_that_fails_part_way_is_streamed_up_to_the_error() {
        let object = gzip(&text());
        let cut = object.len() / 2;
        let failing = Cursor::new(object[..cut].to_vec()).chain(std::io::BufReader::new(
            FailingRead(Some(std::io::Error::other("gone"))),
        ));
        let Inflated::Stream(mut stream) = inflate_object(failing, object.len() as u64) else {
            panic!("a failed read is streamed");
        };
        let mut bytes = Vec::new();
        let err = stream.read_to_end(&mut bytes).unwrap_err();
        assert_eq!(err.to_string(), "gone");
        assert_eq!(bytes, &object[..cut]);
    }

    #[test]
    fn a_whole_member_is_what_the_stream_reads() {
        let text = text();
        let object = gzip(&text);
        assert_eq!(streamed(&object).unwrap(), text);
        assert!(is_whole_member(&object, &text));
        assert!(!is_whole_member(&object[..object.len() - 1], &text));
        assert!(!is_whole_member(b"short", b""));
    }

    /// A text whose member's trailer equals itself shifted by seven bytes: the CRC-32's first
    /// byte is the size's last (zero for any text under 16 MiB), as for one object in 256.
    fn text_with_a_repeating_trailer() -> Vec<u8> {
        let base = text();
        (0u32..)
            .map(|salt| [&base[..], format!("salt {salt}\n").as_bytes()].concat())
            .find(|text| libdeflater::crc32(text).to_le_bytes()[0] == 0)
            .unwrap()
    }

    #[test]
    fn a_trailer_that_repeats_itself_is_whole_when_nothing_follows_it() {
        let text = text_with_a_repeating_trailer();
        let object = gzip(&text);
        let trailer: [u8; 8] = object[object.len() - 8..].try_into().unwrap();
        assert_eq!(trailer[0], trailer[7]);
        assert!(is_whole_member(&object, &text));
        assert_eq!(inflate(&object, object.len() as u64), Ok(text.clone()));
        // Seven bytes after the member that end with a copy of its trailer (the trailer's last
        // seven bytes: with its first byte, the member's own last byte, they make it again): the
        // stream reads the member, then fails on what follows; so must this.
        let mut junk = object.clone();
        junk.extend(&trailer[1..]);
        assert_eq!(junk[junk.len() - 8..], trailer);
        assert!(!is_whole_member(&junk, &text));
        assert_eq!(inflate(&junk, junk.len() as u64), Err(junk.clone()));
        assert!(streamed(&junk).is_err());
    }
}
