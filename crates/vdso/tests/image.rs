//! The vDSO image parses as the shared object the C libraries expect:
//! the program headers Linux's vDSO has, the dynamic tables their lookup
//! walks, every symbol under version `LINUX_2.6`, no relocations, the
//! `Linux` version note, and code that makes the right system call (as
//! the fallback of the clock functions, which read the `[vvar]` page).

use object::elf;
use object::read::elf::{Dyn, FileHeader, ProgramHeader, Sym};
use object::{Endianness, SymbolIndex};

type Header = elf::FileHeader64<Endianness>;

/// Each exported name with the system call number it must make.
const EXPORTS: [(&str, u32); 5] = [
    ("clock_gettime", 228),
    ("gettimeofday", 96),
    ("time", 201),
    ("clock_getres", 229),
    ("getcpu", 309),
];

fn header() -> (&'static Header, Endianness) {
    let h = Header::parse(vdso::IMAGE).expect("the image has an ELF header");
    let endian = h.endian().expect("known byte order");
    (h, endian)
}

#[test]
fn is_an_x86_64_shared_object() {
    let (h, e) = header();
    assert!(h.is_class_64());
    assert_eq!(h.e_type.get(e), elf::ET_DYN);
    assert_eq!(h.e_machine.get(e), elf::EM_X86_64);
    assert_eq!(e, Endianness::Little);
    assert!(
        vdso::pages() >= 1 && vdso::pages() <= 2,
        "{}",
        vdso::pages()
    );
}

#[test]
fn program_headers_are_linuxs() {
    let (h, e) = header();
    let phdrs = h.program_headers(e, vdso::IMAGE).unwrap();
    let kinds: Vec<u32> = phdrs.iter().map(|p| p.p_type(e)).collect();
    assert_eq!(
        kinds,
        [
            elf::PT_LOAD,
            elf::PT_DYNAMIC,
            elf::PT_NOTE,
            elf::PT_GNU_EH_FRAME
        ]
    );
    let load = &phdrs[0];
    // Mapped as is: the segment is the file from its first byte.
    assert_eq!(load.p_offset(e), 0);
    assert_eq!(load.p_vaddr(e), 0);
    assert_eq!(load.p_filesz(e), load.p_memsz(e));
    assert!(load.p_filesz(e) <= vdso::IMAGE.len() as u64);
    assert_eq!(load.p_flags(e), elf::PF_R | elf::PF_X);
    for p in phdrs.iter().skip(1) {
        assert_eq!(p.p_flags(e) & elf::PF_W, 0, "nothing writable");
        assert!(
            p.p_vaddr(e) + p.p_memsz(e) <= load.p_memsz(e),
            "inside PT_LOAD"
        );
        assert_eq!(p.p_offset(e), p.p_vaddr(e));
    }
}

#[test]
fn dynamic_tables_are_present_and_there_are_no_relocations() {
    let (h, e) = header();
    let phdrs = h.program_headers(e, vdso::IMAGE).unwrap();
    let dynamic = phdrs
        .iter()
        .find_map(|p| p.dynamic(e, vdso::IMAGE).unwrap())
        .expect("PT_DYNAMIC");
    let tags: Vec<u64> = dynamic.iter().map(|d| d.d_tag(e)).collect();
    for want in [
        elf::DT_HASH,
        elf::DT_GNU_HASH,
        elf::DT_SYMTAB,
        elf::DT_STRTAB,
        elf::DT_VERSYM,
        elf::DT_VERDEF,
        elf::DT_SONAME,
    ] {
        assert!(tags.contains(&u64::from(want)), "tag {want:#x} missing");
    }
    for never in [
        elf::DT_REL,
        elf::DT_RELA,
        elf::DT_JMPREL,
        elf::DT_TEXTREL,
        elf::DT_NEEDED,
    ] {
        assert!(!tags.contains(&u64::from(never)), "tag {never:#x} present");
    }
}

#[test]
fn exports_every_function_under_linux_2_6() {
    let (h, e) = header();
    let sections = h.sections(e, vdso::IMAGE).unwrap();
    let syms = sections.symbols(e, vdso::IMAGE, elf::SHT_DYNSYM).unwrap();
    let versions = sections
        .versions(e, vdso::IMAGE)
        .unwrap()
        .expect("symbol versions");
    let mut found = Vec::new();
    for (i, sym) in syms.iter().enumerate() {
        let name = String::from_utf8(sym.name(e, syms.strings()).unwrap().to_vec()).unwrap();
        let vi = versions.version_index(e, SymbolIndex(i));
        let version = versions.version(vi).unwrap().map(|v| v.name());
        if sym.st_type() == elf::STT_FUNC {
            assert_eq!(version, Some(&b"LINUX_2.6"[..]), "{name}");
            assert!(!vi.is_hidden(), "{name} is the default version");
            found.push((name, sym.st_value.get(e), sym.st_bind()));
        }
    }
    for (name, _) in EXPORTS {
        let prefixed = format!("__vdso_{name}");
        let p = found.iter().find(|f| f.0 == prefixed).expect(&prefixed);
        let a = found.iter().find(|f| f.0 == name).expect(name);
        assert_eq!(p.2, elf::STB_GLOBAL, "{prefixed}");
        assert_eq!(a.2, elf::STB_WEAK, "{name} is a weak alias");
        assert_eq!(p.1, a.1, "{name} aliases {prefixed}");
    }
    assert_eq!(
        found.len(),
        2 * EXPORTS.len(),
        "nothing else exported: {found:?}"
    );
}

/// Clock functions read the `[vvar]` page, the others are only a system
/// call.
const READS_THE_PAGE: [&str; 3] = ["clock_gettime", "gettimeofday", "time"];

#[test]
fn each_function_makes_its_system_call() {
    let (h, e) = header();
    let sections = h.sections(e, vdso::IMAGE).unwrap();
    let syms = sections.symbols(e, vdso::IMAGE, elf::SHT_DYNSYM).unwrap();
    for (name, nr) in EXPORTS {
        let want = format!("__vdso_{name}");
        let sym = syms
            .iter()
            .find(|s| s.name(e, syms.strings()).unwrap() == want.as_bytes())
            .expect(&want);
        let at = sym.st_value.get(e) as usize;
        let body = &vdso::IMAGE[at..at + sym.st_size.get(e) as usize];
        // mov $nr, %eax; syscall; ret
        let mut code = vec![0xb8];
        code.extend_from_slice(&nr.to_le_bytes());
        code.extend_from_slice(&[0x0f, 0x05, 0xc3]);
        if READS_THE_PAGE.contains(&name) {
            // The fallback ends the function.
            assert!(body.ends_with(&code), "{want}: {body:02x?}");
            assert!(body.len() > code.len(), "{want} reads the page first");
        } else {
            assert_eq!(body, &code[..], "{want}");
        }
    }
}

#[test]
fn the_clock_is_read_with_an_ordered_rdtsc() {
    // lfence; rdtsc; lfence, once (the shared reader), and the syscall
    // instruction only in the fallbacks.
    let ordered: &[u8] = &[0x0f, 0xae, 0xe8, 0x0f, 0x31, 0x0f, 0xae, 0xe8];
    let count = |pat: &[u8]| vdso::IMAGE.windows(pat.len()).filter(|w| *w == pat).count();
    assert_eq!(count(ordered), 1);
    assert_eq!(count(&[0x0f, 0x31]), 1, "no other rdtsc");
    assert_eq!(
        count(&[0x0f, 0x05]),
        EXPORTS.len(),
        "one syscall per function"
    );
}

#[test]
fn linux_note_carries_the_version() {
    let (h, e) = header();
    let phdrs = h.program_headers(e, vdso::IMAGE).unwrap();
    let mut notes = phdrs
        .iter()
        .find_map(|p| p.notes(e, vdso::IMAGE).unwrap())
        .expect("PT_NOTE");
    let mut linux = None;
    while let Some(n) = notes.next().unwrap() {
        if n.name() == b"Linux" && n.n_type(e) == 0 {
            linux = Some(u32::from_le_bytes(n.desc().try_into().unwrap()));
        }
    }
    assert_eq!(linux, Some(vdso::LINUX_VERSION_CODE));
    assert_eq!(vdso::LINUX_VERSION_CODE, (6 << 16) | (18 << 8));
}
