//! Memory → Flexprice emulator and Flexprice emulator → Flowglad emulator: every customer and price moves and
//! verifies clean; a second apply sends nothing; `plan` writes nothing and names what cannot move.

mod support;

use std::collections::BTreeMap;

use unibill_core::{
    Billing, Currency, Customers, Interval, Metadata, Money, NewCustomer, NewPrice, PriceKind,
    PriceTier, Prices, TierMode,
};
use unibill_migrate::{Action, FlexpricePlans, Ledger, Migration, ProductMap, ResourceKind};

use support::*;

const CUSTOMERS: usize = 300;
const PRICES: usize = 40;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn memory_to_flexprice_moves_everything_and_verifies_clean() {
    let source = memory_source(CUSTOMERS, PRICES).await;
    let destination = Flexprice::start().await;
    let path = ledger_path("memory-flexprice");
    let migration = Migration::builder(
        source,
        destination.billing(),
        Ledger::open(&path, "memory", "flexprice").unwrap(),
    )
    .products(FlexpricePlans::new(destination.client.clone()))
    .build();

    let inventory = migration.inventory().await.unwrap();
    assert_eq!(inventory.source[&ResourceKind::Customer], CUSTOMERS as u64);
    assert_eq!(inventory.source[&ResourceKind::Price], PRICES as u64);
    assert_eq!(inventory.destination[&ResourceKind::Customer], 0);

    let plan = migration.plan().await.unwrap();
    assert_eq!(
        plan.blocked().count(),
        0,
        "{:?}",
        plan.blocked().take(3).collect::<Vec<_>>()
    );
    let counts = plan.counts();
    assert_eq!(counts[&ResourceKind::Customer].create, CUSTOMERS as u64);
    assert_eq!(counts[&ResourceKind::Product].create, (PRICES / 10) as u64);
    assert_eq!(counts[&ResourceKind::Price].create, PRICES as u64);
    assert!(
        writes(&destination.server).is_empty(),
        "{:?}",
        writes(&destination.server)
    );

    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(
        report.counts[&ResourceKind::Customer].created,
        CUSTOMERS as u64
    );
    assert_eq!(report.counts[&ResourceKind::Price].created, PRICES as u64);
    assert_eq!(destination.emulator.customer_count(), CUSTOMERS);
    assert_eq!(destination.emulator.live_price_count(), PRICES);

    let verified = migration.verify().await.unwrap();
    assert!(
        verified.ok,
        "{:?}",
        &verified.findings[..verified.findings.len().min(5)]
    );
    assert_eq!(verified.compared, (CUSTOMERS + PRICES) as u64);

    // Everything is in the ledger: a second apply writes nothing.
    destination.server.requests();
    let before = writes(&destination.server).len();
    let again = migration.apply().await.unwrap();
    assert_eq!(
        again.counts[&ResourceKind::Customer].skipped,
        CUSTOMERS as u64
    );
    assert_eq!(again.counts[&ResourceKind::Price].skipped, PRICES as u64);
    assert_eq!(writes(&destination.server).len(), before);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn flexprice_to_flowglad_moves_everything_and_verifies_clean() {
    let source = Flexprice::start().await;
    let plans = fill_flexprice(&source, CUSTOMERS, PRICES).await;
    let destination = Flowglad::start(PRICES).await;
    let map = ProductMap::new(
        plans
            .iter()
            .enumerate()
            .map(|(i, p)| (p.clone(), flowglad_product(i))),
    );
    let path = ledger_path("flexprice-flowglad");
    let migration = Migration::builder(
        source.billing(),
        destination.billing(),
        Ledger::open(&path, "flexprice", "flowglad").unwrap(),
    )
    .products(map)
    .destination_currencies(vec![Currency::USD])
    .build();
    let plan = migration.plan().await.unwrap();
    assert_eq!(
        plan.blocked().count(),
        0,
        "{:?}",
        plan.blocked().take(3).collect::<Vec<_>>()
    );
    assert!(writes(&destination.server).is_empty());
    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(destination.emulator.customer_count(), CUSTOMERS);
    assert_eq!(destination.emulator.active_price_count(), PRICES);
    let verified = migration.verify().await.unwrap();
    assert!(
        verified.ok,
        "{:?}",
        &verified.findings[..verified.findings.len().min(5)]
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plan_names_what_flowglad_cannot_hold_and_writes_nothing() {
    let source = Billing::memory();
    let customers = source.customers();
    customers.create(customer(1)).await.unwrap();
    customers
        .create(
            NewCustomer::builder("no-email", "No Email")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let mut m = Metadata::new();
    m.insert("tier", "gold");
    customers
        .create(
            NewCustomer::builder("with-metadata", "Meta")
                .email("m@example.com")
                .metadata(m)
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let prices = source.prices();
    let monthly = PriceKind::recurring(Interval::monthly());
    let usd = |a: &str| Money::parse(a, Currency::USD).unwrap();
    let ok = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("9.00"))
                .product_id("p_ok")
                .slug("ok")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let tiered = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("0"))
                .product_id("p_tiered")
                .slug("tiered")
                .tiered(
                    TierMode::Volume,
                    vec![
                        PriceTier::up_to(5, usd("2.00")),
                        PriceTier::rest(usd("1.00")),
                    ],
                )
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let euro = prices
        .create(
            NewPrice::builder(
                monthly.clone(),
                Money::parse("9.00", Currency::EUR).unwrap(),
            )
            .product_id("p_eur")
            .slug("euro")
            .build()
            .unwrap(),
        )
        .await
        .unwrap();
    let sub_cent = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("0.005"))
                .product_id("p_sub")
                .slug("sub-cent")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let second = prices
        .create(
            NewPrice::builder(monthly.clone(), usd("19.00"))
                .product_id("p_ok")
                .slug("ok-2")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();
    let unmapped = prices
        .create(
            NewPrice::builder(monthly, usd("5.00"))
                .product_id("p_nowhere")
                .slug("nowhere")
                .build()
                .unwrap(),
        )
        .await
        .unwrap();

    let destination = Flowglad::start(4).await;
    let map = ProductMap::new([
        ("p_ok", flowglad_product(0)),
        ("p_tiered", flowglad_product(1)),
        ("p_eur", flowglad_product(2)),
        ("p_sub", flowglad_product(3)),
    ]);
    let migration = Migration::builder(
        source,
        destination.billing(),
        Ledger::open(ledger_path("blocked"), "memory", "flowglad").unwrap(),
    )
    .products(map)
    .destination_currencies(vec![Currency::USD])
    .build();
    let plan = migration.plan().await.unwrap();
    let blocked: BTreeMap<String, (String, String)> = plan
        .blocked()
        .map(|i| match &i.action {
            Action::Blocked { capability, reason } => {
                (i.natural_key.clone(), (capability.clone(), reason.clone()))
            }
            _ => unreachable!(),
        })
        .collect();
    let capability = |key: &str| blocked.get(key).map(|(c, _)| c.as_str());
    assert_eq!(capability("no-email"), Some("email"), "{blocked:?}");
    assert_eq!(capability("with-metadata"), Some("metadata"), "{blocked:?}");
    assert_eq!(capability("tiered"), Some("scheme"), "{blocked:?}");
    assert_eq!(capability("euro"), Some("currency"), "{blocked:?}");
    assert_eq!(capability("sub-cent"), Some("unit_amount"), "{blocked:?}");
    assert_eq!(
        capability("ok-2"),
        Some("create_archives_siblings"),
        "{blocked:?}"
    );
    assert_eq!(capability("nowhere"), Some("product_id"), "{blocked:?}");
    assert!(blocked["nowhere"].1.contains("p_nowhere"), "{blocked:?}");
    assert_eq!(blocked.len(), 7, "{blocked:?}");
    let ids: Vec<&str> = plan.prices.iter().map(|i| i.source_id.as_str()).collect();
    for p in [&ok, &tiered, &euro, &sub_cent, &second, &unmapped] {
        assert!(ids.contains(&p.id.as_str()));
    }
    // The plan read the destination and wrote nothing to it.
    assert!(destination.server.request_count() > 0);
    assert!(
        writes(&destination.server).is_empty(),
        "{:?}",
        writes(&destination.server)
    );

    // Apply moves what can move and leaves the blocked alone; verify is clean over what was planned.
    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    assert_eq!(destination.emulator.customer_count(), 1);
    assert_eq!(destination.emulator.active_price_count(), 1);
    let verified = migration.verify().await.unwrap();
    assert!(verified.ok, "{:?}", verified.findings);
    assert_eq!(verified.blocked, 7);
}

/// A run killed after its ledger rows said `sending`: one customer and one slug-less price had reached the
/// destination, another customer had not. The resumed apply records the two that landed (found by external id
/// and by content) without re-sending them, creates the one that did not, and verify is clean.
#[tokio::test]
async fn resume_reconciles_sending_rows_by_natural_key_before_any_resend() {
    use unibill_core::{CustomerListQuery, PriceListQuery};
    use unibill_migrate::{MappingState, SameProducts};

    let source = Billing::memory();
    for i in 0..3 {
        source.customers().create(customer(i)).await.unwrap();
    }
    let slugged = source
        .prices()
        .create(price(0, "prod_a", false))
        .await
        .unwrap();
    let bare = source
        .prices()
        .create(price(9, "prod_b", false))
        .await
        .unwrap();
    assert!(bare.slug.is_none() && slugged.slug.is_some());
    let listed = source
        .customers()
        .list(CustomerListQuery::new())
        .await
        .unwrap()
        .items;
    let by_external = |e: &str| {
        listed
            .iter()
            .find(|c| c.external_id == e)
            .unwrap()
            .id
            .clone()
    };

    let destination = Billing::memory();
    let path = ledger_path("resume");
    let ledger = Ledger::open(&path, "memory", "memory").unwrap();
    // What the killed run left: three `sending` rows, two of whose creates landed.
    let landed = by_external("user-00000");
    let lost = by_external("user-00001");
    ledger
        .record_sending(ResourceKind::Customer, landed.as_str(), "user-00000")
        .unwrap();
    ledger
        .record_sending(ResourceKind::Customer, lost.as_str(), "user-00001")
        .unwrap();
    ledger
        .record_sending(ResourceKind::Price, bare.id.as_str(), "content")
        .unwrap();
    destination.customers().create(customer(0)).await.unwrap();
    destination
        .prices()
        .create(price(9, "prod_b", false))
        .await
        .unwrap();

    let migration = Migration::builder(source, destination.clone(), ledger)
        .products(SameProducts)
        .build();
    let report = migration.apply().await.unwrap();
    assert!(report.is_complete(), "{:?}", report.failures);
    let customers = report.counts[&ResourceKind::Customer];
    assert_eq!(
        (customers.reconciled, customers.created),
        (1, 2),
        "{customers:?}"
    );
    let prices = report.counts[&ResourceKind::Price];
    assert_eq!((prices.reconciled, prices.created), (1, 1), "{prices:?}");

    assert_eq!(
        destination
            .customers()
            .list(CustomerListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        3
    );
    assert_eq!(
        destination
            .prices()
            .list(PriceListQuery::new())
            .await
            .unwrap()
            .items
            .len(),
        2
    );
    let row = migration
        .ledger()
        .get(ResourceKind::Customer, landed.as_str())
        .unwrap()
        .unwrap();
    assert_eq!(row.state, MappingState::Created);
    assert_eq!(row.attempts, 1, "the landed create was not sent again");
    assert!(migration.verify().await.unwrap().ok);
}

/// A ledger kept for one migration is refused for another pair of providers, before anything is read.
#[test]
fn a_ledger_of_another_migration_is_refused() {
    let path = ledger_path("other-pair");
    drop(Ledger::open(&path, "memory", "flexprice").unwrap());
    let err = Ledger::open(&path, "flexprice", "flowglad").unwrap_err();
    assert!(err.to_string().contains("source `memory`"), "{err}");
}
