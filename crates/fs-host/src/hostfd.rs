//! [`HostFdFile`]: an application file backed by an inherited host
//! descriptor, which is how `runsc do` gives the sandboxed program the
//! host's stdin, stdout and stderr.
//!
//! Calls never block the Sentry: a stream that is not ready gives `EAGAIN`
//! and the kernel waits for [`HostFdFile::host_fd`] to become ready before
//! retrying. Terminal requests are passed to the host terminal when the
//! descriptor is one; the typed `tc*`/`tiocg*` methods are for the kernel's
//! `ioctl` handler, which copies the structs to and from guest memory.
//!
//! The file position lives on the host: the open file description is
//! shared with processes outside the sandbox (the shell that redirected
//! `>> log`), so reads and writes use the host's offset and the sandbox
//! sees a stream (`lseek` gives `ESPIPE`).

use std::os::fd::{AsFd, BorrowedFd, OwnedFd};
use std::sync::Arc;

use abi::termios::{termios, winsize, NCCS, TCFLSH, TCSBRK, TCSETS, TCSETSF, TCSETSW, TCXONC};
use rustix::event::{poll, PollFd, PollFlags};
use rustix::termios::{self as rt, SpecialCodeIndex as Sc};
use vfs::file::{POLLIN, POLLOUT};
use vfs::uapi::{FileType, S_IFMT};
use vfs::{Errno, FileDescription, FileImpl, Inode, InodeAttr, OpenFlags, Result, Timespec};

use crate::host::host_errno;

/// `FIONREAD`: bytes ready to read.
const FIONREAD: u32 = 0x541b;
/// `POLLERR`.
const POLLERR: u32 = 0x8;
/// `POLLHUP`.
const POLLHUP: u32 = 0x10;

/// The control-character slots of the kernel's `struct termios`, in order.
const CC_SLOTS: [Sc; 17] = [
    Sc::VINTR,
    Sc::VQUIT,
    Sc::VERASE,
    Sc::VKILL,
    Sc::VEOF,
    Sc::VTIME,
    Sc::VMIN,
    Sc::VSWTC,
    Sc::VSTART,
    Sc::VSTOP,
    Sc::VSUSP,
    Sc::VEOL,
    Sc::VREPRINT,
    Sc::VDISCARD,
    Sc::VWERASE,
    Sc::VLNEXT,
    Sc::VEOL2,
];

/// An open file over an inherited host descriptor (a tty, pipe, socket or
/// regular file).
pub struct HostFdFile {
    fd: Arc<OwnedFd>,
    /// A regular file or block device: always ready, never polled.
    regular: bool,
    tty: bool,
}

/// The inode a [`HostFdFile`] description carries: attributes come from
/// the host's `fstat`, reported under the sandbox's device number.
pub struct HostFdInode {
    fd: Arc<OwnedFd>,
    dev: u64,
}

fn ready_now(fd: BorrowedFd<'_>, want: PollFlags) -> Result<PollFlags> {
    let mut fds = [PollFd::from_borrowed_fd(fd, want)];
    let zero = rustix::event::Timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    poll(&mut fds, Some(&zero)).map_err(host_errno)?;
    Ok(fds[0].revents())
}

impl HostFdFile {
    /// Wraps `fd`; what it is (regular file or stream, terminal or not)
    /// is read from the host once, here.
    pub fn new(fd: OwnedFd) -> Result<HostFdFile> {
        let st = rustix::fs::fstat(&fd).map_err(host_errno)?;
        let ft = FileType::from_mode(st.st_mode);
        let tty = rustix::termios::isatty(&fd);
        Ok(HostFdFile {
            regular: matches!(ft, Some(FileType::Regular | FileType::BlockDevice)),
            tty,
            fd: Arc::new(fd),
        })
    }

    /// Builds the file description for this descriptor, with inode
    /// attributes reported on sandbox device `dev`. The caller may keep a
    /// clone of `this` to serve the terminal requests whose arguments live
    /// in guest memory ([`HostFdFile::tcgets`] and friends).
    pub fn into_description(
        this: Arc<HostFdFile>,
        dev: u64,
        flags: OpenFlags,
    ) -> Result<FileDescription> {
        let inode = Arc::new(HostFdInode {
            fd: this.fd.clone(),
            dev,
        });
        FileDescription::new(Box::new(SharedHostFd(this)), inode, None, flags)
    }

    /// The host descriptor, for the kernel to wait on readiness.
    pub fn host_fd(&self) -> BorrowedFd<'_> {
        self.fd.as_fd()
    }

    /// Whether the host descriptor is a terminal.
    pub fn is_tty(&self) -> bool {
        self.tty
    }

    fn need_tty(&self) -> Result<()> {
        if self.tty {
            Ok(())
        } else {
            Err(Errno::ENOTTY)
        }
    }

    /// `TCGETS`: the host terminal's settings.
    pub fn tcgets(&self) -> Result<termios> {
        self.need_tty()?;
        let t = rt::tcgetattr(self.host_fd()).map_err(host_errno)?;
        let mut out = termios {
            c_iflag: t.input_modes.bits(),
            c_oflag: t.output_modes.bits(),
            c_cflag: t.control_modes.bits(),
            c_lflag: t.local_modes.bits(),
            c_line: t.line_discipline,
            c_cc: [0; NCCS],
        };
        for (i, slot) in CC_SLOTS.iter().enumerate() {
            out.c_cc[i] = t.special_codes[*slot];
        }
        Ok(out)
    }

    /// `TCSETS`, `TCSETSW`, `TCSETSF` (`request`): changes the host
    /// terminal's settings.
    pub fn tcsets(&self, request: u32, new: &termios) -> Result<()> {
        self.need_tty()?;
        let action = match request {
            TCSETS => rt::OptionalActions::Now,
            TCSETSW => rt::OptionalActions::Drain,
            TCSETSF => rt::OptionalActions::Flush,
            _ => return Err(Errno::EINVAL),
        };
        let mut t = rt::tcgetattr(self.host_fd()).map_err(host_errno)?;
        t.input_modes = rt::InputModes::from_bits_retain(new.c_iflag);
        t.output_modes = rt::OutputModes::from_bits_retain(new.c_oflag);
        t.control_modes = rt::ControlModes::from_bits_retain(new.c_cflag);
        t.local_modes = rt::LocalModes::from_bits_retain(new.c_lflag);
        t.line_discipline = new.c_line;
        for (i, slot) in CC_SLOTS.iter().enumerate() {
            t.special_codes[*slot] = new.c_cc[i];
        }
        rt::tcsetattr(self.host_fd(), action, &t).map_err(host_errno)
    }

    /// `TIOCGWINSZ`: the host terminal's size.
    pub fn tiocgwinsz(&self) -> Result<winsize> {
        self.need_tty()?;
        let w = rt::tcgetwinsize(self.host_fd()).map_err(host_errno)?;
        Ok(winsize {
            ws_row: w.ws_row,
            ws_col: w.ws_col,
            ws_xpixel: w.ws_xpixel,
            ws_ypixel: w.ws_ypixel,
        })
    }

    /// `TIOCSWINSZ`: sets the host terminal's size.
    pub fn tiocswinsz(&self, w: &winsize) -> Result<()> {
        self.need_tty()?;
        let ws = rt::Winsize {
            ws_row: w.ws_row,
            ws_col: w.ws_col,
            ws_xpixel: w.ws_xpixel,
            ws_ypixel: w.ws_ypixel,
        };
        rt::tcsetwinsize(self.host_fd(), ws).map_err(host_errno)
    }
}

impl FileImpl for HostFdFile {
    /// Reads at the host descriptor's own offset: the description is shared
    /// with processes outside the sandbox (the shell that redirected it),
    /// so its position must move on the host, not in a copy of ours.
    fn read_at(&self, _offset: u64, buf: &mut [u8]) -> Result<usize> {
        if !self.regular && ready_now(self.host_fd(), PollFlags::IN)?.is_empty() {
            return Err(Errno::EAGAIN);
        }
        rustix::io::read(self.host_fd(), buf).map_err(host_errno)
    }

    /// Writes at the host descriptor's own offset (or its end, when the
    /// host opened it `O_APPEND`), for the same reason as reads.
    fn write_at(&self, _offset: u64, buf: &[u8]) -> Result<usize> {
        if !self.regular && ready_now(self.host_fd(), PollFlags::OUT)?.is_empty() {
            return Err(Errno::EAGAIN);
        }
        rustix::io::write(self.host_fd(), buf).map_err(host_errno)
    }

    /// A stream to the sandbox: the position lives on the host, so
    /// `lseek`/`pread` give `ESPIPE` (as for a pipe).
    fn is_seekable(&self) -> bool {
        false
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<u64> {
        match cmd {
            FIONREAD => rustix::io::ioctl_fionread(self.host_fd()).map_err(host_errno),
            TCFLSH => {
                self.need_tty()?;
                let q = match arg {
                    0 => rt::QueueSelector::IFlush,
                    1 => rt::QueueSelector::OFlush,
                    2 => rt::QueueSelector::IOFlush,
                    _ => return Err(Errno::EINVAL),
                };
                rt::tcflush(self.host_fd(), q).map_err(host_errno)?;
                Ok(0)
            }
            TCXONC => {
                self.need_tty()?;
                let a = match arg {
                    0 => rt::Action::OOff,
                    1 => rt::Action::OOn,
                    2 => rt::Action::IOff,
                    3 => rt::Action::IOn,
                    _ => return Err(Errno::EINVAL),
                };
                rt::tcflow(self.host_fd(), a).map_err(host_errno)?;
                Ok(0)
            }
            TCSBRK => {
                self.need_tty()?;
                if arg != 0 {
                    rt::tcdrain(self.host_fd()).map_err(host_errno)?;
                } else {
                    rt::tcsendbreak(self.host_fd()).map_err(host_errno)?;
                }
                Ok(0)
            }
            _ => Err(Errno::ENOTTY),
        }
    }

    fn readiness(&self, mask: u32) -> u32 {
        let mut want = PollFlags::empty();
        if mask & POLLIN != 0 {
            want |= PollFlags::IN;
        }
        if mask & POLLOUT != 0 {
            want |= PollFlags::OUT;
        }
        match ready_now(self.host_fd(), want) {
            Ok(r) => {
                let mut out = 0;
                if r.contains(PollFlags::IN) {
                    out |= POLLIN;
                }
                if r.contains(PollFlags::OUT) {
                    out |= POLLOUT;
                }
                if r.contains(PollFlags::ERR) {
                    out |= POLLERR;
                }
                if r.contains(PollFlags::HUP) {
                    out |= POLLHUP;
                }
                out
            }
            Err(_) => POLLERR,
        }
    }

    fn is_mappable(&self) -> bool {
        false
    }
}

/// The [`FileImpl`] a description holds: a shared [`HostFdFile`].
struct SharedHostFd(Arc<HostFdFile>);

impl FileImpl for SharedHostFd {
    fn read_at(&self, offset: u64, buf: &mut [u8]) -> Result<usize> {
        self.0.read_at(offset, buf)
    }

    fn write_at(&self, offset: u64, buf: &[u8]) -> Result<usize> {
        self.0.write_at(offset, buf)
    }

    fn is_seekable(&self) -> bool {
        self.0.is_seekable()
    }

    fn ioctl(&self, cmd: u32, arg: u64) -> Result<u64> {
        self.0.ioctl(cmd, arg)
    }

    fn readiness(&self, mask: u32) -> u32 {
        self.0.readiness(mask)
    }

    fn is_mappable(&self) -> bool {
        self.0.is_mappable()
    }
}

impl Inode for HostFdInode {
    fn stat(&self) -> Result<InodeAttr> {
        let st = rustix::fs::fstat(&*self.fd).map_err(host_errno)?;
        let t = |sec: i64, nsec: u64| Timespec {
            sec,
            nsec: u32::try_from(nsec).unwrap_or(0),
        };
        Ok(InodeAttr {
            dev: self.dev,
            ino: st.st_ino,
            mode: st.st_mode & (S_IFMT | 0o7777),
            nlink: u32::try_from(st.st_nlink).unwrap_or(u32::MAX),
            uid: st.st_uid,
            gid: st.st_gid,
            rdev: st.st_rdev,
            size: u64::try_from(st.st_size).unwrap_or(0),
            blocks: u64::try_from(st.st_blocks).unwrap_or(0),
            blksize: u32::try_from(st.st_blksize).unwrap_or(4096),
            atime: t(st.st_atime, st.st_atime_nsec),
            mtime: t(st.st_mtime, st.st_mtime_nsec),
            ctime: t(st.st_ctime, st.st_ctime_nsec),
            btime: Timespec::default(),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pipe_reads_are_nonblocking_and_readiness_tracks_data() {
        let (r, w) = rustix::pipe::pipe().unwrap_or_else(|e| panic!("{e}"));
        let rf = HostFdFile::new(r).unwrap_or_else(|e| panic!("{e}"));
        let wf = HostFdFile::new(w).unwrap_or_else(|e| panic!("{e}"));
        assert!(!rf.is_seekable() && !rf.is_tty());
        let mut buf = [0u8; 8];
        assert_eq!(rf.read_at(0, &mut buf), Err(Errno::EAGAIN));
        assert_eq!(rf.readiness(POLLIN), 0);
        assert_eq!(wf.write_at(0, b"hi"), Ok(2));
        assert_eq!(rf.readiness(POLLIN), POLLIN);
        assert_eq!(rf.ioctl(FIONREAD, 0), Ok(2));
        assert_eq!(rf.read_at(0, &mut buf), Ok(2));
        assert_eq!(&buf[..2], b"hi");
        assert_eq!(rf.tcgets().err(), Some(Errno::ENOTTY));
        assert_eq!(rf.ioctl(TCFLSH, 0), Err(Errno::ENOTTY));
        assert_eq!(rf.ioctl(0x1234, 0), Err(Errno::ENOTTY));
        let d = HostFdFile::into_description(Arc::new(rf), 5, OpenFlags::empty());
        let d = d.unwrap_or_else(|e| panic!("{e}"));
        let st = d.inode().stat().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(st.file_type(), Some(FileType::Fifo));
        assert_eq!(st.dev, 5);
        drop(wf);
        assert_ne!(d.imp().readiness(POLLIN) & POLLHUP, 0);
        assert_eq!(d.read(&mut buf), Ok(0));
    }

    #[test]
    fn regular_file_moves_the_host_offset() {
        let p = std::env::temp_dir().join(format!("fs-host-fd-{}", std::process::id()));
        std::fs::write(&p, b"abcdef").unwrap_or_else(|e| panic!("{e}"));
        let f = std::fs::File::open(&p).unwrap_or_else(|e| panic!("{e}"));
        let mut f = f;
        std::io::Read::read_exact(&mut f, &mut [0u8; 2]).unwrap_or_else(|e| panic!("{e}"));
        let dup = f.try_clone().unwrap_or_else(|e| panic!("{e}"));
        let hf = HostFdFile::new(f.into()).unwrap_or_else(|e| panic!("{e}"));
        assert!(!hf.is_seekable());
        let mut buf = [0u8; 3];
        // The host had read 2 bytes already; the offset argument is ignored.
        assert_eq!(hf.read_at(0, &mut buf), Ok(3));
        assert_eq!(&buf, b"cde");
        // The shared host description moved too.
        let pos = rustix::fs::seek(&dup, rustix::fs::SeekFrom::Current(0));
        assert_eq!(pos.ok(), Some(5));
        let _ = std::fs::remove_file(&p);
    }

    #[test]
    fn pty_termios_round_trip() {
        // A fresh pseudo-terminal stands in for the host's controlling tty.
        let master = match rustix::pty::openpt(rustix::pty::OpenptFlags::RDWR) {
            Ok(m) => m,
            Err(e) => panic!("openpt: {e}"),
        };
        rustix::pty::grantpt(&master).unwrap_or_else(|e| panic!("{e}"));
        rustix::pty::unlockpt(&master).unwrap_or_else(|e| panic!("{e}"));
        let name = rustix::pty::ptsname(&master, Vec::new()).unwrap_or_else(|e| panic!("{e}"));
        let slave = rustix::fs::open(
            name.as_c_str(),
            rustix::fs::OFlags::RDWR | rustix::fs::OFlags::NOCTTY,
            rustix::fs::Mode::empty(),
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let f = HostFdFile::new(slave).unwrap_or_else(|e| panic!("{e}"));
        assert!(f.is_tty() && !f.is_seekable());
        let mut t = f.tcgets().unwrap_or_else(|e| panic!("{e}"));
        let echo = abi::termios::LocalFlags::ECHO.bits();
        t.c_lflag ^= echo;
        t.c_cc[abi::termios::VMIN] = 7;
        f.tcsets(TCSETS, &t).unwrap_or_else(|e| panic!("{e}"));
        let back = f.tcgets().unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(back.c_lflag & echo, t.c_lflag & echo);
        assert_eq!(back.c_cc[abi::termios::VMIN], 7);
        assert_eq!(f.tcsets(0x9999, &t), Err(Errno::EINVAL));
        let ws = winsize {
            ws_row: 33,
            ws_col: 101,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        f.tiocswinsz(&ws).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(f.tiocgwinsz(), Ok(ws));
    }
}
