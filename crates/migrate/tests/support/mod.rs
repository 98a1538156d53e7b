//! Shared set-up of the migration tests: emulators behind fault-injecting servers, clients for them, and
//! sources filled with customers and prices.
#![allow(dead_code)]

use std::path::PathBuf;
use std::sync::Arc;

use unibill_core::{
    Billing, Currency, CustomerRef, Customers, Interval, Money, NewCustomer, NewPrice,
    NewSubscription, PriceKind, PriceListQuery, PriceTier, Prices, PricesExt, Subscriptions,
    TierMode, Trial,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig, NewPlan};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_testkit::TestServer;
use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
use unibill_testkit::emulators::flowglad::FlowgladEmulator;

pub const FLEXPRICE_KEY: &str = "fp_test_migrate";
pub const FLOWGLAD_KEY: &str = "sk_test_migrate";

/// A fresh ledger path in a directory of its own.
pub fn ledger_path(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("unibill-migrate-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir.join("ledger.sqlite")
}

pub struct Flexprice {
    pub emulator: Arc<FlexpriceEmulator>,
    pub server: TestServer,
    pub client: FlexpriceClient,
}

impl Flexprice {
    pub async fn start() -> Self {
        let emulator = FlexpriceEmulator::new(FLEXPRICE_KEY);
        let server = TestServer::router(emulator.router()).await;
        let config = FlexpriceConfig::builder(FLEXPRICE_KEY)
            .base_url(server.url().join("v1").unwrap())
            .build()
            .unwrap();
        let client = FlexpriceClient::builder(config).build().unwrap();
        Flexprice {
            emulator,
            server,
            client,
        }
    }

    pub fn billing(&self) -> Billing {
        Billing::builder()
            .customers(self.client.clone())
            .prices(self.client.clone())
            .subscriptions(self.client.clone())
            .build()
    }

    /// Moves the emulator's clock (which starts in 2026-08) up to the system's: the migration measures its
    /// 24-hour renewal rule on the system clock, as a real provider's periods are.
    pub fn align_clock_to_now(&self) {
        let behind = jiff::Timestamp::now().as_second() - self.emulator.now().as_second();
        if behind > 0 {
            self.emulator
                .advance_clock(jiff::Span::new().seconds(behind));
        }
    }
}

pub struct Flowglad {
    pub emulator: FlowgladEmulator,
    pub server: TestServer,
    pub client: FlowgladClient,
}

/// The product ids a Flowglad destination is seeded with for `n` source products.
pub fn flowglad_product(i: usize) -> String {
    format!("prod_migrated{i:04}")
}

impl Flowglad {
    pub async fn start(products: usize) -> Self {
        let mut b = FlowgladEmulator::builder(FLOWGLAD_KEY);
        for i in 0..products {
            b = b.product(flowglad_product(i), false);
        }
        let emulator = b.build();
        let server = TestServer::router(emulator.router()).await;
        let config = FlowgladConfig::builder(FLOWGLAD_KEY)
            .base_url(server.url().as_str())
            .currency(Currency::USD)
            .build()
            .unwrap();
        let client = FlowgladClient::builder(config).build().unwrap();
        Flowglad {
            emulator,
            server,
            client,
        }
    }

    pub fn billing(&self) -> Billing {
        Billing::builder()
            .customers(self.client.clone())
            .prices(self.client.clone())
            .subscriptions(self.client.clone())
            .build()
    }
}

/// The source customer `i` (every field Flowglad stores too: external id, name, email).
pub fn customer(i: usize) -> NewCustomer {
    NewCustomer::builder(format!("user-{i:05}"), format!("Customer {i}"))
        .email(format!("user{i}@example.com"))
        .build()
        .unwrap()
}

pub async fn fill_customers(billing: &Billing, n: usize) {
    use futures::StreamExt;
    let api = billing.customers();
    futures::stream::iter(0..n)
        .for_each_concurrent(16, |i| {
            let api = api.clone();
            async move {
                api.create(customer(i)).await.unwrap();
            }
        })
        .await;
}

/// Price `i` on product `product`: monthly, whole cents, a slug for most and none for every tenth (matched by
/// content), graduated tiers for every seventh when `tiers`.
pub fn price(i: usize, product: &str, tiers: bool) -> NewPrice {
    price_every(i, product, tiers, Interval::monthly())
}

/// [`price`] billed every `interval`.
pub fn price_every(i: usize, product: &str, tiers: bool, interval: Interval) -> NewPrice {
    let amount = Money::parse(&format!("{}.{:02}", 5 + i, i % 100), Currency::USD).unwrap();
    let mut b = if tiers && i % 7 == 3 {
        NewPrice::builder(
            PriceKind::recurring(interval),
            Money::parse("0", Currency::USD).unwrap(),
        )
        .tiered(
            TierMode::Graduated,
            vec![
                PriceTier::up_to(10, amount.clone()),
                PriceTier::rest(Money::parse("1.00", Currency::USD).unwrap()),
            ],
        )
    } else {
        NewPrice::builder(PriceKind::recurring(interval), amount)
    };
    b = b.product_id(product).name(format!("Price {i}"));
    if i % 10 != 9 {
        b = b.slug(format!("price-{i:04}"));
    }
    b.build().unwrap()
}

/// A memory source: `customers` customers and `prices` prices over `prices / 10` products, the ten prices of a
/// product each billed every 1 to 10 months (a subscription to one bills that one alone, also on a destination
/// that bills the whole product).
pub async fn memory_source(customers: usize, prices: usize) -> Billing {
    let billing = Billing::memory();
    fill_customers(&billing, customers).await;
    let api = billing.prices();
    for i in 0..prices {
        let every = Interval::new(unibill_core::IntervalUnit::Month, 1 + (i % 10) as u32);
        api.create(price_every(i, &format!("prod_{}", i / 10), true, every))
            .await
            .unwrap();
    }
    billing
}

/// A Flexprice source: `customers` customers and one plan per price. Returns the plan ids, in price order.
pub async fn fill_flexprice(source: &Flexprice, customers: usize, prices: usize) -> Vec<String> {
    fill_customers(&source.billing(), customers).await;
    let api = source.billing().prices();
    let mut plans = Vec::new();
    for i in 0..prices {
        let plan = source
            .client
            .create_plan(NewPlan::builder(format!("Plan {i}")).build().unwrap())
            .await
            .unwrap();
        api.create(price(i, &plan.id, false)).await.unwrap();
        plans.push(plan.id);
    }
    plans
}

/// Writes the server saw (anything but GET, and but the POST searches that only read).
pub fn writes(server: &TestServer) -> Vec<String> {
    server
        .requests()
        .into_iter()
        .filter(|r| r.method != http::Method::GET && !r.path.ends_with("/search"))
        .map(|r| format!("{} {}", r.method, r.path))
        .collect()
}

/// `n` subscriptions on `billing`, one per customer (every `customers / n`-th: `user-00000`, …) to its active
/// recurring prices in turn, each with a key derived from its index and metadata of its own. Returns how many
/// were made.
pub async fn fill_subscriptions(billing: &Billing, customers: usize, n: usize) -> usize {
    use futures::{StreamExt, TryStreamExt};
    let prices: Vec<_> = billing
        .prices()
        .list_all(PriceListQuery::new().limit(100))
        .try_collect::<Vec<_>>()
        .await
        .unwrap()
        .into_iter()
        .filter(|p| p.active && matches!(p.kind, PriceKind::Recurring { .. }))
        .map(|p| p.id)
        .collect();
    assert!(!prices.is_empty());
    let step = (customers / n.max(1)).max(1);
    let api = billing.subscriptions();
    futures::stream::iter(0..n)
        .for_each_concurrent(16, |i| {
            let api = api.clone();
            let price = prices[i % prices.len()].clone();
            async move {
                let mut m = unibill_core::Metadata::new();
                m.insert("seat", format!("{i}"));
                let input = NewSubscription::builder(
                    CustomerRef::external_id(format!("user-{:05}", i * step)),
                    price,
                )
                .key(unibill_core::IdempotencyKey::derive(
                    "test.source",
                    &[&i.to_string()],
                ))
                .trial(Trial::FromPrice)
                .metadata(m)
                .build()
                .unwrap();
                api.create(input).await.unwrap();
            }
        })
        .await;
    n
}
