//! Arbitrary guest input never panics or hangs the path walk and the
//! mutating calls: every outcome is a value or an errno.

mod common;

use common::Fixture;
use proptest::prelude::*;
use vfs::{AtFlags, OpenFlags, RenameFlags, ResolveFlags};

/// Paths built from a small alphabet so they hit real names, `.`, `..`,
/// slashes and symlinks often.
fn path() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(
        prop_oneof![
            Just(b"a".to_vec()),
            Just(b"b".to_vec()),
            Just(b"l".to_vec()),
            Just(b"loop".to_vec()),
            Just(b".".to_vec()),
            Just(b"..".to_vec()),
            Just(b"/".to_vec()),
            Just(b"//".to_vec()),
            Just(b"f".to_vec()),
            prop::collection::vec(any::<u8>(), 0..4),
        ],
        0..12,
    )
    .prop_map(|parts| parts.concat())
}

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.mkdir("a");
    f.mkdir("a/b");
    f.write("a/f", b"x");
    f.symlink("a", "l");
    f.symlink("loop", "loop");
    f.symlink("../l/b", "a/b/up");
    f
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn resolve_never_panics(p in path(), flags in 0u64..0x40, nofollow in any::<bool>()) {
        let f = fixture();
        let ctx = vfs::Context { resolve: ResolveFlags::from_bits_truncate(flags), ..f.ctx() };
        let at = if nofollow { AtFlags::AT_SYMLINK_NOFOLLOW } else { AtFlags::empty() };
        let _ = f.vfs.resolve(&ctx, &f.root, &p, at);
        let _ = f.vfs.openat(&ctx, &f.root, &p, OpenFlags::from_bits_truncate(flags as u32 * 0o100), 0o644);
    }

    #[test]
    fn mutations_keep_the_tree_consistent(ops in prop::collection::vec((0u8..6, path(), path()), 1..20)) {
        let f = fixture();
        let ctx = f.ctx();
        let r = &f.root;
        for (op, x, y) in ops {
            let _ = match op {
                0 => f.vfs.mkdirat(&ctx, r, &x, 0o755),
                1 => f.vfs.unlinkat(&ctx, r, &x, AtFlags::empty()),
                2 => f.vfs.unlinkat(&ctx, r, &x, AtFlags::AT_REMOVEDIR),
                3 => f.vfs.renameat2(&ctx, r, &x, r, &y, RenameFlags::empty()),
                4 => f.vfs.symlinkat(&ctx, &y, r, &x),
                _ => f.vfs.linkat(&ctx, r, &x, r, &y, AtFlags::empty()),
            };
        }
        // The root's link count matches its subdirectories.
        let mut subdirs = 0u32;
        r.inode()
            .readdir(0, &mut |e: &vfs::DirEntry| {
                subdirs += u32::from(e.file_type == vfs::FileType::Directory);
                true
            })
            .map_err(|e| TestCaseError::fail(format!("{e}")))?;
        let nlink = f.vfs.fstatat(&ctx, r, b"/", AtFlags::empty()).map(|a| a.nlink).unwrap_or(0);
        prop_assert_eq!(nlink, 2 + subdirs);
    }
}
