//! [`ConversionSummary`]: the line accounting of a conversion as a document — what
//! `flowsieve convert --summary-json` writes (docs/convert-summary.md).

use serde::{Deserialize, Serialize};

use crate::stats::{LineCounts, LineIssue, LineIssueKind, LineSample, LineStats};

/// The accounting of a conversion ([`crate::Converter::convert`]): files, every line in its
/// bucket, malformed lines by reason with samples, the files that failed, rows and bytes.
/// Serialised, it is the `--summary-json` document of `flowsieve convert`, its keys in this
/// order (documented in `docs/convert-summary.md`); it deserialises back.
///
/// `files_listed` counts the objects found under the locations listed (directory walks, S3
/// listings), `files_pruned` those a key filter ruled out, unread, and `files` those read:
/// [`crate::Converter::convert`] sets the first two to `files` and 0, and a caller that listed
/// and pruned sets them from its listing. `lines == counts.lines()`. `bytes_in` counts the inputs as stored (compressed for gzip),
/// `bytes_decompressed` the text the parser saw (Parquet inputs add nothing to it), `bytes_out`
/// the Parquet written.
///
/// ```
/// use flowsieve_log::ConversionSummary;
///
/// let json = r#"{"files": 1, "files_listed": 1, "files_pruned": 0, "files_failed": 0,
///   "lines": 3, "header": 1, "records": 1, "nodata": 0, "skipdata": 0, "blank": 0,
///   "malformed": 1,
///   "malformed_by_reason": {"field_count": 1, "empty_field": 0, "invalid_number": 0,
///     "number_out_of_range": 0, "invalid_address": 0, "invalid_utf8": 0, "invalid_value": 0,
///     "line_too_long": 0, "truncated": 0},
///   "samples": [{"file": "a.log", "line": 3, "byte_offset": 120, "field": null, "text": "2 x",
///     "reason": "field_count", "message": "a.log:3: field_count (expected 14 fields, found 2): \"2 x\""}],
///   "rows_written": 1, "errors": [], "bytes_in": 140, "bytes_decompressed": 140,
///   "bytes_out": 2048, "output": "out.parquet", "output_kind": "file", "output_files": 1,
///   "seconds": 0.01}"#;
/// let summary: ConversionSummary = serde_json::from_str(json)?;
/// assert_eq!(summary.malformed_by_reason.get("field_count"), Some(1));
/// assert_eq!(summary.malformed_by_reason.nonzero().collect::<Vec<_>>(), [("field_count", 1)]);
/// let again: serde_json::Value = serde_json::to_value(&summary)?;
/// assert_eq!(again, serde_json::from_str::<serde_json::Value>(json)?);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ConversionSummary {
    /// Files (objects) read.
    pub files: u64,
    /// Files found under the locations listed.
    pub files_listed: u64,
    /// Files a key filter ruled out, unread.
    pub files_pruned: u64,
    /// Files that could not be read (or written) completely: `errors.len()`.
    pub files_failed: u64,
    /// Physical lines (rows of Parquet inputs), every one in exactly one of the six buckets
    /// that follow.
    pub lines: u64,
    /// The six buckets (`header`, `records`, `nodata`, `skipdata`, `blank`, `malformed`),
    /// keys of the document itself.
    #[serde(flatten)]
    pub counts: LineCounts,
    /// Malformed lines by reason: every reason, zeros included.
    pub malformed_by_reason: MalformedByReason,
    /// At most five malformed lines per reason, in input order.
    pub samples: Vec<SampleLine>,
    /// Rows written (records, NODATA and SKIPDATA lines of the files read).
    pub rows_written: u64,
    /// The files that failed, in input order.
    pub errors: Vec<FileFailure>,
    /// Bytes of the inputs as stored.
    pub bytes_in: u64,
    /// Bytes of text the parser saw.
    pub bytes_decompressed: u64,
    /// Bytes of Parquet written.
    pub bytes_out: u64,
    /// The output file or directory, as given.
    pub output: String,
    /// Whether the output is one file or a directory of files.
    pub output_kind: OutputKind,
    /// Output files written (0 or 1 for a file).
    pub output_files: u64,
    /// Seconds the conversion took.
    pub seconds: f64,
}

/// Malformed lines by reason, indexed like [`LineIssueKind::REASONS`] (as
/// [`LineStats::malformed_by_reason`] is). Serialised as an object with every reason key, in
/// that order, zeros included, so scripts can rely on every key; deserialising wants them all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MalformedByReason(pub [u64; 9]);

impl MalformedByReason {
    /// The count of a reason key (`field_count`, …); `None` for a key that is not one.
    pub fn get(&self, reason: &str) -> Option<u64> {
        let i = LineIssueKind::REASONS.iter().position(|r| *r == reason)?;
        Some(self.0[i])
    }

    /// The reasons with lines, as (reason key, count), in [`LineIssueKind::REASONS`] order.
    pub fn nonzero(&self) -> impl Iterator<Item = (&'static str, u64)> {
        LineIssueKind::REASONS
            .into_iter()
            .zip(self.0)
            .filter(|(_, n)| *n > 0)
    }
}

impl Serialize for MalformedByReason {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (reason, count) in LineIssueKind::REASONS.iter().zip(self.0) {
            map.serialize_entry(reason, &count)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for MalformedByReason {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        use serde::de::Error as _;
        let map = std::collections::BTreeMap::<String, u64>::deserialize(deserializer)?;
        if let Some(unknown) = map
            .keys()
            .find(|k| !LineIssueKind::REASONS.contains(&k.as_str()))
        {
            return Err(D::Error::unknown_field(unknown, &LineIssueKind::REASONS));
        }
        let mut counts = [0; 9];
        for (count, reason) in counts.iter_mut().zip(LineIssueKind::REASONS) {
            *count = *map
                .get(reason)
                .ok_or_else(|| D::Error::missing_field(reason))?;
        }
        Ok(MalformedByReason(counts))
    }
}

/// One sampled malformed line: the [`LineSample`] keys, then `message`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SampleLine {
    /// Where the line is and what is wrong with it.
    #[serde(flatten)]
    pub sample: LineSample,
    /// The whole of it on one line: `file:line: reason in field `x`: "text"`.
    pub message: String,
}

impl From<&LineIssue> for SampleLine {
    fn from(issue: &LineIssue) -> SampleLine {
        let mut message = format!("{}:{}: {}", issue.source, issue.line, issue.kind);
        if let Some(field) = &issue.field {
            message.push_str(&format!(" in field `{field}`"));
        }
        message.push_str(&format!(": {:?}", issue.text));
        SampleLine {
            sample: LineSample::from(issue),
            message,
        }
    }
}

/// A file that could not be read (or written) completely.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FileFailure {
    /// The file (source label).
    pub file: String,
    /// Why, naming the file, its causes on the same line.
    pub message: String,
}

/// The shape of a conversion's output.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OutputKind {
    /// One file holding every input.
    File,
    /// A directory of one file per input.
    Directory,
}

impl ConversionSummary {
    /// The line buckets of `stats` (merged over the files read) into a summary; the rest zero
    /// or empty, for the conversion to fill in.
    pub(crate) fn from_stats(stats: &LineStats) -> ConversionSummary {
        ConversionSummary {
            files: 0,
            files_listed: 0,
            files_pruned: 0,
            files_failed: 0,
            lines: stats.lines(),
            counts: stats.counts,
            malformed_by_reason: MalformedByReason(stats.malformed_by_reason),
            samples: stats.samples.iter().map(SampleLine::from).collect(),
            rows_written: 0,
            errors: Vec::new(),
            bytes_in: 0,
            bytes_decompressed: stats.bytes,
            bytes_out: 0,
            output: String::new(),
            output_kind: OutputKind::File,
            output_files: 0,
            seconds: 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_reason_key_is_written_in_order_and_read_back() {
        let counts = MalformedByReason([1, 2, 3, 4, 5, 6, 7, 8, 9]);
        let text = serde_json::to_string(&counts).unwrap();
        let expected: Vec<String> = LineIssueKind::REASONS
            .iter()
            .zip(1..)
            .map(|(reason, n)| format!("\"{reason}\":{n}"))
            .collect();
        assert_eq!(text, format!("{{{}}}", expected.join(",")));
        assert_eq!(
            serde_json::from_str::<MalformedByReason>(&text).unwrap(),
            counts
        );
        assert_eq!(counts.get("truncated"), Some(9));
        assert_eq!(counts.get("nonsense"), None);
        let zeros = serde_json::to_value(MalformedByReason::default()).unwrap();
        assert_eq!(zeros.as_object().unwrap().len(), 9);
        let missing = text.replace("\"truncated\":9", "\"extra\":9");
        let err = serde_json::from_str::<MalformedByReason>(&missing).unwrap_err();
        assert!(err.to_string().contains("unknown field `extra`"), "{err}");
        let short = r#"{"field_count": 1}"#;
        let err = serde_json::from_str::<MalformedByReason>(short).unwrap_err();
        assert!(
            err.to_string().contains("missing field `empty_field`"),
            "{err}"
        );
    }

    #[test]
    fn a_sample_says_it_all_on_one_line() {
        let issue = LineIssue {
            source: "a.log".into(),
            line: 2,
            byte_offset: 86,
            field: Some("dstport".to_owned()),
            text: "99999".to_owned(),
            kind: LineIssueKind::NumberOutOfRange,
        };
        let sample = SampleLine::from(&issue);
        assert_eq!(
            sample.message,
            "a.log:2: number_out_of_range in field `dstport`: \"99999\""
        );
        assert_eq!(sample.sample.reason, "number_out_of_range");
    }
}
