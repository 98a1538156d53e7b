//! RFC 3339 timestamps as providers write them, read with a fast path for the everyday shape, and written in
//! UTC with milliseconds without a formatter.

use compact_str::CompactString;
use jiff::Timestamp;

/// Reads an RFC 3339 / ISO 8601 timestamp with an offset (`2026-08-22T13:01:02.123Z`,
/// `2026-08-22T18:40:00+05:30`).
///
/// The everyday shape — `YYYY-MM-DDTHH:MM:SS`, 0–9 fractional digits, `Z` or `±HH:MM` — is read directly
/// (a few hundred instructions, no allocation); anything else goes to jiff's full parser, which also decides
/// every error. Both give the same instant for the same text (a property test checks it).
///
/// ```
/// use unibill_core::timestamp::parse_rfc3339;
///
/// let t = parse_rfc3339("2026-08-22T18:40:00.5+05:30").unwrap();
/// assert_eq!(t.to_string(), "2026-08-22T13:10:00.5Z");
/// assert!(parse_rfc3339("2026-02-30T00:00:00Z").is_err());
/// ```
pub fn parse_rfc3339(text: &str) -> Result<Timestamp, jiff::Error> {
    match everyday_shape(text.as_bytes()) {
        Some(t) => Ok(t),
        None => text.parse(),
    }
}

/// `YYYY-MM-DDTHH:MM:SS[.f{1,9}](Z|±HH:MM)` with a valid date and time; `None` for anything else (including
/// valid timestamps of other shapes, which the full parser reads).
fn everyday_shape(b: &[u8]) -> Option<Timestamp> {
    if b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || b[10] != b'T'
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let year = two_digits(b[0], b[1])? * 100 + two_digits(b[2], b[3])?;
    let (month, day) = (two_digits(b[5], b[6])?, two_digits(b[8], b[9])?);
    let hour = two_digits(b[11], b[12])?;
    let (minute, second) = (two_digits(b[14], b[15])?, two_digits(b[17], b[18])?);
    if second > 59 {
        return None; // a leap second: the full parser knows what to do with it
    }
    let mut rest = &b[19..];
    let mut nanosecond = 0;
    if let [b'.', tail @ ..] = rest {
        let mut digits = 0;
        while let Some(d) = tail.get(digits).and_then(|&c| digit(c)) {
            if digits == 9 {
                return None; // finer than nanoseconds: the full parser decides
            }
            nanosecond = nanosecond * 10 + d;
            digits += 1;
        }
        if digits == 0 {
            return None;
        }
        nanosecond *= 10u32.pow(9 - digits as u32);
        rest = &tail[digits..];
    }
    let offset_seconds = match *rest {
        [b'Z'] => 0,
        [sign @ (b'+' | b'-'), h0, h1, b':', m0, m1] => {
            let (h, m) = (two_digits(h0, h1)?, two_digits(m0, m1)?);
            if h > 23 || m > 59 {
                return None;
            }
            let seconds = i64::from(h * 3600 + m * 60);
            if sign == b'-' { -seconds } else { seconds }
        }
        _ => return None,
    };
    if !(1..=12).contains(&month) || day == 0 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 {
        return None;
    }
    let seconds = days_from_civil(year, month, day) * 86_400
        + i64::from(hour * 3600 + minute * 60 + second)
        - offset_seconds;
    // Out of jiff's range (only near years 0000 and 9999 with an offset): the full parser says why.
    Timestamp::new(seconds, i32::try_from(nanosecond).ok()?).ok()
}

/// Writes `t` in UTC with milliseconds, `2026-08-22T13:01:02.123Z` (the shape `%Y-%m-%dT%H:%M:%S%.3fZ`
/// gives, truncating below the millisecond).
///
/// Years 1970–9999 are written digit by digit into an inline string (24 bytes: no allocation); other
/// instants go through jiff's formatter. Both give the same text (a property test checks it).
///
/// ```
/// use unibill_core::timestamp::format_rfc3339_millis;
///
/// let t: jiff::Timestamp = "2026-08-22T13:01:02.123987Z".parse().unwrap();
/// assert_eq!(format_rfc3339_millis(t), "2026-08-22T13:01:02.123Z");
/// ```
pub fn format_rfc3339_millis(t: Timestamp) -> CompactString {
    let millis = t.as_millisecond();
    // 253402300800000 ms: 10000-01-01T00:00:00Z.
    if !(0..253_402_300_800_000).contains(&millis) {
        return CompactString::from(t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
    }
    let (days, ms_of_day) = (millis / 86_400_000, millis % 86_400_000);
    let (year, month, day) = civil_from_days(days);
    let (seconds, ms) = (ms_of_day / 1000, ms_of_day % 1000);
    let mut out = *b"0000-00-00T00:00:00.000Z";
    let mut put = |at: usize, width: usize, mut value: i64| {
        for i in (at..at + width).rev() {
            // `value` is below 10^width: each digit fits a u8.
            out[i] = b'0' + (value % 10) as u8;
            value /= 10;
        }
    };
    put(0, 4, year);
    put(5, 2, month);
    put(8, 2, day);
    put(11, 2, seconds / 3600);
    put(14, 2, seconds / 60 % 60);
    put(17, 2, seconds % 60);
    put(20, 3, ms);
    // Every byte written is an ASCII digit or one of the template's separators.
    CompactString::from_utf8(out).unwrap_or_default()
}

/// The proleptic Gregorian date `days` after 1970-01-01, for `days >= 0` (H. Hinnant's `civil_from_days`).
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z - era * 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    let mp = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    (year_of_era + era * 400 + i64::from(month <= 2), month, day)
}

/// Days from 1970-01-01 to a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> i64 {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let day_of_year = (153 * ((i64::from(month) + 9) % 12) + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    era * 146_097 + day_of_era - 719_468
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400)) => {
            29
        }
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// The value of one ASCII decimal digit.
fn digit(c: u8) -> Option<u32> {
    let d = c.wrapping_sub(b'0');
    (d < 10).then_some(u32::from(d))
}

/// The value of two ASCII decimal digits.
fn two_digits(tens: u8, ones: u8) -> Option<u32> {
    Some(digit(tens)? * 10 + digit(ones)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_everyday_shapes_are_read_directly() {
        for (text, want) in [
            ("2026-08-22T13:01:02Z", "2026-08-22T13:01:02Z"),
            (
                "2026-08-22T13:01:02.123456789Z",
                "2026-08-22T13:01:02.123456789Z",
            ),
            ("2026-08-22T13:01:02.1Z", "2026-08-22T13:01:02.1Z"),
            ("2026-08-22T18:40:00+05:30", "2026-08-22T13:10:00Z"),
            ("2026-08-22T08:10:00-05:00", "2026-08-22T13:10:00Z"),
            (
                "2024-02-29T23:59:59.999999999-00:00",
                "2024-02-29T23:59:59.999999999Z",
            ),
        ] {
            let fast = everyday_shape(text.as_bytes()).unwrap_or_else(|| panic!("{text}"));
            assert_eq!(fast.to_string(), want, "{text}");
            assert_eq!(
                Ok(fast),
                text.parse::<Timestamp>().map_err(|e| e.to_string()),
                "{text}"
            );
        }
    }

    #[test]
    fn month_ends_and_leap_days_agree_with_jiff() {
        for year in [
            0, 1, 399, 400, 1900, 1969, 1970, 2000, 2023, 2024, 2100, 9998, 9999,
        ] {
            for month in 1..=12 {
                for day in 27..=32 {
                    for zone in ["Z", "+14:00", "-12:00"] {
                        let text = format!("{year:04}-{month:02}-{day:02}T23:59:59.5{zone}");
                        let full = text.parse::<Timestamp>().ok();
                        assert_eq!(everyday_shape(text.as_bytes()), full, "{text}");
                    }
                }
            }
        }
    }

    #[test]
    fn other_shapes_and_bad_values_go_to_the_full_parser() {
        for text in [
            "",
            "yesterday",
            "2026-08-22",
            "2026-08-22 13:01:02Z",
            "2026-08-22t13:01:02z",
            "2026-08-22T13:01:02",
            "2026-08-22T13:01:02.Z",
            "2026-08-22T13:01:02.1234567890Z",
            "2026-08-22T13:01:02+0530",
            "2026-08-22T13:01:02+05:30:00",
            "2026-02-30T00:00:00Z",
            "2026-13-01T00:00:00Z",
            "2026-08-22T24:00:00Z",
            "2026-08-22T23:59:60Z",
            "2026-08-22T13:01:02+24:00",
            "+002026-08-22T13:01:02Z",
        ] {
            assert_eq!(everyday_shape(text.as_bytes()), None, "{text}");
        }
        // The fallback still reads what jiff reads.
        assert_eq!(
            parse_rfc3339("2026-08-22 13:01:02z").unwrap().to_string(),
            "2026-08-22T13:01:02Z"
        );
        assert!(parse_rfc3339("2026-02-30T00:00:00Z").is_err());
        assert!(parse_rfc3339("").is_err());
    }

    #[test]
    fn millisecond_text_agrees_with_jiff_at_the_edges() {
        let jiff = |t: Timestamp| t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string();
        for text in [
            "1970-01-01T00:00:00Z",
            "1969-12-31T23:59:59.999Z",
            "2000-02-29T12:00:00.5Z",
            "2024-12-31T23:59:59.999999999Z",
            "2100-03-01T00:00:00.001Z",
            "9999-12-30T21:59:59.999Z",
        ] {
            let t: Timestamp = text.parse().unwrap();
            assert_eq!(format_rfc3339_millis(t), jiff(t), "{text}");
        }
        let before_year_zero = Timestamp::new(-62_200_000_000, 250_000_000).unwrap();
        assert_eq!(
            format_rfc3339_millis(before_year_zero),
            jiff(before_year_zero)
        );
        assert_eq!(format_rfc3339_millis(Timestamp::MAX), jiff(Timestamp::MAX));
        assert_eq!(format_rfc3339_millis(Timestamp::MIN), jiff(Timestamp::MIN));
    }

    proptest::proptest! {
        /// The digit-by-digit text is jiff's, at every millisecond of years 1970–9999 and beyond.
        #[test]
        fn millisecond_text_agrees_with_jiff(
            seconds in -377_705_023_201_i64..253_402_207_200,
            nanos in 0..1_000_000_000_i32,
        ) {
            let t = Timestamp::new(seconds, nanos).unwrap();
            let fast = format_rfc3339_millis(t);
            proptest::prop_assert_eq!(fast.as_str(), t.strftime("%Y-%m-%dT%H:%M:%S%.3fZ").to_string());
        }

        /// Whatever the fast path reads, jiff's parser reads as the same instant (the fast path may decline
        /// text jiff reads, e.g. a leap second or a `+25:00` offset: that text goes to jiff).
        #[test]
        fn the_fast_path_agrees_with_jiff(
            text in "[0-9]{4}-[01][0-9]-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-6][0-9](\\.[0-9]{1,10})?(Z|[+-][0-2][0-9]:[0-6][0-9])"
        ) {
            if let Some(fast) = everyday_shape(text.as_bytes()) {
                proptest::prop_assert_eq!(Ok(fast), text.parse::<Timestamp>().map_err(|e| e.to_string()), "{}", text);
            }
        }

        /// Every timestamp of the everyday shape takes the fast path.
        #[test]
        fn everyday_timestamps_take_the_fast_path(
            text in "[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])T([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9](\\.[0-9]{1,9})?(Z|[+-]([01][0-9]|2[0-3]):[0-5][0-9])"
        ) {
            let fast = everyday_shape(text.as_bytes());
            proptest::prop_assert!(fast.is_some(), "{}", text);
            proptest::prop_assert_eq!(fast, text.parse::<Timestamp>().ok(), "{}", text);
        }
    }
}
