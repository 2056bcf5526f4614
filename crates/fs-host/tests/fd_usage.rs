//! Walking a host tree must not pin host descriptors: the sandbox may
//! cache far more dentries than the Sentry's `RLIMIT_NOFILE`. Alone in its
//! own test binary so no other test opens descriptors meanwhile.

use std::sync::Arc;

use fs_host::HostFs;
use vfs::{Filesystem, Inode};

fn open_fds() -> usize {
    std::fs::read_dir("/proc/self/fd")
        .map(|d| d.count())
        .unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn cached_inodes_hold_no_host_descriptors() {
    let d = std::env::temp_dir().join(format!("fs-host-fds-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(d.join("a/b")).unwrap_or_else(|e| panic!("{e}"));
    for i in 0..300 {
        std::fs::write(d.join(format!("a/b/f{i}")), b"x").unwrap_or_else(|e| panic!("{e}"));
    }
    let fs = HostFs::open(&d, 1).unwrap_or_else(|e| panic!("{e}"));
    let before = open_fds();
    let b = fs
        .root()
        .lookup(b"a")
        .and_then(|a| a.lookup(b"b"))
        .unwrap_or_else(|e| panic!("{e}"));
    let mut held: Vec<Arc<dyn Inode>> = Vec::new();
    for i in 0..300 {
        let f = b
            .lookup(format!("f{i}").as_bytes())
            .unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.stat().map(|s| s.size), Ok(1));
        held.push(f);
    }
    assert_eq!(open_fds(), before);
    assert_eq!(held.len(), 300);
    let _ = std::fs::remove_dir_all(&d);
}
