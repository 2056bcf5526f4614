//! Building [`MountEntry`] rows from the VFS mount tree, so a kernel's
//! [`crate::ProcSource::mounts`] is one call: every mount reachable from
//! the task's root, in mount order, with Linux's option strings.

use vfs::{Dentry, Mount, MountFlags, PathRef, Vfs};

use crate::source::MountEntry;

/// The per-mount option string (`rw,nosuid,nodev,noexec,relatime`).
pub fn mount_options(flags: MountFlags) -> Vec<u8> {
    let mut s = String::from(if flags.contains(MountFlags::MS_RDONLY) {
        "ro"
    } else {
        "rw"
    });
    for (flag, name) in [
        (MountFlags::MS_NOSUID, ",nosuid"),
        (MountFlags::MS_NODEV, ",nodev"),
        (MountFlags::MS_NOEXEC, ",noexec"),
        (MountFlags::MS_SYNCHRONOUS, ",sync"),
        (MountFlags::MS_DIRSYNC, ",dirsync"),
        (MountFlags::MS_NOSYMFOLLOW, ",nosymfollow"),
    ] {
        if flags.contains(flag) {
            s.push_str(name);
        }
    }
    s.push_str(if flags.contains(MountFlags::MS_NOATIME) {
        ",noatime"
    } else {
        ",relatime"
    });
    s.into_bytes()
}

/// The path of `d` within its own filesystem (a bind mount's root).
fn path_in_fs(d: &Dentry) -> Vec<u8> {
    let mut comps = Vec::new();
    let mut name = d.name();
    let mut cur = d.parent();
    while let Some(p) = cur {
        comps.push(name);
        name = p.name();
        cur = p.parent();
    }
    let mut out = Vec::new();
    for c in comps.iter().rev() {
        out.push(b'/');
        out.extend_from_slice(c);
    }
    if out.is_empty() {
        out.push(b'/');
    }
    out
}

fn entry(vfs: &Vfs, root: &PathRef, m: &std::sync::Arc<Mount>) -> Option<MountEntry> {
    let at = PathRef::new(m.clone(), m.root().clone());
    let name = vfs.path_name(root, &at);
    if !name.reachable {
        return None;
    }
    let dev = m.root().inode().stat().map(|a| a.dev).unwrap_or(0);
    let fs_type = m.fs().name().as_bytes().to_vec();
    let ro = if m.is_readonly() { "ro" } else { "rw" };
    Some(MountEntry {
        id: m.id(),
        parent_id: m.mountpoint().map_or(m.id(), |p| p.mount.id()),
        major: abi::stat::major(dev),
        minor: abi::stat::minor(dev),
        root: path_in_fs(m.root()),
        mount_point: name.path,
        mount_options: mount_options(m.flags()),
        source: fs_type.clone(),
        fs_type,
        super_options: ro.as_bytes().to_vec(),
    })
}

/// The mounts visible from `root` (a task's root directory), the root
/// mount first, then in mount order.
pub fn mount_entries(vfs: &Vfs, root: &PathRef) -> Vec<MountEntry> {
    let top = vfs.root().mount;
    std::iter::once(top)
        .chain(vfs.mounts())
        .filter_map(|m| entry(vfs, root, &m))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn option_strings() {
        assert_eq!(mount_options(MountFlags::empty()), b"rw,relatime");
        assert_eq!(
            mount_options(MountFlags::MS_RDONLY | MountFlags::MS_NOSUID | MountFlags::MS_NOEXEC),
            b"ro,nosuid,noexec,relatime"
        );
        assert_eq!(mount_options(MountFlags::MS_NOATIME), b"rw,noatime");
    }
}
