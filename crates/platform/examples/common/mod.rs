//! What the null-syscall benchmarks share: the application loop, native
//! and gVisor reference runs, the measuring loop and the markdown table.
//!
//! Internal mode of every benchmark: `--getpid-loop N` runs N raw `getpid`
//! calls and prints the mean nanoseconds per call (used natively and under
//! gVisor, which runs the benchmark binary itself).

use std::sync::Arc;
use std::time::Instant;

use platform::{AddressSpace, Context, CpuState, Event, Platform, Prot};

/// Where the loop's code is mapped.
pub const CODE: u64 = 0x40_0000;

/// `mov eax, 39 (getpid); syscall; jmp back`.
pub const LOOP: [u8; 9] = [0xb8, 0x27, 0, 0, 0, 0x0f, 0x05, 0xeb, 0xf7];

/// Mean nanoseconds of `n` native `getpid` calls.
pub fn native_loop(n: u64) -> f64 {
    let t = Instant::now();
    for _ in 0..n {
        // SAFETY: getpid takes no arguments and touches no memory.
        unsafe { libc::syscall(libc::SYS_getpid) };
    }
    t.elapsed().as_nanos() as f64 / n as f64
}

/// The median of `v` (which must not be empty).
pub fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Median native `getpid`, after a warm-up.
pub fn native() -> f64 {
    native_loop(100_000);
    median((0..5).map(|_| native_loop(1_000_000)).collect())
}

/// Handles the internal `--getpid-loop N` mode; `true` if it ran.
pub fn internal_mode() -> bool {
    let args: Vec<String> = std::env::args().collect();
    if args.get(1).map(String::as_str) != Some("--getpid-loop") {
        return false;
    }
    let n = args.get(2).and_then(|s| s.parse().ok()).unwrap_or(100_000);
    native_loop(n / 10);
    println!("{:.1}", native_loop(n));
    true
}

/// The iteration count from the command line.
pub fn iterations() -> u64 {
    std::env::args()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(20_000)
}

/// Debian's gVisor (`$RUNSC`, default `/usr/bin/runsc`) running this
/// benchmark's `--getpid-loop`: mean ns per call.
pub fn gvisor(n: u64) -> Option<f64> {
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

/// A new address space of `p` with [`LOOP`] at [`CODE`].
pub fn loop_space(p: &dyn Platform) -> Result<Arc<dyn AddressSpace>, platform::Error> {
    let space = p.new_address_space()?;
    p.memory_file().write_at(0, &LOOP)?;
    let rx = Prot {
        read: true,
        write: false,
        exec: true,
    };
    space.map(CODE, 4096, rx, 0)?;
    Ok(space)
}

/// One loop round trip: an error unless it is the loop's `getpid`.
pub fn round_trip(
    ctx: &mut dyn Context,
    space: &Arc<dyn AddressSpace>,
    st: &mut CpuState,
) -> Result<(), platform::Error> {
    let ev = ctx.switch(space, st)?;
    if ev != Event::Syscall || st.regs.orig_rax != 39 {
        return Err(platform::Error::Invalid(
            "unexpected event in the benchmark loop",
        ));
    }
    st.regs.rax = 1;
    Ok(())
}

/// Median over `rounds` batches of `n` loop round trips, in ns per trip.
pub fn measure(
    ctx: &mut dyn Context,
    space: &Arc<dyn AddressSpace>,
    st: &mut CpuState,
    n: u64,
    rounds: usize,
) -> Result<f64, platform::Error> {
    let mut samples = Vec::new();
    for _ in 0..rounds {
        let t = Instant::now();
        for _ in 0..n {
            round_trip(ctx, space, st)?;
        }
        samples.push(t.elapsed().as_nanos() as f64 / n as f64);
    }
    Ok(median(samples))
}

/// Prints the rows as a markdown table with ratios to native (the first
/// row) and to gVisor (the last row).
pub fn print_table(rows: &[(String, Option<f64>)]) {
    let native = rows.first().and_then(|r| r.1).unwrap_or(f64::NAN);
    let gv = rows.last().and_then(|r| r.1);
    println!("| null syscall round trip | median ns | x native | x gVisor |");
    println!("|---|---:|---:|---:|");
    for (name, ns) in rows {
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
