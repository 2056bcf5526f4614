//! Systrap null-syscall round trip (application -> Sentry -> application)
//! for every wake-up scheme, next to native `getpid` and Debian's gVisor
//! (`runsc do`, ptrace platform) running the same loop, as a markdown table
//! with medians and ratios; then where a systrap round trip's time goes.
//!
//! `cargo run --release -p platform --example bench_systrap [-- ITERATIONS]`
//!
//! Internal mode: `bench_systrap --getpid-loop N` runs N raw `getpid` calls
//! and prints the mean nanoseconds per call (used natively and under gVisor).

use std::sync::Arc;
use std::time::Instant;

use platform::systrap::{SystrapContext, SystrapPlatform, Timeline, WakeScheme};
use platform::Context;
use platform::{CpuState, Event, MemoryFile, Platform, Prot};

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

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median of `rounds` batches of `n` round trips with `scheme`, in ns; run
/// on a fresh host thread so CPU pinning of one scheme does not leak into
/// the next.
fn systrap_loop(scheme: WakeScheme, n: u64, rounds: usize) -> Result<f64, platform::Error> {
    std::thread::spawn(move || {
        let mf = Arc::new(MemoryFile::new(1 << 24)?);
        let p = SystrapPlatform::new(mf, scheme)?;
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
        let mut ctx = SystrapContext::new(scheme);
        let mut st = CpuState::new(CODE, 0);
        for _ in 0..1000 {
            ctx.switch(&space, &mut st)?;
        }
        timeline(&mut ctx, &space, &mut st, scheme, n);
        if std::env::var_os("BENCH_HIST").is_some() {
            let mut each: Vec<f64> = (0..n)
                .map(|_| {
                    let t = Instant::now();
                    let _ = ctx.switch(&space, &mut st);
                    t.elapsed().as_nanos() as f64
                })
                .collect();
            each.sort_by(f64::total_cmp);
            let q = |f: f64| each[((each.len() - 1) as f64 * f) as usize];
            eprintln!(
                "{}: p10 {:.0} p50 {:.0} p80 {:.0} p90 {:.0} p99 {:.0}",
                scheme.name(),
                q(0.1),
                q(0.5),
                q(0.8),
                q(0.9),
                q(0.99)
            );
        }
        let mut samples = Vec::new();
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
        Ok(median(samples))
    })
    .join()
    .map_err(|_| platform::Error::Invalid("benchmark thread panicked"))?
}

/// TSC ticks per nanosecond.
fn tsc_per_ns() -> f64 {
    let t = Instant::now();
    let a = tsc();
    while t.elapsed().as_millis() < 50 {
        std::hint::spin_loop();
    }
    (tsc() - a) as f64 / t.elapsed().as_nanos() as f64
}

fn tsc() -> u64 {
    // SAFETY: `rdtsc` has no preconditions on x86-64.
    #[allow(unused_unsafe)]
    unsafe {
        std::arch::x86_64::_rdtsc()
    }
}

/// Medians of each part of the round trip, from the TSC stamps.
fn timeline(
    ctx: &mut SystrapContext,
    space: &Arc<dyn platform::AddressSpace>,
    st: &mut CpuState,
    scheme: WakeScheme,
    n: u64,
) {
    let per_ns = tsc_per_ns();
    let mut parts: [Vec<f64>; 4] = Default::default();
    let mut last_seen = None;
    for _ in 0..n {
        if ctx.switch(space, st).is_err() {
            return;
        }
        let t: Timeline = ctx.timeline();
        let d = |a: u64, b: u64| b.wrapping_sub(a) as i64 as f64 / per_ns;
        parts[0].push(d(t.published, t.resumed));
        parts[1].push(d(t.resumed, t.entry));
        parts[2].push(d(t.entry, t.seen));
        if let Some(prev) = last_seen {
            parts[3].push(d(prev, t.published));
        }
        last_seen = Some(t.seen);
    }
    let m: Vec<f64> = parts.into_iter().map(median).collect();
    eprintln!(
        "timeline {}: wake stub {:.0} | sigreturn+app+trap+signal {:.0} | save+wake Sentry {:.0} | Sentry between switches {:.0} (ns, medians)",
        scheme.name(),
        m[0],
        m[1],
        m[2],
        m[3]
    );
    let (caught, missed) = platform::systrap::wake::spin_stats();
    eprintln!("  Sentry spins so far: {caught} caught, {missed} ran out");
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
    native_loop(100_000);
    let native = median((0..5).map(|_| native_loop(1_000_000)).collect());
    let mut rows: Vec<(String, Option<f64>)> = vec![("native getpid".into(), Some(native))];
    for scheme in WakeScheme::ALL {
        let name = format!("systrap, {}", scheme.name());
        match systrap_loop(scheme, n, 5) {
            Ok(ns) => rows.push((name, Some(ns))),
            Err(e) => {
                eprintln!("{name}: {e}");
                rows.push((name, None));
            }
        }
    }
    rows.push(("gVisor runsc do (ptrace)".into(), gvisor(n)));
    let gv = rows.last().and_then(|r| r.1);
    println!("| null syscall round trip | median ns | x native | x gVisor |");
    println!("|---|---:|---:|---:|");
    for (name, ns) in &rows {
        match ns {
            Some(ns) => {
                let vs = gv
                    .map(|g| format!("{:.3}", ns / g))
                    .unwrap_or_else(|| "-".into());
                println!("| {name} | {ns:.0} | {:.1} | {vs} |", ns / native);
            }
            None => println!("| {name} | n/a | - | - |"),
        }
    }
}
