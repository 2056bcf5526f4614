//! Batched address-space changes: every system call a batch of
//! [`SpaceOp`]s needs is injected into the leader in one job on the stub
//! factory thread, instead of one job (two cross-thread wake-ups) per call.
//!
//! The platform's view of the stub's mappings is updated afterwards for
//! the calls that succeeded, in order, so it matches the host even when a
//! call in the middle fails; the calls after a failure are not made.

use super::{prot_bits, SystrapAddressSpace};
use crate::memfile::PAGE_SIZE;
use crate::ptrace::prot_map::ProtMap;
use crate::stub::{factory, inject};
use crate::{Error, Prot, Regs, Result, SpaceOp};

/// One injected call and what it changes once it has succeeded.
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

/// Applies `ops` to `space` in order; see the module documentation.
pub(super) fn apply(space: &SystrapAddressSpace, ops: &[SpaceOp]) -> Result<()> {
    let mut view = space.view();
    let mut steps: Vec<Step> = Vec::with_capacity(ops.len());
    for op in ops {
        if let Err(e) = plan(space, &mut view, &mut steps, op) {
            // The changes before a bad request stay done.
            flush(space, &mut view, &mut steps)?;
            return Err(e);
        }
    }
    flush(space, &mut view, &mut steps)
}

/// Adds the calls of `op` to `steps` (running the pending ones first when
/// `op` depends on what they map).
fn plan(
    space: &SystrapAddressSpace,
    view: &mut ProtMap,
    steps: &mut Vec<Step>,
    op: &SpaceOp,
) -> Result<()> {
    match *op {
        SpaceOp::Map {
            addr,
            len,
            prot,
            file_offset,
        } => {
            space.check(addr, len)?;
            if !file_offset.is_multiple_of(PAGE_SIZE) {
                return Err(Error::Invalid("unaligned memory file offset"));
            }
            space.mf.check_range(file_offset, len)?;
            let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
            let fd = space.mf.raw_fd() as u64;
            steps.push(Step {
                nr: libc::SYS_mmap,
                args: [addr, len, prot_bits(prot), flags, fd, file_offset],
                change: Change::Map(addr, addr + len, prot),
            });
        }
        SpaceOp::Unmap { addr, len } => {
            space.check(addr, len)?;
            steps.push(Step {
                nr: libc::SYS_munmap,
                args: [addr, len, 0, 0, 0, 0],
                change: Change::Unmap(addr, addr + len),
            });
        }
        SpaceOp::Protect { addr, len, prot } => {
            space.check(addr, len)?;
            // The host's mprotect fails on holes: only the mapped parts,
            // which pending maps and unmaps would change.
            if steps
                .iter()
                .any(|s| !matches!(s.change, Change::Protect(..)))
            {
                flush(space, view, steps)?;
            }
            for (s, e, _) in view.mapped_parts(addr, addr + len) {
                steps.push(Step {
                    nr: libc::SYS_mprotect,
                    args: [s, e - s, prot_bits(prot), 0, 0, 0],
                    change: Change::Protect(s, e, prot),
                });
            }
        }
    }
    Ok(())
}

/// Runs the pending `steps` in one factory job and updates `view` with the
/// ones that succeeded; the first failure is the result.
fn flush(space: &SystrapAddressSpace, view: &mut ProtMap, steps: &mut Vec<Step>) -> Result<()> {
    if steps.is_empty() {
        return Ok(());
    }
    let calls: Vec<(i64, [u64; 6])> = steps.iter().map(|s| (s.nr, s.args)).collect();
    let (pid, template) = (space.pid, space.template);
    let (results, broken) = factory::run(move || run_on_factory(pid, &template, &calls))?;
    let taken = std::mem::take(steps);
    for (step, &r) in taken.iter().zip(&results) {
        let r = inject::host_result(op_name(step.change), r);
        match (step.change, r) {
            (Change::Map(s, e, p), Ok(at)) if at as u64 == s => view.map(s, e, p),
            (Change::Map(s, e, _), Ok(_)) => {
                view.unmap(s, e);
                return Err(Error::Invalid("stub mmap landed elsewhere"));
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
            // The call that could not be run may have been made.
            if let Change::Map(s, e, _) = step.change {
                view.unmap(s, e);
            }
            Err(err)
        }
        (Some(err), None) => Err(err),
        (None, _) => Ok(()),
    }
}

fn op_name(c: Change) -> &'static str {
    match c {
        Change::Map(..) => "mmap(stub)",
        Change::Unmap(..) => "munmap(stub)",
        Change::Protect(..) => "mprotect(stub)",
    }
}

/// Injects `calls` in order into the stopped leader `pid`, stopping after
/// the first one that fails; returns the raw results and, if injecting
/// itself broke (the stub died), why.
fn run_on_factory(
    pid: i32,
    template: &Regs,
    calls: &[(i64, [u64; 6])],
) -> (Vec<i64>, Option<Error>) {
    let mut out = Vec::with_capacity(calls.len());
    crate::stub::locality::join_caller(pid);
    for &(nr, args) in calls {
        match inject::syscall(pid, template, nr, args) {
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
    use std::sync::Arc;

    use super::*;
    use crate::{AddressSpace, MemoryFile};

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

    fn maps(pid: i32) -> Vec<String> {
        std::fs::read_to_string(format!("/proc/{pid}/maps"))
            .unwrap()
            .lines()
            .filter(|l| !l.contains("systrap") && !l.contains("vsyscall"))
            .filter(|l| {
                let a = u64::from_str_radix(l.split('-').next().unwrap(), 16).unwrap();
                crate::stub::layout::in_app_range(a, PAGE_SIZE)
            })
            .map(|l| l.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
            .collect()
    }

    #[test]
    fn a_batch_does_what_the_single_calls_do() {
        let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
        let s = SystrapAddressSpace::new(mf).unwrap();
        s.apply(&[
            SpaceOp::Map {
                addr: A,
                len: 4 * PAGE_SIZE,
                prot: RW,
                file_offset: 0,
            },
            SpaceOp::Unmap {
                addr: A + PAGE_SIZE,
                len: PAGE_SIZE,
            },
            // Across the hole: only the mapped parts change.
            SpaceOp::Protect {
                addr: A,
                len: 3 * PAGE_SIZE,
                prot: R,
            },
            SpaceOp::Map {
                addr: A + 8 * PAGE_SIZE,
                len: PAGE_SIZE,
                prot: R,
                file_offset: 8 * PAGE_SIZE,
            },
        ])
        .unwrap();
        assert_eq!(
            maps(s.pid()),
            [
                "00400000-00401000 r--s 00000000",
                "00402000-00403000 r--s 00002000",
                "00403000-00404000 rw-s 00003000",
                "00408000-00409000 r--s 00008000",
            ]
        );
        // The view followed: a later protect sees the hole.
        s.protect(A, 4 * PAGE_SIZE, RW).unwrap();
        assert_eq!(maps(s.pid())[0], "00400000-00401000 rw-s 00000000");
    }

    #[test]
    fn a_bad_op_stops_the_batch_after_applying_what_came_before() {
        let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
        let s = SystrapAddressSpace::new(mf).unwrap();
        let r = s.apply(&[
            SpaceOp::Map {
                addr: A,
                len: PAGE_SIZE,
                prot: RW,
                file_offset: 0,
            },
            SpaceOp::Map {
                addr: A + PAGE_SIZE,
                len: PAGE_SIZE,
                prot: RW,
                file_offset: 1 << 40,
            },
            SpaceOp::Map {
                addr: A + 2 * PAGE_SIZE,
                len: PAGE_SIZE,
                prot: RW,
                file_offset: 0,
            },
        ]);
        assert!(r.is_err());
        assert_eq!(maps(s.pid()), ["00400000-00401000 rw-s 00000000"]);
    }
}
