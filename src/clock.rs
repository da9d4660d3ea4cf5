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
    OffsetDateTime::from_unix_timestamp(seconds)
        .ok()
        .and_then(|t| t.format(&Rfc3339).ok())
        .unwrap_or_else(|| format!("unix time {seconds}"))
}

/// A unix timestamp as a UTC calendar date (`2026-11-26`); out-of-range values print as numbers.
pub fn format_date(seconds: i64) -> String {
    OffsetDateTime::from_unix_timestamp(seconds)
        .map(|t| t.date().to_string())
        .unwrap_or_else(|_| format!("unix time {seconds}"))
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
}
