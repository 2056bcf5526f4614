//! Signal dispositions, masks and self-directed signals:
//! `rt_sigaction(2)`, `rt_sigprocmask(2)`, `sigaltstack(2)`,
//! `rt_sigpending(2)`, `kill(2)`, `tgkill(2)`, `tkill(2)`.

use abi::signal::{
    sigaction, siginfo_t, sigset_t, stack_t, valid_signal, MINSIGSTKSZ, SIG_BLOCK, SIG_SETMASK,
    SIG_UNBLOCK, SI_TKILL, SI_USER, SS_AUTODISARM, SS_DISABLE, SS_ONSTACK,
};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
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
                drop(tg);
                t.signals.discard_ignored(&handlers);
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
    let set = t.signals.pending().intersection(t.signals.mask);
    let bytes = set.sig.to_le_bytes();
    let n = a.u64(1) as usize;
    a.slice(0, 1)
        .write_prefix(t.mem(), bytes.get(..n).ok_or(Errno::EINVAL)?)?;
    SysRet::ZERO
}

fn send_self(t: &mut Task, sig: i32, code: i32) -> SysResult {
    if sig == 0 {
        return SysRet::ZERO;
    }
    if !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    let (pid, uid) = (t.pid(), t.creds.uid);
    t.signals.post(siginfo_t::new_kill(sig, code, pid, uid));
    SysRet::ZERO
}

/// `kill(2)`: the sandbox's only process is the caller, so `pid` must name
/// it (its pid, 0, -1 or minus its process group); `ESRCH` otherwise.
pub fn sys_kill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (pid, sig) = (a.i32(0), a.i32(1));
    if sig != 0 && !valid_signal(sig) {
        return Err(Errno::EINVAL);
    }
    let (me, pgid) = (t.pid(), t.tg().pgid);
    let ours = pid == me || pid == 0 || pid == -1 || (pid < -1 && pid.checked_neg() == Some(pgid));
    if !ours {
        return Err(Errno::ESRCH);
    }
    send_self(t, sig, SI_USER)
}

/// `tgkill(2)`: `EINVAL` for non-positive ids, `ESRCH` for other threads.
pub fn sys_tgkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tgid, tid, sig) = (a.i32(0), a.i32(1), a.i32(2));
    if tgid <= 0 || tid <= 0 || (sig != 0 && !valid_signal(sig)) {
        return Err(Errno::EINVAL);
    }
    if tgid != t.pid() || tid != t.tid {
        return Err(Errno::ESRCH);
    }
    send_self(t, sig, SI_TKILL)
}

/// `tkill(2)`.
pub fn sys_tkill(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (tid, sig) = (a.i32(0), a.i32(1));
    if tid <= 0 || (sig != 0 && !valid_signal(sig)) {
        return Err(Errno::EINVAL);
    }
    if tid != t.tid {
        return Err(Errno::ESRCH);
    }
    send_self(t, sig, SI_TKILL)
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
