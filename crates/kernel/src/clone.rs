//! Creating tasks (`clone`, `fork`, `vfork`, `clone3`) and running each on
//! its own Sentry thread until it exits.
//!
//! A new process gets a copy-on-write copy of the address space in a new
//! platform address space; a new thread shares the caller's. Either way
//! the task gets its own platform context and its own host thread (named
//! `task-<tid>`), which runs [`task_main`]: the run loop, then the exit
//! path (clear-child-tid wake-up, `vfork` release, resources dropped,
//! parent notified).

use std::sync::{Arc, Mutex};

use abi::sched::CloneFlags;
use abi::signal::{valid_signal, SIGCHLD, SIGKILL};
use abi::Errno;

use crate::kernel::Kernel;
use crate::memory::TaskMemory;
use crate::run::RunError;
use crate::task::{ExitStatus, Task, TaskInit, ThreadGroup};
use crate::tasks::{GroupEntry, INIT_PID};
use crate::usermem::UserPtr;

/// A `vfork` parent's wait: released when the child execs or exits.
#[derive(Debug)]
pub struct VforkDone {
    done: Mutex<bool>,
    parent: Arc<crate::tasks::TaskHandle>,
}

impl VforkDone {
    /// Releases the parent (idempotent).
    pub fn release(&self) {
        let mut d = match self.done.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        *d = true;
        drop(d);
        vfs::waitq::Notify::notify(&*self.parent.waiter, vfs::waitq::EVENTS_ALL);
    }

    fn is_done(&self) -> bool {
        match self.done.lock() {
            Ok(g) => *g,
            Err(p) => *p.into_inner(),
        }
    }
}

/// A `clone` request after decoding (`clone(2)` or `clone3(2)`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CloneRequest {
    /// The flags, without the exit signal.
    pub flags: CloneFlags,
    /// The signal the parent gets when a new process ends.
    pub exit_signal: i32,
    /// The child's stack pointer (0: the parent's).
    pub stack: u64,
    /// `CLONE_PARENT_SETTID` target, in the parent.
    pub parent_tid: u64,
    /// `CLONE_CHILD_SETTID`/`CLONE_CHILD_CLEARTID` target, in the child.
    pub child_tid: u64,
    /// `CLONE_SETTLS` value (the new `fs` base).
    pub tls: u64,
    /// `CLONE_PIDFD`: where the parent gets the child's pidfd.
    pub pidfd: u64,
}

/// Checks flag combinations as Linux's `copy_process` does. Namespaces
/// are not offered: creating one fails with `EPERM`, as for a process
/// without `CAP_SYS_ADMIN`; `CLONE_INTO_CGROUP` is not implemented and
/// fails with `EINVAL`.
pub fn validate(req: &CloneRequest, caller_pid: i32) -> Result<(), Errno> {
    let f = req.flags;
    if f.contains(CloneFlags::CLONE_NEWNS | CloneFlags::CLONE_FS)
        || f.contains(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_FS)
    {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::CLONE_THREAD) && !f.contains(CloneFlags::CLONE_SIGHAND) {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::CLONE_SIGHAND) && !f.contains(CloneFlags::CLONE_VM) {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::CLONE_SIGHAND | CloneFlags::CLONE_CLEAR_SIGHAND) {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::CLONE_THREAD)
        && f.intersects(CloneFlags::CLONE_NEWUSER | CloneFlags::CLONE_NEWPID)
    {
        return Err(Errno::EINVAL);
    }
    // Init of a PID namespace cannot create siblings.
    if f.contains(CloneFlags::CLONE_PARENT) && caller_pid == INIT_PID {
        return Err(Errno::EINVAL);
    }
    if f.contains(CloneFlags::CLONE_INTO_CGROUP)
        || (f.contains(CloneFlags::CLONE_PIDFD)
            && f.intersects(CloneFlags::CLONE_THREAD | CloneFlags::CLONE_DETACHED))
    {
        return Err(Errno::EINVAL);
    }
    if req.exit_signal != 0 && !valid_signal(req.exit_signal) {
        return Err(Errno::EINVAL);
    }
    if f.intersects(CloneFlags::NAMESPACES) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

/// Creates the task `req` describes, starts it on its own Sentry thread
/// and returns its tid; a `vfork` caller returns only once the child has
/// exec'd or exited. `EAGAIN` beyond the kernel's task limit, or beyond
/// `RLIMIT_NPROC` for a caller other than root (every sandbox process has
/// the same user, so all tasks count).
pub fn do_clone(t: &mut Task, req: CloneRequest) -> Result<i32, Errno> {
    validate(&req, t.pid())?;
    let f = req.flags;
    let k = t.kernel().clone();
    let live = k.table().tasks.len();
    let nproc = t.tg().rlimits.get(crate::limits::RLIMIT_NPROC).rlim_cur;
    if live >= k.config().max_tasks || (t.creds.euid != 0 && live as u64 >= nproc) {
        return Err(Errno::EAGAIN);
    }
    let tid = k.alloc_pid();

    let mem = if f.contains(CloneFlags::CLONE_VM) {
        t.mem.clone()
    } else {
        let child_mm = t.mem.mm().fork()?;
        t.mem.sync()?;
        let space = k
            .platform()
            .new_address_space()
            .map_err(|_| Errno::EAGAIN)?;
        TaskMemory::new(child_mm, space, t.mem.memfile.clone())
    };
    let context = k.platform().new_context().map_err(|_| Errno::EAGAIN)?;
    let fds = if f.contains(CloneFlags::CLONE_FILES) {
        t.fds.clone()
    } else {
        Arc::new((*t.fds).clone())
    };

    let (tg, group) = if f.contains(CloneFlags::CLONE_THREAD) {
        (t.tg.clone(), None)
    } else {
        let parent_tg = t.tg();
        let (ppid, parent) = if f.contains(CloneFlags::CLONE_PARENT) {
            (parent_tg.ppid, parent_tg.ppid)
        } else {
            (parent_tg.pid, parent_tg.pid)
        };
        let mut child = ThreadGroup::new(tid, ppid, parent_tg.pgid, parent_tg.sid);
        child.handlers = parent_tg.handlers.clone();
        if f.contains(CloneFlags::CLONE_CLEAR_SIGHAND) {
            child.handlers.reset_for_exec();
        }
        child.rlimits = parent_tg.rlimits.clone();
        drop(parent_tg);
        let tg = Arc::new(Mutex::new(child));
        // A sibling signals the common parent as the caller would.
        let exit_signal = if f.contains(CloneFlags::CLONE_PARENT) {
            let me = t.pid();
            k.table().groups.get(&me).map_or(SIGCHLD, |g| g.exit_signal)
        } else {
            req.exit_signal
        };
        let entry = GroupEntry::new(tg.clone(), parent, exit_signal, t.creds.uid);
        (tg, Some(entry))
    };

    let init = TaskInit {
        tg,
        creds: t.creds.clone(),
        fs: t.fs.clone(),
        mem,
        context,
    };
    let mut child = Task::with_files(k.clone(), tid, init, fds, group);
    child.cpu = t.cpu.clone();
    child.cpu.regs.rax = 0;
    if req.stack != 0 {
        child.cpu.regs.rsp = req.stack;
    }
    if f.contains(CloneFlags::CLONE_SETTLS) {
        child.cpu.regs.fs_base = req.tls;
    }
    child.signals.mask = t.signals.mask;
    if !f.contains(CloneFlags::CLONE_VM) || f.contains(CloneFlags::CLONE_VFORK) {
        child.signals.altstack = t.signals.altstack;
    }
    child.comm = t.comm.clone();
    child.exe = t.exe.clone();
    child.argv = t.argv.clone();
    child.envp = t.envp.clone();
    child.auxv = t.auxv.clone();
    child.layout = t.layout;
    child.exe_at = t.exe_at.clone();
    child.prctl = t.prctl;
    child.prctl.pdeathsig = 0;
    if f.contains(CloneFlags::CLONE_CHILD_CLEARTID) {
        child.clear_child_tid = req.child_tid;
    }
    if f.contains(CloneFlags::CLONE_FS) {
        child.fs_shared = Some(t.share_fs());
    }
    child.publish();
    if f.contains(CloneFlags::CLONE_PARENT_SETTID) {
        UserPtr::<i32>::new(req.parent_tid).write(t.mem(), &tid)?;
    }
    if f.contains(CloneFlags::CLONE_CHILD_SETTID) {
        UserPtr::<i32>::new(req.child_tid).write(child.mem(), &tid)?;
    }
    let vfork = f.contains(CloneFlags::CLONE_VFORK).then(|| {
        Arc::new(VforkDone {
            done: Mutex::new(false),
            parent: t.handle.clone(),
        })
    });
    child.vfork_done = vfork.clone();
    if f.contains(CloneFlags::CLONE_PIDFD) {
        let opened = crate::syscalls::pidfd::open_pidfd(t, tid, false).and_then(|fd| {
            match UserPtr::<i32>::new(req.pidfd).write(t.mem(), &fd) {
                Ok(()) => Ok(fd),
                Err(e) => {
                    let _ = t.fds.remove(fd);
                    Err(e)
                }
            }
        });
        if let Err(e) = opened {
            drop(child);
            k.forget_task(tid, true);
            return Err(e);
        }
    }

    let thread = std::thread::Builder::new()
        .name(format!("task-{tid}"))
        .spawn(move || {
            let _ = task_main(child);
        });
    if thread.is_err() {
        // The child never ran: take it out of the table again.
        k.debug_line(&format!("cannot start a Sentry thread for task {tid}"));
        k.forget_task(tid, !f.contains(CloneFlags::CLONE_THREAD));
        return Err(Errno::EAGAIN);
    }
    if let Some(v) = vfork {
        // Only a fatal signal ends the wait early, as in Linux.
        let _ = t.block_killable(|_| v.is_done());
    }
    Ok(tid)
}

/// Runs `t` until it exits, then takes it down: clears and wakes
/// `clear_child_tid`, releases a `vfork` parent, drops the task's files
/// and address space, and records the exit in the process table. Returns
/// how the thread (or, if it was the last, its process) ended, or the
/// platform failure that stopped it.
pub fn task_main(mut t: Task) -> Result<ExitStatus, RunError> {
    // A Sentry bug that panics the run loop must still take the task out
    // of the table, or runsc would wait for it forever.
    let ran = match std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| t.run())) {
        Ok(r) => r.map_err(|e| e.to_string()),
        Err(_) => Err("the Sentry panicked".to_owned()),
    };
    let status = match &ran {
        Ok(s) => *s,
        Err(e) => {
            t.kernel()
                .debug_line(&format!("task {}: {e}: killing its process", t.tid));
            let killed = ExitStatus::Signaled {
                sig: SIGKILL,
                core: false,
            };
            t.exit_group(killed);
            killed
        }
    };
    t.release_on_exit();
    let k = t.kernel().clone();
    let (tid, tg) = (t.tid, t.tg.clone());
    let mut usage = t.times;
    usage.max_rss = usage.max_rss.max(t.mem.mm().resident_bytes());
    let view = t.hand_view_to_exit();
    view.release_files();
    drop(t);
    let end = k.exit_notify(tid, &tg, status, &usage, &view);
    ran.map(|_| end.unwrap_or(status)).map_err(RunError::Sentry)
}

impl Task {
    /// What a thread does with its own memory before it goes: mark the
    /// robust futexes it holds owner-died, zero the `clear_child_tid` word
    /// and wake one futex waiter on it (what `pthread_join` sleeps on),
    /// and release a `vfork` parent.
    pub fn release_on_exit(&mut self) {
        crate::futex::exit_robust_list(self);
        let addr = self.clear_child_tid;
        if addr != 0 {
            self.clear_child_tid = 0;
            if UserPtr::<u32>::new(addr).write(self.mem(), &0).is_ok() {
                let _ = crate::futex::wake(self, addr, false, 1, u32::MAX);
            }
        }
        if let Some(v) = self.vfork_done.take() {
            v.release();
        }
    }
}

impl Kernel {
    /// Runs the sandbox's init task on the calling thread, then waits until
    /// every other task is gone (init's end kills them) and returns how
    /// init ended.
    pub fn run_init(self: &Arc<Self>, init: Task) -> Result<ExitStatus, RunError> {
        let r = task_main(init);
        self.wait_all_gone();
        let status = self.table().groups.get(&INIT_PID).and_then(|g| g.zombie);
        r.map(|s| status.unwrap_or(s))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(flags: CloneFlags) -> CloneRequest {
        CloneRequest {
            flags,
            exit_signal: SIGCHLD,
            ..Default::default()
        }
    }

    #[test]
    fn flag_combinations_follow_linux() {
        use CloneFlags as F;
        assert_eq!(validate(&req(F::empty()), 2), Ok(()));
        let thread =
            F::CLONE_VM | F::CLONE_FS | F::CLONE_FILES | F::CLONE_SIGHAND | F::CLONE_THREAD;
        assert_eq!(validate(&req(thread), 2), Ok(()));
        assert_eq!(validate(&req(F::CLONE_THREAD), 2), Err(Errno::EINVAL));
        assert_eq!(validate(&req(F::CLONE_SIGHAND), 2), Err(Errno::EINVAL));
        assert_eq!(
            validate(&req(F::CLONE_NEWNS | F::CLONE_FS), 2),
            Err(Errno::EINVAL)
        );
        assert_eq!(validate(&req(F::CLONE_NEWNET), 2), Err(Errno::EPERM));
        assert_eq!(
            validate(&req(thread | F::CLONE_NEWPID), 2),
            Err(Errno::EINVAL)
        );
        assert_eq!(validate(&req(F::CLONE_PARENT), 1), Err(Errno::EINVAL));
        assert_eq!(validate(&req(F::CLONE_PARENT), 2), Ok(()));
        assert_eq!(validate(&req(F::CLONE_PIDFD), 2), Ok(()));
        assert_eq!(
            validate(&req(thread | F::CLONE_PIDFD), 2),
            Err(Errno::EINVAL)
        );
        let mut bad = req(F::empty());
        bad.exit_signal = 65;
        assert_eq!(validate(&bad, 2), Err(Errno::EINVAL));
        assert_eq!(validate(&req(F::CLONE_VM | F::CLONE_VFORK), 2), Ok(()));
    }
}
