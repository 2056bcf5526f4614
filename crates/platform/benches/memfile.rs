//! The memory file and address spaces: copying a page in and out of the
//! Sentry's mapping, committing and decommitting host pages (what backs
//! allocation and freeing of application memory), and mapping a range of
//! the memory file into a stub address space on each platform (a system
//! call injected into the stub).

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use platform::{MemoryFile, Options, PlatformKind, Prot};

const PAGE: u64 = 4096;
/// Where the map/unmap benchmark maps its page in the stub.
const ADDR: u64 = 0x4000_0000;

fn memory_file(c: &mut Criterion) {
    let mf = MemoryFile::new(1 << 30).expect("memory file");
    let mut page = vec![0x5au8; PAGE as usize];
    c.bench_function("memory_file/write_4k", |b| {
        b.iter(|| mf.write_at(black_box(8 * PAGE), &page))
    });
    c.bench_function("memory_file/read_4k", |b| {
        b.iter(|| mf.read_at(black_box(8 * PAGE), &mut page))
    });
    // Touch 16 pages (the host allocates them), then punch them out.
    let chunk = vec![1u8; 16 * PAGE as usize];
    c.bench_function("memory_file/commit_decommit_64k", |b| {
        b.iter(|| {
            mf.write_at(64 * PAGE, &chunk).expect("write");
            mf.decommit(64 * PAGE, 16 * PAGE).expect("decommit");
        })
    });
}

fn address_space(c: &mut Criterion) {
    let rw = Prot {
        read: true,
        write: true,
        exec: false,
    };
    for (name, kind) in [
        ("systrap", PlatformKind::Systrap),
        ("ptrace", PlatformKind::Ptrace),
    ] {
        let opts = Options {
            memory_file_size: 1 << 30,
            ..Options::default()
        };
        let plat = platform::new(kind, &opts).expect("platform");
        let space = plat.new_address_space().expect("address space");
        c.bench_function(&format!("address_space/map_unmap_4k/{name}"), |b| {
            b.iter(|| {
                space.map(ADDR, PAGE, rw, 16 * PAGE).expect("map");
                space.unmap(ADDR, PAGE).expect("unmap");
            })
        });
    }
}

criterion_group!(benches, memory_file, address_space);
criterion_main!(benches);
