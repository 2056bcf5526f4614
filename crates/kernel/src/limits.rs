//! Resource limits (`RLIMIT_*`) of a thread group, with Linux's defaults
//! and the rules of `setrlimit`/`prlimit64`.

use abi::resource::rlimit64;
pub use abi::resource::{
    RLIMIT_AS, RLIMIT_CORE, RLIMIT_CPU, RLIMIT_DATA, RLIMIT_FSIZE, RLIMIT_MEMLOCK, RLIMIT_MSGQUEUE,
    RLIMIT_NICE, RLIMIT_NOFILE, RLIMIT_NPROC, RLIMIT_RSS, RLIMIT_RTPRIO, RLIMIT_RTTIME,
    RLIMIT_SIGPENDING, RLIMIT_STACK, RLIM_INFINITY,
};
use abi::Errno;

/// How many resources Linux has (`RLIM_NLIMITS`).
pub const RLIM_NLIMITS: usize = 16;

/// `nr_open`: the hard ceiling of `RLIMIT_NOFILE`.
pub const NR_OPEN: u64 = 1 << 20;

/// The limits of one thread group.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rlimits {
    limits: [rlimit64; RLIM_NLIMITS],
}

impl Default for Rlimits {
    /// Linux's defaults for init on a typical system: 8 MiB stack, 1024/4096
    /// descriptors, 8 MiB locked memory, no core dumps, the rest unlimited.
    fn default() -> Self {
        let inf = rlimit64 {
            rlim_cur: RLIM_INFINITY,
            rlim_max: RLIM_INFINITY,
        };
        let mut limits = [inf; RLIM_NLIMITS];
        let mut set = |r: u32, cur: u64, max: u64| {
            if let Some(l) = limits.get_mut(r as usize) {
                *l = rlimit64 {
                    rlim_cur: cur,
                    rlim_max: max,
                };
            }
        };
        set(RLIMIT_STACK, 8 << 20, RLIM_INFINITY);
        set(RLIMIT_CORE, 0, RLIM_INFINITY);
        set(RLIMIT_NOFILE, 1024, 4096);
        set(RLIMIT_MEMLOCK, 8 << 20, 8 << 20);
        set(RLIMIT_NPROC, 63_704, 63_704);
        set(RLIMIT_SIGPENDING, 63_704, 63_704);
        set(RLIMIT_MSGQUEUE, 819_200, 819_200);
        set(RLIMIT_NICE, 0, 0);
        set(RLIMIT_RTPRIO, 0, 0);
        Rlimits { limits }
    }
}

impl Rlimits {
    /// The limit of `resource`; unlimited for an unknown resource (callers
    /// validate the number first with [`Rlimits::check_resource`]).
    pub fn get(&self, resource: u32) -> rlimit64 {
        self.limits
            .get(resource as usize)
            .copied()
            .unwrap_or(rlimit64 {
                rlim_cur: RLIM_INFINITY,
                rlim_max: RLIM_INFINITY,
            })
    }

    /// `EINVAL` unless `resource` names a limit.
    pub fn check_resource(resource: u32) -> Result<usize, Errno> {
        let i = resource as usize;
        if i < RLIM_NLIMITS {
            Ok(i)
        } else {
            Err(Errno::EINVAL)
        }
    }

    /// Sets a limit with `setrlimit`'s rules: `EINVAL` if soft > hard or the
    /// descriptor limit exceeds `nr_open`, `EPERM` for raising the hard limit
    /// without `CAP_SYS_RESOURCE`. Returns the old value.
    pub fn set(
        &mut self,
        resource: u32,
        new: rlimit64,
        privileged: bool,
    ) -> Result<rlimit64, Errno> {
        let i = Self::check_resource(resource)?;
        if new.rlim_cur > new.rlim_max {
            return Err(Errno::EINVAL);
        }
        if resource == RLIMIT_NOFILE && new.rlim_max > NR_OPEN {
            return Err(if privileged {
                Errno::EINVAL
            } else {
                Errno::EPERM
            });
        }
        let old = self.limits[i];
        if new.rlim_max > old.rlim_max && !privileged {
            return Err(Errno::EPERM);
        }
        self.limits[i] = new;
        Ok(old)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn setrlimit_rules() {
        let mut r = Rlimits::default();
        assert_eq!(r.get(RLIMIT_NOFILE).rlim_cur, 1024);
        let l = |c, m| rlimit64 {
            rlim_cur: c,
            rlim_max: m,
        };
        assert_eq!(r.set(RLIMIT_NOFILE, l(10, 5), true), Err(Errno::EINVAL));
        assert_eq!(r.set(RLIMIT_NOFILE, l(10, 8192), false), Err(Errno::EPERM));
        assert_eq!(
            r.set(RLIMIT_NOFILE, l(10, NR_OPEN + 1), true),
            Err(Errno::EINVAL)
        );
        assert_eq!(r.set(RLIMIT_NOFILE, l(10, 20), false), Ok(l(1024, 4096)));
        assert_eq!(r.set(RLIMIT_NOFILE, l(10, 30), false), Err(Errno::EPERM));
        assert_eq!(r.set(99, l(1, 1), true), Err(Errno::EINVAL));
    }
}
