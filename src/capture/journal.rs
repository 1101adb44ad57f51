//! A journal: every capture of a listener appended to one file, a line each (`listen --save
//! FILE.jsonl`). One writer thread takes everything queued since its last write and writes it
//! with one call (group commit); with `sync`, one `fdatasync` covers the whole group. A delivery
//! is answered only after the write that holds its line returned.

use std::fs::File;
use std::io::{Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc};

use super::{read::whole_lines, Capture};

/// What the writer has done, for the listener's summary (and for tests: no timing needed).
#[derive(Debug, Default)]
pub struct Counts {
    /// Writes made, each holding one group of lines.
    pub groups: AtomicU64,
    pub lines: AtomicU64,
    /// `fdatasync` calls made.
    pub syncs: AtomicU64,
}

struct Append {
    capture: Box<Capture>,
    done: tokio::sync::oneshot::Sender<(std::io::Result<u64>, Box<Capture>)>,
}

/// Appends captures to a journal on a thread of its own.
pub struct JournalWriter {
    queue: mpsc::Sender<Append>,
    pub path: PathBuf,
    pub counts: Arc<Counts>,
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
        let mut existing = Vec::new();
        file.seek(SeekFrom::Start(0))?;
        file.read_to_end(&mut existing)?;
        let whole = whole_lines(&existing);
        let cut = (existing.len() - whole) as u64;
        if cut > 0 {
            file.set_len(whole as u64)?;
        }
        let lines = existing[..whole].iter().filter(|&&b| b == b'\n').count() as u64;
        drop(existing);
        let counts = Arc::new(Counts::default());
        let (queue, incoming) = mpsc::channel::<Append>();
        let thread_counts = counts.clone();
        std::thread::Builder::new()
            .name("capture-journal".into())
            .spawn(move || {
                append_groups(file, whole as u64, lines, sync, &incoming, &thread_counts)
            })?;
        Ok((
            JournalWriter {
                queue,
                path,
                counts,
            },
            cut,
        ))
    }

    /// Append a capture; resolves with its line number once the write that holds it returned
    /// (and with `sync`, once it is on disk), handing the capture back.
    pub async fn write(
        &self,
        capture: Box<Capture>,
    ) -> (std::io::Result<u64>, Option<Box<Capture>>) {
        let (done, written) = tokio::sync::oneshot::channel();
        if let Err(refused) = self.queue.send(Append { capture, done }) {
            return (
                Err(std::io::Error::other("the journal writer has stopped")),
                Some(refused.0.capture),
            );
        }
        match written.await {
            Ok((result, capture)) => (result, Some(capture)),
            Err(_) => (
                Err(std::io::Error::other(
                    "the journal writer stopped before writing",
                )),
                None,
            ),
        }
    }
}

/// The writer's loop: wait for one capture, take every other one queued meanwhile, write them
/// all with one call, sync once if asked, then answer each.
fn append_groups(
    mut file: File,
    mut length: u64,
    mut lines: u64,
    sync: bool,
    incoming: &mpsc::Receiver<Append>,
    counts: &Counts,
) {
    let mut buffer = Vec::with_capacity(64 * 1024);
    let mut group = Vec::new();
    while let Ok(first) = incoming.recv() {
        group.push(first);
        group.extend(std::iter::from_fn(|| incoming.try_recv().ok()));
        buffer.clear();
        for append in &group {
            append.capture.append_line(&mut buffer);
        }
        let written = write_group(&mut file, length, &buffer, sync, counts);
        if written.is_ok() {
            length += buffer.len() as u64;
            counts.groups.fetch_add(1, Ordering::Relaxed);
            counts
                .lines
                .fetch_add(group.len() as u64, Ordering::Relaxed);
        }
        for append in group.drain(..) {
            let result = match &written {
                Ok(()) => {
                    lines += 1;
                    Ok(lines)
                }
                // Nothing of a failed group counts: the next group starts where this one did.
                Err(error) => Err(std::io::Error::new(error.kind(), error.to_string())),
            };
            // The caller may have gone (its connection dropped); its line is written anyway.
            let _ = append.done.send((result, append.capture));
        }
    }
}

/// Write a group's lines with one call. On failure the journal is cut back to `length`, where the
/// group started, so that it never ends in a torn line.
fn write_group(
    file: &mut File,
    length: u64,
    bytes: &[u8],
    sync: bool,
    counts: &Counts,
) -> std::io::Result<()> {
    let result = file.write_all(bytes).and_then(|()| {
        if sync {
            counts.syncs.fetch_add(1, Ordering::Relaxed);
            file.sync_data()
        } else {
            Ok(())
        }
    });
    if result.is_err() {
        let _ = file.set_len(length);
    }
    result
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
                    let capture = Box::new(Capture {
                        id: format!("c{n}"),
                        ..sample()
                    });
                    journal.write(capture).await.0.unwrap()
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
        // One sync per group, however many lines the group held.
        assert_eq!(
            counts.syncs.load(Ordering::Relaxed),
            counts.groups.load(Ordering::Relaxed)
        );
        let (read, listing) = collect(std::slice::from_ref(&path));
        assert_eq!(read.len(), 40);
        assert!(listing.warnings.is_empty() && listing.unreadable.is_empty());
        // Reopened, it goes on numbering after the lines already there.
        drop(journal);
        let (again, cut) = JournalWriter::start(path.clone(), false).unwrap();
        assert_eq!(cut, 0);
        assert_eq!(again.write(Box::new(sample())).await.0.unwrap(), 41);
        assert_eq!(
            again.counts.syncs.load(Ordering::Relaxed),
            0,
            "no sync without --sync"
        );
    }
}
