//! Issue 19 item 6, the CLI's details, each against the built binary (and an emulator started in this test
//! process on 127.0.0.1 where a provider is involved): negative amounts, unsupported fields as usage errors,
//! a second delete of an archived customer, the global flags' help heading, `-v`/`RUST_LOG` logging, money
//! printed with its currency's scale, and `stores get` without the provider payload's rows.

mod support;

use support::{Ran, run};
use unibill::{Customer, Price, Store};
use unibill_testkit::emulators::{flexprice, vercel};
use unibill_testkit::encoded::leak;

const FLEXPRICE_KEY: &str = "sk_details_flexprice_key_0001";
const VERCEL_TOKEN: &str = "vercel_details_token_0001";

fn memory() -> Vec<(&'static str, String)> {
    vec![("UNIBILL_PROVIDER", "memory".to_owned())]
}

fn flexprice_vars(base_url: &str) -> Vec<(&'static str, String)> {
    vec![
        ("UNIBILL_PROVIDER", "flexprice".to_owned()),
        ("FLEXPRICE_API_KEY", FLEXPRICE_KEY.to_owned()),
        ("FLEXPRICE_BASE_URL", base_url.to_owned()),
    ]
}

/// The value of `field` in a field/value table.
fn row<'a>(table: &'a str, field: &str) -> Option<&'a str> {
    table
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix("  ").map(str::trim))
}

/// `--amount -5` (and `--amount=-5`, `--setup-fee -1`) is taken as an amount by the flag parser and refused by
/// the price's own rule, naming the field (not clap's "unexpected argument").
#[test]
fn negative_amounts_reach_the_price_rule_not_the_flag_parser() {
    for (args, field) in [
        (vec!["--amount", "-5"], "unit_amount"),
        (vec!["--amount=-5"], "unit_amount"),
        (vec!["--amount", "5", "--setup-fee", "-1"], "setup_fee"),
    ] {
        let mut all = vec!["prices", "create"];
        all.extend(args.iter().copied());
        let ran = run(&memory(), &all, None);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains(field) && ran.stderr.contains("negative"),
            "{args:?} is an amount the price rule refuses, naming {field}: {}",
            ran.stderr
        );
        assert!(
            !ran.stderr.contains("unexpected argument"),
            "{}",
            ran.stderr
        );
    }
}

#[test]
fn a_negative_prepayment_reaches_the_store_rule_not_the_flag_parser() {
    let ran = run(
        &memory(),
        &[
            "stores",
            "create",
            "--name",
            "db",
            "--configuration-id",
            "icfg_memory",
            "--product",
            "memory-postgres",
            "--prepayment",
            "-5",
        ],
        None,
    );
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(ran.stderr.contains("prepayment"), "{}", ran.stderr);
    assert!(
        !ran.stderr.contains("unexpected argument"),
        "{}",
        ran.stderr
    );
}

/// A field the provider does not offer (`Unsupported` naming it, from the core guard) is a usage error, exit
/// 2 like every other refused input, and nothing is sent. An unsupported resource stays exit 1.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unsupported_field_is_a_usage_error_and_nothing_is_sent() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let plan = emulator.add_plan("Pro");
    let served = emulator.serve().await.unwrap();
    let vars = flexprice_vars(served.base_url());
    emulator.clear_requests();
    for flag in [["--setup-fee", "1"], ["--default", "true"]] {
        let mut args = vec!["prices", "create", "--amount", "5", "--product-id", &plan];
        args.extend(flag);
        let ran = run(&vars, &args, None);
        assert_eq!(ran.code, 2, "{flag:?}: {}", ran.stderr);
        assert!(
            ran.stderr.starts_with("usage error:") && ran.stderr.contains("not supported"),
            "{flag:?}: {}",
            ran.stderr
        );
    }
    assert_eq!(emulator.request_count(), 0, "refused before sending");
    // Stores are not served by Flexprice: a configuration matter, not a refused input.
    let ran = run(&vars, &["stores", "get", "store_1"], None);
    assert_eq!(ran.code, 1, "{}", ran.stderr);
}

/// Flexprice answers 404 to a second DELETE of an archived customer while `get` still shows it: the CLI's
/// second `delete` now answers as `get` does (success), and `get` shows the customer archived.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_second_delete_of_an_archived_customer_answers_as_get_does() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let served = emulator.serve().await.unwrap();
    let vars = flexprice_vars(served.base_url());
    let created: Customer = run(
        &vars,
        &[
            "customers",
            "create",
            "--external-id",
            "twice",
            "--name",
            "Twice",
            "--json",
        ],
        None,
    )
    .json();
    let id = created.id.as_str();
    run(&vars, &["customers", "delete", id], None).ok();
    let again = run(&vars, &["customers", "delete", id], None).ok();
    assert!(again.contains("deleted"), "{again}");
    let archived: Customer = run(&vars, &["customers", "get", id, "--json"], None).json();
    assert!(!archived.is_active());
    let unknown = run(&vars, &["customers", "delete", "cust_unknown"], None);
    assert_eq!(unknown.code, 1, "an unknown id is still not found");
}

/// `--provider`, `--config`, `--json` and `-v` are listed once, under their own heading, after a command's
/// own flags (not between them), in every help.
#[test]
fn global_flags_are_listed_once_under_their_own_heading() {
    for args in [
        vec!["--help"],
        vec!["customers", "create", "--help"],
        vec!["prices", "create", "--help"],
        vec!["prices", "list", "--help"],
        vec!["stores", "get", "--help"],
    ] {
        let help = run(&[], &args, None).ok();
        let (own, global) = help
            .split_once("\nGlobal options:\n")
            .unwrap_or_else(|| panic!("{args:?}: no global heading:\n{help}"));
        assert!(
            !global.contains("Options:"),
            "{args:?}: one heading:\n{help}"
        );
        // A flag's own line starts with the flag (`-v, --verbose...` for the short one).
        let defines = |text: &str, flag: &str| {
            text.lines()
                .filter(|l| {
                    let l = l.trim_start();
                    l.starts_with(flag)
                        || l.strip_prefix("-v, ").is_some_and(|l| l.starts_with(flag))
                })
                .count()
        };
        for flag in [
            "--provider <NAME>",
            "--config <PATH>",
            "--json",
            "--verbose",
        ] {
            assert_eq!(defines(global, flag), 1, "{args:?} {flag}:\n{help}");
            assert_eq!(
                defines(own, flag),
                0,
                "{args:?}: {flag} among the command's own:\n{help}"
            );
        }
    }
}

/// `-v` (and `RUST_LOG`) installs a subscriber on standard error: the executor's span for the call (provider,
/// operation, status) and its outcome event are there; the API key is not, in any encoding; and without
/// either, standard error stays empty.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn verbose_logs_each_call_span_on_stderr_and_never_the_key() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let served = emulator.serve().await.unwrap();
    let vars = flexprice_vars(served.base_url());
    let create = |ext: &str, extra: &[&'static str], env: &[(&str, String)]| -> Ran {
        let mut args = vec!["customers", "create", "--external-id", ext, "--name", "Log"];
        args.extend(extra);
        run(env, &args, None)
    };
    let quiet = create("quiet", &[], &vars);
    assert_eq!(quiet.code, 0, "{}", quiet.stderr);
    assert!(
        quiet.stderr.is_empty(),
        "no logging unless asked: {}",
        quiet.stderr
    );

    let mut with_rust_log = vars.clone();
    with_rust_log.push(("RUST_LOG", "unibill_http=debug".to_owned()));
    for (what, ran) in [
        ("-v", create("verbose", &["-v"], &vars)),
        ("-vv", create("very", &["-vv"], &vars)),
        ("RUST_LOG", create("rust-log", &[], &with_rust_log)),
    ] {
        assert_eq!(ran.code, 0, "{what}: {}", ran.stderr);
        let log = &ran.stderr;
        for expected in [
            "unibill.http{",
            "provider=\"flexprice\"",
            "operation=\"customers.create\"",
            "status=201",
            "call succeeded",
        ] {
            assert!(log.contains(expected), "{what}: {expected} missing:\n{log}");
        }
        assert_eq!(
            leak(log, &[FLEXPRICE_KEY]),
            None,
            "{what} logs the key:\n{log}"
        );
        assert_eq!(leak(&ran.stdout, &[FLEXPRICE_KEY]), None);
    }
    let failed = run(&vars, &["customers", "get", "cust_missing", "-vv"], None);
    assert_eq!(failed.code, 1);
    assert!(
        failed.stderr.contains("error_kind=\"not_found\"") && failed.stderr.contains("attempt"),
        "{}",
        failed.stderr
    );
    assert_eq!(
        leak(&failed.stderr, &[FLEXPRICE_KEY]),
        None,
        "{}",
        failed.stderr
    );
}

/// Amounts print with their currency's minor-unit digits in tables, whatever the provider answered
/// (Flexprice answers `"29"` for 29.00): `29.00 USD`, `500 JPY`, tiers too; digits beyond the exponent are
/// kept (`0.0015 USD`), never rounded.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn amounts_print_with_the_currency_scale() {
    let emulator = flexprice::FlexpriceEmulator::new(FLEXPRICE_KEY);
    let plan = emulator.add_plan("Pro");
    let served = emulator.serve().await.unwrap();
    let vars = flexprice_vars(served.base_url());
    let created: Price = run(
        &vars,
        &[
            "prices",
            "create",
            "--amount",
            "29.00",
            "--product-id",
            &plan,
            "--json",
        ],
        None,
    )
    .json();
    let shown = run(&vars, &["prices", "get", created.id.as_str()], None).ok();
    assert_eq!(row(&shown, "unit_amount"), Some("29.00 USD"), "{shown}");
    let listed = run(&vars, &["prices", "list", "--product-id", &plan], None).ok();
    assert!(listed.contains("29.00 USD"), "{listed}");

    for (amount, currency, expected) in [
        ("500.00", "JPY", "500 JPY"),
        ("0.0015", "USD", "0.0015 USD"),
        ("1.5", "KWD", "1.500 KWD"),
    ] {
        let table = run(
            &memory(),
            &[
                "prices",
                "create",
                "--amount",
                amount,
                "--currency",
                currency,
            ],
            None,
        )
        .ok();
        assert_eq!(row(&table, "unit_amount"), Some(expected), "{table}");
    }
    let tiered = run(
        &memory(),
        &[
            "prices",
            "create",
            "--kind",
            "one-time",
            "--amount",
            "0",
            "--scheme",
            "tiered",
            "--tier",
            "10:1",
            "--tier",
            "inf:0.5:2",
        ],
        None,
    )
    .ok();
    for (field, expected) in [
        ("unit_amount", "0.00 USD"),
        ("scheme.tiers[0].unit_amount", "1.00 USD"),
        ("scheme.tiers[1].unit_amount", "0.50 USD"),
        ("scheme.tiers[1].flat_amount", "2.00 USD"),
    ] {
        assert_eq!(row(&tiered, field), Some(expected), "{field}:\n{tiered}");
    }
}

/// `stores get` prints the store's fields once: neither the store's own provider payload nor its billing
/// plan's (`billing_plan.raw.*`) repeats them.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn stores_get_does_not_repeat_the_provider_payload() {
    let emulator = vercel::VercelEmulator::new(VERCEL_TOKEN);
    let served = emulator.serve().await.unwrap();
    let vars = vec![
        ("UNIBILL_STORES_PROVIDER", "vercel".to_owned()),
        ("VERCEL_TOKEN", VERCEL_TOKEN.to_owned()),
        ("VERCEL_TEAM_ID", vercel::seed::TEAM_ID.to_owned()),
        ("VERCEL_BASE_URL", served.base_url().to_owned()),
    ];
    let created: Store = run(
        &vars,
        &[
            "stores",
            "create",
            "--name",
            "plain-db",
            "--configuration-id",
            vercel::seed::CONFIGURATION_ID,
            "--product",
            vercel::seed::NEON_PRODUCT_SLUG,
            "--json",
        ],
        None,
    )
    .json();
    let id = created.id.expect("an id");
    let table = run(&vars, &["stores", "get", id.as_str()], None).ok();
    assert!(!table.contains("raw"), "no payload rows:\n{table}");
    assert!(row(&table, "billing_plan.id").is_some(), "{table}");
    assert_eq!(row(&table, "name"), Some("plain-db"), "{table}");
}
