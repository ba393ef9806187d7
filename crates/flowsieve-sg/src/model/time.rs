//! Time in the declared network: half-open validity intervals of unix seconds, and the timestamp
//! forms the inputs use (RFC 3339 as the AWS CLI prints it, a plain date, epoch seconds).

use std::fmt;

/// A half-open interval of time, `[from, until)`, in unix seconds; `None` is unbounded on that
/// side. Every ENI version and every rule lifetime has one; with a single undated inventory
/// everything is [`Interval::ALWAYS`].
///
/// ```
/// use flowsieve_sg::Interval;
/// let april = Interval::new(Some(1_743_465_600), Some(1_746_057_600));
/// assert!(april.contains(1_743_465_600) && !april.contains(1_746_057_600));
/// assert!(Interval::ALWAYS.contains(i64::MIN));
/// let later = Interval::new(Some(1_745_000_000), None);
/// assert_eq!(april.overlap(&later), Some(Interval::new(Some(1_745_000_000), Some(1_746_057_600))));
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Interval {
    /// First second inside, or `None` for "since ever".
    pub from: Option<i64>,
    /// First second after, or `None` for "for ever".
    pub until: Option<i64>,
}

impl Interval {
    /// All of time.
    pub const ALWAYS: Interval = Interval {
        from: None,
        until: None,
    };

    /// `[from, until)`.
    pub const fn new(from: Option<i64>, until: Option<i64>) -> Interval {
        Interval { from, until }
    }

    /// True when `t` lies inside.
    pub fn contains(&self, t: i64) -> bool {
        self.from.is_none_or(|f| f <= t) && self.until.is_none_or(|u| t < u)
    }

    /// True when no second lies inside (`until <= from`).
    pub fn is_empty(&self) -> bool {
        matches!((self.from, self.until), (Some(f), Some(u)) if u <= f)
    }

    /// True for [`Interval::ALWAYS`].
    pub fn is_always(&self) -> bool {
        self.from.is_none() && self.until.is_none()
    }

    /// The intersection, or `None` when the two do not overlap.
    pub fn overlap(&self, other: &Interval) -> Option<Interval> {
        let from = match (self.from, other.from) {
            (Some(a), Some(b)) => Some(a.max(b)),
            (a, b) => a.or(b),
        };
        let until = match (self.until, other.until) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        };
        let out = Interval { from, until };
        (!out.is_empty()).then_some(out)
    }

    /// Ordering key of the start (`None` first).
    pub(crate) fn start_key(&self) -> i64 {
        self.from.unwrap_or(i64::MIN)
    }

    /// Ordering key of the end (`None` last).
    pub(crate) fn end_key(&self) -> i64 {
        self.until.unwrap_or(i64::MAX)
    }
}

impl Default for Interval {
    fn default() -> Self {
        Interval::ALWAYS
    }
}

impl fmt::Display for Interval {
    /// `[2025-04-01T00:00:00Z, 2025-04-08T00:00:00Z)`, with `…` for an unbounded side.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let side = |t: Option<i64>| t.map_or("…".to_owned(), format_timestamp);
        write!(f, "[{}, {})", side(self.from), side(self.until))
    }
}

/// Unix seconds as RFC 3339 UTC (`2025-04-01T00:00:00Z`), or the number when out of range.
pub fn format_timestamp(t: i64) -> String {
    jiff::Timestamp::from_second(t).map_or_else(|_| t.to_string(), |ts| ts.to_string())
}

/// Parses a time as the inputs write it: RFC 3339 with an offset (`2025-04-01T12:00:00Z`,
/// `2025-02-13T21:08:39+00:00`, fractional seconds allowed), a plain date (`2025-04-01`, midnight
/// UTC), or unix seconds (`1743465600`). Fractions of a second are dropped.
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let t = text.trim();
    if t.is_empty() {
        return None;
    }
    if t.bytes().all(|b| b.is_ascii_digit()) || (t.starts_with('-') && t.len() > 1) {
        return t.parse::<i64>().ok();
    }
    if let Ok(ts) = t.parse::<jiff::Timestamp>() {
        return Some(ts.as_second());
    }
    // A date alone: a time without an offset would be ambiguous (and jiff would drop it).
    if t.len() != 10 {
        return None;
    }
    let date = t.parse::<jiff::civil::Date>().ok()?;
    jiff::tz::Offset::UTC
        .to_timestamp(date.at(0, 0, 0, 0))
        .ok()
        .map(jiff::Timestamp::as_second)
}

/// Merges intervals into a sorted list of disjoint, non-adjacent intervals (empty ones dropped).
pub(crate) fn normalize_intervals(mut v: Vec<Interval>) -> Vec<Interval> {
    v.retain(|i| !i.is_empty());
    v.sort_by_key(|i| (i.start_key(), i.end_key()));
    let mut out: Vec<Interval> = Vec::with_capacity(v.len());
    for i in v {
        match out.last_mut() {
            Some(last) if i.start_key() <= last.end_key() => {
                if i.end_key() > last.end_key() {
                    last.until = i.until;
                }
            }
            _ => out.push(i),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps_in_every_input_form() {
        assert_eq!(parse_timestamp("2025-04-01"), Some(1_743_465_600));
        assert_eq!(parse_timestamp("2025-04-01T00:00:00Z"), Some(1_743_465_600));
        assert_eq!(
            parse_timestamp("2025-04-01T02:00:00+02:00"),
            Some(1_743_465_600)
        );
        assert_eq!(
            parse_timestamp("2013-11-30T23:36:42.000Z"),
            Some(1_385_854_602)
        );
        assert_eq!(parse_timestamp("1743465600"), Some(1_743_465_600));
        assert_eq!(parse_timestamp(" 1743465600 "), Some(1_743_465_600));
        for bad in ["", "yesterday", "2025-13-01", "2025-04-01T00:00:00", "12ab"] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
        assert_eq!(format_timestamp(1_743_465_600), "2025-04-01T00:00:00Z");
    }

    #[test]
    fn intervals_are_half_open_and_merge() {
        let i = Interval::new(Some(10), Some(20));
        assert!(i.contains(10) && i.contains(19) && !i.contains(20) && !i.contains(9));
        assert!(Interval::new(Some(5), Some(5)).is_empty());
        assert_eq!(i.overlap(&Interval::new(Some(20), None)), None);
        assert_eq!(
            i.overlap(&Interval::new(None, Some(15))),
            Some(Interval::new(Some(10), Some(15)))
        );
        assert_eq!(Interval::ALWAYS.overlap(&i), Some(i));
        assert_eq!(
            normalize_intervals(vec![
                Interval::new(Some(20), Some(30)),
                Interval::new(Some(10), Some(20)),
                Interval::new(Some(40), None),
                Interval::new(Some(50), Some(50)),
            ]),
            [
                Interval::new(Some(10), Some(30)),
                Interval::new(Some(40), None)
            ]
        );
        assert_eq!(
            normalize_intervals(vec![Interval::new(None, Some(3)), Interval::ALWAYS]),
            [Interval::ALWAYS]
        );
        assert_eq!(
            i.to_string(),
            "[1970-01-01T00:00:10Z, 1970-01-01T00:00:20Z)"
        );
        assert_eq!(Interval::ALWAYS.to_string(), "[…, …)");
    }
}
