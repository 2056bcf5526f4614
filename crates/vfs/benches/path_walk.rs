//! Path-walk cost: a cached walk (every dentry already in the cache) and
//! an uncached one (a fresh VFS whose dentry cache is empty, so every
//! component calls into tmpfs); then the cost of walking a tree's files as
//! a function of the dentry cache's hit rate.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, BatchSize, Criterion};
use fs_tmpfs::{TmpFs, TmpFsOptions};
use vfs::{AtFlags, Clock, Context, Credentials, Inode, MountFlags, NewInode, Timespec, Vfs};

struct Zero;
impl Clock for Zero {
    fn now(&self) -> Timespec {
        Timespec::default()
    }
}

const PATH: &[u8] = b"usr/lib/x86_64-linux-gnu/python3/dist-packages/module/__init__.py";

/// A tmpfs holding `PATH`, built straight on the inodes.
fn populated() -> Arc<TmpFs> {
    let fs = TmpFs::new(TmpFsOptions::default(), Arc::new(Zero)).unwrap_or_else(|e| panic!("{e}"));
    let mut dir: Arc<dyn Inode> = fs.root_inode().clone();
    let comps: Vec<&[u8]> = PATH.split(|&b| b == b'/').collect();
    for (i, c) in comps.iter().enumerate() {
        let last = i + 1 == comps.len();
        let mode = if last {
            vfs::uapi::S_IFREG | 0o644
        } else {
            vfs::uapi::S_IFDIR | 0o755
        };
        let new = NewInode {
            mode,
            uid: 0,
            gid: 0,
            rdev: 0,
        };
        dir = if last {
            dir.create(c, &new)
        } else {
            dir.mkdir(c, &new)
        }
        .unwrap_or_else(|e| panic!("{e}"));
    }
    fs
}

fn bench(c: &mut Criterion) {
    let cred = Credentials::root();
    let vfs = Vfs::new(populated(), MountFlags::empty(), Arc::new(Zero));
    let root = vfs.root();
    let ctx = Context::new(&cred, &root);
    c.bench_function("path_walk/cached_8_components", |b| {
        b.iter(|| {
            black_box(
                vfs.resolve(&ctx, &root, black_box(PATH), AtFlags::empty())
                    .is_ok(),
            )
        })
    });
    let fs = populated();
    c.bench_function("path_walk/uncached_8_components", |b| {
        b.iter_batched(
            || Vfs::new(fs.clone(), MountFlags::empty(), Arc::new(Zero)),
            |fresh| {
                let r = fresh.root();
                let ctx = Context::new(&cred, &r);
                black_box(fresh.resolve(&ctx, &r, PATH, AtFlags::empty()).is_ok())
            },
            BatchSize::SmallInput,
        )
    });
}

/// Directories and files per directory of the hit-rate tree.
const FANOUT: usize = 16;

/// A tmpfs holding `d<i>/f<j>` for `i`, `j` below [`FANOUT`].
fn tree() -> Arc<TmpFs> {
    let fs = TmpFs::new(TmpFsOptions::default(), Arc::new(Zero)).unwrap_or_else(|e| panic!("{e}"));
    let attrs = |mode| NewInode {
        mode,
        uid: 0,
        gid: 0,
        rdev: 0,
    };
    for i in 0..FANOUT {
        let dir = fs
            .root_inode()
            .mkdir(
                format!("d{i}").as_bytes(),
                &attrs(vfs::uapi::S_IFDIR | 0o755),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        for j in 0..FANOUT {
            dir.create(
                format!("f{j}").as_bytes(),
                &attrs(vfs::uapi::S_IFREG | 0o644),
            )
            .unwrap_or_else(|e| panic!("{e}"));
        }
    }
    fs
}

/// Walks every file of [`tree`] on a fresh VFS in which a share `pct` of
/// the files (and every directory) were walked before: `pct` is the hit
/// rate of the last component's dentry cache lookup.
fn hit_rate(c: &mut Criterion) {
    let cred = Credentials::root();
    let fs = tree();
    let paths: Vec<Vec<u8>> = (0..FANOUT * FANOUT)
        .map(|k| format!("d{}/f{}", k % FANOUT, k / FANOUT).into_bytes())
        .collect();
    for pct in [0usize, 50, 90, 100] {
        c.bench_function(&format!("dentry_cache/walk_256_files/hit_{pct}pct"), |b| {
            b.iter_batched(
                || {
                    let v = Vfs::new(fs.clone(), MountFlags::empty(), Arc::new(Zero));
                    let r = v.root();
                    let ctx = Context::new(&cred, &r);
                    for i in 0..FANOUT {
                        let _ = v.resolve(&ctx, &r, format!("d{i}").as_bytes(), AtFlags::empty());
                    }
                    for p in paths.iter().take(paths.len() * pct / 100) {
                        let _ = v.resolve(&ctx, &r, p, AtFlags::empty());
                    }
                    v
                },
                |warm| {
                    let r = warm.root();
                    let ctx = Context::new(&cred, &r);
                    for p in &paths {
                        black_box(warm.resolve(&ctx, &r, p, AtFlags::empty()).is_ok());
                    }
                },
                BatchSize::SmallInput,
            )
        });
    }
}

criterion_group!(benches, bench, hit_rate);
criterion_main!(benches);
