//! `POST/GET /api/v1/usage-meters`, `GET/PUT /api/v1/usage-meters/{id}` (lifecycle notes §2).

use serde_json::{Map, Value, json};

use super::errors::{ApiError, invalid_type, received};
use super::pagination::ListQuery;
use super::state::{Aggregation, Price, PriceType, Store, UsageMeter};
use super::zod::Fields;

const AGGREGATIONS: &[&str] = &["sum", "count_distinct_properties"];

/// The `{key: {...}}` object of a wrapped body, or the zod issue for its absence.
pub(crate) fn wrapped<'a>(body: &'a Value, key: &str) -> Result<&'a Map<String, Value>, ApiError> {
    let Some(outer) = body.as_object() else {
        return Err(ApiError::zod(vec![invalid_type(
            &[],
            "object",
            received(Some(body)),
        )]));
    };
    match outer.get(key) {
        Some(Value::Object(inner)) => Ok(inner),
        other => Err(ApiError::zod(vec![invalid_type(
            &[key],
            "object",
            received(other),
        )])),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Usage meter not found")
}

/// A usage price on `meter` (the automatic `_no_charge` one, or the body's `price`).
fn usage_price(store: &mut Store, meter: &UsageMeter, now: i64, spec: PriceSpec) -> Price {
    Price {
        id: store.new_id("price_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        kind: PriceType::Usage,
        name: Some(spec.name),
        slug: spec.slug,
        unit_price: spec.unit_price,
        currency: store.currency.clone(),
        is_default: spec.is_default,
        active: true,
        // UNVERIFIED: the interval of a meter's automatic price; a month, as the fixtures' usage price.
        interval_unit: Some("month".into()),
        interval_count: Some(1),
        trial_period_days: None,
        usage_events_per_unit: Some(spec.events_per_unit),
        product_id: None,
        usage_meter_id: Some(meter.id.clone()),
    }
}

struct PriceSpec {
    name: String,
    slug: Option<String>,
    unit_price: i64,
    events_per_unit: i64,
    is_default: bool,
}

/// POST /api/v1/usage-meters: the meter and its `<slug>_no_charge` price, plus the optional `price` (which then
/// becomes the meter's default price).
pub(crate) fn create(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let m = wrapped(body, "usageMeter")?;
    let mut f = Fields::new(m, "usageMeter");
    let name = f.string("name");
    let slug = f.string("slug");
    let aggregation = if f.has("aggregationType") {
        f.one_of("aggregationType", AGGREGATIONS)
    } else {
        Some("sum".to_owned())
    };
    let mut issues = f.issues;
    let mut extra = None;
    if let Some(Value::Object(p)) = body.get("price") {
        let mut pf = Fields::new(p, "price");
        let unit_price = pf.amount("unitPrice");
        let per_unit = pf.positive_int("usageEventsPerUnit");
        issues.extend(pf.issues);
        extra = unit_price.zip(per_unit);
    }
    if !issues.is_empty() {
        return Err(ApiError::zod(issues));
    }
    let (Some(name), Some(slug), Some(aggregation)) = (name, slug, aggregation) else {
        return Err(ApiError::Internal);
    };
    let aggregation = Aggregation::parse(&aggregation).ok_or(ApiError::Internal)?;
    // UNVERIFIED what a duplicate slug answers: treated like a price-slug clash, an unmapped 500.
    if store.meter_by_slug(&slug).is_some() {
        return Err(ApiError::database(format!(
            "duplicate usage meter slug \"{slug}\" in pricing model {}",
            store.pricing_model_id
        )));
    }
    let extra = match extra {
        Some((unit, per)) => Some((
            i64::try_from(unit).map_err(|_| ApiError::Internal)?,
            i64::try_from(per).map_err(|_| ApiError::Internal)?,
        )),
        None => None,
    };
    if extra.is_some_and(|(u, p)| u > i64::from(i32::MAX) || p > i64::from(i32::MAX)) {
        return Err(ApiError::Internal);
    }
    let now = store.now_ms();
    let meter = UsageMeter {
        id: store.new_id("usage_meter_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        name: name.clone(),
        slug: slug.clone(),
        aggregation,
    };
    let no_charge = usage_price(
        store,
        &meter,
        now,
        PriceSpec {
            name: format!("{name} - No Charge"),
            slug: Some(format!("{slug}_no_charge")),
            unit_price: 0,
            events_per_unit: 1,
            is_default: extra.is_none(),
        },
    );
    store.prices.push(no_charge);
    if let Some((unit_price, events_per_unit)) = extra {
        let price = usage_price(
            store,
            &meter,
            now,
            PriceSpec {
                name: name.clone(),
                slug: None,
                unit_price,
                events_per_unit,
                is_default: true,
            },
        );
        store.prices.push(price);
    }
    let out = json!({"usageMeter": meter.to_json()});
    store.meters.push(meter);
    Ok(out)
}

/// GET /api/v1/usage-meters/{id}.
pub(crate) fn get(store: &Store, id: &str) -> Result<Value, ApiError> {
    let m = store.meter(id).ok_or_else(not_found)?;
    Ok(json!({"usageMeter": m.to_json()}))
}

/// GET /api/v1/usage-meters.
pub(crate) fn list(store: &Store, query: &ListQuery) -> Value {
    let rows = store
        .meters
        .iter()
        .filter(|m| store.visible(&m.pricing_model_id, m.livemode))
        .map(|m| (m.created_at, m.id.clone(), m))
        .collect();
    query.page(rows, UsageMeter::to_json)
}

/// PUT /api/v1/usage-meters/{id}: `name` and `slug` (the aggregation is left as it is).
pub(crate) fn update(store: &mut Store, id: &str, body: &Value) -> Result<Value, ApiError> {
    let m = wrapped(body, "usageMeter")?;
    let mut f = Fields::new(m, "usageMeter");
    let name = f.optional_string("name");
    let slug = f.optional_string("slug");
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let i = store
        .meters
        .iter()
        .position(|m| m.id == id && store.visible(&m.pricing_model_id, m.livemode))
        .ok_or_else(not_found)?;
    let clash =
        slug.as_deref().filter(|s| {
            store.meters.iter().enumerate().any(|(j, m)| {
                j != i && m.slug == *s && store.visible(&m.pricing_model_id, m.livemode)
            })
        });
    if let Some(s) = clash {
        return Err(ApiError::database(format!(
            "duplicate usage meter slug \"{s}\" in pricing model {}",
            store.pricing_model_id
        )));
    }
    let now = store.now_ms();
    let m = &mut store.meters[i];
    if let Some(v) = name {
        m.name = v;
    }
    if let Some(v) = slug {
        m.slug = v;
    }
    m.updated_at = now;
    Ok(json!({"usageMeter": m.to_json()}))
}

/// Index of the meter's default price (the price a meter reference bills at).
pub(crate) fn default_price(store: &Store, meter_id: &str) -> Option<usize> {
    store.prices.iter().position(|p| {
        p.is_default
            && p.usage_meter_id.as_deref() == Some(meter_id)
            && store.visible(&p.pricing_model_id, p.livemode)
    })
}
