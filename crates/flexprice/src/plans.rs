//! Plans: every Flexprice price hangs off one, so the adapter can make them ([`FlexpriceClient::create_plan`]).
//! Plans are not a neutral resource; this is Flexprice's own call.

use serde::{Deserialize, Serialize};
use unibill_core::{Error, FieldError, Metadata, RawJson, Result, Timestamp};
use unibill_http::{Request, Safety};

use crate::client::FlexpriceClient;
use crate::decode::{non_empty, timestamp, with_raw};

const CREATE: &str = "plans.create";
const NAME_MAX: usize = 255;

/// The input to create a plan: a name, optionally a lookup key (unique among published plans), description and
/// metadata. Built by [`NewPlan::builder`], which checks the rules.
///
/// ```
/// use unibill_flexprice::NewPlan;
/// let plan = NewPlan::builder("Pro").lookup_key("pro").build().unwrap();
/// assert_eq!(plan.name(), "Pro");
/// assert_eq!(NewPlan::builder("").build().unwrap_err().field_errors()[0].field, "name");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewPlan {
    name: String,
    lookup_key: Option<String>,
    description: Option<String>,
    metadata: Option<Metadata>,
}

impl NewPlan {
    /// Starts a plan called `name`.
    pub fn builder(name: impl Into<String>) -> NewPlanBuilder {
        NewPlanBuilder {
            input: NewPlan {
                name: name.into(),
                lookup_key: None,
                description: None,
                metadata: None,
            },
        }
    }

    /// The name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The lookup key.
    pub fn lookup_key(&self) -> Option<&str> {
        self.lookup_key.as_deref()
    }

    /// The description.
    pub fn description(&self) -> Option<&str> {
        self.description.as_deref()
    }

    /// The metadata.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }
}

/// Builds a [`NewPlan`].
#[derive(Debug, Clone)]
pub struct NewPlanBuilder {
    input: NewPlan,
}

impl NewPlanBuilder {
    /// A lookup key, unique among published plans.
    pub fn lookup_key(mut self, v: impl Into<String>) -> Self {
        self.input.lookup_key = Some(v.into());
        self
    }

    /// A description.
    pub fn description(mut self, v: impl Into<String>) -> Self {
        self.input.description = Some(v.into());
        self
    }

    /// Metadata.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.input.metadata = Some(v);
        self
    }

    /// Checks the rules: a name of 1..=255 characters, a non-empty lookup key when set.
    pub fn build(self) -> Result<NewPlan> {
        let mut errors = Vec::new();
        let len = self.input.name.chars().count();
        if len == 0 || len > NAME_MAX {
            errors.push(FieldError::new(
                "name",
                format!("must be 1 to {NAME_MAX} characters"),
            ));
        }
        if self.input.lookup_key.as_deref() == Some("") {
            errors.push(FieldError::new("lookup_key", "must not be empty when set"));
        }
        if errors.is_empty() {
            Ok(self.input)
        } else {
            Err(Error::invalid_fields(errors))
        }
    }
}

/// A Flexprice plan, as created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Plan {
    /// The `plan_…` id: the neutral product id of its prices.
    pub id: String,
    /// The name (the default display name of its fixed prices).
    pub name: String,
    /// The lookup key.
    pub lookup_key: Option<String>,
    /// The description.
    pub description: Option<String>,
    /// The metadata.
    pub metadata: Metadata,
    /// Whether the plan is published (not archived).
    pub active: bool,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// The provider's JSON, as received.
    pub raw: Option<RawJson>,
}

#[derive(Serialize)]
struct CreatePlan<'a> {
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    lookup_key: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    description: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<&'a std::collections::BTreeMap<String, String>>,
}

#[derive(Deserialize)]
struct WirePlan {
    id: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    lookup_key: Option<String>,
    #[serde(default)]
    description: Option<String>,
    #[serde(default)]
    metadata: Option<std::collections::BTreeMap<String, serde_json::Value>>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    created_at: Option<String>,
}

impl FlexpriceClient {
    /// Creates a plan (`POST /plans`), the parent every price needs.
    ///
    /// Not retried once it may have reached the server (`Unsafe`): plans have no lookup the adapter uses, so
    /// a lost answer is `OutcomeUnknown`.
    pub async fn create_plan(&self, input: NewPlan) -> Result<Plan> {
        let body = CreatePlan {
            name: input.name(),
            lookup_key: input.lookup_key(),
            description: input.description(),
            metadata: input.metadata().map(Metadata::as_map),
        };
        let request = Request::post(CREATE, "/plans")
            .path(["plans"])
            .json(&body)?;
        self.exec
            .send(request, Safety::Unsafe, |response| {
                let (w, raw) = with_raw::<WirePlan>(&response)?;
                Ok(Plan {
                    id: w.id,
                    name: w.name.unwrap_or_default(),
                    lookup_key: non_empty(w.lookup_key),
                    description: non_empty(w.description),
                    metadata: w
                        .metadata
                        .unwrap_or_default()
                        .into_iter()
                        .filter_map(|(k, v)| match v {
                            serde_json::Value::String(s) => Some((k, s)),
                            _ => None,
                        })
                        .collect(),
                    active: w.status.as_deref().is_none_or(|s| s == "published"),
                    created_at: timestamp(w.created_at.as_deref()),
                    raw: Some(raw),
                })
            })
            .await
    }
}
