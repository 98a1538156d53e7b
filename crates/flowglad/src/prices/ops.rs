//! Price operations as values: the request of each call, the decoding of its answer, and the slug match. No
//! I/O here; the client sends.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | create | `POST /api/v1/prices` `{"price": …}` | `Reconcile` on the slug when one is given (page the list for an active price with it before any re-send), `Unsafe` otherwise |
//! | get | `GET /api/v1/prices/{id}` | `Safe` |
//! | list | `GET /api/v1/prices?limit&cursor`, filters applied here | `Safe` |
//! | update | `GET` then `PUT /api/v1/prices/{id}` with `id`, `type`, `isDefault` | `Safe` |
//! | archive | `GET` then `PUT /api/v1/prices/{id}` with `active: false` | `Safe` |

use unibill_core::{
    Currency, Error, NewPrice, Page, Price, PriceKind, PriceListQuery, PriceUpdate, Result,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{self, CreateBody, OP_CREATE, PriceEnvelope, UpdateBody};
use crate::PROVIDER;
use crate::pagination::{self, MAX_PAGE_SIZE};

/// `POST /api/v1/prices` for `input`, in an organisation billing in `currency` (a price in another one is
/// `InvalidInput` on `currency`: Flowglad gives every price the organisation's currency).
pub fn create_request(input: &NewPrice, currency: &Currency) -> Result<Request> {
    if input.currency() != currency {
        return Err(Error::invalid_field(
            "currency",
            format!(
                "Flowglad prices take the organisation's currency ({currency}); {} cannot be set per price",
                input.currency()
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(OP_CREATE));
    }
    Request::post(OP_CREATE, "/api/v1/prices")
        .path(["api", "v1", "prices"])
        .json(&CreateBody::try_from(input)?)
}

/// `GET /api/v1/prices/{id}`.
pub fn get_request(id: &str) -> Request {
    Request::get("prices.get", "/api/v1/prices/{id}").path(["api", "v1", "prices", id])
}

/// `GET /api/v1/prices?limit&cursor` (Flowglad's list has no filters: [`decode_price_page`] applies them).
pub fn list_request(query: &PriceListQuery) -> Result<Request> {
    pagination::with_page(
        Request::get("prices.list", "/api/v1/prices").path(["api", "v1", "prices"]),
        query.limit,
        query.cursor.as_ref(),
        query.fingerprint(),
    )
}

/// `PUT /api/v1/prices/{id}` applying `update` to `current`, the price read at `id` (Flowglad reads the id, type
/// and `isDefault` from the body, filled from `current`; the path carries the caller's `id`).
pub fn update_request(id: &str, current: &Price, update: &PriceUpdate) -> Result<Request> {
    put("prices.update", id, &UpdateBody::new(current, update))
}

/// `PUT /api/v1/prices/{id}` with `active: false`, everything else as `current` (read at `id`) holds it.
pub fn archive_request(id: &str, current: &Price) -> Result<Request> {
    put("prices.archive", id, &UpdateBody::archive(current))
}

fn put(operation: &'static str, id: &str, body: &UpdateBody<'_>) -> Result<Request> {
    Request::put(operation, "/api/v1/prices/{id}")
        .path(["api", "v1", "prices", id])
        .json(body)
}

/// The answer of create, get, update and archive: `{"price": …}`.
pub fn decode_price(response: Response) -> Result<Price> {
    let envelope: PriceEnvelope = response.json()?;
    wire::price(envelope.price)
}

/// One list page, `query`'s filters applied (archived prices, product): pages may come out short.
pub fn decode_price_page(response: Response, query: &PriceListQuery) -> Result<Page<Price>> {
    pagination::decode_page(&response, query.fingerprint(), wire::price, |p: &Price| {
        (query.include_archived || p.active)
            && query
                .product_id
                .as_deref()
                .is_none_or(|want| p.product_id.as_deref() == Some(want))
    })
}

/// The query of one step of the slug search: the largest pages, archived prices included (every item counts
/// for the search's repeat check; only an active one holds the slug).
pub(crate) fn slug_search_query() -> PriceListQuery {
    PriceListQuery::new()
        .limit(MAX_PAGE_SIZE)
        .include_archived(true)
}

/// The active price holding `slug` among `items`, if any.
pub(crate) fn slug_holder(items: Vec<Price>, slug: &str) -> Option<Price> {
    items
        .into_iter()
        .find(|p| p.active && p.slug.as_deref() == Some(slug))
}

/// What the slug search found, for the create's `Reconcile`: the holder of the input's slug is the price the
/// create made when it is what `input` would have created (kind, amount, scheme, product), else a mismatch.
pub(crate) fn slug_lookup(found: Option<Price>, input: &NewPrice) -> Lookup<Price> {
    match found {
        Some(p) if same_price(&p, input) => Lookup::Found(p),
        Some(p) => Lookup::Mismatch {
            existing_id: Some(p.id.into_string()),
        },
        None => Lookup::Missing,
    }
}

/// Whether `found` (an active price with the input's slug) is what `input` would have created.
fn same_price(found: &Price, input: &NewPrice) -> bool {
    let parent_ok = match input.kind() {
        PriceKind::Usage { .. } => true,
        _ => found.product_id.as_deref() == input.product_id(),
    };
    &found.kind == input.kind()
        && found.unit_amount.amount == input.unit_amount().amount
        && &found.scheme == input.scheme()
        && parent_ok
}

#[cfg(test)]
mod tests {
    use rust_decimal_macros::dec;
    use unibill_core::{Interval, Money, PricingScheme};

    use super::*;

    fn body(request: &Request) -> serde_json::Value {
        serde_json::from_slice(request.body_bytes().expect("a body")).expect("JSON")
    }

    #[test]
    fn a_usage_package_price_is_sent_in_minor_units_with_its_events_per_unit() {
        let input = NewPrice::builder(
            PriceKind::usage(Interval::monthly(), "um_1"),
            Money::new(dec!(0.25), Currency::USD),
        )
        .scheme(PricingScheme::Package {
            units: 1000,
            rounding: unibill_core::PackageRounding::Up,
        })
        .slug("api_calls")
        .build()
        .unwrap();
        let request = create_request(&input, &Currency::USD).unwrap();
        assert_eq!(
            body(&request),
            serde_json::json!({"price": {
                "type": "usage", "usageMeterId": "um_1", "unitPrice": 25, "usageEventsPerUnit": 1000,
                "intervalUnit": "month", "intervalCount": 1, "isDefault": false, "slug": "api_calls"
            }})
        );
    }

    #[test]
    fn sub_minor_amounts_and_other_currencies_are_refused_naming_the_field() {
        let price = |amount: Money| {
            NewPrice::builder(PriceKind::OneTime, amount)
                .product_id("prod_1")
                .build()
                .unwrap()
        };
        let err = create_request(
            &price(Money::new(dec!(1.005), Currency::USD)),
            &Currency::USD,
        )
        .unwrap_err();
        assert_eq!(err.field_errors()[0].field, "unit_amount");
        let err =
            create_request(&price(Money::new(dec!(1), Currency::EUR)), &Currency::USD).unwrap_err();
        assert_eq!(err.field_errors()[0].field, "currency");
    }
}
