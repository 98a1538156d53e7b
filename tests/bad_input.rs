//! The bad-input matrix (issue #11): for every neutral input type, invalid values → `InvalidInput` or
//! `Unsupported` naming the field, and nothing sent. Provider-independent rows fail in the validating builders;
//! provider-dependent rows run through `Billing` built on each adapter against its emulator, whose request count
//! must stay 0.

#![cfg(all(feature = "flexprice", feature = "flowglad", feature = "vercel"))]

use std::future::Future;
use std::pin::Pin;
use std::time::{Duration, UNIX_EPOCH};

use rust_decimal::Decimal;
use unibill::{
    Address, Billing, ConnectionListQuery, ConnectionProviderType, ConnectionSecrets,
    ConnectionUpdate, Currency, Cursor, CustomerId, CustomerListQuery, CustomerUpdate, Error,
    ErrorKind, Interval, Money, NewConnection, NewCustomer, NewPrice, NewStore, PriceId, PriceKind,
    PriceListQuery, PriceTier, PriceUpdate, StoreId, SyncConfig, SyncDirection, TierMode,
};
use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
use unibill_flowglad::{FlowgladClient, FlowgladConfig};
use unibill_http::{FixedClock, RetryPolicy};
use unibill_testkit::TestServer;
use unibill_testkit::emulators::{flexprice, flowglad, vercel};
use unibill_vercel::{VercelClient, VercelConfig};

const LONG: usize = 10_000;

fn usd(amount: &str) -> Money {
    Money::parse(amount, Currency::USD).unwrap()
}

fn check(label: &str, result: Result<(), Error>, kind: ErrorKind, field: &str) {
    let err = result.expect_err(label);
    assert_eq!(err.kind(), kind, "{label}: {err}");
    let fields: Vec<&str> = err
        .field_errors()
        .iter()
        .map(|f| f.field.as_str())
        .collect();
    assert!(
        fields.iter().any(|f| f.starts_with(field)) || err.to_string().contains(field),
        "{label}: {err} names {fields:?}, not {field}"
    );
}

/// Builder rows: (label, the builder's result, field). All are `InvalidInput`.
fn builder_rows() -> Vec<(&'static str, Result<(), Error>, &'static str)> {
    let long = "x".repeat(LONG);
    let customer = |ext: &str, name: &str| NewCustomer::builder(ext, name);
    vec![
        // NewCustomer
        (
            "customer external_id empty",
            customer("", "A").build().map(drop),
            "external_id",
        ),
        (
            "customer external_id too long",
            customer(&long, "A").build().map(drop),
            "external_id",
        ),
        (
            "customer name empty",
            customer("e", "").build().map(drop),
            "name",
        ),
        (
            "customer name too long",
            customer("e", &long).build().map(drop),
            "name",
        ),
        (
            "customer bad email",
            customer("e", "A").email("not-an-email").build().map(drop),
            "email",
        ),
        (
            "customer email too long",
            customer("e", "A")
                .email(format!("{long}@example.com"))
                .build()
                .map(drop),
            "email",
        ),
        (
            "customer contact empty",
            customer("e", "A").contact("").build().map(drop),
            "contact",
        ),
        (
            "customer bad time zone",
            customer("e", "A")
                .time_zone("Mars/Olympus_Mons")
                .build()
                .map(drop),
            "time_zone",
        ),
        (
            "customer bad country",
            Address::builder()
                .line1("1 Main St")
                .country("ZZ")
                .build()
                .map(drop),
            "country",
        ),
        // CustomerUpdate
        (
            "update external_id empty",
            CustomerUpdate::builder().external_id("").build().map(drop),
            "external_id",
        ),
        (
            "update name empty",
            CustomerUpdate::builder().name("").build().map(drop),
            "name",
        ),
        (
            "update name too long",
            CustomerUpdate::builder()
                .name(long.clone())
                .build()
                .map(drop),
            "name",
        ),
        (
            "update bad email",
            CustomerUpdate::builder().email("a@").build().map(drop),
            "email",
        ),
        (
            "update bad time zone",
            CustomerUpdate::builder()
                .time_zone("Nowhere/None")
                .build()
                .map(drop),
            "time_zone",
        ),
        // NewPrice
        (
            "price negative amount",
            NewPrice::builder(PriceKind::OneTime, usd("-1.00"))
                .product_id("p")
                .build()
                .map(drop),
            "unit_amount",
        ),
        (
            "price slug empty",
            NewPrice::builder(PriceKind::OneTime, usd("1.00"))
                .product_id("p")
                .slug("")
                .build()
                .map(drop),
            "slug",
        ),
        (
            "price slug too long",
            NewPrice::builder(PriceKind::OneTime, usd("1.00"))
                .product_id("p")
                .slug(long.clone())
                .build()
                .map(drop),
            "slug",
        ),
        (
            "price name empty",
            NewPrice::builder(PriceKind::OneTime, usd("1.00"))
                .product_id("p")
                .name("")
                .build()
                .map(drop),
            "name",
        ),
        (
            "price setup fee in another currency",
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd("1.00"))
                .product_id("p")
                .setup_fee(Money::parse("1.00", Currency::EUR).unwrap())
                .build()
                .map(drop),
            "setup_fee",
        ),
        (
            "price package of zero units",
            NewPrice::builder(PriceKind::OneTime, usd("1.00"))
                .product_id("p")
                .package(0, unibill::PackageRounding::Up)
                .build()
                .map(drop),
            "scheme",
        ),
        // PriceUpdate
        (
            "price update name empty",
            PriceUpdate::builder().name("").build().map(drop),
            "name",
        ),
        (
            "price update slug empty",
            PriceUpdate::builder().slug("").build().map(drop),
            "slug",
        ),
        // NewConnection / ConnectionUpdate
        (
            "connection name empty",
            NewConnection::builder("", ConnectionProviderType::Stripe)
                .build()
                .map(drop),
            "name",
        ),
        (
            "connection name too long",
            NewConnection::builder(long.clone(), ConnectionProviderType::Stripe)
                .build()
                .map(drop),
            "name",
        ),
        (
            "connection update name empty",
            ConnectionUpdate::builder().name("").build().map(drop),
            "name",
        ),
        // NewStore
        (
            "store name empty",
            NewStore::builder("", "icfg_1", "neon").build().map(drop),
            "name",
        ),
        (
            "store name too long",
            NewStore::builder(long.clone(), "icfg_1", "neon")
                .build()
                .map(drop),
            "name",
        ),
        (
            "store configuration empty",
            NewStore::builder("db", "", "neon").build().map(drop),
            "configuration_id",
        ),
        (
            "store product empty",
            NewStore::builder("db", "icfg_1", "").build().map(drop),
            "product",
        ),
        (
            "store negative prepayment",
            NewStore::builder("db", "icfg_1", "neon")
                .prepayment(usd("-5"))
                .build()
                .map(drop),
            "prepayment",
        ),
    ]
}

#[test]
fn invalid_values_fail_in_the_builders_naming_the_field() {
    let rows = builder_rows();
    for (label, result, field) in rows {
        check(label, result, ErrorKind::InvalidInput, field);
    }
}

type Call = Pin<Box<dyn Future<Output = Result<(), Error>> + Send>>;

/// A provider row: label, expected kind, field, the call.
struct Row {
    label: &'static str,
    kind: ErrorKind,
    field: &'static str,
    call: Call,
}

fn row(
    label: &'static str,
    kind: ErrorKind,
    field: &'static str,
    call: impl Future<Output = Result<(), Error>> + Send + 'static,
) -> Row {
    Row {
        label,
        kind,
        field,
        call: Box::pin(call),
    }
}

async fn run_rows(provider: &str, server: &TestServer, rows: Vec<Row>) -> usize {
    let n = rows.len();
    for r in rows {
        let label = format!("{provider}: {}", r.label);
        check(&label, r.call.await, r.kind, r.field);
        assert_eq!(server.request_count(), 0, "{label}: a request was sent");
    }
    n
}

fn foreign_cursor() -> Cursor {
    Cursor::encode("some-other-provider", 7, "position")
}

#[tokio::test]
async fn flexprice_refuses_what_it_cannot_do_before_sending() {
    let emulator = flexprice::FlexpriceEmulator::new("sk_matrix");
    let server = TestServer::router(emulator.router()).await;
    let config = FlexpriceConfig::builder("sk_matrix")
        .base_url(server.url().join("v1").unwrap())
        .build()
        .unwrap();
    let client = FlexpriceClient::builder(config)
        .executor(|b| b.retry_policy(RetryPolicy::never()))
        .build()
        .unwrap();
    let billing = Billing::builder()
        .customers(client.clone())
        .connections(client)
        .build();
    let (customers, connections) = (billing.customers(), billing.connections());
    let wide = Address::builder().line1("ü".repeat(200)).build().unwrap();
    let rows = vec![
        row(
            "address line too long for Flexprice",
            ErrorKind::InvalidInput,
            "address.line1",
            {
                let c = customers.clone();
                async move {
                    c.create(
                        NewCustomer::builder("w", "W")
                            .address(wide)
                            .build()
                            .unwrap(),
                    )
                    .await
                    .map(drop)
                }
            },
        ),
        row("foreign cursor", ErrorKind::InvalidInput, "cursor", {
            let c = customers.clone();
            async move {
                c.list(CustomerListQuery::new().cursor(foreign_cursor()))
                    .await
                    .map(drop)
            }
        }),
        row("empty customer id", ErrorKind::InvalidInput, "id", {
            let c = customers.clone();
            async move { c.get(CustomerId::new("")).await.map(drop) }
        }),
        row(
            "connection type Flexprice has no route for",
            ErrorKind::Unsupported,
            "provider_type",
            {
                let c = connections.clone();
                async move {
                    c.create(
                        NewConnection::builder("A", ConnectionProviderType::from("acme"))
                            .build()
                            .unwrap(),
                    )
                    .await
                    .map(drop)
                }
            },
        ),
        row(
            "sync direction Flexprice rejects",
            ErrorKind::InvalidInput,
            "sync_config.plan.outbound",
            {
                let c = connections.clone();
                async move {
                    let input = NewConnection::builder("S", ConnectionProviderType::Stripe)
                        .secrets(ConnectionSecrets::stripe("pk", "sk", "wh"))
                        .sync_config(SyncConfig {
                            plan: Some(SyncDirection::OUTBOUND),
                            ..Default::default()
                        })
                        .build()
                        .unwrap();
                    c.create(input).await.map(drop)
                }
            },
        ),
        row(
            "foreign connection cursor",
            ErrorKind::InvalidInput,
            "cursor",
            {
                let c = connections.clone();
                async move {
                    c.list(ConnectionListQuery::new().cursor(foreign_cursor()))
                        .await
                        .map(drop)
                }
            },
        ),
        row(
            "prices are not served by Flexprice here",
            ErrorKind::Unsupported,
            "prices",
            {
                let p = billing.prices();
                async move { p.get(PriceId::new("price_1")).await.map(drop) }
            },
        ),
    ];
    let n = run_rows("flexprice", &server, rows).await;
    assert_eq!(emulator.request_count(), 0);
    assert!(n >= 7);
}

#[tokio::test]
async fn flowglad_refuses_what_it_cannot_do_before_sending() {
    let emulator = flowglad::FlowgladEmulator::new("sk_test_matrix");
    let server = TestServer::router(emulator.router()).await;
    let config = FlowgladConfig::builder("sk_test_matrix")
        .base_url(server.url().as_str())
        .currency(Currency::USD)
        .build()
        .unwrap();
    let client = FlowgladClient::builder(config)
        .executor(|b| b.retry_policy(RetryPolicy::never()))
        .build()
        .unwrap();
    let billing = Billing::builder()
        .customers(client.clone())
        .prices(client)
        .build();
    let (customers, prices) = (billing.customers(), billing.prices());
    let meter = flowglad::seed::USAGE_METER_ID;
    let product = flowglad::seed::PRO_PRODUCT_ID;
    let usage = move |amount: Money| {
        NewPrice::builder(PriceKind::usage(Interval::monthly(), meter), amount)
    };
    let create = |label, kind, field, input: Result<NewPrice, Error>| {
        let p = prices.clone();
        row(label, kind, field, async move {
            p.create(input?).await.map(drop)
        })
    };
    let create_customer = |label, kind, field, input: NewCustomer| {
        let c = customers.clone();
        row(label, kind, field, async move {
            c.create(input).await.map(drop)
        })
    };
    let rows = vec![
        create(
            "amount in a currency the account does not bill in",
            ErrorKind::InvalidInput,
            "currency",
            usage(Money::parse("1.00", Currency::EUR).unwrap()).build(),
        ),
        create(
            "amount finer than a cent",
            ErrorKind::InvalidInput,
            "unit_amount",
            usage(usd("0.001")).build(),
        ),
        create(
            "amount with more digits than a cent, even if zero-valued",
            ErrorKind::InvalidInput,
            "unit_amount",
            usage(Money::new(Decimal::new(12_345, 4), Currency::USD)).build(),
        ),
        create(
            "description",
            ErrorKind::Unsupported,
            "description",
            usage(usd("1")).description("d").build(),
        ),
        create(
            "metadata",
            ErrorKind::Unsupported,
            "metadata",
            usage(usd("1")).metadata(Default::default()).build(),
        ),
        create(
            "setup fee",
            ErrorKind::Unsupported,
            "setup_fee",
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd("1"))
                .product_id(product)
                .setup_fee(usd("5"))
                .build(),
        ),
        create(
            "usage price with a product",
            ErrorKind::InvalidInput,
            "product_id",
            usage(usd("1")).product_id(product).build(),
        ),
        create(
            "recurring price without a product",
            ErrorKind::InvalidInput,
            "product_id",
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd("1")).build(),
        ),
        create(
            "tiered scheme",
            ErrorKind::Unsupported,
            "scheme",
            NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd("0"))
                .product_id(product)
                .tiered(
                    TierMode::Volume,
                    vec![PriceTier::up_to(10, usd("1")), PriceTier::rest(usd("0.5"))],
                )
                .build(),
        ),
        create(
            "created inactive (Flowglad keeps every new price active)",
            ErrorKind::InvalidInput,
            "active",
            usage(usd("1")).active(false).build(),
        ),
        create_customer(
            "customer contact",
            ErrorKind::Unsupported,
            "contact",
            NewCustomer::builder("c1", "C")
                .contact("Bob")
                .build()
                .unwrap(),
        ),
        create_customer(
            "customer address",
            ErrorKind::Unsupported,
            "address",
            NewCustomer::builder("c2", "C")
                .address(Address::builder().line1("1 Main St").build().unwrap())
                .build()
                .unwrap(),
        ),
        create_customer(
            "customer time zone",
            ErrorKind::Unsupported,
            "time_zone",
            NewCustomer::builder("c3", "C")
                .time_zone("Europe/Paris")
                .build()
                .unwrap(),
        ),
        row(
            "customer external id change",
            ErrorKind::Unsupported,
            "external_id",
            {
                let c = customers.clone();
                async move {
                    c.update(
                        CustomerId::new("c1"),
                        CustomerUpdate::builder().external_id("c9").build().unwrap(),
                    )
                    .await
                    .map(drop)
                }
            },
        ),
        row("foreign price cursor", ErrorKind::InvalidInput, "cursor", {
            let p = prices.clone();
            async move {
                p.list(PriceListQuery::new().cursor(foreign_cursor()))
                    .await
                    .map(drop)
            }
        }),
        row(
            "foreign customer cursor",
            ErrorKind::InvalidInput,
            "cursor",
            {
                let c = customers.clone();
                async move {
                    c.list(CustomerListQuery::new().cursor(foreign_cursor()))
                        .await
                        .map(drop)
                }
            },
        ),
        row(
            "connections are not served by Flowglad",
            ErrorKind::Unsupported,
            "connections",
            {
                let c = billing.connections();
                async move { c.list(ConnectionListQuery::new()).await.map(drop) }
            },
        ),
    ];
    run_rows("flowglad", &server, rows).await;
    assert_eq!(emulator.request_count(), 0);
}

#[tokio::test]
async fn vercel_refuses_what_it_cannot_do_before_sending() {
    let emulator = vercel::VercelEmulator::new("vercel_matrix");
    let server = TestServer::router(emulator.router()).await;
    let config = VercelConfig::builder("vercel_matrix")
        .team_id(vercel::seed::TEAM_ID)
        .base_url(server.url().as_str())
        .build()
        .unwrap();
    let client = VercelClient::builder(config)
        .clock(FixedClock(
            UNIX_EPOCH + Duration::from_millis(vercel::seed::NOW_MS),
        ))
        .executor(|b| b.retry_policy(RetryPolicy::never()))
        .build()
        .unwrap();
    let billing = Billing::builder().stores(client).build();
    let stores = billing.stores();
    let rows = vec![
        row("empty store id (get)", ErrorKind::InvalidInput, "id", {
            let s = stores.clone();
            async move { s.get(StoreId::new("")).await.map(drop) }
        }),
        row("empty store id (delete)", ErrorKind::InvalidInput, "id", {
            let s = stores.clone();
            async move { s.delete(StoreId::new("")).await }
        }),
        row(
            "empty integration (plans)",
            ErrorKind::InvalidInput,
            "integration",
            {
                let s = stores.clone();
                async move {
                    s.list_billing_plans(unibill::BillingPlanQuery::new("", "neon")?)
                        .await
                        .map(drop)
                }
            },
        ),
        row(
            "prepayment in another currency than Vercel bills",
            ErrorKind::InvalidInput,
            "prepayment",
            {
                let s = stores.clone();
                async move {
                    let input = NewStore::builder("db", vercel::seed::CONFIGURATION_ID, "neon")
                        .prepayment(Money::parse("5", Currency::EUR).unwrap())
                        .build()?;
                    s.create(input).await.map(drop)
                }
            },
        ),
        row(
            "customers are not served by Vercel",
            ErrorKind::Unsupported,
            "customers",
            {
                let c = billing.customers();
                async move { c.list(CustomerListQuery::new()).await.map(drop) }
            },
        ),
    ];
    run_rows("vercel", &server, rows).await;
    assert_eq!(emulator.request_count(), 0);
}
