//! `unibill emulate <flexprice|flowglad|vercel> [--port N]`: serve an emulator until Ctrl-C, printing how to
//! point an application at it.

use std::io::Write;

use unibill::Resource;

use crate::emulators::{Emulated, bind};
use crate::error::CliResult;

/// Runs `unibill emulate`. The first line printed is `<provider> emulator listening on <base URL>`.
pub async fn run(which: Emulated, port: u16) -> CliResult {
    let bound = bind(which, port).await?;
    let provider = which.provider();
    let mut out = std::io::stdout().lock();
    writeln!(out, "{provider} emulator listening on {}", bound.base_url)?;
    writeln!(out)?;
    writeln!(out, "# point an application (or `unibill`) at it:")?;
    for r in Resource::ALL.into_iter().filter(|r| provider.serves(*r)) {
        writeln!(out, "export {}={provider}", r.env_var())?;
    }
    for (name, value) in which.variables(&bound.base_url) {
        writeln!(out, "export {name}={value}")?;
    }
    if !bound.seeded.is_empty() {
        writeln!(out)?;
        writeln!(out, "# seeded ids:")?;
        for (what, id) in &bound.seeded {
            writeln!(out, "#   {what}: {id}")?;
        }
    }
    writeln!(out)?;
    writeln!(
        out,
        "# state lives in memory and is lost on exit; Ctrl-C to stop"
    )?;
    out.flush()?;
    drop(out);
    bound
        .serve_until(async {
            // If the signal cannot be listened for, serve until killed.
            if tokio::signal::ctrl_c().await.is_err() {
                std::future::pending::<()>().await;
            }
        })
        .await?;
    eprintln!("{provider} emulator stopped");
    Ok(())
}
