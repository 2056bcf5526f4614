//! Memory-file pages ("frames"): allocation and reference counts.
//!
//! All application memory lives in one host file, the memory file. A frame
//! is one page of it; frame `n` is at byte offset `n * PAGE_SIZE`. Frames
//! are reference counted because copy-on-write sharing after `fork`, shared
//! mappings and file page caches all point at the same frame.

use alloc::collections::VecDeque;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::addr::PAGE_SIZE;
use abi::Errno;

/// One page of the memory file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Frame(pub u64);

impl Frame {
    /// The frame's byte offset in the memory file.
    pub fn file_offset(self) -> u64 {
        self.0 * PAGE_SIZE
    }
}

/// Misuse of the frame reference counts (a bug in a caller, never guest input).
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// The frame is not allocated.
    #[error("frame {0} is not allocated")]
    NotAllocated(u64),
    /// The reference count would overflow.
    #[error("frame {0} reference count overflow")]
    Overflow(u64),
}

/// A page allocator over the memory file with per-frame reference counts.
///
/// Freed frames are reused last-in first-out (the most recently freed page is
/// the most likely to be cache-hot); new frames come from the high-water mark
/// up to the limit. A recycled frame holds stale data, which [`alloc`] reports
/// so that the caller zeroes it; never-used frames of a fresh file are zero.
///
/// Freed frames keep their host memory until the kernel reclaims them: it
/// takes the longest-free ones with [`take_reclaimable`], releases their
/// memory (`fallocate(PUNCH_HOLE)`, after which they read as zero) and
/// hands them back with [`return_reclaimed`]; they are then reused without
/// zeroing. Frames in between are not handed out.
///
/// [`alloc`]: FrameAllocator::alloc
/// [`take_reclaimable`]: FrameAllocator::take_reclaimable
/// [`return_reclaimed`]: FrameAllocator::return_reclaimed
#[derive(Debug)]
pub struct FrameAllocator {
    refs: Vec<u32>,
    /// Free frames holding stale data; newest at the back.
    free: VecDeque<u64>,
    /// Free frames known to read as zero.
    clean: Vec<u64>,
    limit: u64,
    in_use: u64,
}

impl FrameAllocator {
    /// An allocator for a memory file of at most `limit` frames.
    pub fn new(limit: u64) -> Self {
        FrameAllocator {
            refs: Vec::new(),
            free: VecDeque::new(),
            clean: Vec::new(),
            limit,
            in_use: 0,
        }
    }

    /// Allocates a frame with reference count 1. Returns the frame and
    /// whether it held earlier data (must be zeroed before use). `ENOMEM`
    /// when the memory file is full.
    pub fn alloc(&mut self) -> Result<(Frame, bool), Errno> {
        let reused = match self.free.pop_back() {
            Some(n) => Some((n, true)),
            None => self.clean.pop().map(|n| (n, false)),
        };
        if let Some((n, dirty)) = reused {
            if let Some(r) = usize::try_from(n).ok().and_then(|i| self.refs.get_mut(i)) {
                *r = 1;
                self.in_use += 1;
                return Ok((Frame(n), dirty));
            }
        }
        let n = self.refs.len() as u64;
        if n >= self.limit {
            return Err(Errno::ENOMEM);
        }
        self.refs.push(1);
        self.in_use += 1;
        Ok((Frame(n), false))
    }

    fn slot(&mut self, f: Frame) -> Result<&mut u32, FrameError> {
        match usize::try_from(f.0).ok().and_then(|i| self.refs.get_mut(i)) {
            Some(r) if *r > 0 => Ok(r),
            _ => Err(FrameError::NotAllocated(f.0)),
        }
    }

    /// Takes one more reference to an allocated frame.
    pub fn incref(&mut self, f: Frame) -> Result<(), FrameError> {
        let r = self.slot(f)?;
        *r = r.checked_add(1).ok_or(FrameError::Overflow(f.0))?;
        Ok(())
    }

    /// Drops one reference; the frame is freed when none is left. Returns
    /// whether it was freed.
    pub fn decref(&mut self, f: Frame) -> Result<bool, FrameError> {
        let r = self.slot(f)?;
        *r -= 1;
        if *r == 0 {
            self.free.push_back(f.0);
            self.in_use -= 1;
            return Ok(true);
        }
        Ok(false)
    }

    /// Takes up to `max` of the longest-free frames out of circulation so
    /// that the kernel can release their memory.
    pub fn take_reclaimable(&mut self, max: usize) -> Vec<Frame> {
        let n = max.min(self.free.len());
        self.free.drain(..n).map(Frame).collect()
    }

    /// Returns frames from [`FrameAllocator::take_reclaimable`] whose memory
    /// the kernel released (they now read as zero).
    pub fn return_reclaimed(&mut self, frames: impl IntoIterator<Item = Frame>) {
        self.clean.extend(frames.into_iter().map(|f| f.0));
    }

    /// The frame's reference count (0 when free).
    pub fn refcount(&self, f: Frame) -> u32 {
        usize::try_from(f.0)
            .ok()
            .and_then(|i| self.refs.get(i))
            .copied()
            .unwrap_or(0)
    }

    /// How many frames are allocated.
    pub fn in_use(&self) -> u64 {
        self.in_use
    }

    /// The memory file size needed so far, in frames (the high-water mark).
    pub fn high_water(&self) -> u64 {
        self.refs.len() as u64
    }
}

/// The frame allocator of one memory file, shared by every address space of
/// a sandbox (and by file page caches), behind a lock.
#[derive(Debug)]
pub struct MemoryFileAllocator {
    frames: spin::Mutex<FrameAllocator>,
    next_ino: AtomicU64,
}

impl MemoryFileAllocator {
    /// An allocator for a memory file of at most `limit_bytes` bytes.
    pub fn new(limit_bytes: u64) -> Self {
        MemoryFileAllocator {
            frames: spin::Mutex::new(FrameAllocator::new(limit_bytes / PAGE_SIZE)),
            next_ino: AtomicU64::new(1),
        }
    }

    /// See [`FrameAllocator::alloc`].
    pub fn alloc(&self) -> Result<(Frame, bool), Errno> {
        self.frames.lock().alloc()
    }

    /// See [`FrameAllocator::incref`].
    pub fn incref(&self, f: Frame) -> Result<(), FrameError> {
        self.frames.lock().incref(f)
    }

    /// See [`FrameAllocator::decref`].
    pub fn decref(&self, f: Frame) -> Result<bool, FrameError> {
        self.frames.lock().decref(f)
    }

    /// See [`FrameAllocator::refcount`].
    pub fn refcount(&self, f: Frame) -> u32 {
        self.frames.lock().refcount(f)
    }

    /// See [`FrameAllocator::take_reclaimable`].
    pub fn take_reclaimable(&self, max: usize) -> Vec<Frame> {
        self.frames.lock().take_reclaimable(max)
    }

    /// See [`FrameAllocator::return_reclaimed`].
    pub fn return_reclaimed(&self, frames: impl IntoIterator<Item = Frame>) {
        self.frames.lock().return_reclaimed(frames)
    }

    /// See [`FrameAllocator::in_use`].
    pub fn in_use(&self) -> u64 {
        self.frames.lock().in_use()
    }

    /// How large the memory file must be so far, in bytes: every frame ever
    /// handed out lies below this offset.
    pub fn high_water_bytes(&self) -> u64 {
        self.frames.lock().high_water() * PAGE_SIZE
    }

    /// A fresh inode number for an anonymous shared memory object (shown in
    /// `/proc/self/maps`).
    pub(crate) fn next_ino(&self) -> u64 {
        self.next_ino.fetch_add(1, Ordering::Relaxed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn alloc_reuses_freed_frames_and_reports_dirty() {
        let mut a = FrameAllocator::new(2);
        let (f0, d0) = a.alloc().unwrap();
        let (f1, d1) = a.alloc().unwrap();
        assert!(!d0 && !d1 && f0 != f1);
        assert_eq!(a.alloc(), Err(Errno::ENOMEM));
        assert_eq!(a.decref(f0), Ok(true));
        assert_eq!(a.alloc(), Ok((f0, true)));
        assert_eq!(a.in_use(), 2);
        assert_eq!(a.high_water(), 2);
    }

    #[test]
    fn refcounts() {
        let mut a = FrameAllocator::new(8);
        let (f, _) = a.alloc().unwrap();
        a.incref(f).unwrap();
        assert_eq!(a.refcount(f), 2);
        assert_eq!(a.decref(f), Ok(false));
        assert_eq!(a.decref(f), Ok(true));
        assert_eq!(a.decref(f), Err(FrameError::NotAllocated(f.0)));
        assert_eq!(a.incref(Frame(99)), Err(FrameError::NotAllocated(99)));
        assert_eq!(a.in_use(), 0);
    }

    #[test]
    fn reclaimed_frames_come_back_clean() {
        let mut a = FrameAllocator::new(4);
        let frames: Vec<Frame> = (0..3).filter_map(|_| a.alloc().ok().map(|x| x.0)).collect();
        for f in &frames {
            a.decref(*f).unwrap();
        }
        let taken = a.take_reclaimable(2);
        assert_eq!(taken, frames[..2], "oldest first");
        assert_eq!(a.alloc(), Ok((frames[2], true)), "the dirty one");
        assert_eq!(
            a.alloc(),
            Ok((Frame(3), false)),
            "taken frames are not handed out"
        );
        assert_eq!(a.alloc(), Err(Errno::ENOMEM));
        a.return_reclaimed(taken);
        let again = a.alloc().unwrap();
        assert!(
            frames[..2].contains(&again.0) && !again.1,
            "clean: no zeroing needed"
        );
    }

    #[test]
    fn file_offsets() {
        assert_eq!(Frame(3).file_offset(), 3 * PAGE_SIZE);
    }
}
