//! Dates and times as Norwegians read them: dd.mm.åååå, HH:MM, Europe/Oslo.

use time::{Date, Month, OffsetDateTime, UtcOffset, macros::format_description};

/// Norway's time zone, from the IANA database compiled into Trygg.
static OSLO: jiff::tz::TimeZone = jiff::tz::get!("Europe/Oslo");

/// Norway's offset from UTC at `at`: CET, or CEST in summer. (Neither
/// conversion can fail: both crates span the years ±9999, and an offset is
/// less than a day.)
pub fn oslo_offset(at: OffsetDateTime) -> UtcOffset {
    let seconds = jiff::Timestamp::from_second(at.unix_timestamp())
        .map(|t| OSLO.to_offset(t).seconds())
        .unwrap_or(0);
    UtcOffset::from_whole_seconds(seconds).unwrap_or(UtcOffset::UTC)
}

pub fn to_oslo(at: OffsetDateTime) -> OffsetDateTime {
    at.to_offset(oslo_offset(at))
}

/// `24.11.2026 14:05`
pub fn date_time(at: OffsetDateTime) -> String {
    to_oslo(at)
        .format(format_description!("[day].[month].[year] [hour]:[minute]"))
        .unwrap_or_default()
}

/// `24.11.2026`
pub fn date(at: Date) -> String {
    at.format(format_description!("[day].[month].[year]"))
        .unwrap_or_default()
}

/// Today in Norway.
pub fn today() -> Date {
    to_oslo(OffsetDateTime::now_utc()).date()
}

/// The years a typed date may have: any real one, and none that PostgreSQL
/// refuses (year 0) or that only a slip of the finger gives.
pub const YEARS: std::ops::RangeInclusive<i32> = 1900..=2200;

/// A date as Norwegians type it: `24.11.2026` (also `1.2.2026`, or ISO `2026-11-24`).
pub fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    let parts: Vec<&str> = if raw.contains('-') {
        let mut p: Vec<&str> = raw.split('-').collect();
        p.reverse();
        p
    } else {
        raw.split('.').collect()
    };
    let [day, month, year] = parts.as_slice() else {
        return None;
    };
    if year.len() != 4 {
        return None;
    }
    let month = Month::try_from(month.parse::<u8>().ok()?).ok()?;
    let year: i32 = year.parse().ok().filter(|y| YEARS.contains(y))?;
    Date::from_calendar_date(year, month, day.parse().ok()?).ok()
}

/// Names as a Norwegian sentence lists them: «Kari, Ola og Per».
pub fn listing<S: AsRef<str>>(items: &[S]) -> String {
    match items {
        [] => String::new(),
        [one] => one.as_ref().to_owned(),
        [rest @ .., last] => {
            let rest: Vec<&str> = rest.iter().map(AsRef::as_ref).collect();
            format!("{} og {}", rest.join(", "), last.as_ref())
        }
    }
}

/// Whole years from `birth` to `on`.
pub fn age(birth: Date, on: Date) -> i32 {
    let had_birthday = (on.month() as u8, on.day()) >= (birth.month() as u8, birth.day());
    on.year() - birth.year() - if had_birthday { 0 } else { 1 }
}

/// A browser's user-agent string, as a person says it: «Firefox på Windows».
/// Hand-written: a dozen lines cover the browsers staff use, where a parser
/// crate would bring a database of thousands of patterns.
pub fn browser_name(user_agent: &str) -> String {
    let has = |s: &str| user_agent.contains(s);
    let browser = if has("Edg/") {
        "Edge"
    } else if has("Firefox/") {
        "Firefox"
    } else if has("Chrome/") || has("Chromium/") {
        "Chrome"
    } else if has("Safari/") {
        "Safari"
    } else {
        "Ukjent nettleser"
    };
    let system = if has("iPhone") || has("iPad") {
        "iOS"
    } else if has("Android") {
        "Android"
    } else if has("Windows") {
        "Windows"
    } else if has("Mac OS X") || has("Macintosh") {
        "macOS"
    } else if has("Linux") || has("X11") {
        "Linux"
    } else {
        return browser.to_owned();
    };
    format!("{browser} på {system}")
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn a_listing_reads_as_norwegian() {
        assert_eq!(listing::<&str>(&[]), "");
        assert_eq!(listing(&["Kari"]), "Kari");
        assert_eq!(listing(&["Kari", "Ola"]), "Kari og Ola");
        assert_eq!(listing(&["Kari", "Ola", "Per"]), "Kari, Ola og Per");
    }

    #[test]
    fn oslo_follows_summer_time() {
        // 2026: summer time from 29 March 01:00 UTC to 25 October 01:00 UTC.
        assert_eq!(
            date_time(datetime!(2026-03-29 00:59 UTC)),
            "29.03.2026 01:59"
        );
        assert_eq!(
            date_time(datetime!(2026-03-29 01:00 UTC)),
            "29.03.2026 03:00"
        );
        assert_eq!(
            date_time(datetime!(2026-10-25 00:59 UTC)),
            "25.10.2026 02:59"
        );
        assert_eq!(
            date_time(datetime!(2026-10-25 01:00 UTC)),
            "25.10.2026 02:00"
        );
        assert_eq!(
            date_time(datetime!(2026-11-24 13:05 UTC)),
            "24.11.2026 14:05"
        );
        assert_eq!(date(datetime!(2026-01-05 12:00 UTC).date()), "05.01.2026");
    }

    #[test]
    fn dates_parse_as_typed_and_ages_count_birthdays() {
        use time::macros::date;
        assert_eq!(parse_date("24.11.2026"), Some(date!(2026 - 11 - 24)));
        assert_eq!(parse_date(" 1.2.2026 "), Some(date!(2026 - 02 - 01)));
        assert_eq!(parse_date("2026-11-24"), Some(date!(2026 - 11 - 24)));
        for bad in [
            "31.02.2026",
            "24.11.26",
            "24/11/2026",
            "",
            "i går",
            // PostgreSQL has no year 0, nor negative years; nobody means 1899.
            "01.01.0000",
            "01.01.-001",
            "31.12.1899",
            "01.01.2201",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
        assert_eq!(age(date!(2016 - 11 - 25), date!(2026 - 11 - 24)), 9);
        assert_eq!(age(date!(2016 - 11 - 24), date!(2026 - 11 - 24)), 10);
    }
}
