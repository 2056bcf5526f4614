//! In-kernel copies between descriptors: `sendfile(2)` and
//! `copy_file_range(2)`, through a bounded Sentry buffer (the data never
//! reaches application memory).
//!
//! As in Linux, the source must support positioned reads: a regular file
//! (`sendfile` from a pipe is `EINVAL` there too; sockets, which Linux
//! can splice from, are `EINVAL` here). The destination of `sendfile` may
//! be any writable descriptor, a blocking pipe included.

use std::sync::Arc;

use abi::Errno;
use vfs::file::POLLOUT;
use vfs::{FileDescription, FileType, OpenFlags};

use super::read_write::{blocking, fsize_limit, wait_ready, CHUNK};
use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::{UserPtr, MAX_RW_COUNT};

/// Copies up to `count` bytes from `inf` at `in_pos` to `outf` (at
/// `out_pos`, or its file position), stopping at end of file or at the
/// first short or failed write; an error after some bytes moved returns
/// the count, as `do_splice_direct` does.
fn copy(
    t: &mut Task,
    inf: &FileDescription,
    in_pos: u64,
    outf: &FileDescription,
    out_pos: Option<u64>,
    count: u64,
) -> Result<u64, Errno> {
    let count = fsize_limit(t, outf, out_pos, false, count.min(MAX_RW_COUNT))?;
    let mut buf = vec![0u8; (count as usize).min(CHUNK)];
    let mut done = 0u64;
    while done < count {
        let want = ((count - done) as usize).min(CHUNK);
        let n = match inf.pread(&mut buf[..want], in_pos + done) {
            Ok(0) => break,
            Ok(n) => n.min(want),
            Err(_) if done > 0 => break,
            Err(e) => return Err(e),
        };
        let mut written = 0;
        while written < n {
            let at = out_pos.map(|p| p + done + written as u64);
            match outf.write_v2(&buf[written..n], at, false) {
                Ok(0) => break,
                Ok(w) => written += w,
                Err(Errno::EAGAIN) if blocking(outf) => {
                    if let Err(e) = wait_ready(t, outf, POLLOUT) {
                        return if done + written as u64 > 0 {
                            Ok(done + written as u64)
                        } else {
                            Err(e)
                        };
                    }
                }
                Err(_) if done + written as u64 > 0 => return Ok(done + written as u64),
                Err(e) => return Err(e),
            }
        }
        done += written as u64;
        if written < n {
            break;
        }
    }
    Ok(done)
}

/// A descriptor open for reading (`EBADF` otherwise).
fn readable(t: &Task, fd: i32) -> Result<Arc<FileDescription>, Errno> {
    let f = t.file(fd)?;
    if f.is_path_only() || !f.access_mode().readable() {
        return Err(Errno::EBADF);
    }
    Ok(f)
}

/// A descriptor open for writing (`EBADF` otherwise).
fn writable(t: &Task, fd: i32) -> Result<Arc<FileDescription>, Errno> {
    let f = t.file(fd)?;
    if f.is_path_only() || !f.access_mode().writable() {
        return Err(Errno::EBADF);
    }
    Ok(f)
}

/// Reads the `loff_t` at `p` (NULL: none); a negative one is `EINVAL`.
fn offset_in(t: &mut Task, p: UserPtr<i64>) -> Result<Option<u64>, Errno> {
    if p.is_null() {
        return Ok(None);
    }
    let v = p.read(t.mem())?;
    u64::try_from(v).map(Some).map_err(|_| Errno::EINVAL)
}

/// `sendfile(2)`: from `in_fd` at `*offset` (which is updated, the file
/// position untouched) or at its file position (which advances), to
/// `out_fd`. `EFAULT` for a bad offset pointer first, then `EBADF`,
/// `EINVAL` for a source without positioned reads or an `O_APPEND`
/// destination.
pub fn sys_sendfile(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (out_fd, in_fd, off_p, count) = (a.fd(0), a.fd(1), a.ptr::<i64>(2), a.u64(3));
    let explicit = offset_in(t, off_p)?;
    let inf = readable(t, in_fd)?;
    if !inf.imp().is_seekable() {
        return Err(if explicit.is_some() {
            Errno::ESPIPE
        } else {
            Errno::EINVAL
        });
    }
    let outf = writable(t, out_fd)?;
    if outf.status_flags().contains(OpenFlags::O_APPEND) && outf.imp().is_seekable() {
        return Err(Errno::EINVAL);
    }
    let pos = explicit.unwrap_or_else(|| inf.offset());
    let n = copy(t, &inf, pos, &outf, None, count)?;
    match explicit {
        Some(p) => off_p.write(t.mem(), &((p + n) as i64))?,
        None => {
            inf.seek((pos + n) as i64, vfs::file::SEEK_SET)?;
        }
    }
    Ok(SysRet::Value(n))
}

/// `copy_file_range(2)`: between two regular files, at the given offsets
/// (updated) or the file positions (advanced). `EINVAL` for flags,
/// `EBADF`, `EISDIR`/`EINVAL` for other file types, `EBADF` for an
/// `O_APPEND` destination, `EINVAL` for overlapping ranges of one file;
/// a source offset at or past its end copies nothing.
pub fn sys_copy_file_range(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (in_fd, in_p, out_fd, out_p) = (a.fd(0), a.ptr::<i64>(1), a.fd(2), a.ptr::<i64>(3));
    let (len, flags) = (a.u64(4), a.u32(5));
    if flags != 0 {
        return Err(Errno::EINVAL);
    }
    let inf = readable(t, in_fd)?;
    let outf = writable(t, out_fd)?;
    let in_pos = offset_in(t, in_p)?.unwrap_or_else(|| inf.offset());
    let out_pos = offset_in(t, out_p)?.unwrap_or_else(|| outf.offset());
    let (ia, oa) = (inf.stat()?, outf.stat()?);
    let (it, ot) = (ia.file_type(), oa.file_type());
    if it == Some(FileType::Directory) || ot == Some(FileType::Directory) {
        return Err(Errno::EISDIR);
    }
    if it != Some(FileType::Regular) || ot != Some(FileType::Regular) {
        return Err(Errno::EINVAL);
    }
    if outf.status_flags().contains(OpenFlags::O_APPEND) {
        return Err(Errno::EBADF);
    }
    let count = len.min(ia.size.saturating_sub(in_pos));
    let same = ia.dev == oa.dev && ia.ino == oa.ino;
    if same && out_pos < in_pos.saturating_add(count) && in_pos < out_pos.saturating_add(count) {
        return Err(Errno::EINVAL);
    }
    let n = if count == 0 {
        0
    } else {
        copy(t, &inf, in_pos, &outf, Some(out_pos), count)?
    };
    if n > 0 {
        if in_p.is_null() {
            inf.seek((in_pos + n) as i64, vfs::file::SEEK_SET)?;
        } else {
            in_p.write(t.mem(), &((in_pos + n) as i64))?;
        }
        if out_p.is_null() {
            outf.seek((out_pos + n) as i64, vfs::file::SEEK_SET)?;
        } else {
            out_p.write(t.mem(), &((out_pos + n) as i64))?;
        }
    }
    Ok(SysRet::Value(n))
}
