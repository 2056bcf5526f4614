//! Null-syscall round trip (application -> Sentry -> application) on each
//! platform, next to native `getpid` and Debian's gVisor (`runsc do`, ptrace
//! platform) running the same loop, printed as a markdown table.
//!
//! `cargo run --release -p platform --example bench_syscall [-- ITERATIONS]`
//!
//! Internal mode: `bench_syscall --getpid-loop N` runs N raw `getpid` calls
//! and prints the mean nanoseconds per call (used natively and under gVisor).

use std::time::Instant;

use platform::ptrace::CpuAffinity;
use platform::{CpuState, Event, Options, PlatformKind, Prot};

const CODE: u64 = 0x40_0000;

/// mov eax, 39 (getpid); syscall; jmp back
const LOOP: [u8; 9] = [0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7];

fn native_loop(n: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        // SAFETY: getpid takes no arguments and touches no memory.
        unsafe { libc::syscall(libc::SYS_getpid) };
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

/// Median of `rounds` batches of `n` round trips on `kind`, in ns.
fn platform_loop(
    kind: PlatformKind,
    affinity: CpuAffinity,
    n: u64,
    rounds: usize,
) -> Result<f64, platform::Error> {
    let p = platform::new(
        kind,
        &Options {
            memory_file_size: 1 << 30,
            ptrace_affinity: affinity,
            ..Options::default()
        },
    )?;
    let space = p.new_address_space()?;
    p.memory_file().write_at(0, &LOOP)?;
    space.map(
        CODE,
        4096,
        Prot {
            read: true,
            write: false,
            exec: true,
        },
        0,
    )?;
    let mut ctx = p.new_context()?;
    let mut st = CpuState::new(CODE, 0);
    let mut samples = Vec::new();
    // Warm up (creates the stub thread for this host thread).
    for _ in 0..1000 {
        ctx.switch(&space, &mut st)?;
    }
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..n {
            let ev = ctx.switch(&space, &mut st)?;
            if ev != Event::Syscall || st.regs.orig_rax != 39 {
                return Err(platform::Error::Invalid(
                    "unexpected event in the benchmark loop",
                ));
            }
            st.regs.rax = 1;
        }
        samples.push(t.elapsed().as_nanos() as f64 / n as f64);
    }
    samples.sort_by(f64::total_cmp);
    drop(space);
    Ok(samples[samples.len() / 2])
}

/// Where a ptrace round trip goes: the cost of each `ptrace` call the
/// platform makes, and of the bare stop/resume hand-off (`PTRACE_SYSEMU` +
/// `waitpid` with no register access), measured on a stub thread of our own.
fn ptrace_breakdown(n: u64) -> Result<Vec<(&'static str, f64)>, platform::Error> {
    use platform::sys::{self, ptrace};
    let host = |op: &'static str| move |source| platform::Error::Host { op, source };
    let mf = platform::MemoryFile::new(1 << 20)?;
    mf.write_at(0, &LOOP)?;
    let stub = platform::stub::StubProcess::spawn(mf.raw_fd())?;
    let flags = (libc::MAP_SHARED | libc::MAP_FIXED) as u64;
    let prot = (libc::PROT_READ | libc::PROT_EXEC) as u64;
    stub.syscall_in_leader(
        libc::SYS_mmap,
        [CODE, 4096, prot, flags, mf.raw_fd() as u64, 0],
    )?;
    let tid = stub.new_thread()?;
    ptrace::seize(tid, libc::PTRACE_O_TRACESYSGOOD).map_err(host("seize"))?;
    ptrace::interrupt(tid).map_err(host("interrupt"))?;
    sys::waitpid(tid).map_err(host("waitpid"))?;
    let mut regs = stub.template();
    regs.rip = CODE;
    regs.orig_rax = u64::MAX;
    ptrace::set_regs(tid, &regs).map_err(host("setregs"))?;
    if let Some(cpu) = sys::current_cpu() {
        let _ = sys::bind_to_cpu(tid, cpu);
    }
    let mut fp = vec![0u8; platform::xsave_size()];
    let time =
        |f: &mut dyn FnMut() -> Result<(), platform::Error>| -> Result<f64, platform::Error> {
            for _ in 0..100 {
                f()?;
            }
            let t = Instant::now();
            for _ in 0..n {
                f()?;
            }
            Ok(t.elapsed().as_nanos() as f64 / n as f64)
        };
    let mut out = Vec::new();
    out.push((
        "stop/resume only (SYSEMU + waitpid)",
        time(&mut || {
            ptrace::sysemu(tid, 0).map_err(host("sysemu"))?;
            sys::waitpid(tid).map_err(host("waitpid"))?;
            Ok(())
        })?,
    ));
    if let (Some(cpu), Ok(old)) = (sys::current_cpu(), sys::own_affinity()) {
        let _ = sys::bind_to_cpu(tid, cpu);
        let _ = sys::bind_to_cpu(0, cpu);
        out.push((
            "stop/resume only, tracer pinned too",
            time(&mut || {
                ptrace::sysemu(tid, 0).map_err(host("sysemu"))?;
                sys::waitpid(tid).map_err(host("waitpid"))?;
                Ok(())
            })?,
        ));
        out.push((
            "sched_setaffinity (self)",
            time(&mut || sys::bind_to_cpu(0, cpu).map_err(host("setaffinity")))?,
        ));
        let _ = sys::set_own_affinity(&old);
    }
    out.push((
        "PTRACE_GETREGS",
        time(&mut || ptrace::get_regs(tid, &mut regs).map_err(host("getregs")))?,
    ));
    out.push((
        "PTRACE_SETREGS",
        time(&mut || ptrace::set_regs(tid, &regs).map_err(host("setregs")))?,
    ));
    out.push((
        "PTRACE_GETREGSET(XSTATE)",
        time(&mut || {
            ptrace::get_xstate(tid, &mut fp)
                .map(|_| ())
                .map_err(host("getregset"))
        })?,
    ));
    out.push((
        "sched_getcpu",
        time(&mut || {
            sys::current_cpu()
                .map(|_| ())
                .ok_or(platform::Error::Invalid("cpu"))
        })?,
    ));
    Ok(out)
}

fn gvisor(n: u64) -> Option<f64> {
    let runsc = std::env::var("RUNSC").unwrap_or_else(|_| "/usr/bin/runsc".into());
    let exe = std::env::current_exe().ok()?;
    let out = std::process::Command::new(runsc)
        .args(["--network=none", "do"])
        .arg(exe)
        .args(["--getpid-loop", &n.to_string()])
        .output()
        .ok()?;
    String::from_utf8_lossy(&out.stdout).trim().parse().ok()
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) == Some("--getpid-loop") {
        let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
        native_loop(n / 10);
        println!("{:.1}", native_loop(n));
        return;
    }
    let n: u64 = args.get(1).and_then(|s| s.parse().ok()).unwrap_or(20_000);
    let native = {
        native_loop(100_000);
        let mut v: Vec<f64> = (0..5).map(|_| native_loop(1_000_000)).collect();
        v.sort_by(f64::total_cmp);
        v[2]
    };
    let mut rows: Vec<(String, Option<f64>)> = vec![("native getpid".into(), Some(native))];
    for (name, kind, affinity) in [
        (
            "ptrace, no affinity",
            PlatformKind::Ptrace,
            CpuAffinity::Off,
        ),
        (
            "ptrace, stub follows tracer (gVisor's scheme)",
            PlatformKind::Ptrace,
            CpuAffinity::StubFollowsTracer,
        ),
        (
            "ptrace, both pinned during switch (default)",
            PlatformKind::Ptrace,
            CpuAffinity::PinDuringSwitch,
        ),
        (
            "systrap (default scheme)",
            PlatformKind::Systrap,
            CpuAffinity::default(),
        ),
    ] {
        match platform_loop(kind, affinity, n, 5) {
            Ok(ns) => rows.push((name.into(), Some(ns))),
            Err(e) => eprintln!("{name}: {e}"),
        }
    }
    rows.push(("gVisor runsc do (ptrace)".into(), gvisor(n)));
    let gv = rows.last().and_then(|r| r.1);
    println!("| null syscall round trip | median ns | x native | x gVisor |");
    println!("|---|---:|---:|---:|");
    for (name, ns) in &rows {
        match ns {
            Some(ns) => {
                let vs_gv = gv
                    .map(|g| format!("{:.3}", ns / g))
                    .unwrap_or_else(|| "-".into());
                println!("| {name} | {ns:.0} | {:.1} | {vs_gv} |", ns / native);
            }
            None => println!("| {name} | n/a | - | - |"),
        }
    }
    match ptrace_breakdown(n) {
        Ok(parts) => {
            println!();
            println!("| ptrace round trip, part | ns per call |");
            println!("|---|---:|");
            for (name, ns) in parts {
                println!("| {name} | {ns:.0} |");
            }
        }
        Err(e) => eprintln!("breakdown: {e}"),
    }
}
