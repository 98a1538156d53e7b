//! `unibill customers create|get|list|update|delete`.

use clap::{Args, Subcommand};
use unibill::{Address, CustomerListQuery, CustomerUpdate, CustomersExt, NewCustomer, Resource};

use super::{ListArgs, metadata, print_list};
use crate::config::Global;
use crate::error::CliResult;
use crate::output::Output;

/// A customers command.
#[derive(Debug, Subcommand)]
pub enum CustomersCommand {
    /// Create a customer.
    Create(CreateArgs),
    /// Show a customer by id (or by external id).
    Get {
        /// The provider's customer id (or the external id with --by-external-id).
        id: String,
        /// Look the customer up by your external id.
        #[arg(long)]
        by_external_id: bool,
    },
    /// List customers.
    List {
        #[command(flatten)]
        page: ListArgs,
        /// Include archived customers (where the provider can).
        #[arg(long)]
        include_archived: bool,
    },
    /// Change a customer; only the flags given change.
    Update(UpdateArgs),
    /// Delete (archive) a customer.
    Delete {
        /// The provider's customer id.
        id: String,
    },
}

/// The address flags.
#[derive(Debug, Args, Default)]
pub struct AddressArgs {
    /// Address line 1.
    #[arg(long)]
    pub line1: Option<String>,
    /// Address line 2.
    #[arg(long)]
    pub line2: Option<String>,
    /// City.
    #[arg(long)]
    pub city: Option<String>,
    /// State or region.
    #[arg(long)]
    pub state: Option<String>,
    /// Postal code.
    #[arg(long)]
    pub postal_code: Option<String>,
    /// ISO 3166-1 alpha-2 country code.
    #[arg(long)]
    pub country: Option<String>,
}

impl AddressArgs {
    fn build(&self) -> CliResult<Option<Address>> {
        let mut b = Address::builder();
        let mut any = false;
        macro_rules! field {
            ($f:ident) => {
                if let Some(v) = &self.$f {
                    b = b.$f(v.clone());
                    any = true;
                }
            };
        }
        field!(line1);
        field!(line2);
        field!(city);
        field!(state);
        field!(postal_code);
        field!(country);
        Ok(if any { Some(b.build()?) } else { None })
    }
}

/// `customers create`.
#[derive(Debug, Args)]
pub struct CreateArgs {
    /// Your id for the customer (the natural key: a second create is already_exists).
    #[arg(long)]
    pub external_id: String,
    /// Display name.
    #[arg(long)]
    pub name: String,
    /// Email address.
    #[arg(long)]
    pub email: Option<String>,
    /// Contact (phone or person).
    #[arg(long)]
    pub contact: Option<String>,
    #[command(flatten)]
    pub address: AddressArgs,
    /// IANA time zone, e.g. Europe/London.
    #[arg(long)]
    pub time_zone: Option<String>,
    /// Metadata entry KEY=VALUE (repeatable).
    #[arg(long, value_name = "KEY=VALUE")]
    pub metadata: Vec<String>,
}

/// `customers update`.
#[derive(Debug, Args)]
pub struct UpdateArgs {
    /// The provider's customer id.
    pub id: String,
    /// New external id.
    #[arg(long)]
    pub external_id: Option<String>,
    /// New name.
    #[arg(long)]
    pub name: Option<String>,
    /// New email.
    #[arg(long, conflicts_with = "clear_email")]
    pub email: Option<String>,
    /// Remove the email.
    #[arg(long)]
    pub clear_email: bool,
    /// New contact.
    #[arg(long, conflicts_with = "clear_contact")]
    pub contact: Option<String>,
    /// Remove the contact.
    #[arg(long)]
    pub clear_contact: bool,
    /// Replace the address with these fields.
    #[command(flatten)]
    pub address: AddressArgs,
    /// Remove the address.
    #[arg(long)]
    pub clear_address: bool,
    /// New time zone.
    #[arg(long, conflicts_with = "clear_time_zone")]
    pub time_zone: Option<String>,
    /// Remove the time zone.
    #[arg(long)]
    pub clear_time_zone: bool,
    /// Replace the metadata with these KEY=VALUE entries (repeatable).
    #[arg(long, value_name = "KEY=VALUE", conflicts_with = "clear_metadata")]
    pub metadata: Vec<String>,
    /// Remove all metadata.
    #[arg(long)]
    pub clear_metadata: bool,
}

/// Runs a customers command.
pub async fn run(cmd: CustomersCommand, global: &Global) -> CliResult {
    let out = Output::new(global.json);
    // Inputs are built (and validated) before any provider is configured.
    match cmd {
        CustomersCommand::Create(a) => {
            let mut b = NewCustomer::builder(a.external_id, a.name);
            if let Some(v) = a.email {
                b = b.email(v);
            }
            if let Some(v) = a.contact {
                b = b.contact(v);
            }
            if let Some(v) = a.address.build()? {
                b = b.address(v);
            }
            if let Some(v) = a.time_zone {
                b = b.time_zone(v);
            }
            if !a.metadata.is_empty() {
                b = b.metadata(metadata(&a.metadata)?);
            }
            let input = b.build()?;
            let customers = global.billing(Resource::Customers)?.customers();
            out.one(&customers.create(input).await?)
        }
        CustomersCommand::Get { id, by_external_id } => {
            let customers = global.billing(Resource::Customers)?.customers();
            let c = if by_external_id {
                customers.get_by_external_id(id).await?
            } else {
                customers.get(id.into()).await?
            };
            out.one(&c)
        }
        CustomersCommand::List {
            page,
            include_archived,
        } => {
            let customers = global.billing(Resource::Customers)?.customers();
            let mut base = CustomerListQuery::new().include_archived(include_archived);
            if let Some(l) = page.limit {
                base = base.limit(l);
            }
            let mut one = base.clone();
            one.cursor = page.cursor();
            base.max_pages = page.max_pages;
            print_list(&page, &out, customers.list(one), || {
                customers.list_all(base)
            })
            .await
        }
        CustomersCommand::Update(a) => {
            let mut b = CustomerUpdate::builder();
            if let Some(v) = a.external_id {
                b = b.external_id(v);
            }
            if let Some(v) = a.name {
                b = b.name(v);
            }
            if let Some(v) = a.email {
                b = b.email(v);
            }
            if a.clear_email {
                b = b.clear_email();
            }
            if let Some(v) = a.contact {
                b = b.contact(v);
            }
            if a.clear_contact {
                b = b.clear_contact();
            }
            if let Some(v) = a.address.build()? {
                b = b.address(v);
            }
            if a.clear_address {
                b = b.clear_address();
            }
            if let Some(v) = a.time_zone {
                b = b.time_zone(v);
            }
            if a.clear_time_zone {
                b = b.clear_time_zone();
            }
            if !a.metadata.is_empty() {
                b = b.metadata(metadata(&a.metadata)?);
            }
            if a.clear_metadata {
                b = b.clear_metadata();
            }
            let update = b.build()?;
            let customers = global.billing(Resource::Customers)?.customers();
            out.one(&customers.update(a.id.into(), update).await?)
        }
        CustomersCommand::Delete { id } => {
            let customers = global.billing(Resource::Customers)?.customers();
            customers.delete(id.clone().into()).await?;
            if out.is_json() {
                out.one(&serde_json::json!({ "id": id, "deleted": true }))
            } else {
                out.note(&format!("customer {id} deleted (archived)"))
            }
        }
    }
}
