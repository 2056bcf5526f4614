//! Project automation, run as `cargo xtask <command>`.
//!
//! Commands:
//! - `lint`: rustfmt check, clippy with warnings denied, the layering check
//!   (dependencies only point down: abi <- mm, vfs, net, platform <- kernel <-
//!   runsc) and the `#![forbid(unsafe_code)]` check.
//! - `test`: `lint`, then every test of the workspace, the `no_std` build of
//!   `abi`, a compile-only build of every benchmark so none rots, and the
//!   conformance suite on both platforms.
//! - `conformance [--platform P] [--filter F] [--runsc PATH] [--update-docs]`:
//!   the syscall conformance suite, natively and under runsc, compared.
//! - `bench [--quick] [--only NAME] [--update-docs] [--runsc PATH]`:
//!   end-to-end benchmarks against native Linux and peers.
#![forbid(unsafe_code)]

mod bench;
mod conformance;
mod layers;
mod lint;
mod util;

use anyhow::{bail, Context, Result};

const USAGE: &str = "usage: cargo xtask <build|install|lint|test|conformance|bench> [args]

commands:
  build   release build of runsc (target/release/runsc)
  install build, then copy runsc to /usr/local/bin
  syscalls  regenerate docs/syscalls.md from the kernel's syscall table
  lint    rustfmt check, clippy -D warnings, layering and unsafe-code checks
  test    lint + all tests + no_std build of abi + benches compiled
          + conformance suite on both platforms
  conformance [--platform systrap|ptrace|all] [--filter F] [--runsc PATH]
          [--release] [--update-docs] [--inject-mismatch CASE] [--jobs N]
          [--timeout SECS]
          syscall conformance: each tests/conformance program natively
          and under runsc, compared case by case
  bench   [--quick] [--only NAME] [--update-docs] [--runsc PATH]
          end-to-end benchmarks vs native, gVisor and proot";

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(cmd) = args.first() else {
        bail!("{USAGE}");
    };
    let rest = &args[1..];
    match cmd.as_str() {
        "lint" => lint::run(rest),
        "test" => test(rest),
        "bench" => bench::run(rest),
        "conformance" => conformance::run(rest),
        "build" => build(rest).map(|_| ()),
        "install" => install(rest),
        "syscalls" => syscalls(rest),
        "__rss" => bench::rss_probe(rest),
        "help" | "--help" | "-h" => {
            println!("{USAGE}");
            Ok(())
        }
        other => bail!("unknown command `{other}`\n{USAGE}"),
    }
}

/// `cargo xtask build`: the release binary; returns its path.
fn build(args: &[String]) -> Result<std::path::PathBuf> {
    if let Some(a) = args.first() {
        bail!("`build` takes no arguments (got `{a}`)");
    }
    util::cargo(&["build", "--release", "-p", "runsc"])?;
    Ok(util::target_dir().join("release/runsc"))
}

/// `cargo xtask install`: builds and installs runsc as /usr/local/bin/runsc
/// (which shadows Debian's gVisor `/usr/bin/runsc` in PATH).
fn install(args: &[String]) -> Result<()> {
    let bin = build(args)?;
    let dest = std::path::Path::new("/usr/local/bin/runsc");
    // Copy to a temporary name and rename, so a running runsc is not
    // overwritten in place.
    let tmp = dest.with_extension("new");
    std::fs::copy(&bin, &tmp)
        .with_context(|| format!("copying {} to {}", bin.display(), tmp.display()))?;
    std::fs::rename(&tmp, dest).with_context(|| format!("installing {}", dest.display()))?;
    println!("installed {}", dest.display());
    Ok(())
}

/// `cargo xtask syscalls`: rewrites docs/syscalls.md from the table (the
/// kernel's test of that file fails while it is stale).
fn syscalls(args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        bail!("`syscalls` takes no arguments (got `{a}`)");
    }
    let status = std::process::Command::new(util::cargo_bin())
        .args(["test", "--quiet", "-p", "kernel", "--test", "syscalls_doc"])
        .env("UPDATE_DOCS", "1")
        .current_dir(util::workspace_root())
        .status()
        .context("running cargo test")?;
    if !status.success() {
        bail!("regenerating docs/syscalls.md failed ({status})");
    }
    println!("wrote docs/syscalls.md");
    Ok(())
}

/// `cargo xtask test`: everything CI checks, in order of cost.
fn test(args: &[String]) -> Result<()> {
    if let Some(a) = args.first() {
        bail!("`test` takes no arguments (got `{a}`)");
    }
    lint::run(&[])?;
    util::cargo(&["build", "--quiet", "-p", "abi", "--no-default-features"])?;
    util::cargo(&["build", "--quiet", "-p", "nostd-check"])?;
    util::cargo(&["test", "--workspace"])?;
    util::cargo(&["bench", "--workspace", "--no-run", "--quiet"])?;
    conformance::run(&[])?;
    println!("xtask test: all checks passed");
    Ok(())
}
