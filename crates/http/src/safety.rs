//! [`Safety`]: what re-sending a request may do, declared per operation, with the lookup that makes a write
//! retryable.

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;
use unibill_core::Result;

use crate::decision::SafetyClass;

/// What a lookup found for the request's natural key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Lookup<T> {
    /// A resource that matches the request's input: the call returns it.
    Found(T),
    /// A resource holds the key but does not match the input: the call ends in `AlreadyExists` with this id.
    Mismatch {
        /// The id of the resource that holds the key.
        existing_id: Option<String>,
    },
    /// Nothing holds the key.
    Missing,
}

type LookupFn<'a, T> = Box<dyn Fn() -> BoxFuture<'a, Result<Lookup<T>>> + Send + Sync + 'a>;

/// The safety class of a request, with the adapter's lookup for `NaturalKey` and `Reconcile`.
///
/// ```
/// use unibill_http::{Lookup, Safety, SafetyClass};
///
/// let safety: Safety<'_, String> = Safety::natural_key(|| async {
///     // GET /customers/external/{external_id}, then compare with the input.
///     Ok(Lookup::Found("cust_1".to_owned()))
/// });
/// assert_eq!(safety.class(), SafetyClass::NaturalKey);
/// ```
pub enum Safety<'a, T> {
    /// Re-sending cannot apply anything twice (reads, search POSTs, idempotent updates).
    Safe,
    /// The provider rejects a replayed create as a duplicate: on a conflict after an ambiguous attempt, the lookup
    /// decides (match → its resource, mismatch → `AlreadyExists`).
    NaturalKey(LookupFn<'a, T>),
    /// Before any re-send after an ambiguous attempt, the lookup runs: found → its resource, missing → re-send.
    Reconcile(LookupFn<'a, T>),
    /// No deduplication: a request that may have been sent is never sent again (`OutcomeUnknown`).
    Unsafe,
}

impl<'a, T> Safety<'a, T> {
    /// `NaturalKey` with `lookup`.
    pub fn natural_key<F, Fut>(lookup: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<Lookup<T>>> + Send + 'a,
    {
        Safety::NaturalKey(Box::new(move || Box::pin(lookup())))
    }

    /// `Reconcile` with `lookup`.
    pub fn reconcile<F, Fut>(lookup: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<Lookup<T>>> + Send + 'a,
    {
        Safety::Reconcile(Box::new(move || Box::pin(lookup())))
    }

    /// The class, without the lookup.
    pub fn class(&self) -> SafetyClass {
        match self {
            Safety::Safe => SafetyClass::Safe,
            Safety::NaturalKey(_) => SafetyClass::NaturalKey,
            Safety::Reconcile(_) => SafetyClass::Reconcile,
            Safety::Unsafe => SafetyClass::Unsafe,
        }
    }

    pub(crate) async fn lookup(&self) -> Option<Result<Lookup<T>>> {
        match self {
            Safety::NaturalKey(f) | Safety::Reconcile(f) => Some(f().await),
            Safety::Safe | Safety::Unsafe => None,
        }
    }
}

impl<T> fmt::Debug for Safety<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.class().as_str())
    }
}
