//! Reading captures back: listing a folder in arrival order, parsing a file, and reading ahead
//! of a replay on background threads.

use std::fmt;
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::sync::Arc;

use bytes::Bytes;

use super::{Capture, StoredCapture, FORMAT};

/// Read one capture file.
pub fn read(path: &Path) -> Result<Capture, String> {
    read_into(path, &mut Vec::new())
}

/// [`read`], through a buffer the caller keeps for the next file.
fn read_into(path: &Path, buffer: &mut Vec<u8>) -> Result<Capture, String> {
    buffer.clear();
    read_file(path, buffer)?;
    parse(buffer)
}

fn read_file(path: &Path, buffer: &mut Vec<u8>) -> Result<(), String> {
    use std::io::Read;
    // Through `take`, `read_to_end` reads into the buffer until the end; on a bare `File` (and in
    // `fs::read`) it first asks for the file's size and position, two more system calls per
    // capture, and replay reads thousands of small files.
    std::fs::File::open(path)
        .and_then(|file| file.take(u64::MAX).read_to_end(buffer))
        .map(|_| ())
        .map_err(|e| format!("cannot read it: {e}"))
}

/// Parse the contents of a capture file, or one line of a journal.
pub fn parse(bytes: &[u8]) -> Result<Capture, String> {
    parse_from(bytes, None)
}

/// [`parse`], with the body of a journal line a slice of `text` instead of a copy.
fn parse_shared(text: &Bytes) -> Result<Capture, String> {
    parse_from(text, Some(text))
}

/// [`parse_shared`] for a journal's line whose body listing located.
fn parse_line(text: &Bytes, body: &Option<Range<u32>>) -> Result<Capture, String> {
    let body_at = body.as_ref().map(|b| b.start as usize..b.end as usize);
    match super::line::read_located(text, Some(text), body_at) {
        Some(capture) => Ok(capture),
        None => parse_by_serde(text),
    }
}

fn parse_from(bytes: &[u8], shared: Option<&Bytes>) -> Result<Capture, String> {
    match super::line::read(bytes, shared) {
        Some(capture) => Ok(capture),
        None => parse_by_serde(bytes),
    }
}

fn parse_by_serde(bytes: &[u8]) -> Result<Capture, String> {
    // Checked as UTF-8 once, whole: parsing bytes checks every string and raw value again.
    let text = std::str::from_utf8(bytes)
        .map_err(|e| format!("not a capture file: it is not UTF-8 ({e})"))?;
    let stored: StoredCapture =
        serde_json::from_str(text).map_err(|e| format!("not a capture file: {e}"))?;
    if stored.format > FORMAT {
        return Err(format!(
            "capture format {} is newer than this hookctl reads ({FORMAT})",
            stored.format
        ));
    }
    Capture::try_from(stored)
}

/// A journal, opened once for all its lines. Its whole lines are mapped into memory, not read:
/// a line is then a slice of the map, and a replay sends its body from the page cache without
/// a copy. Reading a 20,000-line journal into buffers cost its replay the kernel's copies, the
/// zeroing of fresh buffers and the page-cache look-ups, 8% of its samples (`perf`,
/// BENCHMARKS.md).
#[derive(Debug)]
pub struct OpenJournal {
    pub path: PathBuf,
    /// The path as shown, made once: every line's origin starts with it.
    shown: String,
    /// Its whole lines (up to and with the last newline) as they were when it was opened.
    lines: Bytes,
}

impl OpenJournal {
    /// Open a journal; also its length, which is more than its whole lines' when the last
    /// line is torn.
    fn open(path: &Path) -> std::io::Result<(Self, u64)> {
        let file = std::fs::File::open(path)?;
        let length = file.metadata()?.len();
        let whole = whole_lines_length(&file, length)?;
        let journal = OpenJournal {
            path: path.to_path_buf(),
            shown: path.display().to_string(),
            lines: map_or_read(&file, whole)?,
        };
        Ok((journal, length))
    }

    /// A line, by its place in the journal.
    fn line(&self, range: &Range<u64>) -> Bytes {
        self.lines.slice(range.start as usize..range.end as usize)
    }
}

/// Where a journal's whole lines end: just after its last newline, found from the end (a torn
/// line is at most one capture long).
fn whole_lines_length(file: &std::fs::File, length: u64) -> std::io::Result<u64> {
    const STEP: u64 = 64 << 10;
    let mut buffer = vec![0; STEP as usize];
    let mut end = length;
    while end > 0 {
        let start = end.saturating_sub(STEP);
        let part = &mut buffer[..(end - start) as usize];
        read_exact_at(file, part, start)?;
        if let Some(at) = memchr::memrchr(b'\n', part) {
            return Ok(start + at as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

/// The first `length` bytes of a journal, mapped; read into memory where the file cannot be
/// mapped. The one unsafe block outside the tests: as ripgrep does for large files, a map is
/// taken for what it saves, with its one risk said where users read it (README, "Journals").
#[allow(unsafe_code)]
fn map_or_read(file: &std::fs::File, length: u64) -> std::io::Result<Bytes> {
    if length == 0 {
        return Ok(Bytes::new());
    }
    let size = usize::try_from(length).map_err(std::io::Error::other)?;
    // SAFETY: the map holds only whole lines, which nothing changes: a journal is appended to,
    // and a listener opening it cuts back only a torn last line, past this length. A journal
    // cut shorter by hand while it is being read would fault the process (SIGBUS).
    match unsafe { memmap2::MmapOptions::new().len(size).map(file) } {
        Ok(map) => {
            #[cfg(unix)]
            let _ = map.advise(memmap2::Advice::Sequential);
            Ok(Bytes::from_owner(map))
        }
        Err(_) => {
            let mut text = vec![0; size];
            read_exact_at(file, &mut text, 0)?;
            Ok(Bytes::from(text))
        }
    }
}

#[cfg(unix)]
fn read_exact_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, buffer, offset)
}

#[cfg(not(unix))]
fn read_exact_at(file: &std::fs::File, buffer: &mut [u8], offset: u64) -> std::io::Result<()> {
    use std::io::{Read, Seek};
    let mut file = file.try_clone()?;
    file.seek(std::io::SeekFrom::Start(offset))?;
    file.read_exact(buffer)
}

/// Where one capture is: a file of its own, or a line of a journal.
#[derive(Debug, Clone)]
pub enum Source {
    File(PathBuf),
    Line {
        journal: Arc<OpenJournal>,
        /// 1 for the first line.
        number: u64,
        /// Where the line is in the journal, without its newline.
        range: Range<u64>,
        /// Where in the line its body is, when it is stored as JSON.
        body: Option<Range<u32>>,
    },
}

impl Source {
    fn read_into(&self, buffer: &mut Vec<u8>) -> Result<Capture, String> {
        match self {
            Source::File(path) => read_into(path, buffer),
            Source::Line {
                journal,
                range,
                body,
                ..
            } => parse_line(&journal.line(range), body),
        }
    }

    /// Its text, unparsed.
    fn read_text(&self) -> Result<Bytes, String> {
        match self {
            Source::File(path) => {
                // A capture file is a few kB: room for one read, without growing.
                let mut text = Vec::with_capacity(8 * 1024);
                read_file(path, &mut text)?;
                Ok(Bytes::from(text))
            }
            Source::Line { journal, range, .. } => Ok(journal.line(range)),
        }
    }

    /// The file, or the journal, it is in.
    pub fn path(&self) -> &Path {
        match self {
            Source::File(path) => path,
            Source::Line { journal, .. } => &journal.path,
        }
    }

    /// A short name for tables: the file's name, or the journal's with the line.
    pub fn name(&self) -> String {
        let file = self
            .path()
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        match self {
            Source::File(_) => file,
            Source::Line { number, .. } => format!("{file}:{number}"),
        }
    }
}

/// `captures/x.json`, or `captures.jsonl:17` for the 17th line of a journal.
impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File(path) => write!(f, "{}", path.display()),
            Source::Line { .. } => f.write_str(&self.origin()),
        }
    }
}

impl Source {
    /// How a source is shown (its `Display` too), made without the formatting machinery for a
    /// journal's line: replay asks it of every line.
    pub fn origin(&self) -> String {
        match self {
            Source::File(path) => path.display().to_string(),
            Source::Line {
                journal, number, ..
            } => line_origin(journal, *number),
        }
    }
}

/// `captures.jsonl:17`, for the 17th line of a journal.
fn line_origin(journal: &OpenJournal, number: u64) -> String {
    let mut digits = itoa::Buffer::new();
    let number = digits.format(number);
    let mut origin = String::with_capacity(journal.shown.len() + 1 + number.len());
    origin.push_str(&journal.shown);
    origin.push(':');
    origin.push_str(number);
    origin
}

/// A large journal, its lines listed on a thread of their own while they are replayed: the
/// first requests go out while the search for the last newlines goes on. Listing 40 MB before
/// the first request was 6–11 ms, all of what a replay took beyond a send (BENCHMARKS.md).
/// Lines are listed in order, a part of about a megabyte at a time.
pub struct StreamedJournal {
    journal: Arc<OpenJournal>,
    listed: std::sync::Mutex<Listed>,
    grown: std::sync::Condvar,
    /// How many lines are listed, read without the lock: a worker asks for every line whether
    /// it exists, and after the first ones the answer is yes.
    count: std::sync::atomic::AtomicU64,
}

#[derive(Default)]
struct Listed {
    lines: Vec<ListedLine>,
    done: bool,
}

/// A journal's line as listed: its number (empty lines count, and are not listed), where it is
/// without its newline, and where its body is when stored as JSON.
#[derive(Clone)]
struct ListedLine {
    number: u64,
    range: Range<u64>,
    body: Option<Range<u32>>,
}

impl ListedLine {
    fn in_journal(self, journal: &Arc<OpenJournal>) -> Source {
        Source::Line {
            journal: journal.clone(),
            number: self.number,
            range: self.range,
            body: self.body,
        }
    }
}

/// The lines found, numbered on after `lines_before` (empty ones count, and are not kept).
fn numbered(found: Vec<Found>, lines_before: &mut u64) -> impl Iterator<Item = ListedLine> + '_ {
    found.into_iter().filter_map(move |line| {
        *lines_before += 1;
        (!line.range.is_empty()).then_some(ListedLine {
            number: *lines_before,
            range: line.range,
            body: line.body,
        })
    })
}

/// Below this a journal is listed before the replay starts, as other captures are.
const STREAM_FROM: u64 = 8 << 20;
/// How much of a journal is listed before its lines are handed over.
const STREAM_PART: usize = 1 << 20;

impl StreamedJournal {
    /// Start listing a journal, when it is large enough for that to pay: `None` for a small one,
    /// or one that cannot be opened (listing it the usual way then says why). Also the warning
    /// for a torn last line, which is known at once.
    pub fn start(path: &Path) -> Option<(Arc<Self>, Option<String>)> {
        Self::start_from(path, STREAM_FROM)
    }

    fn start_from(path: &Path, smallest: u64) -> Option<(Arc<Self>, Option<String>)> {
        // Told by its size alone, so that a small journal is opened once, by the listing.
        if std::fs::metadata(path).ok()?.len() < smallest.max(1) {
            return None;
        }
        let (journal, length) = OpenJournal::open(path).ok()?;
        let whole = journal.lines.len() as u64;
        let torn = (whole < length).then(|| torn_warning(path, whole));
        let streamed = Arc::new(StreamedJournal {
            journal: Arc::new(journal),
            listed: Default::default(),
            grown: Default::default(),
            count: Default::default(),
        });
        let lister = streamed.clone();
        let spawned = std::thread::Builder::new()
            .name("journal-lister".into())
            .spawn(move || lister.list());
        if spawned.is_err() {
            streamed.list();
        }
        Some((streamed, torn))
    }

    fn list(&self) {
        let lines = &self.journal.lines[..];
        let (mut start, mut lines_before) = (0, 0);
        while start < lines.len() {
            let end = line_start_after(lines, start + STREAM_PART);
            let found = lines_in(lines, start..end);
            let part: Vec<ListedLine> = numbered(found, &mut lines_before).collect();
            let mut listed = self.lock();
            listed.lines.extend(part);
            self.count
                .store(listed.lines.len() as u64, Ordering::Release);
            drop(listed);
            self.grown.notify_all();
            start = end;
        }
        self.lock().done = true;
        self.grown.notify_all();
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Listed> {
        self.listed.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The listing, once it holds line `index` (empty lines not counted) or has ended.
    fn listed_past(&self, index: u64) -> std::sync::MutexGuard<'_, Listed> {
        let mut listed = self.lock();
        while listed.lines.len() as u64 <= index && !listed.done {
            listed = self.grown.wait(listed).unwrap_or_else(|e| e.into_inner());
        }
        listed
    }

    /// Capture `index` and where it is, once listed; `None` past the last line.
    pub fn take(&self, index: u64) -> Option<(String, Result<Capture, String>)> {
        let line = self.listed_past(index).lines.get(index as usize)?.clone();
        let capture = parse_line(&self.journal.line(&line.range), &line.body);
        Some((line_origin(&self.journal, line.number), capture))
    }

    /// Whether line `index` exists, waiting until it is listed or the listing has ended.
    pub fn has(&self, index: u64) -> bool {
        index < self.count.load(Ordering::Acquire)
            || (index as usize) < self.listed_past(index).lines.len()
    }

    /// How many lines it has, waiting for the listing to end.
    pub fn total(&self) -> u64 {
        self.listed_past(u64::MAX).lines.len() as u64
    }

    /// How many lines it has, if the listing has ended.
    pub fn known_total(&self) -> Option<u64> {
        let listed = self.lock();
        listed.done.then_some(listed.lines.len() as u64)
    }
}

/// A capture file, folder or journal that could not be used, and why.
#[derive(Debug, Clone)]
pub struct Unreadable {
    pub what: String,
    pub why: String,
}

fn readers() -> usize {
    std::thread::available_parallelism().map_or(1, |n| n.get())
}

/// Whether a path names a journal rather than a capture file or folder.
pub fn is_journal(path: &Path) -> bool {
    path.extension().is_some_and(|e| e == "jsonl")
}

/// What listing found: the captures in order, what could not be read, and warnings (a journal's
/// torn last line).
#[derive(Debug, Default)]
pub struct Listing {
    pub sources: Vec<Source>,
    pub unreadable: Vec<Unreadable>,
    pub warnings: Vec<String>,
}

/// Every capture named, without parsing them: files as given; journals (`*.jsonl`) as their lines
/// in order; folders as every `*.json` in them sorted by name (which is arrival order), then the
/// lines of every journal in them. Hidden files, such as the temporary files of an interrupted
/// write, are skipped. A journal's torn last line (a crash mid-write) is left out with a warning.
pub fn list(paths: &[PathBuf]) -> Listing {
    let mut listing = Listing::default();
    for path in paths {
        if path.is_dir() {
            match std::fs::read_dir(path) {
                Ok(entries) => {
                    let mut found: Vec<(std::ffi::OsString, PathBuf)> = entries
                        .filter_map(Result::ok)
                        .map(|e| (e.file_name(), e.path()))
                        .filter(|(name, _)| !name.to_string_lossy().starts_with('.'))
                        .filter(|(_, path)| {
                            path.extension()
                                .is_some_and(|e| e == "json" || e == "jsonl")
                        })
                        .collect();
                    // One folder: sorting by name is sorting by path, without taking every path
                    // apart into components at each comparison.
                    found.sort_unstable_by(|a, b| a.0.cmp(&b.0));
                    let (journals, files): (Vec<_>, Vec<_>) =
                        found.into_iter().partition(|(_, path)| is_journal(path));
                    listing
                        .sources
                        .extend(files.into_iter().map(|(_, path)| Source::File(path)));
                    for (_, journal) in journals {
                        list_journal(&journal, &mut listing);
                    }
                }
                Err(e) => listing.unreadable.push(Unreadable {
                    what: path.display().to_string(),
                    why: format!("cannot read the folder: {e}"),
                }),
            }
        } else if is_journal(path) {
            list_journal(path, &mut listing);
        } else {
            listing.sources.push(Source::File(path.clone()));
        }
    }
    listing
}

fn list_journal(path: &Path, listing: &mut Listing) {
    let unreadable = |listing: &mut Listing, e: std::io::Error| {
        let why = format!("cannot read the journal: {e}");
        listing.unreadable.push(Unreadable {
            what: path.display().to_string(),
            why,
        });
    };
    let (journal, length) = match OpenJournal::open(path) {
        Ok(opened) => opened,
        Err(e) => return unreadable(listing, e),
    };
    let found = lines_in_parts(&journal.lines, SMALLEST_PART);
    let journal = Arc::new(journal);
    listing.sources.reserve(found.len());
    listing
        .sources
        .extend(numbered(found, &mut 0).map(|line| line.in_journal(&journal)));
    let whole = journal.lines.len() as u64;
    if whole < length {
        listing.warnings.push(torn_warning(path, whole));
    }
}

fn torn_warning(path: &Path, start: u64) -> String {
    format!(
        "{}: the last line, from byte {start}, is torn (a write cut short); it is ignored",
        path.display()
    )
}

/// A line of a journal, as listing finds it.
#[derive(Debug, PartialEq)]
struct Found {
    /// Where it is, without its newline.
    range: Range<u64>,
    /// Where its body is, when stored as JSON: located here, while the line is still in the
    /// cache from the search for its newline. Located when it was parsed, a replay's later and
    /// cold pass over the journal, the two searches were 4% of its samples (`perf`,
    /// BENCHMARKS.md).
    body: Option<Range<u32>>,
}

/// Below this a part of a journal is not worth a thread of its own when listing it.
const SMALLEST_PART: usize = 8 << 20;

/// Where the first line that starts at or after `at` starts (the end, if none does).
fn line_start_after(lines: &[u8], at: usize) -> usize {
    let at = at.min(lines.len());
    memchr::memchr(b'\n', &lines[at..]).map_or(lines.len(), |found| at + found + 1)
}

/// The lines of a journal's whole lines. Listing is what a replay does before its first
/// request, so a large journal is searched in parts, one a core, each starting at a line's
/// start, none smaller than `smallest_part` bytes.
fn lines_in_parts(lines: &[u8], smallest_part: usize) -> Vec<Found> {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let parts = cores.min(lines.len() / smallest_part).max(1);
    let mut bounds = vec![0];
    for part in 1..parts {
        let start = line_start_after(lines, lines.len() / parts * part);
        if start > bounds[bounds.len() - 1] && start < lines.len() {
            bounds.push(start);
        }
    }
    bounds.push(lines.len());
    if bounds.len() == 2 {
        return lines_in(lines, 0..lines.len());
    }
    std::thread::scope(|scope| {
        let found: Vec<_> = bounds
            .windows(2)
            .map(|part| {
                let part = part[0]..part[1];
                scope.spawn(move || lines_in(lines, part))
            })
            .collect();
        found
            .into_iter()
            .flat_map(|part| part.join().expect("listing a journal does not panic"))
            .collect()
    })
}

/// The lines that end in `part`, which starts where a line does.
fn lines_in(lines: &[u8], part: Range<usize>) -> Vec<Found> {
    let mut start = part.start;
    memchr::memchr_iter(b'\n', &lines[part.clone()])
        .map(|at| {
            let end = part.start + at;
            let body = super::line::stored_json_body(&lines[start..end])
                .and_then(|b| Some(u32::try_from(b.start).ok()?..u32::try_from(b.end).ok()?));
            let range = start as u64..end as u64;
            start = end + 1;
            Found { range, body }
        })
        .collect()
}

/// [`list`], with every capture read and parsed (on every core, through [`ReadAhead`]).
pub fn collect(paths: &[PathBuf]) -> (Vec<(Source, Capture)>, Listing) {
    let mut listing = list(paths);
    let captures = ReadAhead::start(
        std::mem::take(&mut listing.sources).into(),
        ParseOn::Readers,
    );
    let mut good = Vec::with_capacity(captures.sources().len());
    for (index, source) in captures.sources().iter().enumerate() {
        match captures.take(index) {
            Ok(capture) => good.push((source.clone(), capture)),
            Err(why) => listing.unreadable.push(Unreadable {
                what: source.to_string(),
                why,
            }),
        }
    }
    (good, listing)
}

/// Captures are read and handed over in runs of this many consecutive files: one hand-over
/// (and at most one wake-up) per run rather than per file. 128 rather than 32 halved a replay's
/// context switches (BENCHMARKS.md).
const RUN: usize = 128;
/// How many runs each reader may have read ahead of the replay.
const RUNS_AHEAD: usize = 4;

/// Capture files read ahead of the one being replayed, in order, by background threads: reading
/// overlaps sending, and only a window of captures is in memory however many are replayed.
/// Files are cut into runs of [`RUN`]; reader `k` of `n` reads runs `k`, `k + n`, … into a
/// channel of its own, so each run's place is known without sorting anything.
pub struct ReadAhead {
    files: std::sync::Arc<[Source]>,
    lanes: Vec<std::sync::Mutex<Lane>>,
}

/// Where the captures a reader reads are parsed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ParseOn {
    /// On the reader threads, for a caller that wants every capture at once (`verify`).
    Readers,
    /// By [`ReadAhead::take`], on the thread that takes the capture (a replay's sender, which
    /// then frees it). A capture is a dozen allocations; made on a reader and freed on a sender,
    /// they kept the allocator taking fresh memory, and the kernel zeroing it was a fifth of a
    /// replay's time (`perf`, BENCHMARKS.md).
    Taker,
}

/// What a reader hands over for one capture.
enum Read {
    Parsed(Box<Capture>),
    /// Its text: a file's contents, or a slice of a journal's map.
    Text(Bytes),
}

type Run = Vec<Option<Result<Read, String>>>;

struct Lane {
    incoming: std::sync::mpsc::Receiver<Run>,
    /// How many runs have come in on this lane.
    received: usize,
    /// Runs received and not yet wholly taken, by their place on the lane.
    runs: std::collections::HashMap<usize, Run>,
}

/// A run's captures, read (a journal's lines are slices of its map) and parsed where asked.
fn read_run(run: &[Source], buffer: &mut Vec<u8>, parse_on: ParseOn) -> Run {
    run.iter()
        .map(|source| {
            Some(match parse_on {
                ParseOn::Readers => source.read_into(buffer).map(|c| Read::Parsed(Box::new(c))),
                ParseOn::Taker => source.read_text().map(Read::Text),
            })
        })
        .collect()
}

impl ReadAhead {
    /// Start reading; the readers stop when the `ReadAhead` is dropped.
    pub fn start(files: std::sync::Arc<[Source]>, parse_on: ParseOn) -> Self {
        let count = readers().min(files.len().div_ceil(RUN)).max(1);
        let lanes = (0..count)
            .map(|lane| {
                let (outgoing, incoming) = std::sync::mpsc::sync_channel(RUNS_AHEAD);
                let files = files.clone();
                // Should the thread not start, `take` reads that lane's files itself.
                let _ = std::thread::Builder::new()
                    .name("capture-reader".into())
                    .spawn(move || {
                        let mut buffer = Vec::new();
                        for run in files.chunks(RUN).skip(lane).step_by(count) {
                            let captures = read_run(run, &mut buffer, parse_on);
                            if outgoing.send(captures).is_err() {
                                break; // The replay is over.
                            }
                        }
                    });
                std::sync::Mutex::new(Lane {
                    incoming,
                    received: 0,
                    runs: Default::default(),
                })
            })
            .collect();
        ReadAhead { files, lanes }
    }

    pub fn sources(&self) -> &[Source] {
        &self.files
    }

    /// Capture `index`, waiting for its reader when it is not read yet. Each index is taken once.
    pub fn take(&self, index: usize) -> Result<Capture, String> {
        let count = self.lanes.len();
        let run = index / RUN;
        let mut lane = self.lanes[run % count]
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        let place = run / count;
        while lane.received <= place {
            let Ok(next) = lane.incoming.recv() else {
                break;
            };
            let at = lane.received;
            lane.runs.insert(at, next);
            lane.received += 1;
        }
        let Some(captures) = lane.runs.get_mut(&place) else {
            return self.files[index].read_into(&mut Vec::new());
        };
        let taken = captures[index % RUN].take();
        if captures.iter().all(Option::is_none) {
            lane.runs.remove(&place);
        }
        drop(lane);
        match taken {
            Some(Ok(Read::Parsed(capture))) => Ok(*capture),
            Some(Ok(Read::Text(text))) => match &self.files[index] {
                Source::Line { body, .. } => parse_line(&text, body),
                Source::File(_) => parse_shared(&text),
            },
            Some(Err(why)) => Err(why),
            None => self.files[index].read_into(&mut Vec::new()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::sample;
    use crate::capture::write;
    use bytes::Bytes;

    /// `count` captures `line-0`… with these bodies, two empty lines before every `empty_every`th
    /// and a line that is not a capture before the `broken_at`th.
    fn journal_of(
        count: usize,
        empty_every: usize,
        broken_at: usize,
        body: impl Fn(usize) -> String,
    ) -> Vec<u8> {
        let mut text = Vec::new();
        for n in 0..count {
            if n % empty_every == 0 {
                text.extend_from_slice(b"\n\n");
            }
            if n == broken_at {
                text.extend_from_slice(b"{\"not\": \"a capture\"}\n");
            }
            let mut capture = Capture {
                id: format!("line-{n}"),
                ..sample()
            };
            capture.delivery.body = Bytes::from(body(n));
            text.extend(capture.to_line());
        }
        text
    }

    #[test]
    fn a_journal_read_in_parts_has_its_newlines_where_they_are() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let text: String = (0..5000)
            .map(|n| format!("{}\n", "x".repeat(n % 97)))
            .collect();
        std::fs::write(&path, format!("{text}torn")).unwrap();
        let expected: Vec<u64> = memchr::memchr_iter(b'\n', text.as_bytes())
            .map(|at| at as u64)
            .collect();
        let (journal, length) = OpenJournal::open(&path).unwrap();
        assert_eq!(length, text.len() as u64 + 4);
        assert_eq!(
            &journal.lines[..],
            text.as_bytes(),
            "the whole lines, without the torn one"
        );
        for smallest_part in [1 << 30, 1 << 10, 1] {
            let found = lines_in_parts(&journal.lines, smallest_part);
            let ends: Vec<u64> = found.iter().map(|line| line.range.end).collect();
            assert_eq!(ends, expected, "parts of at least {smallest_part} bytes");
        }
    }

    #[test]
    fn listing_locates_each_json_body_as_reading_a_line_would() {
        let mut text = Vec::new();
        for n in 0..300 {
            let mut capture = Capture {
                id: format!("line-{n}"),
                ..sample()
            };
            capture.delivery.body = Bytes::from(match n % 3 {
                0 => format!("not json {n}"),
                _ => format!("{{\"n\":{n},\"s\":\"}},\\\"provider\\\":\"}}"),
            });
            text.extend(capture.to_line());
        }
        for smallest_part in [1 << 30, 4096] {
            let found = lines_in_parts(&text, smallest_part);
            assert_eq!(found.len(), 300);
            for (n, line) in found.iter().enumerate() {
                let bytes = &text[line.range.start as usize..line.range.end as usize];
                let expected = crate::capture::line::stored_json_body(bytes)
                    .map(|b| b.start as u32..b.end as u32);
                assert_eq!(line.body, expected, "line {n}");
                assert_eq!(line.body.is_none(), n % 3 == 0, "line {n}");
            }
        }
    }

    #[test]
    fn a_streamed_journal_gives_the_lines_listing_gives_as_they_are_listed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("long.jsonl");
        // Several parts of STREAM_PART, empty lines here and there, a broken line and a torn one.
        let mut text = journal_of(1500, 211, 700, |n| {
            format!("{{\"n\":{n},\"pad\":\"{}\"}}", "x".repeat(2000))
        });
        text.extend_from_slice(b"{\"format\":2,\"id\":\"torn");
        assert!(text.len() > 2 * STREAM_PART);
        std::fs::write(&path, &text).unwrap();
        assert!(
            StreamedJournal::start(&path).is_none(),
            "small journals are listed first"
        );

        let (streamed, torn) = StreamedJournal::start_from(&path, 0).unwrap();
        let listing = list(std::slice::from_ref(&path));
        assert_eq!(
            torn.as_deref(),
            listing.warnings.first().map(String::as_str)
        );
        assert!(torn.unwrap().contains("is torn"));
        // Asked from the far end first: it waits for the listing rather than saying no.
        let last = listing.sources.len() as u64 - 1;
        assert!(streamed.has(last));
        assert!(!streamed.has(last + 1));
        assert_eq!(streamed.total(), listing.sources.len() as u64);
        assert_eq!(streamed.known_total(), Some(last + 1));
        for (index, source) in listing.sources.iter().enumerate() {
            let (origin, capture) = streamed.take(index as u64).unwrap();
            assert_eq!(origin, source.origin());
            match (capture, source.read_into(&mut Vec::new())) {
                (Ok(streamed), Ok(listed)) => {
                    assert_eq!(streamed.id, listed.id);
                    assert_eq!(streamed.delivery.body, listed.delivery.body);
                }
                (Err(a), Err(b)) => assert_eq!(a, b),
                (a, b) => panic!(
                    "line {index}: {:?} against {:?}",
                    a.map(|c| c.id),
                    b.map(|c| c.id)
                ),
            }
        }
        assert!(streamed.take(last + 1).is_none());
    }

    #[test]
    fn an_open_journal_keeps_its_lines_while_a_listener_cuts_its_torn_tail_and_appends() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let whole = "x".repeat(10_000) + "\n" + &"y".repeat(9_000) + "\n";
        std::fs::write(&path, format!("{whole}{{\"torn")).unwrap();
        let (journal, _) = OpenJournal::open(&path).unwrap();
        // What a listener does to it: cut the torn line, then append whole lines.
        let file = std::fs::OpenOptions::new()
            .append(true)
            .open(&path)
            .unwrap();
        file.set_len(whole.len() as u64).unwrap();
        std::io::Write::write_all(&mut &file, "z\n".repeat(50_000).as_bytes()).unwrap();
        assert_eq!(&journal.lines[..], whole.as_bytes());
        assert_eq!(
            journal.line(&(10_001..19_001)),
            "y".repeat(9_000).as_bytes()
        );
    }

    #[test]
    fn the_whole_lines_of_a_journal_end_at_its_last_newline_however_long_the_torn_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.jsonl");
        let torn = "y".repeat(200 << 10);
        for (text, whole) in [
            (format!("a\n{torn}"), 2),
            (torn.clone(), 0),
            (format!("{torn}\n"), torn.len() + 1),
            (String::new(), 0),
        ] {
            std::fs::write(&path, &text).unwrap();
            let (journal, length) = OpenJournal::open(&path).unwrap();
            assert_eq!((length, journal.lines.len()), (text.len() as u64, whole));
        }
    }

    #[test]
    fn an_origin_is_what_a_source_shows() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("a journal.jsonl");
        std::fs::write(&journal, "{}\n\n{}\n").unwrap();
        let file = dir.path().join("one.json");
        let listing = list(&[journal.clone(), file.clone()]);
        let shown: Vec<String> = listing.sources.iter().map(Source::to_string).collect();
        let journal = journal.display();
        assert_eq!(
            shown,
            [
                format!("{journal}:1"),
                format!("{journal}:3"),
                file.display().to_string()
            ]
        );
        let origins: Vec<String> = listing.sources.iter().map(Source::origin).collect();
        assert_eq!(origins, shown);
    }

    #[test]
    fn read_ahead_gives_each_capture_in_its_place_whatever_order_it_is_asked_in() {
        let dir = tempfile::tempdir().unwrap();
        let count = RUN * 5 + 3;
        let files: Vec<PathBuf> = (0..count)
            .map(|n| {
                let capture = Capture {
                    id: format!("capture-{n}"),
                    ..sample()
                };
                write(dir.path(), &capture.file_name(n as u64), &capture).unwrap()
            })
            .collect();
        std::fs::write(&files[RUN + 1], "{ not a capture").unwrap();
        let expected = |n: usize| {
            if n == RUN + 1 {
                None
            } else {
                Some(format!("capture-{n}"))
            }
        };
        let files: Vec<Source> = files.into_iter().map(Source::File).collect();
        let in_order = ReadAhead::start(files.clone().into(), ParseOn::Readers);
        for n in 0..count {
            assert_eq!(
                in_order.take(n).ok().map(|c| c.id),
                expected(n),
                "in order, {n}"
            );
        }
        // Out of order, as tasks on several threads may ask: from the end, runs taken backwards.
        let scrambled = ReadAhead::start(files.into(), ParseOn::Taker);
        for n in (0..count).rev() {
            assert_eq!(
                scrambled.take(n).ok().map(|c| c.id),
                expected(n),
                "out of order, {n}"
            );
        }
    }

    #[test]
    fn a_journal_is_read_line_by_line_and_its_torn_last_line_is_left_out_with_a_warning() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("captures.jsonl");
        let mut text = Vec::new();
        for n in 0..3 {
            text.extend(
                Capture {
                    id: format!("line-{n}"),
                    ..sample()
                }
                .to_line(),
            );
        }
        let whole = text.len();
        text.extend_from_slice(b"{\"format\":2,\"id\":\"torn");
        std::fs::write(&journal, &text).unwrap();
        let capture = Capture {
            id: "file".into(),
            ..sample()
        };
        write(
            dir.path(),
            "20260101T000000.000000Z-000001-treezor-x.json",
            &capture,
        )
        .unwrap();

        let (read, listing) = collect(std::slice::from_ref(&journal));
        let ids: Vec<String> = read.iter().map(|(_, c)| c.id.clone()).collect();
        assert_eq!(ids, ["line-0", "line-1", "line-2"]);
        assert_eq!(read[1].0.to_string(), format!("{}:2", journal.display()));
        assert_eq!(listing.warnings.len(), 1);
        assert!(
            listing.warnings[0].contains("captures.jsonl")
                && listing.warnings[0].contains(&format!("byte {whole}"))
        );
        // A folder holds both: the files in name order, then the journal's lines.
        let (read, _) = collect(&[dir.path().to_path_buf()]);
        let ids: Vec<String> = read.iter().map(|(_, c)| c.id.clone()).collect();
        assert_eq!(ids, ["file", "line-0", "line-1", "line-2"]);
    }

    #[test]
    fn a_long_journal_is_read_in_runs_across_its_buffers_and_empty_lines() {
        let dir = tempfile::tempdir().unwrap();
        let journal = dir.path().join("long.jsonl");
        // Over a megabyte (more than one listing buffer), with empty lines here and there, and a
        // broken line, which is reported in its place.
        let count = 700;
        let text = journal_of(count, 97, 350, |n| "x".repeat(1500 + n));
        assert!(text.len() > 1 << 20);
        std::fs::write(&journal, &text).unwrap();
        let (read, listing) = collect(std::slice::from_ref(&journal));
        let ids: Vec<String> = read.iter().map(|(_, c)| c.id.clone()).collect();
        let expected: Vec<String> = (0..count).map(|n| format!("line-{n}")).collect();
        assert_eq!(ids, expected);
        assert!(read
            .iter()
            .enumerate()
            .all(|(n, (_, c))| c.delivery.body.len() == 1500 + n));
        assert_eq!(listing.unreadable.len(), 1, "{:?}", listing.unreadable);
        assert!(listing.warnings.is_empty());
        // The line numbers count the empty lines too.
        let broken = &listing.unreadable[0].what;
        let expected_line = text[..text.windows(6).position(|w| w == b"{\"not\"").unwrap()]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1;
        assert_eq!(broken, &format!("{}:{expected_line}", journal.display()));
    }
}
