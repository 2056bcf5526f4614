//! UDP calls of the [`Stack`]: binding, the connected peer (a filter
//! smoltcp does not have), datagrams with their boundaries, truncation,
//! and `ECONNREFUSED` for a connected socket whose peer port is closed.

use alloc::vec;
use core::net::SocketAddr;

use abi::socket::MsgFlags;
use abi::Errno;
use smoltcp::socket::udp;
use smoltcp::wire::{IpEndpoint, IpListenEndpoint};

use crate::addr;
use crate::socket::{Proto, SocketId, Udp};
use crate::stack::{sockaddr, Stack};
use crate::Received;

/// Datagrams a receive or send queue holds at most.
const QUEUE_SLOTS: usize = 256;

/// The staging room for outgoing datagrams; loopback drains it within the
/// call, so it only has to hold the largest datagram.
const TX_BYTES: usize = 128 * 1024;

/// The largest UDP payload over IPv4 (65535 - 20 - 8) and IPv6 (65535 - 8).
const fn max_payload(v4: bool) -> usize {
    if v4 {
        65_507
    } else {
        65_527
    }
}

impl Stack {
    fn udp_of(&self, id: SocketId) -> Result<&Udp, Errno> {
        match &self.sock(id)?.proto {
            Proto::Udp(u) => Ok(u),
            Proto::Tcp(_) => Err(Errno::EOPNOTSUPP),
        }
    }

    fn udp_of_mut(&mut self, id: SocketId) -> Result<&mut Udp, Errno> {
        match &mut self.sock_mut(id)?.proto {
            Proto::Udp(u) => Ok(u),
            Proto::Tcp(_) => Err(Errno::EOPNOTSUPP),
        }
    }

    /// Creates and binds the smoltcp socket of UDP socket `id` at `local`.
    pub(crate) fn udp_open(&mut self, id: SocketId, local: SocketAddr) -> Result<(), Errno> {
        let rcvbuf = self.sock(id)?.opts.rcvbuf;
        let mut u = udp::Socket::new(
            udp::PacketBuffer::new(
                vec![udp::PacketMetadata::EMPTY; QUEUE_SLOTS],
                vec![0; rcvbuf],
            ),
            udp::PacketBuffer::new(
                vec![udp::PacketMetadata::EMPTY; QUEUE_SLOTS],
                vec![0; TX_BYTES],
            ),
        );
        let ip = local.ip();
        u.bind(IpListenEndpoint {
            addr: (!ip.is_unspecified()).then(|| ip.into()),
            port: local.port(),
        })
        .map_err(|_| Errno::EINVAL)?;
        u.set_hop_limit(self.sock(id)?.opts.ttl);
        let h = self.set.add(u);
        if let Some(old) = self.udp_of_mut(id)?.handle.replace(h) {
            self.set.remove(old);
        }
        Ok(())
    }

    /// `connect(2)` on UDP: sets the default destination and the source
    /// filter, binding first if needed.
    pub(crate) fn udp_connect(&mut self, id: SocketId, to: SocketAddr) -> Result<(), Errno> {
        let remote = addr::route(self.sock(id)?.domain.accept(to)?)?;
        addr::check_families(self.autobind(id)?, remote)?;
        self.udp_of_mut(id)?.peer = Some(remote);
        self.process();
        Ok(())
    }

    /// `connect(2)` with `AF_UNSPEC` on UDP: forgets the peer and, if the
    /// stack chose the port, the binding.
    pub(crate) fn udp_disconnect(&mut self, id: SocketId) -> Result<(), Errno> {
        let s = self.sock_mut(id)?;
        let autobound = s.autobound;
        if autobound {
            s.local = None;
            s.autobound = false;
        }
        let u = self.udp_of_mut(id)?;
        u.peer = None;
        if autobound {
            if let Some(h) = u.handle.take() {
                self.set.remove(h);
            }
        }
        self.process();
        Ok(())
    }

    /// Sends one datagram to `to` or the connected peer
    /// (`EDESTADDRREQ` without either, `EMSGSIZE` past the IP limit).
    pub(crate) fn udp_send(
        &mut self,
        id: SocketId,
        buf: &[u8],
        to: Option<SocketAddr>,
    ) -> Result<usize, Errno> {
        let s = self.sock_mut(id)?;
        if let Some(e) = s.error.take() {
            return Err(e);
        }
        if s.shut_wr {
            return Err(Errno::EPIPE);
        }
        let domain = s.domain;
        let peer = self.udp_of(id)?.peer;
        let dest = match to {
            Some(a) => addr::route(domain.accept(a)?)?,
            None => peer.ok_or(Errno::EDESTADDRREQ)?,
        };
        if dest.port() == 0 {
            return Err(Errno::EINVAL);
        }
        if buf.len() > max_payload(dest.is_ipv4()) {
            return Err(Errno::EMSGSIZE);
        }
        addr::check_families(self.autobind(id)?, dest)?;
        let h = self.udp_of(id)?.handle.ok_or(Errno::EINVAL)?;
        self.set
            .get_mut::<udp::Socket<'_>>(h)
            .send_slice(buf, IpEndpoint::from(dest))
            .map_err(|e| match e {
                udp::SendError::BufferFull => Errno::EAGAIN,
                udp::SendError::Unaddressable => Errno::EINVAL,
            })?;
        self.process();
        // Linux learns of a closed port from the ICMP error and reports it
        // on the next call, only on a connected socket; on loopback the
        // answer is known now.
        if peer == Some(dest) && !self.udp_port_open(dest) {
            self.sock_mut(id)?.error = Some(Errno::ECONNREFUSED);
            self.notify_changes();
        }
        Ok(buf.len())
    }

    /// Whether a UDP socket would take a datagram for `dest`.
    fn udp_port_open(&self, dest: SocketAddr) -> bool {
        self.socks.values().any(|s| {
            matches!(&s.proto, Proto::Udp(u) if u.handle.is_some())
                && s.local.is_some_and(|l| {
                    l.port() == dest.port()
                        && (l.ip() == dest.ip() || addr::overlaps(l.ip(), dest.ip()))
                })
        })
    }

    /// Receives one datagram: as much as fits in `buf`, its full length
    /// (for `MSG_TRUNC`) and its source; kept with `MSG_PEEK`.
    pub(crate) fn udp_recv(
        &mut self,
        id: SocketId,
        buf: &mut [u8],
        flags: MsgFlags,
    ) -> Result<Received, Errno> {
        let s = self.sock_mut(id)?;
        if let Some(e) = s.error.take() {
            self.notify_changes();
            return Err(e);
        }
        let (shut_rd, domain) = (s.shut_rd, s.domain);
        let Some(h) = self.udp_of(id)?.handle else {
            return if shut_rd {
                Ok(Received::bytes(0))
            } else {
                Err(Errno::EAGAIN)
            };
        };
        let u = self.set.get_mut::<udp::Socket<'_>>(h);
        let peek = flags.contains(MsgFlags::MSG_PEEK);
        let got = if peek {
            u.peek().map(|(d, m)| (d, *m))
        } else {
            u.recv()
        };
        let Ok((data, meta)) = got else {
            return if shut_rd {
                Ok(Received::bytes(0))
            } else {
                Err(Errno::EAGAIN)
            };
        };
        let len = data.len().min(buf.len());
        buf[..len].copy_from_slice(&data[..len]);
        let r = Received {
            len,
            full_len: data.len(),
            from: Some(domain.present(sockaddr(meta.endpoint))),
            to: meta.local_address.map(core::net::IpAddr::from),
        };
        if !peek {
            self.process();
        }
        Ok(r)
    }

    /// Drops datagrams a connected socket must not see (from others than
    /// its peer), as Linux never queues them.
    pub(crate) fn filter_udp_peers(&mut self) {
        for s in self.socks.values() {
            let Proto::Udp(Udp {
                handle: Some(h),
                peer: Some(peer),
            }) = &s.proto
            else {
                continue;
            };
            let u = self.set.get_mut::<udp::Socket<'_>>(*h);
            while let Ok((_, m)) = u.peek() {
                if sockaddr(m.endpoint) == *peer {
                    break;
                }
                let _ = u.recv();
            }
        }
    }
}
