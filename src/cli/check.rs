//! `ntm check`: evaluate a scope and print findings (FORMAT.md §3).

use std::collections::BTreeMap;
use std::process::ExitCode;

use serde_json::{Value as J, json};

use super::{Ctx, Fail, Res};
use crate::eval::{Finding, Options, Severity};
use crate::framework::Framework;
use crate::i18n::Lang;
use crate::model::Level;
use crate::query::{Query, UnitReport};
use crate::text::{fmt_num, fmt_pct, pad, pad_left, sanitize};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Unit code: that unit and everything below it (default: every unit)
    #[arg(long)]
    pub unit: Option<String>,
    /// Year to evaluate (default: the latest year with data)
    #[arg(long)]
    pub year: Option<u16>,
    /// Comparison year (default: the previous year with data)
    #[arg(long)]
    pub against: Option<u16>,
    /// Framework id (default: the one with data)
    #[arg(long)]
    pub framework: Option<String>,
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub format: String,
    /// Exit 1 when a finding has at least this severity (`none`: always exit 0)
    #[arg(long, default_value = "warning", value_parser = ["error", "warning", "info", "none"])]
    pub fail_on: String,
    /// Report only these finding kinds (stable names, comma-separated: missing,below_target,…)
    #[arg(long, value_delimiter = ',', value_name = "KIND,…")]
    pub kinds: Vec<String>,
    /// Leave these finding kinds out (e.g. --skip-kinds missing,near_target)
    #[arg(long, value_delimiter = ',', value_name = "KIND,…")]
    pub skip_kinds: Vec<String>,
    /// `missing` only for indicators some unit in scope has a figure for that year: a source
    /// that covers a few indicators is not reported missing the others
    #[arg(long)]
    pub covered_only: bool,
    #[command(flatten)]
    pub thresholds: Thresholds,
}

/// Rule thresholds; each defaults to the framework file's value (FORMAT.md's defaults unless
/// the framework says otherwise).
#[derive(clap::Args, Debug, Default, Clone)]
pub struct Thresholds {
    /// `declined` when a ratio worsens by more than this many percentage points [default: 2]
    #[arg(long)]
    pub declined_pp: Option<f64>,
    /// `declined` when a number worsens by more than this percent of its previous value [default: 5]
    #[arg(long)]
    pub declined_pct: Option<f64>,
    /// `near_target` when a ratio meets its target by less than this many points [default: 2]
    #[arg(long)]
    pub near_pp: Option<f64>,
    /// `near_target` when a number meets its target by less than this percent of it [default: 5]
    #[arg(long)]
    pub near_pct: Option<f64>,
    /// `percent_mismatch` tolerance in percentage points [default: 0.5]
    #[arg(long)]
    pub percent_tolerance: Option<f64>,
    /// `implausible_change` when a ratio moves more than this many points in a year [default: 20]
    #[arg(long)]
    pub implausible_pp: Option<f64>,
    /// `implausible_change` when a number or denominator moves more than this percent in a year [default: 33]
    #[arg(long)]
    pub implausible_pct: Option<f64>,
    /// `denominator_mismatch` tolerance, percent of the common value [default: 0 = exact]
    #[arg(long)]
    pub denominator_tolerance: Option<f64>,
}

impl Thresholds {
    /// The framework's options with the flags given applied on top.
    pub fn apply(&self, base: Options) -> anyhow::Result<Options> {
        let mut o = base;
        let pairs: [(Option<f64>, &mut f64); 8] = [
            (self.declined_pp, &mut o.declined_pp),
            (self.declined_pct, &mut o.declined_pct),
            (self.near_pp, &mut o.near_pp),
            (self.near_pct, &mut o.near_pct),
            (self.percent_tolerance, &mut o.percent_tolerance_pp),
            (self.implausible_pp, &mut o.implausible_pp),
            (self.implausible_pct, &mut o.implausible_pct),
            (self.denominator_tolerance, &mut o.denominator_tolerance_pct),
        ];
        for (v, into) in pairs {
            if let Some(x) = v {
                *into = x;
            }
        }
        o.validate().map_err(anyhow::Error::msg)?;
        Ok(o)
    }
}

/// Everything `check` prints, in every format.
pub struct CheckResult<'a> {
    pub fw: &'a Framework,
    pub year: u16,
    pub against: Option<u16>,
    pub reports: Vec<UnitReport>,
    pub findings: Vec<Finding>,
    /// Provincial overrides added to the store (not built in) that decide targets in scope:
    /// (id, province, decision, indicators).
    pub overrides: Vec<(String, String, String, Vec<String>)>,
}

/// The user-added overrides of `fw` for the provinces of the units in `scope`.
fn overrides_in_scope(
    q: &Query,
    fw: &Framework,
    scope: &[&crate::model::Unit],
) -> Vec<(String, String, String, Vec<String>)> {
    let provinces: std::collections::BTreeSet<String> = scope
        .iter()
        .flat_map(|u| q.units.chain(&u.code))
        .filter(|x| x.level == Level::Province)
        .map(|x| x.code.clone())
        .collect();
    q.reg
        .overrides
        .iter()
        .filter(|o| o.framework == fw.id && provinces.contains(&o.province))
        .filter_map(|o| {
            Some((
                o.added_as.clone()?,
                o.province.clone(),
                o.decision.clone(),
                o.targets.iter().map(|t| t.indicator.clone()).collect(),
            ))
        })
        .collect()
}

pub fn evaluate<'a>(q: &'a Query, a: &Args) -> anyhow::Result<CheckResult<'a>> {
    let fw = q.framework(a.framework.as_deref())?;
    let scope = q.scope(a.unit.as_deref())?;
    let (year, against) = q.resolve_years(fw, &scope, a.year, a.against)?;
    let opt = a.thresholds.apply(fw.options)?;
    let only = super::check_filter::parse_kinds(&a.kinds)?;
    let skip = super::check_filter::parse_kinds(&a.skip_kinds)?;
    // units are independent: evaluate them on every core, in scope order
    let bar = std::sync::Mutex::new(crate::progress::Progress::new(
        "check: units",
        scope.len() as u64,
    ));
    // NTM_THREADS caps it (a shared server's admin may want one core per user)
    let threads = std::env::var("NTM_THREADS")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .filter(|n| *n > 0)
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .min(8);
    let chunk = scope.len().div_ceil(threads).max(1);
    let parts: Vec<anyhow::Result<Vec<UnitReport>>> = std::thread::scope(|sc| {
        let handles: Vec<_> = scope
            .chunks(chunk)
            .map(|units| {
                let (bar, opt) = (&bar, &opt);
                sc.spawn(move || {
                    let mut out = Vec::new();
                    for (i, u) in units.iter().enumerate() {
                        let r = q.report(fw, u, year, against, opt)?;
                        if i % 64 == 63 {
                            bar.lock().expect("progress lock").inc(64);
                        }
                        if r.evaluation.is_some() {
                            out.push(slim(r));
                        }
                    }
                    Ok(out)
                })
            })
            .collect();
        handles
            .into_iter()
            .map(|h| h.join().expect("a check thread panicked"))
            .collect()
    });
    bar.into_inner().expect("progress lock").finish();
    let mut reports = Vec::new();
    let mut findings = Vec::new();
    for part in parts {
        for mut r in part? {
            findings.append(&mut r.findings);
            reports.push(r);
        }
    }
    super::check_filter::apply(&mut findings, &only, &skip, a.covered_only, reports.len());
    Query::sort_findings(&mut findings);
    let overrides = overrides_in_scope(q, fw, &scope);
    Ok(CheckResult {
        fw,
        year,
        against,
        reports,
        findings,
        overrides,
    })
}

/// A report without what `check` never prints (per-indicator statuses), so that a national
/// check does not hold every indicator of every unit until the end.
fn slim(mut r: UnitReport) -> UnitReport {
    if let Some(ev) = r.evaluation.as_mut() {
        ev.indicators = Vec::new();
    }
    r
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    let q = Query::new(&store)?;
    let res = evaluate(&q, &a)?;
    if res.reports.is_empty() {
        // FORMAT.md §3: a scope or year without any data is a data error, never a silent 0
        // (a cron job would report "all clear" forever)
        return Err(Fail(2, no_data(&q, &a, &res, ctx.lang)));
    }
    let out = match a.format.as_str() {
        "json" => serde_json::to_string_pretty(&to_json(&res))? + "\n",
        "csv" => to_csv(&res)?,
        _ => to_text(&res, ctx.lang),
    };
    print!("{out}");
    let fail = Severity::parse(&a.fail_on);
    let hit = fail.is_some_and(|f| res.findings.iter().any(|x| x.severity >= f));
    Ok(if hit {
        ExitCode::from(1)
    } else {
        ExitCode::SUCCESS
    })
}

/// "No data for this scope and year", with the years that do have data.
fn no_data(q: &Query, a: &Args, res: &CheckResult, lang: Lang) -> anyhow::Error {
    let scope = match a.unit.as_deref() {
        Some(u) => q
            .unit(u)
            .map(|x| format!("{} ({u})", crate::text::sanitize(&x.name)))
            .unwrap_or_else(|_| crate::text::sanitize(u)),
        None => match lang {
            Lang::Vi => "kho dữ liệu".into(),
            Lang::En => "the store".into(),
        },
    };
    // the years the scope itself has data in
    let years: Vec<String> = q
        .scope(a.unit.as_deref())
        .and_then(|units| q.years_of(res.fw, &units))
        .map(|ys| ys.iter().map(u16::to_string).collect())
        .unwrap_or_default();
    let years = if years.is_empty() {
        "—".to_string()
    } else {
        years.join(", ")
    };
    match lang {
        Lang::Vi => anyhow::anyhow!(
            "không có số liệu của {scope} năm {} theo bộ tiêu chí {}: không có gì để kiểm tra (các năm có số liệu: {years})",
            res.year,
            res.fw.id
        ),
        Lang::En => anyhow::anyhow!(
            "no data for {scope} in {} under {}: nothing to check (years with data: {years})",
            res.year,
            res.fw.id
        ),
    }
}

/// KPIs the reports quote, over the communes in scope.
pub struct Kpis {
    pub communes: usize,
    pub meeting: usize,
    pub avg_criteria: f64,
    /// Per criterion: communes meeting it.
    pub per_criterion: Vec<usize>,
}

pub fn kpis(res: &CheckResult) -> Kpis {
    let communes: Vec<&UnitReport> = res
        .reports
        .iter()
        .filter(|r| r.unit.level == Level::Commune)
        .collect();
    let n = communes.len();
    let mut per = vec![0; res.fw.criteria.len()];
    let mut total = 0;
    let mut meeting = 0;
    for r in &communes {
        let ev = r.evaluation.as_ref().expect("reports have evaluations");
        total += ev.criteria_met;
        meeting += usize::from(ev.meets_standard());
        for (i, s) in ev.criteria.iter().enumerate() {
            per[i] += usize::from(*s == crate::eval::Status::Met);
        }
    }
    Kpis {
        communes: n,
        meeting,
        avg_criteria: if n > 0 { total as f64 / n as f64 } else { 0.0 },
        per_criterion: per,
    }
}

pub fn to_json(res: &CheckResult) -> J {
    let units: Vec<J> = res
        .reports
        .iter()
        .map(|r| {
            let ev = r.evaluation.as_ref().expect("reports have evaluations");
            let mut u = json!({
                "code": r.unit.code,
                "name": r.unit.name,
                "level": r.unit.level.as_str(),
                "criteria_met": ev.criteria_met,
                "criteria_total": ev.criteria_total,
                "meets_standard": ev.meets_standard(),
                "recognized": r.recognized.as_ref().map(|x| json!({"kind": x.kind.as_str(), "year": x.year})),
                "criteria_basic": ev.basic.iter().filter(|b| **b).count(),
                "revocation_risk": r.risk.map(|x| x.as_str()),
            });
            // optional (history extension): why a merged unit has the recognition it has
            if let Some(note) = r.recognition.explain(false) {
                u["recognition_basis"] = json!(basis_str(&r.recognition.basis));
                u["recognition_note"] = json!(note);
                u["recognition_note_vi"] = json!(r.recognition.explain(true));
            }
            u
        })
        .collect();
    let findings: Vec<J> = res
        .findings
        .iter()
        .map(|f| {
            json!({
                "unit": f.unit,
                "indicator": f.indicator,
                "year": f.year,
                "kind": f.kind.as_str(),
                "severity": f.severity.as_str(),
                "message": f.message,
            })
        })
        .collect();
    let k = kpis(res);
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &res.findings {
        *by_kind.entry(f.kind.as_str()).or_default() += 1;
    }
    let per: serde_json::Map<String, J> = res
        .fw
        .criteria
        .iter()
        .zip(&k.per_criterion)
        .map(|(c, n)| {
            (
                c.code.clone(),
                json!(if k.communes > 0 {
                    *n as f64 * 100.0 / k.communes as f64
                } else {
                    0.0
                }),
            )
        })
        .collect();
    let mut out = json!({
        "framework": res.fw.id,
        "year": res.year,
        "against": res.against,
        "units": units,
        "findings": findings,
        "summary": {
            "communes": k.communes,
            "communes_meeting_standard": k.meeting,
            "average_criteria_met": k.avg_criteria,
            "criteria_total": res.fw.criteria.len(),
            "percent_communes_meeting_criterion": per,
            "findings_by_kind": by_kind,
        }
    });
    // optional: user-added provincial overrides that decide targets here
    if !res.overrides.is_empty() {
        out["overrides"] = res
            .overrides
            .iter()
            .map(|(id, p, d, inds)| json!({"id": id, "province": p, "decision": d, "indicators": inds}))
            .collect();
    }
    out
}

fn to_csv(res: &CheckResult) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    // unit_name: an added column (FORMAT.md §3 fields unchanged), for people reading the file
    w.write_record([
        "unit",
        "unit_name",
        "indicator",
        "year",
        "kind",
        "severity",
        "message",
    ])?;
    let names = unit_names(res);
    for f in &res.findings {
        w.write_record([
            f.unit.as_str(),
            names.get(f.unit.as_str()).copied().unwrap_or(""),
            f.indicator.as_deref().unwrap_or(""),
            &f.year.to_string(),
            f.kind.as_str(),
            f.severity.as_str(),
            f.message.as_str(),
        ])?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// Unit code → name, for the units checked.
fn unit_names<'r>(res: &'r CheckResult) -> std::collections::HashMap<&'r str, &'r str> {
    res.reports
        .iter()
        .map(|r| (r.unit.code.as_str(), r.unit.name.as_str()))
        .collect()
}

/// `decision`, `inherited` or `override`.
pub fn basis_str(b: &crate::eval::lineage::Basis) -> &'static str {
    match b {
        crate::eval::lineage::Basis::Decision => "decision",
        crate::eval::lineage::Basis::Inherited(_) => "inherited",
        crate::eval::lineage::Basis::Override(_) => "override",
    }
}

/// i18n key of a revocation-risk level.
pub fn risk_key(r: crate::eval::Risk) -> &'static str {
    match r {
        crate::eval::Risk::None => "risk_none",
        crate::eval::Risk::Low => "risk_low",
        crate::eval::Risk::Medium => "risk_medium",
        crate::eval::Risk::High => "risk_high",
    }
}

pub fn sev_label(s: Severity, lang: Lang) -> &'static str {
    match s {
        Severity::Error => lang.t("sev_error"),
        Severity::Warning => lang.t("sev_warning"),
        Severity::Info => lang.t("sev_info"),
    }
}

fn to_text(res: &CheckResult, lang: Lang) -> String {
    let st = lang.num_style();
    let mut o = String::new();
    let name = if lang == Lang::Vi {
        &res.fw.name
    } else {
        &res.fw.name_en
    };
    o += &format!(
        "{}: {} ({})\n",
        lang.t("framework"),
        sanitize(name),
        res.fw.id
    );
    o += &format!(
        "{}: {}   {}: {}\n\n",
        lang.t("year"),
        res.year,
        lang.t("against"),
        res.against
            .map(|a| a.to_string())
            .unwrap_or_else(|| lang.t("none").into())
    );
    for (id, p, d, inds) in &res.overrides {
        o += &sanitize(&if lang == Lang::Vi {
            format!(
                "Quy định riêng do người dùng thêm (id {id}, tỉnh {p}, {d}) quyết định yêu cầu của: {}\n",
                inds.join(", ")
            )
        } else {
            format!(
                "Targets decided by an override a user added (id {id}, province {p}, {d}): {}\n",
                inds.join(", ")
            )
        });
        o += "\n";
    }
    let nw = res
        .reports
        .iter()
        .map(|r| crate::text::width(&r.unit.name))
        .max()
        .unwrap_or(4)
        .clamp(8, 30);
    o += &format!(
        "{}  {}  {}  {}  {}  {}\n",
        pad(lang.t("unit"), nw),
        pad(lang.t("code"), 14),
        pad_left(lang.t("criteria_met"), 10),
        pad(lang.t("standard"), 9),
        pad(lang.t("recognized"), 10),
        lang.t("revocation_risk")
    );
    for r in &res.reports {
        let ev = r.evaluation.as_ref().expect("reports have evaluations");
        o += &format!(
            "{}  {}  {}  {}  {}  {}\n",
            pad(&sanitize(&r.unit.name), nw),
            pad(&sanitize(&r.unit.code), 14),
            pad_left(&format!("{}/{}", ev.criteria_met, ev.criteria_total), 10),
            pad(
                if ev.meets_standard() {
                    lang.t("yes")
                } else {
                    lang.t("no")
                },
                9
            ),
            pad(
                &r.recognized
                    .as_ref()
                    .map(|x| format!("{} {}", x.kind.as_str(), x.year))
                    .unwrap_or_else(|| lang.t("none").into()),
                10
            ),
            r.risk.map(|x| lang.t(risk_key(x))).unwrap_or("")
        );
    }
    // merged units: where their recognition comes from
    for r in &res.reports {
        if let Some(note) = r.recognition.explain(lang == Lang::Vi) {
            o += &format!(
                "  {} — {}: {}\n",
                sanitize(&r.unit.name),
                lang.t("recognized"),
                sanitize(&note)
            );
        }
    }
    let k = kpis(res);
    if k.communes > 0 {
        o += &format!(
            "\n{}: {}/{} ({})   {}: {}/{}\n",
            lang.t("communes_meeting"),
            k.meeting,
            k.communes,
            fmt_pct(k.meeting as f64 * 100.0 / k.communes as f64, st),
            lang.t("avg_criteria"),
            fmt_num(k.avg_criteria, 1, st),
            res.fw.criteria.len()
        );
    }
    let mut by_kind: BTreeMap<&str, usize> = BTreeMap::new();
    for f in &res.findings {
        *by_kind.entry(f.kind.as_str()).or_default() += 1;
    }
    let counts: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    o += &format!(
        "\n{} ({}){}{}\n",
        lang.t("findings"),
        res.findings.len(),
        if counts.is_empty() { "" } else { ": " },
        counts.join(", ")
    );
    if res.findings.is_empty() {
        o += lang.t("no_findings");
        o += "\n";
    }
    for f in &res.findings {
        let msg = if lang == Lang::Vi {
            &f.message_vi
        } else {
            &f.message
        };
        o += &format!(
            "{}  {}  {}  {}  {}\n",
            pad(sev_label(f.severity, lang), 9),
            pad(&sanitize(&f.unit), 14),
            pad(f.indicator.as_deref().unwrap_or("-"), 6),
            pad(f.kind.as_str(), 29),
            sanitize(msg)
        );
    }
    o
}
