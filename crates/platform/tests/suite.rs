//! The generic platform suite: every test runs against every platform
//! returned by [`platforms`].

use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use platform::{AddressSpace, CpuState, Event, Options, Platform, PlatformKind, Prot};

/// Every platform implementation under test.
fn platforms() -> Vec<Arc<dyn Platform>> {
    let opts = Options {
        memory_file_size: 1 << 30,
        ..Options::default()
    };
    vec![
        platform::new(PlatformKind::Ptrace, &opts).expect("ptrace platform"),
        platform::new(PlatformKind::Systrap, &opts).expect("systrap platform"),
    ]
}

const PAGE: u64 = 4096;
const CODE: u64 = 0x40_0000;
const DATA: u64 = 0x60_0000;
const RX: Prot = Prot {
    read: true,
    write: false,
    exec: true,
};
const R: Prot = Prot {
    read: true,
    write: false,
    exec: false,
};
const RW: Prot = Prot {
    read: true,
    write: true,
    exec: false,
};
const RWX: Prot = Prot {
    read: true,
    write: true,
    exec: true,
};

const SYS_MKDIR: u64 = 83;
const SYS_MMAP: u64 = 9;

/// A platform with a bump allocator over its memory file.
struct Env {
    p: Arc<dyn Platform>,
    next: AtomicU64,
}

impl Env {
    fn new(p: Arc<dyn Platform>) -> Self {
        Env {
            p,
            next: AtomicU64::new(0),
        }
    }

    /// Maps `len` fresh bytes of the memory file at `addr` holding `bytes`.
    fn map_bytes(
        &self,
        space: &Arc<dyn AddressSpace>,
        addr: u64,
        len: u64,
        prot: Prot,
        bytes: &[u8],
    ) -> u64 {
        let off = self.next.fetch_add(len, Ordering::Relaxed);
        let mf = self.p.memory_file();
        mf.zero(off, len).unwrap();
        mf.write_at(off, bytes).unwrap();
        space.map(addr, len, prot, off).unwrap();
        off
    }

    /// A new address space with `code` mapped at [`CODE`], read/exec.
    fn space_with_code(&self, code: &[u8]) -> Arc<dyn AddressSpace> {
        let space = self.p.new_address_space().unwrap();
        self.map_bytes(&space, CODE, PAGE, RX, code);
        space
    }
}

fn each(f: impl Fn(&Env)) {
    for p in platforms() {
        eprintln!("platform: {}", p.name());
        f(&Env::new(p));
    }
}

fn syscall_nr(s: &CpuState) -> u64 {
    s.regs.orig_rax
}

#[test]
fn runs_code_receives_syscalls_returns_values_sees_exit() {
    // mov rdi..r9, 0x1111..0x6666; mov eax, 1000; syscall; mov rdi, rax;
    // mov eax, 60; syscall
    let code = [
        0x48, 0xc7, 0xc7, 0x11, 0x11, 0, 0, 0x48, 0xc7, 0xc6, 0x22, 0x22, 0, 0, 0x48, 0xc7, 0xc2,
        0x33, 0x33, 0, 0, 0x49, 0xc7, 0xc2, 0x44, 0x44, 0, 0, 0x49, 0xc7, 0xc0, 0x55, 0x55, 0, 0,
        0x49, 0xc7, 0xc1, 0x66, 0x66, 0, 0, 0xb8, 0xe8, 0x03, 0, 0, 0x0f, 0x05, 0x48, 0x89, 0xc7,
        0xb8, 0x3c, 0, 0, 0, 0x0f, 0x05,
    ];
    each(|env| {
        let space = env.space_with_code(&code);
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(syscall_nr(&st), 1000);
        assert_eq!(
            st.regs.syscall_args(),
            [0x1111, 0x2222, 0x3333, 0x4444, 0x5555, 0x6666]
        );
        assert_eq!(st.regs.rip, CODE + 0x31);
        st.regs.rax = 0xabcdef;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(syscall_nr(&st), 60);
        assert_eq!(st.regs.rdi, 0xabcdef);
    });
}

fn fault_of(
    env: &Env,
    code: &[u8],
    setup: impl Fn(&Arc<dyn AddressSpace>, &mut CpuState),
) -> (Event, CpuState) {
    let space = env.space_with_code(code);
    let mut ctx = env.p.new_context().unwrap();
    let mut st = CpuState::new(CODE, 0);
    setup(&space, &mut st);
    let ev = ctx.switch(&space, &mut st).unwrap();
    (ev, st)
}

#[test]
fn faults_report_address_and_access() {
    each(|env| {
        // mov rax, [rax] with rax unmapped
        let (ev, st) = fault_of(env, &[0x48, 0x8b, 0x00], |_, st| st.regs.rax = 0x1234_5000);
        match ev {
            Event::Fault { addr, access, info } => {
                assert_eq!(addr, 0x1234_5000);
                assert!(access.read && !access.write && !access.exec, "{access:?}");
                assert_eq!(info.signo, libc::SIGSEGV);
            }
            other => panic!("read of unmapped: {other:?}"),
        }
        assert_eq!(st.regs.rip, CODE);

        // mov [rax], rax with rax read-only
        let (ev, _) = fault_of(env, &[0x48, 0x89, 0x00], |space, st| {
            env.map_bytes(space, DATA, PAGE, R, &[]);
            st.regs.rax = DATA + 8;
        });
        match ev {
            Event::Fault { addr, access, .. } => {
                assert_eq!(addr, DATA + 8);
                assert!(access.write && !access.exec, "{access:?}");
            }
            other => panic!("write to read-only: {other:?}"),
        }

        // jump to a readable, writable, non-executable page
        let (ev, _) = fault_of(env, &[0xff, 0xe0], |space, st| {
            env.map_bytes(space, DATA, PAGE, RW, &[0x90; 16]);
            st.regs.rax = DATA;
        });
        match ev {
            Event::Fault { addr, access, .. } => {
                assert_eq!(addr, DATA);
                assert!(access.exec, "{access:?}");
            }
            other => panic!("exec of non-exec: {other:?}"),
        }
    });
}

#[test]
fn traps_are_signal_events() {
    each(|env| {
        for (code, sig) in [
            (&[0xccu8][..], libc::SIGTRAP),
            (&[0x0f, 0x0b][..], libc::SIGILL),
            // xor ecx, ecx; mov eax, 1; cqo; div rcx
            (
                &[0x31, 0xc9, 0xb8, 1, 0, 0, 0, 0x48, 0x99, 0x48, 0xf7, 0xf1][..],
                libc::SIGFPE,
            ),
        ] {
            let (ev, _) = fault_of(env, code, |_, _| {});
            match ev {
                Event::Signal(info) => assert_eq!(info.signo, sig, "{code:x?}"),
                other => panic!("{code:x?}: {other:?}"),
            }
        }
    });
}

#[test]
fn fs_base_and_fp_state_are_carried() {
    // mov rdi, fs:[0]; mov eax, 1001; syscall;
    // movq xmm0, rdi; mov eax, 1002; syscall; movq rdi, xmm0; mov eax, 1003; syscall
    let code = [
        0x64, 0x48, 0x8b, 0x3c, 0x25, 0, 0, 0, 0, 0xb8, 0xe9, 0x03, 0, 0, 0x0f, 0x05, 0x66, 0x48,
        0x0f, 0x6e, 0xc7, 0xb8, 0xea, 0x03, 0, 0, 0x0f, 0x05, 0x66, 0x48, 0x0f, 0x7e, 0xc7, 0xb8,
        0xeb, 0x03, 0, 0, 0x0f, 0x05,
    ];
    each(|env| {
        let space = env.space_with_code(&code);
        env.map_bytes(&space, DATA, PAGE, RW, &0x5eed_f00d_u64.to_le_bytes());
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        st.regs.fs_base = DATA;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!((syscall_nr(&st), st.regs.rdi), (1001, 0x5eed_f00d));
        assert_eq!(st.regs.fs_base, DATA);
        // The application loads xmm0 from rdi; we then change xmm0 in the
        // saved state and expect the application to see our value.
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(syscall_nr(&st), 1002);
        let xmm0 = 160..168; // legacy area: xmm0 at byte 160
        assert!(st.fpstate.bytes.len() >= 576);
        assert_eq!(
            &st.fpstate.bytes[xmm0.clone()],
            &0x5eed_f00d_u64.to_le_bytes()
        );
        // Run other code on this thread in between: another address space
        // whose code clobbers xmm0.
        let (_, _) = fault_of(env, &code[16..], |_, st| st.regs.rdi = 0xdead);
        st.fpstate.bytes[xmm0].copy_from_slice(&0x0123_4567_89ab_cdef_u64.to_le_bytes());
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(
            (syscall_nr(&st), st.regs.rdi),
            (1003, 0x0123_4567_89ab_cdef)
        );
    });
}

#[test]
fn two_contexts_on_one_thread_keep_their_own_fp_state() {
    // movq xmm0, rdi; mov eax, 1002; syscall; movq rdi, xmm0; mov eax, 1003; syscall
    let code = [
        0x66, 0x48, 0x0f, 0x6e, 0xc7, 0xb8, 0xea, 0x03, 0, 0, 0x0f, 0x05, 0x66, 0x48, 0x0f, 0x7e,
        0xc7, 0xb8, 0xeb, 0x03, 0, 0, 0x0f, 0x05,
    ];
    each(|env| {
        let space = env.space_with_code(&code);
        let mut a = env.p.new_context().unwrap();
        let mut b = env.p.new_context().unwrap();
        let mut sa = CpuState::new(CODE, 0);
        let mut sb = CpuState::new(CODE, 0);
        sa.regs.rdi = 0xaaaa;
        sb.regs.rdi = 0xbbbb;
        assert_eq!(a.switch(&space, &mut sa).unwrap(), Event::Syscall);
        assert_eq!(b.switch(&space, &mut sb).unwrap(), Event::Syscall);
        assert_eq!(a.switch(&space, &mut sa).unwrap(), Event::Syscall);
        assert_eq!((syscall_nr(&sa), sa.regs.rdi), (1003, 0xaaaa));
        assert_eq!(b.switch(&space, &mut sb).unwrap(), Event::Syscall);
        assert_eq!((syscall_nr(&sb), sb.regs.rdi), (1003, 0xbbbb));
    });
}

#[test]
fn hostile_cpu_state_is_an_error_not_a_panic() {
    each(|env| {
        let space = env.space_with_code(&COUNT_LOOP);
        let mut ctx = env.p.new_context().unwrap();
        // A kernel code segment, a non-canonical fs base, a truncated and a
        // corrupt XSAVE image: none may run, none may bring anything down.
        let mut bad_cs = CpuState::new(CODE, 0);
        bad_cs.regs.cs = 0x10;
        let mut bad_fs = CpuState::new(CODE, 0);
        bad_fs.regs.fs_base = 0x8000_0000_0000_0000;
        let mut short_fp = CpuState::new(CODE, 0);
        short_fp.fpstate.bytes = vec![0; 100];
        let mut bad_fp = CpuState::new(CODE, 0);
        bad_fp.fpstate.bytes = vec![0xff; platform::xsave_size()];
        for (what, mut st) in [
            ("cs", bad_cs),
            ("fs_base", bad_fs),
            ("short fp", short_fp),
            ("bad fp", bad_fp),
        ] {
            match ctx.switch(&space, &mut st) {
                Err(_) => {}
                // A platform may sanitise instead of refusing, but then the
                // thread must run as a user thread.
                Ok(Event::Syscall) => assert_eq!(st.regs.cs & 3, 3, "{what}"),
                Ok(other) => eprintln!("{}: {what}: {other:?}", env.p.name()),
            }
        }
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    });
}

/// mov eax, 1005; syscall; inc rdi; jmp back: one syscall per iteration.
const COUNT_LOOP: [u8; 12] = [
    0xb8, 0xed, 0x03, 0, 0, 0x0f, 0x05, 0x48, 0xff, 0xc7, 0xeb, 0xf4,
];

#[test]
fn two_threads_in_one_address_space() {
    each(|env| {
        let space = env.space_with_code(&COUNT_LOOP);
        let mut handles = Vec::new();
        for t in 0..2u64 {
            let space = Arc::clone(&space);
            let mut ctx = env.p.new_context().unwrap();
            handles.push(std::thread::spawn(move || {
                let mut st = CpuState::new(CODE, 0);
                st.regs.rdi = t * 1_000_000;
                for i in 0..200 {
                    assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
                    assert_eq!(syscall_nr(&st), 1005);
                    assert_eq!(st.regs.rdi, t * 1_000_000 + i);
                }
            }));
        }
        for h in handles {
            h.join().unwrap();
        }
        // The threads are gone; a third one still runs in the same space.
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    });
}

#[test]
fn many_address_spaces_at_once() {
    each(|env| {
        let spaces: Vec<_> = (0..64).map(|_| env.space_with_code(&COUNT_LOOP)).collect();
        let mut ctx = env.p.new_context().unwrap();
        for (i, space) in spaces.iter().enumerate() {
            let mut st = CpuState::new(CODE, 0);
            st.regs.rdi = i as u64;
            assert_eq!(ctx.switch(space, &mut st).unwrap(), Event::Syscall);
            assert_eq!(ctx.switch(space, &mut st).unwrap(), Event::Syscall);
            assert_eq!(st.regs.rdi, i as u64 + 1);
        }
        let pids: Vec<i32> = spaces.iter().filter_map(|s| s.stub_pid()).collect();
        assert_eq!(pids.len(), 64);
        for pid in &pids {
            assert!(std::path::Path::new(&format!("/proc/{pid}")).exists());
        }
        drop(spaces);
        for pid in &pids {
            assert!(
                !std::path::Path::new(&format!("/proc/{pid}")).exists(),
                "stub {pid} leaked"
            );
        }
    });
}

#[test]
fn interrupt_stops_a_tight_loop() {
    // xor eax, eax; 1: inc rax; jmp 1b
    let code = [0x31, 0xc0, 0x48, 0xff, 0xc0, 0xeb, 0xfb];
    each(|env| {
        let space = env.space_with_code(&code);
        let mut ctx = env.p.new_context().unwrap();
        let intr = ctx.interrupter();
        let done = Arc::new(AtomicBool::new(false));
        let d = Arc::clone(&done);
        let kicker = std::thread::spawn(move || {
            while !d.load(Ordering::Acquire) {
                intr.interrupt();
                std::thread::yield_now();
            }
        });
        let mut st = CpuState::new(CODE, 0);
        let mut ran = false;
        for _ in 0..10_000 {
            assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Interrupted);
            if st.regs.rax > 0 {
                ran = true;
                break;
            }
        }
        done.store(true, Ordering::Release);
        kicker.join().unwrap();
        assert!(ran, "the loop never ran before an interrupt");
        assert!((CODE + 2..CODE + 7).contains(&st.regs.rip));
    });
}

/// A unique path that must never be created by the application.
fn escape_path(tag: &str) -> std::path::PathBuf {
    std::env::temp_dir().join(format!("platform-escape-{tag}-{}", std::process::id()))
}

fn path_page(path: &std::path::Path) -> Vec<u8> {
    let mut b = path.to_str().unwrap().as_bytes().to_vec();
    b.push(0);
    b
}

#[test]
fn escape_from_rwx_page_is_trapped() {
    // The application writes `syscall` into a RWX page and jumps there:
    // mov dword ptr [rdx], 0x050f; jmp rdx
    let code = [0xc7, 0x02, 0x0f, 0x05, 0, 0, 0xff, 0xe2];
    each(|env| {
        let path = escape_path(env.p.name());
        let space = env.space_with_code(&code);
        let rwx = DATA + PAGE;
        env.map_bytes(&space, rwx, PAGE, RWX, &[]);
        env.map_bytes(&space, DATA, PAGE, RW, &path_page(&path));
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        st.regs.rax = SYS_MKDIR;
        st.regs.rdi = DATA;
        st.regs.rsi = 0o777;
        st.regs.rdx = rwx;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(
            (syscall_nr(&st), st.regs.rdi, st.regs.rip),
            (SYS_MKDIR, DATA, rwx + 2)
        );
        assert!(!path.exists(), "mkdir ran on the host");
        // Again with exit_group: the stub must live on.
        st.regs.rip = rwx;
        st.regs.rax = 231;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(syscall_nr(&st), 231);
        st.regs.rip = rwx;
        st.regs.rax = 1;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
    });
}

#[test]
fn escape_by_jumping_into_stub_code_is_trapped() {
    // mov eax, 83; mov esi, 0777; movabs rcx, STUB_CODE_START; jmp rcx
    let mut code = vec![0xb8, 0x53, 0, 0, 0, 0xbe, 0xff, 0x01, 0, 0, 0x48, 0xb9];
    code.extend_from_slice(&platform::stub::layout::STUB_CODE_START.to_le_bytes());
    code.extend_from_slice(&[0xff, 0xe1]);
    each(|env| {
        let path = escape_path(&format!("{}-stubjump", env.p.name()));
        let (ev, st) = fault_of(env, &code, |space, st| {
            env.map_bytes(space, DATA, PAGE, RW, &path_page(&path));
            st.regs.rdi = DATA;
        });
        assert!(!path.exists(), "mkdir ran on the host");
        eprintln!("jump into stub code: {ev:?} at {:#x}", st.regs.rip);
        match ev {
            Event::Syscall => assert_eq!(syscall_nr(&st), SYS_MKDIR),
            Event::Fault { .. } | Event::Signal(_) => {}
            Event::Interrupted => panic!("unexpected interrupt"),
        }
        // The application cannot map or write over the stub region.
        let space = env.p.new_address_space().unwrap();
        let start = platform::stub::layout::STUB_REGION_START;
        assert!(space.map(start, PAGE, RWX, 0).is_err());
        assert!(space.protect(start, PAGE, RWX).is_err());
        assert!(space.unmap(start, PAGE).is_err());
        let (lo, hi) = env.p.address_range();
        assert!(hi <= start && lo >= 0x1_0000);
        // Writing to the stub code page faults.
        let (ev, _) = fault_of(env, &[0x48, 0x89, 0x00], |_, st| st.regs.rax = start);
        assert!(
            matches!(ev, Event::Fault { addr, .. } if addr == start),
            "{ev:?}"
        );
    });
}

#[test]
fn escape_via_vsyscall_page_is_trapped() {
    // movabs rax, 0xffffffffff600000 (gettimeofday); xor edi, edi; xor esi, esi;
    // call rax; mov eax, 1004; syscall
    let code = [
        0x48, 0xb8, 0, 0, 0x60, 0xff, 0xff, 0xff, 0xff, 0xff, 0x31, 0xff, 0x31, 0xf6, 0xff, 0xd0,
        0xb8, 0xec, 0x03, 0, 0, 0x0f, 0x05,
    ];
    each(|env| {
        let space = env.space_with_code(&code);
        env.map_bytes(&space, DATA, PAGE, RW, &[]);
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, DATA + PAGE);
        let ev = ctx.switch(&space, &mut st).unwrap();
        eprintln!("vsyscall call: {ev:?} at {:#x}", st.regs.rip);
        // The host must not have served gettimeofday and returned to us.
        assert_ne!(
            ev,
            Event::Syscall,
            "vsyscall ran natively (rip {:#x})",
            st.regs.rip
        );
        match ev {
            Event::Signal(info) => assert!(
                info.signo == libc::SIGSYS || info.signo == libc::SIGSEGV,
                "{info:?}"
            ),
            Event::Fault { .. } => {}
            other => panic!("{other:?}"),
        }
    });
}

#[test]
fn int80_is_never_a_64_bit_syscall() {
    // mov eax, 1 (exit on i386, write on x86-64); int 0x80
    let code = [0xb8, 1, 0, 0, 0, 0xcd, 0x80];
    each(|env| {
        let space = env.space_with_code(&code);
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        match ctx.switch(&space, &mut st) {
            Ok(Event::Signal(info)) => {
                assert_eq!(info.signo, libc::SIGSEGV);
                assert_eq!(st.regs.rip, CODE + 5);
            }
            Ok(other) => panic!("int 0x80 gave {other:?}"),
            // A platform may end the stub instead (the seccomp filter
            // kills non-x86-64 calling conventions).
            Err(e) => eprintln!("{}: int 0x80 ended the stub: {e}", env.p.name()),
        }
    });
}

#[test]
fn stub_syscalls_from_application_code_are_trapped() {
    // mov eax, 9 (mmap); syscall — with arguments that would map the memory
    // file into the stub if the host ran it.
    let code = [0xb8, 0x09, 0, 0, 0, 0x0f, 0x05];
    each(|env| {
        let space = env.space_with_code(&code);
        let pid = space.stub_pid().unwrap();
        let before = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        st.regs.rdi = DATA;
        st.regs.rsi = PAGE;
        st.regs.rdx = 7;
        st.regs.r10 = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
        st.regs.r8 = env.p.memory_file().raw_fd() as u64;
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(syscall_nr(&st), SYS_MMAP);
        let after = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
        assert_eq!(before, after);
    });
}

/// The stub thread of `pid` that the calling thread traces.
fn my_stub_thread(pid: i32) -> Option<i32> {
    // SAFETY: gettid takes no arguments.
    let me = unsafe { libc::gettid() };
    std::fs::read_dir(format!("/proc/{pid}/task"))
        .ok()?
        .flatten()
        .find_map(|e| {
            let tid: i32 = e.file_name().to_str()?.parse().ok()?;
            let status = std::fs::read_to_string(e.path().join("status")).ok()?;
            let tracer = status
                .lines()
                .find_map(|l| l.strip_prefix("TracerPid:"))?
                .trim()
                .parse::<i32>()
                .ok()?;
            (tracer == me).then_some(tid)
        })
}

#[test]
fn host_signals_to_the_stub_are_events() {
    each(|env| {
        let space = env.space_with_code(&COUNT_LOOP);
        let pid = space.stub_pid().unwrap();
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        let Some(tid) = my_stub_thread(pid) else {
            eprintln!(
                "{}: stub threads are not traced by the caller; skipping",
                env.p.name()
            );
            return;
        };
        // SAFETY: sending a signal to our own stub thread.
        let sent = unsafe { libc::syscall(libc::SYS_tgkill, pid, tid, libc::SIGUSR1) };
        assert_eq!(sent, 0);
        let ev = ctx.switch(&space, &mut st).unwrap();
        assert!(
            matches!(ev, Event::Signal(info) if info.signo == libc::SIGUSR1),
            "{ev:?}"
        );
        // The signal was reported, not delivered: the stub runs on.
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        assert_eq!(st.regs.rax, 1005);
    });
}

#[test]
fn stub_killed_from_outside_is_reported_and_reaped() {
    each(|env| {
        let space = env.space_with_code(&COUNT_LOOP);
        let pid = space.stub_pid().unwrap();
        let mut ctx = env.p.new_context().unwrap();
        let mut st = CpuState::new(CODE, 0);
        assert_eq!(ctx.switch(&space, &mut st).unwrap(), Event::Syscall);
        // SAFETY: sending a signal to our own stub process.
        assert_eq!(unsafe { libc::kill(pid, libc::SIGKILL) }, 0);
        assert!(ctx.switch(&space, &mut st).is_err());
        drop(space);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    });
}

#[test]
fn a_panicking_sentry_thread_leaks_no_stub() {
    each(|env| {
        let p = Arc::clone(&env.p);
        let code = COUNT_LOOP;
        let pid = Arc::new(AtomicU64::new(0));
        let pid2 = Arc::clone(&pid);
        let r = std::thread::spawn(move || {
            let env = Env::new(p);
            let space = env.space_with_code(&code);
            pid2.store(space.stub_pid().unwrap() as u64, Ordering::SeqCst);
            let mut ctx = env.p.new_context().unwrap();
            let mut st = CpuState::new(CODE, 0);
            let _ = ctx.switch(&space, &mut st);
            panic!("sentry thread panics with a live stub");
        })
        .join();
        assert!(r.is_err());
        let pid = pid.load(Ordering::SeqCst);
        assert!(pid > 0);
        assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
    });
}

mod maps_model {
    use super::*;
    use proptest::prelude::*;

    const BASE: u64 = 0x1000_0000;
    const PAGES: u64 = 16;

    #[derive(Clone, Debug)]
    enum Op {
        Map(u64, u64, u8),
        Unmap(u64, u64),
        Protect(u64, u64, u8),
    }

    fn prot(bits: u8) -> Prot {
        Prot {
            read: bits & 1 != 0,
            write: bits & 2 != 0,
            exec: bits & 4 != 0,
        }
    }

    fn op() -> impl Strategy<Value = Op> {
        let range = (0..PAGES).prop_flat_map(|s| (Just(s), 1..=PAGES - s));
        prop_oneof![
            (range.clone(), 0u8..8).prop_map(|((s, n), p)| Op::Map(s, n, p)),
            range.clone().prop_map(|(s, n)| Op::Unmap(s, n)),
            (range, 0u8..8).prop_map(|((s, n), p)| Op::Protect(s, n, p)),
        ]
    }

    /// `(start, end, "rwxs")` ranges of `/proc/<pid>/maps` inside the window.
    fn host_view(pid: i32) -> Vec<(u64, u64, String)> {
        let text = std::fs::read_to_string(format!("/proc/{pid}/maps")).unwrap();
        text.lines()
            .filter_map(|l| {
                let mut it = l.split_whitespace();
                let (a, b) = it.next()?.split_once('-')?;
                let (a, b) = (
                    u64::from_str_radix(a, 16).ok()?,
                    u64::from_str_radix(b, 16).ok()?,
                );
                (a >= BASE && b <= BASE + PAGES * PAGE)
                    .then(|| (a, b, it.next().unwrap_or("").to_string()))
            })
            .collect()
    }

    fn model_view(pages: &[Option<u8>]) -> Vec<(u64, u64, String)> {
        let mut out: Vec<(u64, u64, String)> = Vec::new();
        for (i, p) in pages.iter().enumerate() {
            let Some(p) = p else { continue };
            let pr = prot(*p);
            let perms = format!(
                "{}{}{}s",
                if pr.read { 'r' } else { '-' },
                if pr.write { 'w' } else { '-' },
                if pr.exec { 'x' } else { '-' }
            );
            let s = BASE + i as u64 * PAGE;
            match out.last_mut() {
                Some(last) if last.1 == s && last.2 == perms => last.1 = s + PAGE,
                _ => out.push((s, s + PAGE, perms)),
            }
        }
        out
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 24, ..ProptestConfig::default() })]
        #[test]
        fn random_map_unmap_protect_match_host_maps(ops in proptest::collection::vec(op(), 1..24)) {
            for p in platforms() {
                let space = p.new_address_space().unwrap();
                let pid = space.stub_pid().unwrap();
                let mut pages: Vec<Option<u8>> = vec![None; PAGES as usize];
                for op in &ops {
                    match *op {
                        Op::Map(s, n, pr) => {
                            // File offset follows the address, so neighbours
                            // with equal protection merge as the model does.
                            space.map(BASE + s * PAGE, n * PAGE, prot(pr), s * PAGE).unwrap();
                            for pg in &mut pages[s as usize..(s + n) as usize] { *pg = Some(pr); }
                        }
                        Op::Unmap(s, n) => {
                            space.unmap(BASE + s * PAGE, n * PAGE).unwrap();
                            for pg in &mut pages[s as usize..(s + n) as usize] { *pg = None; }
                        }
                        Op::Protect(s, n, pr) => {
                            space.protect(BASE + s * PAGE, n * PAGE, prot(pr)).unwrap();
                            for pg in pages[s as usize..(s + n) as usize].iter_mut().flatten() { *pg = pr; }
                        }
                    }
                    prop_assert_eq!(host_view(pid), model_view(&pages), "after {:?}", op);
                }
            }
        }
    }
}
