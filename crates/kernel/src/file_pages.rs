//! The page cache of a mapped file: the [`mm::FileBacking`] the kernel hands
//! to mm for file-backed mappings (ELF segments, `mmap` of a file).
//!
//! Pages are read from the file on first use into frames of the memory
//! file and kept (with one reference of the cache's own) until the cache
//! is dropped, which is when the last mapping of it goes.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex};

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
    size: u64,
    cache: Mutex<BTreeMap<u64, Frame>>,
}

impl core::fmt::Debug for FilePages {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("FilePages")
            .field("path", &self.path)
            .field("size", &self.size)
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
    /// A cache over `file`, shown as `path` in `/proc/self/maps`. The size
    /// is taken now: pages past it fault with `SIGBUS`, as Linux does for
    /// pages wholly beyond end of file.
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
            size: attr.size,
            cache: Mutex::new(BTreeMap::new()),
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
        if index.saturating_mul(PAGE_SIZE) >= self.size {
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
    fn drop(&mut self) {
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

    #[test]
    fn dev_split_matches_makedev() {
        assert_eq!(split_dev(vfs::uapi::makedev(8, 1)), (8, 1));
        assert_eq!(split_dev(vfs::uapi::makedev(259, 70000)), (259, 70000));
    }
}
