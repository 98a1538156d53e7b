//! The feature and grant operations, without I/O: each request as a value, each answer decoded, and what a
//! lookup by key means for a create or a grant.

use unibill_core::{
    Error, ErrorKind, Feature, FeatureGrant, FeatureKind, FeatureListQuery, Grant, Limit,
    NewFeature, Result,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{
    CreateEntitlement, CreateFeature, SearchEntitlements, SearchFeatures, WireEntitlement,
    WireFeature,
};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

pub(crate) const CREATE: &str = "features.create";
pub(crate) const SEARCH: &str = "features.search";
const LIST: &str = "features.list";
pub(crate) const GRANT: &str = "features.grant";
const GRANT_SEARCH: &str = "features.grant_search";

/// `POST /features` of a boolean feature, or of a metered one on the existing meter `meter_id` (looked up
/// first by its key). A metered input without its meter id is a bug of the caller (`InvalidInput`).
pub fn create_request(input: &NewFeature, meter_id: Option<&str>) -> Result<Request> {
    let kind = match input.kind() {
        FeatureKind::Boolean => "boolean",
        FeatureKind::Metered { .. } if meter_id.is_some() => "metered",
        FeatureKind::Metered { .. } => {
            return Err(Error::invalid_field(
                "kind.meter_key",
                "a metered feature needs its meter's id",
            ));
        }
        FeatureKind::Other(name) => {
            return Err(Error::invalid_field(
                "kind",
                format!("`{name}` is not a feature kind unibill can create"),
            ));
        }
    };
    let body = CreateFeature {
        name: input.name(),
        kind,
        lookup_key: input.key(),
        description: input.description(),
        meter_id: meter_id.filter(|_| kind == "metered"),
        meter: None,
    };
    Request::post(CREATE, "/features")
        .path(["features"])
        .json(&body)
}

/// `POST /features/search` for the published feature holding `key` (meters expanded). The answer's first
/// item is the holder: the lookup key is unique among published features.
pub fn search_request(key: &str) -> Result<Request> {
    Request::post(SEARCH, "/features/search")
        .path(["features", "search"])
        .json(&SearchFeatures::page(Some(key), 1, 0))
}

/// `POST /features/search`, one page of published features, oldest first, meters expanded.
pub(crate) fn list_request(query: &FeatureListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let request = Request::post(LIST, "/features/search")
        .path(["features", "search"])
        .json(&SearchFeatures::page(None, at.limit, at.offset))?;
    Ok((request, at))
}

/// A feature answer (create, get), `raw` kept.
pub fn decode_feature(response: Response) -> Result<Feature> {
    let (wire, raw) = with_raw::<WireFeature>(&response)?;
    Ok(wire.into_feature(raw))
}

/// A feature search page: its features and the server's total.
pub fn decode_feature_list(response: Response) -> Result<(Vec<Feature>, Option<u64>)> {
    decode_items(&response, |w: WireFeature, raw| Ok(w.into_feature(raw)))
}

/// The first feature of a search by key whose key is `key` (the server's filter, checked again), or `None`.
pub fn decode_found_feature(key: &str, response: Response) -> Result<Option<Feature>> {
    let (items, _) = decode_feature_list(response)?;
    Ok(items.into_iter().find(|f| f.key == key))
}

/// What the feature holding the input's key says about a create: the same kind → `AlreadyExists` carrying
/// it; another kind → `Conflict`; nothing → `None` (create it).
pub(crate) fn existing(input: &NewFeature, found: Option<Feature>) -> Result<()> {
    let Some(f) = found else { return Ok(()) };
    if f.kind == *input.kind() {
        let id = f.id.as_ref().map(|id| id.as_str().to_owned());
        return Err(Error::already_exists(
            format!("a feature with lookup key `{}` already exists", input.key()),
            id,
        )
        .with_existing(f)
        .with_provider(PROVIDER)
        .with_operation(CREATE));
    }
    Err(Error::new(
        ErrorKind::Conflict,
        format!(
            "feature `{}` already exists as a {} feature, not as the one asked for",
            input.key(),
            f.kind.name()
        ),
    )
    .with_provider(PROVIDER)
    .with_operation(CREATE))
}

/// What the lookup after an ambiguous create (or a 409) found.
pub(crate) fn created(input: &NewFeature, found: Option<Feature>) -> Lookup<Feature> {
    match found {
        Some(f) if f.kind == *input.kind() => Lookup::Found(f),
        Some(f) => Lookup::Mismatch {
            existing_id: f.id.map(|id| id.as_str().to_owned()),
        },
        None => Lookup::Missing,
    }
}

/// `POST /entitlements`: `grant` on the feature `feature_id`. A boolean feature's limit, or a limit the wire
/// cannot carry (fractional), is `InvalidInput` on `limit`.
pub fn grant_request(grant: &Grant, feature_id: &str, metered: bool) -> Result<Request> {
    let body = CreateEntitlement::new(grant, feature_id, metered)?;
    Request::post(GRANT, "/entitlements")
        .path(["entitlements"])
        .json(&body)
}

/// `POST /entitlements/search` for the plan's published entitlements of one feature.
pub fn grant_search_request(plan_id: &str, feature_id: &str) -> Result<Request> {
    Request::post(GRANT_SEARCH, "/entitlements/search")
        .path(["entitlements", "search"])
        .json(&SearchEntitlements {
            plan_ids: [plan_id],
            feature_ids: [feature_id],
            status: "published",
            limit: 10,
        })
}

/// An entitlement answer (create), read as the grant `asked`.
pub fn decode_grant(asked: &Grant, response: Response) -> Result<FeatureGrant> {
    let (wire, raw) = with_raw::<WireEntitlement>(&response)?;
    Ok(wire.into_grant(asked, raw))
}

/// An entitlement search: the first enabled grant of the feature to the plan, read as the grant `asked`.
pub fn decode_found_grant(asked: &Grant, response: Response) -> Result<Option<FeatureGrant>> {
    let (items, _) = decode_items(&response, |w: WireEntitlement, raw| {
        Ok(w.enabled().then(|| w.into_grant(asked, raw)))
    })?;
    Ok(items.into_iter().flatten().next())
}

/// Whether the grant found is the one asked for (a boolean grant: it exists and is enabled).
pub(crate) fn grant_matches(asked: &Grant, found: &FeatureGrant, metered: bool) -> bool {
    if metered {
        found.limit == asked.limit()
            && found.resets == *asked.resets()
            && found.soft == asked.soft()
    } else {
        asked.limit() == Limit::Unlimited
    }
}

/// What the grant found before sending says: the same → it; another → `Conflict` (one grant per feature
/// and plan).
pub(crate) fn granted(
    asked: &Grant,
    found: Option<FeatureGrant>,
    metered: bool,
) -> Result<Option<FeatureGrant>> {
    match found {
        Some(g) if grant_matches(asked, &g, metered) => Ok(Some(g)),
        Some(_) => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "feature `{}` is already granted to plan {} with another limit, reset or softness",
                asked.feature_key(),
                asked.product_id()
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(GRANT)),
        None => Ok(None),
    }
}

/// The lookup of a grant after an ambiguous attempt.
pub(crate) fn grant_lookup(
    asked: &Grant,
    found: Option<FeatureGrant>,
    metered: bool,
) -> Lookup<FeatureGrant> {
    match found {
        Some(g) if grant_matches(asked, &g, metered) => Lookup::Found(g),
        Some(g) => Lookup::Mismatch { existing_id: g.id },
        None => Lookup::Missing,
    }
}

/// `NotFound` for a feature key nothing holds.
pub(crate) fn no_feature(key: &str, operation: &'static str) -> Error {
    Error::not_found(format!("no published feature has lookup key `{key}`"))
        .with_provider(PROVIDER)
        .with_operation(operation)
}
