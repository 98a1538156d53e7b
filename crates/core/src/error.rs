//! The one error type every unibill call returns.
//!
//! [`Error`] is a single pointer wide (`Box` of the details), `Send + Sync + 'static`, and carries a
//! [`ErrorKind`] plus whatever the provider told us: HTTP status, provider code and message, request id,
//! `Retry-After`, per-field validation errors, the id of an existing resource on a duplicate. It never holds an
//! API key or any other secret: the HTTP executor runs its scrubber over every text of every error that leaves
//! a call ([`Error::rewrite_texts`]).

use std::any::Any;
use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// What went wrong, in provider-neutral terms.
///
/// New kinds may be added; match with a wildcard arm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input breaks a rule (named in [`Error::field_errors`]); nothing was sent.
    InvalidInput,
    /// The credentials are missing or were rejected.
    Unauthenticated,
    /// The credentials are valid but may not do this.
    PermissionDenied,
    /// The provider wants a payment method or funds before it does this.
    PaymentRequired,
    /// The resource does not exist (or is not visible to these credentials).
    NotFound,
    /// A resource with this natural key already exists; see [`Error::existing_id`].
    AlreadyExists,
    /// The request conflicts with the resource's current state.
    Conflict,
    /// The provider asked us to slow down; see [`Error::retry_after`].
    RateLimited,
    /// The provider is temporarily unavailable.
    Unavailable,
    /// The call did not finish within its deadline (and no write may have happened).
    Timeout,
    /// A write was sent but its outcome is unknown: it may or may not have been applied.
    OutcomeUnknown,
    /// The provider (or the configured route) does not support this operation or field.
    Unsupported,
    /// The configuration is incomplete or wrong.
    Config,
    /// The provider answered something that could not be decoded.
    Decode,
    /// The connection failed before an answer arrived.
    Transport,
    /// Any other provider error.
    Provider,
}

impl ErrorKind {
    /// A short stable name (`"invalid_input"`, `"not_found"`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            ErrorKind::InvalidInput => "invalid_input",
            ErrorKind::Unauthenticated => "unauthenticated",
            ErrorKind::PermissionDenied => "permission_denied",
            ErrorKind::PaymentRequired => "payment_required",
            ErrorKind::NotFound => "not_found",
            ErrorKind::AlreadyExists => "already_exists",
            ErrorKind::Conflict => "conflict",
            ErrorKind::RateLimited => "rate_limited",
            ErrorKind::Unavailable => "unavailable",
            ErrorKind::Timeout => "timeout",
            ErrorKind::OutcomeUnknown => "outcome_unknown",
            ErrorKind::Unsupported => "unsupported",
            ErrorKind::Config => "config",
            ErrorKind::Decode => "decode",
            ErrorKind::Transport => "transport",
            ErrorKind::Provider => "provider",
        }
    }
}

impl fmt::Display for ErrorKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One broken rule of an input: which field and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    /// The field's path in the neutral input (`"email"`, `"address.country"`, `"tiers[2].up_to"`).
    pub field: String,
    /// What is wrong with it.
    pub message: String,
}

impl FieldError {
    /// A field error.
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        FieldError {
            field: field.into(),
            message: message.into(),
        }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

type Source = Box<dyn std::error::Error + Send + Sync + 'static>;

#[derive(Debug)]
struct Inner {
    kind: ErrorKind,
    message: Cow<'static, str>,
    provider: Option<Cow<'static, str>>,
    operation: Option<Cow<'static, str>>,
    status: Option<u16>,
    provider_code: Option<String>,
    provider_message: Option<String>,
    request_id: Option<String>,
    retry_after: Option<Duration>,
    existing_id: Option<String>,
    existing: Option<ExistingResource>,
    field_errors: Vec<FieldError>,
    source: Option<Source>,
    write_applied: bool,
}

/// The resource that holds a natural key, as the lookup after a conflict read it (see [`Error::existing`]).
/// Its `Debug` names no field: the resource is data for the caller, not text for a log.
struct ExistingResource(Box<dyn Any + Send + Sync>);

impl fmt::Debug for ExistingResource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ExistingResource")
    }
}

/// The error of every unibill operation.
///
/// ```
/// use unibill_core::{Error, ErrorKind};
///
/// let err = Error::invalid_field("email", "is not a valid email address");
/// assert_eq!(err.kind(), ErrorKind::InvalidInput);
/// assert_eq!(err.field_errors()[0].field, "email");
/// assert!(!err.is_retryable());
/// assert_eq!(std::mem::size_of::<Error>(), std::mem::size_of::<usize>());
/// ```
pub struct Error(Box<Inner>);

/// `Result` with unibill's [`Error`].
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// A new error of `kind` with a human message.
    pub fn new(kind: ErrorKind, message: impl Into<Cow<'static, str>>) -> Self {
        Error(Box::new(Inner {
            kind,
            message: message.into(),
            provider: None,
            operation: None,
            status: None,
            provider_code: None,
            provider_message: None,
            request_id: None,
            retry_after: None,
            existing_id: None,
            existing: None,
            field_errors: Vec::new(),
            source: None,
            write_applied: false,
        }))
    }

    /// `InvalidInput` for one field.
    pub fn invalid_field(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self::invalid_fields(vec![FieldError::new(field, message)])
    }

    /// `InvalidInput` for several fields (the message lists them all).
    pub fn invalid_fields(errors: Vec<FieldError>) -> Self {
        let message = errors
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("; ");
        let mut err = Error::new(ErrorKind::InvalidInput, format!("invalid input: {message}"));
        err.0.field_errors = errors;
        err
    }

    /// `Unsupported`: `what` (an operation or `field`) is not offered by `provider`.
    pub fn unsupported(provider: impl Into<Cow<'static, str>>, what: impl fmt::Display) -> Self {
        let provider = provider.into();
        Error::new(
            ErrorKind::Unsupported,
            format!("{what} is not supported by the {provider} provider"),
        )
        .with_provider(provider)
    }

    /// `Unsupported` naming a field of an input.
    pub fn unsupported_field(provider: impl Into<Cow<'static, str>>, field: &str) -> Self {
        let mut err = Error::unsupported(provider, format_args!("field `{field}`"));
        err.0
            .field_errors
            .push(FieldError::new(field, "not supported by this provider"));
        err
    }

    /// `AlreadyExists` carrying the id of the resource that holds the natural key.
    pub fn already_exists(
        message: impl Into<Cow<'static, str>>,
        existing_id: Option<String>,
    ) -> Self {
        let mut err = Error::new(ErrorKind::AlreadyExists, message);
        err.0.existing_id = existing_id;
        err
    }

    /// `NotFound` with a message.
    pub fn not_found(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::NotFound, message)
    }

    /// `Config` with a message saying what to set.
    pub fn config(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Config, message)
    }

    /// `Decode`: the provider's answer could not be read.
    pub fn decode(message: impl Into<Cow<'static, str>>) -> Self {
        Error::new(ErrorKind::Decode, message)
    }

    /// Sets the provider name (`"flexprice"`, `"memory"`, …).
    pub fn with_provider(mut self, provider: impl Into<Cow<'static, str>>) -> Self {
        self.0.provider = Some(provider.into());
        self
    }

    /// Sets the operation name (`"customers.create"`, …).
    pub fn with_operation(mut self, operation: impl Into<Cow<'static, str>>) -> Self {
        self.0.operation = Some(operation.into());
        self
    }

    /// Sets the HTTP status of the provider's answer.
    pub fn with_status(mut self, status: u16) -> Self {
        self.0.status = Some(status);
        self
    }

    /// Sets the provider's own error code (`"validation_error"`, `"CONFLICT"`, …).
    pub fn with_provider_code(mut self, code: impl Into<String>) -> Self {
        self.0.provider_code = Some(code.into());
        self
    }

    /// Sets the provider's own (already scrubbed) error message.
    pub fn with_provider_message(mut self, message: impl Into<String>) -> Self {
        self.0.provider_message = Some(message.into());
        self
    }

    /// Sets the provider's request id.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.0.request_id = Some(request_id.into());
        self
    }

    /// Sets how long the provider asked us to wait.
    pub fn with_retry_after(mut self, retry_after: Duration) -> Self {
        self.0.retry_after = Some(retry_after);
        self
    }

    /// Sets the id of the existing resource (for `AlreadyExists`).
    pub fn with_existing_id(mut self, id: impl Into<String>) -> Self {
        self.0.existing_id = Some(id.into());
        self
    }

    /// Attaches the resource that holds the natural key (for `AlreadyExists`), as a lookup read it, so a
    /// caller that wants it (`ensure`) needs no further request. See [`Error::existing`].
    pub fn with_existing<T: Any + Send + Sync>(mut self, resource: T) -> Self {
        self.0.existing = Some(ExistingResource(Box::new(resource)));
        self
    }

    /// Adds per-field errors.
    pub fn with_field_errors(mut self, errors: impl IntoIterator<Item = FieldError>) -> Self {
        self.0.field_errors.extend(errors);
        self
    }

    /// Sets the underlying cause.
    pub fn with_source(mut self, source: impl Into<Source>) -> Self {
        self.0.source = Some(source.into());
        self
    }

    /// Marks the error as coming after the provider applied the write: it answered 2xx, but the answer
    /// could not be read (see [`Error::write_applied`]).
    pub fn with_write_applied(mut self) -> Self {
        self.0.write_applied = true;
        self
    }

    /// Replaces the kind, keeping every other detail (used e.g. to turn a timeout into `OutcomeUnknown`).
    pub fn with_kind(mut self, kind: ErrorKind) -> Self {
        self.0.kind = kind;
        self
    }

    /// Rewrites every text the error holds through `rewrite`, which answers `Some(new text)` to replace a text
    /// and `None` to keep it: the message, the provider code and message, the request id, the existing id, each
    /// field error's field and message, and the source chain. The executor runs its secret scrubber through this
    /// on every error that leaves a call, so nothing the provider echoed reaches a caller, a log or a terminal.
    ///
    /// A source that is an `Error` is rewritten the same way and stays an `Error` (`downcast_ref` still finds
    /// it). Any other source is kept as it is unless `rewrite` changes the `Display` or `Debug` text of it or of
    /// an error below it; then it is replaced by a plain error carrying the rewritten texts, level by level (its
    /// type is lost: a secret is worth more than a `downcast`). The provider and operation names are left alone:
    /// they come from code, never from an answer or an input.
    ///
    /// ```
    /// use unibill_core::{Error, ErrorKind};
    ///
    /// let err = Error::new(ErrorKind::Provider, "provider refused")
    ///     .with_provider_message("bad key sk_123")
    ///     .with_request_id("req sk_123")
    ///     .with_source(std::io::Error::other("echo: sk_123"));
    /// let err = err.rewrite_texts(&|t: &str| t.contains("sk_123").then(|| t.replace("sk_123", "[REDACTED]")));
    /// assert_eq!(err.provider_message(), Some("bad key [REDACTED]"));
    /// assert_eq!(err.request_id(), Some("req [REDACTED]"));
    /// let source = std::error::Error::source(&err).unwrap();
    /// assert_eq!(source.to_string(), "echo: [REDACTED]");
    /// assert!(!format!("{err:?}").contains("sk_123"));
    /// ```
    pub fn rewrite_texts(mut self, rewrite: &dyn Fn(&str) -> Option<String>) -> Self {
        let i = &mut *self.0;
        if let Some(new) = rewrite(&i.message) {
            i.message = Cow::Owned(new);
        }
        for text in [
            &mut i.provider_code,
            &mut i.provider_message,
            &mut i.request_id,
            &mut i.existing_id,
        ]
        .into_iter()
        .flatten()
        {
            if let Some(new) = rewrite(text) {
                *text = new;
            }
        }
        for fe in &mut i.field_errors {
            for text in [&mut fe.field, &mut fe.message] {
                if let Some(new) = rewrite(text) {
                    *text = new;
                }
            }
        }
        if let Some(source) = i.source.take() {
            i.source = Some(match source.downcast::<Error>() {
                Ok(inner) => Box::new(inner.rewrite_texts(rewrite)),
                Err(other) => match RewrittenSource::of(&*other, rewrite) {
                    Some(rewritten) => Box::new(rewritten),
                    None => other,
                },
            });
        }
        self
    }

    /// The kind of failure.
    pub fn kind(&self) -> ErrorKind {
        self.0.kind
    }

    /// unibill's own description.
    pub fn message(&self) -> &str {
        &self.0.message
    }

    /// The provider that answered, if any.
    pub fn provider(&self) -> Option<&str> {
        self.0.provider.as_deref()
    }

    /// The operation that failed, if known.
    pub fn operation(&self) -> Option<&str> {
        self.0.operation.as_deref()
    }

    /// The HTTP status of the provider's answer, if one arrived.
    pub fn status(&self) -> Option<u16> {
        self.0.status
    }

    /// The provider's own error code.
    pub fn provider_code(&self) -> Option<&str> {
        self.0.provider_code.as_deref()
    }

    /// The provider's own error message (scrubbed of secrets).
    pub fn provider_message(&self) -> Option<&str> {
        self.0.provider_message.as_deref()
    }

    /// The provider's request id, for support tickets.
    pub fn request_id(&self) -> Option<&str> {
        self.0.request_id.as_deref()
    }

    /// How long the provider asked us to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        self.0.retry_after
    }

    /// For `AlreadyExists`: the id of the resource that already holds the natural key.
    pub fn existing_id(&self) -> Option<&str> {
        self.0.existing_id.as_deref()
    }

    /// For `AlreadyExists`: the resource that holds the natural key, when the lookup after the conflict read it
    /// and it is a `T` (the read model of the call: a create of a customer carries a
    /// [`Customer`](crate::Customer)).
    ///
    /// ```
    /// use unibill_core::{Error, ErrorKind};
    ///
    /// let err = Error::already_exists("taken", Some("cust_1".into())).with_existing(String::from("cust_1"));
    /// assert_eq!(err.existing::<String>().map(String::as_str), Some("cust_1"));
    /// assert_eq!(err.existing::<u32>(), None);
    /// let resource: String = err.into_existing().unwrap();
    /// assert_eq!(resource, "cust_1");
    /// ```
    pub fn existing<T: Any>(&self) -> Option<&T> {
        self.0.existing.as_ref()?.0.downcast_ref()
    }

    /// The holder of the natural key (see [`Error::existing`]) by value; the error itself when it carries none
    /// of type `T`.
    pub fn into_existing<T: Any>(mut self) -> std::result::Result<T, Self> {
        match self.0.existing.take().map(|e| e.0.downcast::<T>()) {
            Some(Ok(resource)) => Ok(*resource),
            Some(Err(other)) => {
                self.0.existing = Some(ExistingResource(other));
                Err(self)
            }
            None => Err(self),
        }
    }

    /// The broken rules, one per field.
    pub fn field_errors(&self) -> &[FieldError] {
        &self.0.field_errors
    }

    /// Whether the provider applied the write this error is about: it answered 2xx to a create (or another
    /// write that must not be repeated), but the answer could not be read (kind `Decode`) and the resource
    /// could not be looked up. Do not send the write again: look the resource up (`get`, or `list` by its
    /// natural key) instead.
    ///
    /// ```
    /// use unibill_core::{Error, ErrorKind};
    ///
    /// let err = Error::decode("the 201 answer is not JSON").with_write_applied();
    /// assert!(err.write_applied() && !err.is_retryable());
    /// assert!(!Error::decode("the 200 answer is not JSON").write_applied());
    /// ```
    pub fn write_applied(&self) -> bool {
        self.0.write_applied
    }

    /// Whether the same call may succeed if made again later, unchanged.
    ///
    /// True for `RateLimited`, `Unavailable`, `Timeout` and `Transport`. `OutcomeUnknown` is *not* retryable:
    /// re-sending an unsafe write may apply it twice; look the resource up first.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.0.kind,
            ErrorKind::RateLimited
                | ErrorKind::Unavailable
                | ErrorKind::Timeout
                | ErrorKind::Transport
        )
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        let mut d = f.debug_struct("Error");
        d.field("kind", &i.kind).field("message", &i.message);
        if let Some(v) = &i.provider {
            d.field("provider", v);
        }
        if let Some(v) = &i.operation {
            d.field("operation", v);
        }
        if let Some(v) = &i.status {
            d.field("status", v);
        }
        if let Some(v) = &i.provider_code {
            d.field("provider_code", v);
        }
        if let Some(v) = &i.provider_message {
            d.field("provider_message", v);
        }
        if let Some(v) = &i.request_id {
            d.field("request_id", v);
        }
        if let Some(v) = &i.retry_after {
            d.field("retry_after", v);
        }
        if let Some(v) = &i.existing_id {
            d.field("existing_id", v);
        }
        if !i.field_errors.is_empty() {
            d.field("field_errors", &i.field_errors);
        }
        if i.write_applied {
            d.field("write_applied", &true);
        }
        if let Some(v) = &i.source {
            d.field("source", v);
        }
        d.finish()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &self.0;
        match (&i.provider, &i.operation) {
            (Some(p), Some(o)) => write!(f, "{p} {o}: ")?,
            (Some(p), None) => write!(f, "{p}: ")?,
            (None, Some(o)) => write!(f, "{o}: ")?,
            (None, None) => {}
        }
        f.write_str(&i.message)?;
        if let Some(status) = i.status {
            write!(f, " (HTTP {status}")?;
            if let Some(code) = &i.provider_code {
                write!(f, ", {code}")?;
            }
            f.write_str(")")?;
        } else if let Some(code) = &i.provider_code {
            write!(f, " ({code})")?;
        }
        if let Some(m) = &i.provider_message {
            write!(f, ": {m}")?;
        }
        if let Some(id) = &i.request_id {
            write!(f, " [request id {id}]")?;
        }
        Ok(())
    }
}

/// A source replaced by its rewritten texts ([`Error::rewrite_texts`]): `Display` and `Debug` of each level of
/// the original chain, rewritten.
struct RewrittenSource {
    display: String,
    debug: String,
    source: Option<Box<RewrittenSource>>,
}

impl RewrittenSource {
    /// The rewritten chain of `error`, or `None` when `rewrite` changes none of its texts.
    fn of(
        error: &(dyn std::error::Error + 'static),
        rewrite: &dyn Fn(&str) -> Option<String>,
    ) -> Option<RewrittenSource> {
        let mut levels = Vec::new();
        let mut changed = false;
        let mut next = Some(error);
        while let Some(e) = next {
            let (display, debug) = (e.to_string(), format!("{e:?}"));
            let display = match rewrite(&display) {
                Some(new) => {
                    changed = true;
                    new
                }
                None => display,
            };
            let debug = match rewrite(&debug) {
                Some(new) => {
                    changed = true;
                    new
                }
                None => debug,
            };
            levels.push((display, debug));
            next = e.source();
        }
        if !changed {
            return None;
        }
        levels
            .into_iter()
            .rev()
            .fold(None, |below, (display, debug)| {
                Some(RewrittenSource {
                    display,
                    debug,
                    source: below.map(Box::new),
                })
            })
    }
}

impl fmt::Display for RewrittenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.display)
    }
}

impl fmt::Debug for RewrittenSource {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.debug)
    }
}

impl std::error::Error for RewrittenSource {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

impl std::error::Error for Error {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        self.0
            .source
            .as_deref()
            .map(|s| s as &(dyn std::error::Error + 'static))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_is_one_pointer_and_thread_safe() {
        fn assert_send_sync<T: Send + Sync + 'static>() {}
        assert_send_sync::<Error>();
        assert_eq!(
            std::mem::size_of::<Error>(),
            std::mem::size_of::<*const u8>()
        );
        assert_eq!(
            std::mem::size_of::<Result<()>>(),
            std::mem::size_of::<*const u8>()
        );
    }

    #[test]
    fn retryable_kinds() {
        for (kind, retryable) in [
            (ErrorKind::RateLimited, true),
            (ErrorKind::Unavailable, true),
            (ErrorKind::Timeout, true),
            (ErrorKind::Transport, true),
            (ErrorKind::OutcomeUnknown, false),
            (ErrorKind::InvalidInput, false),
            (ErrorKind::NotFound, false),
            (ErrorKind::AlreadyExists, false),
            (ErrorKind::Provider, false),
            (ErrorKind::Decode, false),
        ] {
            assert_eq!(Error::new(kind, "x").is_retryable(), retryable, "{kind}");
        }
    }

    #[test]
    fn display_carries_provider_details() {
        let err = Error::new(ErrorKind::NotFound, "customer not found")
            .with_provider("flexprice")
            .with_operation("customers.get")
            .with_status(404)
            .with_provider_code("not_found")
            .with_request_id("req_1");
        assert_eq!(
            err.to_string(),
            "flexprice customers.get: customer not found (HTTP 404, not_found) [request id req_1]"
        );
    }

    fn redact(t: &str) -> Option<String> {
        t.contains("sk_1").then(|| t.replace("sk_1", "[REDACTED]"))
    }

    #[derive(Debug)]
    struct Wrapper(std::io::Error);

    impl fmt::Display for Wrapper {
        fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
            f.write_str("wrapper")
        }
    }

    impl std::error::Error for Wrapper {
        fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
            Some(&self.0)
        }
    }

    #[test]
    fn rewrite_texts_reaches_every_text_and_the_source_chain() {
        let lookup = Error::new(ErrorKind::InvalidInput, "lookup said sk_1")
            .with_provider_message("echo sk_1")
            .with_source(Wrapper(std::io::Error::other("deep sk_1")));
        let err = Error::already_exists("exists sk_1", Some("id-sk_1".into()))
            .with_provider("flexprice")
            .with_operation("connections.create")
            .with_provider_code("code-sk_1")
            .with_provider_message("message sk_1")
            .with_request_id("req sk_1")
            .with_field_errors([FieldError::new("sk_1", "is sk_1")])
            .with_source(lookup)
            .rewrite_texts(&redact);
        assert_eq!(err.message(), "exists [REDACTED]");
        assert_eq!(err.provider_code(), Some("code-[REDACTED]"));
        assert_eq!(err.provider_message(), Some("message [REDACTED]"));
        assert_eq!(err.request_id(), Some("req [REDACTED]"));
        assert_eq!(err.existing_id(), Some("id-[REDACTED]"));
        assert_eq!(
            err.field_errors(),
            [FieldError::new("[REDACTED]", "is [REDACTED]")]
        );
        assert_eq!(err.provider(), Some("flexprice"));
        // The source that is an `Error` stays one; the foreign chain below it is replaced level by level.
        let source = std::error::Error::source(&err).unwrap();
        let inner = source.downcast_ref::<Error>().expect("still an Error");
        assert_eq!(inner.provider_message(), Some("echo [REDACTED]"));
        let wrapper = std::error::Error::source(inner).unwrap();
        assert_eq!(wrapper.to_string(), "wrapper");
        assert_eq!(wrapper.source().unwrap().to_string(), "deep [REDACTED]");
        for text in [err.to_string(), format!("{err:?}")] {
            assert!(!text.contains("sk_1"), "{text}");
        }
    }

    #[test]
    fn rewrite_texts_keeps_a_clean_foreign_source_as_it_is() {
        let err = Error::new(ErrorKind::Transport, "cannot connect")
            .with_source(std::io::Error::other("refused"))
            .rewrite_texts(&redact);
        let source = std::error::Error::source(&err).unwrap();
        assert!(source.downcast_ref::<std::io::Error>().is_some());
    }

    #[test]
    fn invalid_fields_lists_every_field() {
        let err = Error::invalid_fields(vec![
            FieldError::new("name", "must not be empty"),
            FieldError::new("email", "is not a valid email address"),
        ]);
        assert_eq!(err.kind(), ErrorKind::InvalidInput);
        assert!(err.to_string().contains("name: must not be empty"));
        assert!(
            err.to_string()
                .contains("email: is not a valid email address")
        );
    }
}
