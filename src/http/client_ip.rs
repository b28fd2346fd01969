//! The client's address, for the audit log, the per-address login limit and
//! the session list. Behind the HTTPS proxy the README requires, the peer is
//! the proxy: `X-Forwarded-For` is believed only from the proxies named in
//! `TRYGG_TRUSTED_PROXIES`, read from the right, up to the first address
//! that is not one of them. From anyone else the header is ignored, so a
//! client cannot choose the address it is counted and logged by.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::HeaderMap;
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;
use ipnet::IpNet;

/// The networks whose `X-Forwarded-For` is believed.
#[derive(Clone, Debug, Default)]
pub struct TrustedProxies(Arc<Vec<IpNet>>);

impl TrustedProxies {
    /// From a list of addresses or CIDRs, separated by commas or spaces.
    pub fn parse(text: &str) -> Result<TrustedProxies, String> {
        let nets = text
            .split(|c: char| c == ',' || c.is_whitespace())
            .filter(|s| !s.is_empty())
            .map(|s| {
                s.parse::<IpNet>()
                    .or_else(|_| s.parse::<IpAddr>().map(IpNet::from))
                    .map_err(|_| format!("{s:?} is neither an address nor a CIDR"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(TrustedProxies(Arc::new(nets)))
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    fn trusts(&self, ip: IpAddr) -> bool {
        let ip = canonical(ip);
        self.0.iter().any(|net| net.contains(&ip))
    }

    /// The client behind `peer`, as the trusted proxies report it.
    pub fn client(&self, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
        if !self.trusts(peer) {
            if headers.contains_key("x-forwarded-for") {
                warn_once_untrusted_forwarding();
            }
            return canonical(peer);
        }
        let hops: Vec<&str> = headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok())
            .flat_map(|v| v.split(','))
            .map(str::trim)
            .collect();
        let mut client = canonical(peer);
        for hop in hops.iter().rev() {
            let Ok(ip) = hop.parse::<IpAddr>() else {
                break; // garbled: the last address we could trust stands
            };
            client = canonical(ip);
            if !self.trusts(client) {
                break;
            }
        }
        client
    }
}

/// A proxy not named in `TRYGG_TRUSTED_PROXIES` sends `X-Forwarded-For`:
/// said once, as the operator probably forgot to name it.
fn warn_once_untrusted_forwarding() {
    static WARNED: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);
    if !WARNED.swap(true, std::sync::atomic::Ordering::Relaxed) {
        tracing::warn!(
            "X-Forwarded-For came from a peer not in TRYGG_TRUSTED_PROXIES and was ignored; \
             name the HTTPS proxy there so logs and login limits see the real client"
        );
    }
}

/// An IPv4 client on an IPv6 socket counts as its IPv4 address.
fn canonical(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

/// The client's address; `None` only where there is no connection (tests of a bare router).
#[derive(Clone, Copy, Debug)]
pub struct ClientIp(pub Option<IpAddr>);

/// Middleware: works out the client's address once, for every handler.
pub async fn resolve(
    State(proxies): State<TrustedProxies>,
    mut req: Request,
    next: Next,
) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip());
    let client = peer.map(|peer| proxies.client(peer, req.headers()));
    req.extensions_mut().insert(ClientIp(client));
    next.run(req).await
}

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(parts
            .extensions
            .get::<ClientIp>()
            .copied()
            .unwrap_or(ClientIp(None)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(xff: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert("x-forwarded-for", xff.parse().unwrap());
        h
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let proxies = TrustedProxies::parse("10.0.0.0/8, 192.168.1.5").unwrap();
        let proxy: IpAddr = "10.1.2.3".parse().unwrap();
        let stranger: IpAddr = "203.0.113.9".parse().unwrap();
        let h = headers("198.51.100.7, 10.9.9.9");
        assert_eq!(
            proxies.client(proxy, &h),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(proxies.client(stranger, &h), stranger);
        // A client's own claim to the left of the real client is ignored.
        let spoofed = headers("1.2.3.4, 198.51.100.7");
        assert_eq!(
            proxies.client(proxy, &spoofed),
            "198.51.100.7".parse::<IpAddr>().unwrap()
        );
        assert_eq!(proxies.client(proxy, &headers("garbage")), proxy);
        assert!(TrustedProxies::parse("not-a-net").is_err());
    }
}
