//! Anonymous pipes (`pipe2(2)`): a bounded byte queue with a read end and a
//! write end, as Linux's pipefs. Calls never block (the VFS contract): an
//! empty pipe with writers gives `EAGAIN`, a full one too; no readers gives
//! `EPIPE`. Every change of readiness notifies the pipe's wait queue, which
//! blocking readers, writers and `poll` sleep on.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use abi::Errno;
use vfs::file::{POLLIN, POLLOUT};
use vfs::{FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, Timespec, WaitQueue};

/// Linux's default pipe capacity (16 pages).
pub const PIPE_CAPACITY: usize = 65536;
/// Writes up to this size are atomic (`PIPE_BUF`).
pub const PIPE_BUF: usize = 4096;
/// `/proc/sys/fs/pipe-max-size`: the largest capacity an unprivileged
/// caller may set.
pub const PIPE_MAX_SIZE: usize = 1 << 20;
const PAGE_SIZE: usize = 4096;

/// `round_pipe_size`: the capacity `F_SETPIPE_SZ` makes of `arg`, at
/// least a page and a power of two; `None` above 2 GiB.
pub fn round_pipe_size(arg: u32) -> Option<usize> {
    if arg > 1 << 31 {
        return None;
    }
    Some((arg as usize).max(PAGE_SIZE).next_power_of_two())
}
/// `POLLERR` and `POLLHUP`.
const POLLERR: u32 = 0x8;
const POLLHUP: u32 = 0x10;
/// `POLLRDNORM` and `POLLWRNORM`, which a pipe reports with `POLLIN` and
/// `POLLOUT`.
const POLLRDNORM: u32 = 0x40;
const POLLWRNORM: u32 = 0x100;
const FIONREAD: u32 = 0x541B;
const S_IFIFO: u32 = 0o010000;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// A pipe's capacity in bytes (`F_GETPIPE_SZ`); Linux's default to start.
struct Capacity(usize);

impl Default for Capacity {
    fn default() -> Self {
        Capacity(PIPE_CAPACITY)
    }
}

#[derive(Default)]
struct PipeState {
    data: VecDeque<u8>,
    /// Lengths of the packets at the front of `data` in packet mode
    /// (`O_DIRECT`): each write (or `PIPE_BUF` piece of one) is read as a
    /// whole or its rest discarded. Empty when the pipe holds a plain
    /// byte stream.
    packets: VecDeque<usize>,
    capacity: Capacity,
    readers: usize,
    writers: usize,
}

/// One pipe, shared by its ends.
pub struct Pipe {
    state: Mutex<PipeState>,
    attr: InodeAttr,
    queue: WaitQueue,
}

impl Pipe {
    fn lock(&self) -> MutexGuard<'_, PipeState> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

struct PipeInode(Arc<Pipe>);

impl Inode for PipeInode {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.0.attr)
    }
}

/// One end of a pipe.
struct PipeEnd {
    pipe: Arc<Pipe>,
    write: bool,
    /// Packet mode (`pipe2(O_DIRECT)`): this end writes packets.
    packet: bool,
}

impl PipeEnd {
    fn new(pipe: &Arc<Pipe>, write: bool, packet: bool) -> PipeEnd {
        let mut st = pipe.lock();
        if write {
            st.writers += 1;
        } else {
            st.readers += 1;
        }
        drop(st);
        PipeEnd {
            pipe: pipe.clone(),
            write,
            packet,
        }
    }
}

impl Drop for PipeEnd {
    fn drop(&mut self) {
        let mut st = self.pipe.lock();
        if self.write {
            st.writers = st.writers.saturating_sub(1);
        } else {
            st.readers = st.readers.saturating_sub(1);
        }
        drop(st);
        let ev = if self.write {
            POLLIN | POLLHUP
        } else {
            POLLOUT | POLLERR
        };
        self.pipe.queue.notify(ev);
    }
}

impl FileImpl for PipeEnd {
    /// Pipes have no `fsync` operation: `EINVAL`, as Linux.
    fn fsync(&self) -> vfs::Result<()> {
        Err(Errno::EINVAL)
    }

    fn pipe_size(&self) -> vfs::Result<usize> {
        Ok(self.pipe.lock().capacity.0)
    }

    /// `pipe_set_size`: `EINVAL` above 2 GiB, `EPERM` above
    /// [`PIPE_MAX_SIZE`] (when growing) without `CAP_SYS_RESOURCE`,
    /// `EBUSY` when the content would not fit.
    fn set_pipe_size(&self, arg: u32, privileged: bool) -> vfs::Result<usize> {
        let size = round_pipe_size(arg).ok_or(Errno::EINVAL)?;
        let mut st = self.pipe.lock();
        if size > st.capacity.0 && size > PIPE_MAX_SIZE && !privileged {
            return Err(Errno::EPERM);
        }
        if st.data.len() > size {
            return Err(Errno::EBUSY);
        }
        st.capacity = Capacity(size);
        drop(st);
        self.pipe.queue.notify(POLLOUT);
        Ok(size)
    }

    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> vfs::Result<usize> {
        let mut st = self.pipe.lock();
        if buf.is_empty() {
            return Ok(0);
        }
        if st.data.is_empty() {
            return if st.writers == 0 {
                Ok(0)
            } else {
                Err(Errno::EAGAIN)
            };
        }
        // A packet is read whole; what does not fit is discarded.
        let (n, consumed) = match st.packets.pop_front() {
            Some(p) => (buf.len().min(p), p),
            None => {
                let n = buf.len().min(st.data.len());
                (n, n)
            }
        };
        for (dst, src) in buf.iter_mut().zip(st.data.drain(..consumed)) {
            *dst = src;
        }
        drop(st);
        self.pipe.queue.notify(POLLOUT);
        Ok(n)
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> vfs::Result<usize> {
        let mut st = self.pipe.lock();
        if st.readers == 0 {
            return Err(Errno::EPIPE);
        }
        let space = st.capacity.0.saturating_sub(st.data.len());
        if space == 0 || (buf.len() <= PIPE_BUF && space < buf.len()) {
            return Err(Errno::EAGAIN);
        }
        let n = buf.len().min(space);
        st.data.extend(&buf[..n]);
        if self.packet {
            let mut left = n;
            while left > 0 {
                let p = left.min(PIPE_BUF);
                st.packets.push_back(p);
                left -= p;
            }
        }
        drop(st);
        self.pipe.queue.notify(POLLIN);
        Ok(n)
    }

    fn is_seekable(&self) -> bool {
        false
    }

    fn is_mappable(&self) -> bool {
        false
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.pipe.queue)
    }

    fn ioctl(&self, cmd: u32, _arg: u64) -> vfs::Result<u64> {
        match cmd {
            FIONREAD => Ok(self.pipe.lock().data.len() as u64),
            _ => Err(Errno::ENOTTY),
        }
    }

    fn readiness(&self, mask: u32) -> u32 {
        let st = self.pipe.lock();
        let mut r = 0;
        if self.write {
            if st.readers == 0 {
                r |= POLLERR;
            } else if st.data.len() < st.capacity.0 {
                r |= POLLOUT | POLLWRNORM;
            }
        } else {
            if !st.data.is_empty() {
                r |= POLLIN | POLLRDNORM;
            }
            if st.writers == 0 {
                r |= POLLHUP;
            }
        }
        r & (mask | POLLERR | POLLHUP)
    }
}

/// Whether `file` is the read end of a pipe whose only possible writers
/// belong to the caller: used to turn a wait that can never end into an
/// error instead of a hang.
pub fn is_pipe(file: &FileDescription) -> bool {
    file.inode()
        .stat()
        .is_ok_and(|a| a.mode & 0o170000 == S_IFIFO)
        && !file.imp().is_seekable()
}

/// Creates a pipe owned by `uid`/`gid` and returns its (read, write) ends
/// with `flags` (`O_NONBLOCK` kept as status; `O_DIRECT`: packet mode).
pub fn new_pipe(
    uid: u32,
    gid: u32,
    now: Timespec,
    flags: OpenFlags,
) -> vfs::Result<(FileDescription, FileDescription)> {
    let attr = InodeAttr {
        dev: vfs::uapi::makedev(0, 12),
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        mode: S_IFIFO | 0o600,
        nlink: 1,
        uid,
        gid,
        blksize: PIPE_BUF as u32,
        atime: now,
        mtime: now,
        ctime: now,
        ..InodeAttr::default()
    };
    let pipe = Arc::new(Pipe {
        state: Mutex::new(PipeState::default()),
        attr,
        queue: WaitQueue::new(),
    });
    let inode: Arc<dyn Inode> = Arc::new(PipeInode(pipe.clone()));
    let packet = flags.contains(OpenFlags::O_DIRECT);
    let status = flags & (OpenFlags::O_NONBLOCK | OpenFlags::O_DIRECT);
    let r = FileDescription::new(
        Box::new(PipeEnd::new(&pipe, false, packet)),
        inode.clone(),
        None,
        status,
    )?;
    let w = FileDescription::new(
        Box::new(PipeEnd::new(&pipe, true, packet)),
        inode,
        None,
        status | OpenFlags::O_WRONLY,
    )?;
    Ok((r, w))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair() -> (FileDescription, FileDescription) {
        new_pipe(0, 0, Timespec::default(), OpenFlags::empty()).expect("pipe")
    }

    #[test]
    fn bytes_flow_in_order_and_eof_after_writers_go() {
        let (r, w) = pair();
        assert_eq!(w.write(b"hello "), Ok(6));
        assert_eq!(w.write(b"world"), Ok(5));
        let mut buf = [0u8; 8];
        assert_eq!(r.read(&mut buf), Ok(8));
        assert_eq!(&buf, b"hello wo");
        assert_eq!(r.read(&mut buf), Ok(3));
        assert_eq!(r.read(&mut buf), Err(Errno::EAGAIN));
        assert_eq!(r.readiness(POLLIN), 0);
        drop(w);
        assert_eq!(r.read(&mut buf), Ok(0));
        assert_eq!(r.readiness(POLLIN) & POLLHUP, POLLHUP);
    }

    #[test]
    fn capacity_follows_f_setpipe_sz() {
        let (r, w) = pair();
        assert_eq!(w.imp().pipe_size(), Ok(PIPE_CAPACITY));
        w.write(&[1u8; 5000]).unwrap();
        assert_eq!(w.imp().set_pipe_size(4096, true), Err(Errno::EBUSY));
        assert_eq!(w.imp().set_pipe_size(5000, true), Ok(8192));
        assert_eq!(w.write(&[2u8; 5000]), Ok(3192));
        assert_eq!(r.read(&mut [0u8; 8192]), Ok(8192));
        assert_eq!(r.imp().set_pipe_size(0, false), Ok(4096));
        assert_eq!(w.imp().set_pipe_size(u32::MAX, true), Err(Errno::EINVAL));
        assert_eq!(w.imp().set_pipe_size(2 << 20, false), Err(Errno::EPERM));
        assert_eq!(w.imp().set_pipe_size(1 << 20, false), Ok(1 << 20));
        assert_eq!(w.imp().set_pipe_size(2 << 20, true), Ok(2 << 20));
        assert_eq!(round_pipe_size((1 << 31) + 1), None);
    }

    #[derive(Default)]
    struct Seen(std::sync::atomic::AtomicU32);

    impl vfs::Notify for Seen {
        fn notify(&self, events: u32) {
            self.0.fetch_or(events, Ordering::SeqCst);
        }
    }

    #[test]
    fn readiness_changes_notify_the_queue() {
        let (r, w) = pair();
        let seen = Arc::new(Seen::default());
        let q = r.wait_queue().expect("pipes have a queue");
        q.register(POLLIN | POLLOUT | POLLHUP, seen.clone());
        w.write(b"x").unwrap();
        assert_eq!(seen.0.swap(0, Ordering::SeqCst), POLLIN);
        r.read(&mut [0u8; 4]).unwrap();
        assert_eq!(seen.0.swap(0, Ordering::SeqCst), POLLOUT);
        drop(w);
        assert_eq!(seen.0.load(Ordering::SeqCst), POLLIN | POLLHUP);
    }

    #[test]
    fn packet_mode_reads_one_write_at_a_time() {
        let (r, w) = new_pipe(0, 0, Timespec::default(), OpenFlags::O_DIRECT).expect("pipe");
        assert_eq!(w.write(b"hello"), Ok(5));
        assert_eq!(w.write(b"world!"), Ok(6));
        let mut buf = [0u8; 3];
        // The rest of the first packet is discarded.
        assert_eq!(r.read(&mut buf), Ok(3));
        assert_eq!(&buf, b"hel");
        let mut big = [0u8; 64];
        assert_eq!(r.read(&mut big), Ok(6));
        assert_eq!(&big[..6], b"world!");
        assert_eq!(r.read(&mut big), Err(Errno::EAGAIN));
    }

    #[test]
    fn full_pipe_and_no_readers() {
        let (r, w) = pair();
        let big = vec![7u8; PIPE_CAPACITY + 10];
        assert_eq!(w.write(&big), Ok(PIPE_CAPACITY));
        assert_eq!(w.write(b"x"), Err(Errno::EAGAIN));
        assert_eq!(r.stat().map(|a| a.mode & 0o170000), Ok(S_IFIFO));
        assert!(is_pipe(&r));
        assert_eq!(w.pread(&mut [0u8; 1], 0), Err(Errno::EBADF));
        drop(r);
        assert_eq!(w.write(b"x"), Err(Errno::EPIPE));
    }
}
