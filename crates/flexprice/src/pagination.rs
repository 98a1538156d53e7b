//! Offset pagination behind the opaque, tagged cursor.
//!
//! The next offset is computed from what was sent (`sent offset + sent limit`), never from the answer's
//! `offset` (customers report the request offset *plus* the limit there; connections the request offset).

use unibill_core::{Cursor, Error, Result};

use crate::PROVIDER;

/// The page size sent when the caller gives none (the server's own default).
pub(crate) const DEFAULT_LIMIT: u32 = 50;
/// The largest page the server returns.
pub(crate) const MAX_LIMIT: u32 = 1000;

/// The offset a listing continues from: 0 without a cursor; a foreign or corrupted cursor is `InvalidInput`.
pub(crate) fn start_offset(cursor: Option<&Cursor>, fingerprint: u64) -> Result<u64> {
    match cursor {
        None => Ok(0),
        Some(c) => c
            .decode(PROVIDER, fingerprint)?
            .parse()
            .map_err(|_| Error::invalid_field("cursor", "is corrupted")),
    }
}

/// The limit to send: the caller's (at least 1, at most [`MAX_LIMIT`]) or [`DEFAULT_LIMIT`].
pub(crate) fn limit(requested: Option<u32>) -> Result<u32> {
    match requested {
        Some(0) => Err(Error::invalid_field("limit", "must be at least 1")),
        Some(n) => Ok(n.min(MAX_LIMIT)),
        None => Ok(DEFAULT_LIMIT),
    }
}

/// The cursor of the page after one that was asked for at `offset` with `limit` and held `got` items of
/// `total` (when the server says): `None` once the listing is done.
pub(crate) fn next_cursor(
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
