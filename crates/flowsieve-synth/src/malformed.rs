//! Malformed lines written on purpose (`--malformed`): one defect per line, of each class of
//! docs/semantics.md, placed at planned positions and recorded in the truth with file, line,
//! reason and field. A malformed line is *inserted*: it replaces no record.
//!
//! Each line is a real record of the same object with exactly one field spoilt (or one field
//! missing for `field_count`), so a parser has a single reason to reject it.

use std::collections::BTreeMap;

use crate::format::{Field, FlowLogSpec, Rec, Texts, write_field};
use crate::rng::{hash, purpose};

/// The classes of defect, with their contract reasons.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum DefectClass {
    FieldCount,
    EmptyField,
    InvalidNumber,
    NumberOutOfRange,
    InvalidAddress,
    InvalidUtf8,
    InvalidValue,
    LineTooLong,
}

impl DefectClass {
    pub(crate) const ALL: [DefectClass; 8] = [
        DefectClass::FieldCount,
        DefectClass::EmptyField,
        DefectClass::InvalidNumber,
        DefectClass::NumberOutOfRange,
        DefectClass::InvalidAddress,
        DefectClass::InvalidUtf8,
        DefectClass::InvalidValue,
        DefectClass::LineTooLong,
    ];

    /// The reason key of docs/semantics.md.
    pub(crate) fn reason(self) -> &'static str {
        match self {
            DefectClass::FieldCount => "field_count",
            DefectClass::EmptyField => "empty_field",
            DefectClass::InvalidNumber => "invalid_number",
            DefectClass::NumberOutOfRange => "number_out_of_range",
            DefectClass::InvalidAddress => "invalid_address",
            DefectClass::InvalidUtf8 => "invalid_utf8",
            DefectClass::InvalidValue => "invalid_value",
            DefectClass::LineTooLong => "line_too_long",
        }
    }

    /// Fields the defect may go in, in order of preference (all read by the analysis; never
    /// version or account-id).
    fn candidates(self) -> &'static [Field] {
        match self {
            DefectClass::FieldCount => &[],
            DefectClass::EmptyField => &[Field::DstAddr, Field::Protocol, Field::SrcPort],
            DefectClass::InvalidNumber => &[
                Field::Packets,
                Field::TcpFlags,
                Field::DstPort,
                Field::Start,
                Field::Protocol,
            ],
            DefectClass::NumberOutOfRange => &[
                Field::DstPort,
                Field::TcpFlags,
                Field::Protocol,
                Field::Packets,
            ],
            DefectClass::InvalidAddress => &[
                Field::SrcAddr,
                Field::PktDstAddr,
                Field::DstAddr,
                Field::PktSrcAddr,
            ],
            DefectClass::InvalidUtf8 => &[Field::InterfaceId],
            DefectClass::InvalidValue => &[Field::Action, Field::FlowDirection, Field::LogStatus],
            DefectClass::LineTooLong => &[Field::InterfaceId],
        }
    }

    /// The field of copy `copy` in `spec` (`None` for `field_count`: no single field is at fault).
    fn field_for(self, spec: FlowLogSpec, copy: usize) -> Option<Field> {
        let present: Vec<Field> = self
            .candidates()
            .iter()
            .copied()
            .filter(|f| spec.fields().contains(f))
            .collect();
        if present.is_empty() {
            None
        } else {
            Some(present[copy % present.len()])
        }
    }
}

/// A planned malformed line: inserted after the `pos`-th data line of its object group (or at
/// the end when the group is shorter).
#[derive(Clone, Copy, Debug)]
pub(crate) struct Defect {
    pub(crate) pos: u64,
    pub(crate) class: DefectClass,
    pub(crate) field: Option<Field>,
}

impl Defect {
    /// The field named in the truth: `None` for `field_count` and `line_too_long` (the parser
    /// rejects those lines before it looks at fields).
    pub(crate) fn truth_field(&self) -> Option<&'static str> {
        match self.class {
            DefectClass::FieldCount | DefectClass::LineTooLong => None,
            _ => self.field.map(Field::name),
        }
    }
}

/// How many lines of each class each flow log gets.
pub(crate) const COPIES: usize = 3;

/// Spreads `COPIES` lines of every class over each flow log's 5-minute windows.
pub(crate) fn plan(
    seed: u64,
    specs: &[FlowLogSpec],
    n_slots: u64,
) -> BTreeMap<(usize, u64), Vec<Defect>> {
    let mut map: BTreeMap<(usize, u64), Vec<Defect>> = BTreeMap::new();
    let total = (DefectClass::ALL.len() * COPIES) as u64;
    for (fl, &spec) in specs.iter().enumerate() {
        for k in 0..total {
            let class = DefectClass::ALL[(k as usize) % DefectClass::ALL.len()];
            let copy = (k as usize) / DefectClass::ALL.len();
            let slot = ((2 * k + 1) * n_slots) / (2 * total);
            let pos = hash(&[seed, purpose::MALFORMED, spec.key(), k]) % 64;
            map.entry((fl, slot)).or_default().push(Defect {
                pos,
                class,
                field: class.field_for(spec, copy),
            });
        }
    }
    for v in map.values_mut() {
        v.sort_by_key(|d| d.pos);
    }
    map
}

/// The bad value of `field` for `class`.
fn bad_value(class: DefectClass, field: Field) -> Vec<u8> {
    let text: &str = match (class, field) {
        (DefectClass::EmptyField, _) => "",
        (DefectClass::InvalidNumber, Field::Packets) => "12a4",
        (DefectClass::InvalidNumber, Field::TcpFlags) => "SYN",
        (DefectClass::InvalidNumber, Field::DstPort) => "8o80",
        (DefectClass::InvalidNumber, Field::Start) => "1.7e9",
        (DefectClass::InvalidNumber, Field::Protocol) => "tcp",
        (DefectClass::InvalidNumber, _) => "x1",
        (DefectClass::NumberOutOfRange, Field::DstPort) => "65536",
        (DefectClass::NumberOutOfRange, Field::TcpFlags) => "256",
        (DefectClass::NumberOutOfRange, Field::Protocol) => "256",
        (DefectClass::NumberOutOfRange, _) => "18446744073709551616",
        (DefectClass::InvalidAddress, Field::SrcAddr) => "10.0.256.7",
        (DefectClass::InvalidAddress, Field::DstAddr) => "10.20.1",
        (DefectClass::InvalidAddress, Field::PktSrcAddr) => "2001:db8::g1",
        (DefectClass::InvalidAddress, _) => "fe80:::1",
        (DefectClass::InvalidValue, Field::Action) => "ALLOW",
        (DefectClass::InvalidValue, Field::FlowDirection) => "inbound",
        (DefectClass::InvalidValue, _) => "DONE",
        (DefectClass::InvalidUtf8, _) => return b"eni-0\xff\xfe7c3a9d2e41f05b".to_vec(),
        (DefectClass::LineTooLong, _) => {
            let mut v = b"eni-".to_vec();
            while v.len() < 33 * 1024 {
                v.extend_from_slice(b"0a1b2c3d4e5f6a7b");
            }
            return v;
        }
        (DefectClass::FieldCount, _) => "",
    };
    text.as_bytes().to_vec()
}

/// Writes `rec` as a line of `spec` spoilt by `d`, newline included.
pub(crate) fn render_defect(
    out: &mut Vec<u8>,
    num: &mut itoa::Buffer,
    t: &Texts,
    spec: FlowLogSpec,
    rec: &Rec,
    d: &Defect,
) {
    let fields = spec.fields();
    let n = if d.class == DefectClass::FieldCount {
        fields.len() - 1
    } else {
        fields.len()
    };
    for (i, &f) in fields[..n].iter().enumerate() {
        if i > 0 {
            out.push(b' ');
        }
        if Some(f) == d.field && d.class != DefectClass::FieldCount {
            out.extend_from_slice(&bad_value(d.class, f));
        } else {
            write_field(out, num, t, spec.version(), f, rec);
        }
    }
    out.push(b'\n');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_class_is_planned_for_every_flow_log() {
        let specs = FlowLogSpec::ALL;
        let map = plan(9, &specs, 40);
        for fl in 0..specs.len() {
            for class in DefectClass::ALL {
                let n = map
                    .iter()
                    .filter(|((f, _), _)| *f == fl)
                    .flat_map(|(_, v)| v)
                    .filter(|d| d.class == class)
                    .count();
                assert_eq!(n, COPIES, "{class:?}");
            }
        }
        // Spread over several windows.
        assert!(map.keys().filter(|(f, _)| *f == 0).count() >= 10);
        // Custom-format copies reach the custom fields.
        let custom: Vec<_> = map
            .iter()
            .filter(|((f, _), _)| *f == 1)
            .flat_map(|(_, v)| v)
            .filter_map(|d| d.field)
            .collect();
        for f in [Field::TcpFlags, Field::FlowDirection, Field::PktDstAddr] {
            assert!(custom.contains(&f), "{f:?}");
        }
    }

    #[test]
    fn defects_spoil_one_field() {
        let inv = crate::inventory::build(2);
        let t = Texts::new(&inv);
        let mut num = itoa::Buffer::new();
        let rec = Rec {
            status: crate::format::Status::Ok,
            accept: true,
            packets: 5,
            bytes: 400,
            proto: 6,
            dport: 443,
            sport: 40000,
            ..Rec::idle(0, 10, 20, crate::format::Status::Ok)
        };
        for class in DefectClass::ALL {
            let d = Defect {
                pos: 0,
                class,
                field: class.field_for(FlowLogSpec::Default, 0),
            };
            let mut out = Vec::new();
            render_defect(&mut out, &mut num, &t, FlowLogSpec::Default, &rec, &d);
            let n_fields = out.split(|&b| b == b' ').count();
            match class {
                DefectClass::FieldCount => assert_eq!(n_fields, 13),
                DefectClass::LineTooLong => assert!(out.len() > 32 * 1024),
                DefectClass::EmptyField => assert!(out.windows(2).any(|w| w == b"  ")),
                DefectClass::InvalidUtf8 => assert!(std::str::from_utf8(&out).is_err()),
                _ => assert_eq!(n_fields, 14),
            }
        }
    }
}
