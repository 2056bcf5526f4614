//! `memfd_create(2)`: an anonymous regular file in memory.
//!
//! The file is an unlinked inode of a tmpfs internal to the kernel (as
//! Linux's shmem mount), so it reads, writes, truncates and maps like any
//! tmpfs file; mappings of it share one page cache
//! ([`crate::file_pages`]). File seals are not implemented:
//! `MFD_ALLOW_SEALING` is accepted, `F_ADD_SEALS` fails (see `fcntl`).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use abi::memfd::{MemfdFlags, MFD_NAME_MAX_LEN};
use abi::Errno;
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{FileDescription, Inode, NewInode, OpenFlags};

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::copy_in_cstring;

/// The device number of the internal tmpfs.
const MEMFD_DEV: (u32, u32) = (0, 14);
const S_IFREG: u32 = 0o100000;

/// Names the transient directory entries, which exist only between
/// `create` and `unlink`.
static NEXT: AtomicU64 = AtomicU64::new(0);

fn memfd_fs(t: &Task) -> Result<Arc<TmpFs>, Errno> {
    let k = t.kernel();
    if let Some(fs) = k.memfd_fs.get() {
        return Ok(fs.clone());
    }
    let opts = TmpFsOptions {
        dev: vfs::uapi::makedev(MEMFD_DEV.0, MEMFD_DEV.1),
        ..TmpFsOptions::default()
    };
    let fs = TmpFs::new(opts, Arc::new(crate::clock::HostClock))?;
    Ok(k.memfd_fs.get_or_init(|| fs).clone())
}

/// `memfd_create(2)`: `MFD_CLOEXEC`, `MFD_ALLOW_SEALING` (no seals can be
/// added yet), `MFD_EXEC`/`MFD_NOEXEC_SEAL` (mode 0777 or 0666);
/// `MFD_HUGETLB` gives `EINVAL` (no huge pages). A name longer than 249
/// bytes is `EINVAL`.
pub fn sys_memfd_create(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = MemfdFlags::from_bits(a.u32(1)).ok_or(Errno::EINVAL)?;
    if flags.contains(MemfdFlags::MFD_HUGETLB)
        || flags.contains(MemfdFlags::MFD_EXEC | MemfdFlags::MFD_NOEXEC_SEAL)
    {
        return Err(Errno::EINVAL);
    }
    copy_in_cstring(t.mem(), a.u64(0), MFD_NAME_MAX_LEN, Errno::EINVAL)?;
    let fs = memfd_fs(t)?;
    let root = fs.root_inode().clone();
    let name = format!("memfd{}", NEXT.fetch_add(1, Ordering::Relaxed));
    let perm = if flags.contains(MemfdFlags::MFD_NOEXEC_SEAL) {
        0o666
    } else {
        0o777
    };
    let new = NewInode {
        mode: S_IFREG | perm,
        uid: t.creds.euid,
        gid: t.creds.egid,
        rdev: 0,
    };
    let inode = root.create(name.as_bytes(), &new)?;
    root.unlink(name.as_bytes())?;
    let flags_rw = OpenFlags::O_RDWR | OpenFlags::O_LARGEFILE;
    let imp = inode.open(flags_rw)?;
    let file = FileDescription::new(imp, inode, None, flags_rw)?;
    let cloexec = flags.contains(MemfdFlags::MFD_CLOEXEC);
    let fd = t.fds.insert(Arc::new(file), cloexec, t.nofile())?;
    Ok(SysRet::Value(fd as u64))
}
