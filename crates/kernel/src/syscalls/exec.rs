//! `execve(2)`, `execveat(2)`.

use abi::Errno;

use super::at::{fd_location, path_arg, start_dir, with_vfs};
use super::{SysResult, SysRet, SyscallArgs};
use crate::exec::{execve, ExecRequest};
use crate::limits::RLIMIT_STACK;
use crate::task::Task;
use crate::usermem::{copy_in_path, copy_in_string_array};
use vfs::AtFlags;

/// What a successful `execve` does to the process: the other threads are
/// killed and waited for, and a non-leader caller takes over the leader's
/// tid (Linux's `de_thread`), a `vfork` parent is released, and
/// the process is marked as having exec'd (`setpgid` by its parent then
/// fails with `EACCES`).
fn after_exec(t: &mut Task) {
    let (pid, tid) = (t.pid(), t.tid);
    let k = t.kernel().clone();
    k.kill_other_threads(pid, tid);
    let _ = t.block_killable(|t| {
        t.kernel()
            .table()
            .groups
            .get(&pid)
            .is_none_or(|g| g.threads.len() <= 1)
    });
    if tid != pid {
        if let Some(h) = k.take_over_leader(pid, tid) {
            t.change_tid(pid, h);
        }
    }
    if let Some(v) = t.vfork_done.take() {
        v.release();
    }
    let mut table = k.table();
    if let Some(g) = table.groups.get_mut(&pid) {
        g.execed = true;
    }
}

/// `execve(2)`: on success the new program starts with the registers
/// `execve` set up (so `rax` is left alone); on failure the caller gets
/// Linux's errno (`ENOENT`, `EACCES`, `ENOEXEC`, `E2BIG`, `ELOOP`, ...).
pub fn sys_execve(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let path = copy_in_path(t.mem(), a.u64(0))?;
    if path.is_empty() {
        return Err(Errno::ENOENT);
    }
    run_exec(t, path, None, a.u64(1), a.u64(2))
}

/// Copies in `argv` and `envp` and replaces the program with `path`
/// (relative to `dir`, or the cwd).
fn run_exec(
    t: &mut Task,
    path: Vec<u8>,
    dir: Option<vfs::PathRef>,
    argv: u64,
    envp: u64,
) -> SysResult {
    let limit = elf::arg_limit(t.tg().rlimits.get(RLIMIT_STACK).rlim_cur) as usize;
    let argv = copy_in_string_array(t.mem(), argv, limit)?;
    let envp = copy_in_string_array(t.mem(), envp, limit)?;
    let req = ExecRequest {
        path,
        dir,
        argv,
        envp,
    };
    match execve(t, req) {
        Ok(()) => {
            after_exec(t);
            Ok(SysRet::Keep)
        }
        Err(e) => {
            t.kernel().debug_line(&format!("execve: {e}"));
            Err(e.errno())
        }
    }
}

/// `execveat(2)`: `execve` relative to `dirfd`; with `AT_EMPTY_PATH` and
/// an empty path, the file `dirfd` refers to (named by its path, which is
/// what `AT_EXECFN` then shows); with `AT_SYMLINK_NOFOLLOW`, a final
/// symbolic link is `ELOOP`. Other flags: `EINVAL`.
pub fn sys_execveat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (dirfd, flags) = (a.i32(0), a.u32(4));
    let known = AtFlags::AT_EMPTY_PATH | AtFlags::AT_SYMLINK_NOFOLLOW;
    let flags = AtFlags::from_bits(flags)
        .filter(|f| known.contains(*f))
        .ok_or(Errno::EINVAL)?;
    let path = path_arg(t, a.u64(1), flags.contains(AtFlags::AT_EMPTY_PATH))?;
    if path.is_empty() {
        let at = fd_location(t, dirfd)?;
        let abs = crate::path::d_path(&at, &t.fs.root);
        return run_exec(t, abs, None, a.u64(2), a.u64(3));
    }
    let dir = start_dir(t, dirfd, &path)?;
    if flags.contains(AtFlags::AT_SYMLINK_NOFOLLOW) {
        let at = with_vfs(t, |v, c| {
            v.resolve(c, &dir, &path, AtFlags::AT_SYMLINK_NOFOLLOW)
        })?;
        if at.inode().stat()?.file_type() == Some(vfs::FileType::Symlink) {
            return Err(Errno::ELOOP);
        }
    }
    run_exec(t, path, Some(dir), a.u64(2), a.u64(3))
}
