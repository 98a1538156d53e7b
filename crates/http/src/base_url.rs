//! Checking a provider's base URL: `https://`, or `http://` to a loopback host only.

use unibill_core::{Error, Result};
use url::{Host, Url};

/// Whether `url`'s host is loopback: 127.0.0.0/8, `::1` or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => {
            ip.is_loopback() || ip.to_ipv4_mapped().is_some_and(|v4| v4.is_loopback())
        }
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Accepts `https://` URLs and `http://` URLs to a loopback host; anything else is `ErrorKind::Config`.
pub fn check_base_url(provider: &str, url: &Url) -> Result<()> {
    if url.cannot_be_a_base() || url.host().is_none() {
        return Err(Error::config(format!(
            "the {provider} base URL must be an absolute http(s) URL with a host"
        ))
        .with_provider(provider.to_owned()));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(Error::config(format!(
            "the {provider} base URL must not carry credentials; configure the API key instead"
        ))
        .with_provider(provider.to_owned()));
    }
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        "http" => Err(Error::config(format!(
            "the {provider} base URL must use https:// (plain http:// is allowed only to a loopback host)"
        ))
        .with_provider(provider.to_owned())),
        other => Err(Error::config(format!(
            "the {provider} base URL has unsupported scheme `{other}`; use https://"
        ))
        .with_provider(provider.to_owned())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use unibill_core::ErrorKind;

    #[test]
    fn only_https_or_loopback_http() {
        let ok = [
            "https://api.flexprice.io/v1",
            "http://127.0.0.1:8080",
            "http://127.5.6.7/",
            "http://[::1]:3000/",
            "http://localhost:9/api",
            "http://LOCALHOST/",
        ];
        for u in ok {
            assert!(check_base_url("p", &Url::parse(u).unwrap()).is_ok(), "{u}");
        }
        let bad = [
            "http://api.flexprice.io",
            "http://10.0.0.1",
            "http://localhost.evil.com",
            "http://128.0.0.1",
            "ftp://127.0.0.1",
            "mailto:a@b.c",
            "https://user:pass@api.example.com/",
        ];
        for u in bad {
            let err = check_base_url("p", &Url::parse(u).unwrap()).unwrap_err();
            assert_eq!(err.kind(), ErrorKind::Config, "{u}");
        }
    }
}
