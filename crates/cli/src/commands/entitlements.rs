//! `unibill entitlements check|list`.

use clap::Subcommand;
use unibill::Resource;

use crate::config::Global;
use crate::error::CliResult;
use crate::output::Output;

/// An entitlements command.
#[derive(Debug, Subcommand)]
pub enum EntitlementsCommand {
    /// What a customer may use of one feature now (a feature not granted, or unknown, is `access: false`,
    /// `not_granted`); `as_of` says when the provider's answer was true.
    Check {
        /// The customer's external id.
        customer_external_id: String,
        /// The feature's key.
        feature_key: String,
    },
    /// Every entitlement a customer has (the features granted through its current subscriptions).
    List {
        /// The customer's external id.
        customer_external_id: String,
    },
}

/// Runs an entitlements command.
pub async fn run(cmd: EntitlementsCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    let entitlements = global.billing(Resource::Entitlements)?.entitlements();
    match cmd {
        EntitlementsCommand::Check {
            customer_external_id,
            feature_key,
        } => out.one(
            &entitlements
                .check(customer_external_id, feature_key)
                .await?,
        ),
        EntitlementsCommand::List {
            customer_external_id,
        } => out.many(&entitlements.list(customer_external_id).await?, None),
    }
}
