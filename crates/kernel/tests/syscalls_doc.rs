//! `docs/syscalls.md` is generated from the syscall table and must not go
//! stale: this test fails when it differs, and rewrites it when run with
//! `UPDATE_DOCS=1` (what `cargo xtask syscalls` does).

#[test]
fn docs_syscalls_md_matches_the_table() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/syscalls.md");
    let want = kernel::syscalls::table_markdown();
    if std::env::var_os("UPDATE_DOCS").is_some() {
        std::fs::write(path, &want).expect("writing docs/syscalls.md");
        return;
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "docs/syscalls.md is stale: run `cargo xtask syscalls`"
    );
}
