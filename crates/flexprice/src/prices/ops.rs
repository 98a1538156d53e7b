//! The price operations, without I/O: each request as a value, each answer decoded, and what the lookup by
//! key means for a create.

use unibill_core::{
    Error, ErrorKind, NewPrice, Page, Price, PriceId, PriceListQuery, PriceUpdate, Result,
};
use unibill_http::{Lookup, Request, Response};

use super::wire::{CreatePrice, SearchPrices, UpdatePrice, WirePrice};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::pagination::{PageAt, decode_items};

const CREATE: &str = "prices.create";
pub(crate) const GET: &str = "prices.get";
pub(crate) const LOOKUP: &str = "prices.lookup";
const LIST: &str = "prices.list";
const UPDATE: &str = "prices.update";
const ARCHIVE: &str = "prices.archive";

/// `POST /prices` (`entity_type: PLAN`, the product id as `entity_id`; amounts as decimal strings, currency
/// lower case). What the wire cannot carry is `InvalidInput` naming the field (nothing is sent).
pub fn create_request(input: &NewPrice) -> Result<Request> {
    Request::post(CREATE, "/prices")
        .path(["prices"])
        .json(&CreatePrice::try_from(input)?)
}

/// `GET /prices/{id}` (ended prices too).
pub fn get_request(id: &PriceId) -> Request {
    Request::get(GET, "/prices/{id}").path(["prices", id.as_str()])
}

/// `GET /prices/lookup/{key}`: the live price (published, no end date) holding the lookup key `key`.
pub(crate) fn lookup_request(key: &str) -> Request {
    Request::get(LOOKUP, "/prices/lookup/{lookup_key}").path(["prices", "lookup", key])
}

/// `POST /prices/search` (`entity_type` + `entity_ids` per plan, `allow_expired_prices` for archived,
/// `order: asc`), and the page it asks for.
pub(crate) fn list_request(query: &PriceListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let body = SearchPrices {
        limit: at.limit,
        offset: at.offset,
        sort: "created_at",
        order: "asc",
        entity_type: query.product_id.is_some().then_some("PLAN"),
        entity_ids: query.product_id.clone().map(|p| vec![p]),
        allow_expired_prices: query.include_archived,
    };
    let request = Request::post(LIST, "/prices/search")
        .path(["prices", "search"])
        .json(&body)?;
    Ok((request, at))
}

/// The page of a search answered with `items` of `total`: ended prices whose end is still ahead are listed by
/// the server, and the neutral list shows them only with archived ones.
pub(crate) fn price_page(
    query: &PriceListQuery,
    at: PageAt,
    items: Vec<Price>,
    total: Option<u64>,
) -> Page<Price> {
    let next = at.next(items.len(), total);
    let items = items
        .into_iter()
        .filter(|p| query.include_archived || p.active)
        .collect();
    Page::new(items, next)
}

/// `PUT /prices/{id}` with `display_name` / `lookup_key` (in place), or `None` when the update sets neither.
/// A lookup key that cannot be looked up again is `InvalidInput`.
pub fn update_request(id: &PriceId, update: &PriceUpdate) -> Result<Option<Request>> {
    let body = UpdatePrice::try_from(update)?;
    if body == UpdatePrice::default() {
        return Ok(None);
    }
    Request::put(UPDATE, "/prices/{id}")
        .path(["prices", id.as_str()])
        .json(&body)
        .map(Some)
}

/// `DELETE /prices/{id}` with `{}` (the server needs a JSON body; an empty one ends the price now).
pub fn archive_request(id: &PriceId) -> Result<Request> {
    Request::delete(ARCHIVE, "/prices/{id}")
        .path(["prices", id.as_str()])
        .json(&serde_json::json!({}))
}

/// A price answer (create, get, lookup, update), `raw` kept.
pub fn decode_price(response: Response) -> Result<Price> {
    let (wire, raw) = with_raw::<WirePrice>(&response)?;
    wire.into_price(raw)
}

/// A `POST /prices/search` page: its prices (each with its `raw`) and the server's total.
pub fn decode_price_list(response: Response) -> Result<(Vec<Price>, Option<u64>)> {
    decode_items(&response, WirePrice::into_price)
}

/// A lookup by key's answer: `NotFound` means no live price holds the key.
pub(crate) fn found(answer: Result<Price>) -> Result<Option<Price>> {
    match answer {
        Ok(p) => Ok(Some(p)),
        Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// Whether `found` (the live price holding the input's lookup key) is what `input` would have created.
pub(crate) fn matches(input: &NewPrice, found: &Price) -> bool {
    &found.kind == input.kind()
        && found.unit_amount == *input.unit_amount()
        && &found.scheme == input.scheme()
        && found.product_id.as_deref() == input.product_id()
        && input
            .name()
            .is_none_or(|n| found.name.as_deref() == Some(n))
}

/// What the price holding the input's lookup key says about a create of `input`.
pub(crate) fn created(input: &NewPrice, holder: Option<Price>) -> Lookup<Price> {
    match holder {
        Some(p) if matches(input, &p) => Lookup::Found(p),
        Some(p) => Lookup::Mismatch {
            existing_id: Some(p.id.into_string()),
        },
        None => Lookup::Missing,
    }
}

/// The update's lookup-key clash, which the server answers as a 500 `database_error`, said as what it is:
/// `AlreadyExists` with the holder's id.
pub(crate) fn lookup_key_taken(holder: Price, source: Error) -> Error {
    Error::new(
        ErrorKind::AlreadyExists,
        "another active price has this lookup key",
    )
    .with_provider(PROVIDER)
    .with_operation(UPDATE)
    .with_existing_id(holder.id.into_string())
    .with_source(source)
}

#[cfg(test)]
mod tests {
    use rust_decimal::Decimal;
    use serde_json::{Value, json};
    use unibill_core::{Currency, Interval, IntervalUnit, Money, PriceKind};

    use super::*;

    fn body(request: &Request) -> Value {
        serde_json::from_slice(request.body_bytes().expect("a body")).unwrap()
    }

    #[test]
    fn a_recurring_price_is_fixed_in_advance_with_a_decimal_string_amount() {
        let input = NewPrice::builder(
            PriceKind::Recurring {
                interval: Interval::new(IntervalUnit::Month, 1),
                trial_days: Some(14),
            },
            Money::new(Decimal::new(4900, 2), Currency::USD),
        )
        .product_id("plan_1")
        .slug("pro_monthly")
        .build()
        .unwrap();
        let request = create_request(&input).unwrap();
        assert_eq!(
            (request.method().as_str(), request.template()),
            ("POST", "/prices")
        );
        assert_eq!(
            body(&request),
            json!({
                "entity_type": "PLAN",
                "entity_id": "plan_1",
                "type": "FIXED",
                "billing_model": "FLAT_FEE",
                "billing_period": "MONTHLY",
                "billing_period_count": 1,
                "invoice_cadence": "ADVANCE",
                "price_unit_type": "FIAT",
                "currency": "usd",
                "amount": "49.00",
                "trial_period_days": 14,
                "lookup_key": "pro_monthly"
            })
        );
    }

    #[test]
    fn an_update_that_sets_nothing_sends_nothing() {
        let id = PriceId::new("price_1");
        let nothing = PriceUpdate::builder().active(false).build().unwrap();
        assert!(update_request(&id, &nothing).unwrap().is_none());
        let rename = PriceUpdate::builder().name("Pro").build().unwrap();
        let request = update_request(&id, &rename).unwrap().unwrap();
        assert_eq!(body(&request), json!({"display_name": "Pro"}));
        assert_eq!(body(&archive_request(&id).unwrap()), json!({}));
    }
}
