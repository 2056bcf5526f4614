//! What a mapping's pages come from: nothing (anonymous), a shared anonymous
//! memory object, or a file whose page cache the kernel keeps.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use core::fmt;

use crate::frame::{Frame, MemoryFileAllocator};
use abi::Errno;

/// Device and inode of a mapped file, as `/proc/self/maps` shows them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub struct FileIdentity {
    /// Device major number.
    pub dev_major: u32,
    /// Device minor number.
    pub dev_minor: u32,
    /// Inode number.
    pub ino: u64,
}

/// Why a file page could not be supplied.
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FilePageError {
    /// The page lies wholly beyond the end of the file: the access gets
    /// `SIGBUS`.
    #[error("page beyond end of file")]
    BeyondEof,
    /// Reading the page failed with this errno.
    #[error("file page read failed: errno {}", .0.as_i32())]
    Io(Errno),
}

/// The kernel's side of a file mapping: the file's page cache, kept in
/// frames of the same memory file the address spaces use.
///
/// Contract: [`FileBacking::get_page`] returns a frame holding the file's
/// bytes at `index * PAGE_SIZE` (zero past end of file within the last page)
/// with one reference taken on the caller's behalf, which the memory manager
/// drops when it unmaps the page. The backing keeps its own reference for as
/// long as it caches the page. Writes through shared mappings land in that
/// frame; writing them back to the file is the backing's business
/// (triggered by [`crate::MemoryManager::msync`]).
pub trait FileBacking: Send + Sync + fmt::Debug {
    /// Device and inode shown in `/proc/self/maps`.
    fn identity(&self) -> FileIdentity;
    /// The path shown in `/proc/self/maps`.
    fn path(&self) -> &str;
    /// The frame caching page `index` of the file, with a reference taken
    /// for the caller.
    fn get_page(&self, index: u64) -> Result<Frame, FilePageError>;
    /// Whether page `index` is in the page cache (for `mincore(2)`).
    fn is_resident(&self, index: u64) -> bool;
}

/// An anonymous shared memory object (`MAP_SHARED | MAP_ANONYMOUS`): pages
/// shared by every mapping of it, across `fork`, allocated on first touch.
/// Shown as `/dev/zero (deleted)` in `/proc/self/maps`, like Linux's shmem.
pub struct SharedAnon {
    frames: Arc<MemoryFileAllocator>,
    ino: u64,
    size: u64,
    pages: spin::Mutex<BTreeMap<u64, Frame>>,
}

impl fmt::Debug for SharedAnon {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SharedAnon")
            .field("ino", &self.ino)
            .field("size", &self.size)
            .finish_non_exhaustive()
    }
}

impl SharedAnon {
    /// A new zero-filled object of `size` bytes.
    pub fn new(frames: Arc<MemoryFileAllocator>, size: u64) -> Self {
        let ino = frames.next_ino();
        SharedAnon {
            frames,
            ino,
            size,
            pages: spin::Mutex::new(BTreeMap::new()),
        }
    }

    /// The object's inode number.
    pub fn ino(&self) -> u64 {
        self.ino
    }

    /// The object's size in bytes; pages at or beyond it raise `SIGBUS`.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The frame of page `index` with a reference taken for the caller,
    /// allocating it on first use; the flag says whether it must be zeroed
    /// first. `None` for a page beyond the object's size.
    pub(crate) fn get_page(&self, index: u64) -> Result<Option<(Frame, bool)>, Errno> {
        if index >= self.size.div_ceil(crate::addr::PAGE_SIZE) {
            return Ok(None);
        }
        let mut pages = self.pages.lock();
        if let Some(&f) = pages.get(&index) {
            self.frames.incref(f).map_err(|_| Errno::ENOMEM)?;
            return Ok(Some((f, false)));
        }
        let (f, dirty) = self.frames.alloc()?;
        if self.frames.incref(f).is_err() {
            let _ = self.frames.decref(f);
            return Err(Errno::ENOMEM);
        }
        pages.insert(index, f);
        Ok(Some((f, dirty)))
    }

    /// Whether page `index` has been populated.
    pub(crate) fn is_resident(&self, index: u64) -> bool {
        self.pages.lock().contains_key(&index)
    }

    /// Drops the object's pages in `[first, first + count)` (`MADV_REMOVE`).
    pub(crate) fn remove_pages(&self, first: u64, count: u64) {
        let mut pages = self.pages.lock();
        let end = first.saturating_add(count);
        let doomed: alloc::vec::Vec<u64> = pages.range(first..end).map(|(&k, _)| k).collect();
        for k in doomed {
            if let Some(f) = pages.remove(&k) {
                let _ = self.frames.decref(f);
            }
        }
    }
}

impl Drop for SharedAnon {
    fn drop(&mut self) {
        for (_, f) in core::mem::take(&mut *self.pages.lock()) {
            let _ = self.frames.decref(f);
        }
    }
}

/// Where a mapping's pages come from. Offsets are those of the mapping's
/// first page, in bytes.
#[derive(Clone, Debug)]
pub enum Backing {
    /// Private anonymous memory: zero-filled pages allocated on first touch.
    Anonymous,
    /// A shared anonymous memory object.
    SharedAnonymous {
        /// The object.
        object: Arc<SharedAnon>,
        /// Byte offset into the object of the mapping's start.
        offset: u64,
    },
    /// A file, shared or private according to the mapping's flags.
    File {
        /// The file's page cache.
        file: Arc<dyn FileBacking>,
        /// Byte offset into the file of the mapping's start.
        offset: u64,
    },
}

impl Backing {
    /// The backing of the part of a mapping starting `delta` bytes later.
    pub(crate) fn advanced(&self, delta: u64) -> Backing {
        match self {
            Backing::Anonymous => Backing::Anonymous,
            Backing::SharedAnonymous { object, offset } => Backing::SharedAnonymous {
                object: object.clone(),
                offset: offset.wrapping_add(delta),
            },
            Backing::File { file, offset } => Backing::File {
                file: file.clone(),
                offset: offset.wrapping_add(delta),
            },
        }
    }

    /// The byte offset of the mapping start (0 for private anonymous).
    pub fn offset(&self) -> u64 {
        match self {
            Backing::Anonymous => 0,
            Backing::SharedAnonymous { offset, .. } | Backing::File { offset, .. } => *offset,
        }
    }

    /// Whether a mapping backed by `self` ending where one backed by `next`
    /// (`len` bytes long before it) starts can be one mapping.
    pub(crate) fn continues_into(&self, len: u64, next: &Backing) -> bool {
        match (self, next) {
            (Backing::Anonymous, Backing::Anonymous) => true,
            (
                Backing::SharedAnonymous {
                    object: a,
                    offset: oa,
                },
                Backing::SharedAnonymous {
                    object: b,
                    offset: ob,
                },
            ) => Arc::ptr_eq(a, b) && oa.checked_add(len) == Some(*ob),
            (
                Backing::File {
                    file: a,
                    offset: oa,
                },
                Backing::File {
                    file: b,
                    offset: ob,
                },
            ) => Arc::ptr_eq(a, b) && oa.checked_add(len) == Some(*ob),
            _ => false,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::PAGE_SIZE;

    #[test]
    fn shared_anon_pages_are_shared_and_freed_on_drop() {
        let mf = Arc::new(MemoryFileAllocator::new(16 * PAGE_SIZE));
        let obj = SharedAnon::new(mf.clone(), 2 * PAGE_SIZE);
        let (f, _) = obj.get_page(1).unwrap().unwrap();
        let (g, dirty) = obj.get_page(1).unwrap().unwrap();
        assert_eq!(f, g);
        assert!(!dirty);
        assert_eq!(mf.refcount(f), 3);
        assert!(obj.get_page(2).unwrap().is_none());
        assert!(obj.is_resident(1) && !obj.is_resident(0));
        mf.decref(f).unwrap();
        mf.decref(f).unwrap();
        drop(obj);
        assert_eq!(mf.in_use(), 0);
    }

    #[test]
    fn remove_pages_frees() {
        let mf = Arc::new(MemoryFileAllocator::new(16 * PAGE_SIZE));
        let obj = SharedAnon::new(mf.clone(), 4 * PAGE_SIZE);
        let (f, _) = obj.get_page(0).unwrap().unwrap();
        mf.decref(f).unwrap();
        obj.remove_pages(0, 4);
        assert_eq!(mf.in_use(), 0);
        assert!(!obj.is_resident(0));
    }

    #[test]
    fn continuity() {
        let mf = Arc::new(MemoryFileAllocator::new(16 * PAGE_SIZE));
        let obj = Arc::new(SharedAnon::new(mf, 4 * PAGE_SIZE));
        let a = Backing::SharedAnonymous {
            object: obj.clone(),
            offset: 0,
        };
        assert!(a.continues_into(PAGE_SIZE, &a.advanced(PAGE_SIZE)));
        assert!(!a.continues_into(PAGE_SIZE, &a.advanced(2 * PAGE_SIZE)));
        assert!(!a.continues_into(PAGE_SIZE, &Backing::Anonymous));
        assert!(Backing::Anonymous.continues_into(PAGE_SIZE, &Backing::Anonymous));
    }
}
