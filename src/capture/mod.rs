//! Captures: the on-disk form of a delivery, one JSON file each, written atomically.
//!
//! A capture is a [`Delivery`] with what the listener knew and did about it. This file holds the
//! format; [`name`] names the files, [`write`] puts them in place and [`read`] lists and reads
//! them back.

mod journal;
mod line;
mod name;
mod read;
mod write;

use std::time::Duration;

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;

use crate::delivery::{Delivery, Headers};
use crate::server::Received;

pub use journal::{create_parent, Counts, JournalWriter};
pub use name::file_name;
pub use read::{
    collect, is_journal, list, parse, read, Listing, ParseOn, ReadAhead, Source, StreamedJournal,
    Unreadable,
};
pub use write::{clean_leftovers, create_dir, write, Writer};

/// Where a listener saves: a folder of one file per capture, or a journal.
pub enum Sink {
    Folder { writer: Writer, sync: bool },
    Journal(JournalWriter),
}

/// Where a capture was saved.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Saved {
    File(std::path::PathBuf),
    Line {
        journal: std::path::PathBuf,
        number: u64,
    },
}

/// The file, or `journal.jsonl:17`.
impl std::fmt::Display for Saved {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Saved::File(path) => write!(f, "{}", path.display()),
            Saved::Line { journal, number } => write!(f, "{}:{number}", journal.display()),
        }
    }
}

impl Sink {
    /// Save into `path`: a journal when it ends in `.jsonl`, else a folder. The second value is
    /// how many bytes of a torn last line were cut from the journal first.
    pub fn start(path: std::path::PathBuf, sync: bool) -> std::io::Result<(Sink, u64)> {
        if is_journal(&path) {
            let (journal, cut) = JournalWriter::start(path, sync)?;
            Ok((Sink::Journal(journal), cut))
        } else {
            Ok((
                Sink::Folder {
                    writer: Writer::start(path, sync)?,
                    sync,
                },
                0,
            ))
        }
    }

    /// Save one capture, handing it back. Folders name their files (`name` is asked only then)
    /// on writer threads, where the capture goes boxed; journals write its line where they are
    /// called and number it.
    pub async fn write(
        &self,
        name: impl FnOnce() -> String,
        capture: Capture,
    ) -> (std::io::Result<Saved>, Option<Capture>) {
        match self {
            Sink::Folder { writer, .. } => {
                let (result, capture) = writer.write(name(), Box::new(capture)).await;
                (result.map(Saved::File), capture.map(|boxed| *boxed))
            }
            Sink::Journal(journal) => {
                let result = journal.write(&capture).await;
                (
                    result.map(|number| Saved::Line {
                        journal: journal.path.clone(),
                        number,
                    }),
                    Some(capture),
                )
            }
        }
    }
}

/// The version of the format this build writes. 2 added bodies stored as JSON (`{"json": …}`);
/// version 1 files are read as they are.
pub const FORMAT: u32 = 2;

/// A body as stored: itself when it is a JSON text (readable, and cheap to read back), else text
/// when it is UTF-8, else base64. Each form gives back exactly the bytes received.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredBody {
    Json(Box<RawValue>),
    Text(String),
    Base64(String),
}

impl StoredBody {
    /// The bytes, without a copy for JSON and text bodies.
    pub fn into_bytes(self) -> Result<Bytes, base64::DecodeError> {
        match self {
            StoredBody::Json(raw) => Ok(Bytes::from(Box::<str>::from(raw).into_string())),
            StoredBody::Text(text) => Ok(Bytes::from(text)),
            StoredBody::Base64(encoded) => B64.decode(encoded).map(Bytes::from),
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        match self {
            StoredBody::Json(raw) => Ok(raw.get().as_bytes().to_vec()),
            StoredBody::Text(text) => Ok(text.as_bytes().to_vec()),
            StoredBody::Base64(encoded) => B64.decode(encoded),
        }
    }
}

/// A body on its way to disk, borrowed from the delivery: the forms of [`StoredBody`].
#[derive(Serialize)]
#[serde(rename_all = "lowercase")]
enum BodyToStore<'a> {
    Json(&'a RawValue),
    Text(&'a str),
    Base64(String),
}

impl<'a> BodyToStore<'a> {
    fn of(bytes: &'a [u8]) -> Self {
        Self::storing(bytes, false)
    }

    /// For a journal's line, which holds no newline: a JSON body with line breaks (Stripe's are
    /// pretty-printed) is stored as text, whose newlines are escaped.
    fn of_line(bytes: &'a [u8]) -> Self {
        Self::storing(bytes, true)
    }

    fn storing(bytes: &'a [u8], one_line: bool) -> Self {
        match std::str::from_utf8(bytes) {
            // Stored as JSON only when that keeps every byte: serde_json's raw value leaves out
            // whitespace around the value, so a body with any is stored as text.
            Ok(text) => match serde_json::from_str::<&RawValue>(text) {
                Ok(raw)
                    if raw.get().len() == text.len()
                        && !(one_line && text.contains(['\n', '\r'])) =>
                {
                    BodyToStore::Json(raw)
                }
                _ => BodyToStore::Text(text),
            },
            Err(_) => BodyToStore::Base64(B64.encode(bytes)),
        }
    }

    /// The name of the form, as it appears in the file.
    #[cfg(test)]
    fn form(&self) -> &'static str {
        match self {
            BodyToStore::Json(_) => "json",
            BodyToStore::Text(_) => "text",
            BodyToStore::Base64(_) => "base64",
        }
    }
}

/// The verdict as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredVerdict {
    /// `valid`, `invalid`, `unsigned`, `no_secret`, or `unknown_provider`.
    pub status: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    #[serde(default)]
    pub detail: String,
}

/// What the listener answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StoredResponse {
    pub status: u16,
    #[serde(default)]
    pub elapsed_ms: f64,
    /// Set when the answer came from the app behind `--forward-to`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub forwarded_to: Option<String>,
}

/// One captured delivery: the delivery as it arrived, and what the listener made of it.
#[derive(Debug, Clone)]
pub struct Capture {
    pub format: u32,
    pub id: String,
    pub received_at: DateTime<Utc>,
    pub peer: Option<String>,
    /// The URL the delivery was verified against (MobilePay signs it).
    pub url: Option<String>,
    pub http_version: String,
    pub delivery: Delivery,
    pub provider: Option<String>,
    pub event: Option<String>,
    pub verdict: Option<StoredVerdict>,
    pub response: Option<StoredResponse>,
    /// The listener parsed the body as a JSON object, so a journal line can hold it as JSON
    /// without a second pass over it. Not stored; false for captures read back.
    pub body_is_json: bool,
}

/// Captures are equal when their files would be.
impl PartialEq for Capture {
    fn eq(&self, other: &Self) -> bool {
        let (a, b) = (&self.delivery, &other.delivery);
        self.format == other.format
            && self.id == other.id
            && self.received_at == other.received_at
            && self.peer == other.peer
            && self.url == other.url
            && self.http_version == other.http_version
            && (&a.method, &a.target, &a.headers, &a.body)
                == (&b.method, &b.target, &b.headers, &b.body)
            && self.provider == other.provider
            && self.event == other.event
            && self.verdict == other.verdict
            && self.response == other.response
    }
}

/// What the listener made of a delivery and did with it, as it goes into the capture.
pub struct Handled {
    /// The URL the delivery was verified against.
    pub url: String,
    pub provider: Option<String>,
    pub event: Option<String>,
    pub verdict: StoredVerdict,
    pub status: u16,
    pub elapsed: Duration,
    pub forwarded_to: Option<String>,
    /// The body parsed as a JSON object (see [`Capture::body_is_json`]).
    pub body_is_json: bool,
}

impl Capture {
    /// A received delivery as it is stored, taking the delivery out of `received` (the listener
    /// puts it back once the capture is written).
    pub fn record(received: &mut Received, handled: Handled) -> Capture {
        let empty = Delivery {
            method: String::new(),
            target: String::new(),
            headers: Headers::new(),
            body: Bytes::new(),
        };
        Capture {
            format: FORMAT,
            // From the thread's generator: `new_v4` asks the kernel for every id, a system call per capture.
            id: uuid::Builder::from_random_bytes(rand::random())
                .into_uuid()
                .hyphenated()
                .encode_lower(&mut uuid::Uuid::encode_buffer())
                .to_owned(),
            received_at: received.received_at,
            peer: Some(received.peer.to_string()),
            url: Some(handled.url),
            http_version: received.http_version.to_string(),
            delivery: std::mem::replace(&mut received.delivery, empty),
            provider: handled.provider,
            event: handled.event,
            verdict: Some(handled.verdict),
            response: Some(StoredResponse {
                status: handled.status,
                elapsed_ms: (handled.elapsed.as_secs_f64() * 1_000_000.0).round() / 1000.0,
                forwarded_to: handled.forwarded_to,
            }),
            body_is_json: handled.body_is_json,
        }
    }

    /// The file name: arrival time, sequence, provider, event.
    pub fn file_name(&self, sequence: u64) -> String {
        file_name(
            self.received_at,
            sequence,
            self.provider.as_deref(),
            self.event.as_deref(),
        )
    }

    /// The file's contents: pretty-printed JSON and a newline.
    pub fn to_file_bytes(&self) -> serde_json::Result<Vec<u8>> {
        let mut bytes =
            serde_json::to_vec_pretty(&self.as_file(BodyToStore::of(&self.delivery.body)))?;
        bytes.push(b'\n');
        Ok(bytes)
    }

    fn as_file<'a>(&'a self, body: BodyToStore<'a>) -> CaptureFile<'a> {
        let d = &self.delivery;
        CaptureFile {
            format: self.format,
            id: &self.id,
            received_at: &self.received_at,
            peer: &self.peer,
            method: &d.method,
            target: &d.target,
            url: &self.url,
            http_version: &self.http_version,
            headers: &d.headers,
            body,
            provider: &self.provider,
            event: &self.event,
            verdict: &self.verdict,
            response: &self.response,
        }
    }
}

/// The file as written: the fields in their order of format 1 and 2, borrowed from the capture.
#[derive(Serialize)]
struct CaptureFile<'a> {
    format: u32,
    id: &'a str,
    received_at: &'a DateTime<Utc>,
    peer: &'a Option<String>,
    method: &'a str,
    target: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    url: &'a Option<String>,
    http_version: &'a str,
    headers: &'a Headers,
    body: BodyToStore<'a>,
    provider: &'a Option<String>,
    event: &'a Option<String>,
    verdict: &'a Option<StoredVerdict>,
    response: &'a Option<StoredResponse>,
}

/// The file as read: what every version has, and defaults for what older ones lack.
#[derive(Deserialize)]
struct StoredCapture {
    format: u32,
    id: String,
    received_at: DateTime<Utc>,
    #[serde(default)]
    peer: Option<String>,
    method: String,
    target: String,
    #[serde(default)]
    url: Option<String>,
    #[serde(default = "default_http_version")]
    http_version: String,
    headers: Headers,
    body: StoredBody,
    #[serde(default)]
    provider: Option<String>,
    #[serde(default)]
    event: Option<String>,
    #[serde(default)]
    verdict: Option<StoredVerdict>,
    #[serde(default)]
    response: Option<StoredResponse>,
}

fn default_http_version() -> String {
    "HTTP/1.1".into()
}

impl TryFrom<StoredCapture> for Capture {
    type Error = String;

    fn try_from(stored: StoredCapture) -> Result<Self, String> {
        let body = stored
            .body
            .into_bytes()
            .map_err(|e| format!("the body is not valid base64: {e}"))?;
        Ok(Capture {
            format: stored.format,
            id: stored.id,
            received_at: stored.received_at,
            peer: stored.peer,
            url: stored.url,
            http_version: stored.http_version,
            delivery: Delivery {
                method: stored.method,
                target: stored.target,
                headers: stored.headers,
                body,
            },
            provider: stored.provider,
            event: stored.event,
            verdict: stored.verdict,
            response: stored.response,
            body_is_json: false,
        })
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn sample() -> Capture {
        Capture {
            format: FORMAT,
            id: "abc".into(),
            received_at: DateTime::parse_from_rfc3339("2026-11-23T19:15:27.123456Z")
                .unwrap()
                .with_timezone(&Utc),
            peer: Some("127.0.0.1:5000".into()),
            url: Some("http://127.0.0.1:8080/hooks?x=1".into()),
            http_version: "HTTP/1.1".into(),
            delivery: Delivery {
                method: "POST".into(),
                target: "/hooks?x=1".into(),
                headers: [
                    ("content-type", "application/json"),
                    ("x-a", "1"),
                    ("x-a", "2"),
                ]
                .into_iter()
                .collect(),
                body: Bytes::from_static(&[0xff, 0x00, 0x01]),
            },
            provider: Some("treezor".into()),
            event: Some("../../etc/passwd".into()),
            verdict: None,
            response: None,
            body_is_json: false,
        }
    }

    /// A JSON value from its text (test data is written as JSON).
    fn parsed(text: &str) -> serde_json::Value {
        serde_json::from_str(text).expect("test data is JSON")
    }

    #[test]
    fn bodies_come_back_byte_for_byte_in_every_form() {
        let bodies: [(&[u8], &str); 6] = [
            (br#"{"a":[1,2.50,"\u00e9\/"],"b":{}}"#, "json"),
            (b"{\n  \"pretty\": true\n}", "json"),
            (b" {\"space\": \"around\"}\n", "text"),
            (b"{\"broken\": ", "text"),
            (b"plain words", "text"),
            (&[0xff, 0x00, 0x7b], "base64"),
        ];
        for (body, form) in bodies {
            assert_eq!(BodyToStore::of(body).form(), form);
            let mut capture = sample();
            capture.delivery.body = Bytes::copy_from_slice(body);
            let bytes = capture.to_file_bytes().unwrap();
            let stored: serde_json::Value = serde_json::from_slice(&bytes).unwrap();
            assert!(
                stored["body"].get(form).is_some(),
                "{form}: {}",
                stored["body"]
            );
            assert_eq!(parse(&bytes).unwrap().delivery.body, body, "{form}");
        }
    }

    #[test]
    fn the_file_keeps_the_fields_and_their_order_of_the_format() {
        let bytes = sample().to_file_bytes().unwrap();
        let stored: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(&bytes).unwrap();
        let keys: Vec<&str> = stored.keys().map(String::as_str).collect();
        let expected = [
            "format",
            "id",
            "received_at",
            "peer",
            "method",
            "target",
            "url",
            "http_version",
            "headers",
            "body",
            "provider",
            "event",
            "verdict",
            "response",
        ];
        assert_eq!(keys, expected);
        assert_eq!(
            stored["headers"],
            parsed(r#"[ ["content-type", "application/json"], ["x-a", "1"], ["x-a", "2"] ]"#)
        );
        assert_eq!(parse(&bytes).unwrap(), sample());
    }

    #[test]
    fn a_journal_line_holds_no_newline_and_gives_back_every_byte() {
        for body in [
            &b"{\n  \"pretty\": true\n}"[..],
            b"{\"compact\":1}",
            b"line\r\nbreaks",
            &[0xff, 0x0a],
        ] {
            let mut capture = sample();
            capture.delivery.body = Bytes::copy_from_slice(body);
            let line = capture.to_line();
            assert_eq!(
                line.iter().filter(|&&b| b == b'\n').count(),
                1,
                "{:?}",
                String::from_utf8_lossy(&line)
            );
            assert_eq!(parse(&line[..line.len() - 1]).unwrap().delivery.body, body);
        }
    }

    #[test]
    fn version_1_captures_are_still_read() {
        let v1 = br#"{"format":1,"id":"x","received_at":"2026-11-23T19:15:27Z","method":"POST","target":"/",
            "headers":[["content-type","application/json"]],"body":{"text":"{\"a\":1}"},"provider":"github","event":"ping"}"#;
        let capture = parse(v1).unwrap();
        assert_eq!(&capture.delivery.body[..], br#"{"a":1}"#);
        assert_eq!(
            capture.delivery.headers.get("Content-Type"),
            Some("application/json")
        );
        assert_eq!(capture.http_version, "HTTP/1.1");
    }

    #[test]
    fn a_body_that_is_not_base64_makes_the_file_unreadable() {
        let bad = br#"{"format":2,"id":"x","received_at":"2026-11-23T19:15:27Z","method":"POST","target":"/",
            "headers":[],"body":{"base64":"!!"}}"#;
        assert!(parse(bad).unwrap_err().contains("base64"));
    }
}
