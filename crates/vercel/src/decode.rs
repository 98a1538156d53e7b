//! The shared decoding of Vercel answers: a whole body, and one item kept raw (its text becomes the model's
//! `raw`). Every failure is `ErrorKind::Decode`, naming what could not be read.

use serde::de::DeserializeOwned;
use serde_json::value::RawValue;
use unibill_core::{Error, RawJson, Result};

/// `body` as `T`; `what` names it in the error (`"the Vercel store answer"`).
pub(crate) fn body<T: DeserializeOwned>(body: &[u8], what: &str) -> Result<T> {
    serde_json::from_slice(body).map_err(|e| Error::decode(format!("cannot decode {what}: {e}")))
}

/// One item of an answer as `W`, with its text kept as the model's `raw`; `what` names it in the error
/// (`"a Vercel store"`).
pub(crate) fn raw_item<W: DeserializeOwned>(
    raw: Box<RawValue>,
    what: &str,
) -> Result<(W, RawJson)> {
    let wire = serde_json::from_str(raw.get())
        .map_err(|e| Error::decode(format!("cannot decode {what}: {e}")))?;
    Ok((wire, RawJson::from_raw(raw)))
}

#[cfg(test)]
pub(crate) mod tests {
    use unibill_http::Response;
    use unibill_http::bytes::Bytes;
    use unibill_http::http::{HeaderMap, StatusCode};

    /// A 200 answer with `body`, as the executor hands it to a decoder.
    pub(crate) fn answer(body: &'static [u8]) -> Response {
        Response {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: Bytes::from_static(body),
        }
    }
}
