//! What the `runsc` end-to-end tests share: the platforms they cover and
//! running the built `runsc` binary on a program, so each test file says
//! only what it checks.
// Each test binary compiles this module and uses only part of it.
#![allow(dead_code)]

use std::process::{Command, Output, Stdio};

/// The platforms an end-to-end test runs on unless it says why not.
pub const PLATFORMS: [&str; 2] = ["systrap", "ptrace"];

/// Runs `runsc FLAGS do ARGV` with the built binary, stdin closed, and
/// returns what it wrote and how it ended.
pub fn runsc_do(flags: &[&str], argv: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runsc"))
        .args(flags)
        .arg("do")
        .args(argv)
        .stdin(Stdio::null())
        .output()
        .expect("runsc starts")
}

/// Runs ARGV in the sandbox on `platform` (`runsc --platform=P do ARGV`).
pub fn runsc(platform: &str, argv: &[&str]) -> Output {
    runsc_do(&[&format!("--platform={platform}")], argv)
}

/// Bytes a program wrote, as text (invalid UTF-8 replaced).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}
