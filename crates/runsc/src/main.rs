//! `runsc`: the OCI runtime binary. Thin: it parses the command line, builds
//! the sandbox's filesystem tree and a Sentry, runs the program and exits with
//! its status. Everything else lives in the library crates below it.
#![forbid(unsafe_code)]

mod cli;
mod do_cmd;
mod log;
mod profile;

use clap::Parser;

fn main() {
    let cli = cli::Cli::parse();
    let code = match &cli.command {
        cli::Command::Do(args) => do_cmd::run(&cli, args),
    };
    match code {
        Ok(code) => std::process::exit(code),
        Err(e) => {
            eprintln!("runsc: {e:#}");
            // 128 is what a shell reports for a command that could not start
            // for a reason other than "not found" / "not executable".
            std::process::exit(128);
        }
    }
}
