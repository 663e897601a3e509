//! Who the client is when reverse proxies stand in front of the console.
//!
//! Behind a proxy every connection comes from the proxy, so the sign-in throttle's per-address count
//! would be one count for everybody: a hundred wrong passwords from anyone would lock every user out
//! for 15 minutes, and the audit trail would show one address for all. A proxy names the client it
//! serves in `X-Forwarded-For`, but so can any client, so that header is believed only from the
//! proxies the operator names (`--trusted-proxies`), and only as far as they vouch for it: read from
//! the right, the first address that is not one of theirs is the client. Whatever a client wrote into
//! the header itself lies further left and is never reached.

use http::HeaderMap;
use std::net::{IpAddr, SocketAddr};

/// An address or a range (`192.0.2.7`, `10.0.0.0/8`, `fd00::/8`) a trusted proxy connects from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    base: IpAddr,
    prefix: u8,
}

impl Network {
    /// `address` or `address/prefix` (the setting's syntax).
    pub fn parse(text: &str) -> Result<Network, String> {
        let text = text.trim();
        let (address, prefix) = match text.split_once('/') {
            Some((a, p)) => (a, Some(p)),
            None => (text, None),
        };
        let base: IpAddr =
            address.parse().map_err(|_| format!("{text:?} is not an IP address or an address/prefix range"))?;
        let max = if base.is_ipv4() { 32 } else { 128 };
        let prefix = match prefix {
            None => max,
            Some(p) => p
                .parse::<u8>()
                .ok()
                .filter(|p| *p <= max)
                .ok_or_else(|| format!("{text:?}: the prefix must be 0 to {max}"))?,
        };
        // An IPv4-mapped IPv6 address is the IPv4 address (peers are compared in that form).
        match base.to_canonical() {
            IpAddr::V4(v4) if base.is_ipv6() => Ok(Network { base: IpAddr::V4(v4), prefix: prefix.saturating_sub(96) }),
            _ => Ok(Network { base, prefix }),
        }
    }

    pub fn contains(&self, address: IpAddr) -> bool {
        match (self.base, address.to_canonical()) {
            (IpAddr::V4(base), IpAddr::V4(a)) => same_prefix(&base.octets(), &a.octets(), self.prefix),
            (IpAddr::V6(base), IpAddr::V6(a)) => same_prefix(&base.octets(), &a.octets(), self.prefix),
            _ => false,
        }
    }
}

fn same_prefix(a: &[u8], b: &[u8], bits: u8) -> bool {
    let (whole, rest) = (usize::from(bits / 8), bits % 8);
    a[..whole] == b[..whole] && (rest == 0 || (a[whole] ^ b[whole]) >> (8 - rest) == 0)
}

/// The client's address as text, for the throttle and the audit trail: the peer's own unless the peer
/// is a trusted proxy (see the module documentation); "unknown" when the transport gave no peer.
pub fn client_address(peer: Option<SocketAddr>, headers: &HeaderMap, trusted: &[Network]) -> String {
    let Some(peer) = peer.map(|p| p.ip().to_canonical()) else { return "unknown".to_owned() };
    let is_trusted = |a: IpAddr| trusted.iter().any(|n| n.contains(a));
    if !is_trusted(peer) {
        return peer.to_string();
    }
    let forwarded: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in forwarded.iter().rev() {
        // A proxy writes what it saw; anything else stops the walk at the last address vouched for.
        let Ok(address) = hop.parse::<IpAddr>() else { break };
        client = address.to_canonical();
        if !is_trusted(client) {
            break;
        }
    }
    client.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use http::HeaderValue;

    fn forwarded(values: &[&str]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for v in values {
            h.append("x-forwarded-for", HeaderValue::from_str(v).unwrap());
        }
        h
    }

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 40000))
    }

    fn nets(list: &[&str]) -> Vec<Network> {
        list.iter().map(|n| Network::parse(n).unwrap()).collect()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        assert_eq!(client_address(peer("203.0.113.5"), &forwarded(&["198.51.100.1"]), &[]), "203.0.113.5");
    }

    #[test]
    fn a_client_that_is_not_a_trusted_proxy_can_not_name_another_address() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_address(peer("203.0.113.5"), &forwarded(&["198.51.100.1"]), &trusted), "203.0.113.5");
    }

    #[test]
    fn behind_a_trusted_proxy_the_address_it_appended_is_the_client() {
        let trusted = nets(&["10.0.0.1"]);
        assert_eq!(client_address(peer("10.0.0.1"), &forwarded(&["198.51.100.1"]), &trusted), "198.51.100.1");
        // What the client wrote itself is left of what the proxy appended.
        assert_eq!(client_address(peer("10.0.0.1"), &forwarded(&["1.2.3.4, 198.51.100.1"]), &trusted), "198.51.100.1");
        assert_eq!(
            client_address(peer("10.0.0.1"), &forwarded(&["1.2.3.4", "198.51.100.1"]), &trusted),
            "198.51.100.1"
        );
    }

    #[test]
    fn a_chain_of_trusted_proxies_is_walked_to_the_first_untrusted_address() {
        let trusted = nets(&["10.0.0.0/8", "fd00::/8"]);
        let h = forwarded(&["6.6.6.6, 198.51.100.1, fd00::7, 10.1.2.3"]);
        assert_eq!(client_address(peer("10.0.0.1"), &h, &trusted), "198.51.100.1");
    }

    #[test]
    fn garbage_or_no_header_from_a_trusted_proxy_leaves_the_last_address_vouched_for() {
        let trusted = nets(&["10.0.0.0/8"]);
        assert_eq!(client_address(peer("10.0.0.1"), &HeaderMap::new(), &trusted), "10.0.0.1");
        assert_eq!(client_address(peer("10.0.0.1"), &forwarded(&["198.51.100.1, not-an-ip"]), &trusted), "10.0.0.1");
        assert_eq!(client_address(peer("10.0.0.1"), &forwarded(&["not-an-ip, 10.0.0.9"]), &trusted), "10.0.0.9");
    }

    #[test]
    fn ranges_parse_and_match_by_their_prefix() {
        let n = Network::parse("192.0.2.0/25").unwrap();
        assert!(n.contains("192.0.2.127".parse().unwrap()));
        assert!(!n.contains("192.0.2.128".parse().unwrap()));
        assert!(Network::parse("::ffff:192.0.2.1").is_ok());
        assert!(Network::parse("127.0.0.1").unwrap().contains("::ffff:127.0.0.1".parse().unwrap()));
        assert!(Network::parse("0.0.0.0/0").unwrap().contains("8.8.8.8".parse().unwrap()));
        for bad in ["", "10.0.0.0/33", "fd00::/129", "example.com", "10.0.0.0/x"] {
            assert!(Network::parse(bad).is_err(), "{bad}");
        }
    }
}
