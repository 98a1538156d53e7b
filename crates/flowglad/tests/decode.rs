//! Decoding: today's answers, the older shape of seed 004 (ISO times, `setupFeeAmount`, `createdByCommit`, the
//! string `"null"`), lenient extras, and malformed answers as `Decode`, never a panic.

mod support;

use proptest::prelude::*;
use rust_decimal_macros::dec;
use serde_json::json;
use support::answering;
use unibill_core::{
    Currency, CustomerListQuery, Customers, ErrorKind, Money, PriceId, PriceKind, PriceListQuery,
    Prices, PricingScheme,
};
use unibill_testkit::Reply;

/// The response of seed 004 (older API), with concrete values where it had placeholders.
const OLD_SHAPE: &str = r#"{
"price": {
"id": "price_old",
"createdAt": "2023-11-07T05:31:56Z",
"updatedAt": "2023-11-07T05:31:56Z",
"createdByCommit": "abc",
"updatedByCommit": "def",
"livemode": true,
"intervalUnit": "day",
"name": "Old",
"intervalCount": 123,
"type": "subscription",
"trialPeriodDays": 123,
"setupFeeAmount": 123,
"isDefault": true,
"unitPrice": 123,
"usageEventsPerUnit": "null",
"productId": "prod_1",
"active": true,
"currency": "USD",
"startsWithCreditTrial": true,
"slug": "old",
"overagePriceId": "price_overage",
"usageMeterId": "null"
}
}"#;

#[tokio::test]
async fn older_shape_decodes() {
    let (_s, c) = answering(|_| Reply::json(200, OLD_SHAPE)).await;
    let p = Prices::get(&c, PriceId::new("price_old")).await.unwrap();
    assert_eq!(p.created_at.unwrap().to_string(), "2023-11-07T05:31:56Z");
    assert_eq!(p.setup_fee, Some(Money::new(dec!(1.23), Currency::USD)));
    assert_eq!(p.unit_amount, Money::new(dec!(1.23), Currency::USD));
    assert_eq!(p.product_id.as_deref(), Some("prod_1"));
    assert_eq!(p.scheme, PricingScheme::PerUnit);
    match p.kind {
        PriceKind::Recurring {
            interval,
            trial_days,
        } => {
            assert_eq!(interval.count, 123);
            assert_eq!(trial_days, Some(123));
        }
        other => panic!("{other:?}"),
    }
    assert!(
        p.raw.unwrap().get().contains("createdByCommit"),
        "raw kept as sent"
    );
}

#[tokio::test]
async fn lenient_extras_and_unknown_currency() {
    let body = json!({"price": {
        "id": "price_x", "type": "usage", "unitPrice": "7", "currency": "XYZ1",
        "intervalUnit": "month", "intervalCount": 1, "usageEventsPerUnit": 1,
        "usageMeterId": "m", "productId": null, "createdAt": 1774281912431_i64,
        "brandNewField": {"a": 1}, "active": false
    }})
    .to_string();
    let (_s, c) = answering(move |_| Reply::json(200, body.clone())).await;
    let err = Prices::get(&c, PriceId::new("price_x")).await.unwrap_err();
    // An unknown currency has no minor units: the amount cannot be decoded exactly.
    assert_eq!(err.kind(), ErrorKind::Decode);

    let body = json!({"price": {
        "id": "price_x", "type": "usage", "unitPrice": "7", "currency": "EUR",
        "intervalUnit": "month", "intervalCount": "1", "usageEventsPerUnit": 1,
        "usageMeterId": "m", "productId": null, "createdAt": 1774281912431_i64,
        "brandNewField": {"a": 1}, "active": false
    }})
    .to_string();
    let (_s, c) = answering(move |_| Reply::json(200, body.clone())).await;
    let p = Prices::get(&c, PriceId::new("price_x")).await.unwrap();
    assert_eq!(p.unit_amount, Money::new(dec!(0.07), Currency::EUR));
    assert!(!p.active);
    assert_eq!(p.created_at.unwrap().as_millisecond(), 1_774_281_912_431);
}

/// Defect 6 of issue 18 made caller input strict; answers stay lenient. A code `--currency` would refuse
/// (withdrawn, any case) decodes to its ISO entry, and an unknown code is kept until the amount needs an
/// exponent: the error is then about minor units, never "not a currency".
#[tokio::test]
async fn answers_keep_currency_codes_that_input_refuses() {
    let price = |currency: &str| {
        json!({"price": {
            "id": "price_c", "type": "single_payment", "unitPrice": 700, "currency": currency,
            "productId": "prod_1", "active": true
        }})
        .to_string()
    };
    for (code, expected) in [
        ("HRK", Currency::Iso(unibill_core::IsoCurrency::HRK)),
        ("hrk", Currency::Iso(unibill_core::IsoCurrency::HRK)),
        ("sll", Currency::Iso(unibill_core::IsoCurrency::SLL)),
    ] {
        assert!(
            code.parse::<Currency>().is_err(),
            "{code} is refused as input"
        );
        let body = price(code);
        let (_s, c) = answering(move |_| Reply::json(200, body.clone())).await;
        let p = Prices::get(&c, PriceId::new("price_c")).await.unwrap();
        assert_eq!(p.currency, expected, "{code}");
        assert_eq!(p.unit_amount, Money::new(dec!(7.00), expected.clone()));
    }
    for code in ["BTC", "UDS", "XTS"] {
        let body = price(code);
        let (_s, c) = answering(move |_| Reply::json(200, body.clone())).await;
        let err = Prices::get(&c, PriceId::new("price_c")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{code}");
        assert!(
            err.to_string().contains("minor unit") && !err.to_string().contains("not an ISO"),
            "{code}: {err}"
        );
    }
}

#[tokio::test]
async fn malformed_answers_are_decode_errors() {
    for body in [
        "",
        "not json",
        "{}",
        r#"{"price": null}"#,
        r#"{"price": {"id": "p"}}"#,
        r#"{"price": {"id": "p", "type": "subscription", "unitPrice": 1, "currency": "USD"}}"#,
        r#"{"price": {"id": "p", "type": "bundle", "unitPrice": 1, "currency": "USD"}}"#,
        r#"{"price": {"id": "p", "type": "single_payment", "unitPrice": 1.5, "currency": "USD"}}"#,
        r#"{"price": {"id": "p", "type": "single_payment", "unitPrice": 1, "currency": "USD", "createdAt": "yesterday"}}"#,
        r#"{"data": [], "hasMore": true}"#,
    ] {
        let text = body.to_owned();
        let (_s, c) = answering(move |_| Reply::json(200, text.clone())).await;
        let err = Prices::get(&c, PriceId::new("p")).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Decode, "{body}: {err}");
        assert_eq!(err.provider(), Some("flowglad"));
    }
    let (_s, c) = answering(|_| Reply::json(200, r#"{"data": [], "hasMore": true}"#)).await;
    let err = Prices::list(&c, PriceListQuery::new()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode, "hasMore without nextCursor");
    let (_s, c) =
        answering(|_| Reply::json(200, r#"{"data": [{"name": "no external id"}]}"#)).await;
    let err = Customers::list(&c, CustomerListQuery::new())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Decode);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]
    #[test]
    fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..256)) {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        rt.block_on(async move {
            let body = bytes::Bytes::from(bytes);
            let (_s, c) = answering(move |_| Reply::json(200, body.clone())).await;
            let _ = Prices::get(&c, PriceId::new("p")).await;
            let _ = Prices::list(&c, PriceListQuery::new()).await;
            let _ = Customers::get(&c, "u".into()).await;
        });
    }
}
