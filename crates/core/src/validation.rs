//! Input checks shared by every neutral input: lengths in characters, email, country code, time zone.
//!
//! A [`Checks`] collects every broken rule of one input, so the caller learns all of them at once, each naming
//! its field; [`Checks::finish`] turns them into one `InvalidInput` error.

use std::sync::LazyLock;

use crate::error::{Error, FieldError, Result};

/// The longest key [`Checks::slug`] accepts.
pub const SLUG_MAX: usize = 64;

/// Collects the broken rules of one input.
///
/// ```
/// use unibill_core::validation::Checks;
///
/// let mut checks = Checks::new();
/// checks.length("name", "", 1, 255);
/// checks.email("email", "not-an-email");
/// let err = checks.finish().unwrap_err();
/// assert_eq!(err.field_errors().len(), 2);
/// ```
#[derive(Debug, Default)]
pub struct Checks {
    errors: Vec<FieldError>,
}

impl Checks {
    /// No broken rules yet.
    pub fn new() -> Self {
        Checks::default()
    }

    /// Records a broken rule.
    pub fn fail(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }

    /// `value` has `min..=max` characters (Unicode scalar values, as the providers count).
    pub fn length(&mut self, field: &str, value: &str, min: usize, max: usize) -> bool {
        // A character is one to four bytes: a value of at most `max` bytes has at most `max` characters, and
        // one of `4 × min` bytes or more has at least `min`. Such a value needs no counting (the common case,
        // on every create).
        if value.len() <= max && value.len().div_ceil(4) >= min {
            return true;
        }
        let n = value.chars().count();
        if n < min {
            if min == 1 {
                self.fail(field, "must not be empty");
            } else {
                self.fail(
                    field,
                    format!("must be at least {min} characters (got {n})"),
                );
            }
            false
        } else if n > max {
            self.fail(field, format!("must be at most {max} characters (got {n})"));
            false
        } else {
            true
        }
    }

    /// `value` is a valid email address.
    pub fn email(&mut self, field: &str, value: &str) -> bool {
        if self.length(field, value, 3, 254)
            && (is_plain_email(value) || email_address::EmailAddress::is_valid(value))
            && !value.contains(' ')
        {
            true
        } else {
            if self.errors.last().is_none_or(|e| e.field != field) {
                self.fail(field, format!("`{value}` is not a valid email address"));
            }
            false
        }
    }

    /// `value` is an ISO 3166-1 alpha-2 country code in upper case (`US`, `DE`).
    pub fn country(&mut self, field: &str, value: &str) -> bool {
        if is_alpha2_country(value) {
            true
        } else {
            self.fail(
                field,
                format!(
                    "`{value}` is not an ISO 3166-1 alpha-2 country code in upper case (e.g. `US`)"
                ),
            );
            false
        }
    }

    /// `value` is an IANA time zone name (`Europe/Berlin`, `UTC`).
    pub fn time_zone(&mut self, field: &str, value: &str) -> bool {
        if value != "Local" && !value.is_empty() && jiff::tz::TimeZone::get(value).is_ok() {
            true
        } else {
            self.fail(field, format!("`{value}` is not an IANA time zone name"));
            false
        }
    }

    /// `value` matches: a prefix followed by one or more characters allowed by `allowed`.
    pub fn pattern(
        &mut self,
        field: &str,
        value: &str,
        prefix: &str,
        allowed: impl Fn(char) -> bool,
        describe: &str,
    ) -> bool {
        let ok = value
            .strip_prefix(prefix)
            .is_some_and(|rest| !rest.is_empty() && rest.chars().all(&allowed));
        if !ok {
            self.fail(field, format!("`{value}` does not match {describe}"));
        }
        ok
    }

    /// `value` is a natural key of the lifecycle resources (a meter's or feature's key): 1..=64 ASCII letters,
    /// digits, `_`, `-` and `.`, starting with a letter or digit (`api_calls`, `sso`, `storage.gb`). Such a
    /// key is a valid Flexprice `event_name`/`lookup_key` and a valid Flowglad `slug`.
    pub fn slug(&mut self, field: &str, value: &str) -> bool {
        if !self.length(field, value, 1, SLUG_MAX) {
            return false;
        }
        let ok = value.starts_with(|c: char| c.is_ascii_alphanumeric())
            && value
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'));
        if !ok {
            self.fail(
                field,
                format!(
                    "`{value}` is not a key: use ASCII letters, digits, `_`, `-` and `.`, starting with a letter or digit"
                ),
            );
        }
        ok
    }

    /// Whether no rule is broken so far.
    pub fn is_ok(&self) -> bool {
        self.errors.is_empty()
    }

    /// Adds the errors of a nested check under a prefix (`address.` + `country`).
    pub fn nested(&mut self, prefix: &str, err: Error) {
        for e in err.field_errors() {
            self.fail(format!("{prefix}.{}", e.field), e.message.clone());
        }
    }

    /// The collected errors as one `InvalidInput`, or `Ok` if none.
    pub fn finish(self) -> Result<()> {
        if self.errors.is_empty() {
            Ok(())
        } else {
            Err(Error::invalid_fields(self.errors))
        }
    }

    /// Mutable access to the collected errors (for checks defined elsewhere).
    pub fn errors_mut(&mut self) -> &mut Vec<FieldError> {
        &mut self.errors
    }
}

/// Whether `value` is an address of the everyday shape: `local@domain` in ASCII, the local part dot-separated
/// atoms of RFC 5322 `atext` (≤ 64 bytes), the domain dot-separated labels of letters, digits and inner `-`
/// (each ≤ 63 bytes). Every such address is one `email_address` accepts, so this is a fast path in front of
/// it (no allocation, one pass); anything else is left to the full parser.
fn is_plain_email(value: &str) -> bool {
    let Some((local, domain)) = value.split_once('@') else {
        return false;
    };
    let atext = |b: u8| {
        b.is_ascii_alphanumeric()
            || matches!(
                b,
                b'!' | b'#'
                    | b'$'
                    | b'%'
                    | b'&'
                    | b'\''
                    | b'*'
                    | b'+'
                    | b'-'
                    | b'/'
                    | b'='
                    | b'?'
                    | b'^'
                    | b'_'
                    | b'`'
                    | b'{'
                    | b'|'
                    | b'}'
                    | b'~'
            )
    };
    let label = |l: &[u8]| match l {
        [first, .., last] => {
            l.len() <= 63
                && first.is_ascii_alphanumeric()
                && last.is_ascii_alphanumeric()
                && l.iter().all(|&b| b.is_ascii_alphanumeric() || b == b'-')
        }
        [only] => only.is_ascii_alphanumeric(),
        [] => false,
    };
    (1..=64).contains(&local.len())
        && local
            .as_bytes()
            .split(|&b| b == b'.')
            .all(|atom| !atom.is_empty() && atom.iter().all(|&b| atext(b)))
        && domain.len() <= 254
        && domain.as_bytes().split(|&b| b == b'.').all(label)
}

/// Whether `value` is an assigned ISO 3166-1 alpha-2 code in upper case. The codes are a 26 × 26 bit table built
/// once from `isocountry`'s list: a lookup is one array read instead of a scan of ~250 names.
fn is_alpha2_country(value: &str) -> bool {
    static CODES: LazyLock<[u32; 26]> = LazyLock::new(|| {
        let mut table = [0u32; 26];
        for code in isocountry::CountryCode::iter() {
            if let [first @ b'A'..=b'Z', second @ b'A'..=b'Z'] = code.alpha2().as_bytes() {
                table[usize::from(first - b'A')] |= 1 << (second - b'A');
            }
        }
        table
    });
    match value.as_bytes() {
        [first @ b'A'..=b'Z', second @ b'A'..=b'Z'] => {
            CODES[usize::from(first - b'A')] & (1 << (second - b'A')) != 0
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugs() {
        let mut c = Checks::new();
        for good in ["api_calls", "sso", "storage.gb", "A-1", &"k".repeat(64)] {
            assert!(c.slug("key", good), "{good}");
        }
        assert!(c.is_ok());
        for bad in ["", "_x", "-x", "a b", "é", "a/b", &"k".repeat(65)] {
            let mut c = Checks::new();
            assert!(!c.slug("key", bad), "{bad}");
            assert_eq!(c.finish().unwrap_err().field_errors().len(), 1, "{bad}");
        }
    }

    #[test]
    fn countries() {
        let mut c = Checks::new();
        assert!(c.country("country", "US"));
        assert!(c.country("country", "DE"));
        assert!(!c.country("country", "us"));
        assert!(!c.country("country", "XX"));
        assert!(!c.country("country", "USA"));
        assert!(!c.country("country", ""));
    }

    #[test]
    fn time_zones() {
        let mut c = Checks::new();
        assert!(c.time_zone("tz", "UTC"));
        assert!(c.time_zone("tz", "Europe/Berlin"));
        assert!(c.time_zone("tz", "America/Argentina/Buenos_Aires"));
        assert!(!c.time_zone("tz", "Local"));
        assert!(!c.time_zone("tz", "Mars/Olympus"));
        assert!(!c.time_zone("tz", ""));
    }

    #[test]
    fn emails() {
        let mut c = Checks::new();
        assert!(c.email("email", "ada@example.com"));
        assert!(c.email("email", "a.b+c@sub.example.co.uk"));
        assert!(!c.email("email", "ada"));
        assert!(!c.email("email", "ada@"));
        assert!(!c.email("email", "@example.com"));
        assert!(!c.email("email", "a da@example.com"));
        assert!(!c.email("email", ""));
    }

    #[test]
    fn the_email_fast_path_accepts_only_what_the_full_parser_accepts() {
        for good in [
            "ada@example.com",
            "a.b+c@sub.example.co.uk",
            "x@y",
            "o'neil@a-b.c0",
            "1@2.3",
        ] {
            assert!(is_plain_email(good), "{good}");
            assert!(email_address::EmailAddress::is_valid(good), "{good}");
        }
        // Left to the full parser (which may still accept some of them).
        for other in [
            "",
            "ada",
            "ada@",
            "@example.com",
            "a..b@example.com",
            ".a@example.com",
            "a.@example.com",
            "a@-example.com",
            "a@example-.com",
            "a@example..com",
            "a@example.com.",
            "a@b@c",
            "\"q\"@example.com",
            "ada@[127.0.0.1]",
            "Ada <ada@example.com>",
            "é@example.com",
            "a da@example.com",
        ] {
            assert!(!is_plain_email(other), "{other}");
        }
        assert!(!is_plain_email(&format!("{}@example.com", "a".repeat(65))));
        assert!(!is_plain_email(&format!("a@{}.com", "b".repeat(64))));
    }

    proptest::proptest! {
        /// Whatever the fast path accepts, `email_address` accepts too: the fast path never widens the rule.
        #[test]
        fn the_email_fast_path_is_a_subset_of_the_full_parser(
            value in "[a-zA-Z0-9.@!#$%&'*+/=?^_`{|}~ \\-]{0,12}(@[a-z0-9.-]{0,70})?"
        ) {
            if is_plain_email(&value) {
                proptest::prop_assert!(email_address::EmailAddress::is_valid(&value), "{}", value);
            }
        }

        /// Addresses of the everyday shape take the fast path, and the full parser agrees they are valid.
        #[test]
        fn everyday_addresses_take_the_fast_path(
            value in "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,10}(\\.[a-z0-9+_-]{1,5}){0,3}@[a-z0-9]([a-z0-9-]{0,5}[a-z0-9])?(\\.[a-z0-9]([a-z0-9-]{0,5}[a-z0-9])?){0,3}"
        ) {
            proptest::prop_assert!(is_plain_email(&value), "{}", value);
            proptest::prop_assert!(email_address::EmailAddress::is_valid(&value), "{}", value);
        }
    }

    #[test]
    fn lengths_count_characters_not_bytes() {
        let mut c = Checks::new();
        assert!(c.length("name", &"é".repeat(255), 1, 255));
        assert!(!c.length("name", &"é".repeat(256), 1, 255));
        assert!(!c.is_ok());
    }

    #[test]
    fn the_country_table_agrees_with_isocountry_on_every_two_letter_string() {
        for a in b'A'..=b'Z' {
            for b in b'A'..=b'Z' {
                let code = String::from_utf8(vec![a, b]).unwrap();
                let known = isocountry::CountryCode::for_alpha2(&code).is_ok();
                assert_eq!(is_alpha2_country(&code), known, "{code}");
            }
        }
        assert!(is_alpha2_country("US") && is_alpha2_country("DE"));
        for bad in ["us", "Us", "USA", "U", "", "ÜS", "U1"] {
            assert!(!is_alpha2_country(bad), "{bad}");
        }
    }
}
