//! Assembles the vDSO image from `src/vdso.S` and `src/vdso.lds` with the
//! system toolchain (`$CC`, default `gcc`; `$OBJCOPY`, default `objcopy`),
//! as Linux builds its own: link a position-independent shared object
//! with our linker script, then strip it to the dynamic tables the C
//! libraries read. The result lands in `$OUT_DIR/vdso.so`, with
//! `$OUT_DIR/version.rs` holding the version the ELF note carries.

use std::env;
use std::path::{Path, PathBuf};
use std::process::Command;

/// The kernel version the vDSO's `Linux` note announces, as
/// `LINUX_VERSION_CODE` (`KERNEL_VERSION(6, 18, 0)`); it must match the
/// release `uname` reports (`kernel::Config::default().release`), which a
/// kernel test checks.
const LINUX_VERSION: (u32, u32, u32) = (6, 18, 0);

fn run(cmd: &mut Command) {
    let shown = format!("{cmd:?}");
    match cmd.status() {
        Ok(s) if s.success() => {}
        Ok(s) => panic!("building the vDSO: `{shown}` failed with {s}"),
        Err(e) => {
            panic!("building the vDSO: cannot run `{shown}`: {e} (gcc and binutils are required)")
        }
    }
}

fn main() {
    let src = Path::new("src");
    let out = PathBuf::from(env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let cc = env::var("CC").unwrap_or_else(|_| "gcc".to_owned());
    let objcopy = env::var("OBJCOPY").unwrap_or_else(|_| "objcopy".to_owned());
    let (major, minor, patch) = LINUX_VERSION;
    let code = (major << 16) | (minor << 8) | patch;

    let unstripped = out.join("vdso.so.dbg");
    let image = out.join("vdso.so");
    run(Command::new(&cc)
        .args(["-nostdlib", "-shared", "-fPIC"])
        .arg(format!("-DLINUX_VERSION_CODE={code:#x}"))
        .arg(format!("-Wl,-T,{}", src.join("vdso.lds").display()))
        .args([
            "-Wl,-soname=linux-vdso.so.1",
            "-Wl,--hash-style=both",
            "-Wl,--build-id=sha1",
            "-Wl,--eh-frame-hdr",
            "-Wl,-Bsymbolic",
            "-Wl,-z,noexecstack",
            "-Wl,-z,max-page-size=4096",
        ])
        .arg(src.join("vdso.S"))
        .arg("-o")
        .arg(&unstripped));
    run(Command::new(&objcopy)
        .arg("-S")
        .arg(&unstripped)
        .arg(&image));

    let version = format!(
        "/// `LINUX_VERSION_CODE` of the vDSO's `Linux` note: {major}.{minor}.{patch}.\n\
         pub const LINUX_VERSION_CODE: u32 = {code:#x};\n"
    );
    std::fs::write(out.join("version.rs"), version).expect("writing version.rs");

    println!("cargo:rerun-if-changed=src/vdso.S");
    println!("cargo:rerun-if-changed=src/vdso.lds");
    println!("cargo:rerun-if-env-changed=CC");
    println!("cargo:rerun-if-env-changed=OBJCOPY");
}
