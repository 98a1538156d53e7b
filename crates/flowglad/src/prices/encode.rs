//! Neutral price inputs → Flowglad request bodies, refusing before sending what Flowglad cannot represent.

use unibill_core::{
    Currency, Error, IntervalUnit, Money, NewPrice, PackageRounding, Patch, Price, PriceKind,
    PriceUpdate, PricingScheme, Result,
};

use super::wire::{
    CreateBody, NewWirePrice, SINGLE_PAYMENT, SUBSCRIPTION, USAGE, UpdateBody, WirePriceUpdate,
};
use crate::PROVIDER;
use crate::currency::to_minor;

const OP_CREATE: &str = "prices.create";

/// The create body for `input` in an organisation billing in `currency`.
///
/// Capability checks (kinds, schemes, product rule, unsupported fields, overridden flags) are the core
/// guard's, run by the client before this; here: the currency, exact minor units within int32, and the
/// mapping itself.
pub(crate) fn create_body(input: &NewPrice, currency: &Currency) -> Result<CreateBody> {
    if input.currency() != currency {
        return Err(Error::invalid_field(
            "currency",
            format!(
                "Flowglad prices take the organisation's currency ({currency}); {} cannot be set per price",
                input.currency()
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(OP_CREATE));
    }
    let unit_price = int32_minor("unit_amount", input.unit_amount())?;
    let (kind, interval, product_id, usage_meter_id, trial) = match input.kind() {
        PriceKind::Recurring {
            interval,
            trial_days,
        } => (
            SUBSCRIPTION,
            Some(*interval),
            input.product_id().map(str::to_owned),
            None,
            trial_days.map(i64::from),
        ),
        PriceKind::OneTime => (
            SINGLE_PAYMENT,
            None,
            input.product_id().map(str::to_owned),
            None,
            None,
        ),
        PriceKind::Usage { interval, meter_id } => {
            if input.slug().is_some_and(|s| s.ends_with("_no_charge")) {
                return Err(invalid(
                    "slug",
                    "usage price slugs ending in `_no_charge` are reserved by Flowglad",
                ));
            }
            (USAGE, Some(*interval), None, Some(meter_id.clone()), None)
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
                .with_field_errors([unibill_core::FieldError::new(
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
            name: input.name().map(str::to_owned),
            slug: input.slug().map(str::to_owned),
            active: input.active(),
        },
    })
}

/// The update body for `current`: its id and type, `isDefault` kept unless the update sets it.
pub(crate) fn update_body(current: &Price, update: &PriceUpdate) -> UpdateBody {
    let patch = |p: &Patch<String>| match p {
        Patch::Keep => None,
        Patch::Clear => Some(None),
        Patch::Set(v) => Some(Some(v.clone())),
    };
    UpdateBody {
        price: WirePriceUpdate {
            id: current.id.as_str().to_owned(),
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
pub(crate) fn archive_body(current: &Price) -> UpdateBody {
    let update = PriceUpdate::builder()
        .active(false)
        .build()
        .unwrap_or_default();
    update_body(current, &update)
}

/// Flowglad's `type` for a neutral kind.
pub(crate) fn wire_type(kind: &PriceKind) -> &'static str {
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
pub(crate) fn int32_minor(field: &str, money: &Money) -> Result<i64> {
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
