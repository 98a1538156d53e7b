//! `MemoryDeliveryLog`: the delivery-log contract, its capacity bound and what it evicts first.

mod common;

use std::sync::Arc;
use std::time::Duration;

use common::{contract, new_ticket, policy, start};
use unibill_core::{ErrorKind, ManualClock};
use unibill_webhooks::{Begin, DeliveryLog, MemoryDeliveryLog};

fn log(clock: &ManualClock, capacity: usize) -> MemoryDeliveryLog {
    MemoryDeliveryLog::builder()
        .clock(Arc::new(clock.clone()))
        .policy(policy())
        .capacity(capacity)
        .build()
}

#[tokio::test]
async fn keeps_the_contract() {
    let clock = ManualClock::new(start());
    contract(&log(&clock, 1000), &clock).await;
}

#[tokio::test]
async fn keeps_the_contract_behind_an_arc_dyn() {
    let clock = ManualClock::new(start());
    let shared: Arc<dyn DeliveryLog> = Arc::new(log(&clock, 1000));
    contract(&shared, &clock).await;
}

#[tokio::test]
async fn a_full_log_forgets_the_oldest_handled_delivery_first() {
    let clock = ManualClock::new(start());
    let log = log(&clock, 3);
    for id in ["d1", "d2", "d3"] {
        let t = new_ticket(log.begin("p", id).await.unwrap());
        log.complete(t).await.unwrap();
        clock.advance_by(Duration::from_secs(1));
    }
    let d4 = new_ticket(log.begin("p", "d4").await.unwrap());
    assert_eq!(log.len(), 3);
    assert_eq!(log.begin("p", "d2").await.unwrap(), Begin::Done);
    assert_eq!(log.begin("p", "d3").await.unwrap(), Begin::Done);
    // d1 was forgotten (a re-delivery is handled again), which evicts d2 now.
    let d1 = new_ticket(log.begin("p", "d1").await.unwrap());
    assert!(matches!(log.begin("p", "d2").await.unwrap(), Begin::New(_)));
    // Three in progress: a fourth claim is put off, never an eviction of a claim.
    let err = log.begin("p", "d5").await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Unavailable);
    assert!(err.message().contains("full"), "{err}");
    assert!(matches!(
        log.begin("p", "d4").await.unwrap(),
        Begin::InProgress { .. }
    ));
    // Once the claims lapse, their places are free.
    clock.advance_by(Duration::from_secs(301));
    let _d5 = new_ticket(log.begin("p", "d5").await.unwrap());
    drop((d1, d4));
    assert_eq!(log.len(), 1, "the three lapsed claims were forgotten");
}

#[tokio::test]
async fn a_full_log_forgets_expired_deliveries_before_recent_ones() {
    let clock = ManualClock::new(start());
    let log = log(&clock, 2);
    let old = new_ticket(log.begin("p", "old").await.unwrap());
    log.complete(old).await.unwrap();
    clock.advance_by(Duration::from_secs(8 * 24 * 3600));
    let recent = new_ticket(log.begin("p", "recent").await.unwrap());
    log.complete(recent).await.unwrap();
    assert!(format!("{log:?}").contains("len: 2"));
    let _new = new_ticket(log.begin("p", "new").await.unwrap());
    assert_eq!(log.begin("p", "recent").await.unwrap(), Begin::Done);
    assert!(!log.is_empty());
}
