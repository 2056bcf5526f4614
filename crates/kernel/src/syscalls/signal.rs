//! Signal dispositions, masks, sending and waiting:
//! `rt_sigaction(2)`, `rt_sigprocmask(2)`, `sigaltstack(2)`,
//! `rt_sigpending(2)`, `kill(2)`, `tgkill(2)`, `tkill(2)`,
//! `rt_sigqueueinfo(2)`, `rt_tgsigqueueinfo(2)`, `rt_sigsuspend(2)`,
//! `pause(2)`, `rt_sigtimedwait(2)`.

use abi::signal::{
    sigaction, siginfo_t, sigset_t, stack_t, valid_signal, MINSIGSTKSZ, SIG_BLOCK, SIG_SETMASK,
    SIG_UNBLOCK, SI_TKILL, SI_USER, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
};
use abi::time::timespec;
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::kill_perm::{self, KillTarget};
use crate::task::Task;

/// The only `sigsetsize` the kernel's `rt_*` calls accept on x86-64.
const SIGSET_SIZE: u64 = 8;

/// `rt_sigaction(2)`: `EINVAL` for a bad signal number or set size, or for
/// changing `SIGKILL`/`SIGSTOP`.
pub fn sys_rt_sigaction(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (sig, actp, oldp) = (a.i32(0), a.ptr::<sigaction>(1), a.ptr::<sigaction>(2));
    if a.u64(3) != SIGSET_SIZE || !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    let new = if actp.is_null() {
        None
    } else {
        Some(actp.read(t.mem())?)
    };
    let old = {
        let mut tg = t.tg();
        match new {
            Some(act) => {
                let old = tg.handlers.set(sig, act)?;
                let handlers = tg.handlers.clone();
                tg.pending.discard_ignored(&handlers);
                drop(tg);
                t.handle.pending().discard_ignored(&handlers);
                old
            }
            None => tg.handlers.get(sig)?,
        }
    };
    if !oldp.is_null() {
        oldp.write(t.mem(), &old)?;
    }
    SysRet::ZERO
}

/// `rt_sigprocmask(2)`: `SIGKILL` and `SIGSTOP` are silently never blocked.
pub fn sys_rt_sigprocmask(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (how, setp, oldp) = (a.i32(0), a.ptr::<sigset_t>(1), a.ptr::<sigset_t>(2));
    if a.u64(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let old = t.signals.mask;
    if !setp.is_null() {
        let set = setp.read(t.mem())?;
        let new = match how {
            SIG_BLOCK => old.union(set),
            SIG_UNBLOCK => old.difference(set),
            SIG_SETMASK => set,
            _ => return Err(Errno::EINVAL),
        };
        t.signals.mask = new.without_unblockable();
    }
    if !oldp.is_null() {
        oldp.write(t.mem(), &old)?;
    }
    SysRet::ZERO
}

fn on_altstack(ss: &stack_t, sp: u64) -> bool {
    ss.ss_flags & SS_DISABLE == 0 && sp > ss.ss_sp && sp - ss.ss_sp <= ss.ss_size
}

/// `sigaltstack(2)`: `EPERM` while running on the current alternate stack,
/// `EINVAL` for unknown flags, `ENOMEM` below `MINSIGSTKSZ`.
pub fn sys_sigaltstack(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (ssp, oldp) = (a.ptr::<stack_t>(0), a.ptr::<stack_t>(1));
    let cur = t.signals.altstack;
    let onstack = on_altstack(&cur, t.cpu.regs.rsp);
    if !ssp.is_null() {
        let ss = ssp.read(t.mem())?;
        if onstack {
            return Err(Errno::EPERM);
        }
        let mode = ss.ss_flags & !SS_AUTODISARM;
        if mode != 0 && mode != SS_DISABLE && mode != SS_ONSTACK {
            return Err(Errno::EINVAL);
        }
        t.signals.altstack = if mode == SS_DISABLE {
            stack_t {
                ss_flags: SS_DISABLE,
                ..stack_t::default()
            }
        } else {
            if ss.ss_size < MINSIGSTKSZ {
                return Err(Errno::ENOMEM);
            }
            stack_t {
                ss_sp: ss.ss_sp,
                ss_flags: ss.ss_flags & SS_AUTODISARM,
                _pad: 0,
                ss_size: ss.ss_size,
            }
        };
    }
    if !oldp.is_null() {
        let mut old = cur;
        if onstack {
            old.ss_flags |= SS_ONSTACK;
        }
        oldp.write(t.mem(), &old)?;
    }
    SysRet::ZERO
}

/// `rt_sigpending(2)`: the pending signals that are blocked.
pub fn sys_rt_sigpending(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(1) > SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set = t.pending_signals().intersection(t.signals.mask);
    let bytes = set.sig.to_le_bytes();
    let n = a.u64(1) as usize;
    a.slice(0, 1)
        .write_prefix(t.mem(), bytes.get(..n).ok_or(Errno::EINVAL)?)?;
    SysRet::ZERO
}

fn check_sig(sig: i32) -> Result<(), Errno> {
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    Ok(())
}

/// `kill(2)`: pid > 0 the process (or the process of that thread), 0 the
/// caller's process group, -1 every process but init and the caller,
/// < -1 the group `-pid`. Signal 0 only checks that the target exists.
/// Every process of the sandbox runs as the same user, so no permission
/// check can fail.
pub fn sys_kill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, sig) = (a.i32(0), a.i32(1));
    check_sig(sig)?;
    let info = siginfo_t::new_kill(sig, SI_USER, t.pid(), t.creds.uid);
    let (me, pgid) = (t.pid(), t.tg().pgid);
    let k = t.kernel().clone();
    let table = k.table();
    let pids: Vec<i32> = match pid {
        i32::MIN => return Err(Errno::ESRCH),
        p if p > 0 => vec![table.pid_of(p).ok_or(Errno::ESRCH)?],
        0 => table.group_members(pgid),
        -1 => table
            .groups
            .iter()
            .filter(|(&p, g)| p != crate::tasks::INIT_PID && p != me && g.zombie.is_none())
            .map(|(&p, _)| p)
            .collect(),
        p => table.group_members(-p),
    };
    let targets: Vec<KillTarget> = pids
        .iter()
        .filter_map(|&p| KillTarget::of(&table, p, None))
        .collect();
    drop(table);
    if targets.is_empty() {
        return Err(Errno::ESRCH);
    }
    // Linux: one process gives its error; a group succeeds when any member
    // took the signal; `-1` passes over the processes it may not signal.
    let mut allowed = Vec::with_capacity(targets.len());
    let mut denied = None;
    for tgt in &targets {
        match kill_perm::check(t, tgt, sig) {
            Ok(()) => allowed.push(tgt.pid),
            Err(e) => denied = Some(e),
        }
    }
    if allowed.is_empty() {
        return match denied {
            Some(e) if pid != -1 => Err(e),
            _ => SysRet::ZERO,
        };
    }
    let table = k.table();
    for p in allowed {
        table.send_to_group(p, info)?;
    }
    SysRet::ZERO
}

/// `EPERM` unless `t` may signal process `pid` (or its thread `tid`);
/// `ESRCH` when there is no such process.
fn check_target(t: &Task, pid: i32, tid: Option<i32>, sig: i32) -> Result<(), Errno> {
    let k = t.kernel().clone();
    let target = KillTarget::of(&k.table(), pid, tid).ok_or(Errno::ESRCH)?;
    kill_perm::check(t, &target, sig)
}

fn send_thread(t: &mut Task, tgid: Option<i32>, tid: i32, info: siginfo_t) -> SysResult {
    let k = t.kernel().clone();
    let pid = {
        let table = k.table();
        let h = table.tasks.get(&tid).ok_or(Errno::ESRCH)?;
        if tgid.is_some_and(|g| g != h.tg_pid()) {
            return Err(Errno::ESRCH);
        }
        h.tg_pid()
    };
    check_target(t, pid, Some(tid), info.si_signo)?;
    if !k.table().send_to_thread(tid, info)? {
        return Err(Errno::EAGAIN);
    }
    SysRet::ZERO
}

/// `tgkill(2)`: `EINVAL` for non-positive ids, `ESRCH` when `tid` is not a
/// live thread of `tgid`.
pub fn sys_tgkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.i32(0), a.i32(1), a.i32(2));
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    check_sig(sig)?;
    let info = siginfo_t::new_kill(sig, SI_TKILL, t.pid(), t.creds.uid);
    send_thread(t, Some(tgid), tid, info)
}

/// `tkill(2)`.
pub fn sys_tkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tid, sig) = (a.i32(0), a.i32(1));
    if tid <= 0 {
        return Err(Errno::EINVAL);
    }
    check_sig(sig)?;
    let info = siginfo_t::new_kill(sig, SI_TKILL, t.pid(), t.creds.uid);
    send_thread(t, None, tid, info)
}

/// Reads a caller-built `siginfo_t` for the `*sigqueueinfo` calls: only a
/// process signalling itself may claim a kernel or `SI_TKILL` origin
/// (`EPERM`).
fn user_info(
    t: &mut Task,
    a: &SyscallArgs,
    i: usize,
    sig: i32,
    target: i32,
) -> Result<siginfo_t, Errno> {
    check_sig(sig)?;
    let mut info = a.ptr::<siginfo_t>(i).read(t.mem())?;
    if (info.si_code >= 0 || info.si_code == SI_TKILL) && target != t.pid() {
        return Err(Errno::EPERM);
    }
    info.si_signo = sig;
    Ok(info)
}

/// `rt_sigqueueinfo(2)`: a process-directed signal with the caller's
/// `siginfo_t`; `EAGAIN` when the real-time queue is full.
pub fn sys_rt_sigqueueinfo(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, sig) = (a.i32(0), a.i32(1));
    let info = user_info(t, a, 2, sig, pid)?;
    let k = t.kernel().clone();
    let p = k.table().pid_of(pid).ok_or(Errno::ESRCH)?;
    check_target(t, p, None, sig)?;
    if !k.table().send_to_group(p, info)? {
        return Err(Errno::EAGAIN);
    }
    SysRet::ZERO
}

/// `rt_tgsigqueueinfo(2)`: the same, to one thread of `tgid`.
pub fn sys_rt_tgsigqueueinfo(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.i32(0), a.i32(1), a.i32(2));
    if tgid <= 0 || tid <= 0 {
        return Err(Errno::EINVAL);
    }
    let info = user_info(t, a, 3, sig, tgid)?;
    send_thread(t, Some(tgid), tid, info)
}

/// `rt_sigsuspend(2)`: waits with a temporary mask until a signal is
/// delivered; always "fails" (`EINTR` after the handler).
pub fn sys_rt_sigsuspend(t: &mut Task, a: &SyscallArgs) -> SysResult {
    if a.u64(1) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set = a.ptr::<sigset_t>(0).read(t.mem())?;
    let old = t.signals.mask;
    t.signals.saved_mask = Some(old);
    t.signals.mask = set.without_unblockable();
    let r = t.block(None, |_| None::<()>);
    debug_assert!(r.is_err());
    Err(Errno::ERESTARTNOHAND)
}

/// `pause(2)`: waits until a signal is delivered.
pub fn sys_pause(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    let _ = t.block(None, |_| None::<()>);
    Err(Errno::ERESTARTNOHAND)
}

/// `rt_sigtimedwait(2)`: takes a pending signal of `set` (the caller
/// normally blocks them), waiting up to the timeout (`EAGAIN`); another
/// deliverable signal interrupts the wait (`EINTR`).
pub fn sys_rt_sigtimedwait(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (setp, infop, tsp) = (
        a.ptr::<sigset_t>(0),
        a.ptr::<siginfo_t>(1),
        a.ptr::<timespec>(2),
    );
    if a.u64(3) != SIGSET_SIZE {
        return Err(Errno::EINVAL);
    }
    let set = setp.read(t.mem())?.without_unblockable();
    let deadline = if tsp.is_null() {
        None
    } else {
        let d = super::time::valid(&tsp.read(t.mem())?)?;
        Some(super::time::deadline_after(d))
    };
    let info = match t.block(deadline, |t| t.dequeue_signal(set)) {
        Ok(i) => i,
        Err(Errno::ETIMEDOUT) => return Err(Errno::EAGAIN),
        Err(Errno::ERESTARTSYS) => return Err(Errno::EINTR),
        Err(e) => return Err(e),
    };
    if !infop.is_null() {
        infop.write(t.mem(), &info)?;
    }
    Ok(SysRet::Value(info.si_signo as u64))
}

/// `rt_sigreturn(2)`: returns from a handler by restoring the frame
/// `setup_frame` pushed; a frame that cannot be read gets `SIGSEGV`, as
/// Linux does.
pub fn sys_rt_sigreturn(t: &mut Task, _a: &SyscallArgs) -> SysResult {
    if crate::sigframe::restore_frame(t).is_err() {
        t.force_signal(siginfo_t::new_kill(
            abi::signal::SIGSEGV,
            abi::signal::SI_KERNEL,
            0,
            0,
        ));
    }
    Ok(SysRet::Keep)
}
