//! The plan model: Flexprice's own input and read model for plans, which are not a neutral resource (the
//! neutral product id of a price is its plan's id).

use serde::{Deserialize, Serialize};
use unibill_core::{
    Cursor, Error, FieldError, Metadata, QueryFingerprint, RawJson, Result, Timestamp,
};

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
    /// The ids of the prices hanging off it, ended ones included (only [`get_plan`]'s answer embeds them; empty
    /// otherwise).
    ///
    /// [`get_plan`]: crate::FlexpriceClient::get_plan
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub price_ids: Vec<String>,
    /// When it was created.
    pub created_at: Option<Timestamp>,
    /// The provider's JSON, as received.
    pub raw: Option<RawJson>,
}

/// What [`FlexpriceClient::list_plans`] lists: published plans (or archived ones too), a page at a time.
///
/// ```
/// use unibill_flexprice::PlanListQuery;
/// let q = PlanListQuery::new().limit(20).include_archived(true);
/// assert_eq!((q.limit, q.include_archived), (Some(20), true));
/// assert_ne!(q.fingerprint(), PlanListQuery::new().fingerprint(), "cursors are tagged with the filter");
/// ```
///
/// [`FlexpriceClient::list_plans`]: crate::FlexpriceClient::list_plans
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanListQuery {
    /// Page size (at most 1000; default 50).
    pub limit: Option<u32>,
    /// Where to continue (a page's `next_cursor`).
    pub cursor: Option<Cursor>,
    /// Archived plans too.
    pub include_archived: bool,
    /// Bounds [`list_all_plans`] (default [`DEFAULT_MAX_PAGES`]).
    ///
    /// [`list_all_plans`]: crate::FlexpriceClient::list_all_plans
    /// [`DEFAULT_MAX_PAGES`]: unibill_core::DEFAULT_MAX_PAGES
    pub max_pages: Option<u32>,
}

impl PlanListQuery {
    /// Published plans, the server's default page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues from a cursor.
    pub fn cursor(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }

    /// Lists archived plans too.
    pub fn include_archived(mut self, yes: bool) -> Self {
        self.include_archived = yes;
        self
    }

    /// Bounds [`list_all_plans`](crate::FlexpriceClient::list_all_plans) to `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// A fingerprint of the filters (not limit or cursor), to tag cursors with.
    pub fn fingerprint(&self) -> u64 {
        QueryFingerprint::new()
            .with("plans")
            .with_bool(self.include_archived)
            .finish()
    }
}
