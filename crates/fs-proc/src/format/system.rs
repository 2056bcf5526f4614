//! System-wide files: `meminfo`, `stat`, `uptime`, `loadavg`, `version`,
//! `filesystems` and the `sys/` values.

use std::fmt::Write as _;

use super::text;
use crate::source::{CpuTimes, KernelNames, MemInfo, SystemStat};

/// `/proc/meminfo`.
pub fn meminfo(m: &MemInfo) -> Vec<u8> {
    let mut s = String::new();
    for (name, kb) in [
        ("MemTotal:", m.total_kb),
        ("MemFree:", m.free_kb),
        ("MemAvailable:", m.available_kb),
        ("Buffers:", m.buffers_kb),
        ("Cached:", m.cached_kb),
        ("SwapCached:", 0),
        ("Active:", m.active_kb),
        ("Inactive:", m.inactive_kb),
        ("Active(anon):", m.active_anon_kb),
        ("Inactive(anon):", m.inactive_anon_kb),
        ("Active(file):", m.active_file_kb),
        ("Inactive(file):", m.inactive_file_kb),
        ("Unevictable:", m.mlocked_kb),
        ("Mlocked:", m.mlocked_kb),
        ("SwapTotal:", m.swap_total_kb),
        ("SwapFree:", m.swap_free_kb),
        ("Dirty:", 0),
        ("Writeback:", 0),
        ("AnonPages:", m.anon_pages_kb),
        ("Mapped:", m.mapped_kb),
        ("Shmem:", m.shmem_kb),
        ("CommitLimit:", m.commit_limit_kb),
        ("Committed_AS:", m.committed_as_kb),
    ] {
        let _ = writeln!(s, "{name:<16}{kb:>8} kB");
    }
    text(s)
}

fn cpu_line(s: &mut String, name: &str, c: &CpuTimes) {
    let _ = writeln!(
        s,
        "{name} {} {} {} {} {} {} {} {} 0 0",
        c.user, c.nice, c.system, c.idle, c.iowait, c.irq, c.softirq, c.steal
    );
}

/// `/proc/stat`.
pub fn proc_stat(st: &SystemStat) -> Vec<u8> {
    let mut total = CpuTimes::default();
    for c in &st.cpus {
        total.user += c.user;
        total.nice += c.nice;
        total.system += c.system;
        total.idle += c.idle;
        total.iowait += c.iowait;
        total.irq += c.irq;
        total.softirq += c.softirq;
        total.steal += c.steal;
    }
    let mut s = String::new();
    // The total line has two spaces after "cpu", as Linux prints it.
    cpu_line(&mut s, "cpu ", &total);
    for (i, c) in st.cpus.iter().enumerate() {
        cpu_line(&mut s, &format!("cpu{i}"), c);
    }
    let _ = writeln!(s, "intr 0");
    let _ = writeln!(s, "ctxt {}", st.ctxt);
    let _ = writeln!(s, "btime {}", st.btime);
    let _ = writeln!(s, "processes {}", st.processes);
    let _ = writeln!(s, "procs_running {}", st.procs_running);
    let _ = writeln!(s, "procs_blocked {}", st.procs_blocked);
    let _ = writeln!(s, "softirq 0 0 0 0 0 0 0 0 0 0 0");
    text(s)
}

fn centis(v: u64) -> String {
    format!("{}.{:02}", v / 100, v % 100)
}

/// `/proc/uptime`: uptime and summed idle time, seconds with two decimals.
pub fn uptime(st: &SystemStat) -> Vec<u8> {
    text(format!(
        "{} {}\n",
        centis(st.uptime_centis),
        centis(st.idle_centis)
    ))
}

/// `/proc/loadavg`.
pub fn loadavg(st: &SystemStat) -> Vec<u8> {
    let l = st.loadavg_centis;
    text(format!(
        "{} {} {} {}/{} {}\n",
        centis(l[0]),
        centis(l[1]),
        centis(l[2]),
        st.procs_running,
        st.nr_threads,
        st.last_pid
    ))
}

/// `/proc/version`.
pub fn version(k: &KernelNames) -> Vec<u8> {
    let mut out = b"Linux version ".to_vec();
    out.extend_from_slice(&k.osrelease);
    out.push(b' ');
    out.extend_from_slice(&k.version);
    out.push(b'\n');
    out
}

/// `/proc/filesystems`.
pub fn filesystems(list: &[(bool, Vec<u8>)]) -> Vec<u8> {
    let mut out = Vec::new();
    for (nodev, name) in list {
        if *nodev {
            out.extend_from_slice(b"nodev");
        }
        out.push(b'\t');
        out.extend_from_slice(name);
        out.push(b'\n');
    }
    out
}

/// A random (version 4) UUID in its text form, for `random/uuid`.
pub fn uuid_v4(mut b: [u8; 16]) -> Vec<u8> {
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: Vec<String> = b.iter().map(|x| format!("{x:02x}")).collect();
    text(format!(
        "{}-{}-{}-{}-{}\n",
        h[0..4].concat(),
        h[4..6].concat(),
        h[6..8].concat(),
        h[8..10].concat(),
        h[10..16].concat()
    ))
}

/// A value line of a `/proc/sys` file.
pub fn line(v: &[u8]) -> Vec<u8> {
    let mut out = v.to_vec();
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn system_files() {
        let st = SystemStat {
            cpus: vec![
                CpuTimes {
                    user: 1,
                    idle: 10,
                    ..CpuTimes::default()
                },
                CpuTimes {
                    user: 2,
                    system: 3,
                    ..CpuTimes::default()
                },
            ],
            btime: 99,
            uptime_centis: 741_009,
            idle_centis: 1_125_195,
            loadavg_centis: [131, 234, 336],
            procs_running: 1,
            nr_threads: 93,
            last_pid: 25046,
            ..SystemStat::default()
        };
        assert_eq!(uptime(&st), b"7410.09 11251.95\n");
        assert_eq!(loadavg(&st), b"1.31 2.34 3.36 1/93 25046\n");
        let s = String::from_utf8(proc_stat(&st)).unwrap_or_default();
        assert!(s.starts_with("cpu  3 0 3 10 0 0 0 0 0 0\ncpu0 1 0 0 10"));
        assert!(s.contains("\nbtime 99\n"));
        let m = meminfo(&MemInfo {
            total_kb: 24_684_092,
            ..MemInfo::default()
        });
        assert!(m.starts_with(b"MemTotal:       24684092 kB\nMemFree:               0 kB\n"));
        let u = uuid_v4([0xff; 16]);
        assert_eq!(u, b"ffffffff-ffff-4fff-bfff-ffffffffffff\n");
        assert_eq!(filesystems(&[(true, b"tmpfs".to_vec())]), b"nodev\ttmpfs\n");
    }

    /// `meminfo` lines are as wide as this machine's.
    #[test]
    fn meminfo_matches_this_machine() {
        let keys = |text: &str| -> Vec<String> {
            text.lines()
                .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
                .collect()
        };
        let host = std::fs::read_to_string("/proc/meminfo").unwrap_or_default();
        let total = host.lines().next().unwrap_or("");
        let ours = String::from_utf8(meminfo(&MemInfo::default())).unwrap_or_default();
        let first = ours.lines().next().unwrap_or("x");
        assert_eq!(first.len(), total.len());
        assert!(keys(&ours).iter().all(|k| keys(&host).contains(k)));
    }
}
