//! [`Request`]: the description of one provider call that an adapter builds and the executor sends.

use std::fmt;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method};
use secrecy::SecretString;
use serde::Serialize;
use unibill_core::{Error, ErrorKind, Result};

/// The buffer a JSON body is serialized into starts at this many bytes (a 13-field customer is ~400).
const JSON_BODY_CAPACITY: usize = 512;

/// One provider call: method, path, query, body, names for logs, and the secrets to scrub.
///
/// The body is serialized once, when it is set; every attempt re-sends the same bytes. `Debug` shows the path
/// template, header names, query keys and the body's length — never values that may be secret.
///
/// ```
/// use unibill_http::Request;
///
/// let req = Request::get("customers.get", "/v1/customers/{id}")
///     .path(["v1", "customers", "cust/1"])
///     .query("expand", "subscriptions");
/// assert_eq!(req.operation(), "customers.get");
/// assert!(!format!("{req:?}").contains("subscriptions"));
/// ```
#[derive(Clone)]
pub struct Request {
    pub(crate) method: Method,
    pub(crate) operation: &'static str,
    pub(crate) template: &'static str,
    pub(crate) segments: Vec<String>,
    pub(crate) query: Vec<(String, String)>,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Option<(Bytes, HeaderValue)>,
    pub(crate) secrets: Vec<SecretString>,
}

impl Request {
    /// A request of `method` for `operation` (`"customers.create"`), logged as `template`
    /// (`"/v1/customers/{id}"`).
    pub fn new(method: Method, operation: &'static str, template: &'static str) -> Self {
        Request {
            method,
            operation,
            template,
            segments: Vec::new(),
            query: Vec::new(),
            headers: HeaderMap::new(),
            body: None,
            secrets: Vec::new(),
        }
    }

    /// A `GET`.
    pub fn get(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::GET, operation, template)
    }

    /// A `POST`.
    pub fn post(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::POST, operation, template)
    }

    /// A `PUT`.
    pub fn put(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::PUT, operation, template)
    }

    /// A `PATCH`.
    pub fn patch(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::PATCH, operation, template)
    }

    /// A `DELETE`.
    pub fn delete(operation: &'static str, template: &'static str) -> Self {
        Self::new(Method::DELETE, operation, template)
    }

    /// Appends path segments after the base URL's path; each is percent-encoded (a `/` inside one stays data).
    pub fn path<I, S>(mut self, segments: I) -> Self
    where
        I: IntoIterator<Item = S>,
        S: AsRef<str>,
    {
        self.segments
            .extend(segments.into_iter().map(|s| s.as_ref().to_owned()));
        self
    }

    /// Appends one query pair (encoded).
    pub fn query(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.query.push((key.into(), value.into()));
        self
    }

    /// Appends a query pair when `value` is `Some`.
    pub fn query_opt(self, key: impl Into<String>, value: Option<impl Into<String>>) -> Self {
        match value {
            Some(v) => self.query(key, v),
            None => self,
        }
    }

    /// Adds a header to this request (not for secrets: use the executor's auth, or mark it with
    /// [`Request::secret`] too).
    pub fn header(mut self, name: HeaderName, value: HeaderValue) -> Self {
        self.headers.append(name, value);
        self
    }

    /// Sets a JSON body, serialized now, once (a value that cannot be serialized is `InvalidInput`).
    pub fn json<B: Serialize + ?Sized>(self, body: &B) -> Result<Self> {
        // Room for a typical create body up front: growing from empty reallocates and copies four times.
        let mut bytes = Vec::with_capacity(JSON_BODY_CAPACITY);
        serde_json::to_writer(&mut bytes, body).map_err(|e| {
            Error::new(
                ErrorKind::InvalidInput,
                format!("cannot serialize the request body: {e}"),
            )
            .with_operation(self.operation)
        })?;
        Ok(self.body(
            Bytes::from(bytes),
            HeaderValue::from_static("application/json"),
        ))
    }

    /// Sets a pre-serialized body with its content type.
    pub fn body(mut self, body: Bytes, content_type: HeaderValue) -> Self {
        self.body = Some((body, content_type));
        self
    }

    /// A secret value (beyond the API key) this request carries, e.g. a connection secret in the body: it is
    /// never logged, and it is scrubbed, in every encoding the [`Scrubber`](crate::Scrubber) knows, from every
    /// text of the error the call returns (error body, provider message, request id, decode error, the errors of
    /// the call's lookups). A value shorter than [`MIN_SECRET_LEN`](crate::MIN_SECRET_LEN) bytes is not scrubbed.
    pub fn secret(mut self, secret: SecretString) -> Self {
        self.secrets.push(secret);
        self
    }

    /// The operation name.
    pub fn operation(&self) -> &'static str {
        self.operation
    }

    /// The path template used in logs.
    pub fn template(&self) -> &'static str {
        self.template
    }

    /// The HTTP method.
    pub fn method(&self) -> &Method {
        &self.method
    }

    /// The body bytes, if any.
    pub fn body_bytes(&self) -> Option<&Bytes> {
        self.body.as_ref().map(|(b, _)| b)
    }
}

impl fmt::Debug for Request {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("operation", &self.operation)
            .field("template", &self.template)
            .field(
                "query_keys",
                &self
                    .query
                    .iter()
                    .map(|(k, _)| k.as_str())
                    .collect::<Vec<_>>(),
            )
            .field("header_names", &self.headers.keys().collect::<Vec<_>>())
            .field("body_len", &self.body.as_ref().map(|(b, _)| b.len()))
            .field("secrets", &self.secrets.len())
            .finish()
    }
}
