//! Time and money arithmetic of the memory lifecycle: period ends, calendar reset windows, meter aggregation and
//! rating a price. Exact `Decimal` throughout: nothing is rounded but packages.

use std::collections::HashSet;

use jiff::tz::TimeZone;
use jiff::{Span, Timestamp};
use rust_decimal::Decimal;

use super::state::StoredEvent;
use crate::model::feature::Reset;
use crate::model::meter::Aggregation;
use crate::model::price::{Interval, IntervalUnit, PackageRounding, Price, PricingScheme};
use crate::money::Money;

/// `t` plus `times` intervals, in UTC calendar arithmetic (a month from 31 January is the end of February);
/// past jiff's range, its end.
pub(super) fn add_interval(t: Timestamp, interval: Interval, times: i64) -> Timestamp {
    let n = i64::from(interval.count).saturating_mul(times);
    let span = match interval.unit {
        IntervalUnit::Day => Span::new().try_days(n),
        IntervalUnit::Week => Span::new().try_weeks(n),
        IntervalUnit::Month => Span::new().try_months(n),
        IntervalUnit::Year => Span::new().try_years(n),
    };
    add_span(t, span.ok())
}

/// `t` plus `days` days in UTC.
pub(super) fn add_days(t: Timestamp, days: u32) -> Timestamp {
    add_span(t, Span::new().try_days(i64::from(days)).ok())
}

fn add_span(t: Timestamp, span: Option<Span>) -> Timestamp {
    span.and_then(|s| t.to_zoned(TimeZone::UTC).checked_add(s).ok())
        .map(|z| z.timestamp())
        .unwrap_or(Timestamp::MAX)
}

/// The UTC calendar window of a calendar reset that holds `now` (`[start, end)`); `None` for other resets.
pub(super) fn calendar_window(reset: &Reset, now: Timestamp) -> Option<(Timestamp, Timestamp)> {
    let date = now.to_zoned(TimeZone::UTC).date();
    let (start, step) = match reset {
        Reset::Daily => (date, Span::new().days(1)),
        Reset::Weekly => (
            date.checked_sub(Span::new().days(i64::from(date.weekday().to_monday_zero_offset())))
                .ok()?,
            Span::new().weeks(1),
        ),
        Reset::Monthly => (date.first_of_month(), Span::new().months(1)),
        Reset::Yearly => (date.first_of_year(), Span::new().years(1)),
        _ => return None,
    };
    let start = start.to_zoned(TimeZone::UTC).ok()?;
    let end = start.checked_add(step).ok()?;
    Some((start.timestamp(), end.timestamp()))
}

/// The meter's number for one customer over the events with `start <= occurred_at < end` (`end: None`: no end).
pub(super) fn aggregate(
    events: &[StoredEvent],
    customer_external_id: &str,
    meter_key: &str,
    aggregation: &Aggregation,
    start: Timestamp,
    end: Option<Timestamp>,
) -> Decimal {
    let matching = events.iter().map(|e| &e.event).filter(|e| {
        e.customer_external_id() == customer_external_id
            && e.meter_key() == meter_key
            && e.occurred_at() >= start
            && end.is_none_or(|end| e.occurred_at() < end)
    });
    match aggregation {
        Aggregation::Count => Decimal::from(matching.count()),
        Aggregation::Sum => matching.map(|e| e.quantity()).sum(),
        Aggregation::Max => matching
            .map(|e| e.quantity())
            .max()
            .unwrap_or(Decimal::ZERO),
        // The last by time; of events at one instant, the last recorded.
        Aggregation::Latest => matching
            .fold(None, |latest: Option<&crate::UsageEvent>, e| match latest {
                Some(l) if l.occurred_at() > e.occurred_at() => Some(l),
                _ => Some(e),
            })
            .map_or(Decimal::ZERO, |e| e.quantity()),
        Aggregation::UniqueCount { property } => {
            let distinct: HashSet<&str> = matching
                .filter_map(|e| e.properties().get(property))
                .collect();
            Decimal::from(distinct.len())
        }
        Aggregation::Other(_) => Decimal::ZERO,
    }
}

/// What `quantity` of `price` bills: the quantity the line shows (packages for a package price) and the amount
/// (`None` for a tiered price, which memory does not rate, or on overflow).
pub(super) fn rate(price: &Price, quantity: Decimal) -> (Decimal, Option<Money>) {
    let unit = &price.unit_amount;
    let billed = match &price.scheme {
        PricingScheme::PerUnit => quantity,
        PricingScheme::Package { units, rounding } => {
            let Some(ratio) = quantity.checked_div(Decimal::from(*units)) else {
                return (quantity, None);
            };
            match rounding {
                PackageRounding::Up => ratio.ceil(),
                PackageRounding::Down => ratio.floor(),
            }
        }
        PricingScheme::Tiered { .. } => return (quantity, None),
    };
    let amount = unit
        .amount
        .checked_mul(billed)
        .map(|a| Money::new(a, unit.currency.clone()));
    (billed, amount)
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::money::Currency;
    use crate::{PriceKind, TierMode};

    fn ts(s: &str) -> Timestamp {
        s.parse().unwrap()
    }

    #[test]
    fn periods_are_anniversaries_clamped_to_month_end() {
        let jan31 = ts("2026-01-31T10:00:00Z");
        assert_eq!(
            add_interval(jan31, Interval::monthly(), 1).to_string(),
            "2026-02-28T10:00:00Z"
        );
        assert_eq!(
            add_interval(jan31, Interval::monthly(), 2).to_string(),
            "2026-03-31T10:00:00Z"
        );
        assert_eq!(
            add_interval(jan31, Interval::new(IntervalUnit::Week, 2), 1).to_string(),
            "2026-02-14T10:00:00Z"
        );
        assert_eq!(
            add_interval(Timestamp::MAX, Interval::yearly(), 1),
            Timestamp::MAX
        );
    }

    #[test]
    fn calendar_windows() {
        let now = ts("2026-03-05T10:00:00Z"); // a Thursday
        let w = |r| calendar_window(&r, now).map(|(a, b)| (a.to_string(), b.to_string()));
        assert_eq!(
            w(Reset::Weekly),
            Some(("2026-03-02T00:00:00Z".into(), "2026-03-09T00:00:00Z".into()))
        );
        assert_eq!(
            w(Reset::Monthly),
            Some(("2026-03-01T00:00:00Z".into(), "2026-04-01T00:00:00Z".into()))
        );
        assert_eq!(w(Reset::BillingPeriod), None);
    }

    #[test]
    fn packages_round_as_the_price_says() {
        let usd = |a| Money::new(a, Currency::USD);
        let price = |scheme| {
            Price::builder(
                "p",
                PriceKind::usage(Interval::monthly(), "m"),
                usd(dec!(0.02)),
            )
            .scheme(scheme)
            .build()
        };
        let up = price(PricingScheme::Package {
            units: 10,
            rounding: PackageRounding::Up,
        });
        assert_eq!(rate(&up, dec!(1500)), (dec!(150), Some(usd(dec!(3.00)))));
        assert_eq!(rate(&up, dec!(1501)), (dec!(151), Some(usd(dec!(3.02)))));
        let down = price(PricingScheme::Package {
            units: 10,
            rounding: PackageRounding::Down,
        });
        assert_eq!(rate(&down, dec!(1509)), (dec!(150), Some(usd(dec!(3.00)))));
        assert_eq!(
            rate(&price(PricingScheme::PerUnit), dec!(7)),
            (dec!(7), Some(usd(dec!(0.14))))
        );
        let tiered = price(PricingScheme::Tiered {
            mode: TierMode::Volume,
            tiers: vec![],
        });
        assert_eq!(rate(&tiered, dec!(7)).1, None);
    }
}
