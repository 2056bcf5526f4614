//! The process table: every live thread and every process (live or
//! zombie) of the sandbox's PID namespace, the parent/child tree, and what
//! other threads need to reach a task (its pending signals, its waiter,
//! its interrupter). Linux's `tasklist_lock` and pid hash; gVisor's
//! `TaskSet`/`PIDNamespace`.
//!
//! Lock order: the table, then a thread group, then a task's pending set.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicBool, AtomicI32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use abi::signal::{
    siginfo_t, sigset_t, CLD_DUMPED, CLD_EXITED, CLD_KILLED, SIGCHLD, SIGKILL, SIG_IGN,
};
use abi::wait::WaitOptions;
use abi::Errno;
use platform::Interrupter;
use vfs::waitq::{Notify, EVENTS_ALL};

use crate::kernel::Kernel;
use crate::signals::{Disposition, PendingSignals};
use crate::task::{ExitStatus, Task, ThreadGroup};
use crate::waiter::Waiter;

/// `SA_NOCLDWAIT`: children of a process with this on `SIGCHLD` are reaped
/// automatically.
const SA_NOCLDWAIT: u64 = 2;
/// The pid of the namespace's init.
pub const INIT_PID: i32 = 1;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    match m.lock() {
        Ok(g) => g,
        Err(p) => p.into_inner(),
    }
}

/// What other threads hold of a task: enough to signal and wake it.
pub struct TaskHandle {
    /// Thread id.
    pub tid: i32,
    /// Its thread group.
    pub tg: Arc<Mutex<ThreadGroup>>,
    /// Signals sent to this thread only (`tgkill`, faults).
    pending: Mutex<PendingSignals>,
    /// Where it sleeps when blocked in the Sentry.
    pub waiter: Arc<Waiter>,
    /// Stops it when it runs application code.
    pub interrupter: Interrupter,
    /// Set when the rest of its process is going away without it (another
    /// thread called `exit_group` or `execve`): the thread just exits.
    zapped: AtomicBool,
    /// `PR_SET_PDEATHSIG`: the signal its process gets when its parent
    /// process ends (0: none).
    pub pdeathsig: AtomicI32,
}

impl core::fmt::Debug for TaskHandle {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("TaskHandle")
            .field("tid", &self.tid)
            .finish_non_exhaustive()
    }
}

impl TaskHandle {
    /// A handle for thread `tid` of `tg`, interrupted through `interrupter`.
    pub fn new(tid: i32, tg: Arc<Mutex<ThreadGroup>>, interrupter: Interrupter) -> Self {
        TaskHandle {
            tid,
            tg,
            pending: Mutex::new(PendingSignals::default()),
            waiter: Arc::new(Waiter::new()),
            interrupter,
            zapped: AtomicBool::new(false),
            pdeathsig: AtomicI32::new(0),
        }
    }

    /// The same thread under another tid, with its pending signals,
    /// waiter, interrupter and settings.
    pub fn renamed(&self, tid: i32) -> TaskHandle {
        TaskHandle {
            tid,
            tg: self.tg.clone(),
            pending: Mutex::new(self.pending().clone()),
            waiter: self.waiter.clone(),
            interrupter: self.interrupter.clone(),
            zapped: AtomicBool::new(self.is_zapped()),
            pdeathsig: AtomicI32::new(self.pdeathsig.load(Ordering::SeqCst)),
        }
    }

    /// Makes the thread exit at its next chance (Linux's
    /// `zap_other_threads`).
    pub fn zap(&self) {
        self.zapped.store(true, Ordering::SeqCst);
        self.kick();
    }

    /// Whether [`TaskHandle::zap`] was called.
    pub fn is_zapped(&self) -> bool {
        self.zapped.load(Ordering::SeqCst)
    }

    /// The thread's own pending set, locked.
    pub fn pending(&self) -> MutexGuard<'_, PendingSignals> {
        lock(&self.pending)
    }

    /// The pid of its process.
    pub fn tg_pid(&self) -> i32 {
        lock(&self.tg).pid
    }

    /// Makes the thread notice a change: wakes it if it sleeps in the
    /// Sentry, stops its application code if it runs.
    pub fn kick(&self) {
        self.waiter.notify(EVENTS_ALL);
        self.interrupter.interrupt();
    }
}

/// One process in the table.
#[derive(Debug)]
pub struct GroupEntry {
    /// Its thread group.
    pub tg: Arc<Mutex<ThreadGroup>>,
    /// The parent's pid (0 for init).
    pub parent: i32,
    /// Child processes, live or zombie.
    pub children: BTreeSet<i32>,
    /// Live threads.
    pub threads: BTreeSet<i32>,
    /// How it ended, once every thread is gone (a zombie until reaped).
    pub zombie: Option<ExitStatus>,
    /// The signal its parent gets when it ends (`SIGCHLD`, or clone's
    /// choice; 0 for none).
    pub exit_signal: i32,
    /// Real user id (for `siginfo_t`).
    pub uid: u32,
    /// User and system time of its exited threads.
    pub times: (Duration, Duration),
    /// Times of its reaped children (`RUSAGE_CHILDREN`).
    pub child_times: (Duration, Duration),
    /// Peak resident bytes of its threads' address spaces.
    pub max_rss: u64,
    /// The largest peak of its reaped children.
    pub child_max_rss: u64,
    /// Whether it has called `execve` since `fork` (`setpgid` says `EACCES`).
    pub execed: bool,
    /// What its pidfds learn of its end.
    pub exit_notice: Arc<crate::pidfd::ExitNotice>,
}

impl GroupEntry {
    /// A live process of `tg` with parent `parent` and no threads yet.
    pub fn new(tg: Arc<Mutex<ThreadGroup>>, parent: i32, exit_signal: i32, uid: u32) -> Self {
        GroupEntry {
            tg,
            parent,
            children: BTreeSet::new(),
            threads: BTreeSet::new(),
            zombie: None,
            exit_signal,
            uid,
            times: Default::default(),
            child_times: Default::default(),
            max_rss: 0,
            child_max_rss: 0,
            execed: false,
            exit_notice: Arc::default(),
        }
    }
}

/// Live threads and known processes.
#[derive(Debug, Default)]
pub struct TaskTable {
    /// Live threads by tid.
    pub tasks: BTreeMap<i32, Arc<TaskHandle>>,
    /// Processes (live and zombie) by pid.
    pub groups: BTreeMap<i32, GroupEntry>,
}

/// Which children a wait selects (`wait4`'s pid argument, `waitid`'s id).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitSelector {
    /// Any child.
    Any,
    /// The child with this pid.
    Pid(i32),
    /// Any child in this process group.
    Pgid(i32),
}

/// What a wait found a child doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum WaitEvent {
    /// It ended (a zombie, reaped unless `WNOWAIT`).
    Exited(ExitStatus),
    /// It was stopped by this signal (`WUNTRACED`).
    Stopped(i32),
    /// It was continued (`WCONTINUED`).
    Continued,
}

impl WaitEvent {
    /// The `wait4` status word.
    pub fn wait_status(self) -> i32 {
        match self {
            WaitEvent::Exited(s) => s.wait_status(),
            WaitEvent::Stopped(sig) => ((sig & 0xff) << 8) | 0x7f,
            WaitEvent::Continued => 0xffff,
        }
    }
}

/// A child that a wait found.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct WaitResult {
    /// Its pid.
    pub pid: i32,
    /// What happened to it.
    pub event: WaitEvent,
    /// Its real user id.
    pub uid: u32,
    /// Its user and system time (its reaped children's included).
    pub times: (Duration, Duration),
    /// Its peak resident bytes (or its largest reaped child's).
    pub max_rss: u64,
}

/// The `SIGCHLD` (or `waitid` report) for `event` of child `pid`.
pub fn chld_info(pid: i32, uid: u32, event: WaitEvent, times: (Duration, Duration)) -> siginfo_t {
    let ticks = |d: Duration| (d.as_millis() / 10) as i64;
    let (code, st) = match event {
        WaitEvent::Exited(ExitStatus::Exited(c)) => (CLD_EXITED, i32::from(c)),
        WaitEvent::Exited(ExitStatus::Signaled { sig, core: true }) => (CLD_DUMPED, sig),
        WaitEvent::Exited(ExitStatus::Signaled { sig, core: false }) => (CLD_KILLED, sig),
        WaitEvent::Stopped(sig) => (abi::signal::CLD_STOPPED, sig),
        WaitEvent::Continued => (abi::signal::CLD_CONTINUED, abi::signal::SIGCONT),
    };
    siginfo_t::new_chld(code, pid, uid, st, ticks(times.0), ticks(times.1))
}

impl TaskTable {
    /// Which of `parent`'s children `sel` and `opts` select (`__WCLONE`,
    /// `__WALL`: a "clone" child is one whose exit signal is not `SIGCHLD`).
    pub fn selected_children(&self, parent: i32, sel: WaitSelector, opts: WaitOptions) -> Vec<i32> {
        let Some(p) = self.groups.get(&parent) else {
            return Vec::new();
        };
        p.children
            .iter()
            .copied()
            .filter(|c| {
                let Some(e) = self.groups.get(c) else {
                    return false;
                };
                let chosen = match sel {
                    WaitSelector::Any => true,
                    WaitSelector::Pid(p) => *c == p,
                    WaitSelector::Pgid(g) => lock(&e.tg).pgid == g,
                };
                let clone_child = e.exit_signal != SIGCHLD;
                let kind = opts.contains(WaitOptions::__WALL)
                    || clone_child == opts.contains(WaitOptions::__WCLONE);
                chosen && kind
            })
            .collect()
    }

    /// One wait attempt by process `parent`: `ECHILD` when no child is
    /// selected, `None` when none has ended yet, else the first zombie,
    /// reaped unless `WNOWAIT`.
    pub fn try_wait(
        &mut self,
        parent: i32,
        sel: WaitSelector,
        opts: WaitOptions,
    ) -> Result<Option<WaitResult>, Errno> {
        let kids = self.selected_children(parent, sel, opts);
        if kids.is_empty() {
            return Err(Errno::ECHILD);
        }
        let found = kids.into_iter().find_map(|c| {
            let e = self.groups.get(&c)?;
            let times = (e.times.0 + e.child_times.0, e.times.1 + e.child_times.1);
            let event = match e.zombie {
                Some(st) if opts.contains(WaitOptions::WEXITED) => WaitEvent::Exited(st),
                Some(_) => return None,
                None => {
                    let mut tg = lock(&e.tg);
                    let consume = !opts.contains(WaitOptions::WNOWAIT);
                    let job = tg.job;
                    if let (true, Some(sig)) =
                        (opts.contains(WaitOptions::WSTOPPED), job.stop_report)
                    {
                        if consume {
                            tg.job.stop_report = None;
                        }
                        WaitEvent::Stopped(sig)
                    } else if opts.contains(WaitOptions::WCONTINUED) && job.cont_report {
                        if consume {
                            tg.job.cont_report = false;
                        }
                        WaitEvent::Continued
                    } else {
                        return None;
                    }
                }
            };
            Some(WaitResult {
                pid: c,
                event,
                uid: e.uid,
                times,
                max_rss: e.max_rss.max(e.child_max_rss),
            })
        });
        let Some(r) = found else {
            return Ok(None);
        };
        if matches!(r.event, WaitEvent::Exited(_)) && !opts.contains(WaitOptions::WNOWAIT) {
            self.reap(parent, r.pid);
            if let Some(p) = self.groups.get_mut(&parent) {
                p.child_times.0 += r.times.0;
                p.child_times.1 += r.times.1;
                p.child_max_rss = p.child_max_rss.max(r.max_rss);
            }
        }
        Ok(Some(r))
    }

    /// Who adopts the children of ending process `pid`: the nearest live
    /// ancestor marked `PR_SET_CHILD_SUBREAPER`, else init, else nobody
    /// (0) once init is gone.
    fn new_reaper(&self, pid: i32) -> i32 {
        let mut p = self.groups.get(&pid).map_or(0, |g| g.parent);
        while let Some(g) = self.groups.get(&p) {
            if g.zombie.is_none() && lock(&g.tg).child_subreaper {
                return p;
            }
            p = g.parent;
        }
        match self.groups.get(&INIT_PID) {
            Some(g) if pid != INIT_PID && g.zombie.is_none() => INIT_PID,
            _ => 0,
        }
    }

    /// Forgets zombie `pid`, child of `parent`.
    fn reap(&mut self, parent: i32, pid: i32) {
        if let Some(g) = self.groups.remove(&pid) {
            g.exit_notice.reaped();
        }
        if let Some(p) = self.groups.get_mut(&parent) {
            p.children.remove(&pid);
        }
    }

    /// Wakes every thread of process `pid` and stops its application code.
    pub fn kick_group(&self, pid: i32) {
        if let Some(g) = self.groups.get(&pid) {
            for t in &g.threads {
                if let Some(h) = self.tasks.get(t) {
                    h.kick();
                }
            }
        }
    }

    /// Wakes every thread of process `pid` (a child changed state, a
    /// sibling exited).
    pub fn wake_group(&self, pid: i32) {
        if let Some(g) = self.groups.get(&pid) {
            for t in &g.threads {
                if let Some(h) = self.tasks.get(t) {
                    h.waiter.notify(EVENTS_ALL);
                }
            }
        }
    }

    /// Sends `info` to process `pid` (process-directed: any thread that
    /// does not block it takes it). `SIGKILL` ends the group at once.
    /// Returns `false` when a real-time signal could not be queued.
    /// Zombies accept and drop signals, as Linux's do.
    pub fn send_to_group(&self, pid: i32, info: siginfo_t) -> Result<bool, Errno> {
        let g = self.groups.get(&pid).ok_or(Errno::ESRCH)?;
        if g.zombie.is_some() || info.si_signo == 0 {
            return Ok(true);
        }
        let mut tg = lock(&g.tg);
        let resumed = self.prepare_signal(pid, &mut tg, info.si_signo);
        let queued = if info.si_signo == SIGKILL {
            if tg.exit.is_none() {
                tg.exit = Some(ExitStatus::Signaled {
                    sig: SIGKILL,
                    core: false,
                });
            }
            drop(tg);
            for t in &g.threads {
                if let Some(h) = self.tasks.get(t) {
                    h.pending().post(info);
                }
            }
            true
        } else {
            let q = tg.pending.post(info);
            drop(tg);
            q
        };
        if let Some(code) = resumed {
            self.notify_parent_jobctl(pid, code, abi::signal::SIGCONT);
        }
        for t in &g.threads {
            if let Some(h) = self.tasks.get(t) {
                h.kick();
            }
        }
        Ok(queued)
    }

    /// Sends `info` to thread `tid` only.
    pub fn send_to_thread(&self, tid: i32, info: siginfo_t) -> Result<bool, Errno> {
        let h = self.tasks.get(&tid).ok_or(Errno::ESRCH)?;
        if info.si_signo == 0 {
            return Ok(true);
        }
        if info.si_signo == SIGKILL {
            // (The group lock must be released before sending.)
            let pid = h.tg_pid();
            return self.send_to_group(pid, info);
        }
        let (pid, resumed) = {
            let mut tg = lock(&h.tg);
            let pid = tg.pid;
            (pid, self.prepare_signal(pid, &mut tg, info.si_signo))
        };
        let q = h.pending().post(info);
        h.kick();
        if let Some(code) = resumed {
            self.notify_parent_jobctl(pid, code, abi::signal::SIGCONT);
            self.kick_group(pid);
        }
        Ok(q)
    }

    /// The process containing thread or process `id`.
    pub fn pid_of(&self, id: i32) -> Option<i32> {
        if self.groups.contains_key(&id) {
            return Some(id);
        }
        self.tasks.get(&id).map(|h| lock(&h.tg).pid)
    }

    /// Pids of the live processes in process group `pgid`.
    pub fn group_members(&self, pgid: i32) -> Vec<i32> {
        self.groups
            .iter()
            .filter(|(_, g)| lock(&g.tg).pgid == pgid)
            .map(|(&p, _)| p)
            .collect()
    }
}

impl Kernel {
    /// The process table, locked.
    pub fn table(&self) -> MutexGuard<'_, TaskTable> {
        lock(&self.table)
    }

    /// Adds a live thread, and its process when `group` is given (a new
    /// process also becomes a child of its parent).
    pub fn register_task(&self, handle: Arc<TaskHandle>, pid: i32, group: Option<GroupEntry>) {
        let mut t = self.table();
        if let Some(g) = group {
            if let Some(p) = t.groups.get_mut(&g.parent) {
                p.children.insert(pid);
            }
            t.groups.insert(pid, g);
        }
        if let Some(g) = t.groups.get_mut(&pid) {
            g.threads.insert(handle.tid);
        }
        t.tasks.insert(handle.tid, handle);
    }

    /// Takes a task that never ran out of the table (and its process,
    /// with `process`).
    pub fn forget_task(&self, tid: i32, process: bool) {
        let mut t = self.table();
        t.tasks.remove(&tid);
        if process {
            if let Some(g) = t.groups.remove(&tid) {
                if let Some(p) = t.groups.get_mut(&g.parent) {
                    p.children.remove(&tid);
                }
            }
        } else {
            for g in t.groups.values_mut() {
                g.threads.remove(&tid);
            }
        }
    }

    /// User and system time of the reaped children of process `pid`
    /// (`RUSAGE_CHILDREN`, `times`' `tms_cutime`/`tms_cstime`).
    pub fn child_times(&self, pid: i32) -> (Duration, Duration) {
        self.table()
            .groups
            .get(&pid)
            .map_or_else(Default::default, |g| g.child_times)
    }

    /// The largest peak resident size of the reaped children of `pid`.
    pub fn child_max_rss(&self, pid: i32) -> u64 {
        self.table().groups.get(&pid).map_or(0, |g| g.child_max_rss)
    }

    /// Moves the only thread left of process `pid`, `tid`, to the tid
    /// `pid` (Linux's `de_thread` for a non-leader `execve`). Returns its
    /// new handle, or `None` if it is not alone.
    pub fn take_over_leader(&self, pid: i32, tid: i32) -> Option<Arc<TaskHandle>> {
        let mut t = self.table();
        let g = t.groups.get(&pid)?;
        if g.threads.len() != 1 || !g.threads.contains(&tid) || t.tasks.contains_key(&pid) {
            return None;
        }
        let old = t.tasks.remove(&tid)?;
        let new = Arc::new(old.renamed(pid));
        t.tasks.insert(pid, new.clone());
        if let Some(g) = t.groups.get_mut(&pid) {
            g.threads.clear();
            g.threads.insert(pid);
        }
        Some(new)
    }

    /// Whether the table knows process `pid`.
    pub fn has_group(&self, pid: i32) -> bool {
        self.table().groups.contains_key(&pid)
    }

    /// Kills every thread of process `pid` but `except` (`exit_group`,
    /// a fatal signal, `execve`'s de-threading).
    pub fn kill_other_threads(&self, pid: i32, except: i32) {
        let t = self.table();
        let Some(g) = t.groups.get(&pid) else {
            return;
        };
        for tid in &g.threads {
            if *tid == except {
                continue;
            }
            if let Some(h) = t.tasks.get(tid) {
                h.zap();
            }
        }
    }

    /// Records that thread `tid` of `tg` is gone (its Sentry thread has
    /// released everything). The last thread turns the process into a
    /// zombie: its children go to init, its parent gets its exit signal
    /// and is woken. When init ends, every other task is killed. Returns
    /// the process's status when this was its last thread. The thread's
    /// `view` goes, except a leader's while other threads live: it stays,
    /// marked exited, until the last one (Linux keeps a zombie leader).
    pub fn exit_notify(
        &self,
        tid: i32,
        tg: &Arc<Mutex<ThreadGroup>>,
        status: ExitStatus,
        usage: &crate::task::TaskTimes,
        view: &crate::view::TaskView,
    ) -> Option<ExitStatus> {
        let mut t = self.table();
        t.tasks.remove(&tid);
        let pid = lock(tg).pid;
        let mut last = None;
        let others = t
            .groups
            .get(&pid)
            .is_some_and(|g| g.threads.iter().any(|&o| o != tid));
        if tid == pid && others {
            view.mark_exited();
        } else {
            self.unregister_view(tid);
            if !others && tid != pid {
                self.unregister_view(pid);
            }
        }
        if let Some(g) = t.groups.get_mut(&pid) {
            g.threads.remove(&tid);
            g.times.0 += usage.user;
            g.times.1 += usage.system;
            g.max_rss = g.max_rss.max(usage.max_rss);
            if g.threads.is_empty() && g.zombie.is_none() {
                let mut tgl = lock(tg);
                tgl.itimer_real.cancel();
                tgl.posix_timers.clear();
                crate::syscalls::sem::exit_undo(&self.sems, pid);
                let final_status = *tgl.exit.get_or_insert(status);
                drop(tgl);
                g.zombie = Some(final_status);
                g.exit_notice.exited();
                last = Some(final_status);
            }
        }
        t.wake_group(pid);
        if let Some(st) = last {
            self.process_ended(&mut t, pid, st);
        }
        if t.tasks.is_empty() {
            self.idle.notify_all();
        }
        last
    }

    fn process_ended(&self, t: &mut TaskTable, pid: i32, status: ExitStatus) {
        // Children go to the nearest live subreaper above, else to init
        // (or nowhere once init is gone).
        let kids: Vec<i32> = t
            .groups
            .get_mut(&pid)
            .map(|g| core::mem::take(&mut g.children).into_iter().collect())
            .unwrap_or_default();
        let reaper = t.new_reaper(pid);
        for &c in &kids {
            let sigs: Vec<i32> = t.groups.get(&c).map_or_else(Vec::new, |g| {
                g.threads
                    .iter()
                    .filter_map(|tid| t.tasks.get(tid))
                    .map(|h| h.pdeathsig.load(Ordering::SeqCst))
                    .filter(|&s| s != 0)
                    .collect()
            });
            for sig in sigs {
                let _ = t.send_to_group(c, siginfo_t::new_kill(sig, abi::signal::SI_USER, pid, 0));
            }
        }
        for c in kids {
            if let Some(e) = t.groups.get_mut(&c) {
                e.parent = reaper;
                lock(&e.tg).ppid = reaper;
            }
            if let Some(r) = t.groups.get_mut(&reaper) {
                r.children.insert(c);
            }
        }
        t.wake_group(reaper);
        let (parent, exit_signal, uid, times) = match t.groups.get(&pid) {
            Some(g) => (g.parent, g.exit_signal, g.uid, g.times),
            None => return,
        };
        if let Some(p) = t.groups.get(&parent) {
            let act = lock(&p.tg).handlers.get(SIGCHLD).unwrap_or_default();
            let autoreap = exit_signal == SIGCHLD
                && (act.sa_handler == SIG_IGN || act.sa_flags & SA_NOCLDWAIT != 0);
            if autoreap {
                t.reap(parent, pid);
            } else if abi::signal::valid_signal(exit_signal) {
                let _ = t.send_to_group(
                    parent,
                    chld_info(pid, uid, WaitEvent::Exited(status), times),
                );
            }
            t.wake_group(parent);
        }
        if pid == INIT_PID {
            // Linux's pid-namespace rule: init's death kills everyone.
            for (&other, _) in t
                .groups
                .iter()
                .filter(|(p, g)| **p != pid && g.zombie.is_none())
            {
                let _ = t.send_to_group(
                    other,
                    siginfo_t::new_kill(SIGKILL, abi::signal::SI_KERNEL, 0, 0),
                );
            }
        }
    }

    /// Blocks the caller until no task is left (every Sentry thread of the
    /// sandbox has finished).
    pub fn wait_all_gone(&self) {
        let mut t = self.table();
        while !t.tasks.is_empty() {
            t = match self.idle.wait(t) {
                Ok(g) => g,
                Err(p) => p.into_inner(),
            };
        }
    }
}

impl Task {
    /// Signals pending for this thread: its own and its process's.
    pub fn pending_signals(&self) -> sigset_t {
        let own = self.handle.pending().set();
        own.union(self.tg().pending.set())
    }

    /// Whether a pending signal is deliverable: not blocked and not
    /// ignored.
    pub fn signal_pending(&self) -> bool {
        let mut set = self
            .pending_signals()
            .difference(self.signals.mask.without_unblockable());
        if set.is_empty() {
            return false;
        }
        let tg = self.tg();
        while let Some(sig) = set.first() {
            if tg.handlers.disposition(sig) != Disposition::Ignore {
                return true;
            }
            set.remove(sig);
        }
        false
    }

    /// Whether `SIGKILL` is pending for this thread, or it was zapped.
    pub fn fatal_signal_pending(&self) -> bool {
        self.handle.is_zapped() || self.handle.pending().set().contains(SIGKILL)
    }

    /// Removes the lowest pending signal in `allowed`: the thread's own
    /// first, then its process's. A POSIX timer's signal gets its overrun
    /// count here, as Linux fills it in at dequeue.
    pub fn dequeue_signal(&mut self, allowed: sigset_t) -> Option<siginfo_t> {
        let own = self.handle.pending().dequeue_in(allowed);
        let mut info = match own {
            Some(i) => i,
            None => self.tg().pending.dequeue_in(allowed)?,
        };
        let timers = self.tg().posix_timers.clone();
        timers.on_dequeue(&mut info);
        Some(info)
    }

    /// Makes `info` pending for this thread.
    pub fn post_signal(&self, info: siginfo_t) {
        self.handle.pending().post(info);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table_with(children: &[(i32, i32, i32, Option<ExitStatus>)]) -> TaskTable {
        let mut t = TaskTable::default();
        let tg = |pid, pgid| Arc::new(Mutex::new(ThreadGroup::new(pid, 0, pgid, 1)));
        t.groups.insert(1, GroupEntry::new(tg(1, 1), 0, SIGCHLD, 0));
        for &(pid, pgid, sig, zombie) in children {
            let mut e = GroupEntry::new(tg(pid, pgid), 1, sig, 0);
            e.zombie = zombie;
            t.groups.insert(pid, e);
            t.groups.get_mut(&1).unwrap().children.insert(pid);
        }
        t
    }

    #[test]
    fn wait_selectors_pick_the_right_children() {
        let exited = Some(ExitStatus::Exited(7));
        let mut t = table_with(&[
            (2, 2, SIGCHLD, None),
            (3, 9, SIGCHLD, exited),
            (4, 9, 0, exited),
        ]);
        let w = WaitOptions::WEXITED;
        assert_eq!(t.try_wait(1, WaitSelector::Pid(2), w), Ok(None));
        assert_eq!(t.try_wait(1, WaitSelector::Pid(5), w), Err(Errno::ECHILD));
        assert_eq!(t.try_wait(2, WaitSelector::Any, w), Err(Errno::ECHILD));
        // WNOWAIT leaves the zombie in place.
        let r = t.try_wait(1, WaitSelector::Pgid(9), w | WaitOptions::WNOWAIT);
        assert_eq!(r.map(|r| r.map(|r| r.pid)), Ok(Some(3)));
        let r = t.try_wait(1, WaitSelector::Any, w).unwrap().unwrap();
        assert_eq!(
            (r.pid, r.event),
            (3, WaitEvent::Exited(ExitStatus::Exited(7)))
        );
        assert!(!t.groups.contains_key(&3));
        // Only the clone child (exit signal 0) is left ended: __WCLONE or __WALL.
        assert_eq!(t.try_wait(1, WaitSelector::Pgid(9), w), Err(Errno::ECHILD));
        assert_eq!(
            t.try_wait(1, WaitSelector::Pgid(9), w | WaitOptions::__WCLONE)
                .map(|r| r.map(|r| r.pid)),
            Ok(Some(4))
        );
        // Without WEXITED nothing is ever reported.
        assert_eq!(
            t.try_wait(1, WaitSelector::Any, WaitOptions::WSTOPPED),
            Ok(None)
        );
        assert_eq!(t.try_wait(1, WaitSelector::Any, w), Ok(None));
    }

    #[test]
    fn stops_and_continues_are_reported_once() {
        let mut t = table_with(&[(2, 2, SIGCHLD, None)]);
        let stopped = crate::jobctl::JobState {
            stopped: true,
            stop_report: Some(19),
            cont_report: false,
        };
        t.groups.get(&2).unwrap().tg.lock().unwrap().job = stopped;
        let any = WaitSelector::Any;
        assert_eq!(t.try_wait(1, any, WaitOptions::WEXITED), Ok(None));
        let w = WaitOptions::WSTOPPED | WaitOptions::WNOWAIT;
        assert_eq!(
            t.try_wait(1, any, w).map(|r| r.map(|r| r.event)),
            Ok(Some(WaitEvent::Stopped(19)))
        );
        let r = t.try_wait(1, any, WaitOptions::WSTOPPED).unwrap().unwrap();
        assert_eq!(r.event, WaitEvent::Stopped(19));
        assert_eq!(t.try_wait(1, any, WaitOptions::WSTOPPED), Ok(None));
        // SIGCONT sent: resumed, reported to WCONTINUED.
        let mut tg = ThreadGroup::new(2, 1, 2, 1);
        tg.job = stopped;
        assert_eq!(
            t.prepare_signal(2, &mut tg, abi::signal::SIGCONT),
            Some(abi::signal::CLD_CONTINUED)
        );
        assert!(!tg.job.stopped && tg.job.cont_report);
        t.groups.get(&2).unwrap().tg.lock().unwrap().job = tg.job;
        let r = t
            .try_wait(1, any, WaitOptions::WCONTINUED)
            .unwrap()
            .unwrap();
        assert_eq!(r.event, WaitEvent::Continued);
        assert!(t.groups.contains_key(&2), "a continued child stays");
    }

    #[test]
    fn chld_info_codes() {
        let z = Duration::ZERO;
        let ev = |status| WaitEvent::Exited(status);
        let i = chld_info(5, 0, ev(ExitStatus::Exited(3)), (z, z));
        assert_eq!(
            (i.si_signo, i.si_code, i.si_pid()),
            (SIGCHLD, CLD_EXITED, 5)
        );
        let killed = ExitStatus::Signaled {
            sig: 9,
            core: false,
        };
        assert_eq!(chld_info(5, 0, ev(killed), (z, z)).si_code, CLD_KILLED);
        let dumped = ExitStatus::Signaled {
            sig: 11,
            core: true,
        };
        assert_eq!(chld_info(5, 0, ev(dumped), (z, z)).si_code, CLD_DUMPED);
        let stop = chld_info(5, 0, WaitEvent::Stopped(19), (z, z));
        assert_eq!(stop.si_code, abi::signal::CLD_STOPPED);
        assert_eq!(WaitEvent::Stopped(19).wait_status(), 0x137f);
        assert_eq!(WaitEvent::Continued.wait_status(), 0xffff);
    }
}
