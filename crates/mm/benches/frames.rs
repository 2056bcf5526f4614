//! Memory-file frame allocation: the allocator alone and behind its lock.

use std::hint::black_box;

use criterion::{criterion_group, criterion_main, Criterion};
use mm::{FrameAllocator, MemoryFileAllocator, PAGE_SIZE};

fn bench(c: &mut Criterion) {
    let mut a = FrameAllocator::new(1 << 20);
    // Warm up: a pool of freed frames, as in a long-running sandbox.
    let warm: Vec<_> = (0..4096).filter_map(|_| a.alloc().ok()).collect();
    for (f, _) in &warm {
        let _ = a.decref(*f);
    }
    c.bench_function("frame_alloc_free", |b| {
        b.iter(|| {
            if let Ok((f, dirty)) = a.alloc() {
                black_box(dirty);
                let _ = a.decref(f);
            }
        })
    });
    c.bench_function("frame_alloc_free_batch_64", |b| {
        let mut batch = Vec::with_capacity(64);
        b.iter(|| {
            batch.extend((0..64).filter_map(|_| a.alloc().ok().map(|(f, _)| f)));
            for f in batch.drain(..) {
                let _ = a.decref(f);
            }
        })
    });
    let shared = MemoryFileAllocator::new(1 << 20 << PAGE_SIZE.trailing_zeros());
    c.bench_function("memory_file_alloc_free_locked", |b| {
        b.iter(|| {
            if let Ok((f, _)) = shared.alloc() {
                let _ = black_box(shared.incref(f));
                let _ = shared.decref(f);
                let _ = shared.decref(f);
            }
        })
    });
}

criterion_group!(benches, bench);
criterion_main!(benches);
