//! Billing plans per integration and product; money as strings.

use std::collections::HashMap;

use axum::extract::{Extension, Path, Query, State};
use axum::http::StatusCode;
use serde_json::{Value, json};

use super::errors::{ApiError, ApiResult, json_response};
use super::stores::check_metadata;
use super::{Endpoint, Role, VercelEmulator, gate};

/// The `source` enum of SDK 1.28.35 (`organization` is newer than the 2026-08 docs page).
pub(crate) const SOURCES: &[&str] = &[
    "marketplace",
    "deploy-button",
    "external",
    "v0",
    "resource-claims",
    "cli",
    "oauth",
    "backoffice",
    "import-recommended-integrations",
    "organization",
];

/// A decimal dollar string (`"10.00"`, `"10"`, `"0.5"`) as whole cents; `None` when it is not one.
pub(crate) fn dollars_to_cents(s: &str) -> Option<u64> {
    let s = s.trim();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    if frac.len() > 2 || !frac.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let whole: u64 = whole.parse().ok()?;
    let frac_cents: u64 = match frac.len() {
        0 => 0,
        1 => frac.parse::<u64>().ok()? * 10,
        _ => frac.parse().ok()?,
    };
    whole.checked_mul(100)?.checked_add(frac_cents)
}

/// `GET /v1/integrations/integration/{integrationIdOrSlug}/products/{productIdOrSlug}/plans`.
///
/// The path takes the *integration* id or slug: a configuration id there is 404. The query's
/// `integrationConfigurationId` must be an installation of this integration visible in the team scope (else
/// 404), its `metadata` a JSON-encoded object whose values pass the product's metadata schema as a create's
/// would (else 400 naming `metadata.<key>`; keys the schema requires may be missing), its `source` one of the
/// enum.
pub(crate) async fn list(
    State(emu): State<VercelEmulator>,
    Extension(role): Extension<Role>,
    Path((integration, product)): Path<(String, String)>,
    Query(q): Query<HashMap<String, String>>,
) -> ApiResult {
    let mut g = emu.lock();
    let ctx = gate(&mut g, Endpoint::ListPlans, role, &q)?;
    let i = g
        .integration(&integration)
        .ok_or_else(|| ApiError::not_found("Integration not found"))?;
    let p = i
        .products
        .iter()
        .find(|p| p.id == product || p.slug == product)
        .ok_or_else(|| ApiError::not_found("Integration product not found"))?;
    if let Some(icfg) = q.get("integrationConfigurationId") {
        let c = g
            .configuration(icfg, &ctx.team)
            .ok_or_else(|| ApiError::not_found("Integration configuration not found"))?;
        if c.integration_id != i.id {
            return Err(ApiError::not_found("Integration configuration not found"));
        }
    }
    if let Some(m) = q.get("metadata") {
        let Ok(Value::Object(metadata)) = serde_json::from_str::<Value>(m) else {
            return Err(ApiError::invalid(
                "`metadata` should be a JSON-encoded object.",
            ));
        };
        // The intended store's metadata, checked as create checks it (a partial map is fine).
        check_metadata(&p.metadata_schema, &metadata)?;
    }
    if let Some(s) = q.get("source")
        && !SOURCES.contains(&s.as_str())
    {
        return Err(ApiError::invalid(
            "`source` should be equal to one of the allowed values.",
        ));
    }
    Ok(json_response(StatusCode::OK, &json!({ "plans": p.plans })))
}

#[cfg(test)]
mod tests {
    use super::dollars_to_cents;

    #[test]
    fn dollar_strings_to_cents() {
        assert_eq!(dollars_to_cents("10.00"), Some(1000));
        assert_eq!(dollars_to_cents("0.5"), Some(50));
        assert_eq!(dollars_to_cents("1000"), Some(100_000));
        assert_eq!(dollars_to_cents("$1.00"), None);
        assert_eq!(dollars_to_cents("1.005"), None);
        assert_eq!(dollars_to_cents(".5"), None);
    }
}
