//! Issue 19 item 3: Flexprice prices from the CLI. Every Flexprice price hangs off a plan (and a usage price
//! needs a meter), so `unibill plans create|get|list|archive` makes and reads them through the Flexprice
//! client built from the same configuration as every other command, and `unibill emulate flexprice` seeds and
//! prints a plan and a meter. Each test runs the built binary against an emulator on 127.0.0.1.

mod support;

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use support::run;
use unibill::Price;
use unibill::flexprice::Plan;
use unibill_testkit::emulators::flexprice;

const FLEXPRICE_KEY: &str = "sk_plans_cli_flexprice";

fn flexprice_vars(base_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("UNIBILL_PROVIDER", "flexprice".to_owned()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.to_owned()),
        ("FLEXPRICE_BASE_URL", base_url.to_owned()),
    ]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plans_create_get_list_archive_on_flexprice_and_prices_hang_off_them() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let served = emulator.serve().await.unwrap();
    let vars = flexprice_vars(served.base_url());

    let pro: Plan = run(
        &vars,
        &[
            "plans",
            "create",
            "--name",
            "Pro",
            "--lookup-key",
            "pro",
            "--description",
            "The pro plan",
            "--metadata",
            "tier=2",
            "--json",
        ],
        None,
    )
    .json();
    assert!(pro.id.starts_with("plan_") && pro.active, "{pro:?}");
    assert_eq!(pro.metadata.get("tier"), Some("2"));
    let sent = emulator.last_request().unwrap();
    assert_eq!(
        (sent.method.as_str(), sent.path.as_str()),
        ("POST", "/v1/plans")
    );
    assert_eq!(
        sent.json().unwrap(),
        serde_json::json!({"name": "Pro", "lookup_key": "pro", "description": "The pro plan", "metadata": {"tier": "2"}})
    );
    let team: Plan = run(
        &vars,
        &["plans", "create", "--name", "Team", "--json"],
        None,
    )
    .json();

    // A price on the plan, made with the plan's id as its product.
    let price: Price = run(
        &vars,
        &[
            "prices",
            "create",
            "--amount",
            "29.00",
            "--product-id",
            &pro.id,
            "--json",
        ],
        None,
    )
    .json();
    assert_eq!(price.product_id.as_deref(), Some(pro.id.as_str()));

    let got: Plan = run(&vars, &["plans", "get", &pro.id, "--json"], None).json();
    assert_eq!(got.lookup_key.as_deref(), Some("pro"));
    assert_eq!(got.price_ids, [price.id.as_str()]);
    let table = run(&vars, &["plans", "get", &pro.id], None).ok();
    assert!(
        table.contains("The pro plan") && !table.contains("raw"),
        "{table}"
    );

    let all: Vec<Plan> = run(
        &vars,
        &["plans", "list", "--limit", "1", "--all", "--json"],
        None,
    )
    .json();
    let ids: Vec<&str> = all.iter().map(|p| p.id.as_str()).collect();
    assert_eq!(
        ids,
        [pro.id.as_str(), team.id.as_str()],
        "oldest first, every page"
    );
    let page = run(&vars, &["plans", "list", "--limit", "1"], None).ok();
    assert!(page.contains("more: --cursor"), "{page}");

    let archived: Plan = run(&vars, &["plans", "archive", &team.id, "--json"], None).json();
    assert!(!archived.active);
    let published: Vec<Plan> = run(&vars, &["plans", "list", "--json"], None).json();
    assert_eq!(published.len(), 1);
    let everything: Vec<Plan> = run(
        &vars,
        &["plans", "list", "--include-archived", "--json"],
        None,
    )
    .json();
    assert_eq!(everything.len(), 2);
    assert_eq!(run(&vars, &["plans", "get", "plan_missing"], None).code, 1);
}

/// Plans are Flexprice's: with prices routed elsewhere (or memory asked for) the command says what to set;
/// a bad input is refused before any provider is asked.
#[test]
fn plans_elsewhere_name_what_to_set_and_bad_input_is_refused_first() {
    for vars in [
        vec![("UNIBILL_PROVIDER", "memory".to_owned())],
        vec![
            ("UNIBILL_PRICES_PROVIDER", "flowglad".to_owned()),
            ("FLOWGLAD_SECRET_KEY", "sk_test_unused".to_owned()),
        ],
    ] {
        let ran = run(&vars, &["plans", "list"], None);
        assert_eq!(ran.code, 1, "{vars:?}: {}", ran.stderr);
        for says in [
            "UNIBILL_PRICES_PROVIDER=flexprice",
            "--provider flexprice",
            "FLEXPRICE_API_KEY",
        ] {
            assert!(
                ran.stderr.contains(says),
                "{vars:?}: {says}: {}",
                ran.stderr
            );
        }
    }
    let ran = run(&[], &["plans", "create", "--name", ""], None);
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("name"), "{}", ran.stderr);
}

/// `unibill emulate flexprice` seeds a plan and a meter and prints their ids; a recurring price on the plan and
/// a usage price on the meter can then be made with the printed variables, and `--help` says what it serves.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn emulate_flexprice_seeds_and_prints_a_plan_and_a_meter_prices_can_use() {
    let help = run(&[], &["emulate", "--help"], None).ok();
    assert!(
        help.contains("Flexprice: customers, connections, prices and plans"),
        "{help}"
    );

    let mut child = KillOnDrop(
        Command::new(env!("CARGO_BIN_EXE_unibill"))
            .env_clear()
            .args(["emulate", "flexprice", "--port", "0"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut vars: Vec<(&'static str, String)> = Vec::new();
    let (mut plan, mut meter) = (None, None);
    for line in BufReader::new(child.0.stdout.take().unwrap()).lines() {
        let line = line.unwrap();
        if let Some((k, v)) = line.strip_prefix("export ").and_then(|a| a.split_once('=')) {
            let k: &'static str = Box::leak(k.to_owned().into_boxed_str());
            vars.push((k, v.to_owned()));
        }
        if let Some(id) = line.strip_prefix("#   plan (the product id of prices): ") {
            plan = Some(id.to_owned());
        }
        if let Some(id) = line.strip_prefix("#   meter (usage prices): ") {
            meter = Some(id.to_owned());
        }
        if line.starts_with("# state lives") {
            break;
        }
    }
    let (plan, meter) = (plan.expect("a seeded plan"), meter.expect("a seeded meter"));
    assert!(
        plan.starts_with("plan_") && meter.starts_with("meter_"),
        "{plan} {meter}"
    );
    assert!(
        vars.iter()
            .any(|(k, v)| *k == "UNIBILL_PRICES_PROVIDER" && v == "flexprice"),
        "{vars:?}"
    );

    let seeded: Plan = run(&vars, &["plans", "get", &plan, "--json"], None).json();
    assert!(seeded.active);
    let recurring: Price = run(
        &vars,
        &[
            "prices",
            "create",
            "--amount",
            "29",
            "--product-id",
            &plan,
            "--json",
        ],
        None,
    )
    .json();
    let usage: Price = run(
        &vars,
        &[
            "prices",
            "create",
            "--kind",
            "usage",
            "--meter-id",
            &meter,
            "--amount",
            "0.002",
            "--product-id",
            &plan,
            "--json",
        ],
        None,
    )
    .json();
    assert_eq!(usage.unit_amount.amount.to_string(), "0.002");
    let with_prices: Plan = run(&vars, &["plans", "get", &plan, "--json"], None).json();
    assert_eq!(
        with_prices.price_ids,
        [recurring.id.as_str(), usage.id.as_str()]
    );
    drop(child);
}

/// Stops the emulator child even when an assertion fails first.
struct KillOnDrop(std::process::Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}
