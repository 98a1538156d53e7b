//! The price wire format: request bodies (exact, refusing what Flowglad cannot represent) and the price record
//! (lenient, across API versions).
//!
//! Capability checks (kinds, schemes, product rule, unsupported fields, overridden flags) are the guard's; the
//! encoders here refuse what the wire itself cannot carry: amounts that are not whole minor units within int32,
//! schemes without a Flowglad spelling, reserved slugs.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::{
    Currency, Error, FieldError, Interval, IntervalUnit, Money, NewPrice, PackageRounding, Patch,
    Price, PriceKind, PriceUpdate, PricingScheme, RawJson, Result,
};

use crate::PROVIDER;
use crate::currency::{from_minor, to_minor};
use crate::decode::{self, record};

/// The operation the create encoder's errors name.
pub(super) const OP_CREATE: &str = "prices.create";

/// The wire `type` of a subscription (recurring) price.
const SUBSCRIPTION: &str = "subscription";
/// The wire `type` of a one-time price.
const SINGLE_PAYMENT: &str = "single_payment";
/// The wire `type` of a usage price.
const USAGE: &str = "usage";

/// `{"price": Price}`: the answer of create, get and update (the record kept raw, decoded once).
#[derive(Debug, Deserialize)]
pub(super) struct PriceEnvelope {
    pub price: Box<RawValue>,
}

/// A price record, today's shape (epoch-ms times, `pricingModelId`) or the older one (ISO times,
/// `setupFeeAmount`, `createdByCommit`, the string `"null"`). Unknown fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePrice {
    id: String,
    #[serde(rename = "type")]
    kind: String,
    #[serde(default, deserialize_with = "decode::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    slug: Option<String>,
    #[serde(default, deserialize_with = "decode::int")]
    unit_price: Option<i64>,
    #[serde(default, deserialize_with = "decode::string")]
    currency: Option<String>,
    #[serde(default, deserialize_with = "decode::boolean")]
    is_default: Option<bool>,
    #[serde(default, deserialize_with = "decode::boolean")]
    active: Option<bool>,
    #[serde(default, deserialize_with = "decode::boolean")]
    livemode: Option<bool>,
    #[serde(default, deserialize_with = "decode::string")]
    interval_unit: Option<String>,
    #[serde(default, deserialize_with = "decode::int")]
    interval_count: Option<i64>,
    #[serde(default, deserialize_with = "decode::int")]
    trial_period_days: Option<i64>,
    #[serde(default, deserialize_with = "decode::int")]
    usage_events_per_unit: Option<i64>,
    #[serde(default, deserialize_with = "decode::string")]
    product_id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    usage_meter_id: Option<String>,
    /// Removed in October 2025; older answers carry it.
    #[serde(default, deserialize_with = "decode::int")]
    setup_fee_amount: Option<i64>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    updated_at: Option<Timestamp>,
}

/// `POST /api/v1/prices` body.
#[derive(Debug, Serialize)]
pub(super) struct CreateBody<'a> {
    price: NewWirePrice<'a>,
}

/// The price of a create: fields that do not apply to the type are left out, never `null`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NewWirePrice<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    product_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_meter_id: Option<&'a str>,
    unit_price: i64,
    #[serde(skip_serializing_if = "Option::is_none")]
    usage_events_per_unit: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_unit: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    interval_count: Option<i64>,
    is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    trial_period_days: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
}

/// `PUT /api/v1/prices/{id}` body.
#[derive(Debug, Serialize)]
pub(super) struct UpdateBody<'a> {
    price: WirePriceUpdate<'a>,
}

/// An update: `id`, `type` and `isDefault` always; `name`/`slug` as a value, `null` to clear, or left out.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WirePriceUpdate<'a> {
    id: &'a str,
    #[serde(rename = "type")]
    kind: &'static str,
    is_default: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    slug: Option<Option<&'a str>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    active: Option<bool>,
}

impl<'a> TryFrom<&'a NewPrice> for CreateBody<'a> {
    type Error = Error;

    /// The body for `input` (its currency is the caller's to check against the organisation's): exact minor
    /// units within int32, and the mapping itself.
    fn try_from(input: &'a NewPrice) -> Result<Self> {
        let unit_price = int32_minor("unit_amount", input.unit_amount())?;
        let (kind, interval, product_id, usage_meter_id, trial) = match input.kind() {
            PriceKind::Recurring {
                interval,
                trial_days,
            } => (
                SUBSCRIPTION,
                Some(*interval),
                input.product_id(),
                None,
                trial_days.map(i64::from),
            ),
            PriceKind::OneTime => (SINGLE_PAYMENT, None, input.product_id(), None, None),
            PriceKind::Usage { interval, meter_id } => {
                if input.slug().is_some_and(|s| s.ends_with("_no_charge")) {
                    return Err(invalid(
                        "slug",
                        "usage price slugs ending in `_no_charge` are reserved by Flowglad",
                    ));
                }
                (USAGE, Some(*interval), None, Some(meter_id.as_str()), None)
            }
        };
        let usage_events_per_unit = match (kind, input.scheme()) {
            (USAGE, PricingScheme::PerUnit) => Some(1),
            (
                USAGE,
                PricingScheme::Package {
                    units,
                    rounding: PackageRounding::Up,
                },
            ) => Some(int32("scheme.units", i128::from(*units))?),
            (_, PricingScheme::PerUnit) => None,
            (_, other) => {
                return Err(Error::unsupported_field(PROVIDER, "scheme")
                    .with_operation(OP_CREATE)
                    .with_field_errors([FieldError::new(
                        "scheme",
                        format!(
                            "Flowglad cannot represent a {} scheme on a {} price",
                            other.name(),
                            input.kind().name()
                        ),
                    )]));
            }
        };
        let interval_count = interval
            .map(|i| int32("interval.count", i128::from(i.count)))
            .transpose()?;
        let trial_period_days = trial
            .map(|t| int32("trial_days", i128::from(t)))
            .transpose()?;
        let is_default = match kind {
            // Forced true by Flowglad (the guard refuses `false`).
            SUBSCRIPTION | SINGLE_PAYMENT => input.is_default().unwrap_or(true),
            // Honoured; `true` takes the default flag from the meter's other prices, so only when asked.
            _ => input.is_default().unwrap_or(false),
        };
        Ok(CreateBody {
            price: NewWirePrice {
                kind,
                product_id,
                usage_meter_id,
                unit_price,
                usage_events_per_unit,
                interval_unit: interval.map(|i| interval_unit(i.unit)),
                interval_count,
                is_default,
                trial_period_days,
                name: input.name(),
                slug: input.slug(),
                active: input.active(),
            },
        })
    }
}

impl<'a> UpdateBody<'a> {
    /// The update body for `current`: its id and type, `isDefault` kept unless the update sets it.
    pub(super) fn new(current: &'a Price, update: &'a PriceUpdate) -> Self {
        let patch = |p: &'a Patch<String>| match p {
            Patch::Keep => None,
            Patch::Clear => Some(None),
            Patch::Set(v) => Some(Some(v.as_str())),
        };
        UpdateBody {
            price: WirePriceUpdate {
                id: current.id.as_str(),
                kind: wire_type(&current.kind),
                is_default: update
                    .is_default()
                    .unwrap_or(current.is_default.unwrap_or(false)),
                name: patch(update.name()),
                slug: patch(update.slug()),
                active: update.active(),
            },
        }
    }

    /// The archive body: `active: false`, everything else as it is.
    pub(super) fn archive(current: &'a Price) -> Self {
        UpdateBody {
            price: WirePriceUpdate {
                id: current.id.as_str(),
                kind: wire_type(&current.kind),
                is_default: current.is_default.unwrap_or(false),
                name: None,
                slug: None,
                active: Some(false),
            },
        }
    }
}

/// Flowglad's `type` for a neutral kind.
fn wire_type(kind: &PriceKind) -> &'static str {
    match kind {
        PriceKind::Recurring { .. } => SUBSCRIPTION,
        PriceKind::OneTime => SINGLE_PAYMENT,
        PriceKind::Usage { .. } => USAGE,
    }
}

fn interval_unit(unit: IntervalUnit) -> &'static str {
    match unit {
        IntervalUnit::Day => "day",
        IntervalUnit::Week => "week",
        IntervalUnit::Month => "month",
        IntervalUnit::Year => "year",
    }
}

/// An amount in whole Flowglad minor units, 0..=2,147,483,647 (the database column is int32).
fn int32_minor(field: &str, money: &Money) -> Result<i64> {
    if money.is_negative() {
        return Err(invalid(field, "Flowglad amounts cannot be negative"));
    }
    let minor = to_minor(money).map_err(|e| {
        let why = e
            .field_errors()
            .first()
            .map_or_else(|| e.message().to_owned(), |f| f.message.clone());
        invalid(field, &format!("Flowglad bills whole minor units: {why}"))
    })?;
    int32(field, i128::from(minor))
}

fn int32(field: &str, n: i128) -> Result<i64> {
    if !(0..=i128::from(i32::MAX)).contains(&n) {
        return Err(invalid(
            field,
            &format!("{n} is outside Flowglad's range 0..=2147483647"),
        ));
    }
    i64::try_from(n).map_err(|_| invalid(field, "out of range"))
}

fn invalid(field: &str, message: &str) -> Error {
    Error::invalid_field(field, message)
        .with_provider(PROVIDER)
        .with_operation(OP_CREATE)
}

/// Decodes one raw price record (parsed once; the text is kept as `raw`).
pub(super) fn price(raw: Box<RawValue>) -> Result<Price> {
    let (wire, raw) = record::<WirePrice>(raw, "price")?;
    wire.into_price(raw)
}

impl WirePrice {
    /// The read model, with the raw record it came from.
    fn into_price(self, raw: RawJson) -> Result<Price> {
        // Lenient: whatever code Flowglad answers is kept; only input is strict. (A code without a known
        // exponent still fails below: its minor units cannot be read as an exact amount.)
        let currency = Currency::decode(
            self.currency
                .as_deref()
                .ok_or_else(|| bad(format!("price {} has no currency", self.id)))?,
        )
        .map_err(|e| bad(format!("price {}: {}", self.id, e.message())))?;
        let unit_price = self
            .unit_price
            .ok_or_else(|| bad(format!("price {} has no unitPrice", self.id)))?;
        let unit_amount = from_minor(unit_price, currency.clone())
            .map_err(|e| bad(format!("price {}: {}", self.id, e.message())))?;
        let kind = match self.kind.as_str() {
            SUBSCRIPTION => PriceKind::Recurring {
                interval: self.interval()?,
                trial_days: match self.trial_period_days {
                    Some(d) if d > 0 => Some(
                        u32::try_from(d)
                            .map_err(|_| bad(format!("price {}: trial of {d} days", self.id)))?,
                    ),
                    _ => None,
                },
            },
            SINGLE_PAYMENT => PriceKind::OneTime,
            USAGE => PriceKind::Usage {
                interval: self.interval()?,
                meter_id: self
                    .usage_meter_id
                    .clone()
                    .ok_or_else(|| bad(format!("usage price {} has no usageMeterId", self.id)))?,
            },
            other => {
                return Err(bad(format!(
                    "price {} has a type unibill does not know: `{other}`",
                    self.id
                )));
            }
        };
        let scheme = match (self.kind.as_str(), self.usage_events_per_unit) {
            (USAGE, Some(n)) if n > 1 => PricingScheme::Package {
                units: u64::try_from(n).map_err(|_| bad(format!("usageEventsPerUnit {n}")))?,
                rounding: PackageRounding::Up,
            },
            _ => PricingScheme::PerUnit,
        };
        let mut b = Price::builder(self.id.clone(), kind, unit_amount)
            .scheme(scheme)
            .provider(PROVIDER)
            .active(self.active.unwrap_or(true));
        if let Some(p) = self.product_id {
            b = b.product_id(p);
        }
        if let Some(v) = self.name {
            b = b.name(v);
        }
        if let Some(v) = self.slug {
            b = b.slug(v);
        }
        if let Some(v) = self.is_default {
            b = b.is_default(v);
        }
        if let Some(v) = self.livemode {
            b = b.livemode(v);
        }
        if let Some(fee) = self.setup_fee_amount.filter(|f| *f > 0) {
            b = b.setup_fee(
                from_minor(fee, currency)
                    .map_err(|e| bad(format!("setupFeeAmount: {}", e.message())))?,
            );
        }
        if let Some(t) = self.created_at {
            b = b.created_at(t);
        }
        if let Some(t) = self.updated_at {
            b = b.updated_at(t);
        }
        Ok(b.raw(raw).build())
    }

    fn interval(&self) -> Result<Interval> {
        let unit = match self.interval_unit.as_deref() {
            Some("day") => IntervalUnit::Day,
            Some("week") => IntervalUnit::Week,
            Some("month") => IntervalUnit::Month,
            Some("year") => IntervalUnit::Year,
            Some(other) => {
                return Err(bad(format!(
                    "price {} has an interval unit unibill does not know: `{other}`",
                    self.id
                )));
            }
            None => return Err(bad(format!("price {} has no intervalUnit", self.id))),
        };
        let count = self
            .interval_count
            .and_then(|c| u32::try_from(c).ok())
            .filter(|c| *c >= 1)
            .ok_or_else(|| bad(format!("price {} has no valid intervalCount", self.id)))?;
        Ok(Interval::new(unit, count))
    }
}

fn bad(message: String) -> Error {
    Error::decode(message).with_provider(PROVIDER)
}
