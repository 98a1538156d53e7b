//! The plan wire format: request bodies (exact) and the plan object (lenient).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use unibill_core::{Metadata, RawJson};

use super::model::{NewPlan, Plan};
use crate::decode::{non_empty, timestamp};

/// `POST /plans`. Absent optional fields are omitted.
#[derive(Debug, Serialize)]
pub(crate) struct CreatePlan<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a BTreeMap<String, String>>,
}

impl<'a> From<&'a NewPlan> for CreatePlan<'a> {
    fn from(p: &'a NewPlan) -> Self {
        CreatePlan {
            name: p.name(),
            lookup_key: p.lookup_key(),
            description: p.description(),
            metadata: p.metadata().map(Metadata::as_map),
        }
    }
}

/// `POST /plans/search` body (`types.PlanFilter`): `sort` there is an array of conditions, so it is left to
/// the server's default (`created_at`), ascending by `order`.
#[derive(Debug, Serialize, PartialEq, Eq)]
pub(crate) struct SearchPlans {
    pub limit: u32,
    pub offset: u64,
    pub order: &'static str,
    /// `published` hides archived plans; absent, the server lists every plan but deleted ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<&'static str>,
}

/// The plan object. Everything but `id` is optional; only what [`Plan`] holds is read (the rest stays in
/// `raw`).
#[derive(Debug, Deserialize)]
pub(crate) struct WirePlan {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    lookup_key: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<BTreeMap<String, Value>>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
    /// Embedded by `GET /plans/{id}` only.
    #[serde(default)]
    prices: Option<Vec<WirePlanPrice>>,
}

/// An embedded price of `GET /plans/{id}`: only its id is read (the rest stays in the plan's `raw`).
#[derive(Debug, Deserialize)]
struct WirePlanPrice {
    id: String,
}

impl WirePlan {
    /// The read model, with the raw JSON it came from (metadata values that are not strings are dropped).
    pub(crate) fn into_plan(self, raw: RawJson) -> Plan {
        Plan {
            id: self.id,
            name: self.name.unwrap_or_default(),
            lookup_key: non_empty(self.lookup_key),
            description: non_empty(self.description),
            metadata: self
                .metadata
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(k, v)| match v {
                    Value::String(s) => Some((k, s)),
                    _ => None,
                })
                .collect(),
            active: self.status.as_deref().is_none_or(|s| s == "published"),
            price_ids: self
                .prices
                .unwrap_or_default()
                .into_iter()
                .map(|p| p.id)
                .collect(),
            created_at: timestamp(self.created_at.as_deref()),
            raw: Some(raw),
        }
    }
}
