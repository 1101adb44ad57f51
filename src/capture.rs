//! Captures: the on-disk form of a delivery, one JSON file each, written atomically.
//!
//! A file is named `<UTC time>-<sequence>-<provider>-<event>.json`, so sorting names sorts by
//! arrival. Names are built only from the clock, the sequence and catalogue names, never from
//! request data. A capture is written to a hidden temporary file and renamed into place, so a
//! reader never sees a partial one.

use std::path::{Path, PathBuf};

use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use bytes::Bytes;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::delivery::{Delivery, Headers};

/// The version of the format this build writes.
pub const FORMAT: u32 = 1;

/// A body as stored: text when it is UTF-8, else base64.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum StoredBody {
    Text(String),
    Base64(String),
}

impl StoredBody {
    pub fn from_bytes(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            Ok(text) => StoredBody::Text(text.to_string()),
            Err(_) => StoredBody::Base64(B64.encode(bytes)),
        }
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>, base64::DecodeError> {
        match self {
            StoredBody::Text(text) => Ok(text.as_bytes().to_vec()),
            StoredBody::Base64(encoded) => B64.decode(encoded),
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

/// One captured delivery.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Capture {
    pub format: u32,
    pub id: String,
    pub received_at: DateTime<Utc>,
    #[serde(default)]
    pub peer: Option<String>,
    pub method: String,
    pub target: String,
    /// The URL the delivery was verified against (MobilePay signs it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub url: Option<String>,
    #[serde(default = "default_http_version")]
    pub http_version: String,
    pub headers: Vec<(String, String)>,
    pub body: StoredBody,
    #[serde(default)]
    pub provider: Option<String>,
    #[serde(default)]
    pub event: Option<String>,
    #[serde(default)]
    pub verdict: Option<StoredVerdict>,
    #[serde(default)]
    pub response: Option<StoredResponse>,
}

fn default_http_version() -> String {
    "HTTP/1.1".into()
}

impl Capture {
    /// The delivery as it arrived.
    pub fn delivery(&self) -> Result<Delivery, String> {
        let body = self.body.to_bytes().map_err(|e| format!("the body is not valid base64: {e}"))?;
        Ok(Delivery {
            method: self.method.clone(),
            target: self.target.clone(),
            headers: self.headers.iter().cloned().collect::<Headers>(),
            body: Bytes::from(body),
        })
    }

    /// The file name: arrival time, sequence, provider, event.
    pub fn file_name(&self, sequence: u64) -> String {
        format!(
            "{}-{sequence:06}-{}-{}.json",
            self.received_at.format("%Y%m%dT%H%M%S%.6fZ"),
            safe(self.provider.as_deref().unwrap_or("unknown")),
            safe(self.event.as_deref().unwrap_or("unknown")),
        )
    }
}

/// Keep only characters that are safe in a file name on every system.
fn safe(name: &str) -> String {
    let cleaned: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' })
        .take(80)
        .collect();
    let trimmed = cleaned.trim_start_matches('.');
    if trimmed.is_empty() {
        "unknown".into()
    } else {
        trimmed.to_string()
    }
}

/// Make the capture folder, private to the user.
pub fn create_dir(dir: &Path) -> std::io::Result<()> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir)
}

/// Remove the temporary files that a listener killed mid-write left behind; returns how many.
pub fn clean_leftovers(dir: &Path) -> usize {
    let Ok(entries) = std::fs::read_dir(dir) else { return 0 };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p.file_name().map(|n| n.to_string_lossy().into_owned()).unwrap_or_default();
            name.starts_with('.') && name.ends_with(".json.tmp")
        })
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// Write a capture atomically: a hidden temporary file in the same folder, then a rename.
pub fn write(dir: &Path, name: &str, capture: &Capture) -> std::io::Result<PathBuf> {
    use std::io::Write;
    let bytes = serde_json::to_vec_pretty(capture).map_err(std::io::Error::other)?;
    let final_path = dir.join(name);
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(&bytes)?;
        file.write_all(b"\n")?;
        std::fs::rename(&temporary, &final_path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result.map(|()| final_path)
}

/// Read one capture file.
pub fn read(path: &Path) -> Result<Capture, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read it: {e}"))?;
    parse(&bytes)
}

/// Parse the contents of a capture file.
pub fn parse(bytes: &[u8]) -> Result<Capture, String> {
    let capture: Capture = serde_json::from_slice(bytes).map_err(|e| format!("not a capture file: {e}"))?;
    if capture.format > FORMAT {
        return Err(format!("capture format {} is newer than this hookctl reads ({FORMAT})", capture.format));
    }
    Ok(capture)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Capture {
        Capture {
            format: FORMAT,
            id: "abc".into(),
            received_at: DateTime::parse_from_rfc3339("2026-11-23T19:15:27.123456Z").unwrap().with_timezone(&Utc),
            peer: Some("127.0.0.1:5000".into()),
            method: "POST".into(),
            target: "/hooks?x=1".into(),
            url: Some("http://127.0.0.1:8080/hooks?x=1".into()),
            http_version: "HTTP/1.1".into(),
            headers: vec![
                ("content-type".into(), "application/json".into()),
                ("x-a".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ],
            body: StoredBody::from_bytes(&[0xff, 0x00, 0x01]),
            provider: Some("treezor".into()),
            event: Some("../../etc/passwd".into()),
            verdict: None,
            response: None,
        }
    }

    #[test]
    fn names_sort_by_arrival_and_never_escape_the_folder() {
        let capture = sample();
        let name = capture.file_name(7);
        assert_eq!(name, "20261123T191527.123456Z-000007-treezor-_.._etc_passwd.json");
        assert!(!name.contains('/'));
    }

    #[test]
    fn round_trips_binary_bodies_and_duplicate_headers() {
        let dir = tempfile::tempdir().unwrap();
        let capture = sample();
        let path = write(dir.path(), &capture.file_name(1), &capture).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back, capture);
        assert_eq!(&back.delivery().unwrap().body[..], &[0xff, 0x00, 0x01]);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path()).unwrap().filter_map(Result::ok).collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}

/// A capture file that could not be used, and why.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub path: PathBuf,
    pub why: String,
}

/// Every capture named: files as given, folders as every `*.json` in them sorted by name (which is
/// arrival order). Hidden files, such as the temporary files of an interrupted write, are skipped.
/// Read and parse files on every core at once (a replay of many captures is otherwise bound by
/// reading them one by one), the results in the files' order.
fn read_all(files: &[PathBuf]) -> Vec<Result<Capture, String>> {
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(files.len()).max(1);
    let share = files.len().div_ceil(threads).max(1);
    std::thread::scope(|scope| {
        let readers: Vec<_> = files
            .chunks(share)
            .map(|part| scope.spawn(move || part.iter().map(|f| read(f)).collect::<Vec<_>>()))
            .collect();
        readers
            .into_iter()
            .flat_map(|reader| reader.join().unwrap_or_else(|panic| std::panic::resume_unwind(panic)))
            .collect()
    })
}

pub fn collect(paths: &[PathBuf]) -> (Vec<(PathBuf, Capture)>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut bad = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut found: Vec<PathBuf> = entries
                        .filter_map(Result::ok)
                        .map(|e| e.path())
                        .filter(|p| p.extension().is_some_and(|e| e == "json"))
                        .filter(|p| !p.file_name().is_some_and(|n| n.to_string_lossy().starts_with('.')))
                        .collect();
                    found.sort();
                    files.extend(found);
                }
                Err(e) => bad.push(Unreadable { path: path.clone(), why: format!("cannot read the folder: {e}") }),
            }
        } else {
            files.push(path.clone());
        }
    }
    let mut good = Vec::with_capacity(files.len());
    let results = read_all(&files);
    for (file, read) in files.into_iter().zip(results) {
        match read {
            Ok(capture) => good.push((file, capture)),
            Err(why) => bad.push(Unreadable { path: file, why }),
        }
    }
    (good, bad)
}
