//! End-to-end tests of our vDSO: a C program (`tests/vdso.c`), built with
//! the system gcc dynamic, static and static-pie, checks through glibc and
//! through the vDSO's own functions that `AT_SYSINFO_EHDR` and the
//! `[vdso]` mapping are there, that every symbol resolves under
//! `LINUX_2.6`, and that the clocks, `time`, `gettimeofday` and `getcpu`
//! give sane, monotonic answers; then that glibc really calls through the
//! vDSO (by rewriting the system call numbers in it) and that `--strace`
//! shows those calls trapped.

use std::path::PathBuf;
use std::process::{Command, Output, Stdio};
use std::sync::OnceLock;

const PLATFORMS: [&str; 2] = ["systrap", "ptrace"];

/// The test program, built once per run: dynamic, static, static-pie.
fn programs() -> &'static [PathBuf; 3] {
    static BUILT: OnceLock<[PathBuf; 3]> = OnceLock::new();
    BUILT.get_or_init(|| {
        let src = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vdso.c");
        let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
        let build = |name: &str, extra: &[&str]| {
            let out = dir.join(name);
            let st = Command::new("gcc")
                .args(["-O2", "-Wall", "-Werror"])
                .args(extra)
                .arg(&src)
                .arg("-o")
                .arg(&out)
                .status()
                .expect("gcc runs");
            assert!(st.success(), "gcc {name}");
            out
        };
        [
            build("vdso-dynamic", &[]),
            build("vdso-static", &["-static"]),
            build("vdso-static-pie", &["-static-pie"]),
        ]
    })
}

fn runsc(global: &[&str], args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runsc"))
        .args(global)
        .arg("do")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runsc starts")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn checker_passes_natively() {
    // The oracle: the same checks hold against the host kernel's vDSO.
    for prog in programs() {
        let o = Command::new(prog).arg("check").output().expect("runs");
        assert_eq!(text(&o.stdout), "vdso check ok\n", "{}", prog.display());
        assert_eq!(o.status.code(), Some(0));
    }
}

#[test]
fn glibc_finds_and_uses_our_vdso() {
    for p in PLATFORMS {
        for prog in programs() {
            for mode in ["check", "patch"] {
                let prog = prog.to_str().expect("utf-8 path");
                let o = runsc(&[&format!("--platform={p}")], &[prog, mode]);
                assert_eq!(
                    text(&o.stdout),
                    format!("vdso {mode} ok\n"),
                    "{p} {prog} {mode}: {}",
                    text(&o.stderr)
                );
                assert_eq!(o.status.code(), Some(0), "{p} {prog} {mode}");
            }
        }
    }
}

#[test]
fn strace_shows_the_vdso_calls_trapped() {
    for prog in programs() {
        let prog = prog.to_str().expect("utf-8 path");
        let o = runsc(&["--strace"], &[prog, "check"]);
        assert_eq!(text(&o.stdout), "vdso check ok\n", "{prog}");
        let trace = text(&o.stderr);
        let count = |call: &str| {
            trace
                .lines()
                .filter(|l| l.contains(&format!("] {call}(")))
                .count()
        };
        // The program reads CLOCK_MONOTONIC(_RAW) 500 times in a loop.
        assert!(count("clock_gettime") >= 500, "{prog}: {trace}");
        for call in ["gettimeofday", "time", "clock_getres", "getcpu"] {
            assert!(count(call) >= 2, "{prog}: {call}: {trace}");
        }
    }
}
