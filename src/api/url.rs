//! The base URL: which gateways keylint agrees to send the access token to, and the one request
//! URL it ever builds from it.
//!
//! The token travels in a header on every request, so plain `http://` is refused unless the
//! host is loopback (the connection never leaves the machine) or the caller explicitly allows
//! it. URLs holding credentials, a query or a fragment are refused too: they would be echoed in
//! logs and errors, and the API takes nothing of the kind.

use std::fmt;
use std::net::IpAddr;

use reqwest::Url;

/// A gateway's base URL, checked once: scheme and host lower-cased, no trailing `/`, a path
/// prefix kept (`https://gw.example/new-api` serves `/new-api/api/token/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BaseUrl(String);

impl BaseUrl {
    /// Checks a base URL. `https` is required unless the host is loopback (`localhost`,
    /// `127.0.0.0/8`, `::1`) or `allow_insecure_http` is set; credentials, a query, a fragment,
    /// port 0 and a host name no HTTP request can carry are refused. Error messages quote the
    /// host at most, never the whole input.
    pub fn parse(url: &str, allow_insecure_http: bool) -> Result<BaseUrl, String> {
        let parsed =
            Url::parse(url.trim()).map_err(|e| format!("the base URL is not a valid URL ({e})"))?;
        if !parsed.username().is_empty() || parsed.password().is_some() {
            return Err(
                "the base URL must not contain credentials; the access token is read from \
                 COMETAPI_ACCESS_TOKEN or --token-file"
                    .to_owned(),
            );
        }
        if parsed.query().is_some() || parsed.fragment().is_some() {
            return Err(
                "the base URL must not have a query (`?...`) or fragment (`#...`)".to_owned(),
            );
        }
        let Some(host) = parsed.host_str() else {
            return Err("the base URL has no host".to_owned());
        };
        if parsed.port() == Some(0) {
            return Err("the base URL names port 0, which no connection can reach".to_owned());
        }
        if parsed.domain().is_some_and(|name| !is_host_name(name)) {
            return Err(
                "the host of the base URL holds characters a host name cannot have".to_owned(),
            );
        }
        match parsed.scheme() {
            "https" => {}
            "http" if allow_insecure_http || is_loopback_host(host) => {}
            "http" => {
                return Err(format!(
                    "refusing plain http:// for {host}: the access token would travel unencrypted; \
                     use https://, or pass --allow-insecure-http if the network path is trusted"
                ));
            }
            other => {
                return Err(format!(
                    "the base URL must start with https:// (found the scheme `{other}`)"
                ));
            }
        }
        Ok(BaseUrl(parsed.as_str().trim_end_matches('/').to_owned()))
    }

    /// The normalised URL, without a trailing `/`.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The list request with `query` (a dialect's paging parameters): `{base}/api/token/?QUERY`.
    pub(crate) fn list_url(&self, query: &str) -> String {
        format!("{}/api/token/?{query}", self.0)
    }
}

impl fmt::Display for BaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Letters, digits, `-`, `_` and `.`: what a DNS name (after IDNA) is made of. The URL parser
/// accepts more (`{`, `"`, ...), which no HTTP request can then carry.
fn is_host_name(name: &str) -> bool {
    name.bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
}

/// `localhost`, an address in `127.0.0.0/8`, or `::1`. `host` is as [`Url::host_str`] gives it
/// (IPv6 in brackets).
pub(crate) fn is_loopback_host(host: &str) -> bool {
    let host = host.trim_end_matches('.');
    if host.eq_ignore_ascii_case("localhost") {
        return true;
    }
    let bare = host.trim_start_matches('[').trim_end_matches(']');
    match bare.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.is_loopback(),
        Ok(IpAddr::V6(v6)) => v6.is_loopback(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(url: &str, allow_insecure_http: bool) -> Result<String, String> {
        BaseUrl::parse(url, allow_insecure_http).map(|b| b.as_str().to_owned())
    }

    #[test]
    fn https_is_accepted_and_normalised() {
        assert_eq!(
            parse("https://api.cometapi.com/", false).as_deref(),
            Ok("https://api.cometapi.com")
        );
        assert_eq!(
            parse("HTTPS://API.CometAPI.com", false).as_deref(),
            Ok("https://api.cometapi.com")
        );
        assert_eq!(
            parse("https://gw.example/new-api//", false).as_deref(),
            Ok("https://gw.example/new-api")
        );
    }

    #[test]
    fn plain_http_only_for_loopback_or_when_allowed() {
        for ok in [
            "http://localhost:3000",
            "http://LOCALHOST/",
            "http://127.0.0.1:8080",
            "http://127.1.2.3",
            "http://[::1]:3000/",
        ] {
            assert!(parse(ok, false).is_ok(), "{ok}");
        }
        for refused in [
            "http://api.cometapi.com",
            "http://10.0.0.1",
            "http://[::2]",
            "http://localhost.evil.example",
            "http://128.0.0.1",
        ] {
            let err = parse(refused, false).unwrap_err();
            assert!(err.contains("refusing plain http://"), "{refused}: {err}");
            assert!(parse(refused, true).is_ok(), "{refused}");
        }
    }

    #[test]
    fn credentials_query_fragment_and_other_schemes_are_refused() {
        let err = parse("https://user:CANARYSECRET@gw.example", false).unwrap_err();
        assert!(
            err.contains("credentials") && !err.contains("CANARY"),
            "{err}"
        );
        assert!(parse("https://gw.example/?x=1", false).is_err());
        assert!(parse("https://gw.example/#top", false).is_err());
        assert!(parse("ftp://gw.example", true).is_err());
        assert!(parse("gw.example", false).is_err());
        assert!(parse("", false).is_err());
    }

    #[test]
    fn host_names_a_request_cannot_carry_are_refused() {
        for refused in [
            "https://a{b}.example",
            "https://a\"b.example",
            "https://a`b.example",
        ] {
            let err = parse(refused, false).unwrap_err();
            assert!(err.contains("host name"), "{refused}: {err}");
        }
        assert!(
            parse("https://gw.example:0", false)
                .unwrap_err()
                .contains("port 0")
        );
        for ok in [
            "https://gw_1.example",
            "https://bücher.example",
            "https://[2001:db8::1]",
        ] {
            assert!(parse(ok, false).is_ok(), "{ok}");
        }
    }

    #[test]
    fn page_url_is_the_only_request() {
        let base = BaseUrl::parse("https://gw.example/new-api/", false).unwrap();
        assert_eq!(
            base.list_url("p=3&page_size=100"),
            "https://gw.example/new-api/api/token/?p=3&page_size=100"
        );
    }
}
