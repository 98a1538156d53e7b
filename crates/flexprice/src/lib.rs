//! unibill-flexprice: customers, connections, prices and the billing lifecycle on the
//! [Flexprice](https://flexprice.io) API, behind unibill's neutral [`Customers`](unibill_core::Customers),
//! [`Connections`](unibill_core::Connections), [`Prices`](unibill_core::Prices),
//! [`Meters`](unibill_core::Meters), [`Features`](unibill_core::Features),
//! [`Subscriptions`](unibill_core::Subscriptions), [`Usage`](unibill_core::Usage),
//! [`Entitlements`](unibill_core::Entitlements) and [`Invoices`](unibill_core::Invoices) traits, plus the plans every price hangs off: [`FlexpriceClient::create_plan`],
//! [`FlexpriceClient::get_plan`], [`FlexpriceClient::list_plans`] and [`FlexpriceClient::archive_plan`],
//! and one-off invoices: [`FlexpriceClient::create_one_off_invoice`] with a [`NewOneOffInvoice`].
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap().block_on(async {
//! use unibill_core::{Billing, Customers, CustomerUpdate, ErrorKind, NewCustomer};
//! use unibill_flexprice::{FlexpriceClient, FlexpriceConfig};
//! use unibill_testkit::emulators::flexprice::FlexpriceEmulator;
//!
//! // An emulated Flexprice on 127.0.0.1 (in production: `FlexpriceClient::from_env()`).
//! let emulator = FlexpriceEmulator::new("sk_test_123");
//! let served = emulator.serve().await.unwrap();
//!
//! let config = FlexpriceConfig::builder("sk_test_123").base_url(served.base_url().parse().unwrap()).build()?;
//! let flexprice = FlexpriceClient::new(config)?;
//! let billing = Billing::builder().customers(flexprice.clone()).connections(flexprice).build();
//!
//! let customers = billing.customers();
//! let ada = customers
//!     .create(NewCustomer::builder("user-42", "Ada Lovelace").email("ada@example.com").build()?)
//!     .await?;
//! assert!(ada.id.as_str().starts_with("cust_"));
//!
//! let renamed = customers
//!     .update(ada.id.clone(), CustomerUpdate::builder().name("Ada King").clear_email().build()?)
//!     .await?;
//! assert_eq!((renamed.name.as_str(), renamed.email), ("Ada King", None));
//!
//! // The external id is a natural key: a second create is AlreadyExists carrying the existing id.
//! let dup = customers.create(NewCustomer::builder("user-42", "Someone").build()?).await.unwrap_err();
//! assert_eq!(dup.kind(), ErrorKind::AlreadyExists);
//! assert_eq!(dup.existing_id(), Some(ada.id.as_str()));
//!
//! customers.delete(ada.id.clone()).await?; // archives: still readable by id
//! assert!(!customers.get(ada.id).await?.is_active());
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```
//!
//! # Operations
//!
//! | operation | request | safety |
//! | --- | --- | --- |
//! | customers.create | `POST /customers` (always with a `metadata` object) | natural key: the external id, looked up by `GET /customers/external/{id}` |
//! | customers.get | `GET /customers/{id}` (archived customers too) | safe |
//! | customers.get_by_external_id | `GET /customers/external/{id}`, or `GET /customers?external_id=` for ids holding `/` | safe |
//! | customers.list | `GET /customers?limit&offset&order=asc` | safe |
//! | customers.update | `PUT /customers/{id}`: absent keeps, `""` clears, metadata replaces | safe |
//! | customers.delete | `DELETE /customers/{id}`; its 404 is checked with `GET /customers/{id}` (an archived customer is deleted already: success) | reconcile: after an unknown outcome, an archived or missing customer means done |
//! | connections.create | `POST /connections` with flat `encrypted_secret_data` | natural key (name + provider type) for types limited to one connection, unsafe for `s3` |
//! | connections.get | `GET /connections/{id}` | safe |
//! | connections.list | `GET /connections?limit&offset&order=asc[&provider_type]` | safe |
//! | connections.update | `PUT /connections/{id}` (`sync_config` replaced whole, settings kept) | safe |
//! | connections.delete | `DELETE /connections/{id}` | reconcile: after an unknown outcome, a missing connection means done |
//! | plans.create | `POST /plans` | unsafe |
//! | plans.get | `GET /plans/{id}` (archived ones too; the embedded prices' ids kept) | safe |
//! | plans.list | `POST /plans/search` (`limit`, `offset`, `order: asc`, `status: published` unless archived ones are asked for), next offset kept in the cursor | safe |
//! | plans.archive | `DELETE /plans/{id}` (its prices stay published), then `GET` | reconcile: after an unknown outcome, an archived plan means done |
//! | prices.create | `POST /prices` (`entity_type: PLAN`, the product id as `entity_id`; amounts as decimal strings, currency lower case) | natural key: the lookup key (slug), looked up by `GET /prices/lookup/{key}`; unsafe without a slug |
//! | prices.get | `GET /prices/{id}` (ended prices too) | safe |
//! | prices.list | `POST /prices/search` (`entity_type`+`entity_ids` per plan, `allow_expired_prices` for archived, `order: asc`), next offset kept in the cursor | safe |
//! | prices.update | `PUT /prices/{id}` with `display_name` / `lookup_key` (in place); `active: false` archives | safe |
//! | prices.archive | `GET`, then `DELETE /prices/{id}` with `{}` (sets an end date), then `GET` | reconcile: after an unknown outcome, an ended price means done |
//! | meters.create | `POST /features/search` by `lookup_key` first (held: `AlreadyExists`, or `Conflict` for another aggregation), then `POST /features` `type: metered` with an inline `meter` (`event_name` = key, `aggregation.field: quantity`, `reset_usage: BILLING_PERIOD`) | natural key: the carrier's `lookup_key` |
//! | meters.get_by_key / list | `POST /features/search` (`lookup_key`, `expand: meters`, published); `GET /meters/{id}` when the carrier does not embed its meter | safe |
//! | features.create | the key looked up first; `POST /features` (`boolean`, or `metered` with the meter's id) | natural key: `lookup_key` |
//! | features.get_by_key / list | `POST /features/search` | safe |
//! | features.grant | `POST /entitlements/search` by plan and feature first (same grant → it, another → `Conflict`), then `POST /entitlements` (`usage_limit` integer or `null` = unlimited) | reconcile: the same search |
//! | subscriptions.create | `GET /prices/{id}` (plan, currency, period), the customer, `POST /subscriptions/search` by `lookup_key` (held: `AlreadyExists`, `Conflict`, or a left draft finished), `POST /subscriptions` as a `draft` with `lookup_key` = key, the search again (the oldest draft wins), `POST /subscriptions/{id}/activate`, `GET` | reconcile: the key search; activate state-checked |
//! | subscriptions.get / list | `GET /subscriptions/{id}`; `POST /subscriptions/search` (every status, by customer; statuses filtered here) | safe |
//! | subscriptions.cancel | `POST /subscriptions/{id}/cancel` (`immediate` with `generate_invoice`/`skip`, `end_of_period`, `scheduled_date`), then `GET`; a 400 whose re-read shows the end state is success | safe, end state checked |
//! | subscriptions.uncancel | `GET`; `POST /subscriptions/schedules/cancel` (`schedule_type: cancellation`) when a cancel is pending; canceled → `Conflict` | safe, end state checked |
//! | subscriptions.change_price | `POST /subscriptions/{id}/change/v2/execute` (in place, same id; another currency or period is `Unsupported`) | safe, end state checked |
//! | usage.ingest | `POST /events/bulk`, ≤ 1000 events and ≤ 32 MiB − 64 KiB each, `event_id` = key, `timestamp` in ms, `properties.quantity`; a 400 is halved until the bad event stands alone; 202 = `Accepted` | safe (the server dedupes on id + timestamp) |
//! | usage.status | `GET /events/lookup?id=` per key | safe |
//! | entitlements.check / list | `GET /customers/usage?customer_lookup_key=[&feature_lookup_keys=]` (`null` limit = unlimited) | safe |
//! | invoices.get / list | `GET /invoices/{id}`; `POST /invoices/search` (customer, subscription; statuses filtered here) | safe |
//! | invoices.create_one_off | `POST /invoices` (`ONE_OFF`, the input's `idempotency_key`; finalised inside the create); a 409 `already_exists` without an id → `POST /invoices/search` by customer (`ONE_OFF`, newest first), matched on `idempotency_key` (same content → that invoice, other content → `Conflict`) | reconcile: the same key search |
//! | invoices.finalize / void | `GET` (skipped / paid refused, the end state already there answered), `POST /invoices/{id}/finalize` / `void` (a message), `GET` | safe, end state checked |
//!
//! # Prices
//!
//! Recurring is `FIXED` with a period (`ADVANCE`), one-time is `FIXED` + `ONETIME`, usage is `USAGE` + `meter_id`
//! (`ARREAR`); per unit is `FLAT_FEE`, package is `PACKAGE` + `transform_quantity`, tiered is `TIERED` with
//! `VOLUME` or `SLAB` (graduated). Day/week/month/year map to `DAILY`/`WEEKLY`/`MONTHLY`/`ANNUAL`; `QUARTERLY` and
//! `HALF_YEARLY` read back as 3 and 6 months. Amounts are exact decimals with up to 15 fractional and 10 integer
//! digits (more is `InvalidInput` before sending, as the server would round or fail); currencies are upper case
//! on the neutral side. A price is active while it is published and has no end date. Flexprice has no default
//! flag and no setup fee (`Unsupported`), cannot clear a name or lookup key, and cannot un-archive.
//!
//! Retries, timeouts, `Retry-After`, scrubbing of secrets from error bodies and tracing are the
//! [`unibill_http::HttpExecutor`]'s; this crate only translates.

mod capabilities;
mod client;
#[doc(hidden)]
pub mod codec;
mod config;
mod connections;
mod customers;
mod decode;
mod entitlements;
mod errors;
mod features;
mod invoices;
mod meters;
mod pagination;
mod plans;
mod prices;
mod subscriptions;
mod usage;
mod webhooks;

pub use client::{FlexpriceClient, FlexpriceClientBuilder};
pub use config::{
    ENV_API_KEY, ENV_BASE_URL, ENV_REGION, FlexpriceConfig, FlexpriceConfigBuilder, Region,
    SecretsForm,
};
pub use invoices::model::{NewOneOffInvoice, NewOneOffInvoiceBuilder, OneOffLine};
pub use plans::model::{NewPlan, NewPlanBuilder, Plan, PlanListQuery};
pub use webhooks::{ENV_WEBHOOK_SECRET, FlexpriceWebhooks, WEBHOOK_TOLERANCE};

/// The provider name on errors, read models and capabilities.
pub const PROVIDER: &str = "flexprice";
