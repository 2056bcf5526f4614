//! Building the conformance programs with gcc and running one program with
//! a time limit.

use super::cases::{self, CaseLine, Output, Status};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, SystemTime};
use wait_timeout::ChildExt;

/// The conformance sources (`tests/conformance/*.c`) whose stem contains
/// `filter`, sorted.
pub fn sources(dir: &Path, filter: Option<&str>) -> Result<Vec<PathBuf>> {
    let mut v = Vec::new();
    for e in std::fs::read_dir(dir).with_context(|| dir.display().to_string())? {
        let p = e?.path();
        if p.extension().is_some_and(|x| x == "c") && filter.is_none_or(|f| stem(&p).contains(f)) {
            v.push(p);
        }
    }
    v.sort();
    Ok(v)
}

/// A source's file stem (`fs_open` for `fs_open.c`).
pub fn stem(p: &Path) -> String {
    p.file_stem()
        .map(|s| s.to_string_lossy().into_owned())
        .unwrap_or_default()
}

/// The modification time of a file, if it can be read.
fn mtime(p: &Path) -> Option<SystemTime> {
    std::fs::metadata(p).and_then(|m| m.modified()).ok()
}

/// The newest modification time among `src` and every header (`*.h`) next
/// to it: any program may include any of them (`conformance.h`,
/// `proc_util.h`), so a change to one rebuilds all. `None` if one cannot be
/// read, which forces a build.
fn newest_input(src: &Path) -> Option<SystemTime> {
    let mut newest = mtime(src)?;
    let dir = src.parent()?;
    for e in std::fs::read_dir(dir).ok()? {
        let p = e.ok()?.path();
        if p.extension().is_some_and(|x| x == "h") {
            newest = newest.max(mtime(&p)?);
        }
    }
    Some(newest)
}

/// Compiles `src` as the `variant` build (`static` or `dynamic`) into
/// `out_dir`, unless the binary is newer than the source and every header
/// beside it.
pub fn build(src: &Path, variant: &str, out_dir: &Path) -> Result<PathBuf> {
    let bin = out_dir.join(format!("{}.{variant}", stem(src)));
    if let (Some(b), Some(input)) = (mtime(&bin), newest_input(src)) {
        if b > input {
            return Ok(bin);
        }
    }
    let mut cmd = Command::new("gcc");
    cmd.args(["-O1", "-Wall", "-Werror", "-o"])
        .arg(&bin)
        .arg(src);
    if variant == "static" {
        cmd.arg("-static");
    }
    let out = cmd.output().context("running gcc")?;
    if !out.status.success() {
        bail!(
            "gcc failed on {} ({variant}):\n{}",
            src.display(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
    Ok(bin)
}

/// Runs `argv` with its output in `log` (stdout) and `log.err`, kills its
/// whole process group after `limit`, and returns the parsed output with
/// the `STEM:exit` pseudo-case saying how it ended.
pub fn run(argv: &[String], stem: &str, log: &Path, limit: Duration) -> Result<Output> {
    use std::os::unix::process::CommandExt;
    let stdout = std::fs::File::create(log).with_context(|| log.display().to_string())?;
    let stderr = std::fs::File::create(log.with_extension("err"))?;
    let (prog, args) = argv.split_first().context("empty command")?;
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(stdout)
        .stderr(stderr)
        .process_group(0)
        .spawn()
        .with_context(|| format!("starting {prog}"))?;
    let status = match child.wait_timeout(limit)? {
        Some(s) => Some(s),
        None => {
            if let Some(pid) = rustix::process::Pid::from_raw(child.id() as i32) {
                // The group may already be gone; either way we reap below.
                let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
            }
            child.wait()?;
            None
        }
    };
    let text = std::fs::read_to_string(log).unwrap_or_default();
    let mut out = cases::parse(&text);
    let end = match status {
        None => CaseLine {
            status: Status::NotOk,
            detail: format!("timed out after {} s", limit.as_secs()),
        },
        Some(s) if s.success() => CaseLine {
            status: Status::Ok,
            detail: String::new(),
        },
        Some(s) => {
            use std::os::unix::process::ExitStatusExt;
            let how = match (s.code(), s.signal()) {
                (Some(c), _) => format!("exit status {c}"),
                (None, Some(sig)) => format!("killed by signal {sig}"),
                _ => format!("{s}"),
            };
            let last = out.other.last().cloned().unwrap_or_default();
            CaseLine {
                status: Status::NotOk,
                detail: if last.is_empty() {
                    how
                } else {
                    format!("{how} ({last})")
                },
            }
        }
    };
    out.cases.insert(format!("{stem}:exit"), end);
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `script` under `sh`; `tag` keeps the scratch directories of
    /// tests running in parallel apart.
    fn sh(tag: &str, script: &str, limit: Duration) -> Output {
        let dir = std::env::temp_dir().join(format!("xtask-conf-run-{}-{tag}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let log = dir.join("out");
        let argv = vec!["/bin/sh".to_string(), "-c".to_string(), script.to_string()];
        let o = run(&argv, "p", &log, limit).unwrap();
        let _ = std::fs::remove_dir_all(&dir);
        o
    }

    #[test]
    fn a_changed_header_rebuilds_the_program() {
        let dir = std::env::temp_dir().join(format!("xtask-conf-build-{}", std::process::id()));
        let out = dir.join("out");
        std::fs::create_dir_all(&out).unwrap();
        let src = dir.join("p.c");
        std::fs::write(dir.join("other.h"), "#define V 1\n").unwrap();
        std::fs::write(
            &src,
            "#include \"other.h\"\nint main(void) { return V - 1; }\n",
        )
        .unwrap();
        let bin = build(&src, "dynamic", &out).unwrap();
        let built = mtime(&bin).unwrap();
        // Unchanged inputs: the binary is reused.
        build(&src, "dynamic", &out).unwrap();
        assert_eq!(mtime(&bin), Some(built));
        // A header other than conformance.h, dated after the binary.
        let h = std::fs::File::options()
            .write(true)
            .open(dir.join("other.h"))
            .unwrap();
        h.set_modified(built + Duration::from_secs(10)).unwrap();
        build(&src, "dynamic", &out).unwrap();
        assert_ne!(mtime(&bin), Some(built));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn a_clean_exit_is_an_ok_exit_case() {
        let o = sh("clean", "echo 'ok t.a'", Duration::from_secs(20));
        assert_eq!(o.cases["t.a"].status, Status::Ok);
        assert_eq!(o.cases["p:exit"].status, Status::Ok);
    }

    #[test]
    fn a_failing_exit_and_a_hang_are_not_ok() {
        let o = sh(
            "exit99",
            "echo 'setup failed: x'; exit 99",
            Duration::from_secs(20),
        );
        assert_eq!(o.cases["p:exit"].detail, "exit status 99 (setup failed: x)");
        // `exec sleep` puts the hang in the group leader itself; the limit
        // kills it, so the test takes the limit, not the sleep.
        let o = sh("hang", "exec sleep 600", Duration::from_millis(300));
        assert_eq!(o.cases["p:exit"].status, Status::NotOk);
        assert!(o.cases["p:exit"].detail.starts_with("timed out"));
    }
}
