//! `unibill providers`: the capability matrix of every compiled provider (a row per capability, a column per
//! provider; `—` where the provider does not serve the resource).

pub mod lifecycle;

use std::collections::BTreeMap;

use serde_json::Value;
use unibill::{Billing, BillingConfig, Capabilities, PROVIDER_VARS, ProviderName, Resource};

use crate::error::CliResult;
use crate::output::table::{NONE, cell, write_table};

/// One provider's capabilities by resource name (`None`: not offered).
pub type PerResource = BTreeMap<&'static str, Option<Value>>;

/// Each compiled provider's capabilities. Built from placeholder settings: reading capabilities sends nothing.
/// The memory column is [`Billing::memory`], the whole in-memory provider.
pub fn capabilities() -> CliResult<Vec<(ProviderName, Capabilities)>> {
    let mut out = Vec::new();
    for p in ProviderName::ALL.into_iter().filter(|p| p.is_compiled()) {
        let billing = if p == ProviderName::Memory {
            Billing::memory()
        } else {
            let mut config = BillingConfig::new();
            for r in Resource::ALL.into_iter().filter(|r| p.serves(*r)) {
                config = config.route_to(r, p);
            }
            // Webhook secrets configure verifiers, not resources: none is needed for the capabilities.
            for v in PROVIDER_VARS
                .iter()
                .filter(|v| v.provider == p && v.toml_key != unibill::WEBHOOK_SECRET_KEY)
            {
                if v.secret || v.name == "VERCEL_TEAM_ID" {
                    config = config.set(v.name, "placeholder")?;
                }
            }
            config.build()?
        };
        out.push((p, billing.capabilities()));
    }
    Ok(out)
}

/// Each provider's capabilities per resource (`None`: not offered), the lifecycle resources included: one is
/// offered where any of its operations is ([`lifecycle::offered`]).
pub fn matrix(
    caps: &[(ProviderName, Capabilities)],
) -> CliResult<Vec<(ProviderName, PerResource)>> {
    let mut out = Vec::new();
    for (p, caps) in caps {
        // Each resource's capabilities under its field name, which is the resource's name.
        let by_name = serde_json::to_value(caps)?;
        let mut per = BTreeMap::new();
        for r in Resource::ALL {
            // A lifecycle resource is offered where any of its operations is (the adapters' come later).
            let offered = if r.is_lifecycle() {
                lifecycle::offered(r, caps).is_some()
            } else {
                p.serves(r)
            };
            let value = offered.then(|| by_name.get(r.as_str()).cloned()).flatten();
            per.insert(r.as_str(), value);
        }
        out.push((*p, per));
    }
    Ok(out)
}

fn flatten(prefix: &str, v: &Value, rows: &mut Vec<(String, String)>) {
    match v {
        Value::Object(m) => {
            for (k, v) in m {
                if k == "provider" {
                    continue;
                }
                flatten(&format!("{prefix}.{k}"), v, rows);
            }
        }
        other => rows.push((prefix.to_owned(), cell(Some(other)))),
    }
}

/// Runs `unibill providers`.
pub fn run(json: bool) -> CliResult {
    let caps = capabilities()?;
    let matrix = matrix(&caps)?;
    let mut stdout = std::io::stdout().lock();
    if json {
        let object: serde_json::Map<String, Value> = matrix
            .iter()
            .map(|(p, per)| {
                (
                    p.as_str().to_owned(),
                    serde_json::to_value(per).unwrap_or(Value::Null),
                )
            })
            .collect();
        return crate::output::json::write_one(&mut stdout, &object);
    }
    // Rows in the order capabilities are declared, merged across providers.
    let mut keys: Vec<String> = Vec::new();
    let mut cells: BTreeMap<(String, usize), String> = BTreeMap::new();
    // The resources shown field by field: all but the lifecycle ones, which are summarized below.
    let described = || Resource::ALL.into_iter().filter(|r| !r.is_lifecycle());
    for (col, (_, per)) in matrix.iter().enumerate() {
        for r in described() {
            let mut rows = Vec::new();
            match per.get(r.as_str()).and_then(Option::as_ref) {
                Some(v) => {
                    rows.push((r.as_str().to_owned(), "offered".to_owned()));
                    flatten(r.as_str(), v, &mut rows);
                }
                None => rows.push((r.as_str().to_owned(), "not offered".to_owned())),
            }
            for (k, v) in rows {
                if !keys.contains(&k) {
                    keys.push(k.clone());
                }
                cells.insert((k, col), v);
            }
        }
    }
    // The lifecycle rows: what is meaningful (offered operations, cancel timings, batch size, quantity rule, …).
    for (col, (_, caps)) in caps.iter().enumerate() {
        for l in Resource::LIFECYCLE {
            for (k, v) in lifecycle::rows(l, caps) {
                if !keys.contains(&k) {
                    keys.push(k.clone());
                }
                cells.insert((k, col), v);
            }
        }
    }
    let mut ordered = Vec::new();
    for r in described().chain(Resource::LIFECYCLE).map(Resource::as_str) {
        ordered.extend(
            keys.iter()
                .filter(|k| k.as_str() == r || k.starts_with(&format!("{r}."))),
        );
    }
    let rows: Vec<Vec<String>> = ordered
        .into_iter()
        .map(|k| {
            let mut row = vec![k.clone()];
            for col in 0..matrix.len() {
                row.push(
                    cells
                        .get(&(k.clone(), col))
                        .cloned()
                        .unwrap_or_else(|| NONE.to_owned()),
                );
            }
            row
        })
        .collect();
    let mut headers = vec!["capability"];
    headers.extend(matrix.iter().map(|(p, _)| p.as_str()));
    write_table(&mut stdout, &headers, &rows)
}
