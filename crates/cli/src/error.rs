//! The CLI's failures and their exit codes: usage 2 (also clap's own), provider 1, unknown outcome 3 (also a
//! write that happened but whose result is incomplete, such as a store created without a known id).

use std::fmt;
use std::process::ExitCode;

use unibill::ErrorKind;

/// Exit code of a usage error: a bad flag value, input the core builders refuse, a field the provider does not
/// offer, or no provider configured (clap exits 2 as well).
pub const EXIT_USAGE: u8 = 2;
/// Exit code of a provider or configuration error (`NotFound`, `Unauthenticated`, a bad config, …).
pub const EXIT_PROVIDER: u8 = 1;
/// Exit code when the provider may or may not have applied a write (`ErrorKind::OutcomeUnknown`), or applied
/// it but its answer could not be read (`Error::write_applied`) or lacks what is needed to use the result (a
/// store created without an id, [`CliError::Incomplete`]): either way, look before retrying.
pub const EXIT_OUTCOME_UNKNOWN: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub enum CliError {
    /// A flag value the CLI cannot use (exit 2).
    Usage(String),
    /// An error from unibill: validation (`InvalidInput`, exit 2), unknown outcome (exit 3), anything else 1.
    Billing(unibill::Error),
    /// Anything else: writing the output, reading standard input, binding a port (exit 1).
    Other(String),
    /// The write happened and what is known was printed, but the result lacks what is needed to use it (a store
    /// created without an id): the message says what is known and how to find the rest; do not retry (exit 3).
    Incomplete(String),
    /// Standard output was closed by the reader (`unibill providers | head`): not a failure (exit 0, silent).
    OutputClosed,
}

/// The CLI's result type.
pub type CliResult<T = ()> = Result<T, CliError>;

impl CliError {
    /// A usage error with this message.
    pub fn usage(message: impl Into<String>) -> Self {
        CliError::Usage(message.into())
    }

    /// Whether this is a refused input (exit 2): a usage error, input the core builders refuse
    /// (`InvalidInput`), or a field the provider does not offer (`Unsupported` naming the field, from the core
    /// guard, before anything is sent). An unsupported operation or resource stays a provider error (exit 1).
    pub fn is_usage(&self) -> bool {
        match self {
            CliError::Usage(_) => true,
            CliError::Billing(e) if e.write_applied() => false,
            CliError::Billing(e) => match e.kind() {
                ErrorKind::InvalidInput => true,
                ErrorKind::Unsupported => !e.field_errors().is_empty(),
                _ => false,
            },
            _ => false,
        }
    }

    /// The process exit code for this error.
    pub fn exit_code(&self) -> ExitCode {
        if self.is_usage() {
            return ExitCode::from(EXIT_USAGE);
        }
        ExitCode::from(match self {
            CliError::Usage(_) => EXIT_USAGE,
            CliError::Billing(e) if e.write_applied() => EXIT_OUTCOME_UNKNOWN,
            CliError::Billing(e) => match e.kind() {
                ErrorKind::OutcomeUnknown => EXIT_OUTCOME_UNKNOWN,
                _ => EXIT_PROVIDER,
            },
            CliError::Other(_) => EXIT_PROVIDER,
            CliError::Incomplete(_) => EXIT_OUTCOME_UNKNOWN,
            CliError::OutputClosed => 0,
        })
    }
}

impl fmt::Display for CliError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            CliError::Usage(m) | CliError::Other(m) | CliError::Incomplete(m) => f.write_str(m),
            CliError::OutputClosed => f.write_str("standard output closed"),
            CliError::Billing(e) => {
                write!(f, "{e}")?;
                if e.write_applied() {
                    let (resource, verb) = e
                        .operation()
                        .and_then(|o| o.split_once('.'))
                        .unwrap_or(("<resource>", "write"));
                    let done = if verb == "create" {
                        "created"
                    } else {
                        "applied"
                    };
                    write!(
                        f,
                        "\n  {done}, but the answer could not be read: do not retry; look it up with \
                         `unibill {resource} list` (or `get` with its id)"
                    )?;
                } else if e.kind() == ErrorKind::OutcomeUnknown {
                    write!(
                        f,
                        "\n  the provider may or may not have applied this change: check with `get` or `list` before retrying"
                    )?;
                }
                Ok(())
            }
        }
    }
}

impl From<unibill::Error> for CliError {
    fn from(e: unibill::Error) -> Self {
        CliError::Billing(e)
    }
}

impl From<std::io::Error> for CliError {
    fn from(e: std::io::Error) -> Self {
        if e.kind() == std::io::ErrorKind::BrokenPipe {
            return CliError::OutputClosed;
        }
        CliError::Other(e.to_string())
    }
}

impl From<serde_json::Error> for CliError {
    fn from(e: serde_json::Error) -> Self {
        CliError::Other(e.to_string())
    }
}
