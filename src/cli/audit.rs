//! `ntm audit`: draw a reproducible sample, record what the paperwork says, report
//! verification factors.

use std::process::ExitCode;

use anyhow::anyhow;
use clap::Subcommand;
use serde_json::json;

use super::{Ctx, Res};
use crate::audit::{Strata, draw, records_hash, recount_of, results, verification_factor};
use crate::query::Query;
use crate::store::log::{current_user, iso8601, now};
use crate::store::{Audit, AuditMark, AuditRecord, MarkStatus};
use crate::text::{NumStyle, fmt_num, fmt_plain, pad, sanitize};

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: AuditCmd,
}

#[derive(Subcommand, Debug)]
pub enum AuditCmd {
    /// Draw a reproducible sample of (unit, indicator, year) records and save it as an audit
    Sample {
        /// Name of the audit (used by mark and report)
        #[arg(long)]
        name: String,
        /// How many records
        #[arg(long)]
        size: usize,
        /// Seed: the same store contents, parameters and seed give the same sample
        #[arg(long)]
        seed: u64,
        /// Only records of this year
        #[arg(long)]
        year: Option<u16>,
        /// Cover every criterion, district or unit in turn
        #[arg(long, value_parser = ["criterion", "district", "unit"])]
        strata: Option<String>,
        /// `risk`: favour records with findings, values that just pass, big year-on-year changes
        #[arg(long, value_parser = ["risk"])]
        weight: Option<String>,
        /// Framework id (default: the one with data)
        #[arg(long)]
        framework: Option<String>,
    },
    /// List the audits in the store
    List,
    /// Show an audit's records, numbered, with their marks
    Show { name: String },
    /// Record the result of checking one record against the paperwork
    Mark {
        name: String,
        /// Record number (from `ntm audit show`)
        index: usize,
        /// The paperwork confirms the reported value
        #[arg(long, group = "result")]
        confirmed: bool,
        /// The paperwork gives another value: the recounted value (percent for ratios)
        #[arg(long, group = "result", value_name = "RECOUNT")]
        discrepancy: Option<f64>,
        /// The record cannot be verified (paperwork missing ...)
        #[arg(long, group = "result")]
        cannot_verify: bool,
        /// Evidence note
        #[arg(long)]
        note: Option<String>,
    },
    /// Verification factors per record, per indicator and per unit
    Report {
        name: String,
        #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
        format: String,
        /// Acceptable band of the verification factor
        #[arg(long, default_value = "0.90", value_name = "LOW")]
        band_low: f64,
        #[arg(long, default_value = "1.10", value_name = "HIGH")]
        band_high: f64,
    },
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    match a.cmd {
        AuditCmd::Sample {
            name,
            size,
            seed,
            year,
            strata,
            weight,
            framework,
        } => {
            let mut store = ctx.open_rw("drawing an audit sample")?;
            if name.trim().is_empty() || name.chars().any(|c| c.is_whitespace() || c.is_control()) {
                return Err(anyhow!("--name must be one word without spaces").into());
            }
            if size == 0 {
                return Err(anyhow!("--size must be at least 1").into());
            }
            let audit = {
                let q = Query::new(&store)?;
                let fw = q.framework(framework.as_deref())?;
                let st = strata.as_deref().and_then(Strata::parse);
                let frame = q.audit_frame(fw, year, st, weight.is_some())?;
                if frame.is_empty() {
                    return Err(anyhow!(
                        "no records to sample{}",
                        year.map(|y| format!(" in {y}")).unwrap_or_default()
                    )
                    .into());
                }
                let n_frame = frame.len();
                let drawn = draw(frame, size, seed);
                let records: Vec<AuditRecord> = drawn
                    .into_iter()
                    .map(|c| {
                        let mut why = Vec::new();
                        if !c.stratum.is_empty() {
                            why.push(format!("stratum {}", c.stratum));
                        }
                        if c.weight > 1.0 {
                            why.push(format!(
                                "weight {} ({})",
                                fmt_plain(c.weight),
                                c.reasons.join(", ")
                            ));
                        }
                        AuditRecord {
                            key: c.key,
                            reported: c.reported,
                            why: why.join("; "),
                            mark: None,
                        }
                    })
                    .collect();
                let mut params = format!("--size {size} --seed {seed} --framework {}", fw.id);
                if let Some(y) = year {
                    params += &format!(" --year {y}");
                }
                if let Some(s) = &strata {
                    params += &format!(" --strata {s}");
                }
                if weight.is_some() {
                    params += " --weight risk";
                }
                params += &format!(" (frame of {n_frame} records)");
                Audit {
                    name: name.clone(),
                    who: current_user(),
                    created: now(),
                    params,
                    hash: records_hash(&records),
                    records,
                }
            };
            store.save_audit(&audit)?;
            say!(
                "audit {name}: {} records drawn; {}",
                audit.records.len(),
                audit.params
            );
            say!("sample hash sha256 {}", audit.hash);
            say!(
                "next: ntm audit show {name}; ntm audit mark {name} N --confirmed | --discrepancy VALUE | --cannot-verify"
            );
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::List => {
            let store = ctx.open()?;
            for a in store.audits()? {
                let marked = a.records.iter().filter(|r| r.mark.is_some()).count();
                say!(
                    "{:<16} {}/{} marked  {}  by {}  {}",
                    a.name,
                    marked,
                    a.records.len(),
                    iso8601(a.created),
                    sanitize(&a.who),
                    a.params
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Show { name } => {
            let store = ctx.open()?;
            let a = store
                .audit(&name)?
                .ok_or_else(|| anyhow!("no audit named {name}"))?;
            let marked = a.records.iter().filter(|r| r.mark.is_some()).count();
            say!(
                "audit {}: {}/{} marked; {}",
                a.name,
                marked,
                a.records.len(),
                a.params
            );
            for (i, r) in a.records.iter().enumerate() {
                let rep = r
                    .reported
                    .map(|v| fmt_num(v, 2, NumStyle::En))
                    .unwrap_or_else(|| "—".into());
                let mark = match &r.mark {
                    None => "open".to_string(),
                    Some(m) => {
                        let mut s = m.status.as_str().to_string();
                        if let Some(c) = m.recount {
                            s += &format!(" recount {}", fmt_plain(c));
                        }
                        s
                    }
                };
                say!(
                    "{:>4}  {}  reported {:<10} {:<24} {}",
                    i + 1,
                    pad(&r.key.to_string(), 34),
                    rep,
                    mark,
                    r.why
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Mark {
            name,
            index,
            confirmed,
            discrepancy,
            cannot_verify,
            note,
        } => {
            let mut store = ctx.open_rw("marking an audit record")?;
            let status = match (confirmed, discrepancy, cannot_verify) {
                (true, None, false) => MarkStatus::Confirmed,
                (false, Some(_), false) => MarkStatus::Discrepancy,
                (false, None, true) => MarkStatus::CannotVerify,
                _ => {
                    return Err(anyhow!(
                        "give one of --confirmed, --discrepancy RECOUNT, --cannot-verify"
                    )
                    .into());
                }
            };
            if let Some(r) = discrepancy
                && !(r.is_finite() && r >= 0.0)
            {
                return Err(anyhow!("--discrepancy {r}: the recount must be a number ≥ 0").into());
            }
            if index == 0 {
                return Err(anyhow!("records are numbered from 1").into());
            }
            let mark = AuditMark {
                status,
                recount: discrepancy,
                note,
                who: current_user(),
                when: now(),
            };
            let e = store.mark_audit(&name, index - 1, mark)?;
            say!("entry {}: {}", e.seq, e.what);
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Report {
            name,
            format,
            band_low,
            band_high,
        } => {
            let store = ctx.open()?;
            let a = store
                .audit(&name)?
                .ok_or_else(|| anyhow!("no audit named {name}"))?;
            if !(band_low.is_finite()
                && band_high.is_finite()
                && band_low <= 1.0
                && band_high >= 1.0)
            {
                return Err(anyhow!(
                    "the band must contain 1 (e.g. --band-low 0.9 --band-high 1.1)"
                )
                .into());
            }
            let band = (band_low, band_high);
            let res = results(&a, band);
            let vf_of = |r: &AuditRecord| verification_factor(r.reported, recount_of(r));
            let out = match format.as_str() {
                "json" => {
                    let recs: Vec<_> = a
                        .records
                        .iter()
                        .enumerate()
                        .map(|(i, r)| {
                            let vf = vf_of(r);
                            json!({
                                "index": i + 1, "unit": r.key.unit, "framework": r.key.framework, "indicator": r.key.indicator,
                                "year": r.key.year, "reported": r.reported, "status": r.mark.as_ref().map(|m| m.status.as_str()),
                                "recount": recount_of(r), "verification_factor": vf,
                                "flagged": vf.is_some_and(|v| v < band.0 || v > band.1),
                                "note": r.mark.as_ref().and_then(|m| m.note.clone()),
                            })
                        })
                        .collect();
                    serde_json::to_string_pretty(&json!({
                        "audit": a.name, "params": a.params, "hash": a.hash, "band": [band.0, band.1],
                        "records": recs, "by_indicator": res.by_indicator, "by_unit": res.by_unit, "overall": res.overall,
                    }))? + "\n"
                }
                "csv" => {
                    let mut w = csv::Writer::from_writer(Vec::new());
                    w.write_record([
                        "index",
                        "unit",
                        "framework",
                        "indicator",
                        "year",
                        "reported",
                        "status",
                        "recount",
                        "verification_factor",
                        "flagged",
                        "note",
                    ])?;
                    for (i, r) in a.records.iter().enumerate() {
                        let vf = vf_of(r);
                        w.write_record([
                            (i + 1).to_string(),
                            r.key.unit.clone(),
                            r.key.framework.clone(),
                            r.key.indicator.clone(),
                            r.key.year.to_string(),
                            r.reported.map(fmt_plain).unwrap_or_default(),
                            r.mark
                                .as_ref()
                                .map(|m| m.status.as_str().to_string())
                                .unwrap_or_default(),
                            recount_of(r).map(fmt_plain).unwrap_or_default(),
                            vf.map(|v| format!("{v:.4}")).unwrap_or_default(),
                            vf.is_some_and(|v| v < band.0 || v > band.1).to_string(),
                            r.mark
                                .as_ref()
                                .and_then(|m| m.note.clone())
                                .unwrap_or_default(),
                        ])?;
                    }
                    String::from_utf8(w.into_inner()?)?
                }
                _ => {
                    let st = NumStyle::En;
                    let f2 =
                        |v: Option<f64>| v.map_or_else(|| "—".to_string(), |x| fmt_num(x, 2, st));
                    // verification factors with three decimals, so 0.897 never reads as 0.9
                    let f3 =
                        |v: Option<f64>| v.map_or_else(|| "—".to_string(), |x| fmt_num(x, 3, st));
                    let mut o = format!(
                        "audit {} — {}\nsample hash sha256 {}\nacceptable verification factor: {}–{}\n\n",
                        a.name, a.params, a.hash, band.0, band.1
                    );
                    o += "   #  record                              reported   recount    VF     status\n";
                    for (i, r) in a.records.iter().enumerate() {
                        let vf = vf_of(r);
                        let flag = if vf.is_some_and(|v| v < band.0 || v > band.1) {
                            "  ← outside band"
                        } else {
                            ""
                        };
                        o += &format!(
                            "{:>4}  {} {:>9} {:>9} {:>6}  {}{flag}\n",
                            i + 1,
                            pad(&r.key.to_string(), 34),
                            f2(r.reported),
                            f2(recount_of(r)),
                            f3(vf),
                            r.mark.as_ref().map_or("open", |m| m.status.as_str())
                        );
                    }
                    let table = |title: &str, rows: &std::collections::BTreeMap<String, crate::audit::Tally>| {
                        let mut o = format!("\n{title}\n  {:<28} marked  confirmed  discrepancies  VF\n", "");
                        for (k, t) in rows {
                            o += &format!(
                                "  {} {:>3}/{:<3} {:>9} {:>14}  {}{}\n",
                                pad(k, 28),
                                t.marked,
                                t.records,
                                t.share_confirmed.map_or_else(|| "—".to_string(), |s| format!("{}%", fmt_num(s * 100.0, 0, st))),
                                t.discrepancies,
                                f3(t.verification_factor),
                                if t.flagged { "  ← outside band" } else { "" }
                            );
                        }
                        o
                    };
                    o += &table("per indicator", &res.by_indicator);
                    o += &table("per unit", &res.by_unit);
                    let t = &res.overall;
                    o += &format!(
                        "\noverall: {}/{} marked, {} confirmed, {} discrepancies, {} cannot verify; verification factor {}{}\n",
                        t.marked,
                        t.records,
                        t.confirmed,
                        t.discrepancies,
                        t.cannot_verify,
                        f3(t.verification_factor),
                        if t.flagged { " (outside band)" } else { "" }
                    );
                    // names and parameters from the store: never raw on a terminal
                    crate::text::sanitize_lines(&o)
                }
            };
            print!("{out}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
