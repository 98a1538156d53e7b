//! The resource traits every provider implements, their forwarding impls for `Arc`/`Box`, and the extension
//! traits with the conveniences built on them.

/// A trait method written out as `async_trait` expands it (a boxed `Send` future that may borrow `self`), for
/// implementations that hand on another call's boxed future instead of boxing an `async fn` of their own
/// around it: `boxed_method! { fn create(&self, input: NewCustomer) -> Result<Customer> { (**self).create(input) } }`
/// (`self` is written at the call site so the body may use it).
macro_rules! boxed_method {
    (fn $name:ident(&$this:ident, $($params:tt)*) -> $ret:ty $body:block) => {
        fn $name<'life0, 'async_trait>(
            &'life0 $this,
            $($params)*
        ) -> ::futures::future::BoxFuture<'async_trait, $ret>
        where
            'life0: 'async_trait,
            Self: 'async_trait,
        $body
    };
}
pub(crate) use boxed_method;

pub mod connections;
pub mod customers;
pub mod prices;
pub mod stores;

#[cfg(any(test, feature = "mock"))]
pub use connections::MockConnections;
pub use connections::{Connections, ConnectionsExt};
#[cfg(any(test, feature = "mock"))]
pub use customers::MockCustomers;
pub use customers::{Customers, CustomersExt};
#[cfg(any(test, feature = "mock"))]
pub use prices::MockPrices;
pub use prices::{Prices, PricesExt};
#[cfg(any(test, feature = "mock"))]
pub use stores::MockStores;
pub use stores::{Stores, StoresExt, WaitOptions};

/// What [`CustomersExt::ensure`] (and the other `ensure`s) did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Ensured<T> {
    /// The resource was created by this call.
    Created(T),
    /// A resource with the same natural key already existed; here it is.
    Existing(T),
}

impl<T> Ensured<T> {
    /// The resource, however it came.
    pub fn into_inner(self) -> T {
        match self {
            Ensured::Created(t) | Ensured::Existing(t) => t,
        }
    }

    /// The resource, however it came.
    pub fn get(&self) -> &T {
        match self {
            Ensured::Created(t) | Ensured::Existing(t) => t,
        }
    }

    /// Whether this call created it.
    pub fn was_created(&self) -> bool {
        matches!(self, Ensured::Created(_))
    }
}
