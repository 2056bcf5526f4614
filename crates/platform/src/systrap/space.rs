//! A systrap address space: one stub process, its leader traced by the stub
//! factory thread, its thread slots, and the memory-file mappings.
//!
//! The leader never runs application code. It sits in a ptrace stop, and
//! every change of the address space (`mmap` of the memory file, `munmap`,
//! `mprotect`) and every new application thread (`clone`) is a system call
//! injected into it by its tracer, with arguments in registers only, so
//! nothing the application writes into the stub region can steer them.

use std::collections::HashSet;
use std::os::fd::{AsRawFd, OwnedFd};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};

use rustix::event::{PollFd, PollFlags};

use super::code::{self, Sites};
use super::layout::*;
use super::patch;
use super::slots::SlotArea;
use crate::memfile::PAGE_SIZE;
use crate::stub::layout::in_app_range;
use crate::stub::mappings::batch;
use crate::stub::mappings::StubMappings;
use crate::stub::{factory, inject};
use crate::sys::{self, ptrace, WaitStatus};
use crate::{AddressSpace, Error, MemoryFile, Prot, Regs, Result};

/// `clone` flags of an application thread.
const THREAD_FLAGS: u64 = (libc::CLONE_VM
    | libc::CLONE_FS
    | libc::CLONE_FILES
    | libc::CLONE_SIGHAND
    | libc::CLONE_THREAD
    | libc::CLONE_SYSVSEM
    | libc::CLONE_CHILD_SETTID
    | libc::CLONE_CHILD_CLEARTID) as u64;

/// `SA_RESTORER`: the `restorer` field of the action is valid.
const SA_RESTORER: u64 = 0x0400_0000;

/// Signal the Sentry sends to interrupt a running application thread.
pub const SIG_INTERRUPT: i32 = libc::SIGUSR2;

/// The kernel's `struct sigaction` for `rt_sigaction`.
#[repr(C)]
struct KSigaction {
    handler: u64,
    flags: u64,
    restorer: u64,
    mask: u64,
}

/// What the leader's start-up code reads (through `r13`) before it unmaps
/// the Sentry's memory from its copy.
#[repr(C)]
struct LeaderParams {
    fprog: *const libc::sock_fprog,
    sigaction: *const KSigaction,
    keep_fd: i64,
    ctx_fd: i64,
    ctx_len: u64,
    /// The inherited rseq area to unregister (0: none) and glibc's size.
    rseq: u64,
    rseq_size: u64,
}

/// System call sites of an address space, by the address of their first
/// byte.
#[derive(Debug, Default)]
struct SiteSets {
    /// Patched here, or patched code inherited and served here.
    patched: HashSet<u64>,
    /// Offered and refused: not offered again.
    refused: HashSet<u64>,
}

/// State of a thread slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SlotUse {
    Free,
    Used,
    /// Told to exit; reusable once its `CLONE_CHILD_CLEARTID` word is 0.
    Exiting,
}

/// A systrap address space; see the module documentation.
#[derive(Debug)]
pub struct SystrapAddressSpace {
    pid: i32,
    template: Regs,
    mf: Arc<MemoryFile>,
    slots: SlotArea,
    pidfd: OwnedFd,
    uses: Mutex<Vec<SlotUse>>,
    sites: Sites,
    /// What is mapped where.
    mappings: StubMappings,
    /// System call sites (start of the 7 bytes) patched, or refused.
    sites_seen: Mutex<SiteSets>,
    /// System calls served through the trampoline, without a signal.
    fast_syscalls: AtomicU64,
}

impl SystrapAddressSpace {
    /// Starts a stub process for a new address space.
    pub fn new(mf: Arc<MemoryFile>) -> Result<SystrapAddressSpace> {
        code::install()?;
        let slots = SlotArea::new()?;
        let keep_fd = mf.raw_fd();
        let ctx_fd = slots.fd().as_raw_fd();
        let (pid, template) = factory::run(move || spawn_on_factory(keep_fd, ctx_fd))??;
        let pidfd = match rustix::process::Pid::from_raw(pid)
            .ok_or(Error::Invalid("stub pid 0"))
            .and_then(|p| {
                rustix::process::pidfd_open(p, rustix::process::PidfdFlags::empty())
                    .map_err(|e| crate::memfile::host("pidfd_open(stub)", e))
            }) {
            Ok(fd) => fd,
            Err(e) => {
                kill_and_reap(pid);
                return Err(e);
            }
        };
        Ok(SystrapAddressSpace {
            pid,
            template,
            mf,
            slots,
            pidfd,
            uses: Mutex::new(vec![SlotUse::Free; MAX_THREADS as usize]),
            sites: code::sites(),
            mappings: StubMappings::default(),
            sites_seen: Mutex::new(SiteSets::default()),
            fast_syscalls: AtomicU64::new(0),
        })
    }

    /// The stub's host process id.
    pub fn pid(&self) -> i32 {
        self.pid
    }

    /// The thread slots.
    pub fn slots(&self) -> &SlotArea {
        &self.slots
    }

    /// Addresses of the stub code.
    pub fn sites(&self) -> &Sites {
        &self.sites
    }

    /// Whether the stub process has ended (killed from outside, crashed).
    pub fn is_dead(&self) -> bool {
        let mut fds = [PollFd::new(&self.pidfd, PollFlags::IN)];
        let zero = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 0,
        };
        matches!(rustix::event::poll(&mut fds, Some(&zero)), Ok(n) if n > 0)
    }

    /// Takes a free slot (or one whose thread has exited).
    pub fn alloc_slot(&self) -> Result<usize> {
        let mut uses = self
            .uses
            .lock()
            .map_err(|_| Error::Invalid("slot table poisoned"))?;
        let ctid_clear = |i: usize| {
            self.slots
                .slot(i)
                .word(OFF_CTID)
                .load(std::sync::atomic::Ordering::SeqCst)
                == 0
        };
        let found = uses
            .iter()
            .position(|u| *u == SlotUse::Free)
            .or_else(|| (0..uses.len()).find(|&i| uses[i] == SlotUse::Exiting && ctid_clear(i)));
        let i = match found {
            Some(i) => i,
            None => {
                // Every slot is in use or still exiting: wait for the first
                // exiting thread to be gone (its clear-tid futex wakes us).
                let i = (0..uses.len())
                    .find(|&i| uses[i] == SlotUse::Exiting)
                    .ok_or(Error::Invalid(
                        "too many threads in one systrap address space",
                    ))?;
                self.wait_exited(i)?;
                i
            }
        };
        uses[i] = SlotUse::Used;
        Ok(i)
    }

    /// Waits until the thread of slot `i` has exited (bounded: one second).
    fn wait_exited(&self, i: usize) -> Result<()> {
        let w = self.slots.slot(i).word(OFF_CTID);
        let tick = rustix::time::Timespec {
            tv_sec: 0,
            tv_nsec: 10_000_000,
        };
        for _ in 0..100 {
            let v = w.load(std::sync::atomic::Ordering::SeqCst);
            if v == 0 {
                return Ok(());
            }
            let _ = rustix::thread::futex::wait(
                w,
                rustix::thread::futex::Flags::empty(),
                v,
                Some(&tick),
            );
        }
        Err(Error::StubDied {
            pid: self.pid,
            why: "a stub thread does not exit".into(),
        })
    }

    /// Tells the thread in slot `i` to exit and marks the slot reusable once
    /// it has.
    pub fn release_slot(&self, i: usize, had_thread: bool) {
        let s = self.slots.slot(i);
        if had_thread {
            s.word(OFF_STATE)
                .store(STATE_EXIT, std::sync::atomic::Ordering::SeqCst);
            let _ = rustix::thread::futex::wake(
                s.word(OFF_STATE),
                rustix::thread::futex::Flags::empty(),
                1,
            );
        }
        if let Ok(mut uses) = self.uses.lock() {
            if let Some(u) = uses.get_mut(i) {
                *u = if had_thread {
                    SlotUse::Exiting
                } else {
                    SlotUse::Free
                };
            }
        }
    }

    /// Creates the stub thread for slot `i` (injects `clone` into the
    /// leader); returns its thread id. The thread runs to its first event.
    pub fn new_thread(&self, i: usize) -> Result<i32> {
        let s = self.slots.slot(i);
        let ord = std::sync::atomic::Ordering::SeqCst;
        s.word(OFF_STATE).store(0, ord);
        s.word(OFF_SENTRY_SLEEPING).store(0, ord);
        s.word(OFF_STUB_SLEEPING).store(0, ord);
        s.word(OFF_SPIN).store(0, ord);
        s.word(OFF_CTID).store(u32::MAX, ord);
        let slot = slot_addr(i as u64);
        let (pid, template, sites) = (self.pid, self.template, self.sites);
        let tid = factory::run(move || clone_on_factory(pid, template, sites, slot))??;
        crate::stub::locality::unpin(tid);
        Ok(tid)
    }

    /// How many system calls the trampoline served (patched sites taken
    /// without a signal) in this address space.
    pub fn fast_syscalls(&self) -> u64 {
        self.fast_syscalls.load(Ordering::Relaxed)
    }

    /// Counts one system call served through the trampoline.
    pub(super) fn count_fast_syscall(&self) {
        self.fast_syscalls.fetch_add(1, Ordering::Relaxed);
    }

    /// Records that the site starting at `site` is patched in this space.
    pub(super) fn know_site(&self, site: u64) {
        self.site_sets().patched.insert(site);
    }

    /// Whether the site starting at `site` is patched in this space.
    pub fn knows_site(&self, site: u64) -> bool {
        self.site_sets().patched.contains(&site)
    }

    /// Whether the site starting at `site` was offered for patching and
    /// refused (by the caller or because its code does not fit).
    pub fn refused_site(&self, site: u64) -> bool {
        self.site_sets().refused.contains(&site)
    }

    fn site_sets(&self) -> std::sync::MutexGuard<'_, SiteSets> {
        // Sets of addresses are consistent after every update.
        self.sites_seen.lock().unwrap_or_else(|p| p.into_inner())
    }

    fn inject(&self, nr: i64, args: [u64; 6]) -> Result<i64> {
        let (pid, template) = (self.pid, self.template);
        factory::run(move || {
            crate::stub::locality::join_caller(pid);
            inject::syscall(pid, &template, nr, args)
        })?
    }
}

impl AddressSpace for SystrapAddressSpace {
    fn map(&self, addr: u64, len: u64, prot: Prot, file_offset: u64) -> Result<()> {
        self.mappings
            .map(&self.mf, (addr, len, prot, file_offset), |nr, a| {
                self.inject(nr, a)
            })
    }

    fn unmap(&self, addr: u64, len: u64) -> Result<()> {
        self.mappings.unmap(addr, len, |nr, a| self.inject(nr, a))
    }

    fn protect(&self, addr: u64, len: u64, prot: Prot) -> Result<()> {
        self.mappings
            .protect(addr, len, prot, |nr, a| self.inject(nr, a))
    }

    fn apply(&self, ops: &[crate::SpaceOp]) -> Result<()> {
        let (pid, template) = (self.pid, self.template);
        self.mappings.apply(&self.mf, ops, |calls| {
            factory::run(move || batch::inject_all(pid, &template, &calls))
                .unwrap_or_else(|e| (Vec::new(), Some(e)))
        })
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }

    fn stub_pid(&self) -> Option<i32> {
        Some(self.pid)
    }

    fn patches_syscalls(&self) -> bool {
        // The trampoline saves the whole XSAVE area into the slot.
        crate::xsave_size() as u64 <= FP_MAX
    }

    fn patch_syscall(&self, rip: u64, nr: u64, file_offset: Option<u64>) -> Result<bool> {
        let site = rip
            .checked_sub(patch::SITE_LEN)
            .ok_or(Error::Invalid("system call site below 0"))?;
        let Some(file_offset) = file_offset.filter(|_| self.patches_syscalls()) else {
            self.site_sets().refused.insert(site);
            return Ok(false);
        };
        if !in_app_range(site, patch::SITE_LEN)
            || site / PAGE_SIZE != (rip - 1) / PAGE_SIZE
            || file_offset % PAGE_SIZE != site % PAGE_SIZE
        {
            return Err(Error::Invalid(
                "system call site outside one application page",
            ));
        }
        let mut code = [0u8; patch::SITE_LEN as usize];
        self.mf.read_at(file_offset, &mut code)?;
        let Some(k) = patch::is_patchable(&code, nr)
            .then(|| patch::entry_for(rip, nr))
            .flatten()
        else {
            self.site_sets().refused.insert(site);
            return Ok(false);
        };
        // The entry must be complete before any thread can jump through it.
        self.slots.set_trap_info(k, rip, nr);
        self.know_site(site);
        for step in patch::write_steps(k) {
            for (i, b) in step {
                self.mf.store_byte(file_offset + i as u64, b)?;
            }
        }
        Ok(true)
    }
}

impl Drop for SystrapAddressSpace {
    fn drop(&mut self) {
        kill_and_reap(self.pid);
    }
}

fn kill_and_reap(pid: i32) {
    crate::stub::reap::kill_and_reap(pid, &[]);
}

/// Forks the stub (on the factory thread, which becomes the leader's
/// tracer and whose life bounds the stub's through the parent-death signal).
fn spawn_on_factory(keep_fd: i32, ctx_fd: i32) -> Result<(i32, Regs)> {
    let sites = code::sites();
    let (rseq, rseq_size) = sys::rseq_area().map_or((0, 0), |(a, n)| (a, u64::from(n)));
    let prog = crate::stub::filter::stub_filter();
    let fprog = libc::sock_fprog {
        len: prog.len() as u16,
        filter: prog.as_ptr() as *mut libc::sock_filter,
    };
    let act = KSigaction {
        handler: sites.handler,
        flags: (libc::SA_SIGINFO | libc::SA_ONSTACK) as u64 | SA_RESTORER,
        restorer: sites.restorer,
        mask: u64::MAX,
    };
    let params = LeaderParams {
        fprog: &fprog,
        sigaction: &act,
        keep_fd: i64::from(keep_fd),
        ctx_fd: i64::from(ctx_fd),
        ctx_len: CTX_LEN,
        rseq,
        rseq_size,
    };
    let start = sys::StubStart {
        entry: sites.leader_init,
        r13: &params as *const LeaderParams as u64,
        ..Default::default()
    };
    // SAFETY: `leader_init` is the systrap stub code that `code::install`
    // put at the same address in this process and never returns; `params`
    // and what it points to live across the call.
    let pid = unsafe { sys::clone_stub(&start) }.map_err(|source| Error::Host {
        op: "clone(systrap stub)",
        source,
    })?;
    let fail = |e: Error| {
        kill_and_reap(pid);
        e
    };
    crate::stub::await_start(pid, "systrap stub").map_err(fail)?;
    ptrace::set_options(pid, libc::PTRACE_O_EXITKILL).map_err(|source| {
        fail(Error::Host {
            op: "PTRACE_SETOPTIONS",
            source,
        })
    })?;
    let mut template = Regs::default();
    ptrace::get_regs(pid, &mut template).map_err(|source| {
        fail(Error::Host {
            op: "PTRACE_GETREGS",
            source,
        })
    })?;
    Ok((pid, template))
}

/// Injects `clone` at the systrap clone site of the stopped leader.
fn clone_on_factory(pid: i32, template: Regs, sites: Sites, slot: u64) -> Result<i32> {
    let mut regs = template;
    regs.rip = sites.clone;
    regs.rax = libc::SYS_clone as u64;
    regs.orig_rax = u64::MAX;
    regs.rdi = THREAD_FLAGS;
    regs.rsi = slot + SLOT_SIZE;
    regs.rdx = 0;
    regs.r10 = slot + OFF_CTID;
    regs.r8 = 0;
    regs.r12 = slot;
    let host = |op| move |source| Error::Host { op, source };
    ptrace::set_regs(pid, &regs).map_err(host("PTRACE_SETREGS(clone)"))?;
    ptrace::cont(pid, 0).map_err(host("PTRACE_CONT(clone)"))?;
    match sys::waitpid(pid).map_err(host("waitpid(clone)"))? {
        WaitStatus::Stopped {
            sig: libc::SIGTRAP, ..
        } => {}
        other => {
            return Err(Error::StubDied {
                pid,
                why: format!("clone injection: {other:?}"),
            })
        }
    }
    let mut after = Regs::default();
    ptrace::get_regs(pid, &mut after).map_err(host("PTRACE_GETREGS(clone)"))?;
    if after.rip != sites.clone_trap {
        return Err(Error::StubDied {
            pid,
            why: format!("clone injection stopped at {:#x}", after.rip),
        });
    }
    let r = inject::host_result("clone(stub thread)", after.rax as i64)?;
    i32::try_from(r).map_err(|_| Error::Invalid("clone returned a bad thread id"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mf() -> Arc<MemoryFile> {
        Arc::new(MemoryFile::new(1 << 30).unwrap())
    }

    fn maps(pid: i32) -> String {
        std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap()
    }

    #[test]
    fn a_stub_has_only_the_region_and_the_memory_file() {
        let f = mf();
        let s = SystrapAddressSpace::new(f.clone()).unwrap();
        let fds: Vec<_> = std::fs::read_dir(format!("/proc/{}/fd", s.pid()))
            .unwrap()
            .collect();
        assert_eq!(fds.len(), 1);
        s.map(
            0x40_0000,
            2 * PAGE_SIZE,
            Prot {
                read: true,
                write: false,
                exec: true,
            },
            4 * PAGE_SIZE,
        )
        .unwrap();
        let m = maps(s.pid());
        assert!(
            m.lines()
                .any(|l| l.starts_with("00400000-00402000 r-xs 00004000")),
            "{m}"
        );
        assert!(m.contains("systrap-slots"), "{m}");
        s.protect(
            0x40_0000,
            PAGE_SIZE,
            Prot {
                read: true,
                write: true,
                exec: false,
            },
        )
        .unwrap();
        assert!(maps(s.pid())
            .lines()
            .any(|l| l.starts_with("00400000-00401000 rw-s")));
        s.unmap(0x40_0000, 2 * PAGE_SIZE).unwrap();
        assert!(!maps(s.pid()).lines().any(|l| l.starts_with("00400000")));
    }

    #[test]
    fn bad_requests_are_errors() {
        let s = SystrapAddressSpace::new(mf()).unwrap();
        let rw = Prot {
            read: true,
            write: true,
            exec: false,
        };
        assert!(s.map(0x40_0001, PAGE_SIZE, rw, 0).is_err());
        assert!(s.map(0x40_0000, PAGE_SIZE, rw, 1 << 30).is_err());
        assert!(s
            .map(crate::stub::layout::STUB_REGION_START, PAGE_SIZE, rw, 0)
            .is_err());
        assert!(s.unmap(0, PAGE_SIZE).is_err());
        assert!(s.protect(u64::MAX - PAGE_SIZE + 1, PAGE_SIZE, rw).is_err());
    }

    #[test]
    fn drop_kills_and_reaps_and_outside_kill_is_seen() {
        let s = SystrapAddressSpace::new(mf()).unwrap();
        assert!(!s.is_dead());
        sys::kill(s.pid(), libc::SIGKILL).unwrap();
        while !s.is_dead() {
            std::thread::yield_now();
        }
        let pid = s.pid();
        drop(s);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    }
}
