//! Socket addresses as the loopback stack sees them: which are local, how
//! the unspecified address is read by `connect`, and how IPv4 peers show
//! through IPv6 sockets (`::ffff:a.b.c.d`).

use core::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use abi::Errno;

/// An address family of the stack.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Domain {
    /// `AF_INET`.
    Inet,
    /// `AF_INET6` (dual stack: IPv4 peers appear as v4-mapped addresses).
    Inet6,
}

impl Domain {
    /// The unspecified address of the family (what `getsockname` shows for
    /// an unbound socket).
    pub fn unspecified(self) -> IpAddr {
        match self {
            Domain::Inet => IpAddr::V4(Ipv4Addr::UNSPECIFIED),
            Domain::Inet6 => IpAddr::V6(Ipv6Addr::UNSPECIFIED),
        }
    }

    /// `addr` as the socket's family writes it: IPv4 addresses become
    /// v4-mapped IPv6 for an `AF_INET6` socket.
    pub fn present(self, addr: SocketAddr) -> SocketAddr {
        match (self, addr.ip()) {
            (Domain::Inet6, IpAddr::V4(v4)) => {
                SocketAddr::new(IpAddr::V6(v4.to_ipv6_mapped()), addr.port())
            }
            _ => addr,
        }
    }

    /// Checks that `addr` belongs to the family and unwraps v4-mapped IPv6
    /// addresses given to an `AF_INET6` socket (`EAFNOSUPPORT` for an
    /// IPv6 address given to an `AF_INET` socket).
    pub fn accept(self, addr: SocketAddr) -> Result<SocketAddr, Errno> {
        match (self, addr.ip()) {
            (Domain::Inet, IpAddr::V6(_)) => Err(Errno::EAFNOSUPPORT),
            (Domain::Inet6, IpAddr::V6(v6)) => Ok(match v6.to_ipv4_mapped() {
                Some(v4) => SocketAddr::new(IpAddr::V4(v4), addr.port()),
                None => addr,
            }),
            _ => Ok(addr),
        }
    }
}

/// Whether `ip` names this host: the loopback addresses (all of
/// 127.0.0.0/8, `::1`).
pub fn is_local(ip: IpAddr) -> bool {
    ip.is_loopback()
}

/// Checks an address given to `bind`: unspecified or local, else
/// `EADDRNOTAVAIL`.
pub fn check_bindable(ip: IpAddr) -> Result<(), Errno> {
    if ip.is_unspecified() || is_local(ip) {
        Ok(())
    } else {
        Err(Errno::EADDRNOTAVAIL)
    }
}

/// The destination of a `connect`/`sendto`: the unspecified address means
/// this host (Linux sends to loopback); any other non-local address has no
/// route here (`ENETUNREACH`), since the stack only has loopback.
pub fn route(addr: SocketAddr) -> Result<SocketAddr, Errno> {
    let ip = match addr.ip() {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip if is_local(ip) => ip,
        _ => return Err(Errno::ENETUNREACH),
    };
    Ok(SocketAddr::new(ip, addr.port()))
}

/// Checks that a socket bound to `local` can talk to `remote`: a socket
/// bound to a specific address of one family (an IPv6 socket bound to a
/// v4-mapped address) cannot reach the other family (`EINVAL`).
pub fn check_families(local: SocketAddr, remote: SocketAddr) -> Result<(), Errno> {
    if !local.ip().is_unspecified() && local.is_ipv4() != remote.is_ipv4() {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Whether two bound addresses can receive the same packets: equal, or
/// one of them a wildcard that covers the other's family (an IPv6
/// wildcard covers IPv4 too, dual stack).
pub fn overlaps(a: IpAddr, b: IpAddr) -> bool {
    fn covers(w: IpAddr, o: IpAddr) -> bool {
        w.is_unspecified() && (w.is_ipv6() || o.is_ipv4())
    }
    a == b || covers(a, b) || covers(b, a)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sa(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn v4_peers_show_mapped_on_v6_sockets() {
        assert_eq!(
            Domain::Inet6.present(sa("127.0.0.1:80")),
            sa("[::ffff:127.0.0.1]:80")
        );
        assert_eq!(Domain::Inet.present(sa("127.0.0.1:80")), sa("127.0.0.1:80"));
        assert_eq!(
            Domain::Inet6.accept(sa("[::ffff:127.0.0.1]:80")),
            Ok(sa("127.0.0.1:80"))
        );
        assert_eq!(
            Domain::Inet.accept(sa("[::1]:80")),
            Err(Errno::EAFNOSUPPORT)
        );
    }

    #[test]
    fn only_loopback_is_bindable_and_routable() {
        assert_eq!(check_bindable("127.0.0.1".parse().unwrap()), Ok(()));
        assert_eq!(check_bindable("0.0.0.0".parse().unwrap()), Ok(()));
        assert_eq!(check_bindable("::1".parse().unwrap()), Ok(()));
        assert_eq!(
            check_bindable("10.0.0.1".parse().unwrap()),
            Err(Errno::EADDRNOTAVAIL)
        );
        assert_eq!(route(sa("0.0.0.0:7")), Ok(sa("127.0.0.1:7")));
        assert_eq!(route(sa("[::]:7")), Ok(sa("[::1]:7")));
        assert_eq!(route(sa("8.8.8.8:53")), Err(Errno::ENETUNREACH));
    }

    #[test]
    fn wildcards_overlap_by_family() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert!(overlaps(ip("0.0.0.0"), ip("127.0.0.1")));
        assert!(overlaps(ip("::"), ip("127.0.0.1")));
        assert!(overlaps(ip("::"), ip("0.0.0.0")));
        assert!(!overlaps(ip("0.0.0.0"), ip("::1")));
        assert!(!overlaps(ip("127.0.0.1"), ip("127.0.0.2")));
        assert!(!overlaps(ip("127.0.0.1"), ip("::1")));
    }
}
