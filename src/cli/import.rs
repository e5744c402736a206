use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Fail, Res};
use crate::io::{ReadOptions, read_bundle_into};
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
    // national file takes a while) and taken again to write
    let (reg, units, path) = {
        let store = if a.dry_run {
            ctx.open()?
        } else {
            ctx.open_rw("import")?
        };
        (
            store.registry()?,
            store.units()?,
            store.path().to_path_buf(),
        )
    };
    let opt = ReadOptions {
        locale_vi: a.locale == "vi",
        ignore_unknown_columns: a.ignore_unknown_columns,
    };
    let is_xlsx = a.dir.is_file()
        && a.dir
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("xlsx"));
    // the observations go to a stage on disk (or are only counted with --dry-run)
    let mut stage = if a.dry_run {
        None
    } else {
        Some(
            Stage::new_in(&path)
                .map_err(|e| anyhow!("cannot stage the import in {}: {e}", path.display()))?,
        )
    };
    let mut counted = 0u64;
    let read = if is_xlsx {
        crate::io::xlsx::read_xlsx(&a.dir, &reg, &units, &opt).and_then(|mut b| {
            for o in std::mem::take(&mut b.observations) {
                counted += 1;
                if let Some(s) = stage.as_mut() {
                    s.push(&o).map_err(|e| {
                        vec![crate::io::BadRow {
                            file: a.dir.display().to_string(),
                            line: 0,
                            column: String::new(),
                            reason: format!("cannot keep the rows for the import: {e}"),
                        }]
                    })?;
                }
            }
            Ok(b)
        })
    } else {
        read_bundle_into(&a.dir, &reg, &units, &opt, &mut |o| {
            counted += 1;
            match stage.as_mut() {
                Some(s) => s.push(&o).map_err(|e| e.to_string()),
                None => Ok(()),
            }
        })
    };
    let bundle = match read {
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
    let Some(stage) = stage else {
        say!(
            "{}: valid ({} units, {} observations, {} recognitions{}); nothing written (--dry-run)",
            a.dir.display(),
            bundle.units.len(),
            counted,
            bundle.recognitions.len(),
            if bundle.merges.is_empty() {
                String::new()
            } else {
                format!(", {} merges", bundle.merges.len())
            }
        );
        return Ok(ExitCode::SUCCESS);
    };
    let mut store = ctx.open_rw("import")?;
    // frameworks or overrides added meanwhile count for the summaries
    let reg = store.registry()?;
    let mut bar = crate::progress::Progress::new("import: records", 0);
    let st = store.import_staged(&bundle, &stage, &reg, &mut |done, total| {
        if bar_total(&mut bar, total) {
            bar.set(done)
        }
    })?;
    bar.finish();
    say!(
        "imported {} units, {} observations, {} recognitions{} into {}",
        st.units,
        st.observations,
        st.recognitions,
        if st.merges > 0 {
            format!(", {} merges", st.merges)
        } else {
            String::new()
        },
        store.path().display()
    );
    Ok(ExitCode::SUCCESS)
}

/// Set the bar's total the first time it is known; always true (for use in a closure).
fn bar_total(bar: &mut crate::progress::Progress, total: u64) -> bool {
    bar.set_total(total);
    true
}
