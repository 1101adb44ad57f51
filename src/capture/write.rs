//! Writing captures into a folder: each atomically (it appears under its name whole, or not at
//! all), on writer threads of their own so that file I/O never holds up the listener.

use std::path::{Path, PathBuf};

use super::Capture;

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
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            name.starts_with('.') && name.ends_with(".json.tmp")
        })
        .filter(|p| std::fs::remove_file(p).is_ok())
        .count()
}

/// Write a capture atomically: it appears under its name whole, or not at all.
pub fn write(dir: &Path, name: &str, capture: &Capture) -> std::io::Result<PathBuf> {
    write_synced(dir, name, capture, false)
}

/// [`write`]; with `sync`, the file's data and then the folder are on disk before it returns.
pub(super) fn write_synced(
    dir: &Path,
    name: &str,
    capture: &Capture,
    sync: bool,
) -> std::io::Result<PathBuf> {
    let bytes = capture.to_file_bytes().map_err(std::io::Error::other)?;
    let final_path = dir.join(name);
    #[cfg(target_os = "linux")]
    if unnamed::write(dir, &final_path, &bytes, sync) {
        return sync_folder(dir, sync).map(|()| final_path);
    }
    write_then_rename(dir, name, &final_path, &bytes, sync)?;
    sync_folder(dir, sync)?;
    Ok(final_path)
}

/// The folder's entry for a new file reaches the disk only with the folder's own sync.
fn sync_folder(dir: &Path, sync: bool) -> std::io::Result<()> {
    if sync {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

/// The portable way: a hidden temporary file in the same folder, then a rename.
fn write_then_rename(
    dir: &Path,
    name: &str,
    final_path: &Path,
    bytes: &[u8],
    sync: bool,
) -> std::io::Result<()> {
    use std::io::Write;
    let temporary = dir.join(format!(".{name}.tmp"));
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let result = (|| {
        let mut file = options.open(&temporary)?;
        file.write_all(bytes)?;
        if sync {
            file.sync_data()?;
        }
        std::fs::rename(&temporary, final_path)
    })();
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
}

/// On Linux, a capture is written into a file that has no name yet (`O_TMPFILE`) and then linked
/// under its final name: one change to the folder instead of two (create, then rename), which
/// the filesystem does one at a time (BENCHMARKS.md has the figures). A listener killed mid-write
/// leaves nothing behind at all.
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
    pub(super) fn write(dir: &Path, final_path: &Path, bytes: &[u8], sync: bool) -> bool {
        if UNSUPPORTED.load(Ordering::Relaxed) {
            return false;
        }
        let flags = OFlags::WRONLY | OFlags::TMPFILE | OFlags::CLOEXEC;
        let file = match rustix::fs::open(dir, flags, Mode::from_raw_mode(0o600)) {
            Ok(fd) => std::fs::File::from(fd),
            Err(error) => {
                // Filesystems and kernels without it answer one of these; anything else (the
                // folder is gone, say) is left for the portable way to report.
                if [
                    rustix::io::Errno::OPNOTSUPP,
                    rustix::io::Errno::ISDIR,
                    rustix::io::Errno::INVAL,
                ]
                .contains(&error)
                {
                    UNSUPPORTED.store(true, Ordering::Relaxed);
                }
                return false;
            }
        };
        if (&file).write_all(bytes).is_err() || (sync && file.sync_data().is_err()) {
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
                if [
                    rustix::io::Errno::NOENT,
                    rustix::io::Errno::PERM,
                    rustix::io::Errno::ACCESS,
                ]
                .contains(&error)
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
    done: tokio::sync::oneshot::Sender<(std::io::Result<PathBuf>, Box<Capture>)>,
}

impl Writer {
    /// Writers for a folder; with `sync`, each capture is on disk before it counts as written.
    pub fn start(dir: PathBuf, sync: bool) -> std::io::Result<Self> {
        let (queue, incoming) = std::sync::mpsc::channel::<Write>();
        let incoming = std::sync::Arc::new(std::sync::Mutex::new(incoming));
        let dir: std::sync::Arc<Path> = dir.into();
        for _ in 0..WRITERS {
            let (incoming, dir) = (incoming.clone(), dir.clone());
            std::thread::Builder::new()
                .name("capture-writer".into())
                .spawn(move || loop {
                    // The lock is held only to take the next capture; it ends when the queue closes.
                    let next = incoming.lock().unwrap_or_else(|e| e.into_inner()).recv();
                    let Ok(job) = next else { break };
                    // The caller may have gone (its connection dropped); the file is written anyway.
                    let written = write_synced(&dir, &job.name, &job.capture, sync);
                    let _ = job.done.send((written, job.capture));
                })?;
        }
        Ok(Writer { queue })
    }

    /// Write a capture under `name`; resolves once the file is in place, handing the capture
    /// back (so that its delivery need not be copied to be shown). The capture is lost only if a
    /// writer thread dies mid-write.
    pub async fn write(
        &self,
        name: String,
        capture: Box<Capture>,
    ) -> (std::io::Result<PathBuf>, Option<Box<Capture>>) {
        let (done, written) = tokio::sync::oneshot::channel();
        if let Err(refused) = self.queue.send(Write {
            name,
            capture,
            done,
        }) {
            return (
                Err(std::io::Error::other("the capture writers have stopped")),
                Some(refused.0.capture),
            );
        }
        match written.await {
            Ok((result, capture)) => (result, Some(capture)),
            Err(_) => (
                Err(std::io::Error::other(
                    "a capture writer stopped before writing",
                )),
                None,
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::capture::read;
    use crate::capture::tests::sample;

    #[test]
    fn the_portable_way_puts_the_whole_capture_in_place_privately_and_leaves_nothing_else() {
        let capture = sample();
        let bytes = capture.to_file_bytes().unwrap();
        let dir = tempfile::tempdir().unwrap();
        let check = |name: &str| {
            let path = dir.path().join(name);
            assert_eq!(read(&path).unwrap(), capture);
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                assert_eq!(
                    std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                    0o600
                );
            }
        };
        write_then_rename(
            dir.path(),
            "portable.json",
            &dir.path().join("portable.json"),
            &bytes,
            false,
        )
        .unwrap();
        check("portable.json");
        // The public entry point takes whichever way works here.
        let path = write(dir.path(), "entry.json", &capture).unwrap();
        assert_eq!(std::fs::read(path).unwrap(), bytes);
        let mut names: Vec<String> = std::fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(
            names,
            ["entry.json", "portable.json"],
            "no temporary file is left behind"
        );
    }

    /// The unnamed way needs a filesystem with `O_TMPFILE`: ignored unless asked for (`.ci/run`
    /// runs it), rather than passing without having checked anything.
    #[cfg(target_os = "linux")]
    #[test]
    #[ignore = "needs O_TMPFILE on the temporary folder's filesystem"]
    fn an_unnamed_write_puts_the_whole_capture_in_place_privately_and_leaves_nothing_else() {
        let capture = sample();
        let bytes = capture.to_file_bytes().unwrap();
        let dir = tempfile::tempdir().unwrap();
        assert!(
            unnamed::write(dir.path(), &dir.path().join("unnamed.json"), &bytes, true),
            "O_TMPFILE works here"
        );
        let path = dir.path().join("unnamed.json");
        assert_eq!(read(&path).unwrap(), capture);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            assert_eq!(
                std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
        assert_eq!(
            std::fs::read_dir(dir.path()).unwrap().count(),
            1,
            "no temporary file is left behind"
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn an_unnamed_write_leaves_a_name_already_taken_to_the_portable_way() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("taken.json");
        std::fs::write(&path, b"first").unwrap();
        // The link fails on the existing name, and nothing is written: the portable way decides.
        assert!(!unnamed::write(dir.path(), &path, b"second", false));
        assert_eq!(std::fs::read(&path).unwrap(), b"first");
        assert_eq!(std::fs::read_dir(dir.path()).unwrap().count(), 1);
    }

    #[test]
    fn round_trips_binary_bodies_and_duplicate_headers() {
        let dir = tempfile::tempdir().unwrap();
        let capture = sample();
        let path = write(dir.path(), &capture.file_name(1), &capture).unwrap();
        let back = read(&path).unwrap();
        assert_eq!(back, capture);
        assert_eq!(&back.delivery.body[..], &[0xff, 0x00, 0x01]);
        let leftovers: Vec<_> = std::fs::read_dir(dir.path())
            .unwrap()
            .filter_map(Result::ok)
            .collect();
        assert_eq!(leftovers.len(), 1, "no temporary file is left behind");
    }
}
