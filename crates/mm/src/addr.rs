//! Pages, protections and access kinds: the vocabulary of an address space.

pub use abi::mman::{ProtFlags, PAGE_SIZE};

/// Read, write and execute: the protection bits an area can have, and the
/// most an anonymous area may be granted.
pub(crate) const PROT_RWX: ProtFlags = ProtFlags::PROT_READ
    .union(ProtFlags::PROT_WRITE)
    .union(ProtFlags::PROT_EXEC);

pub(crate) use abi::mman::{
    is_page_aligned as is_aligned, page_align_down as page_down, page_align_up as page_up,
};

/// The kind of memory access that faulted or is requested.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AccessType {
    /// A load.
    Read,
    /// A store.
    Write,
    /// An instruction fetch.
    Execute,
}

impl AccessType {
    /// Whether an area with protection `prot` allows this access, with
    /// x86-64 semantics: any present page is readable.
    pub fn allowed_by(self, prot: ProtFlags) -> bool {
        match self {
            AccessType::Read => prot.intersects(PROT_RWX),
            AccessType::Write => prot.contains(ProtFlags::PROT_WRITE),
            AccessType::Execute => prot.contains(ProtFlags::PROT_EXEC),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn x86_access_rules() {
        use AccessType::*;
        assert!(Read.allowed_by(ProtFlags::PROT_WRITE));
        assert!(Read.allowed_by(ProtFlags::PROT_EXEC));
        assert!(!Read.allowed_by(ProtFlags::empty()));
        assert!(!Write.allowed_by(ProtFlags::PROT_READ));
        assert!(!Execute.allowed_by(ProtFlags::PROT_READ));
        assert!(Execute.allowed_by(ProtFlags::PROT_READ | ProtFlags::PROT_EXEC));
    }
}
