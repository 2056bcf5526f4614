//! The host Linux kernel as the oracle: real binaries from this machine are
//! planned by the crate and compared with `readelf`, with what the kernel
//! actually mapped (`/proc/self/maps` under `setarch -R`, which turns off
//! address randomisation) and with the auxv and initial stack it built.
//! Each check is skipped, with a note on stderr, when its fixture or tool
//! is missing on the machine.

use std::path::Path;
use std::process::Command;

use elf::auxv::{self, AuxvValues, RseqAuxv};
use elf::plan::TASK_SIZE;
use elf::{
    arg_limit, build_initial_stack, ElfFile, ElfType, LoadBase, LoadPlan, Prot, Role, StackSpec,
};

const TRUE: &str = "/usr/bin/true";
const CAT: &str = "/usr/bin/cat";
const LD_SO: &str = "/usr/lib/x86_64-linux-gnu/ld-linux-x86-64.so.2";
const BUSYBOX: &str = "/usr/bin/busybox";

fn present(path: &str) -> bool {
    let ok = Path::new(path).exists();
    if !ok {
        eprintln!("skipping: {path} is not installed");
    }
    ok
}

fn read(path: &str, role: Role) -> ElfFile {
    let bytes = std::fs::read(path).unwrap();
    ElfFile::read(&bytes[..], role).unwrap()
}

/// Runs a command and returns its stdout, or `None` if the tool is missing.
fn run(cmd: &mut Command) -> Option<String> {
    match cmd.output() {
        Ok(out) if out.status.success() => Some(String::from_utf8(out.stdout).unwrap()),
        Ok(out) => panic!("{cmd:?} failed: {}", String::from_utf8_lossy(&out.stderr)),
        Err(e) => {
            eprintln!("skipping: cannot run {cmd:?}: {e}");
            None
        }
    }
}

fn hex(s: &str) -> u64 {
    u64::from_str_radix(s.trim_start_matches("0x"), 16).unwrap()
}

#[test]
fn program_headers_match_readelf() {
    for path in [TRUE, LD_SO, BUSYBOX] {
        if !present(path) {
            continue;
        }
        let Some(text) = run(Command::new("readelf").args(["-lW", path])) else {
            return;
        };
        let expected: Vec<(u64, u64, u64, u64)> = text
            .lines()
            .map(str::split_whitespace)
            .filter_map(|mut f| {
                let first = f.next()?;
                let is_row =
                    first.chars().all(|c| c.is_ascii_uppercase() || c == '_') && first.len() > 2;
                let cols: Vec<&str> = f.collect();
                (is_row && cols.len() >= 5 && cols[0].starts_with("0x"))
                    .then(|| (hex(cols[0]), hex(cols[1]), hex(cols[3]), hex(cols[4])))
            })
            .collect();
        let f = read(path, Role::Executable);
        let ours: Vec<_> = f
            .phdrs
            .iter()
            .map(|p| (p.p_offset, p.p_vaddr, p.p_filesz, p.p_memsz))
            .collect();
        assert_eq!(ours, expected, "{path}");
    }
}

#[test]
fn fixtures_have_the_expected_shape() {
    if present(TRUE) {
        let f = read(TRUE, Role::Executable);
        assert_eq!(f.elf_type, ElfType::Dyn);
        assert_eq!(
            f.interp.as_deref(),
            Some(&b"/lib64/ld-linux-x86-64.so.2"[..])
        );
        assert!(!f.exec_stack.is_executable());
    }
    if present(LD_SO) {
        let f = read(LD_SO, Role::Interpreter);
        assert_eq!(f.elf_type, ElfType::Dyn);
        assert_eq!(f.interp, None);
    }
    if present(BUSYBOX) {
        let f = read(BUSYBOX, Role::Executable);
        assert_eq!(f.interp, None);
        if f.elf_type == ElfType::Exec {
            assert_eq!(f.plan(LoadBase::Default).unwrap().load_bias, 0);
        }
    }
}

/// One line of `/proc/<pid>/maps`.
#[derive(Debug)]
struct MapLine {
    start: u64,
    end: u64,
    prot: Prot,
    offset: u64,
    path: String,
}

fn parse_maps(text: &str) -> Vec<MapLine> {
    text.lines()
        .map(|line| {
            let f: Vec<&str> = line.split_whitespace().collect();
            let (start, end) = f[0].split_once('-').unwrap();
            let perms = f[1].as_bytes();
            let mut prot = Prot::empty();
            prot.set(Prot::READ, perms[0] == b'r');
            prot.set(Prot::WRITE, perms[1] == b'w');
            prot.set(Prot::EXEC, perms[2] == b'x');
            MapLine {
                start: hex(start),
                end: hex(end),
                prot,
                offset: hex(f[2]),
                path: f.get(5).map_or(String::new(), |s| s.to_string()),
            }
        })
        .collect()
}

/// Checks that the kernel mapped `path` exactly as `plan` says: every file
/// mapping covered by lines of that file at the right offsets and
/// protections (RELRO may have dropped PROT_WRITE since), nothing else of
/// the file mapped, and every bss range backed by anonymous read-write memory.
fn assert_maps_match(plan: &LoadPlan, path: &str, maps: &[MapLine]) {
    let file_lines: Vec<&MapLine> = maps.iter().filter(|l| l.path == path).collect();
    assert!(!file_lines.is_empty(), "{path} not in maps");
    let mut planned = 0;
    for seg in &plan.segments {
        if let Some(fm) = seg.file {
            let mut at = fm.addr;
            for l in file_lines
                .iter()
                .filter(|l| l.start >= fm.addr && l.end <= fm.addr + fm.len)
            {
                assert_eq!(l.start, at, "{path}: gap in {fm:?}");
                assert_eq!(
                    l.offset,
                    fm.offset + (l.start - fm.addr),
                    "{path}: offset of {l:?}"
                );
                assert!(
                    l.prot == seg.prot || l.prot == seg.prot - Prot::WRITE,
                    "{path}: {l:?} vs {seg:?}"
                );
                at = l.end;
            }
            assert_eq!(at, fm.addr + fm.len, "{path}: {fm:?} not fully mapped");
            planned += fm.len;
        }
        if let Some(anon) = seg.anon {
            let mut at = anon.addr;
            while at < anon.addr + anon.len {
                let l = maps
                    .iter()
                    .find(|l| l.start <= at && at < l.end)
                    .unwrap_or_else(|| panic!("{path}: bss at {at:#x} not mapped"));
                assert!(
                    l.path.is_empty() || l.path == "[heap]",
                    "{path}: bss line {l:?}"
                );
                assert!(
                    l.prot.contains(Prot::READ | Prot::WRITE),
                    "{path}: bss line {l:?}"
                );
                at = l.end;
            }
        }
    }
    let mapped: u64 = file_lines.iter().map(|l| l.end - l.start).sum();
    assert_eq!(
        mapped, planned,
        "{path}: kernel mapped other parts of the file"
    );
}

#[test]
fn pie_and_interpreter_map_like_the_host_kernel() {
    if !present(CAT) || !present(LD_SO) {
        return;
    }
    let Some(text) = run(Command::new("setarch").args(["-R", CAT, "/proc/self/maps"])) else {
        return;
    };
    let maps = parse_maps(&text);
    let exe = read(CAT, Role::Executable).plan(LoadBase::Default).unwrap();
    assert_eq!(exe.load_bias, 0x5555_5555_4000);
    assert_maps_match(&exe, CAT, &maps);
    let ld_base = maps
        .iter()
        .filter(|l| l.path == LD_SO)
        .map(|l| l.start)
        .min()
        .unwrap();
    let ld = read(LD_SO, Role::Interpreter)
        .plan(LoadBase::At(ld_base))
        .unwrap();
    assert_maps_match(&ld, LD_SO, &maps);
}

#[test]
fn static_executable_maps_like_the_host_kernel() {
    if !present(BUSYBOX) {
        return;
    }
    let args = ["-R", BUSYBOX, "cat", "/proc/self/maps"];
    let Some(text) = run(Command::new("setarch").args(args)) else {
        return;
    };
    let maps = parse_maps(&text);
    let plan = read(BUSYBOX, Role::Executable)
        .plan(LoadBase::Default)
        .unwrap();
    assert_maps_match(&plan, BUSYBOX, &maps);
}

#[test]
fn auxv_values_match_ld_show_auxv() {
    if !present(TRUE) {
        return;
    }
    let Some(text) = run(Command::new("setarch")
        .args(["-R", TRUE])
        .env("LD_SHOW_AUXV", "1"))
    else {
        return;
    };
    let shown = |key: &str| {
        // setarch is dynamic too and prints its own auxv first; ours is last.
        let line = text
            .lines()
            .rev()
            .find(|l| l.starts_with(&format!("{key}:")))
            .unwrap();
        let value = line.split_whitespace().nth(1).unwrap();
        value.parse::<u64>().unwrap_or_else(|_| hex(value))
    };
    let exe = read(TRUE, Role::Executable)
        .plan(LoadBase::Default)
        .unwrap();
    let ld = read(LD_SO, Role::Interpreter)
        .plan(LoadBase::At(shown("AT_BASE")))
        .unwrap();
    let values = AuxvValues::new(&exe, Some(&ld));
    assert_eq!(values.phdr, shown("AT_PHDR"));
    assert_eq!(values.entry, shown("AT_ENTRY"));
    assert_eq!(values.phnum, shown("AT_PHNUM"));
    assert_eq!(values.phent, shown("AT_PHENT"));
    assert_eq!(values.pagesz, shown("AT_PAGESZ"));
    assert_eq!(values.clktck, shown("AT_CLKTCK"));
    assert_eq!(values.base, shown("AT_BASE"));
    assert!(ld.entry < TASK_SIZE);
}

const STACK_DUMP_C: &str = r#"
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    char line[512];
    unsigned long lo, hi, top = 0;
    FILE *maps = fopen("/proc/self/maps", "r");
    while (maps && fgets(line, sizeof line, maps))
        if (strstr(line, "[stack]") && sscanf(line, "%lx-%lx", &lo, &hi) == 2)
            top = hi;
    unsigned char *sp = (unsigned char *)(argv - 1);
    printf("%lx %lx\n", (unsigned long)sp, top);
    for (unsigned char *p = sp; p < (unsigned char *)top; p++)
        printf("%02x", *p);
    printf("\n");
    return argc == 0;
}
"#;

fn word(bytes: &[u8], off: usize) -> u64 {
    u64::from_le_bytes(bytes[off..off + 8].try_into().unwrap())
}

fn cstr(bytes: &[u8], off: usize) -> Vec<u8> {
    bytes[off..]
        .iter()
        .take_while(|&&b| b != 0)
        .copied()
        .collect()
}

/// Reads the NULL-terminated pointer list at `off` and the strings it names.
fn strings(bytes: &[u8], sp: u64, mut off: usize) -> (Vec<Vec<u8>>, usize) {
    let mut out = Vec::new();
    loop {
        let ptr = word(bytes, off);
        off += 8;
        if ptr == 0 {
            return (out, off);
        }
        out.push(cstr(bytes, (ptr - sp) as usize));
    }
}

/// The kernel's own auxv, turned back into the builder's input.
fn values_from(pairs: &[(u64, u64)]) -> AuxvValues {
    let get = |key| pairs.iter().find(|p| p.0 == key).map(|p| p.1);
    let must = |key| get(key).unwrap_or_else(|| panic!("kernel auxv lacks key {key}"));
    AuxvValues {
        sysinfo_ehdr: get(auxv::AT_SYSINFO_EHDR),
        minsigstksz: must(auxv::AT_MINSIGSTKSZ),
        hwcap: must(auxv::AT_HWCAP),
        pagesz: must(auxv::AT_PAGESZ),
        clktck: must(auxv::AT_CLKTCK),
        phdr: must(auxv::AT_PHDR),
        phent: must(auxv::AT_PHENT),
        phnum: must(auxv::AT_PHNUM),
        base: must(auxv::AT_BASE),
        flags: must(auxv::AT_FLAGS),
        entry: must(auxv::AT_ENTRY),
        uid: must(auxv::AT_UID),
        euid: must(auxv::AT_EUID),
        gid: must(auxv::AT_GID),
        egid: must(auxv::AT_EGID),
        secure: must(auxv::AT_SECURE) != 0,
        hwcap2: must(auxv::AT_HWCAP2),
        execfd: get(auxv::AT_EXECFD),
        rseq: get(auxv::AT_RSEQ_FEATURE_SIZE).map(|feature_size| RseqAuxv {
            feature_size,
            align: must(auxv::AT_RSEQ_ALIGN),
        }),
    }
}

/// Builds a static program that dumps its initial stack, runs it without
/// address randomisation, and rebuilds the same stack byte for byte.
#[test]
fn initial_stack_matches_the_host_kernel_byte_for_byte() {
    let dir = std::env::temp_dir().join(format!("elf-stack-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let src = dir.join("dump.c");
    let bin = dir.join("dump");
    std::fs::write(&src, STACK_DUMP_C).unwrap();
    let built = Command::new("gcc")
        .args(["-static", "-O1", "-o"])
        .arg(&bin)
        .arg(&src)
        .status();
    match built {
        Ok(s) if s.success() => {}
        other => {
            eprintln!("skipping: gcc -static unavailable ({other:?})");
            let _ = std::fs::remove_dir_all(&dir);
            return;
        }
    }
    let out = run(Command::new("setarch")
        .arg("-R")
        .arg(&bin)
        .args(["first", "with space", ""])
        .env_clear()
        .env("HOME", "/root")
        .env("EMPTY", ""));
    let _ = std::fs::remove_dir_all(&dir);
    let Some(out) = out else { return };
    let mut lines = out.lines();
    let mut head = lines.next().unwrap().split_whitespace();
    let (sp, top) = (hex(head.next().unwrap()), hex(head.next().unwrap()));
    let dump_hex = lines.next().unwrap();
    let dump: Vec<u8> = (0..dump_hex.len() / 2)
        .map(|i| u8::from_str_radix(&dump_hex[2 * i..2 * i + 2], 16).unwrap())
        .collect();
    assert_eq!(dump.len() as u64, top - sp);

    let (argv, env_off) = strings(&dump, sp, 8);
    assert_eq!(word(&dump, 0), argv.len() as u64);
    let (envp, mut aux_off) = strings(&dump, sp, env_off);
    let mut pairs = Vec::new();
    loop {
        let pair = (word(&dump, aux_off), word(&dump, aux_off + 8));
        aux_off += 16;
        pairs.push(pair);
        if pair.0 == auxv::AT_NULL {
            break;
        }
    }
    let at = |key| pairs.iter().find(|p: &&(u64, u64)| p.0 == key).unwrap().1;
    let execfn = cstr(&dump, (at(auxv::AT_EXECFN) - sp) as usize);
    let rnd = (at(auxv::AT_RANDOM) - sp) as usize;
    let spec = StackSpec {
        stack_top: top,
        execfn: &execfn,
        random: dump[rnd..rnd + 16].try_into().unwrap(),
        platform: Some(b"x86_64"),
        arg_limit: arg_limit(8 << 20),
        auxv: values_from(&pairs),
    };
    let ours = build_initial_stack(&argv, &envp, &spec).unwrap();
    assert_eq!(
        ours.auxv, pairs,
        "auxv keys or order differ from the kernel's"
    );
    assert_eq!(ours.sp, sp, "initial rsp differs");
    assert_eq!(ours.bytes, dump, "stack bytes differ");
}
