//! Money on the wire: Flowglad's exponent table (Stripe's zero-decimal list), exactness, the int32 ceiling, the
//! organisation currency; and every unsupported field refused with no request sent (through `Billing`, whose
//! guard enforces the capabilities; a bare client refuses only what its encoder cannot put on the wire).

mod support;

use rust_decimal::Decimal;
use rust_decimal_macros::dec;
use support::{EmuRig, KEY};
use unibill_core::{
    Address, Billing, Currency, CustomerId, CustomerUpdate, Customers, ErrorKind, Interval,
    Metadata, Money, NewCustomer, NewPrice, PackageRounding, PriceKind, PriceTier, Prices,
    TierMode,
};
use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};

fn cur(code: &str) -> Currency {
    code.parse().unwrap()
}

fn one_time(amount: Decimal, currency: Currency) -> NewPrice {
    NewPrice::builder(PriceKind::OneTime, Money::new(amount, currency))
        .product_id(seed::ADDON_PRODUCT_ID)
        .build()
        .unwrap()
}

#[tokio::test]
async fn amounts_in_flowglad_minor_units() {
    for (amount, code, minor) in [
        (dec!(19.99), "USD", 1999),
        (dec!(1999), "JPY", 1999),
        (dec!(5), "MGA", 5),
        (dec!(10.50), "ISK", 1050),
        (dec!(0), "USD", 0),
        (dec!(21474836.47), "USD", i64::from(i32::MAX)),
    ] {
        let emulator = FlowgladEmulator::builder(KEY).currency(code).build();
        let rig = EmuRig::with(emulator, cur(code)).await;
        let price = Prices::create(&rig.client, one_time(amount, cur(code)))
            .await
            .unwrap_or_else(|e| panic!("{amount} {code}: {e}"));
        let sent: serde_json::Value =
            serde_json::from_slice(&rig.emulator.requests()[0].body).unwrap();
        assert_eq!(sent["price"]["unitPrice"], minor, "{amount} {code}");
        assert_eq!(
            price.unit_amount.amount, amount,
            "{amount} {code} read back"
        );
        assert_eq!(price.currency, cur(code));
    }
}

#[tokio::test]
async fn inexact_too_large_and_foreign_amounts_are_refused_before_sending() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    for (input, field) in [
        (one_time(dec!(0.001), Currency::USD), "unit_amount"),
        (one_time(dec!(21474836.48), Currency::USD), "unit_amount"),
        (one_time(dec!(1e12), Currency::USD), "unit_amount"),
        (one_time(dec!(5), Currency::EUR), "currency"),
        (one_time(dec!(5), cur("JPY")), "currency"),
    ] {
        for result in [
            Prices::create(&rig.client, input.clone()).await,
            billing.prices().create(input.clone()).await,
        ] {
            let err = result.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput, "{err}");
            assert_eq!(err.field_errors()[0].field, field, "{err}");
        }
    }
    // A usage package too large for int32 as well.
    let big = NewPrice::builder(
        PriceKind::usage(Interval::monthly(), seed::USAGE_METER_ID),
        Money::new(dec!(1), Currency::USD),
    )
    .package(u64::from(u32::MAX), PackageRounding::Up)
    .build()
    .unwrap();
    let err = Prices::create(&rig.client, big).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "scheme.units");
    // Negative amounts cannot even be built.
    let negative =
        NewPrice::builder(PriceKind::OneTime, Money::new(dec!(-1), Currency::USD)).build();
    assert_eq!(negative.unwrap_err().kind(), ErrorKind::InvalidInput);
    assert_eq!(rig.emulator.request_count(), 0, "nothing was sent");
}

#[tokio::test]
async fn unsupported_price_inputs_never_reach_flowglad() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    let usd = |a| Money::new(a, Currency::USD);
    let recurring = || {
        NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd(dec!(10)))
            .product_id(seed::PRO_PRODUCT_ID)
    };
    let usage = || {
        NewPrice::builder(
            PriceKind::usage(Interval::monthly(), seed::USAGE_METER_ID),
            usd(dec!(1)),
        )
    };
    let cases = [
        (
            NewPrice::builder(
                PriceKind::usage(Interval::monthly(), seed::USAGE_METER_ID),
                usd(dec!(0)),
            )
            .tiered(TierMode::Volume, vec![PriceTier::rest(usd(dec!(1)))])
            .build(),
            "scheme",
        ),
        (
            NewPrice::builder(
                PriceKind::usage(Interval::monthly(), seed::USAGE_METER_ID),
                usd(dec!(0)),
            )
            .tiered(TierMode::Graduated, vec![PriceTier::rest(usd(dec!(1)))])
            .build(),
            "scheme",
        ),
        (usage().package(10, PackageRounding::Down).build(), "scheme"),
        (
            recurring().package(10, PackageRounding::Up).build(),
            "scheme",
        ),
        (recurring().setup_fee(usd(dec!(5))).build(), "setup_fee"),
        (recurring().description("d").build(), "description"),
        (
            recurring().metadata(Metadata::new().with("k", "v")).build(),
            "metadata",
        ),
    ];
    for (input, field) in cases {
        let input = input.unwrap();
        let mut results = vec![billing.prices().create(input.clone()).await];
        if field == "scheme" {
            // The wire has no spelling for these schemes: a bare (unguarded) client's encoder refuses them too.
            results.push(Prices::create(&rig.client, input.clone()).await);
        }
        for result in results {
            let err = result.unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Unsupported, "{field}: {err}");
            assert_eq!(err.field_errors()[0].field, field);
        }
    }
    // Flags Flowglad would override, and the product rule, are InvalidInput.
    for (input, field) in [
        (recurring().is_default(false).build(), "is_default"),
        (recurring().active(false).build(), "active"),
        (usage().active(false).build(), "active"),
        (
            usage().product_id(seed::PRO_PRODUCT_ID).build(),
            "product_id",
        ),
        (
            NewPrice::builder(PriceKind::OneTime, usd(dec!(1))).build(),
            "product_id",
        ),
    ] {
        let err = billing.prices().create(input.unwrap()).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput, "{field}: {err}");
        assert_eq!(err.field_errors()[0].field, field);
    }
    assert_eq!(rig.emulator.request_count(), 0);
}

#[tokio::test]
async fn unsupported_customer_inputs_never_reach_flowglad() {
    let rig = EmuRig::new().await;
    let billing = Billing::builder().customers(rig.client.clone()).build();
    let base = || NewCustomer::builder("u1", "Ada").email("ada@example.com");
    for (input, field) in [
        (base().contact("+15550100").build(), "contact"),
        (
            base()
                .address(
                    Address::builder()
                        .city("Berlin")
                        .country("DE")
                        .build()
                        .unwrap(),
                )
                .build(),
            "address",
        ),
        (base().time_zone("Europe/Berlin").build(), "time_zone"),
        (
            base().metadata(Metadata::new().with("k", "v")).build(),
            "metadata",
        ),
    ] {
        let err = billing
            .customers()
            .create(input.unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{field}: {err}");
        assert_eq!(err.field_errors()[0].field, field);
    }
    for (update, field) in [
        (
            CustomerUpdate::builder().external_id("u2").build(),
            "external_id",
        ),
        (CustomerUpdate::builder().clear_email().build(), "email"),
        (CustomerUpdate::builder().contact("1").build(), "contact"),
        (
            CustomerUpdate::builder().metadata(Metadata::new()).build(),
            "metadata",
        ),
        (
            CustomerUpdate::builder().time_zone("UTC").build(),
            "time_zone",
        ),
    ] {
        let err = billing
            .customers()
            .update(CustomerId::new("u1"), update.unwrap())
            .await
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Unsupported, "{field}: {err}");
        assert_eq!(err.field_errors()[0].field, field);
    }
    let no_email = NewCustomer::builder("u1", "Ada").build().unwrap();
    for result in [
        billing.customers().create(no_email.clone()).await,
        Customers::create(&rig.client, no_email).await,
    ] {
        let err = result.unwrap_err();
        assert_eq!(
            (err.kind(), err.field_errors()[0].field.as_str()),
            (ErrorKind::InvalidInput, "email")
        );
    }
    assert_eq!(rig.emulator.request_count(), 0);
}

#[tokio::test]
async fn the_guard_uses_flowglads_exponents_not_isos() {
    // ISO gives ISK no minor unit; Flowglad (Stripe's list) bills it in hundredths. Through `Billing` the guard
    // must accept 10.50 ISK, and refuse 1.5 MGA (whole units on Flowglad, two decimals in ISO).
    let emulator = FlowgladEmulator::builder(KEY).currency("ISK").build();
    let rig = EmuRig::with(emulator, cur("ISK")).await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    let price = billing
        .prices()
        .create(one_time(dec!(10.50), cur("ISK")))
        .await
        .unwrap();
    assert_eq!(price.unit_amount.amount, dec!(10.50));

    let emulator = FlowgladEmulator::builder(KEY).currency("MGA").build();
    let rig = EmuRig::with(emulator, cur("MGA")).await;
    let billing = Billing::builder().prices(rig.client.clone()).build();
    let err = billing
        .prices()
        .create(one_time(dec!(1.5), cur("MGA")))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "unit_amount");
    assert_eq!(rig.emulator.request_count(), 0);
}
