//! Customers: the create input [`NewCustomer`], the update input [`CustomerUpdate`], the read model
//! [`Customer`] and the list query [`CustomerListQuery`].

use std::borrow::Cow;

use compact_str::CompactString;
use jiff::Timestamp;
use serde::{Deserialize, Serialize};

use crate::error::Result;
use crate::id::CustomerId;
use crate::metadata::Metadata;
use crate::model::address::Address;
use crate::model::raw::RawJson;
use crate::page::Cursor;
use crate::patch::Patch;
use crate::validation::Checks;

const EXTERNAL_ID_MAX: usize = 255;
const NAME_MAX: usize = 255;
const CONTACT_MAX: usize = 20;

/// The input to create a customer. A value that exists is valid: [`NewCustomerBuilder::build`] checks every rule.
///
/// Rules (characters): external id 1..=255, name 1..=255, email a valid address, contact ≤ 20, address parts as
/// in [`Address`], time zone an IANA name, metadata keys non-empty.
///
/// ```
/// use unibill_core::NewCustomer;
///
/// let c = NewCustomer::builder("user-42", "Ada Lovelace")
///     .email("ada@example.com")
///     .time_zone("Europe/London")
///     .build()
///     .unwrap();
/// assert_eq!(c.external_id(), "user-42");
///
/// let err = NewCustomer::builder("", "Ada").build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "external_id");
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewCustomer {
    // Compact strings: a text of up to 24 bytes (most ids, names, emails, phones, time zones) is kept inline.
    external_id: CompactString,
    name: CompactString,
    email: Option<CompactString>,
    contact: Option<CompactString>,
    address: Option<Address>,
    time_zone: Option<CompactString>,
    metadata: Option<Metadata>,
}

impl NewCustomer {
    /// Starts a customer with its required fields.
    pub fn builder(
        external_id: impl Into<CompactString>,
        name: impl Into<CompactString>,
    ) -> NewCustomerBuilder {
        NewCustomerBuilder {
            input: NewCustomer {
                external_id: external_id.into(),
                name: name.into(),
                email: None,
                contact: None,
                address: None,
                time_zone: None,
                metadata: None,
            },
        }
    }

    /// Your id for the customer (unique among active customers).
    pub fn external_id(&self) -> &str {
        &self.external_id
    }

    /// Full name or company name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Email address.
    pub fn email(&self) -> Option<&str> {
        self.email.as_deref()
    }

    /// Phone or other contact (≤ 20 characters).
    pub fn contact(&self) -> Option<&str> {
        self.contact.as_deref()
    }

    /// Postal address.
    pub fn address(&self) -> Option<&Address> {
        self.address.as_ref()
    }

    /// IANA time zone.
    pub fn time_zone(&self) -> Option<&str> {
        self.time_zone.as_deref()
    }

    /// Metadata.
    pub fn metadata(&self) -> Option<&Metadata> {
        self.metadata.as_ref()
    }
}

/// Builds a [`NewCustomer`].
#[derive(Debug, Clone)]
pub struct NewCustomerBuilder {
    input: NewCustomer,
}

impl NewCustomerBuilder {
    /// Email address.
    pub fn email(mut self, email: impl Into<CompactString>) -> Self {
        self.input.email = Some(email.into());
        self
    }

    /// Phone or other contact (≤ 20 characters).
    pub fn contact(mut self, contact: impl Into<CompactString>) -> Self {
        self.input.contact = Some(contact.into());
        self
    }

    /// Postal address.
    pub fn address(mut self, address: Address) -> Self {
        self.input.address = Some(address);
        self
    }

    /// IANA time zone (`Europe/Berlin`).
    pub fn time_zone(mut self, tz: impl Into<CompactString>) -> Self {
        self.input.time_zone = Some(tz.into());
        self
    }

    /// Metadata.
    pub fn metadata(mut self, metadata: Metadata) -> Self {
        self.input.metadata = Some(metadata);
        self
    }

    /// Checks every rule; an `InvalidInput` names each broken field.
    pub fn build(self) -> Result<NewCustomer> {
        let c = &self.input;
        let mut checks = Checks::new();
        checks.length("external_id", &c.external_id, 1, EXTERNAL_ID_MAX);
        checks.length("name", &c.name, 1, NAME_MAX);
        if let Some(email) = &c.email {
            checks.email("email", email);
        }
        if let Some(contact) = &c.contact {
            checks.length("contact", contact, 1, CONTACT_MAX);
        }
        if let Some(address) = &c.address {
            address.check(&mut checks, "address");
        }
        if let Some(tz) = &c.time_zone {
            checks.time_zone("time_zone", tz);
        }
        if let Some(m) = &c.metadata {
            m.validate("metadata", checks.errors_mut());
        }
        checks.finish()?;
        Ok(self.input)
    }
}

/// Changes to a customer: each field kept, cleared or set. External id and name cannot be cleared.
///
/// ```
/// use unibill_core::{CustomerUpdate, Patch};
///
/// let u = CustomerUpdate::builder().name("Ada King").clear_contact().email("ada@example.org").build().unwrap();
/// assert_eq!(u.name(), Some("Ada King"));
/// assert_eq!(u.contact(), &Patch::Clear);
///
/// let err = CustomerUpdate::builder().email("nope").build().unwrap_err();
/// assert_eq!(err.field_errors()[0].field, "email");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct CustomerUpdate {
    external_id: Option<String>,
    name: Option<String>,
    email: Patch<String>,
    contact: Patch<String>,
    address: Patch<Address>,
    time_zone: Patch<String>,
    metadata: Patch<Metadata>,
}

impl CustomerUpdate {
    /// An update that changes nothing yet.
    pub fn builder() -> CustomerUpdateBuilder {
        CustomerUpdateBuilder::default()
    }

    /// New external id.
    pub fn external_id(&self) -> Option<&str> {
        self.external_id.as_deref()
    }

    /// New name.
    pub fn name(&self) -> Option<&str> {
        self.name.as_deref()
    }

    /// Email change.
    pub fn email(&self) -> &Patch<String> {
        &self.email
    }

    /// Contact change.
    pub fn contact(&self) -> &Patch<String> {
        &self.contact
    }

    /// Address change (a set replaces the whole address).
    pub fn address(&self) -> &Patch<Address> {
        &self.address
    }

    /// Time zone change.
    pub fn time_zone(&self) -> &Patch<String> {
        &self.time_zone
    }

    /// Metadata change (a set replaces the whole map).
    pub fn metadata(&self) -> &Patch<Metadata> {
        &self.metadata
    }

    /// Whether the update changes nothing.
    pub fn is_empty(&self) -> bool {
        self == &CustomerUpdate::default()
    }
}

/// Builds a [`CustomerUpdate`].
#[derive(Debug, Clone, Default)]
pub struct CustomerUpdateBuilder {
    update: CustomerUpdate,
}

impl CustomerUpdateBuilder {
    /// Sets a new external id.
    pub fn external_id(mut self, v: impl Into<String>) -> Self {
        self.update.external_id = Some(v.into());
        self
    }

    /// Sets a new name.
    pub fn name(mut self, v: impl Into<String>) -> Self {
        self.update.name = Some(v.into());
        self
    }

    /// Sets the email.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.update.email = Patch::Set(v.into());
        self
    }

    /// Clears the email.
    pub fn clear_email(mut self) -> Self {
        self.update.email = Patch::Clear;
        self
    }

    /// Sets the contact.
    pub fn contact(mut self, v: impl Into<String>) -> Self {
        self.update.contact = Patch::Set(v.into());
        self
    }

    /// Clears the contact.
    pub fn clear_contact(mut self) -> Self {
        self.update.contact = Patch::Clear;
        self
    }

    /// Replaces the address.
    pub fn address(mut self, v: Address) -> Self {
        self.update.address = Patch::Set(v);
        self
    }

    /// Clears the address.
    pub fn clear_address(mut self) -> Self {
        self.update.address = Patch::Clear;
        self
    }

    /// Sets the time zone.
    pub fn time_zone(mut self, v: impl Into<String>) -> Self {
        self.update.time_zone = Patch::Set(v.into());
        self
    }

    /// Clears the time zone (back to the provider's default).
    pub fn clear_time_zone(mut self) -> Self {
        self.update.time_zone = Patch::Clear;
        self
    }

    /// Replaces the whole metadata map.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.update.metadata = Patch::Set(v);
        self
    }

    /// Removes all metadata.
    pub fn clear_metadata(mut self) -> Self {
        self.update.metadata = Patch::Clear;
        self
    }

    /// Checks every set value by the rules of [`NewCustomer`].
    pub fn build(self) -> Result<CustomerUpdate> {
        let u = &self.update;
        let mut checks = Checks::new();
        if let Some(v) = &u.external_id {
            checks.length("external_id", v, 1, EXTERNAL_ID_MAX);
        }
        if let Some(v) = &u.name {
            checks.length("name", v, 1, NAME_MAX);
        }
        if let Patch::Set(v) = &u.email {
            checks.email("email", v);
        }
        if let Patch::Set(v) = &u.contact {
            checks.length("contact", v, 1, CONTACT_MAX);
        }
        if let Patch::Set(a) = &u.address {
            a.check(&mut checks, "address");
        }
        if let Patch::Set(v) = &u.time_zone {
            checks.time_zone("time_zone", v);
        }
        if let Patch::Set(m) = &u.metadata {
            m.validate("metadata", checks.errors_mut());
        }
        checks.finish()?;
        Ok(self.update)
    }
}

/// Whether a customer is active or archived (deleted). Unknown provider values are kept.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CustomerStatus {
    /// Active: its external id is taken.
    Active,
    /// Archived by a delete: its external id may be reused.
    Archived,
    /// A status this version of unibill does not know.
    #[serde(untagged)]
    Other(String),
}

/// A customer as the provider holds it. Holds no secret.
///
/// Build one for a mock with [`Customer::builder`]:
///
/// ```
/// use unibill_core::{Customer, CustomerStatus};
///
/// let c = Customer::builder("cust_1", "user-42", "Ada").email("ada@example.com").build();
/// assert_eq!(c.status, CustomerStatus::Active);
/// assert_eq!(c.provider, "mock");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Customer {
    /// The provider's handle for get/update/delete.
    pub id: CustomerId,
    /// Your id for the customer.
    pub external_id: String,
    /// Name.
    pub name: String,
    /// Email, if set.
    pub email: Option<String>,
    /// Contact, if set.
    pub contact: Option<String>,
    /// Address, if any part is set.
    pub address: Option<Address>,
    /// IANA time zone, if the provider keeps one.
    pub time_zone: Option<String>,
    /// Metadata (empty when none).
    pub metadata: Metadata,
    /// Active or archived.
    pub status: CustomerStatus,
    /// When it was created, if the provider says.
    pub created_at: Option<Timestamp>,
    /// When it was last updated, if the provider says.
    pub updated_at: Option<Timestamp>,
    /// Which provider holds it (`"memory"`, `"flexprice"`, …).
    pub provider: Cow<'static, str>,
    /// The provider's own JSON for it, if it came over the wire.
    pub raw: Option<RawJson>,
}

impl Customer {
    /// A builder with the required fields; status active, provider `"mock"`.
    pub fn builder(
        id: impl Into<CustomerId>,
        external_id: impl Into<String>,
        name: impl Into<String>,
    ) -> CustomerBuilder {
        CustomerBuilder {
            customer: Customer {
                id: id.into(),
                external_id: external_id.into(),
                name: name.into(),
                email: None,
                contact: None,
                address: None,
                time_zone: None,
                metadata: Metadata::new(),
                status: CustomerStatus::Active,
                created_at: None,
                updated_at: None,
                provider: Cow::Borrowed("mock"),
                raw: None,
            },
        }
    }

    /// Whether the customer is active.
    pub fn is_active(&self) -> bool {
        self.status == CustomerStatus::Active
    }
}

/// Builds a [`Customer`] read model (for adapters and for tests with mocks). No validation: a read model says
/// what the provider holds.
#[derive(Debug, Clone)]
pub struct CustomerBuilder {
    customer: Customer,
}

impl CustomerBuilder {
    /// Email.
    pub fn email(mut self, v: impl Into<String>) -> Self {
        self.customer.email = Some(v.into());
        self
    }

    /// Contact.
    pub fn contact(mut self, v: impl Into<String>) -> Self {
        self.customer.contact = Some(v.into());
        self
    }

    /// Address.
    pub fn address(mut self, v: Address) -> Self {
        self.customer.address = Some(v);
        self
    }

    /// Time zone.
    pub fn time_zone(mut self, v: impl Into<String>) -> Self {
        self.customer.time_zone = Some(v.into());
        self
    }

    /// Metadata.
    pub fn metadata(mut self, v: Metadata) -> Self {
        self.customer.metadata = v;
        self
    }

    /// Status.
    pub fn status(mut self, v: CustomerStatus) -> Self {
        self.customer.status = v;
        self
    }

    /// Creation time.
    pub fn created_at(mut self, v: Timestamp) -> Self {
        self.customer.created_at = Some(v);
        self
    }

    /// Last update time.
    pub fn updated_at(mut self, v: Timestamp) -> Self {
        self.customer.updated_at = Some(v);
        self
    }

    /// Provider name.
    pub fn provider(mut self, v: impl Into<Cow<'static, str>>) -> Self {
        self.customer.provider = v.into();
        self
    }

    /// The provider's JSON.
    pub fn raw(mut self, v: RawJson) -> Self {
        self.customer.raw = Some(v);
        self
    }

    /// The customer.
    pub fn build(self) -> Customer {
        self.customer
    }
}

/// Which customers to list.
///
/// ```
/// use unibill_core::CustomerListQuery;
/// let q = CustomerListQuery::new().limit(20).include_archived(true);
/// assert_eq!(q.limit, Some(20));
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct CustomerListQuery {
    /// Page size; clamped to the provider's maximum. `Some(0)` is `InvalidInput`.
    pub limit: Option<u32>,
    /// Where to continue, from a previous page's `next_cursor`.
    pub cursor: Option<Cursor>,
    /// Also list archived customers (where the provider can).
    pub include_archived: bool,
    /// The most pages [`list_all`](crate::CustomersExt::list_all) fetches before it ends with a `Provider`
    /// error (`None`: [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES); 0 is `InvalidInput`). A single
    /// `list` fetches one page and ignores it.
    pub max_pages: Option<u32>,
}

impl CustomerListQuery {
    /// The first page of active customers with the provider's default page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the page size.
    pub fn limit(mut self, limit: u32) -> Self {
        self.limit = Some(limit);
        self
    }

    /// Continues from a cursor.
    pub fn cursor(mut self, cursor: Cursor) -> Self {
        self.cursor = Some(cursor);
        self
    }

    /// Bounds [`list_all`](crate::CustomersExt::list_all) to `pages` pages (default
    /// [`DEFAULT_MAX_PAGES`](crate::page::DEFAULT_MAX_PAGES)).
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = Some(pages);
        self
    }

    /// Also lists archived customers.
    pub fn include_archived(mut self, yes: bool) -> Self {
        self.include_archived = yes;
        self
    }

    /// A fingerprint of the filters (not limit or cursor), to tag cursors with.
    pub fn fingerprint(&self) -> u64 {
        crate::page::QueryFingerprint::new()
            .with("customers")
            .with_bool(self.include_archived)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorKind;

    fn field_of(r: Result<impl std::fmt::Debug>) -> String {
        let err = r.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert_eq!(err.field_errors().len(), 1, "{err:?}");
        err.field_errors()[0].field.clone()
    }

    #[test]
    fn external_id_and_name_lengths() {
        assert!(
            NewCustomer::builder("x".repeat(255), "n".repeat(255))
                .build()
                .is_ok()
        );
        assert!(NewCustomer::builder("x", "n").build().is_ok());
        assert_eq!(
            field_of(NewCustomer::builder("x".repeat(256), "n").build()),
            "external_id"
        );
        assert_eq!(
            field_of(NewCustomer::builder("", "n").build()),
            "external_id"
        );
        assert_eq!(
            field_of(NewCustomer::builder("x", "n".repeat(256)).build()),
            "name"
        );
        assert_eq!(field_of(NewCustomer::builder("x", "").build()), "name");
    }

    #[test]
    fn email_rule() {
        assert!(
            NewCustomer::builder("x", "n")
                .email("a@b.co")
                .build()
                .is_ok()
        );
        assert_eq!(
            field_of(NewCustomer::builder("x", "n").email("a@").build()),
            "email"
        );
        assert_eq!(
            field_of(NewCustomer::builder("x", "n").email("").build()),
            "email"
        );
    }

    #[test]
    fn contact_rule() {
        assert!(
            NewCustomer::builder("x", "n")
                .contact("1".repeat(20))
                .build()
                .is_ok()
        );
        assert_eq!(
            field_of(
                NewCustomer::builder("x", "n")
                    .contact("1".repeat(21))
                    .build()
            ),
            "contact"
        );
    }

    #[test]
    fn address_rules_are_prefixed() {
        let unchecked = |b: crate::model::address::AddressBuilder| b.build_unchecked();
        let ok = unchecked(
            Address::builder()
                .line1("a".repeat(255))
                .line2("a".repeat(255))
                .city("c".repeat(100))
                .state("s".repeat(100))
                .postal_code("p".repeat(20))
                .country("GB"),
        );
        assert!(NewCustomer::builder("x", "n").address(ok).build().is_ok());
        for (b, field) in [
            (Address::builder().line1("a".repeat(256)), "address.line1"),
            (Address::builder().line2("a".repeat(256)), "address.line2"),
            (Address::builder().city("a".repeat(101)), "address.city"),
            (Address::builder().state("a".repeat(101)), "address.state"),
            (
                Address::builder().postal_code("a".repeat(21)),
                "address.postal_code",
            ),
            (Address::builder().country("gb"), "address.country"),
            (Address::builder().country("QQ"), "address.country"),
        ] {
            assert_eq!(
                field_of(NewCustomer::builder("x", "n").address(unchecked(b)).build()),
                field
            );
        }
    }

    #[test]
    fn time_zone_rule() {
        assert!(
            NewCustomer::builder("x", "n")
                .time_zone("Asia/Kolkata")
                .build()
                .is_ok()
        );
        assert_eq!(
            field_of(NewCustomer::builder("x", "n").time_zone("Local").build()),
            "time_zone"
        );
        assert_eq!(
            field_of(
                NewCustomer::builder("x", "n")
                    .time_zone("Nowhere/City")
                    .build()
            ),
            "time_zone"
        );
    }

    #[test]
    fn metadata_keys_rule() {
        let ok = Metadata::new().with("k".repeat(255), "v");
        assert!(NewCustomer::builder("x", "n").metadata(ok).build().is_ok());
        let bad = Metadata::new().with("", "v");
        assert_eq!(
            field_of(NewCustomer::builder("x", "n").metadata(bad).build()),
            "metadata"
        );
    }

    #[test]
    fn update_rules() {
        assert!(
            CustomerUpdate::builder()
                .external_id("x".repeat(255))
                .name("n".repeat(255))
                .build()
                .is_ok()
        );
        assert_eq!(
            field_of(
                CustomerUpdate::builder()
                    .external_id("x".repeat(256))
                    .build()
            ),
            "external_id"
        );
        assert_eq!(
            field_of(CustomerUpdate::builder().external_id("").build()),
            "external_id"
        );
        assert_eq!(field_of(CustomerUpdate::builder().name("").build()), "name");
        assert_eq!(
            field_of(CustomerUpdate::builder().name("n".repeat(256)).build()),
            "name"
        );
        assert_eq!(
            field_of(CustomerUpdate::builder().email("x").build()),
            "email"
        );
        assert_eq!(
            field_of(CustomerUpdate::builder().contact("1".repeat(21)).build()),
            "contact"
        );
        assert!(
            CustomerUpdate::builder()
                .contact("1".repeat(20))
                .build()
                .is_ok()
        );
        assert_eq!(
            field_of(CustomerUpdate::builder().time_zone("Local").build()),
            "time_zone"
        );
        let bad_addr = Address::builder().country("usa").build_unchecked();
        assert_eq!(
            field_of(CustomerUpdate::builder().address(bad_addr).build()),
            "address.country"
        );
        assert!(
            CustomerUpdate::builder()
                .clear_email()
                .clear_address()
                .clear_metadata()
                .build()
                .is_ok()
        );
    }

    #[test]
    fn every_broken_rule_is_reported() {
        let err = NewCustomer::builder("", "")
            .email("bad")
            .build()
            .unwrap_err();
        let fields: Vec<_> = err
            .field_errors()
            .iter()
            .map(|e| e.field.as_str())
            .collect();
        assert_eq!(fields, ["external_id", "name", "email"]);
    }

    #[test]
    fn read_model_round_trips_through_json() {
        let c = Customer::builder("cust_1", "ext", "Ada")
            .email("ada@example.com")
            .metadata(Metadata::new().with("k", "v"))
            .status(CustomerStatus::Other("frozen".into()))
            .raw(RawJson::from_string(r#"{"id":"cust_1"}"#.into()).unwrap())
            .build();
        let json = serde_json::to_string(&c).unwrap();
        let back: Customer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
    }
}
