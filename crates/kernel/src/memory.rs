//! A task's address space as the kernel drives it: mm's model
//! ([`mm::MemoryManager`]), the platform's view of it
//! ([`platform::AddressSpace`]) and the memory file backing both.
//!
//! Every mm operation records platform operations; [`TaskMemory::sync`]
//! applies them in order, so the platform never maps a page the model has
//! not populated.
//!
//! Memory-file operations (a copy-on-write copy, zeroing a fresh page)
//! are applied before the model's lock is released, under one lock for
//! the whole sandbox ([`MmGuard`]): once `fork` shares pages between
//! address spaces, a copy recorded by one must be done before another can
//! see the source page's reference count drop and write to it in place
//! (or free it). Copy-in/out goes through mm's `translate` and reads or
//! writes the memory file directly, which is what makes [`UserMemory`]
//! a `memcpy` rather than a round trip to the stub.

use std::ops::{Deref, DerefMut};
use std::sync::{Arc, Mutex, MutexGuard};

use abi::mman::ProtFlags;
use abi::Errno;
use mm::{MemoryManager, PlatformOp};
use platform::{AddressSpace, MemoryFile};

use crate::usermem::UserMemory;

/// Converts mm's protection to the platform's.
pub fn to_platform_prot(p: ProtFlags) -> platform::Prot {
    platform::Prot {
        read: p.contains(ProtFlags::PROT_READ),
        write: p.contains(ProtFlags::PROT_WRITE),
        exec: p.contains(ProtFlags::PROT_EXEC),
    }
}

/// The platform form of an address-space change (`None` for memory-file
/// operations).
fn space_op(op: PlatformOp) -> Option<platform::SpaceOp> {
    Some(match op {
        PlatformOp::Map {
            addr,
            len,
            prot,
            file_offset,
        } => platform::SpaceOp::Map {
            addr,
            len,
            prot: to_platform_prot(prot),
            file_offset,
        },
        PlatformOp::Unmap { addr, len } => platform::SpaceOp::Unmap { addr, len },
        PlatformOp::Protect { addr, len, prot } => platform::SpaceOp::Protect {
            addr,
            len,
            prot: to_platform_prot(prot),
        },
        PlatformOp::Zero { .. } | PlatformOp::Copy { .. } => return None,
    })
}

/// Serialises model changes that move page references between address
/// spaces with the memory-file copies they depend on.
static FRAME_MOVES: Mutex<()> = Mutex::new(());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// Platform operations taken from the model but not yet applied, and the
/// first failure of a memory-file operation already applied.
#[derive(Debug, Default)]
struct Deferred {
    ops: Vec<PlatformOp>,
    error: Option<Errno>,
}

/// The model, locked, as [`TaskMemory::mm`] hands it out. Dropping it
/// applies the memory-file copies and zeroing the model recorded, before
/// the model is unlocked, and queues the address-space operations for
/// [`TaskMemory::sync`].
pub struct MmGuard<'a> {
    mem: &'a TaskMemory,
    // Fields drop in order: the model is unlocked before the sandbox-wide
    // lock.
    mm: MutexGuard<'a, MemoryManager>,
    _moves: MutexGuard<'static, ()>,
}

impl Deref for MmGuard<'_> {
    type Target = MemoryManager;
    fn deref(&self) -> &MemoryManager {
        &self.mm
    }
}

impl DerefMut for MmGuard<'_> {
    fn deref_mut(&mut self) -> &mut MemoryManager {
        &mut self.mm
    }
}

impl Drop for MmGuard<'_> {
    fn drop(&mut self) {
        let ops = self.mm.take_ops();
        if ops.is_empty() {
            return;
        }
        let mut d = lock(&self.mem.deferred);
        for op in ops {
            match op {
                PlatformOp::Copy { .. } | PlatformOp::Zero { .. } => {
                    if let Err(e) = self.mem.apply(op) {
                        d.error.get_or_insert(e);
                    }
                }
                other => d.ops.push(other),
            }
        }
    }
}

/// One application address space, model and reality together.
#[derive(Clone, Debug)]
pub struct TaskMemory {
    /// The model: VMAs, populated pages, brk. Shared (and locked) so that
    /// observers such as procfs can read it while the task runs. Change it
    /// only through [`TaskMemory::mm`].
    pub mm: Arc<Mutex<MemoryManager>>,
    /// Operations taken from the model, waiting for [`TaskMemory::sync`]
    /// (shared, as the model is, by the threads of a process).
    deferred: Arc<Mutex<Deferred>>,
    /// The platform address space the stub runs in.
    pub space: Arc<dyn AddressSpace>,
    /// The memory file all pages live in.
    pub memfile: Arc<MemoryFile>,
}

impl TaskMemory {
    /// Ties a model to a platform address space over `memfile`.
    pub fn new(mm: MemoryManager, space: Arc<dyn AddressSpace>, memfile: Arc<MemoryFile>) -> Self {
        TaskMemory {
            mm: Arc::new(Mutex::new(mm)),
            deferred: Arc::new(Mutex::new(Deferred::default())),
            space,
            memfile,
        }
    }

    /// Locks the model. A poisoned lock (a Sentry thread panicked while
    /// holding it) still yields the model: its invariants are kept by mm's
    /// operations, which do not unwind halfway.
    pub fn mm(&self) -> MmGuard<'_> {
        let moves = lock(&FRAME_MOVES);
        MmGuard {
            mem: self,
            mm: lock(&self.mm),
            _moves: moves,
        }
    }

    /// Applies every platform operation the model recorded since the last
    /// call. A host failure here means the stub or memory file is broken,
    /// which the application sees as `ENOMEM` (it cannot be its fault).
    pub fn sync(&mut self) -> Result<(), Errno> {
        drop(self.mm());
        let (ops, error) = {
            let mut d = lock(&self.deferred);
            (core::mem::take(&mut d.ops), d.error.take())
        };
        let mut first_err = error.map_or(Ok(()), Err);
        // Address-space changes go to the platform as batches (one stub
        // round trip each on systrap), in order with the others.
        let mut batch = Vec::with_capacity(ops.len());
        for op in ops {
            let r = match space_op(op) {
                Some(s) => {
                    batch.push(s);
                    Ok(())
                }
                None => self.apply_batch(&mut batch).and(self.apply(op)),
            };
            if first_err.is_ok() {
                first_err = r;
            }
        }
        let r = self.apply_batch(&mut batch);
        first_err.and(r)
    }

    /// Applies and empties `batch`.
    fn apply_batch(&self, batch: &mut Vec<platform::SpaceOp>) -> Result<(), Errno> {
        if batch.is_empty() {
            return Ok(());
        }
        let r = self.space.apply(batch).map_err(|_| Errno::ENOMEM);
        batch.clear();
        r
    }

    fn apply(&self, op: PlatformOp) -> Result<(), Errno> {
        let host = |_e: platform::Error| Errno::ENOMEM;
        match op {
            PlatformOp::Map {
                addr,
                len,
                prot,
                file_offset,
            } => self
                .space
                .map(addr, len, to_platform_prot(prot), file_offset)
                .map_err(host),
            PlatformOp::Unmap { addr, len } => self.space.unmap(addr, len).map_err(host),
            PlatformOp::Protect { addr, len, prot } => self
                .space
                .protect(addr, len, to_platform_prot(prot))
                .map_err(host),
            PlatformOp::Zero { file_offset, len } => {
                self.memfile.zero(file_offset, len).map_err(host)
            }
            PlatformOp::Copy {
                src_offset,
                dst_offset,
                len,
            } => {
                let mut buf = vec![0u8; 4096];
                let mut done = 0;
                while done < len {
                    let n = (len - done).min(buf.len() as u64) as usize;
                    let chunk = &mut buf[..n];
                    self.memfile
                        .read_at(src_offset + done, chunk)
                        .map_err(host)?;
                    self.memfile
                        .write_at(dst_offset + done, chunk)
                        .map_err(host)?;
                    done += n as u64;
                }
                Ok(())
            }
        }
    }

    /// Runs `f` on the model, then applies what it recorded, failed
    /// operations included (Linux applies some partially before failing).
    pub fn with_mm<R>(&mut self, f: impl FnOnce(&mut MemoryManager) -> R) -> Result<R, Errno> {
        let r = f(&mut self.mm());
        self.sync()?;
        Ok(r)
    }
}

impl UserMemory for TaskMemory {
    fn read_bytes(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let segs = self.mm().translate(addr, buf.len() as u64, false);
        self.sync()?;
        let mut done = 0usize;
        for s in segs? {
            let n = s.len as usize;
            let dst = buf.get_mut(done..done + n).ok_or(Errno::EFAULT)?;
            self.memfile
                .read_at(s.file_offset, dst)
                .map_err(|_| Errno::EFAULT)?;
            done += n;
        }
        Ok(())
    }

    fn write_bytes(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        let segs = self.mm().translate(addr, buf.len() as u64, true);
        self.sync()?;
        let mut done = 0usize;
        for s in segs? {
            let n = s.len as usize;
            let src = buf.get(done..done + n).ok_or(Errno::EFAULT)?;
            self.memfile
                .write_at(s.file_offset, src)
                .map_err(|_| Errno::EFAULT)?;
            done += n;
        }
        Ok(())
    }
}
