//! The SSRF guard: Herald sends requests to the push endpoints browsers give
//! it, so an endpoint must be https on a known push service, and must not
//! lead to a private, loopback or link-local address — unless the operator
//! named that exact host (a local push service for tests and benchmarks).

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use url::{Host, Url};

/// The push services browsers use today.
pub const DEFAULT_HOSTS: &[&str] = &[
    // Chrome, Edge on Android, Opera, Samsung Internet: Firebase Cloud Messaging.
    "fcm.googleapis.com",
    "android.googleapis.com",
    // Firefox: Mozilla autopush.
    "updates.push.services.mozilla.com",
    "push.services.mozilla.com",
    // Edge on Windows: Windows Push Notification Services.
    "*.notify.windows.com",
    // Safari on macOS and iOS.
    "web.push.apple.com",
    "*.push.apple.com",
];

/// One allow-list entry: `[scheme://]host[:port]`, `*.` for any subdomain.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Entry {
    http: bool,
    host: String,
    wildcard: bool,
    port: Option<u16>,
    /// Named by the operator as an exact host: honoured even on loopback.
    explicit: bool,
}

impl Entry {
    fn parse(text: &str, operator: bool) -> Result<Entry, String> {
        let text = text.trim().to_ascii_lowercase();
        let (http, rest) = match text.split_once("://") {
            Some(("https", rest)) => (false, rest.to_owned()),
            Some(("http", rest)) => (true, rest.to_owned()),
            Some((scheme, _)) => {
                return Err(format!("{text:?}: scheme {scheme:?} is not http or https"));
            }
            None => (false, text.clone()),
        };
        let rest = rest.trim_end_matches('/');
        let (wildcard, rest) = match rest.strip_prefix("*.") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        // Parse host and port the way URLs do (IPv6 in brackets included).
        let url = Url::parse(&format!("http://{rest}/")).map_err(|e| format!("{text:?}: {e}"))?;
        let host = url
            .host_str()
            .ok_or_else(|| format!("{text:?}: no host"))?
            .to_owned();
        if url.path() != "/" || url.username() != "" || url.query().is_some() {
            return Err(format!("{text:?}: give only [scheme://]host[:port]"));
        }
        let port = url.port().or_else(|| rest.ends_with(":80").then_some(80));
        Ok(Entry {
            http,
            host,
            wildcard,
            port,
            explicit: operator && !wildcard,
        })
    }

    fn matches(&self, url: &Url, host: &str) -> bool {
        let host_ok = if self.wildcard {
            host.ends_with(&format!(".{}", self.host))
        } else {
            host == self.host
        };
        let port_ok = self
            .port
            .is_none_or(|p| url.port_or_known_default() == Some(p));
        host_ok && port_ok
    }
}

/// Why an endpoint was refused. Messages name the host, never the whole
/// endpoint (it is a capability).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EndpointRefused {
    #[error("the endpoint must use https")]
    NotHttps,
    #[error("the endpoint's host {0} is not a known push service")]
    NotAllowed(String),
    #[error("the endpoint's host is an IP address; push services are named hosts")]
    IpLiteral,
    #[error("the endpoint's host {0} leads to a private, loopback or link-local address")]
    PrivateAddress(String),
    #[error("the endpoint's host {0} cannot be resolved")]
    Unresolvable(String),
}

impl EndpointRefused {
    /// The stable API error code.
    pub fn code(&self) -> &'static str {
        match self {
            EndpointRefused::NotHttps => "endpoint_not_https",
            EndpointRefused::NotAllowed(_) => "endpoint_not_allowed",
            EndpointRefused::IpLiteral => "endpoint_ip_literal",
            EndpointRefused::PrivateAddress(_) => "endpoint_private_address",
            EndpointRefused::Unresolvable(_) => "endpoint_unresolvable",
        }
    }
}

/// How host names become addresses.
#[derive(Debug, Clone, Default)]
pub enum Resolver {
    /// The system's resolver.
    #[default]
    System,
    /// Fixed answers. Tests use it because no test here can control what a
    /// real DNS name resolves to.
    Static(HashMap<String, Vec<IpAddr>>),
}

impl Resolver {
    async fn resolve(&self, host: &str, port: u16) -> Option<Vec<IpAddr>> {
        match self {
            Resolver::System => tokio::net::lookup_host((host, port))
                .await
                .ok()
                .map(|addrs| addrs.map(|a| a.ip()).collect()),
            Resolver::Static(map) => map.get(host).cloned(),
        }
    }
}

/// The push services Herald will send to.
#[derive(Debug, Clone)]
pub struct AllowList {
    entries: Vec<Entry>,
    resolver: Resolver,
}

impl AllowList {
    /// The default services plus the operator's entries.
    pub fn new(operator_entries: &[String], resolver: Resolver) -> Result<AllowList, String> {
        let mut entries = DEFAULT_HOSTS
            .iter()
            .map(|h| Entry::parse(h, false))
            .collect::<Result<Vec<_>, _>>()?;
        for text in operator_entries {
            entries.push(Entry::parse(text, true).map_err(|e| format!("push.allowed_hosts: {e}"))?);
        }
        Ok(AllowList { entries, resolver })
    }

    /// The operator's exact entries, which bypass the private-address check:
    /// to be logged loudly at start.
    pub fn explicit_entries(&self) -> Vec<String> {
        self.entries
            .iter()
            .filter(|e| e.explicit)
            .map(|e| {
                let scheme = if e.http { "http" } else { "https" };
                match e.port {
                    Some(p) => format!("{scheme}://{}:{p}", e.host),
                    None => format!("{scheme}://{}", e.host),
                }
            })
            .collect()
    }

    /// Whether the operator named this plain-http endpoint's host (a local
    /// push service): the only way an http endpoint is ever accepted.
    pub fn names_plain_http(&self, endpoint: &str) -> bool {
        Url::parse(endpoint).is_ok_and(|url| self.names_plain_http_url(&url))
    }

    /// [`AllowList::names_plain_http`] for an endpoint already parsed.
    pub fn names_plain_http_url(&self, url: &Url) -> bool {
        let Some(host) = url.host_str() else {
            return false;
        };
        let host = host.to_ascii_lowercase();
        url.scheme() == "http"
            && self
                .entries
                .iter()
                .any(|e| e.http && e.explicit && e.matches(url, &host))
    }

    /// Parses a browser's subscription JSON, accepting a plain-http endpoint
    /// only where [`AllowList::names_plain_http`] says the operator named it.
    pub fn parse_subscription(
        &self,
        json: &str,
    ) -> Result<webpush::Subscription, webpush::SubscriptionError> {
        let endpoint = serde_json::from_str::<serde_json::Value>(json)
            .ok()
            .and_then(|v| v["endpoint"].as_str().map(str::to_owned))
            .unwrap_or_default();
        if self.names_plain_http(&endpoint) {
            webpush::Subscription::from_json_allowing_http(json)
        } else {
            webpush::Subscription::from_json(json)
        }
    }

    /// The addresses to connect to when sending to `host`, checked again at
    /// every connection: a name that resolved to a public address when the
    /// subscription was registered may resolve elsewhere now (DNS
    /// rebinding). Hosts the operator named are trusted as they are.
    pub async fn delivery_addresses(
        &self,
        host: &str,
    ) -> Result<Vec<std::net::SocketAddr>, EndpointRefused> {
        let host = host
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_ascii_lowercase();
        let named = self
            .entries
            .iter()
            .any(|e| e.explicit && e.host.trim_start_matches('[').trim_end_matches(']') == host);
        if let Ok(ip) = host.parse::<IpAddr>() {
            return if named || is_public(ip) {
                Ok(vec![std::net::SocketAddr::new(ip, 0)])
            } else {
                Err(EndpointRefused::PrivateAddress(host))
            };
        }
        let addresses = self
            .resolver
            .resolve(&host, 0)
            .await
            .filter(|a| !a.is_empty())
            .ok_or_else(|| EndpointRefused::Unresolvable(host.clone()))?;
        if !named && addresses.iter().any(|ip| !is_public(*ip)) {
            return Err(EndpointRefused::PrivateAddress(host));
        }
        Ok(addresses
            .into_iter()
            .map(|ip| std::net::SocketAddr::new(ip, 0))
            .collect())
    }

    /// Accepts an endpoint Herald may send to, or says why not.
    pub async fn check(&self, endpoint: &Url) -> Result<(), EndpointRefused> {
        let http = match endpoint.scheme() {
            "https" => false,
            "http" => true,
            _ => return Err(EndpointRefused::NotHttps),
        };
        let host = match endpoint.host() {
            Some(Host::Domain(d)) => d.to_ascii_lowercase(),
            Some(Host::Ipv4(ip)) => ip.to_string(),
            Some(Host::Ipv6(ip)) => format!("[{ip}]"),
            None => return Err(EndpointRefused::NotAllowed(String::new())),
        };
        let candidates: Vec<&Entry> = self
            .entries
            .iter()
            .filter(|e| e.matches(endpoint, &host))
            .collect();
        let Some(entry) = candidates.iter().find(|e| e.http == http) else {
            return Err(if http {
                EndpointRefused::NotHttps
            } else {
                EndpointRefused::NotAllowed(host)
            });
        };
        if entry.explicit {
            return Ok(());
        }
        if !matches!(endpoint.host(), Some(Host::Domain(_))) {
            return Err(EndpointRefused::IpLiteral);
        }
        let port = endpoint.port_or_known_default().unwrap_or(443);
        let addresses = self
            .resolver
            .resolve(&host, port)
            .await
            .filter(|a| !a.is_empty())
            .ok_or_else(|| EndpointRefused::Unresolvable(host.clone()))?;
        if addresses.iter().any(|ip| !is_public(*ip)) {
            return Err(EndpointRefused::PrivateAddress(host));
        }
        Ok(())
    }
}

/// Whether an address is on the public internet: not in a special-purpose
/// range of the IANA registries (IPv4 and IPv6), and, for an IPv6 address
/// that carries an IPv4 address (IPv4-mapped, IPv4-compatible, NAT64,
/// 6to4, Teredo), only if that IPv4 address is public too: otherwise
/// `64:ff9b::7f00:1` would reach 127.0.0.1 through a NAT64 gateway.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => is_public_v6(v6),
    }
}

fn is_public_v4(v4: Ipv4Addr) -> bool {
    let [a, b, c, _] = v4.octets();
    !(v4.is_private()
        || v4.is_loopback()
        || v4.is_link_local()
        || v4.is_unspecified()
        || v4.is_broadcast()
        || v4.is_multicast()
        || v4.is_documentation()
        || a == 0
        || (a == 100 && (64..128).contains(&b)) // shared address space
        || (a == 192 && b == 0 && c == 0) // IETF protocol assignments
        || (a == 192 && b == 88 && c == 99) // 6to4 relay anycast
        || (a == 198 && (b == 18 || b == 19)) // benchmarking
        || a >= 240)
}

fn is_public_v6(v6: Ipv6Addr) -> bool {
    let s = v6.segments();
    let embedded = |high: u16, low: u16| {
        Ipv4Addr::new((high >> 8) as u8, high as u8, (low >> 8) as u8, low as u8)
    };
    if let Some(v4) = v6.to_ipv4_mapped() {
        return is_public_v4(v4);
    }
    // IPv4-compatible (::a.b.c.d, deprecated), beside :: and ::1.
    if s[..6] == [0; 6] {
        return !v6.is_unspecified() && !v6.is_loopback() && is_public_v4(embedded(s[6], s[7]));
    }
    // NAT64, the well-known prefix 64:ff9b::/96 (RFC 6052).
    if s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        return is_public_v4(embedded(s[6], s[7]));
    }
    // 6to4, 2002::/16: the IPv4 address follows the prefix (RFC 3056).
    if s[0] == 0x2002 {
        return is_public_v4(embedded(s[1], s[2]));
    }
    // Teredo, 2001::/32: the server's address, and the client's, inverted
    // (RFC 4380).
    if s[0] == 0x2001 && s[1] == 0 {
        return is_public_v4(embedded(s[2], s[3])) && is_public_v4(embedded(!s[6], !s[7]));
    }
    !(v6.is_loopback()
        || v6.is_unspecified()
        || v6.is_multicast()
        || (s[0] == 0x64 && s[1] == 0xff9b && s[2] == 1) // local-use NAT64, 64:ff9b:1::/48
        || (s[0] == 0x100 && s[1..4] == [0, 0, 0]) // discard-only, 100::/64
        || (s[0] == 0x2001 && s[1] == 2 && s[2] == 0) // benchmarking, 2001:2::/48
        || (s[0] == 0x2001 && (s[1] & 0xffe0) == 0x0020) // ORCHIDv2, 2001:20::/28
        || (s[0] == 0x2001 && (s[1] & 0xfff0) == 0x0010) // ORCHID, 2001:10::/28
        || (s[0] == 0x2001 && s[1] == 0x0db8) // documentation, 2001:db8::/32
        || (s[0] & 0xfff0) == 0x3ff0 // documentation, 3fff::/20
        || s[0] == 0x5f00 // segment routing SIDs, 5f00::/16
        || (s[0] & 0xfe00) == 0xfc00 // unique local, fc00::/7
        || (s[0] & 0xffc0) == 0xfe80 // link-local, fe80::/10
        || (s[0] & 0xffc0) == 0xfec0) // site-local (deprecated), fec0::/10
}

#[cfg(test)]
mod tests {
    use super::*;

    fn list(operator: &[&str], dns: &[(&str, &str)]) -> AllowList {
        let map = dns
            .iter()
            .map(|(h, ip)| (h.to_string(), vec![ip.parse().expect("ip")]))
            .collect();
        AllowList::new(
            &operator.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            Resolver::Static(map),
        )
        .expect("valid list")
    }

    async fn check(list: &AllowList, endpoint: &str) -> Result<(), EndpointRefused> {
        list.check(&Url::parse(endpoint).expect("url")).await
    }

    #[tokio::test]
    async fn known_push_services_on_public_addresses_pass() {
        let l = list(
            &[],
            &[
                ("fcm.googleapis.com", "142.250.1.1"),
                ("wns2-by3p.notify.windows.com", "20.1.1.1"),
            ],
        );
        assert_eq!(
            check(&l, "https://fcm.googleapis.com/fcm/send/abc").await,
            Ok(())
        );
        assert_eq!(
            check(&l, "https://wns2-by3p.notify.windows.com/w/?token=x").await,
            Ok(())
        );
    }

    #[tokio::test]
    async fn everything_else_is_refused_with_its_reason() {
        let l = list(
            &[],
            &[
                ("fcm.googleapis.com", "127.0.0.1"),
                ("evil.notify.windows.com", "10.0.0.5"),
            ],
        );
        let cases = [
            ("http://fcm.googleapis.com/x", "endpoint_not_https"),
            ("https://evil.example/x", "endpoint_not_allowed"),
            ("https://127.0.0.1/x", "endpoint_not_allowed"),
            ("https://10.0.0.1/x", "endpoint_not_allowed"),
            ("https://[::1]/x", "endpoint_not_allowed"),
            (
                "https://169.254.169.254/latest/meta-data",
                "endpoint_not_allowed",
            ),
            ("https://fcm.googleapis.com/x", "endpoint_private_address"),
            (
                "https://evil.notify.windows.com/x",
                "endpoint_private_address",
            ),
            (
                "https://unknown.notify.windows.com/x",
                "endpoint_unresolvable",
            ),
            (
                "https://notify.windows.com.evil.example/x",
                "endpoint_not_allowed",
            ),
        ];
        for (endpoint, code) in cases {
            assert_eq!(
                check(&l, endpoint).await.map_err(|e| e.code()),
                Err(code),
                "{endpoint}"
            );
        }
    }

    #[tokio::test]
    async fn operator_entries_extend_the_list() {
        let l = list(
            &[
                "http://127.0.0.1:9100",
                "push.example.org",
                "*.corp.example",
            ],
            &[
                ("push.example.org", "10.1.1.1"),
                ("a.corp.example", "10.2.2.2"),
            ],
        );
        // Named exactly: honoured even on loopback and private addresses.
        assert_eq!(check(&l, "http://127.0.0.1:9100/push/1").await, Ok(()));
        assert_eq!(check(&l, "https://push.example.org/x").await, Ok(()));
        // Another port, or https where only http was named: refused.
        assert!(check(&l, "http://127.0.0.1:9101/push/1").await.is_err());
        // A wildcard entry still gets the private-address check.
        assert_eq!(
            check(&l, "https://a.corp.example/x")
                .await
                .map_err(|e| e.code()),
            Err("endpoint_private_address")
        );
        assert_eq!(
            l.explicit_entries(),
            ["http://127.0.0.1:9100", "https://push.example.org"]
        );
    }

    #[tokio::test]
    async fn delivery_re_checks_what_names_resolve_to() {
        let l = list(
            &["http://127.0.0.1:9100", "push.example.org"],
            &[
                ("fcm.googleapis.com", "142.250.1.1"),
                ("rebound.notify.windows.com", "127.0.0.1"),
                ("push.example.org", "10.1.1.1"),
            ],
        );
        assert!(l.delivery_addresses("fcm.googleapis.com").await.is_ok());
        assert_eq!(
            l.delivery_addresses("rebound.notify.windows.com")
                .await
                .map_err(|e| e.code()),
            Err("endpoint_private_address")
        );
        assert!(
            l.delivery_addresses("push.example.org").await.is_ok(),
            "named by the operator"
        );
        assert!(
            l.delivery_addresses("127.0.0.1").await.is_ok(),
            "named by the operator"
        );
        assert!(l.delivery_addresses("10.9.9.9").await.is_err());
        assert!(l.delivery_addresses("nowhere.example").await.is_err());
    }

    #[test]
    fn malformed_entries_are_refused() {
        for bad in ["ftp://x.org", "https://x.org/path", "", "user@x.org"] {
            assert!(
                AllowList::new(&[bad.to_owned()], Resolver::System).is_err(),
                "{bad:?}"
            );
        }
    }

    #[test]
    fn ipv6_forms_that_carry_an_ipv4_address_are_judged_by_it() {
        for ip in [
            "64:ff9b::7f00:1",                      // NAT64 of 127.0.0.1
            "64:ff9b::a00:7",                       // NAT64 of 10.0.0.7
            "::7f00:1",                             // IPv4-compatible 127.0.0.1
            "::a9fe:a9fe",                          // IPv4-compatible 169.254.169.254
            "2002:7f00:1::1",                       // 6to4 of 127.0.0.1
            "2002:c0a8:101::1",                     // 6to4 of 192.168.1.1
            "2001:0:4136:e378:8000:63bf:80ff:fffe", // Teredo, client 127.0.0.1
            "2001:0:a00:1:8000:63bf:f7f7:f7f7",     // Teredo, server 10.0.0.1
            "64:ff9b:1::1",                         // local-use NAT64
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "64:ff9b::808:808",                     // NAT64 of 8.8.8.8
            "2002:808:808::1",                      // 6to4 of 8.8.8.8
            "::808:808",                            // IPv4-compatible 8.8.8.8
            "2001:0:4136:e378:8000:63bf:f7f7:f7f7", // Teredo, both ends public
        ] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn special_purpose_ranges_are_not_public() {
        for ip in [
            "192.0.0.8",
            "198.18.0.1",
            "192.88.99.1",
            "100::1",
            "2001:2::1",
            "2001:db8::1",
            "2001:10::1",
            "2001:20::1",
            "3fff::1",
            "5f00::1",
            "fec0::1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
    }

    #[test]
    fn public_and_private_addresses() {
        for ip in ["8.8.8.8", "142.250.1.1", "2a00:1450::1"] {
            assert!(is_public(ip.parse().expect("ip")), "{ip}");
        }
        for ip in [
            "127.0.0.1",
            "10.0.0.1",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
            "224.0.0.1",
        ] {
            assert!(!is_public(ip.parse().expect("ip")), "{ip}");
        }
    }
}
