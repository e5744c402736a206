//! `ntm set` and `ntm undo`: change one observation from the shell, validated as on import and
//! recorded in the change log.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Fail, Res};
use crate::io::{ReadOptions, validate_observation_noted};
use crate::query::Query;
use crate::store::ObsKey;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Unit code
    pub unit: String,
    /// Indicator code, e.g. 17.6
    pub indicator: String,
    /// Year
    pub year: u16,
    /// Framework id (default: the one with data)
    #[arg(long)]
    pub framework: Option<String>,
    /// New value: a number (percentage for ratios) or a pass/fail word (which may come with
    /// --numerator/--denominator, the counts behind the verdict)
    #[arg(long, allow_hyphen_values = true)]
    pub value: Option<String>,
    /// New numerator (with --denominator)
    #[arg(long, requires = "denominator", allow_hyphen_values = true)]
    pub numerator: Option<String>,
    /// New denominator (with --numerator)
    #[arg(long, requires = "numerator", allow_hyphen_values = true)]
    pub denominator: Option<String>,
    /// The percentage as printed in the source (kept for the consistency check); without it
    /// the stored one stays, as in the interface's form
    #[arg(
        long,
        allow_hyphen_values = true,
        conflicts_with = "clear_stated_percent"
    )]
    pub stated_percent: Option<String>,
    /// Remove the printed percentage
    #[arg(long)]
    pub clear_stated_percent: bool,
    /// Set the note
    #[arg(long, conflicts_with = "clear_note")]
    pub note: Option<String>,
    #[arg(long)]
    pub clear_note: bool,
    /// Set the source
    #[arg(long, conflicts_with = "clear_source")]
    pub source: Option<String>,
    #[arg(long)]
    pub clear_source: bool,
    /// Flag the figure for follow-up, with a comment
    #[arg(long, conflicts_with = "unflag")]
    pub flag: Option<String>,
    /// Clear the follow-up flag
    #[arg(long)]
    pub unflag: bool,
    /// Why (required when a figure changes)
    #[arg(long)]
    pub reason: Option<String>,
    /// Number writing of the new figures: `plain` or `vi`
    #[arg(long, default_value = "plain", value_parser = ["plain", "vi"])]
    pub locale: String,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let mut store = ctx.open_rw("editing")?;
    let (reg, units, fw_id) = {
        let q = Query::new(&store)?;
        let fw = q.framework(a.framework.as_deref())?.id.clone();
        (q.reg.clone(), q.units.clone(), fw)
    };
    let key = ObsKey {
        unit: a.unit.clone(),
        framework: fw_id.clone(),
        indicator: a.indicator.clone(),
        year: a.year,
    };
    let figures = a.value.is_some()
        || a.numerator.is_some()
        || a.stated_percent.is_some()
        || a.clear_stated_percent;
    let texts = a.note.is_some() || a.clear_note || a.source.is_some() || a.clear_source;
    let flags = a.flag.is_some() || a.unflag;
    if !figures && !texts && !flags {
        return Err(anyhow!("nothing to change: give --value, --numerator/--denominator, --note, --source, --flag or --unflag").into());
    }
    let reason = a.reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
    let existing = store.observation(&key)?;
    if figures {
        let Some(reason) = reason else {
            return Err(anyhow!(
                "a change to a figure needs --reason (it goes into the change log)"
            )
            .into());
        };
        let mut f: HashMap<String, String> = HashMap::new();
        f.insert("unit_code".into(), a.unit.clone());
        f.insert("framework".into(), fw_id.clone());
        f.insert("indicator".into(), a.indicator.clone());
        f.insert("year".into(), a.year.to_string());
        let is_bool = reg
            .get(&fw_id)
            .and_then(|fw| fw.indicator(&a.indicator))
            .is_some_and(|(_, i)| i.kind == crate::model::Kind::Bool);
        match (&a.value, &a.numerator) {
            (Some(v), n) => {
                // both only on a pass/fail row; the validator says so for the others
                f.insert("value".into(), v.clone());
                if let Some(n) = n {
                    f.insert("numerator".into(), n.clone());
                    f.insert(
                        "denominator".into(),
                        a.denominator.clone().unwrap_or_default(),
                    );
                } else if is_bool
                    && let Some(o) = &existing
                    && let (Some(n), Some(d)) = (o.numerator, o.denominator)
                {
                    // a new verdict keeps the counts behind it ("51/58 thôn"), as the form does
                    f.insert("numerator".into(), crate::text::fmt_plain(n));
                    f.insert("denominator".into(), crate::text::fmt_plain(d));
                }
            }
            (None, Some(n)) => {
                f.insert("numerator".into(), n.clone());
                f.insert(
                    "denominator".into(),
                    a.denominator.clone().unwrap_or_default(),
                );
            }
            (None, None) => {
                // only the printed percentage changes: keep the existing figures
                let Some(o) = &existing else {
                    return Err(anyhow!("there is no value to attach --stated-percent to; give --value or --numerator/--denominator").into());
                };
                if let (Some(n), Some(d)) = (o.numerator, o.denominator) {
                    f.insert("numerator".into(), crate::text::fmt_plain(n));
                    f.insert("denominator".into(), crate::text::fmt_plain(d));
                }
                if let Some(v) = o.value {
                    f.insert(
                        "value".into(),
                        match v {
                            crate::model::Value::Number(x) => crate::text::fmt_plain(x),
                            crate::model::Value::Pass(p) => {
                                if p {
                                    "dat".into()
                                } else {
                                    "chua_dat".into()
                                }
                            }
                        },
                    );
                }
            }
        }
        if let Some(sp) = &a.stated_percent {
            f.insert("stated_percent".into(), sp.clone());
        }
        let opt = ReadOptions {
            locale_vi: a.locale == "vi",
            ignore_unknown_columns: false,
            ..Default::default()
        };
        let (o, doubts) = validate_observation_noted(&f, &reg, &units, &opt).map_err(|errs| {
            let list: Vec<String> = errs
                .iter()
                .map(|e| format!("--{}: {}", e.column.replace('_', "-"), e.reason))
                .collect();
            Fail(2, anyhow!("{}; nothing was changed", list.join("; ")))
        })?;
        let mut o = o;
        if a.stated_percent.is_none() && !a.clear_stated_percent {
            // not told to change it: the printed percentage stays (the consistency check
            // compares it with the new counts)
            o.stated_percent = existing.as_ref().and_then(|x| x.stated_percent);
        }
        // an ambiguous measure (`15.848` km) is taken the machine way: say so
        for w in doubts {
            let head = if ctx.lang == crate::i18n::Lang::Vi {
                "cảnh báo"
            } else {
                "warning"
            };
            say_err!("{head}: --{}: {}", w.column.replace('_', "-"), w.reason);
        }
        let e = store.set_figures(&o, reason, &reg)?;
        say!("entry {}: {} figures set", e.seq, key);
    }
    if texts && existing.is_none() && !figures {
        return Err(anyhow!("no observation {key} to attach a note or source to").into());
    }
    if let Some(n) = &a.note {
        let e = store.set_note(&key, Some(n), reason, &reg)?;
        say!("entry {}: {} note set", e.seq, key);
    } else if a.clear_note {
        let e = store.set_note(&key, None, reason, &reg)?;
        say!("entry {}: {} note cleared", e.seq, key);
    }
    if let Some(s) = &a.source {
        let e = store.set_source(&key, Some(s), reason, &reg)?;
        say!("entry {}: {} source set", e.seq, key);
    } else if a.clear_source {
        let e = store.set_source(&key, None, reason, &reg)?;
        say!("entry {}: {} source cleared", e.seq, key);
    }
    if flags {
        if store.observation(&key)?.is_none() {
            return Err(anyhow!("no observation {key} to flag").into());
        }
        let e = store.set_flag(&key, a.flag.as_deref())?;
        say!(
            "entry {}: {} {}",
            e.seq,
            key,
            if a.unflag {
                "unflagged"
            } else {
                "flagged for follow-up"
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}

#[derive(clap::Args, Debug)]
pub struct UndoArgs {
    /// The change-log entry to undo (see `ntm log`)
    pub entry: u64,
}

pub fn undo(ctx: &Ctx, a: UndoArgs) -> Res {
    let mut store = ctx.open_rw("undo")?;
    let reg = store.registry()?;
    let e = store.undo(a.entry, &reg)?;
    say!("entry {}: undid entry {} ({})", e.seq, a.entry, e.what);
    Ok(ExitCode::SUCCESS)
}
