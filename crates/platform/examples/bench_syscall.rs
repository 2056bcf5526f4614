//! Null-syscall round trip (application -> Sentry -> application) on each
//! platform, next to native `getpid` and Debian's gVisor (`runsc do`, ptrace
//! platform) running the same loop, printed as a markdown table.
//!
//! `cargo run --release -p platform --example bench_syscall [-- ITERATIONS]`
//!
//! Internal mode: see [`common`].

mod common;

use std::time::Instant;

use common::{CODE, LOOP};
use platform::ptrace::CpuAffinity;
use platform::{CpuState, Options, PlatformKind};

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
    let space = common::loop_space(&*p)?;
    let mut ctx = p.new_context()?;
    let mut st = CpuState::new(CODE, 0);
    // Warm up (creates the stub thread for this host thread).
    for _ in 0..1000 {
        ctx.switch(&space, &mut st)?;
    }
    common::measure(&mut *ctx, &space, &mut st, n, rounds)
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

fn main() {
    if common::internal_mode() {
        return;
    }
    let n = common::iterations();
    let mut rows: Vec<(String, Option<f64>)> =
        vec![("native getpid".into(), Some(common::native()))];
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
    rows.push(("gVisor runsc do (ptrace)".into(), common::gvisor(n)));
    common::print_table(&rows);
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
