//! A journal's line, written byte by byte: exactly what serde_json makes of the capture file in
//! compact form (a property test holds the two equal), without the calls serde_json makes for
//! every field and every run of a string. The journal writer writes a line per delivery, and this
//! is most of its work.

use std::borrow::Cow;

use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Datelike, Timelike, Utc};

use super::{BodyToStore, Capture, StoredResponse, StoredVerdict, B64};
use crate::delivery::{Delivery, Headers};
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

/// A journal's line read back without serde, when it is exactly as [`Capture::append_line`] wrote
/// it (a property test holds the two readers equal on every line the writer makes). Anything
/// else, a hand-edited line or an older hookctl's, is `None`, and serde reads it: the answer and
/// the errors are serde's. The calls serde makes per field and per string were most of a
/// replay's reading.
///
/// A body stored as JSON is delimited by the fields around it (see [`stored_json_body`]),
/// not checked token by token again (that was 14,000 of a line's 21,000 instructions; following
/// its strings and brackets, 5,000): the listener checked it before it stored it as JSON, and
/// nothing read back here depends on it being JSON. `replay` sends the
/// bytes as they are, and `verify` inspects them as it inspects any delivery, so a body edited
/// into something that is not JSON is sent as written, and `verify` reports it invalid (its
/// signature no longer matches, or covers one field of a body that is not JSON). What surrounds
/// it must still be exactly as the writer writes it.
///
/// `shared`, when given, holds the line's bytes: a body stored as JSON is then a slice of it
/// rather than a copy (replay sends the bodies from a journal's map).
pub(super) fn read(line: &[u8], shared: Option<&Bytes>) -> Option<Capture> {
    read_located(line, shared, stored_json_body(line))
}

/// [`read`], with the body already located by [`stored_json_body`] on these same bytes (listing
/// a journal does it while each line is still in the cache).
pub(super) fn read_located(
    line: &[u8],
    shared: Option<&Bytes>,
    body_at: Option<std::ops::Range<usize>>,
) -> Option<Capture> {
    let shared = shared.filter(|b| b.as_ptr() == line.as_ptr() && b.len() == line.len());
    // A body stored as JSON is not read at all, not even checked as UTF-8: only the text before
    // it and after it are (that check was a tenth of a line's reading).
    if body_at
        .as_ref()
        .is_some_and(|body| body.start > body.end || body.end > line.len())
    {
        return None;
    }
    let head = match &body_at {
        Some(body) => &line[..body.start],
        None => line,
    };
    let mut at = Cursor {
        text: std::str::from_utf8(head).ok()?,
        at: 0,
    };
    at.expect("{\"format\":")?;
    let format = at.number()?;
    if format > super::FORMAT {
        return None;
    }
    at.expect(",\"id\":")?;
    let id = at.string()?.into_owned();
    at.expect(",\"received_at\":")?;
    let received_at = at.timestamp()?;
    at.expect(",\"peer\":")?;
    let peer = at.optional_string()?;
    at.expect(",\"method\":")?;
    let method = at.string()?.into_owned();
    at.expect(",\"target\":")?;
    let target = at.string()?.into_owned();
    let url = at.present_field(",\"url\":")?;
    at.expect(",\"http_version\":")?;
    let http_version = at.string()?.into_owned();
    at.expect(",\"headers\":[")?;
    let mut headers = Headers::with_capacity(16, 512);
    if !at.maybe("]") {
        loop {
            at.expect("[")?;
            let name = at.string()?;
            at.expect(",")?;
            let value = at.string()?;
            at.expect("]")?;
            headers.push(name, value);
            if at.maybe("]") {
                break;
            }
            at.expect(",")?;
        }
    }
    at.expect(",\"body\":{\"")?;
    let body = match body_at {
        Some(body) => {
            at.expect("json\":")?;
            if at.at != at.text.len() {
                return None;
            }
            at = Cursor {
                text: std::str::from_utf8(&line[body.end..]).ok()?,
                at: 0,
            };
            match shared {
                Some(shared) => shared.slice(body),
                None => Bytes::copy_from_slice(&line[body]),
            }
        }
        None if at.maybe("text\":") => Bytes::from(at.string()?.into_owned()),
        None => {
            at.expect("base64\":")?;
            Bytes::from(B64.decode(at.string()?.as_bytes()).ok()?)
        }
    };
    at.expect("},\"provider\":")?;
    let provider = at.optional_string()?;
    at.expect(",\"event\":")?;
    let event = at.optional_string()?;
    at.expect(",\"verdict\":")?;
    let verdict = match at.maybe("null") {
        true => None,
        false => {
            at.expect("{\"status\":")?;
            let status = at.string()?.into_owned();
            let reason = at.present_field(",\"reason\":")?;
            at.expect(",\"detail\":")?;
            let detail = at.string()?.into_owned();
            at.expect("}")?;
            Some(StoredVerdict {
                status,
                reason,
                detail,
            })
        }
    };
    at.expect(",\"response\":")?;
    let response = match at.maybe("null") {
        true => None,
        false => {
            at.expect("{\"status\":")?;
            let status = u16::try_from(at.number()?).ok()?;
            at.expect(",\"elapsed_ms\":")?;
            let elapsed_ms = at.float()?;
            let forwarded_to = at.present_field(",\"forwarded_to\":")?;
            at.expect("}")?;
            Some(StoredResponse {
                status,
                elapsed_ms,
                forwarded_to,
            })
        }
    };
    at.expect("}")?;
    if at.at != at.text.len() {
        return None;
    }
    Some(Capture {
        format,
        id,
        received_at,
        peer,
        url,
        http_version,
        delivery: Delivery {
            method,
            target,
            headers,
            body,
        },
        provider,
        event,
        verdict,
        response,
        body_is_json: false,
    })
}

/// Where a body stored as JSON is in a line: from just after the first `,"body":{"json":` to the
/// last `},"provider":`. Before the body the writer puts only strings and numbers, after it only
/// strings, numbers and nulls, and neither sequence can be in a string (its quote would be
/// escaped): so those two occurrences bound the body whatever the body holds. Both are found
/// without reading the body, the second from the line's end. The fields around the body are
/// then read as usual and must be the writer's. `None` for a body stored as text or base64.
pub(super) fn stored_json_body(line: &[u8]) -> Option<std::ops::Range<usize>> {
    const BEFORE: &[u8] = b",\"body\":{\"json\":";
    const AFTER: &[u8] = b"},\"provider\":";
    let start = memchr::memmem::find(line, BEFORE)? + BEFORE.len();
    let end = memchr::memrchr_iter(b'}', line).find(|&at| line[at..].starts_with(AFTER))?;
    (end > start).then_some(start..end)
}

/// A place in a line being read; each step gives `None` where the line is not what it expects.
struct Cursor<'a> {
    text: &'a str,
    at: usize,
}

impl<'a> Cursor<'a> {
    fn rest(&self) -> &'a str {
        &self.text[self.at..]
    }

    /// Whether the line goes on with `literal`, stepping over it if so.
    fn maybe(&mut self, literal: &str) -> bool {
        let found = self.rest().starts_with(literal);
        if found {
            self.at += literal.len();
        }
        found
    }

    fn expect(&mut self, literal: &str) -> Option<()> {
        self.maybe(literal).then_some(())
    }

    /// Digits, as the writer writes a format or a status (no sign, no leading zero).
    fn number(&mut self) -> Option<u32> {
        let digits = self.rest().bytes().take_while(u8::is_ascii_digit).count();
        let text = &self.rest()[..digits];
        if digits == 0 || (digits > 1 && text.starts_with('0')) {
            return None;
        }
        self.at += digits;
        text.parse().ok()
    }

    /// A number as serde_json reads it into an `f64` (its own rounding, not the standard
    /// library's): the writer uses serde_json's form, and the two readers must agree.
    fn float(&mut self) -> Option<f64> {
        let length = self
            .rest()
            .bytes()
            .take_while(|b| b.is_ascii_digit() || matches!(b, b'-' | b'+' | b'.' | b'e' | b'E'))
            .count();
        let value = serde_json::from_str(&self.rest()[..length]).ok()?;
        self.at += length;
        Some(value)
    }

    /// A string field the writer leaves out when it has none: `key` (with its comma and colon),
    /// then the string, or nothing.
    fn present_field(&mut self, key: &str) -> Option<Option<String>> {
        match self.maybe(key) {
            true => self.string().map(|s| Some(s.into_owned())),
            false => Some(None),
        }
    }

    fn optional_string(&mut self) -> Option<Option<String>> {
        match self.maybe("null") {
            true => Some(None),
            false => self.string().map(|s| Some(s.into_owned())),
        }
    }

    /// A JSON string, borrowed when it has no escape.
    fn string(&mut self) -> Option<Cow<'a, str>> {
        self.expect("\"")?;
        let start = self.at;
        let bytes = self.text.as_bytes();
        let end = start + first_to_escape(&bytes[start..])?;
        if bytes[end] == b'"' {
            self.at = end + 1;
            return Some(Cow::Borrowed(&self.text[start..end]));
        }
        let mut text = String::with_capacity(end - start + 16);
        let mut clean = start;
        let mut at = end;
        loop {
            text.push_str(&self.text[clean..at]);
            match bytes[at] {
                b'"' => {
                    self.at = at + 1;
                    return Some(Cow::Owned(text));
                }
                b'\\' => {
                    let (decoded, next) = crate::json::unescape(bytes, at + 1)?;
                    text.push(decoded);
                    at = next;
                }
                _ => return None, // A control character, which JSON has escaped.
            }
            clean = at;
            at += first_to_escape(&bytes[at..])?;
        }
    }

    /// A time as the writer writes it (RFC 3339 in UTC with `Z`, up to nine digits of fraction),
    /// else as chrono reads it for serde.
    fn timestamp(&mut self) -> Option<DateTime<Utc>> {
        let stamp = self.string()?;
        let by_hand = || {
            let b = stamp.as_bytes();
            let digits = |range: std::ops::Range<usize>| -> Option<u32> {
                let part = b.get(range)?;
                part.iter().all(u8::is_ascii_digit).then(|| {
                    part.iter()
                        .fold(0, |value, digit| value * 10 + u32::from(digit - b'0'))
                })
            };
            let separators = [(4, b'-'), (7, b'-'), (10, b'T'), (13, b':'), (16, b':')];
            if separators
                .iter()
                .any(|&(at, byte)| b.get(at) != Some(&byte))
                || b.last() != Some(&b'Z')
            {
                return None;
            }
            let nanos = match b.get(19) {
                Some(b'Z') if b.len() == 20 => 0,
                Some(b'.') if (22..=30).contains(&b.len()) => {
                    let width = b.len() - 21;
                    digits(20..20 + width)? * 10u32.pow(9 - width as u32)
                }
                _ => return None,
            };
            chrono::NaiveDate::from_ymd_opt(digits(0..4)? as i32, digits(5..7)?, digits(8..10)?)?
                .and_hms_nano_opt(digits(11..13)?, digits(14..16)?, digits(17..19)?, nanos)
                .map(|t| t.and_utc())
        };
        by_hand().or_else(|| {
            stamp
                .parse::<DateTime<chrono::FixedOffset>>()
                .ok()
                .map(|t| t.with_timezone(&Utc))
        })
    }
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

    /// The reference reader: serde, as every capture file is read.
    fn read_by_serde(line: &[u8]) -> Capture {
        let text = std::str::from_utf8(line).unwrap().trim_end_matches('\n');
        let stored: super::super::StoredCapture = serde_json::from_str(text).unwrap();
        Capture::try_from(stored).unwrap()
    }

    /// The line read by hand, and the same capture as serde reads it.
    fn read_both_ways(capture: &Capture) -> (Option<Capture>, Capture) {
        let line = capture.to_line();
        let text = std::str::from_utf8(&line).unwrap().trim_end_matches('\n');
        let by_hand = read(text.as_bytes(), None);
        // Read from a buffer of the line's own, the body is a slice of it, and nothing else differs.
        let shared = Bytes::copy_from_slice(text.as_bytes());
        let sliced = read(&shared, Some(&shared));
        assert_eq!(format!("{sliced:?}"), format!("{by_hand:?}"));
        (by_hand, read_by_serde(&line))
    }

    #[test]
    fn a_line_is_read_by_hand_as_serde_reads_it_whatever_its_optional_fields() {
        let mut capture = sample();
        let mut lines = vec![capture.clone()];
        capture.peer = None;
        capture.url = None;
        capture.provider = None;
        capture.delivery.headers = Headers::new();
        // What begins a stored body, in a header before it: only the first one in the line counts.
        let mut marked = capture.clone();
        marked
            .delivery
            .headers
            .push("x-note", r#","body":{"json":{}}"#);
        marked.delivery.body = Bytes::from_static(br#"{"b":1}"#);
        assert!(String::from_utf8(marked.to_line())
            .unwrap()
            .contains(r#","body":{"json":{"b":1}}"#));
        lines.push(marked);
        capture.verdict = Some(StoredVerdict {
            status: "invalid".into(),
            reason: Some("mismatch".into()),
            detail: "\"quoted\" \\ \u{7f} \u{1} \u{8} \u{c} é 𝄞 },\"provider\":".into(),
        });
        capture.response = Some(StoredResponse {
            status: 502,
            elapsed_ms: 12.5e-7,
            forwarded_to: Some("http://app/".into()),
        });
        for body in [
            &br#"{"a": [1, 2]}"#[..],
            // What ends a stored body, inside the body: only the last one in the line counts.
            br#"{"a":{"b":"},\"provider\":"},"provider":"x","event":null}"#,
            b"[]",
            b"\"s\"",
            b"12",
            b"text\r\n",
            b"\xff\x00",
            b"",
        ] {
            capture.delivery.body = Bytes::copy_from_slice(body);
            lines.push(capture.clone());
        }
        capture.verdict = None;
        capture.response = None;
        lines.push(capture.clone());
        for nanos in [0, 5_000_000, 123_000, 123_456_789, 1] {
            capture.received_at = DateTime::from_timestamp(1_790_000_000, nanos).unwrap();
            lines.push(capture.clone());
        }
        capture.received_at = DateTime::from_timestamp(-70_000_000_000, 0).unwrap();
        lines.push(capture);
        for capture in lines {
            let (by_hand, by_serde) = read_both_ways(&capture);
            assert_eq!(by_hand.as_ref(), Some(&by_serde), "{capture:?}");
            assert_eq!(by_serde, capture);
        }
    }

    #[test]
    fn a_line_not_as_the_writer_writes_it_is_left_to_serde() {
        let mut capture = sample();
        capture.delivery.body = Bytes::from_static(b"{\"a\":1}");
        let line = String::from_utf8(capture.to_line()).unwrap();
        let line = line.trim_end();
        assert!(read(line.as_bytes(), None).is_some());
        for (what, changed) in [
            (
                "space after a colon",
                line.replacen("\"id\":", "\"id\": ", 1),
            ),
            (
                "fields in another order",
                line.replacen(
                    "{\"format\":2,\"id\":\"abc\"",
                    "{\"id\":\"abc\",\"format\":2",
                    1,
                ),
            ),
            (
                "a newer format",
                line.replacen("\"format\":2", "\"format\":3", 1),
            ),
            (
                "a leading zero",
                line.replacen("\"format\":2", "\"format\":02", 1),
            ),
            ("something after it", format!("{line} x")),
            (
                "an unknown escape",
                line.replacen("\"abc\"", "\"a\\qc\"", 1),
            ),
            (
                "a lone surrogate",
                line.replacen("\"abc\"", "\"\\ud800\"", 1),
            ),
            ("a cut line", line[..line.len() / 2].to_string()),
        ] {
            assert!(
                read(changed.as_bytes(), None).is_none(),
                "{what}: {changed}"
            );
        }
        // A body edited into something that is not JSON is taken as stored, up to the fields
        // that follow it.
        for (edited, body) in [
            (r#"{"json":{"a":tru}"#, &br#"{"a":tru}"#[..]),
            (r#"{"json":tru{"a":1}"#, br#"tru{"a":1}"#),
        ] {
            let edited = line.replacen(r#"{"json":{"a":1}"#, edited, 1);
            let read_back = read(edited.as_bytes(), None).expect("the layout is the writer's");
            assert_eq!(&read_back.delivery.body[..], body);
        }
    }

    proptest! {
        #[test]
        fn any_line_the_writer_makes_is_read_by_hand_as_serde_reads_it(
            id in any::<String>(),
            target in any::<String>(),
            headers in proptest::collection::vec((any::<String>(), any::<String>()), 0..4),
            body in prop_oneof![any::<Vec<u8>>(), any::<String>().prop_map(|s| serde_json::to_vec(&serde_json::json!({"s": s, "n": [1.5, null, true]})).unwrap())],
            detail in any::<String>(),
            seconds in 0i64..250_000_000_000,
            nanos in prop_oneof![Just(0u32), (0u32..1000).prop_map(|n| n * 1_000_000),
                                 (0u32..1_000_000).prop_map(|n| n * 1000), 0u32..1_000_000_000],
            elapsed in any::<f64>().prop_filter("JSON holds it", |f| f.is_finite()),
        ) {
            let mut capture = sample();
            capture.id = id;
            capture.delivery.target = target;
            capture.delivery.headers = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
            capture.delivery.body = Bytes::from(body);
            capture.received_at = DateTime::from_timestamp(seconds, nanos).unwrap();
            capture.verdict = Some(StoredVerdict { status: "valid".into(), reason: None, detail });
            capture.response = Some(StoredResponse { status: 200, elapsed_ms: elapsed, forwarded_to: None });
            let (by_hand, by_serde) = read_both_ways(&capture);
            prop_assert_eq!(by_hand, Some(by_serde));
        }
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
