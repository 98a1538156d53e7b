//! One module per command; shared flag parsing and cursor following live here.

pub mod connections;
pub mod customers;
#[cfg(feature = "emulators")]
pub mod demo;
#[cfg(feature = "emulators")]
pub mod emulate;
pub mod entitlements;
pub mod features;
pub mod invoices;
pub mod meters;
pub mod migrate;
pub mod plans;
pub mod prices;
pub mod providers;
pub mod stores;
pub mod subscriptions;
pub mod usage;
pub mod webhooks;

use std::future::Future;

use futures::stream::BoxStream;
use unibill::{
    Currency, Cursor, CustomerId, CustomerRef, Decimal, FieldError, Metadata, Money, Page,
    Timestamp,
};

use crate::error::{CliError, CliResult};
use crate::output::{Output, Tabular};

/// The paging flags of every `list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Page size (clamped to the provider's maximum).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Start from this cursor (printed after a page that has more).
    #[arg(long, conflicts_with = "all")]
    pub cursor: Option<String>,
    /// Follow cursors to the end and print every item as its page arrives (with --json, one array, closed
    /// only when the listing has ended).
    #[arg(long)]
    pub all: bool,
    /// With --all: stop with an error after this many pages (default 10000). A cursor that repeats or a page
    /// repeating the one before stops it too.
    #[arg(long, requires = "all", value_parser = clap::value_parser!(u32).range(1..))]
    pub max_pages: Option<u32>,
}

impl ListArgs {
    /// The `--cursor` to start from.
    pub fn cursor(&self) -> Option<Cursor> {
        self.cursor.clone().map(Cursor::from_string)
    }
}

/// Prints one page (with the cursor of the next), or with `--all` every item of `all`, the listing's
/// `list_all` stream, as it arrives (never collected).
pub async fn print_list<'a, T: Tabular>(
    args: &ListArgs,
    out: &Output,
    one: impl Future<Output = unibill::Result<Page<T>>>,
    all: impl FnOnce() -> BoxStream<'a, unibill::Result<T>>,
) -> CliResult {
    if args.all {
        return out.stream(all()).await;
    }
    let page = one.await?;
    out.many(&page.items, page.next_cursor.as_ref().map(Cursor::as_str))
}

/// `KEY=VALUE` pairs as metadata.
pub fn metadata(pairs: &[String]) -> CliResult<Metadata> {
    let mut m = Metadata::new();
    for (k, v) in key_values(pairs, "--metadata")? {
        m.insert(k, v);
    }
    Ok(m)
}

/// Splits `KEY=VALUE` flag values.
pub fn key_values(pairs: &[String], flag: &str) -> CliResult<Vec<(String, String)>> {
    pairs
        .iter()
        .map(|p| {
            p.split_once('=')
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .ok_or_else(|| CliError::usage(format!("{flag} takes KEY=VALUE, got {p:?}")))
        })
        .collect()
}

/// A JSON object flag value.
pub fn json_object(text: &str, flag: &str) -> CliResult<unibill::JsonObject> {
    serde_json::from_str(text)
        .map_err(|e| CliError::usage(format!("{flag} takes a JSON object: {e}")))
}

/// A `--currency` value: a currency of ISO 4217's active list (any letter case), as the library parses caller
/// input; with `allow_unknown` (`--allow-unknown-currency`) any well-formed code ([`Currency::other`]). A
/// refused code is `invalid_input` on `currency` (exit 2), saying how to opt in.
pub fn currency(code: &str, allow_unknown: bool) -> CliResult<Currency> {
    if allow_unknown {
        return Ok(Currency::other(code)?);
    }
    code.parse().map_err(|e: unibill::Error| {
        if Currency::other(code).is_err() {
            // Not a code at all: the opt-in would not help.
            return CliError::Billing(e);
        }
        let why = e
            .field_errors()
            .first()
            .map_or_else(|| e.message().to_owned(), |f| f.message.clone());
        CliError::Billing(unibill::Error::invalid_field(
            "currency",
            format!("{why}; pass --allow-unknown-currency to send `{code}` as it is"),
        ))
    })
}

/// An amount flag value in `currency`, exact (a decimal string, never a float): only a plain decimal,
/// `-?[0-9]+(\.[0-9]+)?`, as [`Money::parse`] takes it. A refused value is `invalid_input` on `field` (exit 2),
/// saying which form is accepted.
pub fn money(amount: &str, currency: &Currency, field: &str) -> CliResult<Money> {
    Money::parse(amount, currency.clone()).map_err(|e| {
        CliError::Billing(unibill::Error::invalid_fields(
            e.field_errors()
                .iter()
                .map(|f| FieldError::new(field, f.message.clone()))
                .collect(),
        ))
    })
}

/// A quantity or limit, exact (never through a float): only a plain decimal, `-?[0-9]+(\.[0-9]+)?`, the grammar
/// of amounts ([`money`]). A refused value is `invalid_input` on `field` (exit 2), saying which form is
/// accepted.
pub fn decimal(text: &str, field: &str) -> CliResult<Decimal> {
    // The amount grammar is the currency's business only for display: any currency parses the same digits.
    money(text, &Currency::USD, field).map(|m| m.amount)
}

/// A timestamp flag value (RFC 3339, `2026-03-01T12:00:00Z`); a refused one is `invalid_input` on `field`.
pub fn timestamp(text: &str, field: &str) -> CliResult<Timestamp> {
    text.parse::<Timestamp>().map_err(|e| {
        CliError::Billing(unibill::Error::invalid_field(
            field,
            format!("`{text}` is not an RFC 3339 timestamp (2026-03-01T12:00:00Z): {e}"),
        ))
    })
}

/// The customer flags of a lifecycle command: the provider's id or your external id, at most one given (clap
/// enforces it); `None` when neither is.
pub fn customer_ref(id: Option<String>, external_id: Option<String>) -> Option<CustomerRef> {
    match (id, external_id) {
        (Some(id), _) => Some(CustomerRef::Id(CustomerId::new(id))),
        (None, Some(e)) => Some(CustomerRef::external_id(e)),
        (None, None) => None,
    }
}

/// Parses `true`/`false`-style flag values for clap.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("expected true or false, got {s:?}")),
    }
}
