//! Creating the first process of a sandbox: a thread group with init's
//! ids, a task with the given standard files, and its program loaded by
//! `execve`.

use std::sync::{Arc, Mutex};

use abi::Errno;
use mm::{Layout, MemoryManager};
use vfs::{AtFlags, FileDescription};

use crate::exec::{execve, ExecError, ExecRequest};
use crate::kernel::Kernel;
use crate::limits::Rlimits;
use crate::memory::TaskMemory;
use crate::task::{Credentials, FsContext, Task, TaskInit, ThreadGroup};

/// What to run.
#[derive(Clone)]
pub struct ProcessSpec {
    /// The program path, resolved in the sandbox (absolute, or relative to
    /// `cwd`).
    pub path: Vec<u8>,
    /// `argv` (`argv[0]` included).
    pub argv: Vec<Vec<u8>>,
    /// `envp` as `KEY=VALUE` strings.
    pub envp: Vec<Vec<u8>>,
    /// The working directory, absolute in the sandbox.
    pub cwd: Vec<u8>,
    /// User and group identities.
    pub creds: Credentials,
    /// The file-creation mask.
    pub umask: u32,
    /// Descriptors to install before the program starts (e.g. 0, 1, 2).
    pub files: Vec<(i32, Arc<FileDescription>)>,
}

/// Why the first process could not be started.
#[derive(Debug, thiserror::Error)]
pub enum SpawnError {
    /// The platform could not create a context or address space.
    #[error("platform: {0}")]
    Platform(#[from] platform::Error),
    /// The working directory does not resolve to a directory.
    #[error("working directory {path}: {errno}")]
    Cwd {
        /// The directory as given.
        path: String,
        /// Why.
        errno: Errno,
    },
    /// A standard file could not be installed.
    #[error("installing fd {fd}: {errno}")]
    Fd {
        /// The descriptor number.
        fd: i32,
        /// Why.
        errno: Errno,
    },
    /// Loading the program failed.
    #[error("{0}")]
    Exec(#[from] ExecError),
}

impl SpawnError {
    /// The errno a shell would report for this failure.
    pub fn errno(&self) -> Errno {
        match self {
            SpawnError::Platform(_) => Errno::ENOMEM,
            SpawnError::Cwd { errno, .. } | SpawnError::Fd { errno, .. } => *errno,
            SpawnError::Exec(e) => e.errno(),
        }
    }
}

impl Kernel {
    /// Finds `name` the way `execvp` does: a name containing `/` is used as
    /// is; otherwise each directory of `path_var` (`PATH`, `:`-separated,
    /// an empty entry meaning the cwd `/`) is tried for an executable regular
    /// file. Returns the path to execute.
    pub fn lookup_command(
        &self,
        name: &[u8],
        path_var: &[u8],
        creds: &Credentials,
    ) -> Option<Vec<u8>> {
        if name.is_empty() {
            return None;
        }
        if name.contains(&b'/') {
            return Some(name.to_vec());
        }
        let root = self.vfs().root();
        let cred = creds.to_vfs();
        let ctx = vfs::Context::new(&cred, &root);
        for dir in path_var.split(|&b| b == b':') {
            let mut cand = if dir.is_empty() {
                b"/".to_vec()
            } else {
                dir.to_vec()
            };
            if cand.last() != Some(&b'/') {
                cand.push(b'/');
            }
            cand.extend_from_slice(name);
            let Ok(at) = self.vfs().resolve(&ctx, &root, &cand, AtFlags::empty()) else {
                continue;
            };
            let Ok(attr) = at.inode().stat() else {
                continue;
            };
            if attr.file_type() == Some(vfs::FileType::Regular)
                && cred.check(&attr, vfs::Access::MAY_EXEC).is_ok()
            {
                return Some(cand);
            }
        }
        None
    }

    /// Creates the sandbox's init process running `spec` and returns its
    /// (only) task, ready for [`Task::run`].
    pub fn spawn(self: &Arc<Self>, spec: ProcessSpec) -> Result<Task, SpawnError> {
        let pid = self.alloc_pid();
        let root = self.vfs().root();
        let cred = spec.creds.to_vfs();
        let ctx = vfs::Context::new(&cred, &root);
        let cwd_err = |errno| SpawnError::Cwd {
            path: String::from_utf8_lossy(&spec.cwd).into_owned(),
            errno,
        };
        let cwd = self
            .vfs()
            .resolve(&ctx, &root, &spec.cwd, AtFlags::empty())
            .map_err(cwd_err)?;
        if !cwd.dentry.is_dir() {
            return Err(cwd_err(Errno::ENOTDIR));
        }
        let rlimits = Rlimits::default();
        let mut tg = ThreadGroup::new(pid, 0, pid, pid);
        tg.rlimits = rlimits;
        let space = self.platform().new_address_space()?;
        let limits = mm::Limits {
            overcommit_pages: self.config().memory_limit / mm::PAGE_SIZE,
            ..mm::Limits::default()
        };
        let mm = MemoryManager::new(self.frames().clone(), Layout::default(), limits);
        let mem = TaskMemory::new(mm, space, self.platform().memory_file().clone());
        let init = TaskInit {
            tg: Arc::new(Mutex::new(tg)),
            creds: spec.creds.clone(),
            fs: FsContext {
                root,
                cwd,
                umask: spec.umask,
            },
            mem,
            context: self.platform().new_context()?,
        };
        let mut task = Task::new(self.clone(), pid, init);
        let limit = task.nofile();
        for (fd, file) in spec.files {
            task.fds
                .insert_at(fd, file, false, limit)
                .map_err(|errno| SpawnError::Fd { fd, errno })?;
        }
        execve(
            &mut task,
            ExecRequest {
                path: spec.path,
                dir: None,
                argv: spec.argv,
                envp: spec.envp,
            },
        )?;
        Ok(task)
    }
}
