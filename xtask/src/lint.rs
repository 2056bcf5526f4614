//! `cargo xtask lint`: formatting, clippy, layering and unsafe-code checks.

use crate::{layers, util};
use anyhow::{bail, Result};

/// Runs every lint; fails on the first tool failure, after listing all
/// layering and unsafe-code violations.
pub fn run(args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        bail!("`lint` takes no arguments (got `{a}`)");
    }
    util::cargo(&["fmt", "--all", "--", "--check"])?;
    util::cargo(&[
        "clippy",
        "--workspace",
        "--all-targets",
        "--quiet",
        "--",
        "-D",
        "warnings",
    ])?;
    let crates = layers::crates(&util::metadata()?);
    let mut violations = layers::check_layers(&crates);
    violations.extend(layers::check_unsafe(&crates, |p| {
        std::fs::read_to_string(p).ok()
    }));
    if !violations.is_empty() {
        for v in &violations {
            eprintln!("error: {v}");
        }
        bail!("{} layering/unsafe violation(s)", violations.len());
    }
    eprintln!("lint: {} crates layered correctly", crates.len());
    Ok(())
}
