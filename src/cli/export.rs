use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Res};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder to write units.csv, observations.csv and recognitions.csv into
    #[arg(required_unless_present = "xlsx")]
    pub dir: Option<PathBuf>,
    /// Write an Excel workbook (sheets units, observations, recognitions) instead
    #[arg(long, value_name = "FILE.xlsx", conflicts_with = "dir")]
    pub xlsx: Option<PathBuf>,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    let (target, (u, o, r)) = match (&a.dir, &a.xlsx) {
        (_, Some(f)) => (f, crate::io::xlsx::write_xlsx(&store, f)?),
        (Some(d), None) => {
            let mut bar = crate::progress::Progress::new("export: units", 0);
            let n = crate::io::write_bundle_with(&store, d, &mut |done, total| {
                bar.set_total(total);
                bar.set(done)
            })?;
            bar.finish();
            (d, n)
        }
        (None, None) => return Err(anyhow!("give a folder, or --xlsx FILE").into()),
    };
    say!(
        "exported {u} units, {o} observations, {r} recognitions to {}",
        target.display()
    );
    let merges = store.merges()?.len();
    if a.xlsx.is_some() && merges > 0 {
        // a workbook has the bundle's three sheets only: say what it leaves out
        say_err!(
            "ntm: note: the {merges} merge{} of this store are not in the workbook; keep them with `ntm merges export FILE.csv`",
            if merges == 1 { "" } else { "s" }
        );
    }
    Ok(ExitCode::SUCCESS)
}
