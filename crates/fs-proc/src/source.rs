//! [`ProcSource`]: what procfs needs to know about the kernel's tasks and
//! the system, and nothing more. The kernel implements it; procfs only
//! formats. Every per-task method returns `None` when the task does not
//! exist (any more), which procfs turns into `ENOENT`/`ESRCH` as Linux does.
//!
//! Numbers are in the units Linux's files print, so formatting never has
//! to guess: clock ticks (`USER_HZ` = 100) for CPU times, KiB for memory,
//! pids as seen in the sandbox's PID namespace.

use vfs::PathRef;

/// A process or thread id in the sandbox's PID namespace.
pub type Pid = i32;

/// Clock ticks per second procfs prints times in (`USER_HZ`).
pub const USER_HZ: u64 = 100;

/// A task's scheduling state, as `stat` (one letter) and `status` (letter
/// and name) show it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TaskState {
    /// `R (running)`.
    #[default]
    Running,
    /// `S (sleeping)`: interruptible wait.
    Sleeping,
    /// `D (disk sleep)`: uninterruptible wait.
    DiskSleep,
    /// `T (stopped)`: job-control stop.
    Stopped,
    /// `t (tracing stop)`.
    TracingStop,
    /// `Z (zombie)`.
    Zombie,
    /// `X (dead)`.
    Dead,
}

impl TaskState {
    /// The letter `/proc/<pid>/stat` shows.
    pub fn letter(self) -> char {
        match self {
            TaskState::Running => 'R',
            TaskState::Sleeping => 'S',
            TaskState::DiskSleep => 'D',
            TaskState::Stopped => 'T',
            TaskState::TracingStop => 't',
            TaskState::Zombie => 'Z',
            TaskState::Dead => 'X',
        }
    }

    /// The text `/proc/<pid>/status` shows after `State:`.
    pub fn status_text(self) -> &'static str {
        match self {
            TaskState::Running => "R (running)",
            TaskState::Sleeping => "S (sleeping)",
            TaskState::DiskSleep => "D (disk sleep)",
            TaskState::Stopped => "T (stopped)",
            TaskState::TracingStop => "t (tracing stop)",
            TaskState::Zombie => "Z (zombie)",
            TaskState::Dead => "X (dead)",
        }
    }
}

/// Memory figures of a task's address space, in KiB (`status` `Vm*`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct VmStats {
    /// `VmPeak`: largest `VmSize` so far.
    pub peak_kb: u64,
    /// `VmSize`: total mapped.
    pub size_kb: u64,
    /// `VmLck`: locked.
    pub lck_kb: u64,
    /// `VmPin`: pinned.
    pub pin_kb: u64,
    /// `VmHWM`: largest `VmRSS` so far.
    pub hwm_kb: u64,
    /// `VmRSS`: resident.
    pub rss_kb: u64,
    /// `RssAnon`.
    pub rss_anon_kb: u64,
    /// `RssFile`.
    pub rss_file_kb: u64,
    /// `RssShmem`.
    pub rss_shmem_kb: u64,
    /// `VmData`: private writable non-stack mappings.
    pub data_kb: u64,
    /// `VmStk`: the main stack.
    pub stk_kb: u64,
    /// `VmExe`: the executable's text.
    pub exe_kb: u64,
    /// `VmLib`: shared-library text.
    pub lib_kb: u64,
    /// `VmPTE`: page tables.
    pub pte_kb: u64,
    /// `VmSwap`.
    pub swap_kb: u64,
}

/// Address-space landmarks `/proc/<pid>/stat` prints (fields 26-28, 45-51).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MmLayout {
    /// Start of the executable's text.
    pub start_code: u64,
    /// End of the executable's text.
    pub end_code: u64,
    /// Bottom of the main stack.
    pub start_stack: u64,
    /// Start of initialised data.
    pub start_data: u64,
    /// End of initialised data.
    pub end_data: u64,
    /// Start of the heap (`brk` base).
    pub start_brk: u64,
    /// Start of the argument strings.
    pub arg_start: u64,
    /// End of the argument strings.
    pub arg_end: u64,
    /// Start of the environment strings.
    pub env_start: u64,
    /// End of the environment strings.
    pub env_end: u64,
}

/// Signal masks as bit sets (bit `n-1` is signal `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SigState {
    /// `SigPnd`: pending for this thread.
    pub pending: u64,
    /// `ShdPnd`: pending for the thread group.
    pub shared_pending: u64,
    /// `SigBlk`: blocked.
    pub blocked: u64,
    /// `SigIgn`: ignored.
    pub ignored: u64,
    /// `SigCgt`: caught (have a handler).
    pub caught: u64,
    /// Queued signals (`SigQ` numerator).
    pub queued: u64,
    /// `RLIMIT_SIGPENDING` (`SigQ` denominator).
    pub queue_limit: u64,
}

/// Capability sets (bit `n` is capability `n`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CapSets {
    /// `CapInh`.
    pub inheritable: u64,
    /// `CapPrm`.
    pub permitted: u64,
    /// `CapEff`.
    pub effective: u64,
    /// `CapBnd`.
    pub bounding: u64,
    /// `CapAmb`.
    pub ambient: u64,
}

/// Everything `stat`, `status` and `statm` print about one task.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TaskInfo {
    /// Thread-group id (the process id).
    pub tgid: Pid,
    /// This thread's id.
    pub tid: Pid,
    /// Parent process id (0 for init).
    pub ppid: Pid,
    /// Process group.
    pub pgrp: Pid,
    /// Session.
    pub session: Pid,
    /// Tracer's pid, 0 if untraced.
    pub tracer_pid: Pid,
    /// Command name (`comm`, at most 15 bytes).
    pub comm: Vec<u8>,
    /// Scheduling state.
    pub state: TaskState,
    /// Real, effective, saved and filesystem user ids.
    pub uid: [u32; 4],
    /// Real, effective, saved and filesystem group ids.
    pub gid: [u32; 4],
    /// Supplementary groups.
    pub groups: Vec<u32>,
    /// File-creation mask.
    pub umask: u32,
    /// Threads in the group.
    pub num_threads: u32,
    /// Slots in the descriptor table (`FDSize`).
    pub fd_size: u32,
    /// Controlling terminal's device number (0 for none).
    pub tty_nr: u32,
    /// Foreground process group of the terminal (-1 for none).
    pub tpgid: Pid,
    /// Kernel `PF_*` flags.
    pub flags: u32,
    /// Minor faults.
    pub minflt: u64,
    /// Minor faults of waited-for children.
    pub cminflt: u64,
    /// Major faults.
    pub majflt: u64,
    /// Major faults of waited-for children.
    pub cmajflt: u64,
    /// User time, clock ticks.
    pub utime: u64,
    /// System time, clock ticks.
    pub stime: u64,
    /// Waited-for children's user time, clock ticks.
    pub cutime: u64,
    /// Waited-for children's system time, clock ticks.
    pub cstime: u64,
    /// Kernel priority (20 + nice for normal tasks).
    pub priority: i64,
    /// Nice value.
    pub nice: i64,
    /// Start time, clock ticks after boot.
    pub start_time: u64,
    /// Memory figures.
    pub vm: VmStats,
    /// `RLIMIT_RSS` soft limit in bytes.
    pub rsslim: u64,
    /// Address-space landmarks.
    pub layout: MmLayout,
    /// Signal state.
    pub signals: SigState,
    /// Signal sent to the parent on exit.
    pub exit_signal: i32,
    /// CPU last run on.
    pub processor: u32,
    /// Capability sets.
    pub caps: CapSets,
    /// `PR_SET_NO_NEW_PRIVS` is set.
    pub no_new_privs: bool,
    /// Seccomp mode (0 off, 1 strict, 2 filter).
    pub seccomp_mode: u32,
    /// Installed seccomp filters.
    pub seccomp_filters: u32,
    /// CPUs the task may run on (bit `n` is CPU `n`).
    pub cpus_allowed: u64,
    /// Voluntary context switches.
    pub voluntary_ctxt_switches: u64,
    /// Involuntary context switches.
    pub nonvoluntary_ctxt_switches: u64,
    /// Exit status as `waitpid` reports it (zombies), else 0.
    pub exit_code: i32,
}

/// The per-task symlinks `exe`, `cwd` and `root`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum TaskLink {
    /// The executable.
    Exe,
    /// The working directory.
    Cwd,
    /// The root directory.
    Root,
}

/// Where a magic link leads: the location to jump to when walked, and the
/// text `readlink` returns (the path as seen from the caller's root, with
/// `" (deleted)"`, or `pipe:[ino]`-style names for anonymous files).
#[derive(Clone)]
pub struct LinkTarget {
    /// The location, if the file has one in the mount tree.
    pub path: Option<PathRef>,
    /// What `readlink` returns.
    pub text: Vec<u8>,
}

/// One open descriptor of a task (`fd/N` and `fdinfo/N`).
#[derive(Clone)]
pub struct FdInfo {
    /// Where the descriptor's file is.
    pub target: LinkTarget,
    /// File offset.
    pub pos: u64,
    /// Open flags as `fcntl(F_GETFL)` reports them, plus `O_CLOEXEC`
    /// when the descriptor has it.
    pub flags: u32,
    /// The mount id of the file's mount.
    pub mnt_id: u64,
    /// The file's inode number.
    pub ino: u64,
    /// The file was opened for reading.
    pub readable: bool,
    /// The file was opened for writing.
    pub writable: bool,
}

/// One resource limit; `u64::MAX` is `RLIM_INFINITY`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Rlimit {
    /// Soft limit.
    pub cur: u64,
    /// Hard limit.
    pub max: u64,
}

/// One mount as seen from a task (`mounts`, `mountinfo`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MountEntry {
    /// Mount id.
    pub id: u64,
    /// Parent mount id (its own id for the root mount).
    pub parent_id: u64,
    /// Major number of the filesystem's device.
    pub major: u32,
    /// Minor number of the filesystem's device.
    pub minor: u32,
    /// The mount's root within its filesystem (`/` unless a bind mount).
    pub root: Vec<u8>,
    /// Where it is mounted, as seen from the task's root.
    pub mount_point: Vec<u8>,
    /// Per-mount options (`rw,nosuid,relatime`).
    pub mount_options: Vec<u8>,
    /// Filesystem type (`tmpfs`, `proc`, `overlay`).
    pub fs_type: Vec<u8>,
    /// Mount source (`none`, `proc`, a device).
    pub source: Vec<u8>,
    /// Per-filesystem options (`rw,size=...`).
    pub super_options: Vec<u8>,
}

/// `/proc/meminfo` figures in KiB.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MemInfo {
    /// `MemTotal`.
    pub total_kb: u64,
    /// `MemFree`.
    pub free_kb: u64,
    /// `MemAvailable`.
    pub available_kb: u64,
    /// `Buffers`.
    pub buffers_kb: u64,
    /// `Cached`: file and tmpfs pages.
    pub cached_kb: u64,
    /// `Active`.
    pub active_kb: u64,
    /// `Inactive`.
    pub inactive_kb: u64,
    /// `Active(anon)`.
    pub active_anon_kb: u64,
    /// `Inactive(anon)`.
    pub inactive_anon_kb: u64,
    /// `Active(file)`.
    pub active_file_kb: u64,
    /// `Inactive(file)`.
    pub inactive_file_kb: u64,
    /// `Mlocked`.
    pub mlocked_kb: u64,
    /// `SwapTotal`.
    pub swap_total_kb: u64,
    /// `SwapFree`.
    pub swap_free_kb: u64,
    /// `AnonPages`.
    pub anon_pages_kb: u64,
    /// `Mapped`.
    pub mapped_kb: u64,
    /// `Shmem`.
    pub shmem_kb: u64,
    /// `CommitLimit`.
    pub commit_limit_kb: u64,
    /// `Committed_AS`.
    pub committed_as_kb: u64,
}

/// CPU time of one CPU (or all), in clock ticks, as the `cpu` lines of
/// `/proc/stat` print it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct CpuTimes {
    /// Normal user time.
    pub user: u64,
    /// Niced user time.
    pub nice: u64,
    /// System time.
    pub system: u64,
    /// Idle time.
    pub idle: u64,
    /// I/O wait.
    pub iowait: u64,
    /// Hard interrupts.
    pub irq: u64,
    /// Soft interrupts.
    pub softirq: u64,
    /// Stolen by the hypervisor.
    pub steal: u64,
}

/// System-wide counters for `/proc/stat`, `/proc/uptime`, `/proc/loadavg`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SystemStat {
    /// Per-CPU times; the `cpu` total line is their sum.
    pub cpus: Vec<CpuTimes>,
    /// Context switches since boot.
    pub ctxt: u64,
    /// Boot time, seconds since the epoch.
    pub btime: u64,
    /// Forks since boot.
    pub processes: u64,
    /// Runnable tasks.
    pub procs_running: u64,
    /// Tasks blocked on I/O.
    pub procs_blocked: u64,
    /// Uptime in hundredths of a second.
    pub uptime_centis: u64,
    /// Summed idle time of all CPUs in hundredths of a second.
    pub idle_centis: u64,
    /// Load averages over 1, 5, 15 minutes, in hundredths.
    pub loadavg_centis: [u64; 3],
    /// Tasks in existence (`loadavg` fourth field denominator).
    pub nr_threads: u64,
    /// The most recently allocated pid.
    pub last_pid: Pid,
}

/// Names and identities `/proc/version` and `/proc/sys/kernel` show.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct KernelNames {
    /// `uname -n`.
    pub hostname: Vec<u8>,
    /// `uname -r` (`6.1.0`).
    pub osrelease: Vec<u8>,
    /// `uname -v` (`#1 SMP PREEMPT_DYNAMIC ...`).
    pub version: Vec<u8>,
    /// `random/boot_id`, a UUID fixed for the sandbox's life.
    pub boot_id: Vec<u8>,
}

/// The `/proc/sys` values that are plain numbers. `Default` holds Linux's
/// defaults on x86-64.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Sysctl {
    /// `kernel/pid_max`.
    pub pid_max: u64,
    /// `kernel/msgmax`: the largest System V message.
    pub msgmax: u64,
    /// `kernel/msgmnb`: a new message queue's byte limit.
    pub msgmnb: u64,
    /// `kernel/msgmni`: the most message queues.
    pub msgmni: u64,
    /// `kernel/sem`: `SEMMSL`, `SEMMNS`, `SEMOPM` and `SEMMNI`.
    pub sem: [u64; 4],
    /// `kernel/ngroups_max`.
    pub ngroups_max: u64,
    /// `kernel/cap_last_cap`.
    pub cap_last_cap: u64,
    /// `kernel/overflowuid`.
    pub overflowuid: u64,
    /// `kernel/overflowgid`.
    pub overflowgid: u64,
    /// `vm/overcommit_memory`.
    pub overcommit_memory: u64,
    /// `vm/max_map_count`.
    pub max_map_count: u64,
    /// `vm/mmap_min_addr`.
    pub mmap_min_addr: u64,
    /// `fs/nr_open`.
    pub nr_open: u64,
    /// `fs/file-max`.
    pub file_max: u64,
}

impl Default for Sysctl {
    fn default() -> Sysctl {
        Sysctl {
            pid_max: 32768,
            msgmax: 8192,
            msgmnb: 16384,
            msgmni: 32000,
            sem: [32000, 1_024_000_000, 500, 32000],
            ngroups_max: 65536,
            cap_last_cap: 40,
            overflowuid: 65534,
            overflowgid: 65534,
            overcommit_memory: 0,
            max_map_count: 65530,
            mmap_min_addr: 65536,
            nr_open: 1_048_576,
            file_max: 9_223_372_036_854_775_807,
        }
    }
}

/// What procfs asks the kernel. Implemented by the kernel; one instance
/// per procfs mount (so per PID namespace).
pub trait ProcSource: Send + Sync {
    /// The thread group and thread of the task on whose behalf the current
    /// filesystem call runs (`self`, `thread-self`).
    fn caller(&self) -> (Pid, Pid);

    /// The live thread groups (process ids), any order.
    fn thread_groups(&self) -> Vec<Pid>;

    /// The threads of thread group `tgid`, any order.
    fn threads(&self, tgid: Pid) -> Option<Vec<Pid>>;

    /// Status of task `tid` (a thread id or a thread-group leader's id).
    fn task(&self, tid: Pid) -> Option<TaskInfo>;

    /// The argument strings, NUL-terminated, as they are in the task's
    /// memory now.
    fn cmdline(&self, tid: Pid) -> Option<Vec<u8>>;

    /// The environment strings, NUL-terminated.
    fn environ(&self, tid: Pid) -> Option<Vec<u8>>;

    /// The auxiliary vector as raw `(u64 type, u64 value)` pairs ending in
    /// `AT_NULL`.
    fn auxv(&self, tid: Pid) -> Option<Vec<u8>>;

    /// The `maps` text (mm formats it).
    fn maps(&self, tid: Pid) -> Option<Vec<u8>>;

    /// The task's `exe`, `cwd` or `root`; `None` also when it has none.
    fn link(&self, tid: Pid, which: TaskLink) -> Option<LinkTarget>;

    /// The task's open descriptor numbers, any order.
    fn fds(&self, tid: Pid) -> Option<Vec<i32>>;

    /// One open descriptor.
    fn fd(&self, tid: Pid, fd: i32) -> Option<FdInfo>;

    /// Resource limits, indexed by `RLIMIT_*` (16 of them).
    fn limits(&self, tid: Pid) -> Option<[Rlimit; 16]>;

    /// The mounts visible to the task, in mount order, paths relative to
    /// its root.
    fn mounts(&self, tid: Pid) -> Option<Vec<MountEntry>>;

    /// Memory figures.
    fn meminfo(&self) -> MemInfo;

    /// System counters.
    fn system_stat(&self) -> SystemStat;

    /// The `/proc/cpuinfo` text (the kernel describes the CPUs the sandbox
    /// may use).
    fn cpuinfo(&self) -> Vec<u8>;

    /// Kernel names.
    fn kernel_names(&self) -> KernelNames;

    /// Numeric sysctls; Linux's defaults unless the kernel says otherwise.
    fn sysctl(&self) -> Sysctl {
        Sysctl::default()
    }

    /// `/proc/filesystems` rows: (needs no device, name).
    fn filesystems(&self) -> Vec<(bool, Vec<u8>)> {
        ["tmpfs", "proc", "overlay"]
            .iter()
            .map(|n| (true, n.as_bytes().to_vec()))
            .collect()
    }
}
