//! `unibill invoices get|list|finalize|void`.

use clap::{Args, Subcommand, ValueEnum};
use unibill::{InvoiceId, InvoiceListQuery, InvoiceStatus, InvoicesExt, Resource, SubscriptionId};

use super::subscriptions::CustomerArgs;
use super::{ListArgs, print_list};
use crate::config::Global;
use crate::error::CliResult;
use crate::output::Output;

/// An invoices command.
#[derive(Debug, Subcommand)]
pub enum InvoicesCommand {
    /// Show an invoice (with its lines where the provider's read carries them).
    Get {
        /// The provider's invoice id.
        id: String,
    },
    /// List invoices.
    List(ListInvoicesArgs),
    /// Finalize a draft invoice (finalizing one already final answers it as it is).
    Finalize {
        /// The provider's invoice id.
        id: String,
    },
    /// Void an invoice (voiding one already void answers it as it is; a paid one is invalid_input).
    Void {
        /// The provider's invoice id.
        id: String,
    },
}

/// A status to filter on.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    /// draft
    Draft,
    /// open
    Open,
    /// paid
    Paid,
    /// void
    Void,
    /// uncollectible
    Uncollectible,
    /// refunded
    Refunded,
    /// partially_refunded
    PartiallyRefunded,
    /// skipped
    Skipped,
}

impl From<StatusArg> for InvoiceStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Draft => InvoiceStatus::Draft,
            StatusArg::Open => InvoiceStatus::Open,
            StatusArg::Paid => InvoiceStatus::Paid,
            StatusArg::Void => InvoiceStatus::Void,
            StatusArg::Uncollectible => InvoiceStatus::Uncollectible,
            StatusArg::Refunded => InvoiceStatus::Refunded,
            StatusArg::PartiallyRefunded => InvoiceStatus::PartiallyRefunded,
            StatusArg::Skipped => InvoiceStatus::Skipped,
        }
    }
}

/// `invoices list`.
#[derive(Debug, Args)]
pub struct ListInvoicesArgs {
    #[command(flatten)]
    pub page: ListArgs,
    #[command(flatten)]
    pub customer: CustomerArgs,
    /// Only this subscription's invoices.
    #[arg(long)]
    pub subscription_id: Option<String>,
    /// Only invoices in this status (repeatable).
    #[arg(long, value_enum)]
    pub status: Vec<StatusArg>,
}

/// Runs an invoices command.
pub async fn run(cmd: InvoicesCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    let invoices = global.billing(Resource::Invoices)?.invoices();
    match cmd {
        InvoicesCommand::Get { id } => out.one(&invoices.get(InvoiceId::new(id)).await?),
        InvoicesCommand::List(a) => {
            let mut base = InvoiceListQuery::new();
            if let Some(c) = a.customer.customer() {
                base = base.customer(c);
            }
            if let Some(s) = a.subscription_id {
                base = base.subscription_id(SubscriptionId::new(s));
            }
            for s in a.status {
                base = base.status(s.into());
            }
            if let Some(l) = a.page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = a.page.cursor();
            base.max_pages = a.page.max_pages;
            print_list(&a.page, &out, invoices.list(one), || {
                invoices.list_all(base)
            })
            .await
        }
        InvoicesCommand::Finalize { id } => out.one(&invoices.finalize(InvoiceId::new(id)).await?),
        InvoicesCommand::Void { id } => out.one(&invoices.void(InvoiceId::new(id)).await?),
    }
}
