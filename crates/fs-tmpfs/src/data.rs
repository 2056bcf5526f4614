//! Sparse file contents: pages allocated on first write, holes read as zero.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;

use vfs::{Errno, Result};

/// Page size of the content store.
pub const PAGE: usize = 4096;

/// The largest file size tmpfs allows (Linux's `MAX_LFS_FILESIZE`).
pub const MAX_FILE_SIZE: u64 = i64::MAX as u64;

/// The bytes of a regular file.
#[derive(Default)]
pub struct FileData {
    pages: BTreeMap<u64, Box<[u8; PAGE]>>,
    size: u64,
}

impl FileData {
    /// The file size in bytes.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Pages actually allocated.
    pub fn pages(&self) -> u64 {
        self.pages.len() as u64
    }

    /// Reads from `offset`; returns bytes read (0 at or past the end).
    pub fn read(&self, offset: u64, buf: &mut [u8]) -> usize {
        if offset >= self.size {
            return 0;
        }
        let len = usize::try_from(self.size - offset).map_or(buf.len(), |n| n.min(buf.len()));
        let mut done = 0;
        while done < len {
            let pos = offset + done as u64;
            let (idx, in_page) = (pos / PAGE as u64, (pos % PAGE as u64) as usize);
            let n = (PAGE - in_page).min(len - done);
            match self.pages.get(&idx) {
                Some(p) => buf[done..done + n].copy_from_slice(&p[in_page..in_page + n]),
                None => buf[done..done + n].fill(0),
            }
            done += n;
        }
        len
    }

    /// Writes at `offset`, growing the file; `budget` says how many new
    /// pages may be allocated (ENOSPC beyond). Returns new pages allocated.
    pub fn write(&mut self, offset: u64, buf: &[u8], budget: u64) -> Result<u64> {
        let end = offset.checked_add(buf.len() as u64).ok_or(Errno::EFBIG)?;
        if end > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        if buf.is_empty() {
            return Ok(0);
        }
        let first = offset / PAGE as u64;
        let last = (end - 1) / PAGE as u64;
        let missing = (first..=last)
            .filter(|i| !self.pages.contains_key(i))
            .count() as u64;
        if missing > budget {
            return Err(Errno::ENOSPC);
        }
        let mut done = 0;
        while done < buf.len() {
            let pos = offset + done as u64;
            let (idx, in_page) = (pos / PAGE as u64, (pos % PAGE as u64) as usize);
            let n = (PAGE - in_page).min(buf.len() - done);
            let page = self
                .pages
                .entry(idx)
                .or_insert_with(|| Box::new([0u8; PAGE]));
            page[in_page..in_page + n].copy_from_slice(&buf[done..done + n]);
            done += n;
        }
        self.size = self.size.max(end);
        Ok(missing)
    }

    /// Sets the size; shrinking frees whole pages past the end and zeroes
    /// the tail of the last one. Returns pages freed.
    pub fn truncate(&mut self, size: u64) -> Result<u64> {
        if size > MAX_FILE_SIZE {
            return Err(Errno::EFBIG);
        }
        let mut freed = 0;
        if size < self.size {
            let keep = size.div_ceil(PAGE as u64);
            let drop: alloc::vec::Vec<u64> = self.pages.range(keep..).map(|(k, _)| *k).collect();
            freed = drop.len() as u64;
            for k in drop {
                self.pages.remove(&k);
            }
            let in_page = (size % PAGE as u64) as usize;
            if in_page != 0 {
                if let Some(p) = self.pages.get_mut(&(size / PAGE as u64)) {
                    p[in_page..].fill(0);
                }
            }
        }
        self.size = size;
        Ok(freed)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sparse_write_read_truncate() {
        let mut d = FileData::default();
        assert_eq!(d.write(10_000, b"abc", 10), Ok(1));
        assert_eq!(d.size(), 10_003);
        assert_eq!(d.pages(), 1);
        let mut buf = [1u8; 8];
        assert_eq!(d.read(9_998, &mut buf), 5);
        assert_eq!(&buf[..5], b"\0\0abc");
        assert_eq!(d.read(20_000, &mut buf), 0);
        // Straddles a page boundary: two new pages.
        assert_eq!(d.write(PAGE as u64 - 1, b"xy", 10), Ok(2));
        assert_eq!(d.truncate(10_001), Ok(0));
        assert_eq!(d.truncate(PAGE as u64), Ok(2));
        assert_eq!(d.pages(), 1);
        assert_eq!(d.truncate(20_000), Ok(0));
        assert_eq!(d.read(10_000, &mut buf), 8);
        assert_eq!(buf, [0u8; 8]);
    }

    #[test]
    fn limits() {
        let mut d = FileData::default();
        assert_eq!(d.write(0, &[0u8; PAGE * 2], 1), Err(Errno::ENOSPC));
        assert_eq!(d.size(), 0);
        assert_eq!(d.write(u64::MAX - 1, b"abc", 10), Err(Errno::EFBIG));
        assert_eq!(d.write(MAX_FILE_SIZE, b"a", 10), Err(Errno::EFBIG));
        assert_eq!(d.truncate(MAX_FILE_SIZE + 1), Err(Errno::EFBIG));
    }
}
