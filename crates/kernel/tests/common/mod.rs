//! Helpers shared by the kernel's integration tests: an in-memory root
//! filesystem, files put into it, and a way to run a program and collect
//! its output.
#![allow(dead_code)]

use std::sync::Arc;

pub mod fake;

use fs_tmpfs::{TmpFs, TmpFsOptions};
use kernel::clock::HostClock;
use kernel::{Config, Credentials, ExitStatus, Kernel, MemorySink, ProcessSpec};
use vfs::{AtFlags, MountFlags, OpenFlags, Vfs};

/// A VFS whose root is an empty tmpfs.
pub fn tmpfs_vfs() -> Arc<Vfs> {
    let clock: Arc<dyn vfs::Clock> = Arc::new(HostClock);
    let fs = TmpFs::new(TmpFsOptions::default(), clock.clone()).expect("tmpfs");
    Arc::new(Vfs::new(fs, MountFlags::empty(), clock))
}

/// Creates (with parents) the file `path` holding `data` with `mode`.
pub fn put_file(vfs: &Vfs, path: &str, data: &[u8], mode: u32) {
    let cred = vfs::Credentials::root();
    let root = vfs.root();
    let ctx = vfs::Context::new(&cred, &root);
    let mut dir = String::new();
    let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    for p in &parts[..parts.len() - 1] {
        dir.push('/');
        dir.push_str(p);
        let _ = vfs.mkdirat(&ctx, &root, dir.as_bytes(), 0o755);
    }
    let f = vfs
        .openat(
            &ctx,
            &root,
            path.as_bytes(),
            OpenFlags::O_CREAT | OpenFlags::O_WRONLY,
            mode,
        )
        .expect("create file");
    let mut done = 0;
    while done < data.len() {
        done += f.write(&data[done..]).expect("write file");
    }
}

/// Opens `path` for reading and writing, created or truncated.
pub fn open_rw(vfs: &Vfs, path: &str) -> Arc<vfs::FileDescription> {
    let cred = vfs::Credentials::root();
    let root = vfs.root();
    let ctx = vfs::Context::new(&cred, &root);
    vfs.openat(
        &ctx,
        &root,
        path.as_bytes(),
        OpenFlags::O_CREAT | OpenFlags::O_RDWR | OpenFlags::O_TRUNC,
        0o644,
    )
    .expect("open")
}

/// The whole content of `path`.
pub fn read_file(vfs: &Vfs, path: &str) -> Vec<u8> {
    let cred = vfs::Credentials::root();
    let root = vfs.root();
    let ctx = vfs::Context::new(&cred, &root);
    let at = vfs
        .resolve(&ctx, &root, path.as_bytes(), AtFlags::empty())
        .expect("resolve");
    let f = vfs.openat(&ctx, &at, b"", OpenFlags::empty(), 0);
    let f = match f {
        Ok(f) => f,
        Err(_) => vfs
            .openat(&ctx, &root, path.as_bytes(), OpenFlags::empty(), 0)
            .expect("open"),
    };
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    loop {
        let n = f.read(&mut buf).expect("read");
        if n == 0 {
            return out;
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// Compiles a freestanding C program (no libc) to a static executable.
pub fn compile_static(name: &str, source: &str) -> Vec<u8> {
    let dir = std::env::temp_dir().join(format!("kernel-test-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("tmpdir");
    let src = dir.join("prog.c");
    let bin = dir.join("prog");
    std::fs::write(&src, source).expect("write source");
    let st = std::process::Command::new("gcc")
        .args(["-static", "-nostdlib", "-fno-stack-protector", "-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("run gcc");
    assert!(st.success(), "gcc failed");
    let bytes = std::fs::read(&bin).expect("read binary");
    let _ = std::fs::remove_dir_all(&dir);
    bytes
}

/// Runs `argv` (argv[0] is the path) as init of a fresh kernel over `vfs`
/// on the platform `kind`, with `/out` as fds 1 and 2. Returns the exit
/// status, what the program wrote, and the debug log.
pub fn run(
    vfs: Arc<Vfs>,
    kind: platform::PlatformKind,
    argv: &[&str],
) -> (ExitStatus, Vec<u8>, Vec<String>) {
    let (status, out, debug, _) = run_traced(vfs, kind, argv, false);
    (status, out, debug)
}

/// Like [`run`], with `--strace` on when `strace`; also returns the trace.
pub fn run_traced(
    vfs: Arc<Vfs>,
    kind: platform::PlatformKind,
    argv: &[&str],
    strace: bool,
) -> (ExitStatus, Vec<u8>, Vec<String>, Vec<String>) {
    let plat = platform::new(kind, &platform::Options::default()).expect("platform");
    let debug = Arc::new(MemorySink::new());
    let trace = Arc::new(MemorySink::new());
    let config = Config {
        strace,
        ..Config::default()
    };
    let k = Kernel::new(
        plat,
        vfs.clone(),
        config,
        Some(debug.clone()),
        Some(trace.clone()),
    );
    let out = open_rw(&vfs, "/out");
    let spec = ProcessSpec {
        path: argv[0].as_bytes().to_vec(),
        argv: argv.iter().map(|s| s.as_bytes().to_vec()).collect(),
        envp: vec![b"PATH=/bin".to_vec()],
        cwd: b"/".to_vec(),
        creds: Credentials::default(),
        umask: 0o022,
        files: vec![(1, out.clone()), (2, out)],
    };
    let mut task = k.spawn(spec).expect("spawn");
    let status = task.run().expect("run");
    drop(task);
    (
        status,
        read_file(&vfs, "/out"),
        debug.lines(),
        trace.lines(),
    )
}

/// Copies host files (following symlinks) into `vfs` at the same paths;
/// false if one is missing on the host.
pub fn copy_from_host(vfs: &Vfs, paths: &[&str]) -> bool {
    for p in paths {
        match std::fs::read(p) {
            Ok(b) => put_file(vfs, p, &b, 0o755),
            Err(_) => return false,
        }
    }
    true
}

/// The platforms every end-to-end test runs on: both must pass the same
/// tests.
pub fn platforms() -> Vec<platform::PlatformKind> {
    vec![
        platform::PlatformKind::Ptrace,
        platform::PlatformKind::Systrap,
    ]
}
