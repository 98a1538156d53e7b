//! Typed ids: newtypes over the provider's own id strings, so a price id cannot be passed where a customer id
//! is expected.

macro_rules! typed_id {
    ($(#[$doc:meta])* $name:ident) => {
        $(#[$doc])*
        #[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a provider id.
            pub fn new(id: impl Into<String>) -> Self {
                $name(id.into())
            }

            /// The id as the provider spells it.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// The inner string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(&self.0)
            }
        }

        impl std::fmt::Debug for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                write!(f, concat!(stringify!($name), "({:?})"), self.0)
            }
        }

        impl From<String> for $name {
            fn from(id: String) -> Self {
                $name(id)
            }
        }

        impl From<&str> for $name {
            fn from(id: &str) -> Self {
                $name(id.to_owned())
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }
    };
}

typed_id!(
    /// A customer's id: the handle the provider uses for get/update/delete (for Flowglad, the external id).
    ///
    /// ```
    /// use unibill_core::CustomerId;
    /// let id = CustomerId::new("cust_123");
    /// assert_eq!(id.as_str(), "cust_123");
    /// ```
    CustomerId
);

typed_id!(
    /// A price's id: the provider's handle for get/update/archive.
    PriceId
);

typed_id!(
    /// An integration connection's id (`conn_…` on Flexprice).
    ConnectionId
);

typed_id!(
    /// A provisioned store's id (Vercel's own store id, `store_…`).
    StoreId
);

typed_id!(
    /// A billing plan's id (`bp_…` on Vercel).
    BillingPlanId
);

typed_id!(
    /// An integration configuration's (installation's) id (`icfg_…` on Vercel).
    IntegrationConfigurationId
);

typed_id!(
    /// A product's id: what prices hang off and features are granted to (a Flexprice plan, a Flowglad
    /// product, a memory product); the typed form of [`Price::product_id`](crate::Price::product_id).
    ProductId
);

typed_id!(
    /// A meter's id, where the provider gives meters one (its natural key is [`Meter::key`](crate::Meter::key)).
    MeterId
);

typed_id!(
    /// A feature's id, where the provider gives features one (its natural key is
    /// [`Feature::key`](crate::Feature::key)).
    FeatureId
);

typed_id!(
    /// A subscription's id: the provider's handle for get/cancel/uncancel/change_price.
    SubscriptionId
);

typed_id!(
    /// An invoice's id: the provider's handle for get/finalize/void.
    InvoiceId
);

/// A read model that names itself by its provider id: what the executor reads off the holder of a natural key
/// to put in an `AlreadyExists` (see [`Error::existing_id`](crate::Error::existing_id)).
///
/// ```
/// use unibill_core::{Customer, CustomerId, Identified};
///
/// fn holder<T: Identified>(resource: &T) -> Option<&str> {
///     resource.resource_id()
/// }
/// # let _ = holder::<Customer>;
/// ```
pub trait Identified {
    /// The provider's id of this resource; `None` when the provider's answer carried none.
    fn resource_id(&self) -> Option<&str>;
}

impl Identified for crate::Customer {
    fn resource_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}

impl Identified for crate::Price {
    fn resource_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}

impl Identified for crate::Connection {
    fn resource_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}

impl Identified for crate::Store {
    fn resource_id(&self) -> Option<&str> {
        self.id.as_ref().map(StoreId::as_str)
    }
}

impl Identified for crate::Meter {
    fn resource_id(&self) -> Option<&str> {
        self.id.as_ref().map(MeterId::as_str)
    }
}

impl Identified for crate::Feature {
    fn resource_id(&self) -> Option<&str> {
        self.id.as_ref().map(FeatureId::as_str)
    }
}

impl Identified for crate::Subscription {
    fn resource_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}

impl Identified for crate::Invoice {
    fn resource_id(&self) -> Option<&str> {
        Some(self.id.as_str())
    }
}
