//! `d_path`: the textual path of a location, for `getcwd(2)`,
//! `/proc/self/fd/*`, `/proc/self/cwd` and `/proc/self/mountinfo`.

use alloc::vec::Vec;

use crate::mount::PathRef;
use crate::vfs::Vfs;

/// The path of a location as seen from some root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PathName {
    /// The absolute path, `/`-separated, without a `" (deleted)"` suffix.
    pub path: Vec<u8>,
    /// Whether the location is below the root it was named from (`false`:
    /// `path` is relative to the top of the mount tree instead, and
    /// `getcwd` must prefix `"(unreachable)"`).
    pub reachable: bool,
    /// Whether the name has been unlinked (`getcwd` gives ENOENT; procfs
    /// links append `" (deleted)"`).
    pub deleted: bool,
}

impl Vfs {
    /// The path of `at` as seen from `root`, crossing mount roots upward.
    pub fn path_name(&self, root: &PathRef, at: &PathRef) -> PathName {
        let deleted = at.dentry.is_dead();
        let mut comps: Vec<Vec<u8>> = Vec::new();
        let mut cur = at.clone();
        let reachable = loop {
            if cur.same(root) {
                break true;
            }
            if cur.dentry.id() == cur.mount.root().id() {
                match cur.mount.mountpoint() {
                    Some(mp) => {
                        cur = mp.clone();
                        continue;
                    }
                    None => break false,
                }
            }
            match cur.dentry.parent() {
                Some(parent) => {
                    comps.push(cur.dentry.name());
                    cur = PathRef::new(cur.mount.clone(), parent);
                }
                None => break false,
            }
        };
        let mut path = Vec::new();
        for c in comps.iter().rev() {
            path.push(b'/');
            path.extend_from_slice(c);
        }
        if path.is_empty() {
            path.push(b'/');
        }
        PathName {
            path,
            reachable,
            deleted,
        }
    }
}
