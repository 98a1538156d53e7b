//! `unibill subscriptions create|get|list|cancel|uncancel|change-price`.

use clap::{ArgGroup, Args, Subcommand, ValueEnum};
use unibill::{
    CancelOptions, CustomerRef, FinalInvoice, IdempotencyKey, NewSubscription, PriceId, Resource,
    SubscriptionId, SubscriptionListQuery, SubscriptionStatus, SubscriptionsExt, Trial,
};

use super::{ListArgs, customer_ref, metadata, print_list, timestamp};
use crate::config::Global;
use crate::error::{CliError, CliResult};
use crate::output::Output;

/// A subscriptions command.
#[derive(Debug, Subcommand)]
pub enum SubscriptionsCommand {
    /// Subscribe a customer to a recurring price (safe to repeat with the same --key).
    Create(CreateArgs),
    /// Show a subscription.
    Get {
        /// The provider's subscription id.
        id: String,
    },
    /// List subscriptions (every status unless --status is given).
    List(ListSubscriptionsArgs),
    /// Cancel a subscription: exactly one of --at-period-end, --now or --at.
    Cancel(CancelArgs),
    /// Take back a scheduled cancel (a canceled subscription cannot be reactivated: conflict).
    Uncancel {
        /// The provider's subscription id.
        id: String,
    },
    /// Move a subscription to another recurring price (the answer's id may differ where the provider makes a
    /// new subscription: see `unibill providers`).
    ChangePrice {
        /// The provider's subscription id.
        id: String,
        /// The new recurring price.
        #[arg(long)]
        price_id: String,
    },
}

/// The customer flags: the provider's id or your external id.
#[derive(Debug, Args)]
#[group(multiple = false)]
pub struct CustomerArgs {
    /// The customer by your external id.
    #[arg(long)]
    pub customer_external_id: Option<String>,
    /// The customer by the provider's id.
    #[arg(long)]
    pub customer_id: Option<String>,
}

impl CustomerArgs {
    /// The customer the flags name, if any.
    pub fn customer(self) -> Option<CustomerRef> {
        customer_ref(self.customer_id, self.customer_external_id)
    }
}

/// `subscriptions create`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("customer").required(true).args(["customer_external_id", "customer_id"])))]
#[command(group(ArgGroup::new("trial_choice").args(["trial_days", "no_trial", "trial_until"])))]
pub struct CreateArgs {
    /// The customer by your external id.
    #[arg(long)]
    pub customer_external_id: Option<String>,
    /// The customer by the provider's id.
    #[arg(long)]
    pub customer_id: Option<String>,
    /// The recurring price subscribed to.
    #[arg(long)]
    pub price_id: String,
    /// The idempotency key (1–64 of `A-Z a-z 0-9 . _ : -`): a create repeated with it makes no second
    /// subscription. Without it a fresh key is generated, which protects this invocation only.
    #[arg(long)]
    pub key: Option<String>,
    /// A trial of this many days (instead of the price's own).
    #[arg(long)]
    pub trial_days: Option<u32>,
    /// No trial, even where the price has one.
    #[arg(long)]
    pub no_trial: bool,
    /// A trial until this time (RFC 3339).
    #[arg(long, value_name = "TIMESTAMP")]
    pub trial_until: Option<String>,
    /// Metadata entry KEY=VALUE (repeatable; keys starting with `unibill_` are reserved).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

/// A status to filter on.
#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum StatusArg {
    /// incomplete
    Incomplete,
    /// incomplete_expired
    IncompleteExpired,
    /// trialing
    Trialing,
    /// active
    Active,
    /// past_due
    PastDue,
    /// unpaid
    Unpaid,
    /// cancel_scheduled
    CancelScheduled,
    /// canceled
    Canceled,
    /// paused
    Paused,
    /// draft
    Draft,
}

impl From<StatusArg> for SubscriptionStatus {
    fn from(s: StatusArg) -> Self {
        match s {
            StatusArg::Incomplete => SubscriptionStatus::Incomplete,
            StatusArg::IncompleteExpired => SubscriptionStatus::IncompleteExpired,
            StatusArg::Trialing => SubscriptionStatus::Trialing,
            StatusArg::Active => SubscriptionStatus::Active,
            StatusArg::PastDue => SubscriptionStatus::PastDue,
            StatusArg::Unpaid => SubscriptionStatus::Unpaid,
            StatusArg::CancelScheduled => SubscriptionStatus::CancelScheduled,
            StatusArg::Canceled => SubscriptionStatus::Canceled,
            StatusArg::Paused => SubscriptionStatus::Paused,
            StatusArg::Draft => SubscriptionStatus::Draft,
        }
    }
}

/// `subscriptions list`.
#[derive(Debug, Args)]
pub struct ListSubscriptionsArgs {
    #[command(flatten)]
    pub page: ListArgs,
    #[command(flatten)]
    pub customer: CustomerArgs,
    /// Only subscriptions in this status (repeatable).
    #[arg(long, value_enum)]
    pub status: Vec<StatusArg>,
}

/// `subscriptions cancel`.
#[derive(Debug, Args)]
#[command(group(ArgGroup::new("timing").required(true).args(["at_period_end", "now", "at"])))]
pub struct CancelArgs {
    /// The provider's subscription id.
    pub id: String,
    /// Cancel when the current period ends (status cancel_scheduled until then; `uncancel` takes it back).
    #[arg(long)]
    pub at_period_end: bool,
    /// Cancel now.
    #[arg(long)]
    pub now: bool,
    /// Cancel at this time (RFC 3339, 2026-04-01T00:00:00Z).
    #[arg(long, value_name = "TIMESTAMP")]
    pub at: Option<String>,
    /// Do not generate a final invoice (where the provider lets the caller choose).
    #[arg(long)]
    pub no_final_invoice: bool,
    /// Prorate the current period (where the provider lets the caller choose).
    #[arg(long)]
    pub prorate: bool,
}

fn new_subscription(a: CreateArgs) -> CliResult<NewSubscription> {
    let customer = customer_ref(a.customer_id, a.customer_external_id)
        .ok_or_else(|| CliError::usage("give --customer-external-id or --customer-id"))?;
    let mut b = NewSubscription::builder(customer, a.price_id);
    if let Some(k) = a.key {
        b = b.key(IdempotencyKey::new(k)?);
    }
    if let Some(d) = a.trial_days {
        b = b.trial(Trial::Days(d));
    } else if a.no_trial {
        b = b.trial(Trial::None);
    } else if let Some(t) = &a.trial_until {
        b = b.trial(Trial::Until(timestamp(t, "trial_until")?));
    }
    if !a.metadata.is_empty() {
        b = b.metadata(metadata(&a.metadata)?);
    }
    Ok(b.build()?)
}

fn cancel_options(a: &CancelArgs) -> CliResult<CancelOptions> {
    let options = if a.at_period_end {
        CancelOptions::at_period_end()
    } else if a.now {
        CancelOptions::immediately()
    } else if let Some(t) = &a.at {
        CancelOptions::at(timestamp(t, "at")?)
    } else {
        return Err(CliError::usage(
            "give exactly one of --at-period-end, --now or --at TIMESTAMP",
        ));
    };
    Ok(options
        .final_invoice(if a.no_final_invoice {
            FinalInvoice::Skip
        } else {
            FinalInvoice::Generate
        })
        .prorate(a.prorate))
}

/// Runs a subscriptions command.
pub async fn run(cmd: SubscriptionsCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    match cmd {
        SubscriptionsCommand::Create(a) => {
            let input = new_subscription(a)?;
            let subscriptions = global.billing(Resource::Subscriptions)?.subscriptions();
            let key = input.key().clone();
            let created = subscriptions.create(input).await?;
            out.one(&created)?;
            if created.key.is_none() {
                out.note(&format!("idempotency key: {key}"))?;
            }
            Ok(())
        }
        SubscriptionsCommand::Get { id } => {
            let subscriptions = global.billing(Resource::Subscriptions)?.subscriptions();
            out.one(&subscriptions.get(SubscriptionId::new(id)).await?)
        }
        SubscriptionsCommand::List(a) => {
            let subscriptions = global.billing(Resource::Subscriptions)?.subscriptions();
            let mut base = SubscriptionListQuery::new();
            if let Some(c) = a.customer.customer() {
                base = base.customer(c);
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
            print_list(&a.page, &out, subscriptions.list(one), || {
                subscriptions.list_all(base)
            })
            .await
        }
        SubscriptionsCommand::Cancel(a) => {
            let options = cancel_options(&a)?;
            let subscriptions = global.billing(Resource::Subscriptions)?.subscriptions();
            out.one(
                &subscriptions
                    .cancel(SubscriptionId::new(a.id), options)
                    .await?,
            )
        }
        SubscriptionsCommand::Uncancel { id } => {
            let subscriptions = global.billing(Resource::Subscriptions)?.subscriptions();
            out.one(&subscriptions.uncancel(SubscriptionId::new(id)).await?)
        }
        SubscriptionsCommand::ChangePrice { id, price_id } => {
            let subscriptions = global.billing(Resource::Subscriptions)?.subscriptions();
            out.one(
                &subscriptions
                    .change_price(SubscriptionId::new(id), PriceId::new(price_id))
                    .await?,
            )
        }
    }
}
