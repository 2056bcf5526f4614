//! `AF_INET`/`AF_INET6` sockets: files over the sandbox's own loopback
//! stack ([`net::Stack`]), one per Sentry, as gVisor's netstack with
//! `--network=none`. Nothing here touches the host network.
//!
//! The stack is non-blocking and clockless; this module gives it both: every
//! call first advances it to the host monotonic clock, and a timer thread
//! sleeps until the stack's next deadline (see [`crate::net_timer`]), woken
//! early when a call brings that deadline forward, so retransmissions and
//! TIME-WAIT expiry happen while every task sleeps and an idle stack costs
//! no wake-ups. Each socket's wait queue is the stack's
//! [`net::Notify`] hook, so `poll`, `epoll` and blocking calls sleep on it
//! like on a pipe.

use std::sync::{Arc, Condvar, Mutex, MutexGuard, OnceLock, PoisonError};
use std::time::{Duration, Instant};

use abi::Errno;
use net::{Domain, SockType, SocketId, Stack};
use vfs::{FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, WaitQueue};

/// `FIONREAD`.
const FIONREAD: u32 = 0x541B;
const S_IFSOCK: u32 = 0o140000;
const POLLERR_HUP: u32 = net::events::POLLERR | net::events::POLLHUP;

/// The stack and when the timer thread next polls it.
struct Timed {
    stack: Stack,
    /// The timer thread's wake-up time since `origin` (`None`: asleep until
    /// woken).
    wake_at: Option<Duration>,
}

/// The sandbox's network stack and its clock.
pub struct NetStack {
    state: Mutex<Timed>,
    /// Wakes the timer thread when a call brings the deadline forward.
    timer: Condvar,
    origin: Instant,
}

impl NetStack {
    /// Runs `f` on the stack, advanced to the current time first.
    pub fn with<R>(&self, f: impl FnOnce(&mut Stack) -> R) -> R {
        let mut g = self.lock();
        let now = self.origin.elapsed();
        g.stack.poll(now);
        let r = f(&mut g.stack);
        if let Some(at) = g.stack.poll_delay().map(|d| now + d) {
            if g.wake_at.is_none_or(|w| at < w) {
                g.wake_at = Some(at);
                self.timer.notify_one();
            }
        }
        r
    }

    fn lock(&self) -> MutexGuard<'_, Timed> {
        self.state.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Polls the stack when its next deadline comes, sleeping in between.
    fn run_timers(&self) {
        let mut sched = crate::net_timer::Schedule::default();
        let mut g = self.lock();
        loop {
            let now = self.origin.elapsed();
            g.stack.poll(now);
            let wait = sched.next(g.stack.poll_delay());
            g.wake_at = wait.map(|w| now + w);
            g = match wait {
                Some(w) => {
                    self.timer
                        .wait_timeout(g, w)
                        .unwrap_or_else(PoisonError::into_inner)
                        .0
                }
                None => self.timer.wait(g).unwrap_or_else(PoisonError::into_inner),
            };
        }
    }
}

/// The Sentry's stack, started on first use.
pub fn netstack() -> Arc<NetStack> {
    static NET: OnceLock<Arc<NetStack>> = OnceLock::new();
    NET.get_or_init(|| {
        let origin = Instant::now();
        let seed = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos() as u64);
        let n = Arc::new(NetStack {
            state: Mutex::new(Timed {
                stack: Stack::new(Duration::ZERO, seed),
                wake_at: None,
            }),
            timer: Condvar::new(),
            origin,
        });
        let timer = n.clone();
        // Without the thread, timers only run on socket calls: degraded
        // (a dropped SYN is retried late), not broken.
        let _ = std::thread::Builder::new()
            .name("net-timers".into())
            .spawn(move || timer.run_timers());
        n
    })
    .clone()
}

/// The stack's readiness hook: wakes the socket's wait queue.
struct Wake(Arc<WaitQueue>);

impl net::Notify for Wake {
    fn notify(&self, events: u32) {
        self.0.notify(events | POLLERR_HUP);
    }
}

/// One Internet socket: the inode of its file.
pub struct InetSocket {
    net: Arc<NetStack>,
    id: SocketId,
    ty: SockType,
    domain: Domain,
    queue: Arc<WaitQueue>,
    attr: InodeAttr,
}

impl Inode for InetSocket {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.attr)
    }
}

impl Drop for InetSocket {
    fn drop(&mut self) {
        let id = self.id;
        let _ = self.net.with(|s| s.close(id));
    }
}

impl InetSocket {
    /// Runs `f` on the stack with this socket's id.
    pub fn with<R>(&self, f: impl FnOnce(&mut Stack, SocketId) -> R) -> R {
        let id = self.id;
        self.net.with(|s| f(s, id))
    }

    /// `SOCK_STREAM` or `SOCK_DGRAM`.
    pub fn sock_type(&self) -> SockType {
        self.ty
    }

    /// `AF_INET` or `AF_INET6`.
    pub fn domain(&self) -> Domain {
        self.domain
    }
}

/// The open-file side: `read`/`write` are `recv`/`send` without flags.
struct InetFile(Arc<InetSocket>);

impl FileImpl for InetFile {
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> vfs::Result<usize> {
        self.0
            .with(|s, id| s.recv(id, buf, abi::socket::MsgFlags::empty()))
            .map(|r| r.len)
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> vfs::Result<usize> {
        self.0.with(|s, id| s.send(id, buf, None))
    }

    fn is_seekable(&self) -> bool {
        false
    }

    fn is_mappable(&self) -> bool {
        false
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.queue)
    }

    fn ioctl(&self, cmd: u32, _arg: u64) -> vfs::Result<u64> {
        match cmd {
            FIONREAD => self.0.with(|s, id| s.pending(id)).map(|n| n as u64),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn readiness(&self, mask: u32) -> u32 {
        self.0.with(|s, id| s.events(id)).unwrap_or(POLLERR_HUP) & (mask | POLLERR_HUP)
    }
}

/// Wraps stack socket `id` in a file; `flags` carries `O_NONBLOCK`.
pub fn new_socket(
    net: Arc<NetStack>,
    id: SocketId,
    attr: InodeAttr,
    flags: OpenFlags,
) -> vfs::Result<FileDescription> {
    let queue = Arc::new(WaitQueue::new());
    let (ty, domain) = net.with(|s| {
        s.set_notify(id, Some(Arc::new(Wake(queue.clone()))))?;
        Ok::<_, Errno>((s.sock_type(id)?, s.domain(id)?))
    })?;
    let mut attr = attr;
    attr.mode = S_IFSOCK | 0o777;
    let sock = Arc::new(InetSocket {
        net,
        id,
        ty,
        domain,
        queue,
        attr,
    });
    FileDescription::new(
        Box::new(InetFile(sock.clone())),
        sock,
        None,
        (flags & OpenFlags::O_NONBLOCK) | OpenFlags::O_RDWR,
    )
}

/// The Internet socket behind `file`, if it is one.
pub fn as_inet(file: &FileDescription) -> Option<&InetSocket> {
    let inode: &dyn std::any::Any = file.inode().as_ref();
    inode.downcast_ref::<InetSocket>()
}
