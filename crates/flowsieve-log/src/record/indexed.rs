//! [`parse_line_indexed`]: the field loop of any layout, over a line whose field ends were found
//! first by the separator index ([`crate::separators`]).
//!
//! It follows the plan's slots like [`super::parse_line`] and uses the same field parsers, but
//! knows where each field ends before parsing it: a skipped field costs nothing (the generic
//! loop scans it for its end), a text field is a known slice, and there is no per-field test
//! for a missing or doubled separator — the index already counted them. On anything unusual
//! (a wrong field count, an empty field, a value that does not parse) it returns `None` with
//! possibly a partial row pushed; the caller truncates and runs the generic loop, which decides
//! the fault. It accepts a subset of what the generic loop accepts, with the same values, so
//! the two cannot disagree (the tests below hold it to that on mutated lines).

use super::{LineState, parse_value, push_null};
use crate::columns::Columns;
use crate::enums::LogStatus;
use crate::plan::{FieldPlan, ParsedSlot, SlotOp};
use crate::separators::FieldEnds;

/// Parses one record line (without its line ending) into one new row of `columns`, with
/// `ends` as the scratch index; `None` when the generic loop must decide.
#[inline]
pub(crate) fn parse_line_indexed(
    plan: &FieldPlan,
    columns: &mut Columns,
    line: &[u8],
    ends: &mut FieldEnds,
) -> Option<LogStatus> {
    if !ends.index(line, plan.slots().len()) {
        return None;
    }
    parse_indexed(plan, columns, line, ends)
}

/// [`parse_line_indexed`] for a line `ends` already indexes (the decoder frames and indexes a
/// line in one pass: [`FieldEnds::index_line`]).
///
/// Only the fields the plan reads are visited ([`FieldPlan::parsed_slots`]): a skipped field
/// costs nothing at all, since the index has already checked that no field is empty.
#[inline]
pub(crate) fn parse_indexed(
    plan: &FieldPlan,
    columns: &mut Columns,
    line: &[u8],
    ends: &FieldEnds,
) -> Option<LogStatus> {
    if ends.has_empty_field() {
        return None;
    }
    let mut state = LineState::default();
    for &ParsedSlot { field, op } in plan.parsed_slots() {
        // The field is `line[start..end]`, not empty; the parsers get the line from `start`
        // on (they stop at the space that ends the field), so that their word loads rarely
        // meet the line's tail.
        let (start, end) = ends.field(field);
        let input = line.get(start..)?;
        let len = end.wrapping_sub(start);
        if len == 1 && input.first() == Some(&b'-') {
            // `-` is null in every field but log-status, where it is an invalid value.
            if matches!(op, SlotOp::LogStatus(_)) {
                return None;
            }
            push_null(op, columns);
            continue;
        }
        match op {
            SlotOp::Skip => {}
            SlotOp::Text(col) => columns.texts[col].push(input.get(..len)?).ok()?,
            SlotOp::Address(col) => {
                let (_, value) = state.address_of_len(input, len).ok()?;
                columns.addresses[col].push(value);
            }
            _ => {
                parse_value(op, columns, input, &mut state).ok()?;
            }
        }
    }
    Some(state.status)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::field::{FieldName, FlowField};
    use crate::format::LogFormat;
    use crate::record::parse_line;

    /// The layout of most objects of the benchmark archive: version 5, 29 fields.
    const CUSTOM: &str = "version vpc-id subnet-id instance-id interface-id account-id type srcaddr dstaddr srcport dstport pkt-srcaddr pkt-dstaddr protocol bytes packets start end action tcp-flags log-status region az-id sublocation-type sublocation-id pkt-src-aws-service pkt-dst-aws-service flow-direction traffic-path";

    const CUSTOM_LINES: [&[u8]; 4] = [
        b"5 vpc-5dde917d7f1c89de1 subnet-b13f6044d746c0125 - eni-1dcf65d592c962ce8 568738793019 IPv4 10.34.65.4 10.34.19.111 8002 41693 10.34.65.4 10.34.19.111 6 12299 49 1745197338 1745197339 ACCEPT 19 OK us-east-1 use1-az1 - - - - ingress -",
        b"5 vpc-5dde917d7f1c89de1 subnet-f747a11409fbd9b77 i-83775aa1eafda22a2 eni-40a90a375ce810f9f 568738793019 IPv6 2600:1f18::5 10.34.65.4 41693 8002 2600:1f18::5 10.34.65.4 17 29682 34 1745197338 1745197339 REJECT 3 OK us-east-1 use1-az2 wavelength wl-1 S3 - egress 8",
        b"5 vpc-1 subnet-1 - eni-1 1 - - - - - - - - - - 1745197338 1745197339 - - NODATA - - - - - - - -",
        b"5 a b c d e IPv6 1.2.3.4 5.6.7.8 1 2 1.2.3.4 5.6.7.9 255 18446744073709551615 0 1 2 ACCEPT 255 SKIPDATA r z - - - - ingress 1",
    ];

    /// The analysis's projection (flowsieve's `ANALYSIS_FIELDS`): every v2 field and four more.
    fn analysis_projection() -> Vec<FieldName> {
        let mut fields = LogFormat::default_v2().fields().to_vec();
        fields.extend(
            [
                FlowField::TcpFlags,
                FlowField::FlowDirection,
                FlowField::PktSrcAddr,
                FlowField::PktDstAddr,
            ]
            .map(FieldName::from),
        );
        fields
    }

    /// Runs both paths on `line`; when the indexed one accepts it, the generic one must give
    /// the same status and the same row. Returns whether the indexed path accepted it.
    fn agree(plan: &FieldPlan, line: &[u8], ends: &mut FieldEnds) -> bool {
        let mut fast = plan.new_columns(4);
        let mut slow = plan.new_columns(4);
        let generic = parse_line(plan.slots(), &mut slow, line);
        let Some(status) = parse_line_indexed(plan, &mut fast, line, ends) else {
            return false;
        };
        let text = String::from_utf8_lossy(line);
        assert_eq!(generic, Ok(status), "{text:?}");
        for (storage, field) in plan.outputs() {
            let a = fast.finish_column(*storage, field.data_type(), 1).unwrap();
            let b = slow.finish_column(*storage, field.data_type(), 1).unwrap();
            assert_eq!(&a, &b, "{text:?}");
        }
        true
    }

    /// The plans the tests cover: the benchmark's layout whole and projected, and v2 whole
    /// and projected (the decoder runs v2 whole on its own path, but the indexed one must
    /// agree on any layout).
    fn plans() -> Vec<(FieldPlan, &'static [&'static [u8]])> {
        let custom: LogFormat = CUSTOM.parse().unwrap();
        let v2 = LogFormat::default_v2();
        let v2_lines: &'static [&'static [u8]] = &[
            b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK",
            b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA",
            b"2 1 eni-1 2001:db8::1 10.0.0.2 1 65535 255 18446744073709551615 0 1745197338 2 REJECT SKIPDATA",
        ];
        let projection = analysis_projection();
        vec![
            (
                FieldPlan::new(&custom, Some(&projection)).unwrap(),
                &CUSTOM_LINES,
            ),
            (FieldPlan::new(&custom, None).unwrap(), &CUSTOM_LINES),
            (FieldPlan::new(&v2, None).unwrap(), v2_lines),
            (
                FieldPlan::new(&v2, Some(&projection[2..9])).unwrap(),
                v2_lines,
            ),
        ]
    }

    #[test]
    fn takes_the_seed_lines() {
        for (plan, lines) in plans() {
            for &line in lines {
                for mut ends in [FieldEnds::new(), FieldEnds::portable()] {
                    assert!(
                        agree(&plan, line, &mut ends),
                        "{:?}",
                        String::from_utf8_lossy(line)
                    );
                }
            }
        }
    }

    /// Mutate valid lines byte by byte and compare the two paths on every result.
    #[test]
    fn agrees_with_the_generic_loop_on_mutated_lines() {
        let alphabet = b" -.:0123456789OKACEPTRJNDSIabfegrs\xff\n\r";
        let mut rng = crate::mutate::XorShift::new(0x9E37_79B9_7F4A_7C15);
        let mut ends = FieldEnds::new();
        for (plan, lines) in plans() {
            let (mut accepted, mut total) = (0, 0);
            for &seed in lines {
                for _ in 0..3000 {
                    let line = crate::mutate::mutate(seed, alphabet, &mut rng);
                    total += 1;
                    accepted += usize::from(agree(&plan, &line, &mut ends));
                }
            }
            assert!(
                accepted > total / 10 && accepted < total,
                "{accepted} of {total}"
            );
        }
    }

    proptest::proptest! {
        /// Lines of random tokens drawn from what the fields hold: as many as each layout has
        /// fields, one fewer or one more.
        #[test]
        fn agrees_with_the_generic_loop_on_random_tokens(tokens in proptest::collection::vec(
            proptest::sample::select(vec![
                "5", "-", "", "65535", "65536", "18446744073709551616", "1745197338", "ACCEPT",
                "REJECT", "OK", "NODATA", "SKIPDATA", "ingress", "egress", "eni-1dcf65d592c962ce8",
                "10.34.65.4", "2600:1f18::5", "256.1.1.1", "::ffff:1.2.3.4", "IPv4", "x\u{e9}",
                "use1-az1", "1.2.3", "007",
            ]), 31), extra in 0usize..3) {
            let mut ends = FieldEnds::portable();
            for (plan, _) in plans() {
                let count = plan.slots().len() + extra - 1;
                let line = tokens[..count].join(" ");
                agree(&plan, line.as_bytes(), &mut ends);
            }
        }
    }
}
