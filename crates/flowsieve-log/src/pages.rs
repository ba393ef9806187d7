//! The pages of a Parquet file for the Arrow reader, gzip pages inflated with libdeflate.
//!
//! AWS compresses its Parquet flow logs with gzip, page by page. The Parquet crate inflates each
//! page through flate2 as a stream; a page is a whole gzip member held in memory whose size its
//! trailer states, which libdeflate inflates in one call, about 1.5 times as fast
//! (BENCHMARKS.md, "AWS Parquet flow logs"). [`InflatedRowGroups`] hands the Arrow reader the
//! file's pages through the Parquet crate's own page reader, told that gzip column chunks are
//! uncompressed, and inflates their pages itself. A page that is not exactly one member
//! libdeflate takes (`gunzip::is_whole_member`: several members, junk after one, a size beyond
//! 4 GiB) is inflated by flate2 instead, as the Parquet crate would; what flate2 refuses is an
//! error, as it would be there. Every page, gzip or not, is first checked for what the Parquet crate's
//! decoders would panic on instead of refusing ([`check_page`]).

use std::io::Read;
use std::sync::Arc;

use bytes::Bytes;
use parquet::arrow::arrow_reader::RowGroups;
use parquet::basic::{Compression, Encoding};
use parquet::column::page::{Page, PageIterator, PageMetadata, PageReader};
use parquet::errors::{ParquetError, Result};
use parquet::file::metadata::{ColumnChunkMetaData, ParquetMetaData, RowGroupMetaData};
use parquet::file::reader::ChunkReader;
use parquet::file::serialized_reader::SerializedPageReader;

use crate::gunzip::{claimed_size, is_whole_member, libdeflate_gzip};

/// Row groups of a file (some of them, in file order), their gzip pages inflated by
/// [`Inflating`].
pub(crate) struct InflatedRowGroups<T> {
    pub(crate) reader: Arc<T>,
    pub(crate) metadata: Arc<ParquetMetaData>,
    pub(crate) row_groups: Vec<usize>,
}

impl<T: ChunkReader + 'static> RowGroups for InflatedRowGroups<T> {
    fn num_rows(&self) -> usize {
        self.row_groups()
            .map(|rg| usize::try_from(rg.num_rows()).unwrap_or(0))
            .sum()
    }

    fn column_chunks(&self, i: usize) -> Result<Box<dyn PageIterator>> {
        let chunks = self
            .row_groups
            .iter()
            .map(|&rg| {
                let row_group = self.metadata.row_group(rg);
                let rows = usize::try_from(row_group.num_rows()).unwrap_or(0);
                (row_group.column(i).clone(), rows)
            })
            .collect::<Vec<_>>();
        Ok(Box::new(ColumnPages {
            reader: self.reader.clone(),
            chunks: chunks.into_iter(),
        }))
    }

    fn row_groups(&self) -> Box<dyn Iterator<Item = &RowGroupMetaData> + '_> {
        Box::new(
            self.row_groups
                .iter()
                .map(|&rg| self.metadata.row_group(rg)),
        )
    }

    fn metadata(&self) -> &ParquetMetaData {
        &self.metadata
    }
}

/// The page readers of one column, a column chunk per row group.
struct ColumnPages<T> {
    reader: Arc<T>,
    chunks: std::vec::IntoIter<(ColumnChunkMetaData, usize)>,
}

impl<T: ChunkReader + 'static> Iterator for ColumnPages<T> {
    type Item = Result<Box<dyn PageReader>>;

    fn next(&mut self) -> Option<Self::Item> {
        let (chunk, rows) = self.chunks.next()?;
        Some(page_reader(self.reader.clone(), chunk, rows))
    }
}

impl<T: ChunkReader + 'static> PageIterator for ColumnPages<T> {}

/// The pages of one column chunk: gzip ones through [`Inflating`], others as the Parquet crate
/// reads them.
fn page_reader<T: ChunkReader + 'static>(
    reader: Arc<T>,
    chunk: ColumnChunkMetaData,
    rows: usize,
) -> Result<Box<dyn PageReader>> {
    if !matches!(chunk.compression(), Compression::GZIP(_)) {
        return Ok(Box::new(Inflating {
            pages: SerializedPageReader::new(reader, &chunk, rows, None)?,
            gzip: false,
            dictionary: false,
        }));
    }
    let stored = chunk
        .into_builder()
        .set_compression(Compression::UNCOMPRESSED)
        .build()?;
    Ok(Box::new(Inflating {
        pages: SerializedPageReader::new(reader, &stored, rows, None)?,
        gzip: true,
        dictionary: false,
    }))
}

/// A column chunk's pages: as stored (gzip members) and inflated when `gzip`, as the Parquet
/// crate reads them otherwise; each checked by [`check_page`].
struct Inflating<T: ChunkReader> {
    pages: SerializedPageReader<T>,
    gzip: bool,
    /// Whether the chunk's dictionary page came.
    dictionary: bool,
}

/// Refuses a page the Parquet crate's decoders would panic on rather than refuse (each found
/// by fuzzing, one or two bytes of a valid file changed; `testdata/fuzz/README.md`):
///
/// * a dictionary page that declares no values but holds bytes: the plain byte-array decoder
///   divides the bytes it holds by the values declared (a writer that has no values writes no
///   dictionary page);
/// * a data page in a dictionary encoding before its column chunk's dictionary page: the
///   decoder expects the dictionary to be set (a writer writes the dictionary page first).
///
/// `dictionary` says whether the chunk's dictionary page came; a dictionary page sets it.
fn check_page(page: Page, dictionary: &mut bool) -> Result<Page> {
    let refuse = |what: String| Err(ParquetError::General(what));
    match &page {
        Page::DictionaryPage {
            buf, num_values: 0, ..
        } if !buf.is_empty() => {
            return refuse(format!(
                "a dictionary page of 0 values holds {} bytes",
                buf.len()
            ));
        }
        Page::DictionaryPage { .. } => *dictionary = true,
        Page::DataPage { encoding, .. } | Page::DataPageV2 { encoding, .. }
            if !*dictionary
                && matches!(
                    encoding,
                    Encoding::PLAIN_DICTIONARY | Encoding::RLE_DICTIONARY
                ) =>
        {
            return refuse(format!("a {encoding} data page before any dictionary page"));
        }
        _ => {}
    }
    Ok(page)
}

/// A page as stored, inflated.
fn inflate_page(mut page: Page) -> Result<Page> {
    match &mut page {
        Page::DataPage { buf, .. } | Page::DictionaryPage { buf, .. } => *buf = inflate(buf, 0)?,
        // Version 2 keeps its levels uncompressed, ahead of the values.
        Page::DataPageV2 {
            buf,
            def_levels_byte_len,
            rep_levels_byte_len,
            is_compressed: true,
            ..
        } => {
            let levels = usize::try_from(*def_levels_byte_len)
                .ok()
                .zip(usize::try_from(*rep_levels_byte_len).ok())
                .and_then(|(def, rep)| def.checked_add(rep))
                .filter(|levels| *levels <= buf.len())
                .ok_or_else(|| {
                    ParquetError::General("DataPage v2 levels longer than the page".into())
                })?;
            *buf = inflate(buf, levels)?;
        }
        Page::DataPageV2 { .. } => {}
    }
    Ok(page)
}

/// `stored[..keep]` as it is, then `stored[keep..]` inflated (a gzip member).
fn inflate(stored: &[u8], keep: usize) -> Result<Bytes> {
    let (head, member) = stored.split_at(keep);
    if member.is_empty() {
        // A page without values may hold nothing.
        return Ok(Bytes::copy_from_slice(head));
    }
    // The trailer's last four bytes: the member's size, modulo 2^32.
    if let Some(size) = claimed_size(member) {
        let mut out = vec![0u8; head.len() + size];
        out[..head.len()].copy_from_slice(head);
        let body = &mut out[head.len()..];
        if libdeflate_gzip(member, body) == Some(size) && is_whole_member(member, body) {
            return Ok(Bytes::from(out));
        }
    }
    // What libdeflate does not take (several members, a size beyond 4 GiB) flate2 reads,
    // as the Parquet crate does.
    let mut out = head.to_vec();
    flate2::read::MultiGzDecoder::new(member)
        .read_to_end(&mut out)
        .map_err(|err| ParquetError::External(Box::new(err)))?;
    Ok(Bytes::from(out))
}

impl<T: ChunkReader> Iterator for Inflating<T> {
    type Item = Result<Page>;

    fn next(&mut self) -> Option<Self::Item> {
        self.get_next_page().transpose()
    }
}

impl<T: ChunkReader> PageReader for Inflating<T> {
    fn get_next_page(&mut self) -> Result<Option<Page>> {
        match self.pages.get_next_page()? {
            Some(page) if self.gzip => {
                let page = inflate_page(page)?;
                check_page(page, &mut self.dictionary).map(Some)
            }
            Some(page) => check_page(page, &mut self.dictionary).map(Some),
            None => Ok(None),
        }
    }

    fn peek_next_page(&mut self) -> Result<Option<PageMetadata>> {
        self.pages.peek_next_page()
    }

    fn skip_next_page(&mut self) -> Result<()> {
        if self
            .pages
            .peek_next_page()?
            .is_some_and(|page| page.is_dict)
        {
            self.dictionary = true;
        }
        self.pages.skip_next_page()
    }

    fn at_record_boundary(&mut self) -> Result<bool> {
        self.pages.at_record_boundary()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::gunzip::tests::gzip;

    #[test]
    fn a_member_is_inflated_after_the_bytes_kept() {
        let data: Vec<u8> = (0..100_000u32)
            .flat_map(|i| (i % 251).to_le_bytes())
            .collect();
        let mut stored = b"levels".to_vec();
        stored.extend(gzip(&data));
        let out = inflate(&stored, 6).unwrap();
        assert_eq!(&out[..6], b"levels");
        assert_eq!(&out[6..], &data[..]);
        assert!(inflate(b"", 0).unwrap().is_empty());
    }

    #[test]
    fn several_members_are_read_whole_by_the_fallback() {
        // Two members of the same size and content: libdeflate alone would stop after the
        // first one with a size and CRC that match the last trailer.
        let half = b"the same half".repeat(100);
        let mut stored = gzip(&half);
        stored.extend(gzip(&half));
        assert_eq!(&inflate(&stored, 0).unwrap()[..], half.repeat(2).as_slice());
        let mut stored = gzip(b"first ");
        stored.extend(gzip(b"second"));
        assert_eq!(&inflate(&stored, 0).unwrap()[..], b"first second");
        // Junk after a member that ends with a copy of its trailer is junk, as flate2 says.
        let mut stored = gzip(&half);
        let trailer = stored[stored.len() - 8..].to_vec();
        stored.extend(b"junk");
        stored.extend(trailer);
        assert!(inflate(&stored, 0).is_err());
    }

    #[test]
    fn corrupt_or_implausible_members_are_errors_without_allocating_their_claim() {
        let mut stored = gzip(&[7u8; 10_000]);
        let middle = stored.len() / 2;
        stored[middle] ^= 0xff;
        assert!(inflate(&stored, 0).is_err());
        assert!(inflate(b"not gzip at all", 0).is_err());
        // A trailer claiming 4 GiB from a few bytes is not believed.
        let mut claim = gzip(b"tiny");
        let at = claim.len() - 4;
        claim[at..].copy_from_slice(&u32::MAX.to_le_bytes());
        assert!(inflate(&claim, 0).is_err());
        let page = Page::DataPageV2 {
            buf: Bytes::from_static(b"ab"),
            num_values: 1,
            encoding: parquet::basic::Encoding::PLAIN,
            num_nulls: 0,
            num_rows: 1,
            def_levels_byte_len: 2,
            rep_levels_byte_len: 1,
            is_compressed: true,
            statistics: None,
        };
        assert!(inflate_page(page).is_err());
    }
}
