//! `unibill demo`: one neutral flow on memory and on each adapter against its emulator (started in-process on
//! 127.0.0.1), printed side by side: a table per resource, then the billing lifecycle's tables ([`lifecycle`]),
//! a row per step, a column per provider. No credentials, no network beyond loopback.

mod lifecycle;

use std::io::Write;
use std::time::Duration;

use unibill::{
    Billing, BillingConfig, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate, Currency,
    CustomerListQuery, CustomerUpdate, CustomersExt, Error, ErrorKind, Interval, Metadata, Money,
    NewConnection, NewCustomer, NewPrice, NewStore, PriceKind, PriceListQuery, PriceTier,
    PriceUpdate, ProviderName, Resource, StoresExt, SyncConfig, SyncDirection, TierMode,
    WaitOptions,
};
use unibill_testkit::emulators::{Emulator, SeedRole};

use crate::emulators::{provider_of, start_all};
use crate::error::{CliError, CliResult};
use crate::output::table::write_table;

/// A secret used by the connections flow; it must never be printed.
pub const DEMO_SECRET: &str = "sk_test_demo_do_not_print";

/// Marks a failed step.
pub const FAILED: &str = "✗";

/// The steps of one provider on one resource: (step, outcome).
type Steps = Vec<(&'static str, String)>;

/// Runs the demo, writing the side-by-side tables to `out`. A failed step is shown in its cell and makes the
/// whole run an error (after everything is printed).
pub async fn run(out: &mut dyn Write) -> CliResult {
    let mut billings: Vec<(ProviderName, Billing)> =
        vec![(ProviderName::Memory, Billing::memory())];
    let deployment = start_all().await?;
    // The product or plan each provider's prices hang off.
    let mut products: Vec<(ProviderName, String)> =
        vec![(ProviderName::Memory, "prod_demo".to_owned())];
    for running in deployment.running() {
        let which = running.emulator();
        let p = provider_of(which);
        let mut config = BillingConfig::new();
        for r in Resource::ALL.into_iter().filter(|r| p.serves(*r)) {
            config = config.route_to(r, p);
        }
        for (name, value) in running.variables() {
            config = config.set(name, value)?;
        }
        match which {
            // A Flexprice price needs a plan: made through the adapter's own plan call, with the client the same
            // configuration gives, as an application (or `unibill plans create`) would.
            Emulator::Flexprice => {
                let plan = config
                    .flexprice_client()?
                    .create_plan(unibill::flexprice::NewPlan::builder("Pro").build()?)
                    .await?;
                products.push((p, plan.id.clone()));
            }
            Emulator::Flowglad => {
                if let Some(product) = running.seed(SeedRole::Product) {
                    products.push((p, product.to_owned()));
                }
            }
            Emulator::Vercel => {}
        }
        billings.push((p, config.build()?));
    }

    writeln!(
        out,
        "unibill demo: one neutral flow on every provider, side by side\n\
         (memory in-process; flexprice, flowglad and vercel against their emulators on 127.0.0.1)"
    )?;
    let providers: Vec<ProviderName> = billings.iter().map(|(p, _)| *p).collect();
    let product_of = |p: ProviderName| {
        products
            .iter()
            .find(|(q, _)| *q == p)
            .map_or("prod_demo", |(_, id)| id.as_str())
    };
    let mut failures = 0;
    // The four resources that describe what is sold, a table each; the lifecycle's flow follows.
    for resource in Resource::ALL.into_iter().filter(|r| !r.is_lifecycle()) {
        let mut columns: Vec<Option<Steps>> = Vec::new();
        for (p, billing) in &billings {
            columns.push(match resource {
                _ if !p.serves(resource) => None,
                Resource::Customers => Some(customers(billing).await),
                Resource::Prices => Some(prices(billing, product_of(*p)).await),
                Resource::Connections => Some(connections(billing).await),
                Resource::Stores => Some(stores(billing).await),
                // Left out of the loop: the lifecycle flow below covers them together.
                Resource::Meters
                | Resource::Features
                | Resource::Subscriptions
                | Resource::Usage
                | Resource::Entitlements
                | Resource::Invoices => None,
            });
        }
        failures += table(out, resource.as_str(), &providers, &columns, None)?;
    }
    // The billing lifecycle: run where any of its resources is offered, in tables of its own. Usage events
    // are stamped with the provider's time: the Flexprice emulator keeps its own clock.
    let flexprice_clock = lifecycle::EmulatorClock(deployment.flexprice().clone());
    let mut columns: Vec<Option<Steps>> = Vec::new();
    for (p, billing) in &billings {
        let clock: Option<&dyn unibill::Clock> = match p {
            ProviderName::Flexprice => Some(&flexprice_clock),
            _ => None,
        };
        columns.push(if lifecycle::is_offered(billing) {
            Some(lifecycle::flow(billing, product_of(*p), clock).await)
        } else {
            None
        });
    }
    writeln!(
        out,
        "\nthe billing lifecycle: a meter and two features, a product granting them, a subscription, {} usage \
         events sent three times, the entitlements, the period's invoice, cancel and uncancel",
        lifecycle::EVENTS
    )?;
    for (title, steps) in lifecycle::TABLES {
        failures += table(out, title, &providers, &columns, Some(steps))?;
    }
    drop(deployment);
    writeln!(out)?;
    if failures == 0 {
        writeln!(
            out,
            "demo finished: every offered step kept the neutral contract on every provider"
        )?;
        Ok(())
    } else {
        Err(CliError::Other(format!(
            "demo: {failures} step(s) failed (marked {FAILED})"
        )))
    }
}

/// Writes one table: a row per step (those of `only`, in its order, else every step in the order met), a column
/// per provider (`not offered` in the first row of a provider that has no column). Answers the failed cells.
fn table(
    out: &mut dyn Write,
    title: &str,
    providers: &[ProviderName],
    columns: &[Option<Steps>],
    only: Option<&[&'static str]>,
) -> CliResult<usize> {
    let steps: Vec<&'static str> = match only {
        Some(only) => only.to_vec(),
        None => {
            let mut steps: Vec<&'static str> = Vec::new();
            for col in columns.iter().flatten() {
                for (s, _) in col {
                    if !steps.contains(s) {
                        steps.push(s);
                    }
                }
            }
            steps
        }
    };
    let rows: Vec<Vec<String>> = steps
        .iter()
        .enumerate()
        .map(|(i, step)| {
            let mut row = vec![(*step).to_owned()];
            for col in columns {
                row.push(match col {
                    None if i == 0 => "not offered".to_owned(),
                    None => "—".to_owned(),
                    Some(c) => c
                        .iter()
                        .find(|(s, _)| s == step)
                        .map(|(_, v)| v.clone())
                        .unwrap_or_else(|| "—".to_owned()),
                });
            }
            row
        })
        .collect();
    let failures = rows
        .iter()
        .flatten()
        .filter(|c| c.starts_with(FAILED))
        .count();
    let mut headers = vec![title];
    headers.extend(providers.iter().map(|p| p.as_str()));
    writeln!(out)?;
    write_table(out, &headers, &rows)?;
    Ok(failures)
}

/// Records steps until one fails.
struct Flow {
    steps: Steps,
}

impl Flow {
    fn new() -> Self {
        Flow { steps: Vec::new() }
    }

    fn ok(&mut self, step: &'static str, detail: impl Into<String>) {
        self.steps.push((step, detail.into()));
    }

    /// Ends the flow at a failed step (an unsupported operation is shown, not failed).
    fn fail(mut self, step: &'static str, e: &Error) -> Steps {
        let cell = if e.kind() == ErrorKind::Unsupported {
            "unsupported".to_owned()
        } else {
            format!("{FAILED} {}", e.kind())
        };
        self.steps.push((step, cell));
        self.steps
    }
}

macro_rules! attempt {
    ($flow:ident, $step:literal, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return $flow.fail($step, &Error::from(e)),
        }
    };
}
use attempt;

/// A value in its serde spelling (`archived`).
fn label<T: serde::Serialize>(v: &T) -> String {
    crate::output::table::cell(serde_json::to_value(v).ok().as_ref())
}

fn short(id: &str) -> String {
    if id.chars().count() > 20 {
        format!("{}…", id.chars().take(19).collect::<String>())
    } else {
        id.to_owned()
    }
}

async fn customers(billing: &Billing) -> Steps {
    let mut f = Flow::new();
    let customers = billing.customers();
    let caps = customers.capabilities();
    let mut b = NewCustomer::builder("demo-ada", "Ada Lovelace").email("ada@example.com");
    if caps.fields.metadata {
        b = b.metadata(Metadata::new().with("plan", "pro"));
    }
    let input = attempt!(f, "create", b.build());
    let ada = attempt!(f, "create", customers.create(input.clone()).await);
    f.ok("create", short(ada.id.as_str()));
    match customers.create(input.clone()).await {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => f.ok(
            "duplicate",
            if e.existing_id() == Some(ada.id.as_str()) {
                "already_exists, same id"
            } else {
                "already_exists"
            },
        ),
        Err(e) => return f.fail("duplicate", &e),
        Ok(_) => {
            return f.fail(
                "duplicate",
                &Error::new(ErrorKind::Provider, "created twice"),
            );
        }
    }
    let ensured = attempt!(f, "ensure", customers.ensure(input).await);
    f.ok("ensure", format!("created: {}", ensured.was_created()));
    let got = attempt!(f, "get", customers.get(ada.id.clone()).await);
    f.ok(
        "get",
        format!("{} <{}>", got.name, got.email.unwrap_or_default()),
    );
    let update = attempt!(
        f,
        "update",
        CustomerUpdate::builder().name("Ada King").build()
    );
    let renamed = attempt!(f, "update", customers.update(ada.id.clone(), update).await);
    f.ok("update", format!("name → {}", renamed.name));
    for i in 2..=3 {
        let extra = attempt!(
            f,
            "list",
            NewCustomer::builder(format!("demo-user-{i}"), format!("Demo user {i}"))
                .email(format!("user{i}@example.com"))
                .build()
        );
        attempt!(f, "list", customers.create(extra).await);
    }
    let (mut seen, mut pages) = (0, 0);
    let mut query = CustomerListQuery::new().limit(2);
    loop {
        let page = attempt!(f, "list", customers.list(query.clone()).await);
        pages += 1;
        seen += page.items.len();
        match page.next_cursor {
            Some(c) => query = query.cursor(c),
            None => break,
        }
    }
    f.ok("list", format!("{seen} in {pages} pages of ≤2"));
    attempt!(f, "delete", customers.delete(ada.id.clone()).await);
    let after = match customers.get(ada.id.clone()).await {
        Ok(c) => format!("now {}", label(&c.status)),
        Err(e) if e.kind() == ErrorKind::NotFound => "get → not_found".to_owned(),
        Err(e) => return f.fail("delete", &e),
    };
    f.ok("delete", after);
    f.steps
}

async fn prices(billing: &Billing, product: &str) -> Steps {
    let mut f = Flow::new();
    let prices = billing.prices();
    let caps = prices.capabilities();
    let usd = |a: &str| Money::parse(a, Currency::USD);
    let amount = attempt!(f, "create", usd("29.00"));
    let mut b = NewPrice::builder(PriceKind::recurring(Interval::monthly()), amount)
        .product_id(product)
        .name("Pro monthly");
    if caps.fields.slug {
        b = b.slug("pro-monthly");
    }
    let input = attempt!(f, "create", b.build());
    let pro = attempt!(f, "create", prices.create(input).await);
    f.ok("create", short(pro.id.as_str()));
    let got = attempt!(f, "get", prices.get(pro.id.clone()).await);
    let every = got
        .kind
        .interval()
        .map(|i| i.to_string())
        .unwrap_or_default();
    f.ok("get", format!("{} / {every}", got.unit_amount));
    let one = attempt!(f, "validation", usd("1"));
    let bad = NewPrice::builder(
        PriceKind::OneTime,
        Money::new(unibill::Decimal::ZERO, Currency::USD),
    )
    .tiered(
        TierMode::Volume,
        vec![
            PriceTier::up_to(100, one.clone()),
            PriceTier::up_to(50, one.clone()),
            PriceTier::rest(one),
        ],
    )
    .build();
    match bad {
        Err(e) => f.ok(
            "validation",
            format!(
                "refused locally: {}",
                e.field_errors()
                    .first()
                    .map(|fe| fe.field.as_str())
                    .unwrap_or("input")
            ),
        ),
        Ok(_) => return f.fail("validation", &Error::new(ErrorKind::Provider, "accepted")),
    }
    if caps.update_fields.name.set {
        let update = attempt!(
            f,
            "update",
            PriceUpdate::builder().name("Pro (monthly)").build()
        );
        let renamed = attempt!(f, "update", prices.update(pro.id.clone(), update).await);
        f.ok(
            "update",
            format!("name → {}", renamed.name.unwrap_or_default()),
        );
    } else {
        f.ok("update", "unsupported (name)");
    }
    let listed = attempt!(
        f,
        "list",
        prices.list(PriceListQuery::new().product_id(product)).await
    );
    f.ok("list", format!("{} on the product", listed.items.len()));
    let archived = attempt!(f, "archive", prices.archive(pro.id.clone()).await);
    f.ok("archive", format!("active: {}", archived.active));
    f.steps
}

async fn connections(billing: &Billing) -> Steps {
    let mut f = Flow::new();
    let connections = billing.connections();
    let input = attempt!(
        f,
        "create",
        NewConnection::builder("Stripe (test mode)", ConnectionProviderType::Stripe)
            .secrets(ConnectionSecrets::stripe(
                "pk_test_demo",
                DEMO_SECRET,
                "whsec_demo"
            ))
            .sync_config(SyncConfig {
                customer: Some(SyncDirection::BOTH),
                invoice: Some(SyncDirection::OUTBOUND),
                ..Default::default()
            })
            .build()
    );
    let stripe = attempt!(f, "create", connections.create(input).await);
    f.ok("create", short(stripe.id.as_str()));
    let got = attempt!(f, "get", connections.get(stripe.id.clone()).await);
    let json = serde_json::to_string(&got).unwrap_or_default();
    f.ok(
        "get",
        format!(
            "{} · secret readable: {}",
            got.provider_type,
            if json.contains(DEMO_SECRET) {
                "yes"
            } else {
                "no"
            }
        ),
    );
    let update = attempt!(
        f,
        "update",
        ConnectionUpdate::builder().name("Stripe (EU)").build()
    );
    let renamed = attempt!(
        f,
        "update",
        connections.update(stripe.id.clone(), update).await
    );
    f.ok("update", format!("name → {}", renamed.name));
    let listed = attempt!(f, "list", connections.list(Default::default()).await);
    f.ok("list", format!("{} connection(s)", listed.items.len()));
    attempt!(f, "delete", connections.delete(stripe.id.clone()).await);
    let after = match connections.get(stripe.id.clone()).await {
        Ok(c) => format!("now {}", label(&c.status)),
        Err(e) if e.kind() == ErrorKind::NotFound => "get → not_found".to_owned(),
        Err(e) => return f.fail("delete", &e),
    };
    f.ok("delete", after);
    f.steps
}

async fn stores(billing: &Billing) -> Steps {
    let mut f = Flow::new();
    let stores = billing.stores();
    let configs = attempt!(f, "catalogue", stores.list_configurations(None).await);
    let Some(config) = configs.into_iter().find(|c| c.is_usable()) else {
        return f.fail("catalogue", &Error::not_found("no usable configuration"));
    };
    let products = attempt!(
        f,
        "catalogue",
        stores.list_products(config.id.clone()).await
    );
    let Some(product) = products.into_iter().next() else {
        return f.fail("catalogue", &Error::not_found("no product"));
    };
    f.ok("catalogue", format!("product {}", product.slug));
    let integration = config.integration_slug.clone().unwrap_or_default();
    let query = attempt!(
        f,
        "plans",
        unibill::BillingPlanQuery::new(integration, product.id.clone())
    );
    let plans = attempt!(f, "plans", stores.list_billing_plans(query).await);
    let paid = plans.iter().filter(|p| p.payment_method_required).count();
    f.ok("plans", format!("{} ({paid} paid)", plans.len()));
    let input = attempt!(
        f,
        "create",
        NewStore::builder("demo-db", config.id.clone(), product.slug.clone())
            .metadata_entry("region", "fra1")
            .build()
    );
    let store = attempt!(f, "create", stores.create(input).await);
    let Some(id) = store.id.clone() else {
        return f.fail("create", &Error::decode("the store has no id"));
    };
    f.ok("create", short(id.as_str()));
    let ready = attempt!(
        f,
        "wait",
        stores
            .wait_until_ready(id.clone(), WaitOptions::new(Duration::ZERO, 20))
            .await
    );
    f.ok(
        "wait",
        format!(
            "{} · {} secret(s)",
            ready.status.map(|s| s.to_string()).unwrap_or_default(),
            ready.secrets.len()
        ),
    );
    attempt!(f, "delete", stores.delete(id.clone()).await);
    f.ok("delete", "deleted");
    f.steps
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn demo_runs_every_provider_side_by_side() {
        let mut out = Vec::new();
        let result = super::run(&mut out).await;
        let text = String::from_utf8(out).unwrap();
        assert!(result.is_ok(), "{result:?}\n{text}");
        for p in ["memory", "flexprice", "flowglad", "vercel"] {
            assert!(text.contains(p), "missing {p}:\n{text}");
        }
        for step in [
            "create",
            "duplicate",
            "ensure",
            "update",
            "list",
            "delete",
            "archive",
            "wait",
        ] {
            assert!(text.contains(step), "missing {step}:\n{text}");
        }
        assert!(text.contains("not offered"), "{text}");
        assert!(!text.contains(super::FAILED), "{text}");
        assert!(!text.contains(super::DEMO_SECRET), "{text}");
        assert!(text.contains("secret readable: no"), "{text}");
    }
}
