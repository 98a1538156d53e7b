//! The customer billing aggregate (lifecycle notes §5): `GET /api/v1/customers/{externalId}/billing` and
//! `GET /api/v1/customers/{externalId}/usage-balances`, from which an adapter computes entitlements
//! (toggle feature item present; `availableBalance` of a meter).

use std::collections::HashMap;

use serde_json::{Value, json};

use super::errors::ApiError;
use super::state::{Aggregation, ORGANIZATION_ID, Store};
use super::subscriptions::{CURRENT, Subscription, settle};

/// The meter balances of a subscription: every meter it has credit grants or usage on, with `availableBalance`
/// = credits granted − usage aggregated by the meter *(inferred: grants are not renewed per period and usage
/// is not split by period)*.
fn balances(store: &Store, s: &Subscription) -> Vec<Value> {
    let mut meters: Vec<String> = Vec::new();
    let grants: Vec<(String, i64)> = s
        .live_items()
        .flat_map(|i| i.features.iter())
        .filter(|f| f.kind == "usage_credit_grant")
        .filter_map(|f| f.usage_meter_id.clone().zip(f.amount))
        .collect();
    let events: Vec<_> = store
        .usage_events
        .iter()
        .filter(|e| e.subscription_id == s.id)
        .collect();
    for m in grants
        .iter()
        .map(|g| &g.0)
        .chain(events.iter().map(|e| &e.usage_meter_id))
    {
        if !meters.contains(m) {
            meters.push(m.clone());
        }
    }
    meters
        .iter()
        .filter_map(|id| store.meter(id))
        .map(|meter| {
            let granted: i64 = grants.iter().filter(|g| g.0 == meter.id).map(|g| g.1).sum();
            let mine = events.iter().filter(|e| e.usage_meter_id == meter.id);
            let used: i64 = match meter.aggregation {
                Aggregation::Sum => mine.map(|e| e.amount).sum(),
                Aggregation::CountDistinctProperties => {
                    let mut seen: Vec<String> = Vec::new();
                    for e in mine {
                        let key = e
                            .properties
                            .as_ref()
                            .map(Value::to_string)
                            .unwrap_or_default();
                        if !seen.contains(&key) {
                            seen.push(key);
                        }
                    }
                    i64::try_from(seen.len()).unwrap_or(i64::MAX)
                }
            };
            let mut v = meter.to_json();
            v["availableBalance"] = json!(granted - used);
            v["subscriptionId"] = json!(s.id);
            v
        })
        .collect()
}

/// A subscription with its live items (price included) and the `experimental` block.
fn detail(store: &Store, s: &Subscription) -> Value {
    let mut v = s.to_json();
    let items: Vec<Value> = s.live_items().map(|i| i.to_json(&s.id, store)).collect();
    let feature_items: Vec<Value> = s
        .live_items()
        .flat_map(|i| i.features.iter().map(move |f| (i, f)))
        .map(|(i, f)| {
            json!({
                "id": f.id,
                "type": f.kind,
                "featureId": f.feature_id,
                "subscriptionItemId": i.id,
                "slug": f.slug,
                "name": f.name,
                "amount": f.amount,
                "usageMeterId": f.usage_meter_id,
                "renewalFrequency": f.renewal_frequency,
                "expiredAt": null,
                "detachedAt": null,
                "livemode": s.livemode,
            })
        })
        .collect();
    v["subscriptionItems"] = Value::Array(items);
    v["experimental"] = json!({
        "featureItems": feature_items,
        "usageMeterBalances": balances(store, s),
    });
    v
}

fn customer_index(store: &Store, external_id: &str) -> Result<usize, ApiError> {
    store
        .customer_index(external_id)
        .ok_or_else(|| ApiError::not_found("Customer not found"))
}

/// The customer's subscriptions, newest first (the order `currentSubscriptions[0]` is taken from is
/// UNVERIFIED; newest first makes a just-created plan the one the SDK rule reads).
fn subscriptions_of<'a>(store: &'a Store, customer_id: &str) -> Vec<&'a Subscription> {
    let mut subs: Vec<&Subscription> = store
        .subscriptions
        .iter()
        .filter(|s| s.customer_id == customer_id && store.visible(&s.pricing_model_id, s.livemode))
        .collect();
    subs.sort_by(|a, b| (b.created_at, &b.id).cmp(&(a.created_at, &a.id)));
    subs
}

/// GET /api/v1/customers/{externalId}/billing.
pub(crate) fn billing(store: &mut Store, external_id: &str) -> Result<Value, ApiError> {
    settle(store);
    let store = &*store;
    let ci = customer_index(store, external_id)?;
    let customer = &store.customers[ci];
    let subs = subscriptions_of(store, &customer.id);
    let all: Vec<Value> = subs.iter().map(|s| detail(store, s)).collect();
    let current: Vec<Value> = subs
        .iter()
        .filter(|s| CURRENT.contains(&s.status.as_str()))
        .map(|s| detail(store, s))
        .collect();
    let invoices: Vec<Value> = store
        .invoices
        .iter()
        .filter(|i| i.customer_id == customer.id)
        .map(|i| json!({"invoice": i.to_json(), "invoiceLineItems": []}))
        .collect();
    // The catalogue is reduced to what entitlements need: products with their prices and features, meters.
    // Prices and features are grouped by product in one pass each (a customer lookup per subscription create
    // would otherwise scan every price once per product).
    let mut prices_of: HashMap<&str, Vec<Value>> = HashMap::new();
    for price in &store.prices {
        if let Some(product) = price.product_id.as_deref() {
            prices_of.entry(product).or_default().push(price.to_json());
        }
    }
    let features: HashMap<&str, &super::features::Feature> =
        store.features.iter().map(|f| (f.id.as_str(), f)).collect();
    let mut features_of: HashMap<&str, Vec<Value>> = HashMap::new();
    for pf in store
        .product_features
        .iter()
        .filter(|pf| pf.expired_at.is_none())
    {
        if let Some(f) = features.get(pf.feature_id.as_str()).filter(|f| f.active) {
            features_of
                .entry(pf.product_id.as_str())
                .or_default()
                .push(f.to_json());
        }
    }
    let products: Vec<Value> = store
        .products
        .iter()
        .filter(|p| p.pricing_model_id == store.pricing_model_id)
        .map(|p| {
            let prices = prices_of.remove(p.id.as_str()).unwrap_or_default();
            let feats = features_of.remove(p.id.as_str()).unwrap_or_default();
            json!({"id": p.id, "default": p.is_default, "prices": prices, "features": feats})
        })
        .collect();
    let meters: Vec<Value> = store
        .meters
        .iter()
        .filter(|m| store.visible(&m.pricing_model_id, m.livemode))
        .map(super::state::UsageMeter::to_json)
        .collect();
    let catalog = json!({
        "id": store.pricing_model_id,
        "livemode": store.livemode,
        "organizationId": ORGANIZATION_ID,
        "products": products,
        "usageMeters": meters,
    });
    Ok(json!({
        "customer": customer.to_json(),
        "subscriptions": all,
        "currentSubscriptions": current,
        "currentSubscription": current.first().cloned().unwrap_or(Value::Null),
        "invoices": invoices,
        "paymentMethods": [],
        "purchases": [],
        "catalog": catalog,
        "pricingModel": catalog,
        // UNVERIFIED: the portal URL's form.
        "billingPortalUrl": format!("https://app.flowglad.com/billing-portal/{ORGANIZATION_ID}/{}", customer.id),
    }))
}

/// GET /api/v1/customers/{externalId}/usage-balances?subscriptionId=: one subscription's balances, or those of
/// every current subscription.
pub(crate) fn usage_balances(
    store: &mut Store,
    external_id: &str,
    subscription_id: Option<&str>,
) -> Result<Value, ApiError> {
    settle(store);
    let store = &*store;
    let ci = customer_index(store, external_id)?;
    let subs = subscriptions_of(store, &store.customers[ci].id);
    let picked: Vec<&Subscription> = match subscription_id {
        Some(id) => {
            let s = subs
                .into_iter()
                .find(|s| s.id == id)
                .ok_or_else(|| ApiError::not_found("Subscription not found"))?;
            vec![s]
        }
        None => subs
            .into_iter()
            .filter(|s| CURRENT.contains(&s.status.as_str()))
            .collect(),
    };
    let all: Vec<Value> = picked.iter().flat_map(|s| balances(store, s)).collect();
    Ok(json!({"usageMeterBalances": all}))
}
