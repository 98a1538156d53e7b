//! The [`Connections`] trait and its extension [`ConnectionsExt`].

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::stream::BoxStream;

use crate::capability::ConnectionCapabilities;
use crate::error::Result;
use crate::id::ConnectionId;
use crate::model::connection::{Connection, ConnectionListQuery, ConnectionUpdate, NewConnection};
use crate::page::{Cursor, DEFAULT_MAX_PAGES, Page, PageProgress};

/// Integration connections (Stripe, S3, HubSpot, …) on a billing provider.
///
/// Object safe: hold it as `Arc<dyn Connections>`. Secrets go in through [`NewConnection`] and
/// [`ConnectionUpdate`] and never come back out. Delete archives; an archived connection is `NotFound`.
#[cfg_attr(any(test, feature = "mock"), mockall::automock)]
#[async_trait]
pub trait Connections: Send + Sync + Debug {
    /// What this provider offers for connections.
    fn capabilities(&self) -> ConnectionCapabilities;

    /// Creates a connection. With [`ConnectionCapabilities::one_per_provider_type`], a second active
    /// connection of a type is `AlreadyExists` carrying the existing id.
    async fn create(&self, input: NewConnection) -> Result<Connection>;

    /// Gets an active connection by id.
    async fn get(&self, id: ConnectionId) -> Result<Connection>;

    /// One page of active connections.
    async fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>>;

    /// Changes a connection.
    async fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection>;

    /// Deletes (archives) a connection.
    async fn delete(&self, id: ConnectionId) -> Result<()>;
}

macro_rules! forward_connections {
    ($($ty:ty),*) => {$(
        // The inner call's own boxed future is handed on: an `async fn` here would box it a second time.
        impl<T: Connections + ?Sized> Connections for $ty {
            fn capabilities(&self) -> ConnectionCapabilities {
                (**self).capabilities()
            }
            boxed_method! {
                fn create(&self, input: NewConnection) -> Result<Connection> {
                    (**self).create(input)
                }
            }
            boxed_method! {
                fn get(&self, id: ConnectionId) -> Result<Connection> {
                    (**self).get(id)
                }
            }
            boxed_method! {
                fn list(&self, query: ConnectionListQuery) -> Result<Page<Connection>> {
                    (**self).list(query)
                }
            }
            boxed_method! {
                fn update(&self, id: ConnectionId, update: ConnectionUpdate) -> Result<Connection> {
                    (**self).update(id, update)
                }
            }
            boxed_method! {
                fn delete(&self, id: ConnectionId) -> Result<()> {
                    (**self).delete(id)
                }
            }
        }
    )*};
}

forward_connections!(Arc<T>, Box<T>);

/// Conveniences over [`Connections`], for every implementation.
pub trait ConnectionsExt: Connections {
    /// Every connection matching the query, page after page, as a stream that holds one page at a time.
    ///
    /// Runs under a [`PageProgress`] named `connections.list_all`: a cursor that repeats, a page repeating the one
    /// before, or more than [`ConnectionListQuery::max_pages`] pages (default [`DEFAULT_MAX_PAGES`]) end the stream with
    /// a `Provider` error naming the loop.
    fn list_all(&self, query: ConnectionListQuery) -> BoxStream<'_, Result<Connection>> {
        let progress = PageProgress::new(
            "connections.list_all",
            query.max_pages.unwrap_or(DEFAULT_MAX_PAGES),
        )
        .provider(self.capabilities().provider)
        .starting_at(query.cursor.as_ref().map(Cursor::as_str));
        crate::page::paginate(
            query,
            progress,
            move |q| self.list(q),
            |q, c| q.cursor = Some(c),
            |item| item.id.as_str(),
        )
    }
}

impl<T: Connections + ?Sized> ConnectionsExt for T {}
