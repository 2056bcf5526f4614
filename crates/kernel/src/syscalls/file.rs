//! Opening and the descriptor table: `open(2)`, `openat(2)`, `creat(2)`,
//! `openat2(2)`, `close(2)`, `close_range(2)`, `dup(2)`, `dup2(2)`,
//! `dup3(2)`, `fcntl(2)`, `ioctl(2)`.

use abi::fcntl::{
    f_owner_ex, AT_FDCWD, F_DUPFD, F_DUPFD_CLOEXEC, F_GETFD, F_GETFL, F_GETLK, F_GETOWN,
    F_GETOWN_EX, F_GETPIPE_SZ, F_OFD_GETLK, F_OFD_SETLK, F_OFD_SETLKW, F_OWNER_PGRP, F_OWNER_PID,
    F_OWNER_TID, F_SETFD, F_SETFL, F_SETLK, F_SETLKW, F_SETOWN, F_SETOWN_EX, F_SETPIPE_SZ,
};
use abi::openat2::open_how;
use abi::termios::{termios, winsize, TCGETS, TCSETS, TCSETSF, TCSETSW, TIOCGWINSZ, TIOCSWINSZ};
use abi::Errno;
use vfs::{AccessMode, OpenFlags, ResolveFlags};

use super::at::{path_arg, start_dir};
use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;

/// `FD_CLOEXEC`.
const FD_CLOEXEC: u64 = 1;
/// `close_range` flags.
const CLOSE_RANGE_UNSHARE: u32 = 1 << 1;
const CLOSE_RANGE_CLOEXEC: u32 = 1 << 2;
/// The smallest and largest `open_how` sizes `openat2` accepts.
const OPEN_HOW_SIZE_VER0: u64 = 24;
const OPEN_HOW_SIZE_MAX: u64 = 4096;

const FIONCLEX: u32 = 0x5450;
const FIOCLEX: u32 = 0x5451;
const FIONBIO: u32 = 0x5421;
const FIOASYNC: u32 = 0x5452;
const FIONREAD: u32 = 0x541B;

/// `__O_TMPFILE`: the bit of `O_TMPFILE` besides `O_DIRECTORY`.
const O_TMPFILE_BIT: u32 = 0o20000000;

/// The flag combinations `build_open_flags` refuses with `EINVAL`, after
/// `O_PATH` has dropped the flags it ignores: `O_CREAT|O_DIRECTORY`
/// (Linux 6.4+), and `O_TMPFILE` without `O_DIRECTORY` or write access.
fn check_open_flags(flags: OpenFlags) -> Result<(), Errno> {
    let flags = if flags.contains(OpenFlags::O_PATH) {
        flags
            & (OpenFlags::O_PATH
                | OpenFlags::O_DIRECTORY
                | OpenFlags::O_NOFOLLOW
                | OpenFlags::O_CLOEXEC)
    } else {
        flags
    };
    if flags.contains(OpenFlags::O_CREAT | OpenFlags::O_DIRECTORY) {
        return Err(Errno::EINVAL);
    }
    if flags.bits() & O_TMPFILE_BIT != 0
        && (!flags.contains(OpenFlags::O_TMPFILE) || !AccessMode::of(flags).writable())
    {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// Opens `path` relative to `dirfd` and installs the descriptor.
fn do_open(
    t: &mut Task,
    dirfd: i32,
    path: &[u8],
    flags: u32,
    mode: u32,
    resolve: ResolveFlags,
) -> SysResult {
    let oflags = OpenFlags::from_bits_truncate(flags);
    check_open_flags(oflags)?;
    let mode = if oflags.intersects(OpenFlags::O_CREAT | OpenFlags::O_TMPFILE) {
        mode & 0o7777 & !t.fs.umask
    } else {
        0
    };
    // Under RESOLVE_IN_ROOT/RESOLVE_BENEATH the dirfd is the root even of
    // an absolute path.
    let scoped = resolve.intersects(ResolveFlags::RESOLVE_BENEATH | ResolveFlags::RESOLVE_IN_ROOT);
    let dir = start_dir(t, dirfd, if scoped { b"" } else { path })?;
    let cred = t.creds.to_vfs();
    let vfs = t.kernel().vfs().clone();
    let mut ctx = vfs::Context::new(&cred, &t.fs.root);
    ctx.resolve = resolve;
    let file = vfs.openat(&ctx, &dir, path, oflags, mode)?;
    let limit = t.nofile();
    let fd = t
        .fds
        .insert(file, oflags.contains(OpenFlags::O_CLOEXEC), limit)?;
    Ok(SysRet::Value(fd as u64))
}

/// `open(2)`.
pub fn sys_open(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.u64(0), false)?;
    do_open(
        t,
        AT_FDCWD,
        &path,
        a.u32(1),
        a.u32(2),
        ResolveFlags::empty(),
    )
}

/// `openat(2)`.
pub fn sys_openat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.u64(1), false)?;
    do_open(t, a.fd(0), &path, a.u32(2), a.u32(3), ResolveFlags::empty())
}

/// `creat(2)`: `open` with `O_CREAT|O_WRONLY|O_TRUNC`.
pub fn sys_creat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = path_arg(t, a.u64(0), false)?;
    let flags = (OpenFlags::O_CREAT | OpenFlags::O_WRONLY | OpenFlags::O_TRUNC).bits();
    do_open(t, AT_FDCWD, &path, flags, a.u32(1), ResolveFlags::empty())
}

/// `openat2(2)`: strict validation of `open_how` (unknown flag or resolve
/// bits and a mode without `O_CREAT`/`O_TMPFILE` give `EINVAL`, a larger
/// struct with non-zero tail gives `E2BIG`).
pub fn sys_openat2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.u64(3);
    if size < OPEN_HOW_SIZE_VER0 {
        return Err(Errno::EINVAL);
    }
    if size > OPEN_HOW_SIZE_MAX {
        return Err(Errno::E2BIG);
    }
    let how = a.ptr::<open_how>(2).read(t.mem())?;
    if size > OPEN_HOW_SIZE_VER0 {
        let tail = crate::usermem::UserSlice::new(
            a.u64(2) + OPEN_HOW_SIZE_VER0,
            size - OPEN_HOW_SIZE_VER0,
        );
        if tail.read_all(t.mem())?.iter().any(|&b| b != 0) {
            return Err(Errno::E2BIG);
        }
    }
    let flags = u32::try_from(how.flags).map_err(|_| Errno::EINVAL)?;
    if flags & !OpenFlags::all().bits() != 0 {
        return Err(Errno::EINVAL);
    }
    let oflags = OpenFlags::from_bits_truncate(flags);
    let creating = oflags.intersects(OpenFlags::O_CREAT | OpenFlags::O_TMPFILE);
    if how.mode & !0o7777 != 0 || (!creating && how.mode != 0) {
        return Err(Errno::EINVAL);
    }
    let resolve = ResolveFlags::from_bits(how.resolve).ok_or(Errno::EINVAL)?;
    if resolve.contains(ResolveFlags::RESOLVE_BENEATH | ResolveFlags::RESOLVE_IN_ROOT) {
        return Err(Errno::EINVAL);
    }
    let path = path_arg(t, a.u64(1), false)?;
    do_open(t, a.fd(0), &path, flags, how.mode as u32, resolve)
}

/// `close(2)`: also drops the caller's POSIX locks on the file.
pub fn sys_close(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    t.fds.remove(a.fd(0))?;
    super::lock::release_on_close(t, &file);
    SysRet::ZERO
}

/// `close_range(2)`: `EINVAL` for unknown flags or `first > last`.
pub fn sys_close_range(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (first, last, flags) = (a.u32(0), a.u32(1), a.u32(2));
    if flags & !(CLOSE_RANGE_UNSHARE | CLOSE_RANGE_CLOEXEC) != 0 || first > last {
        return Err(Errno::EINVAL);
    }
    let first = i32::try_from(first).unwrap_or(i32::MAX);
    let last = i32::try_from(last).unwrap_or(i32::MAX);
    let closed = t
        .fds
        .close_range(first, last, flags & CLOSE_RANGE_CLOEXEC != 0);
    drop(closed);
    SysRet::ZERO
}

/// `dup(2)`.
pub fn sys_dup(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let limit = t.nofile();
    let fd = t.fds.insert(file, false, limit)?;
    Ok(SysRet::Value(fd as u64))
}

fn dup_to(t: &mut Task, old: i32, new: i32, cloexec: bool) -> SysResult {
    let file = t.file(old)?;
    let limit = t.nofile();
    let replaced = t.fds.insert_at(new, file, cloexec, limit)?;
    drop(replaced);
    Ok(SysRet::Value(new as u64))
}

/// `dup2(2)`: `dup2(fd, fd)` checks `fd` and returns it.
pub fn sys_dup2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new) = (a.fd(0), a.fd(1));
    if old == new {
        t.file(old)?;
        return Ok(SysRet::Value(new as u64));
    }
    dup_to(t, old, new, false)
}

/// `dup3(2)`: `EINVAL` for equal descriptors or flags other than `O_CLOEXEC`.
pub fn sys_dup3(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (old, new, flags) = (a.fd(0), a.fd(1), a.u32(2));
    if flags & !OpenFlags::O_CLOEXEC.bits() != 0 || old == new {
        return Err(Errno::EINVAL);
    }
    dup_to(t, old, new, flags != 0)
}

/// Whether an owner names a live thread, process or process group
/// (pid 0, no owner, counts as live).
fn owner_exists(t: &Task, o: &f_owner_ex) -> bool {
    let k = t.kernel().clone();
    let table = k.table();
    match o.type_ {
        _ if o.pid == 0 => true,
        F_OWNER_PGRP => o.pid > 0 && !table.group_members(o.pid).is_empty(),
        _ => o.pid > 0 && table.pid_of(o.pid).is_some(),
    }
}

/// The owner as `F_GETOWN_EX` reports it: pid 0 once the thread, process
/// or group is gone (Linux holds a `struct pid`, which no longer resolves
/// then).
fn owner_now(t: &Task, fd: i32) -> Result<f_owner_ex, Errno> {
    let mut o = t.file(fd)?.owner();
    if !owner_exists(t, &o) {
        o.pid = 0;
    }
    Ok(o)
}

/// `f_setown_ex`'s checks: a known type (`EINVAL`) and an existing
/// thread, process or group (`ESRCH`); pid 0 clears the owner.
fn set_owner(t: &Task, fd: i32, o: f_owner_ex) -> SysResult {
    let file = t.file(fd)?;
    if !matches!(o.type_, F_OWNER_TID | F_OWNER_PID | F_OWNER_PGRP) {
        return Err(Errno::EINVAL);
    }
    if !owner_exists(t, &o) {
        return Err(Errno::ESRCH);
    }
    file.set_owner(o);
    SysRet::ZERO
}

/// `F_SETOWN`: `who` > 0 names a process, < 0 a process group, 0 clears
/// the owner; `EINVAL` for `INT_MIN`.
fn setown(t: &Task, fd: i32, who: i32) -> SysResult {
    t.file(fd)?;
    let o = match who {
        i32::MIN => return Err(Errno::EINVAL),
        w if w < 0 => f_owner_ex {
            type_: F_OWNER_PGRP,
            pid: -w,
        },
        w => f_owner_ex {
            type_: F_OWNER_PID,
            pid: w,
        },
    };
    set_owner(t, fd, o)
}

/// `fcntl(2)`: descriptor flags, status flags, duplication and record
/// locks, pipe sizes, the `F_SETOWN`/`F_SETOWN_EX` owner (recorded; no
/// `SIGIO` is sent). Leases, `F_SETSIG` and seals give `EINVAL`.
pub fn sys_fcntl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, cmd, arg) = (a.fd(0), a.u32(1), a.u64(2));
    match cmd {
        F_DUPFD | F_DUPFD_CLOEXEC => {
            let file = t.file(fd)?;
            let min = i32::try_from(arg as u32).map_err(|_| Errno::EINVAL)?;
            let limit = t.nofile();
            let new = t
                .fds
                .insert_from(min, file, cmd == F_DUPFD_CLOEXEC, limit)?;
            Ok(SysRet::Value(new as u64))
        }
        F_GETFD => Ok(SysRet::Value(u64::from(t.fds.entry(fd)?.cloexec))),
        F_SETFD => {
            t.fds.set_cloexec(fd, arg & FD_CLOEXEC != 0)?;
            SysRet::ZERO
        }
        F_GETFL => {
            let file = t.file(fd)?;
            Ok(SysRet::Value(u64::from(file.status_flags().bits())))
        }
        F_SETFL => {
            let file = t.file(fd)?;
            file.set_status_flags(OpenFlags::from_bits_truncate(arg as u32));
            SysRet::ZERO
        }
        F_GETLK | F_SETLK | F_SETLKW | F_OFD_GETLK | F_OFD_SETLK | F_OFD_SETLKW => {
            super::lock::fcntl_lock(t, a, cmd)
        }
        F_GETOWN => {
            let o = owner_now(t, fd)?;
            let who = if o.type_ == F_OWNER_PGRP {
                -o.pid
            } else {
                o.pid
            };
            Ok(SysRet::Value(i64::from(who) as u64))
        }
        F_SETOWN => setown(t, fd, arg as u32 as i32),
        F_GETOWN_EX => {
            let o = owner_now(t, fd)?;
            a.ptr::<f_owner_ex>(2).write(t.mem(), &o)?;
            SysRet::ZERO
        }
        F_SETOWN_EX => {
            let o = a.ptr::<f_owner_ex>(2).read(t.mem())?;
            set_owner(t, fd, o)
        }
        F_GETPIPE_SZ => Ok(SysRet::Value(t.file(fd)?.imp().pipe_size()? as u64)),
        F_SETPIPE_SZ => {
            let privileged = t.creds.is_privileged();
            let size = t.file(fd)?.imp().set_pipe_size(arg as u32, privileged)?;
            Ok(SysRet::Value(size as u64))
        }
        _ => {
            t.file(fd)?;
            Err(Errno::EINVAL)
        }
    }
}

/// The terminal requests of `ioctl(2)` on a registered terminal, copying
/// the structs to and from guest memory.
fn tty_ioctl(
    t: &mut Task,
    a: &SyscallArgs,
    tty: &dyn crate::kernel::TtyOps,
    cmd: u32,
) -> SysResult {
    match cmd {
        TCGETS => {
            let v = tty.tcgets()?;
            a.ptr::<termios>(2).write(t.mem(), &v)?;
        }
        TIOCGWINSZ => {
            let v = tty.tiocgwinsz()?;
            a.ptr::<winsize>(2).write(t.mem(), &v)?;
        }
        TIOCSWINSZ => {
            let v = a.ptr::<winsize>(2).read(t.mem())?;
            tty.tiocswinsz(&v)?;
        }
        _ => {
            let v = a.ptr::<termios>(2).read(t.mem())?;
            tty.tcsets(cmd, &v)?;
        }
    }
    SysRet::ZERO
}

/// `ioctl(2)`: the generic descriptor requests (`FIOCLEX`, `FIONCLEX`,
/// `FIONBIO`, `FIOASYNC`, `FIONREAD`) here; the terminal requests
/// (`TCGETS`, `TCSETS*`, `TIOCGWINSZ`, `TIOCSWINSZ`) through the
/// description's registered [`crate::kernel::TtyOps`] when it has one;
/// everything else goes to the file (terminal requests on a non-terminal
/// give `ENOTTY`). A stream's `FIONREAD` is asked of the file, which
/// returns the byte count.
pub fn sys_ioctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (fd, cmd) = (a.fd(0), a.u32(1));
    let file = t.file(fd)?;
    match cmd {
        FIOCLEX | FIONCLEX => {
            t.fds.set_cloexec(fd, cmd == FIOCLEX)?;
            SysRet::ZERO
        }
        FIONBIO | FIOASYNC => {
            let on = a.ptr::<i32>(2).read(t.mem())? != 0;
            let bit = if cmd == FIONBIO {
                OpenFlags::O_NONBLOCK
            } else {
                OpenFlags::FASYNC
            };
            let mut flags = file.status_flags();
            flags.set(bit, on);
            file.set_status_flags(flags);
            SysRet::ZERO
        }
        FIONREAD => {
            let n = if file.imp().is_seekable() {
                let attr = file.stat()?;
                if attr.is_dir() {
                    return Err(Errno::ENOTTY);
                }
                attr.size.saturating_sub(file.offset())
            } else {
                // Streams answer with the byte count as the return value.
                file.ioctl(FIONREAD, 0)?
            };
            let n = n.min(i32::MAX as u64) as i32;
            a.ptr::<i32>(2).write(t.mem(), &n)?;
            SysRet::ZERO
        }
        TCGETS | TCSETS | TCSETSW | TCSETSF | TIOCGWINSZ | TIOCSWINSZ => {
            match t.kernel().tty(&file) {
                Some(tty) => tty_ioctl(t, a, &*tty, cmd),
                None => file.ioctl(cmd, a.u64(2)).map(SysRet::Value),
            }
        }
        _ => file.ioctl(cmd, a.u64(2)).map(SysRet::Value),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_open_flags_rejections() {
        let f = |bits: OpenFlags| check_open_flags(bits);
        assert_eq!(
            f(OpenFlags::O_CREAT | OpenFlags::O_DIRECTORY),
            Err(Errno::EINVAL)
        );
        // O_PATH drops O_CREAT before the check.
        let path = OpenFlags::O_PATH | OpenFlags::O_CREAT | OpenFlags::O_DIRECTORY;
        assert_eq!(f(path), Ok(()));
        assert_eq!(f(OpenFlags::O_TMPFILE), Err(Errno::EINVAL));
        assert_eq!(f(OpenFlags::O_TMPFILE | OpenFlags::O_RDWR), Ok(()));
        assert_eq!(f(OpenFlags::O_TMPFILE | OpenFlags::O_WRONLY), Ok(()));
        let bare = OpenFlags::from_bits_truncate(O_TMPFILE_BIT | OpenFlags::O_RDWR.bits());
        assert_eq!(f(bare), Err(Errno::EINVAL));
        assert_eq!(f(OpenFlags::O_CREAT | OpenFlags::O_RDWR), Ok(()));
    }
}
