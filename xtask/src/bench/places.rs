//! Where cases write their files. Sandboxes (our runsc, gVisor) write into
//! their in-memory overlay whatever path they are given; so that native
//! runs and proot (which write the host's filesystem directly) also write
//! to memory rather than to a disk's page cache and journal, they get a
//! tmpfs (`/dev/shm`) when the host has one.

use std::path::{Path, PathBuf};

/// The directories a system's runs write to.
#[derive(Debug, Clone)]
pub struct Places {
    /// Scratch for sandboxes: under `target/bench`, visible inside them
    /// through the overlay's lower layer (an empty directory there).
    sandbox_scratch: PathBuf,
    /// A tmpfs for systems that see the host's filesystem, if there is one.
    host_memory: Option<PathBuf>,
}

/// What a run on one system writes to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// Where the micro-benchmarks create their temporary files.
    pub tmp: PathBuf,
    /// A directory created empty before each run and removed after it.
    pub scratch: PathBuf,
}

impl Places {
    /// Looks for a tmpfs at `/dev/shm` in the host's mount table.
    pub fn new(out_dir: &Path) -> Places {
        let mounts = std::fs::read_to_string("/proc/self/mounts").unwrap_or_default();
        Places {
            sandbox_scratch: out_dir.join("scratch"),
            host_memory: is_tmpfs(&mounts, "/dev/shm").then(|| PathBuf::from("/dev/shm")),
        }
    }

    /// Where a system writes: `host_fs` for those that see the host's
    /// filesystem (native, proot).
    pub fn place(&self, host_fs: bool) -> Place {
        match (&self.host_memory, host_fs) {
            (Some(shm), true) => Place {
                tmp: shm.clone(),
                scratch: shm.join("xtask-bench-scratch"),
            },
            _ => Place {
                tmp: PathBuf::from("/tmp"),
                scratch: self.sandbox_scratch.clone(),
            },
        }
    }

    /// A line for the report saying where files went.
    pub fn note(&self) -> String {
        match &self.host_memory {
            Some(shm) => format!(
                "file cases write to memory everywhere: native and proot to the tmpfs {}, \
                 sandboxes to their in-memory overlay",
                shm.display()
            ),
            None => "no tmpfs at /dev/shm: native and proot file cases write to the host's \
                     disk filesystem, sandboxes to their in-memory overlay"
                .into(),
        }
    }
}

/// Whether `mounts` (`/proc/self/mounts`) has a tmpfs mounted at `path`.
fn is_tmpfs(mounts: &str, path: &str) -> bool {
    mounts.lines().any(|l| {
        let mut f = l.split_whitespace();
        let (_, at, fstype) = (f.next(), f.next(), f.next());
        at == Some(path) && fstype == Some("tmpfs")
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn finds_a_tmpfs_mount() {
        let m = "/dev/vda / ext4 rw 0 0\ntmpfs /dev/shm tmpfs rw 0 0\n";
        assert!(is_tmpfs(m, "/dev/shm"));
        assert!(!is_tmpfs(m, "/"));
        assert!(!is_tmpfs("/dev/vda /dev/shm ext4 rw 0 0\n", "/dev/shm"));
        assert!(!is_tmpfs("", "/dev/shm"));
    }

    #[test]
    fn host_systems_write_to_memory_when_they_can() {
        let p = Places {
            sandbox_scratch: "/w/target/bench/scratch".into(),
            host_memory: Some("/dev/shm".into()),
        };
        assert_eq!(p.place(true).tmp, Path::new("/dev/shm"));
        assert_eq!(
            p.place(true).scratch,
            Path::new("/dev/shm/xtask-bench-scratch")
        );
        assert_eq!(p.place(false).tmp, Path::new("/tmp"));
        assert_eq!(p.place(false).scratch, Path::new("/w/target/bench/scratch"));
        let none = Places {
            host_memory: None,
            ..p
        };
        assert_eq!(none.place(true), none.place(false));
        assert!(none.note().contains("disk"));
    }
}
