//! `onus`: the command line around the core. The core verifies and does no
//! I/O; this binary reads and writes (files, URLs, the terminal, key files),
//! runs the core on all cores, and hosts the collector (`onus serve`).

#[macro_use]
mod output;
mod cli;
mod commands;
mod input;
mod keyfile;
mod pipeline;
mod source;
mod witness_client;
#[cfg(feature = "serve")]
mod serve;
#[cfg(feature = "serve")]
mod witness;

use clap::Parser;
use cli::Command;
use std::process::ExitCode;

/// A failure of the command itself (usage or I/O): exit 2 with a message.
pub struct Fail(pub String);

impl<E: std::fmt::Display> From<E> for Fail {
    fn from(e: E) -> Self {
        Fail(e.to_string())
    }
}

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match run(cli.command) {
        Ok(code) => ExitCode::from(code),
        Err(Fail(msg)) => {
            eprintln!("onus: {msg}");
            ExitCode::from(2)
        }
    }
}

fn run(cmd: Command) -> Result<u8, Fail> {
    use commands::*;
    match cmd {
        Command::Verify(args) => verify::verify(args),
        Command::VerifyReceipt { receipt, key, json } => verify::verify_receipt(&receipt, key.as_deref(), json),
        Command::Keygen { name, out } => keys::keygen(&name, out),
        Command::ConvertKey { file } => keys::convert_key(&file),
        Command::Append { key, kind, refs, body, time, trace } => author::append(&key, &kind, &refs, &body, time.as_deref(), &trace),
        Command::Seal { key, trace } => author::seal(&key, &trace),
        Command::Publish { trace, dir, threads, witnesses } => publish::publish(&trace, &dir, verify::threads(threads)?, &witnesses),
        Command::VerifyFork { file, policy, json } => fork::verify_fork(&file, policy.as_deref(), json),
        Command::Fsck { log, key } => fsck::fsck(&log, key.as_deref()),
        Command::Prove { index, trace } => author::prove(index, &trace),
        #[cfg(feature = "og")]
        Command::Og { command } => og::command(command),
        #[cfg(feature = "demo")]
        Command::Demo { statements, seed, out } => demo::demo(statements, seed, out),
        #[cfg(feature = "serve")]
        Command::Poll { command } => serve::poll_command(command).map_err(Fail),
        #[cfg(feature = "serve")]
        Command::Log { command } => serve::log_command(command).map_err(Fail),
        #[cfg(feature = "serve")]
        Command::Witness { command } => witness::command(command),
        #[cfg(feature = "serve")]
        Command::Serve(args) => serve::serve(args).map(|()| 0).map_err(Fail),
    }
}
