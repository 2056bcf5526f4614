//! `/dev` mounted on a tmpfs root with the device opener registered,
//! driven through the syscall-shaped `Vfs` API.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use fs_dev::{new_devfs, DevOpener, DEV_NULL};
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{AtFlags, Clock, Context, Credentials, Errno, MountFlags, OpenFlags, Timespec, Vfs};

struct TickClock(AtomicI64);

impl Clock for TickClock {
    fn now(&self) -> Timespec {
        Timespec {
            sec: self.0.fetch_add(1, Ordering::Relaxed),
            nsec: 0,
        }
    }
}

fn setup() -> Vfs {
    let clock: Arc<dyn Clock> = Arc::new(TickClock(AtomicI64::new(1)));
    let rootfs = TmpFs::new(
        TmpFsOptions {
            dev: 1,
            root_mode: 0o755,
            ..TmpFsOptions::default()
        },
        clock.clone(),
    )
    .unwrap_or_else(|e| panic!("{e}"));
    let vfs = Vfs::new(rootfs, MountFlags::empty(), clock.clone());
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    vfs.mkdirat(&ctx, &root, b"dev", 0o755)
        .unwrap_or_else(|e| panic!("{e}"));
    let at = vfs
        .resolve(&ctx, &root, b"dev", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let dev = new_devfs(6, clock).unwrap_or_else(|e| panic!("{e}"));
    vfs.mount(&at, dev, MountFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    vfs.set_special_opener(Arc::new(DevOpener::new(None)));
    vfs
}

#[test]
fn devices_open_and_behave() {
    let vfs = setup();
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    let open = |p: &str, f: OpenFlags| vfs.openat(&ctx, &root, p.as_bytes(), f, 0);

    let null = open("/dev/null", OpenFlags::O_RDWR).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(null.write(b"gone"), Ok(4));
    let mut buf = [9u8; 8];
    assert_eq!(null.read(&mut buf), Ok(0));
    let st = null.stat().unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st.rdev, DEV_NULL);
    assert_eq!(st.mode, 0o20666);

    let zero = open("/dev/zero", OpenFlags::empty()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(zero.read(&mut buf), Ok(8));
    assert_eq!(buf, [0u8; 8]);

    let full = open("/dev/full", OpenFlags::O_WRONLY).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(full.write(b"x"), Err(Errno::ENOSPC));

    let ur = open("/dev/urandom", OpenFlags::empty()).unwrap_or_else(|e| panic!("{e}"));
    let (mut a, mut b) = ([0u8; 32], [0u8; 32]);
    assert_eq!(ur.read(&mut a), Ok(32));
    assert_eq!(ur.read(&mut b), Ok(32));
    assert_ne!(a, b);
    assert!(open("/dev/random", OpenFlags::empty()).is_ok());

    // No controlling terminal and no kernel opener behind us.
    assert_eq!(
        open("/dev/tty", OpenFlags::O_RDWR).err(),
        Some(Errno::ENXIO)
    );
}

#[test]
fn links_and_shm() {
    let vfs = setup();
    let root = vfs.root();
    let cred = Credentials::root();
    let ctx = Context::new(&cred, &root);
    for (name, target) in [
        ("/dev/stdin", "/proc/self/fd/0"),
        ("/dev/stdout", "/proc/self/fd/1"),
        ("/dev/stderr", "/proc/self/fd/2"),
        ("/dev/fd", "/proc/self/fd"),
    ] {
        assert_eq!(
            vfs.readlinkat(&ctx, &root, name.as_bytes()),
            Ok(target.as_bytes().to_vec())
        );
    }
    let shm = vfs
        .fstatat(&ctx, &root, b"/dev/shm", AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(shm.mode, 0o41777);
    let user = Credentials::user(1000, 1000, Vec::new());
    let uctx = Context::new(&user, &root);
    let f = vfs.openat(
        &uctx,
        &root,
        b"/dev/shm/seg",
        OpenFlags::O_CREAT | OpenFlags::O_RDWR,
        0o600,
    );
    assert!(f.is_ok());
    assert_eq!(
        vfs.fstatat(&ctx, &root, b"/dev/ptmx", AtFlags::empty())
            .err(),
        Some(Errno::ENOENT)
    );
}
