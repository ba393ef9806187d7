//! [`AnalysisConfig`]: every option of an analysis, with its default, built explicitly by the
//! caller (the CLI maps its flags onto it one by one).

use flowsieve_log::{FieldName, FlowField, KeyFilter, LogFormat};

/// The columns the analysis reads; every other field is skipped without being converted.
pub const ANALYSIS_FIELDS: [FlowField; 18] = [
    // `version` and `account-id` are not used, but with them a default-v2 object requests every
    // field of its format, which flowsieve-log parses on its straight-line v2 path (about 1.5x
    // the generic field loop; `benches/parse.rs`), whatever the order here. The test
    // `the_analysis_projection_takes_the_v2_fast_path` fails if that stops being so.
    FlowField::Version,
    FlowField::AccountId,
    FlowField::InterfaceId,
    FlowField::SrcAddr,
    FlowField::DstAddr,
    FlowField::SrcPort,
    FlowField::DstPort,
    FlowField::Protocol,
    FlowField::Packets,
    FlowField::Bytes,
    FlowField::Start,
    FlowField::End,
    FlowField::Action,
    FlowField::LogStatus,
    FlowField::TcpFlags,
    FlowField::FlowDirection,
    FlowField::PktSrcAddr,
    FlowField::PktDstAddr,
];

/// The fields a record cannot be attributed to a rule without: the recording ENI, both
/// addresses and ports, the protocol and the action. A log whose format lacks one of them is
/// not attributed at all ([`missing_for_attribution`]); its records are counted in
/// `summary.unattributed.unusable_format` and the log is listed in `summary.unusable_logs`.
pub const ATTRIBUTION_FIELDS: [FlowField; 7] = [
    FlowField::InterfaceId,
    FlowField::SrcAddr,
    FlowField::DstAddr,
    FlowField::SrcPort,
    FlowField::DstPort,
    FlowField::Protocol,
    FlowField::Action,
];

/// The [`ATTRIBUTION_FIELDS`] a format lacks, in that order: empty when its records can be
/// attributed.
///
/// ```
/// use flowsieve::{missing_for_attribution, log::{FlowField, LogFormat}};
///
/// assert!(missing_for_attribution(&LogFormat::default_v2()).is_empty());
/// let no_action: LogFormat = "${interface-id} ${srcaddr} ${dstaddr} ${srcport} ${dstport} ${protocol}".parse()?;
/// assert_eq!(missing_for_attribution(&no_action), [FlowField::Action]);
/// # Ok::<(), flowsieve::log::Error>(())
/// ```
pub fn missing_for_attribution(format: &LogFormat) -> Vec<FlowField> {
    ATTRIBUTION_FIELDS
        .iter()
        .copied()
        .filter(|&field| !format.contains(field))
        .collect()
}

/// How to analyse: time window, report size, reading options.
///
/// ```
/// use flowsieve::AnalysisConfig;
///
/// let config = AnalysisConfig::new().with_window(Some(1_700_000_000), None).with_top(10);
/// assert_eq!(config.top(), 10);
/// ```
#[derive(Debug, Clone)]
pub struct AnalysisConfig {
    pub(crate) since: Option<i64>,
    pub(crate) until: Option<i64>,
    pub(crate) top: usize,
    pub(crate) log_format: Option<LogFormat>,
    pub(crate) strict: bool,
    pub(crate) batch_size: usize,
    pub(crate) sample_limit: usize,
    pub(crate) accounts: Vec<String>,
    pub(crate) regions: Vec<String>,
    pub(crate) learn_lines: u64,
    pub(crate) client_ports: Option<(u16, u16)>,
    pub(crate) exact_peers: bool,
}

/// The columns the learning pass reads ([`crate::ListenerLearner`]).
pub const LEARNING_FIELDS: [FlowField; 10] = [
    FlowField::InterfaceId,
    FlowField::SrcAddr,
    FlowField::DstAddr,
    FlowField::SrcPort,
    FlowField::DstPort,
    FlowField::Protocol,
    FlowField::TcpFlags,
    FlowField::FlowDirection,
    FlowField::PktSrcAddr,
    FlowField::PktDstAddr,
];

/// Top peers, ports and sources kept per rule, hotspot and finding by default (and the rows per
/// section `flowsieve analyze` prints): the same default for the library and the CLI.
pub const DEFAULT_TOP: usize = 10;

/// Rows per batch of the learning pass's reader.
const LEARNING_BATCH_ROWS: usize = 1024;

/// Lines per object the learning pass reads by default.
pub const DEFAULT_LEARN_LINES: u64 = 8192;

impl AnalysisConfig {
    /// The defaults: no time window (every record), top 10 peers/ports/sources per item, format
    /// from each object's header (else v2), lenient about malformed lines, batches of 32,768
    /// rows, 5 sampled issues per reason, listeners learned from the first 8,192 lines of every
    /// object.
    pub fn new() -> Self {
        AnalysisConfig {
            since: None,
            until: None,
            top: DEFAULT_TOP,
            log_format: None,
            strict: false,
            batch_size: flowsieve_log::DEFAULT_BATCH_SIZE,
            sample_limit: flowsieve_log::DEFAULT_SAMPLE_LIMIT,
            accounts: Vec::new(),
            regions: Vec::new(),
            learn_lines: DEFAULT_LEARN_LINES,
            client_ports: None,
            exact_peers: false,
        }
    }

    /// Keep every internet address exactly (`true`), instead of aggregating internet clients
    /// by the classes the inventory distinguishes with a bounded sketch of their addresses per
    /// tuple (`false`, the default; see docs/semantics.md, "Internet peers"). Rules, verdicts,
    /// hotspots and reachability are the same either way; exact peers make `top_peers`,
    /// `top_sources` and `distinct_*` exact for tuples with more than 1,024 distinct internet
    /// peers, at the price of memory that grows with every distinct client.
    pub fn with_exact_peers(mut self, exact: bool) -> Self {
        self.exact_peers = exact;
        self
    }

    /// How many lines of each object the learning pass reads at most to learn which ports
    /// listen (see [`crate::ListenerLearner`]); 0 turns learning off, `u64::MAX` reads whole
    /// objects when they keep teaching. The pass stops reading an object earlier, once
    /// [`LEARN_PATIENCE_LINES`](crate::LEARN_PATIENCE_LINES) lines in a row taught nothing new
    /// about a listener. More lines learn more listeners on sparse archives. Default 8,192.
    pub fn with_learn_lines(mut self, lines: u64) -> Self {
        self.learn_lines = lines;
        self
    }

    /// The ports instances (and ENIs of unknown kind) open connections from, for the weak
    /// "ephemeral range" orientation evidence: by default 32768–65535, covering Linux
    /// (32768–60999) and Windows (49152–65535) clients; set it when the fleet uses another
    /// range (`net.ipv4.ip_local_port_range`, a Windows `dynamicport` setting). Managed ENI
    /// kinds keep their own ranges (NAT gateways and load balancers 1024–65535).
    ///
    /// # Panics
    ///
    /// When `from > to`.
    pub fn with_client_ports(mut self, from: u16, to: u16) -> Self {
        assert!(from <= to, "client port range {from}-{to} is empty");
        self.client_ports = Some((from, to));
        self
    }

    /// The learning pass's line budget per object.
    pub fn learn_lines(&self) -> u64 {
        self.learn_lines
    }

    /// The reader options of the learning pass: its projection, and small batches (no larger
    /// than the line budget), so that an object whose learning stops early is not parsed
    /// further than a batch past the stop.
    pub(crate) fn learning_reader_builder(&self) -> flowsieve_log::ReaderBuilder {
        // What is learned does not depend on the batch size (the learner counts rows); this
        // only bounds the lines parsed past an early stop.
        let rows = usize::try_from(self.learn_lines)
            .unwrap_or(usize::MAX)
            .clamp(1, LEARNING_BATCH_ROWS);
        let mut builder = flowsieve_log::ReaderBuilder::new()
            .with_projection(LEARNING_FIELDS.iter().map(|&f| FieldName::from(f)))
            .with_batch_size(rows)
            .with_sample_limit(0)
            // The pass stops after the first lines of most objects: stream them.
            .with_whole_gzip(false);
        if let Some(format) = &self.log_format {
            builder = builder.with_format(format.clone());
        }
        builder
    }

    /// Analyse only records overlapping `[since, until)` (unix seconds): a record is in when
    /// its `end` is at or after `since` and its `start` is before `until`. Objects whose S3 key
    /// says they hold nothing in the window are not read at all. Default: no bounds.
    pub fn with_window(mut self, since: Option<i64>, until: Option<i64>) -> Self {
        self.since = since;
        self.until = until;
        self
    }

    /// Read only objects whose key names one of these accounts (objects whose key names no
    /// account, such as local files outside the AWS layout, are read). Default: any account.
    pub fn with_accounts<S: Into<String>>(mut self, accounts: impl IntoIterator<Item = S>) -> Self {
        self.accounts = accounts.into_iter().map(Into::into).collect();
        self
    }

    /// Read only objects whose key names one of these regions (objects whose key names no
    /// region are read). Default: any region.
    pub fn with_regions<S: Into<String>>(mut self, regions: impl IntoIterator<Item = S>) -> Self {
        self.regions = regions.into_iter().map(Into::into).collect();
        self
    }

    /// Which objects the analysis reads, judged from their keys: the window, the accounts and
    /// the regions. Objects it does not select are counted in `summary.files_pruned`, unread.
    pub fn key_filter(&self) -> KeyFilter {
        KeyFilter::new()
            .with_window(self.since, self.until)
            .with_accounts(self.accounts.iter().cloned())
            .with_regions(self.regions.iter().cloned())
    }

    /// How many top peers, ports and sources each rule and hotspot lists (the lists of rules
    /// and hotspots themselves are complete). Default [`DEFAULT_TOP`] (10).
    pub fn with_top(mut self, top: usize) -> Self {
        self.top = top;
        self
    }

    /// The format of header-less logs (CloudWatch exports, Firehose). Default: none.
    pub fn with_log_format(mut self, format: LogFormat) -> Self {
        self.log_format = Some(format);
        self
    }

    /// Stop at the first malformed line or unreadable file. Default `false`.
    pub fn with_strict(mut self, strict: bool) -> Self {
        self.strict = strict;
        self
    }

    /// Rows per batch while reading. Default 32,768.
    pub fn with_batch_size(mut self, rows: usize) -> Self {
        self.batch_size = rows.max(1);
        self
    }

    /// Sampled malformed lines kept per reason. Default 5.
    pub fn with_sample_limit(mut self, samples: usize) -> Self {
        self.sample_limit = samples;
        self
    }

    /// The `--since` bound.
    pub fn since(&self) -> Option<i64> {
        self.since
    }

    /// The `--until` bound.
    pub fn until(&self) -> Option<i64> {
        self.until
    }

    /// The top-N size.
    pub fn top(&self) -> usize {
        self.top
    }

    /// The reader options the analysis uses: its projection plus these settings.
    pub fn reader_builder(&self) -> flowsieve_log::ReaderBuilder {
        let mut builder = flowsieve_log::ReaderBuilder::new()
            .with_projection(ANALYSIS_FIELDS.iter().map(|&f| FieldName::from(f)))
            .with_batch_size(self.batch_size)
            .with_strict(self.strict)
            .with_sample_limit(self.sample_limit);
        if let Some(format) = &self.log_format {
            builder = builder.with_format(format.clone());
        }
        builder
    }
}

impl Default for AnalysisConfig {
    fn default() -> Self {
        AnalysisConfig::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_analysis_projection_takes_the_v2_fast_path() {
        assert!(
            AnalysisConfig::new().reader_builder().takes_v2_fast_path(),
            "ANALYSIS_FIELDS must request every v2 field for default-format objects to be parsed \
             on flowsieve-log's straight-line path"
        );
    }
}

/// The ranges the analysis options accept, the same for the CLI's flags and the Python
/// package's keywords, so that a value valid in one is valid in the other.
pub mod limits {
    use std::ops::RangeInclusive;

    /// Worker threads: at most 1,024 whatever the machine, so that a value valid on one
    /// machine is valid on every other (threads beyond the cores only add memory).
    pub const THREADS: RangeInclusive<u64> = 1..=1024;
    /// Rows per batch: a batch's column builders are allocated up front, so the bound keeps a
    /// typo from asking for terabytes (a million rows is also Parquet's default row group).
    pub const BATCH_SIZE: RangeInclusive<u64> = 1..=1 << 20;
    /// Rows per section of the table and Markdown reports, and top peers per item.
    pub const TOP: RangeInclusive<u64> = 1..=100_000;
    /// Lines per object the learning pass reads (0 turns learning off).
    pub const LEARN_LINES: RangeInclusive<u64> = 0..=1_000_000_000;
}
