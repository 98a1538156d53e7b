//! Price wire tests against the fixtures (exact JSON bodies, decoded answers), and the amount and tier rules.

mod support;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use serde_json::json;
use support::{API_KEY, EmuRig, FnRig, fixture};
use unibill_core::{
    Billing, Currency, ErrorKind, Interval, IntervalUnit, Metadata, Money, NewPrice,
    PackageRounding, PriceId, PriceKind, PriceListQuery, PriceTier, PriceUpdate, Prices,
    PricingScheme, TierMode,
};
use unibill_flexprice::NewPlan;
use unibill_testkit::{RecordedRequest, Reply};

const PLAN: &str = "plan_01K3F8A1B2C3D4E5F6G7H8J9KM";
const METER: &str = "meter_01K3F8C4D5E6F7G8H9J0K1M2N3";

fn usd(d: Decimal) -> Money {
    Money::new(d, Currency::USD)
}

fn body(r: &RecordedRequest) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn source() -> Metadata {
    Metadata::new().with("source", "billing-adapter")
}

fn flat_fee_recurring() -> NewPrice {
    NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(dec!(29.00)))
        .trial_days(14)
        .product_id(PLAN)
        .slug("pro_monthly_usd")
        .name("Pro (monthly)")
        .description("Pro plan base fee")
        .metadata(source())
        .build()
        .unwrap()
}

fn usage_tiered() -> NewPrice {
    NewPrice::builder(
        PriceKind::usage(Interval::monthly(), METER),
        usd(Decimal::ZERO),
    )
    .tiered(
        TierMode::Graduated,
        vec![
            PriceTier::up_to(1000, usd(dec!(0))),
            PriceTier::up_to(10000, usd(dec!(0.002))),
            PriceTier::rest(usd(dec!(0.0015))).with_flat_amount(usd(dec!(5))),
        ],
    )
    .product_id(PLAN)
    .slug("pro_api_calls_usd")
    .metadata(source())
    .build()
    .unwrap()
}

fn prices(rig: &FnRig) -> &dyn Prices {
    &rig.client
}

#[tokio::test]
async fn flat_fee_recurring_create_sends_the_fixture_and_decodes_the_answer() {
    let rig = FnRig::new(|_| {
        Reply::json(
            201,
            fixture("prices/create-price-response.flat-fee-recurring.json"),
        )
    })
    .await;
    let p = prices(&rig).create(flat_fee_recurring()).await.unwrap();
    let r = rig.only_request();
    assert_eq!((r.method.as_str(), r.path.as_str()), ("POST", "/v1/prices"));
    assert_eq!(r.header("x-api-key"), Some(API_KEY));
    assert_eq!(
        body(&r),
        support::fixture_json("prices/create-price-request.flat-fee-recurring.json")
    );

    assert_eq!(p.id.as_str(), "price_01K3F8D6E7F8G9H0J1K2M3N4P5");
    // "29" (trimmed) reads back as the 29.00 that was sent; "usd" as USD.
    assert_eq!(p.unit_amount, usd(dec!(29.00)));
    assert_eq!(p.unit_amount.amount.to_string(), "29");
    assert_eq!(p.currency, Currency::USD);
    assert_eq!(
        p.kind,
        PriceKind::Recurring {
            interval: Interval::monthly(),
            trial_days: Some(14)
        }
    );
    assert_eq!(p.scheme, PricingScheme::PerUnit);
    assert_eq!(p.product_id.as_deref(), Some(PLAN));
    assert_eq!(p.slug.as_deref(), Some("pro_monthly_usd"));
    assert_eq!(p.name.as_deref(), Some("Pro (monthly)"));
    assert_eq!(p.description.as_deref(), Some("Pro plan base fee"));
    assert_eq!(p.metadata, source());
    assert!(p.active);
    assert_eq!(p.is_default, None);
    assert_eq!(p.provider, "flexprice");
    // ns precision on the create answer.
    assert_eq!(p.created_at.unwrap().subsec_nanosecond(), 512_873_641);
    assert_eq!(
        p.raw.unwrap().get(),
        fixture("prices/create-price-response.flat-fee-recurring.json").trim()
    );
}

#[tokio::test]
async fn usage_tiered_create_sends_the_fixture() {
    let rig = FnRig::new(|_| {
        let mut item =
            serde_json::from_str::<serde_json::Value>(&fixture("prices/list-prices-response.json"))
                .unwrap()["items"][0]
                .clone();
        item["sequence"] = serde_json::Value::Null;
        Reply::json(201, item.to_string())
    })
    .await;
    let p = prices(&rig).create(usage_tiered()).await.unwrap();
    assert_eq!(
        body(&rig.only_request()),
        support::fixture_json("prices/create-price-request.usage-tiered.json")
    );
    assert_eq!(p.kind, PriceKind::usage(Interval::monthly(), METER));
    assert_eq!(&p.scheme, usage_tiered().scheme());
}

#[tokio::test]
async fn search_decodes_the_list_fixture_and_sends_the_plan_filter() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("prices/list-prices-response.json"))).await;
    let page = prices(&rig)
        .list(PriceListQuery::new().product_id(PLAN).limit(50))
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/prices/search")
    );
    assert_eq!(
        body(&r),
        json!({"limit": 50, "offset": 0, "sort": "created_at", "order": "asc",
               "entity_type": "PLAN", "entity_ids": [PLAN]})
    );
    assert_eq!(page.items.len(), 2);
    assert!(page.next_cursor.is_none(), "total 2 reached");
    let usage = &page.items[0];
    assert_eq!(usage.unit_amount, usd(Decimal::ZERO));
    assert_eq!(usage.name.as_deref(), Some("API Calls"));
    match &usage.scheme {
        PricingScheme::Tiered { mode, tiers } => {
            assert_eq!(*mode, TierMode::Graduated);
            assert_eq!(tiers[2].up_to, None);
            assert_eq!(tiers[2].unit_amount.amount.to_string(), "0.0015");
            assert_eq!(tiers[2].flat_amount, Some(usd(dec!(5))));
        }
        other => panic!("{other:?}"),
    }
    // µs precision on reads.
    assert_eq!(
        page.items[1].created_at.unwrap().subsec_nanosecond(),
        512_874_000
    );
    assert_eq!(page.items[1].unit_amount, usd(dec!(29)));
}

#[tokio::test]
async fn decoding_is_lenient() {
    let rig = FnRig::new(|_| {
        Reply::json(
            200,
            json!({
                "id": "price_x", "amount": 2.5, "currency": "eur", "type": "FIXED",
                "billing_period": "QUARTERLY", "billing_period_count": 2, "billing_model": "PACKAGE",
                "transform_quantity": {"divide_by": 10, "round": "down"},
                "trial_period": 7, "meter_id": "", "lookup_key": "", "description": "",
                "metadata": null, "entity_type": "PLAN", "entity_id": "plan_1",
                "status": "published", "end_date": "2026-09-01T00:00:00.123456Z",
                "bucket_size": "MINUTE", "brand_new_field": {"x": 1},
                "created_at": "2026-08-22T18:40:00.5+05:30"
            })
            .to_string(),
        )
    })
    .await;
    let p = prices(&rig).get(PriceId::new("price_x")).await.unwrap();
    assert_eq!(p.unit_amount, Money::new(dec!(2.5), Currency::EUR));
    assert_eq!(
        p.kind,
        PriceKind::Recurring {
            interval: Interval::new(IntervalUnit::Month, 6),
            trial_days: Some(7)
        },
        "QUARTERLY×2 is 6 months; the old `trial_period` name is read"
    );
    assert_eq!(
        p.scheme,
        PricingScheme::Package {
            units: 10,
            rounding: PackageRounding::Down
        }
    );
    assert_eq!((p.slug, p.description), (None, None));
    assert!(!p.active, "an end date means inactive");
    assert_eq!(p.created_at.unwrap().to_string(), "2026-08-22T13:10:00.5Z");
}

/// Defect 6 of issue 18 made caller input strict; answers stay lenient. Whatever code Flexprice answers is
/// kept, including the ones `"…".parse::<Currency>()` refuses: an unknown code as `Other`, ISO's special and
/// withdrawn entries as themselves.
#[tokio::test]
async fn answers_keep_currency_codes_that_input_refuses() {
    for (code, expected) in [
        ("btc", Currency::Other("BTC".into())),
        ("uds", Currency::Other("UDS".into())),
        ("xts", Currency::Iso(unibill_core::IsoCurrency::XTS)),
        ("hrk", Currency::Iso(unibill_core::IsoCurrency::HRK)),
    ] {
        assert!(
            code.parse::<Currency>().is_err(),
            "{code} is refused as input"
        );
        let rig = FnRig::new(move |_| {
            Reply::json(
                200,
                json!({"id": "price_c", "amount": "2.50", "currency": code, "type": "FIXED",
                       "billing_period": "ONETIME", "billing_model": "FLAT_FEE"})
                .to_string(),
            )
        })
        .await;
        let p = prices(&rig).get(PriceId::new("price_c")).await.unwrap();
        assert_eq!(p.currency, expected, "{code}");
        assert_eq!(
            p.unit_amount,
            Money::new(dec!(2.50), expected.clone()),
            "{code}"
        );
        let json = serde_json::to_string(&p).unwrap();
        let back: unibill_core::Price = serde_json::from_str(&json).unwrap();
        assert_eq!(
            back.currency, expected,
            "the read model's JSON reads back: {json}"
        );
    }
}

#[tokio::test]
async fn unknown_enum_values_are_decode_errors_naming_them() {
    let rig = FnRig::new(|_| {
        Reply::json(
            200,
            json!({"id": "price_y", "amount": "1", "currency": "usd", "type": "FIXED",
                   "billing_period": "FORTNIGHTLY", "billing_model": "FLAT_FEE"})
            .to_string(),
        )
    })
    .await;
    let err = prices(&rig).get(PriceId::new("price_y")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
    assert!(err.to_string().contains("FORTNIGHTLY"), "{err}");
}

#[tokio::test]
async fn update_archive_and_plan_requests() {
    let rig = EmuRig::new().await;
    let plan = rig
        .client
        .create_plan(NewPlan::builder("Pro").lookup_key("pro").build().unwrap())
        .await
        .unwrap();
    assert!(plan.id.starts_with("plan_") && plan.active);
    assert_eq!(plan.lookup_key.as_deref(), Some("pro"));
    // Through `Billing`: its guard refuses what Flexprice cannot do (below).
    let billing = Billing::builder().prices(rig.client.clone()).build();
    let p = billing.prices();
    let created = p
        .create(
            NewPrice::builder(PriceKind::OneTime, usd(dec!(5)))
                .product_id(&plan.id)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        created.name.as_deref(),
        Some("Pro"),
        "the server names it after the plan"
    );
    rig.emulator.clear_requests();
    let updated = p
        .update(
            created.id.clone(),
            PriceUpdate::builder()
                .name("Setup")
                .slug("setup")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        (updated.name.as_deref(), updated.slug.as_deref()),
        (Some("Setup"), Some("setup"))
    );
    let put = rig.emulator.last_request().unwrap();
    assert_eq!(put.method, "PUT");
    assert_eq!(
        put.json().unwrap(),
        json!({"display_name": "Setup", "lookup_key": "setup"})
    );
    let archived = p.archive(created.id.clone()).await.unwrap();
    assert!(!archived.active);
    let delete = rig
        .emulator
        .requests()
        .into_iter()
        .find(|r| r.method == "DELETE")
        .unwrap();
    assert_eq!(delete.body, "{}");
    // Archiving again asks nothing of the server beyond a read.
    rig.emulator.clear_requests();
    assert!(!p.archive(created.id.clone()).await.unwrap().active);
    assert_eq!(rig.emulator.request_count(), 1);
    // Clearing is refused (`""` means "no change" on Flexprice), reactivation too.
    for u in [
        PriceUpdate::builder().clear_name().build().unwrap(),
        PriceUpdate::builder().active(true).build().unwrap(),
        PriceUpdate::builder().is_default(true).build().unwrap(),
    ] {
        let err = p.update(created.id.clone(), u).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }
}

#[tokio::test]
async fn is_default_and_setup_fee_are_unsupported_before_sending() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    let p = billing.prices();
    let base = || NewPrice::builder(PriceKind::OneTime, usd(dec!(5))).product_id("plan_x");
    for input in [
        base().is_default(true).build().unwrap(),
        base().setup_fee(usd(dec!(1))).build().unwrap(),
    ] {
        let err = p.create(input).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{err}");
    }
    let err = p
        .create(
            NewPrice::builder(PriceKind::OneTime, usd(dec!(5)))
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(
        (err.kind(), err.field_errors()[0].field.as_str()),
        (ErrorKind::InvalidInput, "product_id")
    );
    assert_eq!(rig.emulator.request_count(), 0);
}

/// Acceptance 3: amounts with up to 15 fractional digits survive the round trip exactly.
#[tokio::test]
async fn fifteen_fractional_digits_round_trip_exactly() {
    let rig = EmuRig::new().await;
    let plan = rig.emulator.add_plan("Pro");
    let meter = rig.emulator.add_meter("Tokens");
    let p: &dyn Prices = &rig.client;
    for text in [
        "0.000000000000001",
        "0.123456789012345",
        "9999999999.999999999999999",
        "12.500000000000000",
        "0.0015",
    ] {
        let amount = Decimal::from_str_exact(text).unwrap();
        let input = NewPrice::builder(PriceKind::usage(Interval::monthly(), &meter), usd(amount))
            .product_id(&plan)
            .build()
            .unwrap();
        let created = p.create(input).await.unwrap();
        let read = p.get(created.id.clone()).await.unwrap();
        for got in [&created, &read] {
            assert_eq!(got.unit_amount.amount, amount, "{text}");
            assert_eq!(
                got.unit_amount.amount.normalize(),
                amount.normalize(),
                "{text}"
            );
        }
        let stored = rig.emulator.price(created.id.as_str()).unwrap();
        assert_eq!(stored["amount"], amount.normalize().to_string());
    }
    // A 16th digit would be rounded by the server: refused before sending, naming the field.
    let before = rig.emulator.request_count();
    for (text, field) in [
        ("0.1234567890123456", "unit_amount"),
        ("12345678901", "unit_amount"),
    ] {
        let input = NewPrice::builder(
            PriceKind::OneTime,
            usd(Decimal::from_str_exact(text).unwrap()),
        )
        .product_id(&plan)
        .build()
        .unwrap();
        let err = p.create(input).await.unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::InvalidInput, field)
        );
    }
    let tiered = NewPrice::builder(PriceKind::OneTime, usd(Decimal::ZERO))
        .tiered(
            TierMode::Volume,
            vec![PriceTier::rest(usd(Decimal::from_str_exact(
                "0.0000000000000001",
            )
            .unwrap()))],
        )
        .product_id(&plan)
        .build()
        .unwrap();
    let err = p.create(tiered).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "scheme.tiers[0].unit_amount");
    assert_eq!(rig.emulator.request_count(), before, "nothing sent");
}

/// Acceptance 3: malformed tier lists are `InvalidInput` (naming the tier) and never reach Flexprice.
#[tokio::test]
async fn malformed_tier_lists_are_invalid_input() {
    let rig = EmuRig::new().await;
    let tier = |up_to: Option<u64>, amount: Decimal| match up_to {
        Some(n) => PriceTier::up_to(n, usd(amount)),
        None => PriceTier::rest(usd(amount)),
    };
    let cases: Vec<(Vec<PriceTier>, &str)> = vec![
        (vec![], "scheme.tiers"),
        (vec![tier(Some(10), dec!(1))], "scheme.tiers[0].up_to"),
        (
            vec![tier(None, dec!(1)), tier(None, dec!(1))],
            "scheme.tiers[0].up_to",
        ),
        (
            vec![
                tier(Some(10), dec!(1)),
                tier(Some(5), dec!(1)),
                tier(None, dec!(1)),
            ],
            "scheme.tiers[1].up_to",
        ),
        (
            vec![tier(Some(10), dec!(-1)), tier(None, dec!(1))],
            "scheme.tiers[0].unit_amount",
        ),
        (
            vec![PriceTier::rest(Money::new(dec!(1), Currency::EUR))],
            "scheme.tiers[0].unit_amount.currency",
        ),
    ];
    for (tiers, field) in cases {
        let err = NewPrice::builder(PriceKind::OneTime, usd(Decimal::ZERO))
            .tiered(TierMode::Graduated, tiers)
            .product_id("plan_x")
            .build()
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(
            err.field_errors().iter().any(|f| f.field == field),
            "{field}: {:?}",
            err.field_errors()
        );
    }
    assert_eq!(rig.emulator.request_count(), 0);
}

#[tokio::test]
async fn lookup_keys_that_cannot_be_looked_up_are_refused() {
    let rig = EmuRig::new().await;
    let p: &dyn Prices = &rig.client;
    let err = p
        .create(
            NewPrice::builder(PriceKind::OneTime, usd(dec!(1)))
                .product_id("plan_x")
                .slug("pro/monthly")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "slug");
    assert_eq!(rig.emulator.request_count(), 0);
}
