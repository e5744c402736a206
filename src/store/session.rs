//! A store opened only while it is used: the interface holds a `Session`, which opens sled at
//! the first read or write of a key press and lets go (`release`) before the interface waits
//! for the next one. An idle interface thus holds nothing, and others — a colleague's
//! interface, `check` in cron, an import — get the store between two key presses.

use std::cell::{Cell, OnceCell};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use super::{Change, Store, StoreError};

/// The longest a key waits for the store once the interface is up.
const KEY_WAIT: Duration = Duration::from_millis(400);

pub struct Session {
    path: PathBuf,
    read_only: bool,
    wait: Duration,
    open: OnceCell<Store>,
    /// When the store was opened, while it is open.
    opened_at: Cell<Option<Instant>>,
    /// The last change seen (see `changed_by_others`).
    seen: Option<Change>,
    /// The first open is done (only it may create a store).
    started: bool,
}

impl Session {
    /// A session on the store in `dir`; it is opened (and checked) at once, then released.
    pub fn new(dir: &Path, read_only: bool, wait: Duration) -> Result<Session, StoreError> {
        let mut s = Session {
            path: dir.to_path_buf(),
            read_only,
            wait,
            open: OnceCell::new(),
            opened_at: Cell::new(None),
            seen: Change::read(dir),
            started: false,
        };
        s.get()?;
        s.started = true;
        Ok(s)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// The store, opened if it is not (waiting up to the session's wait for another holder).
    pub fn get(&self) -> Result<&Store, StoreError> {
        if let Some(s) = self.open.get() {
            return Ok(s);
        }
        // opened once already: a store that vanished since must not be re-created empty
        if self.started && !self.path.join("db").is_file() {
            return Err(StoreError::Io {
                path: self.path.clone(),
                msg: "the store was removed or moved while the interface was open; nothing more can be read or saved".into(),
            });
        }
        // once the interface is up, a key waits only a moment for another holder (an import
        // can hold the store for a minute): the screen stays alive, says who holds it, and the
        // next key tries again
        let wait = if self.started {
            self.wait.min(KEY_WAIT)
        } else {
            self.wait
        };
        let s = Store::open_waiting(&self.path, self.read_only, wait)?;
        self.opened_at.set(Some(Instant::now()));
        Ok(self.open.get_or_init(|| s))
    }

    pub fn get_mut(&mut self) -> Result<&mut Store, StoreError> {
        self.get()?;
        Ok(self.open.get_mut().expect("opened above"))
    }

    /// Close the store (flushed on drop) until it is needed again.
    pub fn release(&mut self) {
        self.open.take();
        self.opened_at.set(None);
    }

    /// How long the store has been open, while it is.
    pub fn held_for(&self) -> Option<Duration> {
        self.opened_at.get().map(|t| t.elapsed())
    }

    /// A change committed by another process since the last call (or since the session
    /// started); changes made through this session are taken as seen.
    pub fn changed_by_others(&mut self) -> Option<Change> {
        let now = Change::read(&self.path);
        if now == self.seen {
            return None;
        }
        self.seen = now.clone();
        now.filter(|c| !c.is_ours())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_store_removed_under_a_session_is_not_recreated() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s");
        drop(Store::open(&p, false).unwrap());
        let mut s = Session::new(&p, false, Duration::ZERO).unwrap();
        s.release();
        std::fs::remove_dir_all(&p).unwrap();
        let e = s.get().err().expect("refused");
        assert!(e.to_string().contains("removed or moved"), "{e}");
        assert!(!p.exists(), "an empty store was created");
    }

    #[test]
    fn changes_by_this_process_are_not_others() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("s");
        drop(Store::open(&p, false).unwrap());
        let mut s = Session::new(&p, false, Duration::ZERO).unwrap();
        assert_eq!(s.changed_by_others(), None);
        // a stamp from another process is seen once
        std::fs::write(p.join("changed"), "1790000000.000000001 1 lan\n").unwrap();
        let c = s.changed_by_others().expect("seen");
        assert_eq!(
            (c.pid, c.user.as_str(), c.secs()),
            (1, "lan", 1_790_000_000)
        );
        assert_eq!(s.changed_by_others(), None);
        // one from this process is not reported
        let own = format!("1790000001.0 {} me\n", std::process::id());
        std::fs::write(p.join("changed"), own).unwrap();
        assert_eq!(s.changed_by_others(), None);
    }
}
