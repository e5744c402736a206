//! Finish or discard a sled snapshot that a killed process left half-done.
//!
//! sled 0.34.7 writes a snapshot to `snap.<lsn>.generating`, fsyncs it and only then renames it
//! to `snap.<lsn>`; older snapshots are removed after the rename. But when it reads, it takes
//! the newest `snap.*` file *including* a `.generating` one, so a process killed while writing
//! (SIGKILL, power loss) leaves a store that no longer opens ("Read corrupted data",
//! spacejam/sled#1527). The snapshot is only a recovery shortcut over the log, so we do what
//! sled would have done: a complete file (its trailing CRC matches) is renamed into place, a
//! torn one is removed, and the previous snapshot plus the log bring the store back.

use std::fs::{self, File};
use std::io;
use std::os::fd::AsRawFd;
use std::path::Path;

const SUFFIX: &str = ".generating";

/// Settle leftover `snap.*.generating` files in the store `dir`. Does nothing while another
/// process holds the store (it may be writing that very file); sled's own open reports the lock.
pub(super) fn settle(dir: &Path) -> io::Result<()> {
    let leftovers = || -> io::Result<Vec<std::path::PathBuf>> {
        Ok(fs::read_dir(dir)?
            .filter_map(|e| e.ok())
            .map(|e| e.path())
            .filter(|p| {
                p.file_name()
                    .and_then(|n| n.to_str())
                    .is_some_and(|n| n.starts_with("snap.") && n.ends_with(SUFFIX))
            })
            .collect())
    };
    if leftovers()?.is_empty() {
        return Ok(());
    }
    // a lock can be held for a moment by a process this one is spawning (it inherits the
    // descriptor until its exec): give that time to pass before concluding someone holds it
    let Some(db) = lock_db(dir, super::LOCK_PATIENCE) else {
        return Ok(());
    };
    // look again under the lock: a `.generating` file seen before it may have been the
    // snapshot another process was writing then, and renamed since (found by the many-users
    // harness in tests/shared.rs)
    for path in leftovers()? {
        let name = path
            .file_name()
            .and_then(|n| n.to_str())
            .unwrap_or_default();
        let done = dir.join(&name[..name.len() - SUFFIX.len()]);
        if complete(&fs::read(&path)?) {
            fs::rename(&path, &done)?;
        } else {
            fs::remove_file(&path)?;
        }
    }
    File::open(dir)?.sync_all()?;
    drop(db);
    Ok(())
}

/// Take the flock sled takes on the store's `db` file, waiting at most `patience`: while the
/// returned file is open, no process has the store open (nor is writing a snapshot). None if
/// the lock stayed taken or there is no `db`.
pub(super) fn lock_db(dir: &Path, patience: std::time::Duration) -> Option<File> {
    let db = File::open(dir.join("db")).ok()?;
    let deadline = std::time::Instant::now() + patience;
    // SAFETY: flock on a descriptor we own; it is released when `db` is dropped
    while unsafe { libc::flock(db.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) } != 0 {
        if std::time::Instant::now() >= deadline {
            return None;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    Some(db)
}

/// A snapshot file as sled writes it: body, 8-byte length, CRC-32 of the body (little-endian).
fn complete(bytes: &[u8]) -> bool {
    if bytes.len() <= 12 {
        return false;
    }
    let (body, tail) = bytes.split_at(bytes.len() - 12);
    let want = u32::from_le_bytes(tail[8..12].try_into().expect("4 bytes"));
    crc32fast::hash(body) == want
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snapshot_bytes(body: &[u8]) -> Vec<u8> {
        let mut v = body.to_vec();
        v.extend_from_slice(&(body.len() as u64).to_le_bytes());
        v.extend_from_slice(&crc32fast::hash(body).to_le_bytes());
        v
    }

    #[test]
    fn complete_files_are_recognised_and_torn_ones_are_not() {
        let good = snapshot_bytes(b"some snapshot body");
        assert!(complete(&good));
        assert!(!complete(&good[..good.len() - 1]));
        assert!(!complete(&good[..10]));
        let mut flipped = good.clone();
        flipped[0] ^= 1;
        assert!(!complete(&flipped));
    }

    #[test]
    fn torn_files_are_removed_and_complete_ones_put_in_place() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("db"), b"").unwrap();
        let good = snapshot_bytes(b"body");
        fs::write(d.path().join("snap.00000000000000AA.generating"), &good).unwrap();
        fs::write(
            d.path().join("snap.00000000000000BB.generating"),
            &good[..good.len() - 3],
        )
        .unwrap();
        settle(d.path()).unwrap();
        let mut names: Vec<_> = fs::read_dir(d.path())
            .unwrap()
            .map(|e| e.unwrap().file_name().into_string().unwrap())
            .collect();
        names.sort();
        assert_eq!(names, ["db", "snap.00000000000000AA"]);
        assert_eq!(
            fs::read(d.path().join("snap.00000000000000AA")).unwrap(),
            good
        );
    }

    #[test]
    fn nothing_is_touched_while_another_process_holds_the_store() {
        let d = tempfile::tempdir().unwrap();
        fs::write(d.path().join("db"), b"").unwrap();
        let torn = d.path().join("snap.00000000000000BB.generating");
        fs::write(&torn, b"torn").unwrap();
        let holder = File::open(d.path().join("db")).unwrap();
        assert_eq!(
            unsafe { libc::flock(holder.as_raw_fd(), libc::LOCK_EX | libc::LOCK_NB) },
            0
        );
        settle(d.path()).unwrap();
        assert!(torn.exists(), "a snapshot being written must be left alone");
        drop(holder);
        settle(d.path()).unwrap();
        assert!(!torn.exists());
    }
}
