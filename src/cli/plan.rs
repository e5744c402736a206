//! `ntm plan`: the way to the standard — what each unit still needs, in the indicators' own
//! units, when it would get there at its pace, and the communes ranked by closeness.

use std::process::ExitCode;

use serde_json::{Value as J, json};

use super::{Ctx, Fail, Res};
use crate::eval::plan::{Gap, HORIZON_YEARS, Need, PACE_YEARS};
use crate::framework::Framework;
use crate::i18n::Lang;
use crate::model::{Level, TargetValue, Value};
use crate::query::Query;
use crate::query::plan::{
    PlanEntry, ScopePlan, explain_text, kind_key, method_text, need_text, pace_text, reach_text,
    risk_key, status_str, target_text, total_text, unit_reach_short, value_text,
};
use crate::text::{fmt_plain, pad, pad_left, sanitize, width};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Unit code: a commune's plan, or a district's (province's) communes ranked, with the
    /// totals (default: every unit)
    #[arg(long)]
    pub unit: Option<String>,
    /// Year to plan from (default: the latest year with data)
    #[arg(long)]
    pub year: Option<u16>,
    /// Framework id (default: the one with data)
    #[arg(long)]
    pub framework: Option<String>,
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "json", "csv"])]
    pub format: String,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    let q = Query::new(&store)?;
    let fw = q.framework(a.framework.as_deref())?;
    let scope = q.scope(a.unit.as_deref())?;
    let (year, _) = q.resolve_years(fw, &scope, a.year, None)?;
    let sp = q.plan(fw, &scope, year)?;
    if sp.entries.is_empty() {
        // like `check`: a scope or year without data is a data error, never an empty plan
        return Err(Fail(2, no_data(&q, fw, &a, year, ctx.lang)));
    }
    let scope_unit = a.unit.as_deref().and_then(|c| q.units.get(c));
    match a.format.as_str() {
        // JSON escapes control characters itself; CSV fields are sanitised one by one
        "json" => println!(
            "{}",
            serde_json::to_string_pretty(&to_json(fw, &sp, scope_unit))?
        ),
        "csv" => print!("{}", to_csv(fw, &sp)?),
        _ => say!(
            "{}",
            to_text(fw, &sp, scope_unit, ctx.lang).trim_end_matches('\n')
        ),
    }
    Ok(ExitCode::SUCCESS)
}

fn no_data(q: &Query, fw: &Framework, a: &Args, year: u16, lang: Lang) -> anyhow::Error {
    let scope = match a.unit.as_deref() {
        Some(u) => q
            .unit(u)
            .map(|x| format!("{} ({u})", sanitize(&x.name)))
            .unwrap_or_else(|_| sanitize(u)),
        None => lang.t("plan_the_store").to_string(),
    };
    let years: Vec<String> = q
        .scope(a.unit.as_deref())
        .and_then(|units| q.years_of(fw, &units))
        .map(|ys| ys.iter().map(u16::to_string).collect())
        .unwrap_or_default();
    let years = if years.is_empty() {
        "—".to_string()
    } else {
        years.join(", ")
    };
    anyhow::anyhow!(
        "{} {scope} {} {year} ({}): {} ({}: {years})",
        lang.t("plan_no_data_of"),
        lang.t("plan_in_year"),
        fw.id,
        lang.t("plan_nothing_to_plan"),
        lang.t("plan_years_with_data"),
    )
}

// ---- text

fn name_in<'a>(vi: &'a str, en: &'a str, lang: Lang) -> &'a str {
    if lang == Lang::En && !en.is_empty() {
        en
    } else {
        vi
    }
}

fn to_text(
    fw: &Framework,
    sp: &ScopePlan,
    scope: Option<&crate::model::Unit>,
    lang: Lang,
) -> String {
    let mut o = String::new();
    let title = match scope {
        Some(u) => format!("{} ({})", sanitize(&u.name), sanitize(&u.code)),
        None => lang.t("plan_the_store").to_string(),
    };
    o += &format!(
        "{} — {title}, {} {}\n",
        lang.t("plan_title"),
        lang.t("plan_in_year"),
        sp.year
    );
    o += &format!(
        "{}: {} ({})\n",
        lang.t("framework"),
        sanitize(name_in(&fw.name, &fw.name_en, lang)),
        fw.id
    );
    o += &method_text(lang);
    o += "\n";
    let one_commune = scope.is_some_and(|u| u.level == Level::Commune);
    if !one_commune {
        o += &overview(fw, sp, lang);
    }
    for e in sp.ranked().chain(sp.aggregates()) {
        o += "\n";
        o += &unit_text(fw, e, lang);
    }
    if one_commune {
        // a commune that meets the standard still gets its line
        for e in sp.meeting() {
            o += "\n";
            o += &unit_text(fw, e, lang);
        }
    }
    o
}

/// The district view: who meets the standard, the ranking, the totals, next year's candidates.
fn overview(fw: &Framework, sp: &ScopePlan, lang: Lang) -> String {
    let mut o = String::new();
    let n = sp.communes();
    if n == 0 {
        o += &format!("\n{} {}.\n", lang.t("plan_no_commune_data"), sp.year);
        return o;
    }
    let meeting: Vec<String> = sp.meeting().map(|e| sanitize(&e.unit.name)).collect();
    o += &format!(
        "\n{} {}: {}/{n}{}\n",
        lang.t("plan_meeting"),
        sp.year,
        meeting.len(),
        if meeting.is_empty() {
            String::new()
        } else {
            format!(" ({})", meeting.join(", "))
        }
    );
    let ranked: Vec<&PlanEntry> = sp.ranked().collect();
    if ranked.is_empty() {
        return o;
    }
    o += &format!("\n{}:\n", lang.t("plan_ranking"));
    let nw = ranked
        .iter()
        .map(|e| width(&sanitize(&e.unit.name)))
        .max()
        .unwrap_or(4)
        .clamp(4, 24);
    let mw = 44;
    o += &format!(
        "{}  {}  {}  {}  {}\n",
        pad_left("#", 3),
        pad(lang.t("commune"), nw),
        pad(lang.t("plan_col_away"), 9),
        pad(lang.t("plan_col_missing"), mw),
        lang.t("plan_col_reach")
    );
    for e in &ranked {
        let missing: Vec<String> = e
            .plan
            .gaps()
            .map(|g| {
                let ind = &fw.indicators[g.indicator];
                format!("{} {}", ind.code, need_text(ind, g.need, lang))
            })
            .collect();
        o += &format!(
            "{}  {}  {}  {}  {}\n",
            pad_left(&e.rank.unwrap_or(0).to_string(), 3),
            pad(&sanitize(&e.unit.name), nw),
            pad(
                &format!("{} {}", e.plan.criteria_away(), lang.t("crit_short")),
                9
            ),
            pad(&missing.join(", "), mw),
            unit_reach_short(&e.plan, lang)
        );
    }
    o += &format!("\n{}:\n", lang.t("plan_totals"));
    for t in &sp.totals {
        let ind = &fw.indicators[t.indicator];
        o += &format!(
            "  {}  {}  {}\n",
            pad(&ind.code, 6),
            pad(&sanitize(name_in(&ind.name, &ind.name_en, lang)), 34),
            total_text(ind, t, lang)
        );
    }
    let next: Vec<String> = sp.next_year().map(|e| sanitize(&e.unit.name)).collect();
    o += &format!(
        "\n{} {}: {}\n",
        lang.t("plan_next_year"),
        sp.year + 1,
        if next.is_empty() {
            lang.t("plan_none_next").to_string()
        } else {
            next.join(", ")
        }
    );
    o
}

/// One unit's plan: its standing, then per missing criterion each indicator's shortfall, how
/// it was worked out, and its pace.
fn unit_text(fw: &Framework, e: &PlanEntry, lang: Lang) -> String {
    let p = &e.plan;
    let ev = &p.evaluation;
    let mut head = format!("{} ({})", sanitize(&e.unit.name), sanitize(&e.unit.code));
    if e.unit.level != Level::Commune {
        head += &format!(" — {}", lang.t("plan_aggregate"));
    }
    let standing = if p.meets_standard() {
        format!(
            "{} ({}/{})",
            lang.t("plan_meets"),
            ev.criteria_met,
            ev.criteria_total
        )
    } else {
        format!(
            "{} {}/{} {}",
            lang.t("plan_away"),
            p.criteria_away(),
            ev.criteria_total,
            lang.t("plan_criteria")
        )
    };
    let mut o = format!("{head}: {standing}");
    if let Some(r) = &e.recognized {
        o += &format!(
            "; {} {} {}",
            lang.t("recognized").to_lowercase(),
            lang.t(kind_key(r.kind)),
            r.year
        );
        if let Some(risk) = e.risk {
            o += &format!(
                ", {} {}",
                lang.t("revocation_risk").to_lowercase(),
                lang.t(risk_key(risk))
            );
        }
        if e.must_restore() {
            o += &format!(" — {}", lang.t("plan_restore"));
        }
    }
    o += "\n";
    if let Some(rank) = e.rank {
        let reach = unit_reach_short(p, lang);
        o += &format!(
            "  {} {rank}; {}: {reach}\n",
            lang.t("plan_rank"),
            lang.t("plan_col_reach")
        );
    }
    for c in &p.criteria {
        let crit = &fw.criteria[c.criterion];
        let mut line = format!(
            "  {} {} {}",
            lang.t("crit_short"),
            crit.code,
            sanitize(name_in(&crit.name, &crit.name_en, lang))
        );
        if let Some(y) = c.met_before {
            line += &format!(" ({} {y})", lang.t("plan_met_before"));
        }
        o += &line;
        o += "\n";
        if c.gaps.is_empty() {
            o += &format!("    {}\n", lang.t("plan_no_target"));
        }
        for g in &c.gaps {
            o += &gap_text(fw, g, lang);
        }
    }
    o
}

fn gap_text(fw: &Framework, g: &Gap, lang: Lang) -> String {
    let ind = &fw.indicators[g.indicator];
    let mut o = format!(
        "    {}  {}  {}  → {}\n",
        pad(&ind.code, 6),
        pad(&target_text(ind, g, lang), 8),
        value_text(ind, g, lang),
        need_text(ind, g.need, lang)
    );
    let explain = explain_text(g, lang);
    if !explain.is_empty() {
        o += &format!("          {explain}\n");
    }
    let pace = pace_text(ind, g, lang);
    let reach = reach_text(g.reach, lang);
    match (pace.is_empty(), reach.is_empty()) {
        (false, _) => o += &format!("          {} {pace}: {reach}\n", lang.t("plan_pace")),
        (true, false) => o += &format!("          {reach}\n"),
        (true, true) => {}
    }
    o
}

// ---- JSON and CSV (machine output: plain numbers, stable identifiers)

/// The shortfall's unit: the indicator's (as the framework writes it) for counts, measures and
/// numbers, `percentage_points` for a percentage only, none for pass/fail or no data.
fn shortfall_unit(fw: &Framework, g: &Gap) -> Option<String> {
    match g.need {
        Need::Count { .. } | Need::Measure { .. } | Need::Amount { .. } => {
            Some(fw.indicators[g.indicator].unit.clone())
        }
        Need::Points { .. } => Some("percentage_points".into()),
        Need::MustPass | Need::NoData => None,
    }
}

fn direction(n: Need) -> Option<&'static str> {
    match n {
        Need::MustPass | Need::NoData => None,
        n if n.fewer() => Some("fewer"),
        _ => Some("more"),
    }
}

fn target_json(g: &Gap) -> J {
    match g.target.as_ref().map(|t| t.value) {
        Some(TargetValue::Number(x)) => json!(x),
        Some(TargetValue::Pass(p)) => json!(p),
        None => J::Null,
    }
}

fn value_json(v: Option<Value>) -> J {
    match v {
        Some(Value::Number(x)) => json!(x),
        Some(Value::Pass(p)) => json!(p),
        None => J::Null,
    }
}

fn gap_json(fw: &Framework, e: &PlanEntry, g: &Gap) -> J {
    let ind = &fw.indicators[g.indicator];
    json!({
        "unit": e.unit.code,
        "indicator": ind.code,
        "criterion": fw.criteria[ind.criterion].code,
        "year": e.plan.year,
        "comparison": g.target.as_ref().map(|t| t.comparison.ascii()),
        "target": target_json(g),
        "value": value_json(g.value),
        "numerator": g.numerator,
        "denominator": g.denominator,
        "shortfall": g.need.amount(),
        "shortfall_unit": shortfall_unit(fw, g),
        "direction": direction(g.need),
        "basis": g.need.basis(),
        "pace_per_year": g.pace.map(|p| p.per_year),
        "pace_from": g.pace.map(|p| p.from),
        "reach": g.reach.as_str(),
        "reach_year": g.reach.year(),
    })
}

fn to_json(fw: &Framework, sp: &ScopePlan, scope: Option<&crate::model::Unit>) -> J {
    let units: Vec<J> = sp
        .entries
        .iter()
        .map(|e| {
            let p = &e.plan;
            json!({
                "code": e.unit.code,
                "name": e.unit.name,
                "level": e.unit.level.as_str(),
                "rank": e.rank,
                "criteria_met": p.evaluation.criteria_met,
                "criteria_total": p.evaluation.criteria_total,
                "criteria_away": p.criteria_away(),
                "meets_standard": p.meets_standard(),
                "recognized": e.recognized.as_ref().map(|r| json!({"kind": r.kind.as_str(), "year": r.year})),
                "revocation_risk": e.risk.map(|r| r.as_str()),
                "must_restore": e.must_restore(),
                "reach_year": p.reach_year(),
                "criteria": p.criteria.iter().map(|c| json!({
                    "criterion": fw.criteria[c.criterion].code,
                    "status": status_str(c.status),
                    "met_before": c.met_before,
                    "indicators": c.gaps.iter().map(|g| fw.indicators[g.indicator].code.clone()).collect::<Vec<_>>(),
                })).collect::<Vec<_>>(),
            })
        })
        .collect();
    let shortfalls: Vec<J> = sp
        .entries
        .iter()
        .flat_map(|e| e.plan.gaps().map(move |g| gap_json(fw, e, g)))
        .collect();
    let totals: Vec<J> = sp
        .totals
        .iter()
        .map(|t| {
            let ind = &fw.indicators[t.indicator];
            json!({
                "indicator": ind.code,
                "communes": t.units,
                "shortfall": (t.counted > 0).then_some(t.amount),
                "shortfall_unit": (t.counted > 0).then(|| ind.unit.clone()),
                "direction": (t.counted > 0).then_some(if t.fewer { "fewer" } else { "more" }),
                "communes_counted": t.counted,
                "communes_percent_only": t.percent_only,
                "communes_number": t.numbers,
                "largest_number_shortfall": (t.numbers > 0).then_some(t.largest),
                "communes_must_pass": t.must_pass,
                "communes_no_data": t.no_data,
            })
        })
        .collect();
    json!({
        "framework": fw.id,
        "year": sp.year,
        "scope": scope.map(|u| json!({"code": u.code, "name": u.name, "level": u.level.as_str()})),
        "method": {
            "pace": format!("average yearly change over the last {PACE_YEARS} years, from the earliest year with data in them to the planned year"),
            "pace_years": PACE_YEARS,
            "horizon_years": HORIZON_YEARS,
            "ranking": "fewest criteria missing, then fewest pass/fail or missing indicators, then the smallest total distance (percentage points for ratios, percent of the target for numbers)",
        },
        "units": units,
        "shortfalls": shortfalls,
        "totals": totals,
        "next_year": sp.next_year().map(|e| e.unit.code.clone()).collect::<Vec<_>>(),
    })
}

fn opt(v: Option<f64>) -> String {
    v.map(fmt_plain).unwrap_or_default()
}

fn to_csv(fw: &Framework, sp: &ScopePlan) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record([
        "unit",
        "name",
        "rank",
        "criterion",
        "indicator",
        "year",
        "comparison",
        "target",
        "value",
        "numerator",
        "denominator",
        "shortfall",
        "shortfall_unit",
        "direction",
        "basis",
        "pace_per_year",
        "pace_from",
        "reach",
        "reach_year",
    ])?;
    for e in &sp.entries {
        for g in e.plan.gaps() {
            let ind = &fw.indicators[g.indicator];
            let target = match g.target.as_ref().map(|t| t.value) {
                Some(TargetValue::Number(x)) => fmt_plain(x),
                Some(TargetValue::Pass(p)) => p.to_string(),
                None => String::new(),
            };
            let value = match g.value {
                Some(Value::Number(x)) => fmt_plain(x),
                Some(Value::Pass(p)) => p.to_string(),
                None => String::new(),
            };
            w.write_record([
                sanitize(&e.unit.code),
                sanitize(&e.unit.name),
                e.rank.map(|r| r.to_string()).unwrap_or_default(),
                fw.criteria[ind.criterion].code.clone(),
                ind.code.clone(),
                e.plan.year.to_string(),
                g.target
                    .as_ref()
                    .map(|t| t.comparison.ascii().to_string())
                    .unwrap_or_default(),
                target,
                value,
                opt(g.numerator),
                opt(g.denominator),
                opt(g.need.amount()),
                shortfall_unit(fw, g).unwrap_or_default(),
                direction(g.need).unwrap_or("").to_string(),
                g.need.basis().to_string(),
                opt(g.pace.map(|p| p.per_year)),
                g.pace.map(|p| p.from.to_string()).unwrap_or_default(),
                g.reach.as_str().to_string(),
                g.reach.year().map(|y| y.to_string()).unwrap_or_default(),
            ])?;
        }
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}
