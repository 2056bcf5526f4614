//! Tasks and thread groups: the per-thread and per-process state the
//! system-call handlers work on.

use std::sync::{Arc, Mutex, MutexGuard};

use abi::Errno;
use platform::{Context, CpuState};
use vfs::{FileDescription, PathRef};

use crate::fdtable::FdTable;
use crate::kernel::Kernel;
use crate::limits::Rlimits;
use crate::memory::TaskMemory;
use crate::signals::{PendingSignals, SignalHandlers, SignalState};
use crate::tasks::{GroupEntry, TaskHandle};
use crate::usermem::UserMemory;
use crate::view::{ExecLayout, TaskSnapshot, TaskView};

/// How a thread group ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExitStatus {
    /// `exit`/`exit_group` with this status (the low 8 bits count).
    Exited(u8),
    /// Killed by a signal; `core` if its default action dumps core.
    Signaled {
        /// The signal.
        sig: i32,
        /// Whether the default action was "core".
        core: bool,
    },
}

impl ExitStatus {
    /// The `wait(2)` status word (`WIFEXITED`/`WIFSIGNALED` encodings).
    pub fn wait_status(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => i32::from(c) << 8,
            ExitStatus::Signaled { sig, core } => (sig & 0x7f) | if core { 0x80 } else { 0 },
        }
    }

    /// The status a shell shows for it (`$?`): the exit code, or
    /// `128 + sig` for a signal. `runsc` exits with this.
    pub fn shell_code(self) -> i32 {
        match self {
            ExitStatus::Exited(c) => i32::from(c),
            ExitStatus::Signaled { sig, .. } => 128 + sig,
        }
    }
}

/// User and group identities (`getresuid`, `getresgid`, `getgroups`).
#[derive(Clone, Debug, PartialEq, Eq, Default)]
pub struct Credentials {
    /// Real, effective and saved user id.
    pub uid: u32,
    /// Effective user id.
    pub euid: u32,
    /// Saved set-user-id.
    pub suid: u32,
    /// Real group id.
    pub gid: u32,
    /// Effective group id.
    pub egid: u32,
    /// Saved set-group-id.
    pub sgid: u32,
    /// Filesystem user id (follows `euid`; `setfsuid(2)`).
    pub fsuid: u32,
    /// Filesystem group id (follows `egid`; `setfsgid(2)`).
    pub fsgid: u32,
    /// Supplementary groups.
    pub groups: Vec<u32>,
}

/// Filesystem context: root, working directory and umask.
#[derive(Clone)]
pub struct FsContext {
    /// The root directory (`chroot`).
    pub root: PathRef,
    /// The working directory.
    pub cwd: PathRef,
    /// The file-creation mask.
    pub umask: u32,
}

/// State shared by the threads of one process.
#[derive(Debug)]
pub struct ThreadGroup {
    /// The process id (the leader's tid).
    pub pid: i32,
    /// The parent's process id (0 for init, as Linux shows it).
    pub ppid: i32,
    /// Process group and session ids.
    pub pgid: i32,
    /// Session id.
    pub sid: i32,
    /// Signal dispositions.
    pub handlers: SignalHandlers,
    /// Resource limits.
    pub rlimits: Rlimits,
    /// How the group ended, once it has (set by `exit_group` or a fatal
    /// signal; the other threads are being killed).
    pub exit: Option<ExitStatus>,
    /// Process-directed pending signals (`kill`, `rt_sigqueueinfo`).
    pub pending: PendingSignals,
    /// `ITIMER_REAL` (`alarm`, `setitimer`).
    pub itimer_real: Arc<crate::itimer::RealTimer>,
    /// POSIX timers (`timer_create`).
    pub posix_timers: Arc<crate::posix_timer::PosixTimers>,
    /// `PR_SET_CHILD_SUBREAPER`: orphaned descendants come to this process
    /// rather than to init.
    pub child_subreaper: bool,
    /// Stopped or not, and the stop/continue not yet reported to a wait.
    pub job: crate::jobctl::JobState,
    /// `membarrier(2)` registrations (`MEMBARRIER_CMD_REGISTER_*` bits).
    pub membarrier: u32,
}

impl ThreadGroup {
    /// A live process with default dispositions and limits.
    pub fn new(pid: i32, ppid: i32, pgid: i32, sid: i32) -> Self {
        ThreadGroup {
            pid,
            ppid,
            pgid,
            sid,
            handlers: SignalHandlers::default(),
            rlimits: Rlimits::default(),
            exit: None,
            pending: PendingSignals::default(),
            itimer_real: Arc::default(),
            posix_timers: Arc::default(),
            child_subreaper: false,
            job: crate::jobctl::JobState::default(),
            membarrier: 0,
        }
    }
}

/// One application thread.
pub struct Task {
    kernel: Arc<Kernel>,
    /// Thread id.
    pub tid: i32,
    /// The thread group (process).
    pub tg: Arc<Mutex<ThreadGroup>>,
    /// Identities.
    pub creds: Credentials,
    /// Open files (shared so observers can list them).
    pub fds: Arc<FdTable<Arc<FileDescription>>>,
    /// Root, cwd, umask.
    pub fs: FsContext,
    /// The address space.
    pub mem: TaskMemory,
    /// The platform context this thread runs in.
    pub context: Box<dyn Context>,
    /// Registers and FP state.
    pub cpu: CpuState,
    /// Blocked, pending and alternate-stack state.
    pub signals: SignalState,
    /// `set_tid_address`: cleared and futex-woken at exit.
    pub clear_child_tid: u64,
    /// `set_robust_list` head and length.
    pub robust_list: (u64, u64),
    /// `comm`: the thread name (at most 15 bytes).
    pub comm: Vec<u8>,
    /// The path of the running executable (`/proc/self/exe`).
    pub exe: Vec<u8>,
    /// The arguments of the last `execve`, for `/proc/self/cmdline`.
    pub argv: Vec<Vec<u8>>,
    /// The environment of the last `execve`.
    pub envp: Vec<Vec<u8>>,
    /// The auxiliary vector of the last `execve`.
    pub auxv: Vec<(u64, u64)>,
    /// Where the last `execve` put things.
    pub layout: ExecLayout,
    /// The executable's location.
    pub exe_at: Option<PathRef>,
    /// Set when this thread has exited; the run loop stops.
    pub exited: Option<ExitStatus>,
    /// `prctl` settings.
    pub prctl: PrctlState,
    /// CPU time accounting.
    pub times: TaskTimes,
    /// What other threads use to signal and wake this one.
    pub handle: Arc<TaskHandle>,
    /// Set in a `vfork` child: its parent waits until it execs or exits.
    pub vfork_done: Option<Arc<crate::clone::VforkDone>>,
    /// How `restart_syscall(2)` resumes an interrupted sleep.
    pub restart: Option<crate::restart::RestartBlock>,
    /// The context shared with `CLONE_FS` siblings and the generation of
    /// it that [`Task::fs`] copies.
    pub fs_shared: Option<(Arc<crate::fs_share::SharedFs>, u64)>,
    view: Arc<TaskView>,
    /// Set by [`Task::hand_view_to_exit`]: dropping the task leaves its
    /// view registered, for [`Kernel::exit_notify`] to keep or remove.
    view_handed_off: bool,
}

/// Per-thread `prctl(2)` settings.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PrctlState {
    /// `PR_SET_DUMPABLE`.
    pub dumpable: bool,
    /// `PR_SET_NO_NEW_PRIVS` (sticky).
    pub no_new_privs: bool,
    /// `PR_SET_PDEATHSIG`.
    pub pdeathsig: i32,
    /// The nice value (`setpriority`).
    pub nice: i32,
    /// `PR_SET_TIMERSLACK`, in nanoseconds.
    pub timer_slack_ns: u64,
    /// `personality(2)`'s persona.
    pub personality: u32,
    /// `ioprio_set(2)`'s I/O priority (0: none set).
    pub ioprio: u32,
    /// `sched_setscheduler(2)`'s policy (`SCHED_OTHER` is 0).
    pub sched_policy: i32,
}

impl Default for PrctlState {
    fn default() -> Self {
        PrctlState {
            dumpable: true,
            no_new_privs: false,
            pdeathsig: 0,
            nice: 0,
            timer_slack_ns: crate::syscalls::prctl::DEFAULT_TIMER_SLACK_NS,
            personality: 0,
            ioprio: 0,
            sched_policy: 0,
        }
    }
}

/// Where a task's time went, measured by the run loop.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TaskTimes {
    /// Time spent running application code (inside `Context::switch`).
    pub user: std::time::Duration,
    /// Time spent in the Sentry serving the task.
    pub system: std::time::Duration,
    /// Peak populated bytes of the address space seen so far.
    pub max_rss: u64,
}

impl core::fmt::Debug for Task {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Task")
            .field("tid", &self.tid)
            .finish_non_exhaustive()
    }
}

/// Everything needed to create the first task of a process.
pub struct TaskInit {
    /// The thread group it leads.
    pub tg: Arc<Mutex<ThreadGroup>>,
    /// Identities.
    pub creds: Credentials,
    /// Root, cwd, umask.
    pub fs: FsContext,
    /// Its (empty) address space.
    pub mem: TaskMemory,
    /// Its platform context.
    pub context: Box<dyn Context>,
}

impl Task {
    /// A new task with the given pieces, no open files and an all-zero CPU
    /// state (`execve` fills it).
    pub fn new(kernel: Arc<Kernel>, tid: i32, init: TaskInit) -> Task {
        Self::with_files(kernel, tid, init, Arc::new(FdTable::new()), None)
    }

    /// A new task over the descriptor table `fds` (shared or copied by
    /// `clone`). The task is entered in the kernel's table; `group` is its
    /// new process's entry (without it, a process not yet in the table is
    /// entered as a child of its `ppid`).
    pub fn with_files(
        kernel: Arc<Kernel>,
        tid: i32,
        init: TaskInit,
        fds: Arc<FdTable<Arc<FileDescription>>>,
        group: Option<GroupEntry>,
    ) -> Task {
        let handle = Arc::new(TaskHandle::new(
            tid,
            init.tg.clone(),
            init.context.interrupter(),
        ));
        let (pid, ppid) = {
            let tg = match init.tg.lock() {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
            (tg.pid, tg.ppid)
        };
        let group = group.or_else(|| {
            (!kernel.has_group(pid)).then(|| {
                GroupEntry::new(init.tg.clone(), ppid, abi::signal::SIGCHLD, init.creds.uid)
            })
        });
        kernel.register_task(handle.clone(), pid, group);
        let snapshot = TaskSnapshot {
            mm: init.mem.mm.clone(),
            comm: Vec::new(),
            exe: Vec::new(),
            argv: Vec::new(),
            envp: Vec::new(),
            auxv: Vec::new(),
            layout: ExecLayout::default(),
            exe_at: None,
            umask: init.fs.umask,
            cwd: init.fs.cwd.clone(),
            root: init.fs.root.clone(),
            creds: init.creds.clone(),
        };
        let view = Arc::new(TaskView::new(tid, init.tg.clone(), fds.clone(), snapshot));
        kernel.register_view(view.clone());
        Task {
            kernel,
            tid,
            tg: init.tg,
            creds: init.creds,
            fds,
            fs: init.fs,
            mem: init.mem,
            context: init.context,
            cpu: CpuState::new(0, 0),
            signals: SignalState::default(),
            clear_child_tid: 0,
            robust_list: (0, 0),
            comm: Vec::new(),
            exe: Vec::new(),
            argv: Vec::new(),
            envp: Vec::new(),
            auxv: Vec::new(),
            layout: ExecLayout::default(),
            exe_at: None,
            exited: None,
            prctl: PrctlState::default(),
            times: TaskTimes::default(),
            handle,
            vfork_done: None,
            restart: None,
            fs_shared: None,
            view,
            view_handed_off: false,
        }
    }

    /// Refreshes what observers see of this task after `execve`, a change
    /// of directory or name.
    pub fn publish(&self) {
        self.view.publish(TaskSnapshot {
            mm: self.mem.mm.clone(),
            comm: self.comm.clone(),
            exe: self.exe.clone(),
            argv: self.argv.clone(),
            envp: self.envp.clone(),
            auxv: self.auxv.clone(),
            layout: self.layout,
            exe_at: self.exe_at.clone(),
            umask: self.fs.umask,
            cwd: self.fs.cwd.clone(),
            root: self.fs.root.clone(),
            creds: self.creds.clone(),
        });
    }

    /// The kernel this task belongs to.
    pub fn kernel(&self) -> &Arc<Kernel> {
        &self.kernel
    }

    /// Locks the thread group. A poisoned lock (a Sentry thread panicked)
    /// still yields the state: it is plain data.
    pub fn tg(&self) -> MutexGuard<'_, ThreadGroup> {
        match self.tg.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The process id.
    pub fn pid(&self) -> i32 {
        self.tg().pid
    }

    /// The application's memory, for copy-in/out.
    pub fn mem(&mut self) -> &mut dyn UserMemory {
        &mut self.mem
    }

    /// The `RLIMIT_NOFILE` soft limit, the bound on descriptor numbers.
    pub fn nofile(&self) -> u64 {
        self.tg().rlimits.get(crate::limits::RLIMIT_NOFILE).rlim_cur
    }

    /// The open file behind `fd`, or `EBADF`.
    pub fn file(&self, fd: i32) -> Result<Arc<FileDescription>, Errno> {
        self.fds.get(fd)
    }

    /// Ends the whole thread group with `status` (`exit_group`, fatal
    /// signals): the other threads are killed; the run loop returns.
    pub fn exit_group(&mut self, status: ExitStatus) {
        let mut tg = self.tg();
        if tg.exit.is_none() {
            tg.exit = Some(status);
        }
        let s = tg.exit.unwrap_or(status);
        let pid = tg.pid;
        drop(tg);
        self.exited = Some(s);
        self.kernel.kill_other_threads(pid, self.tid);
    }

    /// Ends this thread only (`exit`); the process ends with it when it
    /// was the last one.
    pub fn exit_thread(&mut self, status: ExitStatus) {
        self.exited = Some(status);
    }

    /// Gives this thread the tid `tid` (a non-leader's `execve` takes over
    /// the leader's tid once the leader is gone): re-registers its view.
    /// The caller updates the process table.
    pub fn change_tid(&mut self, tid: i32, handle: Arc<TaskHandle>) {
        self.kernel.unregister_view(self.tid);
        self.tid = tid;
        self.handle = handle;
        let snapshot = self.view.snapshot();
        self.view = Arc::new(TaskView::new(
            tid,
            self.tg.clone(),
            self.fds.clone(),
            snapshot,
        ));
        self.kernel.register_view(self.view.clone());
    }

    /// Hands this exiting thread's view to [`Kernel::exit_notify`], which
    /// decides under the task table lock whether it goes (a thread) or
    /// stays as the zombie leader of a process whose other threads live
    /// on (so `/proc/<pid>` does not vanish with the leader, as Linux).
    pub fn hand_view_to_exit(&mut self) -> Arc<TaskView> {
        self.view_handed_off = true;
        self.view.clone()
    }

    /// Whether this thread leads its process (its tid is the pid).
    pub fn is_leader(&self) -> bool {
        self.tid == self.pid()
    }
}

impl Drop for Task {
    fn drop(&mut self) {
        if !self.view_handed_off {
            self.kernel.unregister_view(self.tid);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn exit_status_encodings() {
        assert_eq!(ExitStatus::Exited(3).shell_code(), 3);
        assert_eq!(ExitStatus::Exited(3).wait_status(), 0x300);
        let segv = ExitStatus::Signaled {
            sig: 11,
            core: true,
        };
        assert_eq!(segv.shell_code(), 139);
        assert_eq!(segv.wait_status(), 0x8b);
    }
}
