//! The layering rule, checked on `cargo metadata`.
//!
//! Every workspace crate declares its layer in its manifest:
//! `[package.metadata.sandbox] layer = "..."`. Dependencies only point down:
//! `abi` <- `mm`, `vfs`, `net`, `platform` <- `kernel` <- `runsc`. A crate split
//! out of a layer (e.g. `fs-tmpfs`) declares that layer and may depend on the
//! crates of its own layer and those below. Edges between different layers of
//! the same rank (`mm` -> `vfs`) are sideways and rejected. `tool` crates
//! (xtask, check crates) may depend on anything, and nothing may depend on them.
//!
//! The rule also covers unsafe code: every crate's roots carry
//! `#![forbid(unsafe_code)]` unless its manifest gives `unsafe-reason`.

use serde_json::Value;
use std::collections::BTreeMap;
use std::fmt;

/// The layers and their rank; a dependency must point to a lower rank or to
/// the same layer.
const LAYERS: &[(&str, u32)] = &[
    ("abi", 0),
    ("mm", 1),
    ("vfs", 1),
    ("net", 1),
    ("platform", 1),
    ("kernel", 2),
    ("runsc", 3),
];

/// The layer for automation and check crates, outside the product's stack.
const TOOL: &str = "tool";

/// One broken rule, phrased for the person who has to fix it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Violation(pub String);

impl fmt::Display for Violation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A workspace crate as the checks see it.
#[derive(Debug, Clone)]
pub struct Crate {
    /// Package name.
    pub name: String,
    /// Declared layer, if any.
    pub layer: Option<String>,
    /// Declared reason for allowing unsafe code, if any.
    pub unsafe_reason: Option<String>,
    /// Names of the packages it depends on (all dependency kinds).
    pub deps: Vec<String>,
    /// Source files of its lib and bin targets.
    pub roots: Vec<String>,
}

/// Extracts the workspace crates from `cargo metadata` JSON.
pub fn crates(meta: &Value) -> Vec<Crate> {
    let members: Vec<&str> = meta["workspace_members"]
        .as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default();
    let mut out = Vec::new();
    for p in meta["packages"].as_array().into_iter().flatten() {
        let Some(id) = p["id"].as_str() else { continue };
        if !members.contains(&id) {
            continue;
        }
        let sandbox = &p["metadata"]["sandbox"];
        out.push(Crate {
            name: p["name"].as_str().unwrap_or_default().to_string(),
            layer: sandbox["layer"].as_str().map(str::to_string),
            unsafe_reason: sandbox["unsafe-reason"].as_str().map(str::to_string),
            deps: p["dependencies"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|d| d["name"].as_str().map(str::to_string))
                .collect(),
            roots: p["targets"]
                .as_array()
                .into_iter()
                .flatten()
                .filter(|t| {
                    t["kind"].as_array().is_some_and(|k| {
                        k.iter()
                            .any(|k| matches!(k.as_str(), Some("lib" | "bin" | "proc-macro")))
                    })
                })
                .filter_map(|t| t["src_path"].as_str().map(str::to_string))
                .collect(),
        });
    }
    out
}

fn rank(layer: &str) -> Option<u32> {
    LAYERS.iter().find(|(l, _)| *l == layer).map(|(_, r)| *r)
}

/// Checks the dependency edges between workspace crates.
pub fn check_layers(crates: &[Crate]) -> Vec<Violation> {
    let layer_of: BTreeMap<&str, Option<&str>> = crates
        .iter()
        .map(|c| (c.name.as_str(), c.layer.as_deref()))
        .collect();
    let mut v = Vec::new();
    for c in crates {
        let Some(layer) = c.layer.as_deref() else {
            v.push(Violation(format!(
                "crate `{}` declares no layer: add `[package.metadata.sandbox] layer = \"...\"` \
                 (one of {}, or \"tool\")",
                c.name,
                LAYERS
                    .iter()
                    .map(|(l, _)| *l)
                    .collect::<Vec<_>>()
                    .join(", ")
            )));
            continue;
        };
        if layer != TOOL && rank(layer).is_none() {
            v.push(Violation(format!(
                "crate `{}` declares unknown layer `{layer}`",
                c.name
            )));
            continue;
        }
        for dep in &c.deps {
            let Some(dep_layer) = layer_of.get(dep.as_str()) else {
                continue; // not one of ours
            };
            let Some(dep_layer) = dep_layer else {
                continue; // reported on its own
            };
            if *dep_layer == TOOL {
                v.push(Violation(format!(
                    "`{}` ({layer}) depends on tool crate `{dep}`",
                    c.name
                )));
                continue;
            }
            if layer == TOOL || layer == *dep_layer {
                continue;
            }
            let (Some(from), Some(to)) = (rank(layer), rank(dep_layer)) else {
                continue;
            };
            if to > from {
                v.push(Violation(format!(
                    "`{}` ({layer}) depends on `{dep}` ({dep_layer}): dependencies must point down",
                    c.name
                )));
            } else if to == from {
                v.push(Violation(format!(
                    "`{}` ({layer}) depends on `{dep}` ({dep_layer}): sideways edge between layers \
                     of the same rank",
                    c.name
                )));
            }
        }
    }
    v
}

/// Checks that every crate root forbids unsafe code unless its manifest says why
/// it may not.
pub fn check_unsafe(crates: &[Crate], read: impl Fn(&str) -> Option<String>) -> Vec<Violation> {
    let mut v = Vec::new();
    for c in crates {
        if c.unsafe_reason
            .as_deref()
            .is_some_and(|r| !r.trim().is_empty())
        {
            continue;
        }
        for root in &c.roots {
            match read(root) {
                Some(text) if text.contains("#![forbid(unsafe_code)]") => {}
                Some(_) => v.push(Violation(format!(
                    "{root} (crate `{}`) lacks #![forbid(unsafe_code)]; add it or give \
                     `unsafe-reason` in [package.metadata.sandbox]",
                    c.name
                ))),
                None => v.push(Violation(format!("cannot read {root}"))),
            }
        }
    }
    v
}

#[cfg(test)]
mod tests {
    use super::*;

    fn krate(name: &str, layer: &str, deps: &[&str]) -> Crate {
        Crate {
            name: name.into(),
            layer: Some(layer.into()),
            unsafe_reason: None,
            deps: deps.iter().map(|d| d.to_string()).collect(),
            roots: vec![],
        }
    }

    fn real() -> Vec<Crate> {
        let meta = crate::util::metadata().expect("cargo metadata");
        crates(&meta)
    }

    #[test]
    fn the_workspace_is_layered() {
        let cs = real();
        assert!(cs.iter().any(|c| c.name == "abi"));
        assert_eq!(check_layers(&cs), vec![]);
    }

    #[test]
    fn an_upward_edge_in_a_scratch_copy_of_the_metadata_fails() {
        let mut meta = crate::util::metadata().expect("cargo metadata");
        // Add a forbidden edge abi -> platform to the real metadata.
        let pkgs = meta["packages"].as_array_mut().expect("packages");
        let abi = pkgs
            .iter_mut()
            .find(|p| p["name"] == "abi")
            .expect("abi package");
        abi["dependencies"]
            .as_array_mut()
            .expect("deps")
            .push(serde_json::json!({"name": "platform", "kind": null}));
        let v = check_layers(&crates(&meta));
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].0.contains("must point down"), "{v:?}");
    }

    #[test]
    fn sideways_tool_and_undeclared_edges_fail() {
        let cs = vec![
            krate("abi", "abi", &[]),
            krate("mm", "mm", &["abi", "vfs"]),
            krate("vfs", "vfs", &["abi"]),
            krate("fs-tmpfs", "vfs", &["vfs", "abi"]),
            krate("kernel", "kernel", &["mm", "vfs", "fs-tmpfs", "xtask"]),
            krate("xtask", "tool", &["kernel"]),
            Crate {
                layer: None,
                ..krate("stray", "abi", &[])
            },
        ];
        let v = check_layers(&cs);
        assert_eq!(v.len(), 3, "{v:?}");
        assert!(v.iter().any(|x| x.0.contains("`mm` (mm) depends on `vfs`")));
        assert!(v.iter().any(|x| x.0.contains("tool crate `xtask`")));
        assert!(v.iter().any(|x| x.0.contains("`stray` declares no layer")));
    }

    #[test]
    fn unsafe_check_requires_forbid_or_reason() {
        let mut a = krate("a", "abi", &[]);
        a.roots = vec!["a.rs".into()];
        let mut b = krate("b", "platform", &[]);
        b.roots = vec!["b.rs".into()];
        b.unsafe_reason = Some("talks to the host".into());
        let mut c = krate("c", "mm", &[]);
        c.roots = vec!["c.rs".into()];
        let read = |p: &str| {
            Some(match p {
                "c.rs" => "#![forbid(unsafe_code)]\n".to_string(),
                _ => "fn main() {}".to_string(),
            })
        };
        let v = check_unsafe(&[a, b, c], read);
        assert_eq!(v.len(), 1, "{v:?}");
        assert!(v[0].0.contains("crate `a`"));
    }

    #[test]
    fn the_workspace_forbids_unsafe_outside_platform() {
        let v = check_unsafe(&real(), |p| std::fs::read_to_string(p).ok());
        assert_eq!(v, vec![]);
    }
}
