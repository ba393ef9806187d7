//! [`FieldPlan`]: a [`LogFormat`] and a projection compiled once into what the hot loop follows —
//! one [`Slot`] per field of the line (parse into column *i*, or skip) — and the output schema.
//!
//! "Compile once, run many": nothing in the per-line loop looks at field names.

use std::sync::Arc;

use arrow_schema::{Field, Schema, SchemaRef};

use crate::columns::{AddressColumn, Columns, DictColumn, EnumColumn, PrimColumn, Storage};
use crate::enums::{Action, FlowDirection, FlowEnum, LogStatus, TrafficKind};
use crate::error::{ErrorKind, Result};
use crate::field::{FieldKind, FieldName, FlowField};
use crate::format::LogFormat;
use crate::record::V2_SLOTS;

/// What the hot loop does with one field of a line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum SlotOp {
    /// Not requested: find the next space, convert nothing.
    Skip,
    UInt8 {
        col: usize,
        max: u8,
    },
    UInt16(usize),
    UInt64(usize),
    Timestamp(usize),
    Address(usize),
    Text(usize),
    Action(usize),
    /// Always parsed, for line accounting, even when not requested (`col` is `None` then).
    LogStatus(Option<usize>),
    FlowDirection(usize),
    TrafficKind(usize),
}

/// A field the hot loop reads (any slot but [`SlotOp::Skip`]) and its position in the line:
/// the indexed loop ([`crate::record::parse_line_indexed`]) visits only these.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ParsedSlot {
    pub(crate) field: usize,
    pub(crate) op: SlotOp,
}

/// A format compiled against a projection.
#[derive(Debug, Clone)]
pub(crate) struct FieldPlan {
    format: LogFormat,
    slots: Vec<SlotOp>,
    /// The slots other than `Skip`, with their positions, in order.
    parsed: Vec<ParsedSlot>,
    outputs: Vec<(Storage, Field)>,
    schema: SchemaRef,
    /// Whether `slots` is [`V2_SLOTS`]: the decoder's straight-line fast path applies.
    v2_full: bool,
}

impl FieldPlan {
    /// Compiles `format`. With `projection` `None` the output is every field of the format in its
    /// order; otherwise exactly the projected fields in the projection's order, fields missing
    /// from the format becoming all-null columns.
    pub(crate) fn new(format: &LogFormat, projection: Option<&[FieldName]>) -> Result<FieldPlan> {
        let wanted: Vec<FieldName> = match projection {
            None => format.fields().to_vec(),
            Some(fields) => {
                for (i, field) in fields.iter().enumerate() {
                    if fields[..i].contains(field) {
                        return Err(ErrorKind::Config(format!(
                            "field `{field}` appears twice in the projection"
                        ))
                        .into());
                    }
                }
                fields.to_vec()
            }
        };
        // Columns of each kind are numbered in the order of the *format*, not of the
        // projection: so the slots of a format depend only on which of its fields are
        // requested, and the default v2 format with all its fields requested gets
        // [`V2_SLOTS`] (the straight-line path) whatever order the projection lists them in.
        let mut counts = StorageCounts::default();
        let mut slots = vec![SlotOp::Skip; format.len()];
        let mut storage_at = vec![Storage::Missing; format.len()];
        for (position, name) in format.fields().iter().enumerate() {
            if wanted.contains(name) {
                let (storage, op) = counts.allocate(name);
                slots[position] = op;
                storage_at[position] = storage;
            }
        }
        let outputs: Vec<(Storage, Field)> = wanted
            .iter()
            .map(|name| {
                let storage = format
                    .fields()
                    .iter()
                    .position(|f| f == name)
                    .map_or(Storage::Missing, |position| storage_at[position]);
                (storage, name.arrow_field())
            })
            .collect();
        if let Some(position) = format.position(FlowField::LogStatus)
            && slots[position] == SlotOp::Skip
        {
            slots[position] = SlotOp::LogStatus(None);
        }
        let schema = Arc::new(Schema::new(
            outputs.iter().map(|(_, f)| f.clone()).collect::<Vec<_>>(),
        ));
        let v2_full = slots == V2_SLOTS;
        let parsed = slots
            .iter()
            .enumerate()
            .filter(|(_, op)| **op != SlotOp::Skip)
            .map(|(field, &op)| ParsedSlot { field, op })
            .collect();
        Ok(FieldPlan {
            format: format.clone(),
            v2_full,
            slots,
            parsed,
            outputs,
            schema,
        })
    }

    pub(crate) fn format(&self) -> &LogFormat {
        &self.format
    }

    pub(crate) fn slots(&self) -> &[SlotOp] {
        &self.slots
    }

    /// The slots the line's fields are parsed by, `Skip` left out, with their positions.
    pub(crate) fn parsed_slots(&self) -> &[ParsedSlot] {
        &self.parsed
    }

    /// Whether the slots are those of the default v2 format with every field requested, in
    /// order (see [`crate::record::parse_line_v2`]).
    #[inline]
    pub(crate) fn is_v2_full(&self) -> bool {
        self.v2_full
    }

    pub(crate) fn schema(&self) -> &SchemaRef {
        &self.schema
    }

    pub(crate) fn outputs(&self) -> &[(Storage, Field)] {
        &self.outputs
    }

    /// Empty column buffers laid out for this plan: each kind's columns in the order of their
    /// storage index (the format's order), whatever the order of the outputs.
    pub(crate) fn new_columns(&self, rows: usize) -> Columns {
        let mut storages: Vec<Storage> = self.outputs.iter().map(|(s, _)| *s).collect();
        storages.sort_by_key(|s| s.index());
        let mut columns = Columns::default();
        for storage in storages {
            match storage {
                Storage::UInt8(_) => columns.u8s.push(PrimColumn::with_capacity(rows)),
                Storage::UInt16(_) => columns.u16s.push(PrimColumn::with_capacity(rows)),
                Storage::UInt64(_) => columns.u64s.push(PrimColumn::with_capacity(rows)),
                Storage::Timestamp(_) => columns.timestamps.push(PrimColumn::with_capacity(rows)),
                Storage::Address(_) => columns.addresses.push(AddressColumn::with_capacity(rows)),
                Storage::Text(_) => columns.texts.push(DictColumn::with_capacity(rows)),
                Storage::Enum(_, values) => {
                    columns.enums.push(EnumColumn::with_capacity(rows, values));
                }
                Storage::Missing => {}
            }
        }
        columns
    }
}

/// Hands out per-type column indices in output order.
#[derive(Debug, Default)]
struct StorageCounts {
    u8s: usize,
    u16s: usize,
    u64s: usize,
    timestamps: usize,
    addresses: usize,
    texts: usize,
    enums: usize,
}

impl StorageCounts {
    fn allocate(&mut self, name: &FieldName) -> (Storage, SlotOp) {
        fn next(counter: &mut usize) -> usize {
            *counter += 1;
            *counter - 1
        }
        match name.kind() {
            FieldKind::UInt8 => {
                let col = next(&mut self.u8s);
                // tcp-flags is a bitmask of 8 bits; every other u8 field has a smaller range
                // only by convention (AWS may add codes), so all accept 0..=255.
                (Storage::UInt8(col), SlotOp::UInt8 { col, max: u8::MAX })
            }
            FieldKind::UInt16 => {
                let col = next(&mut self.u16s);
                (Storage::UInt16(col), SlotOp::UInt16(col))
            }
            FieldKind::UInt64 => {
                let col = next(&mut self.u64s);
                (Storage::UInt64(col), SlotOp::UInt64(col))
            }
            FieldKind::Timestamp => {
                let col = next(&mut self.timestamps);
                (Storage::Timestamp(col), SlotOp::Timestamp(col))
            }
            FieldKind::Address => {
                let col = next(&mut self.addresses);
                (Storage::Address(col), SlotOp::Address(col))
            }
            FieldKind::Text => {
                let col = next(&mut self.texts);
                (Storage::Text(col), SlotOp::Text(col))
            }
            FieldKind::Action => {
                let col = next(&mut self.enums);
                (Storage::Enum(col, Action::NAMES), SlotOp::Action(col))
            }
            FieldKind::LogStatus => {
                let col = next(&mut self.enums);
                (
                    Storage::Enum(col, LogStatus::NAMES),
                    SlotOp::LogStatus(Some(col)),
                )
            }
            FieldKind::FlowDirection => {
                let col = next(&mut self.enums);
                (
                    Storage::Enum(col, FlowDirection::NAMES),
                    SlotOp::FlowDirection(col),
                )
            }
            FieldKind::TrafficKind => {
                let col = next(&mut self.enums);
                (
                    Storage::Enum(col, TrafficKind::NAMES),
                    SlotOp::TrafficKind(col),
                )
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn projection_skips_and_fills_missing() {
        let format = LogFormat::default_v2();
        let projection = [
            FlowField::DstPort.into(),
            FlowField::TcpFlags.into(),
            FlowField::InterfaceId.into(),
        ];
        let plan = FieldPlan::new(&format, Some(&projection)).unwrap();
        let names: Vec<&str> = plan
            .schema()
            .fields()
            .iter()
            .map(|f| f.name().as_str())
            .collect();
        assert_eq!(names, ["dstport", "tcp_flags", "interface_id"]);
        assert_eq!(plan.slots()[0], SlotOp::Skip);
        assert_eq!(plan.slots()[2], SlotOp::Text(0));
        assert_eq!(plan.slots()[6], SlotOp::UInt16(0));
        assert_eq!(plan.slots()[13], SlotOp::LogStatus(None));
        assert_eq!(plan.outputs()[1].0, Storage::Missing);
        let parsed: Vec<usize> = plan.parsed_slots().iter().map(|p| p.field).collect();
        assert_eq!(parsed, [2, 6, 13]);
    }

    #[test]
    fn duplicate_projection_is_refused() {
        let projection = [FlowField::DstPort.into(), FlowField::DstPort.into()];
        assert!(FieldPlan::new(&LogFormat::default_v2(), Some(&projection)).is_err());
    }
}
