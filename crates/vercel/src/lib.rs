//! unibill-vercel: Vercel integration stores (marketplace databases) and their billing plans behind
//! unibill's [`Stores`](unibill_core::Stores) trait.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use std::time::Duration;
//! use unibill_core::{Billing, BillingPlanQuery, NewStore, StoresExt, WaitOptions};
//! use unibill_vercel::{VercelClient, VercelConfig};
//! use unibill_testkit::emulators::vercel::{VercelEmulator, seed};
//!
//! // A Vercel emulator on 127.0.0.1 stands in for https://api.vercel.com.
//! let served = VercelEmulator::new("vercel_tok_example").serve().await.unwrap();
//!
//! let config = VercelConfig::builder("vercel_tok_example") // or VercelConfig::from_env()
//!     .team_id(seed::TEAM_ID)
//!     .base_url(served.base_url())
//!     .build()?;
//! let billing = Billing::builder().stores(VercelClient::new(config)?).build();
//! let stores = billing.stores();
//!
//! // configurations → products → (billing plans) → create → wait until available.
//! let configuration = stores.list_configurations(Some("neon".into())).await?.remove(0);
//! let product = stores.list_products(configuration.id.clone()).await?.remove(0);
//! let plans = stores.list_billing_plans(BillingPlanQuery::new("neon", product.id.clone())?).await?;
//! assert!(plans.iter().any(|p| p.is_free()));
//! // As one installation is offered them, priced for the metadata the store will have.
//! let query = BillingPlanQuery::builder("neon", product.id.clone())
//!     .configuration_id(configuration.id.clone())
//!     .metadata_entry("region", "fra1")
//!     .build()?;
//! assert_eq!(stores.list_billing_plans(query).await?.len(), plans.len());
//!
//! // No billing plan: Vercel picks the product's free plan.
//! let store = stores
//!     .create(NewStore::builder("shop-db", configuration.id.clone(), product.slug.clone()).build()?)
//!     .await?;
//! assert!(store.secrets.iter().any(|s| s.name == "DATABASE_URL")); // names and lengths, never values
//! let id = store.id.clone().expect("the emulator answers the store id");
//! let ready = stores.wait_until_ready(id.clone(), WaitOptions::new(Duration::ZERO, 5)).await?;
//! assert!(ready.is_ready());
//! stores.delete(id).await?;
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! # Operations
//!
//! | operation | request | safety |
//! |---|---|---|
//! | `create` | `POST /v1/storage/stores/integration/direct` | `Unsafe` (see below) |
//! | (id fallback) | `GET /v1/installations/{icfg}/resources/{externalResourceId}` | `Safe` |
//! | `get` | `GET /v1/storage/stores/{id}` | `Safe` |
//! | `delete` | `DELETE /v1/storage/stores/integration/{id}` | `Reconcile` (read first; gone = done) |
//! | `list_billing_plans` | `GET /v1/integrations/integration/{integration}/products/{product}/plans` (`?integrationConfigurationId=…&metadata={…}&source=…`, each when given) | `Safe` |
//! | `list_configurations` | `GET /v1/integrations/configurations?view=account` | `Safe` |
//! | `list_products` | `GET /v1/integrations/configuration/{id}/products` | `Safe` |
//!
//! Every call carries `Authorization: Bearer <token>` and the team query (`teamId` or `slug`) when one is
//! configured.
//!
//! # What to know
//!
//! - **A bare [`VercelClient`] is unguarded**: capabilities and empty ids are enforced by
//!   [`unibill_core::Billing`], which wraps every provider in `Guarded` (as in the example above).
//! - **Creation is asynchronous**: a new store is usually `initializing`; poll with
//!   [`StoresExt::wait_until_ready`](unibill_core::StoresExt::wait_until_ready).
//! - **The documented create answer has no store id.** The real API sends an undocumented `id`, which is used
//!   when present; when it is missing the id is looked up through the partner resource
//!   (`externalResourceId` → `internalId`). That lookup needs the integration's own token; when it fails the
//!   store comes back with `id: None` (the create did succeed). `capabilities().create_returns_id` is `false`.
//! - **A create is never re-sent after an ambiguous attempt** (`Unsafe`): Vercel does not deduplicate creates,
//!   and nothing in the request can be looked up before a re-send (`externalId` has no lookup and no uniqueness).
//!   A lost answer is `OutcomeUnknown`; so is a 200 with `store: null`. A 429 is retried after `Retry-After`
//!   (else the body's `limit.resetMs`), as nothing was applied.
//! - Secrets come back as names and lengths only; the values reach projects as environment variables.
//! - Decoding is lenient: unknown fields are ignored, unknown statuses, sources and plan types are kept as
//!   `Other`. Money fields of plans stay display strings, parsed into `Money` where they are plain amounts.
//! - Errors follow one table (`400` → `InvalidInput` with a field hint, `401` → `Unauthenticated`, `402` →
//!   `PaymentRequired`, `403` → `PermissionDenied`, `404`/`410` → `NotFound`, `409` → `Conflict`, `429` →
//!   `RateLimited`), with Vercel's code, message and `x-vercel-id` kept (Vercel's message is shown once, as
//!   the provider message).
//! - **Without a team** (`VERCEL_TEAM_ID`/`VERCEL_TEAM_SLUG` unset) Vercel answers for the token's personal
//!   account: a team's configurations are not listed and its configurations and stores are 404. Such a 403 or
//!   404 says that no team was sent and names both variables.
//! - `list_billing_plans` sends the query's metadata as one compact JSON text, as the Vercel CLI does; numbers
//!   keep every digit ([`unibill_core::parse_store_metadata`] reads them so from text).

mod capabilities;
mod client;
#[doc(hidden)]
pub mod codec;
mod config;
mod configurations;
mod decode;
mod errors;
mod plans;
mod stores;
mod webhooks;

pub use client::{VercelClient, VercelClientBuilder};
pub use config::{
    DEFAULT_BASE_URL, ENV_BASE_URL, ENV_TEAM_ID, ENV_TEAM_SLUG, ENV_TOKEN, TeamScope, VercelConfig,
    VercelConfigBuilder,
};
pub use webhooks::{ENV_WEBHOOK_SECRET, SIGNATURE_HEADER, VercelWebhooks};

/// The provider name on every model and error: `"vercel"`.
pub const PROVIDER: &str = "vercel";
