//! [`HttpExecutor`]: sends an adapter's [`Request`]s with retries by safety class, a deadline, capped and
//! scrubbed error capture and one tracing span per call.

use std::borrow::Cow;
use std::fmt;
use std::future::Future;
use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use http::header::{CONTENT_TYPE, LOCATION};
use http::{HeaderMap, HeaderName, HeaderValue, Method, StatusCode};
use secrecy::SecretString;
use serde::de::DeserializeOwned;
use tokio::time::Instant;
use tracing::{Instrument, Span, field};
use unibill_core::{Error, ErrorKind, Result};
use url::Url;

use crate::body::read_capped;
use crate::builder::HttpExecutorBuilder;
use crate::decision::{
    AmbiguousCause, Decision, DecisionInput, GiveUp, Outcome, SafetyClass, decide,
};
use crate::jitter::Jitter;
use crate::observer::{RetryEvent, RetryObserver};
use crate::policy::RetryPolicy;
use crate::request::Request;
use crate::response::{ErrorResponse, ErrorTable, Response, request_id};
use crate::retry_after::retry_after;
use crate::safety::{Lookup, Safety};
use crate::scrub::Scrubber;
use unibill_core::Clock;
use unibill_core::Sleeper;

/// Sends requests to one provider instance. Cheap to clone (one `Arc`); clones share the connection pool.
///
/// See the [crate docs](crate) for an example.
#[derive(Clone)]
pub struct HttpExecutor {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub provider: &'static str,
    pub base_url: Url,
    pub client: reqwest::Client,
    pub auth: Option<(HeaderName, HeaderValue, SecretString)>,
    /// Every request's headers, built once: the defaults (`Accept`, `User-Agent`, custom) and the auth header.
    pub headers: HeaderMap,
    pub attempt_timeout: Duration,
    pub deadline: Duration,
    pub policy: RetryPolicy,
    pub error_body_cap: usize,
    pub success_body_cap: usize,
    pub max_url_len: usize,
    pub sleeper: Arc<dyn Sleeper>,
    pub jitter: Arc<dyn Jitter>,
    pub clock: Arc<dyn Clock>,
    pub observer: Arc<dyn RetryObserver>,
    pub error_table: Arc<dyn ErrorTable>,
}

/// One failed attempt: what it means for the retry table, and the error it would end the call with.
struct Failure {
    outcome: Outcome,
    error: Error,
    /// The provider answered this 2xx status, but its body could not be read (cut off, or over the cap).
    unread_success: Option<StatusCode>,
}

impl Failure {
    fn new(outcome: Outcome, error: Error) -> Self {
        Failure {
            outcome,
            error,
            unread_success: None,
        }
    }
}

impl HttpExecutor {
    /// A builder for `provider` (`"flexprice"`) at `base_url`.
    pub fn builder(provider: &'static str, base_url: Url) -> HttpExecutorBuilder {
        HttpExecutorBuilder::new(provider, base_url)
    }

    /// The provider name.
    pub fn provider(&self) -> &'static str {
        self.inner.provider
    }

    /// The base URL requests' paths are appended to.
    pub fn base_url(&self) -> &Url {
        &self.inner.base_url
    }

    /// Sends `request` under `safety`, and hands a 2xx answer to `decode`.
    ///
    /// Error answers go through the executor's error table; retries, waits, lookups and the deadline follow
    /// the retry table ([`crate::decide`]).
    ///
    /// Not an `async fn`: an `async fn` keeps each argument twice in its future (as passed, and moved into its
    /// body); the `async move` block here holds the request and the safety class once.
    #[allow(clippy::manual_async_fn)] // deliberately not an `async fn`, see above
    pub fn send<'s, 'a, T, D>(
        &'s self,
        request: Request,
        safety: Safety<'a, T>,
        decode: D,
    ) -> impl Future<Output = Result<T>> + use<'s, 'a, T, D>
    where
        D: FnOnce(Response) -> Result<T>,
    {
        async move {
            let span = tracing::info_span!(
                "unibill.http",
                provider = self.inner.provider,
                operation = request.operation,
                method = %request.method,
                path = request.template,
                safety = safety.class().as_str(),
                status = field::Empty,
                attempt = field::Empty,
                elapsed_ms = field::Empty,
                error_kind = field::Empty,
            );
            // `run` borrows the request and the safety class: one copy of each lives in this future, not two.
            // With no subscriber listening (the span is disabled) there is nothing to enter on every poll, so the
            // call is not wrapped in `Instrumented` (a copy of the whole call future and an enter/exit per poll).
            let call = self.run(&request, &safety, decode, &span);
            if span.is_disabled() {
                call.await
            } else {
                call.instrument(span.clone()).await
            }
        }
    }

    /// [`HttpExecutor::send`] under [`Safety::Safe`]: a request whose re-send cannot apply anything twice (a
    /// read, a search `POST`, an idempotent update), retried as the retry table says for `Safe`.
    ///
    /// The adapters' one way to send such a request, so the safety class is declared here rather than at each
    /// call site. It returns `send`'s own future (no `async fn` around it, so nothing is held twice).
    pub fn send_safe<'s, T, D>(
        &'s self,
        request: Request,
        decode: D,
    ) -> impl Future<Output = Result<T>> + use<'s, T, D>
    where
        D: FnOnce(Response) -> Result<T>,
    {
        self.send(request, Safety::Safe, decode)
    }

    /// [`HttpExecutor::send`] decoding the 2xx body as JSON.
    pub async fn send_json<T: DeserializeOwned>(
        &self,
        request: Request,
        safety: Safety<'_, T>,
    ) -> Result<T> {
        self.send(request, safety, |r| r.json()).await
    }

    /// [`HttpExecutor::send`] ignoring the 2xx body (`204 No Content` deletes).
    pub async fn send_empty(&self, request: Request, safety: Safety<'_, ()>) -> Result<()> {
        self.send(request, safety, |_| Ok(())).await
    }

    /// The call, recording its outcome on `span` (this call's own span, passed in rather than taken from
    /// the current context so nothing is recorded on a caller's span when this one is disabled).
    async fn run<T, D>(
        &self,
        request: &Request,
        safety: &Safety<'_, T>,
        decode: D,
        span: &Span,
    ) -> Result<T>
    where
        D: FnOnce(Response) -> Result<T>,
    {
        // One clock read starts the call: the deadline and the first attempt's timeout count from it.
        let started = Instant::now();
        let result = self
            .attempts(request, safety, decode, span, started)
            .await
            .map_err(|e| self.scrubbed(e, request));
        if !span.is_disabled() {
            span.record("elapsed_ms", started.elapsed().as_millis() as u64);
        }
        match &result {
            Ok(_) => tracing::debug!("call succeeded"),
            Err(e) => {
                span.record("error_kind", e.kind().as_str());
                tracing::debug!(error_kind = e.kind().as_str(), "call failed");
            }
        }
        result
    }

    async fn attempts<T, D>(
        &self,
        request: &Request,
        safety: &Safety<'_, T>,
        decode: D,
        span: &Span,
        started: Instant,
    ) -> Result<T>
    where
        D: FnOnce(Response) -> Result<T>,
    {
        let inner = &*self.inner;
        let deadline = started + inner.deadline;
        let url = self.url_for(request)?;
        let mut ambiguous_before = false;
        let mut attempt: u32 = 0;
        loop {
            attempt += 1;
            span.record("attempt", attempt);
            let now = if attempt == 1 {
                started
            } else {
                Instant::now()
            };
            let remaining = deadline.saturating_duration_since(now);
            let failure = if remaining.is_zero() {
                Failure::new(
                    Outcome::DeadlineExceeded { maybe_sent: false },
                    Error::new(ErrorKind::Timeout, "the call's deadline passed"),
                )
            } else {
                tracing::trace!(attempt, "sending");
                match self.attempt(request, &url, now, remaining, span).await {
                    Ok(response) => {
                        let status = response.status;
                        return match decode(response) {
                            Ok(decoded) => Ok(decoded),
                            // A decoder may answer another kind on purpose (Vercel's documented
                            // `store: null` is `OutcomeUnknown`): that is kept as it is.
                            Err(e) if e.kind() != ErrorKind::Decode => {
                                Err(self.decorate(e, request))
                            }
                            Err(e) => {
                                Box::pin(
                                    self.unreadable_success(request, safety, status, e, deadline),
                                )
                                .await
                            }
                        };
                    }
                    Err(Failure {
                        unread_success: Some(status),
                        error,
                        ..
                    }) if safety.class() != SafetyClass::Safe => {
                        return Box::pin(
                            self.unreadable_success(request, safety, status, error, deadline),
                        )
                        .await;
                    }
                    Err(failure) => failure,
                }
            };
            // Boxed: the happy path neither runs the retry table's code nor carries its waits and lookups.
            let next = Box::pin(self.after_failure(
                request,
                safety,
                failure,
                attempt,
                &mut ambiguous_before,
                deadline,
            ))
            .await;
            if let ControlFlow::Break(result) = next {
                return result;
            }
        }
    }

    /// What follows a failed attempt: the retry table's decision, then the wait and the lookup it asks for.
    /// `Continue` sends the next attempt; `Break` ends the call.
    async fn after_failure<T>(
        &self,
        request: &Request,
        safety: &Safety<'_, T>,
        failure: Failure,
        attempt: u32,
        ambiguous_before: &mut bool,
        deadline: Instant,
    ) -> ControlFlow<Result<T>> {
        let inner = &*self.inner;
        let error = self.decorate(failure.error, request);
        let decision = decide(
            DecisionInput {
                attempt,
                outcome: failure.outcome,
                safety: safety.class(),
                ambiguous_before: *ambiguous_before,
                policy: &inner.policy,
                remaining: deadline.saturating_duration_since(Instant::now()),
                retry_after: error.retry_after(),
            },
            &*inner.jitter,
        );
        *ambiguous_before |= failure.outcome.is_ambiguous();
        tracing::debug!(attempt, outcome = ?failure.outcome, decision = ?decision, "attempt failed");
        match decision {
            Decision::Retry {
                delay,
                reason,
                lookup_first,
            } => {
                inner.observer.on_retry(&RetryEvent {
                    provider: inner.provider,
                    operation: request.operation,
                    attempt,
                    delay,
                    reason,
                });
                inner.sleeper.sleep(delay).await;
                if lookup_first {
                    match self.lookup_within(safety, deadline, request).await {
                        Some(Ok(Lookup::Found(found))) => return ControlFlow::Break(Ok(found)),
                        Some(Ok(Lookup::Mismatch { existing_id })) => {
                            return ControlFlow::Break(Err(self.mismatch(request, existing_id)));
                        }
                        Some(Ok(Lookup::Missing)) | None => {}
                        Some(Err(e)) => {
                            return ControlFlow::Break(Err(self.lookup_failed(request, e)));
                        }
                    }
                }
                ControlFlow::Continue(())
            }
            Decision::Lookup => {
                ControlFlow::Break(match self.lookup_within(safety, deadline, request).await {
                    Some(Ok(Lookup::Found(found))) => Ok(found),
                    Some(Ok(Lookup::Mismatch { existing_id })) => {
                        Err(self.mismatch(request, existing_id))
                    }
                    Some(Ok(Lookup::Missing)) | None => Err(error),
                    Some(Err(e)) => Err(self.lookup_failed(request, e)),
                })
            }
            Decision::NameHolder => ControlFlow::Break(Err(
                match (
                    safety.name_holder(),
                    self.lookup_within(safety, deadline, request).await,
                ) {
                    (Some(name), Some(Ok(Lookup::Found(holder)))) => name(error, holder),
                    (
                        _,
                        Some(Ok(Lookup::Mismatch {
                            existing_id: Some(id),
                        })),
                    ) => error.with_existing_id(id),
                    // Nothing found, or the lookup failed: the conflict stands as the provider said it.
                    _ => error,
                },
            )),
            Decision::GiveUp(how) => ControlFlow::Break(Err(self.give_up(how, error, request))),
        }
    }

    /// One attempt bounded by the attempt timeout and the remaining deadline.
    async fn attempt(
        &self,
        request: &Request,
        url: &Url,
        now: Instant,
        remaining: Duration,
        span: &Span,
    ) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let (limit, by_deadline) = if remaining <= inner.attempt_timeout {
            (remaining, true)
        } else {
            (inner.attempt_timeout, false)
        };
        match tokio::time::timeout_at(now + limit, self.exchange(request, url, span)).await {
            Ok(result) => result,
            Err(_) if by_deadline => Err(Failure::new(
                Outcome::DeadlineExceeded { maybe_sent: true },
                Error::new(
                    ErrorKind::Timeout,
                    format!("no answer before the call's deadline ({limit:?} left)"),
                ),
            )),
            Err(_) => Err(Failure::new(
                Outcome::Ambiguous(AmbiguousCause::AttemptTimeout),
                Error::new(
                    ErrorKind::Timeout,
                    format!("no answer within the attempt timeout of {limit:?}"),
                ),
            )),
        }
    }

    /// Sends once and reads the answer.
    ///
    /// The hot path allocates only what reqwest needs: one clone of the prebuilt header map, the URL, and the
    /// body's `Bytes` handle (a reference count, not a copy). The answer's headers are moved out, not cloned.
    async fn exchange(
        &self,
        request: &Request,
        url: &Url,
        span: &Span,
    ) -> Result<Response, Failure> {
        let inner = &*self.inner;
        let mut headers = inner.headers.clone();
        for (name, value) in &request.headers {
            headers.append(name.clone(), value.clone());
        }
        let mut outgoing = reqwest::Request::new(request.method.clone(), url.clone());
        if let Some((body, content_type)) = &request.body {
            headers.insert(CONTENT_TYPE, content_type.clone());
            *outgoing.body_mut() = Some(body.clone().into());
        }
        *outgoing.headers_mut() = headers;
        let mut response = inner
            .client
            .execute(outgoing)
            .await
            .map_err(|e| transport_failure(e, &inner.base_url))?;
        let status = response.status();
        span.record("status", status.as_u16());
        tracing::trace!(status = status.as_u16(), "answer received");
        let headers = std::mem::take(response.headers_mut());

        if status.is_success() {
            let (body, err) = read_capped(&mut response, inner.success_body_cap).await;
            if let Some(e) = err {
                return Err(Failure {
                    unread_success: Some(status),
                    ..transport_failure(e, &inner.base_url)
                });
            }
            if body.truncated {
                return Err(Failure {
                    outcome: Outcome::Rejected,
                    error: Error::decode(format!(
                        "the {} answer is larger than {} bytes",
                        status.as_u16(),
                        inner.success_body_cap
                    ))
                    .with_status(status.as_u16()),
                    unread_success: Some(status),
                });
            }
            return Ok(Response {
                status,
                headers,
                body: body.bytes,
            });
        }
        if status.is_redirection() {
            return Err(self.redirected(request, url, status, &headers));
        }

        // Boxed: an error answer's reading, scrubbing and mapping stay out of the success path's future and code.
        Err(Box::pin(self.error_answer(request, status, headers, response)).await)
    }

    /// An error answer: its body read up to the error cap, scrubbed of secrets, mapped by the error table.
    async fn error_answer(
        &self,
        request: &Request,
        status: StatusCode,
        headers: HeaderMap,
        mut response: reqwest::Response,
    ) -> Failure {
        let inner = &*self.inner;
        let (body, read_error) = read_capped(&mut response, inner.error_body_cap).await;
        drop(response);
        let truncated = body.truncated || read_error.is_some();
        let scrubbed = match self.scrubber(request).scrub_bytes(&body.bytes, truncated) {
            Cow::Borrowed(_) => body.bytes.clone(),
            Cow::Owned(bytes) => bytes.into(),
        };
        let wait = retry_after(&headers, inner.clock.now());
        let answer = ErrorResponse {
            status,
            request_id: request_id(&headers),
            retry_after: wait,
            headers,
            body: scrubbed,
            truncated,
            operation: request.operation,
        };
        let mut error = inner.error_table.map(&answer).with_status(status.as_u16());
        if let (None, Some(id)) = (error.request_id(), &answer.request_id) {
            error = error.with_request_id(id.clone());
        }
        if let Some(wait) = wait {
            error = error.with_retry_after(wait);
        }
        let outcome = classify(status, &error);
        Failure::new(outcome, error)
    }

    /// A `3xx` answer. No redirect is followed (the client's policy is `none`): no provider API redirects, and
    /// following one would carry the credential and the body to wherever `Location` points. Final, never
    /// retried; the error names the status and where it pointed (scheme, host and port only) and says that
    /// nothing was sent there.
    fn redirected(
        &self,
        request: &Request,
        url: &Url,
        status: StatusCode,
        headers: &HeaderMap,
    ) -> Failure {
        let target = headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(|location| match url.join(location) {
                Ok(to) => match to.host_str() {
                    Some(host) => format!(
                        "a redirect to {}://{host}{}",
                        to.scheme(),
                        to.port().map(|p| format!(":{p}")).unwrap_or_default()
                    ),
                    None => format!("a redirect to a `{}:` URL", to.scheme()),
                },
                Err(_) => "a redirect to an unreadable location".to_owned(),
            })
            .unwrap_or_else(|| "a redirect without a location".to_owned());
        let what = if request.method == Method::GET || request.method == Method::HEAD {
            "the request was not sent there"
        } else {
            "the request and its body were not re-sent there"
        };
        let mut error = Error::new(
            ErrorKind::Provider,
            format!(
                "the provider answered {} with {target}; redirects are not followed, so {what} \
                 (check the base URL: {})",
                status.as_u16(),
                origin(&self.inner.base_url),
            ),
        )
        .with_status(status.as_u16());
        if let Some(id) = request_id(headers) {
            error = error.with_request_id(id);
        }
        Failure::new(Outcome::Rejected, error)
    }

    /// A 2xx answer that could not be read (not the expected JSON, cut off, or over the cap).
    ///
    /// For a read, or another `Safe` call, that is a `Decode` error (sending it again is harmless). For a write
    /// (`NaturalKey`, `Reconcile`, `Unsafe`) the 2xx says the write happened: the lookup, where there is one,
    /// fetches the resource; otherwise the `Decode` error is marked [`Error::write_applied`], so nobody
    /// re-sends a write that went through.
    async fn unreadable_success<T>(
        &self,
        request: &Request,
        safety: &Safety<'_, T>,
        status: StatusCode,
        error: Error,
        deadline: Instant,
    ) -> Result<T> {
        let error = self.decorate(error, request);
        if safety.class() == SafetyClass::Safe {
            return Err(error);
        }
        tracing::debug!(
            status = status.as_u16(),
            "a write's 2xx answer could not be read"
        );
        let after = match self.lookup_within(safety, deadline, request).await {
            Some(Ok(Lookup::Found(found))) => return Ok(found),
            Some(Ok(Lookup::Mismatch { .. })) => {
                "; the lookup by its key found a different resource"
            }
            Some(Ok(Lookup::Missing)) => "; the lookup by its key did not find it yet",
            Some(Err(_)) => "; the lookup by its key failed",
            None => "",
        };
        Err(self
            .decorate(
                Error::decode(format!(
                    "the provider applied this write, but its answer could not be read{after}; \
                     do not send it again: look the resource up instead"
                )),
                request,
            )
            .with_status(status.as_u16())
            .with_write_applied()
            .with_source(error))
    }

    /// The call's secrets (the API key and the request's own) in every form the scrubber looks for.
    fn scrubber(&self, request: &Request) -> Scrubber {
        Scrubber::new(
            self.inner
                .auth
                .iter()
                .map(|(_, _, s)| s)
                .chain(&request.secrets),
        )
    }

    /// The error leaving the call, scrubbed of the call's secrets in every text it holds, whatever made it: an
    /// error answer (body, provider code and message, request id, field errors), a 2xx that did not decode, a
    /// transport error, a lookup's error in the source chain.
    #[cold]
    fn scrubbed(&self, error: Error, request: &Request) -> Error {
        self.scrubber(request).scrub_error(error)
    }

    /// The request's URL, or `InvalidInput` (naming the path parameter or query key) for one that cannot or
    /// must not be sent: checked here, before any I/O, so it is never retried nor `OutcomeUnknown`.
    fn url_for(&self, request: &Request) -> Result<Url> {
        let mut url = self.inner.base_url.clone();
        for (index, segment) in request.segments.iter().enumerate() {
            let problem = if segment.is_empty() || segment == "." || segment == ".." {
                Some(format!("may not be empty, `.` or `..` (got `{segment}`)"))
            } else if segment.chars().any(char::is_control) {
                // The URL parser would drop TAB, CR and LF silently, and so address another resource.
                Some("may not contain control characters (TAB, CR, LF, NUL, …)".to_owned())
            } else {
                None
            };
            if let Some(problem) = problem {
                let field = segment_field(request, index);
                return Err(self.decorate(Error::invalid_field(field, problem), request));
            }
        }
        {
            let mut segments = url.path_segments_mut().map_err(|()| {
                Error::config("the base URL cannot take a path").with_provider(self.inner.provider)
            })?;
            segments.pop_if_empty();
            for s in &request.segments {
                segments.push(s);
            }
        }
        if !request.query.is_empty() {
            url.query_pairs_mut().extend_pairs(&request.query);
        }
        if url.as_str().len() > self.inner.max_url_len {
            return Err(self.decorate(self.url_too_long(request, url.as_str().len()), request));
        }
        Ok(url)
    }

    /// `InvalidInput` for a URL over the limit, naming the longest path parameter or query value.
    fn url_too_long(&self, request: &Request, len: usize) -> Error {
        let longest_segment = request
            .segments
            .iter()
            .enumerate()
            .max_by_key(|(_, s)| s.len())
            .map(|(i, s)| (segment_field(request, i), s.len()));
        let longest_query = request
            .query
            .iter()
            .max_by_key(|(_, v)| v.len())
            .map(|(k, v)| (k.clone(), v.len()));
        let (field, field_len) = match (longest_segment, longest_query) {
            (Some(s), Some(q)) if q.1 > s.1 => q,
            (Some(s), _) => s,
            (None, Some(q)) => q,
            (None, None) => ("url".to_owned(), len),
        };
        Error::invalid_field(
            field,
            format!(
                "is {field_len} bytes long: the request's URL would be {len} bytes, over the limit of {}",
                self.inner.max_url_len
            ),
        )
    }

    fn decorate(&self, error: Error, request: &Request) -> Error {
        error
            .with_provider(self.inner.provider)
            .with_operation(request.operation)
    }

    fn give_up(&self, how: GiveUp, error: Error, request: &Request) -> Error {
        match how {
            GiveUp::LastError => error,
            GiveUp::RateLimited { retry_after } => {
                let error = error.with_kind(ErrorKind::RateLimited);
                match retry_after {
                    Some(wait) => error.with_retry_after(wait),
                    None => error,
                }
            }
            GiveUp::Timeout => {
                let timeout = self.decorate(
                    Error::new(
                        ErrorKind::Timeout,
                        format!("no answer within the deadline of {:?}", self.inner.deadline),
                    ),
                    request,
                );
                carry_answer(timeout, &error).with_source(error)
            }
            GiveUp::OutcomeUnknown => {
                let unknown = self.decorate(
                    Error::new(
                        ErrorKind::OutcomeUnknown,
                        "the request may or may not have been applied; look the resource up before trying again",
                    ),
                    request,
                );
                carry_answer(unknown, &error).with_source(error)
            }
        }
    }

    fn mismatch(&self, request: &Request, existing_id: Option<String>) -> Error {
        self.decorate(
            Error::already_exists(
                "a different resource already holds this natural key",
                existing_id,
            ),
            request,
        )
    }

    /// The safety's lookup, bounded by what is left of the call's deadline (a lookup is part of the call).
    async fn lookup_within<T>(
        &self,
        safety: &Safety<'_, T>,
        deadline: Instant,
        request: &Request,
    ) -> Option<Result<Lookup<T>>> {
        let remaining = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(remaining, safety.lookup()).await {
            Ok(found) => found,
            Err(_) => Some(Err(self.decorate(
                Error::new(
                    ErrorKind::Timeout,
                    "the call's deadline passed during the lookup",
                ),
                request,
            ))),
        }
    }

    /// A lookup that failed: `Timeout` when it ran out of time (the call's deadline, as the retry table says for
    /// `NaturalKey` and `Reconcile`), else `OutcomeUnknown`.
    fn lookup_failed(&self, request: &Request, lookup_error: Error) -> Error {
        if lookup_error.kind() == ErrorKind::Timeout {
            return self
                .decorate(
                    Error::new(
                        ErrorKind::Timeout,
                        format!(
                            "no answer within the deadline of {:?} (the lookup to check an earlier attempt timed out)",
                            self.inner.deadline
                        ),
                    ),
                    request,
                )
                .with_source(lookup_error);
        }
        self.decorate(
            Error::new(
                ErrorKind::OutcomeUnknown,
                "an earlier attempt may have been applied and the lookup to check failed",
            ),
            request,
        )
        .with_source(lookup_error)
    }
}

/// Copies the answer's status and request id onto a replacement error.
fn carry_answer(mut to: Error, from: &Error) -> Error {
    if let Some(status) = from.status() {
        to = to.with_status(status);
    }
    if let Some(id) = from.request_id() {
        to = to.with_request_id(id.to_owned());
    }
    to
}

/// The retry table's view of an error answer.
fn classify(status: StatusCode, error: &Error) -> Outcome {
    match status.as_u16() {
        429 => Outcome::RateLimited {
            retry_after: error.retry_after(),
        },
        code @ (502..=504) => Outcome::Ambiguous(AmbiguousCause::GatewayStatus(code)),
        500 if error.provider_code().is_none() => {
            Outcome::Ambiguous(AmbiguousCause::ServerErrorWithoutCode)
        }
        _ if error.kind() == ErrorKind::AlreadyExists => Outcome::Conflict {
            holder_named: error.existing_id().is_some(),
        },
        _ => Outcome::Rejected,
    }
}

/// The name of the path parameter at `index` in `request`'s segments: the template's `{name}` at the same
/// place counted from the end (the template may include the base URL's own path, the segments do not), else
/// `"path"`.
fn segment_field(request: &Request, index: usize) -> String {
    let from_end = request.segments.len() - index;
    let template: Vec<&str> = request
        .template
        .split('/')
        .filter(|s| !s.is_empty())
        .collect();
    template
        .len()
        .checked_sub(from_end)
        .and_then(|i| template.get(i))
        .and_then(|s| s.strip_prefix('{')?.strip_suffix('}'))
        .unwrap_or("path")
        .to_owned()
}

/// `scheme://host[:port]` of `url`, for messages (never its path or query).
fn origin(url: &Url) -> String {
    url.origin().ascii_serialization()
}

/// The retry table's view of a transport error (the URL is dropped from it: it may carry query values; a
/// connect failure names the base URL's origin, which is configuration, not data).
fn transport_failure(e: reqwest::Error, base_url: &Url) -> Failure {
    if e.is_builder() {
        // The HTTP stack refused to build the request (e.g. a URI it cannot represent): nothing was sent.
        return Failure::new(
            Outcome::Rejected,
            Error::new(
                ErrorKind::InvalidInput,
                "the request cannot be sent as it is (the HTTP stack refused to build it); nothing was sent",
            )
            .with_source(e.without_url()),
        );
    }
    let outcome = if e.is_connect() {
        Outcome::ConnectFailed
    } else if e.is_timeout() {
        Outcome::Ambiguous(AmbiguousCause::AttemptTimeout)
    } else {
        Outcome::Ambiguous(AmbiguousCause::ConnectionLost)
    };
    let (kind, message): (ErrorKind, Cow<'static, str>) = match outcome {
        Outcome::ConnectFailed => (
            ErrorKind::Transport,
            format!(
                "cannot connect to the provider at {} (is the base URL right, and is it reachable?)",
                origin(base_url)
            )
            .into(),
        ),
        Outcome::Ambiguous(AmbiguousCause::AttemptTimeout) => (
            ErrorKind::Timeout,
            "the provider did not answer in time".into(),
        ),
        _ => (
            ErrorKind::Transport,
            "the connection to the provider broke before the answer was read".into(),
        ),
    };
    Failure::new(
        outcome,
        Error::new(kind, message).with_source(e.without_url()),
    )
}

impl fmt::Debug for HttpExecutor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let i = &*self.inner;
        f.debug_struct("HttpExecutor")
            .field("provider", &i.provider)
            .field("base_url", &i.base_url.as_str())
            .field("auth_header", &i.auth.as_ref().map(|(n, _, _)| n.as_str()))
            .field("attempt_timeout", &i.attempt_timeout)
            .field("deadline", &i.deadline)
            .field("policy", &i.policy)
            .field("error_body_cap", &i.error_body_cap)
            .field("success_body_cap", &i.success_body_cap)
            .finish_non_exhaustive()
    }
}
