//! Capabilities: what each provider offers, per resource, as data.
//!
//! Every resource trait answers `capabilities()`. [`crate::Guarded`] (which [`crate::Billing`] puts in front of
//! every provider) checks each call against them and answers `Unsupported` before the provider runs; the
//! conformance suite proves every flag true to the code.

use serde::Serialize;

mod lifecycle;

pub use lifecycle::{
    Aggregations, CancelTimings, EntitlementCapabilities, EntitlementSource, FeatureCapabilities,
    FeatureKinds, InvoiceCapabilities, MeterCapabilities, QuantityRule, Resets,
    SubscriptionCapabilities, TrialSupport, UsageCapabilities, WebhookCapabilities, WebhookScheme,
};

/// Whether a field of an update can be set and cleared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PatchSupport {
    /// The field can be set to a value.
    pub set: bool,
    /// The field can be cleared.
    pub clear: bool,
}

impl PatchSupport {
    /// Set and clear both supported.
    pub const FULL: PatchSupport = PatchSupport {
        set: true,
        clear: true,
    };
    /// Set only.
    pub const SET_ONLY: PatchSupport = PatchSupport {
        set: true,
        clear: false,
    };
    /// Neither.
    pub const NONE: PatchSupport = PatchSupport {
        set: false,
        clear: false,
    };

    /// Whether this patch is allowed.
    pub fn allows<T>(self, patch: &crate::Patch<T>) -> bool {
        match patch {
            crate::Patch::Keep => true,
            crate::Patch::Clear => self.clear,
            crate::Patch::Set(_) => self.set,
        }
    }
}

/// Which optional fields of a customer a provider stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerFields {
    /// Email.
    pub email: bool,
    /// Contact / phone.
    pub contact: bool,
    /// Postal address.
    pub address: bool,
    /// IANA time zone.
    pub time_zone: bool,
    /// Metadata.
    pub metadata: bool,
}

/// Which customer fields an update can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct CustomerUpdateFields {
    /// The external id can be changed.
    pub external_id: bool,
    /// The name can be changed.
    pub name: bool,
    /// Email.
    pub email: PatchSupport,
    /// Contact.
    pub contact: PatchSupport,
    /// Address.
    pub address: PatchSupport,
    /// Time zone.
    pub time_zone: PatchSupport,
    /// Metadata.
    pub metadata: PatchSupport,
}

/// What a provider offers for customers.
///
/// ```
/// use unibill_core::CustomerCapabilities;
/// let caps = CustomerCapabilities::full("memory");
/// assert!(caps.create && caps.fields.address);
/// assert!(!CustomerCapabilities::none("nobody").create);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct CustomerCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get` by id.
    pub get: bool,
    /// `get_by_external_id`.
    pub get_by_external_id: bool,
    /// `list`.
    pub list: bool,
    /// `update`.
    pub update: bool,
    /// `delete` (archives).
    pub delete: bool,
    /// Optional fields stored on create.
    pub fields: CustomerFields,
    /// Fields an update can change.
    pub update_fields: CustomerUpdateFields,
    /// Create needs an email.
    pub email_required: bool,
    /// The largest page a list returns; larger limits are clamped.
    pub max_page_size: u32,
    /// `list` can include archived customers.
    pub list_include_archived: bool,
    /// `get` by id still finds an archived customer (with status archived).
    pub archived_readable_by_id: bool,
    /// After a delete the external id can be used by a new customer.
    pub external_id_reusable_after_delete: bool,
}

impl CustomerCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        CustomerCapabilities {
            provider,
            create: true,
            get: true,
            get_by_external_id: true,
            list: true,
            update: true,
            delete: true,
            fields: CustomerFields {
                email: true,
                contact: true,
                address: true,
                time_zone: true,
                metadata: true,
            },
            update_fields: CustomerUpdateFields {
                external_id: true,
                name: true,
                email: PatchSupport::FULL,
                contact: PatchSupport::FULL,
                address: PatchSupport::FULL,
                time_zone: PatchSupport::FULL,
                metadata: PatchSupport::FULL,
            },
            email_required: false,
            max_page_size: 100,
            list_include_archived: true,
            archived_readable_by_id: true,
            external_id_reusable_after_delete: true,
        }
    }

    /// Nothing on (a resource no provider serves).
    pub const fn none(provider: &'static str) -> Self {
        CustomerCapabilities {
            provider,
            create: false,
            get: false,
            get_by_external_id: false,
            list: false,
            update: false,
            delete: false,
            fields: CustomerFields {
                email: false,
                contact: false,
                address: false,
                time_zone: false,
                metadata: false,
            },
            update_fields: CustomerUpdateFields {
                external_id: false,
                name: false,
                email: PatchSupport::NONE,
                contact: PatchSupport::NONE,
                address: PatchSupport::NONE,
                time_zone: PatchSupport::NONE,
                metadata: PatchSupport::NONE,
            },
            email_required: false,
            max_page_size: 0,
            list_include_archived: false,
            archived_readable_by_id: false,
            external_id_reusable_after_delete: false,
        }
    }
}

/// The capabilities of every resource of a [`crate::Billing`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct Capabilities {
    /// Customers.
    pub customers: CustomerCapabilities,
    /// Prices.
    pub prices: PriceCapabilities,
    /// Integration connections.
    pub connections: ConnectionCapabilities,
    /// Provisioned stores.
    pub stores: StoreCapabilities,
    /// Meters.
    pub meters: MeterCapabilities,
    /// Features and their grants.
    pub features: FeatureCapabilities,
    /// Subscriptions.
    pub subscriptions: SubscriptionCapabilities,
    /// Usage events.
    pub usage: UsageCapabilities,
    /// Entitlements.
    pub entitlements: EntitlementCapabilities,
    /// Invoices.
    pub invoices: InvoiceCapabilities,
}

/// Whether a field is required, optional or forbidden (per price kind, say).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FieldRule {
    /// Must be set.
    Required,
    /// May be set.
    Optional,
    /// Must not be set.
    Forbidden,
}

impl FieldRule {
    /// Whether a value that is (or is not) `present` keeps the rule.
    pub fn allows(self, present: bool) -> bool {
        match self {
            FieldRule::Required => present,
            FieldRule::Optional => true,
            FieldRule::Forbidden => !present,
        }
    }
}

/// Which price kinds a provider can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceKinds {
    /// Recurring.
    pub recurring: bool,
    /// One-time.
    pub one_time: bool,
    /// Usage.
    pub usage: bool,
}

/// Which pricing schemes a provider can create.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceSchemes {
    /// Per unit.
    pub per_unit: bool,
    /// Package, rounding up.
    pub package: bool,
    /// Package rounding down.
    pub package_round_down: bool,
    /// Package pricing on non-usage prices too (Flowglad: only usage, as `usageEventsPerUnit`).
    pub package_on_fixed: bool,
    /// Tiered, volume.
    pub tiered_volume: bool,
    /// Tiered, graduated.
    pub tiered_graduated: bool,
}

/// Product (Flowglad) or plan (Flexprice) id rule per price kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ProductIdRules {
    /// For recurring prices.
    pub recurring: FieldRule,
    /// For one-time prices.
    pub one_time: FieldRule,
    /// For usage prices (Flowglad: forbidden, the meter is the parent; Flexprice: required).
    pub usage: FieldRule,
}

/// Which optional price fields a provider stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceFields {
    /// Trial days on recurring prices.
    pub trial_days: bool,
    /// A setup fee.
    pub setup_fee: bool,
    /// The default flag.
    pub is_default: bool,
    /// Slug (natural key).
    pub slug: bool,
    /// Name.
    pub name: bool,
    /// Description.
    pub description: bool,
    /// Metadata.
    pub metadata: bool,
    /// Creating an inactive price (`active: false`).
    pub create_inactive: bool,
}

/// Which price fields an update can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct PriceUpdateFields {
    /// Name.
    pub name: PatchSupport,
    /// Slug.
    pub slug: PatchSupport,
    /// Archive through `active: false`.
    pub deactivate: bool,
    /// Un-archive through `active: true` (Flexprice archiving is one way).
    pub reactivate: bool,
    /// The default flag.
    pub is_default: bool,
}

/// What a provider offers for prices.
///
/// ```
/// use unibill_core::{FieldRule, PriceCapabilities};
/// let caps = PriceCapabilities::full("memory");
/// assert!(caps.kinds.usage && caps.schemes.tiered_graduated);
/// assert_eq!(caps.product_id.usage, FieldRule::Optional);
/// assert!(!PriceCapabilities::none("nobody").create);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct PriceCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get`.
    pub get: bool,
    /// `list`.
    pub list: bool,
    /// `update`.
    pub update: bool,
    /// `archive`.
    pub archive: bool,
    /// Kinds offered.
    pub kinds: PriceKinds,
    /// Schemes offered.
    pub schemes: PriceSchemes,
    /// Product id rule per kind.
    pub product_id: ProductIdRules,
    /// Optional fields stored on create.
    pub fields: PriceFields,
    /// Fields an update can change.
    pub update_fields: PriceUpdateFields,
    /// The largest page a list returns.
    pub max_page_size: u32,
    /// `list` can include archived prices.
    pub list_include_archived: bool,
    /// `list` can filter by product.
    pub list_filter_product: bool,
    /// Divergence (Flowglad): creating a recurring or one-time price archives every other price of its product,
    /// and the new price is active and default whatever was asked (so `active: false` or `is_default: false`
    /// on such a create is `InvalidInput`).
    pub create_archives_siblings: bool,
    /// Amounts must be whole minor units (Flowglad: integer `unitPrice`); sub-minor rates are `InvalidInput`.
    pub whole_minor_units_only: bool,
    /// The provider's own minor-unit exponents where they differ from ISO 4217 (Flowglad follows Stripe's
    /// zero-decimal list); `None` means ISO.
    #[serde(skip)]
    pub minor_unit_exponents: Option<crate::money::ExponentOverrides>,
}

impl PriceCapabilities {
    /// Everything on (the memory provider's set).
    pub const fn full(provider: &'static str) -> Self {
        PriceCapabilities {
            provider,
            create: true,
            get: true,
            list: true,
            update: true,
            archive: true,
            kinds: PriceKinds {
                recurring: true,
                one_time: true,
                usage: true,
            },
            schemes: PriceSchemes {
                per_unit: true,
                package: true,
                package_round_down: true,
                package_on_fixed: true,
                tiered_volume: true,
                tiered_graduated: true,
            },
            product_id: ProductIdRules {
                recurring: FieldRule::Optional,
                one_time: FieldRule::Optional,
                usage: FieldRule::Optional,
            },
            fields: PriceFields {
                trial_days: true,
                setup_fee: true,
                is_default: true,
                slug: true,
                name: true,
                description: true,
                metadata: true,
                create_inactive: true,
            },
            update_fields: PriceUpdateFields {
                name: PatchSupport::FULL,
                slug: PatchSupport::FULL,
                deactivate: true,
                reactivate: true,
                is_default: true,
            },
            max_page_size: 100,
            list_include_archived: true,
            list_filter_product: true,
            create_archives_siblings: false,
            whole_minor_units_only: false,
            minor_unit_exponents: None,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        PriceCapabilities {
            provider,
            create: false,
            get: false,
            list: false,
            update: false,
            archive: false,
            kinds: PriceKinds {
                recurring: false,
                one_time: false,
                usage: false,
            },
            schemes: PriceSchemes {
                per_unit: false,
                package: false,
                package_round_down: false,
                package_on_fixed: false,
                tiered_volume: false,
                tiered_graduated: false,
            },
            product_id: ProductIdRules {
                recurring: FieldRule::Optional,
                one_time: FieldRule::Optional,
                usage: FieldRule::Optional,
            },
            fields: PriceFields {
                trial_days: false,
                setup_fee: false,
                is_default: false,
                slug: false,
                name: false,
                description: false,
                metadata: false,
                create_inactive: false,
            },
            update_fields: PriceUpdateFields {
                name: PatchSupport::NONE,
                slug: PatchSupport::NONE,
                deactivate: false,
                reactivate: false,
                is_default: false,
            },
            max_page_size: 0,
            list_include_archived: false,
            list_filter_product: false,
            create_archives_siblings: false,
            whole_minor_units_only: false,
            minor_unit_exponents: None,
        }
    }
}

/// Which optional connection fields a provider stores.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConnectionFields {
    /// Settings.
    pub settings: bool,
    /// Sync config.
    pub sync_config: bool,
    /// Metadata.
    pub metadata: bool,
    /// `ConnectionProviderType::Other` values (Flexprice validates its own list).
    pub other_provider_types: bool,
}

/// Which connection fields an update can change.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct ConnectionUpdateFields {
    /// Name.
    pub name: bool,
    /// Metadata.
    pub metadata: PatchSupport,
    /// Sync config (replaced whole).
    pub sync_config: bool,
    /// Secrets (Flexprice ignores Stripe, S3 and HubSpot rotations: delete and create instead).
    pub secrets: bool,
}

/// What a provider offers for integration connections.
///
/// ```
/// use unibill_core::ConnectionCapabilities;
/// let caps = ConnectionCapabilities::full("memory");
/// assert!(caps.create && !caps.one_per_provider_type);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct ConnectionCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get`.
    pub get: bool,
    /// `list`.
    pub list: bool,
    /// `update`.
    pub update: bool,
    /// `delete` (archives).
    pub delete: bool,
    /// Optional fields stored.
    pub fields: ConnectionFields,
    /// Fields an update can change.
    pub update_fields: ConnectionUpdateFields,
    /// The largest page a list returns.
    pub max_page_size: u32,
    /// Divergence (Flexprice): one active connection per provider type; a second create is `AlreadyExists`
    /// carrying the existing id.
    pub one_per_provider_type: bool,
    /// Provider types exempt from [`ConnectionCapabilities::one_per_provider_type`] (Flexprice: `s3`).
    pub one_per_provider_type_exempt: &'static [&'static str],
}

impl ConnectionCapabilities {
    /// Everything on, no divergence.
    pub const fn full(provider: &'static str) -> Self {
        ConnectionCapabilities {
            provider,
            create: true,
            get: true,
            list: true,
            update: true,
            delete: true,
            fields: ConnectionFields {
                settings: true,
                sync_config: true,
                metadata: true,
                other_provider_types: true,
            },
            update_fields: ConnectionUpdateFields {
                name: true,
                metadata: PatchSupport::FULL,
                sync_config: true,
                secrets: true,
            },
            max_page_size: 100,
            one_per_provider_type: false,
            one_per_provider_type_exempt: &[],
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        ConnectionCapabilities {
            provider,
            create: false,
            get: false,
            list: false,
            update: false,
            delete: false,
            fields: ConnectionFields {
                settings: false,
                sync_config: false,
                metadata: false,
                other_provider_types: false,
            },
            update_fields: ConnectionUpdateFields {
                name: false,
                metadata: PatchSupport::NONE,
                sync_config: false,
                secrets: false,
            },
            max_page_size: 0,
            one_per_provider_type: false,
            one_per_provider_type_exempt: &[],
        }
    }

    /// Whether a second active connection of this type is refused.
    pub fn is_unique_type(&self, provider_type: &str) -> bool {
        self.one_per_provider_type && !self.one_per_provider_type_exempt.contains(&provider_type)
    }
}

/// Which optional store fields a provider takes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct StoreFields {
    /// Billing plan.
    pub billing_plan: bool,
    /// Payment method.
    pub payment_method: bool,
    /// External id.
    pub external_id: bool,
    /// Metadata.
    pub metadata: bool,
    /// Protocol settings.
    pub protocol_settings: bool,
    /// Prepayment.
    pub prepayment: bool,
    /// Source.
    pub source: bool,
}

/// What a provider offers for provisioned stores.
///
/// ```
/// use unibill_core::StoreCapabilities;
/// let caps = StoreCapabilities::full("memory");
/// assert!(caps.create && caps.create_is_async);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[non_exhaustive]
pub struct StoreCapabilities {
    /// The provider's name.
    pub provider: &'static str,
    /// `create`.
    pub create: bool,
    /// `get`.
    pub get: bool,
    /// `delete`.
    pub delete: bool,
    /// `list_billing_plans`.
    pub list_billing_plans: bool,
    /// `list_configurations`.
    pub list_configurations: bool,
    /// `list_products`.
    pub list_products: bool,
    /// Optional fields taken on create.
    pub fields: StoreFields,
    /// A created store may not be available yet (poll with `wait_until_ready`).
    pub create_is_async: bool,
    /// The create answer always carries the store id (Vercel's documented answer does not).
    pub create_returns_id: bool,
}

impl StoreCapabilities {
    /// Everything on.
    pub const fn full(provider: &'static str) -> Self {
        StoreCapabilities {
            provider,
            create: true,
            get: true,
            delete: true,
            list_billing_plans: true,
            list_configurations: true,
            list_products: true,
            fields: StoreFields {
                billing_plan: true,
                payment_method: true,
                external_id: true,
                metadata: true,
                protocol_settings: true,
                prepayment: true,
                source: true,
            },
            create_is_async: true,
            create_returns_id: true,
        }
    }

    /// Nothing on.
    pub const fn none(provider: &'static str) -> Self {
        StoreCapabilities {
            provider,
            create: false,
            get: false,
            delete: false,
            list_billing_plans: false,
            list_configurations: false,
            list_products: false,
            fields: StoreFields {
                billing_plan: false,
                payment_method: false,
                external_id: false,
                metadata: false,
                protocol_settings: false,
                prepayment: false,
                source: false,
            },
            create_is_async: false,
            create_returns_id: false,
        }
    }
}
