//! Evaluation time: parsing `--now` (RFC 3339 or unix seconds) and formatting unix timestamps
//! for messages and reports, with the calendar of the `time` crate. All rule arithmetic is in
//! whole seconds; a day is 86,400 s.

use time::format_description::well_known::Rfc3339;
use time::{Date, OffsetDateTime};

/// Seconds in a day, as SPEC §5 counts them.
pub const DAY: i64 = 86_400;

/// The times `--now` may name, in unix seconds: 1970-01-01T00:00:00Z through
/// 9999-12-31T23:59:59Z, the times every report format can write (an xs:dateTime in JUnit, RFC
/// 3339 in SARIF and JSON).
pub const NOW_RANGE: std::ops::RangeInclusive<i64> = 0..=253_402_300_799;

/// Parses `--now`: RFC 3339 (`2026-11-26T12:00:00Z`) or unix seconds (`1795694400`), in
/// [`NOW_RANGE`].
pub fn parse_time(text: &str) -> Result<i64, String> {
    let text = text.trim();
    let seconds = match text.parse::<i64>() {
        Ok(seconds) => seconds,
        Err(_) => OffsetDateTime::parse(text, &Rfc3339)
            .map(|t| t.unix_timestamp())
            .map_err(|_| {
                "expected an RFC 3339 time such as 2026-11-26T12:00:00Z, or unix seconds".to_owned()
            })?,
    };
    if NOW_RANGE.contains(&seconds) {
        Ok(seconds)
    } else {
        Err("expected a time from 1970-01-01T00:00:00Z to 9999-12-31T23:59:59Z".to_owned())
    }
}

/// The current time in unix seconds.
pub fn now() -> i64 {
    OffsetDateTime::now_utc().unix_timestamp()
}

/// A unix timestamp as RFC 3339 UTC (`2026-11-26T12:00:00Z`); times outside the years 0 to 9999,
/// which RFC 3339 cannot write, print as `unix time N`.
pub fn format_timestamp(seconds: i64) -> String {
    let Some(t) = utc(seconds).filter(has_four_digit_year) else {
        return format!("unix time {seconds}");
    };
    let mut text = String::with_capacity(20);
    push_date(&mut text, t.date());
    let (hour, minute, second) = t.to_hms();
    text.push('T');
    push_two_digits(&mut text, hour);
    text.push(':');
    push_two_digits(&mut text, minute);
    text.push(':');
    push_two_digits(&mut text, second);
    text.push('Z');
    text
}

/// A unix timestamp as a UTC calendar date (`2026-11-26`), as `time` writes a date; values
/// outside its range print as `unix time N`.
pub fn format_date(seconds: i64) -> String {
    match utc(seconds) {
        Some(t) if has_four_digit_year(&t) => {
            let mut text = String::with_capacity(10);
            push_date(&mut text, t.date());
            text
        }
        Some(t) => t.date().to_string(),
        None => format!("unix time {seconds}"),
    }
}

fn utc(seconds: i64) -> Option<OffsetDateTime> {
    OffsetDateTime::from_unix_timestamp(seconds).ok()
}

fn has_four_digit_year(t: &OffsetDateTime) -> bool {
    (0..=9999).contains(&t.year())
}

/// Appends `YYYY-MM-DD`. Reports and messages write dates by the hundred thousand: the digits
/// are pushed directly instead of through a format description, with the calendar from `time`.
fn push_date(text: &mut String, date: Date) {
    let year = u16::try_from(date.year()).unwrap_or_default();
    push_two_digits(text, u8::try_from(year / 100).unwrap_or_default());
    push_two_digits(text, u8::try_from(year % 100).unwrap_or_default());
    text.push('-');
    push_two_digits(text, u8::from(date.month()));
    text.push('-');
    push_two_digits(text, date.day());
}

fn push_two_digits(text: &mut String, value: u8) {
    text.push(char::from(b'0' + value / 10 % 10));
    text.push(char::from(b'0' + value % 10));
}

/// Whole days in a span of seconds, rounded down (for messages).
pub fn whole_days(seconds: i64) -> i64 {
    seconds.div_euclid(DAY)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 9999-12-31T23:59:59Z, the last time RFC 3339 can write.
    const LAST: i64 = 253_402_300_799;

    #[test]
    fn parses_unix_seconds_and_rfc3339() {
        assert_eq!(parse_time("0"), Ok(0));
        assert_eq!(parse_time("1795694400"), Ok(1_795_694_400));
        assert_eq!(parse_time("2026-11-26T12:00:00Z"), Ok(1_795_694_400));
        assert_eq!(parse_time("2026-11-26T13:00:00+01:00"), Ok(1_795_694_400));
        assert!(parse_time("yesterday").is_err());
        assert!(parse_time("2026-11-26").is_err());
        assert_eq!(parse_time(&LAST.to_string()), Ok(LAST));
        assert!(parse_time(&(LAST + 1).to_string()).is_err());
        assert!(parse_time("-1").is_err());
        assert!(parse_time("1969-12-31T23:59:59Z").is_err());
    }

    #[test]
    fn formats_timestamps() {
        assert_eq!(format_timestamp(1_795_694_400), "2026-11-26T12:00:00Z");
        assert_eq!(format_date(1_795_694_400), "2026-11-26");
        assert_eq!(format_date(i64::MAX), format!("unix time {}", i64::MAX));
        assert_eq!(whole_days(DAY * 3 - 1), 2);
    }

    /// The direct formatting agrees with `time`'s RFC 3339 and date formatting everywhere.
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
            LAST - 1,
            LAST,
            LAST + 1,
            -62_135_596_800, // 0001-01-01
        ];
        // Every day of 1968 to 2110 at a moving time of day, then big strides to year 9999.
        samples.extend((-800..51_500).map(|d| d * DAY + (d * 7_919).rem_euclid(DAY)));
        samples.extend((0..20_000).map(|i| i * (LAST / 20_000) + i % 86_399));
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
