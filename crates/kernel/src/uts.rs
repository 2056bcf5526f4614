//! The sandbox's UTS names (host and NIS domain name), which `uname(2)`
//! reports and `sethostname(2)`/`setdomainname(2)` change. The sandbox is
//! one UTS namespace: a change is seen by every process in it.

use std::sync::Mutex;

/// Which name a setter changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UtsName {
    /// `sethostname(2)`.
    Host,
    /// `setdomainname(2)`.
    Domain,
}

/// `__NEW_UTS_LEN`: the longest name.
pub const NEW_UTS_LEN: usize = 64;

/// Reads a name slot.
pub fn get(slot: &Mutex<String>) -> String {
    match slot.lock() {
        Ok(h) => h.clone(),
        Err(p) => p.into_inner().clone(),
    }
}

/// Replaces a name slot.
pub fn set(slot: &Mutex<String>, name: String) {
    match slot.lock() {
        Ok(mut h) => *h = name,
        Err(p) => *p.into_inner() = name,
    }
}
