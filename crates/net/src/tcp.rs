//! TCP calls of the [`Stack`]: listen/accept over a pool of smoltcp
//! sockets, connect, send/recv, shutdown, and the bookkeeping that turns
//! smoltcp's state changes into Linux's errors (`ECONNREFUSED`,
//! `ECONNRESET`).

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddr;

use abi::socket::MsgFlags;
use abi::Errno;
use smoltcp::iface::SocketHandle;
use smoltcp::socket::tcp;
use smoltcp::wire::IpListenEndpoint;

use crate::addr;
use crate::socket::{Listener, Options, Proto, Sock, SocketId, Tcp};
use crate::stack::{sockaddr, Stack};
use crate::Received;

/// The size of a TCP buffer the application did not size.
const AUTOTUNED: usize = 1 << 20;

/// Linux's cap on the backlog (`somaxconn`).
const SOMAXCONN: i32 = 4096;

/// The endpoint smoltcp listens on for a bound address.
fn listen_endpoint(local: SocketAddr) -> IpListenEndpoint {
    let ip = local.ip();
    IpListenEndpoint {
        addr: (!ip.is_unspecified()).then(|| ip.into()),
        port: local.port(),
    }
}

impl Stack {
    /// A smoltcp TCP socket sized and tuned by `opts`: no delayed ACKs
    /// (loopback has no use for them), Nagle unless `TCP_NODELAY`.
    fn new_tcp(&mut self, opts: &Options) -> SocketHandle {
        // Linux grows an unset buffer with the traffic (tcp_rmem/tcp_wmem
        // autotuning, up to 6 and 4 MiB); smoltcp's are fixed, so an unset
        // one starts at the size autotuning reaches on a busy loopback.
        let size = |set: usize, locked: bool| if locked { set } else { set.max(AUTOTUNED) };
        let mut t = tcp::Socket::new(
            tcp::SocketBuffer::new(vec![0; size(opts.rcvbuf, opts.rcvbuf_locked)]),
            tcp::SocketBuffer::new(vec![0; size(opts.sndbuf, opts.sndbuf_locked)]),
        );
        t.set_ack_delay(None);
        t.set_nagle_enabled(!opts.nodelay);
        t.set_hop_limit(opts.ttl);
        t.set_keep_alive(opts.keepalive.then_some(crate::options::KEEPALIVE_IDLE));
        self.set.add(t)
    }

    /// A fresh LISTEN socket for `local`.
    fn new_listening(&mut self, opts: &Options, local: SocketAddr) -> Result<SocketHandle, Errno> {
        let h = self.new_tcp(opts);
        if self
            .set
            .get_mut::<tcp::Socket<'_>>(h)
            .listen(listen_endpoint(local))
            .is_err()
        {
            self.set.remove(h);
            return Err(Errno::EINVAL);
        }
        Ok(h)
    }

    fn tcp_of(&self, id: SocketId) -> Result<&Tcp, Errno> {
        match &self.sock(id)?.proto {
            Proto::Tcp(t) => Ok(t),
            Proto::Udp(_) => Err(Errno::EOPNOTSUPP),
        }
    }

    /// `listen(2)`: binds to an ephemeral port if unbound; `EINVAL` on a
    /// connected socket; a second call only changes the backlog.
    pub fn listen(&mut self, id: SocketId, backlog: i32) -> Result<(), Errno> {
        let backlog = usize::try_from(backlog.clamp(0, SOMAXCONN)).unwrap_or(0);
        match self.tcp_of(id)? {
            Tcp::Idle => {}
            Tcp::Listen(_) => {
                if let Proto::Tcp(Tcp::Listen(l)) = &mut self.sock_mut(id)?.proto {
                    l.backlog = backlog;
                }
                self.process();
                return Ok(());
            }
            Tcp::Conn { .. } => return Err(Errno::EINVAL),
        }
        let s = self.sock(id)?;
        let reuse = s.opts.reuse_addr;
        if let Some(l) = s.local {
            // Another socket may have bound the port with SO_REUSEADDR
            // since: only one may listen.
            let others = self.socks.iter().any(|(o, x)| {
                *o != id
                    && x.is_tcp()
                    && x.local
                        .is_some_and(|a| a.port() == l.port() && addr::overlaps(a.ip(), l.ip()))
                    && (x.is_listening() || !reuse)
            });
            if others {
                return Err(Errno::EADDRINUSE);
            }
        }
        let local = self.autobind(id)?;
        let opts = self.sock(id)?.opts;
        let h = self.new_listening(&opts, local)?;
        let s = self.sock_mut(id)?;
        s.shut_rd = false;
        s.shut_wr = false;
        s.proto = Proto::Tcp(Tcp::Listen(Listener {
            backlog,
            pool: vec![h],
            ready: VecDeque::new(),
        }));
        self.process();
        Ok(())
    }

    /// `accept4(2)` without blocking: the oldest established connection
    /// and its peer, `EAGAIN` if none, `EINVAL` if not listening.
    pub fn accept(&mut self, id: SocketId) -> Result<(SocketId, SocketAddr), Errno> {
        let s = self.sock_mut(id)?;
        let (domain, opts) = (s.domain, s.opts);
        let l = match &mut s.proto {
            Proto::Tcp(Tcp::Listen(l)) => l,
            Proto::Tcp(_) => return Err(Errno::EINVAL),
            Proto::Udp(_) => return Err(Errno::EOPNOTSUPP),
        };
        let h = l.ready.pop_front().ok_or(Errno::EAGAIN)?;
        let t = self.set.get::<tcp::Socket<'_>>(h);
        let local = t.local_endpoint().map(sockaddr);
        let peer = t.remote_endpoint().map(sockaddr);
        let mut sock = Sock::new(domain, crate::SockType::Stream);
        sock.opts = opts;
        sock.local = local;
        sock.proto = Proto::Tcp(Tcp::Conn {
            handle: h,
            established: true,
        });
        let child = self.insert(sock);
        // The queue has room again: let held-back SYNs in on retransmit.
        self.process();
        let peer = peer.map_or(Err(Errno::ECONNABORTED), |p| Ok(domain.present(p)))?;
        Ok((child, peer))
    }

    /// `connect(2)` without blocking: starts the handshake and returns
    /// `EINPROGRESS` (as Linux does for a non-blocking socket, even when
    /// loopback completed it already); the outcome shows as `POLLOUT` or
    /// `POLLERR` and is read with [`Stack::finish_connect`]. `EALREADY`
    /// while connecting, `EISCONN` once connected, the pending error of a
    /// failed attempt (`ECONNREFUSED`) once.
    pub(crate) fn tcp_connect(&mut self, id: SocketId, to: SocketAddr) -> Result<(), Errno> {
        match self.tcp_of(id)? {
            Tcp::Conn {
                established: false, ..
            } => return Err(Errno::EALREADY),
            Tcp::Conn { .. } | Tcp::Listen(_) => return Err(Errno::EISCONN),
            Tcp::Idle => {}
        }
        let s = self.sock_mut(id)?;
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        let remote = addr::route(s.domain.accept(to)?)?;
        if remote.port() == 0 {
            return Err(Errno::ECONNREFUSED);
        }
        if let Some(local) = self.sock(id)?.local {
            addr::check_families(local, remote)?;
        }
        let local = self.autobind(id)?;
        let opts = self.sock(id)?.opts;
        let h = self.new_tcp(&opts);
        let started = self.set.get_mut::<tcp::Socket<'_>>(h).connect(
            self.iface.context(),
            remote,
            listen_endpoint(local),
        );
        if started.is_err() {
            self.set.remove(h);
            return Err(Errno::EADDRNOTAVAIL);
        }
        let s = self.sock_mut(id)?;
        s.shut_rd = false;
        s.shut_wr = false;
        s.proto = Proto::Tcp(Tcp::Conn {
            handle: h,
            established: false,
        });
        self.process();
        Err(Errno::EINPROGRESS)
    }

    /// The outcome of a started `connect`: `Ok` once connected, the error
    /// if it failed (taken, as `SO_ERROR` would), `EALREADY` while still
    /// in progress. A blocking `connect` waits for `POLLOUT` and calls this.
    pub fn finish_connect(&mut self, id: SocketId) -> Result<(), Errno> {
        match self.tcp_of(id)? {
            Tcp::Conn {
                established: true, ..
            } => Ok(()),
            Tcp::Conn { .. } => Err(Errno::EALREADY),
            _ => match self.take_error(id)? {
                Some(e) => Err(e),
                None => Err(Errno::ENOTCONN),
            },
        }
    }

    /// Sends on a TCP socket: the bytes that fit in the send buffer,
    /// `EAGAIN` if none do, `EPIPE` if not connected or shut for writing.
    pub(crate) fn tcp_send(&mut self, id: SocketId, buf: &[u8]) -> Result<usize, Errno> {
        let s = self.sock_mut(id)?;
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        let Proto::Tcp(Tcp::Conn { handle, .. }) = &s.proto else {
            return Err(Errno::EPIPE);
        };
        if s.shut_wr {
            return Err(Errno::EPIPE);
        }
        let h = *handle;
        let t = self.set.get_mut::<tcp::Socket<'_>>(h);
        if matches!(t.state(), tcp::State::SynSent | tcp::State::SynReceived) {
            return Err(Errno::EAGAIN);
        }
        if !t.may_send() {
            return Err(Errno::EPIPE);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let n = t.send_slice(buf).map_err(|_| Errno::EPIPE)?;
        if n == 0 {
            return Err(Errno::EAGAIN);
        }
        self.process();
        Ok(n)
    }

    /// Receives from a TCP socket: queued bytes (kept with `MSG_PEEK`,
    /// dropped uncopied with `MSG_TRUNC`), else the pending error, else 0
    /// at end of stream, else `EAGAIN`; `ENOTCONN` if never connected.
    pub(crate) fn tcp_recv(
        &mut self,
        id: SocketId,
        buf: &mut [u8],
        flags: MsgFlags,
    ) -> Result<Received, Errno> {
        let s = self.sock_mut(id)?;
        let Proto::Tcp(Tcp::Conn { handle, .. }) = &s.proto else {
            return match s.error.take() {
                Some(e) => Err(e),
                None if s.shut_rd => Ok(Received::bytes(0)),
                None => Err(Errno::ENOTCONN),
            };
        };
        let h = *handle;
        let t = self.set.get_mut::<tcp::Socket<'_>>(h);
        if t.can_recv() && !buf.is_empty() {
            let n = if flags.contains(MsgFlags::MSG_PEEK) {
                t.peek_slice(buf)
            } else if flags.contains(MsgFlags::MSG_TRUNC) {
                let want = buf.len();
                t.recv(|b| {
                    let n = b.len().min(want);
                    (n, n)
                })
            } else {
                t.recv_slice(buf)
            };
            let n = n.map_err(|_| Errno::ENOTCONN)?;
            self.process();
            return Ok(Received::bytes(n));
        }
        let state = t.state();
        let eof = !matches!(state, tcp::State::SynSent | tcp::State::SynReceived) && !t.may_recv();
        let s = self.sock_mut(id)?;
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        if eof || s.shut_rd || buf.is_empty() {
            return Ok(Received::bytes(0));
        }
        Err(Errno::EAGAIN)
    }

    /// Shuts a TCP socket down (`how` as `SHUT_*`, checked by the caller).
    pub(crate) fn tcp_shutdown(&mut self, id: SocketId, rd: bool, wr: bool) -> Result<(), Errno> {
        let s = self.sock_mut(id)?;
        match &s.proto {
            Proto::Tcp(Tcp::Idle) => {
                // Linux marks it anyway (waking pollers with POLLHUP).
                s.shut_rd |= rd;
                s.shut_wr |= wr;
                self.notify_changes();
                Err(Errno::ENOTCONN)
            }
            Proto::Tcp(Tcp::Listen(_)) if !rd => Ok(()),
            Proto::Tcp(Tcp::Listen(_))
            | Proto::Tcp(Tcp::Conn {
                established: false, ..
            }) => {
                self.disconnect(id)?;
                Ok(())
            }
            Proto::Tcp(Tcp::Conn { handle, .. }) => {
                let h = *handle;
                s.shut_rd |= rd;
                if wr && !s.shut_wr {
                    s.shut_wr = true;
                    self.set.get_mut::<tcp::Socket<'_>>(h).close();
                }
                self.process();
                Ok(())
            }
            Proto::Udp(_) => Err(Errno::EOPNOTSUPP),
        }
    }

    /// Drops a TCP socket's connection or listener (reset), leaving it
    /// unconnected (`connect` with `AF_UNSPEC`, `shutdown` of a listener).
    pub(crate) fn tcp_disconnect(&mut self, id: SocketId) -> Result<(), Errno> {
        let s = self.sock_mut(id)?;
        let old = core::mem::replace(&mut s.proto, Proto::Tcp(Tcp::Idle));
        let handles: Vec<SocketHandle> = match old {
            Proto::Tcp(Tcp::Conn { handle, .. }) => vec![handle],
            Proto::Tcp(Tcp::Listen(l)) => l.pool.into_iter().chain(l.ready).collect(),
            other => {
                s.proto = other;
                return Ok(());
            }
        };
        if s.autobound {
            s.local = None;
            s.autobound = false;
        }
        for h in handles {
            self.set.get_mut::<tcp::Socket<'_>>(h).abort();
            self.orphans.push(h);
        }
        self.process();
        Ok(())
    }

    /// Moves listeners' established connections to their accept queues,
    /// recycles failed handshakes and keeps one socket in LISTEN. Returns
    /// whether anything moved.
    pub(crate) fn tend_listeners(&mut self) -> bool {
        let mut moved = false;
        let mut refill = Vec::new();
        let ids: Vec<SocketId> = self
            .socks
            .iter()
            .filter(|(_, s)| s.is_listening())
            .map(|(id, _)| *id)
            .collect();
        for id in ids {
            let Some(s) = self.socks.get_mut(&id) else {
                continue;
            };
            let (opts, local) = (s.opts, s.local);
            let Proto::Tcp(Tcp::Listen(l)) = &mut s.proto else {
                continue;
            };
            let mut listening = 0;
            let mut keep = Vec::with_capacity(l.pool.len());
            for h in l.pool.drain(..) {
                match self.set.get::<tcp::Socket<'_>>(h).state() {
                    tcp::State::Listen => {
                        listening += 1;
                        keep.push(h);
                    }
                    tcp::State::SynReceived => keep.push(h),
                    tcp::State::Closed => {
                        self.set.remove(h);
                        moved = true;
                    }
                    _ => {
                        l.ready.push_back(h);
                        moved = true;
                    }
                }
            }
            l.pool = keep;
            if listening == 0 {
                if let Some(local) = local {
                    refill.push((id, opts, local));
                }
            }
        }
        for (id, opts, local) in refill {
            let Ok(h) = self.new_listening(&opts, local) else {
                continue;
            };
            if let Some(Proto::Tcp(Tcp::Listen(l))) = self.socks.get_mut(&id).map(|s| &mut s.proto)
            {
                l.pool.push(h);
                moved = true;
            } else {
                self.set.remove(h);
            }
        }
        moved
    }

    /// Turns smoltcp's state changes into Linux's: a connection attempt
    /// that ended closed was refused (`ECONNREFUSED`, the socket is
    /// unconnected again); an established one closed without our FIN was
    /// reset (`ECONNRESET`).
    pub(crate) fn track_connections(&mut self) {
        let mut dead = Vec::new();
        for s in self.socks.values_mut() {
            let Proto::Tcp(Tcp::Conn {
                handle,
                established,
            }) = &mut s.proto
            else {
                continue;
            };
            let state = self.set.get::<tcp::Socket<'_>>(*handle).state();
            match (state, *established) {
                (tcp::State::SynSent | tcp::State::SynReceived, false) => {}
                (tcp::State::Closed, false) => {
                    s.error = Some(Errno::ECONNREFUSED);
                    s.shut_rd = true;
                    s.shut_wr = true;
                    dead.push(*handle);
                    s.proto = Proto::Tcp(Tcp::Idle);
                    if s.autobound {
                        s.local = None;
                        s.autobound = false;
                    }
                }
                (_, false) => *established = true,
                (tcp::State::Closed, true) if !s.shut_wr => {
                    s.error = Some(Errno::ECONNRESET);
                    s.shut_rd = true;
                    s.shut_wr = true;
                }
                _ => {}
            }
        }
        for h in dead {
            self.set.remove(h);
        }
    }
}
