//! Memory stores: free and paid plans, payment methods, prepayment, readiness and `wait_until_ready`.

use std::time::Duration;

use rust_decimal_macros::dec;
use unibill_core::{
    BillingPlanQuery, Currency, ErrorKind, MemoryStores, MockStores, Money, NewStore,
    RecordingSleeper, Store, StoreCapabilities, StoreStatus, Stores, StoresExt, WaitOptions,
};

fn input() -> unibill_core::NewStoreBuilder {
    NewStore::builder("db", "icfg_memory", "memory-postgres")
}

#[tokio::test]
async fn paid_plans_need_a_payment_method_or_the_team_default() {
    let stores = MemoryStores::new();
    let paid = input().billing_plan_id("bp_memory_pro").build().unwrap();
    let err = stores.create(paid.clone()).await.unwrap_err();
    assert_eq!(err.kind(), ErrorKind::PaymentRequired);

    let with_pm = input()
        .billing_plan_id("bp_memory_pro")
        .payment_method_id("pm_1")
        .build()
        .unwrap();
    let s = stores.create(with_pm).await.unwrap();
    assert_eq!(s.billing_plan.unwrap().id.as_str(), "bp_memory_pro");

    let team = MemoryStores::new().team_payment_method("pm_team");
    assert!(team.create(paid).await.is_ok());
}

#[tokio::test]
async fn prepayment_plans_check_the_amount() {
    let stores = MemoryStores::new().team_payment_method("pm_team");
    let plan = |amount| {
        input()
            .billing_plan_id("bp_memory_prepaid")
            .prepayment(Money::new(amount, Currency::USD))
            .build()
            .unwrap()
    };
    assert!(stores.create(plan(dec!(10.00))).await.is_ok());
    assert!(stores.create(plan(dec!(1000.00))).await.is_ok());
    for bad in [dec!(9.99), dec!(1000.01)] {
        let err = stores.create(plan(bad)).await.unwrap_err();
        assert_eq!(err.field_errors()[0].field, "prepayment");
    }
    let missing = input()
        .billing_plan_id("bp_memory_prepaid")
        .build()
        .unwrap();
    assert_eq!(
        stores.create(missing).await.unwrap_err().field_errors()[0].field,
        "prepayment"
    );
    let on_free = input()
        .prepayment(Money::new(dec!(10), Currency::USD))
        .build()
        .unwrap();
    assert_eq!(
        stores.create(on_free).await.unwrap_err().field_errors()[0].field,
        "prepayment"
    );
}

#[tokio::test]
async fn unknown_configuration_product_or_plan_is_not_found() {
    let stores = MemoryStores::new();
    for i in [
        NewStore::builder("db", "icfg_other", "memory-postgres"),
        NewStore::builder("db", "icfg_memory", "other"),
        input().billing_plan_id("bp_nope"),
    ] {
        assert_eq!(
            stores.create(i.build().unwrap()).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
    }
    assert_eq!(
        stores
            .list_billing_plans(BillingPlanQuery::new("memory", "nope").unwrap())
            .await
            .unwrap_err()
            .kind(),
        ErrorKind::NotFound
    );
    assert!(
        stores
            .list_configurations(Some("neon".into()))
            .await
            .unwrap()
            .is_empty()
    );
}

#[tokio::test]
async fn ready_after_the_configured_number_of_reads() {
    let stores = MemoryStores::new().ready_after_reads(3);
    let s = stores.create(input().build().unwrap()).await.unwrap();
    assert_eq!(s.status, Some(StoreStatus::Initializing));
    let id = s.id.unwrap();
    for _ in 0..2 {
        assert!(!stores.get(id.clone()).await.unwrap().is_ready());
    }
    assert!(stores.get(id.clone()).await.unwrap().is_ready());

    let at_once = MemoryStores::new().ready_after_reads(0);
    assert!(
        at_once
            .create(input().build().unwrap())
            .await
            .unwrap()
            .is_ready()
    );
}

#[tokio::test(start_paused = true)]
async fn wait_until_ready_polls_on_the_paused_clock() {
    let stores = MemoryStores::new().ready_after_reads(5);
    let id = stores
        .create(input().build().unwrap())
        .await
        .unwrap()
        .id
        .unwrap();
    let ready = stores
        .wait_until_ready(id.clone(), WaitOptions::new(Duration::from_secs(3), 10))
        .await
        .unwrap();
    assert!(ready.is_ready());

    let slow = MemoryStores::new().ready_after_reads(50);
    let id = slow
        .create(input().build().unwrap())
        .await
        .unwrap()
        .id
        .unwrap();
    let err = slow
        .wait_until_ready(id, WaitOptions::new(Duration::from_secs(3), 4))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Timeout);
    assert!(err.to_string().contains("initializing"), "{err}");
}

#[tokio::test]
async fn wait_until_ready_waits_on_the_injected_sleeper() {
    let stores = MemoryStores::new().ready_after_reads(3);
    let id = stores
        .create(input().build().unwrap())
        .await
        .unwrap()
        .id
        .unwrap();
    let sleeper = RecordingSleeper::default();
    let options = WaitOptions::new(Duration::from_secs(3), 10).sleeper(sleeper.clone());
    let ready = stores.wait_until_ready(id, options).await.unwrap();
    assert!(ready.is_ready());
    // Reads 1–3 (the third finds it ready): two waits between them, none after, and no wall-clock time.
    assert_eq!(sleeper.delays(), vec![Duration::from_secs(3); 2]);
}

#[tokio::test]
async fn wait_until_ready_stops_on_a_failed_status_and_on_errors() {
    let mut mock = MockStores::new();
    mock.expect_capabilities()
        .returning(|| StoreCapabilities::full("m"));
    let mut seq = mockall::Sequence::new();
    mock.expect_get()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(Store::builder("r").status(StoreStatus::Onboarding).build()));
    mock.expect_get()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(Store::builder("r").build()));
    mock.expect_get()
        .times(1)
        .in_sequence(&mut seq)
        .returning(|_| Ok(Store::builder("r").status(StoreStatus::Error).build()));
    let err = mock
        .wait_until_ready("store_1".into(), WaitOptions::new(Duration::ZERO, 10))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Provider);
    assert!(err.to_string().contains("error"), "{err}");

    let mut gone = MockStores::new();
    gone.expect_get()
        .times(1)
        .returning(|_| Err(unibill_core::Error::not_found("gone")));
    let err = gone
        .wait_until_ready("store_1".into(), WaitOptions::new(Duration::ZERO, 10))
        .await
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::NotFound);
}
