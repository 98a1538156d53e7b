//! `/v1/customers` handlers (notes §3).

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};

use super::FlexpriceEmulator;
use super::clock::{Precision, parse_rfc3339_nanos};
use super::errors::{ApiError, ErrorCode, validator_message};
use super::parse::{
    body_object, check_object_list, opt_bool, opt_int, opt_string, opt_string_list, opt_string_map,
    query_first, query_pairs, query_to_filter_object,
};
use super::query_filter;
use super::state::Customer;
use super::status::Status;

/// Default page size (the docs' 20 is wrong).
const DEFAULT_LIMIT: i64 = 50;
/// DB column width of `external_id` (and `name`).
const EXTERNAL_ID_MAX_CHARS: usize = 255;

type Emu = State<Arc<FlexpriceEmulator>>;

/// The customer fields shared by create and update, decoded with Go semantics (`None` = absent or `null`).
#[derive(Debug, Default)]
struct Fields {
    external_id: Option<String>,
    name: Option<String>,
    email: Option<String>,
    contact: Option<String>,
    address_line1: Option<String>,
    address_line2: Option<String>,
    address_city: Option<String>,
    address_state: Option<String>,
    address_postal_code: Option<String>,
    address_country: Option<String>,
    timezone: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
}

fn decode_fields(m: &Map<String, Value>) -> Result<Fields, ApiError> {
    Ok(Fields {
        external_id: opt_string(m, "external_id")?,
        name: opt_string(m, "name")?,
        email: opt_string(m, "email")?,
        contact: opt_string(m, "contact")?,
        address_line1: opt_string(m, "address_line1")?,
        address_line2: opt_string(m, "address_line2")?,
        address_city: opt_string(m, "address_city")?,
        address_state: opt_string(m, "address_state")?,
        address_postal_code: opt_string(m, "address_postal_code")?,
        address_country: opt_string(m, "address_country")?,
        timezone: opt_string(m, "timezone")?,
        metadata: opt_string_map(m, "metadata")?,
    })
}

/// Address fields with their JSON name, Go name and maximum length.
fn address_limits(f: &Fields) -> [(&'static str, &'static str, Option<&String>, usize); 5] {
    [
        (
            "address_line1",
            "AddressLine1",
            f.address_line1.as_ref(),
            255,
        ),
        (
            "address_line2",
            "AddressLine2",
            f.address_line2.as_ref(),
            255,
        ),
        ("address_city", "AddressCity", f.address_city.as_ref(), 100),
        (
            "address_state",
            "AddressState",
            f.address_state.as_ref(),
            100,
        ),
        (
            "address_postal_code",
            "AddressPostalCode",
            f.address_postal_code.as_ref(),
            20,
        ),
    ]
}

/// Whether `code` is an upper-case ISO 3166-1 alpha-2 code (go-playground's `iso3166_1_alpha2` is case-sensitive).
fn is_iso_alpha2(code: &str) -> bool {
    code.len() == 2
        && code.bytes().all(|b| b.is_ascii_uppercase())
        && isocountry::CountryCode::for_alpha2(code).is_ok()
}

/// Whether Go's `time.LoadLocation` would accept the name (exact IANA spelling; `Local` rejected).
fn is_valid_timezone(name: &str) -> bool {
    if name == "UTC" {
        return true;
    }
    if name == "Local" {
        return false;
    }
    jiff::tz::db()
        .get(name)
        .ok()
        .and_then(|tz| tz.iana_name().map(|n| n == name))
        .unwrap_or(false)
}

/// The validator pass (`binding` tags), then the timezone and byte-length address checks.
fn validate(f: &Fields, struct_name: &str, create: bool) -> Result<(), ApiError> {
    let mut details = Map::new();
    let mut fail = |field: &str, tag: &str| {
        details.insert(
            field.to_owned(),
            Value::String(validator_message(struct_name, field, tag)),
        );
    };
    let chars = |s: &Option<String>| s.as_deref().map_or(0, |v| v.chars().count());
    if create && f.external_id.as_deref().unwrap_or("").is_empty() {
        fail("ExternalID", "required");
    }
    if create && f.name.as_deref().unwrap_or("").is_empty() {
        fail("Name", "required");
    } else if chars(&f.name) > 255 {
        fail("Name", "max");
    }
    if let Some(email) = f.email.as_deref()
        && !email.is_empty()
        && !email_address::EmailAddress::is_valid(email)
    {
        fail("Email", "email");
    }
    if chars(&f.contact) > 20 {
        fail("Contact", "max");
    }
    for (_, go_name, value, max) in address_limits(f) {
        if value.map_or(0, |v| v.chars().count()) > max {
            fail(go_name, "max");
        }
    }
    if let Some(country) = f.address_country.as_deref()
        && !country.is_empty()
    {
        if country.chars().count() != 2 {
            fail("AddressCountry", "len");
        } else if !is_iso_alpha2(country) {
            fail("AddressCountry", "iso3166_1_alpha2");
        }
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    if let Some(tz) = f.timezone.as_deref()
        && !tz.is_empty()
        && !is_valid_timezone(tz)
    {
        return Err(ApiError::coded(ErrorCode::Validation, "Invalid timezone")
            .detail("timezone", format!("unknown time zone {tz}")));
    }
    // `ValidateAddress` checks the same limits again, in bytes.
    for (json_name, _, value, max) in address_limits(f) {
        if value.map_or(0, String::len) > max {
            return Err(ApiError::coded(
                ErrorCode::Validation,
                format!("{json_name} must be at most {max} characters"),
            )
            .detail(json_name, value.map_or(0, String::len)));
        }
    }
    Ok(())
}

pub(crate) fn not_found(id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Customer with ID {id} was not found"),
    )
    .detail("customer_id", id)
    .internal("ent: customer not found")
}

pub(crate) fn external_not_found(external_id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::NotFound,
        format!("Customer with external ID {external_id} was not found"),
    )
    .detail("external_id", external_id)
    .internal("ent: customer not found")
}

fn already_exists(external_id: &str) -> ApiError {
    ApiError::coded(
        ErrorCode::AlreadyExists,
        "A customer with this identifier already exists",
    )
    .detail("external_id", external_id)
    .internal("ent: constraint failed: duplicate key value violates unique constraint")
}

fn check_expand(expand: Option<&str>) -> Result<(), ApiError> {
    match expand {
        None | Some("") | Some("integrations") => Ok(()),
        Some(other) => Err(ApiError::coded(
            ErrorCode::Validation,
            format!("invalid expand field: {other}"),
        )
        .detail("expand", other)),
    }
}

fn json_response(status: StatusCode, value: Value) -> Response {
    (status, Json(value)).into_response()
}

/// `POST /v1/customers`.
pub(crate) async fn create(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let f = decode_fields(&m)?;
    opt_bool(&m, "skip_onboarding_workflow")?;
    opt_string(&m, "onboarding_workflow_name")?;
    check_object_list(&m, "tax_rate_overrides")?;
    check_object_list(&m, "integration_entity_mapping")?;
    validate(&f, "CreateCustomerRequest", true)?;

    let external_id = f.external_id.unwrap_or_default();
    let mut store = emu.lock();
    if store
        .customers
        .iter()
        .any(|c| c.status == Status::Published && c.external_id == external_id)
    {
        return Err(already_exists(&external_id));
    }
    if external_id.chars().count() > EXTERNAL_ID_MAX_CHARS {
        return Err(ApiError::database(
            "Failed to create customer",
            "pq: value too long for type character varying(255)",
        ));
    }
    let id = store.new_id("cust_");
    let now = store.now_nanos();
    let timezone = f
        .timezone
        .filter(|t| !t.is_empty())
        .unwrap_or_else(|| "UTC".to_owned());
    let customer = Customer {
        id,
        external_id,
        name: f.name.unwrap_or_default(),
        email: f.email.unwrap_or_default(),
        contact: f.contact.unwrap_or_default(),
        address_line1: f.address_line1.unwrap_or_default(),
        address_line2: f.address_line2.unwrap_or_default(),
        address_city: f.address_city.unwrap_or_default(),
        address_state: f.address_state.unwrap_or_default(),
        address_postal_code: f.address_postal_code.unwrap_or_default(),
        address_country: f.address_country.unwrap_or_default(),
        timezone,
        metadata: f.metadata,
        status: Status::Published,
        created_at: now,
        updated_at: now,
    };
    let body = customer.to_json(Precision::Nanos);
    // What the database keeps (and later reads return) has microsecond precision.
    let mut stored = customer;
    stored.created_at = super::clock::truncate_micros(stored.created_at);
    stored.updated_at = stored.created_at;
    store.customers.push(stored);
    Ok(json_response(StatusCode::CREATED, body))
}

/// `GET /v1/customers/{id}`: archived customers are returned too.
pub(crate) async fn get(
    State(emu): Emu,
    Path(id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    check_expand(query_first(&pairs, "expand"))?;
    let store = emu.lock();
    let customer = store
        .customers
        .iter()
        .find(|c| c.id == id)
        .ok_or_else(|| not_found(&id))?;
    Ok(json_response(
        StatusCode::OK,
        customer.to_json(Precision::Micros),
    ))
}

/// `GET /v1/customers/external/{external_id}` (and the `/lookup/{key}` alias): published customers only.
///
/// gin routes on the decoded path, so an id holding an encoded `/` does not match the route at all.
pub(crate) async fn get_by_external_id(
    State(emu): Emu,
    uri: Uri,
    Path(external_id): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, ApiError> {
    if uri.path().to_ascii_lowercase().contains("%2f") {
        return Err(ApiError::RouteNotFound);
    }
    let pairs = query_pairs(query.as_deref());
    check_expand(query_first(&pairs, "expand"))?;
    let store = emu.lock();
    let customer = store
        .customers
        .iter()
        .find(|c| c.status == Status::Published && c.external_id == external_id)
        .ok_or_else(|| external_not_found(&external_id))?;
    Ok(json_response(
        StatusCode::OK,
        customer.to_json(Precision::Micros),
    ))
}

/// `types.CustomerFilter`, decoded.
#[derive(Debug)]
struct Filter {
    limit: i64,
    offset: i64,
    status: Option<String>,
    descending: bool,
    sort: Vec<(String, bool)>,
    external_id: Option<String>,
    external_ids: Vec<String>,
    customer_ids: Vec<String>,
    email: Option<String>,
    metadata: Option<BTreeMap<String, String>>,
    start_time: Option<i128>,
    end_time: Option<i128>,
}

const SORTABLE: [&str; 6] = [
    "id",
    "external_id",
    "name",
    "email",
    "created_at",
    "updated_at",
];

fn decode_filter(m: &Map<String, Value>) -> Result<Filter, ApiError> {
    let limit = opt_int(m, "limit")?;
    let offset = opt_int(m, "offset")?;
    let status = opt_string(m, "status")?;
    let order = opt_string(m, "order")?;
    let email = opt_string(m, "email")?;
    let start = opt_string(m, "start_time")?;
    let end = opt_string(m, "end_time")?;
    let expand = opt_string(m, "expand")?;
    let external_id = opt_string(m, "external_id")?;
    let external_ids = opt_string_list(m, "external_ids")?;
    let customer_ids = opt_string_list(m, "customer_ids")?;
    let metadata = opt_string_map(m, "metadata")?;
    let sort_raw = match m.get("sort") {
        None | Some(Value::Null) => Vec::new(),
        Some(Value::Array(items)) => items.clone(),
        Some(_) => return Err(ApiError::bad_format()),
    };
    let mut sort = Vec::new();
    for item in &sort_raw {
        let Value::Object(o) = item else {
            return Err(ApiError::bad_format());
        };
        let field = opt_string(o, "field")?.unwrap_or_default();
        let direction = opt_string(o, "direction")?.unwrap_or_else(|| "asc".to_owned());
        if !SORTABLE.contains(&field.as_str()) || !matches!(direction.as_str(), "asc" | "desc") {
            return Err(
                ApiError::coded(ErrorCode::Validation, "invalid sort condition")
                    .detail("field", field),
            );
        }
        sort.push((field, direction == "desc"));
    }
    query_filter::unevaluated(m, "filters", || {
        "emulator: `filters` conditions are not emulated".to_owned()
    })?;

    let mut details = query_filter::details("CustomerFilter", limit, offset, order.as_deref());
    if let Some(s) = status.as_deref()
        && !matches!(s, "published" | "archived" | "deleted")
    {
        details.insert(
            "Status".to_owned(),
            Value::String(validator_message(
                "CustomerFilter.QueryFilter",
                "Status",
                "oneof",
            )),
        );
    }
    if let Some(e) = email.as_deref()
        && !e.is_empty()
        && !email_address::EmailAddress::is_valid(e)
    {
        details.insert(
            "Email".to_owned(),
            Value::String(validator_message("CustomerFilter", "Email", "email")),
        );
    }
    if !details.is_empty() {
        return Err(ApiError::validation(details));
    }
    check_expand(expand.as_deref())?;
    let time = |t: Option<String>| -> Result<Option<i128>, ApiError> {
        match t.filter(|t| !t.is_empty()) {
            None => Ok(None),
            Some(t) => parse_rfc3339_nanos(&t)
                .map(Some)
                .ok_or_else(ApiError::bad_format),
        }
    };
    Ok(Filter {
        limit: limit.unwrap_or(DEFAULT_LIMIT),
        offset: offset.unwrap_or(0),
        status,
        descending: order.as_deref() != Some("asc"),
        sort,
        external_id: external_id.filter(|e| !e.is_empty()),
        external_ids,
        customer_ids,
        email: email.filter(|e| !e.is_empty()),
        metadata,
        start_time: time(start)?,
        end_time: time(end)?,
    })
}

fn sort_key(c: &Customer, field: &str) -> String {
    match field {
        "id" => c.id.clone(),
        "external_id" => c.external_id.clone(),
        "name" => c.name.clone(),
        "email" => c.email.clone(),
        "updated_at" => format!("{:040}", c.updated_at),
        _ => format!("{:040}", c.created_at),
    }
}

fn run_list(emu: &FlexpriceEmulator, filter: &Filter) -> Response {
    let store = emu.lock();
    let wanted_status = match filter.status.as_deref() {
        None | Some("published") => Some(Status::Published),
        Some("archived") => Some(Status::Archived),
        // Nothing is ever stored as `deleted`.
        _ => None,
    };
    let mut matching: Vec<&Customer> = store
        .customers
        .iter()
        .filter(|c| Some(c.status) == wanted_status)
        .filter(|c| {
            filter
                .external_id
                .as_ref()
                .is_none_or(|e| &c.external_id == e)
        })
        .filter(|c| filter.external_ids.is_empty() || filter.external_ids.contains(&c.external_id))
        .filter(|c| filter.customer_ids.is_empty() || filter.customer_ids.contains(&c.id))
        .filter(|c| filter.email.as_ref().is_none_or(|e| &c.email == e))
        .filter(|c| {
            filter.metadata.as_ref().is_none_or(|want| {
                want.iter().all(|(k, v)| {
                    c.metadata
                        .as_ref()
                        .and_then(|md| md.get(k))
                        .is_some_and(|have| have == v)
                })
            })
        })
        .filter(|c| filter.start_time.is_none_or(|t| c.created_at >= t))
        .filter(|c| filter.end_time.is_none_or(|t| c.created_at <= t))
        .collect();
    if filter.sort.is_empty() {
        matching.sort_by_key(|c| c.created_at);
        if filter.descending {
            matching.reverse();
        }
    } else {
        matching.sort_by(|a, b| {
            for (field, desc) in &filter.sort {
                let ord = sort_key(a, field).cmp(&sort_key(b, field));
                let ord = if *desc { ord.reverse() } else { ord };
                if ord.is_ne() {
                    return ord;
                }
            }
            a.created_at.cmp(&b.created_at)
        });
    }
    let total = matching.len();
    let offset = usize::try_from(filter.offset).unwrap_or(0);
    let limit = usize::try_from(filter.limit).unwrap_or(0);
    let items: Vec<Value> = matching
        .into_iter()
        .skip(offset)
        .take(limit)
        .map(|c| c.to_json(Precision::Micros))
        .collect();
    json_response(
        StatusCode::OK,
        json!({
            "items": items,
            "pagination": {
                "total": total,
                "limit": filter.limit,
                // `types.NewPaginationResponse` reports the *next* offset.
                "offset": filter.offset + filter.limit,
            }
        }),
    )
}

/// `GET /v1/customers` (query parameters).
pub(crate) async fn list(State(emu): Emu, RawQuery(query): RawQuery) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let m = query_to_filter_object(&pairs, &["external_ids", "customer_ids"])?;
    let filter = decode_filter(&m)?;
    Ok(run_list(&emu, &filter))
}

/// `POST /v1/customers/search` (JSON body), the same code as the GET list.
pub(crate) async fn search(State(emu): Emu, body: Bytes) -> Result<Response, ApiError> {
    let m = body_object(&body)?;
    let filter = decode_filter(&m)?;
    Ok(run_list(&emu, &filter))
}

/// `PUT /v1/customers/{id}`.
pub(crate) async fn update_by_path(
    State(emu): Emu,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, ApiError> {
    update(&emu, Some(id), None, &body)
}

/// `PUT /v1/customers?id=…` or `?external_customer_id=…` (the SDK form).
pub(crate) async fn update_by_query(
    State(emu): Emu,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, ApiError> {
    let pairs = query_pairs(query.as_deref());
    let id = query_first(&pairs, "id")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    let ext = query_first(&pairs, "external_customer_id")
        .filter(|s| !s.is_empty())
        .map(str::to_owned);
    if id.is_none() && ext.is_none() {
        return Err(ApiError::coded(
            ErrorCode::Validation,
            "either id or external_customer_id is required",
        ));
    }
    update(&emu, id, ext, &body)
}

fn update(
    emu: &FlexpriceEmulator,
    id: Option<String>,
    external: Option<String>,
    body: &[u8],
) -> Result<Response, ApiError> {
    let m = body_object(body)?;
    let f = decode_fields(&m)?;
    validate(&f, "UpdateCustomerRequest", false)?;

    let mut store = emu.lock();
    let by_id = match &id {
        Some(id) => Some(
            store
                .customers
                .iter()
                .position(|c| &c.id == id)
                .ok_or_else(|| not_found(id))?,
        ),
        None => None,
    };
    let by_ext = match &external {
        Some(ext) => Some(
            store
                .customers
                .iter()
                .position(|c| c.status == Status::Published && &c.external_id == ext)
                .ok_or_else(|| external_not_found(ext))?,
        ),
        None => None,
    };
    let index = match (by_id, by_ext) {
        (Some(a), Some(b)) if a != b => {
            return Err(ApiError::coded(
                ErrorCode::Validation,
                "id and external_customer_id refer to different customers",
            ));
        }
        (Some(a), _) | (None, Some(a)) => a,
        (None, None) => return Err(not_found("")),
    };

    let mut c = store.customers[index].clone();
    if let Some(new_ext) = &f.external_id
        && new_ext != &c.external_id
    {
        if store
            .customers
            .iter()
            .enumerate()
            .any(|(i, o)| i != index && o.status == Status::Published && &o.external_id == new_ext)
        {
            return Err(already_exists(new_ext));
        }
        // The server writes into the customer's metadata map; a nil map panics (500, empty body).
        let Some(md) = c.metadata.as_mut() else {
            return Err(ApiError::Panic);
        };
        // Bug reproduced: the *new* id is recorded as an "old" one.
        md.insert("old_external_ids".to_owned(), new_ext.clone());
        c.external_id = new_ext.clone();
    }
    let set = |target: &mut String, value: &Option<String>| {
        if let Some(v) = value {
            target.clone_from(v);
        }
    };
    set(&mut c.name, &f.name);
    set(&mut c.email, &f.email);
    set(&mut c.contact, &f.contact);
    set(&mut c.address_line1, &f.address_line1);
    set(&mut c.address_line2, &f.address_line2);
    set(&mut c.address_city, &f.address_city);
    set(&mut c.address_state, &f.address_state);
    set(&mut c.address_postal_code, &f.address_postal_code);
    set(&mut c.address_country, &f.address_country);
    if let Some(tz) = &f.timezone {
        c.timezone = if tz.is_empty() {
            "UTC".to_owned()
        } else {
            tz.clone()
        };
    }
    if let Some(md) = f.metadata {
        c.metadata = Some(md);
    }
    // Ent's NotEmpty / varchar(255) checks run at the database write.
    if c.name.is_empty() || c.external_id.is_empty() {
        return Err(ApiError::database(
            "Failed to update customer",
            "ent: validator failed for field \"Customer.name\": value is less than the required length",
        ));
    }
    if c.external_id.chars().count() > EXTERNAL_ID_MAX_CHARS {
        return Err(ApiError::database(
            "Failed to update customer",
            "pq: value too long for type character varying(255)",
        ));
    }
    // The response is built in memory: `updated_at` is the old value.
    let response = c.to_json(Precision::Micros);
    c.updated_at = super::clock::truncate_micros(store.now_nanos());
    store.customers[index] = c;
    Ok(json_response(StatusCode::OK, response))
}

/// `DELETE /v1/customers/{id}`: archives; 404 for unknown or already archived customers.
pub(crate) async fn delete(State(emu): Emu, Path(id): Path<String>) -> Result<Response, ApiError> {
    let mut store = emu.lock();
    let index = store
        .customers
        .iter()
        .position(|c| c.id == id && c.status == Status::Published)
        .ok_or_else(|| not_found(&id))?;
    if let Some(block) = store.knobs.delete_blocks.get(&id) {
        return Err(ApiError::coded(
            ErrorCode::InvalidOperation,
            block.message(),
        ));
    }
    let now = super::clock::truncate_micros(store.now_nanos());
    let c = &mut store.customers[index];
    c.status = Status::Archived;
    c.updated_at = now;
    Ok(StatusCode::NO_CONTENT.into_response())
}
