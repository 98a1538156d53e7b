//! Price operations: request, safety, decode.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | create | `POST /api/v1/prices` `{"price": …}` | `Reconcile` on the slug when one is given (page the list for an active price with it before any re-send), `Unsafe` otherwise |
//! | get | `GET /api/v1/prices/{id}` | `Safe` |
//! | list | `GET /api/v1/prices?limit&cursor`, filters applied here | `Safe` |
//! | update | `GET` then `PUT /api/v1/prices/{id}` with `id`, `type`, `isDefault` | `Safe` |
//! | archive | `GET` then `PUT /api/v1/prices/{id}` with `active: false` | `Safe` |

use unibill_core::{
    Error, ErrorKind, NewPrice, Page, PageProgress, Price, PriceId, PriceKind, PriceListQuery,
    PriceUpdate, Result,
};
use unibill_http::{Lookup, Request, Response, Safety};

use super::wire::PriceEnvelope;
use super::{capabilities, decode, encode};
use crate::PROVIDER;
use crate::client::FlowgladClient;
use crate::pagination::{self, MAX_PAGE_SIZE, WirePage};

pub(crate) fn decode_one(response: Response) -> Result<Price> {
    let envelope: PriceEnvelope = response.json()?;
    decode::price(envelope.price)
}

fn get_request(id: &str) -> Request {
    Request::get("prices.get", "/api/v1/prices/{id}").path(["api", "v1", "prices", id])
}

pub(crate) async fn create(c: &FlowgladClient, input: NewPrice) -> Result<Price> {
    // The core guard's checks (with Flowglad's own exponent table), for callers holding the client directly.
    capabilities().check_create(&input)?;
    let body = encode::create_body(&input, &c.currency)?;
    let request = Request::post("prices.create", "/api/v1/prices")
        .path(["api", "v1", "prices"])
        .json(&body)?;
    let Some(slug) = input.slug() else {
        return c.exec.send(request, Safety::Unsafe, decode_one).await;
    };
    let input_ref = &input;
    let safety = Safety::reconcile(move || async move {
        Ok(match find_active_by_slug(c, slug).await? {
            Some(p) if same_price(&p, input_ref) => Lookup::Found(p),
            Some(p) => Lookup::Mismatch {
                existing_id: Some(p.id.into_string()),
            },
            None => Lookup::Missing,
        })
    });
    // Taken before the create is sent: the search after a `409` is part of the same call.
    let deadline = c.exec.call_deadline();
    match c.exec.send(request, safety, decode_one).await {
        Err(e) if e.kind() == ErrorKind::AlreadyExists && e.existing_id().is_none() => {
            // The slug clash names no price: find the holder so `ensure` can return it, within what is left of
            // the call's deadline. A search that fails leaves the id out (its error is the source).
            match deadline
                .run(SLUG_SEARCH, find_active_by_slug(c, slug))
                .await
            {
                Ok(Some(p)) => Err(e.with_existing_id(p.id.into_string())),
                Ok(None) => Err(e),
                Err(search) if std::error::Error::source(&e).is_none() => {
                    Err(e.with_source(search))
                }
                Err(_) => Err(e),
            }
        }
        other => other,
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

/// The name of the slug search's loop (its errors' operation).
const SLUG_SEARCH: &str = "prices.find_by_slug";

/// Pages through every price (the list ignores filters) for the active one with `slug`, under a
/// [`PageProgress`]: a repeated cursor or page, or more than the client's `max_pages` pages, end it with a
/// `Provider` error naming `prices.find_by_slug`.
pub(crate) async fn find_active_by_slug(c: &FlowgladClient, slug: &str) -> Result<Option<Price>> {
    let mut progress = PageProgress::new(SLUG_SEARCH, c.max_pages).provider(PROVIDER);
    progress.check_bound()?;
    // Archived prices too: every item counts for the repeat check; only an active one is the holder.
    let mut query = PriceListQuery::new()
        .limit(MAX_PAGE_SIZE)
        .include_archived(true);
    loop {
        let page = list(c, query.clone()).await?;
        progress.items(page.items.iter().map(|p| p.id.as_str()))?;
        if let Some(p) = page
            .items
            .into_iter()
            .find(|p| p.active && p.slug.as_deref() == Some(slug))
        {
            return Ok(Some(p));
        }
        match page.next_cursor {
            Some(next) => {
                progress.next(Some(next.as_str()))?;
                query = query.cursor(next);
            }
            None => return Ok(None),
        }
    }
}

pub(crate) async fn get(c: &FlowgladClient, id: &PriceId) -> Result<Price> {
    non_empty(id)?;
    c.exec
        .send(get_request(id.as_str()), Safety::Safe, decode_one)
        .await
}

pub(crate) async fn list(c: &FlowgladClient, query: PriceListQuery) -> Result<Page<Price>> {
    let fingerprint = query.fingerprint();
    let request = pagination::with_page(
        Request::get("prices.list", "/api/v1/prices").path(["api", "v1", "prices"]),
        query.limit,
        query.cursor.as_ref(),
        fingerprint,
    )?;
    let (items, next) = c
        .exec
        .send(request, Safety::Safe, |response| {
            let page: WirePage = response.json()?;
            let next = pagination::next_cursor(&page, fingerprint)?;
            let items = page
                .data
                .into_iter()
                .map(decode::price)
                .collect::<Result<Vec<_>>>()?;
            Ok((items, next))
        })
        .await?;
    // Flowglad ignores filters and lists archived prices too: filter here (pages may come out short).
    let items = items
        .into_iter()
        .filter(|p| query.include_archived || p.active)
        .filter(|p| {
            query
                .product_id
                .as_deref()
                .is_none_or(|want| p.product_id.as_deref() == Some(want))
        })
        .collect();
    Ok(Page::new(items, next))
}

pub(crate) async fn update(c: &FlowgladClient, id: &PriceId, update: PriceUpdate) -> Result<Price> {
    capabilities().check_update(&update)?;
    let current = get(c, id).await?;
    if update.is_empty() {
        return Ok(current);
    }
    put(
        c,
        id,
        &encode::update_body(&current, &update),
        "prices.update",
    )
    .await
}

pub(crate) async fn archive(c: &FlowgladClient, id: &PriceId) -> Result<Price> {
    let current = get(c, id).await?;
    put(c, id, &encode::archive_body(&current), "prices.archive").await
}

async fn put(
    c: &FlowgladClient,
    id: &PriceId,
    body: &super::wire::UpdateBody,
    operation: &'static str,
) -> Result<Price> {
    // Flowglad reads the id from the body; the path carries the same id.
    let request = Request::put(operation, "/api/v1/prices/{id}")
        .path(["api", "v1", "prices", id.as_str()])
        .json(body)?;
    c.exec.send(request, Safety::Safe, decode_one).await
}

fn non_empty(id: &PriceId) -> Result<()> {
    if id.as_str().is_empty() {
        return Err(Error::invalid_field("id", "must not be empty"));
    }
    Ok(())
}
