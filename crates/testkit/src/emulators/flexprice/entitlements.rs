//! Entitlements (lifecycle notes §4): plan-level definitions (`POST /v1/entitlements`, `GET
//! /v1/entitlements/{id}`, `POST /v1/entitlements/search`), a customer's entitlements (by external or Flexprice id, and per subscription) and
//! the usage summary `GET /v1/customers/usage`. A customer's entitlements are those of the plans of its live
//! (`active` / `trialing`) subscriptions, merged per feature: enabled if any source is, limits summed, and
//! unlimited (`usage_limit` absent) if any source is. Usage is computed from the stored events over the
//! earliest live source's current period (all time for a meter that never resets).

use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use rust_decimal::Decimal;
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, format_go_time, format_opt};
use super::customers;
use super::errors::{ApiError, ErrorCode, validator_message};
use super::features::{self, Feature};
use super::ids::{ENVIRONMENT_ID, TENANT_ID, USER_ID};
use super::parse::{body_object, opt_bool, opt_int, opt_string, opt_string_list, query_pairs};
use super::prices::render;
use super::state::{Customer, Store};
use super::status::Status;
use super::subscriptions::{self, Subscription};
use super::usage::aggregate;

type Emu = State<Arc<FlexpriceEmulator>>;

const RESET_PERIODS: [&str; 7] = [
    "MONTHLY",
    "ANNUAL",
    "WEEKLY",
    "DAILY",
    "QUARTERLY",
    "HALF_YEARLY",
    "NEVER",
];

/// A stored plan-level entitlement.
#[derive(Debug, Clone)]
pub(crate) struct Entitlement {
    pub id: String,
    pub plan_id: String,
    pub feature_id: String,
    pub feature_type: String,
    pub is_enabled: bool,
    /// `None` = unlimited.
    pub usage_limit: Option<i64>,
    pub usage_reset_period: String,
    pub is_soft_limit: bool,
    pub static_value: String,
    pub created_at: i128,
}

impl Entitlement {
    fn to_json(&self) -> Value {
        let at = format_go_time(self.created_at, Precision::Micros);
        json!({
            "id": self.id,
            "plan_id": self.plan_id,
            "entity_type": "PLAN",
            "entity_id": self.plan_id,
            "feature_id": self.feature_id,
            "feature_type": self.feature_type,
            "is_enabled": self.is_enabled,
            "usage_limit": self.usage_limit,
            "usage_reset_period": self.usage_reset_period,
            "is_soft_limit": self.is_soft_limit,
            "static_value": self.static_value,
            "environment_id": ENVIRONMENT_ID,
            "tenant_id": TENANT_ID,
            "status": "published",
            "created_at": at,
            "updated_at": at,
            "created_by": USER_ID,
            "updated_by": USER_ID,
        })
    }
}

fn validation(message: &str) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

/// `POST /v1/entitlements` (201): `{plan_id | entity_type:"PLAN" + entity_id, feature_id, feature_type,
/// is_enabled, usage_limit, usage_reset_period, is_soft_limit, static_value}`. The server's duplicate check
/// is UNVERIFIED: the emulator makes no check, so a re-sent create is a second definition.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let mut plan_id = opt_string(&m, "plan_id")?.unwrap_or_default();
    let entity_type = opt_string(&m, "entity_type")?.unwrap_or_default();
    let entity_id = opt_string(&m, "entity_id")?.unwrap_or_default();
    let feature_id = opt_string(&m, "feature_id")?.unwrap_or_default();
    let feature_type = opt_string(&m, "feature_type")?.unwrap_or_default();
    let is_enabled = opt_bool(&m, "is_enabled")?.unwrap_or(false);
    let usage_limit = opt_int(&m, "usage_limit")?;
    let reset = opt_string(&m, "usage_reset_period")?.unwrap_or_default();
    let is_soft_limit = opt_bool(&m, "is_soft_limit")?.unwrap_or(false);
    let static_value = opt_string(&m, "static_value")?.unwrap_or_default();
    let mut details = Map::new();
    for (value, field) in [(&feature_id, "FeatureID"), (&feature_type, "FeatureType")] {
        if value.is_empty() {
            details.insert(
                field.to_owned(),
                Value::String(validator_message(
                    "CreateEntitlementRequest",
                    field,
                    "required",
                )),
            );
        }
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    // Wording of the checks below UNVERIFIED.
    if plan_id.is_empty() {
        if entity_type != "PLAN" || entity_id.is_empty() {
            return Err(validation(
                "plan_id (or entity_type PLAN with entity_id) is required",
            ));
        }
        plan_id = entity_id;
    }
    if !reset.is_empty() && !RESET_PERIODS.contains(&reset.as_str()) {
        return Err(validation("invalid usage_reset_period"));
    }
    if usage_limit.is_some_and(|l| l < 0) {
        return Err(validation("usage_limit must be non-negative"));
    }
    let mut store = emu.lock();
    if !store
        .plans
        .iter()
        .any(|p| p.id == plan_id && p.status == Status::Published)
    {
        return Err(super::plans::not_found(&plan_id));
    }
    let feature = store
        .features
        .iter()
        .find(|f| f.id == feature_id && f.status == Status::Published)
        .ok_or_else(|| features::not_found(&feature_id))?;
    if feature.kind != feature_type {
        return Err(validation("feature_type does not match the feature"));
    }
    let id = store.new_id("ent_");
    let created_at = store.now_nanos();
    let ent = Entitlement {
        id,
        plan_id,
        feature_id,
        feature_type,
        is_enabled,
        usage_limit,
        usage_reset_period: if reset.is_empty() {
            "MONTHLY".into()
        } else {
            reset
        },
        is_soft_limit,
        static_value,
        created_at,
    };
    let body = ent.to_json();
    store.entitlements.push(ent);
    Ok((StatusCode::CREATED, Json(body)).into_response())
}

/// `GET /v1/entitlements/{id}`.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let ent = store
        .entitlements
        .iter()
        .find(|e| e.id == id)
        .ok_or_else(|| {
            ApiError::coded(
                ErrorCode::NotFound,
                format!("Entitlement with ID {id} was not found"),
            )
            .detail("entitlement_id", id.as_str())
        })?;
    Ok(Json(ent.to_json()).into_response())
}

/// `POST /v1/entitlements/search` (`EntitlementFilter`, lifecycle notes §4): `plan_ids`, `feature_ids`,
/// `feature_type`, `status` (default `published`; every stored definition is published), `limit` / `offset`,
/// newest first; `pagination.offset` is the next offset, as for features. The plan id is the entity id
/// (`entity_ids` is accepted as its synonym).
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let limit = opt_int(&m, "limit")?.filter(|l| *l > 0).unwrap_or(50);
    let offset = opt_int(&m, "offset")?.unwrap_or(0).max(0);
    let mut plans = opt_string_list(&m, "plan_ids")?;
    plans.extend(opt_string_list(&m, "entity_ids")?);
    let feature_ids = opt_string_list(&m, "feature_ids")?;
    let feature_type = opt_string(&m, "feature_type")?.unwrap_or_default();
    let status = opt_string(&m, "status")?
        .filter(|s| !s.is_empty())
        .unwrap_or_else(|| "published".to_owned());
    let store = emu.lock();
    let mut items: Vec<&Entitlement> = store
        .entitlements
        .iter()
        .filter(|_| status == "published")
        .filter(|e| plans.is_empty() || plans.contains(&e.plan_id))
        .filter(|e| feature_ids.is_empty() || feature_ids.contains(&e.feature_id))
        .filter(|e| feature_type.is_empty() || e.feature_type == feature_type)
        .collect();
    items.sort_by_key(|e| std::cmp::Reverse(e.created_at));
    let total = items.len();
    let page: Vec<Value> = items
        .into_iter()
        .skip(usize::try_from(offset).unwrap_or(usize::MAX))
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .map(Entitlement::to_json)
        .collect();
    Ok(Json(json!({
        "items": page,
        "pagination": {"total": total, "limit": limit, "offset": offset + limit},
    }))
    .into_response())
}

/// One feature of a customer, merged over its sources.
struct Merged<'a> {
    feature: &'a Feature,
    sources: Vec<(&'a Subscription, &'a Entitlement)>,
}

impl Merged<'_> {
    fn is_enabled(&self) -> bool {
        self.sources.iter().any(|(_, e)| e.is_enabled)
    }

    /// `None` = unlimited.
    fn limit(&self) -> Option<i64> {
        self.sources
            .iter()
            .map(|(_, e)| e.usage_limit)
            .sum::<Option<i64>>()
    }

    fn is_soft_limit(&self) -> bool {
        self.sources.iter().any(|(_, e)| e.is_soft_limit)
    }

    fn reset_period(&self) -> &str {
        self.sources
            .first()
            .map_or("MONTHLY", |(_, e)| e.usage_reset_period.as_str())
    }

    fn entitlement_json(&self) -> Value {
        let mut v = json!({
            "is_enabled": self.is_enabled(),
            "is_soft_limit": self.is_soft_limit(),
            "usage_reset_period": self.reset_period(),
            "static_values": self
                .sources
                .iter()
                .filter(|(_, e)| !e.static_value.is_empty())
                .map(|(_, e)| e.static_value.clone())
                .collect::<Vec<_>>(),
        });
        if let Some(limit) = self.limit() {
            v["usage_limit"] = json!(limit);
        }
        v
    }

    /// Each source (shape UNVERIFIED).
    fn sources_json(&self) -> Value {
        self.sources
            .iter()
            .map(|(s, e)| {
                json!({
                    "subscription_id": s.id,
                    "plan_id": e.plan_id,
                    "entitlement_id": e.id,
                    "entity_type": "PLAN",
                    "entity_id": e.plan_id,
                    "is_enabled": e.is_enabled,
                    "usage_limit": e.usage_limit,
                    "usage_reset_period": e.usage_reset_period,
                })
            })
            .collect()
    }
}

/// The customer's features, in the order their entitlements were defined.
fn merged<'a>(
    store: &'a Store,
    customer: &Customer,
    only_subscription: Option<&str>,
    feature_filter: &dyn Fn(&Feature) -> bool,
) -> Vec<Merged<'a>> {
    let mut out: Vec<Merged<'a>> = Vec::new();
    for sub in store
        .subscriptions
        .iter()
        .filter(|s| s.customer_id == customer.id && s.is_live())
        .filter(|s| only_subscription.is_none_or(|id| s.id == id))
    {
        for ent in store
            .entitlements
            .iter()
            .filter(|e| e.plan_id == sub.plan_id)
        {
            let Some(feature) = store.features.iter().find(|f| f.id == ent.feature_id) else {
                continue;
            };
            if !feature_filter(feature) {
                continue;
            }
            match out.iter_mut().find(|m| m.feature.id == feature.id) {
                Some(m) => m.sources.push((sub, ent)),
                None => out.push(Merged {
                    feature,
                    sources: vec![(sub, ent)],
                }),
            }
        }
    }
    out
}

fn entitlements_answer(
    store: &Store,
    customer: &Customer,
    query: Option<&str>,
    only_subscription: Option<&str>,
) -> Response {
    let pairs = query_pairs(query);
    let values = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let feature_ids = values("feature_ids");
    let subscription_ids = values("subscription_ids");
    let list = merged(store, customer, only_subscription, &|f| {
        feature_ids.is_empty() || feature_ids.contains(&f.id)
    });
    let list: Vec<Merged<'_>> = list
        .into_iter()
        .filter_map(|mut m| {
            if !subscription_ids.is_empty() {
                m.sources.retain(|(s, _)| subscription_ids.contains(&s.id));
            }
            (!m.sources.is_empty()).then_some(m)
        })
        .collect();
    let mut subs: Vec<&Subscription> = Vec::new();
    for m in &list {
        for (s, _) in &m.sources {
            if !subs.iter().any(|x| x.id == s.id) {
                subs.push(s);
            }
        }
    }
    let features: Vec<Value> = list
        .iter()
        .map(|m| {
            json!({
                "feature": m.feature.to_json(Precision::Micros),
                "entitlement": m.entitlement_json(),
                "sources": m.sources_json(),
            })
        })
        .collect();
    Json(json!({
        "customer_id": customer.id,
        "subscriptions": subs.iter().map(|s| s.to_json()).collect::<Vec<_>>(),
        "features": features,
    }))
    .into_response()
}

/// `GET /v1/customers/external/{external_id}/entitlements` (`feature_ids`, `subscription_ids` repeated).
pub(crate) async fn for_external_customer(
    State(emu): Emu,
    Path(external_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let store = emu.lock();
    let customer = store
        .customers
        .iter()
        .find(|c| c.status == Status::Published && c.external_id == external_id)
        .ok_or_else(|| customers::external_not_found(&external_id))?;
    Ok(entitlements_answer(
        &store,
        customer,
        query.as_deref(),
        None,
    ))
}

/// `GET /v1/customers/{id}/entitlements`.
pub(crate) async fn for_customer(
    State(emu): Emu,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let store = emu.lock();
    let customer = store
        .customers
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| customers::not_found(&id))?;
    Ok(entitlements_answer(
        &store,
        customer,
        query.as_deref(),
        None,
    ))
}

/// `GET /v1/subscriptions/{id}/entitlements`: the same answer restricted to one subscription.
pub(crate) async fn for_subscription(
    State(emu): Emu,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let store = emu.lock();
    let index = subscriptions::position(&store, &id)?;
    let sub = &store.subscriptions[index];
    let customer = store
        .customers
        .iter()
        .find(|c| c.id == sub.customer_id)
        .ok_or_else(|| customers::not_found(&sub.customer_id))?;
    Ok(entitlements_answer(
        &store,
        customer,
        query.as_deref(),
        Some(&id),
    ))
}

/// `GET /v1/customers/usage?customer_lookup_key=…|customer_id=…&feature_lookup_keys=…&feature_ids=…`.
/// `current_usage` and `usage_percent` are decimal strings; `total_limit` is `null` exactly when unlimited.
pub(crate) async fn usage_summary(
    State(emu): Emu,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let values = |k: &str| -> Vec<String> {
        pairs
            .iter()
            .filter(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .collect()
    };
    let first = |k: &str| values(k).into_iter().find(|v| !v.is_empty());
    let store = emu.lock();
    let customer = match (first("customer_id"), first("customer_lookup_key")) {
        (Some(id), _) => store
            .customers
            .iter()
            .find(|c| c.id == id)
            .ok_or_else(|| customers::not_found(&id))?,
        (None, Some(ext)) => store
            .customers
            .iter()
            .find(|c| c.status == Status::Published && c.external_id == ext)
            .ok_or_else(|| customers::external_not_found(&ext))?,
        // Wording UNVERIFIED.
        (None, None) => {
            return Err(validation(
                "either customer_id or customer_lookup_key is required",
            ));
        }
    };
    let keys = values("feature_lookup_keys");
    let ids = values("feature_ids");
    let subscription_ids = values("subscription_ids");
    let list = merged(&store, customer, None, &|f| {
        (keys.is_empty() || keys.contains(&f.lookup_key)) && (ids.is_empty() || ids.contains(&f.id))
    });
    let mut period: Option<(i128, Option<i128>, String)> = None;
    let mut features = Vec::new();
    for mut m in list {
        if !subscription_ids.is_empty() {
            m.sources.retain(|(s, _)| subscription_ids.contains(&s.id));
            if m.sources.is_empty() {
                continue;
            }
        }
        let Some(earliest) = m
            .sources
            .iter()
            .map(|(s, _)| *s)
            .min_by_key(|s| s.current_period_start)
        else {
            continue;
        };
        if period.is_none() {
            period = Some((
                earliest.current_period_start,
                earliest.current_period_end,
                earliest.billing_period.clone(),
            ));
        }
        let meter = store.meters.iter().find(|mt| mt.id == m.feature.meter_id);
        let never = meter.is_some_and(|mt| mt.reset_usage == "NEVER");
        let used = match meter {
            Some(mt) if never => aggregate(&store, mt, &customer.external_id, None, None),
            Some(mt) => aggregate(
                &store,
                mt,
                &customer.external_id,
                Some(earliest.current_period_start),
                earliest.current_period_end,
            ),
            None => Decimal::ZERO,
        };
        let limit = m.limit();
        // Percent of the limit, 0 when unlimited or the limit is 0 (UNVERIFIED).
        let percent = match limit {
            Some(l) if l > 0 => (used * Decimal::from(100) / Decimal::from(l)).round_dp(2),
            _ => Decimal::ZERO,
        };
        let next_reset = if never || m.feature.kind != "metered" {
            None
        } else {
            earliest.current_period_end
        };
        features.push(json!({
            "feature": m.feature.to_json(Precision::Micros),
            "total_limit": limit,
            "is_unlimited": limit.is_none(),
            "current_usage": render(used),
            "usage_percent": render(percent),
            "is_enabled": m.is_enabled(),
            "is_soft_limit": m.is_soft_limit(),
            "next_usage_reset_at": format_opt(next_reset),
            "sources": m.sources_json(),
        }));
    }
    let period = period.map_or(Value::Null, |(start, end, p)| {
        json!({"start_time": format_go_time(start, Precision::Micros), "end_time": format_opt(end), "period": p})
    });
    Ok(Json(json!({
        "customer_id": customer.id,
        "features": features,
        "period": period,
    }))
    .into_response())
}
