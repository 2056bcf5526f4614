//! `runsc --profile=FILE do CMD`: a program making a known number of system
//! calls of a kind finds them counted in FILE, with their errors, on both
//! platforms, also when it dies by a signal.

mod common;

use common::{runsc_do, PLATFORMS};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// Calls `getppid` N times and `close(-1)` (EBADF) M times, then exits 0;
/// with `crash` as a third argument it then dies by SIGSEGV, with `fork`
/// three children do the calls instead and the parent waits for each.
const PROGRAM: &str = r#"
#include <stdlib.h>
#include <string.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>
static void calls(long n, long m) {
    for (long i = 0; i < n; i++) syscall(SYS_getppid);
    for (long i = 0; i < m; i++) syscall(SYS_close, -1);
}
int main(int argc, char **argv) {
    long n = atol(argv[1]), m = atol(argv[2]);
    if (argc > 3 && !strcmp(argv[3], "fork")) {
        for (int c = 0; c < 3; c++) {
            pid_t p = fork();
            if (p < 0) return 1;
            if (p == 0) { calls(n, m); _exit(0); }
            if (waitpid(p, NULL, 0) != p) return 1;
        }
        return 0;
    }
    calls(n, m);
    if (argc > 3 && !strcmp(argv[3], "crash")) *(volatile int *)8 = 1;
    return 0;
}
"#;

fn scratch(tag: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("runsc-profile-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Builds the program statically, so the only system calls are its own
/// and static glibc's start-up ones (none of which is `getppid`).
fn build(dir: &Path) -> PathBuf {
    let src = dir.join("calls.c");
    let bin = dir.join("calls");
    std::fs::write(&src, PROGRAM).unwrap();
    let o = Command::new("gcc")
        .args(["-O1", "-static", "-o"])
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(
        o.status.success(),
        "gcc: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    bin
}

/// Runs ARGV on `platform` with its profile written to `profile`.
fn runsc(platform: &str, profile: &Path, argv: &[&str]) -> Output {
    let platform = format!("--platform={platform}");
    let profile = format!("--profile={}", profile.display());
    runsc_do(&[&platform, &profile], argv)
}

/// The `calls` and `errors` columns of the row for `name`.
fn counts(table: &str, name: &str) -> Option<(u64, u64)> {
    table.lines().find_map(|l| {
        let cols: Vec<&str> = l.split_whitespace().collect();
        if cols.last() != Some(&name) {
            return None;
        }
        // % time, seconds, usecs/call, ~median, calls, [errors], name
        let calls = cols.get(4)?.parse().ok()?;
        let errors = if cols.len() == 7 {
            cols.get(5)?.parse().ok()?
        } else {
            0
        };
        Some((calls, errors))
    })
}

/// Runs the test program with `args` on every platform under `--profile`,
/// checks it exits with `code`, and hands each platform's table to `check`.
fn on_each_platform(tag: &str, args: &[&str], code: i32, check: impl Fn(&str, &str)) {
    let dir = scratch(tag);
    let bin = build(&dir);
    let mut argv = vec![bin.to_str().unwrap()];
    argv.extend_from_slice(args);
    for p in PLATFORMS {
        let file = dir.join(format!("{p}.txt"));
        let o = runsc(p, &file, &argv);
        assert_eq!(
            o.status.code(),
            Some(code),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        check(p, &std::fs::read_to_string(&file).unwrap());
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn counts_calls_and_errors_of_a_known_program() {
    on_each_platform("counts", &["1000", "7"], 0, |p, table| {
        assert_eq!(counts(table, "getppid"), Some((1000, 0)), "{p}:\n{table}");
        assert_eq!(counts(table, "close"), Some((7, 7)), "{p}:\n{table}");
        assert!(counts(table, "exit_group").is_some(), "{p}:\n{table}");
        let (calls, _) = counts(table, "total").unwrap();
        assert!(
            calls > 1007,
            "{p}: start-up calls are counted too:\n{table}"
        );
        assert!(table.starts_with("# runsc --profile: "), "{table}");
    });
}

#[test]
fn written_when_the_program_dies_by_a_signal() {
    on_each_platform("signal", &["3", "2", "crash"], 139, |p, table| {
        assert_eq!(counts(table, "getppid"), Some((3, 0)), "{p}:\n{table}");
        assert_eq!(counts(table, "close"), Some((2, 2)), "{p}:\n{table}");
        assert_eq!(counts(table, "exit_group"), None, "{p}:\n{table}");
    });
}

#[test]
fn counts_the_calls_of_child_processes_too() {
    on_each_platform("fork", &["100", "2", "fork"], 0, |p, table| {
        assert_eq!(counts(table, "getppid"), Some((300, 0)), "{p}:\n{table}");
        assert_eq!(counts(table, "close"), Some((6, 6)), "{p}:\n{table}");
        assert_eq!(counts(table, "wait4"), Some((3, 0)), "{p}:\n{table}");
    });
}

#[test]
fn a_bad_path_fails_before_the_program_runs() {
    let dir = scratch("badpath");
    let o = runsc(
        "systrap",
        &dir.join("missing/profile.txt"),
        &["/bin/echo", "ran"],
    );
    assert_eq!(o.status.code(), Some(128));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("--profile"), "{err}");
    assert!(o.stdout.is_empty(), "the program ran");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn no_file_without_the_flag() {
    let dir = scratch("off");
    let bin = build(&dir);
    let o = runsc_do(&[], &[bin.to_str().unwrap(), "5", "0"]);
    assert_eq!(o.status.code(), Some(0));
    let entries: Vec<_> = std::fs::read_dir(&dir).unwrap().collect();
    assert_eq!(entries.len(), 2, "only the source and the binary");
    std::fs::remove_dir_all(&dir).unwrap();
}
