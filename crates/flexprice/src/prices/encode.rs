//! Neutral price inputs → Flexprice request bodies, refusing before sending what Flexprice would reject or
//! store differently.

use unibill_core::{
    Error, FieldError, IntervalUnit, Money, NewPrice, PackageRounding, Patch, PriceKind,
    PriceUpdate, PricingScheme, Result, TierMode,
};

use super::wire::{CreatePrice, TierOut, TransformQuantityOut, UpdatePrice};

/// Fractional digits Flexprice keeps (`numeric(25,15)`); more would be rounded on storage.
pub(crate) const MAX_SCALE: u32 = 15;
/// Integer digits Flexprice holds; more is a database error (a 500).
pub(crate) const MAX_INTEGER_DIGITS: usize = 10;

/// An amount as Flexprice takes it: a decimal string in major units, exactly as given (no exponent).
pub(crate) fn amount(field: &str, money: &Money, errors: &mut Vec<FieldError>) -> String {
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
pub(crate) fn check_slug(field: &str, slug: &str, errors: &mut Vec<FieldError>) {
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

/// The create body. The core guard's checks (kinds, schemes, plan rule, unsupported fields) run before.
pub(crate) fn create_body(input: &NewPrice) -> Result<CreatePrice> {
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
    let (billing_model, amount_out, transform_quantity, tier_mode, tiers) = match input.scheme() {
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
                    flat_amount: t
                        .flat_amount
                        .as_ref()
                        .map(|f| amount(&format!("scheme.tiers[{i}].flat_amount"), f, &mut errors)),
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

/// The in-place update body (name and slug; clearing is refused by the guard: `""` means "no change").
pub(crate) fn update_body(update: &PriceUpdate) -> Result<UpdatePrice> {
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

/// Whether an amount keeps its value through Flexprice (≤ 15 fractional, ≤ 10 integer digits).
#[cfg(test)]
pub(crate) fn representable(d: rust_decimal::Decimal) -> bool {
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
