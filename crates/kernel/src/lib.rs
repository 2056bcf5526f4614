//! The Sentry core: the part of our user-space kernel that serves an
//! unmodified Linux program's system calls.
//!
//! A [`Kernel`] holds what all tasks share (the platform, the memory-file
//! allocator, the filesystem tree, the PID namespace, the clocks and names,
//! the debug and strace sinks). A [`Task`] is one application thread: its
//! registers, address space ([`memory::TaskMemory`]: mm's model plus the
//! platform's address space), file-descriptor table, filesystem context,
//! credentials, signal state and limits. [`Task::run`] switches into the
//! platform context and serves each event: system calls through the table
//! in [`syscalls`], page faults through mm, host signals as application
//! signals, until the thread group exits.
//!
//! Guest input never panics the Sentry: every argument is decoded and
//! validated, every guest pointer goes through [`usermem`] and turns into
//! `EFAULT` when bad, and every error is an [`abi::Errno`] value that only
//! [`syscalls::dispatch`] turns into `-errno`.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod anon;
pub mod budget;
pub mod clock;
pub mod clone;
pub mod creds;
pub mod epoll;
pub mod eventfd;
pub mod exec;
pub mod fdtable;
pub mod file_pages;
pub mod fs_share;
pub mod futex;
pub mod inet;
pub mod ipc;
pub mod itimer;
pub mod jobctl;
pub mod kernel;
pub mod kill_perm;
pub mod limits;
pub mod locks;
pub mod memory;
pub mod net_timer;
pub mod path;
pub mod pidfd;
pub mod pipe;
pub mod posix_timer;
pub mod process;
pub mod procfs;
pub mod profile;
pub mod restart;
pub mod run;
pub mod sigframe;
pub mod signals;
pub mod sink;
pub mod strace;
pub mod syscall_patch;
pub mod syscalls;
pub mod sysfs;
pub mod task;
pub mod tasks;
pub mod timerfd;
pub mod unix;
pub mod usermem;
pub mod uts;
pub mod vdso;
pub mod view;
pub mod waiter;

pub use kernel::{Config, Kernel};
pub use process::{ProcessSpec, SpawnError};
pub use sink::{MemorySink, Sink, StderrSink};
pub use syscalls::{dispatch, Status, SysResult, SysRet, SyscallArgs};
pub use task::{Credentials, ExitStatus, Task};
