//! `<asm-generic/termbits.h>`, `<asm-generic/ioctls.h>`: terminal settings
//! as the kernel's `TCGETS`/`TCSETS` ioctls exchange them, and the tty
//! ioctl request numbers.
//!
//! The kernel's `struct termios` has 19 control characters and no speed
//! fields (36 bytes); glibc's has 32 and appends speeds (60 bytes) and
//! converts in `tcgetattr`. A user-space kernel must use this one.

#![allow(non_camel_case_types)]

use crate::ioctl::{_IO, _IOR, _IOW};
use bitflags::bitflags;
use zerocopy::{FromBytes, Immutable, IntoBytes, KnownLayout};

/// A control character.
pub type cc_t = u8;
/// A line speed (`B*` or, with `BOTHER`, a rate in baud).
pub type speed_t = u32;
/// A flag word.
pub type tcflag_t = u32;

/// Number of control characters in the kernel's termios.
pub const NCCS: usize = 19;

/// The kernel's `struct termios` (`TCGETS`/`TCSETS*`), 36 bytes.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct termios {
    /// [`InputFlags`].
    pub c_iflag: tcflag_t,
    /// [`OutputFlags`].
    pub c_oflag: tcflag_t,
    /// [`ControlFlags`] and the baud rate.
    pub c_cflag: tcflag_t,
    /// [`LocalFlags`].
    pub c_lflag: tcflag_t,
    /// Line discipline (`N_TTY`).
    pub c_line: cc_t,
    /// Control characters, indexed by `VINTR`...
    pub c_cc: [cc_t; NCCS],
}

/// `struct termios2` (`TCGETS2`/`TCSETS2*`): termios with explicit speeds, 44 bytes.
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct termios2 {
    /// [`InputFlags`].
    pub c_iflag: tcflag_t,
    /// [`OutputFlags`].
    pub c_oflag: tcflag_t,
    /// [`ControlFlags`] and the baud rate.
    pub c_cflag: tcflag_t,
    /// [`LocalFlags`].
    pub c_lflag: tcflag_t,
    /// Line discipline.
    pub c_line: cc_t,
    /// Control characters.
    pub c_cc: [cc_t; NCCS],
    /// Input speed in baud.
    pub c_ispeed: speed_t,
    /// Output speed in baud.
    pub c_ospeed: speed_t,
}

/// Terminal size (`TIOCGWINSZ`/`TIOCSWINSZ`).
#[repr(C)]
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, FromBytes, IntoBytes, Immutable, KnownLayout,
)]
pub struct winsize {
    /// Rows in characters.
    pub ws_row: u16,
    /// Columns in characters.
    pub ws_col: u16,
    /// Width in pixels (unused by the kernel).
    pub ws_xpixel: u16,
    /// Height in pixels (unused by the kernel).
    pub ws_ypixel: u16,
}

/// `c_cc` index: interrupt (`^C`).
pub const VINTR: usize = 0;
/// `c_cc` index: quit (`^\`).
pub const VQUIT: usize = 1;
/// `c_cc` index: erase (DEL).
pub const VERASE: usize = 2;
/// `c_cc` index: kill line (`^U`).
pub const VKILL: usize = 3;
/// `c_cc` index: end of file (`^D`).
pub const VEOF: usize = 4;
/// `c_cc` index: non-canonical read timeout in deciseconds.
pub const VTIME: usize = 5;
/// `c_cc` index: non-canonical minimum byte count.
pub const VMIN: usize = 6;
/// `c_cc` index: switch (unused).
pub const VSWTC: usize = 7;
/// `c_cc` index: start output (`^Q`).
pub const VSTART: usize = 8;
/// `c_cc` index: stop output (`^S`).
pub const VSTOP: usize = 9;
/// `c_cc` index: suspend (`^Z`).
pub const VSUSP: usize = 10;
/// `c_cc` index: end of line.
pub const VEOL: usize = 11;
/// `c_cc` index: reprint (`^R`).
pub const VREPRINT: usize = 12;
/// `c_cc` index: discard (`^O`).
pub const VDISCARD: usize = 13;
/// `c_cc` index: word erase (`^W`).
pub const VWERASE: usize = 14;
/// `c_cc` index: literal next (`^V`).
pub const VLNEXT: usize = 15;
/// `c_cc` index: second end of line.
pub const VEOL2: usize = 16;

bitflags! {
    /// `c_iflag` bits.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct InputFlags: tcflag_t {
        /// Ignore break conditions.
        const IGNBRK = 0x001;
        /// Break sends `SIGINT`.
        const BRKINT = 0x002;
        /// Ignore characters with parity errors.
        const IGNPAR = 0x004;
        /// Mark parity and framing errors.
        const PARMRK = 0x008;
        /// Enable input parity checking.
        const INPCK = 0x010;
        /// Strip the eighth bit.
        const ISTRIP = 0x020;
        /// Map NL to CR on input.
        const INLCR = 0x040;
        /// Ignore CR on input.
        const IGNCR = 0x080;
        /// Map CR to NL on input.
        const ICRNL = 0x100;
        /// Map upper case to lower case on input.
        const IUCLC = 0x200;
        /// XON/XOFF flow control on output.
        const IXON = 0x400;
        /// Any character restarts stopped output.
        const IXANY = 0x800;
        /// XON/XOFF flow control on input.
        const IXOFF = 0x1000;
        /// Ring the bell when the input queue is full.
        const IMAXBEL = 0x2000;
        /// Input is UTF-8 (for character erase).
        const IUTF8 = 0x4000;
    }
}

bitflags! {
    /// `c_oflag` bits; the `*DLY` entries are multi-bit fields.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct OutputFlags: tcflag_t {
        /// Enable output processing.
        const OPOST = 0x01;
        /// Map lower case to upper case on output.
        const OLCUC = 0x02;
        /// Map NL to CR-NL on output.
        const ONLCR = 0x04;
        /// Map CR to NL on output.
        const OCRNL = 0x08;
        /// Don't output CR at column 0.
        const ONOCR = 0x10;
        /// NL performs the CR function.
        const ONLRET = 0x20;
        /// Use fill characters for delays.
        const OFILL = 0x40;
        /// Fill character is DEL.
        const OFDEL = 0x80;
        /// Newline delay field.
        const NLDLY = 0x0100;
        /// Carriage-return delay field.
        const CRDLY = 0x0600;
        /// Horizontal-tab delay field (`TAB3`/`XTABS` expands tabs).
        const TABDLY = 0x1800;
        /// Backspace delay field.
        const BSDLY = 0x2000;
        /// Vertical-tab delay field.
        const VTDLY = 0x4000;
        /// Form-feed delay field.
        const FFDLY = 0x8000;
    }
}

/// `NLDLY` value 0.
pub const NL0: tcflag_t = 0x0000;
/// `NLDLY` value 1.
pub const NL1: tcflag_t = 0x0100;
/// `CRDLY` value 0.
pub const CR0: tcflag_t = 0x0000;
/// `CRDLY` value 1.
pub const CR1: tcflag_t = 0x0200;
/// `CRDLY` value 2.
pub const CR2: tcflag_t = 0x0400;
/// `CRDLY` value 3.
pub const CR3: tcflag_t = 0x0600;
/// `TABDLY` value 0.
pub const TAB0: tcflag_t = 0x0000;
/// `TABDLY` value 1.
pub const TAB1: tcflag_t = 0x0800;
/// `TABDLY` value 2.
pub const TAB2: tcflag_t = 0x1000;
/// `TABDLY` value 3: expand tabs to spaces.
pub const TAB3: tcflag_t = 0x1800;
/// Old name of [`TAB3`].
pub const XTABS: tcflag_t = 0x1800;
/// `BSDLY` value 0.
pub const BS0: tcflag_t = 0x0000;
/// `BSDLY` value 1.
pub const BS1: tcflag_t = 0x2000;
/// `VTDLY` value 0.
pub const VT0: tcflag_t = 0x0000;
/// `VTDLY` value 1.
pub const VT1: tcflag_t = 0x4000;
/// `FFDLY` value 0.
pub const FF0: tcflag_t = 0x0000;
/// `FFDLY` value 1.
pub const FF1: tcflag_t = 0x8000;

bitflags! {
    /// `c_cflag` bits; `CBAUD`, `CSIZE` and `CIBAUD` are multi-bit fields.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct ControlFlags: tcflag_t {
        /// Output baud-rate field (a `B*` value).
        const CBAUD = 0x0000_100f;
        /// Character size field (`CS5`..`CS8`).
        const CSIZE = 0x0000_0030;
        /// Two stop bits.
        const CSTOPB = 0x0000_0040;
        /// Enable the receiver.
        const CREAD = 0x0000_0080;
        /// Enable parity.
        const PARENB = 0x0000_0100;
        /// Odd parity.
        const PARODD = 0x0000_0200;
        /// Hang up on last close.
        const HUPCL = 0x0000_0400;
        /// Ignore modem control lines.
        const CLOCAL = 0x0000_0800;
        /// Extended baud-rate bit.
        const CBAUDEX = 0x0000_1000;
        /// The speed is in `c_ispeed`/`c_ospeed` (termios2).
        const BOTHER = 0x0000_1000;
        /// Input baud-rate field (`CBAUD << IBSHIFT`).
        const CIBAUD = 0x100f_0000;
        /// Address bit (RS-485 multidrop).
        const ADDRB = 0x2000_0000;
        /// Mark or space (stick) parity.
        const CMSPAR = 0x4000_0000;
        /// RTS/CTS flow control.
        const CRTSCTS = 0x8000_0000;
    }
}

/// `CSIZE` value: 5-bit characters.
pub const CS5: tcflag_t = 0x00;
/// `CSIZE` value: 6-bit characters.
pub const CS6: tcflag_t = 0x10;
/// `CSIZE` value: 7-bit characters.
pub const CS7: tcflag_t = 0x20;
/// `CSIZE` value: 8-bit characters.
pub const CS8: tcflag_t = 0x30;
/// Shift from `CBAUD` to `CIBAUD`.
pub const IBSHIFT: u32 = 16;

bitflags! {
    /// `c_lflag` bits.
    #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
    pub struct LocalFlags: tcflag_t {
        /// INTR, QUIT, SUSP generate signals.
        const ISIG = 0x00001;
        /// Canonical (line-by-line) input.
        const ICANON = 0x00002;
        /// Upper-case terminal emulation.
        const XCASE = 0x00004;
        /// Echo input.
        const ECHO = 0x00008;
        /// ERASE erases the previous character.
        const ECHOE = 0x00010;
        /// KILL erases the line.
        const ECHOK = 0x00020;
        /// Echo NL even without `ECHO`.
        const ECHONL = 0x00040;
        /// Don't flush queues on signals.
        const NOFLSH = 0x00080;
        /// Background writes send `SIGTTOU`.
        const TOSTOP = 0x00100;
        /// Echo control characters as `^X`.
        const ECHOCTL = 0x00200;
        /// Print erased characters.
        const ECHOPRT = 0x00400;
        /// KILL erases the line character by character.
        const ECHOKE = 0x00800;
        /// Output is being flushed.
        const FLUSHO = 0x01000;
        /// Reprint pending input at the next read.
        const PENDIN = 0x04000;
        /// Implementation-defined input processing (LNEXT, WERASE...).
        const IEXTEN = 0x08000;
        /// External processing (packet mode).
        const EXTPROC = 0x10000;
    }
}

/// Hang up.
pub const B0: speed_t = 0x0000_0000;
/// 50 baud.
pub const B50: speed_t = 0x0000_0001;
/// 75 baud.
pub const B75: speed_t = 0x0000_0002;
/// 110 baud.
pub const B110: speed_t = 0x0000_0003;
/// 134.5 baud.
pub const B134: speed_t = 0x0000_0004;
/// 150 baud.
pub const B150: speed_t = 0x0000_0005;
/// 200 baud.
pub const B200: speed_t = 0x0000_0006;
/// 300 baud.
pub const B300: speed_t = 0x0000_0007;
/// 600 baud.
pub const B600: speed_t = 0x0000_0008;
/// 1200 baud.
pub const B1200: speed_t = 0x0000_0009;
/// 1800 baud.
pub const B1800: speed_t = 0x0000_000a;
/// 2400 baud.
pub const B2400: speed_t = 0x0000_000b;
/// 4800 baud.
pub const B4800: speed_t = 0x0000_000c;
/// 9600 baud.
pub const B9600: speed_t = 0x0000_000d;
/// 19200 baud.
pub const B19200: speed_t = 0x0000_000e;
/// 38400 baud (the default of a new tty).
pub const B38400: speed_t = 0x0000_000f;
/// 57600 baud.
pub const B57600: speed_t = 0x0000_1001;
/// 115200 baud.
pub const B115200: speed_t = 0x0000_1002;
/// 230400 baud.
pub const B230400: speed_t = 0x0000_1003;
/// 460800 baud.
pub const B460800: speed_t = 0x0000_1004;
/// 500000 baud.
pub const B500000: speed_t = 0x0000_1005;
/// 576000 baud.
pub const B576000: speed_t = 0x0000_1006;
/// 921600 baud.
pub const B921600: speed_t = 0x0000_1007;
/// 1000000 baud.
pub const B1000000: speed_t = 0x0000_1008;
/// 1152000 baud.
pub const B1152000: speed_t = 0x0000_1009;
/// 1500000 baud.
pub const B1500000: speed_t = 0x0000_100a;
/// 2000000 baud.
pub const B2000000: speed_t = 0x0000_100b;
/// 2500000 baud.
pub const B2500000: speed_t = 0x0000_100c;
/// 3000000 baud.
pub const B3000000: speed_t = 0x0000_100d;
/// 3500000 baud.
pub const B3500000: speed_t = 0x0000_100e;
/// 4000000 baud.
pub const B4000000: speed_t = 0x0000_100f;

/// The rate in baud of a `B*` code; `None` for codes that name no rate.
pub const fn baud_rate(code: speed_t) -> Option<u32> {
    const LOW: [u32; 16] = [
        0, 50, 75, 110, 134, 150, 200, 300, 600, 1200, 1800, 2400, 4800, 9600, 19200, 38400,
    ];
    const HIGH: [u32; 16] = [
        0, 57600, 115200, 230400, 460800, 500000, 576000, 921600, 1000000, 1152000, 1500000,
        2000000, 2500000, 3000000, 3500000, 4000000,
    ];
    let idx = (code & 0xf) as usize;
    match code & !0xf {
        0 => Some(LOW[idx]),
        0x1000 if idx != 0 => Some(HIGH[idx]),
        _ => None,
    }
}

/// `TCSETS` variants as `tcsetattr` actions: change now.
pub const TCSANOW: i32 = 0;
/// Change after output drains.
pub const TCSADRAIN: i32 = 1;
/// Change after output drains, discarding pending input.
pub const TCSAFLUSH: i32 = 2;
/// `TCXONC` argument: suspend output.
pub const TCOOFF: i32 = 0;
/// `TCXONC` argument: restart output.
pub const TCOON: i32 = 1;
/// `TCXONC` argument: send STOP.
pub const TCIOFF: i32 = 2;
/// `TCXONC` argument: send START.
pub const TCION: i32 = 3;
/// `TCFLSH` argument: flush input.
pub const TCIFLUSH: i32 = 0;
/// `TCFLSH` argument: flush output.
pub const TCOFLUSH: i32 = 1;
/// `TCFLSH` argument: flush both.
pub const TCIOFLUSH: i32 = 2;
/// The default line discipline (`TIOCGETD`).
pub const N_TTY: i32 = 0;

/// `TIOCPKT` packet header: data.
pub const TIOCPKT_DATA: u8 = 0;
/// `TIOCPKT` packet header: input queue flushed.
pub const TIOCPKT_FLUSHREAD: u8 = 1;
/// `TIOCPKT` packet header: output queue flushed.
pub const TIOCPKT_FLUSHWRITE: u8 = 2;
/// `TIOCPKT` packet header: output stopped.
pub const TIOCPKT_STOP: u8 = 4;
/// `TIOCPKT` packet header: output restarted.
pub const TIOCPKT_START: u8 = 8;
/// `TIOCPKT` packet header: `IXON` turned off.
pub const TIOCPKT_NOSTOP: u8 = 16;
/// `TIOCPKT` packet header: `IXON` turned on.
pub const TIOCPKT_DOSTOP: u8 = 32;
/// `TIOCPKT` packet header: termios changed (`EXTPROC`).
pub const TIOCPKT_IOCTL: u8 = 64;

/// Get the kernel [`termios`].
pub const TCGETS: u32 = 0x5401;
/// Set termios now.
pub const TCSETS: u32 = 0x5402;
/// Set termios after output drains.
pub const TCSETSW: u32 = 0x5403;
/// Set termios after output drains, flushing input.
pub const TCSETSF: u32 = 0x5404;
/// Get the old SysV `termio`.
pub const TCGETA: u32 = 0x5405;
/// Set `termio`.
pub const TCSETA: u32 = 0x5406;
/// Set `termio` after drain.
pub const TCSETAW: u32 = 0x5407;
/// Set `termio` after drain and flush.
pub const TCSETAF: u32 = 0x5408;
/// Send a break (or drain, with a non-zero argument).
pub const TCSBRK: u32 = 0x5409;
/// Flow control (`TCOOFF`...).
pub const TCXONC: u32 = 0x540a;
/// Flush queues (`TCIFLUSH`...).
pub const TCFLSH: u32 = 0x540b;
/// Exclusive mode on.
pub const TIOCEXCL: u32 = 0x540c;
/// Exclusive mode off.
pub const TIOCNXCL: u32 = 0x540d;
/// Make this the controlling terminal.
pub const TIOCSCTTY: u32 = 0x540e;
/// Get the foreground process group.
pub const TIOCGPGRP: u32 = 0x540f;
/// Set the foreground process group.
pub const TIOCSPGRP: u32 = 0x5410;
/// Bytes in the output queue.
pub const TIOCOUTQ: u32 = 0x5411;
/// Insert a byte into the input queue.
pub const TIOCSTI: u32 = 0x5412;
/// Get the [`winsize`].
pub const TIOCGWINSZ: u32 = 0x5413;
/// Set the [`winsize`] (sends `SIGWINCH`).
pub const TIOCSWINSZ: u32 = 0x5414;
/// Get modem bits.
pub const TIOCMGET: u32 = 0x5415;
/// Set modem bits.
pub const TIOCMBIS: u32 = 0x5416;
/// Clear modem bits.
pub const TIOCMBIC: u32 = 0x5417;
/// Replace modem bits.
pub const TIOCMSET: u32 = 0x5418;
/// Get the software carrier flag.
pub const TIOCGSOFTCAR: u32 = 0x5419;
/// Set the software carrier flag.
pub const TIOCSSOFTCAR: u32 = 0x541a;
/// Bytes available to read (also for pipes, sockets and files).
pub const FIONREAD: u32 = 0x541b;
/// Alias of [`FIONREAD`].
pub const TIOCINQ: u32 = FIONREAD;
/// Linux console subcommands.
pub const TIOCLINUX: u32 = 0x541c;
/// Redirect console output.
pub const TIOCCONS: u32 = 0x541d;
/// Get serial info.
pub const TIOCGSERIAL: u32 = 0x541e;
/// Set serial info.
pub const TIOCSSERIAL: u32 = 0x541f;
/// Packet mode on a pty master.
pub const TIOCPKT: u32 = 0x5420;
/// Set/clear non-blocking I/O (any fd).
pub const FIONBIO: u32 = 0x5421;
/// Give up the controlling terminal.
pub const TIOCNOTTY: u32 = 0x5422;
/// Set the line discipline.
pub const TIOCSETD: u32 = 0x5423;
/// Get the line discipline.
pub const TIOCGETD: u32 = 0x5424;
/// POSIX `tcsendbreak` with a duration.
pub const TCSBRKP: u32 = 0x5425;
/// Start a break.
pub const TIOCSBRK: u32 = 0x5427;
/// Stop a break.
pub const TIOCCBRK: u32 = 0x5428;
/// Get the session id of the terminal.
pub const TIOCGSID: u32 = 0x5429;
/// Get [`termios2`].
pub const TCGETS2: u32 = _IOR(b'T', 0x2a, core::mem::size_of::<termios2>());
/// Set [`termios2`] now.
pub const TCSETS2: u32 = _IOW(b'T', 0x2b, core::mem::size_of::<termios2>());
/// Set [`termios2`] after drain.
pub const TCSETSW2: u32 = _IOW(b'T', 0x2c, core::mem::size_of::<termios2>());
/// Set [`termios2`] after drain and flush.
pub const TCSETSF2: u32 = _IOW(b'T', 0x2d, core::mem::size_of::<termios2>());
/// Get the pty number of a master.
pub const TIOCGPTN: u32 = _IOR(b'T', 0x30, 4);
/// Lock/unlock the pty slave.
pub const TIOCSPTLCK: u32 = _IOW(b'T', 0x31, 4);
/// Get the device number of the console's primary device.
pub const TIOCGDEV: u32 = _IOR(b'T', 0x32, 4);
/// Send a signal to the pty slave's foreground group.
pub const TIOCSIG: u32 = _IOW(b'T', 0x36, 4);
/// Hang up the terminal.
pub const TIOCVHANGUP: u32 = 0x5437;
/// Get packet mode state.
pub const TIOCGPKT: u32 = _IOR(b'T', 0x38, 4);
/// Get the pty lock state.
pub const TIOCGPTLCK: u32 = _IOR(b'T', 0x39, 4);
/// Get exclusive mode state.
pub const TIOCGEXCL: u32 = _IOR(b'T', 0x40, 4);
/// Open the pty slave of a master, returning an fd.
pub const TIOCGPTPEER: u32 = _IO(b'T', 0x41);
/// Clear close-on-exec (any fd).
pub const FIONCLEX: u32 = 0x5450;
/// Set close-on-exec (any fd).
pub const FIOCLEX: u32 = 0x5451;
/// Set/clear `O_ASYNC` (any fd).
pub const FIOASYNC: u32 = 0x5452;
/// Get the locked termios.
pub const TIOCGLCKTRMIOS: u32 = 0x5456;
/// Set the locked termios.
pub const TIOCSLCKTRMIOS: u32 = 0x5457;
/// Wait for a modem-line change.
pub const TIOCMIWAIT: u32 = 0x545c;
/// Get serial interrupt counts.
pub const TIOCGICOUNT: u32 = 0x545d;
/// Size of a file or directory (`FIOQSIZE`).
pub const FIOQSIZE: u32 = 0x5460;

/// The control characters of a new tty (`INIT_C_CC`): `^C ^\ DEL ^U ^D`,
/// `VTIME` 0, `VMIN` 1, `^Q ^S ^Z`, `^R ^O ^W ^V`.
pub const INIT_C_CC: [cc_t; NCCS] = [
    0x03, 0x1c, 0x7f, 0x15, 0x04, 0, 1, 0, 0x11, 0x13, 0x1a, 0, 0x12, 0x0f, 0x17, 0x16, 0, 0, 0,
];

impl termios {
    /// The settings of a freshly opened tty (the kernel's `tty_std_termios`):
    /// cooked mode with echo, 38400 baud, 8 bits.
    pub const fn tty_std_termios() -> Self {
        Self {
            c_iflag: InputFlags::ICRNL.bits() | InputFlags::IXON.bits(),
            c_oflag: OutputFlags::OPOST.bits() | OutputFlags::ONLCR.bits(),
            c_cflag: B38400 | CS8 | ControlFlags::CREAD.bits() | ControlFlags::HUPCL.bits(),
            c_lflag: LocalFlags::ISIG.bits()
                | LocalFlags::ICANON.bits()
                | LocalFlags::ECHO.bits()
                | LocalFlags::ECHOE.bits()
                | LocalFlags::ECHOK.bits()
                | LocalFlags::ECHOCTL.bits()
                | LocalFlags::ECHOKE.bits()
                | LocalFlags::IEXTEN.bits(),
            c_line: N_TTY as cc_t,
            c_cc: INIT_C_CC,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use core::mem::{align_of, offset_of, size_of};

    #[test]
    fn termios_is_kernel_layout_not_glibc() {
        // glibc's `struct termios` has c_cc[32] plus c_ispeed/c_ospeed (60
        // bytes); the kernel's has c_cc[19] and no speeds (36 bytes). They
        // agree up to c_cc, which is what this checks against libc.
        type G = libc::termios;
        assert_eq!(size_of::<G>(), 60);
        assert_eq!(size_of::<termios>(), 36);
        assert_eq!(align_of::<termios>(), align_of::<G>());
        assert_eq!(offset_of!(termios, c_iflag), offset_of!(G, c_iflag));
        assert_eq!(offset_of!(termios, c_oflag), offset_of!(G, c_oflag));
        assert_eq!(offset_of!(termios, c_cflag), offset_of!(G, c_cflag));
        assert_eq!(offset_of!(termios, c_lflag), offset_of!(G, c_lflag));
        assert_eq!(offset_of!(termios, c_line), offset_of!(G, c_line));
        assert_eq!(offset_of!(termios, c_cc), offset_of!(G, c_cc));
    }

    #[test]
    fn termios2_and_winsize_match_libc() {
        type T = libc::termios2;
        assert_eq!(size_of::<termios2>(), size_of::<T>());
        assert_eq!(align_of::<termios2>(), align_of::<T>());
        assert_eq!(offset_of!(termios2, c_iflag), offset_of!(T, c_iflag));
        assert_eq!(offset_of!(termios2, c_oflag), offset_of!(T, c_oflag));
        assert_eq!(offset_of!(termios2, c_cflag), offset_of!(T, c_cflag));
        assert_eq!(offset_of!(termios2, c_lflag), offset_of!(T, c_lflag));
        assert_eq!(offset_of!(termios2, c_line), offset_of!(T, c_line));
        assert_eq!(offset_of!(termios2, c_cc), offset_of!(T, c_cc));
        assert_eq!(offset_of!(termios2, c_ispeed), offset_of!(T, c_ispeed));
        assert_eq!(offset_of!(termios2, c_ospeed), offset_of!(T, c_ospeed));
        type W = libc::winsize;
        assert_eq!(size_of::<winsize>(), size_of::<W>());
        assert_eq!(align_of::<winsize>(), align_of::<W>());
        assert_eq!(offset_of!(winsize, ws_row), offset_of!(W, ws_row));
        assert_eq!(offset_of!(winsize, ws_col), offset_of!(W, ws_col));
        assert_eq!(offset_of!(winsize, ws_xpixel), offset_of!(W, ws_xpixel));
        assert_eq!(offset_of!(winsize, ws_ypixel), offset_of!(W, ws_ypixel));
    }

    #[test]
    fn indices_and_flags_match_libc() {
        let idx = [
            (VINTR, libc::VINTR),
            (VQUIT, libc::VQUIT),
            (VERASE, libc::VERASE),
            (VKILL, libc::VKILL),
            (VEOF, libc::VEOF),
            (VTIME, libc::VTIME),
            (VMIN, libc::VMIN),
            (VSWTC, libc::VSWTC),
            (VSTART, libc::VSTART),
            (VSTOP, libc::VSTOP),
            (VSUSP, libc::VSUSP),
            (VEOL, libc::VEOL),
            (VREPRINT, libc::VREPRINT),
            (VDISCARD, libc::VDISCARD),
            (VWERASE, libc::VWERASE),
            (VLNEXT, libc::VLNEXT),
            (VEOL2, libc::VEOL2),
        ];
        for (ours, theirs) in idx {
            assert_eq!(ours, theirs);
        }
        let iflag = [
            (InputFlags::IGNBRK, libc::IGNBRK),
            (InputFlags::BRKINT, libc::BRKINT),
            (InputFlags::IGNPAR, libc::IGNPAR),
            (InputFlags::PARMRK, libc::PARMRK),
            (InputFlags::INPCK, libc::INPCK),
            (InputFlags::ISTRIP, libc::ISTRIP),
            (InputFlags::INLCR, libc::INLCR),
            (InputFlags::IGNCR, libc::IGNCR),
            (InputFlags::ICRNL, libc::ICRNL),
            (InputFlags::IUCLC, libc::IUCLC),
            (InputFlags::IXON, libc::IXON),
            (InputFlags::IXANY, libc::IXANY),
            (InputFlags::IXOFF, libc::IXOFF),
            (InputFlags::IMAXBEL, libc::IMAXBEL),
            (InputFlags::IUTF8, libc::IUTF8),
        ];
        for (ours, theirs) in iflag {
            assert_eq!(ours.bits(), theirs);
        }
        let oflag = [
            (OutputFlags::OPOST, libc::OPOST),
            (OutputFlags::OLCUC, libc::OLCUC),
            (OutputFlags::ONLCR, libc::ONLCR),
            (OutputFlags::OCRNL, libc::OCRNL),
            (OutputFlags::ONOCR, libc::ONOCR),
            (OutputFlags::ONLRET, libc::ONLRET),
            (OutputFlags::OFILL, libc::OFILL),
            (OutputFlags::OFDEL, libc::OFDEL),
            (OutputFlags::NLDLY, libc::NLDLY),
            (OutputFlags::CRDLY, libc::CRDLY),
            (OutputFlags::TABDLY, libc::TABDLY),
            (OutputFlags::BSDLY, libc::BSDLY),
            (OutputFlags::VTDLY, libc::VTDLY),
            (OutputFlags::FFDLY, libc::FFDLY),
        ];
        for (ours, theirs) in oflag {
            assert_eq!(ours.bits(), theirs);
        }
        assert_eq!(
            [NL1, CR1, CR2, CR3, TAB1, TAB2, TAB3, XTABS, BS1, VT1, FF1],
            [
                libc::NL1,
                libc::CR1,
                libc::CR2,
                libc::CR3,
                libc::TAB1,
                libc::TAB2,
                libc::TAB3,
                libc::XTABS,
                libc::BS1,
                libc::VT1,
                libc::FF1
            ]
        );
        let cflag = [
            (ControlFlags::CBAUD, libc::CBAUD),
            (ControlFlags::CSIZE, libc::CSIZE),
            (ControlFlags::CSTOPB, libc::CSTOPB),
            (ControlFlags::CREAD, libc::CREAD),
            (ControlFlags::PARENB, libc::PARENB),
            (ControlFlags::PARODD, libc::PARODD),
            (ControlFlags::HUPCL, libc::HUPCL),
            (ControlFlags::CLOCAL, libc::CLOCAL),
            (ControlFlags::CBAUDEX, libc::CBAUDEX),
            (ControlFlags::BOTHER, libc::BOTHER),
            (ControlFlags::CIBAUD, libc::CIBAUD),
            (ControlFlags::CMSPAR, libc::CMSPAR),
            (ControlFlags::CRTSCTS, libc::CRTSCTS),
        ];
        for (ours, theirs) in cflag {
            assert_eq!(ours.bits(), theirs);
        }
        assert_eq!(
            [CS5, CS6, CS7, CS8],
            [libc::CS5, libc::CS6, libc::CS7, libc::CS8]
        );
        assert_eq!(IBSHIFT, libc::IBSHIFT);
        let lflag = [
            (LocalFlags::ISIG, libc::ISIG),
            (LocalFlags::ICANON, libc::ICANON),
            (LocalFlags::XCASE, libc::XCASE),
            (LocalFlags::ECHO, libc::ECHO),
            (LocalFlags::ECHOE, libc::ECHOE),
            (LocalFlags::ECHOK, libc::ECHOK),
            (LocalFlags::ECHONL, libc::ECHONL),
            (LocalFlags::NOFLSH, libc::NOFLSH),
            (LocalFlags::TOSTOP, libc::TOSTOP),
            (LocalFlags::ECHOCTL, libc::ECHOCTL),
            (LocalFlags::ECHOPRT, libc::ECHOPRT),
            (LocalFlags::ECHOKE, libc::ECHOKE),
            (LocalFlags::FLUSHO, libc::FLUSHO),
            (LocalFlags::PENDIN, libc::PENDIN),
            (LocalFlags::IEXTEN, libc::IEXTEN),
            (LocalFlags::EXTPROC, libc::EXTPROC),
        ];
        for (ours, theirs) in lflag {
            assert_eq!(ours.bits(), theirs);
        }
    }

    #[test]
    fn speeds_match_libc() {
        let speeds = [
            (B0, libc::B0),
            (B50, libc::B50),
            (B75, libc::B75),
            (B110, libc::B110),
            (B134, libc::B134),
            (B150, libc::B150),
            (B200, libc::B200),
            (B300, libc::B300),
            (B600, libc::B600),
            (B1200, libc::B1200),
            (B1800, libc::B1800),
            (B2400, libc::B2400),
            (B4800, libc::B4800),
            (B9600, libc::B9600),
            (B19200, libc::B19200),
            (B38400, libc::B38400),
            (B57600, libc::B57600),
            (B115200, libc::B115200),
            (B230400, libc::B230400),
            (B460800, libc::B460800),
            (B500000, libc::B500000),
            (B576000, libc::B576000),
            (B921600, libc::B921600),
            (B1000000, libc::B1000000),
            (B1152000, libc::B1152000),
            (B1500000, libc::B1500000),
            (B2000000, libc::B2000000),
            (B2500000, libc::B2500000),
            (B3000000, libc::B3000000),
            (B3500000, libc::B3500000),
            (B4000000, libc::B4000000),
        ];
        for (ours, theirs) in speeds {
            assert_eq!(ours, theirs);
        }
        assert_eq!(baud_rate(B38400), Some(38400));
        assert_eq!(baud_rate(B115200), Some(115_200));
        assert_eq!(baud_rate(B0), Some(0));
        assert_eq!(baud_rate(0x1000), None);
        assert_eq!(baud_rate(0x20), None);
        assert_eq!(baud_rate(u32::MAX), None);
    }

    #[test]
    fn ioctls_match_libc() {
        let reqs = [
            (TCGETS, libc::TCGETS),
            (TCSETS, libc::TCSETS),
            (TCSETSW, libc::TCSETSW),
            (TCSETSF, libc::TCSETSF),
            (TCGETA, libc::TCGETA),
            (TCSETA, libc::TCSETA),
            (TCSETAW, libc::TCSETAW),
            (TCSETAF, libc::TCSETAF),
            (TCSBRK, libc::TCSBRK),
            (TCXONC, libc::TCXONC),
            (TCFLSH, libc::TCFLSH),
            (TIOCEXCL, libc::TIOCEXCL),
            (TIOCNXCL, libc::TIOCNXCL),
            (TIOCSCTTY, libc::TIOCSCTTY),
            (TIOCGPGRP, libc::TIOCGPGRP),
            (TIOCSPGRP, libc::TIOCSPGRP),
            (TIOCOUTQ, libc::TIOCOUTQ),
            (TIOCSTI, libc::TIOCSTI),
            (TIOCGWINSZ, libc::TIOCGWINSZ),
            (TIOCSWINSZ, libc::TIOCSWINSZ),
            (TIOCMGET, libc::TIOCMGET),
            (TIOCMBIS, libc::TIOCMBIS),
            (TIOCMBIC, libc::TIOCMBIC),
            (TIOCMSET, libc::TIOCMSET),
            (TIOCGSOFTCAR, libc::TIOCGSOFTCAR),
            (TIOCSSOFTCAR, libc::TIOCSSOFTCAR),
            (FIONREAD, libc::FIONREAD),
            (TIOCINQ, libc::TIOCINQ),
            (TIOCLINUX, libc::TIOCLINUX),
            (TIOCCONS, libc::TIOCCONS),
            (TIOCGSERIAL, libc::TIOCGSERIAL),
            (TIOCSSERIAL, libc::TIOCSSERIAL),
            (TIOCPKT, libc::TIOCPKT),
            (FIONBIO, libc::FIONBIO),
            (TIOCNOTTY, libc::TIOCNOTTY),
            (TIOCSETD, libc::TIOCSETD),
            (TIOCGETD, libc::TIOCGETD),
            (TCSBRKP, libc::TCSBRKP),
            (TIOCSBRK, libc::TIOCSBRK),
            (TIOCCBRK, libc::TIOCCBRK),
            (TIOCGSID, libc::TIOCGSID),
            (TCGETS2, libc::TCGETS2),
            (TCSETS2, libc::TCSETS2),
            (TCSETSW2, libc::TCSETSW2),
            (TCSETSF2, libc::TCSETSF2),
            (TIOCGPTN, libc::TIOCGPTN),
            (TIOCSPTLCK, libc::TIOCSPTLCK),
            (TIOCGDEV, libc::TIOCGDEV),
            (TIOCSIG, libc::TIOCSIG),
            (TIOCVHANGUP, libc::TIOCVHANGUP),
            (TIOCGPKT, libc::TIOCGPKT),
            (TIOCGPTLCK, libc::TIOCGPTLCK),
            (TIOCGEXCL, libc::TIOCGEXCL),
            (TIOCGPTPEER, libc::TIOCGPTPEER),
            (FIONCLEX, libc::FIONCLEX),
            (FIOCLEX, libc::FIOCLEX),
            (FIOASYNC, libc::FIOASYNC),
            (TIOCGLCKTRMIOS, libc::TIOCGLCKTRMIOS),
            (TIOCSLCKTRMIOS, libc::TIOCSLCKTRMIOS),
            (TIOCMIWAIT, libc::TIOCMIWAIT),
            (TIOCGICOUNT, libc::TIOCGICOUNT),
            (FIOQSIZE, libc::FIOQSIZE),
        ];
        for (ours, theirs) in reqs {
            assert_eq!(ours, theirs as u32, "{ours:#x}");
        }
        let acts = [
            (TCSANOW, libc::TCSANOW),
            (TCSADRAIN, libc::TCSADRAIN),
            (TCSAFLUSH, libc::TCSAFLUSH),
            (TCOOFF, libc::TCOOFF),
            (TCOON, libc::TCOON),
            (TCIOFF, libc::TCIOFF),
            (TCION, libc::TCION),
            (TCIFLUSH, libc::TCIFLUSH),
            (TCOFLUSH, libc::TCOFLUSH),
            (TCIOFLUSH, libc::TCIOFLUSH),
        ];
        for (ours, theirs) in acts {
            assert_eq!(ours, theirs);
        }
        // include/uapi/asm-generic/ioctls.h; not in the libc crate.
        assert_eq!(
            [
                TIOCPKT_DATA,
                TIOCPKT_FLUSHREAD,
                TIOCPKT_FLUSHWRITE,
                TIOCPKT_STOP
            ],
            [0, 1, 2, 4]
        );
        assert_eq!(
            [TIOCPKT_START, TIOCPKT_NOSTOP, TIOCPKT_DOSTOP, TIOCPKT_IOCTL],
            [8, 16, 32, 64]
        );
    }

    #[test]
    fn std_termios_is_cooked() {
        let t = termios::tty_std_termios();
        assert_eq!(t.c_cc[VINTR], 3);
        assert_eq!(t.c_cc[VEOF], 4);
        assert_eq!(t.c_cc[VMIN], 1);
        assert_eq!(t.c_cc[VERASE], 0x7f);
        let l = LocalFlags::from_bits_truncate(t.c_lflag);
        assert!(l.contains(LocalFlags::ICANON | LocalFlags::ECHO | LocalFlags::ISIG));
        assert_eq!(t.c_cflag & ControlFlags::CBAUD.bits(), B38400);
        assert_eq!(t.c_cflag & ControlFlags::CSIZE.bits(), CS8);
        // The words of Linux's tty_std_termios (drivers/tty/tty_io.c).
        assert_eq!(
            (t.c_iflag, t.c_oflag, t.c_cflag, t.c_lflag),
            (0x500, 0x5, 0x4bf, 0x8a3b)
        );
    }
}
