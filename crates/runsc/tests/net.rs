//! End-to-end tests of the sandbox's loopback network (crates/net wired
//! into the kernel): servers and clients inside one sandbox, compared
//! with the same programs run on the host.

use std::path::Path;
use std::process::{Command, Output, Stdio};

fn runsc(platform: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_runsc"))
        .arg(format!("--platform={platform}"))
        .arg("--network=none")
        .arg("do")
        .args(args)
        .stdin(Stdio::null())
        .output()
        .expect("runsc starts")
}

/// Runs `args` on the host and in the sandbox on `platforms`; stdout and
/// exit status must agree and the host run must succeed.
fn same_as_native(platforms: &[&str], args: &[&str]) {
    let native = Command::new(args[0])
        .args(&args[1..])
        .stdin(Stdio::null())
        .output()
        .expect("native run");
    assert_eq!(native.status.code(), Some(0), "native {args:?}");
    for p in platforms {
        let o = runsc(p, args);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            String::from_utf8_lossy(&native.stdout),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{p}");
    }
}

fn have(path: &str) -> bool {
    let ok = Path::new(path).exists();
    if !ok {
        eprintln!("skipping: {path} is not installed (.ci/run installs it)");
    }
    ok
}

/// A C TCP echo server and client in two processes (1 MiB through poll
/// and partial writes), connection refusal both ways, and UDP with
/// `MSG_TRUNC` between an IPv4 and a dual-stack IPv6 socket.
#[test]
fn c_tcp_echo_between_processes() {
    if !have("/usr/bin/gcc") {
        return;
    }
    let src = format!("{}/tests/progs/tcp_echo.c", env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("runsc-net-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let bin = dir.join("tcp_echo");
    let cc = Command::new("/usr/bin/gcc")
        .args(["-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("gcc runs");
    assert!(cc.success(), "gcc {src}");
    same_as_native(&["systrap", "ptrace"], &[bin.to_str().expect("utf-8 path")]);
}

/// Python's http.server answering urllib, an IPv6 stream and a refused
/// connection, all inside the sandbox.
#[test]
fn python_http_server_and_urllib() {
    if !have("/usr/bin/python3") {
        return;
    }
    let code = include_str!("progs/http_loopback.py");
    same_as_native(&["systrap"], &["/usr/bin/python3", "-c", code]);
}
