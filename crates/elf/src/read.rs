//! The seam between this crate and whatever holds the file: positional reads.
//!
//! The loader never sees a host file. The kernel hands it anything that can
//! answer "give me the bytes at this offset" (a VFS `FileDescription`, a byte
//! slice in tests), so the same parser serves executables, interpreters and
//! fuzzing.

use abi::Errno;

/// A file that can be read at an absolute offset without moving any cursor.
pub trait ReadAt {
    /// Reads up to `buf.len()` bytes at `offset` into `buf` and returns how
    /// many were read; fewer than asked (down to 0) means end of file.
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno>;
}

impl ReadAt for [u8] {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        let Ok(start) = usize::try_from(offset) else {
            return Ok(0);
        };
        let Some(tail) = self.get(start..) else {
            return Ok(0);
        };
        let n = tail.len().min(buf.len());
        buf[..n].copy_from_slice(&tail[..n]);
        Ok(n)
    }
}

impl<T: ReadAt + ?Sized> ReadAt for &T {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
        (**self).read_at(offset, buf)
    }
}

/// Reads until `buf` is full or the file ends; returns the bytes read.
///
/// Short reads are retried, as the kernel's `kernel_read` callers expect a
/// full buffer unless the file really ends. A reader that claims more bytes
/// than it was given room for is treated as having filled the buffer.
pub fn read_full<R: ReadAt + ?Sized>(
    file: &R,
    offset: u64,
    buf: &mut [u8],
) -> Result<usize, Errno> {
    let mut done = 0;
    while done < buf.len() {
        let Some(pos) = offset.checked_add(done as u64) else {
            break;
        };
        let n = file.read_at(pos, &mut buf[done..])?;
        if n == 0 {
            break;
        }
        done = done.saturating_add(n).min(buf.len());
    }
    Ok(done)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Hands out one byte per call, to exercise the retry loop.
    struct Trickle<'a>(&'a [u8]);

    impl ReadAt for Trickle<'_> {
        fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize, Errno> {
            let one = buf.len().min(1);
            self.0.read_at(offset, &mut buf[..one])
        }
    }

    #[test]
    fn slice_reads_at_offset_and_stops_at_end() {
        let data = [1u8, 2, 3, 4];
        let mut buf = [0u8; 3];
        assert_eq!(data[..].read_at(2, &mut buf), Ok(2));
        assert_eq!(&buf[..2], &[3, 4]);
        assert_eq!(data[..].read_at(9, &mut buf), Ok(0));
        assert_eq!(data[..].read_at(u64::MAX, &mut buf), Ok(0));
    }

    #[test]
    fn read_full_retries_short_reads() {
        let data = [9u8, 8, 7, 6, 5];
        let mut buf = [0u8; 4];
        assert_eq!(read_full(&Trickle(&data), 1, &mut buf), Ok(4));
        assert_eq!(buf, [8, 7, 6, 5]);
        let mut big = [0u8; 10];
        assert_eq!(read_full(&Trickle(&data), 3, &mut big), Ok(2));
    }

    #[test]
    fn read_full_passes_errors_through() {
        struct Broken;
        impl ReadAt for Broken {
            fn read_at(&self, _: u64, _: &mut [u8]) -> Result<usize, Errno> {
                Err(Errno::EIO)
            }
        }
        assert_eq!(read_full(&Broken, 0, &mut [0u8; 4]), Err(Errno::EIO));
    }
}
