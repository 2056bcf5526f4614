//! System V message queues: `msgget(2)`, `msgsnd(2)`, `msgrcv(2)`,
//! `msgctl(2)`.
//!
//! A queue holds typed messages up to `msg_qbytes` bytes; senders wait for
//! room and receivers for a matching message on the queue's wait queue,
//! until a signal (restarted only when no handler runs, as Linux's
//! `ERESTARTNOHAND`) or the queue's removal (`EIDRM`).

use std::collections::VecDeque;

use abi::Errno;
use vfs::waitq::EVENTS_ALL;

use super::{SysResult, SysRet, SyscallArgs};
use crate::ipc::{
    now_secs, GetArgs, Locked, Registry, IPC_64, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, MAY_READ,
    MAY_WRITE,
};
use crate::task::Task;
use crate::usermem::UserSlice;

/// `MSGMAX`: the largest message.
const MSGMAX: u64 = 8192;
/// `MSGMNB`: a new queue's byte limit, the most an unprivileged owner may
/// set.
const MSGMNB: u64 = 16_384;
/// `MSG_NOERROR`: truncate a message too long for the buffer.
const MSG_NOERROR: i32 = 0o10000;
/// `MSG_EXCEPT`: receive the first message not of the type.
const MSG_EXCEPT: i32 = 0o20000;
/// `MSG_COPY`: copy the message at an index without removing it.
const MSG_COPY: i32 = 0o40000;

/// A message.
#[derive(Clone, Debug, PartialEq, Eq)]
struct Message {
    mtype: i64,
    text: Vec<u8>,
}

/// A message queue.
#[derive(Debug)]
pub struct MsgQueue {
    msgs: VecDeque<Message>,
    bytes: u64,
    qbytes: u64,
    stime: i64,
    rtime: i64,
    ctime: i64,
    lspid: i32,
    lrpid: i32,
}

/// Every message queue of the kernel.
pub type MsgRegistry = Registry<MsgQueue>;

impl MsgQueue {
    fn new() -> Self {
        MsgQueue {
            msgs: VecDeque::new(),
            bytes: 0,
            qbytes: MSGMNB,
            stime: 0,
            rtime: 0,
            ctime: now_secs(),
            lspid: 0,
            lrpid: 0,
        }
    }

    /// `msg_fits_inqueue`.
    fn fits(&self, len: u64) -> bool {
        self.bytes + len <= self.qbytes && (self.msgs.len() as u64) < self.qbytes
    }

    /// The index of the message `msgrcv` with type `typ` and `flags`
    /// takes (`MSG_COPY`: the `typ`-th).
    fn find(&self, typ: i64, flags: i32) -> Option<usize> {
        if flags & MSG_COPY != 0 {
            return usize::try_from(typ).ok().filter(|&i| i < self.msgs.len());
        }
        let it = self.msgs.iter().enumerate();
        match typ {
            0 => (!self.msgs.is_empty()).then_some(0),
            t if t > 0 && flags & MSG_EXCEPT != 0 => {
                it.filter(|(_, m)| m.mtype != t).map(|(i, _)| i).next()
            }
            t if t > 0 => it.filter(|(_, m)| m.mtype == t).map(|(i, _)| i).next(),
            t => {
                let bound = t.checked_neg().unwrap_or(i64::MAX);
                it.filter(|(_, m)| m.mtype <= bound)
                    .min_by_key(|&(i, m)| (m.mtype, i))
                    .map(|(i, _)| i)
            }
        }
    }
}

/// `msgget(2)`: the queue under `key`, made if asked.
pub fn sys_msgget(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let creds = t.creds.clone();
    let id = t.kernel().msgs.get(&GetArgs {
        key: a.i32(0),
        flags: a.i32(1),
        creds: &creds,
        make: &|| Ok(MsgQueue::new()),
        fits: &|_| Ok(()),
    })?;
    Ok(SysRet::Value(id as u64))
}

/// Waits on queue `id` until `step` yields a result; the queue's removal
/// is `EIDRM`, a signal `ERESTARTNOHAND`.
fn wait_on<R>(
    t: &mut Task,
    obj: &crate::ipc::Object<MsgQueue>,
    mut step: impl FnMut(&mut Locked<MsgQueue>) -> Option<Result<R, Errno>>,
) -> Result<R, Errno> {
    let reg = obj.queue.register(EVENTS_ALL, t.handle.waiter.clone());
    let r = t.block(None, |_| {
        let mut l = obj.lock();
        if l.removed {
            return Some(Err(Errno::EIDRM));
        }
        step(&mut l)
    });
    obj.queue.unregister(reg);
    match r {
        Ok(r) => r,
        Err(Errno::ERESTARTSYS) => Err(Errno::ERESTARTNOHAND),
        Err(e) => Err(e),
    }
}

/// `msgsnd(2)`: queues a message of type `mtype` (at least 1).
pub fn sys_msgsnd(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, addr, size, flags) = (a.i32(0), a.u64(1), a.u64(2), a.i32(3));
    let mtype = a.ptr::<i64>(1).read(t.mem())?;
    if size > MSGMAX || id < 0 || mtype < 1 {
        return Err(Errno::EINVAL);
    }
    let text = UserSlice::new(addr.wrapping_add(8), size).read_all(t.mem())?;
    let k = t.kernel().clone();
    let obj = k.msgs.lookup(id)?;
    obj.lock().perm.access(&t.creds, MAY_WRITE)?;
    let pid = t.pid();
    let mut msg = Some(Message { mtype, text });
    wait_on(t, &obj, |l| {
        if !l.data.fits(size) {
            return (flags & IPC_NOWAIT != 0).then_some(Err(Errno::EAGAIN));
        }
        let m = msg.take()?;
        l.data.bytes += size;
        l.data.msgs.push_back(m);
        l.data.lspid = pid;
        l.data.stime = now_secs();
        Some(Ok(()))
    })?;
    obj.queue.notify(EVENTS_ALL);
    SysRet::ZERO
}

/// `msgrcv(2)`: takes the first message `msgtyp` selects (0: any; > 0:
/// that type, or any other with `MSG_EXCEPT`; < 0: the lowest type up to
/// its magnitude) into `msgp`; returns the text's length.
pub fn sys_msgrcv(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, addr, size, typ, flags) = (a.i32(0), a.u64(1), a.i64(2), a.i64(3), a.i32(4));
    if id < 0 || size < 0 {
        return Err(Errno::EINVAL);
    }
    if flags & MSG_COPY != 0 && (flags & MSG_EXCEPT != 0 || flags & IPC_NOWAIT == 0) {
        return Err(Errno::EINVAL);
    }
    let k = t.kernel().clone();
    let obj = k.msgs.lookup(id)?;
    obj.lock().perm.access(&t.creds, MAY_READ)?;
    let pid = t.pid();
    let size = size as u64;
    let msg = wait_on(t, &obj, |l| {
        let Some(i) = l.data.find(typ, flags) else {
            return (flags & IPC_NOWAIT != 0).then_some(Err(Errno::ENOMSG));
        };
        let len = l.data.msgs[i].text.len() as u64;
        if len > size && flags & MSG_NOERROR == 0 {
            return Some(Err(Errno::E2BIG));
        }
        if flags & MSG_COPY != 0 {
            return Some(Ok(l.data.msgs[i].clone()));
        }
        let m = l.data.msgs.remove(i)?;
        l.data.bytes -= len;
        l.data.lrpid = pid;
        l.data.rtime = now_secs();
        Some(Ok(m))
    })?;
    obj.queue.notify(EVENTS_ALL);
    let n = msg.text.len().min(size as usize);
    a.ptr::<i64>(1).write(t.mem(), &msg.mtype)?;
    UserSlice::new(addr.wrapping_add(8), n as u64).write_prefix(t.mem(), &msg.text[..n])?;
    Ok(SysRet::Value(n as u64))
}

/// `struct msqid64_ds` (120 bytes on x86-64).
fn msqid_ds(l: &Locked<MsgQueue>) -> Vec<u8> {
    let q = &l.data;
    let mut b = l.perm.to_bytes().to_vec();
    let words = [
        q.stime as u64,
        q.rtime as u64,
        q.ctime as u64,
        q.bytes,
        q.msgs.len() as u64,
        q.qbytes,
        (q.lspid as u32 as u64) | ((q.lrpid as u32 as u64) << 32),
        0,
        0,
    ];
    for w in words {
        b.extend_from_slice(&w.to_le_bytes());
    }
    b
}

/// `msgctl(2)`: `IPC_STAT`, `IPC_SET` (owner, mode, `msg_qbytes`) and
/// `IPC_RMID`; `IPC_INFO`, `MSG_INFO` and `MSG_STAT` are not provided
/// (`EINVAL`).
pub fn sys_msgctl(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let (id, cmd, buf) = (a.i32(0), a.i32(1) & !IPC_64, a.u64(2));
    if !matches!(cmd, IPC_RMID | IPC_SET | IPC_STAT) {
        return Err(Errno::EINVAL);
    }
    let k = t.kernel().clone();
    let obj = k.msgs.lookup(id)?;
    match cmd {
        IPC_STAT => {
            let b = {
                let l = obj.lock();
                l.perm.access(&t.creds, MAY_READ)?;
                msqid_ds(&l)
            };
            UserSlice::new(buf, b.len() as u64).write_prefix(t.mem(), &b)?;
        }
        IPC_SET => {
            let b = UserSlice::new(buf, 120).read_all(t.mem())?;
            let qbytes = u64::from_le_bytes(b[88..96].try_into().map_err(|_| Errno::EFAULT)?);
            let mut l = obj.lock();
            l.perm.may_change(&t.creds)?;
            if qbytes > MSGMNB && !t.creds.is_privileged() {
                return Err(Errno::EPERM);
            }
            l.perm.set_from(&b);
            l.data.qbytes = qbytes;
            l.data.ctime = now_secs();
            drop(l);
            obj.queue.notify(EVENTS_ALL);
        }
        _ => {
            obj.lock().perm.may_change(&t.creds)?;
            k.msgs.remove(&obj);
        }
    }
    SysRet::ZERO
}

#[cfg(test)]
mod tests {
    use super::*;

    fn queue(types: &[i64]) -> MsgQueue {
        let mut q = MsgQueue::new();
        for &mtype in types {
            q.msgs.push_back(Message {
                mtype,
                text: vec![0; 4],
            });
            q.bytes += 4;
        }
        q
    }

    #[test]
    fn type_selection() {
        let q = queue(&[3, 1, 2, 1]);
        assert_eq!(q.find(0, 0), Some(0));
        assert_eq!(q.find(1, 0), Some(1));
        assert_eq!(q.find(1, MSG_EXCEPT), Some(0));
        assert_eq!(q.find(5, 0), None);
        assert_eq!(q.find(-2, 0), Some(1));
        assert_eq!(q.find(-3, 0), Some(1));
        assert_eq!(q.find(i64::MIN, 0), Some(1));
        assert_eq!(q.find(3, MSG_COPY), Some(3));
        assert_eq!(q.find(4, MSG_COPY), None);
        assert_eq!(queue(&[]).find(0, 0), None);
    }

    #[test]
    fn room_is_bytes_and_count() {
        let mut q = queue(&[1]);
        assert!(q.fits(MSGMNB - 4));
        assert!(!q.fits(MSGMNB - 3));
        q.qbytes = 1;
        assert!(!q.fits(0));
    }
}
