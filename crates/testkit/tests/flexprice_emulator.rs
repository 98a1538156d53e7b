//! Raw-HTTP tests of the Flexprice emulator: one test per item of the notes' §8 surprise list (`s8_NN_…`), plus
//! the basics. Bodies are compared exactly (modulo generated ids and times where stated).

use std::sync::Arc;

use reqwest::{Method, StatusCode};
use serde_json::{Value, json};
use unibill_testkit::Served;
use unibill_testkit::emulators::flexprice::{DeleteBlock, FlexpriceEmulator, KeyScope};

const KEY: &str = "sk_test_emulator";

struct Api {
    emulator: Arc<FlexpriceEmulator>,
    served: Served,
    client: reqwest::Client,
}

struct Reply {
    status: StatusCode,
    headers: reqwest::header::HeaderMap,
    text: String,
}

impl Reply {
    fn json(&self) -> Value {
        serde_json::from_str(&self.text)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", self.text))
    }
}

fn fixture(name: &str) -> Value {
    unibill_testkit::fixture_json(&format!("flexprice/{name}"))
}

/// Removes generated ids and times so bodies can be compared with fixtures.
fn without_generated(mut v: Value) -> Value {
    if let Some(o) = v.as_object_mut() {
        for k in ["id", "created_at", "updated_at"] {
            o.remove(k);
        }
    }
    v
}

impl Api {
    async fn start() -> Self {
        let emulator = FlexpriceEmulator::new(KEY);
        let served = emulator.serve().await.expect("bind loopback");
        Self {
            emulator,
            served,
            client: reqwest::Client::new(),
        }
    }

    fn emu(&self) -> &Arc<FlexpriceEmulator> {
        &self.emulator
    }

    async fn raw(
        &self,
        method: Method,
        path: &str,
        key: Option<&str>,
        body: Option<&str>,
        extra_headers: &[(&str, &str)],
    ) -> Reply {
        let url = format!("{}{path}", self.served.base_url());
        let mut req = self.client.request(method, url);
        if let Some(key) = key {
            req = req.header("x-api-key", key);
        }
        for (n, v) in extra_headers {
            req = req.header(*n, *v);
        }
        if let Some(body) = body {
            req = req
                .header("content-type", "application/json")
                .body(body.to_owned());
        }
        let resp = req.send().await.expect("request to emulator");
        let status = resp.status();
        let headers = resp.headers().clone();
        let text = resp.text().await.expect("body");
        Reply {
            status,
            headers,
            text,
        }
    }

    async fn call(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let body = body.map(|b| b.to_string());
        self.raw(method, path, Some(KEY), body.as_deref(), &[])
            .await
    }

    async fn get(&self, path: &str) -> Reply {
        self.call(Method::GET, path, None).await
    }

    async fn post(&self, path: &str, body: Value) -> Reply {
        self.call(Method::POST, path, Some(body)).await
    }

    async fn put(&self, path: &str, body: Value) -> Reply {
        self.call(Method::PUT, path, Some(body)).await
    }

    async fn delete(&self, path: &str) -> Reply {
        self.call(Method::DELETE, path, None).await
    }

    /// Creates a customer and returns its id.
    async fn customer(&self, external_id: &str, extra: Value) -> String {
        let mut body =
            json!({"external_id": external_id, "name": format!("Customer {external_id}")});
        if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
            for (k, v) in e {
                b.insert(k.clone(), v.clone());
            }
        }
        let r = self.post("/customers", body).await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
        r.json()["id"].as_str().expect("id").to_owned()
    }
}

fn stripe_request() -> Value {
    fixture("create-connection-request.stripe.json")
}

fn validation_detail(struct_name: &str, field: &str, tag: &str) -> Value {
    Value::String(format!(
        "Key: '{struct_name}.{field}' Error:Field validation for '{field}' failed on the '{tag}' tag"
    ))
}

// ---------------------------------------------------------------------------------------------------------
// §8 surprises
// ---------------------------------------------------------------------------------------------------------

/// §8 #1: the nested `{"stripe":{…}}` form is accepted with 201 but stores empty secrets; the flat form stores
/// them; the flat form missing a required key is rejected; for chargebee the nested form is a 400.
#[tokio::test]
async fn s8_01_nested_secret_data_stores_empty_secrets_flat_form_stores_them() {
    let api = Api::start().await;
    let nested = api
        .post(
            "/connections",
            json!({
                "name": "Stripe nested",
                "provider_type": "stripe",
                "encrypted_secret_data": {"stripe": {"publishable_key": "pk", "secret_key": "sk", "webhook_secret": "wh"}}
            }),
        )
        .await;
    assert_eq!(nested.status, StatusCode::CREATED, "{}", nested.text);
    let nested_id = nested.json()["id"].as_str().unwrap().to_owned();
    let secrets = api.emu().connection_secrets(&nested_id).unwrap();
    assert!(secrets.values().all(String::is_empty), "{secrets:?}");
    assert_eq!(secrets.get("secret_key").map(String::as_str), Some(""));

    // Flat form (after deleting, since stripe is limited to one).
    assert_eq!(
        api.delete(&format!("/connections/{nested_id}"))
            .await
            .status,
        StatusCode::NO_CONTENT
    );
    let flat = api.post("/connections", stripe_request()).await;
    assert_eq!(flat.status, StatusCode::CREATED, "{}", flat.text);
    let flat_id = flat.json()["id"].as_str().unwrap().to_owned();
    let secrets = api.emu().connection_secrets(&flat_id).unwrap();
    assert_eq!(secrets["secret_key"], "sk_live_51Hxxxxxxxxxxxxxxxx");
    assert_eq!(secrets["account_id"], "acct_1Hxxxxxxxxxxxxxx");

    // Flat, missing a required key.
    let mut hub = fixture("create-connection-request.hubspot.json");
    hub["encrypted_secret_data"]
        .as_object_mut()
        .unwrap()
        .remove("client_secret");
    let r = api.post("/connections", hub).await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(r.json()["code"], "validation_error");

    // Chargebee: the nested form is rejected.
    let r = api
        .post(
            "/connections",
            json!({"name": "CB", "provider_type": "chargebee",
                   "encrypted_secret_data": {"chargebee": {"site": "acme", "api_key": "k",
                       "webhook_username": "u", "webhook_password": "p"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST, "{}", r.text);
    assert_eq!(api.emu().published_connection_count(), 1);
}

/// §8 #2: PUT replaces `sync_config` whole and silently ignores Stripe secret rotation; Chargebee webhook
/// credentials (both together) are honoured.
#[tokio::test]
async fn s8_02_connection_put_replaces_sync_config_and_ignores_secret_rotation() {
    let api = Api::start().await;
    let id = api.post("/connections", stripe_request()).await.json()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let mut update = fixture("update-connection-request.json");
    update["encrypted_secret_data"] = json!({"secret_key": "sk_live_ROTATED"});
    let r = api.put(&format!("/connections/{id}"), update).await;
    assert_eq!(r.status, StatusCode::OK, "{}", r.text);
    let body = r.json();
    assert_eq!(body["name"], "Stripe (prod, renamed)");
    assert_eq!(
        body["sync_config"],
        json!({"customer": {"inbound": true, "outbound": false},
               "invoice": {"inbound": false, "outbound": true}}),
        "plan/subscription left out of the PUT must disappear"
    );
    assert_eq!(body["metadata"], json!({"invoice_sync_enable": true}));
    assert!(body.get("encrypted_secret_data").is_none());
    assert_eq!(
        api.emu().connection_secrets(&id).unwrap()["secret_key"],
        "sk_live_51Hxxxxxxxxxxxxxxxx"
    );
    // An empty name means unchanged.
    let r = api
        .put(&format!("/connections/{id}"), json!({"name": ""}))
        .await;
    assert_eq!(r.json()["name"], "Stripe (prod, renamed)");
    // Rejected directions are checked on PUT as well.
    let r = api
        .put(
            &format!("/connections/{id}"),
            json!({"sync_config": {"plan": {"inbound": false, "outbound": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);

    let cb = api
        .post(
            "/connections",
            json!({"name": "CB", "provider_type": "chargebee",
                   "encrypted_secret_data": {"site": "acme-test", "api_key": "k",
                       "webhook_username": "u1", "webhook_password": "p1"}}),
        )
        .await;
    assert_eq!(cb.status, StatusCode::CREATED, "{}", cb.text);
    let cb_id = cb.json()["id"].as_str().unwrap().to_owned();
    api.put(
        &format!("/connections/{cb_id}"),
        json!({"encrypted_secret_data": {"webhook_username": "u2"}}),
    )
    .await;
    assert_eq!(
        api.emu().connection_secrets(&cb_id).unwrap()["webhook_username"],
        "u1"
    );
    api.put(
        &format!("/connections/{cb_id}"),
        json!({"encrypted_secret_data": {"webhook_username": "u2", "webhook_password": "p2", "api_key": "k2"}}),
    )
    .await;
    let secrets = api.emu().connection_secrets(&cb_id).unwrap();
    assert_eq!(secrets["webhook_username"], "u2");
    assert_eq!(secrets["webhook_password"], "p2");
    assert_eq!(secrets["api_key"], "k", "api_key is not rotatable");
}

/// §8 #3: the connections envelope is flat, its `offset` is the request offset, and `connections` is `null`
/// when empty.
#[tokio::test]
async fn s8_03_connections_list_envelope_and_null_when_empty() {
    let api = Api::start().await;
    let r = api.get("/connections").await;
    assert_eq!(r.status, StatusCode::OK);
    assert_eq!(
        r.json(),
        json!({"connections": null, "total": 0, "limit": 50, "offset": 0})
    );
    let created = api.post("/connections", stripe_request()).await.json();
    let r = api.get("/connections").await.json();
    assert_eq!(r["total"], 1);
    assert_eq!(r["offset"], 0);
    assert_eq!(r["connections"], json!([created]));
    let expected = fixture("list-connections-response.json");
    assert_eq!(
        without_generated(r["connections"][0].clone()),
        without_generated(expected["connections"][0].clone())
    );
    // Past the end: null again, offset echoed.
    let r = api.get("/connections?offset=5&limit=2").await.json();
    assert_eq!(
        r,
        json!({"connections": null, "total": 1, "limit": 2, "offset": 5})
    );
    let r = api
        .post("/connections/search", json!({"provider_type": "stripe"}))
        .await
        .json();
    assert_eq!(r["total"], 1);
    let r = api
        .post("/connections/search", json!({"provider_type": "hubspot"}))
        .await
        .json();
    assert_eq!(r["connections"], Value::Null);
}

/// §8 #4: one published connection per provider type (409 with `existing_connection_id`), `s3` exempt; DELETE
/// archives, GET then 404s and a new one may be created.
#[tokio::test]
async fn s8_04_one_published_connection_per_provider_except_s3() {
    let api = Api::start().await;
    let first = api.post("/connections", stripe_request()).await.json();
    let first_id = first["id"].as_str().unwrap().to_owned();
    let r = api.post("/connections", stripe_request()).await;
    assert_eq!(r.status, StatusCode::CONFLICT);
    let mut expected = fixture("error-409-connection-exists.json");
    expected["details"]["existing_connection_id"] = Value::String(first_id.clone());
    assert_eq!(r.json(), expected);

    for _ in 0..2 {
        let r = api
            .post("/connections", fixture("create-connection-request.s3.json"))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    }

    assert_eq!(
        api.delete(&format!("/connections/{first_id}")).await.status,
        StatusCode::NO_CONTENT
    );
    let r = api.get(&format!("/connections/{first_id}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
    assert_eq!(
        api.delete(&format!("/connections/{first_id}")).await.status,
        StatusCode::NOT_FOUND
    );
    let again = api.post("/connections", stripe_request()).await;
    assert_eq!(again.status, StatusCode::CREATED);
    assert_ne!(again.json()["id"], Value::String(first_id));
    assert_eq!(api.emu().connection_count(), 4);
    assert_eq!(api.emu().published_connection_count(), 3);
}

/// §8 #5: the current error shape, the ad-hoc 401/403 bodies, plain-text 404, and (knob) the legacy shape.
#[tokio::test]
async fn s8_05_error_shapes_current_adhoc_plain_and_legacy() {
    let api = Api::start().await;
    let missing = "cust_01K3F7Q2W8Z5N6M4R9T1V0X2YZ";
    let r = api.get(&format!("/customers/{missing}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json(), fixture("error-404-not-found.json"));

    let r = api.raw(Method::GET, "/customers", None, None, &[]).await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json(), fixture("error-401-auth.json"));
    let r = api
        .raw(Method::GET, "/customers", Some("wrong"), None, &[])
        .await;
    assert_eq!(r.status, StatusCode::UNAUTHORIZED);
    assert_eq!(r.json(), json!({"error": "Unauthorized"}));

    api.emu().add_api_key("sk_read", KeyScope::ReadOnly);
    let r = api
        .raw(
            Method::POST,
            "/customers",
            Some("sk_read"),
            Some(r#"{"external_id":"x","name":"X"}"#),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert_eq!(r.json(), fixture("error-403-rbac.json"));
    let r = api
        .raw(
            Method::POST,
            "/customers/search",
            Some("sk_read"),
            Some("{}"),
            &[],
        )
        .await;
    assert_eq!(r.status, StatusCode::OK, "search is a read");

    let r = api.get("/no-such-route").await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.text, "404 page not found");
    assert!(
        r.headers["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/plain")
    );

    api.emu().set_legacy_errors(true);
    let r = api.get(&format!("/customers/{missing}")).await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(
        r.json(),
        json!({"success": false, "error": {
            "message": format!("Customer with ID {missing} was not found"),
            "internal_error": "ent: customer not found",
            "details": {"customer_id": missing}
        }})
    );
    // Middleware errors keep their own shape.
    let r = api.raw(Method::GET, "/customers", None, None, &[]).await;
    assert_eq!(r.json(), json!({"error": "Unauthorized"}));
}

/// §8 #6: validation `details` are keyed by Go struct field names.
#[tokio::test]
async fn s8_06_validation_details_use_go_field_names() {
    let api = Api::start().await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "acct_1", "address_country": "XX"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json(), fixture("error-400-validation.json"));

    let r = api
        .post(
            "/customers",
            json!({"name": "N", "email": "not-an-email", "contact": "123456789012345678901",
                   "address_postal_code": "123456789012345678901", "address_country": "USA"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    let s = "CreateCustomerRequest";
    assert_eq!(
        r.json(),
        json!({
            "code": "validation_error",
            "message": "Request validation failed",
            "http_status_code": 400,
            "details": {
                "ExternalID": validation_detail(s, "ExternalID", "required"),
                "Email": validation_detail(s, "Email", "email"),
                "Contact": validation_detail(s, "Contact", "max"),
                "AddressPostalCode": validation_detail(s, "AddressPostalCode", "max"),
                "AddressCountry": validation_detail(s, "AddressCountry", "len"),
            }
        })
    );
    assert_eq!(api.emu().customer_count(), 0);

    let id = api.customer("acct_2", json!({})).await;
    let r = api
        .put(&format!("/customers/{id}"), json!({"email": "nope"}))
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(
        r.json()["details"],
        json!({"Email": validation_detail("UpdateCustomerRequest", "Email", "email")})
    );
}

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

/// §8 #15: `Idempotency-Key` has no effect (a replay is a 409), and no rate-limit headers are sent.
#[tokio::test]
async fn s8_15_idempotency_key_is_ignored_and_no_rate_limit_headers() {
    let api = Api::start().await;
    let body = r#"{"external_id":"acct_idem","name":"I"}"#;
    let headers = [("idempotency-key", "same-key")];
    let first = api
        .raw(Method::POST, "/customers", Some(KEY), Some(body), &headers)
        .await;
    assert_eq!(first.status, StatusCode::CREATED);
    assert!(
        first
            .headers
            .keys()
            .all(|k| !k.as_str().starts_with("x-ratelimit") && k != "retry-after")
    );
    let second = api
        .raw(Method::POST, "/customers", Some(KEY), Some(body), &headers)
        .await;
    assert_eq!(second.status, StatusCode::CONFLICT);
    assert_eq!(
        second.json()["details"],
        json!({"external_id": "acct_idem"})
    );
    assert_eq!(api.emu().customer_count(), 1);
}

/// §8 #16: routes outside the spec exist (`GET /v1/customers`, `PUT /v1/customers/{id}`), and unknown or
/// SDK-drift fields are ignored rather than rejected.
#[tokio::test]
async fn s8_16_unspecified_routes_exist_and_unknown_fields_are_ignored() {
    let api = Api::start().await;
    let r = api
        .post(
            "/customers",
            json!({"external_id": "acct_d", "name": "D", "parent_customer_id": "cust_X",
                   "billing_currency": "usd", "tax_treatment": "exempt", "skip_onboarding_workflow": true}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let body = r.json();
    assert!(body.get("parent_customer_id").is_none());
    let id = body["id"].as_str().unwrap();
    assert_eq!(api.get("/customers").await.status, StatusCode::OK);
    assert_eq!(
        api.put(&format!("/customers/{id}"), json!({"name": "D2"}))
            .await
            .status,
        StatusCode::OK
    );
}

// ---------------------------------------------------------------------------------------------------------
// Basics
// ---------------------------------------------------------------------------------------------------------

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
async fn malformed_bodies_are_400_invalid_request_format() {
    let api = Api::start().await;
    let bad = fixture("error-400-bad-json.json");
    for body in [
        "{not json",
        "",
        "[]",
        r#"{"external_id": 42, "name": "N"}"#,
        r#"{"external_id": "a", "name": "N", "metadata": {"n": 1}}"#,
        r#"{"external_id": "a", "name": "N", "metadata": "x"}"#,
        r#"{"external_id": "a", "name": "N", "tax_rate_overrides": {}}"#,
    ] {
        let r = api
            .raw(Method::POST, "/customers", Some(KEY), Some(body), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json(), bad, "{body}");
    }
    for body in [
        "{",
        r#"{"name": 1, "provider_type": "stripe"}"#,
        r#"{"name": "n", "provider_type": "stripe", "sync_config": {"plan": {"inbound": "yes"}}}"#,
        r#"{"name": "n", "provider_type": "stripe", "encrypted_secret_data": []}"#,
    ] {
        let r = api
            .raw(Method::POST, "/connections", Some(KEY), Some(body), &[])
            .await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}");
        assert_eq!(r.json(), bad, "{body}");
    }
    assert_eq!(api.emu().customer_count() + api.emu().connection_count(), 0);
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

#[tokio::test]
async fn connection_create_fixtures_and_secrets_never_returned() {
    let api = Api::start().await;
    let r = api.post("/connections", stripe_request()).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let created = r.json();
    assert_eq!(
        without_generated(created.clone()),
        without_generated(fixture("create-connection-response.stripe.json"))
    );
    assert!(!r.text.contains("sk_live"), "secrets leak: {}", r.text);
    let id = created["id"].as_str().unwrap();
    let got = api.get(&format!("/connections/{id}")).await;
    assert_eq!(got.json(), created);
    assert!(!got.text.contains("secret"));

    for name in [
        "create-connection-request.hubspot.json",
        "create-connection-request.s3.json",
    ] {
        let req = fixture(name);
        let r = api.post("/connections", req.clone()).await;
        assert_eq!(r.status, StatusCode::CREATED, "{name}: {}", r.text);
        let body = r.json();
        assert_eq!(body["sync_config"], req["sync_config"], "{name}");
        assert!(body.get("metadata").is_none(), "metadata omitted when null");
        assert!(!r.text.contains("AKIA") && !r.text.contains("pat-na1"));
    }

    // No sync_config stored: every entity false (the defaults fixture).
    let r = api
        .post(
            "/connections",
            json!({"name": "Razorpay", "provider_type": "razorpay",
                   "encrypted_secret_data": {"key_id": "rzp", "secret_key": "s"}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED);
    assert_eq!(
        without_generated(r.json()),
        without_generated(fixture("get-connection-response.defaults.json"))
    );

    let r = api
        .post(
            "/connections",
            json!({"name": "X", "provider_type": "paypal"}),
        )
        .await;
    assert_eq!(r.status, StatusCode::BAD_REQUEST);
    assert_eq!(r.json()["message"], "Invalid secret provider");
    let r = api
        .get("/connections/conn_01K3F8A2B3C4D5E6F7G8H9J0ZZ")
        .await;
    assert_eq!(r.status, StatusCode::NOT_FOUND);
    assert_eq!(r.json()["code"], "not_found");
}

#[tokio::test]
async fn connection_rejected_sync_directions_and_provider_checks() {
    let api = Api::start().await;
    for (entity, direction) in [
        ("plan", "outbound"),
        ("subscription", "outbound"),
        ("invoice", "inbound"),
        ("deal", "inbound"),
        ("quote", "inbound"),
        ("price", "inbound"),
    ] {
        let mut req = stripe_request();
        req["sync_config"] = json!({ entity: { direction: true } });
        let r = api.post("/connections", req).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{entity}.{direction}");
        assert_eq!(r.json()["code"], "validation_error");
    }
    // The allowed directions pass, and missing bools are serialised as false.
    let mut req = stripe_request();
    req["sync_config"] = json!({"plan": {"inbound": true}, "invoice": {"outbound": true},
                                "payment": {"inbound": true, "outbound": true}});
    let r = api.post("/connections", req).await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    assert_eq!(
        r.json()["sync_config"],
        json!({"plan": {"inbound": true, "outbound": false},
               "invoice": {"inbound": false, "outbound": true},
               "payment": {"inbound": true, "outbound": true}})
    );

    let checks = [
        json!({"provider_type": "chargebee", "encrypted_secret_data": {"site": "acme.chargebee.com",
            "api_key": "k", "webhook_username": "u", "webhook_password": "p"}}),
        json!({"provider_type": "quickbooks", "encrypted_secret_data": {"client_id": "c",
            "client_secret": "s", "realm_id": "r", "environment": "staging"}}),
        json!({"provider_type": "aws_marketplace", "encrypted_secret_data": {"role_arn": "arn", "external_id": "e"}}),
        json!({"provider_type": "gcp_marketplace", "encrypted_secret_data": {"credentials_json": "{}"}}),
        json!({"provider_type": "s3", "encrypted_secret_data": {"aws_access_key_id": "a",
            "aws_secret_access_key": "b"}, "sync_config": {"s3": {"bucket": "b"}}}),
        json!({"provider_type": "s3", "encrypted_secret_data": {"aws_access_key_id": "a",
            "aws_secret_access_key": "b"}, "sync_config": {"s3": {"bucket": "b", "region": "r", "compression": "zip"}}}),
    ];
    for mut body in checks {
        body["name"] = json!("checked");
        let r = api.post("/connections", body.clone()).await;
        assert_eq!(r.status, StatusCode::BAD_REQUEST, "{body}: {}", r.text);
    }
    let r = api
        .post(
            "/connections",
            json!({"name": "AWS", "provider_type": "aws_marketplace",
                   "encrypted_secret_data": {"role_arn": "arn", "external_id": "e"},
                   "sync_config": {"aws_marketplace": {"region": "us-east-1"}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
    let r = api
        .post(
            "/connections",
            json!({"name": "managed", "provider_type": "s3",
                   "encrypted_secret_data": {"aws_access_key_id": "a", "aws_secret_access_key": "b"},
                   "sync_config": {"s3": {"is_flexprice_managed": true}}}),
        )
        .await;
    assert_eq!(r.status, StatusCode::CREATED, "{}", r.text);
}

#[tokio::test]
async fn request_log_counts_every_request_and_echoes_request_id() {
    let api = Api::start().await;
    assert_eq!(api.emu().request_count(), 0);
    api.raw(Method::GET, "/customers", None, None, &[]).await;
    api.get("/nothing-here").await;
    let r = api
        .raw(
            Method::POST,
            "/customers",
            Some(KEY),
            Some(r#"{"external_id":"log","name":"L"}"#),
            &[("x-request-id", "req-123")],
        )
        .await;
    assert_eq!(r.headers["x-request-id"], "req-123");
    let generated = api.get("/customers").await;
    assert_eq!(generated.headers["x-request-id"].len(), 26);
    assert_eq!(api.emu().request_count(), 4);
    let log = api.emu().requests();
    assert_eq!(
        log.iter().map(|r| r.status).collect::<Vec<_>>(),
        [Some(401), Some(404), Some(201), Some(200)]
    );
    let post = &log[2];
    assert_eq!(post.method, "POST");
    assert_eq!(post.path, "/v1/customers");
    assert_eq!(post.header("X-API-KEY"), Some(KEY));
    assert_eq!(
        post.json(),
        Some(json!({"external_id": "log", "name": "L"}))
    );
    assert_eq!(log[3].query, None);
    api.get("/customers?limit=5").await;
    assert_eq!(
        api.emu().last_request().unwrap().query.as_deref(),
        Some("limit=5")
    );
    api.emu().clear_requests();
    assert_eq!(api.emu().request_count(), 0);
    assert_eq!(api.emu().customer_count(), 1);
}

#[tokio::test]
async fn router_can_be_mounted_without_serve() {
    // The router is an ordinary axum Router: serve it on our own listener.
    let emulator = FlexpriceEmulator::new(KEY);
    let app = unibill_testkit::emulators::flexprice::router(Arc::clone(&emulator));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let server = tokio::spawn(async move {
        let _ = axum_serve(listener, app).await;
    });
    let r = reqwest::Client::new()
        .get(format!("http://{addr}/v1/customers"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(emulator.request_count(), 1);
    server.abort();
}

async fn axum_serve(listener: tokio::net::TcpListener, app: axum::Router) -> std::io::Result<()> {
    axum::serve(listener, app).await
}

/// §1: keep `/v1` and no trailing slash: gin redirects a trailing slash (301 for GET, 307 otherwise).
#[tokio::test]
async fn trailing_slash_is_redirected_not_served() {
    let api = Api::start().await;
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let base = api.served.base_url();
    let r = client
        .get(format!("{base}/customers/?limit=1"))
        .header("x-api-key", KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::MOVED_PERMANENTLY);
    assert_eq!(r.headers()["location"], "/v1/customers?limit=1");
    let r = client
        .post(format!("{base}/customers/"))
        .header("x-api-key", KEY)
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::TEMPORARY_REDIRECT);
    assert_eq!(api.emu().customer_count(), 0);
}
