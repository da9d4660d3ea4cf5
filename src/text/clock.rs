//! Evaluation time: parsing `--now` (RFC 3339 or unix seconds) and formatting unix timestamps
//! for messages and reports. All rule arithmetic is in whole seconds; a day is 86,400 s.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Seconds in a day, as SPEC §5 counts them.
pub const DAY: i64 = 86_400;

/// Parses `--now`: RFC 3339 (`2026-11-26T12:00:00Z`) or unix seconds (`1795694400`).
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    if let Ok(seconds) = text.parse::<i64>() {
        return Ok(seconds);
    }
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|t| t.unix_timestamp())
        .map_err(|_| {
            "expected an RFC 3339 time such as 2026-11-26T12:00:00Z, or unix seconds".to_owned()
        })
}

/// The current time in unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A unix timestamp as RFC 3339 UTC (`2026-11-26T12:00:00Z`); out-of-range values print as numbers.
pub fn format_timestamp(seconds: i64) -> String {
    if let Some(t) = Civil::of(seconds) {
        let mut text = String::with_capacity(20);
        t.push_date(&mut text);
        text.push('T');
        push_two_digits(&mut text, t.hour);
        text.push(':');
        push_two_digits(&mut text, t.minute);
        text.push(':');
        push_two_digits(&mut text, t.second);
        text.push('Z');
        return text;
    }
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("unix time {seconds}"))
}

/// A unix timestamp as a UTC calendar date (`2026-11-26`); out-of-range values print as numbers.
pub fn format_date(seconds: i64) -> String {
    if let Some(t) = Civil::of(seconds) {
        let mut text = String::with_capacity(10);
        t.push_date(&mut text);
        return text;
    }
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| format!("unix time {seconds}"))
}

/// A UTC time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z, split into calendar fields.
/// Reports format timestamps by the hundred thousand; this range, where every format is a
/// plain `YYYY-MM-DD...`, is done here, and `time` handles the rest.
struct Civil {
    year: u32,
    month: u32,
    day: u32,
    hour: u32,
    minute: u32,
    second: u32,
}

impl Civil {
    /// 9999-12-31T23:59:59Z.
    const LAST: i64 = 253_402_300_799;

    fn of(seconds: i64) -> Option<Civil> {
        if !(0..=Civil::LAST).contains(&seconds) {
            return None;
        }
        // Days to a proleptic Gregorian date (Howard Hinnant's `civil_from_days`), in eras of
        // 400 years counted from 0000-03-01.
        let days = seconds / DAY;
        let in_day = seconds % DAY;
        let z = days + 719_468;
        let era = z / 146_097;
        let day_of_era = z - era * 146_097;
        let year_of_era =
            (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
        let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
        let shifted_month = (5 * day_of_year + 2) / 153;
        let day = day_of_year - (153 * shifted_month + 2) / 5 + 1;
        let month = if shifted_month < 10 {
            shifted_month + 3
        } else {
            shifted_month - 9
        };
        let year = year_of_era + era * 400 + i64::from(month <= 2);
        // Every value is in range by construction.
        let field = |v: i64| u32::try_from(v).unwrap_or_default();
        Some(Civil {
            year: field(year),
            month: field(month),
            day: field(day),
            hour: field(in_day / 3600),
            minute: field(in_day / 60 % 60),
            second: field(in_day % 60),
        })
    }

    fn push_date(&self, text: &mut String) {
        push_two_digits(text, self.year / 100);
        push_two_digits(text, self.year % 100);
        text.push('-');
        push_two_digits(text, self.month);
        text.push('-');
        push_two_digits(text, self.day);
    }
}

fn push_two_digits(text: &mut String, value: u32) {
    const DIGITS: &[u8; 10] = b"0123456789";
    text.push(char::from(DIGITS[(value / 10 % 10) as usize]));
    text.push(char::from(DIGITS[(value % 10) as usize]));
}

/// Whole days in a span of seconds, rounded down (for messages).
pub fn whole_days(seconds: i64) -> i64 {
    seconds.div_euclid(DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_unix_seconds_and_rfc3339() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("1795694400"), Ok(1_795_694_400));
        assert_eq!(parse_time("2026-11-26T12:00:00Z"), Ok(1_795_694_400));
        assert_eq!(parse_time("2026-11-26T13:00:00+01:00"), Ok(1_795_694_400));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-11-26").is_err());
    }

    #[test]
    fn formats_timestamps() {
        assert_eq!(format_timestamp(1_795_694_400), "2026-11-26T12:00:00Z");
        assert_eq!(format_date(1_795_694_400), "2026-11-26");
        assert_eq!(format_date(i64::MAX), format!("unix time {}", i64::MAX));
        assert_eq!(whole_days(DAY * 3 - 1), 2);
    }

    /// The direct formatting agrees with `time` wherever it applies, and the edges still go
    /// through `time`.
    #[test]
    fn direct_formatting_matches_the_time_crate() {
        let by_time = |seconds: i64| {
            let t = OffsetDateTime::from_unix_timestamp(seconds);
            (
                t.ok()
                    .and_then(|t| t.format(&Rfc3339).ok())
                    .unwrap_or_else(|| format!("unix time {seconds}")),
                t.map(|t| t.date().to_string())
                    .unwrap_or_else(|_| format!("unix time {seconds}")),
            )
        };
        let mut samples: Vec<i64> = vec![
            -1,
            0,
            1,
            DAY - 1,
            DAY,
            951_782_400,   // 2000-02-29
            951_868_800,   // 2000-03-01
            4_107_542_400, // 2100-03-01
            1_795_694_400,
            Civil::LAST - 1,
            Civil::LAST,
            Civil::LAST + 1,
            -62_135_596_800, // 0001-01-01
        ];
        // Every day of 1968 to 2110 at a moving time of day, then big strides to year 9999.
        samples.extend((-800..51_500).map(|d| d * DAY + (d * 7_919).rem_euclid(DAY)));
        samples.extend((0..20_000).map(|i| i * (Civil::LAST / 20_000) + i % 86_399));
        for seconds in samples {
            let (timestamp, date) = by_time(seconds);
            assert_eq!(format_timestamp(seconds), timestamp, "{seconds}");
            assert_eq!(format_date(seconds), date, "{seconds}");
        }
        assert_eq!(
            format_timestamp(i64::MIN),
            format!("unix time {}", i64::MIN)
        );
        assert_eq!(format_timestamp(-1), "1969-12-31T23:59:59Z");
    }
}
