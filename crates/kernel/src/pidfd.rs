//! Process file descriptors (`pidfd_open(2)`, `clone(CLONE_PIDFD)`): a
//! file that names a process, becomes readable when it ends, and can be
//! signalled (`pidfd_send_signal`) or waited for (`waitid(P_PIDFD)`).

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use abi::Errno;
use vfs::file::POLLIN;
use vfs::{downcast_inode, FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, WaitQueue};

const POLLHUP: u32 = 0x10;
const POLLRDNORM: u32 = 0x40;

static NEXT_INO: AtomicU64 = AtomicU64::new(1);

/// Whether a process has ended and been reaped, for its pidfds.
#[derive(Debug, Default)]
pub struct ExitNotice {
    exited: AtomicBool,
    reaped: AtomicBool,
    queue: WaitQueue,
}

impl ExitNotice {
    /// The process has ended (it is a zombie).
    pub fn exited(&self) {
        self.exited.store(true, Ordering::SeqCst);
        self.queue.notify(POLLIN | POLLRDNORM);
    }

    /// The process has been reaped.
    pub fn reaped(&self) {
        self.exited.store(true, Ordering::SeqCst);
        self.reaped.store(true, Ordering::SeqCst);
        self.queue.notify(POLLIN | POLLRDNORM | POLLHUP);
    }
}

/// The inode of a pidfd: which process it names.
pub struct PidFdInode {
    /// The process.
    pub pid: i32,
    notice: Arc<ExitNotice>,
    attr: InodeAttr,
}

impl Inode for PidFdInode {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.attr)
    }
}

struct PidFdFile(Arc<ExitNotice>);

impl FileImpl for PidFdFile {
    fn is_seekable(&self) -> bool {
        false
    }

    fn is_mappable(&self) -> bool {
        false
    }

    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> vfs::Result<usize> {
        Err(Errno::EINVAL)
    }

    fn readiness(&self, mask: u32) -> u32 {
        let n = &self.0;
        let mut r = 0;
        if n.exited.load(Ordering::SeqCst) {
            r |= POLLIN | POLLRDNORM;
        }
        if n.reaped.load(Ordering::SeqCst) {
            r |= POLLHUP;
        }
        r & (mask | POLLHUP)
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.queue)
    }
}

/// A new pidfd for process `pid` whose end `notice` reports.
pub fn new_pidfd(
    pid: i32,
    notice: Arc<ExitNotice>,
    nonblock: bool,
) -> vfs::Result<FileDescription> {
    let attr = InodeAttr {
        dev: vfs::uapi::makedev(0, 13),
        ino: NEXT_INO.fetch_add(1, Ordering::Relaxed),
        mode: 0o600,
        nlink: 1,
        blksize: 4096,
        ..InodeAttr::default()
    };
    let inode: Arc<dyn Inode> = Arc::new(PidFdInode {
        pid,
        notice: notice.clone(),
        attr,
    });
    let mut flags = OpenFlags::O_RDWR;
    if nonblock {
        flags |= OpenFlags::O_NONBLOCK;
    }
    FileDescription::new(Box::new(PidFdFile(notice)), inode, None, flags)
}

/// The process a pidfd names, or `EBADF` for any other file.
pub fn pid_of(file: &FileDescription) -> Result<i32, Errno> {
    downcast_inode::<PidFdInode>(file.inode())
        .map(|i| i.pid)
        .ok_or(Errno::EBADF)
}

impl PidFdInode {
    /// Whether the process has been reaped.
    pub fn is_reaped(&self) -> bool {
        self.notice.reaped.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn readable_once_the_process_ends() {
        let notice = Arc::new(ExitNotice::default());
        let f = new_pidfd(7, notice.clone(), false).expect("pidfd");
        assert_eq!(pid_of(&f), Ok(7));
        assert_eq!(f.readiness(POLLIN), 0);
        notice.exited();
        assert_eq!(f.readiness(POLLIN), POLLIN);
        notice.reaped();
        assert_eq!(f.readiness(POLLIN), POLLIN | POLLHUP);
    }
}
