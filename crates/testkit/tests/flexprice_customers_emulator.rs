//! Raw-HTTP tests of the Flexprice emulator's customers: the notes' §8 items on customers (`s8_07`–`s8_14`), the
//! create fixture, time zones and listing.

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::emulators::flexprice::DeleteBlock;
#[path = "support/flexprice_rig.rs"]
mod rig;

use rig::*;

/// §8 #7: client mistakes answered with 500 `database_error`, not 400, and nothing written.
#[tokio::test]
async fn s8_07_some_client_mistakes_return_500() {
    let api = Api::start().await;
    let long = "x".repeat(256);
    let r = api
        .post("/customers", json!({"external_id": long, "name": "Long"}))
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.json()["code"], "database_error");
    assert_eq!(r.json()["http_status_code"], 500);
    assert_eq!(api.emu().customer_count(), 0);
    // 255 is fine.
    api.customer(&"y".repeat(255), json!({"name": "Max"})).await;

    let id = api.customer("acct_500", json!({"metadata": {}})).await;
    for body in [json!({"name": ""}), json!({"external_id": ""})] {
        let r = api.put(&format!("/customers/{id}"), body.clone()).await;
        assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR, "{body}");
        assert_eq!(r.json()["code"], "database_error");
    }
    let stored = api.emu().customer(&id).unwrap();
    assert_eq!(stored["external_id"], "acct_500");
    assert_eq!(stored["name"], "Customer acct_500");

    let mut conn = stripe_request();
    conn["name"] = json!("");
    let r = api.post("/connections", conn).await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.json()["code"], "database_error");
    assert_eq!(api.emu().connection_count(), 0);
}

/// §8 #8 (inferred): changing `external_id` of a customer created without metadata panics: 500, empty body,
/// nothing written. With metadata, `old_external_ids` records the *new* id (bug).
#[tokio::test]
async fn s8_08_external_id_change_without_metadata_is_an_empty_500() {
    let api = Api::start().await;
    let bare = api.customer("acct_bare", json!({})).await;
    let r = api
        .put(
            &format!("/customers/{bare}"),
            json!({"external_id": "acct_bare_2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(r.text, "");
    assert_eq!(
        api.emu().customer(&bare).unwrap()["external_id"],
        "acct_bare"
    );
    // Same external id: no change, no panic.
    let r = api
        .put(
            &format!("/customers/{bare}"),
            json!({"external_id": "acct_bare"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);

    let with_md = api
        .customer("acct_md", json!({"metadata": {"k": "v"}}))
        .await;
    let r = api
        .put(
            &format!("/customers/{with_md}"),
            json!({"external_id": "acct_md_2"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["external_id"], "acct_md_2");
    assert_eq!(
        r.json()["metadata"],
        json!({"k": "v", "old_external_ids": "acct_md_2"})
    );
}

/// §8 #9: customer `pagination.offset` is request offset + limit; the default limit is 50; max 1000.
#[tokio::test]
async fn s8_09_customer_pagination_offset_is_offset_plus_limit() {
    let api = Api::start().await;
    for i in 0..3 {
        api.customer(&format!("acct_{i}"), json!({})).await;
    }
    let r = api.get("/customers").await.json();
    assert_eq!(
        r["pagination"],
        json!({"total": 3, "limit": 50, "offset": 50})
    );
    assert_eq!(r["items"].as_array().unwrap().len(), 3);
    let r = api.get("/customers?limit=2&offset=1").await.json();
    assert_eq!(
        r["pagination"],
        json!({"total": 3, "limit": 2, "offset": 3})
    );
    assert_eq!(r["items"].as_array().unwrap().len(), 2);
    let r = api
        .post("/customers/search", json!({"limit": 1, "offset": 2}))
        .await
        .json();
    assert_eq!(
        r["pagination"],
        json!({"total": 3, "limit": 1, "offset": 3})
    );
    let r = api.get("/customers?offset=10").await.json();
    assert_eq!(r["items"], json!([]), "empty page is [], never null");
    assert_eq!(r["pagination"]["offset"], 60);
    let r = api.get("/customers?limit=1000").await;
    assert_eq!(r.status, StatusCode::OK);

    let r = api.get("/customers?limit=1001").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["details"],
        json!({"Limit": validation_detail("CustomerFilter.QueryFilter", "Limit", "max")})
    );
    let r = api.get("/customers?limit=abc").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), fixture("error-400-bad-json.json"));
    let r = api.get("/customers?order=sideways").await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// §8 #10: there is no PATCH (plain 404); PUT is partial: absent/null unchanged, `""` clears, metadata replaces,
/// and the response's `updated_at` is stale.
#[tokio::test]
async fn s8_10_no_patch_and_put_is_partial_with_stale_updated_at() {
    let api = Api::start().await;
    let created = api
        .post("/customers", fixture("create-customer-request.json"))
        .await
        .json();
    let id = created["id"].as_str().unwrap().to_owned();
    let r = api
        .call(
            Method::PATCH,
            &format!("/customers/{id}"),
            Some(json!({"name": "P"})),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.text, "404 page not found");
    let r = api
        .raw(
            Method::PATCH,
            &format!("/customers/{id}"),
            None,
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_FOUND,
        "PATCH is a 404 even without a key"
    );
    assert_eq!(r.text, "404 page not found");

    let before = api.get(&format!("/customers/{id}")).await.json();
    let mut update = fixture("update-customer-request.json");
    update["address_line2"] = json!("");
    update["address_city"] = Value::Null;
    let r = api.put(&format!("/customers/{id}"), update).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let after = r.json();
    assert_eq!(after["name"], "Acme Corporation");
    assert_eq!(after["email"], "ap@acme.example");
    assert_eq!(after["address_line2"], "", "\"\" clears");
    assert_eq!(after["address_city"], "San Francisco", "null = unchanged");
    assert_eq!(
        after["address_line1"], "123 Commerce Street",
        "absent = unchanged"
    );
    assert_eq!(
        after["metadata"],
        json!({"crm_id": "0010X000abcdef", "tier": "enterprise", "region": "us-west"})
    );
    assert_eq!(
        after["updated_at"], before["updated_at"],
        "stale updated_at"
    );
    let reread = api.get(&format!("/customers/{id}")).await.json();
    assert_ne!(reread["updated_at"], before["updated_at"]);
    assert_eq!(reread["name"], "Acme Corporation");

    // metadata replaces (not merges).
    let r = api
        .put(
            &format!("/customers/{id}"),
            json!({"metadata": {"only": "this"}}),
        )
        .await;
    assert_eq!(r.json()["metadata"], json!({"only": "this"}));

    // The query forms.
    let r = api
        .put(
            "/customers?external_customer_id=acct_42",
            json!({"name": "Q"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["name"], "Q");
    let r = api
        .put(&format!("/customers?id={id}"), json!({"name": "R"}))
        .await;
    assert_eq!(r.json()["name"], "R");
    let r = api
        .put(
            "/customers?external_customer_id=nobody",
            json!({"name": "Q"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let other = api.customer("acct_other", json!({})).await;
    let r = api
        .put(
            &format!("/customers?id={other}&external_customer_id=acct_42"),
            json!({"name": "Z"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let r = api.put("/customers", json!({"name": "Z"})).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    // The new external_id colliding with another published customer.
    let r = api
        .put(
            &format!("/customers/{id}"),
            json!({"external_id": "acct_other"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json()["details"], json!({"external_id": "acct_other"}));
}

/// §8 #11: DELETE is soft: GET by id returns `archived`, by external id 404s, the external id is reusable, a
/// repeated DELETE 404s, and a customer with subscriptions/wallets cannot be deleted.
#[tokio::test]
async fn s8_11_delete_is_soft_and_repeated_delete_is_404() {
    let api = Api::start().await;
    let id = api.customer("acct_del", json!({})).await;
    let r = api.delete(&format!("/customers/{id}")).await;
    assert_eq!(r.status, StatusCode::NO_CONTENT);
    assert_eq!(r.text, "");
    let r = api.get(&format!("/customers/{id}")).await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(r.json()["status"], "archived");
    let r = api.get("/customers/external/acct_del").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    let r = api.delete(&format!("/customers/{id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["details"], json!({"customer_id": id}));
    // Listing: archived only with status=archived.
    assert_eq!(api.get("/customers").await.json()["pagination"]["total"], 0);
    let archived = api.get("/customers?status=archived").await.json();
    assert_eq!(archived["items"][0]["id"], Value::String(id.clone()));
    // Archived customers can still be updated.
    let r = api
        .put(&format!("/customers/{id}"), json!({"name": "Ghost"}))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    // Reuse.
    let reused = api.customer("acct_del", json!({})).await;
    assert_ne!(reused, id);
    assert_eq!(api.emu().customer_count(), 2);
    assert_eq!(api.emu().published_customer_count(), 1);

    api.emu()
        .block_customer_delete(&reused, DeleteBlock::ActiveSubscriptions);
    let r = api.delete(&format!("/customers/{reused}")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), fixture("error-400-invalid-operation.json"));
    api.emu()
        .block_customer_delete(&reused, DeleteBlock::Wallets);
    let r = api.delete(&format!("/customers/{reused}")).await;
    assert_eq!(
        r.json()["message"],
        "Customer cannot be deleted due to associated wallets"
    );
    api.emu().unblock_customer_delete(&reused);
    assert_eq!(
        api.delete(&format!("/customers/{reused}")).await.status,
        StatusCode::NO_CONTENT
    );
}

/// §8 #12: lookup by external id (`/external/{id}` and the `/lookup/{id}` alias); percent-encoding works, but
/// an encoded `/` does not match the route (use `?external_id=`); no charset is enforced.
#[tokio::test]
async fn s8_12_lookup_by_external_id_and_encoded_slash() {
    let api = Api::start().await;
    let plain = api.customer("acct 7+ü", json!({})).await;
    let slashed = api.customer("org/acct_8", json!({})).await;
    let r = api.get("/customers/external/acct%207%2B%C3%BC").await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    assert_eq!(r.json()["id"], Value::String(plain.clone()));
    let r = api.get("/customers/lookup/acct%207%2B%C3%BC").await;
    assert_eq!(r.json()["id"], Value::String(plain));
    let r = api.get("/customers/external/org%2Facct_8").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.text, "404 page not found");
    let r = api.get("/customers?external_id=org%2Facct_8").await.json();
    assert_eq!(r["items"][0]["id"], Value::String(slashed.clone()));
    let r = api
        .post(
            "/customers/search",
            json!({"external_ids": ["org/acct_8", "nope"]}),
        )
        .await
        .json();
    assert_eq!(r["pagination"]["total"], 1);
    let r = api.get("/customers/external/unknown").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["details"], json!({"external_id": "unknown"}));
    let r = api
        .get("/customers/external/org%2Facct_8?expand=bogus")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    let r = api
        .get(&format!("/customers/{slashed}?expand=integrations"))
        .await;
    assert_eq!(r.status, StatusCode::OK);
    let r = api.get(&format!("/customers/{slashed}?expand=bogus")).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
}

/// §8 #13: `address_country` is case-sensitive; address lengths are checked in characters, then in bytes.
#[tokio::test]
async fn s8_13_country_case_and_byte_length_address_checks() {
    let api = Api::start().await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "c1", "name": "C", "address_country": "us"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["details"],
        json!({"AddressCountry": validation_detail("CreateCustomerRequest", "AddressCountry", "iso3166_1_alpha2")})
    );
    api.customer("c2", json!({"address_country": "US"})).await;

    // 60 characters, 120 bytes: passes the validator (≤100 chars) but not the byte check.
    let city = "é".repeat(60);
    let r = api
        .post(
            "/customers",
            json!({"external_id": "c3", "name": "C", "address_city": city}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["code"], "validation_error");
    assert_ne!(r.json()["message"], "Request validation failed");
    api.customer("c4", json!({"address_city": "é".repeat(50)}))
        .await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "c5", "name": "C", "address_city": "a".repeat(101)}),
        )
        .await;
    assert_eq!(
        r.json()["details"],
        json!({"AddressCity": validation_detail("CreateCustomerRequest", "AddressCity", "max")})
    );
}

/// §8 #14: unset strings are `""`, `contact` is omitted, `metadata` is `null` without metadata, `timezone`
/// defaults to UTC; create times have ns precision and reads µs; connection times are whole seconds, possibly
/// with a non-`Z` offset.
#[tokio::test]
async fn s8_14_unset_fields_metadata_null_and_time_precision() {
    let api = Api::start().await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "acct_43", "name": "Globex"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    let created = r.json();
    let expected = fixture("list-customers-response.json")["items"][0].clone();
    assert_eq!(
        without_generated(created.clone()),
        without_generated(expected)
    );
    assert!(created.get("contact").is_none());
    assert_eq!(created["metadata"], Value::Null);
    assert_eq!(created["created_at"], "2026-08-22T13:00:02.123456789Z");

    let id = created["id"].as_str().unwrap();
    assert!(id.starts_with("cust_") && id.len() == 31, "{id}");
    assert!(
        id[5..]
            .bytes()
            .all(|b| b"0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains(&b)),
        "{id}"
    );
    let read = api.get(&format!("/customers/{id}")).await.json();
    assert_eq!(read["created_at"], "2026-08-22T13:00:02.123456Z");

    let conn = api.post("/connections", stripe_request()).await.json();
    let conn_id = conn["id"].as_str().unwrap();
    assert!(conn_id.starts_with("conn_") && conn_id.len() == 31);
    assert_eq!(conn["created_at"], "2026-08-22T13:00:04Z");
    api.emu().set_connection_utc_offset(19_800);
    let conn = api.get(&format!("/connections/{conn_id}")).await.json();
    assert_eq!(conn["created_at"], "2026-08-22T18:30:04+05:30");

    // Explicit empty metadata is an object, not null.
    let r = api
        .post(
            "/customers",
            json!({"external_id": "acct_44", "name": "E", "metadata": {}}),
        )
        .await;
    assert_eq!(r.json()["metadata"], json!({}));
}

#[tokio::test]
async fn create_customer_fixture_round_trips_and_duplicate_is_409() {
    let api = Api::start().await;
    let r = api
        .post("/customers", fixture("create-customer-request.json"))
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("application/json")
    );
    let created = r.json();
    assert_eq!(
        without_generated(created.clone()),
        without_generated(fixture("create-customer-response.json"))
    );
    assert_eq!(created["created_at"], created["updated_at"]);

    let id = created["id"].as_str().unwrap();
    let by_id = api.get(&format!("/customers/{id}")).await.json();
    let by_ext = api.get("/customers/external/acct_42").await.json();
    assert_eq!(by_id, by_ext);
    assert_eq!(without_generated(by_id), without_generated(created.clone()));

    let r = api
        .post("/customers", fixture("create-customer-request.json"))
        .await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    assert_eq!(r.json(), fixture("error-409-customer-exists.json"));
    assert_eq!(api.emu().customer_count(), 1);
}

#[tokio::test]
async fn customer_timezone_default_and_rejections() {
    let api = Api::start().await;
    let id = api
        .customer("tz1", json!({"timezone": "Asia/Kolkata"}))
        .await;
    assert_eq!(
        api.get(&format!("/customers/{id}")).await.json()["timezone"],
        "Asia/Kolkata"
    );
    for tz in ["Local", "Mars/Olympus", "asia/kolkata"] {
        let r = api
            .post(
                "/customers",
                json!({"external_id": "tz2", "name": "T", "timezone": tz}),
            )
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{tz}");
        assert_eq!(r.json()["code"], "validation_error");
    }
    let r = api
        .post(
            "/customers",
            json!({"external_id": "tz3", "name": "T", "unknown_field": 1}),
        )
        .await;
    assert_eq!(r.json()["timezone"], "UTC");
    let r = api
        .post(
            "/customers",
            json!({"external_id": "tz4", "name": "n".repeat(256)}),
        )
        .await;
    assert_eq!(
        r.json()["details"],
        json!({"Name": validation_detail("CreateCustomerRequest", "Name", "max")})
    );
}

#[tokio::test]
async fn customer_list_order_and_filters() {
    let api = Api::start().await;
    let a = api
        .customer(
            "a",
            json!({"email": "a@x.example", "metadata": {"tier": "gold"}}),
        )
        .await;
    let b = api
        .customer("b", json!({"metadata": {"tier": "silver"}}))
        .await;
    let c = api.customer("c", json!({})).await;
    let ids = |v: &Value| -> Vec<String> {
        v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| i["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let desc = api.get("/customers").await.json();
    assert_eq!(
        ids(&desc),
        [c.clone(), b.clone(), a.clone()],
        "default is created_at desc"
    );
    let asc = api.get("/customers?order=asc").await.json();
    assert_eq!(ids(&asc), [a.clone(), b.clone(), c.clone()]);
    let by_ids = api
        .get(&format!(
            "/customers?customer_ids={a}&customer_ids={c}&order=asc"
        ))
        .await
        .json();
    assert_eq!(ids(&by_ids), [a.clone(), c.clone()]);
    let ext = api
        .get("/customers?external_ids=b&external_ids=c")
        .await
        .json();
    assert_eq!(ids(&ext), [c.clone(), b.clone()]);
    let email = api.get("/customers?email=a%40x.example").await.json();
    assert_eq!(ids(&email), vec![a.clone()]);
    assert_eq!(
        api.get("/customers?email=bad").await.status,
        StatusCode::BAD_REQUEST
    );
    let md = api
        .get("/customers?metadata=%7B%22tier%22%3A%22gold%22%7D")
        .await
        .json();
    assert_eq!(ids(&md), vec![a.clone()]);
    let md = api
        .post("/customers/search", json!({"metadata": {"tier": "silver"}}))
        .await
        .json();
    assert_eq!(ids(&md), vec![b.clone()]);
    let sorted = api
        .post(
            "/customers/search",
            json!({"sort": [{"field": "external_id", "direction": "desc"}]}),
        )
        .await
        .json();
    assert_eq!(ids(&sorted), [c.clone(), b.clone(), a.clone()]);
    assert_eq!(
        api.get("/customers?sort=created_at").await.status,
        StatusCode::BAD_REQUEST,
        "sort cannot be bound from a query"
    );
    let deleted = api.get("/customers?status=deleted").await.json();
    assert_eq!(deleted["items"], json!([]));
    assert_eq!(
        api.get("/customers?status=gone").await.status,
        StatusCode::BAD_REQUEST
    );
    let since = api
        .get("/customers?start_time=2026-08-22T13:00:03Z&order=asc")
        .await
        .json();
    assert_eq!(ids(&since), [b, c]);
    let r = api
        .post(
            "/customers/search",
            json!({"filters": [{"field": "name", "operator": "eq", "data_type": "string", "value": {"string": "x"}}]}),
        )
        .await;
    assert_eq!(
        r.status,
        StatusCode::NOT_IMPLEMENTED,
        "emulator limitation is explicit"
    );
}
