//! `<linux/capability.h>` and `<linux/securebits.h>`: capability numbers,
//! the `capget`/`capset` structs, 64-bit capability sets, file capability
//! xattrs and the secure bits.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// `capget` version 1: one 32-bit word per set.
pub const _LINUX_CAPABILITY_VERSION_1: u32 = 0x1998_0330;
/// Words per set in version 1.
pub const _LINUX_CAPABILITY_U32S_1: usize = 1;
/// `capget` version 2 (deprecated; same layout as 3).
pub const _LINUX_CAPABILITY_VERSION_2: u32 = 0x2007_1026;
/// Words per set in version 2.
pub const _LINUX_CAPABILITY_U32S_2: usize = 2;
/// `capget` version 3: two 32-bit words per set.
pub const _LINUX_CAPABILITY_VERSION_3: u32 = 0x2008_0522;
/// Words per set in version 3.
pub const _LINUX_CAPABILITY_U32S_3: usize = 2;

/// Make arbitrary changes to file UIDs and GIDs.
pub const CAP_CHOWN: u32 = 0;
/// Bypass file read, write and execute permission checks.
pub const CAP_DAC_OVERRIDE: u32 = 1;
/// Bypass file read and directory search permission checks.
pub const CAP_DAC_READ_SEARCH: u32 = 2;
/// Bypass checks that require the file owner.
pub const CAP_FOWNER: u32 = 3;
/// Keep set-user/group-ID bits on modification.
pub const CAP_FSETID: u32 = 4;
/// Bypass permission checks for sending signals.
pub const CAP_KILL: u32 = 5;
/// Manipulate group IDs.
pub const CAP_SETGID: u32 = 6;
/// Manipulate user IDs.
pub const CAP_SETUID: u32 = 7;
/// Change capability sets and the bounding set.
pub const CAP_SETPCAP: u32 = 8;
/// Set immutable and append-only file flags.
pub const CAP_LINUX_IMMUTABLE: u32 = 9;
/// Bind to ports below 1024.
pub const CAP_NET_BIND_SERVICE: u32 = 10;
/// Broadcast and listen to multicast (unused).
pub const CAP_NET_BROADCAST: u32 = 11;
/// Network administration.
pub const CAP_NET_ADMIN: u32 = 12;
/// Raw and packet sockets.
pub const CAP_NET_RAW: u32 = 13;
/// Lock memory.
pub const CAP_IPC_LOCK: u32 = 14;
/// Bypass System V IPC permission checks.
pub const CAP_IPC_OWNER: u32 = 15;
/// Load kernel modules.
pub const CAP_SYS_MODULE: u32 = 16;
/// Raw I/O (`iopl`, `/dev/mem`).
pub const CAP_SYS_RAWIO: u32 = 17;
/// `chroot`.
pub const CAP_SYS_CHROOT: u32 = 18;
/// `ptrace` any process.
pub const CAP_SYS_PTRACE: u32 = 19;
/// `acct`.
pub const CAP_SYS_PACCT: u32 = 20;
/// System administration (mount, sethostname, ...).
pub const CAP_SYS_ADMIN: u32 = 21;
/// `reboot`, `kexec_load`.
pub const CAP_SYS_BOOT: u32 = 22;
/// Raise priority, set other processes' scheduling.
pub const CAP_SYS_NICE: u32 = 23;
/// Override resource limits.
pub const CAP_SYS_RESOURCE: u32 = 24;
/// Set the system clock.
pub const CAP_SYS_TIME: u32 = 25;
/// `vhangup` and tty configuration.
pub const CAP_SYS_TTY_CONFIG: u32 = 26;
/// `mknod` of device files.
pub const CAP_MKNOD: u32 = 27;
/// File leases.
pub const CAP_LEASE: u32 = 28;
/// Write the audit log.
pub const CAP_AUDIT_WRITE: u32 = 29;
/// Configure auditing.
pub const CAP_AUDIT_CONTROL: u32 = 30;
/// Set file capabilities.
pub const CAP_SETFCAP: u32 = 31;
/// Override MAC.
pub const CAP_MAC_OVERRIDE: u32 = 32;
/// MAC configuration.
pub const CAP_MAC_ADMIN: u32 = 33;
/// Privileged `syslog`.
pub const CAP_SYSLOG: u32 = 34;
/// Wake-up alarms.
pub const CAP_WAKE_ALARM: u32 = 35;
/// Block system suspend.
pub const CAP_BLOCK_SUSPEND: u32 = 36;
/// Read the audit log over netlink.
pub const CAP_AUDIT_READ: u32 = 37;
/// Performance monitoring.
pub const CAP_PERFMON: u32 = 38;
/// BPF operations.
pub const CAP_BPF: u32 = 39;
/// Checkpoint/restore operations.
pub const CAP_CHECKPOINT_RESTORE: u32 = 40;
/// The highest valid capability.
pub const CAP_LAST_CAP: u32 = CAP_CHECKPOINT_RESTORE;

/// Whether `cap` is a valid capability number.
pub const fn cap_valid(cap: u32) -> bool {
    cap <= CAP_LAST_CAP
}

/// The word of a version-3 set holding `cap` (`CAP_TO_INDEX`).
#[allow(non_snake_case)]
pub const fn CAP_TO_INDEX(cap: u32) -> usize {
    (cap >> 5) as usize
}

/// The bit of `cap` within its word (`CAP_TO_MASK`).
#[allow(non_snake_case)]
pub const fn CAP_TO_MASK(cap: u32) -> u32 {
    1 << (cap & 31)
}

/// `capget`/`capset` header (`struct __user_cap_header_struct`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct __user_cap_header_struct {
    /// `_LINUX_CAPABILITY_VERSION_*`; the kernel writes back its preferred one.
    pub version: u32,
    /// Target thread (0: the caller).
    pub pid: i32,
}

/// One word of each set (`struct __user_cap_data_struct`); version 3 uses two.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct __user_cap_data_struct {
    /// Effective set word.
    pub effective: u32,
    /// Permitted set word.
    pub permitted: u32,
    /// Inheritable set word.
    pub inheritable: u32,
}

/// The C name of the header type.
pub type cap_user_header = __user_cap_header_struct;
/// The C name of the data type.
pub type cap_user_data = __user_cap_data_struct;

/// A capability set as the kernel keeps it (`kernel_cap_t`): bit `n` is capability `n`.
#[repr(transparent)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct kernel_cap_t {
    /// The bits.
    pub val: u64,
}

impl kernel_cap_t {
    /// No capabilities.
    pub const EMPTY: Self = Self { val: 0 };
    /// Every valid capability (`CAP_FULL_SET`).
    pub const FULL: Self = Self {
        val: (1u64 << (CAP_LAST_CAP + 1)) - 1,
    };

    /// Whether `cap` is in the set (`false` for invalid numbers).
    pub const fn has(self, cap: u32) -> bool {
        cap_valid(cap) && self.val & (1u64 << cap) != 0
    }

    /// Adds `cap`; returns `false` (and changes nothing) if it is invalid.
    pub fn raise(&mut self, cap: u32) -> bool {
        if cap_valid(cap) {
            self.val |= 1u64 << cap;
        }
        cap_valid(cap)
    }

    /// Removes `cap`; returns `false` (and changes nothing) if it is invalid.
    pub fn lower(&mut self, cap: u32) -> bool {
        if cap_valid(cap) {
            self.val &= !(1u64 << cap);
        }
        cap_valid(cap)
    }

    /// Whether every member of `self` is in `other`.
    pub const fn is_subset(self, other: Self) -> bool {
        self.val & !other.val == 0
    }

    /// The set from the two 32-bit words of a version-3 `capset`, with bits
    /// above `CAP_LAST_CAP` dropped as Linux does.
    pub const fn from_u32s(lo: u32, hi: u32) -> Self {
        Self {
            val: ((lo as u64) | ((hi as u64) << 32)) & Self::FULL.val,
        }
    }

    /// The two 32-bit words for `capget` version 3.
    pub const fn to_u32s(self) -> [u32; 2] {
        [self.val as u32, (self.val >> 32) as u32]
    }
}

/// Builds the two `capget` version-3 data words from the three sets.
pub const fn to_user_cap_data(
    effective: kernel_cap_t,
    permitted: kernel_cap_t,
    inheritable: kernel_cap_t,
) -> [__user_cap_data_struct; 2] {
    let (e, p, i) = (
        effective.to_u32s(),
        permitted.to_u32s(),
        inheritable.to_u32s(),
    );
    [
        __user_cap_data_struct {
            effective: e[0],
            permitted: p[0],
            inheritable: i[0],
        },
        __user_cap_data_struct {
            effective: e[1],
            permitted: p[1],
            inheritable: i[1],
        },
    ]
}

/// Mask of the revision in `vfs_cap_data.magic_etc`.
pub const VFS_CAP_REVISION_MASK: u32 = 0xff00_0000;
/// Shift of the revision.
pub const VFS_CAP_REVISION_SHIFT: u32 = 24;
/// Mask of the flags in `magic_etc`.
pub const VFS_CAP_FLAGS_MASK: u32 = !VFS_CAP_REVISION_MASK;
/// Flag: the permitted set becomes effective at exec.
pub const VFS_CAP_FLAGS_EFFECTIVE: u32 = 0x00_0001;
/// Revision 1 (one word per set).
pub const VFS_CAP_REVISION_1: u32 = 0x0100_0000;
/// Revision 2 (two words per set).
pub const VFS_CAP_REVISION_2: u32 = 0x0200_0000;
/// Revision 3 (two words per set plus the namespace root uid).
pub const VFS_CAP_REVISION_3: u32 = 0x0300_0000;
/// Size of a revision-1 `security.capability` xattr.
pub const XATTR_CAPS_SZ_1: usize = 12;
/// Size of a revision-2 `security.capability` xattr.
pub const XATTR_CAPS_SZ_2: usize = 20;
/// Size of a revision-3 `security.capability` xattr.
pub const XATTR_CAPS_SZ_3: usize = 24;

/// One word pair of a file capability xattr (little-endian on disk).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct vfs_cap_word {
    /// Permitted word.
    pub permitted: u32,
    /// Inheritable word.
    pub inheritable: u32,
}

/// `security.capability` xattr, revision 2 (`struct vfs_cap_data`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct vfs_cap_data {
    /// Revision and flags.
    pub magic_etc: u32,
    /// Low and high words.
    pub data: [vfs_cap_word; 2],
}

/// `security.capability` xattr, revision 3 (`struct vfs_ns_cap_data`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct vfs_ns_cap_data {
    /// Revision and flags.
    pub magic_etc: u32,
    /// Low and high words.
    pub data: [vfs_cap_word; 2],
    /// Root uid of the user namespace the capabilities apply in.
    pub rootid: u32,
}

bitflags! {
    /// `prctl(PR_SET_SECUREBITS)` bits (`SECBIT_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SecureBits: u32 {
        /// uid 0 gets no special capabilities.
        const SECBIT_NOROOT = 1 << 0;
        /// Lock `SECBIT_NOROOT`.
        const SECBIT_NOROOT_LOCKED = 1 << 1;
        /// No capability changes on uid transitions.
        const SECBIT_NO_SETUID_FIXUP = 1 << 2;
        /// Lock `SECBIT_NO_SETUID_FIXUP`.
        const SECBIT_NO_SETUID_FIXUP_LOCKED = 1 << 3;
        /// Keep permitted capabilities when all uids become non-zero.
        const SECBIT_KEEP_CAPS = 1 << 4;
        /// Lock `SECBIT_KEEP_CAPS`.
        const SECBIT_KEEP_CAPS_LOCKED = 1 << 5;
        /// Forbid raising ambient capabilities.
        const SECBIT_NO_CAP_AMBIENT_RAISE = 1 << 6;
        /// Lock `SECBIT_NO_CAP_AMBIENT_RAISE`.
        const SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED = 1 << 7;
        /// Enforce `AT_EXECVE_CHECK` results on interpreters.
        const SECBIT_EXEC_RESTRICT_FILE = 1 << 8;
        /// Lock `SECBIT_EXEC_RESTRICT_FILE`.
        const SECBIT_EXEC_RESTRICT_FILE_LOCKED = 1 << 9;
        /// Deny interactive user commands to interpreters.
        const SECBIT_EXEC_DENY_INTERACTIVE = 1 << 10;
        /// Lock `SECBIT_EXEC_DENY_INTERACTIVE`.
        const SECBIT_EXEC_DENY_INTERACTIVE_LOCKED = 1 << 11;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{offset_of, size_of};

    #[test]
    fn numbers_are_kernel_values() {
        // include/uapi/linux/capability.h (the libc crate has none of these).
        assert_eq!(
            [
                _LINUX_CAPABILITY_VERSION_1,
                _LINUX_CAPABILITY_VERSION_2,
                _LINUX_CAPABILITY_VERSION_3
            ],
            [0x19980330, 0x20071026, 0x20080522]
        );
        assert_eq!(
            [CAP_CHOWN, CAP_KILL, CAP_SETPCAP, CAP_NET_RAW],
            [0, 5, 8, 13]
        );
        assert_eq!(
            [CAP_SYS_ADMIN, CAP_SYS_NICE, CAP_MKNOD, CAP_SETFCAP],
            [21, 23, 27, 31]
        );
        assert_eq!(
            [CAP_MAC_OVERRIDE, CAP_AUDIT_READ, CAP_BPF, CAP_LAST_CAP],
            [32, 37, 39, 40]
        );
        assert_eq!(
            (CAP_TO_INDEX(CAP_SYSLOG), CAP_TO_MASK(CAP_SYSLOG)),
            (1, 1 << 2)
        );
    }

    #[test]
    fn struct_sizes() {
        assert_eq!(size_of::<__user_cap_header_struct>(), 8);
        assert_eq!(offset_of!(__user_cap_header_struct, pid), 4);
        assert_eq!(size_of::<__user_cap_data_struct>(), 12);
        assert_eq!(offset_of!(__user_cap_data_struct, permitted), 4);
        assert_eq!(offset_of!(__user_cap_data_struct, inheritable), 8);
        assert_eq!(size_of::<vfs_cap_data>(), XATTR_CAPS_SZ_2);
        assert_eq!(size_of::<vfs_ns_cap_data>(), XATTR_CAPS_SZ_3);
        assert_eq!(offset_of!(vfs_ns_cap_data, rootid), 20);
    }

    #[test]
    fn cap_sets() {
        assert_eq!(kernel_cap_t::FULL.val, 0x1ff_ffff_ffff);
        let mut c = kernel_cap_t::EMPTY;
        assert!(c.raise(CAP_SYSLOG));
        assert!(!c.raise(41));
        assert!(!c.raise(u32::MAX));
        assert!(c.has(CAP_SYSLOG) && !c.has(CAP_CHOWN) && !c.has(64));
        assert_eq!(c.to_u32s(), [0, 4]);
        assert!(c.is_subset(kernel_cap_t::FULL));
        assert!(!kernel_cap_t::FULL.is_subset(c));
        assert_eq!(
            kernel_cap_t::from_u32s(u32::MAX, u32::MAX),
            kernel_cap_t::FULL
        );
        assert!(c.lower(CAP_SYSLOG));
        assert_eq!(c, kernel_cap_t::EMPTY);
        let d = to_user_cap_data(
            kernel_cap_t::FULL,
            kernel_cap_t::EMPTY,
            kernel_cap_t { val: 1 },
        );
        assert_eq!(
            (d[0].effective, d[1].effective, d[0].inheritable),
            (u32::MAX, 0x1ff, 1)
        );
    }

    #[test]
    fn securebits_match_libc() {
        let pairs = [
            (SecureBits::SECBIT_NOROOT, libc::SECBIT_NOROOT),
            (SecureBits::SECBIT_NOROOT_LOCKED, libc::SECBIT_NOROOT_LOCKED),
            (
                SecureBits::SECBIT_NO_SETUID_FIXUP,
                libc::SECBIT_NO_SETUID_FIXUP,
            ),
            (
                SecureBits::SECBIT_NO_SETUID_FIXUP_LOCKED,
                libc::SECBIT_NO_SETUID_FIXUP_LOCKED,
            ),
            (SecureBits::SECBIT_KEEP_CAPS, libc::SECBIT_KEEP_CAPS),
            (
                SecureBits::SECBIT_KEEP_CAPS_LOCKED,
                libc::SECBIT_KEEP_CAPS_LOCKED,
            ),
            (
                SecureBits::SECBIT_NO_CAP_AMBIENT_RAISE,
                libc::SECBIT_NO_CAP_AMBIENT_RAISE,
            ),
            (
                SecureBits::SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
                libc::SECBIT_NO_CAP_AMBIENT_RAISE_LOCKED,
            ),
            (
                SecureBits::SECBIT_EXEC_RESTRICT_FILE,
                libc::SECBIT_EXEC_RESTRICT_FILE,
            ),
            (
                SecureBits::SECBIT_EXEC_RESTRICT_FILE_LOCKED,
                libc::SECBIT_EXEC_RESTRICT_FILE_LOCKED,
            ),
            (
                SecureBits::SECBIT_EXEC_DENY_INTERACTIVE,
                libc::SECBIT_EXEC_DENY_INTERACTIVE,
            ),
            (
                SecureBits::SECBIT_EXEC_DENY_INTERACTIVE_LOCKED,
                libc::SECBIT_EXEC_DENY_INTERACTIVE_LOCKED,
            ),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours.bits(), theirs as u32);
        }
    }
}
