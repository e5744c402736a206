//! `ntm merges`: the administrative history (which units were merged or split into which),
//! imported from and exported to a merge file (columns old_code, new_code, effective_date,
//! decision; the same as a bundle's optional merges.csv).

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Fail, Res};
use crate::io::{ReadOptions, read_merges, write_merges};
use crate::store::Bundle;
use crate::text::sanitize;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Cmd,
}

#[derive(clap::Subcommand, Debug)]
pub enum Cmd {
    /// Load a merge file (old_code,new_code,effective_date,decision); all or nothing
    Import {
        file: PathBuf,
        /// Validate only; change nothing
        #[arg(long)]
        dry_run: bool,
        /// Ignore columns this version does not know instead of refusing the file
        #[arg(long)]
        ignore_unknown_columns: bool,
    },
    /// Write the stored merges as a merge file
    Export { file: PathBuf },
    /// List the stored merges with the units' names
    List,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    match a.cmd {
        Cmd::Import {
            file,
            dry_run,
            ignore_unknown_columns,
        } => {
            let mut store = if dry_run {
                ctx.open()?
            } else {
                ctx.open_rw("importing merges")?
            };
            let reg = store.registry()?;
            let units = store.units()?;
            let stored = store.merges()?;
            let opt = ReadOptions {
                locale_vi: false,
                ignore_unknown_columns,
                ..Default::default()
            };
            let merges = match read_merges(&file, &units, &stored, &opt) {
                Ok(m) => m,
                Err(rows) => {
                    for r in &rows {
                        say_err!("{}", sanitize(&r.to_string()));
                    }
                    return Err(Fail(
                        2,
                        anyhow!(
                            "{} rejected: {}; nothing was imported",
                            file.display(),
                            crate::io::problems_listed(&rows)
                        ),
                    ));
                }
            };
            if dry_run {
                say!(
                    "{}: valid ({} merges); nothing written (--dry-run)",
                    file.display(),
                    merges.len()
                );
                return Ok(ExitCode::SUCCESS);
            }
            let n = merges.len();
            let hash = std::fs::read(&file)
                .map(|b| {
                    use sha2::{Digest, Sha256};
                    Sha256::digest(&b)
                        .iter()
                        .map(|x| format!("{x:02x}"))
                        .collect::<String>()
                })
                .unwrap_or_default();
            let b = Bundle {
                merges,
                origin: Some((file.display().to_string(), format!("merges sha256 {hash}"))),
                ..Bundle::default()
            };
            store.import(&b, &reg)?;
            say!("imported {n} merges into {}", store.path().display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Export { file } => {
            let store = ctx.open()?;
            let n = write_merges(&store.merges()?, &file, store.privacy())?;
            say!("exported {n} merges to {}", file.display());
            Ok(ExitCode::SUCCESS)
        }
        Cmd::List => {
            let store = ctx.open()?;
            let units = store.units()?;
            let name = |c: &str| units.get(c).map_or("?", |u| u.name.as_str()).to_string();
            let merges = store.merges()?;
            if merges.is_empty() {
                say!("no merges in {}", store.path().display());
            }
            for m in merges {
                say!(
                    "{}  {} ({}) → {} ({})  {}",
                    m.effective_date,
                    sanitize(&name(&m.old_code)),
                    sanitize(&m.old_code),
                    sanitize(&name(&m.new_code)),
                    sanitize(&m.new_code),
                    sanitize(m.decision.as_deref().unwrap_or(""))
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
