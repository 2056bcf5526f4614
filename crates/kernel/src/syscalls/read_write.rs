//! Data transfer: `read(2)`, `write(2)`, `readv(2)`, `writev(2)`,
//! `pread64(2)`, `pwrite64(2)`, `preadv(2)`, `pwritev(2)`, `preadv2(2)`,
//! `pwritev2(2)`, `lseek(2)`.
//!
//! Transfers go through a bounded Sentry buffer, chunk by chunk, so a
//! hostile length never makes the Sentry allocate more than [`CHUNK`]. A
//! seekable file keeps transferring while chunks come back full; a pipe or
//! terminal returns after the first chunk, as a single Linux `read` would.

use std::sync::Arc;

use abi::resource::{RLIMIT_FSIZE, RLIM_INFINITY};
use abi::signal::{siginfo_t, SIGPIPE, SIGXFSZ, SI_USER};
use abi::Errno;
use vfs::{FileDescription, FileType};

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::{check_range, copy_in_iovecs, UserSlice, MAX_RW_COUNT};

/// The largest piece moved per file call.
pub const CHUNK: usize = 64 * 1024;

const RWF_HIPRI: u32 = 0x01;
const RWF_DSYNC: u32 = 0x02;
const RWF_SYNC: u32 = 0x04;
const RWF_NOWAIT: u32 = 0x08;
const RWF_APPEND: u32 = 0x10;
const RWF_NOAPPEND: u32 = 0x20;
const RWF_ATOMIC: u32 = 0x40;
const RWF_DONTCACHE: u32 = 0x80;
const RWF_SUPPORTED: u32 = RWF_HIPRI
    | RWF_DSYNC
    | RWF_SYNC
    | RWF_NOWAIT
    | RWF_APPEND
    | RWF_NOAPPEND
    | RWF_ATOMIC
    | RWF_DONTCACHE;

/// Waits until `file` reports readiness for `mask` (`POLLIN`/`POLLOUT`):
/// files never block (the VFS contract: a stream with nothing to read
/// returns `EAGAIN`); the task sleeps on the file's wait queue, or polls
/// a file that has none ([`Task::wait_file`]). A signal interrupts the
/// wait (`ERESTARTSYS`).
///
/// A pipe while the sandbox has a single live task would wait forever, as
/// the application asked; the Sentry reports that deadlock, kills the
/// process and returns `EDEADLK` instead of hanging. (A task leaves the
/// table only after its descriptors are closed, so an exiting writer
/// cannot be mistaken for none.)
pub(super) fn wait_ready(t: &mut Task, file: &FileDescription, mask: u32) -> Result<(), Errno> {
    if crate::pipe::is_pipe(file) && t.kernel().table().tasks.len() <= 1 {
        t.kernel().debug_line(
            "blocking pipe I/O that only this single task could complete: deadlock, killing",
        );
        t.exit_group(crate::task::ExitStatus::Signaled {
            sig: abi::signal::SIGKILL,
            core: false,
        });
        return Err(Errno::EDEADLK);
    }
    t.wait_file(file, mask)
}

/// Whether an `EAGAIN` from `file` should wait rather than reach the
/// application (a blocking descriptor).
pub(super) fn blocking(file: &FileDescription) -> bool {
    !file.status_flags().contains(vfs::OpenFlags::O_NONBLOCK)
}

/// Reads from `file` (at `offset`, or the file position) into `dst`.
/// Returns the bytes transferred; a fault after some data moved returns the
/// partial count, as Linux does.
fn read_to_user(
    t: &mut Task,
    file: &FileDescription,
    dst: UserSlice,
    offset: Option<u64>,
) -> Result<u64, Errno> {
    let len = dst.len.min(MAX_RW_COUNT);
    check_range(dst.addr, len)?;
    let seekable = file.imp().is_seekable();
    let mut buf = vec![0u8; (len as usize).min(CHUNK)];
    let mut done = 0u64;
    loop {
        let want = ((len - done) as usize).min(CHUNK);
        let chunk = &mut buf[..want];
        let mut r = match offset {
            Some(off) => file.pread(chunk, off + done),
            None => file.read(chunk),
        };
        while r == Err(Errno::EAGAIN) && done == 0 && blocking(file) {
            wait_ready(t, file, vfs::file::POLLIN)?;
            r = match offset {
                Some(off) => file.pread(chunk, off + done),
                None => file.read(chunk),
            };
        }
        let n = match r {
            Ok(n) => n.min(want),
            Err(_) if done > 0 => return Ok(done),
            Err(e) => return Err(e),
        };
        if let Err(e) = t.mem().write_bytes(dst.addr + done, &chunk[..n]) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        done += n as u64;
        if n < want || done >= len || !seekable || want == 0 {
            return Ok(done);
        }
    }
}

/// `generic_write_check_limits`: a write to a regular file that would
/// start at or beyond `RLIMIT_FSIZE` fails with `EFBIG` and posts
/// `SIGXFSZ`; one that would cross it is shortened to end there.
pub(super) fn fsize_limit(
    t: &mut Task,
    file: &FileDescription,
    offset: Option<u64>,
    append: bool,
    len: u64,
) -> Result<u64, Errno> {
    let limit = t.tg().rlimits.get(RLIMIT_FSIZE).rlim_cur;
    if limit == RLIM_INFINITY || len == 0 {
        return Ok(len);
    }
    let attr = file.stat()?;
    if attr.file_type() != Some(FileType::Regular) {
        return Ok(len);
    }
    let pos = match offset {
        _ if append => attr.size,
        Some(off) => off,
        None => file.offset(),
    };
    if pos >= limit {
        let (pid, uid) = (t.pid(), t.creds.uid);
        t.post_signal(siginfo_t::new_kill(SIGXFSZ, SI_USER, pid, uid));
        return Err(Errno::EFBIG);
    }
    Ok(len.min(limit - pos))
}

/// Writes `src` to `file` (at `offset`, or the file position; at the end
/// when `append`). A broken pipe posts `SIGPIPE` to the caller, as Linux
/// does.
fn write_from_user(
    t: &mut Task,
    file: &FileDescription,
    src: UserSlice,
    offset: Option<u64>,
    append: bool,
) -> Result<u64, Errno> {
    let len = src.len.min(MAX_RW_COUNT);
    check_range(src.addr, len)?;
    let len = fsize_limit(t, file, offset, append, len)?;
    let mut buf = vec![0u8; (len as usize).min(CHUNK)];
    let mut done = 0u64;
    loop {
        let want = ((len - done) as usize).min(CHUNK);
        let chunk = &mut buf[..want];
        if let Err(e) = t.mem().read_bytes(src.addr + done, chunk) {
            return if done > 0 { Ok(done) } else { Err(e) };
        }
        let mut r = file.write_v2(chunk, offset.map(|o| o + done), append);
        while r == Err(Errno::EAGAIN) && blocking(file) {
            if let Err(e) = wait_ready(t, file, vfs::file::POLLOUT) {
                return if done > 0 { Ok(done) } else { Err(e) };
            }
            r = file.write_v2(chunk, offset.map(|o| o + done), append);
        }
        let n = match r {
            Ok(n) => n.min(want),
            Err(_) if done > 0 => return Ok(done),
            Err(e) => {
                if e == Errno::EPIPE {
                    let (pid, uid) = (t.pid(), t.creds.uid);
                    t.post_signal(siginfo_t::new_kill(SIGPIPE, SI_USER, pid, uid));
                }
                return Err(e);
            }
        };
        done += n as u64;
        // A blocking write to a stream (a pipe) goes on until everything is
        // written, as Linux's pipe_write; a short write elsewhere ends it.
        let keep_going = n > 0 && blocking(file) && !file.imp().is_seekable();
        if (n < want && !keep_going) || done >= len || want == 0 {
            return Ok(done);
        }
    }
}

fn offset_arg(off: i64) -> Result<u64, Errno> {
    u64::try_from(off).map_err(|_| Errno::EINVAL)
}

/// Runs `one` over the iovecs at `iov_addr` in turn, each at the file
/// position after the ones before (for `preadv`/`pwritev`): the total of a
/// run that stops at the first short transfer, or at an error after some
/// bytes moved; the error itself when the first iovec fails.
fn each_iovec(
    t: &mut Task,
    iov_addr: u64,
    cnt: u64,
    offset: Option<u64>,
    mut one: impl FnMut(&mut Task, UserSlice, Option<u64>) -> Result<u64, Errno>,
) -> SysResult {
    let iovs = copy_in_iovecs(t.mem(), iov_addr, cnt)?;
    let mut total = 0u64;
    for iov in iovs {
        let off = offset.map(|o| o + total);
        let n = match one(t, iov, off) {
            Ok(n) => n,
            Err(_) if total > 0 => break,
            Err(e) => return Err(e),
        };
        total += n;
        if n < iov.len {
            break;
        }
    }
    Ok(SysRet::Value(total))
}

fn readv_impl(
    t: &mut Task,
    file: &Arc<FileDescription>,
    iov_addr: u64,
    cnt: u64,
    offset: Option<u64>,
) -> SysResult {
    each_iovec(t, iov_addr, cnt, offset, |t, iov, off| {
        read_to_user(t, file, iov, off)
    })
}

fn writev_impl(
    t: &mut Task,
    file: &Arc<FileDescription>,
    iov_addr: u64,
    cnt: u64,
    offset: Option<u64>,
    append: bool,
) -> SysResult {
    each_iovec(t, iov_addr, cnt, offset, |t, iov, off| {
        write_from_user(t, file, iov, off, append)
    })
}

/// `read(2)`.
pub fn sys_read(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    read_to_user(t, &file, a.slice(1, 2), None).map(SysRet::Value)
}

/// `write(2)`.
pub fn sys_write(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let append = file.is_append();
    write_from_user(t, &file, a.slice(1, 2), None, append).map(SysRet::Value)
}

/// `pread64(2)`: `EINVAL` for a negative offset, `ESPIPE` on pipes.
pub fn sys_pread64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let off = offset_arg(a.i64(3))?;
    read_to_user(t, &file, a.slice(1, 2), Some(off)).map(SysRet::Value)
}

/// `pwrite64(2)`.
pub fn sys_pwrite64(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let off = offset_arg(a.i64(3))?;
    let append = file.is_append();
    write_from_user(t, &file, a.slice(1, 2), Some(off), append).map(SysRet::Value)
}

/// `readv(2)`.
pub fn sys_readv(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    readv_impl(t, &file, a.u64(1), a.u64(2), None)
}

/// `writev(2)`.
pub fn sys_writev(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let append = file.is_append();
    writev_impl(t, &file, a.u64(1), a.u64(2), None, append)
}

/// `preadv(2)`: the offset is argument 3 (the high half, argument 4, is
/// unused on 64-bit).
pub fn sys_preadv(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let off = offset_arg(a.i64(3))?;
    readv_impl(t, &file, a.u64(1), a.u64(2), Some(off))
}

/// `pwritev(2)`.
pub fn sys_pwritev(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let off = offset_arg(a.i64(3))?;
    let append = file.is_append();
    writev_impl(t, &file, a.u64(1), a.u64(2), Some(off), append)
}

/// The offset of `preadv2`/`pwritev2`: -1 means the file position.
fn v2_offset(a: &SyscallArgs) -> Result<Option<u64>, Errno> {
    if a.u32(5) & !RWF_SUPPORTED != 0 {
        return Err(Errno::EOPNOTSUPP);
    }
    match a.i64(3) {
        -1 => Ok(None),
        off => offset_arg(off).map(Some),
    }
}

/// `preadv2(2)`: `RWF_*` flags are accepted (they only tune caching and
/// blocking, which the Sentry's files do not distinguish); unknown ones give
/// `EOPNOTSUPP`.
pub fn sys_preadv2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let off = v2_offset(a)?;
    readv_impl(t, &file, a.u64(1), a.u64(2), off)
}

/// `pwritev2(2)`: `RWF_APPEND` writes at the end of the file for this
/// call, `RWF_NOAPPEND` ignores `O_APPEND` for it (`kiocb_set_rw_flags`).
pub fn sys_pwritev2(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    let off = v2_offset(a)?;
    let flags = a.u32(5);
    let append = flags & RWF_APPEND != 0 || (file.is_append() && flags & RWF_NOAPPEND == 0);
    writev_impl(t, &file, a.u64(1), a.u64(2), off, append)
}

/// `lseek(2)`: `SEEK_SET/CUR/END/DATA/HOLE`; `EINVAL` for a bad whence or a
/// negative result, `ESPIPE` on pipes.
pub fn sys_lseek(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let file = t.file(a.fd(0))?;
    file.seek(a.i64(1), a.u32(2)).map(SysRet::Value)
}
