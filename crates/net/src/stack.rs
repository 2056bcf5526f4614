//! The [`Stack`]: a smoltcp interface over the loopback device, the socket
//! table, and the calls every socket shares (create, bind, names, options,
//! readiness, close). TCP and UDP specifics live in `tcp.rs` and `udp.rs`.
//!
//! The stack never blocks and never reads a clock: every call does what
//! can be done now and returns `EAGAIN`/`EINPROGRESS` otherwise, and time
//! only moves when the caller says so through [`Stack::poll`]. Packets on
//! loopback are delivered before a call returns.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::{IpAddr, SocketAddr};
use core::time::Duration;

use abi::Errno;
use smoltcp::iface::{
    Config, Interface, PollIngressSingleResult, PollResult, Route, SocketHandle, SocketSet,
};
use smoltcp::socket::tcp;
use smoltcp::time::Instant;
use smoltcp::wire::{HardwareAddress, IpAddress, IpCidr, IpEndpoint};

use crate::addr::{self, Domain};
use crate::device::{FullListener, LoopbackDevice};
use crate::events;
use crate::socket::{Notify, Proto, Seen, Sock, SockType, SocketId, Tcp};

/// Linux's default ephemeral port range (`ip_local_port_range`).
const EPHEMERAL: core::ops::RangeInclusive<u16> = 32768..=60999;

/// How long an orphaned connection may linger without hearing from its
/// peer (`tcp_fin_timeout`).
const ORPHAN_TIMEOUT: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(60);

/// Bound on interface rounds per call, so a misbehaving exchange cannot
/// hang the caller.
const MAX_ROUNDS: usize = 4096;

/// The sandbox's loopback network stack.
pub struct Stack {
    pub(crate) iface: Interface,
    pub(crate) dev: LoopbackDevice,
    pub(crate) set: SocketSet<'static>,
    pub(crate) socks: BTreeMap<SocketId, Sock>,
    /// Closed TCP connections still finishing their exchange (FIN, TIME-WAIT).
    pub(crate) orphans: Vec<SocketHandle>,
    pub(crate) now: Instant,
    next_id: u32,
    next_port: u16,
}

impl core::fmt::Debug for Stack {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Stack")
            .field("sockets", &self.socks.len())
            .field("orphans", &self.orphans.len())
            .field("now", &self.now)
            .finish_non_exhaustive()
    }
}

/// `now` as smoltcp's clock.
fn instant(now: Duration) -> Instant {
    Instant::from_micros(i64::try_from(now.as_micros()).unwrap_or(i64::MAX))
}

/// A smoltcp endpoint as a socket address.
pub(crate) fn sockaddr(ep: IpEndpoint) -> SocketAddr {
    SocketAddr::new(ep.addr.into(), ep.port)
}

impl Stack {
    /// A stack with loopback addresses 127.0.0.1/8 (all of it answers, as
    /// on Linux) and ::1, at time `now` (any monotonic origin). `seed`
    /// seeds the initial sequence numbers.
    pub fn new(now: Duration, seed: u64) -> Self {
        let mut dev = LoopbackDevice::new();
        let mut config = Config::new(HardwareAddress::Ip);
        config.random_seed = seed;
        let now = instant(now);
        let mut iface = Interface::new(config, &mut dev, now);
        let lo4 = IpAddress::v4(127, 0, 0, 1);
        iface.update_ip_addrs(|a| {
            // Two slots (IFACE_MAX_ADDR_COUNT), two addresses: cannot fail.
            let _ = a.push(IpCidr::new(lo4, 8));
            let _ = a.push(IpCidr::new(IpAddress::v6(0, 0, 0, 0, 0, 0, 0, 1), 128));
        });
        // The rest of 127/8 is delivered locally through `any_ip`, which
        // accepts addresses routed via one of ours.
        iface.routes_mut().update(|r| {
            let _ = r.push(Route {
                cidr: IpCidr::new(IpAddress::v4(127, 0, 0, 0), 8),
                via_router: lo4,
                preferred_until: None,
                expires_at: None,
            });
        });
        iface.set_any_ip(true);
        Self {
            iface,
            dev,
            set: SocketSet::new(Vec::new()),
            socks: BTreeMap::new(),
            orphans: Vec::new(),
            now,
            next_id: 1,
            next_port: *EPHEMERAL.start() + (seed % 1000) as u16,
        }
    }

    /// Advances the clock to `now` and runs what became due (retransmits,
    /// TIME-WAIT expiry), notifying waiters of what changed.
    pub fn poll(&mut self, now: Duration) {
        let now = instant(now);
        if now > self.now {
            self.now = now;
        }
        self.process();
    }

    /// How long after the last [`Stack::poll`] time the stack next needs a
    /// poll (`None`: only when a socket call happens).
    pub fn poll_delay(&mut self) -> Option<Duration> {
        self.iface
            .poll_delay(self.now, &self.set)
            .map(|d| Duration::from_micros(d.total_micros()))
    }

    /// Creates a socket.
    pub fn socket(&mut self, domain: Domain, ty: SockType) -> SocketId {
        let id = self.alloc_id();
        self.socks.insert(id, Sock::new(domain, ty));
        id
    }

    fn alloc_id(&mut self) -> SocketId {
        loop {
            let id = SocketId(self.next_id);
            self.next_id = self.next_id.wrapping_add(1);
            if !self.socks.contains_key(&id) {
                return id;
            }
        }
    }

    pub(crate) fn insert(&mut self, sock: Sock) -> SocketId {
        let id = self.alloc_id();
        self.socks.insert(id, sock);
        id
    }

    pub(crate) fn sock(&self, id: SocketId) -> Result<&Sock, Errno> {
        self.socks.get(&id).ok_or(Errno::EBADF)
    }

    pub(crate) fn sock_mut(&mut self, id: SocketId) -> Result<&mut Sock, Errno> {
        self.socks.get_mut(&id).ok_or(Errno::EBADF)
    }

    /// Installs (or removes) the hook told about `id`'s readiness changes.
    pub fn set_notify(
        &mut self,
        id: SocketId,
        notify: Option<Arc<dyn Notify>>,
    ) -> Result<(), Errno> {
        let events = self.events(id)?;
        let s = self.sock_mut(id)?;
        s.notify = notify;
        s.seen = Seen {
            events,
            ..Seen::default()
        };
        Ok(())
    }

    /// `bind(2)`: `EINVAL` if already bound, `EADDRNOTAVAIL` for an
    /// address not of this host, `EADDRINUSE` if taken; port 0 picks an
    /// ephemeral port.
    pub fn bind(&mut self, id: SocketId, addr: SocketAddr) -> Result<(), Errno> {
        let s = self.sock(id)?;
        let addr = s.domain.accept(addr)?;
        if s.local.is_some() || !matches!(s.proto, Proto::Tcp(Tcp::Idle) | Proto::Udp(_)) {
            return Err(Errno::EINVAL);
        }
        addr::check_bindable(addr.ip())?;
        let (tcp, reuse) = (s.is_tcp(), s.opts.reuse_addr);
        let port = if addr.port() == 0 {
            self.ephemeral(tcp, addr.ip())
                .map_err(|_| Errno::EADDRINUSE)?
        } else if self.in_use(tcp, addr.ip(), addr.port(), reuse) {
            return Err(Errno::EADDRINUSE);
        } else {
            addr.port()
        };
        let local = SocketAddr::new(addr.ip(), port);
        if !tcp {
            self.udp_open(id, local)?;
        }
        let s = self.sock_mut(id)?;
        s.local = Some(local);
        s.autobound = false;
        Ok(())
    }

    /// Binds `id` to an ephemeral port of the wildcard address if it is not
    /// bound yet (`listen`, `connect`, `sendto` on an unbound socket).
    pub(crate) fn autobind(&mut self, id: SocketId) -> Result<SocketAddr, Errno> {
        let s = self.sock(id)?;
        if let Some(l) = s.local {
            return Ok(l);
        }
        let (tcp, ip) = (s.is_tcp(), s.domain.unspecified());
        let port = self.ephemeral(tcp, ip)?;
        let local = SocketAddr::new(ip, port);
        if !tcp {
            self.udp_open(id, local)?;
        }
        let s = self.sock_mut(id)?;
        s.local = Some(local);
        s.autobound = true;
        Ok(local)
    }

    /// A free port of the ephemeral range for `ip` (`EADDRNOTAVAIL` when
    /// all are taken, as `connect` reports it).
    fn ephemeral(&mut self, tcp: bool, ip: IpAddr) -> Result<u16, Errno> {
        let span = u32::from(*EPHEMERAL.end() - *EPHEMERAL.start()) + 1;
        for _ in 0..span {
            let port = self.next_port;
            self.next_port = if port >= *EPHEMERAL.end() {
                *EPHEMERAL.start()
            } else {
                port + 1
            };
            if !self.in_use(tcp, ip, port, false) {
                return Ok(port);
            }
        }
        Err(Errno::EADDRNOTAVAIL)
    }

    /// Whether binding `ip:port` would clash with another socket of the
    /// protocol. With `reuse` (the binder's `SO_REUSEADDR`), a socket that
    /// also set it and is not listening does not clash, nor does a closed
    /// connection in TIME-WAIT; UDP sockets share a port if both set it.
    pub(crate) fn in_use(&self, tcp: bool, ip: IpAddr, port: u16, reuse: bool) -> bool {
        let clash = self.socks.values().any(|s| {
            s.is_tcp() == tcp
                && s.local
                    .is_some_and(|l| l.port() == port && addr::overlaps(l.ip(), ip))
                && !(reuse && s.opts.reuse_addr && !s.is_listening())
        });
        clash
            || (tcp
                && !reuse
                && self.orphans.iter().any(|&h| {
                    let t = self.set.get::<tcp::Socket<'_>>(h);
                    t.local_endpoint()
                        .is_some_and(|l| l.port == port && addr::overlaps(l.addr.into(), ip))
                }))
    }

    /// `getsockname(2)`: the bound or connected local address, the
    /// unspecified one with port 0 if unbound.
    pub fn local_addr(&self, id: SocketId) -> Result<SocketAddr, Errno> {
        let s = self.sock(id)?;
        let conn = match &s.proto {
            Proto::Tcp(Tcp::Conn { handle, .. }) => {
                self.set.get::<tcp::Socket<'_>>(*handle).local_endpoint()
            }
            _ => None,
        };
        let a = conn
            .map(sockaddr)
            .or(s.local)
            .unwrap_or(SocketAddr::new(s.domain.unspecified(), 0));
        Ok(s.domain.present(a))
    }

    /// `getpeername(2)`: `ENOTCONN` unless connected.
    pub fn peer_addr(&self, id: SocketId) -> Result<SocketAddr, Errno> {
        let s = self.sock(id)?;
        let peer = match &s.proto {
            Proto::Tcp(Tcp::Conn {
                handle,
                established: true,
            }) => self
                .set
                .get::<tcp::Socket<'_>>(*handle)
                .remote_endpoint()
                .map(sockaddr),
            Proto::Udp(u) => u.peer,
            _ => None,
        };
        peer.map(|p| s.domain.present(p)).ok_or(Errno::ENOTCONN)
    }

    /// `SO_ERROR`: takes the pending error.
    pub fn take_error(&mut self, id: SocketId) -> Result<Option<Errno>, Errno> {
        let e = self.sock_mut(id)?.error.take();
        self.notify_changes();
        Ok(e)
    }

    /// `SO_REUSEADDR`.
    pub fn set_reuse_addr(&mut self, id: SocketId, on: bool) -> Result<(), Errno> {
        self.sock_mut(id)?.opts.reuse_addr = on;
        Ok(())
    }

    /// `SO_REUSEADDR` as `getsockopt` reports it.
    pub fn reuse_addr(&self, id: SocketId) -> Result<bool, Errno> {
        Ok(self.sock(id)?.opts.reuse_addr)
    }

    /// `TCP_NODELAY` (disables Nagle's algorithm); `EOPNOTSUPP` on UDP.
    pub fn set_nodelay(&mut self, id: SocketId, on: bool) -> Result<(), Errno> {
        let s = self.sock_mut(id)?;
        let Proto::Tcp(t) = &s.proto else {
            return Err(Errno::EOPNOTSUPP);
        };
        s.opts.nodelay = on;
        if let Tcp::Conn { handle, .. } = t {
            let h = *handle;
            self.set
                .get_mut::<tcp::Socket<'_>>(h)
                .set_nagle_enabled(!on);
            self.process();
        }
        Ok(())
    }

    /// `TCP_NODELAY` as `getsockopt` reports it.
    pub fn nodelay(&self, id: SocketId) -> Result<bool, Errno> {
        let s = self.sock(id)?;
        if !s.is_tcp() {
            return Err(Errno::EOPNOTSUPP);
        }
        Ok(s.opts.nodelay)
    }

    /// `SO_RCVBUF`: Linux doubles the request (for bookkeeping overhead)
    /// and clamps it to [2304, 2 * `rmem_max`]. The size applies to
    /// connections and bindings made afterwards.
    pub fn set_recv_buffer(&mut self, id: SocketId, req: i32) -> Result<(), Errno> {
        let o = &mut self.sock_mut(id)?.opts;
        o.rcvbuf = doubled(req, 2304);
        o.rcvbuf_locked = true;
        Ok(())
    }

    /// `SO_SNDBUF`: doubled and clamped to [4608, 2 * `wmem_max`].
    pub fn set_send_buffer(&mut self, id: SocketId, req: i32) -> Result<(), Errno> {
        let o = &mut self.sock_mut(id)?.opts;
        o.sndbuf = doubled(req, 4608);
        o.sndbuf_locked = true;
        Ok(())
    }

    /// `SO_RCVBUF` as `getsockopt` reports it.
    pub fn recv_buffer(&self, id: SocketId) -> Result<usize, Errno> {
        Ok(self.sock(id)?.opts.rcvbuf)
    }

    /// `SO_SNDBUF` as `getsockopt` reports it.
    pub fn send_buffer(&self, id: SocketId) -> Result<usize, Errno> {
        Ok(self.sock(id)?.opts.sndbuf)
    }

    /// The socket's type.
    pub fn sock_type(&self, id: SocketId) -> Result<SockType, Errno> {
        Ok(if self.sock(id)?.is_tcp() {
            SockType::Stream
        } else {
            SockType::Dgram
        })
    }

    /// The socket's family.
    pub fn domain(&self, id: SocketId) -> Result<Domain, Errno> {
        Ok(self.sock(id)?.domain)
    }

    /// Whether the socket is listening (`SO_ACCEPTCONN`).
    pub fn is_listening(&self, id: SocketId) -> Result<bool, Errno> {
        Ok(self.sock(id)?.is_listening())
    }

    /// `FIONREAD`: bytes queued to read on a stream, the size of the next
    /// datagram on UDP (`EINVAL` on a listener).
    pub fn pending(&mut self, id: SocketId) -> Result<usize, Errno> {
        let s = self.sock(id)?;
        Ok(match &s.proto {
            Proto::Tcp(Tcp::Listen(_)) => return Err(Errno::EINVAL),
            Proto::Tcp(Tcp::Idle) => 0,
            Proto::Tcp(Tcp::Conn { handle, .. }) => {
                self.set.get::<tcp::Socket<'_>>(*handle).recv_queue()
            }
            Proto::Udp(u) => match u.handle {
                Some(h) => self
                    .set
                    .get_mut::<smoltcp::socket::udp::Socket<'_>>(h)
                    .peek()
                    .map_or(0, |(d, _)| d.len()),
                None => 0,
            },
        })
    }

    /// The socket's readiness, `POLL*` bits as Linux's `tcp_poll` and
    /// `datagram_poll` compute them.
    pub fn events(&self, id: SocketId) -> Result<u32, Errno> {
        let s = self.sock(id)?;
        Ok(match &s.proto {
            Proto::Tcp(t) => events::tcp(s, t, &self.set),
            Proto::Udp(u) => events::udp(s, u, &self.set),
        })
    }

    /// `close(2)` of the last reference: a connection is closed gracefully
    /// (FIN) and finishes in the background, or reset if unread data is
    /// left (as Linux does); queued, unaccepted connections are reset.
    pub fn close(&mut self, id: SocketId) -> Result<(), Errno> {
        let s = self.socks.remove(&id).ok_or(Errno::EBADF)?;
        match s.proto {
            Proto::Tcp(Tcp::Idle) => {}
            Proto::Tcp(Tcp::Listen(l)) => {
                for h in l.pool.into_iter().chain(l.ready) {
                    self.set.get_mut::<tcp::Socket<'_>>(h).abort();
                    self.orphans.push(h);
                }
            }
            Proto::Tcp(Tcp::Conn { handle, .. }) => {
                let t = self.set.get_mut::<tcp::Socket<'_>>(handle);
                if t.recv_queue() > 0 || s.opts.linger == Some(0) {
                    t.abort();
                } else {
                    t.close();
                }
                t.set_timeout(Some(ORPHAN_TIMEOUT));
                self.orphans.push(handle);
            }
            Proto::Udp(u) => {
                if let Some(h) = u.handle {
                    self.set.remove(h);
                }
            }
        }
        self.process();
        Ok(())
    }

    /// Runs the interface until loopback is quiet, then updates connection
    /// states, reaps finished orphans and notifies waiters.
    pub(crate) fn process(&mut self) {
        // One packet at a time: a listener's LISTEN socket turns into the
        // connection on a SYN, and must be replaced (or the queue found
        // full) before the next SYN, or smoltcp would answer it with a RST.
        for _ in 0..MAX_ROUNDS {
            self.dev.set_full_listeners(self.full_listeners());
            let r = self
                .iface
                .poll_ingress_single(self.now, &mut self.dev, &mut self.set);
            let moved = self.tend_listeners();
            if r != PollIngressSingleResult::None {
                continue;
            }
            let sent = self
                .iface
                .poll_egress(self.now, &mut self.dev, &mut self.set);
            if sent == PollResult::None && !moved && self.dev.is_idle() {
                break;
            }
        }
        self.track_connections();
        self.filter_udp_peers();
        let set = &mut self.set;
        self.orphans.retain(|&h| {
            let done = set.get::<tcp::Socket<'_>>(h).state() == tcp::State::Closed;
            if done {
                set.remove(h);
            }
            !done
        });
        self.notify_changes();
    }

    /// Listeners whose accept queue is full.
    fn full_listeners(&self) -> Vec<FullListener> {
        self.socks
            .values()
            .filter_map(|s| match (&s.proto, s.local) {
                (Proto::Tcp(Tcp::Listen(l)), Some(local)) if l.ready.len() > l.backlog => {
                    let ip = local.ip();
                    Some(((!ip.is_unspecified()).then_some(ip), local.port()))
                }
                _ => None,
            })
            .collect()
    }

    /// Tells each socket's hook about changed readiness.
    pub(crate) fn notify_changes(&mut self) {
        let ids: Vec<SocketId> = self
            .socks
            .iter()
            .filter(|(_, s)| s.notify.is_some())
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Ok(events) = self.events(id) else {
                continue;
            };
            let (rx, tx_free) = self.queue_levels(id);
            let Some(s) = self.socks.get_mut(&id) else {
                continue;
            };
            let now = Seen {
                events,
                rx,
                tx_free,
            };
            let prev = core::mem::replace(&mut s.seen, now);
            if prev.events != events || rx > prev.rx || tx_free > prev.tx_free {
                if let Some(n) = &s.notify {
                    n.notify(events);
                }
            }
        }
    }

    /// Bytes waiting to be read and room to write, for edge detection.
    fn queue_levels(&self, id: SocketId) -> (usize, usize) {
        let Some(s) = self.socks.get(&id) else {
            return (0, 0);
        };
        match &s.proto {
            Proto::Tcp(Tcp::Conn { handle, .. }) => {
                let t = self.set.get::<tcp::Socket<'_>>(*handle);
                (t.recv_queue(), t.send_capacity() - t.send_queue())
            }
            Proto::Tcp(Tcp::Listen(l)) => (l.ready.len(), 0),
            Proto::Udp(u) => u.handle.map_or((0, 0), |h| {
                let u = self.set.get::<smoltcp::socket::udp::Socket<'_>>(h);
                (u.recv_queue(), u.payload_send_capacity() - u.send_queue())
            }),
            Proto::Tcp(Tcp::Idle) => (0, 0),
        }
    }
}

/// A buffer size request as Linux stores it.
fn doubled(req: i32, min: usize) -> usize {
    const MAX: usize = 212_992;
    let req = usize::try_from(req.max(0)).unwrap_or(0).min(MAX);
    (req * 2).max(min)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buffer_sizes_double_and_clamp_like_linux() {
        assert_eq!(doubled(1000, 2304), 2304);
        assert_eq!(doubled(65536, 2304), 131_072);
        assert_eq!(doubled(i32::MAX, 2304), 425_984);
        assert_eq!(doubled(-5, 4608), 4608);
    }
}
