//! Wire tests: per operation the exact method, path, query, headers and JSON body against the fixtures, and
//! every response fixture (plus the quirks without one) decoded.

mod support;

use serde_json::json;
use support::{API_KEY, FnRig, fixture, fixture_json};
use unibill_core::{
    Address, ConnectionId, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionSettings, ConnectionStatus, ConnectionUpdate, CustomerId, CustomerListQuery,
    CustomerStatus, CustomerUpdate, JsonObject, Metadata, NewConnection, NewCustomer,
    S3Compression, S3Encryption, S3ExportSettings, SyncConfig, SyncDirection,
};
use unibill_flexprice::SecretsForm;
use unibill_testkit::{RecordedRequest, Reply};

/// The headers every request carries: the key in `x-api-key`, JSON accepted, no `Authorization`.
fn assert_headers(r: &RecordedRequest, has_body: bool) {
    assert_eq!(r.header("x-api-key"), Some(API_KEY));
    assert_eq!(r.header("accept"), Some("application/json"));
    assert!(r.header("authorization").is_none());
    if has_body {
        assert_eq!(r.header("content-type"), Some("application/json"));
    } else {
        assert!(r.body.is_empty());
    }
}

fn body(r: &RecordedRequest) -> serde_json::Value {
    serde_json::from_slice(&r.body).unwrap()
}

fn fixture_customer() -> NewCustomer {
    NewCustomer::builder("acct_42", "Acme Corp")
        .email("billing@acme.example")
        .contact("+14155550123")
        .address(
            Address::builder()
                .line1("123 Commerce Street")
                .line2("Suite 400")
                .city("San Francisco")
                .state("CA")
                .postal_code("94105")
                .country("US")
                .build()
                .unwrap(),
        )
        .time_zone("America/Los_Angeles")
        .metadata(
            Metadata::new()
                .with("crm_id", "0010X000abcdef")
                .with("tier", "enterprise"),
        )
        .build()
        .unwrap()
}

#[tokio::test]
async fn customer_create_request_and_response() {
    let rig = FnRig::new(|_| Reply::json(201, fixture("create-customer-response.json"))).await;
    let c = rig.customers().create(fixture_customer()).await.unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/customers")
    );
    assert_eq!(r.query, None);
    assert_headers(&r, true);
    assert_eq!(body(&r), fixture_json("create-customer-request.json"));

    assert_eq!(c.id.as_str(), "cust_01K3F7Q2W8Z5N6M4R9T1V0X2YB");
    assert_eq!(c.email.as_deref(), Some("billing@acme.example"));
    assert_eq!(c.contact.as_deref(), Some("+14155550123"));
    let a = c.address.as_ref().unwrap();
    assert_eq!(a.country.as_deref(), Some("US"), "upper-case country kept");
    assert_eq!(a.line2.as_deref(), Some("Suite 400"));
    assert_eq!(c.time_zone.as_deref(), Some("America/Los_Angeles"));
    assert_eq!(c.metadata.get("tier"), Some("enterprise"));
    assert_eq!(c.status, CustomerStatus::Active);
    assert_eq!(c.provider, "flexprice");
    assert_eq!(c.created_at.unwrap().subsec_nanosecond(), 123_456_789);
    // The raw JSON is the answer's text, byte for byte (no re-serialisation).
    assert_eq!(
        c.raw.unwrap().get(),
        fixture("create-customer-response.json").trim_end()
    );
}

#[tokio::test]
async fn customer_create_always_sends_a_metadata_object() {
    let rig = FnRig::new(|_| Reply::json(201, fixture("create-customer-response.json"))).await;
    let input = NewCustomer::builder("acct_9", "Nine").build().unwrap();
    rig.customers().create(input).await.unwrap();
    assert_eq!(
        body(&rig.only_request()),
        json!({"external_id": "acct_9", "name": "Nine", "metadata": {}})
    );
}

#[tokio::test]
async fn customer_get_and_get_by_external_id() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("create-customer-response.json"))).await;
    rig.customers()
        .get(CustomerId::new("cust_01K3F7Q2W8Z5N6M4R9T1V0X2YB"))
        .await
        .unwrap();
    rig.customers()
        .get_by_external_id("acct 42?#".to_owned())
        .await
        .unwrap();
    let requests = rig.server.requests();
    assert_eq!(requests[0].method, "GET");
    assert_eq!(
        requests[0].path,
        "/v1/customers/cust_01K3F7Q2W8Z5N6M4R9T1V0X2YB"
    );
    assert_headers(&requests[0], false);
    assert_eq!(requests[1].path, "/v1/customers/external/acct%2042%3F%23");
    assert_eq!(requests[1].query, None);
    assert_headers(&requests[1], false);
}

#[tokio::test]
async fn customer_get_by_external_id_with_a_slash_uses_the_filter() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("list-customers-response.json"))).await;
    let c = rig
        .customers()
        .get_by_external_id("org/acct_43".to_owned())
        .await
        .unwrap();
    assert_eq!(c.external_id, "acct_43");
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/customers")
    );
    assert_eq!(
        r.query_pairs(),
        [
            ("external_id".to_owned(), "org/acct_43".to_owned()),
            ("limit".to_owned(), "1".to_owned())
        ]
    );
}

#[tokio::test]
async fn customer_list_request_quirks_and_cursor() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("list-customers-response.json"))).await;
    let page = rig
        .customers()
        .list(CustomerListQuery::new().limit(2))
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/customers")
    );
    assert_headers(&r, false);
    let q = r.query_pairs();
    let pairs: Vec<(&str, &str)> = q.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    assert_eq!(pairs, [("limit", "2"), ("offset", "0"), ("order", "asc")]);
    // total 2 at offset 0: done, whatever `pagination.offset` (50) says.
    assert_eq!(page.items.len(), 2);
    assert!(page.next_cursor.is_none());
    let globex = &page.items[0];
    assert_eq!(globex.email, None, "\"\" is unset");
    assert_eq!(globex.address, None);
    assert_eq!(globex.contact, None);
    assert!(globex.metadata.is_empty(), "metadata: null is empty");
    assert_eq!(globex.time_zone.as_deref(), Some("UTC"));
    assert_eq!(globex.created_at.unwrap().subsec_nanosecond(), 412_345_000);
    assert!(globex.raw.as_ref().unwrap().get().starts_with('{'));
}

#[tokio::test]
async fn customer_list_next_offset_comes_from_what_was_sent() {
    let page = json!({"items": [{"id": "cust_1"}, {"id": "cust_2"}], "pagination": {"total": 5, "limit": 2, "offset": 2}});
    let rig = FnRig::new(move |_| Reply::json(200, page.to_string())).await;
    let first = rig
        .customers()
        .list(CustomerListQuery::new().limit(2))
        .await
        .unwrap();
    let cursor = first.next_cursor.expect("more pages");
    rig.customers()
        .list(CustomerListQuery::new().limit(2).cursor(cursor))
        .await
        .unwrap();
    let second = &rig.server.requests()[1];
    assert!(
        second
            .query_pairs()
            .contains(&("offset".into(), "2".into()))
    );
}

#[tokio::test]
async fn customer_update_put_semantics() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("create-customer-response.json"))).await;
    let update = CustomerUpdate::builder()
        .name("Acme Corporation")
        .email("ap@acme.example")
        .metadata(
            Metadata::new()
                .with("crm_id", "0010X000abcdef")
                .with("tier", "enterprise")
                .with("region", "us-west"),
        )
        .build()
        .unwrap();
    rig.customers()
        .update(CustomerId::new("cust_01K3F7Q2W8Z5N6M4R9T1V0X2YB"), update)
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("PUT", "/v1/customers/cust_01K3F7Q2W8Z5N6M4R9T1V0X2YB")
    );
    assert_headers(&r, true);
    assert_eq!(body(&r), fixture_json("update-customer-request.json"));
}

#[tokio::test]
async fn customer_update_clears_with_empty_strings() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("create-customer-response.json"))).await;
    let update = CustomerUpdate::builder()
        .clear_email()
        .clear_contact()
        .clear_time_zone()
        .clear_address()
        .clear_metadata()
        .build()
        .unwrap();
    rig.customers()
        .update(CustomerId::new("cust_1"), update)
        .await
        .unwrap();
    assert_eq!(
        body(&rig.only_request()),
        json!({
            "email": "", "contact": "", "timezone": "",
            "address_line1": "", "address_line2": "", "address_city": "", "address_state": "",
            "address_postal_code": "", "address_country": "",
            "metadata": {}
        })
    );
}

#[tokio::test]
async fn customer_update_address_replaces_every_part() {
    let rig = FnRig::new(|_| Reply::json(200, fixture("create-customer-response.json"))).await;
    let address = Address::builder()
        .city("Berlin")
        .country("DE")
        .build()
        .unwrap();
    rig.customers()
        .update(
            CustomerId::new("cust_1"),
            CustomerUpdate::builder().address(address).build().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(
        body(&rig.only_request()),
        json!({
            "address_line1": "", "address_line2": "", "address_city": "Berlin", "address_state": "",
            "address_postal_code": "", "address_country": "DE"
        })
    );
}

#[tokio::test]
async fn customer_delete() {
    let rig = FnRig::new(|_| Reply::status(204)).await;
    rig.customers()
        .delete(CustomerId::new("cust_1"))
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/v1/customers/cust_1")
    );
    assert_headers(&r, false);
}

fn stripe_fixture_input() -> NewConnection {
    let mut metadata = JsonObject::new();
    metadata.insert("invoice_sync_enable".into(), true.into());
    NewConnection::builder("Stripe (production)", ConnectionProviderType::Stripe)
        .secrets(ConnectionSecrets::Stripe {
            publishable_key: "pk_live_51Hxxxxxxxxxxxxxxxx".into(),
            secret_key: "sk_live_51Hxxxxxxxxxxxxxxxx".into(),
            webhook_secret: "whsec_xxxxxxxxxxxxxxxxxxxxxxxx".into(),
            account_id: Some("acct_1Hxxxxxxxxxxxxxx".into()),
        })
        .metadata(metadata)
        .sync_config(SyncConfig {
            customer: Some(SyncDirection::BOTH),
            invoice: Some(SyncDirection::OUTBOUND),
            plan: Some(SyncDirection::default()),
            subscription: Some(SyncDirection::default()),
            ..Default::default()
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn connection_create_stripe_flat_secrets() {
    let rig =
        FnRig::new(|_| Reply::json(201, fixture("create-connection-response.stripe.json"))).await;
    let c = rig
        .connections()
        .create(stripe_fixture_input())
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("POST", "/v1/connections")
    );
    assert_eq!(r.query, None);
    assert_headers(&r, true);
    assert_eq!(
        body(&r),
        fixture_json("create-connection-request.stripe.json")
    );
    assert_eq!(c.id.as_str(), "conn_01K3F8A2B3C4D5E6F7G8H9J0KM");
    assert_eq!(c.provider_type, ConnectionProviderType::Stripe);
    assert_eq!(c.sync_config.customer, Some(SyncDirection::BOTH));
    assert_eq!(c.sync_config.payment, None);
    assert_eq!(c.metadata["invoice_sync_enable"], true);
    assert_eq!(c.status, ConnectionStatus::Active);
}

#[tokio::test]
async fn connection_create_s3_and_hubspot_requests() {
    let rig =
        FnRig::new(|_| Reply::json(201, fixture("create-connection-response.stripe.json"))).await;
    let s3 = NewConnection::builder("Nightly S3 export", ConnectionProviderType::S3)
        .secrets(ConnectionSecrets::s3(
            "AKIAXXXXXXXXXXXXXXXX",
            "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
        ))
        .settings(ConnectionSettings {
            s3_export: Some(S3ExportSettings {
                bucket: Some("acme-billing-exports".into()),
                region: Some("us-west-2".into()),
                key_prefix: Some("flexprice/".into()),
                compression: Some(S3Compression::Gzip),
                encryption: Some(S3Encryption::Aes256),
                flexprice_managed: false,
            }),
            ..Default::default()
        })
        .build()
        .unwrap();
    rig.connections().create(s3).await.unwrap();
    let hubspot = NewConnection::builder("HubSpot CRM", ConnectionProviderType::HubSpot)
        .secrets(ConnectionSecrets::HubSpot {
            access_token: "pat-na1-xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".into(),
            client_secret: "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx".into(),
            app_id: Some("1234567".into()),
        })
        .sync_config(SyncConfig {
            deal: Some(SyncDirection::OUTBOUND),
            invoice: Some(SyncDirection::OUTBOUND),
            ..Default::default()
        })
        .build()
        .unwrap();
    rig.connections().create(hubspot).await.unwrap();
    let requests = rig.server.requests();
    assert_eq!(
        body(&requests[0]),
        fixture_json("create-connection-request.s3.json")
    );
    assert_eq!(
        body(&requests[1]),
        fixture_json("create-connection-request.hubspot.json")
    );
}

#[tokio::test]
async fn connection_create_nested_secrets_only_when_asked() {
    let rig = FnRig::with_form(SecretsForm::Nested, |_| {
        Reply::json(201, fixture("create-connection-response.stripe.json"))
    })
    .await;
    rig.connections()
        .create(stripe_fixture_input())
        .await
        .unwrap();
    let sent = body(&rig.only_request());
    assert_eq!(
        sent["encrypted_secret_data"],
        json!({"stripe": fixture_json("create-connection-request.stripe.json")["encrypted_secret_data"]})
    );
}

#[tokio::test]
async fn connection_get_defaults_and_offset_times() {
    let with_offset = fixture("create-connection-response.stripe.json")
        .replace("2026-08-22T13:10:00Z", "2026-08-22T18:40:00+05:30");
    let rig = FnRig::new(move |r| {
        if r.path.ends_with("KM") {
            Reply::json(200, with_offset.clone())
        } else {
            Reply::json(200, fixture("get-connection-response.defaults.json"))
        }
    })
    .await;
    let c = rig
        .connections()
        .get(ConnectionId::new("conn_01K3F8C4D5E6F7G8H9J0K1M2NP"))
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("GET", "/v1/connections/conn_01K3F8C4D5E6F7G8H9J0K1M2NP")
    );
    assert_headers(&r, false);
    assert_eq!(c.provider_type, ConnectionProviderType::Razorpay);
    assert_eq!(c.sync_config.quote, Some(SyncDirection::default()));
    assert!(c.metadata.is_empty(), "metadata omitted is empty");
    let shifted = rig
        .connections()
        .get(ConnectionId::new("conn_01K3F8A2B3C4D5E6F7G8H9J0KM"))
        .await
        .unwrap();
    assert_eq!(
        shifted.created_at.unwrap(),
        "2026-08-22T13:10:00Z".parse().unwrap()
    );
}

#[tokio::test]
async fn connection_list_request_and_null_list() {
    let rig = FnRig::new(|r| {
        if r.query_pairs().iter().any(|(k, _)| k == "provider_type") {
            Reply::json(
                200,
                r#"{"connections":null,"total":0,"limit":50,"offset":0}"#,
            )
        } else {
            Reply::json(200, fixture("list-connections-response.json"))
        }
    })
    .await;
    let page = rig
        .connections()
        .list(ConnectionListQuery::new())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
    assert!(page.next_cursor.is_none());
    let empty = rig
        .connections()
        .list(
            ConnectionListQuery::new()
                .provider_type(ConnectionProviderType::Tabs)
                .limit(10),
        )
        .await
        .unwrap();
    assert!(empty.items.is_empty() && empty.next_cursor.is_none());
    let requests = rig.server.requests();
    assert_eq!(
        (requests[0].method.as_str(), requests[0].path.as_str()),
        ("GET", "/v1/connections")
    );
    assert_headers(&requests[0], false);
    let pairs = |r: &RecordedRequest| r.query_pairs();
    assert_eq!(
        pairs(&requests[0]),
        [
            ("limit".into(), "50".into()),
            ("offset".into(), "0".into()),
            ("order".into(), "asc".into())
        ]
    );
    assert_eq!(
        pairs(&requests[1]),
        [
            ("limit".into(), "10".into()),
            ("offset".into(), "0".into()),
            ("order".into(), "asc".into()),
            ("provider_type".into(), "tabs".into())
        ]
    );
}

#[tokio::test]
async fn connection_update_request() {
    let rig =
        FnRig::new(|_| Reply::json(200, fixture("create-connection-response.stripe.json"))).await;
    let update = ConnectionUpdate::builder()
        .name("Stripe (prod, renamed)")
        .sync_config(SyncConfig {
            customer: Some(SyncDirection::INBOUND),
            invoice: Some(SyncDirection::OUTBOUND),
            ..Default::default()
        })
        .build()
        .unwrap();
    rig.connections()
        .update(ConnectionId::new("conn_01K3F8A2B3C4D5E6F7G8H9J0KM"), update)
        .await
        .unwrap();
    let requests = rig.server.requests();
    // The current connection is read first: its settings share the replaced `sync_config`.
    assert_eq!(requests[0].method, "GET");
    let put = &requests[1];
    assert_eq!(
        (put.method.as_str(), put.path.as_str()),
        ("PUT", "/v1/connections/conn_01K3F8A2B3C4D5E6F7G8H9J0KM")
    );
    assert_headers(put, true);
    assert_eq!(body(put), fixture_json("update-connection-request.json"));
}

#[tokio::test]
async fn connection_update_name_only_and_metadata_clear_send_one_put() {
    let rig =
        FnRig::new(|_| Reply::json(200, fixture("create-connection-response.stripe.json"))).await;
    let update = ConnectionUpdate::builder()
        .name("x")
        .clear_metadata()
        .build()
        .unwrap();
    rig.connections()
        .update(ConnectionId::new("conn_1"), update)
        .await
        .unwrap();
    assert_eq!(
        body(&rig.only_request()),
        json!({"name": "x", "metadata": {}})
    );
}

#[tokio::test]
async fn connection_delete() {
    let rig = FnRig::new(|_| Reply::status(204)).await;
    rig.connections()
        .delete(ConnectionId::new("conn_1"))
        .await
        .unwrap();
    let r = rig.only_request();
    assert_eq!(
        (r.method.as_str(), r.path.as_str()),
        ("DELETE", "/v1/connections/conn_1")
    );
    assert_headers(&r, false);
}

#[tokio::test]
async fn lenient_decoding_of_unknown_fields_and_values() {
    let odd = json!({
        "id": "cust_x", "status": "frozen", "billing_currency": "usd", "tax_treatment": "exempt",
        "contact_persons": [], "metadata": {"n": 1, "s": "v"}, "created_at": "2026-08-22T13:01:02Z"
    });
    let rig = FnRig::new(move |_| Reply::json(200, odd.to_string())).await;
    let c = rig
        .customers()
        .get(CustomerId::new("cust_x"))
        .await
        .unwrap();
    assert_eq!(c.status, CustomerStatus::Other("frozen".into()));
    assert_eq!((c.external_id.as_str(), c.name.as_str()), ("", ""));
    assert_eq!(c.metadata.get("n"), Some("1"));
    assert_eq!(c.created_at.unwrap().subsec_nanosecond(), 0);
}
