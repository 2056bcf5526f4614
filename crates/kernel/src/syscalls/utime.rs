//! The older time-setting calls, `utime(2)`, `utimes(2)` and
//! `futimesat(2)`: second and microsecond forms of `utimensat(2)`, which
//! glibc no longer uses but raw callers (and old binaries) still do.

use abi::fcntl::AT_FDCWD;
use abi::time::timeval;
use abi::Errno;
use vfs::{AtFlags, TimeUpdate, Timespec};

use super::attr::do_utimes;
use super::{SysResult, SyscallArgs};
use crate::task::Task;

fn set(sec: i64, nsec: u32) -> TimeUpdate {
    TimeUpdate::Set(Timespec { sec, nsec })
}

/// The `struct timeval[2]` at `addr` (access, modification), or now for
/// NULL; `EINVAL` for microseconds outside `[0, 1e6)`.
fn timevals(t: &mut Task, addr: u64) -> Result<(TimeUpdate, TimeUpdate), Errno> {
    if addr == 0 {
        return Ok((TimeUpdate::Now, TimeUpdate::Now));
    }
    let tv = crate::usermem::UserPtr::<[timeval; 2]>::new(addr).read(t.mem())?;
    let one = |v: &timeval| -> Result<TimeUpdate, Errno> {
        let usec = u32::try_from(v.tv_usec)
            .ok()
            .filter(|u| *u < 1_000_000)
            .ok_or(Errno::EINVAL)?;
        Ok(set(v.tv_sec, usec * 1000))
    };
    Ok((one(&tv[0])?, one(&tv[1])?))
}

/// `utime(2)`: whole seconds from a `struct utimbuf` (access,
/// modification); NULL means now.
pub fn sys_utime(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = if a.u64(1) == 0 {
        (TimeUpdate::Now, TimeUpdate::Now)
    } else {
        let [atime, mtime] = a.ptr::<[i64; 2]>(1).read(t.mem())?;
        (set(atime, 0), set(mtime, 0))
    };
    do_utimes(t, AT_FDCWD, a.u64(0), times, AtFlags::empty())
}

/// `utimes(2)`.
pub fn sys_utimes(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = timevals(t, a.u64(1))?;
    do_utimes(t, AT_FDCWD, a.u64(0), times, AtFlags::empty())
}

/// `futimesat(2)`: as `utimes` relative to `dirfd`; a NULL path names
/// `dirfd` itself.
pub fn sys_futimesat(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let times = timevals(t, a.u64(2))?;
    do_utimes(t, a.fd(0), a.u64(1), times, AtFlags::empty())
}
