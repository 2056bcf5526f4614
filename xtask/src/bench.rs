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

mod render;

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

/// A system under test: a name and the command prefix that runs a program on it.
#[derive(Debug, Clone)]
pub struct System {
    /// Short name used in tables (`native`, `runsc-systrap`, `gvisor`, ...).
    pub name: String,
    /// Prefix put before the program and its arguments.
    pub prefix: Vec<String>,
}

/// How a case is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Metric {
    /// The program reports `ns_per_op=` itself.
    NsPerOp,
    /// Wall-clock milliseconds of the whole command.
    WallMs,
    /// Peak resident set size of the command's processes, KiB.
    PeakRssKib,
}

impl Metric {
    fn unit(self) -> &'static str {
        match self {
            Metric::NsPerOp => "us/op",
            Metric::WallMs => "ms",
            Metric::PeakRssKib => "MiB",
        }
    }
    /// Converts a raw sample into the unit shown.
    fn scale(self, v: f64) -> f64 {
        match self {
            Metric::NsPerOp => v / 1000.0,
            Metric::WallMs => v,
            Metric::PeakRssKib => v / 1024.0,
        }
    }
}

/// One benchmark case.
#[derive(Debug, Clone)]
struct Case {
    name: &'static str,
    metric: Metric,
    /// Program and arguments; `{micro}` is replaced by the micro-benchmark binary.
    argv: Vec<String>,
}

fn cases(micro: &Path, quick: bool) -> Vec<Case> {
    let m = micro.display().to_string();
    let scale = |n: u64| if quick { n / 4 } else { n }.to_string();
    let micro_case = |name: &'static str, case: &str, n: u64| Case {
        name,
        metric: Metric::NsPerOp,
        argv: vec![m.clone(), case.to_string(), scale(n)],
    };
    vec![
        micro_case("null syscall (getpid)", "getpid", 40_000),
        micro_case("clock_gettime (glibc, vDSO)", "clock_gettime", 400_000),
        micro_case("open+close", "openclose", 8_000),
        micro_case("pwrite 64 B", "pwrite64", 20_000),
        micro_case("read 4 KiB", "read4k", 20_000),
        micro_case("pipe ping-pong", "pipe", 4_000),
        micro_case("fork+wait", "forkwait", 400),
        micro_case("fork+exec+wait", "forkexecwait", 200),
        micro_case("thread create+join", "thread", 2_000),
        Case {
            name: "start-up: /bin/true",
            metric: Metric::WallMs,
            argv: vec!["/bin/true".into()],
        },
        Case {
            name: "peak RSS: /bin/true",
            metric: Metric::PeakRssKib,
            argv: vec!["/bin/true".into()],
        },
        Case {
            name: "python3 start + import json, hashlib",
            metric: Metric::WallMs,
            argv: vec![
                "/usr/bin/python3".into(),
                "-c".into(),
                "import json, hashlib".into(),
            ],
        },
    ]
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

/// Entry point of `cargo xtask bench`.
pub fn run(args: &[String]) -> Result<()> {
    let opts = parse(args)?;
    let out_dir = util::workspace_root().join("target/bench");
    std::fs::create_dir_all(&out_dir)?;
    let micro = build_micro(&out_dir)?;
    let systems = systems(&opts);
    let runs = if opts.quick { 5 } else { 10 };
    let mut all = cases(&micro, opts.quick);
    if let Some(f) = &opts.only {
        all.retain(|c| c.name.contains(f.as_str()));
        if all.is_empty() {
            bail!("no case matches `{f}`");
        }
    }
    for s in &systems {
        eprintln!("system {}: {}", s.name, s.prefix.join(" "));
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
                samples[i].push(measure(s, case));
            }
        }
        results.push((case.clone(), samples));
    }
    let report = report(&systems, &results, runs);
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
    Ok(())
}

fn build_micro(out_dir: &Path) -> Result<PathBuf> {
    let src = util::workspace_root().join("tests/bench/micro.c");
    let bin = out_dir.join("micro");
    let status = Command::new("gcc")
        .args(["-O2", "-Wall", "-o"])
        .arg(&bin)
        .arg(&src)
        .arg("-lpthread")
        .status()
        .context("running gcc (apt-get install gcc)")?;
    if !status.success() {
        bail!("gcc failed on {}", src.display());
    }
    Ok(bin)
}

fn systems(o: &Options) -> Vec<System> {
    let mut v = vec![System {
        name: "native".into(),
        prefix: vec![],
    }];
    let ours = o.runsc.clone().or_else(|| {
        let p = util::workspace_root().join("target/release/runsc");
        p.exists().then_some(p)
    });
    match ours {
        Some(p) => {
            for platform in ["systrap", "ptrace"] {
                v.push(System {
                    name: format!("runsc-{platform}"),
                    prefix: vec![
                        p.display().to_string(),
                        format!("--platform={platform}"),
                        "--network=none".into(),
                        "do".into(),
                    ],
                });
            }
        }
        None => eprintln!("note: our runsc is not built (cargo xtask build); skipping it"),
    }
    if Path::new("/usr/bin/runsc").exists() {
        v.push(System {
            name: "gvisor".into(),
            prefix: vec![
                "/usr/bin/runsc".into(),
                "--network=none".into(),
                "do".into(),
            ],
        });
    } else {
        eprintln!("note: Debian's gVisor (/usr/bin/runsc, package runsc) is absent; skipping it");
    }
    if Path::new("/usr/bin/proot").exists() {
        v.push(System {
            name: "proot".into(),
            prefix: vec!["/usr/bin/proot".into()],
        });
    } else {
        eprintln!("note: proot is absent; skipping it");
    }
    v
}

/// Runs `case` once on `system` and returns its sample.
fn measure(system: &System, case: &Case) -> std::result::Result<f64, String> {
    let mut argv: Vec<String> = system.prefix.clone();
    argv.extend(case.argv.iter().cloned());
    if case.metric == Metric::PeakRssKib {
        let exe = std::env::current_exe().map_err(|e| e.to_string())?;
        let mut full = vec![exe.display().to_string(), "__rss".into()];
        full.extend(argv);
        argv = full;
    }
    let start = Instant::now();
    let out = run_with_timeout(&argv, Duration::from_secs(180))?;
    let wall_ms = start.elapsed().as_secs_f64() * 1000.0;
    match case.metric {
        Metric::WallMs => Ok(wall_ms),
        Metric::NsPerOp => parse_field(&out, "ns_per_op="),
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
        let last = err.lines().last().unwrap_or("").to_string();
        return Err(format!("{}: {last}", out.status));
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
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
fn report(systems: &[System], results: &[(Case, Vec<Samples>)], runs: usize) -> serde_json::Value {
    let mut cases_json = Vec::new();
    for (case, samples) in results {
        let ok: Vec<Option<Vec<f64>>> = samples
            .iter()
            .map(|s| {
                s.iter()
                    .map(|r| r.as_ref().ok().map(|v| case.metric.scale(*v)))
                    .collect()
            })
            .collect();
        let mut sys_json = Vec::new();
        for (i, s) in systems.iter().enumerate() {
            let error = samples[i].iter().find_map(|r| r.as_ref().err().cloned());
            let vals = ok[i].clone();
            let mut ratios = serde_json::Map::new();
            if let Some(a) = &vals {
                for (j, peer) in systems.iter().enumerate() {
                    if i == j {
                        continue;
                    }
                    if let Some(b) = &ok[j] {
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
    }

    #[test]
    fn ratios_are_pairwise_and_targets_computed() {
        let systems = vec![
            System {
                name: "native".into(),
                prefix: vec![],
            },
            System {
                name: "gvisor".into(),
                prefix: vec!["g".into()],
            },
            System {
                name: "runsc-systrap".into(),
                prefix: vec!["r".into()],
            },
        ];
        let case = Case {
            name: "null syscall (getpid)",
            metric: Metric::NsPerOp,
            argv: vec![],
        };
        let samples = vec![
            vec![Ok(100.0), Ok(200.0)],
            vec![Ok(60_000.0), Ok(80_000.0)],
            vec![Ok(1_000.0), Ok(4_000.0)],
        ];
        let r = report(&systems, &[(case, samples)], 2);
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
}
