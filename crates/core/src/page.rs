//! [`Page`] and [`Cursor`]: one page of a listing and the opaque handle to the next.
//!
//! Cursors are opaque to callers but tagged inside with the provider and a fingerprint of the query, so a
//! cursor from another provider or another query is rejected as `InvalidInput` instead of silently listing the
//! wrong thing.

use std::borrow::Cow;
use std::collections::HashSet;
use std::fmt;

use serde::{Deserialize, Serialize};

use crate::error::{Error, ErrorKind, Result};

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

/// The most pages one pagination loop fetches unless told otherwise: 10,000 (a million items at 100 a page).
///
/// Set it per listing with the queries' `max_pages` (e.g. [`crate::CustomerListQuery::max_pages`]), per adapter
/// for its own loops (e.g. the Flowglad client builder's `max_pages`), and in the CLI with `--max-pages`.
pub const DEFAULT_MAX_PAGES: u32 = 10_000;

/// The guard every pagination loop runs under: `list_all`, an adapter's own paging (a slug search), the CLI's
/// `--all`.
///
/// Feed it each page as it arrives ([`PageProgress::page`]); it ends the loop with a `Provider` error whose
/// operation is the loop's name (`customers.list_all`) when
///
/// - the provider hands back a position (cursor) this loop has already followed: the listing does not advance;
/// - a non-empty page holds exactly the items of the page before it (a server that ignores the offset or the
///   cursor it is sent);
/// - the listing has not ended after `max_pages` pages: the loop makes at most `max_pages` requests.
///
/// It keeps one 64-bit hash per page followed (so at most `max_pages` of them), never the items.
///
/// ```
/// use unibill_core::{ErrorKind, page::PageProgress};
///
/// let mut progress = PageProgress::new("prices.list_all", 100).provider("example");
/// progress.page(["price_1", "price_2"], Some("cursor-a")).unwrap();
/// progress.page(["price_3"], Some("cursor-b")).unwrap();
/// // The provider sends a cursor it sent before: the loop would never end.
/// let err = progress.page(["price_4"], Some("cursor-a")).unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::Provider);
/// assert_eq!(err.operation(), Some("prices.list_all"));
/// assert_eq!(progress.pages(), 3);
/// ```
#[derive(Debug, Clone)]
pub struct PageProgress {
    name: Cow<'static, str>,
    provider: Option<Cow<'static, str>>,
    max_pages: u32,
    pages: u32,
    positions: HashSet<u64>,
    previous: Option<(u64, u32)>,
}

impl PageProgress {
    /// A loop called `name` (its errors' operation) that fetches at most `max_pages` pages.
    pub fn new(name: impl Into<Cow<'static, str>>, max_pages: u32) -> Self {
        PageProgress {
            name: name.into(),
            provider: None,
            max_pages,
            pages: 0,
            positions: HashSet::new(),
            previous: None,
        }
    }

    /// Names the provider in the errors.
    pub fn provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.provider = Some(provider.into());
        self
    }

    /// Where the loop starts (a caller's cursor): a provider that sends it back is caught too.
    pub fn starting_at(mut self, position: Option<&str>) -> Self {
        if let Some(p) = position {
            self.positions.insert(position_hash(p));
        }
        self
    }

    /// The loop's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The bound: the most pages this loop fetches.
    pub fn max_pages(&self) -> u32 {
        self.max_pages
    }

    /// Pages recorded so far.
    pub fn pages(&self) -> u32 {
        self.pages
    }

    /// `InvalidInput` on `max_pages` when the bound is 0 (no page could be fetched).
    pub fn check_bound(&self) -> Result<()> {
        if self.max_pages == 0 {
            return Err(Error::invalid_field("max_pages", "must be at least 1"));
        }
        Ok(())
    }

    /// Records one fetched page: the keys (ids) of its items, and where the next page starts (`None`: the
    /// listing has ended). `Ok` means the loop may go on (to `next`, if any); an error means it must stop.
    /// The same as [`PageProgress::items`] then [`PageProgress::next`].
    pub fn page<K: AsRef<str>>(
        &mut self,
        keys: impl IntoIterator<Item = K>,
        next: Option<&str>,
    ) -> Result<()> {
        self.items(keys)?;
        self.next(next)
    }

    /// Counts one fetched page and checks its items (their keys, in order) against the page before: an error
    /// means the page repeats it, and its items are not new.
    pub fn items<K: AsRef<str>>(&mut self, keys: impl IntoIterator<Item = K>) -> Result<()> {
        self.pages = self.pages.saturating_add(1);
        let mut signature = QueryFingerprint::new();
        let mut count = 0u32;
        for key in keys {
            signature = signature.with(key.as_ref());
            count = count.saturating_add(1);
        }
        if count == 0 {
            return Ok(());
        }
        let signature = signature.finish();
        if let Some((previous, previous_page)) = self.previous
            && previous == signature
        {
            return Err(self.stuck(format!(
                "the listing does not advance: page {} holds the same {count} item(s) as page {previous_page} \
                 (the provider ignored the offset or cursor it was sent)",
                self.pages
            )));
        }
        self.previous = Some((signature, self.pages));
        Ok(())
    }

    /// Checks where the page just counted says the next one starts (`None`: the listing has ended): an error
    /// means the loop must not fetch it (a position already followed, or the bound reached).
    pub fn next(&mut self, next: Option<&str>) -> Result<()> {
        let Some(next) = next else {
            return Ok(());
        };
        if !self.positions.insert(position_hash(next)) {
            return Err(self.stuck(format!(
                "the listing does not advance: page {} points back to a position already followed \
                 (the provider repeated a cursor)",
                self.pages
            )));
        }
        if self.pages >= self.max_pages {
            return Err(self.stuck(format!(
                "the listing had not ended after {} pages, this loop's bound (raise max_pages if it really is \
                 that long)",
                self.max_pages
            )));
        }
        Ok(())
    }

    fn stuck(&self, message: String) -> Error {
        let error = Error::new(ErrorKind::Provider, message).with_operation(self.name.clone());
        match &self.provider {
            Some(p) => error.with_provider(p.clone()),
            None => error,
        }
    }
}

fn position_hash(position: &str) -> u64 {
    QueryFingerprint::new().with(position).finish()
}

/// Turns a page-fetching function into a stream of every item, following cursors until `next_cursor: None`,
/// under `progress` (a cursor that repeats, a page that repeats the one before, or more pages than its bound
/// end the stream with its error). `key` names an item (its id) for the repeat check.
///
/// The stream holds one page at a time: items are yielded as their page arrives, never collected. The first
/// error ends the stream after being yielded.
pub fn paginate<'a, Q, T, F, Fut>(
    query: Q,
    progress: PageProgress,
    fetch: F,
    set_cursor: fn(&mut Q, Cursor),
    key: fn(&T) -> &str,
) -> futures::stream::BoxStream<'a, Result<T>>
where
    Q: Clone + Send + 'a,
    T: Send + 'a,
    F: Fn(Q) -> Fut + Clone + Send + 'a,
    Fut: std::future::Future<Output = Result<Page<T>>> + Send + 'a,
{
    use futures::stream::{self, StreamExt};
    if let Err(e) = progress.check_bound() {
        return stream::once(async move { Err(e) }).boxed();
    }
    stream::unfold(Some((query, progress)), move |state| {
        let fetch = fetch.clone();
        async move {
            let (query, mut progress) = state?;
            let page = match fetch(query.clone()).await {
                Ok(page) => page,
                Err(e) => return Some((Err(e), None)),
            };
            if let Err(e) = progress.items(page.items.iter().map(key)) {
                // A page repeating the one before: its items were all yielded already.
                return Some((Err(e), None));
            }
            if let Err(e) = progress.next(page.next_cursor.as_ref().map(Cursor::as_str)) {
                // This page is new; the one it points to is not fetched.
                return Some((Ok((page.items, Some(e))), None));
            }
            let next = page.next_cursor.map(|c| {
                let mut q = query;
                set_cursor(&mut q, c);
                (q, progress)
            });
            Some((Ok((page.items, None)), next))
        }
    })
    .flat_map(|r| match r {
        Ok((items, stop)) => {
            stream::iter(items.into_iter().map(Ok).chain(stop.map(Err))).left_stream()
        }
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

    #[test]
    fn a_repeated_position_ends_the_loop_naming_it() {
        let mut p = PageProgress::new("customers.list_all", 100)
            .provider("flowglad")
            .starting_at(Some("start"));
        p.page(["a"], Some("c1")).unwrap();
        let err = p.page(["b"], Some("start")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Provider);
        assert_eq!(err.operation(), Some("customers.list_all"));
        assert_eq!(err.provider(), Some("flowglad"));
        assert!(err.to_string().contains("does not advance"), "{err}");
    }

    #[test]
    fn a_page_repeating_the_one_before_ends_the_loop() {
        let mut p = PageProgress::new("prices.list_all", 100);
        p.page(["a", "b"], Some("50")).unwrap();
        // Empty pages (filtered out) neither match nor reset the comparison.
        p.page(Vec::<&str>::new(), Some("100")).unwrap();
        let err = p.page(["a", "b"], Some("150")).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Provider);
        assert!(
            err.to_string().contains("same 2 item(s) as page 1"),
            "{err}"
        );
        // Overlapping but different pages are fine.
        let mut p = PageProgress::new("prices.list_all", 100);
        p.page(["a", "b"], Some("1")).unwrap();
        p.page(["b", "c"], Some("2")).unwrap();
        p.page(["a", "b"], None).unwrap();
    }

    #[test]
    fn the_bound_allows_exactly_max_pages() {
        let mut p = PageProgress::new("connections.list_all", 3);
        p.page(["a"], Some("1")).unwrap();
        p.page(["b"], Some("2")).unwrap();
        // The third page may end the listing...
        p.clone().page(["c"], None).unwrap();
        // ...but not point to a fourth.
        let err = p.page(["c"], Some("3")).unwrap_err();
        assert!(err.to_string().contains("after 3 pages"), "{err}");
        assert_eq!(p.pages(), 3);
        assert_eq!(
            PageProgress::new("x", 0)
                .check_bound()
                .unwrap_err()
                .field_errors()[0]
                .field,
            "max_pages"
        );
    }

    fn block_on<F: std::future::Future>(f: F) -> F::Output {
        tokio::runtime::Builder::new_current_thread()
            .build()
            .unwrap()
            .block_on(f)
    }

    #[derive(Clone, Debug)]
    struct Q {
        cursor: Option<Cursor>,
    }

    /// A listing that never ends: every page has fresh items and a fresh cursor; counts the fetches.
    fn endless(
        fetches: &std::sync::atomic::AtomicU32,
    ) -> impl Fn(Q) -> futures::future::Ready<Result<Page<String>>> + Clone + Send + '_ {
        move |q: Q| {
            let n = fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let _ = q.cursor;
            futures::future::ready(Ok(Page::new(
                vec![format!("item-{n}")],
                Some(Cursor::encode("test", 0, &n.to_string())),
            )))
        }
    }

    #[test]
    fn paginate_streams_an_endless_listing_up_to_its_bound() {
        use futures::StreamExt;
        let fetches = std::sync::atomic::AtomicU32::new(0);
        let stream = paginate(
            Q { cursor: None },
            PageProgress::new("things.list_all", 5),
            endless(&fetches),
            |q, c| q.cursor = Some(c),
            |s: &String| s.as_str(),
        );
        let got: Vec<Result<String>> = block_on(stream.collect());
        assert_eq!(got.len(), 6, "five pages of one item, then the error");
        assert!(got[..5].iter().all(Result::is_ok));
        let err = got[5].as_ref().unwrap_err();
        assert_eq!(err.operation(), Some("things.list_all"));
        assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 5);
    }

    #[test]
    fn paginate_drops_a_repeated_page_and_stops() {
        use futures::StreamExt;
        // A server ignoring the cursor: the same page, with a new cursor each time.
        let fetches = std::sync::atomic::AtomicU32::new(0);
        let fetch = |_q: Q| {
            let n = fetches.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            futures::future::ready(Ok(Page::new(
                vec!["a".to_owned(), "b".to_owned()],
                Some(Cursor::encode("test", 0, &n.to_string())),
            )))
        };
        let stream = paginate(
            Q { cursor: None },
            PageProgress::new("things.list_all", DEFAULT_MAX_PAGES),
            fetch,
            |q, c| q.cursor = Some(c),
            |s: &String| s.as_str(),
        );
        let got: Vec<Result<String>> = block_on(stream.collect());
        let ok: Vec<&String> = got.iter().filter_map(|r| r.as_ref().ok()).collect();
        assert_eq!(ok, ["a", "b"], "each item once");
        assert!(got.last().unwrap().is_err());
        assert_eq!(fetches.load(std::sync::atomic::Ordering::SeqCst), 2);
    }
}
