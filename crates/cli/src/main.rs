//! `unibill`: manage billing resources on any configured provider; `unibill demo` runs the neutral flow.

mod demo;

use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// unibill: one neutral interface over billing providers.
#[derive(Debug, Parser)]
#[command(name = "unibill", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Run the neutral billing flow on the built-in memory provider and print what happened.
    Demo,
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let result = match cli.command {
        Command::Demo => runtime.block_on(demo::run(&mut std::io::stdout().lock())),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
