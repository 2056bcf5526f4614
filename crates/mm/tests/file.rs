//! File mappings through a page cache kept in memory-file frames: private
//! copy-on-write, shared writes, end of file, permissions, msync, mincore.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

use mm::{AccessType, Errno, Fault, FileBacking, FileIdentity, FilePageError, Frame};
use mm::{Layout, Limits, MemoryFileAllocator, MemoryManager, MmapFile, MmapRequest, PlatformOp};
use mm::{ProtFlags, PAGE_SIZE};

const P: u64 = PAGE_SIZE;
const A: u64 = 0x2000_0000;

/// A file of `pages` pages whose cache allocates frames on first use and
/// keeps one reference to each.
#[derive(Debug)]
struct Cache {
    frames: Arc<MemoryFileAllocator>,
    pages: u64,
    cached: Mutex<BTreeMap<u64, Frame>>,
}

impl Cache {
    fn new(frames: &Arc<MemoryFileAllocator>, pages: u64) -> Arc<Cache> {
        Arc::new(Cache {
            frames: frames.clone(),
            pages,
            cached: Mutex::new(BTreeMap::new()),
        })
    }

    fn frame(&self, index: u64) -> Option<Frame> {
        self.cached.lock().ok()?.get(&index).copied()
    }

    fn evict_all(&self) {
        if let Ok(mut c) = self.cached.lock() {
            for (_, f) in std::mem::take(&mut *c) {
                let _ = self.frames.decref(f);
            }
        }
    }
}

impl FileBacking for Cache {
    fn identity(&self) -> FileIdentity {
        FileIdentity {
            dev_major: 8,
            dev_minor: 1,
            ino: 42,
        }
    }
    fn path(&self) -> &str {
        "/lib/x.so"
    }
    fn get_page(&self, index: u64) -> Result<Frame, FilePageError> {
        if index >= self.pages {
            return Err(FilePageError::BeyondEof);
        }
        let mut c = self
            .cached
            .lock()
            .map_err(|_| FilePageError::Io(Errno::EIO))?;
        let f = match c.get(&index) {
            Some(&f) => f,
            None => {
                let (f, _) = self.frames.alloc().map_err(FilePageError::Io)?;
                c.insert(index, f);
                f
            }
        };
        self.frames
            .incref(f)
            .map_err(|_| FilePageError::Io(Errno::ENOMEM))?;
        Ok(f)
    }
    fn is_resident(&self, index: u64) -> bool {
        self.frame(index).is_some()
    }
}

fn setup(pages: u64) -> (Arc<MemoryFileAllocator>, Arc<Cache>, MemoryManager) {
    let frames = Arc::new(MemoryFileAllocator::new(1 << 24));
    let cache = Cache::new(&frames, pages);
    let m = MemoryManager::new(frames.clone(), Layout::default(), Limits::default());
    (frames, cache, m)
}

fn map_file(
    m: &mut MemoryManager,
    cache: &Arc<Cache>,
    pages: u64,
    prot: u64,
    shared: bool,
    max: ProtFlags,
) -> Result<u64, Errno> {
    m.mmap(MmapRequest {
        addr: A,
        len: pages * P,
        prot,
        flags: if shared { 0x11 } else { 0x12 },
        offset: P,
        file: Some(MmapFile {
            backing: cache.clone(),
            max_prot: max,
        }),
        name: None,
    })
}

const RX: ProtFlags = ProtFlags::PROT_READ.union(ProtFlags::PROT_EXEC);

#[test]
fn private_file_pages_are_read_shared_and_copied_on_write() {
    let (frames, cache, mut m) = setup(4);
    assert_eq!(
        map_file(&mut m, &cache, 2, 3, false, RX),
        Ok(A),
        "private: writable even on a read-only fd"
    );
    m.handle_fault(A, AccessType::Read)
        .unwrap_or_else(|e| panic!("{e}"));
    let cached = cache.frame(1).map(|f| f.file_offset());
    let ops = m.take_ops();
    assert_eq!(
        ops,
        [PlatformOp::Map {
            addr: A,
            len: P,
            prot: ProtFlags::PROT_READ,
            file_offset: cached.unwrap_or(u64::MAX)
        }],
        "mapped read-only from the page cache (offset 1 page into the file)"
    );
    m.handle_fault(A, AccessType::Write)
        .unwrap_or_else(|e| panic!("{e}"));
    let ops = m.take_ops();
    assert!(
        matches!(ops.first(), Some(PlatformOp::Copy { src_offset, .. }) if Some(*src_offset) == cached)
    );
    let copy = m.translate(A, 1, false).map(|s| s[0].file_offset);
    assert_ne!(copy.ok(), cached, "the process now has its own copy");
    // A first write to a fresh page copies straight from the cache.
    m.handle_fault(A + P, AccessType::Write)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(matches!(
        m.take_ops().first(),
        Some(PlatformOp::Copy { .. })
    ));
    drop(m);
    cache.evict_all();
    assert_eq!(frames.in_use(), 0, "no frame leaked");
}

#[test]
fn shared_file_writes_reach_the_cache_and_msync_reports_them() {
    let (_frames, cache, mut m) = setup(4);
    let rw = ProtFlags::PROT_READ | ProtFlags::PROT_WRITE;
    assert_eq!(
        map_file(&mut m, &cache, 2, 3, true, ProtFlags::PROT_READ),
        Err(Errno::EACCES)
    );
    assert_eq!(map_file(&mut m, &cache, 2, 3, true, rw), Ok(A));
    let seg = m.translate(A + 8, 16, true).unwrap_or_default();
    assert_eq!(seg.len(), 1);
    assert_eq!(
        Some(seg[0].file_offset),
        cache.frame(1).map(|f| f.file_offset() + 8)
    );
    let sync = m.msync(A, 2 * P, 4).unwrap_or_default();
    assert_eq!(sync.len(), 1);
    assert_eq!((sync[0].offset, sync[0].len), (P, 2 * P));
    assert!(
        m.msync(A, 2 * P, 1).is_ok_and(|v| v.is_empty()),
        "MS_ASYNC has nothing to wait for"
    );
    assert_eq!(m.mincore(A, 2 * P), Ok(vec![1, 0]));
    cache.evict_all();
}

#[test]
fn beyond_eof_is_sigbus_and_exec_needs_permission() {
    let (_frames, cache, mut m) = setup(2);
    assert_eq!(
        map_file(&mut m, &cache, 3, 5, false, ProtFlags::PROT_READ),
        Err(Errno::EPERM)
    );
    assert_eq!(
        map_file(&mut m, &cache, 3, 5, false, ProtFlags::empty()),
        Err(Errno::EACCES)
    );
    assert_eq!(map_file(&mut m, &cache, 3, 5, false, RX), Ok(A));
    assert_eq!(m.handle_fault(A, AccessType::Execute), Ok(()));
    assert_eq!(
        m.handle_fault(A + P, AccessType::Read),
        Err(Fault::Bus),
        "file page 2 of 2"
    );
    assert_eq!(m.translate(A + P, 1, false), Err(Errno::EFAULT));
    assert_eq!(
        m.mprotect(A, P, 3),
        Ok(()),
        "private mappings may become writable"
    );
    assert!(m
        .maps_text()
        .starts_with("20000000-20001000 rw-p 00001000 08:01 42 "));
    assert!(m.maps_text().ends_with("/lib/x.so\n"));
    drop(m);
    cache.evict_all();
}

#[test]
fn shared_mapping_of_read_only_file_cannot_gain_write() {
    let (_frames, cache, mut m) = setup(2);
    assert_eq!(
        map_file(&mut m, &cache, 1, 1, true, ProtFlags::PROT_READ),
        Ok(A)
    );
    assert_eq!(m.mprotect(A, P, 3), Err(Errno::EACCES));
    assert_eq!(m.find_vma(A).map(|v| v.prot()), Some(ProtFlags::PROT_READ));
    let file = MmapFile {
        backing: cache.clone(),
        max_prot: ProtFlags::PROT_READ,
    };
    let validate = |flags: u64| MmapRequest {
        len: P,
        prot: 1,
        flags,
        file: Some(file.clone()),
        ..Default::default()
    };
    assert_eq!(
        m.mmap(validate(0x03 | 0x80_0000)),
        Err(Errno::EOPNOTSUPP),
        "unknown flag"
    );
    assert!(
        m.mmap(validate(0x03)).is_ok(),
        "MAP_SHARED_VALIDATE with known flags"
    );
    assert_eq!(
        m.mmap(validate(0x08)),
        Err(Errno::EINVAL),
        "MAP_DROPPABLE is anonymous only"
    );
}
