//! The Sentry's view of an address space's thread slots: a memfd mapped
//! `MAP_SHARED` into the Sentry and (by the leader's start-up code) at
//! [`SLOTS_START`] into the stub.
//!
//! The same memfd holds, after the slots, the address space's trap table
//! (see [`super::patch`]), mapped read-only at [`TRAP_TABLE`] in the stub.
//!
//! Everything in a slot is written by application-reachable code, so the
//! Sentry reads it only with atomics or raw copies and treats each value as
//! untrusted (lengths are clamped, registers validated before use).

use std::os::fd::OwnedFd;
use std::sync::atomic::AtomicU32;

use rustix::fs::MemfdFlags;
use rustix::mm::{MapFlags, ProtFlags};

use super::layout::*;
use crate::memfile::host;
use crate::Result;

/// The mapped slot area of one address space.
#[derive(Debug)]
pub struct SlotArea {
    /// The memfd, passed to the stub at start-up.
    fd: OwnedFd,
    base: *mut u8,
}

// SAFETY: `base` is a MAP_SHARED mapping owned by this value; all access
// goes through atomics and raw copies that tolerate concurrent writers.
unsafe impl Send for SlotArea {}
// SAFETY: see `Send`; no references into the mapping are handed out except
// `&AtomicU32`, which is made for shared mutation.
unsafe impl Sync for SlotArea {}

impl SlotArea {
    /// Creates the memfd and maps it.
    pub fn new() -> Result<SlotArea> {
        let fd = rustix::fs::memfd_create("systrap-slots", MemfdFlags::CLOEXEC)
            .map_err(|e| host("memfd_create(slots)", e))?;
        rustix::fs::ftruncate(&fd, CTX_FILE_LEN).map_err(|e| host("ftruncate(slots)", e))?;
        // SAFETY: a fresh shared mapping at an address the kernel picks,
        // unmapped only in `Drop`.
        let p = unsafe {
            rustix::mm::mmap(
                std::ptr::null_mut(),
                CTX_FILE_LEN as usize,
                ProtFlags::READ | ProtFlags::WRITE,
                MapFlags::SHARED,
                &fd,
                0,
            )
        }
        .map_err(|e| host("mmap(slots)", e))?;
        let area = SlotArea { fd, base: p.cast() };
        for k in 0..TRAP_ENTRIES {
            area.table_store(k * 8, ENTRY_CODE + k * ENTRY_LEN);
        }
        Ok(area)
    }

    /// The 64-bit word at byte `off` of the trap table (8-aligned).
    fn table_word(&self, off: u64) -> &std::sync::atomic::AtomicU64 {
        let off = off.min(TRAP_TABLE_LEN - 8) & !7;
        // SAFETY: `CTX_LEN + off` is 8-aligned and inside the CTX_FILE_LEN
        // mapping, which lives as long as `self`; AtomicU64 is the type for
        // memory that another process reads concurrently.
        unsafe {
            &*self
                .base
                .wrapping_add((CTX_LEN + off) as usize)
                .cast::<std::sync::atomic::AtomicU64>()
        }
    }

    fn table_store(&self, off: u64, v: u64) {
        self.table_word(off)
            .store(v, std::sync::atomic::Ordering::Release);
    }

    /// Entry `k`'s site information: (return address, system call number);
    /// a return address of 0 means "unknown in this address space".
    pub fn trap_info(&self, k: u64) -> (u64, u64) {
        let off = (TRAP_INFO - TRAP_TABLE) + 16 * (k % TRAP_ENTRIES);
        let o = std::sync::atomic::Ordering::Acquire;
        (
            self.table_word(off).load(o),
            self.table_word(off + 8).load(o),
        )
    }

    /// Sets entry `k`'s site information; the number first, so that a
    /// thread that sees the return address sees the number too.
    pub fn set_trap_info(&self, k: u64, ret: u64, nr: u64) {
        let off = (TRAP_INFO - TRAP_TABLE) + 16 * (k % TRAP_ENTRIES);
        self.table_store(off + 8, nr);
        self.table_store(off, ret);
    }

    /// The memfd.
    pub fn fd(&self) -> &OwnedFd {
        &self.fd
    }

    /// Slot `i` (must be `< MAX_THREADS`).
    pub fn slot(&self, i: usize) -> Slot<'_> {
        let i = (i as u64).min(MAX_THREADS - 1);
        Slot {
            area: self,
            off: (i * SLOT_SIZE) as usize,
        }
    }
}

impl Drop for SlotArea {
    fn drop(&mut self) {
        // SAFETY: the mapping was made in `new` with this length; no
        // reference into it outlives `self` (`Slot` borrows `self`).
        let _ = unsafe { rustix::mm::munmap(self.base.cast(), CTX_FILE_LEN as usize) };
    }
}

/// One slot, as the Sentry sees it.
#[derive(Clone, Copy)]
pub struct Slot<'a> {
    area: &'a SlotArea,
    off: usize,
}

impl<'a> Slot<'a> {
    fn ptr(&self, off: u64) -> *mut u8 {
        // SAFETY (of the arithmetic): `self.off + off` stays inside the
        // CTX_LEN mapping because `off < SLOT_SIZE` for every caller.
        self.area.base.wrapping_add(self.off + off as usize)
    }

    /// The 32-bit word at `off` (4-byte aligned, inside the control page).
    pub fn word(&self, off: u64) -> &'a AtomicU32 {
        debug_assert!(off.is_multiple_of(4) && off < OFF_FP);
        // SAFETY: the address is 4-byte aligned and inside the mapping, which
        // lives as long as `self.area`; AtomicU32 has u32's layout and is
        // the right type for memory other processes write concurrently.
        unsafe { &*self.ptr(off).cast::<AtomicU32>() }
    }

    /// Reads the 64-bit value at `off`.
    pub fn read_u64(&self, off: u64) -> u64 {
        // SAFETY: aligned, inside the mapping; a volatile read of a value
        // another process may write yields some value, never UB for u64.
        unsafe { std::ptr::read_volatile(self.ptr(off).cast::<u64>()) }
    }

    /// Writes the 64-bit value at `off`.
    pub fn write_u64(&self, off: u64, v: u64) {
        // SAFETY: aligned, inside the mapping.
        unsafe { std::ptr::write_volatile(self.ptr(off).cast::<u64>(), v) }
    }

    /// Copies `buf.len()` bytes (at most up to the slot's FP area end) out
    /// of the slot at `off`.
    pub fn read_bytes(&self, off: u64, buf: &mut [u8]) {
        let n = buf.len().min((OFF_STACK - off.min(OFF_STACK)) as usize);
        // SAFETY: `off + n <= OFF_STACK < SLOT_SIZE`, inside the mapping;
        // `buf` is ours; a racing writer only changes the bytes we copy.
        unsafe { std::ptr::copy(self.ptr(off), buf.as_mut_ptr(), n) }
    }

    /// Copies `buf` into the slot at `off` (clamped like [`Slot::read_bytes`]).
    pub fn write_bytes(&self, off: u64, buf: &[u8]) {
        let n = buf.len().min((OFF_STACK - off.min(OFF_STACK)) as usize);
        // SAFETY: as in `read_bytes`.
        unsafe { std::ptr::copy(buf.as_ptr(), self.ptr(off), n) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::Ordering;

    #[test]
    fn slots_are_disjoint_and_round_trip() {
        let a = SlotArea::new().unwrap();
        a.slot(0).word(OFF_STATE).store(7, Ordering::SeqCst);
        a.slot(1).word(OFF_STATE).store(9, Ordering::SeqCst);
        a.slot(1).write_u64(OFF_FS_BASE, 0x1234);
        assert_eq!(a.slot(0).word(OFF_STATE).load(Ordering::SeqCst), 7);
        assert_eq!(a.slot(1).read_u64(OFF_FS_BASE), 0x1234);
        a.slot(2).write_bytes(OFF_FP, &[1, 2, 3]);
        let mut b = [0u8; 3];
        a.slot(2).read_bytes(OFF_FP, &mut b);
        assert_eq!(b, [1, 2, 3]);
        // Clamped at the end of the FP area.
        let big = vec![5u8; 2 * FP_MAX as usize];
        a.slot(3).write_bytes(OFF_FP, &big);
        let mut c = [0u8; 3];
        a.slot(3).read_bytes(OFF_STACK - 1, &mut c);
        assert_eq!(c, [5, 0, 0]);
    }
}
