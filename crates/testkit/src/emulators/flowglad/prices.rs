//! `POST/GET /api/v1/prices`, `GET/PUT /api/v1/prices/{id}` (notes §2).

use serde_json::{Map, Value, json};

use super::errors::{ApiError, invalid_type, no_matching_discriminator, received};
use super::pagination::ListQuery;
use super::state::{Price, PriceType, Store};
use super::zod::Fields;

const INTERVAL_UNITS: &[&str] = &["day", "week", "month", "year"];

/// The `{price: {...}}` object of a body, or the zod issue for its absence.
fn price_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    let Some(outer) = body.as_object() else {
        return Err(ApiError::zod(vec![invalid_type(
            &[],
            "object",
            received(Some(body)),
        )]));
    };
    match outer.get("price") {
        Some(Value::Object(price)) => Ok(price),
        other => Err(ApiError::zod(vec![invalid_type(
            &["price"],
            "object",
            received(other),
        )])),
    }
}

/// The discriminator, or the "No matching discriminator" issue.
fn price_type(price: &Map<String, Value>) -> Result<PriceType, ApiError> {
    price
        .get("type")
        .and_then(Value::as_str)
        .and_then(PriceType::parse)
        .ok_or_else(|| ApiError::zod(vec![no_matching_discriminator(&["price", "type"])]))
}

/// An int column: values beyond int32 fail at insert with an unmapped exception (500).
fn int4(n: i128) -> Result<i64, ApiError> {
    if n > i128::from(i32::MAX) {
        return Err(ApiError::Internal);
    }
    i64::try_from(n).map_err(|_| ApiError::Internal)
}

fn opt_int4(n: Option<i128>) -> Result<Option<i64>, ApiError> {
    n.map(int4).transpose()
}

/// Whether another active price in the pricing model already holds `slug` (ignoring `except`).
fn slug_clash(store: &Store, slug: &str, except: &[usize]) -> bool {
    store.prices.iter().enumerate().any(|(i, p)| {
        !except.contains(&i)
            && p.active
            && p.pricing_model_id == store.pricing_model_id
            && p.slug.as_deref() == Some(slug)
    })
}

fn slug_clash_error(store: &Store, slug: &str) -> ApiError {
    ApiError::database(format!(
        "duplicate slug \"{slug}\" in pricing model {}",
        store.pricing_model_id
    ))
}

/// POST /api/v1/prices.
pub(crate) fn create(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let price = price_object(body)?;
    let kind = price_type(price)?;
    let mut f = Fields::new(price, "price");
    let name = f.nullable_string("name").flatten();
    let slug = f.nullable_string("slug").flatten();
    let is_default = f.boolean("isDefault");
    let unit_price = f.amount("unitPrice");
    let _active = f.optional_boolean("active");
    let (mut interval_unit, mut interval_count, mut trial, mut events) = (None, None, None, None);
    let (mut product_id, mut meter_id) = (None, None);
    match kind {
        PriceType::Subscription => {
            interval_unit = f.one_of("intervalUnit", INTERVAL_UNITS);
            interval_count = f.positive_int("intervalCount");
            trial = f.nullable_amount("trialPeriodDays");
            f.null_or_absent("usageEventsPerUnit");
            product_id = f.string("productId");
            f.null_or_absent("usageMeterId");
        }
        PriceType::SinglePayment => {
            f.null_or_absent("intervalUnit");
            f.null_or_absent("intervalCount");
            f.null_or_absent("trialPeriodDays");
            f.null_or_absent("usageEventsPerUnit");
            product_id = f.string("productId");
            f.null_or_absent("usageMeterId");
        }
        PriceType::Usage => {
            interval_unit = f.one_of("intervalUnit", INTERVAL_UNITS);
            interval_count = f.positive_int("intervalCount");
            f.null_or_absent("trialPeriodDays");
            events = f.positive_int("usageEventsPerUnit");
            f.null_or_absent("productId");
            meter_id = f.string("usageMeterId");
        }
    }
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let (Some(is_default), Some(unit_price)) = (is_default, unit_price) else {
        return Err(ApiError::Internal);
    };

    // Business rules, then the insert (one transaction: nothing changes unless everything passes).
    let mut archive = Vec::new();
    let mut undefault = Vec::new();
    let stored_default;
    if let Some(pid) = &product_id {
        let product = store
            .product(pid)
            .ok_or_else(|| ApiError::not_found("Product not found"))?
            .clone();
        archive = (0..store.prices.len())
            .filter(|&i| store.prices[i].product_id.as_deref() == Some(pid.as_str()))
            .collect();
        if product.is_default && !archive.is_empty() {
            return Err(ApiError::forbidden(
                "Cannot create additional prices for the default plan",
            ));
        }
        if product.is_default && unit_price != 0 {
            return Err(ApiError::bad_request(
                "Default prices on default products must have unitPrice = 0",
            ));
        }
        if archive.iter().any(|&i| store.prices[i].kind != kind) {
            return Err(ApiError::forbidden(
                "Cannot create price of a different type than the existing prices for the product",
            ));
        }
        stored_default = true;
    } else {
        let mid = meter_id.clone().unwrap_or_default();
        if store.meter(&mid).is_none() {
            return Err(ApiError::not_found("Usage meter not found"));
        }
        if slug.as_deref().is_some_and(|s| s.ends_with("_no_charge")) {
            return Err(ApiError::bad_request(
                "Usage price slugs ending with \"_no_charge\" are reserved for the usage meter's no-charge price",
            ));
        }
        if is_default {
            undefault = (0..store.prices.len())
                .filter(|&i| store.prices[i].usage_meter_id.as_deref() == Some(mid.as_str()))
                .collect();
        }
        stored_default = is_default;
    }
    let unit_price = int4(unit_price)?;
    let interval_count = opt_int4(interval_count)?;
    let trial = opt_int4(trial)?;
    let events = opt_int4(events)?;
    if let Some(s) = slug.as_deref().filter(|s| slug_clash(store, s, &archive)) {
        return Err(slug_clash_error(store, s));
    }

    let now = store.now_ms();
    for &i in &archive {
        let p = &mut store.prices[i];
        p.is_default = false;
        p.active = false;
        p.updated_at = now;
    }
    for &i in &undefault {
        let p = &mut store.prices[i];
        if p.is_default {
            p.is_default = false;
            p.updated_at = now;
        }
    }
    let created = Price {
        id: store.new_id("price_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        kind,
        name,
        slug,
        unit_price,
        currency: store.currency.clone(),
        is_default: stored_default,
        active: true,
        interval_unit,
        interval_count,
        trial_period_days: trial,
        usage_events_per_unit: events,
        product_id,
        usage_meter_id: meter_id,
    };
    let out = json!({"price": created.to_json()});
    store.prices.push(created);
    Ok(out)
}

/// GET /api/v1/prices/{id}.
pub(crate) fn get(store: &Store, id: &str) -> Result<Value, ApiError> {
    let i = store
        .price_index(id)
        .ok_or_else(|| ApiError::not_found("Price not found"))?;
    Ok(json!({"price": store.prices[i].to_json()}))
}

/// GET /api/v1/prices: every visible price, archived included, whatever filters were sent.
pub(crate) fn list(store: &Store, query: &ListQuery) -> Value {
    let rows = store
        .prices
        .iter()
        .filter(|p| store.visible(&p.pricing_model_id, p.livemode))
        .map(|p| (p.created_at, p.id.clone(), p))
        .collect();
    query.page(rows, |p| p.to_json())
}

/// PUT /api/v1/prices/{id}: the path id is ignored, the body's `price.id` is the one updated.
pub(crate) fn update(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let price = price_object(body)?;
    let kind = price_type(price)?;
    let mut f = Fields::new(price, "price");
    let id = f.string("id");
    let is_default = f.boolean("isDefault");
    let name = f.nullable_string("name");
    let slug = f.nullable_string("slug");
    let active = f.optional_boolean("active");
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let (Some(id), Some(is_default)) = (id, is_default) else {
        return Err(ApiError::Internal);
    };
    let index = store
        .price_index(&id)
        .ok_or_else(|| ApiError::not_found("Price not found"))?;
    let current = store.prices[index].clone();
    if current.kind != kind {
        return Err(ApiError::bad_request(
            "Cannot change type after price creation. This field is immutable.",
        ));
    }
    let new_slug = slug.unwrap_or(current.slug.clone());
    let new_active = active.unwrap_or(current.active);
    let clash = new_slug
        .as_deref()
        .filter(|s| new_active && slug_clash(store, s, &[index]));
    if let Some(s) = clash {
        return Err(slug_clash_error(store, s));
    }
    let now = store.now_ms();
    if is_default {
        for (i, p) in store.prices.iter_mut().enumerate() {
            let sibling = i != index
                && p.is_default
                && ((current.product_id.is_some() && p.product_id == current.product_id)
                    || (current.usage_meter_id.is_some()
                        && p.usage_meter_id == current.usage_meter_id));
            if sibling {
                p.is_default = false;
                p.updated_at = now;
            }
        }
    }
    let p = &mut store.prices[index];
    if let Some(name) = name {
        p.name = name;
    }
    p.slug = new_slug;
    p.active = new_active;
    p.is_default = is_default;
    p.updated_at = now;
    Ok(json!({"price": p.to_json()}))
}
