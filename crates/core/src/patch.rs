//! [`Patch`]: keep, clear or set one field of an update.

/// One field of an update: leave it as it is, clear it, or set it.
///
/// ```
/// use unibill_core::Patch;
///
/// let email: Patch<String> = Patch::Set("ada@example.com".into());
/// assert!(email.is_set());
/// assert_eq!(Patch::<String>::default(), Patch::Keep);
/// assert_eq!(Patch::from(Some(3)), Patch::Set(3));
/// assert_eq!(Patch::<u8>::from(None), Patch::Clear);
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub enum Patch<T> {
    /// Leave the field unchanged.
    #[default]
    Keep,
    /// Remove the field's value.
    Clear,
    /// Set the field to this value.
    Set(T),
}

impl<T> Patch<T> {
    /// Whether the field is left unchanged.
    pub fn is_keep(&self) -> bool {
        matches!(self, Patch::Keep)
    }

    /// Whether the field is cleared.
    pub fn is_clear(&self) -> bool {
        matches!(self, Patch::Clear)
    }

    /// Whether the field is set to a value.
    pub fn is_set(&self) -> bool {
        matches!(self, Patch::Set(_))
    }

    /// A patch of references.
    pub fn as_ref(&self) -> Patch<&T> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(v),
        }
    }

    /// Maps the set value.
    pub fn map<U>(self, f: impl FnOnce(T) -> U) -> Patch<U> {
        match self {
            Patch::Keep => Patch::Keep,
            Patch::Clear => Patch::Clear,
            Patch::Set(v) => Patch::Set(f(v)),
        }
    }

    /// Applies the patch to a current optional value.
    pub fn apply_to(self, current: &mut Option<T>) {
        match self {
            Patch::Keep => {}
            Patch::Clear => *current = None,
            Patch::Set(v) => *current = Some(v),
        }
    }
}

impl<T> From<Option<T>> for Patch<T> {
    /// `Some(v)` sets, `None` clears.
    fn from(value: Option<T>) -> Self {
        match value {
            Some(v) => Patch::Set(v),
            None => Patch::Clear,
        }
    }
}
