//! `<linux/socket.h>`, `<linux/in.h>`, `<linux/in6.h>`, `<linux/un.h>`,
//! `<linux/tcp.h>`, `<asm-generic/socket.h>`, `<linux/sockios.h>`: socket
//! families, types, options, message flags, and the address and message
//! structs of the socket calls.
//!
//! Addresses and ports inside `sockaddr_in*` are in network byte order; the
//! constructors and accessors here convert, the fields hold raw bytes.

#![allow(non_camel_case_types)]

use crate::errno::Errno;
use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The type of an address family field.
pub type sa_family_t = u16;

/// Unspecified family.
pub const AF_UNSPEC: i32 = 0;
/// Local (Unix domain) sockets.
pub const AF_UNIX: i32 = 1;
/// POSIX name of [`AF_UNIX`].
pub const AF_LOCAL: i32 = 1;
/// IPv4.
pub const AF_INET: i32 = 2;
/// Amateur radio AX.25.
pub const AF_AX25: i32 = 3;
/// Novell IPX.
pub const AF_IPX: i32 = 4;
/// AppleTalk DDP.
pub const AF_APPLETALK: i32 = 5;
/// Amateur radio NET/ROM.
pub const AF_NETROM: i32 = 6;
/// Multiprotocol bridge.
pub const AF_BRIDGE: i32 = 7;
/// ATM PVCs.
pub const AF_ATMPVC: i32 = 8;
/// X.25.
pub const AF_X25: i32 = 9;
/// IPv6.
pub const AF_INET6: i32 = 10;
/// Amateur radio X.25 PLP.
pub const AF_ROSE: i32 = 11;
/// DECnet (reserved).
#[allow(non_upper_case_globals)]
pub const AF_DECnet: i32 = 12;
/// 802.2LLC (reserved).
pub const AF_NETBEUI: i32 = 13;
/// Security callback pseudo-family.
pub const AF_SECURITY: i32 = 14;
/// PF_KEY key management.
pub const AF_KEY: i32 = 15;
/// Netlink.
pub const AF_NETLINK: i32 = 16;
/// BSD alias of [`AF_NETLINK`].
pub const AF_ROUTE: i32 = AF_NETLINK;
/// Packet (link-layer) sockets.
pub const AF_PACKET: i32 = 17;
/// Ash.
pub const AF_ASH: i32 = 18;
/// Acorn Econet.
pub const AF_ECONET: i32 = 19;
/// ATM SVCs.
pub const AF_ATMSVC: i32 = 20;
/// RDS.
pub const AF_RDS: i32 = 21;
/// Linux SNA.
pub const AF_SNA: i32 = 22;
/// IrDA.
pub const AF_IRDA: i32 = 23;
/// PPPoX.
pub const AF_PPPOX: i32 = 24;
/// Wanpipe.
pub const AF_WANPIPE: i32 = 25;
/// Linux LLC.
pub const AF_LLC: i32 = 26;
/// Native InfiniBand.
pub const AF_IB: i32 = 27;
/// MPLS.
pub const AF_MPLS: i32 = 28;
/// Controller Area Network.
pub const AF_CAN: i32 = 29;
/// TIPC.
pub const AF_TIPC: i32 = 30;
/// Bluetooth.
pub const AF_BLUETOOTH: i32 = 31;
/// IUCV.
pub const AF_IUCV: i32 = 32;
/// RxRPC.
pub const AF_RXRPC: i32 = 33;
/// mISDN.
pub const AF_ISDN: i32 = 34;
/// Phonet.
pub const AF_PHONET: i32 = 35;
/// IEEE 802.15.4.
pub const AF_IEEE802154: i32 = 36;
/// CAIF.
pub const AF_CAIF: i32 = 37;
/// Kernel crypto API.
pub const AF_ALG: i32 = 38;
/// NFC.
pub const AF_NFC: i32 = 39;
/// vSockets.
pub const AF_VSOCK: i32 = 40;
/// Kernel connection multiplexor.
pub const AF_KCM: i32 = 41;
/// Qualcomm IPC router.
pub const AF_QIPCRTR: i32 = 42;
/// SMC sockets.
pub const AF_SMC: i32 = 43;
/// XDP sockets.
pub const AF_XDP: i32 = 44;
/// MCTP.
pub const AF_MCTP: i32 = 45;
/// One past the highest family.
pub const AF_MAX: i32 = 46;
/// Protocol-family name of [`AF_UNSPEC`].
pub const PF_UNSPEC: i32 = AF_UNSPEC;
/// Protocol-family name of [`AF_UNIX`].
pub const PF_UNIX: i32 = AF_UNIX;
/// Protocol-family name of [`AF_LOCAL`].
pub const PF_LOCAL: i32 = AF_LOCAL;
/// Protocol-family name of [`AF_INET`].
pub const PF_INET: i32 = AF_INET;
/// Protocol-family name of [`AF_INET6`].
pub const PF_INET6: i32 = AF_INET6;
/// Protocol-family name of [`AF_NETLINK`].
pub const PF_NETLINK: i32 = AF_NETLINK;
/// Protocol-family name of [`AF_PACKET`].
pub const PF_PACKET: i32 = AF_PACKET;
/// Protocol-family name of [`AF_VSOCK`].
pub const PF_VSOCK: i32 = AF_VSOCK;

/// Reliable byte stream.
pub const SOCK_STREAM: i32 = 1;
/// Datagrams.
pub const SOCK_DGRAM: i32 = 2;
/// Raw protocol access.
pub const SOCK_RAW: i32 = 3;
/// Reliably delivered messages.
pub const SOCK_RDM: i32 = 4;
/// Sequenced, reliable, connection-based datagrams.
pub const SOCK_SEQPACKET: i32 = 5;
/// DCCP.
pub const SOCK_DCCP: i32 = 6;
/// Obsolete packet socket type.
pub const SOCK_PACKET: i32 = 10;
/// The bits of `socket(2)`'s type argument that hold the type.
pub const SOCK_TYPE_MASK: i32 = 0xf;

bitflags! {
    /// Flags or-ed into `socket(2)`/`socketpair(2)`/`accept4(2)`'s type.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SockFlags: i32 {
        /// `O_NONBLOCK` on the new file.
        const SOCK_NONBLOCK = 0o4000;
        /// `O_CLOEXEC` on the new descriptor.
        const SOCK_CLOEXEC = 0o2000000;
    }
}

impl SockFlags {
    /// Splits `socket(2)`'s type argument into the type, the flags and the
    /// bits neither names (which make Linux fail with `EINVAL`).
    pub const fn split_type(raw: i32) -> (i32, Self, i32) {
        let ty = raw & SOCK_TYPE_MASK;
        let flags = Self::from_bits_truncate(raw);
        (ty, flags, raw & !SOCK_TYPE_MASK & !flags.bits())
    }
}

/// Socket-level options (`setsockopt` level).
pub const SOL_SOCKET: i32 = 1;
/// IPv4 level.
pub const SOL_IP: i32 = 0;
/// TCP level.
pub const SOL_TCP: i32 = 6;
/// UDP level.
pub const SOL_UDP: i32 = 17;
/// IPv6 level.
pub const SOL_IPV6: i32 = 41;
/// ICMPv6 level.
pub const SOL_ICMPV6: i32 = 58;
/// Raw sockets level.
pub const SOL_RAW: i32 = 255;
/// Packet sockets level.
pub const SOL_PACKET: i32 = 263;
/// Netlink level.
pub const SOL_NETLINK: i32 = 270;
/// Crypto API level.
pub const SOL_ALG: i32 = 279;

/// Enable socket debugging.
pub const SO_DEBUG: i32 = 1;
/// Allow reuse of local addresses.
pub const SO_REUSEADDR: i32 = 2;
/// Get the socket type.
pub const SO_TYPE: i32 = 3;
/// Get and clear the pending error.
pub const SO_ERROR: i32 = 4;
/// Bypass routing.
pub const SO_DONTROUTE: i32 = 5;
/// Allow broadcast datagrams.
pub const SO_BROADCAST: i32 = 6;
/// Send buffer size.
pub const SO_SNDBUF: i32 = 7;
/// Receive buffer size.
pub const SO_RCVBUF: i32 = 8;
/// Send keep-alives.
pub const SO_KEEPALIVE: i32 = 9;
/// Out-of-band data inline.
pub const SO_OOBINLINE: i32 = 10;
/// Disable checksums (UDP).
pub const SO_NO_CHECK: i32 = 11;
/// Packet priority.
pub const SO_PRIORITY: i32 = 12;
/// Linger on close ([`linger`]).
pub const SO_LINGER: i32 = 13;
/// Obsolete.
pub const SO_BSDCOMPAT: i32 = 14;
/// Allow several sockets to bind the same port.
pub const SO_REUSEPORT: i32 = 15;
/// Receive `SCM_CREDENTIALS`.
pub const SO_PASSCRED: i32 = 16;
/// Get the peer's [`ucred`].
pub const SO_PEERCRED: i32 = 17;
/// Minimum receive byte count.
pub const SO_RCVLOWAT: i32 = 18;
/// Minimum send byte count.
pub const SO_SNDLOWAT: i32 = 19;
/// Receive timeout as a 64-bit `timeval` (on x86-64 the same as `_NEW`'s layout).
pub const SO_RCVTIMEO_OLD: i32 = 20;
/// Send timeout.
pub const SO_SNDTIMEO_OLD: i32 = 21;
/// Receive timeout ([`SO_RCVTIMEO_OLD`] on x86-64).
pub const SO_RCVTIMEO: i32 = SO_RCVTIMEO_OLD;
/// Send timeout ([`SO_SNDTIMEO_OLD`] on x86-64).
pub const SO_SNDTIMEO: i32 = SO_SNDTIMEO_OLD;
/// IPsec authentication level.
pub const SO_SECURITY_AUTHENTICATION: i32 = 22;
/// IPsec transport encryption level.
pub const SO_SECURITY_ENCRYPTION_TRANSPORT: i32 = 23;
/// IPsec network encryption level.
pub const SO_SECURITY_ENCRYPTION_NETWORK: i32 = 24;
/// Bind to a device by name.
pub const SO_BINDTODEVICE: i32 = 25;
/// Attach a classic BPF filter.
pub const SO_ATTACH_FILTER: i32 = 26;
/// Detach the filter.
pub const SO_DETACH_FILTER: i32 = 27;
/// Get the peer address.
pub const SO_PEERNAME: i32 = 28;
/// Receive `SCM_TIMESTAMP` (`timeval`).
pub const SO_TIMESTAMP: i32 = 29;
/// Whether the socket listens.
pub const SO_ACCEPTCONN: i32 = 30;
/// Get the peer's security context.
pub const SO_PEERSEC: i32 = 31;
/// `SO_SNDBUF` ignoring the limit (`CAP_NET_ADMIN`).
pub const SO_SNDBUFFORCE: i32 = 32;
/// `SO_RCVBUF` ignoring the limit (`CAP_NET_ADMIN`).
pub const SO_RCVBUFFORCE: i32 = 33;
/// Receive `SCM_SECURITY`.
pub const SO_PASSSEC: i32 = 34;
/// Receive `SCM_TIMESTAMPNS` (`timespec`).
pub const SO_TIMESTAMPNS: i32 = 35;
/// Packet mark.
pub const SO_MARK: i32 = 36;
/// Timestamping control.
pub const SO_TIMESTAMPING: i32 = 37;
/// Get the protocol.
pub const SO_PROTOCOL: i32 = 38;
/// Get the domain.
pub const SO_DOMAIN: i32 = 39;
/// Receive the drop count.
pub const SO_RXQ_OVFL: i32 = 40;
/// Wi-Fi status.
pub const SO_WIFI_STATUS: i32 = 41;
/// Peek offset.
pub const SO_PEEK_OFF: i32 = 42;
/// Don't append FCS.
pub const SO_NOFCS: i32 = 43;
/// Lock the filter.
pub const SO_LOCK_FILTER: i32 = 44;
/// Report errors on select's error queue.
pub const SO_SELECT_ERR_QUEUE: i32 = 45;
/// Busy-poll time in us.
pub const SO_BUSY_POLL: i32 = 46;
/// Maximum pacing rate.
pub const SO_MAX_PACING_RATE: i32 = 47;
/// BPF extensions supported.
pub const SO_BPF_EXTENSIONS: i32 = 48;
/// CPU the packets arrive on.
pub const SO_INCOMING_CPU: i32 = 49;
/// Attach an eBPF filter.
pub const SO_ATTACH_BPF: i32 = 50;
/// Attach a reuseport classic BPF program.
pub const SO_ATTACH_REUSEPORT_CBPF: i32 = 51;
/// Attach a reuseport eBPF program.
pub const SO_ATTACH_REUSEPORT_EBPF: i32 = 52;
/// Connection advice.
pub const SO_CNX_ADVICE: i32 = 53;
/// Socket memory info.
pub const SO_MEMINFO: i32 = 55;
/// NAPI id of the incoming queue.
pub const SO_INCOMING_NAPI_ID: i32 = 56;
/// Socket cookie.
pub const SO_COOKIE: i32 = 57;
/// Supplementary groups of the peer.
pub const SO_PEERGROUPS: i32 = 59;
/// Zero-copy transmit.
pub const SO_ZEROCOPY: i32 = 60;
/// Transmit time.
pub const SO_TXTIME: i32 = 61;
/// Bind to a device by index.
pub const SO_BINDTOIFINDEX: i32 = 62;
/// `SO_TIMESTAMP` with 64-bit time.
pub const SO_TIMESTAMP_NEW: i32 = 63;
/// `SO_TIMESTAMPNS` with 64-bit time.
pub const SO_TIMESTAMPNS_NEW: i32 = 64;
/// `SO_TIMESTAMPING` with 64-bit time.
pub const SO_TIMESTAMPING_NEW: i32 = 65;
/// Receive timeout with 64-bit time.
pub const SO_RCVTIMEO_NEW: i32 = 66;
/// Send timeout with 64-bit time.
pub const SO_SNDTIMEO_NEW: i32 = 67;
/// Detach the reuseport BPF program.
pub const SO_DETACH_REUSEPORT_BPF: i32 = 68;
/// Prefer busy polling.
pub const SO_PREFER_BUSY_POLL: i32 = 69;
/// Busy-poll budget.
pub const SO_BUSY_POLL_BUDGET: i32 = 70;
/// Network namespace cookie.
pub const SO_NETNS_COOKIE: i32 = 71;
/// Buffer size locks.
pub const SO_BUF_LOCK: i32 = 72;
/// Reserved memory.
pub const SO_RESERVE_MEM: i32 = 73;
/// Transmit rehash.
pub const SO_TXREHASH: i32 = 74;
/// Receive `SO_MARK` as a cmsg.
pub const SO_RCVMARK: i32 = 75;
/// Receive `SCM_PIDFD`.
pub const SO_PASSPIDFD: i32 = 76;
/// Get a pidfd of the peer.
pub const SO_PEERPIDFD: i32 = 77;

/// Control message: file descriptors.
pub const SCM_RIGHTS: i32 = 1;
/// Control message: [`ucred`].
pub const SCM_CREDENTIALS: i32 = 2;
/// Control message: security context.
pub const SCM_SECURITY: i32 = 3;
/// Control message: a pidfd of the sender.
pub const SCM_PIDFD: i32 = 4;
/// Control message: receive timestamp (`timeval`).
pub const SCM_TIMESTAMP: i32 = SO_TIMESTAMP;
/// Control message: receive timestamp (`timespec`).
pub const SCM_TIMESTAMPNS: i32 = SO_TIMESTAMPNS;
/// Control message: timestamping data.
pub const SCM_TIMESTAMPING: i32 = SO_TIMESTAMPING;
/// Control message: transmit time.
pub const SCM_TXTIME: i32 = SO_TXTIME;
/// The most descriptors one `SCM_RIGHTS` message may carry.
pub const SCM_MAX_FD: usize = 253;

/// The default (and, from Linux 5.4, initial maximum) `listen` backlog.
pub const SOMAXCONN: i32 = 4096;

/// `shutdown(2)`: no more receptions.
pub const SHUT_RD: i32 = 0;
/// `shutdown(2)`: no more transmissions.
pub const SHUT_WR: i32 = 1;
/// `shutdown(2)`: neither.
pub const SHUT_RDWR: i32 = 2;

bitflags! {
    /// `send`/`recv` flags and `msg_flags` (`MSG_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct MsgFlags: u32 {
        /// Out-of-band data.
        const MSG_OOB = 0x1;
        /// Peek without consuming.
        const MSG_PEEK = 0x2;
        /// Bypass routing.
        const MSG_DONTROUTE = 0x4;
        /// Control data was truncated (`msg_flags`).
        const MSG_CTRUNC = 0x8;
        /// Probe path MTU (internal).
        const MSG_PROBE = 0x10;
        /// Data was truncated / return the real length.
        const MSG_TRUNC = 0x20;
        /// Non-blocking for this call.
        const MSG_DONTWAIT = 0x40;
        /// End of record.
        const MSG_EOR = 0x80;
        /// Wait for the full request.
        const MSG_WAITALL = 0x100;
        /// FIN (internal).
        const MSG_FIN = 0x200;
        /// SYN (internal).
        const MSG_SYN = 0x400;
        /// Confirm path validity.
        const MSG_CONFIRM = 0x800;
        /// RST (internal).
        const MSG_RST = 0x1000;
        /// Read from the error queue.
        const MSG_ERRQUEUE = 0x2000;
        /// Don't raise `SIGPIPE`.
        const MSG_NOSIGNAL = 0x4000;
        /// More data follows.
        const MSG_MORE = 0x8000;
        /// `recvmmsg`: block for the first message only.
        const MSG_WAITFORONE = 0x1_0000;
        /// `sendmmsg`: more messages follow.
        const MSG_BATCH = 0x4_0000;
        /// Zero-copy send.
        const MSG_ZEROCOPY = 0x400_0000;
        /// TCP Fast Open: send data in the SYN.
        const MSG_FASTOPEN = 0x2000_0000;
        /// `SCM_RIGHTS` descriptors get close-on-exec.
        const MSG_CMSG_CLOEXEC = 0x4000_0000;
    }
}

/// Dummy protocol for TCP.
pub const IPPROTO_IP: i32 = 0;
/// IPv6 hop-by-hop options.
pub const IPPROTO_HOPOPTS: i32 = 0;
/// ICMP.
pub const IPPROTO_ICMP: i32 = 1;
/// IGMP.
pub const IPPROTO_IGMP: i32 = 2;
/// IPIP tunnels.
pub const IPPROTO_IPIP: i32 = 4;
/// TCP.
pub const IPPROTO_TCP: i32 = 6;
/// EGP.
pub const IPPROTO_EGP: i32 = 8;
/// PUP.
pub const IPPROTO_PUP: i32 = 12;
/// UDP.
pub const IPPROTO_UDP: i32 = 17;
/// XNS IDP.
pub const IPPROTO_IDP: i32 = 22;
/// SO Transport Protocol Class 4.
pub const IPPROTO_TP: i32 = 29;
/// DCCP.
pub const IPPROTO_DCCP: i32 = 33;
/// IPv6-in-IPv4.
pub const IPPROTO_IPV6: i32 = 41;
/// IPv6 routing header.
pub const IPPROTO_ROUTING: i32 = 43;
/// IPv6 fragmentation header.
pub const IPPROTO_FRAGMENT: i32 = 44;
/// RSVP.
pub const IPPROTO_RSVP: i32 = 46;
/// GRE.
pub const IPPROTO_GRE: i32 = 47;
/// ESP.
pub const IPPROTO_ESP: i32 = 50;
/// AH.
pub const IPPROTO_AH: i32 = 51;
/// ICMPv6.
pub const IPPROTO_ICMPV6: i32 = 58;
/// IPv6 no next header.
pub const IPPROTO_NONE: i32 = 59;
/// IPv6 destination options.
pub const IPPROTO_DSTOPTS: i32 = 60;
/// Multicast transport.
pub const IPPROTO_MTP: i32 = 92;
/// IP option pseudo header for BEET.
pub const IPPROTO_BEETPH: i32 = 94;
/// Encapsulation header.
pub const IPPROTO_ENCAP: i32 = 98;
/// PIM.
pub const IPPROTO_PIM: i32 = 103;
/// Compression header.
pub const IPPROTO_COMP: i32 = 108;
/// L2TPv3.
pub const IPPROTO_L2TP: i32 = 115;
/// SCTP.
pub const IPPROTO_SCTP: i32 = 132;
/// UDP-Lite.
pub const IPPROTO_UDPLITE: i32 = 136;
/// MPLS in IP.
pub const IPPROTO_MPLS: i32 = 137;
/// Ethernet in IPv6.
pub const IPPROTO_ETHERNET: i32 = 143;
/// Raw IP packets.
pub const IPPROTO_RAW: i32 = 255;
/// Multipath TCP.
pub const IPPROTO_MPTCP: i32 = 262;

/// IPv4 option: type of service.
pub const IP_TOS: i32 = 1;
/// IPv4 option: time to live.
pub const IP_TTL: i32 = 2;
/// IPv4 option: the application supplies the IP header.
pub const IP_HDRINCL: i32 = 3;
/// IPv4 option: IP options.
pub const IP_OPTIONS: i32 = 4;
/// IPv4 option: router alert.
pub const IP_ROUTER_ALERT: i32 = 5;
/// IPv4 option: receive IP options.
pub const IP_RECVOPTS: i32 = 6;
/// IPv4 option: receive raw IP options.
pub const IP_RETOPTS: i32 = 7;
/// IPv4 option: receive [`in_pktinfo`].
pub const IP_PKTINFO: i32 = 8;
/// IPv4 option: packet options.
pub const IP_PKTOPTIONS: i32 = 9;
/// IPv4 option: path MTU discovery mode (`IP_PMTUDISC_*`).
pub const IP_MTU_DISCOVER: i32 = 10;
/// IPv4 option: extended error reporting.
pub const IP_RECVERR: i32 = 11;
/// IPv4 option: receive the TTL.
pub const IP_RECVTTL: i32 = 12;
/// IPv4 option: receive the TOS.
pub const IP_RECVTOS: i32 = 13;
/// IPv4 option: current path MTU.
pub const IP_MTU: i32 = 14;
/// IPv4 option: bind to non-local addresses.
pub const IP_FREEBIND: i32 = 15;
/// IPv4 option: IPsec policy.
pub const IP_IPSEC_POLICY: i32 = 16;
/// IPv4 option: XFRM policy.
pub const IP_XFRM_POLICY: i32 = 17;
/// IPv4 option: receive security context.
pub const IP_PASSSEC: i32 = 18;
/// IPv4 option: transparent proxying.
pub const IP_TRANSPARENT: i32 = 19;
/// IPv4 option: receive the original destination address.
pub const IP_RECVORIGDSTADDR: i32 = 20;
/// IPv4 option: minimum TTL.
pub const IP_MINTTL: i32 = 21;
/// IPv4 option: don't fragment (raw sockets).
pub const IP_NODEFRAG: i32 = 22;
/// IPv4 option: checksum offset (raw sockets).
pub const IP_CHECKSUM: i32 = 23;
/// IPv4 option: defer port allocation to connect.
pub const IP_BIND_ADDRESS_NO_PORT: i32 = 24;
/// IPv4 option: receive the fragment size.
pub const IP_RECVFRAGSIZE: i32 = 25;
/// IPv4 option: RFC 4884 extended ICMP errors.
pub const IP_RECVERR_RFC4884: i32 = 26;
/// IPv4 option: multicast interface.
pub const IP_MULTICAST_IF: i32 = 32;
/// IPv4 option: multicast TTL.
pub const IP_MULTICAST_TTL: i32 = 33;
/// IPv4 option: multicast loopback.
pub const IP_MULTICAST_LOOP: i32 = 34;
/// IPv4 option: join a group ([`ip_mreq`]/[`ip_mreqn`]).
pub const IP_ADD_MEMBERSHIP: i32 = 35;
/// IPv4 option: leave a group.
pub const IP_DROP_MEMBERSHIP: i32 = 36;
/// IPv4 option: unblock a source.
pub const IP_UNBLOCK_SOURCE: i32 = 37;
/// IPv4 option: block a source.
pub const IP_BLOCK_SOURCE: i32 = 38;
/// IPv4 option: join a source-specific group.
pub const IP_ADD_SOURCE_MEMBERSHIP: i32 = 39;
/// IPv4 option: leave a source-specific group.
pub const IP_DROP_SOURCE_MEMBERSHIP: i32 = 40;
/// IPv4 option: multicast source filter.
pub const IP_MSFILTER: i32 = 41;
/// IPv4 option: receive all multicast.
pub const IP_MULTICAST_ALL: i32 = 49;
/// IPv4 option: unicast interface.
pub const IP_UNICAST_IF: i32 = 50;
/// `IP_MTU_DISCOVER`: never send DF.
pub const IP_PMTUDISC_DONT: i32 = 0;
/// `IP_MTU_DISCOVER`: use per-route hints.
pub const IP_PMTUDISC_WANT: i32 = 1;
/// `IP_MTU_DISCOVER`: always DF.
pub const IP_PMTUDISC_DO: i32 = 2;
/// `IP_MTU_DISCOVER`: ignore the path MTU.
pub const IP_PMTUDISC_PROBE: i32 = 3;
/// `IP_MTU_DISCOVER`: use the interface MTU.
pub const IP_PMTUDISC_INTERFACE: i32 = 4;
/// `IP_MTU_DISCOVER`: like INTERFACE but allow fragmentation.
pub const IP_PMTUDISC_OMIT: i32 = 5;

/// IPv6 option: convert to IPv4.
pub const IPV6_ADDRFORM: i32 = 1;
/// IPv6 option: RFC 2292 packet info.
pub const IPV6_2292PKTINFO: i32 = 2;
/// IPv6 option: RFC 2292 hop-by-hop options.
pub const IPV6_2292HOPOPTS: i32 = 3;
/// IPv6 option: RFC 2292 destination options.
pub const IPV6_2292DSTOPTS: i32 = 4;
/// IPv6 option: RFC 2292 routing header.
pub const IPV6_2292RTHDR: i32 = 5;
/// IPv6 option: RFC 2292 packet options.
pub const IPV6_2292PKTOPTIONS: i32 = 6;
/// IPv6 option: checksum offset.
pub const IPV6_CHECKSUM: i32 = 7;
/// IPv6 option: RFC 2292 hop limit.
pub const IPV6_2292HOPLIMIT: i32 = 8;
/// IPv6 option: next hop.
pub const IPV6_NEXTHOP: i32 = 9;
/// IPv6 option: authentication header.
pub const IPV6_AUTHHDR: i32 = 10;
/// IPv6 option: flow info.
pub const IPV6_FLOWINFO: i32 = 11;
/// IPv6 option: unicast hop limit.
pub const IPV6_UNICAST_HOPS: i32 = 16;
/// IPv6 option: multicast interface.
pub const IPV6_MULTICAST_IF: i32 = 17;
/// IPv6 option: multicast hop limit.
pub const IPV6_MULTICAST_HOPS: i32 = 18;
/// IPv6 option: multicast loopback.
pub const IPV6_MULTICAST_LOOP: i32 = 19;
/// IPv6 option: join a group ([`ipv6_mreq`]).
pub const IPV6_ADD_MEMBERSHIP: i32 = 20;
/// IPv6 option: leave a group.
pub const IPV6_DROP_MEMBERSHIP: i32 = 21;
/// IPv6 option: router alert.
pub const IPV6_ROUTER_ALERT: i32 = 22;
/// IPv6 option: path MTU discovery mode.
pub const IPV6_MTU_DISCOVER: i32 = 23;
/// IPv6 option: current path MTU.
pub const IPV6_MTU: i32 = 24;
/// IPv6 option: extended error reporting.
pub const IPV6_RECVERR: i32 = 25;
/// IPv6 option: IPv6 only (no v4-mapped).
pub const IPV6_V6ONLY: i32 = 26;
/// IPv6 option: join an anycast group.
pub const IPV6_JOIN_ANYCAST: i32 = 27;
/// IPv6 option: leave an anycast group.
pub const IPV6_LEAVE_ANYCAST: i32 = 28;
/// IPv6 option: receive all multicast.
pub const IPV6_MULTICAST_ALL: i32 = 29;
/// IPv6 option: router alert isolation.
pub const IPV6_ROUTER_ALERT_ISOLATE: i32 = 30;
/// IPv6 option: RFC 4884 extended ICMP errors.
pub const IPV6_RECVERR_RFC4884: i32 = 31;
/// IPv6 option: IPsec policy.
pub const IPV6_IPSEC_POLICY: i32 = 34;
/// IPv6 option: XFRM policy.
pub const IPV6_XFRM_POLICY: i32 = 35;
/// IPv6 option: the application supplies the header.
pub const IPV6_HDRINCL: i32 = 36;
/// IPv6 option: receive [`in6_pktinfo`].
pub const IPV6_RECVPKTINFO: i32 = 49;
/// IPv6 option / cmsg: packet info.
pub const IPV6_PKTINFO: i32 = 50;
/// IPv6 option: receive the hop limit.
pub const IPV6_RECVHOPLIMIT: i32 = 51;
/// IPv6 cmsg: hop limit.
pub const IPV6_HOPLIMIT: i32 = 52;
/// IPv6 option: receive hop-by-hop options.
pub const IPV6_RECVHOPOPTS: i32 = 53;
/// IPv6 cmsg: hop-by-hop options.
pub const IPV6_HOPOPTS: i32 = 54;
/// IPv6 cmsg: destination options before the routing header.
pub const IPV6_RTHDRDSTOPTS: i32 = 55;
/// IPv6 option: receive the routing header.
pub const IPV6_RECVRTHDR: i32 = 56;
/// IPv6 cmsg: routing header.
pub const IPV6_RTHDR: i32 = 57;
/// IPv6 option: receive destination options.
pub const IPV6_RECVDSTOPTS: i32 = 58;
/// IPv6 cmsg: destination options.
pub const IPV6_DSTOPTS: i32 = 59;
/// IPv6 option: receive path MTU.
pub const IPV6_RECVPATHMTU: i32 = 60;
/// IPv6 cmsg: path MTU.
pub const IPV6_PATHMTU: i32 = 61;
/// IPv6 option: don't fragment.
pub const IPV6_DONTFRAG: i32 = 62;
/// IPv6 option: receive the traffic class.
pub const IPV6_RECVTCLASS: i32 = 66;
/// IPv6 option / cmsg: traffic class.
pub const IPV6_TCLASS: i32 = 67;
/// IPv6 option: automatic flow labels.
pub const IPV6_AUTOFLOWLABEL: i32 = 70;
/// IPv6 option: source address preferences.
pub const IPV6_ADDR_PREFERENCES: i32 = 72;
/// IPv6 option: minimum hop count.
pub const IPV6_MINHOPCOUNT: i32 = 73;
/// IPv6 option: receive the original destination address.
pub const IPV6_RECVORIGDSTADDR: i32 = 74;
/// IPv6 option: transparent proxying.
pub const IPV6_TRANSPARENT: i32 = 75;
/// IPv6 option: unicast interface.
pub const IPV6_UNICAST_IF: i32 = 76;
/// IPv6 option: receive the fragment size.
pub const IPV6_RECVFRAGSIZE: i32 = 77;
/// IPv6 option: bind to non-local addresses.
pub const IPV6_FREEBIND: i32 = 78;

/// TCP option: disable Nagle.
pub const TCP_NODELAY: i32 = 1;
/// TCP option: maximum segment size.
pub const TCP_MAXSEG: i32 = 2;
/// TCP option: don't send partial frames.
pub const TCP_CORK: i32 = 3;
/// TCP option: idle time before keep-alives.
pub const TCP_KEEPIDLE: i32 = 4;
/// TCP option: interval between keep-alives.
pub const TCP_KEEPINTVL: i32 = 5;
/// TCP option: keep-alives before dropping.
pub const TCP_KEEPCNT: i32 = 6;
/// TCP option: SYN retransmits.
pub const TCP_SYNCNT: i32 = 7;
/// TCP option: FIN-WAIT-2 lifetime.
pub const TCP_LINGER2: i32 = 8;
/// TCP option: wake the listener only when data arrives.
pub const TCP_DEFER_ACCEPT: i32 = 9;
/// TCP option: bound the advertised window.
pub const TCP_WINDOW_CLAMP: i32 = 10;
/// TCP option: get [`tcp_info`].
pub const TCP_INFO: i32 = 11;
/// TCP option: quick-ack mode.
pub const TCP_QUICKACK: i32 = 12;
/// TCP option: congestion-control algorithm.
pub const TCP_CONGESTION: i32 = 13;
/// TCP option: MD5 signatures.
pub const TCP_MD5SIG: i32 = 14;
/// TCP option: linear timeouts for thin streams.
pub const TCP_THIN_LINEAR_TIMEOUTS: i32 = 16;
/// TCP option: fast retransmit for thin streams.
pub const TCP_THIN_DUPACK: i32 = 17;
/// TCP option: user timeout in ms.
pub const TCP_USER_TIMEOUT: i32 = 18;
/// TCP option: repair mode.
pub const TCP_REPAIR: i32 = 19;
/// TCP option: repair queue.
pub const TCP_REPAIR_QUEUE: i32 = 20;
/// TCP option: queue sequence number.
pub const TCP_QUEUE_SEQ: i32 = 21;
/// TCP option: repair options.
pub const TCP_REPAIR_OPTIONS: i32 = 22;
/// TCP option: Fast Open on a listener.
pub const TCP_FASTOPEN: i32 = 23;
/// TCP option: timestamp offset.
pub const TCP_TIMESTAMP: i32 = 24;
/// TCP option: unsent-bytes low-water mark.
pub const TCP_NOTSENT_LOWAT: i32 = 25;
/// TCP option: congestion-control info.
pub const TCP_CC_INFO: i32 = 26;
/// TCP option: save the SYN.
pub const TCP_SAVE_SYN: i32 = 27;
/// TCP option: get the saved SYN.
pub const TCP_SAVED_SYN: i32 = 28;
/// TCP option: repair window.
pub const TCP_REPAIR_WINDOW: i32 = 29;
/// TCP option: Fast Open on connect.
pub const TCP_FASTOPEN_CONNECT: i32 = 30;
/// TCP option: upper-layer protocol.
pub const TCP_ULP: i32 = 31;
/// TCP option: extended MD5 signatures.
pub const TCP_MD5SIG_EXT: i32 = 32;
/// TCP option: Fast Open key.
pub const TCP_FASTOPEN_KEY: i32 = 33;
/// TCP option: Fast Open without cookie.
pub const TCP_FASTOPEN_NO_COOKIE: i32 = 34;
/// TCP option: zero-copy receive.
pub const TCP_ZEROCOPY_RECEIVE: i32 = 35;
/// TCP option: report bytes in the receive queue (`TCP_CM_INQ` cmsg).
pub const TCP_INQ: i32 = 36;
/// TCP option: transmit delay.
pub const TCP_TX_DELAY: i32 = 37;

/// UDP option: cork.
pub const UDP_CORK: i32 = 1;
/// UDP option: encapsulation.
pub const UDP_ENCAP: i32 = 100;
/// UDP option: no IPv6 checksum on transmit.
pub const UDP_NO_CHECK6_TX: i32 = 101;
/// UDP option: accept zero IPv6 checksums.
pub const UDP_NO_CHECK6_RX: i32 = 102;
/// UDP option: GSO segment size.
pub const UDP_SEGMENT: i32 = 103;
/// UDP option: GRO.
pub const UDP_GRO: i32 = 104;

/// `tcpi_state`: connection established.
pub const TCP_ESTABLISHED: u8 = 1;
/// `tcpi_state`: SYN sent.
pub const TCP_SYN_SENT: u8 = 2;
/// `tcpi_state`: SYN received.
pub const TCP_SYN_RECV: u8 = 3;
/// `tcpi_state`: FIN-WAIT-1.
pub const TCP_FIN_WAIT1: u8 = 4;
/// `tcpi_state`: FIN-WAIT-2.
pub const TCP_FIN_WAIT2: u8 = 5;
/// `tcpi_state`: TIME-WAIT.
pub const TCP_TIME_WAIT: u8 = 6;
/// `tcpi_state`: closed.
pub const TCP_CLOSE: u8 = 7;
/// `tcpi_state`: CLOSE-WAIT.
pub const TCP_CLOSE_WAIT: u8 = 8;
/// `tcpi_state`: LAST-ACK.
pub const TCP_LAST_ACK: u8 = 9;
/// `tcpi_state`: listening.
pub const TCP_LISTEN: u8 = 10;
/// `tcpi_state`: closing.
pub const TCP_CLOSING: u8 = 11;
/// `tcpi_options`: timestamps negotiated.
pub const TCPI_OPT_TIMESTAMPS: u8 = 1;
/// `tcpi_options`: SACK negotiated.
pub const TCPI_OPT_SACK: u8 = 2;
/// `tcpi_options`: window scaling negotiated.
pub const TCPI_OPT_WSCALE: u8 = 4;
/// `tcpi_options`: ECN negotiated.
pub const TCPI_OPT_ECN: u8 = 8;
/// `tcpi_options`: ECN seen.
pub const TCPI_OPT_ECN_SEEN: u8 = 16;
/// `tcpi_options`: SYN carried data.
pub const TCPI_OPT_SYN_DATA: u8 = 32;

/// Set the socket's `SIGIO`/`SIGURG` owner (like `F_SETOWN`).
pub const FIOSETOWN: u32 = 0x8901;
/// Set the process group that receives `SIGIO`/`SIGURG`.
pub const SIOCSPGRP: u32 = 0x8902;
/// Get the owner (like `F_GETOWN`).
pub const FIOGETOWN: u32 = 0x8903;
/// Get the process group.
pub const SIOCGPGRP: u32 = 0x8904;
/// At the out-of-band mark?
pub const SIOCATMARK: u32 = 0x8905;
/// Timestamp of the last packet (`timeval`).
pub const SIOCGSTAMP: u32 = 0x8906;
/// Timestamp of the last packet (`timespec`).
pub const SIOCGSTAMPNS: u32 = 0x8907;
/// Interface name from index ([`ifreq`]).
pub const SIOCGIFNAME: u32 = 0x8910;
/// Interface list ([`ifconf`]).
pub const SIOCGIFCONF: u32 = 0x8912;
/// Get interface flags.
pub const SIOCGIFFLAGS: u32 = 0x8913;
/// Set interface flags.
pub const SIOCSIFFLAGS: u32 = 0x8914;
/// Get interface address.
pub const SIOCGIFADDR: u32 = 0x8915;
/// Set interface address.
pub const SIOCSIFADDR: u32 = 0x8916;
/// Get point-to-point destination address.
pub const SIOCGIFDSTADDR: u32 = 0x8917;
/// Get broadcast address.
pub const SIOCGIFBRDADDR: u32 = 0x8919;
/// Get netmask.
pub const SIOCGIFNETMASK: u32 = 0x891b;
/// Get metric.
pub const SIOCGIFMETRIC: u32 = 0x891d;
/// Get MTU.
pub const SIOCGIFMTU: u32 = 0x8921;
/// Set MTU.
pub const SIOCSIFMTU: u32 = 0x8922;
/// Get hardware address.
pub const SIOCGIFHWADDR: u32 = 0x8927;
/// Interface index from name.
pub const SIOCGIFINDEX: u32 = 0x8933;
/// Get transmit queue length.
pub const SIOCGIFTXQLEN: u32 = 0x8942;
/// Bytes in the receive queue (= `FIONREAD`).
pub const SIOCINQ: u32 = 0x541b;
/// Bytes in the send queue (= `TIOCOUTQ`).
pub const SIOCOUTQ: u32 = 0x5411;

/// A generic socket address (16 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sockaddr {
    /// `AF_*`.
    pub sa_family: sa_family_t,
    /// Family-specific address bytes.
    pub sa_data: [u8; 14],
}

/// An IPv4 address in network byte order.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct in_addr {
    /// The address; its in-memory bytes are the dotted-quad octets in order.
    pub s_addr: u32,
}

impl in_addr {
    /// `INADDR_ANY` (0.0.0.0).
    pub const INADDR_ANY: Self = Self { s_addr: 0 };
    /// `INADDR_LOOPBACK` (127.0.0.1).
    pub const INADDR_LOOPBACK: Self = Self::from_octets([127, 0, 0, 1]);
    /// `INADDR_BROADCAST` (255.255.255.255).
    pub const INADDR_BROADCAST: Self = Self { s_addr: u32::MAX };

    /// The address `a.b.c.d`.
    pub const fn from_octets(o: [u8; 4]) -> Self {
        Self {
            s_addr: u32::from_ne_bytes(o),
        }
    }

    /// The four octets in order.
    pub const fn octets(self) -> [u8; 4] {
        self.s_addr.to_ne_bytes()
    }
}

/// An IPv4 socket address (16 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sockaddr_in {
    /// `AF_INET`.
    pub sin_family: sa_family_t,
    /// Port in network byte order.
    pub sin_port: u16,
    /// Address.
    pub sin_addr: in_addr,
    /// Padding to the size of `sockaddr`.
    pub sin_zero: [u8; 8],
}

impl sockaddr_in {
    /// An `AF_INET` address for `addr:port` (`port` in host order).
    pub const fn new(addr: in_addr, port: u16) -> Self {
        Self {
            sin_family: AF_INET as u16,
            sin_port: port.to_be(),
            sin_addr: addr,
            sin_zero: [0; 8],
        }
    }

    /// The port in host byte order.
    pub const fn port(&self) -> u16 {
        u16::from_be(self.sin_port)
    }
}

/// An IPv6 address (16 bytes, 4-byte aligned as the kernel's union is).
#[repr(C, align(4))]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct in6_addr {
    /// The address bytes in network order.
    pub s6_addr: [u8; 16],
}

impl in6_addr {
    /// `in6addr_any` (::).
    pub const ANY: Self = Self { s6_addr: [0; 16] };
    /// `in6addr_loopback` (::1).
    pub const LOOPBACK: Self = Self {
        s6_addr: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
    };
}

/// An IPv6 socket address (28 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sockaddr_in6 {
    /// `AF_INET6`.
    pub sin6_family: sa_family_t,
    /// Port in network byte order.
    pub sin6_port: u16,
    /// Flow information in network byte order.
    pub sin6_flowinfo: u32,
    /// Address.
    pub sin6_addr: in6_addr,
    /// Scope (interface) id for link-local addresses.
    pub sin6_scope_id: u32,
}

impl sockaddr_in6 {
    /// An `AF_INET6` address for `[addr]:port` (`port` in host order).
    pub const fn new(addr: in6_addr, port: u16) -> Self {
        Self {
            sin6_family: AF_INET6 as u16,
            sin6_port: port.to_be(),
            sin6_flowinfo: 0,
            sin6_addr: addr,
            sin6_scope_id: 0,
        }
    }

    /// The port in host byte order.
    pub const fn port(&self) -> u16 {
        u16::from_be(self.sin6_port)
    }
}

/// Size of `sockaddr_un.sun_path`.
pub const UNIX_PATH_MAX: usize = 108;

/// A Unix-domain socket address (110 bytes).
#[repr(C)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct sockaddr_un {
    /// `AF_UNIX`.
    pub sun_family: sa_family_t,
    /// A path (NUL-terminated unless it fills the array) or, if it starts
    /// with NUL, an abstract name whose length comes from `addrlen`.
    pub sun_path: [u8; UNIX_PATH_MAX],
}

impl Default for sockaddr_un {
    fn default() -> Self {
        Self {
            sun_family: AF_UNIX as u16,
            sun_path: [0; UNIX_PATH_MAX],
        }
    }
}

/// What a Unix-domain socket address names, decoded as Linux's
/// `unix_mkname`/`unix_validate_addr` do.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnixAddr<'a> {
    /// Only the family was given: an unnamed socket (`bind` autobinds).
    Unnamed,
    /// An abstract name (the bytes after the leading NUL; may contain NULs).
    Abstract(&'a [u8]),
    /// A filesystem path, without its terminating NUL.
    Pathname(&'a [u8]),
}

/// Decodes the first `addr.len()` bytes of a `sockaddr_un` as passed to
/// `bind`/`connect`/`sendto`. `None` (Linux: `EINVAL`) if the length is
/// shorter than the family, longer than `sockaddr_un`, or the family is
/// not `AF_UNIX`.
pub fn parse_sockaddr_un(addr: &[u8]) -> Option<UnixAddr<'_>> {
    const FAMILY: usize = core::mem::size_of::<sa_family_t>();
    if addr.len() < FAMILY || addr.len() > core::mem::size_of::<sockaddr_un>() {
        return None;
    }
    let (family, path) = addr.split_at(FAMILY);
    if u16::from_ne_bytes([family[0], family[1]]) != AF_UNIX as u16 {
        return None;
    }
    match path.split_first() {
        None => Some(UnixAddr::Unnamed),
        Some((0, name)) => Some(UnixAddr::Abstract(name)),
        Some(_) => {
            let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
            Some(UnixAddr::Pathname(path.get(..end).unwrap_or(path)))
        }
    }
}

/// Storage large enough for any socket address (128 bytes, 8-aligned;
/// the kernel's `__kernel_sockaddr_storage`).
#[repr(C, align(8))]
#[derive(Clone, Copy, Debug, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout)]
pub struct sockaddr_storage {
    /// `AF_*`.
    pub ss_family: sa_family_t,
    /// The rest of the address.
    pub __data: [u8; 126],
}

impl Default for sockaddr_storage {
    fn default() -> Self {
        Self {
            ss_family: 0,
            __data: [0; 126],
        }
    }
}

/// A netlink socket address (12 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sockaddr_nl {
    /// `AF_NETLINK`.
    pub nl_family: sa_family_t,
    /// Zero.
    pub nl_pad: u16,
    /// Port id (0: the kernel).
    pub nl_pid: u32,
    /// Multicast group mask.
    pub nl_groups: u32,
}

/// A link-layer (packet socket) address (20 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sockaddr_ll {
    /// `AF_PACKET`.
    pub sll_family: u16,
    /// Ethernet protocol in network byte order.
    pub sll_protocol: u16,
    /// Interface index.
    pub sll_ifindex: i32,
    /// ARP hardware type.
    pub sll_hatype: u16,
    /// Packet type (`PACKET_HOST`...).
    pub sll_pkttype: u8,
    /// Length of the address.
    pub sll_halen: u8,
    /// Physical-layer address.
    pub sll_addr: [u8; 8],
}

/// The message header of `sendmsg`/`recvmsg` (the kernel's `user_msghdr`, 56 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct msghdr {
    /// User address of the socket address, or 0.
    pub msg_name: u64,
    /// Length of the socket address.
    pub msg_namelen: u32,
    /// Explicit padding.
    pub _pad1: u32,
    /// User address of the `iovec` array.
    pub msg_iov: u64,
    /// Number of `iovec`s.
    pub msg_iovlen: u64,
    /// User address of the control (ancillary) buffer.
    pub msg_control: u64,
    /// Length of the control buffer.
    pub msg_controllen: u64,
    /// [`MsgFlags`] on return from `recvmsg`.
    pub msg_flags: u32,
    /// Explicit padding.
    pub _pad2: u32,
}

/// One message of `sendmmsg`/`recvmmsg` (64 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct mmsghdr {
    /// The message.
    pub msg_hdr: msghdr,
    /// Bytes transferred.
    pub msg_len: u32,
    /// Explicit padding.
    pub _pad: u32,
}

/// A control-message header (16 bytes); the data follows at
/// `CMSG_ALIGN(size_of::<cmsghdr>())`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct cmsghdr {
    /// Header plus data length (`CMSG_LEN`).
    pub cmsg_len: u64,
    /// Originating protocol (`SOL_SOCKET`...).
    pub cmsg_level: i32,
    /// Protocol-specific type (`SCM_RIGHTS`...).
    pub cmsg_type: i32,
}

/// Rounds `len` up to the control-message alignment (8 on x86-64).
/// Saturates instead of wrapping, so a hostile length stays too large.
#[allow(non_snake_case)]
pub const fn CMSG_ALIGN(len: usize) -> usize {
    len.saturating_add(7) & !7
}

/// Bytes a control message with `len` data bytes occupies, padding included.
#[allow(non_snake_case)]
pub const fn CMSG_SPACE(len: usize) -> usize {
    CMSG_ALIGN(len).saturating_add(CMSG_ALIGN(core::mem::size_of::<cmsghdr>()))
}

/// The `cmsg_len` of a control message with `len` data bytes.
#[allow(non_snake_case)]
pub const fn CMSG_LEN(len: usize) -> usize {
    CMSG_ALIGN(core::mem::size_of::<cmsghdr>()).saturating_add(len)
}

/// One control message of a `sendmsg` control buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Cmsg<'a> {
    /// Originating protocol (`SOL_SOCKET`...).
    pub cmsg_level: i32,
    /// Protocol-specific type (`SCM_RIGHTS`...).
    pub cmsg_type: i32,
    /// The data: `cmsg_len - CMSG_LEN(0)` bytes.
    pub data: &'a [u8],
}

/// Walks a control buffer copied from `msg_control` as Linux's `__scm_send`
/// does (`for_each_cmsghdr` + `CMSG_OK`): a header that does not fit ends
/// the walk; a `cmsg_len` shorter than the header or longer than what is
/// left yields `EINVAL` and ends it.
#[derive(Clone, Debug)]
pub struct CmsgIter<'a> {
    buf: &'a [u8],
    off: usize,
    done: bool,
}

impl<'a> CmsgIter<'a> {
    /// Iterates over the messages in `buf` (`msg_controllen` bytes).
    pub fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            off: 0,
            done: false,
        }
    }
}

impl<'a> Iterator for CmsgIter<'a> {
    type Item = Result<Cmsg<'a>, Errno>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let rest = self.buf.get(self.off..).unwrap_or(&[]);
        let Ok((hdr, _)) = cmsghdr::read_from_prefix(rest) else {
            self.done = true;
            return None;
        };
        let hlen = CMSG_LEN(0);
        let len = usize::try_from(hdr.cmsg_len).unwrap_or(usize::MAX);
        match rest.get(hlen..len) {
            Some(data) if len >= hlen => {
                self.off = self.off.saturating_add(CMSG_ALIGN(len));
                Some(Ok(Cmsg {
                    cmsg_level: hdr.cmsg_level,
                    cmsg_type: hdr.cmsg_type,
                    data,
                }))
            }
            _ => {
                self.done = true;
                Some(Err(Errno::EINVAL))
            }
        }
    }
}

/// Writes one control message into `buf` (what is left of `msg_control`)
/// as Linux's `put_cmsg` does. Returns the bytes consumed (`CMSG_SPACE`,
/// capped at `buf.len()`) and whether the message was truncated, in which
/// case the caller sets `MSG_CTRUNC`. Nothing is written if not even the
/// header fits (consumed 0, truncated). For `SCM_RIGHTS` Linux instead
/// passes only as many whole descriptors as fit (`scm_detach_fds`), so the
/// caller should shorten `data` to whole `i32`s first.
pub fn put_cmsg(buf: &mut [u8], cmsg_level: i32, cmsg_type: i32, data: &[u8]) -> (usize, bool) {
    let hlen = CMSG_LEN(0);
    if buf.len() < hlen {
        return (0, true);
    }
    let want = CMSG_LEN(data.len());
    let cmlen = want.min(buf.len());
    let hdr = cmsghdr {
        cmsg_len: cmlen as u64,
        cmsg_level,
        cmsg_type,
    };
    let (head, tail) = buf.split_at_mut(hlen);
    head.copy_from_slice(hdr.as_bytes());
    let n = cmlen - hlen;
    for (d, s) in tail.iter_mut().zip(data.iter().take(n)) {
        *d = *s;
    }
    (CMSG_SPACE(data.len()).min(buf.len()), want > cmlen)
}

/// `SO_LINGER` value.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct linger {
    /// Whether lingering is on.
    pub l_onoff: i32,
    /// Linger time in seconds.
    pub l_linger: i32,
}

/// Process credentials (`SO_PEERCRED`, `SCM_CREDENTIALS`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ucred {
    /// Process id.
    pub pid: i32,
    /// User id.
    pub uid: u32,
    /// Group id.
    pub gid: u32,
}

/// `IP_ADD_MEMBERSHIP` argument (old form).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ip_mreq {
    /// Group address.
    pub imr_multiaddr: in_addr,
    /// Local interface address.
    pub imr_interface: in_addr,
}

/// `IP_ADD_MEMBERSHIP` argument with an interface index.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ip_mreqn {
    /// Group address.
    pub imr_multiaddr: in_addr,
    /// Local interface address.
    pub imr_address: in_addr,
    /// Interface index.
    pub imr_ifindex: i32,
}

/// `IP_PKTINFO` control message.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct in_pktinfo {
    /// Interface index.
    pub ipi_ifindex: i32,
    /// Local address (routing).
    pub ipi_spec_dst: in_addr,
    /// Header destination address.
    pub ipi_addr: in_addr,
}

/// `IPV6_PKTINFO` control message.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct in6_pktinfo {
    /// Source or destination address.
    pub ipi6_addr: in6_addr,
    /// Interface index.
    pub ipi6_ifindex: i32,
}

/// `IPV6_ADD_MEMBERSHIP` argument.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ipv6_mreq {
    /// Group address.
    pub ipv6mr_multiaddr: in6_addr,
    /// Interface index (glibc: `ipv6mr_interface`).
    pub ipv6mr_ifindex: i32,
}

/// Length of an interface name including its NUL.
pub const IFNAMSIZ: usize = 16;

/// Interface request of the `SIOC*IF*` ioctls (40 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ifreq {
    /// Interface name, NUL-terminated.
    pub ifr_name: [u8; IFNAMSIZ],
    /// The union `ifr_ifru` (a `sockaddr`, flags, index, MTU, ...) as raw
    /// bytes; its 8-byte alignment comes from `struct ifmap`.
    pub ifr_ifru: [u64; 3],
}

/// `SIOCGIFCONF` argument (16 bytes).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct ifconf {
    /// Length of the buffer.
    pub ifc_len: i32,
    /// Explicit padding.
    pub _pad: u32,
    /// User address of an array of [`ifreq`].
    pub ifc_req: u64,
}

/// `TCP_INFO` result as of Linux 6.18 (280 bytes). Each release may append
/// fields; `getsockopt` copies `min(optlen, size)` bytes, so programs built
/// against older headers read a prefix.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
#[allow(missing_docs)]
pub struct tcp_info {
    /// `TCP_*` state.
    pub tcpi_state: u8,
    pub tcpi_ca_state: u8,
    pub tcpi_retransmits: u8,
    pub tcpi_probes: u8,
    pub tcpi_backoff: u8,
    /// `TCPI_OPT_*`.
    pub tcpi_options: u8,
    /// Bit-fields `tcpi_snd_wscale:4, tcpi_rcv_wscale:4` (send scale in the low nibble).
    pub tcpi_snd_rcv_wscale: u8,
    /// Bit-fields `tcpi_delivery_rate_app_limited:1, tcpi_fastopen_client_fail:2`.
    pub tcpi_delivery_rate_app_limited_fastopen_client_fail: u8,
    pub tcpi_rto: u32,
    pub tcpi_ato: u32,
    pub tcpi_snd_mss: u32,
    pub tcpi_rcv_mss: u32,
    pub tcpi_unacked: u32,
    pub tcpi_sacked: u32,
    pub tcpi_lost: u32,
    pub tcpi_retrans: u32,
    pub tcpi_fackets: u32,
    pub tcpi_last_data_sent: u32,
    pub tcpi_last_ack_sent: u32,
    pub tcpi_last_data_recv: u32,
    pub tcpi_last_ack_recv: u32,
    pub tcpi_pmtu: u32,
    pub tcpi_rcv_ssthresh: u32,
    pub tcpi_rtt: u32,
    pub tcpi_rttvar: u32,
    pub tcpi_snd_ssthresh: u32,
    pub tcpi_snd_cwnd: u32,
    pub tcpi_advmss: u32,
    pub tcpi_reordering: u32,
    pub tcpi_rcv_rtt: u32,
    pub tcpi_rcv_space: u32,
    pub tcpi_total_retrans: u32,
    pub tcpi_pacing_rate: u64,
    pub tcpi_max_pacing_rate: u64,
    pub tcpi_bytes_acked: u64,
    pub tcpi_bytes_received: u64,
    pub tcpi_segs_out: u32,
    pub tcpi_segs_in: u32,
    pub tcpi_notsent_bytes: u32,
    pub tcpi_min_rtt: u32,
    pub tcpi_data_segs_in: u32,
    pub tcpi_data_segs_out: u32,
    pub tcpi_delivery_rate: u64,
    pub tcpi_busy_time: u64,
    pub tcpi_rwnd_limited: u64,
    pub tcpi_sndbuf_limited: u64,
    pub tcpi_delivered: u32,
    pub tcpi_delivered_ce: u32,
    pub tcpi_bytes_sent: u64,
    pub tcpi_bytes_retrans: u64,
    pub tcpi_dsack_dups: u32,
    pub tcpi_reord_seen: u32,
    pub tcpi_rcv_ooopack: u32,
    pub tcpi_snd_wnd: u32,
    pub tcpi_rcv_wnd: u32,
    pub tcpi_rehash: u32,
    pub tcpi_total_rto: u16,
    pub tcpi_total_rto_recoveries: u16,
    pub tcpi_total_rto_time: u32,
    pub tcpi_received_ce: u32,
    pub tcpi_delivered_e1_bytes: u32,
    pub tcpi_delivered_e0_bytes: u32,
    pub tcpi_delivered_ce_bytes: u32,
    pub tcpi_received_e1_bytes: u32,
    pub tcpi_received_e0_bytes: u32,
    pub tcpi_received_ce_bytes: u32,
    pub tcpi_accecn_fail_mode: u16,
    pub tcpi_accecn_opt_seen: u16,
}

impl tcp_info {
    /// Sets the send and receive window-scale nibbles.
    pub fn set_wscale(&mut self, snd: u8, rcv: u8) {
        self.tcpi_snd_rcv_wscale = (snd & 0xf) | ((rcv & 0xf) << 4);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn int_consts_match_libc() {
        let pairs = [
            (AF_UNSPEC, libc::AF_UNSPEC as i64),
            (AF_UNIX, libc::AF_UNIX as i64),
            (AF_LOCAL, libc::AF_LOCAL as i64),
            (AF_INET, libc::AF_INET as i64),
            (AF_AX25, libc::AF_AX25 as i64),
            (AF_IPX, libc::AF_IPX as i64),
            (AF_APPLETALK, libc::AF_APPLETALK as i64),
            (AF_NETROM, libc::AF_NETROM as i64),
            (AF_BRIDGE, libc::AF_BRIDGE as i64),
            (AF_ATMPVC, libc::AF_ATMPVC as i64),
            (AF_X25, libc::AF_X25 as i64),
            (AF_INET6, libc::AF_INET6 as i64),
            (AF_ROSE, libc::AF_ROSE as i64),
            (AF_DECnet, libc::AF_DECnet as i64),
            (AF_NETBEUI, libc::AF_NETBEUI as i64),
            (AF_SECURITY, libc::AF_SECURITY as i64),
            (AF_KEY, libc::AF_KEY as i64),
            (AF_NETLINK, libc::AF_NETLINK as i64),
            (AF_ROUTE, libc::AF_ROUTE as i64),
            (AF_PACKET, libc::AF_PACKET as i64),
            (AF_ASH, libc::AF_ASH as i64),
            (AF_ECONET, libc::AF_ECONET as i64),
            (AF_ATMSVC, libc::AF_ATMSVC as i64),
            (AF_RDS, libc::AF_RDS as i64),
            (AF_SNA, libc::AF_SNA as i64),
            (AF_IRDA, libc::AF_IRDA as i64),
            (AF_PPPOX, libc::AF_PPPOX as i64),
            (AF_WANPIPE, libc::AF_WANPIPE as i64),
            (AF_LLC, libc::AF_LLC as i64),
            (AF_IB, libc::AF_IB as i64),
            (AF_MPLS, libc::AF_MPLS as i64),
            (AF_CAN, libc::AF_CAN as i64),
            (AF_TIPC, libc::AF_TIPC as i64),
            (AF_BLUETOOTH, libc::AF_BLUETOOTH as i64),
            (AF_IUCV, libc::AF_IUCV as i64),
            (AF_RXRPC, libc::AF_RXRPC as i64),
            (AF_ISDN, libc::AF_ISDN as i64),
            (AF_PHONET, libc::AF_PHONET as i64),
            (AF_IEEE802154, libc::AF_IEEE802154 as i64),
            (AF_CAIF, libc::AF_CAIF as i64),
            (AF_ALG, libc::AF_ALG as i64),
            (AF_NFC, libc::AF_NFC as i64),
            (AF_VSOCK, libc::AF_VSOCK as i64),
            (AF_XDP, libc::AF_XDP as i64),
            (PF_UNSPEC, libc::PF_UNSPEC as i64),
            (PF_UNIX, libc::PF_UNIX as i64),
            (PF_LOCAL, libc::PF_LOCAL as i64),
            (PF_INET, libc::PF_INET as i64),
            (PF_INET6, libc::PF_INET6 as i64),
            (PF_NETLINK, libc::PF_NETLINK as i64),
            (PF_PACKET, libc::PF_PACKET as i64),
            (PF_VSOCK, libc::PF_VSOCK as i64),
            (SOCK_STREAM, libc::SOCK_STREAM as i64),
            (SOCK_DGRAM, libc::SOCK_DGRAM as i64),
            (SOCK_RAW, libc::SOCK_RAW as i64),
            (SOCK_RDM, libc::SOCK_RDM as i64),
            (SOCK_SEQPACKET, libc::SOCK_SEQPACKET as i64),
            (SOCK_DCCP, libc::SOCK_DCCP as i64),
            (SOL_SOCKET, libc::SOL_SOCKET as i64),
            (SOL_IP, libc::SOL_IP as i64),
            (SOL_TCP, libc::SOL_TCP as i64),
            (SOL_UDP, libc::SOL_UDP as i64),
            (SOL_IPV6, libc::SOL_IPV6 as i64),
            (SOL_ICMPV6, libc::SOL_ICMPV6 as i64),
            (SOL_RAW, libc::SOL_RAW as i64),
            (SOL_PACKET, libc::SOL_PACKET as i64),
            (SOL_NETLINK, libc::SOL_NETLINK as i64),
            (SOL_ALG, libc::SOL_ALG as i64),
            (SO_DEBUG, libc::SO_DEBUG as i64),
            (SO_REUSEADDR, libc::SO_REUSEADDR as i64),
            (SO_TYPE, libc::SO_TYPE as i64),
            (SO_ERROR, libc::SO_ERROR as i64),
            (SO_DONTROUTE, libc::SO_DONTROUTE as i64),
            (SO_BROADCAST, libc::SO_BROADCAST as i64),
            (SO_SNDBUF, libc::SO_SNDBUF as i64),
            (SO_RCVBUF, libc::SO_RCVBUF as i64),
            (SO_KEEPALIVE, libc::SO_KEEPALIVE as i64),
            (SO_OOBINLINE, libc::SO_OOBINLINE as i64),
            (SO_NO_CHECK, libc::SO_NO_CHECK as i64),
            (SO_PRIORITY, libc::SO_PRIORITY as i64),
            (SO_LINGER, libc::SO_LINGER as i64),
            (SO_BSDCOMPAT, libc::SO_BSDCOMPAT as i64),
            (SO_REUSEPORT, libc::SO_REUSEPORT as i64),
            (SO_PASSCRED, libc::SO_PASSCRED as i64),
            (SO_PEERCRED, libc::SO_PEERCRED as i64),
            (SO_RCVLOWAT, libc::SO_RCVLOWAT as i64),
            (SO_SNDLOWAT, libc::SO_SNDLOWAT as i64),
            (SO_RCVTIMEO, libc::SO_RCVTIMEO as i64),
            (SO_SNDTIMEO, libc::SO_SNDTIMEO as i64),
            (
                SO_SECURITY_AUTHENTICATION,
                libc::SO_SECURITY_AUTHENTICATION as i64,
            ),
            (
                SO_SECURITY_ENCRYPTION_TRANSPORT,
                libc::SO_SECURITY_ENCRYPTION_TRANSPORT as i64,
            ),
            (
                SO_SECURITY_ENCRYPTION_NETWORK,
                libc::SO_SECURITY_ENCRYPTION_NETWORK as i64,
            ),
            (SO_BINDTODEVICE, libc::SO_BINDTODEVICE as i64),
            (SO_ATTACH_FILTER, libc::SO_ATTACH_FILTER as i64),
            (SO_DETACH_FILTER, libc::SO_DETACH_FILTER as i64),
            (SO_PEERNAME, libc::SO_PEERNAME as i64),
            (SO_TIMESTAMP, libc::SO_TIMESTAMP as i64),
            (SO_ACCEPTCONN, libc::SO_ACCEPTCONN as i64),
            (SO_PEERSEC, libc::SO_PEERSEC as i64),
            (SO_SNDBUFFORCE, libc::SO_SNDBUFFORCE as i64),
            (SO_RCVBUFFORCE, libc::SO_RCVBUFFORCE as i64),
            (SO_PASSSEC, libc::SO_PASSSEC as i64),
            (SO_TIMESTAMPNS, libc::SO_TIMESTAMPNS as i64),
            (SO_MARK, libc::SO_MARK as i64),
            (SO_TIMESTAMPING, libc::SO_TIMESTAMPING as i64),
            (SO_PROTOCOL, libc::SO_PROTOCOL as i64),
            (SO_DOMAIN, libc::SO_DOMAIN as i64),
            (SO_RXQ_OVFL, libc::SO_RXQ_OVFL as i64),
            (SO_WIFI_STATUS, libc::SO_WIFI_STATUS as i64),
            (SO_PEEK_OFF, libc::SO_PEEK_OFF as i64),
            (SO_NOFCS, libc::SO_NOFCS as i64),
            (SO_LOCK_FILTER, libc::SO_LOCK_FILTER as i64),
            (SO_SELECT_ERR_QUEUE, libc::SO_SELECT_ERR_QUEUE as i64),
            (SO_BUSY_POLL, libc::SO_BUSY_POLL as i64),
            (SO_MAX_PACING_RATE, libc::SO_MAX_PACING_RATE as i64),
            (SO_BPF_EXTENSIONS, libc::SO_BPF_EXTENSIONS as i64),
            (SO_INCOMING_CPU, libc::SO_INCOMING_CPU as i64),
            (SO_ATTACH_BPF, libc::SO_ATTACH_BPF as i64),
            (
                SO_ATTACH_REUSEPORT_CBPF,
                libc::SO_ATTACH_REUSEPORT_CBPF as i64,
            ),
            (
                SO_ATTACH_REUSEPORT_EBPF,
                libc::SO_ATTACH_REUSEPORT_EBPF as i64,
            ),
            (SO_CNX_ADVICE, libc::SO_CNX_ADVICE as i64),
            (SO_MEMINFO, libc::SO_MEMINFO as i64),
            (SO_INCOMING_NAPI_ID, libc::SO_INCOMING_NAPI_ID as i64),
            (SO_COOKIE, libc::SO_COOKIE as i64),
            (SO_PEERGROUPS, libc::SO_PEERGROUPS as i64),
            (SO_ZEROCOPY, libc::SO_ZEROCOPY as i64),
            (SO_TXTIME, libc::SO_TXTIME as i64),
            (SO_BINDTOIFINDEX, libc::SO_BINDTOIFINDEX as i64),
            (SO_TIMESTAMP_NEW, libc::SO_TIMESTAMP_NEW as i64),
            (SO_TIMESTAMPNS_NEW, libc::SO_TIMESTAMPNS_NEW as i64),
            (SO_TIMESTAMPING_NEW, libc::SO_TIMESTAMPING_NEW as i64),
            (SO_RCVTIMEO_NEW, libc::SO_RCVTIMEO_NEW as i64),
            (SO_SNDTIMEO_NEW, libc::SO_SNDTIMEO_NEW as i64),
            (
                SO_DETACH_REUSEPORT_BPF,
                libc::SO_DETACH_REUSEPORT_BPF as i64,
            ),
            (SO_PREFER_BUSY_POLL, libc::SO_PREFER_BUSY_POLL as i64),
            (SO_BUSY_POLL_BUDGET, libc::SO_BUSY_POLL_BUDGET as i64),
            (SO_NETNS_COOKIE, libc::SO_NETNS_COOKIE as i64),
            (SO_BUF_LOCK, libc::SO_BUF_LOCK as i64),
            (SO_RESERVE_MEM, libc::SO_RESERVE_MEM as i64),
            (SO_TXREHASH, libc::SO_TXREHASH as i64),
            (SO_RCVMARK, libc::SO_RCVMARK as i64),
            (SO_PASSPIDFD, libc::SO_PASSPIDFD as i64),
            (SO_PEERPIDFD, libc::SO_PEERPIDFD as i64),
            (SCM_RIGHTS, libc::SCM_RIGHTS as i64),
            (SCM_CREDENTIALS, libc::SCM_CREDENTIALS as i64),
            (SCM_TIMESTAMP, libc::SCM_TIMESTAMP as i64),
            (SCM_TIMESTAMPNS, libc::SCM_TIMESTAMPNS as i64),
            (SCM_TIMESTAMPING, libc::SCM_TIMESTAMPING as i64),
            (SCM_TXTIME, libc::SCM_TXTIME as i64),
            (SOMAXCONN, libc::SOMAXCONN as i64),
            (SHUT_RD, libc::SHUT_RD as i64),
            (SHUT_WR, libc::SHUT_WR as i64),
            (SHUT_RDWR, libc::SHUT_RDWR as i64),
            (IPPROTO_IP, libc::IPPROTO_IP as i64),
            (IPPROTO_HOPOPTS, libc::IPPROTO_HOPOPTS as i64),
            (IPPROTO_ICMP, libc::IPPROTO_ICMP as i64),
            (IPPROTO_IGMP, libc::IPPROTO_IGMP as i64),
            (IPPROTO_IPIP, libc::IPPROTO_IPIP as i64),
            (IPPROTO_TCP, libc::IPPROTO_TCP as i64),
            (IPPROTO_EGP, libc::IPPROTO_EGP as i64),
            (IPPROTO_PUP, libc::IPPROTO_PUP as i64),
            (IPPROTO_UDP, libc::IPPROTO_UDP as i64),
            (IPPROTO_IDP, libc::IPPROTO_IDP as i64),
            (IPPROTO_TP, libc::IPPROTO_TP as i64),
            (IPPROTO_DCCP, libc::IPPROTO_DCCP as i64),
            (IPPROTO_IPV6, libc::IPPROTO_IPV6 as i64),
            (IPPROTO_ROUTING, libc::IPPROTO_ROUTING as i64),
            (IPPROTO_FRAGMENT, libc::IPPROTO_FRAGMENT as i64),
            (IPPROTO_RSVP, libc::IPPROTO_RSVP as i64),
            (IPPROTO_GRE, libc::IPPROTO_GRE as i64),
            (IPPROTO_ESP, libc::IPPROTO_ESP as i64),
            (IPPROTO_AH, libc::IPPROTO_AH as i64),
            (IPPROTO_ICMPV6, libc::IPPROTO_ICMPV6 as i64),
            (IPPROTO_NONE, libc::IPPROTO_NONE as i64),
            (IPPROTO_DSTOPTS, libc::IPPROTO_DSTOPTS as i64),
            (IPPROTO_MTP, libc::IPPROTO_MTP as i64),
            (IPPROTO_BEETPH, libc::IPPROTO_BEETPH as i64),
            (IPPROTO_ENCAP, libc::IPPROTO_ENCAP as i64),
            (IPPROTO_PIM, libc::IPPROTO_PIM as i64),
            (IPPROTO_COMP, libc::IPPROTO_COMP as i64),
            (IPPROTO_SCTP, libc::IPPROTO_SCTP as i64),
            (IPPROTO_UDPLITE, libc::IPPROTO_UDPLITE as i64),
            (IPPROTO_MPLS, libc::IPPROTO_MPLS as i64),
            (IPPROTO_ETHERNET, libc::IPPROTO_ETHERNET as i64),
            (IPPROTO_RAW, libc::IPPROTO_RAW as i64),
            (IPPROTO_MPTCP, libc::IPPROTO_MPTCP as i64),
            (IP_TOS, libc::IP_TOS as i64),
            (IP_TTL, libc::IP_TTL as i64),
            (IP_HDRINCL, libc::IP_HDRINCL as i64),
            (IP_OPTIONS, libc::IP_OPTIONS as i64),
            (IP_ROUTER_ALERT, libc::IP_ROUTER_ALERT as i64),
            (IP_RECVOPTS, libc::IP_RECVOPTS as i64),
            (IP_RETOPTS, libc::IP_RETOPTS as i64),
            (IP_PKTINFO, libc::IP_PKTINFO as i64),
            (IP_PKTOPTIONS, libc::IP_PKTOPTIONS as i64),
            (IP_MTU_DISCOVER, libc::IP_MTU_DISCOVER as i64),
            (IP_RECVERR, libc::IP_RECVERR as i64),
            (IP_RECVTTL, libc::IP_RECVTTL as i64),
            (IP_RECVTOS, libc::IP_RECVTOS as i64),
            (IP_MTU, libc::IP_MTU as i64),
            (IP_FREEBIND, libc::IP_FREEBIND as i64),
            (IP_IPSEC_POLICY, libc::IP_IPSEC_POLICY as i64),
            (IP_XFRM_POLICY, libc::IP_XFRM_POLICY as i64),
            (IP_PASSSEC, libc::IP_PASSSEC as i64),
            (IP_TRANSPARENT, libc::IP_TRANSPARENT as i64),
            (IP_RECVORIGDSTADDR, libc::IP_RECVORIGDSTADDR as i64),
            (IP_MINTTL, libc::IP_MINTTL as i64),
            (IP_NODEFRAG, libc::IP_NODEFRAG as i64),
            (IP_CHECKSUM, libc::IP_CHECKSUM as i64),
            (
                IP_BIND_ADDRESS_NO_PORT,
                libc::IP_BIND_ADDRESS_NO_PORT as i64,
            ),
            (IP_RECVFRAGSIZE, libc::IP_RECVFRAGSIZE as i64),
            (IP_MULTICAST_IF, libc::IP_MULTICAST_IF as i64),
            (IP_MULTICAST_TTL, libc::IP_MULTICAST_TTL as i64),
            (IP_MULTICAST_LOOP, libc::IP_MULTICAST_LOOP as i64),
            (IP_ADD_MEMBERSHIP, libc::IP_ADD_MEMBERSHIP as i64),
            (IP_DROP_MEMBERSHIP, libc::IP_DROP_MEMBERSHIP as i64),
            (IP_UNBLOCK_SOURCE, libc::IP_UNBLOCK_SOURCE as i64),
            (IP_BLOCK_SOURCE, libc::IP_BLOCK_SOURCE as i64),
            (
                IP_ADD_SOURCE_MEMBERSHIP,
                libc::IP_ADD_SOURCE_MEMBERSHIP as i64,
            ),
            (
                IP_DROP_SOURCE_MEMBERSHIP,
                libc::IP_DROP_SOURCE_MEMBERSHIP as i64,
            ),
            (IP_MSFILTER, libc::IP_MSFILTER as i64),
            (IP_MULTICAST_ALL, libc::IP_MULTICAST_ALL as i64),
            (IP_UNICAST_IF, libc::IP_UNICAST_IF as i64),
            (IP_PMTUDISC_DONT, libc::IP_PMTUDISC_DONT as i64),
            (IP_PMTUDISC_WANT, libc::IP_PMTUDISC_WANT as i64),
            (IP_PMTUDISC_DO, libc::IP_PMTUDISC_DO as i64),
            (IP_PMTUDISC_PROBE, libc::IP_PMTUDISC_PROBE as i64),
            (IP_PMTUDISC_INTERFACE, libc::IP_PMTUDISC_INTERFACE as i64),
            (IP_PMTUDISC_OMIT, libc::IP_PMTUDISC_OMIT as i64),
            (IPV6_ADDRFORM, libc::IPV6_ADDRFORM as i64),
            (IPV6_2292PKTINFO, libc::IPV6_2292PKTINFO as i64),
            (IPV6_2292HOPOPTS, libc::IPV6_2292HOPOPTS as i64),
            (IPV6_2292DSTOPTS, libc::IPV6_2292DSTOPTS as i64),
            (IPV6_2292RTHDR, libc::IPV6_2292RTHDR as i64),
            (IPV6_2292PKTOPTIONS, libc::IPV6_2292PKTOPTIONS as i64),
            (IPV6_CHECKSUM, libc::IPV6_CHECKSUM as i64),
            (IPV6_2292HOPLIMIT, libc::IPV6_2292HOPLIMIT as i64),
            (IPV6_NEXTHOP, libc::IPV6_NEXTHOP as i64),
            (IPV6_AUTHHDR, libc::IPV6_AUTHHDR as i64),
            (IPV6_FLOWINFO, libc::IPV6_FLOWINFO as i64),
            (IPV6_UNICAST_HOPS, libc::IPV6_UNICAST_HOPS as i64),
            (IPV6_MULTICAST_IF, libc::IPV6_MULTICAST_IF as i64),
            (IPV6_MULTICAST_HOPS, libc::IPV6_MULTICAST_HOPS as i64),
            (IPV6_MULTICAST_LOOP, libc::IPV6_MULTICAST_LOOP as i64),
            (IPV6_ADD_MEMBERSHIP, libc::IPV6_ADD_MEMBERSHIP as i64),
            (IPV6_DROP_MEMBERSHIP, libc::IPV6_DROP_MEMBERSHIP as i64),
            (IPV6_ROUTER_ALERT, libc::IPV6_ROUTER_ALERT as i64),
            (IPV6_MTU_DISCOVER, libc::IPV6_MTU_DISCOVER as i64),
            (IPV6_MTU, libc::IPV6_MTU as i64),
            (IPV6_RECVERR, libc::IPV6_RECVERR as i64),
            (IPV6_V6ONLY, libc::IPV6_V6ONLY as i64),
            (IPV6_JOIN_ANYCAST, libc::IPV6_JOIN_ANYCAST as i64),
            (IPV6_LEAVE_ANYCAST, libc::IPV6_LEAVE_ANYCAST as i64),
            (IPV6_MULTICAST_ALL, libc::IPV6_MULTICAST_ALL as i64),
            (
                IPV6_ROUTER_ALERT_ISOLATE,
                libc::IPV6_ROUTER_ALERT_ISOLATE as i64,
            ),
            (IPV6_IPSEC_POLICY, libc::IPV6_IPSEC_POLICY as i64),
            (IPV6_XFRM_POLICY, libc::IPV6_XFRM_POLICY as i64),
            (IPV6_HDRINCL, libc::IPV6_HDRINCL as i64),
            (IPV6_RECVPKTINFO, libc::IPV6_RECVPKTINFO as i64),
            (IPV6_PKTINFO, libc::IPV6_PKTINFO as i64),
            (IPV6_RECVHOPLIMIT, libc::IPV6_RECVHOPLIMIT as i64),
            (IPV6_HOPLIMIT, libc::IPV6_HOPLIMIT as i64),
            (IPV6_RECVHOPOPTS, libc::IPV6_RECVHOPOPTS as i64),
            (IPV6_HOPOPTS, libc::IPV6_HOPOPTS as i64),
            (IPV6_RTHDRDSTOPTS, libc::IPV6_RTHDRDSTOPTS as i64),
            (IPV6_RECVRTHDR, libc::IPV6_RECVRTHDR as i64),
            (IPV6_RTHDR, libc::IPV6_RTHDR as i64),
            (IPV6_RECVDSTOPTS, libc::IPV6_RECVDSTOPTS as i64),
            (IPV6_DSTOPTS, libc::IPV6_DSTOPTS as i64),
            (IPV6_RECVPATHMTU, libc::IPV6_RECVPATHMTU as i64),
            (IPV6_PATHMTU, libc::IPV6_PATHMTU as i64),
            (IPV6_DONTFRAG, libc::IPV6_DONTFRAG as i64),
            (IPV6_RECVTCLASS, libc::IPV6_RECVTCLASS as i64),
            (IPV6_TCLASS, libc::IPV6_TCLASS as i64),
            (IPV6_AUTOFLOWLABEL, libc::IPV6_AUTOFLOWLABEL as i64),
            (IPV6_ADDR_PREFERENCES, libc::IPV6_ADDR_PREFERENCES as i64),
            (IPV6_MINHOPCOUNT, libc::IPV6_MINHOPCOUNT as i64),
            (IPV6_RECVORIGDSTADDR, libc::IPV6_RECVORIGDSTADDR as i64),
            (IPV6_TRANSPARENT, libc::IPV6_TRANSPARENT as i64),
            (IPV6_UNICAST_IF, libc::IPV6_UNICAST_IF as i64),
            (IPV6_RECVFRAGSIZE, libc::IPV6_RECVFRAGSIZE as i64),
            (IPV6_FREEBIND, libc::IPV6_FREEBIND as i64),
            (TCP_NODELAY, libc::TCP_NODELAY as i64),
            (TCP_MAXSEG, libc::TCP_MAXSEG as i64),
            (TCP_CORK, libc::TCP_CORK as i64),
            (TCP_KEEPIDLE, libc::TCP_KEEPIDLE as i64),
            (TCP_KEEPINTVL, libc::TCP_KEEPINTVL as i64),
            (TCP_KEEPCNT, libc::TCP_KEEPCNT as i64),
            (TCP_SYNCNT, libc::TCP_SYNCNT as i64),
            (TCP_LINGER2, libc::TCP_LINGER2 as i64),
            (TCP_DEFER_ACCEPT, libc::TCP_DEFER_ACCEPT as i64),
            (TCP_WINDOW_CLAMP, libc::TCP_WINDOW_CLAMP as i64),
            (TCP_INFO, libc::TCP_INFO as i64),
            (TCP_QUICKACK, libc::TCP_QUICKACK as i64),
            (TCP_CONGESTION, libc::TCP_CONGESTION as i64),
            (TCP_MD5SIG, libc::TCP_MD5SIG as i64),
            (
                TCP_THIN_LINEAR_TIMEOUTS,
                libc::TCP_THIN_LINEAR_TIMEOUTS as i64,
            ),
            (TCP_THIN_DUPACK, libc::TCP_THIN_DUPACK as i64),
            (TCP_USER_TIMEOUT, libc::TCP_USER_TIMEOUT as i64),
            (TCP_REPAIR, libc::TCP_REPAIR as i64),
            (TCP_REPAIR_QUEUE, libc::TCP_REPAIR_QUEUE as i64),
            (TCP_QUEUE_SEQ, libc::TCP_QUEUE_SEQ as i64),
            (TCP_REPAIR_OPTIONS, libc::TCP_REPAIR_OPTIONS as i64),
            (TCP_FASTOPEN, libc::TCP_FASTOPEN as i64),
            (TCP_TIMESTAMP, libc::TCP_TIMESTAMP as i64),
            (TCP_NOTSENT_LOWAT, libc::TCP_NOTSENT_LOWAT as i64),
            (TCP_CC_INFO, libc::TCP_CC_INFO as i64),
            (TCP_SAVE_SYN, libc::TCP_SAVE_SYN as i64),
            (TCP_SAVED_SYN, libc::TCP_SAVED_SYN as i64),
            (TCP_REPAIR_WINDOW, libc::TCP_REPAIR_WINDOW as i64),
            (TCP_FASTOPEN_CONNECT, libc::TCP_FASTOPEN_CONNECT as i64),
            (TCP_ULP, libc::TCP_ULP as i64),
            (TCP_MD5SIG_EXT, libc::TCP_MD5SIG_EXT as i64),
            (TCP_FASTOPEN_KEY, libc::TCP_FASTOPEN_KEY as i64),
            (TCP_FASTOPEN_NO_COOKIE, libc::TCP_FASTOPEN_NO_COOKIE as i64),
            (TCP_ZEROCOPY_RECEIVE, libc::TCP_ZEROCOPY_RECEIVE as i64),
            (TCP_INQ, libc::TCP_INQ as i64),
            (UDP_CORK, libc::UDP_CORK as i64),
            (UDP_ENCAP, libc::UDP_ENCAP as i64),
            (UDP_NO_CHECK6_TX, libc::UDP_NO_CHECK6_TX as i64),
            (UDP_NO_CHECK6_RX, libc::UDP_NO_CHECK6_RX as i64),
            (UDP_SEGMENT, libc::UDP_SEGMENT as i64),
            (UDP_GRO, libc::UDP_GRO as i64),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours as i64, theirs);
        }
    }

    #[test]
    fn ioctl_consts_match_libc() {
        let pairs = [
            (SIOCGIFNAME as u64, libc::SIOCGIFNAME),
            (SIOCGIFCONF as u64, libc::SIOCGIFCONF),
            (SIOCGIFFLAGS as u64, libc::SIOCGIFFLAGS),
            (SIOCSIFFLAGS as u64, libc::SIOCSIFFLAGS),
            (SIOCGIFADDR as u64, libc::SIOCGIFADDR),
            (SIOCSIFADDR as u64, libc::SIOCSIFADDR),
            (SIOCGIFDSTADDR as u64, libc::SIOCGIFDSTADDR),
            (SIOCGIFBRDADDR as u64, libc::SIOCGIFBRDADDR),
            (SIOCGIFNETMASK as u64, libc::SIOCGIFNETMASK),
            (SIOCGIFMETRIC as u64, libc::SIOCGIFMETRIC),
            (SIOCGIFMTU as u64, libc::SIOCGIFMTU),
            (SIOCSIFMTU as u64, libc::SIOCSIFMTU),
            (SIOCGIFHWADDR as u64, libc::SIOCGIFHWADDR),
            (SIOCGIFINDEX as u64, libc::SIOCGIFINDEX),
            (SIOCGIFTXQLEN as u64, libc::SIOCGIFTXQLEN),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
    }

    #[test]
    fn consts_libc_lacks_match_kernel_headers() {
        // Values from the Linux uapi headers (checked against /usr/include
        // with a C program); the libc crate does not export these.
        assert_eq!(
            [AF_KCM, AF_QIPCRTR, AF_SMC, AF_XDP, AF_MCTP, AF_MAX],
            [41, 42, 43, 44, 45, 46]
        );
        assert_eq!(
            [IPPROTO_L2TP, IP_RECVERR_RFC4884, IPV6_RECVERR_RFC4884],
            [115, 26, 31]
        );
        assert_eq!(
            [SCM_SECURITY, SCM_PIDFD, SO_PASSPIDFD, SO_PEERPIDFD],
            [3, 4, 76, 77]
        );
        assert_eq!(
            [SO_RCVTIMEO_OLD, SO_SNDTIMEO_OLD, TCP_TX_DELAY],
            [20, 21, 37]
        );
        assert_eq!(
            [
                FIOSETOWN,
                SIOCSPGRP,
                FIOGETOWN,
                SIOCGPGRP,
                SIOCATMARK,
                SIOCGSTAMP,
                SIOCGSTAMPNS
            ],
            [0x8901, 0x8902, 0x8903, 0x8904, 0x8905, 0x8906, 0x8907]
        );
        assert_eq!([SIOCINQ, SIOCOUTQ], [0x541b, 0x5411]);
        assert_eq!(
            [MsgFlags::MSG_PROBE.bits(), MsgFlags::MSG_BATCH.bits()],
            [0x10, 0x4_0000]
        );
        assert_eq!(SOCK_PACKET, 10);
        assert_eq!(
            [
                TCP_ESTABLISHED,
                TCP_SYN_SENT,
                TCP_SYN_RECV,
                TCP_FIN_WAIT1,
                TCP_FIN_WAIT2
            ],
            [1, 2, 3, 4, 5]
        );
        assert_eq!(
            [
                TCP_TIME_WAIT,
                TCP_CLOSE,
                TCP_CLOSE_WAIT,
                TCP_LAST_ACK,
                TCP_LISTEN,
                TCP_CLOSING
            ],
            [6, 7, 8, 9, 10, 11]
        );
        assert_eq!(
            [
                TCPI_OPT_TIMESTAMPS,
                TCPI_OPT_SACK,
                TCPI_OPT_WSCALE,
                TCPI_OPT_ECN,
                TCPI_OPT_ECN_SEEN,
                TCPI_OPT_SYN_DATA
            ],
            [1, 2, 4, 8, 16, 32]
        );
    }

    #[test]
    fn flags_match_libc() {
        assert_eq!(SockFlags::SOCK_NONBLOCK.bits(), libc::SOCK_NONBLOCK);
        assert_eq!(SockFlags::SOCK_CLOEXEC.bits(), libc::SOCK_CLOEXEC);
        let msg = [
            (MsgFlags::MSG_OOB, libc::MSG_OOB),
            (MsgFlags::MSG_PEEK, libc::MSG_PEEK),
            (MsgFlags::MSG_DONTROUTE, libc::MSG_DONTROUTE),
            (MsgFlags::MSG_CTRUNC, libc::MSG_CTRUNC),
            (MsgFlags::MSG_TRUNC, libc::MSG_TRUNC),
            (MsgFlags::MSG_DONTWAIT, libc::MSG_DONTWAIT),
            (MsgFlags::MSG_EOR, libc::MSG_EOR),
            (MsgFlags::MSG_WAITALL, libc::MSG_WAITALL),
            (MsgFlags::MSG_FIN, libc::MSG_FIN),
            (MsgFlags::MSG_SYN, libc::MSG_SYN),
            (MsgFlags::MSG_CONFIRM, libc::MSG_CONFIRM),
            (MsgFlags::MSG_RST, libc::MSG_RST),
            (MsgFlags::MSG_ERRQUEUE, libc::MSG_ERRQUEUE),
            (MsgFlags::MSG_NOSIGNAL, libc::MSG_NOSIGNAL),
            (MsgFlags::MSG_MORE, libc::MSG_MORE),
            (MsgFlags::MSG_WAITFORONE, libc::MSG_WAITFORONE),
            (MsgFlags::MSG_ZEROCOPY, libc::MSG_ZEROCOPY),
            (MsgFlags::MSG_FASTOPEN, libc::MSG_FASTOPEN),
            (MsgFlags::MSG_CMSG_CLOEXEC, libc::MSG_CMSG_CLOEXEC),
        ];
        for (ours, theirs) in msg {
            assert_eq!(ours.bits(), theirs as u32, "{ours:?}");
        }
    }

    #[test]
    fn split_socket_type() {
        let raw = SOCK_STREAM | libc::SOCK_CLOEXEC | libc::SOCK_NONBLOCK;
        assert_eq!(
            SockFlags::split_type(raw),
            (SOCK_STREAM, SockFlags::all(), 0)
        );
        assert_eq!(
            SockFlags::split_type(SOCK_DGRAM | 0x100),
            (SOCK_DGRAM, SockFlags::empty(), 0x100)
        );
    }

    #[test]
    fn sockaddr_layouts_match_libc() {
        macro_rules! same {
            ($ours:ty, $theirs:ty, $($f:ident = $g:ident),*) => {
                assert_eq!(size_of::<$ours>(), size_of::<$theirs>(), stringify!($ours));
                assert_eq!(align_of::<$ours>(), align_of::<$theirs>(), stringify!($ours));
                $(assert_eq!(offset_of!($ours, $f), offset_of!($theirs, $g), stringify!($f));)*
            };
        }
        same!(
            sockaddr,
            libc::sockaddr,
            sa_family = sa_family,
            sa_data = sa_data
        );
        same!(in_addr, libc::in_addr, s_addr = s_addr);
        same!(
            sockaddr_in,
            libc::sockaddr_in,
            sin_family = sin_family,
            sin_port = sin_port,
            sin_addr = sin_addr,
            sin_zero = sin_zero
        );
        same!(in6_addr, libc::in6_addr, s6_addr = s6_addr);
        same!(
            sockaddr_in6,
            libc::sockaddr_in6,
            sin6_family = sin6_family,
            sin6_port = sin6_port,
            sin6_flowinfo = sin6_flowinfo,
            sin6_addr = sin6_addr,
            sin6_scope_id = sin6_scope_id
        );
        same!(
            sockaddr_un,
            libc::sockaddr_un,
            sun_family = sun_family,
            sun_path = sun_path
        );
        same!(
            sockaddr_storage,
            libc::sockaddr_storage,
            ss_family = ss_family
        );
        assert_eq!(offset_of!(sockaddr_storage, __data), 2);
        same!(
            sockaddr_nl,
            libc::sockaddr_nl,
            nl_family = nl_family,
            nl_pid = nl_pid,
            nl_groups = nl_groups
        );
        same!(
            sockaddr_ll,
            libc::sockaddr_ll,
            sll_family = sll_family,
            sll_protocol = sll_protocol,
            sll_ifindex = sll_ifindex,
            sll_hatype = sll_hatype,
            sll_pkttype = sll_pkttype,
            sll_halen = sll_halen,
            sll_addr = sll_addr
        );
    }

    #[test]
    fn message_layouts_match_libc() {
        macro_rules! same {
            ($ours:ty, $theirs:ty, $($f:ident = $g:ident),*) => {
                assert_eq!(size_of::<$ours>(), size_of::<$theirs>(), stringify!($ours));
                assert_eq!(align_of::<$ours>(), align_of::<$theirs>(), stringify!($ours));
                $(assert_eq!(offset_of!($ours, $f), offset_of!($theirs, $g), stringify!($f));)*
            };
        }
        same!(
            msghdr,
            libc::msghdr,
            msg_name = msg_name,
            msg_namelen = msg_namelen,
            msg_iov = msg_iov,
            msg_iovlen = msg_iovlen,
            msg_control = msg_control,
            msg_controllen = msg_controllen,
            msg_flags = msg_flags
        );
        same!(mmsghdr, libc::mmsghdr, msg_hdr = msg_hdr, msg_len = msg_len);
        same!(
            cmsghdr,
            libc::cmsghdr,
            cmsg_len = cmsg_len,
            cmsg_level = cmsg_level,
            cmsg_type = cmsg_type
        );
        same!(linger, libc::linger, l_onoff = l_onoff, l_linger = l_linger);
        same!(ucred, libc::ucred, pid = pid, uid = uid, gid = gid);
        same!(
            ip_mreq,
            libc::ip_mreq,
            imr_multiaddr = imr_multiaddr,
            imr_interface = imr_interface
        );
        same!(
            ip_mreqn,
            libc::ip_mreqn,
            imr_multiaddr = imr_multiaddr,
            imr_address = imr_address,
            imr_ifindex = imr_ifindex
        );
        same!(
            in_pktinfo,
            libc::in_pktinfo,
            ipi_ifindex = ipi_ifindex,
            ipi_spec_dst = ipi_spec_dst,
            ipi_addr = ipi_addr
        );
        same!(
            in6_pktinfo,
            libc::in6_pktinfo,
            ipi6_addr = ipi6_addr,
            ipi6_ifindex = ipi6_ifindex
        );
        same!(
            ipv6_mreq,
            libc::ipv6_mreq,
            ipv6mr_multiaddr = ipv6mr_multiaddr,
            ipv6mr_ifindex = ipv6mr_interface
        );
        same!(ifreq, libc::ifreq, ifr_name = ifr_name, ifr_ifru = ifr_ifru);
        same!(ifconf, libc::ifconf, ifc_len = ifc_len);
        assert_eq!(offset_of!(ifconf, ifc_req), 8);
    }

    #[test]
    fn tcp_info_layout_matches_libc_and_kernel() {
        type T = libc::tcp_info;
        assert_eq!(size_of::<tcp_info>(), size_of::<T>());
        assert_eq!(size_of::<tcp_info>(), 280);
        assert_eq!(align_of::<tcp_info>(), align_of::<T>());
        assert_eq!(offset_of!(tcp_info, tcpi_state), offset_of!(T, tcpi_state));
        assert_eq!(
            offset_of!(tcp_info, tcpi_ca_state),
            offset_of!(T, tcpi_ca_state)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_retransmits),
            offset_of!(T, tcpi_retransmits)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_probes),
            offset_of!(T, tcpi_probes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_backoff),
            offset_of!(T, tcpi_backoff)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_options),
            offset_of!(T, tcpi_options)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_snd_rcv_wscale),
            offset_of!(T, tcpi_snd_rcv_wscale)
        );
        assert_eq!(offset_of!(tcp_info, tcpi_rto), offset_of!(T, tcpi_rto));
        assert_eq!(offset_of!(tcp_info, tcpi_ato), offset_of!(T, tcpi_ato));
        assert_eq!(
            offset_of!(tcp_info, tcpi_snd_mss),
            offset_of!(T, tcpi_snd_mss)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rcv_mss),
            offset_of!(T, tcpi_rcv_mss)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_unacked),
            offset_of!(T, tcpi_unacked)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_sacked),
            offset_of!(T, tcpi_sacked)
        );
        assert_eq!(offset_of!(tcp_info, tcpi_lost), offset_of!(T, tcpi_lost));
        assert_eq!(
            offset_of!(tcp_info, tcpi_retrans),
            offset_of!(T, tcpi_retrans)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_fackets),
            offset_of!(T, tcpi_fackets)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_last_data_sent),
            offset_of!(T, tcpi_last_data_sent)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_last_ack_sent),
            offset_of!(T, tcpi_last_ack_sent)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_last_data_recv),
            offset_of!(T, tcpi_last_data_recv)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_last_ack_recv),
            offset_of!(T, tcpi_last_ack_recv)
        );
        assert_eq!(offset_of!(tcp_info, tcpi_pmtu), offset_of!(T, tcpi_pmtu));
        assert_eq!(
            offset_of!(tcp_info, tcpi_rcv_ssthresh),
            offset_of!(T, tcpi_rcv_ssthresh)
        );
        assert_eq!(offset_of!(tcp_info, tcpi_rtt), offset_of!(T, tcpi_rtt));
        assert_eq!(
            offset_of!(tcp_info, tcpi_rttvar),
            offset_of!(T, tcpi_rttvar)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_snd_ssthresh),
            offset_of!(T, tcpi_snd_ssthresh)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_snd_cwnd),
            offset_of!(T, tcpi_snd_cwnd)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_advmss),
            offset_of!(T, tcpi_advmss)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_reordering),
            offset_of!(T, tcpi_reordering)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rcv_rtt),
            offset_of!(T, tcpi_rcv_rtt)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rcv_space),
            offset_of!(T, tcpi_rcv_space)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_total_retrans),
            offset_of!(T, tcpi_total_retrans)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_pacing_rate),
            offset_of!(T, tcpi_pacing_rate)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_max_pacing_rate),
            offset_of!(T, tcpi_max_pacing_rate)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_bytes_acked),
            offset_of!(T, tcpi_bytes_acked)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_bytes_received),
            offset_of!(T, tcpi_bytes_received)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_segs_out),
            offset_of!(T, tcpi_segs_out)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_segs_in),
            offset_of!(T, tcpi_segs_in)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_notsent_bytes),
            offset_of!(T, tcpi_notsent_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_min_rtt),
            offset_of!(T, tcpi_min_rtt)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_data_segs_in),
            offset_of!(T, tcpi_data_segs_in)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_data_segs_out),
            offset_of!(T, tcpi_data_segs_out)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_delivery_rate),
            offset_of!(T, tcpi_delivery_rate)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_busy_time),
            offset_of!(T, tcpi_busy_time)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rwnd_limited),
            offset_of!(T, tcpi_rwnd_limited)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_sndbuf_limited),
            offset_of!(T, tcpi_sndbuf_limited)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_delivered),
            offset_of!(T, tcpi_delivered)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_delivered_ce),
            offset_of!(T, tcpi_delivered_ce)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_bytes_sent),
            offset_of!(T, tcpi_bytes_sent)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_bytes_retrans),
            offset_of!(T, tcpi_bytes_retrans)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_dsack_dups),
            offset_of!(T, tcpi_dsack_dups)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_reord_seen),
            offset_of!(T, tcpi_reord_seen)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rcv_ooopack),
            offset_of!(T, tcpi_rcv_ooopack)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_snd_wnd),
            offset_of!(T, tcpi_snd_wnd)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rcv_wnd),
            offset_of!(T, tcpi_rcv_wnd)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_rehash),
            offset_of!(T, tcpi_rehash)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_total_rto),
            offset_of!(T, tcpi_total_rto)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_total_rto_recoveries),
            offset_of!(T, tcpi_total_rto_recoveries)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_total_rto_time),
            offset_of!(T, tcpi_total_rto_time)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_received_ce),
            offset_of!(T, tcpi_received_ce)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_delivered_e1_bytes),
            offset_of!(T, tcpi_delivered_e1_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_delivered_e0_bytes),
            offset_of!(T, tcpi_delivered_e0_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_delivered_ce_bytes),
            offset_of!(T, tcpi_delivered_ce_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_received_e1_bytes),
            offset_of!(T, tcpi_received_e1_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_received_e0_bytes),
            offset_of!(T, tcpi_received_e0_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_received_ce_bytes),
            offset_of!(T, tcpi_received_ce_bytes)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_accecn_fail_mode),
            offset_of!(T, tcpi_accecn_fail_mode)
        );
        assert_eq!(
            offset_of!(tcp_info, tcpi_accecn_opt_seen),
            offset_of!(T, tcpi_accecn_opt_seen)
        );
        // Linux 6.1's header (232 bytes) ends here; checked with a C program.
        assert_eq!(offset_of!(tcp_info, tcpi_snd_wnd), 228);
        assert_eq!(
            offset_of!(
                tcp_info,
                tcpi_delivery_rate_app_limited_fastopen_client_fail
            ),
            7
        );
        let mut t = tcp_info::default();
        t.set_wscale(7, 14);
        assert_eq!(t.tcpi_snd_rcv_wscale, 0xe7);
    }

    fn cmsg(level: i32, ty: i32, data: &[u8]) -> std::vec::Vec<u8> {
        let mut v = std::vec![0u8; CMSG_SPACE(data.len())];
        let (used, trunc) = put_cmsg(&mut v, level, ty, data);
        assert_eq!((used, trunc), (v.len(), false));
        v
    }

    #[test]
    fn cmsg_round_trip() {
        let mut buf = cmsg(
            SOL_SOCKET,
            SCM_RIGHTS,
            &[3, 0, 0, 0, 4, 0, 0, 0, 5, 0, 0, 0],
        );
        assert_eq!(buf.len(), 32);
        assert_eq!(buf[..8], 28u64.to_ne_bytes());
        buf.extend(cmsg(
            SOL_SOCKET,
            SCM_CREDENTIALS,
            ucred {
                pid: 1,
                uid: 2,
                gid: 3,
            }
            .as_bytes(),
        ));
        let v: std::vec::Vec<_> = CmsgIter::new(&buf).collect();
        assert_eq!(v.len(), 2);
        let first = v[0]
            .as_ref()
            .map(|c| (c.cmsg_level, c.cmsg_type, c.data.len()));
        assert_eq!(first, Ok((SOL_SOCKET, SCM_RIGHTS, 12)));
        let second = v[1].as_ref().map(|c| (c.cmsg_type, c.data));
        assert_eq!(
            second,
            Ok((SCM_CREDENTIALS, &[1, 0, 0, 0, 2, 0, 0, 0, 3, 0, 0, 0][..]))
        );
        // A trailing fragment shorter than a header ends the walk silently.
        buf.extend_from_slice(&[0; 15]);
        assert_eq!(CmsgIter::new(&buf).count(), 2);
        assert_eq!(CmsgIter::new(&[]).count(), 0);
    }

    #[test]
    fn cmsg_rejects_bad_lengths() {
        for bad in [0u64, 15, 33, u64::MAX] {
            let mut buf = cmsg(SOL_SOCKET, SCM_RIGHTS, &[0; 16]);
            buf[..8].copy_from_slice(&bad.to_ne_bytes());
            let v: std::vec::Vec<_> = CmsgIter::new(&buf).collect();
            assert_eq!(v, [Err(Errno::EINVAL)], "cmsg_len {bad}");
        }
    }

    #[test]
    fn put_cmsg_truncates() {
        let mut small = [0u8; 20];
        assert_eq!(
            put_cmsg(&mut small, SOL_SOCKET, SCM_RIGHTS, &[1; 8]),
            (20, true)
        );
        assert_eq!(small[..8], 20u64.to_ne_bytes());
        assert_eq!(small[16..], [1; 4]);
        let mut tiny = [0u8; 15];
        assert_eq!(put_cmsg(&mut tiny, SOL_SOCKET, SCM_RIGHTS, &[1]), (0, true));
        assert_eq!(tiny, [0; 15]);
        let mut exact = [0u8; 17];
        assert_eq!(
            put_cmsg(&mut exact, SOL_SOCKET, SCM_RIGHTS, &[9]),
            (17, false)
        );
    }

    #[test]
    fn cmsg_helpers() {
        assert_eq!(size_of::<cmsghdr>(), 16);
        assert_eq!(CMSG_LEN(4), 20);
        assert_eq!(CMSG_SPACE(4), 24);
        assert_eq!(CMSG_SPACE(12), 32);
        assert_eq!(CMSG_ALIGN(0), 0);
        assert_eq!(CMSG_ALIGN(17), 24);
        assert!(CMSG_ALIGN(usize::MAX) > usize::MAX - 8);
        assert!(CMSG_SPACE(usize::MAX) > usize::MAX - 8);
        assert_eq!(CMSG_LEN(usize::MAX), usize::MAX);
    }

    #[test]
    fn address_helpers() {
        let a = sockaddr_in::new(in_addr::INADDR_LOOPBACK, 8080);
        assert_eq!(a.as_bytes()[..8], [2, 0, 0x1f, 0x90, 127, 0, 0, 1]);
        assert_eq!(a.port(), 8080);
        assert_eq!(a.sin_addr.octets(), [127, 0, 0, 1]);
        let b = sockaddr_in6::new(in6_addr::LOOPBACK, 443);
        assert_eq!(b.as_bytes()[..4], [10, 0, 1, 0xbb]);
        assert_eq!(b.as_bytes()[23], 1);
        assert_eq!(b.port(), 443);
    }

    #[test]
    fn unix_addresses() {
        let fam = (AF_UNIX as u16).to_ne_bytes();
        let mut buf = std::vec::Vec::from(fam);
        assert_eq!(parse_sockaddr_un(&buf), Some(UnixAddr::Unnamed));
        buf.extend_from_slice(b"/tmp/s\0junk");
        assert_eq!(parse_sockaddr_un(&buf), Some(UnixAddr::Pathname(b"/tmp/s")));
        let mut abs = std::vec::Vec::from(fam);
        abs.extend_from_slice(b"\0name\0x");
        assert_eq!(
            parse_sockaddr_un(&abs),
            Some(UnixAddr::Abstract(b"name\0x"))
        );
        let mut full = std::vec::Vec::from(fam);
        full.extend_from_slice(&[b'a'; UNIX_PATH_MAX]);
        assert_eq!(
            parse_sockaddr_un(&full),
            Some(UnixAddr::Pathname(&[b'a'; UNIX_PATH_MAX][..]))
        );
        full.push(b'a');
        assert_eq!(parse_sockaddr_un(&full), None);
        assert_eq!(parse_sockaddr_un(&[1]), None);
        assert_eq!(parse_sockaddr_un(&[2, 0, b'a']), None);
    }
}
