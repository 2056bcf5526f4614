//! The host's wall clock as the VFS's time source for inode timestamps.

use rustix::time::{clock_gettime, ClockId};
use vfs::{Clock, Timespec};

/// `CLOCK_REALTIME` of the host.
#[derive(Clone, Copy, Debug, Default)]
pub struct HostClock;

impl Clock for HostClock {
    fn now(&self) -> Timespec {
        let ts = clock_gettime(ClockId::Realtime);
        Timespec {
            sec: ts.tv_sec,
            nsec: ts.tv_nsec.clamp(0, 999_999_999) as u32,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn host_clock_is_after_2020_and_monotone_enough() {
        let a = HostClock.now();
        let b = HostClock.now();
        assert!(a.sec > 1_577_836_800);
        assert!(b >= a);
    }
}
