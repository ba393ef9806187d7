//! [`LogObjectKey`]: what the S3 key (or local path) of a flow-log object says about it —
//! account, region, date, hour, flow log id and 5-minute window — in both layouts AWS writes:
//!
//! * plain: `prefix/AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]{file}`
//! * Hive: `prefix/AWSLogs/aws-account-id={account}/aws-service=vpcflowlogs/aws-region={region}/year={yyyy}/month={mm}/day={dd}/[hour={HH}/]{file}`
//!
//! with `{file}` = `{account}_vpcflowlogs_{region}_{fl-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz` (or
//! `.log.parquet`). Everything before `AWSLogs/` is opaque. Used to prune objects by time,
//! account and region before reading them. Pure string work: no I/O.

use std::fmt;

/// The layout of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyLayout {
    /// `AWSLogs/{account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/`.
    Plain,
    /// `AWSLogs/aws-account-id=…/aws-service=vpcflowlogs/aws-region=…/year=…/month=…/day=…/`.
    Hive,
}

/// What a flow-log object's key says about its content. Every part is optional: a key may
/// follow the layout only partly (a copied archive, a custom prefix).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct LogObjectKey {
    /// The layout, when the key follows one.
    pub layout: Option<KeyLayout>,
    /// The account of the `AWSLogs/{account}` folder (or the file name).
    pub account: Option<String>,
    /// The region folder (or the file name).
    pub region: Option<String>,
    /// The flow log id from the file name (`fl-1234abcd`).
    pub flow_log_id: Option<String>,
    /// The date partition (year, month, day).
    pub date: Option<(i32, u8, u8)>,
    /// The hour partition, when hourly partitions are on.
    pub hour: Option<u8>,
    /// Start (unix seconds) of the 5-minute window of the file name: the object holds records
    /// whose `end` lies in `[window_start, window_start + 300)`.
    pub window_start: Option<i64>,
}

/// Seconds in the file-name window.
pub const FILE_WINDOW_SECONDS: i64 = 300;

impl LogObjectKey {
    /// Parses a key or path (`/` separated). Never fails: unknown parts stay `None`.
    pub fn parse(key: &str) -> LogObjectKey {
        let mut parsed = LogObjectKey::default();
        let parts: Vec<&str> = key.split(['/', '\\']).filter(|p| !p.is_empty()).collect();
        if let Some(at) = parts.iter().rposition(|p| *p == "AWSLogs") {
            let rest = &parts[at + 1..];
            if rest
                .first()
                .is_some_and(|p| p.starts_with("aws-account-id="))
            {
                parsed.parse_hive(rest);
            } else {
                parsed.parse_plain(rest);
            }
        }
        if let Some(file) = parts.last() {
            parsed.parse_file_name(file);
        }
        parsed
    }

    fn parse_plain(&mut self, rest: &[&str]) {
        // {account}/vpcflowlogs/{region}/{yyyy}/{mm}/{dd}/[{HH}/]{file}
        if rest.len() < 3 || rest[1] != "vpcflowlogs" {
            return;
        }
        self.layout = Some(KeyLayout::Plain);
        self.account = Some(rest[0].to_owned());
        self.region = Some(rest[2].to_owned());
        let folders = &rest[3..rest.len().saturating_sub(1).max(3)];
        if let [y, m, d, tail @ ..] = folders
            && let (Some(y), Some(m), Some(d)) = (number(y), number(m), number(d))
            && valid_date(y, m, d)
        {
            self.date = Some((y, m, d));
            if let [h] = tail
                && let Some(h) = number::<u8>(h)
                && h < 24
            {
                self.hour = Some(h);
            }
        }
    }

    fn parse_hive(&mut self, rest: &[&str]) {
        let value = |name: &str| {
            rest.iter()
                .find_map(|p| p.strip_prefix(name).and_then(|v| v.strip_prefix('=')))
        };
        let service = value("aws-service");
        if !matches!(service, Some("vpcflowlogs") | Some("vpc")) {
            return;
        }
        self.layout = Some(KeyLayout::Hive);
        self.account = value("aws-account-id").map(str::to_owned);
        self.region = value("aws-region").map(str::to_owned);
        let num = |name: &str| value(name).and_then(number::<i32>);
        if let (Some(y), Some(m), Some(d)) = (num("year"), num("month"), num("day"))
            && let (Ok(m), Ok(d)) = (u8::try_from(m), u8::try_from(d))
            && valid_date(y, m, d)
        {
            self.date = Some((y, m, d));
        }
        self.hour = num("hour")
            .and_then(|h| u8::try_from(h).ok())
            .filter(|h| *h < 24);
    }

    fn parse_file_name(&mut self, file: &str) {
        // {account}_vpcflowlogs_{region}_{fl-id}_{YYYYMMDDTHHmmZ}_{hash}.log.gz
        let parts: Vec<&str> = file.split('_').collect();
        if parts.len() < 6 || parts[1] != "vpcflowlogs" {
            return;
        }
        self.account.get_or_insert_with(|| parts[0].to_owned());
        self.region.get_or_insert_with(|| parts[2].to_owned());
        if parts[3].starts_with("fl-") {
            self.flow_log_id = Some(parts[3].to_owned());
        }
        let stamp = parts[4].as_bytes();
        if stamp.len() == 14 && stamp[8] == b'T' && stamp[13] == b'Z' {
            let num =
                |r: std::ops::Range<usize>| number::<i64>(std::str::from_utf8(&stamp[r]).ok()?);
            if let (Some(y), Some(mo), Some(d), Some(h), Some(mi)) =
                (num(0..4), num(4..6), num(6..8), num(9..11), num(11..13))
                && let (Ok(y), Ok(mo), Ok(d)) =
                    (i32::try_from(y), u8::try_from(mo), u8::try_from(d))
                && valid_date(y, mo, d)
                && h < 24
                && mi < 60
            {
                self.window_start = Some(days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60);
                self.date.get_or_insert((y, mo, d));
            }
        }
    }

    /// The span of record `end` times this object can hold, as unix seconds `[from, to)`: the
    /// file-name window when there is one, else the hour or day partition. `None` when the key
    /// says nothing about time.
    pub fn time_span(&self) -> Option<(i64, i64)> {
        if let Some(start) = self.window_start {
            return Some((start, start + FILE_WINDOW_SECONDS));
        }
        let (y, m, d) = self.date?;
        let day = days_from_civil(y, m, d) * 86_400;
        Some(match self.hour {
            Some(h) => (day + i64::from(h) * 3600, day + i64::from(h) * 3600 + 3600),
            None => (day, day + 86_400),
        })
    }

    /// Whether the object may hold records that overlap `[since, until)` (unix seconds; either
    /// bound optional). Records of an object have their `end` in [`Self::time_span`] and their
    /// `start` up to one aggregation interval (at most 600 s) plus AWS's capture lag (up to
    /// 60 s) earlier; an object without time information always may.
    pub fn may_overlap(&self, since: Option<i64>, until: Option<i64>) -> bool {
        const SLACK: i64 = 600 + 60;
        let Some((from, to)) = self.time_span() else {
            return true;
        };
        let after_since = since.is_none_or(|s| to > s);
        let before_until = until.is_none_or(|u| from - SLACK < u);
        after_since && before_until
    }
}

/// Which objects to read, judged from their keys alone (before fetching anything): the time
/// window (`--since`/`--until`), accounts (`--account`) and regions (`--region`).
///
/// A key that does not say something a filter asks about is selected: a local file outside the
/// AWS layout has no account in its path, so only its records can tell, and it is read.
///
/// ```
/// use flowsieve_log::{KeyFilter, LogObjectKey};
///
/// let filter = KeyFilter::new().with_accounts(["123456789012"]).with_regions(["eu-west-1"]);
/// let key = LogObjectKey::parse("AWSLogs/123456789012/vpcflowlogs/eu-west-1/2026/11/01/x.log.gz");
/// assert!(filter.selects(&key));
/// let other = LogObjectKey::parse("AWSLogs/123456789012/vpcflowlogs/us-east-1/2026/11/01/x.log.gz");
/// assert!(!filter.selects(&other));
/// assert!(filter.selects(&LogObjectKey::parse("flows.log")));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct KeyFilter {
    since: Option<i64>,
    until: Option<i64>,
    accounts: Vec<String>,
    regions: Vec<String>,
}

impl KeyFilter {
    /// Selects every object.
    pub fn new() -> KeyFilter {
        KeyFilter::default()
    }

    /// Objects that may hold records overlapping `[since, until)` (unix seconds, either bound
    /// optional; see [`LogObjectKey::may_overlap`]). Default: no bounds.
    pub fn with_window(mut self, since: Option<i64>, until: Option<i64>) -> KeyFilter {
        self.since = since;
        self.until = until;
        self
    }

    /// Objects of these accounts (12-digit ids). Default (empty): any account.
    pub fn with_accounts<S: Into<String>>(
        mut self,
        accounts: impl IntoIterator<Item = S>,
    ) -> KeyFilter {
        self.accounts = accounts.into_iter().map(Into::into).collect();
        self
    }

    /// Objects of these regions (`eu-west-1`). Default (empty): any region.
    pub fn with_regions<S: Into<String>>(
        mut self,
        regions: impl IntoIterator<Item = S>,
    ) -> KeyFilter {
        self.regions = regions.into_iter().map(Into::into).collect();
        self
    }

    /// The accounts asked for (empty: any).
    pub fn accounts(&self) -> &[String] {
        &self.accounts
    }

    /// The regions asked for (empty: any).
    pub fn regions(&self) -> &[String] {
        &self.regions
    }

    /// Whether any bound or list is set (a filter that selects everything is not).
    pub fn is_active(&self) -> bool {
        self.since.is_some()
            || self.until.is_some()
            || !self.accounts.is_empty()
            || !self.regions.is_empty()
    }

    /// Whether an object with this key is to be read.
    pub fn selects(&self, key: &LogObjectKey) -> bool {
        let listed = |wanted: &[String], value: &Option<String>| {
            wanted.is_empty()
                || value
                    .as_deref()
                    .is_none_or(|v| wanted.iter().any(|w| w == v))
        };
        key.may_overlap(self.since, self.until)
            && listed(&self.accounts, &key.account)
            && listed(&self.regions, &key.region)
    }
}

impl fmt::Display for KeyLayout {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            KeyLayout::Plain => "plain",
            KeyLayout::Hive => "hive",
        })
    }
}

/// A number of a key: ASCII digits only (`str::parse` also takes a sign, so `T-3-5Z` once
/// read as a time of -3 h -5 min, and a key written back from it named another day).
fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    if text.is_empty() || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

/// A calendar date from 1970 to 9999: a day that exists in its month (2024-02-29 does,
/// 2023-02-29 and 2018-06-31 do not).
pub(crate) fn valid_date(y: i32, m: u8, d: u8) -> bool {
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return false,
    };
    (1970..=9999).contains(&y) && (1..=days).contains(&d)
}

/// The date of a day number of [`days_from_civil`] (Howard Hinnant's inverse).
pub(crate) fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (yoe + era * 400 + i64::from(m <= 2), m, d)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i32, m: u8, d: u8) -> i64 {
    let (y, m, d) = (i64::from(y), i64::from(m), i64::from(d));
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filter_by_account_region_and_window() {
        let key = LogObjectKey::parse(
            "b/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=02/day=29/hour=23/x.log.gz",
        );
        let (from, to) = key.time_span().unwrap();
        assert!(KeyFilter::new().selects(&key));
        assert!(!KeyFilter::new().is_active());
        let account = KeyFilter::new().with_accounts(["111122223333", "444455556666"]);
        assert!(account.is_active() && account.selects(&key));
        assert!(
            !KeyFilter::new()
                .with_accounts(["444455556666"])
                .selects(&key)
        );
        assert!(KeyFilter::new().with_regions(["eu-west-1"]).selects(&key));
        assert!(!KeyFilter::new().with_regions(["us-east-1"]).selects(&key));
        assert!(KeyFilter::new().with_window(Some(from), None).selects(&key));
        assert!(!KeyFilter::new().with_window(Some(to), None).selects(&key));
        // A key that says nothing is kept: only its records could tell.
        let bare = LogObjectKey::parse("flows/today.log");
        let all = KeyFilter::new()
            .with_accounts(["1"])
            .with_regions(["r"])
            .with_window(Some(0), Some(1));
        assert!(all.selects(&bare));
    }

    #[test]
    fn plain_layout() {
        let key = LogObjectKey::parse(
            "s3://bucket/prefix/AWSLogs/123456789012/vpcflowlogs/us-east-1/2018/06/20/123456789012_vpcflowlogs_us-east-1_fl-1234abcd_20180620T1620Z_fe123456.log.gz",
        );
        assert_eq!(key.layout, Some(KeyLayout::Plain));
        assert_eq!(key.account.as_deref(), Some("123456789012"));
        assert_eq!(key.region.as_deref(), Some("us-east-1"));
        assert_eq!(key.flow_log_id.as_deref(), Some("fl-1234abcd"));
        assert_eq!(key.date, Some((2018, 6, 20)));
        assert_eq!(key.window_start, Some(1_529_511_600));
        assert_eq!(key.time_span(), Some((1_529_511_600, 1_529_511_900)));
    }

    #[test]
    fn hive_layout_with_hour() {
        let key = LogObjectKey::parse(
            "logs/AWSLogs/aws-account-id=111122223333/aws-service=vpcflowlogs/aws-region=eu-west-1/year=2024/month=02/day=29/hour=23/x.log.gz",
        );
        assert_eq!(key.layout, Some(KeyLayout::Hive));
        assert_eq!(key.account.as_deref(), Some("111122223333"));
        assert_eq!(key.date, Some((2024, 2, 29)));
        assert_eq!(key.hour, Some(23));
        let (from, to) = key.time_span().unwrap();
        assert_eq!(to - from, 3600);
        assert!(key.may_overlap(Some(from), None));
        assert!(!key.may_overlap(Some(to), None));
        assert!(!key.may_overlap(None, Some(from - 3600)));
    }

    #[test]
    fn unrelated_paths_say_nothing() {
        let key = LogObjectKey::parse("testdata/logs/flowlogs-v2-default-docs.log");
        assert_eq!(key, LogObjectKey::default());
        assert!(key.may_overlap(Some(0), Some(1)));
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        for days in [0, 11_017, 19_782, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            let (m, d) = (u8::try_from(m).unwrap(), u8::try_from(d).unwrap());
            assert_eq!(days_from_civil(i32::try_from(y).unwrap(), m, d), days);
        }
    }

    /// A date folder or file-name stamp that names no real day says nothing about time: 31
    /// February was once taken as 3 March, and a key written back from the parsed parts (the
    /// `object_key` fuzz target's round trip) said another date.
    #[test]
    fn impossible_dates_are_not_dates() {
        for (y, m, d, real) in [
            (2024, 2, 29, true),
            (2023, 2, 29, false),
            (2000, 2, 29, true),
            (2100, 2, 29, false),
            (2018, 6, 31, false),
            (2018, 12, 31, true),
            (2018, 13, 1, false),
        ] {
            assert_eq!(valid_date(y, m, d), real, "{y}-{m}-{d}");
        }
        let key = LogObjectKey::parse("AWSLogs/1/vpcflowlogs/r/2018/02/31/x.log.gz");
        assert_eq!(key.date, None);
    }

    /// Numbers of a key are digits: a sign is not one (the `object_key` fuzz target found
    /// `20251209T-3-5Z` read as 2025-12-08 20:55, written back as another day; the input is
    /// the last key below).
    #[test]
    fn signed_numbers_are_not_numbers() {
        for key in [
            "AWSLogs/1/vpcflowlogs/r/+2018/06/20/x.log.gz",
            "AWSLogs/1/vpcflowlogs/r/2018/-6/20/x.log.gz",
            "AWSLogs/aws-account-id=1/aws-service=vpc/year=+2018/month=06/day=20/x.log.gz",
            "\0\0_vpcflowlogs_vlvpc-id-2_5_20251209T-3-5Z_",
        ] {
            let parsed = LogObjectKey::parse(key);
            assert_eq!((parsed.date, parsed.window_start), (None, None), "{key}");
        }
        let hour = LogObjectKey::parse("AWSLogs/1/vpcflowlogs/r/2018/06/20/+1/x.log.gz");
        assert_eq!((hour.date, hour.hour), (Some((2018, 6, 20)), None));
    }
}
