//! Faults against the emulator: lost answers (the price create among them: acceptance 4), 503s, and the safety
//! class of each write. Retries take no wall-clock time (recording sleeper).

mod support;

use rust_decimal_macros::dec;
use support::EmuRig;
use unibill_core::{
    Address, Billing, ConnectionProviderType, ConnectionSecrets, ConnectionSettings, Currency,
    CustomerListQuery, ErrorKind, Interval, Money, NewConnection, NewCustomer, NewPrice, PriceKind,
    PriceListQuery, Prices, PricesExt, S3ExportSettings, SyncConfig, SyncDirection,
};
use unibill_testkit::Fault;

fn customer(external_id: &str) -> NewCustomer {
    NewCustomer::builder(external_id, "Ada")
        .email("ada@example.com")
        .build()
        .unwrap()
}

fn stripe(name: &str) -> NewConnection {
    NewConnection::builder(name, ConnectionProviderType::Stripe)
        .secrets(ConnectionSecrets::stripe("pk_1", "sk_1", "whsec_1"))
        .build()
        .unwrap()
}

fn s3() -> NewConnection {
    NewConnection::builder("Exports", ConnectionProviderType::S3)
        .secrets(ConnectionSecrets::s3("AKIA1", "secret1"))
        .settings(ConnectionSettings {
            s3_export: Some(S3ExportSettings {
                bucket: Some("b".into()),
                region: Some("eu-west-1".into()),
                ..Default::default()
            }),
            ..Default::default()
        })
        .build()
        .unwrap()
}

#[tokio::test]
async fn customer_create_whose_answer_is_lost_returns_the_one_customer() {
    let rig = EmuRig::new().await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let created = rig.customers().create(customer("lost-1")).await.unwrap();
    assert_eq!(rig.emulator.published_customer_count(), 1);
    assert_eq!(created.external_id, "lost-1");
    let stored = rig.emulator.customer(created.id.as_str()).unwrap();
    assert_eq!(stored["external_id"], "lost-1");
    assert_eq!(rig.sleeper.delays().len(), 1, "one retry");
}

#[tokio::test]
async fn customer_create_lost_when_someone_else_holds_the_key_is_already_exists() {
    let rig = EmuRig::new().await;
    let theirs = rig
        .customers()
        .create(
            NewCustomer::builder("taken", "Someone Else")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    rig.server.push_fault(Fault::CloseBeforeHandling);
    let err = rig.customers().create(customer("taken")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some(theirs.id.as_str()));
}

#[tokio::test]
async fn two_503s_then_success() {
    let rig = EmuRig::new().await;
    rig.server.push_faults(Fault::status(503), 2);
    let created = rig.customers().create(customer("busy")).await.unwrap();
    assert_eq!(created.external_id, "busy");
    assert_eq!(rig.sleeper.delays().len(), 2);
    assert_eq!(rig.emulator.published_customer_count(), 1);
    rig.server.push_faults(Fault::status(503), 2);
    let page = rig
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 1);
}

#[tokio::test]
async fn s3_connection_create_whose_answer_is_lost_is_outcome_unknown_after_one_request() {
    let rig = EmuRig::new().await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let err = rig.connections().create(s3()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1, "never sent twice");
    assert!(rig.sleeper.delays().is_empty());
}

#[tokio::test]
async fn stripe_connection_create_whose_first_answer_is_lost_returns_the_connection() {
    let rig = EmuRig::new().await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let created = rig
        .connections()
        .create(stripe("Stripe live"))
        .await
        .unwrap();
    assert_eq!(created.name, "Stripe live");
    assert_eq!(rig.emulator.published_connection_count(), 1);
    let secrets = rig
        .emulator
        .connection_secrets(created.id.as_str())
        .unwrap();
    assert_eq!(secrets["secret_key"], "sk_1", "flat secrets are stored");
}

#[tokio::test]
async fn stripe_connection_create_when_the_type_already_had_one_is_already_exists() {
    let rig = EmuRig::new().await;
    let first = rig.connections().create(stripe("First")).await.unwrap();
    let err = rig
        .connections()
        .create(stripe("Second"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some(first.id.as_str()));
    assert_eq!(err.provider_code(), Some("already_exists"));
    // The same after a lost first attempt: the lookup finds another name.
    rig.server.push_fault(Fault::CloseBeforeHandling);
    let err = rig
        .connections()
        .create(stripe("Second"))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some(first.id.as_str()));
    assert_eq!(rig.emulator.published_connection_count(), 1);
}

#[tokio::test]
async fn deletes_whose_answer_is_lost_succeed() {
    let rig = EmuRig::new().await;
    let c = rig.customers().create(customer("gone")).await.unwrap();
    rig.server.push_fault(Fault::CloseAfterHandling);
    rig.customers().delete(c.id.clone()).await.unwrap();
    assert_eq!(rig.emulator.published_customer_count(), 0);
    // Without an unknown outcome, a second delete answers as `get` does: archived, so done.
    rig.customers().delete(c.id).await.unwrap();

    let conn = rig.connections().create(stripe("Doomed")).await.unwrap();
    rig.server.push_fault(Fault::CloseAfterHandling);
    rig.connections().delete(conn.id.clone()).await.unwrap();
    assert_eq!(rig.emulator.published_connection_count(), 0);
    assert_eq!(
        rig.connections().delete(conn.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}

#[tokio::test]
async fn delete_lost_before_handling_is_sent_again() {
    let rig = EmuRig::new().await;
    let c = rig
        .customers()
        .create(customer("retry-delete"))
        .await
        .unwrap();
    rig.server.push_fault(Fault::CloseBeforeHandling);
    rig.customers().delete(c.id).await.unwrap();
    assert_eq!(rig.emulator.published_customer_count(), 0);
}

#[tokio::test]
async fn what_the_server_would_answer_badly_is_refused_before_sending() {
    let rig = EmuRig::new().await;
    // Through `Billing`: its guard refuses the provider type Flexprice does not offer (the last case).
    let billing = Billing::builder()
        .customers(rig.client.clone())
        .connections(rig.client.clone())
        .build();
    let before = rig.server.request_count();
    let wide = Address::builder().line1("ü".repeat(200)).build().unwrap();
    let err = rig
        .customers()
        .create(
            NewCustomer::builder("wide", "W")
                .address(wide)
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(err.field_errors()[0].field, "address.line1");
    let rejected = NewConnection::builder("S", ConnectionProviderType::Stripe)
        .secrets(ConnectionSecrets::stripe("pk", "sk", "wh"))
        .sync_config(SyncConfig {
            plan: Some(SyncDirection::OUTBOUND),
            ..Default::default()
        })
        .build()
        .unwrap();
    let err = billing.connections().create(rejected).await.unwrap_err();
    assert_eq!(err.field_errors()[0].field, "sync_config.plan.outbound");
    let other = NewConnection::builder("A", ConnectionProviderType::from("acme"))
        .build()
        .unwrap();
    assert_eq!(
        billing
            .connections()
            .create(other)
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::Unsupported
    );
    assert_eq!(rig.server.request_count(), before);
}

#[tokio::test]
async fn secret_rotation_the_server_ignores_is_unsupported() {
    let rig = EmuRig::new().await;
    let conn = rig.connections().create(stripe("Rotate")).await.unwrap();
    let update = unibill_core::ConnectionUpdate::builder()
        .secrets(ConnectionSecrets::stripe("pk_2", "sk_2", "whsec_2"))
        .build()
        .unwrap();
    let err = rig
        .connections()
        .update(conn.id.clone(), update)
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unsupported);
    let stored = rig.emulator.connection_secrets(conn.id.as_str()).unwrap();
    assert_eq!(stored["secret_key"], "sk_1");
    assert_eq!(
        rig.emulator.last_request().unwrap().method,
        "GET",
        "no PUT sent"
    );
}

#[tokio::test]
async fn sync_config_update_keeps_the_s3_settings() {
    let rig = EmuRig::new().await;
    let conn = rig.connections().create(s3()).await.unwrap();
    let update = unibill_core::ConnectionUpdate::builder()
        .sync_config(SyncConfig {
            customer: Some(SyncDirection::OUTBOUND),
            ..Default::default()
        })
        .build()
        .unwrap();
    let updated = rig.connections().update(conn.id, update).await.unwrap();
    let s3 = updated.settings.s3_export.expect("s3 settings kept");
    assert_eq!(s3.bucket.as_deref(), Some("b"));
    assert_eq!(updated.sync_config.customer, Some(SyncDirection::OUTBOUND));
}

/// Issue 19 item 6: Flexprice answers 404 to a DELETE of an archived customer while `GET` still shows it; the
/// adapter looks the customer up and answers as `get` does (archived: the delete succeeds), and an unknown id
/// stays NotFound after the same lookup.
#[tokio::test]
async fn a_second_delete_of_an_archived_customer_succeeds_and_an_unknown_one_is_not_found() {
    let rig = EmuRig::new().await;
    let c = rig.customers().create(customer("twice")).await.unwrap();
    rig.customers().delete(c.id.clone()).await.unwrap();
    rig.emulator.clear_requests();
    rig.customers().delete(c.id.clone()).await.unwrap();
    let seen: Vec<(String, String, Option<u16>)> = rig
        .emulator
        .requests()
        .iter()
        .map(|r| (r.method.to_string(), r.path.clone(), r.status))
        .collect();
    let path = format!("/v1/customers/{}", c.id.as_str());
    assert_eq!(
        seen,
        vec![
            ("DELETE".to_owned(), path.clone(), Some(404)),
            ("GET".to_owned(), path, Some(200))
        ],
        "the 404 is checked against GET, nothing else is sent"
    );
    let archived = rig.customers().get(c.id).await.unwrap();
    assert!(!archived.is_active());

    let err = rig
        .customers()
        .delete("cust_unknown".into())
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
    assert_eq!(
        err.operation(),
        Some("customers.delete"),
        "the DELETE's own error"
    );
}

fn priced(rig: &EmuRig, slug: &str) -> NewPrice {
    let plan = rig.emulator.add_plan("Pro");
    NewPrice::builder(
        PriceKind::recurring(Interval::monthly()),
        Money::new(dec!(29.00), Currency::USD),
    )
    .product_id(plan)
    .slug(slug)
    .build()
    .unwrap()
}

/// Acceptance 4: the server made the price, the answer was lost; the retry's 409 is reconciled by lookup key.
#[tokio::test]
async fn price_create_whose_answer_is_lost_yields_exactly_one_active_price() {
    let rig = EmuRig::new().await;
    let input = priced(&rig, "pro_monthly_usd");
    rig.server.push_fault(Fault::CloseAfterHandling);
    let p: &dyn Prices = &rig.client;
    let created = p.create(input).await.unwrap();
    assert_eq!(rig.emulator.live_price_count(), 1);
    assert_eq!(rig.emulator.price_count(), 1);
    assert_eq!(created.slug.as_deref(), Some("pro_monthly_usd"));
    assert!(
        rig.emulator.price(created.id.as_str()).is_some(),
        "the stored price is returned"
    );
    assert_eq!(rig.sleeper.delays().len(), 1, "one retry");
    let listed = p.list(PriceListQuery::new()).await.unwrap();
    assert_eq!(listed.items.len(), 1);
}

#[tokio::test]
async fn price_create_lost_when_another_price_holds_the_key_is_already_exists() {
    let rig = EmuRig::new().await;
    let p: &dyn Prices = &rig.client;
    let theirs = p.create(priced(&rig, "taken")).await.unwrap();
    rig.server.push_fault(Fault::CloseBeforeHandling);
    let mut other = priced(&rig, "taken");
    other = NewPrice::builder(PriceKind::OneTime, Money::new(dec!(1), Currency::USD))
        .product_id(other.product_id().unwrap())
        .slug("taken")
        .build()
        .unwrap();
    let err = p.create(other).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::AlreadyExists);
    assert_eq!(err.existing_id(), Some(theirs.id.as_str()));
    assert_eq!(rig.emulator.live_price_count(), 1);
}

#[tokio::test]
async fn price_create_without_a_key_whose_answer_is_lost_is_outcome_unknown() {
    let rig = EmuRig::new().await;
    let plan = rig.emulator.add_plan("Pro");
    rig.server.push_fault(Fault::CloseAfterHandling);
    let p: &dyn Prices = &rig.client;
    let err = p
        .create(
            NewPrice::builder(PriceKind::OneTime, Money::new(dec!(1), Currency::USD))
                .product_id(plan)
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1, "never sent twice");
}

#[tokio::test]
async fn archive_whose_answer_is_lost_is_done() {
    let rig = EmuRig::new().await;
    let p: &dyn Prices = &rig.client;
    let created = p.create(priced(&rig, "gone")).await.unwrap();
    // The GET before the DELETE passes, the DELETE's answer is lost.
    rig.server
        .push_fault(Fault::Delay(std::time::Duration::ZERO));
    rig.server.push_fault(Fault::CloseAfterHandling);
    let archived = p.archive(created.id.clone()).await.unwrap();
    assert!(!archived.active);
    assert_eq!(rig.emulator.live_price_count(), 0);
    // The key is free again: ensure creates.
    assert!(p.ensure(priced(&rig, "gone")).await.unwrap().was_created());
}
