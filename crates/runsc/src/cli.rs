//! The command line, shaped like gVisor's: global flags before the
//! subcommand, as container engines pass them.

use clap::{Parser, Subcommand, ValueEnum};
use std::path::PathBuf;

/// `runsc`: run programs in a sandbox served by our user-space kernel.
#[derive(Debug, Parser)]
#[command(name = "runsc", version, about, disable_help_subcommand = true)]
pub struct Cli {
    /// How application code runs: seccomp traps (default) or ptrace.
    #[arg(long, global = true, value_enum, default_value_t = PlatformArg::Systrap)]
    pub platform: PlatformArg,
    /// How the systrap platform's Sentry and application threads wake each
    /// other (spin while it pays, else follow the CPU; or one scheme only).
    #[arg(long = "systrap-wake", global = true, value_enum, default_value_t = WakeArg::Adaptive)]
    pub systrap_wake: WakeArg,
    /// Networking: the Sentry's own stack, the host's, or loopback only.
    #[arg(long, global = true, value_enum, default_value_t = NetworkArg::Sandbox)]
    pub network: NetworkArg,
    /// Log every system call with decoded arguments and result (to stderr,
    /// or the debug log when one is given).
    #[arg(long, global = true)]
    pub strace: bool,
    /// Write debug messages (unimplemented system calls, fatal signals).
    #[arg(long, global = true)]
    pub debug: bool,
    /// Where debug messages go (default: stderr).
    #[arg(long = "debug-log", global = true, value_name = "FILE")]
    pub debug_log: Option<PathBuf>,
    /// Make every vDSO clock read a system call instead of reading the
    /// `[vvar]` page the Sentry keeps (the answers are the same, slower).
    #[arg(long = "vdso-syscall-clock", global = true)]
    pub vdso_syscall_clock: bool,
    /// Write a per-system-call count and time summary of the run to FILE.
    #[arg(long, global = true, value_name = "FILE")]
    pub profile: Option<PathBuf>,
    /// The subcommand.
    #[command(subcommand)]
    pub command: Command,
}

/// The platform flag's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PlatformArg {
    /// seccomp `SECCOMP_RET_TRAP` with a shared context page.
    Systrap,
    /// `PTRACE_SYSEMU`.
    Ptrace,
}

/// The `--systrap-wake` flag's values (`platform::systrap::WakeScheme`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum WakeArg {
    /// Spin while spinning catches events, else follow the CPU (default).
    Adaptive,
    /// Futex wait and wake only.
    Futex,
    /// Bounded adaptive spinning before the futex, when a CPU is to spare.
    Spin,
    /// Futex, with the Sentry thread following the application thread's CPU.
    Locality,
}

impl WakeArg {
    /// The platform's scheme.
    pub fn scheme(self) -> platform::systrap::WakeScheme {
        use platform::systrap::WakeScheme;
        match self {
            WakeArg::Adaptive => WakeScheme::Adaptive,
            WakeArg::Futex => WakeScheme::Futex,
            WakeArg::Spin => WakeScheme::Spin,
            WakeArg::Locality => WakeScheme::Locality,
        }
    }
}

/// The network flag's values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum NetworkArg {
    /// The Sentry's own network stack.
    Sandbox,
    /// Socket calls passed to host sockets.
    Host,
    /// Loopback only.
    None,
}

/// Subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run CMD in a throw-away sandbox whose root is a host directory (the
    /// host's `/` by default) under a writable in-memory overlay.
    Do(DoArgs),
}

/// Arguments of `runsc do`.
#[derive(Debug, clap::Args)]
pub struct DoArgs {
    /// The host directory that becomes the sandbox's read-only root layer.
    #[arg(long, default_value = "/", value_name = "DIR")]
    pub root: PathBuf,
    /// The working directory inside the sandbox (default: the current one).
    #[arg(long, value_name = "DIR")]
    pub cwd: Option<PathBuf>,
    /// Sets an environment variable (repeatable); the host environment is
    /// passed otherwise.
    #[arg(long = "env", value_name = "K=V")]
    pub env: Vec<String>,
    /// The program and its arguments.
    #[arg(
        required = true,
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "CMD"
    )]
    pub argv: Vec<String>,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Cli, clap::Error> {
        Cli::try_parse_from(std::iter::once("runsc").chain(args.iter().copied()))
    }

    #[test]
    fn global_flags_come_before_the_subcommand() {
        let c = parse(&[
            "--platform=ptrace",
            "--network=none",
            "--strace",
            "do",
            "ls",
            "-la",
            "/",
        ])
        .unwrap();
        assert_eq!(c.platform, PlatformArg::Ptrace);
        assert_eq!(c.network, NetworkArg::None);
        assert!(c.strace);
        let Command::Do(d) = c.command;
        assert_eq!(d.argv, ["ls", "-la", "/"]);
        assert_eq!(d.root, PathBuf::from("/"));
    }

    #[test]
    fn do_flags_and_defaults() {
        let c = parse(&[
            "do",
            "--cwd=/tmp",
            "--env=A=1",
            "--env",
            "B=2",
            "--root=/srv",
            "sh",
            "-c",
            "x",
        ])
        .unwrap();
        assert_eq!(c.platform, PlatformArg::Systrap);
        let Command::Do(d) = c.command;
        assert_eq!(d.env, ["A=1", "B=2"]);
        assert_eq!(d.cwd, Some(PathBuf::from("/tmp")));
        assert_eq!(d.root, PathBuf::from("/srv"));
        assert_eq!(d.argv, ["sh", "-c", "x"]);
    }

    #[test]
    fn systrap_wake_schemes() {
        assert_eq!(
            parse(&["do", "true"]).unwrap().systrap_wake,
            WakeArg::Adaptive
        );
        assert_eq!(
            WakeArg::Adaptive.scheme(),
            platform::systrap::WakeScheme::default()
        );
        for scheme in platform::systrap::WakeScheme::ALL {
            let flag = format!("--systrap-wake={}", scheme.name());
            let c = parse(&[&flag, "do", "true"]).unwrap();
            assert_eq!(c.systrap_wake.scheme(), scheme);
        }
        assert!(parse(&["--systrap-wake=yield", "do", "true"]).is_err());
    }

    #[test]
    fn bad_input_is_an_error_not_a_panic() {
        assert!(parse(&["do"]).is_err());
        assert!(parse(&["--platform=kvm", "do", "true"]).is_err());
        assert!(parse(&["frobnicate"]).is_err());
    }
}
