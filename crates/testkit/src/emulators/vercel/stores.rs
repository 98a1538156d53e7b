//! Stores: create (direct), get, delete, and the partner-resource lookup used to recover a missing store id.

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use serde_json::{Map, Value, json};

use super::errors::{ApiError, ApiResult, json_response};
use super::plans::{SOURCES, dollars_to_cents};
use super::state::{BillingPlan, Inner, StoreRecord};
use super::{Endpoint, Role, VercelEmulator, gate};

/// The store as create and get answer it (documented fields, plus the undocumented `id`/`name`/`type`/
/// `createdAt` unless switched off).
fn render(inner: &Inner, s: &StoreRecord, status: Option<String>) -> Value {
    let integration = inner.integration(&s.integration_id);
    let product = integration.and_then(|i| i.products.iter().find(|p| p.id == s.product_id));
    let ready = status.as_deref() == Some("available");
    let mut store = json!({
        "projectsMetadata": [],
        "totalConnectedProjects": 0,
        "usageQuotaExceeded": false,
        "status": status,
        "ownership": "owned",
        "capabilities": { "mcp": false, "sso": true, "billable": true, "transferable": true, "secretsSync": false, "projects": true },
        "metadata": s.metadata,
        "externalResourceId": s.external_resource_id,
        "externalResourceStatus": if ready { "ready" } else { "pending" },
        "directPartnerConsoleUrl": format!("https://console.example.invalid/projects/{}", s.external_resource_id),
        "product": {
            "id": s.product_id,
            "name": product.map(|p| p.name.as_str()).unwrap_or_default(),
            "slug": product.map(|p| p.slug.as_str()).unwrap_or_default(),
            "iconUrl": integration.map(|i| i.icon.as_str()).unwrap_or_default(),
            "primaryProtocol": "storage",
            "supportedProtocols": ["storage"],
            "tags": ["postgres"],
            "resourceTitle": "Database",
            "integration": {
                "id": s.integration_id,
                "name": integration.map(|i| i.name.as_str()).unwrap_or_default(),
                "slug": integration.map(|i| i.slug.as_str()).unwrap_or_default(),
                "icon": integration.map(|i| i.icon.as_str()).unwrap_or_default(),
            },
            "integrationConfigurationId": s.configuration_id,
            "metadataSchema": product.map(|p| p.metadata_schema.clone()).unwrap_or(Value::Null),
        },
        "secrets": [
            { "name": "DATABASE_URL", "length": 118 },
            { "name": "DATABASE_URL_UNPOOLED", "length": 112 },
            { "name": "PGHOST", "length": 44 },
            { "name": "PGPASSWORD", "length": 16 }
        ],
        "billingPlan": s.plan,
        "targets": ["production", "preview", "development"],
    });
    let obj = store.as_object_mut().expect("a JSON object");
    if let Some(ps) = &s.protocol_settings {
        obj.insert("protocolSettings".into(), ps.clone());
    }
    if inner.undocumented_fields {
        obj.insert("id".into(), json!(s.id));
        obj.insert("name".into(), json!(s.name));
        obj.insert("type".into(), json!("integration"));
        obj.insert("createdAt".into(), json!(s.created_at));
    }
    store
}

fn store_not_found() -> ApiError {
    ApiError::not_found("Store not found")
}

/// `GET /v1/storage/stores/{id}`: the store's status follows the knobbed sequence, one step per read.
pub(crate) async fn get_store(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::GetStore, role, &q)?;
    let idx = g
        .stores
        .iter()
        .position(|s| s.id == id && !s.deleted && s.team_id == ctx.team)
        .ok_or_else(store_not_found)?;
    let status = g.status_at(g.stores[idx].reads);
    g.stores[idx].reads += 1;
    let body = json!({ "store": render(&g, &g.stores[idx], status) });
    Ok(json_response(StatusCode::OK, &body))
}

/// `DELETE /v1/storage/stores/integration/{id}`: 200 with an empty body, as the CLI's mocks answer.
pub(crate) async fn delete_store(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::DeleteStore, role, &q)?;
    let s = g
        .stores
        .iter_mut()
        .find(|s| s.id == id && !s.deleted && s.team_id == ctx.team)
        .ok_or_else(store_not_found)?;
    s.deleted = true;
    Ok(StatusCode::OK.into_response())
}

/// `GET /v1/installations/{icfg}/resources/{partnerResourceId}`: maps `externalResourceId` to the Vercel id
/// (`internalId`).
pub(crate) async fn get_resource(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Path((icfg, resource)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::GetResource, role, &q)?;
    if !g.resource_lookup {
        return Err(ApiError::forbidden(
            "You do not have permission to access this resource.",
        ));
    }
    g.configuration(&icfg, &ctx.team)
        .ok_or_else(|| ApiError::not_found("Integration configuration not found"))?;
    let s = g
        .stores
        .iter()
        .find(|s| s.configuration_id == icfg && s.external_resource_id == resource && !s.deleted)
        .ok_or_else(|| ApiError::not_found("Resource not found"))?;
    let status = if g.status_at(s.reads) == g.final_status {
        "ready"
    } else {
        "pending"
    };
    let body = json!({
        "id": s.external_resource_id,
        "internalId": s.id,
        "name": s.name,
        "productId": s.product_id,
        "status": status,
        "billingPlanId": s.plan.id,
        "metadata": s.metadata,
    });
    Ok(json_response(StatusCode::OK, &body))
}

// ----- create ---------------------------------------------------------------------------------------------------

fn is_icfg(s: &str) -> bool {
    s.strip_prefix("icfg_")
        .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric()))
}

fn is_product_id(s: &str) -> bool {
    s.strip_prefix("iap_")
        .is_some_and(|r| !r.is_empty() && r.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_'))
}

fn is_product_slug(s: &str) -> bool {
    !s.is_empty()
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn optional_string<'a>(
    body: &'a Map<String, Value>,
    key: &str,
) -> Result<Option<&'a str>, ApiError> {
    match body.get(key) {
        None => Ok(None),
        Some(Value::String(s)) => Ok(Some(s)),
        Some(_) => Err(ApiError::invalid(format!("`{key}` should be string."))),
    }
}

/// `prepaymentAmountCents`: a JSON number, whole, at least 50.
fn prepayment_cents(v: &Value) -> Result<u64, ApiError> {
    let Value::Number(n) = v else {
        return Err(ApiError::invalid(
            "`prepaymentAmountCents` should be number.",
        ));
    };
    let below = || ApiError::invalid("`prepaymentAmountCents` should be >= 50.");
    if let Some(i) = n.as_i64() {
        return u64::try_from(i).ok().filter(|c| *c >= 50).ok_or_else(below);
    }
    if let Some(u) = n.as_u64() {
        return Ok(u);
    }
    // A fraction: below 50 is the schema's `minimum` error, otherwise whole cents are required.
    let text = n.to_string();
    let whole: i64 = text
        .split(['.', 'e', 'E'])
        .next()
        .and_then(|w| w.parse().ok())
        .unwrap_or(0);
    if text.starts_with('-') || whole < 50 {
        Err(below())
    } else {
        Err(ApiError::invalid(
            "`prepaymentAmountCents` should be a whole number of cents.",
        ))
    }
}

/// Compare a JSON number with an integer bound without floating point: `Less`/`Equal`/`Greater` of `n`
/// against `bound` (fractions compare by their position between two integers).
fn cmp_number(n: &serde_json::Number, bound: i64) -> Option<std::cmp::Ordering> {
    use std::cmp::Ordering;
    if let Some(i) = n.as_i64() {
        return Some(i.cmp(&bound));
    }
    if n.as_u64().is_some() {
        return Some(Ordering::Greater);
    }
    let text = n.to_string();
    if text.contains(['e', 'E']) {
        return None;
    }
    let (whole, _) = text.split_once('.')?;
    let trunc: i64 = whole.parse().ok()?;
    // n lies strictly between trunc and trunc±1 (toward the sign).
    Some(if text.starts_with('-') {
        if trunc <= bound {
            Ordering::Less
        } else {
            Ordering::Greater
        }
    } else if trunc < bound {
        Ordering::Less
    } else {
        Ordering::Greater
    })
}

fn check_kind(key: &str, v: &Value, kind: &str) -> Result<(), ApiError> {
    let ok = match kind {
        "string" => v.is_string(),
        "number" => v.is_number(),
        "boolean" => v.is_boolean(),
        "array" => v.is_array(),
        _ => true,
    };
    if ok {
        Ok(())
    } else {
        Err(ApiError::invalid(format!(
            "`metadata.{key}` should be {kind}."
        )))
    }
}

/// Validate metadata against the flat-map rule and the product's `metadataSchema`; fill defaults; require the
/// schema's `required` keys.
fn validate_metadata(
    schema: &Value,
    given: &Map<String, Value>,
) -> Result<Map<String, Value>, ApiError> {
    check_metadata(schema, given)?;
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    let mut out = given.clone();
    for (k, prop) in props {
        if !out.contains_key(k)
            && let Some(d) = prop.get("default")
        {
            out.insert(k.clone(), d.clone());
        }
    }
    if let Some(required) = schema.get("required").and_then(Value::as_array) {
        for r in required.iter().filter_map(Value::as_str) {
            if !out.contains_key(r) {
                return Err(ApiError::missing(&format!("metadata.{r}")));
            }
        }
    }
    Ok(out)
}

/// Check each given metadata value: the flat-map rule (string, number, boolean, list of only strings or only
/// numbers), then the product's `metadataSchema` property (known key, type, enum, lengths, bounds, items). The
/// billing-plans query's `metadata` is checked so too (without `required`: it may be partial).
pub(crate) fn check_metadata(schema: &Value, given: &Map<String, Value>) -> Result<(), ApiError> {
    for (k, v) in given {
        let flat = match v {
            Value::String(_) | Value::Number(_) | Value::Bool(_) => true,
            Value::Array(items) => {
                items.iter().all(Value::is_string) || items.iter().all(Value::is_number)
            }
            Value::Null | Value::Object(_) => false,
        };
        if !flat {
            return Err(ApiError::invalid(format!(
                "`metadata.{k}` should be a string, number, boolean, array of strings or array of numbers."
            )));
        }
    }
    let empty = Map::new();
    let props = schema
        .get("properties")
        .and_then(Value::as_object)
        .unwrap_or(&empty);
    for (k, v) in given {
        let Some(prop) = props.get(k) else {
            return Err(ApiError::invalid(format!(
                "`metadata.{k}` is not a property of the product's metadata schema."
            )));
        };
        if let Some(kind) = prop.get("type").and_then(Value::as_str) {
            check_kind(k, v, kind)?;
        }
        if let Some(allowed) = prop.get("enum").and_then(Value::as_array)
            && !allowed.contains(v)
        {
            return Err(ApiError::invalid(format!(
                "`metadata.{k}` should be equal to one of the allowed values."
            )));
        }
        if let Value::String(s) = v {
            let len = s.chars().count() as u64;
            if let Some(min) = prop.get("minLength").and_then(Value::as_u64)
                && len < min
            {
                return Err(ApiError::invalid(format!(
                    "`metadata.{k}` should NOT be shorter than {min} characters."
                )));
            }
            if let Some(max) = prop.get("maxLength").and_then(Value::as_u64)
                && len > max
            {
                return Err(ApiError::invalid(format!(
                    "`metadata.{k}` should NOT be longer than {max} characters."
                )));
            }
        }
        if let Value::Number(n) = v {
            if let Some(min) = prop.get("minimum").and_then(Value::as_i64)
                && cmp_number(n, min) == Some(std::cmp::Ordering::Less)
            {
                return Err(ApiError::invalid(format!(
                    "`metadata.{k}` should be >= {min}."
                )));
            }
            if let Some(max) = prop.get("maximum").and_then(Value::as_i64)
                && cmp_number(n, max) == Some(std::cmp::Ordering::Greater)
            {
                return Err(ApiError::invalid(format!(
                    "`metadata.{k}` should be <= {max}."
                )));
            }
        }
        if let Value::Array(items) = v {
            if let Some(kind) = prop.pointer("/items/type").and_then(Value::as_str)
                && !items.is_empty()
            {
                check_kind(&format!("{k}[]"), &items[0], kind)?;
            }
            let n = items.len() as u64;
            if let Some(min) = prop.get("minItems").and_then(Value::as_u64)
                && n < min
            {
                return Err(ApiError::invalid(format!(
                    "`metadata.{k}` should NOT have fewer than {min} items."
                )));
            }
            if let Some(max) = prop.get("maxItems").and_then(Value::as_u64)
                && n > max
            {
                return Err(ApiError::invalid(format!(
                    "`metadata.{k}` should NOT have more than {max} items."
                )));
            }
        }
    }
    Ok(())
}

/// The plan and payment method a create uses, or why it can't.
fn resolve_plan(
    inner: &Inner,
    team: &Option<String>,
    plans: &[BillingPlan],
    plan_id: Option<&str>,
    payment_method: Option<&str>,
    cents: Option<u64>,
) -> Result<(BillingPlan, Option<String>), ApiError> {
    let plan = match plan_id {
        None => plans.iter().find(|p| p.is_free()).cloned().ok_or_else(|| {
            ApiError::bad_request(
                "No free billing plan is available for this product. Provide a `billingPlanId` from the billing plans endpoint.",
            )
        })?,
        Some(id) => {
            let p = plans
                .iter()
                .find(|p| p.id == id)
                .ok_or_else(|| ApiError::bad_request(format!("Billing plan `{id}` not found for this product.")))?;
            if p.disabled == Some(true) {
                return Err(ApiError::bad_request(format!(
                    "Billing plan `{id}` is not available."
                )));
            }
            p.clone()
        }
    };
    if plan.plan_type == "prepayment" {
        let Some(c) = cents else {
            return Err(ApiError::bad_request(format!(
                "`prepaymentAmountCents` is required for the prepayment plan `{}`.",
                plan.id
            )));
        };
        if let Some(min) = plan.minimum_amount.as_deref()
            && dollars_to_cents(min).is_some_and(|m| c < m)
        {
            return Err(ApiError::bad_request(format!(
                "`prepaymentAmountCents` ({c}) is below the plan's minimum amount of {min}."
            )));
        }
        if let Some(max) = plan.maximum_amount.as_deref()
            && dollars_to_cents(max).is_some_and(|m| c > m)
        {
            return Err(ApiError::bad_request(format!(
                "`prepaymentAmountCents` ({c}) is above the plan's maximum amount of {max}."
            )));
        }
    } else if cents.is_some() {
        return Err(ApiError::bad_request(format!(
            "`prepaymentAmountCents` is only accepted for prepayment plans; `{}` is a {} plan.",
            plan.id, plan.plan_type
        )));
    }
    let team = team.as_deref().and_then(|t| inner.team(t));
    let method = if !plan.payment_method_required {
        None
    } else if let Some(pm) = payment_method {
        if !team.is_some_and(|t| t.payment_methods.iter().any(|m| m == pm)) {
            return Err(ApiError::bad_request(format!(
                "Payment method `{pm}` not found."
            )));
        }
        Some(pm.to_string())
    } else {
        match team.and_then(|t| t.default_payment_method.clone()) {
            Some(d) => Some(d),
            None => {
                return Err(ApiError::new(
                    StatusCode::PAYMENT_REQUIRED,
                    "payment_required",
                    "The account is missing a payment so payment method must be updated",
                ));
            }
        }
    };
    Ok((plan, method))
}

/// `POST /v1/storage/stores/integration/direct`: 200 `{store}`.
pub(crate) async fn create(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Query(q): Query<HashMap<String, String>>,
    raw: Bytes,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::CreateStore, role, &q)?;

    let parsed: Value = if raw.iter().all(u8::is_ascii_whitespace) {
        Value::Object(Map::new())
    } else {
        serde_json::from_slice(&raw)
            .map_err(|_| ApiError::invalid("the body is not valid JSON."))?
    };
    let Value::Object(body) = parsed else {
        return Err(ApiError::invalid("body should be object."));
    };
    for key in [
        "name",
        "integrationConfigurationId",
        "integrationProductIdOrSlug",
    ] {
        if !body.contains_key(key) {
            return Err(ApiError::missing(key));
        }
    }
    let name = optional_string(&body, "name")?.unwrap_or_default();
    let icfg = optional_string(&body, "integrationConfigurationId")?.unwrap_or_default();
    let product_ref = optional_string(&body, "integrationProductIdOrSlug")?.unwrap_or_default();
    let external_id = optional_string(&body, "externalId")?;
    let source = optional_string(&body, "source")?.unwrap_or("marketplace");
    let plan_id = optional_string(&body, "billingPlanId")?;
    let payment_method = optional_string(&body, "paymentMethodId")?;

    let len = name.chars().count();
    if len == 0 {
        return Err(ApiError::invalid(
            "`name` should NOT be shorter than 1 characters.",
        ));
    }
    if len > 128 {
        return Err(ApiError::invalid(
            "`name` should NOT be longer than 128 characters.",
        ));
    }
    if !is_icfg(icfg) {
        return Err(ApiError::invalid(
            "`integrationConfigurationId` should match pattern \"^icfg_[a-zA-Z0-9]+$\".",
        ));
    }
    if !is_product_id(product_ref) && !is_product_slug(product_ref) {
        return Err(ApiError::invalid(
            "`integrationProductIdOrSlug` should match exactly one schema in oneOf.",
        ));
    }
    if !SOURCES.contains(&source) {
        return Err(ApiError::invalid(
            "`source` should be equal to one of the allowed values.",
        ));
    }
    let metadata = match body.get("metadata") {
        None => Map::new(),
        Some(Value::Object(m)) => m.clone(),
        Some(_) => return Err(ApiError::invalid("`metadata` should be object.")),
    };
    let protocol_settings = match body.get("protocolSettings") {
        None => None,
        Some(v @ Value::Object(_)) => Some(v.clone()),
        Some(_) => return Err(ApiError::invalid("`protocolSettings` should be object.")),
    };
    let cents = body
        .get("prepaymentAmountCents")
        .map(prepayment_cents)
        .transpose()?;

    let config = g
        .configuration(icfg, &ctx.team)
        .ok_or_else(|| ApiError::not_found("Integration configuration not found"))?
        .clone();
    let integration = g
        .integration(&config.integration_id)
        .ok_or_else(|| ApiError::not_found("Integration not found"))?;
    let product = integration
        .products
        .iter()
        .find(|p| p.id == product_ref || p.slug == product_ref)
        .ok_or_else(|| ApiError::not_found("Integration product not found"))?
        .clone();
    let integration_slug = integration.slug.clone();
    let metadata = validate_metadata(&product.metadata_schema, &metadata)?;
    let (plan, method) = resolve_plan(
        &g,
        &ctx.team,
        &product.plans,
        plan_id,
        payment_method,
        cents,
    )?;

    let n = g.next_store;
    g.next_store += 1;
    let record = StoreRecord {
        id: format!("store_emu{n:012}"),
        name: name.to_string(),
        team_id: ctx.team.clone(),
        configuration_id: config.id.clone(),
        integration_id: config.integration_id.clone(),
        product_id: product.id.clone(),
        external_resource_id: format!("{integration_slug}-proj-emu-{n:08}"),
        external_id: external_id.map(str::to_string),
        metadata,
        protocol_settings,
        plan,
        payment_method: method,
        prepayment_cents: cents,
        source: source.to_string(),
        created_at: g.now_ms,
        reads: 0,
        deleted: false,
    };
    let answer = if g.null_store_creates > 0 {
        g.null_store_creates -= 1;
        json!({ "store": null })
    } else {
        json!({ "store": render(&g, &record, g.status_at(0)) })
    };
    g.stores.push(record);
    Ok(json_response(StatusCode::OK, &answer))
}
