//! Changing file attributes and data size, and syncing: `chmod(2)`,
//! `fchmod(2)`, `fchmodat(2)`, `fchmodat2(2)`, `chown(2)`, `fchown(2)`,
//! `lchown(2)`, `fchownat(2)`, `utimensat(2)`, `truncate(2)`,
//! `ftruncate(2)`, `fallocate(2)`, `fsync(2)`, `fdatasync(2)`.

use abi::fcntl::AT_FDCWD;
use abi::time::timespec;
use abi::Errno;
use vfs::{AtFlags, FileType, PathRef, TimeUpdate, Timespec};

use super::at::{fd_location, fd_location_no_path, path_arg, start_dir, with_vfs};
use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

const UTIME_NOW: i64 = (1 << 30) - 1;
const UTIME_OMIT: i64 = (1 << 30) - 2;

/// The flags of the attribute-changing `*at` calls: only
/// `AT_SYMLINK_NOFOLLOW` and `AT_EMPTY_PATH`, else `EINVAL`.
fn attr_flags(flags: u32) -> Result<AtFlags, Errno> {
    AtFlags::from_bits(flags)
        .filter(|f| (AtFlags::AT_SYMLINK_NOFOLLOW | AtFlags::AT_EMPTY_PATH).contains(*f))
        .ok_or(Errno::EINVAL)
}

/// What an attribute-changing `*at` call applies to.
enum Target {
    /// The file `dirfd` itself (an empty path with `AT_EMPTY_PATH`).
    Fd(PathRef),
    /// `path` under its start directory.
    At(PathRef, Vec<u8>),
}

/// Copies in the path at `path_addr` and finds what it names under
/// `dirfd`, as [`Target`].
fn target(t: &mut Task, dirfd: i32, path_addr: u64, flags: AtFlags) -> Result<Target, Errno> {
    let path = path_arg(t, path_addr, flags.contains(AtFlags::AT_EMPTY_PATH))?;
    if path.is_empty() {
        return Ok(Target::Fd(fd_location(t, dirfd)?));
    }
    Ok(Target::At(start_dir(t, dirfd, &path)?, path))
}

fn chmod_at(t: &mut Task, dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    let flags = attr_flags(flags)?;
    match target(t, dirfd, path_addr, flags)? {
        Target::Fd(at) => with_vfs(t, |v, c| v.chmod(c, &at, mode))?,
        Target::At(dir, path) => with_vfs(t, |v, c| v.fchmodat(c, &dir, &path, mode, flags))?,
    }
    SysRet::ZERO
}

/// `chmod(2)`.
pub fn sys_chmod(t: &mut Task, a: &SyscallArgs) -> SysResult {
    chmod_at(t, AT_FDCWD, a.u64(0), a.u32(1), 0)
}

/// `fchmod(2)`.
pub fn sys_fchmod(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let at = fd_location_no_path(t, a.fd(0))?;
    with_vfs(t, |v, c| v.chmod(c, &at, a.u32(1)))?;
    SysRet::ZERO
}

/// `fchmodat(2)` (no flags argument).
pub fn sys_fchmodat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    chmod_at(t, a.fd(0), a.u64(1), a.u32(2), 0)
}

/// `fchmodat2(2)`.
pub fn sys_fchmodat2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    chmod_at(t, a.fd(0), a.u64(1), a.u32(2), a.u32(3))
}

fn id(v: u32) -> Option<u32> {
    (v != u32::MAX).then_some(v)
}

fn chown_at(t: &mut Task, dirfd: i32, path_addr: u64, uid: u32, gid: u32, flags: u32) -> SysResult {
    let flags = attr_flags(flags)?;
    match target(t, dirfd, path_addr, flags)? {
        Target::Fd(at) => with_vfs(t, |v, c| v.chown(c, &at, id(uid), id(gid)))?,
        Target::At(dir, path) => with_vfs(t, |v, c| {
            v.fchownat(c, &dir, &path, id(uid), id(gid), flags)
        })?,
    }
    SysRet::ZERO
}

/// `chown(2)`.
pub fn sys_chown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    chown_at(t, AT_FDCWD, a.u64(0), a.u32(1), a.u32(2), 0)
}

/// `lchown(2)`.
pub fn sys_lchown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    chown_at(
        t,
        AT_FDCWD,
        a.u64(0),
        a.u32(1),
        a.u32(2),
        AtFlags::AT_SYMLINK_NOFOLLOW.bits(),
    )
}

/// `fchown(2)`.
pub fn sys_fchown(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let at = fd_location_no_path(t, a.fd(0))?;
    with_vfs(t, |v, c| v.chown(c, &at, id(a.u32(1)), id(a.u32(2))))?;
    SysRet::ZERO
}

/// `fchownat(2)`.
pub fn sys_fchownat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    chown_at(t, a.fd(0), a.u64(1), a.u32(2), a.u32(3), a.u32(4))
}

fn time_update(ts: &timespec) -> Result<TimeUpdate, Errno> {
    match ts.tv_nsec {
        UTIME_NOW => Ok(TimeUpdate::Now),
        UTIME_OMIT => Ok(TimeUpdate::Omit),
        n if (0..1_000_000_000).contains(&n) => Ok(TimeUpdate::Set(Timespec {
            sec: ts.tv_sec,
            nsec: n as u32,
        })),
        _ => Err(Errno::EINVAL),
    }
}

/// `utimensat(2)`: a NULL path names `dirfd` itself; NULL times mean now.
pub fn sys_utimensat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (dirfd, path_addr, times_addr) = (a.fd(0), a.u64(1), a.u64(2));
    let flags = attr_flags(a.u32(3))?;
    let (atime, mtime) = if times_addr == 0 {
        (TimeUpdate::Now, TimeUpdate::Now)
    } else {
        let times = a.ptr::<[timespec; 2]>(2).read(t.mem())?;
        (time_update(&times[0])?, time_update(&times[1])?)
    };
    do_utimes(t, dirfd, path_addr, (atime, mtime), flags)
}

/// `do_utimes`: sets the times of `path_addr` under `dirfd`, or of `dirfd`
/// itself for a NULL path (`EFAULT` with `AT_FDCWD`) or an empty one with
/// `AT_EMPTY_PATH`.
pub(super) fn do_utimes(
    t: &mut Task,
    dirfd: i32,
    path_addr: u64,
    (atime, mtime): (TimeUpdate, TimeUpdate),
    flags: AtFlags,
) -> SysResult {
    if path_addr == 0 {
        if dirfd == AT_FDCWD {
            return Err(Errno::EFAULT);
        }
        let at = fd_location(t, dirfd)?;
        with_vfs(t, |v, c| v.utimens(c, &at, atime, mtime))?;
        return SysRet::ZERO;
    }
    match target(t, dirfd, path_addr, flags)? {
        Target::Fd(at) => with_vfs(t, |v, c| v.utimens(c, &at, atime, mtime))?,
        Target::At(dir, path) => {
            with_vfs(t, |v, c| v.utimensat(c, &dir, &path, atime, mtime, flags))?
        }
    }
    SysRet::ZERO
}

/// `truncate(2)`: `EINVAL` for a negative length.
pub fn sys_truncate(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = u64::try_from(a.i64(1)).map_err(|_| Errno::EINVAL)?;
    let path = path_arg(t, a.u64(0), false)?;
    let dir = start_dir(t, AT_FDCWD, &path)?;
    with_vfs(t, |v, c| v.truncate(c, &dir, &path, size))?;
    SysRet::ZERO
}

/// `ftruncate(2)`.
pub fn sys_ftruncate(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = u64::try_from(a.i64(1)).map_err(|_| Errno::EINVAL)?;
    t.file(a.fd(0))?.truncate(size)?;
    SysRet::ZERO
}

/// `FALLOC_FL_KEEP_SIZE`.
const FALLOC_FL_KEEP_SIZE: u32 = 0x01;
/// `FALLOC_FL_PUNCH_HOLE`.
const FALLOC_FL_PUNCH_HOLE: u32 = 0x02;
/// Every mode bit Linux knows (`FALLOC_FL_*` up to `UNSHARE_RANGE`, plus
/// `WRITE_ZEROES`).
const FALLOC_FL_KNOWN: u32 = 0xff;

/// `fallocate(2)`, in `vfs_fallocate`'s order: `EINVAL` for the range,
/// `EOPNOTSUPP` for unknown modes or a hole punch without
/// `FALLOC_FL_KEEP_SIZE`, `EBADF`, `ESPIPE`/`EISDIR`/`ENODEV`, `EFBIG`.
/// Then, as tmpfs (`shmem_fallocate`) does: mode 0 extends the file,
/// `FALLOC_FL_KEEP_SIZE` alone reserves nothing (the Sentry's files
/// allocate on write; `st_blocks` does not grow), and a hole punch zeroes
/// the range inside the file; other modes are `EOPNOTSUPP`.
pub fn sys_fallocate(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (mode, off, len) = (a.u32(1), a.i64(2), a.i64(3));
    if off < 0 || len <= 0 {
        return Err(Errno::EINVAL);
    }
    let punch = mode & FALLOC_FL_PUNCH_HOLE != 0;
    if mode & !FALLOC_FL_KNOWN != 0 || (punch && mode & FALLOC_FL_KEEP_SIZE == 0) {
        return Err(Errno::EOPNOTSUPP);
    }
    let file = t.file(a.fd(0))?;
    if file.is_path_only() || !file.access_mode().writable() {
        return Err(Errno::EBADF);
    }
    let attr = file.stat()?;
    match attr.file_type() {
        Some(FileType::Regular) => {}
        Some(FileType::Directory) => return Err(Errno::EISDIR),
        Some(FileType::Fifo) => return Err(Errno::ESPIPE),
        _ => return Err(Errno::ENODEV),
    }
    let end = off.checked_add(len).ok_or(Errno::EFBIG)? as u64;
    match mode {
        0 => {
            if end > attr.size {
                file.truncate(end)?;
            }
        }
        FALLOC_FL_KEEP_SIZE => {}
        m if m == FALLOC_FL_KEEP_SIZE | FALLOC_FL_PUNCH_HOLE => {
            punch_hole(&file, off as u64, end.min(attr.size))?;
        }
        _ => return Err(Errno::EOPNOTSUPP),
    }
    SysRet::ZERO
}

/// Zeroes `[start, end)` of `file`, rewriting only the chunks that hold
/// data, so a hole that is already sparse stays unallocated.
fn punch_hole(file: &vfs::FileDescription, start: u64, end: u64) -> Result<(), Errno> {
    const CHUNK: u64 = 64 * 1024;
    let mut buf = vec![0u8; CHUNK as usize];
    let mut pos = start;
    while pos < end {
        let n = (end - pos).min(CHUNK) as usize;
        let got = file.pread(&mut buf[..n], pos)?;
        if got == 0 {
            break;
        }
        if buf[..got].iter().any(|&b| b != 0) {
            let zeros = vec![0u8; got];
            let mut done = 0;
            while done < got {
                match file.write_v2(&zeros[done..], Some(pos + done as u64), false)? {
                    0 => return Err(Errno::EIO),
                    w => done += w,
                }
            }
        }
        pos += got as u64;
    }
    Ok(())
}

/// `fsync(2)`.
pub fn sys_fsync(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.file(a.fd(0))?.fsync()?;
    SysRet::ZERO
}

/// `fdatasync(2)`.
pub fn sys_fdatasync(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.file(a.fd(0))?.fsync()?;
    SysRet::ZERO
}
