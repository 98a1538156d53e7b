//! Billing-period arithmetic (`types.BillingPeriod`): where an anniversary period that starts at an instant
//! ends.

use jiff::{Span, Timestamp, tz::TimeZone};

/// The billing periods the server knows.
pub(crate) const PERIODS: [&str; 7] = [
    "DAILY",
    "WEEKLY",
    "MONTHLY",
    "QUARTERLY",
    "HALF_YEARLY",
    "ANNUAL",
    "ONETIME",
];

/// The end of the anniversary period of `count` × `period` starting at `start` (nanoseconds), in UTC
/// calendar arithmetic (a month from 31 January is the last day of February). `ONETIME` never ends: `None`.
pub(crate) fn period_end(start: i128, period: &str, count: i64) -> Option<i128> {
    let span = match period {
        "DAILY" => Span::new().try_days(count).ok()?,
        "WEEKLY" => Span::new().try_weeks(count).ok()?,
        "MONTHLY" => Span::new().try_months(count).ok()?,
        "QUARTERLY" => Span::new().try_months(count.checked_mul(3)?).ok()?,
        "HALF_YEARLY" => Span::new().try_months(count.checked_mul(6)?).ok()?,
        "ANNUAL" => Span::new().try_years(count).ok()?,
        _ => return None,
    };
    let ts = Timestamp::from_nanosecond(start).ok()?;
    let end = ts.to_zoned(TimeZone::UTC).checked_add(span).ok()?;
    Some(end.timestamp().as_nanosecond())
}

/// `start` plus whole days.
pub(crate) fn plus_days(start: i128, days: i64) -> i128 {
    start + i128::from(days) * 86_400 * 1_000_000_000
}
