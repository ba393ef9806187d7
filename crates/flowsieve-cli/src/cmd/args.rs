//! Value parsers shared by every subcommand: the one range rule for numeric options (each
//! option's bounds are constants here, checked by clap, so a typo is a usage error — exit 2 —
//! rather than minutes of thread spawning or a failed allocation), and the time forms of
//! `--since` / `--until`.

use std::ops::RangeInclusive;

use clap::builder::{RangedU64ValueParser, TypedValueParser};

/// Worker threads (`--threads`): [`flowsieve::limits::THREADS`].
pub const THREADS: RangeInclusive<u64> = flowsieve::limits::THREADS;
/// Rows per batch (`--batch-size`): [`flowsieve::limits::BATCH_SIZE`].
pub const BATCH_SIZE: RangeInclusive<u64> = flowsieve::limits::BATCH_SIZE;
/// Rows per section of the table and Markdown reports (`--top`): [`flowsieve::limits::TOP`].
pub const TOP: RangeInclusive<u64> = flowsieve::limits::TOP;
/// Lines per object the learning pass reads (`--learn-lines`):
/// [`flowsieve::limits::LEARN_LINES`].
pub const LEARN_LINES: RangeInclusive<u64> = flowsieve::limits::LEARN_LINES;
/// Table width in columns (`--width`).
pub const WIDTH: RangeInclusive<u64> = 60..=1000;
/// S3 objects fetched at once (`--s3-concurrency`): each buffers at most 1 MiB.
pub const S3_CONCURRENCY: RangeInclusive<u64> = 1..=256;
/// Retries of a failing S3 request (`--s3-retries`).
pub const S3_RETRIES: RangeInclusive<u64> = 0..=100;
/// Rows per Parquet row group (`convert --row-group-rows`): the Parquet writer's default at most.
pub const ROW_GROUP_ROWS: RangeInclusive<u64> = 1..=1_048_576;
/// Records of a generated archive (`generate --records`): 10^11 is about 20 TB of text.
pub const RECORDS: RangeInclusive<u64> = 1..=100_000_000_000;

/// The clap parser of a count in `range` (the error names the range: "… is not in 1..=1024").
pub fn count(range: RangeInclusive<u64>) -> impl TypedValueParser<Value = usize> {
    RangedU64ValueParser::<usize>::new().range(range)
}

/// The clap parser of a `u64` in `range`.
pub fn number(range: RangeInclusive<u64>) -> impl TypedValueParser<Value = u64> {
    RangedU64ValueParser::<u64>::new().range(range)
}

/// A `--since` / `--until` value: unix seconds, and how the text was read when that is worth
/// saying (a time without zone taken as UTC, a number taken as milliseconds).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Time {
    /// Unix seconds.
    pub seconds: i64,
    /// What was assumed, to print on stderr (`None`: the text was unambiguous).
    pub assumed: Option<String>,
}

/// Epoch numbers at or above this magnitude are milliseconds: as seconds they would lie after
/// the year 5138, as milliseconds they lie after 1973.
const MILLISECONDS_FROM: i64 = 100_000_000_000;

const TIME_FORMS: &str = "expected RFC 3339 with a zone (2025-04-21T00:00:00Z, \
    2025-04-21T02:00:00+02:00), a date (2025-04-21: its midnight UTC), a date and time without \
    zone, taken as UTC (2025-04-21T12:00:00, '2025-04-21 12:00'), unix seconds (1745193600) or \
    unix milliseconds (1745193600000)";

/// Parses `--since` / `--until`.
/// A port range `FROM-TO` (`--client-ports 32768-60999`).
pub fn parse_port_range(text: &str) -> Result<(u16, u16), String> {
    let refuse = || format!("expected FROM-TO with 0 <= FROM <= TO <= 65535, got '{text}'");
    let (from, to) = text.trim().split_once('-').ok_or_else(refuse)?;
    let from: u16 = from.trim().parse().map_err(|_| refuse())?;
    let to: u16 = to.trim().parse().map_err(|_| refuse())?;
    if from > to {
        return Err(refuse());
    }
    Ok((from, to))
}

pub fn parse_time(text: &str) -> Result<Time, String> {
    let text = text.trim();
    let refuse = || format!("{TIME_FORMS}; got '{text}'");
    let in_range = |seconds: i64| {
        jiff::Timestamp::from_second(seconds)
            .map(|t| t.strftime("%Y-%m-%dT%H:%M:%SZ").to_string())
            .map_err(|_| format!("{text} is out of range (years -9999 to 9999)"))
    };
    let digits = text.strip_prefix('-').unwrap_or(text);
    if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
        let number: i64 = text
            .parse()
            .map_err(|_| format!("{text} is out of range (years -9999 to 9999)"))?;
        if number.unsigned_abs() < MILLISECONDS_FROM.unsigned_abs() {
            in_range(number)?;
            return Ok(Time {
                seconds: number,
                assumed: None,
            });
        }
        let seconds = number.div_euclid(1000);
        let utc = in_range(seconds)?;
        return Ok(Time {
            seconds,
            assumed: Some(format!("{text} taken as unix milliseconds ({utc})")),
        });
    }
    if let Ok(timestamp) = text.parse::<jiff::Timestamp>() {
        return Ok(Time {
            seconds: timestamp.as_second(),
            assumed: None,
        });
    }
    if text.contains('[') {
        // A time-zone annotation without an offset: the zone database is not consulted.
        return Err(refuse());
    }
    if text.len() == "2025-04-21".len()
        && let Ok(date) = text.parse::<jiff::civil::Date>()
    {
        let seconds =
            utc_seconds(date.to_datetime(jiff::civil::Time::midnight())).ok_or_else(refuse)?;
        return Ok(Time {
            seconds,
            assumed: None,
        });
    }
    if let Ok(civil) = text.parse::<jiff::civil::DateTime>() {
        let seconds = utc_seconds(civil).ok_or_else(refuse)?;
        let utc = in_range(seconds)?;
        return Ok(Time {
            seconds,
            assumed: Some(format!("'{text}' has no time zone: taken as UTC ({utc})")),
        });
    }
    Err(refuse())
}

fn utc_seconds(civil: jiff::civil::DateTime) -> Option<i64> {
    jiff::tz::TimeZone::UTC
        .to_timestamp(civil)
        .ok()
        .map(|timestamp| timestamp.as_second())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seconds(text: &str) -> i64 {
        parse_time(text).unwrap().seconds
    }

    #[test]
    fn every_accepted_form() {
        let midnight = 1_745_193_600;
        assert_eq!(seconds("2025-04-21T00:00:00Z"), midnight);
        assert_eq!(seconds("2025-04-21T02:00:00+02:00"), midnight);
        assert_eq!(seconds("2025-04-21"), midnight);
        assert_eq!(seconds("1745193600"), midnight);
        assert_eq!(seconds("1745193600000"), midnight);
        assert_eq!(seconds("1745193600999"), midnight);
        assert_eq!(seconds("2025-04-21T00:30:00"), midnight + 1800);
        assert_eq!(seconds("2025-04-21 12:00"), midnight + 12 * 3600);
        assert_eq!(seconds("0"), 0);
    }

    #[test]
    fn assumptions_are_said() {
        assert_eq!(parse_time("2025-04-21").unwrap().assumed, None);
        assert_eq!(parse_time("2025-04-21T00:00:00Z").unwrap().assumed, None);
        assert_eq!(
            parse_time("2025-04-21 12:00").unwrap().assumed.as_deref(),
            Some("'2025-04-21 12:00' has no time zone: taken as UTC (2025-04-21T12:00:00Z)")
        );
        assert_eq!(
            parse_time("1745193600000").unwrap().assumed.as_deref(),
            Some("1745193600000 taken as unix milliseconds (2025-04-21T00:00:00Z)")
        );
    }

    #[test]
    fn anything_else_is_refused_with_the_forms() {
        for bad in [
            "yesterday",
            "",
            "2025-04-21T00:00:00[Europe/Paris]",
            "21/04/2025",
            "2025-13-01",
        ] {
            let err = parse_time(bad).unwrap_err();
            assert!(err.starts_with("expected RFC 3339"), "{bad}: {err}");
        }
        assert_eq!(
            parse_time("99999999999999999").unwrap_err(),
            "99999999999999999 is out of range (years -9999 to 9999)"
        );
        assert_eq!(
            parse_time("99999999999999999999").unwrap_err(),
            "99999999999999999999 is out of range (years -9999 to 9999)"
        );
    }
}
