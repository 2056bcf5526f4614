//! The `[vdso]` and `[vvar]` mappings: the image of the [`vdso`] crate
//! placed into every new address space at `execve`, whose address the
//! auxiliary vector announces as `AT_SYSINFO_EHDR`, and just below it the
//! data page its clock functions read.
//!
//! The image is served to mm as a read-only file ([`VdsoPages`]): its
//! pages are written into memory-file frames once per address space and
//! mapped private, so an application that makes the mapping writable (as
//! debuggers do to plant breakpoints) gets copies and never changes
//! another process's vDSO.
//!
//! The `[vvar]` page ([`VvarPage`]) is one memory-file frame per kernel,
//! mapped shared and read-only (its maximum protection too, so
//! `mprotect` cannot make it writable) into every address space; the
//! [`crate::clock::Timekeeper`] rewrites it under its seqlock whenever it
//! re-anchors the clocks. With [`crate::Config::vdso_fast_clock`] off the
//! page always says "not ready", and the vDSO's clock functions make the
//! system call.

use std::sync::Arc;

use abi::mman::{MapFlags, ProtFlags};
use abi::Errno;
use mm::{
    FileBacking, FileIdentity, FilePageError, Frame, MemoryFileAllocator, MmapFile, MmapRequest,
    PAGE_SIZE,
};
use platform::MemoryFile;
use vdso::layout::{VVAR_MONOTONIC, VVAR_READY, VVAR_REALTIME, VVAR_SEQ};
use vdso::params::ClockParams;

use crate::clock::Published;
use crate::kernel::Kernel;
use crate::memory::TaskMemory;

/// The name `/proc/<pid>/maps` shows for the mapping, as on Linux.
pub const VDSO_NAME: &str = "[vdso]";

/// The name of the data page's mapping, as on Linux.
pub const VVAR_NAME: &str = "[vvar]";

/// The `[vvar]` page: one memory-file frame every address space of a
/// kernel maps shared and read-only, holding the clock parameters in the
/// layout of [`vdso::layout`].
pub struct VvarPage {
    frames: Arc<MemoryFileAllocator>,
    memfile: Arc<MemoryFile>,
    frame: Frame,
    fast: bool,
}

impl core::fmt::Debug for VvarPage {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("VvarPage")
            .field("frame", &self.frame.file_offset())
            .field("fast", &self.fast)
            .finish_non_exhaustive()
    }
}

impl VvarPage {
    /// A zeroed page ("not ready") in a fresh frame of `memfile`; with
    /// `fast` false it never says ready, whatever it is told.
    pub fn new(
        frames: Arc<MemoryFileAllocator>,
        memfile: Arc<MemoryFile>,
        fast: bool,
    ) -> Result<VvarPage, Errno> {
        let (frame, _recycled) = frames.alloc()?;
        let page = VvarPage {
            frames,
            memfile,
            frame,
            fast,
        };
        page.memfile
            .zero(frame.file_offset(), PAGE_SIZE)
            .map_err(|_| Errno::ENOMEM)?;
        Ok(page)
    }

    fn store(&self, off: u64, v: u64) {
        // In range and aligned by construction (a whole frame, offsets
        // from the generated layout), so this cannot fail.
        let _ = self.memfile.store_u64(self.frame.file_offset() + off, v);
    }

    fn load(&self, off: u64) -> u64 {
        self.memfile
            .load_u64(self.frame.file_offset() + off)
            .unwrap_or(0)
    }

    /// Opens a write: the (odd) sequence `seq` sends readers round again.
    pub(crate) fn begin(&self, seq: u64) {
        self.store(VVAR_SEQ, seq);
    }

    /// Writes `p` and closes the write with the (even) sequence `seq`.
    pub(crate) fn publish(&self, seq: u64, p: &Published) {
        self.store(VVAR_READY, u64::from(p.ready && self.fast));
        for (at, params) in [VVAR_REALTIME, VVAR_MONOTONIC].into_iter().zip(p.clocks) {
            for (i, w) in params.words().into_iter().enumerate() {
                self.store(at + 8 * i as u64, w);
            }
        }
        self.store(VVAR_SEQ, seq);
    }

    /// The page's sequence and contents, as a reader sees them.
    pub fn read(&self) -> (u64, Published) {
        let record = |at: u64| ClockParams {
            base_cycles: self.load(at),
            base_ns: self.load(at + 8),
            mult: self.load(at + 16),
            shift: self.load(at + 24) as u32,
        };
        (
            self.load(VVAR_SEQ),
            Published {
                ready: self.load(VVAR_READY) != 0,
                clocks: [record(VVAR_REALTIME), record(VVAR_MONOTONIC)],
            },
        )
    }
}

impl FileBacking for VvarPage {
    fn identity(&self) -> FileIdentity {
        FileIdentity::default()
    }

    fn path(&self) -> &str {
        VVAR_NAME
    }

    fn get_page(&self, index: u64) -> Result<Frame, FilePageError> {
        if index != 0 {
            return Err(FilePageError::BeyondEof);
        }
        self.frames
            .incref(self.frame)
            .map_err(|_| FilePageError::Io(Errno::EIO))?;
        Ok(self.frame)
    }

    fn is_resident(&self, index: u64) -> bool {
        index == 0
    }
}

impl Drop for VvarPage {
    fn drop(&mut self) {
        let _ = self.frames.decref(self.frame);
    }
}

/// The kernel's `[vvar]` page, made and registered with the timekeeper on
/// first use.
fn vvar_page(k: &Kernel, memfile: &Arc<MemoryFile>) -> Result<Arc<VvarPage>, Errno> {
    let mut slot = k.vvar_slot().lock().unwrap_or_else(|p| p.into_inner());
    if let Some(p) = slot.as_ref() {
        return Ok(p.clone());
    }
    let page = Arc::new(VvarPage::new(
        k.frames().clone(),
        memfile.clone(),
        k.config().vdso_fast_clock,
    )?);
    crate::clock::timekeeper().register(&page);
    *slot = Some(page.clone());
    Ok(page)
}

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

/// Maps the `[vvar]` page and, just above it, the vDSO into `mem` where
/// `mmap` would place a new mapping (top down below the stack, as Linux
/// 6.x places them) and returns the vDSO's address, the value of
/// `AT_SYSINFO_EHDR`.
pub fn map_vdso(mem: &mut TaskMemory, k: &Kernel, memfile: &Arc<MemoryFile>) -> Result<u64, Errno> {
    let vvar: Arc<dyn FileBacking> = vvar_page(k, memfile)?;
    let pages = Arc::new(VdsoPages::new(k.frames().clone(), memfile)?);
    map_pair(mem, vvar, pages)
}

fn map_pair(
    mem: &mut TaskMemory,
    vvar: Arc<dyn FileBacking>,
    pages: Arc<VdsoPages>,
) -> Result<u64, Errno> {
    let vvar_len = ::vdso::VVAR_PAGES * PAGE_SIZE;
    let len = pages.len();
    let backing: Arc<dyn FileBacking> = pages;
    mem.with_mm(|m| {
        // Reserve both with the data page's mapping, then put the image
        // over its tail.
        let base = m.mmap(MmapRequest {
            addr: 0,
            len: vvar_len + len,
            prot: u64::from(ProtFlags::PROT_READ.bits()),
            flags: u64::from(MapFlags::MAP_SHARED.bits()),
            offset: 0,
            file: Some(MmapFile {
                backing: vvar,
                max_prot: ProtFlags::PROT_READ,
            }),
            name: Some(Arc::from(VVAR_NAME)),
        })?;
        let image = MmapRequest {
            addr: base + vvar_len,
            len,
            prot: u64::from((ProtFlags::PROT_READ | ProtFlags::PROT_EXEC).bits()),
            flags: u64::from((MapFlags::MAP_PRIVATE | MapFlags::MAP_FIXED).bits()),
            offset: 0,
            file: Some(MmapFile {
                backing,
                max_prot: ProtFlags::all(),
            }),
            name: Some(Arc::from(VDSO_NAME)),
        };
        m.mmap(image).inspect_err(|_| {
            let _ = m.munmap(base, vvar_len + len);
        })
    })?
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

    #[test]
    fn the_vvar_page_follows_the_timekeeper() {
        use crate::clock::{SandboxClock, Timekeeper};
        use std::time::Duration;
        let (frames, memfile) = setup();
        let memfile = Arc::new(memfile);
        let fast = Arc::new(VvarPage::new(frames.clone(), memfile.clone(), true).unwrap());
        let slow = Arc::new(VvarPage::new(frames.clone(), memfile.clone(), false).unwrap());
        let invariant = platform::tsc::invariant();
        let tk = Timekeeper::new(invariant);
        tk.register(&fast);
        tk.register(&slow);
        assert_eq!(fast.read(), (0, Published::default()));
        crate::clock::tests::spin(Duration::from_millis(10));
        tk.update(Duration::from_millis(20));
        let (seq, p) = fast.read();
        assert_eq!(p.ready, invariant);
        assert_eq!(slow.read(), (seq, Published { ready: false, ..p }));
        if !invariant {
            return;
        }
        assert!(seq >= 2 && seq % 2 == 0, "{seq}");
        // What the vDSO computes from the page and what the Sentry answers
        // interleave monotonically, across updates.
        let mut last = 0;
        for i in 0..2000 {
            if i % 250 == 0 {
                tk.update(Duration::from_millis(20));
            }
            let v = fast.read().1.clocks[1].ns_at(platform::tsc::rdtsc_ordered());
            assert!(v >= last, "vvar went back: {last} -> {v}");
            let s = tk.now_ns(SandboxClock::Monotonic);
            assert!(s >= v, "syscall went back: {v} -> {s}");
            last = s;
        }
        assert_eq!(fast.get_page(1).unwrap_err(), FilePageError::BeyondEof);
        drop((fast, slow));
        assert_eq!(frames.in_use(), 0);
    }
}
