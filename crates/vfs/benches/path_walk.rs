//! Path-walk cost: a cached walk (every dentry already in the cache) and
//! an uncached one (a fresh VFS whose dentry cache is empty, so every
//! component calls into tmpfs).

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

criterion_group!(benches, bench);
criterion_main!(benches);
