//! Why an ELF file was refused, and the errno Linux's `execve` reports for it.

use alloc::boxed::Box;

use abi::Errno;

/// A reason to refuse an ELF image. Every variant maps to the errno Linux
/// would return (see [`ElfError::errno`]); the message says what was wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ElfError {
    /// The file does not start with `\x7fELF` (ENOEXEC).
    #[error("not an ELF file (bad magic)")]
    BadMagic,
    /// The file ends inside the 64-byte ELF header (ENOEXEC; EIO for an interpreter).
    #[error("file too short for an ELF header ({0} bytes)")]
    TruncatedHeader(usize),
    /// `e_ident[EI_CLASS]` is not ELFCLASS64 (ENOEXEC).
    #[error("ELF class {0} is not ELFCLASS64 (2)")]
    BadClass(u8),
    /// `e_ident[EI_DATA]` is not little-endian (ENOEXEC).
    #[error("ELF data encoding {0} is not ELFDATA2LSB (1)")]
    BadData(u8),
    /// `e_type` is neither ET_EXEC nor ET_DYN (ENOEXEC).
    #[error("ELF type {0} is neither ET_EXEC (2) nor ET_DYN (3)")]
    BadType(u16),
    /// `e_machine` is not x86-64 (ENOEXEC).
    #[error("ELF machine {0} is not EM_X86_64 (62)")]
    BadMachine(u16),
    /// `e_phentsize` is not the size of an `Elf64_Phdr` (ENOEXEC).
    #[error("e_phentsize {0} is not 56")]
    BadPhentsize(u16),
    /// `e_phnum` is zero or the table exceeds one page (ENOEXEC).
    #[error("e_phnum {0} is out of range (1..=73)")]
    BadPhnum(u16),
    /// The program header table lies beyond the end of the file (ENOEXEC).
    #[error("program header table at offset {0:#x} lies beyond the end of the file")]
    TruncatedPhdrs(u64),
    /// PT_INTERP is shorter than 2 bytes or longer than PATH_MAX (ENOEXEC).
    #[error("PT_INTERP size {0} is out of range (2..=4096)")]
    BadInterpSize(u64),
    /// The PT_INTERP path is cut off by the end of the file (EIO).
    #[error("PT_INTERP path lies beyond the end of the file")]
    TruncatedInterp,
    /// The PT_INTERP path does not end in NUL (ENOEXEC).
    #[error("PT_INTERP path is not NUL-terminated")]
    InterpNotTerminated,
    /// There is no PT_LOAD segment, so there is nothing to run (EINVAL).
    #[error("no PT_LOAD segment")]
    NoLoadSegments,
    /// A PT_LOAD has more file bytes than memory bytes (EINVAL).
    #[error("program header {index}: p_filesz {filesz:#x} > p_memsz {memsz:#x}")]
    FileszExceedsMemsz {
        /// Index of the offending program header.
        index: usize,
        /// Its `p_filesz`.
        filesz: u64,
        /// Its `p_memsz`.
        memsz: u64,
    },
    /// A PT_LOAD's `p_offset` and `p_vaddr` differ modulo the page size, so
    /// it cannot be mapped from the file (EINVAL, as `mmap` says).
    #[error("program header {index}: p_offset {offset:#x} and p_vaddr {vaddr:#x} differ modulo the page size")]
    Misaligned {
        /// Index of the offending program header.
        index: usize,
        /// Its `p_offset`.
        offset: u64,
        /// Its `p_vaddr`.
        vaddr: u64,
    },
    /// A PT_LOAD, once biased, does not fit below TASK_SIZE, or its file
    /// range overflows (EINVAL).
    #[error("program header {index}: segment does not fit in the user address space")]
    AddressOverflow {
        /// Index of the offending program header.
        index: usize,
    },
    /// PT_LOAD segments are not in ascending `p_vaddr` order or overlap (EINVAL).
    #[error("program header {index}: PT_LOAD is out of order or overlaps the previous one")]
    Overlap {
        /// Index of the offending program header.
        index: usize,
    },
    /// `p_align` is a power of two larger than the address space (EINVAL).
    #[error("segment alignment {0:#x} is larger than the address space")]
    BadAlignment(u64),
    /// The entry point, once biased, lies outside the user address space (EINVAL).
    #[error("entry point {0:#x} lies outside the user address space")]
    BadEntry(u64),
    /// The load base chosen by the caller is not page-aligned (EINVAL).
    #[error("load base {0:#x} is not page-aligned")]
    UnalignedBase(u64),
    /// Reading the file failed with this errno.
    #[error("read failed: {0}")]
    Io(Errno),
    /// The program interpreter (PT_INTERP target) is unusable: ELIBBAD,
    /// except a read error, which keeps its own errno, and a header cut
    /// short, which is EIO (Linux's `elf_read` of the interpreter header).
    #[error("program interpreter: {0}")]
    Interpreter(Box<ElfError>),
}

impl ElfError {
    /// The errno Linux's `execve` returns for this refusal.
    pub fn errno(&self) -> Errno {
        match self {
            ElfError::BadMagic
            | ElfError::TruncatedHeader(_)
            | ElfError::BadClass(_)
            | ElfError::BadData(_)
            | ElfError::BadType(_)
            | ElfError::BadMachine(_)
            | ElfError::BadPhentsize(_)
            | ElfError::BadPhnum(_)
            | ElfError::TruncatedPhdrs(_)
            | ElfError::BadInterpSize(_)
            | ElfError::InterpNotTerminated => Errno::ENOEXEC,
            ElfError::TruncatedInterp => Errno::EIO,
            ElfError::NoLoadSegments
            | ElfError::FileszExceedsMemsz { .. }
            | ElfError::Misaligned { .. }
            | ElfError::AddressOverflow { .. }
            | ElfError::Overlap { .. }
            | ElfError::BadAlignment(_)
            | ElfError::BadEntry(_)
            | ElfError::UnalignedBase(_) => Errno::EINVAL,
            ElfError::Io(errno) => *errno,
            ElfError::Interpreter(inner) => match **inner {
                ElfError::Io(errno) => errno,
                ElfError::TruncatedHeader(_) => Errno::EIO,
                _ => Errno::ELIBBAD,
            },
        }
    }

    /// Marks an error found while loading the program interpreter.
    pub fn in_interpreter(self) -> ElfError {
        match self {
            ElfError::Interpreter(_) => self,
            other => ElfError::Interpreter(Box::new(other)),
        }
    }
}

impl From<ElfError> for Errno {
    fn from(err: ElfError) -> Errno {
        err.errno()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::string::ToString;

    #[test]
    fn errno_mapping_follows_linux() {
        assert_eq!(ElfError::BadMagic.errno(), Errno::ENOEXEC);
        assert_eq!(ElfError::BadMachine(3).errno(), Errno::ENOEXEC);
        assert_eq!(ElfError::TruncatedInterp.errno(), Errno::EIO);
        assert_eq!(
            ElfError::Misaligned {
                index: 1,
                offset: 1,
                vaddr: 2
            }
            .errno(),
            Errno::EINVAL
        );
        assert_eq!(ElfError::BadMagic.in_interpreter().errno(), Errno::ELIBBAD);
        assert_eq!(
            ElfError::Io(Errno::EIO).in_interpreter().errno(),
            Errno::EIO
        );
        assert_eq!(Errno::from(ElfError::BadPhnum(0)), Errno::ENOEXEC);
    }

    #[test]
    fn interpreter_wrapping_is_idempotent_and_readable() {
        let e = ElfError::BadMachine(3).in_interpreter().in_interpreter();
        assert_eq!(e, ElfError::Interpreter(Box::new(ElfError::BadMachine(3))));
        assert_eq!(
            e.to_string(),
            "program interpreter: ELF machine 3 is not EM_X86_64 (62)"
        );
    }
}
