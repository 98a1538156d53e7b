//! The customer wire format: request bodies (exact) and the customer record (lenient).

use jiff::Timestamp;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use unibill_core::{
    Customer, CustomerStatus, CustomerUpdate, Error, NewCustomer, Patch, RawJson, Result,
};

use crate::PROVIDER;
use crate::decode::{self, record};

/// `{"customer": C}`: the answer of get, update and archive.
#[derive(Debug, Deserialize)]
pub(super) struct CustomerEnvelope {
    pub customer: Box<RawValue>,
}

/// `{"data": {"customer": C, "subscription"?, …}}`: the answer of create (the extra `data` wrapper is
/// Flowglad's; a bare `{"customer": C}` is accepted too).
#[derive(Debug, Deserialize)]
pub(super) struct CreatedEnvelope {
    #[serde(default)]
    pub data: Option<CustomerEnvelope>,
    #[serde(default)]
    pub customer: Option<Box<RawValue>>,
}

/// A customer record; unknown fields are ignored.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct WireCustomer {
    #[serde(default, deserialize_with = "decode::string")]
    external_id: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    name: Option<String>,
    #[serde(default, deserialize_with = "decode::string")]
    email: Option<String>,
    #[serde(default, deserialize_with = "decode::boolean")]
    archived: Option<bool>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "decode::timestamp")]
    updated_at: Option<Timestamp>,
}

/// `POST /api/v1/customers` body.
#[derive(Debug, Serialize)]
pub(super) struct CreateBody<'a> {
    customer: NewWireCustomer<'a>,
}

/// The customer of a create.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct NewWireCustomer<'a> {
    external_id: &'a str,
    email: &'a str,
    name: &'a str,
}

impl<'a> TryFrom<&'a NewCustomer> for CreateBody<'a> {
    type Error = Error;

    /// The body; a customer without an email is `InvalidInput` (Flowglad's create requires one).
    fn try_from(c: &'a NewCustomer) -> Result<Self> {
        let email = c
            .email()
            .ok_or_else(|| Error::invalid_field("email", "is required by Flowglad"))?;
        Ok(CreateBody {
            customer: NewWireCustomer {
                external_id: c.external_id(),
                email,
                name: c.name(),
            },
        })
    }
}

/// `PUT /api/v1/customers/{externalId}` body.
#[derive(Debug, Serialize)]
pub(super) struct UpdateBody<'a> {
    customer: WireCustomerUpdate<'a>,
}

/// The changes of an update; absent fields are kept (an email can be set, not cleared).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct WireCustomerUpdate<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
}

impl<'a> From<&'a CustomerUpdate> for UpdateBody<'a> {
    fn from(u: &'a CustomerUpdate) -> Self {
        UpdateBody {
            customer: WireCustomerUpdate {
                name: u.name(),
                email: match u.email() {
                    Patch::Set(v) => Some(v.as_str()),
                    Patch::Keep | Patch::Clear => None,
                },
            },
        }
    }
}

/// Decodes one raw customer record; its id is the external id (Flowglad's handle), the `cust_` id stays in
/// `raw`.
pub(super) fn customer(raw: Box<RawValue>) -> Result<Customer> {
    let (wire, raw) = record::<WireCustomer>(raw, "customer")?;
    wire.into_customer(raw)
}

impl WireCustomer {
    /// The read model, with the raw record it came from; a record without an external id is a decode error.
    fn into_customer(self, raw: RawJson) -> Result<Customer> {
        let external_id = self.external_id.filter(|x| !x.is_empty()).ok_or_else(|| {
            Error::decode("a Flowglad customer has no externalId").with_provider(PROVIDER)
        })?;
        let status = if self.archived.unwrap_or(false) {
            CustomerStatus::Archived
        } else {
            CustomerStatus::Active
        };
        let mut b = Customer::builder(
            external_id.clone(),
            external_id,
            self.name.unwrap_or_default(),
        )
        .status(status)
        .provider(PROVIDER);
        if let Some(e) = self.email {
            b = b.email(e);
        }
        if let Some(t) = self.created_at {
            b = b.created_at(t);
        }
        if let Some(t) = self.updated_at {
            b = b.updated_at(t);
        }
        Ok(b.raw(raw).build())
    }
}
