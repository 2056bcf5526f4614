//! Capabilities: `capget(2)`.
//!
//! The sandbox's capability model is the classic root one: a task whose
//! effective user id is 0 holds every capability in its effective and
//! permitted sets (what the VFS checks, see [`Credentials::to_vfs`]),
//! any other task none, and the inheritable set is empty. `capget`
//! reports exactly that. `capset` is not implemented, because sets cannot
//! be changed independently of the user id yet.
//!
//! [`Credentials::to_vfs`]: crate::task::Credentials::to_vfs

use abi::capability::{
    cap_user_data, cap_user_header, kernel_cap_t, to_user_cap_data, _LINUX_CAPABILITY_U32S_1,
    _LINUX_CAPABILITY_U32S_3, _LINUX_CAPABILITY_VERSION_1, _LINUX_CAPABILITY_VERSION_2,
    _LINUX_CAPABILITY_VERSION_3,
};
use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::{Credentials, Task};
use crate::usermem::UserPtr;

/// How many data words the header's version asks for; an unknown version
/// gets the preferred one written back and `EINVAL`
/// (`cap_validate_magic`).
fn words(t: &mut Task, header: UserPtr<cap_user_header>) -> Result<usize, Errno> {
    let mut h = header.read(t.mem())?;
    match h.version {
        _LINUX_CAPABILITY_VERSION_1 => Ok(_LINUX_CAPABILITY_U32S_1),
        _LINUX_CAPABILITY_VERSION_2 | _LINUX_CAPABILITY_VERSION_3 => Ok(_LINUX_CAPABILITY_U32S_3),
        _ => {
            h.version = _LINUX_CAPABILITY_VERSION_3;
            header.write(t.mem(), &h)?;
            Err(Errno::EINVAL)
        }
    }
}

/// The (effective, permitted, inheritable) sets of a task with `creds`.
pub fn cap_sets(creds: &Credentials) -> (kernel_cap_t, kernel_cap_t, kernel_cap_t) {
    let full = if creds.euid == 0 {
        kernel_cap_t::FULL
    } else {
        kernel_cap_t::EMPTY
    };
    (full, full, kernel_cap_t::EMPTY)
}

/// `capget(2)`: the sets of the caller (`pid` 0) or of thread `pid`
/// (`ESRCH` if there is none). A null data pointer only probes the
/// version: an unknown one is written back and the call succeeds.
pub fn sys_capget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let header = a.ptr::<cap_user_header>(0);
    let data = a.ptr::<cap_user_data>(1);
    let n = match words(t, header) {
        Err(Errno::EINVAL) if data.is_null() => return SysRet::ZERO,
        Err(e) => return Err(e),
        Ok(_) if data.is_null() => return SysRet::ZERO,
        Ok(n) => n,
    };
    let pid = header.read(t.mem())?.pid;
    if pid < 0 {
        return Err(Errno::EINVAL);
    }
    let creds = if pid == 0 || pid == t.tid {
        t.creds.clone()
    } else {
        t.kernel()
            .task_view(pid)
            .ok_or(Errno::ESRCH)?
            .snapshot()
            .creds
    };
    let (e, p, i) = cap_sets(&creds);
    for (k, word) in to_user_cap_data(e, p, i).iter().take(n).enumerate() {
        data.index(k as u64)?.write(t.mem(), word)?;
    }
    SysRet::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn root_has_every_capability_others_none() {
        let root = Credentials::default();
        let (e, p, i) = cap_sets(&root);
        assert_eq!(
            (e, p, i),
            (kernel_cap_t::FULL, kernel_cap_t::FULL, kernel_cap_t::EMPTY)
        );
        assert!(e.has(abi::capability::CAP_SYS_ADMIN));
        let user = Credentials {
            uid: 1000,
            euid: 1000,
            ..Credentials::default()
        };
        assert_eq!(cap_sets(&user).0, kernel_cap_t::EMPTY);
    }
}
