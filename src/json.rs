//! Reading JSON bodies without building a tree: the top-level fields of an object as raw slices of
//! the body, in order. Recognising a provider and reading its event name need no more than this,
//! and it allocates almost nothing, which matters on a listener under load.
//!
//! Two ways in: [`TopLevel::parse`] checks the whole body is JSON; [`TopLevel::scan`] only follows
//! its strings and brackets, in about half the instructions (callgrind, BENCHMARKS.md), for a
//! listener that then checks a signature (what a valid signature vouches for needs no second
//! check; anything else is parsed too).

use std::borrow::Cow;
use std::fmt;

use serde::de::{Deserialize, Deserializer, MapAccess, Visitor};
use serde_json::value::RawValue;

/// The top-level fields of a JSON object, in order, each value still as its raw text.
pub struct TopLevel<'a> {
    pub fields: Vec<(Cow<'a, str>, &'a str)>,
}

impl<'a> TopLevel<'a> {
    /// Parse a body whose first non-space byte is `{`; `None` for anything else or invalid JSON.
    pub fn parse(body: &'a [u8]) -> Option<Self> {
        if body.iter().find(|b| !b.is_ascii_whitespace()) != Some(&b'{') {
            return None;
        }
        // Checked as UTF-8 once, whole: parsing bytes checks every string and raw value again.
        serde_json::from_str(std::str::from_utf8(body).ok()?).ok()
    }

    /// The fields of a body whose first non-space byte is `{`, found by following its strings and
    /// brackets alone: numbers, literals, escapes and the nesting of brackets are not checked. For
    /// a JSON object it gives what [`TopLevel::parse`] gives; for a body that is not JSON it may
    /// give fields all the same, so nothing read from it is to be trusted until a signature
    /// vouches for it.
    pub fn scan(body: &'a [u8]) -> Option<Self> {
        let text = std::str::from_utf8(body).ok()?;
        let bytes = text.as_bytes();
        let mut at = skip_space(bytes, 0);
        if bytes.get(at) != Some(&b'{') {
            return None;
        }
        let mut fields = Vec::with_capacity(8);
        at = skip_space(bytes, at + 1);
        if bytes.get(at) == Some(&b'}') {
            return Some(TopLevel { fields }).filter(|_| skip_space(bytes, at + 1) == bytes.len());
        }
        loop {
            if bytes.get(at) != Some(&b'"') {
                return None;
            }
            let key_end = string_end(bytes, at)?;
            let key = &text[at + 1..key_end - 1];
            let key = match key.contains('\\') {
                false => Cow::Borrowed(key),
                true => Cow::Owned(serde_json::from_str::<String>(&text[at..key_end]).ok()?),
            };
            at = skip_space(bytes, key_end);
            if bytes.get(at) != Some(&b':') {
                return None;
            }
            at = skip_space(bytes, at + 1);
            let value_end = value_end(bytes, at)?;
            fields.push((key, &text[at..value_end]));
            at = skip_space(bytes, value_end);
            match bytes.get(at)? {
                b',' => at = skip_space(bytes, at + 1),
                b'}' if skip_space(bytes, at + 1) == bytes.len() => {
                    return Some(TopLevel { fields })
                }
                _ => return None,
            }
        }
    }

    /// Whether a scanned body is JSON, the value of the field named `vouched` (the last one, as
    /// [`TopLevel::get`] reads it) taken as it is: a signature over that value's bytes verified,
    /// so only the rest is checked. The scan has checked the punctuation between fields; this
    /// checks every other name and value, which for a Treezor body is a few short fields.
    pub fn is_json_but(&self, vouched: &str) -> bool {
        let skipped = self.fields.iter().rposition(|(key, _)| key == vouched);
        self.fields.iter().enumerate().all(|(at, (key, value))| {
            // A name with escapes was decoded by serde_json (and may hold a control character it
            // decoded); one without must hold none, which the scan does not look for.
            let key_is_json = matches!(key, Cow::Owned(_)) || !key.bytes().any(|b| b < 0x20);
            key_is_json && (Some(at) == skipped || is_json_value(value))
        })
    }

    /// The raw value of a field; the last one when a name repeats, as JSON parsers do.
    pub fn get(&self, name: &str) -> Option<&'a str> {
        self.fields
            .iter()
            .rev()
            .find(|(key, _)| key == name)
            .map(|(_, value)| *value)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.fields.iter().any(|(key, _)| key == name)
    }

    /// A field as text: a string's contents, or any other value's JSON; `None` for null.
    pub fn text(&self, name: &str) -> Option<String> {
        let raw = self.get(name)?;
        if let Some(text) = string(raw) {
            return Some(text.into_owned());
        }
        match serde_json::from_str::<serde_json::Value>(raw).ok()? {
            serde_json::Value::String(s) => Some(s),
            serde_json::Value::Null => None,
            other => Some(other.to_string()),
        }
    }
}

/// The contents of a raw JSON string; `None` for any other value.
pub(crate) fn string(raw: &str) -> Option<Cow<'_, str>> {
    // Most are plain: their text is between the quotes.
    let plain = raw.strip_prefix('"').and_then(|r| r.strip_suffix('"'));
    match plain {
        Some(text) if !text.contains(['"', '\\']) && !text.contains(char::is_control) => {
            Some(Cow::Borrowed(text))
        }
        _ => serde_json::from_str::<String>(raw).ok().map(Cow::Owned),
    }
}

impl<'de> Deserialize<'de> for TopLevel<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Fields;
        impl<'de> Visitor<'de> for Fields {
            type Value = TopLevel<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a JSON object")
            }

            fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<Self::Value, M::Error> {
                let mut fields = Vec::with_capacity(map.size_hint().unwrap_or(8));
                while let Some(key) = map.next_key::<Key<'de>>()? {
                    fields.push((key.0, map.next_value::<&'de RawValue>()?.get()));
                }
                Ok(TopLevel { fields })
            }
        }
        deserializer.deserialize_map(Fields)
    }
}

/// A field name, borrowed from the body unless it had escapes.
struct Key<'a>(Cow<'a, str>);

impl<'de> Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct KeyVisitor;
        impl<'de> Visitor<'de> for KeyVisitor {
            type Value = Key<'de>;

            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("a field name")
            }

            fn visit_borrowed_str<E>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Borrowed(v)))
            }

            fn visit_str<E>(self, v: &str) -> Result<Self::Value, E> {
                Ok(Key(Cow::Owned(v.to_string())))
            }
        }
        deserializer.deserialize_str(KeyVisitor)
    }
}

/// The character of the escape whose letter is at `at` (just after its backslash), and where the
/// string goes on after it.
pub(crate) fn unescape(bytes: &[u8], at: usize) -> Option<(char, usize)> {
    let hex = |at: usize| -> Option<u32> {
        let digits = std::str::from_utf8(bytes.get(at..at + 4)?).ok()?;
        u32::from_str_radix(digits, 16)
            .ok()
            .filter(|_| digits.bytes().all(|b| b.is_ascii_hexdigit()))
    };
    let simple = match bytes.get(at)? {
        b'"' => '"',
        b'\\' => '\\',
        b'/' => '/',
        b'b' => '\u{8}',
        b'f' => '\u{c}',
        b'n' => '\n',
        b'r' => '\r',
        b't' => '\t',
        b'u' => {
            let first = hex(at + 1)?;
            if !(0xD800..0xE000).contains(&first) {
                return Some((char::from_u32(first)?, at + 5));
            }
            // A surrogate: only a leading one followed by the escape of a trailing one is a
            // character (serde_json refuses the rest, and so do the readers that use this).
            if first >= 0xDC00 || bytes.get(at + 5..at + 7) != Some(b"\\u") {
                return None;
            }
            let second = hex(at + 7)?;
            if !(0xDC00..0xE000).contains(&second) {
                return None;
            }
            let code = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00);
            return Some((char::from_u32(code)?, at + 11));
        }
        _ => return None,
    };
    Some((simple, at + 1))
}

/// Whether a value the scan cut out is JSON. Strings without escapes, numbers and literals are
/// checked here (most fields of a body are such); anything else is left to serde_json.
fn is_json_value(value: &str) -> bool {
    let value = value.trim_matches([' ', '\t', '\n', '\r']);
    let bytes = value.as_bytes();
    match bytes.first() {
        // Without escapes, a string is a quote, anything but quotes and control characters, and
        // a quote.
        Some(b'"') if !bytes.contains(&b'\\') => {
            bytes.len() >= 2
                && bytes[bytes.len() - 1] == b'"'
                && bytes[1..bytes.len() - 1]
                    .iter()
                    .all(|&b| b >= 0x20 && b != b'"')
        }
        Some(b'-' | b'0'..=b'9') => is_json_number(bytes),
        Some(b't' | b'f' | b'n') => matches!(value, "true" | "false" | "null"),
        _ => serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok(),
    }
}

/// `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`, the whole of `bytes`.
fn is_json_number(bytes: &[u8]) -> bool {
    let digits = |at: usize| {
        bytes[at.min(bytes.len())..]
            .iter()
            .take_while(|b| b.is_ascii_digit())
            .count()
    };
    let mut at = usize::from(bytes.first() == Some(&b'-'));
    match bytes.get(at) {
        Some(b'0') => at += 1,
        Some(b'1'..=b'9') => at += digits(at),
        _ => return false,
    }
    if bytes.get(at) == Some(&b'.') {
        let fraction = digits(at + 1);
        if fraction == 0 {
            return false;
        }
        at += 1 + fraction;
    }
    if matches!(bytes.get(at), Some(b'e' | b'E')) {
        at += 1;
        if matches!(bytes.get(at), Some(b'+' | b'-')) {
            at += 1;
        }
        let exponent = digits(at);
        if exponent == 0 {
            return false;
        }
        at += exponent;
    }
    at == bytes.len()
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\n' | b'\r'))
    {
        at += 1;
    }
    at
}

/// Where the string starting at the quote `start` ends, just past its closing quote.
fn string_end(bytes: &[u8], start: usize) -> Option<usize> {
    string_rest_end(bytes, start + 1)
}

/// Where a string that is open at `at` ends, just past its closing quote.
fn string_rest_end(bytes: &[u8], mut at: usize) -> Option<usize> {
    loop {
        at = next_quote_or_backslash(bytes, at);
        match bytes.get(at)? {
            b'"' => return Some(at + 1),
            _ => at += 2,
        }
    }
}

/// The first `"` or `\` at or after `at`, or the end. Eight bytes at a time: the strings of a
/// webhook body are short (a Treezor payload holds 74, of 17 bytes on average), and memchr's
/// set-up for each cost more than the search (callgrind, BENCHMARKS.md).
fn next_quote_or_backslash(bytes: &[u8], mut at: usize) -> usize {
    const ONES: u64 = u64::from_le_bytes([1; 8]);
    const HIGHS: u64 = u64::from_le_bytes([0x80; 8]);
    // The lowest flagged byte of this classic test is always a zero byte of `x` (only bytes
    // above a zero one can be flagged falsely), and only the lowest is used.
    let zero_bytes = |x: u64| x.wrapping_sub(ONES) & !x & HIGHS;
    while let Some(chunk) = bytes.get(at..at + 8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_le_bytes(word);
        let found = zero_bytes(word ^ (ONES * u64::from(b'"')))
            | zero_bytes(word ^ (ONES * u64::from(b'\\')));
        if found != 0 {
            return at + (found.trailing_zeros() / 8) as usize;
        }
        at += 8;
    }
    bytes[at.min(bytes.len())..]
        .iter()
        .position(|b| matches!(b, b'"' | b'\\'))
        .map_or(bytes.len(), |offset| at + offset)
}

/// Where the value starting at `start` ends: past its string or its closing bracket, or at the
/// first byte that cannot be part of a number or a literal.
fn value_end(bytes: &[u8], start: usize) -> Option<usize> {
    match bytes.get(start)? {
        b'"' => string_end(bytes, start),
        b'{' | b'[' => container_end(bytes, start),
        _ => {
            let length = bytes[start..]
                .iter()
                .position(|b| matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r'))
                .unwrap_or(bytes.len() - start);
            (length > 0).then_some(start + length)
        }
    }
}

/// Where the object or array whose bracket is at `start` ends, just past its closing bracket: any
/// closing bracket closes any opening one, and outside strings nothing but brackets and quotes
/// counts. Sixty-four bytes at a time, each kind of byte found as a bit mask. A block that holds a
/// backslash is followed as strings are elsewhere (each string to its end, escapes skipped), which
/// keeps what a backslash outside a string means (nothing) without the carries of a full JSON
/// tokenizer; escapes are rare in webhook bodies. It takes fewer instructions than a reading
/// byte by byte for a Treezor payload (callgrind, BENCHMARKS.md).
fn container_end(bytes: &[u8], start: usize) -> Option<usize> {
    let mut state = Brackets::default();
    let mut at = start;
    while at < bytes.len() {
        let available = &bytes[at..];
        let length = available.len().min(64);
        // Only the last block is copied, to pad it with bytes that are none of the four kinds.
        let found = match available.first_chunk::<64>() {
            Some(block) => Masks::of(block),
            None => {
                let mut block = [0u8; 64];
                block[..length].copy_from_slice(available);
                Masks::of(&block)
            }
        };
        if found.backslashes == 0 {
            if let Some(offset) = state.by_masks(&found) {
                return Some(at + offset + 1);
            }
            at += 64;
        } else {
            match state.by_strings(bytes, at, at + length)? {
                Ok(end) => return Some(end),
                Err(next) => at = next,
            }
        }
    }
    None
}

/// How far into its brackets a [`container_end`] reading is, carried from block to block.
#[derive(Default)]
struct Brackets {
    depth: usize,
    in_string: bool,
}

impl Brackets {
    /// Follow a block without backslashes; the offset of the bracket that closes the outermost one.
    fn by_masks(&mut self, found: &Masks) -> Option<usize> {
        // Each bit is the parity of the quotes up to it: set from an opening quote to just before
        // its closing one.
        let mut inside = found.quotes;
        for shift in [1, 2, 4, 8, 16, 32] {
            inside ^= inside << shift;
        }
        if self.in_string {
            inside = !inside;
        }
        self.in_string = inside >> 63 == 1;
        let mut brackets = (found.opening | found.closing) & !inside;
        while brackets != 0 {
            let offset = brackets.trailing_zeros() as usize;
            brackets &= brackets - 1;
            if found.opening >> offset & 1 == 1 {
                self.depth += 1;
            } else {
                self.depth -= 1;
                if self.depth == 0 {
                    return Some(offset);
                }
            }
        }
        None
    }

    /// Follow the bytes from `at` to at least `until`, a string at a time: `Ok` with the end of
    /// the outermost bracket, or `Err` with where to go on (never inside a string); `None` when
    /// the bytes end first.
    fn by_strings(
        &mut self,
        bytes: &[u8],
        mut at: usize,
        until: usize,
    ) -> Option<Result<usize, usize>> {
        if self.in_string {
            at = string_rest_end(bytes, at)?;
            self.in_string = false;
        }
        while at < until {
            match bytes[at] {
                b'"' => at = string_end(bytes, at)?,
                b'{' | b'[' => {
                    self.depth += 1;
                    at += 1;
                }
                b'}' | b']' => {
                    self.depth -= 1;
                    at += 1;
                    if self.depth == 0 {
                        return Some(Ok(at));
                    }
                }
                _ => at += 1,
            }
        }
        Some(Err(at))
    }
}

/// Where the bytes that matter to [`container_end`] are in a block of 64: bit `i` for byte `i`.
struct Masks {
    quotes: u64,
    backslashes: u64,
    opening: u64,
    closing: u64,
}

impl Masks {
    /// Sixteen bytes per comparison (SSE2 on x86-64, through `wide`, which has a portable form
    /// elsewhere).
    fn of(block: &[u8; 64]) -> Masks {
        use wide::u8x16;
        // `{` and `[` differ only in the bit 0x20, as do `}` and `]`.
        let (quote, backslash, lower) =
            (u8x16::splat(b'"'), u8x16::splat(b'\\'), u8x16::splat(0x20));
        let (open, close) = (u8x16::splat(b'{'), u8x16::splat(b'}'));
        let mut found = Masks {
            quotes: 0,
            backslashes: 0,
            opening: 0,
            closing: 0,
        };
        for (lane, sixteen) in block.chunks_exact(16).enumerate() {
            let mut array = [0u8; 16];
            array.copy_from_slice(sixteen);
            let bytes = u8x16::new(array);
            let folded = bytes | lower;
            let bits = |mask: u8x16| u64::from(mask.move_mask() as u16) << (lane * 16);
            found.quotes |= bits(bytes.cmp_eq(quote));
            found.backslashes |= bits(bytes.cmp_eq(backslash));
            found.opening |= bits(folded.cmp_eq(open));
            found.closing |= bits(folded.cmp_eq(close));
        }
        found
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn numbers_literals_and_strings_are_checked_as_serde_json_checks_them() {
        for value in [
            "0",
            "-0",
            "7",
            "-12",
            "01",
            "-",
            "1.",
            "1.5",
            ".5",
            "1e5",
            "1E+5",
            "1e-5",
            "1e",
            "1e+",
            "-1.25e-3",
            "1.2.3",
            "1e999999",
            "12345678901234567890123",
            "0x1",
            "1_000",
            "+1",
            "--1",
            "true",
            "false",
            "null",
            "tru",
            "nul",
            "truex",
            "\"\"",
            "\"a b\"",
            "\"\u{1}\"",
            "\"\\n\"",
            "\"\\q\"",
            "{}",
            "[1,]",
            "[1, {\"a\": null}]",
            " 1",
            "1 ",
            "\ttrue\n",
            " ",
            "\"a\"b\"",
            "\"",
            " \"-",
        ] {
            let serde = serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok();
            assert_eq!(super::is_json_value(value), serde, "{value:?}");
        }
    }

    proptest::proptest! {
        #[test]
        fn a_value_is_json_exactly_when_serde_json_says_so(
            value in proptest::collection::vec(
                proptest::sample::select(&b"\"\\-+.eE0129tru fals\x01{}[]"[..]), 0..12),
        ) {
            let Ok(value) = std::str::from_utf8(&value) else { return Ok(()) };
            let serde = serde_json::from_str::<serde::de::IgnoredAny>(value).is_ok();
            proptest::prop_assert_eq!(super::is_json_value(value), serde, "{:?}", value);
        }
    }

    use super::*;

    #[test]
    fn reads_top_level_fields_in_order() {
        let body = br#" {"a": 1, "b\u0021": {"x": [1, 2]}, "c": "text", "n": null, "a": 2}"#;
        let top = TopLevel::parse(body).unwrap();
        let keys: Vec<&str> = top.fields.iter().map(|(k, _)| k.as_ref()).collect();
        assert_eq!(keys, ["a", "b!", "c", "n", "a"]);
        assert_eq!(top.get("b!").unwrap(), r#"{"x": [1, 2]}"#);
        assert_eq!(top.text("c").as_deref(), Some("text"));
        assert_eq!(top.text("a").as_deref(), Some("2"));
        assert_eq!(top.text("n"), None);
        assert!(TopLevel::parse(b"[1]").is_none());
        assert!(TopLevel::parse(b"{\"a\":").is_none());
    }

    fn keys_and_values(top: &TopLevel<'_>) -> Vec<(String, String)> {
        let fields = top.fields.iter();
        fields
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn a_scan_finds_what_a_parse_finds_in_a_json_object() {
        for body in [
            &br#" {"a": 1, "b\u0021": {"x": [1, "]}\"", {}]}, "c": "te\"xt\\", "n": null, "a": -2.5e3 } "#[..],
            b"{}",
            b" { } ",
            b"{\"k\":\"\"}",
            b"{\"k\":[[],[[]]],\"t\":true}",
        ] {
            let (parsed, scanned) = (TopLevel::parse(body).unwrap(), TopLevel::scan(body).unwrap());
            assert_eq!(keys_and_values(&scanned), keys_and_values(&parsed), "{body:?}");
        }
        for not_an_object in [
            &b"[1]"[..],
            b"{\"a\":",
            b"{\"a\" 1}",
            b"{\"a\":1} x",
            b"{\"a\":\"1}",
            b"",
            b"{",
            b"{\"a\":1,}",
            b"{\"a\":{\"b\":1}",
        ] {
            assert!(TopLevel::scan(not_an_object).is_none(), "{not_an_object:?}");
        }
    }

    #[test]
    fn only_the_vouched_field_is_taken_unchecked() {
        let json = br#"{"a": [1, {"b": "c"}], "v": {"x": 1}, "s": "t", "c\u0001": 0}"#;
        assert!(TopLevel::parse(json).is_some());
        assert!(TopLevel::scan(json).unwrap().is_json_but("v"));
        // The vouched value is not looked at; any other field that is not JSON fails.
        let vouched_not_json = br#"{"a": 1, "v": {"x": tru}, "s": "t"}"#;
        assert!(TopLevel::scan(vouched_not_json).unwrap().is_json_but("v"));
        for not_json in [
            &br#"{"a": tru, "v": {}}"#[..],
            br#"{"a": [1}, "v": {}}"#,
            br#"{"a": 1.2.3, "v": {}}"#,
            b"{\"a\": \"x\ty\", \"v\": {}}",
            b"{\"a\tb\": 1, \"v\": {}}",
            // Only the last of a repeated name is the one a signature was checked over.
            br#"{"v": {"x": tru}, "v": {}}"#,
        ] {
            let scanned = TopLevel::scan(not_json).unwrap();
            assert!(
                !scanned.is_json_but("v"),
                "{:?}",
                String::from_utf8_lossy(not_json)
            );
            assert!(TopLevel::parse(not_json).is_none());
        }
    }

    proptest::proptest! {
        #[test]
        fn a_string_ends_where_a_byte_by_byte_reading_ends_it(
            tail in proptest::collection::vec(proptest::sample::select(&b"ab\"\\x\n"[..]), 0..40),
        ) {
            let mut bytes = vec![b'"'];
            bytes.extend(&tail);
            let mut at = 1;
            let expected = loop {
                match bytes.get(at) {
                    None => break None,
                    Some(b'"') => break Some(at + 1),
                    Some(b'\\') => at += 2,
                    Some(_) => at += 1,
                }
            };
            proptest::prop_assert_eq!(string_end(&bytes, 0), expected);
        }
    }

    /// A bracket's end the way the scan first found it, a byte at a time.
    fn container_end_byte_by_byte(bytes: &[u8], start: usize) -> Option<usize> {
        let (mut depth, mut at) = (0usize, start);
        loop {
            match bytes.get(at)? {
                b'"' => at = string_end(bytes, at)?,
                b'{' | b'[' => {
                    depth += 1;
                    at += 1;
                }
                b'}' | b']' => {
                    depth -= 1;
                    at += 1;
                    if depth == 0 {
                        return Some(at);
                    }
                }
                _ => at += 1,
            }
        }
    }

    proptest::proptest! {
        #[test]
        fn a_bracket_ends_where_a_byte_by_byte_reading_ends_it(
            // Long enough to cross several blocks, with and without backslashes.
            tail in proptest::collection::vec(
                proptest::sample::select(&b"{}[]\"\\ax:,"[..]), 0..300),
            escapes in proptest::bool::ANY,
        ) {
            let mut bytes = vec![b'{'];
            bytes.extend(tail.iter().filter(|b| escapes || **b != b'\\'));
            proptest::prop_assert_eq!(
                container_end(&bytes, 0),
                container_end_byte_by_byte(&bytes, 0)
            );
        }
    }

    #[test]
    fn a_bracket_is_followed_across_blocks() {
        let long = "x".repeat(100);
        for body in [
            format!(r#"{{"a": "{long}", "b": [{{}}, "{long}}}"], "c": 1}} tail"#),
            format!(r#"{{"a": "{long}\"}}", "b": "\\\\", "c": ["{long}"]}} tail"#),
            format!(r#"["{}", {{}}] tail"#, "y\\\"".repeat(40)),
        ] {
            let bytes = body.as_bytes();
            let expected = container_end_byte_by_byte(bytes, 0);
            assert_eq!(container_end(bytes, 0), expected, "{body}");
            assert_eq!(&body[expected.unwrap()..], " tail");
        }
        assert_eq!(container_end(format!("{{\"{long}").as_bytes(), 0), None);
        assert_eq!(container_end(format!("{{[{long}]").as_bytes(), 0), None);
    }

    proptest::proptest! {
        #[test]
        fn any_json_object_is_scanned_as_it_is_parsed(value in json_object(), pretty in proptest::bool::ANY) {
            let body = match pretty {
                true => serde_json::to_vec_pretty(&value).unwrap(),
                false => serde_json::to_vec(&value).unwrap(),
            };
            let parsed = TopLevel::parse(&body).unwrap();
            let scanned = TopLevel::scan(&body).unwrap();
            proptest::prop_assert_eq!(keys_and_values(&scanned), keys_and_values(&parsed));
            for (key, _) in &scanned.fields {
                proptest::prop_assert!(scanned.is_json_but(key));
            }
        }
    }

    fn json_object() -> impl proptest::strategy::Strategy<Value = serde_json::Value> {
        use proptest::prelude::*;
        let leaf = prop_oneof![
            Just(serde_json::Value::Null),
            any::<bool>().prop_map(serde_json::Value::from),
            any::<i64>().prop_map(serde_json::Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(serde_json::Value::from),
            any::<String>().prop_map(serde_json::Value::from),
        ];
        let value = leaf.prop_recursive(3, 24, 4, |inner| {
            prop_oneof![
                proptest::collection::vec(inner.clone(), 0..4).prop_map(serde_json::Value::from),
                proptest::collection::btree_map(any::<String>(), inner, 0..4)
                    .prop_map(|m| serde_json::Value::Object(m.into_iter().collect())),
            ]
        });
        proptest::collection::btree_map(any::<String>(), value, 0..5)
            .prop_map(|m| serde_json::Value::Object(m.into_iter().collect()))
    }
}
