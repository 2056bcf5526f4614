//! `AF_INET`/`AF_INET6` sockets over the sandbox's loopback stack
//! ([`crate::inet`]): `socket(2)`, `bind(2)`, `listen(2)`, `accept4(2)`,
//! `connect(2)`, and the Internet side of the calls `socket.rs` serves for
//! both families (send/recv, shutdown, options, names).

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::Arc;

use abi::socket::{
    in6_addr, in_addr, in_pktinfo, linger, msghdr, put_cmsg, sockaddr_in, sockaddr_in6, tcp_info,
    MsgFlags, SockFlags, AF_INET, AF_INET6, AF_UNSPEC, IPPROTO_TCP, IPPROTO_UDP, IPV6_UNICAST_HOPS,
    IPV6_V6ONLY, IP_PKTINFO, IP_TTL, SOCK_DGRAM, SOCK_STREAM, SOL_IP, SOL_IPV6, SOL_SOCKET,
    SOL_TCP, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR, SO_KEEPALIVE, SO_LINGER, SO_PROTOCOL, SO_RCVBUF,
    SO_REUSEADDR, SO_SNDBUF, SO_TYPE, TCP_INFO, TCP_NODELAY,
};
use abi::Errno;
use net::{Domain, SockType};
use vfs::file::{POLLIN, POLLOUT};
use vfs::{FileDescription, OpenFlags};
use zerocopy::IntoBytes;

use super::socket::{blocking, put_optval, recv_step, scatter, send_all};
use super::{SysResult, SysRet, SyscallArgs};
use crate::inet::{as_inet, netstack, new_socket, InetSocket};
use crate::task::Task;
use crate::usermem::{copy_in_iovecs, IoVec, UserPtr, UserSlice, MAX_RW_COUNT};

/// The interface index of `lo`.
const LOOPBACK_IFINDEX: i32 = 1;
/// Largest datagram a receive copies (the UDP maximum).
const MAX_DGRAM: usize = 65_536;
/// Largest socket address a call reads (`sizeof(struct sockaddr_storage)`).
const SOCKADDR_MAX: u64 = 128;

fn inet(f: &FileDescription) -> Result<&InetSocket, Errno> {
    as_inet(f).ok_or(Errno::ENOTSOCK)
}

/// The Internet socket behind `fd` (`ENOTSOCK` for any other file).
fn inet_file(t: &Task, fd: i32) -> Result<Arc<FileDescription>, Errno> {
    let f = t.file(fd)?;
    inet(&f)?;
    Ok(f)
}

/// Reads a socket address for a socket of `domain`; `None` for
/// `AF_UNSPEC` (disconnect).
fn read_addr(
    t: &mut Task,
    ptr: u64,
    len: u64,
    domain: Domain,
) -> Result<Option<SocketAddr>, Errno> {
    if !(2..=SOCKADDR_MAX).contains(&len) {
        return Err(Errno::EINVAL);
    }
    let b = UserSlice::new(ptr, len).read_all(t.mem())?;
    let family = i32::from(u16::from_ne_bytes([b[0], b[1]]));
    let port = |b: &[u8]| u16::from_be_bytes([b[2], b[3]]);
    match (family, domain) {
        (AF_UNSPEC, _) => Ok(None),
        (AF_INET, Domain::Inet) if b.len() >= 16 => Ok(Some(SocketAddr::new(
            IpAddr::V4(Ipv4Addr::new(b[4], b[5], b[6], b[7])),
            port(&b),
        ))),
        (AF_INET6, Domain::Inet6) if b.len() >= 24 => {
            let mut o = [0u8; 16];
            o.copy_from_slice(&b[8..24]);
            Ok(Some(SocketAddr::new(
                IpAddr::V6(Ipv6Addr::from(o)),
                port(&b),
            )))
        }
        (AF_INET, Domain::Inet) | (AF_INET6, Domain::Inet6) => Err(Errno::EINVAL),
        _ => Err(Errno::EAFNOSUPPORT),
    }
}

/// `addr` as a `sockaddr_in`/`sockaddr_in6`.
fn addr_bytes(addr: SocketAddr) -> Vec<u8> {
    match addr {
        SocketAddr::V4(v4) => sockaddr_in::new(in_addr::from_octets(v4.ip().octets()), v4.port())
            .as_bytes()
            .to_vec(),
        SocketAddr::V6(v6) => sockaddr_in6::new(
            in6_addr {
                s6_addr: v6.ip().octets(),
            },
            v6.port(),
        )
        .as_bytes()
        .to_vec(),
    }
}

/// Writes `addr` into a caller buffer of `*lenp` bytes (cut to fit) and
/// its full length into `*lenp`.
fn write_addr(t: &mut Task, ptr: u64, lenp: UserPtr<u32>, addr: SocketAddr) -> Result<(), Errno> {
    let len = lenp.read(t.mem())?;
    if (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    let b = addr_bytes(addr);
    let n = (len as usize).min(b.len());
    UserSlice::new(ptr, n as u64).write_prefix(t.mem(), &b[..n])?;
    lenp.write(t.mem(), &(b.len() as u32))
}

/// `socket(2)`: `AF_INET`/`AF_INET6` stream (TCP) and datagram (UDP)
/// sockets on the sandbox's loopback stack; other families
/// `EAFNOSUPPORT`.
pub fn sys_socket(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (family, raw_type, protocol) = (a.i32(0), a.i32(1), a.i32(2));
    let domain = match family {
        AF_INET => Domain::Inet,
        AF_INET6 => Domain::Inet6,
        _ => return Err(Errno::EAFNOSUPPORT),
    };
    let (ty, flags, rest) = SockFlags::split_type(raw_type);
    if rest != 0 {
        return Err(Errno::EINVAL);
    }
    let ty = match (ty, protocol) {
        (SOCK_STREAM, 0 | IPPROTO_TCP) => SockType::Stream,
        (SOCK_DGRAM, 0 | IPPROTO_UDP) => SockType::Dgram,
        (SOCK_STREAM | SOCK_DGRAM, _) => return Err(Errno::EPROTONOSUPPORT),
        _ => return Err(Errno::ESOCKTNOSUPPORT),
    };
    let net = netstack();
    let id = net.with(|s| s.socket(domain, ty));
    install(t, net, id, flags)
}

/// Puts stack socket `id` in the caller's descriptor table.
fn install(
    t: &mut Task,
    net: Arc<crate::inet::NetStack>,
    id: net::SocketId,
    flags: SockFlags,
) -> SysResult {
    let now = vfs::Clock::now(&crate::clock::HostClock);
    let attr = crate::anon::anon_attr(t.creds.euid, t.creds.egid, now);
    let status = if flags.contains(SockFlags::SOCK_NONBLOCK) {
        OpenFlags::O_NONBLOCK
    } else {
        OpenFlags::empty()
    };
    let file = new_socket(net, id, attr, status)?;
    let limit = t.nofile();
    let fd = t.fds.insert(
        Arc::new(file),
        flags.contains(SockFlags::SOCK_CLOEXEC),
        limit,
    )?;
    Ok(SysRet::Value(fd as u64))
}

/// `bind(2)`.
pub fn sys_bind(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = inet_file(t, a.fd(0))?;
    let s = inet(&f)?;
    let addr = match read_addr(t, a.u64(1), a.u64(2), s.domain())? {
        Some(addr) => addr,
        // Linux takes AF_UNSPEC for INADDR_ANY on an IPv4 socket.
        None if s.domain() == Domain::Inet => SocketAddr::new(IpAddr::V4(Ipv4Addr::UNSPECIFIED), 0),
        None => return Err(Errno::EAFNOSUPPORT),
    };
    s.with(|st, id| st.bind(id, addr))?;
    SysRet::ZERO
}

/// `listen(2)`.
pub fn sys_listen(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = inet_file(t, a.fd(0))?;
    let backlog = a.i32(1);
    inet(&f)?.with(|st, id| st.listen(id, backlog))?;
    SysRet::ZERO
}

/// `accept(2)`.
pub fn sys_accept(t: &mut Task, a: &SyscallArgs) -> SysResult {
    accept(t, a, SockFlags::empty())
}

/// `accept4(2)`: `SOCK_NONBLOCK` and `SOCK_CLOEXEC` flags, others `EINVAL`.
pub fn sys_accept4(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = SockFlags::from_bits(a.i32(3)).ok_or(Errno::EINVAL)?;
    accept(t, a, flags)
}

fn accept(t: &mut Task, a: &SyscallArgs, flags: SockFlags) -> SysResult {
    let f = inet_file(t, a.fd(0))?;
    let s = inet(&f)?;
    let (child, peer) = loop {
        match s.with(|st, id| st.accept(id)) {
            Err(Errno::EAGAIN) if blocking(&f, 0) => t.wait_file(&f, POLLIN)?,
            r => break r?,
        }
    };
    let ret = install(t, netstack(), child, flags)?;
    if a.u64(1) != 0 {
        if let SysRet::Value(fd) = ret {
            if let Err(e) = write_addr(t, a.u64(1), a.ptr(2), peer) {
                let _ = t.fds.remove(fd as i32);
                return Err(e);
            }
        }
    }
    Ok(ret)
}

/// `connect(2)`: a blocking stream socket waits for the handshake; a
/// non-blocking one returns `EINPROGRESS`. `AF_UNSPEC` disconnects.
pub fn sys_connect(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = inet_file(t, a.fd(0))?;
    let s = inet(&f)?;
    let Some(to) = read_addr(t, a.u64(1), a.u64(2), s.domain())? else {
        s.with(|st, id| st.disconnect(id))?;
        return SysRet::ZERO;
    };
    match s.with(|st, id| st.connect(id, to)) {
        Err(Errno::EINPROGRESS) if blocking(&f, 0) => loop {
            match s.with(|st, id| st.finish_connect(id)) {
                Err(Errno::EALREADY) => t.wait_file(&f, POLLOUT)?,
                r => {
                    r?;
                    return SysRet::ZERO;
                }
            }
        },
        r => {
            r?;
            SysRet::ZERO
        }
    }
}

/// Sends the bytes of `iovs` to `to` (datagrams) or the peer: a stream
/// sends everything, waiting for room unless non-blocking; a datagram goes
/// whole. `EPIPE` posts `SIGPIPE` unless `MSG_NOSIGNAL`.
fn send(
    t: &mut Task,
    f: &FileDescription,
    iovs: &[IoVec],
    to: Option<SocketAddr>,
    flags: u32,
) -> Result<u64, Errno> {
    let s = inet(f)?;
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let dgram = s.sock_type() == SockType::Dgram;
    if dgram && total > MAX_DGRAM as u64 {
        return Err(Errno::EMSGSIZE);
    }
    send_all(t, f, iovs, dgram, flags, |chunk| {
        s.with(|st, id| st.send(id, chunk, to))
    })
}

/// What [`recv`] got.
struct Got {
    len: u64,
    flags: u32,
    from: Option<SocketAddr>,
    to: Option<IpAddr>,
}

/// Receives into `iovs`, waiting unless non-blocking. `MSG_PEEK` leaves
/// the data; `MSG_TRUNC` returns a datagram's real length (and discards
/// stream bytes); `MSG_WAITALL` on a stream reads until the buffer is
/// full, end of stream or a signal.
fn recv(t: &mut Task, f: &FileDescription, iovs: &[IoVec], flags: u32) -> Result<Got, Errno> {
    let s = inet(f)?;
    let stream = s.sock_type() == SockType::Stream;
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let mflags = MsgFlags::from_bits_truncate(flags) & (MsgFlags::MSG_PEEK | MsgFlags::MSG_TRUNC);
    let peek = mflags.contains(MsgFlags::MSG_PEEK);
    let waitall = flags & MsgFlags::MSG_WAITALL.bits() != 0 && stream && !peek;
    let cap = total
        .min(MAX_RW_COUNT)
        .min(if stream { 1 << 20 } else { MAX_DGRAM as u64 }) as usize;
    let mut buf = vec![0u8; cap];
    let mut got = Got {
        len: 0,
        flags: 0,
        from: None,
        to: None,
    };
    let mut at = 0usize;
    loop {
        let pull = || s.with(|st, id| st.recv(id, &mut buf[at..], mflags));
        let Some(r) = recv_step(t, f, flags, at, waitall, pull)? else {
            break;
        };
        at += r.len;
        got.len = at as u64;
        got.from = r.from;
        got.to = r.to;
        if !stream {
            if r.full_len > r.len {
                got.flags |= MsgFlags::MSG_TRUNC.bits();
            }
            if mflags.contains(MsgFlags::MSG_TRUNC) {
                got.len = r.full_len as u64;
            }
        }
        if !waitall || r.len == 0 || at >= cap {
            break;
        }
    }
    if !(stream && mflags.contains(MsgFlags::MSG_TRUNC)) {
        scatter(t, iovs, &buf[..at])?;
    }
    Ok(got)
}

/// The destination of a send: none, or the address at `ptr`.
fn dest(t: &mut Task, s: &InetSocket, ptr: u64, len: u64) -> Result<Option<SocketAddr>, Errno> {
    if ptr == 0 {
        return Ok(None);
    }
    match read_addr(t, ptr, len, s.domain())? {
        // A stream ignores the address, as Linux does once connected.
        Some(a) if s.sock_type() == SockType::Dgram => Ok(Some(a)),
        _ => Ok(None),
    }
}

/// `sendto(2)` on an Internet socket.
pub(super) fn sendto(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let to = dest(t, inet(f)?, a.u64(4), a.u64(5))?;
    let iov = [UserSlice::new(a.u64(1), a.u64(2).min(MAX_RW_COUNT))];
    send(t, f, &iov, to, a.u32(3)).map(SysRet::Value)
}

/// `recvfrom(2)` on an Internet socket.
pub(super) fn recvfrom(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let iov = [UserSlice::new(a.u64(1), a.u64(2).min(MAX_RW_COUNT))];
    let got = recv(t, f, &iov, a.u32(3))?;
    if a.u64(4) != 0 {
        if let Some(from) = got.from {
            write_addr(t, a.u64(4), a.ptr(5), from)?;
        } else {
            let lenp = a.ptr::<u32>(5);
            if !lenp.is_null() {
                lenp.write(t.mem(), &0)?;
            }
        }
    }
    Ok(SysRet::Value(got.len))
}

/// `sendmsg(2)` on an Internet socket (no control messages: `EINVAL`).
pub(super) fn sendmsg(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let m = a.ptr::<msghdr>(1).read(t.mem())?;
    if m.msg_controllen != 0 {
        return Err(Errno::EINVAL);
    }
    let to = dest(t, inet(f)?, m.msg_name, u64::from(m.msg_namelen))?;
    let iovs = copy_in_iovecs(t.mem(), m.msg_iov, m.msg_iovlen)?;
    send(t, f, &iovs, to, a.u32(2)).map(SysRet::Value)
}

/// `recvmsg(2)` on an Internet socket: data, source address and
/// `MSG_TRUNC`; no control messages.
pub(super) fn recvmsg(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let s = inet(f)?;
    let mp = a.ptr::<msghdr>(1);
    let mut m = mp.read(t.mem())?;
    let iovs = copy_in_iovecs(t.mem(), m.msg_iov, m.msg_iovlen)?;
    let got = recv(t, f, &iovs, a.u32(2))?;
    if m.msg_name != 0 {
        match got.from {
            Some(from) => {
                let b = addr_bytes(from);
                let n = (m.msg_namelen as usize).min(b.len());
                UserSlice::new(m.msg_name, n as u64).write_prefix(t.mem(), &b[..n])?;
                m.msg_namelen = b.len() as u32;
            }
            None => m.msg_namelen = 0,
        }
    }
    m.msg_controllen = pktinfo_out(t, s, &m, &got)?;
    m.msg_flags = got.flags;
    mp.write(t.mem(), &m)?;
    Ok(SysRet::Value(got.len))
}

/// Writes the `IP_PKTINFO` control message of an IPv4 datagram when the
/// socket asked for it; returns the control bytes used.
fn pktinfo_out(t: &mut Task, s: &InetSocket, m: &msghdr, got: &Got) -> Result<u64, Errno> {
    let Some(IpAddr::V4(to)) = got.to else {
        return Ok(0);
    };
    if m.msg_controllen == 0 || !s.with(|st, id| st.pktinfo(id))? {
        return Ok(0);
    }
    let info = in_pktinfo {
        ipi_ifindex: LOOPBACK_IFINDEX,
        ipi_spec_dst: in_addr::from_octets(to.octets()),
        ipi_addr: in_addr::from_octets(to.octets()),
    };
    let mut ctl = vec![0u8; m.msg_controllen.min(4096) as usize];
    let (used, _) = put_cmsg(&mut ctl, SOL_IP, IP_PKTINFO, info.as_bytes());
    UserSlice::new(m.msg_control, used as u64).write_prefix(t.mem(), &ctl[..used])?;
    Ok(used as u64)
}

/// `shutdown(2)` on an Internet socket.
pub(super) fn shutdown(_t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let how = a.i32(1);
    inet(f)?.with(|st, id| st.shutdown(id, how))?;
    SysRet::ZERO
}

/// `getsockopt(2)` on an Internet socket: `SOL_SOCKET` `SO_TYPE`,
/// `SO_DOMAIN`, `SO_PROTOCOL`, `SO_ERROR`, `SO_ACCEPTCONN`, `SO_SNDBUF`,
/// `SO_RCVBUF`, `SO_REUSEADDR`, `SO_KEEPALIVE`, `SO_LINGER`; `IP_TTL`,
/// `IP_PKTINFO`, `IPV6_UNICAST_HOPS`; `TCP_NODELAY`; others `ENOPROTOOPT`.
pub(super) fn getsockopt(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let s = inet(f)?;
    let (level, name) = (a.i32(1), a.i32(2));
    let stream = s.sock_type() == SockType::Stream;
    let int = |v: i32| v.to_ne_bytes().to_vec();
    let flag = |v: Result<bool, Errno>| v.map(|b| int(i32::from(b)));
    let v: Vec<u8> = match (level, name) {
        (SOL_SOCKET, SO_TYPE) => int(if stream { SOCK_STREAM } else { SOCK_DGRAM }),
        (SOL_SOCKET, SO_DOMAIN) => int(match s.domain() {
            Domain::Inet => AF_INET,
            Domain::Inet6 => AF_INET6,
        }),
        (SOL_SOCKET, SO_PROTOCOL) => int(if stream { IPPROTO_TCP } else { IPPROTO_UDP }),
        (SOL_SOCKET, SO_ERROR) => int(s
            .with(|st, id| st.take_error(id))?
            .map_or(0, |e| e.as_i32())),
        (SOL_SOCKET, SO_ACCEPTCONN) => flag(s.with(|st, id| st.is_listening(id)))?,
        (SOL_SOCKET, SO_SNDBUF) => int(s.with(|st, id| st.send_buffer(id))? as i32),
        (SOL_SOCKET, SO_RCVBUF) => int(s.with(|st, id| st.recv_buffer(id))? as i32),
        (SOL_SOCKET, SO_REUSEADDR) => flag(s.with(|st, id| st.reuse_addr(id)))?,
        (SOL_SOCKET, SO_KEEPALIVE) => flag(s.with(|st, id| st.keepalive(id)))?,
        (SOL_SOCKET, SO_LINGER) => {
            let l = s.with(|st, id| st.linger(id))?;
            linger {
                l_onoff: i32::from(l.is_some()),
                l_linger: l.unwrap_or(0) as i32,
            }
            .as_bytes()
            .to_vec()
        }
        (SOL_IP, IP_TTL) | (SOL_IPV6, IPV6_UNICAST_HOPS) => {
            int(i32::from(s.with(|st, id| st.ttl(id))?))
        }
        (SOL_IP, IP_PKTINFO) => flag(s.with(|st, id| st.pktinfo(id)))?,
        (SOL_TCP, TCP_NODELAY) => flag(s.with(|st, id| st.nodelay(id)))?,
        (SOL_TCP, TCP_INFO) => tcp_info {
            tcpi_state: s.with(|st, id| st.tcp_state(id))?,
            ..tcp_info::default()
        }
        .as_bytes()
        .to_vec(),
        // Sockets are dual-stack; IPV6_V6ONLY cannot be turned on.
        (SOL_IPV6, IPV6_V6ONLY) if s.domain() == Domain::Inet6 => int(0),
        _ => return Err(Errno::ENOPROTOOPT),
    };
    put_optval(t, a, &v)
}

/// `setsockopt(2)` on an Internet socket: `SO_REUSEADDR`, `SO_SNDBUF`,
/// `SO_RCVBUF`, `SO_KEEPALIVE`, `SO_LINGER`, `IP_TTL`, `IP_PKTINFO`,
/// `IPV6_UNICAST_HOPS`, `IPV6_V6ONLY` (0 only: dual stack), `TCP_NODELAY`;
/// others `ENOPROTOOPT`.
pub(super) fn setsockopt(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let s = inet(f)?;
    let (level, name, optlen) = (a.i32(1), a.i32(2), a.i32(4));
    let v6only = (level, name) == (SOL_IPV6, IPV6_V6ONLY);
    if !v6only
        && !matches!(
            (level, name),
            (
                SOL_SOCKET,
                SO_REUSEADDR | SO_SNDBUF | SO_RCVBUF | SO_KEEPALIVE | SO_LINGER
            ) | (SOL_IP, IP_TTL | IP_PKTINFO)
                | (SOL_IPV6, IPV6_UNICAST_HOPS)
                | (SOL_TCP, TCP_NODELAY)
        )
    {
        return Err(Errno::ENOPROTOOPT);
    }
    if (level, name) == (SOL_IPV6, IPV6_V6ONLY) && s.domain() == Domain::Inet6 {
        // Dual stack is all there is: turning it off is accepted, on is not.
        if optlen < 4 {
            return Err(Errno::EINVAL);
        }
        return match a.ptr::<i32>(3).read(t.mem())? {
            0 => SysRet::ZERO,
            _ => Err(Errno::ENOPROTOOPT),
        };
    }
    if (level, name) == (SOL_SOCKET, SO_LINGER) {
        if optlen < 8 {
            return Err(Errno::EINVAL);
        }
        let l = a.ptr::<linger>(3).read(t.mem())?;
        let v = (l.l_onoff != 0).then_some(l.l_linger.max(0) as u32);
        s.with(|st, id| st.set_linger(id, v))?;
        return SysRet::ZERO;
    }
    if optlen < 4 {
        return Err(Errno::EINVAL);
    }
    let v = a.ptr::<i32>(3).read(t.mem())?;
    s.with(|st, id| match (level, name) {
        (SOL_SOCKET, SO_REUSEADDR) => st.set_reuse_addr(id, v != 0),
        (SOL_SOCKET, SO_SNDBUF) => st.set_send_buffer(id, v),
        (SOL_SOCKET, SO_RCVBUF) => st.set_recv_buffer(id, v),
        (SOL_SOCKET, SO_KEEPALIVE) => st.set_keepalive(id, v != 0),
        (SOL_IP, IP_PKTINFO) => st.set_pktinfo(id, v != 0),
        (SOL_IP, IP_TTL) | (SOL_IPV6, IPV6_UNICAST_HOPS) => st.set_ttl(id, v),
        _ => st.set_nodelay(id, v != 0),
    })?;
    SysRet::ZERO
}

/// `getsockname(2)` on an Internet socket.
pub(super) fn getsockname(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let addr = inet(f)?.with(|st, id| st.local_addr(id))?;
    write_addr(t, a.u64(1), a.ptr(2), addr)?;
    SysRet::ZERO
}

/// `getpeername(2)` on an Internet socket.
pub(super) fn getpeername(t: &mut Task, a: &SyscallArgs, f: &FileDescription) -> SysResult {
    let addr = inet(f)?.with(|st, id| st.peer_addr(id))?;
    write_addr(t, a.u64(1), a.ptr(2), addr)?;
    SysRet::ZERO
}
