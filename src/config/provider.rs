//! Provider and resource names as configuration spells them.

use std::fmt;
use std::str::FromStr;

use unibill_core::{Error, Result};

use super::spec::{PROVIDERS, ProviderSpec};

/// A provider that can serve resources; its facts are its [`ProviderSpec`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ProviderName {
    /// The built-in in-memory provider (every resource, the billing lifecycle included).
    Memory,
    /// Flexprice (customers, connections, prices); cargo feature `flexprice`.
    Flexprice,
    /// Flowglad (prices, customers); cargo feature `flowglad`.
    Flowglad,
    /// Vercel integration stores (stores); cargo feature `vercel`.
    Vercel,
}

impl ProviderName {
    /// Every provider name.
    pub const ALL: [ProviderName; 4] = [
        ProviderName::Memory,
        ProviderName::Flexprice,
        ProviderName::Flowglad,
        ProviderName::Vercel,
    ];

    /// What unibill knows of this provider (its row of [`PROVIDERS`]).
    pub fn spec(self) -> &'static ProviderSpec {
        &PROVIDERS[self as usize]
    }

    /// The name as configuration spells it (`"flexprice"`).
    pub fn as_str(self) -> &'static str {
        self.spec().as_str
    }

    /// The cargo feature that compiles this provider in (`None` for memory, always there).
    pub fn feature(self) -> Option<&'static str> {
        self.spec().feature
    }

    /// Whether this build has the provider compiled in.
    pub fn is_compiled(self) -> bool {
        self.spec().compiled
    }

    /// Whether the provider can serve `resource` at all.
    pub fn serves(self, resource: Resource) -> bool {
        self.spec().serves(resource)
    }
}

impl fmt::Display for ProviderName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ProviderName {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        let wanted = s.trim().to_ascii_lowercase();
        ProviderName::ALL
            .into_iter()
            .find(|p| p.as_str() == wanted)
            .ok_or_else(|| {
                let names: Vec<_> = PROVIDERS.iter().map(|p| p.as_str).collect();
                Error::config(format!(
                    "unknown provider `{s}`: use one of {}",
                    names.join(", ")
                ))
            })
    }
}

/// A kind of resource a provider serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Resource {
    /// Customers.
    Customers,
    /// Prices.
    Prices,
    /// Integration connections.
    Connections,
    /// Provisioned stores and their billing plans.
    Stores,
    /// Meters (the billing lifecycle).
    Meters,
    /// Features and their grants to products (the billing lifecycle).
    Features,
    /// Subscriptions (the billing lifecycle).
    Subscriptions,
    /// Usage events (the billing lifecycle).
    Usage,
    /// Entitlements (the billing lifecycle).
    Entitlements,
    /// Invoices (the billing lifecycle).
    Invoices,
}

impl Resource {
    /// Every resource.
    pub const ALL: [Resource; 10] = [
        Resource::Customers,
        Resource::Prices,
        Resource::Connections,
        Resource::Stores,
        Resource::Meters,
        Resource::Features,
        Resource::Subscriptions,
        Resource::Usage,
        Resource::Entitlements,
        Resource::Invoices,
    ];

    /// The billing-lifecycle resources.
    pub const LIFECYCLE: [Resource; 6] = [
        Resource::Meters,
        Resource::Features,
        Resource::Subscriptions,
        Resource::Usage,
        Resource::Entitlements,
        Resource::Invoices,
    ];

    /// The resources that must resolve to one provider once any lifecycle resource is routed: a subscription
    /// names that provider's customer and price, usage its meters, entitlements its grants (connections and
    /// stores stand apart).
    pub const ONE_PROVIDER: [Resource; 8] = [
        Resource::Customers,
        Resource::Prices,
        Resource::Meters,
        Resource::Features,
        Resource::Subscriptions,
        Resource::Usage,
        Resource::Entitlements,
        Resource::Invoices,
    ];

    /// Whether this is a billing-lifecycle resource ([`Resource::LIFECYCLE`]).
    pub fn is_lifecycle(self) -> bool {
        Resource::LIFECYCLE.contains(&self)
    }

    /// The name as configuration spells it (`"customers"`).
    pub fn as_str(self) -> &'static str {
        match self {
            Resource::Customers => "customers",
            Resource::Prices => "prices",
            Resource::Connections => "connections",
            Resource::Stores => "stores",
            Resource::Meters => "meters",
            Resource::Features => "features",
            Resource::Subscriptions => "subscriptions",
            Resource::Usage => "usage",
            Resource::Entitlements => "entitlements",
            Resource::Invoices => "invoices",
        }
    }

    /// The environment variable that routes this resource (`UNIBILL_CUSTOMERS_PROVIDER`).
    pub fn env_var(self) -> &'static str {
        match self {
            Resource::Customers => "UNIBILL_CUSTOMERS_PROVIDER",
            Resource::Prices => "UNIBILL_PRICES_PROVIDER",
            Resource::Connections => "UNIBILL_CONNECTIONS_PROVIDER",
            Resource::Stores => "UNIBILL_STORES_PROVIDER",
            Resource::Meters => "UNIBILL_METERS_PROVIDER",
            Resource::Features => "UNIBILL_FEATURES_PROVIDER",
            Resource::Subscriptions => "UNIBILL_SUBSCRIPTIONS_PROVIDER",
            Resource::Usage => "UNIBILL_USAGE_PROVIDER",
            Resource::Entitlements => "UNIBILL_ENTITLEMENTS_PROVIDER",
            Resource::Invoices => "UNIBILL_INVOICES_PROVIDER",
        }
    }
}

impl fmt::Display for Resource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Resource {
    type Err = Error;

    fn from_str(s: &str) -> Result<Self> {
        Resource::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| {
                let names: Vec<_> = Resource::ALL.iter().map(|r| r.as_str()).collect();
                Error::config(format!(
                    "unknown resource `{s}`: use one of {}",
                    names.join(", ")
                ))
            })
    }
}
