//! timerfd objects (`timerfd_create(2)`, Linux's `fs/timerfd.c`): a timer
//! on a sandbox clock whose expirations a read collects.
//!
//! Times are nanoseconds of the sandbox clock ([`crate::clock`]). The
//! expiry count is brought up to date from the clock whenever it is
//! looked at (read, poll, `timerfd_gettime`), so it is exact whenever it
//! is observed; a host thread per armed timer, sleeping until the next
//! expiry, only exists to wake sleepers on the file's wait queue. It ends
//! when the timer is disarmed or its file is closed.

use std::sync::{Arc, Condvar, Mutex, MutexGuard};
use std::time::Duration;

use abi::Errno;
use vfs::file::POLLIN;
use vfs::{FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, WaitQueue};

use crate::clock::{timekeeper, SandboxClock};

/// The timer's state.
#[derive(Default)]
struct State {
    /// The next expiry (clock ns), if armed.
    next: Option<u64>,
    /// The period (ns); 0 for a one-shot timer.
    interval: u64,
    /// Expirations not yet read.
    ticks: u64,
    /// Whether a waker thread runs.
    waker: bool,
    /// The file is closed: the waker ends.
    closed: bool,
}

impl State {
    /// Counts the expirations up to `now`.
    fn catch_up(&mut self, now: u64) -> bool {
        let Some(at) = self.next else {
            return false;
        };
        if now < at {
            return false;
        }
        match (now - at).checked_div(self.interval) {
            None => {
                self.ticks = self.ticks.saturating_add(1);
                self.next = None;
            }
            Some(k) => {
                let n = k + 1;
                self.ticks = self.ticks.saturating_add(n);
                self.next = at.checked_add(n.saturating_mul(self.interval));
            }
        }
        true
    }
}

/// One timerfd: the inode and the state its descriptions share.
pub struct TimerFd {
    clock: SandboxClock,
    state: Mutex<State>,
    /// Wakes the waker thread early (re-arm, close).
    changed: Condvar,
    queue: WaitQueue,
    attr: InodeAttr,
}

impl Inode for TimerFd {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.attr)
    }
}

impl TimerFd {
    fn lock(&self) -> MutexGuard<'_, State> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    fn now(&self) -> u64 {
        timekeeper().now_ns(self.clock)
    }

    /// The current setting: (time to the next expiry, period), in ns;
    /// (0, period) when disarmed (`timerfd_gettime`).
    pub fn get(&self) -> (u64, u64) {
        let now = self.now();
        let mut st = self.lock();
        if st.catch_up(now) {
            self.queue.notify(POLLIN);
        }
        (st.next.map_or(0, |at| at - now), st.interval)
    }

    /// Arms the timer to expire at `value` ns (absolute on the timer's
    /// clock if `absolute`, else from now) and every `interval` ns after;
    /// `value` 0 disarms. Unread expirations are dropped. Returns the old
    /// setting as [`TimerFd::get`] would have.
    pub fn set(
        self: &Arc<Self>,
        value: u64,
        interval: u64,
        absolute: bool,
    ) -> Result<(u64, u64), Errno> {
        let old = self.get();
        let now = self.now();
        let mut st = self.lock();
        st.ticks = 0;
        st.interval = if value == 0 { 0 } else { interval };
        st.next = match (value, absolute) {
            (0, _) => None,
            (v, true) => Some(v),
            (v, false) => Some(now.saturating_add(v)),
        };
        if st.catch_up(now) {
            self.queue.notify(POLLIN);
        }
        if st.next.is_some() && !st.waker {
            let me = self.clone();
            std::thread::Builder::new()
                .name("timerfd".into())
                .spawn(move || me.wake_loop())
                .map_err(|_| Errno::ENOMEM)?;
            st.waker = true;
        }
        drop(st);
        self.changed.notify_all();
        Ok(old)
    }

    /// The waker: sleeps until the next expiry, counts it and wakes the
    /// file's sleepers; ends when disarmed or closed.
    fn wake_loop(self: Arc<Self>) {
        let mut st = self.lock();
        loop {
            if st.closed || st.next.is_none() {
                st.waker = false;
                return;
            }
            let now = self.now();
            if st.catch_up(now) {
                self.queue.notify(POLLIN);
                continue;
            }
            let wait = st.next.map_or(0, |at| at - now);
            st = match self.changed.wait_timeout(st, Duration::from_nanos(wait)) {
                Ok((g, _)) => g,
                Err(p) => p.into_inner().0,
            };
        }
    }
}

/// The open-file side; closing it ends the waker.
struct TimerFile(Arc<TimerFd>);

impl Drop for TimerFile {
    fn drop(&mut self) {
        self.0.lock().closed = true;
        self.0.changed.notify_all();
    }
}

impl FileImpl for TimerFile {
    /// The expirations since the last read (8 bytes); `EAGAIN` if none,
    /// `EINVAL` for a buffer shorter than 8 bytes.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> vfs::Result<usize> {
        let out = buf.get_mut(..8).ok_or(Errno::EINVAL)?;
        let now = self.0.now();
        let mut st = self.0.lock();
        st.catch_up(now);
        if st.ticks == 0 {
            return Err(Errno::EAGAIN);
        }
        out.copy_from_slice(&st.ticks.to_ne_bytes());
        st.ticks = 0;
        Ok(8)
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

    fn readiness(&self, mask: u32) -> u32 {
        let now = self.0.now();
        let mut st = self.0.lock();
        st.catch_up(now);
        if st.ticks > 0 {
            POLLIN & mask
        } else {
            0
        }
    }
}

/// The timer behind `file`, if it is a timerfd.
pub fn as_timerfd(file: &FileDescription) -> Option<Arc<TimerFd>> {
    let inode: Arc<dyn std::any::Any + Send + Sync> = file.inode().clone();
    inode.downcast::<TimerFd>().ok()
}

/// Creates a disarmed timerfd on `clock`; `flags` carries `O_NONBLOCK`.
pub fn new_timerfd(
    attr: InodeAttr,
    clock: SandboxClock,
    flags: OpenFlags,
) -> vfs::Result<FileDescription> {
    let t = Arc::new(TimerFd {
        clock,
        state: Mutex::new(State::default()),
        changed: Condvar::new(),
        queue: WaitQueue::new(),
        attr,
    });
    FileDescription::new(
        Box::new(TimerFile(t.clone())),
        t,
        None,
        (flags & OpenFlags::O_NONBLOCK) | OpenFlags::O_RDWR,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vfs::Timespec;

    fn timer() -> (FileDescription, Arc<TimerFd>) {
        let attr = crate::anon::anon_attr(0, 0, Timespec::default());
        let f = new_timerfd(attr, SandboxClock::Monotonic, OpenFlags::O_NONBLOCK).expect("timerfd");
        let t = as_timerfd(&f).expect("a timerfd");
        (f, t)
    }

    fn read(f: &FileDescription) -> vfs::Result<u64> {
        let mut b = [0u8; 8];
        f.read(&mut b).map(|_| u64::from_ne_bytes(b))
    }

    #[test]
    fn catch_up_counts_periods() {
        let mut st = State {
            next: Some(100),
            interval: 10,
            ..State::default()
        };
        assert!(!st.catch_up(99));
        assert!(st.catch_up(125));
        assert_eq!((st.ticks, st.next), (3, Some(130)));
        let mut one = State {
            next: Some(5),
            ..State::default()
        };
        assert!(one.catch_up(50));
        assert_eq!((one.ticks, one.next), (1, None));
    }

    #[test]
    fn disarmed_reads_nothing_and_expired_reads_once() {
        let (f, t) = timer();
        assert_eq!(read(&f), Err(Errno::EAGAIN));
        assert_eq!(t.get(), (0, 0));
        // An absolute time in the past expires at once.
        assert_eq!(t.set(1, 0, true), Ok((0, 0)));
        assert_eq!(f.readiness(POLLIN), POLLIN);
        assert_eq!(read(&f), Ok(1));
        assert_eq!(read(&f), Err(Errno::EAGAIN));
        let mut short = [0u8; 4];
        assert_eq!(f.read(&mut short), Err(Errno::EINVAL));
    }

    #[test]
    fn armed_timer_reports_its_setting_and_wakes_sleepers() {
        let (f, t) = timer();
        let hour = 3_600_000_000_000;
        t.set(hour, hour, false).expect("arm");
        let (left, period) = t.get();
        assert!(left > 0 && left <= hour, "{left}");
        assert_eq!(period, hour);
        let old = t.set(2_000_000, 0, false).expect("re-arm to 2 ms");
        assert_eq!(old.1, hour);
        let w = Arc::new(crate::waiter::Waiter::new());
        let id = f.wait_queue().expect("queue").register(POLLIN, w.clone());
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        while f.readiness(POLLIN) == 0 {
            assert!(w.wait(Some(deadline)), "the waker never woke the queue");
        }
        f.wait_queue().expect("queue").unregister(id);
        assert_eq!(read(&f), Ok(1));
        t.set(0, 0, false).expect("disarm");
        assert_eq!(t.get(), (0, 0));
    }
}
