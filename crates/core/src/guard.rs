//! [`Guarded`]: checks every call against the provider's capabilities before the provider runs.
//!
//! An operation or field the provider does not offer is `Unsupported` (naming it), a field the provider
//! requires is `InvalidInput`, and list limits are checked and clamped, all without the provider seeing the
//! call. [`crate::Billing`] wraps every provider in it.

use async_trait::async_trait;

use crate::api::Customers;
use crate::capability::CustomerCapabilities;
use crate::error::{Error, Result};
use crate::id::CustomerId;
use crate::model::customer::{Customer, CustomerListQuery, CustomerUpdate, NewCustomer};
use crate::page::Page;

/// A provider behind the capability guard.
///
/// ```
/// # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
/// use unibill_core::{Customers, CustomerListQuery, ErrorKind, Guarded, MemoryCustomers};
///
/// let guarded = Guarded::new(MemoryCustomers::new());
/// let err = guarded.list(CustomerListQuery::new().limit(0)).await.unwrap_err();
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// # });
/// ```
#[derive(Debug, Clone)]
pub struct Guarded<T: ?Sized> {
    inner: T,
}

impl<T> Guarded<T> {
    /// Puts `inner` behind the guard.
    pub fn new(inner: T) -> Self {
        Guarded { inner }
    }

    /// The guarded provider.
    pub fn into_inner(self) -> T {
        self.inner
    }
}

impl<T: ?Sized> Guarded<T> {
    /// The guarded provider.
    pub fn inner(&self) -> &T {
        &self.inner
    }
}

/// `Unsupported` unless `offered`.
pub(crate) fn require(
    offered: bool,
    provider: &'static str,
    operation: &'static str,
) -> Result<()> {
    if offered {
        Ok(())
    } else {
        Err(
            Error::unsupported(provider, format_args!("operation `{operation}`"))
                .with_operation(operation),
        )
    }
}

/// Checks a list limit (`0` is invalid) and clamps it to the provider's maximum.
pub(crate) fn clamp_limit(limit: &mut Option<u32>, max: u32) -> Result<()> {
    match limit {
        Some(0) => Err(Error::invalid_field("limit", "must be at least 1")),
        Some(n) if *n > max => {
            *n = max;
            Ok(())
        }
        _ => Ok(()),
    }
}

impl CustomerCapabilities {
    /// Checks a create input against these capabilities.
    pub fn check_create(&self, input: &NewCustomer) -> Result<()> {
        require(self.create, self.provider, "customers.create")?;
        let f = self.fields;
        for (present, supported, field) in [
            (input.email().is_some(), f.email, "email"),
            (input.contact().is_some(), f.contact, "contact"),
            (input.address().is_some(), f.address, "address"),
            (input.time_zone().is_some(), f.time_zone, "time_zone"),
            (input.metadata().is_some(), f.metadata, "metadata"),
        ] {
            if present && !supported {
                return Err(Error::unsupported_field(self.provider, field)
                    .with_operation("customers.create"));
            }
        }
        if self.email_required && input.email().is_none() {
            return Err(Error::invalid_field(
                "email",
                format!("is required by the {} provider", self.provider),
            ));
        }
        Ok(())
    }

    /// Checks an update against these capabilities.
    pub fn check_update(&self, update: &CustomerUpdate) -> Result<()> {
        require(self.update, self.provider, "customers.update")?;
        let u = self.update_fields;
        let unsupported = |field: &str| {
            Err(Error::unsupported_field(self.provider, field).with_operation("customers.update"))
        };
        if update.external_id().is_some() && !u.external_id {
            return unsupported("external_id");
        }
        if update.name().is_some() && !u.name {
            return unsupported("name");
        }
        for (ok, field) in [
            (u.email.allows(update.email()), "email"),
            (u.contact.allows(update.contact()), "contact"),
            (u.address.allows(update.address()), "address"),
            (u.time_zone.allows(update.time_zone()), "time_zone"),
            (u.metadata.allows(update.metadata()), "metadata"),
        ] {
            if !ok {
                return unsupported(field);
            }
        }
        Ok(())
    }

    /// Checks (and clamps) a list query against these capabilities.
    pub fn check_list(&self, query: &mut CustomerListQuery) -> Result<()> {
        require(self.list, self.provider, "customers.list")?;
        clamp_limit(&mut query.limit, self.max_page_size)?;
        if query.include_archived && !self.list_include_archived {
            return Err(Error::unsupported_field(self.provider, "include_archived")
                .with_operation("customers.list"));
        }
        Ok(())
    }
}

#[async_trait]
impl<T: Customers + ?Sized> Customers for Guarded<T> {
    fn capabilities(&self) -> CustomerCapabilities {
        self.inner.capabilities()
    }

    async fn create(&self, input: NewCustomer) -> Result<Customer> {
        self.capabilities().check_create(&input)?;
        self.inner.create(input).await
    }

    async fn get(&self, id: CustomerId) -> Result<Customer> {
        let caps = self.capabilities();
        require(caps.get, caps.provider, "customers.get")?;
        if id.as_str().is_empty() {
            return Err(Error::invalid_field("id", "must not be empty"));
        }
        self.inner.get(id).await
    }

    async fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
        let caps = self.capabilities();
        require(
            caps.get_by_external_id,
            caps.provider,
            "customers.get_by_external_id",
        )?;
        if external_id.is_empty() {
            return Err(Error::invalid_field("external_id", "must not be empty"));
        }
        self.inner.get_by_external_id(external_id).await
    }

    async fn list(&self, mut query: CustomerListQuery) -> Result<Page<Customer>> {
        self.capabilities().check_list(&mut query)?;
        self.inner.list(query).await
    }

    async fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
        self.capabilities().check_update(&update)?;
        if id.as_str().is_empty() {
            return Err(Error::invalid_field("id", "must not be empty"));
        }
        self.inner.update(id, update).await
    }

    async fn delete(&self, id: CustomerId) -> Result<()> {
        let caps = self.capabilities();
        require(caps.delete, caps.provider, "customers.delete")?;
        if id.as_str().is_empty() {
            return Err(Error::invalid_field("id", "must not be empty"));
        }
        self.inner.delete(id).await
    }
}
