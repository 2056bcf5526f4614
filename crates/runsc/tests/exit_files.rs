//! A process's descriptors close before its exit is reported (Linux's
//! `exit_files` precedes `exit_notify`). A shell reading a command
//! substitution's pipe is then never the lone task left with a pipe whose
//! writer is gone but not yet closed: the Sentry's lone-reader deadlock
//! check once killed it there (SIGKILL, empty output) under load.

mod common;

use common::{runsc, text, PLATFORMS};

#[test]
fn command_substitution_reader_outlives_its_writer() {
    // Each round forks a writer that exits while the shell reads its pipe.
    let script = "i=0; while [ $i -lt 200 ]; do x=$(echo n); i=$((i+1)); done; echo $i $x";
    for p in PLATFORMS {
        let o = runsc(p, &["/bin/busybox", "sh", "-c", script]);
        assert_eq!(
            (o.status.code(), text(&o.stdout).as_str()),
            (Some(0), "200 n\n"),
            "{p}: {}",
            text(&o.stderr)
        );
    }
}
