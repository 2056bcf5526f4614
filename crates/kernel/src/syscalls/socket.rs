//! Sockets: `socketpair(2)` for `AF_UNIX`, and the calls that work on
//! the connected pairs it makes ([`crate::unix`]): `shutdown(2)`,
//! `sendto(2)`, `recvfrom(2)`, `sendmsg(2)`, `recvmsg(2)` with
//! `SCM_RIGHTS`, `getsockopt(2)`, `getsockname(2)`, `getpeername(2)`.
//!
//! There are no named sockets (`socket`, `bind`, `connect` are not
//! implemented), so every socket here is an unnamed end of a pair: its
//! own and its peer's address is a bare `AF_UNIX` family, and a send to
//! an explicit address finds no listener.

use std::sync::Arc;

use abi::signal::{siginfo_t, SIGPIPE, SI_USER};
use abi::socket::{
    msghdr, put_cmsg, ucred, CmsgIter, MsgFlags, SockFlags, AF_INET, AF_INET6, AF_UNIX, SCM_RIGHTS,
    SOL_SOCKET, SO_ACCEPTCONN, SO_DOMAIN, SO_ERROR, SO_PEERCRED, SO_PROTOCOL, SO_RCVBUF, SO_SNDBUF,
    SO_TYPE,
};
use abi::Errno;
use vfs::file::{POLLIN, POLLOUT};
use vfs::{FileDescription, OpenFlags};

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::unix::{as_unix, new_pair, Kind, Rights, UnixSocket, QUEUE_CAPACITY, SCM_MAX_FD};
use crate::usermem::{copy_in_iovecs, IoVec, UserPtr, UserSlice, MAX_RW_COUNT};

/// Bytes moved per call into a socket.
const CHUNK: usize = 64 * 1024;
/// `PF_UNIX`, the only protocol number `AF_UNIX` accepts besides 0.
const PF_UNIX: i32 = 1;
/// `MSG_CMSG_CLOEXEC`: received descriptors get `FD_CLOEXEC`.
const MSG_CMSG_CLOEXEC: u32 = 0x4000_0000;

/// `socketpair(2)`: `AF_UNIX` stream, datagram and seqpacket pairs. The
/// Internet families exist but cannot make pairs (`EOPNOTSUPP`), as in
/// Linux; other families `EAFNOSUPPORT`.
pub fn sys_socketpair(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (domain, raw_type, protocol) = (a.i32(0), a.i32(1), a.i32(2));
    if domain == AF_INET || domain == AF_INET6 {
        return Err(Errno::EOPNOTSUPP);
    }
    if domain != AF_UNIX {
        return Err(Errno::EAFNOSUPPORT);
    }
    let (ty, flags, rest) = SockFlags::split_type(raw_type);
    if rest != 0 {
        return Err(Errno::EINVAL);
    }
    if protocol != 0 && protocol != PF_UNIX {
        return Err(Errno::EPROTONOSUPPORT);
    }
    let kind = Kind::from_type(ty)?;
    let now = vfs::Clock::now(&crate::clock::HostClock);
    let (uid, gid) = (t.creds.euid, t.creds.egid);
    let attrs = [
        crate::anon::anon_attr(uid, gid, now),
        crate::anon::anon_attr(uid, gid, now),
    ];
    let status = if flags.contains(SockFlags::SOCK_NONBLOCK) {
        OpenFlags::O_NONBLOCK
    } else {
        OpenFlags::empty()
    };
    let owner = ucred {
        pid: t.pid(),
        uid: t.creds.euid,
        gid: t.creds.egid,
    };
    let (x, y) = new_pair(kind, owner, attrs, status)?;
    let cloexec = flags.contains(SockFlags::SOCK_CLOEXEC);
    let limit = t.nofile();
    let fx = t.fds.insert(Arc::new(x), cloexec, limit)?;
    let fy = match t.fds.insert(Arc::new(y), cloexec, limit) {
        Ok(fd) => fd,
        Err(e) => {
            let _ = t.fds.remove(fx);
            return Err(e);
        }
    };
    if let Err(e) = a.ptr::<[i32; 2]>(3).write(t.mem(), &[fx, fy]) {
        let _ = t.fds.remove(fx);
        let _ = t.fds.remove(fy);
        return Err(e);
    }
    SysRet::ZERO
}

/// The socket behind `fd`: `EBADF`, or `ENOTSOCK` for another file.
fn socket(t: &Task, fd: i32) -> Result<Arc<FileDescription>, Errno> {
    let f = t.file(fd)?;
    if as_unix(&f).is_none() && crate::inet::as_inet(&f).is_none() {
        return Err(Errno::ENOTSOCK);
    }
    Ok(f)
}

fn unix(f: &FileDescription) -> Result<&UnixSocket, Errno> {
    as_unix(f).ok_or(Errno::ENOTSOCK)
}

/// `shutdown(2)`.
pub fn sys_shutdown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::shutdown(t, a, &f);
    }
    unix(&f)?.shutdown(a.i32(1))?;
    SysRet::ZERO
}

/// Whether an `EAGAIN` should wait: a blocking descriptor without
/// `MSG_DONTWAIT`.
pub(super) fn blocking(f: &FileDescription, flags: u32) -> bool {
    !f.status_flags().contains(OpenFlags::O_NONBLOCK) && flags & MsgFlags::MSG_DONTWAIT.bits() == 0
}

/// An explicit destination address on a send: the pair is connected, and
/// no named socket exists to receive a datagram.
fn check_dest(s: &UnixSocket, namelen: u64) -> Result<(), Errno> {
    match (namelen, s.kind()) {
        (0, _) => Ok(()),
        (_, Kind::Stream) => Err(Errno::EISCONN),
        (_, Kind::SeqPacket) => Err(Errno::EOPNOTSUPP),
        (_, Kind::Dgram) => Err(Errno::ECONNREFUSED),
    }
}

/// Sends the bytes of `iovs` with `rights` on the first piece. A stream
/// sends everything, waiting for room unless non-blocking; a message kind
/// sends one message. `EPIPE` posts `SIGPIPE` unless `MSG_NOSIGNAL`.
fn send(
    t: &mut Task,
    f: &FileDescription,
    iovs: &[IoVec],
    mut rights: Option<Rights>,
    flags: u32,
) -> Result<u64, Errno> {
    let s = unix(f)?;
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let message = s.kind() != Kind::Stream;
    if message && total > QUEUE_CAPACITY as u64 {
        return Err(Errno::EMSGSIZE);
    }
    send_all(t, f, iovs, message, flags, |chunk| {
        let r = s.send(chunk, rights.clone());
        if r.is_ok() {
            rights = None;
        }
        r
    })
}

/// Sends the bytes of `iovs` through `push`, which takes what fits: a
/// message (`whole`) goes in one piece, a stream in chunks until all is
/// sent, waiting for room unless non-blocking (a stream returns what it
/// sent when interrupted). `EPIPE` posts `SIGPIPE` unless `MSG_NOSIGNAL`.
pub(super) fn send_all(
    t: &mut Task,
    f: &FileDescription,
    iovs: &[IoVec],
    whole: bool,
    flags: u32,
    mut push: impl FnMut(&[u8]) -> Result<usize, Errno>,
) -> Result<u64, Errno> {
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let data = if whole {
        Some(gather(t, iovs, 0, total as usize)?)
    } else {
        None
    };
    let mut done = 0u64;
    loop {
        let chunk = match &data {
            Some(d) => d.clone(),
            None => gather(t, iovs, done, (total - done).min(CHUNK as u64) as usize)?,
        };
        let r = match push(&chunk) {
            Err(Errno::EAGAIN) if blocking(f, flags) => match t.wait_file(f, POLLOUT) {
                Ok(()) => continue,
                Err(e) => Err(e),
            },
            r => r,
        };
        match r {
            Ok(n) => {
                done += n as u64;
                if whole || done >= total {
                    return Ok(done);
                }
            }
            Err(_) if done > 0 => return Ok(done),
            Err(e) => {
                if e == Errno::EPIPE && flags & MsgFlags::MSG_NOSIGNAL.bits() == 0 {
                    let (pid, uid) = (t.pid(), t.creds.uid);
                    t.post_signal(siginfo_t::new_kill(SIGPIPE, SI_USER, pid, uid));
                }
                return Err(e);
            }
        }
    }
}

/// Copies `len` bytes starting `skip` bytes into the iovecs.
fn gather(t: &mut Task, iovs: &[IoVec], mut skip: u64, len: usize) -> Result<Vec<u8>, Errno> {
    let mut out = vec![0u8; len];
    let mut at = 0usize;
    for v in iovs {
        if at >= len {
            break;
        }
        if skip >= v.len {
            skip -= v.len;
            continue;
        }
        let n = ((v.len - skip) as usize).min(len - at);
        t.mem().read_bytes(v.addr + skip, &mut out[at..at + n])?;
        at += n;
        skip = 0;
    }
    Ok(out)
}

/// Copies `data` across the iovecs.
pub(super) fn scatter(t: &mut Task, iovs: &[IoVec], data: &[u8]) -> Result<(), Errno> {
    let mut at = 0usize;
    for v in iovs {
        if at >= data.len() {
            break;
        }
        let n = (v.len as usize).min(data.len() - at);
        t.mem().write_bytes(v.addr, &data[at..at + n])?;
        at += n;
    }
    Ok(())
}

/// What [`recv`] returns: bytes, message flags, descriptors.
struct Got {
    len: u64,
    copied: usize,
    flags: u32,
    rights: Option<Rights>,
}

/// Receives into `iovs`, waiting unless non-blocking. `MSG_PEEK` leaves
/// the data; `MSG_TRUNC` on a message kind returns the real length;
/// `MSG_WAITALL` on a stream keeps reading until the buffer is full, end
/// of file or a signal.
fn recv(t: &mut Task, f: &FileDescription, iovs: &[IoVec], flags: u32) -> Result<Got, Errno> {
    let s = unix(f)?;
    let total: u64 = iovs.iter().map(|v| v.len).sum();
    let peek = flags & MsgFlags::MSG_PEEK.bits() != 0;
    let waitall = flags & MsgFlags::MSG_WAITALL.bits() != 0 && s.kind() == Kind::Stream && !peek;
    let cap = (total.min(MAX_RW_COUNT) as usize).min(QUEUE_CAPACITY);
    let mut buf = vec![0u8; cap];
    let mut got = Got {
        len: 0,
        copied: 0,
        flags: 0,
        rights: None,
    };
    loop {
        let at = got.copied;
        let Some(r) = recv_step(t, f, flags, at, waitall, || s.recv(&mut buf[at..], peek))? else {
            break;
        };
        got.copied += r.len;
        got.len = got.copied as u64;
        if r.truncated {
            got.flags |= MsgFlags::MSG_TRUNC.bits();
        }
        if s.kind() != Kind::Stream && flags & MsgFlags::MSG_TRUNC.bits() != 0 {
            got.len = r.msg_len as u64;
        }
        let had_rights = r.rights.is_some();
        got.rights = got.rights.or(r.rights);
        if !waitall || r.len == 0 || had_rights || got.copied >= cap {
            break;
        }
    }
    scatter(t, iovs, &buf[..got.copied])?;
    Ok(got)
}

/// One receive of a loop that has `at` bytes so far: waits for data
/// unless non-blocking (or done, without `waitall`), retrying `pull` on
/// `EAGAIN`. `None` ends the loop with what was received; an error with
/// nothing received is the call's.
pub(super) fn recv_step<R>(
    t: &mut Task,
    f: &FileDescription,
    flags: u32,
    at: usize,
    waitall: bool,
    mut pull: impl FnMut() -> Result<R, Errno>,
) -> Result<Option<R>, Errno> {
    loop {
        match pull() {
            Err(Errno::EAGAIN) if blocking(f, flags) && (at == 0 || waitall) => {
                match t.wait_file(f, POLLIN) {
                    Ok(()) => continue,
                    Err(_) if at > 0 => return Ok(None),
                    Err(e) => return Err(e),
                }
            }
            Err(_) if at > 0 => return Ok(None),
            r => return r.map(Some),
        }
    }
}

/// `sendto(2)`.
pub fn sys_sendto(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::sendto(t, a, &f);
    }
    check_dest(unix(&f)?, if a.u64(4) == 0 { 0 } else { a.u64(5) })?;
    let iov = [UserSlice::new(a.u64(1), a.u64(2).min(MAX_RW_COUNT))];
    send(t, &f, &iov, None, a.u32(3)).map(SysRet::Value)
}

/// Writes an unnamed address (0 bytes) for `recvfrom`/`recvmsg`.
fn no_address(t: &mut Task, lenp: UserPtr<u32>) -> Result<(), Errno> {
    if lenp.is_null() {
        return Ok(());
    }
    let len = lenp.read(t.mem())?;
    if (len as i32) < 0 {
        return Err(Errno::EINVAL);
    }
    lenp.write(t.mem(), &0)
}

/// `recvfrom(2)`: the sender of a pair is unnamed (address length 0).
pub fn sys_recvfrom(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::recvfrom(t, a, &f);
    }
    let iov = [UserSlice::new(a.u64(1), a.u64(2).min(MAX_RW_COUNT))];
    let got = recv(t, &f, &iov, a.u32(3))?;
    if a.u64(4) != 0 {
        no_address(t, a.ptr(5))?;
    }
    Ok(SysRet::Value(got.len))
}

/// The descriptors of the `SCM_RIGHTS` messages in a control buffer.
/// Other `SOL_SOCKET` messages and other levels give `EINVAL`.
fn rights_in(t: &mut Task, m: &msghdr) -> Result<Option<Rights>, Errno> {
    if m.msg_controllen == 0 {
        return Ok(None);
    }
    if m.msg_controllen > i32::MAX as u64 {
        return Err(Errno::ENOBUFS);
    }
    let ctl = UserSlice::new(m.msg_control, m.msg_controllen).read_all(t.mem())?;
    let mut out: Rights = Vec::new();
    for c in CmsgIter::new(&ctl) {
        let c = c?;
        if c.cmsg_level != SOL_SOCKET || c.cmsg_type != SCM_RIGHTS {
            return Err(Errno::EINVAL);
        }
        for fd in c.data.chunks_exact(4) {
            if out.len() >= SCM_MAX_FD {
                return Err(Errno::EINVAL);
            }
            let fd = i32::from_ne_bytes([fd[0], fd[1], fd[2], fd[3]]);
            out.push(t.file(fd)?);
        }
    }
    Ok((!out.is_empty()).then_some(out))
}

/// `sendmsg(2)`: data from the iovecs, descriptors from `SCM_RIGHTS`.
pub fn sys_sendmsg(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::sendmsg(t, a, &f);
    }
    let m = a.ptr::<msghdr>(1).read(t.mem())?;
    check_dest(
        unix(&f)?,
        if m.msg_name == 0 {
            0
        } else {
            u64::from(m.msg_namelen)
        },
    )?;
    let iovs = copy_in_iovecs(t.mem(), m.msg_iov, m.msg_iovlen)?;
    let rights = rights_in(t, &m)?;
    send(t, &f, &iovs, rights, a.u32(2)).map(SysRet::Value)
}

/// Installs received descriptors and writes their `SCM_RIGHTS` message
/// into the control buffer: as many as fit (the rest are closed, with
/// `MSG_CTRUNC`). Returns the control bytes used and extra `msg_flags`.
fn rights_out(t: &mut Task, m: &msghdr, rights: Rights, flags: u32) -> Result<(u64, u32), Errno> {
    let room = (m.msg_controllen.min(4096) as usize).saturating_sub(abi::socket::CMSG_LEN(0));
    let fit = (room / 4).min(rights.len());
    let truncated = fit < rights.len();
    let cloexec = flags & MSG_CMSG_CLOEXEC != 0;
    let limit = t.nofile();
    let mut fds = Vec::new();
    for file in rights.into_iter().take(fit) {
        match t.fds.insert(file, cloexec, limit) {
            Ok(fd) => fds.push(fd),
            Err(_) => break,
        }
    }
    let truncated = truncated || fds.len() < fit;
    if fds.is_empty() {
        return Ok((
            0,
            if truncated {
                MsgFlags::MSG_CTRUNC.bits()
            } else {
                0
            },
        ));
    }
    let data: Vec<u8> = fds.iter().flat_map(|fd| fd.to_ne_bytes()).collect();
    let mut ctl = vec![0u8; m.msg_controllen.min(4096) as usize];
    let (used, cut) = put_cmsg(&mut ctl, SOL_SOCKET, SCM_RIGHTS, &data);
    if let Err(e) = UserSlice::new(m.msg_control, used as u64).write_prefix(t.mem(), &ctl[..used]) {
        for fd in fds {
            let _ = t.fds.remove(fd);
        }
        return Err(e);
    }
    let trunc = if truncated || cut {
        MsgFlags::MSG_CTRUNC.bits()
    } else {
        0
    };
    Ok((used as u64, trunc))
}

/// `recvmsg(2)`: data into the iovecs, descriptors as `SCM_RIGHTS`
/// (`MSG_CMSG_CLOEXEC` sets close-on-exec on them).
pub fn sys_recvmsg(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::recvmsg(t, a, &f);
    }
    let mp = a.ptr::<msghdr>(1);
    let mut m = mp.read(t.mem())?;
    let iovs = copy_in_iovecs(t.mem(), m.msg_iov, m.msg_iovlen)?;
    let flags = a.u32(2);
    let got = recv(t, &f, &iovs, flags)?;
    let mut ctl_len = 0;
    let mut mflags = got.flags;
    if let Some(rights) = got.rights {
        let (used, extra) = rights_out(t, &m, rights, flags)?;
        ctl_len = used;
        mflags |= extra;
    }
    if m.msg_name != 0 {
        m.msg_namelen = 0;
    }
    m.msg_controllen = ctl_len;
    m.msg_flags = mflags;
    mp.write(t.mem(), &m)?;
    Ok(SysRet::Value(got.len))
}

/// `getsockopt(2)`: `SOL_SOCKET` options `SO_TYPE`, `SO_DOMAIN`,
/// `SO_PROTOCOL`, `SO_ERROR`, `SO_ACCEPTCONN`, `SO_SNDBUF`, `SO_RCVBUF`,
/// `SO_PEERCRED`; other options `ENOPROTOOPT`, other levels `EOPNOTSUPP`.
/// The value is cut to the caller's length, which is written back.
pub fn sys_getsockopt(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::getsockopt(t, a, &f);
    }
    let s = unix(&f)?;
    let (level, name) = (a.i32(1), a.i32(2));
    if level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP);
    }
    let int = |v: i32| v.to_ne_bytes().to_vec();
    let v: Vec<u8> = match name {
        SO_TYPE => int(s.kind().sock_type()),
        SO_DOMAIN => int(AF_UNIX),
        SO_PROTOCOL | SO_ERROR | SO_ACCEPTCONN => int(0),
        SO_SNDBUF => int(s.buf_size(false)),
        SO_RCVBUF => int(s.buf_size(true)),
        SO_PEERCRED => {
            let c: ucred = s.peer_cred();
            [
                c.pid.to_ne_bytes(),
                c.uid.to_ne_bytes(),
                c.gid.to_ne_bytes(),
            ]
            .concat()
        }
        _ => return Err(Errno::ENOPROTOOPT),
    };
    put_optval(t, a, &v)
}

/// Writes a `getsockopt` value cut to the caller's length (argument 4),
/// and the length written back.
pub(super) fn put_optval(t: &mut Task, a: &SyscallArgs, v: &[u8]) -> SysResult {
    let lenp = a.ptr::<i32>(4);
    let len = lenp.read(t.mem())?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let n = (len as usize).min(v.len());
    UserSlice::new(a.u64(3), n as u64).write_prefix(t.mem(), &v[..n])?;
    lenp.write(t.mem(), &(n as i32))?;
    SysRet::ZERO
}

/// `setsockopt(2)`: `SOL_SOCKET` `SO_SNDBUF` and `SO_RCVBUF` (recorded
/// and reported as Linux computes them; the queue limit does not change);
/// other options `ENOPROTOOPT`, other levels `EOPNOTSUPP`, an option
/// shorter than an `int` `EINVAL`.
pub fn sys_setsockopt(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::setsockopt(t, a, &f);
    }
    let s = unix(&f)?;
    let (level, name, optlen) = (a.i32(1), a.i32(2), a.i32(4));
    if level != SOL_SOCKET {
        return Err(Errno::EOPNOTSUPP);
    }
    let rcv = match name {
        SO_SNDBUF => false,
        SO_RCVBUF => true,
        _ => return Err(Errno::ENOPROTOOPT),
    };
    if optlen < 4 {
        return Err(Errno::EINVAL);
    }
    let v = a.ptr::<i32>(3).read(t.mem())?;
    s.set_buf_size(rcv, v);
    SysRet::ZERO
}

/// Writes an unnamed `AF_UNIX` address (the family alone, 2 bytes).
fn unnamed(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let _ = socket(t, a.fd(0))?;
    let lenp = a.ptr::<i32>(2);
    let len = lenp.read(t.mem())?;
    if len < 0 {
        return Err(Errno::EINVAL);
    }
    let family = (AF_UNIX as u16).to_ne_bytes();
    let n = (len as usize).min(2);
    UserSlice::new(a.u64(1), n as u64).write_prefix(t.mem(), &family[..n])?;
    lenp.write(t.mem(), &2)?;
    SysRet::ZERO
}

/// `getsockname(2)`: ends of a pair are unnamed.
pub fn sys_getsockname(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::getsockname(t, a, &f);
    }
    unnamed(t, a)
}

/// `getpeername(2)`: the peer of a pair is unnamed too.
pub fn sys_getpeername(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let f = socket(t, a.fd(0))?;
    if crate::inet::as_inet(&f).is_some() {
        return super::inet::getpeername(t, a, &f);
    }
    unnamed(t, a)
}
