//! [`Safety`]: what re-sending a request may do, declared per operation, with the lookup that makes a write
//! retryable.

use std::fmt;
use std::future::Future;

use futures::future::BoxFuture;
use unibill_core::{Error, ErrorKind, Identified, Result};

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

/// Names the holder a lookup found on an `AlreadyExists`: its id, and the resource itself (see
/// [`Error::existing`]).
pub(crate) type NameHolder<T> = fn(Error, T) -> Error;

fn name_holder<T: Identified + Send + Sync + 'static>(error: Error, holder: T) -> Error {
    let error = match holder.resource_id() {
        Some(id) => error.with_existing_id(id),
        None => error,
    };
    error.with_existing(holder)
}

/// The safety class of a request, with the adapter's lookup for `NaturalKey` and `Reconcile`.
///
/// ```
/// use unibill_http::{Lookup, Safety, SafetyClass};
///
/// use unibill_core::{Customer, CustomerId};
///
/// let safety: Safety<'_, Customer> = Safety::natural_key(|| async {
///     // GET /customers/external/{external_id}, then compare with the input.
///     Ok(Lookup::Missing)
/// });
/// assert_eq!(safety.class(), SafetyClass::NaturalKey);
///
/// // A delete: after an unknown outcome, a re-read that finds nothing (or an archived customer) means done.
/// let delete: Safety<'_, ()> = Safety::reconcile_gone(
///     || async { Err::<Customer, _>(unibill_core::Error::not_found("no such customer")) },
///     |c: &Customer| !c.is_active(),
/// );
/// assert_eq!(delete.class(), SafetyClass::Reconcile);
/// ```
pub enum Safety<'a, T> {
    /// Re-sending cannot apply anything twice (reads, search POSTs, idempotent updates).
    Safe,
    /// The provider rejects a replayed create as a duplicate: on a conflict after an ambiguous attempt, the lookup
    /// decides (match → its resource, mismatch → `AlreadyExists`); on a conflict that does not name its holder,
    /// the lookup names it (`AlreadyExists` with the holder's id and the holder itself). Built by
    /// [`Safety::natural_key`].
    #[non_exhaustive]
    NaturalKey(LookupFn<'a, T>, NameHolder<T>),
    /// Before any re-send after an ambiguous attempt, the lookup runs: found → its resource, missing → re-send.
    Reconcile(LookupFn<'a, T>),
    /// No deduplication: a request that may have been sent is never sent again (`OutcomeUnknown`).
    Unsafe,
}

impl<'a, T> Safety<'a, T> {
    /// `NaturalKey` with `lookup`: what holds the request's natural key, compared with the input.
    pub fn natural_key<F, Fut>(lookup: F) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<Lookup<T>>> + Send + 'a,
        T: Identified + Send + Sync + 'static,
    {
        Safety::NaturalKey(Box::new(move || Box::pin(lookup())), name_holder::<T>)
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
            Safety::NaturalKey(..) => SafetyClass::NaturalKey,
            Safety::Reconcile(_) => SafetyClass::Reconcile,
            Safety::Unsafe => SafetyClass::Unsafe,
        }
    }

    pub(crate) async fn lookup(&self) -> Option<Result<Lookup<T>>> {
        match self {
            Safety::NaturalKey(f, _) | Safety::Reconcile(f) => Some(f().await),
            Safety::Safe | Safety::Unsafe => None,
        }
    }

    /// How the holder of the key is named on a conflict, for `NaturalKey`.
    pub(crate) fn name_holder(&self) -> Option<NameHolder<T>> {
        match self {
            Safety::NaturalKey(_, name) => Some(*name),
            _ => None,
        }
    }
}

impl<'a> Safety<'a, ()> {
    /// `Reconcile` for a delete (or an archive): after an ambiguous attempt, `get` re-reads the resource, and a
    /// `NotFound` answer or a resource that is `gone` (archived, ended) means the delete went through (the call
    /// succeeds without a re-send); a resource still there is deleted again.
    pub fn reconcile_gone<R, F, Fut, G>(get: F, gone: G) -> Self
    where
        F: Fn() -> Fut + Send + Sync + 'a,
        Fut: Future<Output = Result<R>> + Send + 'a,
        G: Fn(&R) -> bool + Send + Sync + Copy + 'a,
    {
        Safety::reconcile(move || {
            let read = get();
            async move {
                match read.await {
                    Ok(resource) if gone(&resource) => Ok(Lookup::Found(())),
                    Ok(_) => Ok(Lookup::Missing),
                    Err(e) if e.kind() == ErrorKind::NotFound => Ok(Lookup::Found(())),
                    Err(e) => Err(e),
                }
            }
        })
    }
}

impl<T> fmt::Debug for Safety<'_, T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.class().as_str())
    }
}
