//! Area-map hot paths at 10,000 areas: lookup, insert (+remove), split (+merge),
//! and a page fault.

use std::hint::black_box;
use std::sync::Arc;

use criterion::{criterion_group, criterion_main, Criterion};
use mm::{AccessType, Layout, Limits, MemoryFileAllocator, MemoryManager, MmapRequest, PAGE_SIZE};

const P: u64 = PAGE_SIZE;
const BASE: u64 = 0x1000_0000;
const AREAS: u64 = 10_000;

/// 10,000 three-page areas with one-page holes between them.
fn populated() -> MemoryManager {
    let frames = Arc::new(MemoryFileAllocator::new(1 << 32));
    let mut m = MemoryManager::new(frames, Layout::default(), Limits::default());
    for i in 0..AREAS {
        let req = MmapRequest {
            addr: BASE + i * 4 * P,
            len: 3 * P,
            prot: 3,
            flags: 0x32,
            ..Default::default()
        };
        if m.mmap(req).is_err() {
            break;
        }
    }
    assert_eq!(m.vma_count() as u64, AREAS);
    m
}

/// A cheap deterministic sequence of area indexes.
fn indexes() -> impl FnMut() -> u64 {
    let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
    move || {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        x % AREAS
    }
}

fn bench(c: &mut Criterion) {
    let mut m = populated();
    let mut next = indexes();
    c.bench_function("vma_lookup_10k", |b| {
        b.iter(|| black_box(m.find_vma(BASE + next() * 4 * P + P)).is_some())
    });
    c.bench_function("vma_insert_remove_10k", |b| {
        b.iter(|| {
            let hole = BASE + next() * 4 * P + 3 * P;
            let req = MmapRequest {
                addr: hole,
                len: P,
                prot: 1,
                flags: 0x32,
                ..Default::default()
            };
            let _ = black_box(m.mmap(req));
            let _ = m.munmap(hole, P);
        })
    });
    c.bench_function("vma_split_merge_10k", |b| {
        b.iter(|| {
            let mid = BASE + next() * 4 * P + P;
            let _ = black_box(m.mprotect(mid, P, 1));
            let _ = m.mprotect(mid, P, 3);
        })
    });
    c.bench_function("fault_populate_zap_10k", |b| {
        b.iter(|| {
            let a = BASE + next() * 4 * P;
            let _ = black_box(m.handle_fault(a, AccessType::Write));
            let _ = m.madvise(a, P, 4);
            m.take_ops().clear();
        })
    });
}

/// 10,000 non-mergeable areas packed top-down below `mmap_base`, as a
/// program that maps many files gets; then one more mapping anywhere.
fn bench_placement(c: &mut Criterion) {
    let frames = Arc::new(MemoryFileAllocator::new(1 << 32));
    let mut m = MemoryManager::new(frames, Layout::default(), Limits::default());
    for i in 0..AREAS {
        let req = MmapRequest {
            len: P,
            prot: 1 + (i % 2),
            flags: 0x22,
            ..Default::default()
        };
        if m.mmap(req).is_err() {
            break;
        }
    }
    assert_eq!(m.vma_count() as u64, AREAS);
    c.bench_function("mmap_anywhere_packed_10k", |b| {
        b.iter(|| {
            let req = MmapRequest {
                len: 2 * P,
                prot: 3,
                flags: 0x22,
                ..Default::default()
            };
            if let Ok(a) = black_box(m.mmap(req)) {
                let _ = m.munmap(a, 2 * P);
            }
        })
    });
}

criterion_group!(benches, bench, bench_placement);
criterion_main!(benches);
