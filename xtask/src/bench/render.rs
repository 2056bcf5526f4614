//! Renders a benchmark report as a markdown table, an SVG chart and the
//! docs/performance.md page.

use serde_json::Value;
use std::fmt::Write as _;

fn fmt_num(v: f64) -> String {
    if v >= 100.0 {
        format!("{v:.0}")
    } else if v >= 10.0 {
        format!("{v:.1}")
    } else if v >= 0.1 {
        format!("{v:.2}")
    } else {
        format!("{v:.3}")
    }
}

/// One markdown table: a row per case, a column per system with the median,
/// spread and ratios to native and gVisor; then the targets table.
pub fn markdown(r: &Value) -> String {
    let systems: Vec<&str> = r["systems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .collect();
    let mut t = String::new();
    let _ = write!(t, "| case | unit |");
    for s in &systems {
        let _ = write!(t, " {s} |");
    }
    t.push('\n');
    t.push_str("|---|---|");
    for _ in &systems {
        t.push_str("---|");
    }
    t.push('\n');
    for c in r["cases"].as_array().into_iter().flatten() {
        let _ = write!(
            t,
            "| {} | {} |",
            c["case"].as_str().unwrap_or(""),
            c["unit"].as_str().unwrap_or("")
        );
        for s in c["systems"].as_array().into_iter().flatten() {
            let cell = match (s["median"].as_f64(), s["error"].as_str()) {
                _ if s["unavailable"].is_string() => {
                    s["unavailable"].as_str().unwrap_or("").replace('|', "/")
                }
                (_, Some(e)) => format!("failed: {}", e.replace('|', "/")),
                (Some(m), None) => {
                    let mut cell = format!(
                        "{} ({}–{})",
                        fmt_num(m),
                        fmt_num(s["min"].as_f64().unwrap_or(m)),
                        fmt_num(s["max"].as_f64().unwrap_or(m))
                    );
                    for peer in ["native", "gvisor"] {
                        if let Some(x) = s["ratio"][peer].as_f64() {
                            let _ = write!(cell, "<br>×{} {peer}", fmt_num(x));
                        }
                    }
                    cell
                }
                (None, None) => "—".into(),
            };
            let _ = write!(t, " {cell} |");
        }
        t.push('\n');
    }
    t.push_str("\n| target (issue) | case | measured | target | met |\n|---|---|---|---|---|\n");
    for g in r["targets"].as_array().into_iter().flatten() {
        let what = match g["peer"].as_str() {
            Some(p) => format!("{} / {p}", g["system"].as_str().unwrap_or("")),
            None => format!("{} (absolute)", g["system"].as_str().unwrap_or("")),
        };
        let max = g["max"].as_f64().unwrap_or(0.0);
        let (val, met) = match g["value"].as_f64() {
            Some(v) => (
                fmt_num(v),
                if g["met"].as_bool() == Some(true) {
                    "met"
                } else {
                    "not met"
                },
            ),
            None => ("not measured".into(), "—"),
        };
        let _ = writeln!(
            t,
            "| {what} ({}) | {} | {val} | ≤ {} | {met} |",
            g["issue"].as_str().unwrap_or(""),
            g["case"].as_str().unwrap_or(""),
            fmt_num(max)
        );
    }
    t
}

/// A horizontal bar chart of every system's ratio to native, log scale.
pub fn svg(r: &Value) -> String {
    let cases: Vec<&Value> = r["cases"].as_array().into_iter().flatten().collect();
    let systems: Vec<&str> = r["systems"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|s| s["name"].as_str())
        .filter(|n| *n != "native")
        .collect();
    let colors = [
        "#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b",
    ];
    let (left, bar_h, gap, width) = (260.0, 12.0, 10.0, 900.0);
    let plot_w = width - left - 40.0;
    let (lo, hi) = (0.1f64.log10(), 10_000f64.log10());
    let x = |v: f64| left + (v.max(0.1).log10() - lo) / (hi - lo) * plot_w;
    let group_h = systems.len() as f64 * bar_h + gap;
    let height = 60.0 + cases.len() as f64 * group_h + 20.0 * systems.len() as f64 + 20.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" font-family="sans-serif" font-size="11">"#
    );
    let _ = writeln!(
        s,
        r#"<text x="{left}" y="16" font-size="13">Time relative to native Linux (log scale; lower is better)</text>"#
    );
    for p in [0.1, 1.0, 10.0, 100.0, 1000.0, 10_000.0] {
        let px = x(p);
        let _ = writeln!(
            s,
            r##"<line x1="{px:.1}" y1="30" x2="{px:.1}" y2="{:.1}" stroke="#ccc"/><text x="{px:.1}" y="28" text-anchor="middle">{p}×</text>"##,
            height - 20.0 * systems.len() as f64 - 10.0
        );
    }
    for (ci, c) in cases.iter().enumerate() {
        let y0 = 36.0 + ci as f64 * group_h;
        let _ = writeln!(
            s,
            r#"<text x="{:.1}" y="{:.1}" text-anchor="end">{}</text>"#,
            left - 6.0,
            y0 + group_h / 2.0,
            c["case"].as_str().unwrap_or("")
        );
        for (si, name) in systems.iter().enumerate() {
            let ratio = c["systems"]
                .as_array()
                .into_iter()
                .flatten()
                .find(|x| x["system"] == *name)
                .and_then(|x| x["ratio"]["native"].as_f64());
            let y = y0 + si as f64 * bar_h;
            if let Some(v) = ratio {
                let w = (x(v) - left).max(1.0);
                let _ = writeln!(
                    s,
                    r#"<rect x="{left}" y="{y:.1}" width="{w:.1}" height="{:.1}" fill="{}"><title>{name}: {}×</title></rect>"#,
                    bar_h - 2.0,
                    colors[si % colors.len()],
                    fmt_num(v)
                );
            }
        }
    }
    let ly = height - 20.0 * systems.len() as f64;
    for (si, name) in systems.iter().enumerate() {
        let y = ly + si as f64 * 20.0;
        let _ = writeln!(
            s,
            r#"<rect x="{left}" y="{y:.1}" width="12" height="12" fill="{}"/><text x="{:.1}" y="{:.1}">{name}</text>"#,
            colors[si % colors.len()],
            left + 18.0,
            y + 10.0
        );
    }
    s.push_str("</svg>\n");
    s
}

/// The docs/performance.md page for a report.
pub fn page(r: &Value, table: &str) -> String {
    let mut notes = String::new();
    for n in r["notes"].as_array().into_iter().flatten() {
        let _ = writeln!(notes, "- {}", n.as_str().unwrap_or(""));
    }
    if !notes.is_empty() {
        notes.insert_str(0, "Notes from the run:\n\n");
        notes.push('\n');
    }
    format!(
        "# Performance\n\n\
         Generated by `cargo xtask bench --update-docs` on {} ({}); {} interleaved runs per \
         system and case. Cells: median (min–max), then the median of pairwise ratios to native \
         and to Debian's gVisor (`/usr/bin/runsc --network=none do`). Failures are shown as such, \
         never filled in; \"not available\" marks what a system cannot do yet. Ratios compare \
         costs (time or memory; for MiB/s rows, time per MiB), so above 1 is slower. The whole \
         run took {:.0} s. Raw data: `target/bench/report.json`.\n\n\
         {notes}![ratios to native](performance.svg)\n\n{table}\n",
        r["date"].as_str().unwrap_or("?"),
        r["machine"].as_str().unwrap_or("?"),
        r["runs"],
        r["elapsed_s"].as_f64().unwrap_or(0.0)
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn sample() -> Value {
        json!({
            "date": "d", "machine": "m", "runs": 2,
            "systems": [{"name": "native"}, {"name": "gvisor"}],
            "cases": [{"case": "c1", "unit": "us/op", "systems": [
                {"system": "native", "median": 0.1, "min": 0.1, "max": 0.2, "ratio": {"gvisor": 0.01}, "error": null},
                {"system": "gvisor", "median": 10.0, "min": 9.0, "max": 11.0, "ratio": {"native": 100.0}, "error": null}
            ]}, {"case": "c2", "unit": "ms", "systems": [
                {"system": "native", "median": 1.0, "min": 1.0, "max": 1.0, "ratio": {}, "error": null},
                {"system": "gvisor", "median": null, "ratio": {}, "error": "exit 1"}
            ]}, {"case": "c3", "unit": "MiB/s", "systems": [
                {"system": "native", "median": 900.0, "min": 800.0, "max": 950.0, "ratio": {}, "error": null},
                {"system": "gvisor", "median": null, "ratio": {}, "error": null, "unavailable": "not available: no net"}
            ]}],
            "notes": ["podman not installed"], "elapsed_s": 61.2,
            "targets": [{"issue": "I", "case": "c1", "system": "gvisor", "peer": "native", "max": 5.0, "value": 100.0, "met": false}]
        })
    }

    #[test]
    fn table_shows_ratios_failures_and_verdicts() {
        let t = markdown(&sample());
        assert!(t.contains("| c1 | us/op | 0.10 (0.10–0.20)"), "{t}");
        assert!(t.contains("×100 native"), "{t}");
        assert!(t.contains("failed: exit 1"), "{t}");
        assert!(t.contains("| 100 | ≤ 5.00 | not met |"), "{t}");
        assert!(
            t.contains("| c3 | MiB/s | 900 (800–950) | not available: no net |"),
            "{t}"
        );
    }

    #[test]
    fn page_has_date_notes_and_duration() {
        let p = page(&sample(), "TABLE");
        assert!(p.contains("on d (m); 2 interleaved runs"), "{p}");
        assert!(p.contains("- podman not installed\n"), "{p}");
        assert!(p.contains("took 61 s"), "{p}");
        assert!(p.ends_with("TABLE\n"), "{p}");
    }

    #[test]
    fn svg_has_a_bar_per_measured_ratio() {
        let s = svg(&sample());
        assert!(s.starts_with("<svg"));
        assert_eq!(s.matches("<title>").count(), 1);
        assert!(s.contains("gvisor: 100×"));
    }
}
