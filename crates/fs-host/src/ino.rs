//! Stable sandbox inode numbers from host `(dev, ino)` pairs.
//!
//! One host tree can span several host filesystems (a bind mount, `/boot`),
//! whose inode numbers overlap; the sandbox sees one `st_dev`, so numbers
//! from the second and later host devices get the device's index in the top
//! byte. The same host file always gets the same number.

/// Bits of the inode number left to the host; the rest hold the device index.
const DEV_SHIFT: u32 = 56;

/// The host devices seen so far, in first-seen order.
pub(crate) struct InoMap {
    devs: spin::Mutex<Vec<u64>>,
}

impl InoMap {
    pub(crate) fn new() -> InoMap {
        InoMap {
            devs: spin::Mutex::new(Vec::new()),
        }
    }

    /// The sandbox inode number of host inode `ino` on host device `dev`.
    pub(crate) fn map(&self, dev: u64, ino: u64) -> u64 {
        let mut devs = self.devs.lock();
        let idx = match devs.iter().position(|d| *d == dev) {
            Some(i) => i,
            None => {
                devs.push(dev);
                devs.len() - 1
            }
        };
        // At most 255 extra devices get distinct tags; beyond that they share.
        let tag = (idx as u64).min(0xff);
        ino ^ (tag << DEV_SHIFT)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_device_keeps_numbers_others_are_tagged() {
        let m = InoMap::new();
        assert_eq!(m.map(7, 42), 42);
        assert_eq!(m.map(9, 42), 42 ^ (1 << 56));
        assert_eq!(m.map(7, 42), 42);
        assert_ne!(m.map(9, 42), m.map(7, 42));
    }
}
