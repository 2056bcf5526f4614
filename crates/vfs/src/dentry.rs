//! The dentry cache: named links between inodes, kept so repeated path walks
//! do not call into filesystems, and so `..` can be answered without asking
//! the filesystem (the cache remembers each dentry's parent).

use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::inode::Inode;
use crate::uapi::FileType;

static NEXT_DENTRY_ID: AtomicU64 = AtomicU64::new(1);

struct Links {
    name: Vec<u8>,
    parent: Option<Arc<Dentry>>,
}

/// A cached name → inode link. The root dentry of a filesystem has no
/// parent. Children are cached until they are unlinked or renamed away;
/// there is no eviction yet.
pub struct Dentry {
    id: u64,
    inode: Arc<dyn Inode>,
    file_type: Option<FileType>,
    links: spin::Mutex<Links>,
    children: spin::Mutex<BTreeMap<Vec<u8>, Arc<Dentry>>>,
    mount_count: AtomicU32,
    dead: AtomicBool,
}

impl Dentry {
    /// A parentless dentry for a filesystem root.
    pub fn new_root(inode: Arc<dyn Inode>) -> Arc<Dentry> {
        Dentry::new(inode, Vec::new(), None)
    }

    fn new(inode: Arc<dyn Inode>, name: Vec<u8>, parent: Option<Arc<Dentry>>) -> Arc<Dentry> {
        let file_type = inode.stat().ok().and_then(|a| a.file_type());
        Arc::new(Dentry {
            id: NEXT_DENTRY_ID.fetch_add(1, Ordering::Relaxed),
            inode,
            file_type,
            links: spin::Mutex::new(Links { name, parent }),
            children: spin::Mutex::new(BTreeMap::new()),
            mount_count: AtomicU32::new(0),
            dead: AtomicBool::new(false),
        })
    }

    /// A unique id, used to key the mount table.
    pub fn id(&self) -> u64 {
        self.id
    }

    /// The inode this dentry names.
    pub fn inode(&self) -> &Arc<dyn Inode> {
        &self.inode
    }

    /// The inode's type, read once when the dentry was made.
    pub fn file_type(&self) -> Option<FileType> {
        self.file_type
    }

    /// Whether the inode is a directory.
    pub fn is_dir(&self) -> bool {
        self.file_type == Some(FileType::Directory)
    }

    /// Whether the inode is a symlink.
    pub fn is_symlink(&self) -> bool {
        self.file_type == Some(FileType::Symlink)
    }

    /// The name in the parent directory (empty for a root).
    pub fn name(&self) -> Vec<u8> {
        self.links.lock().name.clone()
    }

    /// The parent dentry, `None` for a filesystem root.
    pub fn parent(&self) -> Option<Arc<Dentry>> {
        self.links.lock().parent.clone()
    }

    /// The cached child `name`, if any.
    pub fn cached_child(&self, name: &[u8]) -> Option<Arc<Dentry>> {
        self.children.lock().get(name).cloned()
    }

    /// Caches `inode` as child `name` of `this`, or returns the dentry a
    /// concurrent lookup cached first.
    pub fn insert_child(this: &Arc<Dentry>, name: &[u8], inode: Arc<dyn Inode>) -> Arc<Dentry> {
        let mut children = this.children.lock();
        if let Some(d) = children.get(name) {
            return d.clone();
        }
        let d = Dentry::new(inode, name.to_vec(), Some(this.clone()));
        children.insert(name.to_vec(), d.clone());
        d
    }

    /// Drops the cached child `name` (after unlink, rmdir, or a rename over it).
    pub fn forget_child(&self, name: &[u8]) -> Option<Arc<Dentry>> {
        self.children.lock().remove(name)
    }

    /// Moves `child` to `new_parent` under `new_name` in the cache (after a
    /// successful rename), dropping whatever was cached at the destination.
    pub fn move_child(child: &Arc<Dentry>, new_parent: &Arc<Dentry>, new_name: &[u8]) {
        if let Some(old_parent) = child.parent() {
            let name = child.name();
            let mut children = old_parent.children.lock();
            if children.get(&name).is_some_and(|d| Arc::ptr_eq(d, child)) {
                children.remove(&name);
            }
        }
        {
            let mut links = child.links.lock();
            links.name = new_name.to_vec();
            links.parent = Some(new_parent.clone());
        }
        new_parent
            .children
            .lock()
            .insert(new_name.to_vec(), child.clone());
    }

    /// Whether `self` is `other` or one of its descendants (by cached parents).
    pub fn is_descendant_of(&self, other: &Dentry) -> bool {
        if self.id == other.id {
            return true;
        }
        let mut cur = self.parent();
        while let Some(d) = cur {
            if d.id == other.id {
                return true;
            }
            cur = d.parent();
        }
        false
    }

    /// Whether the name was unlinked, removed or renamed over (the inode
    /// may live on through open files; `d_path` appends " (deleted)").
    pub fn is_dead(&self) -> bool {
        self.dead.load(Ordering::Acquire)
    }

    pub(crate) fn mark_dead(&self) {
        self.dead.store(true, Ordering::Release);
    }

    /// Whether something is mounted on this dentry (in any mount).
    pub fn is_mountpoint(&self) -> bool {
        self.mount_count.load(Ordering::Acquire) > 0
    }

    pub(crate) fn add_mount(&self) {
        self.mount_count.fetch_add(1, Ordering::AcqRel);
    }

    pub(crate) fn remove_mount(&self) {
        self.mount_count.fetch_sub(1, Ordering::AcqRel);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::attr::InodeAttr;
    use crate::errno::Result;
    use crate::uapi::S_IFDIR;

    struct Dir;
    impl Inode for Dir {
        fn stat(&self) -> Result<InodeAttr> {
            Ok(InodeAttr {
                mode: S_IFDIR | 0o755,
                ..InodeAttr::default()
            })
        }
    }

    #[test]
    fn insert_move_forget() {
        let root = Dentry::new_root(Arc::new(Dir));
        assert!(root.is_dir() && root.parent().is_none());
        let a = Dentry::insert_child(&root, b"a", Arc::new(Dir));
        let again = Dentry::insert_child(&root, b"a", Arc::new(Dir));
        assert!(Arc::ptr_eq(&a, &again));
        let b = Dentry::insert_child(&a, b"b", Arc::new(Dir));
        assert!(b.is_descendant_of(&root));
        assert!(!root.is_descendant_of(&b));
        Dentry::move_child(&b, &root, b"c");
        assert!(a.cached_child(b"b").is_none());
        assert!(root.cached_child(b"c").is_some_and(|d| Arc::ptr_eq(&d, &b)));
        assert_eq!(b.name(), b"c".to_vec());
        assert!(root.forget_child(b"c").is_some());
        assert!(root.cached_child(b"c").is_none());
    }
}
