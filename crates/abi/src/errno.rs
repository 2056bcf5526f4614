//! `<asm-generic/errno.h>` and `<linux/errno.h>`: error numbers.
//!
//! [`Errno`] is the one error type at the system-call boundary: handlers
//! return `Result<_, Errno>` and the dispatcher turns it into `-errno` in
//! `rax`. Every Linux value 1..=133 is here with its name and glibc's
//! `strerror` text, plus the kernel-internal restart codes (512 and up) that
//! the Sentry uses to implement `SA_RESTART` semantics; those never reach user
//! space, because the dispatcher rewrites them before returning.

use core::fmt;

/// A Linux error number (the positive value; the syscall ABI returns it
/// negated).
///
/// Only known numbers can be built through [`Errno::from_raw`]; the associated
/// constants (`Errno::ENOENT`) are the usual way to name one.
#[repr(transparent)]
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Errno(i32);

macro_rules! errno_table {
    (
        user { $($nr:literal => $name:ident, $text:literal;)* }
        internal { $($inr:literal => $iname:ident, $itext:literal;)* }
    ) => {
        impl Errno {
            $(
                #[doc = concat!($text, ".")]
                pub const $name: Errno = Errno($nr);
            )*
            $(
                #[doc = concat!($itext, ". Kernel-internal: never reaches user space.")]
                pub const $iname: Errno = Errno($inr);
            )*

            /// The symbolic name (`"ENOENT"`). Aliases print as the value's
            /// primary name (`EWOULDBLOCK` prints `"EAGAIN"`).
            pub const fn name(self) -> &'static str {
                match self.0 {
                    $($nr => stringify!($name),)*
                    $($inr => stringify!($iname),)*
                    _ => "EUNKNOWN",
                }
            }

            /// glibc's `strerror` text (`"No such file or directory"`); the
            /// kernel-internal codes get a description of their own.
            pub const fn strerror(self) -> &'static str {
                match self.0 {
                    $($nr => $text,)*
                    $($inr => $itext,)*
                    _ => "Unknown error",
                }
            }

            /// Whether the value is one of the errnos above.
            const fn is_known(self) -> bool {
                matches!(self.0, $($nr)|* | $($inr)|*)
            }

            /// Every known errno value, user-visible ones first, in number
            /// order; aliases are not repeated.
            pub const ALL: &'static [Errno] = &[$(Errno($nr),)* $(Errno($inr),)*];
        }
    };
}

errno_table! {
    user {
    1 => EPERM, "Operation not permitted";
    2 => ENOENT, "No such file or directory";
    3 => ESRCH, "No such process";
    4 => EINTR, "Interrupted system call";
    5 => EIO, "Input/output error";
    6 => ENXIO, "No such device or address";
    7 => E2BIG, "Argument list too long";
    8 => ENOEXEC, "Exec format error";
    9 => EBADF, "Bad file descriptor";
    10 => ECHILD, "No child processes";
    11 => EAGAIN, "Resource temporarily unavailable";
    12 => ENOMEM, "Cannot allocate memory";
    13 => EACCES, "Permission denied";
    14 => EFAULT, "Bad address";
    15 => ENOTBLK, "Block device required";
    16 => EBUSY, "Device or resource busy";
    17 => EEXIST, "File exists";
    18 => EXDEV, "Invalid cross-device link";
    19 => ENODEV, "No such device";
    20 => ENOTDIR, "Not a directory";
    21 => EISDIR, "Is a directory";
    22 => EINVAL, "Invalid argument";
    23 => ENFILE, "Too many open files in system";
    24 => EMFILE, "Too many open files";
    25 => ENOTTY, "Inappropriate ioctl for device";
    26 => ETXTBSY, "Text file busy";
    27 => EFBIG, "File too large";
    28 => ENOSPC, "No space left on device";
    29 => ESPIPE, "Illegal seek";
    30 => EROFS, "Read-only file system";
    31 => EMLINK, "Too many links";
    32 => EPIPE, "Broken pipe";
    33 => EDOM, "Numerical argument out of domain";
    34 => ERANGE, "Numerical result out of range";
    35 => EDEADLK, "Resource deadlock avoided";
    36 => ENAMETOOLONG, "File name too long";
    37 => ENOLCK, "No locks available";
    38 => ENOSYS, "Function not implemented";
    39 => ENOTEMPTY, "Directory not empty";
    40 => ELOOP, "Too many levels of symbolic links";
    42 => ENOMSG, "No message of desired type";
    43 => EIDRM, "Identifier removed";
    44 => ECHRNG, "Channel number out of range";
    45 => EL2NSYNC, "Level 2 not synchronized";
    46 => EL3HLT, "Level 3 halted";
    47 => EL3RST, "Level 3 reset";
    48 => ELNRNG, "Link number out of range";
    49 => EUNATCH, "Protocol driver not attached";
    50 => ENOCSI, "No CSI structure available";
    51 => EL2HLT, "Level 2 halted";
    52 => EBADE, "Invalid exchange";
    53 => EBADR, "Invalid request descriptor";
    54 => EXFULL, "Exchange full";
    55 => ENOANO, "No anode";
    56 => EBADRQC, "Invalid request code";
    57 => EBADSLT, "Invalid slot";
    59 => EBFONT, "Bad font file format";
    60 => ENOSTR, "Device not a stream";
    61 => ENODATA, "No data available";
    62 => ETIME, "Timer expired";
    63 => ENOSR, "Out of streams resources";
    64 => ENONET, "Machine is not on the network";
    65 => ENOPKG, "Package not installed";
    66 => EREMOTE, "Object is remote";
    67 => ENOLINK, "Link has been severed";
    68 => EADV, "Advertise error";
    69 => ESRMNT, "Srmount error";
    70 => ECOMM, "Communication error on send";
    71 => EPROTO, "Protocol error";
    72 => EMULTIHOP, "Multihop attempted";
    73 => EDOTDOT, "RFS specific error";
    74 => EBADMSG, "Bad message";
    75 => EOVERFLOW, "Value too large for defined data type";
    76 => ENOTUNIQ, "Name not unique on network";
    77 => EBADFD, "File descriptor in bad state";
    78 => EREMCHG, "Remote address changed";
    79 => ELIBACC, "Can not access a needed shared library";
    80 => ELIBBAD, "Accessing a corrupted shared library";
    81 => ELIBSCN, ".lib section in a.out corrupted";
    82 => ELIBMAX, "Attempting to link in too many shared libraries";
    83 => ELIBEXEC, "Cannot exec a shared library directly";
    84 => EILSEQ, "Invalid or incomplete multibyte or wide character";
    85 => ERESTART, "Interrupted system call should be restarted";
    86 => ESTRPIPE, "Streams pipe error";
    87 => EUSERS, "Too many users";
    88 => ENOTSOCK, "Socket operation on non-socket";
    89 => EDESTADDRREQ, "Destination address required";
    90 => EMSGSIZE, "Message too long";
    91 => EPROTOTYPE, "Protocol wrong type for socket";
    92 => ENOPROTOOPT, "Protocol not available";
    93 => EPROTONOSUPPORT, "Protocol not supported";
    94 => ESOCKTNOSUPPORT, "Socket type not supported";
    95 => EOPNOTSUPP, "Operation not supported";
    96 => EPFNOSUPPORT, "Protocol family not supported";
    97 => EAFNOSUPPORT, "Address family not supported by protocol";
    98 => EADDRINUSE, "Address already in use";
    99 => EADDRNOTAVAIL, "Cannot assign requested address";
    100 => ENETDOWN, "Network is down";
    101 => ENETUNREACH, "Network is unreachable";
    102 => ENETRESET, "Network dropped connection on reset";
    103 => ECONNABORTED, "Software caused connection abort";
    104 => ECONNRESET, "Connection reset by peer";
    105 => ENOBUFS, "No buffer space available";
    106 => EISCONN, "Transport endpoint is already connected";
    107 => ENOTCONN, "Transport endpoint is not connected";
    108 => ESHUTDOWN, "Cannot send after transport endpoint shutdown";
    109 => ETOOMANYREFS, "Too many references: cannot splice";
    110 => ETIMEDOUT, "Connection timed out";
    111 => ECONNREFUSED, "Connection refused";
    112 => EHOSTDOWN, "Host is down";
    113 => EHOSTUNREACH, "No route to host";
    114 => EALREADY, "Operation already in progress";
    115 => EINPROGRESS, "Operation now in progress";
    116 => ESTALE, "Stale file handle";
    117 => EUCLEAN, "Structure needs cleaning";
    118 => ENOTNAM, "Not a XENIX named type file";
    119 => ENAVAIL, "No XENIX semaphores available";
    120 => EISNAM, "Is a named type file";
    121 => EREMOTEIO, "Remote I/O error";
    122 => EDQUOT, "Disk quota exceeded";
    123 => ENOMEDIUM, "No medium found";
    124 => EMEDIUMTYPE, "Wrong medium type";
    125 => ECANCELED, "Operation canceled";
    126 => ENOKEY, "Required key not available";
    127 => EKEYEXPIRED, "Key has expired";
    128 => EKEYREVOKED, "Key has been revoked";
    129 => EKEYREJECTED, "Key was rejected by service";
    130 => EOWNERDEAD, "Owner died";
    131 => ENOTRECOVERABLE, "State not recoverable";
    132 => ERFKILL, "Operation not possible due to RF-kill";
    133 => EHWPOISON, "Memory page has hardware error";
    }
    internal {
    512 => ERESTARTSYS, "Restart the system call if the handler has SA_RESTART, else EINTR";
    513 => ERESTARTNOINTR, "Always restart the system call after the signal";
    514 => ERESTARTNOHAND, "Restart the system call if no handler ran, else EINTR";
    515 => ENOIOCTLCMD, "No ioctl command (the driver does not handle it)";
    516 => ERESTART_RESTARTBLOCK, "Restart through restart_syscall(2) if no handler ran, else EINTR";
    517 => EPROBE_DEFER, "Driver requests probe retry";
    518 => EOPENSTALE, "Open found a stale dentry";
    519 => ENOPARAM, "Parameter not supported";
    521 => EBADHANDLE, "Illegal NFS file handle";
    522 => ENOTSYNC, "Update synchronization mismatch";
    523 => EBADCOOKIE, "Cookie is stale";
    524 => ENOTSUPP, "Operation is not supported";
    525 => ETOOSMALL, "Buffer or request is too small";
    526 => ESERVERFAULT, "An untranslatable error occurred";
    527 => EBADTYPE, "Type not supported by server";
    528 => EJUKEBOX, "Request initiated, but will not complete before timeout";
    529 => EIOCBQUEUED, "iocb queued, will get completion event";
    530 => ERECALLCONFLICT, "Conflict with recalled state";
    531 => ENOGRACE, "NFS file lock reclaim refused";
    }
}

impl Errno {
    /// Alias of [`Errno::EAGAIN`].
    pub const EWOULDBLOCK: Errno = Errno::EAGAIN;
    /// Alias of [`Errno::EDEADLK`].
    pub const EDEADLOCK: Errno = Errno::EDEADLK;
    /// Alias of [`Errno::EOPNOTSUPP`] (glibc's name for it).
    pub const ENOTSUP: Errno = Errno::EOPNOTSUPP;

    /// The largest errno a system call may return: the kernel treats
    /// `-4095..=-1` in `rax` as an error (`IS_ERR_VALUE`).
    pub const MAX_ERRNO: i32 = 4095;

    /// The `Errno` for a known value, or `None` (0, negative, 41, 58 and
    /// other unassigned numbers).
    pub const fn from_raw(n: i32) -> Option<Errno> {
        let e = Errno(n);
        if e.is_known() {
            Some(e)
        } else {
            None
        }
    }

    /// The positive value (`ENOENT` is 2).
    pub const fn as_i32(self) -> i32 {
        self.0
    }

    /// The value a system call leaves in `rax`: `-errno` as a 64-bit word.
    pub const fn as_ret(self) -> u64 {
        (-(self.0 as i64)) as u64
    }

    /// Whether this is one of the restart codes the Sentry must translate
    /// (to `EINTR` or a re-executed call) before returning to the guest.
    pub const fn is_restart(self) -> bool {
        matches!(self.0, 512 | 513 | 514 | 516)
    }

    /// Decodes a raw system-call return (`rax` as signed): values in
    /// `-4095..=-1` are errors, everything else is a successful result.
    ///
    /// An error value whose number is not in the table still decodes as an
    /// error (with that number), since the kernel's contract is the range.
    pub const fn from_ret(ret: i64) -> Result<u64, Errno> {
        if ret < 0 && ret >= -(Errno::MAX_ERRNO as i64) {
            Err(Errno(-ret as i32))
        } else {
            Ok(ret as u64)
        }
    }
}

impl fmt::Display for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_known() {
            write!(f, "{}: {}", self.name(), self.strerror())
        } else {
            write!(f, "Unknown error {}", self.0)
        }
    }
}

impl fmt::Debug for Errno {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_known() {
            f.write_str(self.name())
        } else {
            write!(f, "Errno({})", self.0)
        }
    }
}

#[cfg(feature = "std")]
impl std::error::Error for Errno {}

#[cfg(test)]
mod tests {
    use super::*;
    use std::format;
    use std::string::ToString;

    #[test]
    fn values_match_libc() {
        macro_rules! check {
            ($($name:ident)*) => {$(
                assert_eq!(Errno::$name.as_i32(), libc::$name, stringify!($name));
            )*};
        }
        check! {
            EPERM ENOENT ESRCH EINTR EIO ENXIO E2BIG ENOEXEC EBADF ECHILD EAGAIN ENOMEM EACCES
            EFAULT ENOTBLK EBUSY EEXIST EXDEV ENODEV ENOTDIR EISDIR EINVAL ENFILE EMFILE ENOTTY
            ETXTBSY EFBIG ENOSPC ESPIPE EROFS EMLINK EPIPE EDOM ERANGE EDEADLK ENAMETOOLONG ENOLCK
            ENOSYS ENOTEMPTY ELOOP ENOMSG EIDRM ECHRNG EL2NSYNC EL3HLT EL3RST ELNRNG EUNATCH
            ENOCSI EL2HLT EBADE EBADR EXFULL ENOANO EBADRQC EBADSLT EBFONT ENOSTR ENODATA ETIME
            ENOSR ENONET ENOPKG EREMOTE ENOLINK EADV ESRMNT ECOMM EPROTO EMULTIHOP EDOTDOT EBADMSG
            EOVERFLOW ENOTUNIQ EBADFD EREMCHG ELIBACC ELIBBAD ELIBSCN ELIBMAX ELIBEXEC EILSEQ
            ERESTART ESTRPIPE EUSERS ENOTSOCK EDESTADDRREQ EMSGSIZE EPROTOTYPE ENOPROTOOPT
            EPROTONOSUPPORT ESOCKTNOSUPPORT EOPNOTSUPP EPFNOSUPPORT EAFNOSUPPORT EADDRINUSE
            EADDRNOTAVAIL ENETDOWN ENETUNREACH ENETRESET ECONNABORTED ECONNRESET ENOBUFS EISCONN
            ENOTCONN ESHUTDOWN ETOOMANYREFS ETIMEDOUT ECONNREFUSED EHOSTDOWN EHOSTUNREACH EALREADY
            EINPROGRESS ESTALE EUCLEAN ENOTNAM ENAVAIL EISNAM EREMOTEIO EDQUOT ENOMEDIUM
            EMEDIUMTYPE ECANCELED ENOKEY EKEYEXPIRED EKEYREVOKED EKEYREJECTED EOWNERDEAD
            ENOTRECOVERABLE ERFKILL EHWPOISON
            EWOULDBLOCK EDEADLOCK ENOTSUP
        }
    }

    #[test]
    fn strerror_matches_glibc() {
        for &e in Errno::ALL.iter().filter(|e| e.as_i32() < 512) {
            let n = e.as_i32();
            let host = std::io::Error::from_raw_os_error(n).to_string();
            let suffix = format!(" (os error {n})");
            assert_eq!(
                Some(e.strerror()),
                host.strip_suffix(&suffix),
                "{}",
                e.name()
            );
        }
    }

    #[test]
    fn table_is_complete_and_sorted() {
        let user: std::vec::Vec<i32> = Errno::ALL
            .iter()
            .map(|e| e.as_i32())
            .filter(|&n| n < 512)
            .collect();
        let expected: std::vec::Vec<i32> = (1..=133).filter(|&n| n != 41 && n != 58).collect();
        assert_eq!(user, expected);
        assert!(Errno::ALL.windows(2).all(|w| w[0] < w[1]));
    }

    #[test]
    fn from_raw_accepts_known_only() {
        assert_eq!(Errno::from_raw(2), Some(Errno::ENOENT));
        assert_eq!(Errno::from_raw(512), Some(Errno::ERESTARTSYS));
        for n in [0, -1, 41, 58, 134, 520, 4095, i32::MIN, i32::MAX] {
            assert_eq!(Errno::from_raw(n), None, "{n}");
        }
    }

    #[test]
    fn names_and_display() {
        assert_eq!(Errno::ENOENT.name(), "ENOENT");
        assert_eq!(Errno::EWOULDBLOCK.name(), "EAGAIN");
        assert_eq!(
            Errno::ENOENT.to_string(),
            "ENOENT: No such file or directory"
        );
        assert_eq!(format!("{:?}", Errno::EINVAL), "EINVAL");
        assert_eq!(format!("{:?}", Errno(9999)), "Errno(9999)");
        assert!(Errno::ERESTARTSYS.is_restart());
        assert!(!Errno::EINTR.is_restart());
    }

    #[test]
    fn ret_round_trip() {
        assert_eq!(Errno::from_ret(-2), Err(Errno::ENOENT));
        assert_eq!(Errno::from_ret(-4095), Err(Errno(4095)));
        assert_eq!(Errno::from_ret(-4096), Ok((-4096i64) as u64));
        assert_eq!(Errno::from_ret(0), Ok(0));
        assert_eq!(Errno::from_ret(i64::MIN), Ok(i64::MIN as u64));
        assert_eq!(
            Errno::from_ret(Errno::EBADF.as_ret() as i64),
            Err(Errno::EBADF)
        );
    }
}
