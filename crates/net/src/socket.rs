//! The per-socket record of the stack: what Linux keeps in `struct sock`
//! beyond what smoltcp tracks (binding, options, pending error, shutdown
//! state, the accept queue, a UDP peer), and the readiness hook.

use alloc::collections::VecDeque;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::SocketAddr;

use abi::Errno;
use smoltcp::iface::SocketHandle;

use crate::addr::Domain;

/// Names a socket of a [`crate::Stack`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SocketId(pub u32);

/// The socket types the stack serves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SockType {
    /// `SOCK_STREAM`: TCP.
    Stream,
    /// `SOCK_DGRAM`: UDP.
    Dgram,
}

/// Something to tell when a socket's readiness changes (the kernel's wait
/// queue of the socket file). `notify` is called with the stack borrowed
/// mutably, so it must not call back into the stack or block.
pub trait Notify: Send + Sync {
    /// The socket's events are now `events` (`POLL*` bits), or more data
    /// or room arrived without changing the mask (edge-triggered waiters
    /// want that too).
    fn notify(&self, events: u32);
}

/// Socket options the stack honours, with Linux's defaults.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Options {
    pub reuse_addr: bool,
    pub nodelay: bool,
    /// `SO_RCVBUF` as `getsockopt` reports it (already doubled).
    pub rcvbuf: usize,
    /// `SO_SNDBUF` as `getsockopt` reports it (already doubled).
    pub sndbuf: usize,
    /// Whether `SO_RCVBUF`/`SO_SNDBUF` were set: Linux then stops growing
    /// the buffers on its own (`SOCK_RCVBUF_LOCK`/`SOCK_SNDBUF_LOCK`).
    pub rcvbuf_locked: bool,
    /// See `rcvbuf_locked`.
    pub sndbuf_locked: bool,
    /// `SO_KEEPALIVE`.
    pub keepalive: bool,
    /// `SO_LINGER`: the linger time when on.
    pub linger: Option<u32>,
    /// `IP_TTL`/`IPV6_UNICAST_HOPS` when set (`None`: the default, 64).
    pub ttl: Option<u8>,
    /// `IP_PKTINFO`: receive calls report a datagram's destination.
    pub pktinfo: bool,
}

impl Options {
    /// Linux's defaults for a new socket of `ty` (`tcp_rmem[1]`,
    /// `tcp_wmem[1]`; `rmem_default`/`wmem_default` for UDP).
    pub fn new(ty: SockType) -> Self {
        let (rcvbuf, sndbuf) = match ty {
            SockType::Stream => (131_072, 16_384),
            SockType::Dgram => (212_992, 212_992),
        };
        Self {
            reuse_addr: false,
            nodelay: false,
            rcvbuf,
            sndbuf,
            rcvbuf_locked: false,
            sndbuf_locked: false,
            keepalive: false,
            linger: None,
            ttl: None,
            pktinfo: false,
        }
    }
}

/// A listening TCP socket's connection queues. smoltcp's listening socket
/// turns into the connection itself on the first SYN, so the listener is a
/// pool of smoltcp sockets: one kept in LISTEN, those in SYN-RECEIVED, and
/// the established ones waiting for `accept`.
#[derive(Debug)]
pub(crate) struct Listener {
    /// `listen`'s backlog; the accept queue is full past it.
    pub backlog: usize,
    /// Sockets in LISTEN or SYN-RECEIVED.
    pub pool: Vec<SocketHandle>,
    /// Established connections not yet accepted.
    pub ready: VecDeque<SocketHandle>,
}

/// The TCP side of a socket.
#[derive(Debug)]
pub(crate) enum Tcp {
    /// Not connected nor listening (CLOSE), possibly bound.
    Idle,
    /// Listening.
    Listen(Listener),
    /// Connecting or connected.
    Conn {
        /// The smoltcp socket carrying the connection.
        handle: SocketHandle,
        /// Whether the handshake completed.
        established: bool,
    },
}

/// The UDP side of a socket.
#[derive(Debug)]
pub(crate) struct Udp {
    /// The smoltcp socket, once bound.
    pub handle: Option<SocketHandle>,
    /// The `connect`ed peer.
    pub peer: Option<SocketAddr>,
}

/// The protocol part of a socket.
#[derive(Debug)]
pub(crate) enum Proto {
    /// `SOCK_STREAM`.
    Tcp(Tcp),
    /// `SOCK_DGRAM`.
    Udp(Udp),
}

/// What a socket's waiter was last told.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Seen {
    pub events: u32,
    pub rx: usize,
    pub tx_free: usize,
}

/// One socket of the stack.
pub(crate) struct Sock {
    pub domain: Domain,
    pub opts: Options,
    /// The bound address (port not 0), if bound.
    pub local: Option<SocketAddr>,
    /// Whether `local` was chosen by the stack (released on disconnect).
    pub autobound: bool,
    /// The pending error (`SO_ERROR`), reported once.
    pub error: Option<Errno>,
    /// `RCV_SHUTDOWN`: `shutdown(SHUT_RD)` or reset.
    pub shut_rd: bool,
    /// `SEND_SHUTDOWN`: `shutdown(SHUT_WR)` or reset.
    pub shut_wr: bool,
    pub proto: Proto,
    pub notify: Option<Arc<dyn Notify>>,
    pub seen: Seen,
}

impl core::fmt::Debug for Sock {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Sock")
            .field("domain", &self.domain)
            .field("local", &self.local)
            .field("error", &self.error)
            .field("proto", &self.proto)
            .finish_non_exhaustive()
    }
}

impl Sock {
    /// A new unbound socket.
    pub fn new(domain: Domain, ty: SockType) -> Self {
        let proto = match ty {
            SockType::Stream => Proto::Tcp(Tcp::Idle),
            SockType::Dgram => Proto::Udp(Udp {
                handle: None,
                peer: None,
            }),
        };
        Self {
            domain,
            opts: Options::new(ty),
            local: None,
            autobound: false,
            error: None,
            shut_rd: false,
            shut_wr: false,
            proto,
            notify: None,
            seen: Seen::default(),
        }
    }

    /// Whether this is a TCP socket.
    pub fn is_tcp(&self) -> bool {
        matches!(self.proto, Proto::Tcp(_))
    }

    /// Whether this is a listening TCP socket.
    pub fn is_listening(&self) -> bool {
        matches!(self.proto, Proto::Tcp(Tcp::Listen(_)))
    }
}
