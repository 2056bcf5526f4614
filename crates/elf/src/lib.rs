//! ELF loading for the Sentry, as pure logic: the kernel hands in bytes, this
//! crate hands back plans.
//!
//! `execve` needs three things that depend only on file contents and a few
//! numbers, never on host state, and that must refuse hostile input with the
//! errno Linux would give rather than panic:
//!
//! - [`ElfFile`]: the validated ELF64 x86-64 headers of an executable or of
//!   its program interpreter, read through [`ReadAt`];
//! - [`LoadPlan`]: the mappings (file-backed part, partial page to zero,
//!   anonymous bss), load bias, entry, AT_PHDR and brk start;
//! - [`build_initial_stack`]: the exact bytes and `rsp` of the initial stack
//!   (strings, argv/envp pointers, the auxiliary vector) with Linux's E2BIG
//!   limits;
//!
//! and [`parse_shebang`] for `#!` scripts. Semantics follow Linux 6.x
//! (`fs/binfmt_elf.c`, `fs/exec.c`, `fs/binfmt_script.c`); where this crate is
//! stricter, the item's documentation says so. Every error converts into the
//! `abi::Errno` that `execve` returns.
//!
//! The `execve` flow, with host files standing in for VFS files:
//!
//! ```
//! use elf::{build_initial_stack, arg_limit, AuxvValues, ElfFile, LoadBase, Role, StackSpec};
//!
//! # fn main() -> Result<(), abi::Errno> {
//! # let Ok(exe_bytes) = std::fs::read("/usr/bin/true") else { return Ok(()) };
//! let exe = ElfFile::read(&exe_bytes[..], Role::Executable)?;
//! let exe_plan = exe.plan(LoadBase::Default)?; // PIE at 0x555555554000
//! let interp_plan = match &exe.interp {
//!     Some(path) => {
//!         // The kernel opens `path` through its VFS (ENOENT etc. are its own).
//!         # let path = std::str::from_utf8(path).unwrap();
//!         # let Ok(ld_bytes) = std::fs::read(path) else { return Ok(()) };
//!         let ld = ElfFile::read(&ld_bytes[..], Role::Interpreter)?;
//!         // Any free range of ld.total_mapping_size() bytes will do.
//!         Some(ld.plan(LoadBase::At(0x7fff_f7fc_3000))?)
//!     }
//!     None => None,
//! };
//! // ... map exe_plan.segments and interp_plan's, zeroing each `zero` range ...
//! let spec = StackSpec {
//!     stack_top: 0x7fff_ffff_f000,
//!     execfn: b"/usr/bin/true",
//!     random: [0x42; 16], // from getrandom in the kernel
//!     platform: Some(b"x86_64"),
//!     arg_limit: arg_limit(8 << 20),
//!     auxv: AuxvValues::new(&exe_plan, interp_plan.as_ref()),
//! };
//! let stack = build_initial_stack(&[b"true".as_slice()], &[b"PATH=/bin".as_slice()], &spec)?;
//! let rip = interp_plan.as_ref().map_or(exe_plan.entry, |p| p.entry);
//! assert_eq!(stack.sp % 16, 0);
//! assert!(rip < elf::plan::TASK_SIZE);
//! # Ok(())
//! # }
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

pub mod auxv;
pub mod error;
pub mod file;
pub mod header;
pub mod plan;
#[cfg(test)]
mod proptests;
pub mod read;
pub mod shebang;
pub mod stack;
#[cfg(test)]
mod testelf;

pub use auxv::AuxvValues;
pub use error::ElfError;
pub use file::{ElfFile, ElfType, ExecStack, Role};
pub use plan::{AnonMapping, FileMapping, LoadBase, LoadPlan, Prot, Segment};
pub use read::ReadAt;
pub use shebang::{parse_shebang, Shebang, ShebangError};
pub use stack::{arg_limit, build_initial_stack, InitialStack, StackError, StackSpec};
