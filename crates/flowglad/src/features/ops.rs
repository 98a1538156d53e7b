//! Feature operations as values. No I/O here.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | create (boolean) | `POST /api/v1/features` `{"feature": {type: "toggle", slug, name, description, pricingModelId}}` | `Reconcile` on the slug (a bounded scan, finding 12) |
//! | get_by_key | the scan of `GET /api/v1/features?limit&cursor` | `Safe` |
//! | list | `GET /api/v1/features?limit&cursor` | `Safe` |
//! | grant (boolean) | `POST /api/v1/product-features` `{"productFeature": {productId, featureId}}` | `Unsafe` (no lookup route) |

use unibill_core::{
    Error, ErrorKind, Feature, FeatureGrant, FeatureKind, FeatureListQuery, Grant, NewFeature,
    Page, Result,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{
    self, CreateBody, FeatureEnvelope, GrantBody, NewProductFeature, NewToggle,
    ProductFeatureEnvelope, WireProductFeature,
};
use crate::PROVIDER;
use crate::decode::record;
use crate::pagination;

/// The operation names.
pub const CREATE: &str = "features.create";
/// The slug scan.
pub const FIND: &str = "features.find_by_key";
/// Grant.
pub const GRANT: &str = "features.grant";

/// `POST /api/v1/features` for a boolean feature in `pricing_model_id`; the description is the name when
/// absent (Flowglad requires one). A metered feature is `Unsupported`: Flowglad's credit grant carries its
/// amount on the feature, which the neutral input does not.
pub fn create_request(input: &NewFeature, pricing_model_id: &str) -> Result<Request> {
    if !matches!(input.kind(), FeatureKind::Boolean) {
        return Err(
            Error::unsupported(PROVIDER, format!("a {} feature", input.kind().name()))
                .with_operation(CREATE),
        );
    }
    if pricing_model_id.is_empty() {
        return Err(Error::invalid_field(
            "pricing_model_id",
            "must not be empty",
        ));
    }
    Request::post(CREATE, "/api/v1/features")
        .path(["api", "v1", "features"])
        .json(&CreateBody {
            feature: NewToggle {
                r#type: "toggle",
                slug: input.key(),
                name: input.name(),
                description: input.description().unwrap_or(input.name()),
                pricing_model_id,
            },
        })
}

/// `GET /api/v1/features?limit&cursor`.
pub fn list_request(query: &FeatureListQuery) -> Result<Request> {
    pagination::with_page(
        Request::get("features.list", "/api/v1/features").path(["api", "v1", "features"]),
        query.limit,
        query.cursor.as_ref(),
        query.fingerprint(),
    )
}

/// `{"feature": …}`.
pub fn decode_feature(response: Response) -> Result<Feature> {
    let envelope: FeatureEnvelope = response.json()?;
    wire::feature(envelope.feature)
}

/// One list page.
pub fn decode_feature_page(response: Response, query: &FeatureListQuery) -> Result<Page<Feature>> {
    pagination::decode_page(&response, query.fingerprint(), wire::feature, |_| true)
}

/// The create's lookup: the feature with the input's slug is it when its name and kind agree.
pub fn slug_lookup(input: &NewFeature, found: Option<Feature>) -> Lookup<Feature> {
    match found {
        Some(f) if f.name == input.name() && &f.kind == input.kind() => Lookup::Found(f),
        Some(f) => Lookup::Mismatch {
            existing_id: f.id.map(|id| id.as_str().to_owned()),
        },
        None => Lookup::Missing,
    }
}

/// `POST /api/v1/product-features` granting `feature` (a boolean one, with no limit) to the grant's product.
pub fn grant_request(grant: &Grant, feature: &Feature) -> Result<Request> {
    if !matches!(feature.kind, FeatureKind::Boolean) {
        return Err(Error::unsupported(
            PROVIDER,
            "granting a credit-grant feature (its amount is on the feature: make another feature)",
        )
        .with_operation(GRANT));
    }
    if grant.limit().finite().is_some() {
        return Err(Error::invalid_field(
            "limit",
            "a boolean feature has no limit on Flowglad",
        ));
    }
    let feature_id = feature.id.as_ref().map(|i| i.as_str()).unwrap_or_default();
    if feature_id.is_empty() || grant.product_id().as_str().is_empty() {
        return Err(Error::invalid_field("product_id", "must not be empty"));
    }
    Request::post(GRANT, "/api/v1/product-features")
        .path(["api", "v1", "product-features"])
        .json(&GrantBody {
            product_feature: NewProductFeature {
                product_id: grant.product_id().as_str(),
                feature_id,
            },
        })
}

/// `{"productFeature": …}` → the grant, with the product feature's id.
pub fn decode_grant(grant: &Grant, response: Response) -> Result<FeatureGrant> {
    let envelope: ProductFeatureEnvelope = response.json()?;
    let (w, raw) = record::<WireProductFeature>(envelope.product_feature, "product feature")?;
    let mut g = FeatureGrant::from_input(grant).provider(PROVIDER).raw(raw);
    if let Some(id) = w.id {
        g = g.id(id);
    }
    Ok(g)
}

/// No feature holds `key`.
pub fn no_feature(key: &str, op: &'static str) -> Error {
    Error::new(
        ErrorKind::NotFound,
        format!("no Flowglad feature has slug `{key}`"),
    )
    .with_provider(PROVIDER)
    .with_operation(op)
}

/// What the slug lookup before the first attempt means: free (`Ok`), held by the same feature (`AlreadyExists`
/// with it, as `ensure` expects), or held by another one (`Conflict`).
pub fn existing(input: &NewFeature, found: Lookup<Feature>) -> Result<()> {
    match found {
        Lookup::Missing => Ok(()),
        Lookup::Found(x) => Err(Error::already_exists(
            format!(
                "a Flowglad feature with slug `{}` already exists",
                input.key()
            ),
            x.id.as_ref().map(|id| id.as_str().to_owned()),
        )
        .with_existing(x)
        .with_provider(PROVIDER)
        .with_operation(CREATE)),
        Lookup::Mismatch { existing_id } => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "the slug `{}` is held by another Flowglad feature ({})",
                input.key(),
                existing_id.as_deref().unwrap_or("?")
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(CREATE)),
    }
}
