//! `<linux/resource.h>`: resource limits, resource usage and priorities.

#![allow(non_camel_case_types)]

use crate::time::timeval;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// CPU time in seconds (`SIGXCPU` at the soft limit).
pub const RLIMIT_CPU: u32 = 0;
/// Largest file size (`SIGXFSZ`/`EFBIG`).
pub const RLIMIT_FSIZE: u32 = 1;
/// Size of the data segment (brk and private mappings).
pub const RLIMIT_DATA: u32 = 2;
/// Size of the main thread's stack.
pub const RLIMIT_STACK: u32 = 3;
/// Largest core file.
pub const RLIMIT_CORE: u32 = 4;
/// Resident set size (ignored by Linux).
pub const RLIMIT_RSS: u32 = 5;
/// Number of processes of the real user.
pub const RLIMIT_NPROC: u32 = 6;
/// One more than the largest file descriptor.
pub const RLIMIT_NOFILE: u32 = 7;
/// Locked memory in bytes.
pub const RLIMIT_MEMLOCK: u32 = 8;
/// Address-space size in bytes.
pub const RLIMIT_AS: u32 = 9;
/// File locks (ignored).
pub const RLIMIT_LOCKS: u32 = 10;
/// Queued signals of the real user.
pub const RLIMIT_SIGPENDING: u32 = 11;
/// Bytes in POSIX message queues.
pub const RLIMIT_MSGQUEUE: u32 = 12;
/// Ceiling of the nice value (as `20 - nice`).
pub const RLIMIT_NICE: u32 = 13;
/// Ceiling of the real-time priority.
pub const RLIMIT_RTPRIO: u32 = 14;
/// Real-time CPU time in microseconds without a blocking call.
pub const RLIMIT_RTTIME: u32 = 15;
/// The number of resources; valid ones are `0..RLIM_NLIMITS`.
pub const RLIM_NLIMITS: u32 = 16;
/// No limit.
pub const RLIM_INFINITY: u64 = u64::MAX;

/// Default `RLIMIT_STACK` soft limit (`_STK_LIM`, 8 MiB).
pub const _STK_LIM: u64 = 8 << 20;
/// Default `RLIMIT_MEMLOCK` (`MLOCK_LIMIT`, 8 MiB).
pub const MLOCK_LIMIT: u64 = 8 << 20;
/// Default `RLIMIT_NOFILE` soft limit (`INR_OPEN_CUR`).
pub const INR_OPEN_CUR: u64 = 1024;
/// Default `RLIMIT_NOFILE` hard limit (`INR_OPEN_MAX`).
pub const INR_OPEN_MAX: u64 = 4096;

/// `getrusage` who: the calling process.
pub const RUSAGE_SELF: i32 = 0;
/// `getrusage` who: waited-for children.
pub const RUSAGE_CHILDREN: i32 = -1;
/// `getrusage` who: self and children (kernel-internal).
pub const RUSAGE_BOTH: i32 = -2;
/// `getrusage` who: the calling thread.
pub const RUSAGE_THREAD: i32 = 1;

/// `getpriority`/`setpriority` which: a process.
pub const PRIO_PROCESS: i32 = 0;
/// `getpriority`/`setpriority` which: a process group.
pub const PRIO_PGRP: i32 = 1;
/// `getpriority`/`setpriority` which: a user.
pub const PRIO_USER: i32 = 2;
/// Lowest nice value (highest priority).
pub const PRIO_MIN: i32 = -20;
/// One past the highest nice value.
pub const PRIO_MAX: i32 = 20;

/// A soft and hard limit (`getrlimit(2)`); on x86-64 the same as [`rlimit64`].
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct rlimit {
    /// Soft limit, enforced.
    pub rlim_cur: u64,
    /// Hard limit, the ceiling of the soft limit.
    pub rlim_max: u64,
}

impl rlimit {
    /// Both limits infinite.
    pub const INFINITY: Self = Self {
        rlim_cur: RLIM_INFINITY,
        rlim_max: RLIM_INFINITY,
    };

    /// Whether `setrlimit` must reject this pair (`soft > hard`: `EINVAL`).
    pub const fn is_invalid(&self) -> bool {
        self.rlim_cur > self.rlim_max
    }
}

/// `prlimit64(2)`'s limit pair.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct rlimit64 {
    /// Soft limit.
    pub rlim_cur: u64,
    /// Hard limit.
    pub rlim_max: u64,
}

impl From<rlimit64> for rlimit {
    fn from(r: rlimit64) -> Self {
        Self {
            rlim_cur: r.rlim_cur,
            rlim_max: r.rlim_max,
        }
    }
}

impl From<rlimit> for rlimit64 {
    fn from(r: rlimit) -> Self {
        Self {
            rlim_cur: r.rlim_cur,
            rlim_max: r.rlim_max,
        }
    }
}

/// Resource usage (`getrusage(2)`, `wait4(2)`), 144 bytes. Linux fills the
/// times, `ru_maxrss` (KiB), the fault counts, block I/O counts and context
/// switches; the other fields stay zero.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct rusage {
    /// User CPU time.
    pub ru_utime: timeval,
    /// System CPU time.
    pub ru_stime: timeval,
    /// Peak resident set size in KiB.
    pub ru_maxrss: i64,
    /// Integral shared memory size (unused).
    pub ru_ixrss: i64,
    /// Integral unshared data size (unused).
    pub ru_idrss: i64,
    /// Integral unshared stack size (unused).
    pub ru_isrss: i64,
    /// Minor page faults (no I/O).
    pub ru_minflt: i64,
    /// Major page faults (I/O).
    pub ru_majflt: i64,
    /// Swaps (unused).
    pub ru_nswap: i64,
    /// Block input operations.
    pub ru_inblock: i64,
    /// Block output operations.
    pub ru_oublock: i64,
    /// IPC messages sent (unused).
    pub ru_msgsnd: i64,
    /// IPC messages received (unused).
    pub ru_msgrcv: i64,
    /// Signals received (unused).
    pub ru_nsignals: i64,
    /// Voluntary context switches.
    pub ru_nvcsw: i64,
    /// Involuntary context switches.
    pub ru_nivcsw: i64,
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn consts_match_libc() {
        let pairs = [
            (RLIMIT_CPU, libc::RLIMIT_CPU),
            (RLIMIT_FSIZE, libc::RLIMIT_FSIZE),
            (RLIMIT_DATA, libc::RLIMIT_DATA),
            (RLIMIT_STACK, libc::RLIMIT_STACK),
            (RLIMIT_CORE, libc::RLIMIT_CORE),
            (RLIMIT_RSS, libc::RLIMIT_RSS),
            (RLIMIT_NPROC, libc::RLIMIT_NPROC),
            (RLIMIT_NOFILE, libc::RLIMIT_NOFILE),
            (RLIMIT_MEMLOCK, libc::RLIMIT_MEMLOCK),
            (RLIMIT_AS, libc::RLIMIT_AS),
            (RLIMIT_LOCKS, libc::RLIMIT_LOCKS),
            (RLIMIT_SIGPENDING, libc::RLIMIT_SIGPENDING),
            (RLIMIT_MSGQUEUE, libc::RLIMIT_MSGQUEUE),
            (RLIMIT_NICE, libc::RLIMIT_NICE),
            (RLIMIT_RTPRIO, libc::RLIMIT_RTPRIO),
            (RLIMIT_RTTIME, libc::RLIMIT_RTTIME),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        assert_eq!(RLIM_INFINITY, libc::RLIM_INFINITY);
        let pairs = [
            (RUSAGE_SELF, libc::RUSAGE_SELF),
            (RUSAGE_CHILDREN, libc::RUSAGE_CHILDREN),
            (RUSAGE_THREAD, libc::RUSAGE_THREAD),
            (PRIO_PROCESS, libc::PRIO_PROCESS as i32),
            (PRIO_PGRP, libc::PRIO_PGRP as i32),
            (PRIO_USER, libc::PRIO_USER as i32),
            (PRIO_MIN, libc::PRIO_MIN),
            (PRIO_MAX, libc::PRIO_MAX),
        ];
        for (ours, theirs) in pairs {
            assert_eq!(ours, theirs);
        }
        // include/uapi/linux/resource.h and asm-generic/resource.h.
        assert_eq!((RUSAGE_BOTH, RLIM_NLIMITS), (-2, 16));
    }

    #[test]
    fn rlimit_and_rusage_layout_match_libc() {
        assert_eq!(size_of::<rlimit>(), size_of::<libc::rlimit>());
        assert_eq!(align_of::<rlimit>(), align_of::<libc::rlimit>());
        assert_eq!(
            offset_of!(rlimit, rlim_cur),
            offset_of!(libc::rlimit, rlim_cur)
        );
        assert_eq!(
            offset_of!(rlimit, rlim_max),
            offset_of!(libc::rlimit, rlim_max)
        );
        assert_eq!(size_of::<rlimit64>(), size_of::<libc::rlimit64>());
        assert_eq!(align_of::<rlimit64>(), align_of::<libc::rlimit64>());
        assert_eq!(
            offset_of!(rlimit64, rlim_cur),
            offset_of!(libc::rlimit64, rlim_cur)
        );
        assert_eq!(
            offset_of!(rlimit64, rlim_max),
            offset_of!(libc::rlimit64, rlim_max)
        );
        let r = rlimit {
            rlim_cur: 5,
            rlim_max: 4,
        };
        assert!(r.is_invalid());
        assert!(!rlimit::INFINITY.is_invalid());
        assert_eq!(rlimit::from(rlimit64::from(r)), r);
    }
}
