//! The meter operations, without I/O: a meter is created as a metered feature carrying it, found by the
//! carrier's `lookup_key`, and read from the carrier's embedded `meter` (or `GET /meters/{id}` when the answer
//! does not embed it).

use unibill_core::{Error, ErrorKind, Meter, MeterListQuery, NewMeter, Result};
use unibill_http::{Lookup, Request, Response};

use super::wire::{AggregationOut, CreateMeter, WireMeter};
use crate::PROVIDER;
use crate::decode::with_raw;
use crate::features::wire::{CreateFeature, SearchFeatures, WireFeature};
use crate::pagination::{PageAt, decode_items};

pub(crate) const CREATE: &str = "meters.create";
pub(crate) const GET_BY_KEY: &str = "meters.get_by_key";
const GET: &str = "meters.get";
const LIST: &str = "meters.list";

/// `POST /features` with `type: metered`, `lookup_key` = key and an inline meter on `event_name` = key,
/// aggregating `properties.quantity` (Count: no field; UniqueCount: its property), usage reset every billing
/// period.
pub fn create_request(input: &NewMeter) -> Result<Request> {
    let aggregation = AggregationOut::from_neutral(input.aggregation()).ok_or_else(|| {
        Error::invalid_field("aggregation", "not an aggregation unibill can create")
    })?;
    let body = CreateFeature {
        name: input.name(),
        kind: "metered",
        lookup_key: input.key(),
        description: None,
        meter_id: None,
        meter: Some(CreateMeter {
            name: input.name(),
            event_name: input.key(),
            aggregation,
            reset_usage: "BILLING_PERIOD",
        }),
    };
    Request::post(CREATE, "/features")
        .path(["features"])
        .json(&body)
}

/// `POST /features/search` for the carrier holding `key` (published, meters expanded).
pub fn search_request(key: &str) -> Result<Request> {
    Request::post(GET_BY_KEY, "/features/search")
        .path(["features", "search"])
        .json(&SearchFeatures::page(Some(key), 1, 0))
}

/// `GET /meters/{id}`: a meter the carrier's answer did not embed.
pub fn get_request(id: &str) -> Request {
    Request::get(GET, "/meters/{id}").path(["meters", id])
}

/// `POST /features/search`, one page of features (oldest first); the page shows the meter carriers.
pub(crate) fn list_request(query: &MeterListQuery) -> Result<(Request, PageAt)> {
    let at = PageAt::new(query.cursor.as_ref(), query.fingerprint(), query.limit)?;
    let request = Request::post(LIST, "/features/search")
        .path(["features", "search"])
        .json(&SearchFeatures::page(None, at.limit, at.offset))?;
    Ok((request, at))
}

/// A metered feature as a meter's carrier: its meter, or the id of a meter to read.
#[derive(Debug)]
pub enum Carried {
    /// The meter (embedded in the answer).
    Meter(Meter),
    /// The answer names the meter by id only: read it with [`get_request`], then [`decode_meter`].
    ById {
        /// The meter's id.
        meter_id: String,
        /// The carrier's key.
        key: String,
    },
    /// Not a metered feature (or one without a meter): no meter has this key.
    NotAMeter,
}

fn carried(w: WireFeature, raw: unibill_core::RawJson) -> Carried {
    if !w.is_metered() {
        return Carried::NotAMeter;
    }
    let key = w.lookup_key.clone();
    let name = w.name.clone();
    match (w.meter, w.meter_id) {
        (Some(m), _) => Carried::Meter(m.into_meter(key, name, raw)),
        (None, Some(id)) if !id.is_empty() => Carried::ById {
            meter_id: id,
            key: key.unwrap_or_default(),
        },
        _ => Carried::NotAMeter,
    }
}

/// The create's 201 (the carrier feature) as the meter made: its embedded meter, or, when the answer names
/// the meter by id only, that id with what the input asked for (it is what was just created).
pub fn decode_created(input: &NewMeter, response: Response) -> Result<Meter> {
    let (w, raw) = with_raw::<WireFeature>(&response)?;
    match carried(w, raw.clone()) {
        Carried::Meter(m) => Ok(m),
        Carried::ById { meter_id, .. } => {
            Ok(
                Meter::builder(input.key(), input.name(), input.aggregation().clone())
                    .id(meter_id)
                    .provider(PROVIDER)
                    .raw(raw)
                    .build(),
            )
        }
        Carried::NotAMeter => Err(Error::decode(
            "the Flexprice create answered a feature without a meter",
        )
        .with_provider(PROVIDER)
        .with_operation(CREATE)),
    }
}

/// A search by key: the carrier holding `key`, if any (the server's filter, checked again).
pub fn decode_found_carrier(key: &str, response: Response) -> Result<Option<Carried>> {
    let (items, _) = decode_items(&response, |w: WireFeature, raw| {
        let holds = w.lookup_key.as_deref() == Some(key);
        Ok(holds.then(|| carried(w, raw)))
    })?;
    Ok(items.into_iter().flatten().next())
}

/// A features page as meters: the carriers whose meter is embedded and counts events named like the carrier.
pub fn decode_meter_list(response: Response) -> Result<(Vec<Meter>, Option<u64>)> {
    let (items, total) = decode_items(&response, |w: WireFeature, raw| {
        let carrier = w.is_metered()
            && w.meter
                .as_ref()
                .is_some_and(|m| m.event_name.is_some() && m.event_name == w.lookup_key);
        Ok(match (carrier, carried(w, raw)) {
            (true, Carried::Meter(m)) => Some(m),
            _ => None,
        })
    })?;
    Ok((items.into_iter().flatten().collect(), total))
}

/// A `GET /meters/{id}` answer as the meter of the carrier `key`.
pub fn decode_meter(key: &str, response: Response) -> Result<Meter> {
    let (w, raw) = with_raw::<WireMeter>(&response)?;
    Ok(w.into_meter(Some(key.to_owned()), None, raw))
}

/// What the meter holding the input's key says about a create: the same aggregation → `AlreadyExists`
/// carrying it; another → `Conflict`; a non-metered feature holding the key → `Conflict`.
pub(crate) fn existing(input: &NewMeter, found: Option<Result<Meter>>) -> Result<()> {
    match found {
        None => Ok(()),
        Some(Err(e)) => Err(e),
        Some(Ok(m)) if m.aggregation == *input.aggregation() => {
            let id = m.id.as_ref().map(|id| id.as_str().to_owned());
            Err(Error::already_exists(
                format!("a meter with key `{}` already exists", input.key()),
                id,
            )
            .with_existing(m)
            .with_provider(PROVIDER)
            .with_operation(CREATE))
        }
        Some(Ok(m)) => Err(conflict(input, m.aggregation.name())),
    }
}

/// `Conflict`: the key is held by something else than the meter asked for.
pub(crate) fn conflict(input: &NewMeter, what: &str) -> Error {
    Error::new(
        ErrorKind::Conflict,
        format!(
            "meter `{}` already exists with aggregation {what}, not {}",
            input.key(),
            input.aggregation().name()
        ),
    )
    .with_provider(PROVIDER)
    .with_operation(CREATE)
}

/// The lookup after an ambiguous create (or a 409).
pub(crate) fn created(input: &NewMeter, found: Option<Meter>) -> Lookup<Meter> {
    match found {
        Some(m) if m.aggregation == *input.aggregation() => Lookup::Found(m),
        Some(m) => Lookup::Mismatch {
            existing_id: m.id.map(|id| id.as_str().to_owned()),
        },
        None => Lookup::Missing,
    }
}

/// `NotFound` for a key no meter carrier holds.
pub(crate) fn no_meter(key: &str) -> Error {
    Error::not_found(format!("no meter has key `{key}`"))
        .with_provider(PROVIDER)
        .with_operation(GET_BY_KEY)
}
