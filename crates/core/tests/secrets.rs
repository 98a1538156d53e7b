//! Secrets planted in every secret field of connection inputs never show up in any `Debug`, `Display`,
//! `Serialize` output or error text of inputs, models or errors. (Inputs holding secrets do not implement
//! `Serialize` or `Display` at all, so only their `Debug` can be checked.)

use std::collections::BTreeMap;

use secrecy::SecretString;
use unibill_core::{
    Billing, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate, Connections,
    MemoryConnections, NewConnection,
};

const PLANTED: [&str; 13] = [
    "PLANT-stripe-publishable",
    "PLANT-stripe-secret",
    "PLANT-stripe-webhook",
    "PLANT-stripe-account",
    "PLANT-s3-access-key",
    "PLANT-s3-secret-key",
    "PLANT-s3-session",
    "PLANT-hubspot-token",
    "PLANT-hubspot-client",
    "PLANT-hubspot-app",
    "PLANT-generic-api-key",
    "PLANT-generic-webhook",
    "PLANT-update-rotation",
];

fn s(v: &str) -> SecretString {
    SecretString::from(v.to_owned())
}

fn all_secrets() -> Vec<(ConnectionProviderType, ConnectionSecrets)> {
    vec![
        (
            ConnectionProviderType::Stripe,
            ConnectionSecrets::Stripe {
                publishable_key: s(PLANTED[0]),
                secret_key: s(PLANTED[1]),
                webhook_secret: s(PLANTED[2]),
                account_id: Some(s(PLANTED[3])),
            },
        ),
        (
            ConnectionProviderType::S3,
            ConnectionSecrets::S3 {
                access_key_id: s(PLANTED[4]),
                secret_access_key: s(PLANTED[5]),
                session_token: Some(s(PLANTED[6])),
            },
        ),
        (
            ConnectionProviderType::HubSpot,
            ConnectionSecrets::HubSpot {
                access_token: s(PLANTED[7]),
                client_secret: s(PLANTED[8]),
                app_id: Some(s(PLANTED[9])),
            },
        ),
        (
            ConnectionProviderType::Paddle,
            ConnectionSecrets::Generic(BTreeMap::from([
                ("api_key".to_owned(), s(PLANTED[10])),
                ("webhook_secret".to_owned(), s(PLANTED[11])),
            ])),
        ),
    ]
}

fn assert_clean(what: &str, text: &str) {
    for secret in PLANTED {
        assert!(!text.contains(secret), "{what} shows a secret: {text}");
    }
}

#[tokio::test]
async fn planted_secrets_never_leak() {
    let billing = Billing::memory();
    let connections = billing.connections();
    for (provider_type, secrets) in all_secrets() {
        assert_clean("secrets Debug", &format!("{secrets:?} {secrets:#?}"));
        let input = NewConnection::builder("Leak test", provider_type.clone())
            .secrets(secrets.clone())
            .build()
            .unwrap();
        assert_clean("input Debug", &format!("{input:?} {input:#?}"));

        let created = connections.create(input.clone()).await.unwrap();
        assert_clean("model Debug", &format!("{created:?}"));
        assert_clean("model JSON", &serde_json::to_string(&created).unwrap());
        let got = connections.get(created.id.clone()).await.unwrap();
        assert_clean("model JSON", &serde_json::to_string_pretty(&got).unwrap());

        // Errors about secrets, from the builder, the guard and the provider, name fields, never values.
        let wrong = NewConnection::builder("", ConnectionProviderType::Tabs)
            .secrets(secrets.clone())
            .build()
            .unwrap_err();
        assert_clean("builder error Display", &wrong.to_string());
        assert_clean("builder error Debug", &format!("{wrong:?}"));

        let rotation = ConnectionUpdate::builder()
            .secrets(ConnectionSecrets::S3 {
                access_key_id: s(PLANTED[12]),
                secret_access_key: s(PLANTED[12]),
                session_token: None,
            })
            .build()
            .unwrap();
        assert_clean("update Debug", &format!("{rotation:?}"));
        if provider_type != ConnectionProviderType::S3 {
            let err = connections
                .update(created.id.clone(), rotation)
                .await
                .unwrap_err();
            assert_clean("provider error Display", &err.to_string());
            assert_clean("provider error Debug", &format!("{err:?}"));
        }
        connections.delete(created.id).await.unwrap();
    }
}

#[tokio::test]
async fn empty_secret_errors_name_the_field_only() {
    let err = NewConnection::builder("x", ConnectionProviderType::Stripe)
        .secrets(ConnectionSecrets::Stripe {
            publishable_key: s(PLANTED[0]),
            secret_key: s(""),
            webhook_secret: s(PLANTED[2]),
            account_id: None,
        })
        .build()
        .unwrap_err();
    assert_eq!(err.field_errors()[0].field, "secrets.secret_key");
    assert_clean("error", &format!("{err} {err:?}"));
}

#[tokio::test]
async fn a_memory_provider_never_hands_a_secret_back_in_a_listing() {
    let connections = MemoryConnections::new();
    for (provider_type, secrets) in all_secrets() {
        let input = NewConnection::builder("List", provider_type)
            .secrets(secrets)
            .build()
            .unwrap();
        connections.create(input).await.unwrap();
    }
    let page = connections
        .list(unibill_core::ConnectionListQuery::new())
        .await
        .unwrap();
    assert_eq!(page.items.len(), 4);
    assert_clean("listing", &serde_json::to_string(&page).unwrap());
}
