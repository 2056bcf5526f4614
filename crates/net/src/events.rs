//! Readiness masks, computed as Linux's `tcp_poll` and `datagram_poll` do.

use smoltcp::iface::SocketSet;
use smoltcp::socket::{tcp, udp};

use crate::socket::{Sock, Tcp, Udp};

/// `POLLIN`.
pub const POLLIN: u32 = 0x1;
/// `POLLOUT`.
pub const POLLOUT: u32 = 0x4;
/// `POLLERR`.
pub const POLLERR: u32 = 0x8;
/// `POLLHUP`.
pub const POLLHUP: u32 = 0x10;
/// `POLLRDNORM`.
pub const POLLRDNORM: u32 = 0x40;
/// `POLLWRNORM`.
pub const POLLWRNORM: u32 = 0x100;
/// `POLLRDHUP`.
pub const POLLRDHUP: u32 = 0x2000;

const READ: u32 = POLLIN | POLLRDNORM;
const WRITE: u32 = POLLOUT | POLLWRNORM;

/// A TCP socket's mask.
pub(crate) fn tcp(s: &Sock, t: &Tcp, set: &SocketSet<'_>) -> u32 {
    let err = if s.error.is_some() { POLLERR } else { 0 };
    let (closed, syn_sent, readable, peer_fin, writable) = match t {
        Tcp::Listen(l) => return err | if l.ready.is_empty() { 0 } else { READ },
        Tcp::Idle => (true, false, false, false, true),
        Tcp::Conn { handle, .. } => {
            let c = set.get::<tcp::Socket<'_>>(*handle);
            let state = c.state();
            let free = c.send_capacity() - c.send_queue();
            let syn = matches!(state, tcp::State::SynSent | tcp::State::SynReceived);
            (
                state == tcp::State::Closed,
                syn,
                c.can_recv(),
                !syn && !c.may_recv(),
                free > 0 && free * 2 >= c.send_queue(),
            )
        }
    };
    let rd_shut = s.shut_rd || peer_fin;
    let mut m = err;
    if (rd_shut && s.shut_wr) || closed {
        m |= POLLHUP;
    }
    if rd_shut {
        m |= READ | POLLRDHUP;
    }
    if !syn_sent {
        if readable {
            m |= READ;
        }
        if s.shut_wr || writable {
            m |= WRITE;
        }
    }
    m
}

/// A UDP socket's mask.
pub(crate) fn udp(s: &Sock, u: &Udp, set: &SocketSet<'_>) -> u32 {
    let mut m = if s.error.is_some() { POLLERR } else { 0 };
    if s.shut_rd {
        m |= READ | POLLRDHUP;
    }
    if s.shut_rd && s.shut_wr {
        m |= POLLHUP;
    }
    match u.handle {
        Some(h) => {
            let c = set.get::<udp::Socket<'_>>(h);
            if c.can_recv() {
                m |= READ;
            }
            if c.can_send() {
                m |= WRITE;
            }
        }
        None => m |= WRITE,
    }
    m
}
