//! eventfd objects (`eventfd(2)`, Linux's `fs/eventfd.c`): a 64-bit
//! counter that writes add to and reads take. Calls never block (the VFS
//! contract): a read of a zero counter or a write that would pass
//! [`EFD_MAX_COUNTER`] gives `EAGAIN`, and blocking descriptors sleep on
//! the object's wait queue, which every change notifies.

use std::sync::{Arc, Mutex, MutexGuard};

use abi::eventfd::EFD_MAX_COUNTER;
use abi::Errno;
use vfs::file::{POLLIN, POLLOUT};
use vfs::{FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, WaitQueue};

/// One eventfd: the inode and the state its descriptions share.
pub struct EventFd {
    count: Mutex<u64>,
    semaphore: bool,
    queue: WaitQueue,
    attr: InodeAttr,
}

impl Inode for EventFd {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.attr)
    }
}

impl EventFd {
    fn lock(&self) -> MutexGuard<'_, u64> {
        match self.count.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

struct EventFdFile(Arc<EventFd>);

impl FileImpl for EventFdFile {
    /// Takes the counter (or 1 in semaphore mode); `EINVAL` for a buffer
    /// shorter than 8 bytes.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> vfs::Result<usize> {
        let out = buf.get_mut(..8).ok_or(Errno::EINVAL)?;
        let mut c = self.0.lock();
        if *c == 0 {
            return Err(Errno::EAGAIN);
        }
        let v = if self.0.semaphore { 1 } else { *c };
        *c -= v;
        drop(c);
        out.copy_from_slice(&v.to_ne_bytes());
        self.0.queue.notify(POLLOUT);
        Ok(8)
    }

    /// Adds an 8-byte value; `EINVAL` for a short buffer or the value
    /// `u64::MAX`.
    fn write_at(&self, _offset: u64, buf: &[u8]) -> vfs::Result<usize> {
        let bytes: [u8; 8] = buf
            .get(..8)
            .and_then(|b| b.try_into().ok())
            .ok_or(Errno::EINVAL)?;
        let v = u64::from_ne_bytes(bytes);
        if v == u64::MAX {
            return Err(Errno::EINVAL);
        }
        let mut c = self.0.lock();
        if EFD_MAX_COUNTER - *c < v {
            return Err(Errno::EAGAIN);
        }
        *c += v;
        drop(c);
        if v > 0 {
            self.0.queue.notify(POLLIN);
        }
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
        let c = *self.0.lock();
        let mut r = 0;
        if c > 0 {
            r |= POLLIN;
        }
        if c < EFD_MAX_COUNTER {
            r |= POLLOUT;
        }
        r & mask
    }
}

/// Creates an eventfd with counter `initval`; `semaphore` makes reads
/// take 1 at a time. `flags` carries `O_NONBLOCK`.
pub fn new_eventfd(
    attr: InodeAttr,
    initval: u32,
    semaphore: bool,
    flags: OpenFlags,
) -> vfs::Result<FileDescription> {
    let efd = Arc::new(EventFd {
        count: Mutex::new(u64::from(initval)),
        semaphore,
        queue: WaitQueue::new(),
        attr,
    });
    FileDescription::new(
        Box::new(EventFdFile(efd.clone())),
        efd,
        None,
        (flags & OpenFlags::O_NONBLOCK) | OpenFlags::O_RDWR,
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use vfs::Timespec;

    fn efd(init: u32, sem: bool) -> FileDescription {
        let attr = crate::anon::anon_attr(0, 0, Timespec::default());
        new_eventfd(attr, init, sem, OpenFlags::O_NONBLOCK).expect("eventfd")
    }

    fn read(f: &FileDescription) -> vfs::Result<u64> {
        let mut b = [0u8; 8];
        f.read(&mut b).map(|_| u64::from_ne_bytes(b))
    }

    #[test]
    fn counter_adds_and_reads_reset() {
        let f = efd(2, false);
        assert_eq!(f.readiness(POLLIN | POLLOUT), POLLIN | POLLOUT);
        assert_eq!(f.write(&5u64.to_ne_bytes()), Ok(8));
        assert_eq!(read(&f), Ok(7));
        assert_eq!(read(&f), Err(Errno::EAGAIN));
        assert_eq!(f.readiness(POLLIN), 0);
    }

    #[test]
    fn semaphore_takes_one() {
        let f = efd(2, true);
        assert_eq!(read(&f), Ok(1));
        assert_eq!(read(&f), Ok(1));
        assert_eq!(read(&f), Err(Errno::EAGAIN));
    }

    #[test]
    fn limits_and_short_buffers() {
        let f = efd(0, false);
        assert_eq!(f.write(&u64::MAX.to_ne_bytes()), Err(Errno::EINVAL));
        assert_eq!(f.write(&[1, 2, 3]), Err(Errno::EINVAL));
        let mut short = [0u8; 4];
        assert_eq!(f.read(&mut short), Err(Errno::EINVAL));
        assert_eq!(f.write(&EFD_MAX_COUNTER.to_ne_bytes()), Ok(8));
        assert_eq!(f.readiness(POLLOUT), 0);
        assert_eq!(f.write(&1u64.to_ne_bytes()), Err(Errno::EAGAIN));
        assert_eq!(read(&f), Ok(EFD_MAX_COUNTER));
    }
}
