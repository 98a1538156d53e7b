//! The emulated clock's start and how Flexprice renders and parses times.

use jiff::Timestamp;

/// Seconds since the Unix epoch of the emulated clock's start, 2026-08-22T13:00:00Z.
pub(crate) const CLOCK_START_SECS: i64 = 1_787_403_600;
/// Sub-second part of every emulated instant, so creates show 9 fractional digits and reads 6.
pub(crate) const CLOCK_SUBSEC_NANOS: i64 = 123_456_789;

/// Fractional-second precision of a rendered customer time.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Precision {
    /// As returned by create (Go `time.Now()`): nanoseconds.
    Nanos,
    /// As read back from Postgres: microseconds.
    Micros,
}

/// Truncates a nanosecond instant to microseconds (Postgres `timestamptz`).
pub(crate) fn truncate_micros(nanos: i128) -> i128 {
    nanos - nanos.rem_euclid(1_000)
}

/// Formats like Go's `time.Time` JSON (RFC 3339 with trailing zeros of the fraction trimmed), in UTC.
pub(crate) fn format_go_time(nanos: i128, precision: Precision) -> String {
    let nanos = match precision {
        Precision::Nanos => nanos,
        Precision::Micros => truncate_micros(nanos),
    };
    let secs = i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0);
    let sub = nanos.rem_euclid(1_000_000_000);
    let base = Timestamp::from_second(secs)
        .map(|t| t.strftime("%Y-%m-%dT%H:%M:%S").to_string())
        .unwrap_or_default();
    if sub == 0 {
        format!("{base}Z")
    } else {
        let frac = format!("{sub:09}");
        format!("{base}.{}Z", frac.trim_end_matches('0'))
    }
}

/// Formats with Go's `time.RFC3339` layout (whole seconds), in a fixed UTC offset (`Z` for 0).
pub(crate) fn format_seconds(secs: i64, utc_offset_seconds: i32) -> String {
    let Ok(ts) = Timestamp::from_second(secs) else {
        return String::new();
    };
    if utc_offset_seconds == 0 {
        return ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string();
    }
    match jiff::tz::Offset::from_seconds(utc_offset_seconds) {
        Ok(offset) => ts
            .to_zoned(jiff::tz::TimeZone::fixed(offset))
            .strftime("%Y-%m-%dT%H:%M:%S%:z")
            .to_string(),
        Err(_) => ts.strftime("%Y-%m-%dT%H:%M:%SZ").to_string(),
    }
}

/// Parses an RFC 3339 filter time into nanoseconds since the epoch.
pub(crate) fn parse_rfc3339_nanos(text: &str) -> Option<i128> {
    text.parse::<Timestamp>().ok().map(|t| t.as_nanosecond())
}

/// Formats an instant at millisecond precision (ClickHouse `DateTime64(3)`), trailing zeros trimmed.
pub(crate) fn format_millis(nanos: i128) -> String {
    format_go_time(nanos - nanos.rem_euclid(1_000_000), Precision::Nanos)
}

/// Formats an optional instant: `null` when absent, else microseconds (Postgres `timestamptz`).
pub(crate) fn format_opt(nanos: Option<i128>) -> serde_json::Value {
    nanos.map_or(serde_json::Value::Null, |n| {
        serde_json::Value::String(format_go_time(n, Precision::Micros))
    })
}
