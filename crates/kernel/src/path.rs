//! Path names of locations (`d_path`): what `getcwd`, `/proc/self/exe`,
//! `/proc/self/fd/N` and `/proc/self/maps` show.

use vfs::PathRef;

/// The longest chain of parents followed; a deeper tree (or a cycle, which
/// the VFS must never create) ends the walk there.
const MAX_DEPTH: usize = 4096;

/// The absolute path of `p` as seen from `root`. A location outside `root`
/// is shown from the VFS root, as Linux does for `/proc` links (without its
/// `(unreachable)` marker).
pub fn d_path(p: &PathRef, root: &PathRef) -> Vec<u8> {
    let mut parts: Vec<Vec<u8>> = Vec::new();
    let mut cur = p.clone();
    for _ in 0..MAX_DEPTH {
        if cur.same(root) {
            break;
        }
        if cur.dentry.id() == cur.mount.root().id() {
            match cur.mount.mountpoint() {
                Some(mp) => {
                    cur = mp.clone();
                    continue;
                }
                None => break,
            }
        }
        match cur.dentry.parent() {
            Some(parent) => {
                parts.push(cur.dentry.name());
                cur = PathRef::new(cur.mount.clone(), parent);
            }
            None => break,
        }
    }
    if parts.is_empty() {
        return b"/".to_vec();
    }
    let mut out = Vec::new();
    for part in parts.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(part);
    }
    out
}
