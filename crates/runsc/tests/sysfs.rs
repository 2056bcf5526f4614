//! End-to-end test of our `/sys`: what programs read to size themselves
//! agrees with what the sandbox's own system calls say, on both platforms.

mod common;

use common::{runsc, PLATFORMS};

fn stdout(p: &str, args: &[&str]) -> String {
    let o = runsc(p, args);
    assert_eq!(
        o.status.code(),
        Some(0),
        "{p} {args:?}: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8_lossy(&o.stdout).into_owned()
}

/// The CPU numbers of a Linux CPU list ("0-3,6").
fn expand(list: &str) -> Vec<usize> {
    let mut cpus = Vec::new();
    for part in list.trim().split(',') {
        let (a, b) = part.split_once('-').unwrap_or((part, part));
        let (a, b): (usize, usize) = (a.parse().unwrap(), b.parse().unwrap());
        cpus.extend(a..=b);
    }
    cpus
}

#[test]
fn cpu_online_agrees_with_nproc_inside() {
    for p in PLATFORMS {
        let online = stdout(p, &["/bin/cat", "/sys/devices/system/cpu/online"]);
        let nproc: usize = stdout(p, &["/usr/bin/nproc"]).trim().parse().unwrap();
        let cpus = expand(&online);
        assert_eq!(cpus.len(), nproc, "{p}: online {online:?}, nproc {nproc}");
        // glibc's get_nprocs reads `online`; get_nprocs_conf counts cpu<N>.
        let onln = stdout(p, &["/usr/bin/getconf", "_NPROCESSORS_ONLN"]);
        let conf = stdout(p, &["/usr/bin/getconf", "_NPROCESSORS_CONF"]);
        assert_eq!(onln.trim(), nproc.to_string(), "{p}");
        assert_eq!(conf.trim(), nproc.to_string(), "{p}");
        let dirs = stdout(p, &["/bin/ls", "/sys/devices/system/cpu"]);
        let want: Vec<String> = cpus
            .iter()
            .map(|c| format!("cpu{c}"))
            .chain(["online", "possible", "present"].map(String::from))
            .collect();
        assert_eq!(dirs.lines().collect::<Vec<_>>(), want, "{p}");
    }
}

#[test]
fn the_rest_of_sys() {
    let p = "systrap";
    let thp = stdout(
        p,
        &["/bin/cat", "/sys/kernel/mm/transparent_hugepage/enabled"],
    );
    assert!(
        thp == "always madvise [never]\n" || thp == "[always] madvise never\n",
        "{thp:?}"
    );
    assert_eq!(
        stdout(p, &["/bin/ls", "-A", "/sys/fs/cgroup", "/sys/class/net"]),
        "/sys/class/net:\n\n/sys/fs/cgroup:\n"
    );
    let o = runsc(p, &["/usr/bin/touch", "/sys/x"]);
    assert_ne!(o.status.code(), Some(0), "/sys is read-only");
    let mounts = stdout(p, &["/bin/grep", " /sys ", "/proc/mounts"]);
    assert!(mounts.starts_with("sysfs /sys sysfs ro,"), "{mounts}");
}
