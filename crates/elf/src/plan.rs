//! Turning validated program headers into the mappings `execve` makes, as
//! Linux's `load_elf_binary`/`elf_load` (fs/binfmt_elf.c, 6.7+) do.
//!
//! For every PT_LOAD the kernel maps the file-backed pages, zeroes the tail
//! of the last file page when the segment has bss and is writable, and maps
//! anonymous read-write pages for the rest of the bss. The plan lists those
//! steps; applying them in order with MAP_FIXED semantics reproduces Linux.

use alloc::vec::Vec;

use bitflags::bitflags;

use crate::error::ElfError;
use crate::file::{ElfFile, ElfType, ExecStack};
use crate::header::{PF_R, PF_W, PF_X, PHDR_SIZE, PT_LOAD};

/// The x86-64 page size.
pub const PAGE_SIZE: u64 = 4096;
/// The top of the 4-level x86-64 user address space (`TASK_SIZE_MAX`).
pub const TASK_SIZE: u64 = (1 << 47) - PAGE_SIZE;
/// Where Linux puts a PIE executable: two thirds of `TASK_SIZE` (before
/// randomisation), which gives the familiar `0x555555554000`.
pub const ELF_ET_DYN_BASE: u64 = TASK_SIZE / 3 * 2;

bitflags! {
    /// Memory protection of a mapping, with `PROT_*` values from `<sys/mman.h>`.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
    pub struct Prot: u32 {
        /// PROT_READ.
        const READ = 1;
        /// PROT_WRITE.
        const WRITE = 2;
        /// PROT_EXEC.
        const EXEC = 4;
    }
}

impl Prot {
    /// The protection of a segment with ELF flags `p_flags` (`make_prot`).
    pub fn from_p_flags(p_flags: u32) -> Prot {
        let mut prot = Prot::empty();
        prot.set(Prot::READ, p_flags & PF_R != 0);
        prot.set(Prot::WRITE, p_flags & PF_W != 0);
        prot.set(Prot::EXEC, p_flags & PF_X != 0);
        prot
    }
}

/// Where to put an ET_DYN image; ignored for ET_EXEC, which has no choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LoadBase {
    /// Linux's default for a PIE executable: [`ELF_ET_DYN_BASE`] rounded
    /// down to the largest PT_LOAD alignment (no randomisation). Linux uses
    /// it when the PIE has PT_INTERP or a `p_align` above a page; a static
    /// PIE or a loader run directly is placed by `mmap` instead, which
    /// [`LoadBase::At`] mirrors.
    Default,
    /// A page-aligned address the caller picked (an unmapped range of
    /// [`ElfFile::total_mapping_size`] bytes, as `mmap` would choose for the
    /// interpreter or a static PIE); the lowest segment's page lands there.
    At(u64),
}

/// Pages mapped from the file, copy-on-write private.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct FileMapping {
    /// Page-aligned start address.
    pub addr: u64,
    /// Length in bytes, a multiple of the page size.
    pub len: u64,
    /// Page-aligned file offset mapped at `addr`.
    pub offset: u64,
}

/// Anonymous zero pages for the bss beyond the file-backed pages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct AnonMapping {
    /// Page-aligned start address.
    pub addr: u64,
    /// Length in bytes, a multiple of the page size.
    pub len: u64,
    /// Read-write, plus exec when the segment is executable (`vm_brk_flags`).
    pub prot: Prot,
}

/// One PT_LOAD segment as the kernel must set it up.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Segment {
    /// Index of the program header this comes from.
    pub index: usize,
    /// First byte of the segment (biased `p_vaddr`, not page-aligned).
    pub vaddr: u64,
    /// `p_memsz`.
    pub memsz: u64,
    /// Protection of the file-backed pages.
    pub prot: Prot,
    /// The file-backed pages, if the segment has file bytes.
    pub file: Option<FileMapping>,
    /// Bytes `[start, end)` inside the last file-backed page to clear after
    /// mapping: the start of the bss up to the page end. Linux zeroes them
    /// only when the segment is writable (a failed `clear_user` on a
    /// read-only page is ignored), and so does this plan.
    pub zero: Option<(u64, u64)>,
    /// Anonymous pages for the rest of the bss.
    pub anon: Option<AnonMapping>,
}

/// Everything `execve` needs to map one ELF image and describe it in auxv.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LoadPlan {
    /// Fixed-address or position-independent.
    pub elf_type: ElfType,
    /// What was added to every `p_vaddr` (0 for ET_EXEC).
    pub load_bias: u64,
    /// The PT_LOAD segments in ascending address order; non-empty.
    pub segments: Vec<Segment>,
    /// Biased entry point (AT_ENTRY for an executable, the start `rip` when
    /// there is no interpreter, AT_BASE's entry for an interpreter).
    pub entry: u64,
    /// Address of the program header table in memory (AT_PHDR): found in
    /// the PT_LOAD containing `e_phoff`, as Linux 6.x does; just the bias
    /// when no segment contains it.
    pub phdr: u64,
    /// Size of one program header (AT_PHENT).
    pub phent: u64,
    /// Number of program headers (AT_PHNUM).
    pub phnum: u64,
    /// The PT_INTERP path, without NUL, if the executable asks for one.
    pub interp: Option<Vec<u8>>,
    /// The stack executability requested by PT_GNU_STACK.
    pub exec_stack: ExecStack,
    /// Initial program break: end of the highest segment, page-aligned.
    pub brk_start: u64,
    /// Lowest address of an executable segment (`mm->start_code`), 0 if none.
    pub start_code: u64,
    /// End of the file part of the highest executable segment (`end_code`).
    pub end_code: u64,
    /// Start of the highest segment (`mm->start_data`).
    pub start_data: u64,
    /// End of the file part of the highest segment (`mm->end_data`).
    pub end_data: u64,
}

const fn page_start(addr: u64) -> u64 {
    addr & !(PAGE_SIZE - 1)
}

const fn page_offset(addr: u64) -> u64 {
    addr & (PAGE_SIZE - 1)
}

/// Rounds up to a page, `None` on overflow.
fn page_align(addr: u64) -> Option<u64> {
    addr.checked_add(PAGE_SIZE - 1).map(page_start)
}

impl ElfFile {
    /// The PT_LOAD headers with their indices, in file order.
    fn loads(&self) -> impl Iterator<Item = (usize, &crate::header::ProgramHeader)> + '_ {
        self.phdrs
            .iter()
            .enumerate()
            .filter(|(_, ph)| ph.p_type == PT_LOAD)
    }

    /// Bytes from the lowest PT_LOAD page to the end of the highest one,
    /// page-aligned: the room to find for [`LoadBase::At`]. Zero without PT_LOAD
    /// or when the headers overflow (then [`ElfFile::plan`] fails anyway).
    pub fn total_mapping_size(&self) -> u64 {
        let mut lo = u64::MAX;
        let mut hi = 0u64;
        for (_, ph) in self.loads() {
            lo = lo.min(page_start(ph.p_vaddr));
            hi = hi.max(ph.p_vaddr.saturating_add(ph.p_memsz));
        }
        match page_align(hi) {
            Some(hi) if hi > lo => hi - lo,
            _ => 0,
        }
    }

    /// The largest power-of-two PT_LOAD `p_align`, at least a page, as
    /// Linux's `maximum_alignment` (other values are ignored as invalid).
    pub fn max_alignment(&self) -> u64 {
        self.loads()
            .map(|(_, ph)| ph.p_align)
            .filter(|a| a.is_power_of_two())
            .fold(PAGE_SIZE, u64::max)
    }

    /// Plans the mappings of this image placed per `base`.
    ///
    /// Stricter than Linux in one way: PT_LOAD segments must be in ascending
    /// address order without overlapping bytes (the ELF specification's
    /// rule; Linux would let a later mapping silently replace an earlier one).
    pub fn plan(&self, base: LoadBase) -> Result<LoadPlan, ElfError> {
        let (first_index, first) = self.loads().next().ok_or(ElfError::NoLoadSegments)?;
        let load_bias = match (self.elf_type, base) {
            (ElfType::Exec, _) => 0,
            (ElfType::Dyn, LoadBase::Default) => {
                let align = self.max_alignment();
                if align > TASK_SIZE {
                    return Err(ElfError::BadAlignment(align));
                }
                page_start((ELF_ET_DYN_BASE & !(align - 1)).wrapping_sub(first.p_vaddr))
            }
            (ElfType::Dyn, LoadBase::At(addr)) => {
                if page_offset(addr) != 0 {
                    return Err(ElfError::UnalignedBase(addr));
                }
                addr.wrapping_sub(page_start(first.p_vaddr))
            }
        };
        let mut segments = Vec::new();
        let mut prev_end = 0u64;
        let mut brk = 0u64;
        let mut phdr = None;
        let (mut start_code, mut end_code, mut start_data, mut end_data) = (u64::MAX, 0, 0, 0);
        for (index, ph) in self.loads() {
            let seg = plan_segment(index, ph, load_bias)?;
            if seg.vaddr < prev_end {
                return Err(ElfError::Overlap { index });
            }
            // plan_segment proved vaddr + memsz fits below TASK_SIZE.
            let end = seg.vaddr + seg.memsz;
            let file_end = seg.vaddr + ph.p_filesz;
            prev_end = end;
            brk = brk.max(end);
            if ph.p_flags & PF_X != 0 {
                start_code = start_code.min(seg.vaddr);
                end_code = end_code.max(file_end);
            }
            start_data = start_data.max(seg.vaddr);
            end_data = end_data.max(file_end);
            if ph.p_offset <= self.phoff && self.phoff - ph.p_offset < ph.p_filesz {
                phdr = Some(seg.vaddr + (self.phoff - ph.p_offset));
            }
            if seg.memsz != 0 {
                segments.push(seg);
            }
        }
        let entry = self.entry.wrapping_add(load_bias);
        if entry >= TASK_SIZE {
            return Err(ElfError::BadEntry(entry));
        }
        let brk_start = page_align(brk).ok_or(ElfError::AddressOverflow { index: first_index })?;
        if start_code == u64::MAX {
            start_code = 0;
        }
        Ok(LoadPlan {
            elf_type: self.elf_type,
            load_bias,
            segments,
            entry,
            phdr: phdr.unwrap_or(load_bias),
            phent: PHDR_SIZE as u64,
            phnum: self.phdrs.len() as u64,
            interp: self.interp.clone(),
            exec_stack: self.exec_stack,
            brk_start,
            start_code,
            end_code,
            start_data,
            end_data,
        })
    }
}

/// Validates one PT_LOAD and works out its mappings (`elf_load`).
fn plan_segment(
    index: usize,
    ph: &crate::header::ProgramHeader,
    load_bias: u64,
) -> Result<Segment, ElfError> {
    if ph.p_filesz > ph.p_memsz {
        return Err(ElfError::FileszExceedsMemsz {
            index,
            filesz: ph.p_filesz,
            memsz: ph.p_memsz,
        });
    }
    // Only file-backed pages care how offset and address line up (`mmap`).
    if ph.p_filesz > 0 && page_offset(ph.p_offset) != page_offset(ph.p_vaddr) {
        return Err(ElfError::Misaligned {
            index,
            offset: ph.p_offset,
            vaddr: ph.p_vaddr,
        });
    }
    let overflow = ElfError::AddressOverflow { index };
    let vaddr = ph.p_vaddr.wrapping_add(load_bias);
    // Linux's BAD_ADDR and "TASK_SIZE - p_memsz < k" checks.
    if vaddr >= TASK_SIZE || ph.p_memsz > TASK_SIZE - vaddr {
        return Err(overflow);
    }
    ph.p_offset
        .checked_add(ph.p_filesz)
        .ok_or(overflow.clone())?;
    let end = vaddr + ph.p_memsz;
    let prot = Prot::from_p_flags(ph.p_flags);
    let aligned_end = page_align(end).ok_or(overflow.clone())?;
    let (file, zero, zero_from) = if ph.p_filesz > 0 {
        let addr = page_start(vaddr);
        let file_end = vaddr + ph.p_filesz;
        let file_pages_end = page_align(file_end).ok_or(overflow)?;
        let file = FileMapping {
            addr,
            len: file_pages_end - addr,
            offset: ph.p_offset - page_offset(vaddr),
        };
        let zero =
            (ph.p_memsz > ph.p_filesz && prot.contains(Prot::WRITE) && page_offset(file_end) != 0)
                .then_some((file_end, file_pages_end));
        (Some(file), zero, file_pages_end)
    } else {
        (None, None, page_start(vaddr))
    };
    let anon = (ph.p_memsz > ph.p_filesz && aligned_end > zero_from).then(|| AnonMapping {
        addr: zero_from,
        len: aligned_end - zero_from,
        prot: Prot::READ | Prot::WRITE | (prot & Prot::EXEC),
    });
    Ok(Segment {
        index,
        vaddr,
        memsz: ph.p_memsz,
        prot,
        file,
        zero,
        anon,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::file::Role;
    use crate::header::{ET_DYN, ET_EXEC};
    use crate::testelf::{ImageBuilder, Seg};
    use abi::Errno;

    fn plan(img: &ImageBuilder, base: LoadBase) -> Result<LoadPlan, ElfError> {
        ElfFile::read(&img.build()[..], Role::Executable)?.plan(base)
    }

    /// A typical PIE: text, then data with bss sharing its last file page.
    fn pie() -> ImageBuilder {
        ImageBuilder::new(ET_DYN)
            .entry(0x1100)
            .load(Seg::new(0, 0, 0x1800, 0x1800, PF_R | PF_X))
            .load(Seg::new(0x1d70, 0x2d70, 0x470, 0x3000, PF_R | PF_W))
    }

    #[test]
    fn pie_goes_to_elf_et_dyn_base() {
        let p = plan(&pie(), LoadBase::Default).unwrap();
        assert_eq!(p.load_bias, 0x5555_5555_4000);
        assert_eq!(p.entry, 0x5555_5555_5100);
        // e_phoff 64 lies in the first segment, mapped at the bias.
        assert_eq!(p.phdr, 0x5555_5555_4040);
        assert_eq!(p.phnum, 2);
        assert_eq!(p.phent, 56);
        assert_eq!(p.segments.len(), 2);
        let text = &p.segments[0];
        assert_eq!(text.prot, Prot::READ | Prot::EXEC);
        assert_eq!(
            text.file,
            Some(FileMapping {
                addr: 0x5555_5555_4000,
                len: 0x2000,
                offset: 0
            })
        );
        assert_eq!((text.zero, text.anon), (None, None));
        let data = &p.segments[1];
        let b = p.load_bias;
        assert_eq!(
            data.file,
            Some(FileMapping {
                addr: b + 0x2000,
                len: 0x2000,
                offset: 0x1000
            })
        );
        assert_eq!(data.zero, Some((b + 0x31e0, b + 0x4000)));
        assert_eq!(
            data.anon,
            Some(AnonMapping {
                addr: b + 0x4000,
                len: 0x2000,
                prot: Prot::READ | Prot::WRITE
            })
        );
        assert_eq!(p.brk_start, b + 0x6000);
        assert_eq!((p.start_code, p.end_code), (b, b + 0x1800));
        assert_eq!((p.start_data, p.end_data), (b + 0x2d70, b + 0x31e0));
    }

    #[test]
    fn chosen_base_and_large_alignment() {
        let p = plan(&pie(), LoadBase::At(0x7f00_0000_0000)).unwrap();
        assert_eq!(p.load_bias, 0x7f00_0000_0000);
        assert_eq!(
            plan(&pie(), LoadBase::At(0x1234)),
            Err(ElfError::UnalignedBase(0x1234))
        );
        let mut seg = Seg::new(0, 0, 0x100, 0x100, PF_R | PF_X);
        seg.align = 0x20_0000;
        let p = plan(
            &ImageBuilder::new(ET_DYN).entry(0).load(seg),
            LoadBase::Default,
        )
        .unwrap();
        assert_eq!(p.load_bias % 0x20_0000, 0);
        assert_eq!(p.load_bias, 0x5555_5540_0000);
    }

    #[test]
    fn exec_ignores_base_and_pure_bss_segment_is_anonymous() {
        let img = ImageBuilder::new(ET_EXEC)
            .entry(0x40_1000)
            .load(Seg::new(0, 0x40_0000, 0x2000, 0x2000, PF_R | PF_X))
            .load(Seg::new(0, 0x60_0010, 0, 0x1ff0, PF_R | PF_W));
        let p = plan(&img, LoadBase::At(0x7000_0000)).unwrap();
        assert_eq!(p.load_bias, 0);
        assert_eq!(p.entry, 0x40_1000);
        let bss = &p.segments[1];
        assert_eq!(bss.file, None);
        assert_eq!(bss.zero, None);
        assert_eq!(bss.anon.map(|a| (a.addr, a.len)), Some((0x60_0000, 0x2000)));
        assert_eq!(p.brk_start, 0x60_2000);
    }

    #[test]
    fn read_only_bss_tail_is_not_zeroed_but_anon_is_writable() {
        let img = ImageBuilder::new(ET_EXEC).entry(0x40_0000).load(Seg::new(
            0,
            0x40_0000,
            0x800,
            0x1800,
            PF_R | PF_X,
        ));
        let p = plan(&img, LoadBase::Default).unwrap();
        let s = &p.segments[0];
        assert_eq!(s.zero, None);
        assert_eq!(
            s.anon.map(|a| a.prot),
            Some(Prot::READ | Prot::WRITE | Prot::EXEC)
        );
    }

    #[test]
    fn segment_errors_are_einval() {
        let bad: [(Seg, ElfError); 4] = [
            (
                Seg::new(0, 0x1000, 0x2000, 0x1000, PF_R),
                ElfError::FileszExceedsMemsz {
                    index: 0,
                    filesz: 0x2000,
                    memsz: 0x1000,
                },
            ),
            (
                Seg::new(0x10, 0x1000, 0x10, 0x10, PF_R),
                ElfError::Misaligned {
                    index: 0,
                    offset: 0x10,
                    vaddr: 0x1000,
                },
            ),
            (
                Seg::new(0, TASK_SIZE, 0, 0x10, PF_R),
                ElfError::AddressOverflow { index: 0 },
            ),
            (
                Seg::new(0, 0x1000, 0, u64::MAX - 0x10, PF_R),
                ElfError::AddressOverflow { index: 0 },
            ),
        ];
        for (seg, want) in bad {
            let err = plan(&ImageBuilder::new(ET_EXEC).load(seg), LoadBase::Default).unwrap_err();
            assert_eq!(err, want);
            assert_eq!(err.errno(), Errno::EINVAL);
        }
    }

    #[test]
    fn overlapping_or_unsorted_segments_are_refused() {
        let overlap = ImageBuilder::new(ET_EXEC)
            .load(Seg::new(0, 0x40_0000, 0x1000, 0x1800, PF_R))
            .load(Seg::new(0x1000, 0x40_1000, 0x10, 0x10, PF_R));
        assert_eq!(
            plan(&overlap, LoadBase::Default),
            Err(ElfError::Overlap { index: 1 })
        );
        let sharing_a_page = ImageBuilder::new(ET_EXEC)
            .entry(0x40_0000)
            .load(Seg::new(0, 0x40_0000, 0x800, 0x800, PF_R))
            .load(Seg::new(0x800, 0x40_0800, 0x10, 0x10, PF_R | PF_W));
        assert!(plan(&sharing_a_page, LoadBase::Default).is_ok());
    }

    #[test]
    fn no_load_and_bad_entry() {
        let none = ImageBuilder::new(ET_EXEC).stack(PF_R | PF_W);
        assert_eq!(
            plan(&none, LoadBase::Default),
            Err(ElfError::NoLoadSegments)
        );
        let far = ImageBuilder::new(ET_EXEC)
            .entry(u64::MAX)
            .load(Seg::new(0, 0x40_0000, 0x10, 0x10, PF_R));
        assert_eq!(
            plan(&far, LoadBase::Default),
            Err(ElfError::BadEntry(u64::MAX))
        );
    }

    #[test]
    fn total_size_and_alignment() {
        let f = ElfFile::read(&pie().build()[..], Role::Executable).unwrap();
        assert_eq!(f.total_mapping_size(), 0x6000);
        assert_eq!(f.max_alignment(), PAGE_SIZE);
    }
}
