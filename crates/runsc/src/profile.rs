//! `--profile=FILE`: writes the kernel's system-call profile of the run to
//! FILE when the sandboxed program has ended, however it ended. FILE is
//! created before the program starts, so a bad path fails at once rather
//! than after the run.

use anyhow::{Context, Result};
use kernel::Kernel;
use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::Duration;

/// The created, still empty profile file.
#[derive(Debug)]
pub struct ProfileFile {
    file: File,
    path: PathBuf,
}

impl ProfileFile {
    /// Creates (or truncates) `path`.
    pub fn create(path: &Path) -> Result<ProfileFile> {
        let file =
            File::create(path).with_context(|| format!("creating --profile {}", path.display()))?;
        Ok(ProfileFile {
            file,
            path: path.to_path_buf(),
        })
    }

    /// Writes `k`'s profile: a header naming the command, the platform and
    /// the wall time, then the `strace -c`-like table. Writes nothing when
    /// `k` does not profile.
    pub fn write(mut self, k: &Kernel, argv: &[String], wall: Duration) -> Result<()> {
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
        self.file
            .write_all(text.as_bytes())
            .with_context(|| format!("writing --profile {}", self.path.display()))
    }
}
