//! unibill-flowglad: prices, customers and the billing lifecycle (meters, features, subscriptions, usage,
//! entitlements, invoices) on the [Flowglad](https://flowglad.com) billing API.
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use rust_decimal_macros::dec;
//! use unibill_core::{Billing, Currency, Interval, Money, NewCustomer, NewPrice, PriceKind};
//! use unibill_flowglad::{FlowgladClient, FlowgladConfig};
//! use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};
//!
//! // A local Flowglad emulator stands in for https://app.flowglad.com here.
//! let emulator = FlowgladEmulator::new("sk_test_8Qbw_secret");
//! let served = emulator.serve().await.unwrap();
//!
//! let config = FlowgladConfig::builder("sk_test_8Qbw_secret").base_url(served.base_url()).build()?;
//! let flowglad = FlowgladClient::new(config)?;
//! let billing = Billing::builder().prices(flowglad.clone()).customers(flowglad).build();
//!
//! let pro = billing
//!     .prices()
//!     .create(
//!         NewPrice::builder(PriceKind::recurring(Interval::monthly()), Money::new(dec!(19.99), Currency::USD))
//!             .product_id(seed::PRO_PRODUCT_ID)
//!             .slug("pro_monthly")
//!             .build()?,
//!     )
//!     .await?;
//! assert_eq!(pro.unit_amount.amount, dec!(19.99)); // sent as unitPrice 1999
//!
//! let ada = billing
//!     .customers()
//!     .create(NewCustomer::builder("user_12345", "Ada Lovelace").email("ada@example.com").build()?)
//!     .await?;
//! assert_eq!(ada.id.as_str(), "user_12345"); // Flowglad customers are addressed by external id
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! # Operations
//!
//! | operation | request | safety |
//! |---|---|---|
//! | prices.create | `POST /api/v1/prices` `{"price": …}` | `Reconcile` on the slug if given, else `Unsafe` |
//! | prices.get | `GET /api/v1/prices/{id}` | `Safe` |
//! | prices.list | `GET /api/v1/prices?limit&cursor` (product and archived filters applied here) | `Safe` |
//! | prices.update | `GET`, then `PUT /api/v1/prices/{id}` with `id`, `type`, `isDefault` in the body | `Safe` |
//! | prices.archive | `GET`, then `PUT /api/v1/prices/{id}` with `active: false` | `Safe` |
//! | customers.create | `POST /api/v1/customers` `{"customer": …}` | `NaturalKey` on the external id |
//! | customers.get / get_by_external_id | `GET /api/v1/customers/{externalId}` | `Safe` |
//! | customers.list | `GET /api/v1/customers?limit&cursor` (archived filtered here) | `Safe` |
//! | customers.update | `PUT /api/v1/customers/{externalId}` | `Safe` |
//! | customers.delete | `GET`, then `POST /api/v1/customers/{externalId}/archive` `{}` | `Safe` |
//! | meters.create | slug scan of `GET /api/v1/usage-meters`, then `POST /api/v1/usage-meters` `{"usageMeter": {name, slug, aggregationType}}` | `Reconcile` on the slug |
//! | meters.get_by_key / list | the slug scan / `GET /api/v1/usage-meters?limit&cursor` | `Safe` |
//! | features.create | slug scan of `GET /api/v1/features`, then `POST /api/v1/features` `{"feature": {type: "toggle", …, pricingModelId}}` | `Reconcile` on the slug |
//! | features.get_by_key / list | the slug scan / `GET /api/v1/features?limit&cursor` | `Safe` |
//! | features.grant | slug scan, then `POST /api/v1/product-features` `{"productFeature": {productId, featureId}}` | `Unsafe` |
//! | subscriptions.create | `GET /api/v1/customers/{externalId}/billing` (the key), then `POST /api/v1/subscriptions` (flat, key in `metadata.unibill_key`) | `Reconcile` on the key; a `409` is looked up |
//! | subscriptions.get / list | `GET /api/v1/subscriptions/{id}` / `?limit&cursor` (status filtered here) | `Safe` |
//! | subscriptions.cancel | `POST /api/v1/subscriptions/{id}/cancel` `{"cancellation": {"timing"}}` | `Safe` |
//! | subscriptions.uncancel | `POST /api/v1/subscriptions/{id}/uncancel` `{}` (a canceled answer is `Conflict`) | `Safe` |
//! | subscriptions.change_price | `GET`, then `POST /api/v1/subscriptions/{id}/adjust` `{"adjustment": {"timing": "immediately", …}}` | `Reconcile` (read back) |
//! | usage.ingest | `/billing` per customer without a subscription, `POST /api/v1/usage-events/bulk`, and `POST /api/v1/usage-events` for each omitted (duplicate) event | `Safe` |
//! | entitlements.check / list | `GET /api/v1/customers/{externalId}/billing`, computed | `Safe` |
//! | invoices.get / list | `GET /api/v1/invoices/{id}` / `?limit&cursor` | `Safe` |
//!
//! Authentication is `Authorization: <secret key>` (the raw key, as Flowglad's SDK sends it).
//!
//! # What Flowglad can and cannot do (the capabilities)
//!
//! [`unibill_core::Billing`] enforces these before sending (a bare [`FlowgladClient`] is unguarded).
//!
//! - **Prices** are `subscription` (recurring, with an optional trial), `single_payment` (one-time) and
//!   `usage`. Recurring and one-time prices need a product id; usage prices hang off the meter and a product
//!   id is `InvalidInput`. Schemes: per unit, and package rounding up on usage prices only
//!   (`usageEventsPerUnit`). Tiers, round-down packages, setup fees, descriptions and metadata are
//!   `Unsupported`.
//! - **Currency** is the organisation's ([`FlowgladConfig::currency`]); a price in another one is
//!   `InvalidInput` on `currency` before sending. Amounts are whole minor units in Flowglad's table
//!   ([`FLOWGLAD_EXPONENTS`]: Stripe's zero-decimal list), `0..=2,147,483,647`.
//! - **Divergence:** creating a recurring or one-time price archives every other price of its product and
//!   makes the new one active and default (`create_archives_siblings`); `is_default: false` on such a create
//!   is `InvalidInput`, and creating an inactive price is `Unsupported` (Flowglad stores every new price
//!   active).
//! - **Customers** store a name and a (required) email; contact, address, time zone and metadata are
//!   `Unsupported`. An update changes name and email. Delete archives; an archived customer stays readable by
//!   id (with status archived) and its external id can be reused.
//! - **Lists** page with Flowglad's cursor (at most 100 a page); Flowglad ignores filters, so the adapter
//!   filters each page and pages may come out short.
//! - **The slug search** (a create with a slug: before any re-send, and after a `409` that names no price)
//!   pages the whole list, so it is bounded twice: by the create's deadline, and by
//!   [`FlowgladClientBuilder::max_pages`] (default 10,000); a repeated `nextCursor` or page ends it at once.
//!   The meter and feature slug scans are bounded the same way.
//!
//! # The lifecycle
//!
//! - **Usage** events need a subscription: one without is resolved, once per customer and call, to the
//!   customer's only current subscription (none or several: `Rejected`, `InvalidInput` on `subscription_id`).
//!   Quantities are whole numbers 1..=2,147,483,647 (`QuantityRule::PositiveInteger`). The meter is sent as
//!   `usageMeterSlug`. Bulk answers are matched by `transactionId`; an omitted (duplicate) event is re-sent on
//!   the single route, which answers the first write: another amount, date or subscription is `Rejected` with
//!   a `Conflict`, the same is `Duplicate`. A refused batch (one transaction) is halved until the bad event
//!   stands alone. There is no status lookup.
//! - **Subscriptions**: the key lives in `metadata.unibill_key` and is looked up in the customer's billing
//!   aggregate before any send; a `409` "already has an active subscription" is the same lookup (ours:
//!   success; another: `AlreadyExists` naming it). Cancel immediately or at period end (no date, no pause),
//!   idempotent; uncancel of a canceled subscription is `Conflict`. A paid create replaces the customer's
//!   default free subscription (`create_replaces_free_default`). Trials: from the price, or until a time.
//! - **Meters**: `sum` only. **Features**: boolean (`toggle`) only (a credit grant's amount is on the
//!   feature, which the neutral input lacks); grants attach a feature to a product, with no limit. Features
//!   need the pricing model: [`FlowgladClientBuilder::pricing_model_id`], or read from a usage meter.
//! - **Entitlements** are computed from `/billing`'s `experimental` block over every current subscription: a
//!   toggle is `Boolean`; a credit grant is `Metered` with `limit: Unknown`, `used: None` and the meter's
//!   summed `availableBalance`; nothing is `NotGranted`.
//! - **Invoices** are read-only (no finalize or void), with no `total` and no lines; list filters on
//!   subscription and status run here, a customer filter is unsupported.

mod billing;
mod capabilities;
mod client;
#[doc(hidden)]
pub mod codec;
mod config;
mod currency;
mod customers;
mod decode;
mod entitlements;
mod errors;
mod features;
mod invoices;
mod meters;
mod pagination;
mod prices;
mod subscriptions;
mod usage;
mod webhooks;

pub use client::{FlowgladClient, FlowgladClientBuilder};
pub use config::{
    DEFAULT_BASE_URL, ENV_BASE_URL, ENV_CURRENCY, ENV_SECRET_KEY, FlowgladConfig,
    FlowgladConfigBuilder,
};
pub use currency::FLOWGLAD_EXPONENTS;
pub use pagination::MAX_PAGE_SIZE;
pub use webhooks::{ENV_WEBHOOK_SECRET, FlowgladWebhooks, WEBHOOK_TOLERANCE};

/// The provider name on read models, errors and cursors.
pub const PROVIDER: &str = "flowglad";
