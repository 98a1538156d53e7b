//! Faults against the emulator: a lost or gateway-failed create is `OutcomeUnknown` after exactly one request
//! (a store create is never re-sent), a null store likewise, and a delete whose answer was lost is reconciled
//! by a read.

mod support;

use support::emulated;
use unibill_core::{ErrorKind, NewStore, Stores};
use unibill_testkit::Fault;
use unibill_testkit::emulators::vercel::seed;

#[tokio::test]
async fn a_lost_create_answer_is_outcome_unknown_after_exactly_one_request() {
    let rig = emulated().await;
    rig.server.push_fault(Fault::CloseAfterHandling);
    let err = rig
        .client
        .create(
            NewStore::builder("db", seed::CONFIGURATION_ID, "neon")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1);
    assert_eq!(
        rig.emulator.stores_count(),
        1,
        "the store was made; it was not made twice"
    );
}

#[tokio::test]
async fn a_gateway_error_on_create_is_not_resent() {
    let rig = emulated().await;
    rig.server.push_fault(Fault::status(502));
    let err = rig
        .client
        .create(
            NewStore::builder("db", seed::CONFIGURATION_ID, "neon")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn a_null_store_is_outcome_unknown() {
    let rig = emulated().await;
    rig.emulator.null_store_on_next_creates(1);
    let err = rig
        .client
        .create(
            NewStore::builder("db", seed::CONFIGURATION_ID, "neon")
                .build()
                .unwrap(),
        )
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::OutcomeUnknown);
    assert_eq!(err.provider(), Some("vercel"));
    assert!(err.request_id().is_some());
    assert_eq!(rig.server.request_count(), 1);
}

#[tokio::test]
async fn a_delete_whose_answer_was_lost_and_finds_nothing_succeeded() {
    let rig = emulated().await;
    let id = rig.free_store().await.id.unwrap();
    rig.server.push_fault(Fault::CloseAfterHandling);
    rig.client.delete(id.clone()).await.unwrap();
    let methods: Vec<String> = rig
        .server
        .requests()
        .iter()
        .skip(1)
        .map(|r| format!("{} {}", r.method, r.path))
        .collect();
    assert_eq!(
        methods,
        vec![
            format!("DELETE /v1/storage/stores/integration/{id}"),
            format!("GET /v1/storage/stores/{id}"),
        ],
        "the lookup found it gone: no second DELETE"
    );
    assert_eq!(
        rig.client.get(id).await.unwrap_err().kind(),
        ErrorKind::NotFound
    );
}
