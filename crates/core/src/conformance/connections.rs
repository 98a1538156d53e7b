//! Conformance of [`Connections`] implementations. Every function deletes what it creates (providers may
//! allow one connection per type).

use super::{Checked, Env, Report};
use crate::api::Connections;
use crate::error::ErrorKind;
use crate::id::ConnectionId;
use crate::model::connection::{
    ConnectionListQuery, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate, JsonObject,
    NewConnection, SyncConfig, SyncDirection,
};

fn stripe(env: &Env, label: &str, secret: &str) -> NewConnection {
    NewConnection::builder(
        format!("Conformance {}", env.unique(label)),
        ConnectionProviderType::Stripe,
    )
    .secrets(ConnectionSecrets::Stripe {
        publishable_key: format!("pk_test_{secret}").into(),
        secret_key: format!("sk_test_{secret}").into(),
        webhook_secret: format!("whsec_{secret}").into(),
        account_id: Some(format!("acct_{secret}").into()),
    })
    .build()
    .expect("valid conformance connection")
}

/// Runs every connection behaviour, in this order, and reports which passed and which were skipped.
pub async fn run_all<C: Connections + ?Sized>(c: &C, env: &Env) -> Report {
    run_in_order!(
        "connections",
        c,
        env,
        create_get_update_delete,
        secrets_never_readable_back,
        one_per_provider_type,
        validation_before_sending,
    )
}

/// Create, get, list, update (name, metadata, sync config), delete; a deleted connection is `NotFound`.
pub async fn create_get_update_delete<C: Connections + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !(caps.create && caps.get && caps.delete) {
        return Checked::Skipped("needs create, get and delete");
    }
    let input = stripe(env, "crud", "crud0001");
    let created = c.create(input.clone()).await.expect("create");
    assert_eq!(created.name, input.name());
    assert_eq!(created.provider_type, ConnectionProviderType::Stripe);
    assert_eq!(created.provider, caps.provider);
    let got = c.get(created.id.clone()).await.expect("get");
    assert_eq!(got.id, created.id);
    if caps.list {
        let page = c
            .list(
                ConnectionListQuery::new()
                    .provider_type(ConnectionProviderType::Stripe)
                    .limit(100),
            )
            .await
            .expect("list");
        assert!(
            page.items.iter().any(|x| x.id == created.id),
            "list shows the connection"
        );
    }
    if caps.update {
        let mut update = ConnectionUpdate::builder();
        if caps.update_fields.name {
            update = update.name("Renamed by conformance");
        }
        let mut meta = JsonObject::new();
        meta.insert("suite".into(), "conformance".into());
        if caps.update_fields.metadata.set {
            update = update.metadata(meta);
        }
        let sync = SyncConfig {
            customer: Some(SyncDirection::BOTH),
            ..Default::default()
        };
        if caps.update_fields.sync_config {
            update = update.sync_config(sync);
        }
        let updated = c
            .update(created.id.clone(), update.build().unwrap())
            .await
            .expect("update");
        if caps.update_fields.name {
            assert_eq!(updated.name, "Renamed by conformance");
        }
        if caps.update_fields.metadata.set {
            assert_eq!(
                updated.metadata.get("suite").and_then(|v| v.as_str()),
                Some("conformance")
            );
        }
        if caps.update_fields.sync_config {
            assert_eq!(updated.sync_config, sync, "the sync config is replaced");
        }
    }
    c.delete(created.id.clone()).await.expect("delete");
    assert_eq!(
        c.get(created.id.clone()).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    assert_eq!(
        c.delete(created.id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
    Checked::Passed
}

/// No read model, listing, `Debug` or JSON form shows a secret that went in.
pub async fn secrets_never_readable_back<C: Connections + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !caps.create {
        return Checked::Skipped("needs create");
    }
    let planted = "PLANTEDs3cr3tVALUE";
    let created = c
        .create(stripe(env, "secrets", planted))
        .await
        .expect("create");
    let mut seen = vec![created.clone()];
    if caps.get {
        seen.push(c.get(created.id.clone()).await.expect("get"));
    }
    if caps.list {
        seen.extend(
            c.list(ConnectionListQuery::new().limit(100))
                .await
                .expect("list")
                .items,
        );
    }
    for conn in &seen {
        let json = serde_json::to_string(conn).expect("serialize");
        let debug = format!("{conn:?}");
        for text in [&json, &debug] {
            assert!(!text.contains(planted), "a secret came back: {text}");
        }
        if let Some(raw) = &conn.raw {
            assert!(!raw.get().contains(planted), "the raw JSON holds a secret");
        }
    }
    if caps.delete {
        c.delete(created.id).await.expect("delete");
    }
    Checked::Passed
}

/// With `one_per_provider_type`, a second active connection of a type is `AlreadyExists` carrying the first's
/// id; without it, both are created.
pub async fn one_per_provider_type<C: Connections + ?Sized>(c: &C, env: &Env) -> Checked {
    let caps = c.capabilities();
    if !(caps.create && caps.delete) {
        return Checked::Skipped("needs create and delete");
    }
    let first = c
        .create(stripe(env, "unique", "uniq0001"))
        .await
        .expect("create");
    let second = c.create(stripe(env, "unique", "uniq0002")).await;
    if caps.is_unique_type("stripe") {
        let err = second.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::AlreadyExists, "{err}");
        assert_eq!(err.existing_id(), Some(first.id.as_str()));
    } else {
        let second = second.expect("a second connection of a type is allowed");
        c.delete(second.id).await.expect("delete");
    }
    c.delete(first.id).await.expect("delete");
    Checked::Passed
}

/// Invalid input never reaches the provider.
pub async fn validation_before_sending<C: Connections + ?Sized>(c: &C, env: &Env) -> Checked {
    let Some(before) = env.requests_seen() else {
        return Checked::Skipped("the environment does not count requests");
    };
    assert!(
        NewConnection::builder("", ConnectionProviderType::Stripe)
            .build()
            .is_err()
    );
    assert!(
        NewConnection::builder("x", ConnectionProviderType::Stripe)
            .secrets(ConnectionSecrets::s3("a", "b"))
            .build()
            .is_err()
    );
    if c.capabilities().list {
        let err = c
            .list(ConnectionListQuery::new().limit(0))
            .await
            .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "limit");
    }
    let err = c.get(ConnectionId::new("")).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::InvalidInput);
    assert_eq!(
        env.requests_seen(),
        Some(before),
        "nothing may reach the provider for invalid input"
    );
    Checked::Passed
}
