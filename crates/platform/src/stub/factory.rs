//! The stub factory: one long-lived host thread that forks stubs and traces
//! their first thread.
//!
//! Why a dedicated thread: the parent-death signal of a stub fires when the
//! *thread* that forked it exits, and a ptrace tracer is a thread too. Sentry
//! threads come and go (one per application thread), so stubs are forked by
//! a thread that lives as long as the process, and it stays the tracer of
//! each stub's leader thread. Work that must run as that tracer (injecting
//! system calls into a leader) is sent to it with [`run`].

use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::mpsc::{sync_channel, Receiver, SyncSender};
use std::sync::{Mutex, OnceLock};

use crate::{Error, Result};

type Job = Box<dyn FnOnce() + Send>;

static FACTORY: OnceLock<Mutex<SyncSender<Job>>> = OnceLock::new();

/// The factory thread's id, once it runs (0 before).
static FACTORY_TID: AtomicI32 = AtomicI32::new(0);

fn sender() -> Result<SyncSender<Job>> {
    let m = FACTORY.get_or_init(|| {
        let (tx, rx) = sync_channel::<Job>(16);
        // A failed spawn leaves a sender whose receiver is gone; `run` then
        // reports an error instead of hanging.
        let _ = std::thread::Builder::new()
            .name("stub-factory".into())
            .spawn(move || serve(rx));
        Mutex::new(tx)
    });
    let guard = m
        .lock()
        .map_err(|_| Error::Invalid("stub factory lock poisoned"))?;
    Ok(guard.clone())
}

fn serve(rx: Receiver<Job>) {
    super::locality::remember_original();
    FACTORY_TID.store(crate::sys::gettid(), Ordering::Relaxed);
    while let Ok(job) = rx.recv() {
        // A panicking job must not take the factory (and every stub it
        // traces) down with it; the caller sees its reply channel close.
        let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(job));
    }
}

/// Runs `f` on the factory thread and returns its result.
pub fn run<R: Send + 'static>(f: impl FnOnce() -> R + Send + 'static) -> Result<R> {
    let (tx, rx) = sync_channel::<R>(1);
    let job: Job = Box::new(move || {
        let _ = tx.send(f());
    });
    let tx = sender()?;
    super::locality::follow_caller(FACTORY_TID.load(Ordering::Relaxed));
    tx.send(job)
        .map_err(|_| Error::Invalid("stub factory thread is gone"))?;
    rx.recv()
        .map_err(|_| Error::Invalid("stub factory job failed"))
}

/// Whether the calling thread is the factory thread.
pub fn on_factory() -> bool {
    std::thread::current().name() == Some("stub-factory")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jobs_run_on_one_thread() {
        let a = run(crate::sys::gettid).unwrap();
        let b = run(crate::sys::gettid).unwrap();
        assert_eq!(a, b);
        assert_ne!(a, crate::sys::gettid());
        assert!(run(on_factory).unwrap());
        assert!(!on_factory());
    }

    #[test]
    fn a_panicking_job_is_an_error_and_the_factory_survives() {
        let r: Result<()> = run(|| panic!("boom"));
        assert!(r.is_err());
        assert_eq!(run(|| 7).unwrap(), 7);
    }
}
