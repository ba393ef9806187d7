//! [`FlowRecordBatch`]: an Arrow `RecordBatch` whose columns follow the flow schema
//! ([`flow_schema`]), with typed accessors by [`FlowField`].
//!
//! The newtype exists so that code downstream (the analysis engine, users' pipelines) can rely
//! on the column types without re-checking them per batch; it is a thin view, not a copy.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{Int32Type, TimestampSecondType, UInt8Type, UInt16Type, UInt64Type};
use arrow_array::{
    Array, ArrayRef, DictionaryArray, FixedSizeBinaryArray, PrimitiveArray, RecordBatch,
};
use arrow_schema::{ArrowError, Schema, SchemaRef};

use crate::enums::{Action, EnumArray, FlowDirection, FlowEnum, LogStatus, TrafficKind};
use crate::field::{FieldName, FlowField};

/// The Arrow schema of the given fields, in order: AWS names with `-` as `_`, the types of
/// [`crate::FieldKind`], all nullable.
///
/// ```
/// use flowsieve_log::{flow_schema, FlowField};
/// use arrow_schema::DataType;
///
/// let schema = flow_schema(&[FlowField::SrcAddr.into(), FlowField::DstPort.into()]);
/// assert_eq!(schema.field(0).name(), "srcaddr");
/// assert_eq!(schema.field(0).data_type(), &DataType::FixedSizeBinary(16));
/// assert_eq!(schema.field(1).data_type(), &DataType::UInt16);
/// ```
pub fn flow_schema(fields: &[FieldName]) -> SchemaRef {
    Arc::new(Schema::new(
        fields
            .iter()
            .map(FieldName::arrow_field)
            .collect::<Vec<_>>(),
    ))
}

/// A batch of flow-log rows in the flow schema.
#[derive(Debug, Clone)]
pub struct FlowRecordBatch {
    batch: RecordBatch,
}

/// A borrowed address column: 16 big-endian bytes per row, IPv4 as IPv4-mapped IPv6.
#[derive(Debug, Clone, Copy)]
pub struct AddressArray<'a> {
    array: &'a FixedSizeBinaryArray,
    /// The values buffer, 16 bytes per row (read directly: this is on the analysis hot path).
    bytes: &'a [u8],
    nulls: Option<&'a arrow_buffer::NullBuffer>,
}

impl<'a> AddressArray<'a> {
    fn new(array: &'a FixedSizeBinaryArray) -> Self {
        AddressArray {
            array,
            bytes: array.value_data(),
            nulls: array.nulls(),
        }
    }

    /// The address of row `row` as a `u128` (`None` when null or out of range).
    #[inline]
    pub fn get(&self, row: usize) -> Option<u128> {
        if self.nulls.is_some_and(|n| n.is_null(row)) {
            return None;
        }
        let chunk = self.bytes.get(row * 16..row * 16 + 16)?;
        Some(u128::from_be_bytes(chunk.try_into().ok()?))
    }

    /// The address of row `row`, ignoring validity (a null or missing row reads as 0).
    #[inline]
    pub fn value(&self, row: usize) -> u128 {
        self.bytes
            .get(row * 16..row * 16 + 16)
            .and_then(|chunk| chunk.try_into().ok())
            .map_or(0, u128::from_be_bytes)
    }

    /// Whether row `row` is null (`-` in the text).
    #[inline]
    pub fn is_null(&self, row: usize) -> bool {
        self.nulls.is_some_and(|n| n.is_null(row))
    }

    /// Number of rows.
    pub fn len(&self) -> usize {
        self.array.len()
    }

    /// Whether there are no rows.
    pub fn is_empty(&self) -> bool {
        self.array.is_empty()
    }

    /// The underlying Arrow array.
    pub fn as_array(&self) -> &'a FixedSizeBinaryArray {
        self.array
    }
}

/// Turns a 128-bit flow-log address back into an [`std::net::IpAddr`].
pub fn address_to_ip(address: u128) -> std::net::IpAddr {
    let v6 = std::net::Ipv6Addr::from(address);
    match v6.to_ipv4_mapped() {
        Some(v4) => std::net::IpAddr::V4(v4),
        None => std::net::IpAddr::V6(v6),
    }
}

/// The 128-bit form of an address: IPv6 as is, IPv4 as IPv4-mapped IPv6.
pub fn ip_to_address(ip: std::net::IpAddr) -> u128 {
    match ip {
        std::net::IpAddr::V4(v4) => u128::from(v4.to_ipv6_mapped()),
        std::net::IpAddr::V6(v6) => u128::from(v6),
    }
}

impl FlowRecordBatch {
    pub(crate) fn from_parts(batch: RecordBatch) -> Self {
        FlowRecordBatch { batch }
    }

    /// Wraps a `RecordBatch` that is already in the flow schema, checking that every column
    /// named like a known field has that field's type and that the closed columns (`action`,
    /// `log-status`, `flow-direction`, `type`) hold only their values (other columns are
    /// carried along untouched). For a batch of any other schema — Int64 ports, string
    /// addresses, another case — use a [`crate::FlowConformer`]
    /// ([`crate::ReaderBuilder::build_conformer`]).
    pub fn try_new(batch: RecordBatch) -> Result<Self, ArrowError> {
        for field in batch.schema().fields() {
            if let Some(known) = FlowField::from_name(field.name()) {
                let expected = known.kind().data_type();
                if field.data_type() != &expected {
                    return Err(ArrowError::SchemaError(format!(
                        "column `{}` is {}, the flow schema has {expected}",
                        field.name(),
                        field.data_type()
                    )));
                }
            }
        }
        check_closed::<Action>(&batch)?;
        check_closed::<LogStatus>(&batch)?;
        check_closed::<FlowDirection>(&batch)?;
        check_closed::<TrafficKind>(&batch)?;
        Ok(FlowRecordBatch { batch })
    }

    /// Number of rows.
    pub fn num_rows(&self) -> usize {
        self.batch.num_rows()
    }

    /// The schema.
    pub fn schema(&self) -> SchemaRef {
        self.batch.schema()
    }

    /// The Arrow batch.
    pub fn as_record_batch(&self) -> &RecordBatch {
        &self.batch
    }

    /// Unwraps the Arrow batch.
    pub fn into_record_batch(self) -> RecordBatch {
        self.batch
    }

    /// The column of a known field, if the batch has it.
    pub fn column(&self, field: FlowField) -> Option<&ArrayRef> {
        self.batch.column_by_name(field.column_name())
    }

    /// An address column (`srcaddr`, `dstaddr`, `pkt-srcaddr`, `pkt-dstaddr`).
    pub fn addresses(&self, field: FlowField) -> Option<AddressArray<'_>> {
        let array = self.column(field)?.as_fixed_size_binary_opt()?;
        (array.value_length() == 16).then(|| AddressArray::new(array))
    }

    /// A `UInt8` column (`version`, `protocol`, `tcp-flags`, `traffic-path`).
    pub fn uint8(&self, field: FlowField) -> Option<&PrimitiveArray<UInt8Type>> {
        self.column(field)?.as_primitive_opt()
    }

    /// A `UInt16` column (`srcport`, `dstport`).
    pub fn uint16(&self, field: FlowField) -> Option<&PrimitiveArray<UInt16Type>> {
        self.column(field)?.as_primitive_opt()
    }

    /// A `UInt64` column (`packets`, `bytes`).
    pub fn uint64(&self, field: FlowField) -> Option<&PrimitiveArray<UInt64Type>> {
        self.column(field)?.as_primitive_opt()
    }

    /// A timestamp column (`start`, `end`), seconds since the epoch, UTC.
    pub fn timestamps(&self, field: FlowField) -> Option<&PrimitiveArray<TimestampSecondType>> {
        self.column(field)?.as_primitive_opt()
    }

    /// A dictionary-encoded text column (ids, names, `action`, `log-status`, `flow-direction`).
    pub fn text(&self, field: FlowField) -> Option<&DictionaryArray<Int32Type>> {
        self.column(field)?.as_dictionary_opt()
    }

    /// A closed-enum column read as `T` (`batch.enums::<Action>()`); see the typed shortcuts
    /// [`Self::actions`], [`Self::log_statuses`], [`Self::flow_directions`],
    /// [`Self::traffic_kinds`].
    pub fn enums<T: FlowEnum>(&self) -> Option<EnumArray<'_, T>> {
        EnumArray::new(self.text(T::FIELD)?)
    }

    /// The `action` column, typed.
    pub fn actions(&self) -> Option<EnumArray<'_, Action>> {
        self.enums()
    }

    /// The `log-status` column, typed.
    pub fn log_statuses(&self) -> Option<EnumArray<'_, LogStatus>> {
        self.enums()
    }

    /// The `flow-direction` column, typed.
    pub fn flow_directions(&self) -> Option<EnumArray<'_, FlowDirection>> {
        self.enums()
    }

    /// The `type` column, typed.
    pub fn traffic_kinds(&self) -> Option<EnumArray<'_, TrafficKind>> {
        self.enums()
    }
}

/// The column of `T`'s field, if the batch has one, holds only `T`'s spellings.
fn check_closed<T: FlowEnum>(batch: &RecordBatch) -> Result<(), ArrowError> {
    let Some(column) = batch.column_by_name(T::FIELD.column_name()) else {
        return Ok(());
    };
    let Some(values) = column
        .as_dictionary_opt::<Int32Type>()
        .and_then(|d| d.values().as_string_opt::<i32>())
    else {
        return Ok(()); // the type check above reports it
    };
    match values.iter().flatten().find(|v| T::from_name(v).is_none()) {
        None => Ok(()),
        Some(value) => Err(ArrowError::SchemaError(format!(
            "column `{}` holds {value:?}, which is not one of {:?}",
            T::FIELD.column_name(),
            T::NAMES
        ))),
    }
}

impl From<FlowRecordBatch> for RecordBatch {
    fn from(batch: FlowRecordBatch) -> Self {
        batch.batch
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::net::IpAddr;

    #[test]
    fn address_forms_round_trip() {
        for text in ["10.0.0.1", "255.255.255.255", "2001:db8::1", "::1"] {
            let ip: IpAddr = text.parse().unwrap();
            assert_eq!(address_to_ip(ip_to_address(ip)), ip);
        }
    }

    #[test]
    fn try_new_checks_closed_values() {
        let values = arrow_array::StringArray::from(vec!["ACCEPT", "accept"]);
        let keys = arrow_array::Int32Array::from(vec![0, 1]);
        let action: ArrayRef = Arc::new(DictionaryArray::try_new(keys, Arc::new(values)).unwrap());
        let batch = RecordBatch::try_from_iter([("action", action)]).unwrap();
        let err = FlowRecordBatch::try_new(batch).unwrap_err().to_string();
        assert!(err.contains("\"accept\""), "{err}");
    }

    #[test]
    fn try_new_checks_known_column_types() {
        let schema = Arc::new(Schema::new(vec![arrow_schema::Field::new(
            "dstport",
            arrow_schema::DataType::Int64,
            true,
        )]));
        let array: ArrayRef = Arc::new(arrow_array::Int64Array::from(vec![1]));
        let batch = RecordBatch::try_new(schema, vec![array]).unwrap();
        assert!(FlowRecordBatch::try_new(batch).is_err());
    }
}
