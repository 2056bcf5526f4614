//! Connected `AF_UNIX` socket pairs (`socketpair(2)`, `unix(7)`), as
//! Linux's `net/unix/af_unix.c` for sockets that are born connected.
//!
//! A pair is two endpoints over one [`Pair`]: endpoint `i` reads
//! `queues[i]` and writes the other end's queue. A queue holds segments,
//! one per send: a stream coalesces plain sends and only keeps boundaries
//! where descriptors (`SCM_RIGHTS`) ride along, so a read never merges
//! data from before and after a segment that carries descriptors, as in
//! Linux; datagram and sequenced-packet sockets keep every boundary and a
//! read takes at most one message. Shutdown and close follow Linux: a
//! stream or seqpacket peer's close shuts both directions of the survivor
//! (reads see end of file after the queue drains, writes get `EPIPE`), a
//! datagram peer's close makes sends fail with `ECONNREFUSED`.
//!
//! Calls never block (the VFS contract); each endpoint has its own wait
//! queue, notified whenever its readability or writability may change.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard};

use abi::socket::{ucred, SOCK_DGRAM, SOCK_SEQPACKET, SOCK_STREAM};
use abi::Errno;
use vfs::file::{POLLIN, POLLOUT};
use vfs::{FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, WaitQueue};

/// How many bytes a queue holds before sends wait (Linux's default
/// `wmem_default`, 208 KiB).
pub const QUEUE_CAPACITY: usize = 212_992;
/// The smallest `SO_SNDBUF` (`SOCK_MIN_SNDBUF` on x86-64).
const SOCK_MIN_SNDBUF: i32 = 4608;
/// The smallest `SO_RCVBUF` (`SOCK_MIN_RCVBUF`).
const SOCK_MIN_RCVBUF: i32 = 2304;
/// The most descriptors one message may carry (`SCM_MAX_FD`).
pub const SCM_MAX_FD: usize = 253;

const POLLERR: u32 = 0x8;
const POLLHUP: u32 = 0x10;
const POLLRDNORM: u32 = 0x40;
const POLLWRNORM: u32 = 0x100;
const POLLRDHUP: u32 = 0x2000;
const FIONREAD: u32 = 0x541B;
const S_IFSOCK: u32 = 0o140000;

/// `sk_shutdown` bits.
const RCV_SHUTDOWN: u8 = 1;
const SEND_SHUTDOWN: u8 = 2;

/// The socket type of a pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    /// `SOCK_STREAM`: a byte stream.
    Stream,
    /// `SOCK_DGRAM`: unreliable-in-name datagrams (reliable here, as Linux).
    Dgram,
    /// `SOCK_SEQPACKET`: ordered messages with end-of-file.
    SeqPacket,
}

impl Kind {
    /// The kind for a `SOCK_*` type, or `ESOCKTNOSUPPORT`.
    pub fn from_type(ty: i32) -> Result<Kind, Errno> {
        match ty {
            SOCK_STREAM => Ok(Kind::Stream),
            SOCK_DGRAM => Ok(Kind::Dgram),
            SOCK_SEQPACKET => Ok(Kind::SeqPacket),
            _ => Err(Errno::ESOCKTNOSUPPORT),
        }
    }

    /// The `SOCK_*` number (`SO_TYPE`).
    pub fn sock_type(self) -> i32 {
        match self {
            Kind::Stream => SOCK_STREAM,
            Kind::Dgram => SOCK_DGRAM,
            Kind::SeqPacket => SOCK_SEQPACKET,
        }
    }

    fn is_connection(self) -> bool {
        self != Kind::Dgram
    }
}

/// Descriptors in flight.
pub type Rights = Vec<Arc<FileDescription>>;

/// One send's worth of queued data.
struct Segment {
    data: VecDeque<u8>,
    rights: Option<Rights>,
}

#[derive(Default)]
struct Queue {
    segs: VecDeque<Segment>,
    bytes: usize,
}

struct State {
    queues: [Queue; 2],
    shutdown: [u8; 2],
    open: [bool; 2],
}

/// What both endpoints share.
pub struct Pair {
    kind: Kind,
    /// Who made the pair: both ends' `SO_PEERCRED`.
    owner: ucred,
    state: Mutex<State>,
    queues: [WaitQueue; 2],
}

impl Pair {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// What a receive returned.
#[derive(Default)]
pub struct Received {
    /// Bytes copied into the buffer.
    pub len: usize,
    /// The message was longer than the buffer (datagram kinds: the rest
    /// was dropped unless peeking).
    pub truncated: bool,
    /// The full length of the message read (datagram kinds).
    pub msg_len: usize,
    /// Descriptors that rode with the data.
    pub rights: Option<Rights>,
}

/// One end of a pair: the inode and open-file implementation of a socket.
pub struct UnixSocket {
    pair: Arc<Pair>,
    me: usize,
    attr: InodeAttr,
    /// `SO_SNDBUF` and `SO_RCVBUF` as set (recorded and reported; the
    /// queue limit stays [`QUEUE_CAPACITY`]).
    bufs: Mutex<[i32; 2]>,
}

impl Inode for UnixSocket {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.attr)
    }
}

impl Drop for UnixSocket {
    fn drop(&mut self) {
        let (me, peer) = (self.me, 1 - self.me);
        let mut st = self.pair.lock();
        st.open[me] = false;
        let dropped = std::mem::take(&mut st.queues[me]);
        if self.pair.kind.is_connection() {
            st.shutdown[peer] = RCV_SHUTDOWN | SEND_SHUTDOWN;
        }
        drop(st);
        drop(dropped);
        self.pair.queues[peer].notify(POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
    }
}

impl UnixSocket {
    /// `SO_PEERCRED`: the process and ids that made the pair.
    pub fn peer_cred(&self) -> ucred {
        self.pair.owner
    }

    /// `SO_SNDBUF` (`rcv` false) or `SO_RCVBUF` (`rcv` true).
    pub fn buf_size(&self, rcv: bool) -> i32 {
        let b = match self.bufs.lock() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        };
        b[usize::from(rcv)]
    }

    /// Sets `SO_SNDBUF`/`SO_RCVBUF` as Linux does: capped at the system
    /// maximum, doubled for bookkeeping overhead, at least the minimum.
    pub fn set_buf_size(&self, rcv: bool, val: i32) {
        let capped = (val as u32).min(QUEUE_CAPACITY as u32) as i32;
        let min = if rcv {
            SOCK_MIN_RCVBUF
        } else {
            SOCK_MIN_SNDBUF
        };
        let mut b = match self.bufs.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        b[usize::from(rcv)] = (capped * 2).max(min);
    }

    /// The socket type.
    pub fn kind(&self) -> Kind {
        self.pair.kind
    }

    /// `shutdown(2)` with `SHUT_RD` (0), `SHUT_WR` (1) or `SHUT_RDWR` (2).
    pub fn shutdown(&self, how: i32) -> Result<(), Errno> {
        let (rd, wr) = match how {
            0 => (true, false),
            1 => (false, true),
            2 => (true, true),
            _ => return Err(Errno::EINVAL),
        };
        let (me, peer) = (self.me, 1 - self.me);
        let mut st = self.pair.lock();
        if rd {
            st.shutdown[me] |= RCV_SHUTDOWN;
        }
        if wr {
            st.shutdown[me] |= SEND_SHUTDOWN;
        }
        if self.pair.kind.is_connection() && st.open[peer] {
            if rd {
                st.shutdown[peer] |= SEND_SHUTDOWN;
            }
            if wr {
                st.shutdown[peer] |= RCV_SHUTDOWN;
            }
        }
        drop(st);
        for q in &self.pair.queues {
            q.notify(POLLIN | POLLOUT | POLLHUP | POLLRDHUP);
        }
        Ok(())
    }

    /// Sends `data` with `rights`: a stream takes what fits (`EAGAIN` if
    /// nothing does), a message kind all or nothing (`EMSGSIZE` if it can
    /// never fit). `EPIPE` after shutdown or the peer's close (streams),
    /// `ECONNREFUSED` to a closed datagram peer.
    pub fn send(&self, data: &[u8], rights: Option<Rights>) -> Result<usize, Errno> {
        let (me, peer) = (self.me, 1 - self.me);
        let kind = self.pair.kind;
        let mut st = self.pair.lock();
        if st.shutdown[me] & SEND_SHUTDOWN != 0 {
            return Err(Errno::EPIPE);
        }
        if !st.open[peer] {
            return Err(if kind.is_connection() {
                Errno::EPIPE
            } else {
                Errno::ECONNREFUSED
            });
        }
        if kind != Kind::Stream && data.len() > QUEUE_CAPACITY {
            return Err(Errno::EMSGSIZE);
        }
        let q = &mut st.queues[peer];
        let space = QUEUE_CAPACITY.saturating_sub(q.bytes);
        let n = match kind {
            Kind::Stream if space == 0 && !data.is_empty() => return Err(Errno::EAGAIN),
            Kind::Stream => data.len().min(space),
            _ if q.bytes > 0 && data.len() > space => return Err(Errno::EAGAIN),
            _ => data.len(),
        };
        if kind == Kind::Stream && n == 0 {
            // Nothing to carry descriptors: Linux drops them too.
            return Ok(0);
        }
        let coalesce = kind == Kind::Stream
            && rights.is_none()
            && q.segs.back().is_some_and(|s| s.rights.is_none());
        match q.segs.back_mut() {
            Some(last) if coalesce => last.data.extend(&data[..n]),
            _ => q.segs.push_back(Segment {
                data: data[..n].iter().copied().collect(),
                rights,
            }),
        }
        q.bytes += n;
        drop(st);
        self.pair.queues[peer].notify(POLLIN | POLLRDNORM);
        Ok(n)
    }

    /// Receives into `buf` (or looks, with `peek`). A stream reads across
    /// segments but stops after one carrying descriptors and before one
    /// when data was already read; a message kind reads one message.
    /// End of file (0) once the queue is empty and shut; `EAGAIN` while
    /// more may come.
    pub fn recv(&self, buf: &mut [u8], peek: bool) -> Result<Received, Errno> {
        let (me, peer) = (self.me, 1 - self.me);
        let kind = self.pair.kind;
        let mut st = self.pair.lock();
        let shut = st.shutdown[me] & RCV_SHUTDOWN != 0;
        let q = &mut st.queues[me];
        if q.segs.is_empty() {
            return if shut {
                Ok(Received::default())
            } else {
                Err(Errno::EAGAIN)
            };
        }
        let mut out = Received::default();
        if kind != Kind::Stream {
            let Some(seg) = q.segs.front() else {
                return Err(Errno::EAGAIN);
            };
            out.msg_len = seg.data.len();
            out.len = out.msg_len.min(buf.len());
            out.truncated = out.msg_len > buf.len();
            for (d, s) in buf.iter_mut().zip(seg.data.iter()) {
                *d = *s;
            }
            if peek {
                out.rights = seg.rights.clone();
            } else if let Some(seg) = q.segs.pop_front() {
                q.bytes -= seg.data.len();
                out.rights = seg.rights;
            }
        } else {
            let mut idx = 0;
            while out.len < buf.len() {
                let Some(seg) = q.segs.get_mut(idx) else {
                    break;
                };
                if out.len > 0 && seg.rights.is_some() {
                    break;
                }
                let n = seg.data.len().min(buf.len() - out.len);
                for (d, s) in buf[out.len..out.len + n].iter_mut().zip(seg.data.iter()) {
                    *d = *s;
                }
                out.len += n;
                let carried = seg.rights.is_some();
                if peek {
                    out.rights = out.rights.or_else(|| seg.rights.clone());
                    idx += 1;
                } else {
                    seg.data.drain(..n);
                    q.bytes -= n;
                    out.rights = out.rights.or_else(|| seg.rights.take());
                    if seg.data.is_empty() {
                        q.segs.remove(idx);
                    }
                }
                if carried {
                    break;
                }
            }
        }
        drop(st);
        if !peek {
            self.pair.queues[peer].notify(POLLOUT | POLLWRNORM);
        }
        Ok(out)
    }
}

/// The open-file side of a socket: `read`/`write` are `recv`/`send`
/// without flags (descriptors that arrive with read data are closed).
struct SocketFile(Arc<UnixSocket>);

impl FileImpl for SocketFile {
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> vfs::Result<usize> {
        self.0.recv(buf, false).map(|r| r.len)
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> vfs::Result<usize> {
        self.0.send(buf, None)
    }

    fn is_seekable(&self) -> bool {
        false
    }

    fn is_mappable(&self) -> bool {
        false
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.pair.queues[self.0.me])
    }

    fn ioctl(&self, cmd: u32, _arg: u64) -> vfs::Result<u64> {
        match cmd {
            FIONREAD => Ok(self.0.pair.lock().queues[self.0.me].bytes as u64),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn readiness(&self, mask: u32) -> u32 {
        let (me, peer) = (self.0.me, 1 - self.0.me);
        let st = self.0.pair.lock();
        let mut r = 0;
        if st.shutdown[me] == RCV_SHUTDOWN | SEND_SHUTDOWN {
            r |= POLLHUP;
        }
        if st.shutdown[me] & RCV_SHUTDOWN != 0 {
            r |= POLLRDHUP | POLLIN | POLLRDNORM;
        }
        if !st.queues[me].segs.is_empty() {
            r |= POLLIN | POLLRDNORM;
        }
        if self.0.pair.kind.is_connection() && !st.open[peer] {
            r |= POLLHUP;
        }
        if st.queues[peer].bytes < QUEUE_CAPACITY || !st.open[peer] {
            r |= POLLOUT | POLLWRNORM;
        }
        r & (mask | POLLERR | POLLHUP)
    }
}

/// The socket behind `file`, if it is one of ours.
pub fn as_unix(file: &FileDescription) -> Option<&UnixSocket> {
    let inode: &dyn std::any::Any = file.inode().as_ref();
    inode.downcast_ref::<UnixSocket>()
}

/// Creates a connected pair of `kind` made by `owner`, with `attr` as the
/// inodes' attributes; `flags` carries `O_NONBLOCK`.
pub fn new_pair(
    kind: Kind,
    owner: ucred,
    attr: [InodeAttr; 2],
    flags: OpenFlags,
) -> vfs::Result<(FileDescription, FileDescription)> {
    let pair = Arc::new(Pair {
        kind,
        owner,
        state: Mutex::new(State {
            queues: [Queue::default(), Queue::default()],
            shutdown: [0; 2],
            open: [true; 2],
        }),
        queues: [WaitQueue::new(), WaitQueue::new()],
    });
    let end = |me: usize| -> vfs::Result<FileDescription> {
        let mut a = attr[me];
        a.mode = S_IFSOCK | 0o777;
        let sock = Arc::new(UnixSocket {
            pair: pair.clone(),
            me,
            attr: a,
            bufs: Mutex::new([QUEUE_CAPACITY as i32; 2]),
        });
        FileDescription::new(
            Box::new(SocketFile(sock.clone())),
            sock,
            None,
            (flags & OpenFlags::O_NONBLOCK) | OpenFlags::O_RDWR,
        )
    };
    Ok((end(0)?, end(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;
    use vfs::Timespec;

    fn pair(kind: Kind) -> (Arc<FileDescription>, Arc<FileDescription>) {
        let a = crate::anon::anon_attr(0, 0, Timespec::default());
        let b = crate::anon::anon_attr(0, 0, Timespec::default());
        let owner = ucred {
            pid: 7,
            uid: 8,
            gid: 9,
        };
        let (x, y) = new_pair(kind, owner, [a, b], OpenFlags::O_NONBLOCK).expect("pair");
        (Arc::new(x), Arc::new(y))
    }

    fn sock(f: &FileDescription) -> &UnixSocket {
        as_unix(f).expect("a unix socket")
    }

    #[test]
    fn stream_both_ways_and_eof_after_close() {
        let (a, b) = pair(Kind::Stream);
        assert_eq!(a.write(b"ping"), Ok(4));
        assert_eq!(b.write(b"pong!"), Ok(5));
        let mut buf = [0u8; 16];
        assert_eq!(b.read(&mut buf), Ok(4));
        assert_eq!(&buf[..4], b"ping");
        assert_eq!(a.read(&mut buf), Ok(5));
        assert_eq!(a.read(&mut buf), Err(Errno::EAGAIN));
        assert_eq!(a.readiness(POLLIN | POLLOUT), POLLOUT);
        drop(b);
        assert_eq!(a.read(&mut buf), Ok(0));
        assert_eq!(a.write(b"x"), Err(Errno::EPIPE));
        assert_ne!(a.readiness(POLLIN) & POLLHUP, 0);
    }

    #[test]
    fn shutdown_write_gives_peer_eof_but_keeps_other_direction() {
        let (a, b) = pair(Kind::Stream);
        sock(&a).shutdown(1).expect("shut wr");
        let mut buf = [0u8; 4];
        assert_eq!(b.read(&mut buf), Ok(0));
        assert_ne!(b.readiness(POLLRDHUP) & POLLRDHUP, 0);
        assert_eq!(a.write(b"x"), Err(Errno::EPIPE));
        assert_eq!(b.write(b"yz"), Ok(2));
        assert_eq!(a.read(&mut buf), Ok(2));
        assert_eq!(sock(&a).shutdown(7), Err(Errno::EINVAL));
    }

    #[test]
    fn stream_fills_up_and_drains() {
        let (a, b) = pair(Kind::Stream);
        let big = vec![7u8; QUEUE_CAPACITY + 10];
        assert_eq!(a.write(&big), Ok(QUEUE_CAPACITY));
        assert_eq!(a.write(b"x"), Err(Errno::EAGAIN));
        assert_eq!(a.readiness(POLLOUT), 0);
        let mut buf = vec![0u8; 100];
        assert_eq!(b.read(&mut buf), Ok(100));
        assert_eq!(a.readiness(POLLOUT), POLLOUT);
    }

    #[test]
    fn rights_ride_with_their_bytes_and_split_reads() {
        let (a, b) = pair(Kind::Stream);
        let (x, _) = pair(Kind::Stream);
        sock(&a).send(b"ab", None).expect("plain");
        sock(&a)
            .send(b"cd", Some(vec![x.clone()]))
            .expect("with fd");
        sock(&a).send(b"ef", None).expect("plain");
        let mut buf = [0u8; 16];
        let r = sock(&b).recv(&mut buf, false).expect("first");
        assert_eq!((r.len, r.rights.is_none()), (2, true));
        let r = sock(&b).recv(&mut buf, true).expect("peek");
        assert_eq!((r.len, r.rights.map(|v| v.len())), (2, Some(1)));
        let r = sock(&b).recv(&mut buf, false).expect("second");
        assert_eq!(&buf[..2], b"cd");
        assert!(Arc::ptr_eq(&r.rights.expect("fd")[0], &x));
        assert_eq!(sock(&b).recv(&mut buf, false).expect("third").len, 2);
    }

    #[test]
    fn empty_stream_send_carries_nothing() {
        let (a, b) = pair(Kind::Stream);
        let (x, _) = pair(Kind::Stream);
        assert_eq!(sock(&a).send(b"", Some(vec![x])), Ok(0));
        let mut buf = [0u8; 4];
        assert_eq!(b.read(&mut buf), Err(Errno::EAGAIN));
    }

    #[test]
    fn messages_keep_boundaries_and_truncate() {
        let (a, b) = pair(Kind::SeqPacket);
        assert_eq!(a.write(b"hello"), Ok(5));
        assert_eq!(a.write(b""), Ok(0));
        assert_eq!(a.write(b"w"), Ok(1));
        let mut buf = [0u8; 3];
        let r = sock(&b).recv(&mut buf, false).expect("first");
        assert_eq!((r.len, r.msg_len, r.truncated), (3, 5, true));
        assert_eq!(sock(&b).recv(&mut buf, false).expect("empty").msg_len, 0);
        assert_eq!(b.read(&mut buf), Ok(1));
        drop(a);
        assert_eq!(b.read(&mut buf), Ok(0));
    }

    #[test]
    fn options_follow_linux() {
        let (a, b) = pair(Kind::Stream);
        assert_eq!(sock(&b).peer_cred().pid, 7);
        assert_eq!(sock(&a).buf_size(false), QUEUE_CAPACITY as i32);
        sock(&a).set_buf_size(false, 65536);
        assert_eq!(sock(&a).buf_size(false), 131072);
        sock(&a).set_buf_size(true, 1);
        assert_eq!(sock(&a).buf_size(true), SOCK_MIN_RCVBUF);
        sock(&a).set_buf_size(false, -1);
        assert_eq!(sock(&a).buf_size(false), 2 * QUEUE_CAPACITY as i32);
        assert_eq!(sock(&b).buf_size(false), QUEUE_CAPACITY as i32);
    }

    #[test]
    fn datagram_peer_close_refuses_sends() {
        let (a, b) = pair(Kind::Dgram);
        drop(b);
        assert_eq!(a.write(b"x"), Err(Errno::ECONNREFUSED));
        let mut buf = [0u8; 1];
        assert_eq!(a.read(&mut buf), Err(Errno::EAGAIN));
        let big = vec![0u8; QUEUE_CAPACITY + 1];
        let (c, _d) = pair(Kind::Dgram);
        assert_eq!(c.write(&big), Err(Errno::EMSGSIZE));
    }
}
