//! Reserving the stub region in the Sentry and installing the stub code.
//!
//! A stub starts as a fork of the Sentry that unmaps everything but the stub
//! region, so the region must exist at the same address in the Sentry: it is
//! reserved once per process (`PROT_NONE`, `MAP_FIXED_NOREPLACE`, so an
//! unexpected collision is an error instead of silent damage), and page 0
//! gets the stub code, read and execute only.

use std::sync::OnceLock;

use rustix::mm::{MapFlags, MprotectFlags, ProtFlags};

use super::code;
use super::layout::{STUB_CODE_LEN, STUB_CODE_START, STUB_REGION_LEN, STUB_REGION_START};
use crate::memfile::{host, PAGE_SIZE};
use crate::{Error, Result};

static RESERVED: OnceLock<std::result::Result<(), String>> = OnceLock::new();

/// Reserves the stub region in the Sentry and installs the code page, once.
pub fn ensure_reserved() -> Result<()> {
    RESERVED
        .get_or_init(|| reserve().map_err(|e| e.to_string()))
        .clone()
        .map_err(Error::StubRegion)
}

fn reserve() -> Result<()> {
    // SAFETY: MAP_FIXED_NOREPLACE never replaces an existing mapping; the
    // range is reserved for the stub region for the life of the process.
    let base = unsafe {
        rustix::mm::mmap_anonymous(
            STUB_REGION_START as *mut _,
            STUB_REGION_LEN as usize,
            ProtFlags::empty(),
            MapFlags::PRIVATE | MapFlags::FIXED_NOREPLACE | MapFlags::NORESERVE,
        )
    }
    .map_err(|e| host("mmap(stub region)", e))?;
    if base as u64 != STUB_REGION_START {
        return Err(Error::Invalid(
            "host ignored MAP_FIXED_NOREPLACE for the stub region",
        ));
    }
    fill(
        STUB_CODE_START,
        code::bytes(),
        MprotectFlags::READ | MprotectFlags::EXEC,
    )
}

/// Copies `bytes` to `addr` in the stub code area of the reserved region
/// and leaves the pages holding them with protection `prot` (they are
/// writable only during the copy). For the once-only installers of stub
/// code and data; an error if the range is not page-aligned inside the
/// code area.
pub fn fill_code_pages(addr: u64, bytes: &[u8], prot: MprotectFlags) -> Result<()> {
    ensure_reserved()?;
    fill(addr, bytes, prot)
}

fn fill(addr: u64, bytes: &[u8], prot: MprotectFlags) -> Result<()> {
    let len = (bytes.len() as u64).next_multiple_of(PAGE_SIZE);
    let end = STUB_CODE_START + STUB_CODE_LEN;
    if !addr.is_multiple_of(PAGE_SIZE) || addr < STUB_CODE_START || addr + len > end {
        return Err(Error::Invalid("not inside the stub code area"));
    }
    // SAFETY: the pages lie in the stub code area, which the caller has
    // reserved for this process; only the platform's once-only installers
    // write there, each to its own pages.
    unsafe {
        rustix::mm::mprotect(
            addr as *mut _,
            len as usize,
            MprotectFlags::READ | MprotectFlags::WRITE,
        )
        .map_err(|e| host("mprotect(stub code, rw)", e))?;
        std::ptr::copy_nonoverlapping(bytes.as_ptr(), addr as *mut u8, bytes.len());
        rustix::mm::mprotect(addr as *mut _, len as usize, prot)
            .map_err(|e| host("mprotect(stub code)", e))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn code_page_holds_the_stub_code() {
        ensure_reserved().unwrap();
        ensure_reserved().unwrap();
        let bytes = code::bytes();
        let mut copy = vec![0u8; bytes.len()];
        // SAFETY: the code page is mapped readable by `ensure_reserved`.
        unsafe {
            std::ptr::copy_nonoverlapping(
                STUB_CODE_START as *const u8,
                copy.as_mut_ptr(),
                bytes.len(),
            )
        };
        assert_eq!(copy, bytes);
    }
}
