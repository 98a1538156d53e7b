//! [`BillingConfig::build`]: from routes to a [`Billing`] whose resources are served by provider instances.

#[cfg(any(feature = "flexprice", feature = "flowglad", feature = "vercel"))]
use std::sync::Arc;

use unibill_core::{
    Billing, Error, MemoryConnections, MemoryCustomers, MemoryPrices, MemoryStores, RequestCounter,
    Result,
};

use super::{BillingConfig, PROVIDER_VARS, ProviderName, Resource};

impl BillingConfig {
    /// Checks the configuration and builds the [`Billing`] bundle. Each provider is instantiated once and
    /// shared by every resource routed to it.
    pub fn build(&self) -> Result<Billing> {
        self.check()?;
        let memory = RequestCounter::new();
        let mut builder = Billing::builder();
        let mut instances = Instances::default();
        for resource in Resource::ALL {
            let Some(provider) = self.route(resource) else {
                continue;
            };
            builder = match (provider, resource) {
                (ProviderName::Memory, Resource::Customers) => {
                    builder.customers(MemoryCustomers::with_counter(memory.clone()))
                }
                (ProviderName::Memory, Resource::Prices) => {
                    builder.prices(MemoryPrices::with_counter(memory.clone()))
                }
                (ProviderName::Memory, Resource::Connections) => {
                    builder.connections(MemoryConnections::with_counter(memory.clone()))
                }
                (ProviderName::Memory, Resource::Stores) => {
                    builder.stores(MemoryStores::with_counter(memory.clone()))
                }
                (p, r) => instances.route(self, builder, p, r)?,
            };
        }
        Ok(builder.build())
    }

    /// The Flexprice client this configuration's Flexprice settings make (`FLEXPRICE_API_KEY`, and the region or
    /// base URL, from the environment, a TOML file's `[flexprice]` table or [`BillingConfig::set`]): the same
    /// settings [`BillingConfig::build`] gives the client it routes resources to, for what is Flexprice's own
    /// and not a neutral resource, such as the plans every Flexprice price hangs off
    /// ([`unibill_flexprice::FlexpriceClient::create_plan`]). Routes are not consulted; a missing key is a
    /// `Config` error naming it.
    ///
    /// ```
    /// use unibill::BillingConfig;
    ///
    /// let config = BillingConfig::new().set("FLEXPRICE_API_KEY", "sk_test_123")?;
    /// let flexprice = config.flexprice_client()?;
    /// # let _ = flexprice;
    /// let err = BillingConfig::new().flexprice_client().unwrap_err();
    /// assert!(err.to_string().contains("FLEXPRICE_API_KEY"), "{err}");
    /// # Ok::<(), unibill::Error>(())
    /// ```
    #[cfg(feature = "flexprice")]
    #[cfg_attr(docsrs, doc(cfg(feature = "flexprice")))]
    pub fn flexprice_client(&self) -> Result<unibill_flexprice::FlexpriceClient> {
        unibill_flexprice::FlexpriceClient::new(
            unibill_flexprice::FlexpriceConfig::from_secret_lookup(|name| self.lookup(name))?,
        )
    }

    /// The checks that need no provider: routes compiled in and able to serve their resource, and no provider
    /// settings without a route using them.
    fn check(&self) -> Result<()> {
        for resource in Resource::ALL {
            let Some(p) = self.route(resource) else {
                continue;
            };
            if !p.is_compiled() {
                return Err(Error::config(format!(
                    "{resource} are routed to {p}, but this build has no {p} support: enable the unibill cargo feature `{}`",
                    p.feature().unwrap_or_default()
                )));
            }
            if !p.serves(resource) {
                let servers: Vec<_> = ProviderName::ALL
                    .iter()
                    .filter(|q| q.serves(resource))
                    .map(|q| q.as_str())
                    .collect();
                return Err(Error::config(format!(
                    "{p} does not serve {resource}: set {} to one of {}",
                    resource.env_var(),
                    servers.join(", ")
                )));
            }
        }
        if self.default.is_none()
            && self.routes.is_empty()
            && let Some(name) = self.vars.keys().next()
        {
            let provider = PROVIDER_VARS
                .iter()
                .find(|v| v.name == *name)
                .map(|v| v.provider);
            return Err(Error::config(format!(
                "{name} is set but no resource is routed to {}: set UNIBILL_PROVIDER or UNIBILL_<RESOURCE>_PROVIDER",
                provider.map(|p| p.as_str()).unwrap_or("a provider")
            )));
        }
        Ok(())
    }
}

/// Provider instances, made on first use and shared across resources.
#[derive(Default)]
struct Instances {
    #[cfg(feature = "flexprice")]
    flexprice: Option<Arc<unibill_flexprice::FlexpriceClient>>,
    #[cfg(feature = "flowglad")]
    flowglad: Option<Arc<unibill_flowglad::FlowgladClient>>,
    #[cfg(feature = "vercel")]
    vercel: Option<Arc<unibill_vercel::VercelClient>>,
}

impl Instances {
    #[allow(unused_variables, unused_mut)]
    fn route(
        &mut self,
        config: &BillingConfig,
        builder: unibill_core::BillingBuilder,
        provider: ProviderName,
        resource: Resource,
    ) -> Result<unibill_core::BillingBuilder> {
        let lookup = |name: &str| config.lookup(name);
        match provider {
            #[cfg(feature = "flexprice")]
            ProviderName::Flexprice => {
                let client = shared(&mut self.flexprice, || {
                    unibill_flexprice::FlexpriceClient::new(
                        unibill_flexprice::FlexpriceConfig::from_secret_lookup(lookup)?,
                    )
                })?;
                Ok(match resource {
                    Resource::Customers => builder.customers_arc(client),
                    Resource::Connections => builder.connections_arc(client),
                    Resource::Prices => builder.prices_arc(client),
                    _ => unreachable_route(provider, resource)?,
                })
            }
            #[cfg(feature = "flowglad")]
            ProviderName::Flowglad => {
                let client = shared(&mut self.flowglad, || {
                    unibill_flowglad::FlowgladClient::new(
                        unibill_flowglad::FlowgladConfig::from_secret_lookup(lookup)?,
                    )
                })?;
                Ok(match resource {
                    Resource::Prices => builder.prices_arc(client),
                    Resource::Customers => builder.customers_arc(client),
                    _ => unreachable_route(provider, resource)?,
                })
            }
            #[cfg(feature = "vercel")]
            ProviderName::Vercel => {
                let client = shared(&mut self.vercel, || {
                    unibill_vercel::VercelClient::new(
                        unibill_vercel::VercelConfig::from_secret_lookup(lookup)?,
                    )
                })?;
                Ok(match resource {
                    Resource::Stores => builder.stores_arc(client),
                    _ => unreachable_route(provider, resource)?,
                })
            }
            _ => unreachable_route(provider, resource),
        }
    }
}

/// The provider instance in `slot`, made by `make` on first use: every resource routed to one provider shares
/// one client (one connection pool).
#[cfg(any(feature = "flexprice", feature = "flowglad", feature = "vercel"))]
fn shared<C>(slot: &mut Option<Arc<C>>, make: impl FnOnce() -> Result<C>) -> Result<Arc<C>> {
    if let Some(client) = slot {
        return Ok(Arc::clone(client));
    }
    let client = Arc::new(make()?);
    *slot = Some(Arc::clone(&client));
    Ok(client)
}

/// A route `check` should have refused; kept as an error rather than a panic.
fn unreachable_route(
    provider: ProviderName,
    resource: Resource,
) -> Result<unibill_core::BillingBuilder> {
    Err(Error::config(format!(
        "{provider} cannot serve {resource} in this build"
    )))
}
