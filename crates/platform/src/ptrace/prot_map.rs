//! The platform's own view of what is mapped where in a stub, with which
//! protection: used to tell write faults from read faults, and to apply
//! `protect` only where something is mapped.

use std::collections::BTreeMap;

use crate::Prot;

/// Non-overlapping ranges `[start, end)` with their protection.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct ProtMap {
    ranges: BTreeMap<u64, (u64, Prot)>,
}

impl ProtMap {
    /// Records a mapping of `[start, end)` with `prot`, replacing what was there.
    pub fn map(&mut self, start: u64, end: u64, prot: Prot) {
        self.unmap(start, end);
        self.ranges.insert(start, (end, prot));
    }

    /// Forgets everything in `[start, end)`, splitting ranges at the edges.
    pub fn unmap(&mut self, start: u64, end: u64) {
        let hits: Vec<(u64, u64, Prot)> = self.overlapping(start, end);
        for (s, e, p) in hits {
            self.ranges.remove(&s);
            if s < start {
                self.ranges.insert(s, (start, p));
            }
            if e > end {
                self.ranges.insert(end, (e, p));
            }
        }
    }

    /// The mapped pieces of `[start, end)`, clipped to it.
    pub fn mapped_parts(&self, start: u64, end: u64) -> Vec<(u64, u64, Prot)> {
        self.overlapping(start, end)
            .into_iter()
            .map(|(s, e, p)| (s.max(start), e.min(end), p))
            .collect()
    }

    /// The protection of the page holding `addr`, if mapped.
    pub fn prot_at(&self, addr: u64) -> Option<Prot> {
        self.ranges
            .range(..=addr)
            .next_back()
            .and_then(|(_, &(e, p))| (addr < e).then_some(p))
    }

    /// All ranges in address order, adjacent ranges with equal protection
    /// merged (as the host shows them in `/proc/<pid>/maps`).
    pub fn merged(&self) -> Vec<(u64, u64, Prot)> {
        let mut out: Vec<(u64, u64, Prot)> = Vec::new();
        for (&s, &(e, p)) in &self.ranges {
            match out.last_mut() {
                Some(last) if last.1 == s && last.2 == p => last.1 = e,
                _ => out.push((s, e, p)),
            }
        }
        out
    }

    fn overlapping(&self, start: u64, end: u64) -> Vec<(u64, u64, Prot)> {
        let first = self
            .ranges
            .range(..start)
            .next_back()
            .filter(|(_, &(e, _))| e > start)
            .map(|(&s, &(e, p))| (s, e, p));
        first
            .into_iter()
            .chain(self.ranges.range(start..end).map(|(&s, &(e, p))| (s, e, p)))
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const R: Prot = Prot {
        read: true,
        write: false,
        exec: false,
    };
    const RW: Prot = Prot {
        read: true,
        write: true,
        exec: false,
    };

    #[test]
    fn map_unmap_split_and_merge() {
        let mut m = ProtMap::default();
        m.map(0x1000, 0x5000, RW);
        m.unmap(0x2000, 0x3000);
        assert_eq!(m.merged(), vec![(0x1000, 0x2000, RW), (0x3000, 0x5000, RW)]);
        m.map(0x2000, 0x3000, RW);
        assert_eq!(m.merged(), vec![(0x1000, 0x5000, RW)]);
        m.map(0x4000, 0x6000, R);
        assert_eq!(m.prot_at(0x3fff), Some(RW));
        assert_eq!(m.prot_at(0x4000), Some(R));
        assert_eq!(m.prot_at(0x6000), None);
        assert_eq!(
            m.mapped_parts(0x3800, 0x4800),
            vec![(0x3800, 0x4000, RW), (0x4000, 0x4800, R)]
        );
        m.unmap(0, u64::MAX);
        assert!(m.merged().is_empty());
    }
}
