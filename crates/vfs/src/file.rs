//! Open files: the per-filesystem [`FileImpl`] seam (Linux's
//! `file_operations`, gVisor's `FileDescriptionImpl`) and the
//! [`FileDescription`] that adds the offset, status flags and access mode.

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::attr::{InodeAttr, SetAttr};
use crate::dirent::push_dirent64;
use crate::errno::{Errno, Result};
use crate::inode::{DirEntry, Inode};
use crate::mount::PathRef;
use crate::uapi::{AccessMode, FileType, OpenFlags};

/// `lseek` whence: absolute.
pub const SEEK_SET: u32 = 0;
/// `lseek` whence: relative to the current offset.
pub const SEEK_CUR: u32 = 1;
/// `lseek` whence: relative to the end.
pub const SEEK_END: u32 = 2;
/// `lseek` whence: next data at or after the offset.
pub const SEEK_DATA: u32 = 3;
/// `lseek` whence: next hole at or after the offset.
pub const SEEK_HOLE: u32 = 4;

/// `POLLIN`: readable.
pub const POLLIN: u32 = 0x1;
/// `POLLOUT`: writable.
pub const POLLOUT: u32 = 0x4;

/// What a filesystem provides for an open file. Offsets are explicit; the
/// [`FileDescription`] owns the file position. Calls never block: a stream
/// with nothing to read returns EAGAIN and the kernel waits on its own
/// wait queue before retrying.
pub trait FileImpl: Send + Sync {
    /// Reads at `offset` (ignored by streams); 0 means end of file.
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Err(Errno::EINVAL)
    }

    /// Writes at `offset` (ignored by streams).
    fn write_at(&self, _offset: u64, _buf: &[u8]) -> Result<usize> {
        Err(Errno::EINVAL)
    }

    /// Appends atomically at the end; returns bytes written and the new end.
    fn append(&self, _buf: &[u8]) -> Result<(usize, u64)> {
        Err(Errno::EINVAL)
    }

    /// Whether the file has a position (`false` for pipes, sockets, ttys:
    /// `lseek`/`pread` give ESPIPE).
    fn is_seekable(&self) -> bool {
        true
    }

    /// Device-specific control.
    fn ioctl(&self, _cmd: u32, _arg: u64) -> Result<u64> {
        Err(Errno::ENOTTY)
    }

    /// Flushes to stable storage.
    fn fsync(&self) -> Result<()> {
        Ok(())
    }

    /// `F_GETPIPE_SZ`: a pipe's capacity in bytes; EBADF for anything
    /// that is not a pipe.
    fn pipe_size(&self) -> Result<usize> {
        Err(Errno::EBADF)
    }

    /// `F_SETPIPE_SZ`: resizes a pipe to hold at least `arg` bytes
    /// (`privileged`: the caller holds `CAP_SYS_RESOURCE`) and returns the
    /// new capacity; EBADF for anything that is not a pipe.
    fn set_pipe_size(&self, _arg: u32, _privileged: bool) -> Result<usize> {
        Err(Errno::EBADF)
    }

    /// Which of the `POLL*` events in `mask` are ready now.
    fn readiness(&self, mask: u32) -> u32 {
        mask & (POLLIN | POLLOUT)
    }

    /// The queue notified when [`FileImpl::readiness`] may have changed,
    /// for files whose readiness changes (pipes, sockets); `None` for files
    /// that are always ready or cannot tell, which the kernel then polls.
    fn wait_queue(&self) -> Option<&crate::waitq::WaitQueue> {
        None
    }

    /// Whether the file may be mapped with `mmap` (ENODEV otherwise).
    fn is_mappable(&self) -> bool {
        true
    }

    /// Fills `page` with the file content at `offset` for a file-backed
    /// mapping; bytes past end of file read as zero.
    fn read_page(&self, offset: u64, page: &mut [u8]) -> Result<()> {
        let mut done = 0;
        while done < page.len() {
            let n = self.read_at(offset + done as u64, &mut page[done..])?;
            if n == 0 {
                break;
            }
            done += n;
        }
        page[done..].fill(0);
        Ok(())
    }

    /// Writes a dirty page of a shared mapping back to the file (never
    /// extending it past `file_size`).
    fn write_page(&self, offset: u64, page: &[u8], file_size: u64) -> Result<()> {
        if offset >= file_size {
            return Ok(());
        }
        let len = usize::try_from(file_size - offset).map_or(page.len(), |n| n.min(page.len()));
        let mut done = 0;
        while done < len {
            let n = self.write_at(offset + done as u64, &page[done..len])?;
            if n == 0 {
                return Err(Errno::EIO);
            }
            done += n;
        }
        Ok(())
    }
}

/// The implementation behind `O_PATH` descriptors: a location, no I/O.
pub(crate) struct PathOnlyFile;

impl FileImpl for PathOnlyFile {
    fn is_mappable(&self) -> bool {
        false
    }
}

struct FdState {
    offset: u64,
    flags: OpenFlags,
    /// The `F_SETOWN`/`F_SETOWN_EX` owner.
    owner: abi::fcntl::f_owner_ex,
}

/// An open file description (`struct file`): the file implementation, the
/// inode and location it was opened at, the file offset, the status flags
/// and the access mode. Shared by `dup`ed descriptors and across `fork`.
pub struct FileDescription {
    imp: Box<dyn FileImpl>,
    inode: Arc<dyn Inode>,
    file_type: Option<FileType>,
    path: Option<PathRef>,
    access: AccessMode,
    is_path: bool,
    state: spin::Mutex<FdState>,
}

impl FileDescription {
    /// Wraps an opened file. `path` is `None` for anonymous files (pipes,
    /// sockets, eventfd), whose `inode` the creator supplies.
    pub fn new(
        imp: Box<dyn FileImpl>,
        inode: Arc<dyn Inode>,
        path: Option<PathRef>,
        flags: OpenFlags,
    ) -> Result<FileDescription> {
        let file_type = inode.stat()?.file_type();
        let keep = OpenFlags::SETFL_MASK
            | OpenFlags::O_WRONLY
            | OpenFlags::O_RDWR
            | OpenFlags::O_PATH
            | OpenFlags::O_LARGEFILE
            | OpenFlags::O_SYNC
            | OpenFlags::O_DSYNC;
        Ok(FileDescription {
            imp,
            inode,
            file_type,
            path,
            access: AccessMode::of(flags),
            is_path: flags.contains(OpenFlags::O_PATH),
            state: spin::Mutex::new(FdState {
                offset: 0,
                flags: flags & keep,
                owner: abi::fcntl::f_owner_ex {
                    type_: abi::fcntl::F_OWNER_PID,
                    pid: 0,
                },
            }),
        })
    }

    /// The filesystem implementation, for kernel code that needs more than
    /// the generic calls (ttys, sockets).
    pub fn imp(&self) -> &dyn FileImpl {
        &*self.imp
    }

    /// The inode the file was opened on.
    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    /// Where the file was opened (for `/proc/self/fd`, `fchdir`, `*at`).
    pub fn path(&self) -> Option<&PathRef> {
        self.path.as_ref()
    }

    /// The access mode from open.
    pub fn access_mode(&self) -> AccessMode {
        self.access
    }

    /// Whether this is an `O_PATH` descriptor.
    pub fn is_path_only(&self) -> bool {
        self.is_path
    }

    /// The status flags `fcntl(F_GETFL)` reports.
    pub fn status_flags(&self) -> OpenFlags {
        self.state.lock().flags
    }

    /// `fcntl(F_SETFL)`: changes only `O_APPEND`, `O_NONBLOCK`, `FASYNC`,
    /// `O_DIRECT` and `O_NOATIME`.
    pub fn set_status_flags(&self, flags: OpenFlags) {
        let mut st = self.state.lock();
        st.flags = (st.flags - OpenFlags::SETFL_MASK) | (flags & OpenFlags::SETFL_MASK);
    }

    /// The `F_SETOWN_EX` owner (`F_GETOWN_EX`): a thread, process or
    /// process group, pid 0 for none.
    pub fn owner(&self) -> abi::fcntl::f_owner_ex {
        self.state.lock().owner
    }

    /// Records the `F_SETOWN`/`F_SETOWN_EX` owner; the kernel has
    /// validated it.
    pub fn set_owner(&self, owner: abi::fcntl::f_owner_ex) {
        self.state.lock().owner = owner;
    }

    /// The current file offset.
    pub fn offset(&self) -> u64 {
        self.state.lock().offset
    }

    fn check_io(&self, want_write: bool) -> Result<()> {
        let allowed = if want_write {
            self.access.writable()
        } else {
            self.access.readable()
        };
        if self.is_path || !allowed {
            return Err(Errno::EBADF);
        }
        if self.file_type == Some(FileType::Directory) {
            return Err(if want_write {
                Errno::EBADF
            } else {
                Errno::EISDIR
            });
        }
        Ok(())
    }

    /// `read(2)`: reads at the file offset and advances it.
    pub fn read(&self, buf: &mut [u8]) -> Result<usize> {
        self.check_io(false)?;
        if !self.imp.is_seekable() {
            return self.imp.read_at(0, buf);
        }
        let off = self.offset();
        let n = self.imp.read_at(off, buf)?;
        self.state.lock().offset = off + n as u64;
        Ok(n)
    }

    /// `write(2)`: writes at the offset (or the end with `O_APPEND`).
    pub fn write(&self, buf: &[u8]) -> Result<usize> {
        self.write_v2(buf, None, self.is_append())
    }

    /// Whether writes go to the end of the file (`O_APPEND`).
    pub fn is_append(&self) -> bool {
        self.status_flags().contains(OpenFlags::O_APPEND)
    }

    /// The write behind `write`, `pwrite64` and `pwritev2`: at `offset`
    /// (`None`: the file offset, which then advances), or at the end of the
    /// file when `append` (`O_APPEND`, or `RWF_APPEND`/`RWF_NOAPPEND` for one
    /// call), which moves the file offset only when `offset` is `None`.
    /// ESPIPE for an explicit offset on a stream.
    pub fn write_v2(&self, buf: &[u8], offset: Option<u64>, append: bool) -> Result<usize> {
        self.check_io(true)?;
        if !self.imp.is_seekable() {
            return match offset {
                Some(_) => Err(Errno::ESPIPE),
                None => self.imp.write_at(0, buf),
            };
        }
        if append {
            let (n, end) = self.imp.append(buf)?;
            if offset.is_none() {
                self.state.lock().offset = end;
            }
            return Ok(n);
        }
        match offset {
            Some(off) => self.imp.write_at(off, buf),
            None => {
                let off = self.offset();
                let n = self.imp.write_at(off, buf)?;
                self.state.lock().offset = off + n as u64;
                Ok(n)
            }
        }
    }

    /// `pread64(2)`: reads at `offset` without moving the file offset.
    pub fn pread(&self, buf: &mut [u8], offset: u64) -> Result<usize> {
        self.check_io(false)?;
        if !self.imp.is_seekable() {
            return Err(Errno::ESPIPE);
        }
        self.imp.read_at(offset, buf)
    }

    /// `pwrite64(2)`: writes at `offset` without moving the file offset
    /// (Linux appends anyway under `O_APPEND`).
    pub fn pwrite(&self, buf: &[u8], offset: u64) -> Result<usize> {
        self.write_v2(buf, Some(offset), self.is_append())
    }

    /// `lseek(2)`.
    pub fn seek(&self, offset: i64, whence: u32) -> Result<u64> {
        if self.is_path {
            return Err(Errno::EBADF);
        }
        if !self.imp.is_seekable() {
            return Err(Errno::ESPIPE);
        }
        let mut st = self.state.lock();
        let base: i64 = match whence {
            SEEK_SET => 0,
            SEEK_CUR => i64::try_from(st.offset).map_err(|_| Errno::EOVERFLOW)?,
            SEEK_END | SEEK_DATA | SEEK_HOLE => {
                if self.file_type == Some(FileType::Directory) && whence != SEEK_END {
                    return Err(Errno::EINVAL);
                }
                let size = i64::try_from(self.inode.stat()?.size).map_err(|_| Errno::EOVERFLOW)?;
                if whence == SEEK_END {
                    size
                } else {
                    // Without hole tracking, all of [0, size) is data.
                    if offset < 0 {
                        return Err(Errno::EINVAL);
                    }
                    if offset >= size {
                        return Err(Errno::ENXIO);
                    }
                    st.offset = if whence == SEEK_DATA {
                        offset as u64
                    } else {
                        size as u64
                    };
                    return Ok(st.offset);
                }
            }
            _ => return Err(Errno::EINVAL),
        };
        let new = base.checked_add(offset).ok_or(Errno::EOVERFLOW)?;
        if new < 0 {
            return Err(Errno::EINVAL);
        }
        st.offset = new as u64;
        Ok(st.offset)
    }

    /// `getdents64(2)`: up to `limit` bytes of `linux_dirent64` records from
    /// the current position; empty at the end. EINVAL if the first record
    /// does not fit.
    pub fn getdents64(&self, limit: usize) -> Result<Vec<u8>> {
        if self.is_path {
            return Err(Errno::EBADF);
        }
        if self.file_type != Some(FileType::Directory) {
            return Err(Errno::ENOTDIR);
        }
        // A removed directory lists nothing, not even `.` and `..`
        // (`IS_DEADDIR` in `iterate_dir`).
        if self.path.as_ref().is_some_and(|p| p.dentry.is_dead()) {
            return Err(Errno::ENOENT);
        }
        let start = self.offset();
        let mut buf = Vec::new();
        let mut pos = start;
        let mut full = false;
        let self_ino = self.inode.stat()?.ino;
        if pos == 0 {
            if !push_dirent64(&mut buf, limit, self_ino, 1, 4, b".") {
                return Err(Errno::EINVAL);
            }
            pos = 1;
        }
        if pos == 1 {
            let parent_ino = match &self.path {
                Some(p) => p.parent_inode().stat()?.ino,
                None => self_ino,
            };
            if push_dirent64(&mut buf, limit, parent_ino, 2, 4, b"..") {
                pos = 2;
            } else {
                full = true;
            }
        }
        if !full {
            self.inode.readdir(pos - 2, &mut |e: &DirEntry| {
                if push_dirent64(
                    &mut buf,
                    limit,
                    e.ino,
                    pos + 1,
                    e.file_type.dtype(),
                    &e.name,
                ) {
                    pos += 1;
                    true
                } else {
                    false
                }
            })?;
        }
        if buf.is_empty() && pos != start {
            return Err(Errno::EINVAL);
        }
        if buf.is_empty() && limit > 0 {
            // Either at the end or the next record alone is too big.
            let mut too_big = false;
            self.inode.readdir(pos.saturating_sub(2), &mut |_| {
                too_big = true;
                false
            })?;
            if too_big {
                return Err(Errno::EINVAL);
            }
        }
        self.state.lock().offset = pos;
        Ok(buf)
    }

    /// `fstat(2)`.
    pub fn stat(&self) -> Result<InodeAttr> {
        self.inode.stat()
    }

    /// `ftruncate(2)`: EINVAL unless open for writing on a regular file.
    pub fn truncate(&self, size: u64) -> Result<()> {
        if self.is_path {
            return Err(Errno::EBADF);
        }
        if !self.access.writable() || self.file_type != Some(FileType::Regular) {
            return Err(Errno::EINVAL);
        }
        self.inode.setattr(&SetAttr {
            size: Some(size),
            ..SetAttr::default()
        })
    }

    /// `fsync(2)`/`fdatasync(2)`.
    pub fn fsync(&self) -> Result<()> {
        if self.is_path {
            return Err(Errno::EBADF);
        }
        self.imp.fsync()
    }

    /// `ioctl(2)`.
    pub fn ioctl(&self, cmd: u32, arg: u64) -> Result<u64> {
        if self.is_path {
            return Err(Errno::EBADF);
        }
        self.imp.ioctl(cmd, arg)
    }

    /// Which `POLL*` events of `mask` are ready.
    pub fn readiness(&self, mask: u32) -> u32 {
        if self.is_path {
            return 0;
        }
        self.imp.readiness(mask)
    }

    /// The queue notified when the file's readiness changes, if it has one.
    pub fn wait_queue(&self) -> Option<&crate::waitq::WaitQueue> {
        if self.is_path {
            return None;
        }
        self.imp.wait_queue()
    }

    /// The `mmap` hook: checks the file may be mapped with the requested
    /// access (`shared_write` = `MAP_SHARED` with `PROT_WRITE`).
    pub fn check_mmap(&self, shared_write: bool) -> Result<()> {
        if self.is_path || !self.access.readable() {
            return Err(Errno::EACCES);
        }
        if shared_write && !self.access.writable() {
            return Err(Errno::EACCES);
        }
        if !self.imp.is_mappable() {
            return Err(Errno::ENODEV);
        }
        Ok(())
    }

    /// Page content for a file-backed mapping at `offset`.
    pub fn read_page(&self, offset: u64, page: &mut [u8]) -> Result<()> {
        self.imp.read_page(offset, page)
    }

    /// Writes back a page of a shared writable mapping.
    pub fn write_page(&self, offset: u64, page: &[u8]) -> Result<()> {
        let size = self.inode.stat()?.size;
        self.imp.write_page(offset, page, size)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::uapi::S_IFREG;

    /// A fixed in-memory file, enough to exercise offset handling.
    struct Bytes(spin::Mutex<Vec<u8>>);
    struct BytesInode(Arc<Bytes>);

    impl FileImpl for Arc<Bytes> {
        fn read_at(&self, off: u64, buf: &mut [u8]) -> Result<usize> {
            let d = self.0.lock();
            let off = (off as usize).min(d.len());
            let n = buf.len().min(d.len() - off);
            buf[..n].copy_from_slice(&d[off..off + n]);
            Ok(n)
        }
        fn write_at(&self, off: u64, buf: &[u8]) -> Result<usize> {
            let mut d = self.0.lock();
            let end = off as usize + buf.len();
            if d.len() < end {
                d.resize(end, 0);
            }
            d[off as usize..end].copy_from_slice(buf);
            Ok(buf.len())
        }
        fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
            let mut d = self.0.lock();
            d.extend_from_slice(buf);
            Ok((buf.len(), d.len() as u64))
        }
    }
    impl Inode for BytesInode {
        fn stat(&self) -> Result<InodeAttr> {
            Ok(InodeAttr {
                mode: S_IFREG | 0o644,
                size: self.0 .0.lock().len() as u64,
                ..InodeAttr::default()
            })
        }
    }

    fn fd(flags: OpenFlags) -> FileDescription {
        let b = Arc::new(Bytes(spin::Mutex::new(b"hello".to_vec())));
        FileDescription::new(Box::new(b.clone()), Arc::new(BytesInode(b)), None, flags)
            .unwrap_or_else(|_| panic!("stat failed"))
    }

    #[test]
    fn offsets_and_seek() {
        let f = fd(OpenFlags::O_RDWR);
        let mut buf = [0u8; 3];
        assert_eq!(f.read(&mut buf), Ok(3));
        assert_eq!(&buf, b"hel");
        assert_eq!(f.offset(), 3);
        assert_eq!(f.write(b"XY"), Ok(2));
        assert_eq!(f.seek(0, SEEK_END), Ok(5));
        assert_eq!(f.seek(-1, SEEK_CUR), Ok(4));
        assert_eq!(f.seek(-10, SEEK_CUR), Err(Errno::EINVAL));
        assert_eq!(f.seek(0, 99), Err(Errno::EINVAL));
        assert_eq!(f.pread(&mut buf, 2), Ok(3));
        assert_eq!(&buf, b"lXY");
        assert_eq!(f.offset(), 4);
        assert_eq!(f.seek(1, SEEK_DATA), Ok(1));
        assert_eq!(f.seek(1, SEEK_HOLE), Ok(5));
        assert_eq!(f.seek(5, SEEK_DATA), Err(Errno::ENXIO));
    }

    #[test]
    fn access_mode_enforced() {
        let r = fd(OpenFlags::empty());
        assert_eq!(r.write(b"x"), Err(Errno::EBADF));
        assert_eq!(r.truncate(0), Err(Errno::EINVAL));
        let w = fd(OpenFlags::O_WRONLY);
        assert_eq!(w.read(&mut [0u8; 1]), Err(Errno::EBADF));
        let p = fd(OpenFlags::O_PATH);
        assert_eq!(p.read(&mut [0u8; 1]), Err(Errno::EBADF));
        assert_eq!(p.seek(0, SEEK_SET), Err(Errno::EBADF));
        assert_eq!(r.getdents64(100), Err(Errno::ENOTDIR));
    }

    #[test]
    fn append_and_setfl() {
        let f = fd(OpenFlags::O_WRONLY | OpenFlags::O_APPEND);
        assert_eq!(f.write(b"!!"), Ok(2));
        assert_eq!(f.offset(), 7);
        f.set_status_flags(OpenFlags::O_NONBLOCK | OpenFlags::O_CREAT);
        assert!(!f.status_flags().contains(OpenFlags::O_APPEND));
        assert!(f.status_flags().contains(OpenFlags::O_NONBLOCK));
        assert!(!f.status_flags().contains(OpenFlags::O_CREAT));
        assert_eq!(f.access_mode(), AccessMode::WriteOnly);
        assert_eq!(f.write(b"?"), Ok(1));
        assert_eq!(f.offset(), 8);
    }

    #[test]
    fn read_page_zero_fills() {
        let f = fd(OpenFlags::empty());
        let mut page = [0xffu8; 8];
        assert_eq!(f.read_page(2, &mut page), Ok(()));
        assert_eq!(&page, b"llo\0\0\0\0\0");
    }
}
