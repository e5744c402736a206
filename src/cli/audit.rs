//! `ntm audit`: draw a reproducible sample, record what the paperwork says, report
//! verification factors.

use std::collections::HashMap;
use std::process::ExitCode;

use anyhow::anyhow;
use clap::Subcommand;
use serde_json::json;

use super::checklist;
use super::{Ctx, Res};
use crate::audit::{
    Results, Strata, allocation_text, os_seed, record_factor, record_outside, recount_of, results,
};
use crate::i18n::Lang;
use crate::io::{ReadOptions, validate_observation};
use crate::model::Kind;
use crate::query::Query;
use crate::query::audit::{DrawRequest, prepare};
use crate::store::log::{actor, iso8601, now};
use crate::store::{Audit, AuditMark, AuditRecord, MarkStatus, ObsKey};
use crate::text::{fmt_num, fmt_plain, pad, sanitize};

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
        /// Seed: the same store contents, parameters and seed give the same sample. Without it
        /// ntm takes one from the operating system, prints it and saves it with the audit
        #[arg(long)]
        seed: Option<u64>,
        /// Only records of this year
        #[arg(long)]
        year: Option<u16>,
        /// Stratify by criterion, district or unit: one record per stratum when the size
        /// allows, the rest proportional to stratum size (largest remainders)
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
    /// The audit's records as a checklist: commune and indicator, target, reported figure with
    /// its counts, mark and earlier marks (`--format csv|xlsx`: a sheet to print and fill in)
    Show {
        name: String,
        #[arg(long, default_value = "text", value_parser = ["text", "csv", "xlsx"])]
        format: String,
        /// Write to this file (required for xlsx)
        #[arg(long, short = 'o', value_name = "FILE")]
        output: Option<std::path::PathBuf>,
    },
    /// Record the result of checking one record against the paperwork
    Mark {
        name: String,
        /// Record number (from `ntm audit show`)
        index: usize,
        /// The paperwork confirms the reported value
        #[arg(long, group = "result")]
        confirmed: bool,
        /// The paperwork gives another value: the recounted value (percent for ratios, the
        /// number, or a pass/fail word), written as in the interface (`2,5` in Vietnamese)
        #[arg(
            long,
            group = "result",
            value_name = "RECOUNT",
            allow_hyphen_values = true
        )]
        discrepancy: Option<String>,
        /// The record cannot be verified (paperwork missing ...)
        #[arg(long, group = "result")]
        cannot_verify: bool,
        /// Evidence note
        #[arg(long)]
        note: Option<String>,
        /// Why a record already marked is marked again (required then; logged)
        #[arg(long)]
        reason: Option<String>,
        /// Number writing of the recount: `vi` (`2,5`, `16.209`) or `plain` (`2.5`); default:
        /// the language of the output (`--lang`)
        #[arg(long, value_parser = ["plain", "vi"])]
        locale: Option<String>,
    },
    /// Verification factors per record and per indicator, agreement for pass/fail, and per
    /// unit and overall the share confirmed and the count outside the band
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

/// The allocation rule in words, printed with a stratified sample.
pub fn allocation_rule(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => {
            "mỗi tầng 1 bản ghi khi cỡ mẫu đủ, phần còn lại chia theo số bản ghi còn lại của từng tầng (phần dư lớn nhất); cỡ mẫu nhỏ hơn số tầng: các tầng được rút ngẫu nhiên theo hạt giống, cơ hội như nhau"
        }
        Lang::En => {
            "one record per stratum when the size allows, the rest proportional to the records each stratum has left (largest remainders); a size below the number of strata: strata drawn by the seed, each with the same chance"
        }
    }
}

/// A mark's recount read as the interface reads it: a value of the record's indicator
/// (percent for ratios, the number, a pass/fail word), Vietnamese number writing when `vi`.
pub fn read_recount(q: &Query, key: &ObsKey, text: &str, vi: bool) -> Result<f64, String> {
    let mut f: HashMap<String, String> = HashMap::new();
    f.insert("unit_code".into(), key.unit.clone());
    f.insert("framework".into(), key.framework.clone());
    f.insert("indicator".into(), key.indicator.clone());
    f.insert("year".into(), key.year.to_string());
    f.insert("value".into(), text.trim().to_string());
    let opt = ReadOptions {
        locale_vi: vi,
        ignore_unknown_columns: false,
        ..Default::default()
    };
    match validate_observation(&f, &q.reg, &q.units, &opt) {
        Ok(o) => crate::query::audit::reported(&o).ok_or_else(|| format!("{text:?} has no value")),
        Err(errs) => Err(errs
            .iter()
            .map(|e| e.reason.clone())
            .collect::<Vec<_>>()
            .join("; ")),
    }
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let lang = ctx.lang;
    let vi = lang == Lang::Vi;
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
            let chosen = seed.is_none();
            let seed = seed.unwrap_or_else(os_seed);
            let p = {
                let q = Query::new(&store)?;
                prepare(
                    &q,
                    &DrawRequest {
                        name: &name,
                        size,
                        seed,
                        year,
                        strata: strata.as_deref().and_then(Strata::parse),
                        risk: weight.is_some(),
                        framework: framework.as_deref(),
                        progress: true,
                    },
                )?
            };
            let alloc = allocation_text(&p.allocation);
            store.save_audit(&p.audit, Some(&alloc))?;
            let n = p.audit.records.len();
            if vi {
                say!("kiểm tra {name}: đã chọn {n} bản ghi; {}", p.audit.params);
            } else {
                say!("audit {name}: {n} records drawn; {}", p.audit.params);
            }
            if chosen {
                if vi {
                    say!(
                        "hạt giống (seed) {seed}: do ntm lấy từ hệ điều hành, đã lưu cùng đợt kiểm tra (--seed {seed} rút lại đúng mẫu này)"
                    );
                } else {
                    say!(
                        "seed {seed}: taken from the operating system and saved with the audit (--seed {seed} draws this sample again)"
                    );
                }
            }
            if !p.allocation.is_empty() {
                if vi {
                    say!("phân bổ theo tầng (đã chọn/số bản ghi): {alloc}");
                    say!("  quy tắc: {}", allocation_rule(lang));
                } else {
                    say!("allocation per stratum (drawn/records): {alloc}");
                    say!("  rule: {}", allocation_rule(lang));
                }
            }
            if vi {
                say!("mã băm mẫu sha256 {}", p.audit.hash);
                say!(
                    "tiếp theo: ntm audit show {name}; ntm audit mark {name} N --confirmed | --discrepancy SỐ | --cannot-verify"
                );
            } else {
                say!("sample hash sha256 {}", p.audit.hash);
                say!(
                    "next: ntm audit show {name}; ntm audit mark {name} N --confirmed | --discrepancy VALUE | --cannot-verify"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::List => {
            let store = ctx.open()?;
            for a in store.audits()? {
                let marked = a.records.iter().filter(|r| r.mark.is_some()).count();
                say!(
                    "{:<16} {}/{} {}  {}  {}  {}",
                    a.name,
                    marked,
                    a.records.len(),
                    if vi { "đã kiểm" } else { "marked" },
                    iso8601(a.created),
                    sanitize(&a.who),
                    a.params
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        AuditCmd::Show {
            name,
            format,
            output,
        } => {
            let store = ctx.open()?;
            let a = store
                .audit(&name)?
                .ok_or_else(|| anyhow!("no audit named {name}"))?;
            let q = Query::new(&store)?;
            let items = checklist::items(&q, &a, lang, |i| {
                store.audit_history(&a.name, i).unwrap_or_default()
            })?;
            let bytes = match format.as_str() {
                "csv" => checklist::csv(&items, lang)?.into_bytes(),
                "xlsx" => {
                    if output.is_none() {
                        return Err(anyhow!("--format xlsx needs --output FILE.xlsx").into());
                    }
                    checklist::xlsx(&a, &items, lang)?
                }
                _ => checklist::text(&a, &items, lang).into_bytes(),
            };
            match output {
                Some(path) => {
                    crate::files::write_atomic(&path, &bytes, store.privacy())
                        .map_err(|e| anyhow!("cannot write {}: {e}", path.display()))?;
                    if vi {
                        say!("đã ghi {} ({} bản ghi)", path.display(), items.len());
                    } else {
                        say!("wrote {} ({} records)", path.display(), items.len());
                    }
                }
                None => {
                    use std::io::Write;
                    std::io::stdout().write_all(&bytes)?;
                }
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
            reason,
            locale,
        } => {
            let mut store = ctx.open_rw("marking an audit record")?;
            let status = match (confirmed, &discrepancy, cannot_verify) {
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
            if index == 0 {
                return Err(anyhow!("records are numbered from 1").into());
            }
            let audit = store
                .audit(&name)?
                .ok_or_else(|| anyhow!("no audit named {name}"))?;
            let Some(rec) = audit.records.get(index - 1) else {
                return Err(anyhow!("audit {name} has no record {index}").into());
            };
            let reason = reason.as_deref().map(str::trim).filter(|r| !r.is_empty());
            if let Some(m) = &rec.mark
                && reason.is_none()
            {
                let was = checklist::mark_label(Some(m.status), lang);
                return Err(anyhow!(
                    "{}",
                    if vi {
                        format!(
                            "bản ghi {index} đã được đánh dấu \"{was}\" (bởi {}, {}); đánh dấu lại cần --reason \"lý do\" (lần trước vẫn giữ trong lịch sử)",
                            m.who,
                            iso8601(m.when)
                        )
                    } else {
                        format!(
                            "record {index} is already marked \"{was}\" (by {}, {}); marking it again needs --reason \"why\" (the earlier mark stays in its history)",
                            m.who,
                            iso8601(m.when)
                        )
                    }
                )
                .into());
            }
            let recount =
                match &discrepancy {
                    None => None,
                    Some(t) => {
                        let q = Query::new(&store)?;
                        let vi_numbers = match locale.as_deref() {
                            Some(l) => l == "vi",
                            None => vi,
                        };
                        Some(read_recount(&q, &rec.key, t, vi_numbers).map_err(|e| {
                            anyhow!("--discrepancy {}: {e}", crate::text::excerpt(t))
                        })?)
                    }
                };
            let mark = AuditMark {
                status,
                recount,
                note: note
                    .map(|n| crate::text::nfc(n.trim()))
                    .filter(|n| !n.is_empty()),
                who: actor(),
                when: now(),
            };
            let e = store.mark_audit(&name, index - 1, mark, reason)?;
            if vi {
                say!("nhật ký #{}: {}", e.seq, e.what);
            } else {
                say!("entry {}: {}", e.seq, e.what);
            }
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
            let reg = store.registry()?;
            let kind_of = |k: &ObsKey| {
                reg.get(&k.framework)
                    .and_then(|f| f.indicator(&k.indicator))
                    .map(|(_, i)| i.kind)
            };
            let res = results(&a, band, kind_of);
            print!("{}", report(&a, &res, band, lang, &format, &kind_of)?);
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// `ntm audit report` in one of its formats.
fn report(
    a: &Audit,
    res: &Results,
    band: (f64, f64),
    lang: Lang,
    format: &str,
    kind_of: &dyn Fn(&ObsKey) -> Option<Kind>,
) -> anyhow::Result<String> {
    let vf_of = |r: &AuditRecord| record_factor(kind_of(&r.key), r.reported, recount_of(r));
    let outside = |r: &AuditRecord| record_outside(kind_of(&r.key), r, band);
    Ok(match format {
        "json" => {
            let recs: Vec<_> = a
                .records
                .iter()
                .enumerate()
                .map(|(i, r)| {
                    let kind = kind_of(&r.key);
                    json!({
                        "index": i + 1, "unit": r.key.unit, "framework": r.key.framework, "indicator": r.key.indicator,
                        "year": r.key.year, "scale": scale_name(kind), "reported": r.reported,
                        "status": r.mark.as_ref().map(|m| m.status.as_str()),
                        "recount": recount_of(r), "verification_factor": vf_of(r),
                        "agrees": (kind == Some(Kind::Bool)).then(|| outside(r).map(|o| !o)).flatten(),
                        "flagged": outside(r).unwrap_or(false),
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
                "scale",
            ])?;
            for (i, r) in a.records.iter().enumerate() {
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
                    vf_of(r).map(|v| format!("{v:.4}")).unwrap_or_default(),
                    outside(r).unwrap_or(false).to_string(),
                    r.mark
                        .as_ref()
                        .and_then(|m| m.note.clone())
                        .unwrap_or_default(),
                    scale_name(kind_of(&r.key)).to_string(),
                ])?;
            }
            String::from_utf8(w.into_inner()?)?
        }
        _ => report_text(a, res, band, lang, kind_of),
    })
}

fn scale_name(k: Option<Kind>) -> &'static str {
    match k {
        Some(Kind::Bool) => "pass_fail",
        Some(Kind::Ratio) => "percent",
        Some(Kind::Number) | None => "number",
    }
}

fn report_text(
    a: &Audit,
    res: &Results,
    band: (f64, f64),
    lang: Lang,
    kind_of: &dyn Fn(&ObsKey) -> Option<Kind>,
) -> String {
    let vi = lang == Lang::Vi;
    let st = lang.num_style();
    let tr = |v: &'static str, e: &'static str| if vi { v } else { e };
    let dash = || "—".to_string();
    // verification factors with three decimals, so 0.897 never reads as 0.9
    let f3 = |v: Option<f64>| v.map_or_else(dash, |x| fmt_num(x, 3, st));
    let pct = |v: Option<f64>| v.map_or_else(dash, |x| format!("{}%", fmt_num(x * 100.0, 0, st)));
    let outside_mark = tr("  ← ngoài khoảng", "  ← outside band");
    let mut o = format!(
        "{} {} — {}\n{} sha256 {}\n{}: {}–{}\n",
        tr("kiểm tra", "audit"),
        a.name,
        a.params,
        tr("mã băm mẫu", "sample hash"),
        a.hash,
        tr(
            "hệ số xác minh chấp nhận được",
            "acceptable verification factor"
        ),
        fmt_num(band.0, 2, st),
        fmt_num(band.1, 2, st)
    );
    o += tr(
        "hệ số xác minh (số đếm lại ÷ số báo cáo) chỉ tính trên thang của từng chỉ tiêu; chỉ tiêu đạt/chưa đạt tính tỷ lệ khớp\n\n",
        "verification factor (recount ÷ reported) only on each indicator's own scale; pass/fail indicators get an agreement rate\n\n",
    );
    o += &format!(
        "   #  {}{:>10} {:>10} {:>7}  {}\n",
        crate::text::pad(tr("bản ghi", "record"), 35),
        tr("báo cáo", "reported"),
        tr("đếm lại", "recount"),
        tr("hệ số", "VF"),
        tr("kết quả", "status")
    );
    for (i, r) in a.records.iter().enumerate() {
        let kind = kind_of(&r.key);
        let vf = record_factor(kind, r.reported, recount_of(r));
        let out = record_outside(kind, r, band);
        let vf_text = match (kind, out) {
            (Some(Kind::Bool), Some(false)) => tr("khớp", "agrees").to_string(),
            (Some(Kind::Bool), Some(true)) => tr("lệch", "differs").to_string(),
            _ => f3(vf),
        };
        let show = |v: Option<f64>| v.map_or_else(dash, |x| checklist::show_scaled(kind, x, lang));
        o += &format!(
            "{:>4}  {} {:>9} {:>10} {:>7}  {}{}\n",
            i + 1,
            pad(&r.key.to_string(), 34),
            show(r.reported),
            show(recount_of(r)),
            vf_text,
            checklist::mark_label(r.mark.as_ref().map(|m| m.status), lang),
            if out == Some(true) { outside_mark } else { "" }
        );
    }
    o += &format!(
        "\n{}\n  {:<28} {:>8} {:>9} {:>9}  {:>7} {:>7}\n",
        tr("theo chỉ tiêu", "per indicator"),
        "",
        tr("đã kiểm", "marked"),
        tr("xác nhận", "confirmed"),
        tr("ngoài", "outside"),
        tr("hệ số", "VF"),
        tr("tỷ lệ khớp", "agreement")
    );
    for (k, t) in &res.by_indicator {
        o += &format!(
            "  {} {:>4}/{:<3} {:>9} {:>9}  {:>7} {:>7}{}\n",
            pad(k, 28),
            t.marked,
            t.records,
            pct(t.share_confirmed),
            t.outside_band,
            f3(t.verification_factor),
            pct(t.agreement),
            if t.flagged { outside_mark } else { "" }
        );
    }
    let group = |title: &str, rows: &std::collections::BTreeMap<String, crate::audit::Tally>| {
        let mut o = format!(
            "\n{title}\n  {:<28} {:>8} {:>9} {:>9}\n",
            "",
            tr("đã kiểm", "marked"),
            tr("xác nhận", "confirmed"),
            tr("ngoài", "outside")
        );
        for (k, t) in rows {
            o += &format!(
                "  {} {:>4}/{:<3} {:>9} {:>9}{}\n",
                pad(k, 28),
                t.marked,
                t.records,
                pct(t.share_confirmed),
                t.outside_band,
                if t.flagged { outside_mark } else { "" }
            );
        }
        o
    };
    o += &group(tr("theo đơn vị", "per unit"), &res.by_unit);
    let t = &res.overall;
    o += &if vi {
        format!(
            "\ntổng: đã kiểm {}/{}: {} xác nhận đúng, {} sai lệch, {} không kiểm được; {} số đã kiểm được xác nhận; {} bản ghi ngoài khoảng{}\n",
            t.marked,
            t.records,
            t.confirmed,
            t.discrepancies,
            t.cannot_verify,
            pct(t.share_confirmed),
            t.outside_band,
            if t.flagged { " (cần xem lại)" } else { "" }
        )
    } else {
        format!(
            "\noverall: {}/{} marked: {} confirmed, {} discrepancies, {} cannot verify; {} of the checked records confirmed; {} outside the band{}\n",
            t.marked,
            t.records,
            t.confirmed,
            t.discrepancies,
            t.cannot_verify,
            pct(t.share_confirmed),
            t.outside_band,
            if t.flagged { " (needs attention)" } else { "" }
        )
    };
    // names and parameters from the store: never raw on a terminal
    crate::text::sanitize_lines(&o)
}
