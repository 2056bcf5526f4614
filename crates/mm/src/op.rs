//! The actions the kernel applies to the platform on the model's behalf.

use crate::addr::ProtFlags;

/// One action on the platform address space or the memory file, recorded by
/// a [`crate::MemoryManager`] operation. Apply them in the recorded order:
/// a [`PlatformOp::Zero`] or [`PlatformOp::Copy`] prepares a page before the
/// [`PlatformOp::Map`] that exposes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlatformOp {
    /// Map `len` bytes of the memory file at `file_offset` at `addr` with
    /// `prot`, replacing what was mapped there (`MAP_SHARED | MAP_FIXED`).
    Map {
        /// Page-aligned application address.
        addr: u64,
        /// Page-multiple length.
        len: u64,
        /// Protection the application gets.
        prot: ProtFlags,
        /// Page-aligned memory-file offset.
        file_offset: u64,
    },
    /// Remove the application's mappings in `[addr, addr + len)`; parts that
    /// are not mapped are fine.
    Unmap {
        /// Page-aligned application address.
        addr: u64,
        /// Page-multiple length.
        len: u64,
    },
    /// Change the protection of `[addr, addr + len)`, all of which is mapped.
    Protect {
        /// Page-aligned application address.
        addr: u64,
        /// Page-multiple length.
        len: u64,
        /// New protection.
        prot: ProtFlags,
    },
    /// Fill `len` bytes of the memory file at `file_offset` with zeroes (a
    /// recycled page about to be handed out as a fresh anonymous page).
    Zero {
        /// Page-aligned memory-file offset.
        file_offset: u64,
        /// Page-multiple length.
        len: u64,
    },
    /// Copy `len` bytes of the memory file from `src_offset` to `dst_offset`
    /// (breaking copy-on-write sharing).
    Copy {
        /// Page-aligned source offset.
        src_offset: u64,
        /// Page-aligned destination offset.
        dst_offset: u64,
        /// Page-multiple length.
        len: u64,
    },
}
