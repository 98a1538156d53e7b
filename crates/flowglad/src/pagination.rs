//! Flowglad's cursor pagination behind unibill's opaque, tagged cursors.
//!
//! Flowglad answers `{data, hasMore, total, currentCursor?, nextCursor?}`, oldest first, at most 100 per page.
//! unibill's cursor wraps Flowglad's `nextCursor` with the provider name and the query's fingerprint, so a
//! cursor from another provider or another query is `InvalidInput` before anything is sent.

use serde::Deserialize;
use serde_json::value::RawValue;
use unibill_core::{Cursor, Error, Page, Result};
use unibill_http::{Request, Response};

use crate::PROVIDER;

/// The largest page Flowglad serves (`limit` 1..=100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// One list answer; the items stay raw until the resource decodes them (once).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WirePage {
    data: Vec<Box<RawValue>>,
    #[serde(default)]
    has_more: Option<bool>,
    #[serde(default)]
    next_cursor: Option<String>,
}

/// Adds `limit` (clamped to 1..=100) and the unwrapped Flowglad cursor to a list request.
pub(crate) fn with_page(
    request: Request,
    limit: Option<u32>,
    cursor: Option<&Cursor>,
    fingerprint: u64,
) -> Result<Request> {
    let mut request = request;
    if let Some(limit) = limit {
        if limit == 0 {
            return Err(Error::invalid_field("limit", "must be at least 1"));
        }
        request = request.query("limit", limit.min(MAX_PAGE_SIZE).to_string());
    }
    if let Some(cursor) = cursor {
        let inner = cursor.decode(PROVIDER, fingerprint)?;
        request = request.query("cursor", inner);
    }
    Ok(request)
}

/// Decodes one list answer: every record with `item`, the ones `keep` accepts, and the next cursor. Flowglad
/// ignores list filters, so `keep` applies them here (pages may come out short); a record that cannot be
/// decoded fails the page, kept or not.
pub(crate) fn decode_page<T>(
    response: &Response,
    fingerprint: u64,
    item: fn(Box<RawValue>) -> Result<T>,
    keep: impl Fn(&T) -> bool,
) -> Result<Page<T>> {
    let page: WirePage = response.json()?;
    let next = next_cursor(&page, fingerprint)?;
    let mut items = Vec::with_capacity(page.data.len());
    for raw in page.data {
        let decoded = item(raw)?;
        if keep(&decoded) {
            items.push(decoded);
        }
    }
    Ok(Page::new(items, next))
}

/// The next unibill cursor of an answer: `None` only when Flowglad says there is no more.
fn next_cursor(page: &WirePage, fingerprint: u64) -> Result<Option<Cursor>> {
    match (page.has_more.unwrap_or(false), &page.next_cursor) {
        (false, _) => Ok(None),
        (true, Some(next)) if !next.is_empty() => {
            Ok(Some(Cursor::encode(PROVIDER, fingerprint, next)))
        }
        (true, _) => Err(Error::decode(
            "Flowglad said a list has more items but sent no nextCursor",
        )
        .with_provider(PROVIDER)),
    }
}
