//! epoll instances (`epoll(7)`, Linux's `fs/eventpoll.c`): an interest
//! list of (descriptor, open file description) pairs, each with an event
//! mask and user data, and the readiness scan `epoll_wait` runs.
//!
//! Each watched file that has a wait queue gets a [`Watch`] registered on
//! it. A notification marks the watch pending and wakes the instance's
//! own queue, where `epoll_wait` sleeps (and outer epoll instances watch,
//! for nesting). Level-triggered items are re-checked on every scan;
//! edge-triggered ones only after a notification since they were last
//! reported; one-shot ones are disarmed once reported until
//! `EPOLL_CTL_MOD`. Items hold their file weakly: when the last reference
//! to the open file description goes, the item disappears, as in Linux
//! (closing one of several descriptors of it does not remove it).
//!
//! Files without a queue (host-backed descriptors) cannot tell when they
//! change; the instance counts them so `epoll_wait` can re-check with
//! backoff, and an edge-triggered one is reported whenever it is ready.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, Weak};

use abi::eventpoll::{epoll_event, EpollEvents};
use abi::Errno;
use vfs::waitq::{Notify, EVENTS_ALL};
use vfs::{FileDescription, FileImpl, Inode, InodeAttr, WaitQueue};

/// How deep epoll instances may nest (`EP_MAX_NESTS`).
const EP_MAX_NESTS: usize = 4;
/// Bits reported regardless of the requested mask.
const ALWAYS: u32 = EpollEvents::EPOLLERR.bits() | EpollEvents::EPOLLHUP.bits();
/// Behaviour bits, never reported as events.
const BEHAVIOUR: u32 = EpollEvents::EPOLLET.bits()
    | EpollEvents::EPOLLONESHOT.bits()
    | EpollEvents::EPOLLWAKEUP.bits()
    | EpollEvents::EPOLLEXCLUSIVE.bits();

/// An item's identity, as Linux's `epoll_filefd`: the descriptor number
/// and the open file description it named when it was added.
type Key = (i32, usize);

/// The callback a watched file's wait queue calls.
struct Watch {
    /// Events of interest (the item's mask plus `EPOLLERR | EPOLLHUP`);
    /// 0 while a one-shot item is disarmed.
    mask: AtomicU32,
    /// Set by a matching notification, cleared when an edge-triggered
    /// item is scanned.
    pending: AtomicBool,
    /// The instance to wake.
    owner: Weak<Shared>,
}

impl Notify for Watch {
    fn notify(&self, events: u32) {
        if events & self.mask.load(Ordering::Acquire) == 0 {
            return;
        }
        self.pending.store(true, Ordering::Release);
        if let Some(owner) = self.owner.upgrade() {
            owner.queue.notify(EpollEvents::EPOLLIN.bits());
        }
    }
}

/// One interest-list entry (`struct epitem`).
struct Item {
    file: Weak<FileDescription>,
    /// The registered event mask and behaviour bits.
    events: u32,
    data: u64,
    /// Disarmed one-shot item: reports nothing until modified.
    disarmed: bool,
    watch: Arc<Watch>,
    /// The registration on the file's queue; `None` for a file without one.
    reg: Option<u64>,
}

impl Item {
    fn interest(&self) -> u32 {
        if self.disarmed {
            0
        } else {
            (self.events & !BEHAVIOUR) | ALWAYS
        }
    }

    /// Removes the watch from the file's queue, if the file is still there.
    fn detach(&self) {
        if let (Some(id), Some(f)) = (self.reg, self.file.upgrade()) {
            if let Some(q) = f.wait_queue() {
                q.unregister(id);
            }
        }
    }
}

#[derive(Default)]
struct Items {
    map: BTreeMap<Key, Item>,
    /// The last key reported, so that scans start after it and every ready
    /// item gets its turn when `maxevents` is smaller than the ready set.
    cursor: Option<Key>,
}

/// What the instance's descriptors and its watches share.
struct Shared {
    items: Mutex<Items>,
    /// Notified when an item may have become ready.
    queue: WaitQueue,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Items> {
        match self.items.lock() {
            Ok(g) => g,
            Err(p) => p.into_inner(),
        }
    }
}

/// One epoll instance: the inode of an epoll file.
pub struct EventPoll {
    shared: Arc<Shared>,
    attr: InodeAttr,
}

impl Inode for EventPoll {
    fn stat(&self) -> vfs::Result<InodeAttr> {
        Ok(self.attr)
    }
}

impl Drop for EventPoll {
    fn drop(&mut self) {
        let items = std::mem::take(&mut self.shared.lock().map);
        for item in items.values() {
            item.detach();
        }
    }
}

/// The open-file side of an epoll instance: readable when an item is
/// ready.
struct EpollFile(Arc<EventPoll>);

impl FileImpl for EpollFile {
    fn is_seekable(&self) -> bool {
        false
    }

    fn is_mappable(&self) -> bool {
        false
    }

    fn wait_queue(&self) -> Option<&WaitQueue> {
        Some(&self.0.shared.queue)
    }

    fn readiness(&self, mask: u32) -> u32 {
        if mask & EpollEvents::EPOLLIN.bits() != 0 && self.0.any_ready() {
            EpollEvents::EPOLLIN.bits()
        } else {
            0
        }
    }
}

/// Creates an epoll file owned by `uid`/`gid`.
pub fn new_epoll(attr: InodeAttr, flags: vfs::OpenFlags) -> vfs::Result<FileDescription> {
    let ep = Arc::new(EventPoll {
        shared: Arc::new(Shared {
            items: Mutex::new(Items::default()),
            queue: WaitQueue::new(),
        }),
        attr,
    });
    FileDescription::new(
        Box::new(EpollFile(ep.clone())),
        ep,
        None,
        flags | vfs::OpenFlags::O_RDWR,
    )
}

/// The epoll instance behind `file`, if it is one.
pub fn as_epoll(file: &FileDescription) -> Option<&EventPoll> {
    let inode: &dyn std::any::Any = file.inode().as_ref();
    inode.downcast_ref::<EventPoll>()
}

/// Readiness of `file` for `interest`, as reported to the application.
fn ready_events(file: &FileDescription, interest: u32) -> u32 {
    file.readiness(interest) & interest
}

impl EventPoll {
    /// The instance's own wait queue (where `epoll_wait` sleeps).
    pub fn queue(&self) -> &WaitQueue {
        &self.shared.queue
    }

    /// How many items watch files that have no wait queue (and so need
    /// re-checking while waiting).
    pub fn unqueued(&self) -> usize {
        self.shared
            .lock()
            .map
            .values()
            .filter(|i| i.reg.is_none())
            .count()
    }

    /// Whether some item would be reported now (without consuming
    /// edge-triggered notifications).
    fn any_ready(&self) -> bool {
        let g = self.shared.lock();
        g.map.values().any(|item| {
            let Some(f) = item.file.upgrade() else {
                return false;
            };
            let edge = item.events & EpollEvents::EPOLLET.bits() != 0;
            if edge && item.reg.is_some() && !item.watch.pending.load(Ordering::Acquire) {
                return false;
            }
            item.interest() != 0 && ready_events(&f, item.interest()) != 0
        })
    }

    /// Whether this instance watches `other`, directly or through nested
    /// instances, or the nesting below it is deeper than Linux allows.
    fn reaches(&self, other: &EventPoll, depth: usize) -> bool {
        if std::ptr::eq(self, other) || depth > EP_MAX_NESTS {
            return true;
        }
        let files: Vec<Arc<FileDescription>> = self
            .shared
            .lock()
            .map
            .values()
            .filter_map(|i| i.file.upgrade())
            .collect();
        files
            .iter()
            .filter_map(|f| as_epoll(f))
            .any(|inner| inner.reaches(other, depth + 1))
    }

    /// `EPOLL_CTL_ADD`: watch `file` (descriptor `fd`) for `ev`.
    pub fn add(&self, fd: i32, file: &Arc<FileDescription>, ev: epoll_event) -> Result<(), Errno> {
        if let Some(inner) = as_epoll(file) {
            if std::ptr::eq(inner, self) {
                return Err(Errno::EINVAL);
            }
            if inner.reaches(self, 1) {
                return Err(Errno::ELOOP);
            }
        }
        let key = (fd, Arc::as_ptr(file) as usize);
        let mut g = self.shared.lock();
        if let Some(old) = g.map.get(&key) {
            if old.file.upgrade().is_some() {
                return Err(Errno::EEXIST);
            }
        }
        let watch = Arc::new(Watch {
            mask: AtomicU32::new(0),
            pending: AtomicBool::new(true),
            owner: Arc::downgrade(&self.shared),
        });
        let mut item = Item {
            file: Arc::downgrade(file),
            events: ev.events,
            data: ev.data,
            disarmed: false,
            watch: watch.clone(),
            reg: None,
        };
        watch.mask.store(item.interest(), Ordering::Release);
        item.reg = file.wait_queue().map(|q| q.register(EVENTS_ALL, watch));
        let now_ready = ready_events(file, item.interest()) != 0;
        g.map.insert(key, item);
        drop(g);
        if now_ready {
            self.shared.queue.notify(EpollEvents::EPOLLIN.bits());
        }
        Ok(())
    }

    /// `EPOLL_CTL_MOD`: new events and data for an item; re-arms a
    /// one-shot item. `EINVAL` for an item added with `EPOLLEXCLUSIVE`.
    pub fn modify(
        &self,
        fd: i32,
        file: &Arc<FileDescription>,
        ev: epoll_event,
    ) -> Result<(), Errno> {
        let key = (fd, Arc::as_ptr(file) as usize);
        let mut g = self.shared.lock();
        let item = g
            .map
            .get_mut(&key)
            .filter(|i| i.file.upgrade().is_some())
            .ok_or(Errno::ENOENT)?;
        if item.events & EpollEvents::EPOLLEXCLUSIVE.bits() != 0 {
            return Err(Errno::EINVAL);
        }
        item.events = ev.events;
        item.data = ev.data;
        item.disarmed = false;
        item.watch.mask.store(item.interest(), Ordering::Release);
        item.watch.pending.store(true, Ordering::Release);
        let now_ready = ready_events(file, item.interest()) != 0;
        drop(g);
        if now_ready {
            self.shared.queue.notify(EpollEvents::EPOLLIN.bits());
        }
        Ok(())
    }

    /// `EPOLL_CTL_DEL`: stops watching.
    pub fn delete(&self, fd: i32, file: &Arc<FileDescription>) -> Result<(), Errno> {
        let key = (fd, Arc::as_ptr(file) as usize);
        let item = self.shared.lock().map.remove(&key).ok_or(Errno::ENOENT)?;
        item.detach();
        if item.file.upgrade().is_none() {
            return Err(Errno::ENOENT);
        }
        Ok(())
    }

    /// Collects up to `max` ready events, consuming edge-triggered
    /// notifications and disarming one-shot items that are reported.
    /// Items whose file is gone are dropped.
    pub fn collect(&self, max: usize) -> Vec<epoll_event> {
        let mut g = self.shared.lock();
        let keys: Vec<Key> = match g.cursor {
            Some(c) => {
                let after = g
                    .map
                    .range((std::ops::Bound::Excluded(c), std::ops::Bound::Unbounded));
                let before = g.map.range(..=c);
                after.chain(before).map(|(k, _)| *k).collect()
            }
            None => g.map.keys().copied().collect(),
        };
        let mut out = Vec::new();
        for key in keys {
            if out.len() >= max {
                break;
            }
            let Some(item) = g.map.get_mut(&key) else {
                continue;
            };
            let Some(file) = item.file.upgrade() else {
                if let Some(gone) = g.map.remove(&key) {
                    gone.detach();
                }
                continue;
            };
            let interest = item.interest();
            if interest == 0 {
                continue;
            }
            let edge = item.events & EpollEvents::EPOLLET.bits() != 0;
            if edge && item.reg.is_some() && !item.watch.pending.swap(false, Ordering::AcqRel) {
                continue;
            }
            let events = ready_events(&file, interest);
            if events == 0 {
                continue;
            }
            out.push(epoll_event {
                events,
                data: item.data,
            });
            if item.events & EpollEvents::EPOLLONESHOT.bits() != 0 {
                item.disarmed = true;
                item.watch.mask.store(0, Ordering::Release);
            }
            g.cursor = Some(key);
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::pipe::new_pipe;
    use vfs::{OpenFlags, Timespec};

    const IN: u32 = EpollEvents::EPOLLIN.bits();
    const OUT: u32 = EpollEvents::EPOLLOUT.bits();
    const ET: u32 = EpollEvents::EPOLLET.bits();

    fn epoll() -> Arc<FileDescription> {
        let attr = crate::anon::anon_attr(0, 0, Timespec::default());
        Arc::new(new_epoll(attr, OpenFlags::empty()).expect("epoll"))
    }

    fn pipe() -> (Arc<FileDescription>, Arc<FileDescription>) {
        let (r, w) = new_pipe(0, 0, Timespec::default(), OpenFlags::O_NONBLOCK).expect("pipe");
        (Arc::new(r), Arc::new(w))
    }

    fn ev(events: u32, data: u64) -> epoll_event {
        epoll_event { events, data }
    }

    #[test]
    fn level_triggered_reports_until_drained() {
        let ep = epoll();
        let e = as_epoll(&ep).expect("is epoll");
        let (r, w) = pipe();
        e.add(3, &r, ev(IN, 7)).expect("add");
        assert!(e.collect(8).is_empty());
        assert_eq!(ep.readiness(IN), 0);
        w.write(b"x").expect("write");
        assert_eq!(ep.readiness(IN), IN);
        assert_eq!(e.collect(8), vec![ev(IN, 7)]);
        assert_eq!(e.collect(8), vec![ev(IN, 7)]);
        let mut b = [0u8; 4];
        r.read(&mut b).expect("read");
        assert!(e.collect(8).is_empty());
    }

    #[test]
    fn edge_triggered_reports_once_per_change() {
        let ep = epoll();
        let e = as_epoll(&ep).expect("is epoll");
        let (r, w) = pipe();
        e.add(3, &r, ev(IN | ET, 1)).expect("add");
        assert!(e.collect(8).is_empty());
        w.write(b"x").expect("write");
        assert_eq!(e.collect(8), vec![ev(IN, 1)]);
        assert!(e.collect(8).is_empty(), "no new edge");
        w.write(b"y").expect("write");
        assert_eq!(e.collect(8), vec![ev(IN, 1)]);
    }

    #[test]
    fn oneshot_disarms_until_modified() {
        let ep = epoll();
        let e = as_epoll(&ep).expect("is epoll");
        let (_r, w) = pipe();
        let oneshot = EpollEvents::EPOLLONESHOT.bits();
        e.add(4, &w, ev(OUT | oneshot, 2)).expect("add");
        assert_eq!(e.collect(8), vec![ev(OUT, 2)]);
        assert!(e.collect(8).is_empty());
        e.modify(4, &w, ev(OUT, 3)).expect("mod");
        assert_eq!(e.collect(8), vec![ev(OUT, 3)]);
    }

    #[test]
    fn hangup_is_always_reported_and_errors_follow_linux() {
        let ep = epoll();
        let e = as_epoll(&ep).expect("is epoll");
        let (r, w) = pipe();
        assert_eq!(e.add(3, &r, ev(IN, 0)), Ok(()));
        assert_eq!(e.add(3, &r, ev(IN, 0)), Err(Errno::EEXIST));
        assert_eq!(e.modify(9, &r, ev(IN, 0)), Err(Errno::ENOENT));
        assert_eq!(e.delete(9, &r), Err(Errno::ENOENT));
        drop(w);
        let hup = EpollEvents::EPOLLHUP.bits();
        assert_eq!(e.collect(8), vec![ev(hup, 0)]);
        assert_eq!(e.delete(3, &r), Ok(()));
        assert!(e.collect(8).is_empty());
    }

    #[test]
    fn closed_files_leave_the_set() {
        let ep = epoll();
        let e = as_epoll(&ep).expect("is epoll");
        let (r, w) = pipe();
        e.add(3, &r, ev(IN, 0)).expect("add");
        w.write(b"x").expect("write");
        drop(r);
        assert!(e.collect(8).is_empty());
        assert_eq!(e.unqueued(), 0);
        assert!(e.shared.lock().map.is_empty());
    }

    #[test]
    fn maxevents_rotates_through_ready_items() {
        let ep = epoll();
        let e = as_epoll(&ep).expect("is epoll");
        let (_r1, w1) = pipe();
        let (_r2, w2) = pipe();
        e.add(1, &w1, ev(OUT, 1)).expect("add");
        e.add(2, &w2, ev(OUT, 2)).expect("add");
        assert_eq!(e.collect(1), vec![ev(OUT, 1)]);
        assert_eq!(e.collect(1), vec![ev(OUT, 2)]);
        assert_eq!(e.collect(1), vec![ev(OUT, 1)]);
    }

    #[test]
    fn nesting_wakes_outer_and_loops_are_refused() {
        let outer = epoll();
        let inner = epoll();
        let (o, i) = (as_epoll(&outer).expect("e"), as_epoll(&inner).expect("e"));
        let (r, w) = pipe();
        i.add(3, &r, ev(IN, 5)).expect("add inner");
        o.add(4, &inner, ev(IN, 6)).expect("add outer");
        assert_eq!(o.add(5, &outer, ev(IN, 0)), Err(Errno::EINVAL));
        assert_eq!(i.add(5, &outer, ev(IN, 0)), Err(Errno::ELOOP));
        let waker = Arc::new(crate::waiter::Waiter::new());
        let id = o.queue().register(EVENTS_ALL, waker.clone());
        w.write(b"x").expect("write");
        assert!(waker.wait(Some(std::time::Instant::now())));
        o.queue().unregister(id);
        assert_eq!(o.collect(8), vec![ev(IN, 6)]);
        assert_eq!(i.collect(8), vec![ev(IN, 5)]);
    }
}
