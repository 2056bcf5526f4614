//! System call patching seen from the application: on systrap a
//! `mov $nr, %eax; syscall` in the program's own (private) text is
//! rewritten after it traps and keeps returning the right values; the same
//! code in a `MAP_SHARED` page is never written; ptrace patches nothing.

mod common;

use common::{compile_static, platforms, put_file, run};
use kernel::ExitStatus;
use platform::PlatformKind;

/// Exit code: 10 if the text site was patched, + 1 if the shared page was
/// left alone; 99 if any call returned a wrong value.
const PROG: &str = r#"
extern long site(void);
__asm__(".text\nsite:\n mov $39, %eax\n syscall\n ret\n");
static long sys6(long n, long a, long b, long c, long d, long e, long f) {
    long r;
    register long r10 __asm__("r10") = d;
    register long r8 __asm__("r8") = e;
    register long r9 __asm__("r9") = f;
    __asm__ volatile("syscall" : "=a"(r) : "a"(n), "D"(a), "S"(b), "d"(c), "r"(r10), "r"(r8), "r"(r9) : "rcx", "r11", "memory");
    return r;
}
void _start(void) {
    /* getpid through an instruction that is never patched (mov rax). */
    long pid;
    __asm__ volatile("mov $39, %%rax\n syscall" : "=a"(pid) : : "rcx", "r11", "memory");
    for (int i = 0; i < 5; i++)
        if (site() != pid) sys6(231, 99, 0, 0, 0, 0, 0);
    /* The same code in a shared, executable anonymous page. */
    unsigned char *p = (unsigned char *)sys6(9, 0, 4096, 7, 0x21, -1, 0);
    if ((unsigned long)p > -4096UL) sys6(231, 98, 0, 0, 0, 0, 0);
    const unsigned char code[] = {0xb8, 39, 0, 0, 0, 0x0f, 0x05, 0xc3};
    for (int i = 0; i < 8; i++) p[i] = code[i];
    for (int i = 0; i < 5; i++)
        if (((long (*)(void))p)() != pid) sys6(231, 99, 0, 0, 0, 0, 0);
    long status = 0;
    if (*(volatile unsigned char *)site == 0xff) status += 10;
    if (p[0] == 0xb8 && p[5] == 0x0f) status += 1;
    sys6(231, status, 0, 0, 0, 0, 0);
    for (;;) {}
}
"#;

#[test]
fn private_text_is_patched_and_shared_pages_are_not() {
    let bin = compile_static("patch", PROG);
    for kind in platforms() {
        let vfs = common::tmpfs_vfs();
        put_file(&vfs, "/bin/patch", &bin, 0o755);
        let (status, _, debug) = run(vfs, kind, &["/bin/patch"]);
        let want = match kind {
            PlatformKind::Systrap => 11,
            PlatformKind::Ptrace => 1,
        };
        assert_eq!(status, ExitStatus::Exited(want), "{kind:?}: {debug:?}");
    }
}
