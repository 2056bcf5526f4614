//! Judging a whole suite run: per-case verdicts with the deviation list
//! applied, stale deviations, broken tests, and the table per family.

use super::cases::{self, Output, Verdict};
use super::deviations::Deviation;
use std::collections::BTreeMap;
use std::fmt::Write as _;

/// One program run under runsc, next to its native run.
#[derive(Debug, Clone)]
pub struct Run {
    /// The program's file stem (`fs_open`).
    pub stem: String,
    /// `static` or `dynamic`.
    pub variant: String,
    /// The runsc platform.
    pub platform: String,
    /// The native (oracle) output of the same binary.
    pub native: Output,
    /// The output under runsc.
    pub sandbox: Output,
}

/// A difference no deviation covers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Failure {
    /// The case name.
    pub case: String,
    /// The runsc platform it differed on.
    pub platform: String,
    /// The build it differed in.
    pub variant: String,
    /// How the lines differ.
    pub how: String,
}

impl std::fmt::Display for Failure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} [{} {}]: {}",
            self.case, self.platform, self.variant, self.how
        )
    }
}

/// Counts of one row of the table.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Counts {
    /// Case instances judged.
    pub cases: usize,
    /// Same line as native, `ok`.
    pub passed: usize,
    /// Differences nobody listed, and cases of broken programs.
    pub failed: usize,
    /// Same line as native, `skip`.
    pub skipped: usize,
    /// Differences the deviation list covers.
    pub deviations: usize,
}

/// The judgement of a suite run.
#[derive(Debug, Default)]
pub struct Tally {
    /// Counts by (platform, family).
    pub rows: BTreeMap<(String, String), Counts>,
    /// Every unexpected difference.
    pub failures: Vec<Failure>,
    /// One line per listed deviation that no longer differs.
    pub stale: Vec<String>,
    /// One line per problem of a program natively (a broken test).
    pub broken: Vec<String>,
}

impl Tally {
    /// Sum over all rows.
    pub fn total(&self) -> Counts {
        let mut t = Counts::default();
        for c in self.rows.values() {
            t.cases += c.cases;
            t.passed += c.passed;
            t.failed += c.failed;
            t.skipped += c.skipped;
            t.deviations += c.deviations;
        }
        t
    }

    /// Whether the run must fail.
    pub fn failed(&self) -> bool {
        !self.failures.is_empty() || !self.stale.is_empty() || !self.broken.is_empty()
    }

    /// The tables (one per platform, a row per family) and the closing line
    /// `N passed, N failed`.
    pub fn render(&self) -> String {
        let mut s = String::new();
        let mut platform = None;
        for ((p, fam), c) in &self.rows {
            if platform != Some(p) {
                platform = Some(p);
                let _ = writeln!(s, "\nplatform {p}");
                let _ = writeln!(
                    s,
                    "  {:<16} {:>6} {:>7} {:>7} {:>8} {:>10}",
                    "family", "cases", "passed", "failed", "skipped", "deviations"
                );
            }
            let _ = writeln!(
                s,
                "  {:<16} {:>6} {:>7} {:>7} {:>8} {:>10}",
                fam, c.cases, c.passed, c.failed, c.skipped, c.deviations
            );
        }
        let t = self.total();
        let failed = t.failed + self.stale.len();
        let _ = writeln!(
            s,
            "\n{} cases: {} skipped, {} known deviations, {} stale deviations, {} broken-test problems",
            t.cases,
            t.skipped,
            t.deviations,
            self.stale.len(),
            self.broken.len()
        );
        let _ = writeln!(s, "{} passed, {} failed", t.passed, failed);
        s
    }
}

/// Judges `runs` against the deviation list. `complete` says the whole
/// suite ran (no filter), so an entry naming a case no program printed is
/// stale too.
pub fn tally(runs: &[Run], deviations: &[Deviation], complete: bool) -> Tally {
    let mut t = Tally::default();
    let mut used = vec![false; deviations.len()];
    let mut in_scope = vec![false; deviations.len()];
    let mut applicable = vec![false; deviations.len()];
    let mut seen_native = std::collections::BTreeSet::new();
    for r in runs {
        let problems = cases::native_problems(&r.stem, &r.native);
        if seen_native.insert((r.stem.clone(), r.variant.clone())) {
            for p in &problems {
                t.broken.push(format!("{} ({}): {p}", r.stem, r.variant));
            }
        }
        for (i, d) in deviations.iter().enumerate() {
            if d.applies(&r.platform, &r.variant) {
                applicable[i] = true;
                if r.native.cases.contains_key(&d.case) || r.sandbox.cases.contains_key(&d.case) {
                    in_scope[i] = true;
                }
            }
        }
        for (case, verdict) in cases::compare(&r.native, &r.sandbox) {
            let row = t
                .rows
                .entry((r.platform.clone(), cases::family(&case).to_string()))
                .or_default();
            row.cases += 1;
            if !problems.is_empty() {
                row.failed += 1;
                continue;
            }
            match verdict {
                Verdict::Pass => row.passed += 1,
                Verdict::Skip => row.skipped += 1,
                Verdict::Differs(how) => {
                    let listed = deviations
                        .iter()
                        .position(|d| d.case == case && d.applies(&r.platform, &r.variant));
                    match listed {
                        Some(i) => {
                            used[i] = true;
                            row.deviations += 1;
                        }
                        None => {
                            row.failed += 1;
                            t.failures.push(Failure {
                                case: case.clone(),
                                platform: r.platform.clone(),
                                variant: r.variant.clone(),
                                how,
                            });
                        }
                    }
                }
            }
        }
    }
    for (i, d) in deviations.iter().enumerate() {
        if used[i] {
            continue;
        }
        if in_scope[i] {
            t.stale.push(format!(
                "{}: listed as a deviation but agrees with native now (remove the entry)",
                d.case
            ));
        } else if complete && applicable[i] {
            t.stale.push(format!(
                "{}: listed as a deviation but no program prints this case",
                d.case
            ));
        }
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::conformance::deviations;

    fn run(native: &str, sandbox: &str) -> Run {
        Run {
            stem: "fs_x".into(),
            variant: "static".into(),
            platform: "systrap".into(),
            native: cases::parse(native),
            sandbox: cases::parse(sandbox),
        }
    }

    fn list(text: &str) -> Vec<Deviation> {
        deviations::parse(text).unwrap()
    }

    const NATIVE: &str = "ok fs.a\nok fs.b\nskip fs.c: no feature\n";

    #[test]
    fn agreement_passes_and_skips_are_not_passes() {
        let t = tally(&[run(NATIVE, NATIVE)], &[], true);
        assert!(!t.failed());
        let c = t.total();
        assert_eq!((c.cases, c.passed, c.skipped, c.failed), (3, 2, 1, 0));
        assert!(t.render().ends_with("2 passed, 0 failed\n"));
    }

    #[test]
    fn one_differing_case_fails_the_run() {
        let sandbox = "ok fs.a\nnot ok fs.b: errno ENOSYS, want EPERM\nskip fs.c: no feature\n";
        let t = tally(&[run(NATIVE, sandbox)], &[], true);
        assert!(t.failed());
        assert_eq!(t.failures.len(), 1);
        assert!(t.failures[0]
            .to_string()
            .starts_with("fs.b [systrap static]"));
        assert!(t.render().ends_with("1 passed, 1 failed\n"));
    }

    #[test]
    fn a_listed_difference_is_a_deviation_not_a_failure() {
        let sandbox = "ok fs.a\nnot ok fs.b: x\nskip fs.c: no feature\n";
        let l = list("[[deviation]]\ncase = \"fs.b\"\nreason = \"r\"\nfollow_up = \"f\"\n");
        let t = tally(&[run(NATIVE, sandbox)], &l, true);
        assert!(!t.failed(), "{t:?}");
        assert_eq!(t.total().deviations, 1);
        // Limited to another platform, the entry does not cover it.
        let l = list("[[deviation]]\ncase = \"fs.b\"\nplatforms = [\"ptrace\"]\nreason = \"r\"\nfollow_up = \"f\"\n");
        assert!(tally(&[run(NATIVE, sandbox)], &l, true).failed());
    }

    #[test]
    fn a_stale_deviation_fails_the_run() {
        let l = list("[[deviation]]\ncase = \"fs.a\"\nreason = \"r\"\nfollow_up = \"f\"\n");
        let t = tally(&[run(NATIVE, NATIVE)], &l, true);
        assert!(t.failed());
        assert_eq!(t.stale.len(), 1);
        assert!(t.stale[0].contains("agrees with native"));
        assert!(t.render().ends_with("2 passed, 1 failed\n"));
        // An entry for a case nobody prints is stale in a complete run only.
        let l = list("[[deviation]]\ncase = \"fs.zz\"\nreason = \"r\"\nfollow_up = \"f\"\n");
        assert!(tally(&[run(NATIVE, NATIVE)], &l, true).failed());
        assert!(!tally(&[run(NATIVE, NATIVE)], &l, false).failed());
    }

    #[test]
    fn a_test_failing_natively_is_broken() {
        let native = "ok fs.a\nnot ok fs.b: wrong test\n";
        let t = tally(&[run(native, native)], &[], true);
        assert!(t.failed());
        assert_eq!(t.broken.len(), 1);
        assert_eq!(t.total().failed, 2);
    }
}
