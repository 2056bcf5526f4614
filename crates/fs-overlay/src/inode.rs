//! Overlay inodes: the upper and lower inodes behind one merged name, and
//! the `Inode` implementation that routes each call to the right layer.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::{Arc, Weak};
use alloc::vec::Vec;

use vfs::uapi::{FileType, S_IFCHR, S_IFMT};
use vfs::{
    DirEntry, Errno, FileImpl, Inode, InodeAttr, Link, NewInode, OpenFlags, RenameFlags, Result,
    SetAttr,
};

use crate::{OvlInner, INO_XATTR, OPAQUE_XATTR, PRIVATE_XATTR_PREFIX};

/// Bits of the overlay inode number that carry the layer index (0 upper,
/// `1 + i` for lower `i`), Linux's "xino" scheme.
const LAYER_SHIFT: u32 = 56;

/// Where an overlay inode sits: its parent and its name there (updated by
/// rename; needed to copy it up).
pub(crate) struct Links {
    pub parent: Option<Arc<OvlInode>>,
    pub name: Vec<u8>,
}

/// One name of the merged tree.
pub struct OvlInode {
    pub(crate) me: Weak<OvlInode>,
    pub(crate) fs: Arc<OvlInner>,
    pub(crate) ino: u64,
    pub(crate) file_type: FileType,
    /// The upper inode once it exists (always for directories created in the
    /// overlay, after copy-up for lower files).
    pub(crate) upper: spin::Mutex<Option<Arc<dyn Inode>>>,
    /// Lower inodes, top first: every merged lower directory for a
    /// directory, the topmost lower inode for anything else.
    pub(crate) lowers: Vec<Arc<dyn Inode>>,
    pub(crate) links: spin::Mutex<Links>,
    /// Children handed out by `lookup`, so each merged name has exactly one
    /// `OvlInode` (and one copy-up state) while anyone holds it.
    pub(crate) children: spin::Mutex<BTreeMap<Vec<u8>, Weak<OvlInode>>>,
    /// The merged listing, built once and dropped on any change to this
    /// directory (the layers only change through the overlay), so a
    /// `getdents64` loop over a big directory merges it once.
    pub(crate) listing: spin::Mutex<Option<Arc<Vec<DirEntry>>>>,
}

/// Whether `attr` describes a whiteout (character device 0/0).
pub(crate) fn is_whiteout(attr: &InodeAttr) -> bool {
    attr.mode & S_IFMT == S_IFCHR && attr.rdev == 0
}

/// Whether an upper directory is opaque.
pub(crate) fn is_opaque(dir: &Arc<dyn Inode>) -> bool {
    dir.getxattr(OPAQUE_XATTR).is_ok_and(|v| v == b"y")
}

/// The overlay inode number for `ino` of layer `layer`.
fn tag(layer: usize, ino: u64) -> u64 {
    ((layer as u64) << LAYER_SHIFT) | (ino & ((1 << LAYER_SHIFT) - 1))
}

/// What a lookup found in the layers.
pub(crate) struct Found {
    pub upper: Option<Arc<dyn Inode>>,
    pub lowers: Vec<Arc<dyn Inode>>,
    /// Layer index (1-based) of `lowers[0]`.
    pub first_lower_layer: usize,
}

impl OvlInode {
    pub(crate) fn new_root(
        fs: &Arc<OvlInner>,
        upper: Arc<dyn Inode>,
        lowers: Vec<Arc<dyn Inode>>,
    ) -> Result<Arc<OvlInode>> {
        let attr = upper.stat()?;
        if !attr.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let found = Found {
            upper: Some(upper),
            lowers,
            first_lower_layer: 1,
        };
        OvlInode::build(fs, found, None, Vec::new())
    }

    pub(crate) fn build(
        fs: &Arc<OvlInner>,
        found: Found,
        parent: Option<Arc<OvlInode>>,
        name: Vec<u8>,
    ) -> Result<Arc<OvlInode>> {
        let (attr, ino) = match (&found.upper, found.lowers.first()) {
            (Some(u), lower) => {
                let a = u.stat()?;
                let ino = match u.getxattr(INO_XATTR) {
                    Ok(v) if v.len() == 8 => {
                        u64::from_ne_bytes(v.as_slice().try_into().map_err(|_| Errno::EIO)?)
                    }
                    _ => match lower {
                        Some(l) => tag(found.first_lower_layer, l.stat()?.ino),
                        None => tag(0, a.ino),
                    },
                };
                (a, ino)
            }
            (None, Some(l)) => {
                let a = l.stat()?;
                (a, tag(found.first_lower_layer, a.ino))
            }
            (None, None) => return Err(Errno::ENOENT),
        };
        let file_type = attr.file_type().ok_or(Errno::EIO)?;
        Ok(Arc::new_cyclic(|me| OvlInode {
            me: me.clone(),
            fs: fs.clone(),
            ino,
            file_type,
            upper: spin::Mutex::new(found.upper),
            lowers: found.lowers,
            links: spin::Mutex::new(Links { parent, name }),
            children: spin::Mutex::new(BTreeMap::new()),
            listing: spin::Mutex::new(None),
        }))
    }

    pub(crate) fn arc(&self) -> Result<Arc<OvlInode>> {
        self.me.upgrade().ok_or(Errno::ENOENT)
    }

    /// The upper inode, if copied up.
    pub fn upper(&self) -> Option<Arc<dyn Inode>> {
        self.upper.lock().clone()
    }

    /// The inode reads come from: upper if present, else the top lower.
    pub(crate) fn top(&self) -> Result<Arc<dyn Inode>> {
        match self.upper() {
            Some(u) => Ok(u),
            None => self.lowers.first().cloned().ok_or(Errno::EIO),
        }
    }

    pub(crate) fn is_dir(&self) -> bool {
        self.file_type == FileType::Directory
    }

    /// Looks `name` up in each layer and works out what is visible.
    pub(crate) fn find(&self, name: &[u8]) -> Result<Found> {
        let mut found = Found {
            upper: None,
            lowers: Vec::new(),
            first_lower_layer: 1,
        };
        let mut search_lowers = true;
        if let Some(u) = self.upper() {
            match u.lookup(name) {
                Ok(child) => {
                    let a = child.stat()?;
                    if is_whiteout(&a) {
                        search_lowers = false;
                    } else {
                        search_lowers = a.is_dir() && !is_opaque(&child);
                        found.upper = Some(child);
                    }
                }
                Err(Errno::ENOENT) => search_lowers = !is_opaque(&u),
                Err(e) => return Err(e),
            }
        }
        if search_lowers {
            for (i, dir) in self.lowers.iter().enumerate() {
                let child = match dir.lookup(name) {
                    Ok(c) => c,
                    Err(Errno::ENOENT) => continue,
                    Err(e) => return Err(e),
                };
                let a = child.stat()?;
                if is_whiteout(&a) {
                    break;
                }
                let have_dir = found.upper.is_some() || !found.lowers.is_empty();
                if have_dir && !a.is_dir() {
                    // A non-directory below a directory is hidden by it.
                    break;
                }
                if found.lowers.is_empty() {
                    found.first_lower_layer = i + 1;
                }
                found.lowers.push(child.clone());
                if !a.is_dir() || is_opaque(&child) {
                    break;
                }
            }
        }
        if found.upper.is_none() && found.lowers.is_empty() {
            return Err(Errno::ENOENT);
        }
        Ok(found)
    }

    /// The child `name` as an overlay inode (one object per live name).
    pub(crate) fn child(&self, name: &[u8]) -> Result<Arc<OvlInode>> {
        if let Some(c) = self.children.lock().get(name).and_then(Weak::upgrade) {
            return Ok(c);
        }
        let found = self.find(name)?;
        let fresh = OvlInode::build(&self.fs, found, Some(self.arc()?), name.to_vec())?;
        let mut children = self.children.lock();
        if let Some(c) = children.get(name).and_then(Weak::upgrade) {
            return Ok(c);
        }
        children.insert(name.to_vec(), Arc::downgrade(&fresh));
        Ok(fresh)
    }

    /// Records a child just created in the upper layer.
    pub(crate) fn adopt(&self, name: &[u8], upper: Arc<dyn Inode>) -> Result<Arc<OvlInode>> {
        let found = Found {
            upper: Some(upper),
            lowers: Vec::new(),
            first_lower_layer: 1,
        };
        let child = OvlInode::build(&self.fs, found, Some(self.arc()?), name.to_vec())?;
        self.children
            .lock()
            .insert(name.to_vec(), Arc::downgrade(&child));
        self.changed();
        Ok(child)
    }

    pub(crate) fn forget(&self, name: &[u8]) {
        self.children.lock().remove(name);
        self.changed();
    }

    /// Drops the cached listing after a change to this directory.
    pub(crate) fn changed(&self) {
        *self.listing.lock() = None;
    }

    /// The merged listing, from the cache when possible.
    fn listing(&self) -> Result<Arc<Vec<DirEntry>>> {
        if let Some(l) = self.listing.lock().as_ref() {
            return Ok(l.clone());
        }
        let fresh = Arc::new(self.merged_entries()?);
        *self.listing.lock() = Some(fresh.clone());
        Ok(fresh)
    }
}

impl Inode for OvlInode {
    fn stat(&self) -> Result<InodeAttr> {
        let mut a = self.top()?.stat()?;
        a.dev = self.fs.dev;
        a.ino = self.ino;
        Ok(a)
    }

    fn setattr(&self, attr: &SetAttr) -> Result<()> {
        self.copy_up()?.setattr(attr)
    }

    fn lookup(&self, name: &[u8]) -> Result<Arc<dyn Inode>> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(self.child(name)?)
    }

    fn create(&self, name: &[u8], new: &NewInode) -> Result<Arc<dyn Inode>> {
        self.make(name, |dir| dir.create(name, new))
    }

    fn mkdir(&self, name: &[u8], new: &NewInode) -> Result<Arc<dyn Inode>> {
        self.make(name, |dir| dir.mkdir(name, new))
    }

    fn symlink(&self, name: &[u8], target: &[u8], new: &NewInode) -> Result<Arc<dyn Inode>> {
        self.make(name, |dir| dir.symlink(name, target, new))
    }

    fn link(&self, name: &[u8], target: &Arc<dyn Inode>) -> Result<()> {
        self.link_to(name, target)
    }

    fn unlink(&self, name: &[u8]) -> Result<()> {
        self.remove(name, false)
    }

    fn rmdir(&self, name: &[u8]) -> Result<()> {
        self.remove(name, true)
    }

    fn rename(
        &self,
        old_name: &[u8],
        new_dir: &Arc<dyn Inode>,
        new_name: &[u8],
        flags: RenameFlags,
    ) -> Result<()> {
        self.rename_to(old_name, new_dir, new_name, flags)
    }

    fn readdir(&self, start: u64, sink: &mut dyn FnMut(&DirEntry) -> bool) -> Result<()> {
        if !self.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        let entries = self.listing()?;
        for e in entries
            .iter()
            .skip(usize::try_from(start).unwrap_or(usize::MAX))
        {
            if !sink(e) {
                break;
            }
        }
        Ok(())
    }

    fn readlink(&self) -> Result<Vec<u8>> {
        self.top()?.readlink()
    }

    fn get_link(&self) -> Result<Link> {
        self.top()?.get_link()
    }

    fn open(&self, flags: OpenFlags) -> Result<Box<dyn FileImpl>> {
        let write = flags.is_writable() || flags.contains(OpenFlags::O_TRUNC);
        if self.file_type == FileType::Regular && write {
            return self.copy_up()?.open(flags);
        }
        if self.is_dir() {
            return Ok(Box::new(OvlDirFile));
        }
        self.top()?.open(flags)
    }

    fn getxattr(&self, name: &[u8]) -> Result<Vec<u8>> {
        if name.starts_with(PRIVATE_XATTR_PREFIX) {
            return Err(Errno::ENODATA);
        }
        self.top()?.getxattr(name)
    }

    fn setxattr(&self, name: &[u8], value: &[u8], flags: u32) -> Result<()> {
        if name.starts_with(PRIVATE_XATTR_PREFIX) {
            return Err(Errno::EPERM);
        }
        self.copy_up()?.setxattr(name, value, flags)
    }

    fn listxattr(&self) -> Result<Vec<Vec<u8>>> {
        let mut names = self.top()?.listxattr()?;
        names.retain(|n| !n.starts_with(PRIVATE_XATTR_PREFIX));
        Ok(names)
    }

    fn removexattr(&self, name: &[u8]) -> Result<()> {
        if name.starts_with(PRIVATE_XATTR_PREFIX) {
            return Err(Errno::EPERM);
        }
        self.copy_up()?.removexattr(name)
    }
}

/// An open overlay directory; listing goes through the merged inode.
struct OvlDirFile;

impl FileImpl for OvlDirFile {
    fn is_mappable(&self) -> bool {
        false
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OverlayFs;
    use alloc::vec;
    use fs_tmpfs::{TmpFs, TmpFsOptions};
    use vfs::uapi::{S_IFDIR, S_IFREG};
    use vfs::{Clock, Filesystem, Timespec};

    struct Zero;
    impl Clock for Zero {
        fn now(&self) -> Timespec {
            Timespec::default()
        }
    }

    fn tmpfs() -> Arc<TmpFs> {
        TmpFs::new(TmpFsOptions::default(), Arc::new(Zero)).unwrap_or_else(|e| panic!("{e}"))
    }

    fn mk(dir: &Arc<dyn Inode>, name: &str, mode: u32) -> Arc<dyn Inode> {
        let new = NewInode {
            mode,
            uid: 0,
            gid: 0,
            rdev: 0,
        };
        let r = if mode & S_IFMT == S_IFDIR {
            dir.mkdir(name.as_bytes(), &new)
        } else {
            dir.create(name.as_bytes(), &new)
        };
        r.unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    fn names(dir: &Arc<dyn Inode>) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        dir.readdir(0, &mut |e: &DirEntry| {
            out.push(e.name.clone());
            true
        })
        .unwrap_or_else(|e| panic!("{e}"));
        out.sort();
        out
    }

    #[test]
    fn layer_tags_keep_inode_numbers_apart() {
        assert_eq!(tag(0, 5), 5);
        assert_eq!(tag(1, 5), (1 << 56) | 5);
        assert_ne!(tag(1, 5), tag(2, 5));
    }

    #[test]
    fn three_layers_merge_with_whiteouts_and_opaque_dirs() {
        let (upper, mid, low) = (tmpfs(), tmpfs(), tmpfs());
        let (m, l) = (mid.root(), low.root());
        // low: d/{a,b,c}, e/{x}; mid: d/{m} + whiteout d/b, e opaque with e/{y}.
        let ld = mk(&l, "d", S_IFDIR | 0o755);
        for n in ["a", "b", "c"] {
            mk(&ld, n, S_IFREG | 0o644);
        }
        let le = mk(&l, "e", S_IFDIR | 0o755);
        mk(&le, "x", S_IFREG | 0o644);
        let md = mk(&m, "d", S_IFDIR | 0o755);
        mk(&md, "m", S_IFREG | 0o644);
        mk(&md, "b", S_IFCHR);
        let me = mk(&m, "e", S_IFDIR | 0o755);
        me.setxattr(crate::OPAQUE_XATTR, b"y", 0)
            .unwrap_or_else(|e| panic!("{e}"));
        mk(&me, "y", S_IFREG | 0o644);
        let lowers: Vec<Arc<dyn Filesystem>> = vec![mid, low];
        let ovl = OverlayFs::new(7, upper, &lowers).unwrap_or_else(|e| panic!("{e}"));
        let root = ovl.root();
        let d = root.lookup(b"d").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&d), [b"a".to_vec(), b"c".to_vec(), b"m".to_vec()]);
        assert_eq!(d.lookup(b"b").err(), Some(Errno::ENOENT));
        assert!(d.lookup(b"a").is_ok());
        let e = root.lookup(b"e").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(names(&e), [b"y".to_vec()]);
        assert_eq!(e.lookup(b"x").err(), Some(Errno::ENOENT));
        // The same name yields the same overlay inode while it is held.
        let again = root.lookup(b"d").unwrap_or_else(|e| panic!("{e}"));
        assert!(Arc::ptr_eq(&d, &again));
        // Stat reports the overlay device and the top lower's tagged number.
        let st = d.stat().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(st.dev, 7);
        assert_eq!(st.ino >> 56, 1);
    }

    #[test]
    fn file_above_directory_hides_it() {
        let (upper, low) = (tmpfs(), tmpfs());
        let l = low.root();
        let ld = mk(&l, "n", S_IFDIR | 0o755);
        mk(&ld, "inner", S_IFREG | 0o644);
        mk(&upper.root(), "n", S_IFREG | 0o600);
        let lowers: Vec<Arc<dyn Filesystem>> = vec![low];
        let ovl = OverlayFs::new(7, upper, &lowers).unwrap_or_else(|e| panic!("{e}"));
        let n = ovl.root().lookup(b"n").unwrap_or_else(|e| panic!("{e}"));
        assert!(n.stat().is_ok_and(|a| a.mode & S_IFMT == S_IFREG));
        assert_eq!(n.lookup(b"inner").err(), Some(Errno::ENOTDIR));
    }

    #[test]
    fn needs_a_lower_and_a_directory_upper() {
        let lowers: Vec<Arc<dyn Filesystem>> = Vec::new();
        assert!(matches!(
            OverlayFs::new(1, tmpfs(), &lowers),
            Err(Errno::EINVAL)
        ));
    }
}
