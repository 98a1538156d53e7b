//! The provider facts, once: each provider's name, cargo feature, the resources it serves and the variables it
//! reads. [`ProviderName`]'s methods, the environment parsing, the TOML keys and the CLI's capability matrix all
//! read this table; `tests/provider_specs.rs` ties each compiled adapter's own variable names and capabilities
//! to it.

use super::{ProviderName, Resource};

/// One variable a provider reads: its provider, name and whether its value is a secret.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderVar {
    /// The provider that reads it.
    pub provider: ProviderName,
    /// The environment variable name.
    pub name: &'static str,
    /// The TOML key in the provider's table (secrets take `<key>_env`, naming a variable).
    pub toml_key: &'static str,
    /// Whether the value is a secret (never shown, never inline in TOML).
    pub secret: bool,
    /// What it is.
    pub help: &'static str,
}

/// What unibill knows of one provider.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderSpec {
    /// The provider.
    pub name: ProviderName,
    /// The name as configuration spells it (`"flexprice"`).
    pub as_str: &'static str,
    /// The cargo feature that compiles it in (`None` for memory, always there).
    pub feature: Option<&'static str>,
    /// Whether this build has it compiled in.
    pub compiled: bool,
    /// The resources it serves.
    pub resources: &'static [Resource],
    /// The variables it reads.
    pub vars: &'static [ProviderVar],
}

impl ProviderSpec {
    /// Whether it serves `resource`.
    pub fn serves(&self, resource: Resource) -> bool {
        self.resources.contains(&resource)
    }
}

/// The TOML key of every provider's webhook secret (`webhook_secret_env = "…"`): a variable that configures a
/// webhook verifier ([`unibill_core::Billing::webhooks`]), not a route.
pub const WEBHOOK_SECRET_KEY: &str = "webhook_secret";

const fn var(
    provider: ProviderName,
    name: &'static str,
    toml_key: &'static str,
    secret: bool,
    help: &'static str,
) -> ProviderVar {
    ProviderVar {
        provider,
        name,
        toml_key,
        secret,
        help,
    }
}

const FLEXPRICE_VARS: &[ProviderVar] = &[
    var(
        ProviderName::Flexprice,
        "FLEXPRICE_API_KEY",
        "api_key",
        true,
        "Flexprice API key (x-api-key)",
    ),
    var(
        ProviderName::Flexprice,
        "FLEXPRICE_REGION",
        "region",
        false,
        "`us` (default) or `india`",
    ),
    var(
        ProviderName::Flexprice,
        "FLEXPRICE_BASE_URL",
        "base_url",
        false,
        "base URL override, with /v1",
    ),
    var(
        ProviderName::Flexprice,
        "FLEXPRICE_WEBHOOK_SECRET",
        WEBHOOK_SECRET_KEY,
        true,
        "whsec_ secret of the webhook endpoint (Svix)",
    ),
];

const FLOWGLAD_VARS: &[ProviderVar] = &[
    var(
        ProviderName::Flowglad,
        "FLOWGLAD_SECRET_KEY",
        "secret_key",
        true,
        "Flowglad secret key",
    ),
    var(
        ProviderName::Flowglad,
        "FLOWGLAD_BASE_URL",
        "base_url",
        false,
        "default https://app.flowglad.com",
    ),
    var(
        ProviderName::Flowglad,
        "FLOWGLAD_CURRENCY",
        "currency",
        false,
        "organisation currency, default USD",
    ),
    var(
        ProviderName::Flowglad,
        "FLOWGLAD_WEBHOOK_SECRET",
        WEBHOOK_SECRET_KEY,
        true,
        "whsec_ secret of the webhook endpoint (Svix)",
    ),
];

const VERCEL_VARS: &[ProviderVar] = &[
    var(
        ProviderName::Vercel,
        "VERCEL_TOKEN",
        "token",
        true,
        "Vercel access token",
    ),
    var(
        ProviderName::Vercel,
        "VERCEL_TEAM_ID",
        "team_id",
        false,
        "team id (teamId query)",
    ),
    var(
        ProviderName::Vercel,
        "VERCEL_TEAM_SLUG",
        "team_slug",
        false,
        "team slug (slug query)",
    ),
    var(
        ProviderName::Vercel,
        "VERCEL_BASE_URL",
        "base_url",
        false,
        "default https://api.vercel.com",
    ),
    var(
        ProviderName::Vercel,
        "VERCEL_WEBHOOK_SECRET",
        WEBHOOK_SECRET_KEY,
        true,
        "integration client secret (x-vercel-signature)",
    ),
];

const MEMORY_VARS: &[ProviderVar] = &[var(
    ProviderName::Memory,
    "MEMORY_WEBHOOK_SECRET",
    WEBHOOK_SECRET_KEY,
    true,
    "whsec_ secret memory deliveries are verified with",
)];

/// Every provider, in [`ProviderName::ALL`]'s order (`PROVIDERS[p as usize]` is `p`'s spec).
pub const PROVIDERS: [ProviderSpec; 4] = [
    ProviderSpec {
        name: ProviderName::Memory,
        as_str: "memory",
        feature: None,
        compiled: true,
        resources: &Resource::ALL,
        vars: MEMORY_VARS,
    },
    ProviderSpec {
        name: ProviderName::Flexprice,
        as_str: "flexprice",
        feature: Some("flexprice"),
        compiled: cfg!(feature = "flexprice"),
        resources: &[
            Resource::Customers,
            Resource::Prices,
            Resource::Connections,
            Resource::Meters,
            Resource::Features,
            Resource::Subscriptions,
            Resource::Usage,
            Resource::Entitlements,
            Resource::Invoices,
        ],
        vars: FLEXPRICE_VARS,
    },
    ProviderSpec {
        name: ProviderName::Flowglad,
        as_str: "flowglad",
        feature: Some("flowglad"),
        compiled: cfg!(feature = "flowglad"),
        resources: &[
            Resource::Customers,
            Resource::Prices,
            Resource::Meters,
            Resource::Features,
            Resource::Subscriptions,
            Resource::Usage,
            Resource::Entitlements,
            Resource::Invoices,
        ],
        vars: FLOWGLAD_VARS,
    },
    ProviderSpec {
        name: ProviderName::Vercel,
        as_str: "vercel",
        feature: Some("vercel"),
        compiled: cfg!(feature = "vercel"),
        resources: &[Resource::Stores],
        vars: VERCEL_VARS,
    },
];

/// Every provider variable unibill reads: each spec's [`ProviderSpec::vars`], in order.
pub const PROVIDER_VARS: &[ProviderVar] = &all_vars::<
    { MEMORY_VARS.len() + FLEXPRICE_VARS.len() + FLOWGLAD_VARS.len() + VERCEL_VARS.len() },
>();

/// The specs' variables, one after the other (a `const` concatenation: the table stays the one source).
const fn all_vars<const N: usize>() -> [ProviderVar; N] {
    let mut out = [FLEXPRICE_VARS[0]; N];
    let mut n = 0;
    let mut p = 0;
    while p < PROVIDERS.len() {
        let vars = PROVIDERS[p].vars;
        let mut i = 0;
        while i < vars.len() {
            out[n] = vars[i];
            n += 1;
            i += 1;
        }
        p += 1;
    }
    assert!(n == N, "PROVIDER_VARS' length is the specs' variables");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_is_in_provider_order_and_every_var_belongs_to_its_spec() {
        for (i, p) in ProviderName::ALL.into_iter().enumerate() {
            assert_eq!(PROVIDERS[i].name, p);
            assert!(PROVIDERS[i].vars.iter().all(|v| v.provider == p));
        }
        let flattened: Vec<_> = PROVIDERS.iter().flat_map(|p| p.vars).copied().collect();
        assert_eq!(PROVIDER_VARS, flattened.as_slice());
    }
}
