//! A journal: every capture of a listener appended to one file, a line each (`listen --save
//! FILE.jsonl`), with group commit: the lines of the deliveries a serving thread handles together
//! go into one group, written with one call (and with `sync`, made durable with one `fdatasync`).
//! A delivery is answered only after the write that holds its line returned.
//!
//! Groups form where deliveries are handled, not on a writer thread: the first line of a group
//! spawns the task that writes it, and that task runs after the other tasks already ready on the
//! same thread, which add their lines meanwhile. No delivery crosses threads on its way to the
//! file: a hand-over to a writer thread and a wake-up back for every delivery cost more than the
//! write itself (BENCHMARKS.md). Without `sync` the group is written on the serving thread (a
//! write into the page cache); with it, on a blocking thread, so that a sync never stalls
//! the serving thread.

use std::cell::RefCell;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Condvar, Mutex, OnceLock};

use tokio::sync::Notify;

use super::Capture;

/// What the writer has done, for the listener's summary (and for tests: no timing needed).
#[derive(Debug, Default)]
pub struct Counts {
    /// Writes made, each holding one group of lines.
    pub groups: AtomicU64,
    pub lines: AtomicU64,
    /// `fdatasync` calls made.
    pub syncs: AtomicU64,
}

/// Appends captures to a journal.
pub struct JournalWriter {
    journal: Arc<Journal>,
    pub path: PathBuf,
    pub counts: Arc<Counts>,
}

struct Journal {
    appending: Mutex<Appending>,
    /// Set with `sync`: how far the journal is known to be on disk.
    durable: Option<Durability>,
}

/// The journal's file, how long it is and how many lines it holds, changed only together.
struct Appending {
    file: File,
    length: u64,
    lines: u64,
}

/// Group commit of the syncs: one `fdatasync` covers everything written before it started, so
/// while one runs, the groups written meanwhile wait and the next one covers them all.
struct Durability {
    /// A second handle on the journal, synced without holding up the appends.
    file: File,
    state: Mutex<Synced>,
    changed: Condvar,
}

#[derive(Default)]
struct Synced {
    /// The journal is on disk up to here.
    up_to: u64,
    running: bool,
}

/// The lines of one group, and its outcome once written: the first line's number, or why not.
#[derive(Default)]
struct Group {
    open: Mutex<Lines>,
    written: OnceLock<Result<u64, (std::io::ErrorKind, String)>>,
    done: Notify,
}

#[derive(Default)]
struct Lines {
    bytes: Vec<u8>,
    count: u64,
    /// Taken for writing: later lines go into a new group.
    closed: bool,
}

thread_local! {
    /// The group that lines written on this thread join, and the journal it is for.
    static OPEN_GROUP: RefCell<Option<(usize, Arc<Group>)>> = const { RefCell::new(None) };
}

impl JournalWriter {
    /// Open (or create, private to the user) a journal for appending. A torn last line, left by a
    /// crash mid-write, is cut back first; the second value says how many bytes were cut.
    pub fn start(path: PathBuf, sync: bool) -> std::io::Result<(Self, u64)> {
        let mut options = std::fs::OpenOptions::new();
        options.read(true).append(true).create(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        let Existing {
            length,
            whole,
            lines,
        } = existing(&mut file)?;
        let cut = length - whole;
        if cut > 0 {
            file.set_len(whole)?;
        }
        let durable = match sync {
            true => Some(Durability {
                file: file.try_clone()?,
                state: Mutex::default(),
                changed: Condvar::new(),
            }),
            false => None,
        };
        let appending = Appending {
            file,
            length: whole,
            lines,
        };
        Ok((
            JournalWriter {
                journal: Arc::new(Journal {
                    appending: Mutex::new(appending),
                    durable,
                }),
                path,
                counts: Arc::default(),
            },
            cut,
        ))
    }

    /// Append a capture; resolves with its line number once the write that holds it returned
    /// (and with `sync`, once it is on disk). The line is written even if this future is dropped.
    pub async fn write(&self, capture: &Capture) -> std::io::Result<u64> {
        let (group, index) = self.join(capture);
        let done = group.done.notified();
        tokio::pin!(done);
        done.as_mut().enable();
        if group.written.get().is_none() {
            done.await;
        }
        match group.written.get() {
            Some(Ok(first)) => Ok(first + index),
            Some(Err((kind, why))) => Err(std::io::Error::new(*kind, why.clone())),
            None => Err(std::io::Error::other("the journal group was not written")),
        }
    }

    /// Add the capture's line to this thread's open group, opening one (and spawning the task
    /// that writes it) if there is none; gives the group and the line's place in it.
    fn join(&self, capture: &Capture) -> (Arc<Group>, u64) {
        let journal = Arc::as_ptr(&self.journal) as usize;
        OPEN_GROUP.with_borrow_mut(|open| {
            if let Some((_, group)) = open.as_ref().filter(|(of, _)| *of == journal) {
                let mut lines = group.open.lock().unwrap_or_else(relock);
                if !lines.closed {
                    capture.append_line(&mut lines.bytes);
                    lines.count += 1;
                    return (group.clone(), lines.count - 1);
                }
            }
            let group = Arc::new(Group::default());
            {
                let mut lines = group.open.lock().unwrap_or_else(relock);
                lines.bytes.reserve(16 * 1024);
                capture.append_line(&mut lines.bytes);
                lines.count = 1;
            }
            *open = Some((journal, group.clone()));
            tokio::spawn(write_group(
                self.journal.clone(),
                group.clone(),
                self.counts.clone(),
            ));
            (group, 0)
        })
    }
}

/// Close a group and write it with one call, and with `sync` wait until it is on disk; then
/// wake its deliveries.
async fn write_group(journal: Arc<Journal>, group: Arc<Group>, counts: Arc<Counts>) {
    let (bytes, count) = {
        let mut lines = group.open.lock().unwrap_or_else(relock);
        lines.closed = true;
        (std::mem::take(&mut lines.bytes), lines.count)
    };
    let written = if journal.durable.is_some() {
        tokio::task::spawn_blocking(move || {
            let (first, end) = journal.append(&bytes, count, &counts)?;
            journal.make_durable(end, &counts)?;
            Ok(first)
        })
        .await
        .unwrap_or_else(|e| Err(std::io::Error::other(e.to_string())))
    } else {
        journal
            .append(&bytes, count, &counts)
            .map(|(first, _)| first)
    };
    let _ = group
        .written
        .set(written.map_err(|e| (e.kind(), e.to_string())));
    group.done.notify_waiters();
}

fn relock<T>(poisoned: std::sync::PoisonError<T>) -> T {
    poisoned.into_inner()
}

impl Journal {
    /// Append a group's lines with one call; gives the first line's number and where the group
    /// ends. On failure the journal is cut back to where the group started, so that it never ends
    /// in a torn line, and nothing of the group counts.
    fn append(&self, bytes: &[u8], count: u64, counts: &Counts) -> std::io::Result<(u64, u64)> {
        let mut appending = self.appending.lock().unwrap_or_else(relock);
        if let Err(error) = appending.file.write_all(bytes) {
            let _ = appending.file.set_len(appending.length);
            return Err(error);
        }
        appending.length += bytes.len() as u64;
        let first = appending.lines + 1;
        appending.lines += count;
        counts.groups.fetch_add(1, Ordering::Relaxed);
        counts.lines.fetch_add(count, Ordering::Relaxed);
        Ok((first, appending.length))
    }

    /// Return once the journal is on disk up to `end`: covered by a sync that started after it
    /// was written, or by one started here.
    fn make_durable(&self, end: u64, counts: &Counts) -> std::io::Result<()> {
        let Some(durable) = &self.durable else {
            return Ok(());
        };
        let mut state = durable.state.lock().unwrap_or_else(relock);
        while state.running && state.up_to < end {
            state = durable.changed.wait(state).unwrap_or_else(relock);
        }
        if state.up_to >= end {
            return Ok(());
        }
        state.running = true;
        drop(state);
        let up_to = self.appending.lock().unwrap_or_else(relock).length;
        counts.syncs.fetch_add(1, Ordering::Relaxed);
        let synced = durable.file.sync_data();
        let mut state = durable.state.lock().unwrap_or_else(relock);
        state.running = false;
        if synced.is_ok() {
            state.up_to = state.up_to.max(up_to);
        }
        durable.changed.notify_all();
        // A failed sync leaves the lines in place (groups after them may be written already):
        // their deliveries are answered as not saved, and a retry may write them again.
        synced
    }
}

/// Make the folder a journal goes in, private to the user, when it is missing.
pub fn create_parent(path: &Path) -> std::io::Result<()> {
    match path
        .parent()
        .filter(|p| !p.as_os_str().is_empty() && !p.exists())
    {
        Some(parent) => super::create_dir(parent),
        None => Ok(()),
    }
}

/// What a journal holds already: its length, how much of it is whole lines, and how many.
struct Existing {
    length: u64,
    whole: u64,
    lines: u64,
}

/// Read a megabyte at a time: a journal may have grown far beyond what is worth holding in memory
/// (it was read whole once, and a listener reopening a journal of gigabytes held all of it).
fn existing(file: &mut File) -> std::io::Result<Existing> {
    file.seek(SeekFrom::Start(0))?;
    let mut buffer = vec![0; 1 << 20];
    let mut existing = Existing {
        length: 0,
        whole: 0,
        lines: 0,
    };
    loop {
        let read = match file.read(&mut buffer) {
            Ok(0) => return Ok(existing),
            Ok(read) => read,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        let chunk = &buffer[..read];
        existing.lines += memchr::memchr_iter(b'\n', chunk).count() as u64;
        if let Some(last) = memchr::memrchr(b'\n', chunk) {
            existing.whole = existing.length + last as u64 + 1;
        }
        existing.length += read as u64;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::sample;
    use crate::capture::{collect, is_journal};

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn concurrent_captures_become_whole_lines_and_a_torn_tail_is_cut_first() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("captures.jsonl");
        assert!(is_journal(&path));
        std::fs::write(&path, b"{\"torn\":").unwrap();
        let (journal, cut) = JournalWriter::start(path.clone(), true).unwrap();
        assert_eq!(cut, 8, "the torn line is cut before anything is appended");
        let journal = Arc::new(journal);
        let writes: Vec<_> = (0..40)
            .map(|n| {
                let journal = journal.clone();
                tokio::spawn(async move {
                    let capture = Capture {
                        id: format!("c{n}"),
                        ..sample()
                    };
                    journal.write(&capture).await.unwrap()
                })
            })
            .collect();
        let mut numbers = Vec::new();
        for write in writes {
            numbers.push(write.await.unwrap());
        }
        numbers.sort();
        assert_eq!(
            numbers,
            (1..=40).collect::<Vec<u64>>(),
            "one line each, numbered in order of writing"
        );
        let counts = &journal.counts;
        assert_eq!(counts.lines.load(Ordering::Relaxed), 40);
        // Every group waited for a sync, and no group needed more than one.
        let (syncs, groups) = (
            counts.syncs.load(Ordering::Relaxed),
            counts.groups.load(Ordering::Relaxed),
        );
        assert!(
            (1..=groups).contains(&syncs),
            "{syncs} syncs for {groups} groups"
        );
        let (read, listing) = collect(std::slice::from_ref(&path));
        assert_eq!(read.len(), 40);
        assert!(listing.warnings.is_empty() && listing.unreadable.is_empty());
        // Reopened, it goes on numbering after the lines already there.
        drop(journal);
        let (again, cut) = JournalWriter::start(path.clone(), false).unwrap();
        assert_eq!(cut, 0);
        assert_eq!(again.write(&sample()).await.unwrap(), 41);
        assert_eq!(
            again.counts.syncs.load(Ordering::Relaxed),
            0,
            "no sync without --sync"
        );
    }

    #[tokio::test]
    async fn a_journal_larger_than_the_reading_buffer_is_counted_and_cut_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("captures.jsonl");
        let line = sample().to_line();
        let count = (3 << 20) / line.len() + 1;
        let mut text = line.repeat(count);
        text.extend_from_slice(b"{\"torn");
        std::fs::write(&path, &text).unwrap();
        let (journal, cut) = JournalWriter::start(path.clone(), false).unwrap();
        assert_eq!(cut, 6);
        assert_eq!(journal.write(&sample()).await.unwrap(), count as u64 + 1);
        assert_eq!(
            std::fs::metadata(&path).unwrap().len(),
            ((count + 1) * line.len()) as u64
        );
    }
}
