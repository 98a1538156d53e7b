//! `FlexpriceConfig::from_lookup` and the builder: variables named in errors, regions, base URLs, no key in `Debug`.

use unibill_core::ErrorKind;
use unibill_flexprice::{ENV_API_KEY, ENV_BASE_URL, ENV_REGION, FlexpriceConfig};

fn lookup<'a>(vars: &'a [(&'a str, &'a str)]) -> impl Fn(&str) -> Option<String> + 'a {
    move |name| {
        vars.iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| (*v).to_owned())
    }
}

#[test]
fn missing_key_names_the_variable() {
    for vars in [&[][..], &[(ENV_API_KEY, "  ")][..]] {
        let err = FlexpriceConfig::from_lookup(lookup(vars)).unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config);
        assert!(err.to_string().contains(ENV_API_KEY), "{err}");
    }
}

#[test]
fn regions_and_base_url() {
    let us = FlexpriceConfig::from_lookup(lookup(&[(ENV_API_KEY, "k")])).unwrap();
    assert_eq!(us.base_url().as_str(), "https://us.api.flexprice.io/v1");
    let india =
        FlexpriceConfig::from_lookup(lookup(&[(ENV_API_KEY, "k"), (ENV_REGION, "India")])).unwrap();
    assert_eq!(
        india.base_url().as_str(),
        "https://api.cloud.flexprice.io/v1"
    );
    let custom = FlexpriceConfig::from_lookup(lookup(&[
        (ENV_API_KEY, "k"),
        (ENV_REGION, "us"),
        (ENV_BASE_URL, "http://127.0.0.1:8080/v1/"),
    ]))
    .unwrap();
    assert_eq!(custom.base_url().as_str(), "http://127.0.0.1:8080/v1");
}

#[test]
fn bad_region_and_url_name_the_variable() {
    let err = FlexpriceConfig::from_lookup(lookup(&[(ENV_API_KEY, "k"), (ENV_REGION, "eu")]))
        .unwrap_err();
    assert_eq!(err.kind(), ErrorKind::Config);
    assert!(err.to_string().contains(ENV_REGION), "{err}");
    for url in [
        "not a url",
        "http://flexprice.example.com/v1",
        "ftp://127.0.0.1/v1",
    ] {
        let err = FlexpriceConfig::from_lookup(lookup(&[(ENV_API_KEY, "k"), (ENV_BASE_URL, url)]))
            .unwrap_err();
        assert_eq!(err.kind(), ErrorKind::Config, "{url}");
        assert!(err.to_string().contains(ENV_BASE_URL), "{url}: {err}");
    }
}

#[test]
fn debug_hides_the_key() {
    let key = "sk_PLANTED_config_key";
    let config = FlexpriceConfig::builder(key).build().unwrap();
    assert!(!format!("{config:?}").contains(key));
    assert!(!format!("{:?}", FlexpriceConfig::builder(key)).contains(key));
}
