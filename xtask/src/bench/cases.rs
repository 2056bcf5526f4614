//! The benchmark cases, what each needs from a system, and the fixtures
//! they read (the micro-benchmark binary, a tarball of a file tree, the
//! podman image), built natively before any case runs.

use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

/// In a case's arguments, replaced per run by a fresh empty directory.
pub const FRESH_DIR: &str = "{dir}";

/// In a case's arguments, replaced per system by the directory where the
/// micro-benchmarks create their temporary files.
pub const TMP_DIR: &str = "{tmp}";

/// The image `podman run` cases start, imported from [`podman_image`]'s
/// tarball.
pub const PODMAN_IMAGE: &str = "localhost/xtask-bench-busybox:latest";

/// How a case is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// The program reports `ns_per_op=` itself.
    NsPerOp,
    /// The program reports `ns_per_op=` for one MiB; shown as MiB/s.
    MibPerSec,
    /// Wall-clock milliseconds of the whole command.
    WallMs,
    /// Peak resident set size of the command's processes, KiB.
    PeakRssKib,
}

impl Metric {
    /// The unit a table shows.
    pub fn unit(self) -> &'static str {
        match self {
            Metric::NsPerOp => "us/op",
            Metric::MibPerSec => "MiB/s",
            Metric::WallMs => "ms",
            Metric::PeakRssKib => "MiB",
        }
    }

    /// Converts a raw sample (a cost: time or memory) into the unit shown.
    pub fn scale(self, v: f64) -> f64 {
        match self {
            Metric::NsPerOp => v / 1000.0,
            Metric::MibPerSec => 1e9 / v,
            Metric::WallMs => v,
            Metric::PeakRssKib => v / 1024.0,
        }
    }
}

/// What a case needs beyond running a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Needs {
    /// Nothing: every system runs it.
    Nothing,
    /// TCP/IP over loopback: every system but the podman ones runs it.
    Network,
    /// A container engine: only the `podman-*` systems run it.
    Podman,
}

/// One benchmark case.
#[derive(Debug, Clone)]
pub struct Case {
    /// The row name.
    pub name: &'static str,
    /// How it is measured.
    pub metric: Metric,
    /// Program and arguments ([`FRESH_DIR`] is replaced per run).
    pub argv: Vec<String>,
    /// What it needs from a system.
    pub needs: Needs,
}

/// Paths of the fixtures the cases use.
#[derive(Debug)]
pub struct Fixtures {
    /// The micro-benchmark binary (tests/bench/micro.c).
    pub micro: PathBuf,
    /// Its source, the small file the gcc case compiles.
    pub micro_src: PathBuf,
    /// A tarball of a generated tree, for the `tar x` case.
    pub tree_tar: PathBuf,
}

impl Fixtures {
    /// Builds every fixture under `out_dir`.
    pub fn build(out_dir: &Path) -> Result<Fixtures> {
        let micro_src = crate::util::workspace_root().join("tests/bench/micro.c");
        let micro = out_dir.join("micro");
        run(Command::new("gcc")
            .args(["-O2", "-Wall", "-o"])
            .arg(&micro)
            .arg(&micro_src)
            .arg("-lpthread"))
        .context("building tests/bench/micro.c (apt-get install gcc)")?;
        let tree_tar = tree_tarball(out_dir)?;
        Ok(Fixtures {
            micro,
            micro_src,
            tree_tar,
        })
    }
}

fn run(cmd: &mut Command) -> Result<()> {
    let out = cmd.stdin(Stdio::null()).output()?;
    if !out.status.success() {
        bail!(
            "{:?} failed ({}): {}",
            cmd.get_program(),
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        );
    }
    Ok(())
}

/// Files in the tree the `tar x` case extracts: 24 directories of 32 files
/// of 1 to 16 KiB (6.1 MiB), like a small source tree.
const TREE_DIRS: usize = 24;
const TREE_FILES: usize = 32;

fn tree_tarball(out_dir: &Path) -> Result<PathBuf> {
    let tree = out_dir.join("tree");
    let tar = out_dir.join("tree.tar");
    if tree.exists() {
        std::fs::remove_dir_all(&tree)?;
    }
    for d in 0..TREE_DIRS {
        let dir = tree.join(format!("src/dir{d:02}"));
        std::fs::create_dir_all(&dir)?;
        for f in 0..TREE_FILES {
            let len = 1024 * (1 + (d * TREE_FILES + f) % 16);
            let line = format!("/* dir {d} file {f} */\n");
            let body = line.repeat(len / line.len() + 1);
            std::fs::write(dir.join(format!("file{f:02}.c")), &body.as_bytes()[..len])?;
        }
    }
    run(Command::new("tar")
        .arg("-C")
        .arg(&tree)
        .arg("-cf")
        .arg(&tar)
        .arg("."))
    .context("creating the tarball for the `tar x` case")?;
    std::fs::remove_dir_all(&tree)?;
    Ok(tar)
}

/// The number of files and bytes in the `tar x` tree; a test checks the
/// row name says so.
#[cfg(test)]
fn tree_size() -> (usize, usize) {
    let files = TREE_DIRS * TREE_FILES;
    let bytes = (0..files).map(|i| 1024 * (1 + i % 16)).sum();
    (files, bytes)
}

/// Every case. `quick` shortens the loops of the costlier ones.
pub fn all(fx: &Fixtures, quick: bool) -> Vec<Case> {
    let m = fx.micro.display().to_string();
    let scale = |n: u64| if quick { n / 4 } else { n }.to_string();
    // `scaled`: shortened by --quick; otherwise the size is in the name.
    let micro = |name, case: &str, n: u64, scaled: bool, metric, needs| Case {
        name,
        metric,
        argv: vec![
            m.clone(),
            case.to_string(),
            if scaled { scale(n) } else { n.to_string() },
            TMP_DIR.to_string(),
        ],
        needs,
    };
    let ns = |name, case, n| micro(name, case, n, true, Metric::NsPerOp, Needs::Nothing);
    let whole = |name, argv: &[&str]| Case {
        name,
        metric: Metric::WallMs,
        argv: argv.iter().map(|s| s.to_string()).collect(),
        needs: Needs::Nothing,
    };
    let src = fx.micro_src.display().to_string();
    let tar = fx.tree_tar.display().to_string();
    let object = format!("{FRESH_DIR}/micro.o");
    let (mib, net) = (Metric::MibPerSec, Needs::Network);
    vec![
        ns("null syscall (getpid)", "getpid", 40_000),
        ns("null syscall (glibc getpid)", "getpid_libc", 40_000),
        ns("clock_gettime (glibc, vDSO)", "clock_gettime", 400_000),
        ns("open+close", "openclose", 8_000),
        ns("pwrite 64 B", "pwrite64", 20_000),
        ns("read 4 KiB", "read4k", 20_000),
        ns("pipe ping-pong", "pipe", 4_000),
        ns("fork+wait", "forkwait", 400),
        ns("fork+exec+wait", "forkexecwait", 200),
        ns("thread create+join", "thread", 2_000),
        micro(
            "file write 64 MiB",
            "filewrite",
            64,
            false,
            mib,
            Needs::Nothing,
        ),
        micro(
            "file read 64 MiB",
            "fileread",
            64,
            false,
            mib,
            Needs::Nothing,
        ),
        micro(
            "small files (1000): create+write+close+stat+unlink",
            "smallfiles",
            1000,
            false,
            Metric::NsPerOp,
            Needs::Nothing,
        ),
        micro(
            "TCP loopback request/response",
            "tcprr",
            10_000,
            true,
            Metric::NsPerOp,
            net,
        ),
        micro(
            "TCP loopback stream 64 MiB",
            "tcpstream",
            64,
            false,
            mib,
            net,
        ),
        whole("start-up: /bin/true", &["/bin/true"]),
        whole(
            "sh -c: 50 x /bin/true (fork+exec+wait)",
            &[
                "/bin/sh",
                "-c",
                "i=0; while [ $i -lt 50 ]; do /bin/true; i=$((i+1)); done",
            ],
        ),
        Case {
            metric: Metric::PeakRssKib,
            ..whole("peak RSS: /bin/true", &["/bin/true"])
        },
        whole(
            "python3 start + import json, hashlib",
            &["/usr/bin/python3", "-c", "import json, hashlib"],
        ),
        whole(
            "gcc -O2 -c (small C file)",
            &["/usr/bin/gcc", "-O2", "-c", &src, "-o", &object],
        ),
        whole(
            "tar x (768 files, 6.4 MiB)",
            &["/usr/bin/tar", "-xf", &tar, "-C", FRESH_DIR],
        ),
        Case {
            needs: Needs::Podman,
            ..whole("podman run --rm IMG /bin/true", &["/bin/true"])
        },
    ]
}

/// Imports [`PODMAN_IMAGE`] (a static busybox as `/bin/true`) into podman
/// so `podman run` has an image without a registry.
pub fn podman_image(podman: &Path, out_dir: &Path) -> Result<()> {
    let busybox = Path::new("/bin/busybox");
    let out = Command::new("file").arg("-L").arg(busybox).output();
    let is_static = out
        .map(|o| String::from_utf8_lossy(&o.stdout).contains("statically linked"))
        .unwrap_or(false);
    if !is_static {
        bail!("the podman image needs a static /bin/busybox (apt-get install busybox-static)");
    }
    let root = out_dir.join("podman-rootfs");
    if root.exists() {
        std::fs::remove_dir_all(&root)?;
    }
    std::fs::create_dir_all(root.join("bin"))?;
    std::fs::copy(busybox, root.join("bin/busybox"))?;
    std::os::unix::fs::symlink("busybox", root.join("bin/true"))?;
    let tar = out_dir.join("podman-rootfs.tar");
    run(Command::new("tar")
        .arg("-C")
        .arg(&root)
        .arg("-cf")
        .arg(&tar)
        .arg("."))?;
    run(Command::new(podman)
        .arg("import")
        .arg(&tar)
        .arg(PODMAN_IMAGE))
    .context("podman import")?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tree_size_matches_the_row_name() {
        let (files, bytes) = tree_size();
        let fx = Fixtures {
            micro: "m".into(),
            micro_src: "m.c".into(),
            tree_tar: "t.tar".into(),
        };
        let name = format!(
            "tar x ({files} files, {:.1} MiB)",
            bytes as f64 / (1 << 20) as f64
        );
        assert!(all(&fx, true).iter().any(|c| c.name == name), "{name}");
    }

    #[test]
    fn quick_shortens_loops_but_not_named_sizes() {
        let fx = Fixtures {
            micro: "m".into(),
            micro_src: "m.c".into(),
            tree_tar: "t.tar".into(),
        };
        let (full, quick) = (all(&fx, false), all(&fx, true));
        let arg = |v: &[Case], name: &str| {
            v.iter()
                .find(|c| c.name == name)
                .map(|c| c.argv.clone())
                .unwrap()
        };
        assert_eq!(arg(&full, "null syscall (getpid)")[2], "40000");
        assert_eq!(arg(&quick, "null syscall (getpid)")[2], "10000");
        assert_eq!(arg(&quick, "file write 64 MiB")[2], "64");
        assert_eq!(arg(&quick, "file read 64 MiB")[1], "fileread");
        assert_eq!(arg(&quick, "file read 64 MiB")[3], TMP_DIR);
        assert!(arg(&quick, "tar x (768 files, 6.4 MiB)").contains(&FRESH_DIR.to_string()));
    }

    #[test]
    fn scale_turns_costs_into_units() {
        assert_eq!(Metric::NsPerOp.scale(1500.0), 1.5);
        assert_eq!(Metric::MibPerSec.scale(1e6), 1000.0);
        assert_eq!(Metric::PeakRssKib.scale(2048.0), 2.0);
    }
}
