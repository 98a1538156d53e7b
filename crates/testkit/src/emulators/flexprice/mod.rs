//! An in-memory emulator of the Flexprice API (customers, connections, plans, meters and prices, and the billing
//! lifecycle: features, subscriptions, usage events, entitlements and invoices), as an [`axum::Router`].
//!
//! It reproduces the behaviour described in the project's Flexprice notes, quirks included, so that the
//! adapter is tested against what the real server does rather than what a naive mock would accept:
//!
//! - `x-api-key` auth (401 `{"error":"Unauthorized"}`; 403 `{"message":"insufficient permissions"}` for a
//!   [`KeyScope::ReadOnly`] key on writes), and gin's plain-text `404 page not found` for unknown routes and
//!   methods (there is no `PATCH`);
//! - the current error body `{code, message, http_status_code, details}` with Go field names in validation
//!   `details` (or the legacy `{success:false, error:{…}}` body with [`FlexpriceEmulator::set_legacy_errors`]);
//! - customers: create / get (archived too) / get by external id (published only) / list and search (with the
//!   `pagination.offset = offset + limit` quirk) / PUT (partial, stale `updated_at`, the `old_external_ids` bug,
//!   the nil-map panic) / soft DELETE;
//! - connections: flat `encrypted_secret_data`, the nested form storing empty secrets, one published connection
//!   per provider type except `s3`, the rejected `sync_config` directions, `connections: null`, secrets never
//!   returned, PUT replacing `sync_config` and ignoring secret rotation, soft DELETE;
//! - plans (create, search with the next-offset `pagination.offset`, get with prices embedded, archive) and
//!   seeded meters ([`FlexpriceEmulator::add_meter`]);
//! - prices: create in the server's validation order (required `billing_period_count`, ONETIME only ADVANCE,
//!   USAGE only ARREAR with a meter, trials only on recurring FIXED prices, `tier_mode` never checked), decimal
//!   strings echoed trimmed (rounded to 15 fractional digits when stored), lower-case currency, `lookup_key`
//!   unique among live prices (409 naming a never-saved id), get (ended ones too), lookup by key (live only),
//!   search with `pagination.offset` = the next offset, PUT of the non-critical fields (a key clash is a 500),
//!   DELETE needing a JSON body and only setting an end date;
//! - the lifecycle (`flexprice-lifecycle.md`): meters without a natural key and metered features creating
//!   theirs (`lookup_key` unique, 409); subscriptions created active, trialing or `draft` (then activated),
//!   no dedupe, the customer list showing only `active`/`trialing` (`items: null` when none), the search over
//!   every status (`lookup_key` through `filters[]`, `metadata`), cancel `immediate` / `end_of_period` /
//!   `scheduled_date` (400 on a second attempt), the uncancel through the schedule routes (`{"error"}`
//!   bodies), the in-place v2 plan change; events single and bulk (202, no ids in the bulk answer, 1–1000
//!   events, the 32 MiB cap, the two bulk modes of [`BulkMode`], dedupe only on `event_id` + `timestamp`,
//!   server time when the timestamp is missing) and the lookup; entitlements merged from the plans of live
//!   subscriptions and the usage summary computed with each meter's aggregation; invoices (one-off create
//!   finalised in the call, `idempotency_key` → 409 without an id, finalize / void answering `{"message"}`,
//!   a second void 400). The emulated clock only moves one second a write, so nothing scheduled ever runs.
//!
//! Ids are `cust_` / `conn_` plus 26 Crockford base32 characters, and times come from a deterministic clock
//! (2026-08-22T13:00:01.123456789Z, then one second later at every write, read with
//! [`FlexpriceEmulator::now`]), so everything is reproducible.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use unibill_testkit::emulators::flexprice::{FlexpriceEmulator, KeyScope};
//!
//! let emulator = FlexpriceEmulator::new("sk_test");
//! emulator.add_api_key("sk_read_only", KeyScope::ReadOnly);
//! let served = emulator.serve().await?;
//! let base_url = served.base_url(); // "http://127.0.0.1:PORT/v1"
//! // ... drive an adapter against `base_url` ...
//! assert_eq!(emulator.request_count(), 0);
//! # Ok(()) }
//! ```

mod cancel;
mod clock;
mod connections;
mod customers;
mod entitlements;
pub mod errors;
mod events;
mod features;
pub mod ids;
mod invoices;
mod meters;
mod parse;
mod periods;
mod plan_change;
mod plans;
mod prices;
mod query_filter;
mod schedules;
mod state;
mod status;
mod subscriptions;
mod usage;
mod webhooks;

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{DefaultBodyLimit, Extension, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, Method};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use serde_json::Value;

use super::auth::{Authenticate, auth};
use super::record::{Recorder, Sequence, record};
use crate::{RecordedRequest, Served};
use clock::Precision;
use errors::{ApiError, RenderedCoded, legacy_body};
use state::Store;
pub use state::{BulkMode, DeleteBlock, KeyScope};
use status::Status;

/// Largest request body the emulator reads (bigger bodies are treated as empty): a little over the event
/// routes' 32 MiB cap, so a body just over the cap is still read and answered as the server does.
const MAX_BODY_BYTES: usize = events::BODY_LIMIT_BYTES + 1024 * 1024;

/// Where the API lives under the origin: [`Served::base_url`] is `http://127.0.0.1:PORT/v1`.
pub const BASE_PATH: &str = "/v1";

/// The emulator: shared state behind a mutex, the request log, and knobs. Create it with
/// [`FlexpriceEmulator::new`], mount [`FlexpriceEmulator::router`] anywhere (routes live under `/v1`), or
/// [`FlexpriceEmulator::serve`] it.
#[derive(Debug)]
pub struct FlexpriceEmulator {
    store: Mutex<Store>,
    recorder: Recorder,
    webhooks: crate::emulators::webhooks::WebhookOutbox,
}

/// Builds the emulator's router over `emulator`'s state. Routes are under `/v1`.
pub fn router(emulator: Arc<FlexpriceEmulator>) -> Router {
    let api = Router::new()
        .route(
            "/customers",
            post(customers::create)
                .get(customers::list)
                .put(customers::update_by_query),
        )
        .route("/customers/search", post(customers::search))
        .route("/customers/usage", get(entitlements::usage_summary))
        .route(
            "/customers/external/{external_id}/subscriptions",
            get(subscriptions::list_for_customer),
        )
        .route(
            "/customers/external/{external_id}/entitlements",
            get(entitlements::for_external_customer),
        )
        .route(
            "/customers/{id}/entitlements",
            get(entitlements::for_customer),
        )
        .route(
            "/customers/external/{external_id}",
            get(customers::get_by_external_id),
        )
        .route(
            "/customers/lookup/{external_id}",
            get(customers::get_by_external_id),
        )
        .route(
            "/customers/{id}",
            get(customers::get)
                .put(customers::update_by_path)
                .delete(customers::delete),
        )
        .route(
            "/connections",
            post(connections::create).get(connections::list),
        )
        .route("/connections/search", post(connections::search))
        .route(
            "/connections/{id}",
            get(connections::get)
                .put(connections::update)
                .delete(connections::delete),
        )
        .route("/plans", post(plans::create))
        .route("/plans/search", post(plans::search))
        .route("/plans/{id}", get(plans::get).delete(plans::delete))
        .route("/prices", post(prices::create))
        .route("/prices/search", post(prices::search))
        .route("/prices/lookup/{lookup_key}", get(prices::lookup))
        .route(
            "/prices/{id}",
            get(prices::get).put(prices::update).delete(prices::delete),
        )
        .route("/meters", post(meters::create))
        .route("/meters/{id}", get(meters::get))
        .route("/features", post(features::create))
        .route("/features/search", post(features::search))
        .route("/features/{id}", get(features::get))
        .route("/entitlements", post(entitlements::create))
        .route("/entitlements/search", post(entitlements::search))
        .route("/entitlements/{id}", get(entitlements::get))
        .route(
            "/subscriptions",
            post(subscriptions::create).get(subscriptions::list),
        )
        .route("/subscriptions/search", post(subscriptions::search))
        .route(
            "/subscriptions/schedules/cancel",
            post(schedules::cancel_by_subscription),
        )
        .route(
            "/subscriptions/schedules/{schedule_id}/cancel",
            post(schedules::cancel_by_id),
        )
        .route("/subscriptions/{id}", get(subscriptions::get))
        .route(
            "/subscriptions/{id}/activate",
            post(subscriptions::activate),
        )
        .route("/subscriptions/{id}/cancel", post(cancel::cancel))
        .route("/subscriptions/{id}/schedules", get(schedules::list))
        .route(
            "/subscriptions/{id}/change/v2/execute",
            post(plan_change::execute),
        )
        .route(
            "/subscriptions/{id}/change/v2/preview",
            post(plan_change::preview),
        )
        .route(
            "/subscriptions/{id}/entitlements",
            get(entitlements::for_subscription),
        )
        .route("/events", post(events::create))
        .route("/events/bulk", post(events::bulk))
        .route("/events/lookup", get(events::lookup))
        .route("/events/{id}", get(events::get))
        .route("/invoices", post(invoices::create).get(invoices::list))
        .route("/invoices/search", post(invoices::search))
        .route("/invoices/{id}", get(invoices::get))
        .route("/invoices/{id}/finalize", post(invoices::finalize))
        .route("/invoices/{id}/void", post(invoices::void))
        .route_layer(middleware::from_fn_with_state(
            emulator.clone(),
            auth::<Arc<FlexpriceEmulator>>,
        ))
        .method_not_allowed_fallback(route_not_found);
    Router::new()
        .nest(BASE_PATH, api)
        .fallback(route_not_found)
        .method_not_allowed_fallback(route_not_found)
        .layer(middleware::from_fn_with_state(
            emulator.clone(),
            webhooks::announce,
        ))
        .layer(middleware::from_fn_with_state(
            emulator.clone(),
            answer_quirks,
        ))
        .layer(middleware::from_fn_with_state(
            emulator.recorder.clone(),
            record,
        ))
        .layer(DefaultBodyLimit::max(MAX_BODY_BYTES))
        .with_state(emulator)
}

/// Unknown route or method: gin's plain-text 404, except that a `/v1/...` path with a trailing slash is
/// redirected to the path without it (gin's `RedirectTrailingSlash`: 301 for GET, 307 otherwise).
async fn route_not_found(method: Method, uri: axum::http::Uri) -> Response {
    let path = uri.path();
    if path.len() > "/v1/".len() && path.starts_with("/v1/") && path.ends_with('/') {
        let mut location = path.trim_end_matches('/').to_owned();
        if let Some(q) = uri.query() {
            location.push('?');
            location.push_str(q);
        }
        let status = if method == Method::GET {
            axum::http::StatusCode::MOVED_PERMANENTLY
        } else {
            axum::http::StatusCode::TEMPORARY_REDIRECT
        };
        if let Ok(value) = HeaderValue::from_str(&location) {
            return (status, [(axum::http::header::LOCATION, value)]).into_response();
        }
    }
    ApiError::RouteNotFound.into_response()
}

/// The auth and RBAC check, run for matched routes only (as with gin's route groups): 401 for an unknown key,
/// 403 for a [`KeyScope::ReadOnly`] key on a write.
impl Authenticate for Arc<FlexpriceEmulator> {
    type Identity = KeyScope;

    fn authenticate(&self, request: &Parts) -> Result<KeyScope, Box<Response>> {
        let scope = request
            .headers
            .get("x-api-key")
            .and_then(|v| v.to_str().ok())
            .and_then(|key| self.lock().knobs.api_keys.get(key).copied());
        let is_write = request.method != Method::GET && !request.uri.path().ends_with("/search");
        match scope {
            None => Err(Box::new(ApiError::Unauthorized.into_response())),
            Some(KeyScope::ReadOnly) if is_write => {
                Err(Box::new(ApiError::Forbidden.into_response()))
            }
            Some(scope) => Ok(scope),
        }
    }
}

/// Inside the recording layer: echoes or generates `X-Request-ID`, and re-renders coded errors in the legacy
/// shape when that knob is on.
async fn answer_quirks(
    State(emu): State<Arc<FlexpriceEmulator>>,
    Extension(Sequence(n)): Extension<Sequence>,
    req: Request,
    next: Next,
) -> Response {
    let request_id = req
        .headers()
        .get("x-request-id")
        .cloned()
        .unwrap_or_else(|| {
            HeaderValue::from_str(&format!("01K3F7RQ{n:018}"))
                .unwrap_or_else(|_| HeaderValue::from_static("01K3F7RQ000000000000000000"))
        });
    let mut resp = next.run(req).await;
    let legacy = emu.lock().knobs.legacy_errors;
    if legacy && let Some(RenderedCoded(coded)) = resp.extensions().get::<RenderedCoded>().cloned()
    {
        let status = resp.status();
        resp = (status, axum::Json(legacy_body(&coded))).into_response();
    }
    resp.headers_mut().insert("x-request-id", request_id);
    resp
}

impl FlexpriceEmulator {
    /// A new, empty emulator accepting `api_key` (read-write).
    pub fn new(api_key: impl Into<String>) -> Arc<Self> {
        Arc::new(Self {
            store: Mutex::new(Store::new(&api_key.into())),
            recorder: Recorder::new(MAX_BODY_BYTES),
            webhooks: Default::default(),
        })
    }

    /// The router serving this emulator (see [`router`]).
    pub fn router(self: &Arc<Self>) -> Router {
        router(Arc::clone(self))
    }

    /// Serves the emulator on `127.0.0.1` on a free port until the returned handle is dropped; its
    /// [`Served::base_url`] is `http://127.0.0.1:PORT/v1`.
    ///
    /// # Errors
    /// When the listener cannot be bound.
    pub async fn serve(self: &Arc<Self>) -> std::io::Result<Served> {
        crate::serve(self.router(), BASE_PATH).await
    }

    pub(crate) fn lock(&self) -> MutexGuard<'_, Store> {
        // A panic while holding the lock cannot leave the store half-written (writes are single pushes or
        // whole-record replacements), so a poisoned lock is still usable.
        self.store
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    // ----- inspection -----

    /// Number of requests handled so far (every request, including 401s and 404s).
    pub fn request_count(&self) -> usize {
        self.recorder.log.len()
    }

    /// Every request handled so far, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorder.log.all()
    }

    /// The last request handled.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.recorder.log.last()
    }

    /// Forgets the request log (stored objects stay).
    pub fn clear_requests(&self) {
        self.recorder.log.clear();
    }

    /// Number of stored customers, archived ones included.
    pub fn customer_count(&self) -> usize {
        self.lock().customers.len()
    }

    /// Number of published (not deleted) customers.
    pub fn published_customer_count(&self) -> usize {
        self.lock()
            .customers
            .iter()
            .filter(|c| c.status == Status::Published)
            .count()
    }

    /// Number of stored connections, archived ones included.
    pub fn connection_count(&self) -> usize {
        self.lock().connections.len()
    }

    /// Number of published (not deleted) connections.
    pub fn published_connection_count(&self) -> usize {
        self.lock()
            .connections
            .iter()
            .filter(|c| c.status == Status::Published)
            .count()
    }

    /// A stored customer as `GET /v1/customers/{id}` would return it (archived ones included).
    pub fn customer(&self, id: &str) -> Option<Value> {
        self.lock()
            .customers
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.to_json(Precision::Micros))
    }

    /// The secrets the server would have stored for a connection (never returned by the API), by flat key.
    pub fn connection_secrets(&self, id: &str) -> Option<BTreeMap<String, String>> {
        self.lock()
            .connections
            .iter()
            .find(|c| c.id == id)
            .map(|c| c.secrets.clone())
    }

    /// Number of stored prices, ended ones included.
    pub fn price_count(&self) -> usize {
        self.lock().prices.len()
    }

    /// Number of live prices: published and without an end date.
    pub fn live_price_count(&self) -> usize {
        self.lock().prices.iter().filter(|p| p.is_live()).count()
    }

    /// A stored price as `GET /v1/prices/{id}` would return it (without the meter expansion).
    pub fn price(&self, id: &str) -> Option<Value> {
        self.lock()
            .prices
            .iter()
            .find(|p| p.id == id)
            .map(|p| p.to_json(Precision::Micros, true))
    }

    // ----- clock -----

    /// The emulated clock's current instant (the time of the last write; the next write is one second later).
    /// Give it to whatever stamps usage events for this emulator, so they fall inside its subscriptions'
    /// periods.
    pub fn now(&self) -> jiff::Timestamp {
        let nanos = self.lock().current_nanos();
        jiff::Timestamp::from_nanosecond(nanos).unwrap_or(jiff::Timestamp::MAX)
    }

    /// Moves the emulated clock forward by `span` (calendar units counted in UTC; a negative span is
    /// ignored). Only time moves: **nothing scheduled runs** (no period ends, renewals, period-end invoices
    /// or scheduled cancellations), so a subscription's `current_period_end` may then lie in the past.
    ///
    /// # Panics
    /// When `span` takes the clock out of jiff's range.
    pub fn advance_clock(&self, span: jiff::Span) {
        let mut store = self.lock();
        let from =
            jiff::Timestamp::from_nanosecond(store.current_nanos()).expect("an emulated instant");
        let to = from
            .to_zoned(jiff::tz::TimeZone::UTC)
            .checked_add(span)
            .expect("an instant in range")
            .timestamp();
        let delta = to.as_nanosecond() - from.as_nanosecond();
        if delta > 0 {
            store.offset_nanos += delta;
        }
    }

    // ----- seeding -----

    /// Seeds a `COUNT` meter resetting every billing period, whose `event_name` is the name lower-cased with
    /// spaces as `_`, and returns its `meter_…` id (`POST /v1/meters` and metered features make others).
    pub fn add_meter(&self, name: impl Into<String>) -> String {
        let mut store = self.lock();
        let id = store.new_id("meter_");
        let created_at = store.now_nanos();
        let name = name.into();
        store.meters.push(meters::Meter {
            id: id.clone(),
            event_name: name.to_lowercase().replace(' ', "_"),
            name,
            aggregation: "COUNT".into(),
            field: String::new(),
            multiplier: None,
            filters: Vec::new(),
            reset_usage: "BILLING_PERIOD".into(),
            created_at,
        });
        id
    }

    /// Seeds a published plan (as `POST /v1/plans {name}` would) and returns its `plan_…` id.
    pub fn add_plan(&self, name: impl Into<String>) -> String {
        let mut store = self.lock();
        let id = store.new_id("plan_");
        let now = store.now_nanos();
        store.plans.push(plans::Plan {
            id: id.clone(),
            name: name.into(),
            lookup_key: String::new(),
            description: String::new(),
            display_order: None,
            metadata: BTreeMap::new(),
            status: Status::Published,
            created_at: now,
            updated_at: now,
        });
        id
    }

    /// Seeds a `DRAFT` one-off invoice of `amount` (a decimal string, e.g. `"12.50"`) for a customer, as the
    /// server leaves one when a create is interrupted half-way, and returns its `inv_…` id. `idempotency_key`
    /// may be empty.
    ///
    /// # Panics
    /// When `amount` is not a decimal.
    pub fn add_draft_invoice(
        &self,
        customer_id: &str,
        currency: &str,
        amount: &str,
        idempotency_key: &str,
    ) -> String {
        let amount: rust_decimal::Decimal = amount.parse().expect("a decimal amount");
        let mut store = self.lock();
        let id = store.new_id("inv_");
        let now = clock::truncate_micros(store.now_nanos());
        store.invoices.push(invoices::Invoice {
            id: id.clone(),
            invoice_number: None,
            customer_id: customer_id.to_owned(),
            subscription_id: None,
            invoice_type: "ONE_OFF".into(),
            invoice_status: "DRAFT".into(),
            payment_status: "PENDING".into(),
            currency: currency.to_lowercase(),
            subtotal: amount,
            total: amount,
            amount_due: amount,
            idempotency_key: idempotency_key.to_owned(),
            billing_sequence: None,
            billing_reason: "MANUAL".into(),
            description: String::new(),
            period_start: None,
            period_end: None,
            finalized_at: None,
            voided_at: None,
            line_items: Vec::new(),
            metadata: BTreeMap::new(),
            created_at: now,
            updated_at: now,
        });
        id
    }

    /// Number of stored events (duplicates with the same `event_id` and `timestamp` collapsed).
    pub fn event_count(&self) -> usize {
        self.lock().events.len()
    }

    /// How many stored events carry each `event_id` (copies with the same id and timestamp collapsed; two
    /// timestamps under one id are two rows).
    pub fn event_id_counts(&self) -> BTreeMap<String, usize> {
        let mut counts = BTreeMap::new();
        for e in &self.lock().events {
            *counts.entry(e.id.clone()).or_default() += 1;
        }
        counts
    }

    /// Number of stored meters (seeded, created and made by metered features).
    pub fn meter_count(&self) -> usize {
        self.lock().meters.len()
    }

    /// Number of stored subscriptions, whatever their status.
    pub fn subscription_count(&self) -> usize {
        self.lock().subscriptions.len()
    }

    /// Number of stored invoices, whatever their status.
    pub fn invoice_count(&self) -> usize {
        self.lock().invoices.len()
    }

    // ----- knobs -----

    /// Sets the body cap of the event ingestion routes (default 32 MiB, `32 << 20`); bodies over it answer
    /// 400 `validation_error`. Lets tests exercise the cap without sending 32 MiB.
    pub fn set_event_body_limit(&self, bytes: usize) {
        self.lock().knobs.event_body_limit = bytes;
    }

    /// Chooses how `POST /v1/events/bulk` applies a batch (default [`BulkMode::PerEvent`]).
    pub fn set_bulk_mode(&self, mode: BulkMode) {
        self.lock().knobs.bulk_mode = mode;
    }

    /// Accepts another API key with the given scope.
    pub fn add_api_key(&self, key: impl Into<String>, scope: KeyScope) {
        self.lock().knobs.api_keys.insert(key.into(), scope);
    }

    /// Answers handler errors in the legacy `{success:false, error:{message, internal_error, details}}` shape
    /// (the server before 2026-04-05) instead of the current one. Middleware errors are unaffected.
    pub fn set_legacy_errors(&self, legacy: bool) {
        self.lock().knobs.legacy_errors = legacy;
    }

    /// Renders connection times in this fixed UTC offset (seconds east), e.g. `19800` for `+05:30`, as a server
    /// whose local zone is not UTC does. `0` (the default) renders `Z`.
    pub fn set_connection_utc_offset(&self, seconds: i32) {
        self.lock().knobs.connection_utc_offset_seconds = seconds;
    }

    /// Makes `DELETE /v1/customers/{id}` fail with 400 `invalid_operation` for this customer.
    pub fn block_customer_delete(&self, customer_id: impl Into<String>, reason: DeleteBlock) {
        self.lock()
            .knobs
            .delete_blocks
            .insert(customer_id.into(), reason);
    }

    /// Lifts [`FlexpriceEmulator::block_customer_delete`].
    pub fn unblock_customer_delete(&self, customer_id: &str) {
        self.lock().knobs.delete_blocks.remove(customer_id);
    }
}
