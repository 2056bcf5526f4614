//! A ptrace address space: one stub process, and one stub thread per Sentry
//! thread that runs application code in it.
//!
//! A ptrace tracer is a host thread, so each Sentry thread that switches into
//! this address space gets a stub thread of its own, traced by it (as gVisor
//! does). Threads are made by the stub factory ([`crate::stub`]) and parked
//! untraced until their tracer seizes them; when a Sentry thread exits, its
//! stub threads are parked again and detached (see [`super::tracer`]), ready
//! for the next one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use super::tracer;
use crate::stub::mappings::StubMappings;
use crate::stub::{code, inject, StubProcess};
use crate::sys::{self, ptrace, WaitStatus};
use crate::{AddressSpace, Error, MemoryFile, Prot, Result};

/// The part of an address space that stub threads' tracers refer to.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) stub: StubProcess,
    memfile: Arc<MemoryFile>,
    mappings: StubMappings,
    /// Sentry thread id -> the stub thread it traces.
    threads: Mutex<HashMap<i32, i32>>,
    /// Untraced stub threads waiting in the park loop.
    parked: Mutex<Vec<i32>>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // The protected data stay consistent at every await point (plain
    // inserts and removes), so a panic elsewhere does not poison them.
    m.lock().unwrap_or_else(|p| p.into_inner())
}

impl Shared {
    /// The stub thread traced by the calling Sentry thread, if any.
    pub(crate) fn my_thread(&self) -> Option<i32> {
        lock(&self.threads).get(&sys::gettid()).copied()
    }

    /// The stub thread traced by the calling Sentry thread, seizing a parked
    /// one or making a new one if needed.
    pub(crate) fn thread_for_me(self: &Arc<Self>) -> Result<i32> {
        if let Some(t) = self.my_thread() {
            return Ok(t);
        }
        // A parked thread that cannot be seized (gone, or seized by another
        // tracer in a race) is dropped from the pool; a fresh one is made
        // when the pool is empty.
        let tid = loop {
            let parked = lock(&self.parked).pop();
            match parked {
                Some(t) => {
                    if seize(t).is_ok() {
                        break t;
                    }
                }
                None => {
                    let t = self.stub.new_thread()?;
                    seize(t)?;
                    break t;
                }
            }
        };
        lock(&self.threads).insert(sys::gettid(), tid);
        tracer::register(Arc::downgrade(self), tid);
        Ok(tid)
    }

    /// Called on the tracer's thread when it exits: parks `tid` and lets it go.
    pub(crate) fn release(&self, tid: i32) {
        lock(&self.threads).retain(|_, t| *t != tid);
        let mut regs = self.stub.template();
        regs.rip = code::PARK_ADDR;
        regs.orig_rax = u64::MAX;
        if ptrace::set_regs(tid, &regs).is_ok() && ptrace::detach(tid, 0).is_ok() {
            lock(&self.parked).push(tid);
        } else {
            // Could not park it safely: end the whole stub rather than let
            // application code run untraced (the seccomp filter would stop
            // it at its first system call anyway).
            let _ = sys::kill(self.stub.pid(), libc::SIGKILL);
        }
    }

    /// Runs host system call `nr` in the stub, on the caller's own stub
    /// thread when it has one (no thread hand-off), else in the leader.
    fn syscall(&self, nr: i64, args: [u64; 6]) -> Result<i64> {
        match self.my_thread() {
            Some(tid) => inject::syscall(tid, &self.stub.template(), nr, args),
            None => self.stub.syscall_in_leader(nr, args),
        }
    }
}

/// Seizes parked thread `tid` for the calling thread and waits for its stop.
fn seize(tid: i32) -> Result<()> {
    ptrace::seize(tid, libc::PTRACE_O_TRACESYSGOOD).map_err(|source| Error::Host {
        op: "PTRACE_SEIZE",
        source,
    })?;
    ptrace::interrupt(tid).map_err(|source| Error::Host {
        op: "PTRACE_INTERRUPT",
        source,
    })?;
    match sys::waitpid(tid).map_err(|source| Error::Host {
        op: "waitpid(seize)",
        source,
    })? {
        WaitStatus::Stopped { .. } => Ok(()),
        other => Err(Error::StubDied {
            pid: tid,
            why: format!("stub thread gone while seizing: {other:?}"),
        }),
    }
}

/// An application address space backed by a ptrace stub.
#[derive(Debug)]
pub struct PtraceAddressSpace {
    pub(crate) shared: Arc<Shared>,
}

impl PtraceAddressSpace {
    /// Spawns the stub process for a new, empty address space.
    pub fn new(memfile: Arc<MemoryFile>) -> Result<Self> {
        let stub = StubProcess::spawn(memfile.raw_fd())?;
        Ok(PtraceAddressSpace {
            shared: Arc::new(Shared {
                stub,
                memfile,
                mappings: StubMappings::default(),
                threads: Mutex::new(HashMap::new()),
                parked: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The platform's view: mapped ranges with their protection, merged.
    pub fn mappings(&self) -> Vec<(u64, u64, Prot)> {
        self.shared.mappings.merged()
    }

    /// The protection the platform applied at `addr`, if mapped.
    pub fn prot_at(&self, addr: u64) -> Option<Prot> {
        self.shared.mappings.prot_at(addr)
    }
}

impl AddressSpace for PtraceAddressSpace {
    fn map(&self, addr: u64, len: u64, prot: Prot, file_offset: u64) -> Result<()> {
        let sh = &self.shared;
        sh.mappings
            .map(&sh.memfile, (addr, len, prot, file_offset), |nr, a| {
                sh.syscall(nr, a)
            })
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        let sh = &self.shared;
        sh.mappings.unmap(addr, len, |nr, a| sh.syscall(nr, a))
    }

    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()> {
        let sh = &self.shared;
        sh.mappings
            .protect(addr, len, prot, |nr, a| sh.syscall(nr, a))
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn stub_pid(&self) -> Option<i32> {
        Some(self.shared.stub.pid())
    }
}
