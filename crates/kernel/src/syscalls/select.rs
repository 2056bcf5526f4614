//! Readiness over descriptor bitmaps: `select(2)` and `pselect6(2)`.
//!
//! Both read up to three `nfds`-bit sets (read, write, exception), check
//! every named descriptor once and, if none is ready, sleep on the files'
//! wait queues through the machinery `poll` uses. Results replace the
//! sets; the time left is written back to the caller's timeout, as Linux
//! does, so a restarted call waits only for the rest.

use std::sync::Arc;
use std::time::{Duration, Instant};

use abi::poll::{sigset_argpack, PollEvents};
use abi::signal::sigset_t;
use abi::time::{timespec, timeval};
use abi::Errno;
use vfs::FileDescription;

use super::{SysResult, SysRet, SyscallArgs};
use crate::task::Task;
use crate::usermem::{UserPtr, UserSlice};

/// Events that make a descriptor readable for `select` (`POLLIN_SET`).
const IN_SET: PollEvents = PollEvents::POLLIN
    .union(PollEvents::POLLRDNORM)
    .union(PollEvents::POLLRDBAND)
    .union(PollEvents::POLLHUP)
    .union(PollEvents::POLLERR);
/// Events that make a descriptor writable (`POLLOUT_SET`).
const OUT_SET: PollEvents = PollEvents::POLLOUT
    .union(PollEvents::POLLWRNORM)
    .union(PollEvents::POLLWRBAND)
    .union(PollEvents::POLLERR);
/// Events that count as an exceptional condition (`POLLEX_SET`).
const EX_SET: PollEvents = PollEvents::POLLPRI;
/// The three sets in argument order.
const KINDS: [PollEvents; 3] = [IN_SET, OUT_SET, EX_SET];

/// Bound on `nfds` beyond the descriptor limit, so a hostile call cannot
/// make the Sentry allocate without limit.
const MAX_NFDS: u64 = 1 << 20;

/// The three descriptor sets of one call, `nfds` bits each; an absent
/// (null) set reads as empty and is not written back.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Sets {
    nfds: usize,
    words: [Option<Vec<u64>>; 3],
}

impl Sets {
    fn bit(words: &[u64], fd: usize) -> bool {
        words
            .get(fd / 64)
            .is_some_and(|w| w & (1 << (fd % 64)) != 0)
    }

    /// Whether `fd` is in set `k`.
    fn has(&self, k: usize, fd: usize) -> bool {
        self.words[k].as_deref().is_some_and(|w| Self::bit(w, fd))
    }

    /// Descriptors named in any set, ascending.
    fn named(&self) -> impl Iterator<Item = usize> + '_ {
        (0..self.nfds).filter(|&fd| (0..3).any(|k| self.has(k, fd)))
    }

    /// The events `fd` is asked about.
    fn interest(&self, fd: usize) -> PollEvents {
        (0..3)
            .filter(|&k| self.has(k, fd))
            .fold(PollEvents::empty(), |a, k| a | KINDS[k])
    }

    /// Result sets for readiness `ready(fd)` (`None`: closed meanwhile,
    /// skipped), and how many bits they hold.
    fn answer(&self, mut ready: impl FnMut(usize) -> Option<PollEvents>) -> (Sets, u64) {
        let mut out = Sets {
            nfds: self.nfds,
            words: self.words.clone().map(|w| w.map(|w| vec![0; w.len()])),
        };
        let mut n = 0;
        for fd in self.named() {
            let Some(ev) = ready(fd) else { continue };
            for (k, kind) in KINDS.iter().enumerate() {
                if self.has(k, fd) && ev.intersects(*kind) {
                    if let Some(w) = out.words[k].as_mut().and_then(|w| w.get_mut(fd / 64)) {
                        *w |= 1 << (fd % 64);
                        n += 1;
                    }
                }
            }
        }
        (out, n)
    }
}

/// Reads the sets at `ptrs` (0: absent), `nfds` bits each.
fn read_sets(t: &mut Task, nfds: usize, ptrs: [u64; 3]) -> Result<Sets, Errno> {
    let words = nfds.div_ceil(64);
    let mut sets = Sets {
        nfds,
        words: [None, None, None],
    };
    for (k, &p) in ptrs.iter().enumerate() {
        if p == 0 {
            continue;
        }
        let bytes = UserSlice::new(p, words as u64 * 8).read_all(t.mem())?;
        sets.words[k] = Some(
            bytes
                .chunks_exact(8)
                .map(|c| c.iter().rev().fold(0u64, |a, &b| (a << 8) | u64::from(b)))
                .collect(),
        );
    }
    Ok(sets)
}

/// Writes the result sets back to `ptrs` (absent sets are skipped).
fn write_sets(t: &mut Task, sets: &Sets, ptrs: [u64; 3]) -> Result<(), Errno> {
    for (k, &p) in ptrs.iter().enumerate() {
        if let (Some(w), true) = (&sets.words[k], p != 0) {
            let bytes: Vec<u8> = w.iter().flat_map(|x| x.to_le_bytes()).collect();
            UserSlice::new(p, bytes.len() as u64).write_prefix(t.mem(), &bytes)?;
        }
    }
    Ok(())
}

/// Checks every named descriptor once.
fn scan(t: &Task, sets: &Sets) -> (Sets, u64) {
    sets.answer(|fd| {
        let f = t.file(fd as i32).ok()?;
        let want = sets.interest(fd);
        Some(PollEvents::from_bits_truncate(f.readiness(u32::from(want.bits())) as u16) & want)
    })
}

/// `core_sys_select`: validates, scans, waits until `deadline` (`None`:
/// no limit) and writes the result sets back.
fn do_select(t: &mut Task, nfds: i32, ptrs: [u64; 3], deadline: Option<Instant>) -> SysResult {
    if nfds < 0 {
        return Err(Errno::EINVAL);
    }
    let nfds = (nfds as u64).min(t.nofile()).min(MAX_NFDS) as usize;
    let sets = read_sets(t, nfds, ptrs)?;
    let mut files: Vec<Arc<FileDescription>> = Vec::new();
    for fd in sets.named() {
        files.push(t.file(fd as i32)?);
    }
    let (mut res, mut n) = scan(t, &sets);
    if n == 0 && deadline.is_none_or(|d| d > Instant::now()) {
        let mut last = None;
        n = super::poll::wait_ready(t, &files, deadline, |t| {
            let (r, n) = scan(t, &sets);
            last = Some(r);
            n
        })?;
        if let Some(r) = last {
            res = r;
        }
    }
    write_sets(t, &res, ptrs)?;
    Ok(SysRet::Value(n))
}

/// Runs the select of `a`'s first four arguments for `timeout` (`None`:
/// no limit; zero: one scan); returns the result and the deadline whose
/// time left goes back to the caller (none for a zero timeout).
fn select_for(
    t: &mut Task,
    a: &SyscallArgs,
    timeout: Option<Duration>,
) -> (SysResult, Option<Instant>) {
    let deadline = timeout
        .filter(|d| !d.is_zero())
        .map(super::time::deadline_after);
    let ptrs = [a.u64(1), a.u64(2), a.u64(3)];
    let r = match timeout {
        Some(d) if d.is_zero() => do_select(t, a.i32(0), ptrs, Some(Instant::now())),
        _ => do_select(t, a.i32(0), ptrs, deadline),
    };
    (r, deadline)
}

/// The timeout of a `select` timeval: microseconds past a second carry
/// into the seconds, as Linux does; a negative time is `EINVAL`.
fn timeval_timeout(tv: &timeval) -> Result<Duration, Errno> {
    super::time::valid(&timespec {
        tv_sec: tv.tv_sec.saturating_add(tv.tv_usec / 1_000_000),
        tv_nsec: (tv.tv_usec % 1_000_000) * 1000,
    })
}

/// The time left until `deadline`, zero once it passed.
fn left(deadline: Instant) -> Duration {
    deadline.saturating_duration_since(Instant::now())
}

/// `poll_select_finish`: after a call with a non-zero timeout, writes the
/// time left back through `store`; if that faults, an interrupted call
/// reports `EINTR` instead of restarting.
fn finish(
    t: &mut Task,
    r: SysResult,
    deadline: Option<Instant>,
    store: impl FnOnce(&mut Task, Duration) -> Result<(), Errno>,
) -> SysResult {
    let Some(d) = deadline else { return r };
    match (store(t, left(d)), r) {
        (Err(_), Err(Errno::ERESTARTNOHAND)) => Err(Errno::EINTR),
        (_, r) => r,
    }
}

/// `select(2)`: a null timeout waits without limit; interrupted by a
/// signal with no handler to run, the call restarts with the time left.
pub fn sys_select(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let tp = a.ptr::<timeval>(4);
    let timeout = if tp.is_null() {
        None
    } else {
        Some(timeval_timeout(&tp.read(t.mem())?)?)
    };
    let (r, deadline) = select_for(t, a, timeout);
    finish(t, r, deadline, |t, left| {
        let tv = timeval {
            tv_sec: left.as_secs() as i64,
            tv_usec: i64::from(left.subsec_micros()),
        };
        tp.write(t.mem(), &tv)
    })
}

/// `pselect6(2)`: like `select` with a timespec, and a signal mask (sixth
/// argument: pointer and size) that replaces the caller's for the wait,
/// restored unless a handler is about to run.
pub fn sys_pselect6(t: &mut Task, a: &SyscallArgs) -> SysResult {
    let pack = UserPtr::<sigset_argpack>::new(a.u64(5));
    let pack = if pack.is_null() {
        sigset_argpack::default()
    } else {
        pack.read(t.mem())?
    };
    let tp = a.ptr::<timespec>(4);
    let timeout = if tp.is_null() {
        None
    } else {
        Some(super::time::valid(&tp.read(t.mem())?)?)
    };
    if pack.p != 0 {
        if pack.size != 8 {
            return Err(Errno::EINVAL);
        }
        let mask = UserPtr::<sigset_t>::new(pack.p).read(t.mem())?;
        t.signals.saved_mask = Some(t.signals.mask);
        t.signals.mask = mask.without_unblockable();
    }
    let (r, deadline) = select_for(t, a, timeout);
    let r = finish(t, r, deadline, |t, left| {
        tp.write(t.mem(), &super::time::to_ts(left))
    });
    if !matches!(r, Err(e) if e.is_restart()) {
        if let Some(m) = t.signals.saved_mask.take() {
            t.signals.mask = m;
        }
    }
    r
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sets(nfds: usize, r: &[usize], w: Option<&[usize]>) -> Sets {
        let mk = |fds: &[usize]| {
            let mut v = vec![0u64; nfds.div_ceil(64)];
            for &fd in fds {
                v[fd / 64] |= 1 << (fd % 64);
            }
            v
        };
        Sets {
            nfds,
            words: [Some(mk(r)), w.map(mk), None],
        }
    }

    #[test]
    fn named_stops_at_nfds() {
        let s = sets(3, &[1, 2], Some(&[0]));
        assert_eq!(s.named().collect::<Vec<_>>(), vec![0, 1, 2]);
        let s = sets(2, &[], None);
        assert_eq!(s.named().count(), 0);
    }

    #[test]
    fn answer_counts_each_set_separately() {
        let s = sets(8, &[3, 5], Some(&[3]));
        let all = PollEvents::POLLIN | PollEvents::POLLOUT;
        let (res, n) = s.answer(|_| Some(all));
        assert_eq!(n, 3);
        assert!(res.has(0, 3) && res.has(0, 5) && res.has(1, 3));
        assert!(!res.has(1, 5));
    }

    #[test]
    fn hangup_is_readable_not_writable() {
        let s = sets(4, &[1], Some(&[1]));
        let (res, n) = s.answer(|_| Some(PollEvents::POLLHUP));
        assert_eq!(n, 1);
        assert!(res.has(0, 1) && !res.has(1, 1));
        let (res, n) = s.answer(|_| Some(PollEvents::POLLERR));
        assert_eq!(n, 2);
        assert!(res.has(0, 1) && res.has(1, 1));
    }

    #[test]
    fn closed_meanwhile_is_skipped() {
        let s = sets(4, &[1, 2], None);
        let (res, n) = s.answer(|fd| (fd == 2).then_some(PollEvents::POLLIN));
        assert_eq!(n, 1);
        assert!(!res.has(0, 1) && res.has(0, 2));
    }

    #[test]
    fn interest_unions_the_sets() {
        let s = sets(4, &[1], Some(&[1]));
        assert_eq!(s.interest(1), IN_SET | OUT_SET);
        assert_eq!(s.interest(0), PollEvents::empty());
    }

    #[test]
    fn timeval_carries_and_rejects_negative() {
        let tv = |s, u| timeval {
            tv_sec: s,
            tv_usec: u,
        };
        assert_eq!(
            timeval_timeout(&tv(1, 2_500_000)),
            Ok(Duration::new(3, 500_000_000))
        );
        assert_eq!(timeval_timeout(&tv(0, -1)), Err(Errno::EINVAL));
        assert_eq!(timeval_timeout(&tv(-1, 0)), Err(Errno::EINVAL));
        assert_eq!(
            timeval_timeout(&tv(i64::MAX, 1_000_000)).map(|_| ()),
            Ok(())
        );
    }
}
