//! Populated pages of one address space: which frame backs which virtual
//! page, and what the platform currently has mapped.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::addr::{ProtFlags, PAGE_SIZE};
use crate::frame::Frame;
use crate::op::PlatformOp;

/// One populated virtual page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Pte {
    /// The memory-file page backing it; this entry holds one reference.
    pub(crate) frame: Frame,
    /// Whether writes may go straight to `frame` (false while a private page
    /// is shared copy-on-write or is still the file's own page).
    pub(crate) writable: bool,
    /// Whether `frame` is a private anonymous copy (may be reused for a
    /// write when this entry holds its only reference).
    pub(crate) anon: bool,
    /// Whether the platform currently maps this page.
    pub(crate) mapped: bool,
}

impl Pte {
    /// The protection the platform gives the page under area protection
    /// `prot`: without write access while copy-on-write, but still readable
    /// (on x86-64 a write-only page can be read).
    pub(crate) fn effective(&self, prot: ProtFlags) -> ProtFlags {
        if self.writable || !prot.contains(ProtFlags::PROT_WRITE) {
            prot
        } else {
            (prot - ProtFlags::PROT_WRITE) | ProtFlags::PROT_READ
        }
    }
}

/// Populated pages keyed by page address.
#[derive(Clone, Debug, Default)]
pub(crate) struct PageTable {
    map: BTreeMap<u64, Pte>,
}

impl PageTable {
    pub(crate) fn get(&self, page: u64) -> Option<&Pte> {
        self.map.get(&page)
    }

    pub(crate) fn insert(&mut self, page: u64, pte: Pte) -> Option<Pte> {
        self.map.insert(page, pte)
    }

    /// Removes every entry.
    pub(crate) fn take_all(&mut self) -> BTreeMap<u64, Pte> {
        core::mem::take(&mut self.map)
    }

    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = (&u64, &Pte)> {
        self.map.iter()
    }

    pub(crate) fn range(&self, start: u64, end: u64) -> impl Iterator<Item = (&u64, &Pte)> {
        self.map.range(start..end)
    }

    pub(crate) fn range_mut(
        &mut self,
        start: u64,
        end: u64,
    ) -> impl Iterator<Item = (&u64, &mut Pte)> {
        self.map.range_mut(start..end)
    }

    /// Removes the entries in `[start, end)`, returning them in order.
    pub(crate) fn remove_range(&mut self, start: u64, end: u64) -> Vec<(u64, Pte)> {
        if start >= end {
            return Vec::new();
        }
        // Key by key: `BTreeMap::append` would cost the whole table.
        let keys: Vec<u64> = self.map.range(start..end).map(|(&k, _)| k).collect();
        keys.into_iter()
            .filter_map(|k| self.map.remove(&k).map(|p| (k, p)))
            .collect()
    }
}

/// Appends `Protect` ops for runs of consecutive `(page, prot)` pairs with
/// equal protection.
pub(crate) fn push_protect_runs(
    ops: &mut Vec<PlatformOp>,
    pages: impl Iterator<Item = (u64, ProtFlags)>,
) {
    let mut run: Option<(u64, u64, ProtFlags)> = None;
    for (page, prot) in pages {
        match &mut run {
            Some((_, end, p)) if *end == page && *p == prot => *end += PAGE_SIZE,
            _ => {
                if let Some((s, e, p)) = run.take() {
                    ops.push(PlatformOp::Protect {
                        addr: s,
                        len: e - s,
                        prot: p,
                    });
                }
                run = Some((page, page + PAGE_SIZE, prot));
            }
        }
    }
    if let Some((s, e, p)) = run {
        ops.push(PlatformOp::Protect {
            addr: s,
            len: e - s,
            prot: p,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const P: u64 = PAGE_SIZE;

    fn pte(n: u64) -> Pte {
        Pte {
            frame: Frame(n),
            writable: true,
            anon: true,
            mapped: true,
        }
    }

    #[test]
    fn remove_range_keeps_outside() {
        let mut t = PageTable::default();
        for i in 0..6 {
            t.insert(i * P, pte(i));
        }
        let gone = t.remove_range(2 * P, 4 * P);
        assert_eq!(gone.iter().map(|g| g.0).collect::<Vec<_>>(), [2 * P, 3 * P]);
        assert_eq!(t.len(), 4);
        assert!(t.get(4 * P).is_some() && t.get(P).is_some());
        assert!(t.remove_range(4 * P, 4 * P).is_empty());
    }

    #[test]
    fn protect_runs_coalesce() {
        let mut ops = Vec::new();
        let pages = [
            (0, ProtFlags::PROT_READ),
            (P, ProtFlags::PROT_READ),
            (3 * P, ProtFlags::PROT_READ),
            (4 * P, ProtFlags::PROT_WRITE),
        ];
        push_protect_runs(&mut ops, pages.into_iter());
        assert_eq!(
            ops,
            [
                PlatformOp::Protect {
                    addr: 0,
                    len: 2 * P,
                    prot: ProtFlags::PROT_READ
                },
                PlatformOp::Protect {
                    addr: 3 * P,
                    len: P,
                    prot: ProtFlags::PROT_READ
                },
                PlatformOp::Protect {
                    addr: 4 * P,
                    len: P,
                    prot: ProtFlags::PROT_WRITE
                },
            ]
        );
    }

    #[test]
    fn effective_drops_write_when_not_writable() {
        let mut p = pte(1);
        assert_eq!(
            p.effective(ProtFlags::PROT_READ | ProtFlags::PROT_WRITE),
            ProtFlags::PROT_READ | ProtFlags::PROT_WRITE
        );
        p.writable = false;
        assert_eq!(
            p.effective(ProtFlags::PROT_READ | ProtFlags::PROT_WRITE),
            ProtFlags::PROT_READ
        );
        assert_eq!(p.effective(ProtFlags::PROT_WRITE), ProtFlags::PROT_READ);
        assert_eq!(p.effective(ProtFlags::PROT_EXEC), ProtFlags::PROT_EXEC);
    }
}
