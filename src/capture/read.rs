//! Reading captures back: listing a folder in arrival order, parsing a file, and reading ahead
//! of a replay on background threads.

use std::path::{Path, PathBuf};

use super::{Capture, StoredCapture, FORMAT};

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
    let stored: StoredCapture = serde_json::from_slice(bytes).map_err(|e| format!("not a capture file: {e}"))?;
    if stored.format > FORMAT {
        return Err(format!("capture format {} is newer than this hookctl reads ({FORMAT})", stored.format));
    }
    Capture::try_from(stored)
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::tests::sample;
    use crate::capture::write;

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
}
