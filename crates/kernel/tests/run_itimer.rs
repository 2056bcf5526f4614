//! `ITIMER_REAL` end to end: a periodic timer's `SIGALRM` reaches a
//! handler, and an unhandled one kills the process.

mod common;

use common::{compile_static_libc, platforms, put_file, run, tmpfs_vfs};
use kernel::ExitStatus;

const PROG: &str = r#"
#include <signal.h>
#include <stdio.h>
#include <sys/time.h>
#include <unistd.h>

static volatile sig_atomic_t ticks;
static void on_alarm(int sig) { (void)sig; ticks++; }

int main(void) {
    signal(SIGALRM, on_alarm);
    struct itimerval every = {{0, 2000}, {0, 2000}};
    setitimer(ITIMER_REAL, &every, 0);
    while (ticks < 3)
        pause();
    struct itimerval off = {{0, 0}, {0, 0}};
    setitimer(ITIMER_REAL, &off, 0);
    printf("ticks %d\n", ticks >= 3);
    fflush(stdout);
    signal(SIGALRM, SIG_DFL);
    struct itimerval once = {{0, 0}, {0, 1000}};
    setitimer(ITIMER_REAL, &once, 0);
    for (;;)
        pause();
}
"#;

#[test]
fn sigalrm_reaches_the_handler_then_kills() {
    let bin = compile_static_libc("itimer", PROG);
    for kind in platforms() {
        let vfs = tmpfs_vfs();
        put_file(&vfs, "/bin/itimer", &bin, 0o755);
        let (status, out, _) = run(vfs, kind, &["/bin/itimer"]);
        assert_eq!(out, b"ticks 1\n", "{kind:?}");
        assert_eq!(
            status,
            ExitStatus::Signaled {
                sig: 14,
                core: false
            },
            "{kind:?}"
        );
    }
}
