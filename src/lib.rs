//! unibill: one neutral interface over billing providers.
//!
//! Application code creates customers, prices, integration connections and provisioned stores through
//! provider-neutral traits and models. Which provider answers is chosen by cargo features and configuration, so
//! switching providers needs no code change; unit tests use mock providers (`mock` feature) or the built-in
//! memory provider.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use std::sync::Arc;
//! use unibill::{Billing, Customers, NewCustomer};
//!
//! // Application code takes the neutral trait object...
//! async fn sign_up(customers: Arc<dyn Customers>, user_id: &str, email: &str) -> unibill::Result<String> {
//!     let input = NewCustomer::builder(user_id, "New user").email(email).build()?;
//!     Ok(customers.create(input).await?.id.into_string())
//! }
//!
//! // ...and the bundle decides who answers: here the built-in memory provider.
//! let billing = Billing::memory();
//! let id = sign_up(billing.customers(), "user-1", "ada@example.com").await?;
//! assert_eq!(billing.customers().get(id.into()).await?.external_id, "user-1");
//! # Ok::<(), unibill::Error>(()) }).unwrap();
//! ```
//!
//! Everything in [`unibill_core`] is re-exported here; see its documentation for the neutral contract.
//! [`BillingConfig`] chooses the providers from the environment, a TOML file or code. Each adapter crate is
//! re-exported behind its feature, for what is provider-specific ([`flexprice`]'s plans, the clients'
//! executor settings): [`flexprice`], [`flowglad`], [`vercel`]. The services built on the traits are re-exported
//! the same way: `webhooks` (feature `webhooks`; with `sqlite` and `axum` for its SQLite log and axum handler),
//! `cache` (feature `cache`: the entitlement cache), `recorder` (feature `recorder`; with `spool` for its SQLite
//! spool) and `migrate` (feature `migrate`: migration between providers).

#![cfg_attr(docsrs, feature(doc_cfg))]

mod config;

pub use config::{
    BillingConfig, PROVIDER_VAR, PROVIDER_VARS, PROVIDERS, ProviderName, ProviderSpec, ProviderVar,
    Resource, WEBHOOK_SECRET_KEY,
};
pub use unibill_core::*;

/// The Flexprice adapter (`unibill-flexprice`): its client, configuration and plans.
#[cfg(feature = "flexprice")]
#[cfg_attr(docsrs, doc(cfg(feature = "flexprice")))]
pub use unibill_flexprice as flexprice;

/// The Flowglad adapter (`unibill-flowglad`).
#[cfg(feature = "flowglad")]
#[cfg_attr(docsrs, doc(cfg(feature = "flowglad")))]
pub use unibill_flowglad as flowglad;

/// The Vercel integration-store adapter (`unibill-vercel`).
#[cfg(feature = "vercel")]
#[cfg_attr(docsrs, doc(cfg(feature = "vercel")))]
pub use unibill_vercel as vercel;

/// Webhook intake (`unibill-webhooks`): [`webhooks::DeliveryLog`] (in memory; in SQLite with the `sqlite`
/// feature), [`webhooks::Intake`], the out-of-order helpers, and `webhooks::router` with the `axum` feature.
#[cfg(feature = "webhooks")]
#[cfg_attr(docsrs, doc(cfg(feature = "webhooks")))]
pub use unibill_webhooks as webhooks;

/// Migration between providers (`unibill-migrate`): [`migrate::Migration`] (inventory, plan, apply, verify)
/// over two [`Billing`]s, with its SQLite [`migrate::Ledger`].
#[cfg(feature = "migrate")]
#[cfg_attr(docsrs, doc(cfg(feature = "migrate")))]
pub use unibill_migrate as migrate;

/// The entitlement cache (`unibill-cache`): [`cache::CachedEntitlements`] answers checks from memory within
/// declared staleness bounds, with single-flight refresh, webhook invalidation, a local usage overlay and a
/// declared fail-open / fail-closed rule.
#[cfg(feature = "cache")]
#[cfg_attr(docsrs, doc(cfg(feature = "cache")))]
pub use unibill_cache as cache;

/// The usage recorder (`unibill-recorder`): [`recorder::UsageRecorder`] over any `Arc<dyn Usage>`; with the
/// `spool` feature, [`recorder::SpoolOptions`] keeps events in SQLite until they have an outcome.
#[cfg(feature = "recorder")]
#[cfg_attr(docsrs, doc(cfg(feature = "recorder")))]
pub use unibill_recorder as recorder;

/// The README's examples, compiled and run as doctests.
#[doc = include_str!("../README.md")]
#[cfg(doctest)]
pub struct ReadmeDoctests;
