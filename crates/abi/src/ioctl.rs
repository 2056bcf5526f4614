//! `<asm-generic/ioctl.h>`: how `ioctl(2)` request numbers are built.
//!
//! A request packs a direction, a size, a type byte and a number:
//! `dir << 30 | size << 16 | type << 8 | nr`. Old requests such as
//! `TCGETS` (0x5401) predate the scheme and have no direction or size.

/// Bits of the command number.
pub const _IOC_NRBITS: u32 = 8;
/// Bits of the type (driver) byte.
pub const _IOC_TYPEBITS: u32 = 8;
/// Bits of the argument size.
pub const _IOC_SIZEBITS: u32 = 14;
/// Bits of the direction.
pub const _IOC_DIRBITS: u32 = 2;
/// Shift of the command number.
pub const _IOC_NRSHIFT: u32 = 0;
/// Shift of the type byte.
pub const _IOC_TYPESHIFT: u32 = _IOC_NRSHIFT + _IOC_NRBITS;
/// Shift of the size.
pub const _IOC_SIZESHIFT: u32 = _IOC_TYPESHIFT + _IOC_TYPEBITS;
/// Shift of the direction.
pub const _IOC_DIRSHIFT: u32 = _IOC_SIZESHIFT + _IOC_SIZEBITS;
/// Direction: no data transfer.
pub const _IOC_NONE: u32 = 0;
/// Direction: user space writes, the kernel reads the argument.
pub const _IOC_WRITE: u32 = 1;
/// Direction: the kernel writes the argument back.
pub const _IOC_READ: u32 = 2;

/// Builds a request number (`_IOC`).
#[allow(non_snake_case)]
pub const fn _IOC(dir: u32, ty: u8, nr: u8, size: usize) -> u32 {
    (dir << _IOC_DIRSHIFT)
        | (((size as u32) & ((1 << _IOC_SIZEBITS) - 1)) << _IOC_SIZESHIFT)
        | ((ty as u32) << _IOC_TYPESHIFT)
        | ((nr as u32) << _IOC_NRSHIFT)
}

/// A request without an argument (`_IO`).
#[allow(non_snake_case)]
pub const fn _IO(ty: u8, nr: u8) -> u32 {
    _IOC(_IOC_NONE, ty, nr, 0)
}

/// A request whose argument of `size` bytes the kernel fills (`_IOR`).
#[allow(non_snake_case)]
pub const fn _IOR(ty: u8, nr: u8, size: usize) -> u32 {
    _IOC(_IOC_READ, ty, nr, size)
}

/// A request whose argument of `size` bytes the kernel reads (`_IOW`).
#[allow(non_snake_case)]
pub const fn _IOW(ty: u8, nr: u8, size: usize) -> u32 {
    _IOC(_IOC_WRITE, ty, nr, size)
}

/// A request whose argument of `size` bytes goes both ways (`_IOWR`).
#[allow(non_snake_case)]
pub const fn _IOWR(ty: u8, nr: u8, size: usize) -> u32 {
    _IOC(_IOC_READ | _IOC_WRITE, ty, nr, size)
}

/// The direction of a request (`_IOC_DIR`).
#[allow(non_snake_case)]
pub const fn _IOC_DIR(req: u32) -> u32 {
    (req >> _IOC_DIRSHIFT) & ((1 << _IOC_DIRBITS) - 1)
}

/// The type byte of a request (`_IOC_TYPE`).
#[allow(non_snake_case)]
pub const fn _IOC_TYPE(req: u32) -> u32 {
    (req >> _IOC_TYPESHIFT) & ((1 << _IOC_TYPEBITS) - 1)
}

/// The command number of a request (`_IOC_NR`).
#[allow(non_snake_case)]
pub const fn _IOC_NR(req: u32) -> u32 {
    (req >> _IOC_NRSHIFT) & ((1 << _IOC_NRBITS) - 1)
}

/// The argument size of a request (`_IOC_SIZE`).
#[allow(non_snake_case)]
pub const fn _IOC_SIZE(req: u32) -> u32 {
    (req >> _IOC_SIZESHIFT) & ((1 << _IOC_SIZEBITS) - 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encoding_matches_known_requests() {
        // TIOCGPTN = _IOR('T', 0x30, unsigned int), TIOCGPTPEER = _IO('T', 0x41)
        assert_eq!(_IOR(b'T', 0x30, 4), libc::TIOCGPTN as u32);
        assert_eq!(_IOW(b'T', 0x31, 4), libc::TIOCSPTLCK as u32);
        assert_eq!(_IO(b'T', 0x41), libc::TIOCGPTPEER as u32);
        // FS_IOC_GETFLAGS = _IOR('f', 1, long)
        assert_eq!(_IOR(b'f', 1, 8), libc::FS_IOC_GETFLAGS as u32);
        let r = _IOWR(b'X', 7, 300);
        assert_eq!(
            (_IOC_DIR(r), _IOC_TYPE(r), _IOC_NR(r), _IOC_SIZE(r)),
            (3, 0x58, 7, 300)
        );
    }
}
