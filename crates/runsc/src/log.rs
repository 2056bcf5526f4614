//! Where the Sentry's debug log and strace output go: stderr or a file.

use anyhow::{Context, Result};
use kernel::{Sink, StderrSink};
use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::{Arc, Mutex};

/// A sink writing whole lines to a file opened for appending.
struct FileSink(Mutex<File>);

impl Sink for FileSink {
    fn write_line(&self, line: &str) {
        if let Ok(mut f) = self.0.lock() {
            let _ = writeln!(f, "{line}");
        }
    }
}

/// The sink for `--debug-log=FILE`, or stderr without one.
pub fn sink(path: Option<&Path>) -> Result<Arc<dyn Sink>> {
    Ok(match path {
        Some(p) => {
            let f = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(p)
                .with_context(|| format!("opening debug log {}", p.display()))?;
            Arc::new(FileSink(Mutex::new(f)))
        }
        None => Arc::new(StderrSink),
    })
}
