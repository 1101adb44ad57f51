//! A journal's line, written byte by byte: exactly what serde_json makes of the capture file in
//! compact form (a property test holds the two equal), without the calls serde_json makes for
//! every field and every run of a string. The journal writer writes a line per delivery, and this
//! is most of its work.

use chrono::{DateTime, Datelike, Timelike, Utc};

use super::{BodyToStore, Capture, StoredResponse, StoredVerdict};
use crate::units;

impl Capture {
    /// A journal's line: the file's fields, compact, and a newline.
    pub fn to_line(&self) -> Vec<u8> {
        let mut line = Vec::with_capacity(self.delivery.body.len() + 512);
        self.append_line(&mut line);
        line
    }

    /// [`Capture::to_line`], written at the end of `out` (a journal writer's group).
    pub fn append_line(&self, out: &mut Vec<u8>) {
        let d = &self.delivery;
        out.extend_from_slice(b"{\"format\":");
        out.extend_from_slice(itoa::Buffer::new().format(self.format).as_bytes());
        out.extend_from_slice(b",\"id\":");
        string(out, &self.id);
        out.extend_from_slice(b",\"received_at\":");
        timestamp(out, &self.received_at);
        out.extend_from_slice(b",\"peer\":");
        optional_string(out, self.peer.as_deref());
        out.extend_from_slice(b",\"method\":");
        string(out, &d.method);
        out.extend_from_slice(b",\"target\":");
        string(out, &d.target);
        if let Some(url) = &self.url {
            out.extend_from_slice(b",\"url\":");
            string(out, url);
        }
        out.extend_from_slice(b",\"http_version\":");
        string(out, &self.http_version);
        out.extend_from_slice(b",\"headers\":[");
        for (n, (name, value)) in d.headers.iter().enumerate() {
            if n > 0 {
                out.push(b',');
            }
            out.push(b'[');
            string(out, name);
            out.push(b',');
            string(out, value);
            out.push(b']');
        }
        out.extend_from_slice(b"],\"body\":");
        match self.trusted_json_body() {
            Some(body) => {
                out.extend_from_slice(b"{\"json\":");
                out.extend_from_slice(body);
                out.push(b'}');
            }
            None => body(out, &BodyToStore::of_line(&d.body)),
        }
        out.extend_from_slice(b",\"provider\":");
        optional_string(out, self.provider.as_deref());
        out.extend_from_slice(b",\"event\":");
        optional_string(out, self.event.as_deref());
        out.extend_from_slice(b",\"verdict\":");
        match &self.verdict {
            Some(verdict) => self::verdict(out, verdict),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b",\"response\":");
        match &self.response {
            Some(response) => self::response(out, response),
            None => out.extend_from_slice(b"null"),
        }
        out.extend_from_slice(b"}\n");
    }

    /// The body, when the listener already parsed it as a JSON object and it can go into a line
    /// as it is: no space around it, no line break in it.
    fn trusted_json_body(&self) -> Option<&[u8]> {
        let body = &self.delivery.body[..];
        let whole = body.first() == Some(&b'{') && body.last() == Some(&b'}');
        (self.body_is_json && whole && memchr::memchr2(b'\n', b'\r', body).is_none())
            .then_some(body)
    }
}

fn body(out: &mut Vec<u8>, body: &BodyToStore<'_>) {
    match body {
        BodyToStore::Json(raw) => {
            out.extend_from_slice(b"{\"json\":");
            out.extend_from_slice(raw.get().as_bytes());
        }
        BodyToStore::Text(text) => {
            out.extend_from_slice(b"{\"text\":");
            string(out, text);
        }
        BodyToStore::Base64(encoded) => {
            out.extend_from_slice(b"{\"base64\":");
            string(out, encoded);
        }
    }
    out.push(b'}');
}

fn verdict(out: &mut Vec<u8>, verdict: &StoredVerdict) {
    out.extend_from_slice(b"{\"status\":");
    string(out, &verdict.status);
    if let Some(reason) = &verdict.reason {
        out.extend_from_slice(b",\"reason\":");
        string(out, reason);
    }
    out.extend_from_slice(b",\"detail\":");
    string(out, &verdict.detail);
    out.push(b'}');
}

fn response(out: &mut Vec<u8>, response: &StoredResponse) {
    out.extend_from_slice(b"{\"status\":");
    out.extend_from_slice(itoa::Buffer::new().format(response.status).as_bytes());
    out.extend_from_slice(b",\"elapsed_ms\":");
    // serde_json's own number form (shortest round trip, `null` for what JSON cannot hold).
    let _ = serde_json::to_writer(&mut *out, &response.elapsed_ms);
    if let Some(to) = &response.forwarded_to {
        out.extend_from_slice(b",\"forwarded_to\":");
        string(out, to);
    }
    out.push(b'}');
}

fn optional_string(out: &mut Vec<u8>, text: Option<&str>) {
    match text {
        Some(text) => string(out, text),
        None => out.extend_from_slice(b"null"),
    }
}

/// A JSON string, escaped as serde_json escapes: `"`, `\` and control characters only, with the
/// short forms where JSON has them and lowercase hex otherwise.
fn string(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut clean = 0;
    while let Some(found) = first_to_escape(&bytes[clean..]) {
        let at = clean + found;
        out.extend_from_slice(&bytes[clean..at]);
        clean = at + 1;
        match bytes[at] {
            b'"' => out.extend_from_slice(b"\\\""),
            b'\\' => out.extend_from_slice(b"\\\\"),
            b'\n' => out.extend_from_slice(b"\\n"),
            b'\r' => out.extend_from_slice(b"\\r"),
            b'\t' => out.extend_from_slice(b"\\t"),
            0x08 => out.extend_from_slice(b"\\b"),
            0x0c => out.extend_from_slice(b"\\f"),
            byte => out.extend_from_slice(&[
                b'\\',
                b'u',
                b'0',
                b'0',
                HEX[usize::from(byte >> 4)],
                HEX[usize::from(byte & 0xf)],
            ]),
        }
    }
    out.extend_from_slice(&bytes[clean..]);
    out.push(b'"');
}

/// Where the first byte that JSON escapes is. Eight bytes are checked at a time (most strings
/// of a capture have nothing to escape), with the usual tests for a byte below a value and for a
/// zero byte on a whole word; a word that has one is then looked at byte by byte.
fn first_to_escape(bytes: &[u8]) -> Option<usize> {
    const ONES: u64 = u64::from_ne_bytes([1; 8]);
    const HIGH: u64 = ONES << 7;
    let escaped = |byte: u8| byte < 0x20 || byte == b'"' || byte == b'\\';
    let mut words = bytes.chunks_exact(8);
    for (n, word) in (&mut words).enumerate() {
        let word = u64::from_ne_bytes(word.try_into().expect("a chunk of eight"));
        let (quotes, backslashes) = (word ^ (ONES * 0x22), word ^ (ONES * 0x5c));
        let below_space = word.wrapping_sub(ONES * 0x20) & !word;
        let zero = |x: u64| x.wrapping_sub(ONES) & !x;
        if (below_space | zero(quotes) | zero(backslashes)) & HIGH != 0 {
            let start = n * 8;
            if let Some(at) = bytes[start..start + 8].iter().position(|&b| escaped(b)) {
                return Some(start + at);
            }
        }
    }
    let rest = bytes.len() - words.remainder().len();
    words
        .remainder()
        .iter()
        .position(|&b| escaped(b))
        .map(|at| rest + at)
}

/// The time as chrono serialises it: RFC 3339 in UTC with `Z`, and 0, 3, 6 or 9 digits of
/// fraction, as few as hold it exactly. Years outside 0–9999 (never a listener's clock) go
/// through chrono itself.
fn timestamp(out: &mut Vec<u8>, at: &DateTime<Utc>) {
    let (year, nanos) = (at.year(), at.nanosecond());
    if !(0..=9999).contains(&year) || nanos >= 1_000_000_000 {
        let _ = serde_json::to_writer(&mut *out, at);
        return;
    }
    let mut stamp = String::with_capacity(32);
    stamp.push('"');
    units::push_padded(&mut stamp, year as u64, 4);
    for (separator, value) in [
        ('-', at.month()),
        ('-', at.day()),
        ('T', at.hour()),
        (':', at.minute()),
        (':', at.second()),
    ] {
        stamp.push(separator);
        units::push_padded(&mut stamp, u64::from(value), 2);
    }
    let fraction = match nanos {
        0 => None,
        n if n % 1_000_000 == 0 => Some((n / 1_000_000, 3)),
        n if n % 1_000 == 0 => Some((n / 1_000, 6)),
        n => Some((n, 9)),
    };
    if let Some((value, width)) = fraction {
        stamp.push('.');
        units::push_padded(&mut stamp, u64::from(value), width);
    }
    stamp.push_str("Z\"");
    out.extend_from_slice(stamp.as_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::sample;
    use bytes::Bytes;
    use proptest::prelude::*;

    /// The reference: serde_json's compact form of the capture file.
    fn by_serde(capture: &Capture) -> Vec<u8> {
        let mut line =
            serde_json::to_vec(&capture.as_file(BodyToStore::of_line(&capture.delivery.body)))
                .unwrap();
        line.push(b'\n');
        line
    }

    fn same(capture: &Capture) {
        assert_eq!(
            String::from_utf8_lossy(&capture.to_line()),
            String::from_utf8_lossy(&by_serde(capture))
        );
    }

    #[test]
    fn every_optional_field_and_body_form_is_written_as_serde_json_writes_it() {
        let mut capture = sample();
        same(&capture);
        capture.peer = None;
        capture.url = None;
        capture.provider = None;
        capture.verdict = Some(StoredVerdict {
            status: "invalid".into(),
            reason: Some("mismatch".into()),
            detail: "\"quoted\" \\ \u{7f} \u{1} \u{8} \u{c} é".into(),
        });
        capture.response = Some(StoredResponse {
            status: 502,
            elapsed_ms: 12.0,
            forwarded_to: Some("http://app/".into()),
        });
        for body in [
            &b"{\"a\": [1, 2]}"[..],
            b"{}",
            b" {} ",
            b"text\r\n",
            b"\xff\x00",
        ] {
            capture.delivery.body = Bytes::copy_from_slice(body);
            same(&capture);
        }
        for nanos in [0, 5_000_000, 123_000, 123_456_789, 1] {
            capture.received_at = DateTime::from_timestamp(1_790_000_000, nanos).unwrap();
            same(&capture);
        }
        capture.received_at = DateTime::from_timestamp(-70_000_000_000, 0).unwrap();
        same(&capture);
    }

    #[test]
    fn a_body_known_to_be_json_makes_the_same_line_without_a_second_check() {
        for body in [
            &br#"{"a":[1,2.50,"\u00e9\/"],"body":{"text":""}}"#[..],
            b"{}",
            b"{\n  \"pretty\": true\n}",
            b" {\"space\": 1}",
        ] {
            let mut capture = sample();
            capture.delivery.body = Bytes::copy_from_slice(body);
            let checked = capture.to_line();
            capture.body_is_json = true;
            assert_eq!(
                String::from_utf8_lossy(&capture.to_line()),
                String::from_utf8_lossy(&checked)
            );
        }
    }

    #[test]
    fn the_first_byte_to_escape_is_found_in_any_place_of_a_word() {
        for len in 0..20 {
            for at in 0..len {
                for byte in [b'"', b'\\', 0x00, 0x1f, b'\n'] {
                    let mut text = vec![b'a'; len];
                    text[at] = byte;
                    assert_eq!(first_to_escape(&text), Some(at), "{len} {at} {byte}");
                }
            }
            let clean: Vec<u8> = (0..len as u8).map(|n| 0x20 + n * 11).collect();
            let expected = clean.iter().position(|&b| b == b'"' || b == b'\\');
            assert_eq!(first_to_escape(&clean), expected);
        }
        assert_eq!(first_to_escape("é€ ok \u{7f}".as_bytes()), None);
    }

    proptest! {
        #[test]
        fn any_strings_and_times_are_written_as_serde_json_writes_them(
            id in any::<String>(),
            target in any::<String>(),
            headers in proptest::collection::vec((any::<String>(), any::<String>()), 0..4),
            body in any::<Vec<u8>>(),
            detail in any::<String>(),
            seconds in 0i64..250_000_000_000,
            nanos in prop_oneof![Just(0u32), (0u32..1000).prop_map(|n| n * 1_000_000),
                                 (0u32..1_000_000).prop_map(|n| n * 1000), 0u32..1_000_000_000],
            elapsed in any::<f64>(),
        ) {
            let mut capture = sample();
            capture.id = id;
            capture.delivery.target = target;
            capture.delivery.headers = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            capture.delivery.body = Bytes::from(body);
            capture.received_at = DateTime::from_timestamp(seconds, nanos).unwrap();
            capture.verdict = Some(StoredVerdict { status: "valid".into(), reason: None, detail });
            capture.response = Some(StoredResponse { status: 200, elapsed_ms: elapsed, forwarded_to: None });
            prop_assert_eq!(capture.to_line(), by_serde(&capture));
        }
    }
}
