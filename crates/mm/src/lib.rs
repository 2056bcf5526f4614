//! The address-space model of the Sentry: pure logic, `no_std` + `alloc`.
//!
//! A [`MemoryManager`] is one application address space. It keeps the
//! virtual memory areas ([`Vma`]) in an ordered map, decides which page of the
//! memory file (the one host file that backs all application memory, see
//! [`MemoryFileAllocator`]) backs which populated virtual page, and implements
//! the semantics of `mmap`, `munmap`, `mprotect`, `mremap`, `madvise`,
//! `msync`, `mincore`, `mlock`, `brk`, `fork` (private pages shared
//! copy-on-write with page reference counts) and `/proc/self/maps`.
//!
//! It never touches the host: every operation records the [`PlatformOp`]s the
//! kernel must apply, in order, to the platform's address space (map, unmap,
//! protect) and to the memory file (zero, copy). The kernel drains them with
//! [`MemoryManager::take_ops`] after every call, failed ones included, because
//! Linux applies some operations partially before failing. Pages are populated
//! lazily: the kernel passes application page faults to
//! [`MemoryManager::handle_fault`], and copies to and from application memory
//! through [`MemoryManager::translate`], which faults pages in the same way.
//!
//! Invariant kept for the kernel: after the recorded operations are applied,
//! every page the platform maps is a page this model has populated, with the
//! same memory-file page and the protection [`MemoryManager`] computes for it.
//!
//! Seams to the rest of the Sentry: file mappings get their pages from the
//! kernel's page cache through [`FileBacking`]; frames freed here can be
//! handed back to the host with [`MemoryFileAllocator::take_reclaimable`];
//! resource limits come in as [`Limits`]. Errors at the system-call boundary
//! are [`Errno`] values with Linux's numbers for each bad input; faults that
//! cannot be resolved say which signal the thread gets ([`Fault`]).
//!
//! Layout: `frame` (memory-file pages), `backing` (where pages come from),
//! `vma`/`vmaset` (areas and their ordered map with free gaps), `pte`
//! (populated pages), `manager/*` (one system-call family a file), `maps`
//! (`/proc/self/maps`).
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod addr;
mod backing;
mod frame;
mod manager;
mod maps;
mod op;
mod pte;
mod vma;
mod vmaset;

pub use abi::Errno;
pub use addr::{AccessType, ProtFlags, PAGE_SIZE};
pub use backing::{Backing, FileBacking, FileIdentity, FilePageError, SharedAnon};
pub use frame::{Frame, FrameAllocator, FrameError, MemoryFileAllocator};
pub use manager::{
    Fault, Layout, Limits, MemoryManager, MmapFile, MmapRequest, PageInfo, Segment, SyncRange,
};
pub use op::PlatformOp;
pub use vma::{Vma, VmaFlags};
