//! System V IPC objects: the per-kernel registry each kind (semaphore
//! sets, message queues) keeps, keys, ids and permissions, as Linux's
//! `ipc/util.c`.
//!
//! An id is `seq << 15 | index`: the lowest free index, and a sequence
//! number that grows with every creation so a stale id of a removed
//! object does not name its successor.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Arc, Mutex, MutexGuard};

use abi::Errno;
use vfs::waitq::WaitQueue;

use crate::task::Credentials;

/// `IPC_PRIVATE`: a key that always makes a new object.
pub const IPC_PRIVATE: i32 = 0;
/// `IPC_CREAT`: create the object if the key has none.
pub const IPC_CREAT: i32 = 0o1000;
/// `IPC_EXCL`: with `IPC_CREAT`, fail if the key has an object.
pub const IPC_EXCL: i32 = 0o2000;
/// `IPC_NOWAIT`: fail rather than wait.
pub const IPC_NOWAIT: i32 = 0o4000;
/// `IPC_RMID`: remove the object.
pub const IPC_RMID: i32 = 0;
/// `IPC_SET`: change owner, mode (and kind-specific limits).
pub const IPC_SET: i32 = 1;
/// `IPC_STAT`: read the object's description.
pub const IPC_STAT: i32 = 2;
/// `IPC_64`: the flag glibc adds to `*ctl` commands for the 64-bit layouts
/// (the only ones x86-64 has).
pub const IPC_64: i32 = 0x100;
/// Read permission, as `ipcperms` asks for it.
pub const MAY_READ: i32 = 0o444;
/// Write ("alter") permission.
pub const MAY_WRITE: i32 = 0o222;

/// `IPCMNI_SHIFT`: bits of the index in an id.
const INDEX_BITS: u32 = 15;
/// The most objects of one kind (`IPCMNI`).
const MAX_OBJECTS: usize = 1 << INDEX_BITS;
/// The sequence wraps here (`IPCID_SEQ_MAX`).
const SEQ_MAX: u32 = (i32::MAX as u32) >> INDEX_BITS;

/// `struct kern_ipc_perm`: owner, creator and mode of an object.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Perm {
    /// The key it was created under.
    pub key: i32,
    /// Owner.
    pub uid: u32,
    /// Owner's group.
    pub gid: u32,
    /// Creator.
    pub cuid: u32,
    /// Creator's group.
    pub cgid: u32,
    /// The permission bits (`0777`).
    pub mode: u32,
    /// The sequence part of the id.
    pub seq: u32,
}

impl Perm {
    /// `struct ipc64_perm` as x86-64 lays it out (48 bytes).
    pub fn to_bytes(&self) -> [u8; 48] {
        let mut b = [0u8; 48];
        b[0..4].copy_from_slice(&self.key.to_le_bytes());
        for (i, v) in [self.uid, self.gid, self.cuid, self.cgid]
            .iter()
            .enumerate()
        {
            b[4 + i * 4..8 + i * 4].copy_from_slice(&v.to_le_bytes());
        }
        b[20..22].copy_from_slice(&(self.mode as u16).to_le_bytes());
        b[24..26].copy_from_slice(&(self.seq as u16).to_le_bytes());
        b
    }

    /// `ipcperms`: whether `c` may access with `flag` (`MAY_READ`,
    /// `MAY_WRITE` or a creation mode); the privileged bypass
    /// (`CAP_IPC_OWNER`).
    pub fn access(&self, c: &Credentials, flag: i32) -> Result<(), Errno> {
        let want = ((flag >> 6) | (flag >> 3) | flag) as u32 & 0o7;
        let granted = if c.euid == self.cuid || c.euid == self.uid {
            self.mode >> 6
        } else if in_group(c, self.cgid) || in_group(c, self.gid) {
            self.mode >> 3
        } else {
            self.mode
        };
        if want & !granted & 0o7 != 0 && !c.is_privileged() {
            return Err(Errno::EACCES);
        }
        Ok(())
    }

    /// Who may `IPC_SET` and `IPC_RMID`: owner, creator or privileged.
    pub fn may_change(&self, c: &Credentials) -> Result<(), Errno> {
        if c.euid == self.uid || c.euid == self.cuid || c.is_privileged() {
            Ok(())
        } else {
            Err(Errno::EPERM)
        }
    }

    /// `IPC_SET`: new owner ids and mode bits from an `ipc64_perm`.
    pub fn set_from(&mut self, b: &[u8]) {
        let word = |o: usize| {
            b.get(o..o + 4)
                .and_then(|s| <[u8; 4]>::try_from(s).ok())
                .map_or(0, u32::from_le_bytes)
        };
        self.uid = word(4);
        self.gid = word(8);
        self.mode = word(20) & 0o777;
    }
}

fn in_group(c: &Credentials, gid: u32) -> bool {
    c.egid == gid || c.groups.contains(&gid)
}

/// One object: its permissions and kind-specific state under one lock,
/// and a queue its waiters sleep on.
#[derive(Debug)]
pub struct Object<T> {
    /// The id user space names it by.
    pub id: i32,
    state: Mutex<Locked<T>>,
    /// Waiters for a change of the object (and its removal).
    pub queue: WaitQueue,
}

/// The locked part of an [`Object`].
#[derive(Debug)]
pub struct Locked<T> {
    /// Owner and mode.
    pub perm: Perm,
    /// Set once `IPC_RMID` removed it (waiters then fail with `EIDRM`).
    pub removed: bool,
    /// The kind's state.
    pub data: T,
}

impl<T> Object<T> {
    /// Locks the object.
    pub fn lock(&self) -> MutexGuard<'_, Locked<T>> {
        match self.state.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// What `get` needs to know about a kind.
pub struct GetArgs<'a, T> {
    /// The key (`IPC_PRIVATE` or a value).
    pub key: i32,
    /// `IPC_CREAT`, `IPC_EXCL` and the mode bits.
    pub flags: i32,
    /// The caller.
    pub creds: &'a Credentials,
    /// Makes the state of a new object (`EINVAL` and the like).
    pub make: &'a dyn Fn() -> Result<T, Errno>,
    /// Checks an existing object against the request (e.g. its size).
    pub fits: &'a dyn Fn(&T) -> Result<(), Errno>,
}

/// Every object of one kind.
#[derive(Debug)]
pub struct Registry<T> {
    inner: Mutex<Table<T>>,
    /// The most live objects (`msgmni`, `SEMMNI`); `ENOSPC` beyond.
    max: usize,
}

#[derive(Debug)]
struct Table<T> {
    by_index: BTreeMap<u32, Arc<Object<T>>>,
    /// The index of the live object under each key but `IPC_PRIVATE`.
    by_key: BTreeMap<i32, u32>,
    /// Indices below `fresh` that are free again, so the lowest free index
    /// is found in logarithmic time however many objects exist.
    free: BTreeSet<u32>,
    /// The lowest index never used.
    fresh: u32,
    seq: u32,
}

impl<T> Table<T> {
    /// Takes the lowest free index.
    fn take_index(&mut self) -> Option<u32> {
        if let Some(i) = self.free.pop_first() {
            return Some(i);
        }
        let i = self.fresh;
        (i < MAX_OBJECTS as u32).then(|| {
            self.fresh += 1;
            i
        })
    }
}

impl<T> Default for Registry<T> {
    fn default() -> Self {
        Registry::with_max(MAX_OBJECTS)
    }
}

impl<T> Registry<T> {
    /// A registry holding at most `max` objects (capped at `IPCMNI`), so a
    /// guest cannot make the Sentry keep an unbounded number.
    pub fn with_max(max: usize) -> Self {
        Registry {
            inner: Mutex::new(Table {
                by_index: BTreeMap::new(),
                by_key: BTreeMap::new(),
                free: BTreeSet::new(),
                fresh: 0,
                seq: 0,
            }),
            max: max.min(MAX_OBJECTS),
        }
    }

    fn table(&self) -> MutexGuard<'_, Table<T>> {
        match self.inner.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }

    /// `ipcget`: the id of the object under `a.key`, made if asked and
    /// allowed; `ENOENT`, `EEXIST`, `EACCES`, `ENOSPC` as Linux.
    pub fn get(&self, a: &GetArgs<'_, T>) -> Result<i32, Errno> {
        let mut t = self.table();
        if a.key != IPC_PRIVATE {
            let found = t
                .by_key
                .get(&a.key)
                .and_then(|i| t.by_index.get(i))
                .cloned();
            if let Some(o) = found {
                if a.flags & IPC_CREAT != 0 && a.flags & IPC_EXCL != 0 {
                    return Err(Errno::EEXIST);
                }
                let l = o.lock();
                (a.fits)(&l.data)?;
                l.perm.access(a.creds, a.flags)?;
                return Ok(o.id);
            }
            if a.flags & IPC_CREAT == 0 {
                return Err(Errno::ENOENT);
            }
        }
        if t.by_index.len() >= self.max {
            return Err(Errno::ENOSPC);
        }
        let index = t.take_index().ok_or(Errno::ENOSPC)?;
        let data = match (a.make)() {
            Ok(d) => d,
            Err(e) => {
                t.free.insert(index);
                return Err(e);
            }
        };
        let seq = t.seq;
        t.seq = if seq >= SEQ_MAX { 0 } else { seq + 1 };
        let perm = Perm {
            key: a.key,
            uid: a.creds.euid,
            gid: a.creds.egid,
            cuid: a.creds.euid,
            cgid: a.creds.egid,
            mode: (a.flags & 0o777) as u32,
            seq,
        };
        let id = ((seq << INDEX_BITS) | index) as i32;
        let obj = Object {
            id,
            state: Mutex::new(Locked {
                perm,
                removed: false,
                data,
            }),
            queue: WaitQueue::new(),
        };
        t.by_index.insert(index, Arc::new(obj));
        if a.key != IPC_PRIVATE {
            t.by_key.insert(a.key, index);
        }
        Ok(id)
    }

    /// The object `id` names, or `EINVAL` (negative, unused or stale).
    pub fn lookup(&self, id: i32) -> Result<Arc<Object<T>>, Errno> {
        if id < 0 {
            return Err(Errno::EINVAL);
        }
        let (index, seq) = (
            id as u32 & (MAX_OBJECTS as u32 - 1),
            id as u32 >> INDEX_BITS,
        );
        let o = self.table().by_index.get(&index).cloned();
        match o {
            Some(o) if o.lock().perm.seq == seq => Ok(o),
            _ => Err(Errno::EINVAL),
        }
    }

    /// Every live object.
    pub fn all(&self) -> Vec<Arc<Object<T>>> {
        self.table().by_index.values().cloned().collect()
    }

    /// `IPC_RMID`: drops the object; its waiters wake to `EIDRM`.
    pub fn remove(&self, o: &Object<T>) {
        let index = o.id as u32 & (MAX_OBJECTS as u32 - 1);
        let key = o.lock().perm.key;
        let mut t = self.table();
        if t.by_index.get(&index).is_some_and(|x| x.id == o.id) {
            t.by_index.remove(&index);
            t.free.insert(index);
            if key != IPC_PRIVATE && t.by_key.get(&key) == Some(&index) {
                t.by_key.remove(&key);
            }
        }
        drop(t);
        o.lock().removed = true;
        o.queue.notify(u32::MAX);
    }
}

/// The current `CLOCK_REALTIME` second (`*_otime`, `*_ctime`).
pub fn now_secs() -> i64 {
    crate::clock::gettime(rustix::time::ClockId::Realtime).tv_sec
}

#[cfg(test)]
mod tests {
    use super::*;

    fn creds(uid: u32) -> Credentials {
        Credentials::new(uid, uid)
    }

    fn get(r: &Registry<u32>, key: i32, flags: i32, c: &Credentials, n: u32) -> Result<i32, Errno> {
        r.get(&GetArgs {
            key,
            flags,
            creds: c,
            make: &|| Ok(n),
            fits: &|&have| if n > have { Err(Errno::EINVAL) } else { Ok(()) },
        })
    }

    #[test]
    fn keys_find_and_exclusive_fails() {
        let r = Registry::<u32>::default();
        let c = creds(1000);
        assert_eq!(get(&r, 7, 0o600, &c, 1), Err(Errno::ENOENT));
        let id = get(&r, 7, IPC_CREAT | 0o600, &c, 2);
        assert_eq!(id, Ok(0));
        assert_eq!(get(&r, 7, 0, &c, 1), Ok(0));
        assert_eq!(get(&r, 7, 0, &c, 3), Err(Errno::EINVAL));
        assert_eq!(get(&r, 7, IPC_CREAT | IPC_EXCL, &c, 1), Err(Errno::EEXIST));
        let private = get(&r, IPC_PRIVATE, 0o600, &c, 1);
        assert_eq!(private, Ok(1 << INDEX_BITS | 1));
    }

    #[test]
    fn removed_ids_go_stale() {
        let r = Registry::<u32>::default();
        let c = creds(0);
        let Ok(id) = get(&r, IPC_PRIVATE, 0o600, &c, 1) else {
            panic!("get failed");
        };
        let Ok(o) = r.lookup(id) else {
            panic!("lookup failed")
        };
        r.remove(&o);
        assert!(o.lock().removed);
        assert_eq!(r.lookup(id).map(|o| o.id), Err(Errno::EINVAL));
        let Ok(again) = get(&r, IPC_PRIVATE, 0o600, &c, 1) else {
            panic!("get failed");
        };
        assert_ne!(again, id);
        assert_eq!(r.lookup(again).map(|o| o.id), Ok(again));
        assert_eq!(r.lookup(-1).map(|o| o.id), Err(Errno::EINVAL));
    }

    #[test]
    fn the_object_limit_is_enospc() {
        let r = Registry::<u32>::with_max(2);
        let c = creds(0);
        assert!(get(&r, IPC_PRIVATE, 0o600, &c, 1).is_ok());
        let Ok(id) = get(&r, IPC_PRIVATE, 0o600, &c, 1) else {
            panic!("get failed");
        };
        assert_eq!(get(&r, IPC_PRIVATE, 0o600, &c, 1), Err(Errno::ENOSPC));
        assert_eq!(get(&r, 9, IPC_CREAT | 0o600, &c, 1), Err(Errno::ENOSPC));
        let Ok(o) = r.lookup(id) else {
            panic!("lookup failed")
        };
        r.remove(&o);
        let again = get(&r, IPC_PRIVATE, 0o600, &c, 1);
        assert_eq!(again.map(|id| id & 0x7fff), Ok(1));
        r.remove(&o);
        assert!(r.lookup(again.unwrap_or(-1)).is_ok());
        assert_eq!(get(&r, IPC_PRIVATE, 0o600, &c, 1), Err(Errno::ENOSPC));
    }

    #[test]
    fn removed_keys_are_free() {
        let r = Registry::<u32>::default();
        let c = creds(0);
        let Ok(id) = get(&r, 42, IPC_CREAT | 0o600, &c, 1) else {
            panic!("get failed");
        };
        let Ok(o) = r.lookup(id) else {
            panic!("lookup failed")
        };
        r.remove(&o);
        assert_eq!(get(&r, 42, 0o600, &c, 1), Err(Errno::ENOENT));
        let again = get(&r, 42, IPC_CREAT | 0o600, &c, 1);
        assert!(again.is_ok_and(|a| a != id));
        assert_eq!(get(&r, 42, 0o600, &c, 1), again);
    }

    #[test]
    fn permissions_follow_owner_group_other() {
        let p = Perm {
            uid: 1000,
            cuid: 1000,
            gid: 50,
            cgid: 50,
            mode: 0o640,
            ..Perm::default()
        };
        assert_eq!(p.access(&creds(1000), MAY_WRITE), Ok(()));
        let mut member = creds(2000);
        member.groups.push(50);
        assert_eq!(p.access(&member, MAY_READ), Ok(()));
        assert_eq!(p.access(&member, MAY_WRITE), Err(Errno::EACCES));
        assert_eq!(p.access(&creds(3000), MAY_READ), Err(Errno::EACCES));
        assert_eq!(p.access(&creds(0), MAY_WRITE), Ok(()));
        assert_eq!(p.may_change(&creds(3000)), Err(Errno::EPERM));
    }

    #[test]
    fn perm_layout() {
        let p = Perm {
            key: 5,
            uid: 1,
            mode: 0o600,
            seq: 3,
            ..Perm::default()
        };
        let b = p.to_bytes();
        assert_eq!(b[0], 5);
        assert_eq!(b[4], 1);
        assert_eq!(u16::from_le_bytes([b[20], b[21]]), 0o600);
        assert_eq!(b[24], 3);
        let mut q = Perm::default();
        q.set_from(&b);
        assert_eq!((q.uid, q.mode), (1, 0o600));
    }
}
