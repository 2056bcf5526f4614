//! The memory character devices (Linux's `drivers/char/mem.c` and
//! `random.c`): `/dev/null` 1:3, `/dev/zero` 1:5, `/dev/full` 1:7,
//! `/dev/random` 1:8 and `/dev/urandom` 1:9, and the [`DevOpener`] that
//! serves them by device number wherever the node lives.

use std::sync::Arc;

use vfs::uapi::{makedev, FileType};
use vfs::{Errno, FileImpl, InodeAttr, OpenFlags, PathRef, Result, SpecialOpener};

/// Major number of the memory devices.
pub const MEM_MAJOR: u32 = 1;
/// `/dev/null`'s device number.
pub const DEV_NULL: u64 = makedev(MEM_MAJOR, 3);
/// `/dev/zero`'s device number.
pub const DEV_ZERO: u64 = makedev(MEM_MAJOR, 5);
/// `/dev/full`'s device number.
pub const DEV_FULL: u64 = makedev(MEM_MAJOR, 7);
/// `/dev/random`'s device number.
pub const DEV_RANDOM: u64 = makedev(MEM_MAJOR, 8);
/// `/dev/urandom`'s device number.
pub const DEV_URANDOM: u64 = makedev(MEM_MAJOR, 9);
/// `/dev/tty`'s device number (the caller's controlling terminal).
pub const DEV_TTY: u64 = makedev(5, 0);

/// `/dev/null`: reads end at once, writes vanish.
pub struct NullFile;

impl FileImpl for NullFile {
    fn read_at(&self, _offset: u64, _buf: &mut [u8]) -> Result<usize> {
        Ok(0)
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }

    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        Ok((buf.len(), 0))
    }

    fn is_mappable(&self) -> bool {
        false
    }
}

/// `/dev/zero`: reads give zeros, writes vanish; mapping gives zero pages.
pub struct ZeroFile;

impl FileImpl for ZeroFile {
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }

    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        Ok((buf.len(), 0))
    }

    fn write_page(&self, _offset: u64, _page: &[u8], _file_size: u64) -> Result<()> {
        Ok(())
    }
}

/// `/dev/full`: reads give zeros, writes fail with `ENOSPC`.
pub struct FullFile;

impl FileImpl for FullFile {
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        buf.fill(0);
        Ok(buf.len())
    }

    fn write_at(&self, _offset: u64, _buf: &[u8]) -> Result<usize> {
        Err(Errno::ENOSPC)
    }

    fn append(&self, _buf: &[u8]) -> Result<(usize, u64)> {
        Err(Errno::ENOSPC)
    }

    fn is_mappable(&self) -> bool {
        false
    }
}

/// `/dev/random` and `/dev/urandom`: bytes from the host's random pool
/// (both never block once the pool is initialised, as since Linux 5.6).
/// Writes are accepted and discarded (they would only mix into the pool).
pub struct RandomFile;

impl FileImpl for RandomFile {
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        rustix::rand::getrandom(buf, rustix::rand::GetRandomFlags::empty())
            .map_err(|e| Errno::from_raw(e.raw_os_error()).unwrap_or(Errno::EIO))
    }

    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        Ok(buf.len())
    }

    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        Ok((buf.len(), 0))
    }

    fn is_mappable(&self) -> bool {
        false
    }
}

/// The implementation for a memory-device number, if it is one.
pub fn open_mem_device(rdev: u64) -> Option<Box<dyn FileImpl>> {
    match rdev {
        DEV_NULL => Some(Box::new(NullFile)),
        DEV_ZERO => Some(Box::new(ZeroFile)),
        DEV_FULL => Some(Box::new(FullFile)),
        DEV_RANDOM | DEV_URANDOM => Some(Box::new(RandomFile)),
        _ => None,
    }
}

/// The [`SpecialOpener`] for device nodes: serves the memory devices
/// itself and hands every other node (terminals, FIFOs, sockets) to the
/// kernel's opener, if one is given. Without one those give `ENXIO`, which
/// is what Linux gives for `/dev/tty` without a controlling terminal.
pub struct DevOpener {
    next: Option<Arc<dyn SpecialOpener>>,
}

impl DevOpener {
    /// An opener that falls back to `next` for nodes it does not serve.
    pub fn new(next: Option<Arc<dyn SpecialOpener>>) -> DevOpener {
        DevOpener { next }
    }
}

impl SpecialOpener for DevOpener {
    fn open_special(
        &self,
        at: &PathRef,
        attr: &InodeAttr,
        flags: OpenFlags,
    ) -> Result<Box<dyn FileImpl>> {
        if attr.file_type() == Some(FileType::CharDevice) {
            if let Some(f) = open_mem_device(attr.rdev) {
                return Ok(f);
            }
        }
        match &self.next {
            Some(next) => next.open_special(at, attr, flags),
            None => Err(Errno::ENXIO),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_devices_behave_like_linux() {
        let mut buf = [7u8; 16];
        let null = open_mem_device(DEV_NULL).unwrap_or_else(|| panic!("null"));
        assert_eq!(null.read_at(0, &mut buf), Ok(0));
        assert_eq!(null.write_at(0, b"abc"), Ok(3));
        let zero = open_mem_device(DEV_ZERO).unwrap_or_else(|| panic!("zero"));
        assert_eq!(zero.read_at(5, &mut buf), Ok(16));
        assert_eq!(buf, [0u8; 16]);
        assert!(zero.is_mappable());
        let full = open_mem_device(DEV_FULL).unwrap_or_else(|| panic!("full"));
        assert_eq!(full.write_at(0, b"x"), Err(Errno::ENOSPC));
        buf.fill(1);
        assert_eq!(full.read_at(0, &mut buf), Ok(16));
        assert_eq!(buf, [0u8; 16]);
        let rnd = open_mem_device(DEV_URANDOM).unwrap_or_else(|| panic!("urandom"));
        let mut a = [0u8; 32];
        let mut b = [0u8; 32];
        assert_eq!(rnd.read_at(0, &mut a), Ok(32));
        assert_eq!(rnd.read_at(0, &mut b), Ok(32));
        assert_ne!(a, b);
        assert!(open_mem_device(DEV_TTY).is_none());
        assert!(open_mem_device(makedev(1, 4)).is_none());
    }
}
