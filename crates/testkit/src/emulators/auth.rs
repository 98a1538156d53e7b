//! The authentication layer every emulator mounts: the emulator says who a request's credentials are (or how
//! it refuses them), the layer answers the refusal or hands the identity to the routes as a request extension.

use axum::extract::{Request, State};
use axum::http::request::Parts;
use axum::middleware::Next;
use axum::response::Response;

/// An emulator's credential check.
pub(crate) trait Authenticate: Clone + Send + Sync + 'static {
    /// Who a request is, as its routes read it (`Extension<Identity>`).
    type Identity: Clone + Send + Sync + 'static;

    /// Who `request` is, or the answer refusing it.
    fn authenticate(&self, request: &Parts) -> Result<Self::Identity, Box<Response>>;
}

/// Refuses unauthenticated requests with the emulator's own answer; lets the others through, their identity
/// attached.
pub(crate) async fn auth<A: Authenticate>(
    State(authenticator): State<A>,
    request: Request,
    next: Next,
) -> Response {
    let (mut parts, body) = request.into_parts();
    match authenticator.authenticate(&parts) {
        Ok(identity) => {
            parts.extensions.insert(identity);
            next.run(Request::from_parts(parts, body)).await
        }
        Err(refused) => *refused,
    }
}
