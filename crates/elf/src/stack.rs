//! The initial process stack, byte for byte as Linux's `execve` leaves it
//! (`copy_strings` in fs/exec.c, `create_elf_tables` in fs/binfmt_elf.c).
//!
//! From the top down: 8 zero bytes, the `execve` file name, the environment
//! strings, the argument strings (so `argv[0]` is lowest), alignment to 16,
//! the platform string, 16 random bytes, padding, then, from `rsp` up:
//! argc, argv pointers, NULL, envp pointers, NULL, the auxv pairs ending in
//! AT_NULL. `rsp` is 16-byte aligned, as the x86-64 ABI wants at entry.
//! Like Linux with randomisation off (`setarch -R`), no random gap is put
//! below the strings; a caller wanting one lowers `stack_top`.

use alloc::vec;
use alloc::vec::Vec;

use crate::auxv::AuxvValues;
use abi::Errno;

/// Longest single argument or environment string, NUL included (32 pages).
pub const MAX_ARG_STRLEN: u64 = 32 * 4096;
/// Most strings in argv or envp.
pub const MAX_ARG_STRINGS: usize = 0x7fff_ffff;
/// The floor of the argument space whatever RLIMIT_STACK says.
pub const ARG_MAX: u64 = 32 * 4096;
/// The default stack limit (`_STK_LIM`, 8 MiB).
pub const STK_LIM: u64 = 8 * 1024 * 1024;

/// Bytes available to argument and environment strings and their pointers
/// for a given soft RLIMIT_STACK, as `bprm_stack_limits` computes it: a
/// quarter of the limit, at most 3/4 of `_STK_LIM`, at least ARG_MAX.
pub fn arg_limit(rlimit_stack_cur: u64) -> u64 {
    (rlimit_stack_cur / 4).clamp(ARG_MAX, STK_LIM / 4 * 3)
}

/// Why the initial stack could not be built.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StackError {
    /// More than MAX_ARG_STRINGS arguments or environment strings (E2BIG).
    #[error("too many argument or environment strings")]
    TooManyStrings,
    /// One string is longer than MAX_ARG_STRLEN with its NUL (E2BIG).
    #[error("argument or environment string of {0} bytes exceeds MAX_ARG_STRLEN")]
    StringTooLong(u64),
    /// Strings and pointers together exceed the argument limit (E2BIG).
    #[error("argument list too long for the stack limit")]
    ArgListTooLong,
    /// A string contains a NUL byte, which C strings cannot (EINVAL).
    #[error("argument or environment string contains a NUL byte")]
    InteriorNul,
    /// The stack top is too low to hold the layout (EFAULT).
    #[error("stack top {0:#x} is too low for the initial stack")]
    StackTooLow(u64),
}

impl StackError {
    /// The errno `execve` reports for this failure.
    pub fn errno(&self) -> Errno {
        match self {
            StackError::TooManyStrings
            | StackError::StringTooLong(_)
            | StackError::ArgListTooLong => Errno::E2BIG,
            StackError::InteriorNul => Errno::EINVAL,
            StackError::StackTooLow(_) => Errno::EFAULT,
        }
    }
}

impl From<StackError> for Errno {
    fn from(err: StackError) -> Errno {
        err.errno()
    }
}

/// Everything about the new stack except argv and envp.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StackSpec<'a> {
    /// One past the highest stack byte (the stack VMA's end, page-aligned).
    pub stack_top: u64,
    /// The file name as passed to `execve` (AT_EXECFN), without NUL.
    pub execfn: &'a [u8],
    /// The 16 AT_RANDOM bytes.
    pub random: [u8; 16],
    /// The AT_PLATFORM string without NUL (`b"x86_64"`), or `None`.
    pub platform: Option<&'a [u8]>,
    /// Bytes for strings and their pointers, e.g. [`arg_limit`].
    pub arg_limit: u64,
    /// The auxiliary vector values.
    pub auxv: AuxvValues,
}

/// The initial stack: the bytes to copy to `[sp, stack_top)`, and where
/// things ended up (for registers, `/proc/<pid>/cmdline`, `environ`, `auxv`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InitialStack {
    /// The initial `rsp`, 16-byte aligned, pointing at argc.
    pub sp: u64,
    /// The stack contents from `sp` up to the stack top.
    pub bytes: Vec<u8>,
    /// argc (at least 1: an empty argv gets `""` as `argv[0]`, as Linux does).
    pub argc: u64,
    /// Address of the argv pointer array.
    pub argv: u64,
    /// Address of the envp pointer array.
    pub envp: u64,
    /// Start of the argument strings (`mm->arg_start`).
    pub arg_start: u64,
    /// End of the argument strings (`mm->arg_end`).
    pub arg_end: u64,
    /// Start of the environment strings (`mm->env_start`).
    pub env_start: u64,
    /// End of the environment strings (`mm->env_end`).
    pub env_end: u64,
    /// The auxiliary vector as written, AT_NULL included (`mm->saved_auxv`).
    pub auxv: Vec<(u64, u64)>,
}

/// Copies strings downwards from the top, enforcing Linux's E2BIG rules.
struct StringArea {
    p: u64,
    argmin: u64,
}

impl StringArea {
    fn push(&mut self, s: &[u8]) -> Result<u64, StackError> {
        if s.contains(&0) {
            return Err(StackError::InteriorNul);
        }
        let len = (s.len() as u64).saturating_add(1);
        if len > MAX_ARG_STRLEN {
            return Err(StackError::StringTooLong(len));
        }
        match self.p.checked_sub(len) {
            Some(p) if p >= self.argmin => {
                self.p = p;
                Ok(p)
            }
            _ => Err(StackError::ArgListTooLong),
        }
    }
}

/// Lays out the initial stack for `argv` and `envp` per `spec`.
pub fn build_initial_stack<A, E>(
    argv: &[A],
    envp: &[E],
    spec: &StackSpec<'_>,
) -> Result<InitialStack, StackError>
where
    A: AsRef<[u8]>,
    E: AsRef<[u8]>,
{
    if argv.len() > MAX_ARG_STRINGS || envp.len() > MAX_ARG_STRINGS {
        return Err(StackError::TooManyStrings);
    }
    let too_low = StackError::StackTooLow(spec.stack_top);
    // bprm_stack_limits: pointers count against the limit, with room for
    // the "" that replaces an empty argv.
    let ptr_size = (argv.len().max(1) as u64 + envp.len() as u64) * 8;
    if spec.arg_limit <= ptr_size {
        return Err(StackError::ArgListTooLong);
    }
    let top = spec.stack_top;
    let p = top.checked_sub(8).ok_or(too_low.clone())?;
    let mut area = StringArea {
        p,
        argmin: p.saturating_sub(spec.arg_limit - ptr_size),
    };
    let execfn = area.push(spec.execfn)?;
    let mut env_addrs = vec![0u64; envp.len()];
    for (slot, s) in env_addrs.iter_mut().zip(envp).rev() {
        *slot = area.push(s.as_ref())?;
    }
    let mut arg_addrs = vec![0u64; argv.len()];
    for (slot, s) in arg_addrs.iter_mut().zip(argv).rev() {
        *slot = area.push(s.as_ref())?;
    }
    if arg_addrs.is_empty() {
        arg_addrs.push(area.push(b"")?);
    }
    let arg_start = area.p;
    let env_start = env_addrs.first().copied().unwrap_or(execfn);
    let mut p = area.p & !15;
    let platform = match spec.platform {
        Some(s) => {
            p = p.checked_sub(s.len() as u64 + 1).ok_or(too_low.clone())?;
            Some(p)
        }
        None => None,
    };
    let random = p.checked_sub(16).ok_or(too_low.clone())?;
    let auxv = spec.auxv.entries(random, execfn, platform);
    let items = (arg_addrs.len() + 1 + env_addrs.len() + 1 + 1) as u64;
    let words = auxv.len() as u64 * 2 + items;
    let sp = random.checked_sub(words * 8).ok_or(too_low)? & !15;

    let mut bytes = vec![0u8; (top - sp) as usize];
    let mut w = Writer {
        bytes: &mut bytes,
        base: sp,
    };
    let mut at = sp;
    at = w.word(at, arg_addrs.len() as u64);
    for &a in &arg_addrs {
        at = w.word(at, a);
    }
    at = w.word(at, 0);
    let envp_at = at;
    for &e in &env_addrs {
        at = w.word(at, e);
    }
    at = w.word(at, 0);
    for &(key, value) in &auxv {
        at = w.word(at, key);
        at = w.word(at, value);
    }
    w.bytes_at(random, &spec.random);
    if let (Some(addr), Some(s)) = (platform, spec.platform) {
        w.bytes_at(addr, s);
    }
    for (&addr, s) in arg_addrs.iter().zip(argv) {
        w.bytes_at(addr, s.as_ref());
    }
    for (&addr, s) in env_addrs.iter().zip(envp) {
        w.bytes_at(addr, s.as_ref());
    }
    w.bytes_at(execfn, spec.execfn);
    Ok(InitialStack {
        sp,
        bytes,
        argc: arg_addrs.len() as u64,
        argv: sp + 8,
        envp: envp_at,
        arg_start,
        arg_end: env_start,
        env_start,
        env_end: execfn,
        auxv,
    })
}

/// Writes into the stack image by address; every address written was
/// computed above to lie in `[base, base + bytes.len())`.
struct Writer<'a> {
    bytes: &'a mut [u8],
    base: u64,
}

impl Writer<'_> {
    fn bytes_at(&mut self, addr: u64, data: &[u8]) {
        let dst = usize::try_from(addr.wrapping_sub(self.base))
            .ok()
            .and_then(|start| self.bytes.get_mut(start..)?.get_mut(..data.len()));
        if let Some(dst) = dst {
            dst.copy_from_slice(data);
        }
    }

    fn word(&mut self, addr: u64, value: u64) -> u64 {
        self.bytes_at(addr, &value.to_le_bytes());
        addr + 8
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::auxv::{AT_EXECFN, AT_NULL, AT_PAGESZ, AT_PLATFORM, AT_RANDOM};
    use alloc::vec::Vec;

    const TOP: u64 = 0x7fff_ffff_f000;

    fn auxv() -> AuxvValues {
        AuxvValues {
            sysinfo_ehdr: Some(0x7fff_f7fc_1000),
            minsigstksz: 3632,
            hwcap: 0x178b_fbff,
            pagesz: 4096,
            clktck: 100,
            phdr: 0x5555_5555_4040,
            phent: 56,
            phnum: 13,
            base: 0x7fff_f7fc_3000,
            flags: 0,
            entry: 0x5555_5555_63d0,
            uid: 1000,
            euid: 1000,
            gid: 1000,
            egid: 1000,
            secure: false,
            hwcap2: 2,
            execfd: None,
            rseq: None,
        }
    }

    fn spec(execfn: &[u8]) -> StackSpec<'_> {
        StackSpec {
            stack_top: TOP,
            execfn,
            random: *b"0123456789abcdef",
            platform: Some(b"x86_64"),
            arg_limit: arg_limit(8 << 20),
            auxv: auxv(),
        }
    }

    /// Reads the stack image back the way a C runtime would.
    struct Reader<'a>(&'a InitialStack);

    impl Reader<'_> {
        fn word(&self, addr: u64) -> u64 {
            let off = (addr - self.0.sp) as usize;
            u64::from_le_bytes(self.0.bytes[off..off + 8].try_into().unwrap())
        }

        fn cstr(&self, addr: u64) -> &[u8] {
            let off = (addr - self.0.sp) as usize;
            let len = self.0.bytes[off..].iter().position(|&b| b == 0).unwrap();
            &self.0.bytes[off..off + len]
        }

        fn list(&self, mut addr: u64) -> (Vec<Vec<u8>>, u64) {
            let mut out = Vec::new();
            loop {
                let ptr = self.word(addr);
                addr += 8;
                if ptr == 0 {
                    return (out, addr);
                }
                out.push(self.cstr(ptr).to_vec());
            }
        }
    }

    #[test]
    fn layout_matches_linux_and_every_pointer_is_right() {
        let argv: [&[u8]; 3] = [b"/bin/true", b"--version", b""];
        let envp: [&[u8]; 2] = [b"PATH=/bin", b"HOME=/root"];
        let st = build_initial_stack(&argv, &envp, &spec(b"/bin/true")).unwrap();
        let r = Reader(&st);
        assert_eq!(st.sp % 16, 0);
        assert_eq!(st.sp + st.bytes.len() as u64, TOP);
        assert_eq!(&st.bytes[st.bytes.len() - 8..], &[0u8; 8]);
        assert_eq!(r.word(st.sp), 3);
        assert_eq!(st.argc, 3);
        let (args, envp_at) = r.list(st.sp + 8);
        assert_eq!(args, argv.map(<[u8]>::to_vec));
        assert_eq!(envp_at, st.envp);
        let (envs, auxv_at) = r.list(envp_at);
        assert_eq!(envs, envp.map(<[u8]>::to_vec));
        let mut pairs = Vec::new();
        let mut at = auxv_at;
        loop {
            let (k, v) = (r.word(at), r.word(at + 8));
            pairs.push((k, v));
            at += 16;
            if k == AT_NULL {
                break;
            }
        }
        assert_eq!(pairs, st.auxv);
        let get = |key| pairs.iter().find(|e| e.0 == key).unwrap().1;
        assert_eq!(get(AT_PAGESZ), 4096);
        assert_eq!(r.cstr(get(AT_EXECFN)), b"/bin/true");
        assert_eq!(r.cstr(get(AT_PLATFORM)), b"x86_64");
        let rnd = (get(AT_RANDOM) - st.sp) as usize;
        assert_eq!(&st.bytes[rnd..rnd + 16], b"0123456789abcdef");
        // Strings: argv lowest, then envp, then the file name under the top 8 bytes.
        assert_eq!(st.arg_start, r.word(st.sp + 8));
        assert_eq!(st.env_start, r.word(st.envp));
        assert_eq!(st.arg_end, st.env_start);
        assert_eq!(st.arg_end - st.arg_start, 10 + 10 + 1);
        assert_eq!(st.env_end, get(AT_EXECFN));
        assert_eq!(get(AT_EXECFN) + 10, TOP - 8);
        // The platform string sits just below the 16-aligned string area.
        assert_eq!(get(AT_PLATFORM) + 7, st.arg_start & !15);
        assert_eq!(get(AT_RANDOM) + 16, get(AT_PLATFORM));
        assert!(at <= get(AT_RANDOM));
    }

    #[test]
    fn alignment_holds_for_every_count_and_length() {
        for argc in 0..6usize {
            for envc in 0..4usize {
                for len in 0..20usize {
                    let arg = vec![b'a'; len];
                    let argv = vec![arg.as_slice(); argc];
                    let envp = vec![b"K=V".as_slice(); envc];
                    let st = build_initial_stack(&argv, &envp, &spec(b"/x")).unwrap();
                    assert_eq!(st.sp % 16, 0, "argc {argc} envc {envc} len {len}");
                    assert_eq!(Reader(&st).word(st.sp), argc.max(1) as u64);
                }
            }
        }
    }

    #[test]
    fn empty_argv_gets_an_empty_argv0() {
        let none: [&[u8]; 0] = [];
        let st = build_initial_stack(&none, &none, &spec(b"/bin/sh")).unwrap();
        let r = Reader(&st);
        assert_eq!(st.argc, 1);
        let (args, envp_at) = r.list(st.sp + 8);
        assert_eq!(args, [Vec::<u8>::new()]);
        assert_eq!(r.word(envp_at), 0);
        assert_eq!(st.env_start, st.env_end);
    }

    #[test]
    fn e2big_rules() {
        let huge = vec![b'x'; MAX_ARG_STRLEN as usize];
        let err = build_initial_stack(&[huge.as_slice()], &[b"A=1"], &spec(b"/x")).unwrap_err();
        assert_eq!(err, StackError::StringTooLong(MAX_ARG_STRLEN + 1));
        assert_eq!(err.errno(), Errno::E2BIG);
        let just_fits = vec![b'x'; MAX_ARG_STRLEN as usize - 1];
        assert!(build_initial_stack(&[just_fits.as_slice()], &[b"A=1"], &spec(b"/x")).is_ok());
        // 64 strings of 4 KiB fill a 256 KiB limit (1 MiB RLIMIT_STACK / 4).
        let page = vec![b'y'; 4095];
        let many = vec![page.as_slice(); 64];
        let mut s = spec(b"/x");
        s.arg_limit = arg_limit(1 << 20);
        assert_eq!(s.arg_limit, 256 * 1024);
        let err = build_initial_stack(&many, &many, &s).unwrap_err();
        assert_eq!(err, StackError::ArgListTooLong);
        assert!(build_initial_stack(&many[..32], &many[..30], &s).is_ok());
        s.arg_limit = 16;
        assert_eq!(
            build_initial_stack(&[b"a"], &[b"b"], &s),
            Err(StackError::ArgListTooLong)
        );
    }

    #[test]
    fn limits_and_bad_strings() {
        assert_eq!(arg_limit(0), ARG_MAX);
        assert_eq!(arg_limit(8 << 20), 2 << 20);
        assert_eq!(arg_limit(u64::MAX), 6 << 20);
        let err = build_initial_stack(&[b"a\0b"], &[b""], &spec(b"/x")).unwrap_err();
        assert_eq!(err.errno(), Errno::EINVAL);
        let mut s = spec(b"/x");
        s.stack_top = 0x100;
        s.arg_limit = 0x40;
        assert_eq!(
            build_initial_stack(&[b"a"], &[b"b"], &s),
            Err(StackError::StackTooLow(0x100))
        );
        assert_eq!(StackError::StackTooLow(0).errno(), Errno::EFAULT);
    }
}
