//! How results are printed: tables for people ([`table`]), the read models' serde JSON for scripts ([`json`]).

pub mod json;
pub mod table;

use std::io::{IsTerminal, Write};

use futures::StreamExt;
use futures::stream::BoxStream;
use serde::Serialize;

use crate::error::CliResult;

/// A read model that can be listed as a table: the dotted JSON paths of its columns.
pub trait Tabular: Serialize {
    /// The columns of a listing, as paths into the model's JSON (`"address.country"`).
    const COLUMNS: &'static [&'static str];
}

impl Tabular for unibill::Customer {
    const COLUMNS: &'static [&'static str] = &["id", "external_id", "name", "email", "status"];
}

impl Tabular for unibill::Price {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "kind.type",
        "unit_amount",
        "scheme.scheme",
        "product_id",
        "slug",
        "active",
    ];
}

impl Tabular for unibill::flexprice::Plan {
    const COLUMNS: &'static [&'static str] = &["id", "name", "lookup_key", "active", "created_at"];
}

impl Tabular for unibill::Connection {
    const COLUMNS: &'static [&'static str] = &["id", "name", "provider_type", "status"];
}

impl Tabular for unibill::Store {
    const COLUMNS: &'static [&'static str] =
        &["id", "name", "status", "product.slug", "billing_plan.name"];
}

impl Tabular for unibill::BillingPlan {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "name",
        "plan_type",
        "scope",
        "payment_method_required",
        "cost",
    ];
}

impl Tabular for unibill::IntegrationConfiguration {
    const COLUMNS: &'static [&'static str] =
        &["id", "integration_slug", "integration_id", "status"];
}

impl Tabular for unibill::IntegrationProduct {
    const COLUMNS: &'static [&'static str] =
        &["id", "slug", "name", "integration_slug", "primary_protocol"];
}

impl Tabular for unibill::Meter {
    const COLUMNS: &'static [&'static str] =
        &["key", "name", "aggregation.type", "id", "created_at"];
}

impl Tabular for unibill::Feature {
    const COLUMNS: &'static [&'static str] =
        &["key", "name", "kind.type", "kind.value.meter_key", "id"];
}

impl Tabular for unibill::Subscription {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "customer_external_id",
        "price_id",
        "status",
        "current_period.end",
        "cancel_at_period_end",
    ];
}

impl Tabular for unibill::Entitlement {
    const COLUMNS: &'static [&'static str] = &[
        "feature_key",
        "access",
        "kind.type",
        "kind.limit",
        "kind.used",
        "kind.balance",
        "as_of",
        "freshness.source",
        "freshness.age",
    ];
}

impl Tabular for unibill::Invoice {
    const COLUMNS: &'static [&'static str] = &[
        "id",
        "number",
        "status",
        "total",
        "amount_due",
        "subscription_id",
        "period.end",
    ];
}

/// The most items [`Output::stream`] takes at once (more than any provider's page).
const BATCH: usize = 1_000;

/// Where and how a command prints.
pub struct Output {
    json: bool,
}

impl Output {
    /// Tables, or JSON when `json`.
    pub fn new(json: bool) -> Self {
        Output { json }
    }

    /// Prints one record: its JSON object, or a field/value table.
    pub fn one<T: Serialize>(&self, value: &T) -> CliResult {
        let mut out = std::io::stdout().lock();
        if self.json {
            json::write_one(&mut out, value)
        } else {
            table::write_record(&mut out, value)
        }
    }

    /// Prints a listing: one JSON array, or a table with a column per [`Tabular::COLUMNS`].
    pub fn many<T: Tabular>(&self, items: &[T], next_cursor: Option<&str>) -> CliResult {
        let mut out = std::io::stdout().lock();
        if self.json {
            json::write_array(&mut out, items)
        } else {
            table::write_list(&mut out, items)?;
            if let Some(c) = next_cursor {
                writeln!(out, "more: --cursor {c} (or --all)")?;
            }
            Ok(())
        }
    }

    /// Prints a listing as it arrives (`--all`): a page's items as soon as the page is read, so memory holds
    /// one page whatever the listing's length. JSON is one array written element by element (left open if the
    /// listing fails part way); a table takes its header and widths from the first page. The first error
    /// ends the listing after the items before it are printed. A progress count goes to standard error when it
    /// is a terminal.
    pub async fn stream<T: Tabular>(&self, items: BoxStream<'_, unibill::Result<T>>) -> CliResult {
        let progress = std::io::stderr().is_terminal();
        // Items already at hand come together: one page's, as the stream yields a page at once.
        let mut batches = items.ready_chunks(BATCH);
        let mut json = json::ArrayWriter::default();
        let mut table = table::ListWriter::<T>::default();
        let mut count = 0usize;
        while let Some(batch) = batches.next().await {
            let mut failed = None;
            let mut ok = Vec::with_capacity(batch.len());
            for r in batch {
                match r {
                    Ok(item) => ok.push(item),
                    Err(e) => failed = Some(e),
                }
            }
            let mut out = std::io::stdout().lock();
            if self.json {
                for item in &ok {
                    json.item(&mut out, item)?;
                }
            } else {
                table.batch(&mut out, &ok)?;
            }
            out.flush()?;
            drop(out);
            count += ok.len();
            if progress {
                let mut err = std::io::stderr().lock();
                let _ = write!(err, "\rfetched {count} item(s)…");
                let _ = err.flush();
            }
            if let Some(e) = failed {
                if progress {
                    let _ = writeln!(std::io::stderr());
                }
                return Err(e.into());
            }
        }
        if progress {
            let _ = writeln!(std::io::stderr());
        }
        let mut out = std::io::stdout().lock();
        if self.json {
            json.finish(&mut out)
        } else {
            table.finish(&mut out)
        }
    }

    /// Prints a line of text (tables only; silent under `--json`).
    pub fn note(&self, text: &str) -> CliResult {
        if !self.json {
            writeln!(std::io::stdout().lock(), "{text}")?;
        }
        Ok(())
    }

    /// Whether `--json` was asked for.
    pub fn is_json(&self) -> bool {
        self.json
    }
}
