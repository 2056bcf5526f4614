//! Open tmpfs files.

use alloc::sync::Arc;

use vfs::{FileImpl, Result};

use crate::inode::TmpInode;

/// An open regular tmpfs file.
pub struct TmpFile {
    inode: Arc<TmpInode>,
}

impl TmpFile {
    pub(crate) fn new(inode: Arc<TmpInode>) -> TmpFile {
        TmpFile { inode }
    }
}

impl FileImpl for TmpFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.inode.read(offset, buf)
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        self.inode.write(Some(offset), buf).map(|(n, _)| n)
    }

    fn append(&self, buf: &[u8]) -> Result<(usize, u64)> {
        self.inode.write(None, buf)
    }
}

/// An open tmpfs directory; listing goes through the inode.
pub struct TmpDirFile;

impl FileImpl for TmpDirFile {
    fn is_mappable(&self) -> bool {
        false
    }
}
