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

use super::prot_map::ProtMap;
use super::tracer;
use crate::memfile::PAGE_SIZE;
use crate::stub::layout::in_app_range;
use crate::stub::{code, inject, StubProcess};
use crate::sys::{self, ptrace, WaitStatus};
use crate::{AddressSpace, Error, MemoryFile, Prot, Result};

/// Host `PROT_*` bits for a [`Prot`].
fn host_prot(p: Prot) -> u64 {
    let mut v = 0;
    if p.read {
        v |= libc::PROT_READ;
    }
    if p.write {
        v |= libc::PROT_WRITE;
    }
    if p.exec {
        v |= libc::PROT_EXEC;
    }
    v as u64
}

/// The part of an address space that stub threads' tracers refer to.
#[derive(Debug)]
pub(crate) struct Shared {
    pub(crate) stub: StubProcess,
    memfile: Arc<MemoryFile>,
    view: Mutex<ProtMap>,
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
                view: Mutex::new(ProtMap::default()),
                threads: Mutex::new(HashMap::new()),
                parked: Mutex::new(Vec::new()),
            }),
        })
    }

    /// The platform's view: mapped ranges with their protection, merged.
    pub fn mappings(&self) -> Vec<(u64, u64, Prot)> {
        lock(&self.shared.view).merged()
    }

    /// The protection the platform applied at `addr`, if mapped.
    pub fn prot_at(&self, addr: u64) -> Option<Prot> {
        lock(&self.shared.view).prot_at(addr)
    }
}

fn check_range(addr: u64, len: u64) -> Result<u64> {
    if len == 0 || !addr.is_multiple_of(PAGE_SIZE) || !len.is_multiple_of(PAGE_SIZE) {
        return Err(Error::Invalid(
            "address and length must be page aligned and non-empty",
        ));
    }
    if !in_app_range(addr, len) {
        return Err(Error::Invalid(
            "range outside the application's address range",
        ));
    }
    Ok(addr + len)
}

impl AddressSpace for PtraceAddressSpace {
    fn map(&self, addr: u64, len: u64, prot: Prot, file_offset: u64) -> Result<()> {
        let end = check_range(addr, len)?;
        if !file_offset.is_multiple_of(PAGE_SIZE) {
            return Err(Error::Invalid("file offset must be page aligned"));
        }
        self.shared.memfile.check_range(file_offset, len)?;
        let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        let fd = self.shared.memfile.raw_fd() as u64;
        let mut view = lock(&self.shared.view);
        let r = self.shared.syscall(
            libc::SYS_mmap,
            [addr, len, host_prot(prot), flags, fd, file_offset],
        );
        match r.and_then(|r| inject::host_result("mmap(stub)", r)) {
            Ok(got) if got as u64 == addr => {
                view.map(addr, end, prot);
                Ok(())
            }
            Ok(_) => Err(Error::Invalid("host mapped at another address")),
            Err(e) => {
                // The old mapping may be gone: keep the view truthful.
                view.unmap(addr, end);
                Err(e)
            }
        }
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        let end = check_range(addr, len)?;
        let mut view = lock(&self.shared.view);
        inject::host_result(
            "munmap(stub)",
            self.shared
                .syscall(libc::SYS_munmap, [addr, len, 0, 0, 0, 0])?,
        )?;
        view.unmap(addr, end);
        Ok(())
    }

    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()> {
        let end = check_range(addr, len)?;
        let mut view = lock(&self.shared.view);
        for (s, e, _) in view.mapped_parts(addr, end) {
            inject::host_result(
                "mprotect(stub)",
                self.shared
                    .syscall(libc::SYS_mprotect, [s, e - s, host_prot(prot), 0, 0, 0])?,
            )?;
            view.map(s, e, prot);
        }
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn stub_pid(&self) -> Option<i32> {
        Some(self.shared.stub.pid())
    }
}
