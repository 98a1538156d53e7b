//! Usage-meter operations as values. No I/O here.
//!
//! | operation | request | safety |
//! |---|---|---|
//! | create | `POST /api/v1/usage-meters` `{"usageMeter": {name, slug, aggregationType: "sum"}}` | `Reconcile` on the slug (a bounded scan of the list, before any send and after a clash: finding 12) |
//! | get_by_key | the same scan | `Safe` |
//! | list | `GET /api/v1/usage-meters?limit&cursor` | `Safe` |

use unibill_core::{Aggregation, Error, ErrorKind, Meter, MeterListQuery, NewMeter, Page, Result};
use unibill_http::{Lookup, Request, Response};

use super::wire::{self, CreateBody, MeterEnvelope, NewWireMeter};
use crate::PROVIDER;
use crate::pagination;

/// The operation names.
pub const CREATE: &str = "meters.create";
/// The slug scan.
pub const FIND: &str = "meters.find_by_key";

/// `POST /api/v1/usage-meters`; only `Sum` is Flowglad's (`count_distinct_properties` counts whole property
/// sets, not one property's values).
pub fn create_request(input: &NewMeter) -> Result<Request> {
    let aggregation_type = match input.aggregation() {
        Aggregation::Sum => "sum",
        other => {
            return Err(
                Error::unsupported(PROVIDER, format!("the aggregation {}", other.name()))
                    .with_operation(CREATE),
            );
        }
    };
    Request::post(CREATE, "/api/v1/usage-meters")
        .path(["api", "v1", "usage-meters"])
        .json(&CreateBody {
            usage_meter: NewWireMeter {
                name: input.name(),
                slug: input.key(),
                aggregation_type,
            },
        })
}

/// `GET /api/v1/usage-meters?limit&cursor`.
pub fn list_request(query: &MeterListQuery) -> Result<Request> {
    pagination::with_page(
        Request::get("meters.list", "/api/v1/usage-meters").path(["api", "v1", "usage-meters"]),
        query.limit,
        query.cursor.as_ref(),
        query.fingerprint(),
    )
}

/// `{"usageMeter": …}`.
pub fn decode_meter(response: Response) -> Result<Meter> {
    let envelope: MeterEnvelope = response.json()?;
    wire::meter(envelope.usage_meter)
}

/// One list page.
pub fn decode_meter_page(response: Response, query: &MeterListQuery) -> Result<Page<Meter>> {
    pagination::decode_page(&response, query.fingerprint(), wire::meter, |_| true)
}

/// The create's lookup: the meter with the input's slug is it when name and aggregation agree.
pub fn slug_lookup(input: &NewMeter, found: Option<Meter>) -> Lookup<Meter> {
    match found {
        Some(m) if m.name == input.name() && &m.aggregation == input.aggregation() => {
            Lookup::Found(m)
        }
        Some(m) => Lookup::Mismatch {
            existing_id: m.id.map(|id| id.as_str().to_owned()),
        },
        None => Lookup::Missing,
    }
}

/// What the slug lookup before the first attempt means: free (`Ok`), held by the same usage meter (`AlreadyExists`
/// with it, as `ensure` expects), or held by another one (`Conflict`).
pub fn existing(input: &NewMeter, found: Lookup<Meter>) -> Result<()> {
    match found {
        Lookup::Missing => Ok(()),
        Lookup::Found(x) => Err(Error::already_exists(
            format!(
                "a Flowglad usage meter with slug `{}` already exists",
                input.key()
            ),
            x.id.as_ref().map(|id| id.as_str().to_owned()),
        )
        .with_existing(x)
        .with_provider(PROVIDER)
        .with_operation(CREATE)),
        Lookup::Mismatch { existing_id } => Err(Error::new(
            ErrorKind::Conflict,
            format!(
                "the slug `{}` is held by another Flowglad usage meter ({})",
                input.key(),
                existing_id.as_deref().unwrap_or("?")
            ),
        )
        .with_provider(PROVIDER)
        .with_operation(CREATE)),
    }
}
