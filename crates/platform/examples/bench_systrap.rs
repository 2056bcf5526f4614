//! Systrap null-syscall round trip (application -> Sentry -> application)
//! for every wake-up scheme, through the signal path and through a patched
//! site (the trampoline, no signal), next to native `getpid` and Debian's
//! gVisor (`runsc do`, ptrace platform) running the same loop, as a
//! markdown table with medians and ratios; then where a round trip's time
//! goes.
//!
//! `cargo run --release -p platform --example bench_systrap [-- ITERATIONS]`
//!
//! Internal mode: see [`common`].

mod common;

use std::sync::Arc;
use std::time::Instant;

use common::CODE;
use platform::systrap::{
    SystrapAddressSpace, SystrapContext, SystrapPlatform, Timeline, WakeScheme,
};
use platform::Context;
use platform::{CpuState, MemoryFile};

/// Median of `rounds` batches of `n` round trips with `scheme`, in ns, and
/// the share of them the trampoline served; `patched`: through a patched
/// site; `report`: print the timeline (and histogram). Run on a fresh host
/// thread so CPU pinning of one scheme does not
/// leak into the next.
fn systrap_loop(
    scheme: WakeScheme,
    patched: bool,
    n: u64,
    rounds: usize,
    report: bool,
) -> Result<(f64, f64), platform::Error> {
    std::thread::spawn(move || {
        let mf = Arc::new(MemoryFile::new(1 << 24)?);
        let p = SystrapPlatform::new(mf, scheme)?;
        let space = common::loop_space(&p)?;
        let mut ctx = SystrapContext::new(scheme);
        let mut st = CpuState::new(CODE, 0);
        common::round_trip(&mut ctx, &space, &mut st)?;
        // The loop's code is file page 0, private to this one space.
        if patched && !space.patch_syscall(st.regs.rip, 39, Some(0))? {
            return Err(platform::Error::Invalid("the loop's site was not patched"));
        }
        for _ in 0..1000 {
            ctx.switch(&space, &mut st)?;
        }
        let name = format!(
            "{}{}",
            scheme.name(),
            if patched { ", patched" } else { "" }
        );
        if report {
            timeline(&mut ctx, &space, &mut st, &name, n);
        }
        if report && std::env::var_os("BENCH_HIST").is_some() {
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
                "{name}: p10 {:.0} p50 {:.0} p80 {:.0} p90 {:.0} p99 {:.0}",
                q(0.1),
                q(0.5),
                q(0.8),
                q(0.9),
                q(0.99)
            );
        }
        let sas = space
            .as_any()
            .downcast_ref::<SystrapAddressSpace>()
            .ok_or(platform::Error::Invalid("not a systrap space"))?;
        let before = sas.fast_syscalls();
        let ns = common::measure(&mut ctx, &space, &mut st, n, rounds)?;
        let fast = (sas.fast_syscalls() - before) as f64 / (n * rounds as u64) as f64;
        Ok((ns, fast))
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
    name: &str,
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
    let m: Vec<f64> = parts.into_iter().map(common::median).collect();
    eprintln!(
        "timeline {name}: wake stub {:.0} | return+app+trap {:.0} | save+wake Sentry {:.0} | Sentry between switches {:.0} (ns, medians)",
        m[0],
        m[1],
        m[2],
        m[3]
    );
    let (caught, missed) = platform::systrap::wake::spin_stats();
    eprintln!("  Sentry spins so far: {caught} caught, {missed} ran out");
}

/// Passes over all rows; each row's figure is the median of its passes,
/// and signal and patched runs of a scheme alternate, so load changes hit
/// both alike.
const PASSES: usize = 3;

fn main() {
    if common::internal_mode() {
        return;
    }
    let n = common::iterations();
    let native = common::native();
    let mut runs: Vec<(String, Vec<f64>)> = Vec::new();
    for pass in 0..PASSES {
        for scheme in WakeScheme::ALL {
            for patched in [false, true] {
                let how = if patched { "patched site" } else { "signal" };
                let name = format!("systrap, {how}, {}", scheme.name());
                let i = runs.iter().position(|r| r.0 == name).unwrap_or_else(|| {
                    runs.push((name.clone(), Vec::new()));
                    runs.len() - 1
                });
                match systrap_loop(scheme, patched, n, 3, pass == 0) {
                    Ok((ns, fast)) => {
                        if pass == 0 {
                            eprintln!("{name}: {:.0}% served without a signal", fast * 100.0);
                        }
                        runs[i].1.push(ns);
                    }
                    Err(e) => eprintln!("{name}: {e}"),
                }
            }
        }
    }
    let mut rows: Vec<(String, Option<f64>)> = vec![("native getpid".into(), Some(native))];
    for (name, v) in runs {
        rows.push((name, (!v.is_empty()).then(|| common::median(v))));
    }
    rows.push(("gVisor runsc do (ptrace)".into(), common::gvisor(n)));
    common::print_table(&rows);
}
