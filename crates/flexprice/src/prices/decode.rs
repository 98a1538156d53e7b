//! Flexprice price records → neutral [`Price`]s, keeping the record as `raw` (parsed once).

use rust_decimal::Decimal;
use serde_json::Value;
use unibill_core::{
    Currency, Error, Interval, IntervalUnit, Metadata, Money, PackageRounding, Price, PriceKind,
    PriceTier, PricingScheme, RawJson, Result, TierMode,
};

use super::wire::{WirePrice, WireTier};
use crate::PROVIDER;
use crate::decode::{non_empty, timestamp};

/// A decimal from a Flexprice amount: a string (what the server sends) or a number, plain or scientific.
pub(crate) fn decimal(v: &Value) -> Option<Decimal> {
    let text = match v {
        Value::String(s) => s.trim().to_owned(),
        Value::Number(n) => n.to_string(),
        _ => return None,
    };
    if text.contains(['e', 'E']) {
        Decimal::from_scientific(&text).ok()
    } else {
        Decimal::from_str_exact(&text).ok()
    }
}

fn bad(id: &str, what: impl std::fmt::Display) -> Error {
    Error::decode(format!("Flexprice price {id}: {what}")).with_provider(PROVIDER)
}

fn interval(w: &WirePrice) -> Result<Interval> {
    let count = w
        .billing_period_count
        .and_then(|c| u32::try_from(c).ok())
        .filter(|c| *c >= 1)
        .unwrap_or(1);
    let (unit, factor) = match w.billing_period.as_deref() {
        Some("DAILY") => (IntervalUnit::Day, 1),
        Some("WEEKLY") => (IntervalUnit::Week, 1),
        Some("MONTHLY") => (IntervalUnit::Month, 1),
        Some("QUARTERLY") => (IntervalUnit::Month, 3),
        Some("HALF_YEARLY") => (IntervalUnit::Month, 6),
        Some("ANNUAL") => (IntervalUnit::Year, 1),
        other => {
            return Err(bad(
                &w.id,
                format_args!("a billing period unibill cannot represent: {other:?}"),
            ));
        }
    };
    let count = count
        .checked_mul(factor)
        .ok_or_else(|| bad(&w.id, "billing period count out of range"))?;
    Ok(Interval::new(unit, count))
}

fn money(id: &str, field: &str, v: Option<&Value>, currency: &Currency) -> Result<Money> {
    match v {
        None | Some(Value::Null) => Ok(Money::new(Decimal::ZERO, currency.clone())),
        Some(v) => decimal(v)
            .map(|d| Money::new(d, currency.clone()))
            .ok_or_else(|| bad(id, format_args!("`{field}` is not a decimal: {v}"))),
    }
}

fn tier(id: &str, t: &WireTier, currency: &Currency) -> Result<PriceTier> {
    Ok(PriceTier {
        up_to: t.up_to,
        unit_amount: money(id, "tiers.unit_amount", t.unit_amount.as_ref(), currency)?,
        flat_amount: match &t.flat_amount {
            None | Some(Value::Null) => None,
            Some(v) => Some(money(id, "tiers.flat_amount", Some(v), currency)?),
        },
    })
}

/// Decodes one price record. A price is active while it is published and has no end date (an end date, even a
/// future one, already frees its lookup key and hides it from lookup).
pub(crate) fn price(wire: WirePrice, raw: RawJson) -> Result<Price> {
    let id = wire.id.clone();
    // Lenient: whatever code Flexprice answers is kept (`btc` as `Other("BTC")`); only input is strict.
    let currency = Currency::decode(
        wire.currency
            .as_deref()
            .ok_or_else(|| bad(&id, "no currency"))?,
    )
    .map_err(|e| bad(&id, e.message()))?;
    let kind = match (wire.kind.as_deref(), wire.billing_period.as_deref()) {
        (Some("FIXED"), Some("ONETIME")) => PriceKind::OneTime,
        (Some("FIXED"), _) => PriceKind::Recurring {
            interval: interval(&wire)?,
            trial_days: wire
                .trial_period_days
                .or(wire.trial_period)
                .and_then(|d| u32::try_from(d).ok())
                .filter(|d| *d > 0),
        },
        (Some("USAGE"), _) => PriceKind::Usage {
            interval: interval(&wire)?,
            meter_id: non_empty(wire.meter_id.clone())
                .ok_or_else(|| bad(&id, "a usage price without a meter"))?,
        },
        (other, _) => {
            return Err(bad(
                &id,
                format_args!("a price type unibill does not know: {other:?}"),
            ));
        }
    };
    let (scheme, unit_amount) = match wire.billing_model.as_deref() {
        Some("FLAT_FEE") => (
            PricingScheme::PerUnit,
            money(&id, "amount", wire.amount.as_ref(), &currency)?,
        ),
        Some("PACKAGE") => {
            let tq = wire.transform_quantity.as_ref();
            let units = tq
                .and_then(|t| t.divide_by)
                .and_then(|d| u64::try_from(d).ok())
                .filter(|d| *d >= 1)
                .unwrap_or(1);
            let rounding = match tq.and_then(|t| t.round.as_deref()) {
                Some("down") => PackageRounding::Down,
                _ => PackageRounding::Up,
            };
            (
                PricingScheme::Package { units, rounding },
                money(&id, "amount", wire.amount.as_ref(), &currency)?,
            )
        }
        Some("TIERED") => {
            let mode = match wire.tier_mode.as_deref() {
                Some("VOLUME") => TierMode::Volume,
                Some("SLAB") => TierMode::Graduated,
                other => {
                    return Err(bad(
                        &id,
                        format_args!("a tier mode unibill does not know: {other:?}"),
                    ));
                }
            };
            let tiers = wire
                .tiers
                .as_deref()
                .unwrap_or_default()
                .iter()
                .map(|t| tier(&id, t, &currency))
                .collect::<Result<Vec<_>>>()?;
            // The price's own amount means nothing for a tiered price.
            (
                PricingScheme::Tiered { mode, tiers },
                Money::new(Decimal::ZERO, currency.clone()),
            )
        }
        other => {
            return Err(bad(
                &id,
                format_args!("a billing model unibill does not know: {other:?}"),
            ));
        }
    };
    let active = wire.status.as_deref().is_none_or(|s| s == "published")
        && non_empty(wire.end_date.clone()).is_none();
    let mut b = Price::builder(id, kind, unit_amount)
        .scheme(scheme)
        .provider(PROVIDER)
        .active(active);
    if wire.entity_type.as_deref().is_none_or(|t| t == "PLAN")
        && let Some(plan) = non_empty(wire.entity_id)
    {
        b = b.product_id(plan);
    }
    if let Some(v) = non_empty(wire.display_name) {
        b = b.name(v);
    }
    if let Some(v) = non_empty(wire.lookup_key) {
        b = b.slug(v);
    }
    if let Some(v) = non_empty(wire.description) {
        b = b.description(v);
    }
    if let Some(m) = wire.metadata {
        let metadata: Metadata = m
            .into_iter()
            .filter_map(|(k, v)| match v {
                Value::String(s) => Some((k, s)),
                _ => None,
            })
            .collect();
        b = b.metadata(metadata);
    }
    if let Some(t) = timestamp(wire.created_at.as_deref()) {
        b = b.created_at(t);
    }
    if let Some(t) = timestamp(wire.updated_at.as_deref()) {
        b = b.updated_at(t);
    }
    Ok(b.raw(raw).build())
}
