//! Open host-tree files: regular files read through a host reader, and
//! directories (listed through their inode).

use std::sync::Arc;

use vfs::{Errno, FileImpl, Result};

use crate::host::HostReader;

/// An open regular file of the host tree: reads and mapping only.
pub struct HostRegularFile {
    reader: Arc<dyn HostReader>,
}

impl HostRegularFile {
    pub(crate) fn new(reader: Arc<dyn HostReader>) -> HostRegularFile {
        HostRegularFile { reader }
    }
}

impl FileImpl for HostRegularFile {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.reader.pread(offset, buf)
    }

    fn write_at(&self, _offset: u64, _buf: &[u8]) -> Result<usize> {
        Err(Errno::EROFS)
    }

    fn append(&self, _buf: &[u8]) -> Result<(usize, u64)> {
        Err(Errno::EROFS)
    }

    fn write_page(&self, _offset: u64, _page: &[u8], _file_size: u64) -> Result<()> {
        Err(Errno::EROFS)
    }
}

/// An open directory of the host tree.
pub struct HostDirFile;

impl FileImpl for HostDirFile {
    fn is_mappable(&self) -> bool {
        false
    }
}
