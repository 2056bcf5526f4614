//! Tear-down under load: many short-lived address spaces, each run by
//! several host threads at once, dropped while their tracers come and go.
//! Every wait is bounded, so a stub teardown that blocks fails the test
//! instead of hanging it.

use std::sync::mpsc::channel;
use std::sync::{Arc, Barrier};
use std::time::Duration;

use platform::{AddressSpace, CpuState, Event, Options, Platform, PlatformKind, Prot};

const CODE: u64 = 0x40_0000;
const PAGE: u64 = 4096;
const RX: Prot = Prot {
    read: true,
    write: false,
    exec: true,
};

/// mov eax, 1005; syscall; inc rdi; jmp back: one syscall per iteration.
const COUNT_LOOP: [u8; 12] = [
    0xb8, 0xed, 0x03, 0, 0, 0x0f, 0x05, 0x48, 0xff, 0xc7, 0xeb, 0xf4,
];

/// How long a whole scenario may take before it counts as hung: far more
/// than it needs on a loaded machine, far less than a CI time-out.
const BOUND: Duration = Duration::from_secs(60);

fn platform_of(kind: PlatformKind) -> Arc<dyn Platform> {
    let opts = Options {
        memory_file_size: 1 << 26,
        ..Options::default()
    };
    platform::new(kind, &opts).expect("platform")
}

fn space_with_code(p: &Arc<dyn Platform>) -> Arc<dyn AddressSpace> {
    let space = p.new_address_space().expect("address space");
    // Every space maps the same code page of the memory file.
    let mf = p.memory_file();
    mf.write_at(0, &COUNT_LOOP).expect("code");
    space.map(CODE, PAGE, RX, 0).expect("map code");
    space
}

fn gone(pid: i32) -> bool {
    !std::path::Path::new(&format!("/proc/{pid}")).exists()
}

/// Runs `f` on its own thread and fails if it does not finish in [`BOUND`].
fn bounded(what: &str, f: impl FnOnce() + Send + 'static) {
    let (tx, rx) = channel();
    std::thread::spawn(move || {
        f();
        let _ = tx.send(());
    });
    match rx.recv_timeout(BOUND) {
        Ok(()) => {}
        Err(e) => panic!("{what}: did not finish within {BOUND:?} ({e})"),
    }
}

/// One round: `threads` host threads switch into a fresh space a few times
/// each, then the space is dropped by whichever thread lets go of it last
/// while the others exit (their stub threads are parked) or still trace.
fn round(p: &Arc<dyn Platform>, threads: usize, keep_tracing: bool) {
    let space = space_with_code(p);
    let pid = space.stub_pid().expect("stub pid");
    let ran = Arc::new(Barrier::new(threads + 1));
    let mut handles = Vec::new();
    for t in 0..threads {
        let (p, space, ran) = (Arc::clone(p), Arc::clone(&space), Arc::clone(&ran));
        handles.push(std::thread::spawn(move || {
            let mut ctx = p.new_context().expect("context");
            let mut st = CpuState::new(CODE, 0);
            st.regs.rdi = t as u64;
            for _ in 0..3 {
                assert_eq!(ctx.switch(&space, &mut st).expect("switch"), Event::Syscall);
            }
            ran.wait();
            if keep_tracing {
                // Let go of the space while still tracing its stub thread.
                drop(space);
                ran.wait();
            }
        }));
    }
    ran.wait();
    drop(space);
    if keep_tracing {
        ran.wait();
    }
    for h in handles {
        h.join().expect("worker");
    }
    assert!(gone(pid), "stub {pid} outlived its address space");
}

fn stress(kind: PlatformKind) {
    let p = platform_of(kind);
    let mut workers = Vec::new();
    for w in 0..4 {
        let p = Arc::clone(&p);
        workers.push(std::thread::spawn(move || {
            for i in 0..40 {
                round(&p, 2 + (w + i) % 3, (w + i) % 2 == 0);
            }
        }));
    }
    for w in workers {
        w.join().expect("worker");
    }
}

#[test]
fn ptrace_stubs_torn_down_concurrently_never_hang() {
    bounded("ptrace teardown", || stress(PlatformKind::Ptrace));
}

#[test]
fn systrap_stubs_torn_down_concurrently_never_hang() {
    bounded("systrap teardown", || stress(PlatformKind::Systrap));
}
