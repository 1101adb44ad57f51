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
use serde_json::value::RawValue;

use crate::delivery::{Delivery, Headers};
use crate::units;

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
    pub fn from_bytes(bytes: &[u8]) -> Self {
        match std::str::from_utf8(bytes) {
            // Stored as JSON only when that keeps every byte: serde_json's raw value leaves out
            // whitespace around the value, so a body with any is stored as text.
            Ok(text) => match serde_json::from_str::<Box<RawValue>>(text) {
                Ok(raw) if raw.get().len() == text.len() => StoredBody::Json(raw),
                _ => StoredBody::Text(text.to_string()),
            },
            Err(_) => StoredBody::Base64(B64.encode(bytes)),
        }
    }

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

/// Bodies are equal when they give back the same bytes in the same form.
impl PartialEq for StoredBody {
    fn eq(&self, other: &Self) -> bool {
        match (self, other) {
            (StoredBody::Json(a), StoredBody::Json(b)) => a.get() == b.get(),
            (StoredBody::Text(a), StoredBody::Text(b)) | (StoredBody::Base64(a), StoredBody::Base64(b)) => a == b,
            _ => false,
        }
    }
}

impl Eq for StoredBody {}

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
            headers: self.headers.iter().map(|(name, value)| (name, value)).collect::<Headers>(),
            body: Bytes::from(body),
        })
    }

    /// The file name: arrival time, sequence, provider, event.
    pub fn file_name(&self, sequence: u64) -> String {
        file_name(self.received_at, sequence, self.provider.as_deref(), self.event.as_deref())
    }
}

/// A capture's file name: arrival time, sequence, provider, event (`unknown` for those missing).
/// Built piece by piece rather than with `format!`: a listener names a file for every delivery.
pub fn file_name(received_at: DateTime<Utc>, sequence: u64, provider: Option<&str>, event: Option<&str>) -> String {
    let (provider, event) = (safe(provider.unwrap_or("unknown")), safe(event.unwrap_or("unknown")));
    let mut name = String::with_capacity(40 + provider.len() + event.len());
    push_stamp(&mut name, received_at);
    name.push('-');
    units::push_padded(&mut name, sequence, 6);
    for part in ["-", &provider, "-", &event, ".json"] {
        name.push_str(part);
    }
    name
}

/// `20261123T191527.123456Z`: UTC to the microsecond, so that names sort by arrival; what chrono
/// writes for `%Y%m%dT%H%M%S%.6fZ`, without reading that format string anew for every capture.
fn push_stamp(out: &mut String, at: DateTime<Utc>) {
    use chrono::{Datelike, Timelike};
    if !(0..=9999).contains(&at.year()) {
        out.push_str(&at.format("%Y%m%dT%H%M%S%.6fZ").to_string());
        return;
    }
    // During a leap second the nanoseconds run past a billion: chrono shows it as second 60.
    let (leap, nanos) = (at.nanosecond() / 1_000_000_000, at.nanosecond() % 1_000_000_000);
    let date = [(at.year() as u32, 4), (at.month(), 2), (at.day(), 2)];
    let time = [(at.hour(), 2), (at.minute(), 2), (at.second() + leap, 2)];
    for (part, separator) in [(date, 'T'), (time, '.')] {
        for (value, width) in part {
            units::push_padded(out, u64::from(value), width);
        }
        out.push(separator);
    }
    units::push_padded(out, u64::from(nanos / 1_000), 6);
    out.push('Z');
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

/// Write a capture atomically: it appears under its name whole, or not at all.
pub fn write(dir: &Path, name: &str, capture: &Capture) -> std::io::Result<PathBuf> {
    let mut bytes = serde_json::to_vec_pretty(capture).map_err(std::io::Error::other)?;
    bytes.push(b'\n');
    let final_path = dir.join(name);
    #[cfg(target_os = "linux")]
    if unnamed::write(dir, &final_path, &bytes) {
        return Ok(final_path);
    }
    write_then_rename(dir, name, &final_path, &bytes)?;
    Ok(final_path)
}

/// The portable way: a hidden temporary file in the same folder, then a rename.
fn write_then_rename(dir: &Path, name: &str, final_path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        std::fs::rename(&temporary, final_path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// On Linux, a capture is written into a file that has no name yet (`O_TMPFILE`) and then linked
/// under its final name: one change to the folder instead of two (create, then rename), which
/// the filesystem does one at a time (BENCHMARKS.md: in a C loop, 1.3× the files a second on
/// tmpfs and 1.6× on ext4). A listener killed mid-write leaves nothing behind at all.
#[cfg(target_os = "linux")]
mod unnamed {
    use std::io::Write;
    use std::path::Path;
    use std::sync::atomic::{AtomicBool, Ordering};

    use rustix::fs::{AtFlags, Mode, OFlags, CWD};

    /// Set once a filesystem has refused: from then on captures go the portable way directly.
    static UNSUPPORTED: AtomicBool = AtomicBool::new(false);

    /// Whether the capture is in place. `false` means nothing was left in the folder: the caller
    /// writes it the portable way, which also reports real errors (a missing folder, a full disk).
    pub fn write(dir: &Path, final_path: &Path, bytes: &[u8]) -> bool {
        if UNSUPPORTED.load(Ordering::Relaxed) {
            return false;
        }
        let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
        let file = match rustix::fs::open(dir, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => std::fs::File::from(fd),
            Err(error) => {
                // Filesystems and kernels without it answer one of these; anything else (the
                // folder is gone, say) is left for the portable way to report.
                if [rustix::io::Errno::OPNOTSUPP, rustix::io::Errno::ISDIR, rustix::io::Errno::INVAL].contains(&error) {
                    UNSUPPORTED.store(true, Ordering::Relaxed);
                }
                return false;
            }
        };
        if (&file).write_all(bytes).is_err() {
            return false;
        }
        // Linking by the descriptor's /proc entry needs no privilege (AT_EMPTY_PATH would). A file
        // that already has the name makes it fail; the portable way then replaces that file, so
        // both ways end alike.
        let link = format!("/proc/self/fd/{}", std::os::fd::AsRawFd::as_raw_fd(&file));
        match rustix::fs::linkat(CWD, link.as_str(), CWD, final_path, AtFlags::SYMLINK_FOLLOW) {
            Ok(()) => true,
            Err(error) => {
                // No /proc, or one that may not be used: the same for every capture to come.
                if [rustix::io::Errno::NOENT, rustix::io::Errno::PERM, rustix::io::Errno::ACCESS].contains(&error)
                    && !Path::new("/proc/self/fd").is_dir()
                {
                    UNSUPPORTED.store(true, Ordering::Relaxed);
                }
                false
            }
        }
    }
}

/// How many threads write captures. Files in one folder are created one at a time by the
/// filesystem anyway; two keep serialising one capture while the other thread is in the kernel.
const WRITERS: usize = 2;

/// Writes captures into one folder on threads of its own, so that file I/O never holds up the
/// async workers that accept and read requests. Handing a capture over costs a queue push; a
/// writer that finds several waiting writes them one after the other without sleeping between,
/// and each caller hears of its own file through a oneshot channel.
pub struct Writer {
    queue: std::sync::mpsc::Sender<Write>,
}

struct Write {
    name: String,
    capture: Box<Capture>,
    done: tokio::sync::oneshot::Sender<std::io::Result<PathBuf>>,
}

impl Writer {
    pub fn start(dir: PathBuf) -> std::io::Result<Self> {
        let (queue, incoming) = std::sync::mpsc::channel::<Write>();
        let incoming = std::sync::Arc::new(std::sync::Mutex::new(incoming));
        let dir: std::sync::Arc<Path> = dir.into();
        for _ in 0..WRITERS {
            let (incoming, dir) = (incoming.clone(), dir.clone());
            std::thread::Builder::new().name("capture-writer".into()).spawn(move || loop {
                // The lock is held only to take the next capture; it ends when the queue closes.
                let next = incoming.lock().unwrap_or_else(|e| e.into_inner()).recv();
                let Ok(job) = next else { break };
                // The caller may have gone (its connection dropped); the file is written anyway.
                let _ = job.done.send(write(&dir, &job.name, &job.capture));
            })?;
        }
        Ok(Writer { queue })
    }

    /// Write a capture under `name`; resolves once the file is in place.
    pub async fn write(&self, name: String, capture: Capture) -> std::io::Result<PathBuf> {
        let (done, written) = tokio::sync::oneshot::channel();
        let job = Write { name, capture: Box::new(capture), done };
        self.queue.send(job).map_err(|_| std::io::Error::other("the capture writers have stopped"))?;
        written.await.map_err(|_| std::io::Error::other("a capture writer stopped before writing"))?
    }
}

/// Read one capture file.
pub fn read(path: &Path) -> Result<Capture, String> {
    read_into(path, &mut Vec::new())
}

/// [`read`], through a buffer the caller keeps for the next file.
fn read_into(path: &Path, buffer: &mut Vec<u8>) -> Result<Capture, String> {
    use std::io::Read;
    buffer.clear();
    // Through `take`, `read_to_end` reads into the buffer kept from the last file until the end;
    // on a bare `File` it first asks for the file's size and position, two more system calls per
    // capture, and replay reads thousands of small files.
    std::fs::File::open(path)
        .and_then(|file| file.take(u64::MAX).read_to_end(buffer))
        .map_err(|e| format!("cannot read it: {e}"))?;
    parse(buffer)
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
    fn bodies_come_back_byte_for_byte_in_every_form() {
        let dir = tempfile::tempdir().unwrap();
        let bodies: [(&[u8], &str); 6] = [
            (br#"{"a":[1,2.50,"\u00e9\/"],"b":{}}"#, "json"),
            (b"{\n  \"pretty\": true\n}", "json"),
            (b" {\"space\": \"around\"}\n", "text"),
            (b"{\"broken\": ", "text"),
            (b"plain words", "text"),
            (&[0xff, 0x00, 0x7b], "base64"),
        ];
        for (index, (body, form)) in bodies.into_iter().enumerate() {
            let capture = Capture { body: StoredBody::from_bytes(body), ..sample() };
            let path = write(dir.path(), &capture.file_name(index as u64), &capture).unwrap();
            let stored: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
            assert!(stored["body"].get(form).is_some(), "{form}: {}", stored["body"]);
            assert_eq!(read(&path).unwrap().delivery().unwrap().body, body, "{form}");
            assert_eq!(read(&path).unwrap().body.into_bytes().unwrap(), body, "{form}, taken apart");
        }
    }

    #[test]
    fn version_1_captures_are_still_read() {
        let v1 = br#"{"format":1,"id":"x","received_at":"2026-11-23T19:15:27Z","method":"POST","target":"/",
            "headers":[["content-type","application/json"]],"body":{"text":"{\"a\":1}"},"provider":"github","event":"ping"}"#;
        let capture = parse(v1).unwrap();
        assert_eq!(&capture.delivery().unwrap().body[..], br#"{"a":1}"#);
    }

    #[test]
    fn read_ahead_gives_each_capture_in_its_place_whatever_order_it_is_asked_in() {
        let dir = tempfile::tempdir().unwrap();
        let count = RUN * 5 + 3;
        let files: Vec<PathBuf> = (0..count)
            .map(|n| {
                let capture = Capture { id: format!("capture-{n}"), ..sample() };
                write(dir.path(), &capture.file_name(n as u64), &capture).unwrap()
            })
            .collect();
        std::fs::write(&files[RUN + 1], "{ not a capture").unwrap();
        let expected = |n: usize| if n == RUN + 1 { None } else { Some(format!("capture-{n}")) };
        let in_order = ReadAhead::start(files.clone().into());
        for n in 0..count {
            assert_eq!(in_order.take(n).ok().map(|c| c.id), expected(n), "in order, {n}");
        }
        // Out of order, as tasks on several threads may ask: from the end, runs taken backwards.
        let scrambled = ReadAhead::start(files.into());
        for n in (0..count).rev() {
            assert_eq!(scrambled.take(n).ok().map(|c| c.id), expected(n), "out of order, {n}");
        }
    }

    #[test]
    fn both_ways_of_writing_put_the_whole_capture_in_place_privately_and_leave_nothing_else() {
        let capture = sample();
        let mut bytes = serde_json::to_vec_pretty(&capture).unwrap();
        bytes.push(b'\n');
        let dir = tempfile::tempdir().unwrap();
        let check = |name: &str| {
            let path = dir.path().join(name);
            assert_eq!(read(&path).unwrap(), capture);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(std::fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
            }
        };
        write_then_rename(dir.path(), "portable.json", &dir.path().join("portable.json"), &bytes).unwrap();
        check("portable.json");
        #[cfg(target_os = "linux")]
        let unnamed_written = unnamed::write(dir.path(), &dir.path().join("unnamed.json"), &bytes);
        #[cfg(not(target_os = "linux"))]
        let unnamed_written = false;
        if unnamed_written {
            check("unnamed.json");
        } else {
            eprintln!("no O_TMPFILE here: only the portable way was checked");
        }
        // The public entry point takes whichever way works here.
        let path = write(dir.path(), "entry.json", &capture).unwrap();
        assert_eq!(std::fs::read(path).unwrap(), bytes);
        let mut names: Vec<String> =
            std::fs::read_dir(dir.path()).unwrap().map(|e| e.unwrap().file_name().into_string().unwrap()).collect();
        names.sort();
        let expected: &[&str] = if unnamed_written {
            &["entry.json", "portable.json", "unnamed.json"]
        } else {
            &["entry.json", "portable.json"]
        };
        assert_eq!(names, expected, "no temporary file is left behind");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_unnamed_write_leaves_a_name_already_taken_to_the_portable_way() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken.json");
        std::fs::write(&path, b"first").unwrap();
        // The link fails on the existing name, and nothing is written: the portable way decides.
        assert!(!unnamed::write(dir.path(), &path, b"second"));
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn stamps_are_written_as_chrono_writes_them() {
        let formats = |at: DateTime<Utc>| {
            let mut stamp = String::new();
            push_stamp(&mut stamp, at);
            assert_eq!(stamp, at.format("%Y%m%dT%H%M%S%.6fZ").to_string(), "{at:?}");
        };
        for seconds in [0, 1, 59, 86_399, 951_782_400, 1_764_460_800, 4_102_444_799, 253_402_300_799] {
            for micros in [0, 1, 9, 10, 123_456, 999_999] {
                formats(DateTime::from_timestamp(seconds, micros * 1_000 + 789).unwrap());
            }
        }
        // A leap second.
        let leap = chrono::NaiveDate::from_ymd_opt(2016, 12, 31).unwrap().and_hms_nano_opt(23, 59, 59, 1_500_000_000);
        formats(leap.unwrap().and_utc());
        // Beyond year 9999 chrono's own format is used.
        formats(DateTime::from_timestamp(253_402_300_800, 0).unwrap());
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

fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Every capture file named, without reading them: files as given, folders as every `*.json` in
/// them sorted by name (which is arrival order). Hidden files, such as the temporary files of an
/// interrupted write, are skipped. Folders that cannot be listed are returned as unreadable.
pub fn list(paths: &[PathBuf]) -> (Vec<PathBuf>, Vec<Unreadable>) {
    let mut files = Vec::new();
    let mut bad = Vec::new();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut found: Vec<(std::ffi::OsString, PathBuf)> = entries
                        .filter_map(Result::ok)
                        .map(|e| (e.file_name(), e.path()))
                        .filter(|(name, _)| !name.to_string_lossy().starts_with('.'))
                        .filter(|(_, path)| path.extension().is_some_and(|e| e == "json"))
                        .collect();
                    // One folder: sorting by name is sorting by path, without taking every path
                    // apart into components at each comparison.
                    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    files.extend(found.into_iter().map(|(_, path)| path));
                }
                Err(e) => bad.push(Unreadable { path: path.clone(), why: format!("cannot read the folder: {e}") }),
            }
        } else {
            files.push(path.clone());
        }
    }
    (files, bad)
}

/// [`list`], with every file read and parsed (on every core, through [`ReadAhead`]).
pub fn collect(paths: &[PathBuf]) -> (Vec<(PathBuf, Capture)>, Vec<Unreadable>) {
    let (files, mut bad) = list(paths);
    let captures = ReadAhead::start(files.into());
    let mut good = Vec::with_capacity(captures.files().len());
    for (index, file) in captures.files().iter().enumerate() {
        match captures.take(index) {
            Ok(capture) => good.push((file.clone(), capture)),
            Err(why) => bad.push(Unreadable { path: file.clone(), why }),
        }
    }
    (good, bad)
}

/// Captures are read and handed over in runs of this many consecutive files: one hand-over
/// (and at most one wake-up) per run rather than per file.
const RUN: usize = 32;
/// How many runs each reader may have read ahead of the replay.
const RUNS_AHEAD: usize = 4;

/// Capture files read ahead of the one being replayed, in order, by background threads: reading
/// overlaps sending, and only a window of captures is in memory however many are replayed.
/// Files are cut into runs of [`RUN`]; reader `k` of `n` reads runs `k`, `k + n`, … into a
/// channel of its own, so each run's place is known without sorting anything.
pub struct ReadAhead {
    files: std::sync::Arc<[PathBuf]>,
    lanes: Vec<std::sync::Mutex<Lane>>,
}

type Run = Vec<Option<Result<Capture, String>>>;

struct Lane {
    incoming: std::sync::mpsc::Receiver<Run>,
    /// How many runs have come in on this lane.
    received: usize,
    /// Runs received and not yet wholly taken, by their place on the lane.
    runs: std::collections::HashMap<usize, Run>,
}

impl ReadAhead {
    /// Start reading; the readers stop when the `ReadAhead` is dropped.
    pub fn start(files: std::sync::Arc<[PathBuf]>) -> Self {
        let count = readers().min(files.len().div_ceil(RUN)).max(1);
        let lanes = (0..count)
            .map(|lane| {
                let (outgoing, incoming) = std::sync::mpsc::sync_channel(RUNS_AHEAD);
                let files = files.clone();
                // Should the thread not start, `take` reads that lane's files itself.
                let _ = std::thread::Builder::new().name("capture-reader".into()).spawn(move || {
                    let mut buffer = Vec::new();
                    for run in files.chunks(RUN).skip(lane).step_by(count) {
                        let captures = run.iter().map(|path| Some(read_into(path, &mut buffer))).collect();
                        if outgoing.send(captures).is_err() {
                            break; // The replay is over.
                        }
                    }
                });
                std::sync::Mutex::new(Lane { incoming, received: 0, runs: Default::default() })
            })
            .collect();
        ReadAhead { files, lanes }
    }

    pub fn files(&self) -> &[PathBuf] {
        &self.files
    }

    /// Capture `index`, waiting for its reader when it is not read yet. Each index is taken once.
    pub fn take(&self, index: usize) -> Result<Capture, String> {
        let count = self.lanes.len();
        let run = index / RUN;
        let mut lane = self.lanes[run % count].lock().unwrap_or_else(|e| e.into_inner());
        let place = run / count;
        while lane.received <= place {
            let Ok(next) = lane.incoming.recv() else { break };
            let at = lane.received;
            lane.runs.insert(at, next);
            lane.received += 1;
        }
        let Some(captures) = lane.runs.get_mut(&place) else { return read(&self.files[index]) };
        let taken = captures[index % RUN].take();
        if captures.iter().all(Option::is_none) {
            lane.runs.remove(&place);
        }
        taken.unwrap_or_else(|| read(&self.files[index]))
    }
}
