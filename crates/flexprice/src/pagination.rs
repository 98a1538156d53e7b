//! Offset pagination behind the opaque, tagged cursor, and the `{items, pagination}` list envelope.
//!
//! The next offset is computed from what was sent (`sent offset + sent limit`), never from the answer's
//! `offset` (customers report the request offset *plus* the limit there, the searches the next offset;
//! connections the request offset).

use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use unibill_core::{Cursor, Error, Page, RawJson, Result};
use unibill_http::Response;

use crate::PROVIDER;
use crate::decode::{envelope, item_with_raw};

/// The page size sent when the caller gives none (the server's own default).
pub(crate) const DEFAULT_LIMIT: u32 = 50;
/// The largest page the server returns.
pub(crate) const MAX_LIMIT: u32 = 1000;

/// One page of an offset listing: where it starts, how many it asks for, and the filters its cursor is
/// tagged with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PageAt {
    pub fingerprint: u64,
    pub offset: u64,
    pub limit: u32,
}

impl PageAt {
    /// The page a query asks for: from its cursor (checked against `fingerprint`) or the start, with its limit.
    pub(crate) fn new(
        cursor: Option<&Cursor>,
        fingerprint: u64,
        limit: Option<u32>,
    ) -> Result<Self> {
        Ok(PageAt {
            fingerprint,
            offset: start_offset(cursor, fingerprint)?,
            limit: self::limit(limit)?,
        })
    }

    /// The page of the `items` answered (of `total`, when the server says), with the cursor of the page after.
    pub(crate) fn page<T>(&self, items: Vec<T>, total: Option<u64>) -> Page<T> {
        let next = self.next(items.len(), total);
        Page::new(items, next)
    }

    /// The cursor of the page after this one, which was answered with `got` items of `total`.
    pub(crate) fn next(&self, got: usize, total: Option<u64>) -> Option<Cursor> {
        next_cursor(self.fingerprint, self.offset, self.limit, got, total)
    }
}

/// `{"items":[…]|null,"pagination":{"total",…}}`: the customer list's and the price and plan searches'
/// envelope, the items kept raw.
#[derive(Debug, Deserialize)]
struct WireList {
    #[serde(default)]
    items: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    pagination: Option<WirePagination>,
}

/// The envelope's pagination: only `total` is read (its `offset` is not what was sent, see the module docs).
#[derive(Debug, Deserialize)]
struct WirePagination {
    #[serde(default)]
    total: Option<u64>,
}

/// The items of an `{items, pagination}` answer, each read as `W` and turned into `T` with its raw JSON, and
/// the server's total.
pub(crate) fn decode_items<W: DeserializeOwned, T>(
    response: &Response,
    into: impl FnMut(W, RawJson) -> Result<T>,
) -> Result<(Vec<T>, Option<u64>)> {
    let list: WireList = envelope(response)?;
    let items = each_item(list.items, into)?;
    Ok((items, list.pagination.and_then(|p| p.total)))
}

/// Each raw item (`None`, a `null` list, is empty) read as `W` and turned into `T` with its raw JSON.
pub(crate) fn each_item<W: DeserializeOwned, T>(
    items: Option<Vec<Box<RawValue>>>,
    mut into: impl FnMut(W, RawJson) -> Result<T>,
) -> Result<Vec<T>> {
    items
        .unwrap_or_default()
        .into_iter()
        .map(|raw| item_with_raw::<W>(raw).and_then(|(w, raw)| into(w, raw)))
        .collect()
}

/// The offset a listing continues from: 0 without a cursor; a foreign or corrupted cursor is `InvalidInput`.
fn start_offset(cursor: Option<&Cursor>, fingerprint: u64) -> Result<u64> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .decode(PROVIDER, fingerprint)?
            .parse()
            .map_err(|_| Error::invalid_field("cursor", "is corrupted")),
    }
}

/// The limit to send: the caller's (at least 1, at most [`MAX_LIMIT`]) or [`DEFAULT_LIMIT`].
fn limit(requested: Option<u32>) -> Result<u32> {
    match requested {
        Some(0) => Err(Error::invalid_field("limit", "must be at least 1")),
        Some(n) => Ok(n.min(MAX_LIMIT)),
        None => Ok(DEFAULT_LIMIT),
    }
}

/// The cursor of the page after one that was asked for at `offset` with `limit` and held `got` items of
/// `total` (when the server says): `None` once the listing is done.
fn next_cursor(
    fingerprint: u64,
    offset: u64,
    limit: u32,
    got: usize,
    total: Option<u64>,
) -> Option<Cursor> {
    let got = got as u64;
    let done = match total {
        Some(total) => got == 0 || offset + got >= total,
        None => got < u64::from(limit),
    };
    (!done).then(|| {
        Cursor::encode(
            PROVIDER,
            fingerprint,
            &(offset + u64::from(limit)).to_string(),
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use unibill_core::ErrorKind;

    #[test]
    fn next_offset_comes_from_what_was_sent() {
        let c = next_cursor(7, 50, 50, 50, Some(120)).unwrap();
        assert_eq!(start_offset(Some(&c), 7).unwrap(), 100);
        assert!(next_cursor(7, 100, 50, 20, Some(120)).is_none());
        assert!(
            next_cursor(7, 0, 50, 0, Some(10)).is_none(),
            "an empty page ends"
        );
        assert!(next_cursor(7, 0, 2, 2, None).is_some());
        assert!(next_cursor(7, 0, 2, 1, None).is_none());
    }

    #[test]
    fn foreign_cursors_are_invalid_input() {
        for c in [
            Cursor::encode("memory", 7, "0"),
            Cursor::encode(PROVIDER, 8, "0"),
            Cursor::encode(PROVIDER, 7, "zero"),
            Cursor::from_string("garbage"),
        ] {
            let err = start_offset(Some(&c), 7).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::InvalidInput);
            assert_eq!(err.field_errors()[0].field, "cursor");
        }
    }

    #[test]
    fn limits() {
        assert_eq!(limit(None).unwrap(), DEFAULT_LIMIT);
        assert_eq!(limit(Some(5000)).unwrap(), MAX_LIMIT);
        assert_eq!(limit(Some(0)).unwrap_err().field_errors()[0].field, "limit");
    }
}
