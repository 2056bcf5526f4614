//! Batched address-space changes: every system call a batch of
//! [`SpaceOp`]s needs is made in one go by the platform's runner (on
//! systrap: one job on the stub factory thread, instead of one job, two
//! cross-thread wake-ups, per call).
//!
//! The view is updated afterwards for the calls that succeeded, in order,
//! so it matches the host even when a call in the middle fails; the calls
//! after a failure are not made.

use super::{check_range, host_prot, StubMappings};
use crate::memfile::PAGE_SIZE;
use crate::ptrace::prot_map::ProtMap;
use crate::stub::inject;
use crate::{Error, MemoryFile, Prot, Regs, Result, SpaceOp};

/// System calls for a runner: `(number, arguments)`.
pub type Calls = Vec<(i64, [u64; 6])>;

/// What a runner returns: the raw results of the calls made, in order (it
/// stops after the first host error), and why it could not go on, if the
/// stub itself broke.
pub type Ran = (Vec<i64>, Option<Error>);

/// One call and what it changes once it has succeeded.
#[derive(Clone, Copy, Debug)]
struct Step {
    nr: i64,
    args: [u64; 6],
    change: Change,
}

/// A change of the view, `[start, end)`.
#[derive(Clone, Copy, Debug)]
enum Change {
    Map(u64, u64, Prot),
    Unmap(u64, u64),
    Protect(u64, u64, Prot),
}

impl StubMappings {
    /// Applies `ops` in order, making their system calls through `run` in
    /// as few batches as the view allows (a protect after a map or unmap
    /// needs their outcome); stops at the first failure.
    pub fn apply(
        &self,
        mf: &MemoryFile,
        ops: &[SpaceOp],
        mut run: impl FnMut(Calls) -> Ran,
    ) -> Result<()> {
        let mut view = self.view();
        let mut steps: Vec<Step> = Vec::with_capacity(ops.len());
        for op in ops {
            if let Err(e) = plan(mf, &mut view, &mut steps, op, &mut run) {
                // The changes before a bad request stay done.
                flush(&mut view, &mut steps, &mut run)?;
                return Err(e);
            }
        }
        flush(&mut view, &mut steps, &mut run)
    }
}

/// Adds the calls of `op` to `steps` (running the pending ones first when
/// `op` depends on what they map).
fn plan(
    mf: &MemoryFile,
    view: &mut ProtMap,
    steps: &mut Vec<Step>,
    op: &SpaceOp,
    run: &mut impl FnMut(Calls) -> Ran,
) -> Result<()> {
    match *op {
        SpaceOp::Map {
            addr,
            len,
            prot,
            file_offset,
        } => {
            let end = check_range(addr, len)?;
            if !file_offset.is_multiple_of(PAGE_SIZE) {
                return Err(Error::Invalid("file offset must be page aligned"));
            }
            mf.check_range(file_offset, len)?;
            let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
            let fd = mf.raw_fd() as u64;
            steps.push(Step {
                nr: libc::SYS_mmap,
                args: [addr, len, host_prot(prot), flags, fd, file_offset],
                change: Change::Map(addr, end, prot),
            });
        }
        SpaceOp::Unmap { addr, len } => {
            let end = check_range(addr, len)?;
            steps.push(Step {
                nr: libc::SYS_munmap,
                args: [addr, len, 0, 0, 0, 0],
                change: Change::Unmap(addr, end),
            });
        }
        SpaceOp::Protect { addr, len, prot } => {
            let end = check_range(addr, len)?;
            // The host's mprotect fails on holes: only the mapped parts,
            // which pending maps and unmaps would change.
            if steps
                .iter()
                .any(|s| !matches!(s.change, Change::Protect(..)))
            {
                flush(view, steps, run)?;
            }
            for (s, e, _) in view.mapped_parts(addr, end) {
                steps.push(Step {
                    nr: libc::SYS_mprotect,
                    args: [s, e - s, host_prot(prot), 0, 0, 0],
                    change: Change::Protect(s, e, prot),
                });
            }
        }
    }
    Ok(())
}

/// Runs the pending `steps` and updates `view` with the ones that
/// succeeded; the first failure is the result.
fn flush(
    view: &mut ProtMap,
    steps: &mut Vec<Step>,
    run: &mut impl FnMut(Calls) -> Ran,
) -> Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let taken = std::mem::take(steps);
    let (results, broken) = run(taken.iter().map(|s| (s.nr, s.args)).collect());
    for (step, &r) in taken.iter().zip(&results) {
        let r = inject::host_result(op_name(step.change), r);
        match (step.change, r) {
            (Change::Map(s, e, p), Ok(at)) if at as u64 == s => view.map(s, e, p),
            (Change::Map(s, e, _), Ok(_)) => {
                view.unmap(s, e);
                return Err(Error::Invalid("host mapped at another address"));
            }
            (Change::Unmap(s, e), Ok(_)) => view.unmap(s, e),
            (Change::Protect(s, e, p), Ok(_)) => view.map(s, e, p),
            (change, Err(err)) => {
                // A failed MAP_FIXED may have removed the old mapping.
                if let Change::Map(s, e, _) = change {
                    view.unmap(s, e);
                }
                return Err(err);
            }
        }
    }
    match (broken, taken.get(results.len())) {
        (Some(err), Some(step)) => {
            // The call that could not be finished may have been made.
            if let Change::Map(s, e, _) = step.change {
                view.unmap(s, e);
            }
            Err(err)
        }
        (Some(err), None) => Err(err),
        (None, Some(_)) => Err(Error::Invalid("batch runner skipped calls")),
        (None, None) => Ok(()),
    }
}

fn op_name(c: Change) -> &'static str {
    match c {
        Change::Map(..) => "mmap(stub)",
        Change::Unmap(..) => "munmap(stub)",
        Change::Protect(..) => "mprotect(stub)",
    }
}

/// A runner for stub thread `tid`, stopped and traced by the caller:
/// injects `calls` in order, after moving `tid` to the caller's CPU
/// ([`crate::stub::locality`]), and stops after the first that fails.
pub fn inject_all(tid: i32, template: &Regs, calls: &[(i64, [u64; 6])]) -> Ran {
    crate::stub::locality::join_caller(tid);
    let mut out = Vec::with_capacity(calls.len());
    for &(nr, args) in calls {
        match inject::syscall(tid, template, nr, args) {
            Ok(r) => {
                out.push(r);
                if (-4095..0).contains(&r) {
                    break;
                }
            }
            Err(e) => return (out, Some(e)),
        }
    }
    (out, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RW: Prot = Prot {
        read: true,
        write: true,
        exec: false,
    };
    const R: Prot = Prot {
        read: true,
        write: false,
        exec: false,
    };
    const A: u64 = 0x40_0000;
    const P: u64 = PAGE_SIZE;

    /// A runner that answers like the host and records each batch.
    fn host(batches: &mut Vec<Calls>) -> impl FnMut(Calls) -> Ran + '_ {
        move |calls: Calls| {
            let out = calls
                .iter()
                .map(|&(nr, a)| if nr == libc::SYS_mmap { a[0] as i64 } else { 0 })
                .collect();
            batches.push(calls);
            (out, None)
        }
    }

    #[test]
    fn one_batch_per_run_of_independent_changes_and_the_view_follows() {
        let mf = MemoryFile::new(1 << 24).unwrap();
        let m = StubMappings::default();
        let mut batches = Vec::new();
        let map = |addr, len, prot, file_offset| SpaceOp::Map {
            addr,
            len,
            prot,
            file_offset,
        };
        m.apply(
            &mf,
            &[
                map(A, 4 * P, RW, 0),
                SpaceOp::Unmap {
                    addr: A + P,
                    len: P,
                },
                // Across the hole: needs the outcome of the two above.
                SpaceOp::Protect {
                    addr: A,
                    len: 3 * P,
                    prot: R,
                },
                map(A + 8 * P, P, R, 8 * P),
            ],
            host(&mut batches),
        )
        .unwrap();
        let nrs: Vec<Vec<i64>> = batches
            .iter()
            .map(|b| b.iter().map(|c| c.0).collect())
            .collect();
        assert_eq!(
            nrs,
            [
                vec![libc::SYS_mmap, libc::SYS_munmap],
                vec![libc::SYS_mprotect, libc::SYS_mprotect, libc::SYS_mmap]
            ]
        );
        assert_eq!(
            m.merged(),
            [
                (A, A + P, R),
                (A + 2 * P, A + 3 * P, R),
                (A + 3 * P, A + 4 * P, RW),
                (A + 8 * P, A + 9 * P, R)
            ]
        );
    }

    #[test]
    fn a_failure_keeps_what_came_before_and_stops() {
        let mf = MemoryFile::new(1 << 24).unwrap();
        let m = StubMappings::default();
        let map = |addr, file_offset| SpaceOp::Map {
            addr,
            len: P,
            prot: RW,
            file_offset,
        };
        // A bad request: the ones before it are made, not the ones after.
        let mut batches = Vec::new();
        let r = m.apply(
            &mf,
            &[map(A, 0), map(A + P, 1 << 40), map(A + 2 * P, 0)],
            host(&mut batches),
        );
        assert!(r.is_err());
        assert_eq!(batches.len(), 1);
        assert_eq!(m.merged(), [(A, A + P, RW)]);
        // A host failure in the middle of a batch: the view keeps the
        // calls that succeeded and forgets the failed map's range.
        let fails_second = |calls: Calls| -> Ran {
            assert_eq!(calls.len(), 3);
            (vec![(A + 4 * P) as i64, -(libc::ENOMEM as i64)], None)
        };
        let r = m.apply(
            &mf,
            &[map(A + 4 * P, 0), map(A, 0), map(A + 6 * P, 0)],
            fails_second,
        );
        assert!(r.is_err());
        assert_eq!(m.merged(), [(A + 4 * P, A + 5 * P, RW)]);
        // The stub broke: the call in flight may have happened.
        let breaks = |_: Calls| -> Ran { (vec![], Some(Error::Invalid("stub died"))) };
        assert!(m.apply(&mf, &[map(A + 4 * P, 0)], breaks).is_err());
        assert!(m.merged().is_empty());
    }
}

#[cfg(test)]
mod on_systrap {
    use std::sync::Arc;

    use super::*;
    use crate::systrap::SystrapAddressSpace;
    use crate::AddressSpace;

    fn maps(pid: i32) -> Vec<String> {
        std::fs::read_to_string(format!("/proc/{pid}/maps"))
            .unwrap()
            .lines()
            .filter(|l| {
                let a = u64::from_str_radix(l.split('-').next().unwrap(), 16).unwrap();
                crate::stub::layout::in_app_range(a, PAGE_SIZE)
            })
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn a_batch_changes_the_stub_as_the_single_calls_do() {
        let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
        let s = SystrapAddressSpace::new(mf).unwrap();
        let rw = Prot {
            read: true,
            write: true,
            exec: false,
        };
        let a = 0x40_0000;
        s.apply(&[
            SpaceOp::Map {
                addr: a,
                len: 4 * PAGE_SIZE,
                prot: rw,
                file_offset: 0,
            },
            SpaceOp::Unmap {
                addr: a + PAGE_SIZE,
                len: PAGE_SIZE,
            },
            SpaceOp::Protect {
                addr: a,
                len: 3 * PAGE_SIZE,
                prot: Prot::default(),
            },
        ])
        .unwrap();
        assert_eq!(
            maps(s.pid()),
            [
                "00400000-00401000 ---s 00000000",
                "00402000-00403000 ---s 00002000",
                "00403000-00404000 rw-s 00003000",
            ]
        );
    }
}
