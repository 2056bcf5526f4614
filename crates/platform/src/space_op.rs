//! Address-space changes as values, so a caller can hand a platform many
//! of them at once ([`crate::AddressSpace::apply`]).
//!
//! Why: on systrap every change is a system call injected into the stub by
//! the stub factory thread; one hand-off to that thread per change costs
//! two cross-thread wake-ups, one per batch costs two in all.

use crate::{AddressSpace, Prot, Result};

/// One change of an application address space.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SpaceOp {
    /// [`AddressSpace::map`]: `len` bytes of the memory file at
    /// `file_offset` at `addr` with `prot`.
    Map {
        /// Page-aligned application address.
        addr: u64,
        /// Page-multiple length.
        len: u64,
        /// Protection.
        prot: Prot,
        /// Page-aligned memory-file offset.
        file_offset: u64,
    },
    /// [`AddressSpace::unmap`] of `[addr, addr + len)`.
    Unmap {
        /// Page-aligned application address.
        addr: u64,
        /// Page-multiple length.
        len: u64,
    },
    /// [`AddressSpace::protect`] of `[addr, addr + len)`.
    Protect {
        /// Page-aligned application address.
        addr: u64,
        /// Page-multiple length.
        len: u64,
        /// New protection.
        prot: Prot,
    },
}

/// Applies `ops` in order one by one, stopping at the first failure: the
/// default [`AddressSpace::apply`].
pub fn apply_each(space: &(impl AddressSpace + ?Sized), ops: &[SpaceOp]) -> Result<()> {
    for op in ops {
        match *op {
            SpaceOp::Map {
                addr,
                len,
                prot,
                file_offset,
            } => space.map(addr, len, prot, file_offset)?,
            SpaceOp::Unmap { addr, len } => space.unmap(addr, len)?,
            SpaceOp::Protect { addr, len, prot } => space.protect(addr, len, prot)?,
        }
    }
    Ok(())
}
