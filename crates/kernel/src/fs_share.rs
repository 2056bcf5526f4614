//! A filesystem context shared by the tasks `clone(CLONE_FS)` made (every
//! thread of a pthread program): `chdir`, `fchdir`, `chroot` and `umask`
//! in one are seen by all.
//!
//! Each task keeps its own copy in [`Task::fs`] (what the path-walking
//! code reads) and the generation it copied; a change publishes the copy
//! and bumps the generation, and every other sharer refreshes its copy at
//! its next system call ([`Task::refresh_fs`]): one atomic load per call.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use crate::task::{FsContext, Task};

/// The shared root, working directory and umask.
pub struct SharedFs {
    ctx: Mutex<FsContext>,
    generation: AtomicU64,
}

impl core::fmt::Debug for SharedFs {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SharedFs")
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish_non_exhaustive()
    }
}

impl SharedFs {
    fn lock(&self) -> std::sync::MutexGuard<'_, FsContext> {
        match self.ctx.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

impl Task {
    /// The context to give a `CLONE_FS` child: this task's, shared from
    /// now on (the first `CLONE_FS` turns a private context into a shared
    /// one).
    pub fn share_fs(&mut self) -> (Arc<SharedFs>, u64) {
        if let Some(s) = &self.fs_shared {
            return s.clone();
        }
        let shared = Arc::new(SharedFs {
            ctx: Mutex::new(self.fs.clone()),
            generation: AtomicU64::new(0),
        });
        self.fs_shared = Some((shared.clone(), 0));
        (shared, 0)
    }

    /// Publishes a change of [`Task::fs`] to the tasks sharing it, and to
    /// observers.
    pub fn fs_changed(&mut self) {
        if let Some((s, seen)) = &mut self.fs_shared {
            *s.lock() = self.fs.clone();
            *seen = s.generation.fetch_add(1, Ordering::SeqCst) + 1;
        }
        self.publish();
    }

    /// Takes in what another sharer changed since this task last looked.
    pub fn refresh_fs(&mut self) {
        let Some((s, seen)) = &mut self.fs_shared else {
            return;
        };
        let now = s.generation.load(Ordering::SeqCst);
        if now == *seen {
            return;
        }
        let ctx = s.lock().clone();
        *seen = now;
        self.fs = ctx;
        self.publish();
    }
}
