//! sysfs mounted read-only at /sys over a tmpfs root, read through the
//! syscall-shaped `Vfs` API, as a program in the sandbox reads it.

use std::sync::Arc;

use fs_sys::{SysFacts, SysFs, ThpMode, SYSFS_MAGIC};
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{
    AtFlags, Clock, Context, Credentials, Errno, MountFlags, OpenFlags, PathRef, Timespec, Vfs,
};

struct FixedClock;

impl Clock for FixedClock {
    fn now(&self) -> Timespec {
        Timespec { sec: 7, nsec: 0 }
    }
}

struct Fx {
    vfs: Vfs,
    root: PathRef,
}

fn setup(facts: &SysFacts) -> Fx {
    let clock: Arc<dyn Clock> = Arc::new(FixedClock);
    let rootfs = TmpFs::new(
        TmpFsOptions {
            dev: 1,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock.clone(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(rootfs, MountFlags::empty(), clock);
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    vfs.mkdirat(&ctx, &root, b"sys", 0o755).unwrap();
    let at = vfs.resolve(&ctx, &root, b"sys", AtFlags::empty()).unwrap();
    vfs.mount(
        &at,
        SysFs::new(facts, 9, Timespec { sec: 5, nsec: 0 }),
        MountFlags::MS_RDONLY,
    )
    .unwrap();
    Fx { vfs, root }
}

fn read(fx: &Fx, path: &str) -> Result<String, Errno> {
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &fx.root);
    let f = fx
        .vfs
        .openat(&ctx, &fx.root, path.as_bytes(), OpenFlags::empty(), 0)?;
    let mut out = Vec::new();
    let mut buf = [0u8; 3];
    loop {
        let n = f.read(&mut buf)?;
        if n == 0 {
            return Ok(String::from_utf8_lossy(&out).into_owned());
        }
        out.extend_from_slice(&buf[..n]);
    }
}

/// The names in directory `path`, sorted, from the inode the walk finds.
fn list(fx: &Fx, path: &str) -> Vec<String> {
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &fx.root);
    let at = fx
        .vfs
        .resolve(&ctx, &fx.root, path.as_bytes(), AtFlags::empty())
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    let mut names = Vec::new();
    at.inode()
        .readdir(0, &mut |e| {
            names.push(String::from_utf8_lossy(&e.name).into_owned());
            true
        })
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    names.sort();
    names
}

fn two_cpus() -> SysFacts {
    SysFacts {
        cpus: vec![0, 1],
        thp: ThpMode::Never,
    }
}

#[test]
fn cpu_files_list_the_sandbox_cpus() {
    let fx = setup(&two_cpus());
    for f in ["online", "possible", "present"] {
        assert_eq!(
            read(&fx, &format!("/sys/devices/system/cpu/{f}")),
            Ok("0-1\n".into())
        );
    }
    assert_eq!(
        list(&fx, "/sys/devices/system/cpu"),
        ["cpu0", "cpu1", "online", "possible", "present"]
    );
    assert_eq!(
        list(&fx, "/sys/devices/system/cpu/cpu1"),
        Vec::<String>::new()
    );

    let sparse = setup(&SysFacts {
        cpus: vec![0, 2, 3],
        thp: ThpMode::Always,
    });
    assert_eq!(
        read(&sparse, "/sys/devices/system/cpu/online"),
        Ok("0,2-3\n".into())
    );
    assert!(list(&sparse, "/sys/devices/system/cpu").contains(&"cpu3".to_owned()));
    assert_eq!(
        read(&sparse, "/sys/devices/system/cpu/cpu1/online"),
        Err(Errno::ENOENT)
    );
}

#[test]
fn the_tree_has_what_programs_read() {
    let fx = setup(&two_cpus());
    assert_eq!(list(&fx, "/sys"), ["class", "devices", "fs", "kernel"]);
    assert!(list(&fx, "/sys/fs/cgroup").is_empty());
    assert!(list(&fx, "/sys/class/net").is_empty());
    assert_eq!(
        read(&fx, "/sys/kernel/mm/transparent_hugepage/enabled"),
        Ok("always madvise [never]\n".into())
    );
    assert_eq!(
        read(&fx, "/sys/kernel/mm/transparent_hugepage/hpage_pmd_size"),
        Ok("2097152\n".into())
    );
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &fx.root);
    let at = fx
        .vfs
        .resolve(&ctx, &fx.root, b"/sys/devices", AtFlags::empty())
        .unwrap();
    assert_eq!(fx.vfs.statfs(&at).unwrap().fs_type, SYSFS_MAGIC);
    let f = fx
        .vfs
        .openat(
            &ctx,
            &fx.root,
            b"/sys/devices/system/cpu/online",
            OpenFlags::empty(),
            0,
        )
        .unwrap();
    let a = f.stat().unwrap();
    assert_eq!((a.mode & 0o7777, a.size, a.dev), (0o444, 4096, 9));
}

#[test]
fn nothing_can_be_written_or_created() {
    let fx = setup(&two_cpus());
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &fx.root);
    let open = |p: &[u8], flags| fx.vfs.openat(&ctx, &fx.root, p, flags, 0o644).err();
    assert_eq!(
        open(b"/sys/devices/system/cpu/online", OpenFlags::O_WRONLY),
        Some(Errno::EROFS)
    );
    assert_eq!(
        open(
            b"/sys/fs/cgroup/x",
            OpenFlags::O_CREAT | OpenFlags::O_WRONLY
        ),
        Some(Errno::EROFS)
    );
    assert_eq!(
        fx.vfs
            .mkdirat(&ctx, &fx.root, b"/sys/class/net/eth0", 0o755)
            .err(),
        Some(Errno::EROFS)
    );
    assert_eq!(read(&fx, "/sys/block"), Err(Errno::ENOENT));
}
