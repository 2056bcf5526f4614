//! System call patching on the systrap platform: a patched site serves the
//! same calls with the same results, without a signal; hostile jumps into
//! the trampoline make no host system call.

use std::sync::Arc;

use platform::systrap::layout::{ENTRY_CODE, ENTRY_LEN, TRAP_ENTRIES};
use platform::systrap::{code, SystrapAddressSpace, SystrapPlatform, WakeScheme};
use platform::{AddressSpace, Context, CpuState, Event, MemoryFile, Platform, Prot};

const CODE: u64 = 0x40_0000;
const STACK: u64 = 0x50_0000;
const RX: Prot = Prot {
    read: true,
    write: false,
    exec: true,
};
const RW: Prot = Prot {
    read: true,
    write: true,
    exec: false,
};

fn platform() -> SystrapPlatform {
    let mf = Arc::new(MemoryFile::new(1 << 24).unwrap());
    SystrapPlatform::new(mf, WakeScheme::Spin).unwrap()
}

/// A space with `code` at [`CODE`] (file page 0) and a stack page below
/// [`STACK`] (file page 1).
fn space_with(p: &SystrapPlatform, code: &[u8]) -> Arc<dyn AddressSpace> {
    let space = p.new_address_space().unwrap();
    p.memory_file().write_at(0, code).unwrap();
    space.map(CODE, 4096, RX, 0).unwrap();
    space.map(STACK - 4096, 4096, RW, 4096).unwrap();
    space
}

fn sas(space: &Arc<dyn AddressSpace>) -> &SystrapAddressSpace {
    space.as_any().downcast_ref().unwrap()
}

/// `mov [rsp-8], rbx; mov eax, 39; syscall; mov rdi, rax;
/// mov rsi, [rsp-8]; movq rdx, xmm0; jmp 0`: getpid forever; after each
/// call rdi holds the result, rsi what the red zone held, rdx xmm0.
const LOOP: [u8; 31] = [
    0x48, 0x89, 0x5c, 0x24, 0xf8, // mov [rsp-8], rbx
    0xb8, 39, 0, 0, 0, // mov eax, 39
    0x0f, 0x05, // syscall
    0x48, 0x89, 0xc7, // mov rdi, rax
    0x48, 0x8b, 0x74, 0x24, 0xf8, // mov rsi, [rsp-8]
    0x66, 0x48, 0x0f, 0x7e, 0xc2, // movq rdx, xmm0
    0x48, 0x31, 0xc0, // xor rax, rax
    0xeb, 0xe2, // jmp 0
    0x90,
];
/// Return address of the loop's `syscall`.
const RET: u64 = CODE + 12;

/// A thread that made the loop's first call through the signal path, and
/// the loop's site patched.
fn patched_loop() -> (
    SystrapPlatform,
    Arc<dyn AddressSpace>,
    Box<dyn Context>,
    CpuState,
) {
    let p = platform();
    let space = space_with(&p, &LOOP);
    let mut ctx = p.new_context().unwrap();
    let mut st = CpuState::new(CODE, STACK);
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert_eq!((st.regs.orig_rax, st.regs.rip), (39, RET));
    assert!(space.patch_syscall(RET, 39, Some(5)).unwrap());
    (p, space, ctx, st)
}

#[test]
fn a_patched_site_serves_the_same_calls_without_a_signal() {
    let p = platform();
    let space = space_with(&p, &LOOP);
    let mut ctx = p.new_context().unwrap();
    let mut st = CpuState::new(CODE, STACK);
    st.regs.rbx = 0x5eed;
    st.regs.r12 = 0x1212;
    st.regs.fs_base = 0x7000_1000;
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert_eq!((st.regs.orig_rax, st.regs.rip), (39, RET));
    assert!(space.patches_syscalls());
    assert!(space.patch_syscall(RET, 39, Some(5)).unwrap());
    let mut site = [0u8; 7];
    p.memory_file().read_at(5, &mut site).unwrap();
    assert_eq!(&site[..3], &[0xff, 0x24, 0x25]);
    assert_eq!(site[5], 0x06);
    // Not the same sequence again: left alone.
    assert!(!space.patch_syscall(RET, 39, Some(5)).unwrap());
    for i in 0..200u64 {
        let answer = 1000 + i;
        st.regs.rax = answer;
        st.regs.rbx = 0x5eed + i;
        // The caller changes the FP state: xmm0's low half.
        if st.fpstate.bytes.len() >= 168 {
            st.fpstate.bytes[160..168].copy_from_slice(&(0xf00 + i).to_le_bytes());
        }
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!((st.regs.orig_rax, st.regs.rax, st.regs.rip), (39, 39, RET));
        assert_eq!(st.regs.rcx, RET);
        assert_eq!(st.regs.r11, st.regs.eflags);
        assert_eq!(st.regs.rdi, answer);
        // The red zone holds what rbx was before this call.
        assert_eq!(
            st.regs.rsi,
            0x5eed + i.saturating_sub(1),
            "red zone clobbered"
        );
        assert_eq!(st.regs.rdx, 0xf00 + i, "xmm0 not carried");
        assert_eq!(st.regs.r12, 0x1212);
        assert_eq!(st.regs.rsp, STACK);
        assert_eq!((st.regs.fs_base, st.regs.gs_base), (0x7000_1000, 0));
    }
    assert_eq!(sas(&space).fast_syscalls(), 200);
    assert!(
        !ctx.patchable_syscall(),
        "a patched site is not offered again"
    );
}

#[test]
fn a_site_the_kernel_refuses_is_left_alone_and_not_offered_again() {
    // What the kernel does for a page it may not write (a shared mapping,
    // a file's page cache): `None`.
    let p = platform();
    let space = space_with(&p, &LOOP);
    let mut ctx = p.new_context().unwrap();
    let mut st = CpuState::new(CODE, STACK);
    assert!(!ctx.patchable_syscall());
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert!(ctx.patchable_syscall());
    assert!(!space.patch_syscall(RET, 39, None).unwrap());
    for _ in 0..3 {
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert!(!ctx.patchable_syscall());
    }
    let mut code = [0u8; LOOP.len()];
    p.memory_file().read_at(0, &mut code).unwrap();
    assert_eq!(code, LOOP);
    assert_eq!(sas(&space).fast_syscalls(), 0);
}

#[test]
fn a_thread_with_its_own_gs_base_still_gets_its_calls() {
    let (_p, space, mut ctx, mut st) = patched_loop();
    st.regs.gs_base = 0x7000_2000;
    for i in 0..20u64 {
        st.regs.rax = i;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!((st.regs.orig_rax, st.regs.rip, st.regs.rdi), (39, RET, i));
        assert_eq!(st.regs.gs_base, 0x7000_2000);
    }
    assert_eq!(sas(&space).fast_syscalls(), 0);
    // Back to no gs base of its own: the fast path again.
    st.regs.gs_base = 0;
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert_eq!(sas(&space).fast_syscalls(), 1);
}

#[test]
fn inherited_patched_code_is_served_in_another_space() {
    // A fork child: same (patched) code, fresh stub, empty trap table.
    let (p, _parent, _ctx, _st) = patched_loop();
    let child = p.new_address_space().unwrap();
    child.map(CODE, 4096, RX, 0).unwrap();
    child.map(STACK - 4096, 4096, RW, 4096).unwrap();
    let mut cctx = p.new_context().unwrap();
    let mut cst = CpuState::new(CODE, STACK);
    for i in 0..5u64 {
        cst.regs.rax = i;
        assert_eq!(cctx.switch(&child, &mut cst).unwrap(), Event::Syscall);
        assert_eq!((cst.regs.orig_rax, cst.regs.rip), (39, RET));
    }
    // The first call filled the child's table in; the rest were fast.
    assert_eq!(sas(&child).fast_syscalls(), 4);
}

#[test]
fn a_thread_caught_between_mov_and_syscall_gets_its_syscall() {
    // `mov eax, 39; syscall` whose `syscall` is already `06 00`: as if
    // the patch landed after the thread ran the `mov`, or code jumped to
    // site + 5 with its own rax.
    let (_p, space, mut ctx, mut st) = patched_loop();
    st.regs.rip = RET - 2;
    st.regs.rax = 60;
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert_eq!((st.regs.orig_rax, st.regs.rip), (60, RET));
    assert_eq!(sas(&space).fast_syscalls(), 0);
}

#[test]
fn hostile_jumps_into_the_trampoline_make_no_host_syscall() {
    let p = platform();
    let space = space_with(&p, &LOOP);
    let s = code::sites();
    let mut ctx = p.new_context().unwrap();
    let mut st = CpuState::new(CODE, STACK);
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert!(space.patch_syscall(RET, 39, Some(5)).unwrap());
    let mut site = [0u8; 7];
    p.memory_file().read_at(5, &mut site).unwrap();
    let known = (u64::from(u32::from_le_bytes(site[3..7].try_into().unwrap())) - 0x6_0000) / 8;
    // A watchdog: code decoded from the middle of an instruction may loop.
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let target = Arc::new(std::sync::Mutex::new(p.new_context().unwrap()));
    let dog = {
        let (stop, int) = (stop.clone(), target.lock().unwrap().interrupter());
        let int = Arc::new(std::sync::Mutex::new(int));
        let int2 = int.clone();
        let h = std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                std::thread::sleep(std::time::Duration::from_millis(20));
                int2.lock().unwrap().interrupt();
            }
        });
        (h, int)
    };
    let last_entry = ENTRY_CODE + (TRAP_ENTRIES - 1) * ENTRY_LEN;
    let targets = (s.tramp..s.exit + 8).chain([ENTRY_CODE, last_entry, last_entry + 5]);
    let mut hctx = target.lock().unwrap();
    for rip in targets {
        for (gs, k) in [(0, known), (0, TRAP_ENTRIES - 1), (0x1000, known)] {
            // Every register says "exit_group(0)"; a host call would kill
            // the stub process.
            let mut h = CpuState::new(rip, STACK);
            h.regs.rax = 231;
            h.regs.rcx = 2 * k;
            h.regs.gs_base = gs;
            for _ in 0..3 {
                match hctx.switch(&space, &mut h) {
                    Ok(Event::Syscall) => h.regs.rax = 231,
                    Ok(_) => break,
                    Err(e) => {
                        // Only the thread may end (its own `exit`, which
                        // the filter allows); the process lives on.
                        assert!(!sas(&space).is_dead(), "jump to {rip:#x}: {e}");
                        *hctx = p.new_context().unwrap();
                        *dog.1.lock().unwrap() = hctx.interrupter();
                        break;
                    }
                }
            }
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    dog.0.join().unwrap();
    // The stub still serves its own code.
    loop {
        st.regs.rax = 7;
        match ctx.switch(&space, &mut st).unwrap() {
            Event::Interrupted => continue,
            ev => assert_eq!(ev, Event::Syscall),
        }
        break;
    }
    assert_eq!((st.regs.orig_rax, st.regs.rdi), (39, 7));
}

#[test]
fn sites_that_are_not_mov_eax_syscall_are_left_alone() {
    let p = platform();
    // `mov rax, 39` (48 c7 c0 ..) then syscall: not the pattern.
    let code = [0x48, 0xc7, 0xc0, 39, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf5];
    let space = space_with(&p, &code);
    let mut ctx = p.new_context().unwrap();
    let mut st = CpuState::new(CODE, STACK);
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert!(!space.patch_syscall(CODE + 9, 39, Some(2)).unwrap());
    let mut after = [0u8; 11];
    p.memory_file().read_at(0, &mut after).unwrap();
    assert_eq!(after, code);
    // A site that would cross a page, or an offset that does not match
    // the address within its page, is an error.
    assert!(space
        .patch_syscall(CODE + 4096 + 3, 39, Some(4096 - 4))
        .is_err());
    assert!(space.patch_syscall(CODE + 9, 39, Some(3)).is_err());
    assert!(space.patch_syscall(3, 39, Some(0)).is_err());
}

#[test]
fn interrupts_in_the_trampoline_are_reported_at_application_addresses() {
    let (_p, space, mut ctx, mut st) = patched_loop();
    let stop = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let storm = {
        let (stop, int) = (stop.clone(), ctx.interrupter());
        std::thread::spawn(move || {
            while !stop.load(std::sync::atomic::Ordering::SeqCst) {
                int.interrupt();
                std::thread::yield_now();
            }
        })
    };
    let (mut calls, mut interrupts) = (0u64, 0u64);
    let mut expect = None;
    while calls < 3000 {
        match ctx.switch(&space, &mut st).unwrap() {
            Event::Syscall => {
                assert_eq!((st.regs.orig_rax, st.regs.rip), (39, RET));
                if let Some(v) = expect {
                    assert_eq!(st.regs.rdi, v);
                }
                calls += 1;
                st.regs.rax = calls;
                expect = Some(calls);
            }
            Event::Interrupted => {
                assert!(
                    (CODE..CODE + LOOP.len() as u64).contains(&st.regs.rip),
                    "interrupted at {:#x}",
                    st.regs.rip
                );
                assert_eq!(st.regs.rsp, STACK);
                interrupts += 1;
            }
            ev => panic!("{ev:?} at {:#x}", st.regs.rip),
        }
    }
    stop.store(true, std::sync::atomic::Ordering::SeqCst);
    storm.join().unwrap();
    assert!(interrupts > 0);
    assert!(sas(&space).fast_syscalls() > 0);
}

#[test]
fn a_fault_in_the_trampoline_is_reported_with_the_application_state() {
    // A non-canonical rip makes the trampoline's iretq fault; the event
    // must carry the state the Sentry asked for, not the trampoline's.
    let (_p, space, mut ctx, mut st) = patched_loop();
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert_eq!(sas(&space).fast_syscalls(), 1);
    let bad = 0x8000_0000_1000;
    st.regs.rip = bad;
    st.regs.r13 = 0x1313;
    let ev = ctx.switch(&space, &mut st).unwrap();
    assert!(
        matches!(ev, Event::Signal(_) | Event::Fault { .. }),
        "{ev:?}"
    );
    assert_eq!(
        (st.regs.rip, st.regs.r13, st.regs.rsp),
        (bad, 0x1313, STACK)
    );
    // Back to the loop: it goes on.
    st.regs.rip = CODE;
    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    assert_eq!(st.regs.rip, RET);
}
