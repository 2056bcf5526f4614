//! Runs dynamically linked Debian binaries whose loader and libraries are
//! copied into an in-memory root: PT_INTERP, file-backed `mmap` of shared
//! libraries, `mprotect`, TLS setup and glibc's start-up calls.

mod common;

use common::{copy_from_host, platforms, run, run_traced, tmpfs_vfs};
use kernel::ExitStatus;

const LOADER: &str = "/lib64/ld-linux-x86-64.so.2";
const LIBC: &str = "/lib/x86_64-linux-gnu/libc.so.6";

#[test]
fn dynamic_echo_runs_and_strace_shows_decoded_calls() {
    for kind in platforms() {
        let vfs = tmpfs_vfs();
        if !copy_from_host(&vfs, &["/bin/echo", LOADER, LIBC]) {
            return;
        }
        let argv = ["/bin/echo", "dynamic", "hello"];
        let (status, out, log, trace) = run_traced(vfs, kind, &argv, true);
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(status, ExitStatus::Exited(0), "{kind:?} {log:?} {text}");
        assert_eq!(out, b"dynamic hello\n", "{kind:?} {log:?}");
        let libc_open = "openat(AT_FDCWD, \"/lib/x86_64-linux-gnu/libc.so.6\", O_RDONLY|O_CLOEXEC";
        let line = trace.iter().find(|l| l.contains(libc_open));
        // fd 0 is free in this test, so the loader gets it.
        assert!(line.is_some_and(|l| l.ends_with(" = 0")), "{trace:#?}");
        let write = "write(1, \"dynamic hello\\n\", 14) = 14";
        assert!(trace.iter().any(|l| l.contains(write)), "{trace:#?}");
        assert!(
            trace.iter().any(|l| l.contains("exit_group(0) ...")),
            "{trace:#?}"
        );
    }
}

#[test]
fn bash_arithmetic_and_exit_code() {
    let files = [
        "/bin/bash",
        LOADER,
        LIBC,
        "/lib/x86_64-linux-gnu/libtinfo.so.6",
    ];
    for kind in platforms() {
        let vfs = tmpfs_vfs();
        if !copy_from_host(&vfs, &files) {
            return;
        }
        let (status, out, log) = run(vfs, kind, &["/bin/bash", "-c", "echo $((6*7)); exit 3"]);
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(status, ExitStatus::Exited(3), "{kind:?} {log:?} {text}");
        assert_eq!(out, b"42\n", "{kind:?} {log:?}");
    }
}

const SELINUX: [&str; 2] = [
    "/lib/x86_64-linux-gnu/libselinux.so.1",
    "/lib/x86_64-linux-gnu/libpcre2-8.so.0",
];

/// Copies the loader, libc and `extra` into a fresh root; `None` if the
/// host lacks one of them.
fn root_with(extra: &[&str]) -> Option<std::sync::Arc<vfs::Vfs>> {
    let vfs = tmpfs_vfs();
    let mut files = vec![LOADER, LIBC];
    files.extend_from_slice(extra);
    copy_from_host(&vfs, &files).then_some(vfs)
}

#[test]
fn coreutils_ls_stat_find() {
    for kind in platforms() {
        let mut extra = vec!["/bin/ls", "/usr/bin/stat", "/usr/bin/find"];
        extra.extend_from_slice(&SELINUX);
        extra.push("/lib/x86_64-linux-gnu/libm.so.6");
        let Some(vfs) = root_with(&extra) else {
            return;
        };
        common::put_file(&vfs, "/data/a.txt", b"hello\n", 0o640);
        common::put_file(
            &vfs,
            "/etc/passwd",
            b"root:x:0:0:root:/root:/bin/sh\n",
            0o644,
        );
        common::put_file(&vfs, "/etc/group", b"root:x:0:\n", 0o644);

        let (status, out, log) = run(vfs.clone(), kind, &["/bin/ls", "-la", "/data"]);
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(status, ExitStatus::Exited(0), "{kind:?} {log:?} {text}");
        let line = text
            .lines()
            .find(|l| l.ends_with(" a.txt"))
            .unwrap_or_default();
        let fields: Vec<&str> = line.split_whitespace().collect();
        let want = ["-rw-r-----", "1", "root", "root", "6"];
        assert_eq!(fields.get(..5), Some(&want[..]), "{text}");

        let argv = ["/usr/bin/stat", "-c", "%s %a %F", "/data/a.txt"];
        let (status, out, log) = run(vfs.clone(), kind, &argv);
        assert_eq!(status, ExitStatus::Exited(0), "{kind:?} {log:?}");
        assert!(
            String::from_utf8_lossy(&out).ends_with("6 640 regular file\n"),
            "{out:?}"
        );

        let argv = ["/usr/bin/find", "/data", "-maxdepth", "1"];
        let (status, out, log) = run(vfs, kind, &argv);
        assert_eq!(status, ExitStatus::Exited(0), "{kind:?} {log:?}");
        assert!(
            String::from_utf8_lossy(&out).ends_with("/data\n/data/a.txt\n"),
            "{out:?}"
        );
    }
}
