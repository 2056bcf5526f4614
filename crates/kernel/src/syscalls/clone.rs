//! Process and thread creation: `clone(2)`, `fork(2)`, `vfork(2)`,
//! `clone3(2)`.

use abi::sched::{clone_args, CloneFlags, CLONE_ARGS_SIZE_VER0};
use abi::signal::SIGCHLD;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::clone::{do_clone, CloneRequest};
use crate::task::Task;

const PAGE_SIZE: u64 = 4096;

fn run(t: &mut Task, req: CloneRequest) -> SysResult {
    do_clone(t, req).map(|tid| SysRet::Value(tid as u64))
}

/// `clone(2)` (x86-64 argument order: flags, stack, parent_tid,
/// child_tid, tls). Unknown flag bits give `EINVAL`.
pub fn sys_clone(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (flags, exit_signal, unknown) = CloneFlags::split_clone(a.u64(0));
    if unknown != 0 || flags.contains(CloneFlags::CLONE_CLEAR_SIGHAND) {
        return Err(Errno::EINVAL);
    }
    // Both would use the parent_tid argument.
    if flags.contains(CloneFlags::CLONE_PIDFD | CloneFlags::CLONE_PARENT_SETTID) {
        return Err(Errno::EINVAL);
    }
    run(
        t,
        CloneRequest {
            flags,
            exit_signal: exit_signal as i32,
            stack: a.u64(1),
            parent_tid: a.u64(2),
            child_tid: a.u64(3),
            tls: a.u64(4),
            pidfd: a.u64(2),
        },
    )
}

/// `fork(2)`: `clone(SIGCHLD)`.
pub fn sys_fork(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    run(
        t,
        CloneRequest {
            exit_signal: SIGCHLD,
            ..Default::default()
        },
    )
}

/// `vfork(2)`: `clone(CLONE_VM | CLONE_VFORK | SIGCHLD)`; returns in the
/// parent once the child has exec'd or exited.
pub fn sys_vfork(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    run(
        t,
        CloneRequest {
            flags: CloneFlags::CLONE_VM | CloneFlags::CLONE_VFORK,
            exit_signal: SIGCHLD,
            ..Default::default()
        },
    )
}

/// `clone3(2)`: `EINVAL` below the first structure size, `E2BIG` above a
/// page or when bytes past the known fields are not zero. `set_tid`
/// (choosing the child's pid) needs `CAP_SYS_ADMIN` over the namespace:
/// `EPERM`.
pub fn sys_clone3(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.u64(1);
    if size < CLONE_ARGS_SIZE_VER0 as u64 {
        return Err(Errno::EINVAL);
    }
    if size > PAGE_SIZE {
        return Err(Errno::E2BIG);
    }
    let known = core::mem::size_of::<clone_args>() as u64;
    let raw = crate::usermem::UserSlice::new(a.u64(0), size).read_all(t.mem())?;
    if raw
        .get(known as usize..)
        .is_some_and(|rest| rest.iter().any(|&b| b != 0))
    {
        return Err(Errno::E2BIG);
    }
    let mut buf = [0u8; core::mem::size_of::<clone_args>()];
    let n = buf.len().min(raw.len());
    buf[..n].copy_from_slice(&raw[..n]);
    let ca: clone_args =
        zerocopy::FromBytes::read_from_bytes(&buf[..]).map_err(|_| Errno::EINVAL)?;
    let flags = CloneFlags::from_bits(ca.flags).ok_or(Errno::EINVAL)?;
    // A thread or a sibling gets no exit signal of its own.
    if ca.exit_signal > 64
        || (flags.intersects(CloneFlags::CLONE_THREAD | CloneFlags::CLONE_PARENT)
            && ca.exit_signal != 0)
    {
        return Err(Errno::EINVAL);
    }
    if (ca.stack == 0) != (ca.stack_size == 0) {
        return Err(Errno::EINVAL);
    }
    if ca.set_tid_size > 0 || ca.set_tid != 0 {
        return Err(Errno::EPERM);
    }
    run(
        t,
        CloneRequest {
            flags,
            exit_signal: ca.exit_signal as i32,
            stack: ca.stack.wrapping_add(ca.stack_size),
            parent_tid: ca.parent_tid,
            child_tid: ca.child_tid,
            tls: ca.tls,
            pidfd: ca.pidfd,
        },
    )
}
