//! Address-space changes of a stub: `mmap` of the memory file, `munmap` and
//! `mprotect`, each a system call injected into a stopped stub thread (the
//! platform supplies how), with the platform's view of what is mapped kept
//! in step. Both platforms change their stubs this way.

pub mod batch;

use std::sync::{Mutex, MutexGuard};

use super::layout::in_app_range;
use crate::memfile::PAGE_SIZE;
use crate::ptrace::prot_map::ProtMap;
use crate::{Error, MemoryFile, Prot, Result};

/// Host `PROT_*` bits for a [`Prot`].
pub fn host_prot(p: Prot) -> u64 {
    let mut v = 0;
    if p.read {
        v |= libc::PROT_READ;
    }
    if p.write {
        v |= libc::PROT_WRITE;
    }
    if p.exec {
        v |= libc::PROT_EXEC;
    }
    v as u64
}

/// Checks that `[addr, addr + len)` is a non-empty, page-aligned range of
/// application addresses; returns its end.
pub fn check_range(addr: u64, len: u64) -> Result<u64> {
    if len == 0 || !addr.is_multiple_of(PAGE_SIZE) || !len.is_multiple_of(PAGE_SIZE) {
        return Err(Error::Invalid(
            "address and length must be page aligned and non-empty",
        ));
    }
    if !in_app_range(addr, len) {
        return Err(Error::Invalid(
            "range outside the application's address range",
        ));
    }
    Ok(addr + len)
}

/// What a stub has mapped, changed only through [`StubMappings`]' methods.
#[derive(Debug, Default)]
pub struct StubMappings {
    /// What is mapped where, so `protect` touches only mapped parts (the
    /// host's `mprotect` fails on holes).
    view: Mutex<ProtMap>,
}

impl StubMappings {
    fn view(&self) -> MutexGuard<'_, ProtMap> {
        // Every update leaves the map consistent, so a poisoned lock is fine.
        self.view.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Maps `len` bytes of `mf` at `file_offset` to `addr` with `prot`,
    /// through `inject(nr, args) -> raw rax`.
    pub fn map(
        &self,
        mf: &MemoryFile,
        (addr, len, prot, file_offset): (u64, u64, Prot, u64),
        inject: impl FnOnce(i64, [u64; 6]) -> Result<i64>,
    ) -> Result<()> {
        let end = check_range(addr, len)?;
        if !file_offset.is_multiple_of(PAGE_SIZE) {
            return Err(Error::Invalid("file offset must be page aligned"));
        }
        mf.check_range(file_offset, len)?;
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        let fd = mf.raw_fd() as u64;
        let mut view = self.view();
        // A failed MAP_FIXED may have removed the old mapping: forget it first.
        view.unmap(addr, end);
        let args = [addr, len, host_prot(prot), flags, fd, file_offset];
        let got = super::inject::host_result("mmap(stub)", inject(libc::SYS_mmap, args)?)?;
        if got as u64 != addr {
            return Err(Error::Invalid("host mapped at another address"));
        }
        view.map(addr, end, prot);
        Ok(())
    }

    /// Removes the mappings in `[addr, addr + len)`.
    pub fn unmap(
        &self,
        addr: u64,
        len: u64,
        inject: impl FnOnce(i64, [u64; 6]) -> Result<i64>,
    ) -> Result<()> {
        let end = check_range(addr, len)?;
        let mut view = self.view();
        super::inject::host_result(
            "munmap(stub)",
            inject(libc::SYS_munmap, [addr, len, 0, 0, 0, 0])?,
        )?;
        view.unmap(addr, end);
        Ok(())
    }

    /// Changes the protection of the mapped parts of `[addr, addr + len)`.
    pub fn protect(
        &self,
        addr: u64,
        len: u64,
        prot: Prot,
        mut inject: impl FnMut(i64, [u64; 6]) -> Result<i64>,
    ) -> Result<()> {
        let end = check_range(addr, len)?;
        let mut view = self.view();
        for (s, e, _) in view.mapped_parts(addr, end) {
            let args = [s, e - s, host_prot(prot), 0, 0, 0];
            super::inject::host_result("mprotect(stub)", inject(libc::SYS_mprotect, args)?)?;
            view.map(s, e, prot);
        }
        Ok(())
    }

    /// Mapped ranges with their protection, merged.
    pub fn merged(&self) -> Vec<(u64, u64, Prot)> {
        self.view().merged()
    }

    /// The protection at `addr`, if mapped.
    pub fn prot_at(&self, addr: u64) -> Option<Prot> {
        self.view().prot_at(addr)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: Prot = Prot {
        read: true,
        write: true,
        exec: false,
    };

    #[test]
    fn the_view_follows_successful_calls_only() {
        let mf = MemoryFile::new(1 << 20).unwrap();
        let m = StubMappings::default();
        let ok = |nr: i64, a: [u64; 6]| Ok(if nr == libc::SYS_mmap { a[0] as i64 } else { 0 });
        m.map(&mf, (0x40_0000, 0x2000, RW, 0), ok).unwrap();
        assert_eq!(m.prot_at(0x40_1000), Some(RW));
        m.protect(0x3f_0000, 0x20_0000, Prot::default(), ok)
            .unwrap();
        assert_eq!(m.prot_at(0x40_0000), Some(Prot::default()));
        let fail = |_: i64, _: [u64; 6]| Ok(-(libc::ENOMEM as i64));
        assert!(m.map(&mf, (0x40_0000, 0x1000, RW, 0), fail).is_err());
        assert_eq!(m.prot_at(0x40_0000), None);
        assert_eq!(m.prot_at(0x40_1000), Some(Prot::default()));
        m.unmap(0x40_1000, 0x1000, ok).unwrap();
        assert!(m.merged().is_empty());
        assert!(m.map(&mf, (0x40_0000, 0x1000, RW, 1), ok).is_err());
        assert!(m.unmap(0, 0x1000, ok).is_err());
        assert_eq!(host_prot(RW), (libc::PROT_READ | libc::PROT_WRITE) as u64);
    }
}
