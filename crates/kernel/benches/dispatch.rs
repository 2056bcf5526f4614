//! System-call dispatch through the kernel's table, over the fake platform
//! (no stub process, no switch): the Sentry's own share of a round trip.
//! `getpid` is the floor, an unknown number the ENOSYS path, a 4 KiB
//! `read` of `/dev/zero` a call that copies into application memory; the
//! `profiled` variants run with `--profile` on, to show what it costs.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::sync::Arc;

use common::fake::{FakePlatform, MEM, SCRATCH};
use criterion::{criterion_group, criterion_main, Criterion};
use kernel::clock::HostClock;
use kernel::{dispatch, Config, Credentials, Kernel, ProcessSpec, SyscallArgs, Task};
use platform::MemoryFile;
use vfs::{AtFlags, MountFlags, OpenFlags, Vfs};

/// The fd `/dev/zero` is opened on.
const ZERO_FD: u64 = 3;

/// The program the task is spawned from; it never runs.
const TINY: &str = r#"
void _start(void) {
    __asm__ volatile("syscall" : : "a"(231), "D"(0) : "rcx", "r11", "memory");
    for (;;) {}
}
"#;

/// A tmpfs root holding the program, with devfs at `/dev`.
fn root(tiny: &[u8]) -> Arc<Vfs> {
    let vfs = common::tmpfs_vfs();
    common::put_file(&vfs, "/bin/tiny", tiny, 0o755);
    vfs.set_special_opener(Arc::new(fs_dev::DevOpener::new(None)));
    let cred = vfs::Credentials::root();
    let r = vfs.root();
    let ctx = vfs::Context::new(&cred, &r);
    vfs.mkdirat(&ctx, &r, b"/dev", 0o755).expect("mkdir /dev");
    let at = vfs
        .resolve(&ctx, &r, b"/dev", AtFlags::empty())
        .expect("/dev");
    let devfs = fs_dev::new_devfs(4, Arc::new(HostClock)).expect("devfs");
    vfs.mount(&at, devfs, MountFlags::empty())
        .expect("mount /dev");
    vfs
}

/// A task spawned (not run) on the tests' fake platform, `/dev/zero` on
/// fd 3 and a 64 KiB buffer mapped at `SCRATCH` for `read` to fill.
fn task(tiny: &[u8], profile: bool) -> Task {
    let plat = Arc::new(FakePlatform {
        memfile: Arc::new(MemoryFile::new(MEM).expect("memory file")),
    });
    let vfs = root(tiny);
    let config = Config {
        memory_limit: MEM,
        profile,
        ..Config::default()
    };
    let k = Kernel::new(plat, vfs.clone(), config, None, None);
    let cred = vfs::Credentials::root();
    let r = vfs.root();
    let ctx = vfs::Context::new(&cred, &r);
    let zero = vfs
        .openat(&ctx, &r, b"/dev/zero", OpenFlags::empty(), 0)
        .expect("open /dev/zero");
    let spec = ProcessSpec {
        path: b"/bin/tiny".to_vec(),
        argv: vec![b"tiny".to_vec()],
        envp: Vec::new(),
        cwd: b"/".to_vec(),
        creds: Credentials::default(),
        umask: 0o022,
        files: vec![(ZERO_FD as i32, zero)],
    };
    let mut t = k.spawn(spec).expect("spawn");
    // MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, read and write.
    let map = SyscallArgs::new(9, [SCRATCH, 1 << 16, 3, 0x32, u64::MAX, 0]);
    assert_eq!(dispatch(&mut t, &map), Some(SCRATCH));
    t
}

fn bench(c: &mut Criterion) {
    let tiny = common::compile_static("bench-dispatch", TINY);
    let getpid = SyscallArgs::new(39, [0; 6]);
    let unknown = SyscallArgs::new(400, [0; 6]);
    let read = SyscallArgs::new(0, [ZERO_FD, SCRATCH, 4096, 0, 0, 0]);
    for profile in [false, true] {
        let mut t = task(&tiny, profile);
        let tag = if profile { "/profiled" } else { "" };
        assert_eq!(dispatch(&mut t, &read), Some(4096));
        assert_eq!(dispatch(&mut t, &unknown), Some(-38i64 as u64));
        c.bench_function(&format!("dispatch/getpid{tag}"), |b| {
            b.iter(|| black_box(dispatch(&mut t, black_box(&getpid))))
        });
        c.bench_function(&format!("dispatch/unknown_enosys{tag}"), |b| {
            b.iter(|| black_box(dispatch(&mut t, black_box(&unknown))))
        });
        c.bench_function(&format!("dispatch/read_dev_zero_4k{tag}"), |b| {
            b.iter(|| black_box(dispatch(&mut t, black_box(&read))))
        });
        if profile {
            let p = t.kernel().profile().expect("profiling is on");
            assert!(p.get("getpid").is_some_and(|r| r.calls > 0));
        }
    }
}

criterion_group!(benches, bench);
criterion_main!(benches);
