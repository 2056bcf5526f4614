//! The reviewed list of known deviations from native Linux,
//! `tests/conformance/deviations.toml`.
//!
//! Each entry names one case (`fam.case`, or `STEM:exit` for how a program
//! ended), optionally limits itself to some platforms and to one build
//! variant, and says why it differs and what will fix it. The runner accepts a
//! difference only when an entry covers it, and rejects an entry that covers
//! no difference any more (stale), so the list cannot rot.

use anyhow::{bail, Context, Result};
use serde::Deserialize;
use std::path::Path;

/// The file: `[[deviation]]` tables.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    deviation: Vec<Deviation>,
}

/// One known deviation.
#[derive(Debug, Clone, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct Deviation {
    /// The case name, exactly as printed.
    pub case: String,
    /// Platforms it applies to; all when absent.
    #[serde(default)]
    pub platforms: Option<Vec<String>>,
    /// `static` or `dynamic`; both when absent.
    #[serde(default)]
    pub variant: Option<String>,
    /// Why the sandbox differs.
    pub reason: String,
    /// What will remove the difference (an issue, a missing feature).
    pub follow_up: String,
}

impl Deviation {
    /// Whether the entry covers a run on `platform` of the `variant` build.
    pub fn applies(&self, platform: &str, variant: &str) -> bool {
        self.platforms
            .as_ref()
            .is_none_or(|p| p.iter().any(|x| x == platform))
            && self.variant.as_deref().is_none_or(|v| v == variant)
    }
}

/// Parses and validates the list: every entry has a reason and a follow-up,
/// known platform and variant names, and no entry repeats another.
pub fn parse(text: &str) -> Result<Vec<Deviation>> {
    let file: File = toml::from_str(text).context("parsing the deviation list")?;
    let mut seen = std::collections::BTreeSet::new();
    for d in &file.deviation {
        if d.reason.trim().is_empty() || d.follow_up.trim().is_empty() {
            bail!("deviation `{}` needs a reason and a follow_up", d.case);
        }
        for p in d.platforms.iter().flatten() {
            if !super::PLATFORMS.contains(&p.as_str()) {
                bail!("deviation `{}`: unknown platform `{p}`", d.case);
            }
        }
        if let Some(v) = &d.variant {
            if !super::VARIANTS.contains(&v.as_str()) {
                bail!("deviation `{}`: unknown variant `{v}`", d.case);
            }
        }
        if !seen.insert((d.case.clone(), d.platforms.clone(), d.variant.clone())) {
            bail!("deviation `{}` is listed twice", d.case);
        }
    }
    Ok(file.deviation)
}

/// Reads the list at `path` (an absent file is an empty list).
pub fn load(path: &Path) -> Result<Vec<Deviation>> {
    match std::fs::read_to_string(path) {
        Ok(t) => parse(&t).with_context(|| path.display().to_string()),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Vec::new()),
        Err(e) => Err(e).with_context(|| path.display().to_string()),
    }
}

/// Renders list entries for differences nobody has reviewed yet, one per
/// case, as `(case, platform, variant)` triples: `platforms` is given when
/// the case differed on fewer than the `platforms_run`, `variant` when on one
/// build only. Reason and follow-up are left empty for the reviewer, and
/// `parse` rejects them until they are written.
pub fn stubs<'a>(
    diffs: impl IntoIterator<Item = (&'a str, &'a str, &'a str)>,
    platforms_run: usize,
) -> String {
    use std::collections::{BTreeMap, BTreeSet};
    let mut by_case: BTreeMap<&str, (BTreeSet<&str>, BTreeSet<&str>)> = BTreeMap::new();
    for (case, platform, variant) in diffs {
        let e = by_case.entry(case).or_default();
        e.0.insert(platform);
        e.1.insert(variant);
    }
    let mut s = String::new();
    for (case, (platforms, variants)) in by_case {
        s.push_str(&format!("[[deviation]]\ncase = \"{case}\"\n"));
        if platforms.len() < platforms_run {
            let list: Vec<String> = platforms.iter().map(|p| format!("\"{p}\"")).collect();
            s.push_str(&format!("platforms = [{}]\n", list.join(", ")));
        }
        if let [v] = variants.iter().collect::<Vec<_>>()[..] {
            s.push_str(&format!("variant = \"{v}\"\n"));
        }
        s.push_str("reason = \"\"\nfollow_up = \"\"\n\n");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_entries_and_matches_platform_and_variant() {
        let l = parse(
            r#"
[[deviation]]
case = "fs.a"
reason = "r"
follow_up = "f"

[[deviation]]
case = "fs.b"
platforms = ["ptrace"]
variant = "static"
reason = "r"
follow_up = "f"
"#,
        )
        .unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].applies("systrap", "dynamic"));
        assert!(l[1].applies("ptrace", "static"));
        assert!(!l[1].applies("systrap", "static"));
        assert!(!l[1].applies("ptrace", "dynamic"));
    }

    #[test]
    fn rejects_entries_without_reason_unknown_names_and_repeats() {
        let no_reason = "[[deviation]]\ncase = \"a.b\"\nreason = \"\"\nfollow_up = \"f\"\n";
        assert!(parse(no_reason).is_err());
        let bad_platform =
            "[[deviation]]\ncase = \"a.b\"\nplatforms = [\"kvm\"]\nreason = \"r\"\nfollow_up = \"f\"\n";
        assert!(parse(bad_platform).is_err());
        let unknown_key =
            "[[deviation]]\ncase = \"a.b\"\nwhy = \"r\"\nreason = \"r\"\nfollow_up = \"f\"\n";
        assert!(parse(unknown_key).is_err());
        let twice = format!(
            "{0}{0}",
            "[[deviation]]\ncase = \"a.b\"\nreason = \"r\"\nfollow_up = \"f\"\n"
        );
        assert!(parse(&twice).is_err());
    }

    #[test]
    fn stubs_narrow_to_what_differed_and_need_review() {
        let diffs = [
            ("fs.a", "systrap", "static"),
            ("fs.a", "systrap", "dynamic"),
            ("fs.a", "ptrace", "static"),
            ("fs.a", "ptrace", "dynamic"),
            ("fs.b", "ptrace", "static"),
        ];
        let s = stubs(diffs, 2);
        assert!(
            s.starts_with("[[deviation]]\ncase = \"fs.a\"\nreason"),
            "{s}"
        );
        assert!(s.contains("case = \"fs.b\"\nplatforms = [\"ptrace\"]\nvariant = \"static\"\n"));
        assert!(parse(&s).is_err());
        let filled = s
            .replace("reason = \"\"", "reason = \"r\"")
            .replace("follow_up = \"\"", "follow_up = \"f\"");
        let l = parse(&filled).unwrap();
        assert_eq!(l.len(), 2);
        assert!(l[0].applies("systrap", "dynamic"));
        assert!(!l[1].applies("systrap", "static"));
    }
}
