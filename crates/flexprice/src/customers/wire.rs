//! The customer wire format: request bodies (exact) and the customer object (lenient).

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::fmt;

use serde::de::{MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use serde_json::Value;
use unibill_core::{
    Address, CompactString, Customer, CustomerStatus, CustomerUpdate, Metadata, NewCustomer, Patch,
    RawJson, Timestamp,
};

use crate::PROVIDER;
use crate::decode::{non_empty, timestamp_field};

/// `POST /v1/customers`. Absent optional fields are omitted; `metadata` is always sent (at least `{}`), so the
/// server never holds a nil map (its `external_id` change would panic on one).
#[derive(Debug, Serialize)]
pub(crate) struct CreateCustomer<'a> {
    external_id: &'a str,
    name: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a str>,
    #[serde(flatten)]
    address: WireAddress<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    metadata: Cow<'a, BTreeMap<String, String>>,
}

/// The address columns; each omitted when `None`, `""` to clear.
#[derive(Debug, Default, Serialize)]
struct WireAddress<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line1: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_line2: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_city: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_state: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_postal_code: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    address_country: Option<&'a str>,
}

impl<'a> WireAddress<'a> {
    /// The parts that are set (create).
    fn parts(a: &'a Address) -> Self {
        WireAddress {
            address_line1: a.line1.as_deref(),
            address_line2: a.line2.as_deref(),
            address_city: a.city.as_deref(),
            address_state: a.state.as_deref(),
            address_postal_code: a.postal_code.as_deref(),
            address_country: a.country.as_deref(),
        }
    }

    /// Every part, `""` for the unset ones (an update that replaces the whole address).
    fn replacing(a: Option<&'a Address>) -> Self {
        let part =
            |p: Option<&'a Option<CompactString>>| Some(p.and_then(|v| v.as_deref()).unwrap_or(""));
        WireAddress {
            address_line1: part(a.map(|a| &a.line1)),
            address_line2: part(a.map(|a| &a.line2)),
            address_city: part(a.map(|a| &a.city)),
            address_state: part(a.map(|a| &a.state)),
            address_postal_code: part(a.map(|a| &a.postal_code)),
            address_country: part(a.map(|a| &a.country)),
        }
    }
}

impl<'a> From<&'a NewCustomer> for CreateCustomer<'a> {
    fn from(c: &'a NewCustomer) -> Self {
        CreateCustomer {
            external_id: c.external_id(),
            name: c.name(),
            email: c.email(),
            contact: c.contact(),
            address: c.address().map(WireAddress::parts).unwrap_or_default(),
            timezone: c.time_zone(),
            metadata: match c.metadata() {
                Some(m) => Cow::Borrowed(m.as_map()),
                None => Cow::Owned(BTreeMap::new()),
            },
        }
    }
}

/// `PUT /v1/customers/{id}`: absent = keep, `""` = clear, a value = set; `metadata` replaces the map (`{}`
/// clears it).
#[derive(Debug, Serialize)]
pub(crate) struct UpdateCustomer<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    external_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    name: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    email: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    contact: Option<&'a str>,
    #[serde(flatten)]
    address: WireAddress<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    timezone: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    metadata: Option<Cow<'a, BTreeMap<String, String>>>,
}

/// Keep → absent, clear → `""`, set → the value.
fn text(p: &Patch<String>) -> Option<&str> {
    match p {
        Patch::Keep => None,
        Patch::Clear => Some(""),
        Patch::Set(v) => Some(v),
    }
}

impl<'a> From<&'a CustomerUpdate> for UpdateCustomer<'a> {
    fn from(u: &'a CustomerUpdate) -> Self {
        UpdateCustomer {
            external_id: u.external_id(),
            name: u.name(),
            email: text(u.email()),
            contact: text(u.contact()),
            address: match u.address() {
                Patch::Keep => WireAddress::default(),
                Patch::Clear => WireAddress::replacing(None),
                Patch::Set(a) => WireAddress::replacing(Some(a)),
            },
            timezone: text(u.time_zone()),
            metadata: match u.metadata() {
                Patch::Keep => None,
                Patch::Clear => Some(Cow::Owned(BTreeMap::new())),
                Patch::Set(m) => Some(Cow::Borrowed(m.as_map())),
            },
        }
    }
}

/// The customer object. Everything but `id` is optional; unknown fields are ignored.
#[derive(Debug, Deserialize)]
pub(crate) struct WireCustomer {
    id: String,
    #[serde(default)]
    external_id: Option<String>,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    contact: Option<String>,
    #[serde(default)]
    address_line1: Option<CompactString>,
    #[serde(default)]
    address_line2: Option<CompactString>,
    #[serde(default)]
    address_city: Option<CompactString>,
    #[serde(default)]
    address_state: Option<CompactString>,
    #[serde(default)]
    address_postal_code: Option<CompactString>,
    #[serde(default)]
    address_country: Option<CompactString>,
    #[serde(default)]
    timezone: Option<String>,
    #[serde(default, deserialize_with = "metadata")]
    metadata: Metadata,
    #[serde(default)]
    status: Option<CompactString>,
    #[serde(default, deserialize_with = "timestamp_field")]
    created_at: Option<Timestamp>,
    #[serde(default, deserialize_with = "timestamp_field")]
    updated_at: Option<Timestamp>,
}

/// The customer's `metadata` object read straight into [`Metadata`] (no intermediate map): string values as
/// they are, `null` values skipped, any other value as its JSON text; `null` or absent is empty.
fn metadata<'de, D: Deserializer<'de>>(d: D) -> Result<Metadata, D::Error> {
    struct MetadataVisitor;

    impl<'de> Visitor<'de> for MetadataVisitor {
        type Value = Metadata;

        fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("a metadata object")
        }

        fn visit_unit<E>(self) -> Result<Metadata, E> {
            Ok(Metadata::new())
        }

        fn visit_none<E>(self) -> Result<Metadata, E> {
            Ok(Metadata::new())
        }

        fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Metadata, D::Error> {
            d.deserialize_map(self)
        }

        fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Metadata, A::Error> {
            let mut metadata = Metadata::new();
            while let Some((key, value)) = map.next_entry::<String, Value>()? {
                match value {
                    Value::String(s) => metadata.insert(key, s),
                    Value::Null => continue,
                    other => metadata.insert(key, other.to_string()),
                };
            }
            Ok(metadata)
        }
    }

    d.deserialize_option(MetadataVisitor)
}

fn status(s: Option<&str>) -> CustomerStatus {
    match s {
        None | Some("published") => CustomerStatus::Active,
        // DELETE sets `archived`; `deleted` is in the enum but means the same to a caller.
        Some("archived" | "deleted") => CustomerStatus::Archived,
        Some(other) => CustomerStatus::Other(other.to_owned()),
    }
}

impl WireCustomer {
    /// The read model, with the raw JSON it came from.
    pub(crate) fn into_customer(mut self, raw: RawJson) -> Customer {
        let address = self.take_address();
        let mut customer = Customer::builder(
            self.id,
            self.external_id.unwrap_or_default(),
            self.name.unwrap_or_default(),
        )
        .provider(PROVIDER)
        .raw(raw)
        .build();
        // Set in place rather than through the builder (docs/performance.md, "Allocation").
        customer.email = non_empty(self.email);
        customer.contact = non_empty(self.contact);
        customer.address = address;
        customer.time_zone = non_empty(self.timezone);
        customer.metadata = self.metadata;
        customer.status = status(self.status.as_deref());
        customer.created_at = self.created_at;
        customer.updated_at = self.updated_at;
        customer
    }

    /// The address from its six columns (`""` unset); `None` when every part is unset. Not validated: a read
    /// model says what the provider holds.
    fn take_address(&mut self) -> Option<Address> {
        let mut a = Address::default();
        a.line1 = non_empty(self.address_line1.take());
        a.line2 = non_empty(self.address_line2.take());
        a.city = non_empty(self.address_city.take());
        a.state = non_empty(self.address_state.take());
        a.postal_code = non_empty(self.address_postal_code.take());
        a.country = non_empty(self.address_country.take());
        (!a.is_empty()).then_some(a)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decoded(json: &str) -> Result<Customer, serde_json::Error> {
        let (wire, raw) = RawJson::decode::<WireCustomer>(json.as_bytes())?;
        Ok(wire.into_customer(raw))
    }

    #[test]
    fn metadata_values_are_kept_as_text_and_nulls_dropped() {
        let c =
            decoded(r#"{"id":"c1","metadata":{"s":"x","n":42,"b":true,"o":{"k":[1]},"z":null}}"#)
                .unwrap();
        let got: Vec<_> = c.metadata.iter().collect();
        assert_eq!(
            got,
            [
                ("b", "true"),
                ("n", "42"),
                ("o", r#"{"k":[1]}"#),
                ("s", "x")
            ]
        );
    }

    #[test]
    fn absent_or_null_metadata_is_empty_and_a_non_object_is_an_error() {
        assert!(decoded(r#"{"id":"c1"}"#).unwrap().metadata.is_empty());
        assert!(
            decoded(r#"{"id":"c1","metadata":null}"#)
                .unwrap()
                .metadata
                .is_empty()
        );
        assert!(
            decoded(r#"{"id":"c1","metadata":{}}"#)
                .unwrap()
                .metadata
                .is_empty()
        );
        assert!(decoded(r#"{"id":"c1","metadata":"x"}"#).is_err());
        assert!(decoded(r#"{"id":"c1","metadata":[]}"#).is_err());
    }
}
