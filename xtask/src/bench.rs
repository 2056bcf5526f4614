//! `cargo xtask bench`: end-to-end benchmarks against native Linux and peers.
//!
//! Every case runs on every system present (native, our runsc per platform,
//! Debian's gVisor, proot), interleaved A B A B ... so that the machine's
//! noise falls on all systems alike. We report the median and spread of the
//! runs and ratios computed pair by pair (run i of A over run i of B), write
//! `target/bench/report.json`, print a markdown table, and with
//! `--update-docs` rewrite `docs/performance.md` with the table and an SVG
//! chart. Target rows (from the issues) are computed, never typed.

use crate::util;
use anyhow::{bail, Context, Result};
use serde_json::json;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

mod cases;
mod places;
mod render;
mod systems;

use cases::{Case, Fixtures, Metric, Needs, FRESH_DIR, TMP_DIR};
use places::{Place, Places};
use systems::{applies, System, UNAVAILABLE};

/// Parsed command-line options.
#[derive(Debug, Default)]
struct Options {
    quick: bool,
    only: Option<String>,
    update_docs: bool,
    runsc: Option<PathBuf>,
}

fn parse(args: &[String]) -> Result<Options> {
    let mut o = Options::default();
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--quick" => o.quick = true,
            "--update-docs" => o.update_docs = true,
            "--only" => o.only = Some(it.next().context("--only needs a case name")?.clone()),
            "--runsc" => o.runsc = Some(it.next().context("--runsc needs a path")?.into()),
            other => bail!("unknown bench option `{other}` (--quick, --only NAME, --update-docs, --runsc PATH)"),
        }
    }
    Ok(o)
}

/// A ratio target from an issue: `system` over `peer` on `case` must be at most `max`.
struct Target {
    issue: &'static str,
    case: &'static str,
    system: &'static str,
    /// `None`: an absolute bound on the system's median (in the case's unit).
    peer: Option<&'static str>,
    max: f64,
}

const TARGETS: &[Target] = &[
    Target {
        issue: "Platform",
        case: "null syscall (getpid)",
        system: "runsc-systrap",
        peer: Some("gvisor"),
        max: 1.0 / 30.0,
    },
    Target {
        issue: "Platform",
        case: "null syscall (getpid)",
        system: "runsc-ptrace",
        peer: Some("gvisor"),
        max: 0.5,
    },
    Target {
        issue: "Platform (stretch)",
        case: "null syscall (getpid)",
        system: "runsc-systrap",
        peer: Some("native"),
        max: 5.0,
    },
    Target {
        issue: "Platform (patched site)",
        case: "null syscall (glibc getpid)",
        system: "runsc-systrap",
        peer: Some("gvisor"),
        max: 1.0 / 30.0,
    },
    Target {
        issue: "Platform (stretch, patched site)",
        case: "null syscall (glibc getpid)",
        system: "runsc-systrap",
        peer: Some("native"),
        max: 5.0,
    },
    Target {
        issue: "Sentry MVP",
        case: "start-up: /bin/true",
        system: "runsc-systrap",
        peer: Some("gvisor"),
        max: 0.2,
    },
    Target {
        issue: "Sentry MVP",
        case: "open+close",
        system: "runsc-systrap",
        peer: Some("gvisor"),
        max: 1.0 / 20.0,
    },
    Target {
        issue: "Sentry MVP",
        case: "peak RSS: /bin/true",
        system: "runsc-systrap",
        peer: None,
        max: 10.0,
    },
];

/// Samples of one case on one system: `Ok(value)` per run or the failure.
type Samples = Vec<std::result::Result<f64, String>>;

/// How long `--quick` may take on the reference machine (issue 6).
const QUICK_BUDGET: Duration = Duration::from_secs(5 * 60);

/// Entry point of `cargo xtask bench`.
pub fn run(args: &[String]) -> Result<()> {
    let started = Instant::now();
    let opts = parse(args)?;
    let out_dir = util::workspace_root().join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    let fixtures = Fixtures::build(&out_dir)?;
    let places = Places::new(&out_dir);
    let mut notes = vec![places.note()];
    let systems = systems::systems(opts.runsc.clone(), &out_dir, &mut notes);
    let runs = if opts.quick { 5 } else { 10 };
    let mut all = cases::all(&fixtures, opts.quick);
    if !systems.iter().any(|s| s.podman) {
        all.retain(|c| c.needs != Needs::Podman);
    }
    if let Some(f) = &opts.only {
        all.retain(|c| c.name.contains(f.as_str()));
        if all.is_empty() {
            bail!("no case matches `{f}`");
        }
    }
    for s in &systems {
        eprintln!("system {}: {}", s.name, s.prefix.join(" "));
    }
    for n in &notes {
        eprintln!("note: {n}");
    }
    let mut results = Vec::new();
    for case in &all {
        eprintln!("case {} ({} runs, interleaved)", case.name, runs);
        let mut samples: Vec<Samples> = vec![Vec::new(); systems.len()];
        for _ in 0..runs {
            for (i, s) in systems.iter().enumerate() {
                // A system that failed once is not run again for this case.
                if samples[i].iter().any(|r| r.is_err()) {
                    continue;
                }
                match applies(s, case) {
                    None => {}
                    Some(Err(why)) => samples[i].push(Err(why)),
                    Some(Ok(())) => samples[i].push(measure(s, case, &places.place(s.host_fs))),
                }
            }
        }
        results.push((case.clone(), samples));
    }
    let elapsed = started.elapsed();
    let report = report(&systems, &results, runs, &notes, elapsed);
    let json_path = out_dir.join("report.json");
    std::fs::write(&json_path, serde_json::to_string_pretty(&report)?)?;
    let table = render::markdown(&report);
    println!("{table}");
    eprintln!("wrote {}", json_path.display());
    let svg = render::svg(&report);
    std::fs::write(out_dir.join("ratios.svg"), &svg)?;
    if opts.update_docs {
        let docs = util::workspace_root().join("docs");
        std::fs::write(docs.join("performance.svg"), &svg)?;
        std::fs::write(docs.join("performance.md"), render::page(&report, &table))?;
        eprintln!("updated docs/performance.md and docs/performance.svg");
    }
    let elapsed = started.elapsed();
    eprintln!(
        "bench finished in {}m{:02}s",
        elapsed.as_secs() / 60,
        elapsed.as_secs() % 60
    );
    if opts.quick && opts.only.is_none() && elapsed > QUICK_BUDGET {
        eprintln!(
            "warning: --quick took longer than its {}-minute budget",
            QUICK_BUDGET.as_secs() / 60
        );
    }
    Ok(())
}

/// Runs `case` once on `system`, writing at `place`, and returns its
/// sample. A case that writes a tree gets a fresh scratch directory,
/// removed after.
fn measure(system: &System, case: &Case, place: &Place) -> std::result::Result<f64, String> {
    let scratch = &place.scratch;
    let fresh = case.argv.iter().any(|a| a.contains(FRESH_DIR));
    if fresh {
        let _ = std::fs::remove_dir_all(scratch);
        std::fs::create_dir_all(scratch).map_err(|e| format!("{}: {e}", scratch.display()))?;
    }
    let (dir, tmp) = (
        scratch.display().to_string(),
        place.tmp.display().to_string(),
    );
    let mut argv: Vec<String> = system.prefix.clone();
    argv.extend(
        case.argv
            .iter()
            .map(|a| a.replace(FRESH_DIR, &dir).replace(TMP_DIR, &tmp)),
    );
    let sample = measure_argv(argv, case.metric);
    if fresh {
        let _ = std::fs::remove_dir_all(scratch);
    }
    sample
}

fn measure_argv(mut argv: Vec<String>, metric: Metric) -> std::result::Result<f64, String> {
    if metric == Metric::PeakRssKib {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut full = vec![exe.display().to_string(), "__rss".into()];
        full.extend(argv);
        argv = full;
    }
    let start = Instant::now();
    let out = run_with_timeout(&argv, Duration::from_secs(180))?;
    let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
    match metric {
        Metric::WallMs => Ok(wall_ms),
        Metric::NsPerOp | Metric::MibPerSec => parse_field(&out, "ns_per_op="),
        Metric::PeakRssKib => parse_field(&out, "maxrss_kib="),
    }
}

fn parse_field(out: &str, key: &str) -> std::result::Result<f64, String> {
    out.split_whitespace()
        .find_map(|w| w.strip_prefix(key))
        .and_then(|v| v.parse::<f64>().ok())
        .ok_or_else(|| format!("no `{key}` in output: {}", out.trim()))
}

fn run_with_timeout(argv: &[String], limit: Duration) -> std::result::Result<String, String> {
    let (prog, args) = argv.split_first().ok_or("empty command")?;
    let mut child = Command::new(prog)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("{prog}: {e}"))?;
    let start = Instant::now();
    loop {
        match child.try_wait() {
            Ok(Some(_)) => break,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("timed out after {}s", limit.as_secs()));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(1)),
            Err(e) => return Err(e.to_string()),
        }
    }
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    if !out.status.success() {
        let err = String::from_utf8_lossy(&out.stderr);
        return Err(format!("{}: {}", out.status, telling_line(&err)));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// The stderr line that best says why a run failed: the last one naming
/// an error, else the last one (`gcc` ends with "compilation terminated.").
fn telling_line(stderr: &str) -> &str {
    let mut lines = stderr.lines().rev().filter(|l| !l.trim().is_empty());
    lines
        .clone()
        .find(|l| {
            let l = l.to_ascii_lowercase();
            l.contains("error") || l.contains("not implemented")
        })
        .or_else(|| lines.next())
        .unwrap_or("")
}

/// `xtask __rss CMD...`: runs CMD under GNU time and prints the peak RSS of
/// its largest process (CMD and every process it waited for) in KiB.
pub fn rss_probe(args: &[String]) -> Result<()> {
    if args.is_empty() {
        bail!("__rss needs a command");
    }
    let time = Path::new("/usr/bin/time");
    if !time.exists() {
        bail!("/usr/bin/time is missing (apt-get install time)");
    }
    let out = Command::new(time)
        .args(["-f", "maxrss_kib=%M"])
        .args(args)
        .stdout(Stdio::null())
        .output()?;
    if !out.status.success() {
        bail!("{} failed: {}", args[0], out.status);
    }
    let err = String::from_utf8_lossy(&out.stderr);
    let line = err.lines().rev().find(|l| l.starts_with("maxrss_kib="));
    println!("{}", line.context("GNU time printed no maxrss")?);
    Ok(())
}

fn median(v: &mut [f64]) -> Option<f64> {
    if v.is_empty() {
        return None;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let n = v.len();
    Some(if n % 2 == 1 {
        v[n / 2]
    } else {
        (v[n / 2 - 1] + v[n / 2]) / 2.0
    })
}

/// Builds the JSON report: per case, per system, samples, median, spread and
/// pairwise ratios to every other system; then the target rows.
/// Ratios are of the raw samples, which are costs (time, memory), so a
/// ratio above 1 is worse whatever unit the table shows (MiB/s included).
fn report(
    systems: &[System],
    results: &[(Case, Vec<Samples>)],
    runs: usize,
    notes: &[String],
    elapsed: Duration,
) -> serde_json::Value {
    let mut cases_json = Vec::new();
    for (case, samples) in results {
        // Per system: every raw sample, or `None` if a run failed.
        let raw: Vec<Option<Vec<f64>>> = samples
            .iter()
            .map(|s| s.iter().map(|r| r.as_ref().ok().copied()).collect())
            .collect();
        let mut sys_json = Vec::new();
        for (i, s) in systems.iter().enumerate() {
            let failure = samples[i].iter().find_map(|r| r.as_ref().err().cloned());
            let (error, unavailable) = match failure {
                Some(f) if f.starts_with(UNAVAILABLE) => (None, Some(f)),
                f => (f, None),
            };
            let vals: Option<Vec<f64>> = raw[i]
                .as_ref()
                .map(|v| v.iter().map(|x| case.metric.scale(*x)).collect());
            let mut ratios = serde_json::Map::new();
            if let Some(a) = &raw[i] {
                for (j, peer) in systems.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    if let Some(b) = &raw[j] {
                        let mut r: Vec<f64> = a.iter().zip(b).map(|(x, y)| x / y).collect();
                        if let Some(m) = median(&mut r) {
                            ratios.insert(peer.name.clone(), json!(m));
                        }
                    }
                }
            }
            let (med, min, max) = match &vals {
                Some(v) if !v.is_empty() => {
                    let mut v = v.clone();
                    let m = median(&mut v);
                    (m, v.first().copied(), v.last().copied())
                }
                _ => (None, None, None),
            };
            sys_json.push(json!({
                "system": s.name,
                "command": s.prefix.join(" "),
                "samples": vals,
                "median": med, "min": min, "max": max,
                "ratio": ratios,
                "error": error,
                "unavailable": unavailable,
            }));
        }
        cases_json.push(json!({
            "case": case.name,
            "unit": case.metric.unit(),
            "systems": sys_json,
        }));
    }
    let targets: Vec<_> = TARGETS
        .iter()
        .map(|t| {
            let sys = cases_json
                .iter()
                .find(|c| c["case"] == t.case)
                .and_then(|c| c["systems"].as_array())
                .and_then(|s| s.iter().find(|s| s["system"] == t.system));
            let value = sys.and_then(|s| match t.peer {
                Some(p) => s["ratio"][p].as_f64(),
                None => s["median"].as_f64(),
            });
            json!({
                "issue": t.issue, "case": t.case, "system": t.system,
                "peer": t.peer, "max": t.max, "value": value,
                "met": value.map(|v| v <= t.max),
            })
        })
        .collect();
    json!({
        "date": date(),
        "machine": machine(),
        "runs": runs,
        "systems": systems.iter().map(|s| json!({"name": s.name, "command": s.prefix.join(" ")})).collect::<Vec<_>>(),
        "cases": cases_json,
        "targets": targets,
        "notes": notes,
        "elapsed_s": elapsed.as_secs_f64(),
    })
}

fn date() -> String {
    Command::new("date")
        .args(["-u", "+%Y-%m-%d %H:%M UTC"])
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn machine() -> String {
    let cpu = std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("model name"))
                .and_then(|l| l.split(':').nth(1))
                .map(|s| s.trim().to_string())
        })
        .unwrap_or_default();
    let kernel = std::fs::read_to_string("/proc/sys/kernel/osrelease").unwrap_or_default();
    let cpus = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(0);
    let mut s = String::new();
    let _ = write!(s, "{cpu}, {cpus} vCPU, Linux {}", kernel.trim());
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn median_and_field_parsing() {
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 2.0, 3.0]), Some(2.5));
        assert_eq!(median(&mut []), None);
        assert_eq!(
            parse_field("getpid ns_per_op=12.5\n", "ns_per_op="),
            Ok(12.5)
        );
        assert!(parse_field("garbage", "ns_per_op=").is_err());
        let gcc = "gcc: fatal error: cannot execute 'cc1': vfork: Function not implemented\n\
                   compilation terminated.\n";
        assert!(telling_line(gcc).ends_with("vfork: Function not implemented"));
        assert_eq!(telling_line("a\nlast\n\n"), "last");
        assert_eq!(telling_line(""), "");
    }

    fn sys(name: &str, ours: bool, podman: bool) -> System {
        System {
            name: name.into(),
            prefix: vec![name.into()],
            ours,
            podman,
            host_fs: !ours && !podman,
            only: None,
        }
    }

    fn case(name: &'static str, metric: Metric, needs: Needs) -> Case {
        Case {
            name,
            metric,
            argv: vec![],
            needs,
        }
    }

    #[test]
    fn ratios_are_pairwise_and_targets_computed() {
        let systems = vec![
            sys("native", false, false),
            sys("gvisor", false, false),
            sys("runsc-systrap", true, false),
        ];
        let case = case("null syscall (getpid)", Metric::NsPerOp, Needs::Nothing);
        let samples = vec![
            vec![Ok(100.0), Ok(200.0)],
            vec![Ok(60_000.0), Ok(80_000.0)],
            vec![Ok(1_000.0), Ok(4_000.0)],
        ];
        let r = report(&systems, &[(case, samples)], 2, &[], Duration::ZERO);
        let ours = &r["cases"][0]["systems"][2];
        // Pairwise ratios to native: 10 and 20 -> median 15.
        assert_eq!(ours["ratio"]["native"].as_f64(), Some(15.0));
        // Pairwise to gvisor: 1/60 and 1/20 -> median 1/30.
        let g = ours["ratio"]["gvisor"].as_f64().unwrap();
        assert!((g - (1.0 / 60.0 + 1.0 / 20.0) / 2.0).abs() < 1e-12);
        let t = r["targets"].as_array().unwrap();
        let systrap_vs_gvisor = &t[0];
        assert_eq!(systrap_vs_gvisor["met"], json!(g <= 1.0 / 30.0));
        // Targets for cases not run have no value and no verdict.
        assert_eq!(t[3]["value"], serde_json::Value::Null);
    }

    #[test]
    fn throughput_shows_mib_per_second_but_ratios_stay_costs() {
        let systems = vec![
            sys("native", false, false),
            sys("runsc-ptrace", true, false),
        ];
        let c = case("file read 64 MiB", Metric::MibPerSec, Needs::Nothing);
        // ns per MiB: native 1 ms (1000 MiB/s), ours 4 ms (250 MiB/s).
        let samples = vec![vec![Ok(1e6)], vec![Ok(4e6)]];
        let r = report(&systems, &[(c, samples)], 1, &["n".into()], Duration::ZERO);
        let ours = &r["cases"][0]["systems"][1];
        assert_eq!(ours["median"].as_f64(), Some(250.0));
        assert_eq!(ours["ratio"]["native"].as_f64(), Some(4.0));
        assert_eq!(r["cases"][0]["unit"], "MiB/s");
        assert_eq!(r["notes"][0], "n");
    }

    #[test]
    fn cases_apply_only_where_they_can_run() {
        let native = sys("native", false, false);
        let ours = sys("runsc-systrap", true, false);
        let podman = sys("podman-crun", false, true);
        let podman_ours = sys("podman-runsc", true, true);
        let plain = case("c", Metric::WallMs, Needs::Nothing);
        let net = case("n", Metric::WallMs, Needs::Network);
        let pod = case("p", Metric::WallMs, Needs::Podman);
        assert_eq!(applies(&native, &plain), Some(Ok(())));
        assert_eq!(applies(&ours, &plain), Some(Ok(())));
        assert_eq!(applies(&podman, &plain), None);
        assert_eq!(applies(&native, &net), Some(Ok(())));
        assert_eq!(applies(&ours, &net), Some(Ok(())));
        assert_eq!(applies(&podman, &net), None);
        assert_eq!(applies(&native, &pod), None);
        assert_eq!(applies(&podman, &pod), Some(Ok(())));
        assert!(matches!(applies(&podman_ours, &pod), Some(Err(e)) if e.starts_with(UNAVAILABLE)));
        // Unavailable is reported apart from failures.
        let samples = vec![vec![Ok(1.0)], vec![Err(format!("{UNAVAILABLE}x"))]];
        let r = report(&[native, ours], &[(net, samples)], 1, &[], Duration::ZERO);
        let cell = &r["cases"][0]["systems"][1];
        assert_eq!(cell["unavailable"], json!(format!("{UNAVAILABLE}x")));
        assert_eq!(cell["error"], serde_json::Value::Null);
    }
}
