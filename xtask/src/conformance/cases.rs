//! The case lines a conformance program prints, and the per-case comparison
//! of a sandbox run against the native run (the oracle).
//!
//! A program prints `ok fam.case`, `not ok fam.case: detail` or
//! `skip fam.case: reason`, one line per case; other lines (a `setup failed`
//! message) are kept for the diagnostics only. How the program ended (exit
//! status, signal, timeout) is compared too, as the pseudo-case `STEM:exit`.

use std::collections::BTreeMap;
use std::fmt;

/// What a case line says.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// `ok`: the case passed.
    Ok,
    /// `not ok`: the case failed.
    NotOk,
    /// `skip`: the case could not run (privilege, kernel feature).
    Skip,
}

/// One case's line: status and detail (empty when the line has none).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaseLine {
    /// The status word.
    pub status: Status,
    /// Text after `: `, or empty.
    pub detail: String,
}

impl fmt::Display for CaseLine {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let word = match self.status {
            Status::Ok => "ok",
            Status::NotOk => "not ok",
            Status::Skip => "skip",
        };
        if self.detail.is_empty() {
            f.write_str(word)
        } else {
            write!(f, "{word}: {}", self.detail)
        }
    }
}

/// The parsed output of one program run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Output {
    /// Case lines by case name (`fam.case`), in name order.
    pub cases: BTreeMap<String, CaseLine>,
    /// Case names printed more than once (a broken test).
    pub duplicates: Vec<String>,
    /// Lines that are not case lines (e.g. `setup failed ...`).
    pub other: Vec<String>,
}

/// Parses a program's standard output.
pub fn parse(text: &str) -> Output {
    let mut out = Output::default();
    for line in text.lines() {
        let Some((status, rest)) = line
            .strip_prefix("ok ")
            .map(|r| (Status::Ok, r))
            .or_else(|| line.strip_prefix("not ok ").map(|r| (Status::NotOk, r)))
            .or_else(|| line.strip_prefix("skip ").map(|r| (Status::Skip, r)))
        else {
            if !line.trim().is_empty() {
                out.other.push(line.to_string());
            }
            continue;
        };
        let (name, detail) = match rest.split_once(": ") {
            Some((n, d)) => (n, d),
            None => (rest, ""),
        };
        let name = name.trim();
        if name.is_empty() || name.contains(char::is_whitespace) {
            out.other.push(line.to_string());
            continue;
        }
        let case = CaseLine {
            status,
            detail: detail.to_string(),
        };
        if out.cases.insert(name.to_string(), case).is_some() {
            out.duplicates.push(name.to_string());
        }
    }
    out
}

/// How a case fared in one sandbox run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Verdict {
    /// Same line as native, and native says `ok`.
    Pass,
    /// Same line as native, and native says `skip`.
    Skip,
    /// The lines differ; the text says how.
    Differs(String),
}

/// The native line of `case` is `not ok` (or the program is otherwise
/// broken natively): the test itself is wrong, whatever the sandbox says.
pub fn native_problems(stem: &str, native: &Output) -> Vec<String> {
    let mut v = Vec::new();
    for (name, line) in &native.cases {
        if line.status == Status::NotOk {
            v.push(format!("{name}: fails natively ({line})"));
        }
    }
    for d in &native.duplicates {
        v.push(format!("{d}: printed more than once"));
    }
    if native.cases.is_empty() {
        v.push(format!("{stem}: printed no case lines natively"));
    }
    v
}

/// Compares every case of `native` with `sandbox`: a case missing on either
/// side is a difference, as is any difference of status or detail.
pub fn compare(native: &Output, sandbox: &Output) -> BTreeMap<String, Verdict> {
    let mut out = BTreeMap::new();
    for (name, want) in &native.cases {
        let v = match sandbox.cases.get(name) {
            None => Verdict::Differs(format!("missing under runsc (native: {want})")),
            Some(have) if have == want => match want.status {
                Status::Skip => Verdict::Skip,
                _ => Verdict::Pass,
            },
            Some(have) => Verdict::Differs(format!("runsc: {have}; native: {want}")),
        };
        out.insert(name.clone(), v);
    }
    for (name, have) in &sandbox.cases {
        if !native.cases.contains_key(name) {
            out.insert(
                name.clone(),
                Verdict::Differs(format!("only under runsc ({have})")),
            );
        }
    }
    for d in &sandbox.duplicates {
        out.insert(
            d.clone(),
            Verdict::Differs("printed more than once under runsc".into()),
        );
    }
    out
}

/// The family of a case name: the part before the first `.` (or `:` for
/// the `STEM:exit` pseudo-case).
pub fn family(case: &str) -> &str {
    case.split(['.', ':']).next().unwrap_or(case)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_kinds_and_keeps_other_lines() {
        let o = parse(
            "ok fs.a\nnot ok fs.b: errno EPERM, want ENOENT\nskip fs.c: no root\nsetup failed: x\n",
        );
        assert_eq!(o.cases.len(), 3);
        assert_eq!(o.cases["fs.a"].status, Status::Ok);
        assert_eq!(o.cases["fs.b"].detail, "errno EPERM, want ENOENT");
        assert_eq!(o.cases["fs.c"].status, Status::Skip);
        assert_eq!(o.other, vec!["setup failed: x".to_string()]);
    }

    #[test]
    fn a_repeated_case_is_reported() {
        let o = parse("ok fs.a\nok fs.a\n");
        assert_eq!(o.duplicates, vec!["fs.a".to_string()]);
        assert!(!native_problems("fs", &o).is_empty());
    }

    #[test]
    fn native_failures_make_the_test_broken() {
        let o = parse("ok fs.a\nnot ok fs.b: x\n");
        let p = native_problems("fs", &o);
        assert_eq!(p.len(), 1);
        assert!(p[0].starts_with("fs.b"));
        assert!(native_problems("fs", &parse("")).len() == 1);
    }

    #[test]
    fn one_differing_case_is_found() {
        let n = parse("ok fs.a\nok fs.b\nskip fs.c: r\n");
        let s = parse("ok fs.a\nnot ok fs.b: errno ENOSYS, want 0\nskip fs.c: r\n");
        let v = compare(&n, &s);
        assert_eq!(v["fs.a"], Verdict::Pass);
        assert_eq!(v["fs.c"], Verdict::Skip);
        assert!(matches!(v["fs.b"], Verdict::Differs(_)));
    }

    #[test]
    fn details_count_and_missing_or_extra_cases_differ() {
        let n = parse("not ok fs.a: one\nok fs.b\n");
        let s = parse("not ok fs.a: two\nok fs.x\n");
        let v = compare(&n, &s);
        assert!(matches!(v["fs.a"], Verdict::Differs(_)));
        assert!(matches!(v["fs.b"], Verdict::Differs(_)));
        assert!(matches!(v["fs.x"], Verdict::Differs(_)));
        // A native skip that passes under runsc is a difference too.
        let v = compare(&parse("skip fs.a: r\n"), &parse("ok fs.a\n"));
        assert!(matches!(v["fs.a"], Verdict::Differs(_)));
    }

    #[test]
    fn family_is_the_prefix() {
        assert_eq!(family("fs.open_enoent"), "fs");
        assert_eq!(family("fs_open:exit"), "fs_open");
    }
}
