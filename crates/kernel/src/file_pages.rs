//! The page cache of a mapped file: the [`mm::FileBacking`] the kernel hands
//! to mm for file-backed mappings (ELF segments, `mmap` of a file).
//!
//! Pages are read from the file on first use into frames of the memory
//! file and kept (with one reference of the cache's own) until the cache
//! is dropped, which is when the last mapping of it goes.
//!
//! Every mapping of one file (one device and inode, within one kernel)
//! shares one cache ([`FilePages::shared`]), so processes that map the
//! same file `MAP_SHARED` see each other's stores, as with Linux's page
//! cache (POSIX semaphores and shared memory in `/dev/shm` rely on it).
//! Pages of a cache that was ever mapped shared and writable are written
//! back to the file by `msync(MS_SYNC)` and when the last mapping goes.
//! Not coherent with `read(2)`/`write(2)`: those go to the file directly,
//! so a `write` is not seen by pages already cached, and stores through a
//! mapping reach the file only at write-back.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use mm::{FileBacking, FileIdentity, FilePageError, Frame, MemoryFileAllocator, PAGE_SIZE};
use platform::MemoryFile;
use vfs::FileDescription;

/// The cached pages of one open file.
pub struct FilePages {
    file: Arc<FileDescription>,
    frames: Arc<MemoryFileAllocator>,
    memfile: Arc<MemoryFile>,
    identity: FileIdentity,
    path: String,
    /// The file size pages are checked against, or `None` to ask the
    /// file at each fault (shared caches, whose file may grow).
    size: Option<u64>,
    cache: Mutex<BTreeMap<u64, Frame>>,
    /// The description of a shared writable mapping, which write-back
    /// writes through; `None` while no such mapping was made.
    writer: Mutex<Option<Arc<FileDescription>>>,
}

/// Which cache serves a file: the frame allocator (one per kernel), the
/// device and the inode number.
type CacheKey = (usize, u32, u32, u64);

/// The live caches, by file.
static CACHES: Mutex<BTreeMap<CacheKey, Weak<FilePages>>> = Mutex::new(BTreeMap::new());

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

impl core::fmt::Debug for FilePages {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FilePages")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

/// Splits a Linux `dev_t` (`makedev` encoding) into major and minor.
fn split_dev(dev: u64) -> (u32, u32) {
    let major = ((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff);
    let minor = (dev & 0xff) | ((dev >> 12) & !0xff);
    (major as u32, minor as u32)
}

impl FilePages {
    /// The cache of `file`'s inode: the live one if some mapping has it,
    /// else a new one shown as `path` in `/proc/self/maps`. `writer` is
    /// set for a shared writable mapping: its description is what
    /// write-back writes through.
    pub fn shared(
        file: Arc<FileDescription>,
        path: String,
        frames: Arc<MemoryFileAllocator>,
        memfile: Arc<MemoryFile>,
        writer: bool,
    ) -> Result<Arc<FilePages>, abi::Errno> {
        let attr = file.stat()?;
        let (major, minor) = split_dev(attr.dev);
        let key = (Arc::as_ptr(&frames) as usize, major, minor, attr.ino);
        let mut caches = lock(&CACHES);
        caches.retain(|_, w| w.strong_count() > 0);
        let pages = match caches.get(&key).and_then(Weak::upgrade) {
            Some(p) => p,
            None => {
                let mut p = FilePages::new(file.clone(), path, frames, memfile)?;
                p.size = None;
                let p = Arc::new(p);
                caches.insert(key, Arc::downgrade(&p));
                p
            }
        };
        drop(caches);
        if writer {
            lock(&pages.writer).get_or_insert(file);
        }
        Ok(pages)
    }

    /// The live cache of the file `id` in the kernel whose frames are
    /// `frames` (for `msync`).
    pub fn find(frames: &Arc<MemoryFileAllocator>, id: FileIdentity) -> Option<Arc<FilePages>> {
        let key = (
            Arc::as_ptr(frames) as usize,
            id.dev_major,
            id.dev_minor,
            id.ino,
        );
        lock(&CACHES).get(&key).and_then(Weak::upgrade)
    }

    /// Writes the cached pages of `[offset, offset + len)` back to the
    /// file, if the cache was ever mapped shared and writable. Pages past
    /// end of file are skipped; the last one is cut at end of file.
    pub fn write_back(&self, offset: u64, len: u64) -> Result<(), abi::Errno> {
        let Some(writer) = lock(&self.writer).clone() else {
            return Ok(());
        };
        let first = offset / PAGE_SIZE;
        let end = offset.saturating_add(len).div_ceil(PAGE_SIZE);
        let frames: Vec<(u64, Frame)> = lock(&self.cache)
            .range(first..end)
            .map(|(&i, &f)| (i, f))
            .collect();
        let mut page = vec![0u8; PAGE_SIZE as usize];
        for (index, frame) in frames {
            self.memfile
                .read_at(frame.file_offset(), &mut page)
                .map_err(|_| abi::Errno::EIO)?;
            writer.write_page(index * PAGE_SIZE, &page)?;
        }
        Ok(())
    }

    /// A cache of its own over `file` (ELF images), shown as `path` in
    /// `/proc/self/maps`. The size is taken now: pages wholly past it
    /// fault with `SIGBUS`, as Linux does beyond end of file.
    pub fn new(
        file: Arc<FileDescription>,
        path: String,
        frames: Arc<MemoryFileAllocator>,
        memfile: Arc<MemoryFile>,
    ) -> Result<FilePages, abi::Errno> {
        let attr = file.stat()?;
        let (dev_major, dev_minor) = split_dev(attr.dev);
        Ok(FilePages {
            file,
            frames,
            memfile,
            identity: FileIdentity {
                dev_major,
                dev_minor,
                ino: attr.ino,
            },
            path,
            size: Some(attr.size),
            cache: Mutex::new(BTreeMap::new()),
            writer: Mutex::new(None),
        })
    }

    fn load(&self, index: u64) -> Result<Frame, FilePageError> {
        let io = |e: abi::Errno| FilePageError::Io(e);
        let (frame, _recycled) = self.frames.alloc().map_err(io)?;
        let mut page = vec![0u8; PAGE_SIZE as usize];
        let off = index * PAGE_SIZE;
        let filled = self.file.read_page(off, &mut page);
        let written = filled.and_then(|()| {
            self.memfile
                .write_at(frame.file_offset(), &page)
                .map_err(|_| abi::Errno::EIO)
        });
        if let Err(e) = written {
            let _ = self.frames.decref(frame);
            return Err(io(e));
        }
        Ok(frame)
    }
}

impl FileBacking for FilePages {
    fn identity(&self) -> FileIdentity {
        self.identity
    }

    fn path(&self) -> &str {
        &self.path
    }

    fn get_page(&self, index: u64) -> Result<Frame, FilePageError> {
        let size = match self.size {
            Some(s) => s,
            None => self.file.stat().map_err(FilePageError::Io)?.size,
        };
        if index.saturating_mul(PAGE_SIZE) >= size {
            return Err(FilePageError::BeyondEof);
        }
        let mut cache = match self.cache.lock() {
            Ok(c) => c,
            Err(p) => p.into_inner(),
        };
        let frame = match cache.get(&index) {
            Some(&f) => f,
            None => {
                let f = self.load(index)?;
                cache.insert(index, f);
                f
            }
        };
        self.frames
            .incref(frame)
            .map_err(|_| FilePageError::Io(abi::Errno::EIO))?;
        Ok(frame)
    }

    fn is_resident(&self, index: u64) -> bool {
        match self.cache.lock() {
            Ok(c) => c.contains_key(&index),
            Err(p) => p.into_inner().contains_key(&index),
        }
    }
}

impl Drop for FilePages {
    /// Writes back (errors are lost, as for a Linux `munmap` without
    /// `msync`) and releases the cached frames.
    fn drop(&mut self) {
        let _ = self.write_back(0, u64::MAX);
        let cache = match self.cache.get_mut() {
            Ok(c) => core::mem::take(c),
            Err(p) => core::mem::take(p.into_inner()),
        };
        for (_, f) in cache {
            let _ = self.frames.decref(f);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A file of bytes in memory, inode 42 on device 0:99.
    struct Bytes(Arc<Mutex<Vec<u8>>>);

    impl vfs::Inode for Bytes {
        fn stat(&self) -> vfs::Result<vfs::InodeAttr> {
            Ok(vfs::InodeAttr {
                dev: vfs::uapi::makedev(0, 99),
                ino: 42,
                mode: 0o100600,
                size: lock(&self.0).len() as u64,
                ..vfs::InodeAttr::default()
            })
        }
    }

    impl vfs::FileImpl for Bytes {
        fn read_at(&self, off: u64, buf: &mut [u8]) -> vfs::Result<usize> {
            let data = lock(&self.0);
            let src = data.get(off as usize..).unwrap_or(&[]);
            let n = src.len().min(buf.len());
            buf[..n].copy_from_slice(&src[..n]);
            Ok(n)
        }

        fn write_at(&self, off: u64, buf: &[u8]) -> vfs::Result<usize> {
            let mut data = lock(&self.0);
            let end = off as usize + buf.len();
            if data.len() < end {
                data.resize(end, 0);
            }
            data[off as usize..end].copy_from_slice(buf);
            Ok(buf.len())
        }
    }

    fn open(data: &Arc<Mutex<Vec<u8>>>) -> Arc<FileDescription> {
        let f = FileDescription::new(
            Box::new(Bytes(data.clone())),
            Arc::new(Bytes(data.clone())),
            None,
            vfs::OpenFlags::O_RDWR,
        );
        Arc::new(f.expect("file"))
    }

    #[test]
    fn mappings_of_one_file_share_pages_and_write_back() {
        let frames = Arc::new(MemoryFileAllocator::new(1 << 20));
        let memfile = Arc::new(MemoryFile::new(1 << 20).expect("memfd"));
        let data = Arc::new(Mutex::new(b"hello".to_vec()));
        let shared = |writer| {
            FilePages::shared(
                open(&data),
                "/f".into(),
                frames.clone(),
                memfile.clone(),
                writer,
            )
            .expect("cache")
        };
        let a = shared(false);
        let b = shared(true);
        assert!(Arc::ptr_eq(&a, &b), "one cache per file");
        let frame = a.get_page(0).expect("page 0");
        assert_eq!(a.get_page(1).err(), Some(FilePageError::BeyondEof));
        let mut page = vec![0u8; PAGE_SIZE as usize];
        memfile
            .read_at(frame.file_offset(), &mut page)
            .expect("read");
        assert_eq!(&page[..6], b"hello\0");
        memfile
            .write_at(frame.file_offset(), b"HELLO")
            .expect("store");
        frames.decref(frame).expect("drop the caller's reference");
        a.write_back(0, PAGE_SIZE).expect("msync");
        assert_eq!(&lock(&data)[..], b"HELLO", "cut at end of file");
        memfile
            .write_at(frame.file_offset() + 1, b"ey")
            .expect("store");
        drop((a, b));
        assert_eq!(&lock(&data)[..], b"HeyLO", "written back at the last unmap");
        assert!(FilePages::find(
            &frames,
            FileIdentity {
                dev_major: 0,
                dev_minor: 99,
                ino: 42
            }
        )
        .is_none());
    }

    #[test]
    fn read_only_caches_never_write() {
        let frames = Arc::new(MemoryFileAllocator::new(1 << 20));
        let memfile = Arc::new(MemoryFile::new(1 << 20).expect("memfd"));
        let data = Arc::new(Mutex::new(b"abc".to_vec()));
        let p = FilePages::shared(
            open(&data),
            "/f".into(),
            frames.clone(),
            memfile.clone(),
            false,
        )
        .expect("cache");
        let frame = p.get_page(0).expect("page");
        memfile
            .write_at(frame.file_offset(), b"xyz")
            .expect("store");
        frames.decref(frame).expect("decref");
        drop(p);
        assert_eq!(&lock(&data)[..], b"abc");
    }

    #[test]
    fn dev_split_matches_makedev() {
        assert_eq!(split_dev(vfs::uapi::makedev(8, 1)), (8, 1));
        assert_eq!(split_dev(vfs::uapi::makedev(259, 70000)), (259, 70000));
    }
}
