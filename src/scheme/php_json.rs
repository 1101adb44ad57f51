//! A JSON writer that reproduces PHP's `json_encode` with default flags, byte for byte.
//!
//! Treezor signs `json_encode($object_payload)`, so a receiver must rebuild exactly those bytes from
//! the parsed payload. The rules (checked against PHP 8.2): compact output, keys in received order,
//! `/` escaped as `\/`, every non-ASCII character as lowercase `\uXXXX` (surrogate pairs above the
//! BMP), control characters as short escapes or `\u00XX`, DEL written raw, floats in PHP's shortest
//! form with a zero fraction dropped (`10.0` → `10`) and `1.0e+25`-style exponents.
//!
//! Values must be parsed with serde_json's `arbitrary_precision` so number tokens reach us unrounded.

use serde_json::{Number, Value};

/// Encode a value as PHP's `json_encode($value)` would.
pub fn encode(value: &Value) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);
    write_value(&mut out, value);
    out
}

fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Bool(true) => out.extend_from_slice(b"true"),
        Value::Bool(false) => out.extend_from_slice(b"false"),
        Value::Number(n) => write_number(out, n),
        Value::String(s) => write_string(out, s),
        Value::Array(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(map) => {
            out.push(b'{');
            for (i, (key, item)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_string(out, key);
                out.push(b':');
                write_value(out, item);
            }
            out.push(b'}');
        }
    }
}

/// PHP decodes an integer token to an int when it fits in 64 bits and to a float otherwise;
/// anything with a fraction or exponent is a float.
pub(crate) fn write_number(out: &mut Vec<u8>, n: &Number) {
    let token = n.to_string();
    let is_integer_token = !token.contains(['.', 'e', 'E']);
    if is_integer_token {
        if let Ok(int) = token.parse::<i64>() {
            out.extend_from_slice(int.to_string().as_bytes());
            return;
        }
    }
    match token.parse::<f64>() {
        Ok(float) if float.is_finite() => out.extend_from_slice(php_float(float).as_bytes()),
        // PHP's json_decode turns out-of-range literals into INF, which json_encode refuses and
        // writes as 0 under partial output; the default is to fail, so mirror the 0 it substitutes.
        _ => out.push(b'0'),
    }
}

/// PHP's `php_gcvt(value, 17, '.', 'e')` in shortest-round-trip mode (`serialize_precision = -1`).
pub fn php_float(value: f64) -> String {
    if value == 0.0 {
        return if value.is_sign_negative() {
            "-0".into()
        } else {
            "0".into()
        };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like zend_dtoa mode 0.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exponent) = sci
        .split_once('e')
        .expect("`{:e}` always writes an exponent");
    let digits: String = mantissa.chars().filter(|c| *c != '.').collect();
    let exponent: i32 = exponent.parse().expect("`{:e}` writes an integer exponent");
    // zend_dtoa's decpt: the value is 0.DIGITS × 10^decpt.
    let decpt = exponent + 1;
    let mut out = String::with_capacity(digits.len() + 8);
    if value < 0.0 {
        out.push('-');
    }
    if !(-3..=17).contains(&decpt) {
        let (first, rest) = digits.split_at(1);
        out.push_str(first);
        out.push('.');
        out.push_str(if rest.is_empty() { "0" } else { rest });
        out.push('e');
        let shown = decpt - 1;
        out.push(if shown < 0 { '-' } else { '+' });
        out.push_str(&shown.abs().to_string());
    } else if decpt <= 0 {
        out.push_str("0.");
        for _ in decpt..0 {
            out.push('0');
        }
        out.push_str(&digits);
    } else {
        let decpt = decpt as usize;
        if digits.len() <= decpt {
            out.push_str(&digits);
            for _ in digits.len()..decpt {
                out.push('0');
            }
        } else {
            out.push_str(&digits[..decpt]);
            out.push('.');
            out.push_str(&digits[decpt..]);
        }
    }
    out
}

/// The bytes `json_encode` writes as they are: printable ASCII but `"`, `\\` and `/`. Looked up in
/// a table, as every byte of every string of a payload is (a quarter fewer instructions than the
/// comparisons: callgrind, BENCHMARKS.md).
static PLAIN: [bool; 256] = {
    let mut table = [false; 256];
    let mut byte = 0x20;
    while byte < 0x80 {
        table[byte] = !matches!(byte as u8, b'"' | b'\\' | b'/');
        byte += 1;
    }
    table
};

pub(crate) fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let push_u = |out: &mut Vec<u8>, unit: u16| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((unit >> shift) & 0xf) as usize]);
        }
    };
    out.reserve(s.len() + 2);
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut at = 0;
    while at < bytes.len() {
        // Copy the run of ASCII that needs no escape in one go; most of a payload is such runs.
        let run = bytes[at..]
            .iter()
            .position(|&b| !PLAIN[usize::from(b)])
            .unwrap_or(bytes.len() - at);
        out.extend_from_slice(&bytes[at..at + run]);
        at += run;
        let Some(ch) = s[at..].chars().next() else {
            break;
        };
        at += ch.len_utf8();
        match ch {
            '"' => out.extend_from_slice(b"\\\""),
            '\\' => out.extend_from_slice(b"\\\\"),
            '/' => out.extend_from_slice(b"\\/"),
            '\u{8}' => out.extend_from_slice(b"\\b"),
            '\u{c}' => out.extend_from_slice(b"\\f"),
            '\n' => out.extend_from_slice(b"\\n"),
            '\r' => out.extend_from_slice(b"\\r"),
            '\t' => out.extend_from_slice(b"\\t"),
            c if (c as u32) < 0x20 => push_u(out, c as u16),
            // Everything else below 0x80 was copied in the run above (DEL included: PHP writes it raw).
            c => {
                let mut units = [0u16; 2];
                for unit in c.encode_utf16(&mut units) {
                    push_u(out, *unit);
                }
            }
        }
    }
    out.push(b'"');
}

/// Re-encode JSON text as PHP's `json_encode(json_decode($text))` would, straight from the text:
/// the same bytes as [`encode`] of the parsed value, without building the value. `None` when the
/// text is not valid JSON, nests deeper than 128, or has an object with a repeated key (which PHP
/// would collapse; the caller then takes the slower path through a parsed value).
pub fn transcode(text: &[u8]) -> Option<Vec<u8>> {
    let text = std::str::from_utf8(text).ok()?;
    let mut transcoder = Transcoder {
        text,
        at: 0,
        out: Vec::with_capacity(text.len()),
    };
    transcoder.value(0)?;
    transcoder.skip_space();
    (transcoder.at == text.len()).then_some(transcoder.out)
}

struct Transcoder<'a> {
    text: &'a str,
    at: usize,
    out: Vec<u8>,
}

impl<'a> Transcoder<'a> {
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.at).copied()
    }

    fn skip_space(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.at += 1;
        }
    }

    fn expect(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    fn value(&mut self, depth: usize) -> Option<()> {
        if depth > 128 {
            return None;
        }
        self.skip_space();
        match self.peek()? {
            b'{' => self.object(depth),
            b'[' => self.array(depth),
            b'"' => {
                let decoded = self.string()?;
                write_string(&mut self.out, &decoded);
                Some(())
            }
            b't' => self.literal("true"),
            b'f' => self.literal("false"),
            b'n' => self.literal("null"),
            _ => self.number(),
        }
    }

    fn literal(&mut self, word: &str) -> Option<()> {
        self.text[self.at..].starts_with(word).then(|| {
            self.at += word.len();
            self.out.extend_from_slice(word.as_bytes());
        })
    }

    fn object(&mut self, depth: usize) -> Option<()> {
        self.at += 1;
        self.out.push(b'{');
        // Where each written key is in `out`, to spot a repeated key by its canonical bytes.
        let mut keys: Vec<(usize, usize)> = Vec::new();
        self.skip_space();
        if self.peek()? == b'}' {
            self.at += 1;
            self.out.push(b'}');
            return Some(());
        }
        loop {
            self.skip_space();
            if self.peek()? != b'"' {
                return None;
            }
            if !keys.is_empty() {
                self.out.push(b',');
            }
            let start = self.out.len();
            let key = self.string()?;
            write_string(&mut self.out, &key);
            let end = self.out.len();
            if keys
                .iter()
                .any(|&(s, e)| self.out[s..e] == self.out[start..end])
            {
                return None;
            }
            keys.push((start, end));
            self.expect(b':')?;
            self.out.push(b':');
            self.value(depth + 1)?;
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b'}' => {
                    self.at += 1;
                    self.out.push(b'}');
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    fn array(&mut self, depth: usize) -> Option<()> {
        self.at += 1;
        self.out.push(b'[');
        self.skip_space();
        if self.peek()? == b']' {
            self.at += 1;
            self.out.push(b']');
            return Some(());
        }
        let mut first = true;
        loop {
            if !first {
                self.out.push(b',');
            }
            first = false;
            self.value(depth + 1)?;
            self.skip_space();
            match self.peek()? {
                b',' => self.at += 1,
                b']' => {
                    self.at += 1;
                    self.out.push(b']');
                    return Some(());
                }
                _ => return None,
            }
        }
    }

    /// A JSON string literal, decoded; borrowed when it has no escapes.
    fn string(&mut self) -> Option<std::borrow::Cow<'a, str>> {
        self.at += 1;
        let start = self.at;
        let text: &'a str = self.text;
        let bytes = text.as_bytes();
        // Fast path: no escapes.
        while let Some(&b) = bytes.get(self.at) {
            match b {
                b'"' => {
                    self.at += 1;
                    return Some(std::borrow::Cow::Borrowed(&text[start..self.at - 1]));
                }
                b'\\' => break,
                0x00..=0x1f => return None,
                _ => self.at += 1,
            }
        }
        let mut decoded = String::from(&text[start..self.at]);
        loop {
            let c = text[self.at..].chars().next()?;
            match c {
                '"' => {
                    self.at += 1;
                    return Some(std::borrow::Cow::Owned(decoded));
                }
                '\\' => {
                    let (escaped, next) = crate::json::unescape(bytes, self.at + 1)?;
                    decoded.push(escaped);
                    self.at = next;
                }
                c if (c as u32) < 0x20 => return None,
                c => {
                    decoded.push(c);
                    self.at += c.len_utf8();
                }
            }
        }
    }

    fn number(&mut self) -> Option<()> {
        let start = self.at;
        while matches!(
            self.peek(),
            Some(b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E')
        ) {
            self.at += 1;
        }
        let token = &self.text[start..self.at];
        // Only what JSON allows: serde_json checks the grammar for us.
        let number: Number = serde_json::from_str(token).ok()?;
        write_number(&mut self.out, &number);
        Some(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn php(json: &str) -> String {
        let value: Value = serde_json::from_str(json).unwrap();
        String::from_utf8(encode(&value)).unwrap()
    }

    #[test]
    fn floats_follow_php() {
        for (input, expected) in [
            ("10.0", "10"),
            ("10.5", "10.5"),
            ("-0.01", "-0.01"),
            ("0.0001", "0.0001"),
            ("0.00001", "1.0e-5"),
            ("1.5e-7", "1.5e-7"),
            ("1e25", "1.0e+25"),
            ("1.0E+25", "1.0e+25"),
            ("123456789012345678", "123456789012345678"),
            ("1234567890123456789012", "1.2345678901234568e+21"),
            ("100000000000000000.0", "1.0e+17"),
            ("1e16", "10000000000000000"),
            ("12345678901234567890", "1.2345678901234567e+19"),
            ("1E+2", "100"),
            ("1000000000000000000.0", "1.0e+18"),
            ("0.1", "0.1"),
            ("-0.0", "-0"),
            ("1250.00", "1250"),
            ("-0", "0"),
        ] {
            assert_eq!(php(input), expected, "for {input}");
        }
    }

    #[test]
    fn strings_follow_php() {
        assert_eq!(php(r#""a/b""#), r#""a\/b""#);
        assert_eq!(php(r#""é€😀""#), r#""\u00e9\u20ac\ud83d\ude00""#);
        assert_eq!(php("\"\\u007f\\u0001\\u2028\""), "\"\u{7f}\\u0001\\u2028\"");
        assert_eq!(php(r#""<>&'""#), r#""<>&'""#);
        assert_eq!(php(r#"{"a":{},"b":[]}"#), r#"{"a":{},"b":[]}"#);
    }
}
