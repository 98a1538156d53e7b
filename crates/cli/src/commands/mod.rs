//! One module per command; shared flag parsing and cursor following live here.

pub mod connections;
pub mod customers;
#[cfg(feature = "emulators")]
pub mod demo;
#[cfg(feature = "emulators")]
pub mod emulate;
pub mod prices;
pub mod providers;
pub mod stores;

use std::future::Future;
use std::io::{IsTerminal, Write};

use unibill::{Currency, Cursor, FieldError, Metadata, Money, Page};

use crate::error::{CliError, CliResult};

/// The paging flags of every `list`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListArgs {
    /// Page size (clamped to the provider's maximum).
    #[arg(long)]
    pub limit: Option<u32>,
    /// Start from this cursor (printed after a page that has more).
    #[arg(long, conflicts_with = "all")]
    pub cursor: Option<String>,
    /// Follow cursors to the end and print every item.
    #[arg(long)]
    pub all: bool,
}

/// Fetches one page, or every page when `--all` (a progress count on stderr only when it is a terminal).
/// Returns the items and the cursor of the next page (never set with `--all`).
pub async fn collect<T, F, Fut>(
    args: &ListArgs,
    mut fetch: F,
) -> CliResult<(Vec<T>, Option<String>)>
where
    F: FnMut(Option<Cursor>) -> Fut,
    Fut: Future<Output = unibill::Result<Page<T>>>,
{
    let first = args.cursor.clone().map(Cursor::from_string);
    if !args.all {
        let page = fetch(first).await?;
        return Ok((page.items, page.next_cursor.map(|c| c.as_str().to_owned())));
    }
    let progress = std::io::stderr().is_terminal();
    let mut items = Vec::new();
    let mut cursor = first;
    let mut pages = 0u32;
    loop {
        let page = fetch(cursor.take()).await?;
        pages += 1;
        items.extend(page.items);
        if progress {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\rfetched {} item(s) in {pages} page(s)…", items.len());
            let _ = err.flush();
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => break,
        }
    }
    if progress {
        let _ = writeln!(std::io::stderr());
    }
    Ok((items, None))
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

/// Parses `true`/`false`-style flag values for clap.
pub fn parse_bool(s: &str) -> Result<bool, String> {
    match s.to_ascii_lowercase().as_str() {
        "true" | "yes" | "1" => Ok(true),
        "false" | "no" | "0" => Ok(false),
        _ => Err(format!("expected true or false, got {s:?}")),
    }
}
