//! Per-task files: `stat`, `statm`, `status`, `limits`, `fdinfo`.

use std::fmt::Write as _;

use super::text;
use crate::source::{FdInfo, Rlimit, TaskInfo};

/// Page size the `statm` and `stat` page counts use.
const PAGE_KB: u64 = 4;

/// `/proc/<pid>/stat`: one line of 52 fields.
pub fn task_stat(t: &TaskInfo) -> Vec<u8> {
    let mut s = String::new();
    let comm = String::from_utf8_lossy(&t.comm);
    let l = &t.layout;
    let _ = write!(
        s,
        "{} ({}) {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} {} 0 {} {} {} {} {} {} {} 0 0 ",
        t.tid,
        comm,
        t.state.letter(),
        t.ppid,
        t.pgrp,
        t.session,
        t.tty_nr,
        t.tpgid,
        t.flags,
        t.minflt,
        t.cminflt,
        t.majflt,
        t.cmajflt,
        t.utime,
        t.stime,
        t.cutime,
        t.cstime,
        t.priority,
        t.nice,
        t.num_threads,
        t.start_time,
        t.vm.size_kb * 1024,
        t.vm.rss_kb / PAGE_KB,
        t.rsslim,
        l.start_code,
        l.end_code,
        l.start_stack,
    );
    let sig = &t.signals;
    let _ = writeln!(
        s,
        "{} {} {} {} 0 0 0 {} {} 0 0 0 0 0 {} {} {} {} {} {} {} {}",
        sig.pending | sig.shared_pending,
        sig.blocked,
        sig.ignored,
        sig.caught,
        t.exit_signal,
        t.processor,
        l.start_data,
        l.end_data,
        l.start_brk,
        l.arg_start,
        l.arg_end,
        l.env_start,
        l.env_end,
        t.exit_code,
    );
    text(s)
}

/// `/proc/<pid>/statm`: sizes in pages.
pub fn task_statm(t: &TaskInfo) -> Vec<u8> {
    let v = &t.vm;
    text(format!(
        "{} {} {} {} 0 {} 0\n",
        v.size_kb / PAGE_KB,
        v.rss_kb / PAGE_KB,
        (v.rss_file_kb + v.rss_shmem_kb) / PAGE_KB,
        v.exe_kb / PAGE_KB,
        (v.data_kb + v.stk_kb) / PAGE_KB,
    ))
}

/// A CPU bitmap as `%*pb` prints it for up to 64 CPUs: hex, in 32-bit
/// comma-separated groups, most significant first, no leading zeros in the
/// first group.
fn cpu_mask(mask: u64) -> String {
    let hi = (mask >> 32) as u32;
    let lo = mask as u32;
    if hi != 0 {
        format!("{hi:x},{lo:08x}")
    } else {
        format!("{lo:x}")
    }
}

/// A CPU bitmap as `%*pbl` prints it: ranges (`0-1,4`).
fn cpu_list(mask: u64) -> String {
    let mut out = Vec::new();
    let mut i = 0u32;
    while i < 64 {
        if mask & (1 << i) == 0 {
            i += 1;
            continue;
        }
        let start = i;
        while i + 1 < 64 && mask & (1 << (i + 1)) != 0 {
            i += 1;
        }
        out.push(if start == i {
            format!("{start}")
        } else {
            format!("{start}-{i}")
        });
        i += 1;
    }
    out.join(",")
}

/// `/proc/<pid>/status`.
pub fn task_status(t: &TaskInfo) -> Vec<u8> {
    let mut s = String::new();
    let _ = writeln!(s, "Name:\t{}", String::from_utf8_lossy(&t.comm));
    let _ = writeln!(s, "Umask:\t{:04o}", t.umask);
    let _ = writeln!(s, "State:\t{}", t.state.status_text());
    let _ = writeln!(s, "Tgid:\t{}", t.tgid);
    let _ = writeln!(s, "Ngid:\t0");
    let _ = writeln!(s, "Pid:\t{}", t.tid);
    let _ = writeln!(s, "PPid:\t{}", t.ppid);
    let _ = writeln!(s, "TracerPid:\t{}", t.tracer_pid);
    let ids = |v: [u32; 4]| format!("{}\t{}\t{}\t{}", v[0], v[1], v[2], v[3]);
    let _ = writeln!(s, "Uid:\t{}", ids(t.uid));
    let _ = writeln!(s, "Gid:\t{}", ids(t.gid));
    let _ = writeln!(s, "FDSize:\t{}", t.fd_size);
    let groups: Vec<String> = t.groups.iter().map(|g| g.to_string()).collect();
    let _ = writeln!(s, "Groups:\t{} ", groups.join(" "));
    let _ = writeln!(s, "NStgid:\t{}", t.tgid);
    let _ = writeln!(s, "NSpid:\t{}", t.tid);
    let _ = writeln!(s, "NSpgid:\t{}", t.pgrp);
    let _ = writeln!(s, "NSsid:\t{}", t.session);
    let _ = writeln!(s, "Kthread:\t0");
    let v = &t.vm;
    for (name, kb) in [
        ("VmPeak", v.peak_kb),
        ("VmSize", v.size_kb),
        ("VmLck", v.lck_kb),
        ("VmPin", v.pin_kb),
        ("VmHWM", v.hwm_kb),
        ("VmRSS", v.rss_kb),
        ("RssAnon", v.rss_anon_kb),
        ("RssFile", v.rss_file_kb),
        ("RssShmem", v.rss_shmem_kb),
        ("VmData", v.data_kb),
        ("VmStk", v.stk_kb),
        ("VmExe", v.exe_kb),
        ("VmLib", v.lib_kb),
        ("VmPTE", v.pte_kb),
        ("VmSwap", v.swap_kb),
    ] {
        let _ = writeln!(s, "{name}:\t{kb:>8} kB");
    }
    let _ = writeln!(s, "CoreDumping:\t0");
    let _ = writeln!(s, "Threads:\t{}", t.num_threads);
    let g = &t.signals;
    let _ = writeln!(s, "SigQ:\t{}/{}", g.queued, g.queue_limit);
    for (name, bits) in [
        ("SigPnd", g.pending),
        ("ShdPnd", g.shared_pending),
        ("SigBlk", g.blocked),
        ("SigIgn", g.ignored),
        ("SigCgt", g.caught),
        ("CapInh", t.caps.inheritable),
        ("CapPrm", t.caps.permitted),
        ("CapEff", t.caps.effective),
        ("CapBnd", t.caps.bounding),
        ("CapAmb", t.caps.ambient),
    ] {
        let _ = writeln!(s, "{name}:\t{bits:016x}");
    }
    let _ = writeln!(s, "NoNewPrivs:\t{}", u8::from(t.no_new_privs));
    let _ = writeln!(s, "Seccomp:\t{}", t.seccomp_mode);
    let _ = writeln!(s, "Seccomp_filters:\t{}", t.seccomp_filters);
    let _ = writeln!(s, "Cpus_allowed:\t{}", cpu_mask(t.cpus_allowed));
    let _ = writeln!(s, "Cpus_allowed_list:\t{}", cpu_list(t.cpus_allowed));
    let _ = writeln!(s, "voluntary_ctxt_switches:\t{}", t.voluntary_ctxt_switches);
    let _ = writeln!(
        s,
        "nonvoluntary_ctxt_switches:\t{}",
        t.nonvoluntary_ctxt_switches
    );
    text(s)
}

/// `/proc/<pid>/limits`.
pub fn limits(lim: &[Rlimit; 16]) -> Vec<u8> {
    const ROWS: [(&str, &str); 16] = [
        ("Max cpu time", "seconds"),
        ("Max file size", "bytes"),
        ("Max data size", "bytes"),
        ("Max stack size", "bytes"),
        ("Max core file size", "bytes"),
        ("Max resident set", "bytes"),
        ("Max processes", "processes"),
        ("Max open files", "files"),
        ("Max locked memory", "bytes"),
        ("Max address space", "bytes"),
        ("Max file locks", "locks"),
        ("Max pending signals", "signals"),
        ("Max msgqueue size", "bytes"),
        ("Max nice priority", ""),
        ("Max realtime priority", ""),
        ("Max realtime timeout", "us"),
    ];
    let show = |v: u64| {
        if v == u64::MAX {
            "unlimited".to_string()
        } else {
            v.to_string()
        }
    };
    let mut s = format!(
        "{:<25} {:<20} {:<20} {:<10}\n",
        "Limit", "Soft Limit", "Hard Limit", "Units"
    );
    for ((name, unit), l) in ROWS.iter().zip(lim.iter()) {
        let _ = write!(s, "{:<25} {:<20} {:<20} ", name, show(l.cur), show(l.max));
        if !unit.is_empty() {
            let _ = write!(s, "{unit:<10}");
        }
        s.push('\n');
    }
    text(s)
}

/// `/proc/<pid>/fdinfo/<fd>`.
pub fn fdinfo(f: &FdInfo) -> Vec<u8> {
    text(format!(
        "pos:\t{}\nflags:\t0{:o}\nmnt_id:\t{}\nino:\t{}\n",
        f.pos, f.flags, f.mnt_id, f.ino
    ))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::source::{LinkTarget, TaskState, VmStats};

    #[test]
    fn cpu_bitmaps() {
        assert_eq!(cpu_mask(3), "3");
        assert_eq!(cpu_list(3), "0-1");
        assert_eq!(cpu_list(0b1011), "0-1,3");
        assert_eq!(cpu_mask(1 << 33 | 1), "2,00000001");
        assert_eq!(cpu_list(0), "");
    }

    #[test]
    fn statm_and_stat_fields() {
        let t = TaskInfo {
            tgid: 7,
            tid: 7,
            ppid: 1,
            pgrp: 7,
            session: 1,
            comm: b"cat x".to_vec(),
            state: TaskState::Sleeping,
            num_threads: 1,
            tpgid: -1,
            priority: 20,
            vm: VmStats {
                size_kb: 3060,
                rss_kb: 1772,
                rss_file_kb: 1656,
                exe_kb: 20,
                data_kb: 360,
                stk_kb: 132,
                ..VmStats::default()
            },
            rsslim: u64::MAX,
            exit_signal: 17,
            ..TaskInfo::default()
        };
        assert_eq!(task_statm(&t), b"765 443 414 5 0 123 0\n");
        let s = String::from_utf8(task_stat(&t)).unwrap_or_default();
        assert!(s.starts_with("7 (cat x) S 1 7 1 0 -1 0 "));
        assert!(s.ends_with(" 0\n"));
        // Fields after the comm: 50 of them, 52 in all.
        let after = s.rsplit_once(") ").map(|(_, r)| r).unwrap_or("");
        assert_eq!(after.split_whitespace().count(), 50);
        let f: Vec<&str> = after.split_whitespace().collect();
        assert_eq!(f[20], "3133440"); // vsize, field 23
        assert_eq!(f[21], "443"); // rss pages
        assert_eq!(f[22], "18446744073709551615");
        assert_eq!(f[35], "17"); // exit_signal, field 38
    }

    #[test]
    fn limits_layout_matches_linux() {
        let mut lim = [Rlimit {
            cur: u64::MAX,
            max: u64::MAX,
        }; 16];
        lim[3] = Rlimit {
            cur: 8_388_608,
            max: u64::MAX,
        };
        lim[13] = Rlimit { cur: 0, max: 0 };
        let s = String::from_utf8(limits(&lim)).unwrap_or_default();
        let lines: Vec<&str> = s.lines().collect();
        assert_eq!(
            lines[0],
            "Limit                     Soft Limit           Hard Limit           Units     "
        );
        assert_eq!(
            lines[4],
            "Max stack size            8388608              unlimited            bytes     "
        );
        assert_eq!(
            lines[14],
            "Max nice priority         0                    0                    "
        );
        assert_eq!(lines.len(), 17);
    }

    #[test]
    fn fdinfo_format() {
        assert_eq!(
            fdinfo(&FdInfo {
                target: LinkTarget {
                    path: None,
                    text: Vec::new()
                },
                pos: 0,
                flags: 0o100000,
                mnt_id: 24,
                ino: 3,
                readable: true,
                writable: false,
            }),
            b"pos:\t0\nflags:\t0100000\nmnt_id:\t24\nino:\t3\n"
        );
    }

    fn keys(text: &str) -> Vec<String> {
        text.lines()
            .filter_map(|l| l.split_once(':').map(|(k, _)| k.to_string()))
            .collect()
    }

    /// Our `status` keys appear in this machine's `/proc/self/status` in
    /// the same order (Linux has more, for features we lack).
    #[test]
    fn status_keys_follow_this_machines_order() {
        let host = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
        let host_keys = keys(&host);
        let ours = String::from_utf8(task_status(&TaskInfo::default())).unwrap_or_default();
        let mut pos = 0;
        for k in keys(&ours) {
            let found = host_keys[pos..].iter().position(|h| *h == k);
            assert!(found.is_some(), "{k} missing or out of order");
            pos += found.unwrap_or(0) + 1;
        }
        // Value columns are tab-separated as on the host.
        for l in ours.lines() {
            assert!(l.contains(":\t"), "{l}");
        }
    }

    /// `stat` has as many fields as this machine's, `limits` the same
    /// header and row names.
    #[test]
    fn layouts_match_this_machine() {
        let host = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
        let host_n = host
            .rsplit_once(") ")
            .map_or(0, |(_, r)| r.split_whitespace().count());
        let ours = String::from_utf8(task_stat(&TaskInfo::default())).unwrap_or_default();
        let ours_n = ours
            .rsplit_once(") ")
            .map_or(0, |(_, r)| r.split_whitespace().count());
        assert_eq!(ours_n, host_n);

        let host = std::fs::read_to_string("/proc/self/limits").unwrap_or_default();
        let ours = String::from_utf8(limits(&[Rlimit::default(); 16])).unwrap_or_default();
        let names = |t: &str| -> Vec<String> {
            t.lines()
                .map(|l| l.get(..26).unwrap_or(l).to_string())
                .collect()
        };
        assert_eq!(names(&ours), names(&host));
    }
}
