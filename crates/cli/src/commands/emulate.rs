//! `unibill emulate <flexprice|flowglad|vercel> [--port N]`: serve an emulator until Ctrl-C, printing how to
//! point an application at it.

use std::io::Write;

use unibill::Resource;

use crate::emulators::{Emulated, start};
use crate::error::CliResult;

/// Runs `unibill emulate`. The first line printed is `<provider> emulator listening on <base URL>`.
pub async fn run(which: Emulated, port: u16) -> CliResult {
    let running = start(which, port).await?;
    let provider = which.provider();
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{provider} emulator listening on {}",
        running.base_url()
    )?;
    writeln!(out)?;
    writeln!(out, "# point an application (or `unibill`) at it:")?;
    for r in Resource::ALL.into_iter().filter(|r| provider.serves(*r)) {
        writeln!(out, "export {}={provider}", r.env_var())?;
    }
    for (name, value) in running.variables() {
        writeln!(out, "export {name}={value}")?;
    }
    if !running.seeds().is_empty() {
        writeln!(out)?;
        writeln!(out, "# seeded ids:")?;
        for seed in running.seeds() {
            writeln!(out, "#   {}: {}", seed.label, seed.id)?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "# state lives in memory and is lost on exit; Ctrl-C to stop"
    )?;
    out.flush()?;
    drop(out);
    // If the signal cannot be listened for, serve until killed.
    if tokio::signal::ctrl_c().await.is_err() {
        std::future::pending::<()>().await;
    }
    running.stop().await;
    eprintln!("{provider} emulator stopped");
    Ok(())
}
