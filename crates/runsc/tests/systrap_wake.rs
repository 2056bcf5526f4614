//! `--systrap-wake`: every wake-up scheme runs real programs (a shell
//! pipeline across processes, fork and exec) with the same results, and an
//! unknown scheme is refused before anything runs.

mod common;

use common::runsc_do;

const SCHEMES: [&str; 4] = ["adaptive", "futex", "spin", "locality"];

#[test]
fn every_scheme_runs_a_pipeline_with_forks_and_execs() {
    let script = "i=0; while [ $i -lt 5 ]; do /bin/true; i=$((i+1)); done; \
                  seq 1 200 | sort -rn | head -n 2; echo done $i";
    for scheme in SCHEMES {
        let flag = format!("--systrap-wake={scheme}");
        let o = runsc_do(&["--platform=systrap", &flag], &["/bin/sh", "-c", script]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "200\n199\ndone 5\n",
            "{scheme}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{scheme}");
    }
}

#[test]
fn an_unknown_scheme_is_refused() {
    let o = runsc_do(&["--systrap-wake=yield"], &["/bin/true"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&o.stderr).contains("systrap-wake"));
}
