//! The [`Vfs`]: the mount table plus the clock, and mount/umount for the
//! kernel's own setup. The syscall-shaped operations live in `ops/`.

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicU64, Ordering};

use crate::attr::Clock;
use crate::cred::Credentials;
use crate::dentry::Dentry;
use crate::errno::{Errno, Result};
use crate::mount::{Filesystem, Mount, MountFlags, PathRef};
use crate::special::SpecialOpener;
use crate::uapi::ResolveFlags;

/// Who is resolving and from where: the calling task's credentials, its
/// root directory, and the `openat2` resolve flags (empty for the classic
/// calls). Built by the kernel per syscall.
#[derive(Clone, Copy)]
pub struct Context<'a> {
    /// Credentials for permission checks.
    pub cred: &'a Credentials,
    /// The task's root (`chroot`); absolute paths and `..` stop here.
    pub root: &'a PathRef,
    /// `RESOLVE_*` flags.
    pub resolve: ResolveFlags,
}

impl<'a> Context<'a> {
    /// A context with no resolve flags.
    pub fn new(cred: &'a Credentials, root: &'a PathRef) -> Context<'a> {
        Context {
            cred,
            root,
            resolve: ResolveFlags::empty(),
        }
    }
}

type MountTable = BTreeMap<(u64, u64), Arc<Mount>>;

/// The virtual filesystem: the mount tree and everything needed to resolve
/// paths and run file operations across it.
pub struct Vfs {
    root: Arc<Mount>,
    /// Mounts keyed by (parent mount id, mountpoint dentry id). Mounting on
    /// an occupied place mounts on the top mount's root instead, so each
    /// key holds one mount.
    mounts: spin::RwLock<MountTable>,
    next_mount_id: AtomicU64,
    pub(crate) rename_lock: spin::Mutex<()>,
    pub(crate) clock: Arc<dyn Clock>,
    pub(crate) special: spin::RwLock<Option<Arc<dyn SpecialOpener>>>,
}

impl Vfs {
    /// A VFS whose root mount is `root_fs`.
    pub fn new(root_fs: Arc<dyn Filesystem>, flags: MountFlags, clock: Arc<dyn Clock>) -> Vfs {
        let root = Arc::new(Mount {
            id: 1,
            root: Dentry::new_root(root_fs.root()),
            fs: root_fs,
            mountpoint: None,
            flags,
        });
        Vfs {
            root,
            mounts: spin::RwLock::new(BTreeMap::new()),
            next_mount_id: AtomicU64::new(2),
            rename_lock: spin::Mutex::new(()),
            special: spin::RwLock::new(None),
            clock,
        }
    }

    /// The root of the root mount (the initial task's root and cwd).
    pub fn root(&self) -> PathRef {
        PathRef::new(self.root.clone(), self.root.root.clone())
    }

    /// Registers the kernel's opener for device nodes and FIFOs; without
    /// one, opening them is left to their filesystem (ENXIO on tmpfs).
    pub fn set_special_opener(&self, opener: Arc<dyn SpecialOpener>) {
        *self.special.write() = Some(opener);
    }

    /// The clock filesystems and `utimensat(UTIME_NOW)` use.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Mounts `fs` on the directory `at`. Mounting on the same place again
    /// covers the earlier mount, as Linux does.
    pub fn mount(
        &self,
        at: &PathRef,
        fs: Arc<dyn Filesystem>,
        flags: MountFlags,
    ) -> Result<Arc<Mount>> {
        let root = Dentry::new_root(fs.root());
        self.attach(at, fs, root, flags)
    }

    /// Bind-mounts the subtree at `source` on the directory `at`.
    pub fn bind_mount(
        &self,
        source: &PathRef,
        at: &PathRef,
        flags: MountFlags,
    ) -> Result<Arc<Mount>> {
        if source.dentry.is_dir() != at.dentry.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        self.attach(at, source.mount.fs.clone(), source.dentry.clone(), flags)
    }

    fn attach(
        &self,
        at: &PathRef,
        fs: Arc<dyn Filesystem>,
        root: Arc<Dentry>,
        flags: MountFlags,
    ) -> Result<Arc<Mount>> {
        if !at.dentry.is_dir() && root.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        // Mount on the topmost mount at this place.
        let at = self.cross_mounts(at.clone());
        let mount = Arc::new(Mount {
            id: self.next_mount_id.fetch_add(1, Ordering::Relaxed),
            fs,
            root,
            mountpoint: Some(at.clone()),
            flags,
        });
        self.mounts
            .write()
            .insert((at.mount.id, at.dentry.id()), mount.clone());
        at.dentry.add_mount();
        Ok(mount)
    }

    /// Detaches `mount`; EBUSY if something is mounted inside it, EINVAL for
    /// the root mount.
    pub fn umount(&self, mount: &Arc<Mount>) -> Result<()> {
        let Some(mp) = &mount.mountpoint else {
            return Err(Errno::EINVAL);
        };
        let mut table = self.mounts.write();
        if table.keys().any(|(parent, _)| *parent == mount.id) {
            return Err(Errno::EBUSY);
        }
        let key = (mp.mount.id, mp.dentry.id());
        if !table.get(&key).is_some_and(|m| Arc::ptr_eq(m, mount)) {
            return Err(Errno::EINVAL);
        }
        table.remove(&key);
        mp.dentry.remove_mount();
        Ok(())
    }

    /// All mounts except the root, in mount order (for `/proc/mounts`).
    pub fn mounts(&self) -> Vec<Arc<Mount>> {
        let mut all: Vec<Arc<Mount>> = self.mounts.read().values().cloned().collect();
        all.sort_by_key(|m| m.id);
        all
    }

    /// The topmost mount stacked on `at`, if any.
    pub(crate) fn mounted_on(&self, at: &PathRef) -> Option<Arc<Mount>> {
        if !at.dentry.is_mountpoint() {
            return None;
        }
        self.mounts
            .read()
            .get(&(at.mount.id, at.dentry.id()))
            .cloned()
    }

    /// Follows mounts downward from `at` to the topmost mounted root.
    pub(crate) fn cross_mounts(&self, mut at: PathRef) -> PathRef {
        while let Some(m) = self.mounted_on(&at) {
            at = PathRef::new(m.clone(), m.root.clone());
        }
        at
    }
}
