//! unibill-webhooks: take a billing provider's webhook deliveries so that each one reaches the application
//! once, and a failure leaves it re-deliverable.
//!
//! Verification is the provider's [`unibill_core::Webhooks`] (pure: signature, timestamp, decoding). This crate
//! adds what needs state: a [`DeliveryLog`] that dedupes deliveries in two phases (claim, then complete only
//! once the application's handler succeeded, or abandon so the provider's retry is handled again; a claim whose
//! handler crashed lapses after a lease), the [`Intake`] that puts the two together with a body size cap, the
//! out-of-order helpers [`is_newer`] and [`update_time`], and an axum handler (`router`, feature `axum`).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::sync::atomic::{AtomicUsize, Ordering};
//! use unibill_core::{Customers, MemoryLifecycle, NewCustomer, WebhookEvent, WebhookKind};
//! use unibill_webhooks::{BoxError, Handled, Intake};
//!
//! // The memory provider signs a delivery for every change, as a real provider would send them.
//! let memory = MemoryLifecycle::new();
//! memory.customers().create(NewCustomer::builder("ada", "Ada Lovelace").build()?).await?;
//!
//! // The application's handler: any async closure over the verified event.
//! let seen = Arc::new(AtomicUsize::new(0));
//! let counter = Arc::clone(&seen);
//! let intake = Intake::new(Arc::new(memory.webhooks()), move |event: WebhookEvent| {
//!     let counter = Arc::clone(&counter);
//!     async move {
//!         assert_eq!(event.kind, WebhookKind::CustomerCreated);
//!         counter.fetch_add(1, Ordering::SeqCst);
//!         Ok::<(), BoxError>(())
//!     }
//! });
//!
//! // The provider retries: the second delivery of the same id is acknowledged, not handled again.
//! let delivery = memory.deliveries().remove(0);
//! let now = memory.clock().timestamp();
//! assert!(matches!(intake.handle(&delivery.headers, &delivery.body, now).await?, Handled::Processed(_)));
//! assert_eq!(intake.handle(&delivery.headers, &delivery.body, now).await?, Handled::Duplicate);
//! assert_eq!(seen.load(Ordering::SeqCst), 1);
//!
//! // A tampered body is refused before anything else.
//! let err = intake.handle(&delivery.headers, b"{}", now).await.unwrap_err();
//! assert_eq!(err.kind(), unibill_core::ErrorKind::Unauthenticated);
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! Features: `sqlite` (`SqliteDeliveryLog`, a log in an SQLite file that survives restarts and is shared by
//! the processes that open it) and `axum` (`router`: answers 2xx only once the handler succeeded, 5xx so the
//! provider re-delivers when it failed, 401 and 413 for refusals).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod intake;
mod log;
mod memory;
mod order;

#[cfg(feature = "axum")]
mod axum;
#[cfg(feature = "sqlite")]
mod sqlite;

pub use intake::{BoxError, DEFAULT_MAX_BODY, HANDLER_OPERATION, Handled, Intake, WebhookHandler};
pub use log::{Begin, DEFAULT_LEASE, DEFAULT_RETENTION, DeliveryLog, LogPolicy, Ticket};
pub use memory::{DEFAULT_CAPACITY, MemoryDeliveryLog, MemoryDeliveryLogBuilder};
pub use order::{is_newer, update_time};

#[cfg(feature = "axum")]
#[cfg_attr(docsrs, doc(cfg(feature = "axum")))]
pub use crate::axum::router;

#[cfg(feature = "sqlite")]
#[cfg_attr(docsrs, doc(cfg(feature = "sqlite")))]
pub use sqlite::{SCHEMA_COMPONENT, SCHEMA_VERSION, SqliteDeliveryLog, SqliteDeliveryLogBuilder};
