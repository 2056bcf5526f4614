//! [`MemoryManager`]: one application address space and its operations, one
//! system-call family a file.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::addr::PAGE_SIZE;
use crate::frame::MemoryFileAllocator;
use crate::op::PlatformOp;
use crate::pte::{PageTable, Pte};
use crate::vma::{Vma, VmaFlags};
use crate::vmaset::VmaSet;

mod brk;
mod fault;
mod fault_around;
mod fork;
mod madvise;
mod mlock;
mod mmap;
mod mprotect;
mod mremap;
mod populate;

pub use fault::{Fault, Segment};
pub use madvise::SyncRange;
pub use mmap::{MmapFile, MmapRequest};

/// Where mappings may go.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Layout {
    /// Lowest mappable address (`vm.mmap_min_addr`); `MAP_FIXED` below it
    /// fails with `EPERM`.
    pub min_addr: u64,
    /// One past the highest mappable address (`TASK_SIZE`, minus whatever
    /// the platform reserves for itself).
    pub max_addr: u64,
    /// Top-down placement searches below this address first (Linux's
    /// `mmap_base`, under the stack with its randomisation applied).
    pub mmap_base: u64,
}

impl Default for Layout {
    /// x86-64 with 4-level paging, no randomisation: `mmap_base` 128 MiB
    /// under `TASK_SIZE` as Linux does with an 8 MiB stack limit.
    fn default() -> Self {
        let max_addr = abi::mman::TASK_SIZE;
        Layout {
            min_addr: abi::mman::DEFAULT_MMAP_MIN_ADDR,
            max_addr,
            mmap_base: max_addr - (128 << 20),
        }
    }
}

/// Resource limits the caller injects (`RLIMIT_*`, `vm.max_map_count`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// `RLIMIT_AS` in bytes.
    pub address_space: u64,
    /// `RLIMIT_DATA` in bytes (checked by `brk`).
    pub data: u64,
    /// `RLIMIT_STACK` in bytes (checked by stack growth).
    pub stack: u64,
    /// `RLIMIT_MEMLOCK` in bytes.
    pub memlock: u64,
    /// Whether the caller has `CAP_IPC_LOCK` (ignores `memlock`).
    pub cap_ipc_lock: bool,
    /// `vm.max_map_count`: the most areas an address space may have.
    pub max_map_count: usize,
    /// RAM plus swap in pages: with `vm.overcommit_memory = 0` (Linux's
    /// heuristic) one expansion of the heap larger than this is refused.
    pub overcommit_pages: u64,
}

impl Default for Limits {
    /// Linux's defaults: unlimited address space and data, 8 MiB stack and
    /// locked memory, 65530 areas; no overcommit bound.
    fn default() -> Self {
        Limits {
            address_space: u64::MAX,
            data: u64::MAX,
            stack: 8 << 20,
            memlock: 8 << 20,
            cap_ipc_lock: false,
            max_map_count: 65530,
            overcommit_pages: u64::MAX,
        }
    }
}

/// A populated page, for inspection (`smaps`, core dumps, tests).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PageInfo {
    /// Page address.
    pub addr: u64,
    /// Memory-file offset of the backing page.
    pub file_offset: u64,
    /// Whether writes go to that page directly (not copy-on-write).
    pub writable: bool,
    /// Whether the platform maps it, and with which protection.
    pub mapped: Option<crate::addr::ProtFlags>,
}

/// One application address space.
#[derive(Debug)]
pub struct MemoryManager {
    frames: Arc<MemoryFileAllocator>,
    layout: Layout,
    limits: Limits,
    vmas: VmaSet,
    ptes: PageTable,
    start_brk: u64,
    brk: u64,
    start_stack: u64,
    def_flags: VmaFlags,
    ops: Vec<PlatformOp>,
}

impl MemoryManager {
    /// An empty address space whose pages come from `frames`.
    pub fn new(frames: Arc<MemoryFileAllocator>, layout: Layout, limits: Limits) -> Self {
        MemoryManager {
            frames,
            layout,
            limits,
            vmas: VmaSet::default(),
            ptes: PageTable::default(),
            start_brk: 0,
            brk: 0,
            start_stack: 0,
            def_flags: VmaFlags::empty(),
            ops: Vec::new(),
        }
    }

    /// Takes the platform operations recorded so far, in order. Call after
    /// every operation, including failed ones.
    pub fn take_ops(&mut self) -> Vec<PlatformOp> {
        core::mem::take(&mut self.ops)
    }

    /// The address-space layout.
    pub fn layout(&self) -> Layout {
        self.layout
    }

    /// The resource limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// Replaces the resource limits (after `setrlimit`/`prlimit`).
    pub fn set_limits(&mut self, limits: Limits) {
        self.limits = limits;
    }

    /// The shared frame allocator.
    pub fn frames(&self) -> &Arc<MemoryFileAllocator> {
        &self.frames
    }

    /// All areas, in address order.
    pub fn vmas(&self) -> impl Iterator<Item = &Vma> {
        self.vmas.iter()
    }

    /// The area containing `addr`.
    pub fn find_vma(&self, addr: u64) -> Option<&Vma> {
        self.vmas.find(addr)
    }

    /// Number of areas.
    pub fn vma_count(&self) -> usize {
        self.vmas.len()
    }

    /// Bytes of address space mapped (`VmSize`).
    pub fn total_bytes(&self) -> u64 {
        self.vmas.total_pages() * PAGE_SIZE
    }

    /// Bytes in locked areas (`VmLck`).
    pub fn locked_bytes(&self) -> u64 {
        self.vmas.locked_pages() * PAGE_SIZE
    }

    /// Bytes populated (`VmRSS`).
    pub fn resident_bytes(&self) -> u64 {
        self.ptes.len() as u64 * PAGE_SIZE
    }

    /// The populated pages, in address order.
    pub fn populated_pages(&self) -> impl Iterator<Item = PageInfo> + '_ {
        self.ptes.iter().map(|(&addr, pte)| PageInfo {
            addr,
            file_offset: pte.frame.file_offset(),
            writable: pte.writable,
            mapped: pte
                .mapped
                .then(|| self.vmas.find(addr).map(|v| pte.effective(v.prot)))
                .flatten(),
        })
    }

    /// Sets where the stack starts (its `[stack]` label in maps).
    pub fn set_start_stack(&mut self, addr: u64) {
        self.start_stack = addr;
    }

    /// The start of the stack, as set by [`MemoryManager::set_start_stack`].
    pub fn start_stack(&self) -> u64 {
        self.start_stack
    }

    /// Drops the page table entries in `[start, end)`, telling the platform
    /// to unmap the mapped ones.
    fn zap_range(&mut self, start: u64, end: u64) {
        let mut run: Option<(u64, u64)> = None;
        for (page, pte) in self.ptes.remove_range(start, end) {
            self.release(pte);
            if !pte.mapped {
                continue;
            }
            match &mut run {
                Some((_, e)) if *e == page => *e += PAGE_SIZE,
                _ => {
                    if let Some((s, e)) = run.take() {
                        self.ops.push(PlatformOp::Unmap {
                            addr: s,
                            len: e - s,
                        });
                    }
                    run = Some((page, page + PAGE_SIZE));
                }
            }
        }
        if let Some((s, e)) = run {
            self.ops.push(PlatformOp::Unmap {
                addr: s,
                len: e - s,
            });
        }
    }

    /// Drops a page table entry's frame reference.
    fn release(&self, pte: Pte) {
        // A page table entry always holds a reference, so this cannot fail.
        let _ = self.frames.decref(pte.frame);
    }

    /// Removes every mapping in `[start, end)`.
    fn unmap_range(&mut self, start: u64, end: u64) {
        self.vmas.remove_range(start, end);
        self.zap_range(start, end);
    }

    /// Whether adding `pages` pages keeps the address space under
    /// `RLIMIT_AS`.
    fn may_expand(&self, pages: u64) -> bool {
        let total = self.vmas.total_pages().saturating_add(pages);
        total.saturating_mul(PAGE_SIZE) <= self.limits.address_space
    }

    /// Whether locking `pages` more pages stays under `RLIMIT_MEMLOCK`.
    fn may_lock(&self, pages: u64) -> bool {
        if self.limits.cap_ipc_lock {
            return true;
        }
        let locked = self.vmas.locked_pages().saturating_add(pages);
        locked.saturating_mul(PAGE_SIZE) <= self.limits.memlock
    }
}

impl Drop for MemoryManager {
    fn drop(&mut self) {
        for (_, pte) in self.ptes.take_all() {
            self.release(pte);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::PAGE_SIZE;

    #[test]
    fn memory_manager_can_move_between_threads() {
        fn send_sync<T: Send + Sync>() {}
        send_sync::<MemoryManager>();
        send_sync::<MemoryFileAllocator>();
    }

    #[test]
    fn stack_label_and_sizes() {
        let mut m = MemoryManager::new(
            Arc::new(MemoryFileAllocator::new(1 << 20)),
            Layout::default(),
            Limits::default(),
        );
        let top = 0x7ffd_0000_0000;
        let req = MmapRequest {
            addr: top - 4 * PAGE_SIZE,
            len: 4 * PAGE_SIZE,
            prot: 3,
            flags: 0x132,
            ..Default::default()
        };
        assert!(m.mmap(req).is_ok());
        m.set_start_stack(top - 64);
        assert!(m.maps_text().ends_with(" [stack]\n"));
        assert_eq!(m.total_bytes(), 4 * PAGE_SIZE);
        assert_eq!(m.resident_bytes(), 0);
        assert_eq!(m.layout(), Layout::default());
    }
}
