use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::Subcommand;

use super::{Ctx, Fail, Res};
use crate::framework::{parse_framework, parse_override};
use crate::model::{Kind, TargetValue};
use crate::text::{fmt_num, sanitize};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: FwCmd,
}

#[derive(Subcommand, Debug)]
pub enum FwCmd {
    /// List the known frameworks and provincial overrides
    List,
    /// Show a framework's criteria, indicators and targets per region
    Show {
        /// Framework id, e.g. qd1980-2016
        id: String,
    },
    /// Add a framework (or, with --override, a provincial override) file to the store
    Add {
        /// The TOML file
        file: PathBuf,
        /// The file is a provincial override, not a framework
        #[arg(long = "override")]
        is_override: bool,
    },
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    match a.cmd {
        FwCmd::List => {
            let store = ctx.open()?;
            let reg = store.registry()?;
            for f in &reg.frameworks {
                println!(
                    "{:<14} {} criteria, {} indicators  {}{}",
                    f.id,
                    f.criteria.len(),
                    f.indicators.len(),
                    sanitize(&f.name),
                    f.decision
                        .as_deref()
                        .map(|d| format!(" ({})", sanitize(d)))
                        .unwrap_or_default()
                );
            }
            for o in &reg.overrides {
                println!(
                    "  override: {} province {} — {} ({} targets)",
                    o.framework,
                    o.province,
                    sanitize(&o.decision),
                    o.targets.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FwCmd::Show { id } => {
            let store = ctx.open()?;
            let reg = store.registry()?;
            let f = reg
                .get(&id)
                .ok_or_else(|| anyhow!("unknown framework {id}"))?;
            println!("{} — {}", f.id, sanitize(&f.name));
            if let Some(d) = &f.decision {
                println!("{}", sanitize(d));
            }
            println!("regions: {}", f.regions.join(" "));
            for g in &f.groups {
                println!("\n{}. {}", g.code, sanitize(&g.name));
                for c in f.criteria.iter().filter(|c| c.group == g.code) {
                    println!("  {} {}", c.code, sanitize(&c.name));
                    for &ii in &c.indicators {
                        let i = &f.indicators[ii];
                        let kind = match i.kind {
                            Kind::Bool => "bool".to_string(),
                            Kind::Ratio => format!("ratio ({})", i.unit),
                            Kind::Number => format!("number ({})", i.unit),
                        };
                        let mut targets: Vec<String> = i
                            .targets
                            .iter()
                            .map(|(k, v)| match v {
                                TargetValue::Pass(_) => format!("{k} đạt"),
                                TargetValue::Number(x) => format!(
                                    "{k} {}{}",
                                    i.comparison.ascii(),
                                    fmt_num(*x, 2, crate::text::NumStyle::En)
                                ),
                            })
                            .collect();
                        if !i.unconfirmed.is_empty() {
                            targets
                                .push(format!("no confirmed target: {}", i.unconfirmed.join(" ")));
                        }
                        println!("    {:<6} {:<18} {}", i.code, kind, sanitize(&i.name_en));
                        println!("           targets: {}", targets.join("; "));
                    }
                }
            }
            for o in reg.overrides.iter().filter(|o| o.framework == f.id) {
                println!(
                    "\noverride by province {} — {}",
                    o.province,
                    sanitize(&o.decision)
                );
                for t in &o.targets {
                    let v = match t.value {
                        TargetValue::Pass(_) => "đạt".to_string(),
                        TargetValue::Number(x) => fmt_num(x, 2, crate::text::NumStyle::En),
                    };
                    println!(
                        "  {:<6} {v}  {}",
                        t.indicator,
                        sanitize(t.note.as_deref().unwrap_or(""))
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FwCmd::Add { file, is_override } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.display().to_string();
            let store = ctx.open_rw("adding a framework")?;
            if is_override {
                let reg = store.registry()?;
                let o = parse_override(&name, &text, &reg).map_err(|e| Fail(2, e.into()))?;
                let key = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or(name);
                let n = store.add_override(&key, &text)?;
                println!(
                    "added override of {} for province {} ({} targets); {n} summaries re-evaluated",
                    o.framework,
                    o.province,
                    o.targets.len()
                );
            } else {
                let f = parse_framework(&name, &text).map_err(|e| Fail(2, e.into()))?;
                let n = store.add_framework(&f.id, &text)?;
                println!(
                    "added framework {} ({} criteria, {} indicators); {n} summaries re-evaluated",
                    f.id,
                    f.criteria.len(),
                    f.indicators.len()
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
