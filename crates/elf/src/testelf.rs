//! Synthetic ELF images for the unit and property tests.

use alloc::vec;
use alloc::vec::Vec;

use crate::header::{
    EHDR_SIZE, ELFMAG, EM_X86_64, PF_R, PHDR_SIZE, PT_GNU_STACK, PT_INTERP, PT_LOAD,
};

/// A PT_LOAD description.
#[derive(Clone, Copy, Debug)]
pub struct Seg {
    pub offset: u64,
    pub vaddr: u64,
    pub filesz: u64,
    pub memsz: u64,
    pub flags: u32,
    pub align: u64,
}

impl Seg {
    pub fn new(offset: u64, vaddr: u64, filesz: u64, memsz: u64, flags: u32) -> Seg {
        Seg {
            offset,
            vaddr,
            filesz,
            memsz,
            flags,
            align: 0x1000,
        }
    }
}

enum Entry {
    Load(Seg),
    Interp(Vec<u8>),
    Other { p_type: u32, flags: u32 },
}

/// Lays out an ELF header, the program headers, PT_INTERP strings and
/// zero-filled segment contents into one byte vector.
pub struct ImageBuilder {
    e_type: u16,
    entry: u64,
    entries: Vec<Entry>,
}

impl ImageBuilder {
    pub fn new(e_type: u16) -> ImageBuilder {
        ImageBuilder {
            e_type,
            entry: 0x1000,
            entries: Vec::new(),
        }
    }

    pub fn entry(mut self, entry: u64) -> Self {
        self.entry = entry;
        self
    }

    pub fn load(mut self, seg: Seg) -> Self {
        self.entries.push(Entry::Load(seg));
        self
    }

    pub fn interp(self, path: &[u8]) -> Self {
        let mut raw = path.to_vec();
        raw.push(0);
        self.raw_interp(&raw)
    }

    pub fn raw_interp(mut self, raw: &[u8]) -> Self {
        self.entries.push(Entry::Interp(raw.to_vec()));
        self
    }

    pub fn stack(mut self, flags: u32) -> Self {
        self.entries.push(Entry::Other {
            p_type: PT_GNU_STACK,
            flags,
        });
        self
    }

    pub fn build(&self) -> Vec<u8> {
        let phnum = self.entries.len();
        let table_end = EHDR_SIZE + phnum * PHDR_SIZE;
        let mut strings_at = table_end as u64;
        let mut len = table_end as u64;
        for e in &self.entries {
            match e {
                Entry::Load(s) => len = len.max(s.offset + s.filesz),
                Entry::Interp(raw) => {
                    strings_at += raw.len() as u64;
                    len = len.max(strings_at);
                }
                Entry::Other { .. } => {}
            }
        }
        let mut img = vec![0u8; len as usize];
        img[..4].copy_from_slice(&ELFMAG);
        img[4] = 2; // ELFCLASS64
        img[5] = 1; // ELFDATA2LSB
        img[6] = 1; // EV_CURRENT
        img[16..18].copy_from_slice(&self.e_type.to_le_bytes());
        img[18..20].copy_from_slice(&EM_X86_64.to_le_bytes());
        img[20..24].copy_from_slice(&1u32.to_le_bytes());
        img[24..32].copy_from_slice(&self.entry.to_le_bytes());
        img[32..40].copy_from_slice(&(EHDR_SIZE as u64).to_le_bytes());
        img[52..54].copy_from_slice(&(EHDR_SIZE as u16).to_le_bytes());
        img[54..56].copy_from_slice(&(PHDR_SIZE as u16).to_le_bytes());
        img[56..58].copy_from_slice(&(phnum as u16).to_le_bytes());
        let mut next_string = table_end;
        for (i, e) in self.entries.iter().enumerate() {
            let (p_type, flags, offset, vaddr, filesz, memsz, align) = match e {
                Entry::Load(s) => (
                    PT_LOAD, s.flags, s.offset, s.vaddr, s.filesz, s.memsz, s.align,
                ),
                Entry::Interp(raw) => {
                    let at = next_string;
                    img[at..at + raw.len()].copy_from_slice(raw);
                    next_string += raw.len();
                    let n = raw.len() as u64;
                    (PT_INTERP, PF_R, at as u64, at as u64, n, n, 1)
                }
                Entry::Other { p_type, flags } => (*p_type, *flags, 0, 0, 0, 0, 16),
            };
            let at = EHDR_SIZE + i * PHDR_SIZE;
            let ph = &mut img[at..at + PHDR_SIZE];
            ph[0..4].copy_from_slice(&p_type.to_le_bytes());
            ph[4..8].copy_from_slice(&flags.to_le_bytes());
            ph[8..16].copy_from_slice(&offset.to_le_bytes());
            ph[16..24].copy_from_slice(&vaddr.to_le_bytes());
            ph[24..32].copy_from_slice(&vaddr.to_le_bytes());
            ph[32..40].copy_from_slice(&filesz.to_le_bytes());
            ph[40..48].copy_from_slice(&memsz.to_le_bytes());
            ph[48..56].copy_from_slice(&align.to_le_bytes());
        }
        img
    }
}
