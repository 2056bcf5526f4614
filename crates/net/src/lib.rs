//! The sandbox's own network stack, in the spirit of gVisor's netstack:
//! loopback (127.0.0.0/8 and `::1`) served entirely inside the Sentry, so
//! servers and clients of one sandbox talk TCP and UDP without the host
//! network.
//!
//! [`Stack`] owns a smoltcp interface over a loopback device and a table of
//! sockets with Linux's semantics layered on top where smoltcp differs:
//! listen backlogs and accept queues (smoltcp's listener becomes the
//! connection), SYNs dropped rather than reset when the accept queue is
//! full, `ECONNREFUSED`/`ECONNRESET` from resets, `SO_REUSEADDR` and
//! `EADDRINUSE`, ephemeral ports, the UDP peer filter and truncation.
//!
//! Every call is non-blocking and the crate reads no clock: calls return
//! `EAGAIN`/`EINPROGRESS` where Linux would block, the caller sleeps on
//! the socket's readiness ([`Stack::events`], with a [`Notify`] hook told
//! of changes) and drives time with [`Stack::poll`]. Errors are
//! [`abi::Errno`] values.

#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod addr;
mod device;
pub mod events;
mod options;
mod socket;
mod stack;
mod tcp;
mod udp;

use core::net::{IpAddr, SocketAddr};

use abi::socket::MsgFlags;
use abi::Errno;

pub use addr::Domain;
pub use socket::{Notify, SockType, SocketId};
pub use stack::Stack;

use socket::Proto;

/// What a receive call got.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Received {
    /// Bytes copied into the caller's buffer.
    pub len: usize,
    /// The datagram's full length (`MSG_TRUNC`); `len` for a stream.
    pub full_len: usize,
    /// The sender, for datagrams.
    pub from: Option<SocketAddr>,
    /// The address a datagram was sent to (`IP_PKTINFO`).
    pub to: Option<IpAddr>,
}

impl Received {
    /// `n` stream bytes.
    fn bytes(n: usize) -> Self {
        Self {
            len: n,
            full_len: n,
            from: None,
            to: None,
        }
    }
}

impl Stack {
    /// `connect(2)`: see [`Stack::finish_connect`] for TCP's outcome; a
    /// UDP socket just records its peer.
    pub fn connect(&mut self, id: SocketId, to: SocketAddr) -> Result<(), Errno> {
        match self.sock(id)?.proto {
            Proto::Tcp(_) => self.tcp_connect(id, to),
            Proto::Udp(_) => self.udp_connect(id, to),
        }
    }

    /// `connect(2)` with `AF_UNSPEC`: resets a TCP connection or forgets a
    /// UDP peer.
    pub fn disconnect(&mut self, id: SocketId) -> Result<(), Errno> {
        match self.sock(id)?.proto {
            Proto::Tcp(_) => self.tcp_disconnect(id),
            Proto::Udp(_) => self.udp_disconnect(id),
        }
    }

    /// `sendto(2)`/`send(2)` without blocking: `to` is ignored on a TCP
    /// socket, as Linux does for a connected one.
    pub fn send(
        &mut self,
        id: SocketId,
        buf: &[u8],
        to: Option<SocketAddr>,
    ) -> Result<usize, Errno> {
        match self.sock(id)?.proto {
            Proto::Tcp(_) => self.tcp_send(id, buf),
            Proto::Udp(_) => self.udp_send(id, buf, to),
        }
    }

    /// `recvfrom(2)`/`recv(2)` without blocking (`MSG_PEEK`, `MSG_TRUNC`
    /// honoured; `MSG_DONTWAIT` and `MSG_WAITALL` are the caller's).
    pub fn recv(
        &mut self,
        id: SocketId,
        buf: &mut [u8],
        flags: MsgFlags,
    ) -> Result<Received, Errno> {
        match self.sock(id)?.proto {
            Proto::Tcp(_) => self.tcp_recv(id, buf, flags),
            Proto::Udp(_) => self.udp_recv(id, buf, flags),
        }
    }

    /// `shutdown(2)` with `how` one of `SHUT_RD`, `SHUT_WR`, `SHUT_RDWR`
    /// (`EINVAL` otherwise); `ENOTCONN` if not connected.
    pub fn shutdown(&mut self, id: SocketId, how: i32) -> Result<(), Errno> {
        let (rd, wr) = match how {
            abi::socket::SHUT_RD => (true, false),
            abi::socket::SHUT_WR => (false, true),
            abi::socket::SHUT_RDWR => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let s = self.sock_mut(id)?;
        match &s.proto {
            Proto::Tcp(_) => self.tcp_shutdown(id, rd, wr),
            Proto::Udp(u) => {
                let connected = u.peer.is_some();
                s.shut_rd |= rd;
                s.shut_wr |= wr;
                self.notify_changes();
                if connected {
                    Ok(())
                } else {
                    Err(Errno::ENOTCONN)
                }
            }
        }
    }
}
