//! Path resolution (Linux's fs/namei.c `link_path_walk`): components, `.`
//! and `..` (stopping at the task root, crossing mount roots upward),
//! mount crossing downward, symlinks with a 40-hop budget shared by the
//! whole walk, length limits, search permission, and the `openat2`
//! `RESOLVE_*` restrictions.

use alloc::sync::Arc;
use alloc::vec::Vec;

use crate::cred::{Access, Credentials};
use crate::dentry::Dentry;
use crate::errno::{Errno, Result};
use crate::inode::Link;
use crate::mount::PathRef;
use crate::uapi::{ResolveFlags, MAXSYMLINKS, NAME_MAX, PATH_MAX};
use crate::vfs::{Context, Vfs};

/// The final component of a path, as the walk to its parent found it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Last {
    /// An ordinary name.
    Name(Vec<u8>),
    /// `.` or a path that is only slashes (the root itself).
    Dot,
    /// `..`.
    DotDot,
}

/// The result of walking all but the final component.
pub(crate) struct Parent {
    /// The directory holding the final component.
    pub dir: PathRef,
    /// The final component.
    pub last: Last,
    /// Whether the path ended in `/` (the final component must be a
    /// directory, and a final symlink is followed).
    pub trailing_slash: bool,
}

/// One path resolution in progress.
pub(crate) struct Walker<'a> {
    vfs: &'a Vfs,
    cred: &'a Credentials,
    root: PathRef,
    flags: ResolveFlags,
    hops: u32,
}

impl<'a> Walker<'a> {
    /// Starts a walk; under `RESOLVE_BENEATH`/`RESOLVE_IN_ROOT` the start
    /// directory acts as the root.
    pub fn new(vfs: &'a Vfs, ctx: &Context<'a>, start: &PathRef) -> Walker<'a> {
        let scoped = ctx
            .resolve
            .intersects(ResolveFlags::RESOLVE_BENEATH | ResolveFlags::RESOLVE_IN_ROOT);
        let root = if scoped {
            start.clone()
        } else {
            ctx.root.clone()
        };
        Walker {
            vfs,
            cred: ctx.cred,
            root,
            flags: ctx.resolve,
            hops: 0,
        }
    }

    /// The credentials of the walk.
    pub fn cred(&self) -> &'a Credentials {
        self.cred
    }

    /// Walks `path` from `start` up to its final component.
    pub fn walk_parent(&mut self, start: &PathRef, path: &[u8]) -> Result<Parent> {
        if path.is_empty() {
            return Err(Errno::ENOENT);
        }
        if path.len() >= PATH_MAX {
            return Err(Errno::ENAMETOOLONG);
        }
        let mut cur = if path[0] == b'/' {
            if self.flags.contains(ResolveFlags::RESOLVE_BENEATH) {
                return Err(Errno::EXDEV);
            }
            self.root.clone()
        } else {
            start.clone()
        };
        let trailing_slash = path.len() > 1 && path.ends_with(b"/");
        let mut comps = path
            .split(|&b| b == b'/')
            .filter(|c| !c.is_empty())
            .peekable();
        let mut last = Last::Dot;
        while let Some(comp) = comps.next() {
            if comp.len() > NAME_MAX {
                return Err(Errno::ENAMETOOLONG);
            }
            if comps.peek().is_none() {
                last = match comp {
                    b"." => Last::Dot,
                    b".." => Last::DotDot,
                    name => Last::Name(name.to_vec()),
                };
                break;
            }
            cur = self.step(&cur, comp, true)?;
            if !cur.dentry.is_dir() {
                return Err(Errno::ENOTDIR);
            }
        }
        if !cur.dentry.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(Parent {
            dir: cur,
            last,
            trailing_slash,
        })
    }

    /// Walks all of `path`, following a final symlink if `follow`.
    pub fn walk(&mut self, start: &PathRef, path: &[u8], follow: bool) -> Result<PathRef> {
        let p = self.walk_parent(start, path)?;
        self.finish(p, follow)
    }

    /// Resolves the final component found by [`Walker::walk_parent`].
    pub fn finish(&mut self, p: Parent, follow: bool) -> Result<PathRef> {
        let follow = follow || p.trailing_slash;
        let target = match &p.last {
            Last::Dot => {
                self.may_search(&p.dir)?;
                p.dir.clone()
            }
            Last::DotDot => {
                self.may_search(&p.dir)?;
                self.dotdot(&p.dir)?
            }
            Last::Name(name) => self.step(&p.dir, name, follow)?,
        };
        if p.trailing_slash && !target.dentry.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        Ok(target)
    }

    /// Checks search permission on a directory.
    pub fn may_search(&self, dir: &PathRef) -> Result<()> {
        if !dir.dentry.is_dir() {
            return Err(Errno::ENOTDIR);
        }
        self.cred.check(&dir.inode().stat()?, Access::MAY_EXEC)
    }

    /// One step from directory `cur` through component `name`.
    fn step(&mut self, cur: &PathRef, name: &[u8], follow: bool) -> Result<PathRef> {
        self.may_search(cur)?;
        match name {
            b"." => Ok(cur.clone()),
            b".." => self.dotdot(cur),
            _ => {
                let child = self.lookup(cur, name)?;
                if follow && child.dentry.is_symlink() {
                    self.follow_link(cur, &child)
                } else {
                    Ok(child)
                }
            }
        }
    }

    /// Looks `name` up in `dir` through the dentry cache, then crosses any
    /// mounts stacked on the result.
    pub fn lookup(&self, dir: &PathRef, name: &[u8]) -> Result<PathRef> {
        let dentry = match dir.dentry.cached_child(name) {
            Some(d) => d,
            None => {
                if self.flags.contains(ResolveFlags::RESOLVE_CACHED) {
                    return Err(Errno::EAGAIN);
                }
                let inode = dir.inode().lookup(name)?;
                Dentry::insert_child(&dir.dentry, name, inode)
            }
        };
        let child = PathRef::new(dir.mount.clone(), dentry);
        let crossed = self.vfs.cross_mounts(child.clone());
        if !crossed.same(&child) && self.flags.contains(ResolveFlags::RESOLVE_NO_XDEV) {
            return Err(Errno::EXDEV);
        }
        Ok(crossed)
    }

    /// Follows the symlink `link` found in directory `dir`.
    pub fn follow_link(&mut self, dir: &PathRef, link: &PathRef) -> Result<PathRef> {
        if self.flags.contains(ResolveFlags::RESOLVE_NO_SYMLINKS) {
            return Err(Errno::ELOOP);
        }
        self.hops += 1;
        if self.hops > MAXSYMLINKS {
            return Err(Errno::ELOOP);
        }
        match link.inode().get_link()? {
            Link::Target(target) => self.walk(dir, &target, true),
            Link::Jump(to) => {
                let scoped = ResolveFlags::RESOLVE_NO_MAGICLINKS
                    | ResolveFlags::RESOLVE_BENEATH
                    | ResolveFlags::RESOLVE_IN_ROOT;
                if self.flags.intersects(scoped) {
                    return Err(Errno::ELOOP);
                }
                Ok(to)
            }
        }
    }

    /// Counts one more symlink hop for callers that follow final symlinks
    /// themselves (`open` with `O_CREAT`); ELOOP past the budget.
    pub fn count_hop(&mut self) -> Result<()> {
        if self.flags.contains(ResolveFlags::RESOLVE_NO_SYMLINKS) {
            return Err(Errno::ELOOP);
        }
        self.hops += 1;
        if self.hops > MAXSYMLINKS {
            return Err(Errno::ELOOP);
        }
        Ok(())
    }

    /// `..` from `cur`: stays at the root, climbs out of mount roots.
    fn dotdot(&self, cur: &PathRef) -> Result<PathRef> {
        let mut cur = cur.clone();
        loop {
            if cur.same(&self.root) {
                if self.flags.contains(ResolveFlags::RESOLVE_BENEATH) {
                    return Err(Errno::EXDEV);
                }
                return Ok(cur);
            }
            if cur.dentry.id() != cur.mount.root().id() {
                break;
            }
            match cur.mount.mountpoint() {
                Some(mp) => {
                    if self.flags.contains(ResolveFlags::RESOLVE_NO_XDEV) {
                        return Err(Errno::EXDEV);
                    }
                    cur = mp.clone();
                }
                None => return Ok(cur),
            }
        }
        let parent: Arc<Dentry> = cur.dentry.parent().unwrap_or_else(|| cur.dentry.clone());
        Ok(PathRef::new(cur.mount.clone(), parent))
    }
}
