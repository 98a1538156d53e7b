//! Integration configurations and their products.

use std::collections::HashMap;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::errors::{ApiError, ApiResult, json_response};
use super::state::{Configuration, Inner, seed};
use super::{Endpoint, Role, VercelEmulator, gate};

/// The configuration as the list and get endpoints show it (the richer `view=account` shape).
pub(crate) fn render(inner: &Inner, c: &Configuration) -> Value {
    let integration = inner.integration(&c.integration_id);
    json!({
        "id": c.id,
        "type": "integration-configuration",
        "slug": integration.map(|i| i.slug.as_str()).unwrap_or_default(),
        "integrationId": c.integration_id,
        "ownerId": c.team_id.as_deref().unwrap_or(seed::USER_ID),
        "teamId": c.team_id,
        "userId": seed::USER_ID,
        "installationType": c.installation_type,
        "status": c.status,
        "source": "marketplace",
        "scopes": ["read:project", "read-write:project-env-vars"],
        "projects": [],
        "createdAt": 1_732_000_000_000_u64,
        "updatedAt": 1_732_000_000_000_u64,
        "integration": {
            "name": integration.map(|i| i.name.as_str()).unwrap_or_default(),
            "icon": integration.map(|i| i.icon.as_str()).unwrap_or_default(),
            "isLegacy": false,
            "tagIds": ["tag_databases"],
        },
    })
}

/// `GET /v1/integrations/configurations`: `view` is required (`account` | `project`); the answer is a bare array.
pub(crate) async fn list(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::ListConfigurations, role, &q)?;
    match q.get("view").map(String::as_str) {
        None => return Err(ApiError::missing("view")),
        Some("account" | "project") => {}
        Some(_) => {
            return Err(ApiError::invalid(
                "`view` should be equal to one of the allowed values.",
            ));
        }
    }
    if let Some(t) = q.get("installationType")
        && !matches!(t.as_str(), "marketplace" | "external" | "provisioning")
    {
        return Err(ApiError::invalid(
            "`installationType` should be equal to one of the allowed values.",
        ));
    }
    let items: Vec<Value> = g
        .configurations
        .iter()
        .filter(|c| c.team_id == ctx.team)
        .filter(|c| {
            q.get("installationType")
                .is_none_or(|t| &c.installation_type == t)
        })
        .filter(|c| {
            q.get("integrationIdOrSlug")
                .is_none_or(|s| g.integration(s).is_some_and(|i| i.id == c.integration_id))
        })
        .map(|c| render(&g, c))
        .collect();
    Ok(json_response(StatusCode::OK, &Value::Array(items)))
}

fn config_not_found() -> ApiError {
    ApiError::not_found("Integration configuration not found")
}

/// `GET /v1/integrations/configuration/{id}`.
pub(crate) async fn get_one(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::GetConfiguration, role, &q)?;
    let c = g
        .configuration(&id, &ctx.team)
        .ok_or_else(config_not_found)?;
    Ok(json_response(StatusCode::OK, &render(&g, c)))
}

/// `GET /v1/integrations/configuration/{id}/products`.
pub(crate) async fn products(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Path(id): Path<String>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::ListProducts, role, &q)?;
    let c = g
        .configuration(&id, &ctx.team)
        .ok_or_else(config_not_found)?;
    let i = g
        .integration(&c.integration_id)
        .ok_or_else(|| ApiError::not_found("Integration not found"))?;
    let products: Vec<Value> = i
        .products
        .iter()
        .map(|p| {
            json!({
                "id": p.id,
                "slug": p.slug,
                "name": p.name,
                "primaryProtocol": "storage",
                "protocols": { "storage": { "status": "enabled", "repl": { "enabled": true, "supportsReadOnlyMode": true } } },
                "metadataSchema": p.metadata_schema,
            })
        })
        .collect();
    Ok(json_response(
        StatusCode::OK,
        &json!({
            "configuration": { "id": c.id },
            "integration": { "id": i.id, "name": i.name, "slug": i.slug },
            "products": products,
        }),
    ))
}
