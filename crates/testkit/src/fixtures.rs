//! The recorded provider payloads, once for the whole workspace: `tests/fixtures/<provider>/<name>` in this
//! crate, read by the emulators' own tests and by every adapter's tests.

use std::path::PathBuf;

/// Where fixture `name` lives: `<unibill-testkit>/tests/fixtures/<name>`, e.g.
/// `flexprice/create-customer-request.json`.
pub fn fixture_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests")
        .join("fixtures")
        .join(name)
}

/// Fixture `name`'s text (`"flexprice/create-customer-request.json"`, `"vercel/create-response-200.json"`).
///
/// Panics, naming the path, when it cannot be read: a missing fixture is a broken test.
///
/// ```
/// let body = unibill_testkit::fixture("flexprice/create-customer-request.json");
/// assert!(body.contains("external_id"));
/// ```
pub fn fixture(name: &str) -> String {
    let path = fixture_path(name);
    std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// Fixture `name` parsed as JSON. Panics when it cannot be read or is not JSON.
///
/// ```
/// let answer = unibill_testkit::fixture_json("flowglad/create-customer.response.json");
/// assert!(answer.is_object());
/// ```
pub fn fixture_json(name: &str) -> serde_json::Value {
    serde_json::from_str(&fixture(name)).unwrap_or_else(|e| panic!("fixture {name}: {e}"))
}
