//! UTC calendar arithmetic for object keys (`YYYY/MM/DD`, `YYYYMMDDTHHmmZ`), without a date crate.

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The UTC calendar fields of a Unix time in seconds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Civil {
    pub(crate) year: i64,
    pub(crate) month: u32,
    pub(crate) day: u32,
    pub(crate) hour: u32,
    pub(crate) minute: u32,
}

/// UTC fields of `ts`.
pub(crate) fn civil(ts: u64) -> Civil {
    let days = (ts / 86_400) as i64;
    let secs = ts % 86_400;
    let z = days + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    Civil {
        year: if m <= 2 { y + 1 } else { y },
        month: m,
        day: d,
        hour: (secs / 3600) as u32,
        minute: ((secs % 3600) / 60) as u32,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        // 2018-06-20T16:20:00Z, the AWS file-name example.
        let ts = 1_529_511_600;
        assert_eq!(
            civil(ts),
            Civil {
                year: 2018,
                month: 6,
                day: 20,
                hour: 16,
                minute: 20
            }
        );
        assert_eq!(
            days_from_civil(2018, 6, 20) * 86_400 + 16 * 3600 + 20 * 60,
            ts as i64
        );
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(
            civil(951_782_400),
            Civil {
                year: 2000,
                month: 2,
                day: 29,
                hour: 0,
                minute: 0
            }
        );
    }
}
