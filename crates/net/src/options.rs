//! Socket options beyond buffers and `SO_REUSEADDR`: keepalive, linger,
//! TTL and packet info, each applied to the smoltcp sockets it concerns.

use abi::Errno;
use smoltcp::socket::{tcp, udp};

use crate::socket::{Proto, SocketId, Tcp};
use crate::stack::Stack;

/// Idle time before keepalive probes (`tcp_keepalive_time`, 2 hours).
pub(crate) const KEEPALIVE_IDLE: smoltcp::time::Duration = smoltcp::time::Duration::from_secs(7200);

/// The TTL of a socket that did not set one (`ip_default_ttl`).
pub const DEFAULT_TTL: u8 = 64;

impl Stack {
    /// Applies the socket's TTL and keepalive to its smoltcp sockets.
    fn apply(&mut self, id: SocketId) -> Result<(), Errno> {
        let s = self.sock(id)?;
        let (ttl, keep) = (s.opts.ttl, s.opts.keepalive.then_some(KEEPALIVE_IDLE));
        match &s.proto {
            Proto::Tcp(Tcp::Conn { handle, .. }) => {
                let t = self.set.get_mut::<tcp::Socket<'_>>(*handle);
                t.set_hop_limit(ttl);
                t.set_keep_alive(keep);
            }
            Proto::Udp(u) => {
                if let Some(h) = u.handle {
                    self.set.get_mut::<udp::Socket<'_>>(h).set_hop_limit(ttl);
                }
            }
            _ => {}
        }
        self.process();
        Ok(())
    }

    /// `SO_KEEPALIVE`: probe an idle connection after two hours.
    pub fn set_keepalive(&mut self, id: SocketId, on: bool) -> Result<(), Errno> {
        self.sock_mut(id)?.opts.keepalive = on;
        self.apply(id)
    }

    /// `SO_KEEPALIVE` as `getsockopt` reports it.
    pub fn keepalive(&self, id: SocketId) -> Result<bool, Errno> {
        Ok(self.sock(id)?.opts.keepalive)
    }

    /// `SO_LINGER`: `Some(0)` makes `close` reset the connection. A
    /// non-zero time closes gracefully in the background (the stack never
    /// blocks `close`).
    pub fn set_linger(&mut self, id: SocketId, linger: Option<u32>) -> Result<(), Errno> {
        self.sock_mut(id)?.opts.linger = linger;
        Ok(())
    }

    /// `SO_LINGER` as `getsockopt` reports it.
    pub fn linger(&self, id: SocketId) -> Result<Option<u32>, Errno> {
        Ok(self.sock(id)?.opts.linger)
    }

    /// `IP_TTL`/`IPV6_UNICAST_HOPS`: 1 to 255, or -1 for the default;
    /// anything else `EINVAL`.
    pub fn set_ttl(&mut self, id: SocketId, ttl: i32) -> Result<(), Errno> {
        let ttl = match ttl {
            -1 => None,
            1..=255 => Some(ttl as u8),
            _ => return Err(Errno::EINVAL),
        };
        self.sock_mut(id)?.opts.ttl = ttl;
        self.apply(id)
    }

    /// The TTL of the socket's packets.
    pub fn ttl(&self, id: SocketId) -> Result<u8, Errno> {
        Ok(self.sock(id)?.opts.ttl.unwrap_or(DEFAULT_TTL))
    }

    /// `IP_PKTINFO`: datagrams received afterwards carry their destination
    /// address ([`crate::Received::to`]).
    pub fn set_pktinfo(&mut self, id: SocketId, on: bool) -> Result<(), Errno> {
        self.sock_mut(id)?.opts.pktinfo = on;
        Ok(())
    }

    /// `IP_PKTINFO` as `getsockopt` reports it.
    pub fn pktinfo(&self, id: SocketId) -> Result<bool, Errno> {
        Ok(self.sock(id)?.opts.pktinfo)
    }
}

impl Stack {
    /// The connection state as Linux numbers it (`TCP_ESTABLISHED` = 1 ...
    /// `TCP_CLOSING` = 11), for `TCP_INFO`; `EOPNOTSUPP` on UDP.
    pub fn tcp_state(&self, id: SocketId) -> Result<u8, Errno> {
        use tcp::State as S;
        let s = self.sock(id)?;
        let Proto::Tcp(t) = &s.proto else {
            return Err(Errno::EOPNOTSUPP);
        };
        Ok(match t {
            Tcp::Idle => 7,
            Tcp::Listen(_) => 10,
            Tcp::Conn { handle, .. } => match self.set.get::<tcp::Socket<'_>>(*handle).state() {
                S::Established => 1,
                S::SynSent => 2,
                S::SynReceived => 3,
                S::FinWait1 => 4,
                S::FinWait2 => 5,
                S::TimeWait => 6,
                S::Closed => 7,
                S::CloseWait => 8,
                S::LastAck => 9,
                S::Listen => 10,
                S::Closing => 11,
            },
        })
    }
}
