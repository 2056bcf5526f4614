//! What observers can read about a task while it runs: the data procfs
//! shows (`/proc/<pid>/{exe,cwd,root,cmdline,comm,maps,status,fd/}`) and
//! which task is making the current system call (`/proc/self`).
//!
//! A running [`Task`](crate::Task) is owned by its Sentry thread, so it
//! publishes a [`TaskView`] in the kernel's registry: shared handles to its
//! thread group, address space and descriptor table (which lock
//! themselves), and a snapshot of the rest, refreshed by the task whenever
//! it changes (`execve`, `chdir`, `prctl(PR_SET_NAME)`).

use std::cell::Cell;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};

use mm::MemoryManager;
use vfs::{FileDescription, PathRef};

use crate::fdtable::FdTable;
use crate::task::{Credentials, ThreadGroup};

thread_local! {
    static CURRENT: Cell<i32> = const { Cell::new(0) };
}

/// Records that the calling Sentry thread now serves task `tid`.
pub fn set_current(tid: i32) {
    CURRENT.with(|c| c.set(tid));
}

/// The task whose system call the calling Sentry thread is serving (0 when
/// none): what `/proc/self` names.
pub fn current_tid() -> i32 {
    CURRENT.with(|c| c.get())
}

/// Where `execve` put the program's pieces (`/proc/<pid>/stat` fields
/// 26-28 and 45-51).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ExecLayout {
    /// Start of the executable's text.
    pub start_code: u64,
    /// End of the executable's text.
    pub end_code: u64,
    /// Start of its data.
    pub start_data: u64,
    /// End of its data.
    pub end_data: u64,
    /// The initial program break.
    pub start_brk: u64,
    /// The initial stack pointer.
    pub start_stack: u64,
    /// The argument strings on the stack.
    pub arg_start: u64,
    /// End of the argument strings.
    pub arg_end: u64,
    /// The environment strings on the stack.
    pub env_start: u64,
    /// End of the environment strings.
    pub env_end: u64,
}

/// The parts of a task that change only at a few well-known points.
#[derive(Clone)]
pub struct TaskSnapshot {
    /// The address space (replaced by `execve`).
    pub mm: Arc<Mutex<MemoryManager>>,
    /// `comm`.
    pub comm: Vec<u8>,
    /// The executable's path.
    pub exe: Vec<u8>,
    /// `argv` of the last `execve`.
    pub argv: Vec<Vec<u8>>,
    /// `envp` of the last `execve`.
    pub envp: Vec<Vec<u8>>,
    /// The auxiliary vector the program started with (AT_NULL included).
    pub auxv: Vec<(u64, u64)>,
    /// Where the image and its strings are.
    pub layout: ExecLayout,
    /// The location of the executable (`/proc/<pid>/exe`).
    pub exe_at: Option<PathRef>,
    /// The file-creation mask.
    pub umask: u32,
    /// The working directory.
    pub cwd: PathRef,
    /// The root directory.
    pub root: PathRef,
    /// Identities.
    pub creds: Credentials,
}

/// A task as observers see it.
pub struct TaskView {
    /// Thread id.
    pub tid: i32,
    /// The thread group (pid, ppid, limits, signal dispositions, exit).
    pub tg: Arc<Mutex<ThreadGroup>>,
    /// The descriptor table, until the thread exits
    /// ([`TaskView::release_files`]).
    fds: Mutex<Option<Arc<FdTable<Arc<FileDescription>>>>>,
    snapshot: Mutex<TaskSnapshot>,
    /// The thread has exited but, as its process's leader, stays visible
    /// (a zombie) while other threads of the process live.
    exited: AtomicBool,
}

impl TaskView {
    /// A view with the given shared parts and first snapshot.
    pub fn new(
        tid: i32,
        tg: Arc<Mutex<ThreadGroup>>,
        fds: Arc<FdTable<Arc<FileDescription>>>,
        snapshot: TaskSnapshot,
    ) -> TaskView {
        TaskView {
            tid,
            tg,
            fds: Mutex::new(Some(fds)),
            snapshot: Mutex::new(snapshot),
            exited: AtomicBool::new(false),
        }
    }

    /// The descriptor table, or `None` once the thread has exited.
    pub fn files(&self) -> Option<Arc<FdTable<Arc<FileDescription>>>> {
        match self.fds.lock() {
            Ok(g) => g.clone(),
            Err(p) => p.into_inner().clone(),
        }
    }

    /// Lets go of the descriptor table as the thread exits, so the last
    /// thread using it closes its files before the exit is reported
    /// (Linux's `exit_files` precedes `exit_notify`): a pipe's reader
    /// then sees end-of-file, and the lone-reader deadlock check never
    /// counts a writer that is already gone.
    pub fn release_files(&self) {
        let table = match self.fds.lock() {
            Ok(mut g) => g.take(),
            Err(p) => p.into_inner().take(),
        };
        drop(table);
    }

    /// Marks the thread exited (a zombie leader kept for `/proc`).
    pub fn mark_exited(&self) {
        self.exited.store(true, Ordering::Release);
    }

    /// Whether the thread has exited (see [`TaskView::mark_exited`]).
    pub fn has_exited(&self) -> bool {
        self.exited.load(Ordering::Acquire)
    }

    /// The current snapshot.
    pub fn snapshot(&self) -> TaskSnapshot {
        self.lock().clone()
    }

    /// Replaces the snapshot.
    pub fn publish(&self, s: TaskSnapshot) {
        *self.lock() = s;
    }

    fn lock(&self) -> MutexGuard<'_, TaskSnapshot> {
        match self.snapshot.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// The thread group, locked.
    pub fn thread_group(&self) -> MutexGuard<'_, ThreadGroup> {
        match self.tg.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// `/proc/<pid>/maps` text.
    pub fn maps(&self) -> String {
        let mm = self.snapshot().mm;
        let guard = match mm.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        };
        guard.maps_text()
    }
}
