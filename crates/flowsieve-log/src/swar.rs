//! Word-at-a-time ("SWAR": SIMD within a register) helpers for the field parsers of
//! [`crate::record`]: eight bytes of a line are loaded as one little-endian `u64`, and the length
//! of a digit run or the position of a space comes out of a `trailing_zeros` instead of a loop
//! that exits on a data-dependent branch (a mispredicted branch per field costs more than the
//! whole conversion). All safe code: loads go through `first_chunk`, and a word that would run
//! past the end of the input is assembled from the bytes that are there, zero-padded.

/// `0x01` in every byte.
const ONES: u64 = 0x0101_0101_0101_0101;
/// `0x80` in every byte.
const HIGHS: u64 = ONES * 0x80;

/// The eight bytes of `input` from `at` as a little-endian word (byte `at` in the low bits);
/// bytes past the end of `input` read as 0.
#[inline(always)]
pub(crate) fn word_at(input: &[u8], at: usize) -> u64 {
    match input.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        Some(bytes) => u64::from_le_bytes(*bytes),
        None => tail_word(input.get(at..).unwrap_or(&[])),
    }
}

/// The fewer than eight last bytes of a line, zero-padded.
#[inline(never)]
fn tail_word(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .take(8)
        .enumerate()
        .fold(0, |word, (i, &b)| word | (u64::from(b) << (8 * i)))
}

/// How many of the word's bytes, from the lowest, are ASCII digits (0 to 8).
#[inline(always)]
pub(crate) fn digit_run(word: u64) -> usize {
    // A byte is a digit when its high nibble is 3 and adding 6 keeps it 3 (low nibble <= 9).
    // Adding 6 carries into the next byte only from a byte >= 0xFA, itself a non-digit, so every
    // byte up to the first non-digit is classified exactly; bytes after it do not matter.
    let high = word & (ONES * 0xF0);
    let plus6 = word.wrapping_add(ONES * 0x06) & (ONES * 0xF0);
    let non_digit = (high ^ (ONES * 0x30)) | (plus6 ^ (ONES * 0x30));
    (non_digit.trailing_zeros() / 8) as usize
}

/// The value of the first `len` (1 to 8) bytes of `word`, which are ASCII digits.
#[inline(always)]
pub(crate) fn digits_value(word: u64, len: usize) -> u64 {
    debug_assert!((1..=8).contains(&len));
    // Digit values, moved up so that the `8 - len` low bytes are leading zeros; whatever followed
    // the digits (and any borrow of the subtraction, which only runs upwards) is shifted out.
    let v = word.wrapping_sub(ONES * 0x30) << (8 * (8 - len.clamp(1, 8)));
    // Pairs, then quads, then all eight (Lemire's eight-digit conversion).
    let v = v.wrapping_mul(10).wrapping_add(v >> 8);
    let mask = 0x0000_00FF_0000_00FF;
    let mul1 = 100 + (1_000_000 << 32);
    let mul2 = 1 + (10_000 << 32);
    ((v & mask)
        .wrapping_mul(mul1)
        .wrapping_add(((v >> 16) & mask).wrapping_mul(mul2)))
        >> 32
}

/// The value of the first `len` (1 to 3) bytes of `word`, which are ASCII digits.
#[inline(always)]
pub(crate) fn small_digits_value(word: u64, len: usize) -> u32 {
    debug_assert!((1..=3).contains(&len));
    let v = (word as u32).wrapping_sub(0x3030_3030) << (8 * (4 - len.clamp(1, 4)));
    let v = v.wrapping_mul(10).wrapping_add(v >> 8) & 0x00FF_00FF;
    v.wrapping_mul(100).wrapping_add(v >> 16) & 0xFFFF
}

/// Index of the first byte equal to `byte` among the word's eight, or 8.
#[inline(always)]
pub(crate) fn find_byte(word: u64, byte: u8) -> usize {
    // The classic has-zero-byte test on `word ^ byte…`: exact for the lowest match, which is
    // the only one used (a borrow can only flag bytes above a real match).
    let x = word ^ (ONES * u64::from(byte));
    let found = x.wrapping_sub(ONES) & !x & HIGHS;
    (found.trailing_zeros() / 8) as usize
}

/// Index of the first space in `input` at or after `from`, or `input.len()`.
#[inline(always)]
pub(crate) fn find_space(input: &[u8], from: usize) -> usize {
    find_first(input, from, |word| find_byte(word, b' '), |b| b == b' ')
}

/// Index of the first space or newline in `input` at or after `from`, or `input.len()`: the
/// end of a token when `input` may run past the end of its line (the decoder's fast path
/// parses straight from its buffer, where a token must not swallow the line's end).
#[inline(always)]
pub(crate) fn find_space_or_newline(input: &[u8], from: usize) -> usize {
    find_first(
        input,
        from,
        |word| find_byte(word, b' ').min(find_byte(word, b'\n')),
        |b| b == b' ' || b == b'\n',
    )
}

/// Index of the first byte at or after `from` that `in_word` finds among a word's eight (it
/// returns 8 for none) and `is` says is one, or `input.len()`: a word at a time, then the tail
/// byte by byte.
#[inline(always)]
fn find_first(
    input: &[u8],
    from: usize,
    in_word: impl Fn(u64) -> usize,
    is: impl Fn(u8) -> bool,
) -> usize {
    let mut at = from;
    while let Some(bytes) = input.get(at..).and_then(<[u8]>::first_chunk::<8>) {
        let i = in_word(u64::from_le_bytes(*bytes));
        if i < 8 {
            return at + i;
        }
        at += 8;
    }
    match input.get(at..) {
        Some(tail) => at + tail.iter().position(|&b| is(b)).unwrap_or(tail.len()),
        None => input.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_runs_and_values() {
        assert_eq!(word_at(b"12345678x", 0), u64::from_le_bytes(*b"12345678"));
        assert_eq!(word_at(b"123", 0), u64::from_le_bytes(*b"123\0\0\0\0\0"));
        assert_eq!(word_at(b"123", 5), 0);
        for (text, run) in [
            (&b"1234 5"[..], 4),
            (b"", 0),
            (b"x1", 0),
            (b"99999999", 8),
            (b"123456789", 8),
            (b"0/:9", 1),
            (b"9\xfa9", 1),
        ] {
            assert_eq!(digit_run(word_at(text, 0)), run, "{text:?}");
        }
        for n in [
            0u64,
            7,
            42,
            65535,
            1_418_530_070 / 100,
            99_999_999,
            10_000_000,
        ] {
            let text = n.to_string();
            let word = word_at(text.as_bytes(), 0);
            assert_eq!(digits_value(word, text.len()), n);
        }
        assert_eq!(digits_value(word_at(b"007 1", 0), 3), 7);
        for n in [0u32, 9, 10, 99, 100, 255, 999] {
            let text = format!("{n}.x");
            let len = text.len() - 2;
            assert_eq!(small_digits_value(word_at(text.as_bytes(), 0), len), n);
        }
    }

    #[test]
    fn spaces() {
        assert_eq!(find_space(b"eni-1235b8ca123456789 x", 0), 21);
        assert_eq!(find_space(b"abc", 0), 3);
        assert_eq!(find_space(b"a b", 2), 3);
        assert_eq!(find_space(b"", 0), 0);
        assert_eq!(find_space(b"ab", 5), 2);
        assert_eq!(find_space(b"\x21\x20", 0), 1);
        assert_eq!(find_byte(u64::from_le_bytes(*b"ab\x1f cdef"), b' '), 3);
        for (text, end) in [
            (&b"eni-1235b8ca123456789 x"[..], 21),
            (b"123456\n\n789 x", 6),
            (b"12345678901\n3 x", 11),
            (b"abc", 3),
            (b"ab\n", 2),
            (b"", 0),
        ] {
            assert_eq!(find_space_or_newline(text, 0), end, "{text:?}");
        }
    }
}
