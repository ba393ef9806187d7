//! Line accounting: every input line lands in exactly one bucket of [`LineStats`], and every
//! malformed one is a [`LineIssue`] with its source, line, byte offset, field and text.
//!
//! Stats are plain counters so that they merge by addition (order-independent), which is what
//! lets parallel readers produce the same totals for any thread count. The sample of issues
//! merges the same way: per reason, the first N by (source, line), whatever the merge order.

use std::cmp::Ordering;
use std::fmt;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

use crate::diagnose::{Diagnosis, LineProbe};

/// The most issues kept per reason, whatever sample limit is asked for (a reader's or a
/// merge's): the sample is a bounded structure, so that stats of any number of objects whose
/// every line is malformed hold at most this many issues per reason.
pub const MAX_SAMPLE_LIMIT: usize = 1024;

/// Why a line is malformed. The `as_str` names are the JSON keys users script against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum LineIssueKind {
    /// The line does not have as many fields as the format.
    FieldCount {
        /// Fields in the format.
        expected: u32,
        /// Fields found on the line.
        found: u32,
    },
    /// Two spaces in a row (or a trailing space): an empty field.
    EmptyField,
    /// A numeric field holds something other than digits or `-`.
    InvalidNumber,
    /// A number does not fit its field (port > 65535, protocol > 255, …).
    NumberOutOfRange,
    /// An address field is neither IPv4, IPv6 nor `-`.
    InvalidAddress,
    /// A text field is not valid UTF-8.
    InvalidUtf8,
    /// An enumerated field (action, log-status, flow-direction) has an unknown value.
    InvalidValue,
    /// The line is longer than the reader's bound; it was skipped without being buffered.
    LineTooLong {
        /// The bound in bytes.
        limit: u32,
    },
    /// The last line of a truncated gzip stream.
    Truncated,
}

impl LineIssueKind {
    /// Every reason key, in a fixed order (the order of [`LineStats::malformed_by_reason`]).
    pub const REASONS: [&'static str; 9] = [
        "field_count",
        "empty_field",
        "invalid_number",
        "number_out_of_range",
        "invalid_address",
        "invalid_utf8",
        "invalid_value",
        "line_too_long",
        "truncated",
    ];

    /// The reason key (`field_count`, `invalid_number`, …).
    pub fn as_str(self) -> &'static str {
        Self::REASONS[self.reason_index()]
    }

    pub(crate) fn reason_index(self) -> usize {
        match self {
            LineIssueKind::FieldCount { .. } => 0,
            LineIssueKind::EmptyField => 1,
            LineIssueKind::InvalidNumber => 2,
            LineIssueKind::NumberOutOfRange => 3,
            LineIssueKind::InvalidAddress => 4,
            LineIssueKind::InvalidUtf8 => 5,
            LineIssueKind::InvalidValue => 6,
            LineIssueKind::LineTooLong { .. } => 7,
            LineIssueKind::Truncated => 8,
        }
    }
}

impl fmt::Display for LineIssueKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LineIssueKind::FieldCount { expected, found } => {
                write!(f, "field_count (expected {expected} fields, found {found})")
            }
            LineIssueKind::LineTooLong { limit } => {
                write!(f, "line_too_long (longer than {limit} bytes)")
            }
            other => f.write_str(other.as_str()),
        }
    }
}

/// One malformed line: where it is and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LineIssue {
    /// The file path or label of the source.
    pub source: Arc<str>,
    /// 1-based line number in the decompressed text (the header is line 1).
    pub line: u64,
    /// Byte offset of the start of the line in the decompressed text.
    pub byte_offset: u64,
    /// The field the problem is in (AWS name), when it is in one field.
    pub field: Option<String>,
    /// The offending text (the field, or the start of the line), at most 80 bytes, lossy UTF-8.
    pub text: String,
    /// What is wrong.
    pub kind: LineIssueKind,
}

impl fmt::Display for LineIssue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: malformed line: {}",
            self.source, self.line, self.kind
        )?;
        if let Some(field) = &self.field {
            write!(f, " in field `{field}`")?;
        }
        write!(f, ": {:?}", self.text)
    }
}

/// A sampled malformed line as the documents show it (the report's `summary.samples`,
/// `flowsieve convert --summary-json`'s `samples`): a [`LineIssue`] with its reason as the
/// key of [`LineIssueKind::as_str`].
///
/// ```
/// use std::sync::Arc;
/// use flowsieve_log::{LineIssue, LineIssueKind, LineSample};
///
/// let issue = LineIssue {
///     source: Arc::from("a.log"),
///     line: 2,
///     byte_offset: 86,
///     field: Some("dstport".into()),
///     text: "99999".into(),
///     kind: LineIssueKind::NumberOutOfRange,
/// };
/// let sample = LineSample::from(&issue);
/// assert_eq!((sample.file.as_str(), sample.reason.as_str()), ("a.log", "number_out_of_range"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineSample {
    /// The object (source label).
    pub file: String,
    /// 1-based line number (row number for Parquet).
    pub line: u64,
    /// Byte offset of the line in the decompressed text.
    pub byte_offset: u64,
    /// The field at fault (AWS name), when one is.
    pub field: Option<String>,
    /// The offending text (at most 80 bytes).
    pub text: String,
    /// The reason key (`field_count`, …: [`LineIssueKind::REASONS`]).
    pub reason: String,
}

impl From<&LineIssue> for LineSample {
    fn from(issue: &LineIssue) -> LineSample {
        LineSample {
            file: issue.source.to_string(),
            line: issue.line,
            byte_offset: issue.byte_offset,
            field: issue.field.clone(),
            text: issue.text.clone(),
            reason: issue.kind.as_str().to_owned(),
        }
    }
}

/// Lines by bucket: every line is in exactly one, so
/// `lines() == header + records + nodata + skipdata + blank + malformed`.
///
/// `records` counts data lines with `log-status` `OK` (or formats without `log-status`);
/// NODATA and SKIPDATA lines are rows of the batches too, counted in their own buckets.
/// Serialised, the six buckets are keys of that name (they are the line accounting of
/// `flowsieve convert --summary-json`).
///
/// ```
/// use flowsieve_log::LineCounts;
///
/// let mut counts = LineCounts { header: 1, records: 2, nodata: 1, ..LineCounts::default() };
/// counts.add(&LineCounts { malformed: 1, ..LineCounts::default() });
/// assert_eq!((counts.lines(), counts.rows()), (5, 3));
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LineCounts {
    /// Header lines (one per text object, plus repeated headers of concatenated objects).
    pub header: u64,
    /// Data lines with log-status `OK`.
    pub records: u64,
    /// Lines with log-status `NODATA`.
    pub nodata: u64,
    /// Lines with log-status `SKIPDATA`.
    pub skipdata: u64,
    /// Empty lines.
    pub blank: u64,
    /// Malformed lines (all reasons).
    pub malformed: u64,
}

impl LineCounts {
    /// All lines, every bucket.
    pub fn lines(&self) -> u64 {
        self.header + self.records + self.nodata + self.skipdata + self.blank + self.malformed
    }

    /// Rows delivered in batches (records, NODATA and SKIPDATA).
    pub fn rows(&self) -> u64 {
        self.records + self.nodata + self.skipdata
    }

    /// Data lines: records, NODATA, SKIPDATA and malformed lines (not headers, not blanks).
    pub fn data_lines(&self) -> u64 {
        self.records + self.nodata + self.skipdata + self.malformed
    }

    /// Adds another's counts, bucket by bucket.
    pub fn add(&mut self, other: &LineCounts) {
        self.header += other.header;
        self.records += other.records;
        self.nodata += other.nodata;
        self.skipdata += other.skipdata;
        self.blank += other.blank;
        self.malformed += other.malformed;
    }
}

/// The accounting of one or more sources: lines by bucket ([`LineCounts`]), malformed lines
/// by reason, and a bounded sample of issues.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineStats {
    /// Lines by bucket.
    pub counts: LineCounts,
    /// Malformed lines by reason, indexed like [`LineIssueKind::REASONS`].
    pub malformed_by_reason: [u64; 9],
    /// Up to `sample_limit` (at most [`MAX_SAMPLE_LIMIT`]) issues per reason: of one source,
    /// its first ones in input order; after [`Self::merge`], the first ones by (source, line),
    /// in that order.
    pub samples: Vec<LineIssue>,
    /// Decompressed bytes read.
    pub bytes: u64,
    /// The shape of the first few malformed lines of one object, for [`Self::diagnose`].
    pub probe: LineProbe,
}

impl LineStats {
    /// All lines, every bucket.
    pub fn lines(&self) -> u64 {
        self.counts.lines()
    }

    /// Rows delivered in batches (records, NODATA and SKIPDATA).
    pub fn rows(&self) -> u64 {
        self.counts.rows()
    }

    /// Malformed lines by reason key, only reasons with a count.
    pub fn malformed_reasons(&self) -> impl Iterator<Item = (&'static str, u64)> + '_ {
        LineIssueKind::REASONS
            .iter()
            .zip(self.malformed_by_reason)
            .filter(|(_, n)| *n > 0)
            .map(|(reason, n)| (*reason, n))
    }

    /// Why most of this object's lines are malformed, when more than half of its data lines
    /// are ([`Diagnosis`]); `None` otherwise. Meant for the stats of one object (a reader's):
    /// it looks at the counts and at the first few malformed lines only.
    pub fn diagnose(&self) -> Option<Diagnosis> {
        crate::diagnose::diagnose(self)
    }

    /// Adds another source's stats. The sample keeps, per reason, the first `sample_limit`
    /// (at most [`MAX_SAMPLE_LIMIT`]) issues by (source, line): the same sample whatever the
    /// order and grouping of merges, and never more than that per reason however many sources
    /// are merged. A merge costs the size of the two samples (bounded), not the number of
    /// merges before it; one whose issues all come after those held costs no copy.
    pub fn merge(&mut self, other: &LineStats, sample_limit: usize) {
        self.counts.add(&other.counts);
        self.bytes += other.bytes;
        for (mine, theirs) in self
            .malformed_by_reason
            .iter_mut()
            .zip(other.malformed_by_reason)
        {
            *mine += theirs;
        }
        self.merge_samples(&other.samples, sample_limit);
        self.probe.merge(&other.probe);
    }

    /// Both samples, sorted by (source, line) and cut to the first `limit` per reason.
    fn merge_samples(&mut self, other: &[LineIssue], limit: usize) {
        let limit = limit.min(MAX_SAMPLE_LIMIT);
        // Per reason, how many issues are held and the last of them (in sample order).
        const REASONS: usize = LineIssueKind::REASONS.len();
        let mut held = [0usize; REASONS];
        let mut last: [Option<&LineIssue>; REASONS] = [None; REASONS];
        for issue in &self.samples {
            let reason = issue.kind.reason_index();
            held[reason] += 1;
            if last[reason].is_none_or(|l| sample_order(issue, l).is_gt()) {
                last[reason] = Some(issue);
            }
        }
        let wanted: Vec<LineIssue> = other
            .iter()
            .filter(|issue| {
                let reason = issue.kind.reason_index();
                held[reason] < limit || last[reason].is_some_and(|l| sample_order(issue, l).is_lt())
            })
            .cloned()
            .collect();
        if wanted.is_empty() && held.iter().all(|&n| n <= limit) {
            return;
        }
        let mut all = std::mem::take(&mut self.samples);
        all.extend(wanted);
        all.sort_by(sample_order);
        let mut kept = [0usize; LineIssueKind::REASONS.len()];
        all.retain(|issue| {
            let held = &mut kept[issue.kind.reason_index()];
            *held += 1;
            *held <= limit
        });
        self.samples = all;
    }

    pub(crate) fn record_issue(&mut self, issue: LineIssue, sample_limit: usize) {
        self.count_issue(issue.kind);
        let reason = issue.kind.reason_index();
        if self.malformed_by_reason[reason] <= sample_limit.min(MAX_SAMPLE_LIMIT) as u64 {
            self.samples.push(issue);
        }
    }

    /// Counts a malformed line without sampling it (its reason's sample is full).
    pub(crate) fn count_issue(&mut self, kind: LineIssueKind) {
        self.counts.malformed += 1;
        self.malformed_by_reason[kind.reason_index()] += 1;
    }
}

/// The total order of a merged sample: source, line, then what tells apart two issues that
/// share both (two sources with one label).
fn sample_order(a: &LineIssue, b: &LineIssue) -> Ordering {
    (&a.source, a.line, a.byte_offset, a.kind, &a.field, &a.text).cmp(&(
        &b.source,
        b.line,
        b.byte_offset,
        b.kind,
        &b.field,
        &b.text,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue(line: u64, kind: LineIssueKind) -> LineIssue {
        LineIssue {
            source: Arc::from("f.log"),
            line,
            byte_offset: 0,
            field: Some("dstport".into()),
            text: "70000".into(),
            kind,
        }
    }

    #[test]
    fn issues_count_by_reason_and_sample_is_bounded() {
        let mut stats = LineStats::default();
        for line in 1..=5 {
            stats.record_issue(issue(line, LineIssueKind::NumberOutOfRange), 2);
        }
        stats.record_issue(issue(9, LineIssueKind::InvalidAddress), 2);
        assert_eq!(stats.counts.malformed, 6);
        assert_eq!(
            stats.malformed_reasons().collect::<Vec<_>>(),
            vec![("number_out_of_range", 5), ("invalid_address", 1)]
        );
        assert_eq!(stats.samples.len(), 3);
        assert_eq!(
            stats.samples[0].to_string(),
            "f.log:1: malformed line: number_out_of_range in field `dstport`: \"70000\""
        );
    }

    #[test]
    fn merge_adds_counts_and_caps_samples() {
        let mut a = LineStats {
            counts: LineCounts {
                records: 3,
                header: 1,
                ..LineCounts::default()
            },
            ..LineStats::default()
        };
        a.record_issue(issue(2, LineIssueKind::EmptyField), 1);
        let mut b = LineStats {
            counts: LineCounts {
                records: 4,
                nodata: 1,
                ..LineCounts::default()
            },
            ..LineStats::default()
        };
        b.record_issue(issue(7, LineIssueKind::EmptyField), 1);
        a.merge(&b, 1);
        assert_eq!(a.counts.records, 7);
        assert_eq!(a.lines(), 1 + 7 + 1 + 2);
        assert_eq!(a.malformed_by_reason[1], 2);
        assert_eq!(a.samples.len(), 1);
    }
}
