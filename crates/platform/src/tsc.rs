//! The CPU's time-stamp counter, the one clock source the Sentry and the
//! vDSO can both read without entering any kernel.
//!
//! The sandbox's clocks are a function of the TSC (see the `vdso` crate's
//! `params` module): the Sentry samples it here, the vDSO reads it with
//! its own `rdtsc`. That is only sound when the counter ticks at a
//! constant rate whatever the CPU's frequency or sleep state and is
//! synchronised across CPUs, which is what [`invariant`] checks.

use std::arch::x86_64::{__cpuid, _mm_lfence, _mm_mfence, _rdtsc, CpuidResult};

/// Reads the TSC after every earlier load and store has completed and
/// before any later instruction starts (`mfence; lfence; rdtsc; lfence`),
/// so a reading taken after publishing a value really is later than every
/// reading a reader took before it saw that value.
pub fn rdtsc_ordered() -> u64 {
    // SAFETY: `mfence`, `lfence` and `rdtsc` are part of x86-64's baseline
    // (SSE2 is architectural on x86-64), touch no memory and have no
    // preconditions.
    #[allow(unused_unsafe)]
    unsafe {
        _mm_mfence();
        _mm_lfence();
        let t = _rdtsc();
        _mm_lfence();
        t
    }
}

fn cpuid(leaf: u32) -> CpuidResult {
    // SAFETY: `cpuid` exists on every x86-64 CPU and only reads identifying
    // registers; leaves above the maximum return zeros or the highest
    // basic leaf, which callers check against the maximum first.
    #[allow(unused_unsafe)]
    unsafe {
        __cpuid(leaf)
    }
}

/// Whether the host CPU's TSC is *invariant*: CPUID leaf `0x8000_0007`,
/// EDX bit 8, from which Linux sets both `constant_tsc` (the rate does not
/// follow the CPU frequency) and `nonstop_tsc` (it keeps ticking in deep
/// C-states). Without it the TSC cannot stand for time.
pub fn invariant() -> bool {
    const LEAF: u32 = 0x8000_0007;
    cpuid(0x8000_0000).eax >= LEAF && cpuid(LEAF).edx & (1 << 8) != 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counter_moves_forward() {
        let a = rdtsc_ordered();
        let b = rdtsc_ordered();
        assert!(b > a, "{a} then {b}");
    }

    #[test]
    fn invariant_agrees_with_the_host_kernel_flags() {
        // The oracle: the flags Linux derives from the same CPUID bit.
        let cpuinfo = std::fs::read_to_string("/proc/cpuinfo").expect("/proc/cpuinfo");
        let flags = cpuinfo
            .lines()
            .find(|l| l.starts_with("flags"))
            .expect("a flags line");
        let has = |f: &str| flags.split_whitespace().any(|w| w == f);
        assert_eq!(invariant(), has("constant_tsc") && has("nonstop_tsc"));
    }
}
