//! A systrap context: one application thread, run by one stub thread per
//! address space it is switched into.
//!
//! A switch writes the thread's state into its slot, publishes
//! `STATE_RESUME`, and waits (see [`super::wake`]) for the handler to
//! publish the next `STATE_EVENT`; then it reads the state back and
//! classifies the signal that stopped the thread.

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Weak};

use super::layout::*;
use super::patch;
use super::regs;
use super::space::{SystrapAddressSpace, SIG_INTERRUPT};
use super::wake::{self, InFlight, Locality, Spinner, WakeScheme};
use crate::{
    Access, AddressSpace, Context, CpuState, Error, Event, Interrupter, Result, SignalInfo,
};

/// `si_code` of a seccomp `SIGSYS`.
const SYS_SECCOMP: i32 = 1;
/// Page-fault error code bits.
const PF_WRITE: u64 = 1 << 1;
const PF_INSTR: u64 = 1 << 4;

/// What interrupters and the switching thread share.
#[derive(Debug, Default)]
struct Shared {
    /// An interrupt is owed to the next or current switch.
    pending: AtomicBool,
    /// The application thread runs (between resume and event).
    running: AtomicBool,
    /// `pid << 32 | tid` of the stub thread, 0 if none.
    target: AtomicU64,
    /// Interrupt signals sent so far.
    sent: AtomicU64,
    /// When (see [`now_ms`]) an interrupt signal was sent to the running
    /// thread and not answered yet; 0 if none.
    sent_at: AtomicU64,
}

/// How long a running thread may leave an interrupt unanswered. Only an
/// application that blocked the interrupt signal (with a forged
/// `rt_sigreturn` frame) gets near it; its stub is then killed, so a
/// hostile thread can never make itself unpreemptible.
const INTERRUPT_DEADLINE_MS: u64 = 1000;

/// Milliseconds since the first call, never 0.
fn now_ms() -> u64 {
    static BASE: std::sync::OnceLock<std::time::Instant> = std::sync::OnceLock::new();
    BASE.get_or_init(std::time::Instant::now)
        .elapsed()
        .as_millis() as u64
        + 1
}

/// The stub thread serving this context in one address space.
///
/// The context holds the space weakly: dropping the last strong reference
/// ends the stub process, thread included.
struct StubThread {
    space: Weak<dyn AddressSpace>,
    slot: usize,
}

impl StubThread {
    fn is_in(&self, space: &Arc<dyn AddressSpace>) -> bool {
        std::ptr::addr_eq(self.space.as_ptr(), Arc::as_ptr(space))
    }
}

/// TSC stamps of the last switch, for benchmarks: where a round trip goes.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Timeline {
    /// The Sentry published `STATE_RESUME`.
    pub published: u64,
    /// The stub's handler saw it (reported by the stub: untrusted).
    pub resumed: u64,
    /// The stub's handler started on the next signal (untrusted).
    pub entry: u64,
    /// The Sentry saw `STATE_EVENT`.
    pub seen: u64,
}

fn tsc() -> u64 {
    // SAFETY: `rdtsc` has no preconditions on x86-64.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
}

/// A systrap [`Context`].
pub struct SystrapContext {
    timeline: Timeline,
    scheme: WakeScheme,
    /// Whether this switch spins (decided per switch for `Adaptive`).
    spin_now: bool,
    /// `Shared::sent` when the stub last dropped queued interrupt signals.
    drained: u64,
    /// The FP state reported at the last event (skip the write-back when
    /// the caller did not change it).
    last_fp: Vec<u8>,
    /// Scratch space for merging FP state into the frame.
    fp_buf: Vec<u8>,
    /// The last event was a system call trapped at an unpatched site that
    /// was not refused before.
    patchable: bool,
    shared: Arc<Shared>,
    thread: Option<StubThread>,
    spinner: Spinner,
    locality: Locality,
}

impl SystrapContext {
    /// A context that has no stub thread yet (made on the first switch).
    pub fn new(scheme: WakeScheme) -> SystrapContext {
        SystrapContext {
            timeline: Timeline::default(),
            scheme,
            spin_now: scheme == WakeScheme::Spin,
            last_fp: Vec::new(),
            drained: 0,
            fp_buf: Vec::new(),
            patchable: false,
            shared: Arc::default(),
            thread: None,
            spinner: Spinner::default(),
            locality: Locality::default(),
        }
    }

    /// TSC stamps of the last completed switch.
    pub fn timeline(&self) -> Timeline {
        self.timeline
    }

    fn release(&mut self) {
        self.shared.target.store(0, Ordering::SeqCst);
        if let Some(t) = self.thread.take() {
            if let Some(space) = t.space.upgrade() {
                if let Some(sas) = space.as_any().downcast_ref::<SystrapAddressSpace>() {
                    sas.release_slot(t.slot, true);
                }
            }
        }
    }

    /// Waits for the next event in `slot`; an error if the stub thread or
    /// process is gone.
    fn wait_event(&mut self, sas: &SystrapAddressSpace, slot: usize) -> Result<()> {
        let s = sas.slots().slot(slot);
        let ok = self.spinner.wait(
            self.spin_now,
            s.word(OFF_STATE),
            STATE_EVENT,
            s.word(OFF_SENTRY_SLEEPING),
            || {
                if sas.is_dead() || s.word(OFF_CTID).load(Ordering::SeqCst) == 0 {
                    return true;
                }
                let sent = self.shared.sent_at.load(Ordering::SeqCst);
                if sent != 0 && now_ms().saturating_sub(sent) > INTERRUPT_DEADLINE_MS {
                    let _ = crate::sys::kill(sas.pid(), libc::SIGKILL);
                    return true;
                }
                false
            },
        );
        if ok {
            Ok(())
        } else {
            let why = if self.shared.sent_at.load(Ordering::SeqCst) != 0 {
                "stub ignored an interrupt (signal blocked) and was killed"
            } else if sas.is_dead() {
                "stub process ended"
            } else {
                "stub thread ended"
            };
            Err(Error::StubDied {
                pid: sas.pid(),
                why: why.into(),
            })
        }
    }

    fn start_thread(
        &mut self,
        space: &Arc<dyn AddressSpace>,
        sas: &SystrapAddressSpace,
    ) -> Result<()> {
        // The new thread's frame holds its own FP state, not the last one.
        self.last_fp.clear();
        let i = sas.alloc_slot()?;
        // A reused slot may still hold a signal kept for its last thread.
        sas.slots()
            .slot(i)
            .word(OFF_PENDING_SIGNO)
            .store(0, Ordering::SeqCst);
        let tid = match sas.new_thread(i) {
            Ok(t) => t,
            Err(e) => {
                sas.release_slot(i, false);
                return Err(e);
            }
        };
        self.thread = Some(StubThread {
            space: Arc::downgrade(space),
            slot: i,
        });
        let started = self.await_first_trap(sas, i);
        if let Err(e) = started {
            self.release();
            return Err(e);
        }
        let target = (u64::from(sas.pid() as u32) << 32) | u64::from(tid as u32);
        self.shared.target.store(target, Ordering::SeqCst);
        Ok(())
    }

    /// Waits for a new thread's first event, the `int3` at the end of its
    /// start-up. Signals sent to the stub from outside may stop it earlier;
    /// those are dropped and the thread resumed (bounded, so a flood of
    /// them is an error, not a hang).
    fn await_first_trap(&mut self, sas: &SystrapAddressSpace, i: usize) -> Result<()> {
        let s = sas.slots().slot(i);
        for _ in 0..1000 {
            self.wait_event(sas, i)?;
            let signo = s.word(OFF_SIGNO).load(Ordering::SeqCst) as i32;
            let rip = s.read_u64(OFF_GREGS + 16 * 8);
            if signo == libc::SIGTRAP && rip == sas.sites().first_trap {
                return Ok(());
            }
            wake::publish(s.word(OFF_STATE), STATE_RESUME, s.word(OFF_STUB_SLEEPING));
        }
        Err(Error::StubDied {
            pid: sas.pid(),
            why: "stub thread start never completed".into(),
        })
    }

    /// An asynchronous signal that hit the thread inside the trampoline
    /// and was kept in the slot: the event for it (the thread stays where
    /// it is, `state` is its state), unless it is a stale interrupt.
    fn kept_signal(&mut self, s: &super::slots::Slot<'_>, state: &CpuState) -> Option<Event> {
        let signo = s.word(OFF_PENDING_SIGNO).swap(0, Ordering::SeqCst) as i32;
        if signo == 0 {
            return None;
        }
        let code = s.word(OFF_PENDING_CODE).load(Ordering::SeqCst) as i32;
        let ev = classify(signo, code, s.read_u64(OFF_PENDING_ADDR), 0, state.regs.rip);
        if ev == Event::Interrupted && !self.shared.pending.swap(false, Ordering::SeqCst) {
            return None;
        }
        Some(ev)
    }

    fn write_state(&mut self, sas: &SystrapAddressSpace, slot: usize, state: &CpuState) {
        let s = sas.slots().slot(slot);
        for (i, v) in regs::to_gregs(&state.regs).iter().enumerate() {
            s.write_u64(OFF_GREGS + 8 * i as u64, *v);
        }
        s.write_u64(OFF_FS_BASE, state.regs.fs_base);
        // A thread without a gs base of its own gets its slot there: that
        // is how the trampoline of patched system calls finds the slot.
        let gs = match state.regs.gs_base {
            0 => slot_addr(slot as u64),
            g => g,
        };
        s.write_u64(OFF_GS_BASE, gs);
        // Unchanged since the last event: the slot still holds that frame.
        if !state.fpstate.bytes.is_empty() && state.fpstate.bytes == self.last_fp {
            return;
        }
        let len = (s.word(OFF_FP_LEN).load(Ordering::SeqCst) as u64).min(FP_MAX) as usize;
        if len >= 512 {
            let frame = &mut self.fp_buf;
            frame.resize(len, 0);
            s.read_bytes(OFF_FP, frame);
            if state.fpstate.bytes.is_empty() {
                regs::merge_fp(frame, &regs::initial_fp());
            } else {
                regs::merge_fp(frame, &state.fpstate.bytes);
            }
            s.write_bytes(OFF_FP, frame);
            s.word(OFF_FP_DIRTY).store(1, Ordering::SeqCst);
        }
    }

    fn read_state(
        &mut self,
        sas: &SystrapAddressSpace,
        slot: usize,
        state: &mut CpuState,
    ) -> (i32, i32, u64, u64) {
        let s = sas.slots().slot(slot);
        let mut g = [0u64; NGREG];
        for (i, v) in g.iter_mut().enumerate() {
            *v = s.read_u64(OFF_GREGS + 8 * i as u64);
        }
        let gs = match s.read_u64(OFF_GS_BASE) {
            g if g == slot_addr(slot as u64) => 0,
            g => g,
        };
        state.regs = regs::from_gregs(&g, s.read_u64(OFF_FS_BASE), gs);
        let len = (s.word(OFF_FP_LEN).load(Ordering::SeqCst) as u64).min(FP_MAX) as usize;
        let want = xsave_size();
        state.fpstate.bytes.resize(want, 0);
        let n = len.min(want);
        s.read_bytes(OFF_FP, &mut state.fpstate.bytes[..n]);
        state.fpstate.bytes[n..].fill(0);
        self.last_fp.clone_from(&state.fpstate.bytes);
        let signo = s.word(OFF_SIGNO).load(Ordering::SeqCst) as i32;
        let code = s.word(OFF_CODE).load(Ordering::SeqCst) as i32;
        (signo, code, s.read_u64(OFF_ADDR), g[regs::REG_ERR])
    }
}

/// Turns what a patched system call site produced into the system call it
/// stands for, or `None` if the event is something else:
/// - signal number 0: the trampoline served the call (registers already
///   as after `syscall`);
/// - `SIGILL` at the trampoline's `ud2`: entry `rcx / 2` is unknown in
///   this address space (inherited patched code; filled in here from the
///   platform-wide registry) or the thread's `gs_base` is its own;
/// - `SIGILL` at a patched site + 5: the thread ran the old `mov` before
///   the patch, or jumped there; it is the `syscall` that was there, with
///   the thread's own `rax`.
fn patched_syscall(sas: &SystrapAddressSpace, signo: i32, state: &mut CpuState) -> Option<Event> {
    if signo == 0 {
        sas.count_fast_syscall();
        return Some(Event::Syscall);
    }
    if signo != libc::SIGILL {
        return None;
    }
    let r = &mut state.regs;
    if r.rip == sas.sites().tramp_fallback {
        let k = (r.rcx >> 1) % TRAP_ENTRIES;
        let (ret, nr) = patch::entry(k)?;
        sas.slots().set_trap_info(k, ret, nr);
        sas.know_site(ret.wrapping_sub(patch::SITE_LEN));
        r.rip = ret;
        r.rax = nr;
    } else if sas.knows_site(r.rip.wrapping_sub(patch::SYSCALL_OFFSET)) {
        r.rip = r.rip.wrapping_add(2);
    } else {
        return None;
    }
    r.rcx = r.rip;
    r.r11 = r.eflags;
    Some(Event::Syscall)
}

/// This CPU's XSAVE size, asked once: `CPUID` exits to the hypervisor on
/// virtual machines and costs microseconds.
fn xsave_size() -> usize {
    static SIZE: std::sync::OnceLock<usize> = std::sync::OnceLock::new();
    *SIZE.get_or_init(crate::xsave_size)
}

/// Turns the signal that stopped an application thread at `rip` into an
/// event. A seccomp `SIGSYS` is a system call only if it came from a
/// `syscall` instruction (its call address is the `rip` after it); one from
/// the host's vsyscall emulation (call address in the vsyscall page) is
/// reported as the signal.
pub fn classify(signo: i32, code: i32, addr: u64, err: u64, rip: u64) -> Event {
    let info = SignalInfo { signo, code, addr };
    match signo {
        libc::SIGSYS if code == SYS_SECCOMP && addr == rip => Event::Syscall,
        SIG_INTERRUPT => Event::Interrupted,
        libc::SIGSEGV if (1..=4).contains(&code) => Event::Fault {
            addr,
            access: access(err),
            info,
        },
        libc::SIGBUS if (1..=3).contains(&code) => Event::Fault {
            addr,
            access: access(err),
            info,
        },
        _ => Event::Signal(info),
    }
}

fn access(err: u64) -> Access {
    let write = err & PF_WRITE != 0;
    let exec = err & PF_INSTR != 0;
    Access {
        read: !write && !exec,
        write,
        exec,
    }
}

impl Context for SystrapContext {
    fn switch(&mut self, space: &Arc<dyn AddressSpace>, state: &mut CpuState) -> Result<Event> {
        let sas = space
            .as_any()
            .downcast_ref::<SystrapAddressSpace>()
            .ok_or(Error::Invalid("not a systrap address space"))?;
        if !regs::canonical(state.regs.fs_base) || !regs::canonical(state.regs.gs_base) {
            return Err(Error::Invalid("non-canonical fs_base or gs_base"));
        }
        if self.thread.as_ref().is_some_and(|t| !t.is_in(space)) {
            self.release();
        }
        if self.thread.is_none() {
            self.start_thread(space, sas)?;
        }
        let slot = self
            .thread
            .as_ref()
            .map(|t| t.slot)
            .ok_or(Error::Invalid("no stub thread"))?;
        self.write_state(sas, slot, state);
        self.patchable = false;
        let _in_flight = InFlight::enter();
        self.shared.running.store(true, Ordering::SeqCst);
        if self.shared.pending.swap(false, Ordering::SeqCst) {
            self.shared.running.store(false, Ordering::SeqCst);
            return Ok(Event::Interrupted);
        }
        let s = sas.slots().slot(slot);
        self.spin_now = match self.scheme {
            WakeScheme::Spin => true,
            WakeScheme::Adaptive => self.spinner.spinning_pays(),
            WakeScheme::Futex | WakeScheme::Locality => false,
        };
        let follow = match self.scheme {
            WakeScheme::Locality => true,
            WakeScheme::Adaptive => !self.spin_now,
            WakeScheme::Futex | WakeScheme::Spin => false,
        };
        s.word(OFF_SPIN)
            .store(self.spinner.stub_budget(self.spin_now), Ordering::Relaxed);
        if follow {
            let stub_tid = self.shared.target.load(Ordering::Relaxed) as u32 as i32;
            self.locality
                .follow(s.word(OFF_CPU).load(Ordering::Relaxed), stub_tid);
        } else {
            self.locality.release();
        }
        loop {
            if let Some(ev) = self.kept_signal(&s, state) {
                self.shared.running.store(false, Ordering::SeqCst);
                self.shared.sent_at.store(0, Ordering::SeqCst);
                return Ok(ev);
            }
            let sent = self.shared.sent.load(Ordering::SeqCst);
            if sent != self.drained {
                self.drained = sent;
                s.word(OFF_DRAIN).store(1, Ordering::SeqCst);
            }
            let published = tsc();
            wake::publish(s.word(OFF_STATE), STATE_RESUME, s.word(OFF_STUB_SLEEPING));
            let waited = self.wait_event(sas, slot);
            self.timeline = Timeline {
                published,
                resumed: s.read_u64(OFF_T_RESUMED),
                entry: s.read_u64(OFF_T_ENTRY),
                seen: tsc(),
            };
            if let Err(e) = waited {
                self.shared.running.store(false, Ordering::SeqCst);
                self.shared.sent_at.store(0, Ordering::SeqCst);
                self.release();
                return Err(e);
            }
            let (signo, code, addr, err) = self.read_state(sas, slot, state);
            let ev = patched_syscall(sas, signo, state)
                .unwrap_or_else(|| classify(signo, code, addr, err, state.regs.rip));
            // An interrupt signal with no interrupt owed is stale: sent while
            // the thread was already stopping for an earlier event and
            // delivered at this resume. Answering it would starve the thread.
            if ev == Event::Interrupted && !self.shared.pending.swap(false, Ordering::SeqCst) {
                continue;
            }
            self.shared.running.store(false, Ordering::SeqCst);
            self.shared.sent_at.store(0, Ordering::SeqCst);
            if ev == Event::Syscall {
                state.regs.orig_rax = state.regs.rax;
                self.patchable = signo == libc::SIGSYS
                    && sas.patches_syscalls()
                    && !sas.refused_site(state.regs.rip.wrapping_sub(patch::SITE_LEN));
            }
            return Ok(ev);
        }
    }

    fn patchable_syscall(&self) -> bool {
        self.patchable
    }

    fn interrupter(&self) -> Interrupter {
        let sh = self.shared.clone();
        Interrupter(Arc::new(move || {
            sh.pending.store(true, Ordering::SeqCst);
            if sh.running.load(Ordering::SeqCst) {
                let t = sh.target.load(Ordering::SeqCst);
                if t != 0 {
                    let _ = sh.sent_at.compare_exchange(
                        0,
                        now_ms(),
                        Ordering::SeqCst,
                        Ordering::SeqCst,
                    );
                    sh.sent.fetch_add(1, Ordering::SeqCst);
                    let _ = crate::sys::tgkill((t >> 32) as i32, t as u32 as i32, SIG_INTERRUPT);
                }
            }
        }))
    }
}

impl Drop for SystrapContext {
    fn drop(&mut self) {
        self.release();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{MemoryFile, Platform, Prot};

    const CODE: u64 = 0x40_0000;
    /// `mov eax, 39; syscall; jmp -9`: getpid forever.
    const GETPID_LOOP: [u8; 9] = [0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7];

    fn platform(scheme: WakeScheme) -> super::super::SystrapPlatform {
        let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
        super::super::SystrapPlatform::new(mf, scheme).unwrap()
    }

    fn space_with(p: &super::super::SystrapPlatform, code: &[u8]) -> Arc<dyn AddressSpace> {
        let space = p.new_address_space().unwrap();
        p.memory_file().write_at(0, code).unwrap();
        space
            .map(
                CODE,
                4096,
                Prot {
                    read: true,
                    write: false,
                    exec: true,
                },
                0,
            )
            .unwrap();
        space
    }

    #[test]
    fn every_wake_scheme_serves_syscalls() {
        for scheme in WakeScheme::ALL {
            let p = platform(scheme);
            let space = space_with(&p, &GETPID_LOOP);
            let mut ctx = p.new_context().unwrap();
            let mut st = CpuState::new(CODE, 0);
            for i in 0..100u64 {
                assert_eq!(
                    ctx.switch(&space, &mut st).unwrap(),
                    Event::Syscall,
                    "{scheme:?}"
                );
                assert_eq!(st.regs.orig_rax, 39);
                assert_eq!(st.regs.rip, CODE + 7);
                st.regs.rax = i;
            }
        }
    }

    #[test]
    fn handler_sites_called_by_the_application_are_trapped() {
        let p = platform(WakeScheme::default());
        let sites = super::super::code::sites();
        for site in [sites.wake, sites.wait, sites.exit, sites.sigreturn] {
            // movabs rbx, site - 2; mov eax, 9 (mmap); jmp rbx
            let mut code = vec![0x48, 0xbb];
            code.extend_from_slice(&(site - 2).to_le_bytes());
            code.extend_from_slice(&[0xb8, 9, 0, 0, 0, 0xff, 0xe3]);
            let space = space_with(&p, &code);
            let pid = space.stub_pid().unwrap();
            let before = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
            let mut ctx = p.new_context().unwrap();
            let mut st = CpuState::new(CODE, 0);
            st.regs.rdi = 0x60_0000;
            st.regs.rsi = 4096;
            st.regs.rdx = 7;
            st.regs.r10 = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
            st.regs.r8 = p.memory_file().raw_fd() as u64;
            assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
            assert_eq!((st.regs.orig_rax, st.regs.rip), (9, site));
            assert_eq!(
                std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap(),
                before
            );
        }
    }

    #[test]
    fn a_thread_that_blocks_interrupts_is_killed() {
        let p = platform(WakeScheme::default());
        let sites = super::super::code::sites();
        const DATA: u64 = 0x60_0000;
        // movabs rsp, DATA + 0x100; mov eax, 15; movabs rbx, restorer
        // syscall; jmp rbx; ... at +0x100: jmp $
        let mut code = vec![0x48, 0xbc];
        code.extend_from_slice(&(DATA + 0x100).to_le_bytes());
        code.extend_from_slice(&[0xb8, 15, 0, 0, 0, 0x48, 0xbb]);
        code.extend_from_slice(&(sites.sigreturn - 2).to_le_bytes());
        code.extend_from_slice(&[0xff, 0xe3]);
        code.resize(0x100, 0x90);
        code.extend_from_slice(&[0xeb, 0xfe]);
        // A forged rt_sigreturn frame that blocks every signal.
        let mut uc = vec![0u8; 512];
        let mut put = |off: usize, v: u64| uc[off..off + 8].copy_from_slice(&v.to_le_bytes());
        put(16, slot_addr(0) + OFF_STACK);
        put(32, STACK_LEN);
        put(40 + 15 * 8, DATA + 0x800);
        put(40 + 16 * 8, CODE + 0x100);
        put(40 + 17 * 8, 0x202);
        put(40 + 18 * 8, 0x33 | (0x2b << 48));
        put(296, u64::MAX);
        let space = space_with(&p, &code);
        p.memory_file().write_at(4096 + 0x100, &uc).unwrap();
        let rw = Prot {
            read: true,
            write: true,
            exec: false,
        };
        space.map(DATA, 4096, rw, 4096).unwrap();
        let mut ctx = p.new_context().unwrap();
        let intr = ctx.interrupter();
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let t = std::thread::spawn(move || {
            while !d2.load(Ordering::SeqCst) {
                intr.interrupt();
                std::thread::yield_now();
            }
        });
        let mut st = CpuState::new(CODE, 0);
        // Interrupts answer until the forged frame blocks them.
        let mut r = ctx.switch(&space, &mut st);
        for _ in 0..100_000 {
            if !matches!(r, Ok(Event::Interrupted)) {
                break;
            }
            r = ctx.switch(&space, &mut st);
        }
        done.store(true, Ordering::SeqCst);
        t.join().unwrap();
        match r {
            Err(Error::StubDied { why, .. }) => assert!(why.contains("interrupt"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn host_signals_from_outside_are_events() {
        let p = platform(WakeScheme::default());
        // mov eax, 39; syscall; jmp $
        let space = space_with(&p, &[0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xfe]);
        let pid = space.stub_pid().unwrap();
        let mut ctx = p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let t = std::thread::spawn(move || {
            while !d2.load(Ordering::SeqCst) {
                let _ = crate::sys::kill(pid, libc::SIGHUP);
                std::thread::yield_now();
            }
        });
        let ev = ctx.switch(&space, &mut st);
        done.store(true, Ordering::SeqCst);
        t.join().unwrap();
        match ev {
            Ok(Event::Signal(info)) => assert_eq!((info.signo, info.code), (libc::SIGHUP, 0)),
            other => panic!("{other:?}"),
        }
        assert_eq!(st.regs.rip, CODE + 7);
    }

    #[test]
    fn a_thread_makes_progress_under_an_interrupt_storm() {
        // xor eax, eax; 1: inc rax; jmp 1b
        let p = platform(WakeScheme::default());
        let space = space_with(&p, &[0x31, 0xc0, 0x48, 0xff, 0xc0, 0xeb, 0xfb]);
        let mut ctx = p.new_context().unwrap();
        let intr = ctx.interrupter();
        let done = Arc::new(AtomicBool::new(false));
        let d2 = done.clone();
        let t = std::thread::spawn(move || {
            while !d2.load(Ordering::SeqCst) {
                intr.interrupt();
                std::thread::yield_now();
            }
        });
        let mut st = CpuState::new(CODE, 0);
        let mut progress = 0;
        for _ in 0..2000 {
            assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Interrupted);
            if st.regs.rax > 0 {
                progress += 1;
            }
        }
        done.store(true, Ordering::SeqCst);
        t.join().unwrap();
        assert!(progress > 100, "{progress} of 2000 switches ran the thread");
    }

    #[test]
    fn int80_kills_the_stub() {
        let p = platform(WakeScheme::default());
        // mov eax, 20 (i386 getpid); int 0x80
        let space = space_with(&p, &[0xb8, 20, 0, 0, 0, 0xcd, 0x80]);
        let mut ctx = p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert!(matches!(
            ctx.switch(&space, &mut st),
            Err(Error::StubDied { .. })
        ));
    }

    #[test]
    fn slots_are_reused_beyond_the_thread_limit() {
        let p = platform(WakeScheme::Futex);
        let space = space_with(&p, &GETPID_LOOP);
        for _ in 0..(MAX_THREADS + 8) {
            let mut ctx = p.new_context().unwrap();
            let mut st = CpuState::new(CODE, 0);
            assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        }
    }

    #[test]
    fn fp_state_follows_a_context_into_another_space() {
        // movq rdi, xmm0 (66 48 0f 7e c7); mov eax, 39; syscall; jmp back
        let code = [
            0x66, 0x48, 0x0f, 0x7e, 0xc7, 0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf2,
        ];
        let p = platform(WakeScheme::default());
        let a = space_with(&p, &code);
        let b = space_with(&p, &code);
        let mut ctx = p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&a, &mut st).unwrap(), Event::Syscall);
        // xmm0 lives at offset 160 of the XSAVE legacy area.
        st.fpstate.bytes[160..168].copy_from_slice(&0x1234_5678_9abc_def0u64.to_le_bytes());
        assert_eq!(ctx.switch(&a, &mut st).unwrap(), Event::Syscall);
        assert_eq!(st.regs.rdi, 0x1234_5678_9abc_def0);
        st.regs.rip = CODE;
        assert_eq!(ctx.switch(&b, &mut st).unwrap(), Event::Syscall);
        assert_eq!(st.regs.rdi, 0x1234_5678_9abc_def0);
    }

    #[test]
    fn a_context_moves_between_address_spaces() {
        let p = platform(WakeScheme::default());
        let a = space_with(&p, &GETPID_LOOP);
        let b = space_with(&p, &GETPID_LOOP);
        let mut ctx = p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        for space in [&a, &b, &a] {
            assert_eq!(ctx.switch(space, &mut st).unwrap(), Event::Syscall);
        }
    }

    #[test]
    fn signals_are_classified() {
        assert_eq!(classify(libc::SIGSYS, 1, 0x4002, 0, 0x4002), Event::Syscall);
        assert!(matches!(
            classify(libc::SIGSYS, 1, 0xffff_ffff_ff60_0000, 0, 0x4002),
            Event::Signal(_)
        ));
        assert!(matches!(
            classify(libc::SIGSYS, 0, 0x4002, 0, 0x4002),
            Event::Signal(_)
        ));
        assert_eq!(classify(SIG_INTERRUPT, 0, 0, 0, 0), Event::Interrupted);
        match classify(libc::SIGSEGV, 2, 0x1000, PF_WRITE | 1, 0) {
            Event::Fault { addr, access, .. } => {
                assert_eq!(addr, 0x1000);
                assert_eq!(
                    access,
                    Access {
                        read: false,
                        write: true,
                        exec: false
                    }
                );
            }
            e => panic!("{e:?}"),
        }
        match classify(libc::SIGSEGV, 1, 8, PF_INSTR, 0) {
            Event::Fault { access, .. } => assert!(access.exec && !access.read),
            e => panic!("{e:?}"),
        }
        assert!(matches!(
            classify(libc::SIGSEGV, 0x80, 0, 0, 0),
            Event::Signal(_)
        ));
        assert!(matches!(
            classify(libc::SIGTRAP, 1, 0, 0, 0),
            Event::Signal(SignalInfo {
                signo: libc::SIGTRAP,
                ..
            })
        ));
    }
}
