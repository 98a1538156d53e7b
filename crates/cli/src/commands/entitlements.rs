//! `unibill entitlements check|list`.

use std::sync::Arc;

use clap::Subcommand;
use serde::Serialize;
use unibill::cache::CachedEntitlements;
use unibill::{Entitlement, Resource};

use crate::config::Global;
use crate::error::CliResult;
use crate::output::{Output, Tabular};

/// An entitlement as shown: its JSON with `freshness` always present (`{"source": "live"}` for the provider's
/// own answer, which the model's JSON leaves out), so every answer says whether it came from the cache.
#[derive(Serialize)]
#[serde(transparent)]
struct Shown(serde_json::Value);

impl Tabular for Shown {
    const COLUMNS: &'static [&'static str] = <Entitlement as Tabular>::COLUMNS;
}

fn shown(answers: &[Entitlement]) -> CliResult<Vec<Shown>> {
    answers
        .iter()
        .map(|e| {
            let mut json = serde_json::to_value(e)?;
            if let Some(fields) = json.as_object_mut() {
                fields
                    .entry("freshness")
                    .or_insert_with(|| serde_json::json!({ "source": "live" }));
            }
            Ok(Shown(json))
        })
        .collect()
}

/// An entitlements command.
#[derive(Debug, Subcommand)]
pub enum EntitlementsCommand {
    /// What a customer may use of one feature (or several) now (a feature not granted, or unknown, is
    /// `access: false`, `not_granted`); `as_of` says when the provider's answer was true, `freshness.source`
    /// whether it came from the cache (`cached`, with its `freshness.age`) or from the provider (`live`).
    Check {
        /// The customer's external id.
        customer_external_id: String,
        /// The feature's key; several are checked one after the other and listed.
        #[arg(required = true, num_args = 1..)]
        feature_keys: Vec<String>,
        /// Check through the entitlement cache (default bounds: 60 s for answers giving access, 5 s for
        /// refusals): the first check asks the provider for the customer's whole list, the next ones are
        /// answered from memory.
        #[arg(long)]
        cache: bool,
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
            feature_keys,
            cache,
        } => {
            let entitlements: Arc<dyn unibill::Entitlements> = if cache {
                Arc::new(CachedEntitlements::new(entitlements))
            } else {
                entitlements
            };
            let mut answers = Vec::with_capacity(feature_keys.len());
            for feature_key in feature_keys {
                answers.push(
                    entitlements
                        .check(customer_external_id.clone(), feature_key)
                        .await?,
                );
            }
            match shown(&answers)?.as_slice() {
                [one] => out.one(one),
                many => out.many(many, None),
            }
        }
        EntitlementsCommand::List {
            customer_external_id,
        } => out.many(
            &shown(&entitlements.list(customer_external_id).await?)?,
            None,
        ),
    }
}
