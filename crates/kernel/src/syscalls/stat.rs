//! File metadata and names: `stat(2)`, `lstat(2)`, `fstat(2)`,
//! `newfstatat(2)`, `statx(2)`, `statfs(2)`, `fstatfs(2)`, `readlink(2)`,
//! `readlinkat(2)`, `access(2)`, `faccessat(2)`, `faccessat2(2)`,
//! `getdents64(2)`.

use abi::fcntl::AT_FDCWD;
use abi::stat::{stat, statfs, statx, statx_timestamp, StatxMask};
use abi::Errno;
use vfs::{AtFlags, InodeAttr, PathRef, StatFs, Timespec};

use super::at::{empty_path_location, fd_location, path_arg, start_dir, with_vfs};
use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// `AT_EACCESS` for `faccessat2`.
const AT_EACCESS: u32 = 0x200;
/// `AT_STATX_SYNC_TYPE` bits `statx` accepts.
const AT_STATX_SYNC_TYPE: u32 = 0x6000;
/// `STATX__RESERVED`: a mask bit `statx` rejects.
const STATX_RESERVED: u32 = 0x8000_0000;

/// Converts VFS attributes to the kernel's x86-64 `struct stat`.
pub fn to_stat(a: &InodeAttr) -> stat {
    stat {
        st_dev: a.dev,
        st_ino: a.ino,
        st_nlink: u64::from(a.nlink),
        st_mode: a.mode,
        st_uid: a.uid,
        st_gid: a.gid,
        st_rdev: a.rdev,
        st_size: a.size as i64,
        st_blksize: i64::from(a.blksize),
        st_blocks: a.blocks as i64,
        st_atime: a.atime.sec,
        st_atime_nsec: i64::from(a.atime.nsec),
        st_mtime: a.mtime.sec,
        st_mtime_nsec: i64::from(a.mtime.nsec),
        st_ctime: a.ctime.sec,
        st_ctime_nsec: i64::from(a.ctime.nsec),
        ..stat::default()
    }
}

fn ts(t: Timespec) -> statx_timestamp {
    statx_timestamp {
        tv_sec: t.sec,
        tv_nsec: t.nsec,
        ..statx_timestamp::default()
    }
}

fn dev_major(dev: u64) -> u32 {
    (((dev >> 8) & 0xfff) | ((dev >> 32) & !0xfff)) as u32
}

fn dev_minor(dev: u64) -> u32 {
    ((dev & 0xff) | ((dev >> 12) & !0xff)) as u32
}

/// Converts VFS attributes to `struct statx`, reporting the basic fields
/// and the birth time when the filesystem knows it.
pub fn to_statx(a: &InodeAttr, mnt_id: u64) -> statx {
    let mut mask = StatxMask::STATX_BASIC_STATS | StatxMask::STATX_MNT_ID;
    if a.btime != Timespec::default() {
        mask |= StatxMask::STATX_BTIME;
    }
    statx {
        stx_mask: mask.bits(),
        stx_blksize: a.blksize,
        stx_nlink: a.nlink,
        stx_uid: a.uid,
        stx_gid: a.gid,
        stx_mode: a.mode as u16,
        stx_ino: a.ino,
        stx_size: a.size,
        stx_blocks: a.blocks,
        stx_atime: ts(a.atime),
        stx_btime: ts(a.btime),
        stx_ctime: ts(a.ctime),
        stx_mtime: ts(a.mtime),
        stx_rdev_major: dev_major(a.rdev),
        stx_rdev_minor: dev_minor(a.rdev),
        stx_dev_major: dev_major(a.dev),
        stx_dev_minor: dev_minor(a.dev),
        stx_mnt_id: mnt_id,
        ..statx::default()
    }
}

/// Resolves `path` relative to `dirfd` with `fstatat` rules.
fn resolve_at(t: &Task, dirfd: i32, path: &[u8], flags: AtFlags) -> Result<PathRef, Errno> {
    if path.is_empty() && flags.contains(AtFlags::AT_EMPTY_PATH) && dirfd != AT_FDCWD {
        return fd_location(t, dirfd);
    }
    let dir = start_dir(t, dirfd, path)?;
    with_vfs(t, |v, c| v.resolve(c, &dir, path, flags))
}

/// The attributes behind `dirfd`+`path`; an empty path with
/// `AT_EMPTY_PATH` names the descriptor itself (pipes included).
fn attr_at(
    t: &mut Task,
    dirfd: i32,
    path_addr: u64,
    flags: AtFlags,
) -> Result<(InodeAttr, u64), Errno> {
    let path = path_arg(t, path_addr, flags.contains(AtFlags::AT_EMPTY_PATH))?;
    if path.is_empty() && dirfd != AT_FDCWD {
        let f = t.file(dirfd)?;
        let mnt = f.path().map_or(0, |p| p.mount.id());
        return Ok((f.stat()?, mnt));
    }
    let at = resolve_at(t, dirfd, &path, flags)?;
    let attr = at.inode().stat()?;
    Ok((attr, at.mount.id()))
}

fn at_flags(bits: u32, allowed: u32) -> Result<AtFlags, Errno> {
    if bits & !allowed != 0 {
        return Err(Errno::EINVAL);
    }
    Ok(AtFlags::from_bits_truncate(bits))
}

fn write_stat(t: &mut Task, addr: u64, a: &InodeAttr) -> SysResult {
    crate::usermem::UserPtr::<stat>::new(addr).write(t.mem(), &to_stat(a))?;
    SysRet::ZERO
}

/// `stat(2)`.
pub fn sys_stat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (attr, _) = attr_at(t, AT_FDCWD, a.u64(0), AtFlags::empty())?;
    write_stat(t, a.u64(1), &attr)
}

/// `lstat(2)`.
pub fn sys_lstat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (attr, _) = attr_at(t, AT_FDCWD, a.u64(0), AtFlags::AT_SYMLINK_NOFOLLOW)?;
    write_stat(t, a.u64(1), &attr)
}

/// `fstat(2)`.
pub fn sys_fstat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let attr = t.file(a.fd(0))?.stat()?;
    write_stat(t, a.u64(1), &attr)
}

/// `newfstatat(2)`: `EINVAL` for flags other than `AT_SYMLINK_NOFOLLOW`,
/// `AT_EMPTY_PATH` and `AT_NO_AUTOMOUNT`.
pub fn sys_newfstatat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let flags = at_flags(a.u32(3), 0x100 | 0x800 | 0x1000)?;
    let (attr, _) = attr_at(t, a.fd(0), a.u64(1), flags)?;
    write_stat(t, a.u64(2), &attr)
}

/// `statx(2)`: basic stats, birth time when known, mount id.
pub fn sys_statx(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let bits = a.u32(2);
    if bits & AT_STATX_SYNC_TYPE == AT_STATX_SYNC_TYPE || a.u32(3) & STATX_RESERVED != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = at_flags(bits & !AT_STATX_SYNC_TYPE, 0x100 | 0x800 | 0x1000)?;
    let (attr, mnt) = attr_at(t, a.fd(0), a.u64(1), flags)?;
    a.ptr::<statx>(4).write(t.mem(), &to_statx(&attr, mnt))?;
    SysRet::ZERO
}

fn write_statfs(t: &mut Task, addr: u64, s: &StatFs) -> SysResult {
    let out = statfs {
        f_type: s.fs_type as i64,
        f_bsize: s.bsize as i64,
        f_blocks: s.blocks,
        f_bfree: s.bfree,
        f_bavail: s.bavail,
        f_files: s.files,
        f_ffree: s.ffree,
        f_namelen: s.namelen as i64,
        f_frsize: s.frsize as i64,
        f_flags: s.flags as i64,
        ..statfs::default()
    };
    crate::usermem::UserPtr::<statfs>::new(addr).write(t.mem(), &out)?;
    SysRet::ZERO
}

/// `statfs(2)`.
pub fn sys_statfs(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.u64(0), false)?;
    let at = resolve_at(t, AT_FDCWD, &path, AtFlags::empty())?;
    let s = with_vfs(t, |v, _| v.statfs(&at))?;
    write_statfs(t, a.u64(1), &s)
}

/// `fstatfs(2)`.
pub fn sys_fstatfs(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let at = fd_location(t, a.fd(0))?;
    let s = with_vfs(t, |v, _| v.statfs(&at))?;
    write_statfs(t, a.u64(1), &s)
}

fn readlink_common(t: &mut Task, dirfd: i32, path_addr: u64, buf: u64, size: u64) -> SysResult {
    if (size as i64) <= 0 {
        return Err(Errno::EINVAL);
    }
    let path = path_arg(t, path_addr, true)?;
    let target = if path.is_empty() {
        let at = fd_location(t, dirfd).map_err(|_| Errno::ENOENT)?;
        at.inode().readlink().map_err(|e| {
            if e == vfs::Errno::EINVAL {
                vfs::Errno::ENOENT
            } else {
                e
            }
        })?
    } else {
        let dir = start_dir(t, dirfd, &path)?;
        with_vfs(t, |v, c| v.readlinkat(c, &dir, &path))?
    };
    let n = target.len().min(size as usize);
    crate::usermem::UserSlice::new(buf, size).write_prefix(t.mem(), &target[..n])?;
    Ok(SysRet::Value(n as u64))
}

/// `readlink(2)`.
pub fn sys_readlink(t: &mut Task, a: &SyscallArgs) -> SysResult {
    readlink_common(t, AT_FDCWD, a.u64(0), a.u64(1), a.u64(2))
}

/// `readlinkat(2)`.
pub fn sys_readlinkat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    readlink_common(t, a.fd(0), a.u64(1), a.u64(2), a.u64(3))
}

fn access_common(t: &mut Task, dirfd: i32, path_addr: u64, mode: u32, flags: u32) -> SysResult {
    if mode & !7 != 0 {
        return Err(Errno::EINVAL);
    }
    let flags = at_flags(flags, AT_EACCESS | 0x100 | 0x1000)?;
    let path = path_arg(t, path_addr, flags.contains(AtFlags::AT_EMPTY_PATH))?;
    let dir = if path.is_empty() {
        empty_path_location(t, dirfd)?
    } else {
        start_dir(t, dirfd, &path)?
    };
    let vflags = AtFlags::from_bits_truncate(flags.bits() & !AT_EACCESS);
    with_vfs(t, |v, c| v.faccessat(c, &dir, &path, mode, vflags))?;
    SysRet::ZERO
}

/// `access(2)`.
pub fn sys_access(t: &mut Task, a: &SyscallArgs) -> SysResult {
    access_common(t, AT_FDCWD, a.u64(0), a.u32(1), 0)
}

/// `faccessat(2)` (no flags argument).
pub fn sys_faccessat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    access_common(t, a.fd(0), a.u64(1), a.u32(2), 0)
}

/// `faccessat2(2)`.
pub fn sys_faccessat2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    access_common(t, a.fd(0), a.u64(1), a.u32(2), a.u32(3))
}

/// `getdents64(2)`: `EINVAL` when the buffer cannot hold one record.
pub fn sys_getdents64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    getdents_common(t, a, false)
}

/// `getdents(2)`, the old form: `struct linux_dirent` records, whose
/// size equals the `linux_dirent64` ones (`d_type` moves from before the
/// name to the record's last byte), so the same limit applies.
pub fn sys_getdents(t: &mut Task, a: &SyscallArgs) -> SysResult {
    getdents_common(t, a, true)
}

/// Rewrites `linux_dirent64` records in place as `linux_dirent` ones:
/// `d_ino`, `d_off` and `d_reclen` stay, the name moves one byte down and
/// `d_type` goes to the last byte of the record.
fn to_old_dirents(buf: &mut [u8]) {
    let mut i = 0;
    while i + 19 <= buf.len() {
        let reclen = usize::from(u16::from_ne_bytes([buf[i + 16], buf[i + 17]]));
        if reclen < 20 || i + reclen > buf.len() {
            return;
        }
        let d_type = buf[i + 18];
        buf.copy_within(i + 19..i + reclen, i + 18);
        buf[i + reclen - 1] = d_type;
        i += reclen;
    }
}

fn getdents_common(t: &mut Task, a: &SyscallArgs, old: bool) -> SysResult {
    let file = t.file(a.fd(0))?;
    let limit = (a.u64(2).min(crate::usermem::MAX_RW_COUNT)) as usize;
    crate::usermem::check_range(a.u64(1), limit as u64)?;
    let mut bytes = file.getdents64(limit.min(1 << 20))?;
    if old {
        to_old_dirents(&mut bytes);
    }
    crate::usermem::UserSlice::new(a.u64(1), limit as u64).write_prefix(t.mem(), &bytes)?;
    Ok(SysRet::Value(bytes.len() as u64))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn old_dirents_move_the_type_to_the_end() {
        // One linux_dirent64 for "ab" (reclen 24), type DT_DIR (4).
        let mut rec = vec![0u8; 24];
        rec[0] = 7;
        rec[8] = 1;
        rec[16] = 24;
        rec[18] = 4;
        rec[19] = b'a';
        rec[20] = b'b';
        let mut two = rec.clone();
        two.extend_from_slice(&rec);
        to_old_dirents(&mut two);
        for r in two.chunks(24) {
            assert_eq!((r[0], r[8], r[16]), (7, 1, 24));
            assert_eq!(&r[18..21], b"ab\0");
            assert_eq!(r[23], 4);
        }
        // A truncated record is left alone rather than read past.
        let mut short = rec[..20].to_vec();
        to_old_dirents(&mut short);
        assert_eq!(short, rec[..20]);
    }
}
