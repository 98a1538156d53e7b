//! An in-memory emulator of Vercel's integration-store API (marketplace storage), as an [`axum::Router`].
//!
//! It follows the provider notes for `POST /v1/storage/stores/integration/direct` and its neighbours:
//!
//! | route | answer |
//! |---|---|
//! | `GET /v1/integrations/configurations?view=account\|project` | bare JSON array; 400 without `view` |
//! | `GET /v1/integrations/configuration/{icfg}` | the configuration; 404 outside the scope |
//! | `GET /v1/integrations/configuration/{icfg}/products` | `{configuration, integration, products}` |
//! | `GET /v1/integrations/integration/{oac_or_slug}/products/{iap_or_slug}/plans` | `{plans}`, money as strings; `integrationConfigurationId` (404 unless an installation of the integration in scope), `metadata` (a JSON-encoded object, checked against the product's schema: 400 naming `metadata.<key>`), `source` |
//! | `POST /v1/storage/stores/integration/direct` | 200 `{store}` (never 201) |
//! | `GET /v1/storage/stores/{id}` | `{store}`; `initializing` for the first reads, then `available` |
//! | `DELETE /v1/storage/stores/integration/{id}` | 200, empty body |
//! | `GET /v1/installations/{icfg}/resources/{externalResourceId}` | `{id, internalId, …}` (the id fallback) |
//!
//! Every answer carries `x-vercel-id`; JSON answers are `application/json; charset=utf-8`. Errors use
//! `{"error": {"code", "message", …}}` (or `{"err": …}` with [`VercelEmulator::use_err_key`]).
//!
//! Checks, in this order: `Authorization: Bearer <token>` (401), injected one-shot errors, rate-limit triggers
//! (429 with `Retry-After` and the `limit` object), the `teamId`/`slug` scope (403 for a team that is not the
//! token's), the create permission (403 before any body validation), then the request itself.
//!
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! use unibill_testkit::emulators::vercel::{VercelEmulator, seed};
//! let emu = VercelEmulator::new("tok_test");
//! emu.set_initializing_reads(2);
//! let served = emu.serve().await?;
//! let url = format!("{}/v1/storage/stores/integration/direct?teamId={}", served.base_url(), seed::TEAM_ID);
//! # let _ = url;
//! assert_eq!(emu.stores_count(), 0);
//! # Ok(()) }
//! ```

mod configurations;
mod errors;
mod invoices;
mod plans;
mod state;
mod stores;

use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::body::to_bytes;
use axum::extract::{Extension, Request, State};
use axum::http::request::Parts;
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::{delete, get, post};
use serde_json::{Map, Value, json};

use super::auth::{Authenticate, auth};
use super::record::{OversizedBody, Recorder, Sequence, record};
use crate::{RecordedRequest, Served};

pub use state::{
    BillingPlan, Configuration, InjectedError, Integration, Product, RateLimit, Team, seed,
};

use errors::{ApiError, json_response};
use state::Inner;

/// An emulated endpoint, for per-endpoint knobs (rate limits are per endpoint on Vercel).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Endpoint {
    /// `GET /v1/integrations/configurations`.
    ListConfigurations,
    /// `GET /v1/integrations/configuration/{id}`.
    GetConfiguration,
    /// `GET /v1/integrations/configuration/{id}/products`.
    ListProducts,
    /// `GET /v1/integrations/integration/{i}/products/{p}/plans`.
    ListPlans,
    /// `POST /v1/storage/stores/integration/direct`.
    CreateStore,
    /// `GET /v1/storage/stores/{id}`.
    GetStore,
    /// `DELETE /v1/storage/stores/integration/{id}`.
    DeleteStore,
    /// `GET /v1/installations/{icfg}/resources/{resourceId}`.
    GetResource,
}

impl Endpoint {
    /// The rate-limit bucket name used in 429 messages.
    pub fn bucket(self) -> &'static str {
        match self {
            Endpoint::ListConfigurations => "api-integrations-configurations-list",
            Endpoint::GetConfiguration => "api-integrations-configuration-get",
            Endpoint::ListProducts => "api-integrations-configuration-products",
            Endpoint::ListPlans => "api-integrations-billing-plans",
            Endpoint::CreateStore => "api-storage-stores-create",
            Endpoint::GetStore => "api-storage-stores-get",
            Endpoint::DeleteStore => "api-storage-stores-delete",
            Endpoint::GetResource => "api-installations-resources-get",
        }
    }
}

/// Largest request body read (bytes); bigger ones are answered 413.
const BODY_LIMIT: usize = 1 << 20;

/// Where the API lives under the origin: at the root (routes are `/v1/...`).
pub const BASE_PATH: &str = "";

/// Handle on one emulator: cheap to clone, all clones share the same state. Knobs can be turned at any time,
/// also while it serves.
#[derive(Debug, Clone)]
pub struct VercelEmulator {
    inner: Arc<Mutex<Inner>>,
    recorder: Recorder,
    billing: Arc<invoices::Billing>,
}

impl VercelEmulator {
    /// A fresh emulator accepting `Authorization: Bearer <token>`, seeded as [`seed`] describes: team
    /// [`seed::TEAM_ID`] (slug `acme`, with a default payment method and [`seed::PAYMENT_METHOD_ID`] on file),
    /// team [`seed::OTHER_TEAM_ID`] (nothing), configuration [`seed::CONFIGURATION_ID`] of the Neon integration
    /// with products [`seed::NEON_PRODUCT_ID`] (free, subscription and prepayment plans) and
    /// [`seed::POSTGRES_PRODUCT_ID`] (paid plans only). Stores answer `initializing` on create and on the first
    /// read, then `available`; responses carry the undocumented store `id`/`name`/`type`/`createdAt`.
    pub fn new(token: impl Into<String>) -> Self {
        Self {
            inner: Arc::new(Mutex::new(Inner::seeded(token.into()))),
            recorder: Recorder::new(BODY_LIMIT),
            billing: invoices::new_billing(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The router; mount it anywhere or serve it with [`VercelEmulator::serve`].
    pub fn router(&self) -> Router {
        Router::new()
            .route("/v1/integrations/configurations", get(configurations::list))
            .route(
                "/v1/integrations/configuration/{id}",
                get(configurations::get_one),
            )
            .route(
                "/v1/integrations/configuration/{id}/products",
                get(configurations::products),
            )
            .route(
                "/v1/integrations/integration/{integration}/products/{product}/plans",
                get(plans::list),
            )
            .route(
                "/v1/storage/stores/integration/direct",
                post(stores::create),
            )
            .route("/v1/storage/stores/{id}", get(stores::get_store))
            .route(
                "/v1/storage/stores/integration/{id}",
                delete(stores::delete_store),
            )
            .route(
                "/v1/installations/{icfg}/resources/{resource}",
                get(stores::get_resource),
            )
            .route(
                "/v1/installations/{icfg}/billing/invoices",
                post(invoices::submit),
            )
            .route(
                "/v1/installations/{icfg}/billing/invoices/{invoice}",
                get(invoices::get),
            )
            .route_layer(middleware::from_fn_with_state(
                self.clone(),
                auth::<VercelEmulator>,
            ))
            .fallback(not_found)
            .method_not_allowed_fallback(method_unknown)
            .layer(middleware::from_fn_with_state(
                self.clone(),
                invoices::announce,
            ))
            .layer(middleware::from_fn_with_state(self.clone(), answer_quirks))
            .layer(middleware::from_fn_with_state(
                self.recorder.clone(),
                record,
            ))
            .with_state(self.clone())
    }

    /// Serves the router on `127.0.0.1:0` in a tokio task (needs a running tokio runtime). The server stops when
    /// the returned value is dropped; its [`Served::base_url`] is `http://127.0.0.1:PORT`.
    ///
    /// # Errors
    /// When the listener cannot be bound.
    pub async fn serve(&self) -> std::io::Result<Served> {
        crate::serve(self.router(), BASE_PATH).await
    }

    // ----- inspection -----------------------------------------------------------------------------------------

    /// How many requests were handled (every answer counts, errors and 429s included).
    pub fn request_count(&self) -> usize {
        self.recorder.log.len()
    }

    /// Every request handled so far, oldest first; the `x-vercel-id` answered is among its
    /// [`answer_headers`](RecordedRequest::answer_headers).
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.recorder.log.all()
    }

    /// The last request handled.
    pub fn last_request(&self) -> Option<RecordedRequest> {
        self.recorder.log.last()
    }

    /// Forgets the request log (stores and knobs stay).
    pub fn clear_requests(&self) {
        self.recorder.log.clear();
    }

    /// How many stores exist (created and not deleted), in every team.
    pub fn stores_count(&self) -> usize {
        self.lock().stores.iter().filter(|s| !s.deleted).count()
    }

    /// Ids of the stores that exist, oldest first.
    pub fn store_ids(&self) -> Vec<String> {
        let g = self.lock();
        g.stores
            .iter()
            .filter(|s| !s.deleted)
            .map(|s| s.id.clone())
            .collect()
    }

    /// What a store was created with, for assertions: `{id, name, teamId, integrationConfigurationId, productId,
    /// externalResourceId, externalId, billingPlanId, paymentMethodId, prepaymentAmountCents, source, metadata,
    /// reads, deleted}`.
    pub fn store_record(&self, id: &str) -> Option<Value> {
        let g = self.lock();
        g.stores.iter().find(|s| s.id == id).map(|s| {
            json!({
                "id": s.id, "name": s.name, "teamId": s.team_id,
                "integrationConfigurationId": s.configuration_id, "productId": s.product_id,
                "externalResourceId": s.external_resource_id, "externalId": s.external_id,
                "billingPlanId": s.plan.id, "paymentMethodId": s.payment_method,
                "prepaymentAmountCents": s.prepayment_cents, "source": s.source,
                "metadata": s.metadata, "reads": s.reads, "deleted": s.deleted,
            })
        })
    }

    // ----- knobs ----------------------------------------------------------------------------------------------

    /// Accept a second token that may read but is not an admin of any configuration: creating a store with it is
    /// 403 `forbidden` with `missingPermissions: ["integrationResource:create"]`, checked before the body.
    pub fn set_member_token(&self, token: impl Into<String>) {
        self.lock().member_token = Some(token.into());
    }

    /// Add (or replace, by id) a team.
    pub fn add_team(&self, team: Team) {
        let mut g = self.lock();
        g.teams.retain(|t| t.id != team.id);
        g.teams.push(team);
    }

    /// Set a team's default payment method (`None`: no default, so paid plans without `paymentMethodId` are 402).
    /// A method set here is also put on file.
    pub fn set_default_payment_method(&self, team_id: &str, method: Option<&str>) {
        let mut g = self.lock();
        if let Some(t) = g.teams.iter_mut().find(|t| t.id == team_id) {
            if let Some(m) = method
                && !t.payment_methods.iter().any(|p| p == m)
            {
                t.payment_methods.push(m.to_string());
            }
            t.default_payment_method = method.map(str::to_string);
        }
    }

    /// Add (or replace, by id) an integration with its products and plans.
    pub fn add_integration(&self, integration: Integration) {
        let mut g = self.lock();
        g.integrations.retain(|i| i.id != integration.id);
        g.integrations.push(integration);
    }

    /// Add (or replace, by id) an integration configuration.
    pub fn add_configuration(&self, configuration: Configuration) {
        let mut g = self.lock();
        g.configurations.retain(|c| c.id != configuration.id);
        g.configurations.push(configuration);
    }

    /// Replace the billing plans of a product (found by integration id/slug and product id/slug). Returns whether
    /// the product exists.
    pub fn set_plans(&self, integration: &str, product: &str, plans: Vec<BillingPlan>) -> bool {
        let mut g = self.lock();
        let Some(i) = g
            .integrations
            .iter_mut()
            .find(|i| i.id == integration || i.slug == integration)
        else {
            return false;
        };
        match i
            .products
            .iter_mut()
            .find(|p| p.id == product || p.slug == product)
        {
            Some(p) => {
                p.plans = plans;
                true
            }
            None => false,
        }
    }

    /// How many reads a new store answers `initializing` for before `available`: the create answer shows
    /// `initializing` when `n > 0`, reads 1..=n show `initializing`, read n+1 and later show `available`.
    /// Default 1.
    pub fn set_initializing_reads(&self, n: usize) {
        let mut g = self.lock();
        g.status_sequence = vec![Some("initializing".into()); n];
        g.final_status = Some("available".into());
    }

    /// The general form: the statuses of answer 0 (create, and read 1), 1 (read 2), … (`None` is JSON `null`),
    /// then `final_status` for ever after. Any string goes, also values outside the documented enum.
    pub fn set_status_sequence(&self, sequence: Vec<Option<String>>, final_status: Option<String>) {
        let mut g = self.lock();
        g.status_sequence = sequence;
        g.final_status = final_status;
    }

    /// Whether store answers carry the undocumented `id`, `name`, `type` and `createdAt` (default true). Off, an
    /// adapter has to resolve the id through `GET /v1/installations/{icfg}/resources/{externalResourceId}`.
    pub fn set_undocumented_store_fields(&self, on: bool) {
        self.lock().undocumented_fields = on;
    }

    /// Whether `GET /v1/installations/{icfg}/resources/{id}` works for this token (default true); off it answers
    /// 403, as it does for tokens that are not the integration's own.
    pub fn set_resource_lookup(&self, on: bool) {
        self.lock().resource_lookup = on;
    }

    /// Answer errors as `{"err": {…}}` instead of `{"error": {…}}` ("some APIs wrongly return `err`").
    pub fn use_err_key(&self, on: bool) {
        self.lock().err_key = on;
    }

    /// The next `n` creates make the store but answer 200 `{"store": null}`.
    pub fn null_store_on_next_creates(&self, n: u32) {
        self.lock().null_store_creates = n;
    }

    /// Answer 429 `rate_limited` to the next `limit.times` requests to `endpoint` (other endpoints keep working).
    pub fn rate_limit(&self, endpoint: Endpoint, limit: RateLimit) {
        self.lock().rate_limits.insert(endpoint, limit);
    }

    /// Answer the next request to `endpoint` with this status and JSON body (queued: one per call). Checked after
    /// authentication, before everything else. Use it for 409, 410, 5xx and any odd body.
    pub fn inject_error(&self, endpoint: Endpoint, error: InjectedError) {
        self.lock()
            .injected
            .entry(endpoint)
            .or_default()
            .push_back(error);
    }

    /// Set the emulator's clock (epoch ms; it never moves by itself). Default [`seed::NOW_MS`].
    pub fn set_now_ms(&self, now_ms: u64) {
        self.lock().now_ms = now_ms;
    }
}

// ----- shared request plumbing --------------------------------------------------------------------------------

/// Who the bearer token is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    Admin,
    Member,
}

/// What the gate learnt about a request.
#[derive(Debug, Clone)]
pub(crate) struct Ctx {
    /// The team scope; `None` for the personal account.
    pub team: Option<String>,
}

/// `Authorization: Bearer <token>` for every route (unknown routes and methods answer without it): 401, with
/// `invalidToken` for a token that is neither the admin's nor the member's.
impl Authenticate for VercelEmulator {
    type Identity = Role;

    fn authenticate(&self, request: &Parts) -> Result<Role, Box<Response>> {
        let token = request
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| {
                let (scheme, rest) = v.split_once(' ')?;
                scheme.eq_ignore_ascii_case("bearer").then(|| rest.trim())
            });
        let inner = self.lock();
        match token {
            None => Err(Box::new(
                ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "unauthorized",
                    "The request is not authorized",
                )
                .into_response(),
            )),
            Some(t) if t == inner.token => Ok(Role::Admin),
            Some(t) if inner.member_token.as_deref() == Some(t) => Ok(Role::Member),
            Some(_) => {
                let mut extra = Map::new();
                extra.insert("invalidToken".into(), Value::Bool(true));
                Err(Box::new(
                    ApiError::with_extra(
                        StatusCode::UNAUTHORIZED,
                        "unauthorized",
                        "The request is not authorized",
                        extra,
                    )
                    .into_response(),
                ))
            }
        }
    }
}

/// The checks every route makes after authentication and before its own: injected errors, rate limits, team
/// scope, permission.
pub(crate) fn gate(
    inner: &mut Inner,
    endpoint: Endpoint,
    role: Role,
    query: &std::collections::HashMap<String, String>,
) -> Result<Ctx, ApiError> {
    if let Some(inj) = inner
        .injected
        .get_mut(&endpoint)
        .and_then(|q| q.pop_front())
    {
        return Err(ApiError {
            status: StatusCode::from_u16(inj.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR),
            body: inj.body,
            headers: vec![],
        });
    }

    if let Some(rl) = inner.rate_limits.get_mut(&endpoint)
        && rl.times > 0
    {
        rl.times -= 1;
        let rl = rl.clone();
        return Err(rate_limited(inner.now_ms, endpoint, &rl));
    }

    let team = match (query.get("teamId"), query.get("slug")) {
        (Some(id), _) => Some(
            inner
                .team(id)
                .map(|t| t.id.clone())
                .ok_or_else(|| ApiError::forbidden("Not authorized"))?,
        ),
        (None, Some(slug)) => Some(
            inner
                .teams
                .iter()
                .find(|t| &t.slug == slug)
                .map(|t| t.id.clone())
                .ok_or_else(|| ApiError::forbidden("Not authorized"))?,
        ),
        (None, None) => None,
    };

    if endpoint == Endpoint::CreateStore && role == Role::Member {
        let mut extra = Map::new();
        extra.insert(
            "missingPermissions".into(),
            json!(["integrationResource:create"]),
        );
        return Err(ApiError::with_extra(
            StatusCode::FORBIDDEN,
            "forbidden",
            "You don't have permission to create the integration resource.",
            extra,
        ));
    }
    Ok(Ctx { team })
}

fn rate_limited(now_ms: u64, endpoint: Endpoint, rl: &RateLimit) -> ApiError {
    let reset = now_ms / 1000 + rl.reset_in_secs;
    let mut extra = Map::new();
    extra.insert(
        "limit".into(),
        json!({ "remaining": 0, "reset": reset, "resetMs": reset * 1000, "total": rl.total }),
    );
    let mut err = ApiError::with_extra(
        StatusCode::TOO_MANY_REQUESTS,
        "rate_limited",
        format!(
            "The rate limit of {} exceeded for '{}'. Try again in {} seconds",
            rl.total,
            endpoint.bucket(),
            rl.reset_in_secs
        ),
        extra,
    );
    if rl.retry_after_header {
        err.headers
            .push(("retry-after", rl.reset_in_secs.to_string()));
    }
    err.headers
        .push(("x-ratelimit-limit", rl.total.to_string()));
    err.headers.push(("x-ratelimit-remaining", "0".into()));
    err.headers.push(("x-ratelimit-reset", reset.to_string()));
    err
}

async fn not_found() -> Response {
    ApiError::not_found("The requested path was not found.").into_response()
}

async fn method_unknown() -> Response {
    ApiError::new(
        StatusCode::METHOD_NOT_ALLOWED,
        "method_unknown",
        "This endpoint does not respond to this method.",
    )
    .into_response()
}

/// Inside the recording layer: answers 413 to an oversized body, renames `error` to `err` when asked, and stamps
/// `x-vercel-id`.
async fn answer_quirks(
    State(emu): State<VercelEmulator>,
    Extension(Sequence(seq)): Extension<Sequence>,
    req: Request,
    next: Next,
) -> Response {
    let mut resp = if req.extensions().get::<OversizedBody>().is_some() {
        ApiError::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "payload_too_large",
            "Request body too large",
        )
        .into_response()
    } else {
        next.run(req).await
    };

    let err_key = emu.lock().err_key;
    if err_key && resp.status().as_u16() >= 400 {
        let (parts, body) = resp.into_parts();
        let bytes = to_bytes(body, BODY_LIMIT).await.unwrap_or_default();
        let mut value: Value = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        if let Some(obj) = value.as_object_mut()
            && let Some(e) = obj.remove("error")
        {
            obj.insert("err".into(), e);
        }
        let mut rebuilt = json_response(parts.status, &value);
        for (name, v) in parts.headers.iter() {
            if name != header::CONTENT_LENGTH {
                rebuilt.headers_mut().insert(name.clone(), v.clone());
            }
        }
        resp = rebuilt;
    }
    let now_ms = emu.lock().now_ms;
    let vercel_id = format!(
        "emu1::iad1::{seq:05}-{now_ms}-{:012x}",
        (seq as u64).wrapping_mul(0x9e37_79b9)
    );
    if let Ok(v) = HeaderValue::from_str(&vercel_id) {
        resp.headers_mut().insert("x-vercel-id", v);
    }
    resp
}
