//! End-to-end tests of `runsc do`: the built binary runs real Debian
//! programs in the sandbox, on both platforms, and the results are compared
//! with what the host itself computes.

mod common;

use common::{runsc, PLATFORMS};
use std::path::Path;
use std::process::{Command, Output, Stdio};

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn host(args: &[&str]) -> String {
    let o = Command::new(args[0])
        .args(&args[1..])
        .output()
        .expect("host program");
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn have(path: &str) -> bool {
    let ok = Path::new(path).exists();
    if !ok {
        eprintln!("skipping: {path} is not installed (.ci/run installs it)");
    }
    ok
}

#[test]
fn busybox_applets() {
    if !have("/bin/busybox") {
        return;
    }
    for p in PLATFORMS {
        let o = runsc(p, &["/bin/busybox", "echo", "hello", "sandbox"]);
        assert_eq!(stdout(&o), "hello sandbox\n", "{p}");
        assert_eq!(o.status.code(), Some(0));
        let o = runsc(p, &["/bin/busybox", "cat", "/etc/os-release"]);
        assert_eq!(
            stdout(&o),
            std::fs::read_to_string("/etc/os-release").unwrap(),
            "{p}"
        );
        let o = runsc(
            p,
            &[
                "/bin/busybox",
                "sh",
                "-c",
                "i=0; while [ $i -lt 3 ]; do i=$((i+1)); echo line $i; done",
            ],
        );
        assert_eq!(
            stdout(&o),
            "line 1\nline 2\nline 3\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        for applet in ["wc", "sort"] {
            let want = host(&["/bin/busybox", applet, "/etc/passwd"]);
            assert_eq!(
                stdout(&runsc(p, &["/bin/busybox", applet, "/etc/passwd"])),
                want,
                "{p} {applet}"
            );
        }
        let o = runsc(p, &["/bin/busybox", "ls", "/"]);
        assert!(
            stdout(&o).lines().any(|l| l == "usr"),
            "{p}: {}",
            stdout(&o)
        );
    }
}

#[test]
fn sha256_of_a_10mb_file_matches_the_host() {
    if !have("/bin/busybox") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("runsc-sha-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("blob");
    let data: Vec<u8> = (0..10 << 20)
        .map(|i: u32| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect();
    std::fs::write(&file, &data).unwrap();
    let want = host(&["/bin/busybox", "sha256sum", file.to_str().unwrap()]);
    for p in PLATFORMS {
        let o = runsc(p, &["/bin/busybox", "sha256sum", file.to_str().unwrap()]);
        assert_eq!(stdout(&o), want, "{p}");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn dynamic_debian_programs() {
    for p in PLATFORMS {
        let o = runsc(p, &["/bin/bash", "-c", "echo $((6*7))"]);
        assert_eq!(
            stdout(&o),
            "42\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = runsc(p, &["/bin/ls", "-la", "/usr"]);
        assert!(stdout(&o).contains(" share\n"), "{p}: {}", stdout(&o));
        let o = runsc(p, &["/usr/bin/stat", "-c", "%s %F", "/etc/passwd"]);
        assert_eq!(
            stdout(&o),
            host(&["/usr/bin/stat", "-c", "%s %F", "/etc/passwd"]),
            "{p}"
        );
        let o = runsc(
            p,
            &[
                "/usr/bin/find",
                "/usr/share/doc",
                "-maxdepth",
                "1",
                "-name",
                "bash",
            ],
        );
        assert_eq!(stdout(&o), "/usr/share/doc/bash\n", "{p}");
        let o = runsc(
            p,
            &[
                "/usr/bin/perl",
                "-e",
                "print join(',', map { $_ * $_ } 1..5), qq(\\n)",
            ],
        );
        assert_eq!(
            stdout(&o),
            "1,4,9,16,25\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        if have("/usr/bin/python3") {
            let code = "import json,hashlib; print(hashlib.sha256(json.dumps({'a': list(range(100))}).encode()).hexdigest())";
            let o = runsc(p, &["/usr/bin/python3", "-c", code]);
            assert_eq!(
                stdout(&o),
                host(&["/usr/bin/python3", "-c", code]),
                "{p}: {}",
                String::from_utf8_lossy(&o.stderr)
            );
        }
    }
}

#[test]
fn writes_stay_in_the_sandbox() {
    let name = format!("/tmp/runsc-written-{}", std::process::id());
    for p in PLATFORMS {
        // Builtins only (one process): write, read back, check.
        let script = format!(
            "echo secret > {name} && read x < {name} && echo $x && test -e {name} && echo there"
        );
        let o = runsc(p, &["/bin/bash", "-c", &script]);
        assert_eq!(
            stdout(&o),
            "secret\nthere\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = runsc(p, &["/bin/busybox", "rm", "/etc/hostname"]);
        assert_eq!(
            o.status.code(),
            Some(0),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert!(
            !Path::new(&name).exists(),
            "{p}: the file leaked to the host"
        );
        assert!(
            Path::new("/etc/hostname").exists(),
            "{p}: the host lost a file"
        );
    }
}

#[test]
fn exit_codes_and_fatal_signals_propagate() {
    for p in PLATFORMS {
        assert_eq!(
            runsc(p, &["/bin/bash", "-c", "exit 3"]).status.code(),
            Some(3),
            "{p}"
        );
        // A SIGSEGV in the application is 128+11 for the caller, and the
        // Sentry survives to report it.
        let o = runsc(p, &["/bin/bash", "-c", "kill -SEGV $$"]);
        assert_eq!(
            o.status.code(),
            Some(139),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

#[test]
fn bad_programs_get_the_linux_errno_and_a_message() {
    let dir = std::env::temp_dir().join(format!("runsc-bad-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let truncated = dir.join("truncated");
    let elf = std::fs::read("/bin/true").unwrap();
    std::fs::write(&truncated, &elf[..40]).unwrap();
    let foreign = dir.join("foreign");
    let mut f = elf.clone();
    f[18] = 183; // EM_AARCH64
    std::fs::write(&foreign, &f).unwrap();
    for path in [&truncated, &foreign] {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    for p in PLATFORMS {
        for (path, needle) in [
            (truncated.to_str().unwrap(), "ENOEXEC"),
            (foreign.to_str().unwrap(), "ENOEXEC"),
            ("/usr", "EACCES"),
            ("/no/such/program", "ENOENT"),
        ] {
            let o = runsc(p, &[path]);
            let err = String::from_utf8_lossy(&o.stderr);
            assert!(err.contains(needle), "{p} {path}: {err}");
            assert!(
                matches!(o.status.code(), Some(126 | 127)),
                "{p} {path}: {:?}",
                o.status
            );
        }
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn proc_self_describes_the_running_program() {
    if !have("/bin/busybox") {
        return;
    }
    // `/bin` may be a symlink to `/usr/bin`: the link shows the real path.
    let exe = std::fs::canonicalize("/bin/busybox").unwrap();
    for p in PLATFORMS {
        let o = runsc(p, &["/bin/busybox", "cat", "/proc/self/status"]);
        let status = stdout(&o);
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(status.contains("Name:\tbusybox\n"), "{p}: {status}{err}");
        assert!(
            status.lines().any(|l| l.starts_with("Pid:\t")),
            "{p}: {status}"
        );
        let o = runsc(p, &["/bin/busybox", "readlink", "/proc/self/exe"]);
        assert_eq!(
            stdout(&o).trim_end(),
            exe.to_str().unwrap(),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let o = runsc(p, &["/bin/busybox", "cat", "/proc/self/maps"]);
        assert!(
            stdout(&o).lines().any(|l| l.ends_with("[stack]")),
            "{p}: {}",
            stdout(&o)
        );
        let o = runsc(p, &["/bin/busybox", "ls", "/proc/self/fd"]);
        let fds = stdout(&o);
        for fd in ["0", "1", "2"] {
            assert!(fds.lines().any(|l| l == fd), "{p}: {fd} in {fds}");
        }
    }
}

#[test]
fn terminal_ioctls_on_a_non_terminal_give_enotty() {
    if !have("/bin/busybox") {
        return;
    }
    for p in PLATFORMS {
        // stdin is /dev/null on the host.
        let o = runsc(p, &["/bin/busybox", "stty", "size"]);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_ne!(o.status.code(), Some(0), "{p}");
        assert!(err.contains("Inappropriate ioctl"), "{p}: {err}");
    }
}

#[test]
fn terminal_ioctls_reach_the_host_terminal() {
    if !have("/bin/busybox") || !have("/usr/bin/script") {
        return;
    }
    let bin = env!("CARGO_BIN_EXE_runsc");
    for p in PLATFORMS {
        // `script` runs the command on a fresh pseudo-terminal.
        let cmd = format!(
            "stty rows 33 cols 101; {bin} --platform={p} do /bin/busybox stty size; \
             {bin} --platform={p} do /bin/busybox stty cols 77; stty size"
        );
        let o = Command::new("/usr/bin/script")
            .args(["-qec", &cmd, "/dev/null"])
            .stdin(Stdio::null())
            .output()
            .expect("script starts");
        let out = stdout(&o).replace('\r', "");
        assert_eq!(
            out,
            "33 101\n33 77\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}

/// Runs `sh -c script` in the sandbox and checks its output and status.
fn sh_case(p: &str, shell: &str, script: &str, want: &str) {
    let o = runsc(p, &[shell, "-c", script]);
    assert_eq!(
        stdout(&o),
        want,
        "{p} {shell} {script:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert_eq!(o.status.code(), Some(0), "{p} {shell} {script:?}");
}

#[test]
fn shell_pipelines_subshells_and_jobs() {
    let shells: Vec<&str> = ["/bin/busybox", "/bin/bash"]
        .into_iter()
        .filter(|s| have(s))
        .collect();
    for p in PLATFORMS {
        for &sh in &shells {
            // busybox runs its shell as the `sh` applet.
            let run = |script: &str, want: &str| {
                if sh == "/bin/busybox" {
                    let o = runsc(p, &[sh, "sh", "-c", script]);
                    assert_eq!(stdout(&o), want, "{p} busybox {script:?}");
                    assert_eq!(o.status.code(), Some(0), "{p} busybox {script:?}");
                } else {
                    sh_case(p, sh, script, want);
                }
            };
            run("echo abc | tr a-c x-z", "xyz\n");
            run("echo $(echo nested)", "nested\n");
            run("(exit 7); echo $?", "7\n");
            run(
                "printf 'b\\na\\nb\\nc\\nb\\n' | sort | uniq -c | tr -s ' '",
                " 1 a\n 3 b\n 1 c\n",
            );
            run("sleep 0.1 & wait $!; echo waited $?", "waited 0\n");
            run("sleep 5 & kill -TERM $!; wait $!; echo $?", "143\n");
        }
    }
}

#[test]
fn python_threads_and_subprocesses() {
    if !have("/usr/bin/python3") {
        return;
    }
    let script = "import threading, subprocess\n\
        r = [0] * 4\n\
        def f(i): r[i] = sum(range(i * 100000, (i + 1) * 100000))\n\
        ts = [threading.Thread(target=f, args=(i,)) for i in range(4)]\n\
        [t.start() for t in ts]\n\
        [t.join() for t in ts]\n\
        print(sum(r))\n\
        print(subprocess.run(['/bin/echo', 'x'], capture_output=True).stdout.decode(), end='')\n";
    let want = format!("{}\nx\n", (0u64..400_000).sum::<u64>());
    for p in PLATFORMS {
        let o = runsc(p, &["/usr/bin/python3", "-c", script]);
        assert_eq!(
            stdout(&o),
            want,
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{p}");
    }
}

/// Compiles `tests/progs/<name>.c` with the host gcc (with `-pthread`)
/// into a scratch directory; `None` (test skipped) without gcc.
fn compile_prog(name: &str) -> Option<std::path::PathBuf> {
    if !have("/usr/bin/gcc") {
        return None;
    }
    let src = format!("{}/tests/progs/{name}.c", env!("CARGO_MANIFEST_DIR"));
    let dir = std::env::temp_dir().join(format!("runsc-progs-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("scratch dir");
    let bin = dir.join(name);
    let cc = Command::new("/usr/bin/gcc")
        .args(["-O1", "-pthread", "-o"])
        .arg(&bin)
        .arg(&src)
        .status()
        .expect("gcc runs");
    assert!(cc.success(), "gcc {src}");
    Some(bin)
}

/// Runs a compiled program natively (the oracle) and in the sandbox on
/// both platforms; the outputs and statuses must agree.
fn same_as_native(bin: &std::path::Path) {
    let bin = bin.to_str().expect("utf-8 path");
    let native = Command::new(bin)
        .stdin(Stdio::null())
        .output()
        .expect("native run");
    assert_eq!(native.status.code(), Some(0), "native {bin}");
    for p in PLATFORMS {
        let o = runsc(p, &[bin]);
        assert_eq!(
            stdout(&o),
            stdout(&native),
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{p}");
    }
}

#[test]
fn c_fork_wait_kill_and_pthreads() {
    if let Some(bin) = compile_prog("fork_wait_threads") {
        assert_eq!(host(&[bin.to_str().unwrap()]), "ok\n");
        same_as_native(&bin);
    }
}

#[test]
fn c_signals_restarts_and_shared_futexes() {
    if let Some(bin) = compile_prog("signals_futex") {
        same_as_native(&bin);
    }
}

#[test]
fn c_copy_on_write_under_concurrent_faults() {
    if let Some(bin) = compile_prog("cow_race") {
        same_as_native(&bin);
    }
}

#[test]
fn init_exit_kills_the_other_processes() {
    if !have("/bin/bash") {
        return;
    }
    for p in PLATFORMS {
        let start = std::time::Instant::now();
        let o = runsc(p, &["/bin/bash", "-c", "sleep 100 & sleep 100 & exit 3"]);
        assert_eq!(o.status.code(), Some(3), "{p}");
        assert!(
            start.elapsed() < std::time::Duration::from_secs(50),
            "{p}: runsc waited for the orphans"
        );
    }
}
