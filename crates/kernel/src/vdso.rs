//! The `[vdso]` mapping: the image of the [`vdso`] crate placed into every
//! new address space at `execve`, whose address the auxiliary vector
//! announces as `AT_SYSINFO_EHDR`.
//!
//! The image is served to mm as a read-only file ([`VdsoPages`]): its
//! pages are written into memory-file frames once per address space and
//! mapped private, so an application that makes the mapping writable (as
//! debuggers do to plant breakpoints) gets copies and never changes
//! another process's vDSO. Its functions make the real system calls
//! (see the `vdso` crate), so nothing here needs updating while a program
//! runs and there is no `[vvar]` data page.

use std::sync::Arc;

use abi::mman::{MapFlags, ProtFlags};
use abi::Errno;
use mm::{
    FileBacking, FileIdentity, FilePageError, Frame, MemoryFileAllocator, MmapFile, MmapRequest,
    PAGE_SIZE,
};
use platform::MemoryFile;

use crate::memory::TaskMemory;

/// The name `/proc/<pid>/maps` shows for the mapping, as on Linux.
pub const VDSO_NAME: &str = "[vdso]";

/// The vDSO image in memory-file frames, one reference held per page for
/// as long as any mapping of it lives.
pub struct VdsoPages {
    frames: Arc<MemoryFileAllocator>,
    pages: Vec<Frame>,
}

impl core::fmt::Debug for VdsoPages {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VdsoPages")
            .field("pages", &self.pages.len())
            .finish_non_exhaustive()
    }
}

impl VdsoPages {
    /// Copies the image into fresh frames of `memfile`.
    pub fn new(frames: Arc<MemoryFileAllocator>, memfile: &MemoryFile) -> Result<VdsoPages, Errno> {
        let mut v = VdsoPages {
            frames,
            pages: Vec::new(),
        };
        for chunk in ::vdso::IMAGE.chunks(PAGE_SIZE as usize) {
            let (frame, _recycled) = v.frames.alloc()?;
            // Owned by `v` from here on, so an error below frees it.
            v.pages.push(frame);
            let mut page = vec![0u8; PAGE_SIZE as usize];
            page[..chunk.len()].copy_from_slice(chunk);
            memfile
                .write_at(frame.file_offset(), &page)
                .map_err(|_| Errno::ENOMEM)?;
        }
        Ok(v)
    }

    /// The mapping length in bytes.
    pub fn len(&self) -> u64 {
        self.pages.len() as u64 * PAGE_SIZE
    }

    /// Whether the image is empty (never, for a built image).
    pub fn is_empty(&self) -> bool {
        self.pages.is_empty()
    }
}

impl FileBacking for VdsoPages {
    fn identity(&self) -> FileIdentity {
        FileIdentity::default()
    }

    fn path(&self) -> &str {
        VDSO_NAME
    }

    fn get_page(&self, index: u64) -> Result<Frame, FilePageError> {
        let frame = usize::try_from(index)
            .ok()
            .and_then(|i| self.pages.get(i).copied())
            .ok_or(FilePageError::BeyondEof)?;
        self.frames
            .incref(frame)
            .map_err(|_| FilePageError::Io(Errno::EIO))?;
        Ok(frame)
    }

    fn is_resident(&self, index: u64) -> bool {
        index < self.pages.len() as u64
    }
}

impl Drop for VdsoPages {
    fn drop(&mut self) {
        for f in self.pages.drain(..) {
            let _ = self.frames.decref(f);
        }
    }
}

/// Maps the vDSO into `mem` where `mmap` would place a new mapping (top
/// down below the stack, as Linux 6.x places it) and returns its address,
/// the value of `AT_SYSINFO_EHDR`.
pub fn map_vdso(
    mem: &mut TaskMemory,
    frames: &Arc<MemoryFileAllocator>,
    memfile: &MemoryFile,
) -> Result<u64, Errno> {
    let pages = Arc::new(VdsoPages::new(frames.clone(), memfile)?);
    let len = pages.len();
    let backing: Arc<dyn FileBacking> = pages;
    let req = MmapRequest {
        addr: 0,
        len,
        prot: u64::from((ProtFlags::PROT_READ | ProtFlags::PROT_EXEC).bits()),
        flags: u64::from(MapFlags::MAP_PRIVATE.bits()),
        offset: 0,
        file: Some(MmapFile {
            backing,
            max_prot: ProtFlags::all(),
        }),
        name: Some(Arc::from(VDSO_NAME)),
    };
    mem.with_mm(|m| m.mmap(req))?
}

#[cfg(test)]
mod tests {
    use super::*;

    fn setup() -> (Arc<MemoryFileAllocator>, MemoryFile) {
        let memfile = MemoryFile::new(1 << 20).expect("memfd");
        (Arc::new(MemoryFileAllocator::new(1 << 20)), memfile)
    }

    #[test]
    fn pages_hold_the_image_and_are_freed_with_it() {
        let (frames, memfile) = setup();
        let pages = VdsoPages::new(frames.clone(), &memfile).unwrap();
        assert_eq!(pages.len(), ::vdso::pages() * PAGE_SIZE);
        let f = pages.get_page(0).unwrap();
        assert_eq!(frames.refcount(f), 2, "the backing's and the caller's");
        let mut head = vec![0u8; PAGE_SIZE as usize];
        memfile.read_at(f.file_offset(), &mut head).unwrap();
        let n = ::vdso::IMAGE.len().min(head.len());
        assert_eq!(&head[..n], &::vdso::IMAGE[..n]);
        assert!(head[n..].iter().all(|&b| b == 0), "zero past the image");
        assert_eq!(
            pages.get_page(::vdso::pages()).unwrap_err(),
            FilePageError::BeyondEof
        );
        assert!(pages.is_resident(0) && !pages.is_resident(::vdso::pages()));
        frames.decref(f).unwrap();
        drop(pages);
        assert_eq!(frames.in_use(), 0);
    }

    #[test]
    fn note_version_is_the_release_uname_reports() {
        let code = ::vdso::LINUX_VERSION_CODE;
        let release = format!("{}.{}.{}", code >> 16, (code >> 8) & 0xff, code & 0xff);
        assert_eq!(crate::Config::default().release, release);
    }
}
