//! Features (entitlement definitions) and their attachment to products (lifecycle notes §3):
//! `POST/GET /api/v1/features`, `GET/PUT /api/v1/features/{id}`, `POST /api/v1/product-features`,
//! `POST /api/v1/product-features/{id}/expire`.

use serde_json::{Value, json};

use super::errors::{ApiError, no_matching_discriminator};
use super::pagination::ListQuery;
use super::state::{ORGANIZATION_ID, Store};
use super::usage_meters::wrapped;
use super::zod::Fields;

const FEATURE_TYPES: &[&str] = &["toggle", "usage_credit_grant", "resource"];
const RENEWAL_FREQUENCIES: &[&str] = &["once", "every_billing_period"];

/// A stored feature.
#[derive(Debug, Clone)]
pub(crate) struct Feature {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub pricing_model_id: String,
    /// `toggle`, `usage_credit_grant` or `resource`.
    pub kind: String,
    pub slug: String,
    pub name: String,
    pub description: String,
    pub amount: Option<i64>,
    pub usage_meter_id: Option<String>,
    pub renewal_frequency: Option<String>,
    pub resource_id: Option<String>,
    pub active: bool,
}

impl Feature {
    /// The wire record.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "organizationId": ORGANIZATION_ID,
            "type": self.kind,
            "slug": self.slug,
            "name": self.name,
            "description": self.description,
            "amount": self.amount,
            "usageMeterId": self.usage_meter_id,
            "renewalFrequency": self.renewal_frequency,
            "resourceId": self.resource_id,
            "pricingModelId": self.pricing_model_id,
            "active": self.active,
        })
    }
}

/// A feature attached to a product (plan); `expired_at` detaches it.
#[derive(Debug, Clone)]
pub(crate) struct ProductFeature {
    pub id: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub livemode: bool,
    pub product_id: String,
    pub feature_id: String,
    pub expired_at: Option<i64>,
}

impl ProductFeature {
    /// The wire record.
    pub fn to_json(&self) -> Value {
        json!({
            "id": self.id,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
            "livemode": self.livemode,
            "organizationId": ORGANIZATION_ID,
            "productId": self.product_id,
            "featureId": self.feature_id,
            "expiredAt": self.expired_at,
        })
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Feature not found")
}

fn feature_index(store: &Store, id: &str) -> Option<usize> {
    store
        .features
        .iter()
        .position(|f| f.id == id && store.visible(&f.pricing_model_id, f.livemode))
}

/// POST /api/v1/features: the union on `type`; `pricingModelId` is required in the body.
pub(crate) fn create(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let obj = wrapped(body, "feature")?;
    let kind = obj
        .get("type")
        .and_then(Value::as_str)
        .filter(|t| FEATURE_TYPES.contains(t))
        .ok_or_else(|| ApiError::zod(vec![no_matching_discriminator(&["feature", "type"])]))?
        .to_owned();
    let mut f = Fields::new(obj, "feature");
    let slug = f.string("slug");
    let name = f.string("name");
    let description = f.string("description");
    let pricing_model_id = f.string("pricingModelId");
    let active = f.optional_boolean("active").unwrap_or(true);
    let (mut amount, mut meter_id, mut renewal, mut resource_id) = (None, None, None, None);
    match kind.as_str() {
        "toggle" => {
            f.null_or_absent("amount");
            f.null_or_absent("usageMeterId");
            f.null_or_absent("renewalFrequency");
            f.null_or_absent("resourceId");
        }
        "usage_credit_grant" => {
            amount = f.positive_int("amount");
            meter_id = f.string("usageMeterId");
            renewal = f.one_of("renewalFrequency", RENEWAL_FREQUENCIES);
            f.null_or_absent("resourceId");
        }
        _ => {
            resource_id = f.string("resourceId");
        }
    }
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let (Some(slug), Some(name), Some(description), Some(pricing_model_id)) =
        (slug, name, description, pricing_model_id)
    else {
        return Err(ApiError::Internal);
    };
    // UNVERIFIED: a pricing model other than the key's is treated like any out-of-scope row (404).
    if pricing_model_id != store.pricing_model_id {
        return Err(ApiError::not_found("Pricing model not found"));
    }
    if let Some(mid) = &meter_id
        && store.meter(mid).is_none()
    {
        return Err(ApiError::not_found("Usage meter not found"));
    }
    let amount = match amount {
        Some(n) if n > i128::from(i32::MAX) => return Err(ApiError::Internal),
        Some(n) => Some(i64::try_from(n).map_err(|_| ApiError::Internal)?),
        None => None,
    };
    // UNVERIFIED what a duplicate slug answers: treated like a price-slug clash, an unmapped 500.
    if store
        .features
        .iter()
        .any(|x| x.slug == slug && store.visible(&x.pricing_model_id, x.livemode))
    {
        return Err(ApiError::database(format!(
            "duplicate feature slug \"{slug}\" in pricing model {pricing_model_id}"
        )));
    }
    let now = store.now_ms();
    let feature = Feature {
        id: store.new_id("feature_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id,
        kind,
        slug,
        name,
        description,
        amount,
        usage_meter_id: meter_id,
        renewal_frequency: renewal,
        resource_id,
        active,
    };
    let out = json!({"feature": feature.to_json()});
    store.features.push(feature);
    Ok(out)
}

/// GET /api/v1/features/{id}.
pub(crate) fn get(store: &Store, id: &str) -> Result<Value, ApiError> {
    let i = feature_index(store, id).ok_or_else(not_found)?;
    Ok(json!({"feature": store.features[i].to_json()}))
}

/// GET /api/v1/features.
pub(crate) fn list(store: &Store, query: &ListQuery) -> Value {
    let rows = store
        .features
        .iter()
        .filter(|f| store.visible(&f.pricing_model_id, f.livemode))
        .map(|f| (f.created_at, f.id.clone(), f))
        .collect();
    query.page(rows, Feature::to_json)
}

/// PUT /api/v1/features/{id}: `name`, `description`, `active` (type, slug and grant terms stay).
pub(crate) fn update(store: &mut Store, id: &str, body: &Value) -> Result<Value, ApiError> {
    let obj = wrapped(body, "feature")?;
    let mut f = Fields::new(obj, "feature");
    let name = f.optional_string("name");
    let description = f.optional_string("description");
    let active = f.optional_boolean("active");
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let i = feature_index(store, id).ok_or_else(not_found)?;
    let now = store.now_ms();
    let feature = &mut store.features[i];
    if let Some(v) = name {
        feature.name = v;
    }
    if let Some(v) = description {
        feature.description = v;
    }
    if let Some(v) = active {
        feature.active = v;
    }
    feature.updated_at = now;
    Ok(json!({"feature": feature.to_json()}))
}

/// POST /api/v1/product-features: attach a feature to a product. Subscriptions created (or adjusted) later
/// carry it; existing ones are not touched *(inferred: item features are copied when an item is created)*.
pub(crate) fn attach(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let obj = wrapped(body, "productFeature")?;
    let mut f = Fields::new(obj, "productFeature");
    let product_id = f.string("productId");
    let feature_id = f.string("featureId");
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let (Some(product_id), Some(feature_id)) = (product_id, feature_id) else {
        return Err(ApiError::Internal);
    };
    if store.product(&product_id).is_none() {
        return Err(ApiError::not_found("Product not found"));
    }
    if feature_index(store, &feature_id).is_none() {
        return Err(not_found());
    }
    let now = store.now_ms();
    let pf = ProductFeature {
        id: store.new_id("product_feature_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        product_id,
        feature_id,
        expired_at: None,
    };
    let out = json!({"productFeature": pf.to_json()});
    store.product_features.push(pf);
    Ok(out)
}

/// POST /api/v1/product-features/{id}/expire (empty body allowed): detach from the product.
pub(crate) fn expire(store: &mut Store, id: &str) -> Result<Value, ApiError> {
    let livemode = store.livemode;
    let now = store.now_ms();
    let pf = store
        .product_features
        .iter_mut()
        .find(|p| p.id == id && p.livemode == livemode)
        .ok_or_else(|| ApiError::not_found("Product feature not found"))?;
    if pf.expired_at.is_none() {
        pf.expired_at = Some(now);
        pf.updated_at = now;
    }
    Ok(json!({"productFeature": pf.to_json()}))
}

/// The active features attached (unexpired) to `product_id`.
pub(crate) fn of_product(store: &Store, product_id: &str) -> Vec<Feature> {
    store
        .product_features
        .iter()
        .filter(|pf| pf.product_id == product_id && pf.expired_at.is_none())
        .filter_map(|pf| store.features.iter().find(|f| f.id == pf.feature_id))
        .filter(|f| f.active)
        .cloned()
        .collect()
}
