//! What CloudWatch Logs puts around flow-log records when they leave it as text: the timestamp
//! an export (`aws logs create-export-task`) writes before each record, and the CSV a Logs
//! Insights query result downloads as (`timestamp,message`, then one `epoch-ms,record` row
//! per record). The decoder calls these on framed lines; each returns the record's text.

/// Strips the `YYYY-MM-DDTHH:MM:SS[.fff]Z ` an export writes before each record. The test is
/// two byte compares for ordinary lines.
#[inline]
pub(crate) fn strip_export_timestamp(line: &[u8]) -> &[u8] {
    if line.len() < 21 || line[4] != b'-' || line[10] != b'T' {
        return line;
    }
    let Some(space) = memchr::memchr(b' ', line) else {
        return line;
    };
    let stamp = &line[..space];
    let digits = |range: std::ops::Range<usize>| stamp[range].iter().all(u8::is_ascii_digit);
    let shape = stamp.len() >= 20
        && digits(0..4)
        && stamp[7] == b'-'
        && digits(5..7)
        && digits(8..10)
        && digits(11..13)
        && stamp[13] == b':'
        && digits(14..16)
        && stamp[16] == b':'
        && digits(17..19)
        && (stamp.ends_with(b"Z") || stamp.ends_with(b"+00:00"));
    if shape { &line[space + 1..] } else { line }
}

/// Whether a line is the header of a Logs Insights CSV download: two columns, `timestamp` and
/// `message` (either may be quoted, and carry the `@` of the query's field names).
pub(crate) fn is_insights_header(line: &[u8]) -> bool {
    let Some((first, second)) = split_column(line) else {
        return false;
    };
    let name = |column: &[u8], expected: &[u8]| {
        let column = unquote(column).unwrap_or(column);
        column.strip_prefix(b"@").unwrap_or(column) == expected
    };
    name(first, b"timestamp") && name(second, b"message")
}

/// The record of a Logs Insights CSV row: the second column, unquoted. A row that is not
/// `timestamp,message` (no comma; a quoted message with a quote inside, which no flow-log
/// record has) is returned whole, to be reported malformed as it is.
pub(crate) fn insights_message(line: &[u8]) -> &[u8] {
    match split_column(line) {
        Some((_, message)) => unquote(message).unwrap_or(message),
        None => line,
    }
}

/// The first CSV column and the rest after its comma. The first column may be quoted (no
/// quote inside: it is a timestamp).
fn split_column(line: &[u8]) -> Option<(&[u8], &[u8])> {
    let end = if line.first() == Some(&b'"') {
        1 + memchr::memchr(b'"', &line[1..])? + 1
    } else {
        memchr::memchr(b',', line)?
    };
    match line.get(end) {
        Some(b',') => Some((&line[..end], &line[end + 1..])),
        _ => None,
    }
}

/// The inside of `"…"` when it holds no quote.
fn unquote(column: &[u8]) -> Option<&[u8]> {
    let inner = column.strip_prefix(b"\"")?.strip_suffix(b"\"")?;
    (!inner.contains(&b'"')).then_some(inner)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_prefix_is_stripped() {
        let line = b"2024-03-21T15:22:49.000Z 2 123 eni-1 - - - - - - - 1 2 - NODATA";
        assert_eq!(strip_export_timestamp(line), &line[25..]);
        let plain = b"2 123456789010 eni-1235b8ca123456789 172.31.16.139";
        assert_eq!(strip_export_timestamp(plain), plain);
        let odd = b"vpc-abcdefab012345678 subnet-aaaaaaaa012345678 x";
        assert_eq!(strip_export_timestamp(odd), odd);
    }

    #[test]
    fn insights_headers() {
        for header in [
            &b"timestamp,message"[..],
            b"\"timestamp\",\"message\"",
            b"@timestamp,@message",
            b"\"@timestamp\",\"@message\"",
        ] {
            assert!(is_insights_header(header), "{header:?}");
        }
        for other in [
            &b"timestamp message"[..],
            b"timestamp,message,logStream",
            b"message,timestamp",
            b"\"timestamp,message",
            b"",
        ] {
            assert!(!is_insights_header(other), "{other:?}");
        }
    }

    #[test]
    fn insights_rows() {
        let record = b"2 627286350134 eni-0e - - - - - - - 1742570569 1742570622 - NODATA";
        let mut plain = b"1742570569000,".to_vec();
        plain.extend_from_slice(record);
        assert_eq!(insights_message(&plain), record);
        let mut quoted = b"\"1742570569000\",\"".to_vec();
        quoted.extend_from_slice(record);
        quoted.push(b'"');
        assert_eq!(insights_message(&quoted), record);
        // Not a row of two columns, or a quote inside: the line as it is.
        assert_eq!(insights_message(record), record);
        assert_eq!(insights_message(b"1,\"a\"b\""), b"\"a\"b\"");
        assert_eq!(insights_message(b"\"1\"x,2"), b"\"1\"x,2");
    }
}
