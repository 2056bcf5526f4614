//! Reading and validating an ELF64 x86-64 image's headers, in the order and
//! with the errors of Linux's `load_elf_binary` (fs/binfmt_elf.c).
//!
//! Only the file header, the program header table and the PT_INTERP string
//! are read; segment contents stay in the file for the kernel to map.

use alloc::vec;
use alloc::vec::Vec;

use zerocopy::FromBytes;

use crate::error::ElfError;
use crate::header::{
    Elf64_Ehdr, Elf64_Phdr, ProgramHeader, EHDR_SIZE, EI_CLASS, EI_DATA, ELFCLASS64, ELFDATA2LSB,
    ELFMAG, EM_X86_64, ET_DYN, ET_EXEC, PF_X, PHDR_SIZE, PT_GNU_STACK, PT_INTERP,
};
use crate::read::{read_full, ReadAt};

/// The largest program header table Linux accepts: one page (`ELF_MIN_ALIGN`).
pub const MAX_PHDR_TABLE: usize = 4096;
/// Linux's PATH_MAX, the bound on a PT_INTERP string including its NUL.
pub const PATH_MAX: u64 = 4096;

/// What the image is being loaded as; decides which checks apply and which
/// errno a malformed header earns.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// The file named by `execve`: PT_INTERP is honoured, errors are ENOEXEC.
    Executable,
    /// The PT_INTERP target (the dynamic loader): its own PT_INTERP is
    /// ignored, header errors are ELIBBAD.
    Interpreter,
}

/// Whether the image is linked at fixed addresses or position-independent.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ElfType {
    /// ET_EXEC: loaded at its link addresses, load bias 0.
    Exec,
    /// ET_DYN: a PIE or shared object, loaded at a chosen bias.
    Dyn,
}

/// What PT_GNU_STACK asked for the stack (the last such header wins, as in Linux).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExecStack {
    /// No PT_GNU_STACK: the architecture default, non-executable on x86-64.
    Default,
    /// PT_GNU_STACK with PF_X.
    Enable,
    /// PT_GNU_STACK without PF_X.
    Disable,
}

impl ExecStack {
    /// Whether the stack mapping gets PROT_EXEC on x86-64 (64-bit tasks
    /// don't have READ_IMPLIES_EXEC, so only an explicit request counts).
    pub fn is_executable(self) -> bool {
        self == ExecStack::Enable
    }
}

/// A validated ELF64 x86-64 image header with its program headers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ElfFile {
    /// Fixed-address or position-independent.
    pub elf_type: ElfType,
    /// `e_entry`, before any load bias.
    pub entry: u64,
    /// `e_phoff`, the file offset of the program header table.
    pub phoff: u64,
    /// The program headers in file order.
    pub phdrs: Vec<ProgramHeader>,
    /// The PT_INTERP path without its NUL (cut at the first NUL, as the
    /// kernel's `open_exec` reads it); `None` for interpreters and static images.
    pub interp: Option<Vec<u8>>,
    /// The stack executability PT_GNU_STACK requested.
    pub exec_stack: ExecStack,
}

impl ElfFile {
    /// Reads and validates the headers of `file` loaded as `role`.
    pub fn read<R: ReadAt + ?Sized>(file: &R, role: Role) -> Result<ElfFile, ElfError> {
        let parsed = Self::read_as_executable_or_interpreter(file, role);
        match role {
            Role::Executable => parsed,
            Role::Interpreter => parsed.map_err(ElfError::in_interpreter),
        }
    }

    fn read_as_executable_or_interpreter<R: ReadAt + ?Sized>(
        file: &R,
        role: Role,
    ) -> Result<ElfFile, ElfError> {
        let mut head = [0u8; EHDR_SIZE];
        let got = read_full(file, 0, &mut head).map_err(ElfError::Io)?;
        // The interpreter's header is read in full before anything is
        // checked, and a short read is EIO there (see ElfError::errno).
        if role == Role::Interpreter && got < EHDR_SIZE {
            return Err(ElfError::TruncatedHeader(got));
        }
        if got < ELFMAG.len() || head[..ELFMAG.len()] != ELFMAG {
            return Err(ElfError::BadMagic);
        }
        if got < EHDR_SIZE {
            return Err(ElfError::TruncatedHeader(got));
        }
        let ehdr =
            Elf64_Ehdr::read_from_bytes(&head[..]).map_err(|_| ElfError::TruncatedHeader(got))?;
        let elf_type = check_ident(&ehdr)?;
        let phdrs = read_phdrs(file, &ehdr)?;
        let interp = match role {
            Role::Executable => read_interp(file, &phdrs)?,
            Role::Interpreter => None,
        };
        let exec_stack = phdrs
            .iter()
            .rev()
            .find(|ph| ph.p_type == PT_GNU_STACK)
            .map_or(ExecStack::Default, |ph| {
                if ph.p_flags & PF_X != 0 {
                    ExecStack::Enable
                } else {
                    ExecStack::Disable
                }
            });
        Ok(ElfFile {
            elf_type,
            entry: ehdr.e_entry.get(),
            phoff: ehdr.e_phoff.get(),
            phdrs,
            interp,
            exec_stack,
        })
    }
}

/// Checks class, encoding, type and machine, as `load_elf_binary` and
/// `elf_check_arch` do before touching anything else.
fn check_ident(ehdr: &Elf64_Ehdr) -> Result<ElfType, ElfError> {
    let class = ehdr.e_ident[EI_CLASS];
    if class != ELFCLASS64 {
        return Err(ElfError::BadClass(class));
    }
    let data = ehdr.e_ident[EI_DATA];
    if data != ELFDATA2LSB {
        return Err(ElfError::BadData(data));
    }
    let elf_type = match ehdr.e_type.get() {
        ET_EXEC => ElfType::Exec,
        ET_DYN => ElfType::Dyn,
        other => return Err(ElfError::BadType(other)),
    };
    let machine = ehdr.e_machine.get();
    if machine != EM_X86_64 {
        return Err(ElfError::BadMachine(machine));
    }
    Ok(elf_type)
}

/// Reads the program header table with `load_elf_phdrs`'s bounds: entries of
/// exactly 56 bytes, at least one, the whole table within one page.
fn read_phdrs<R: ReadAt + ?Sized>(
    file: &R,
    ehdr: &Elf64_Ehdr,
) -> Result<Vec<ProgramHeader>, ElfError> {
    let phentsize = ehdr.e_phentsize.get();
    if usize::from(phentsize) != PHDR_SIZE {
        return Err(ElfError::BadPhentsize(phentsize));
    }
    let phnum = ehdr.e_phnum.get();
    let size = usize::from(phnum) * PHDR_SIZE;
    if size == 0 || size > MAX_PHDR_TABLE {
        return Err(ElfError::BadPhnum(phnum));
    }
    let phoff = ehdr.e_phoff.get();
    let mut table = vec![0u8; size];
    // Linux turns every failure to read the table into ENOEXEC.
    match read_full(file, phoff, &mut table) {
        Ok(got) if got == size => {}
        _ => return Err(ElfError::TruncatedPhdrs(phoff)),
    }
    let (raws, _) = <[Elf64_Phdr]>::ref_from_prefix_with_elems(&table[..], usize::from(phnum))
        .map_err(|_| ElfError::TruncatedPhdrs(phoff))?;
    Ok(raws.iter().map(ProgramHeader::from).collect())
}

/// Reads the first PT_INTERP's path, as `load_elf_binary` does (later ones
/// are ignored): 2..=PATH_MAX bytes, the last one NUL.
fn read_interp<R: ReadAt + ?Sized>(
    file: &R,
    phdrs: &[ProgramHeader],
) -> Result<Option<Vec<u8>>, ElfError> {
    let Some(ph) = phdrs.iter().find(|ph| ph.p_type == PT_INTERP) else {
        return Ok(None);
    };
    if ph.p_filesz > PATH_MAX || ph.p_filesz < 2 {
        return Err(ElfError::BadInterpSize(ph.p_filesz));
    }
    // Bounded by PATH_MAX just above, so this allocation is at most one page.
    let mut path = vec![0u8; ph.p_filesz as usize];
    let got = read_full(file, ph.p_offset, &mut path).map_err(ElfError::Io)?;
    if got != path.len() {
        return Err(ElfError::TruncatedInterp);
    }
    if path.last() != Some(&0) {
        return Err(ElfError::InterpNotTerminated);
    }
    let end = path.iter().position(|&b| b == 0).unwrap_or(path.len());
    path.truncate(end);
    Ok(Some(path))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::header::{PF_R, PF_W, PT_LOAD};
    use crate::testelf::{ImageBuilder, Seg};
    use abi::Errno;

    fn exe() -> ImageBuilder {
        ImageBuilder::new(ET_DYN)
            .interp(b"/lib64/ld-linux-x86-64.so.2")
            .load(Seg::new(0, 0, 0x1000, 0x1000, PF_R | PF_X))
            .stack(PF_R | PF_W)
    }

    #[test]
    fn reads_a_valid_pie() {
        let img = exe().build();
        let f = ElfFile::read(&img[..], Role::Executable).unwrap();
        assert_eq!(f.elf_type, ElfType::Dyn);
        assert_eq!(
            f.interp.as_deref(),
            Some(&b"/lib64/ld-linux-x86-64.so.2"[..])
        );
        assert_eq!(f.exec_stack, ExecStack::Disable);
        assert_eq!(f.phoff, 64);
        assert!(f.phdrs.iter().any(|p| p.p_type == PT_LOAD));
    }

    #[test]
    fn header_errors_are_enoexec() {
        // (byte offset, new value, expected refusal)
        let cases = [
            (0, b'X', ElfError::BadMagic),
            (EI_CLASS, 1, ElfError::BadClass(1)),
            (EI_DATA, 2, ElfError::BadData(2)),
            (16, 1, ElfError::BadType(1)),
            (18, 3, ElfError::BadMachine(3)),
            (54, 32, ElfError::BadPhentsize(32)),
        ];
        for (at, value, want) in cases {
            let mut img = exe().build();
            img[at] = value;
            let err = ElfFile::read(&img[..], Role::Executable).unwrap_err();
            assert_eq!(err, want);
            assert_eq!(err.errno(), Errno::ENOEXEC);
        }
    }

    #[test]
    fn truncation_is_enoexec() {
        let img = exe().build();
        for len in [0, 3, 4, 40, 63, 64, 100, 64 + 56 * 2] {
            let err = ElfFile::read(&img[..len], Role::Executable).unwrap_err();
            assert_eq!(err.errno(), Errno::ENOEXEC, "len {len}: {err}");
        }
    }

    #[test]
    fn phnum_bounds() {
        let mut img = exe().build();
        img[56..58].copy_from_slice(&0u16.to_le_bytes());
        assert_eq!(
            ElfFile::read(&img[..], Role::Executable),
            Err(ElfError::BadPhnum(0))
        );
        img[56..58].copy_from_slice(&74u16.to_le_bytes());
        assert_eq!(
            ElfFile::read(&img[..], Role::Executable),
            Err(ElfError::BadPhnum(74))
        );
        img[32..40].copy_from_slice(&u64::MAX.to_le_bytes());
        img[56..58].copy_from_slice(&1u16.to_le_bytes());
        assert_eq!(
            ElfFile::read(&img[..], Role::Executable),
            Err(ElfError::TruncatedPhdrs(u64::MAX))
        );
    }

    #[test]
    fn interp_rules() {
        let no_nul = ImageBuilder::new(ET_DYN).raw_interp(b"/lib/ld.so").build();
        assert_eq!(
            ElfFile::read(&no_nul[..], Role::Executable),
            Err(ElfError::InterpNotTerminated)
        );
        let tiny = ImageBuilder::new(ET_DYN).raw_interp(b"\0").build();
        assert_eq!(
            ElfFile::read(&tiny[..], Role::Executable),
            Err(ElfError::BadInterpSize(1))
        );
        let embedded = ImageBuilder::new(ET_DYN).raw_interp(b"/a\0junk\0").build();
        let f = ElfFile::read(&embedded[..], Role::Executable).unwrap();
        assert_eq!(f.interp.as_deref(), Some(&b"/a"[..]));
        // The first PT_INTERP wins, later ones are ignored.
        let two = ImageBuilder::new(ET_DYN)
            .interp(b"/first")
            .interp(b"/second")
            .build();
        let f = ElfFile::read(&two[..], Role::Executable).unwrap();
        assert_eq!(f.interp.as_deref(), Some(&b"/first"[..]));
        // An interpreter's own PT_INTERP is not looked at.
        let f = ElfFile::read(&no_nul[..], Role::Interpreter).unwrap();
        assert_eq!(f.interp, None);
    }

    #[test]
    fn truncated_interp_is_eio() {
        let img = exe().build();
        let interp = ElfFile::read(&img[..], Role::Executable).unwrap();
        let ph = interp.phdrs.iter().find(|p| p.p_type == PT_INTERP).unwrap();
        let cut = (ph.p_offset + 3) as usize;
        let err = ElfFile::read(&img[..cut], Role::Executable).unwrap_err();
        assert_eq!(err, ElfError::TruncatedInterp);
        assert_eq!(err.errno(), Errno::EIO);
    }

    #[test]
    fn gnu_stack_last_one_wins_and_default_is_not_executable() {
        let img = ImageBuilder::new(ET_EXEC)
            .stack(PF_R | PF_W)
            .stack(PF_R | PF_W | PF_X)
            .build();
        let f = ElfFile::read(&img[..], Role::Executable).unwrap();
        assert_eq!(f.exec_stack, ExecStack::Enable);
        assert!(f.exec_stack.is_executable());
        let img = ImageBuilder::new(ET_EXEC)
            .load(Seg::new(0, 0, 0x10, 0x10, PF_R))
            .build();
        let f = ElfFile::read(&img[..], Role::Executable).unwrap();
        assert_eq!(f.exec_stack, ExecStack::Default);
        assert!(!f.exec_stack.is_executable());
    }

    #[test]
    fn interpreter_header_errors_are_elibbad() {
        let mut img = exe().build();
        img[18] = 40; // EM_ARM
        let err = ElfFile::read(&img[..], Role::Interpreter).unwrap_err();
        assert_eq!(err.errno(), Errno::ELIBBAD);
        let img = exe().build();
        let err = ElfFile::read(&img[..70], Role::Interpreter).unwrap_err();
        assert_eq!(err.errno(), Errno::ELIBBAD);
        for short in [&img[..2], &b"#!/bin/sh\n"[..]] {
            let err = ElfFile::read(short, Role::Interpreter).unwrap_err();
            assert_eq!(err.errno(), Errno::EIO, "{err}");
        }
    }
}
