//! Every operation of every adapter, through its executor, against one base URL a test chooses (a server
//! that answers whatever the test needs: hostile bodies, redirects, …). Each adapter's executor is adjusted by
//! the test (retry policy, sleeper, client builder).
//!
//! Included with `#[path = "support/operations.rs"] mod operations;` by the tests that need it.

#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use futures::future::BoxFuture;
use rust_decimal::Decimal;
use unibill::{
    Billing, ConnectionId, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionUpdate, Currency, CustomerId, CustomerListQuery, CustomerUpdate, Error, Interval,
    Money, NewConnection, NewCustomer, NewPrice, NewStore, PriceId, PriceKind, PriceListQuery,
    PriceUpdate, StoreId,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{FixedClock, HttpExecutorBuilder};
use unibill_vercel::{VercelClient, VercelConfig};
use url::Url;

/// The Flexprice API key every operation is sent with.
pub const FLEXPRICE_KEY: &str = "sk_planted_flexprice_key_0001";
/// The Flowglad secret key.
pub const FLOWGLAD_KEY: &str = "sk_test_planted_flowglad_key_0001";
/// The Vercel token.
pub const VERCEL_TOKEN: &str = "vercel_planted_token_0001";
/// The Stripe secret key in the `connections.create` body.
pub const STRIPE_SECRET_KEY: &str = "sk_test_planted_stripe_secret_0001";
/// The Stripe webhook secret in the `connections.create` body.
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_planted_stripe_webhook_0001";

/// Every secret the operations carry.
pub const SECRETS: [&str; 5] = [
    FLEXPRICE_KEY,
    FLOWGLAD_KEY,
    VERCEL_TOKEN,
    STRIPE_SECRET_KEY,
    STRIPE_WEBHOOK_SECRET,
];

/// One operation: its name (`"flexprice customers.create"`) and a call that makes it once.
pub struct Op {
    pub name: &'static str,
    /// Whether it writes (a create, update or delete).
    pub writes: bool,
    call: Box<dyn Fn() -> BoxFuture<'static, Result<(), Error>> + Send + Sync>,
}

impl Op {
    /// Makes the call.
    pub fn call(&self) -> BoxFuture<'static, Result<(), Error>> {
        (self.call)()
    }
}

fn op<F>(name: &'static str, writes: bool, f: impl Fn() -> F + Send + Sync + 'static) -> Op
where
    F: std::future::Future<Output = Result<(), Error>> + Send + 'static,
{
    Op {
        name,
        writes,
        call: Box::new(move || Box::pin(f())),
    }
}

/// How every adapter's executor is adjusted.
pub type Configure = Arc<dyn Fn(HttpExecutorBuilder) -> HttpExecutorBuilder + Send + Sync>;

/// Every operation of every adapter, each adapter's base URL under `base` (Flexprice's at `base/v1`).
pub fn every_operation(base: &Url, configure: Configure) -> Vec<Op> {
    every_operation_on(base, configure, "id_1")
}

/// [`every_operation`], every id argument (customer, external, connection, price, store, configuration id)
/// being `id` (`"cus_id_1"` style prefixes are added where a provider's ids have them).
pub fn every_operation_on(base: &Url, configure: Configure, id: &str) -> Vec<Op> {
    let id: Arc<str> = Arc::from(id);
    let c = Arc::clone(&configure);
    let flexprice = FlexpriceClient::builder(
        FlexpriceConfig::builder(FLEXPRICE_KEY)
            .base_url(base.join("v1").unwrap())
            .build()
            .unwrap(),
    )
    .executor(move |b| c(b))
    .build()
    .unwrap();
    let c = Arc::clone(&configure);
    let flowglad = FlowgladClient::builder(
        FlowgladConfig::builder(FLOWGLAD_KEY)
            .base_url(base.as_str())
            .currency(Currency::USD)
            .build()
            .unwrap(),
    )
    .executor(move |b| c(b))
    .build()
    .unwrap();
    let c = Arc::clone(&configure);
    let vercel = VercelClient::builder(
        VercelConfig::builder(VERCEL_TOKEN)
            .team_id("team_planted")
            .base_url(base.as_str())
            .build()
            .unwrap(),
    )
    .clock(FixedClock(UNIX_EPOCH + Duration::from_secs(1_700_000_000)))
    .executor(move |b| c(b))
    .build()
    .unwrap();
    let fx = Billing::builder()
        .customers(flexprice.clone())
        .connections(flexprice)
        .build();
    let fg = Billing::builder()
        .customers(flowglad.clone())
        .prices(flowglad)
        .build();
    let vc = Billing::builder().stores(vercel).build();

    let customer = || {
        NewCustomer::builder("ext_1", "Ada")
            .email("ada@example.com")
            .build()
            .unwrap()
    };
    let rename = || CustomerUpdate::builder().name("Ada K").build().unwrap();
    let mut ops: Vec<Op> = Vec::new();
    for (provider, billing) in [("flexprice", &fx), ("flowglad", &fg)] {
        let c = billing.customers();
        let names: [&'static str; 6] = if provider == "flexprice" {
            [
                "flexprice customers.create",
                "flexprice customers.get",
                "flexprice customers.get_by_external_id",
                "flexprice customers.list",
                "flexprice customers.update",
                "flexprice customers.delete",
            ]
        } else {
            [
                "flowglad customers.create",
                "flowglad customers.get",
                "flowglad customers.get_by_external_id",
                "flowglad customers.list",
                "flowglad customers.update",
                "flowglad customers.delete",
            ]
        };
        let c1 = c.clone();
        ops.push(op(names[0], true, move || {
            let c = c1.clone();
            async move { c.create(customer()).await.map(drop) }
        }));
        let c1 = c.clone();
        let shared_id = Arc::clone(&id);
        ops.push(op(names[1], false, move || {
            let id = Arc::clone(&shared_id);
            let c = c1.clone();
            async move { c.get(CustomerId::new(&*id)).await.map(drop) }
        }));
        let c1 = c.clone();
        let shared_id = Arc::clone(&id);
        ops.push(op(names[2], false, move || {
            let id = Arc::clone(&shared_id);
            let c = c1.clone();
            async move { c.get_by_external_id(id.to_string()).await.map(drop) }
        }));
        let c1 = c.clone();
        ops.push(op(names[3], false, move || {
            let c = c1.clone();
            async move { c.list(CustomerListQuery::new()).await.map(drop) }
        }));
        let c1 = c.clone();
        let shared_id = Arc::clone(&id);
        ops.push(op(names[4], true, move || {
            let id = Arc::clone(&shared_id);
            let c = c1.clone();
            async move { c.update(CustomerId::new(&*id), rename()).await.map(drop) }
        }));
        let c1 = c.clone();
        let shared_id = Arc::clone(&id);
        ops.push(op(names[5], true, move || {
            let id = Arc::clone(&shared_id);
            let c = c1.clone();
            async move { c.delete(CustomerId::new(&*id)).await }
        }));
    }
    let conn = fx.connections();
    let k = conn.clone();
    ops.push(op("flexprice connections.create", true, move || {
        let k = k.clone();
        async move {
            let input = NewConnection::builder("S", ConnectionProviderType::Stripe)
                .secrets(ConnectionSecrets::stripe(
                    "pk_test_planted",
                    STRIPE_SECRET_KEY,
                    STRIPE_WEBHOOK_SECRET,
                ))
                .build()
                .unwrap();
            k.create(input).await.map(drop)
        }
    }));
    let k = conn.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("flexprice connections.get", false, move || {
        let id = Arc::clone(&shared_id);
        let k = k.clone();
        async move { k.get(ConnectionId::new(&*id)).await.map(drop) }
    }));
    let k = conn.clone();
    ops.push(op("flexprice connections.list", false, move || {
        let k = k.clone();
        async move { k.list(ConnectionListQuery::new()).await.map(drop) }
    }));
    let k = conn.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("flexprice connections.update", true, move || {
        let id = Arc::clone(&shared_id);
        let k = k.clone();
        async move {
            let u = ConnectionUpdate::builder().name("T").build().unwrap();
            k.update(ConnectionId::new(&*id), u).await.map(drop)
        }
    }));
    let k = conn.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("flexprice connections.delete", true, move || {
        let id = Arc::clone(&shared_id);
        let k = k.clone();
        async move { k.delete(ConnectionId::new(&*id)).await }
    }));
    let p = fg.prices();
    let usage = || {
        NewPrice::builder(
            PriceKind::usage(Interval::monthly(), "meter_1"),
            Money::new(Decimal::new(25, 2), Currency::USD),
        )
    };
    let q = p.clone();
    ops.push(op("flowglad prices.create (no slug)", true, move || {
        let q = q.clone();
        async move { q.create(usage().build().unwrap()).await.map(drop) }
    }));
    let q = p.clone();
    ops.push(op("flowglad prices.create (slug)", true, move || {
        let q = q.clone();
        async move { q.create(usage().slug("s").build().unwrap()).await.map(drop) }
    }));
    let q = p.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("flowglad prices.get", false, move || {
        let id = Arc::clone(&shared_id);
        let q = q.clone();
        async move { q.get(PriceId::new(&*id)).await.map(drop) }
    }));
    let q = p.clone();
    ops.push(op("flowglad prices.list", false, move || {
        let q = q.clone();
        async move { q.list(PriceListQuery::new()).await.map(drop) }
    }));
    let q = p.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("flowglad prices.update", true, move || {
        let id = Arc::clone(&shared_id);
        let q = q.clone();
        async move {
            let u = PriceUpdate::builder().name("N").build().unwrap();
            q.update(PriceId::new(&*id), u).await.map(drop)
        }
    }));
    let q = p.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("flowglad prices.archive", true, move || {
        let id = Arc::clone(&shared_id);
        let q = q.clone();
        async move { q.archive(PriceId::new(&*id)).await.map(drop) }
    }));
    let s = vc.stores();
    let t = s.clone();
    ops.push(op("vercel stores.create", true, move || {
        let t = t.clone();
        async move {
            let input = NewStore::builder("db", "icfg_1", "neon").build().unwrap();
            t.create(input).await.map(drop)
        }
    }));
    let t = s.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("vercel stores.get", false, move || {
        let id = Arc::clone(&shared_id);
        let t = t.clone();
        async move { t.get(StoreId::new(&*id)).await.map(drop) }
    }));
    let t = s.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("vercel stores.delete", true, move || {
        let id = Arc::clone(&shared_id);
        let t = t.clone();
        async move { t.delete(StoreId::new(&*id)).await }
    }));
    let t = s.clone();
    let shared_id = Arc::clone(&id);
    ops.push(op("vercel billing_plans.list", false, move || {
        let id = Arc::clone(&shared_id);
        let t = t.clone();
        async move {
            // An id the query refuses (too long) is refused before any I/O as well.
            let query = unibill::BillingPlanQuery::new(&*id, "neon")?;
            t.list_billing_plans(query).await.map(drop)
        }
    }));
    ops
}
