//! Why an object's lines are mostly malformed. [`LineProbe`] keeps the shape of the first few
//! malformed lines of one object (a fixed number of lines, a fixed number of token classes
//! each: bounded, whatever the input); [`diagnose`] turns it and the line counts into a
//! [`Diagnosis`] a user can act on — the wrong field count for the format in force (with a
//! format guessed from the values), values that do not fit the format, Transit Gateway
//! records, binary content.
//!
//! Nothing here is on the hot path: only malformed lines are probed, and only the first
//! [`PROBE_LINES`] of an object.

use std::fmt;

use crate::field::FlowField;
use crate::format::LogFormat;
use crate::stats::{LineIssue, LineIssueKind, LineStats};

/// Malformed lines of an object whose shape is kept for [`LineStats::diagnose`](crate::LineStats::diagnose).
pub const PROBE_LINES: usize = 8;
/// Tokens of a probed line whose class is kept (the longest format has fewer).
pub(crate) const PROBE_TOKENS: usize = 64;
/// An object is diagnosed when more than this share (in percent) of its data lines (records,
/// NODATA, SKIPDATA and malformed lines: not headers, not blank lines) are malformed.
pub const MALFORMED_SHARE_PERCENT: u64 = 50;

/// Where the format the lines were read with came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum FormatOrigin {
    /// The object's header line.
    Header,
    /// The reader's configured format ([`crate::ReaderBuilder::with_format`], the CLI's
    /// `--log-format`), for an object without a header line.
    Configured,
    /// The default version-2 format, for an object without a header line and a reader
    /// without a configured format.
    Default,
}

impl FormatOrigin {
    fn describe(self) -> &'static str {
        match self {
            FormatOrigin::Header => "the object's header line",
            FormatOrigin::Configured => "the given --log-format",
            FormatOrigin::Default => "the default v2 format (the object has no header line)",
        }
    }
}

/// Why most of an object's lines are malformed ([`LineStats::diagnose`]). Its `Display` is one
/// sentence for a user, naming the fix.
///
/// ```
/// use flowsieve_log::{Diagnosis, FormatOrigin, ReaderBuilder};
///
/// // Header-less lines of a custom format, read as the default v2 format.
/// let text = "5 vpc-0a1b2c3d subnet-9f8e7d6c eni-0a1b2c3d 10.0.1.5 10.0.2.9 49152 443 ACCEPT OK\n";
/// let mut reader = ReaderBuilder::new().build(text.as_bytes())?;
/// reader.by_ref().for_each(drop);
/// let diagnosis = reader.stats().diagnose().expect("every line is malformed");
/// assert!(matches!(
///     diagnosis,
///     Diagnosis::FieldCount { origin: FormatOrigin::Default, expected: 14, found: 10, .. }
/// ));
/// assert_eq!(
///     diagnosis.suggested_format().expect("a guess").to_string(),
///     "${version} ${vpc-id} ${subnet-id} ${interface-id} ${srcaddr} ${dstaddr} ${srcport} \
///      ${dstport} ${action} ${log-status}"
/// );
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Diagnosis {
    /// The lines have another number of fields than the format in force.
    FieldCount {
        /// Where the format came from.
        origin: FormatOrigin,
        /// Fields of the format.
        expected: u32,
        /// Fields of most probed lines.
        found: u32,
        /// A format guessed from the values of the lines (ids, keywords, addresses,
        /// timestamps), when every field could be told: a guess, to be checked against the
        /// flow log's `LogFormat`.
        guess: Option<LogFormat>,
    },
    /// The lines have the format's number of fields, but their values do not fit it: the
    /// fields are in another order, or it is another format of the same length.
    WrongFormat {
        /// Where the format came from.
        origin: FormatOrigin,
        /// The first probed line's problem: the reason, the field and its text.
        issue: LineIssueKind,
        /// The field the value did not fit (AWS name).
        field: Option<String>,
        /// The value, at most 80 bytes.
        text: String,
        /// A format guessed from the values, as for [`Diagnosis::FieldCount`].
        guess: Option<LogFormat>,
    },
    /// Transit Gateway flow-log records (`tgw-…` ids): another record type.
    TransitGateway,
    /// Binary content (NUL bytes, mostly non-text): not a flow log.
    Binary,
    /// None of the above: most lines are malformed for this reason.
    Malformed {
        /// The most frequent reason.
        reason: LineIssueKind,
    },
}

impl Diagnosis {
    /// The format guessed from the values, when there is one.
    pub fn suggested_format(&self) -> Option<&LogFormat> {
        match self {
            Diagnosis::FieldCount { guess, .. } | Diagnosis::WrongFormat { guess, .. } => {
                guess.as_ref()
            }
            _ => None,
        }
    }
}

impl fmt::Display for Diagnosis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Diagnosis::FieldCount {
                origin,
                expected,
                found,
                guess,
            } => {
                write!(
                    f,
                    "the lines have {found} fields where {} has {expected}",
                    origin.describe()
                )?;
                fix(f, *origin, guess.as_ref())
            }
            Diagnosis::WrongFormat {
                origin,
                issue,
                field,
                text,
                guess,
            } => {
                write!(
                    f,
                    "the lines have as many fields as {} but values that do not fit it (",
                    origin.describe()
                )?;
                match field {
                    Some(field) => write!(f, "`{field}` holds {text:?}: {issue})")?,
                    None => write!(f, "{issue})")?,
                }
                fix(f, *origin, guess.as_ref())
            }
            Diagnosis::TransitGateway => f.write_str(
                "these are Transit Gateway flow-log records (`tgw-` ids); flowsieve reads VPC \
                 flow logs of network interfaces",
            ),
            Diagnosis::Binary => f.write_str("not a flow log (binary content)"),
            Diagnosis::Malformed { reason } => {
                write!(f, "most lines are malformed ({reason})")
            }
        }
    }
}

/// The advice after a format diagnosis: the guess if there is one, else what to give.
fn fix(f: &mut fmt::Formatter<'_>, origin: FormatOrigin, guess: Option<&LogFormat>) -> fmt::Result {
    match (guess, origin) {
        (Some(guess), _) => write!(
            f,
            "; a guess from the values, to check against the flow log's LogFormat: \
             --log-format '{guess}'"
        ),
        (None, FormatOrigin::Header) => f.write_str("; the header does not describe its lines"),
        (None, _) => f.write_str("; pass the flow log's LogFormat with --log-format"),
    }
}

/// What a token looks like: the classes a guess can tell a field by.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum TokenClass {
    Dash,
    Eni,
    Vpc,
    Subnet,
    Instance,
    TransitGateway,
    Action,
    LogStatus,
    Direction,
    AddressType,
    Address,
    /// One digit from 2 to 8: a version in first place, else a number.
    VersionDigit,
    /// Twelve digits.
    Account,
    /// Ten digits from 1,000,000,000: Unix seconds of 2001 to 2033.
    Epoch,
    Number,
    Region,
    AzId,
    SublocationType,
    AwsService,
    EcsClusterArn,
    EcsContainerInstanceArn,
    EcsTaskArn,
    EcsTaskDefinitionArn,
    Other,
}

impl TokenClass {
    fn of(token: &[u8]) -> TokenClass {
        let Ok(text) = std::str::from_utf8(token) else {
            return TokenClass::Other;
        };
        if let Some(class) = Self::keyword(text) {
            return class;
        }
        if text.bytes().all(|b| b.is_ascii_digit()) && !text.is_empty() {
            return match text.len() {
                1 if (b'2'..=b'8').contains(&text.as_bytes()[0]) => TokenClass::VersionDigit,
                12 => TokenClass::Account,
                10 if text.as_bytes()[0] != b'0' => TokenClass::Epoch,
                _ => TokenClass::Number,
            };
        }
        if text.parse::<std::net::IpAddr>().is_ok() {
            return TokenClass::Address;
        }
        let id = |prefix: &str| {
            text.strip_prefix(prefix)
                .is_some_and(|hex| !hex.is_empty() && hex.bytes().all(|b| b.is_ascii_hexdigit()))
        };
        if id("eni-") {
            TokenClass::Eni
        } else if id("vpc-") {
            TokenClass::Vpc
        } else if id("subnet-") {
            TokenClass::Subnet
        } else if id("i-") {
            TokenClass::Instance
        } else if text.starts_with("tgw-") {
            TokenClass::TransitGateway
        } else if text.starts_with("arn:aws") {
            Self::arn(text)
        } else if is_region(text) {
            TokenClass::Region
        } else if is_az_id(text) {
            TokenClass::AzId
        } else if text.len() > 1
            && text
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_')
        {
            TokenClass::AwsService
        } else {
            TokenClass::Other
        }
    }

    fn keyword(text: &str) -> Option<TokenClass> {
        Some(match text {
            "-" => TokenClass::Dash,
            "ACCEPT" | "REJECT" => TokenClass::Action,
            "OK" | "NODATA" | "SKIPDATA" => TokenClass::LogStatus,
            "ingress" | "egress" => TokenClass::Direction,
            "IPv4" | "IPv6" | "EFA" => TokenClass::AddressType,
            "wavelength" | "outpost" | "localzone" => TokenClass::SublocationType,
            _ => return None,
        })
    }

    /// An ECS ARN (`arn:aws:ecs:{region}:{account}:{type}/…`) by its resource type.
    fn arn(text: &str) -> TokenClass {
        let mut parts = text.split(':');
        if parts.nth(2) != Some("ecs") {
            return TokenClass::Other;
        }
        match parts.nth(2).and_then(|resource| resource.split('/').next()) {
            Some("cluster") => TokenClass::EcsClusterArn,
            Some("container-instance") => TokenClass::EcsContainerInstanceArn,
            Some("task") => TokenClass::EcsTaskArn,
            Some("task-definition") => TokenClass::EcsTaskDefinitionArn,
            _ => TokenClass::Other,
        }
    }

    fn is_numeric(self) -> bool {
        matches!(
            self,
            TokenClass::VersionDigit | TokenClass::Account | TokenClass::Epoch | TokenClass::Number
        )
    }

    /// The class of one position across lines: `-` says nothing; numbers of different
    /// classes are numbers; anything else that disagrees is unknown.
    fn consensus(self, other: TokenClass) -> TokenClass {
        match (self, other) {
            (a, b) if a == b => a,
            (TokenClass::Dash, x) | (x, TokenClass::Dash) => x,
            (a, b) if a.is_numeric() && b.is_numeric() => TokenClass::Number,
            _ => TokenClass::Other,
        }
    }
}

/// `us-east-1`, `ap-southeast-2`, `us-gov-west-1`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    (3..=4).contains(&parts.len())
        && parts[0].len() == 2
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// `use1-az1`, `apse2-az3`.
fn is_az_id(text: &str) -> bool {
    let Some((zone, number)) = text.split_once("-az") else {
        return false;
    };
    zone.len() >= 4
        && zone.bytes().any(|b| b.is_ascii_digit())
        && zone
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
        && !number.is_empty()
        && number.bytes().all(|b| b.is_ascii_digit())
}

/// Bytes are binary when they hold a NUL byte, or when more than a tenth of them are control
/// characters (other than tab, line feed and carriage return) or not UTF-8. Used on a line
/// here, and on the first block of an object by [`crate::open`].
pub(crate) fn is_binary(bytes: &[u8]) -> bool {
    let mut odd = 0usize;
    for chunk in bytes.utf8_chunks() {
        odd += chunk.invalid().len();
        for c in chunk.valid().chars() {
            if c == '\0' {
                return true;
            }
            if c.is_control() && !matches!(c, '\t' | '\n' | '\r') {
                odd += 1;
            }
        }
    }
    odd * 10 > bytes.len()
}

/// One probed malformed line.
#[derive(Debug, Clone, PartialEq, Eq)]
struct ProbedLine {
    origin: FormatOrigin,
    expected: u32,
    found: u32,
    binary: bool,
    /// Classes of the first [`PROBE_TOKENS`] tokens.
    classes: Vec<TokenClass>,
    kind: LineIssueKind,
    field: Option<String>,
    text: String,
}

/// The shape of the first [`PROBE_LINES`] malformed lines of one object: the input of
/// [`LineStats::diagnose`]. Bounded (a few hundred bytes); opaque.
///
/// It describes one object: merging the stats of two objects that both have malformed lines
/// ([`LineStats::merge`]) leaves an empty probe, whatever the order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LineProbe {
    lines: Vec<ProbedLine>,
    /// Whether this probe stands for stats merged from several objects with malformed lines.
    merged: bool,
}

impl LineProbe {
    /// Whether another malformed line would be kept.
    pub(crate) fn wants(&self) -> bool {
        self.lines.len() < PROBE_LINES && !self.merged
    }

    /// Keeps the shape of a malformed line (the framed line, without its line ending) and
    /// its issue; `expected` is the field count of the format in force.
    pub(crate) fn record(
        &mut self,
        line: &[u8],
        origin: FormatOrigin,
        expected: usize,
        issue: &LineIssue,
    ) {
        if !self.wants() {
            return;
        }
        let tokens = line.split(|&b| b == b' ');
        let found = tokens.clone().count();
        self.lines.push(ProbedLine {
            origin,
            expected: u32::try_from(expected).unwrap_or(u32::MAX),
            found: u32::try_from(found).unwrap_or(u32::MAX),
            binary: is_binary(line),
            classes: tokens.take(PROBE_TOKENS).map(TokenClass::of).collect(),
            kind: issue.kind,
            field: issue.field.clone(),
            text: issue.text.clone(),
        });
    }

    /// Merges the probe of another object's stats (see the type's documentation).
    pub(crate) fn merge(&mut self, other: &LineProbe) {
        let mine = self.merged || !self.lines.is_empty();
        let theirs = other.merged || !other.lines.is_empty();
        if mine && theirs {
            self.lines.clear();
            self.merged = true;
        } else if theirs {
            self.clone_from(other);
        }
    }
}

/// [`LineStats::diagnose`].
pub(crate) fn diagnose(stats: &LineStats) -> Option<Diagnosis> {
    let data = stats.counts.data_lines();
    if stats.counts.malformed == 0 || stats.counts.malformed * 100 <= data * MALFORMED_SHARE_PERCENT
    {
        return None;
    }
    let lines = &stats.probe.lines;
    let most = |n: usize| n * 2 > lines.len();
    if !lines.is_empty() {
        if most(lines.iter().filter(|l| l.binary).count()) {
            return Some(Diagnosis::Binary);
        }
        let tgw = |l: &&ProbedLine| l.classes.contains(&TokenClass::TransitGateway);
        if most(lines.iter().filter(tgw).count()) {
            return Some(Diagnosis::TransitGateway);
        }
        if let Some(diagnosis) = format_diagnosis(lines) {
            return Some(diagnosis);
        }
    }
    let (reason, _) = stats
        .malformed_by_reason
        .iter()
        .enumerate()
        .max_by_key(|&(i, n)| (*n, std::cmp::Reverse(i)))?;
    let reason = stats
        .samples
        .iter()
        .find(|s| s.kind.reason_index() == reason)
        .map(|s| s.kind)
        .or_else(|| {
            lines
                .iter()
                .find(|l| l.kind.reason_index() == reason)
                .map(|l| l.kind)
        })?;
    Some(Diagnosis::Malformed { reason })
}

/// A wrong field count or wrong values, when most probed lines agree on it.
fn format_diagnosis(lines: &[ProbedLine]) -> Option<Diagnosis> {
    let most = |n: usize| n * 2 > lines.len();
    // By the count of tokens, not by the reason reported: a line of another format usually
    // fails on a value (an id where an address is expected) before its count is known.
    let counted: Vec<&ProbedLine> = lines.iter().filter(|l| l.found != l.expected).collect();
    if most(counted.len()) {
        // The most frequent count (the smallest among ties), and the lines that have it.
        let mut counts: Vec<u32> = counted.iter().map(|l| l.found).collect();
        counts.sort_unstable();
        let found = counts
            .chunk_by(|a, b| a == b)
            .max_by_key(|run| (run.len(), std::cmp::Reverse(run[0])))
            .map(|run| run[0])?;
        let same: Vec<&ProbedLine> = counted.into_iter().filter(|l| l.found == found).collect();
        let first = same[0];
        return Some(Diagnosis::FieldCount {
            origin: first.origin,
            expected: first.expected,
            found,
            guess: guess(&same),
        });
    }
    let valued: Vec<&ProbedLine> = lines
        .iter()
        .filter(|l| {
            l.found == l.expected
                && matches!(
                    l.kind,
                    LineIssueKind::InvalidNumber
                        | LineIssueKind::NumberOutOfRange
                        | LineIssueKind::InvalidAddress
                        | LineIssueKind::InvalidValue
                )
        })
        .collect();
    if !most(valued.len()) {
        return None;
    }
    let first = valued[0];
    Some(Diagnosis::WrongFormat {
        origin: first.origin,
        issue: first.kind,
        field: first.field.clone(),
        text: first.text.clone(),
        guess: guess(&valued),
    })
}

/// A format whose fields fit the classes of the lines' values, position by position — when
/// every position can be told (no position only ever `-`, no unknown value, no field twice).
/// Addresses are taken as `srcaddr dstaddr pkt-srcaddr pkt-dstaddr` in that order, times as
/// `start end`, other numbers in AWS's order of numeric fields: the guess is a guess.
fn guess(lines: &[&ProbedLine]) -> Option<LogFormat> {
    let width = lines.first()?.found as usize;
    if width > PROBE_TOKENS {
        return None;
    }
    let mut classes = lines[0].classes.clone();
    for line in &lines[1..] {
        for (mine, theirs) in classes.iter_mut().zip(&line.classes) {
            *mine = mine.consensus(*theirs);
        }
    }
    let mut addresses = [
        FlowField::SrcAddr,
        FlowField::DstAddr,
        FlowField::PktSrcAddr,
        FlowField::PktDstAddr,
    ]
    .into_iter();
    let mut times = [FlowField::Start, FlowField::End].into_iter();
    let mut numbers = [
        FlowField::SrcPort,
        FlowField::DstPort,
        FlowField::Protocol,
        FlowField::Packets,
        FlowField::Bytes,
        FlowField::TcpFlags,
        FlowField::TrafficPath,
    ]
    .into_iter();
    let mut services = [FlowField::PktSrcAwsService, FlowField::PktDstAwsService].into_iter();
    let mut fields = Vec::with_capacity(width);
    for (i, class) in classes.iter().enumerate() {
        let field = match class {
            TokenClass::VersionDigit if i == 0 => FlowField::Version,
            TokenClass::VersionDigit | TokenClass::Number => numbers.next()?,
            TokenClass::Account => FlowField::AccountId,
            TokenClass::Epoch => times.next()?,
            TokenClass::Address => addresses.next()?,
            TokenClass::Eni => FlowField::InterfaceId,
            TokenClass::Vpc => FlowField::VpcId,
            TokenClass::Subnet => FlowField::SubnetId,
            TokenClass::Instance => FlowField::InstanceId,
            TokenClass::Action => FlowField::Action,
            TokenClass::LogStatus => FlowField::LogStatus,
            TokenClass::Direction => FlowField::FlowDirection,
            TokenClass::AddressType => FlowField::Type,
            TokenClass::Region => FlowField::Region,
            TokenClass::AzId => FlowField::AzId,
            TokenClass::SublocationType => FlowField::SublocationType,
            TokenClass::AwsService => services.next()?,
            TokenClass::EcsClusterArn => FlowField::EcsClusterArn,
            TokenClass::EcsContainerInstanceArn => FlowField::EcsContainerInstanceArn,
            TokenClass::EcsTaskArn => FlowField::EcsTaskArn,
            TokenClass::EcsTaskDefinitionArn => FlowField::EcsTaskDefinitionArn,
            TokenClass::Dash | TokenClass::TransitGateway | TokenClass::Other => return None,
        };
        fields.push(field.into());
    }
    LogFormat::new(fields).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn classes(line: &str) -> Vec<TokenClass> {
        line.split(' ')
            .map(|t| TokenClass::of(t.as_bytes()))
            .collect()
    }

    #[test]
    fn tokens_are_classified_by_shape() {
        use TokenClass::*;
        assert_eq!(
            classes(
                "5 123456789010 eni-0a1b vpc-01 subnet-9f i-0abc tgw-attach-1 - ACCEPT NODATA egress IPv6"
            ),
            [
                VersionDigit,
                Account,
                Eni,
                Vpc,
                Subnet,
                Instance,
                TransitGateway,
                Dash,
                Action,
                LogStatus,
                Direction,
                AddressType
            ]
        );
        assert_eq!(
            classes("10.0.0.1 2001:db8::1 1418530010 443 us-east-1 use1-az1 S3 outpost eni-xyz"),
            [
                Address,
                Address,
                Epoch,
                Number,
                Region,
                AzId,
                AwsService,
                SublocationType,
                Other
            ]
        );
        assert_eq!(
            classes("arn:aws:ecs:us-east-1:123456789012:task/c/1 arn:aws:s3:::b"),
            [EcsTaskArn, Other]
        );
    }

    #[test]
    fn binary_lines() {
        assert!(is_binary(b"2 1 eni-1\0"));
        assert!(is_binary(b"\xff\xfe\x01\x02abc"));
        assert!(!is_binary(b"2 123456789010 eni-1 10.0.0.1"));
        assert!(!is_binary("version \u{e9}t\u{e9}".as_bytes()));
        assert!(!is_binary(b"2 1 eni-1\r\n2 1 eni-2\n\tx\n"));
    }

    #[test]
    fn numbers_of_different_shapes_agree_on_number() {
        assert_eq!(
            TokenClass::Account.consensus(TokenClass::Number),
            TokenClass::Number
        );
        assert_eq!(TokenClass::Dash.consensus(TokenClass::Eni), TokenClass::Eni);
        assert_eq!(
            TokenClass::Eni.consensus(TokenClass::Vpc),
            TokenClass::Other
        );
    }
}
