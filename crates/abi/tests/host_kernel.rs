//! Checks the system-call table against the running kernel.
//!
//! A C program (built with `gcc`) calls numbers with harmless arguments
//! (first argument -1, the rest 0) and reports `errno`:
//! - every number our table lacks below `NR_syscalls`, and the x32 range,
//!   must answer `ENOSYS` on any kernel (those numbers are never assigned);
//! - on a 6.18 or newer host, the calls added after the 6.1 header the
//!   table was generated from must exist (not `ENOSYS`), except those a
//!   kernel configuration may leave out: `cachestat`
//!   (`CONFIG_CACHESTAT_SYSCALL`), `map_shadow_stack`
//!   (`CONFIG_X86_USER_SHADOW_STACK`) and `lsm_*` (`CONFIG_SECURITY`).
//!
//! `uretprobe` (335) and `uprobe` (336) are not called: outside their
//! trampolines they raise `SIGILL` or answer `ENXIO`.

#![forbid(unsafe_code)]

use abi::syscall::{NR_syscalls, Sysno};
use abi::Errno;
use std::process::Command;

/// Runs `syscall(nr, -1, 0, 0, 0, 0, 0)` for each number in a child
/// program built in a directory named after `tag` (tests run in parallel)
/// and returns the errno each left (0 on success).
fn probe(tag: &str, numbers: &[u32]) -> Vec<i32> {
    let mut c = String::from(
        "#define _GNU_SOURCE\n#include <errno.h>\n#include <stdio.h>\n#include <unistd.h>\n\
         int main(void) {\n    static const long nrs[] = {",
    );
    for n in numbers {
        c += &format!("{n},");
    }
    c += "};\n    for (unsigned i = 0; i < sizeof nrs / sizeof nrs[0]; i++) {\n\
          \x20       errno = 0;\n\
          \x20       long r = syscall(nrs[i], -1L, 0L, 0L, 0L, 0L, 0L);\n\
          \x20       printf(\"%d\\n\", r == -1 ? errno : 0);\n    }\n    return 0;\n}\n";
    let dir = std::env::temp_dir().join(format!("abi-host-{tag}-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("create temp dir");
    let (src, bin) = (dir.join("probe.c"), dir.join("probe"));
    std::fs::write(&src, c).expect("write C program");
    let cc = Command::new("gcc")
        .arg("-o")
        .arg(&bin)
        .arg(&src)
        .output()
        .expect("run gcc");
    assert!(
        cc.status.success(),
        "gcc failed:\n{}",
        String::from_utf8_lossy(&cc.stderr)
    );
    let out = Command::new(&bin).output().expect("run probe");
    std::fs::remove_dir_all(&dir).expect("remove temp dir");
    assert!(out.status.success(), "probe died: {:?}", out.status);
    let text = String::from_utf8(out.stdout).expect("utf-8");
    let errs: Vec<i32> = text.lines().map(|l| l.parse().expect("a number")).collect();
    assert_eq!(errs.len(), numbers.len());
    errs
}

/// The host kernel's (major, minor) version from `/proc/sys/kernel/osrelease`.
fn host_version() -> (u32, u32) {
    let rel = std::fs::read_to_string("/proc/sys/kernel/osrelease").expect("osrelease");
    let mut parts = rel
        .trim()
        .split(['.', '-'])
        .map(|p| p.parse::<u32>().unwrap_or(0));
    (parts.next().unwrap_or(0), parts.next().unwrap_or(0))
}

#[test]
fn unassigned_numbers_are_enosys_on_the_host() {
    let unassigned: Vec<u32> = (0..NR_syscalls)
        .chain(512..=547)
        .filter(|&n| Sysno::new(n).is_none())
        .collect();
    assert!(unassigned.len() > 100);
    let errs = probe("unassigned", &unassigned);
    for (n, e) in unassigned.iter().zip(errs) {
        assert_eq!(Errno::from_raw(e), Some(Errno::ENOSYS), "syscall {n}");
    }
}

#[test]
fn newest_calls_exist_on_a_6_18_host() {
    let optional = [
        Sysno::cachestat,
        Sysno::map_shadow_stack,
        Sysno::lsm_get_self_attr,
        Sysno::lsm_set_self_attr,
        Sysno::lsm_list_modules,
    ];
    let newest: Vec<u32> = (451..=469)
        .filter(|&n| Sysno::new(n).is_some_and(|s| !optional.contains(&s)))
        .collect();
    assert_eq!(newest.len(), 14);
    let errs = probe("newest", &newest);
    if host_version() < (6, 18) {
        eprintln!("host kernel older than 6.18: only checked that probing is harmless");
        return;
    }
    for (n, e) in newest.iter().zip(errs) {
        let name = Sysno::new(*n).map(Sysno::name);
        assert_ne!(
            Errno::from_raw(e),
            Some(Errno::ENOSYS),
            "syscall {n} {name:?}"
        );
    }
}
