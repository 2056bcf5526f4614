//! Thread and process lifetime and per-thread settings: `exit(2)`,
//! `exit_group(2)`, `restart_syscall(2)`, `arch_prctl(2)`, `set_tid_address(2)`,
//! `set_robust_list(2)`, `sched_getaffinity(2)`, `sched_yield(2)`,
//! `getcpu(2)`, `prctl(2)`.

use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::{ExitStatus, Task};
use crate::usermem::{copy_in_cstring, TASK_SIZE};

const ARCH_SET_GS: u32 = 0x1001;
const ARCH_SET_FS: u32 = 0x1002;
const ARCH_GET_FS: u32 = 0x1003;
const ARCH_GET_GS: u32 = 0x1004;
const ARCH_GET_CPUID: u32 = 0x1011;
const ARCH_SET_CPUID: u32 = 0x1012;

/// `sizeof(struct robust_list_head)` on x86-64.
const ROBUST_LIST_HEAD_SIZE: u64 = 24;

/// `exit(2)`: ends the calling thread; the last thread ends the process.
pub fn sys_exit(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.exit_thread(ExitStatus::Exited(a.i32(0) as u8));
    Ok(SysRet::Keep)
}

/// `exit_group(2)`: ends every thread of the process.
pub fn sys_exit_group(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.exit_group(ExitStatus::Exited(a.i32(0) as u8));
    Ok(SysRet::Keep)
}

/// `restart_syscall(2)`: resumes what a signal interrupted (the sleep of
/// `nanosleep`/`clock_nanosleep`, a timed `poll`) with the time left;
/// with nothing to resume, `EINTR`.
pub fn sys_restart_syscall(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    use crate::restart::RestartBlock;
    match t.restart.take() {
        Some(RestartBlock::Sleep { deadline, rem }) => super::time::sleep_until(t, deadline, rem),
        Some(RestartBlock::Poll {
            addr,
            nfds,
            deadline,
        }) => match super::poll::do_poll(t, addr, nfds, Some(deadline)) {
            Err(Errno::ERESTARTNOHAND) => {
                t.restart = Some(RestartBlock::Poll {
                    addr,
                    nfds,
                    deadline,
                });
                Err(Errno::ERESTART_RESTARTBLOCK)
            }
            r => r,
        },
        None => Err(Errno::EINTR),
    }
}

/// `arch_prctl(2)`: the `fs`/`gs` bases (`EPERM` for a non-canonical user
/// address, as Linux) and CPUID faulting, which is not available (`ENODEV`
/// to enable it, as on hardware without it). Other codes: `EINVAL`.
pub fn sys_arch_prctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (code, addr) = (a.u32(0), a.u64(1));
    match code {
        ARCH_SET_FS | ARCH_SET_GS => {
            if addr >= TASK_SIZE {
                return Err(Errno::EPERM);
            }
            if code == ARCH_SET_FS {
                t.cpu.regs.fs_base = addr;
            } else {
                t.cpu.regs.gs_base = addr;
            }
            SysRet::ZERO
        }
        ARCH_GET_FS | ARCH_GET_GS => {
            let v = if code == ARCH_GET_FS {
                t.cpu.regs.fs_base
            } else {
                t.cpu.regs.gs_base
            };
            a.ptr::<u64>(1).write(t.mem(), &v)?;
            SysRet::ZERO
        }
        ARCH_GET_CPUID => Ok(SysRet::Value(1)),
        ARCH_SET_CPUID => {
            if addr == 0 {
                Err(Errno::ENODEV)
            } else {
                SysRet::ZERO
            }
        }
        _ => Err(Errno::EINVAL),
    }
}

/// `set_tid_address(2)`: remembers where to clear the tid at exit; returns
/// the caller's tid.
pub fn sys_set_tid_address(t: &mut Task, a: &SyscallArgs) -> SysResult {
    t.clear_child_tid = a.u64(0);
    Ok(SysRet::Value(t.tid as u64))
}

/// `set_robust_list(2)`: `EINVAL` unless the length is the x86-64 head size.
pub fn sys_set_robust_list(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(1) != ROBUST_LIST_HEAD_SIZE {
        return Err(Errno::EINVAL);
    }
    t.robust_list = (a.u64(0), a.u64(1));
    SysRet::ZERO
}

/// `get_robust_list(2)` for the caller (pid 0 or its own tid).
pub fn sys_get_robust_list(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pid = a.i32(0);
    if pid != 0 && pid != t.tid {
        return Err(Errno::ESRCH);
    }
    let (head, len) = t.robust_list;
    a.ptr::<u64>(1).write(t.mem(), &head)?;
    a.ptr::<u64>(2)
        .write(t.mem(), &len.max(ROBUST_LIST_HEAD_SIZE))?;
    SysRet::ZERO
}

/// `sched_getaffinity(2)`: the host CPUs available to the sandbox
/// ([`crate::Config::cpus`]). `EINVAL` for a length not a multiple of 8 or
/// too small for the CPU numbers; returns the bytes written as the raw
/// syscall does.
pub fn sys_sched_getaffinity(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, len) = (a.i32(0), a.u64(1));
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    if pid != 0 && pid != t.tid && !t.kernel().table().tasks.contains_key(&pid) {
        return Err(Errno::ESRCH);
    }
    let cpus = &t.kernel().config().cpus;
    let max = cpus.iter().copied().max().unwrap_or(0);
    let need = (max / 64 + 1) as u64 * 8;
    if !len.is_multiple_of(8) || len < need {
        return Err(Errno::EINVAL);
    }
    let mut mask = vec![0u8; need as usize];
    for &c in cpus {
        if let Some(b) = mask.get_mut(c / 8) {
            *b |= 1 << (c % 8);
        }
    }
    a.slice(2, 1).write_prefix(t.mem(), &mask)?;
    Ok(SysRet::Value(need))
}

/// `sched_yield(2)`.
pub fn sys_sched_yield(_t: &mut Task, _a: &SyscallArgs) -> SysResult {
    std::thread::yield_now();
    SysRet::ZERO
}

/// `getcpu(2)`: the host CPU the Sentry thread serving the task is on (the
/// stub ran there or next to it), NUMA node 0.
pub fn sys_getcpu(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let cpu = rustix::thread::sched_getcpu() as u32;
    let (cpup, nodep) = (a.ptr::<u32>(0), a.ptr::<u32>(1));
    if !cpup.is_null() {
        cpup.write(t.mem(), &cpu)?;
    }
    if !nodep.is_null() {
        nodep.write(t.mem(), &0)?;
    }
    SysRet::ZERO
}

const PR_SET_PDEATHSIG: i32 = 1;
const PR_GET_PDEATHSIG: i32 = 2;
const PR_GET_DUMPABLE: i32 = 3;
const PR_SET_DUMPABLE: i32 = 4;
const PR_SET_NAME: i32 = 15;
const PR_SET_CHILD_SUBREAPER: i32 = 36;
const PR_GET_CHILD_SUBREAPER: i32 = 37;
const PR_GET_NAME: i32 = 16;
const PR_SET_NO_NEW_PRIVS: i32 = 38;
const PR_GET_NO_NEW_PRIVS: i32 = 39;
/// `TASK_COMM_LEN`.
const TASK_COMM_LEN: usize = 16;

/// `prctl(2)`: thread name, dumpable flag, no-new-privs, the parent-death
/// signal and the child-subreaper flag; the others are
/// [`super::prctl::sys_prctl_more`]'s.
pub fn sys_prctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    match a.i32(0) {
        PR_SET_NAME => {
            let name = match copy_in_cstring(t.mem(), a.u64(1), TASK_COMM_LEN, Errno::ENAMETOOLONG)
            {
                Ok(n) => n,
                Err(Errno::ENAMETOOLONG) => {
                    let mut buf = [0u8; TASK_COMM_LEN - 1];
                    a.slice(1, 1).read_prefix(t.mem(), &mut buf)?;
                    buf.to_vec()
                }
                Err(e) => return Err(e),
            };
            t.comm = name;
            t.publish();
            SysRet::ZERO
        }
        PR_GET_NAME => {
            let mut buf = [0u8; TASK_COMM_LEN];
            let n = t.comm.len().min(TASK_COMM_LEN - 1);
            buf[..n].copy_from_slice(&t.comm[..n]);
            a.ptr::<[u8; TASK_COMM_LEN]>(1).write(t.mem(), &buf)?;
            SysRet::ZERO
        }
        PR_GET_DUMPABLE => Ok(SysRet::Value(u64::from(t.prctl.dumpable))),
        PR_SET_DUMPABLE => match a.u64(1) {
            0 | 1 => {
                t.prctl.dumpable = a.u64(1) == 1;
                SysRet::ZERO
            }
            _ => Err(Errno::EINVAL),
        },
        PR_SET_NO_NEW_PRIVS => {
            if a.u64(1) != 1 || a.u64(2) != 0 || a.u64(3) != 0 || a.u64(4) != 0 {
                return Err(Errno::EINVAL);
            }
            t.prctl.no_new_privs = true;
            SysRet::ZERO
        }
        PR_GET_NO_NEW_PRIVS => {
            if a.u64(1) != 0 || a.u64(2) != 0 || a.u64(3) != 0 || a.u64(4) != 0 {
                return Err(Errno::EINVAL);
            }
            Ok(SysRet::Value(u64::from(t.prctl.no_new_privs)))
        }
        PR_SET_PDEATHSIG => {
            let sig = a.i32(1);
            if !(0..=abi::signal::NSIG).contains(&sig) {
                return Err(Errno::EINVAL);
            }
            t.prctl.pdeathsig = sig;
            t.handle
                .pdeathsig
                .store(sig, std::sync::atomic::Ordering::SeqCst);
            SysRet::ZERO
        }
        PR_SET_CHILD_SUBREAPER => {
            t.tg().child_subreaper = a.u64(1) != 0;
            SysRet::ZERO
        }
        PR_GET_CHILD_SUBREAPER => {
            let on = i32::from(t.tg().child_subreaper);
            a.ptr::<i32>(1).write(t.mem(), &on)?;
            SysRet::ZERO
        }
        PR_GET_PDEATHSIG => {
            let sig = t.prctl.pdeathsig;
            a.ptr::<i32>(1).write(t.mem(), &sig)?;
            SysRet::ZERO
        }
        _ => super::prctl::sys_prctl_more(t, a),
    }
}
