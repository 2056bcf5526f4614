//! Python 3 in the sandbox, its standard library copied into an in-memory
//! root: imports (stat, open, read, mmap of extension modules), hashing and
//! JSON, checked against the answer the host computes.

mod common;

use std::path::Path;

use common::{copy_from_host, platforms, put_file, run, tmpfs_vfs};
use kernel::ExitStatus;

/// Copies the regular files under `dir` (symlinks followed), skipping test
/// suites and GUI packages the import never touches.
fn copy_tree(vfs: &vfs::Vfs, dir: &Path) {
    let Ok(rd) = std::fs::read_dir(dir) else {
        return;
    };
    for e in rd.flatten() {
        let p = e.path();
        let name = e.file_name();
        let name = name.to_string_lossy();
        if matches!(
            name.as_ref(),
            "test" | "tests" | "idlelib" | "tkinter" | "turtledemo" | "ensurepip" | "lib2to3"
        ) {
            continue;
        }
        if p.is_dir() {
            copy_tree(vfs, &p);
        } else if let Ok(bytes) = std::fs::read(&p) {
            put_file(vfs, &p.to_string_lossy(), &bytes, 0o755);
        }
    }
}

#[test]
fn python_hashes_json() {
    let Ok(python) = std::fs::canonicalize("/usr/bin/python3") else {
        return;
    };
    let libs = [
        "/lib64/ld-linux-x86-64.so.2",
        "/lib/x86_64-linux-gnu/libc.so.6",
        "/lib/x86_64-linux-gnu/libm.so.6",
        "/lib/x86_64-linux-gnu/libz.so.1",
        "/lib/x86_64-linux-gnu/libexpat.so.1",
        "/lib/x86_64-linux-gnu/libssl.so.3",
        "/lib/x86_64-linux-gnu/libcrypto.so.3",
    ];
    let code = "import json,hashlib; print(hashlib.sha256(json.dumps({'a': [1, 2, 3]}).encode()).hexdigest())";
    let Ok(host) = std::process::Command::new(&python)
        .args(["-c", code])
        .output()
    else {
        return;
    };
    for kind in platforms() {
        let vfs = tmpfs_vfs();
        if !copy_from_host(&vfs, &libs) {
            return;
        }
        let py = python.to_string_lossy().into_owned();
        copy_from_host(&vfs, &[py.as_str()]);
        copy_tree(&vfs, Path::new("/usr/lib/python3.11"));
        let (status, out, log) = run(vfs, kind, &[&py, "-c", code]);
        let text = String::from_utf8_lossy(&out).into_owned();
        assert_eq!(status, ExitStatus::Exited(0), "{kind:?} {log:?} {text}");
        assert_eq!(out, host.stdout, "{kind:?} {log:?}");
        assert_eq!(out.len(), 65, "a sha256 hex digest and newline: {text}");
    }
}
