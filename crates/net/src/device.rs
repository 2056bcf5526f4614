//! The loopback device: every packet the interface transmits is queued and
//! received again, in order, as Linux's `lo`.
//!
//! Unlike smoltcp's own `Loopback`, it can drop a connection request (a TCP
//! SYN without ACK) addressed to a listener whose accept queue is full, which
//! is what Linux does; smoltcp alone would answer it with a RST when no
//! socket is left in the LISTEN state, and the client would see
//! `ECONNREFUSED` instead of waiting and retrying.

use alloc::collections::VecDeque;
use alloc::vec;
use alloc::vec::Vec;
use core::net::IpAddr;

use smoltcp::phy::{self, ChecksumCapabilities, Device, DeviceCapabilities, Medium};
use smoltcp::time::Instant;
use smoltcp::wire::{IpProtocol, Ipv4Packet, Ipv6Packet, TcpPacket};

/// The link MTU. Linux's `lo` has 65536, but an IPv4 packet's total length
/// is 16 bits: smoltcp sizes segments from the MTU and would overflow it.
pub const LOOPBACK_MTU: usize = 65535;

/// A listening endpoint (`None` address: every local address) whose
/// accept queue is full.
pub type FullListener = (Option<IpAddr>, u16);

/// A loopback link with a filter for SYNs to full listeners.
#[derive(Debug, Default)]
pub struct LoopbackDevice {
    queue: VecDeque<Vec<u8>>,
    full: Vec<FullListener>,
}

impl LoopbackDevice {
    /// An empty link.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets the listeners whose connection requests are dropped.
    pub fn set_full_listeners(&mut self, full: Vec<FullListener>) {
        self.full = full;
    }

    /// Whether no packet is in flight.
    pub fn is_idle(&self) -> bool {
        self.queue.is_empty()
    }

    /// Whether `packet` is a SYN for one of the full listeners.
    fn is_refused_syn(&self, packet: &[u8]) -> bool {
        if self.full.is_empty() {
            return false;
        }
        let Some((dst, payload)) = tcp_payload(packet) else {
            return false;
        };
        let Ok(tcp) = TcpPacket::new_checked(payload) else {
            return false;
        };
        if !tcp.syn() || tcp.ack() {
            return false;
        }
        let port = tcp.dst_port();
        self.full
            .iter()
            .any(|(addr, p)| *p == port && addr.is_none_or(|a| a == dst))
    }
}

/// The destination address and TCP segment of an IP packet, if it carries
/// TCP.
fn tcp_payload(packet: &[u8]) -> Option<(IpAddr, &[u8])> {
    match packet.first()? >> 4 {
        4 => {
            let p = Ipv4Packet::new_checked(packet).ok()?;
            let hl = usize::from(p.header_len());
            let total = usize::from(p.total_len()).min(packet.len());
            (p.next_header() == IpProtocol::Tcp)
                .then(|| (IpAddr::V4(p.dst_addr()), packet.get(hl..total)))
                .and_then(|(a, s)| Some((a, s?)))
        }
        6 => {
            let p = Ipv6Packet::new_checked(packet).ok()?;
            (p.next_header() == IpProtocol::Tcp)
                .then(|| (IpAddr::V6(p.dst_addr()), packet.get(40..)))
                .and_then(|(a, s)| Some((a, s?)))
        }
        _ => None,
    }
}

impl Device for LoopbackDevice {
    type RxToken<'a> = RxToken;
    type TxToken<'a> = TxToken<'a>;

    fn capabilities(&self) -> DeviceCapabilities {
        let mut caps = DeviceCapabilities::default();
        caps.max_transmission_unit = LOOPBACK_MTU;
        caps.medium = Medium::Ip;
        caps.checksum = ChecksumCapabilities::ignored();
        caps
    }

    fn receive(&mut self, _now: Instant) -> Option<(RxToken, TxToken<'_>)> {
        loop {
            let buffer = self.queue.pop_front()?;
            if self.is_refused_syn(&buffer) {
                continue;
            }
            return Some((
                RxToken { buffer },
                TxToken {
                    queue: &mut self.queue,
                },
            ));
        }
    }

    fn transmit(&mut self, _now: Instant) -> Option<TxToken<'_>> {
        Some(TxToken {
            queue: &mut self.queue,
        })
    }
}

/// A received packet.
#[derive(Debug)]
pub struct RxToken {
    buffer: Vec<u8>,
}

impl phy::RxToken for RxToken {
    fn consume<R, F: FnOnce(&[u8]) -> R>(self, f: F) -> R {
        f(&self.buffer)
    }
}

/// Room for one packet at the end of the queue.
#[derive(Debug)]
pub struct TxToken<'a> {
    queue: &'a mut VecDeque<Vec<u8>>,
}

impl phy::TxToken for TxToken<'_> {
    fn consume<R, F: FnOnce(&mut [u8]) -> R>(self, len: usize, f: F) -> R {
        let mut buffer = vec![0; len];
        let r = f(&mut buffer);
        self.queue.push_back(buffer);
        r
    }
}
