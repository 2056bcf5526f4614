//! Copying to and from application memory.
//!
//! Handlers never see raw guest pointers: they get a [`UserPtr<T>`] or a
//! [`UserSlice`] from the decoded system-call arguments and copy through a
//! [`UserMemory`], which the task implements on top of its address space
//! (mm's `translate` plus the memory file). Every bad pointer — unmapped,
//! protected, non-canonical, wrapping — becomes `EFAULT`, never a panic.
//! Length limits follow Linux: paths longer than `PATH_MAX` give
//! `ENAMETOOLONG`, `execve` arguments beyond the limits give `E2BIG`.

use core::marker::PhantomData;

use abi::Errno;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// Linux's `PATH_MAX`, the NUL byte included.
pub const PATH_MAX: usize = 4096;
/// Linux's `MAX_ARG_STRLEN`: the longest single `execve` argument (32 pages).
pub const MAX_ARG_STRLEN: usize = 32 * 4096;
/// Linux's `MAX_ARG_STRINGS`: the most `execve` arguments plus environment.
pub const MAX_ARG_STRINGS: usize = 0x7FFF_FFFF;
/// Linux's `UIO_MAXIOV`: the most iovecs a vectored call takes.
pub const UIO_MAXIOV: usize = 1024;
/// Linux's `MAX_RW_COUNT`: one read or write transfers at most this much.
pub const MAX_RW_COUNT: u64 = 0x7FFF_F000;
/// One past the highest user address on x86-64 (`TASK_SIZE_MAX`).
pub const TASK_SIZE: u64 = 0x7FFF_FFFF_F000;
const PAGE_SIZE: u64 = 4096;

/// Access to one application address space, byte-wise. Implementations
/// fault pages in as the application itself would and fail with `EFAULT` on
/// any address the application could not access the same way.
pub trait UserMemory {
    /// Fills `buf` from application memory at `addr`.
    fn read_bytes(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno>;
    /// Writes `buf` to application memory at `addr`.
    fn write_bytes(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno>;
}

/// Checks that `[addr, addr + len)` lies in user space without wrapping.
pub fn check_range(addr: u64, len: u64) -> Result<(), Errno> {
    match addr.checked_add(len) {
        Some(end) if end <= TASK_SIZE => Ok(()),
        _ => Err(Errno::EFAULT),
    }
}

/// A typed application pointer, as a system call received it.
pub struct UserPtr<T> {
    addr: u64,
    _t: PhantomData<fn() -> T>,
}

impl<T> Clone for UserPtr<T> {
    fn clone(&self) -> Self {
        *self
    }
}
impl<T> Copy for UserPtr<T> {}

impl<T> core::fmt::Debug for UserPtr<T> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "{:#x}", self.addr)
    }
}

impl<T> UserPtr<T> {
    /// Wraps a raw application address.
    pub fn new(addr: u64) -> Self {
        UserPtr {
            addr,
            _t: PhantomData,
        }
    }

    /// The raw address.
    pub fn addr(self) -> u64 {
        self.addr
    }

    /// Whether the application passed NULL (often meaning "not given").
    pub fn is_null(self) -> bool {
        self.addr == 0
    }

    /// The pointer to element `n` of an array starting here; `EFAULT` when
    /// the address would wrap.
    pub fn index(self, n: u64) -> Result<Self, Errno> {
        let size = core::mem::size_of::<T>() as u64;
        n.checked_mul(size)
            .and_then(|off| self.addr.checked_add(off))
            .map(Self::new)
            .ok_or(Errno::EFAULT)
    }
}

impl<T: FromBytes + IntoBytes + Immutable + KnownLayout> UserPtr<T> {
    /// Copies a `T` in from the application.
    pub fn read(self, m: &mut dyn UserMemory) -> Result<T, Errno> {
        let mut v = T::new_zeroed();
        let bytes = v.as_mut_bytes();
        check_range(self.addr, bytes.len() as u64)?;
        m.read_bytes(self.addr, bytes)?;
        Ok(v)
    }

    /// Copies `v` out to the application.
    pub fn write(self, m: &mut dyn UserMemory, v: &T) -> Result<(), Errno> {
        let bytes = v.as_bytes();
        check_range(self.addr, bytes.len() as u64)?;
        m.write_bytes(self.addr, bytes)
    }
}

/// An application buffer: an address and a length in bytes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UserSlice {
    /// First byte.
    pub addr: u64,
    /// Length in bytes.
    pub len: u64,
}

impl UserSlice {
    /// Describes `len` bytes at `addr`.
    pub fn new(addr: u64, len: u64) -> Self {
        UserSlice { addr, len }
    }

    /// Copies the whole buffer in; `EFAULT` for a bad range. The caller
    /// bounds `len` first (e.g. by [`MAX_RW_COUNT`]) so a hostile length
    /// cannot make the Sentry allocate without limit.
    pub fn read_all(self, m: &mut dyn UserMemory) -> Result<Vec<u8>, Errno> {
        check_range(self.addr, self.len)?;
        let len = usize::try_from(self.len).map_err(|_| Errno::EFAULT)?;
        let mut buf = vec![0u8; len];
        m.read_bytes(self.addr, &mut buf)?;
        Ok(buf)
    }

    /// Fills `buf` from the start of the buffer; `buf` must fit.
    pub fn read_prefix(self, m: &mut dyn UserMemory, buf: &mut [u8]) -> Result<(), Errno> {
        if buf.len() as u64 > self.len {
            return Err(Errno::EFAULT);
        }
        check_range(self.addr, buf.len() as u64)?;
        m.read_bytes(self.addr, buf)
    }

    /// Copies `data` out to the start of the buffer; `data` must fit.
    pub fn write_prefix(self, m: &mut dyn UserMemory, data: &[u8]) -> Result<(), Errno> {
        if data.len() as u64 > self.len {
            return Err(Errno::EFAULT);
        }
        check_range(self.addr, data.len() as u64)?;
        m.write_bytes(self.addr, data)
    }
}

/// Copies in a NUL-terminated string of at most `max` bytes including the
/// NUL. Reads page by page so that a string ending just before an unmapped
/// page is fine. `too_long` is returned when no NUL is found in `max` bytes.
pub fn copy_in_cstring(
    m: &mut dyn UserMemory,
    addr: u64,
    max: usize,
    too_long: Errno,
) -> Result<Vec<u8>, Errno> {
    let mut out = Vec::new();
    let mut cur = addr;
    let mut page = [0u8; PAGE_SIZE as usize];
    while out.len() < max {
        let in_page = (PAGE_SIZE - (cur % PAGE_SIZE)) as usize;
        let n = in_page.min(max - out.len());
        check_range(cur, n as u64)?;
        let chunk = &mut page[..n];
        m.read_bytes(cur, chunk)?;
        if let Some(pos) = chunk.iter().position(|&b| b == 0) {
            out.extend_from_slice(&chunk[..pos]);
            return Ok(out);
        }
        out.extend_from_slice(chunk);
        cur += n as u64;
    }
    Err(too_long)
}

/// Copies in a path name: `ENAMETOOLONG` beyond `PATH_MAX`, `EFAULT` for a
/// bad pointer. Empty paths are returned as such; whether they mean
/// `ENOENT` or `AT_EMPTY_PATH` is the caller's decision.
pub fn copy_in_path(m: &mut dyn UserMemory, addr: u64) -> Result<Vec<u8>, Errno> {
    copy_in_cstring(m, addr, PATH_MAX, Errno::ENAMETOOLONG)
}

/// Copies in a NULL-terminated array of string pointers (`argv`, `envp`).
/// A NULL array is empty, as Linux treats it. Limits: [`MAX_ARG_STRLEN`] per
/// string and `max_total` bytes over all strings with their NULs and
/// pointers, both `E2BIG`.
pub fn copy_in_string_array(
    m: &mut dyn UserMemory,
    addr: u64,
    max_total: usize,
) -> Result<Vec<Vec<u8>>, Errno> {
    let mut out = Vec::new();
    if addr == 0 {
        return Ok(out);
    }
    let mut total = 0usize;
    let base = UserPtr::<u64>::new(addr);
    for i in 0..MAX_ARG_STRINGS as u64 {
        let p = base.index(i)?.read(m)?;
        if p == 0 {
            return Ok(out);
        }
        let s = copy_in_cstring(m, p, MAX_ARG_STRLEN, Errno::E2BIG)?;
        total = total
            .saturating_add(s.len() + 1)
            .saturating_add(core::mem::size_of::<u64>());
        if total > max_total {
            return Err(Errno::E2BIG);
        }
        out.push(s);
    }
    Err(Errno::E2BIG)
}

/// One `struct iovec` after validation: where and how much.
pub type IoVec = UserSlice;

/// Copies in an iovec array for `readv`/`writev`-style calls: `EINVAL` for
/// more than [`UIO_MAXIOV`] entries or a length that is negative as
/// `ssize_t`; the total is clamped to [`MAX_RW_COUNT`] as Linux does, by
/// shortening the tail.
pub fn copy_in_iovecs(m: &mut dyn UserMemory, addr: u64, cnt: u64) -> Result<Vec<IoVec>, Errno> {
    if cnt > UIO_MAXIOV as u64 {
        return Err(Errno::EINVAL);
    }
    let mut out = Vec::with_capacity(cnt as usize);
    let mut total: u64 = 0;
    let base = UserPtr::<[u64; 2]>::new(addr);
    for i in 0..cnt {
        let [base_addr, len] = base.index(i)?.read(m)?;
        if len > i64::MAX as u64 {
            return Err(Errno::EINVAL);
        }
        let len = len.min(MAX_RW_COUNT - total);
        total += len;
        out.push(UserSlice::new(base_addr, len));
    }
    Ok(out)
}

/// Application memory as a flat byte vector starting at address `base`, for
/// unit tests of code that copies to and from user memory.
#[cfg(test)]
pub(crate) struct FlatMemory {
    pub base: u64,
    pub bytes: Vec<u8>,
}

#[cfg(test)]
impl FlatMemory {
    fn range(&self, addr: u64, len: usize) -> Result<core::ops::Range<usize>, Errno> {
        let off = addr.checked_sub(self.base).ok_or(Errno::EFAULT)? as usize;
        let end = off.checked_add(len).ok_or(Errno::EFAULT)?;
        if end > self.bytes.len() {
            return Err(Errno::EFAULT);
        }
        Ok(off..end)
    }
}

#[cfg(test)]
impl UserMemory for FlatMemory {
    fn read_bytes(&mut self, addr: u64, buf: &mut [u8]) -> Result<(), Errno> {
        let r = self.range(addr, buf.len())?;
        buf.copy_from_slice(&self.bytes[r]);
        Ok(())
    }
    fn write_bytes(&mut self, addr: u64, buf: &[u8]) -> Result<(), Errno> {
        let r = self.range(addr, buf.len())?;
        self.bytes[r].copy_from_slice(buf);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mem(len: usize) -> FlatMemory {
        FlatMemory {
            base: 0x10000,
            bytes: vec![0; len],
        }
    }

    #[test]
    fn typed_round_trip_and_efault() {
        let mut m = mem(4096);
        let p = UserPtr::<u64>::new(0x10008);
        p.write(&mut m, &0xdead_beef).unwrap();
        assert_eq!(p.read(&mut m).unwrap(), 0xdead_beef);
        assert_eq!(
            UserPtr::<u64>::new(0x10ffc).read(&mut m),
            Err(Errno::EFAULT)
        );
        assert_eq!(UserPtr::<u64>::new(0).read(&mut m), Err(Errno::EFAULT));
        assert_eq!(
            UserPtr::<u64>::new(u64::MAX - 3).read(&mut m),
            Err(Errno::EFAULT)
        );
    }

    #[test]
    fn string_stops_at_nul_before_unmapped_page() {
        let mut m = mem(4096);
        let at = 0x10000 + 4096 - 4;
        m.write_bytes(at, b"abc\0").unwrap();
        assert_eq!(copy_in_path(&mut m, at).unwrap(), b"abc");
        m.write_bytes(at, b"abcd").unwrap();
        assert_eq!(copy_in_path(&mut m, at), Err(Errno::EFAULT));
    }

    #[test]
    fn path_too_long_is_enametoolong() {
        let mut m = mem(3 * 4096);
        m.bytes.iter_mut().for_each(|b| *b = b'a');
        assert_eq!(copy_in_path(&mut m, 0x10000), Err(Errno::ENAMETOOLONG));
        m.bytes[PATH_MAX - 1] = 0;
        assert_eq!(copy_in_path(&mut m, 0x10000).unwrap().len(), PATH_MAX - 1);
    }

    #[test]
    fn string_array_and_e2big() {
        let mut m = mem(4096);
        m.write_bytes(0x10100, b"one\0two\0").unwrap();
        for (i, v) in [0x10100u64, 0x10104, 0].iter().enumerate() {
            UserPtr::<u64>::new(0x10000 + 8 * i as u64)
                .write(&mut m, v)
                .unwrap();
        }
        let v = copy_in_string_array(&mut m, 0x10000, 1 << 20).unwrap();
        assert_eq!(v, vec![b"one".to_vec(), b"two".to_vec()]);
        assert_eq!(copy_in_string_array(&mut m, 0x10000, 10), Err(Errno::E2BIG));
        assert!(copy_in_string_array(&mut m, 0, 10).unwrap().is_empty());
    }

    #[test]
    fn iovecs_validate_count_and_length() {
        let mut m = mem(4096);
        UserPtr::<[u64; 2]>::new(0x10000)
            .write(&mut m, &[0x1000, 5])
            .unwrap();
        UserPtr::<[u64; 2]>::new(0x10010)
            .write(&mut m, &[0x2000, u64::MAX])
            .unwrap();
        assert_eq!(
            copy_in_iovecs(&mut m, 0x10000, 1).unwrap(),
            vec![UserSlice::new(0x1000, 5)]
        );
        assert_eq!(copy_in_iovecs(&mut m, 0x10000, 2), Err(Errno::EINVAL));
        assert_eq!(copy_in_iovecs(&mut m, 0x10000, 1025), Err(Errno::EINVAL));
        UserPtr::<[u64; 2]>::new(0x10010)
            .write(&mut m, &[0x2000, MAX_RW_COUNT])
            .unwrap();
        let v = copy_in_iovecs(&mut m, 0x10000, 2).unwrap();
        assert_eq!(v[1].len, MAX_RW_COUNT - 5);
    }
}
