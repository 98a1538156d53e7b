//! Removing a call's secret values from every text that can reach an [`Error`]: the [`Scrubber`].

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD_NO_PAD, URL_SAFE_NO_PAD};
use memchr::memmem;
use secrecy::{ExposeSecret, SecretString};
use unibill_core::Error;
use zeroize::Zeroizing;

/// What a secret is replaced with.
pub const REDACTED: &str = "[REDACTED]";

/// Secrets shorter than this many bytes are not scrubbed: they would match ordinary text everywhere (a one-byte
/// secret would redact that letter in every message), and a value that short is no secret (it falls to at most
/// 2^24 guesses).
pub const MIN_SECRET_LEN: usize = 4;

/// A base64 core shorter than this many characters is not looked for (it would match ordinary words).
const MIN_BASE64_CORE: usize = 4;

/// Layers of encoding undone on top of each other (e.g. percent-encoding inside a JSON string inside a JSON
/// string).
const MAX_DECODING_DEPTH: usize = 3;

/// Decoded views of one text at most (the first is the text itself).
const MAX_VIEWS: usize = 16;

/// Replaces every occurrence of every secret in `body`, in every encoding the [`Scrubber`] knows, with
/// [`REDACTED`].
///
/// When `truncated` is set (the body was cut at a size cap), a tail that is the beginning of a secret (in any of
/// those encodings, an escape sequence cut in half included) is cut too, so half a key never survives the cut.
///
/// ```
/// use secrecy::SecretString;
/// use unibill_http::scrub;
///
/// let key = SecretString::from("sk_test_123");
/// let body = br#"{"message":"bad key sk_\u0074est_123","auth":"Basic dTpza190ZXN0XzEyMw=="}"#;
/// let out = String::from_utf8(scrub(body, &[&key], false)).unwrap();
/// assert_eq!(out, r#"{"message":"bad key [REDACTED]","auth":"Basic dT[REDACTED]"}"#);
/// ```
pub fn scrub(body: &[u8], secrets: &[&SecretString], truncated: bool) -> Vec<u8> {
    Scrubber::new(secrets.iter().copied())
        .scrub_bytes(body, truncated)
        .into_owned()
}

/// The secrets of one call in every form the scrubber looks for, built once per failing call (never on a
/// success) and run over every text of the error that leaves it ([`Scrubber::scrub_error`]).
///
/// A provider may echo a secret in another form than the one sent: JSON-escaped (any character may be written
/// `\uXXXX`, in either case; Go's encoder writes `&`, `<`, `>` as `\u0026`, `\u003c`, `\u003e`),
/// percent-encoded (either case, `+` for a space), or in base64 (either alphabet, padded or not, alone or inside a
/// larger blob such as an HTTP Basic credential). The scrubber does not enumerate escaped forms (a JSON echo may
/// escape any subset of the characters): it *decodes* the text (JSON string escapes, Rust's `\u{…}`,
/// percent-encoding, and each of them after the other, up to three layers), looks for each secret in the text
/// and in every decoding, and redacts the stretch of the original text each match came from (whole escape
/// sequences). Base64 cannot be decoded without knowing where a blob starts, so there each secret's three
/// alignments inside a blob are enumerated instead, in both alphabets, and the characters that mix a secret's
/// bits with its neighbours' are redacted with it.
///
/// Secrets shorter than [`MIN_SECRET_LEN`] bytes are skipped.
///
/// The derived forms are secret material too: they are wiped from memory when the scrubber is dropped, and
/// `Debug` shows only how many there are.
///
/// ```
/// use secrecy::SecretString;
/// use unibill_core::{Error, ErrorKind};
/// use unibill_http::Scrubber;
///
/// let key = SecretString::from("sk_test_123");
/// let scrubber = Scrubber::new([&key]);
/// let err = Error::new(ErrorKind::Provider, "refused")
///     .with_provider_message(r#"key "sk_test_%31%32%33" refused"#)
///     .with_request_id("[request id sk_test_123]");
/// let err = scrubber.scrub_error(err);
/// assert_eq!(err.provider_message(), Some(r#"key "[REDACTED]" refused"#));
/// assert_eq!(err.request_id(), Some("[request id [REDACTED]]"));
/// ```
pub struct Scrubber {
    needles: Vec<Needle>,
}

/// One form of one secret.
struct Needle {
    bytes: Zeroizing<Vec<u8>>,
    /// For a base64 core: whether the character before it and the one after it mix the secret's bits with its
    /// neighbours' (they are redacted with the core).
    mixed: Option<(bool, bool)>,
}

impl Scrubber {
    /// A scrubber for `secrets` (empty ones and ones shorter than [`MIN_SECRET_LEN`] bytes are skipped).
    pub fn new<'a>(secrets: impl IntoIterator<Item = &'a SecretString>) -> Self {
        let mut needles: Vec<Needle> = Vec::new();
        let mut push = |bytes: Vec<u8>, mixed: Option<(bool, bool)>| {
            let bytes = Zeroizing::new(bytes);
            if !needles.iter().any(|n| n.bytes == bytes) {
                needles.push(Needle { bytes, mixed });
            }
        };
        for secret in secrets {
            let raw = secret.expose_secret().as_bytes();
            if raw.len() < MIN_SECRET_LEN {
                continue;
            }
            push(raw.to_vec(), None);
            for offset in 0..3 {
                for engine in [&STANDARD_NO_PAD, &URL_SAFE_NO_PAD] {
                    if let Some((core, mixed)) = base64_core(engine, raw, offset) {
                        push(core, Some(mixed));
                    }
                }
            }
        }
        Scrubber { needles }
    }

    /// Whether there is nothing to scrub (no secret long enough).
    pub fn is_empty(&self) -> bool {
        self.needles.is_empty()
    }

    /// `text` with every secret redacted ([`scrub`]); borrowed when it held none.
    pub fn scrub_bytes<'t>(&self, text: &'t [u8], truncated: bool) -> Cow<'t, [u8]> {
        if self.is_empty() {
            return Cow::Borrowed(text);
        }
        // A cut text may end inside an escape sequence (`sk_\u00`): that tail is part of nothing readable.
        let end = if truncated {
            text.len() - incomplete_escape(text)
        } else {
            text.len()
        };
        let text_in = &text[..end];
        let views = views(text_in);
        let mut ranges = Vec::new();
        let mut cut = end;
        for view in &views {
            for needle in &self.needles {
                for at in memmem::find_iter(&view.bytes, &needle.bytes[..]) {
                    let (start, stop) = needle.widen(&view.bytes, at);
                    ranges.push(view.source(start, stop));
                }
                if truncated && let Some(from) = partial_tail(&view.bytes, &needle.bytes) {
                    cut = cut.min(view.source(from, view.bytes.len()).0);
                }
            }
        }
        if ranges.is_empty() && cut == text.len() {
            return Cow::Borrowed(text);
        }
        ranges.sort_unstable();
        let mut out = Vec::with_capacity(cut + REDACTED.len());
        let mut at = 0;
        for (start, stop) in ranges {
            let (start, stop) = (start.max(at), stop.min(cut));
            if start >= stop {
                continue;
            }
            out.extend_from_slice(&text[at..start]);
            out.extend_from_slice(REDACTED.as_bytes());
            at = stop;
        }
        if at < cut {
            out.extend_from_slice(&text[at..cut]);
        }
        Cow::Owned(out)
    }

    /// `text` with every secret redacted, or `None` when it held none.
    pub fn scrub_str(&self, text: &str) -> Option<String> {
        match self.scrub_bytes(text.as_bytes(), false) {
            Cow::Borrowed(_) => None,
            // Redaction replaces whole matches of whole (UTF-8) secrets or ASCII encodings of them, and decoded
            // escapes map back to whole escape sequences, so this is valid UTF-8; lossy just in case.
            Cow::Owned(bytes) => Some(String::from_utf8_lossy(&bytes).into_owned()),
        }
    }

    /// `error` with every text it holds scrubbed ([`Error::rewrite_texts`]): message, provider code and message,
    /// request id, existing id, field errors, and the `Display` / `Debug` of its source chain.
    pub fn scrub_error(&self, error: Error) -> Error {
        if self.is_empty() {
            return error;
        }
        error.rewrite_texts(&|text| self.scrub_str(text))
    }
}

impl Needle {
    /// The stretch of `view` a match at `at` covers: the needle, and for a base64 core the mixed characters
    /// around it and any padding after it.
    fn widen(&self, view: &[u8], at: usize) -> (usize, usize) {
        let (mut start, mut stop) = (at, at + self.bytes.len());
        if let Some((lead, tail)) = self.mixed {
            if lead && start > 0 && is_base64(view[start - 1]) {
                start -= 1;
            }
            if tail && stop < view.len() && is_base64(view[stop]) {
                stop += 1;
            }
            while stop < view.len() && view[stop] == b'=' && stop < at + self.bytes.len() + 3 {
                stop += 1;
            }
        }
        (start, stop)
    }
}

impl fmt::Debug for Scrubber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Scrubber")
            .field("forms", &self.needles.len())
            .finish()
    }
}

/// The characters of base64(`offset` unknown bytes ++ `secret`) that depend on the secret's bits alone, and
/// whether a character before them (`offset > 0`) and after them mixes in a neighbour's bits.
fn base64_core(
    engine: &base64::engine::GeneralPurpose,
    secret: &[u8],
    offset: usize,
) -> Option<(Vec<u8>, (bool, bool))> {
    let mut input = Zeroizing::new(vec![0u8; offset]);
    input.extend_from_slice(secret);
    let encoded = Zeroizing::new(engine.encode(&*input));
    let bits = 8 * (offset + secret.len());
    let start = (8 * offset).div_ceil(6);
    let stop = bits / 6;
    let core = encoded.as_bytes().get(start..stop)?;
    (core.len() >= MIN_BASE64_CORE).then(|| (core.to_vec(), (offset > 0, !bits.is_multiple_of(6))))
}

fn is_base64(b: u8) -> bool {
    b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'-' | b'_')
}

/// Where in `view` a tail starts that is a proper, non-empty prefix of `needle`.
fn partial_tail(view: &[u8], needle: &[u8]) -> Option<usize> {
    (1..needle.len().min(view.len() + 1))
        .rev()
        .find(|&n| view.ends_with(&needle[..n]))
        .map(|n| view.len() - n)
}

/// The length of an escape sequence cut off at the end of `text` (`\`, `\u`, `\u0`…, `\u{7`…, `%`, `%4`).
fn incomplete_escape(text: &[u8]) -> usize {
    let n = text.len();
    if text.ends_with(b"%") {
        return 1;
    }
    if n >= 2 && text[n - 2] == b'%' && text[n - 1].is_ascii_hexdigit() {
        return 2;
    }
    // `\u` followed by 0–3 hex digits, or `\u{` followed by hex digits without the closing brace.
    let tail_hex = text
        .iter()
        .rev()
        .take_while(|b| b.is_ascii_hexdigit())
        .count();
    let before = &text[..n - tail_hex];
    if before.ends_with(b"\\u{") && tail_hex <= 6 {
        return tail_hex + 3;
    }
    for hex in (0..=tail_hex.min(3)).rev() {
        if text[..n - hex].ends_with(b"\\u") {
            return hex + 2;
        }
    }
    // A lone backslash (not itself escaped) at the very end.
    let backslashes = text.iter().rev().take_while(|b| **b == b'\\').count();
    usize::from(backslashes % 2 == 1)
}

/// One reading of the text: its bytes, and for each byte the stretch of the original text it came from.
struct View {
    bytes: Vec<u8>,
    /// `None` for the original text itself (each byte is its own stretch).
    spans: Option<Vec<(u32, u32)>>,
}

impl View {
    /// The stretch of the original text that `self.bytes[start..stop]` came from.
    fn source(&self, start: usize, stop: usize) -> (usize, usize) {
        match &self.spans {
            None => (start, stop),
            Some(spans) if start < stop => (spans[start].0 as usize, spans[stop - 1].1 as usize),
            Some(spans) => {
                let at = spans.get(start).map_or_else(
                    || spans.last().map_or(0, |s| s.1 as usize),
                    |s| s.0 as usize,
                );
                (at, at)
            }
        }
    }

    fn span(&self, i: usize) -> (u32, u32) {
        match &self.spans {
            None => (i as u32, i as u32 + 1),
            Some(spans) => spans[i],
        }
    }
}

#[derive(Clone, Copy)]
enum Decoding {
    /// JSON string escapes (`\uXXXX` in either case with surrogate pairs, `\n`, `\"`, `\/`, …), and Rust's
    /// `\u{…}` (how `Debug` of a string writes some characters).
    Json,
    /// `%XX` in either case; `+` as a space when set.
    Percent { plus_is_space: bool },
}

impl Decoding {
    const ALL: [Decoding; 3] = [
        Decoding::Json,
        Decoding::Percent {
            plus_is_space: true,
        },
        Decoding::Percent {
            plus_is_space: false,
        },
    ];

    /// Whether this decoding can change `bytes`.
    fn applies(self, bytes: &[u8]) -> bool {
        match self {
            Decoding::Json => memchr::memchr(b'\\', bytes).is_some(),
            Decoding::Percent { plus_is_space } => {
                let percent = memchr::memchr(b'%', bytes).is_some();
                let plus = memchr::memchr(b'+', bytes).is_some();
                // Without a `+` both percent decodings give the same view: only the first is made.
                if plus_is_space {
                    percent || plus
                } else {
                    percent && plus
                }
            }
        }
    }

    /// `view` decoded, or `None` when nothing in it decodes.
    fn decode(self, view: &View) -> Option<View> {
        let src = &view.bytes;
        let mut bytes = Vec::with_capacity(src.len());
        let mut spans = Vec::with_capacity(src.len());
        let mut changed = false;
        let mut i = 0;
        while i < src.len() {
            let (decoded, used) = match self {
                Decoding::Json => json_escape(src, i),
                Decoding::Percent { plus_is_space } => percent_escape(src, i, plus_is_space),
            }
            .unwrap_or_else(|| (Decoded::Byte(src[i]), 1));
            let span = (view.span(i).0, view.span(i + used - 1).1);
            changed |= used > 1 || !matches!(decoded, Decoded::Byte(b) if b == src[i]);
            match decoded {
                Decoded::Byte(b) => {
                    bytes.push(b);
                    spans.push(span);
                }
                Decoded::Char(c) => {
                    for b in c.encode_utf8(&mut [0; 4]).bytes() {
                        bytes.push(b);
                        spans.push(span);
                    }
                }
            }
            i += used;
        }
        changed.then_some(View {
            bytes,
            spans: Some(spans),
        })
    }
}

enum Decoded {
    Byte(u8),
    Char(char),
}

/// The JSON (or Rust `\u{…}`) escape at `src[i]`, with the bytes it uses.
fn json_escape(src: &[u8], i: usize) -> Option<(Decoded, usize)> {
    if src[i] != b'\\' {
        return None;
    }
    let simple = match *src.get(i + 1)? {
        b'"' => b'"',
        b'\\' => b'\\',
        b'/' => b'/',
        b'\'' => b'\'',
        b'b' => 8,
        b'f' => 12,
        b'n' => b'\n',
        b'r' => b'\r',
        b't' => b'\t',
        b'0' => 0,
        b'u' => return unicode_escape(src, i),
        _ => return None,
    };
    Some((Decoded::Byte(simple), 2))
}

/// `\uXXXX` (a surrogate pair as two of them), or `\u{X…}`, at `src[i]`.
fn unicode_escape(src: &[u8], i: usize) -> Option<(Decoded, usize)> {
    if src.get(i + 2) == Some(&b'{') {
        let digits = src[i + 3..]
            .iter()
            .take(7)
            .take_while(|b| b.is_ascii_hexdigit())
            .count();
        if (1..=6).contains(&digits) && src.get(i + 3 + digits) == Some(&b'}') {
            let c = char::from_u32(hex(&src[i + 3..i + 3 + digits])?)?;
            return Some((Decoded::Char(c), digits + 4));
        }
        return None;
    }
    let hi = hex4(src, i + 2)?;
    if (0xD800..0xDC00).contains(&hi) {
        if src.get(i + 6..i + 8) == Some(b"\\u")
            && let Some(lo) = hex4(src, i + 8).filter(|lo| (0xDC00..0xE000).contains(lo))
        {
            let c = char::from_u32(0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00))?;
            return Some((Decoded::Char(c), 12));
        }
        return None;
    }
    Some((Decoded::Char(char::from_u32(hi)?), 6))
}

fn hex4(src: &[u8], at: usize) -> Option<u32> {
    let digits = src.get(at..at + 4)?;
    digits
        .iter()
        .all(u8::is_ascii_hexdigit)
        .then(|| hex(digits))?
}

fn hex(digits: &[u8]) -> Option<u32> {
    u32::from_str_radix(std::str::from_utf8(digits).ok()?, 16).ok()
}

/// `%XX` (or `+`) at `src[i]`.
fn percent_escape(src: &[u8], i: usize, plus_is_space: bool) -> Option<(Decoded, usize)> {
    match src[i] {
        b'%' => {
            let digits = src.get(i + 1..i + 3)?;
            let b = digits
                .iter()
                .all(u8::is_ascii_hexdigit)
                .then(|| hex(digits))??;
            Some((Decoded::Byte(b as u8), 3))
        }
        b'+' if plus_is_space => Some((Decoded::Byte(b' '), 1)),
        _ => None,
    }
}

/// The text, then every decoding of it and of its decodings, up to [`MAX_DECODING_DEPTH`] layers and
/// [`MAX_VIEWS`] views, each different from the others.
fn views(text: &[u8]) -> Vec<View> {
    let mut views = vec![View {
        bytes: text.to_vec(),
        spans: None,
    }];
    let mut layer = 0..1;
    for _ in 0..MAX_DECODING_DEPTH {
        let next_start = views.len();
        for v in layer.clone() {
            for decoding in Decoding::ALL {
                if views.len() >= MAX_VIEWS {
                    return views;
                }
                if !decoding.applies(&views[v].bytes) {
                    continue;
                }
                if let Some(decoded) = decoding.decode(&views[v])
                    && !views.iter().any(|seen| seen.bytes == decoded.bytes)
                {
                    views.push(decoded);
                }
            }
        }
        layer = next_start..views.len();
        if layer.is_empty() {
            break;
        }
    }
    views
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run(text: &str, secrets: &[&str], truncated: bool) -> String {
        let secrets: Vec<SecretString> = secrets.iter().map(|s| SecretString::from(*s)).collect();
        let refs: Vec<&SecretString> = secrets.iter().collect();
        String::from_utf8(scrub(text.as_bytes(), &refs, truncated)).unwrap()
    }

    #[test]
    fn replaces_every_secret() {
        let out = run(
            r#"{"key":"sk_live_123","url":"postgres://u:p@h/db","again":"sk_live_123"}"#,
            &["sk_live_123", "postgres://u:p@h/db"],
            false,
        );
        assert_eq!(
            out,
            r#"{"key":"[REDACTED]","url":"[REDACTED]","again":"[REDACTED]"}"#
        );
    }

    #[test]
    fn a_cut_secret_is_cut_entirely() {
        assert_eq!(run("prefix sk_live_1", &["sk_live_123"], true), "prefix ");
        assert_eq!(
            run("prefix sk_live_1", &["sk_live_123"], false),
            "prefix sk_live_1"
        );
    }

    #[test]
    fn empty_and_short_secrets_are_ignored() {
        assert_eq!(run("abc", &[""], true), "abc");
        assert_eq!(run("a bcd abc", &["abc"], false), "a bcd abc");
        assert_eq!(run("a bcd abcd", &["abcd"], false), "a bcd [REDACTED]");
    }

    #[test]
    fn json_escapes_of_any_character_in_either_case() {
        let s = "sk_test&<key>";
        for text in [
            r#"{"m":"sk_\u0074est&<key>"}"#,
            r#"{"m":"sk_\u0074\u0065st&<key>"}"#,
            r#"{"m":"\u0073\u006B\u005F\u0074\u0065\u0073\u0074\u0026\u003C\u006B\u0065\u0079\u003E"}"#,
            r#"{"m":"sk_test\u0026\u003ckey\u003e"}"#,
            r#"{"m":"sk_test\u0026\u003Ckey\u003E"}"#,
            r#"{"m":"sk_\u{74}est&<key>"}"#,
        ] {
            assert_eq!(run(text, &[s], false), r#"{"m":"[REDACTED]"}"#, "{text}");
        }
        // A secret holding a quote and a backslash, as JSON must write it.
        assert_eq!(
            run(r#"{"m":"pa\"ss\\word"}"#, &[r#"pa"ss\word"#], false),
            r#"{"m":"[REDACTED]"}"#
        );
        // Non-ASCII, and a character outside the BMP as a surrogate pair.
        assert_eq!(
            run(
                r#"{"m":"cl\u00e9 \ud83d\udd11 key"}"#,
                &["clé 🔑 key"],
                false
            ),
            r#"{"m":"[REDACTED]"}"#
        );
    }

    #[test]
    fn doubly_escaped_json_is_decoded_twice() {
        let text = r#"{"error":"[{\"message\":\"sk_\\u0074est_key\"}]"}"#;
        assert_eq!(
            run(text, &["sk_test_key"], false),
            r#"{"error":"[{\"message\":\"[REDACTED]\"}]"}"#
        );
    }

    #[test]
    fn percent_encodings_in_either_case_and_plus_for_space() {
        let s = "pass word/+?";
        for text in [
            "q=pass%20word%2F%2B%3F&x",
            "q=pass%20word%2f%2b%3f&x",
            "q=pass+word%2F%2B%3F&x",
            "q=%70%61%73%73%20%77%6f%72%64%2f%2b%3f&x",
            // `+` left as is while a space is `%20` (some encoders).
            "q=pass%20word/+%3F&x",
            // Percent-encoded inside a JSON string with an escaped slash.
            r"q=pass%20word\/%2B%3F&x",
        ] {
            assert_eq!(run(text, &[s], false), "q=[REDACTED]&x", "{text}");
        }
    }

    #[test]
    fn base64_in_both_alphabets_padded_or_not_at_every_offset() {
        let s = "PLANTED pass&word<x>?~~~";
        let engines = [
            base64::engine::general_purpose::STANDARD,
            base64::engine::general_purpose::STANDARD_NO_PAD,
            base64::engine::general_purpose::URL_SAFE,
            base64::engine::general_purpose::URL_SAFE_NO_PAD,
        ];
        for engine in &engines {
            for prefix in ["", "x", "u:", "abc", "user:"] {
                for suffix in ["", "y", "yz", "xyz"] {
                    let blob = engine.encode(format!("{prefix}{s}{suffix}"));
                    let text = format!("auth {blob} end");
                    let out = run(&text, &[s], false);
                    assert!(out.contains(REDACTED), "{text} -> {out}");
                    // What is left of the blob is its neighbours' characters: no decoding finds the secret.
                    let left = out.replace(REDACTED, "");
                    let most = 10 + (prefix.len() + suffix.len()) * 4 / 3 + 2;
                    assert!(left.len() <= most, "{text} -> {out}");
                    let leak = unibill_testkit::encoded::leak(&left, &[s, "PLANTED", "PLANT"]);
                    assert_eq!(leak, None, "{text} -> {out}");
                }
            }
        }
    }

    #[test]
    fn a_cut_inside_any_encoding_leaves_no_prefix_of_the_secret() {
        let s = "sk_live_PLANTED_key";
        let forms = [
            s.to_owned(),
            r"sk_\u006cive_PLANTED_key".to_owned(),
            s.bytes().map(|b| format!("%{b:02X}")).collect(),
            s.bytes().map(|b| format!("\\u{:04x}", b)).collect(),
        ];
        for form in forms {
            for cut in 1..form.len() {
                let text = format!("error: {}", &form[..cut]);
                let out = run(&text, &[s], true);
                assert_eq!(out, "error: ", "cut at {cut}: {text}");
            }
        }
    }

    #[test]
    fn a_cut_inside_a_base64_form_leaves_at_most_its_mixed_characters() {
        let s = "sk_live_PLANTED_key";
        let blob = base64::engine::general_purpose::STANDARD.encode(format!("u:{s}"));
        for cut in 4..blob.len() {
            let text = format!("auth {}", &blob[..cut]);
            let out = run(&text, &[s], true);
            assert!(
                out.len() <= "auth ".len() + 4,
                "cut at {cut}: {text} -> {out}"
            );
        }
    }

    #[test]
    fn text_without_secrets_is_borrowed_and_unchanged() {
        let scrubber = Scrubber::new([&SecretString::from("sk_live_123")]);
        let text = br#"{"message":"bad \u0041 100%25 a+b c2tf"}"#;
        assert!(matches!(
            scrubber.scrub_bytes(text, false),
            Cow::Borrowed(t) if t == text
        ));
        assert_eq!(scrubber.scrub_str("plain"), None);
        assert_eq!(format!("{scrubber:?}"), "Scrubber { forms: 4 }");
    }

    #[test]
    fn views_are_bounded() {
        // Every layer decodes into something new: the number of views stays capped.
        let text = r"%255C%2575%2530%2530%2537%2534 \\\\u0074 a+b%20";
        assert!(views(text.as_bytes()).len() <= MAX_VIEWS);
    }
}
