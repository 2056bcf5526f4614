//! `<linux/mount.h>`: the file-descriptor-based mount API (`open_tree`,
//! `move_mount`, `fsopen`, `fsconfig`, `fsmount`, `fspick`,
//! `mount_setattr`) and the `listmount`/`statmount` request. The classic
//! `mount(2)` flags (`MS_*`) are in [`crate::fs`].

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

bitflags! {
    /// `open_tree(2)` flags (besides the `AT_*` ones).
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct OpenTreeFlags: u32 {
        /// Clone the tree into a detached mount instead of opening it.
        const OPEN_TREE_CLONE = 1;
        /// Close on exec (`O_CLOEXEC`).
        const OPEN_TREE_CLOEXEC = 0o2000000;
    }
}

bitflags! {
    /// `move_mount(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MoveMountFlags: u32 {
        /// Follow symbolic links on the source path.
        const MOVE_MOUNT_F_SYMLINKS = 0x1;
        /// Follow automounts on the source path.
        const MOVE_MOUNT_F_AUTOMOUNTS = 0x2;
        /// An empty source path means the source fd.
        const MOVE_MOUNT_F_EMPTY_PATH = 0x4;
        /// Follow symbolic links on the target path.
        const MOVE_MOUNT_T_SYMLINKS = 0x10;
        /// Follow automounts on the target path.
        const MOVE_MOUNT_T_AUTOMOUNTS = 0x20;
        /// An empty target path means the target fd.
        const MOVE_MOUNT_T_EMPTY_PATH = 0x40;
        /// Put the source in the target's peer group.
        const MOVE_MOUNT_SET_GROUP = 0x100;
        /// Mount beneath the top mount of the target.
        const MOVE_MOUNT_BENEATH = 0x200;
    }
}

/// `fsopen(2)`: close on exec.
pub const FSOPEN_CLOEXEC: u32 = 1;
/// `fsmount(2)`: close on exec.
pub const FSMOUNT_CLOEXEC: u32 = 1;

bitflags! {
    /// `fspick(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct FspickFlags: u32 {
        /// Close on exec.
        const FSPICK_CLOEXEC = 0x1;
        /// Do not follow a trailing symbolic link.
        const FSPICK_SYMLINK_NOFOLLOW = 0x2;
        /// Do not trigger an automount.
        const FSPICK_NO_AUTOMOUNT = 0x4;
        /// An empty path means the fd.
        const FSPICK_EMPTY_PATH = 0x8;
    }
}

/// `fsconfig`: set a flag parameter (no value).
pub const FSCONFIG_SET_FLAG: u32 = 0;
/// `fsconfig`: set a string parameter.
pub const FSCONFIG_SET_STRING: u32 = 1;
/// `fsconfig`: set a binary-blob parameter.
pub const FSCONFIG_SET_BINARY: u32 = 2;
/// `fsconfig`: set a path parameter.
pub const FSCONFIG_SET_PATH: u32 = 3;
/// `fsconfig`: set a path parameter that may be empty.
pub const FSCONFIG_SET_PATH_EMPTY: u32 = 4;
/// `fsconfig`: set a file-descriptor parameter.
pub const FSCONFIG_SET_FD: u32 = 5;
/// `fsconfig`: create the superblock.
pub const FSCONFIG_CMD_CREATE: u32 = 6;
/// `fsconfig`: apply a reconfiguration.
pub const FSCONFIG_CMD_RECONFIGURE: u32 = 7;
/// `fsconfig`: create a new superblock, never reuse one.
pub const FSCONFIG_CMD_CREATE_EXCL: u32 = 8;

bitflags! {
    /// Mount attributes (`MOUNT_ATTR_*`) of `fsmount` and `mount_setattr`.
    /// The access-time mode is a 3-bit field ([`MountAttr::MOUNT_ATTR__ATIME`]),
    /// in which `MOUNT_ATTR_RELATIME` is 0.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct MountAttr: u64 {
        /// Read-only.
        const MOUNT_ATTR_RDONLY = 0x1;
        /// Ignore set-id bits.
        const MOUNT_ATTR_NOSUID = 0x2;
        /// Disallow device files.
        const MOUNT_ATTR_NODEV = 0x4;
        /// Disallow execution.
        const MOUNT_ATTR_NOEXEC = 0x8;
        /// The access-time mode field.
        const MOUNT_ATTR__ATIME = 0x70;
        /// Access-time mode: never update.
        const MOUNT_ATTR_NOATIME = 0x10;
        /// Access-time mode: always update.
        const MOUNT_ATTR_STRICTATIME = 0x20;
        /// No directory access-time updates.
        const MOUNT_ATTR_NODIRATIME = 0x80;
        /// Idmap the mount with `userns_fd`'s mapping.
        const MOUNT_ATTR_IDMAP = 0x10_0000;
        /// Do not follow symbolic links.
        const MOUNT_ATTR_NOSYMFOLLOW = 0x20_0000;
    }
}

impl MountAttr {
    /// Access-time mode: relative updates (the zero value of the field).
    pub const MOUNT_ATTR_RELATIME: MountAttr = MountAttr::empty();
}

/// The `mount_setattr(2)` argument.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct mount_attr {
    /// [`MountAttr`] bits to set.
    pub attr_set: u64,
    /// [`MountAttr`] bits to clear.
    pub attr_clr: u64,
    /// New propagation type (`MS_SHARED`, `MS_SLAVE`, ...), or 0.
    pub propagation: u64,
    /// User namespace fd for `MOUNT_ATTR_IDMAP`.
    pub userns_fd: u64,
}

/// Size of the first published `mount_attr`.
pub const MOUNT_ATTR_SIZE_VER0: usize = 32;

/// The request of `listmount(2)` and `statmount(2)`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct mnt_id_req {
    /// Size of this structure as the caller knows it.
    pub size: u32,
    /// Mount-namespace fd (6.18), or 0.
    pub mnt_ns_fd: u32,
    /// Unique mount id to query (`statmount`) or list under (`listmount`).
    pub mnt_id: u64,
    /// `STATMOUNT_*` mask, or the last id seen for `listmount`.
    pub param: u64,
    /// Mount-namespace id (version 1), or 0 for the caller's.
    pub mnt_ns_id: u64,
}

/// Size of the first `mnt_id_req` (without `mnt_ns_id`).
pub const MNT_ID_REQ_SIZE_VER0: usize = 24;
/// Size of the `mnt_id_req` with `mnt_ns_id`.
pub const MNT_ID_REQ_SIZE_VER1: usize = 32;
/// `listmount`: list from the namespace root.
pub const LSMT_ROOT: u64 = u64::MAX;

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn mount_attr_layout_matches_libc() {
        assert_eq!(size_of::<mount_attr>(), size_of::<libc::mount_attr>());
        assert_eq!(size_of::<mount_attr>(), MOUNT_ATTR_SIZE_VER0);
        assert_eq!(align_of::<mount_attr>(), align_of::<libc::mount_attr>());
        assert_eq!(
            offset_of!(mount_attr, attr_set),
            offset_of!(libc::mount_attr, attr_set)
        );
        assert_eq!(
            offset_of!(mount_attr, attr_clr),
            offset_of!(libc::mount_attr, attr_clr)
        );
        assert_eq!(
            offset_of!(mount_attr, propagation),
            offset_of!(libc::mount_attr, propagation)
        );
        assert_eq!(
            offset_of!(mount_attr, userns_fd),
            offset_of!(libc::mount_attr, userns_fd)
        );
    }

    #[test]
    fn mnt_id_req_layout() {
        // Not in libc; kernel layout from linux/mount.h.
        assert_eq!(size_of::<mnt_id_req>(), MNT_ID_REQ_SIZE_VER1);
        assert_eq!(offset_of!(mnt_id_req, mnt_id), 8);
        assert_eq!(offset_of!(mnt_id_req, param), 16);
        assert_eq!(offset_of!(mnt_id_req, mnt_ns_id), MNT_ID_REQ_SIZE_VER0);
    }

    #[test]
    fn constants_match_libc() {
        macro_rules! check {
            ($ty:ident: $($name:ident)*) => {$(
                assert_eq!($ty::$name.bits() as u64, libc::$name as u64, stringify!($name));
            )*};
        }
        check!(OpenTreeFlags: OPEN_TREE_CLONE OPEN_TREE_CLOEXEC);
        check!(MoveMountFlags: MOVE_MOUNT_F_SYMLINKS MOVE_MOUNT_F_AUTOMOUNTS MOVE_MOUNT_F_EMPTY_PATH
            MOVE_MOUNT_T_SYMLINKS MOVE_MOUNT_T_AUTOMOUNTS MOVE_MOUNT_T_EMPTY_PATH MOVE_MOUNT_SET_GROUP
            MOVE_MOUNT_BENEATH);
        check!(FspickFlags: FSPICK_CLOEXEC FSPICK_SYMLINK_NOFOLLOW FSPICK_NO_AUTOMOUNT FSPICK_EMPTY_PATH);
        check!(MountAttr: MOUNT_ATTR_RDONLY MOUNT_ATTR_NOSUID MOUNT_ATTR_NODEV MOUNT_ATTR_NOEXEC
            MOUNT_ATTR__ATIME MOUNT_ATTR_RELATIME MOUNT_ATTR_NOATIME MOUNT_ATTR_STRICTATIME
            MOUNT_ATTR_NODIRATIME MOUNT_ATTR_IDMAP MOUNT_ATTR_NOSYMFOLLOW);
        assert_eq!(FSOPEN_CLOEXEC, libc::FSOPEN_CLOEXEC);
        assert_eq!(FSMOUNT_CLOEXEC, libc::FSMOUNT_CLOEXEC);
        let cmds = [
            (FSCONFIG_SET_FLAG, libc::FSCONFIG_SET_FLAG),
            (FSCONFIG_SET_STRING, libc::FSCONFIG_SET_STRING),
            (FSCONFIG_SET_BINARY, libc::FSCONFIG_SET_BINARY),
            (FSCONFIG_SET_PATH, libc::FSCONFIG_SET_PATH),
            (FSCONFIG_SET_PATH_EMPTY, libc::FSCONFIG_SET_PATH_EMPTY),
            (FSCONFIG_SET_FD, libc::FSCONFIG_SET_FD),
            (FSCONFIG_CMD_CREATE, libc::FSCONFIG_CMD_CREATE),
            (FSCONFIG_CMD_RECONFIGURE, libc::FSCONFIG_CMD_RECONFIGURE),
            (FSCONFIG_CMD_CREATE_EXCL, libc::FSCONFIG_CMD_CREATE_EXCL),
        ];
        for (ours, theirs) in cmds {
            assert_eq!(ours, theirs);
        }
    }
}
