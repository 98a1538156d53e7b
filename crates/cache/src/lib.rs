//! unibill-cache: answer "may this customer use this?" from memory, within declared staleness bounds.
//!
//! [`CachedEntitlements`] wraps any [`unibill_core::Entitlements`] and is one itself. It answers from memory
//! while an answer is younger than its bound (60 s for answers that give access, 5 s for answers that refuse
//! it, by default), refreshes in the background before the bound, makes one request per customer however many
//! callers miss at once, drops a customer on any webhook event naming it, adds usage the provider
//! acknowledged but does not count yet on top of metered answers, and follows a declared rule when the
//! provider cannot be reached ([`FailMode`]: closed answers `Unavailable`, open serves the last known answer
//! marked stale with its age). Every answer carries the provider's `as_of` and a
//! [`unibill_core::Freshness`] saying whether it came from memory and how old it is.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use std::time::Duration;
//! use rust_decimal_macros::dec;
//! use unibill_cache::{CacheConfig, CachedEntitlements, FailMode};
//! use unibill_core::*;
//!
//! // A customer on the memory provider with a metered feature of 100 calls a period.
//! let clock = ManualClock::new("2026-03-01T00:00:00Z".parse()?);
//! let billing = MemoryLifecycle::builder().clock(Arc::new(clock.clone())).build();
//! billing.meters().create(NewMeter::builder("api_calls", "API calls", Aggregation::Sum).build()?).await?;
//! billing.features().create(NewFeature::builder("api_calls", "API calls", FeatureKind::metered("api_calls")).build()?).await?;
//! billing.features().grant(Grant::builder("api_calls", "pro").limit(Limit::Finite(dec!(100))).build()?).await?;
//! let price = billing.prices().create(
//!     NewPrice::builder(PriceKind::recurring(Interval::monthly()), Money::new(dec!(29), Currency::USD)).product_id("pro").build()?,
//! ).await?;
//! billing.customers().create(NewCustomer::builder("ada", "Ada Lovelace").build()?).await?;
//! billing.subscriptions().create(NewSubscription::builder(CustomerRef::external_id("ada"), price.id).build()?).await?;
//!
//! let cache = CachedEntitlements::builder(Arc::new(billing.entitlements()))
//!     .config(CacheConfig::default().fail_mode(FailMode::open_up_to(Duration::from_secs(600))))
//!     .clock(Arc::new(clock.clone()))
//!     .build()?;
//!
//! let first = cache.check("ada".into(), "api_calls".into()).await?; // asks the provider
//! assert_eq!(first.freshness, Freshness::Live);
//! clock.advance_by(Duration::from_secs(10));
//! let again = cache.check("ada".into(), "api_calls".into()).await?; // from memory
//! assert_eq!(again.freshness, Freshness::Cached { age: SignedDuration::from_secs(10) });
//! assert_eq!(again.as_of, first.as_of);
//!
//! // A recorder reports 30 calls the provider acknowledged: counted on top until the provider counts them.
//! let calls = UsageEvent::builder("ada", "api_calls", dec!(30)).occurred_at(clock.timestamp()).build()?;
//! billing.usage().ingest(vec![calls.clone()]).await?;
//! cache.note_usage(&calls);
//! let used = cache.check("ada".into(), "api_calls".into()).await?;
//! assert!(matches!(used.kind, EntitlementKind::Metered { used: Some(u), .. } if u == dec!(30)));
//!
//! // A webhook event naming the customer: the next check asks the provider again.
//! cache.invalidate_on(&WebhookEvent::builder("memory", "msg_1", WebhookKind::SubscriptionUpdated).customer_external_id("ada").build());
//! let refreshed = cache.check("ada".into(), "api_calls".into()).await?;
//! assert!(refreshed.freshness.is_live());
//! assert!(matches!(refreshed.kind, EntitlementKind::Metered { used: Some(u), .. } if u == dec!(30)));
//! assert_eq!(cache.stats().provider_requests, 2);
//! # Ok::<(), Box<dyn std::error::Error>>(()) }).unwrap();
//! ```
//!
//! Single flight, the bounds and the fail rules are described on [`CachedEntitlements`]; the settings on
//! [`CacheConfig`]; the counters on [`CacheStats`] (every refresh and failure is also a `tracing` event).
//! For the fastest hits, give it a [`CoarseClock`] (the time read from memory instead of the system clock).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod cached;
mod coarse_clock;
mod config;
mod moment;
mod overlay;
mod snapshot;
mod stats;

pub use cached::{Allowed, CachedEntitlements, CachedEntitlementsBuilder, UsageObserver};
pub use coarse_clock::CoarseClock;
pub use config::{CacheConfig, FailMode, default_pipeline_lag};
pub use stats::CacheStats;
