//! Who is asking: the client's address, from the socket, or from `X-Forwarded-For` only
//! when the socket is a proxy the operator named as trusted.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};

use axum::extract::ConnectInfo;
use axum::http::request::Parts;
use ipnet::IpNet;

/// The client's address. Anything a client sends could be forged, so the
/// `X-Forwarded-For` chain is read from the right (the nearest hop) and only across
/// proxies in `trusted`: the first address that is not one of them is the client.
pub fn client_address(parts: &Parts, trusted: &[IpNet]) -> IpAddr {
    let Some(ConnectInfo(peer)) = parts.extensions.get::<ConnectInfo<SocketAddr>>() else {
        // Only requests that did not come through a socket (none in the server) lack it.
        return IpAddr::V4(Ipv4Addr::UNSPECIFIED);
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    let mut client = peer.ip();
    if !is_trusted(&client) {
        return client;
    }
    let hops = parts
        .headers
        .get_all("x-forwarded-for")
        .iter()
        .rev()
        .flat_map(|v| v.to_str().unwrap_or("").rsplit(','));
    for hop in hops {
        match hop.trim().parse::<IpAddr>() {
            Ok(ip) => {
                client = ip;
                if !is_trusted(&ip) {
                    return ip;
                }
            }
            // A hop we cannot read: the last trusted proxy is all we know.
            Err(_) => return client,
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::Request;

    fn parts(peer: &str, forwarded: &[&str]) -> Parts {
        let mut req = Request::builder().uri("/");
        for f in forwarded {
            req = req.header("x-forwarded-for", *f);
        }
        let (mut parts, ()) = req.body(()).unwrap().into_parts();
        parts
            .extensions
            .insert(ConnectInfo(SocketAddr::new(peer.parse().unwrap(), 4000)));
        parts
    }

    fn nets(list: &[&str]) -> Vec<IpNet> {
        list.iter().map(|n| n.parse().unwrap()).collect()
    }

    #[test]
    fn forwarded_addresses_count_only_through_trusted_proxies() {
        let cases: &[(&str, &[&str], &[&str], &str)] = &[
            // No trusted proxy: the header is the client's own words, ignored.
            ("203.0.113.9", &["1.2.3.4"], &[], "203.0.113.9"),
            // A trusted proxy names the client.
            (
                "10.0.0.5",
                &["198.51.100.7"],
                &["10.0.0.0/8"],
                "198.51.100.7",
            ),
            // A forged entry to the left of the real client is not believed.
            (
                "10.0.0.5",
                &["1.2.3.4, 198.51.100.7"],
                &["10.0.0.0/8"],
                "198.51.100.7",
            ),
            // Two proxies of ours, in two headers.
            (
                "10.0.0.5",
                &["198.51.100.7", "10.0.0.9"],
                &["10.0.0.0/8"],
                "198.51.100.7",
            ),
            // An untrusted peer cannot pretend with the header.
            ("203.0.113.9", &["10.0.0.1"], &["10.0.0.0/8"], "203.0.113.9"),
            // Garbage after a trusted proxy: the proxy is the client we know.
            ("10.0.0.5", &["not-an-address"], &["10.0.0.0/8"], "10.0.0.5"),
            ("::1", &["2001:db8::7"], &["::1/128"], "2001:db8::7"),
        ];
        for (peer, forwarded, trusted, expected) in cases {
            let got = client_address(&parts(peer, forwarded), &nets(trusted));
            assert_eq!(
                got.to_string(),
                *expected,
                "{peer} {forwarded:?} {trusted:?}"
            );
        }
    }
}
