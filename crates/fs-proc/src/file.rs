//! Open procfs files. A regular file's contents are generated once, at
//! open, and reads are served from that snapshot, so a reader that reads
//! in small pieces sees one consistent text (as `seq_file` gives a reader
//! that starts at offset 0).

use vfs::{Errno, FileImpl, Result};

/// An open procfs file: its contents as of open.
pub struct SnapshotFile {
    data: Vec<u8>,
}

impl SnapshotFile {
    pub(crate) fn new(data: Vec<u8>) -> SnapshotFile {
        SnapshotFile { data }
    }
}

impl FileImpl for SnapshotFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        let start = usize::try_from(offset).unwrap_or(usize::MAX);
        let Some(rest) = self.data.get(start..) else {
            return Ok(0);
        };
        let n = rest.len().min(buf.len());
        buf[..n].copy_from_slice(&rest[..n]);
        Ok(n)
    }

    fn write_at(&self, _offset: u64, _buf: &[u8]) -> Result<usize> {
        Err(Errno::EACCES)
    }

    fn is_mappable(&self) -> bool {
        false
    }
}

/// An open procfs directory; listing goes through the inode.
pub struct ProcDirFile;

impl FileImpl for ProcDirFile {
    fn is_mappable(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_past_end_are_empty() {
        let f = SnapshotFile::new(b"abc".to_vec());
        let mut b = [0u8; 2];
        assert_eq!(f.read_at(1, &mut b), Ok(2));
        assert_eq!(&b, b"bc");
        assert_eq!(f.read_at(3, &mut b), Ok(0));
        assert_eq!(f.read_at(u64::MAX, &mut b), Ok(0));
    }
}
