//! Exact requests for every operation (method, path, query with the team scope, headers, JSON body), checked
//! against the shared fixtures, and the decoding of the fixture answers.

mod support;

use rust_decimal_macros::dec;
use serde_json::{Value, json};
use support::{TOKEN, assert_common_headers, body_json, canned, fixture, fixture_json};
use unibill_core::{
    BillingPlanQuery, Currency, IntegrationConfigurationId, Money, NewStore, StoreId,
    StoreMetadataValue, StoreSource, Stores,
};
use unibill_testkit::emulators::vercel::seed;
use unibill_testkit::{Reply, TestServer};
use unibill_vercel::{VercelClient, VercelConfig};

fn full_paid_input() -> NewStore {
    let settings = json!({ "experimentation": { "edgeConfigSyncingEnabled": true } });
    NewStore::builder("my-dev-database", seed::CONFIGURATION_ID, "iap_postgres_db")
        .metadata_entry("region", "iad1")
        .metadata_entry("environment", "development")
        .metadata_entry("replicas", 2)
        .metadata_entry("highAvailability", false)
        .metadata_entry(
            "tags",
            StoreMetadataValue::Strings(vec!["database".into(), "postgres".into()]),
        )
        .external_id("dev-db-001")
        .protocol_settings(settings.as_object().unwrap().clone())
        .source(StoreSource::Marketplace)
        .billing_plan_id("bp_abc123def456")
        .payment_method_id("pm_1AbcDefGhiJklMno")
        .prepayment(Money::new(dec!(50.00), Currency::USD))
        .build()
        .unwrap()
}

fn ok_create() -> Reply {
    Reply::json(200, fixture("create-response-200.json"))
}

#[tokio::test]
async fn minimal_free_create_is_the_fixture_request() {
    let (server, _, _) = canned(|_| ok_create()).await;
    let client = VercelClient::builder(
        VercelConfig::builder(TOKEN)
            .team_id(seed::TEAM_ID)
            .base_url(server.url().as_str())
            .build()
            .unwrap(),
    )
    .resolve_missing_id(false)
    .build()
    .unwrap();
    let input = NewStore::builder("shop-db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap();
    let store = client.create(input).await.unwrap();
    assert_eq!(store.id, None, "the documented answer has no id");
    assert_eq!(store.name.as_deref(), Some("shop-db"));

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/storage/stores/integration/direct");
    assert_eq!(
        r.query_pairs(),
        vec![("teamId".to_owned(), seed::TEAM_ID.to_owned())]
    );
    assert_common_headers(r);
    assert_eq!(r.header("content-type"), Some("application/json"));
    assert_eq!(
        body_json(r),
        fixture_json("create-request-minimal-free.json")
    );
    assert!(
        body_json(r).get("source").is_none(),
        "source only when given"
    );
}

#[tokio::test]
async fn full_paid_prepayment_create_is_the_fixture_request() {
    let (server, client, _) = canned(|_| ok_create()).await;
    client.create(full_paid_input()).await.unwrap();
    let r = &server.requests()[0];
    assert_eq!(r.method, "POST");
    assert_eq!(r.path, "/v1/storage/stores/integration/direct");
    assert_common_headers(r);
    let body = body_json(r);
    assert_eq!(
        body,
        fixture_json("create-request-full-paid-prepayment.json")
    );
    assert!(
        body["prepaymentAmountCents"].is_i64(),
        "whole cents as an integer"
    );
}

#[tokio::test]
async fn the_full_paid_fixture_request_is_accepted_by_the_emulator() {
    let rig = support::emulated().await;
    let store = rig.client.create(full_paid_input()).await.unwrap();
    let id = store.id.clone().unwrap();
    let record = rig.emulator.store_record(id.as_str()).unwrap();
    assert_eq!(record["prepaymentAmountCents"], 5000);
    assert_eq!(record["paymentMethodId"], "pm_1AbcDefGhiJklMno");
    assert_eq!(store.billing_plan.unwrap().id.as_str(), "bp_abc123def456");
}

#[tokio::test]
async fn a_missing_id_is_resolved_through_the_partner_resource() {
    let (server, client, _) = canned(|r| {
        if r.path.starts_with("/v1/installations/") {
            Reply::json(
                200,
                r#"{"id":"neon-proj-morning-sun-12345678","internalId":"store_abc123","name":"shop-db"}"#,
            )
        } else {
            ok_create()
        }
    })
    .await;
    let input = NewStore::builder("shop-db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap();
    let store = client.create(input).await.unwrap();
    assert_eq!(store.id, Some(StoreId::new("store_abc123")));
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[1].method, "GET");
    assert_eq!(
        reqs[1].path,
        "/v1/installations/icfg_cuwj0AdCdH3BwWT4LPijCC7t/resources/neon-proj-morning-sun-12345678"
    );
    assert_eq!(
        reqs[1].query_pairs(),
        vec![("teamId".to_owned(), seed::TEAM_ID.to_owned())]
    );
    assert_common_headers(&reqs[1]);
}

#[tokio::test]
async fn a_failing_id_lookup_leaves_the_id_unset_and_the_create_succeeded() {
    let (server, client, _) = canned(|r| {
        if r.path.starts_with("/v1/installations/") {
            Reply::json(403, r#"{"error":{"code":"forbidden","message":"no"}}"#)
        } else {
            ok_create()
        }
    })
    .await;
    let input = NewStore::builder("shop-db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap();
    let store = client.create(input).await.unwrap();
    assert_eq!(store.id, None);
    assert_eq!(store.external_resource_id, "neon-proj-morning-sun-12345678");
    assert_eq!(
        server.request_count(),
        2,
        "one create, one lookup, no re-send"
    );
}

#[tokio::test]
async fn an_undocumented_id_needs_no_lookup() {
    let (server, client, _) = canned(|_| {
        let mut v: Value = serde_json::from_str(&fixture("create-response-200.json")).unwrap();
        v["store"]["id"] = json!("store_undoc1");
        v["store"]["name"] = json!("shop-db");
        Reply::json(200, v.to_string())
    })
    .await;
    let input = NewStore::builder("shop-db", seed::CONFIGURATION_ID, "neon")
        .build()
        .unwrap();
    let store = client.create(input).await.unwrap();
    assert_eq!(store.id, Some(StoreId::new("store_undoc1")));
    assert_eq!(server.request_count(), 1);
}

#[tokio::test]
async fn get_and_delete_requests() {
    let (server, client, _) = canned(|r| match r.method.as_str() {
        "DELETE" => Reply::status(200),
        _ => ok_create(),
    })
    .await;
    let got = client.get(StoreId::new("store_1")).await.unwrap();
    assert_eq!(
        got.id,
        Some(StoreId::new("store_1")),
        "the asked id fills a missing one"
    );
    client.delete(StoreId::new("store_1")).await.unwrap();
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(
        (reqs[0].method.as_str(), reqs[0].path.as_str()),
        ("GET", "/v1/storage/stores/store_1")
    );
    assert_eq!(
        (reqs[1].method.as_str(), reqs[1].path.as_str()),
        ("DELETE", "/v1/storage/stores/integration/store_1")
    );
    for r in &reqs {
        assert_common_headers(r);
        assert_eq!(
            r.query_pairs(),
            vec![("teamId".to_owned(), seed::TEAM_ID.to_owned())]
        );
        assert!(r.body.is_empty());
    }
}

#[tokio::test]
async fn list_requests_and_fixture_answers() {
    let (server, client, _) = canned(|r| {
        if r.path.ends_with("/plans") {
            Reply::json(200, fixture("billing-plans-list-200.json"))
        } else if r.path.ends_with("/products") {
            Reply::json(200, fixture("configuration-products-200.json"))
        } else {
            Reply::json(200, fixture("configurations-list-200.json"))
        }
    })
    .await;
    let plans = client
        .list_billing_plans(BillingPlanQuery::new("neon", "iap_yhdcQEhzoHZ5tWdg").unwrap())
        .await
        .unwrap();
    assert_eq!(plans.len(), 3);
    let configs = client
        .list_configurations(Some("neon".into()))
        .await
        .unwrap();
    assert_eq!(configs[0].id.as_str(), seed::CONFIGURATION_ID);
    let all = client.list_configurations(None).await.unwrap();
    assert_eq!(all.len(), 1);
    let products = client
        .list_products(IntegrationConfigurationId::new(seed::CONFIGURATION_ID))
        .await
        .unwrap();
    assert!(products[0].is_storage());

    let reqs = server.requests();
    let team = ("teamId".to_owned(), seed::TEAM_ID.to_owned());
    assert_eq!(
        reqs[0].path,
        "/v1/integrations/integration/neon/products/iap_yhdcQEhzoHZ5tWdg/plans"
    );
    assert_eq!(reqs[0].query_pairs(), vec![team.clone()]);
    assert_eq!(reqs[1].path, "/v1/integrations/configurations");
    assert_eq!(
        reqs[1].query_pairs(),
        vec![
            ("view".to_owned(), "account".to_owned()),
            ("integrationIdOrSlug".to_owned(), "neon".to_owned()),
            team.clone()
        ]
    );
    assert_eq!(
        reqs[2].query_pairs(),
        vec![("view".to_owned(), "account".to_owned()), team.clone()]
    );
    assert_eq!(
        reqs[3].path,
        "/v1/integrations/configuration/icfg_cuwj0AdCdH3BwWT4LPijCC7t/products"
    );
    assert_eq!(reqs[3].query_pairs(), vec![team]);
    for r in &reqs {
        assert_eq!(r.method, "GET");
        assert_common_headers(r);
    }
}

/// The metadata of the plans and create requests below: every kind of value, and numbers a float would round.
fn exact_metadata() -> unibill_core::StoreMetadata {
    unibill_core::parse_store_metadata(
        r#"{"replicas": 2, "cpuUnits": 0.25, "highAvailability": false, "tags": ["database", "postgres"],
            "region": "iad1", "weights": [1.5, 12345678901234567890123], "ratio": 3.14159265358979323846}"#,
    )
    .unwrap()
}

const EXACT_METADATA_JSON: &str = r#"{"cpuUnits":0.25,"highAvailability":false,"ratio":3.14159265358979323846,"region":"iad1","replicas":2,"tags":["database","postgres"],"weights":[1.5,12345678901234567890123]}"#;

#[tokio::test]
async fn billing_plans_send_configuration_metadata_and_source_as_the_query_wire_exact() {
    let (server, client, _) =
        canned(|_| Reply::json(200, fixture("billing-plans-list-200.json"))).await;
    let query = BillingPlanQuery::builder("neon", "iap_postgres_db")
        .configuration_id(seed::CONFIGURATION_ID)
        .metadata(exact_metadata())
        .source(StoreSource::Cli)
        .build()
        .unwrap();
    let plans = client.list_billing_plans(query).await.unwrap();
    assert_eq!(plans.len(), 3);

    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.method, "GET");
    assert_eq!(
        r.path,
        "/v1/integrations/integration/neon/products/iap_postgres_db/plans"
    );
    assert_common_headers(r);
    assert!(r.body.is_empty());
    // Form-encoded as URLSearchParams does it; the metadata one compact JSON text, every digit kept.
    let encoded: String =
        unibill_http::url::form_urlencoded::byte_serialize(EXACT_METADATA_JSON.as_bytes())
            .collect();
    assert_eq!(
        r.query.as_deref(),
        Some(
            format!(
                "integrationConfigurationId={}&metadata={encoded}&source=cli&teamId={}",
                seed::CONFIGURATION_ID,
                seed::TEAM_ID
            )
            .as_str()
        )
    );
    assert_eq!(
        r.query_pairs(),
        vec![
            (
                "integrationConfigurationId".to_owned(),
                seed::CONFIGURATION_ID.to_owned()
            ),
            ("metadata".to_owned(), EXACT_METADATA_JSON.to_owned()),
            ("source".to_owned(), "cli".to_owned()),
            ("teamId".to_owned(), seed::TEAM_ID.to_owned()),
        ]
    );
}

#[tokio::test]
async fn billing_plans_with_empty_metadata_send_an_empty_object_and_nothing_else_unasked() {
    let (server, client, _) =
        canned(|_| Reply::json(200, fixture("billing-plans-list-200.json"))).await;
    let query = BillingPlanQuery::builder("neon", "neon")
        .metadata(unibill_core::StoreMetadata::new())
        .build()
        .unwrap();
    client.list_billing_plans(query).await.unwrap();
    assert_eq!(
        server.requests()[0].query.as_deref(),
        Some(format!("metadata=%7B%7D&teamId={}", seed::TEAM_ID).as_str())
    );
}

#[tokio::test]
async fn create_metadata_numbers_keep_every_digit_on_the_wire() {
    let (server, client, _) = canned(|_| ok_create()).await;
    let input = NewStore::builder("pg", seed::CONFIGURATION_ID, "iap_postgres_db")
        .metadata(exact_metadata())
        .build()
        .unwrap();
    client.create(input).await.unwrap();
    let body = server.requests()[0].body_text();
    assert!(
        body.contains(&format!(r#""metadata":{EXACT_METADATA_JSON}"#)),
        "{body}"
    );
}

#[tokio::test]
async fn billing_plans_query_against_the_emulator() {
    let rig = support::emulated().await;
    let for_installation = |metadata: unibill_core::StoreMetadata| {
        BillingPlanQuery::builder(seed::INTEGRATION_SLUG, seed::POSTGRES_PRODUCT_ID)
            .configuration_id(seed::CONFIGURATION_ID)
            .metadata(metadata)
            .source(StoreSource::Cli)
            .build()
            .unwrap()
    };
    let mut m = unibill_core::StoreMetadata::new();
    m.insert("replicas".into(), 2.into());
    m.insert("cpuUnits".into(), rust_decimal_macros::dec!(0.25).into());
    let plans = rig
        .client
        .list_billing_plans(for_installation(m))
        .await
        .unwrap();
    assert_eq!(plans.len(), 4, "the Postgres product's plans");

    // The emulator checks the metadata against the product's schema, as a create would.
    let mut wrong = unibill_core::StoreMetadata::new();
    wrong.insert("replicas".into(), "two".into());
    let err = rig
        .client
        .list_billing_plans(for_installation(wrong))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), unibill_core::ErrorKind::InvalidInput, "{err}");
    assert_eq!(err.field_errors()[0].field, "metadata");
    assert!(
        err.to_string()
            .contains("`metadata.replicas` should be number"),
        "{err}"
    );

    let unknown = BillingPlanQuery::builder(seed::INTEGRATION_SLUG, seed::NEON_PRODUCT_SLUG)
        .configuration_id("icfg_nope")
        .build()
        .unwrap();
    let err = rig.client.list_billing_plans(unknown).await.unwrap_err();
    assert_eq!(err.kind(), unibill_core::ErrorKind::NotFound, "{err}");
}

#[tokio::test]
async fn slug_scope_and_personal_account() {
    let server = TestServer::from_fn(|_| Reply::json(200, "[]")).await;
    for (team, expected) in [
        (
            Some("acme"),
            vec![
                ("view".to_owned(), "account".to_owned()),
                ("slug".to_owned(), "acme".to_owned()),
            ],
        ),
        (None, vec![("view".to_owned(), "account".to_owned())]),
    ] {
        let mut b = VercelConfig::builder(TOKEN).base_url(server.url().as_str());
        if let Some(slug) = team {
            b = b.team_slug(slug);
        }
        let client = VercelClient::new(b.build().unwrap()).unwrap();
        client.list_configurations(None).await.unwrap();
        assert_eq!(server.requests().last().unwrap().query_pairs(), expected);
    }
}

#[tokio::test]
async fn ids_are_one_path_segment_each() {
    let (server, client, _) = canned(|_| ok_create()).await;
    client.get(StoreId::new("a/b?c")).await.unwrap();
    assert_eq!(server.requests()[0].path, "/v1/storage/stores/a%2Fb%3Fc");
}
