//! The systems a case runs on: native Linux, our runsc per platform, the
//! peers present on the machine (Debian's gVisor, proot) and, for the
//! container start-up case, podman with each OCI runtime; and which cases
//! apply to which system.

use super::cases::{self, Case, Needs};
use crate::util;
use std::path::{Path, PathBuf};

/// A system under test: a name and the command prefix that runs a program on it.
#[derive(Debug, Clone, Default)]
pub struct System {
    /// Short name used in tables (`native`, `runsc-systrap`, `gvisor`, ...).
    pub name: String,
    /// Prefix put before the program and its arguments.
    pub prefix: Vec<String>,
    /// Our runsc (which has no OCI create/start yet).
    pub ours: bool,
    /// A container engine driving a runtime: runs only the podman cases.
    pub podman: bool,
    /// Sees the host's filesystem directly (native, proot): writes go to
    /// the host unless placed elsewhere (see `bench/places.rs`).
    pub host_fs: bool,
    /// Runs only these cases (a variant measured where it matters).
    pub only: Option<&'static [&'static str]>,
}

/// The systrap wake-up schemes measured besides the default (`adaptive`,
/// which is `runsc-systrap`), as `runsc-systrap-<scheme>`.
const WAKE_SCHEMES: [&str; 3] = ["futex", "spin", "locality"];

/// The cases where the wake-up scheme matters: one hand-off per system
/// call, and hand-offs between two application processes.
pub const WAKE_CASES: &[&str] = &["null syscall (getpid)", "pipe ping-pong"];

/// Whether `case` runs on `system`: `None` when it does not apply (the
/// cell stays empty), `Some(Err(why))` when the system cannot do it yet.
pub fn applies(system: &System, case: &Case) -> Option<std::result::Result<(), String>> {
    if system.only.is_some_and(|only| !only.contains(&case.name)) {
        return None;
    }
    match (case.needs, system.podman) {
        (Needs::Podman, false) | (Needs::Nothing | Needs::Network, true) => None,
        (Needs::Podman, true) if system.ours => Some(Err(format!(
            "{UNAVAILABLE}our runsc has no OCI create/start yet"
        ))),
        _ => Some(Ok(())),
    }
}

/// How a sample that was not taken because the system cannot run the case
/// starts (the report shows it as such, not as a failure).
pub const UNAVAILABLE: &str = "not available: ";

/// Every system present; what is missing is said in `notes`. `runsc` is
/// our binary (default: a release build of this tree, made first).
pub fn systems(runsc: Option<PathBuf>, out_dir: &Path, notes: &mut Vec<String>) -> Vec<System> {
    let mut v = vec![System {
        name: "native".into(),
        host_fs: true,
        ..System::default()
    }];
    // Without --runsc, measure a fresh release build of this tree, never a
    // stale binary left in the target directory.
    let ours = match runsc {
        Some(p) => Some(p),
        None => match util::cargo(&["build", "--release", "--quiet", "-p", "runsc"]) {
            Ok(()) => Some(util::target_dir().join("release/runsc")),
            Err(e) => {
                notes.push(format!(
                    "building runsc failed, our systems are skipped: {e}"
                ));
                None
            }
        },
    };
    match &ours {
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
                    ours: true,
                    ..System::default()
                });
            }
            for scheme in WAKE_SCHEMES {
                v.push(System {
                    name: format!("runsc-systrap-{scheme}"),
                    prefix: vec![
                        p.display().to_string(),
                        "--platform=systrap".into(),
                        format!("--systrap-wake={scheme}"),
                        "--network=none".into(),
                        "do".into(),
                    ],
                    ours: true,
                    only: Some(WAKE_CASES),
                    ..System::default()
                });
            }
        }
        None => notes.push("our runsc is not built (cargo xtask build); skipping it".into()),
    }
    if Path::new("/usr/bin/runsc").exists() {
        v.push(System {
            name: "gvisor".into(),
            prefix: vec![
                "/usr/bin/runsc".into(),
                "--network=none".into(),
                "do".into(),
            ],
            ..System::default()
        });
    } else {
        notes.push("Debian's gVisor (/usr/bin/runsc, package runsc) is absent; skipping it".into());
    }
    if Path::new("/usr/bin/proot").exists() {
        v.push(System {
            name: "proot".into(),
            prefix: vec!["/usr/bin/proot".into()],
            host_fs: true,
            ..System::default()
        });
    } else {
        notes.push("proot is absent; skipping it".into());
    }
    podman_systems(ours.as_deref(), out_dir, &mut v, notes);
    v
}

/// `podman run` with each OCI runtime present, when podman is installed;
/// ours is listed but marked unsupported (it has no OCI create/start).
fn podman_systems(
    ours: Option<&Path>,
    out_dir: &Path,
    v: &mut Vec<System>,
    notes: &mut Vec<String>,
) {
    let Some(podman) = which("podman") else {
        notes.push("podman not installed: the `podman run` case is skipped".into());
        return;
    };
    if let Err(e) = cases::podman_image(&podman, out_dir) {
        notes.push(format!(
            "podman: no image ({e:#}): the `podman run` case is skipped"
        ));
        return;
    }
    let mut runtimes: Vec<(String, PathBuf, bool)> = ["runc", "crun"]
        .iter()
        .filter_map(|r| which(r).map(|p| (r.to_string(), p, false)))
        .collect();
    if let Some(p) = ours {
        runtimes.push(("runsc".into(), p.to_path_buf(), true));
    }
    for (name, path, is_ours) in runtimes {
        v.push(System {
            name: format!("podman-{name}"),
            prefix: vec![
                podman.display().to_string(),
                "--runtime".into(),
                path.display().to_string(),
                "run".into(),
                "--rm".into(),
                "--network=none".into(),
                cases::PODMAN_IMAGE.into(),
            ],
            ours: is_ours,
            podman: true,
            host_fs: false,
            only: None,
        });
    }
}

/// The first `name` on `PATH`.
fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::bench::cases::Fixtures;

    #[test]
    fn wake_scheme_systems_run_only_their_cases_which_exist() {
        let fx = Fixtures {
            micro: "m".into(),
            micro_src: "m.c".into(),
            tree_tar: "t.tar".into(),
        };
        let all = cases::all(&fx, true);
        for name in WAKE_CASES {
            assert!(all.iter().any(|c| c.name == *name), "{name}");
        }
        let mut notes = Vec::new();
        let v = systems(
            Some("/x/runsc".into()),
            Path::new("/nonexistent"),
            &mut notes,
        );
        for scheme in WAKE_SCHEMES {
            let s = v
                .iter()
                .find(|s| s.name == format!("runsc-systrap-{scheme}"))
                .unwrap();
            assert!(s.prefix.contains(&format!("--systrap-wake={scheme}")));
            for c in &all {
                let runs = applies(s, c).is_some();
                assert_eq!(runs, WAKE_CASES.contains(&c.name), "{} {}", s.name, c.name);
            }
        }
        let default = v.iter().find(|s| s.name == "runsc-systrap").unwrap();
        assert!(all
            .iter()
            .all(|c| c.needs == Needs::Podman || applies(default, c) == Some(Ok(()))));
    }
}
