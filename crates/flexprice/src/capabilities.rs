//! What Flexprice offers, as data (the conformance suite proves every flag true against the emulator).

use unibill_core::{
    ConnectionCapabilities, ConnectionFields, ConnectionUpdateFields, CustomerCapabilities,
    CustomerFields, CustomerUpdateFields, PatchSupport,
};

use crate::PROVIDER;
use crate::pagination::MAX_LIMIT;

/// Customers: every operation and field; every update field can be set and cleared (`""`, metadata `{}`;
/// a cleared time zone reads back as the server's default `UTC`); pages up to 1000; archived customers stay
/// readable by id and free their external id. Listing archived customers is not offered: the server lists one
/// status at a time.
pub(crate) const fn customers() -> CustomerCapabilities {
    let mut caps = CustomerCapabilities::full(PROVIDER);
    caps.fields = CustomerFields {
        email: true,
        contact: true,
        address: true,
        time_zone: true,
        metadata: true,
    };
    caps.update_fields = CustomerUpdateFields {
        external_id: true,
        name: true,
        email: PatchSupport::FULL,
        contact: PatchSupport::FULL,
        address: PatchSupport::FULL,
        time_zone: PatchSupport::FULL,
        metadata: PatchSupport::FULL,
    };
    caps.email_required = false;
    caps.max_page_size = MAX_LIMIT;
    caps.list_include_archived = false;
    caps.archived_readable_by_id = true;
    caps.external_id_reusable_after_delete = true;
    caps
}

/// Connections: every operation; settings, sync config and metadata stored; only Flexprice's own provider
/// types (the server validates its list); one published connection per provider type except `s3`; pages up
/// to 1000. Secrets can be rotated only where the server honours it (QuickBooks `webhook_verifier_token`,
/// Zoho Books and Whop `webhook_secret`, Chargebee `webhook_username` + `webhook_password` together): any
/// other rotation is `Unsupported` before sending.
pub(crate) const fn connections() -> ConnectionCapabilities {
    let mut caps = ConnectionCapabilities::full(PROVIDER);
    caps.fields = ConnectionFields {
        settings: true,
        sync_config: true,
        metadata: true,
        other_provider_types: false,
    };
    caps.update_fields = ConnectionUpdateFields {
        name: true,
        metadata: PatchSupport::FULL,
        sync_config: true,
        secrets: true,
    };
    caps.max_page_size = MAX_LIMIT;
    caps.one_per_provider_type = true;
    caps.one_per_provider_type_exempt = &["s3"];
    caps
}
