//! Random system-call numbers and argument values through the dispatcher
//! never panic, over a test double of the platform (no stub process): the
//! Sentry's contract with hostile applications.

mod common;

use std::sync::Arc;

use common::fake::{task, task_with, SCRATCH};
use kernel::{dispatch, SyscallArgs};
use proptest::prelude::*;

/// Calls that would sleep for a guest-chosen time or wait forever
/// (`rt_sigtimedwait`, `rt_sigsuspend` and `restart_syscall` included).
/// `clone`, `fork`, `vfork` and `clone3` stay in: their children's fake
/// contexts fail at once, so they end without hanging anything.
fn sleeps(nr: u64) -> bool {
    matches!(
        nr,
        34 | 35 | 230 | 7 | 23 | 270 | 271 | 232 | 281 | 202 | 61 | 247 | 128 | 130 | 219
    )
}

fn arg() -> impl Strategy<Value = u64> {
    prop_oneof![
        any::<u64>(),
        0u64..4096,
        Just(u64::MAX),
        Just(0xffff_ffff_ffff_ff9c),
        (0u64..0x1_0000).prop_map(|o| SCRATCH + o),
        Just(SCRATCH + (1 << 16) - 1),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn random_syscalls_never_panic(
        calls in proptest::collection::vec(
            (prop_oneof![0u64..470, any::<u64>()], proptest::array::uniform6(arg())),
            1..8,
        )
    ) {
        let mut t = task();
        for (nr, raw) in calls {
            if sleeps(nr) {
                continue;
            }
            let r = dispatch(&mut t, &SyscallArgs::new(nr, raw));
            if let Some(v) = r {
                let v = v as i64;
                // Either a value or a known errno, never a kernel-internal one.
                if (-4095..0).contains(&v) {
                    prop_assert!(abi::Errno::from_raw(-v as i32).is_some(), "nr {} gave {}", nr, v);
                    prop_assert!(-v < 512, "nr {} leaked restart errno {}", nr, v);
                }
            }
            if t.exited.is_some() {
                break;
            }
        }
    }
}

const TINY: &str = r#"
void _start(void) {
    __asm__ volatile("syscall" : : "a"(231), "D"(0) : "rcx", "r11", "memory");
    for (;;) {}
}
"#;

fn tiny_elf() -> &'static [u8] {
    static BIN: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    BIN.get_or_init(|| common::compile_static("tiny", TINY))
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]

    /// Corrupted executables (header and program-header bytes overwritten,
    /// or the file cut short) fail `execve` with an errno or load; the
    /// Sentry never panics.
    #[test]
    fn mutated_elf_headers_never_panic_execve(
        edits in proptest::collection::vec((0usize..512, any::<u8>()), 1..12),
        cut in proptest::option::of(0usize..4096),
    ) {
        let mut bin = tiny_elf().to_vec();
        for (at, byte) in edits {
            if let Some(b) = bin.get_mut(at) {
                *b = byte;
            }
        }
        if let Some(c) = cut {
            bin.truncate(c);
        }
        let mut t = task();
        common::put_file(&t.kernel().vfs().clone(), "/bin/fuzzed", &bin, 0o755);
        let r = kernel::exec::execve(&mut t, kernel::exec::ExecRequest {
            path: b"/bin/fuzzed".to_vec(),
            dir: None,
            argv: vec![b"fuzzed".to_vec()],
            envp: vec![],
        });
        if let Err(e) = r {
            prop_assert!(e.errno().as_i32() > 0);
        }
    }
}

#[test]
fn unknown_and_unimplemented_calls_are_enosys_and_logged_once() {
    let debug = Arc::new(kernel::MemorySink::new());
    let mut t = task_with(Some(debug.clone()));
    let enosys = (-(abi::Errno::ENOSYS.as_i32() as i64)) as u64;
    for _ in 0..3 {
        assert_eq!(
            dispatch(&mut t, &SyscallArgs::new(1000, [0; 6])),
            Some(enosys)
        );
        // 246 is kexec_load, which a sandbox never implements.
        assert_eq!(
            dispatch(&mut t, &SyscallArgs::new(246, [0; 6])),
            Some(enosys)
        );
    }
    let lines = debug.lines();
    assert_eq!(
        lines.iter().filter(|l| l.contains("kexec_load")).count(),
        1,
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| l.contains("1000")).count(),
        1,
        "{lines:?}"
    );
}

#[test]
fn poll_reports_ready_files_and_pollnval() {
    use kernel::usermem::UserPtr;
    let mut t = task();
    let fds = [
        abi::poll::pollfd {
            fd: 1,
            events: 0x4,
            revents: 0,
        },
        abi::poll::pollfd {
            fd: 77,
            events: 0x1,
            revents: 0,
        },
        abi::poll::pollfd {
            fd: -1,
            events: 0x1,
            revents: 0,
        },
    ];
    for (i, p) in fds.iter().enumerate() {
        UserPtr::<abi::poll::pollfd>::new(SCRATCH + 8 * i as u64)
            .write(t.mem(), p)
            .expect("write");
    }
    let r = dispatch(&mut t, &SyscallArgs::new(7, [SCRATCH, 3, 0, 0, 0, 0]));
    assert_eq!(r, Some(2));
    let got: Vec<i16> = (0..3)
        .map(|i| {
            UserPtr::<abi::poll::pollfd>::new(SCRATCH + 8 * i)
                .read(t.mem())
                .expect("read")
                .revents
        })
        .collect();
    assert_eq!(got, vec![0x4, 0x20, 0]);
    let efault = (-(abi::Errno::EFAULT.as_i32() as i64)) as u64;
    assert_eq!(
        dispatch(&mut t, &SyscallArgs::new(7, [8, 1, 0, 0, 0, 0])),
        Some(efault)
    );
}

#[test]
fn sigreturn_sanitises_a_forged_frame() {
    use abi::ucontext::rt_sigframe;
    use kernel::usermem::UserPtr;
    let mut t = task();
    let mut frame = rt_sigframe::default();
    frame.uc.uc_mcontext.rip = 0x4141_4141;
    frame.uc.uc_mcontext.rsp = SCRATCH + 0x8000;
    frame.uc.uc_mcontext.eflags = u64::MAX;
    frame.uc.uc_mcontext.cs = 0x10;
    frame.uc.uc_mcontext.ss = 0x18;
    frame.uc.uc_sigmask = abi::signal::sigset_t::FULL;
    let at = SCRATCH + 0x100;
    UserPtr::<rt_sigframe>::new(at)
        .write(t.mem(), &frame)
        .expect("write frame");
    t.cpu.regs.rsp = at + 8;
    t.cpu.regs.eflags = 0x202;
    assert_eq!(dispatch(&mut t, &SyscallArgs::new(15, [0; 6])), None);
    let r = &t.cpu.regs;
    assert_eq!((r.rip, r.rsp), (0x4141_4141, SCRATCH + 0x8000));
    assert_eq!(
        (r.cs, r.ss),
        (0x33, 0x2b),
        "segments are never the application's choice"
    );
    assert_eq!(r.eflags & 0x200, 0x200, "IF stays set");
    assert_eq!(
        r.eflags & !0x5_4dd5 & !0x202,
        0,
        "only user-changeable flags change"
    );
    assert!(!t.signals.mask.contains(abi::signal::SIGKILL));
    assert!(t.signals.mask.contains(abi::signal::SIGUSR1));
    // A frame pointer into nothing is SIGSEGV, not a Sentry error.
    t.cpu.regs.rsp = 0x10;
    assert_eq!(dispatch(&mut t, &SyscallArgs::new(15, [0; 6])), None);
    assert!(t.pending_signals().contains(abi::signal::SIGSEGV));
}
