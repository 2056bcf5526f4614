//! End-to-end tests of our vDSO: a C program (`tests/vdso.c`), built with
//! the system gcc dynamic, static and static-pie, checks through glibc and
//! through the vDSO's own functions that `AT_SYSINFO_EHDR` and the
//! `[vdso]` mapping are there, that every symbol resolves under
//! `LINUX_2.6`, and that the clocks, `time`, `gettimeofday` and `getcpu`
//! give sane, monotonic answers; then that glibc really calls through the
//! vDSO (by rewriting the system call numbers in it); that the `[vvar]`
//! page sits right below it, read-only; that clock reads through the vDSO
//! (from the page) and through the system call interleave monotonically
//! and agree; and, counted with `--strace`, that those reads do not trap
//! unless `--vdso-syscall-clock` sends them to the system call.

mod common;

use common::{runsc, runsc_do, text, PLATFORMS};
use std::path::PathBuf;
use std::process::Command;
use std::sync::OnceLock;

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

#[test]
fn checker_passes_natively() {
    // The oracle: the same checks hold against the host kernel's vDSO.
    for prog in programs() {
        for mode in ["check", "vvar"] {
            let o = Command::new(prog).arg(mode).output().expect("runs");
            assert_eq!(
                text(&o.stdout),
                format!("vdso {mode} ok\n"),
                "{}",
                prog.display()
            );
            assert_eq!(o.status.code(), Some(0));
        }
    }
}

#[test]
fn glibc_finds_and_uses_our_vdso() {
    for p in PLATFORMS {
        for prog in programs() {
            for mode in [&["check"][..], &["patch"], &["vvar", "adjacent"]] {
                let prog = prog.to_str().expect("utf-8 path");
                let o = runsc(p, &[&[prog][..], mode].concat());
                assert_eq!(
                    text(&o.stdout),
                    format!("vdso {} ok\n", mode[0]),
                    "{p} {prog} {mode:?}: {}",
                    text(&o.stderr)
                );
                assert_eq!(o.status.code(), Some(0), "{p} {prog} {mode:?}");
            }
        }
    }
}

/// The `clock` mode's arguments: `fast` or `slow`, the ready word's
/// offset, the number of interleaved rounds.
fn clock_args<'a>(prog: &'a str, speed: &'a str, ready: &'a str, calls: &'a str) -> [&'a str; 5] {
    [prog, "clock", speed, ready, calls]
}

#[test]
fn vdso_and_system_call_clocks_agree_and_never_go_back() {
    let ready = vdso::layout::VVAR_READY.to_string();
    for p in PLATFORMS {
        for prog in programs() {
            let prog = prog.to_str().expect("utf-8 path");
            let platform = format!("--platform={p}");
            for (global, speed) in [
                (&[platform.as_str()][..], "fast"),
                (&[platform.as_str(), "--vdso-syscall-clock"], "slow"),
            ] {
                let o = runsc_do(global, &clock_args(prog, speed, &ready, "20000"));
                assert_eq!(
                    text(&o.stdout),
                    "vdso clock ok\n",
                    "{global:?} {prog}: {}",
                    text(&o.stderr)
                );
                assert_eq!(o.status.code(), Some(0));
            }
        }
    }
}

/// The system calls `trace` shows between the program's two `getppid`
/// markers.
fn between_markers(trace: &str) -> Vec<&str> {
    let lines: Vec<&str> = trace.lines().collect();
    let marks: Vec<usize> = (0..lines.len())
        .filter(|&i| lines[i].contains("] getppid("))
        .collect();
    assert_eq!(marks.len(), 2, "two markers: {trace}");
    lines[marks[0] + 1..marks[1]].to_vec()
}

#[test]
fn strace_shows_which_vdso_calls_trapped() {
    let ready = vdso::layout::VVAR_READY.to_string();
    for prog in programs() {
        let prog = prog.to_str().expect("utf-8 path");
        // Each round: a vDSO read, syscall(SYS_clock_gettime), a vDSO
        // read. From the page, only the middle one traps.
        for (global, speed, traps) in [
            (&["--strace"][..], "fast", 1000),
            (&["--strace", "--vdso-syscall-clock"], "slow", 3000),
        ] {
            let o = runsc_do(global, &clock_args(prog, speed, &ready, "1000"));
            assert_eq!(text(&o.stdout), "vdso clock ok\n", "{prog}");
            let trace = text(&o.stderr);
            let calls = between_markers(&trace);
            assert_eq!(calls.len(), traps, "{global:?} {prog}: {calls:?}");
            assert!(calls.iter().all(|l| l.contains("] clock_gettime(")));
        }
        // clock_getres and getcpu always trap; with the page off, so do
        // gettimeofday and time.
        let o = runsc_do(&["--strace", "--vdso-syscall-clock"], &[prog, "check"]);
        assert_eq!(text(&o.stdout), "vdso check ok\n", "{prog}");
        let trace = text(&o.stderr);
        let count = |call: &str| {
            trace
                .lines()
                .filter(|l| l.contains(&format!("] {call}(")))
                .count()
        };
        assert!(count("clock_gettime") >= 500, "{prog}: {trace}");
        for call in ["gettimeofday", "time", "clock_getres", "getcpu"] {
            assert!(count(call) >= 2, "{prog}: {call}: {trace}");
        }
    }
}
