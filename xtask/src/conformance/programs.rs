//! Building the conformance programs with gcc and running one program with
//! a time limit.

use super::cases::{self, CaseLine, Output, Status};
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;
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

/// Compiles `src` as the `variant` build (`static` or `dynamic`) into
/// `out_dir`, unless the binary is newer than the source and the header.
pub fn build(src: &Path, variant: &str, out_dir: &Path) -> Result<PathBuf> {
    let bin = out_dir.join(format!("{}.{variant}", stem(src)));
    let header = src.with_file_name("conformance.h");
    let mtime = |p: &Path| std::fs::metadata(p).and_then(|m| m.modified()).ok();
    if let (Some(b), Some(s)) = (mtime(&bin), mtime(src)) {
        if b > s && mtime(&header).is_none_or(|h| b > h) {
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
