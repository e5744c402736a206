//! Older layouts → the current one, on the first writable open of an old store, under sled's
//! lock.
//!
//! Layout 2 → 3 rewrites each `series` record in the compact record version, in place: a
//! record is either version and both read the same, so a kill part-way leaves a store that
//! reads exactly as before and the next open carries on; `meta.schema` becomes 3 at the end.
//!
//! Layout 1 → 3: the per-observation `obs` tree becomes one `series` record per unit and
//! framework.
//!
//! Crash-safe without a second copy of the store: the old tree is only read until the very
//! end. 1) `series` is cleared (what an interrupted earlier attempt left) and filled from `obs`
//! in key order, flushed; 2) one write sets `meta.schema` to 2 and is flushed — from here on
//! the store is layout 2; 3) `obs` is dropped. Killed before 2, the store is still layout 1
//! with `obs` intact and the next open starts over; killed after 2, the next open only drops
//! the leftover `obs`. Every other tree (units, ids, summaries, recognitions, merges, flags,
//! audits, the change log, frameworks, overrides and mappings in `meta`) is the same in both
//! layouts and is not touched.

use super::codec::{decode, u16_at};
use super::series::{self, ObsRecord, Row};
use super::{LAYOUT, Store, StoreError, io_err};

/// Layout 1's tree of observations.
pub(super) const LEGACY_TREE: &str = "obs";

/// Flush after this many series records, so sled can evict what it has written.
const FLUSH_EVERY: usize = 2_000;

pub(super) fn run(s: &mut Store, layout: u8) -> Result<usize, StoreError> {
    let what = crate::i18n::Lang::process().t("migrating_store");
    eprintln!("ntm: {what} ({}) …", s.path.display());
    let written = if layout >= 2 {
        compact(s, what)?
    } else {
        fill(s, what)?
    };
    finish(s, written)
}

/// Layout 2 → 3: every series record not yet in the newest version is rewritten in it.
fn compact(s: &Store, what: &str) -> Result<usize, StoreError> {
    let io = io_err(&s.path);
    let mut bar = crate::progress::Progress::new(what, s.series.len() as u64);
    let mut written = 0usize;
    for (n, kv) in s.series.iter().enumerate() {
        let (k, v) = kv.map_err(&io)?;
        if v.first() != Some(&series::VERSION) {
            let rows = series::decode_rows(&v)?;
            s.series
                .insert(k, series::encode_rows(&rows))
                .map_err(&io)?;
            written += 1;
            if written.is_multiple_of(FLUSH_EVERY) {
                s.flush()?;
            }
        }
        bar.set(n as u64);
    }
    bar.finish();
    Ok(written)
}

/// Step 1: `series` from `obs`; returns the records written.
fn fill(s: &Store, what: &str) -> Result<usize, StoreError> {
    let io = io_err(&s.path);
    let Some(obs) = s.legacy_obs.clone() else {
        // a layout-1 store that never had an observation
        return Ok(0);
    };
    let mut bar = crate::progress::Progress::new(what, obs.len() as u64);
    s.series.clear().map_err(&io)?;
    let mut written = 0usize;
    let mut current: Option<[u8; 6]> = None;
    let mut rows: Vec<Row> = Vec::new();
    let mut put = |prefix: [u8; 6], rows: &mut Vec<Row>| -> Result<(), StoreError> {
        s.series
            .insert(prefix, series::encode_rows(rows))
            .map_err(&io)?;
        rows.clear();
        written += 1;
        if written.is_multiple_of(FLUSH_EVERY) {
            s.flush()?;
        }
        Ok(())
    };
    for (n, kv) in obs.iter().enumerate() {
        let (k, v) = kv.map_err(&io)?;
        if k.len() != 10 {
            return Err(StoreError::Corrupt(format!(
                "observation key of {} bytes in the old layout",
                k.len()
            )));
        }
        let prefix: [u8; 6] = k[..6].try_into().expect("6 bytes");
        if current.is_some_and(|c| c != prefix) {
            put(current.expect("checked"), &mut rows)?;
        }
        current = Some(prefix);
        let rec: ObsRecord = decode(&v, "observation")?;
        // keys come in (indicator, year) order within a prefix, as series rows are kept
        rows.push(Row {
            ind: u16_at(&k, 6),
            year: u16_at(&k, 8),
            rec,
        });
        if n % 10_000 == 0 {
            bar.set(n as u64);
        }
    }
    if let Some(c) = current {
        put(c, &mut rows)?;
    }
    bar.finish();
    Ok(written)
}

/// Steps 2 and 3: the store becomes layout 2, then the old tree goes.
fn finish(s: &mut Store, written: usize) -> Result<usize, StoreError> {
    s.flush()?;
    s.meta
        .insert("schema", &[LAYOUT])
        .map_err(io_err(&s.path))?;
    s.flush()?;
    drop_legacy(s)?;
    Ok(written)
}

/// Drop layout 1's tree once the store is layout 2 (also what a migration killed after
/// step 2 left behind).
pub(super) fn drop_legacy(s: &mut Store) -> Result<(), StoreError> {
    if s.legacy_obs.take().is_some() {
        s.db.drop_tree(LEGACY_TREE).map_err(io_err(&s.path))?;
        s.flush()?;
    }
    Ok(())
}
