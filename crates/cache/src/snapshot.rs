//! [`Snapshot`]: what the cache knows of one customer, as the provider answered it, and when it asked.
//!
//! A snapshot is never changed once in the cache, except for three flags (invalidated, a background refresh
//! claimed, the last failed request): a refresh builds a new one and replaces it whole, so a check reads one
//! without a lock of its own.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::time::Duration;

use quick_cache::DefaultHashBuilder;
use unibill_core::{Entitlement, Timestamp};

use crate::moment::Moment;

/// One answer of the provider's.
#[derive(Debug, Clone)]
pub(crate) struct Answer {
    pub(crate) entitlement: Entitlement,
    /// When the cache asked the provider (its clock).
    pub(crate) asked_at: Moment,
}

/// A customer's answers by feature key: a short list is scanned (a handful of features per customer is the
/// common case, and comparing a few keys is cheaper than hashing one); from [`Answers::INDEXED`] on, a hash
/// index is kept beside it.
#[derive(Debug, Clone, Default)]
pub(crate) struct Answers {
    list: Vec<(Box<str>, Answer)>,
    index: Option<HashMap<Box<str>, usize, DefaultHashBuilder>>,
}

impl Answers {
    /// From this many features on, lookups go through the hash index.
    const INDEXED: usize = 16;

    pub(crate) fn get(&self, feature_key: &str) -> Option<&Answer> {
        match &self.index {
            Some(index) => index.get(feature_key).map(|&i| &self.list[i].1),
            None => self
                .list
                .iter()
                .find(|(k, _)| &**k == feature_key)
                .map(|(_, a)| a),
        }
    }

    pub(crate) fn insert(&mut self, feature_key: Box<str>, answer: Answer) {
        let at = match &self.index {
            Some(index) => index.get(&feature_key).copied(),
            None => self.list.iter().position(|(k, _)| *k == feature_key),
        };
        match at {
            Some(i) => self.list[i].1 = answer,
            None => {
                if let Some(index) = &mut self.index {
                    index.insert(feature_key.clone(), self.list.len());
                }
                self.list.push((feature_key, answer));
                if self.index.is_none() && self.list.len() >= Self::INDEXED {
                    self.index = Some(
                        self.list
                            .iter()
                            .enumerate()
                            .map(|(i, (k, _))| (k.clone(), i))
                            .collect(),
                    );
                }
            }
        }
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&str, &Answer)> {
        self.list.iter().map(|(k, a)| (&**k, a))
    }

    pub(crate) fn values(&self) -> impl Iterator<Item = &Answer> {
        self.list.iter().map(|(_, a)| a)
    }

    pub(crate) fn len(&self) -> usize {
        self.list.len()
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }
}

/// The customer's whole list was read: a feature missing from it is not granted.
#[derive(Debug, Clone)]
pub(crate) struct Listed {
    pub(crate) asked_at: Moment,
    pub(crate) as_of: Timestamp,
}

/// The provider said the customer does not exist (kept as an answer refusing access).
#[derive(Debug, Clone)]
pub(crate) struct Unknown {
    pub(crate) asked_at: Moment,
    pub(crate) message: String,
}

/// What one lookup found.
#[derive(Debug, Clone, Copy)]
pub(crate) enum View<'a> {
    /// The provider's answer for the feature.
    Found(&'a Answer),
    /// The feature is missing from the customer's whole list.
    NotGranted(&'a Listed),
    /// The customer does not exist.
    UnknownCustomer(&'a Unknown),
}

impl View<'_> {
    /// When the cache asked the provider for this answer.
    pub(crate) fn asked_at(&self) -> Moment {
        match self {
            View::Found(a) => a.asked_at,
            View::NotGranted(l) => l.asked_at,
            View::UnknownCustomer(u) => u.asked_at,
        }
    }
}

/// What the cache knows of one customer.
#[derive(Debug, Default)]
pub(crate) struct Snapshot {
    pub(crate) answers: Answers,
    pub(crate) listed: Option<Listed>,
    pub(crate) unknown: Option<Unknown>,
    /// A webhook event said the customer changed: the next check asks the provider.
    invalidated: AtomicBool,
    /// A hit started a background refresh of this snapshot.
    refresh_claimed: AtomicBool,
    /// The last failed request for this customer, in nanoseconds since the epoch; 0: none.
    failed_at: AtomicU64,
}

impl Snapshot {
    /// The answer for `feature_key`, if known.
    pub(crate) fn view(&self, feature_key: &str) -> Option<View<'_>> {
        if let Some(u) = &self.unknown {
            return Some(View::UnknownCustomer(u));
        }
        if let Some(a) = self.answers.get(feature_key) {
            return Some(View::Found(a));
        }
        self.listed.as_ref().map(View::NotGranted)
    }

    /// The customer's whole list, read at `listed.asked_at` (answers added by the caller).
    pub(crate) fn listed(listed: Listed) -> Self {
        Snapshot {
            listed: Some(listed),
            ..Snapshot::default()
        }
    }

    /// The provider said the customer does not exist.
    pub(crate) fn unknown(unknown: Unknown) -> Self {
        Snapshot {
            unknown: Some(unknown),
            ..Snapshot::default()
        }
    }

    /// A snapshot carrying only a failure (nothing known yet).
    pub(crate) fn failed(at: Moment) -> Self {
        let s = Snapshot::default();
        s.mark_failed(at);
        s
    }

    /// The same answers with fresh flags (a request just succeeded: no failure either).
    pub(crate) fn carry(&self) -> Snapshot {
        Snapshot {
            answers: self.answers.clone(),
            listed: self.listed.clone(),
            unknown: self.unknown.clone(),
            ..Snapshot::default()
        }
    }

    pub(crate) fn invalidate(&self) {
        self.invalidated.store(true, Ordering::Release);
    }

    pub(crate) fn is_invalidated(&self) -> bool {
        self.invalidated.load(Ordering::Acquire)
    }

    /// Claims the one background refresh of this snapshot: true for the first caller only.
    pub(crate) fn claim_refresh(&self) -> bool {
        !self.refresh_claimed.load(Ordering::Relaxed)
            && !self.refresh_claimed.swap(true, Ordering::AcqRel)
    }

    pub(crate) fn mark_failed(&self, at: Moment) {
        self.failed_at
            .store(at.as_nanos().max(1), Ordering::Release);
    }

    /// Whether a request failed less than `backoff` before `now`.
    pub(crate) fn failed_within(&self, backoff: Duration, now: Moment) -> bool {
        match self.failed_at.load(Ordering::Acquire) {
            0 => false,
            at => {
                let at = Moment::from_nanos(at);
                now < at || now.since(at) < backoff
            }
        }
    }

    /// The time left of the backoff after the last failure.
    pub(crate) fn backoff_left(&self, backoff: Duration, now: Moment) -> Duration {
        match self.failed_at.load(Ordering::Acquire) {
            0 => Duration::ZERO,
            at => now.until(Moment::from_nanos(at) + backoff),
        }
    }
}

#[cfg(test)]
mod tests {
    use unibill_core::{EntitlementKind, Timestamp};

    use super::*;

    #[test]
    fn answers_are_found_scanned_and_indexed() {
        let answer = |f: &str| Answer {
            entitlement: Entitlement::new(
                "ada",
                f,
                EntitlementKind::NotGranted,
                Timestamp::UNIX_EPOCH,
            ),
            asked_at: Moment::default(),
        };
        let mut answers = Answers::default();
        for n in 0..40 {
            let key = format!("f{n}");
            answers.insert(key.as_str().into(), answer(&key));
            assert_eq!(answers.index.is_some(), n + 1 >= Answers::INDEXED);
            for m in 0..=n {
                let k = format!("f{m}");
                assert_eq!(answers.get(&k).unwrap().entitlement.feature_key, k);
            }
            assert!(answers.get("missing").is_none());
        }
        answers.insert("f3".into(), answer("again"));
        assert_eq!(answers.len(), 40);
        assert_eq!(answers.get("f3").unwrap().entitlement.feature_key, "again");
    }
}
