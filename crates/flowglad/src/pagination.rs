//! Flowglad's cursor pagination behind unibill's opaque, tagged cursors.
//!
//! Flowglad answers `{data, hasMore, total, currentCursor?, nextCursor?}`, oldest first, at most 100 per page.
//! unibill's cursor wraps Flowglad's `nextCursor` with the provider name and the query's fingerprint, so a
//! cursor from another provider or another query is `InvalidInput` before anything is sent.

use serde::Deserialize;
use serde_json::value::RawValue;
use unibill_core::{Cursor, Error, Result};
use unibill_http::Request;

use crate::PROVIDER;

/// The largest page Flowglad serves (`limit` 1..=100).
pub const MAX_PAGE_SIZE: u32 = 100;

/// One list answer; the items stay raw until the resource decodes them (once).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WirePage {
    pub data: Vec<Box<RawValue>>,
    #[serde(default)]
    pub has_more: Option<bool>,
    #[serde(default)]
    pub next_cursor: Option<String>,
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

/// The next unibill cursor of an answer: `None` only when Flowglad says there is no more.
pub(crate) fn next_cursor(page: &WirePage, fingerprint: u64) -> Result<Option<Cursor>> {
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
