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
        // Flexprice and Flowglad offer the lifecycle; Vercel's comes in a later issue: read from its
        // capabilities, not offered.
        assert_eq!(
            line.matches("not offered").count(),
            1,
            "{row}: {line}\n{table}"
        );
    }
    // Memory offers the whole lifecycle: the meaningful capabilities are shown, not every field.
    let row = |name: &str| {
        table
            .lines()
            .find(|l| l.split_whitespace().next() == Some(name))
            .unwrap_or_else(|| panic!("no {name} row:\n{table}"))
    };
    assert!(
        row("subscriptions").contains("cancel, uncancel, change-price"),
        "{table}"
    );
    assert!(
        row("subscriptions.cancel_timings").contains("now, at_period_end, at"),
        "{table}"
    );
    assert!(row("usage.max_batch_events").contains("10000"), "{table}");
    assert!(
        row("usage.quantity").contains("a quantity of at least 0"),
        "{table}"
    );
    let json: serde_json::Value = unibill(&[], &["providers", "--json"], None).json();
    assert_eq!(
        json["memory"]["usage"]["max_batch_events"], 10_000,
        "{json}"
    );
    assert_eq!(
        json["flexprice"]["usage"]["max_batch_events"], 1_000,
        "{json}"
    );
    assert_eq!(json["flowglad"]["usage"]["max_batch_events"], 500, "{json}");
    assert_eq!(
        json["flowglad"]["features"]["kinds"]["metered"], false,
        "{json}"
    );
    assert!(json["vercel"]["subscriptions"].is_null(), "{json}");
    assert!(json["vercel"]["usage"].is_null(), "{json}");
}

#[test]
fn usage_ingest_on_memory_reports_each_key_a_duplicate_and_the_used_count() {
    let input = [
        event("evt-1", "2"),
        event("evt-1", "2"),
        event("evt-2", "\"3.5\""),
        String::new(),
    ]
    .join("\n");
    // Each invocation on memory starts empty: the meter and the customer are made first.
    let ingest = ["usage", "ingest", "--create-missing"];
    let ran = unibill(&memory(), &ingest, Some(&input));
    assert!(
        ran.stderr.contains("created meter `api_calls`")
            && ran.stderr.contains("created customer `ada`"),
        "{}",
        ran.stderr
    );
    let out = ran.ok();
    let outcome = |line: &str| {
        out.lines()
            .find(|l| l.split_whitespace().next() == Some(line))
            .and_then(|l| l.split_whitespace().nth(2))
            .unwrap_or_else(|| panic!("no line {line}:\n{out}"))
    };
    assert_eq!(outcome("1"), "recorded", "{out}");
    assert_eq!(outcome("2"), "duplicate", "{out}");
    assert_eq!(outcome("3"), "recorded", "{out}");
    assert!(
        out.contains("3 event(s): 2 recorded, 0 accepted, 1 duplicate, 0 rejected, 0 not recorded"),
        "{out}"
    );
    // Counted once per key, exactly: 2 + 3.5.
    let used = out
        .lines()
        .find(|l| l.starts_with("ada "))
        .unwrap_or_else(|| panic!("no used row:\n{out}"));
    assert_eq!(
        used.split_whitespace().collect::<Vec<_>>(),
        ["ada", "api_calls", "5.5", "2"],
        "{out}"
    );

    let json: serde_json::Value = unibill(
        &memory(),
        &["usage", "ingest", "--create-missing", "--json"],
        Some(&input),
    )
    .json();
    assert_eq!(json["summary"]["duplicate"], 1, "{json}");
    assert_eq!(json["events"][1]["key"], "evt-1", "{json}");
    assert_eq!(json["counted"][0]["used"], "5.5", "{json}");
}

#[test]
fn usage_ingest_reports_a_bad_line_by_number_and_field_and_sends_the_others() {
    let input = [
        event("evt-1", "1"),
        event("evt-2", "1e3"),
        r#"{"key":"evt-3","customer_external_id":"ada","meter_key":"api_calls"}"#.to_owned(),
        event("evt-4", "\"-1\""),
        event("evt-5", "4"),
    ]
    .join("\n");
    let ran = unibill(
        &memory(),
        &["usage", "ingest", "--create-missing"],
        Some(&input),
    );
    assert_eq!(ran.code, 1, "rejected events fail the run:\n{}", ran.stdout);
    let out = &ran.stdout;
    for (line, field) in [("2", "quantity"), ("3", "quantity"), ("4", "quantity")] {
        let row = out
            .lines()
            .find(|l| l.split_whitespace().next() == Some(line))
            .unwrap_or_else(|| panic!("no line {line}:\n{out}"));
        assert!(
            row.contains("rejected")
                && row.contains(&format!("line {line}: invalid_input"))
                && row.contains(field),
            "{row}"
        );
    }
    assert!(
        out.contains("5 event(s): 2 recorded, 0 accepted, 0 duplicate, 3 rejected, 0 not recorded"),
        "{out}"
    );
    assert!(
        ran.stderr.contains("3 of 5 event(s) failed"),
        "{}",
        ran.stderr
    );
}

#[test]
fn usage_ingest_on_a_fresh_memory_state_rejects_each_event_naming_the_missing_meter() {
    let input = [event("evt-1", "1"), event("evt-2", "2")].join("\n");
    let ran = unibill(&memory(), &["usage", "ingest"], Some(&input));
    assert_eq!(ran.code, 1, "{}", ran.stderr);
    for line in ran.stdout.lines().filter(|l| l.contains("evt-")) {
        assert!(
            line.contains("rejected") && line.contains("not_found") && line.contains("api_calls"),
            "{line}"
        );
    }
    assert!(
        ran.stdout.contains("2 event(s): 0 recorded"),
        "{}",
        ran.stdout
    );
}

#[test]
fn demo_prints_the_lifecycle_tables() {
    let out = unibill(&[], &["demo"], None).ok();
    for table in [
        "meters & features",
        "subscriptions",
        "usage & entitlements",
        "invoices & cancel",
    ] {
        let header = out
            .lines()
            .find(|l| l.starts_with(table))
            .unwrap_or_else(|| panic!("no {table} table:\n{out}"));
        for p in ["memory", "flexprice", "flowglad", "vercel"] {
            assert!(header.contains(p), "{header}");
        }
    }
    let row = |step: &str| {
        out.lines()
            .find(|l| l.starts_with(step))
            .unwrap_or_else(|| panic!("no {step} row:\n{out}"))
    };
    assert!(row("entitlement api_calls").contains("used 1500"), "{out}");
    assert!(row("entitlement sso").contains("enabled"), "{out}");
    assert!(row("invoice ").contains("32.00 USD"), "{out}");
    assert!(
        row("cancel at period end").contains("cancel_scheduled"),
        "{out}"
    );
    assert!(row("uncancel").contains("active"), "{out}");
    assert!(row("cancel now").contains("canceled"), "{out}");
    assert!(
        row("billed").contains("32.00 USD over 1 invoice(s)"),
        "{out}"
    );
    // Flexprice bills the usage in arrears: the running invoice is the fee, the cancel's final invoice the usage.
    assert!(
        row("invoice ").contains("29.00 USD (usage billed at the period's end)"),
        "{out}"
    );
    assert!(
        row("billed").contains("32.00 USD over 2 invoice(s)"),
        "{out}"
    );
    // Flowglad has no metered features and read-only invoices: its cells say so, the rest of its flow runs.
    assert!(
        row("features").contains("api_calls (metered): not offered, sso (boolean)"),
        "{out}"
    );
    assert!(
        row("entitlement api_calls").contains("not offered (no metered features)"),
        "{out}"
    );
    assert_eq!(
        row("entitlement sso").matches("enabled").count(),
        3,
        "{out}"
    );
    assert_eq!(row("cancel now").matches("canceled").count(), 3, "{out}");
    assert!(row("invoice ").contains("none listed (read-only"), "{out}");
    assert!(row("billed").contains("no invoice listed"), "{out}");
    // Vercel's lifecycle comes later: its column says so, from its capabilities.
    assert!(row("meter ").matches("not offered").count() == 1, "{out}");
    assert!(!out.contains('✗'), "{out}");
}
