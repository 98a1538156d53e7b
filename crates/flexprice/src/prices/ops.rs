//! The price operations: requests, safety classes and decoding.

use async_trait::async_trait;
use unibill_core::{
    Error, ErrorKind, NewPrice, Page, Price, PriceCapabilities, PriceId, PriceListQuery,
    PriceUpdate, Prices, Result,
};
use unibill_http::{Lookup, Request, Response, Safety};

use super::wire::{SearchPrices, WirePrice, WirePriceList};
use super::{capabilities, decode, encode};
use crate::client::FlexpriceClient;
use crate::decode::{envelope, item_with_raw, with_raw};
use crate::pagination::{self, next_cursor, start_offset};

const CREATE: &str = "prices.create";
const GET: &str = "prices.get";
const LOOKUP: &str = "prices.lookup";
const LIST: &str = "prices.list";
const UPDATE: &str = "prices.update";
const ARCHIVE: &str = "prices.archive";

fn decode_one(response: Response) -> Result<Price> {
    let (wire, raw) = with_raw::<WirePrice>(&response)?;
    decode::price(wire, raw)
}

fn decode_list(response: Response) -> Result<(Vec<Price>, Option<u64>)> {
    let list: WirePriceList = envelope(&response)?;
    let prices = list
        .items
        .unwrap_or_default()
        .into_iter()
        .map(|raw| item_with_raw::<WirePrice>(raw).and_then(|(w, raw)| decode::price(w, raw)))
        .collect::<Result<Vec<_>>>()?;
    Ok((prices, list.pagination.and_then(|p| p.total)))
}

/// Whether `found` (the live price holding the input's lookup key) is what `input` would have created.
fn matches(input: &NewPrice, found: &Price) -> bool {
    &found.kind == input.kind()
        && found.unit_amount == *input.unit_amount()
        && &found.scheme == input.scheme()
        && found.product_id.as_deref() == input.product_id()
        && input
            .name()
            .is_none_or(|n| found.name.as_deref() == Some(n))
}

fn non_empty(id: &PriceId) -> Result<()> {
    if id.as_str().is_empty() {
        return Err(Error::invalid_field("id", "must not be empty"));
    }
    Ok(())
}

impl FlexpriceClient {
    /// The live price (published, no end date) holding `key`, if any.
    async fn price_by_lookup_key(&self, key: &str) -> Result<Option<Price>> {
        let request =
            Request::get(LOOKUP, "/prices/lookup/{lookup_key}").path(["prices", "lookup", key]);
        match self.exec.send(request, Safety::Safe, decode_one).await {
            Ok(p) => Ok(Some(p)),
            Err(e) if e.kind() == ErrorKind::NotFound => Ok(None),
            Err(e) => Err(e),
        }
    }

    async fn price(&self, id: &PriceId) -> Result<Price> {
        let request = Request::get(GET, "/prices/{id}").path(["prices", id.as_str()]);
        self.exec.send(request, Safety::Safe, decode_one).await
    }
}

#[async_trait]
impl Prices for FlexpriceClient {
    fn capabilities(&self) -> PriceCapabilities {
        capabilities()
    }

    async fn create(&self, input: NewPrice) -> Result<Price> {
        capabilities().check_create(&input)?;
        let body = encode::create_body(&input)?;
        let request = Request::post(CREATE, "/prices")
            .path(["prices"])
            .json(&body)?;
        let Some(key) = input.slug() else {
            // No lookup key, no way to find a lost create: never re-sent once it may have arrived.
            return self.exec.send(request, Safety::Unsafe, decode_one).await;
        };
        let input = &input;
        let safety = Safety::natural_key(move || async move {
            Ok(match self.price_by_lookup_key(key).await? {
                Some(p) if matches(input, &p) => Lookup::Found(p),
                Some(p) => Lookup::Mismatch {
                    existing_id: Some(p.id.into_string()),
                },
                None => Lookup::Missing,
            })
        });
        // Taken before the create is sent: the lookup after a 409 is part of the same call.
        let deadline = self.exec.call_deadline();
        match self.exec.send(request, safety, decode_one).await {
            // The 409 names an id the server never saved: look the holder up for the real one, within what
            // is left of the call's deadline.
            Err(e) if e.kind() == ErrorKind::AlreadyExists && e.existing_id().is_none() => {
                match deadline.run(LOOKUP, self.price_by_lookup_key(key)).await {
                    Ok(Some(existing)) => Err(e.with_existing_id(existing.id.into_string())),
                    _ => Err(e),
                }
            }
            other => other,
        }
    }

    async fn get(&self, id: PriceId) -> Result<Price> {
        non_empty(&id)?;
        self.price(&id).await
    }

    async fn list(&self, mut query: PriceListQuery) -> Result<Page<Price>> {
        capabilities().check_list(&mut query)?;
        let fingerprint = query.fingerprint();
        let offset = start_offset(query.cursor.as_ref(), fingerprint)?;
        let limit = pagination::limit(query.limit)?;
        let body = SearchPrices {
            limit,
            offset,
            sort: "created_at",
            order: "asc",
            entity_type: query.product_id.is_some().then_some("PLAN"),
            entity_ids: query.product_id.clone().map(|p| vec![p]),
            allow_expired_prices: query.include_archived,
        };
        let request = Request::post(LIST, "/prices/search")
            .path(["prices", "search"])
            .json(&body)?;
        let (items, total) = self.exec.send(request, Safety::Safe, decode_list).await?;
        let got = items.len();
        // Ended prices whose end is still ahead are listed by the server; the neutral list shows them only
        // with archived ones.
        let items: Vec<Price> = items
            .into_iter()
            .filter(|p| query.include_archived || p.active)
            .collect();
        let next = next_cursor(fingerprint, offset, limit, got, total);
        Ok(Page::new(items, next))
    }

    async fn update(&self, id: PriceId, update: PriceUpdate) -> Result<Price> {
        capabilities().check_update(&update)?;
        non_empty(&id)?;
        let body = encode::update_body(&update)?;
        let mut current = if body == Default::default() {
            None
        } else {
            let request = Request::put(UPDATE, "/prices/{id}")
                .path(["prices", id.as_str()])
                .json(&body)?;
            let deadline = self.exec.call_deadline();
            match self.exec.send(request, Safety::Safe, decode_one).await {
                Ok(p) => Some(p),
                // A lookup-key clash on update is a 500 `database_error`: say what it is when the key is held
                // (looked up within what is left of the update's deadline).
                Err(e) if e.provider_code() == Some("database_error") => {
                    if let Some(key) = &body.lookup_key
                        && let Ok(Some(holder)) =
                            deadline.run(LOOKUP, self.price_by_lookup_key(key)).await
                        && holder.id != id
                    {
                        return Err(Error::new(
                            ErrorKind::AlreadyExists,
                            "another active price has this lookup key",
                        )
                        .with_provider(crate::PROVIDER)
                        .with_operation(UPDATE)
                        .with_existing_id(holder.id.into_string())
                        .with_source(e));
                    }
                    return Err(e);
                }
                Err(e) => return Err(e),
            }
        };
        if update.active() == Some(false) {
            current = Some(self.archive(id.clone()).await?);
        }
        match current {
            Some(p) => Ok(p),
            None => self.price(&id).await,
        }
    }

    async fn archive(&self, id: PriceId) -> Result<Price> {
        non_empty(&id)?;
        let current = self.price(&id).await?;
        if !current.active {
            return Ok(current);
        }
        // DELETE needs a JSON body (`{}`: end now); a second DELETE is a 400, so after an unknown outcome look
        // first: an ended price means the first one went through.
        let request = Request::delete(ARCHIVE, "/prices/{id}")
            .path(["prices", id.as_str()])
            .json(&serde_json::json!({}))?;
        let id_ref = &id;
        let safety = Safety::reconcile(move || async move {
            let p = self.price(id_ref).await?;
            Ok(if p.active {
                Lookup::Missing
            } else {
                Lookup::Found(())
            })
        });
        self.exec.send(request, safety, |_| Ok(())).await?;
        self.price(&id).await
    }
}
