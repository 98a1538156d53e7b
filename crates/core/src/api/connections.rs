//! The [`Connections`] trait and its extension [`ConnectionsExt`].

use std::fmt::Debug;
use std::sync::Arc;

use async_trait::async_trait;
use futures::future::BoxFuture;
use futures::stream::BoxStream;

use crate::capability::ConnectionCapabilities;
use crate::error::Result;
use crate::id::ConnectionId;
use crate::model::connection::{Connection, ConnectionListQuery, ConnectionUpdate, NewConnection};
use crate::page::Page;

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
            fn create<'life0, 'async_trait>(
                &'life0 self,
                input: NewConnection,
            ) -> BoxFuture<'async_trait, Result<Connection>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                (**self).create(input)
            }
            fn get<'life0, 'async_trait>(
                &'life0 self,
                id: ConnectionId,
            ) -> BoxFuture<'async_trait, Result<Connection>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                (**self).get(id)
            }
            fn list<'life0, 'async_trait>(
                &'life0 self,
                query: ConnectionListQuery,
            ) -> BoxFuture<'async_trait, Result<Page<Connection>>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                (**self).list(query)
            }
            fn update<'life0, 'async_trait>(
                &'life0 self,
                id: ConnectionId,
                update: ConnectionUpdate,
            ) -> BoxFuture<'async_trait, Result<Connection>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                (**self).update(id, update)
            }
            fn delete<'life0, 'async_trait>(
                &'life0 self,
                id: ConnectionId,
            ) -> BoxFuture<'async_trait, Result<()>>
            where
                'life0: 'async_trait,
                Self: 'async_trait,
            {
                (**self).delete(id)
            }
        }
    )*};
}

forward_connections!(Arc<T>, Box<T>);

/// Conveniences over [`Connections`], for every implementation.
pub trait ConnectionsExt: Connections {
    /// Every connection matching the query, page after page, as a stream.
    fn list_all(&self, query: ConnectionListQuery) -> BoxStream<'_, Result<Connection>> {
        crate::page::paginate(query, move |q| self.list(q), |q, c| q.cursor = Some(c))
    }
}

impl<T: Connections + ?Sized> ConnectionsExt for T {}
