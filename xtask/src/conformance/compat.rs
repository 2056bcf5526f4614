//! `docs/compatibility.md`: every x86-64 system call with its status, the
//! conformance cases that cover it and notes.
//!
//! The rows and statuses come from `docs/syscalls.md` (generated from the
//! kernel's table and kept fresh by the kernel's own test). Coverage comes
//! from the sources, not from a run, so the document is deterministic: in a
//! `tests/conformance/*.c` file, a `COVERS("name", ...)` line attributes the
//! cases named after it (up to the next `COVERS`) to those system calls. A
//! case name is the string literal opening a call of `ok`, `fail`, `skip`,
//! `CHECK`, `EXPECT_ERRNO`, `EXPECT_EQ` or `EXPECT_OK`, prefixed with the
//! family given to `conf_begin`.

use super::deviations::Deviation;
use anyhow::{bail, Context, Result};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

/// The calls whose first argument is a case name.
const CASE_CALLS: &[&str] = &[
    "ok",
    "fail",
    "skip",
    "CHECK",
    "EXPECT_ERRNO",
    "EXPECT_EQ",
    "EXPECT_OK",
];

/// What one source file says statically.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Coverage {
    /// Cases by system call name.
    pub by_syscall: BTreeMap<String, BTreeSet<String>>,
    /// Every case name found.
    pub cases: BTreeSet<String>,
}

/// The string literals among the arguments of the call whose `(` starts
/// `rest`, up to the matching `)`.
fn literals_in_call(rest: &str) -> Vec<String> {
    let mut v = Vec::new();
    let mut depth = 0;
    let mut chars = rest.chars();
    while let Some(c) = chars.next() {
        match c {
            '(' => depth += 1,
            ')' => {
                depth -= 1;
                if depth == 0 {
                    break;
                }
            }
            '"' => {
                let mut s = String::new();
                for c in chars.by_ref() {
                    if c == '"' {
                        break;
                    }
                    s.push(c);
                }
                v.push(s);
            }
            _ => {}
        }
    }
    v
}

/// The first string literal argument of the call starting at `rest`, when
/// it is the first token after `(`.
fn first_literal(rest: &str) -> Option<String> {
    let r = rest.strip_prefix('(')?.trim_start().strip_prefix('"')?;
    let end = r.find('"')?;
    Some(r[..end].to_string())
}

/// Scans one source file (C text) for its family, COVERS lines and cases.
pub fn scan(text: &str, cov: &mut Coverage) {
    let family = text
        .find("conf_begin(")
        .and_then(|i| first_literal(&text[i + "conf_begin".len()..]))
        .unwrap_or_else(|| "?".into());
    let mut current: Vec<String> = Vec::new();
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < text.len() {
        let at_ident_start =
            i == 0 || !(bytes[i - 1].is_ascii_alphanumeric() || bytes[i - 1] == b'_');
        if !at_ident_start || !(bytes[i].is_ascii_alphabetic() || bytes[i] == b'_') {
            i += 1;
            continue;
        }
        let end = text[i..]
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .map_or(text.len(), |n| i + n);
        let word = &text[i..end];
        let rest = &text[end..];
        if word == "COVERS" && rest.starts_with('(') {
            current = literals_in_call(rest);
        } else if CASE_CALLS.contains(&word) {
            if let Some(name) = first_literal(rest) {
                let case = format!("{family}.{name}");
                for s in &current {
                    cov.by_syscall
                        .entry(s.clone())
                        .or_default()
                        .insert(case.clone());
                }
                cov.cases.insert(case);
            }
        }
        i = end;
    }
}

/// Scans every `*.c` file in `dir`.
pub fn scan_dir(dir: &Path) -> Result<Coverage> {
    let mut cov = Coverage::default();
    for src in super::programs::sources(dir, None)? {
        let text = std::fs::read_to_string(&src).with_context(|| src.display().to_string())?;
        scan(&text, &mut cov);
    }
    Ok(cov)
}

/// One row of docs/syscalls.md.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Row {
    /// The syscall number.
    pub nr: u32,
    /// Its name.
    pub name: String,
    /// The status cell, as the kernel's table words it.
    pub status: String,
}

/// Parses the rows of docs/syscalls.md (`| nr | `name` | status |`).
pub fn parse_syscalls_md(text: &str) -> Vec<Row> {
    text.lines()
        .filter_map(|l| {
            let cells: Vec<&str> = l.trim().trim_matches('|').split(" | ").collect();
            let [nr, name, status] = cells.as_slice() else {
                return None;
            };
            Some(Row {
                nr: nr.trim().parse().ok()?,
                name: name.trim().trim_matches('`').to_string(),
                status: status.trim().to_string(),
            })
        })
        .collect()
}

/// The status word and note of a kernel table status cell.
fn status_of(cell: &str) -> (&'static str, String) {
    if cell == "supported" {
        ("full", String::new())
    } else if let Some(n) = cell.strip_prefix("partial: ") {
        ("partial", n.to_string())
    } else {
        ("unsupported", cell.to_string())
    }
}

/// Renders docs/compatibility.md.
pub fn render(rows: &[Row], cov: &Coverage, deviations: &[Deviation]) -> Result<String> {
    if rows.is_empty() {
        bail!("docs/syscalls.md has no rows");
    }
    let mut dev_by_case: BTreeMap<&str, Vec<&Deviation>> = BTreeMap::new();
    for d in deviations {
        dev_by_case.entry(d.case.as_str()).or_default().push(d);
    }
    let known: BTreeSet<&str> = rows.iter().map(|r| r.name.as_str()).collect();
    let covered = rows
        .iter()
        .filter(|r| cov.by_syscall.contains_key(&r.name))
        .count();
    let mut s = String::new();
    s.push_str("# Compatibility (x86-64)\n\n");
    s.push_str(
        "Generated by `cargo xtask conformance --update-docs` from `docs/syscalls.md` (the \
         kernel's table), the `COVERS(...)` lines and case names of `tests/conformance/*.c`, \
         and `tests/conformance/deviations.toml`. `cargo xtask conformance` runs every case \
         natively and under `runsc do` on each platform and fails on any difference that the \
         deviation list does not name.\n\n",
    );
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for r in rows {
        *counts.entry(status_of(&r.status).0).or_default() += 1;
    }
    let _ = writeln!(
        s,
        "{} system calls: {} full, {} partial, {} unsupported. {} conformance cases; {} system \
         calls covered by at least one case; {} known deviations.\n",
        rows.len(),
        counts.get("full").unwrap_or(&0),
        counts.get("partial").unwrap_or(&0),
        counts.get("unsupported").unwrap_or(&0),
        cov.cases.len(),
        covered,
        deviations.len()
    );
    s.push_str("| nr | name | status | cases | notes |\n|---:|---|---|---|---|\n");
    for r in rows {
        let (word, mut note) = status_of(&r.status);
        let cases = cov.by_syscall.get(&r.name);
        let devs: Vec<&str> = cases
            .into_iter()
            .flatten()
            .filter(|c| dev_by_case.contains_key(c.as_str()))
            .map(String::as_str)
            .collect();
        if !devs.is_empty() {
            if !note.is_empty() {
                note.push_str("; ");
            }
            let _ = write!(note, "deviations: {}", devs.join(", "));
        }
        let case_cell = match cases {
            None => String::new(),
            Some(c) => {
                let names: Vec<&str> = c.iter().map(String::as_str).collect();
                format!("{}: {}", c.len(), names.join(" "))
            }
        };
        let _ = writeln!(
            s,
            "| {} | `{}` | {word} | {case_cell} | {} |",
            r.nr,
            r.name,
            note.replace('|', "\\|")
        );
    }
    let unknown: Vec<&String> = cov
        .by_syscall
        .keys()
        .filter(|k| !known.contains(k.as_str()))
        .collect();
    if !unknown.is_empty() {
        bail!("COVERS names system calls the table does not know: {unknown:?}");
    }
    s.push_str("\n## By family\n\n| family | cases | with a deviation |\n|---|---:|---:|\n");
    let mut families: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    for c in &cov.cases {
        let e = families.entry(super::cases::family(c)).or_default();
        e.0 += 1;
        if dev_by_case.contains_key(c.as_str()) {
            e.1 += 1;
        }
    }
    for (fam, (n, d)) in families {
        let _ = writeln!(s, "| {fam} | {n} | {d} |");
    }
    s.push_str("\n## Known deviations\n\n");
    if deviations.is_empty() {
        s.push_str("None.\n");
    } else {
        s.push_str("| case | platforms | variant | reason | follow-up |\n|---|---|---|---|---|\n");
        for d in deviations {
            let _ = writeln!(
                s,
                "| `{}` | {} | {} | {} | {} |",
                d.case,
                d.platforms
                    .as_ref()
                    .map_or("all".to_string(), |p| p.join(", ")),
                d.variant.as_deref().unwrap_or("both"),
                d.reason.replace('|', "\\|"),
                d.follow_up.replace('|', "\\|")
            );
        }
    }
    Ok(s)
}

/// Renders the document from the files of the workspace at `root`.
pub fn render_workspace(root: &Path) -> Result<String> {
    let md = std::fs::read_to_string(root.join("docs/syscalls.md"))
        .context("reading docs/syscalls.md")?;
    let dir = root.join("tests/conformance");
    let devs = super::deviations::load(&dir.join("deviations.toml"))?;
    render(&parse_syscalls_md(&md), &scan_dir(&dir)?, &devs)
}

#[cfg(test)]
mod tests {
    use super::*;

    const SRC: &str = r#"
int main(void) {
    conf_begin("fs");
    COVERS("open", "openat");
    EXPECT_ERRNO("open_enoent", open("x", 0), ENOENT);
    if (x) ok("open_ok"); else fail("open_ok", "bad %d", 1);
    COVERS("close");
    CHECK("close_ok", close(3) == 0, "close");
    notok("nope");
}
"#;

    #[test]
    fn covers_lines_attribute_the_cases_after_them() {
        let mut c = Coverage::default();
        scan(SRC, &mut c);
        assert_eq!(c.cases.len(), 3);
        let open: Vec<&String> = c.by_syscall["openat"].iter().collect();
        assert_eq!(open, ["fs.open_enoent", "fs.open_ok"]);
        assert_eq!(c.by_syscall["close"].len(), 1);
        assert!(!c.by_syscall.contains_key("notok"));
    }

    #[test]
    fn renders_rows_statuses_cases_and_deviations() {
        let rows = parse_syscalls_md(
            "| nr | name | status |\n|---:|---|---|\n| 2 | `open` | supported |\n| 3 | `close` | partial: x |\n| 23 | `select` | returns ENOSYS |\n",
        );
        assert_eq!(rows.len(), 3);
        let mut c = Coverage::default();
        scan(SRC.replace("\"openat\"", "\"open\"").as_str(), &mut c);
        let devs = super::super::deviations::parse(
            "[[deviation]]\ncase = \"fs.open_ok\"\nreason = \"r\"\nfollow_up = \"f\"\n",
        )
        .unwrap();
        let doc = render(&rows, &c, &devs).unwrap();
        assert!(doc.contains(
            "| 2 | `open` | full | 2: fs.open_enoent fs.open_ok | deviations: fs.open_ok |"
        ));
        assert!(doc.contains("| 3 | `close` | partial | 1: fs.close_ok | x |"));
        assert!(doc.contains("| 23 | `select` | unsupported |  | returns ENOSYS |"));
        assert!(doc.contains("| fs | 3 | 1 |"));
        // COVERS naming an unknown system call is an error.
        let mut c = Coverage::default();
        scan(SRC, &mut c);
        assert!(render(&rows, &c, &[]).is_err());
    }

    #[test]
    fn docs_compatibility_md_is_fresh() {
        let root = crate::util::workspace_root();
        let want = render_workspace(&root).unwrap();
        let have = std::fs::read_to_string(root.join("docs/compatibility.md")).unwrap_or_default();
        assert!(
            have == want,
            "docs/compatibility.md is stale: run `cargo xtask conformance --update-docs`"
        );
    }
}
