//! `unibill demo`: the neutral flow on the memory provider, printed as a readable summary.

use std::io::Write;

use unibill::{
    Address, Billing, CustomerListQuery, CustomerUpdate, Customers, CustomersExt, ErrorKind,
    Metadata, NewCustomer,
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
            "demo finished",
        ] {
            assert!(text.contains(step), "missing {step} in:\n{text}");
        }
        assert!(text.contains("4 customers in 2 pages"), "{text}");
    }
}
