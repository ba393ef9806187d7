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
//! * Every other layout is framed and split at its spaces first ([`crate::separators`]), and
//!   [`parse_line_indexed`] visits only the fields the plan reads, with the same parsers; it
//!   too accepts a subset of what [`parse_line`] accepts and hands everything else to it.
//!   Profile (callgrind, 35 711 lines of a 29-field layout): 3,241 instructions a line in the
//!   decoder before, 2,682 with it.
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

mod indexed;

pub(crate) use indexed::{parse_indexed, parse_line_indexed};

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

impl LineState {
    /// [`Self::address`] for a field known to be `len` bytes long (the separator index found
    /// its end): one masked load, compared with both recent texts. A recent text matches the
    /// field exactly when it has the field's length and bytes (neither holds a space), which is
    /// what [`Self::address`] finds by testing for the space after it.
    #[inline(always)]
    fn address_of_len<'a>(&mut self, input: &'a [u8], len: usize) -> FieldResult<'a, u128> {
        let Some(text) = prefix_word(input, len).filter(|_| len <= 16) else {
            return self.address(input);
        };
        for recent in self.recent.iter().rev() {
            if recent.len == len && recent.text == text {
                return Ok((input.get(len..).unwrap_or_default(), recent.value));
            }
        }
        let (rest, value) = address(input)?;
        self.recent = [self.recent[1], RecentAddress { len, text, value }];
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
mod tests;
