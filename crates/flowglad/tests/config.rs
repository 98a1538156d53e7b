//! `FlowgladConfig::from_lookup` and the builder.

use std::collections::HashMap;

use unibill_core::{Currency, ErrorKind};
use unibill_flowglad::FlowgladConfig;

fn lookup(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
    let map: HashMap<String, String> = vars
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect();
    move |name| map.get(name).cloned()
}

#[test]
fn defaults() {
    let c =
        FlowgladConfig::from_lookup(lookup(&[("FLOWGLAD_SECRET_KEY", "sk_test_abcd_x")])).unwrap();
    assert_eq!(c.base_url().as_str(), "https://app.flowglad.com/");
    assert_eq!(c.currency(), &Currency::USD);
}

#[test]
fn overrides() {
    let c = FlowgladConfig::from_lookup(lookup(&[
        ("FLOWGLAD_SECRET_KEY", "sk_live_abcd_x"),
        ("FLOWGLAD_BASE_URL", "http://127.0.0.1:8080"),
        ("FLOWGLAD_CURRENCY", "jpy"),
    ]))
    .unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:8080/");
    assert_eq!(c.currency(), &"JPY".parse::<Currency>().unwrap());
}

#[test]
fn config_errors_name_what_to_set() {
    for (vars, mentions) in [
        (vec![], "FLOWGLAD_SECRET_KEY"),
        (vec![("FLOWGLAD_SECRET_KEY", "  ")], "FLOWGLAD_SECRET_KEY"),
        (
            vec![
                ("FLOWGLAD_SECRET_KEY", "k"),
                ("FLOWGLAD_BASE_URL", "not a url"),
            ],
            "FLOWGLAD_BASE_URL",
        ),
        (
            vec![
                ("FLOWGLAD_SECRET_KEY", "k"),
                ("FLOWGLAD_BASE_URL", "http://flowglad.example"),
            ],
            "https",
        ),
        (
            vec![("FLOWGLAD_SECRET_KEY", "k"), ("FLOWGLAD_CURRENCY", "$$")],
            "FLOWGLAD_CURRENCY",
        ),
        (vec![("FLOWGLAD_SECRET_KEY", "has space")], "spaces"),
    ] {
        let err = FlowgladConfig::from_lookup(lookup(&vars)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{vars:?}");
        assert!(err.to_string().contains(mentions), "{err}");
        assert!(!err.to_string().contains("has space"), "{err}");
    }
}

#[test]
fn builder() {
    let c = FlowgladConfig::builder("sk_test_abcd_x")
        .base_url("https://staging.flowglad.example/")
        .currency(Currency::EUR)
        .build()
        .unwrap();
    assert_eq!(c.currency(), &Currency::EUR);
    assert_eq!(c.base_url().host_str(), Some("staging.flowglad.example"));
}

/// Defect 6 of issue 18: `FLOWGLAD_CURRENCY` is caller input, read as strictly as `--currency`. A typo or a code
/// outside ISO 4217's active list is a `Config` error naming the variable and why, not an organisation currency.
#[test]
fn a_currency_outside_iso_4217_s_active_list_is_a_config_error() {
    for (code, why) in [
        ("UDS", "not an ISO 4217 currency code"),
        ("BTC", "not an ISO 4217 currency code"),
        ("XTS", "special codes"),
        ("XXX", "special codes"),
        ("XAU", "special codes"),
        ("HRK", "replaced by EUR"),
    ] {
        let err = FlowgladConfig::from_lookup(lookup(&[
            ("FLOWGLAD_SECRET_KEY", "sk_test_abcd_x"),
            ("FLOWGLAD_CURRENCY", code),
        ]))
        .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{code}");
        let shown = err.to_string();
        assert!(
            shown.contains("FLOWGLAD_CURRENCY") && shown.contains(why),
            "{code}: {shown}"
        );
    }
    // The value is trimmed as every variable is; any letter case is one code.
    let c = FlowgladConfig::from_lookup(lookup(&[
        ("FLOWGLAD_SECRET_KEY", "sk_test_abcd_x"),
        ("FLOWGLAD_CURRENCY", " eur\n"),
    ]))
    .unwrap();
    assert_eq!(c.currency(), &Currency::EUR);
}
