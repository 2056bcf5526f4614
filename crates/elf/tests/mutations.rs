//! Random damage to real binaries from this machine: the loader must answer
//! every variant with a plan or an error, never a panic or a hang.

use std::sync::OnceLock;

use elf::{ElfFile, LoadBase, Role};
use proptest::prelude::*;

const FIXTURES: [&str; 3] = [
    "/usr/bin/true",
    "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2",
    "/usr/bin/busybox",
];

/// The first 8 KiB of each fixture present (headers, PT_INTERP and some
/// segment bytes; the loader reads nothing beyond).
fn fixtures() -> &'static [Vec<u8>] {
    static CELL: OnceLock<Vec<Vec<u8>>> = OnceLock::new();
    CELL.get_or_init(|| {
        FIXTURES
            .iter()
            .filter_map(|p| std::fs::read(p).ok())
            .map(|mut b| {
                b.truncate(8192);
                b
            })
            .collect()
    })
}

proptest! {
    #![proptest_config(ProptestConfig {
        cases: 1024,
        rng_seed: proptest::test_runner::RngSeed::Fixed(0xb1_7f11),
        ..ProptestConfig::default()
    })]

    #[test]
    fn damaged_host_binaries_never_panic(
        which in any::<prop::sample::Index>(),
        edits in prop::collection::vec((0usize..1024, any::<u8>()), 1..6),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
    ) {
        let all = fixtures();
        if all.is_empty() {
            return Ok(());
        }
        let mut img = all[which.index(all.len())].clone();
        for (at, value) in edits {
            if let Some(b) = img.get_mut(at) {
                *b = value;
            }
        }
        if truncate {
            img.truncate(cut.index(img.len()));
        }
        for role in [Role::Executable, Role::Interpreter] {
            if let Ok(file) = ElfFile::read(&img[..], role) {
                for base in [LoadBase::Default, LoadBase::At(0x7fff_f7fc_3000)] {
                    if let Ok(plan) = file.plan(base) {
                        prop_assert!(plan.entry < elf::plan::TASK_SIZE);
                        prop_assert!(plan.segments.iter().all(|s| s.vaddr + s.memsz <= elf::plan::TASK_SIZE));
                    }
                }
            }
        }
    }
}
