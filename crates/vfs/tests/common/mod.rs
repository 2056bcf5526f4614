//! Shared fixtures: a tmpfs-rooted VFS with a deterministic clock.
#![allow(dead_code)]

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{
    Clock, Context, Credentials, Errno, FileDescription, MountFlags, OpenFlags, PathRef, Timespec,
    Vfs,
};

/// A clock that ticks one second per reading.
pub struct TickClock(pub AtomicI64);

impl Clock for TickClock {
    fn now(&self) -> Timespec {
        Timespec {
            sec: self.0.fetch_add(1, Ordering::Relaxed),
            nsec: 0,
        }
    }
}

pub fn clock() -> Arc<dyn Clock> {
    Arc::new(TickClock(AtomicI64::new(1_000)))
}

pub fn tmpfs(dev: u64) -> Arc<TmpFs> {
    TmpFs::new(
        TmpFsOptions {
            dev,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock(),
    )
    .unwrap_or_else(|e| panic!("tmpfs: {e}"))
}

pub struct Fixture {
    pub vfs: Vfs,
    pub root: PathRef,
    pub cred: Credentials,
}

impl Fixture {
    pub fn new() -> Fixture {
        let vfs = Vfs::new(tmpfs(1), MountFlags::empty(), clock());
        let root = vfs.root();
        Fixture {
            vfs,
            root,
            cred: Credentials::root(),
        }
    }

    pub fn ctx(&self) -> Context<'_> {
        Context::new(&self.cred, &self.root)
    }

    pub fn mkdir(&self, p: &str) {
        self.vfs
            .mkdirat(&self.ctx(), &self.root, p.as_bytes(), 0o755)
            .unwrap_or_else(|e| panic!("mkdir {p}: {e}"));
    }

    pub fn write(&self, p: &str, data: &[u8]) {
        let f = self
            .open(
                p,
                OpenFlags::O_CREAT | OpenFlags::O_WRONLY | OpenFlags::O_TRUNC,
            )
            .unwrap_or_else(|e| panic!("create {p}: {e}"));
        assert_eq!(f.write(data), Ok(data.len()));
    }

    pub fn symlink(&self, target: &str, p: &str) {
        self.vfs
            .symlinkat(&self.ctx(), target.as_bytes(), &self.root, p.as_bytes())
            .unwrap_or_else(|e| panic!("symlink {p}: {e}"));
    }

    pub fn open(&self, p: &str, flags: OpenFlags) -> Result<Arc<FileDescription>, Errno> {
        self.vfs
            .openat(&self.ctx(), &self.root, p.as_bytes(), flags, 0o644)
    }

    pub fn read_all(&self, p: &str) -> Result<Vec<u8>, Errno> {
        let f = self.open(p, OpenFlags::empty())?;
        let mut out = Vec::new();
        let mut buf = [0u8; 1000];
        loop {
            let n = f.read(&mut buf)?;
            if n == 0 {
                return Ok(out);
            }
            out.extend_from_slice(&buf[..n]);
        }
    }

    pub fn lookup(&self, p: &str) -> Result<PathRef, Errno> {
        self.vfs
            .resolve(&self.ctx(), &self.root, p.as_bytes(), vfs::AtFlags::empty())
    }
}

/// Parses `linux_dirent64` records into (name, d_type, d_off).
pub fn parse_dirents(buf: &[u8]) -> Vec<(String, u8, u64)> {
    let mut out = Vec::new();
    let mut i = 0;
    while i + 19 <= buf.len() {
        let off = u64::from_ne_bytes(buf[i + 8..i + 16].try_into().unwrap_or_default());
        let reclen = u16::from_ne_bytes([buf[i + 16], buf[i + 17]]) as usize;
        let d_type = buf[i + 18];
        let name_end = buf[i + 19..i + reclen]
            .iter()
            .position(|&b| b == 0)
            .unwrap_or(0);
        out.push((
            String::from_utf8_lossy(&buf[i + 19..i + 19 + name_end]).into_owned(),
            d_type,
            off,
        ));
        i += reclen;
    }
    out
}

pub fn list_dir(fd: &FileDescription) -> Vec<String> {
    let mut names = Vec::new();
    loop {
        let buf = fd
            .getdents64(4096)
            .unwrap_or_else(|e| panic!("getdents: {e}"));
        if buf.is_empty() {
            return names;
        }
        names.extend(parse_dirents(&buf).into_iter().map(|(n, _, _)| n));
    }
}
