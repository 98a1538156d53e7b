//! [`fetch_changed`]: the object a webhook event is about, read through the neutral traits (what to do with a
//! thin [`WebhookKind::ObjectChanged`](crate::WebhookKind::ObjectChanged) event, and with any event, since events
//! are hints that can arrive late or out of order).
//!
//! ```
//! # tokio::runtime::Builder::new_current_thread().build().unwrap().block_on(async {
//! use unibill_core::{ChangedObject, Customers, MemoryLifecycle, NewCustomer, Webhooks, fetch_changed};
//!
//! let memory = MemoryLifecycle::new();
//! let billing = memory.billing();
//! billing.customers().create(NewCustomer::builder("ada", "Ada").build()?).await?;
//! let delivery = memory.deliveries().remove(0);
//! let event = memory.webhooks().verify(&delivery.headers, &delivery.body, delivery.timestamp)?;
//! let ChangedObject::Customer(ada) = fetch_changed(&event, &billing).await? else { unreachable!() };
//! assert_eq!(ada.external_id, "ada");
//! # Ok::<(), unibill_core::Error>(()) }).unwrap();
//! ```

use crate::api::{Customers, Invoices, Subscriptions};
use crate::billing::Billing;
use crate::error::{Error, Result};
use crate::model::customer::Customer;
use crate::model::invoice::Invoice;
use crate::model::subscription::Subscription;
use crate::model::webhook::WebhookEvent;

/// The object an event is about, as the provider holds it now.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub enum ChangedObject {
    /// A subscription (`object_type` `subscription`).
    Subscription(Box<Subscription>),
    /// An invoice (`object_type` `invoice`).
    Invoice(Box<Invoice>),
    /// A customer (`object_type` `customer`).
    Customer(Box<Customer>),
    /// An object no neutral trait reads (a Flowglad `purchase`, `payment`, `product`, …): the event is all there
    /// is.
    Other {
        /// The object's type, as the event gave it.
        object_type: String,
        /// The object's id, as the event gave it.
        object_id: String,
    },
}

/// Reads the object `event` is about through `billing`: a `subscription` with
/// [`Subscriptions::get`], an `invoice` with [`Invoices::get`], a `customer` with
/// [`Customers::get_by_external_id`] when the event names the customer's external id (the provider's own id is
/// not always the neutral [`crate::CustomerId`]: Flowglad's is the external id) and [`Customers::get`] by the
/// object id otherwise. Any other type is [`ChangedObject::Other`], without I/O.
///
/// An event that names no object is `InvalidInput`; a read's failure (`NotFound` for an object deleted since, a
/// resource not routed in `billing`) is returned as it is.
pub async fn fetch_changed(event: &WebhookEvent, billing: &Billing) -> Result<ChangedObject> {
    let (Some(object_type), Some(object_id)) = (&event.object_type, &event.object_id) else {
        return Err(Error::invalid_field(
            "object_id",
            format!(
                "the `{}` event names no object to fetch",
                event.kind.as_str()
            ),
        )
        .with_provider(event.provider.clone())
        .with_operation("webhooks.fetch_changed"));
    };
    Ok(match object_type.as_str() {
        "subscription" => ChangedObject::Subscription(Box::new(
            billing
                .subscriptions()
                .get(object_id.as_str().into())
                .await?,
        )),
        "invoice" => ChangedObject::Invoice(Box::new(
            billing.invoices().get(object_id.as_str().into()).await?,
        )),
        "customer" => {
            let customers = billing.customers();
            let customer = match &event.customer_external_id {
                Some(external) => customers.get_by_external_id(external.clone()).await?,
                None => customers.get(object_id.as_str().into()).await?,
            };
            ChangedObject::Customer(Box::new(customer))
        }
        _ => ChangedObject::Other {
            object_type: object_type.clone(),
            object_id: object_id.clone(),
        },
    })
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;

    use super::*;
    use crate::api::{Prices, Webhooks};
    use crate::error::ErrorKind;
    use crate::memory::MemoryLifecycle;
    use crate::model::customer::NewCustomer;
    use crate::model::invoice::InvoiceListQuery;
    use crate::model::key::IdempotencyKey;
    use crate::model::price::{Interval, NewPrice, PriceKind};
    use crate::model::subscription::{CustomerRef, NewSubscription};
    use crate::model::webhook::WebhookKind;
    use crate::money::{Currency, Money};

    #[tokio::test]
    async fn each_delivery_of_memory_fetches_its_object() {
        let memory = MemoryLifecycle::new();
        let billing = memory.billing();
        let ada = billing
            .customers()
            .create(NewCustomer::builder("ada", "Ada").build().unwrap())
            .await
            .unwrap();
        let price = billing
            .prices()
            .create(
                NewPrice::builder(
                    PriceKind::recurring(Interval::monthly()),
                    Money::new(dec!(29.00), Currency::USD),
                )
                .product_id("pro")
                .build()
                .unwrap(),
            )
            .await
            .unwrap();
        let sub = billing
            .subscriptions()
            .create(
                NewSubscription::builder(CustomerRef::external_id("ada"), price.id)
                    .key(IdempotencyKey::new("ada-pro").unwrap())
                    .build()
                    .unwrap(),
            )
            .await
            .unwrap();
        let invoice = billing
            .invoices()
            .list(InvoiceListQuery::new())
            .await
            .unwrap()
            .items
            .remove(0);
        billing
            .invoices()
            .finalize(invoice.id.clone())
            .await
            .unwrap();

        let webhooks = memory.webhooks();
        let mut fetched = Vec::new();
        for d in memory.deliveries() {
            let event = webhooks.verify(&d.headers, &d.body, d.timestamp).unwrap();
            fetched.push(fetch_changed(&event, &billing).await.unwrap());
        }
        assert!(
            matches!(&fetched[0], ChangedObject::Customer(c) if c.id == ada.id),
            "{fetched:?}"
        );
        assert!(
            fetched
                .iter()
                .any(|o| matches!(o, ChangedObject::Subscription(s) if s.id == sub.id)),
            "{fetched:?}"
        );
        assert!(
            fetched
                .iter()
                .any(|o| matches!(o, ChangedObject::Invoice(i) if i.id == invoice.id)),
            "{fetched:?}"
        );
    }

    #[tokio::test]
    async fn thin_and_unknown_objects() {
        let billing = Billing::memory();
        let thin = WebhookEvent::builder("flowglad", "msg_1", WebhookKind::ObjectChanged)
            .object("purchase", "prch_1")
            .build();
        assert_eq!(
            fetch_changed(&thin, &billing).await.unwrap(),
            ChangedObject::Other {
                object_type: "purchase".into(),
                object_id: "prch_1".into()
            }
        );
        let gone = WebhookEvent::builder("memory", "msg_2", WebhookKind::ObjectChanged)
            .object("subscription", "sub_missing")
            .build();
        assert_eq!(
            fetch_changed(&gone, &billing).await.unwrap_err().kind(),
            ErrorKind::NotFound
        );
        let nothing =
            WebhookEvent::builder("flexprice", "msg_3", WebhookKind::Other("x".into())).build();
        let err = fetch_changed(&nothing, &billing).await.unwrap_err();
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("`x` event"), "{err}");
    }
}
