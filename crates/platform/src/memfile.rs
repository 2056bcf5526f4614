//! The memory file: one host memfd that backs every byte of application memory.
//!
//! The Sentry maps the whole file `MAP_SHARED` into itself once, and the
//! platforms map ranges of it into stub address spaces, so reading or writing
//! application memory is a copy in the Sentry's own address space. The file is
//! sparse: pages cost host memory only once touched, and [`MemoryFile::decommit`]
//! gives them back. Which ranges belong to whom is not decided here (the kernel's
//! memory manager owns the allocation policy).
//!
//! The application may write the same pages concurrently from another CPU, so
//! this type never hands out references into the mapping: it copies with raw
//! pointer copies only.

use std::os::fd::{AsFd, AsRawFd, BorrowedFd, OwnedFd, RawFd};
use std::ptr::NonNull;
use std::sync::atomic::{AtomicU64, Ordering};

use rustix::fs::{FallocateFlags, MemfdFlags};
use rustix::mm::{MapFlags, ProtFlags};

use crate::{Error, Result};

/// The default size of a memory file: 64 GiB of sparse address space.
pub const DEFAULT_MEMORY_FILE_SIZE: u64 = 1 << 36;

/// The host page size the memory file and all mappings are aligned to.
pub const PAGE_SIZE: u64 = 4096;

/// A host memfd mapped shared into the Sentry; see the module documentation.
#[derive(Debug)]
pub struct MemoryFile {
    fd: OwnedFd,
    base: NonNull<u8>,
    len: u64,
}

// SAFETY: `base` points to a MAP_SHARED mapping owned by this value for its
// whole life; all accesses go through raw-pointer copies that tolerate
// concurrent writers, so sharing and sending the handle between threads is
// sound.
unsafe impl Send for MemoryFile {}
// SAFETY: see `Send`: no method hands out references into the mapping.
unsafe impl Sync for MemoryFile {}

impl MemoryFile {
    /// Creates a memory file of `len` bytes (a multiple of [`PAGE_SIZE`]) and
    /// maps it into the Sentry.
    pub fn new(len: u64) -> Result<Self> {
        if len == 0 || !len.is_multiple_of(PAGE_SIZE) || usize::try_from(len).is_err() {
            return Err(Error::Invalid(
                "memory file size must be a non-zero multiple of the page size",
            ));
        }
        let fd = rustix::fs::memfd_create("sandbox-memory", MemfdFlags::CLOEXEC)
            .map_err(|e| host("memfd_create", e))?;
        rustix::fs::ftruncate(&fd, len).map_err(|e| host("ftruncate(memfd)", e))?;
        let map_len = len as usize;
        // SAFETY: a fresh shared mapping at an address the kernel chooses; it
        // replaces nothing, and it is unmapped only in `Drop`.
        let ptr = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                map_len,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED | MapFlags::NORESERVE,
                &fd,
                0,
            )
        }
        .map_err(|e| host("mmap(memfd)", e))?;
        let base = NonNull::new(ptr.cast::<u8>()).ok_or(Error::Invalid("mmap returned null"))?;
        Ok(MemoryFile { fd, base, len })
    }

    /// The host file descriptor (stubs map it with `MAP_SHARED | MAP_FIXED`).
    pub fn fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// The raw host file descriptor number, as it is inherited by stubs.
    pub fn raw_fd(&self) -> RawFd {
        self.fd.as_raw_fd()
    }

    /// The size of the file in bytes.
    pub fn len(&self) -> u64 {
        self.len
    }

    /// Whether the file has no bytes (never true for a constructed file).
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Checks that `[off, off + len)` lies inside the file.
    pub fn check_range(&self, off: u64, len: u64) -> Result<()> {
        match off.checked_add(len) {
            Some(end) if end <= self.len => Ok(()),
            _ => Err(Error::Invalid("range outside the memory file")),
        }
    }

    /// Copies `buf.len()` bytes at file offset `off` into `buf`.
    pub fn read_at(&self, off: u64, buf: &mut [u8]) -> Result<()> {
        self.check_range(off, buf.len() as u64)?;
        // SAFETY: the range is inside the live mapping (checked above) and
        // `buf` is a distinct Sentry buffer; a raw copy tolerates concurrent
        // writes by the application to the source bytes.
        unsafe {
            std::ptr::copy_nonoverlapping(
                self.base.as_ptr().add(off as usize),
                buf.as_mut_ptr(),
                buf.len(),
            );
        }
        Ok(())
    }

    /// Copies `buf` to file offset `off`.
    pub fn write_at(&self, off: u64, buf: &[u8]) -> Result<()> {
        self.check_range(off, buf.len() as u64)?;
        // SAFETY: the range is inside the live mapping (checked above); no
        // Rust reference into the mapping exists.
        unsafe {
            std::ptr::copy_nonoverlapping(
                buf.as_ptr(),
                self.base.as_ptr().add(off as usize),
                buf.len(),
            );
        }
        Ok(())
    }

    /// Stores `v` at file offset `off` (8-byte aligned) as one atomic
    /// 64-bit write with release ordering: a reader in another process that
    /// loads the word sees either the old or the new value, never a mix,
    /// and sees every earlier store once it sees this one (the writer side
    /// of a seqlock shared with application code, such as the `[vvar]`
    /// page).
    pub fn store_u64(&self, off: u64, v: u64) -> Result<()> {
        let p = self.word(off)?;
        // SAFETY: `p` is an aligned, in-bounds address of the live shared
        // mapping (checked by `word`); the temporary atomic view lives for
        // this one store only, so no reference into the mapping escapes.
        unsafe { AtomicU64::from_ptr(p) }.store(v, Ordering::Release);
        Ok(())
    }

    /// Loads the 64-bit word at file offset `off` (8-byte aligned)
    /// atomically, with acquire ordering; the reader side of
    /// [`MemoryFile::store_u64`].
    pub fn load_u64(&self, off: u64) -> Result<u64> {
        let p = self.word(off)?;
        // SAFETY: as in `store_u64`.
        Ok(unsafe { AtomicU64::from_ptr(p) }.load(Ordering::Acquire))
    }

    /// The address of the aligned 64-bit word at `off`, checked to lie in
    /// the mapping.
    fn word(&self, off: u64) -> Result<*mut u64> {
        self.check_range(off, 8)?;
        if !off.is_multiple_of(8) {
            return Err(Error::Invalid("unaligned 64-bit word"));
        }
        // SAFETY: `off + 8 <= len` (checked above), so the result stays
        // inside the mapping; the base is page aligned, so it is 8-aligned.
        Ok(unsafe { self.base.as_ptr().add(off as usize) }.cast::<u64>())
    }

    /// Fills `[off, off + len)` with zero bytes (the pages stay committed).
    pub fn zero(&self, off: u64, len: u64) -> Result<()> {
        self.check_range(off, len)?;
        // SAFETY: the range is inside the live mapping (checked above).
        unsafe {
            std::ptr::write_bytes(self.base.as_ptr().add(off as usize), 0, len as usize);
        }
        Ok(())
    }

    /// Gives the pages of `[off, off + len)` back to the host (they read as
    /// zero afterwards). Both bounds must be page aligned.
    pub fn decommit(&self, off: u64, len: u64) -> Result<()> {
        self.check_range(off, len)?;
        if !off.is_multiple_of(PAGE_SIZE) || !len.is_multiple_of(PAGE_SIZE) {
            return Err(Error::Invalid("decommit range must be page aligned"));
        }
        if len == 0 {
            return Ok(());
        }
        rustix::fs::fallocate(
            &self.fd,
            FallocateFlags::PUNCH_HOLE | FallocateFlags::KEEP_SIZE,
            off,
            len,
        )
        .map_err(|e| host("fallocate(PUNCH_HOLE)", e))
    }

    /// Stores one byte at `off` atomically: other threads (and processes
    /// that map the file) see the old byte or the new one, and every store
    /// made before this one first. For code patching, where the order in
    /// which bytes of an instruction change matters.
    pub fn store_byte(&self, off: u64, b: u8) -> Result<()> {
        self.check_range(off, 1)?;
        // SAFETY: the byte is inside the live mapping (checked above);
        // AtomicU8 has u8's layout and is the type for shared mutation.
        let a = unsafe {
            &*self
                .base
                .as_ptr()
                .add(off as usize)
                .cast::<std::sync::atomic::AtomicU8>()
        };
        a.store(b, std::sync::atomic::Ordering::SeqCst);
        Ok(())
    }
}

impl Drop for MemoryFile {
    fn drop(&mut self) {
        // SAFETY: the mapping was created in `new` with this address and length
        // and nothing refers into it any more.
        let _ = unsafe { rustix::mm::munmap(self.base.as_ptr().cast(), self.len as usize) };
    }
}

/// Wraps a rustix error as a platform error.
pub(crate) fn host(op: &'static str, e: rustix::io::Errno) -> Error {
    Error::Host {
        op,
        source: std::io::Error::from_raw_os_error(e.raw_os_error()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn write_then_read_round_trips() {
        let f = MemoryFile::new(1 << 30).unwrap();
        f.write_at(4096 * 7 + 3, b"hello").unwrap();
        let mut buf = [0u8; 5];
        f.read_at(4096 * 7 + 3, &mut buf).unwrap();
        assert_eq!(&buf, b"hello");
    }

    #[test]
    fn words_are_stored_whole_and_checked() {
        let f = MemoryFile::new(1 << 20).unwrap();
        f.store_u64(4096 + 8, 0x0102_0304_0506_0708).unwrap();
        assert_eq!(f.load_u64(4096 + 8).unwrap(), 0x0102_0304_0506_0708);
        let mut buf = [0u8; 8];
        f.read_at(4096 + 8, &mut buf).unwrap();
        assert_eq!(u64::from_ne_bytes(buf), 0x0102_0304_0506_0708);
        assert!(f.store_u64(4096 + 4, 1).is_err(), "unaligned");
        assert!(f.load_u64((1 << 20) - 4).is_err(), "out of range");
        assert!(f.load_u64(1 << 20).is_err(), "past the end");
    }

    #[test]
    fn out_of_bounds_is_an_error() {
        let f = MemoryFile::new(1 << 20).unwrap();
        let mut buf = [0u8; 8];
        assert!(f.read_at((1 << 20) - 4, &mut buf).is_err());
        assert!(f.write_at(u64::MAX - 2, &buf).is_err());
        assert!(f.zero(1 << 20, 1).is_err());
        assert!(f.decommit(0, 1 << 21).is_err());
    }

    #[test]
    fn zero_and_decommit_clear_bytes() {
        let f = MemoryFile::new(1 << 20).unwrap();
        f.write_at(0, &[0xaa; 8192]).unwrap();
        f.zero(10, 10).unwrap();
        let mut buf = [0u8; 30];
        f.read_at(0, &mut buf).unwrap();
        assert_eq!(&buf[..10], &[0xaa; 10]);
        assert_eq!(&buf[10..20], &[0; 10]);
        assert_eq!(&buf[20..], &[0xaa; 10]);
        f.decommit(0, 4096).unwrap();
        f.read_at(0, &mut buf).unwrap();
        assert_eq!(buf, [0; 30]);
        let mut tail = [0u8; 1];
        f.read_at(4096, &mut tail).unwrap();
        assert_eq!(tail, [0xaa]);
        assert!(f.decommit(1, 4096).is_err());
    }
}
