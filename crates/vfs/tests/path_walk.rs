//! Path-walk rules against a tmpfs-rooted tree: each errno rule of
//! path_resolution(7), openat2(2) and open(2).

mod common;

use common::Fixture;
use vfs::{AtFlags, Context, Errno, MountFlags, OpenFlags, ResolveFlags};

#[test]
fn dot_dotdot_and_slashes() {
    let f = Fixture::new();
    f.mkdir("a");
    f.mkdir("a/b");
    f.write("a/b/file", b"x");
    let file = f.lookup("a/b/file").unwrap_or_else(|e| panic!("{e}"));
    for p in [
        "a//b/./file",
        "/a/b/../b/file",
        "../../a/b/file",
        "/../a/./b//file",
        "a/b/../../a/b/file",
    ] {
        let got = f.lookup(p).unwrap_or_else(|e| panic!("{p}: {e}"));
        assert!(got.same(&file), "{p}");
    }
    assert!(f
        .lookup("/..")
        .unwrap_or_else(|e| panic!("{e}"))
        .same(&f.root));
    assert!(f
        .lookup("/")
        .unwrap_or_else(|e| panic!("{e}"))
        .same(&f.root));
    assert!(f
        .lookup("a/b/")
        .unwrap_or_else(|e| panic!("{e}"))
        .dentry
        .is_dir());
    assert_eq!(f.lookup("a/b/file/").err(), Some(Errno::ENOTDIR));
    assert_eq!(f.lookup("a/b/file/x").err(), Some(Errno::ENOTDIR));
    assert_eq!(f.lookup("a/b/file/..").err(), Some(Errno::ENOTDIR));
    assert_eq!(f.lookup("a/nope/file").err(), Some(Errno::ENOENT));
    assert_eq!(f.lookup("").err(), Some(Errno::ENOENT));
}

#[test]
fn name_and_path_limits() {
    let f = Fixture::new();
    let long = "x".repeat(256);
    assert_eq!(f.lookup(&long).err(), Some(Errno::ENAMETOOLONG));
    assert_eq!(f.lookup(&"x".repeat(255)).err(), Some(Errno::ENOENT));
    let deep = "a/".repeat(2048);
    assert_eq!(f.lookup(&deep).err(), Some(Errno::ENAMETOOLONG));
    assert_eq!(
        f.vfs.mkdirat(&f.ctx(), &f.root, long.as_bytes(), 0o755),
        Err(Errno::ENAMETOOLONG)
    );
}

#[test]
fn symlinks_relative_absolute_and_loops() {
    let f = Fixture::new();
    f.mkdir("d");
    f.write("d/target", b"data");
    f.symlink("target", "d/rel");
    f.symlink("/d/target", "abs");
    f.symlink("d", "dirlink");
    f.symlink("../d/rel", "d/up");
    assert_eq!(f.read_all("d/rel"), Ok(b"data".to_vec()));
    assert_eq!(f.read_all("abs"), Ok(b"data".to_vec()));
    assert_eq!(f.read_all("dirlink/target"), Ok(b"data".to_vec()));
    assert_eq!(f.read_all("d/up"), Ok(b"data".to_vec()));
    f.symlink("loop2", "loop1");
    f.symlink("loop1", "loop2");
    assert_eq!(f.lookup("loop1").err(), Some(Errno::ELOOP));
    f.symlink("nowhere", "dangling");
    assert_eq!(f.lookup("dangling").err(), Some(Errno::ENOENT));
    let nofollow = f
        .vfs
        .resolve(&f.ctx(), &f.root, b"dangling", AtFlags::AT_SYMLINK_NOFOLLOW);
    assert!(nofollow.is_ok_and(|p| p.dentry.is_symlink()));
    // Trailing slash forces following.
    assert!(f.lookup("dirlink/").is_ok_and(|p| p.dentry.is_dir()));
}

#[test]
fn forty_hops_then_eloop() {
    let f = Fixture::new();
    f.write("t", b"end");
    // l0 -> t, l1 -> l0, ... : opening l{n} follows n+1 links.
    f.symlink("t", "l0");
    for i in 1..41 {
        f.symlink(&format!("l{}", i - 1), &format!("l{i}"));
    }
    assert_eq!(f.read_all("l39"), Ok(b"end".to_vec()));
    assert_eq!(f.read_all("l40").err(), Some(Errno::ELOOP));
}

#[test]
fn open_flag_rules() {
    let f = Fixture::new();
    f.mkdir("dir");
    f.write("file", b"abc");
    f.symlink("file", "link");
    f.symlink("missing", "dangling");
    assert_eq!(
        f.open("link", OpenFlags::O_NOFOLLOW).err(),
        Some(Errno::ELOOP)
    );
    assert!(f
        .open("link", OpenFlags::O_NOFOLLOW | OpenFlags::O_PATH)
        .is_ok());
    assert_eq!(
        f.open("file", OpenFlags::O_DIRECTORY).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        f.open("link", OpenFlags::O_DIRECTORY).err(),
        Some(Errno::ENOTDIR)
    );
    assert!(f.open("dir", OpenFlags::O_DIRECTORY).is_ok());
    assert_eq!(
        f.open("dir", OpenFlags::O_WRONLY).err(),
        Some(Errno::EISDIR)
    );
    assert_eq!(f.open("dir", OpenFlags::O_CREAT).err(), Some(Errno::EISDIR));
    let excl = OpenFlags::O_CREAT | OpenFlags::O_EXCL | OpenFlags::O_WRONLY;
    assert_eq!(f.open("file", excl).err(), Some(Errno::EEXIST));
    assert_eq!(f.open("dangling", excl).err(), Some(Errno::EEXIST));
    assert_eq!(f.open("link", excl).err(), Some(Errno::EEXIST));
    assert_eq!(
        f.open("newdir/", OpenFlags::O_CREAT).err(),
        Some(Errno::EISDIR)
    );
    assert_eq!(
        f.open("nodir/x", OpenFlags::O_CREAT).err(),
        Some(Errno::ENOENT)
    );
    // O_CREAT through a dangling symlink creates its target.
    assert!(f
        .open("dangling", OpenFlags::O_CREAT | OpenFlags::O_WRONLY)
        .is_ok());
    assert!(f.lookup("missing").is_ok());
    assert_eq!(
        f.open("link", OpenFlags::O_CREAT | OpenFlags::O_NOFOLLOW)
            .err(),
        Some(Errno::ELOOP)
    );
    assert!(f.open("fresh", excl).is_ok());
    // O_TRUNC empties an existing file.
    assert!(f
        .open("file", OpenFlags::O_WRONLY | OpenFlags::O_TRUNC)
        .is_ok());
    assert_eq!(f.read_all("file"), Ok(Vec::new()));
    // O_TMPFILE: the directory checks first, then EOPNOTSUPP.
    assert_eq!(
        f.open("fresh", OpenFlags::O_TMPFILE).err(),
        Some(Errno::ENOTDIR)
    );
    assert_eq!(
        f.open("nowhere", OpenFlags::O_TMPFILE).err(),
        Some(Errno::ENOENT)
    );
    assert_eq!(
        f.open(".", OpenFlags::O_TMPFILE | OpenFlags::O_RDWR).err(),
        Some(Errno::EOPNOTSUPP)
    );
}

#[test]
fn openat_relative_to_dirfd_and_empty_path() {
    let f = Fixture::new();
    f.mkdir("d");
    f.write("d/x", b"1");
    let d = f.lookup("d").unwrap_or_else(|e| panic!("{e}"));
    let ctx = f.ctx();
    assert!(f.vfs.openat(&ctx, &d, b"x", OpenFlags::empty(), 0).is_ok());
    assert!(f
        .vfs
        .openat(&ctx, &d, b"../d/x", OpenFlags::empty(), 0)
        .is_ok());
    assert_eq!(
        f.vfs.openat(&ctx, &d, b"", OpenFlags::empty(), 0).err(),
        Some(Errno::ENOENT)
    );
    let x = f.lookup("d/x").unwrap_or_else(|e| panic!("{e}"));
    // A relative walk from a non-directory is ENOTDIR.
    assert_eq!(
        f.vfs.openat(&ctx, &x, b"y", OpenFlags::empty(), 0).err(),
        Some(Errno::ENOTDIR)
    );
    // AT_EMPTY_PATH names the dirfd itself, even a regular file.
    let st = f
        .vfs
        .fstatat(&ctx, &x, b"", AtFlags::AT_EMPTY_PATH)
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(st.size, 1);
    assert_eq!(
        f.vfs.fstatat(&ctx, &x, b"", AtFlags::empty()).err(),
        Some(Errno::ENOENT)
    );
}

#[test]
fn mounts_and_dotdot_across_them() {
    let f = Fixture::new();
    f.mkdir("mnt");
    f.mkdir("mnt/hidden");
    let mp = f.lookup("mnt").unwrap_or_else(|e| panic!("{e}"));
    let m = f
        .vfs
        .mount(&mp, common::tmpfs(2), MountFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    f.mkdir("mnt/inside");
    assert_eq!(f.lookup("mnt/hidden").err(), Some(Errno::ENOENT));
    let inside = f.lookup("mnt/inside").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(inside.mount.id(), m.id());
    assert_eq!(inside.inode().stat().map(|a| a.dev), Ok(2));
    // `..` from the mount root climbs to the parent of the mountpoint.
    assert!(f
        .lookup("mnt/..")
        .unwrap_or_else(|e| panic!("{e}"))
        .same(&f.root));
    assert!(f
        .lookup("mnt/inside/../..")
        .unwrap_or_else(|e| panic!("{e}"))
        .same(&f.root));
    // Cross-mount rename and link are EXDEV; a busy mountpoint can't go.
    f.write("top", b"t");
    let ctx = f.ctx();
    assert_eq!(
        f.vfs.renameat2(
            &ctx,
            &f.root,
            b"top",
            &f.root,
            b"mnt/top",
            vfs::RenameFlags::empty()
        ),
        Err(Errno::EXDEV)
    );
    assert_eq!(
        f.vfs
            .linkat(&ctx, &f.root, b"top", &f.root, b"mnt/t2", AtFlags::empty()),
        Err(Errno::EXDEV)
    );
    assert_eq!(
        f.vfs.unlinkat(&ctx, &f.root, b"mnt", AtFlags::AT_REMOVEDIR),
        Err(Errno::EBUSY)
    );
    // RESOLVE_NO_XDEV refuses to cross, both ways.
    let no_xdev = Context {
        resolve: ResolveFlags::RESOLVE_NO_XDEV,
        ..ctx
    };
    assert_eq!(
        f.vfs
            .resolve(&no_xdev, &f.root, b"mnt/inside", AtFlags::empty())
            .err(),
        Some(Errno::EXDEV)
    );
    assert_eq!(
        f.vfs
            .resolve(&no_xdev, &inside, b"../..", AtFlags::empty())
            .err(),
        Some(Errno::EXDEV)
    );
    // Unmount reveals the covered directory again.
    assert_eq!(f.vfs.umount(&m), Ok(()));
    assert!(f.lookup("mnt/hidden").is_ok());
    assert_eq!(f.vfs.mounts().len(), 0);
}

#[test]
fn readonly_mount_gives_erofs() {
    let f = Fixture::new();
    f.mkdir("ro");
    let mp = f.lookup("ro").unwrap_or_else(|e| panic!("{e}"));
    let fs = common::tmpfs(3);
    f.vfs
        .mount(&mp, fs, MountFlags::MS_RDONLY)
        .unwrap_or_else(|e| panic!("{e}"));
    let ctx = f.ctx();
    assert_eq!(
        f.vfs.mkdirat(&ctx, &f.root, b"ro/x", 0o755),
        Err(Errno::EROFS)
    );
    assert_eq!(f.open("ro/x", OpenFlags::O_CREAT).err(), Some(Errno::EROFS));
    assert_eq!(f.open("ro", OpenFlags::empty()).map(|_| ()), Ok(()));
    assert_eq!(
        f.vfs
            .faccessat(&ctx, &f.root, b"ro", vfs::W_OK, AtFlags::empty()),
        Err(Errno::EROFS)
    );
    assert_eq!(
        f.vfs
            .statfs(&f.lookup("ro").unwrap_or_else(|e| panic!("{e}")))
            .map(|s| s.flags & 1),
        Ok(1)
    );
}

#[test]
fn resolve_beneath_in_root_and_no_symlinks() {
    let f = Fixture::new();
    f.mkdir("jail");
    f.mkdir("jail/sub");
    f.write("jail/sub/f", b"in");
    f.write("secret", b"out");
    f.symlink("/secret", "jail/abs");
    f.symlink("../secret", "jail/up");
    f.symlink("sub/f", "jail/ok");
    let jail = f.lookup("jail").unwrap_or_else(|e| panic!("{e}"));
    let base = f.ctx();
    let beneath = Context {
        resolve: ResolveFlags::RESOLVE_BENEATH,
        ..base
    };
    let at = |c: &Context<'_>, p: &str| f.vfs.resolve(c, &jail, p.as_bytes(), AtFlags::empty());
    assert!(at(&beneath, "sub/../ok").is_ok());
    assert_eq!(at(&beneath, "..").err(), Some(Errno::EXDEV));
    assert_eq!(at(&beneath, "/secret").err(), Some(Errno::EXDEV));
    assert_eq!(at(&beneath, "abs").err(), Some(Errno::EXDEV));
    assert_eq!(at(&beneath, "up").err(), Some(Errno::EXDEV));
    let in_root = Context {
        resolve: ResolveFlags::RESOLVE_IN_ROOT,
        ..base
    };
    // Inside the jail "/" and ".." resolve to the jail itself.
    assert!(at(&in_root, "..").is_ok_and(|p| p.same(&jail)));
    assert_eq!(at(&in_root, "abs").err(), Some(Errno::ENOENT));
    f.write("jail/secret", b"decoy");
    assert!(at(&in_root, "up").is_ok_and(|p| p.inode().stat().map(|a| a.size) == Ok(5)));
    let no_sym = Context {
        resolve: ResolveFlags::RESOLVE_NO_SYMLINKS,
        ..base
    };
    assert_eq!(at(&no_sym, "ok").err(), Some(Errno::ELOOP));
    assert!(at(&no_sym, "sub/f").is_ok());
}

#[test]
fn resolve_cached_only_uses_the_dentry_cache() {
    let f = Fixture::new();
    f.mkdir("m");
    let fs = common::tmpfs(9);
    // Created behind the VFS's back, so not in the dentry cache yet.
    let new = vfs::NewInode {
        mode: vfs::uapi::S_IFREG | 0o644,
        uid: 0,
        gid: 0,
        rdev: 0,
    };
    vfs::Inode::create(&**fs.root_inode(), b"f", &new).unwrap_or_else(|e| panic!("{e}"));
    let mp = f.lookup("m").unwrap_or_else(|e| panic!("{e}"));
    f.vfs
        .mount(&mp, fs, MountFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    let cached = Context {
        resolve: ResolveFlags::RESOLVE_CACHED,
        ..f.ctx()
    };
    assert_eq!(
        f.vfs
            .resolve(&cached, &f.root, b"m/f", AtFlags::empty())
            .err(),
        Some(Errno::EAGAIN)
    );
    assert!(f.lookup("m/f").is_ok());
    assert!(f
        .vfs
        .resolve(&cached, &f.root, b"m/f", AtFlags::empty())
        .is_ok());
}

#[test]
fn search_permission_is_checked() {
    let mut f = Fixture::new();
    f.mkdir("locked");
    f.write("locked/f", b"x");
    let ctx = f.ctx();
    f.vfs
        .fchmodat(&ctx, &f.root, b"locked", 0o700, AtFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    f.cred = vfs::Credentials::user(1000, 1000, vec![]);
    assert_eq!(f.lookup("locked/f").err(), Some(Errno::EACCES));
    assert!(f.lookup("locked").is_ok());
    assert_eq!(
        f.open("locked", OpenFlags::empty()).err(),
        Some(Errno::EACCES)
    );
}

#[test]
fn path_names_for_getcwd_and_procfs() {
    let f = Fixture::new();
    f.mkdir("a");
    f.mkdir("a/b");
    f.mkdir("mnt");
    let mp = f.lookup("mnt").unwrap_or_else(|e| panic!("{e}"));
    f.vfs
        .mount(&mp, common::tmpfs(4), MountFlags::empty())
        .unwrap_or_else(|e| panic!("{e}"));
    f.mkdir("mnt/in");
    let name = |p: &str| {
        f.vfs
            .path_name(&f.root, &f.lookup(p).unwrap_or_else(|e| panic!("{e}")))
    };
    assert_eq!(name("a/b").path, b"/a/b".to_vec());
    assert_eq!(name("/").path, b"/".to_vec());
    assert_eq!(name("mnt/in").path, b"/mnt/in".to_vec());
    assert_eq!(name("mnt").path, b"/mnt".to_vec());
    // Seen from a chroot at /a, /a/b is "/b" and / is unreachable.
    let a = f.lookup("a").unwrap_or_else(|e| panic!("{e}"));
    let b = f.lookup("a/b").unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(f.vfs.path_name(&a, &b).path, b"/b".to_vec());
    assert!(!f.vfs.path_name(&a, &f.root).reachable);
    // Renames and removal show up.
    let ctx = f.ctx();
    assert_eq!(
        f.vfs.renameat2(
            &ctx,
            &f.root,
            b"a/b",
            &f.root,
            b"c",
            vfs::RenameFlags::empty()
        ),
        Ok(())
    );
    let moved = f.vfs.path_name(&f.root, &b);
    assert_eq!((moved.path, moved.deleted), (b"/c".to_vec(), false));
    assert_eq!(
        f.vfs.unlinkat(&ctx, &f.root, b"c", AtFlags::AT_REMOVEDIR),
        Ok(())
    );
    assert!(f.vfs.path_name(&f.root, &b).deleted);
}
