//! The column conversions of the Arrow conformer: one column of someone else's table → one
//! column of the flow schema, with the range checks of the text parser. A cell that does not
//! fit its field marks its row refused ([`Refusals`]); the conformer drops and accounts those
//! rows. Which input types each field accepts is decided here ([`accepts`]) and documented on
//! [`crate::FlowConformer`].
//!
//! Text cells go through the line parser's own field parsers ([`crate::record`]), so `-`, a
//! number, an address or an enumerated value means the same in a string column as on a line.

use std::sync::Arc;

use arrow_array::cast::AsArray;
use arrow_array::types::{
    ArrowPrimitiveType, Int8Type, Int16Type, Int32Type, Int64Type, TimestampSecondType, UInt8Type,
    UInt16Type, UInt32Type, UInt64Type,
};
use arrow_array::{
    Array, ArrayRef, DictionaryArray, FixedSizeBinaryArray, Int32Array, PrimitiveArray,
    StringArray, new_null_array,
};
use arrow_buffer::{ArrowNativeType, BooleanBufferBuilder, Buffer, NullBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType, TimeUnit};

use crate::enums::{Action, FlowDirection, FlowEnum, LogStatus, TrafficKind};
use crate::field::{FieldKind, FieldName, FlowField, MAX_TIMESTAMP};
use crate::record::{address, decimal, whole_value};
use crate::stats::LineIssueKind;

/// The flow-schema dictionary type of text and enumerated columns.
fn dictionary_type() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// One refused row: the first cell of it that did not fit, by input column.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub(crate) row: usize,
    /// The input column (its index in the input batch).
    pub(crate) column: usize,
    pub(crate) kind: LineIssueKind,
}

/// The rows of one batch refused so far, and why (the first reason per row).
#[derive(Debug)]
pub(crate) struct Refusals {
    good: Vec<bool>,
    list: Vec<Refusal>,
    column: usize,
}

impl Refusals {
    pub(crate) fn new(rows: usize) -> Self {
        Refusals {
            good: vec![true; rows],
            list: Vec::new(),
            column: 0,
        }
    }

    /// The input column the next refusals are about.
    pub(crate) fn start_column(&mut self, column: usize) {
        self.column = column;
    }

    fn refuse(&mut self, row: usize, kind: LineIssueKind) {
        if let Some(good) = self.good.get_mut(row)
            && *good
        {
            *good = false;
            self.list.push(Refusal {
                row,
                column: self.column,
                kind,
            });
        }
    }

    /// Whether row `row` is kept.
    pub(crate) fn is_good(&self, row: usize) -> bool {
        self.good.get(row).copied().unwrap_or(false)
    }

    /// The kept-row mask.
    pub(crate) fn mask(&self) -> &[bool] {
        &self.good
    }

    /// The refusals in row order.
    pub(crate) fn into_sorted(mut self) -> Vec<Refusal> {
        self.list.sort_unstable_by_key(|r| r.row);
        self.list
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// Whether a column of `data_type` can hold the field `name` (checked once per input schema).
pub(crate) fn accepts(name: &FieldName, data_type: &DataType) -> bool {
    use DataType::*;
    let value_type = match data_type {
        Dictionary(_, value) => value.as_ref(),
        other => other,
    };
    if matches!(value_type, Null) {
        return true;
    }
    let integer = value_type.is_integer();
    let string = matches!(value_type, Utf8 | LargeUtf8 | Utf8View);
    let binary = matches!(value_type, Binary | LargeBinary | BinaryView);
    match name.kind() {
        FieldKind::UInt8 | FieldKind::UInt16 | FieldKind::UInt64 => {
            integer || string || value_type.is_floating()
        }
        FieldKind::Timestamp => {
            integer || string || value_type.is_floating() || matches!(value_type, Timestamp(..))
        }
        FieldKind::Address => {
            string || binary || matches!(value_type, FixedSizeBinary(4) | FixedSizeBinary(16))
        }
        FieldKind::Action
        | FieldKind::LogStatus
        | FieldKind::FlowDirection
        | FieldKind::TrafficKind => string,
        FieldKind::Text if name.known().is_some() => string || binary || integer,
        // A column flowsieve does not know is carried as text, whatever can be printed.
        FieldKind::Text => {
            string || binary || arrow_cast::can_cast_types(value_type, &DataType::Utf8)
        }
    }
}

/// What the field `name` accepts, for the error when [`accepts`] says no.
pub(crate) fn expected_types(name: &FieldName) -> &'static str {
    match name.kind() {
        FieldKind::UInt8 | FieldKind::UInt16 | FieldKind::UInt64 => {
            "an integer, float or decimal-string column"
        }
        FieldKind::Timestamp => "a timestamp, integer (epoch seconds) or decimal-string column",
        FieldKind::Address => "a string, 16-byte or 4-byte binary column",
        FieldKind::Text => "a string, binary or integer column",
        FieldKind::Action
        | FieldKind::LogStatus
        | FieldKind::FlowDirection
        | FieldKind::TrafficKind => "a string column",
    }
}

/// Converts `column` to the flow type of `name`, refusing the rows whose cell does not fit.
/// The caller has checked the type with [`accepts`]. `cache` is this input column's: what was
/// worked out for the values of a dictionary, kept while the next batches share it.
pub(crate) fn convert(
    name: &FieldName,
    column: &ArrayRef,
    refusals: &mut Refusals,
    cache: &mut ColumnCache,
) -> Result<ArrayRef, ArrowError> {
    let target = name.kind().data_type();
    if column.data_type() == &DataType::Null {
        return Ok(new_null_array(&target, column.len()));
    }
    match name.kind() {
        FieldKind::UInt8 => unsigned::<UInt8Type>(column, refusals),
        FieldKind::UInt16 => unsigned::<UInt16Type>(column, refusals),
        FieldKind::UInt64 => unsigned::<UInt64Type>(column, refusals),
        FieldKind::Timestamp => timestamps(column, refusals),
        FieldKind::Address => match column.as_dictionary_opt::<Int32Type>() {
            Some(dictionary) if Cells::of(dictionary.values()).is_some() => {
                dictionary_addresses(dictionary, refusals, cache)
            }
            _ => addresses(column, refusals),
        },
        FieldKind::Text => text(name.known(), column, refusals),
        FieldKind::Action => closed::<Action>(column, refusals),
        FieldKind::LogStatus => closed::<LogStatus>(column, refusals),
        FieldKind::FlowDirection => closed::<FlowDirection>(column, refusals),
        FieldKind::TrafficKind => closed::<TrafficKind>(column, refusals),
    }
}

/// A dictionary-encoded column of a non-dictionary field, decoded to its values.
fn decoded(column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    match column.data_type() {
        DataType::Dictionary(_, value) => arrow_cast::cast(column, value),
        _ => Ok(column.clone()),
    }
}

/// The cells of a string or binary column, as bytes.
enum Cells<'a> {
    Utf8(&'a arrow_array::StringArray),
    LargeUtf8(&'a arrow_array::LargeStringArray),
    Utf8View(&'a arrow_array::StringViewArray),
    Binary(&'a arrow_array::BinaryArray),
    LargeBinary(&'a arrow_array::LargeBinaryArray),
    BinaryView(&'a arrow_array::BinaryViewArray),
    FixedSizeBinary(&'a FixedSizeBinaryArray),
}

impl<'a> Cells<'a> {
    fn of(column: &'a ArrayRef) -> Option<Self> {
        Some(match column.data_type() {
            DataType::Utf8 => Cells::Utf8(column.as_string()),
            DataType::LargeUtf8 => Cells::LargeUtf8(column.as_string()),
            DataType::Utf8View => Cells::Utf8View(column.as_string_view()),
            DataType::Binary => Cells::Binary(column.as_binary()),
            DataType::LargeBinary => Cells::LargeBinary(column.as_binary()),
            DataType::BinaryView => Cells::BinaryView(column.as_binary_view()),
            DataType::FixedSizeBinary(_) => Cells::FixedSizeBinary(column.as_fixed_size_binary()),
            _ => return None,
        })
    }

    /// The bytes of row `row`; `None` when null.
    fn get(&self, row: usize) -> Option<&'a [u8]> {
        let (valid, bytes): (bool, &'a [u8]) = match self {
            Cells::Utf8(a) => (a.is_valid(row), a.value(row).as_bytes()),
            Cells::LargeUtf8(a) => (a.is_valid(row), a.value(row).as_bytes()),
            Cells::Utf8View(a) => (a.is_valid(row), a.value(row).as_bytes()),
            Cells::Binary(a) => (a.is_valid(row), a.value(row)),
            Cells::LargeBinary(a) => (a.is_valid(row), a.value(row)),
            Cells::BinaryView(a) => (a.is_valid(row), a.value(row)),
            Cells::FixedSizeBinary(a) => (a.is_valid(row), a.value(row)),
        };
        valid.then_some(bytes)
    }

    /// Whether the cells are text (as opposed to bytes).
    fn is_text(&self) -> bool {
        matches!(
            self,
            Cells::Utf8(_) | Cells::LargeUtf8(_) | Cells::Utf8View(_)
        )
    }
}

/// The text cell of row `row`: `None` for null and for `-` (null in every flow-log field).
fn text_cell<'a>(cells: &Cells<'a>, row: usize) -> Option<&'a [u8]> {
    cells.get(row).filter(|bytes| *bytes != b"-")
}

/// A primitive array of `len` rows from a function of the row (`None`: null).
fn map_rows<T: ArrowPrimitiveType>(
    len: usize,
    mut value: impl FnMut(usize) -> Option<T::Native>,
) -> PrimitiveArray<T> {
    let mut values = Vec::with_capacity(len);
    let mut valid = BooleanBufferBuilder::new(len);
    for row in 0..len {
        let cell = value(row);
        valid.append(cell.is_some());
        values.push(cell.unwrap_or_default());
    }
    PrimitiveArray::new(ScalarBuffer::from(values), nulls(valid))
}

/// A validity bitmap, or none when every row is valid.
fn nulls(mut valid: BooleanBufferBuilder) -> Option<NullBuffer> {
    Some(NullBuffer::new(valid.finish())).filter(|n| n.null_count() > 0)
}

/// Integers of any width, floats holding whole numbers, and decimal strings, converted to
/// `O` by `fit` (`None`: out of range).
fn integral<O: ArrowPrimitiveType>(
    column: &ArrayRef,
    refusals: &mut Refusals,
    fit: impl Fn(i128) -> Option<O::Native>,
) -> Result<PrimitiveArray<O>, ArrowError> {
    let column = decoded(column)?;
    let len = column.len();
    macro_rules! from_integers {
        ($t:ty) => {{
            let array = column.as_primitive::<$t>();
            map_rows::<O>(len, |row| {
                if array.is_null(row) {
                    return None;
                }
                let fitted = fit(i128::from(array.value(row)));
                if fitted.is_none() {
                    refusals.refuse(row, LineIssueKind::NumberOutOfRange);
                }
                fitted
            })
        }};
    }
    macro_rules! from_floats {
        ($t:ty) => {{
            let array = column.as_primitive::<$t>();
            map_rows::<O>(len, |row| {
                if array.is_null(row) {
                    return None;
                }
                let value = f64::from(array.value(row));
                if !value.is_finite() || value.fract() != 0.0 {
                    refusals.refuse(row, LineIssueKind::InvalidNumber);
                    return None;
                }
                // `as` saturates: a whole float beyond i128 stays out of every range.
                let fitted = fit(value as i128);
                if fitted.is_none() {
                    refusals.refuse(row, LineIssueKind::NumberOutOfRange);
                }
                fitted
            })
        }};
    }
    Ok(match column.data_type() {
        DataType::Int8 => from_integers!(Int8Type),
        DataType::Int16 => from_integers!(Int16Type),
        DataType::Int32 => from_integers!(Int32Type),
        DataType::Int64 => from_integers!(Int64Type),
        DataType::UInt8 => from_integers!(UInt8Type),
        DataType::UInt16 => from_integers!(UInt16Type),
        DataType::UInt32 => from_integers!(UInt32Type),
        DataType::UInt64 => from_integers!(UInt64Type),
        DataType::Float16 => {
            let column = arrow_cast::cast(&column, &DataType::Float32)?;
            return integral(&column, refusals, fit);
        }
        DataType::Float32 => from_floats!(arrow_array::types::Float32Type),
        DataType::Float64 => from_floats!(arrow_array::types::Float64Type),
        _ => {
            let Some(cells) = Cells::of(&column).filter(Cells::is_text) else {
                return Err(unsupported(&column));
            };
            map_rows::<O>(len, |row| {
                let cell = text_cell(&cells, row)?;
                let parsed = whole_value(decimal, cell, LineIssueKind::InvalidNumber)
                    .and_then(|v| fit(i128::from(v)).ok_or(LineIssueKind::NumberOutOfRange));
                parsed.map_err(|kind| refusals.refuse(row, kind)).ok()
            })
        }
    })
}

fn unsupported(column: &ArrayRef) -> ArrowError {
    ArrowError::CastError(format!(
        "a {} column cannot be read here",
        column.data_type()
    ))
}

/// Ports, protocol, flags, counters: `0..=O::MAX`.
fn unsigned<O: ArrowPrimitiveType>(
    column: &ArrayRef,
    refusals: &mut Refusals,
) -> Result<ArrayRef, ArrowError>
where
    O::Native: TryFrom<i128>,
{
    if column.data_type() == &O::DATA_TYPE {
        return Ok(column.clone());
    }
    let max = O::Native::usize_as(usize::MAX).to_i64().unwrap_or(i64::MAX);
    if let Some(array) = fitted::<O>(column, max) {
        return Ok(Arc::new(array));
    }
    let array = integral::<O>(column, refusals, |v| O::Native::try_from(v).ok())?;
    Ok(Arc::new(array))
}

/// The fast path of AWS's Parquet types: an `Int32` or `Int64` column whose every slot lies in
/// `0..=max` (`max` at most `i64::MAX`), converted to `O` in one pass without a branch per row,
/// its nulls kept. `None` (take the checked path) for other types, or when a slot — a null one
/// included, whose value is unspecified — lies outside.
fn fitted<O: ArrowPrimitiveType>(column: &ArrayRef, max: i64) -> Option<PrimitiveArray<O>> {
    macro_rules! fit {
        ($t:ty) => {{
            let array = column.as_primitive::<$t>();
            let values = array.values();
            // `fold` rather than `all`: no early exit, so the check vectorises.
            let inside = values.iter().fold(true, |inside, &v| {
                inside & (0..=max).contains(&i64::from(v))
            });
            if !inside {
                return None;
            }
            let converted: Vec<O::Native> = values
                .iter()
                .map(|&v| O::Native::usize_as(v as usize))
                .collect();
            Some(PrimitiveArray::<O>::new(
                ScalarBuffer::from(converted),
                array.nulls().cloned(),
            ))
        }};
    }
    match column.data_type() {
        DataType::Int32 => fit!(Int32Type),
        DataType::Int64 => fit!(Int64Type),
        _ => None,
    }
}

/// `start` / `end`: typed timestamps in any unit (floored to the second) or epoch seconds,
/// `0..=MAX_TIMESTAMP`.
fn timestamps(column: &ArrayRef, refusals: &mut Refusals) -> Result<ArrayRef, ArrowError> {
    let in_range = |seconds: i128| {
        (0..=i128::from(MAX_TIMESTAMP))
            .contains(&seconds)
            .then_some(seconds as i64)
    };
    if let Some(seconds) = fitted::<TimestampSecondType>(column, MAX_TIMESTAMP) {
        return Ok(Arc::new(seconds.with_timezone("+00:00")));
    }
    let column = decoded(column)?;
    let seconds: PrimitiveArray<TimestampSecondType> = match column.data_type() {
        DataType::Timestamp(unit, _) => {
            let per_second: i128 = match unit {
                TimeUnit::Second => 1,
                TimeUnit::Millisecond => 1_000,
                TimeUnit::Microsecond => 1_000_000,
                TimeUnit::Nanosecond => 1_000_000_000,
            };
            let raw = arrow_cast::cast(&column, &DataType::Int64)?;
            integral::<TimestampSecondType>(&raw, refusals, |v| in_range(v.div_euclid(per_second)))?
        }
        _ => integral::<TimestampSecondType>(&column, refusals, in_range)?,
    };
    Ok(Arc::new(seconds.with_timezone("+00:00")))
}

/// Addresses: text (`10.0.0.1`, `2001:db8::1`, `-`), 16 bytes big-endian, or 4 bytes (IPv4).
fn addresses(column: &ArrayRef, refusals: &mut Refusals) -> Result<ArrayRef, ArrowError> {
    if column.data_type() == &DataType::FixedSizeBinary(16) {
        return Ok(column.clone());
    }
    let column = decoded(column)?;
    let Some(cells) = Cells::of(&column) else {
        return Err(unsupported(&column));
    };
    let len = column.len();
    let mut bytes = Vec::with_capacity(len * 16);
    let mut valid = BooleanBufferBuilder::new(len);
    for row in 0..len {
        let value = if cells.is_text() {
            text_cell(&cells, row).and_then(|cell| {
                whole_value(address, cell, LineIssueKind::InvalidAddress)
                    .map_err(|kind| refusals.refuse(row, kind))
                    .ok()
            })
        } else {
            cells.get(row).and_then(|cell| {
                let value = binary_address(cell);
                if value.is_none() {
                    refusals.refuse(row, LineIssueKind::InvalidAddress);
                }
                value
            })
        };
        valid.append(value.is_some());
        bytes.extend_from_slice(&value.unwrap_or(0).to_be_bytes());
    }
    Ok(Arc::new(FixedSizeBinaryArray::try_new(
        16,
        Buffer::from_vec(bytes),
        nulls(valid),
    )?))
}

/// What a column's conversion keeps from one batch to the next: for a dictionary-encoded
/// address column, each dictionary value's address, parsed when a row first refers to it, for
/// as long as batches share the dictionary (a Parquet reader hands every batch of a column
/// chunk the same dictionary). So an address is parsed once per distinct value of a column
/// chunk, not once per row.
#[derive(Debug, Default)]
pub(crate) struct ColumnCache {
    /// The dictionary values the table is for (held, so that comparing pointers is sound).
    values: Option<ArrayRef>,
    /// Per dictionary value: its address as the 16 big-endian bytes of the flow schema (an
    /// `i128` in memory order), or 0.
    addresses: Vec<i128>,
    /// Per dictionary value: [`UNPARSED`], [`ADDRESS`], [`NULL`] or [`REFUSED`].
    states: Vec<u8>,
    /// Why each refused value was refused.
    refused: Vec<(usize, LineIssueKind)>,
}

const UNPARSED: u8 = 0;
const ADDRESS: u8 = 1;
const NULL: u8 = 2;
const REFUSED: u8 = 3;

impl ColumnCache {
    /// Readies the table for `values`, emptied when they are not the dictionary of the previous
    /// batch.
    fn use_dictionary(&mut self, values: &ArrayRef) {
        let same = self
            .values
            .as_ref()
            .is_some_and(|held| std::ptr::addr_eq(Arc::as_ptr(held), Arc::as_ptr(values)));
        if !same {
            self.values = Some(values.clone());
            self.addresses.clear();
            self.addresses.resize(values.len(), 0);
            self.states.clear();
            self.states.resize(values.len(), UNPARSED);
            self.refused.clear();
        }
    }

    /// Parses dictionary value `index` (once).
    #[cold]
    fn parse(&mut self, cells: &Cells<'_>, index: usize) {
        let (state, address) = match address_slot(cells, index) {
            AddressSlot::Address(value) => (ADDRESS, i128::from_ne_bytes(value.to_be_bytes())),
            AddressSlot::Null => (NULL, 0),
            AddressSlot::Refused(kind) => {
                self.refused.push((index, kind));
                (REFUSED, 0)
            }
        };
        self.states[index] = state;
        self.addresses[index] = address;
    }

    fn refusal(&self, index: usize) -> LineIssueKind {
        self.refused
            .iter()
            .find(|(i, _)| *i == index)
            .map_or(LineIssueKind::InvalidAddress, |(_, kind)| *kind)
    }
}

/// One cell's address.
enum AddressSlot {
    Null,
    Address(u128),
    Refused(LineIssueKind),
}

/// Addresses of a dictionary-encoded column: each value parsed once (when a row first refers
/// to it, and kept in `cache` while later batches share the dictionary), each row its value's
/// address. The same accepts and refusals as [`addresses`] on the decoded column.
fn dictionary_addresses(
    dictionary: &DictionaryArray<Int32Type>,
    refusals: &mut Refusals,
    cache: &mut ColumnCache,
) -> Result<ArrayRef, ArrowError> {
    let values = dictionary.values();
    let Some(cells) = Cells::of(values) else {
        return Err(unsupported(values));
    };
    cache.use_dictionary(values);
    let keys = dictionary.keys();
    // First the values this batch refers to that are not parsed yet (a null row's key is
    // unspecified: any index, or none), then one branch-free gather.
    for &key in keys.values() {
        let index = usize::try_from(key).unwrap_or(usize::MAX);
        if cache.states.get(index) == Some(&UNPARSED) {
            cache.parse(&cells, index);
        }
    }
    let (addresses, states) = (&cache.addresses, &cache.states);
    let out: Vec<i128> = keys
        .values()
        .iter()
        .map(|&key| addresses.get(key as usize).copied().unwrap_or(0))
        .collect();
    // Whether some row is null or refused (rare: NODATA and SKIPDATA rows, bad values).
    let invalid = keys.null_count() > 0
        || keys.values().iter().fold(false, |invalid, &key| {
            invalid | (states.get(key as usize) != Some(&ADDRESS))
        });
    let nulls = if invalid {
        let mut valid = BooleanBufferBuilder::new(keys.len());
        for (row, &key) in keys.values().iter().enumerate() {
            let index = usize::try_from(key).unwrap_or(usize::MAX);
            let state = match cache.states.get(index) {
                _ if keys.is_null(row) => NULL,
                Some(&state) => state,
                // A key beyond the dictionary (the Parquet reader refuses those first).
                None => {
                    refusals.refuse(row, LineIssueKind::InvalidAddress);
                    NULL
                }
            };
            if state == REFUSED {
                refusals.refuse(row, cache.refusal(index));
            }
            valid.append(state == ADDRESS);
        }
        nulls(valid)
    } else {
        None
    };
    Ok(Arc::new(FixedSizeBinaryArray::try_new(
        16,
        ScalarBuffer::from(out).into_inner(),
        nulls,
    )?))
}

/// The address of one cell, as [`addresses`] reads it.
fn address_slot(cells: &Cells<'_>, index: usize) -> AddressSlot {
    if cells.is_text() {
        return match text_cell(cells, index) {
            None => AddressSlot::Null,
            Some(cell) => match whole_value(address, cell, LineIssueKind::InvalidAddress) {
                Ok(value) => AddressSlot::Address(value),
                Err(kind) => AddressSlot::Refused(kind),
            },
        };
    }
    match cells.get(index) {
        None => AddressSlot::Null,
        Some(cell) => binary_address(cell).map_or(
            AddressSlot::Refused(LineIssueKind::InvalidAddress),
            AddressSlot::Address,
        ),
    }
}

/// A 16-byte (big-endian) or 4-byte (IPv4) binary address.
fn binary_address(cell: &[u8]) -> Option<u128> {
    match cell.len() {
        16 => cell.try_into().ok().map(u128::from_be_bytes),
        4 => cell
            .try_into()
            .ok()
            .map(|v4: [u8; 4]| crate::batch::ip_to_address(std::net::Ipv4Addr::from(v4).into())),
        _ => None,
    }
}

/// Any column as `Dictionary(Int32, Utf8)`, `-` as null.
fn text(
    field: Option<FlowField>,
    column: &ArrayRef,
    refusals: &mut Refusals,
) -> Result<ArrayRef, ArrowError> {
    let dictionary = dictionary(field, column, refusals)?;
    Ok(Arc::new(without_dashes(&dictionary)))
}

/// Any column as `Dictionary(Int32, Utf8)`, values as they are.
fn dictionary(
    field: Option<FlowField>,
    column: &ArrayRef,
    refusals: &mut Refusals,
) -> Result<DictionaryArray<Int32Type>, ArrowError> {
    let as_dictionary = match column.data_type() {
        DataType::Dictionary(_, value) if matches!(**value, DataType::Utf8) => {
            arrow_cast::cast(column, &dictionary_type())?
        }
        DataType::Utf8 => arrow_cast::cast(column, &dictionary_type())?,
        _ => arrow_cast::cast(&strings(field, column, refusals)?, &dictionary_type())?,
    };
    Ok(as_dictionary.as_dictionary::<Int32Type>().clone())
}

/// Any column as a `Utf8` array: text as is, bytes checked for UTF-8, integers in decimal
/// (an `account-id` with its 12 digits: AWS account ids keep their leading zeros), anything
/// else as Arrow prints it.
fn strings(
    field: Option<FlowField>,
    column: &ArrayRef,
    refusals: &mut Refusals,
) -> Result<ArrayRef, ArrowError> {
    let column = decoded(column)?;
    if column.data_type().is_integer() {
        let digits = arrow_cast::cast(&column, &DataType::Utf8)?;
        if field != Some(FlowField::AccountId) {
            return Ok(digits);
        }
        let digits = digits.as_string::<i32>();
        let padded: StringArray = digits
            .iter()
            .map(|d| {
                d.map(|d| match d.strip_prefix('-') {
                    Some(_) => d.to_owned(),
                    None => format!("{d:0>12}"),
                })
            })
            .collect();
        return Ok(Arc::new(padded));
    }
    let Some(cells) = Cells::of(&column) else {
        return arrow_cast::cast(&column, &DataType::Utf8);
    };
    let text: StringArray = (0..column.len())
        .map(|row| {
            let cell = cells.get(row)?;
            std::str::from_utf8(cell)
                .map_err(|_| refusals.refuse(row, LineIssueKind::InvalidUtf8))
                .ok()
        })
        .collect();
    Ok(Arc::new(text))
}

/// The same dictionary with every key whose value is `-` made null.
fn without_dashes(array: &DictionaryArray<Int32Type>) -> DictionaryArray<Int32Type> {
    let values = array.values().as_string::<i32>();
    let dashes: Vec<bool> = values
        .iter()
        .map(|v| v == Some("-") || v.is_none())
        .collect();
    if !dashes.iter().any(|d| *d) {
        return array.clone();
    }
    let keys: Int32Array = array
        .keys()
        .iter()
        .map(|key| key.filter(|&k| !dashes.get(k as usize).copied().unwrap_or(true)))
        .collect();
    DictionaryArray::new(keys, array.values().clone())
}

/// A closed-enum field: the column's strings mapped to `T` (unknown spellings refused), laid
/// out as the text reader lays it out (dictionary [`FlowEnum::NAMES`], key [`FlowEnum::key`]).
/// `-` is null, as on a line — except in `log-status`, where the text reader refuses it too
/// (a status is never missing from a record that has the field; a null cell is one without it).
fn closed<T: FlowEnum>(column: &ArrayRef, refusals: &mut Refusals) -> Result<ArrayRef, ArrowError> {
    let names: ArrayRef = Arc::new(StringArray::from(T::NAMES.to_vec()));
    let dictionary = dictionary(Some(T::FIELD), column, refusals)?;
    let values = dictionary.values().as_string::<i32>();
    if values.len() == T::NAMES.len() && values.iter().eq(T::NAMES.iter().map(|n| Some(*n))) {
        return Ok(Arc::new(DictionaryArray::new(
            dictionary.keys().clone(),
            names,
        )));
    }
    let dash_is_null = T::FIELD != FlowField::LogStatus;
    // Per dictionary value: its key, null, or refused.
    let table: Vec<Result<Option<i32>, ()>> = values
        .iter()
        .map(|v| match v {
            None => Ok(None),
            Some("-") if dash_is_null => Ok(None),
            Some(v) => T::from_name(v).map(|t| Some(t.key())).ok_or(()),
        })
        .collect();
    // Every value a spelling (AWS's dictionaries, in the order values first appeared): the keys
    // renumbered in one pass, the nulls kept.
    let renumbered: Option<Vec<i32>> = table.iter().map(|t| t.ok().flatten()).collect();
    if let Some(renumbered) = renumbered {
        let keys = dictionary.keys();
        let remapped: Vec<i32> = keys
            .values()
            .iter()
            .map(|&key| renumbered.get(key as usize).copied().unwrap_or(0))
            .collect();
        let keys = Int32Array::new(ScalarBuffer::from(remapped), keys.nulls().cloned());
        return Ok(Arc::new(DictionaryArray::try_new(keys, names)?));
    }
    let keys: Int32Array = dictionary
        .keys()
        .iter()
        .enumerate()
        .map(|(row, key)| {
            let key = usize::try_from(key?).ok()?;
            match table.get(key).copied().unwrap_or(Err(())) {
                Ok(key) => key,
                Err(()) => {
                    refusals.refuse(row, LineIssueKind::InvalidValue);
                    None
                }
            }
        })
        .collect();
    Ok(Arc::new(DictionaryArray::new(keys, names)))
}
