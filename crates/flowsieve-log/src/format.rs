//! [`LogFormat`]: the field order of a flow log, from a header line, from the `${a} ${b}` string
//! AWS stores in a flow log's `LogFormat`, or the default version-2 format.
//!
//! Parsing a format is a cold path; it uses nom combinators for clarity. Turning a format into
//! the per-field plan the hot loop follows is [`crate::plan`]'s job.

use std::fmt;
use std::str::FromStr;

use nom::branch::alt;
use nom::bytes::complete::{tag, take_while1};
use nom::sequence::delimited;
use nom::{IResult, Parser};

use crate::error::{Error, ErrorKind, Result};
use crate::field::{FieldName, FlowField, TRANSIT_GATEWAY_MARKERS};

/// The ordered fields of a flow log's records.
///
/// ```
/// use flowsieve_log::{FlowField, LogFormat};
///
/// let aws: LogFormat = "${version} ${interface-id} ${srcaddr} ${tcp-flags}".parse()?;
/// let header: LogFormat = "version interface-id srcaddr tcp-flags".parse()?;
/// assert_eq!(aws, header);
/// assert!(aws.contains(FlowField::TcpFlags));
/// assert_eq!(LogFormat::default_v2().len(), 14);
/// # Ok::<(), flowsieve_log::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct LogFormat {
    fields: Vec<FieldName>,
}

/// The default (version 2) format, which AWS does not let anyone alter.
const DEFAULT_V2: [FlowField; 14] = [
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
];

impl LogFormat {
    /// The default format: `${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr}
    /// ${srcport} ${dstport} ${protocol} ${packets} ${bytes} ${start} ${end} ${action}
    /// ${log-status}`.
    pub fn default_v2() -> LogFormat {
        LogFormat {
            fields: DEFAULT_V2.iter().map(|&f| FieldName::Known(f)).collect(),
        }
    }

    /// A format from fields in order. Fails on an empty list or a repeated field.
    pub fn new(fields: Vec<FieldName>) -> Result<LogFormat> {
        let text = fields
            .iter()
            .map(|f| f.aws_name())
            .collect::<Vec<_>>()
            .join(" ");
        validate(&fields, &text)?;
        Ok(LogFormat { fields })
    }

    /// The fields, in record order.
    pub fn fields(&self) -> &[FieldName] {
        &self.fields
    }

    /// Number of fields per record.
    pub fn len(&self) -> usize {
        self.fields.len()
    }

    /// Always false: a format has at least one field.
    pub fn is_empty(&self) -> bool {
        self.fields.is_empty()
    }

    /// Whether the format has a known field.
    pub fn contains(&self, field: FlowField) -> bool {
        self.position(field).is_some()
    }

    /// Position of a known field.
    pub fn position(&self, field: FlowField) -> Option<usize> {
        self.fields.iter().position(|f| f.known() == Some(field))
    }

    /// The version a record of this format carries: the highest version among its fields.
    pub fn version(&self) -> u8 {
        self.fields
            .iter()
            .filter_map(|f| f.known()?.since_version())
            .max()
            .unwrap_or(2)
    }

    /// The union of the fields of `formats`, each once, in canonical order
    /// ([`FieldName::canonical_key`]: [`FlowField::ALL`] order, then unknown fields by name):
    /// the one schema that holds rows of every format (`flowsieve convert` writes inputs of
    /// several formats into one file with it).
    ///
    /// ```
    /// use flowsieve_log::LogFormat;
    ///
    /// let a: LogFormat = "${srcaddr} ${version} ${zeta-field}".parse()?;
    /// let b: LogFormat = "${log-status} ${alpha-field} ${version}".parse()?;
    /// let names: Vec<String> =
    ///     LogFormat::union_fields([&a, &b]).iter().map(|f| f.aws_name().to_owned()).collect();
    /// assert_eq!(names, ["version", "srcaddr", "log-status", "alpha-field", "zeta-field"]);
    /// # Ok::<(), flowsieve_log::Error>(())
    /// ```
    pub fn union_fields<'a>(formats: impl IntoIterator<Item = &'a LogFormat>) -> Vec<FieldName> {
        let mut fields: Vec<FieldName> = formats
            .into_iter()
            .flat_map(|format| format.fields().iter().cloned())
            .collect::<std::collections::HashSet<_>>()
            .into_iter()
            .collect();
        fields.sort_by(|a, b| a.canonical_key().cmp(&b.canonical_key()));
        fields
    }

    /// The format as AWS writes it in a flow log's `LogFormat` (`${version} ${account-id} …`).
    pub fn to_aws_string(&self) -> String {
        self.fields
            .iter()
            .map(|f| format!("${{{}}}", f.aws_name()))
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The format as the header line of an S3 text object (`version account-id …`).
    pub fn to_header_line(&self) -> String {
        self.fields
            .iter()
            .map(|f| f.aws_name())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// Recognises a header line: every token is a field name (`[a-z][a-z0-9-]*`) and at least
    /// half of them are fields flowsieve knows. Returns `Ok(None)` for a data line, and an error
    /// for a Transit Gateway header (a different record type).
    pub(crate) fn from_header_line(line: &[u8], source_label: &str) -> Result<Option<LogFormat>> {
        let Ok(text) = std::str::from_utf8(line) else {
            return Ok(None);
        };
        let text = text.trim_end();
        let tokens: Vec<&str> = text.split(' ').collect();
        if tokens.iter().any(|t| !is_field_name(t)) {
            return Ok(None);
        }
        let known = tokens
            .iter()
            .filter(|t| FlowField::from_name(t).is_some())
            .count();
        if tokens.iter().any(|t| TRANSIT_GATEWAY_MARKERS.contains(t)) {
            return Err(Error::from(ErrorKind::UnsupportedRecordType {
                source_label: source_label.to_owned(),
                reason: "this is a Transit Gateway flow log (its header has `tgw-id`); flowsieve \
                         reads VPC flow logs of network interfaces"
                    .to_owned(),
            }));
        }
        if known * 2 < tokens.len() || known == 0 {
            return Ok(None);
        }
        Ok(Some(LogFormat::from_str(text)?))
    }

    /// Whether a line may be a header, checked cheaply on every line that starts with a
    /// lowercase letter: its first token must be a known field name.
    pub(crate) fn may_be_header(line: &[u8]) -> bool {
        if !line.first().is_some_and(u8::is_ascii_lowercase) {
            return false;
        }
        let end = memchr::memchr(b' ', line).unwrap_or(line.len());
        std::str::from_utf8(&line[..end]).is_ok_and(|first| FlowField::from_name(first).is_some())
    }
}

impl Default for LogFormat {
    fn default() -> Self {
        LogFormat::default_v2()
    }
}

fn is_field_name(token: &str) -> bool {
    let mut bytes = token.bytes();
    bytes.next().is_some_and(|b| b.is_ascii_lowercase())
        && bytes.all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'_')
}

fn name_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '-' || c == '_'
}

/// `${name}`, also `$${name}` as Terraform HCL escapes it, or a bare `name`.
fn format_token(input: &str) -> IResult<&str, &str> {
    alt((
        delimited(tag("$${"), take_while1(name_char), tag("}")),
        delimited(tag("${"), take_while1(name_char), tag("}")),
        take_while1(name_char),
    ))
    .parse(input)
}

/// Tokens separated by spaces; on failure, the byte offset of the token that did not parse.
fn format_tokens(text: &str) -> std::result::Result<Vec<&str>, usize> {
    let mut tokens = Vec::new();
    let mut input = text.trim_start_matches(' ');
    while !input.is_empty() {
        let at = text.len() - input.len();
        let (rest, token) = format_token(input).map_err(|_| at)?;
        if !(rest.is_empty() || rest.starts_with(' ')) {
            return Err(text.len() - rest.len());
        }
        tokens.push(token);
        input = rest.trim_start_matches(' ');
    }
    Ok(tokens)
}

impl FromStr for LogFormat {
    type Err = Error;

    /// Parses `${version} ${account-id} …` (AWS `LogFormat`), `$${version} …` (Terraform HCL), or
    /// the header form `version account-id …`. Names may use `-` or `_`.
    fn from_str(text: &str) -> Result<LogFormat> {
        let tokens = match format_tokens(text) {
            Ok(tokens) => tokens,
            Err(position) => {
                return Err(invalid(
                    text,
                    position,
                    "expected field names separated by spaces, as `${version} ${account-id}` or \
                     `version account-id`",
                ));
            }
        };
        let fields: Vec<FieldName> = tokens.iter().map(|t| FieldName::parse(t)).collect();
        validate(&fields, text)?;
        Ok(LogFormat { fields })
    }
}

fn validate(fields: &[FieldName], text: &str) -> Result<()> {
    if fields.is_empty() {
        return Err(invalid(text, 0, "a format needs at least one field"));
    }
    for (i, field) in fields.iter().enumerate() {
        if fields[..i].contains(field) {
            let position = text.find(field.aws_name()).unwrap_or(0);
            return Err(invalid(
                text,
                position,
                &format!("field `{field}` appears twice"),
            ));
        }
        if TRANSIT_GATEWAY_MARKERS.contains(&field.aws_name()) {
            let position = text.find(field.aws_name()).unwrap_or(0);
            return Err(invalid(
                text,
                position,
                "`tgw-*` fields belong to Transit Gateway flow logs, which flowsieve does not read",
            ));
        }
    }
    Ok(())
}

fn invalid(text: &str, position: usize, reason: &str) -> Error {
    Error::from(ErrorKind::InvalidFormat {
        text: text.to_owned(),
        position,
        reason: reason.to_owned(),
    })
}

impl fmt::Display for LogFormat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_aws_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_aws_terraform_and_header_forms() {
        let aws: LogFormat = "${version} ${vpc-id} ${srcaddr}".parse().unwrap();
        let hcl: LogFormat = "$${version} $${vpc-id} $${srcaddr}".parse().unwrap();
        let header: LogFormat = "version vpc-id srcaddr".parse().unwrap();
        let columns: LogFormat = "version vpc_id srcaddr".parse().unwrap();
        assert_eq!(aws, hcl);
        assert_eq!(aws, header);
        assert_eq!(aws, columns);
        assert_eq!(aws.to_aws_string(), "${version} ${vpc-id} ${srcaddr}");
        assert_eq!(aws.version(), 3);
    }

    #[test]
    fn default_round_trips() {
        let text = LogFormat::default_v2().to_aws_string();
        assert_eq!(text.parse::<LogFormat>().unwrap(), LogFormat::default_v2());
        assert_eq!(LogFormat::default_v2().version(), 2);
    }

    #[test]
    fn unknown_fields_are_kept() {
        let format: LogFormat = "${version} ${next-hop-vpc-id}".parse().unwrap();
        assert_eq!(format.fields()[1].aws_name(), "next-hop-vpc-id");
    }

    #[test]
    fn errors_say_where() {
        let err = "${version} ${srcaddr".parse::<LogFormat>().unwrap_err();
        match err.kind() {
            ErrorKind::InvalidFormat { position, .. } => assert_eq!(*position, 11),
            other => panic!("unexpected {other:?}"),
        }
        let err = "version srcaddr version".parse::<LogFormat>().unwrap_err();
        assert!(err.to_string().contains("appears twice"), "{err}");
        assert!("".parse::<LogFormat>().is_err());
        assert!("${}".parse::<LogFormat>().is_err());
    }

    #[test]
    fn header_detection() {
        let header = b"version account-id interface-id srcaddr dstaddr srcport dstport protocol packets bytes start end action log-status";
        assert_eq!(
            LogFormat::from_header_line(header, "x").unwrap(),
            Some(LogFormat::default_v2())
        );
        assert!(LogFormat::may_be_header(header));
        let data =
            b"2 123456789010 eni-1235b8ca123456789 - - - - - - - 1431280876 1431280934 - NODATA";
        assert_eq!(LogFormat::from_header_line(data, "x").unwrap(), None);
        assert!(!LogFormat::may_be_header(data));
        let nat = b"- eni-1235b8ca123456789 10.0.1.5 10.0.0.220 10.0.1.5 203.0.113.5";
        assert_eq!(LogFormat::from_header_line(nat, "x").unwrap(), None);
        let tgw = b"version account-id tgw-id tgw-attachment-id srcaddr";
        assert!(LogFormat::from_header_line(tgw, "x").is_err());
    }
}
