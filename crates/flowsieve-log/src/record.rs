//! The hot loop: one record line → one row appended to the column builders.
//!
//! BE ADVISED: this is the code every byte of an archive goes through, so it is shaped for speed.
//! * The field parsers are nom parsers (`fn(&[u8]) -> IResult<&[u8], T, FieldError>`) written by
//!   hand rather than assembled from combinators: each one parses its token *and* finds its end
//!   in a single pass, so a line is scanned once, not split first and parsed second.
//! * The line is walked against the precompiled [`SlotOp`] list; the `match` per field is
//!   predictable because the same sequence repeats on every line.
//! * The default v2 layout with every field requested (AWS's default, so most logs) has its
//!   own straight-line parser, [`parse_line_v2`], which the decoder runs straight on its
//!   buffer (the end of the record is the line's end: no separate newline scan). It accepts a
//!   subset of what the generic loop accepts — rows without `-`, and nothing unusual — and
//!   hands everything else to it, so the two cannot disagree on values or faults; a unit test
//!   checks that on mutated lines. Profile (callgrind, 36 000 v2 lines): 82.9 M instructions
//!   before, 62.7 M with it; the dispatch, the per-field `-` test and the `memchr` per line
//!   were a quarter of the work.
//! * Values go straight into the typed column buffers: no `String` per field, no intermediate
//!   row. A malformed line is detected mid-row; the caller truncates the columns back to the
//!   last good row ([`crate::columns::Columns::truncate`]), which is rare and cheap.
//! * The error type is a one-byte `Copy` enum; the position (line, byte, field name, text) is
//!   attached one layer up by the decoder, the only place that knows it.
//!
//! The benchmark `benches/parse.rs` covers this loop.

use std::net::Ipv6Addr;

use nom::IResult;

use crate::columns::Columns;
use crate::enums::{Action, FlowDirection, FlowEnum, LogStatus, TrafficKind};
use crate::field::MAX_TIMESTAMP;
use crate::plan::SlotOp;
use crate::stats::LineIssueKind;
use crate::swar;

/// Why one field did not parse.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FieldError {
    InvalidNumber,
    OutOfRange,
    InvalidAddress,
    InvalidUtf8,
    InvalidValue,
}

impl<I> nom::error::ParseError<I> for FieldError {
    fn from_error_kind(_input: I, _kind: nom::error::ErrorKind) -> Self {
        FieldError::InvalidValue
    }

    fn append(_input: I, _kind: nom::error::ErrorKind, other: Self) -> Self {
        other
    }
}

impl FieldError {
    pub(crate) fn issue_kind(self) -> LineIssueKind {
        match self {
            FieldError::InvalidNumber => LineIssueKind::InvalidNumber,
            FieldError::OutOfRange => LineIssueKind::NumberOutOfRange,
            FieldError::InvalidAddress => LineIssueKind::InvalidAddress,
            FieldError::InvalidUtf8 => LineIssueKind::InvalidUtf8,
            FieldError::InvalidValue => LineIssueKind::InvalidValue,
        }
    }
}

type FieldResult<'a, T> = IResult<&'a [u8], T, FieldError>;

#[inline(always)]
fn fail<T>(error: FieldError) -> FieldResult<'static, T> {
    Err(nom::Err::Error(error))
}

/// A whole value (a cell of someone else's table, not a line) read by one of the field
/// parsers: the Arrow conformer reads text cells exactly as the line parser reads fields. A
/// cell with more after the value (a space, then anything) is `junk`.
pub(crate) fn whole_value<T>(
    parser: impl Fn(&[u8]) -> FieldResult<'_, T>,
    cell: &[u8],
    junk: LineIssueKind,
) -> Result<T, LineIssueKind> {
    match parser(cell) {
        Ok(([], value)) => Ok(value),
        Ok(_) => Err(junk),
        Err(nom::Err::Error(e) | nom::Err::Failure(e)) => Err(e.issue_kind()),
        Err(nom::Err::Incomplete(_)) => Err(LineIssueKind::InvalidValue),
    }
}

/// Where and why a line failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct LineFault {
    pub(crate) kind: LineIssueKind,
    /// Index of the field in the format, when the problem is in one field.
    pub(crate) field: Option<usize>,
    /// Byte range of the offending text in the line.
    pub(crate) start: usize,
    pub(crate) end: usize,
}

/// Decimal digits up to the next space or the end. `u64` because every numeric field fits in
/// it; callers narrow with a range check.
///
/// Up to 15 digits (every value a flow log holds in practice) are converted two words at a time
/// without a data-dependent branch ([`crate::swar`]); longer runs take the checked loop.
#[inline(always)]
pub(crate) fn decimal(input: &[u8]) -> FieldResult<'_, u64> {
    let word = swar::word_at(input, 0);
    let len = swar::digit_run(word);
    let (value, end) = if len == 0 {
        return fail(FieldError::InvalidNumber);
    } else if len < 8 {
        (swar::digits_value(word, len), len)
    } else {
        let high = swar::digits_value(word, 8);
        let word = swar::word_at(input, 8);
        let len = swar::digit_run(word);
        if len == 8 {
            return decimal_long(input);
        } else if len == 0 {
            (high, 8)
        } else {
            (
                high * POWERS_OF_TEN[len] + swar::digits_value(word, len),
                8 + len,
            )
        }
    };
    match input.get(end..) {
        Some(rest) if rest.first().is_none_or(|&b| b == b' ') => Ok((rest, value)),
        _ => fail(FieldError::InvalidNumber),
    }
}

/// 10^0 to 10^7.
const POWERS_OF_TEN: [u64; 8] = [1, 10, 100, 1_000, 10_000, 100_000, 1_000_000, 10_000_000];

/// [`decimal`] for 16 digits or more: a checked loop.
#[cold]
fn decimal_long(input: &[u8]) -> FieldResult<'_, u64> {
    let mut value: u64 = 0;
    let mut i = 0;
    let mut overflow = false;
    while i < input.len() {
        let digit = input[i].wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        match value
            .checked_mul(10)
            .and_then(|v| v.checked_add(u64::from(digit)))
        {
            Some(v) => value = v,
            None => overflow = true,
        }
        i += 1;
    }
    if i == 0 || (i < input.len() && input[i] != b' ') {
        return fail(FieldError::InvalidNumber);
    }
    if overflow {
        return fail(FieldError::OutOfRange);
    }
    Ok((&input[i..], value))
}

/// A dotted-quad IPv4 address followed by a space or the end, as a `u32`.
///
/// The sixteen bytes an address can span are loaded once; each octet's length comes from
/// [`swar::digit_run`] and its value from [`swar::small_digits_value`], so the varying octet
/// lengths cost no mispredicted branch.
#[inline(always)]
fn ipv4(input: &[u8]) -> Option<(&[u8], u32)> {
    let bytes = u128::from(swar::word_at(input, 0)) | (u128::from(swar::word_at(input, 8)) << 64);
    let mut value = 0u32;
    let mut at = 0;
    for octet_index in 0..4 {
        // `at` <= 12 here: at most three octets of three digits and three dots before.
        let word = (bytes >> (8 * at)) as u64;
        let len = swar::digit_run(word);
        if len == 0 || len > 3 {
            return None;
        }
        let octet = swar::small_digits_value(word, len);
        if octet > 255 {
            return None;
        }
        value = (value << 8) | octet;
        at += len;
        if octet_index < 3 {
            if (word >> (8 * len)) as u8 != b'.' {
                return None;
            }
            at += 1;
        }
    }
    match input.get(at..) {
        Some(rest) if rest.first().is_none_or(|&b| b == b' ') => Some((rest, value)),
        _ => None,
    }
}

/// `::ffff:0:0/96`: where IPv4 addresses live in the 128-bit form.
pub(crate) const IPV4_MAPPED_PREFIX: u128 = 0xffff << 32;

/// An IPv4 or IPv6 address as 128 bits (IPv4 as IPv4-mapped IPv6).
#[inline(always)]
pub(crate) fn address(input: &[u8]) -> FieldResult<'_, u128> {
    if let Some((rest, v4)) = ipv4(input) {
        return Ok((rest, IPV4_MAPPED_PREFIX | u128::from(v4)));
    }
    ipv6(input)
}

/// An IPv6 address (or, having failed as IPv4, anything else) up to the next space.
///
/// The plain forms AWS writes — hex groups and at most one `::` — go through [`ipv6_groups`];
/// anything it does not take (an embedded dotted quad, and every invalid token) goes to the
/// standard library's parser, which has the last word. So this accepts exactly what
/// `Ipv6Addr::from_str` accepts; `ipv6_groups` only makes the common case cheap (the std parser
/// tries a dotted quad at every group, and was 3 % of an analysis's profile on a log with IPv6
/// traffic).
#[inline(never)]
fn ipv6(input: &[u8]) -> FieldResult<'_, u128> {
    let (rest, token) = token(input)?;
    if let Some(v6) = ipv6_groups(token) {
        return Ok((rest, v6));
    }
    match std::str::from_utf8(token)
        .ok()
        .and_then(|text| text.parse::<Ipv6Addr>().ok())
    {
        Some(v6) => Ok((rest, u128::from(v6))),
        None => fail(FieldError::InvalidAddress),
    }
}

/// An IPv6 address made of hex groups (1 to 4 digits) and at most one `::` standing for one
/// or more zero groups — or `None` for anything else, including every input the standard
/// parser rejects (the test `ipv6_groups_agrees_with_std` holds it to that).
#[inline]
fn ipv6_groups(token: &[u8]) -> Option<u128> {
    if token.len() > 39 {
        return None;
    }
    // Groups before the `::` (or all of them), then after it.
    let mut head = 0u128;
    let mut head_len = 0u32;
    let mut tail = 0u128;
    let mut tail_len = 0u32;
    let mut gap = false;
    let mut i = 0;
    if token.starts_with(b"::") {
        gap = true;
        i = 2;
    }
    while i < token.len() {
        let mut group = 0u128;
        let mut digits = 0;
        while let Some(digit) = token.get(i).and_then(|&b| (b as char).to_digit(16)) {
            if digits == 4 {
                return None;
            }
            group = (group << 4) | u128::from(digit);
            digits += 1;
            i += 1;
        }
        if digits == 0 {
            return None;
        }
        if gap {
            tail = (tail << 16) | group;
            tail_len += 1;
        } else {
            head = (head << 16) | group;
            head_len += 1;
        }
        if head_len + tail_len > 8 {
            return None;
        }
        match token.get(i..) {
            Some([]) => break,
            Some([b':', b':', ..]) if !gap => {
                gap = true;
                i += 2;
            }
            Some([b':', next, ..]) if *next != b':' => i += 1,
            _ => return None,
        }
    }
    if gap {
        // `::` stands for at least one group.
        if head_len + tail_len > 7 {
            return None;
        }
        // Shifts of 128 bits or more do not exist: the head moves up past the gap and tail.
        let head_shift = 16 * (8 - head_len);
        let head = if head_len == 0 { 0 } else { head << head_shift };
        Some(head | tail)
    } else if head_len == 8 {
        Some(head)
    } else {
        None
    }
}

/// The bytes up to the next space or the end.
#[inline(always)]
pub(crate) fn token(input: &[u8]) -> FieldResult<'_, &[u8]> {
    let end = swar::find_space(input, 0);
    let (token, rest) = input.split_at_checked(end).unwrap_or((input, &[]));
    Ok((rest, token))
}

/// `word` as a whole token: the rest after it when `input` starts with it followed by a space
/// or the end. A fixed-length compare, no scan for the token's end.
#[inline(always)]
fn keyword<'a>(input: &'a [u8], word: &[u8]) -> Option<&'a [u8]> {
    let rest = input.strip_prefix(word)?;
    rest.first().is_none_or(|&b| b == b' ').then_some(rest)
}

/// A closed-enum field ([`FlowEnum`]): one of `T`'s spellings as a whole token. The spellings
/// are constants, so after inlining this is a couple of fixed-length compares.
#[inline(always)]
fn closed<T: FlowEnum>(input: &[u8]) -> FieldResult<'_, T> {
    for &value in T::ALL {
        if let Some(rest) = keyword(input, value.name().as_bytes()) {
            return Ok((rest, value));
        }
    }
    fail(FieldError::InvalidValue)
}

/// Parses one record line (without its line ending) into one new row of `columns`.
///
/// On `Err`, some columns may hold a partial row: the caller truncates them.
#[inline]
pub(crate) fn parse_line(
    slots: &[SlotOp],
    columns: &mut Columns,
    line: &[u8],
) -> Result<LogStatus, LineFault> {
    let mut state = LineState::default();
    let mut rest = line;
    let last = slots.len() - 1;
    for (i, op) in slots.iter().enumerate() {
        let first = match rest.first() {
            Some(&b) => b,
            None => return Err(count_fault(line, slots.len())),
        };
        if first == b' ' {
            return Err(count_fault(line, slots.len()));
        }
        // `-` is null in every field but log-status, whose `-` is an invalid value.
        let after = if first == b'-'
            && rest.get(1).is_none_or(|&b| b == b' ')
            && !matches!(op, SlotOp::LogStatus(_))
        {
            push_null(*op, columns);
            &rest[1..]
        } else {
            match parse_value(*op, columns, rest, &mut state) {
                Ok(after) => after,
                Err(error) => return Err(field_fault(line, rest, i, error)),
            }
        };
        if i < last {
            match after.split_first() {
                Some((b' ', next)) => rest = next,
                _ => return Err(count_fault(line, slots.len())),
            }
        } else if !after.is_empty() {
            return Err(count_fault(line, slots.len()));
        }
    }
    Ok(state.status)
}

/// Field `field` of `line`, which starts at `rest`, failed with `error`.
#[cold]
fn field_fault(line: &[u8], rest: &[u8], field: usize, error: FieldError) -> LineFault {
    let start = line.len() - rest.len();
    let end = start + memchr::memchr(b' ', rest).unwrap_or(rest.len());
    LineFault {
        kind: error.issue_kind(),
        field: Some(field),
        start,
        end,
    }
}

/// What the field loop carries from one field of a line to the next.
struct LineState {
    /// The log-status, once its field is read.
    status: LogStatus,
    /// The last two addresses parsed on this line: `pkt-srcaddr` and `pkt-dstaddr` repeat
    /// `srcaddr` and `dstaddr` on almost every record, and comparing the text costs a fraction
    /// of parsing it again (the same bytes give the same value).
    recent: [RecentAddress; 2],
}

/// An address text of at most 16 bytes, held as one zero-padded little-endian word, and its
/// value. Comparing it is two loads and a mask: an earlier version compared slices, and the
/// `memcmp` call per candidate was 29 % of an analysis's profile (`perf`, 6M records).
#[derive(Debug, Clone, Copy, Default)]
struct RecentAddress {
    /// Text length in bytes; 0 = empty slot (no address is empty).
    len: usize,
    text: u128,
    value: u128,
}

/// The first `len` (1 to 16) bytes of `input` as a zero-padded little-endian word, when
/// `input` holds at least 16 bytes (otherwise `None`: the caller parses instead).
#[inline(always)]
fn prefix_word(input: &[u8], len: usize) -> Option<u128> {
    let bytes = input.first_chunk::<16>()?;
    let word = u128::from_le_bytes(*bytes);
    Some(if len >= 16 {
        word
    } else {
        word & ((1u128 << (8 * len)) - 1)
    })
}

impl Default for LineState {
    fn default() -> Self {
        LineState {
            status: LogStatus::Ok,
            recent: [RecentAddress::default(); 2],
        }
    }
}

impl LineState {
    /// The address field `input` starts with: the value of a recent address with the same
    /// text, or parsed (and remembered).
    #[inline(always)]
    fn address<'a>(&mut self, input: &'a [u8]) -> FieldResult<'a, u128> {
        for recent in self.recent.iter().rev() {
            if recent.len == 0 || prefix_word(input, recent.len) != Some(recent.text) {
                continue;
            }
            // `prefix_word` succeeded, so `input` holds at least 16 ≥ len bytes.
            let rest = &input[recent.len..];
            if rest.first().is_none_or(|&b| b == b' ') {
                return Ok((rest, recent.value));
            }
        }
        let (rest, value) = address(input)?;
        let len = input.len() - rest.len();
        if let Some(text) = prefix_word(input, len).filter(|_| len <= 16) {
            self.recent = [self.recent[1], RecentAddress { len, text, value }];
        }
        Ok((rest, value))
    }
}

/// The slots of the default version-2 format with every field requested, in its order: the
/// layout [`parse_line_v2`] is specialised for.
pub(crate) const V2_SLOTS: [SlotOp; 14] = [
    SlotOp::UInt8 {
        col: 0,
        max: u8::MAX,
    },
    SlotOp::Text(0),
    SlotOp::Text(1),
    SlotOp::Address(0),
    SlotOp::Address(1),
    SlotOp::UInt16(0),
    SlotOp::UInt16(1),
    SlotOp::UInt8 {
        col: 1,
        max: u8::MAX,
    },
    SlotOp::UInt64(0),
    SlotOp::UInt64(1),
    SlotOp::Timestamp(0),
    SlotOp::Timestamp(1),
    SlotOp::Action(0),
    SlotOp::LogStatus(Some(1)),
];

/// The space between two fields: the rest after it.
#[inline(always)]
fn separator(rest: &[u8]) -> Option<&[u8]> {
    match rest {
        [b' ', tail @ ..] => Some(tail),
        _ => None,
    }
}

/// A decimal field of at most `max`, then the separator.
#[inline(always)]
fn number_then_space(input: &[u8], max: u64) -> Option<(&[u8], u64)> {
    let (rest, value) = decimal(input).ok()?;
    if value > max {
        return None;
    }
    Some((separator(rest)?, value))
}

/// An address field, then the separator.
#[inline(always)]
fn address_then_space(input: &[u8]) -> Option<(&[u8], u128)> {
    let (rest, value) = address(input).ok()?;
    Some((separator(rest)?, value))
}

/// A text field other than `-`, then the separator. The token ends at a newline too: `input`
/// runs past the line's end (the decoder's buffer), and a token reaching into the next line
/// would make two physical lines one record (a fuzz finding: 113 lines of 125 lost).
#[inline(always)]
fn text_then_space(input: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = swar::find_space_or_newline(input, 0);
    let (value, rest) = input.split_at_checked(end)?;
    if value.is_empty() || value == b"-" {
        return None;
    }
    Some((separator(rest)?, value))
}

/// [`parse_line`] for the default version-2 format with every field requested
/// ([`V2_SLOTS`]): the same parsers, but in straight-line code. There is no per-field `match`
/// on the slot, no `-` test ahead of every field, no index into `Columns`' vectors, and the
/// field-count bookkeeping is the separator test itself. This is the layout of nearly every
/// flow log (AWS's default), so it gets its own code.
///
/// `input` starts at a line; the record may be followed by more bytes (the decoder passes its
/// whole buffer, so that the line needs no separate scan for its end). On success it returns
/// the log-status and the record's length: the caller checks what follows it (`\n`, or the end
/// of a framed line).
///
/// It only accepts a record every field of which holds a value: on a `-` (NODATA / SKIPDATA
/// lines, 1 % of a typical log) or anything unusual it returns `None` having possibly pushed a
/// partial row, and the caller truncates the columns and runs the generic [`parse_line`], which
/// produces the nulls or the exact fault. So the two paths cannot disagree on what they accept:
/// the fast one accepts a subset, with the same field parsers.
#[inline]
pub(crate) fn parse_line_v2(columns: &mut Columns, input: &[u8]) -> Option<(LogStatus, usize)> {
    let Columns {
        u8s,
        u16s,
        u64s,
        timestamps,
        addresses,
        texts,
        enums,
    } = columns;
    // The plan gives v2 exactly two columns of each kind: borrow them once, no bounds checks
    // per push.
    let ([version, protocol], [account, interface], [srcaddr, dstaddr]) =
        (&mut u8s[..], &mut texts[..], &mut addresses[..])
    else {
        return None;
    };
    let ([srcport, dstport], [packets, bytes], [start, end], [action_col, status_col]) = (
        &mut u16s[..],
        &mut u64s[..],
        &mut timestamps[..],
        &mut enums[..],
    ) else {
        return None;
    };
    let (rest, v) = number_then_space(input, u64::from(u8::MAX))?;
    version.push(v as u8);
    let (rest, v) = text_then_space(rest)?;
    account.push(v).ok()?;
    let (rest, v) = text_then_space(rest)?;
    interface.push(v).ok()?;
    let (rest, v) = address_then_space(rest)?;
    srcaddr.push(v);
    let (rest, v) = address_then_space(rest)?;
    dstaddr.push(v);
    let (rest, v) = number_then_space(rest, u64::from(u16::MAX))?;
    srcport.push(v as u16);
    let (rest, v) = number_then_space(rest, u64::from(u16::MAX))?;
    dstport.push(v as u16);
    let (rest, v) = number_then_space(rest, u64::from(u8::MAX))?;
    protocol.push(v as u8);
    let (rest, v) = number_then_space(rest, u64::MAX)?;
    packets.push(v);
    let (rest, v) = number_then_space(rest, u64::MAX)?;
    bytes.push(v);
    let (rest, v) = number_then_space(rest, MAX_TIMESTAMP as u64)?;
    start.push(v as i64);
    let (rest, v) = number_then_space(rest, MAX_TIMESTAMP as u64)?;
    end.push(v as i64);
    let (rest, action) = closed::<Action>(rest).ok()?;
    action_col.push(action.key());
    let rest = separator(rest)?;
    // The last field ends at the end of the line, not at a space: match the word only.
    let (status, len) = if rest.starts_with(b"OK") {
        (LogStatus::Ok, 2)
    } else if rest.starts_with(b"NODATA") {
        (LogStatus::NoData, 6)
    } else if rest.starts_with(b"SKIPDATA") {
        (LogStatus::SkipData, 8)
    } else {
        return None;
    };
    status_col.push(status as i32);
    Some((status, input.len() - rest.len() + len))
}

#[inline(always)]
fn parse_value<'a>(
    op: SlotOp,
    columns: &mut Columns,
    input: &'a [u8],
    state: &mut LineState,
) -> Result<&'a [u8], FieldError> {
    let unwrap = |result: nom::Err<FieldError>| match result {
        nom::Err::Error(e) | nom::Err::Failure(e) => e,
        nom::Err::Incomplete(_) => FieldError::InvalidValue,
    };
    Ok(match op {
        SlotOp::Skip => token(input).map_err(unwrap)?.0,
        SlotOp::UInt8 { col, max } => {
            let (rest, value) = decimal(input).map_err(unwrap)?;
            if value > u64::from(max) {
                return Err(FieldError::OutOfRange);
            }
            columns.u8s[col].push(value as u8);
            rest
        }
        SlotOp::UInt16(col) => {
            let (rest, value) = decimal(input).map_err(unwrap)?;
            if value > u64::from(u16::MAX) {
                return Err(FieldError::OutOfRange);
            }
            columns.u16s[col].push(value as u16);
            rest
        }
        SlotOp::UInt64(col) => {
            let (rest, value) = decimal(input).map_err(unwrap)?;
            columns.u64s[col].push(value);
            rest
        }
        SlotOp::Timestamp(col) => {
            let (rest, value) = decimal(input).map_err(unwrap)?;
            if value > MAX_TIMESTAMP as u64 {
                return Err(FieldError::OutOfRange);
            }
            columns.timestamps[col].push(value as i64);
            rest
        }
        SlotOp::Address(col) => {
            let (rest, value) = state.address(input).map_err(unwrap)?;
            columns.addresses[col].push(value);
            rest
        }
        SlotOp::Text(col) => {
            let (rest, value) = token(input).map_err(unwrap)?;
            columns.texts[col]
                .push(value)
                .map_err(|_| FieldError::InvalidUtf8)?;
            rest
        }
        SlotOp::Action(col) => {
            let (rest, value) = closed::<Action>(input).map_err(unwrap)?;
            columns.enums[col].push(value.key());
            rest
        }
        SlotOp::LogStatus(col) => {
            let (rest, value) = closed::<LogStatus>(input).map_err(unwrap)?;
            state.status = value;
            if let Some(col) = col {
                columns.enums[col].push(value as i32);
            }
            rest
        }
        SlotOp::FlowDirection(col) => {
            let (rest, value) = closed::<FlowDirection>(input).map_err(unwrap)?;
            columns.enums[col].push(value.key());
            rest
        }
        SlotOp::TrafficKind(col) => {
            let (rest, value) = closed::<TrafficKind>(input).map_err(unwrap)?;
            columns.enums[col].push(value.key());
            rest
        }
    })
}

#[inline(always)]
fn push_null(op: SlotOp, columns: &mut Columns) {
    match op {
        SlotOp::Skip | SlotOp::LogStatus(None) => {}
        SlotOp::UInt8 { col, .. } => columns.u8s[col].push_null(),
        SlotOp::UInt16(col) => columns.u16s[col].push_null(),
        SlotOp::UInt64(col) => columns.u64s[col].push_null(),
        SlotOp::Timestamp(col) => columns.timestamps[col].push_null(),
        SlotOp::Address(col) => columns.addresses[col].push_null(),
        SlotOp::Text(col) => columns.texts[col].push_null(),
        SlotOp::Action(col)
        | SlotOp::LogStatus(Some(col))
        | SlotOp::FlowDirection(col)
        | SlotOp::TrafficKind(col) => columns.enums[col].push_null(),
    }
}

/// A line whose fields do not line up with the format: an empty field (two spaces in a row,
/// or a leading or trailing space) if it has one, otherwise a wrong field count.
#[cold]
fn count_fault(line: &[u8], expected: usize) -> LineFault {
    let mut start = 0;
    let mut found = 0usize;
    for (i, token) in line.split(|&b| b == b' ').enumerate() {
        if token.is_empty() {
            let field = (i < expected).then_some(i);
            return LineFault {
                kind: LineIssueKind::EmptyField,
                field,
                start,
                end: start,
            };
        }
        start += token.len() + 1;
        found += 1;
    }
    let kind = LineIssueKind::FieldCount {
        expected: u32::try_from(expected).unwrap_or(u32::MAX),
        found: u32::try_from(found).unwrap_or(u32::MAX),
    };
    LineFault {
        kind,
        field: None,
        start: 0,
        end: line.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn value<T>(result: FieldResult<'_, T>) -> Option<T> {
        result.ok().map(|(_, v)| v)
    }

    #[test]
    fn decimals() {
        // Every length on both sides of the word boundaries, followed by a space or the end.
        for digits in 1..=20 {
            let text = "9876543210987654321".repeat(2)[..digits].to_owned();
            let expected = text.parse::<u64>().ok();
            assert_eq!(value(decimal(text.as_bytes())), expected, "{text}");
            let spaced = format!("{text} 5");
            assert_eq!(value(decimal(spaced.as_bytes())), expected, "{spaced}");
            if let Ok((rest, _)) = decimal(spaced.as_bytes()) {
                assert_eq!(rest, b" 5");
            }
            let bad = format!("{text}x");
            assert!(decimal(bad.as_bytes()).is_err(), "{bad}");
        }
        assert_eq!(value(decimal(b"00000000000000000007")), Some(7));
        assert_eq!(value(decimal(b"0")), Some(0));
        assert_eq!(value(decimal(b"65535 x")), Some(65535));
        assert_eq!(value(decimal(b"18446744073709551615")), Some(u64::MAX));
        assert_eq!(
            decimal(b"18446744073709551616").unwrap_err(),
            nom::Err::Error(FieldError::OutOfRange)
        );
        assert_eq!(
            decimal(b"12a").unwrap_err(),
            nom::Err::Error(FieldError::InvalidNumber)
        );
        assert_eq!(
            decimal(b"").unwrap_err(),
            nom::Err::Error(FieldError::InvalidNumber)
        );
        assert_eq!(
            decimal(b"+1").unwrap_err(),
            nom::Err::Error(FieldError::InvalidNumber)
        );
    }

    #[test]
    fn repeated_addresses_take_the_same_value_and_only_the_same_text() {
        use crate::{FlowField, ReaderBuilder};
        let text = "srcaddr dstaddr pkt-srcaddr pkt-dstaddr interface-id\n\
                    10.0.0.1 10.0.0.2 10.0.0.1 10.0.0.2 eni-1\n\
                    10.0.0.1 10.0.0.2 10.0.0.12 10.0.0.2x eni-1\n\
                    10.0.0.1 2600:1f18::5 2600:1f18::5 10.0.0.1 eni-1\n\
                    10.0.0.1 10.0.0.2 - 10.0.0.1 eni-1\n";
        let mut reader = ReaderBuilder::new().build(text.as_bytes()).expect("reader");
        let batch = reader.next().expect("a batch").expect("batch");
        let column = |f| {
            let a = batch.addresses(f).expect("column");
            (0..a.len())
                .map(|r| a.get(r).map(|v| crate::address_to_ip(v).to_string()))
                .collect::<Vec<_>>()
        };
        let some = |v: &[&str]| v.iter().map(|s| Some(s.to_string())).collect::<Vec<_>>();
        assert_eq!(column(FlowField::PktSrcAddr)[0], Some("10.0.0.1".into()));
        assert_eq!(column(FlowField::PktDstAddr)[0], Some("10.0.0.2".into()));
        // Row 2 of the text (a prefix of an earlier address, and a bad one) is malformed.
        assert_eq!(reader.stats().counts.malformed, 1);
        assert_eq!(
            reader.stats().samples[0].to_string(),
            "<input>:3: malformed line: invalid_address in field `pkt-dstaddr`: \"10.0.0.2x\""
        );
        assert_eq!(
            column(FlowField::PktSrcAddr),
            vec![Some("10.0.0.1".into()), Some("2600:1f18::5".into()), None]
        );
        assert_eq!(
            column(FlowField::PktDstAddr),
            some(&["10.0.0.2", "10.0.0.1", "10.0.0.1"])
        );
        assert_eq!(
            column(FlowField::DstAddr),
            some(&["10.0.0.2", "2600:1f18::5", "10.0.0.2"])
        );
    }

    /// The repeated-address shortcut against std's parser on every pair of texts that share
    /// prefixes, of lengths around its 16-byte word, mid-line and at the end of the line
    /// (where fewer than 16 bytes remain and the shortcut must not be taken).
    #[test]
    fn repeated_address_shortcut_agrees_with_parsing_each_text() {
        use crate::{FlowField, ReaderBuilder};
        let texts = [
            "10.0.0.1",
            "10.0.0.12",
            "10.0.0.1x",
            "100.100.100.100",
            "100.100.100.10",
            "::ffff:10.0.0.1",
            "2600:1f18::5",
            "2600:1f18::55",
            "2600:1f18:0:0:0:0:0:5",
            "2600:1f18:0:0:0:0:0:55",
        ];
        let parse = |t: &str| {
            t.parse::<std::net::IpAddr>().ok().map(|a| match a {
                std::net::IpAddr::V4(v4) => IPV4_MAPPED_PREFIX | u128::from(u32::from(v4)),
                std::net::IpAddr::V6(v6) => u128::from(v6),
            })
        };
        for last in [false, true] {
            let (header, tail) = if last {
                ("interface-id srcaddr dstaddr pkt-srcaddr pkt-dstaddr", "")
            } else {
                (
                    "srcaddr dstaddr pkt-srcaddr pkt-dstaddr interface-id",
                    " eni-1",
                )
            };
            let mut text = format!("{header}\n");
            let mut expected = Vec::new();
            for a in texts {
                for b in texts {
                    let fields = [a, b, b, a];
                    let line = fields.join(" ");
                    text += &if last {
                        format!("eni-1 {line}\n")
                    } else {
                        format!("{line}{tail}\n")
                    };
                    let values: Option<Vec<u128>> = fields.iter().map(|t| parse(t)).collect();
                    expected.extend(values);
                }
            }
            let mut reader = ReaderBuilder::new().build(text.as_bytes()).expect("reader");
            let mut rows = Vec::new();
            for batch in reader.by_ref() {
                let batch = batch.expect("batch");
                let fields = [
                    FlowField::SrcAddr,
                    FlowField::DstAddr,
                    FlowField::PktSrcAddr,
                    FlowField::PktDstAddr,
                ];
                let columns = fields.map(|f| batch.addresses(f).expect("column"));
                for r in 0..batch.num_rows() {
                    rows.push(
                        columns
                            .iter()
                            .map(|c| c.get(r).expect("value"))
                            .collect::<Vec<u128>>(),
                    );
                }
            }
            assert_eq!(rows, expected, "last = {last}");
            let bad = texts.iter().filter(|t| parse(t).is_none()).count();
            let lines = texts.len() * texts.len();
            let good = (texts.len() - bad) * (texts.len() - bad);
            assert_eq!(reader.stats().counts.malformed as usize, lines - good);
        }
    }

    #[test]
    fn ipv6_groups_agrees_with_std() {
        let parse = |text: &str| ipv6_groups(text.as_bytes());
        let std = |text: &str| text.parse::<Ipv6Addr>().ok().map(u128::from);
        for text in [
            "::",
            "::1",
            "1::",
            "2600:1f18:4c2:a00::5",
            "2001:db8:0:0:0:0:2:1",
            "fe80::1:2:3:4:5:6",
            "1:2:3:4:5:6:7:8",
            "ABCD:ef01::",
            "::ffff:a00:1",
        ] {
            assert_eq!(parse(text), std(text), "{text}");
            assert!(parse(text).is_some(), "{text}");
        }
        for text in [
            "",
            ":",
            ":::",
            "1:::2",
            "1::2::3",
            ":1::2",
            "1:2",
            "1:",
            "12345::",
            "1:2:3:4:5:6:7:8:9",
            "1:2:3:4::5:6:7:8",
            "::ffff:10.0.0.1",
            "g::1",
        ] {
            assert_eq!(parse(text), None, "{text}");
        }
    }

    proptest::proptest! {
        /// Whatever `ipv6_groups` accepts, the standard parser accepts with the same value.
        #[test]
        fn ipv6_groups_never_disagrees(text in "[0-9a-fA-F:.]{0,41}") {
            if let Some(value) = ipv6_groups(text.as_bytes()) {
                proptest::prop_assert_eq!(Some(value), text.parse::<Ipv6Addr>().ok().map(u128::from));
            }
        }

        /// Every address in its canonical and its full form goes through the fast path.
        #[test]
        fn ipv6_groups_takes_every_address(bits: u128) {
            let address = Ipv6Addr::from(bits);
            let full = address.segments().map(|g| format!("{g:x}")).join(":");
            proptest::prop_assert_eq!(ipv6_groups(full.as_bytes()), Some(bits));
            let canonical = address.to_string();
            if !canonical.contains('.') {
                proptest::prop_assert_eq!(ipv6_groups(canonical.as_bytes()), Some(bits));
            }
        }
    }

    #[test]
    fn addresses_ipv4_mapped_and_ipv6() {
        let v4 = value(address(b"172.31.16.139")).unwrap();
        assert_eq!(
            v4,
            u128::from(std::net::Ipv4Addr::new(172, 31, 16, 139).to_ipv6_mapped())
        );
        let v6 = value(address(b"2001:db8:1234:a100:8d6e:3477:df66:f105 1")).unwrap();
        assert_eq!(
            v6,
            u128::from(
                "2001:db8:1234:a100:8d6e:3477:df66:f105"
                    .parse::<Ipv6Addr>()
                    .unwrap()
            )
        );
        for bad in [
            &b"256.1.1.1"[..],
            b"1.2.3",
            b"1.2.3.4.5",
            b"1234.1.1.1",
            b"fe80::1%eth0",
            b"x",
        ] {
            assert_eq!(
                address(bad).unwrap_err(),
                nom::Err::Error(FieldError::InvalidAddress),
                "{bad:?}"
            );
        }
        // An IPv4 prefix of a longer token is not an IPv4 address.
        assert!(address(b"1.2.3.4x").is_err());
        // Every octet length at every position, followed by a space, the end, or more text.
        for a in [0u8, 7, 10, 99, 100, 255] {
            for b in [1u8, 42, 172, 250] {
                let ip = std::net::Ipv4Addr::new(a, b, b, a);
                let expected = u128::from(ip.to_ipv6_mapped());
                let text = ip.to_string();
                assert_eq!(value(address(text.as_bytes())), Some(expected), "{text}");
                let spaced = format!("{text} 22");
                let (rest, v) = address(spaced.as_bytes()).unwrap();
                assert_eq!((rest, v), (&b" 22"[..], expected), "{spaced}");
                assert!(address(format!("{text}.1").as_bytes()).is_err(), "{text}.1");
                assert!(
                    address(format!("{text}1234").as_bytes()).is_err(),
                    "{text}1234"
                );
            }
        }
        for bad in [
            &b"1..2.3"[..],
            b".1.2.3.4",
            b"1.2.3.",
            b"1.2.3.4.",
            b"1.2.3.256",
            b"1.2.3.4\0",
        ] {
            assert!(address(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            value(address(b"010.001.000.009")),
            Some(u128::from(
                std::net::Ipv4Addr::new(10, 1, 0, 9).to_ipv6_mapped()
            ))
        );
    }

    #[test]
    fn tokens_and_keywords() {
        assert_eq!(
            token(b"eni-1235b8ca123456789 x").unwrap(),
            (&b" x"[..], &b"eni-1235b8ca123456789"[..])
        );
        assert_eq!(token(b"us-east-1").unwrap(), (&b""[..], &b"us-east-1"[..]));
        assert_eq!(value(closed(b"ACCEPT OK")), Some(Action::Accept));
        assert_eq!(value(closed(b"REJECT")), Some(Action::Reject));
        for bad in [&b"ACCEPTED"[..], b"ACCEP", b"accept", b"", b" ACCEPT"] {
            assert!(closed::<Action>(bad).is_err(), "{bad:?}");
        }
        assert_eq!(value(closed(b"OK")), Some(LogStatus::Ok));
        assert_eq!(value(closed(b"NODATA us-east-1")), Some(LogStatus::NoData));
        assert_eq!(value(closed(b"SKIPDATA")), Some(LogStatus::SkipData));
        assert!(closed::<LogStatus>(b"OKAY").is_err());
        assert_eq!(value(closed(b"egress -")), Some(FlowDirection::Egress));
        assert!(closed::<FlowDirection>(b"ingress2").is_err());
        assert_eq!(value(closed(b"EFA -")), Some(TrafficKind::Efa));
        assert!(closed::<TrafficKind>(b"ipv4").is_err());
    }

    /// The v2 fast path accepts a subset of what the generic loop accepts, with the same row:
    /// mutate valid lines byte by byte and compare the two on every result.
    #[test]
    fn v2_fast_path_agrees_with_the_generic_loop() {
        use crate::format::LogFormat;
        use crate::plan::FieldPlan;
        let plan = FieldPlan::new(&LogFormat::default_v2(), None).unwrap();
        assert!(plan.is_v2_full());
        let seeds: [&[u8]; 5] = [
            b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            b"2 1 eni-1 2001:db8::1 10.0.0.2 1 65535 255 18446744073709551615 0 9223372036854775807 2 REJECT SKIPDATA",
            b"255 x y 0.0.0.0 255.255.255.255 0 0 0 12345678 123456789 1 22 ACCEPT OK",
            b"2 a b 1.2.3.4 5.6.7.8 1 2 3 4 5 6 7 REJECT NODATA",
        ];
        let alphabet = b" -.:0123456789OKACEPTRJNDSIabf\xff\n";
        let mut state = 0x9E37_79B9_7F4A_7C15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state
        };
        let (mut accepted, mut total) = (0, 0);
        for seed in seeds {
            for _ in 0..4000 {
                let mut line = seed.to_vec();
                for _ in 0..(next() % 3) {
                    let at = (next() as usize) % (line.len() + 1);
                    let byte = alphabet[(next() as usize) % alphabet.len()];
                    match next() % 3 {
                        0 if at < line.len() => line[at] = byte,
                        1 if at < line.len() => {
                            line.remove(at);
                        }
                        _ => line.insert(at, byte),
                    }
                }
                let mut fast = plan.new_columns(4);
                let mut slow = plan.new_columns(4);
                let generic = parse_line(plan.slots(), &mut slow, &line);
                total += 1;
                if let Some((status, len)) = parse_line_v2(&mut fast, &line)
                    && len == line.len()
                {
                    accepted += 1;
                    assert_eq!(generic, Ok(status), "{:?}", String::from_utf8_lossy(&line));
                    for (storage, field) in plan.outputs() {
                        let a = fast.finish_column(*storage, field.data_type(), 1).unwrap();
                        let b = slow.finish_column(*storage, field.data_type(), 1).unwrap();
                        assert_eq!(&a, &b, "{:?}", String::from_utf8_lossy(&line));
                    }
                }
            }
        }
        assert!(
            accepted > total / 10 && accepted < total,
            "{accepted} of {total}"
        );
    }

    #[test]
    fn empty_and_count_faults() {
        let fault = count_fault(b"a  b", 3);
        assert_eq!(fault.kind, LineIssueKind::EmptyField);
        assert_eq!((fault.field, fault.start), (Some(1), 2));
        let fault = count_fault(b"a b", 3);
        assert_eq!(
            fault.kind,
            LineIssueKind::FieldCount {
                expected: 3,
                found: 2
            }
        );
        let fault = count_fault(b"a b c d", 3);
        assert_eq!(
            fault.kind,
            LineIssueKind::FieldCount {
                expected: 3,
                found: 4
            }
        );
        let fault = count_fault(b"a b c ", 3);
        assert_eq!(
            (fault.kind, fault.field, fault.start),
            (LineIssueKind::EmptyField, None, 6)
        );
    }
}
