//! The ELF64 on-disk structures and constants, as `<linux/elf.h>` names them.
//!
//! The raw structs use little-endian field types so that decoding is a plain
//! `zerocopy` read with no `unsafe` and no dependence on the host's byte order.
#![allow(non_camel_case_types)]

use zerocopy::little_endian::{U16, U32, U64};
use zerocopy::{FromBytes, Immutable, KnownLayout};

/// The four magic bytes every ELF file starts with.
pub const ELFMAG: [u8; 4] = *b"\x7fELF";
/// Index of the file class byte in `e_ident`.
pub const EI_CLASS: usize = 4;
/// Index of the data encoding byte in `e_ident`.
pub const EI_DATA: usize = 5;
/// `e_ident[EI_CLASS]` of a 64-bit file.
pub const ELFCLASS64: u8 = 2;
/// `e_ident[EI_DATA]` of a little-endian file.
pub const ELFDATA2LSB: u8 = 1;
/// `e_type` of an executable linked at fixed addresses.
pub const ET_EXEC: u16 = 2;
/// `e_type` of a position-independent executable or shared object.
pub const ET_DYN: u16 = 3;
/// `e_machine` of AMD x86-64.
pub const EM_X86_64: u16 = 62;

/// Program header type: unused entry.
pub const PT_NULL: u32 = 0;
/// Program header type: a segment to map.
pub const PT_LOAD: u32 = 1;
/// Program header type: dynamic linking information.
pub const PT_DYNAMIC: u32 = 2;
/// Program header type: path of the program interpreter.
pub const PT_INTERP: u32 = 3;
/// Program header type: auxiliary notes.
pub const PT_NOTE: u32 = 4;
/// Program header type: the program header table itself.
pub const PT_PHDR: u32 = 6;
/// Program header type: the thread-local storage template.
pub const PT_TLS: u32 = 7;
/// Program header type: GNU `.eh_frame_hdr` location.
pub const PT_GNU_EH_FRAME: u32 = 0x6474_e550;
/// Program header type: GNU stack permissions (only `PF_X` matters).
pub const PT_GNU_STACK: u32 = 0x6474_e551;
/// Program header type: GNU region made read-only after relocation.
pub const PT_GNU_RELRO: u32 = 0x6474_e552;
/// Program header type: GNU property notes (CET, ...); ignored by this loader.
pub const PT_GNU_PROPERTY: u32 = 0x6474_e553;

/// Segment flag: executable.
pub const PF_X: u32 = 1;
/// Segment flag: writable.
pub const PF_W: u32 = 2;
/// Segment flag: readable.
pub const PF_R: u32 = 4;

/// Size of [`Elf64_Ehdr`] in bytes.
pub const EHDR_SIZE: usize = core::mem::size_of::<Elf64_Ehdr>();
/// Size of [`Elf64_Phdr`] in bytes; Linux rejects any other `e_phentsize`.
pub const PHDR_SIZE: usize = core::mem::size_of::<Elf64_Phdr>();

/// The ELF64 file header, byte for byte as in the file.
#[derive(Clone, Copy, Debug, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Elf64_Ehdr {
    /// Magic, class, data encoding, version, OS ABI, padding.
    pub e_ident: [u8; 16],
    /// Object file type (`ET_*`).
    pub e_type: U16,
    /// Target architecture (`EM_*`).
    pub e_machine: U16,
    /// Object file version.
    pub e_version: U32,
    /// Virtual address of the entry point, before any load bias.
    pub e_entry: U64,
    /// File offset of the program header table.
    pub e_phoff: U64,
    /// File offset of the section header table.
    pub e_shoff: U64,
    /// Processor-specific flags.
    pub e_flags: U32,
    /// Size of this header.
    pub e_ehsize: U16,
    /// Size of one program header.
    pub e_phentsize: U16,
    /// Number of program headers.
    pub e_phnum: U16,
    /// Size of one section header.
    pub e_shentsize: U16,
    /// Number of section headers.
    pub e_shnum: U16,
    /// Section header index of the section name table.
    pub e_shstrndx: U16,
}

/// One ELF64 program header, byte for byte as in the file.
#[derive(Clone, Copy, Debug, FromBytes, Immutable, KnownLayout)]
#[repr(C)]
pub struct Elf64_Phdr {
    /// Segment type (`PT_*`).
    pub p_type: U32,
    /// Segment flags (`PF_*`).
    pub p_flags: U32,
    /// File offset of the segment's first byte.
    pub p_offset: U64,
    /// Virtual address of the segment's first byte, before any load bias.
    pub p_vaddr: U64,
    /// Physical address (unused on Linux).
    pub p_paddr: U64,
    /// Bytes of the segment present in the file.
    pub p_filesz: U64,
    /// Bytes of the segment in memory; the excess over `p_filesz` is zeroed.
    pub p_memsz: U64,
    /// Alignment of the segment in memory and in the file.
    pub p_align: U64,
}

/// A program header decoded into native integers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ProgramHeader {
    /// Segment type (`PT_*`).
    pub p_type: u32,
    /// Segment flags (`PF_*`).
    pub p_flags: u32,
    /// File offset of the segment's first byte.
    pub p_offset: u64,
    /// Virtual address of the segment's first byte, before any load bias.
    pub p_vaddr: u64,
    /// Bytes of the segment present in the file.
    pub p_filesz: u64,
    /// Bytes of the segment in memory.
    pub p_memsz: u64,
    /// Alignment of the segment.
    pub p_align: u64,
}

impl From<&Elf64_Phdr> for ProgramHeader {
    fn from(raw: &Elf64_Phdr) -> Self {
        ProgramHeader {
            p_type: raw.p_type.get(),
            p_flags: raw.p_flags.get(),
            p_offset: raw.p_offset.get(),
            p_vaddr: raw.p_vaddr.get(),
            p_filesz: raw.p_filesz.get(),
            p_memsz: raw.p_memsz.get(),
            p_align: raw.p_align.get(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn struct_sizes_match_the_elf64_abi() {
        assert_eq!(EHDR_SIZE, 64);
        assert_eq!(PHDR_SIZE, 56);
        assert_eq!(core::mem::offset_of!(Elf64_Ehdr, e_phoff), 32);
        assert_eq!(core::mem::offset_of!(Elf64_Ehdr, e_phnum), 56);
        assert_eq!(core::mem::offset_of!(Elf64_Phdr, p_vaddr), 16);
        assert_eq!(core::mem::offset_of!(Elf64_Phdr, p_align), 48);
    }

    #[test]
    fn phdr_decodes_little_endian_fields() {
        let mut bytes = [0u8; PHDR_SIZE];
        bytes[0] = 1; // PT_LOAD
        bytes[4] = 5; // PF_R | PF_X
        bytes[16..24].copy_from_slice(&0x40_1000u64.to_le_bytes());
        bytes[40..48].copy_from_slice(&0x2000u64.to_le_bytes());
        let raw = Elf64_Phdr::read_from_bytes(&bytes[..]).unwrap();
        let ph = ProgramHeader::from(&raw);
        assert_eq!(ph.p_type, PT_LOAD);
        assert_eq!(ph.p_flags, PF_R | PF_X);
        assert_eq!(ph.p_vaddr, 0x40_1000);
        assert_eq!(ph.p_memsz, 0x2000);
    }
}
