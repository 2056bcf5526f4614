//! Real programs the way a code-execution or AI-agent sandbox runs them:
//! node with its event loop and child processes, a C toolchain and make,
//! git, the usual archive and text tools, python with subprocesses,
//! sqlite and a process pool. Each runs under `runsc do` on both
//! platforms and its output is checked, against the host's
//! own run of the same commands where the answer is not a constant. A
//! program missing on the host skips its test with a note (`.ci/run`
//! installs them all).

mod common;

use common::runsc;
use std::path::{Path, PathBuf};
use std::process::Command;

/// Where the programs run: both platforms. (The ptrace platform's stub
/// tear-down once hung here under load; `platform::stub::reap` is now
/// bounded and crates/platform/tests/teardown.rs stresses it.)
const PLATFORMS: [&str; 2] = ["systrap", "ptrace"];

/// Runs `script` with `sh -c` in the sandbox and returns its stdout,
/// failing the test (with stderr) if it exits non-zero.
fn sandbox_sh(platform: &str, script: &str) -> String {
    let o = runsc(platform, &["/bin/sh", "-c", script]);
    let out = String::from_utf8_lossy(&o.stdout).into_owned();
    assert_eq!(
        o.status.code(),
        Some(0),
        "{platform}: {script}\nstdout: {out}\nstderr: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    out
}

/// Where `name` is on the host's `PATH`, or `None` with a note.
fn find(name: &str) -> Option<PathBuf> {
    let path = std::env::var_os("PATH").unwrap_or_default();
    let found = std::env::split_paths(&path)
        .map(|d| d.join(name))
        .find(|p| p.is_file());
    if found.is_none() {
        eprintln!("skipping: {name} is not installed (.ci/run installs it)");
    }
    found
}

fn have(names: &[&str]) -> bool {
    names.iter().all(|n| find(n).is_some())
}

#[test]
fn node_evaluates_and_prints() {
    if !have(&["node"]) {
        return;
    }
    for p in PLATFORMS {
        let out = sandbox_sh(p, "node -e 'console.log([1,2,3].map(x=>x*2).join(\",\"))'");
        assert_eq!(out, "2,4,6\n", "{p}");
    }
}

#[test]
fn node_fs_timer_and_promise() {
    if !have(&["node"]) {
        return;
    }
    let js = "const fs = require('fs'); \
              fs.writeFileSync('/tmp/n.txt', 'abc'); \
              const t0 = Date.now(); \
              new Promise(r => setTimeout(r, 30)).then(() => { \
                console.log(fs.readFileSync('/tmp/n.txt', 'utf8').toUpperCase(), Date.now() - t0 >= 29); \
              });";
    for p in PLATFORMS {
        let out = sandbox_sh(p, &format!("node -e \"{js}\""));
        assert_eq!(out, "ABC true\n", "{p}");
    }
}

#[test]
fn node_child_process_exec_sync() {
    if !have(&["node"]) {
        return;
    }
    let js = "const cp = require('child_process'); \
              process.stdout.write(cp.execSync('echo hi; echo err >&2', {stdio: ['pipe', 'pipe', 'ignore']}).toString());";
    for p in PLATFORMS {
        assert_eq!(sandbox_sh(p, &format!("node -e \"{js}\"")), "hi\n", "{p}");
    }
}

#[test]
fn gcc_builds_and_runs_and_make_follows_dependencies() {
    if !have(&["gcc", "make"]) {
        return;
    }
    let script = r#"set -e
mkdir -p /tmp/c && cd /tmp/c
printf '#include <stdio.h>\nint twice(int x) { return 2 * x; }\n' > lib.c
printf '#include <stdio.h>\nint twice(int);\nint main(void) { printf("%%d\\n", twice(21)); return 0; }\n' > main.c
gcc -O1 -o direct main.c lib.c && ./direct
printf 'prog: main.o lib.o\n\tgcc -o prog main.o lib.o\n%%.o: %%.c\n\tgcc -c -o $@ $<\n' > Makefile
make -s && ./prog
make -q prog && echo up-to-date
"#;
    for p in PLATFORMS {
        assert_eq!(sandbox_sh(p, script), "42\n42\nup-to-date\n", "{p}");
    }
}

#[test]
fn git_init_add_commit_log() {
    if !have(&["git"]) {
        return;
    }
    let script = "set -e; mkdir -p /tmp/g && cd /tmp/g && git init -q . \
        && echo hello > a.txt && git add a.txt \
        && GIT_AUTHOR_NAME=Ann GIT_AUTHOR_EMAIL=ann@example.org \
           GIT_COMMITTER_NAME=Ann GIT_COMMITTER_EMAIL=ann@example.org \
           git commit -q -m 'first commit' \
        && git log --oneline | cut -d' ' -f2- && git log --format=%an:%ae \
        && git cat-file -p HEAD:a.txt && git status --porcelain | wc -l";
    for p in PLATFORMS {
        assert_eq!(
            sandbox_sh(p, script),
            "first commit\nAnn:ann@example.org\nhello\n0\n",
            "{p}"
        );
    }
}

/// The archive and text-tool round trip; `$1` is a scratch directory.
const TOOLS: &str = r#"set -e
cd "$1" && mkdir -p src/d
for i in 1 2 3 4 5; do seq $i 7 400 > src/d/f$i; done
echo 'b a' > src/x.txt
tar czf a.tgz src && mkdir out && tar xzf a.tgz -C out && diff -r src out/src && echo tar-ok
xz -k a.tgz && xz -dc a.tgz.xz | cmp - a.tgz && echo xz-ok
find src -type f | sort | xargs sha256sum
seq 1 100000 | awk '{ print ($1 * 7919) % 5003 }' | sort -u | wc -l
sort -n src/d/f2 | awk '{ s += $1 } END { print NR, s }'
sed -i 's/b/B/; s/a$/A/' src/x.txt && cat src/x.txt
"#;

#[test]
fn archive_and_text_tools_match_the_host() {
    if !have(&["tar", "gzip", "xz", "sha256sum", "awk", "sed", "seq"]) {
        return;
    }
    let scratch = std::env::temp_dir().join(format!("programs-tools-{}", std::process::id()));
    std::fs::create_dir_all(&scratch).expect("scratch dir");
    let dir = scratch.to_str().expect("utf-8 temp dir");
    let native = Command::new("/bin/sh")
        .args(["-c", TOOLS, "sh", dir])
        .output()
        .expect("host sh");
    let _ = std::fs::remove_dir_all(&scratch);
    let want = String::from_utf8_lossy(&native.stdout).into_owned();
    assert!(want.starts_with("tar-ok\nxz-ok\n"), "host run: {want}");
    for p in PLATFORMS {
        // The sandbox writes to its in-memory overlay, never to the host.
        let o = runsc(p, &["/bin/sh", "-c", TOOLS, "sh", "/tmp"]);
        assert_eq!(String::from_utf8_lossy(&o.stdout), want, "{p}");
        assert_eq!(o.status.code(), Some(0), "{p}");
    }
    assert!(!Path::new(&scratch).exists());
}

const PYTHON: &str = r#"
import multiprocessing, os, sqlite3, subprocess
print(subprocess.run(["sh", "-c", "echo sub $((6*7))"], capture_output=True, text=True).stdout.strip())
db = sqlite3.connect(":memory:")
db.execute("create table t(x)")
db.executemany("insert into t values (?)", [(i,) for i in range(1000)])
print(db.execute("select count(*), sum(x) from t").fetchone())
path = "/tmp/p.db"
db = sqlite3.connect(path)
db.execute("create table kv(k text primary key, v text)")
db.execute("insert into kv values ('lang', 'python')")
db.commit()
db.close()
print(sqlite3.connect(path).execute("select v from kv").fetchone()[0], os.path.getsize(path) > 0)

def square(x):
    return x * x

if __name__ == "__main__":
    with multiprocessing.Pool(2) as pool:
        print(sum(pool.map(square, range(100))))
"#;

#[test]
fn python_subprocess_sqlite_and_pool() {
    if !have(&["python3"]) {
        return;
    }
    for p in PLATFORMS {
        let o = runsc(p, &["python3", "-c", PYTHON]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "sub 42\n(1000, 499500)\npython True\n328350\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        assert_eq!(o.status.code(), Some(0), "{p}");
    }
}

const MEMFD: &str = r#"
import mmap, os
fd = os.memfd_create("shared", os.MFD_CLOEXEC)
os.ftruncate(fd, 8192)
m = mmap.mmap(fd, 8192)
if os.fork() == 0:
    m[4096:4101] = b"child"
    os._exit(0)
os.wait()
print(bytes(m[4096:4101]).decode(), os.fstat(fd).st_size, os.read(fd, 4) == bytes(4))
"#;

#[test]
fn python_memfd_shared_with_a_child() {
    if !have(&["python3"]) {
        return;
    }
    for p in PLATFORMS {
        let o = runsc(p, &["python3", "-c", MEMFD]);
        assert_eq!(
            String::from_utf8_lossy(&o.stdout),
            "child 8192 True\n",
            "{p}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
    }
}
