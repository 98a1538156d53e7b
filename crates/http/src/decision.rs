//! The retry table: a pure function from (attempt, outcome, safety, policy, remaining deadline) to a decision.
//!
//! | outcome | `Safe` | `NaturalKey` | `Reconcile` | `Unsafe` |
//! | --- | --- | --- | --- | --- |
//! | connect failed (nothing sent) | retry | retry | retry (lookup first if an earlier attempt was ambiguous) | retry |
//! | 429 | retry after `Retry-After` | same | same (lookup first if earlier ambiguous) | same |
//! | ambiguous: 502/503/504, attempt timeout, connection lost after sending, 500 without a parsed code | retry | retry | lookup, then retry | `OutcomeUnknown` |
//! | conflict (`AlreadyExists`) | final | lookup if an earlier attempt was ambiguous; else, when the answer names no holder, lookup to name it | final | final |
//! | any other error answer (4xx, 500 with a parsed code) | final | final | final | final |
//! | total deadline reached | `Timeout` | `Timeout` | `Timeout` | `OutcomeUnknown` if it may have been sent, else `Timeout` |
//!
//! An ambiguous answer's own `Retry-After` (a 503 that says when to come back) lengthens its backoff; one beyond
//! [`RetryPolicy::max_retry_after`] ends the call with the answer's error.
//!
//! A retry happens only while attempts remain and its delay ends before the deadline; otherwise the call gives up
//! with the last error (a 429 gives up as `RateLimited` carrying the wait). A `Retry-After` longer than
//! [`RetryPolicy::max_retry_after`] gives up at once.

use std::time::Duration;

use crate::jitter::Jitter;
use crate::policy::RetryPolicy;

/// The safety class of a request, without its lookup (see [`Safety`](crate::Safety) for the full form).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum SafetyClass {
    /// Re-sending cannot apply anything twice (reads, search POSTs, idempotent updates).
    Safe,
    /// The provider rejects a replayed create as a duplicate of its natural key.
    NaturalKey,
    /// Before any re-send after an ambiguous attempt, the resource is looked up.
    Reconcile,
    /// No deduplication is possible: a request that may have been sent is never sent again.
    Unsafe,
}

impl SafetyClass {
    /// Every class, for table tests.
    pub const ALL: [SafetyClass; 4] = [
        SafetyClass::Safe,
        SafetyClass::NaturalKey,
        SafetyClass::Reconcile,
        SafetyClass::Unsafe,
    ];

    /// A short stable name (`"safe"`, `"natural_key"`, `"reconcile"`, `"unsafe"`).
    pub fn as_str(self) -> &'static str {
        match self {
            SafetyClass::Safe => "safe",
            SafetyClass::NaturalKey => "natural_key",
            SafetyClass::Reconcile => "reconcile",
            SafetyClass::Unsafe => "unsafe",
        }
    }
}

/// Why an attempt's outcome is unknown: the request may or may not have been applied.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum AmbiguousCause {
    /// The gateway answered 502, 503 or 504 (the status).
    GatewayStatus(u16),
    /// A 500 whose body carried no provider error code.
    ServerErrorWithoutCode,
    /// The attempt ran past its per-attempt timeout.
    AttemptTimeout,
    /// The connection broke after the request was (or may have been) sent.
    ConnectionLost,
}

/// What one failed attempt came to, as the retry table sees it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// The connection could not be opened: nothing was sent.
    ConnectFailed,
    /// The provider answered 429, with the wait it asked for (`Retry-After` / `retry-after-ms`), if any.
    RateLimited {
        /// The provider's requested wait.
        retry_after: Option<Duration>,
    },
    /// The request may or may not have been applied.
    Ambiguous(AmbiguousCause),
    /// The provider said a resource with this natural key already exists (the error table's `AlreadyExists`).
    Conflict {
        /// Whether the answer named the holder (its id is on the error already).
        holder_named: bool,
    },
    /// Any other error answer: final.
    Rejected,
    /// The call's total deadline was reached.
    DeadlineExceeded {
        /// Whether the interrupted attempt may have been sent.
        maybe_sent: bool,
    },
}

impl Outcome {
    /// Whether this outcome leaves the request's effect unknown.
    pub fn is_ambiguous(self) -> bool {
        matches!(self, Outcome::Ambiguous(_))
    }
}

/// Why a request is retried (reported to the [`RetryObserver`](crate::RetryObserver)).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RetryReason {
    /// The connection could not be opened.
    ConnectFailed,
    /// The provider answered 429.
    RateLimited,
    /// The previous attempt's outcome was unknown.
    Ambiguous(AmbiguousCause),
}

/// How a call gives up.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GiveUp {
    /// With the attempt's own error.
    LastError,
    /// With `OutcomeUnknown` (source: the attempt's error): an unsafe write may have been applied.
    OutcomeUnknown,
    /// With `RateLimited`, carrying the provider's wait.
    RateLimited {
        /// The wait the provider asked for, or the backoff we would have needed.
        retry_after: Option<Duration>,
    },
    /// With `Timeout` (source: the attempt's error).
    Timeout,
}

/// What the executor does next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Wait `delay`, then send again.
    Retry {
        /// The wait before the next attempt.
        delay: Duration,
        /// Why.
        reason: RetryReason,
        /// `Reconcile` only: run the lookup before re-sending (found → return it).
        lookup_first: bool,
    },
    /// `NaturalKey` only: the replay of an ambiguous create conflicted; run the lookup (match → the resource,
    /// mismatch → `AlreadyExists`).
    Lookup,
    /// `NaturalKey` only: a create conflicted on its first-hand attempt (nothing ambiguous before) and the answer
    /// does not say who holds the key; run the lookup to name the holder: found or mismatch → `AlreadyExists`
    /// with its id (and, when found, the resource); missing or failed → the conflict as it came.
    NameHolder,
    /// Stop.
    GiveUp(GiveUp),
}

/// Everything [`decide`] looks at.
#[derive(Debug, Clone, Copy)]
pub struct DecisionInput<'a> {
    /// The attempt that just ended (1-based).
    pub attempt: u32,
    /// How it ended.
    pub outcome: Outcome,
    /// The request's safety class.
    pub safety: SafetyClass,
    /// Whether an earlier attempt of this call had an ambiguous outcome.
    pub ambiguous_before: bool,
    /// The retry bounds.
    pub policy: &'a RetryPolicy,
    /// Time left until the call's total deadline.
    pub remaining: Duration,
    /// A wait an ambiguous answer asked for (a 503 with `Retry-After`): the retry waits at least this long.
    /// (A 429's wait travels in [`Outcome::RateLimited`].)
    pub retry_after: Option<Duration>,
}

/// The retry table (see the module docs); pure apart from drawing the backoff from `jitter`.
pub fn decide(input: DecisionInput<'_>, jitter: &dyn Jitter) -> Decision {
    let DecisionInput {
        attempt,
        outcome,
        safety,
        ambiguous_before,
        policy,
        remaining,
        retry_after: hint,
    } = input;
    let attempts_left = attempt < policy.max_attempts.max(1);
    let reconcile_first = safety == SafetyClass::Reconcile && ambiguous_before;
    let backoff = || jitter.draw(policy.backoff_ceiling(attempt));

    match outcome {
        Outcome::DeadlineExceeded { maybe_sent } => {
            if maybe_sent && safety == SafetyClass::Unsafe {
                Decision::GiveUp(GiveUp::OutcomeUnknown)
            } else {
                Decision::GiveUp(GiveUp::Timeout)
            }
        }
        Outcome::Rejected => Decision::GiveUp(GiveUp::LastError),
        Outcome::Conflict { holder_named } => match safety {
            SafetyClass::NaturalKey if ambiguous_before => Decision::Lookup,
            SafetyClass::NaturalKey if !holder_named => Decision::NameHolder,
            _ => Decision::GiveUp(GiveUp::LastError),
        },
        Outcome::RateLimited { retry_after } => {
            let delay = match retry_after {
                Some(wait) if wait > policy.max_retry_after => {
                    return Decision::GiveUp(GiveUp::RateLimited {
                        retry_after: Some(wait),
                    });
                }
                Some(wait) => wait,
                None => backoff(),
            };
            if !attempts_left || delay >= remaining {
                return Decision::GiveUp(GiveUp::RateLimited {
                    retry_after: Some(delay),
                });
            }
            Decision::Retry {
                delay,
                reason: RetryReason::RateLimited,
                lookup_first: reconcile_first,
            }
        }
        Outcome::ConnectFailed => {
            let delay = backoff();
            if !attempts_left || delay >= remaining {
                return Decision::GiveUp(GiveUp::LastError);
            }
            Decision::Retry {
                delay,
                reason: RetryReason::ConnectFailed,
                lookup_first: reconcile_first,
            }
        }
        Outcome::Ambiguous(cause) => {
            if safety == SafetyClass::Unsafe {
                return Decision::GiveUp(GiveUp::OutcomeUnknown);
            }
            let delay = match hint {
                Some(wait) if wait > policy.max_retry_after => {
                    return Decision::GiveUp(GiveUp::LastError);
                }
                Some(wait) => backoff().max(wait),
                None => backoff(),
            };
            if !attempts_left || delay >= remaining {
                return Decision::GiveUp(GiveUp::LastError);
            }
            Decision::Retry {
                delay,
                reason: RetryReason::Ambiguous(cause),
                lookup_first: safety == SafetyClass::Reconcile,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jitter::NoJitter;

    const SEC: Duration = Duration::from_secs(1);

    fn policy() -> RetryPolicy {
        RetryPolicy::default()
            .with_max_attempts(3)
            .with_backoff(Duration::from_millis(100), Duration::from_secs(1))
            .with_max_retry_after(Duration::from_secs(30))
    }

    fn run(outcome: Outcome, safety: SafetyClass, ambiguous_before: bool) -> Decision {
        let p = policy();
        decide(
            DecisionInput {
                attempt: 1,
                outcome,
                safety,
                ambiguous_before,
                policy: &p,
                remaining: 60 * SEC,
                retry_after: None,
            },
            &NoJitter,
        )
    }

    fn retry(delay: Duration, reason: RetryReason, lookup_first: bool) -> Decision {
        Decision::Retry {
            delay,
            reason,
            lookup_first,
        }
    }

    const B: Duration = Duration::from_millis(100);

    /// Every (outcome × safety × earlier-ambiguous) cell of the table, spelled out.
    #[test]
    fn exhaustive_table() {
        use AmbiguousCause::*;
        use SafetyClass::*;
        let ambiguous = [
            GatewayStatus(502),
            GatewayStatus(503),
            GatewayStatus(504),
            ServerErrorWithoutCode,
            AttemptTimeout,
            ConnectionLost,
        ];
        let give_up = Decision::GiveUp;
        for safety in SafetyClass::ALL {
            for before in [false, true] {
                let reconcile_first = safety == Reconcile && before;
                // Connect failures: retried for every class.
                assert_eq!(
                    run(Outcome::ConnectFailed, safety, before),
                    retry(B, RetryReason::ConnectFailed, reconcile_first),
                    "connect {safety:?} {before}"
                );
                // 429 with and without Retry-After: retried for every class, Unsafe included.
                assert_eq!(
                    run(
                        Outcome::RateLimited {
                            retry_after: Some(7 * SEC)
                        },
                        safety,
                        before
                    ),
                    retry(7 * SEC, RetryReason::RateLimited, reconcile_first),
                    "429 {safety:?} {before}"
                );
                assert_eq!(
                    run(Outcome::RateLimited { retry_after: None }, safety, before),
                    retry(B, RetryReason::RateLimited, reconcile_first),
                    "429 no header {safety:?} {before}"
                );
                // 429 asking longer than max_retry_after: RateLimited at once.
                assert_eq!(
                    run(
                        Outcome::RateLimited {
                            retry_after: Some(31 * SEC)
                        },
                        safety,
                        before
                    ),
                    give_up(GiveUp::RateLimited {
                        retry_after: Some(31 * SEC)
                    }),
                );
                // Ambiguous: retried unless Unsafe; Reconcile looks up first.
                for cause in ambiguous {
                    let expected = match safety {
                        Safe | NaturalKey => retry(B, RetryReason::Ambiguous(cause), false),
                        Reconcile => retry(B, RetryReason::Ambiguous(cause), true),
                        Unsafe => give_up(GiveUp::OutcomeUnknown),
                    };
                    assert_eq!(
                        run(Outcome::Ambiguous(cause), safety, before),
                        expected,
                        "{cause:?} {safety:?} {before}"
                    );
                }
                // Conflict: the NaturalKey lookup after an ambiguous attempt decides; without one, it only names a
                // holder the answer did not name.
                for holder_named in [false, true] {
                    let expected = match (safety, before, holder_named) {
                        (NaturalKey, true, _) => Decision::Lookup,
                        (NaturalKey, false, false) => Decision::NameHolder,
                        _ => give_up(GiveUp::LastError),
                    };
                    assert_eq!(
                        run(Outcome::Conflict { holder_named }, safety, before),
                        expected,
                        "conflict {safety:?} {before} {holder_named}"
                    );
                }
                // Other answers (4xx, a 500 with a parsed code): final.
                assert_eq!(
                    run(Outcome::Rejected, safety, before),
                    give_up(GiveUp::LastError)
                );
                // Deadline.
                assert_eq!(
                    run(
                        Outcome::DeadlineExceeded { maybe_sent: false },
                        safety,
                        before
                    ),
                    give_up(GiveUp::Timeout)
                );
                let sent = if safety == Unsafe {
                    give_up(GiveUp::OutcomeUnknown)
                } else {
                    give_up(GiveUp::Timeout)
                };
                assert_eq!(
                    run(
                        Outcome::DeadlineExceeded { maybe_sent: true },
                        safety,
                        before
                    ),
                    sent
                );
            }
        }
    }

    #[test]
    fn exhausted_attempts_give_up() {
        let p = policy();
        for safety in SafetyClass::ALL {
            let at = |outcome| {
                decide(
                    DecisionInput {
                        attempt: 3,
                        outcome,
                        safety,
                        ambiguous_before: false,
                        policy: &p,
                        remaining: 60 * SEC,
                        retry_after: None,
                    },
                    &NoJitter,
                )
            };
            assert_eq!(
                at(Outcome::ConnectFailed),
                Decision::GiveUp(GiveUp::LastError)
            );
            assert_eq!(
                at(Outcome::RateLimited {
                    retry_after: Some(2 * SEC)
                }),
                Decision::GiveUp(GiveUp::RateLimited {
                    retry_after: Some(2 * SEC)
                })
            );
            let ambiguous = at(Outcome::Ambiguous(AmbiguousCause::GatewayStatus(503)));
            if safety == SafetyClass::Unsafe {
                assert_eq!(ambiguous, Decision::GiveUp(GiveUp::OutcomeUnknown));
            } else {
                assert_eq!(ambiguous, Decision::GiveUp(GiveUp::LastError));
            }
        }
    }

    #[test]
    fn waits_beyond_the_deadline_give_up() {
        let p = policy();
        let near = |outcome, safety| {
            decide(
                DecisionInput {
                    attempt: 1,
                    outcome,
                    safety,
                    ambiguous_before: false,
                    policy: &p,
                    remaining: 5 * SEC,
                    retry_after: None,
                },
                &NoJitter,
            )
        };
        for safety in SafetyClass::ALL {
            assert_eq!(
                near(
                    Outcome::RateLimited {
                        retry_after: Some(7 * SEC)
                    },
                    safety
                ),
                Decision::GiveUp(GiveUp::RateLimited {
                    retry_after: Some(7 * SEC)
                })
            );
        }
        let p = policy().with_backoff(10 * SEC, 10 * SEC);
        let d = decide(
            DecisionInput {
                attempt: 1,
                outcome: Outcome::Ambiguous(AmbiguousCause::AttemptTimeout),
                safety: SafetyClass::Safe,
                ambiguous_before: false,
                policy: &p,
                remaining: 5 * SEC,
                retry_after: None,
            },
            &NoJitter,
        );
        assert_eq!(d, Decision::GiveUp(GiveUp::LastError));
    }

    #[test]
    fn an_ambiguous_answer_with_retry_after_waits_at_least_that_long() {
        let p = policy();
        let with = |hint| {
            decide(
                DecisionInput {
                    attempt: 1,
                    outcome: Outcome::Ambiguous(AmbiguousCause::GatewayStatus(503)),
                    safety: SafetyClass::Safe,
                    ambiguous_before: false,
                    policy: &p,
                    remaining: 60 * SEC,
                    retry_after: hint,
                },
                &NoJitter,
            )
        };
        let reason = RetryReason::Ambiguous(AmbiguousCause::GatewayStatus(503));
        assert_eq!(with(Some(5 * SEC)), retry(5 * SEC, reason, false));
        assert_eq!(with(Some(Duration::ZERO)), retry(B, reason, false));
        assert_eq!(with(Some(31 * SEC)), Decision::GiveUp(GiveUp::LastError));
    }

    #[test]
    fn never_policy_sends_once() {
        let p = RetryPolicy::never();
        for safety in SafetyClass::ALL {
            let d = decide(
                DecisionInput {
                    attempt: 1,
                    outcome: Outcome::ConnectFailed,
                    safety,
                    ambiguous_before: false,
                    policy: &p,
                    remaining: 60 * SEC,
                    retry_after: None,
                },
                &NoJitter,
            );
            assert_eq!(d, Decision::GiveUp(GiveUp::LastError));
        }
    }

    #[test]
    fn backoff_grows_with_the_attempt() {
        let p = policy();
        let at = |attempt| {
            decide(
                DecisionInput {
                    attempt,
                    outcome: Outcome::ConnectFailed,
                    safety: SafetyClass::Safe,
                    ambiguous_before: false,
                    policy: &p.with_max_attempts(10),
                    remaining: 60 * SEC,
                    retry_after: None,
                },
                &NoJitter,
            )
        };
        assert_eq!(at(1), retry(B, RetryReason::ConnectFailed, false));
        assert_eq!(at(2), retry(2 * B, RetryReason::ConnectFailed, false));
        assert_eq!(at(5), retry(SEC, RetryReason::ConnectFailed, false));
    }
}
