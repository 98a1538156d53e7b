//! `/v1/connections` handlers (notes §4).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::parse_rfc3339_nanos;
use super::errors::{ApiError, ErrorCode, validator_message};
use super::ids::{ENVIRONMENT_ID, TENANT_ID};
use super::parse::{
    body_object, opt_bool, opt_int, opt_object, opt_string, opt_string_list, query_pairs,
    query_to_filter_object,
};
use super::query_filter;
use super::state::{Connection, SYNC_ENTITIES};
use super::status::Status;

type Emu = State<Arc<FlexpriceEmulator>>;

/// The flat secret keys of one provider type: required keys first, then optional ones.
struct ProviderSpec {
    name: &'static str,
    required: &'static [&'static str],
    optional: &'static [&'static str],
    /// The nested form (`{"stripe":{…}}`) is accepted with 201 and stores empty secrets.
    nested_stores_empty: bool,
}

const PROVIDERS: &[ProviderSpec] = &[
    ProviderSpec {
        name: "flexprice",
        required: &[],
        optional: &[],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "stripe",
        required: &["publishable_key", "secret_key", "webhook_secret"],
        optional: &["account_id"],
        nested_stores_empty: true,
    },
    ProviderSpec {
        name: "s3",
        required: &["aws_access_key_id", "aws_secret_access_key"],
        optional: &["aws_session_token"],
        nested_stores_empty: true,
    },
    ProviderSpec {
        name: "hubspot",
        required: &["access_token", "client_secret"],
        optional: &["app_id"],
        nested_stores_empty: true,
    },
    ProviderSpec {
        name: "razorpay",
        required: &["key_id", "secret_key"],
        optional: &["webhook_secret"],
        nested_stores_empty: true,
    },
    ProviderSpec {
        name: "chargebee",
        required: &["site", "api_key", "webhook_username", "webhook_password"],
        optional: &["webhook_secret"],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "quickbooks",
        required: &["client_id", "client_secret", "realm_id", "environment"],
        optional: &[
            "auth_code",
            "redirect_uri",
            "access_token",
            "refresh_token",
            "income_account_id",
            "webhook_verifier_token",
        ],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "zoho_books",
        required: &[],
        optional: &[
            "client_id",
            "client_secret",
            "refresh_token",
            "access_token",
            "auth_code",
            "redirect_uri",
            "api_domain",
            "accounts_server",
            "location",
            "organization_id",
            "organization_name",
            "scopes",
            "access_token_expires_at",
            "webhook_secret",
        ],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "nomod",
        required: &["api_key"],
        optional: &["webhook_secret"],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "moyasar",
        required: &["secret_key"],
        optional: &["publishable_key", "webhook_secret"],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "paddle",
        required: &["api_key", "webhook_secret"],
        optional: &["client_side_token"],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "whop",
        required: &["api_key", "company_id", "webhook_secret"],
        optional: &["product_id"],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "tabs",
        required: &["api_key"],
        optional: &[],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "aws_marketplace",
        required: &["role_arn", "external_id"],
        optional: &[],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "gcp_marketplace",
        required: &["credentials_json"],
        optional: &[],
        nested_stores_empty: false,
    },
    ProviderSpec {
        name: "azure_marketplace",
        required: &["tenant_id", "client_id", "client_secret"],
        optional: &[],
        nested_stores_empty: false,
    },
];

/// Section names of the old nested `ConnectionMetadata` form.
const NESTED_SECTIONS: [&str; 10] = [
    "chargebee",
    "generic",
    "hubspot",
    "moyasar",
    "nomod",
    "quickbooks",
    "razorpay",
    "s3",
    "settings",
    "stripe",
];

/// `sync_config` directions the server rejects with 400.
const REJECTED_DIRECTIONS: [(&str, &str); 6] = [
    ("plan", "outbound"),
    ("subscription", "outbound"),
    ("invoice", "inbound"),
    ("deal", "inbound"),
    ("quote", "inbound"),
    ("price", "inbound"),
];

fn provider(name: &str) -> Option<&'static ProviderSpec> {
    PROVIDERS.iter().find(|p| p.name == name)
}

fn not_found(id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Connection with ID {id} was not found"),
    )
    .detail("connection_id", id)
    .internal("ent: connection not found")
}

fn invalid(message: impl Into<String>) -> ApiError {
    ApiError::coded(ErrorCode::Validation, message)
}

/// Decodes and checks a `sync_config` (absent / `null` → `None`), normalising entity entries to both bools.
fn parse_sync_config(value: Option<&Value>) -> Result<Option<Map<String, Value>>, ApiError> {
    let obj = match value {
        None | Some(Value::Null) => return Ok(None),
        Some(Value::Object(o)) => o,
        Some(_) => return Err(ApiError::bad_format()),
    };
    let mut out = Map::new();
    for entity in SYNC_ENTITIES {
        match obj.get(entity) {
            None | Some(Value::Null) => {}
            Some(Value::Object(e)) => {
                let inbound = opt_bool(e, "inbound")?.unwrap_or(false);
                let outbound = opt_bool(e, "outbound")?.unwrap_or(false);
                out.insert(
                    entity.to_owned(),
                    json!({"inbound": inbound, "outbound": outbound}),
                );
            }
            Some(_) => return Err(ApiError::bad_format()),
        }
    }
    for (entity, direction) in REJECTED_DIRECTIONS {
        if out
            .get(entity)
            .and_then(|e| e.get(direction))
            .and_then(Value::as_bool)
            == Some(true)
        {
            return Err(
                invalid(format!("{entity} {direction} sync is not supported"))
                    .detail("sync_config", format!("{entity}.{direction}")),
            );
        }
    }
    if let Some(s3) = opt_object(obj, "s3")? {
        let bucket = opt_string(&s3, "bucket")?.unwrap_or_default();
        let region = opt_string(&s3, "region")?.unwrap_or_default();
        let key_prefix = opt_string(&s3, "key_prefix")?.unwrap_or_default();
        let compression = opt_string(&s3, "compression")?.unwrap_or_default();
        let encryption = opt_string(&s3, "encryption")?.unwrap_or_default();
        let managed = opt_bool(&s3, "is_flexprice_managed")?.unwrap_or(false);
        if !managed && (bucket.is_empty() || region.is_empty()) {
            return Err(invalid("bucket and region are required for s3 export"));
        }
        if !matches!(compression.as_str(), "" | "gzip" | "none") {
            return Err(invalid(format!("invalid compression type: {compression}")));
        }
        if !matches!(
            encryption.as_str(),
            "" | "AES256" | "aws:kms" | "aws:kms:dsse"
        ) {
            return Err(invalid(format!("invalid encryption type: {encryption}")));
        }
        let mut cfg = Map::new();
        cfg.insert("bucket".into(), Value::String(bucket));
        cfg.insert("region".into(), Value::String(region));
        for (k, v) in [
            ("key_prefix", key_prefix),
            ("compression", compression),
            ("encryption", encryption),
        ] {
            if !v.is_empty() {
                cfg.insert(k.into(), Value::String(v));
            }
        }
        if managed {
            cfg.insert("is_flexprice_managed".into(), Value::Bool(true));
        }
        out.insert("s3".into(), Value::Object(cfg));
    }
    if let Some(aws) = opt_object(obj, "aws_marketplace")? {
        let region = opt_string(&aws, "region")?.unwrap_or_default();
        out.insert("aws_marketplace".into(), json!({"region": region}));
    }
    if let Some(settings) = opt_object(obj, "invoice_sync_settings")? {
        out.insert("invoice_sync_settings".into(), Value::Object(settings));
    }
    Ok(Some(out))
}

/// A flat secret value: a string, or `null` / absent as `""`.
fn flat_string(secrets: &Map<String, Value>, key: &str) -> Result<String, ApiError> {
    Ok(opt_string(secrets, key)?.unwrap_or_default())
}

/// Maps `encrypted_secret_data` into what the server stores, running the provider checks.
fn decode_secrets(
    spec: &ProviderSpec,
    secrets: &Map<String, Value>,
    sync_config: Option<&Map<String, Value>>,
) -> Result<BTreeMap<String, String>, ApiError> {
    if spec.name == "flexprice" {
        // Stored as `generic.data`, any keys.
        return Ok(secrets
            .iter()
            .map(|(k, v)| {
                let text = match v {
                    Value::String(s) => s.clone(),
                    other => other.to_string(),
                };
                (k.clone(), text)
            })
            .collect());
    }
    let has_flat_required = spec.required.iter().any(|k| secrets.contains_key(*k));
    let looks_nested = NESTED_SECTIONS
        .iter()
        .any(|s| secrets.get(*s).is_some_and(Value::is_object));
    if looks_nested && !has_flat_required && spec.nested_stores_empty {
        // The server ignores the nested section and stores empty secrets, still answering 201.
        return Ok(spec
            .required
            .iter()
            .chain(spec.optional)
            .map(|k| ((*k).to_owned(), String::new()))
            .collect());
    }
    let mut stored = BTreeMap::new();
    for key in spec.required.iter().chain(spec.optional) {
        stored.insert((*key).to_owned(), flat_string(secrets, key)?);
    }
    for key in spec.required {
        if stored.get(*key).is_none_or(String::is_empty) {
            return Err(
                invalid(format!("{key} is required for {} connections", spec.name))
                    .detail("provider_type", spec.name)
                    .detail("field", *key),
            );
        }
    }
    let val = |key: &str| stored.get(key).map_or("", String::as_str);
    let site = val("site");
    let site_is_label = !site.is_empty()
        && site.len() <= 63
        && site.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !site.starts_with('-')
        && !site.ends_with('-');
    let aws_region = sync_config
        .and_then(|c| c.get("aws_marketplace"))
        .and_then(|a| a.get("region"))
        .and_then(Value::as_str)
        .unwrap_or("");
    let gcp_kind = serde_json::from_str::<Value>(val("credentials_json"))
        .ok()
        .and_then(|v| v.get("type").and_then(Value::as_str).map(str::to_owned));
    let accounts_server = val("accounts_server");
    let problem = match spec.name {
        "chargebee" if !site_is_label => Some(
            "chargebee site must be the bare site name (e.g. 'acme-test'), not a URL or domain",
        ),
        "quickbooks" if !matches!(val("environment"), "sandbox" | "production") => {
            Some("quickbooks environment must be 'sandbox' or 'production'")
        }
        "zoho_books"
            if !accounts_server.is_empty()
                && !accounts_server.starts_with("https://accounts.zoho.") =>
        {
            Some("accounts_server must be an https Zoho accounts host")
        }
        "aws_marketplace" if aws_region.is_empty() => {
            Some("sync_config.aws_marketplace.region is required")
        }
        "gcp_marketplace" if gcp_kind.as_deref() != Some("external_account") => Some(
            "credentials_json must be a workload identity federation (external_account) configuration",
        ),
        _ => None,
    };
    if let Some(message) = problem {
        return Err(invalid(message));
    }
    Ok(stored)
}

/// Metadata: any JSON object, or absent / `null`.
fn parse_metadata(m: &Map<String, Value>) -> Result<Option<Value>, ApiError> {
    Ok(opt_object(m, "metadata")?.map(Value::Object))
}

fn json_response(status: StatusCode, value: Value) -> Response {
    (status, Json(value)).into_response()
}

/// `POST /v1/connections`.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let name = opt_string(&m, "name")?.unwrap_or_default();
    let provider_type = opt_string(&m, "provider_type")?.unwrap_or_default();
    let secrets = opt_object(&m, "encrypted_secret_data")?.unwrap_or_default();
    let metadata = parse_metadata(&m)?;
    let spec = provider(&provider_type).ok_or_else(|| {
        invalid("Invalid secret provider").detail("provider_type", provider_type.clone())
    })?;
    let sync_config = parse_sync_config(m.get("sync_config"))?;
    let stored_secrets = decode_secrets(spec, &secrets, sync_config.as_ref())?;

    let mut store = emu.lock();
    if spec.name != "s3"
        && let Some(existing) = store
            .connections
            .iter()
            .find(|c| c.status == Status::Published && c.provider_type == spec.name)
    {
        return Err(ApiError::coded(
            ErrorCode::AlreadyExists,
            format!(
                "A published connection for provider '{}' already exists in this environment",
                spec.name
            ),
        )
        .detail("provider_type", spec.name)
        .detail("tenant_id", TENANT_ID)
        .detail("environment_id", ENVIRONMENT_ID)
        .detail("existing_connection_id", existing.id.clone()));
    }
    // The handler runs no validator: an empty (or over-long) name fails at the database.
    if name.is_empty() || name.chars().count() > 255 {
        return Err(ApiError::database(
            "Failed to create connection",
            "ent: validator failed for field \"Connection.name\"",
        ));
    }
    let id = store.new_id("conn_");
    let now = seconds(store.now_nanos());
    let connection = Connection {
        id,
        name,
        provider_type: spec.name.to_owned(),
        status: Status::Published,
        metadata,
        sync_config,
        secrets: stored_secrets,
        created_at: now,
        updated_at: now,
    };
    let body = connection.to_json(store.knobs.connection_utc_offset_seconds);
    store.connections.push(connection);
    Ok(json_response(StatusCode::CREATED, body))
}

fn seconds(nanos: i128) -> i64 {
    i64::try_from(nanos.div_euclid(1_000_000_000)).unwrap_or(0)
}

/// `GET /v1/connections/{id}`: 404 for unknown or archived connections.
pub(crate) async fn get(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let store = emu.lock();
    let c = store
        .connections
        .iter()
        .find(|c| c.id == id && c.status == Status::Published)
        .ok_or_else(|| not_found(&id))?;
    Ok(json_response(
        StatusCode::OK,
        c.to_json(store.knobs.connection_utc_offset_seconds),
    ))
}

fn run_list(emu: &FlexpriceEmulator, m: &Map<String, Value>) -> Result<Response, ApiError> {
    let limit = opt_int(m, "limit")?;
    let offset = opt_int(m, "offset")?;
    let order = opt_string(m, "order")?;
    let provider_type = opt_string(m, "provider_type")?.filter(|p| !p.is_empty());
    let connection_ids = opt_string_list(m, "connection_ids")?;
    let start = opt_string(m, "start_time")?.filter(|t| !t.is_empty());
    let end = opt_string(m, "end_time")?.filter(|t| !t.is_empty());
    // `status` is decoded but ignored: only published connections are listed.
    opt_string(m, "status")?;
    query_filter::unevaluated(m, "filters", || {
        "emulator: `filters` conditions are not emulated".to_owned()
    })?;
    let mut details = query_filter::details("ConnectionFilter", limit, offset, order.as_deref());
    if let Some(p) = provider_type.as_deref()
        && provider(p).is_none()
    {
        details.insert(
            "ProviderType".to_owned(),
            Value::String(validator_message(
                "ConnectionFilter",
                "ProviderType",
                "oneof",
            )),
        );
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    let start = match start {
        Some(t) => Some(parse_rfc3339_nanos(&t).ok_or_else(ApiError::bad_format)?),
        None => None,
    };
    let end = match end {
        Some(t) => Some(parse_rfc3339_nanos(&t).ok_or_else(ApiError::bad_format)?),
        None => None,
    };
    let limit = limit.unwrap_or(50);
    let offset = offset.unwrap_or(0);

    let store = emu.lock();
    let mut matching: Vec<&Connection> = store
        .connections
        .iter()
        .filter(|c| c.status == Status::Published)
        .filter(|c| provider_type.as_ref().is_none_or(|p| &c.provider_type == p))
        .filter(|c| connection_ids.is_empty() || connection_ids.contains(&c.id))
        .filter(|c| start.is_none_or(|t| i128::from(c.created_at) * 1_000_000_000 >= t))
        .filter(|c| end.is_none_or(|t| i128::from(c.created_at) * 1_000_000_000 <= t))
        .collect();
    // Stable on insertion order, so equal seconds keep creation order.
    matching.sort_by_key(|c| c.created_at);
    if order.as_deref() != Some("asc") {
        matching.reverse();
    }
    let total = matching.len();
    let offset_usize = usize::try_from(offset).unwrap_or(0);
    let limit_usize = usize::try_from(limit).unwrap_or(0);
    let page: Vec<Value> = matching
        .into_iter()
        .skip(offset_usize)
        .take(limit_usize)
        .map(|c| c.to_json(store.knobs.connection_utc_offset_seconds))
        .collect();
    // A nil Go slice: `null` when the page is empty.
    let connections = if page.is_empty() {
        Value::Null
    } else {
        Value::Array(page)
    };
    Ok(json_response(
        StatusCode::OK,
        json!({"connections": connections, "total": total, "limit": limit, "offset": offset}),
    ))
}

/// `GET /v1/connections`.
pub(crate) async fn list(State(emu): Emu, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let m = query_to_filter_object(&pairs, &["connection_ids"])?;
    run_list(&emu, &m)
}

/// `POST /v1/connections/search`.
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    run_list(&emu, &m)
}

/// `PUT /v1/connections/{id}`.
pub(crate) async fn update(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let name = opt_string(&m, "name")?;
    let metadata = parse_metadata(&m)?;
    let sync_config = parse_sync_config(m.get("sync_config"))?;
    let secrets = opt_object(&m, "encrypted_secret_data")?;

    let mut store = emu.lock();
    let index = store
        .connections
        .iter()
        .position(|c| c.id == id && c.status == Status::Published)
        .ok_or_else(|| not_found(&id))?;
    let now = seconds(store.now_nanos());
    let offset = store.knobs.connection_utc_offset_seconds;
    let c = &mut store.connections[index];
    if let Some(name) = name.filter(|n| !n.is_empty()) {
        c.name = name;
    }
    if metadata.is_some() {
        c.metadata = metadata;
    }
    if sync_config.is_some() {
        // Replaced whole, never merged.
        c.sync_config = sync_config;
    }
    if let Some(secrets) = secrets {
        // Flat, or nested under the provider's section.
        let section = match secrets.get(&c.provider_type) {
            Some(Value::Object(inner)) => inner.clone(),
            _ => secrets,
        };
        let rotatable: &[&str] = match c.provider_type.as_str() {
            "quickbooks" => &["webhook_verifier_token"],
            "zoho_books" | "whop" => &["webhook_secret"],
            _ => &[],
        };
        for key in rotatable {
            let value = flat_string(&section, key)?;
            if !value.is_empty() {
                c.secrets.insert((*key).to_owned(), value);
            }
        }
        if c.provider_type == "chargebee" {
            let user = flat_string(&section, "webhook_username")?;
            let pass = flat_string(&section, "webhook_password")?;
            if !user.is_empty() && !pass.is_empty() {
                c.secrets.insert("webhook_username".to_owned(), user);
                c.secrets.insert("webhook_password".to_owned(), pass);
            }
        }
        // Every other secret (Stripe, S3, HubSpot, …) is silently ignored.
    }
    c.updated_at = now;
    Ok(json_response(StatusCode::OK, c.to_json(offset)))
}

/// `DELETE /v1/connections/{id}`: archives; 404 once archived.
pub(crate) async fn delete(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let mut store = emu.lock();
    let now = seconds(store.now_nanos());
    let c = store
        .connections
        .iter_mut()
        .find(|c| c.id == id && c.status == Status::Published)
        .ok_or_else(|| not_found(&id))?;
    c.status = Status::Archived;
    c.updated_at = now;
    Ok(StatusCode::NO_CONTENT.into_response())
}
