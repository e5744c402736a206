//! The only code that touches sled. Trees:
//! - `meta`: format, schema, id counters, frameworks/overrides added by users
//! - `units`: unit code → Unit
//! - `ids` / `rev`: interned ids for units (u32), frameworks (u16), indicators (u16)
//! - `series`: [unit u32][framework u16] → every observation of that unit in that framework,
//!   all indicators and years, in one record (layout 2, see `series`; layout 1 had one record
//!   per observation in `obs`, migrated on the first writable open, see `migrate`)
//! - `recog`: [unit u32][year u16][kind u8] → Recognition
//! - `summary`: [unit u32][framework u16][year u16] → criteria statuses, maintained on write
//! - `merges`: [new unit u32][old unit u32] → Merge (administrative history: old became new)
//! - `undo`: previous values while an import is being written (empty otherwise; see `import`)
//!
//! Keys are fixed-width big-endian, so "all frameworks of a unit" is a prefix range scan and
//! "a unit in a framework" one point read; "all units of an indicator" is one point read per
//! unit in scope. Every multi-tree write is one sled transaction, flushed on commit,
//! except an import, which is written in batches under a marker and rolled back if interrupted.

mod added;
mod codec;
mod edit;
mod ids;
pub mod log;
mod migrate;
mod series;
mod session;
mod snapshot;
pub mod stage;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use sled::Transactional;
use sled::transaction::{ConflictableTransactionError, TransactionError};

use crate::eval::{self, Status};
use crate::framework::{
    Registry, parse_framework, parse_mapping, parse_override, parse_stored_framework,
};
use crate::model::{Merge, Observation, Recognition, RecognitionKind, Unit, Units};
pub use codec::SCHEMA;
use codec::{KeyPart, decode, encode, key, u16_at, u32_at};
pub use edit::{Audit, AuditMark, AuditRecord, Flag, MarkStatus, ObsKey};
use ids::Ids;
pub use ids::IdsFull;
pub use log::{ChainProblem, LogEntry};
use series::{ObsRecord, Row};
pub use session::Session;
pub use stage::Stage;

const FORMAT: &[u8] = b"ntm-bincode2-standard";
/// The store layout this build writes, kept in `meta` as `schema` (1: one record per
/// observation; 2: one record per unit and framework; 3: the same records, columnar and compact).
/// An older build refuses a store with a higher number ("written by a newer ntm") instead of
/// misreading it.
pub const LAYOUT: u8 = 3;
/// In `meta` while an import is being written (value: the trees that were empty before it).
const IMPORT_MARKER: &str = "import-in-progress";
/// Keys per tree written in one sled batch by an import.
const IMPORT_CHUNK: usize = 20_000;
/// An import flushes after this many keys, so sled can evict what it has written (its cache
/// only drops pages that are on disk) and memory stays bounded.
const IMPORT_FLUSH_EVERY: u64 = 400_000;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error(
        "the store {0} is in use by another ntm process{1} and was not let go within the wait; try again, or wait longer with --wait SECONDS"
    )]
    Locked(PathBuf, String),
    #[error(
        "the store was written by a newer ntm (store schema {found}; this build reads up to {supported}); upgrade ntm to open it"
    )]
    NewerSchema { found: u8, supported: u8 },
    #[error("{0} is not an ntm store (its format marker is {1:?})")]
    Foreign(PathBuf, String),
    #[error("the store is damaged: {0}")]
    Corrupt(String),
    #[error("store I/O error at {path}: {msg}")]
    Io { path: PathBuf, msg: String },
    #[error("{0}")]
    Invalid(String),
    #[error("the store is open read-only; {0} is not allowed")]
    ReadOnly(&'static str),
    #[error(transparent)]
    IdsFull(#[from] IdsFull),
}

/// Per unit, framework and year: the status of every criterion.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Summary {
    pub statuses: Vec<u8>,
}

impl Summary {
    pub fn criteria(&self) -> impl Iterator<Item = Status> + '_ {
        self.statuses.iter().map(|s| Status::from_u8(*s))
    }
    pub fn met(&self) -> usize {
        self.criteria().filter(|s| *s == Status::Met).count()
    }
}

/// Everything one import writes.
#[derive(Clone, Debug, Default)]
pub struct Bundle {
    pub units: Vec<Unit>,
    pub observations: Vec<Observation>,
    pub recognitions: Vec<Recognition>,
    /// Rows of merges.csv (optional extension of the format; also `ntm merges import`).
    pub merges: Vec<Merge>,
    /// Where the bundle came from, for the change log: (path, description with file hashes).
    pub origin: Option<(String, String)>,
    /// What the reader accepted with a doubt (`file:line:column: reason`), for the user.
    pub warnings: Vec<crate::io::BadRow>,
    /// Observation rows without any figure (a template's untouched rows), skipped.
    pub skipped_empty: usize,
}

/// Counts of what an import wrote.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ImportStats {
    pub units: usize,
    pub observations: usize,
    pub recognitions: usize,
    pub summaries: usize,
    pub merges: usize,
}

pub struct Store {
    db: sled::Db,
    path: PathBuf,
    read_only: bool,
    meta: sled::Tree,
    units: sled::Tree,
    ids_t: sled::Tree,
    rev: sled::Tree,
    series: sled::Tree,
    /// Layout 1's per-observation tree, while a store still has it (see `migrate`).
    legacy_obs: Option<sled::Tree>,
    recog: sled::Tree,
    summary: sled::Tree,
    merges: sled::Tree,
    log: sled::Tree,
    flags: sled::Tree,
    audits: sled::Tree,
    /// Previous values of what an import in progress overwrites (see `import`).
    undo: sled::Tree,
    ids: Ids,
    /// Last field, so it runs after sled's handles are dropped: gives back files this process
    /// created in another account's store (see `OwnerGuard`).
    _owner: OwnerGuard,
}

fn io_err(path: &Path) -> impl Fn(sled::Error) -> StoreError + '_ {
    move |e| StoreError::Io {
        path: path.to_path_buf(),
        msg: e.to_string(),
    }
}

/// A raw key and value, as written to a tree.
type KeyValue = (Vec<u8>, Vec<u8>);

type TxResult<T> = Result<T, TransactionError<StoreError>>;

/// (unit id, framework id): what a series record is keyed by.
type SeriesId = (u32, u16);

/// Key of the series record of a unit in a framework.
fn series_key(uid: u32, fid: u16) -> Vec<u8> {
    key(&[KeyPart::U32(uid), KeyPart::U16(fid)])
}

fn tx_err(path: &Path, e: TransactionError<StoreError>) -> StoreError {
    match e {
        TransactionError::Abort(e) => e,
        TransactionError::Storage(e) => io_err(path)(e),
    }
}

impl Store {
    /// Open (creating if needed) the store in `dir`. Fails at once (after `LOCK_PATIENCE`)
    /// when another process holds it.
    pub fn open(dir: &Path, read_only: bool) -> Result<Store, StoreError> {
        Store::open_waiting(dir, read_only, std::time::Duration::ZERO)
    }

    /// `open`, waiting up to `wait` for another process to let go of the store (sled lets one
    /// process in at a time; ntm's commands and the interface hold it only while they read or
    /// write, so a wait of a few seconds lets several people share a store). Says once on
    /// stderr who it is waiting for.
    pub fn open_waiting(
        dir: &Path,
        read_only: bool,
        wait: std::time::Duration,
    ) -> Result<Store, StoreError> {
        // a read-only look never creates a store, not even sled's empty files in an existing
        // folder (`--read-only --store /` must not leave `/db` behind)
        if read_only && !dir.join("db").is_file() {
            return Err(StoreError::Io {
                path: dir.to_path_buf(),
                msg: "no store here (import data first, or give --store)".into(),
            });
        }
        if !dir.exists() {
            create_private_dir(dir).map_err(|e| StoreError::Io {
                path: dir.to_path_buf(),
                msg: e.to_string(),
            })?;
        }
        check_owner(dir, read_only)?;
        let open = || {
            // before every try: a holder we waited for may have been killed mid-snapshot
            snapshot::settle(dir).map_err(|e| {
                sled::Error::Io(std::io::Error::new(
                    e.kind(),
                    format!("settling an interrupted snapshot: {e}"),
                ))
            })?;
            with_store_umask(dir, || {
                sled::Config::new()
                    .path(dir)
                    .cache_capacity(32 << 20)
                    .flush_every_ms(Some(500))
                    .open()
            })
        };
        let mut db = open();
        // A lock can be taken for a moment without another ntm holding the store: sled's
        // background threads keep it briefly after this process closed the store, and a child
        // this process is spawning inherits the descriptor until its exec. Wait that out
        // (2 s for a store closed here, LOCK_PATIENCE otherwise, well within the promise to
        // report a real holder within a second).
        let patience = if recently_closed(dir) {
            std::time::Duration::from_secs(2)
        } else {
            LOCK_PATIENCE
        };
        let started = std::time::Instant::now();
        let deadline = started + patience.max(wait);
        let mut told = false;
        while db.as_ref().is_err_and(is_lock_error) && std::time::Instant::now() < deadline {
            if !told && wait > patience && started.elapsed() >= LOCK_PATIENCE {
                told = true;
                let holder = lock_holder(dir);
                let (vi, n) = (
                    crate::i18n::Lang::process() == crate::i18n::Lang::Vi,
                    wait.as_secs_f64(),
                );
                if vi {
                    eprintln!(
                        "ntm: kho dữ liệu {} đang được dùng{holder}; đang chờ (tối đa {n} giây) …",
                        dir.display()
                    );
                } else {
                    eprintln!(
                        "ntm: the store {} is in use{holder}; waiting (up to {n} s) …",
                        dir.display()
                    );
                }
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
            db = open();
        }
        let db = db.map_err(|e| match &e {
            e if is_lock_error(e) => StoreError::Locked(dir.to_path_buf(), lock_holder(dir)),
            _ => io_err(dir)(e),
        })?;
        // we hold the lock now: say who, for the next process that finds it taken
        write_lock_info(dir);
        let owner = foreign_owner(dir);
        let t = |name: &str| db.open_tree(name).map_err(io_err(dir));
        let mut s = Store {
            meta: t("meta")?,
            units: t("units")?,
            ids_t: t("ids")?,
            rev: t("rev")?,
            series: t(series::TREE)?,
            legacy_obs: if db
                .tree_names()
                .iter()
                .any(|n| n == migrate::LEGACY_TREE.as_bytes())
            {
                Some(t(migrate::LEGACY_TREE)?)
            } else {
                None
            },
            recog: t("recog")?,
            summary: t("summary")?,
            merges: t("merges")?,
            log: t("log")?,
            flags: t("flags")?,
            audits: t("audits")?,
            undo: t("undo")?,
            db,
            path: dir.to_path_buf(),
            read_only,
            ids: Ids::default(),
            _owner: OwnerGuard(owner.map(|o| (dir.to_path_buf(), o))),
        };
        let layout = s.check_format()?;
        if s.meta.contains_key(IMPORT_MARKER).map_err(io_err(dir))? {
            if read_only {
                return Err(StoreError::Invalid(format!(
                    "an import into {} was interrupted; open the store once without --read-only (any ntm command) to roll it back",
                    dir.display()
                )));
            }
            s.roll_back_interrupted_import()?;
        }
        if layout < LAYOUT {
            // layout 2's records are read as they are; layout 1 has to be converted first
            if read_only && layout < 2 {
                return Err(StoreError::Invalid(format!(
                    "the store {} was written by an earlier ntm (one record per observation); open it once without --read-only (any ntm command, e.g. `ntm --store {} check`) to convert it — everything in it is kept",
                    dir.display(),
                    dir.display()
                )));
            }
            if !read_only {
                migrate::run(&mut s, layout)?;
            }
        } else if !read_only {
            migrate::drop_legacy(&mut s)?;
        }
        if !read_only
            && s.db
                .tree_names()
                .iter()
                .any(|n| n == RETIRED_INDEX.as_bytes())
        {
            // the retired indicator index: nothing reads it any more
            s.db.drop_tree(RETIRED_INDEX).map_err(io_err(dir))?;
        }
        s.ids = Ids::load(&s.ids_t).map_err(io_err(dir))?;
        if !read_only && !s.meta.contains_key(YEARS_KEY).map_err(io_err(dir))? {
            // a store from before the years record: build it once
            let years = encode(&s.scan_years()?);
            s.meta.insert(YEARS_KEY, years).map_err(io_err(dir))?;
        }
        Ok(s)
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// What files written from this store (exports, reports, templates) get: the store's own
    /// privacy (0600, or the group bits of a group-shared store).
    pub fn privacy(&self) -> crate::files::Privacy {
        crate::files::Privacy::of_dir(&self.path)
    }

    /// Check the format marker and return the store's layout (1 or 2); a new store gets the
    /// current layout.
    fn check_format(&self) -> Result<u8, StoreError> {
        let io = io_err(&self.path);
        match self.meta.get("format").map_err(&io)? {
            Some(f) if f.as_ref() != FORMAT => {
                return Err(StoreError::Foreign(
                    self.path.clone(),
                    String::from_utf8_lossy(&f).into_owned(),
                ));
            }
            Some(_) => {}
            None => {
                if !self.read_only {
                    self.meta.insert("format", FORMAT).map_err(&io)?;
                    self.meta.insert("schema", &[LAYOUT]).map_err(&io)?;
                    self.db.flush().map_err(&io)?;
                }
            }
        }
        let found = match self.meta.get("schema").map_err(&io)? {
            Some(v) => v.first().copied().unwrap_or(1),
            // a read-only look at a store that never got its marker: nothing written yet
            None => LAYOUT,
        };
        if found > LAYOUT {
            return Err(StoreError::NewerSchema {
                found,
                supported: LAYOUT,
            });
        }
        Ok(found)
    }

    fn writable(&self, what: &'static str) -> Result<(), StoreError> {
        if self.read_only {
            return Err(StoreError::ReadOnly(what));
        }
        // sled keeps writing to files that were unlinked under it: refuse instead of
        // "saving" into a store that no longer exists
        if !self.path.join("db").exists() {
            return Err(StoreError::Io {
                path: self.path.clone(),
                msg: format!(
                    "the store directory was removed or moved while ntm had it open; {what} was not saved"
                ),
            });
        }
        Ok(())
    }

    /// Flush everything to disk (called after every committed write and on exit).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.db.flush().map(|_| ()).map_err(io_err(&self.path))
    }

    // ---------- frameworks ----------

    /// Built-in frameworks plus those added to this store.
    pub fn registry(&self) -> Result<Registry, StoreError> {
        let mut reg = Registry::builtin();
        let io = io_err(&self.path);
        for kv in self.meta.scan_prefix("framework:") {
            let (k, v) = kv.map_err(&io)?;
            let name = String::from_utf8_lossy(&k[10..]).into_owned();
            let text = String::from_utf8_lossy(&v);
            let f = parse_stored_framework(&name, &text)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            reg.put_framework(f);
        }
        for kv in self.meta.scan_prefix("override:") {
            let (k, v) = kv.map_err(&io)?;
            let name = String::from_utf8_lossy(&k[9..]).into_owned();
            let text = String::from_utf8_lossy(&v);
            let mut o = parse_override(&name, &text, &reg)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            // a copy of a built-in override, byte for byte, decides nothing new: it stays
            // "built in" (older builds let users add the shipped file)
            let copy_of_builtin = reg.overrides.iter().any(|b| {
                b.added_as.is_none() && b.source_text == o.source_text && b.decision == o.decision
            });
            if !copy_of_builtin {
                o.added_as = Some(name);
            }
            reg.put_override(o);
        }
        for kv in self.meta.scan_prefix("mapping:") {
            let (k, v) = kv.map_err(&io)?;
            let name = String::from_utf8_lossy(&k[8..]).into_owned();
            let text = String::from_utf8_lossy(&v);
            let m = parse_mapping(&name, &text, &reg)
                .map_err(|e| StoreError::Corrupt(e.to_string()))?;
            reg.put_mapping(m);
        }
        Ok(reg)
    }

    /// Keep a mapping file between two frameworks in the store, keyed by its name (it
    /// replaces a mapping between the same two frameworks), and log it. Statuses do not depend
    /// on mappings, so no summary changes.
    pub fn add_mapping(&self, name: &str, text: &str, file: &str) -> Result<LogEntry, StoreError> {
        self.writable("adding a mapping")?;
        let reg = self.registry()?;
        let m = parse_mapping(name, text, &reg).map_err(|e| StoreError::Invalid(e.to_string()))?;
        // drop a stored mapping between the same frameworks under another name
        let io = io_err(&self.path);
        let mut meta_b = sled::Batch::default();
        let mut old = None;
        for kv in self.meta.scan_prefix("mapping:") {
            let (k, v) = kv.map_err(&io)?;
            let stored = String::from_utf8_lossy(&k[8..]).into_owned();
            if let Ok(o) = parse_mapping(&stored, &String::from_utf8_lossy(&v), &reg)
                && o.from == m.from
                && o.to == m.to
            {
                old = Some(added::describe_file(&v, &format!("mapping {stored}")));
                meta_b.remove(k);
            }
        }
        meta_b.insert(format!("mapping:{name}").as_bytes(), text.as_bytes());
        let entry = (
            format!("mapping {name}"),
            if old.is_some() {
                "mapping_replace"
            } else {
                "mapping_add"
            }
            .to_string(),
            old,
            Some(added::describe_file(
                text.as_bytes(),
                &format!(
                    "{} → {}, {} pairs; file {file}",
                    m.from,
                    m.to,
                    m.pairs.len()
                ),
            )),
            None,
        );
        let (log_b, _, mut logged) = self.log_entries_batch(&[entry])?;
        // the newest hash moves in the same batch as the file (one batch per tree)
        meta_b.insert("log_head", &logged[0].hash);
        self.commit(&[(&self.meta, meta_b), (&self.log, log_b)])?;
        Ok(logged.remove(0))
    }

    /// Keep a user's framework file in the store and re-evaluate the summaries, logged, all in
    /// one transaction. A built-in set's id is refused (a file of one's own takes an id of its
    /// own); a user set with the same id is replaced, the log keeping both files' hashes.
    pub fn add_framework(
        &self,
        id: &str,
        text: &str,
        file: &str,
    ) -> Result<(usize, LogEntry), StoreError> {
        if Registry::builtin().get(id).is_some() {
            return Err(StoreError::Invalid(format!(
                "{id} is a built-in criteria set: a file cannot replace it; give your file an id of its own (e.g. id = \"{id}-{}\")",
                "tinh"
            )));
        }
        let f = parse_framework(id, text).map_err(|e| StoreError::Invalid(e.to_string()))?;
        let what = format!("framework {id}");
        let desc = format!(
            "{} criteria, {} indicators; file {file}",
            f.criteria.len(),
            f.indicators.len()
        );
        self.change_meta_and_resummarize(format!("framework:{id}"), Some(text), &what, &desc)
    }

    /// Keep a provincial override file in the store, keyed by its name, logged.
    pub fn add_override(
        &self,
        name: &str,
        text: &str,
        file: &str,
    ) -> Result<(usize, LogEntry), StoreError> {
        let reg = self.registry()?;
        let o = parse_override(name, text, &reg).map_err(|e| StoreError::Invalid(e.to_string()))?;
        if reg.overrides.iter().any(|b| {
            b.added_as.is_none()
                && b.framework == o.framework
                && b.province == o.province
                && b.decision == o.decision
        }) {
            return Err(StoreError::Invalid(format!(
                "the override of {} for province {} by {} is built in: a file cannot replace it",
                o.framework, o.province, o.decision
            )));
        }
        let desc = format!(
            "framework {}; province {}; decision {}; {} targets; file {file}",
            o.framework,
            o.province,
            o.decision,
            o.targets.len()
        );
        self.change_meta_and_resummarize(
            format!("override:{name}"),
            Some(text),
            &format!("override {name}"),
            &desc,
        )
    }

    /// Remove an override a user added (by its id, `framework list`), re-evaluate, and log it.
    pub fn remove_override(&self, name: &str) -> Result<(usize, LogEntry), StoreError> {
        let key_s = format!("override:{name}");
        if self
            .meta
            .get(key_s.as_bytes())
            .map_err(io_err(&self.path))?
            .is_none()
        {
            let known: Vec<String> = self
                .registry()?
                .overrides
                .iter()
                .filter_map(|o| o.added_as.clone())
                .collect();
            return Err(StoreError::Invalid(format!(
                "no override {name} was added to this store (added ones: {}; built-in ones cannot be removed)",
                if known.is_empty() {
                    "none".to_string()
                } else {
                    known.join(", ")
                }
            )));
        }
        self.change_meta_and_resummarize(key_s, None, &format!("override {name}"), "")
    }

    /// Write (Some) or remove (None) a framework or override file in `meta`, rebuild every
    /// summary, and log the change (`what`, with the file's SHA-256 and `desc`), all in one
    /// transaction.
    fn change_meta_and_resummarize(
        &self,
        key_s: String,
        text: Option<&str>,
        what: &str,
        desc: &str,
    ) -> Result<(usize, LogEntry), StoreError> {
        self.writable("adding a framework")?;
        // registry as it will be after the write
        let mut reg = self.registry()?;
        let before = self
            .meta
            .get(key_s.as_bytes())
            .map_err(io_err(&self.path))?;
        match (key_s.strip_prefix("framework:"), text) {
            (Some(id), Some(text)) => {
                let f =
                    parse_framework(id, text).map_err(|e| StoreError::Corrupt(e.to_string()))?;
                reg.put_framework(f);
            }
            (None, Some(text)) => {
                let mut o = parse_override(&key_s, text, &reg)
                    .map_err(|e| StoreError::Corrupt(e.to_string()))?;
                let name = key_s.trim_start_matches("override:").to_string();
                reg.overrides
                    .retain(|x| x.added_as.as_deref() != Some(name.as_str()));
                o.added_as = Some(name);
                reg.put_override(o);
            }
            (_, None) => {
                let name = key_s.trim_start_matches("override:");
                reg.overrides
                    .retain(|x| x.added_as.as_deref() != Some(name));
            }
        }
        let kind = what.split(' ').next().unwrap_or("framework");
        let action = match (&before, text) {
            (None, Some(_)) => format!("{kind}_add"),
            (Some(_), Some(_)) => format!("{kind}_replace"),
            (_, None) => format!("{kind}_remove"),
        };
        let entry = (
            what.to_string(),
            action,
            before.as_ref().map(|b| added::describe_file(b, "")),
            text.map(|t| added::describe_file(t.as_bytes(), desc)),
            None,
        );
        let (log_b, head_b, mut logged) = self.log_entries_batch(&[entry])?;
        let units = self.units()?;
        let mut batch = sled::Batch::default();
        let mut n = 0;
        // rebuild every summary: remove the old ones, write the new ones
        for kv in self.summary.iter() {
            let (k, _) = kv.map_err(io_err(&self.path))?;
            batch.remove(k);
        }
        let mut years: YearsMap = BTreeMap::new();
        for (k, v) in self.all_summaries(&reg, &units)? {
            if let Some(f) = self.ids.framework_id(u16_at(&k, 4)) {
                years
                    .entry(f.to_string())
                    .or_default()
                    .insert(u16_at(&k, 6));
            }
            batch.insert(k, v);
            n += 1;
        }
        let years = encode(&years);
        let r: TxResult<()> = (&self.meta, &self.summary, &self.log).transaction(|(m, s, l)| {
            match text {
                Some(t) => m.insert(key_s.as_bytes(), t.as_bytes())?,
                None => m.remove(key_s.as_bytes())?,
            };
            m.insert(YEARS_KEY, years.as_slice())?;
            m.apply_batch(&head_b)?;
            s.apply_batch(&batch)?;
            l.apply_batch(&log_b)?;
            Ok(())
        });
        r.map_err(|e| tx_err(&self.path, e))?;
        self.flush()?;
        self.stamp();
        Ok((n, logged.remove(0)))
    }

    // ---------- reads ----------

    pub fn units(&self) -> Result<Units, StoreError> {
        let mut out = Units::default();
        for kv in self.units.iter() {
            let (_, v) = kv.map_err(io_err(&self.path))?;
            out.insert(codec::decode_unit(&v)?);
        }
        Ok(out)
    }

    pub fn recognitions(&self) -> Result<Vec<Recognition>, StoreError> {
        let mut out = Vec::new();
        for kv in self.recog.iter() {
            let (_, v) = kv.map_err(io_err(&self.path))?;
            out.push(decode::<Recognition>(&v, "recognition")?);
        }
        Ok(out)
    }

    /// Every stored merge (old unit → new unit), in key order (by new unit).
    pub fn merges(&self) -> Result<Vec<Merge>, StoreError> {
        let mut out = Vec::new();
        for kv in self.merges.iter() {
            let (_, v) = kv.map_err(io_err(&self.path))?;
            out.push(decode::<Merge>(&v, "merge")?);
        }
        Ok(out)
    }

    pub fn recognitions_of(&self, unit: &str) -> Result<Vec<Recognition>, StoreError> {
        let Some(uid) = self.ids.unit(unit) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for kv in self.recog.scan_prefix(key(&[KeyPart::U32(uid)])) {
            let (_, v) = kv.map_err(io_err(&self.path))?;
            out.push(decode::<Recognition>(&v, "recognition")?);
        }
        Ok(out)
    }

    /// The observation of a series row, with its codes looked up.
    fn obs_of(&self, uid: u32, fid: u16, r: Row) -> Result<Observation, StoreError> {
        let unit = self
            .ids
            .unit_code(uid)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown unit id {uid}")))?;
        let fw = self
            .ids
            .framework_id(fid)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown framework id {fid}")))?;
        let ind = self
            .ids
            .indicator_code(r.ind)
            .ok_or_else(|| StoreError::Corrupt(format!("unknown indicator id {}", r.ind)))?;
        Ok(Observation {
            unit_code: unit.to_string(),
            framework: fw.to_string(),
            indicator: ind.to_string(),
            year: r.year,
            value: r.rec.value,
            numerator: r.rec.numerator,
            denominator: r.rec.denominator,
            stated_percent: r.rec.stated_percent,
            units_met: r.rec.units_met,
            units_total: r.rec.units_total,
            source: r.rec.source,
            note: r.rec.note,
        })
    }

    /// The rows of one series record (empty when there is none).
    fn series_rows(&self, uid: u32, fid: u16) -> Result<Vec<Row>, StoreError> {
        self.series_rows_where(uid, fid, |_| true)
    }

    /// The rows of one series record in the years `keep` accepts.
    fn series_rows_where(
        &self,
        uid: u32,
        fid: u16,
        keep: impl Fn(u16) -> bool,
    ) -> Result<Vec<Row>, StoreError> {
        match self
            .series
            .get(series_key(uid, fid))
            .map_err(io_err(&self.path))?
        {
            Some(v) => series::decode_rows_where(&v, keep),
            None => Ok(Vec::new()),
        }
    }

    /// The observations of one series record (key and value as stored).
    fn series_obs(&self, k: &[u8], v: &[u8]) -> Result<Vec<Observation>, StoreError> {
        let (uid, fid) = (u32_at(k, 0), u16_at(k, 4));
        series::decode_rows(v)?
            .into_iter()
            .map(|r| self.obs_of(uid, fid, r))
            .collect()
    }

    /// All observations of a unit in a framework, every year (one record).
    pub fn observations_of(
        &self,
        unit: &str,
        framework: &str,
    ) -> Result<Vec<Observation>, StoreError> {
        self.observations_of_years(unit, framework, |_| true)
    }

    /// The observations of a unit in a framework in the years `keep` accepts (one record; rows
    /// of other years are skipped without being built).
    pub fn observations_of_years(
        &self,
        unit: &str,
        framework: &str,
        keep: impl Fn(u16) -> bool,
    ) -> Result<Vec<Observation>, StoreError> {
        let (Some(uid), Some(fid)) = (self.ids.unit(unit), self.ids.framework(framework)) else {
            return Ok(Vec::new());
        };
        self.series_rows_where(uid, fid, keep)?
            .into_iter()
            .map(|r| self.obs_of(uid, fid, r))
            .collect()
    }

    /// All observations of a unit, every framework and year (a prefix scan).
    pub fn observations_of_unit(&self, unit: &str) -> Result<Vec<Observation>, StoreError> {
        let Some(uid) = self.ids.unit(unit) else {
            return Ok(Vec::new());
        };
        let mut out = Vec::new();
        for kv in self.series.scan_prefix(key(&[KeyPart::U32(uid)])) {
            let (k, v) = kv.map_err(io_err(&self.path))?;
            out.extend(self.series_obs(&k, &v)?);
        }
        Ok(out)
    }

    /// Every observation in the store, in (unit, framework, indicator, year) id order, one
    /// series record in memory at a time.
    pub fn all_observations(&self) -> impl Iterator<Item = Result<Observation, StoreError>> + '_ {
        self.series.iter().flat_map(move |kv| {
            let obs = kv
                .map_err(io_err(&self.path))
                .and_then(|(k, v)| self.series_obs(&k, &v));
            match obs {
                Ok(v) => v.into_iter().map(Ok).collect::<Vec<_>>(),
                Err(e) => vec![Err(e)],
            }
        })
    }

    /// Every series record as (unit code, framework id, observations), one at a time.
    pub fn all_series(
        &self,
    ) -> impl Iterator<Item = Result<(String, String, Vec<Observation>), StoreError>> + '_ {
        self.series.iter().map(move |kv| {
            let (k, v) = kv.map_err(io_err(&self.path))?;
            let (uid, fid) = (u32_at(&k, 0), u16_at(&k, 4));
            let unit = self.ids.unit_code(uid).unwrap_or("?").to_string();
            let fw = self.ids.framework_id(fid).unwrap_or("?").to_string();
            Ok((unit, fw, self.series_obs(&k, &v)?))
        })
    }

    /// The stored summary of a unit-year (criteria statuses), without touching observations.
    pub fn summary(
        &self,
        unit: &str,
        framework: &str,
        year: u16,
    ) -> Result<Option<Summary>, StoreError> {
        let (Some(uid), Some(fid)) = (self.ids.unit(unit), self.ids.framework(framework)) else {
            return Ok(None);
        };
        let k = key(&[KeyPart::U32(uid), KeyPart::U16(fid), KeyPart::U16(year)]);
        match self.summary.get(k).map_err(io_err(&self.path))? {
            Some(v) => Ok(Some(decode(&v, "summary")?)),
            None => Ok(None),
        }
    }

    /// Years that have any summary, per framework id: the record kept in `meta` with every
    /// write that adds a summary (a scan of every summary took 80 ms at 10,000 communes, on
    /// every start), or that scan for a store written before the record existed.
    pub fn years(&self) -> Result<YearsMap, StoreError> {
        match self.meta.get(YEARS_KEY).map_err(io_err(&self.path))? {
            Some(v) => decode(&v, "years"),
            None => self.scan_years(),
        }
    }

    /// Years that have any summary, from the summaries themselves.
    fn scan_years(&self) -> Result<YearsMap, StoreError> {
        let mut out: YearsMap = BTreeMap::new();
        for kv in self.summary.iter() {
            let (k, _) = kv.map_err(io_err(&self.path))?;
            if let Some(f) = self.ids.framework_id(u16_at(&k, 4)) {
                out.entry(f.to_string()).or_default().insert(u16_at(&k, 6));
            }
        }
        Ok(out)
    }

    /// The `years` record with these (framework, year) pairs added, encoded for `meta`.
    fn years_with(
        &self,
        more: impl IntoIterator<Item = (String, u16)>,
    ) -> Result<Vec<u8>, StoreError> {
        let mut y = self.years()?;
        for (f, year) in more {
            y.entry(f).or_default().insert(year);
        }
        Ok(encode(&y))
    }

    pub fn is_empty(&self) -> bool {
        self.units.is_empty()
    }

    // ---------- writes ----------

    /// Write a validated bundle: units, observations, recognitions, and the summaries of every
    /// unit-year it touches, plus one change-log entry. All or nothing, also across a crash:
    ///
    /// 1. Before anything is written, the previous contents of every key the import will write
    ///    go to the `undo` tree (for a tree that is empty, only its name), and the marker
    ///    `import-in-progress` goes to `meta`; then the store is flushed.
    /// 2. The records are written in batches of `IMPORT_CHUNK` keys per tree (no single sled
    ///    transaction has to hold a national bundle in memory).
    /// 3. One transaction appends the change-log entry and removes the marker; flush.
    ///
    /// A store whose marker is still there (the process died or the disk filled during step 2)
    /// is rolled back from `undo` the next time it is opened for writing, before anything else
    /// happens; opened read-only it is refused until then. The store is thus either as it was
    /// before the import or holds all of it, never part of it.
    pub fn import(&mut self, b: &Bundle, reg: &Registry) -> Result<ImportStats, StoreError> {
        self.import_with(b, reg, &mut |_, _| {})
    }

    /// `import`, calling `progress(done, total)` as records are written.
    pub fn import_with(
        &mut self,
        b: &Bundle,
        reg: &Registry,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportStats, StoreError> {
        self.writable("import")?;
        let stage = Stage::of(&self.path, &b.observations).map_err(|e| StoreError::Io {
            path: self.path.clone(),
            msg: format!("cannot stage the import: {e}"),
        })?;
        self.import_staged(b, &stage, reg, progress)
    }

    /// Import a bundle whose observations are in `stage` (`b.observations` is not read): what
    /// `ntm import` does, so that a national bundle is never held in memory.
    pub fn import_staged(
        &mut self,
        b: &Bundle,
        stage: &Stage,
        reg: &Registry,
        progress: &mut dyn FnMut(u64, u64),
    ) -> Result<ImportStats, StoreError> {
        self.writable("import")?;
        let io = io_err(&self.path);
        let staged = |e: std::io::Error| StoreError::Io {
            path: self.path.clone(),
            msg: format!("cannot read the staged import: {e}"),
        };
        let mut ids = self.ids.clone();
        let mut units = self.units()?;
        let mut units_w: Vec<KeyValue> = Vec::new();
        let mut ids_w: Vec<KeyValue> = Vec::new();
        let mut rev_w: Vec<KeyValue> = Vec::new();
        let mut rec_w: Vec<KeyValue> = Vec::new();
        let mut sum_years: Vec<(String, u16)> = Vec::new();
        let mut mer_w: Vec<KeyValue> = Vec::new();

        for u in &b.units {
            units_w.push((u.code.as_bytes().to_vec(), codec::encode_unit(u)));
            ids.intern_unit(&u.code, &mut ids_w, &mut rev_w)?;
            units.insert(u.clone());
        }
        // ids of every unit, framework and indicator of the staged rows, interned in the
        // order layout 1 did (unit, framework, indicator)
        let groups: Vec<stage::GroupInfo> = stage.groups().collect();
        for &(unit, fw, _, _) in &groups {
            ids.intern_unit(unit, &mut ids_w, &mut rev_w)?;
            ids.intern_framework(fw, &mut ids_w, &mut rev_w)?;
        }
        for (fw, ind) in stage.indicators() {
            ids.intern_framework(fw, &mut ids_w, &mut rev_w)?;
            ids.intern_indicator(fw, ind, &mut ids_w, &mut rev_w)?;
        }
        for r in &b.recognitions {
            let uid = ids.intern_unit(&r.unit_code, &mut ids_w, &mut rev_w)?;
            let kind = match r.kind {
                RecognitionKind::Ntm => 0u8,
                RecognitionKind::NangCao => 1,
                RecognitionKind::KieuMau => 2,
            };
            let mut k = key(&[KeyPart::U32(uid), KeyPart::U16(r.year)]);
            k.push(kind);
            rec_w.push((k, encode(r)));
        }
        for m in &b.merges {
            let new = ids.intern_unit(&m.new_code, &mut ids_w, &mut rev_w)?;
            let old = ids.intern_unit(&m.old_code, &mut ids_w, &mut rev_w)?;
            mer_w.push((key(&[KeyPart::U32(new), KeyPart::U32(old)]), encode(m)));
        }
        // per (unit, framework) in key order: one series record, and the summaries of the
        // years this import touches
        let mut group_keys: Vec<(SeriesId, stage::GroupInfo)> = groups
            .iter()
            .map(|&g| {
                let uid = ids.unit(g.0).expect("interned above");
                let fid = ids.framework(g.1).expect("interned above");
                ((uid, fid), g)
            })
            .collect();
        group_keys.sort_unstable_by_key(|(id, _)| *id);
        let mut series_keys: Vec<Vec<u8>> = Vec::with_capacity(group_keys.len());
        let mut sum_keys: Vec<Vec<u8>> = Vec::new();
        for &((uid, fid), (_, fwid, years, _)) in &group_keys {
            series_keys.push(series_key(uid, fid));
            if reg.get(fwid).is_none() {
                continue;
            }
            for &y in years {
                sum_years.push((fwid.to_string(), y));
                sum_keys.push(key(&[
                    KeyPart::U32(uid),
                    KeyPart::U16(fid),
                    KeyPart::U16(y),
                ]));
            }
        }
        let n_sum = sum_keys.len();
        let n_obs = stage.rows() as usize;
        let total = (n_obs + units_w.len() + rec_w.len() + n_sum + mer_w.len()) as u64;

        // 1. undo records and the marker
        self.undo.clear().map_err(&io)?;
        let small: [(&str, &[KeyValue]); 5] = [
            ("units", &units_w),
            ("ids", &ids_w),
            ("rev", &rev_w),
            ("recog", &rec_w),
            ("merges", &mer_w),
        ];
        let mut empty_trees: Vec<&str> = Vec::new();
        for (name, kv) in small {
            if self.tree(name).is_empty() {
                empty_trees.push(name);
            } else {
                self.save_undo(name, kv.iter().map(|(k, _)| k.as_slice()))?;
            }
        }
        for (name, keys) in [("summary", &sum_keys), (series::TREE, &series_keys)] {
            if self.tree(name).is_empty() {
                empty_trees.push(name);
            } else {
                self.save_undo(name, keys.iter().map(Vec::as_slice))?;
            }
        }
        self.meta
            .insert(IMPORT_MARKER, empty_trees.join(",").as_bytes())
            .map_err(&io)?;
        self.flush()?;

        // 2. the records: the small trees, then series and summaries unit by unit
        let mut done = 0u64;
        for (name, kv) in small {
            for part in kv.chunks(IMPORT_CHUNK) {
                self.apply(name, part.iter().cloned())?;
                done += part.len() as u64;
                progress(done, total);
            }
        }
        let mut since_flush = 0u64;
        for &((uid, fid), (unit, fwid, _, n_new)) in &group_keys {
            // a unit new to the store has no stored rows: no read
            let stored = if self.ids.unit(unit).is_some() {
                self.observations_of(unit, fwid)?
            } else {
                Vec::new()
            };
            let new_rows = stage.read(unit, fwid).map_err(staged)?;
            let mut rows: BTreeMap<(u16, u16), &Observation> = BTreeMap::new();
            for o in stored.iter().chain(&new_rows) {
                let iid = ids
                    .indicator(&o.framework, &o.indicator)
                    .expect("every indicator has an id");
                rows.insert((iid, o.year), o);
            }
            let years: BTreeSet<u16> = new_rows.iter().map(|o| o.year).collect();
            let recs: Vec<Row> = rows
                .iter()
                .map(|(&(ind, year), o)| Row {
                    ind,
                    year,
                    rec: ObsRecord::of(o),
                })
                .collect();
            self.series
                .insert(series_key(uid, fid), series::encode_rows(&recs))
                .map_err(&io)?;
            if let Some(fw) = reg.get(fwid) {
                let targets = eval::targets_for(fw, &units, unit, &reg.overrides);
                for y in years {
                    let ev = eval::evaluate(
                        fw,
                        &targets,
                        &eval::by_indicator(
                            fw,
                            rows.iter().filter(|((_, yy), _)| *yy == y).map(|(_, o)| *o),
                        ),
                    );
                    let s = Summary {
                        statuses: ev.criteria.iter().map(|s| s.as_u8()).collect(),
                    };
                    self.summary
                        .insert(
                            key(&[KeyPart::U32(uid), KeyPart::U16(fid), KeyPart::U16(y)]),
                            encode(&s),
                        )
                        .map_err(&io)?;
                    done += 1;
                }
            }
            done += u64::from(n_new);
            since_flush += recs.len() as u64;
            if since_flush >= IMPORT_FLUSH_EVERY {
                self.flush()?;
                since_flush = 0;
            }
            progress(done, total);
        }

        // 3. the change-log entry, and the marker goes: the import is complete
        let (what, detail) = b
            .origin
            .clone()
            .unwrap_or_else(|| ("bundle".into(), String::new()));
        let merges = if b.merges.is_empty() {
            String::new()
        } else {
            format!(", {} merges", b.merges.len())
        };
        let detail = format!(
            "{} units, {} observations, {} recognitions{merges}{}{}",
            b.units.len(),
            n_obs,
            b.recognitions.len(),
            if detail.is_empty() { "" } else { "; " },
            detail
        );
        let (log_b, mut meta_b, _) =
            self.log_entries_batch(&[(what, "import".into(), None, Some(detail), None)])?;
        meta_b.remove(IMPORT_MARKER);
        meta_b.insert(YEARS_KEY, self.years_with(sum_years)?);
        self.commit(&[(&self.log, log_b), (&self.meta, meta_b)])?;
        self.undo.clear().map_err(&io)?;
        self.ids = ids;
        Ok(ImportStats {
            units: b.units.len(),
            observations: n_obs,
            recognitions: b.recognitions.len(),
            summaries: n_sum,
            merges: b.merges.len(),
        })
    }

    /// The tree of the import path with this name.
    fn tree(&self, name: &str) -> &sled::Tree {
        match name {
            "units" => &self.units,
            "ids" => &self.ids_t,
            "rev" => &self.rev,
            series::TREE => &self.series,
            migrate::LEGACY_TREE => self
                .legacy_obs
                .as_ref()
                .expect("an old store's rollback runs before its migration"),
            "recog" => &self.recog,
            "summary" => &self.summary,
            "merges" => &self.merges,
            _ => unreachable!("no tree {name} in the import path"),
        }
    }

    /// Write key-values into one tree as one sled batch.
    ///
    /// Key by key, not as a sled `Batch`: the import's atomicity comes from the undo record, and
    /// sled 0.34 holds every replaced node of a batch in memory until the batch ends (its
    /// memory then grows far past `cache_capacity`, spacejam/sled#1303).
    fn apply(&self, name: &str, kv: impl IntoIterator<Item = KeyValue>) -> Result<(), StoreError> {
        let tree = self.tree(name);
        for (k, v) in kv {
            tree.insert(k, v).map_err(io_err(&self.path))?;
        }
        Ok(())
    }

    /// Keep the current value (or its absence) of each key in `undo`: `[len][tree][key]` →
    /// `[1] value` or `[0]`.
    fn save_undo<'k>(
        &self,
        name: &str,
        keys: impl Iterator<Item = &'k [u8]>,
    ) -> Result<(), StoreError> {
        let io = io_err(&self.path);
        let tree = self.tree(name);
        // key by key for the same reason as `apply`; the flush before the import's writes
        // begin makes all of it durable
        for k in keys {
            let mut uk = Vec::with_capacity(1 + name.len() + k.len());
            uk.push(name.len() as u8);
            uk.extend_from_slice(name.as_bytes());
            uk.extend_from_slice(k);
            let v = match tree.get(k).map_err(&io)? {
                Some(old) => {
                    let mut v = Vec::with_capacity(1 + old.len());
                    v.push(1);
                    v.extend_from_slice(&old);
                    v
                }
                None => vec![0],
            };
            self.undo.insert(uk, v).map_err(&io)?;
        }
        Ok(())
    }

    /// Undo an import that did not complete (its marker is still in `meta`): restore every
    /// saved value, empty the trees that were empty, then drop the marker. Safe to repeat.
    fn roll_back_interrupted_import(&self) -> Result<bool, StoreError> {
        let io = io_err(&self.path);
        let Some(empty) = self.meta.get(IMPORT_MARKER).map_err(&io)? else {
            return Ok(false);
        };
        // this can take a while on a large import: say what is happening, always (one line),
        // with a bar on a terminal
        let what = crate::i18n::Lang::process().t("rolling_back_import");
        eprintln!("ntm: {what} ({}) …", self.path.display());
        let mut bar = crate::progress::Progress::new(what, self.undo.len() as u64);
        for kv in self.undo.iter() {
            bar.inc(1);
            let (k, v) = kv.map_err(&io)?;
            let n = usize::from(k[0]);
            let name = String::from_utf8_lossy(&k[1..1 + n]).into_owned();
            if name == RETIRED_INDEX {
                continue; // dropped after the roll-back (see `open`)
            }
            let tree = self.tree(&name);
            let key = &k[1 + n..];
            match v.first() {
                Some(1) => tree.insert(key, &v[1..]).map(|_| ()).map_err(&io)?,
                _ => tree.remove(key).map(|_| ()).map_err(&io)?,
            }
        }
        for name in String::from_utf8_lossy(&empty).split(',') {
            if !name.is_empty() && name != RETIRED_INDEX {
                self.tree(name).clear().map_err(&io)?;
            }
        }
        self.flush()?;
        self.meta.remove(IMPORT_MARKER).map_err(&io)?;
        self.flush()?;
        self.undo.clear().map_err(&io)?;
        self.flush()?;
        bar.finish();
        self.stamp();
        Ok(true)
    }

    /// Apply batches to several trees in one transaction and flush: all of it or none of it.
    fn commit(&self, writes: &[(&sled::Tree, sled::Batch)]) -> Result<(), StoreError> {
        let trees: Vec<&sled::Tree> = writes.iter().map(|w| w.0).collect();
        let r: TxResult<()> = trees[..].transaction(|t| {
            for (tree, (_, batch)) in t.iter().zip(writes.iter()) {
                tree.apply_batch(batch)?;
            }
            Ok::<(), ConflictableTransactionError<StoreError>>(())
        });
        r.map_err(|e| tx_err(&self.path, e))?;
        self.flush()?;
        self.stamp();
        Ok(())
    }

    /// Tell open interfaces that the store changed: the `changed` file (outside sled, so a
    /// reader can look at it without opening the store) names the time, process and user of
    /// the last committed write. Best effort: the data is committed already.
    fn stamp(&self) {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap_or_default();
        let text = format!(
            "{}.{:09} {} {}\n",
            now.as_secs(),
            now.subsec_nanos(),
            std::process::id(),
            log::current_user()
        );
        let path = self.path.join(CHANGED);
        if crate::files::write_atomic(&path, text.as_bytes(), self.privacy()).is_ok()
            && let Some(o) = foreign_owner(&self.path)
        {
            o.give(&path);
        }
    }

    /// Every summary recomputed from observations (used after a framework changes, and by the
    /// invariant check).
    fn all_summaries(&self, reg: &Registry, units: &Units) -> Result<Vec<KeyValue>, StoreError> {
        let mut out = Vec::new();
        // one series record at a time: a unit in a framework, all its years
        for kv in self.series.iter() {
            let (k, v) = kv.map_err(io_err(&self.path))?;
            let (uid, fid) = (u32_at(&k, 0), u16_at(&k, 4));
            let rows = self.series_obs(&k, &v)?;
            let Some(first) = rows.first() else { continue };
            let Some(fw) = reg.get(&first.framework) else {
                continue;
            };
            let targets = eval::targets_for(fw, units, &first.unit_code, &reg.overrides);
            let years: BTreeSet<u16> = rows.iter().map(|o| o.year).collect();
            for y in years {
                let ev = eval::evaluate(
                    fw,
                    &targets,
                    &eval::by_indicator(fw, rows.iter().filter(|o| o.year == y)),
                );
                let s = Summary {
                    statuses: ev.criteria.iter().map(|s| s.as_u8()).collect(),
                };
                out.push((
                    key(&[KeyPart::U32(uid), KeyPart::U16(fid), KeyPart::U16(y)]),
                    encode(&s),
                ));
            }
        }
        Ok(out)
    }

    /// Check the store's invariants: every summary equals the one recomputed from observations.
    /// Returns the problems found.
    pub fn verify(&self) -> Result<Vec<String>, StoreError> {
        let reg = self.registry()?;
        let units = self.units()?;
        let mut problems = Vec::new();
        let expected: BTreeMap<Vec<u8>, Vec<u8>> =
            self.all_summaries(&reg, &units)?.into_iter().collect();
        let mut stored = BTreeMap::new();
        for kv in self.summary.iter() {
            let (k, v) = kv.map_err(io_err(&self.path))?;
            stored.insert(k.to_vec(), v.to_vec());
        }
        if expected != stored {
            problems.push(format!(
                "summaries disagree with observations ({} stored, {} expected)",
                stored.len(),
                expected.len()
            ));
        }
        if self
            .meta
            .contains_key(YEARS_KEY)
            .map_err(io_err(&self.path))?
            && self.years()? != self.scan_years()?
        {
            problems.push("the years record disagrees with the summaries".into());
        }
        Ok(problems)
    }

    /// SHA-256 over every tree's name, keys and values: equal digests mean byte-identical
    /// contents. (sled rewrites its own files on every open, so file bytes cannot be compared.)
    pub fn content_digest(&self) -> Result<String, StoreError> {
        use sha2::{Digest, Sha256};
        let mut h = Sha256::new();
        let mut names = self.db.tree_names();
        names.sort();
        for name in names {
            let t = self.db.open_tree(&name).map_err(io_err(&self.path))?;
            h.update((name.len() as u64).to_be_bytes());
            h.update(&name);
            for kv in t.iter() {
                let (k, v) = kv.map_err(io_err(&self.path))?;
                h.update((k.len() as u64).to_be_bytes());
                h.update(&k);
                h.update((v.len() as u64).to_be_bytes());
                h.update(&v);
            }
        }
        Ok(h.finalize().iter().map(|b| format!("{b:02x}")).collect())
    }
}

const LOCK_INFO: &str = "lock-info";
/// Written after every committed write (see `Store::stamp`, `Change`).
const CHANGED: &str = "changed";

/// The last committed write to a store, as its `changed` file says.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    /// Seconds since the epoch (with nanoseconds), as written.
    pub when: String,
    pub pid: u32,
    pub user: String,
}

impl Change {
    /// Read the `changed` file of the store in `dir`, without opening the store.
    pub fn read(dir: &Path) -> Option<Change> {
        let text = std::fs::read_to_string(dir.join(CHANGED)).ok()?;
        let mut it = text.trim_end().splitn(3, ' ');
        Some(Change {
            when: it.next()?.to_string(),
            pid: it.next()?.parse().ok()?,
            user: crate::text::sanitize(it.next().unwrap_or("?")),
        })
    }

    /// Made by this process.
    pub fn is_ours(&self) -> bool {
        self.pid == std::process::id()
    }

    /// Seconds since the epoch.
    pub fn secs(&self) -> i64 {
        self.when
            .split('.')
            .next()
            .and_then(|s| s.parse().ok())
            .unwrap_or(0)
    }
}

/// `meta` key of the years that have summaries, per framework (see `Store::years`).
const YEARS_KEY: &str = "years";

/// Framework id → years with data.
pub type YearsMap = BTreeMap<String, BTreeSet<u16>>;

/// The indicator index of earlier versions (`[fw][ind][year][unit]` → ()), dropped on open.
const RETIRED_INDEX: &str = "obs_ind";

/// Who holds the store, from the lock-info file the holder wrote: ` (user an, pid 4242, since
/// 2026-11-28T13:40:05Z)`, or empty when unknown.
fn lock_holder(dir: &Path) -> String {
    let Ok(text) = std::fs::read_to_string(dir.join(LOCK_INFO)) else {
        return String::new();
    };
    let get = |k: &str| {
        text.lines()
            .find_map(|l| l.strip_prefix(k).and_then(|r| r.strip_prefix(" = ")))
            .map(|v| crate::text::sanitize(v.trim()))
    };
    match (get("user"), get("pid"), get("since")) {
        (Some(u), Some(p), Some(s)) => format!(" (user {u}, pid {p}, since {s})"),
        _ => String::new(),
    }
}

fn lock_info_text() -> String {
    format!(
        "# written by the ntm process that has this store open; removed when it closes\nuser = {}\npid = {}\nsince = {}\n",
        log::current_user(),
        std::process::id(),
        log::iso8601(log::now())
    )
}

/// Say who holds the store. Written under a fresh name and renamed, so a `lock-info` symlink
/// planted in the store is replaced, never written through; given to the store's owner when
/// another account (root) writes it.
fn write_lock_info(dir: &Path) {
    // best effort: the lock itself is sled's; this file only tells others who holds it
    let path = dir.join(LOCK_INFO);
    let privacy = crate::files::Privacy::of_dir(dir);
    if crate::files::write_atomic(&path, lock_info_text().as_bytes(), privacy).is_ok()
        && let Some(o) = foreign_owner(dir)
    {
        o.give(&path);
    }
}

/// Remove `lock-info` only if it is the regular file this process wrote (never a link, never
/// another holder's).
fn remove_lock_info(dir: &Path) {
    let path = dir.join(LOCK_INFO);
    let ours = std::fs::symlink_metadata(&path).is_ok_and(|m| m.is_file())
        && std::fs::read_to_string(&path).is_ok_and(|t| {
            t.lines()
                .any(|l| l == format!("pid = {}", std::process::id()))
        });
    if ours {
        let _ = std::fs::remove_file(&path);
    }
}

/// The account that owns a store this process does not own (root reading an officer's store).
#[derive(Clone, Copy, Debug)]
struct Owner {
    uid: u32,
    gid: u32,
    privacy: crate::files::Privacy,
}

impl Owner {
    /// Hand a file this process created back to the store's owner, never through a link,
    /// with the store's permissions.
    fn give(self, path: &Path) {
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt;
            let Ok(m) = std::fs::symlink_metadata(path) else {
                return;
            };
            // SAFETY: geteuid has no preconditions
            if m.uid() != unsafe { libc::geteuid() } {
                return;
            }
            let _ = std::os::unix::fs::lchown(path, Some(self.uid), Some(self.gid));
            if !m.file_type().is_symlink() {
                use std::os::unix::fs::PermissionsExt;
                let p = self.privacy;
                let mode = if m.is_dir() { p.dir_mode } else { p.file_mode };
                let _ = std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode));
            }
        }
        #[cfg(not(unix))]
        let _ = path;
    }
}

fn foreign_owner(dir: &Path) -> Option<Owner> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        let m = std::fs::metadata(dir).ok()?;
        // SAFETY: geteuid has no preconditions
        if m.uid() == unsafe { libc::geteuid() } {
            return None;
        }
        Some(Owner {
            uid: m.uid(),
            gid: m.gid(),
            privacy: crate::files::Privacy::of_dir(dir),
        })
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        None
    }
}

/// Runs after sled has let go of a store another account owns: waits until sled's lock is
/// free (its threads finish the closing snapshot first), then gives every file and folder this
/// process created in the store back to the owner. sled cannot be told not to write on open
/// and close; this keeps what it writes the owner's.
struct OwnerGuard(Option<(PathBuf, Owner)>);

impl Drop for OwnerGuard {
    fn drop(&mut self) {
        let Some((dir, owner)) = self.0.take() else {
            return;
        };
        wait_until_released(&dir);
        give_tree(&dir, owner, 0);
    }
}

fn give_tree(dir: &Path, owner: Owner, depth: u8) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        owner.give(&p);
        if depth < 4 && e.file_type().is_ok_and(|t| t.is_dir()) {
            give_tree(&p, owner, depth + 1);
        }
    }
}

/// Wait (at most 2 s) until no process holds sled's lock on the store's `db` file.
fn wait_until_released(dir: &Path) {
    drop(snapshot::lock_db(dir, std::time::Duration::from_secs(2)));
}

impl Drop for Store {
    fn drop(&mut self) {
        // every exit path flushes; then the lock-info goes with the lock
        let _ = self.db.flush();
        remove_lock_info(&self.path);
        if let Ok(mut c) = CLOSED.lock() {
            let now = std::time::Instant::now();
            c.retain(|(_, t)| now.duration_since(*t).as_secs() < 5);
            c.push((canonical(&self.path), now));
        }
    }
}

/// How long a lock found taken is retried before it is reported as another process's.
const LOCK_PATIENCE: std::time::Duration = std::time::Duration::from_millis(300);

/// Stores this process closed, and when (see `recently_closed`).
static CLOSED: std::sync::Mutex<Vec<(PathBuf, std::time::Instant)>> =
    std::sync::Mutex::new(Vec::new());

fn canonical(dir: &Path) -> PathBuf {
    std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf())
}

/// Did this process close the store in `dir` in the last few seconds?
fn recently_closed(dir: &Path) -> bool {
    let dir = canonical(dir);
    CLOSED.lock().is_ok_and(|c| {
        c.iter()
            .any(|(p, t)| *p == dir && t.elapsed() < std::time::Duration::from_secs(5))
    })
}

fn is_lock_error(e: &sled::Error) -> bool {
    matches!(e, sled::Error::Io(io)
        if io.kind() == std::io::ErrorKind::WouldBlock
            || io.to_string().contains("could not acquire lock"))
}

/// Files sled creates get no permissions for others, and group permissions only where the
/// store directory has them (a group-shared store stays readable by its group).
fn with_store_umask<T>(dir: &Path, f: impl FnOnce() -> T) -> T {
    #[cfg(unix)]
    {
        // the folder's group bits decide, not the user's own umask (often 022, which would
        // take group write away from a store the group must write)
        let group = crate::files::Privacy::of_dir(dir).dir_mode & 0o070;
        let strict = 0o077 & !group;
        // SAFETY: umask only swaps the process's file-creation mask; it cannot fail
        let old = unsafe { libc::umask(strict) };
        unsafe { libc::umask((old | strict) & !group) };
        let out = f();
        unsafe { libc::umask(old) };
        out
    }
    #[cfg(not(unix))]
    {
        let _ = dir;
        f()
    }
}

/// Who may open a store that is not theirs: members of the group of a group-shared store
/// (folder group-writable, e.g. `chmod 2770`), reading and writing; root, read-only. Anyone
/// else is refused plainly (before, sled failed on a file it could not open).
fn check_owner(dir: &Path, read_only: bool) -> Result<(), StoreError> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt, PermissionsExt};
        let Ok(m) = std::fs::metadata(dir) else {
            return Ok(());
        };
        // SAFETY: geteuid has no preconditions
        let me = unsafe { libc::geteuid() };
        if m.uid() == me {
            return Ok(());
        }
        let owner = log::account_name(m.uid()).unwrap_or_else(|| format!("uid {}", m.uid()));
        let shared = m.permissions().mode() & 0o070 == 0o070 && in_group(m.gid());
        if shared {
            return Ok(());
        }
        if me == 0 {
            if read_only {
                return Ok(());
            }
            return Err(StoreError::Invalid(format!(
                "the store {} belongs to {owner}; root opens it only with --read-only (so every file stays {owner}'s)",
                dir.display()
            )));
        }
        Err(StoreError::Invalid(format!(
            "the store {} belongs to {owner} and is not shared with your account; to share it, its folder must belong to a group you are in and be group-writable (README: \"Several officers, one store\"), or ask {owner} for an export",
            dir.display()
        )))
    }
    #[cfg(not(unix))]
    {
        let _ = (dir, read_only);
        Ok(())
    }
}

/// Is this process in group `gid` (effective or supplementary)?
#[cfg(unix)]
fn in_group(gid: u32) -> bool {
    // SAFETY: getegid has no preconditions; getgroups writes at most `n` ids into the buffer
    unsafe {
        if libc::getegid() == gid {
            return true;
        }
        let n = libc::getgroups(0, std::ptr::null_mut());
        if n <= 0 {
            return false;
        }
        let mut groups = vec![0 as libc::gid_t; n as usize];
        let n = libc::getgroups(n, groups.as_mut_ptr());
        n > 0 && groups[..n as usize].contains(&gid)
    }
}

/// Create the store directory readable by its owner only.
fn create_private_dir(dir: &Path) -> std::io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
    }
    #[cfg(not(unix))]
    {
        std::fs::create_dir_all(dir)
    }
}

#[cfg(test)]
mod tests;
