//! Merged directory listings: upper entries, then lower entries not hidden
//! by a whiteout, an opaque directory or a name already seen.

use alloc::collections::BTreeSet;
use alloc::vec::Vec;

use vfs::{DirEntry, Errno, Result};

use crate::inode::{is_opaque, is_whiteout, OvlInode};

impl OvlInode {
    /// The merged entries of this directory, upper layer first.
    pub(crate) fn merged_entries(&self) -> Result<Vec<DirEntry>> {
        let mut seen: BTreeSet<Vec<u8>> = BTreeSet::new();
        let mut out: Vec<DirEntry> = Vec::new();
        let mut opaque = false;
        if let Some(u) = self.upper() {
            opaque = is_opaque(&u);
            let mut raw: Vec<DirEntry> = Vec::new();
            u.readdir(0, &mut |e: &DirEntry| {
                raw.push(e.clone());
                true
            })?;
            for mut e in raw {
                seen.insert(e.name.clone());
                let child = match u.lookup(&e.name) {
                    Ok(c) => c,
                    // Removed since the listing; skip it.
                    Err(Errno::ENOENT) => continue,
                    Err(err) => return Err(err),
                };
                if is_whiteout(&child.stat()?) {
                    continue;
                }
                // Report the same number stat does.
                e.ino = self.child(&e.name).map(|c| c.ino).unwrap_or(e.ino);
                out.push(e);
            }
        }
        if !opaque {
            for dir in &self.lowers {
                let mut raw: Vec<DirEntry> = Vec::new();
                dir.readdir(0, &mut |e: &DirEntry| {
                    raw.push(e.clone());
                    true
                })?;
                for mut e in raw {
                    if !seen.insert(e.name.clone()) {
                        continue;
                    }
                    let child = match dir.lookup(&e.name) {
                        Ok(c) => c,
                        Err(Errno::ENOENT) => continue,
                        Err(err) => return Err(err),
                    };
                    if is_whiteout(&child.stat()?) {
                        continue;
                    }
                    e.ino = self.child(&e.name).map(|c| c.ino).unwrap_or(e.ino);
                    out.push(e);
                }
                if is_opaque(dir) {
                    break;
                }
            }
        }
        Ok(out)
    }
}
