//! `<linux/sched.h>` and `<linux/sched/types.h>`: `clone`/`clone3`/`unshare`
//! flags, scheduling policies and parameters, and CPU affinity masks.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// The low byte of `clone(2)`'s flags: the signal sent to the parent when
/// the child exits. Not part of [`CloneFlags`]; see [`CloneFlags::split_clone`].
pub const CSIGNAL: u64 = 0x0000_00ff;

bitflags! {
    /// `clone(2)`, `clone3(2)` and `unshare(2)` flags (`CLONE_*`).
    ///
    /// `CLONE_NEWTIME` (0x80) lies inside [`CSIGNAL`]: `clone(2)` reads that
    /// byte as the exit signal, so only `clone3` and `unshare` accept it.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct CloneFlags: u64 {
        /// New time namespace (`clone3`/`unshare` only).
        const CLONE_NEWTIME = 0x0000_0080;
        /// Share the address space.
        const CLONE_VM = 0x0000_0100;
        /// Share root, cwd and umask.
        const CLONE_FS = 0x0000_0200;
        /// Share the file-descriptor table.
        const CLONE_FILES = 0x0000_0400;
        /// Share signal handlers.
        const CLONE_SIGHAND = 0x0000_0800;
        /// Return a pidfd for the child.
        const CLONE_PIDFD = 0x0000_1000;
        /// Continue tracing the child if the parent is traced.
        const CLONE_PTRACE = 0x0000_2000;
        /// Suspend the parent until the child execs or exits.
        const CLONE_VFORK = 0x0000_4000;
        /// The child's parent is the caller's parent.
        const CLONE_PARENT = 0x0000_8000;
        /// Same thread group (a thread, not a process).
        const CLONE_THREAD = 0x0001_0000;
        /// New mount namespace.
        const CLONE_NEWNS = 0x0002_0000;
        /// Share System V semaphore undo lists.
        const CLONE_SYSVSEM = 0x0004_0000;
        /// Set the child's FS base (TLS).
        const CLONE_SETTLS = 0x0008_0000;
        /// Store the child's tid at `parent_tid` in the parent.
        const CLONE_PARENT_SETTID = 0x0010_0000;
        /// Clear `child_tid` and futex-wake it when the child exits.
        const CLONE_CHILD_CLEARTID = 0x0020_0000;
        /// Ignored (historic).
        const CLONE_DETACHED = 0x0040_0000;
        /// A tracer cannot force `CLONE_PTRACE` on the child.
        const CLONE_UNTRACED = 0x0080_0000;
        /// Store the child's tid at `child_tid` in the child.
        const CLONE_CHILD_SETTID = 0x0100_0000;
        /// New cgroup namespace.
        const CLONE_NEWCGROUP = 0x0200_0000;
        /// New UTS namespace.
        const CLONE_NEWUTS = 0x0400_0000;
        /// New IPC namespace.
        const CLONE_NEWIPC = 0x0800_0000;
        /// New user namespace.
        const CLONE_NEWUSER = 0x1000_0000;
        /// New PID namespace.
        const CLONE_NEWPID = 0x2000_0000;
        /// New network namespace.
        const CLONE_NEWNET = 0x4000_0000;
        /// Share the I/O context.
        const CLONE_IO = 0x8000_0000;
        /// Reset all signal handlers to default in the child (`clone3` only).
        const CLONE_CLEAR_SIGHAND = 0x1_0000_0000;
        /// Place the child in the cgroup `clone_args.cgroup` (`clone3` only).
        const CLONE_INTO_CGROUP = 0x2_0000_0000;
    }
}

impl CloneFlags {
    /// The namespace flags (`CLONE_NEW*`).
    pub const NAMESPACES: Self = Self::CLONE_NEWNS
        .union(Self::CLONE_NEWCGROUP)
        .union(Self::CLONE_NEWUTS)
        .union(Self::CLONE_NEWIPC)
        .union(Self::CLONE_NEWUSER)
        .union(Self::CLONE_NEWPID)
        .union(Self::CLONE_NEWNET)
        .union(Self::CLONE_NEWTIME);

    /// Splits `clone(2)`'s raw flags word into the flags above [`CSIGNAL`]
    /// and the exit signal in its low byte. Bits no flag names are returned
    /// as the third value so the caller can reject them with `EINVAL`.
    pub const fn split_clone(raw: u64) -> (Self, u32, u64) {
        let flags = raw & !CSIGNAL;
        let known = Self::from_bits_truncate(flags);
        (known, (raw & CSIGNAL) as u32, flags & !known.bits())
    }
}

/// `clone3(2)` arguments, version 2 (88 bytes). The caller passes its size;
/// shorter versions are the prefixes of sizes [`CLONE_ARGS_SIZE_VER0`] and
/// [`CLONE_ARGS_SIZE_VER1`].
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct clone_args {
    /// [`CloneFlags`] bits (no exit signal here).
    pub flags: u64,
    /// Where to store the pidfd (`CLONE_PIDFD`).
    pub pidfd: u64,
    /// `CLONE_CHILD_SETTID`/`CLONE_CHILD_CLEARTID` address.
    pub child_tid: u64,
    /// `CLONE_PARENT_SETTID` address.
    pub parent_tid: u64,
    /// Signal sent to the parent on exit.
    pub exit_signal: u64,
    /// Lowest address of the child's stack.
    pub stack: u64,
    /// Size of the child's stack.
    pub stack_size: u64,
    /// FS base for `CLONE_SETTLS`.
    pub tls: u64,
    /// Address of an array of tids to use in each nested PID namespace.
    pub set_tid: u64,
    /// Number of entries at `set_tid`.
    pub set_tid_size: u64,
    /// cgroup2 directory fd for `CLONE_INTO_CGROUP`.
    pub cgroup: u64,
}

/// Size of the first published `clone_args`.
pub const CLONE_ARGS_SIZE_VER0: usize = 64;
/// Size with `set_tid`/`set_tid_size`.
pub const CLONE_ARGS_SIZE_VER1: usize = 80;
/// Size with `cgroup`.
pub const CLONE_ARGS_SIZE_VER2: usize = 88;

/// Default time-sharing policy (also `SCHED_OTHER`).
pub const SCHED_NORMAL: i32 = 0;
/// POSIX name of [`SCHED_NORMAL`].
pub const SCHED_OTHER: i32 = 0;
/// Real-time first-in first-out.
pub const SCHED_FIFO: i32 = 1;
/// Real-time round robin.
pub const SCHED_RR: i32 = 2;
/// Batch (CPU-bound, non-interactive).
pub const SCHED_BATCH: i32 = 3;
/// Very low priority background work.
pub const SCHED_IDLE: i32 = 5;
/// Earliest-deadline-first.
pub const SCHED_DEADLINE: i32 = 6;
/// BPF-extensible scheduler (sched_ext).
pub const SCHED_EXT: i32 = 7;
/// Or-ed into the policy of `sched_setscheduler`: children revert to default.
pub const SCHED_RESET_ON_FORK: i32 = 0x4000_0000;

bitflags! {
    /// `sched_attr.sched_flags` (`SCHED_FLAG_*`).
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct SchedFlags: u64 {
        /// Children revert to the default policy.
        const SCHED_FLAG_RESET_ON_FORK = 0x01;
        /// Deadline tasks may reclaim unused bandwidth.
        const SCHED_FLAG_RECLAIM = 0x02;
        /// Deadline overrun signal (`SIGXCPU`).
        const SCHED_FLAG_DL_OVERRUN = 0x04;
        /// Keep the current policy.
        const SCHED_FLAG_KEEP_POLICY = 0x08;
        /// Keep the current parameters.
        const SCHED_FLAG_KEEP_PARAMS = 0x10;
        /// `sched_util_min` is valid.
        const SCHED_FLAG_UTIL_CLAMP_MIN = 0x20;
        /// `sched_util_max` is valid.
        const SCHED_FLAG_UTIL_CLAMP_MAX = 0x40;
    }
}

/// `struct sched_param` (`sched_setparam(2)`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sched_param {
    /// Static priority: 1..=99 for `SCHED_FIFO`/`SCHED_RR`, else 0.
    pub sched_priority: i32,
}

/// `struct sched_attr` (`sched_setattr(2)`), version 1 (56 bytes); `size`
/// says which version the caller passed.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct sched_attr {
    /// Size of the structure as the caller knows it.
    pub size: u32,
    /// `SCHED_*` policy.
    pub sched_policy: u32,
    /// [`SchedFlags`] bits.
    pub sched_flags: u64,
    /// Nice value for `SCHED_NORMAL`/`SCHED_BATCH`.
    pub sched_nice: i32,
    /// Static priority for `SCHED_FIFO`/`SCHED_RR`.
    pub sched_priority: u32,
    /// `SCHED_DEADLINE` runtime in ns.
    pub sched_runtime: u64,
    /// `SCHED_DEADLINE` deadline in ns.
    pub sched_deadline: u64,
    /// `SCHED_DEADLINE` period in ns.
    pub sched_period: u64,
    /// Utilization clamp minimum.
    pub sched_util_min: u32,
    /// Utilization clamp maximum.
    pub sched_util_max: u32,
}

/// Size of the first published `sched_attr`.
pub const SCHED_ATTR_SIZE_VER0: usize = 48;
/// Size with the utilization clamps.
pub const SCHED_ATTR_SIZE_VER1: usize = 56;

/// The number of CPUs a [`cpu_set_t`] can name (glibc's `CPU_SETSIZE`).
pub const CPU_SETSIZE: usize = 1024;

/// A CPU affinity mask of [`CPU_SETSIZE`] bits (glibc's `cpu_set_t`).
/// `sched_getaffinity(2)` itself takes any multiple of 8 bytes.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct cpu_set_t {
    /// Bit `n % 64` of word `n / 64` stands for CPU `n`.
    pub bits: [u64; CPU_SETSIZE / 64],
}

impl cpu_set_t {
    /// The set holding CPUs `0..n` (all of them if `n >= CPU_SETSIZE`).
    pub fn first_n(n: usize) -> Self {
        let mut s = Self::default();
        for cpu in 0..n.min(CPU_SETSIZE) {
            s.set(cpu);
        }
        s
    }

    /// Adds `cpu`; returns `false` if it is out of range.
    pub fn set(&mut self, cpu: usize) -> bool {
        match self.bits.get_mut(cpu / 64) {
            Some(w) => {
                *w |= 1 << (cpu % 64);
                true
            }
            None => false,
        }
    }

    /// Removes `cpu`; returns `false` if it is out of range.
    pub fn clear(&mut self, cpu: usize) -> bool {
        match self.bits.get_mut(cpu / 64) {
            Some(w) => {
                *w &= !(1 << (cpu % 64));
                true
            }
            None => false,
        }
    }

    /// Whether `cpu` is a member (`false` if out of range).
    pub fn is_set(&self, cpu: usize) -> bool {
        self.bits
            .get(cpu / 64)
            .is_some_and(|w| w & (1 << (cpu % 64)) != 0)
    }

    /// The number of members (glibc's `CPU_COUNT`).
    pub fn count(&self) -> u32 {
        self.bits.iter().map(|w| w.count_ones()).sum()
    }

    /// The members in both sets.
    pub fn and(&self, other: &Self) -> Self {
        let mut s = *self;
        for (a, b) in s.bits.iter_mut().zip(other.bits.iter()) {
            *a &= b;
        }
        s
    }

    /// The members, lowest first.
    pub fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        (0..CPU_SETSIZE).filter(move |&c| self.is_set(c))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn clone_flags_match_libc() {
        // libc's constants are C ints (CLONE_IO negative as one); its clone3-only
        // ones overflow a C int, so those two are checked against the kernel header.
        let c = |v: libc::c_int| v as u32 as u64;
        let pairs: [(CloneFlags, u64); 25] = [
            (CloneFlags::CLONE_VM, c(libc::CLONE_VM)),
            (CloneFlags::CLONE_FS, c(libc::CLONE_FS)),
            (CloneFlags::CLONE_FILES, c(libc::CLONE_FILES)),
            (CloneFlags::CLONE_SIGHAND, c(libc::CLONE_SIGHAND)),
            (CloneFlags::CLONE_PIDFD, c(libc::CLONE_PIDFD)),
            (CloneFlags::CLONE_PTRACE, c(libc::CLONE_PTRACE)),
            (CloneFlags::CLONE_VFORK, c(libc::CLONE_VFORK)),
            (CloneFlags::CLONE_PARENT, c(libc::CLONE_PARENT)),
            (CloneFlags::CLONE_THREAD, c(libc::CLONE_THREAD)),
            (CloneFlags::CLONE_NEWNS, c(libc::CLONE_NEWNS)),
            (CloneFlags::CLONE_SYSVSEM, c(libc::CLONE_SYSVSEM)),
            (CloneFlags::CLONE_SETTLS, c(libc::CLONE_SETTLS)),
            (
                CloneFlags::CLONE_PARENT_SETTID,
                c(libc::CLONE_PARENT_SETTID),
            ),
            (
                CloneFlags::CLONE_CHILD_CLEARTID,
                c(libc::CLONE_CHILD_CLEARTID),
            ),
            (CloneFlags::CLONE_DETACHED, c(libc::CLONE_DETACHED)),
            (CloneFlags::CLONE_UNTRACED, c(libc::CLONE_UNTRACED)),
            (CloneFlags::CLONE_CHILD_SETTID, c(libc::CLONE_CHILD_SETTID)),
            (CloneFlags::CLONE_NEWCGROUP, c(libc::CLONE_NEWCGROUP)),
            (CloneFlags::CLONE_NEWUTS, c(libc::CLONE_NEWUTS)),
            (CloneFlags::CLONE_NEWIPC, c(libc::CLONE_NEWIPC)),
            (CloneFlags::CLONE_NEWUSER, c(libc::CLONE_NEWUSER)),
            (CloneFlags::CLONE_NEWPID, c(libc::CLONE_NEWPID)),
            (CloneFlags::CLONE_NEWNET, c(libc::CLONE_NEWNET)),
            (CloneFlags::CLONE_IO, c(libc::CLONE_IO)),
            (CloneFlags::CLONE_NEWTIME, c(libc::CLONE_NEWTIME)),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours.bits(), theirs, "{ours:?}");
        }
        assert_eq!(CSIGNAL, libc::CSIGNAL as u64);
        assert_eq!(CloneFlags::CLONE_CLEAR_SIGHAND.bits(), 0x1_0000_0000);
        assert_eq!(CloneFlags::CLONE_INTO_CGROUP.bits(), 0x2_0000_0000);
    }

    #[test]
    fn split_clone_separates_exit_signal_and_unknown_bits() {
        let raw = CloneFlags::CLONE_VM.bits() | CloneFlags::CLONE_FILES.bits() | 17;
        let (f, sig, unknown) = CloneFlags::split_clone(raw);
        assert_eq!(f, CloneFlags::CLONE_VM | CloneFlags::CLONE_FILES);
        assert_eq!((sig, unknown), (17, 0));
        let (f, sig, unknown) = CloneFlags::split_clone(1 << 40 | 0x80);
        assert_eq!((f, sig, unknown), (CloneFlags::empty(), 0x80, 1 << 40));
        assert!(CloneFlags::NAMESPACES.contains(CloneFlags::CLONE_NEWTIME));
        assert!(!CloneFlags::NAMESPACES.contains(CloneFlags::CLONE_VM));
    }

    #[test]
    fn sched_consts_match_libc() {
        let pairs = [
            (SCHED_NORMAL, libc::SCHED_NORMAL),
            (SCHED_OTHER, libc::SCHED_OTHER),
            (SCHED_FIFO, libc::SCHED_FIFO),
            (SCHED_RR, libc::SCHED_RR),
            (SCHED_BATCH, libc::SCHED_BATCH),
            (SCHED_IDLE, libc::SCHED_IDLE),
            (SCHED_DEADLINE, libc::SCHED_DEADLINE),
            (SCHED_RESET_ON_FORK, libc::SCHED_RESET_ON_FORK),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        let flags = [
            (
                SchedFlags::SCHED_FLAG_RESET_ON_FORK,
                libc::SCHED_FLAG_RESET_ON_FORK,
            ),
            (SchedFlags::SCHED_FLAG_RECLAIM, libc::SCHED_FLAG_RECLAIM),
            (
                SchedFlags::SCHED_FLAG_DL_OVERRUN,
                libc::SCHED_FLAG_DL_OVERRUN,
            ),
            (
                SchedFlags::SCHED_FLAG_KEEP_POLICY,
                libc::SCHED_FLAG_KEEP_POLICY,
            ),
            (
                SchedFlags::SCHED_FLAG_KEEP_PARAMS,
                libc::SCHED_FLAG_KEEP_PARAMS,
            ),
            (
                SchedFlags::SCHED_FLAG_UTIL_CLAMP_MIN,
                libc::SCHED_FLAG_UTIL_CLAMP_MIN,
            ),
            (
                SchedFlags::SCHED_FLAG_UTIL_CLAMP_MAX,
                libc::SCHED_FLAG_UTIL_CLAMP_MAX,
            ),
        ];
        for (ours, theirs) in flags {
            assert_eq!(ours.bits(), theirs as u64);
        }
        assert_eq!(SchedFlags::all().bits(), libc::SCHED_FLAG_ALL as u64);
    }

    #[test]
    fn clone_args_layout_matches_libc() {
        type L = libc::clone_args;
        assert_eq!(size_of::<clone_args>(), size_of::<L>());
        assert_eq!(size_of::<clone_args>(), CLONE_ARGS_SIZE_VER2);
        assert_eq!(align_of::<clone_args>(), align_of::<L>());
        assert_eq!(offset_of!(clone_args, flags), offset_of!(L, flags));
        assert_eq!(offset_of!(clone_args, pidfd), offset_of!(L, pidfd));
        assert_eq!(offset_of!(clone_args, child_tid), offset_of!(L, child_tid));
        assert_eq!(
            offset_of!(clone_args, parent_tid),
            offset_of!(L, parent_tid)
        );
        assert_eq!(
            offset_of!(clone_args, exit_signal),
            offset_of!(L, exit_signal)
        );
        assert_eq!(offset_of!(clone_args, stack), offset_of!(L, stack));
        assert_eq!(
            offset_of!(clone_args, stack_size),
            offset_of!(L, stack_size)
        );
        assert_eq!(offset_of!(clone_args, tls), offset_of!(L, tls));
        assert_eq!(offset_of!(clone_args, set_tid), offset_of!(L, set_tid));
        assert_eq!(offset_of!(clone_args, set_tid), CLONE_ARGS_SIZE_VER0);
        assert_eq!(
            offset_of!(clone_args, set_tid_size),
            offset_of!(L, set_tid_size)
        );
        assert_eq!(offset_of!(clone_args, cgroup), offset_of!(L, cgroup));
        assert_eq!(offset_of!(clone_args, cgroup), CLONE_ARGS_SIZE_VER1);
    }

    #[test]
    fn sched_param_and_attr_layout_match_libc() {
        assert_eq!(size_of::<sched_param>(), size_of::<libc::sched_param>());
        assert_eq!(align_of::<sched_param>(), align_of::<libc::sched_param>());
        assert_eq!(
            offset_of!(sched_param, sched_priority),
            offset_of!(libc::sched_param, sched_priority)
        );
        // libc's sched_attr is version 0 (48 bytes); ours adds the v1 clamps.
        type A = libc::sched_attr;
        assert_eq!(size_of::<A>(), SCHED_ATTR_SIZE_VER0);
        assert_eq!(size_of::<sched_attr>(), SCHED_ATTR_SIZE_VER1);
        assert_eq!(align_of::<sched_attr>(), align_of::<A>());
        assert_eq!(offset_of!(sched_attr, size), offset_of!(A, size));
        assert_eq!(
            offset_of!(sched_attr, sched_policy),
            offset_of!(A, sched_policy)
        );
        assert_eq!(
            offset_of!(sched_attr, sched_flags),
            offset_of!(A, sched_flags)
        );
        assert_eq!(
            offset_of!(sched_attr, sched_nice),
            offset_of!(A, sched_nice)
        );
        assert_eq!(
            offset_of!(sched_attr, sched_priority),
            offset_of!(A, sched_priority)
        );
        assert_eq!(
            offset_of!(sched_attr, sched_runtime),
            offset_of!(A, sched_runtime)
        );
        assert_eq!(
            offset_of!(sched_attr, sched_deadline),
            offset_of!(A, sched_deadline)
        );
        assert_eq!(
            offset_of!(sched_attr, sched_period),
            offset_of!(A, sched_period)
        );
        assert_eq!(offset_of!(sched_attr, sched_util_min), SCHED_ATTR_SIZE_VER0);
        assert_eq!(
            offset_of!(sched_attr, sched_util_max),
            SCHED_ATTR_SIZE_VER0 + 4
        );
    }

    #[test]
    fn cpu_set_matches_libc_and_helpers_work() {
        assert_eq!(size_of::<cpu_set_t>(), size_of::<libc::cpu_set_t>());
        assert_eq!(align_of::<cpu_set_t>(), align_of::<libc::cpu_set_t>());
        let mut s = cpu_set_t::first_n(3);
        assert_eq!(s.count(), 3);
        assert!(s.set(1023));
        assert!(!s.set(1024));
        assert!(!s.clear(usize::MAX));
        assert!(!s.is_set(usize::MAX));
        assert!(s.is_set(2) && s.is_set(1023) && !s.is_set(3));
        assert!(s.clear(0));
        let v: std::vec::Vec<usize> = s.iter().collect();
        assert_eq!(v, [1, 2, 1023]);
        assert_eq!(s.and(&cpu_set_t::first_n(2)).count(), 1);
        assert_eq!(cpu_set_t::first_n(usize::MAX).count(), CPU_SETSIZE as u32);
        assert_eq!(s.as_bytes()[127], 0x80);
    }
}
