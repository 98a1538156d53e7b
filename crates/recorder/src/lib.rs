//! unibill-recorder: record usage where the work happens, without waiting for the billing provider, losing
//! nothing and counting nothing twice.
//!
//! A [`UsageRecorder`] sits in front of any `Arc<dyn Usage>`. [`UsageRecorder::record`] puts an event on a
//! bounded queue (waiting only while it is full, [`FullQueue`]); a background task fills batches by count,
//! bytes and linger time within the provider's [`UsageCapabilities`](unibill_core::UsageCapabilities), sends
//! them with bounded concurrency, re-sends only the events the provider did not record (`NotRecorded`, and
//! whole calls whose error is retryable, after the executor's own retries), with their original keys and
//! times, honouring `Retry-After`, and hands every event it finally gives up on to the [`Failures`] channel.
//! With the feature `spool`, events are committed to a SQLite file before `record` returns, and a restart
//! re-sends the ones without an outcome ([`SpoolOptions`]).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use rust_decimal_macros::dec;
//! use unibill_core::{Billing, IdempotencyKey, UsageEvent};
//! use unibill_recorder::RecorderBuilder;
//!
//! let billing = Billing::memory();
//! # use unibill_core::{Aggregation, NewCustomer, NewMeter};
//! # billing.meters().create(NewMeter::builder("api_calls", "API calls", Aggregation::Sum).build()?).await?;
//! # billing.customers().create(NewCustomer::builder("ada", "Ada").build()?).await?;
//! let (recorder, mut failures) = RecorderBuilder::new(billing.usage()).build()?;
//! for i in 0..1000 {
//!     let key = IdempotencyKey::new(format!("call-{i}"))?;
//!     recorder.record(UsageEvent::builder("ada", "api_calls", dec!(1)).key(key).build()?).await.unwrap();
//! }
//! let stats = recorder.flush().await; // every event recorded so far has an outcome
//! assert_eq!(stats.recorded, 1000);
//! assert!(failures.try_recv().is_none());
//! assert!(recorder.shutdown(Duration::from_secs(5)).await.events.is_empty());
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! Metrics: [`UsageRecorder::stats`] (queued, in flight, recorded, accepted, duplicates, failed, calls,
//! re-sent), and `tracing` events under the target `unibill_recorder` (a `debug` per answered batch with its
//! counts, a `warn` per failed event, `info` at shutdown and when a spool is recovered).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod builder;
mod error;
mod failure;
mod message;
mod queue;
mod recorder;
mod sender;
mod settings;
mod size;
#[cfg(feature = "spool")]
mod spool;
mod stats;
mod worker;

pub use builder::RecorderBuilder;
pub use error::RecordError;
pub use failure::{FailedEvent, Failures};
pub use recorder::{Unsent, UsageRecorder};
pub use settings::{Backoff, CountedHook, FullQueue, SettledHook};
#[cfg(feature = "spool")]
#[cfg_attr(docsrs, doc(cfg(feature = "spool")))]
pub use spool::{SCHEMA_VERSION, SpoolOptions};
pub use stats::RecorderStats;
