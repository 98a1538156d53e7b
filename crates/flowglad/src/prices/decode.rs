//! Flowglad price records → neutral [`Price`]s, keeping the record as `raw`.

use serde_json::value::RawValue;
use unibill_core::{
    Currency, Error, Interval, IntervalUnit, PackageRounding, Price, PriceKind, PricingScheme,
    RawJson, Result,
};

use super::wire::{SINGLE_PAYMENT, SUBSCRIPTION, USAGE, WirePrice};
use crate::PROVIDER;
use crate::currency::from_minor;

/// Decodes one raw price record (parsed once; the text is kept as `raw`).
pub(crate) fn price(raw: Box<RawValue>) -> Result<Price> {
    let wire: WirePrice = serde_json::from_str(raw.get())
        .map_err(|e| bad(format!("cannot decode a Flowglad price: {e}")))?;
    // Lenient: whatever code Flowglad answers is kept; only input is strict. (A code without a known exponent
    // still fails below: its minor units cannot be read as an exact amount.)
    let currency = Currency::decode(
        wire.currency
            .as_deref()
            .ok_or_else(|| bad(format!("price {} has no currency", wire.id)))?,
    )
    .map_err(|e| bad(format!("price {}: {}", wire.id, e.message())))?;
    let unit_price = wire
        .unit_price
        .ok_or_else(|| bad(format!("price {} has no unitPrice", wire.id)))?;
    let unit_amount = from_minor(unit_price, currency.clone())
        .map_err(|e| bad(format!("price {}: {}", wire.id, e.message())))?;
    let kind = match wire.kind.as_str() {
        SUBSCRIPTION => PriceKind::Recurring {
            interval: interval(&wire)?,
            trial_days: match wire.trial_period_days {
                Some(d) if d > 0 => Some(
                    u32::try_from(d)
                        .map_err(|_| bad(format!("price {}: trial of {d} days", wire.id)))?,
                ),
                _ => None,
            },
        },
        SINGLE_PAYMENT => PriceKind::OneTime,
        USAGE => PriceKind::Usage {
            interval: interval(&wire)?,
            meter_id: wire
                .usage_meter_id
                .clone()
                .ok_or_else(|| bad(format!("usage price {} has no usageMeterId", wire.id)))?,
        },
        other => {
            return Err(bad(format!(
                "price {} has a type unibill does not know: `{other}`",
                wire.id
            )));
        }
    };
    let scheme = match (wire.kind.as_str(), wire.usage_events_per_unit) {
        (USAGE, Some(n)) if n > 1 => PricingScheme::Package {
            units: u64::try_from(n).map_err(|_| bad(format!("usageEventsPerUnit {n}")))?,
            rounding: PackageRounding::Up,
        },
        _ => PricingScheme::PerUnit,
    };
    let mut b = Price::builder(wire.id.clone(), kind, unit_amount)
        .scheme(scheme)
        .provider(PROVIDER)
        .active(wire.active.unwrap_or(true));
    if let Some(p) = wire.product_id {
        b = b.product_id(p);
    }
    if let Some(v) = wire.name {
        b = b.name(v);
    }
    if let Some(v) = wire.slug {
        b = b.slug(v);
    }
    if let Some(v) = wire.is_default {
        b = b.is_default(v);
    }
    if let Some(v) = wire.livemode {
        b = b.livemode(v);
    }
    if let Some(fee) = wire.setup_fee_amount.filter(|f| *f > 0) {
        b = b.setup_fee(
            from_minor(fee, currency)
                .map_err(|e| bad(format!("setupFeeAmount: {}", e.message())))?,
        );
    }
    if let Some(t) = wire.created_at {
        b = b.created_at(t);
    }
    if let Some(t) = wire.updated_at {
        b = b.updated_at(t);
    }
    Ok(b.raw(RawJson::from_raw(raw)).build())
}

fn interval(wire: &WirePrice) -> Result<Interval> {
    let unit = match wire.interval_unit.as_deref() {
        Some("day") => IntervalUnit::Day,
        Some("week") => IntervalUnit::Week,
        Some("month") => IntervalUnit::Month,
        Some("year") => IntervalUnit::Year,
        Some(other) => {
            return Err(bad(format!(
                "price {} has an interval unit unibill does not know: `{other}`",
                wire.id
            )));
        }
        None => return Err(bad(format!("price {} has no intervalUnit", wire.id))),
    };
    let count = wire
        .interval_count
        .and_then(|c| u32::try_from(c).ok())
        .filter(|c| *c >= 1)
        .ok_or_else(|| bad(format!("price {} has no valid intervalCount", wire.id)))?;
    Ok(Interval::new(unit, count))
}

fn bad(message: String) -> Error {
    Error::decode(message).with_provider(PROVIDER)
}
