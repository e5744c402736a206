//! Writing a bundle: the same three files, every field written so that re-importing it
//! gives back exactly the same values.

use std::path::Path;

use crate::files::{AtomicFile, Privacy};
use crate::model::Value;
use crate::query::natural;
use crate::store::Store;
use crate::text::fmt_plain;

fn opt_num(v: Option<f64>) -> String {
    v.map(fmt_plain).unwrap_or_default()
}

fn opt<T: ToString>(v: &Option<T>) -> String {
    v.as_ref().map(ToString::to_string).unwrap_or_default()
}

/// Write units.csv, observations.csv and recognitions.csv into `dir` (created if needed).
/// Files are written to a temporary name and renamed, so a failed export leaves no half file.
pub fn write_bundle(store: &Store, dir: &Path) -> anyhow::Result<(usize, usize, usize)> {
    write_bundle_with(store, dir, &mut |_, _| {})
}

/// `write_bundle`, calling `progress(units done, units)` as observations are written.
pub fn write_bundle_with(
    store: &Store,
    dir: &Path,
    progress: &mut dyn FnMut(u64, u64),
) -> anyhow::Result<(usize, usize, usize)> {
    let privacy = store.privacy();
    crate::files::create_dir(dir, privacy)?;
    let units = store.units()?;
    // the optional commune_group column only when a unit has one, so a bundle without it
    // exports byte for byte as before
    let groups = units.map.values().any(|u| u.commune_group.is_some());
    let n_units = write_atomic(&dir.join("units.csv"), privacy, |w| {
        let mut head = vec![
            "code",
            "name",
            "level",
            "parent_code",
            "region",
            "valid_from",
            "valid_to",
            "successor_code",
        ];
        if groups {
            head.push("commune_group");
        }
        w.write_record(&head)?;
        for u in units.map.values() {
            let mut rec = vec![
                u.code.clone(),
                u.name.clone(),
                u.level.as_str().to_string(),
                opt(&u.parent_code),
                opt(&u.region),
                opt(&u.valid_from),
                opt(&u.valid_to),
                opt(&u.successor_code),
            ];
            if groups {
                rec.push(opt(&u.commune_group));
            }
            w.write_record(&rec)?;
        }
        Ok(units.map.len())
    })?;
    let n_obs = write_atomic(&dir.join("observations.csv"), privacy, |w| {
        w.write_record([
            "unit_code",
            "framework",
            "indicator",
            "year",
            "value",
            "numerator",
            "denominator",
            "stated_percent",
            "units_met",
            "units_total",
            "source",
            "note",
        ])?;
        let mut n = 0;
        // unit by unit (sorted by code), each unit's rows sorted: the same store contents always
        // export to the same bytes, whatever order they were imported in
        let total = units.map.len() as u64;
        for (i, u) in units.map.values().enumerate() {
            progress(i as u64 + 1, total);
            let mut mine = store.observations_of_unit(&u.code)?;
            mine.sort_by(|a, b| {
                (a.framework.as_str(), natural(Some(&a.indicator)), a.year).cmp(&(
                    b.framework.as_str(),
                    natural(Some(&b.indicator)),
                    b.year,
                ))
            });
            for o in mine {
                let value = match o.value {
                    None => String::new(),
                    Some(Value::Pass(true)) => "dat".into(),
                    Some(Value::Pass(false)) => "chua_dat".into(),
                    Some(Value::Number(x)) => fmt_plain(x),
                };
                w.write_record([
                    o.unit_code,
                    o.framework,
                    o.indicator,
                    o.year.to_string(),
                    value,
                    opt_num(o.numerator),
                    opt_num(o.denominator),
                    opt_num(o.stated_percent),
                    opt(&o.units_met),
                    opt(&o.units_total),
                    o.source.unwrap_or_default(),
                    o.note.unwrap_or_default(),
                ])?;
                n += 1;
            }
        }
        Ok(n)
    })?;
    let mut recs = store.recognitions()?;
    recs.sort_by(|a, b| (&a.unit_code, a.year, a.kind).cmp(&(&b.unit_code, b.year, b.kind)));
    let n_rec = write_atomic(&dir.join("recognitions.csv"), privacy, |w| {
        w.write_record(["unit_code", "kind", "year", "decision", "issuer"])?;
        for r in &recs {
            w.write_record([
                r.unit_code.clone(),
                r.kind.as_str().to_string(),
                r.year.to_string(),
                opt(&r.decision),
                opt(&r.issuer),
            ])?;
        }
        Ok(recs.len())
    })?;
    // merges.csv (the history extension) only when the store has merges: a store without
    // them exports exactly the three files of the format
    let merges = store.merges()?;
    if !merges.is_empty() {
        write_merges(&merges, &dir.join("merges.csv"), privacy)?;
    }
    Ok((n_units, n_obs, n_rec))
}

/// Write a merge file (columns old_code, new_code, effective_date, decision), sorted, atomically.
pub fn write_merges(
    merges: &[crate::model::Merge],
    path: &Path,
    privacy: Privacy,
) -> anyhow::Result<usize> {
    let mut m = merges.to_vec();
    m.sort_by(|a, b| {
        (&a.new_code, &a.old_code, &a.effective_date).cmp(&(
            &b.new_code,
            &b.old_code,
            &b.effective_date,
        ))
    });
    write_atomic(path, privacy, |w| {
        w.write_record(super::MERGE_COLS)?;
        for x in &m {
            w.write_record([
                x.old_code.as_str(),
                x.new_code.as_str(),
                x.effective_date.as_str(),
                x.decision.as_deref().unwrap_or(""),
            ])?;
        }
        Ok(m.len())
    })
}

/// Write one CSV file through `files::AtomicFile`: a fresh temporary name that no planted
/// link can redirect, synced, renamed into place; a failed write leaves nothing behind.
fn write_atomic(
    path: &Path,
    privacy: Privacy,
    body: impl FnOnce(&mut csv::Writer<std::io::BufWriter<AtomicFile>>) -> anyhow::Result<usize>,
) -> anyhow::Result<usize> {
    let name = path.display();
    let f =
        AtomicFile::create(path, privacy).map_err(|e| anyhow::anyhow!("writing {name}: {e}"))?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(f));
    let n = body(&mut w)?;
    let inner = w
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {name}: {e}"))?;
    let f = inner
        .into_inner()
        .map_err(|e| anyhow::anyhow!("writing {name}: {e}"))?;
    f.commit()
        .map_err(|e| anyhow::anyhow!("writing {name}: {e}"))?;
    Ok(n)
}
