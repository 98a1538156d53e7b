//! Customers, addressed by external id (notes §3).

use serde_json::{Map, Value, json};

use super::errors::{ApiError, invalid_type, received};
use super::pagination::ListQuery;
use super::state::{Customer, Store};
use super::subscriptions;
use super::zod::Fields;

fn customer_object(body: &Value) -> Result<&Map<String, Value>, ApiError> {
    let Some(outer) = body.as_object() else {
        return Err(ApiError::zod(vec![invalid_type(
            &[],
            "object",
            received(Some(body)),
        )]));
    };
    match outer.get("customer") {
        Some(Value::Object(c)) => Ok(c),
        other => Err(ApiError::zod(vec![invalid_type(
            &["customer"],
            "object",
            received(other),
        )])),
    }
}

/// `userId` references Flowglad's own users table: any id the emulator does not know (all of them) breaks the
/// foreign key, an unmapped database error.
fn check_user_id(user_id: &Option<String>) -> Result<(), ApiError> {
    match user_id {
        Some(_) => Err(ApiError::Internal),
        None => Ok(()),
    }
}

fn not_found() -> ApiError {
    ApiError::not_found("Customer not found")
}

/// POST /api/v1/customers: answers `{"data": {"customer": C}}`.
pub(crate) fn create(store: &mut Store, body: &Value) -> Result<Value, ApiError> {
    let c = customer_object(body)?;
    let mut f = Fields::new(c, "customer");
    let external_id = f.string("externalId");
    let email = f.string("email");
    let name = f.string("name");
    let archived = f.optional_boolean("archived").unwrap_or(false);
    let logo_url = f.nullable_string("logoURL").flatten();
    let icon_url = f.nullable_string("iconURL").flatten();
    let domain = f.nullable_string("domain").flatten();
    let user_id = f.nullable_string("userId").flatten();
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let (Some(external_id), Some(email), Some(name)) = (external_id, email, name) else {
        return Err(ApiError::Internal);
    };
    let duplicate = store.customers.iter().any(|c| {
        !c.archived && c.external_id == external_id && c.pricing_model_id == store.pricing_model_id
    });
    if duplicate && !archived {
        return Err(ApiError::conflict(format!(
            "A customer with externalId \"{external_id}\" already exists"
        )));
    }
    check_user_id(&user_id)?;
    let now = store.now_ms();
    let customer = Customer {
        id: store.new_id("cust_"),
        created_at: now,
        updated_at: now,
        livemode: store.livemode,
        pricing_model_id: store.pricing_model_id.clone(),
        email,
        name,
        invoice_number_base: store.invoice_base(),
        archived,
        logo_url,
        icon_url,
        domain,
        external_id,
        user_id,
    };
    let mut data = json!({"customer": customer.to_json()});
    let customer_id = customer.id.clone();
    store.customers.push(customer);
    // A pricing model whose default product has a price subscribes new customers to it.
    if !archived
        && let Some((subscription, items)) =
            subscriptions::subscribe_to_default_plan(store, &customer_id)
    {
        data["subscription"] = subscription;
        data["subscriptionItems"] = Value::Array(items);
    }
    Ok(json!({ "data": data }))
}

/// GET /api/v1/customers/{externalId}.
pub(crate) fn get(store: &Store, external_id: &str) -> Result<Value, ApiError> {
    let i = store.customer_index(external_id).ok_or_else(not_found)?;
    Ok(json!({"customer": store.customers[i].to_json()}))
}

/// GET /api/v1/customers.
pub(crate) fn list(store: &Store, query: &ListQuery) -> Value {
    let rows = store
        .customers
        .iter()
        .filter(|c| store.visible(&c.pricing_model_id, c.livemode))
        .map(|c| (c.created_at, c.id.clone(), c))
        .collect();
    query.page(rows, |c| c.to_json())
}

/// PUT /api/v1/customers/{externalId}: email, name, logoURL, iconURL, domain, userId.
pub(crate) fn update(
    store: &mut Store,
    external_id: &str,
    body: &Value,
) -> Result<Value, ApiError> {
    let c = customer_object(body)?;
    let mut f = Fields::new(c, "customer");
    let email = f.optional_string("email");
    let name = f.optional_string("name");
    let logo_url = f.nullable_string("logoURL");
    let icon_url = f.nullable_string("iconURL");
    let domain = f.nullable_string("domain");
    let user_id = f.nullable_string("userId");
    if !f.issues.is_empty() {
        return Err(ApiError::zod(f.issues));
    }
    let i = store.customer_index(external_id).ok_or_else(not_found)?;
    if let Some(user_id) = &user_id {
        check_user_id(user_id)?;
    }
    let now = store.now_ms();
    let c = &mut store.customers[i];
    if let Some(v) = email {
        c.email = v;
    }
    if let Some(v) = name {
        c.name = v;
    }
    if let Some(v) = logo_url {
        c.logo_url = v;
    }
    if let Some(v) = icon_url {
        c.icon_url = v;
    }
    if let Some(v) = domain {
        c.domain = v;
    }
    if let Some(v) = user_id {
        c.user_id = v;
    }
    c.updated_at = now;
    Ok(json!({"customer": c.to_json()}))
}

/// POST /api/v1/customers/{externalId}/archive (any JSON body, `{}` by convention).
pub(crate) fn archive(store: &mut Store, external_id: &str) -> Result<Value, ApiError> {
    let i = store.customer_index(external_id).ok_or_else(not_found)?;
    let now = store.now_ms();
    let c = &mut store.customers[i];
    if !c.archived {
        c.archived = true;
        c.updated_at = now;
    }
    Ok(json!({"customer": c.to_json()}))
}
