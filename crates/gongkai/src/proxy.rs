//! Trusted proxies (`[http] trusted_proxies`, issue #11): behind a load balancer every
//! connection comes from the balancer, so the per-address limits (failed logins per address,
//! public-form submissions per address) and the audit log would see one client. When the peer
//! is a configured proxy, the client is read from `X-Forwarded-For`, right to left: the first
//! address that is not itself a trusted proxy is the one the nearest trusted proxy saw. Anything
//! to the left of it was written by the client and is never believed. With no proxy configured
//! (the default) the header is ignored, so nobody can choose their own address by sending it.

use anyhow::bail;
use axum::http::HeaderMap;
use std::net::IpAddr;

/// One address or network, `127.0.0.1` or `10.0.0.0/8` or `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Net {
    addr: IpAddr,
    prefix: u8,
}

impl Net {
    fn parse(s: &str) -> Option<Net> {
        let (a, p) = match s.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (s, None),
        };
        let addr: IpAddr = a.trim().parse().ok()?;
        let max = if addr.is_ipv4() { 32 } else { 128 };
        let prefix = match p {
            Some(p) => p.trim().parse::<u8>().ok().filter(|p| *p <= max)?,
            None => max,
        };
        Some(Net {
            addr: addr.to_canonical(),
            prefix,
        })
    }

    fn contains(&self, ip: IpAddr) -> bool {
        // `::ffff:10.0.0.1` is `10.0.0.1` (a dual-stack listener reports IPv4 peers that way).
        match (self.addr, ip.to_canonical()) {
            (IpAddr::V4(n), IpAddr::V4(a)) => prefix_eq(
                u128::from(n.to_bits()) << 96,
                u128::from(a.to_bits()) << 96,
                self.prefix,
            ),
            (IpAddr::V6(n), IpAddr::V6(a)) => prefix_eq(n.to_bits(), a.to_bits(), self.prefix),
            _ => false,
        }
    }
}

/// Whether the first `prefix` bits of `a` and `b` agree.
fn prefix_eq(a: u128, b: u128, prefix: u8) -> bool {
    prefix == 0 || (a ^ b) >> (128 - u32::from(prefix)) == 0
}

/// The configured proxies; empty = trust no `X-Forwarded-For`.
#[derive(Debug, Clone, Default)]
pub struct TrustedProxies(Vec<Net>);

impl TrustedProxies {
    /// Parses the configured list; a bad entry is refused with a message for the operator.
    pub fn parse(list: &[String]) -> anyhow::Result<TrustedProxies> {
        let mut nets = Vec::with_capacity(list.len());
        for s in list {
            match Net::parse(s) {
                Some(n) => nets.push(n),
                None => bail!(
                    "[http] trusted_proxies 中的“{s}”不是 IP 地址或网段（例如 127.0.0.1、10.0.0.0/8、::1）"
                ),
            }
        }
        Ok(TrustedProxies(nets))
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|n| n.contains(ip))
    }

    /// The client's address for a request from `peer` with `headers`.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        // Every X-Forwarded-For header, in order, as one list read from its end (no copy: this
        // runs for every request from a proxy).
        let hops = headers
            .get_all("x-forwarded-for")
            .iter()
            .flat_map(|v| v.to_str().unwrap_or("").split(','))
            .rev();
        let mut client = peer;
        for hop in hops {
            // What a trusted proxy wrote is an address; anything else is not followed.
            let Ok(ip) = hop.trim().parse::<IpAddr>() else {
                break;
            };
            client = ip.to_canonical();
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;
    use proptest::prelude::*;

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies::parse(&list.iter().map(|s| s.to_string()).collect::<Vec<_>>()).unwrap()
    }

    fn xff(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn ip(s: &str) -> IpAddr {
        s.parse().unwrap()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let none = TrustedProxies::default();
        assert_eq!(
            none.client(ip("127.0.0.1"), &xff(&["203.0.113.5"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn an_untrusted_peer_cannot_name_another_address() {
        let p = proxies(&["10.0.0.0/8"]);
        assert_eq!(
            p.client(ip("192.0.2.7"), &xff(&["203.0.113.5"])),
            ip("192.0.2.7")
        );
    }

    #[test]
    fn the_address_the_nearest_trusted_proxy_saw_is_the_client() {
        let p = proxies(&["10.0.0.0/8", "127.0.0.1"]);
        // The client forged 1.2.3.4; the outer proxy 10.0.0.2 appended what it saw.
        let h = xff(&["1.2.3.4, 203.0.113.5, 10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.5"));
        // The same over two header lines.
        let h = xff(&["1.2.3.4", "203.0.113.5", "10.0.0.2"]);
        assert_eq!(p.client(ip("127.0.0.1"), &h), ip("203.0.113.5"));
    }

    #[test]
    fn a_missing_or_broken_header_leaves_the_last_trusted_hop() {
        let p = proxies(&["127.0.0.1", "10.0.0.0/8"]);
        assert_eq!(
            p.client(ip("127.0.0.1"), &HeaderMap::new()),
            ip("127.0.0.1")
        );
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["203.0.113.5, nonsense, 10.0.0.3"])),
            ip("10.0.0.3")
        );
        assert_eq!(
            p.client(ip("127.0.0.1"), &xff(&["unknown"])),
            ip("127.0.0.1")
        );
    }

    #[test]
    fn ipv6_and_mapped_ipv4() {
        let p = proxies(&["::1", "fd00::/8", "127.0.0.1"]);
        assert_eq!(
            p.client(ip("::1"), &xff(&["2001:db8::7"])),
            ip("2001:db8::7")
        );
        assert_eq!(
            p.client(ip("::ffff:127.0.0.1"), &xff(&["::ffff:203.0.113.5"])),
            ip("203.0.113.5")
        );
        assert_eq!(
            p.client(ip("fd12::1"), &xff(&["203.0.113.5"])),
            ip("203.0.113.5")
        );
    }

    #[test]
    fn bad_entries_are_refused_in_chinese() {
        for bad in ["", "localhost", "10.0.0.0/33", "::1/129", "1.2.3.4/x"] {
            let e = TrustedProxies::parse(&[bad.to_string()]).unwrap_err();
            assert!(e.to_string().contains("不是 IP 地址或网段"), "{bad}: {e}");
        }
        assert!(TrustedProxies::parse(&["0.0.0.0/0".into(), "::/0".into()]).is_ok());
    }

    proptest! {
        /// Against an independent oracle: a network contains an IPv4 address exactly when the
        /// address masked to the prefix equals the network masked to it.
        #[test]
        fn ipv4_networks_match_the_mask_oracle(net: u32, addr: u32, prefix in 0u8..=32) {
            let mask = if prefix == 0 { 0 } else { u32::MAX << (32 - u32::from(prefix)) };
            let n = Net { addr: IpAddr::from(net.to_be_bytes()), prefix };
            prop_assert_eq!(
                n.contains(IpAddr::from(addr.to_be_bytes())),
                net & mask == addr & mask
            );
        }
    }
}
