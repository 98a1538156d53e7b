//! Flexprice's price records and request bodies, exactly as on the wire, and their translation from and to
//! the neutral model.
//!
//! Requests are exact (absent optional fields left out; a tier's `up_to` is `null` for the last tier, as the
//! server needs); what Flexprice would reject or store differently is refused before sending. Responses are
//! lenient: every field optional, enum values kept as strings, unknown fields ignored, amounts read from a
//! string or a number.

use std::collections::BTreeMap;

use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use unibill_core::{
    Currency, Error, FieldError, Interval, IntervalUnit, Metadata, Money, NewPrice,
    PackageRounding, Patch, Price, PriceKind, PriceTier, PriceUpdate, PricingScheme, RawJson,
    Result, TierMode,
};

use crate::PROVIDER;
use crate::decode::{non_empty, timestamp};

/// `POST /prices` body.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct CreatePrice {
    entity_type: &'static str,
    entity_id: String,
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    meter_id: Option<String>,
    billing_model: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    tier_mode: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    tiers: Option<Vec<TierOut>>,
    billing_period: &'static str,
    billing_period_count: u32,
    invoice_cadence: &'static str,
    price_unit_type: &'static str,
    currency: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    amount: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    transform_quantity: Option<TransformQuantityOut>,
    #[serde(skip_serializing_if = "Option::is_none")]
    trial_period_days: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup_key: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<BTreeMap<String, String>>,
}

/// One tier of a create: `up_to` always present (`null` = the open-ended last tier).
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct TierOut {
    up_to: Option<u64>,
    unit_amount: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    flat_amount: Option<String>,
}

/// `transform_quantity` of a package price.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct TransformQuantityOut {
    divide_by: u64,
    round: &'static str,
}

/// `PUT /prices/{id}` body: the in-place (non-critical) fields only.
#[derive(Debug, Serialize, PartialEq, Eq, Default)]
pub(crate) struct UpdatePrice {
    #[serde(skip_serializing_if = "Option::is_none")]
    display_name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup_key: Option<String>,
}

/// `POST /prices/search` body.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct SearchPrices {
    pub limit: u32,
    pub offset: u64,
    pub sort: &'static str,
    pub order: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_type: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub entity_ids: Option<Vec<String>>,
    #[serde(skip_serializing_if = "std::ops::Not::not")]
    pub allow_expired_prices: bool,
}

/// A price record (`PriceResponse`). Only what the neutral model reads; the rest stays in `raw`.
#[derive(Debug, Deserialize)]
pub(crate) struct WirePrice {
    id: String,
    #[serde(default)]
    amount: Option<Value>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default, rename = "type")]
    kind: Option<String>,
    #[serde(default)]
    billing_period: Option<String>,
    #[serde(default)]
    billing_period_count: Option<i64>,
    #[serde(default)]
    billing_model: Option<String>,
    #[serde(default)]
    display_name: Option<String>,
    #[serde(default)]
    trial_period_days: Option<i64>,
    /// The name before 2026-04-23.
    #[serde(default)]
    trial_period: Option<i64>,
    #[serde(default)]
    tier_mode: Option<String>,
    #[serde(default)]
    tiers: Option<Vec<WireTier>>,
    #[serde(default)]
    meter_id: Option<String>,
    #[serde(default)]
    lookup_key: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    transform_quantity: Option<WireTransformQuantity>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    entity_type: Option<String>,
    #[serde(default)]
    entity_id: Option<String>,
    #[serde(default)]
    end_date: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    #[serde(default)]
    updated_at: Option<String>,
}

/// A tier as read.
#[derive(Debug, Deserialize)]
pub(crate) struct WireTier {
    #[serde(default)]
    up_to: Option<u64>,
    #[serde(default)]
    unit_amount: Option<Value>,
    #[serde(default)]
    flat_amount: Option<Value>,
}

/// `transform_quantity` as read.
#[derive(Debug, Deserialize)]
pub(crate) struct WireTransformQuantity {
    #[serde(default)]
    divide_by: Option<i64>,
    #[serde(default)]
    round: Option<String>,
}

/// Fractional digits Flexprice keeps (`numeric(25,15)`); more would be rounded on storage.
const MAX_SCALE: u32 = 15;
/// Integer digits Flexprice holds; more is a database error (a 500).
const MAX_INTEGER_DIGITS: usize = 10;

/// An amount as Flexprice takes it: a decimal string in major units, exactly as given (no exponent).
fn amount(field: &str, money: &Money, errors: &mut Vec<FieldError>) -> String {
    let d = money.amount;
    if d.normalize().scale() > MAX_SCALE {
        errors.push(FieldError::new(
            field,
            format!("{d} has more than {MAX_SCALE} fractional digits, which Flexprice would round"),
        ));
    }
    if d.trunc().abs().to_string().len() > MAX_INTEGER_DIGITS {
        errors.push(FieldError::new(
            field,
            format!("{d} has more than {MAX_INTEGER_DIGITS} integer digits (Flexprice's limit)"),
        ));
    }
    d.to_string()
}

/// Whether a lookup key can be looked up again (`GET /prices/lookup/{key}` routes on the decoded path).
fn check_slug(field: &str, slug: &str, errors: &mut Vec<FieldError>) {
    if !slug
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
    {
        errors.push(FieldError::new(
            field,
            "Flexprice lookup keys are limited to A-Z a-z 0-9 . _ : - (others cannot be looked up)",
        ));
    }
}

fn period(unit: IntervalUnit) -> &'static str {
    match unit {
        IntervalUnit::Day => "DAILY",
        IntervalUnit::Week => "WEEKLY",
        IntervalUnit::Month => "MONTHLY",
        IntervalUnit::Year => "ANNUAL",
    }
}

/// The create body; what the wire cannot carry (a currency code that is not three letters, no plan, a lookup
/// key that cannot be looked up again, amounts Flexprice would round or refuse) is `InvalidInput` naming the
/// field.
impl TryFrom<&NewPrice> for CreatePrice {
    type Error = Error;

    fn try_from(input: &NewPrice) -> Result<Self> {
        let mut errors = Vec::new();
        let code = input.currency().code();
        if code.len() != 3 {
            errors.push(FieldError::new(
                "currency",
                format!("Flexprice takes three-letter currency codes (got `{code}`)"),
            ));
        }
        let entity_id = input.product_id().unwrap_or_default().to_owned();
        if entity_id.is_empty() {
            errors.push(FieldError::new(
                "product_id",
                "a Flexprice price belongs to a plan: set its plan id",
            ));
        }
        if let Some(slug) = input.slug() {
            check_slug("slug", slug, &mut errors);
        }
        let (kind, billing_period, count, cadence, meter_id, trial) = match input.kind() {
            PriceKind::Recurring {
                interval,
                trial_days,
            } => (
                "FIXED",
                period(interval.unit),
                interval.count,
                "ADVANCE",
                None,
                *trial_days,
            ),
            PriceKind::OneTime => ("FIXED", "ONETIME", 1, "ADVANCE", None, None),
            PriceKind::Usage { interval, meter_id } => (
                "USAGE",
                period(interval.unit),
                interval.count,
                "ARREAR",
                Some(meter_id.clone()),
                None,
            ),
        };
        let (billing_model, amount_out, transform_quantity, tier_mode, tiers) = match input.scheme()
        {
            PricingScheme::PerUnit => (
                "FLAT_FEE",
                Some(amount("unit_amount", input.unit_amount(), &mut errors)),
                None,
                None,
                None,
            ),
            PricingScheme::Package { units, rounding } => (
                "PACKAGE",
                Some(amount("unit_amount", input.unit_amount(), &mut errors)),
                Some(TransformQuantityOut {
                    divide_by: *units,
                    round: match rounding {
                        PackageRounding::Up => "up",
                        PackageRounding::Down => "down",
                    },
                }),
                None,
                None,
            ),
            PricingScheme::Tiered { mode, tiers } => {
                let tiers = tiers
                    .iter()
                    .enumerate()
                    .map(|(i, t)| TierOut {
                        up_to: t.up_to,
                        unit_amount: amount(
                            &format!("scheme.tiers[{i}].unit_amount"),
                            &t.unit_amount,
                            &mut errors,
                        ),
                        flat_amount: t.flat_amount.as_ref().map(|f| {
                            amount(&format!("scheme.tiers[{i}].flat_amount"), f, &mut errors)
                        }),
                    })
                    .collect();
                (
                    "TIERED",
                    None,
                    None,
                    Some(match mode {
                        TierMode::Volume => "VOLUME",
                        TierMode::Graduated => "SLAB",
                    }),
                    Some(tiers),
                )
            }
        };
        if !errors.is_empty() {
            return Err(Error::invalid_fields(errors)
                .with_provider(crate::PROVIDER)
                .with_operation("prices.create"));
        }
        Ok(CreatePrice {
            entity_type: "PLAN",
            entity_id,
            kind,
            meter_id,
            billing_model,
            tier_mode,
            tiers,
            billing_period,
            billing_period_count: count,
            invoice_cadence: cadence,
            price_unit_type: "FIAT",
            currency: code.to_ascii_lowercase(),
            amount: amount_out,
            transform_quantity,
            trial_period_days: trial,
            lookup_key: input.slug().map(str::to_owned),
            display_name: input.name().map(str::to_owned),
            description: input.description().map(str::to_owned),
            metadata: input.metadata().map(|m| m.as_map().clone()),
        })
    }
}

/// The in-place update body (name and slug; clearing is refused by the guard: `""` means "no change"); a
/// lookup key that cannot be looked up again is `InvalidInput`.
impl TryFrom<&PriceUpdate> for UpdatePrice {
    type Error = Error;

    fn try_from(update: &PriceUpdate) -> Result<Self> {
        let mut errors = Vec::new();
        let set = |p: &Patch<String>| match p {
            Patch::Set(v) => Some(v.clone()),
            _ => None,
        };
        let body = UpdatePrice {
            display_name: set(update.name()),
            lookup_key: set(update.slug()),
        };
        if let Some(slug) = &body.lookup_key {
            check_slug("slug", slug, &mut errors);
        }
        if errors.is_empty() {
            Ok(body)
        } else {
            Err(Error::invalid_fields(errors)
                .with_provider(crate::PROVIDER)
                .with_operation("prices.update"))
        }
    }
}

/// A decimal from a Flexprice amount: a string (what the server sends) or a number, plain or scientific.
fn decimal(v: &Value) -> Option<Decimal> {
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

impl WirePrice {
    /// The read model, with the raw JSON it came from. A price is active while it is published and has no end
    /// date (an end date, even a future one, already frees its lookup key and hides it from lookup).
    pub(crate) fn into_price(self, raw: RawJson) -> Result<Price> {
        let wire = self;
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
}

/// Whether an amount keeps its value through Flexprice (≤ 15 fractional, ≤ 10 integer digits).
#[cfg(test)]
fn representable(d: rust_decimal::Decimal) -> bool {
    let mut errors = Vec::new();
    amount(
        "x",
        &Money::new(d, unibill_core::Currency::USD),
        &mut errors,
    );
    errors.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rust_decimal::Decimal;

    #[test]
    fn amount_limits() {
        assert!(representable(
            Decimal::from_str_exact("0.123456789012345").unwrap()
        ));
        assert!(representable(
            Decimal::from_str_exact("0.1000000000000000000").unwrap()
        ));
        assert!(!representable(
            Decimal::from_str_exact("0.1234567890123456").unwrap()
        ));
        assert!(representable(
            Decimal::from_str_exact("9999999999.5").unwrap()
        ));
        assert!(!representable(
            Decimal::from_str_exact("10000000000").unwrap()
        ));
    }

    #[test]
    fn slugs() {
        let mut errors = Vec::new();
        check_slug("slug", "pro_monthly-usd:v1.2", &mut errors);
        assert!(errors.is_empty());
        check_slug("slug", "pro/monthly", &mut errors);
        check_slug("slug", "pro monthly", &mut errors);
        assert_eq!(errors.len(), 2);
    }
}
