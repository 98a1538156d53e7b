//! An in-memory emulator of Flowglad's REST API for prices and customers, as
//! `shared/providers/flowglad.md` describes it.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use unibill_testkit::emulators::flowglad::{FlowgladEmulator, seed};
//! let emu = FlowgladEmulator::new("sk_test_8Qbw_secret");
//! let served = emu.serve().await?;
//! let base_url = served.base_url(); // "http://127.0.0.1:PORT"
//! // POST {base_url}/api/v1/prices with `Authorization: sk_test_8Qbw_secret` and a price on
//! // seed::PRO_PRODUCT_ID, then inspect:
//! assert_eq!(emu.request_count(), 0);
//! # let _ = (base_url, seed::USAGE_METER_ID);
//! # Ok(())
//! # }
//! ```
//!
//! What it emulates: raw-key or `Bearer` auth with plain-text 401s; plain-text 404 `Not Found` for unknown
//! routes; 200 for every success; `Invalid JSON in request body` for empty or malformed POST/PUT bodies; the
//! price union with zod-style issues; int32 amounts; the organisation currency; product prices archiving their
//! siblings; slugs unique among active prices (500 on a clash); updates keyed by the body's id; cursor
//! pagination; customers by external id; `X-Request-Id` on every answer.
//!
//! Lifecycle (`shared/providers/flowglad-lifecycle.md`): usage meters with their `_no_charge` price; features
//! (`pricingModelId` required) and product features; subscriptions (flat create, one current subscription per
//! customer unless allowed, `{cancellation:{timing}}`, lenient uncancel, adjust); usage events (`usageEvent`
//! envelope, exactly one price or meter reference, positive integer `amount`, first write wins on
//! `(transactionId, usageMeterId)`, 409 across subscriptions, bulk insert-or-ignore); the customer billing
//! aggregate and usage balances; read-only invoices (added with [`FlowgladEmulator::add_invoice`]). The clock
//! can be read ([`FlowgladEmulator::now_ms`]) and moved ([`FlowgladEmulator::advance_clock`]); scheduled
//! cancels, trial ends, period rolls and scheduled adjustments happen when it passes them.

mod billing;
mod customers;
mod errors;
mod features;
mod invoices;
mod pagination;
mod prices;
mod state;
mod subscriptions;
mod usage_events;
mod usage_meters;
mod webhooks;
mod zod;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Extension, Json};
use serde_json::Value;

use super::auth::{Authenticate, auth};
use super::record::{Recorder, record};
use crate::{RecordedRequest, Served};

use errors::{ApiError, INVALID_KEY_TEXT, UNAUTHORIZED_TEXT};
use pagination::ListQuery;
use state::{Aggregation, Clock, Product, Store, UsageMeter};

pub use errors::{
    INVALID_KEY_TEXT as INVALID_KEY_MESSAGE, UNAUTHORIZED_TEXT as UNAUTHORIZED_MESSAGE,
};

/// Ids the emulator seeds by default (the fixtures' ids, so fixtures can be posted unchanged).
pub mod seed {
    pub use super::state::{
        ADDON_PRODUCT_ID, FREE_PRODUCT_ID, ORGANIZATION_ID, PRICING_MODEL_ID, PRO_PRODUCT_ID,
        USAGE_METER_ID, USAGE_METER_SLUG,
    };
}

/// Largest request body read (bytes); bigger bodies reach the routes empty.
const BODY_LIMIT: usize = 1 << 20;

/// Where the API lives under the origin: at the root (routes are `/api/v1/...`).
pub const BASE_PATH: &str = "";

/// Rows the key cannot see, seeded by [`FlowgladEmulator::seed_out_of_scope_rows`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutOfScopeRows {
    /// A price in another pricing model.
    pub other_model_price_id: String,
    /// A price in the key's pricing model but the other livemode.
    pub other_mode_price_id: String,
    /// External id of a customer in another pricing model.
    pub other_model_customer_external_id: String,
}

struct Shared {
    secret_key: String,
    store: Mutex<Store>,
    recorder: Recorder,
    webhooks: crate::emulators::webhooks::WebhookOutbox,
}

/// The request id allocated for the request being handled.
#[derive(Debug, Clone)]
struct RequestId(String);

/// Handle on a Flowglad emulator: cheap to clone, all clones share one state.
#[derive(Clone)]
pub struct FlowgladEmulator {
    shared: Arc<Shared>,
}

impl std::fmt::Debug for FlowgladEmulator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FlowgladEmulator")
            .field("requests", &self.request_count())
            .field("prices", &self.price_count())
            .field("customers", &self.customer_count())
            .finish_non_exhaustive()
    }
}

/// Options for [`FlowgladEmulator`]; start with [`FlowgladEmulator::builder`].
#[derive(Debug, Clone)]
pub struct FlowgladEmulatorBuilder {
    secret_key: String,
    currency: String,
    clock_start_ms: Option<i64>,
    products: Vec<(String, bool)>,
    meters: Vec<String>,
    allow_multiple_subscriptions: bool,
}

impl FlowgladEmulatorBuilder {
    /// The organisation's default currency, given to every price (default `USD`).
    pub fn currency(mut self, code: impl Into<String>) -> Self {
        self.currency = code.into().to_ascii_uppercase();
        self
    }

    /// Use a logical clock: timestamps start at `epoch_ms` and advance 1 ms per write (default: wall clock,
    /// forced strictly increasing).
    pub fn clock_start_ms(mut self, epoch_ms: i64) -> Self {
        self.clock_start_ms = Some(epoch_ms);
        self
    }

    /// Forget the default seeds (products and meter of [`seed`]).
    pub fn without_seeds(mut self) -> Self {
        self.products.clear();
        self.meters.clear();
        self
    }

    /// Add a product; `is_default` makes it the pricing model's default (free) product, which may hold one
    /// price, of amount 0.
    pub fn product(mut self, id: impl Into<String>, is_default: bool) -> Self {
        self.products.push((id.into(), is_default));
        self
    }

    /// The organisation's `allowMultipleSubscriptionsPerCustomer` (default false: a customer with a current
    /// subscription gets 409 on another create).
    pub fn allow_multiple_subscriptions_per_customer(mut self, allow: bool) -> Self {
        self.allow_multiple_subscriptions = allow;
        self
    }

    /// Add a usage meter (its slug is its id; no `_no_charge` price is seeded).
    pub fn usage_meter(mut self, id: impl Into<String>) -> Self {
        self.meters.push(id.into());
        self
    }

    /// Build the emulator.
    pub fn build(self) -> FlowgladEmulator {
        // The key decides livemode (notes §1.2).
        let livemode = self.secret_key.contains("_live_");
        let clock = self.clock_start_ms.map_or(Clock::System, Clock::Fixed);
        let mut store = Store::new(self.currency, livemode, clock);
        store.allow_multiple_subscriptions = self.allow_multiple_subscriptions;
        for (id, is_default) in self.products {
            store.products.push(Product {
                id,
                is_default,
                pricing_model_id: store.pricing_model_id.clone(),
            });
        }
        for id in self.meters {
            // Seeded meters have no `_no_charge` price (the price tests count prices from zero).
            let slug = if id == seed::USAGE_METER_ID {
                seed::USAGE_METER_SLUG.to_owned()
            } else {
                id.clone()
            };
            let now = store.current_ms();
            store.meters.push(UsageMeter {
                id,
                created_at: now,
                updated_at: now,
                livemode: store.livemode,
                pricing_model_id: store.pricing_model_id.clone(),
                name: slug.clone(),
                slug,
                aggregation: Aggregation::Sum,
            });
        }
        FlowgladEmulator {
            shared: Arc::new(Shared {
                secret_key: self.secret_key,
                store: Mutex::new(store),
                recorder: Recorder::new(BODY_LIMIT),
                webhooks: Default::default(),
            }),
        }
    }
}

impl FlowgladEmulator {
    /// An emulator accepting `secret_key`, in USD, seeded with the products and usage meter of [`seed`]:
    /// [`seed::PRO_PRODUCT_ID`] and [`seed::ADDON_PRODUCT_ID`] (ordinary), [`seed::FREE_PRODUCT_ID`] (the
    /// pricing model's default product) and [`seed::USAGE_METER_ID`]. No prices or customers.
    pub fn new(secret_key: impl Into<String>) -> Self {
        Self::builder(secret_key).build()
    }

    /// Options, starting from the defaults of [`FlowgladEmulator::new`].
    pub fn builder(secret_key: impl Into<String>) -> FlowgladEmulatorBuilder {
        FlowgladEmulatorBuilder {
            secret_key: secret_key.into(),
            currency: "USD".into(),
            clock_start_ms: None,
            products: vec![
                (seed::PRO_PRODUCT_ID.into(), false),
                (seed::ADDON_PRODUCT_ID.into(), false),
                (seed::FREE_PRODUCT_ID.into(), true),
            ],
            meters: vec![seed::USAGE_METER_ID.into()],
            allow_multiple_subscriptions: false,
        }
    }

    /// The emulator as an `axum` router (state included), to nest or serve.
    pub fn router(&self) -> Router {
        let shared = Arc::clone(&self.shared);
        Router::new()
            .route("/api/v1/prices", get(list_prices).post(create_price))
            .route("/api/v1/prices/{id}", get(get_price).put(update_price))
            .route(
                "/api/v1/customers",
                get(list_customers).post(create_customer),
            )
            .route(
                "/api/v1/customers/{external_id}",
                get(get_customer).put(update_customer),
            )
            .route(
                "/api/v1/customers/{external_id}/archive",
                post(archive_customer),
            )
            .route(
                "/api/v1/customers/{external_id}/billing",
                get(customer_billing),
            )
            .route(
                "/api/v1/customers/{external_id}/usage-balances",
                get(customer_usage_balances),
            )
            .route(
                "/api/v1/usage-meters",
                get(list_usage_meters).post(create_usage_meter),
            )
            .route(
                "/api/v1/usage-meters/{id}",
                get(get_usage_meter).put(update_usage_meter),
            )
            .route("/api/v1/features", get(list_features).post(create_feature))
            .route(
                "/api/v1/features/{id}",
                get(get_feature).put(update_feature),
            )
            .route("/api/v1/product-features", post(attach_product_feature))
            .route(
                "/api/v1/product-features/{id}/expire",
                post(expire_product_feature),
            )
            .route(
                "/api/v1/subscriptions",
                get(list_subscriptions).post(create_subscription),
            )
            .route("/api/v1/subscriptions/{id}", get(get_subscription))
            .route(
                "/api/v1/subscriptions/{id}/cancel",
                post(cancel_subscription),
            )
            .route(
                "/api/v1/subscriptions/{id}/uncancel",
                post(uncancel_subscription),
            )
            .route(
                "/api/v1/subscriptions/{id}/adjust",
                post(adjust_subscription),
            )
            .route(
                "/api/v1/subscriptions/{id}/cancel-scheduled-adjustment",
                post(cancel_scheduled_adjustment),
            )
            .route(
                "/api/v1/usage-events",
                get(list_usage_events).post(create_usage_event),
            )
            .route("/api/v1/usage-events/bulk", post(bulk_usage_events))
            .route("/api/v1/usage-events/{id}", get(get_usage_event))
            .route("/api/v1/invoices", get(list_invoices))
            .route("/api/v1/invoices/{id}", get(get_invoice))
            .fallback(route_not_found)
            .method_not_allowed_fallback(route_not_found)
            .layer(middleware::from_fn_with_state(
                Arc::clone(&shared),
                webhooks::announce,
            ))
            .layer(middleware::from_fn_with_state(
                Arc::clone(&shared),
                auth::<Arc<Shared>>,
            ))
            .layer(middleware::from_fn_with_state(
                Arc::clone(&shared),
                stamp_request_id,
            ))
            .layer(middleware::from_fn_with_state(
                shared.recorder.clone(),
                record,
            ))
            .with_state(shared)
    }

    /// Serves on `127.0.0.1` at a free port, in a task of the current Tokio runtime, until the returned handle
    /// is dropped; its [`Served::base_url`] is `http://127.0.0.1:PORT` (no trailing slash).
    ///
    /// # Errors
    /// When the listener cannot be bound.
    pub async fn serve(&self) -> std::io::Result<Served> {
        crate::serve(self.router(), BASE_PATH).await
    }

    /// The secret key the emulator accepts.
    pub fn secret_key(&self) -> &str {
        &self.shared.secret_key
    }

    /// The organisation currency given to every price.
    pub fn currency(&self) -> String {
        self.store().currency.clone()
    }

    /// Number of HTTP requests handled so far (all of them, rejected ones included).
    pub fn request_count(&self) -> usize {
        self.shared.recorder.log.len()
    }

    /// Every request handled so far, oldest first; the `X-Request-Id` answered is among its
    /// [`answer_headers`](RecordedRequest::answer_headers).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.shared.recorder.log.all()
    }

    /// The last request handled.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.shared.recorder.log.last()
    }

    /// Forget the request log (the count restarts at 0).
    pub fn clear_requests(&self) {
        self.shared.recorder.log.clear();
    }

    /// Number of prices the key can see, archived included.
    pub fn price_count(&self) -> usize {
        let s = self.store();
        s.prices
            .iter()
            .filter(|p| s.visible(&p.pricing_model_id, p.livemode))
            .count()
    }

    /// Number of active prices the key can see.
    pub fn active_price_count(&self) -> usize {
        let s = self.store();
        s.prices
            .iter()
            .filter(|p| p.active && s.visible(&p.pricing_model_id, p.livemode))
            .count()
    }

    /// Every price the key can see, as wire records, oldest first.
    pub fn prices(&self) -> Vec<Value> {
        let s = self.store();
        s.prices
            .iter()
            .filter(|p| s.visible(&p.pricing_model_id, p.livemode))
            .map(state::Price::to_json)
            .collect()
    }

    /// Number of customers the key can see, archived included.
    pub fn customer_count(&self) -> usize {
        let s = self.store();
        s.customers
            .iter()
            .filter(|c| s.visible(&c.pricing_model_id, c.livemode))
            .count()
    }

    /// Every customer the key can see, as wire records, oldest first.
    pub fn customers(&self) -> Vec<Value> {
        let s = self.store();
        s.customers
            .iter()
            .filter(|c| s.visible(&c.pricing_model_id, c.livemode))
            .map(state::Customer::to_json)
            .collect()
    }

    /// The emulated clock's current time, epoch ms, without advancing it.
    pub fn now_ms(&self) -> i64 {
        self.store().current_ms()
    }

    /// Moves the emulated clock forward by `ms`: scheduled cancels, trial ends, period rolls and scheduled
    /// adjustments it passes take effect on the next request.
    pub fn advance_clock(&self, ms: i64) {
        self.store().advance_ms(ms);
    }

    /// Number of usage events recorded (duplicates answered with the first event are not counted twice).
    pub fn usage_event_count(&self) -> usize {
        let s = self.store();
        s.usage_events
            .iter()
            .filter(|e| s.visible(&e.pricing_model_id, e.livemode))
            .count()
    }

    /// Every usage event recorded, as wire records, oldest first.
    pub fn usage_events(&self) -> Vec<Value> {
        let s = self.store();
        s.usage_events
            .iter()
            .filter(|e| s.visible(&e.pricing_model_id, e.livemode))
            .map(usage_events::UsageEvent::to_json)
            .collect()
    }

    /// Number of subscriptions, canceled ones included.
    pub fn subscription_count(&self) -> usize {
        let s = self.store();
        s.subscriptions
            .iter()
            .filter(|x| s.visible(&x.pricing_model_id, x.livemode))
            .count()
    }

    /// Every subscription, as wire records, oldest first (as stored: clock-driven transitions are applied on
    /// the next request).
    pub fn subscriptions(&self) -> Vec<Value> {
        let s = self.store();
        s.subscriptions
            .iter()
            .filter(|x| s.visible(&x.pricing_model_id, x.livemode))
            .map(subscriptions::Subscription::to_json)
            .collect()
    }

    /// Number of usage meters the key can see (seeded ones included).
    pub fn usage_meter_count(&self) -> usize {
        let s = self.store();
        s.meters
            .iter()
            .filter(|m| s.visible(&m.pricing_model_id, m.livemode))
            .count()
    }

    /// Number of features the key can see.
    pub fn feature_count(&self) -> usize {
        let s = self.store();
        s.features
            .iter()
            .filter(|f| s.visible(&f.pricing_model_id, f.livemode))
            .count()
    }

    /// Knob: add an invoice on a subscription (Flowglad makes invoices in billing runs, which are not
    /// emulated), for its current period, with `subtotal` in minor units and the given `status` (`open`,
    /// `paid`, …). Returns its id, or `None` when the subscription is unknown.
    pub fn add_invoice(
        &self,
        subscription_id: &str,
        subtotal: i64,
        status: &str,
    ) -> Option<String> {
        let mut s = self.store();
        let i = s.subscription_index(subscription_id)?;
        let (customer_id, period_start, period_end) = {
            let sub = &s.subscriptions[i];
            (sub.customer_id.clone(), sub.period_start, sub.period_end)
        };
        let base = s
            .customer_index_by_id(&customer_id)
            .map(|c| s.customers[c].invoice_number_base.clone())
            .unwrap_or_default();
        let number = s
            .invoices
            .iter()
            .filter(|x| x.customer_id == customer_id)
            .count()
            + 1;
        let now = s.now_ms();
        let invoice = invoices::Invoice {
            id: s.new_id("inv_"),
            created_at: now,
            livemode: s.livemode,
            pricing_model_id: s.pricing_model_id.clone(),
            invoice_number: format!("{base}-{number:05}"),
            status: status.to_owned(),
            currency: s.currency.clone(),
            subtotal: Some(subtotal),
            tax_amount: Some(0),
            customer_id,
            subscription_id: subscription_id.to_owned(),
            period_start,
            period_end,
        };
        let id = invoice.id.clone();
        s.invoices.push(invoice);
        Some(id)
    }

    /// Knob: make the key look rate-limited at Unkey, which Flowglad answers with
    /// 401 "API key invalid…", never 429 (notes §1.7).
    pub fn set_rate_limited(&self, rate_limited: bool) {
        self.store().rate_limited = rate_limited;
    }

    /// Knob: add rows the key must not see (another pricing model, the other livemode).
    pub fn seed_out_of_scope_rows(&self) -> OutOfScopeRows {
        let mut s = self.store();
        let now = s.now_ms();
        let mut template = state::Price {
            id: String::new(),
            created_at: now,
            updated_at: now,
            livemode: s.livemode,
            pricing_model_id: state::FOREIGN_PRICING_MODEL_ID.into(),
            kind: state::PriceType::SinglePayment,
            name: Some("Hidden".into()),
            slug: None,
            unit_price: 100,
            currency: s.currency.clone(),
            is_default: true,
            active: true,
            interval_unit: None,
            interval_count: None,
            trial_period_days: None,
            usage_events_per_unit: None,
            product_id: Some("prod_0therMode1Product0000".into()),
            usage_meter_id: None,
        };
        let other_model_price_id = s.new_id("price_");
        template.id = other_model_price_id.clone();
        s.prices.push(template.clone());
        let other_mode_price_id = s.new_id("price_");
        template.id = other_mode_price_id.clone();
        template.pricing_model_id = s.pricing_model_id.clone();
        template.livemode = !s.livemode;
        s.prices.push(template);
        let external_id = "hidden_customer".to_owned();
        let customer = state::Customer {
            id: s.new_id("cust_"),
            created_at: now,
            updated_at: now,
            livemode: s.livemode,
            pricing_model_id: state::FOREIGN_PRICING_MODEL_ID.into(),
            email: "hidden@example.com".into(),
            name: "Hidden".into(),
            invoice_number_base: s.invoice_base(),
            archived: false,
            logo_url: None,
            icon_url: None,
            domain: None,
            external_id: external_id.clone(),
            user_id: None,
        };
        s.customers.push(customer);
        OutOfScopeRows {
            other_model_price_id,
            other_mode_price_id,
            other_model_customer_external_id: external_id,
        }
    }

    fn store(&self) -> MutexGuard<'_, Store> {
        lock(&self.shared.store)
    }
}

/// Locks, recovering from poisoning (a panicking test must not wedge the others).
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// `getApiKeyHeader`: trim, strip a case-insensitive `bearer ` prefix, accept a value with no space.
fn api_key(header: Option<&str>) -> Option<&str> {
    let value = header?.trim();
    let key = match value.get(..7) {
        Some(prefix) if prefix.eq_ignore_ascii_case("bearer ") => value[7..].trim(),
        _ => value,
    };
    (!key.is_empty() && !key.contains(char::is_whitespace)).then_some(key)
}

/// Allocates the request's id (for the routes and the auth answers) and stamps it as `X-Request-Id` on the
/// answer.
async fn stamp_request_id(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    let request_id = lock(&shared.store).new_request_id();
    request
        .extensions_mut()
        .insert(RequestId(request_id.clone()));
    let mut response = next.run(request).await;
    if let Ok(v) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert("x-request-id", v);
    }
    response
}

/// Raw-key or `Bearer` auth for every route, unknown ones included: a plain-text 401 without a key, another
/// for a wrong (or rate-limited) one.
impl Authenticate for Arc<Shared> {
    type Identity = ();

    fn authenticate(&self, request: &Parts) -> Result<(), Box<Response>> {
        let request_id = request
            .extensions
            .get::<RequestId>()
            .map(|r| r.0.as_str())
            .unwrap_or_default();
        let authorization = request
            .headers
            .get(axum::http::header::AUTHORIZATION)
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned());
        let rate_limited = lock(&self.store).rate_limited;
        match api_key(authorization.as_deref()) {
            None => Err(Box::new(
                ApiError::Plain {
                    status: StatusCode::UNAUTHORIZED,
                    text: UNAUTHORIZED_TEXT,
                }
                .render(request_id),
            )),
            Some(key) if key != self.secret_key || rate_limited => Err(Box::new(
                ApiError::Plain {
                    status: StatusCode::UNAUTHORIZED,
                    text: INVALID_KEY_TEXT,
                }
                .render(request_id),
            )),
            Some(_) => Ok(()),
        }
    }
}

/// `req.json()`: an empty or malformed body is a 400 from the handler.
fn json_body(bytes: &Bytes) -> Result<Value, ApiError> {
    serde_json::from_slice(bytes).map_err(|_| ApiError::invalid_json())
}

fn answer(result: Result<Value, ApiError>, rid: &RequestId) -> Response {
    match result {
        Ok(v) => (StatusCode::OK, Json(v)).into_response(),
        Err(e) => e.render(&rid.0),
    }
}

async fn route_not_found(Extension(rid): Extension<RequestId>) -> Response {
    ApiError::route_not_found().render(&rid.0)
}

type Shr = State<Arc<Shared>>;
type Rid = Extension<RequestId>;

async fn create_price(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| prices::create(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn get_price(State(s): Shr, Extension(rid): Rid, Path(id): Path<String>) -> Response {
    answer(prices::get(&lock(&s.store), &id), &rid)
}

async fn update_price(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| prices::update(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn list_prices(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result = ListQuery::parse(q.as_deref()).map(|q| prices::list(&lock(&s.store), &q));
    answer(result, &rid)
}

async fn create_customer(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| customers::create(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn list_customers(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result = ListQuery::parse(q.as_deref()).map(|q| customers::list(&lock(&s.store), &q));
    answer(result, &rid)
}

async fn get_customer(State(s): Shr, Extension(rid): Rid, Path(ext): Path<String>) -> Response {
    answer(customers::get(&lock(&s.store), &ext), &rid)
}

async fn update_customer(
    State(s): Shr,
    Extension(rid): Rid,
    Path(ext): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body).and_then(|b| customers::update(&mut lock(&s.store), &ext, &b));
    answer(result, &rid)
}

async fn archive_customer(
    State(s): Shr,
    Extension(rid): Rid,
    Path(ext): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body).and_then(|_| customers::archive(&mut lock(&s.store), &ext));
    answer(result, &rid)
}

async fn customer_billing(State(s): Shr, Extension(rid): Rid, Path(ext): Path<String>) -> Response {
    answer(billing::billing(&mut lock(&s.store), &ext), &rid)
}

async fn customer_usage_balances(
    State(s): Shr,
    Extension(rid): Rid,
    Path(ext): Path<String>,
    RawQuery(q): RawQuery,
) -> Response {
    let subscription_id = q.as_deref().and_then(|q| {
        q.split('&').find_map(|pair| {
            let (k, v) = pair.split_once('=')?;
            (pagination::form_decode(k) == "subscriptionId").then(|| pagination::form_decode(v))
        })
    });
    let result = billing::usage_balances(&mut lock(&s.store), &ext, subscription_id.as_deref());
    answer(result, &rid)
}

async fn create_usage_meter(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| usage_meters::create(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn list_usage_meters(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result = ListQuery::parse(q.as_deref()).map(|q| usage_meters::list(&lock(&s.store), &q));
    answer(result, &rid)
}

async fn get_usage_meter(State(s): Shr, Extension(rid): Rid, Path(id): Path<String>) -> Response {
    answer(usage_meters::get(&lock(&s.store), &id), &rid)
}

async fn update_usage_meter(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body).and_then(|b| usage_meters::update(&mut lock(&s.store), &id, &b));
    answer(result, &rid)
}

async fn create_feature(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| features::create(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn list_features(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result = ListQuery::parse(q.as_deref()).map(|q| features::list(&lock(&s.store), &q));
    answer(result, &rid)
}

async fn get_feature(State(s): Shr, Extension(rid): Rid, Path(id): Path<String>) -> Response {
    answer(features::get(&lock(&s.store), &id), &rid)
}

async fn update_feature(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body).and_then(|b| features::update(&mut lock(&s.store), &id, &b));
    answer(result, &rid)
}

async fn attach_product_feature(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| features::attach(&mut lock(&s.store), &b));
    answer(result, &rid)
}

/// One of the two routes that take an empty body.
async fn expire_product_feature(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
) -> Response {
    answer(features::expire(&mut lock(&s.store), &id), &rid)
}

async fn create_subscription(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| subscriptions::create(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn list_subscriptions(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result =
        ListQuery::parse(q.as_deref()).map(|q| subscriptions::list(&mut lock(&s.store), &q));
    answer(result, &rid)
}

async fn get_subscription(State(s): Shr, Extension(rid): Rid, Path(id): Path<String>) -> Response {
    answer(subscriptions::get(&mut lock(&s.store), &id), &rid)
}

async fn cancel_subscription(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body).and_then(|b| subscriptions::cancel(&mut lock(&s.store), &id, &b));
    answer(result, &rid)
}

/// One of the two routes that take an empty body.
async fn uncancel_subscription(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
) -> Response {
    answer(subscriptions::uncancel(&mut lock(&s.store), &id), &rid)
}

async fn adjust_subscription(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body).and_then(|b| subscriptions::adjust(&mut lock(&s.store), &id, &b));
    answer(result, &rid)
}

async fn cancel_scheduled_adjustment(
    State(s): Shr,
    Extension(rid): Rid,
    Path(id): Path<String>,
    body: Bytes,
) -> Response {
    let result = json_body(&body)
        .and_then(|_| subscriptions::cancel_scheduled_adjustment(&mut lock(&s.store), &id));
    answer(result, &rid)
}

async fn create_usage_event(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| usage_events::create(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn bulk_usage_events(State(s): Shr, Extension(rid): Rid, body: Bytes) -> Response {
    let result = json_body(&body).and_then(|b| usage_events::bulk(&mut lock(&s.store), &b));
    answer(result, &rid)
}

async fn list_usage_events(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result = ListQuery::parse(q.as_deref()).map(|q| usage_events::list(&lock(&s.store), &q));
    answer(result, &rid)
}

async fn get_usage_event(State(s): Shr, Extension(rid): Rid, Path(id): Path<String>) -> Response {
    answer(usage_events::get(&lock(&s.store), &id), &rid)
}

async fn list_invoices(State(s): Shr, Extension(rid): Rid, RawQuery(q): RawQuery) -> Response {
    let result = ListQuery::parse(q.as_deref()).map(|q| invoices::list(&lock(&s.store), &q));
    answer(result, &rid)
}

async fn get_invoice(State(s): Shr, Extension(rid): Rid, Path(id): Path<String>) -> Response {
    answer(invoices::get(&lock(&s.store), &id), &rid)
}

#[cfg(test)]
mod tests {
    use super::api_key;

    #[test]
    fn auth_header_forms() {
        assert_eq!(api_key(Some("sk_test_x")), Some("sk_test_x"));
        assert_eq!(api_key(Some("  Bearer sk_test_x ")), Some("sk_test_x"));
        assert_eq!(api_key(Some("bEaReR sk_test_x")), Some("sk_test_x"));
        assert_eq!(api_key(Some("Basic abc")), None);
        assert_eq!(api_key(Some("")), None);
        assert_eq!(api_key(None), None);
    }
}
