//! The `baton` binary: the command-line front end to Baton.

mod run;
mod serve;
mod validate;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

/// Baton: a self-hosted, AWS Step Functions–compatible workflow orchestrator.
#[derive(Debug, Parser)]
#[command(name = "baton", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Validate state machine definitions (JSON or YAML) as AWS Step Functions would.
    Validate(validate::ValidateArgs),
    /// Run one execution of a definition in process and print its outcome (and history).
    Run(run::RunArgs),
    /// Serve the AWS Step Functions API (durable, on an embedded SQLite store by default).
    Serve(serve::ServeArgs),
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match cli.command {
        Command::Validate(args) => validate::run(&args),
        Command::Run(args) => run::run(&args),
        Command::Serve(args) => serve::run(&args),
    }
}
