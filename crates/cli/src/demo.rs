//! `unibill demo`: the neutral flow on the memory provider, printed as a readable summary.

use std::io::Write;

use std::time::Duration;

use unibill::{
    Address, Billing, ConnectionProviderType, ConnectionSecrets, ConnectionUpdate, Connections,
    Currency, CustomerListQuery, CustomerUpdate, Customers, CustomersExt, Decimal, ErrorKind,
    Interval, IntervalUnit, Metadata, Money, NewConnection, NewCustomer, NewPrice, NewStore,
    PriceKind, PriceListQuery, PriceTier, Prices, PricesExt, Stores, StoresExt, SyncConfig,
    SyncDirection, TierMode, WaitOptions,
};

/// A demo failure: a billing error or a write error on the output.
type DemoResult = Result<(), Box<dyn std::error::Error>>;

/// Runs the customer flow on a fresh memory provider, writing one line per step.
pub async fn run(out: &mut dyn Write) -> DemoResult {
    let billing = Billing::memory();
    writeln!(
        out,
        "unibill demo: the neutral flow on the `memory` provider"
    )?;
    writeln!(out)?;
    customer_flow(&billing, out).await?;
    writeln!(out)?;
    price_flow(&billing, out).await?;
    writeln!(out)?;
    connection_flow(&billing, out).await?;
    writeln!(out)?;
    store_flow(&billing, out).await?;
    writeln!(out)?;
    writeln!(
        out,
        "demo finished: every step behaved as the neutral contract says"
    )?;
    Ok(())
}

async fn customer_flow(billing: &Billing, out: &mut dyn Write) -> DemoResult {
    let customers = billing.customers();
    writeln!(out, "customers")?;
    let input = NewCustomer::builder("demo-user-1", "Ada Lovelace")
        .email("ada@example.com")
        .address(
            Address::builder()
                .line1("12 St James's Square")
                .city("London")
                .country("GB")
                .build()?,
        )
        .time_zone("Europe/London")
        .metadata(Metadata::new().with("plan", "pro"))
        .build()?;
    let ada = customers.create(input.clone()).await?;
    step(
        out,
        "create",
        format!("{} ({}) external id {}", ada.id, ada.name, ada.external_id),
    )?;

    let dup = customers.create(input.clone()).await;
    match dup {
        Err(e) if e.kind() == ErrorKind::AlreadyExists => step(
            out,
            "duplicate",
            format!(
                "refused as already_exists, existing id {}",
                e.existing_id().unwrap_or("?")
            ),
        )?,
        other => {
            return Err(
                format!("a duplicate create should be AlreadyExists, got {other:?}").into(),
            );
        }
    }
    let ensured = customers.ensure(input).await?;
    step(
        out,
        "ensure",
        format!(
            "found existing {} (created: {})",
            ensured.get().id,
            ensured.was_created()
        ),
    )?;

    let updated = customers
        .update(
            ada.id.clone(),
            CustomerUpdate::builder()
                .name("Ada King")
                .clear_metadata()
                .build()?,
        )
        .await?;
    step(
        out,
        "update",
        format!(
            "name is now {:?}, metadata cleared: {}",
            updated.name,
            updated.metadata.is_empty()
        ),
    )?;

    for i in 2..=4 {
        customers
            .create(
                NewCustomer::builder(format!("demo-user-{i}"), format!("Demo user {i}")).build()?,
            )
            .await?;
    }
    let mut pages = 0;
    let mut seen = 0;
    let mut query = CustomerListQuery::new().limit(2);
    loop {
        let page = customers.list(query.clone()).await?;
        pages += 1;
        seen += page.items.len();
        match page.next_cursor {
            Some(c) => query = query.cursor(c),
            None => break,
        }
    }
    step(
        out,
        "list",
        format!("{seen} customers in {pages} pages of at most 2"),
    )?;

    customers.delete(ada.id.clone()).await?;
    let archived = customers.get(ada.id.clone()).await?;
    step(
        out,
        "delete",
        format!("{} is now {:?}", archived.id, archived.status),
    )?;
    let caps = billing.capabilities().customers;
    step(
        out,
        "capabilities",
        format!(
            "provider {} · max page {} · email required: {}",
            caps.provider, caps.max_page_size, caps.email_required
        ),
    )?;
    Ok(())
}

fn usd(amount: &str) -> Result<Money, unibill::Error> {
    Money::parse(amount, Currency::USD)
}

async fn price_flow(billing: &Billing, out: &mut dyn Write) -> DemoResult {
    let prices = billing.prices();
    writeln!(out, "prices")?;
    let monthly = NewPrice::builder(PriceKind::recurring(Interval::monthly()), usd("29.00")?)
        .product_id("plan_pro")
        .name("Pro monthly")
        .slug("pro-monthly")
        .trial_days(14)
        .setup_fee(usd("10.00")?)
        .build()?;
    let pro = prices.create(monthly.clone()).await?;
    step(
        out,
        "recurring",
        format!(
            "{} {} every {} (trial {} days)",
            pro.id,
            pro.unit_amount,
            pro.kind
                .interval()
                .map(|i| i.to_string())
                .unwrap_or_default(),
            14
        ),
    )?;
    let ensured = prices.ensure(monthly).await?;
    step(
        out,
        "ensure slug",
        format!(
            "pro-monthly already exists as {} (created: {})",
            ensured.get().id,
            ensured.was_created()
        ),
    )?;

    let api_calls = NewPrice::builder(
        PriceKind::usage(Interval::new(IntervalUnit::Month, 1), "meter_api_calls"),
        Money::new(Decimal::ZERO, Currency::USD),
    )
    .product_id("plan_pro")
    .slug("api-calls")
    .tiered(
        TierMode::Graduated,
        vec![
            PriceTier::up_to(10_000, usd("0")?),
            PriceTier::up_to(1_000_000, usd("0.0015")?),
            PriceTier::rest(usd("0.00099")?),
        ],
    )
    .build()?;
    let usage = prices.create(api_calls).await?;
    let tiers = match &usage.scheme {
        unibill::PricingScheme::Tiered { tiers, .. } => tiers
            .iter()
            .map(|t| t.unit_amount.amount.to_string())
            .collect::<Vec<_>>()
            .join(" / "),
        other => other.name().to_owned(),
    };
    step(
        out,
        "usage",
        format!(
            "{} graduated tiers {tiers} USD per call (exact decimals)",
            usage.id
        ),
    )?;

    let bad = NewPrice::builder(PriceKind::OneTime, Money::new(Decimal::ZERO, Currency::USD))
        .tiered(
            TierMode::Volume,
            vec![
                PriceTier::up_to(100, usd("1")?),
                PriceTier::up_to(50, usd("1")?),
                PriceTier::rest(usd("1")?),
            ],
        )
        .build();
    if let Err(e) = bad {
        step(out, "validation", format!("refused before sending: {e}"))?;
    }

    let archived = prices.archive(pro.id.clone()).await?;
    let listed = prices
        .list(PriceListQuery::new().product_id("plan_pro"))
        .await?;
    step(
        out,
        "archive",
        format!(
            "{} active: {} · {} active price(s) left on plan_pro",
            archived.id,
            archived.active,
            listed.items.len()
        ),
    )?;
    Ok(())
}

async fn connection_flow(billing: &Billing, out: &mut dyn Write) -> DemoResult {
    let connections = billing.connections();
    writeln!(out, "connections")?;
    let input = NewConnection::builder("Stripe (test mode)", ConnectionProviderType::Stripe)
        .secrets(ConnectionSecrets::stripe(
            "pk_test_demo",
            "sk_test_demo_do_not_print",
            "whsec_demo",
        ))
        .sync_config(SyncConfig {
            customer: Some(SyncDirection::BOTH),
            invoice: Some(SyncDirection::OUTBOUND),
            ..Default::default()
        })
        .build()?;
    let stripe = connections.create(input).await?;
    let json = serde_json::to_string(&stripe)?;
    step(
        out,
        "create",
        format!(
            "{} ({}) · secret readable back: {}",
            stripe.id,
            stripe.provider_type,
            json.contains("sk_test_demo_do_not_print")
        ),
    )?;
    let renamed = connections
        .update(
            stripe.id.clone(),
            ConnectionUpdate::builder().name("Stripe (EU)").build()?,
        )
        .await?;
    step(out, "update", format!("name is now {:?}", renamed.name))?;
    connections.delete(stripe.id.clone()).await?;
    let gone = connections.get(stripe.id.clone()).await;
    step(
        out,
        "delete",
        format!(
            "{} archived; get answers {}",
            stripe.id,
            gone.err().map(|e| e.kind().to_string()).unwrap_or_default()
        ),
    )?;
    Ok(())
}

async fn store_flow(billing: &Billing, out: &mut dyn Write) -> DemoResult {
    let stores = billing.stores();
    writeln!(out, "stores")?;
    let configs = stores.list_configurations(None).await?;
    let config = configs.first().ok_or("no integration configuration")?;
    let products = stores.list_products(config.id.clone()).await?;
    let product = products.first().ok_or("no product")?;
    step(
        out,
        "catalogue",
        format!(
            "configuration {} · product {} ({})",
            config.id, product.slug, product.id
        ),
    )?;
    let integration = config
        .integration_slug
        .clone()
        .ok_or("configuration without an integration")?;
    let plans = stores
        .list_billing_plans(integration, product.id.clone())
        .await?;
    step(
        out,
        "billing plans",
        plans
            .iter()
            .map(|p| {
                format!(
                    "{} ({}{})",
                    p.name,
                    p.plan_type,
                    if p.payment_method_required {
                        ", payment method"
                    } else {
                        ""
                    }
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
    )?;
    let paid = plans
        .iter()
        .find(|p| {
            p.payment_method_required && p.plan_type == unibill::BillingPlanType::Subscription
        })
        .ok_or("no paid plan")?;
    let refused = stores
        .create(
            NewStore::builder("demo-paid", config.id.clone(), product.slug.clone())
                .billing_plan_id(paid.id.clone())
                .build()?,
        )
        .await;
    if let Err(e) = refused {
        step(
            out,
            "paid plan",
            format!("without a payment method: {}", e.kind()),
        )?;
    }
    let store = stores
        .create(
            NewStore::builder("demo-db", config.id.clone(), product.slug.clone())
                .metadata_entry("region", "fra1")
                .build()?,
        )
        .await?;
    let id = store.id.clone().ok_or("the store has no id")?;
    step(
        out,
        "create",
        format!(
            "{} on plan {} is {}",
            id,
            store
                .billing_plan
                .as_ref()
                .map(|p| p.name.as_str())
                .unwrap_or("?"),
            store
                .status
                .as_ref()
                .map(|s| s.to_string())
                .unwrap_or_default()
        ),
    )?;
    let ready = stores
        .wait_until_ready(id.clone(), WaitOptions::new(Duration::ZERO, 10))
        .await?;
    step(
        out,
        "wait",
        format!(
            "ready: {} · secrets {}",
            ready.is_ready(),
            ready
                .secrets
                .iter()
                .map(|s| format!("{} ({} chars)", s.name, s.length))
                .collect::<Vec<_>>()
                .join(", ")
        ),
    )?;
    stores.delete(id.clone()).await?;
    step(out, "delete", format!("{id} deleted"))?;
    Ok(())
}

fn step(out: &mut dyn Write, what: &str, detail: String) -> std::io::Result<()> {
    writeln!(out, "  {what:<13} {detail}")
}

#[cfg(test)]
mod tests {
    #[tokio::test]
    async fn demo_runs_and_reports_each_step() {
        let mut out = Vec::new();
        super::run(&mut out).await.unwrap();
        let text = String::from_utf8(out).unwrap();
        for step in [
            "create",
            "duplicate",
            "ensure",
            "update",
            "list",
            "delete",
            "capabilities",
            "prices",
            "recurring",
            "ensure slug",
            "usage",
            "validation",
            "archive",
            "connections",
            "stores",
            "catalogue",
            "billing plans",
            "paid plan",
            "wait",
            "demo finished",
        ] {
            assert!(text.contains(step), "missing {step} in:\n{text}");
        }
        assert!(text.contains("4 customers in 2 pages"), "{text}");
        assert!(
            text.contains("0.0015"),
            "tier amounts keep their precision:\n{text}"
        );
        assert!(text.contains("secret readable back: false"), "{text}");
        assert!(!text.contains("sk_test_demo_do_not_print"), "{text}");
        assert!(text.contains("ready: true"), "{text}");
        assert!(text.contains("payment_required"), "{text}");
        assert!(text.contains("(created: false)"), "{text}");
    }
}
