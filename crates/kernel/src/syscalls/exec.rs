//! `execve(2)`.

use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::exec::{execve, ExecRequest};
use crate::limits::RLIMIT_STACK;
use crate::task::Task;
use crate::usermem::{copy_in_path, copy_in_string_array};

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
        Ok(()) => Ok(SysRet::Keep),
        Err(e) => {
            t.kernel().debug_line(&format!("execve: {e}"));
            Err(e.errno())
        }
    }
}
