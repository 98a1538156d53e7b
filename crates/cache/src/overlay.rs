//! [`UsageOverlay`]: usage the provider acknowledged but may not count yet, added on top of its answers.
//!
//! The recorder does not invalidate (a re-fetch right after an event would cache the old count for the whole
//! bound, lifecycle review finding 34). Each acknowledged event is kept per customer with the time from which
//! the provider's own answers include it: acknowledged + pipeline lag. An answer the cache asked for before
//! that time gets the event's quantity on top; an answer asked for later already counts it. A refresh drops
//! the entries its answer counts (reconciliation), and an entry older than the longest staleness bound is
//! dropped when the next event arrives (no answer served within its bound can predate it).

use std::convert::Infallible;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use quick_cache::sync::Cache;
use rust_decimal::Decimal;
use unibill_core::UsageEvent;

use crate::moment::Moment;

/// One acknowledged event.
#[derive(Debug, Clone)]
struct Noted {
    key: String,
    meter: Box<str>,
    quantity: Decimal,
    /// From when the provider's answers count it.
    counted_from: Moment,
}

type Entries = Arc<Mutex<Vec<Noted>>>;

fn lock(entries: &Entries) -> std::sync::MutexGuard<'_, Vec<Noted>> {
    entries.lock().unwrap_or_else(PoisonError::into_inner)
}

/// The overlay of every customer with usage not yet counted, bounded like the answers.
#[derive(Debug)]
pub(crate) struct UsageOverlay {
    customers: Cache<String, Entries>,
    lag: Duration,
    horizon: Duration,
}

impl UsageOverlay {
    /// `lag`: the provider's pipeline lag; `horizon`: the longest staleness bound.
    pub(crate) fn new(max_customers: usize, lag: Duration, horizon: Duration) -> Self {
        UsageOverlay {
            customers: Cache::new(max_customers),
            lag,
            horizon,
        }
    }

    /// Adds an event the provider acknowledged at `now`. The same key twice counts once.
    pub(crate) fn note(&self, event: &UsageEvent, now: Moment) {
        let customer = event.customer_external_id();
        let entries = match self
            .customers
            .get_or_insert_with(customer, || Ok::<Entries, Infallible>(Arc::default()))
        {
            Ok(e) => e,
            Err(never) => match never {},
        };
        let mut list = lock(&entries);
        let horizon = self.horizon;
        list.retain(|n| n.counted_from + horizon > now);
        let key = event.key().as_str();
        if list.iter().any(|n| n.key == key) {
            return;
        }
        list.push(Noted {
            key: key.to_owned(),
            meter: event.meter_key().into(),
            quantity: event.quantity(),
            counted_from: now + self.lag,
        });
    }

    /// The quantity on `meter` the customer's answer asked for at `asked_at` does not count yet.
    pub(crate) fn on_top(&self, customer: &str, meter: &str, asked_at: Moment) -> Decimal {
        let Some(entries) = self.customers.get(customer) else {
            return Decimal::ZERO;
        };
        lock(&entries)
            .iter()
            .filter(|n| &*n.meter == meter && n.counted_from > asked_at)
            .map(|n| n.quantity)
            .sum()
    }

    /// Drops the customer's entries an answer asked for at `asked_at` counts.
    pub(crate) fn reconcile(&self, customer: &str, asked_at: Moment) {
        if let Some(entries) = self.customers.get(customer) {
            let mut list = lock(&entries);
            list.retain(|n| n.counted_from > asked_at);
            if list.is_empty() {
                drop(list);
                self.customers.remove_if(customer, |e| lock(e).is_empty());
            }
        }
    }

    /// Forgets one event (the provider dropped it after accepting it: Flexprice `event.rejected`).
    pub(crate) fn forget(&self, customer: Option<&str>, key: &str) -> bool {
        let mut forgot = false;
        let mut drop_from = |entries: &Entries| {
            let mut list = lock(entries);
            let before = list.len();
            list.retain(|n| n.key != key);
            forgot |= list.len() != before;
        };
        match customer {
            Some(c) => {
                if let Some(e) = self.customers.get(c) {
                    drop_from(&e);
                }
            }
            None => {
                for (_, e) in self.customers.iter() {
                    drop_from(&e);
                }
            }
        }
        forgot
    }

    /// Forgets everything.
    pub(crate) fn clear(&self) {
        self.customers.clear();
    }
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use unibill_core::IdempotencyKey;

    use super::*;

    fn event(key: &str, meter: &str, q: Decimal) -> UsageEvent {
        UsageEvent::builder("ada", meter, q)
            .key(IdempotencyKey::new(key).unwrap())
            .build()
            .unwrap()
    }

    #[test]
    fn counted_on_top_until_the_provider_counts_it() {
        let t0 = Moment::from_nanos(1_000_000_000_000_000);
        let s = Duration::from_secs;
        let o = UsageOverlay::new(10, s(60), s(60));
        o.note(&event("e1", "api_calls", dec!(3)), t0);
        o.note(&event("e1", "api_calls", dec!(3)), t0); // the same key once
        o.note(&event("e2", "storage", dec!(5)), t0);
        // Asked before, or within the lag after, the ack: not counted yet by the provider.
        assert_eq!(
            o.on_top(
                "ada",
                "api_calls",
                Moment::from_nanos(t0.as_nanos() - 1_000_000_000)
            ),
            dec!(3)
        );
        assert_eq!(o.on_top("ada", "api_calls", t0 + s(59)), dec!(3));
        // Asked once the pipeline counts it: the provider's answer has it.
        assert_eq!(o.on_top("ada", "api_calls", t0 + s(60)), dec!(0));
        assert_eq!(o.on_top("bob", "api_calls", t0), dec!(0));
        o.reconcile("ada", t0 + s(30));
        assert_eq!(
            o.on_top("ada", "storage", t0),
            dec!(5),
            "not counted yet: kept"
        );
        o.reconcile("ada", t0 + s(61));
        assert_eq!(o.on_top("ada", "storage", t0), dec!(0), "counted: dropped");
        o.note(&event("e3", "api_calls", dec!(1)), t0);
        assert!(o.forget(None, "e3"));
        assert!(!o.forget(Some("ada"), "e3"));
        assert_eq!(o.on_top("ada", "api_calls", t0), dec!(0));
    }
}
