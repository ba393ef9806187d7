//! Column builders: typed, reusable, truncatable buffers that the hot loop appends to and that
//! turn into Arrow arrays without copying at the end of a batch.
//!
//! Why not arrow's own builders: a malformed line is only discovered in the middle of a row, and
//! the fields before the bad one have already been appended. These builders can be truncated back
//! to the last good row in O(columns); the dictionary builder also interns values with a
//! last-value cache (account ids repeat on nearly every line) and validates UTF-8 only when a
//! value is first seen.

use std::sync::Arc;

use arrow_array::types::{Int32Type, TimestampSecondType, UInt8Type, UInt16Type, UInt64Type};
use arrow_array::{
    ArrayRef, DictionaryArray, FixedSizeBinaryArray, Int32Array, PrimitiveArray, StringArray,
    new_null_array,
};
use arrow_buffer::{ArrowNativeType, Buffer, NullBufferBuilder, OffsetBuffer, ScalarBuffer};
use arrow_schema::{ArrowError, DataType};
use foldhash::fast::FixedState;
use hashbrown::HashTable;

use std::hash::BuildHasher;

/// A primitive column: values plus a lazily materialised validity bitmap.
#[derive(Debug)]
pub(crate) struct PrimColumn<T> {
    values: Vec<T>,
    nulls: NullBufferBuilder,
}

impl<T: ArrowNativeType + Default> PrimColumn<T> {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        PrimColumn {
            values: Vec::with_capacity(rows),
            nulls: NullBufferBuilder::new(rows),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, value: T) {
        self.values.push(value);
        self.nulls.append_non_null();
    }

    #[inline(always)]
    pub(crate) fn push_null(&mut self) {
        self.values.push(T::default());
        self.nulls.append_null();
    }

    pub(crate) fn truncate(&mut self, rows: usize) {
        self.values.truncate(rows);
        self.nulls.truncate(rows);
    }

    fn take(&mut self, rows: usize) -> (ScalarBuffer<T>, Option<arrow_buffer::NullBuffer>) {
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(rows));
        let nulls = self.nulls.finish();
        (ScalarBuffer::from(values), nulls)
    }

    pub(crate) fn finish<P>(&mut self, rows: usize) -> Result<PrimitiveArray<P>, ArrowError>
    where
        P: arrow_array::ArrowPrimitiveType<Native = T>,
    {
        let (values, nulls) = self.take(rows);
        PrimitiveArray::<P>::try_new(values, nulls)
    }
}

/// Addresses as 16 big-endian bytes each (IPv4 as IPv4-mapped IPv6).
#[derive(Debug)]
pub(crate) struct AddressColumn {
    bytes: Vec<u8>,
    nulls: NullBufferBuilder,
}

impl AddressColumn {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        AddressColumn {
            bytes: Vec::with_capacity(rows * 16),
            nulls: NullBufferBuilder::new(rows),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, address: u128) {
        self.bytes.extend_from_slice(&address.to_be_bytes());
        self.nulls.append_non_null();
    }

    #[inline(always)]
    pub(crate) fn push_null(&mut self) {
        self.bytes.extend_from_slice(&[0; 16]);
        self.nulls.append_null();
    }

    pub(crate) fn truncate(&mut self, rows: usize) {
        self.bytes.truncate(rows * 16);
        self.nulls.truncate(rows);
    }

    pub(crate) fn finish(&mut self, rows: usize) -> Result<FixedSizeBinaryArray, ArrowError> {
        let bytes = std::mem::replace(&mut self.bytes, Vec::with_capacity(rows * 16));
        FixedSizeBinaryArray::try_new(16, Buffer::from_vec(bytes), self.nulls.finish())
    }
}

/// A dictionary-encoded text column with per-batch interning.
#[derive(Debug)]
pub(crate) struct DictColumn {
    keys: PrimColumn<i32>,
    data: Vec<u8>,
    offsets: Vec<i32>,
    table: HashTable<i32>,
    hasher: FixedState,
    last: Option<i32>,
}

/// The value was not valid UTF-8.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InvalidUtf8;

impl DictColumn {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        DictColumn {
            keys: PrimColumn::with_capacity(rows),
            data: Vec::new(),
            offsets: vec![0],
            table: HashTable::new(),
            hasher: FixedState::with_seed(0x5eed_f10e),
            last: None,
        }
    }

    #[inline(always)]
    fn value<'a>(data: &'a [u8], offsets: &[i32], key: i32) -> &'a [u8] {
        let k = key as usize;
        &data[offsets[k] as usize..offsets[k + 1] as usize]
    }

    /// Appends a value, interning it. Only a value seen for the first time in this batch is
    /// checked for UTF-8: an already interned value is byte-equal to a valid one.
    #[inline]
    pub(crate) fn push(&mut self, value: &[u8]) -> Result<(), InvalidUtf8> {
        if let Some(last) = self.last
            && Self::value(&self.data, &self.offsets, last) == value
        {
            self.keys.push(last);
            return Ok(());
        }
        let hash = self.hasher.hash_one(value);
        let (data, offsets) = (&self.data, &self.offsets);
        let key = match self
            .table
            .find(hash, |&k| Self::value(data, offsets, k) == value)
        {
            Some(&key) => key,
            None => {
                if std::str::from_utf8(value).is_err() {
                    return Err(InvalidUtf8);
                }
                let key = (self.offsets.len() - 1) as i32;
                self.data.extend_from_slice(value);
                self.offsets.push(self.data.len() as i32);
                let (data, offsets, hasher) = (&self.data, &self.offsets, &self.hasher);
                self.table.insert_unique(hash, key, |&k| {
                    hasher.hash_one(Self::value(data, offsets, k))
                });
                key
            }
        };
        self.last = Some(key);
        self.keys.push(key);
        Ok(())
    }

    #[inline(always)]
    pub(crate) fn push_null(&mut self) {
        self.keys.push_null();
    }

    pub(crate) fn truncate(&mut self, rows: usize) {
        self.keys.truncate(rows);
    }

    pub(crate) fn finish(&mut self, rows: usize) -> Result<DictionaryArray<Int32Type>, ArrowError> {
        let keys: Int32Array = self.keys.finish(rows)?;
        let data = std::mem::take(&mut self.data);
        let offsets = std::mem::replace(&mut self.offsets, vec![0]);
        self.table.clear();
        self.last = None;
        // Every value was checked with `from_utf8` when interned and offsets grow
        // monotonically, so these checked constructors do not fail.
        let values = StringArray::try_new(
            OffsetBuffer::new(ScalarBuffer::from(offsets)),
            Buffer::from_vec(data),
            None,
        )?;
        DictionaryArray::try_new(keys, Arc::new(values))
    }
}

/// An enumerated column (action, log-status, flow-direction): keys into a fixed value list.
#[derive(Debug)]
pub(crate) struct EnumColumn {
    keys: PrimColumn<i32>,
    values: &'static [&'static str],
}

impl EnumColumn {
    pub(crate) fn with_capacity(rows: usize, values: &'static [&'static str]) -> Self {
        EnumColumn {
            keys: PrimColumn::with_capacity(rows),
            values,
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, key: i32) {
        self.keys.push(key);
    }

    #[inline(always)]
    pub(crate) fn push_null(&mut self) {
        self.keys.push_null();
    }

    pub(crate) fn truncate(&mut self, rows: usize) {
        self.keys.truncate(rows);
    }

    pub(crate) fn finish(&mut self, rows: usize) -> Result<DictionaryArray<Int32Type>, ArrowError> {
        let keys: Int32Array = self.keys.finish(rows)?;
        let values = StringArray::from_iter_values(self.values.iter());
        DictionaryArray::try_new(keys, Arc::new(values))
    }
}

/// The values of the enumerated fields, in key order.
pub(crate) const ACTION_VALUES: &[&str] = &["ACCEPT", "REJECT"];
pub(crate) const LOG_STATUS_VALUES: &[&str] = &["OK", "NODATA", "SKIPDATA"];
pub(crate) const FLOW_DIRECTION_VALUES: &[&str] = &["ingress", "egress"];

/// Where an output column's values live.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Storage {
    UInt8(usize),
    UInt16(usize),
    UInt64(usize),
    Timestamp(usize),
    Address(usize),
    Text(usize),
    Enum(usize, &'static [&'static str]),
    /// Requested but absent from the format: all nulls.
    Missing,
}

/// All typed columns of one batch under construction.
#[derive(Debug, Default)]
pub(crate) struct Columns {
    pub(crate) u8s: Vec<PrimColumn<u8>>,
    pub(crate) u16s: Vec<PrimColumn<u16>>,
    pub(crate) u64s: Vec<PrimColumn<u64>>,
    pub(crate) timestamps: Vec<PrimColumn<i64>>,
    pub(crate) addresses: Vec<AddressColumn>,
    pub(crate) texts: Vec<DictColumn>,
    pub(crate) enums: Vec<EnumColumn>,
}

impl Columns {
    /// Drops the partial row of a malformed line: every column back to `rows` entries.
    pub(crate) fn truncate(&mut self, rows: usize) {
        self.u8s.iter_mut().for_each(|c| c.truncate(rows));
        self.u16s.iter_mut().for_each(|c| c.truncate(rows));
        self.u64s.iter_mut().for_each(|c| c.truncate(rows));
        self.timestamps.iter_mut().for_each(|c| c.truncate(rows));
        self.addresses.iter_mut().for_each(|c| c.truncate(rows));
        self.texts.iter_mut().for_each(|c| c.truncate(rows));
        self.enums.iter_mut().for_each(|c| c.truncate(rows));
    }

    /// Turns one column's buffers into an Arrow array of `rows` rows.
    pub(crate) fn finish_column(
        &mut self,
        storage: Storage,
        data_type: &DataType,
        rows: usize,
    ) -> Result<ArrayRef, ArrowError> {
        Ok(match storage {
            Storage::UInt8(i) => Arc::new(self.u8s[i].finish::<UInt8Type>(rows)?),
            Storage::UInt16(i) => Arc::new(self.u16s[i].finish::<UInt16Type>(rows)?),
            Storage::UInt64(i) => Arc::new(self.u64s[i].finish::<UInt64Type>(rows)?),
            Storage::Timestamp(i) => Arc::new(
                self.timestamps[i]
                    .finish::<TimestampSecondType>(rows)?
                    .with_timezone("+00:00"),
            ),
            Storage::Address(i) => Arc::new(self.addresses[i].finish(rows)?),
            Storage::Text(i) => Arc::new(self.texts[i].finish(rows)?),
            Storage::Enum(i, _) => Arc::new(self.enums[i].finish(rows)?),
            Storage::Missing => new_null_array(data_type, rows),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow_array::Array;
    use arrow_array::cast::AsArray;

    #[test]
    fn dictionary_interns_and_truncates() {
        let mut col = DictColumn::with_capacity(4);
        col.push(b"eni-a").unwrap();
        col.push(b"eni-b").unwrap();
        col.push(b"eni-a").unwrap();
        col.push_null();
        col.truncate(3);
        assert!(col.push(&[0xff, 0xfe]).is_err());
        let array = col.finish(3).unwrap();
        assert_eq!(array.len(), 3);
        assert_eq!(array.values().len(), 2);
        let values = array.values().as_string::<i32>();
        let decoded: Vec<&str> = array
            .keys()
            .iter()
            .map(|k| values.value(k.unwrap() as usize))
            .collect();
        assert_eq!(decoded, ["eni-a", "eni-b", "eni-a"]);
        // The builder is reusable after finish.
        col.push(b"eni-c").unwrap();
        assert_eq!(col.finish(1).unwrap().values().len(), 1);
    }

    #[test]
    fn primitive_nulls_are_lazy() {
        let mut col = PrimColumn::<u16>::with_capacity(2);
        col.push(22);
        col.push(443);
        let array = col.finish::<UInt16Type>(2).unwrap();
        assert_eq!(array.null_count(), 0);
        col.push(1);
        col.push_null();
        let array = col.finish::<UInt16Type>(2).unwrap();
        assert!(array.is_null(1));
    }
}
