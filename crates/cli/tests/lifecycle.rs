//! The lifecycle commands of the built `unibill` binary (issue 21): `usage ingest`, the cancel timings,
//! `providers`' lifecycle rows and the demo's lifecycle tables. On the memory provider every invocation starts
//! from a fresh state, so single-command flows are what run here.

mod support;

use support::Ran;

fn unibill(vars: &[(&str, String)], args: &[&str], stdin: Option<&str>) -> Ran {
    support::run(vars, args, stdin)
}

/// The environment that asks for the memory provider by name.
fn memory() -> Vec<(&'static str, String)> {
    vec![("UNIBILL_PROVIDER", "memory".to_owned())]
}

fn event(key: &str, quantity: &str) -> String {
    format!(
        r#"{{"key":"{key}","customer_external_id":"ada","meter_key":"api_calls","quantity":{quantity}}}"#
    )
}

#[test]
fn usage_ingest_refuses_an_input_with_a_line_that_is_not_json_and_sends_nothing() {
    for (input, line) in [
        (format!("{}\nnot json\n", event("e1", "1")), "line 2"),
        (format!("\n\n{}\n[1, 2]\n", event("e1", "1")), "line 4"),
    ] {
        let ran = unibill(&memory(), &["usage", "ingest"], Some(&input));
        assert_eq!(ran.code, 2, "{}", ran.stderr);
        assert!(
            ran.stderr.contains(line) && ran.stderr.contains("nothing was sent"),
            "the line is named: {}",
            ran.stderr
        );
        assert!(ran.stdout.is_empty(), "{}", ran.stdout);
    }
}

#[test]
fn subscriptions_cancel_takes_exactly_one_timing_checked_before_any_request() {
    for args in [
        vec![
            "subscriptions",
            "cancel",
            "sub_1",
            "--now",
            "--at-period-end",
        ],
        vec![
            "subscriptions",
            "cancel",
            "sub_1",
            "--at-period-end",
            "--at",
            "2026-04-01T00:00:00Z",
        ],
        vec!["subscriptions", "cancel", "sub_1"],
    ] {
        let ran = unibill(&memory(), &args, None);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stderr);
        assert!(
            ran.stderr.contains("--at-period-end"),
            "{args:?}: {}",
            ran.stderr
        );
    }
    // A timestamp that is not one is refused naming the flag's field, before a provider is even configured.
    let ran = unibill(
        &[],
        &["subscriptions", "cancel", "sub_1", "--at", "next tuesday"],
        None,
    );
    assert_eq!(ran.code, 2, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("at") && ran.stderr.contains("RFC 3339"),
        "{}",
        ran.stderr
    );
}

#[test]
fn lifecycle_inputs_are_refused_naming_the_flag_before_any_request() {
    for (args, named) in [
        (
            vec![
                "features",
                "grant",
                "api_calls",
                "--product-id",
                "p",
                "--limit",
                "1e3",
            ],
            "limit: `1e3`",
        ),
        (
            vec!["meters", "create", "--key", "api calls", "--name", "Calls"],
            "key:",
        ),
        (
            vec![
                "meters",
                "create",
                "--key",
                "k",
                "--name",
                "N",
                "--aggregation",
                "unique-count",
            ],
            "--property",
        ),
        (
            vec![
                "subscriptions",
                "create",
                "--customer-external-id",
                "ada",
                "--price-id",
                "p",
                "--key",
                "has space",
            ],
            "key:",
        ),
    ] {
        let ran = unibill(&[], &args, None);
        assert_eq!(ran.code, 2, "{args:?}: {}", ran.stderr);
        assert!(ran.stderr.contains(named), "{args:?}: {}", ran.stderr);
    }
}

#[test]
fn providers_shows_the_lifecycle_rows() {
    let table = unibill(&[], &["providers"], None).ok();
    for row in [
        "meters",
        "features",
        "subscriptions",
        "usage",
        "entitlements",
        "invoices",
    ] {
        let line = table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(row))
            .unwrap_or_else(|| panic!("no {row} row:\n{table}"));
        // The adapters' lifecycle comes in later issues: read from their capabilities, not offered.
        assert!(
            line.matches("not offered").count() >= 3,
            "{row}: {line}\n{table}"
        );
    }
    let json: serde_json::Value = unibill(&[], &["providers", "--json"], None).json();
    for p in ["flexprice", "flowglad", "vercel"] {
        assert!(json[p]["subscriptions"].is_null(), "{json}");
        assert!(json[p]["usage"].is_null(), "{json}");
    }
}
