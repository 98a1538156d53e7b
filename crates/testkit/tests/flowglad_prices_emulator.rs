//! Raw-HTTP tests of the Flowglad emulator's prices: the notes' §6 items on prices (`s6_01`–`s6_06`, `s6_13`),
//! the fixtures of the three price types, and slug uniqueness.

use serde_json::{Value, json};
use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};
#[path = "support/flowglad_rig.rs"]
mod rig;

use rig::*;

#[tokio::test]
async fn price_fixtures_round_trip_for_all_three_types() {
    let api = start().await;
    for kind in ["subscription", "usage", "single-payment"] {
        let request = fixture(&format!("create-{kind}-price.request.json"));
        let a = api.post("/api/v1/prices", &request).await;
        assert_eq!(a.status, 200, "{kind}: {}", a.text);
        assert!(a.request_id.is_some());
        let expected = fixture(&format!("create-{kind}-price.response.json"));
        assert_matches_fixture(&a.json(), &expected, kind);
    }
    // GET and list compare with their fixtures (list page of 3; the fixture's total is 7 rows).
    let first = api.emu.prices()[0]["id"].as_str().expect("id").to_owned();
    assert_matches_fixture(
        &api.get(&format!("/api/v1/prices/{first}")).await.json(),
        &fixture("get-price.response.json"),
        "get",
    );
    let list = api.get("/api/v1/prices?limit=2").await.json();
    let mut expected = fixture("list-prices.response.json");
    expected["data"].as_array_mut().expect("data").truncate(2);
    expected["total"] = json!(3);
    assert_matches_fixture(&list, &expected, "list");
    assert_eq!(list["hasMore"], true);
    // Update fixture: PUT with the body's id.
    let mut update = fixture("update-price.request.json");
    update["price"]["id"] = json!(first);
    let a = api.put(&format!("/api/v1/prices/{first}"), &update).await;
    assert_eq!(a.status, 200, "{}", a.text);
    assert_matches_fixture(&a.json(), &fixture("update-price.response.json"), "update");
}

#[tokio::test]
async fn get_unknown_price_is_404_in_the_fixture_shape() {
    let api = start().await;
    let a = api.get("/api/v1/prices/price_000000000000000000000").await;
    assert_eq!(a.status, 404);
    assert_matches_fixture(&a.error_body(), &fixture("error-404-not-found.json"), "404");
}

#[tokio::test]
async fn s6_01_unit_price_is_an_integer_in_minor_units_up_to_int32() {
    let api = start().await;
    // Accepted: 0 (the literal), 1999, the int32 maximum; stored unchanged.
    for amount in [json!(0), json!(1999), json!(2_147_483_647_i64)] {
        let p = api.create_price(usage(amount.clone())).await;
        assert_eq!(p["unitPrice"], amount);
    }
    // A float, a negative, and beyond MAX_SAFE_INTEGER: 400 with a union issue on unitPrice.
    for amount in [
        number("19.99"),
        json!(-1),
        number("-0.5"),
        json!(9_007_199_254_740_992_i64),
    ] {
        let a = api
            .post("/api/v1/prices", &json!({"price": usage(amount.clone())}))
            .await;
        let (issue, path) = single_issue(&a);
        assert_eq!(path, ["price", "unitPrice"], "{amount}");
        assert_eq!(issue["code"], "invalid_union");
        assert_eq!(issue["message"], "Invalid input");
    }
    // Between int32 and 2^53: passes zod, fails the int4 column: 500 "Internal server error", no `code`.
    let count = api.emu.price_count();
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": usage(json!(2_147_483_648_i64))}),
        )
        .await;
    assert_eq!(a.status, 500);
    let body = a.error_body();
    assert_matches_fixture(&body, &fixture("error-500-internal.json"), "500");
    assert!(body.get("code").is_none());
    assert_eq!(api.emu.price_count(), count, "nothing stored");
    // JPY is zero-decimal: 1999 is ¥1999, stored as 1999.
    let jpy = start_with(FlowgladEmulator::builder(KEY).currency("JPY").build()).await;
    let p = jpy.create_price(usage(json!(1999))).await;
    assert_eq!(
        (p["unitPrice"].clone(), p["currency"].clone()),
        (json!(1999), json!("JPY"))
    );
}

#[tokio::test]
async fn s6_02_currency_is_the_organisation_default_and_a_body_currency_is_dropped() {
    let api = start().await;
    let mut body = usage(json!(5));
    body["currency"] = json!("EUR");
    let p = api.create_price(body).await;
    assert_eq!(p["currency"], "USD");
    let eur = start_with(FlowgladEmulator::builder(KEY).currency("eur").build()).await;
    assert_eq!(eur.emu.currency(), "EUR");
    let mut body = subscription(seed::PRO_PRODUCT_ID, json!(1999));
    body["currency"] = json!("USD");
    assert_eq!(eur.create_price(body).await["currency"], "EUR");
}

#[tokio::test]
async fn s6_03_tagged_union_rejects_inapplicable_fields_and_the_string_null() {
    let api = start().await;
    let cases: Vec<(Value, &str, &str)> = vec![
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b["usageMeterId"] = json!(seed::USAGE_METER_ID);
                b
            },
            "usageMeterId",
            "Invalid input: expected null, received string",
        ),
        (
            {
                let mut b = usage(json!(1));
                b["productId"] = json!(seed::PRO_PRODUCT_ID);
                b
            },
            "productId",
            "Invalid input: expected null, received string",
        ),
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b["usageEventsPerUnit"] = json!("null");
                b
            },
            "usageEventsPerUnit",
            "Invalid input: expected null, received string",
        ),
        (
            json!({"type": "single_payment", "productId": seed::ADDON_PRODUCT_ID, "unitPrice": 1,
                   "isDefault": true, "intervalUnit": "month"}),
            "intervalUnit",
            "Invalid input: expected null, received string",
        ),
        (
            json!({"type": "usage", "usageMeterId": seed::USAGE_METER_ID, "unitPrice": 1,
                   "intervalUnit": "month", "intervalCount": 1, "isDefault": true,
                   "usageEventsPerUnit": 1, "trialPeriodDays": 7}),
            "trialPeriodDays",
            "Invalid input: expected null, received number",
        ),
        (
            json!({"type": "subscription", "unitPrice": 1, "intervalUnit": "month",
                   "intervalCount": 1, "isDefault": true}),
            "productId",
            "Invalid input: expected string, received undefined",
        ),
        (
            json!({"type": "usage", "usageMeterId": seed::USAGE_METER_ID, "unitPrice": 1,
                   "intervalUnit": "month", "intervalCount": 1, "isDefault": true}),
            "usageEventsPerUnit",
            "Invalid input: expected number, received NaN",
        ),
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b.as_object_mut().expect("object").remove("isDefault");
                b
            },
            "isDefault",
            "Invalid input: expected boolean, received undefined",
        ),
        (
            {
                let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
                b["intervalUnit"] = json!("fortnight");
                b
            },
            "intervalUnit",
            "Invalid option: expected one of \"day\"|\"week\"|\"month\"|\"year\"",
        ),
    ];
    for (body, field, message) in cases {
        let a = api.post("/api/v1/prices", &json!({ "price": body })).await;
        let (issue, path) = single_issue(&a);
        assert_eq!(path, ["price", field], "{body}");
        assert_eq!(issue["message"], message, "{body}");
    }
    // Unknown or missing discriminator: the fixture's invalid_union issue.
    for ty in [json!("one_time"), Value::Null] {
        let a = api
            .post(
                "/api/v1/prices",
                &json!({"price": {"type": ty, "unitPrice": 1, "isDefault": true}}),
            )
            .await;
        assert_eq!(a.status, 400);
        assert_matches_fixture(
            &a.error_body(),
            &fixture("error-400-bad-discriminator.json"),
            "discriminator",
        );
    }
    // No `price` at all.
    let a = api.post("/api/v1/prices", &json!({})).await;
    let (issue, path) = single_issue(&a);
    assert_eq!(path, ["price"]);
    assert_eq!(
        issue["message"],
        "Invalid input: expected object, received undefined"
    );
    assert_eq!(api.emu.price_count(), 0, "nothing stored by any rejection");
    // JSON null and absent keys are accepted for the fields that do not apply.
    let mut b = subscription(seed::PRO_PRODUCT_ID, json!(1));
    b["usageMeterId"] = Value::Null;
    b["usageEventsPerUnit"] = Value::Null;
    b["trialPeriodDays"] = Value::Null;
    let p = api.create_price(b).await;
    assert_eq!(p["usageMeterId"], Value::Null);
    let mut u = usage(json!(1));
    u["productId"] = Value::Null;
    assert_eq!(api.create_price(u).await["productId"], Value::Null);
}

#[tokio::test]
async fn s6_04_new_product_price_archives_siblings_and_is_forced_default_active() {
    let api = start().await;
    let mut body = subscription(seed::PRO_PRODUCT_ID, json!(1000));
    body["isDefault"] = json!(false);
    body["active"] = json!(false);
    body["slug"] = json!("pro");
    let first = api.create_price(body.clone()).await;
    assert_eq!(
        (first["isDefault"].clone(), first["active"].clone()),
        (json!(true), json!(true))
    );
    // A retried create (same body, same slug): the second copy wins, the first is archived; no slug clash.
    let second = api.create_price(body).await;
    assert_eq!(second["active"], true);
    let first_now = api.price(first["id"].as_str().expect("id")).await;
    assert_eq!(
        (first_now["isDefault"].clone(), first_now["active"].clone()),
        (json!(false), json!(false))
    );
    assert!(first_now["updatedAt"].as_i64() > first["updatedAt"].as_i64());
    // Other products are untouched.
    let addon = api
        .create_price(
            json!({"type": "single_payment", "productId": seed::ADDON_PRODUCT_ID,
                             "unitPrice": 4900, "isDefault": false}),
        )
        .await;
    assert_eq!(
        api.price(second["id"].as_str().expect("id")).await["active"],
        true
    );
    assert_eq!(addon["isDefault"], true);
    assert_eq!(api.emu.active_price_count(), 2);
    // Usage prices: isDefault honoured; a new default clears the others' flag but leaves them active.
    let u1 = api
        .create_price({
            let mut u = usage(json!(1));
            u["isDefault"] = json!(true);
            u
        })
        .await;
    let u2 = api.create_price(usage(json!(2))).await;
    assert_eq!(
        (u1["isDefault"].clone(), u2["isDefault"].clone()),
        (json!(true), json!(false))
    );
    api.create_price({
        let mut u = usage(json!(3));
        u["isDefault"] = json!(true);
        u
    })
    .await;
    let u1_now = api.price(u1["id"].as_str().expect("id")).await;
    assert_eq!(
        (u1_now["isDefault"].clone(), u1_now["active"].clone()),
        (json!(false), json!(true))
    );
    // Product rules: all prices of a product share one type (403, the fixture's message).
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": {"type": "single_payment", "productId": seed::PRO_PRODUCT_ID,
                              "unitPrice": 1, "isDefault": true}}),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_matches_fixture(&a.error_body(), &fixture("error-403-forbidden.json"), "403");
    // The default (free) product: one price, of amount 0.
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription(seed::FREE_PRODUCT_ID, json!(500))}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_body(),
        json!({"error": "Default prices on default products must have unitPrice = 0",
               "code": "BAD_REQUEST", "request_id": a.request_id.clone()})
    );
    api.create_price(subscription(seed::FREE_PRODUCT_ID, json!(0)))
        .await;
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription(seed::FREE_PRODUCT_ID, json!(0))}),
        )
        .await;
    assert_eq!(a.status, 403);
    assert_eq!(
        a.error_body()["error"],
        "Cannot create additional prices for the default plan"
    );
    // Unknown parents are 404.
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription("prod_000000000000000000000", json!(1))}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_body()["code"].clone()),
        (404, json!("NOT_FOUND"))
    );
    let mut u = usage(json!(1));
    u["usageMeterId"] = json!("usage_meter_000000000000000000000");
    let a = api.post("/api/v1/prices", &json!({ "price": u })).await;
    assert_eq!(
        (a.status, a.error_body()["code"].clone()),
        (404, json!("NOT_FOUND"))
    );
}

#[tokio::test]
async fn s6_05_posts_are_not_idempotent_and_slug_clashes_are_500() {
    let api = start().await;
    let body = json!({"price": usage(json!(7))});
    for _ in 0..2 {
        let a = api
            .http
            .post(format!("{}/api/v1/prices", api.base))
            .header("authorization", KEY)
            .header("idempotency-key", "same-key")
            .json(&body)
            .send()
            .await
            .expect("send");
        assert_eq!(a.status(), 200);
    }
    assert_eq!(
        api.emu.price_count(),
        2,
        "the Idempotency-Key header is ignored"
    );
    // With a slug, a re-sent usage create clashes with the active first copy: 500, nothing stored.
    let mut slugged = usage(json!(7));
    slugged["slug"] = json!("api_calls_7");
    api.create_price(slugged.clone()).await;
    let a = api
        .post("/api/v1/prices", &json!({ "price": slugged }))
        .await;
    assert_eq!(a.status, 500);
    let body = a.error_body();
    assert_eq!(body["code"], "INTERNAL_SERVER_ERROR");
    assert_eq!(
        body["error"],
        format!(
            "duplicate slug \"api_calls_7\" in pricing model {}",
            seed::PRICING_MODEL_ID
        )
    );
    assert!(body["sentry_event_id"].is_string());
    assert_eq!(api.emu.price_count(), 3);
    // Reserved `_no_charge` suffix on usage slugs.
    let mut reserved = usage(json!(1));
    reserved["slug"] = json!("api_calls_no_charge");
    let a = api
        .post("/api/v1/prices", &json!({ "price": reserved }))
        .await;
    assert_eq!(
        (a.status, a.error_body()["code"].clone()),
        (400, json!("BAD_REQUEST"))
    );
}

#[tokio::test]
async fn slug_is_unique_among_active_prices_only() {
    let api = start().await;
    let mut a = usage(json!(1));
    a["slug"] = json!("shared");
    let first = api.create_price(a.clone()).await;
    let id = first["id"].as_str().expect("id");
    // Archive it: the slug becomes free again.
    let archived = api
        .put(
            &format!("/api/v1/prices/{id}"),
            &json!({"price": {"id": id, "type": "usage", "isDefault": false, "active": false}}),
        )
        .await;
    assert_eq!(archived.json()["price"]["active"], false);
    let second = api.create_price(a).await;
    // Re-activating the first now clashes (500), and so does renaming another active price to the slug.
    let a = api
        .put(
            &format!("/api/v1/prices/{id}"),
            &json!({"price": {"id": id, "type": "usage", "isDefault": false, "active": true}}),
        )
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(a.error_body()["code"], "INTERNAL_SERVER_ERROR");
    let third = api.create_price(usage(json!(3))).await;
    let tid = third["id"].as_str().expect("id");
    let a = api
        .put(
            &format!("/api/v1/prices/{tid}"),
            &json!({"price": {"id": tid, "type": "usage", "isDefault": false, "slug": "shared"}}),
        )
        .await;
    assert_eq!(a.status, 500);
    assert_eq!(api.price(tid).await["slug"], Value::Null, "unchanged");
    assert_eq!(api.price(id).await["active"], false, "unchanged");
    assert_eq!(second["slug"], "shared");
}

#[tokio::test]
async fn s6_06_update_requires_id_type_is_default_and_uses_the_body_id() {
    let api = start().await;
    let p = api
        .create_price(subscription(seed::PRO_PRODUCT_ID, json!(1999)))
        .await;
    let id = p["id"].as_str().expect("id").to_owned();
    let path = format!("/api/v1/prices/{id}");
    // Missing isDefault, missing id: zod issues.
    for (body, field) in [
        (
            json!({"id": id, "type": "subscription", "name": "x"}),
            "isDefault",
        ),
        (json!({"type": "subscription", "isDefault": true}), "id"),
    ] {
        let a = api.put(&path, &json!({ "price": body })).await;
        let (_, issue_path) = single_issue(&a);
        assert_eq!(issue_path, ["price", field]);
    }
    // Missing type: no matching discriminator.
    let a = api
        .put(&path, &json!({"price": {"id": id, "isDefault": true}}))
        .await;
    let (issue, issue_path) = single_issue(&a);
    assert_eq!(issue_path, ["price", "type"]);
    assert_eq!(issue["note"], "No matching discriminator");
    // Another type: 400 with the server's message.
    let a = api
        .put(
            &path,
            &json!({"price": {"id": id, "type": "single_payment", "isDefault": true}}),
        )
        .await;
    assert_eq!(a.status, 400);
    assert_eq!(
        a.error_body()["error"],
        "Cannot change type after price creation. This field is immutable."
    );
    // The path id is ignored: the body's id decides (even with a nonsense path id).
    let a = api
        .put(
            "/api/v1/prices/price_ignored",
            &json!({"price": {"id": id, "type": "subscription", "isDefault": true, "name": "Renamed",
                              "unitPrice": 5, "intervalCount": 12, "productId": seed::ADDON_PRODUCT_ID}}),
        )
        .await;
    assert_eq!(a.status, 200, "{}", a.text);
    let updated = a.json()["price"].clone();
    assert_eq!(updated["id"], id.as_str());
    assert_eq!(updated["name"], "Renamed");
    // Create-only fields were silently dropped.
    assert_eq!(updated["unitPrice"], 1999);
    assert_eq!(updated["intervalCount"], 1);
    assert_eq!(updated["productId"], seed::PRO_PRODUCT_ID);
    // An unknown body id is 404 even when the path names a real price.
    let a = api
        .put(
            &path,
            &json!({"price": {"id": "price_000000000000000000000", "type": "subscription", "isDefault": true}}),
        )
        .await;
    assert_eq!(
        (a.status, a.error_body()["error"].clone()),
        (404, json!("Price not found"))
    );
    // Sending isDefault false un-defaults; name null clears; unspecified fields stay.
    let a = api
        .put(
            &path,
            &json!({"price": {"id": id, "type": "subscription", "isDefault": false, "name": null}}),
        )
        .await;
    let after = a.json()["price"].clone();
    assert_eq!(
        (after["isDefault"].clone(), after["name"].clone()),
        (json!(false), Value::Null)
    );
    assert_eq!(after["active"], true);
    assert!(after["updatedAt"].as_i64() > p["updatedAt"].as_i64());
    assert_eq!(after["createdAt"], p["createdAt"]);
}

#[tokio::test]
async fn s6_13_numeric_strings_are_coerced_like_zod() {
    let api = start().await;
    let mut body = subscription(seed::PRO_PRODUCT_ID, json!("1999"));
    body["intervalCount"] = json!("3");
    body["trialPeriodDays"] = json!("14");
    let p = api.create_price(body).await;
    assert_eq!(
        (
            p["unitPrice"].clone(),
            p["intervalCount"].clone(),
            p["trialPeriodDays"].clone()
        ),
        (json!(1999), json!(3), json!(14))
    );
    // Coercion does not rescue fractions, negatives, words, or the string "0" (only the number 0 matches
    // the literal branch, and 0 is not positive).
    for amount in ["19.99", "-5", "abc", "0"] {
        let a = api
            .post(
                "/api/v1/prices",
                &json!({"price": subscription(seed::PRO_PRODUCT_ID, json!(amount))}),
            )
            .await;
        let (_, path) = single_issue(&a);
        assert_eq!(path, ["price", "unitPrice"], "{amount}");
    }
    // Numeric strings above int32 reach the database: 500.
    let a = api
        .post(
            "/api/v1/prices",
            &json!({"price": subscription(seed::PRO_PRODUCT_ID, json!("3000000000"))}),
        )
        .await;
    assert_eq!(a.status, 500);
}
