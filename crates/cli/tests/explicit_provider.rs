//! Issue 19 item 4: with nothing configured, the CLI used the memory provider silently (`customers create`
//! succeeded and the record was gone when the command exited). Now every resource command is refused with
//! exit 2 and a message naming what to set, memory answers only when asked for by name, and `demo`,
//! `providers` and `emulate --help` still need nothing.

mod support;

use support::run;
use unibill::Customer;

/// Every resource command, with nothing configured (no variable, no `--config`, no `--provider`).
const COMMANDS: &[&[&str]] = &[
    &[
        "customers",
        "create",
        "--external-id",
        "gone",
        "--name",
        "Gone",
    ],
    &["customers", "list"],
    &["prices", "create", "--amount", "5"],
    &["prices", "list"],
    &["connections", "list"],
    &["stores", "get", "store_1"],
    &["plans", "list"],
];

fn assert_refused(ran: &support::Ran, args: &[&str], resource_var: &str) {
    assert_eq!(ran.code, 2, "{args:?}: {}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stdout.is_empty(),
        "{args:?}: nothing done: {}",
        ran.stdout
    );
    for says in [
        "usage error",
        "UNIBILL_PROVIDER",
        resource_var,
        "--config",
        "--provider memory",
    ] {
        assert!(
            ran.stderr.contains(says),
            "{args:?}: {says} missing: {}",
            ran.stderr
        );
    }
}

fn resource_var(args: &[&str]) -> &'static str {
    match args[0] {
        "customers" => "UNIBILL_CUSTOMERS_PROVIDER",
        "connections" => "UNIBILL_CONNECTIONS_PROVIDER",
        "stores" => "UNIBILL_STORES_PROVIDER",
        // Plans are the parents of Flexprice prices: routed with them.
        _ => "UNIBILL_PRICES_PROVIDER",
    }
}

#[test]
fn nothing_configured_is_refused_with_exit_2_naming_what_to_set() {
    for args in COMMANDS {
        let ran = run(&[], args, None);
        assert_refused(&ran, args, resource_var(args));
    }
}

/// An empty `--config` file configures nothing either.
#[test]
fn an_empty_config_file_is_refused_too() {
    let path = std::env::temp_dir().join(format!(
        "unibill-empty-config-{}-{:?}.toml",
        std::process::id(),
        std::thread::current().id()
    ));
    std::fs::write(&path, "# nothing\n").unwrap();
    let path_text = path.to_str().unwrap().to_owned();
    let ran = run(&[], &["customers", "list", "--config", &path_text], None);
    let _ = std::fs::remove_file(&path);
    assert_refused(&ran, &["customers", "list"], "UNIBILL_CUSTOMERS_PROVIDER");
}

/// Configuration for other resources only does not route this one to memory either: a `Config` error naming
/// this resource's variable.
#[test]
fn a_resource_left_unrouted_is_not_memory() {
    let ran = run(
        &[("UNIBILL_STORES_PROVIDER", "vercel".to_owned())],
        &["customers", "list"],
        None,
    );
    assert_eq!(ran.code, 1, "{}{}", ran.stdout, ran.stderr);
    assert!(
        ran.stderr.contains("UNIBILL_CUSTOMERS_PROVIDER"),
        "{}",
        ran.stderr
    );
    assert!(ran.stdout.is_empty(), "{}", ran.stdout);
}

/// Memory asked for by name answers: `--provider memory` or `UNIBILL_PROVIDER=memory`.
#[test]
fn memory_answers_when_asked_for_by_name() {
    let create = [
        "customers",
        "create",
        "--external-id",
        "kept",
        "--name",
        "Kept",
        "--json",
    ];
    let mut flagged = create.to_vec();
    flagged.extend(["--provider", "memory"]);
    let c: Customer = run(&[], &flagged, None).json();
    assert_eq!(c.provider, "memory");
    let c: Customer = run(&[("UNIBILL_PROVIDER", "memory".to_owned())], &create, None).json();
    assert_eq!(c.provider, "memory");
}

/// `providers` and the help need no configuration (`demo` is run by the other suites).
#[test]
fn providers_and_help_need_no_configuration() {
    run(&[], &["providers"], None).ok();
    run(&[], &["emulate", "--help"], None).ok();
    run(&[], &["customers", "--help"], None).ok();
}
