//! Changing identities: `setuid(2)`, `setgid(2)`, `setreuid(2)`,
//! `setregid(2)`, `setresuid(2)`, `setresgid(2)`, `setgroups(2)`.
//!
//! The rules are Linux's: a task with `CAP_SETUID` (`CAP_SETGID` for
//! groups) may set any id; any other may only move among its current
//! real, effective and saved ids. Capabilities follow the effective user
//! id ([`super::capability`]), so dropping root the way Linux does it
//! (every id non-zero) drops every capability for good, and a task that
//! keeps 0 as its real or saved id can take it back. The filesystem user
//! id is the effective one.

use abi::Errno;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::{Credentials, Task};
use crate::usermem::UserPtr;

/// `NGROUPS_MAX`.
const NGROUPS_MAX: u64 = 65536;
/// The id meaning "leave unchanged".
const KEEP: u32 = u32::MAX;

/// Whether the task may set ids freely (`CAP_SETUID`/`CAP_SETGID`).
fn privileged(c: &Credentials) -> bool {
    super::capability::cap_sets(c).0.val != 0
}

/// Which of user (`false`) or group (`true`) ids a call changes.
fn ids(c: &mut Credentials, group: bool) -> (&mut u32, &mut u32, &mut u32) {
    if group {
        (&mut c.gid, &mut c.egid, &mut c.sgid)
    } else {
        (&mut c.uid, &mut c.euid, &mut c.suid)
    }
}

/// `setres[ug]id`: each id not `-1` must be one of the current three
/// unless privileged.
fn set_res(c: &Credentials, group: bool, new: [u32; 3]) -> Result<Credentials, Errno> {
    let privileged = privileged(c);
    let mut n = c.clone();
    let (r, e, s) = ids(&mut n, group);
    let old = [*r, *e, *s];
    if !privileged && new.iter().any(|&v| v != KEEP && !old.contains(&v)) {
        return Err(Errno::EPERM);
    }
    for (slot, v) in [r, e, s].into_iter().zip(new) {
        if v != KEEP {
            *slot = v;
        }
    }
    Ok(n)
}

/// `setre[ug]id`: the real id may become the real or effective one, the
/// effective id any of the three; the saved id follows the effective one
/// when the real id is set or the effective id leaves the real one.
fn set_re(c: &Credentials, group: bool, nr: u32, ne: u32) -> Result<Credentials, Errno> {
    let privileged = privileged(c);
    let mut n = c.clone();
    let (r, e, s) = ids(&mut n, group);
    let (or, oe, os) = (*r, *e, *s);
    if !privileged
        && ((nr != KEEP && nr != or && nr != oe)
            || (ne != KEEP && ne != or && ne != oe && ne != os))
    {
        return Err(Errno::EPERM);
    }
    if nr != KEEP {
        *r = nr;
    }
    if ne != KEEP {
        *e = ne;
    }
    if nr != KEEP || (ne != KEEP && ne != or) {
        *s = *e;
    }
    Ok(n)
}

/// `set[ug]id`: privileged, all three; otherwise only the effective id,
/// to the real or saved one.
fn set_one(c: &Credentials, group: bool, v: u32) -> Result<Credentials, Errno> {
    if v == KEEP {
        return Err(Errno::EINVAL);
    }
    let privileged = privileged(c);
    let mut n = c.clone();
    let (r, e, s) = ids(&mut n, group);
    if privileged {
        (*r, *e, *s) = (v, v, v);
    } else if v == *r || v == *s {
        *e = v;
    } else {
        return Err(Errno::EPERM);
    }
    Ok(n)
}

fn apply(t: &mut Task, n: Result<Credentials, Errno>) -> SysResult {
    t.creds = n?;
    t.publish();
    SysRet::ZERO
}

/// `setuid(2)`.
pub fn sys_setuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = set_one(&t.creds, false, a.u32(0));
    apply(t, n)
}

/// `setgid(2)`.
pub fn sys_setgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = set_one(&t.creds, true, a.u32(0));
    apply(t, n)
}

/// `setreuid(2)`.
pub fn sys_setreuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = set_re(&t.creds, false, a.u32(0), a.u32(1));
    apply(t, n)
}

/// `setregid(2)`.
pub fn sys_setregid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = set_re(&t.creds, true, a.u32(0), a.u32(1));
    apply(t, n)
}

/// `setresuid(2)`.
pub fn sys_setresuid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = set_res(&t.creds, false, [a.u32(0), a.u32(1), a.u32(2)]);
    apply(t, n)
}

/// `setresgid(2)`.
pub fn sys_setresgid(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let n = set_res(&t.creds, true, [a.u32(0), a.u32(1), a.u32(2)]);
    apply(t, n)
}

/// `setgroups(2)`: needs `CAP_SETGID`; at most `NGROUPS_MAX` groups.
pub fn sys_setgroups(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let size = a.u64(0) as i32;
    if size < 0 || size as u64 > NGROUPS_MAX {
        return Err(Errno::EINVAL);
    }
    if !privileged(&t.creds) {
        return Err(Errno::EPERM);
    }
    let base = UserPtr::<u32>::new(a.u64(1));
    let mut groups = Vec::with_capacity(size as usize);
    for i in 0..size as u64 {
        groups.push(base.index(i)?.read(t.mem())?);
    }
    groups.sort_unstable();
    let mut n = t.creds.clone();
    n.groups = groups;
    apply(t, Ok(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(r: u32, e: u32, s: u32) -> Credentials {
        Credentials {
            uid: r,
            euid: e,
            suid: s,
            ..Credentials::default()
        }
    }

    fn uids(c: &Credentials) -> [u32; 3] {
        [c.uid, c.euid, c.suid]
    }

    #[test]
    fn root_drops_for_good() {
        let root = user(0, 0, 0);
        let c = set_res(&root, false, [1000, 1000, 1000]).expect("root may");
        assert_eq!(uids(&c), [1000; 3]);
        assert_eq!(set_res(&c, false, [KEEP, 0, KEEP]), Err(Errno::EPERM));
        assert_eq!(set_one(&c, false, 0), Err(Errno::EPERM));
        assert_eq!(uids(&set_one(&root, false, 7).expect("root")), [7; 3]);
    }

    #[test]
    fn saved_root_can_come_back() {
        let c = set_res(&user(0, 0, 0), false, [KEEP, 1000, KEEP]).expect("seteuid");
        assert_eq!(uids(&c), [0, 1000, 0]);
        assert!(!privileged(&c));
        let back = set_res(&c, false, [KEEP, 0, KEEP]).expect("back to 0");
        assert!(privileged(&back));
    }

    #[test]
    fn setreuid_moves_saved_id() {
        let c = user(1000, 1001, 1002);
        assert_eq!(set_re(&c, false, 1002, KEEP), Err(Errno::EPERM));
        let n = set_re(&c, false, KEEP, 1002).expect("to saved");
        assert_eq!(uids(&n), [1000, 1002, 1002]);
        let n = set_re(&c, false, 1001, 1000).expect("swap");
        assert_eq!(uids(&n), [1001, 1000, 1000]);
    }

    #[test]
    fn unprivileged_setuid_changes_effective_only() {
        let c = user(1000, 1001, 1002);
        assert_eq!(
            uids(&set_one(&c, false, 1002).expect("saved")),
            [1000, 1002, 1002]
        );
        assert_eq!(set_one(&c, false, 5), Err(Errno::EPERM));
        assert_eq!(set_one(&c, false, KEEP), Err(Errno::EINVAL));
    }

    #[test]
    fn groups_follow_the_same_rules() {
        let mut c = user(1000, 1000, 1000);
        (c.gid, c.egid, c.sgid) = (10, 11, 12);
        let n = set_res(&c, true, [12, KEEP, KEEP]).expect("own gid");
        assert_eq!((n.gid, n.egid, n.sgid), (12, 11, 12));
        assert_eq!(set_res(&c, true, [0, KEEP, KEEP]), Err(Errno::EPERM));
    }
}
