//! Zod-like field validation: `z.coerce.number()` semantics computed exactly on decimal text (no floats).

use serde_json::{Map, Value, json};

use super::errors::{
    Path, invalid_type, invalid_union, invalid_value, received, too_big, too_small,
};

/// `Number.MAX_SAFE_INTEGER`: zod 4's `.int()` rejects anything beyond it with `too_big`.
pub(crate) const MAX_SAFE_INTEGER: i128 = 9_007_199_254_740_991;

/// What JavaScript's `Number(x)` makes of a value, as far as integer checks care.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum JsNum {
    /// An integer (exact).
    Int(i128),
    /// A finite number with a fractional part.
    Fraction,
    /// `NaN`.
    NaN,
    /// Beyond ±10^30 (or ±Infinity): certainly outside any range checked here.
    Huge { negative: bool },
}

/// `Number(v)` for a JSON value (`undefined` when absent).
pub(crate) fn to_number(v: Option<&Value>) -> JsNum {
    match v {
        None | Some(Value::Object(_)) | Some(Value::Array(_)) => JsNum::NaN,
        Some(Value::Null) => JsNum::Int(0),
        Some(Value::Bool(b)) => JsNum::Int(i128::from(*b)),
        Some(Value::Number(n)) => parse_js_numeric(&n.to_string()),
        Some(Value::String(s)) => parse_js_numeric(s),
    }
}

/// `Number(string)`: trims, `""` is 0, decimal with optional fraction and exponent, `0x`/`0o`/`0b`, `Infinity`.
pub(crate) fn parse_js_numeric(text: &str) -> JsNum {
    let s = text.trim();
    if s.is_empty() {
        return JsNum::Int(0);
    }
    for (prefix, radix) in [
        ("0x", 16),
        ("0X", 16),
        ("0o", 8),
        ("0O", 8),
        ("0b", 2),
        ("0B", 2),
    ] {
        if let Some(digits) = s.strip_prefix(prefix) {
            if digits.is_empty() || !digits.chars().all(|c| c.is_digit(radix)) {
                return JsNum::NaN;
            }
            return match i128::from_str_radix(digits, radix) {
                Ok(n) if n <= 10_i128.pow(30) => JsNum::Int(n),
                _ => JsNum::Huge { negative: false },
            };
        }
    }
    let (negative, unsigned) = match s.as_bytes()[0] {
        b'-' => (true, &s[1..]),
        b'+' => (false, &s[1..]),
        _ => (false, s),
    };
    if unsigned == "Infinity" {
        return JsNum::Huge { negative };
    }
    let (mantissa, exponent) = match unsigned.find(['e', 'E']) {
        Some(i) => (&unsigned[..i], Some(&unsigned[i + 1..])),
        None => (unsigned, None),
    };
    let (int_part, frac_part) = match mantissa.find('.') {
        Some(i) => (&mantissa[..i], &mantissa[i + 1..]),
        None => (mantissa, ""),
    };
    let digits_ok = |d: &str| d.bytes().all(|b| b.is_ascii_digit());
    if (int_part.is_empty() && frac_part.is_empty())
        || !digits_ok(int_part)
        || !digits_ok(frac_part)
    {
        return JsNum::NaN;
    }
    let mut exp: i64 = match exponent {
        None => 0,
        Some(e) => {
            let (eneg, edigits) = match e.as_bytes().first() {
                Some(b'-') => (true, &e[1..]),
                Some(b'+') => (false, &e[1..]),
                _ => (false, e),
            };
            if edigits.is_empty() || !digits_ok(edigits) {
                return JsNum::NaN;
            }
            let magnitude: i64 = edigits.parse().unwrap_or(i64::MAX / 2);
            if eneg { -magnitude } else { magnitude }
        }
    };
    let all: String = format!("{int_part}{frac_part}");
    let significant = all.trim_start_matches('0');
    if significant.is_empty() {
        return JsNum::Int(0);
    }
    exp -= i64::try_from(frac_part.len()).unwrap_or(i64::MAX / 2);
    let trimmed = significant.trim_end_matches('0');
    exp += i64::try_from(significant.len() - trimmed.len()).unwrap_or(0);
    if exp < 0 {
        return JsNum::Fraction;
    }
    let width = i64::try_from(trimmed.len()).unwrap_or(i64::MAX / 2);
    if width.saturating_add(exp) > 30 {
        return JsNum::Huge { negative };
    }
    let mut value: i128 = trimmed.parse().unwrap_or(0);
    for _ in 0..exp {
        value *= 10;
    }
    JsNum::Int(if negative { -value } else { value })
}

/// `z.coerce.number().int()` followed by a lower bound (`positive()` = `> 0`, or `min(n)` = `>= n`) and an
/// optional upper bound: the single issue zod would report first, with the given path.
pub(crate) fn coerced_int(
    v: Option<&Value>,
    path: Path<'_>,
    min: i64,
    inclusive_min: bool,
    max: Option<i64>,
) -> Result<i128, Value> {
    let too_low = |n: i128| {
        if inclusive_min {
            n < i128::from(min)
        } else {
            n <= i128::from(min)
        }
    };
    let max = max.map_or(MAX_SAFE_INTEGER, i128::from);
    match to_number(v) {
        JsNum::NaN => Err(invalid_type(path, "number", "NaN")),
        JsNum::Fraction => Err(invalid_type(path, "int", "number")),
        JsNum::Huge { negative: true } => Err(too_small(path, min, inclusive_min)),
        JsNum::Huge { negative: false } => {
            Err(too_big(path, i64::try_from(max).unwrap_or(i64::MAX)))
        }
        JsNum::Int(n) if too_low(n) => Err(too_small(path, min, inclusive_min)),
        JsNum::Int(n) if n > max => Err(too_big(path, i64::try_from(max).unwrap_or(i64::MAX))),
        JsNum::Int(n) => Ok(n),
    }
}

/// Validates the fields of one object, collecting zod issues with paths under `parent`.
pub(crate) struct Fields<'a> {
    obj: &'a Map<String, Value>,
    parent: &'a str,
    /// Issues found so far.
    pub issues: Vec<Value>,
}

impl<'a> Fields<'a> {
    pub fn new(obj: &'a Map<String, Value>, parent: &'a str) -> Self {
        Self {
            obj,
            parent,
            issues: Vec::new(),
        }
    }

    /// Whether the key is present (even as `null`).
    pub fn has(&self, key: &str) -> bool {
        self.obj.contains_key(key)
    }

    fn fail(&mut self, issue: Value) {
        self.issues.push(issue);
    }

    /// `z.string()`, required.
    pub fn string(&mut self, key: &str) -> Option<String> {
        match self.obj.get(key) {
            Some(Value::String(s)) => Some(s.clone()),
            other => {
                let issue = invalid_type(&[self.parent, key], "string", received(other));
                self.fail(issue);
                None
            }
        }
    }

    /// `z.string().nullable().optional()`: `None` when absent, `Some(None)` for `null`.
    pub fn nullable_string(&mut self, key: &str) -> Option<Option<String>> {
        match self.obj.get(key) {
            None => None,
            Some(Value::Null) => Some(None),
            Some(Value::String(s)) => Some(Some(s.clone())),
            other => {
                let issue = invalid_type(&[self.parent, key], "string", received(other));
                self.fail(issue);
                None
            }
        }
    }

    /// `z.string().optional()` (present `null` rejected).
    pub fn optional_string(&mut self, key: &str) -> Option<String> {
        match self.obj.get(key) {
            None => None,
            Some(Value::String(s)) => Some(s.clone()),
            other => {
                let issue = invalid_type(&[self.parent, key], "string", received(other));
                self.fail(issue);
                None
            }
        }
    }

    /// `z.boolean()`, required.
    pub fn boolean(&mut self, key: &str) -> Option<bool> {
        match self.obj.get(key) {
            Some(Value::Bool(b)) => Some(*b),
            other => {
                let issue = invalid_type(&[self.parent, key], "boolean", received(other));
                self.fail(issue);
                None
            }
        }
    }

    /// `z.boolean().optional()`.
    pub fn optional_boolean(&mut self, key: &str) -> Option<bool> {
        if self.has(key) {
            self.boolean(key)
        } else {
            None
        }
    }

    /// `z.null().optional()`: only an absent key or JSON `null` pass (the string `"null"` does not).
    pub fn null_or_absent(&mut self, key: &str) {
        match self.obj.get(key) {
            None | Some(Value::Null) => {}
            other => {
                let issue = invalid_type(&[self.parent, key], "null", received(other));
                self.fail(issue);
            }
        }
    }

    /// `z.enum(values)`, required.
    pub fn one_of(&mut self, key: &str, values: &[&str]) -> Option<String> {
        match self.obj.get(key) {
            Some(Value::String(s)) if values.contains(&s.as_str()) => Some(s.clone()),
            _ => {
                let listed: Vec<String> = values.iter().map(|v| format!("\"{v}\"")).collect();
                let issue = invalid_value(
                    &[self.parent, key],
                    json!(values),
                    format!("Invalid option: expected one of {}", listed.join("|")),
                );
                self.fail(issue);
                None
            }
        }
    }

    /// `z.coerce.number().int().positive()`, required.
    pub fn positive_int(&mut self, key: &str) -> Option<i128> {
        match coerced_int(self.obj.get(key), &[self.parent, key], 0, false, None) {
            Ok(n) => Some(n),
            Err(issue) => {
                self.fail(issue);
                None
            }
        }
    }

    /// `z.union([z.coerce.number().int().positive(), z.literal(0)])`, required (`unitPrice`).
    pub fn amount(&mut self, key: &str) -> Option<i128> {
        let v = self.obj.get(key);
        let first = coerced_int(v, &[], 0, false, None);
        if let Ok(n) = first {
            return Some(n);
        }
        let zero_number = matches!(v, Some(Value::Number(n)) if parse_js_numeric(&n.to_string()) == JsNum::Int(0));
        if zero_number {
            return Some(0);
        }
        let zero = invalid_value(&[], json!([0]), "Invalid input: expected 0".into());
        let branches = vec![first.err().into_iter().collect(), vec![zero]];
        let issue = invalid_union(&[self.parent, key], branches);
        self.fail(issue);
        None
    }

    /// The amount union, nullable and optional (`trialPeriodDays`).
    pub fn nullable_amount(&mut self, key: &str) -> Option<i128> {
        match self.obj.get(key) {
            None | Some(Value::Null) => None,
            Some(_) => self.amount(key),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn js_number_coercion_is_exact() {
        assert_eq!(parse_js_numeric("1999"), JsNum::Int(1999));
        assert_eq!(parse_js_numeric(" 12 "), JsNum::Int(12));
        assert_eq!(parse_js_numeric(""), JsNum::Int(0));
        assert_eq!(parse_js_numeric("19.99"), JsNum::Fraction);
        assert_eq!(parse_js_numeric("19.00"), JsNum::Int(19));
        assert_eq!(parse_js_numeric("1.5e1"), JsNum::Int(15));
        assert_eq!(parse_js_numeric("1e22"), JsNum::Int(10_i128.pow(22)));
        assert_eq!(parse_js_numeric("1e400"), JsNum::Huge { negative: false });
        assert_eq!(parse_js_numeric("-5"), JsNum::Int(-5));
        assert_eq!(parse_js_numeric("-0.0"), JsNum::Int(0));
        assert_eq!(parse_js_numeric("0x10"), JsNum::Int(16));
        assert_eq!(parse_js_numeric("abc"), JsNum::NaN);
        assert_eq!(parse_js_numeric("1.2.3"), JsNum::NaN);
        assert_eq!(parse_js_numeric("."), JsNum::NaN);
        assert_eq!(
            parse_js_numeric("-Infinity"),
            JsNum::Huge { negative: true }
        );
        assert_eq!(to_number(Some(&json!(true))), JsNum::Int(1));
        assert_eq!(to_number(None), JsNum::NaN);
    }

    #[test]
    fn amount_union_accepts_zero_literal_only_as_a_number() {
        let obj = json!({"a": 0, "b": "0", "c": "42", "d": -1, "e": 2.5});
        let Value::Object(map) = obj else {
            unreachable!("literal object")
        };
        let mut f = Fields::new(&map, "price");
        assert_eq!(f.amount("a"), Some(0));
        assert_eq!(f.amount("b"), None);
        assert_eq!(f.amount("c"), Some(42));
        assert_eq!(f.amount("d"), None);
        assert_eq!(f.amount("e"), None);
        assert_eq!(f.issues.len(), 3);
    }
}
