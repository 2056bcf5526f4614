//! Helpers for a [`crate::ProcSource`] implementation: describing
//! locations and open files the way `/proc/<pid>/{exe,cwd,root,fd/N}` and
//! `fdinfo/N` show them, from VFS objects.

use vfs::{FileDescription, OpenFlags, PathRef, Result, Vfs};

use crate::source::{FdInfo, LinkTarget};

/// The link for location `at` as seen from `root` (the reading task's
/// root): the location itself to jump to, and its path text, with
/// `" (deleted)"` once unlinked, as Linux's `d_path` shows it.
pub fn link_target(vfs: &Vfs, root: &PathRef, at: &PathRef) -> LinkTarget {
    let name = vfs.path_name(root, at);
    let mut text = name.path;
    if name.deleted {
        text.extend_from_slice(b" (deleted)");
    }
    LinkTarget {
        path: Some(at.clone()),
        text,
    }
}

/// Describes an open file for `fd/N` and `fdinfo/N`. `anon_name` names a
/// file without a location (`pipe:[1234]`, `anon_inode:[eventfd]`);
/// `cloexec` is the descriptor's close-on-exec flag, which `fdinfo`
/// reports among the flags.
pub fn fd_info(
    vfs: &Vfs,
    root: &PathRef,
    file: &FileDescription,
    cloexec: bool,
    anon_name: impl FnOnce() -> Vec<u8>,
) -> Result<FdInfo> {
    let attr = file.stat()?;
    let (target, mnt_id) = match file.path() {
        Some(at) => (link_target(vfs, root, at), at.mount.id()),
        None => (
            LinkTarget {
                path: None,
                text: anon_name(),
            },
            0,
        ),
    };
    let mut flags = file.status_flags();
    if cloexec {
        flags |= OpenFlags::O_CLOEXEC;
    }
    let access = file.access_mode();
    Ok(FdInfo {
        target,
        pos: file.offset(),
        flags: flags.bits(),
        mnt_id,
        ino: attr.ino,
        readable: access.readable() && !file.is_path_only(),
        writable: access.writable() && !file.is_path_only(),
    })
}
