//! [`IngestOutcomes`]: one outcome per event of an ingest call, filled in by an adapter that sends the events
//! in bulk requests, then turned into the [`IngestReport`].
//!
//! ```
//! use rust_decimal_macros::dec;
//! use unibill_core::{Error, ErrorKind, IdempotencyKey, IngestOutcome, IngestOutcomes, UsageEvent};
//!
//! let key = IdempotencyKey::new("evt-1")?;
//! let one = UsageEvent::builder("ada", "api_calls", dec!(1)).key(key.clone()).build()?;
//! let other = UsageEvent::builder("ada", "api_calls", dec!(2)).key(key.clone()).build()?;
//! let three = UsageEvent::builder("ada", "api_calls", dec!(3)).build()?;
//! let events = vec![one.clone(), one, other, three];
//!
//! let mut outcomes = IngestOutcomes::new(&events, "example", "usage.ingest");
//! // The repeats of a key are settled already: the rest is to send.
//! assert_eq!(outcomes.unsettled(), vec![0, 3]);
//! outcomes.settle(0, IngestOutcome::Accepted);
//! outcomes.not_taken([3], &Error::new(ErrorKind::Unavailable, "the server is down"));
//!
//! let report: Vec<_> = outcomes.into_report(events).into_entries();
//! assert!(matches!(report[0].1, IngestOutcome::Accepted));
//! assert!(matches!(report[1].1, IngestOutcome::Duplicate { provider_id: None }));
//! assert!(matches!(&report[2].1, IngestOutcome::Rejected(e) if e.field_errors()[0].field == "key"));
//! assert!(matches!(&report[3].1, IngestOutcome::NotRecorded(e) if e.kind() == ErrorKind::Unavailable));
//! # Ok::<(), unibill_core::Error>(())
//! ```

use std::collections::HashMap;

use crate::error::{Error, ErrorKind};
use crate::model::key::IdempotencyKey;
use crate::model::usage::{IngestOutcome, IngestReport, UsageEvent};

/// The outcomes of one ingest call's events, in the events' order, while the adapter sends them.
///
/// Made with every key that an earlier event of the call holds settled already (finding 10: a key twice in
/// one batch is sent once): `Duplicate` when the content is the same, `Rejected` (`InvalidInput` on `key`)
/// when it is not. The adapter settles the others as the provider answers; [`into_report`](Self::into_report)
/// makes any event still without one `NotRecorded` ("the event was not sent").
#[derive(Debug)]
pub struct IngestOutcomes {
    outcomes: Vec<Option<IngestOutcome>>,
    provider: &'static str,
    operation: &'static str,
}

impl IngestOutcomes {
    /// The outcomes of `events`, the repeats of a key settled; errors carry `provider` and `operation`.
    pub fn new(events: &[UsageEvent], provider: &'static str, operation: &'static str) -> Self {
        let mut first: HashMap<&IdempotencyKey, usize> = HashMap::with_capacity(events.len());
        let mut outcomes = Vec::with_capacity(events.len());
        for (i, e) in events.iter().enumerate() {
            outcomes.push(match first.get(e.key()) {
                None => {
                    first.insert(e.key(), i);
                    None
                }
                Some(&j) if events[j] == *e => Some(IngestOutcome::Duplicate { provider_id: None }),
                Some(_) => Some(IngestOutcome::Rejected(
                    Error::invalid_field(
                        "key",
                        format!(
                            "key `{}` is used twice in one batch with other content",
                            e.key()
                        ),
                    )
                    .with_provider(provider)
                    .with_operation(operation),
                )),
            });
        }
        IngestOutcomes {
            outcomes,
            provider,
            operation,
        }
    }

    /// The indices of the events without an outcome yet, in order.
    pub fn unsettled(&self) -> Vec<usize> {
        (0..self.outcomes.len())
            .filter(|&i| self.outcomes[i].is_none())
            .collect()
    }

    /// The outcome of the event at `index`.
    pub fn settle(&mut self, index: usize, outcome: IngestOutcome) {
        self.outcomes[index] = Some(outcome);
    }

    /// The events at `indices` were in a request the provider did not take (`error`, which was not about any
    /// one of them): each is `NotRecorded`, "the batch holding this event was not taken: …", the first with a
    /// copy of `error` as its source.
    pub fn not_taken(&mut self, indices: impl IntoIterator<Item = usize>, error: &Error) {
        let mut source = Some(Error::new(error.kind(), error.message().to_owned()));
        for index in indices {
            let err = Error::new(
                error.kind(),
                format!(
                    "the batch holding this event was not taken: {}",
                    error.message()
                ),
            )
            .with_provider(self.provider)
            .with_operation(self.operation);
            let err = match source.take() {
                Some(s) => err.with_source(s),
                None => err,
            };
            self.settle(index, IngestOutcome::NotRecorded(err));
        }
    }

    /// The report of `events` (the call's, as given to [`IngestOutcomes::new`]), one entry per event in order;
    /// an event never settled is `NotRecorded` (`Provider`: "the event was not sent"). The events are taken
    /// apart: their keys move into the report, uncopied.
    pub fn into_report(self, events: Vec<UsageEvent>) -> IngestReport {
        debug_assert_eq!(
            events.len(),
            self.outcomes.len(),
            "the events the outcomes were made for"
        );
        let mut report = IngestReport::with_capacity(events.len());
        for (e, outcome) in events.into_iter().zip(self.outcomes) {
            let outcome = outcome.unwrap_or_else(|| {
                IngestOutcome::NotRecorded(
                    Error::new(ErrorKind::Provider, "the event was not sent")
                        .with_provider(self.provider)
                        .with_operation(self.operation),
                )
            });
            report.push(e.into_key(), outcome);
        }
        report
    }
}
