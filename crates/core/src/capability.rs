//! Capabilities: what each provider offers, per resource, as data.
//!
//! Every resource trait answers `capabilities()`. [`crate::Guarded`] (which [`crate::Billing`] puts in front of
//! every provider) checks each call against them and answers `Unsupported` before the provider runs; the
//! conformance suite proves every flag true to the code.

use serde::Serialize;

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
}
