//! A test double of the platform for benchmarks and tests that drive the
//! Sentry without running application code: address spaces accept every
//! request and record nothing, contexts refuse to run. The memory file is
//! real, so the Sentry's copies to and from application memory work.

use std::sync::Arc;

use crate::{
    AddressSpace, Context, CpuState, Error, Event, Interrupter, MemoryFile, Platform, Prot, Result,
};

/// A platform whose address spaces and contexts are [`FakeAddressSpace`]
/// and [`FakeContext`], over a real memory file.
#[derive(Debug)]
pub struct FakePlatform {
    memfile: Arc<MemoryFile>,
}

impl FakePlatform {
    /// A fake platform with a memory file of `len` bytes.
    pub fn new(len: u64) -> Result<FakePlatform> {
        Ok(FakePlatform {
            memfile: Arc::new(MemoryFile::new(len)?),
        })
    }
}

impl Platform for FakePlatform {
    fn name(&self) -> &'static str {
        "fake"
    }

    fn memory_file(&self) -> &Arc<MemoryFile> {
        &self.memfile
    }

    fn new_address_space(&self) -> Result<Arc<dyn AddressSpace>> {
        Ok(Arc::new(FakeAddressSpace))
    }

    fn new_context(&self) -> Result<Box<dyn Context>> {
        Ok(Box::new(FakeContext))
    }

    fn address_range(&self) -> (u64, u64) {
        (0x10000, 0x7fff_0000_0000)
    }
}

/// An address space that accepts every request and records nothing.
#[derive(Debug)]
pub struct FakeAddressSpace;

impl AddressSpace for FakeAddressSpace {
    fn map(&self, _addr: u64, _len: u64, _prot: Prot, _file_offset: u64) -> Result<()> {
        Ok(())
    }

    fn unmap(&self, _addr: u64, _len: u64) -> Result<()> {
        Ok(())
    }

    fn protect(&self, _addr: u64, _len: u64, _prot: Prot) -> Result<()> {
        Ok(())
    }

    fn as_any(&self) -> &dyn std::any::Any {
        self
    }
}

/// A context that cannot run anything: [`Context::switch`] fails.
#[derive(Debug)]
pub struct FakeContext;

impl Context for FakeContext {
    fn switch(&mut self, _space: &Arc<dyn AddressSpace>, _state: &mut CpuState) -> Result<Event> {
        Err(Error::Invalid("the fake platform does not run code"))
    }

    fn interrupter(&self) -> Interrupter {
        Interrupter(Arc::new(|| {}))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_accept_and_contexts_refuse() {
        let p = FakePlatform::new(1 << 20).unwrap();
        assert_eq!(p.memory_file().len(), 1 << 20);
        let space = p.new_address_space().unwrap();
        assert!(space
            .map(
                0x10000,
                4096,
                Prot {
                    read: true,
                    ..Prot::default()
                },
                0
            )
            .is_ok());
        let mut ctx = p.new_context().unwrap();
        let mut st = CpuState::new(0x10000, 0x20000);
        assert!(ctx.switch(&space, &mut st).is_err());
    }
}
