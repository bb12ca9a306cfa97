//! The HTTP client webhooks are sent with: rustls, no redirects, a 5 s bound per attempt,
//! and a resolver that refuses loopback, private and link-local addresses (unless the
//! deployment allows them), so a webhook cannot be aimed at the server's own network.
//! The check is made on the addresses a name resolves to, at every attempt (a name that
//! moves to a private address later is refused then), and on addresses written in the URL.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// The longest one attempt may take, connecting included.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(5);

/// Which addresses requests may go to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressPolicy {
    /// `PAYSTATUS_WEBHOOK_ALLOW_PRIVATE`: tests and private deployments.
    pub allow_private: bool,
}

impl AddressPolicy {
    /// Why `ip` is refused, if it is.
    pub fn refuses(self, ip: IpAddr) -> Option<&'static str> {
        if self.allow_private {
            return None;
        }
        match ip {
            IpAddr::V4(v4) => refuses_v4(v4),
            IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
                Some(v4) => refuses_v4(v4),
                None => refuses_v6(v6),
            },
        }
    }
}

fn refuses_v4(ip: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = ip.octets();
    if ip.is_loopback() {
        Some("a loopback address")
    } else if ip.is_private() || (a == 100 && (64..128).contains(&b)) {
        Some("a private address")
    } else if ip.is_link_local() {
        Some("a link-local address")
    } else if ip.is_unspecified() || ip.is_broadcast() || ip.is_multicast() || a == 0 {
        Some("not a unicast address")
    } else {
        None
    }
}

fn refuses_v6(ip: Ipv6Addr) -> Option<&'static str> {
    let first = ip.segments()[0];
    if ip.is_loopback() {
        Some("a loopback address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a private address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if ip.is_unspecified() || ip.is_multicast() {
        Some("not a unicast address")
    } else {
        None
    }
}

/// Resolves with the system's resolver, then drops nothing silently: a name with any
/// refused address is refused whole (it may be aimed at the inside on purpose).
struct GuardedResolver {
    policy: AddressPolicy,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_string();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if let Some((ip, why)) = addrs
                .iter()
                .find_map(|a| policy.refuses(a.ip()).map(|why| (a.ip(), why)))
            {
                return Err(format!(
                    "{host} resolves to {ip}, {why}; refused (PAYSTATUS_WEBHOOK_ALLOW_PRIVATE allows it)"
                )
                .into());
            }
            let addrs: Addrs = Box::new(addrs.into_iter());
            Ok(addrs)
        })
    }
}

/// The client every webhook is sent with.
pub fn guarded_client(policy: AddressPolicy) -> reqwest::Result<reqwest::Client> {
    reqwest::Client::builder()
        .dns_resolver(GuardedResolver { policy })
        .redirect(reqwest::redirect::Policy::none())
        .timeout(ATTEMPT_TIMEOUT)
        .connect_timeout(ATTEMPT_TIMEOUT)
        .user_agent(concat!("paystatus-webhooks/", env!("CARGO_PKG_VERSION")))
        .build()
}

/// Why a URL written with an address is refused (names are checked when resolved).
pub fn refused_literal(policy: AddressPolicy, url: &reqwest::Url) -> Option<String> {
    let ip = match url.host()? {
        url::Host::Ipv4(v4) => IpAddr::V4(v4),
        url::Host::Ipv6(v6) => IpAddr::V6(v6),
        url::Host::Domain(_) => return None,
    };
    policy
        .refuses(ip)
        .map(|why| format!("{ip} is {why}; refused (PAYSTATUS_WEBHOOK_ALLOW_PRIVATE allows it)"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(s: &str) -> bool {
        let policy = AddressPolicy {
            allow_private: false,
        };
        policy.refuses(s.parse().unwrap()).is_some()
    }

    #[test]
    fn inside_addresses_are_refused_in_both_families() {
        for inside in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "::1",
            "::",
            "fc00::1",
            "fd12::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::ffff:169.254.169.254",
        ] {
            assert!(refused(inside), "{inside}");
        }
        for outside in [
            "93.184.215.14",
            "8.8.8.8",
            "2606:4700::1111",
            "::ffff:1.1.1.1",
        ] {
            assert!(!refused(outside), "{outside}");
        }
        let open = AddressPolicy {
            allow_private: true,
        };
        assert_eq!(open.refuses("127.0.0.1".parse().unwrap()), None);
    }

    #[test]
    fn an_address_in_the_url_is_checked_too() {
        let policy = AddressPolicy {
            allow_private: false,
        };
        let url = |s: &str| reqwest::Url::parse(s).unwrap();
        assert!(refused_literal(policy, &url("http://127.0.0.1:9/x")).is_some());
        assert!(refused_literal(policy, &url("http://[::1]/")).is_some());
        assert!(refused_literal(policy, &url("https://example.com/")).is_none());
    }
}
