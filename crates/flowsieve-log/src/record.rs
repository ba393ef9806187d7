//! The hot loop: one record line → one row appended to the column builders.
//!
//! BE ADVISED: this is the code every byte of an archive goes through, so it is shaped for speed.
//! * The field parsers are nom parsers (`fn(&[u8]) -> IResult<&[u8], T, FieldError>`) written by
//!   hand rather than assembled from combinators: each one parses its token *and* finds its end
//!   in a single pass, so a line is scanned once, not split first and parsed second.
//! * The line is walked against the precompiled [`SlotOp`] list; the `match` per field is
//!   predictable because the same sequence repeats on every line.
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
use crate::plan::SlotOp;
use crate::stats::LineIssueKind;

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
    fn issue_kind(self) -> LineIssueKind {
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

/// The log-status of a parsed line, for line accounting.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineStatus {
    Ok,
    NoData,
    SkipData,
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
#[inline(always)]
pub(crate) fn decimal(input: &[u8]) -> FieldResult<'_, u64> {
    let mut value: u64 = 0;
    let mut i = 0;
    // Up to 19 digits cannot overflow a u64 (10^19 - 1 < 2^64), so the common case runs
    // without checked arithmetic.
    while i < input.len() && i < 19 {
        let digit = input[i].wrapping_sub(b'0');
        if digit > 9 {
            break;
        }
        value = value * 10 + u64::from(digit);
        i += 1;
    }
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
#[inline(always)]
fn ipv4(input: &[u8]) -> Option<(&[u8], u32)> {
    let mut value = 0u32;
    let mut i = 0;
    for octet_index in 0..4 {
        let start = i;
        let mut octet = 0u32;
        while i < input.len() && i - start < 3 {
            let digit = input[i].wrapping_sub(b'0');
            if digit > 9 {
                break;
            }
            octet = octet * 10 + u32::from(digit);
            i += 1;
        }
        if i == start || octet > 255 {
            return None;
        }
        value = (value << 8) | octet;
        if octet_index < 3 {
            if input.get(i) != Some(&b'.') {
                return None;
            }
            i += 1;
        }
    }
    match input.get(i) {
        None | Some(b' ') => Some((&input[i..], value)),
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

#[cold]
fn ipv6(input: &[u8]) -> FieldResult<'_, u128> {
    let (rest, token) = token(input)?;
    match std::str::from_utf8(token)
        .ok()
        .and_then(|text| text.parse::<Ipv6Addr>().ok())
    {
        Some(v6) => Ok((rest, u128::from(v6))),
        None => fail(FieldError::InvalidAddress),
    }
}

/// The bytes up to the next space or the end.
#[inline(always)]
pub(crate) fn token(input: &[u8]) -> FieldResult<'_, &[u8]> {
    let end = memchr::memchr(b' ', input).unwrap_or(input.len());
    Ok((&input[end..], &input[..end]))
}

#[inline(always)]
fn action(input: &[u8]) -> FieldResult<'_, i32> {
    let (rest, token) = token(input)?;
    match token {
        b"ACCEPT" => Ok((rest, 0)),
        b"REJECT" => Ok((rest, 1)),
        _ => fail(FieldError::InvalidValue),
    }
}

#[inline(always)]
fn log_status(input: &[u8]) -> FieldResult<'_, LineStatus> {
    let (rest, token) = token(input)?;
    match token {
        b"OK" => Ok((rest, LineStatus::Ok)),
        b"NODATA" => Ok((rest, LineStatus::NoData)),
        b"SKIPDATA" => Ok((rest, LineStatus::SkipData)),
        _ => fail(FieldError::InvalidValue),
    }
}

#[inline(always)]
fn flow_direction(input: &[u8]) -> FieldResult<'_, i32> {
    let (rest, token) = token(input)?;
    match token {
        b"ingress" => Ok((rest, 0)),
        b"egress" => Ok((rest, 1)),
        _ => fail(FieldError::InvalidValue),
    }
}

/// Parses one record line (without its line ending) into one new row of `columns`.
///
/// On `Err`, some columns may hold a partial row: the caller truncates them.
#[inline]
pub(crate) fn parse_line(
    slots: &[SlotOp],
    columns: &mut Columns,
    line: &[u8],
) -> Result<LineStatus, LineFault> {
    let mut status = LineStatus::Ok;
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
        let after = if first == b'-' && rest.get(1).is_none_or(|&b| b == b' ') {
            push_null(*op, columns);
            &rest[1..]
        } else {
            match parse_value(*op, columns, rest, &mut status) {
                Ok(after) => after,
                Err(error) => {
                    let start = line.len() - rest.len();
                    let end = start + memchr::memchr(b' ', rest).unwrap_or(rest.len());
                    return Err(LineFault {
                        kind: error.issue_kind(),
                        field: Some(i),
                        start,
                        end,
                    });
                }
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
    Ok(status)
}

#[inline(always)]
fn parse_value<'a>(
    op: SlotOp,
    columns: &mut Columns,
    input: &'a [u8],
    status: &mut LineStatus,
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
            let Ok(seconds) = i64::try_from(value) else {
                return Err(FieldError::OutOfRange);
            };
            columns.timestamps[col].push(seconds);
            rest
        }
        SlotOp::Address(col) => {
            let (rest, value) = address(input).map_err(unwrap)?;
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
            let (rest, key) = action(input).map_err(unwrap)?;
            columns.enums[col].push(key);
            rest
        }
        SlotOp::LogStatus(col) => {
            let (rest, value) = log_status(input).map_err(unwrap)?;
            *status = value;
            if let Some(col) = col {
                columns.enums[col].push(value as i32);
            }
            rest
        }
        SlotOp::FlowDirection(col) => {
            let (rest, key) = flow_direction(input).map_err(unwrap)?;
            columns.enums[col].push(key);
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
        SlotOp::Action(col) | SlotOp::LogStatus(Some(col)) | SlotOp::FlowDirection(col) => {
            columns.enums[col].push_null()
        }
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
