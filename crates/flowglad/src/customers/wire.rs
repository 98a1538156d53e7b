//! Flowglad's customer records and request bodies, and their decoding.

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::{Customer, CustomerStatus, Error, RawJson, Result};

use crate::{PROVIDER, lenient};

/// `{"customer": C}`: the answer of get, update and archive.
#[derive(Debug, Deserialize)]
pub(crate) struct CustomerEnvelope {
    pub customer: Box<RawValue>,
}

/// `{"data": {"customer": C, "subscription"?, …}}`: the answer of create (the extra `data` wrapper is
/// Flowglad's; a bare `{"customer": C}` is accepted too).
#[derive(Debug, Deserialize)]
pub(crate) struct CreatedEnvelope {
    #[serde(default)]
    pub data: Option<CustomerEnvelope>,
    #[serde(default)]
    pub customer: Option<Box<RawValue>>,
}

/// A customer record; unknown fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCustomer {
    #[serde(default, deserialize_with = "lenient::string")]
    external_id: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "lenient::string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "lenient::boolean")]
    archived: Option<bool>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "lenient::timestamp")]
    updated_at: Option<Timestamp>,
}

/// `POST /api/v1/customers` body.
#[derive(Debug, Serialize)]
pub(crate) struct CreateBody {
    pub customer: NewWireCustomer,
}

/// The customer of a create.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct NewWireCustomer {
    pub external_id: String,
    pub email: String,
    pub name: String,
}

/// `PUT /api/v1/customers/{externalId}` body.
#[derive(Debug, Serialize)]
pub(crate) struct UpdateBody {
    pub customer: WireCustomerUpdate,
}

/// The changes of an update; absent fields are kept.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WireCustomerUpdate {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub email: Option<String>,
}

/// Decodes one raw customer record; its id is the external id (Flowglad's handle), the `cust_` id stays in
/// `raw`.
pub(crate) fn customer(raw: Box<RawValue>) -> Result<Customer> {
    let wire: WireCustomer = serde_json::from_str(raw.get()).map_err(|e| {
        Error::decode(format!("cannot decode a Flowglad customer: {e}")).with_provider(PROVIDER)
    })?;
    let external_id = wire.external_id.filter(|x| !x.is_empty()).ok_or_else(|| {
        Error::decode("a Flowglad customer has no externalId").with_provider(PROVIDER)
    })?;
    let status = if wire.archived.unwrap_or(false) {
        CustomerStatus::Archived
    } else {
        CustomerStatus::Active
    };
    let mut b = Customer::builder(
        external_id.clone(),
        external_id,
        wire.name.unwrap_or_default(),
    )
    .status(status)
    .provider(PROVIDER);
    if let Some(e) = wire.email {
        b = b.email(e);
    }
    if let Some(t) = wire.created_at {
        b = b.created_at(t);
    }
    if let Some(t) = wire.updated_at {
        b = b.updated_at(t);
    }
    Ok(b.raw(RawJson::from_raw(raw)).build())
}
