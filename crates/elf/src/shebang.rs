//! `#!` script lines, parsed exactly as Linux's `load_script`
//! (fs/binfmt_script.c) reads the first BINPRM_BUF_SIZE bytes of a file.
//!
//! The interpreter name ends at the first space, tab or NUL; everything after
//! the following blanks up to the end of the line (trailing blanks removed)
//! is one optional argument, spaces included. Without a newline within the
//! buffer, the name must still be followed by a blank or NUL, or it might be
//! truncated and the file is refused. Recursion limits (ELOOP after
//! [`MAX_INTERP_DEPTH`] levels) and opening the interpreter are the caller's.

use alloc::vec::Vec;

use abi::Errno;

/// How many bytes of a file `execve` looks at (`BINPRM_BUF_SIZE`).
pub const BINPRM_BUF_SIZE: usize = 256;
/// How many interpreter levels `execve` follows before ELOOP
/// (`exec_binprm` fails once `depth > 5`).
pub const MAX_INTERP_DEPTH: usize = 5;

/// Why a file is not a usable `#!` script; `execve` reports ENOEXEC for all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum ShebangError {
    /// The file does not start with `#!`.
    #[error("not a #! script")]
    NotScript,
    /// The `#!` line names no interpreter.
    #[error("#! line names no interpreter")]
    NoInterpreter,
    /// The interpreter name runs past the first 256 bytes.
    #[error("#! interpreter name is longer than the 256-byte buffer")]
    Truncated,
}

impl ShebangError {
    /// The errno `execve` reports: always ENOEXEC.
    pub fn errno(&self) -> Errno {
        Errno::ENOEXEC
    }
}

impl From<ShebangError> for Errno {
    fn from(err: ShebangError) -> Errno {
        err.errno()
    }
}

/// A parsed `#!` line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shebang {
    /// The interpreter path without NUL. Empty when a NUL follows `#!`:
    /// Linux accepts that line and then fails to open "" with ENOENT, so
    /// the caller's open reports the same.
    pub interpreter: Vec<u8>,
    /// The optional single argument, without NUL (may contain spaces).
    pub arg: Option<Vec<u8>>,
}

impl Shebang {
    /// The argv the interpreter runs with: its name, the optional argument,
    /// the script's path as given to `execve` (replacing `argv[0]`), then the
    /// original argv[1..].
    pub fn interpreter_argv<S: AsRef<[u8]>>(&self, script_path: &[u8], argv: &[S]) -> Vec<Vec<u8>> {
        let mut out = Vec::with_capacity(argv.len() + 2);
        out.push(self.interpreter.clone());
        out.extend(self.arg.clone());
        out.push(script_path.to_vec());
        out.extend(argv.iter().skip(1).map(|a| a.as_ref().to_vec()));
        out
    }
}

fn spacetab(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// Parses the start of a file (its first [`BINPRM_BUF_SIZE`] bytes or all of
/// it if shorter; more is ignored) as a `#!` line.
pub fn parse_shebang(head: &[u8]) -> Result<Shebang, ShebangError> {
    let mut buf = [0u8; BINPRM_BUF_SIZE];
    let n = head.len().min(BINPRM_BUF_SIZE);
    buf[..n].copy_from_slice(&head[..n]);
    if buf[0] != b'#' || buf[1] != b'!' {
        return Err(ShebangError::NotScript);
    }
    let last = BINPRM_BUF_SIZE - 1;
    // Indices into buf; `first..=last` ranges as the kernel's helpers use.
    let next_non_spacetab = |first: usize, last: usize| (first..=last).find(|&i| !spacetab(buf[i]));
    let next_terminator =
        |first: usize, last: usize| (first..=last).find(|&i| spacetab(buf[i]) || buf[i] == 0);

    let mut i_end = match buf.iter().position(|&c| c == b'\n') {
        Some(nl) => nl,
        None => {
            let name = next_non_spacetab(2, last).ok_or(ShebangError::NoInterpreter)?;
            next_terminator(name, last).ok_or(ShebangError::Truncated)?;
            last
        }
    };
    // buf[1] is '!', so this stops at index 2 at the latest.
    while spacetab(buf[i_end - 1]) {
        i_end -= 1;
    }
    let i_name = match next_non_spacetab(2, i_end) {
        Some(i) if i != i_end => i,
        _ => return Err(ShebangError::NoInterpreter),
    };
    let i_sep = next_terminator(i_name, i_end);
    let i_arg = i_sep
        .filter(|&s| buf[s] != 0)
        .and_then(|s| next_non_spacetab(s, i_end));
    // The kernel writes NUL at i_end (and at i_sep when there is an
    // argument) and copies each string up to its first NUL.
    let cstr = |from: usize, to: usize| {
        let s = &buf[from..to];
        s[..s.iter().position(|&c| c == 0).unwrap_or(s.len())].to_vec()
    };
    let name_end = match (i_arg, i_sep) {
        (Some(_), Some(sep)) => sep,
        _ => i_end,
    };
    let interpreter = cstr(i_name, name_end);
    let arg = i_arg.map(|a| cstr(a, i_end));
    Ok(Shebang { interpreter, arg })
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    fn ok(line: &[u8]) -> (Vec<u8>, Option<Vec<u8>>) {
        let s = parse_shebang(line).unwrap();
        (s.interpreter, s.arg)
    }

    #[test]
    fn common_forms() {
        assert_eq!(ok(b"#!/bin/sh\necho hi\n"), (b"/bin/sh".to_vec(), None));
        assert_eq!(
            ok(b"#! /bin/sh -e\n"),
            (b"/bin/sh".to_vec(), Some(b"-e".to_vec()))
        );
        assert_eq!(
            ok(b"#!/usr/bin/env  python3 -u  \t\n"),
            (b"/usr/bin/env".to_vec(), Some(b"python3 -u".to_vec()))
        );
        assert_eq!(ok(b"#!/bin/sh"), (b"/bin/sh".to_vec(), None));
        assert_eq!(
            ok(b"#!\t/bin/sh\t\r\n"),
            (b"/bin/sh".to_vec(), Some(b"\r".to_vec()))
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(parse_shebang(b""), Err(ShebangError::NotScript));
        assert_eq!(parse_shebang(b"#"), Err(ShebangError::NotScript));
        assert_eq!(parse_shebang(b"\x7fELF"), Err(ShebangError::NotScript));
        assert_eq!(parse_shebang(b"#!\n"), Err(ShebangError::NoInterpreter));
        assert_eq!(
            parse_shebang(b"#!   \t \n/bin/sh"),
            Err(ShebangError::NoInterpreter)
        );
        let blanks = [b"#!".as_slice(), &[b' '; 300]].concat();
        assert_eq!(parse_shebang(&blanks), Err(ShebangError::NoInterpreter));
        assert_eq!(ShebangError::Truncated.errno(), Errno::ENOEXEC);
    }

    #[test]
    fn long_lines_follow_binprm_buf_size() {
        // A name filling the whole buffer might be truncated: refused.
        let long = [b"#!/".as_slice(), &[b'a'; 300]].concat();
        assert_eq!(parse_shebang(&long), Err(ShebangError::Truncated));
        // A complete name followed by a long argument: the argument is cut.
        let arg = [b"#!/bin/sh ".as_slice(), &[b'x'; 300], b"\n"].concat();
        let (name, a) = ok(&arg);
        assert_eq!(name, b"/bin/sh");
        // The last buffer byte becomes the terminating NUL.
        assert_eq!(a.unwrap().len(), BINPRM_BUF_SIZE - 1 - 10);
        // A newline beyond the buffer does not count.
        let mut late = vec![b'#', b'!', b'/', b'x', b' '];
        late.resize(400, b'y');
        late.push(b'\n');
        assert_eq!(parse_shebang(&late).unwrap().interpreter, b"/x");
    }

    #[test]
    fn nul_ends_the_name() {
        assert_eq!(ok(b"#!/bin/sh\0-x\n"), (b"/bin/sh".to_vec(), None));
        assert_eq!(
            ok(b"#!/bin/sh -a\0b\n"),
            (b"/bin/sh".to_vec(), Some(b"-a".to_vec()))
        );
        // A short file is NUL-padded, which terminates the name.
        assert_eq!(ok(b"#!/bin/sh"), (b"/bin/sh".to_vec(), None));
        assert_eq!(ok(b"#!\0/bin/sh\n"), (Vec::new(), None));
    }

    #[test]
    fn interpreter_argv_replaces_argv0() {
        let s = parse_shebang(b"#!/bin/sh -e\n").unwrap();
        let argv = s.interpreter_argv(b"./script", &[b"script".as_slice(), b"one"]);
        assert_eq!(
            argv,
            [
                b"/bin/sh".to_vec(),
                b"-e".to_vec(),
                b"./script".to_vec(),
                b"one".to_vec()
            ]
        );
        let s = parse_shebang(b"#!/bin/sh\n").unwrap();
        let empty: [&[u8]; 0] = [];
        assert_eq!(
            s.interpreter_argv(b"/s", &empty),
            [b"/bin/sh".to_vec(), b"/s".to_vec()]
        );
    }
}
