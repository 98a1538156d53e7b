//! Conformance of [`Prices`] implementations.

use futures::TryStreamExt;
use rust_decimal::Decimal;

use super::{Checked, Env, Report};
use crate::api::{Ensured, Prices, PricesExt};
use crate::capability::{FieldRule, PriceCapabilities};
use crate::error::ErrorKind;
use crate::id::PriceId;
use crate::model::price::{
    Interval, IntervalUnit, NewPrice, NewPriceBuilder, PackageRounding, PriceKind, PriceListQuery,
    PriceTier, PriceUpdate, PricingScheme, TierMode,
};
use crate::money::{Currency, Money};
use crate::page::Cursor;

fn usd(amount: Decimal) -> Money {
    Money::new(amount, Currency::USD)
}

/// Decimal from a literal string (the suite's own amounts).
fn dec(s: &str) -> Decimal {
    Decimal::from_str_exact(s).expect("a decimal literal")
}

/// The kinds the provider offers and the environment can make (usage needs a meter fixture).
fn kinds(caps: &PriceCapabilities, env: &Env) -> Vec<PriceKind> {
    let mut out = Vec::new();
    if caps.kinds.recurring {
        out.push(PriceKind::recurring(Interval::monthly()));
    }
    if caps.kinds.one_time {
        out.push(PriceKind::OneTime);
    }
    if caps.kinds.usage
        && let Some(meter) = &env.fixtures.meter_id
    {
        out.push(PriceKind::usage(
            Interval::new(IntervalUnit::Month, 1),
            meter,
        ));
    }
    out
}

/// A builder for `kind` with the product id the provider's rule asks for; `None` if the environment lacks it.
fn builder(
    caps: &PriceCapabilities,
    env: &Env,
    kind: PriceKind,
    amount: Money,
) -> Option<NewPriceBuilder> {
    let rule = match kind {
        PriceKind::Recurring { .. } => caps.product_id.recurring,
        PriceKind::OneTime => caps.product_id.one_time,
        PriceKind::Usage { .. } => caps.product_id.usage,
    };
    let product = match kind {
        PriceKind::OneTime => env
            .fixtures
            .one_time_product_id
            .as_ref()
            .or(env.fixtures.product_id.as_ref()),
        _ => env.fixtures.product_id.as_ref(),
    };
    let b = NewPrice::builder(kind, amount);
    match (rule, product) {
        (FieldRule::Forbidden, _) => Some(b),
        (_, Some(p)) => Some(b.product_id(p)),
        (FieldRule::Required, None) => None,
        (FieldRule::Optional, None) => Some(b),
    }
}

fn with_slug(
    caps: &PriceCapabilities,
    env: &Env,
    b: NewPriceBuilder,
    label: &str,
) -> NewPriceBuilder {
    if caps.fields.slug {
        b.slug(env.unique(label))
    } else {
        b
    }
}

/// Runs every price behaviour, in this order, and reports which passed and which were skipped.
pub async fn run_all<P: Prices + ?Sized>(p: &P, env: &Env) -> Report {
    run_in_order!(
        "prices",
        p,
        env,
        every_offered_kind_and_scheme,
        get_update_archive,
        duplicate_slug_and_ensure,
        list_to_the_end_with_short_pages,
        foreign_cursor_rejected,
        validation_before_sending,
        capability_truthfulness,
    )
}

/// Every kind × scheme the capabilities allow is created and read back unchanged, amounts with full
/// precision (sub-minor rates where the provider allows them).
pub async fn every_offered_kind_and_scheme<P: Prices + ?Sized>(p: &P, env: &Env) -> Checked {
    let caps = p.capabilities();
    if !caps.create {
        return Checked::Skipped("needs create");
    }
    let rate = if caps.whole_minor_units_only {
        dec("0.25")
    } else {
        dec("0.0015")
    };
    let mut made = 0;
    for kind in kinds(&caps, env) {
        let fixed = !matches!(kind, PriceKind::Usage { .. });
        let mut schemes = Vec::new();
        if caps.schemes.per_unit {
            schemes.push((PricingScheme::PerUnit, usd(dec("12.50"))));
        }
        if caps.schemes.package && (caps.schemes.package_on_fixed || !fixed) {
            schemes.push((
                PricingScheme::Package {
                    units: 1000,
                    rounding: PackageRounding::Up,
                },
                usd(dec("2.00")),
            ));
            if caps.schemes.package_round_down {
                schemes.push((
                    PricingScheme::Package {
                        units: 10,
                        rounding: PackageRounding::Down,
                    },
                    usd(dec("1.00")),
                ));
            }
        }
        for (mode, offered) in [
            (TierMode::Volume, caps.schemes.tiered_volume),
            (TierMode::Graduated, caps.schemes.tiered_graduated),
        ] {
            if offered {
                schemes.push((
                    PricingScheme::Tiered {
                        mode,
                        tiers: vec![
                            PriceTier::up_to(100, usd(rate)),
                            PriceTier::up_to(1000, usd(dec("0.10")))
                                .with_flat_amount(usd(dec("5.00"))),
                            PriceTier::rest(usd(rate / Decimal::from(2))),
                        ],
                    },
                    usd(Decimal::ZERO),
                ));
            }
        }
        for (scheme, amount) in schemes {
            let Some(b) = builder(&caps, env, kind.clone(), amount) else {
                continue;
            };
            let input = with_slug(&caps, env, b.scheme(scheme), "kind")
                .build()
                .expect("valid conformance price");
            let created = p.create(input.clone()).await.unwrap_or_else(|e| {
                panic!(
                    "create {} {} price: {e}",
                    kind.name(),
                    input.scheme().name()
                )
            });
            let got = if caps.get {
                p.get(created.id.clone()).await.expect("get")
            } else {
                created.clone()
            };
            for price in [&created, &got] {
                assert_eq!(&price.kind, input.kind(), "the kind is kept");
                assert_eq!(
                    &price.scheme,
                    input.scheme(),
                    "the scheme (and tier amounts) are kept exactly"
                );
                assert_eq!(
                    &price.unit_amount,
                    input.unit_amount(),
                    "the unit amount is kept exactly"
                );
                assert_eq!(
                    &price.currency,
                    input.currency(),
                    "the currency is the input's"
                );
                assert_eq!(price.slug.as_deref(), input.slug(), "the slug is kept");
                assert_eq!(
                    price.provider, caps.provider,
                    "read models carry the provider name"
                );
            }
            made += 1;
            if caps.archive {
                p.archive(created.id).await.expect("archive");
            }
        }
    }
    if made == 0 {
        return Checked::Skipped("no kind can be made in this environment");
    }
    Checked::Passed
}

/// Get, update name and slug, archive; an archived price stays readable by id and inactive.
pub async fn get_update_archive<P: Prices + ?Sized>(p: &P, env: &Env) -> Checked {
    let caps = p.capabilities();
    if !(caps.create && caps.get && caps.archive) {
        return Checked::Skipped("needs create, get and archive");
    }
    let Some(kind) = kinds(&caps, env).into_iter().next() else {
        return Checked::Skipped("no kind can be made");
    };
    let Some(b) = builder(&caps, env, kind, usd(dec("9.99"))) else {
        return Checked::Skipped("needs a product fixture");
    };
    let created = p
        .create(with_slug(&caps, env, b, "crud").build().unwrap())
        .await
        .expect("create");
    assert!(created.active, "a new price is active");
    if caps.update && caps.update_fields.name.set {
        let updated = p
            .update(
                created.id.clone(),
                PriceUpdate::builder()
                    .name("Renamed by conformance")
                    .build()
                    .unwrap(),
            )
            .await
            .expect("update");
        assert_eq!(updated.name.as_deref(), Some("Renamed by conformance"));
        assert_eq!(
            updated.unit_amount, created.unit_amount,
            "update keeps the amount"
        );
    }
    if caps.update && caps.update_fields.slug.set && caps.fields.slug {
        let slug = env.unique("reslug");
        let updated = p
            .update(
                created.id.clone(),
                PriceUpdate::builder().slug(&slug).build().unwrap(),
            )
            .await
            .expect("update slug");
        assert_eq!(updated.slug.as_deref(), Some(slug.as_str()));
    }
    let archived = p.archive(created.id.clone()).await.expect("archive");
    assert!(!archived.active, "archive deactivates");
    let got = p
        .get(created.id.clone())
        .await
        .expect("an archived price is readable");
    assert!(!got.active, "the archive is stored");
    if caps.update && caps.update_fields.reactivate {
        let back = p
            .update(
                created.id.clone(),
                PriceUpdate::builder().active(true).build().unwrap(),
            )
            .await
            .expect("reactivate");
        assert!(back.active);
        p.archive(created.id).await.expect("archive again");
    }
    let missing = p
        .get(PriceId::new(env.unique("missing")))
        .await
        .unwrap_err();
    assert_eq!(
        missing.kind(),
        ErrorKind::NotFound,
        "an unknown id is NotFound"
    );
    Checked::Passed
}

/// A second active price with a slug is `AlreadyExists` carrying the first's id; `ensure` returns it; after
/// archiving, the slug is free.
pub async fn duplicate_slug_and_ensure<P: Prices + ?Sized>(p: &P, env: &Env) -> Checked {
    let caps = p.capabilities();
    if !(caps.create && caps.fields.slug) {
        return Checked::Skipped("needs create with slugs");
    }
    let Some(kind) = kinds(&caps, env).into_iter().find(|k| {
        // Creating a sibling archives the first on such providers, so use usage prices there.
        !caps.create_archives_siblings || matches!(k, PriceKind::Usage { .. })
    }) else {
        return Checked::Skipped("no kind can be made twice");
    };
    let Some(b) = builder(&caps, env, kind, usd(dec("3.00"))) else {
        return Checked::Skipped("needs a product fixture");
    };
    let input = b.slug(env.unique("dup")).build().unwrap();
    let first = p.create(input.clone()).await.expect("create");
    let err = p.create(input.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
    assert_eq!(
        err.existing_id(),
        Some(first.id.as_str()),
        "AlreadyExists carries the existing id"
    );
    match p.ensure(input.clone()).await.expect("ensure") {
        Ensured::Existing(e) => assert_eq!(e.id, first.id),
        Ensured::Created(_) => panic!("ensure created a duplicate"),
    }
    if caps.archive {
        p.archive(first.id.clone()).await.expect("archive");
        let again = p.ensure(input).await.expect("ensure after archive");
        assert!(again.was_created(), "an archived price's slug is free");
        p.archive(again.into_inner().id).await.expect("archive");
    }
    Checked::Passed
}

/// Paging with limit 1 sees every created price exactly once; only `next_cursor: None` ends.
pub async fn list_to_the_end_with_short_pages<P: Prices + ?Sized>(p: &P, env: &Env) -> Checked {
    let caps = p.capabilities();
    if !(caps.create && caps.list) {
        return Checked::Skipped("needs create and list");
    }
    let Some(kind) = kinds(&caps, env)
        .into_iter()
        .find(|k| !caps.create_archives_siblings || matches!(k, PriceKind::Usage { .. }))
    else {
        return Checked::Skipped("no kind can be made three times");
    };
    let mut ids = Vec::new();
    for i in 0..3 {
        let Some(b) = builder(&caps, env, kind.clone(), usd(Decimal::from(i + 1))) else {
            return Checked::Skipped("needs a product fixture");
        };
        ids.push(
            p.create(with_slug(&caps, env, b, "list").build().unwrap())
                .await
                .expect("create")
                .id,
        );
    }
    let mut query = PriceListQuery::new().limit(1);
    if caps.list_filter_product
        && let Some(prod) = &env.fixtures.product_id
        && builder(&caps, env, kind.clone(), usd(Decimal::ONE))
            .is_some_and(|b| b.build().is_ok_and(|i| i.product_id().is_some()))
    {
        query = query.product_id(prod);
    }
    let seen: Vec<PriceId> = p
        .list_all(query)
        .map_ok(|x| x.id)
        .try_collect()
        .await
        .expect("list_all");
    for id in &ids {
        assert_eq!(
            seen.iter().filter(|s| *s == id).count(),
            1,
            "every price is listed exactly once"
        );
    }
    if caps.archive {
        for id in ids {
            p.archive(id).await.expect("archive");
        }
    }
    Checked::Passed
}

/// A cursor from another provider or another query is `InvalidInput`.
pub async fn foreign_cursor_rejected<P: Prices + ?Sized>(p: &P, _env: &Env) -> Checked {
    if !p.capabilities().list {
        return Checked::Skipped("needs list");
    }
    let err = p
        .list(PriceListQuery::new().cursor(Cursor::encode("someone-else", 1, "x")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "cursor");
    Checked::Passed
}

/// Invalid input never reaches the provider.
pub async fn validation_before_sending<P: Prices + ?Sized>(p: &P, env: &Env) -> Checked {
    let Some(before) = env.requests_seen() else {
        return Checked::Skipped("the environment does not count requests");
    };
    let bad_tiers = NewPrice::builder(PriceKind::OneTime, usd(Decimal::ZERO))
        .tiered(
            TierMode::Volume,
            vec![
                PriceTier::up_to(5, usd(Decimal::ONE)),
                PriceTier::up_to(1, usd(Decimal::ONE)),
            ],
        )
        .build();
    assert_eq!(bad_tiers.unwrap_err().kind(), ErrorKind::InvalidInput);
    if p.capabilities().list {
        let err = p.list(PriceListQuery::new().limit(0)).await.unwrap_err();
        assert_eq!(err.field_errors()[0].field, "limit");
    }
    let err = p.get(PriceId::new("")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        env.requests_seen(),
        Some(before),
        "nothing may reach the provider for invalid input"
    );
    Checked::Passed
}

/// Kinds, schemes and fields the capabilities deny are refused as `Unsupported` (or `InvalidInput` for a
/// product id rule) before anything is sent.
pub async fn capability_truthfulness<P: Prices + ?Sized>(p: &P, env: &Env) -> Checked {
    let caps = p.capabilities();
    let before = env.requests_seen();
    let meter = env
        .fixtures
        .meter_id
        .clone()
        .unwrap_or_else(|| "meter".into());
    let mut refused = 0;
    for (offered, kind) in [
        (
            caps.kinds.recurring,
            PriceKind::recurring(Interval::monthly()),
        ),
        (caps.kinds.one_time, PriceKind::OneTime),
        (
            caps.kinds.usage,
            PriceKind::usage(Interval::monthly(), meter),
        ),
    ] {
        if !offered || !caps.create {
            let err = p
                .create(NewPrice::builder(kind, usd(Decimal::ONE)).build().unwrap())
                .await
                .unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
            refused += 1;
        }
    }
    if caps.create && caps.kinds.one_time && !caps.schemes.tiered_volume {
        let input = NewPrice::builder(PriceKind::OneTime, usd(Decimal::ZERO))
            .tiered(TierMode::Volume, vec![PriceTier::rest(usd(Decimal::ONE))])
            .build()
            .unwrap();
        let err = p.create(input).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported);
        refused += 1;
    }
    if caps.create && caps.kinds.one_time && caps.product_id.one_time == FieldRule::Required {
        let err = p
            .create(
                NewPrice::builder(PriceKind::OneTime, usd(Decimal::ONE))
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::InvalidInput, "product_id")
        );
        refused += 1;
    }
    if refused > 0 {
        assert_eq!(env.requests_seen(), before, "refused before sending");
    }
    Checked::Passed
}
