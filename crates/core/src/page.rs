//! [`Page`] and [`Cursor`]: one page of a listing and the opaque handle to the next.
//!
//! Cursors are opaque to callers but tagged inside with the provider and a fingerprint of the query, so a
//! cursor from another provider or another query is rejected as `InvalidInput` instead of silently listing the
//! wrong thing.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, Result};

/// One page of a listing. Pages may be short or empty; only `next_cursor: None` ends a listing.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T> {
    /// The items of this page.
    pub items: Vec<T>,
    /// Where the next page starts; `None` when this is the last page.
    pub next_cursor: Option<Cursor>,
}

impl<T> Page<T> {
    /// A page.
    pub fn new(items: Vec<T>, next_cursor: Option<Cursor>) -> Self {
        Page { items, next_cursor }
    }

    /// Whether another page follows.
    pub fn has_more(&self) -> bool {
        self.next_cursor.is_some()
    }
}

/// An opaque position in a listing.
///
/// ```
/// use unibill_core::Cursor;
///
/// let c = Cursor::encode("memory", 42, "cust_7");
/// assert_eq!(c.decode("memory", 42).unwrap(), "cust_7");
/// assert!(c.decode("flexprice", 42).is_err()); // foreign provider
/// assert!(c.decode("memory", 43).is_err());    // another query
/// ```
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Cursor(String);

const CURSOR_VERSION: &str = "u1";

impl Cursor {
    /// Wraps a cursor string received from a caller (e.g. a command-line flag).
    pub fn from_string(s: impl Into<String>) -> Self {
        Cursor(s.into())
    }

    /// The opaque text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Makes a cursor for `provider`, a query fingerprint (see [`QueryFingerprint`]) and the provider's own
    /// position (an offset, a provider cursor, a last-seen id).
    pub fn encode(provider: &str, query: u64, position: &str) -> Cursor {
        let mut s = String::with_capacity(8 + provider.len() + 16 + position.len() * 2);
        s.push_str(CURSOR_VERSION);
        s.push('.');
        s.push_str(provider);
        s.push('.');
        s.push_str(&format!("{query:016x}"));
        s.push('.');
        for b in position.bytes() {
            s.push_str(&format!("{b:02x}"));
        }
        Cursor(s)
    }

    /// Reads back the position, checking provider and query; a mismatch or garbage is `InvalidInput` on
    /// field `cursor`.
    pub fn decode(&self, provider: &str, query: u64) -> Result<String> {
        let bad = |why: &str| Error::invalid_field("cursor", why.to_owned());
        let mut parts = self.0.splitn(4, '.');
        let (Some(version), Some(p), Some(q), Some(pos)) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(bad("is not a unibill cursor"));
        };
        if version != CURSOR_VERSION {
            return Err(bad("is not a unibill cursor"));
        }
        if p != provider {
            return Err(bad(&format!(
                "was issued by the {p} provider, not {provider}"
            )));
        }
        if u64::from_str_radix(q, 16).ok() != Some(query) {
            return Err(bad("was issued for a different query"));
        }
        if pos.len() % 2 != 0 {
            return Err(bad("is corrupted"));
        }
        let bytes = (0..pos.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&pos[i..i + 2], 16))
            .collect::<std::result::Result<Vec<u8>, _>>()
            .map_err(|_| bad("is corrupted"))?;
        String::from_utf8(bytes).map_err(|_| bad("is corrupted"))
    }
}

impl fmt::Display for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Cursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Cursor({})", self.0)
    }
}

/// A stable 64-bit fingerprint of a query's filters (FNV-1a), to tag cursors with.
///
/// ```
/// use unibill_core::QueryFingerprint;
/// let a = QueryFingerprint::new().with("customers").with_bool(true).finish();
/// let b = QueryFingerprint::new().with("customers").with_bool(false).finish();
/// assert_ne!(a, b);
/// ```
#[derive(Debug, Clone, Copy)]
pub struct QueryFingerprint(u64);

impl Default for QueryFingerprint {
    fn default() -> Self {
        Self::new()
    }
}

impl QueryFingerprint {
    /// An empty fingerprint.
    pub fn new() -> Self {
        QueryFingerprint(0xcbf2_9ce4_8422_2325)
    }

    /// Mixes in a string (with a separator, so `"ab","c"` differs from `"a","bc"`).
    pub fn with(mut self, s: &str) -> Self {
        for b in s.bytes().chain(std::iter::once(0xff)) {
            self.0 ^= u64::from(b);
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
        self
    }

    /// Mixes in an optional string.
    pub fn with_opt(self, s: Option<&str>) -> Self {
        match s {
            Some(s) => self.with("1").with(s),
            None => self.with("0"),
        }
    }

    /// Mixes in a flag.
    pub fn with_bool(self, b: bool) -> Self {
        self.with(if b { "t" } else { "f" })
    }

    /// The fingerprint.
    pub fn finish(self) -> u64 {
        self.0
    }
}

/// Turns a page-fetching function into a stream of every item, following cursors until `next_cursor: None`.
/// The first error ends the stream after being yielded.
pub fn paginate<'a, Q, T, F, Fut>(
    query: Q,
    fetch: F,
    set_cursor: fn(&mut Q, Cursor),
) -> futures::stream::BoxStream<'a, Result<T>>
where
    Q: Clone + Send + 'a,
    T: Send + 'a,
    F: Fn(Q) -> Fut + Clone + Send + 'a,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'a,
{
    use futures::stream::{self, StreamExt};
    stream::unfold(Some(query), move |state| {
        let fetch = fetch.clone();
        async move {
            let query = state?;
            match fetch(query.clone()).await {
                Ok(page) => {
                    let next = page.next_cursor.map(|c| {
                        let mut q = query;
                        set_cursor(&mut q, c);
                        q
                    });
                    Some((Ok(page.items), next))
                }
                Err(e) => Some((Err(e), None)),
            }
        }
    })
    .flat_map(|r| match r {
        Ok(items) => stream::iter(items.into_iter().map(Ok)).left_stream(),
        Err(e) => stream::once(async move { Err(e) }).right_stream(),
    })
    .boxed()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn garbage_cursors_are_invalid_input() {
        for bad in [
            "",
            "abc",
            "u1.memory.zz.00",
            "u2.memory.0000000000000000.",
            "u1.memory.0000000000000000.4",
        ] {
            let err = Cursor::from_string(bad).decode("memory", 0).unwrap_err();
            assert_eq!(err.field_errors()[0].field, "cursor", "{bad}");
        }
    }

    #[test]
    fn positions_round_trip() {
        for pos in [
            "",
            "0",
            "offset=50",
            "eyJpZCI6InByaWNlXzEifQ==",
            "ünïcode.with.dots",
        ] {
            assert_eq!(Cursor::encode("p", 7, pos).decode("p", 7).unwrap(), pos);
        }
    }
}
