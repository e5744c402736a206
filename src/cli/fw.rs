use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{Context, anyhow};
use clap::Subcommand;

use super::{Ctx, Fail, Res};
use crate::framework::{parse_framework, parse_override};
use crate::model::{Kind, TargetValue};
use crate::store::log::iso8601;
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
    /// Add a framework (or, with --override, a provincial override; with --mapping, a
    /// mapping between two frameworks) file to the store
    Add {
        /// The TOML file
        file: PathBuf,
        /// The file is a provincial override, not a framework
        #[arg(long = "override", conflicts_with = "is_mapping")]
        is_override: bool,
        /// The file maps indicators of one framework to another (mappings/*.toml)
        #[arg(long = "mapping")]
        is_mapping: bool,
    },
    /// Remove a provincial override added to this store (its id from `framework list`); the
    /// removal is logged and every verdict re-evaluated
    RemoveOverride {
        /// The override's id (the name of the file it was added from, without .toml)
        id: String,
    },
}

/// `built in`, or who added a user file and when (from the change log).
fn origin(
    added: &std::collections::BTreeMap<String, crate::store::LogEntry>,
    what: &str,
    builtin: bool,
    vi: bool,
) -> String {
    if builtin {
        return if vi { "có sẵn" } else { "built in" }.to_string();
    }
    match added.get(what) {
        Some(e) => {
            let hash = e
                .new
                .as_deref()
                .and_then(|n| n.split(';').next())
                .unwrap_or("");
            if vi {
                format!(
                    "người dùng thêm: {} lúc {} ({hash})",
                    sanitize(&e.who),
                    iso8601(e.when)
                )
            } else {
                format!(
                    "added by {} at {} ({hash})",
                    sanitize(&e.who),
                    iso8601(e.when)
                )
            }
        }
        None => if vi {
            "người dùng thêm (trước khi có nhật ký)"
        } else {
            "added by a user (before it was logged)"
        }
        .to_string(),
    }
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    match a.cmd {
        FwCmd::List => {
            let store = ctx.open()?;
            let reg = store.registry()?;
            let builtin = crate::framework::Registry::builtin();
            let added = store.added_entries()?;
            let vi = ctx.lang == crate::i18n::Lang::Vi;
            for f in &reg.frameworks {
                say!(
                    "{:<14} {} criteria, {} indicators  {}{}  [{}]",
                    f.id,
                    f.criteria.len(),
                    f.indicators.len(),
                    sanitize(&f.name),
                    f.decision
                        .as_deref()
                        .map(|d| format!(" ({})", sanitize(d)))
                        .unwrap_or_default(),
                    origin(
                        &added,
                        &format!("framework {}", f.id),
                        builtin.get(&f.id).is_some() && !store.has_user_framework(&f.id)?,
                        vi
                    )
                );
            }
            for o in &reg.overrides {
                let id = o
                    .added_as
                    .as_deref()
                    .map(|n| format!(" id {n}"))
                    .unwrap_or_default();
                say!(
                    "  override{id}: {} province {} — {} ({} targets)  [{}]",
                    o.framework,
                    o.province,
                    sanitize(&o.decision),
                    o.targets.len(),
                    origin(
                        &added,
                        &format!("override {}", o.added_as.as_deref().unwrap_or("")),
                        o.added_as.is_none(),
                        vi
                    )
                );
            }
            for m in &reg.mappings {
                let user = store.mapping_name(&m.from, &m.to)?;
                say!(
                    "  mapping: {} → {} ({} pairs: {})  [{}]",
                    m.from,
                    m.to,
                    m.pairs.len(),
                    m.pairs
                        .iter()
                        .map(|p| format!("{}→{}", p.from, p.to))
                        .collect::<Vec<_>>()
                        .join(", "),
                    origin(
                        &added,
                        &format!("mapping {}", user.as_deref().unwrap_or("")),
                        user.is_none(),
                        vi
                    )
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        FwCmd::RemoveOverride { id } => {
            let store = ctx.open_rw("removing an override")?;
            let (n, e) = store.remove_override(&id)?;
            if ctx.lang == crate::i18n::Lang::Vi {
                say!(
                    "đã gỡ quy định riêng {id}; đánh giá lại {n} bản tóm tắt; nhật ký #{}",
                    e.seq
                );
            } else {
                say!(
                    "removed override {id}; {n} summaries re-evaluated; log entry {}",
                    e.seq
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
            print!("{}", crate::text::sanitize_lines(&show_framework(f)));
            for o in reg.overrides.iter().filter(|o| o.framework == f.id) {
                say!(
                    "\noverride by province {} — {}",
                    o.province,
                    sanitize(&o.decision)
                );
                for t in &o.targets {
                    let v = match t.value {
                        TargetValue::Pass(_) => "đạt".to_string(),
                        TargetValue::Number(x) => fmt_num(x, 2, crate::text::NumStyle::En),
                    };
                    say!(
                        "  {:<6} {v}  {}",
                        t.indicator,
                        sanitize(t.note.as_deref().unwrap_or(""))
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        FwCmd::Add {
            file,
            is_override,
            is_mapping,
        } => {
            let text = std::fs::read_to_string(&file)
                .with_context(|| format!("cannot read {}", file.display()))?;
            let name = file.display().to_string();
            let store = ctx.open_rw("adding a framework")?;
            if is_mapping {
                let reg = store.registry()?;
                let m = crate::framework::parse_mapping(&name, &text, &reg)
                    .map_err(|e| Fail(2, e.into()))?;
                let key = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone());
                let e = store.add_mapping(&key, &text, &name)?;
                say!(
                    "added mapping {} → {} ({} pairs); log entry {}",
                    m.from,
                    m.to,
                    m.pairs.len(),
                    e.seq
                );
            } else if is_override {
                let reg = store.registry()?;
                let o = parse_override(&name, &text, &reg).map_err(|e| Fail(2, e.into()))?;
                let key = file
                    .file_stem()
                    .map(|s| s.to_string_lossy().into_owned())
                    .unwrap_or_else(|| name.clone());
                let (n, e) = store.add_override(&key, &text, &name)?;
                say!(
                    "added override {key} of {} for province {} ({} targets); {n} summaries re-evaluated; log entry {} (remove it with: ntm framework remove-override {key})",
                    o.framework,
                    o.province,
                    o.targets.len(),
                    e.seq
                );
            } else {
                let f = parse_framework(&name, &text).map_err(|e| Fail(2, e.into()))?;
                let (n, e) = store.add_framework(&f.id, &text, &name)?;
                say!(
                    "added framework {} ({} criteria, {} indicators); {n} summaries re-evaluated; log entry {}",
                    f.id,
                    f.criteria.len(),
                    f.indicators.len(),
                    e.seq
                );
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Marker printed beside anything a source does not confirm.
const UNCONFIRMED: &str = "[UNCONFIRMED]";

/// The text of `ntm framework show`: criteria, indicators and targets, with every part that is
/// not confirmed by a source flagged.
pub fn show_framework(f: &crate::framework::Framework) -> String {
    use std::fmt::Write;
    let mut out = String::new();
    let w = &mut out;
    let _ = writeln!(w, "{} — {}", f.id, sanitize(&f.name));
    if let Some(d) = &f.decision {
        let _ = writeln!(w, "{}", sanitize(d));
    }
    if let Some((a, b)) = f.period {
        let _ = writeln!(w, "period: {a}-{b}");
    }
    if f.uses_commune_groups() {
        let _ = writeln!(
            w,
            "commune groups (instead of regions; units.csv column commune_group): {}",
            f.commune_groups.join(" ")
        );
    } else {
        let _ = writeln!(w, "regions: {}", f.regions.join(" "));
    }
    let _ = writeln!(
        w,
        "criteria: {}   indicators in this file: {}{}",
        f.criteria.len(),
        f.indicators.len(),
        f.declared_indicators
            .map(|n| format!(
                " (the decision declares {n}; the others are not itemised by any source)"
            ))
            .unwrap_or_default()
    );
    let unconfirmed = f.criteria.iter().filter(|c| !c.confirmed).count()
        + f.indicators.iter().filter(|i| !i.confirmed).count();
    if unconfirmed > 0 {
        let _ = writeln!(
            w,
            "{UNCONFIRMED} marks a criterion or indicator not confirmed by a source ({unconfirmed} in this set)"
        );
    }
    if let Some(n) = &f.note {
        let _ = writeln!(w, "note: {}", sanitize(n));
    }
    let mut sections: Vec<(
        Option<&crate::framework::Group>,
        Vec<&crate::framework::Criterion>,
    )> = Vec::new();
    if f.groups.is_empty() {
        sections.push((None, f.criteria.iter().collect()));
    } else {
        for g in &f.groups {
            sections.push((
                Some(g),
                f.criteria.iter().filter(|c| c.group == g.code).collect(),
            ));
        }
    }
    for (g, crits) in sections {
        if let Some(g) = g {
            let flag = if g.confirmed {
                String::new()
            } else {
                format!("  {UNCONFIRMED} group not confirmed by a source")
            };
            let _ = writeln!(w, "\n{}. {}{flag}", g.code, sanitize(&g.name));
        } else {
            let _ = writeln!(w);
        }
        for c in crits {
            let flag = if c.confirmed {
                String::new()
            } else {
                format!("  {UNCONFIRMED} number/name not confirmed by a source")
            };
            let _ = writeln!(w, "  {} {}{flag}", c.code, sanitize(&c.name));
            if let Some(n) = &c.note {
                let _ = writeln!(w, "      note: {}", sanitize(n));
            }
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
                if i.targets.is_empty() {
                    targets.push("no target — not confirmed by a source".into());
                } else if !i.confirmed
                    && i.targets
                        .values()
                        .all(|t| matches!(t, TargetValue::Pass(_)))
                {
                    targets.push(
                        "pass/fail only: no numeric target — not confirmed by a source".into(),
                    );
                }
                if !i.unconfirmed.is_empty() {
                    targets.push(format!(
                        "no target — not confirmed by a source: {}",
                        i.unconfirmed.join(" ")
                    ));
                }
                let flag = if i.confirmed {
                    String::new()
                } else {
                    format!("  {UNCONFIRMED} breakdown not confirmed")
                };
                let _ = writeln!(
                    w,
                    "    {:<6} {:<18} {}{flag}",
                    i.code,
                    kind,
                    sanitize(&i.name_en)
                );
                let _ = writeln!(w, "           targets: {}", targets.join("; "));
                if let Some(n) = &i.note {
                    let _ = writeln!(w, "           note: {}", sanitize(n));
                }
            }
        }
    }
    out
}
