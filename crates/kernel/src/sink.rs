//! Where the kernel's diagnostic lines go: the debug log and the strace log.
//!
//! The kernel never opens host files for logging itself; the caller (runsc)
//! hands it a [`Sink`] for each stream, and tests hand it a [`MemorySink`].

use std::sync::Mutex;

/// A destination for whole lines of text (no trailing newline is passed).
pub trait Sink: Send + Sync {
    /// Writes one line. Failures are the sink's business: logging must never
    /// change what the application sees.
    fn write_line(&self, line: &str);
}

/// A sink that keeps every line in memory, for tests and for callers that
/// want to inspect the log afterwards.
#[derive(Debug, Default)]
pub struct MemorySink {
    lines: Mutex<Vec<String>>,
}

impl MemorySink {
    /// Creates an empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// A copy of the lines written so far, oldest first.
    pub fn lines(&self) -> Vec<String> {
        match self.lines.lock() {
            Ok(l) => l.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        }
    }
}

impl Sink for MemorySink {
    fn write_line(&self, line: &str) {
        let mut l = match self.lines.lock() {
            Ok(l) => l,
            Err(poisoned) => poisoned.into_inner(),
        };
        l.push(line.to_owned());
    }
}

/// A sink that writes each line to the host's standard error.
#[derive(Debug, Default, Clone, Copy)]
pub struct StderrSink;

impl Sink for StderrSink {
    fn write_line(&self, line: &str) {
        use std::io::Write;
        let mut e = std::io::stderr().lock();
        // A failed diagnostic write must not affect the application.
        let _ = writeln!(e, "{line}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn memory_sink_keeps_lines_in_order() {
        let s = MemorySink::new();
        s.write_line("a");
        s.write_line("b");
        assert_eq!(s.lines(), vec!["a".to_owned(), "b".to_owned()]);
    }
}
