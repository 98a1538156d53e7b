//! The state every lifecycle resource of one [`super::MemoryLifecycle`] shares, and its records.

use std::collections::{BTreeMap, HashMap};

use jiff::Timestamp;
use secrecy::SecretString;

use super::webhooks::WebhookDelivery;
use crate::error::{Error, Result};
use crate::id::{InvoiceId, ProductId, SubscriptionId};
use crate::memory::PROVIDER;
use crate::model::feature::{Feature, FeatureGrant};
use crate::model::invoice::Invoice;
use crate::model::key::IdempotencyKey;
use crate::model::meter::Meter;
use crate::model::price::Price;
use crate::model::subscription::Subscription;
use crate::model::usage::UsageEvent;
use crate::page::{Cursor, Page};

/// The default page size of every lifecycle list.
pub(super) const DEFAULT_PAGE: u32 = 50;

/// Everything, behind one lock.
#[derive(Default)]
pub(super) struct State {
    /// One sequence for every id and every list order.
    pub seq: u64,
    pub meters: BTreeMap<u64, Meter>,
    pub meter_keys: HashMap<String, u64>,
    pub features: BTreeMap<u64, Feature>,
    pub feature_keys: HashMap<String, u64>,
    /// One grant per (feature key, product).
    pub grants: BTreeMap<(String, ProductId), FeatureGrant>,
    pub subs: BTreeMap<u64, SubRecord>,
    pub sub_ids: HashMap<SubscriptionId, u64>,
    pub sub_keys: HashMap<IdempotencyKey, u64>,
    /// Recorded events, in arrival order.
    pub events: Vec<StoredEvent>,
    pub event_keys: HashMap<IdempotencyKey, usize>,
    pub invoices: BTreeMap<u64, InvoiceRecord>,
    pub invoice_ids: HashMap<InvoiceId, u64>,
    pub invoice_numbers: u64,
    pub deliveries: Vec<WebhookDelivery>,
    /// The clock's time at the call being served (what deliveries are signed at).
    pub now: Timestamp,
    /// The webhook signing secret (never shown: `State` has no `Debug`).
    pub secret: Option<SecretString>,
}

impl State {
    /// The next sequence number.
    pub fn next_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq
    }
}

/// Where a subscription is in time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Phase {
    /// In its trial: the current period is the trial, billed nothing.
    Trial,
    /// Paying: the current period is `anchor + index × interval .. anchor + (index + 1) × interval`.
    Paid {
        /// Where the periods are counted from.
        anchor: Timestamp,
        /// Which period of the anchor's it is.
        index: i64,
    },
    /// Not started yet (created with a start after its creation): nothing is billed until `start`, where its
    /// current period (the trial, when `trial`, else the first paid period) begins.
    Scheduled {
        /// When it starts.
        start: Timestamp,
        /// Whether its first period is a trial.
        trial: bool,
    },
    /// Canceled.
    Ended,
}

impl Phase {
    /// Whether the subscription has started and not ended (it grants features).
    pub fn is_running(self) -> bool {
        matches!(self, Phase::Trial | Phase::Paid { .. })
    }
}

/// A subscription and what memory rates it with.
pub(super) struct SubRecord {
    /// The read model (status, period and cancel fields kept current by the settle step).
    pub sub: Subscription,
    /// The price the subscription was created with (the key check compares it, not the current one).
    pub created_price: crate::id::PriceId,
    /// The recurring price (a snapshot: amounts never change once a price exists).
    pub price: Price,
    /// The usage prices billed with it: every active usage price of the product in the same currency and
    /// interval when it was created (or its price changed).
    pub usage_prices: Vec<Price>,
    pub phase: Phase,
    /// The invoice of the current paid period.
    pub live_invoice: Option<u64>,
}

/// A recorded usage event.
pub(super) struct StoredEvent {
    pub event: UsageEvent,
    pub provider_id: String,
}

/// An invoice and whether its amounts still move.
pub(super) struct InvoiceRecord {
    pub invoice: Invoice,
    pub sub_seq: u64,
    /// A draft of a running period: lines are computed again at every read.
    pub live: bool,
}

/// One page of `map` after `query`'s cursor, keeping what `keep` accepts.
pub(super) fn page<T, R>(
    map: &BTreeMap<u64, T>,
    cursor: Option<&Cursor>,
    limit: Option<u32>,
    max: u32,
    fingerprint: u64,
    keep: impl Fn(&T) -> bool,
    view: impl Fn(&T) -> R,
) -> Result<Page<R>> {
    let after = match cursor {
        Some(c) => c
            .decode(PROVIDER, fingerprint)?
            .parse::<u64>()
            .map_err(|_| Error::invalid_field("cursor", "is corrupted"))?,
        None => 0,
    };
    let limit = limit.unwrap_or(DEFAULT_PAGE).clamp(1, max) as usize;
    let mut items = Vec::with_capacity(limit);
    let mut last = after;
    let mut more = false;
    for (seq, item) in map.range(after + 1..) {
        if !keep(item) {
            continue;
        }
        if items.len() == limit {
            more = true;
            break;
        }
        items.push(view(item));
        last = *seq;
    }
    let next_cursor = more.then(|| Cursor::encode(PROVIDER, fingerprint, &last.to_string()));
    Ok(Page::new(items, next_cursor))
}
