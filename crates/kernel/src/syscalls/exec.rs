//! `execve(2)`.

use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::exec::{execve, ExecRequest};
use crate::limits::RLIMIT_STACK;
use crate::task::Task;
use crate::usermem::{copy_in_path, copy_in_string_array};

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
    let limit = elf::arg_limit(t.tg().rlimits.get(RLIMIT_STACK).rlim_cur) as usize;
    let argv = copy_in_string_array(t.mem(), a.u64(1), limit)?;
    let envp = copy_in_string_array(t.mem(), a.u64(2), limit)?;
    let req = ExecRequest {
        path,
        dir: None,
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
