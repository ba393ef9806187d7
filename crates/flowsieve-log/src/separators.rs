//! The separator index of one line: where its spaces are, found 64 bytes at a time before any
//! field is parsed, so that the field loop of [`crate::record::parse_line_indexed`] knows where
//! every field ends. A skipped field then costs nothing, a text field is a known slice, and the
//! field-count check is one comparison.
//!
//! Each 64-byte block becomes a 64-bit mask of its spaces — with AVX2 two compares and two
//! `movemask`s, otherwise eight words classified a word at a time ([`spaces_swar`]) — chosen
//! once per [`FieldEnds`] by run-time detection. The masks are flattened into offsets without a
//! branch per space: eight `trailing_zeros` are written unconditionally per round (as
//! simdjson's structural index does), into slack at the end of the array.
//!
//! Measured reason for the `unsafe` (the AVX2 loads and the call into the AVX2 function): see
//! BENCHMARKS.md, "Parsing", the separator index.

/// Most fields a line may have on the indexed path; a format with more takes the generic loop.
pub(crate) const MAX_FIELDS: usize = 64;

/// Slots past [`MAX_FIELDS`] that the unrolled flattening may write to.
const SLACK: usize = 8;

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x7F` in every byte.
const LOWS: u64 = ONES * 0x7F;

/// The bounds of the fields of the line last indexed.
#[derive(Debug, Clone)]
pub(crate) struct FieldEnds {
    /// `u32::MAX` (the offset before the line, so field 0 starts at it plus one, wrapping),
    /// then the offsets of the spaces, then the line's length: field `i` runs from
    /// `ends[i] + 1` to `ends[i + 1]`.
    ends: Bounds,
    /// Whether the line last indexed has an empty field (two spaces in a row, or a space
    /// first or last).
    empty: bool,
    /// Whether this CPU has AVX2 (detected once, when the index is made).
    avx2: bool,
}

/// The array of [`FieldEnds::ends`].
type Bounds = [u32; MAX_FIELDS + 1 + SLACK];

impl Default for FieldEnds {
    fn default() -> Self {
        FieldEnds::new()
    }
}

impl FieldEnds {
    /// An empty index, with the block kernel chosen for this CPU.
    pub(crate) fn new() -> FieldEnds {
        let mut ends = [0; MAX_FIELDS + 1 + SLACK];
        ends[0] = u32::MAX;
        FieldEnds {
            ends,
            empty: false,
            avx2: has_avx2(),
        }
    }

    /// Whether the index runs on the AVX2 kernel. Without it the word-at-a-time kernel costs
    /// more than the scans it saves (callgrind: 3,580 instructions a line in the decoder
    /// against 3,241 for the general path and 2,682 with AVX2), so the decoder then keeps to
    /// the general path; the portable kernel stays for other callers and for the tests.
    #[inline(always)]
    pub(crate) fn is_vectorised(&self) -> bool {
        self.avx2
    }

    /// An index that never uses AVX2 (to test the word-at-a-time kernel on any machine).
    #[cfg(test)]
    pub(crate) fn portable() -> FieldEnds {
        FieldEnds {
            avx2: false,
            ..FieldEnds::new()
        }
    }

    /// Indexes `line`: `true` when it holds exactly `fields - 1` spaces (so `fields` fields,
    /// some possibly empty), after which [`Self::end`] gives the end of each of them; `false`
    /// otherwise (a wrong field count, more than [`MAX_FIELDS`] fields, no field).
    #[inline]
    pub(crate) fn index(&mut self, line: &[u8], fields: usize) -> bool {
        if fields == 0 || fields > MAX_FIELDS || u32::try_from(line.len()).is_err() {
            return false;
        }
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        if self.avx2 {
            // SAFETY: `avx2` is only true when the CPU was detected to have AVX2, BMI1 and
            // POPCNT (`has_avx2`), the features `index_avx2` is compiled for.
            return unsafe { index_avx2(&mut self.ends, &mut self.empty, line, fields - 1) };
        }
        index_with(
            &mut self.ends,
            &mut self.empty,
            line,
            fields - 1,
            spaces_swar,
        )
    }

    /// Frames and indexes the line `buf` starts with, in one pass: `Some(len)` when a newline
    /// ends it at `len` (at most `limit`) and exactly `fields - 1` spaces come before it, after
    /// which [`Self::end`] gives the end of each field (the last one's is `len`); `None`
    /// otherwise (no newline in `buf` or within `limit`, a wrong field count). The decoder
    /// frames most lines so: no separate newline scan.
    #[inline]
    pub(crate) fn index_line(&mut self, buf: &[u8], fields: usize, limit: usize) -> Option<usize> {
        if fields == 0 || fields > MAX_FIELDS {
            return None;
        }
        let limit = limit.min(u32::MAX as usize - 64);
        #[cfg(target_arch = "x86_64")]
        #[allow(unsafe_code)]
        if self.avx2 {
            // SAFETY: as in `index`.
            return unsafe {
                index_line_avx2(&mut self.ends, &mut self.empty, buf, fields - 1, limit)
            };
        }
        index_line_with(
            &mut self.ends,
            &mut self.empty,
            buf,
            fields - 1,
            limit,
            |block| (spaces_swar(block), newlines_swar(block)),
        )
    }

    /// The end (exclusive) of field `i` of the line last indexed; `i` below its field count.
    #[cfg(test)]
    pub(crate) fn end(&self, i: usize) -> usize {
        self.ends[i + 1] as usize
    }

    /// The start and end (exclusive) of field `i` of the line last indexed; `i` below its
    /// field count.
    #[inline(always)]
    pub(crate) fn field(&self, i: usize) -> (usize, usize) {
        (
            self.ends[i].wrapping_add(1) as usize,
            self.ends[i + 1] as usize,
        )
    }

    /// Whether the line last indexed has an empty field.
    #[inline(always)]
    pub(crate) fn has_empty_field(&self) -> bool {
        self.empty
    }
}

/// AVX2, and the bit instructions the flattening wants (`tzcnt`, `blsr`, `popcnt`: without
/// them `trailing_zeros` and `count_ones` are several instructions each). Every CPU with AVX2
/// that we know of has them, but they are separate features, so each is checked.
#[cfg(target_arch = "x86_64")]
fn has_avx2() -> bool {
    std::arch::is_x86_feature_detected!("avx2")
        && std::arch::is_x86_feature_detected!("bmi1")
        && std::arch::is_x86_feature_detected!("popcnt")
}

#[cfg(not(target_arch = "x86_64"))]
fn has_avx2() -> bool {
    false
}

/// [`index_with`] compiled for AVX2 (and BMI1 and POPCNT), with [`spaces_avx2`] inlined.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
fn index_avx2(ends: &mut Bounds, empty: &mut bool, line: &[u8], spaces: usize) -> bool {
    index_with(ends, empty, line, spaces, |block| spaces_avx2(block))
}

/// [`index_line_with`] compiled for AVX2 (and BMI1 and POPCNT).
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
fn index_line_avx2(
    ends: &mut Bounds,
    empty: &mut bool,
    buf: &[u8],
    spaces: usize,
    limit: usize,
) -> Option<usize> {
    index_line_with(ends, empty, buf, spaces, limit, |block| {
        (bytes_avx2::<b' '>(block), bytes_avx2::<b'\n'>(block))
    })
}

/// The line `buf` starts with: its length when a newline ends it within `limit`, with the
/// offsets of exactly `spaces` spaces before it in `ends`, then its length. `masks` gives the
/// spaces and the newlines of a 64-byte block as bits.
#[inline(always)]
fn index_line_with(
    ends: &mut Bounds,
    empty: &mut bool,
    buf: &[u8],
    spaces: usize,
    limit: usize,
    masks: impl Fn(&[u8; 64]) -> (u64, u64),
) -> Option<usize> {
    let mut found = 0;
    let mut base = 0;
    let mut adjacent = Adjacent::default();
    while base <= limit {
        let rest = buf.get(base..)?;
        let (space_bits, newline_bits) = match rest.first_chunk::<64>() {
            Some(block) => masks(block),
            None if rest.is_empty() => return None,
            None => {
                // The end of the buffer: a zeroed block (a zero is neither separator).
                let mut block = [0u8; 64];
                block[..rest.len()].copy_from_slice(rest);
                masks(&block)
            }
        };
        if newline_bits != 0 {
            let at = newline_bits.trailing_zeros() as usize;
            let before = space_bits & ((1u64 << at) - 1);
            let len = base + at;
            if len > limit || !flatten(ends, &mut found, base, before, spaces) || found != spaces {
                return None;
            }
            adjacent.block(before);
            *empty = adjacent.finish(ends, found, len);
            return Some(len);
        }
        adjacent.block(space_bits);
        if !flatten(ends, &mut found, base, space_bits, spaces) {
            return None;
        }
        base += 64;
    }
    None
}

/// The offsets of the spaces of `line` into `ends`, then its length: `true` when there are
/// exactly `spaces` (below [`MAX_FIELDS`]) of them. `mask` gives the spaces of a 64-byte block
/// as bits.
#[inline(always)]
fn index_with(
    ends: &mut Bounds,
    empty: &mut bool,
    line: &[u8],
    spaces: usize,
    mask: impl Fn(&[u8; 64]) -> u64,
) -> bool {
    let len = line.len();
    let mut found = 0;
    let mut base = 0;
    let mut adjacent = Adjacent::default();
    while let Some(block) = line.get(base..).and_then(<[u8]>::first_chunk::<64>) {
        let bits = mask(block);
        adjacent.block(bits);
        if !flatten(ends, &mut found, base, bits, spaces) {
            return false;
        }
        base += 64;
    }
    if base < len {
        // The last partial block: the line's last 64 bytes, shifted past those already seen;
        // a line shorter than a block is copied into a zeroed one (a zero is not a space).
        let bits = match line.last_chunk::<64>() {
            Some(last) => mask(last) >> (64 - (len - base)),
            None => {
                let mut block = [0u8; 64];
                block[..len].copy_from_slice(line);
                mask(&block)
            }
        };
        adjacent.block(bits);
        if !flatten(ends, &mut found, base, bits, spaces) {
            return false;
        }
    }
    if found != spaces {
        return false;
    }
    *empty = adjacent.finish(ends, found, len);
    true
}

/// Finds empty fields from the space masks of consecutive blocks: two spaces in a row (also
/// across blocks) or a space first; a space last is found from the offsets at the end.
struct Adjacent {
    /// Set where a space follows a space (or the start of the line).
    found: u64,
    /// The previous block's last bit; 1 before the first block (the line's start counts as a
    /// separator).
    carry: u64,
}

impl Default for Adjacent {
    fn default() -> Self {
        Adjacent { found: 0, carry: 1 }
    }
}

impl Adjacent {
    #[inline(always)]
    fn block(&mut self, bits: u64) {
        self.found |= bits & ((bits << 1) | self.carry);
        self.carry = bits >> 63;
    }

    /// Whether the line (`found` spaces, of length `len`, its ends stored) has an empty field;
    /// stores its length as the end of its last field.
    #[inline(always)]
    fn finish(&self, ends: &mut Bounds, found: usize, len: usize) -> bool {
        ends[found + 1] = len as u32;
        // The last field starts after the last space (or at 0): empty when that is the end.
        self.found != 0 || ends[found].wrapping_add(1) as usize == len
    }
}

/// Appends the offsets of the set bits of `bits` (a block starting at `base`) to `ends` after
/// the `found` already there; `false` when that would make more than `spaces`.
#[inline(always)]
fn flatten(
    ends: &mut Bounds,
    found: &mut usize,
    base: usize,
    mut bits: u64,
    spaces: usize,
) -> bool {
    let stop = *found + bits.count_ones() as usize;
    if stop > spaces {
        return false;
    }
    // Eight at a time whatever the count: the writes past `stop` land in the slack (or are
    // overwritten by the next block) and cost less than a mispredicted loop exit per space.
    // `at < stop <= spaces < MAX_FIELDS`, so `at + 8` is within the slack (`ends[0]` is the
    // sentinel: the offsets start at 1).
    let mut at = *found;
    while at < stop {
        for slot in &mut ends[at + 1..at + 9] {
            *slot = (base + bits.trailing_zeros() as usize) as u32;
            bits &= bits.wrapping_sub(1);
        }
        at += 8;
    }
    *found = stop;
    true
}

/// The spaces of a 64-byte block as bits (bit `i` for byte `i`), with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
fn spaces_avx2(block: &[u8; 64]) -> u64 {
    bytes_avx2::<b' '>(block)
}

/// The bytes equal to `BYTE` of a 64-byte block as bits (bit `i` for byte `i`), with AVX2.
#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "avx2,bmi1,popcnt")]
#[allow(unsafe_code)]
fn bytes_avx2<const BYTE: u8>(block: &[u8; 64]) -> u64 {
    use std::arch::x86_64::{
        __m256i, _mm256_cmpeq_epi8, _mm256_loadu_si256, _mm256_movemask_epi8, _mm256_set1_epi8,
    };
    let at = block.as_ptr().cast::<__m256i>();
    // SAFETY: `block` is 64 readable bytes, so both 32-byte loads are in bounds; `loadu` has
    // no alignment requirement.
    let (low, high) = unsafe { (_mm256_loadu_si256(at), _mm256_loadu_si256(at.add(1))) };
    let byte = _mm256_set1_epi8(BYTE as i8);
    let low = _mm256_movemask_epi8(_mm256_cmpeq_epi8(low, byte)) as u32;
    let high = _mm256_movemask_epi8(_mm256_cmpeq_epi8(high, byte)) as u32;
    u64::from(low) | (u64::from(high) << 32)
}

/// The spaces of a 64-byte block as bits (bit `i` for byte `i`), a word at a time.
#[inline(always)]
fn spaces_swar(block: &[u8; 64]) -> u64 {
    bytes_swar(block, b' ')
}

/// The newlines of a 64-byte block as bits (bit `i` for byte `i`), a word at a time.
#[inline(always)]
fn newlines_swar(block: &[u8; 64]) -> u64 {
    bytes_swar(block, b'\n')
}

/// The bytes equal to `byte` of a 64-byte block as bits, a word at a time.
#[inline(always)]
fn bytes_swar(block: &[u8; 64], byte: u8) -> u64 {
    let mut bits = 0;
    for (i, word) in block.chunks_exact(8).enumerate() {
        let word = u64::from_le_bytes(word.try_into().unwrap_or_default());
        bits |= word_bytes(word, byte) << (8 * i);
    }
    bits
}

/// The spaces of one word as eight bits (bit `i` for byte `i`).
#[cfg(test)]
fn word_spaces(word: u64) -> u64 {
    word_bytes(word, b' ')
}

/// The bytes equal to `byte` of one word as eight bits (bit `i` for byte `i`).
#[inline(always)]
fn word_bytes(word: u64, byte: u8) -> u64 {
    // A byte of `x` is zero exactly where the word has `byte`. Adding 0x7F to the low seven
    // bits sets the high bit of every non-zero byte without a carry between bytes (unlike the
    // classic has-zero test, this is exact for every byte, not only the lowest).
    let x = word ^ (ONES * u64::from(byte));
    let zero_highs = !(((x & LOWS).wrapping_add(LOWS)) | x | LOWS);
    // Gather the eight high bits into the top byte: the bit of byte `i` moves to bit 56 + i.
    ((zero_highs >> 7).wrapping_mul(0x0102_0408_1020_4080)) >> 56
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The field ends of `line` by the obvious method.
    fn expected(line: &[u8], fields: usize) -> Option<Vec<usize>> {
        let mut ends: Vec<usize> = (0..line.len()).filter(|&i| line[i] == b' ').collect();
        ends.push(line.len());
        (fields <= MAX_FIELDS && ends.len() == fields).then_some(ends)
    }

    fn check(line: &[u8], fields: usize) {
        for mut index in [FieldEnds::new(), FieldEnds::portable()] {
            let ok = index.index(line, fields);
            if ok {
                let empty = line.split(|&b| b == b' ').any(<[u8]>::is_empty);
                assert_eq!(
                    index.has_empty_field(),
                    empty,
                    "{:?}",
                    String::from_utf8_lossy(line)
                );
                for i in 0..fields {
                    let (start, end) = index.field(i);
                    assert!(!line[start..end].contains(&b' '));
                    assert!(start == 0 || line[start - 1] == b' ');
                }
            }
            let got = ok.then(|| (0..fields).map(|i| index.end(i)).collect::<Vec<_>>());
            assert_eq!(
                got,
                expected(line, fields),
                "{:?} {fields} avx2 {}",
                String::from_utf8_lossy(line),
                index.avx2
            );
        }
    }

    #[test]
    fn word_spaces_is_exact_for_every_byte() {
        for byte in 0..=255u8 {
            for at in 0..8 {
                let mut word = [b' '; 8];
                word[at] = byte;
                let expected = if byte == b' ' {
                    0xFF
                } else {
                    0xFF & !(1 << at)
                };
                assert_eq!(
                    word_spaces(u64::from_le_bytes(word)),
                    expected,
                    "{byte} at {at}"
                );
            }
        }
    }

    #[test]
    fn lines_of_every_length_around_the_blocks() {
        for len in 0..200 {
            let line: Vec<u8> = (0..len)
                .map(|i| {
                    if i % 7 == 3 || i % 64 == 63 {
                        b' '
                    } else {
                        b'a' + (i % 26) as u8
                    }
                })
                .collect();
            let spaces = line.iter().filter(|&&b| b == b' ').count();
            for fields in [spaces, spaces + 1, spaces + 2] {
                check(&line, fields);
            }
        }
        check(b"", 1);
        check(b" ", 2);
        check(b"  ", 3);
        check(b"a", 0);
        let many = vec![b' '; MAX_FIELDS];
        check(&many, MAX_FIELDS + 1);
        check(&many[1..], MAX_FIELDS);
    }

    /// `index_line` against framing by `memchr` and the obvious index of the line.
    fn check_line(buf: &[u8], fields: usize, limit: usize) {
        let expected = memchr::memchr(b'\n', buf)
            .filter(|&len| len <= limit)
            .and_then(|len| Some((len, expected(&buf[..len], fields)?)));
        for mut index in [FieldEnds::new(), FieldEnds::portable()] {
            let got = index
                .index_line(buf, fields, limit)
                .map(|len| (len, (0..fields).map(|i| index.end(i)).collect::<Vec<_>>()));
            if let Some((len, _)) = got {
                let empty = buf[..len].split(|&b| b == b' ').any(<[u8]>::is_empty);
                assert_eq!(
                    index.has_empty_field(),
                    empty,
                    "{:?}",
                    String::from_utf8_lossy(buf)
                );
            }
            assert_eq!(
                got,
                expected,
                "{:?} {fields} {limit}",
                String::from_utf8_lossy(buf)
            );
        }
    }

    #[test]
    fn lines_framed_in_the_same_pass() {
        for len in 0..200usize {
            let mut buf: Vec<u8> = (0..len)
                .map(|i| {
                    if i % 5 == 2 {
                        b' '
                    } else {
                        b'0' + (i % 10) as u8
                    }
                })
                .collect();
            let spaces = buf.iter().filter(|&&b| b == b' ').count();
            buf.extend(b"\nnext line\n");
            for fields in [spaces, spaces + 1, spaces + 2] {
                for limit in [len.saturating_sub(1), len, 1 << 20] {
                    check_line(&buf, fields, limit);
                    check_line(&buf[..len], fields, limit);
                }
            }
        }
        check_line(b"\n", 1, 10);
        check_line(b"", 1, 10);
    }

    proptest::proptest! {
        #[test]
        fn frames_like_memchr(buf in proptest::collection::vec(
            proptest::sample::select(vec![b' ', b'a', b'\n', 0, b'\r']), 0..300),
            extra in 0usize..3, limit in 0usize..300)
        {
            let line = memchr::memchr(b'\n', &buf).map_or(&buf[..], |at| &buf[..at]);
            let spaces = line.iter().filter(|&&b| b == b' ').count();
            check_line(&buf, spaces + extra, limit);
        }

        #[test]
        fn agrees_with_the_obvious_index(line in proptest::collection::vec(
            proptest::sample::select(vec![b' ', b'a', b'-', b'\n', 0, 0xA0, 0x20 | 0x80]), 0..300),
            extra in 0usize..3)
        {
            let spaces = line.iter().filter(|&&b| b == b' ').count();
            check(&line, spaces + extra);
        }
    }
}
