//! [`BillingConfig::build`]: from routes to a [`Billing`] whose resources are served by provider instances.

#[cfg(any(feature = "flexprice", feature = "flowglad", feature = "vercel"))]
use std::sync::Arc;

use unibill_core::{Billing, BillingBuilder, Error, Result};

use super::spec::WEBHOOK_SECRET_KEY;
use super::{BillingConfig, PROVIDER_VAR, PROVIDER_VARS, ProviderName, Resource};

impl BillingConfig {
    /// Checks the configuration and builds the [`Billing`] bundle. Each provider is instantiated once and
    /// shared by every resource routed to it.
    pub fn build(&self) -> Result<Billing> {
        self.check()?;
        let mut builder = Billing::builder();
        let mut instances = Instances::default();
        for resource in Resource::ALL {
            let Some(provider) = self.route(resource) else {
                continue;
            };
            builder = match provider {
                ProviderName::Memory => instances.memory().route(builder, resource),
                p => instances.route(self, builder, p, resource)?,
            };
        }
        builder = self.webhooks(builder, &instances)?;
        Ok(builder.build())
    }

    /// Adds a webhook verifier for every provider whose webhook secret is set (`<PROVIDER>_WEBHOOK_SECRET`,
    /// whether or not a resource is routed to it: webhooks are per provider, several at once), and memory's own
    /// when resources are routed to memory and no secret is set for it. A secret a verifier refuses (not
    /// `whsec_` and base64 for Svix, empty for Vercel) is `Config`; a provider not compiled in is `Config`.
    fn webhooks(
        &self,
        mut builder: BillingBuilder,
        instances: &Instances,
    ) -> Result<BillingBuilder> {
        for v in PROVIDER_VARS
            .iter()
            .filter(|v| v.toml_key == WEBHOOK_SECRET_KEY)
        {
            let Some(secret) = self.lookup(v.name) else {
                continue;
            };
            if !v.provider.is_compiled() {
                return Err(Error::config(format!(
                    "{} is set, but this build has no {} support: enable the unibill cargo feature `{}`",
                    v.name,
                    v.provider,
                    v.provider.feature().unwrap_or_default()
                )));
            }
            builder = match v.provider {
                ProviderName::Memory => {
                    builder.webhooks(unibill_core::MemoryWebhooks::new(secret)?)
                }
                #[cfg(feature = "flexprice")]
                ProviderName::Flexprice => {
                    builder.webhooks(unibill_flexprice::FlexpriceWebhooks::new(secret)?)
                }
                #[cfg(feature = "flowglad")]
                ProviderName::Flowglad => {
                    builder.webhooks(unibill_flowglad::FlowgladWebhooks::new(secret)?)
                }
                #[cfg(feature = "vercel")]
                ProviderName::Vercel => {
                    builder.webhooks(unibill_vercel::VercelWebhooks::new(secret)?)
                }
                #[allow(unreachable_patterns)]
                _ => builder,
            };
        }
        if let Some(memory) = &instances.memory
            && self
                .lookup(unibill_core::MemoryWebhooks::ENV_SECRET)
                .is_none()
            && let Ok(own) = memory.billing.webhooks("memory")
        {
            builder = builder.webhooks_arc(own);
        }
        Ok(builder)
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

    /// The checks that need no provider: the lifecycle's one provider, routes compiled in and able to serve
    /// their resource, and no provider settings without a route using them.
    fn check(&self) -> Result<()> {
        self.check_one_provider()?;
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
            && let Some(name) = self.vars.keys().find(|name| {
                !PROVIDER_VARS
                    .iter()
                    .any(|v| v.name == **name && v.toml_key == WEBHOOK_SECRET_KEY)
            })
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

    /// The one-provider rule of the billing lifecycle: once any lifecycle resource is routed, every routed
    /// resource of [`Resource::ONE_PROVIDER`] resolves to the same provider (a subscription names that provider's
    /// customer and price). The error names both settings.
    fn check_one_provider(&self) -> Result<()> {
        let Some((anchor, provider)) = Resource::LIFECYCLE
            .into_iter()
            .find_map(|r| self.route(r).map(|p| (r, p)))
        else {
            return Ok(());
        };
        let Some((other, elsewhere)) = Resource::ONE_PROVIDER
            .into_iter()
            .filter_map(|r| self.route(r).map(|p| (r, p)))
            .find(|(_, p)| *p != provider)
        else {
            return Ok(());
        };
        let names: Vec<_> = Resource::ONE_PROVIDER.iter().map(|r| r.as_str()).collect();
        Err(Error::config(format!(
            "{} but {}: {} must resolve to one provider (a subscription names that provider's customer and \
             price, usage its meters); route them all to one, with {PROVIDER_VAR} or the same \
             UNIBILL_<RESOURCE>_PROVIDER",
            self.setting(anchor, provider),
            self.setting(other, elsewhere),
            names.join(", ")
        )))
    }

    /// The setting that routes `resource` to `provider`, as an error names it: its own variable, or
    /// `UNIBILL_PROVIDER` when the route is the default's.
    fn setting(&self, resource: Resource, provider: ProviderName) -> String {
        if self.routes.contains_key(&resource) {
            format!("{}={provider}", resource.env_var())
        } else {
            format!("{PROVIDER_VAR}={provider} (routing {resource})")
        }
    }
}

/// Provider instances, made on first use and shared across resources.
#[derive(Default)]
struct Instances {
    /// Every resource routed to memory is served by this one bundle's pieces.
    memory: Option<MemoryPieces>,
    #[cfg(feature = "flexprice")]
    flexprice: Option<Arc<unibill_flexprice::FlexpriceClient>>,
    #[cfg(feature = "flowglad")]
    flowglad: Option<Arc<unibill_flowglad::FlowgladClient>>,
    #[cfg(feature = "vercel")]
    vercel: Option<Arc<unibill_vercel::VercelClient>>,
}

impl Instances {
    /// The memory pieces, made on first use.
    fn memory(&mut self) -> &MemoryPieces {
        self.memory.get_or_insert_with(MemoryPieces::new)
    }

    #[allow(unused_variables, unused_mut)]
    fn route(
        &mut self,
        config: &BillingConfig,
        builder: BillingBuilder,
        provider: ProviderName,
        resource: Resource,
    ) -> Result<BillingBuilder> {
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
                    Resource::Meters => builder.meters_arc(client),
                    Resource::Features => builder.features_arc(client),
                    Resource::Subscriptions => builder.subscriptions_arc(client),
                    Resource::Usage => builder.usage_arc(client),
                    Resource::Entitlements => builder.entitlements_arc(client),
                    Resource::Invoices => builder.invoices_arc(client),
                    Resource::Stores => unreachable_route(provider, resource)?,
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
                    Resource::Meters => builder.meters_arc(client),
                    Resource::Features => builder.features_arc(client),
                    Resource::Subscriptions => builder.subscriptions_arc(client),
                    Resource::Usage => builder.usage_arc(client),
                    Resource::Entitlements => builder.entitlements_arc(client),
                    Resource::Invoices => builder.invoices_arc(client),
                    Resource::Connections | Resource::Stores => {
                        unreachable_route(provider, resource)?
                    }
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

/// One in-memory provider for every resource routed to memory: the pieces of one [`Billing::memory`], made once.
///
/// The seam for the memory billing lifecycle: its providers are built over the memory customers and prices (a
/// subscription names a customer and a price of the same store), so every memory resource is taken from the one
/// bundle `Billing::memory()` assembles, never made one by one. A lifecycle resource that bundle does not serve
/// yet answers `Unsupported`. The pieces are already guarded; the builder guards them again, which checks the
/// same capabilities twice and changes no answer.
struct MemoryPieces {
    billing: Billing,
}

impl MemoryPieces {
    fn new() -> Self {
        MemoryPieces {
            billing: Billing::memory(),
        }
    }

    /// Routes `resource` to this memory bundle's provider of it.
    fn route(&self, builder: BillingBuilder, resource: Resource) -> BillingBuilder {
        let m = &self.billing;
        match resource {
            Resource::Customers => builder.customers_arc(m.customers()),
            Resource::Prices => builder.prices_arc(m.prices()),
            Resource::Connections => builder.connections_arc(m.connections()),
            Resource::Stores => builder.stores_arc(m.stores()),
            Resource::Meters => builder.meters_arc(m.meters()),
            Resource::Features => builder.features_arc(m.features()),
            Resource::Subscriptions => builder.subscriptions_arc(m.subscriptions()),
            Resource::Usage => builder.usage_arc(m.usage()),
            Resource::Entitlements => builder.entitlements_arc(m.entitlements()),
            Resource::Invoices => builder.invoices_arc(m.invoices()),
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
fn unreachable_route(provider: ProviderName, resource: Resource) -> Result<BillingBuilder> {
    Err(Error::config(format!(
        "{provider} cannot serve {resource} in this build"
    )))
}
