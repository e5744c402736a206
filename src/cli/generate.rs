use std::path::PathBuf;
use std::process::ExitCode;

use super::Res;
use crate::framework::Registry;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// What to generate; `bac-giang` is the demo sample (six communes, 2016–2020). Ignored
    /// with --units
    #[arg(long, default_value = "bac-giang", value_parser = ["bac-giang"])]
    pub preset: String,
    /// National-scale bundle: this many communes (with their districts and provinces), every
    /// indicator of qd1980-2016 for every year
    #[arg(long)]
    pub units: Option<usize>,
    /// Years of history with --units, ending in 2025
    #[arg(long, default_value_t = 15, requires = "units")]
    pub years: u16,
    /// Seed: the same seed always gives the same bundle
    #[arg(long, default_value_t = 2020)]
    pub seed: u64,
    /// Leave out the planted problems: every figure consistent (the bac-giang preset only)
    #[arg(long, conflicts_with = "units")]
    pub clean: bool,
    /// Output folder
    pub out: PathBuf,
}

pub fn run(a: Args) -> Res {
    let reg = Registry::builtin();
    if let Some(n) = a.units {
        let mut bar = crate::progress::Progress::new("gen: communes", n as u64);
        let c = crate::synth::write_national(&a.out, &reg, n, a.years, a.seed, &mut |d, _| {
            bar.set(d as u64)
        })?;
        bar.finish();
        say!(
            "wrote {} units, {} observations, {} recognitions to {}",
            c.units,
            c.observations,
            c.recognitions,
            a.out.display()
        );
        return Ok(ExitCode::SUCCESS);
    }
    let n = crate::synth::write_sample(&a.out, &reg, a.seed, !a.clean)?;
    say!("wrote {n} observations to {}", a.out.display());
    Ok(ExitCode::SUCCESS)
}
