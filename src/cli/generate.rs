use std::path::PathBuf;
use std::process::ExitCode;

use super::Res;
use crate::framework::Registry;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to generate; `bac-giang` is the demo sample (six communes, 2016–2020)
    #[arg(long, default_value = "bac-giang", value_parser = ["bac-giang"])]
    pub preset: String,
    /// Seed: the same seed always gives the same bundle
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Leave out the planted problems: every figure consistent
    #[arg(long)]
    pub clean: bool,
    /// Output folder
    pub out: PathBuf,
}

pub fn run(a: Args) -> Res {
    let reg = Registry::builtin();
    let n = crate::synth::write_sample(&a.out, &reg, a.seed, !a.clean)?;
    println!("wrote {n} observations to {}", a.out.display());
    Ok(ExitCode::SUCCESS)
}
