//! `VercelConfig`: `from_lookup` (what `from_env` wraps), the builder, and `Debug` without the token.

use unibill_core::ErrorKind;
use unibill_vercel::{DEFAULT_BASE_URL, TeamScope, VercelClient, VercelConfig};

const TOKEN: &str = "vercel_PLANTED_tok_config";

fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn token_only_is_the_personal_account_on_the_default_url() {
    let c = VercelConfig::from_lookup(lookup(&[("VERCEL_TOKEN", TOKEN)])).unwrap();
    assert_eq!(c.team(), None);
    assert_eq!(c.base_url().as_str(), format!("{DEFAULT_BASE_URL}/"));
    use secrecy::ExposeSecret;
    assert_eq!(c.token().expose_secret(), TOKEN);
}

#[test]
fn team_id_or_slug() {
    let c = VercelConfig::from_lookup(lookup(&[
        ("VERCEL_TOKEN", TOKEN),
        ("VERCEL_TEAM_ID", "team_1"),
    ]))
    .unwrap();
    assert_eq!(c.team(), Some(&TeamScope::Id("team_1".into())));
    let c = VercelConfig::from_lookup(lookup(&[
        ("VERCEL_TOKEN", TOKEN),
        ("VERCEL_TEAM_SLUG", "acme"),
        ("VERCEL_TEAM_ID", ""),
    ]))
    .unwrap();
    assert_eq!(c.team(), Some(&TeamScope::Slug("acme".into())));
}

#[test]
fn both_team_variables_are_a_config_error() {
    let err = VercelConfig::from_lookup(lookup(&[
        ("VERCEL_TOKEN", TOKEN),
        ("VERCEL_TEAM_ID", "team_1"),
        ("VERCEL_TEAM_SLUG", "acme"),
    ]))
    .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.message().contains("VERCEL_TEAM_ID") && err.message().contains("VERCEL_TEAM_SLUG"));
}

#[test]
fn a_missing_or_empty_token_names_the_variable() {
    for vars in [&[][..], &[("VERCEL_TOKEN", "  ")][..]] {
        let err = VercelConfig::from_lookup(lookup(vars)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.message().contains("VERCEL_TOKEN"), "{err}");
    }
}

#[test]
fn base_url_override_and_refusals() {
    let c = VercelConfig::from_lookup(lookup(&[
        ("VERCEL_TOKEN", TOKEN),
        ("VERCEL_BASE_URL", "http://127.0.0.1:9999"),
    ]))
    .unwrap();
    assert_eq!(c.base_url().as_str(), "http://127.0.0.1:9999/");
    for bad in ["http://api.vercel.com", "not a url", "ftp://x.example"] {
        let err =
            VercelConfig::from_lookup(lookup(&[("VERCEL_TOKEN", TOKEN), ("VERCEL_BASE_URL", bad)]))
                .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{bad}");
        assert!(err.message().contains("VERCEL_BASE_URL"), "{bad}: {err}");
    }
}

#[test]
fn builder_rejects_empty_values() {
    assert_eq!(
        VercelConfig::builder("").build().unwrap_err().kind(),
        ErrorKind::Config
    );
    assert_eq!(
        VercelConfig::builder(TOKEN)
            .team_slug("")
            .build()
            .unwrap_err()
            .kind(),
        ErrorKind::Config
    );
}

#[test]
fn a_token_that_cannot_be_a_header_is_a_config_error_without_the_token() {
    let config = VercelConfig::builder("bad\ntoken_PLANTED").build().unwrap();
    let err = VercelClient::new(config).unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(!format!("{err} {err:?}").contains("PLANTED"));
}

#[test]
fn debug_never_shows_the_token() {
    let config = VercelConfig::builder(TOKEN)
        .team_id("team_1")
        .build()
        .unwrap();
    let builder_debug = format!("{:?}", VercelConfig::builder(TOKEN));
    let client = VercelClient::new(config.clone()).unwrap();
    for text in [
        format!("{config:?}"),
        builder_debug,
        format!("{client:?}"),
        format!("{:?}", VercelClient::builder(config)),
    ] {
        assert!(!text.contains(TOKEN), "{text}");
        assert!(!text.contains("PLANTED"), "{text}");
    }
}
