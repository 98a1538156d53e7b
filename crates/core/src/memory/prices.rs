//! Prices in memory.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Mutex;

use async_trait::async_trait;
use jiff::Timestamp;

use super::{PROVIDER, RequestCounter, make_id};
use crate::api::Prices;
use crate::capability::PriceCapabilities;
use crate::error::{Error, Result};
use crate::id::PriceId;
use crate::model::price::{NewPrice, Price, PriceListQuery, PriceUpdate};
use crate::page::{Cursor, Page};
use crate::patch::Patch;

const DEFAULT_PAGE: u32 = 50;
const MAX_PAGE: u32 = 100;

/// Prices held in memory: every kind and scheme, amounts kept with full `Decimal` precision, slugs unique
/// among active prices, archive reversible.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use rust_decimal_macros::dec;
/// use unibill_core::{Currency, Interval, MemoryPrices, Money, NewPrice, PriceKind, Prices};
///
/// let prices = MemoryPrices::new();
/// let rate = Money::new(dec!(0.0015), Currency::USD);
/// let p = prices.create(NewPrice::builder(PriceKind::usage(Interval::monthly(), "api_calls"), rate).build()?).await?;
/// assert_eq!(prices.get(p.id).await?.unit_amount.amount, dec!(0.0015));
/// # Ok::<(), unibill_core::Error>(()) }).unwrap();
/// ```
#[derive(Debug, Default)]
pub struct MemoryPrices {
    state: Mutex<State>,
    requests: RequestCounter,
}

#[derive(Debug, Default)]
struct State {
    next_seq: u64,
    by_seq: BTreeMap<u64, Price>,
    seq_of: HashMap<String, u64>,
    active_slug: HashMap<String, u64>,
}

impl MemoryPrices {
    /// No prices.
    pub fn new() -> Self {
        Self::default()
    }

    /// No prices, counting calls on a shared counter.
    pub fn with_counter(requests: RequestCounter) -> Self {
        MemoryPrices {
            state: Mutex::default(),
            requests,
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        super::lock_state(&self.state)
    }
}

fn not_found(id: &str) -> Error {
    Error::not_found(format!("price {id} was not found")).with_provider(PROVIDER)
}

fn duplicate(slug: &str, existing: &PriceId) -> Error {
    Error::already_exists(
        format!("an active price with slug `{slug}` already exists"),
        Some(existing.as_str().to_owned()),
    )
    .with_provider(PROVIDER)
}

impl State {
    fn seq(&self, id: &PriceId) -> Result<u64> {
        self.seq_of
            .get(id.as_str())
            .copied()
            .ok_or_else(|| not_found(id.as_str()))
    }

    /// Sets the active flag, keeping the slug index right.
    fn set_active(&mut self, seq: u64, active: bool) -> Result<()> {
        let price = &self.by_seq[&seq];
        if active
            && !price.active
            && let Some(slug) = &price.slug
            && let Some(other) = self.active_slug.get(slug)
        {
            return Err(duplicate(slug, &self.by_seq[other].id));
        }
        let slug = price.slug.clone();
        if let Some(slug) = slug {
            if active {
                self.active_slug.insert(slug, seq);
            } else if self.active_slug.get(&slug) == Some(&seq) {
                self.active_slug.remove(&slug);
            }
        }
        if let Some(p) = self.by_seq.get_mut(&seq) {
            p.active = active;
        }
        Ok(())
    }
}

#[async_trait]
impl Prices for MemoryPrices {
    fn capabilities(&self) -> PriceCapabilities {
        PriceCapabilities {
            max_page_size: MAX_PAGE,
            ..PriceCapabilities::full(PROVIDER)
        }
    }

    async fn create(&self, input: NewPrice) -> Result<Price> {
        self.requests.hit();
        let mut s = self.lock();
        let active = input.active().unwrap_or(true);
        if active
            && let Some(slug) = input.slug()
            && let Some(seq) = s.active_slug.get(slug)
        {
            return Err(duplicate(slug, &s.by_seq[seq].id));
        }
        s.next_seq += 1;
        let seq = s.next_seq;
        let now = Timestamp::now();
        let price = Price {
            id: PriceId::new(make_id("price", seq)),
            kind: input.kind().clone(),
            unit_amount: input.unit_amount().clone(),
            scheme: input.scheme().clone(),
            currency: input.currency().clone(),
            product_id: input.product_id().map(str::to_owned),
            name: input.name().map(str::to_owned),
            slug: input.slug().map(str::to_owned),
            description: input.description().map(str::to_owned),
            metadata: input.metadata().cloned().unwrap_or_default(),
            active,
            is_default: Some(input.is_default().unwrap_or(false)),
            setup_fee: input.setup_fee().cloned(),
            livemode: Some(false),
            created_at: Some(now),
            updated_at: Some(now),
            provider: Cow::Borrowed(PROVIDER),
            raw: None,
        };
        s.seq_of.insert(price.id.as_str().to_owned(), seq);
        if let (true, Some(slug)) = (active, &price.slug) {
            s.active_slug.insert(slug.clone(), seq);
        }
        s.by_seq.insert(seq, price.clone());
        Ok(price)
    }

    async fn get(&self, id: PriceId) -> Result<Price> {
        self.requests.hit();
        let s = self.lock();
        let seq = s.seq(&id)?;
        Ok(s.by_seq[&seq].clone())
    }

    async fn list(&self, query: PriceListQuery) -> Result<Page<Price>> {
        self.requests.hit();
        let fingerprint = query.fingerprint();
        let after = match &query.cursor {
            Some(c) => c
                .decode(PROVIDER, fingerprint)?
                .parse::<u64>()
                .map_err(|_| Error::invalid_field("cursor", "is corrupted"))?,
            None => 0,
        };
        let limit = query.limit.unwrap_or(DEFAULT_PAGE).clamp(1, MAX_PAGE) as usize;
        let s = self.lock();
        let mut items = Vec::with_capacity(limit);
        let mut last = after;
        let mut more = false;
        for (seq, p) in s.by_seq.range(after + 1..) {
            if (!query.include_archived && !p.active)
                || query
                    .product_id
                    .as_ref()
                    .is_some_and(|want| p.product_id.as_ref() != Some(want))
            {
                continue;
            }
            if items.len() == limit {
                more = true;
                break;
            }
            items.push(p.clone());
            last = *seq;
        }
        let next_cursor = more.then(|| Cursor::encode(PROVIDER, fingerprint, &last.to_string()));
        Ok(Page::new(items, next_cursor))
    }

    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        self.requests.hit();
        let mut s = self.lock();
        let seq = s.seq(&id)?;
        if let Patch::Set(new_slug) = update.slug() {
            let active = s.by_seq[&seq].active;
            if active && let Some(other) = s.active_slug.get(new_slug).filter(|o| **o != seq) {
                return Err(duplicate(new_slug, &s.by_seq[other].id));
            }
        }
        if !update.slug().is_keep() {
            let price = &s.by_seq[&seq];
            if let (true, Some(old)) = (price.active, price.slug.clone())
                && s.active_slug.get(&old) == Some(&seq)
            {
                s.active_slug.remove(&old);
            }
            let p = s
                .by_seq
                .get_mut(&seq)
                .ok_or_else(|| not_found(id.as_str()))?;
            update.slug().clone().apply_to(&mut p.slug);
            if let (true, Some(new)) = (p.active, p.slug.clone()) {
                s.active_slug.insert(new, seq);
            }
        }
        if let Some(active) = update.active() {
            s.set_active(seq, active)?;
        }
        let p = s
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(id.as_str()))?;
        update.name().clone().apply_to(&mut p.name);
        if let Some(d) = update.is_default() {
            p.is_default = Some(d);
        }
        p.updated_at = Some(Timestamp::now());
        Ok(p.clone())
    }

    async fn archive(&self, id: PriceId) -> Result<Price> {
        self.requests.hit();
        let mut s = self.lock();
        let seq = s.seq(&id)?;
        s.set_active(seq, false)?;
        let p = s
            .by_seq
            .get_mut(&seq)
            .ok_or_else(|| not_found(id.as_str()))?;
        p.updated_at = Some(Timestamp::now());
        Ok(p.clone())
    }
}

impl MemoryPrices {
    /// The price with this id, without counting a request (the lifecycle resources rate through it).
    pub(crate) fn lookup(&self, id: &PriceId) -> Option<Price> {
        let s = self.lock();
        s.seq_of.get(id.as_str()).map(|seq| s.by_seq[seq].clone())
    }

    /// Every active price of `product_id`, in creation order, without counting a request.
    pub(crate) fn of_product(&self, product_id: &str) -> Vec<Price> {
        self.lock()
            .by_seq
            .values()
            .filter(|p| p.active && p.product_id.as_deref() == Some(product_id))
            .cloned()
            .collect()
    }
}
