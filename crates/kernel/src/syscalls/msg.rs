//! System V message queues: `msgget(2)`, `msgsnd(2)`, `msgrcv(2)`,
//! `msgctl(2)`.
//!
//! A queue holds typed messages up to `msg_qbytes` bytes; senders wait for
//! room and receivers for a matching message on the queue's wait queue,
//! until a signal (restarted only when no handler runs, as Linux's
//! `ERESTARTNOHAND`) or the queue's removal (`EIDRM`).
//!
//! The Sentry's memory a guest can pin here is bounded sandbox-wide: at
//! most [`MSGMNI`] queues, `msg_qbytes` raised (by a privileged owner) to
//! [`QBYTES_CEILING`] at most, and every queued message, text plus
//! [`MSG_OVERHEAD`], charged against [`MSGPOOL`]; a send that would pass it
//! waits (or fails with `EAGAIN`) as on a full queue.

use std::collections::VecDeque;

use abi::Errno;
use vfs::waitq::{WaitQueue, EVENTS_ALL};

use super::{SysResult, SysRet, SyscallArgs};
use crate::budget::Pool;
use crate::ipc::{
    now_secs, GetArgs, Locked, Registry, IPC_64, IPC_NOWAIT, IPC_RMID, IPC_SET, IPC_STAT, MAY_READ,
    MAY_WRITE,
};
use crate::task::Task;
use crate::usermem::UserSlice;

/// `MSGMAX`: the largest message.
pub const MSGMAX: u64 = 8192;
/// `MSGMNB`: a new queue's byte limit, the most an unprivileged owner may
/// set.
pub const MSGMNB: u64 = 16_384;
/// `MSGMNI`: the most queues in the sandbox (Linux's default).
pub const MSGMNI: usize = 32_000;
/// The most `msg_qbytes` anyone, privileged or not, may set: Linux lets
/// `CAP_SYS_RESOURCE` go to any value, the sandbox stops here (`EPERM`).
pub const QBYTES_CEILING: u64 = 1 << 20;
/// What every queue together may hold, in charged bytes.
pub const MSGPOOL: u64 = 32 << 20;
/// What a message costs beyond its text (`struct msg_msg` and our queue
/// slot), so that empty messages are not free.
pub const MSG_OVERHEAD: u64 = 64;
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

/// Every message queue of the kernel and the bytes they hold together.
#[derive(Debug)]
pub struct MsgRegistry {
    queues: Registry<MsgQueue>,
    /// Charged bytes of every queued message, at most [`MSGPOOL`].
    used: Pool,
    /// Senders waiting for [`MsgRegistry::used`] to fall.
    freed: WaitQueue,
}

impl Default for MsgRegistry {
    fn default() -> Self {
        MsgRegistry {
            queues: Registry::with_max(MSGMNI),
            used: Pool::new(MSGPOOL),
            freed: WaitQueue::new(),
        }
    }
}

/// What a message of `len` text bytes is charged.
fn cost(len: u64) -> u64 {
    len.saturating_add(MSG_OVERHEAD)
}

impl MsgRegistry {
    /// Queues `m` on `q` if both the queue and the sandbox-wide pool have
    /// room; otherwise hands it back.
    fn enqueue(&self, q: &mut MsgQueue, m: Message) -> Result<(), Message> {
        let len = m.text.len() as u64;
        if !q.fits(len) {
            return Err(m);
        }
        if !self.used.charge(cost(len)) {
            return Err(m);
        }
        q.bytes += len;
        q.msgs.push_back(m);
        Ok(())
    }

    /// Takes message `i` off `q` and returns its charge to the pool.
    fn dequeue(&self, q: &mut MsgQueue, i: usize) -> Option<Message> {
        let m = q.msgs.remove(i)?;
        let len = m.text.len() as u64;
        q.bytes -= len;
        self.release(cost(len));
        Some(m)
    }

    /// Drops every message of `q` (its removal).
    fn drain(&self, q: &mut MsgQueue) {
        let charged = q.msgs.drain(..).map(|m| cost(m.text.len() as u64)).sum();
        q.bytes = 0;
        self.release(charged);
    }

    fn release(&self, charged: u64) {
        if charged > 0 {
            self.used.release(charged);
            self.freed.notify(EVENTS_ALL);
        }
    }
}

/// `IPC_SET` of `msg_qbytes`: above `MSGMNB` only for the privileged, and
/// never above [`QBYTES_CEILING`] (`EPERM`).
fn check_qbytes(qbytes: u64, privileged: bool) -> Result<(), Errno> {
    if qbytes > QBYTES_CEILING || (qbytes > MSGMNB && !privileged) {
        return Err(Errno::EPERM);
    }
    Ok(())
}

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
    let id = t.kernel().msgs.queues.get(&GetArgs {
        key: a.i32(0),
        flags: a.i32(1),
        creds: &creds,
        make: &|| Ok(MsgQueue::new()),
        fits: &|_| Ok(()),
    })?;
    Ok(SysRet::Value(id as u64))
}

/// Waits on queue `id` (and on `also`, if given) until `step` yields a
/// result; the queue's removal is `EIDRM`, a signal `ERESTARTNOHAND`.
fn wait_on<R>(
    t: &mut Task,
    obj: &crate::ipc::Object<MsgQueue>,
    also: Option<&WaitQueue>,
    mut step: impl FnMut(&mut Locked<MsgQueue>) -> Option<Result<R, Errno>>,
) -> Result<R, Errno> {
    let reg = obj.queue.register(EVENTS_ALL, t.handle.waiter.clone());
    let also = also.map(|q| (q, q.register(EVENTS_ALL, t.handle.waiter.clone())));
    let r = t.block(None, |_| {
        let mut l = obj.lock();
        if l.removed {
            return Some(Err(Errno::EIDRM));
        }
        step(&mut l)
    });
    obj.queue.unregister(reg);
    if let Some((q, reg)) = also {
        q.unregister(reg);
    }
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
    let obj = k.msgs.queues.lookup(id)?;
    obj.lock().perm.access(&t.creds, MAY_WRITE)?;
    let pid = t.pid();
    let mut msg = Some(Message { mtype, text });
    wait_on(t, &obj, Some(&k.msgs.freed), |l| {
        let m = msg.take()?;
        if let Err(m) = k.msgs.enqueue(&mut l.data, m) {
            msg = Some(m);
            return (flags & IPC_NOWAIT != 0).then_some(Err(Errno::EAGAIN));
        }
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
    let obj = k.msgs.queues.lookup(id)?;
    obj.lock().perm.access(&t.creds, MAY_READ)?;
    let pid = t.pid();
    let size = size as u64;
    let msg = wait_on(t, &obj, None, |l| {
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
        let m = k.msgs.dequeue(&mut l.data, i)?;
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
    let obj = k.msgs.queues.lookup(id)?;
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
            check_qbytes(qbytes, t.creds.is_privileged())?;
            l.perm.set_from(&b);
            l.data.qbytes = qbytes;
            l.data.ctime = now_secs();
            drop(l);
            obj.queue.notify(EVENTS_ALL);
        }
        _ => {
            obj.lock().perm.may_change(&t.creds)?;
            k.msgs.queues.remove(&obj);
            k.msgs.drain(&mut obj.lock().data);
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

    #[test]
    fn hostile_queues_stay_within_the_pool() {
        let k = MsgRegistry::default();
        let root = crate::task::Credentials::new(0, 0);
        assert_eq!(check_qbytes(MSGMNB + 1, false), Err(Errno::EPERM));
        assert_eq!(check_qbytes(QBYTES_CEILING + 1, true), Err(Errno::EPERM));
        assert_eq!(check_qbytes(QBYTES_CEILING, true), Ok(()));
        let big = |mtype| Message {
            mtype,
            text: vec![0; MSGMAX as usize],
        };
        let mut queues = Vec::new();
        let mut refused = 0;
        for n in 0..(2 * MSGPOOL / QBYTES_CEILING) {
            let Ok(id) = k.queues.get(&GetArgs {
                key: crate::ipc::IPC_PRIVATE,
                flags: 0o600,
                creds: &root,
                make: &|| Ok(MsgQueue::new()),
                fits: &|_| Ok(()),
            }) else {
                panic!("msgget {n} failed");
            };
            let Ok(obj) = k.queues.lookup(id) else {
                panic!("lookup failed");
            };
            let mut l = obj.lock();
            l.data.qbytes = QBYTES_CEILING;
            while k.enqueue(&mut l.data, big(1)).is_ok() {}
            if l.data.bytes < QBYTES_CEILING - MSGMAX {
                refused += 1;
            }
            drop(l);
            queues.push(obj);
        }
        let used = k.used.used();
        assert!(used <= MSGPOOL, "{used} charged");
        assert!(used > MSGPOOL - cost(MSGMAX), "{used} charged");
        assert!(refused >= queues.len() / 2 - 1, "{refused} queues refused");
        let held: u64 = queues.iter().map(|o| o.lock().data.bytes).sum();
        assert!(held <= MSGPOOL);
        let mut l = queues[0].lock();
        let Some(m) = k.dequeue(&mut l.data, 0) else {
            panic!("queue 0 is empty");
        };
        assert_eq!(k.enqueue(&mut l.data, m), Ok(()));
        drop(l);
        for o in &queues {
            k.queues.remove(o);
            k.drain(&mut o.lock().data);
        }
        assert_eq!(k.used.used(), 0);
        assert!(queues.iter().all(|o| o.lock().data.msgs.is_empty()));
        assert!(k.enqueue(&mut MsgQueue::new(), big(2)).is_ok());
    }
}
