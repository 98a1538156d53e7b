//! How results are printed: tables for people ([`table`]), the read models' serde JSON for scripts ([`json`]).

pub mod json;
pub mod table;

use std::io::Write;

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
