//! Plans: every Flexprice price hangs off one, so the adapter can make, read, list and archive them
//! ([`FlexpriceClient::create_plan`], [`FlexpriceClient::get_plan`], [`FlexpriceClient::list_plans`],
//! [`FlexpriceClient::archive_plan`]). Plans are not a neutral resource; these are Flexprice's own calls.

use futures::stream::BoxStream;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::page::paginate;
use unibill_core::{
    Cursor, DEFAULT_MAX_PAGES, Error, FieldError, Metadata, Page, PageProgress, QueryFingerprint,
    RawJson, Result, Timestamp,
};
use unibill_http::{Lookup, Request, Response, Safety};

use crate::client::FlexpriceClient;
use crate::decode::{envelope, item_with_raw, non_empty, timestamp, with_raw};
use crate::pagination::{self, next_cursor, start_offset};

const CREATE: &str = "plans.create";
const GET: &str = "plans.get";
const LIST: &str = "plans.list";
const ARCHIVE: &str = "plans.archive";
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
    /// The ids of the prices hanging off it, ended ones included (only [`FlexpriceClient::get_plan`]'s answer
    /// embeds them; empty otherwise).
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
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct PlanListQuery {
    /// Page size (at most 1000; default 50).
    pub limit: Option<u32>,
    /// Where to continue (a page's `next_cursor`).
    pub cursor: Option<Cursor>,
    /// Archived plans too.
    pub include_archived: bool,
    /// Bounds [`FlexpriceClient::list_all_plans`] (default [`DEFAULT_MAX_PAGES`]).
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

    /// Bounds [`FlexpriceClient::list_all_plans`] to `pages` pages.
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

/// `POST /plans/search` body (`types.PlanFilter`): `sort` there is an array of conditions, so it is left to
/// the server's default (`created_at`), ascending by `order`.
#[derive(Debug, Serialize, PartialEq, Eq)]
struct SearchPlans {
    limit: u32,
    offset: u64,
    order: &'static str,
    /// `published` hides archived plans; absent, the server lists every plan but deleted ones.
    #[serde(skip_serializing_if = "Option::is_none")]
    status: Option<&'static str>,
}

/// `{items, pagination}` of a plan search, the items kept raw.
#[derive(Deserialize)]
struct WirePlanList {
    #[serde(default)]
    items: Option<Vec<Box<RawValue>>>,
    #[serde(default)]
    pagination: Option<WirePlanPagination>,
}

/// The pagination of a search (`offset` there is the *next* offset and is not used).
#[derive(Deserialize)]
struct WirePlanPagination {
    #[serde(default)]
    total: Option<u64>,
}

/// An embedded price of `GET /plans/{id}`: only its id is read (the rest stays in the plan's `raw`).
#[derive(Deserialize)]
struct WirePlanPrice {
    id: String,
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
    #[serde(default)]
    prices: Option<Vec<WirePlanPrice>>,
}

fn plan(w: WirePlan, raw: RawJson) -> Plan {
    Plan {
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
        price_ids: w
            .prices
            .unwrap_or_default()
            .into_iter()
            .map(|p| p.id)
            .collect(),
        created_at: timestamp(w.created_at.as_deref()),
        raw: Some(raw),
    }
}

fn decode_one(response: Response) -> Result<Plan> {
    let (w, raw) = with_raw::<WirePlan>(&response)?;
    Ok(plan(w, raw))
}

fn decode_list(response: Response) -> Result<(Vec<Plan>, Option<u64>)> {
    let list: WirePlanList = envelope(&response)?;
    let plans = list
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|raw| item_with_raw::<WirePlan>(raw).map(|(w, raw)| plan(w, raw)))
        .collect::<Result<Vec<_>>>()?;
    Ok((plans, list.pagination.and_then(|p| p.total)))
}

fn non_empty_id(id: &str) -> Result<()> {
    if id.is_empty() {
        return Err(Error::invalid_field("id", "must not be empty"));
    }
    Ok(())
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
        self.exec.send(request, Safety::Unsafe, decode_one).await
    }

    /// Reads a plan (`GET /plans/{id}`), archived ones too, with the ids of its prices.
    pub async fn get_plan(&self, id: &str) -> Result<Plan> {
        non_empty_id(id)?;
        let request = Request::get(GET, "/plans/{id}").path(["plans", id]);
        self.exec.send(request, Safety::Safe, decode_one).await
    }

    /// One page of plans (`POST /plans/search` with `limit`, `offset`, `order: asc` and, unless archived ones
    /// are asked for, `status: published`), oldest first; the next offset is kept in the page's cursor.
    pub async fn list_plans(&self, query: PlanListQuery) -> Result<Page<Plan>> {
        let fingerprint = query.fingerprint();
        let offset = start_offset(query.cursor.as_ref(), fingerprint)?;
        let limit = pagination::limit(query.limit)?;
        let body = SearchPlans {
            limit,
            offset,
            order: "asc",
            status: (!query.include_archived).then_some("published"),
        };
        let request = Request::post(LIST, "/plans/search")
            .path(["plans", "search"])
            .json(&body)?;
        let (items, total) = self.exec.send(request, Safety::Safe, decode_list).await?;
        let next = next_cursor(fingerprint, offset, limit, items.len(), total);
        Ok(Page::new(items, next))
    }

    /// Every plan the query matches, page after page, as a stream holding one page at a time, under a
    /// [`PageProgress`] named `plans.list_all` (a cursor that repeats, a page repeating the one before, or more
    /// than `max_pages` pages end it with an error).
    pub fn list_all_plans(&self, query: PlanListQuery) -> BoxStream<'_, Result<Plan>> {
        let progress = PageProgress::new(
            "plans.list_all",
            query.max_pages.unwrap_or(DEFAULT_MAX_PAGES),
        )
        .provider(crate::PROVIDER)
        .starting_at(query.cursor.as_ref().map(Cursor::as_str));
        paginate(
            query,
            progress,
            move |q| self.list_plans(q),
            |q, c| q.cursor = Some(c),
            |p: &Plan| p.id.as_str(),
        )
    }

    /// Archives a plan (`DELETE /plans/{id}`) and reads it back: its prices stay published, and prices can
    /// still be added to it (notes §6). After an attempt with an unknown outcome, a plan found archived means
    /// the archive went through.
    pub async fn archive_plan(&self, id: &str) -> Result<Plan> {
        non_empty_id(id)?;
        let request = Request::delete(ARCHIVE, "/plans/{id}").path(["plans", id]);
        let deadline = self.exec.call_deadline();
        let safety = Safety::reconcile(move || async move {
            let check = Request::get(GET, "/plans/{id}").path(["plans", id]);
            match self.exec.send(check, Safety::Safe, decode_one).await {
                Ok(p) if p.active => Ok(Lookup::Missing),
                Ok(_) => Ok(Lookup::Found(())),
                Err(e) => Err(e),
            }
        });
        self.exec.send(request, safety, |_| Ok(())).await?;
        let read = Request::get(GET, "/plans/{id}").path(["plans", id]);
        deadline
            .run(GET, self.exec.send(read, Safety::Safe, decode_one))
            .await
    }
}
