//! Column builders: typed, reusable, truncatable buffers that the hot loop appends to and that
//! turn into Arrow arrays without copying at the end of a batch.
//!
//! Why not arrow's own builders: a malformed line is only discovered in the middle of a row, and
//! the fields before the bad one have already been appended. These builders can be truncated back
//! to the last good row in O(columns); the dictionary builder also interns values through a
//! small direct-mapped cache (ids repeat on nearly every line) and validates UTF-8 only when a
//! value is first seen.

use std::sync::Arc;

use arrow_array::types::{Int32Type, TimestampSecondType, UInt8Type, UInt16Type, UInt64Type};
use arrow_array::{
    ArrayRef, DictionaryArray, FixedSizeBinaryArray, Int32Array, PrimitiveArray, StringArray,
    new_null_array,
};
use arrow_buffer::{
    ArrowNativeType, BooleanBufferBuilder, Buffer, NullBuffer, OffsetBuffer, ScalarBuffer,
};
use arrow_schema::{ArrowError, DataType};
use foldhash::fast::FixedState;
use hashbrown::HashTable;

use std::hash::BuildHasher;

/// Validity kept as the list of null rows: appending a value costs nothing, and a batch
/// without a null in the column (most columns of most batches) gets no bitmap at all. The bitmap
/// is built at the end of the batch, from the list.
#[derive(Debug, Default)]
pub(crate) struct NullRows {
    rows: Vec<usize>,
}

impl NullRows {
    #[inline(always)]
    fn push(&mut self, row: usize) {
        self.rows.push(row);
    }

    fn truncate(&mut self, rows: usize) {
        while self.rows.last().is_some_and(|&row| row >= rows) {
            self.rows.pop();
        }
    }

    fn finish(&mut self, len: usize) -> Option<NullBuffer> {
        if self.rows.is_empty() {
            return None;
        }
        let mut bits = BooleanBufferBuilder::new(len);
        bits.append_n(len, true);
        for &row in self.rows.iter().filter(|&&row| row < len) {
            bits.set_bit(row, false);
        }
        self.rows.clear();
        Some(NullBuffer::new(bits.finish()))
    }
}

/// A primitive column: values plus the null rows.
#[derive(Debug)]
pub(crate) struct PrimColumn<T> {
    values: Vec<T>,
    nulls: NullRows,
}

impl<T: ArrowNativeType + Default> PrimColumn<T> {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        PrimColumn {
            values: Vec::with_capacity(rows),
            nulls: NullRows::default(),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, value: T) {
        self.values.push(value);
    }

    #[inline(always)]
    pub(crate) fn push_null(&mut self) {
        self.nulls.push(self.values.len());
        self.values.push(T::default());
    }

    pub(crate) fn truncate(&mut self, rows: usize) {
        self.values.truncate(rows);
        self.nulls.truncate(rows);
    }

    fn take(&mut self, rows: usize) -> (ScalarBuffer<T>, Option<NullBuffer>) {
        let nulls = self.nulls.finish(self.values.len());
        let values = std::mem::replace(&mut self.values, Vec::with_capacity(rows));
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
    nulls: NullRows,
}

impl AddressColumn {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        AddressColumn {
            bytes: Vec::with_capacity(rows * 16),
            nulls: NullRows::default(),
        }
    }

    #[inline(always)]
    pub(crate) fn push(&mut self, address: u128) {
        self.bytes.extend_from_slice(&address.to_be_bytes());
    }

    #[inline(always)]
    pub(crate) fn push_null(&mut self) {
        self.nulls.push(self.bytes.len() / 16);
        self.bytes.extend_from_slice(&[0; 16]);
    }

    pub(crate) fn truncate(&mut self, rows: usize) {
        self.bytes.truncate(rows * 16);
        self.nulls.truncate(rows);
    }

    pub(crate) fn finish(&mut self, rows: usize) -> Result<FixedSizeBinaryArray, ArrowError> {
        let nulls = self.nulls.finish(self.bytes.len() / 16);
        let bytes = std::mem::replace(&mut self.bytes, Vec::with_capacity(rows * 16));
        FixedSizeBinaryArray::try_new(16, Buffer::from_vec(bytes), nulls)
    }
}

/// Slots of the direct-mapped cache in front of a dictionary's hash table (a power of two).
const CACHE_SLOTS: usize = 1024;

/// Longest value the cache holds: three words cover it exactly.
const CACHE_MAX_LEN: usize = 24;

/// A dictionary-encoded text column with per-batch interning.
///
/// Lookups go through a direct-mapped cache first. A value of up to [`CACHE_MAX_LEN`] bytes
/// (every id AWS writes: `eni-` + 17 hex digits is 21) is turned into its *words* — the
/// first, middle and last eight bytes, zero-padded when shorter, which together with the length
/// are the value itself — and the slot is a cheap hash of them. The slot holds the words, the
/// length and the key last interned there, so a hit is confirmed with four integer compares and
/// no load from the dictionary's data. A miss (a new value, two values sharing a slot, or a
/// longer value) takes the hash table, whose hash covers every byte, so that no input can make
/// lookups degrade.
#[derive(Debug)]
pub(crate) struct DictColumn {
    keys: PrimColumn<i32>,
    data: Vec<u8>,
    offsets: Vec<i32>,
    table: HashTable<i32>,
    hasher: FixedState,
    cache: Box<[CacheEntry; CACHE_SLOTS]>,
}

/// One slot of the cache: a value as its words and length, and its key (-1: empty).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct CacheEntry {
    words: [u64; 3],
    len: u32,
    key: i32,
}

const EMPTY_ENTRY: CacheEntry = CacheEntry {
    words: [0; 3],
    len: u32::MAX,
    key: -1,
};

/// The value was not valid UTF-8.
#[derive(Debug, Clone, Copy)]
pub(crate) struct InvalidUtf8;

/// `value` (at most [`CACHE_MAX_LEN`] bytes) as three words that, with its length, determine
/// it: bytes 0..8, 8..16 and the last eight (overlapping, or zero when the value is shorter).
/// `None` for a longer value. Branches on the length class only, which is the same on nearly
/// every line of a column.
#[inline(always)]
fn value_words(value: &[u8]) -> Option<[u64; 3]> {
    let len = value.len();
    if len > CACHE_MAX_LEN {
        return None;
    }
    let word = |chunk: Option<&[u8; 8]>| chunk.map_or(0, |b| u64::from_le_bytes(*b));
    Some(if len >= 16 {
        [
            word(value.first_chunk::<8>()),
            word(value.get(8..).and_then(<[u8]>::first_chunk::<8>)),
            word(value.last_chunk::<8>()),
        ]
    } else if len >= 8 {
        [
            word(value.first_chunk::<8>()),
            word(value.last_chunk::<8>()),
            0,
        ]
    } else {
        [crate::swar::word_at(value, 0), 0, 0]
    })
}

/// The cache slot of a value's words and length, multiplied and folded.
#[inline(always)]
fn cache_slot(words: &[u64; 3], len: usize) -> usize {
    let mixed = (words[0] ^ words[2].rotate_left(29) ^ words[1].rotate_left(47) ^ len as u64)
        .wrapping_mul(0x9E37_79B9_7F4A_7C15);
    (mixed >> 54) as usize & (CACHE_SLOTS - 1)
}

/// The first and last eight bytes of `value` as words (overlapping for lengths 8 to 15); shorter
/// values in the first word, zero-padded.
#[inline(always)]
fn outer_words(value: &[u8]) -> (u64, u64) {
    match (value.first_chunk::<8>(), value.last_chunk::<8>()) {
        (Some(first), Some(last)) => (u64::from_le_bytes(*first), u64::from_le_bytes(*last)),
        _ => (crate::swar::word_at(value, 0), 0),
    }
}

/// Byte equality without a `memcmp` call: lengths, then eight bytes at a time, the last eight
/// overlapping.
#[inline(always)]
fn same_bytes(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    if a.len() <= 16 {
        return outer_words(a) == outer_words(b);
    }
    let mut at = 0;
    while let (Some(x), Some(y)) = (
        a.get(at..).and_then(<[u8]>::first_chunk::<8>),
        b.get(at..).and_then(<[u8]>::first_chunk::<8>),
    ) {
        if x != y {
            return false;
        }
        at += 8;
    }
    a.last_chunk::<8>() == b.last_chunk::<8>()
}

impl DictColumn {
    pub(crate) fn with_capacity(rows: usize) -> Self {
        DictColumn {
            keys: PrimColumn::with_capacity(rows),
            data: Vec::new(),
            offsets: vec![0],
            table: HashTable::new(),
            hasher: FixedState::with_seed(0x5eed_f10e),
            cache: Box::new([EMPTY_ENTRY; CACHE_SLOTS]),
        }
    }

    #[inline(always)]
    fn value<'a>(data: &'a [u8], offsets: &[i32], key: i32) -> &'a [u8] {
        let k = key as usize;
        match (offsets.get(k), offsets.get(k + 1)) {
            (Some(&from), Some(&to)) => data.get(from as usize..to as usize).unwrap_or_default(),
            _ => &[],
        }
    }

    /// Appends a value, interning it. Only a value seen for the first time in this batch is
    /// checked for UTF-8: an already interned value is byte-equal to a valid one.
    ///
    /// Always inlined: the hit path is a few compares, less than the call and the spills
    /// around it in the v2 fast path (the miss path, [`Self::intern`], stays out of line).
    #[inline(always)]
    pub(crate) fn push(&mut self, value: &[u8]) -> Result<(), InvalidUtf8> {
        let Some(words) = value_words(value) else {
            let key = self.intern(value)?;
            self.keys.push(key);
            return Ok(());
        };
        let len = value.len() as u32;
        let slot = cache_slot(&words, value.len());
        let entry = self.cache[slot];
        // The words and the length are the value: equal entries mean an equal value.
        if entry.len == len && entry.words == words {
            self.keys.push(entry.key);
            return Ok(());
        }
        let key = self.intern(value)?;
        self.cache[slot] = CacheEntry { words, len, key };
        self.keys.push(key);
        Ok(())
    }

    /// The key of `value` from the hash table, inserting it if new.
    #[inline(never)]
    fn intern(&mut self, value: &[u8]) -> Result<i32, InvalidUtf8> {
        let hash = self.hasher.hash_one(value);
        let (data, offsets) = (&self.data, &self.offsets);
        if let Some(&key) = self
            .table
            .find(hash, |&k| same_bytes(Self::value(data, offsets, k), value))
        {
            return Ok(key);
        }
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
        Ok(key)
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
        self.cache.fill(EMPTY_ENTRY);
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

/// An enumerated column (action, log-status, flow-direction, type): keys into a fixed value
/// list, a [`crate::FlowEnum`]'s names.
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

impl Storage {
    /// The column's index among the columns of its kind (`None` for [`Storage::Missing`]).
    pub(crate) fn index(self) -> Option<usize> {
        match self {
            Storage::UInt8(i)
            | Storage::UInt16(i)
            | Storage::UInt64(i)
            | Storage::Timestamp(i)
            | Storage::Address(i)
            | Storage::Text(i)
            | Storage::Enum(i, _) => Some(i),
            Storage::Missing => None,
        }
    }
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
    fn dictionary_keys_are_exact_whatever_the_cache_says() {
        // Values sharing length and outer bytes (the cache's hash), short and long ones, and
        // more distinct values than cache slots: every key must decode to its own value.
        let mut values: Vec<Vec<u8>> = Vec::new();
        for len in 0..40 {
            values.push(vec![b'a'; len]);
            if len > 2 {
                let mut v = vec![b'a'; len];
                v[len / 2] = b'b';
                values.push(v);
            }
        }
        for i in 0..3000 {
            values.push(format!("eni-{i:017x}").into_bytes());
        }
        let mut col = DictColumn::with_capacity(16);
        let mut rows = Vec::new();
        for round in 0..3 {
            for (i, v) in values.iter().enumerate() {
                if (i + round) % 3 != 0 {
                    col.push(v).unwrap();
                    rows.push(v.clone());
                }
            }
        }
        let array = col.finish(rows.len()).unwrap();
        let dictionary = array.values().as_string::<i32>();
        assert_eq!(dictionary.len(), values.len());
        for (row, expected) in rows.iter().enumerate() {
            let key = array.keys().value(row) as usize;
            assert_eq!(dictionary.value(key).as_bytes(), &expected[..], "row {row}");
        }
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
