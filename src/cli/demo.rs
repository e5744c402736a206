//! `ntm demo`: a temporary store loaded with the bundled sample data (the Bắc Giang city report
//! and the synthetic per-commune sample), removed again on exit.

use std::path::Path;
use std::process::ExitCode;

use super::{Ctx, Res};
use crate::io::{ReadOptions, read_bundle};
use crate::store::Store;

/// The bundled data, compiled in so `ntm demo` works from any directory.
const BUNDLES: &[(&str, &[(&str, &str)])] = &[
    (
        "bac-giang",
        &[
            (
                "units.csv",
                include_str!("../../fixtures/bac-giang/units.csv"),
            ),
            (
                "observations.csv",
                include_str!("../../fixtures/bac-giang/observations.csv"),
            ),
            (
                "recognitions.csv",
                include_str!("../../fixtures/bac-giang/recognitions.csv"),
            ),
        ],
    ),
    (
        "sample",
        &[
            ("units.csv", include_str!("../../fixtures/sample/units.csv")),
            (
                "observations.csv",
                include_str!("../../fixtures/sample/observations.csv"),
            ),
        ],
    ),
];

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Print the grid as text instead of opening the interface
    #[arg(long)]
    pub print: bool,
    /// ASCII glyphs instead of Unicode
    #[arg(long)]
    pub ascii: bool,
}

pub use crate::files::TempDir;

/// Create a store under `root` holding the bundled data.
pub fn load_demo(root: &Path) -> anyhow::Result<Store> {
    for (name, files) in BUNDLES {
        let d = root.join("bundles").join(name);
        std::fs::create_dir_all(&d)?;
        for (f, text) in *files {
            std::fs::write(d.join(f), text)?;
        }
    }
    let mut store = Store::open(&root.join("store"), false)?;
    let reg = store.registry()?;
    for (name, _) in BUNDLES {
        let units = store.units()?;
        let b = read_bundle(
            &root.join("bundles").join(name),
            &reg,
            &units,
            &ReadOptions::default(),
        )
        .map_err(|rows| {
            anyhow::anyhow!(
                "bundled {name} data is invalid: {}",
                rows.iter()
                    .map(|r| r.to_string())
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        })?;
        store.import(&b, &reg)?;
    }
    Ok(store)
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let tmp = TempDir::new("ntm-demo")?;
    let mut store = load_demo(&tmp.0)?;
    if !a.print {
        let mut s = ctx.tui.clone();
        s.ascii |= a.ascii;
        // `tmp` lives until the interface has exited
        let r = if s.read_only {
            crate::tui::run(&store, &s)
        } else {
            crate::tui::run(&mut store, &s)
        };
        drop(store);
        drop(tmp);
        r?;
        return Ok(ExitCode::SUCCESS);
    }
    let args = super::grid::Args {
        unit: None,
        year: None,
        against: None,
        framework: None,
        ascii: a.ascii,
    };
    print!("{}", super::grid::render(&store, &args, ctx.lang)?);
    Ok(ExitCode::SUCCESS)
}
