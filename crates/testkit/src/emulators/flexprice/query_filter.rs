//! The `types.QueryFilter` every Flexprice search body embeds: what its validator refuses, and the condition
//! lists the emulator does not evaluate.

use serde_json::{Map, Value};

use super::errors::{ApiError, ErrorCode, validator_message};

/// The largest `limit` the `QueryFilter` validation takes.
const MAX_LIMIT: i64 = 1000;

/// The validator's details for `limit` (1..=1000), `offset` (at least 0) and `order` (`asc` or `desc`),
/// named under `<filter>.QueryFilter` (`filter`: `"CustomerFilter"`); empty when each is valid or absent. The
/// caller adds its own fields' details and answers 400 with them when any is there.
pub(crate) fn details(
    filter: &str,
    limit: Option<i64>,
    offset: Option<i64>,
    order: Option<&str>,
) -> Map<String, Value> {
    let struct_path = format!("{filter}.QueryFilter");
    let mut details = Map::new();
    let mut fail = |field: &str, tag: &str| {
        details.insert(
            field.to_owned(),
            Value::String(validator_message(&struct_path, field, tag)),
        );
    };
    if let Some(l) = limit {
        if l < 1 {
            fail("Limit", "min");
        } else if l > MAX_LIMIT {
            fail("Limit", "max");
        }
    }
    if offset.is_some_and(|o| o < 0) {
        fail("Offset", "min");
    }
    if order.is_some_and(|o| !matches!(o, "asc" | "desc")) {
        fail("Order", "oneof");
    }
    details
}

/// A condition list the emulator does not evaluate (`filters`, `sort`): absent, `null` or empty passes; a
/// list with conditions is 501 with `message`; any other value is 400 "Invalid request format".
pub(crate) fn unevaluated(
    m: &Map<String, Value>,
    key: &str,
    message: impl FnOnce() -> String,
) -> Result<(), ApiError> {
    match m.get(key) {
        None | Some(Value::Null) => Ok(()),
        Some(Value::Array(items)) if items.is_empty() => Ok(()),
        Some(Value::Array(_)) => Err(ApiError::coded(ErrorCode::NotImplemented, message())),
        Some(_) => Err(ApiError::bad_format()),
    }
}
