//! [`Guarded`]: checks every call against the provider's capabilities before the provider runs.
//!
//! An operation or field the provider does not offer is `Unsupported` (naming it), a field the provider
//! requires is `InvalidInput`, and list limits are checked and clamped, all without the provider seeing the
//! call. [`crate::Billing`] wraps every provider in it. The billing-lifecycle resources' impls are in
//! `lifecycle.rs`.

mod lifecycle;

use futures::future::BoxFuture;

use crate::api::{Connections, Customers, Prices, Stores, boxed_method};
use crate::capability::{
    ConnectionCapabilities, CustomerCapabilities, FieldRule, PriceCapabilities, StoreCapabilities,
};
use crate::error::{Error, Result};
use crate::id::{ConnectionId, CustomerId, IntegrationConfigurationId, PriceId, StoreId};
use crate::model::connection::{
    Connection, ConnectionListQuery, ConnectionProviderType, ConnectionUpdate, NewConnection,
};
use crate::model::customer::{Customer, CustomerListQuery, CustomerUpdate, NewCustomer};
use crate::model::price::{
    NewPrice, PackageRounding, Price, PriceKind, PriceListQuery, PriceUpdate, PricingScheme,
    TierMode,
};
use crate::model::store::{
    BillingPlan, BillingPlanQuery, IntegrationConfiguration, IntegrationProduct, NewStore, Store,
};
use crate::money::Money;
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
    } else if provider == crate::unconfigured::UNCONFIGURED {
        Err(crate::unconfigured::unconfigured(operation))
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

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Customers + ?Sized> Customers for Guarded<T> {
    fn capabilities(&self) -> CustomerCapabilities {
        self.inner.capabilities()
    }

    boxed_method! {
        fn create(&self, input: NewCustomer) -> Result<Customer> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }

    boxed_method! {
        fn get(&self, id: CustomerId) -> Result<Customer> {
            let caps = self.capabilities();
            let checked = require(caps.get, caps.provider, "customers.get")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.get(id))
        }
    }

    boxed_method! {
        fn get_by_external_id(&self, external_id: String) -> Result<Customer> {
            let caps = self.capabilities();
            let checked = require(
                caps.get_by_external_id,
                caps.provider,
                "customers.get_by_external_id",
            )
            .and_then(|()| non_empty("external_id", &external_id));
            checked.map_or_else(refused, |()| self.inner.get_by_external_id(external_id))
        }
    }

    boxed_method! {
        fn list(&self, mut query: CustomerListQuery) -> Result<Page<Customer>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }

    boxed_method! {
        fn update(&self, id: CustomerId, update: CustomerUpdate) -> Result<Customer> {
            let checked = self
                .capabilities()
                .check_update(&update)
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.update(id, update))
        }
    }

    boxed_method! {
        fn delete(&self, id: CustomerId) -> Result<()> {
            let caps = self.capabilities();
            let checked = require(caps.delete, caps.provider, "customers.delete")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.delete(id))
        }
    }
}

/// A call the guard refused, as the future the trait returns.
fn refused<'a, R: Send + 'a>(error: Error) -> BoxFuture<'a, Result<R>> {
    Box::pin(std::future::ready(Err(error)))
}

/// `InvalidInput` naming `field` when `value` is empty.
fn non_empty(field: &str, value: &str) -> Result<()> {
    if value.is_empty() {
        Err(Error::invalid_field(field, "must not be empty"))
    } else {
        Ok(())
    }
}

fn unsupported_on(provider: &'static str, field: &str, op: &'static str) -> Error {
    Error::unsupported_field(provider, field).with_operation(op)
}

impl PriceCapabilities {
    /// Checks a create input against these capabilities: kind, scheme, product id rule, optional fields, the
    /// flags a provider would override, and whole minor units where the provider needs them.
    pub fn check_create(&self, input: &NewPrice) -> Result<()> {
        const OP: &str = "prices.create";
        require(self.create, self.provider, OP)?;
        let kind = input.kind();
        let (offered, rule) = match kind {
            PriceKind::Recurring { .. } => (self.kinds.recurring, self.product_id.recurring),
            PriceKind::OneTime => (self.kinds.one_time, self.product_id.one_time),
            PriceKind::Usage { .. } => (self.kinds.usage, self.product_id.usage),
        };
        if !offered {
            return Err(
                Error::unsupported(self.provider, format_args!("{} prices", kind.name()))
                    .with_field_errors([crate::FieldError::new(
                        "kind",
                        "not supported by this provider",
                    )])
                    .with_operation(OP),
            );
        }
        let fixed = !matches!(kind, PriceKind::Usage { .. });
        let scheme_ok = match input.scheme() {
            PricingScheme::PerUnit => self.schemes.per_unit,
            PricingScheme::Package { rounding, .. } => {
                self.schemes.package
                    && (self.schemes.package_on_fixed || !fixed)
                    && (*rounding == PackageRounding::Up || self.schemes.package_round_down)
            }
            PricingScheme::Tiered { mode, .. } => match mode {
                TierMode::Volume => self.schemes.tiered_volume,
                TierMode::Graduated => self.schemes.tiered_graduated,
            },
        };
        if !scheme_ok {
            return Err(unsupported_on(self.provider, "scheme", OP));
        }
        if !rule.allows(input.product_id().is_some()) {
            let message = match rule {
                FieldRule::Required => format!(
                    "is required by the {} provider for {} prices",
                    self.provider,
                    kind.name()
                ),
                _ => format!(
                    "must not be set for {} prices on the {} provider",
                    kind.name(),
                    self.provider
                ),
            };
            return Err(Error::invalid_field("product_id", message).with_operation(OP));
        }
        let f = self.fields;
        let trial = matches!(
            kind,
            PriceKind::Recurring {
                trial_days: Some(_),
                ..
            }
        );
        for (present, supported, field) in [
            (trial, f.trial_days, "trial_days"),
            (input.setup_fee().is_some(), f.setup_fee, "setup_fee"),
            (input.is_default().is_some(), f.is_default, "is_default"),
            (input.slug().is_some(), f.slug, "slug"),
            (input.name().is_some(), f.name, "name"),
            (input.description().is_some(), f.description, "description"),
            (input.metadata().is_some(), f.metadata, "metadata"),
        ] {
            if present && !supported {
                return Err(unsupported_on(self.provider, field, OP));
            }
        }
        if input.active() == Some(false) && !f.create_inactive {
            // The contract: a flag the provider would override is InvalidInput when set to what it won't keep.
            return Err(Error::invalid_field(
                "active",
                format!(
                    "the {} provider makes every new price active; leave it unset",
                    self.provider
                ),
            )
            .with_operation(OP));
        }
        if self.create_archives_siblings && fixed {
            for (v, field) in [
                (input.active(), "active"),
                (input.is_default(), "is_default"),
            ] {
                if v == Some(false) {
                    return Err(Error::invalid_field(
                        field,
                        format!(
                            "the {} provider makes every new {} price active and default; leave it unset",
                            self.provider,
                            kind.name()
                        ),
                    )
                    .with_operation(OP));
                }
            }
        }
        if self.whole_minor_units_only {
            let mut amounts: Vec<(String, &Money)> =
                vec![("unit_amount".to_owned(), input.unit_amount())];
            if let Some(fee) = input.setup_fee() {
                amounts.push(("setup_fee".to_owned(), fee));
            }
            if let PricingScheme::Tiered { tiers, .. } = input.scheme() {
                for (i, t) in tiers.iter().enumerate() {
                    amounts.push((format!("scheme.tiers[{i}].unit_amount"), &t.unit_amount));
                    if let Some(flat) = &t.flat_amount {
                        amounts.push((format!("scheme.tiers[{i}].flat_amount"), flat));
                    }
                }
            }
            for (field, money) in amounts {
                let exact = match &self.minor_unit_exponents {
                    Some(table) => money.to_minor_units_with(table),
                    None => money.to_minor_units(),
                };
                if let Err(e) = exact {
                    let why = e
                        .field_errors()
                        .first()
                        .map(|f| f.message.clone())
                        .unwrap_or_else(|| e.message().to_owned());
                    return Err(Error::invalid_field(
                        field,
                        format!(
                            "the {} provider bills whole minor units: {why}",
                            self.provider
                        ),
                    )
                    .with_operation(OP));
                }
            }
        }
        Ok(())
    }

    /// Checks an update against these capabilities.
    pub fn check_update(&self, update: &PriceUpdate) -> Result<()> {
        const OP: &str = "prices.update";
        require(self.update, self.provider, OP)?;
        let u = self.update_fields;
        for (ok, field) in [
            (u.name.allows(update.name()), "name"),
            (u.slug.allows(update.slug()), "slug"),
            (update.active() != Some(false) || u.deactivate, "active"),
            (update.active() != Some(true) || u.reactivate, "active"),
            (update.is_default().is_none() || u.is_default, "is_default"),
        ] {
            if !ok {
                return Err(unsupported_on(self.provider, field, OP));
            }
        }
        Ok(())
    }

    /// Checks (and clamps) a list query.
    pub fn check_list(&self, query: &mut PriceListQuery) -> Result<()> {
        const OP: &str = "prices.list";
        require(self.list, self.provider, OP)?;
        clamp_limit(&mut query.limit, self.max_page_size)?;
        if query.include_archived && !self.list_include_archived {
            return Err(unsupported_on(self.provider, "include_archived", OP));
        }
        if query.product_id.is_some() && !self.list_filter_product {
            return Err(unsupported_on(self.provider, "product_id", OP));
        }
        if query.product_id.as_deref() == Some("") {
            return Err(Error::invalid_field("product_id", "must not be empty"));
        }
        Ok(())
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Prices + ?Sized> Prices for Guarded<T> {
    fn capabilities(&self) -> PriceCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewPrice) -> Result<Price> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }
    boxed_method! {
        fn get(&self, id: PriceId) -> Result<Price> {
            let caps = self.capabilities();
            let checked = require(caps.get, caps.provider, "prices.get")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.get(id))
        }
    }
    boxed_method! {
        fn list(&self, mut query: PriceListQuery) -> Result<Page<Price>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }
    boxed_method! {
        fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
            let checked = self.capabilities().check_update(&update)
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.update(id, update))
        }
    }
    boxed_method! {
        fn archive(&self, id: PriceId) -> Result<Price> {
            let caps = self.capabilities();
            let checked = require(caps.archive, caps.provider, "prices.archive")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.archive(id))
        }
    }
}

impl ConnectionCapabilities {
    /// Checks a create input against these capabilities.
    pub fn check_create(&self, input: &NewConnection) -> Result<()> {
        const OP: &str = "connections.create";
        require(self.create, self.provider, OP)?;
        let f = self.fields;
        for (present, supported, field) in [
            (input.settings().is_some(), f.settings, "settings"),
            (input.sync_config().is_some(), f.sync_config, "sync_config"),
            (input.metadata().is_some(), f.metadata, "metadata"),
            (
                matches!(input.provider_type(), ConnectionProviderType::Other(_)),
                f.other_provider_types,
                "provider_type",
            ),
        ] {
            if present && !supported {
                return Err(unsupported_on(self.provider, field, OP));
            }
        }
        Ok(())
    }

    /// Checks an update against these capabilities.
    pub fn check_update(&self, update: &ConnectionUpdate) -> Result<()> {
        const OP: &str = "connections.update";
        require(self.update, self.provider, OP)?;
        let u = self.update_fields;
        for (ok, field) in [
            (update.name().is_none() || u.name, "name"),
            (u.metadata.allows(update.metadata()), "metadata"),
            (
                update.sync_config().is_none() || u.sync_config,
                "sync_config",
            ),
            (update.secrets().is_none() || u.secrets, "secrets"),
        ] {
            if !ok {
                return Err(unsupported_on(self.provider, field, OP));
            }
        }
        Ok(())
    }

    /// Checks (and clamps) a list query.
    pub fn check_list(&self, query: &mut ConnectionListQuery) -> Result<()> {
        require(self.list, self.provider, "connections.list")?;
        clamp_limit(&mut query.limit, self.max_page_size)
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Connections + ?Sized> Connections for Guarded<T> {
    fn capabilities(&self) -> ConnectionCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewConnection) -> Result<Connection> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }
    boxed_method! {
        fn get(&self, id: ConnectionId) -> Result<Connection> {
            let caps = self.capabilities();
            let checked = require(caps.get, caps.provider, "connections.get")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.get(id))
        }
    }
    boxed_method! {
        fn list(&self, mut query: ConnectionListQuery) -> Result<Page<Connection>> {
            let checked = self.capabilities().check_list(&mut query);
            checked.map_or_else(refused, |()| self.inner.list(query))
        }
    }
    boxed_method! {
        fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
            let checked = self.capabilities().check_update(&update)
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.update(id, update))
        }
    }
    boxed_method! {
        fn delete(&self, id: ConnectionId) -> Result<()> {
            let caps = self.capabilities();
            let checked = require(caps.delete, caps.provider, "connections.delete")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.delete(id))
        }
    }
}

impl StoreCapabilities {
    /// Checks a create input against these capabilities.
    pub fn check_create(&self, input: &NewStore) -> Result<()> {
        const OP: &str = "stores.create";
        require(self.create, self.provider, OP)?;
        let f = self.fields;
        for (present, supported, field) in [
            (
                input.billing_plan_id().is_some(),
                f.billing_plan,
                "billing_plan_id",
            ),
            (
                input.payment_method_id().is_some(),
                f.payment_method,
                "payment_method_id",
            ),
            (input.external_id().is_some(), f.external_id, "external_id"),
            (input.metadata().is_some(), f.metadata, "metadata"),
            (
                input.protocol_settings().is_some(),
                f.protocol_settings,
                "protocol_settings",
            ),
            (input.prepayment().is_some(), f.prepayment, "prepayment"),
            (input.source().is_some(), f.source, "source"),
        ] {
            if present && !supported {
                return Err(unsupported_on(self.provider, field, OP));
            }
        }
        Ok(())
    }
}

// The checks run when the call is made; a call they pass is the provider's own boxed future, not a second box
// around it.
impl<T: Stores + ?Sized> Stores for Guarded<T> {
    fn capabilities(&self) -> StoreCapabilities {
        self.inner.capabilities()
    }
    boxed_method! {
        fn create(&self, input: NewStore) -> Result<Store> {
            let checked = self.capabilities().check_create(&input);
            checked.map_or_else(refused, |()| self.inner.create(input))
        }
    }
    boxed_method! {
        fn get(&self, id: StoreId) -> Result<Store> {
            let caps = self.capabilities();
            let checked = require(caps.get, caps.provider, "stores.get")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.get(id))
        }
    }
    boxed_method! {
        fn delete(&self, id: StoreId) -> Result<()> {
            let caps = self.capabilities();
            let checked = require(caps.delete, caps.provider, "stores.delete")
                .and_then(|()| non_empty("id", id.as_str()));
            checked.map_or_else(refused, |()| self.inner.delete(id))
        }
    }
    boxed_method! {
        fn list_billing_plans(&self, query: BillingPlanQuery) -> Result<Vec<BillingPlan>> {
            // The query is valid by construction; only the operation is checked.
            let caps = self.capabilities();
            let checked = require(
                caps.list_billing_plans,
                caps.provider,
                "stores.list_billing_plans",
            );
            checked.map_or_else(refused, |()| self.inner.list_billing_plans(query))
        }
    }
    boxed_method! {
        fn list_configurations(&self, integration: Option<String>) -> Result<Vec<IntegrationConfiguration>> {
            let caps = self.capabilities();
            let checked = require(
                caps.list_configurations,
                caps.provider,
                "stores.list_configurations",
            )
            .and_then(|()| integration.as_deref().map_or(Ok(()), |i| non_empty("integration", i)));
            checked.map_or_else(refused, |()| self.inner.list_configurations(integration))
        }
    }
    boxed_method! {
        fn list_products(&self, configuration_id: IntegrationConfigurationId) -> Result<Vec<IntegrationProduct>> {
            let caps = self.capabilities();
            let checked = require(caps.list_products, caps.provider, "stores.list_products")
                .and_then(|()| non_empty("configuration_id", configuration_id.as_str()));
            checked.map_or_else(refused, |()| self.inner.list_products(configuration_id))
        }
    }
}
