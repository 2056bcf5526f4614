//! Where the stub region lies, and what is inside it.
//!
//! The region is a fixed range of every stub address space that the
//! application can never map over, write or execute (it is outside
//! [`APP_END`], the end of [`crate::Platform::address_range`]). The Sentry
//! reserves the same range in its own address space (see
//! [`crate::stub::region`]), because a stub starts as a fork of the Sentry
//! that keeps only this range.
//!
//! ```text
//! STUB_REGION_START  +-----------------------------+
//!                    | code area (STUB_CODE_LEN)   |  page 0: shared stub code
//!                    |                             |  pages 1..: free for systrap code
//! STUB_DATA_START    +-----------------------------+
//!                    | data area: per-thread stacks |  owned by the platform that
//!                    | and context pages            |  spawned the stub
//! STUB_REGION_END    +-----------------------------+
//! ```
//!
//! The region sits 2 TiB below the top of the 47-bit user address space: far
//! enough below the host stack, vDSO and top-down mmap area that it is free in
//! the Sentry, which verifies that when it reserves the range.

use crate::memfile::PAGE_SIZE;

/// Start of the stub region (inclusive).
pub const STUB_REGION_START: u64 = 0x7e00_0000_0000;
/// Size of the stub region.
pub const STUB_REGION_LEN: u64 = 1 << 30;
/// End of the stub region (exclusive).
pub const STUB_REGION_END: u64 = STUB_REGION_START + STUB_REGION_LEN;

/// Address of the code area: page 0 holds the shared stub code
/// ([`crate::stub::code`]); the following pages are free for other
/// platform-specific stub code.
pub const STUB_CODE_START: u64 = STUB_REGION_START;
/// Size of the code area. System calls issued from inside it are the only
/// ones the stub's seccomp filter lets through.
pub const STUB_CODE_LEN: u64 = 16 * PAGE_SIZE;
/// Start of the data area (stacks, context pages).
pub const STUB_DATA_START: u64 = STUB_CODE_START + STUB_CODE_LEN;
/// End of the data area.
pub const STUB_DATA_END: u64 = STUB_REGION_END;

/// Lowest address the application may map. Above Linux's default
/// `vm.mmap_min_addr` (0x10000) by the systrap trap table, which lies
/// below it (as gVisor's does).
pub const APP_START: u64 = 0x7_0000;
/// One past the highest address the application may map: the stub region
/// and everything above it are out of reach.
pub const APP_END: u64 = STUB_REGION_START;
/// The top of the host's user address space (`TASK_SIZE`); stubs unmap
/// everything between [`STUB_REGION_END`] and it.
pub const TASK_SIZE: u64 = 0x7fff_ffff_f000;

// The seccomp filter compares only the low 32 bits of the instruction
// pointer once the high half matched; the code area must not cross a 4 GiB
// boundary.
const _: () = assert!(STUB_CODE_START >> 32 == (STUB_CODE_START + STUB_CODE_LEN) >> 32);
const _: () = assert!(STUB_REGION_START.is_multiple_of(1 << 30) && STUB_REGION_END < TASK_SIZE);

/// Whether `[addr, addr + len)` lies inside the application's range.
pub fn in_app_range(addr: u64, len: u64) -> bool {
    match addr.checked_add(len) {
        Some(end) => addr >= APP_START && end <= APP_END,
        None => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_range_excludes_stub_region() {
        assert!(in_app_range(APP_START, PAGE_SIZE));
        assert!(in_app_range(APP_END - PAGE_SIZE, PAGE_SIZE));
        assert!(!in_app_range(APP_END - PAGE_SIZE, 2 * PAGE_SIZE));
        assert!(!in_app_range(STUB_CODE_START, PAGE_SIZE));
        assert!(!in_app_range(0, PAGE_SIZE));
        assert!(!in_app_range(u64::MAX - 10, 100));
    }
}
