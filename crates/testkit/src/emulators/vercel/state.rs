//! The emulator's data model: teams, integrations, products, billing plans, configurations, stores, knobs.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Endpoint;

/// Ids and slugs seeded by [`VercelEmulator::new`](super::VercelEmulator::new).
///
/// They follow the shared fixtures, so the fixture requests work against a fresh emulator as they are.
pub mod seed {
    /// The seeded team's id (the fixtures' `ownerId`/`teamId`).
    pub const TEAM_ID: &str = "team_1a2b3c4d5e6f7g8h9i0j1k2l";
    /// The seeded team's URL slug.
    pub const TEAM_SLUG: &str = "acme";
    /// A second seeded team, with no configurations and no payment method.
    pub const OTHER_TEAM_ID: &str = "team_0therTeam000000000000";
    /// The second team's slug.
    pub const OTHER_TEAM_SLUG: &str = "other";
    /// The user id that installed the seeded configuration.
    pub const USER_ID: &str = "zTuNVUXEAvvnNN3IaqinkyMw";
    /// The seeded integration configuration (installation) of the Neon integration, owned by [`TEAM_ID`].
    pub const CONFIGURATION_ID: &str = "icfg_cuwj0AdCdH3BwWT4LPijCC7t";
    /// The seeded integration's id.
    pub const INTEGRATION_ID: &str = "oac_3LuwRtvGhxYUw2QEvsZ1Ymmf";
    /// The seeded integration's slug.
    pub const INTEGRATION_SLUG: &str = "neon";
    /// Product with a free plan, a paid subscription plan and a prepayment plan (the fixture's plans).
    pub const NEON_PRODUCT_ID: &str = "iap_yhdcQEhzoHZ5tWdg";
    /// [`NEON_PRODUCT_ID`]'s slug.
    pub const NEON_PRODUCT_SLUG: &str = "neon";
    /// Product with paid plans only (no free plan): the one the full paid fixture request names.
    pub const POSTGRES_PRODUCT_ID: &str = "iap_postgres_db";
    /// [`POSTGRES_PRODUCT_ID`]'s slug.
    pub const POSTGRES_PRODUCT_SLUG: &str = "postgres-db";
    /// The free plan of [`NEON_PRODUCT_ID`] (`paymentMethodRequired: false`, cost `$0.00`).
    pub const FREE_PLAN_ID: &str = "free";
    /// A paid subscription plan (both products), `$19.00 / month`.
    pub const SUBSCRIPTION_PLAN_ID: &str = "bp_launch_monthly";
    /// A prepayment plan (both products) with `minimumAmount` `"10.00"` and `maximumAmount` `"1000.00"` dollars.
    pub const PREPAYMENT_PLAN_ID: &str = "bp_abc123def456";
    /// A prepayment plan of [`POSTGRES_PRODUCT_ID`] with no bounds of its own (only the 50-cent floor applies).
    pub const TOPUP_PLAN_ID: &str = "bp_topup_flex";
    /// A disabled subscription plan of [`POSTGRES_PRODUCT_ID`] (creating with it is a 400 "billing issue").
    pub const DISABLED_PLAN_ID: &str = "bp_legacy_disabled";
    /// A payment method on file for [`TEAM_ID`] that is not the default (the fixtures' `paymentMethodId`).
    pub const PAYMENT_METHOD_ID: &str = "pm_1AbcDefGhiJklMno";
    /// [`TEAM_ID`]'s default payment method (remove it with `set_default_payment_method(TEAM_ID, None)`).
    pub const DEFAULT_PAYMENT_METHOD_ID: &str = "pm_default0000000000001";
    /// The fixed emulator clock's start, epoch milliseconds (used for `createdAt` and rate-limit resets).
    pub const NOW_MS: u64 = 1_732_254_000_000;
}

/// A team (the `teamId`/`slug` scope) and its payment methods.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// `team_…` id.
    pub id: String,
    /// URL slug.
    pub slug: String,
    /// Payment methods on file (ids).
    pub payment_methods: Vec<String>,
    /// The default payment method, used for paid plans when the request names none.
    pub default_payment_method: Option<String>,
}

/// A billing plan as `GET /v1/integrations/integration/{i}/products/{p}/plans` lists it. Money fields are strings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct BillingPlan {
    /// Plan id (`bp_…`, or e.g. `free`).
    pub id: String,
    /// `subscription` or `prepayment` (open: other strings are passed through).
    #[serde(rename = "type")]
    pub plan_type: String,
    /// `resource` or `installation`.
    pub scope: String,
    /// Display name.
    pub name: String,
    /// Display description.
    pub description: String,
    /// Whether a payment method is needed (a "paid" plan).
    pub payment_method_required: bool,
    /// Display cost, e.g. `"$19.00 / month"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cost: Option<String>,
    /// Prepayment minimum in dollars as a decimal string, e.g. `"10.00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub minimum_amount: Option<String>,
    /// Prepayment maximum in dollars as a decimal string, e.g. `"1000.00"`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub maximum_amount: Option<String>,
    /// A disabled plan is listed but cannot be chosen.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disabled: Option<bool>,
    /// Every other field (`details`, `quote`, `initialCharge`, …), kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl BillingPlan {
    /// A plan from its JSON form (as the plans endpoint lists it); `None` when a required field (`id`, `type`,
    /// `scope`, `name`, `description`, `paymentMethodRequired`) is missing or mistyped. Unknown fields go to
    /// `extra`.
    pub fn from_json(value: Value) -> Option<Self> {
        let Value::Object(mut m) = value else {
            return None;
        };
        let mut string = |k: &str| match m.remove(k) {
            Some(Value::String(s)) => Some(s),
            _ => None,
        };
        let id = string("id")?;
        let plan_type = string("type")?;
        let scope = string("scope")?;
        let name = string("name")?;
        let description = string("description")?;
        let cost = string("cost");
        let minimum_amount = string("minimumAmount");
        let maximum_amount = string("maximumAmount");
        let payment_method_required = m.remove("paymentMethodRequired")?.as_bool()?;
        let disabled = match m.remove("disabled") {
            None => None,
            Some(v) => Some(v.as_bool()?),
        };
        Some(Self {
            id,
            plan_type,
            scope,
            name,
            description,
            payment_method_required,
            cost,
            minimum_amount,
            maximum_amount,
            disabled,
            extra: m,
        })
    }

    /// Whether create may pick this plan when no `billingPlanId` is given.
    pub(crate) fn is_free(&self) -> bool {
        !self.payment_method_required
            && self.disabled != Some(true)
            && self.plan_type == "subscription"
    }
}

/// A product of an integration, with its metadata schema and billing plans.
#[derive(Debug, Clone, PartialEq)]
pub struct Product {
    /// `iap_…` id.
    pub id: String,
    /// Slug (`^[a-z0-9-]+$`).
    pub slug: String,
    /// Display name.
    pub name: String,
    /// The `metadataSchema` object (`{type: object, properties, required}`); create validates metadata with it.
    pub metadata_schema: Value,
    /// Billing plans offered for this product.
    pub plans: Vec<BillingPlan>,
}

/// A marketplace integration (e.g. Neon) and its products.
#[derive(Debug, Clone, PartialEq)]
pub struct Integration {
    /// `oac_…` id.
    pub id: String,
    /// Slug, e.g. `neon`.
    pub slug: String,
    /// Display name.
    pub name: String,
    /// Icon URL.
    pub icon: String,
    /// Products.
    pub products: Vec<Product>,
}

/// An installation of an integration in a team (`icfg_…`).
#[derive(Debug, Clone, PartialEq)]
pub struct Configuration {
    /// `icfg_…` id.
    pub id: String,
    /// The integration's `oac_…` id.
    pub integration_id: String,
    /// Owning team id (`None`: the personal account).
    pub team_id: Option<String>,
    /// `ready`, `resumed`, `suspended`, …
    pub status: String,
    /// `marketplace` or `external`.
    pub installation_type: String,
}

/// A store created through the emulator.
#[derive(Debug, Clone)]
pub(crate) struct StoreRecord {
    pub id: String,
    pub name: String,
    pub team_id: Option<String>,
    pub configuration_id: String,
    pub integration_id: String,
    pub product_id: String,
    pub external_resource_id: String,
    pub external_id: Option<String>,
    pub metadata: Map<String, Value>,
    pub protocol_settings: Option<Value>,
    pub plan: BillingPlan,
    pub payment_method: Option<String>,
    pub prepayment_cents: Option<u64>,
    pub source: String,
    pub created_at: u64,
    /// GET reads answered so far.
    pub reads: usize,
    pub deleted: bool,
}

/// A 429 trigger for one endpoint; see [`VercelEmulator::rate_limit`](super::VercelEmulator::rate_limit).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RateLimit {
    /// How many of the next requests to the endpoint answer 429 (then it answers normally again).
    pub times: u32,
    /// Seconds until the window resets: `Retry-After`, `limit.reset`/`resetMs` and the message derive from it.
    pub reset_in_secs: u64,
    /// Whether the `Retry-After` header is sent (off: only the body's `limit` tells the wait).
    pub retry_after_header: bool,
    /// `limit.total` and the number in the message.
    pub total: u64,
}

impl RateLimit {
    /// `times` 429 answers with `Retry-After: reset_in_secs` and a limit of 20.
    pub fn new(times: u32, reset_in_secs: u64) -> Self {
        Self {
            times,
            reset_in_secs,
            retry_after_header: true,
            total: 20,
        }
    }

    /// The same without the `Retry-After` header.
    pub fn without_retry_after(mut self) -> Self {
        self.retry_after_header = false;
        self
    }
}

/// A one-shot error answer for an endpoint; see [`VercelEmulator::inject_error`](super::VercelEmulator::inject_error).
#[derive(Debug, Clone, PartialEq)]
pub struct InjectedError {
    /// HTTP status.
    pub status: u16,
    /// The whole JSON body to answer with.
    pub body: Value,
}

#[derive(Debug)]
pub(crate) struct Inner {
    pub token: String,
    pub member_token: Option<String>,
    pub teams: Vec<Team>,
    pub integrations: Vec<Integration>,
    pub configurations: Vec<Configuration>,
    pub stores: Vec<StoreRecord>,
    pub next_store: u64,
    pub status_sequence: Vec<Option<String>>,
    pub final_status: Option<String>,
    pub undocumented_fields: bool,
    pub resource_lookup: bool,
    pub err_key: bool,
    pub null_store_creates: u32,
    pub rate_limits: HashMap<Endpoint, RateLimit>,
    pub injected: HashMap<Endpoint, VecDeque<InjectedError>>,
    pub now_ms: u64,
}

impl Inner {
    pub(crate) fn seeded(token: String) -> Self {
        Self {
            token,
            member_token: None,
            teams: vec![
                Team {
                    id: seed::TEAM_ID.into(),
                    slug: seed::TEAM_SLUG.into(),
                    payment_methods: vec![
                        seed::PAYMENT_METHOD_ID.into(),
                        seed::DEFAULT_PAYMENT_METHOD_ID.into(),
                    ],
                    default_payment_method: Some(seed::DEFAULT_PAYMENT_METHOD_ID.into()),
                },
                Team {
                    id: seed::OTHER_TEAM_ID.into(),
                    slug: seed::OTHER_TEAM_SLUG.into(),
                    payment_methods: vec![],
                    default_payment_method: None,
                },
            ],
            integrations: vec![seed_integration()],
            configurations: vec![Configuration {
                id: seed::CONFIGURATION_ID.into(),
                integration_id: seed::INTEGRATION_ID.into(),
                team_id: Some(seed::TEAM_ID.into()),
                status: "ready".into(),
                installation_type: "marketplace".into(),
            }],
            stores: vec![],
            next_store: 1,
            status_sequence: vec![Some("initializing".into())],
            final_status: Some("available".into()),
            undocumented_fields: true,
            resource_lookup: true,
            err_key: false,
            null_store_creates: 0,
            rate_limits: HashMap::new(),
            injected: HashMap::new(),
            now_ms: seed::NOW_MS,
        }
    }

    pub(crate) fn team(&self, id: &str) -> Option<&Team> {
        self.teams.iter().find(|t| t.id == id)
    }

    pub(crate) fn integration(&self, id_or_slug: &str) -> Option<&Integration> {
        self.integrations
            .iter()
            .find(|i| i.id == id_or_slug || i.slug == id_or_slug)
    }

    /// A configuration visible in the given scope.
    pub(crate) fn configuration(&self, id: &str, team: &Option<String>) -> Option<&Configuration> {
        self.configurations
            .iter()
            .find(|c| c.id == id && &c.team_id == team)
    }

    /// The status a store shows on its `n`-th answer (0 = the create answer and the first read).
    pub(crate) fn status_at(&self, n: usize) -> Option<String> {
        match self.status_sequence.get(n) {
            Some(s) => s.clone(),
            None => self.final_status.clone(),
        }
    }
}

fn plan(v: Value) -> BillingPlan {
    BillingPlan::from_json(v).expect("seed plans are valid")
}

/// The fixture's three plans: free, paid subscription, prepayment with a minimum.
pub(crate) fn neon_plans() -> Vec<BillingPlan> {
    vec![
        plan(json!({
            "id": "free", "type": "subscription", "scope": "resource", "name": "Free",
            "description": "For hobby projects", "paymentMethodRequired": false, "cost": "$0.00",
            "details": [{ "label": "Storage", "value": "0.5 GB" }, { "label": "Compute", "value": "190 hours" }],
            "highlightedDetails": [{ "label": "Branching" }]
        })),
        subscription_plan(),
        prepayment_plan(),
    ]
}

fn subscription_plan() -> BillingPlan {
    plan(json!({
        "id": "bp_launch_monthly", "type": "subscription", "scope": "resource", "name": "Launch",
        "description": "For production apps", "paymentMethodRequired": true, "cost": "$19.00 / month",
        "preauthorizationAmount": 1900, "initialCharge": "19.00", "effectiveDate": "2024-11-22T00:00:00.000Z",
        "quote": [{ "line": "Launch plan", "amount": "$19.00" }], "disabled": false
    }))
}

fn prepayment_plan() -> BillingPlan {
    plan(json!({
        "id": "bp_abc123def456", "type": "prepayment", "scope": "installation", "name": "Credits",
        "description": "Prepaid credits, auto top-up", "paymentMethodRequired": true,
        "minimumAmount": "10.00", "maximumAmount": "1000.00", "maximumAmountAutoPurchasePerPeriod": "500.00"
    }))
}

fn seed_integration() -> Integration {
    let icon = "https://example.invalid/neon-icon.png".to_string();
    Integration {
        id: seed::INTEGRATION_ID.into(),
        slug: seed::INTEGRATION_SLUG.into(),
        name: "Neon".into(),
        icon,
        products: vec![
            Product {
                id: seed::NEON_PRODUCT_ID.into(),
                slug: seed::NEON_PRODUCT_SLUG.into(),
                name: "Neon Postgres".into(),
                metadata_schema: json!({
                    "type": "object",
                    "properties": {
                        "region": { "type": "string", "ui:control": "vercel-region", "ui:label": "Region", "default": "iad1", "ui:options": ["iad1", "fra1", "sfo1"] },
                        "authEnabled": { "type": "boolean", "ui:control": "toggle", "default": false }
                    },
                    "required": ["region"]
                }),
                plans: neon_plans(),
            },
            Product {
                id: seed::POSTGRES_PRODUCT_ID.into(),
                slug: seed::POSTGRES_PRODUCT_SLUG.into(),
                name: "Postgres DB".into(),
                metadata_schema: json!({
                    "type": "object",
                    "properties": {
                        "region": { "type": "string", "ui:control": "vercel-region", "enum": ["iad1", "fra1", "sfo1"], "default": "iad1" },
                        "environment": { "type": "string", "ui:control": "select", "enum": ["development", "preview", "production"] },
                        "replicas": { "type": "number", "ui:control": "slider", "minimum": 0, "maximum": 5 },
                        "cpuUnits": { "type": "number", "ui:control": "slider", "minimum": 0, "maximum": 8 },
                        "highAvailability": { "type": "boolean", "ui:control": "toggle" },
                        "tags": { "type": "array", "items": { "type": "string" }, "maxItems": 10, "ui:control": "multi-select" },
                        "dbName": { "type": "string", "ui:control": "input", "minLength": 1, "maxLength": 16 }
                    },
                    "required": ["region", "environment"]
                }),
                plans: vec![
                    subscription_plan(),
                    prepayment_plan(),
                    plan(json!({
                        "id": "bp_topup_flex", "type": "prepayment", "scope": "resource", "name": "Top-up",
                        "description": "Any amount of credits", "paymentMethodRequired": true
                    })),
                    plan(json!({
                        "id": "bp_legacy_disabled", "type": "subscription", "scope": "resource", "name": "Legacy",
                        "description": "No longer offered", "paymentMethodRequired": true, "cost": "$5.00 / month",
                        "disabled": true
                    })),
                ],
            },
        ],
    }
}
