//! `verify`: every object the plan did not block, compared with its copy on the destination field by field.

use std::collections::HashMap;

use serde::Serialize;
use unibill_core::Result;

use crate::Migration;
use crate::compare::{self, Difference, ExpectedSubscription, KNOWN_DIFFERENCES};
use crate::plan::{Action, Plan, Prepared};
use crate::progress::{Phase, Progress};
use crate::resource::ResourceKind;
use crate::snapshot::Snapshot;

/// One object that did not verify.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// What kind of object.
    pub resource: ResourceKind,
    /// Its source id.
    pub source_id: String,
    /// Its natural key.
    pub natural_key: String,
    /// Its destination id, when it has one.
    pub destination_id: Option<String>,
    /// What is wrong: `missing` (not on the destination), `mismatch` (fields differ), `duplicate` (more than
    /// one destination object carries its natural key), `source_not_canceled` (a subscription's source is not
    /// set to cancel where its copy starts).
    pub problem: &'static str,
    /// The fields that differ (for `mismatch`), or how many copies (for `duplicate`).
    pub differences: Vec<Difference>,
}

/// The verification report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct VerifyReport {
    /// Whether everything planned matches: nothing missing, nothing different, nothing duplicated.
    pub ok: bool,
    /// Objects compared (customers, prices and subscriptions).
    pub compared: u64,
    /// Objects the plan blocked or left for manual review (not compared; listed by `plan`).
    pub blocked: u64,
    /// What did not verify.
    pub findings: Vec<Finding>,
    /// What is deliberately not compared.
    pub known_differences: Vec<&'static str>,
}

pub(crate) fn run(
    m: &Migration,
    source: &Snapshot,
    destination: &Snapshot,
    plan: &Plan,
    prepared: &Prepared,
) -> Result<VerifyReport> {
    let mut findings = Vec::new();
    let mut compared = 0u64;
    let ledger = &*m.ledger;
    let total = plan
        .customers
        .iter()
        .chain(&plan.prices)
        .chain(&plan.subscriptions)
        .filter(|i| i.moves())
        .count() as u64;
    let emit = |resource, source_id: &str, done| {
        m.progress.emit(Progress {
            phase: Phase::Verify,
            resource,
            event: "compared",
            source_id: Some(source_id.to_owned()),
            done,
            total: Some(total),
        })
    };

    // Where each object went: the ledger, else what the plan matched by natural key.
    let destination_of = |resource, item: &crate::plan::PlanItem| -> Result<Option<String>> {
        let row = ledger.get(resource, &item.source_id)?;
        Ok(match row {
            Some(r) if r.state.is_done() => r.destination_id,
            _ => match &item.action {
                Action::Existing { destination_id } => Some(destination_id.clone()),
                _ => None,
            },
        })
    };

    let src_customers = source.customers_by_id();
    let dst_customers = destination.customers_by_id();
    let mut external_counts: HashMap<&str, u64> = HashMap::new();
    for c in &destination.customers {
        *external_counts.entry(c.external_id.as_str()).or_default() += 1;
    }
    for item in plan.customers.iter().filter(|i| !i.is_blocked()) {
        compared += 1;
        emit(ResourceKind::Customer, &item.source_id, compared);
        let dest_id = destination_of(ResourceKind::Customer, item)?;
        let finding = |problem, destination_id: Option<String>, differences| Finding {
            resource: ResourceKind::Customer,
            source_id: item.source_id.clone(),
            natural_key: item.natural_key.clone(),
            destination_id,
            problem,
            differences,
        };
        let copies = external_counts
            .get(item.natural_key.as_str())
            .copied()
            .unwrap_or(0);
        if copies > 1 {
            findings.push(finding(
                "duplicate",
                dest_id.clone(),
                vec![copies_difference(copies)],
            ));
        }
        let (Some(s), Some(d)) = (
            src_customers.get(item.source_id.as_str()),
            dest_id.as_deref().and_then(|id| dst_customers.get(id)),
        ) else {
            findings.push(finding("missing", dest_id, Vec::new()));
            continue;
        };
        let diffs = compare::customers(s, d);
        if !diffs.is_empty() {
            findings.push(finding("mismatch", dest_id, diffs));
        }
    }

    let product_of = |sp: &str| -> Result<Option<String>> {
        Ok(ledger
            .get(ResourceKind::Product, sp)?
            .filter(|r| r.state.is_done())
            .and_then(|r| r.destination_id))
    };
    let src_prices = source.prices_by_id();
    let dst_prices = destination.prices_by_id();
    let mut slug_counts: HashMap<&str, u64> = HashMap::new();
    for p in &destination.prices {
        if let Some(s) = p.slug.as_deref() {
            *slug_counts.entry(s).or_default() += 1;
        }
    }
    for (item, product) in plan.prices.iter().zip(&prepared.price_products) {
        if item.is_blocked() {
            continue;
        }
        compared += 1;
        emit(ResourceKind::Price, &item.source_id, compared);
        let dest_id = destination_of(ResourceKind::Price, item)?;
        let finding = |problem, destination_id: Option<String>, differences| Finding {
            resource: ResourceKind::Price,
            source_id: item.source_id.clone(),
            natural_key: item.natural_key.clone(),
            destination_id,
            problem,
            differences,
        };
        let Some(s) = src_prices.get(item.source_id.as_str()) else {
            findings.push(finding("missing", dest_id, Vec::new()));
            continue;
        };
        let expected_product = match product {
            Some(sp) => product_of(sp)?,
            None => None,
        };
        let copies = match s.slug.as_deref() {
            Some(slug) => slug_counts.get(slug).copied().unwrap_or(0),
            None => destination
                .prices
                .iter()
                .filter(|d| {
                    compare::prices(s, d, expected_product.as_deref(), &m.meters).is_empty()
                })
                .count() as u64,
        };
        if copies > 1 {
            findings.push(finding(
                "duplicate",
                dest_id.clone(),
                vec![copies_difference(copies)],
            ));
        }
        let Some(d) = dest_id.as_deref().and_then(|id| dst_prices.get(id)) else {
            findings.push(finding("missing", dest_id, Vec::new()));
            continue;
        };
        if product.is_some() && expected_product.is_none() {
            findings.push(finding(
                "missing",
                dest_id,
                vec![Difference {
                    field: "product_id".into(),
                    source: format!("{:?}", s.product_id),
                    destination: "no product recorded in the ledger".into(),
                }],
            ));
            continue;
        }
        let diffs = compare::prices(s, d, expected_product.as_deref(), &m.meters);
        if !diffs.is_empty() {
            findings.push(finding("mismatch", dest_id, diffs));
        }
    }
    findings.extend(subscriptions(
        m,
        source,
        destination,
        plan,
        prepared,
        &mut compared,
        &emit,
    )?);
    let blocked = plan.items().filter(|i| !i.moves()).count() as u64;
    Ok(VerifyReport {
        ok: findings.is_empty(),
        compared,
        blocked,
        findings,
        known_differences: KNOWN_DIFFERENCES.to_vec(),
    })
}

fn copies_difference(copies: u64) -> Difference {
    Difference {
        field: "copies".into(),
        source: "1".into(),
        destination: copies.to_string(),
    }
}

/// Every subscription the plan moves: its copy (found by the ledger, else by the plan's match) compared with
/// what the migration should have made, duplicates by key, and the source set to cancel where the copy starts.
fn subscriptions(
    m: &Migration,
    source: &Snapshot,
    destination: &Snapshot,
    plan: &Plan,
    prepared: &Prepared,
    compared: &mut u64,
    emit: &dyn Fn(ResourceKind, &str, u64),
) -> Result<Vec<Finding>> {
    let mut findings = Vec::new();
    if plan.subscriptions.is_empty() {
        return Ok(findings);
    }
    let ledger = &*m.ledger;
    let copies = crate::plan::done_map(ledger, ResourceKind::Subscription)?;
    let cancels = crate::plan::done_map(ledger, ResourceKind::SourceCancel)?;
    let prices = crate::plan::done_map(ledger, ResourceKind::Price)?;
    let as_trial = m.destination.capabilities().subscriptions.start_at_as_trial;
    let src: HashMap<&str, &unibill_core::Subscription> = source
        .subscriptions()
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let dst: HashMap<&str, &unibill_core::Subscription> = destination
        .subscriptions()
        .iter()
        .map(|s| (s.id.as_str(), s))
        .collect();
    let mut key_counts: HashMap<&str, u64> = HashMap::new();
    for s in destination.subscriptions() {
        if let Some(k) = &s.key {
            *key_counts.entry(k.as_str()).or_default() += 1;
        }
    }
    let dest_external = destination.customer_external_ids();
    for (item, input) in plan.subscriptions.iter().zip(&prepared.subscriptions) {
        if !item.moves() {
            continue;
        }
        *compared += 1;
        emit(ResourceKind::Subscription, &item.source_id, *compared);
        let dest_id = copies
            .get(&item.source_id)
            .cloned()
            .or_else(|| match &item.action {
                Action::Existing { destination_id } => Some(destination_id.clone()),
                _ => None,
            });
        let finding = |problem, destination_id: Option<String>, differences| Finding {
            resource: ResourceKind::Subscription,
            source_id: item.source_id.clone(),
            natural_key: item.natural_key.clone(),
            destination_id,
            problem,
            differences,
        };
        let copies_of = key_counts
            .get(item.natural_key.as_str())
            .copied()
            .unwrap_or(0);
        if copies_of > 1 {
            findings.push(finding(
                "duplicate",
                dest_id.clone(),
                vec![copies_difference(copies_of)],
            ));
        }
        let (Some(s), Some(d), Some(input)) = (
            src.get(item.source_id.as_str()),
            dest_id.as_deref().and_then(|id| dst.get(id)),
            input.as_ref(),
        ) else {
            findings.push(finding("missing", dest_id, Vec::new()));
            continue;
        };
        let destination_customer = crate::subscriptions::customer_of(d, &dest_external);
        let expected = ExpectedSubscription {
            key: &item.natural_key,
            customer_external_id: &input.customer_external_id,
            destination_customer: destination_customer.as_deref(),
            price_id: prices.get(&input.source_price_id).map(String::as_str),
            start: input.start,
            start_as_trial: as_trial,
        };
        let diffs = compare::subscriptions(s, d, &expected);
        if !diffs.is_empty() {
            findings.push(finding("mismatch", dest_id.clone(), diffs));
        }
        let source_diffs = compare::source_canceled(s, input.start);
        if !cancels.contains_key(&item.source_id) || !source_diffs.is_empty() {
            findings.push(finding("source_not_canceled", dest_id, source_diffs));
        }
    }
    Ok(findings)
}
