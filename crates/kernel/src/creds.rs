//! Credential changes: the rules of `setresuid(2)`, `setreuid(2)`,
//! `setuid(2)`, `setfsuid(2)`, their group twins and `setgroups(2)`, as
//! kernel/sys.c applies them, and the view the VFS checks permissions with.
//!
//! The sandbox has no capability sets of its own yet, so capabilities
//! follow the user ids as they do for a classic root process without
//! `PR_SET_KEEPCAPS` (`cap_emulate_setxuid` in security/commoncap.c): the
//! effective set is full exactly when the effective uid is 0, the permitted
//! set is full while one of the real, effective or saved uids is 0, and the
//! filesystem capabilities (`CAP_FS_MASK`) are in force when the
//! filesystem uid is 0 and the permitted set is full.

use abi::Errno;

use crate::task::Credentials;

/// The id value that means "leave unchanged" (`(uid_t)-1`); it is never
/// a valid id.
pub const NO_ID: u32 = u32::MAX;

/// `NGROUPS_MAX`: the most supplementary groups `setgroups` accepts.
pub const NGROUPS_MAX: usize = 65536;

impl Credentials {
    /// Credentials with every user id `uid`, every group id `gid` and no
    /// supplementary groups.
    pub fn new(uid: u32, gid: u32) -> Credentials {
        Credentials {
            uid,
            euid: uid,
            suid: uid,
            gid,
            egid: gid,
            sgid: gid,
            fsuid: uid,
            fsgid: gid,
            groups: Vec::new(),
        }
    }

    /// Whether the effective capability set is full (effective uid 0):
    /// `CAP_SETUID`, `CAP_SETGID`, `CAP_SYS_ADMIN` and the like.
    pub fn is_privileged(&self) -> bool {
        self.euid == 0
    }

    /// Whether the permitted capability set is full: one of the real,
    /// effective or saved uids is still 0.
    fn permitted(&self) -> bool {
        self.uid == 0 || self.euid == 0 || self.suid == 0
    }

    /// The credentials the VFS checks permissions with: the filesystem ids,
    /// the groups, and the capabilities in force (see the module doc).
    pub fn to_vfs(&self) -> vfs::Credentials {
        let mut caps = vfs::Capabilities::empty();
        if self.fsuid == 0 && self.permitted() {
            caps |= vfs::Capabilities::all() - vfs::Capabilities::CAP_SYS_ADMIN;
        }
        if self.is_privileged() {
            caps |= vfs::Capabilities::CAP_SYS_ADMIN;
        }
        vfs::Credentials {
            fsuid: self.fsuid,
            fsgid: self.fsgid,
            groups: self.groups.clone(),
            caps,
        }
    }

    /// The user ids as `[real, effective, saved, filesystem]`.
    fn uids(&self) -> Ids {
        [self.uid, self.euid, self.suid, self.fsuid]
    }

    fn set_uids(&mut self, ids: Ids) {
        [self.uid, self.euid, self.suid, self.fsuid] = ids;
    }

    /// The group ids as `[real, effective, saved, filesystem]`.
    fn gids(&self) -> Ids {
        [self.gid, self.egid, self.sgid, self.fsgid]
    }

    fn set_gids(&mut self, ids: Ids) {
        [self.gid, self.egid, self.sgid, self.fsgid] = ids;
    }

    /// `setresuid(2)`: each id that is not [`NO_ID`] must be one of the
    /// current real, effective or saved uids unless the caller is
    /// privileged (`EPERM`). The filesystem uid follows the effective one.
    pub fn setresuid(&mut self, r: u32, e: u32, s: u32) -> Result<(), Errno> {
        let ids = setres(self.uids(), self.is_privileged(), [r, e, s])?;
        self.set_uids(ids);
        Ok(())
    }

    /// `setresgid(2)`: as [`Credentials::setresuid`] for the group ids.
    pub fn setresgid(&mut self, r: u32, e: u32, s: u32) -> Result<(), Errno> {
        let ids = setres(self.gids(), self.is_privileged(), [r, e, s])?;
        self.set_gids(ids);
        Ok(())
    }

    /// `setreuid(2)`: an unprivileged caller may set the real uid to the
    /// real or effective one and the effective uid to any of the three.
    /// The saved uid becomes the new effective one when the real uid is
    /// set or the effective uid is set to something other than the old
    /// real uid.
    pub fn setreuid(&mut self, r: u32, e: u32) -> Result<(), Errno> {
        let ids = setre(self.uids(), self.is_privileged(), r, e)?;
        self.set_uids(ids);
        Ok(())
    }

    /// `setregid(2)`: as [`Credentials::setreuid`] for the group ids.
    pub fn setregid(&mut self, r: u32, e: u32) -> Result<(), Errno> {
        let ids = setre(self.gids(), self.is_privileged(), r, e)?;
        self.set_gids(ids);
        Ok(())
    }

    /// `setuid(2)`: privileged, every uid becomes `uid`; otherwise only the
    /// effective (and filesystem) uid, and only to the real or saved uid
    /// (`EPERM`). `(uid_t)-1` is `EINVAL`.
    pub fn setuid(&mut self, uid: u32) -> Result<(), Errno> {
        let ids = set_one(self.uids(), self.is_privileged(), uid)?;
        self.set_uids(ids);
        Ok(())
    }

    /// `setgid(2)`: as [`Credentials::setuid`] for the group ids.
    pub fn setgid(&mut self, gid: u32) -> Result<(), Errno> {
        let ids = set_one(self.gids(), self.is_privileged(), gid)?;
        self.set_gids(ids);
        Ok(())
    }

    /// `setfsuid(2)`: sets the filesystem uid if the caller is privileged
    /// or `uid` is one of its real, effective, saved or filesystem uids;
    /// never fails, and returns the previous filesystem uid either way.
    pub fn setfsuid(&mut self, uid: u32) -> u32 {
        let old = self.fsuid;
        self.fsuid = set_fs(self.uids(), self.is_privileged(), uid);
        old
    }

    /// `setfsgid(2)`: as [`Credentials::setfsuid`] for the group ids.
    pub fn setfsgid(&mut self, gid: u32) -> u32 {
        let old = self.fsgid;
        self.fsgid = set_fs(self.gids(), self.is_privileged(), gid);
        old
    }

    /// The checks `setgroups(2)` makes before it reads the list, in
    /// Linux's order: `EPERM` unless privileged, then `EINVAL` for more
    /// than [`NGROUPS_MAX`] groups.
    pub fn may_setgroups(&self, len: usize) -> Result<(), Errno> {
        if !self.is_privileged() {
            return Err(Errno::EPERM);
        }
        if len > NGROUPS_MAX {
            return Err(Errno::EINVAL);
        }
        Ok(())
    }

    /// `setgroups(2)`: replaces the supplementary groups (kept sorted, as
    /// Linux's `groups_sort` does, so `getgroups` lists them in order),
    /// after [`Credentials::may_setgroups`].
    pub fn setgroups(&mut self, mut groups: Vec<u32>) -> Result<(), Errno> {
        self.may_setgroups(groups.len())?;
        groups.sort_unstable();
        self.groups = groups;
        Ok(())
    }
}

/// One kind of id (user or group) as `[real, effective, saved,
/// filesystem]`; the rules below are the same for both.
type Ids = [u32; 4];

/// `__sys_setresuid`: the new ids, or `EPERM`.
fn setres(old: Ids, privileged: bool, new: [u32; 3]) -> Result<Ids, Errno> {
    let allowed = |id: u32| id == NO_ID || privileged || old[..3].contains(&id);
    if !new.iter().all(|&id| allowed(id)) {
        return Err(Errno::EPERM);
    }
    let mut ids = old;
    for (slot, id) in ids.iter_mut().zip(new) {
        if id != NO_ID {
            *slot = id;
        }
    }
    ids[3] = ids[1];
    Ok(ids)
}

/// `__sys_setreuid`: the new ids, or `EPERM`.
fn setre(old: Ids, privileged: bool, r: u32, e: u32) -> Result<Ids, Errno> {
    let [old_r, old_e, old_s, _] = old;
    if r != NO_ID && !(privileged || r == old_r || r == old_e) {
        return Err(Errno::EPERM);
    }
    if e != NO_ID && !(privileged || e == old_r || e == old_e || e == old_s) {
        return Err(Errno::EPERM);
    }
    let mut ids = old;
    if r != NO_ID {
        ids[0] = r;
    }
    if e != NO_ID {
        ids[1] = e;
    }
    if r != NO_ID || (e != NO_ID && e != old_r) {
        ids[2] = ids[1];
    }
    ids[3] = ids[1];
    Ok(ids)
}

/// `__sys_setuid`: the new ids, `EINVAL` for [`NO_ID`], or `EPERM`.
fn set_one(old: Ids, privileged: bool, id: u32) -> Result<Ids, Errno> {
    if id == NO_ID {
        return Err(Errno::EINVAL);
    }
    if privileged {
        return Ok([id; 4]);
    }
    if id != old[0] && id != old[2] {
        return Err(Errno::EPERM);
    }
    Ok([old[0], id, old[2], id])
}

/// `__sys_setfsuid`: the new filesystem id (unchanged when not allowed).
fn set_fs(old: Ids, privileged: bool, id: u32) -> u32 {
    if id != NO_ID && (privileged || old.contains(&id)) {
        id
    } else {
        old[3]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ids(c: &Credentials) -> [u32; 4] {
        [c.uid, c.euid, c.suid, c.fsuid]
    }

    #[test]
    fn root_drops_effective_uid_reversibly() {
        let mut c = Credentials::new(0, 0);
        c.setresuid(NO_ID, 1000, NO_ID).unwrap();
        assert_eq!(ids(&c), [0, 1000, 0, 1000]);
        assert!(!c.is_privileged());
        assert!(c.to_vfs().caps.is_empty());
        assert_eq!(c.setresuid(NO_ID, 2000, NO_ID), Err(Errno::EPERM));
        c.setresuid(NO_ID, 0, NO_ID).unwrap();
        assert_eq!(ids(&c), [0; 4]);
        assert_eq!(c.to_vfs().caps, vfs::Capabilities::all());
    }

    #[test]
    fn dropping_every_uid_is_for_good() {
        let mut c = Credentials::new(0, 0);
        c.setresgid(65534, 65534, 65534).unwrap();
        c.setresuid(65534, 65534, 65534).unwrap();
        assert_eq!(c.setresuid(0, 0, 0), Err(Errno::EPERM));
        assert_eq!(c.setuid(0), Err(Errno::EPERM));
        assert_eq!(c.setgroups(vec![]), Err(Errno::EPERM));
        assert_eq!(c.setfsuid(0), 65534);
        assert_eq!(c.fsuid, 65534);
        assert_eq!(c.to_vfs().fsgid, 65534);
    }

    #[test]
    fn setreuid_moves_the_saved_uid() {
        let mut c = Credentials::new(0, 0);
        c.setreuid(NO_ID, NO_ID).unwrap();
        assert_eq!(ids(&c), [0; 4]);
        c.setreuid(NO_ID, 1234).unwrap();
        assert_eq!(ids(&c), [0, 1234, 1234, 1234]);
        // Unprivileged: the effective uid may go to the real one (0).
        c.setresuid(NO_ID, 0, 0).unwrap();
        c.setreuid(1000, 1000).unwrap();
        assert_eq!(ids(&c), [1000; 4]);
        assert_eq!(c.setreuid(0, NO_ID), Err(Errno::EPERM));
    }

    #[test]
    fn setreuid_to_the_real_uid_keeps_the_saved_one() {
        let mut c = Credentials::new(5, 0);
        c.euid = 7;
        c.suid = 9;
        c.fsuid = 7;
        c.setreuid(NO_ID, 5).unwrap();
        assert_eq!(ids(&c), [5, 5, 9, 5]);
        c.setreuid(NO_ID, 9).unwrap();
        assert_eq!(ids(&c), [5, 9, 9, 9]);
    }

    #[test]
    fn setuid_privileged_sets_all_unprivileged_only_effective() {
        let mut c = Credentials::new(0, 0);
        assert_eq!(c.setuid(NO_ID), Err(Errno::EINVAL));
        c.setresuid(1000, 1000, 0).unwrap();
        c.setuid(0).unwrap();
        assert_eq!(ids(&c), [1000, 0, 0, 0]);
        c.setuid(42).unwrap();
        assert_eq!(ids(&c), [42; 4]);
        let mut g = Credentials::new(0, 0);
        g.setgid(77).unwrap();
        assert_eq!([g.gid, g.egid, g.sgid, g.fsgid], [77; 4]);
        g.setresuid(NO_ID, 1, NO_ID).unwrap();
        assert_eq!(g.setgid(78), Err(Errno::EPERM));
    }

    #[test]
    fn setfsuid_changes_only_the_filesystem_view() {
        let mut c = Credentials::new(0, 0);
        assert_eq!(c.setfsuid(1000), 0);
        assert_eq!(c.setfsuid(NO_ID), 1000);
        let v = c.to_vfs();
        assert_eq!(v.fsuid, 1000);
        assert_eq!(v.caps, vfs::Capabilities::CAP_SYS_ADMIN);
        assert_eq!(c.setfsuid(0), 1000);
        assert_eq!(c.to_vfs().caps, vfs::Capabilities::all());
        assert_eq!(c.setfsgid(1000), 0);
        assert_eq!(c.to_vfs().fsgid, 1000);
        c.setresuid(NO_ID, 1000, NO_ID).unwrap();
        assert_eq!(c.setfsuid(NO_ID), 1000);
    }

    #[test]
    fn setgroups_sorts_and_bounds() {
        let mut c = Credentials::new(0, 0);
        c.setgroups(vec![30, 10, 20]).unwrap();
        assert_eq!(c.groups, [10, 20, 30]);
        assert_eq!(c.setgroups(vec![0; NGROUPS_MAX + 1]), Err(Errno::EINVAL));
        c.setresgid(NO_ID, 5, NO_ID).unwrap();
        assert_eq!(c.to_vfs().fsgid, 5);
        c.setresgid(NO_ID, 0, NO_ID).unwrap();
        assert_eq!(c.setresgid(NO_ID, 6, NO_ID), Ok(()));
    }
}
