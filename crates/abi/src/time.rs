//! `<linux/time.h>`, `<linux/time_types.h>`, `<linux/times.h>` and
//! `<linux/timerfd.h>`: time values, clocks and timers.
//!
//! On x86-64 `time_t`, `suseconds_t` and `clock_t` are all 64-bit, so the
//! `__kernel_*` variants (`__kernel_timespec`) are the same types as these.

#![allow(non_camel_case_types)]

use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Nanoseconds in a second.
pub const NSEC_PER_SEC: i64 = 1_000_000_000;
/// Microseconds in a second.
pub const USEC_PER_SEC: i64 = 1_000_000;

/// A time in seconds and nanoseconds (`nanosleep`, `clock_gettime`, ...).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct timespec {
    /// Seconds.
    pub tv_sec: i64,
    /// Nanoseconds, valid in `0..1_000_000_000`.
    pub tv_nsec: i64,
}

impl timespec {
    /// Whether `tv_nsec` is in range and `tv_sec` is not negative, as
    /// `timespec64_valid` demands of user-supplied sleep and timer values
    /// (callers answer `EINVAL` otherwise).
    pub const fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && self.tv_nsec >= 0 && self.tv_nsec < NSEC_PER_SEC
    }

    /// Total nanoseconds; 128 bits hold any pair of guest values exactly.
    pub const fn as_nanos(&self) -> i128 {
        self.tv_sec as i128 * NSEC_PER_SEC as i128 + self.tv_nsec as i128
    }

    /// The `timespec` of `ns` nanoseconds (negative values give a negative
    /// `tv_sec` and a `tv_nsec` in range).
    pub const fn from_nanos(ns: i64) -> timespec {
        timespec {
            tv_sec: ns.div_euclid(NSEC_PER_SEC),
            tv_nsec: ns.rem_euclid(NSEC_PER_SEC),
        }
    }
}

/// A time in seconds and microseconds (`gettimeofday`, `select`, `setitimer`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, Hash, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct timeval {
    /// Seconds.
    pub tv_sec: i64,
    /// Microseconds, valid in `0..1_000_000`.
    pub tv_usec: i64,
}

impl timeval {
    /// Whether `tv_usec` is in range and `tv_sec` is not negative.
    pub const fn is_valid(&self) -> bool {
        self.tv_sec >= 0 && self.tv_usec >= 0 && self.tv_usec < USEC_PER_SEC
    }
}

/// The obsolete time-zone argument of `gettimeofday`/`settimeofday`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct timezone {
    /// Minutes west of Greenwich.
    pub tz_minuteswest: i32,
    /// Type of daylight-saving correction.
    pub tz_dsttime: i32,
}

/// A POSIX timer or timerfd setting (`timer_settime`, `timerfd_settime`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct itimerspec {
    /// Period after the first expiry; zero for a one-shot timer.
    pub it_interval: timespec,
    /// Time to the first expiry; zero disarms.
    pub it_value: timespec,
}

/// An interval-timer setting (`setitimer`, `getitimer`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct itimerval {
    /// Period after the first expiry; zero for a one-shot timer.
    pub it_interval: timeval,
    /// Time to the first expiry; zero disarms.
    pub it_value: timeval,
}

/// Process times in clock ticks (`times(2)`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct tms {
    /// User CPU time of the caller.
    pub tms_utime: i64,
    /// System CPU time of the caller.
    pub tms_stime: i64,
    /// User CPU time of waited-for children.
    pub tms_cutime: i64,
    /// System CPU time of waited-for children.
    pub tms_cstime: i64,
}

/// File times for the obsolete `utime(2)`.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct utimbuf {
    /// Access time, seconds.
    pub actime: i64,
    /// Modification time, seconds.
    pub modtime: i64,
}

/// Clock ticks per second as `times(2)` and `/proc` report them (`USER_HZ`).
pub const USER_HZ: i64 = 100;

/// Wall-clock time.
pub const CLOCK_REALTIME: i32 = 0;
/// Time since an unspecified start, never set back.
pub const CLOCK_MONOTONIC: i32 = 1;
/// CPU time of the calling process.
pub const CLOCK_PROCESS_CPUTIME_ID: i32 = 2;
/// CPU time of the calling thread.
pub const CLOCK_THREAD_CPUTIME_ID: i32 = 3;
/// Monotonic time without NTP adjustment.
pub const CLOCK_MONOTONIC_RAW: i32 = 4;
/// Fast, tick-resolution `CLOCK_REALTIME`.
pub const CLOCK_REALTIME_COARSE: i32 = 5;
/// Fast, tick-resolution `CLOCK_MONOTONIC`.
pub const CLOCK_MONOTONIC_COARSE: i32 = 6;
/// Monotonic time including time suspended.
pub const CLOCK_BOOTTIME: i32 = 7;
/// `CLOCK_REALTIME` that wakes a suspended system.
pub const CLOCK_REALTIME_ALARM: i32 = 8;
/// `CLOCK_BOOTTIME` that wakes a suspended system.
pub const CLOCK_BOOTTIME_ALARM: i32 = 9;
/// Obsolete SGI cycle counter; Linux answers `EINVAL`.
pub const CLOCK_SGI_CYCLE: i32 = 10;
/// International Atomic Time.
pub const CLOCK_TAI: i32 = 11;
/// Number of fixed clock ids (`MAX_CLOCKS`); CPU-clock ids of other
/// processes and threads are negative (`MAKE_PROCESS_CPUCLOCK`).
pub const MAX_CLOCKS: i32 = 16;

/// What a CPU-time clock measures (the low two bits of its clock id).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CpuClockWhich {
    /// User plus system time (`CPUCLOCK_PROF`).
    Prof = 0,
    /// User time (`CPUCLOCK_VIRT`).
    Virt = 1,
    /// Scheduler run time (`CPUCLOCK_SCHED`), what `clock_getcpuclockid` uses.
    Sched = 2,
}

/// A decoded CPU-time clock id: negative clock ids name the CPU clock of
/// another process or thread (`clock_getcpuclockid`,
/// `pthread_getcpuclockid`), encoded as `(!pid << 3) | per_thread << 2 | which`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CpuClock {
    /// The process or thread id; 0 means the caller.
    pub pid: i32,
    /// Whether the clock is a thread's rather than a whole process's.
    pub per_thread: bool,
    /// What the clock measures.
    pub which: CpuClockWhich,
}

const CPUCLOCK_PERTHREAD_MASK: i32 = 4;
const CPUCLOCK_CLOCK_MASK: i32 = 3;
/// Low bits of a dynamic (`/dev/ptp*` fd-based) clock id.
const CLOCKFD: i32 = 3;
const CLOCKFD_MASK: i32 = CPUCLOCK_PERTHREAD_MASK | CPUCLOCK_CLOCK_MASK;

impl CpuClock {
    /// Decodes `clockid`; `None` for the fixed clocks (ids >= 0), for
    /// fd-based dynamic clocks and for invalid encodings.
    pub const fn from_clockid(clockid: i32) -> Option<CpuClock> {
        if clockid >= 0 || clockid & CLOCKFD_MASK == CLOCKFD {
            return None;
        }
        let which = match clockid & CPUCLOCK_CLOCK_MASK {
            0 => CpuClockWhich::Prof,
            1 => CpuClockWhich::Virt,
            2 => CpuClockWhich::Sched,
            _ => return None,
        };
        Some(CpuClock {
            pid: !(clockid >> 3),
            per_thread: clockid & CPUCLOCK_PERTHREAD_MASK != 0,
            which,
        })
    }

    /// The clock id (`MAKE_PROCESS_CPUCLOCK`/`MAKE_THREAD_CPUCLOCK`).
    pub const fn clockid(self) -> i32 {
        let thread = if self.per_thread {
            CPUCLOCK_PERTHREAD_MASK
        } else {
            0
        };
        (!self.pid << 3) | thread | self.which as i32
    }
}

/// `clock_nanosleep`/`timer_settime`: the time is absolute, not relative.
pub const TIMER_ABSTIME: i32 = 1;

/// Interval timer decrementing in real time (`SIGALRM`).
pub const ITIMER_REAL: i32 = 0;
/// Interval timer decrementing in process user time (`SIGVTALRM`).
pub const ITIMER_VIRTUAL: i32 = 1;
/// Interval timer decrementing in process CPU time (`SIGPROF`).
pub const ITIMER_PROF: i32 = 2;

bitflags! {
    /// `timerfd_create(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TimerfdFlags: u32 {
        /// Non-blocking reads (`O_NONBLOCK`).
        const TFD_NONBLOCK = 0o4000;
        /// Close on exec (`O_CLOEXEC`).
        const TFD_CLOEXEC = 0o2000000;
    }
}

bitflags! {
    /// `timerfd_settime(2)` flags.
    #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
    pub struct TimerfdSettimeFlags: u32 {
        /// The expiry time is absolute.
        const TFD_TIMER_ABSTIME = 1;
        /// With `CLOCK_REALTIME` and an absolute time: fail reads with
        /// `ECANCELED` when the clock is set.
        const TFD_TIMER_CANCEL_ON_SET = 2;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    macro_rules! check_layout {
        ($ty:ident { $($field:ident),* }) => {
            assert_eq!(size_of::<$ty>(), size_of::<libc::$ty>(), stringify!($ty));
            assert_eq!(align_of::<$ty>(), align_of::<libc::$ty>(), stringify!($ty));
            $(assert_eq!(offset_of!($ty, $field), offset_of!(libc::$ty, $field), stringify!($field));)*
        };
    }

    #[test]
    fn layouts_match_libc() {
        check_layout!(timespec { tv_sec, tv_nsec });
        check_layout!(timeval { tv_sec, tv_usec });
        check_layout!(itimerspec {
            it_interval,
            it_value
        });
        check_layout!(itimerval {
            it_interval,
            it_value
        });
        check_layout!(tms {
            tms_utime,
            tms_stime,
            tms_cutime,
            tms_cstime
        });
        check_layout!(utimbuf { actime, modtime });
        // libc's timezone is an opaque enum; the kernel's is two ints.
        assert_eq!(size_of::<timezone>(), 8);
        assert_eq!(offset_of!(timezone, tz_dsttime), 4);
    }

    #[test]
    fn constants_match_libc() {
        macro_rules! check {
            ($($name:ident)*) => {$(assert_eq!($name as i64, libc::$name as i64, stringify!($name));)*};
        }
        check!(CLOCK_REALTIME CLOCK_MONOTONIC CLOCK_PROCESS_CPUTIME_ID CLOCK_THREAD_CPUTIME_ID
            CLOCK_MONOTONIC_RAW CLOCK_REALTIME_COARSE CLOCK_MONOTONIC_COARSE CLOCK_BOOTTIME
            CLOCK_REALTIME_ALARM CLOCK_BOOTTIME_ALARM CLOCK_TAI TIMER_ABSTIME ITIMER_REAL
            ITIMER_VIRTUAL ITIMER_PROF);
        assert_eq!(TimerfdFlags::TFD_NONBLOCK.bits() as i32, libc::TFD_NONBLOCK);
        assert_eq!(TimerfdFlags::TFD_CLOEXEC.bits() as i32, libc::TFD_CLOEXEC);
        assert_eq!(
            TimerfdSettimeFlags::TFD_TIMER_ABSTIME.bits() as i32,
            libc::TFD_TIMER_ABSTIME
        );
        assert_eq!(
            TimerfdSettimeFlags::TFD_TIMER_CANCEL_ON_SET.bits() as i32,
            libc::TFD_TIMER_CANCEL_ON_SET
        );
    }

    #[test]
    fn cpu_clock_ids() {
        // glibc's clock_getcpuclockid(0) is MAKE_PROCESS_CPUCLOCK(0, CPUCLOCK_SCHED) = -6.
        let own = CpuClock {
            pid: 0,
            per_thread: false,
            which: CpuClockWhich::Sched,
        };
        assert_eq!(own.clockid(), -6);
        assert_eq!(CpuClock::from_clockid(-6), Some(own));
        for pid in [0, 1, 4242, i32::MAX >> 3] {
            for per_thread in [false, true] {
                for which in [
                    CpuClockWhich::Prof,
                    CpuClockWhich::Virt,
                    CpuClockWhich::Sched,
                ] {
                    let c = CpuClock {
                        pid,
                        per_thread,
                        which,
                    };
                    assert!(c.clockid() < 0);
                    assert_eq!(CpuClock::from_clockid(c.clockid()), Some(c));
                }
            }
        }
        assert_eq!(CpuClock::from_clockid(CLOCK_MONOTONIC), None);
        // Low bits 0b011: an fd-based dynamic clock; 0b111: invalid.
        assert_eq!(CpuClock::from_clockid(-5), None);
        assert_eq!(CpuClock::from_clockid(-1), None);
        assert!(CpuClock::from_clockid(i32::MIN).is_some());
    }

    #[test]
    fn timespec_helpers() {
        assert!(timespec {
            tv_sec: 1,
            tv_nsec: 999_999_999
        }
        .is_valid());
        assert!(!timespec {
            tv_sec: 1,
            tv_nsec: NSEC_PER_SEC
        }
        .is_valid());
        assert!(!timespec {
            tv_sec: -1,
            tv_nsec: 0
        }
        .is_valid());
        assert!(!timespec {
            tv_sec: 0,
            tv_nsec: -1
        }
        .is_valid());
        let big = timespec {
            tv_sec: i64::MAX,
            tv_nsec: i64::MAX,
        };
        assert_eq!(big.as_nanos(), i64::MAX as i128 * 1_000_000_001);
        assert_eq!(
            timespec::from_nanos(1_500_000_000),
            timespec {
                tv_sec: 1,
                tv_nsec: 500_000_000
            }
        );
        assert_eq!(
            timespec::from_nanos(-1),
            timespec {
                tv_sec: -1,
                tv_nsec: 999_999_999
            }
        );
        assert_eq!(timespec::from_nanos(-1).as_nanos(), -1);
        assert!(timeval {
            tv_sec: 0,
            tv_usec: 999_999
        }
        .is_valid());
        assert!(!timeval {
            tv_sec: 0,
            tv_usec: 1_000_000
        }
        .is_valid());
    }
}
