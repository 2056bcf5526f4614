//! `cargo xtask conformance`: differential syscall tests against native
//! Linux.
//!
//! Every `tests/conformance/*.c` program is built twice with gcc (static and
//! dynamic) into `<target>/conformance/`, run natively (the oracle, as root)
//! and under `runsc --platform=P do PROG` on each platform, each run with a
//! time limit. The case lines are compared one by one; a difference fails the
//! run unless `tests/conformance/deviations.toml` lists it, and a listed
//! deviation that no longer differs fails it too. A program that fails a case
//! natively is a broken test and fails the run. The output is a table per
//! platform with a row per family, then the closing line `N passed, N
//! failed`.
//!
//! Options: `--platform systrap|ptrace|all` (default all), `--filter F`
//! (programs whose file stem contains F), `--runsc PATH` (else runsc is
//! built, debug unless `--release`), `--update-docs` (rewrite
//! docs/compatibility.md and stop), `--jobs N` (programs run at once;
//! default: the CPUs), `--timeout SECS` (per program run; default 10), and
//! `--inject-mismatch CASE`, which rewrites CASE's line in every runsc output
//! before the comparison: the proof that the comparison bites.
//!
//! Debug is the default build: measured on the 2-vCPU machine, the suite
//! runs in 1.0 s with a debug runsc and 0.85 s with a release one, but the
//! release build costs over a minute of CPU that `cargo xtask test` has
//! already spent on the debug build.

use crate::util;
use anyhow::{bail, Context, Result};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

mod cases;
mod compat;
mod deviations;
mod programs;
mod tally;

/// The runsc platforms.
pub const PLATFORMS: &[&str] = &["systrap", "ptrace"];
/// The two builds of every program.
pub const VARIANTS: &[&str] = &["static", "dynamic"];
/// How long one program may run before it counts as hung, unless
/// `--timeout` says otherwise. Natively every program ends within a second;
/// under runsc on a loaded machine within a few. A hang costs this much per
/// run, so it is kept short.
const DEFAULT_LIMIT: Duration = Duration::from_secs(10);

/// Parsed command-line options.
#[derive(Debug, Default, Clone)]
pub struct Options {
    platforms: Vec<String>,
    filter: Option<String>,
    runsc: Option<PathBuf>,
    release: bool,
    update_docs: bool,
    inject_mismatch: Option<String>,
    jobs: Option<usize>,
    limit: Option<Duration>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        let mut value = |what: &str| {
            it.next()
                .cloned()
                .with_context(|| format!("{a} needs {what}"))
        };
        match a.as_str() {
            "--platform" => {
                let p = value("systrap, ptrace or all")?;
                o.platforms = match p.as_str() {
                    "all" => PLATFORMS.iter().map(|s| s.to_string()).collect(),
                    p if PLATFORMS.contains(&p) => vec![p.to_string()],
                    p => bail!("unknown platform `{p}` (systrap, ptrace, all)"),
                };
            }
            "--filter" => o.filter = Some(value("a program name part")?),
            "--runsc" => o.runsc = Some(value("a path")?.into()),
            "--release" => o.release = true,
            "--update-docs" => o.update_docs = true,
            "--inject-mismatch" => o.inject_mismatch = Some(value("a case name")?),
            "--jobs" => o.jobs = Some(value("a number")?.parse().context("--jobs")?),
            "--timeout" => {
                let secs: u64 = value("seconds")?.parse().context("--timeout")?;
                o.limit = Some(Duration::from_secs(secs.max(1)));
            }
            other => bail!(
                "unknown conformance option `{other}` (--platform P, --filter F, --runsc PATH, \
                 --release, --update-docs, --inject-mismatch CASE, --jobs N, --timeout SECS)"
            ),
        }
    }
    if o.platforms.is_empty() {
        o.platforms = PLATFORMS.iter().map(|s| s.to_string()).collect();
    }
    Ok(o)
}

/// `cargo xtask conformance [options]`.
pub fn run(args: &[String]) -> Result<()> {
    let o = parse(args)?;
    let root = util::workspace_root();
    if o.update_docs {
        let doc = compat::render_workspace(&root)?;
        std::fs::write(root.join("docs/compatibility.md"), doc)?;
        println!("wrote docs/compatibility.md");
        return Ok(());
    }
    if !rustix::process::geteuid().is_root() {
        bail!("conformance: run as root (native Linux as root is the oracle the cases are written for)");
    }
    let runsc = match &o.runsc {
        Some(p) => p.clone(),
        None => build_runsc(o.release)?,
    };
    let started = Instant::now();
    let out_dir = util::target_dir().join("conformance");
    let t = suite(&root, &out_dir, &runsc, &o)?;
    print!("{}", t.render());
    eprintln!("conformance: {:.1} s", started.elapsed().as_secs_f64());
    if t.failed() {
        bail!("conformance: the sandbox differs from native Linux (see above)");
    }
    Ok(())
}

/// Builds runsc with cargo and returns the binary's path.
fn build_runsc(release: bool) -> Result<PathBuf> {
    let mut args = vec!["build", "--quiet", "-p", "runsc"];
    if release {
        args.push("--release");
    }
    util::cargo(&args)?;
    Ok(util::target_dir()
        .join(if release { "release" } else { "debug" })
        .join("runsc"))
}

/// One unit of work: a command whose output is parsed.
struct Job {
    stem: String,
    variant: String,
    /// `native` or the runsc platform.
    system: String,
    argv: Vec<String>,
    log: PathBuf,
}

/// Applies `f` to every item on `n` threads; results come back in item
/// order.
fn parallel_map<T: Sync, R: Send>(items: &[T], n: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = Mutex::new(0usize);
    let results: Mutex<Vec<Option<R>>> = Mutex::new((0..items.len()).map(|_| None).collect());
    std::thread::scope(|s| {
        for _ in 0..n.max(1) {
            s.spawn(|| loop {
                let i = {
                    let Ok(mut g) = next.lock() else { return };
                    let i = *g;
                    *g += 1;
                    i
                };
                let Some(item) = items.get(i) else { return };
                let r = f(item);
                if let Ok(mut g) = results.lock() {
                    g[i] = Some(r);
                }
            });
        }
    });
    // Every index was taken by exactly one worker, and a worker only stops
    // when the items are used up, so every slot is filled.
    results
        .into_inner()
        .unwrap_or_default()
        .into_iter()
        .flatten()
        .collect()
}

/// Builds, runs and judges the programs of `root`'s tests/conformance.
/// Binaries and logs go to `out_dir`.
fn suite(root: &Path, out_dir: &Path, runsc: &Path, o: &Options) -> Result<tally::Tally> {
    let src_dir = root.join("tests/conformance");
    std::fs::create_dir_all(out_dir.join("logs"))?;
    let deviations = deviations::load(&src_dir.join("deviations.toml"))?;
    let sources = programs::sources(&src_dir, o.filter.as_deref())?;
    if sources.is_empty() {
        bail!("no conformance program matches");
    }
    let n = o
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()));
    let builds: Vec<(&PathBuf, &str)> = sources
        .iter()
        .flat_map(|src| VARIANTS.iter().map(move |v| (src, *v)))
        .collect();
    let bins = parallel_map(&builds, n, |(src, variant)| {
        programs::build(src, variant, out_dir)
    });
    let mut jobs = Vec::new();
    for ((src, variant), bin) in builds.iter().zip(bins) {
        let stem = programs::stem(src);
        let bin_s = bin?.display().to_string();
        let job = |system: &str, argv: Vec<String>| Job {
            stem: stem.clone(),
            variant: variant.to_string(),
            system: system.to_string(),
            argv,
            log: out_dir.join(format!("logs/{stem}.{variant}.{system}.out")),
        };
        jobs.push(job("native", vec![bin_s.clone()]));
        for p in &o.platforms {
            let argv = vec![
                runsc.display().to_string(),
                format!("--platform={p}"),
                "do".into(),
                bin_s.clone(),
            ];
            jobs.push(job(p, argv));
        }
    }
    let limit = o.limit.unwrap_or(DEFAULT_LIMIT);
    let outputs = parallel_map(&jobs, n, |j| programs::run(&j.argv, &j.stem, &j.log, limit));
    let mut natives = std::collections::BTreeMap::new();
    for (j, out) in jobs.iter().zip(&outputs) {
        if j.system == "native" {
            let out = out.as_ref().map_err(|e| anyhow::anyhow!("{e:#}"))?;
            natives.insert((j.stem.clone(), j.variant.clone()), out.clone());
        }
    }
    let mut runs = Vec::new();
    for (j, out) in jobs.iter().zip(outputs) {
        if j.system == "native" {
            continue;
        }
        let mut sandbox = out.with_context(|| format!("running {}", j.argv.join(" ")))?;
        if let Some(case) = &o.inject_mismatch {
            inject(&mut sandbox, case);
        }
        runs.push(tally::Run {
            stem: j.stem.clone(),
            variant: j.variant.clone(),
            platform: j.system.clone(),
            native: natives
                .get(&(j.stem.clone(), j.variant.clone()))
                .cloned()
                .unwrap_or_default(),
            sandbox,
        });
    }
    let complete = o.filter.is_none();
    let t = tally::tally(&runs, &deviations, complete);
    for b in &t.broken {
        println!("BROKEN TEST {b}");
    }
    for f in &t.failures {
        println!("FAIL {f}");
    }
    for s in &t.stale {
        println!("STALE {s}");
    }
    let stub_path = out_dir.join("unlisted-deviations.toml");
    if t.failures.is_empty() {
        // Nothing to review: no file left over from an earlier run.
        let _ = std::fs::remove_file(&stub_path);
    } else {
        let diffs = t
            .failures
            .iter()
            .map(|f| (f.case.as_str(), f.platform.as_str(), f.variant.as_str()));
        std::fs::write(&stub_path, deviations::stubs(diffs, o.platforms.len()))?;
        println!(
            "(outputs in {}; entries for the differences above, to review and complete before \
             they go into tests/conformance/deviations.toml, in {})",
            out_dir.join("logs").display(),
            stub_path.display()
        );
    }
    Ok(t)
}

/// Rewrites `case`'s line in a runsc output so it differs from native.
fn inject(out: &mut cases::Output, case: &str) {
    if let Some(line) = out.cases.get_mut(case) {
        line.status = match line.status {
            cases::Status::NotOk => cases::Status::Ok,
            _ => cases::Status::NotOk,
        };
        line.detail = "injected mismatch".into();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A stand-in for runsc that runs the program natively: the runner's
    /// machinery (gcc builds, runs, parsing, comparison) end to end, without
    /// depending on the sandbox's own behaviour.
    fn fake_runsc(dir: &Path) -> PathBuf {
        let p = dir.join("fake-runsc");
        std::fs::write(&p, "#!/bin/sh\nshift 2\nexec \"$@\"\n").unwrap();
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o755)).unwrap();
        p
    }

    /// A workspace-like tree holding one real conformance program.
    fn tree() -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-conf-{}", std::process::id()));
        let conf = dir.join("tests/conformance");
        std::fs::create_dir_all(&conf).unwrap();
        let real = util::workspace_root().join("tests/conformance");
        std::fs::copy(real.join("conformance.h"), conf.join("conformance.h")).unwrap();
        std::fs::copy(real.join("time.c"), conf.join("time.c")).unwrap();
        dir
    }

    #[test]
    fn the_real_runner_fails_on_an_injected_mismatch() {
        let dir = tree();
        let runsc = fake_runsc(&dir);
        let mut o = parse(&["--platform".into(), "systrap".into()]).unwrap();
        o.filter = Some("time".into());
        let t = suite(&dir, &dir.join("out"), &runsc, &o).unwrap();
        assert!(!t.failed(), "{}", t.render());
        assert!(t.total().passed > 10);
        o.inject_mismatch = Some("time.gettimeofday_ok".into());
        let t = suite(&dir, &dir.join("out"), &runsc, &o).unwrap();
        assert!(t.failed());
        // Once per variant.
        assert_eq!(t.failures.len(), 2, "{:?}", t.failures);
        assert!(t.failures[0]
            .to_string()
            .starts_with("time.gettimeofday_ok"));
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn parallel_map_keeps_order_whatever_the_threads() {
        let items: Vec<u32> = (0..100).collect();
        for n in [0, 1, 2, 7] {
            assert_eq!(
                parallel_map(&items, n, |x| x * 2),
                items.iter().map(|x| x * 2).collect::<Vec<_>>()
            );
        }
    }

    #[test]
    fn options_parse() {
        let o = parse(&[
            "--platform".into(),
            "ptrace".into(),
            "--filter".into(),
            "fs".into(),
        ])
        .unwrap();
        assert_eq!(o.platforms, vec!["ptrace".to_string()]);
        assert_eq!(o.filter.as_deref(), Some("fs"));
        assert_eq!(parse(&[]).unwrap().platforms.len(), 2);
        assert!(parse(&["--platform".into(), "kvm".into()]).is_err());
        assert!(parse(&["--bogus".into()]).is_err());
        let o = parse(&["--timeout".into(), "3".into(), "--jobs".into(), "1".into()]).unwrap();
        assert_eq!((o.limit, o.jobs), (Some(Duration::from_secs(3)), Some(1)));
        assert!(parse(&["--timeout".into(), "x".into()]).is_err());
    }
}
