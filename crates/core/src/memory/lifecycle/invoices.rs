//! Invoices in memory: one per subscription and paid period, rated from the subscription's prices and the
//! period's usage (see the module docs of [`super`]).

use async_trait::async_trait;
use jiff::Timestamp;
use rust_decimal::Decimal;

use super::MemoryLifecycle;
use super::rating::{aggregate, rate};
use super::state::{InvoiceRecord, State, page};
use super::webhooks::provider;
use crate::api::Invoices;
use crate::capability::InvoiceCapabilities;
use crate::error::{Error, ErrorKind, Result};
use crate::id::InvoiceId;
use crate::memory::{PROVIDER, make_id};
use crate::model::invoice::{Invoice, InvoiceLine, InvoiceListQuery, InvoiceStatus, PaymentStatus};
use crate::model::price::{Price, PriceKind};
use crate::model::subscription::CustomerRef;
use crate::model::webhook::WebhookKind;
use crate::money::Money;
use crate::page::Page;

/// Invoices held in memory (see [`MemoryLifecycle`] for how they are made). `finalize` and `void` are
/// idempotent by end state; finalizing a voided invoice is `Conflict`.
#[derive(Debug, Clone)]
pub struct MemoryInvoices(pub(super) MemoryLifecycle);

fn not_found(id: &str) -> Error {
    Error::not_found(format!("invoice {id} was not found")).with_provider(PROVIDER)
}

impl State {
    /// Opens the draft of the running period of subscription `sub_seq`.
    pub fn open_invoice(&mut self, sub_seq: u64, now: Timestamp) {
        let seq = self.next_seq();
        let Some(rec) = self.subs.get(&sub_seq) else {
            return;
        };
        let sub = &rec.sub;
        let mut b = Invoice::builder(
            make_id("in", seq),
            InvoiceStatus::Draft,
            rec.price.currency.clone(),
        )
        .subscription_id(sub.id.clone())
        .payment_status(PaymentStatus::Pending)
        .created_at(now)
        .provider(provider());
        if let Some(c) = &sub.customer_id {
            b = b.customer_id(c.clone());
        }
        if let Some(c) = &sub.customer_external_id {
            b = b.customer_external_id(c.clone());
        }
        if let Some(p) = sub.current_period {
            b = b.period(p);
        }
        let invoice = b.build();
        self.invoice_ids.insert(invoice.id.clone(), seq);
        self.invoices.insert(
            seq,
            InvoiceRecord {
                invoice,
                sub_seq,
                live: true,
            },
        );
        if let Some(rec) = self.subs.get_mut(&sub_seq) {
            rec.live_invoice = Some(seq);
        }
        self.rate_invoice(seq);
    }

    /// Computes an invoice's lines and amounts again from its subscription's prices and its period's usage.
    fn rate_invoice(&mut self, seq: u64) {
        let Some(record) = self.invoices.get(&seq) else {
            return;
        };
        let Some(rec) = self.subs.get(&record.sub_seq) else {
            return;
        };
        let period = record.invoice.period;
        let customer = rec.sub.customer_external_id.clone().unwrap_or_default();
        let mut lines = Vec::with_capacity(1 + rec.usage_prices.len());
        let fixed = line(&rec.price, Decimal::ONE, rec.price.name.as_deref());
        lines.push(fixed);
        for price in &rec.usage_prices {
            let PriceKind::Usage { meter_id, .. } = &price.kind else {
                continue;
            };
            let meter = self.meters.values().find(|m| {
                m.key == *meter_id || m.id.as_ref().is_some_and(|id| id.as_str() == meter_id)
            });
            let quantity = match (meter, period) {
                (Some(m), Some(p)) => aggregate(
                    &self.events,
                    &customer,
                    &m.key,
                    &m.aggregation,
                    p.start(),
                    Some(p.end()),
                ),
                _ => Decimal::ZERO,
            };
            let name = price.name.clone().unwrap_or_else(|| {
                format!(
                    "Usage of {}",
                    meter.map_or(meter_id.as_str(), |m| m.key.as_str())
                )
            });
            lines.push(line(price, quantity, Some(&name)));
        }
        for l in &mut lines {
            l.period = period;
        }
        let currency = rec.price.currency.clone();
        let total = lines
            .iter()
            .try_fold(Decimal::ZERO, |sum, l| {
                l.amount
                    .as_ref()
                    .filter(|a| a.currency == currency)
                    .and_then(|a| sum.checked_add(a.amount))
            })
            .map(|t| Money::new(t, currency.clone()));
        let Some(record) = self.invoices.get_mut(&seq) else {
            return;
        };
        let inv = &mut record.invoice;
        inv.lines = Some(lines);
        inv.subtotal = total.clone();
        inv.tax = Some(Money::new(Decimal::ZERO, currency.clone()));
        inv.total = total.clone();
        inv.amount_paid = Some(Money::new(Decimal::ZERO, currency.clone()));
        inv.amount_due = if inv.status == InvoiceStatus::Void {
            Some(Money::new(Decimal::ZERO, currency))
        } else {
            total
        };
    }

    /// The invoice as it reads now (a running period's draft rated again).
    pub fn invoice_view(&mut self, seq: u64) -> Option<Invoice> {
        if self.invoices.get(&seq)?.live {
            self.rate_invoice(seq);
        }
        Some(self.invoices.get(&seq)?.invoice.clone())
    }

    /// Freezes and finalizes an invoice (`Draft` → `Open`), announcing it.
    pub fn finalize_invoice(&mut self, seq: u64, now: Timestamp) {
        let Some(mut invoice) = self.invoice_view(seq) else {
            return;
        };
        if invoice.status != InvoiceStatus::Draft {
            return;
        }
        self.invoice_numbers += 1;
        invoice.status = InvoiceStatus::Open;
        invoice.number = Some(format!("MEM-{:06}", self.invoice_numbers));
        invoice.issued_at = Some(now);
        invoice.due_at = Some(now);
        self.store_frozen(seq, &invoice);
        self.emit(
            now,
            WebhookKind::InvoiceFinalized,
            "invoice",
            invoice.id.as_str(),
            invoice.customer_external_id.as_deref(),
            &invoice,
        );
    }

    /// Freezes and voids an invoice, announcing it.
    pub fn void_invoice(&mut self, seq: u64, now: Timestamp) {
        let Some(mut invoice) = self.invoice_view(seq) else {
            return;
        };
        if invoice.status == InvoiceStatus::Void {
            return;
        }
        invoice.status = InvoiceStatus::Void;
        invoice.amount_due = Some(Money::new(Decimal::ZERO, invoice.currency.clone()));
        self.store_frozen(seq, &invoice);
        self.emit(
            now,
            WebhookKind::InvoiceVoided,
            "invoice",
            invoice.id.as_str(),
            invoice.customer_external_id.as_deref(),
            &invoice,
        );
    }

    fn store_frozen(&mut self, seq: u64, invoice: &Invoice) {
        if let Some(record) = self.invoices.get_mut(&seq) {
            record.invoice = invoice.clone();
            record.live = false;
        }
    }

    fn invoice_seq(&self, id: &InvoiceId) -> Result<u64> {
        self.invoice_ids
            .get(id)
            .copied()
            .ok_or_else(|| not_found(id.as_str()))
    }
}

fn line(price: &Price, quantity: Decimal, name: Option<&str>) -> InvoiceLine {
    let (billed, amount) = rate(price, quantity);
    let mut l = InvoiceLine::new()
        .price_id(price.id.clone())
        .quantity(billed)
        .description(name.map_or_else(|| price.kind.name().replace('_', " "), str::to_owned));
    if let Some(a) = amount {
        l = l.amount(a);
    }
    l
}

fn matches_customer(invoice: &Invoice, customer: &CustomerRef) -> bool {
    match customer {
        CustomerRef::Id(id) => invoice.customer_id.as_ref() == Some(id),
        CustomerRef::ExternalId(e) => invoice.customer_external_id.as_deref() == Some(e),
    }
}

#[async_trait]
impl Invoices for MemoryInvoices {
    fn capabilities(&self) -> InvoiceCapabilities {
        InvoiceCapabilities::full(PROVIDER)
    }

    async fn get(&self, id: InvoiceId) -> Result<Invoice> {
        let (mut s, _) = self.0.begin();
        let seq = s.invoice_seq(&id)?;
        s.invoice_view(seq).ok_or_else(|| not_found(id.as_str()))
    }

    async fn list(&self, query: InvoiceListQuery) -> Result<Page<Invoice>> {
        let (mut s, _) = self.0.begin();
        let live: Vec<u64> = s
            .invoices
            .iter()
            .filter(|(_, r)| r.live)
            .map(|(seq, _)| *seq)
            .collect();
        for seq in live {
            s.rate_invoice(seq);
        }
        page(
            &s.invoices,
            query.cursor.as_ref(),
            query.limit,
            self.capabilities().max_page_size,
            query.fingerprint(),
            |r| {
                let i = &r.invoice;
                query
                    .customer
                    .as_ref()
                    .is_none_or(|c| matches_customer(i, c))
                    && query
                        .subscription_id
                        .as_ref()
                        .is_none_or(|want| i.subscription_id.as_ref() == Some(want))
                    && (query.statuses.is_empty() || query.statuses.contains(&i.status))
            },
            |r| r.invoice.clone(),
        )
    }

    async fn finalize(&self, id: InvoiceId) -> Result<Invoice> {
        let (mut s, now) = self.0.begin();
        let seq = s.invoice_seq(&id)?;
        let status = s.invoices[&seq].invoice.status.clone();
        match status {
            InvoiceStatus::Draft => s.finalize_invoice(seq, now),
            InvoiceStatus::Void => {
                return Err(Error::new(
                    ErrorKind::Conflict,
                    format!("invoice {id} is void: a voided invoice cannot be finalized"),
                )
                .with_provider(PROVIDER));
            }
            _ => {}
        }
        s.invoice_view(seq).ok_or_else(|| not_found(id.as_str()))
    }

    async fn void(&self, id: InvoiceId) -> Result<Invoice> {
        let (mut s, now) = self.0.begin();
        let seq = s.invoice_seq(&id)?;
        let status = s.invoices[&seq].invoice.status.clone();
        match status {
            InvoiceStatus::Draft | InvoiceStatus::Open => s.void_invoice(seq, now),
            InvoiceStatus::Void => {}
            other => {
                return Err(Error::invalid_field(
                    "id",
                    format!(
                        "invoice {id} is {}: only a draft or open invoice can be voided",
                        other.as_str()
                    ),
                )
                .with_provider(PROVIDER));
            }
        }
        s.invoice_view(seq).ok_or_else(|| not_found(id.as_str()))
    }
}
