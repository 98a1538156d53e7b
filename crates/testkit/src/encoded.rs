//! A secret in each encoding a careless provider may echo it in ([`Encoding`]), and an independent check that a
//! text holds none of them ([`leak`]): for the scrubbing tests of the executor, the adapters, the facade and the
//! CLI.
//!
//! [`leak`] does not enumerate encodings of the secret (the scrubber's way): it *decodes* the text every way it
//! may hold one (JSON string escapes, percent-encoding, base64 at every alignment, in both alphabets) and looks
//! for the needles in the raw text and in every decoding, so a test does not share the scrubber's blind spots.
//!
//! ```
//! use unibill_testkit::encoded::{Encoding, leak};
//!
//! let secret = "sk_test_PLANTED&<key>";
//! for encoding in Encoding::ALL {
//!     let echoed = format!(r#"{{"message":"bad key {}"}}"#, encoding.encode(secret));
//!     assert!(leak(&echoed, &[secret]).is_some(), "{}: {echoed}", encoding.name());
//! }
//! assert_eq!(Encoding::JsonOneEscape.encode("sk_test"), r"sk_\u0074est");
//! assert_eq!(leak(r#"{"message":"bad key [REDACTED]"}"#, &[secret, "PLANTED"]), None);
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD};

/// One way of writing a secret into an answer. Every encoding gives text that can be pasted as is into a JSON
/// string literal, a plain-text body or a header value (it is ASCII without `"` or control characters, except
/// [`Encoding::Raw`] of a secret holding them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// As is (JSON-escaped only where JSON must escape: `"`, `\`, control characters).
    Raw,
    /// One character (the fourth) written as a lower-case `\u00xx` JSON escape: `sk_\u0074est…`.
    JsonOneEscape,
    /// Every character written as an upper-case `\uXXXX` JSON escape.
    JsonEveryCharUpper,
    /// As Go's `encoding/json` writes a string: `&`, `<`, `>` as `\u0026`, `\u003c`, `\u003e`.
    GoHtmlSafe,
    /// Every byte percent-encoded, upper-case hex (`%73%6B…`).
    PercentEveryByteUpper,
    /// Every byte percent-encoded, lower-case hex (`%2f` rather than `%2F`).
    PercentEveryByteLower,
    /// `application/x-www-form-urlencoded`: reserved bytes as `%XX`, a space as `+`.
    FormUrlencoded,
    /// Base64, standard alphabet, padded.
    Base64Standard,
    /// Base64, standard alphabet, unpadded.
    Base64StandardUnpadded,
    /// Base64, URL-safe alphabet, padded.
    Base64UrlSafe,
    /// Base64, URL-safe alphabet, unpadded.
    Base64UrlSafeUnpadded,
    /// Inside a larger base64 blob, one byte after its start (`base64("x" + secret + "y")`).
    Base64InBlobAtOffset1,
    /// Inside a larger base64 blob, two bytes after its start, as in HTTP Basic auth (`base64("u:" + secret)`).
    Base64InBlobAtOffset2,
}

impl Encoding {
    /// Every encoding.
    pub const ALL: [Encoding; 13] = [
        Encoding::Raw,
        Encoding::JsonOneEscape,
        Encoding::JsonEveryCharUpper,
        Encoding::GoHtmlSafe,
        Encoding::PercentEveryByteUpper,
        Encoding::PercentEveryByteLower,
        Encoding::FormUrlencoded,
        Encoding::Base64Standard,
        Encoding::Base64StandardUnpadded,
        Encoding::Base64UrlSafe,
        Encoding::Base64UrlSafeUnpadded,
        Encoding::Base64InBlobAtOffset1,
        Encoding::Base64InBlobAtOffset2,
    ];

    /// A short name for messages (`"json-one-escape"`).
    pub fn name(self) -> &'static str {
        match self {
            Encoding::Raw => "raw",
            Encoding::JsonOneEscape => "json-one-escape",
            Encoding::JsonEveryCharUpper => "json-every-char-upper",
            Encoding::GoHtmlSafe => "go-html-safe",
            Encoding::PercentEveryByteUpper => "percent-every-byte-upper",
            Encoding::PercentEveryByteLower => "percent-every-byte-lower",
            Encoding::FormUrlencoded => "form-urlencoded",
            Encoding::Base64Standard => "base64-standard",
            Encoding::Base64StandardUnpadded => "base64-standard-unpadded",
            Encoding::Base64UrlSafe => "base64-url-safe",
            Encoding::Base64UrlSafeUnpadded => "base64-url-safe-unpadded",
            Encoding::Base64InBlobAtOffset1 => "base64-in-blob-at-offset-1",
            Encoding::Base64InBlobAtOffset2 => "base64-in-blob-at-offset-2",
        }
    }

    /// `secret` in this encoding.
    pub fn encode(self, secret: &str) -> String {
        match self {
            Encoding::Raw => json_string_content(secret),
            Encoding::JsonOneEscape => {
                let mut out = String::new();
                for (i, ch) in secret.chars().enumerate() {
                    if i == 3.min(secret.chars().count() - 1) {
                        let mut units = [0u16; 2];
                        for unit in ch.encode_utf16(&mut units) {
                            out.push_str(&format!("\\u{unit:04x}"));
                        }
                    } else {
                        out.push_str(&json_string_content(ch.encode_utf8(&mut [0; 4])));
                    }
                }
                out
            }
            Encoding::JsonEveryCharUpper => secret
                .encode_utf16()
                .map(|unit| format!("\\u{unit:04X}"))
                .collect(),
            Encoding::GoHtmlSafe => json_string_content(secret)
                .replace('&', "\\u0026")
                .replace('<', "\\u003c")
                .replace('>', "\\u003e"),
            Encoding::PercentEveryByteUpper => {
                secret.bytes().map(|b| format!("%{b:02X}")).collect()
            }
            Encoding::PercentEveryByteLower => {
                secret.bytes().map(|b| format!("%{b:02x}")).collect()
            }
            Encoding::FormUrlencoded => {
                form_urlencoded::byte_serialize(secret.as_bytes()).collect()
            }
            Encoding::Base64Standard => STANDARD.encode(secret),
            Encoding::Base64StandardUnpadded => STANDARD_NO_PAD.encode(secret),
            Encoding::Base64UrlSafe => URL_SAFE.encode(secret),
            Encoding::Base64UrlSafeUnpadded => URL_SAFE_NO_PAD.encode(secret),
            Encoding::Base64InBlobAtOffset1 => STANDARD.encode(format!("x{secret}y")),
            Encoding::Base64InBlobAtOffset2 => STANDARD.encode(format!("u:{secret}")),
        }
    }
}

/// `s` as the inside of a JSON string literal (serde_json's escaping, without the quotes).
fn json_string_content(s: &str) -> String {
    let quoted = serde_json::to_string(s).expect("a string serializes");
    quoted[1..quoted.len() - 1].to_owned()
}

/// Where `text` holds one of `needles` (raw, or in any decoding of the text), described for a test message;
/// `None` when it holds none.
///
/// The decodings: JSON string escapes (`\uXXXX` in either case, surrogate pairs, `\n`, `\/`, …), percent-
/// encoding (either case, `+` as a space), both of them in either order, and base64 of every run of base64
/// characters in the text and in its JSON decoding, from each of the run's first four positions (so a secret at
/// any offset of a larger blob is found), in both alphabets at once. Needles are compared as bytes.
pub fn leak(text: &str, needles: &[&str]) -> Option<String> {
    let raw = text.as_bytes().to_vec();
    let json = json_unescape(&raw);
    let views: [(&str, Vec<u8>); 5] = [
        ("the text", raw.clone()),
        ("its JSON decoding", json.clone()),
        ("its percent decoding", percent_decode(&raw)),
        ("its JSON then percent decoding", percent_decode(&json)),
        (
            "its percent then JSON decoding",
            json_unescape(&percent_decode(&raw)),
        ),
    ];
    for (what, view) in &views {
        if let Some(found) = find_any(view, needles) {
            return Some(format!("`{found}` in {what}"));
        }
    }
    for (what, view) in [("the text", &raw), ("its JSON decoding", &json)] {
        for run in view.split(|b| base64_value(*b).is_none()) {
            for start in 0..run.len().min(4) {
                let decoded = base64_decode(&run[start..]);
                if let Some(found) = find_any(&decoded, needles) {
                    return Some(format!(
                        "`{found}` in the base64 decoding of `{}` in {what}",
                        String::from_utf8_lossy(run)
                    ));
                }
            }
        }
    }
    None
}

/// Every text of `err` that holds one of `needles` in any encoding ([`leak`]), described for a test message
/// (prefixed with `call`): its `Display`, its `Debug` (for a `unibill_core::Error`, every field: provider code
/// and message, request id, existing id, field errors, the source), and each source's `Display` and `Debug`.
pub fn error_leaks(
    call: &str,
    err: &(dyn std::error::Error + 'static),
    needles: &[&str],
) -> Vec<String> {
    let mut texts = vec![("Display", err.to_string()), ("Debug", format!("{err:?}"))];
    let mut source = err.source();
    while let Some(s) = source {
        texts.push(("a source", format!("{s} / {s:?}")));
        source = s.source();
    }
    texts
        .into_iter()
        .filter_map(|(what, text)| {
            leak(&text, needles).map(|found| format!("{call}: {what} holds {found}: {text}"))
        })
        .collect()
}

/// Every line of `log` that holds one of `needles` in any encoding ([`leak`]), described for a test message.
pub fn log_leaks(log: &str, needles: &[&str]) -> Vec<String> {
    log.lines()
        .filter_map(|line| {
            leak(line, needles).map(|found| format!("a log line holds {found}: {line}"))
        })
        .collect()
}

fn find_any<'n>(haystack: &[u8], needles: &[&'n str]) -> Option<&'n str> {
    needles
        .iter()
        .copied()
        .find(|n| !n.is_empty() && haystack.windows(n.len()).any(|w| w == n.as_bytes()))
}

/// JSON string escapes decoded wherever they appear; anything else (and a broken escape) kept as is.
fn json_unescape(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        if text[i] != b'\\' || i + 1 == text.len() {
            out.push(text[i]);
            i += 1;
            continue;
        }
        let simple = match text[i + 1] {
            b'"' => Some(b'"'),
            b'\\' => Some(b'\\'),
            b'/' => Some(b'/'),
            b'b' => Some(8),
            b'f' => Some(12),
            b'n' => Some(b'\n'),
            b'r' => Some(b'\r'),
            b't' => Some(b'\t'),
            _ => None,
        };
        if let Some(b) = simple {
            out.push(b);
            i += 2;
            continue;
        }
        match hex4(text, i + 2) {
            Some(hi) if text[i + 1] == b'u' => {
                let (ch, used) = match (hi, hex4(text, i + 8)) {
                    (0xD800..=0xDBFF, Some(lo @ 0xDC00..=0xDFFF))
                        if text.get(i + 6..i + 8) == Some(b"\\u") =>
                    {
                        let c =
                            0x10000 + ((u32::from(hi) - 0xD800) << 10) + (u32::from(lo) - 0xDC00);
                        (char::from_u32(c), 12)
                    }
                    _ => (char::from_u32(u32::from(hi)), 6),
                };
                let ch = ch.unwrap_or(char::REPLACEMENT_CHARACTER);
                out.extend_from_slice(ch.encode_utf8(&mut [0; 4]).as_bytes());
                i += used;
            }
            _ => {
                out.push(text[i]);
                i += 1;
            }
        }
    }
    out
}

fn hex4(text: &[u8], at: usize) -> Option<u16> {
    let digits = std::str::from_utf8(text.get(at..at + 4)?).ok()?;
    if !digits.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    u16::from_str_radix(digits, 16).ok()
}

/// `%XX` (either case) decoded and `+` read as a space; anything else kept.
fn percent_decode(text: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    let mut i = 0;
    while i < text.len() {
        let hex = text
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .filter(|h| h.bytes().all(|b| b.is_ascii_hexdigit()))
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (text[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b'+', _) => {
                out.push(b' ');
                i += 1;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The 6-bit value of a base64 character of either alphabet.
fn base64_value(b: u8) -> Option<u8> {
    Some(match b {
        b'A'..=b'Z' => b - b'A',
        b'a'..=b'z' => b - b'a' + 26,
        b'0'..=b'9' => b - b'0' + 52,
        b'+' | b'-' => 62,
        b'/' | b'_' => 63,
        _ => return None,
    })
}

/// Base64 characters (no padding, either alphabet) decoded: every whole byte their bits make.
fn base64_decode(run: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(run.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for v in run.iter().filter_map(|b| base64_value(*b)) {
        acc = (acc << 6) | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SECRET: &str = "sk_test_PLANTED & <pw>?~";

    #[test]
    fn every_encoding_is_found_and_differs_from_the_raw_secret() {
        for e in Encoding::ALL {
            let text = e.encode(SECRET);
            if e != Encoding::Raw {
                assert!(!text.contains(SECRET), "{}: {text}", e.name());
            }
            for wrapped in [
                format!(r#"{{"message":"bad {text} here"}}"#),
                format!("[request id {text}]"),
            ] {
                assert!(
                    leak(&wrapped, &[SECRET]).is_some(),
                    "{}: {wrapped}",
                    e.name()
                );
            }
        }
    }

    #[test]
    fn clean_text_holds_nothing() {
        let text = r#"{"message":"bad key [REDACTED], token Bearer [REDACTED]","request_id":"req_1+2%20"}"#;
        assert_eq!(leak(text, &[SECRET, "PLANTED"]), None);
    }

    #[test]
    fn json_escapes_decode_surrogates_and_broken_escapes_stay() {
        assert_eq!(
            json_unescape(br"\ud83d\ude00 \u0041\x \u12"),
            "😀 A\\x \\u12".as_bytes()
        );
    }
}
