//! The ordered set of areas of one address space, with the range surgery
//! (split, remove, merge) and free-gap search every operation needs.

use alloc::collections::BTreeMap;
use alloc::vec::Vec;

use crate::addr::PAGE_SIZE;
use crate::vma::{Vma, VmaFlags};

/// Linux's `stack_guard_gap`: 256 pages kept free below a grows-down area.
pub(crate) const STACK_GUARD_GAP: u64 = 256 * PAGE_SIZE;

/// Areas keyed by start address, never overlapping, plus the free gaps
/// between them (so placement does not walk every area: a packed address
/// space has few gaps however many areas it has).
#[derive(Clone, Debug)]
pub(crate) struct VmaSet {
    map: BTreeMap<u64, Vma>,
    /// Free ranges `start -> end` covering exactly what `map` does not.
    gaps: BTreeMap<u64, u64>,
    total_pages: u64,
    locked_pages: u64,
}

impl Default for VmaSet {
    fn default() -> Self {
        let mut gaps = BTreeMap::new();
        gaps.insert(0, u64::MAX);
        VmaSet {
            map: BTreeMap::new(),
            gaps,
            total_pages: 0,
            locked_pages: 0,
        }
    }
}

/// Pages and locked pages of an area.
fn weight(v: &Vma) -> (u64, u64) {
    let pages = v.len() / PAGE_SIZE;
    let locked = if v.flags.contains(VmaFlags::LOCKED) {
        pages
    } else {
        0
    };
    (pages, locked)
}

impl VmaSet {
    /// Number of areas.
    pub(crate) fn len(&self) -> usize {
        self.map.len()
    }

    /// Pages covered by all areas.
    pub(crate) fn total_pages(&self) -> u64 {
        self.total_pages
    }

    /// Pages covered by locked areas.
    pub(crate) fn locked_pages(&self) -> u64 {
        self.locked_pages
    }

    /// The area containing `addr`.
    pub(crate) fn find(&self, addr: u64) -> Option<&Vma> {
        self.map
            .range(..=addr)
            .next_back()
            .map(|(_, v)| v)
            .filter(|v| v.end > addr)
    }

    /// The first area ending above `addr` (Linux `find_vma`).
    pub(crate) fn find_above(&self, addr: u64) -> Option<&Vma> {
        self.find(addr)
            .or_else(|| self.map.range(addr..).next().map(|(_, v)| v))
    }

    /// The last area starting below `addr`.
    pub(crate) fn find_below(&self, addr: u64) -> Option<&Vma> {
        self.map.range(..addr).next_back().map(|(_, v)| v)
    }

    /// Whether any area intersects `[start, end)`.
    pub(crate) fn overlaps(&self, start: u64, end: u64) -> bool {
        self.find_above(start).is_some_and(|v| v.start < end)
    }

    /// Areas intersecting `[start, end)`, in order.
    pub(crate) fn range(&self, start: u64, end: u64) -> impl Iterator<Item = &Vma> {
        let first = self.find(start).map_or(start, |v| v.start);
        self.map.range(first..end).map(|(_, v)| v)
    }

    /// All areas, in order.
    pub(crate) fn iter(&self) -> impl Iterator<Item = &Vma> {
        self.map.values()
    }

    /// Splits the area strictly containing `addr` in two (the covered
    /// range, and so the gaps and counts, stay the same).
    pub(crate) fn split_at(&mut self, addr: u64) {
        let Some(start) = self.find(addr).map(|v| v.start) else {
            return;
        };
        if start == addr {
            return;
        }
        if let Some(v) = self.map.get_mut(&start) {
            let upper = v.split_off(addr);
            self.map.insert(addr, upper);
        }
    }

    /// Inserts an area that overlaps none.
    pub(crate) fn insert(&mut self, v: Vma) {
        let (pages, locked) = weight(&v);
        self.total_pages += pages;
        self.locked_pages += locked;
        // Carve [start, end) out of the gap holding it.
        let holder = self
            .gaps
            .range(..=v.start)
            .next_back()
            .map(|(&s, &e)| (s, e));
        if let Some((gs, ge)) = holder.filter(|&(_, ge)| ge >= v.end) {
            self.gaps.remove(&gs);
            if gs < v.start {
                self.gaps.insert(gs, v.start);
            }
            if v.end < ge {
                self.gaps.insert(v.end, ge);
            }
        }

        self.map.insert(v.start, v);
    }

    /// Removes and returns the area starting at `start`.
    pub(crate) fn remove(&mut self, start: u64) -> Option<Vma> {
        let v = self.map.remove(&start)?;
        let (pages, locked) = weight(&v);
        self.total_pages -= pages;
        self.locked_pages -= locked;
        // Return [start, end) to the gaps, joining its neighbours.
        let mut gs = v.start;
        let mut ge = v.end;
        if let Some((&ps, _)) = self
            .gaps
            .range(..v.start)
            .next_back()
            .filter(|(_, &pe)| pe == v.start)
        {
            self.gaps.remove(&ps);
            gs = ps;
        }
        if let Some(ne) = self.gaps.remove(&v.end) {
            ge = ne;
        }
        self.gaps.insert(gs, ge);
        Some(v)
    }

    /// Removes every part of every area within `[start, end)`.
    pub(crate) fn remove_range(&mut self, start: u64, end: u64) -> Vec<Vma> {
        self.split_at(start);
        self.split_at(end);
        let starts: Vec<u64> = self.map.range(start..end).map(|(&s, _)| s).collect();
        starts.into_iter().filter_map(|s| self.remove(s)).collect()
    }

    /// Applies `f` to every area within `[start, end)` after splitting at the
    /// bounds; `f` may change anything but the range.
    pub(crate) fn update_range(&mut self, start: u64, end: u64, mut f: impl FnMut(&mut Vma)) {
        self.split_at(start);
        self.split_at(end);
        for v in self.map.range_mut(start..end).map(|(_, v)| v) {
            let (_, locked) = weight(v);
            f(v);
            let (_, now_locked) = weight(v);
            self.locked_pages = self.locked_pages - locked + now_locked;
        }
    }

    /// Merges mergeable neighbours among the areas touching `[start, end]`
    /// (the covered range, and so the gaps and counts, stay the same).
    pub(crate) fn merge_around(&mut self, start: u64, end: u64) {
        let mut cur = self
            .find_below(start)
            .map(|v| v.start)
            .or_else(|| self.map.range(start..).next().map(|(&s, _)| s));
        while let Some(s) = cur {
            if s > end {
                break;
            }
            let Some(v) = self.map.get(&s) else { break };
            let next_start = v.end;
            let mergeable = self.map.get(&next_start).is_some_and(|n| v.can_merge(n));
            if mergeable {
                if let Some(n) = self.map.remove(&next_start) {
                    if let Some(v) = self.map.get_mut(&s) {
                        v.end = n.end;
                    }
                }
                // Stay on `s`: it may now merge with the following area.
            } else {
                cur = self.map.range(s + 1..).next().map(|(&k, _)| k);
            }
        }
    }

    /// The highest address an area may end at below `v` (its guard gap
    /// kept free).
    fn gap_top(v: &Vma) -> u64 {
        if v.flags.contains(VmaFlags::GROWSDOWN) {
            v.start.saturating_sub(STACK_GUARD_GAP)
        } else {
            v.start
        }
    }

    /// The usable top of the gap ending at `ge`.
    fn usable_top(&self, ge: u64) -> u64 {
        self.map.get(&ge).map_or(ge, Self::gap_top)
    }

    /// Whether `[start, start + len)` is free and keeps clear of guard gaps.
    pub(crate) fn is_free(&self, start: u64, len: u64) -> bool {
        let Some(end) = start.checked_add(len) else {
            return false;
        };
        match self.gaps.range(..=start).next_back() {
            Some((_, &ge)) => end <= self.usable_top(ge),
            None => false,
        }
    }

    /// The highest `len`-byte free range inside `[low, high)`.
    pub(crate) fn find_gap_topdown(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        for (&gs, &ge) in self.gaps.range(..high).rev() {
            let top = self.usable_top(ge).min(high);
            let bottom = gs.max(low);
            if top >= bottom && top - bottom >= len {
                return Some(top - len);
            }
            if gs <= low {
                return None;
            }
        }
        None
    }

    /// The lowest `len`-byte free range inside `[low, high)`.
    pub(crate) fn find_gap_bottomup(&self, len: u64, low: u64, high: u64) -> Option<u64> {
        let first = self
            .gaps
            .range(..=low)
            .next_back()
            .map_or(low, |(&gs, _)| gs);
        for (&gs, &ge) in self.gaps.range(first..) {
            if gs >= high {
                return None;
            }
            let top = self.usable_top(ge).min(high);
            let bottom = gs.max(low);
            if top >= bottom && top - bottom >= len {
                return Some(bottom);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::addr::{ProtFlags, PROT_RWX};
    use crate::backing::Backing;

    fn anon(start: u64, end: u64, prot: ProtFlags) -> Vma {
        Vma {
            start,
            end,
            prot,
            max_prot: PROT_RWX,
            flags: VmaFlags::empty(),
            backing: Backing::Anonymous,
            name: None,
        }
    }

    const P: u64 = PAGE_SIZE;

    #[test]
    fn find_split_remove_merge() {
        let mut s = VmaSet::default();
        s.insert(anon(P, 5 * P, ProtFlags::PROT_READ));
        s.insert(anon(8 * P, 9 * P, ProtFlags::PROT_READ));
        assert_eq!(s.find(2 * P).map(|v| v.start), Some(P));
        assert!(s.find(5 * P).is_none());
        assert_eq!(s.find_above(5 * P).map(|v| v.start), Some(8 * P));
        let removed = s.remove_range(2 * P, 3 * P);
        assert_eq!(removed.len(), 1);
        assert_eq!(s.len(), 3);
        assert_eq!(s.total_pages(), 4);
        s.insert(anon(2 * P, 3 * P, ProtFlags::PROT_READ));
        s.merge_around(2 * P, 3 * P);
        assert_eq!(s.len(), 2);
        assert_eq!(s.find(P).map(|v| v.end), Some(5 * P));
        assert!(s.overlaps(4 * P, 6 * P));
        assert!(!s.overlaps(5 * P, 8 * P));
    }

    #[test]
    fn gaps() {
        let mut s = VmaSet::default();
        s.insert(anon(10 * P, 20 * P, ProtFlags::PROT_READ));
        s.insert(anon(22 * P, 30 * P, ProtFlags::PROT_READ));
        assert_eq!(s.find_gap_topdown(2 * P, P, 30 * P), Some(20 * P));
        assert_eq!(s.find_gap_topdown(3 * P, P, 30 * P), Some(7 * P));
        assert_eq!(s.find_gap_topdown(3 * P, 8 * P, 30 * P), None);
        assert_eq!(s.find_gap_topdown(P, P, 40 * P), Some(39 * P));
        assert_eq!(s.find_gap_bottomup(2 * P, 10 * P, 40 * P), Some(20 * P));
        assert_eq!(s.find_gap_bottomup(3 * P, 10 * P, 40 * P), Some(30 * P));
        assert_eq!(s.find_gap_bottomup(11 * P, 10 * P, 40 * P), None);
        assert!(s.is_free(20 * P, 2 * P));
        assert!(!s.is_free(20 * P, 3 * P));
    }

    #[test]
    fn guard_gap_below_stack() {
        let mut s = VmaSet::default();
        let mut stack = anon(1000 * P, 1010 * P, ProtFlags::PROT_READ);
        stack.flags = VmaFlags::GROWSDOWN;
        s.insert(stack);
        assert_eq!(
            s.find_gap_topdown(P, P, 1010 * P),
            Some(1000 * P - STACK_GUARD_GAP - P)
        );
        assert!(!s.is_free(999 * P, P));
    }

    /// Checks the gap map against the complement of the areas.
    fn check_gaps(s: &VmaSet) {
        let mut expect = alloc::vec::Vec::new();
        let mut cur = 0;
        for v in s.iter() {
            if v.start > cur {
                expect.push((cur, v.start));
            }
            cur = v.end;
        }
        if cur < u64::MAX {
            expect.push((cur, u64::MAX));
        }
        let got: alloc::vec::Vec<(u64, u64)> = s.gaps.iter().map(|(&a, &b)| (a, b)).collect();
        assert_eq!(got, expect);
    }

    /// Brute-force placement over a small window, guard gaps included.
    fn brute(s: &VmaSet, len: u64, low: u64, high: u64, topdown: bool) -> Option<u64> {
        let fits = |a: u64| {
            let end = a + len;
            let clear = s.iter().all(|v| v.end <= a || v.start >= end);
            let above = s.iter().find(|v| v.start >= end);
            end <= high && clear && above.is_none_or(|v| end <= VmaSet::gap_top(v))
        };
        let mut cands = (low / P..high / P).map(|p| p * P).filter(|&a| fits(a));
        if topdown {
            cands.next_back()
        } else {
            cands.next()
        }
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 64, ..Default::default() })]

        #[test]
        fn gaps_track_areas_and_placement_matches_brute_force(
            ops in proptest::collection::vec((0..600u64, 1..40u64, proptest::bool::ANY, 0..4u8), 1..40),
        ) {
            let mut s = VmaSet::default();
            for (page, n, grows, kind) in ops {
                let (start, end) = (P * page, P * (page + n));
                if kind == 0 {
                    s.remove_range(start, end);
                } else if !s.overlaps(start, end) {
                    let mut v = anon(start, end, ProtFlags::PROT_READ);
                    if grows {
                        v.flags = VmaFlags::GROWSDOWN;
                    }
                    s.insert(v);
                    s.merge_around(start, end);
                }
                check_gaps(&s);
                for len in [P, 7 * P, 300 * P] {
                    let (low, high) = (P, 640 * P);
                    proptest::prop_assert_eq!(s.find_gap_topdown(len, low, high), brute(&s, len, low, high, true));
                    proptest::prop_assert_eq!(s.find_gap_bottomup(len, low, high), brute(&s, len, low, high, false));
                }
            }
        }
    }
}
