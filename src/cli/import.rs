use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Fail, Res};
use crate::i18n::Lang;
use crate::io::{ReadOptions, changes, read_bundle_into};
use crate::store::Stage;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Bundle folder, or an Excel workbook (.xlsx) with sheets units, observations, recognitions
    pub dir: PathBuf,
    /// Validate only; change nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Number writing: `plain` (16209, 99.8) or `vi` (also accept 16.209 and 99,8)
    #[arg(long, default_value = "plain", value_parser = ["plain", "vi"])]
    pub locale: String,
    /// Ignore columns this version does not know instead of refusing the bundle
    #[arg(long)]
    pub ignore_unknown_columns: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    // what the bundle is checked against; the store is let go while the bundle is read (a
    // national file takes a while) and taken again to compare and write
    let (reg, units, recognitions, path) = {
        let store = if a.dry_run {
            ctx.open()?
        } else {
            ctx.open_rw("import")?
        };
        (
            store.registry()?,
            store.units()?,
            store.recognitions()?,
            store.path().to_path_buf(),
        )
    };
    let opt = ReadOptions {
        locale_vi: a.locale == "vi",
        ignore_unknown_columns: a.ignore_unknown_columns,
        recognitions,
    };
    let vi = ctx.lang == Lang::Vi;
    let is_xlsx = a.dir.is_file()
        && a.dir
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    // the observations go to a stage on disk, in the store's folder (a dry run on a store it
    // may not write to: the temporary folder)
    let mut stage = Stage::new_in(&path)
        .or_else(|e| {
            if a.dry_run {
                Stage::new_in(&std::env::temp_dir())
            } else {
                Err(e)
            }
        })
        .map_err(|e| anyhow!("cannot stage the import in {}: {e}", path.display()))?;
    let read = if is_xlsx {
        crate::io::xlsx::read_xlsx(&a.dir, &reg, &units, &opt).and_then(|mut b| {
            for o in std::mem::take(&mut b.observations) {
                stage.push(&o).map_err(|e| {
                    vec![crate::io::BadRow {
                        file: a.dir.display().to_string(),
                        line: 0,
                        column: String::new(),
                        reason: format!("cannot keep the rows for the import: {e}"),
                    }]
                })?;
            }
            Ok(b)
        })
    } else {
        read_bundle_into(&a.dir, &reg, &units, &opt, &mut |o| {
            stage.push(&o).map_err(|e| e.to_string())
        })
    };
    let mut bundle = match read {
        Ok(b) => b,
        Err(rows) => {
            for r in &rows {
                say_err!("{}", crate::text::sanitize(&r.to_string()));
            }
            return Err(Fail(
                2,
                anyhow!(
                    "{} rejected: {}; nothing was imported",
                    a.dir.display(),
                    crate::io::problems_listed(&rows)
                ),
            ));
        }
    };
    for w in &bundle.warnings {
        let head = if vi { "cảnh báo" } else { "warning" };
        say_err!("{head}: {}", crate::text::sanitize(&w.to_string()));
    }
    if bundle.skipped_empty > 0 {
        let n = bundle.skipped_empty;
        say!(
            "{}",
            if vi {
                format!("{n} dòng để trống, bỏ qua")
            } else {
                format!("{n} empty rows skipped")
            }
        );
    }
    let mut store = if a.dry_run {
        ctx.open()?
    } else {
        ctx.open_rw("import")?
    };
    // frameworks or overrides added meanwhile count for the summaries
    let reg = store.registry()?;
    let style = ctx.lang.num_style();
    // a dry run lists each change as it is found (nothing is kept: an import may be national)
    let diff = diff_with_store(&store, &stage, &mut |old, new| {
        if a.dry_run {
            say!("  {}", changes::describe(old, new, style, vi));
        }
    })?;
    if a.dry_run {
        say!(
            "{}",
            if vi {
                format!(
                    "{}: hợp lệ ({} đơn vị, {} số liệu: {}, {} công nhận{}); chưa ghi gì (--dry-run)",
                    a.dir.display(),
                    bundle.units.len(),
                    stage.rows(),
                    counts(&diff, true),
                    bundle.recognitions.len(),
                    if bundle.merges.is_empty() {
                        String::new()
                    } else {
                        format!(", {} sáp nhập", bundle.merges.len())
                    }
                )
            } else {
                format!(
                    "{}: valid ({} units, {} observations: {}, {} recognitions{}); nothing written (--dry-run)",
                    a.dir.display(),
                    bundle.units.len(),
                    stage.rows(),
                    counts(&diff, false),
                    bundle.recognitions.len(),
                    if bundle.merges.is_empty() {
                        String::new()
                    } else {
                        format!(", {} merges", bundle.merges.len())
                    }
                )
            }
        );
        return Ok(ExitCode::SUCCESS);
    }
    // the change log names the figures that change source (the first 50, and how many more)
    let moved = changes::log_text(&diff);
    if !moved.is_empty()
        && let Some((_, detail)) = &mut bundle.origin
    {
        detail.push_str("; ");
        detail.push_str(&moved);
    }
    let mut bar = crate::progress::Progress::new("import: records", 0);
    let st = store.import_staged(&bundle, &stage, &reg, &mut |done, total| {
        if bar_total(&mut bar, total) {
            bar.set(done)
        }
    })?;
    bar.finish();
    let merges = |word: &str| {
        if st.merges > 0 {
            format!(", {} {word}", st.merges)
        } else {
            String::new()
        }
    };
    say!(
        "{}",
        if vi {
            format!(
                "đã nhập {} đơn vị, {} số liệu ({}), {} công nhận{} vào {}",
                st.units,
                st.observations,
                counts(&diff, true),
                st.recognitions,
                merges("sáp nhập"),
                store.path().display()
            )
        } else {
            format!(
                "imported {} units, {} observations ({}), {} recognitions{} into {}",
                st.units,
                st.observations,
                counts(&diff, false),
                st.recognitions,
                merges("merges"),
                store.path().display()
            )
        }
    );
    if diff.changed > 0 {
        let n = diff.changed;
        say!(
            "{}",
            if vi {
                format!(
                    "{n} số liệu thay đổi; xem từng thay đổi với --dry-run trước khi nhập, hoặc ntm log"
                )
            } else {
                format!(
                    "{n} figure(s) changed; --dry-run lists each change before an import, ntm log after"
                )
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

/// `3 mới, 1 thay đổi, 98 không đổi` / `3 added, 1 changed, 98 unchanged`.
fn counts(d: &changes::Diff, vi: bool) -> String {
    if vi {
        format!(
            "{} mới, {} thay đổi, {} không đổi",
            d.added, d.changed, d.unchanged
        )
    } else {
        format!(
            "{} added, {} changed, {} unchanged",
            d.added, d.changed, d.unchanged
        )
    }
}

/// Each incoming observation against the store's, one unit and framework at a time.
fn diff_with_store(
    store: &crate::store::Store,
    stage: &Stage,
    on_change: &mut dyn FnMut(&crate::model::Observation, &crate::model::Observation),
) -> anyhow::Result<changes::Diff> {
    let mut groups: Vec<(&str, &str)> = stage.groups().map(|g| (g.0, g.1)).collect();
    groups.sort_unstable();
    let mut d = changes::Diff::default();
    for (unit, fw) in groups {
        let stored: std::collections::HashMap<(String, u16), crate::model::Observation> = store
            .observations_of(unit, fw)?
            .into_iter()
            .map(|o| ((o.indicator.clone(), o.year), o))
            .collect();
        for o in stage.read(unit, fw)? {
            if let Some((old, new)) = d.add(stored.get(&(o.indicator.clone(), o.year)), &o) {
                on_change(old, new);
            }
        }
    }
    Ok(d)
}

/// Set the bar's total the first time it is known; always true (for use in a closure).
fn bar_total(bar: &mut crate::progress::Progress, total: u64) -> bool {
    bar.set_total(total);
    true
}
