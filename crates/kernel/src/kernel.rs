//! The kernel's global state: what every task shares.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::{Arc, Mutex, Weak};
use std::time::Instant;

use abi::termios::{termios, winsize};
use abi::Errno;
use mm::MemoryFileAllocator;
use platform::Platform;
use vfs::{FileDescription, Vfs};

use crate::profile::{Profiler, SyscallProfile};
use crate::sink::Sink;
use crate::syscalls;
use crate::view::TaskView;

/// Settings fixed when the kernel is built.
#[derive(Clone, Debug)]
pub struct Config {
    /// Log every system call with decoded arguments (`--strace`).
    pub strace: bool,
    /// Count and time every system call (`--profile`); see
    /// [`Kernel::profile`].
    pub profile: bool,
    /// The host name the sandbox sees (`uname`, `/proc/sys/kernel/hostname`).
    pub hostname: String,
    /// The kernel release string `uname` reports.
    pub release: String,
    /// The kernel version string `uname` reports.
    pub version: String,
    /// Bytes of the memory file the kernel may hand out to applications.
    pub memory_limit: u64,
    /// The CPU numbers the sandbox runs on (`sched_getaffinity(2)`,
    /// `/sys/devices/system/cpu/online`): the host affinity when the
    /// configuration is made, since the platforms later pin Sentry
    /// threads to one CPU at a time.
    pub cpus: Vec<usize>,
    /// Let the vDSO read the clocks from the `[vvar]` page (gVisor's fast
    /// path); when false the page always says "not ready" and every vDSO
    /// clock read makes the system call (the answers are the same).
    pub vdso_fast_clock: bool,
    /// The most application threads that may live at once (each costs a
    /// Sentry thread and a stub thread): `clone` fails with `EAGAIN`
    /// beyond it, so a fork bomb cannot exhaust the host.
    pub max_tasks: usize,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            strace: false,
            profile: false,
            hostname: "sandbox".to_owned(),
            release: "6.18.0".to_owned(),
            version: "#1 SMP PREEMPT_DYNAMIC Sun Jan 1 00:00:00 UTC 2026".to_owned(),
            memory_limit: 4 << 30,
            cpus: fs_sys::host_cpus(),
            vdso_fast_clock: true,
            max_tasks: 4096,
        }
    }
}

/// Terminal requests a file backed by a terminal serves with typed
/// arguments (the `ioctl` handler copies them to and from guest memory).
/// The kernel cannot see inside a [`FileDescription`], so whoever builds a
/// terminal-backed description registers one of these for it with
/// [`Kernel::register_tty`].
pub trait TtyOps: Send + Sync {
    /// `TCGETS`: the terminal's settings.
    fn tcgets(&self) -> Result<termios, Errno>;
    /// `TCSETS`, `TCSETSW` or `TCSETSF` (`request`): changes the settings.
    fn tcsets(&self, request: u32, new: &termios) -> Result<(), Errno>;
    /// `TIOCGWINSZ`: the window size.
    fn tiocgwinsz(&self) -> Result<winsize, Errno>;
    /// `TIOCSWINSZ`: sets the window size.
    fn tiocswinsz(&self, size: &winsize) -> Result<(), Errno>;
}

/// One registered terminal: the description (weakly, so closing it still
/// frees it) and its typed operations.
type TtyEntry = (Weak<FileDescription>, Arc<dyn TtyOps>);

/// The shared state of the Sentry: the platform, the memory-file frame
/// allocator, the filesystem tree, the PID namespace, clocks, names and the
/// diagnostic sinks.
pub struct Kernel {
    platform: Arc<dyn Platform>,
    frames: Arc<MemoryFileAllocator>,
    vfs: Arc<Vfs>,
    config: Config,
    hostname: Mutex<String>,
    domainname: Mutex<String>,
    debug: Option<Arc<dyn Sink>>,
    strace: Option<Arc<dyn Sink>>,
    reported: Mutex<BTreeSet<u64>>,
    views: Mutex<BTreeMap<i32, Arc<TaskView>>>,
    next_pid: AtomicI32,
    boot: Instant,
    ttys: Mutex<Vec<TtyEntry>>,
    profiler: Option<Arc<Profiler>>,
    vvar: Mutex<Option<Arc<crate::vdso::VvarPage>>>,
    /// The process table (see [`crate::tasks`]).
    pub(crate) table: Mutex<crate::tasks::TaskTable>,
    /// Notified when the last task leaves the table.
    pub(crate) idle: std::sync::Condvar,
    /// Futex waiters of every address space.
    pub(crate) futexes: crate::futex::FutexTable,
    /// The internal tmpfs `memfd_create` files live in (made on first use).
    pub(crate) memfd_fs: std::sync::OnceLock<Arc<fs_tmpfs::TmpFs>>,
    /// Advisory file locks (`fcntl`, `flock`).
    pub(crate) locks: crate::locks::LockTable,
    /// System V semaphore sets.
    pub(crate) sems: crate::syscalls::sem::SemRegistry,
    /// System V message queues.
    pub(crate) msgs: crate::syscalls::msg::MsgRegistry,
    /// POSIX timers of every process (each armed one has a host thread).
    pub(crate) timer_budget: Arc<crate::budget::Pool>,
}

impl core::fmt::Debug for Kernel {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Kernel")
            .field("platform", &self.platform.name())
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Kernel {
    /// Builds a kernel over `platform` whose tasks see the filesystem tree
    /// `vfs`. `debug` receives the debug log (unimplemented system calls,
    /// fatal signals); `strace` the system-call trace when `config.strace`.
    pub fn new(
        platform: Arc<dyn Platform>,
        vfs: Arc<Vfs>,
        config: Config,
        debug: Option<Arc<dyn Sink>>,
        strace: Option<Arc<dyn Sink>>,
    ) -> Arc<Kernel> {
        let frames = Arc::new(MemoryFileAllocator::new(config.memory_limit));
        let profiler = config.profile.then(|| Arc::new(Profiler::new()));
        Arc::new(Kernel {
            platform,
            frames,
            vfs,
            hostname: Mutex::new(config.hostname.clone()),
            domainname: Mutex::new("(none)".to_owned()),
            config,
            debug,
            strace,
            reported: Mutex::new(BTreeSet::new()),
            views: Mutex::new(BTreeMap::new()),
            next_pid: AtomicI32::new(1),
            boot: Instant::now(),
            ttys: Mutex::new(Vec::new()),
            profiler,
            vvar: Mutex::new(None),
            table: Mutex::new(crate::tasks::TaskTable::default()),
            idle: std::sync::Condvar::new(),
            futexes: crate::futex::FutexTable::default(),
            memfd_fs: std::sync::OnceLock::new(),
            locks: crate::locks::LockTable::default(),
            sems: Default::default(),
            msgs: Default::default(),
            timer_budget: Arc::new(crate::budget::Pool::new(crate::posix_timer::SANDBOX_TIMERS)),
        })
    }

    /// The platform tasks run on.
    pub fn platform(&self) -> &Arc<dyn Platform> {
        &self.platform
    }

    /// The allocator of memory-file pages shared by all address spaces.
    pub fn frames(&self) -> &Arc<MemoryFileAllocator> {
        &self.frames
    }

    /// The filesystem tree.
    pub fn vfs(&self) -> &Arc<Vfs> {
        &self.vfs
    }

    /// The configuration the kernel was built with.
    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The current host name.
    pub fn hostname(&self) -> String {
        crate::uts::get(&self.hostname)
    }

    /// The current NIS domain name (`(none)` until set).
    pub fn domainname(&self) -> String {
        crate::uts::get(&self.domainname)
    }

    /// `sethostname(2)` / `setdomainname(2)` after their checks.
    pub fn set_uts_name(&self, which: crate::uts::UtsName, name: String) {
        let slot = match which {
            crate::uts::UtsName::Host => &self.hostname,
            crate::uts::UtsName::Domain => &self.domainname,
        };
        crate::uts::set(slot, name);
    }

    /// Allocates the next process/thread id (the first is 1, init).
    pub fn alloc_pid(&self) -> i32 {
        self.next_pid.fetch_add(1, Ordering::Relaxed)
    }

    /// Time since the kernel started (`CLOCK_MONOTONIC`'s origin for
    /// `sysinfo` uptime).
    pub fn uptime(&self) -> std::time::Duration {
        self.boot.elapsed()
    }

    /// The `[vvar]` page all address spaces map, once the first `execve`
    /// made it (`crate::vdso`).
    pub(crate) fn vvar_slot(&self) -> &Mutex<Option<Arc<crate::vdso::VvarPage>>> {
        &self.vvar
    }

    /// Whether system calls are traced.
    pub fn strace_enabled(&self) -> bool {
        self.config.strace && self.strace.is_some()
    }

    /// The system-call profile so far (`Config::profile`), or `None` when
    /// the kernel does not profile.
    pub fn profile(&self) -> Option<SyscallProfile> {
        self.profiler.as_ref().map(|p| p.snapshot())
    }

    /// The profiler the dispatcher records into, when profiling.
    pub(crate) fn profiler(&self) -> Option<&Arc<Profiler>> {
        self.profiler.as_ref()
    }

    /// Writes one line to the strace sink, if any.
    pub fn strace_line(&self, line: &str) {
        if let Some(s) = &self.strace {
            s.write_line(line);
        }
    }

    /// Writes one line to the debug log, if any.
    pub fn debug_line(&self, line: &str) {
        if let Some(s) = &self.debug {
            s.write_line(line);
        }
    }

    fn views(&self) -> std::sync::MutexGuard<'_, BTreeMap<i32, Arc<TaskView>>> {
        match self.views.lock() {
            Ok(v) => v,
            Err(p) => p.into_inner(),
        }
    }

    /// Publishes a task for observers (done by [`crate::Task::new`]).
    pub fn register_view(&self, view: Arc<TaskView>) {
        self.views().insert(view.tid, view);
    }

    /// Withdraws a task (done when the [`crate::Task`] is dropped).
    pub fn unregister_view(&self, tid: i32) {
        self.views().remove(&tid);
    }

    /// The task `tid`, as observers see it.
    pub fn task_view(&self, tid: i32) -> Option<Arc<TaskView>> {
        self.views().get(&tid).cloned()
    }

    /// Every live task, by ascending tid (`/proc` listing).
    pub fn task_views(&self) -> Vec<Arc<TaskView>> {
        self.views().values().cloned().collect()
    }

    fn ttys(&self) -> std::sync::MutexGuard<'_, Vec<TtyEntry>> {
        match self.ttys.lock() {
            Ok(v) => v,
            Err(p) => p.into_inner(),
        }
    }

    /// Declares that `file` (and every descriptor that shares it) is a
    /// terminal served by `ops`, for the `TCGETS`/`TCSETS*`/`TIOCGWINSZ`/
    /// `TIOCSWINSZ` requests.
    pub fn register_tty(&self, file: &Arc<FileDescription>, ops: Arc<dyn TtyOps>) {
        let mut ttys = self.ttys();
        ttys.retain(|(f, _)| f.strong_count() > 0);
        ttys.push((Arc::downgrade(file), ops));
    }

    /// The terminal operations registered for `file`, if it is one.
    pub fn tty(&self, file: &Arc<FileDescription>) -> Option<Arc<dyn TtyOps>> {
        let target = Arc::downgrade(file);
        self.ttys()
            .iter()
            .find(|(f, _)| f.ptr_eq(&target))
            .map(|(_, ops)| ops.clone())
    }

    /// Reports an unimplemented system call to the debug log, once per
    /// number for the life of the kernel.
    pub fn report_unimplemented(&self, nr: u64) {
        let first = match self.reported.lock() {
            Ok(mut r) => r.insert(nr),
            Err(p) => p.into_inner().insert(nr),
        };
        if first {
            let line = match syscalls::name(nr) {
                Some(name) => format!("unimplemented system call {name} ({nr}): ENOSYS"),
                None => format!("unknown system call {nr}: ENOSYS"),
            };
            self.debug_line(&line);
        }
    }
}
