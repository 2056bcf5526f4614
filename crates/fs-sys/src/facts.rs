//! What `/sys` reports, gathered once at start-up: the CPUs the sandbox
//! runs on and whether its memory gets transparent huge pages. Parsing and
//! formatting are pure functions so tests cover them without a host.

use std::fmt::Write as _;

/// The facts sysfs shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SysFacts {
    /// The CPU numbers the sandbox may run on, ascending (the Sentry's
    /// affinity at start-up, [`host_cpus`]), which `sched_getaffinity(2)`
    /// reports inside too. `online`, `possible` and `present` list them.
    pub cpus: Vec<usize>,
    /// Whether application memory is backed by transparent huge pages.
    pub thp: ThpMode,
}

/// The mode `/sys/kernel/mm/transparent_hugepage/enabled` selects.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ThpMode {
    /// Huge pages wherever possible.
    Always,
    /// Never.
    Never,
}

impl ThpMode {
    /// The file's text: every mode, the selected one in brackets.
    pub fn text(self) -> &'static str {
        match self {
            ThpMode::Always => "[always] madvise never\n",
            ThpMode::Never => "always madvise [never]\n",
        }
    }

    /// The mode application memory really gets, from the host's
    /// `/sys/kernel/mm/transparent_hugepage/shmem_enabled` text: all
    /// application memory lives in one host memfd (shmem), so the host's
    /// shmem policy decides. `always`, `within_size` (the memory file is
    /// far larger than a huge page) and `force` give huge pages; `advise`
    /// would need the Sentry to `madvise` its mappings, which it does not,
    /// and the sandbox's own `madvise(MADV_HUGEPAGE)` is accepted but has
    /// no effect, so `advise`, `never`, `deny` or unreadable text is
    /// [`ThpMode::Never`].
    pub fn from_host_shmem_enabled(text: &str) -> ThpMode {
        let selected = text
            .split_whitespace()
            .find_map(|w| w.strip_prefix('[').and_then(|w| w.strip_suffix(']')));
        match selected {
            Some("always" | "within_size" | "force") => ThpMode::Always,
            _ => ThpMode::Never,
        }
    }
}

impl ThpMode {
    /// The mode on this host (see [`ThpMode::from_host_shmem_enabled`]).
    /// Read at start-up, while the Sentry may still look at host files.
    pub fn from_host() -> ThpMode {
        let shmem = std::fs::read_to_string("/sys/kernel/mm/transparent_hugepage/shmem_enabled")
            .unwrap_or_default();
        ThpMode::from_host_shmem_enabled(&shmem)
    }
}

/// The CPUs the calling thread may run on, ascending; CPU 0 if the mask
/// cannot be read (a thread always runs somewhere). Call it at start-up:
/// the platforms pin Sentry threads to one CPU for a while, so a later
/// call can see less than the sandbox has.
pub fn host_cpus() -> Vec<usize> {
    let cpus: Vec<usize> = match rustix::thread::sched_getaffinity(None) {
        Ok(set) => (0..rustix::thread::CpuSet::MAX_CPU)
            .filter(|&c| set.is_set(c))
            .collect(),
        Err(_) => Vec::new(),
    };
    if cpus.is_empty() {
        vec![0]
    } else {
        cpus
    }
}

/// Linux's CPU list format (`cpulist_parse`'s inverse): ascending ranges
/// `a-b` and single numbers separated by commas, newline-terminated, as
/// in `/sys/devices/system/cpu/online`. `cpus` must be ascending.
pub fn cpulist(cpus: &[usize]) -> String {
    let mut out = String::new();
    let mut i = 0;
    while let Some(&start) = cpus.get(i) {
        let mut end = start;
        while cpus.get(i + 1) == Some(&(end + 1)) {
            end += 1;
            i += 1;
        }
        if !out.is_empty() {
            out.push(',');
        }
        // Writing to a String cannot fail.
        let _ = if start == end {
            write!(out, "{start}")
        } else {
            write!(out, "{start}-{end}")
        };
        i += 1;
    }
    out.push('\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_lists_match_linux() {
        assert_eq!(cpulist(&[0]), "0\n");
        assert_eq!(cpulist(&[0, 1]), "0-1\n");
        assert_eq!(cpulist(&[0, 1, 2, 3]), "0-3\n");
        assert_eq!(cpulist(&[0, 2, 3, 4, 7]), "0,2-4,7\n");
        assert_eq!(cpulist(&[5]), "5\n");
        assert_eq!(cpulist(&[]), "\n");
    }

    #[test]
    fn thp_mode_follows_the_host_shmem_policy() {
        let m = ThpMode::from_host_shmem_enabled;
        assert_eq!(
            m("always within_size advise [never] deny force\n"),
            ThpMode::Never
        );
        assert_eq!(
            m("[always] within_size advise never deny force"),
            ThpMode::Always
        );
        assert_eq!(
            m("always [within_size] advise never deny force"),
            ThpMode::Always
        );
        assert_eq!(
            m("always within_size advise never deny [force]"),
            ThpMode::Always
        );
        assert_eq!(
            m("always within_size [advise] never deny force"),
            ThpMode::Never
        );
        assert_eq!(
            m("always within_size advise never [deny] force"),
            ThpMode::Never
        );
        assert_eq!(m(""), ThpMode::Never);
        assert_eq!(m("[garbage"), ThpMode::Never);
    }

    #[test]
    fn thp_text_brackets_the_mode() {
        assert_eq!(ThpMode::Never.text(), "always madvise [never]\n");
        assert_eq!(ThpMode::Always.text(), "[always] madvise never\n");
    }

    #[test]
    fn host_cpus_are_the_affinity_mask() {
        let cpus = host_cpus();
        assert!(cpus.windows(2).all(|w| w[0] < w[1]), "{cpus:?}");
        let n = std::thread::available_parallelism().map_or(1, |n| n.get());
        assert!(cpus.len() >= n, "{cpus:?} vs {n}");
    }
}
