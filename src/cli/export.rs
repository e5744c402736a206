use std::path::PathBuf;
use std::process::ExitCode;

use super::{Ctx, Res};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Folder to write units.csv, observations.csv and recognitions.csv into
    pub dir: PathBuf,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    let (u, o, r) = crate::io::write_bundle(&store, &a.dir)?;
    println!(
        "exported {u} units, {o} observations, {r} recognitions to {}",
        a.dir.display()
    );
    Ok(ExitCode::SUCCESS)
}
