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
fn write_number(out: &mut Vec<u8>, n: &Number) {
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
        return if value.is_sign_negative() { "-0".into() } else { "0".into() };
    }
    // Rust's `{:e}` gives the shortest round-trip digits, like zend_dtoa mode 0.
    let sci = format!("{:e}", value.abs());
    let (mantissa, exponent) = sci.split_once('e').expect("`{:e}` always writes an exponent");
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

fn write_string(out: &mut Vec<u8>, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let push_u = |out: &mut Vec<u8>, unit: u16| {
        out.extend_from_slice(b"\\u");
        for shift in [12, 8, 4, 0] {
            out.push(HEX[((unit >> shift) & 0xf) as usize]);
        }
    };
    out.push(b'"');
    for ch in s.chars() {
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
            // ASCII including DEL (0x7f) goes out raw.
            c if (c as u32) < 0x80 => out.push(c as u8),
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
