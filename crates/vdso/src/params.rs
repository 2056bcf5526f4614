//! The sandbox's clocks as functions of the CPU's time-stamp counter, and
//! how the Sentry moves them to follow the host's clock.
//!
//! A clock is `ns(tsc) = base_ns + ((tsc - base_cycles) * mult) >> shift`
//! ([`ClockParams::ns_at`]), with the 64x64->128-bit product `vdso.S`
//! computes with `mul` and `shrd`; a TSC value below `base_cycles` (another
//! CPU's counter a few cycles behind) counts as `base_cycles`. The Sentry
//! evaluates the same function for its own system calls, so the vDSO and
//! the system call always agree.
//!
//! The Sentry re-anchors the parameters periodically ([`ClockParams::steer`]):
//! the new function starts at the TSC value of the update *with the value
//! the old one gives there*, so the clock is continuous and never goes
//! backwards, and its rate is the measured TSC rate corrected to close the
//! gap to the host's clock over the next interval, at most
//! [`MAX_SLEW_PPM`] away from it: a bounded, smooth rate change, as NTP's
//! slewing. Only an error beyond [`STEP_NS`] (the host's wall clock was
//! set) makes a clock jump, and a monotonic clock only ever jumps forward.

/// The shift the Sentry uses: `mult` is nanoseconds per cycle in 32.32
/// fixed point, a resolution of 2^-32 ns per cycle (0.4 ppb at 2.6 GHz).
pub const SHIFT: u32 = 32;

/// The largest rate correction, in parts per million of the measured TSC
/// rate (NTP's own slew limit).
pub const MAX_SLEW_PPM: u64 = 500;

/// An error (our clock against the host's) beyond which a clock steps to
/// the host's value instead of slewing toward it: 100 ms.
pub const STEP_NS: u64 = 100_000_000;

/// One clock as a function of the TSC; the words of a clock record in the
/// `[vvar]` page (see [`crate::layout`]).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ClockParams {
    /// The TSC value the function is anchored at.
    pub base_cycles: u64,
    /// The clock's nanoseconds at `base_cycles`.
    pub base_ns: u64,
    /// Nanoseconds per cycle, times `2^shift`.
    pub mult: u64,
    /// The fixed-point shift of `mult`, below 64.
    pub shift: u32,
}

/// A reading of a reference (host) clock at a TSC value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Sample {
    /// The TSC value of the reading.
    pub cycles: u64,
    /// The reference clock's nanoseconds then.
    pub ns: u64,
}

/// How far a clock may jump when it is more than [`STEP_NS`] off.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Jumps {
    /// Forward and backward: `CLOCK_REALTIME`, which follows the host's
    /// `settimeofday` as Linux's does.
    Both,
    /// Forward only: `CLOCK_MONOTONIC` never goes backwards.
    ForwardOnly,
}

impl ClockParams {
    /// The clock's nanoseconds at TSC value `cycles`, exactly as `vdso.S`
    /// computes them (the product is 128 bits wide, so it cannot overflow;
    /// the final addition wraps as the `add` instruction does, which takes
    /// centuries of uptime).
    pub fn ns_at(&self, cycles: u64) -> u64 {
        let delta = cycles.saturating_sub(self.base_cycles);
        let scaled = (u128::from(delta) * u128::from(self.mult)) >> (self.shift & 63);
        self.base_ns.wrapping_add(scaled as u64)
    }

    /// The record's words in page order: base cycles, base nanoseconds,
    /// mult, shift.
    pub fn words(&self) -> [u64; 4] {
        [
            self.base_cycles,
            self.base_ns,
            self.mult,
            u64::from(self.shift),
        ]
    }

    /// Parameters that start at `at` (the host's value there) and run at
    /// the rate `mult`.
    pub fn start(at: Sample, mult: u64) -> ClockParams {
        ClockParams {
            base_cycles: at.cycles,
            base_ns: at.ns,
            mult,
            shift: SHIFT,
        }
    }

    /// The parameters after an update at `at` (the host's reading at a TSC
    /// value taken after every reader of `self` finished): anchored at the
    /// value `self` gives at `at.cycles`, running at the measured rate
    /// `nominal_mult` plus the correction that closes the error to `at.ns`
    /// over the next `horizon_ns`, clamped to [`MAX_SLEW_PPM`]. An error
    /// beyond [`STEP_NS`] steps to `at.ns` instead, as `jumps` allows.
    pub fn steer(&self, nominal_mult: u64, at: Sample, horizon_ns: u64, jumps: Jumps) -> Self {
        let cycles = at.cycles.max(self.base_cycles);
        let ours = self.ns_at(cycles);
        let err = i128::from(at.ns) - i128::from(ours);
        let step = i128::from(STEP_NS);
        if err > step || (jumps == Jumps::Both && err < -step) {
            return ClockParams::start(Sample { cycles, ns: at.ns }, nominal_mult);
        }
        // |err| <= STEP_NS < 2^27 and nominal < 2^64: no i128 overflow.
        let nominal = i128::from(nominal_mult);
        let bound = nominal * i128::from(MAX_SLEW_PPM) / 1_000_000;
        let adjust = (nominal * err / i128::from(horizon_ns.max(1))).clamp(-bound, bound);
        ClockParams {
            base_cycles: cycles,
            base_ns: ours,
            mult: u64::try_from(nominal + adjust).unwrap_or(u64::MAX),
            shift: SHIFT,
        }
    }
}

/// The `mult` (at [`SHIFT`]) of a counter that advanced `cycles` while a
/// reference clock advanced `ns`; `None` for no cycles or an absurd rate.
pub fn mult_for(ns: u64, cycles: u64) -> Option<u64> {
    if cycles == 0 {
        return None;
    }
    u64::try_from((u128::from(ns) << SHIFT) / u128::from(cycles))
        .ok()
        .filter(|&m| m > 0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const YEAR_NS: u128 = 365 * 86_400 * 1_000_000_000;

    /// The ideal reading of a counter at `hz` after `delta` cycles, in
    /// nanoseconds (exact rational, floored).
    fn ideal(delta: u64, hz: u64) -> u128 {
        u128::from(delta) * 1_000_000_000 / u128::from(hz)
    }

    #[test]
    fn a_known_rate() {
        // 2.5 GHz: 0.4 ns per cycle.
        let m = mult_for(2, 5).unwrap();
        assert_eq!(m, (2u64 << 32) / 5);
        let p = ClockParams::start(
            Sample {
                cycles: 1000,
                ns: 7,
            },
            m,
        );
        assert_eq!(p.ns_at(1000), 7);
        assert_eq!(
            p.ns_at(999),
            7,
            "a counter behind the anchor reads the anchor"
        );
        assert_eq!(p.ns_at(1000 + 2_500_000_000), 7 + 999_999_999);
        assert_eq!(p.words(), [1000, 7, m, 32]);
        assert_eq!(mult_for(1, 0), None);
        assert_eq!(mult_for(0, 10), None);
        assert_eq!(mult_for(u64::MAX, 1), None);
    }

    #[test]
    fn an_update_with_no_error_keeps_the_rate() {
        let m = mult_for(1_000_000_000, 2_600_000_000).unwrap();
        let p = ClockParams::start(Sample { cycles: 0, ns: 0 }, m);
        let at = Sample {
            cycles: 2_600_000_000,
            ns: p.ns_at(2_600_000_000),
        };
        let q = p.steer(m, at, 1_000_000_000, Jumps::ForwardOnly);
        assert_eq!((q.base_cycles, q.base_ns, q.mult), (at.cycles, at.ns, m));
    }

    #[test]
    fn large_errors_step_as_the_clock_allows() {
        let m = mult_for(1, 1).unwrap();
        let p = ClockParams::start(
            Sample {
                cycles: 0,
                ns: 1 << 40,
            },
            m,
        );
        let ahead = Sample {
            cycles: 10,
            ns: (1 << 40) + 10 + STEP_NS + 1,
        };
        let behind = Sample {
            cycles: 10,
            ns: (1 << 40) - STEP_NS - 1,
        };
        for jumps in [Jumps::Both, Jumps::ForwardOnly] {
            assert_eq!(p.steer(m, ahead, 1000, jumps).ns_at(10), ahead.ns);
        }
        assert_eq!(p.steer(m, behind, 1000, Jumps::Both).ns_at(10), behind.ns);
        let slewed = p.steer(m, behind, 1000, Jumps::ForwardOnly);
        assert_eq!(slewed.ns_at(10), p.ns_at(10), "monotonic never steps back");
        assert_eq!(slewed.mult, m - m * MAX_SLEW_PPM / 1_000_000);
    }

    /// A host clock whose true rate is `hz` while the Sentry's first
    /// estimate is off by `ppm`: updates every second (as the timekeeper
    /// does, estimating the rate over the whole run) bring the error under
    /// a few nanoseconds within a few updates.
    #[test]
    fn updates_follow_the_host_clock() {
        let hz: u64 = 2_596_122_000;
        let host = |c: u64| (ideal(c, hz) + 1_700_000_000_000_000_000) as u64;
        let first = Sample {
            cycles: 0,
            ns: host(0),
        };
        let wrong = mult_for(1_000_020_000, hz).unwrap(); // 20 ppm fast
        let mut p = ClockParams::start(first, wrong);
        let mut errors = Vec::new();
        for i in 1..=8u64 {
            let c = i * hz;
            let at = Sample {
                cycles: c,
                ns: host(c),
            };
            errors.push(i128::from(host(c)) - i128::from(p.ns_at(c)));
            let nominal = mult_for(at.ns - first.ns, at.cycles - first.cycles).unwrap();
            p = p.steer(nominal, at, 1_000_000_000, Jumps::ForwardOnly);
        }
        assert!(errors[0] < -19_000, "20 ppm over 1 s: {errors:?}");
        assert!(errors[3..].iter().all(|e| e.abs() <= 4), "{errors:?}");
    }

    proptest! {
        /// The fixed-point product against exact rational arithmetic, for
        /// counters from 100 MHz to 10 GHz and a day since the anchor.
        #[test]
        fn exact_to_a_nanosecond_per_four_seconds(
            hz in 100_000_000u64..10_000_000_000,
            delta_ns in 0u64..86_400_000_000_000,
            base_ns in 0u64..(1 << 62),
            base_cycles in 0u64..(1 << 62),
        ) {
            let m = mult_for(1_000_000_000, hz).unwrap();
            let p = ClockParams::start(Sample { cycles: base_cycles, ns: base_ns }, m);
            let delta = (u128::from(delta_ns) * u128::from(hz) / 1_000_000_000) as u64;
            let got = u128::from(p.ns_at(base_cycles + delta) - base_ns);
            let want = ideal(delta, hz);
            // mult is floored: at most one 2^-32 ns per cycle short, plus
            // the final floor.
            let slack = u128::from(delta >> 32) + 1;
            prop_assert!(got <= want && want - got <= slack, "{got} vs {want}");
        }

        /// Years of uptime neither overflow nor lose precision: fifty
        /// years (a 64-bit TSC itself wraps after 58 at 10 GHz).
        #[test]
        fn no_overflow_over_fifty_years(
            hz in 100_000_000u64..10_000_000_000,
            years in 0u64..=50,
            base_ns in 0u64..(1u64 << 61),
        ) {
            let m = mult_for(1_000_000_000, hz).unwrap();
            let p = ClockParams::start(Sample { cycles: 0, ns: base_ns }, m);
            let delta = u64::try_from(u128::from(years) * YEAR_NS * u128::from(hz)
                / 1_000_000_000).unwrap();
            let got = p.ns_at(delta);
            prop_assert!(got >= base_ns);
            let want = ideal(delta, hz);
            let got = u128::from(got - base_ns);
            prop_assert!(got <= want && want - got <= u128::from(delta >> 32) + 1);
        }

        /// Whatever the host says at each update (within or beyond the
        /// step threshold, before or after the current reading), readings
        /// at increasing TSC values across any number of updates of a
        /// monotonic clock never decrease, and every slewed rate stays
        /// within MAX_SLEW_PPM of the measured one.
        #[test]
        fn monotonic_across_updates_with_bounded_rate(
            hz in 100_000_000u64..10_000_000_000,
            steps in proptest::collection::vec(
                (1u64..5_000_000_000, -2_000_000_000i64..2_000_000_000, 0u64..4, 1u64..2_000_000_000),
                1..40,
            ),
        ) {
            let nominal = mult_for(1_000_000_000, hz).unwrap();
            let mut p = ClockParams::start(Sample { cycles: 1 << 40, ns: 1 << 50 }, nominal);
            let (mut cycles, mut last) = (1u64 << 40, 0u64);
            for (advance, err, reads, horizon) in steps {
                // Readers before the update, with the old parameters.
                for r in 0..reads {
                    let v = p.ns_at(cycles + r * advance / 4);
                    prop_assert!(v >= last);
                    last = v;
                }
                cycles += advance;
                let ours = p.ns_at(cycles);
                let at = Sample { cycles, ns: ours.saturating_add_signed(err) };
                let q = p.steer(nominal, at, horizon, Jumps::ForwardOnly);
                prop_assert!(q.ns_at(cycles) >= ours);
                if q.ns_at(cycles) == ours {
                    let diff = q.mult.abs_diff(nominal);
                    prop_assert!(diff <= nominal / 1_000_000 * MAX_SLEW_PPM + MAX_SLEW_PPM);
                } else {
                    prop_assert!(err > STEP_NS as i64);
                }
                p = q;
            }
        }
    }
}
