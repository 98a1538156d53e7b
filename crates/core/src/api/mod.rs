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

/// The `Arc<T>` and `Box<T>` forwarding impls of a resource trait (the modules below are in its textual scope),
/// from its method list: plain methods call
/// through, async ones hand on the inner call's boxed future ([`boxed_method!`]):
///
/// ```ignore
/// forward_to_inner!(Meters {
///     fn capabilities(&self) -> MeterCapabilities;
///     async fn create(&self, input: NewMeter) -> Result<Meter>;
/// });
/// ```
macro_rules! forward_to_inner {
    ($trait:ident { $($body:tt)* }) => {
        forward_to_inner!(@impl std::sync::Arc, $trait { $($body)* });
        forward_to_inner!(@impl std::boxed::Box, $trait { $($body)* });
    };
    (@impl $($wrapper:ident)::+, $trait:ident {
        $(fn $sync:ident(&self $(, $sarg:ident: $sty:ty)*) -> $sret:ty;)*
        $(async fn $name:ident(&self $(, $arg:ident: $ty:ty)*) -> $ret:ty;)*
    }) => {
        // The inner call's own boxed future is handed on: an `async fn` here would box it a second time.
        impl<T: $trait + ?Sized> $trait for $($wrapper)::+<T> {
            $(
                fn $sync(&self $(, $sarg: $sty)*) -> $sret {
                    (**self).$sync($($sarg),*)
                }
            )*
            $(
                boxed_method! {
                    fn $name(&self, $($arg: $ty),*) -> $ret {
                        (**self).$name($($arg),*)
                    }
                }
            )*
        }
    };
}

pub mod connections;
pub mod customers;
pub mod entitlements;
pub mod features;
pub mod invoices;
pub mod meters;
pub mod prices;
pub mod stores;
pub mod subscriptions;
pub mod usage;
pub mod webhooks;

#[cfg(any(test, feature = "mock"))]
pub use connections::MockConnections;
pub use connections::{Connections, ConnectionsExt};
#[cfg(any(test, feature = "mock"))]
pub use customers::MockCustomers;
pub use customers::{Customers, CustomersExt};
pub use entitlements::Entitlements;
#[cfg(any(test, feature = "mock"))]
pub use entitlements::MockEntitlements;
#[cfg(any(test, feature = "mock"))]
pub use features::MockFeatures;
pub use features::{Features, FeaturesExt};
#[cfg(any(test, feature = "mock"))]
pub use invoices::MockInvoices;
pub use invoices::{Invoices, InvoicesExt};
#[cfg(any(test, feature = "mock"))]
pub use meters::MockMeters;
pub use meters::{Meters, MetersExt};
#[cfg(any(test, feature = "mock"))]
pub use prices::MockPrices;
pub use prices::{Prices, PricesExt};
#[cfg(any(test, feature = "mock"))]
pub use stores::MockStores;
pub use stores::{Stores, StoresExt, WaitOptions};
#[cfg(any(test, feature = "mock"))]
pub use subscriptions::MockSubscriptions;
pub use subscriptions::{Subscriptions, SubscriptionsExt};
#[cfg(any(test, feature = "mock"))]
pub use usage::MockUsage;
pub use usage::{Usage, UsageExt};
#[cfg(any(test, feature = "mock"))]
pub use webhooks::MockWebhooks;
pub use webhooks::Webhooks;

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
