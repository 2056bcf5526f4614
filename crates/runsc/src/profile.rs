//! `--profile=FILE`: writes the kernel's system-call profile of the run to
//! FILE when the sandboxed program has ended, however it ended.

use anyhow::{Context, Result};
use kernel::Kernel;
use std::path::Path;
use std::time::Duration;

/// Writes `k`'s profile to `path`: a header naming the command, the
/// platform and the wall time, then the `strace -c`-like table. Does
/// nothing when `k` does not profile.
pub fn write(k: &Kernel, path: &Path, argv: &[String], wall: Duration) -> Result<()> {
    let Some(profile) = k.profile() else {
        return Ok(());
    };
    let text = format!(
        "# runsc --profile: {}\n# platform {}, wall {:.6} s; time is the Sentry's, from \
         system-call entry to exit (blocking included, switches excluded)\n{}",
        argv.join(" "),
        k.platform().name(),
        wall.as_secs_f64(),
        profile.render()
    );
    std::fs::write(path, text).with_context(|| format!("writing --profile {}", path.display()))
}
