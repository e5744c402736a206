//! The way to the standard over a scope: each unit's plan from its rows (`eval::plan`), the
//! communes ranked by closeness, the totals a plan needs, and the words the command line and
//! the interface both use to say it.

use anyhow::Result;

use super::Query;
use crate::eval::plan::{self, Gap, Need, Reach, Total, UnitPlan};
use crate::eval::{self, Risk};
use crate::framework::{Framework, Indicator};
use crate::i18n::Lang;
use crate::model::{Comparison, Kind, Level, Recognition, Unit, Value};
use crate::text::{fmt_num, fmt_pct};

/// One unit's way to the standard, with what the plan says about its recognition.
#[derive(Clone, Debug)]
pub struct PlanEntry {
    pub unit: Unit,
    pub plan: UnitPlan,
    /// The recognition in force in the plan's year.
    pub recognized: Option<Recognition>,
    /// Revocation risk, for a recognised unit.
    pub risk: Option<Risk>,
    /// Place among the communes that do not meet the standard, closest first (from 1).
    pub rank: Option<usize>,
}

impl PlanEntry {
    /// A recognised unit that no longer meets every criterion: the plan is what to restore.
    pub fn must_restore(&self) -> bool {
        self.recognized.is_some() && !self.plan.meets_standard()
    }
}

/// The plans of every unit in a scope with data in the year.
#[derive(Clone, Debug)]
pub struct ScopePlan {
    pub year: u16,
    /// Communes not meeting the standard by rank, then communes meeting it (by name), then
    /// units above communes that have rows of their own (a district's aggregate rows).
    pub entries: Vec<PlanEntry>,
    /// Per indicator, what the ranked communes need together.
    pub totals: Vec<Total>,
}

impl ScopePlan {
    /// Communes not meeting the standard, closest first.
    pub fn ranked(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries.iter().filter(|e| e.rank.is_some())
    }
    /// Communes meeting the standard.
    pub fn meeting(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries
            .iter()
            .filter(|e| e.unit.level == Level::Commune && e.plan.meets_standard())
    }
    /// Communes with data in the year.
    pub fn communes(&self) -> usize {
        self.entries
            .iter()
            .filter(|e| e.unit.level == Level::Commune)
            .count()
    }
    /// Units above communes planned on their own rows.
    pub fn aggregates(&self) -> impl Iterator<Item = &PlanEntry> {
        self.entries
            .iter()
            .filter(|e| e.unit.level != Level::Commune)
    }
    /// Communes that would meet the standard next year at their pace.
    pub fn next_year(&self) -> impl Iterator<Item = &PlanEntry> {
        let next = self.year + 1;
        self.ranked()
            .filter(move |e| e.plan.reach_year().is_some_and(|y| y <= next))
    }
}

impl Query<'_> {
    /// One unit's plan for `year`; None when it has no row that year.
    pub fn plan_of(&self, fw: &Framework, unit: &Unit, year: u16) -> Result<Option<PlanEntry>> {
        let rows = self.rows(&unit.code, fw)?;
        let targets = self.targets(fw, &unit.code);
        let indexed = rows
            .iter()
            .map(|(y, r)| (*y, eval::by_indicator(fw, r)))
            .collect();
        let Some(p) = plan::plan_unit(fw, &targets, &indexed, year) else {
            return Ok(None);
        };
        let recognized = self.recognition(&unit.code, year).recognized;
        let risk = recognized
            .as_ref()
            .map(|_| eval::revocation_risk(fw, &p.evaluation));
        Ok(Some(PlanEntry {
            unit: unit.clone(),
            plan: p,
            recognized,
            risk,
            rank: None,
        }))
    }

    /// The plans of `units` that existed and have rows in `year`: communes ranked by closeness
    /// to the standard, totals over the ranked ones.
    pub fn plan(&self, fw: &Framework, units: &[&Unit], year: u16) -> Result<ScopePlan> {
        let mut communes = Vec::new();
        let mut meeting = Vec::new();
        let mut above = Vec::new();
        for u in units.iter().filter(|u| u.valid_in(year)) {
            let Some(e) = self.plan_of(fw, u, year)? else {
                continue;
            };
            match (u.level, e.plan.meets_standard()) {
                (Level::Commune, false) => communes.push(e),
                (Level::Commune, true) => meeting.push(e),
                _ => above.push(e),
            }
        }
        let by_name = |a: &PlanEntry, b: &PlanEntry| {
            crate::text::fold(&a.unit.name)
                .cmp(&crate::text::fold(&b.unit.name))
                .then_with(|| a.unit.code.cmp(&b.unit.code))
        };
        communes.sort_by(|a, b| plan::by_closeness(&a.plan, &b.plan).then_with(|| by_name(a, b)));
        for (i, e) in communes.iter_mut().enumerate() {
            e.rank = Some(i + 1);
        }
        meeting.sort_by(by_name);
        above.sort_by(|a, b| a.unit.level.cmp(&b.unit.level).then_with(|| by_name(a, b)));
        let totals = plan::totals(communes.iter().map(|e| &e.plan));
        let mut entries = communes;
        entries.extend(meeting);
        entries.extend(above);
        Ok(ScopePlan {
            year,
            entries,
            totals,
        })
    }
}

// ---- words: the same sentences on the command line and in the interface

/// A catalogue template with `{n}` (a number) and `{u}` (a unit) filled in: word order
/// differs between the languages ("thêm 42 hộ", "42 more households").
fn fill(lang: Lang, key: &'static str, n: &str, u: &str) -> String {
    let s = lang.t(key).replace("{n}", n).replace("{u}", u);
    let s = s.trim();
    if lang == Lang::En && n == "1" {
        singular_en(s)
    } else {
        s.to_string()
    }
}

/// "1 more household", "in 1 commune": English plurals after a count of one.
fn singular_en(s: &str) -> String {
    const PLURALS: [(&str, &str); 10] = [
        ("communes", "commune"),
        ("households", "household"),
        ("villages", "village"),
        ("schools", "school"),
        ("pupils", "pupil"),
        ("children", "child"),
        ("people", "person"),
        ("establishments", "establishment"),
        ("workers", "worker"),
        ("years", "year"),
    ];
    s.split(' ')
        .map(|w| {
            PLURALS
                .iter()
                .find(|(p, _)| *p == w)
                .map_or(w, |(_, one)| *one)
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// The indicator's unit in the language: the framework files write them in Vietnamese.
pub fn unit_words(unit: &str, lang: Lang) -> String {
    let u = unit.trim();
    if lang == Lang::Vi {
        return u.to_string();
    }
    match u {
        "hộ" => "households",
        "người" => "people",
        "trẻ em" => "children",
        "trường" => "schools",
        "thôn" => "villages",
        "học sinh" => "pupils",
        "cơ sở" => "establishments",
        "hộ, cơ sở" => "households and establishments",
        "xã" => "communes",
        "lao động" => "workers",
        "triệu đồng/người/năm" => "million VND/person/year",
        other => other,
    }
    .to_string()
}

/// The indicator's unit, sanitised for a terminal.
fn unit_of(ind: &Indicator, lang: Lang) -> String {
    crate::text::sanitize(&unit_words(&ind.unit, lang))
}

/// What is left, short: `thêm 42 hộ`, `bớt 5 hộ`, `thiếu 6,5 điểm %`, `cần đạt`.
pub fn need_text(ind: &Indicator, need: Need, lang: Lang) -> String {
    let st = lang.num_style();
    let u = unit_of(ind, lang);
    match need {
        Need::Count { amount, fewer } => fill(
            lang,
            if fewer { "plan_fewer" } else { "plan_more" },
            &fmt_num(amount, 0, st),
            &u,
        ),
        Need::Measure { amount, fewer } => fill(
            lang,
            if fewer { "plan_fewer" } else { "plan_more" },
            &fmt_num(amount, 2, st),
            &u,
        ),
        Need::Amount { amount, fewer } => fill(
            lang,
            if fewer { "plan_over" } else { "plan_short" },
            &fmt_num(amount, 2, st),
            &u,
        ),
        Need::Points { points, fewer } => fill(
            lang,
            if fewer { "plan_over" } else { "plan_short" },
            &fmt_num(points, 1, st),
            lang.t("plan_points"),
        ),
        Need::MustPass => lang.t("plan_must_pass").to_string(),
        Need::NoData => lang.t("plan_no_data").to_string(),
    }
}

/// How the shortfall was worked out: `⌈60% × 632⌉ − 338 = 380 − 338 = 42`; for a percentage
/// without counts, why no count can be given. Empty for pass/fail and no data.
pub fn explain_text(g: &Gap, lang: Lang) -> String {
    let st = lang.num_style();
    let Some(crate::model::TargetValue::Number(t)) = g.target.as_ref().map(|t| t.value) else {
        return String::new();
    };
    let x = match g.value {
        Some(Value::Number(x)) => x,
        _ => return String::new(),
    };
    let n = |v: f64| fmt_num(v, 3, st);
    match (g.need, g.numerator, g.denominator) {
        (Need::Count { amount, fewer }, Some(num), Some(den)) => {
            if fewer {
                format!(
                    "{} − ⌊{} × {}⌋ = {} − {} = {}",
                    n(num),
                    fmt_pct(t, st),
                    n(den),
                    n(num),
                    n(num - amount),
                    n(amount)
                )
            } else {
                format!(
                    "⌈{} × {}⌉ − {} = {} − {} = {}",
                    fmt_pct(t, st),
                    n(den),
                    n(num),
                    n(num + amount),
                    n(num),
                    n(amount)
                )
            }
        }
        (Need::Measure { amount, fewer }, Some(num), Some(den)) => {
            if fewer {
                format!(
                    "{} − {} × {} ≈ {}",
                    n(num),
                    fmt_pct(t, st),
                    n(den),
                    fmt_num(amount, 2, st)
                )
            } else {
                format!(
                    "{} × {} − {} ≈ {}",
                    fmt_pct(t, st),
                    n(den),
                    n(num),
                    fmt_num(amount, 2, st)
                )
            }
        }
        (Need::Points { .. }, _, _) => lang.t("plan_percent_only").to_string(),
        (Need::Amount { amount, fewer }, _, _) => {
            if fewer {
                format!("{} − {} = {}", n(x), n(t), n(amount))
            } else {
                format!("{} − {} = {}", n(t), n(x), n(amount))
            }
        }
        _ => String::new(),
    }
}

/// The pace: `−3,48 điểm % mỗi năm (2017–2020)`; empty when there is none.
pub fn pace_text(ind: &Indicator, g: &Gap, lang: Lang) -> String {
    let Some(p) = g.pace else {
        return String::new();
    };
    let st = lang.num_style();
    let v = fmt_num(p.per_year, 2, st);
    let v = if p.per_year > 0.0 && v != "0" {
        format!("+{v}")
    } else {
        v.replacen('-', "−", 1)
    };
    let u = if ind.kind == Kind::Ratio {
        lang.t("plan_points").to_string()
    } else {
        unit_of(ind, lang)
    };
    format!("{v} {u} {} ({}–{})", lang.t("plan_each_year"), p.from, p.to)
}

/// When the target is met at this pace, in full.
pub fn reach_text(r: Reach, lang: Lang) -> String {
    match r {
        Reach::Year(y) => format!("{} {y}", lang.t("plan_reach_in")),
        Reach::Away => lang.t("plan_reach_away").to_string(),
        Reach::TooSlow => fill(
            lang,
            "plan_reach_too_slow",
            &plan::HORIZON_YEARS.to_string(),
            "",
        ),
        Reach::Insufficient => lang.t("plan_reach_insufficient").to_string(),
        Reach::NoPace => String::new(),
    }
}

/// When the target is met at this pace, for a table column: `2022`, `không (đi xuống)` ...
pub fn reach_short(r: Reach, lang: Lang) -> String {
    match r {
        Reach::Year(y) => y.to_string(),
        Reach::Away => lang.t("plan_reach_away_short").to_string(),
        Reach::TooSlow => format!("> {} {}", plan::HORIZON_YEARS, lang.t("plan_years")),
        Reach::Insufficient => lang.t("plan_reach_insufficient_short").to_string(),
        Reach::NoPace => lang.t("none").to_string(),
    }
}

/// The method, said once per output.
pub fn method_text(lang: Lang) -> String {
    fill(
        lang,
        "plan_method",
        &plan::PACE_YEARS.to_string(),
        &plan::HORIZON_YEARS.to_string(),
    )
}

/// What the ranked communes need together for one indicator: `42 hộ trên 1 xã`,
/// `2 xã cần đạt`, `1 xã chỉ có tỷ lệ` ...
pub fn total_text(ind: &Indicator, t: &Total, lang: Lang) -> String {
    let st = lang.num_style();
    let mut parts = Vec::new();
    if t.counted > 0 {
        let d = if ind.counts_whole() { 0 } else { 2 };
        parts.push(format!(
            "{} {}",
            fill(
                lang,
                if t.fewer { "plan_fewer" } else { "plan_more" },
                &fmt_num(t.amount, d, st),
                &unit_of(ind, lang),
            ),
            fill(lang, "plan_in_communes", &t.counted.to_string(), "")
        ));
    }
    if t.numbers > 0 {
        parts.push(format!(
            "{}, {}",
            fill(lang, "plan_n_communes", &t.numbers.to_string(), ""),
            fill(
                lang,
                "plan_largest_short",
                &fmt_num(t.largest, 2, st),
                &unit_of(ind, lang)
            )
        ));
    }
    for (n, key) in [
        (t.percent_only, "plan_n_percent_only"),
        (t.must_pass, "plan_n_must_pass"),
        (t.no_data, "plan_n_no_data"),
    ] {
        if n > 0 {
            parts.push(fill(lang, key, &n.to_string(), ""));
        }
    }
    parts.join("; ")
}

/// A value as the plan shows it: `338/632 = 53,5%`, `33,2`, `chưa đạt`, `—`.
pub fn value_text(ind: &Indicator, g: &Gap, lang: Lang) -> String {
    let st = lang.num_style();
    let v = match g.value {
        None => lang.t("none").to_string(),
        Some(Value::Pass(true)) => lang.t("val_pass").to_string(),
        Some(Value::Pass(false)) => lang.t("val_fail").to_string(),
        Some(Value::Number(x)) if ind.kind == Kind::Ratio => fmt_pct(x, st),
        Some(Value::Number(x)) => fmt_num(x, 2, st),
    };
    match (g.numerator, g.denominator, g.value) {
        (Some(n), Some(d), Some(Value::Number(_))) => {
            format!("{}/{} = {v}", fmt_num(n, 3, st), fmt_num(d, 3, st))
        }
        _ => v,
    }
}

/// A target as the plan shows it: `≥ 60%`, `≤ 12%`, `≥ 36`, `đạt`.
pub fn target_text(ind: &Indicator, g: &Gap, lang: Lang) -> String {
    match &g.target {
        None => lang.t("plan_no_target").to_string(),
        Some(t) => {
            let s = crate::eval::findings::show_target(ind.kind, t, lang == Lang::Vi);
            // the English messages write `>=`; here both languages have room for `≥`
            s.replacen(">=", Comparison::Ge.symbol(), 1)
                .replacen("<=", Comparison::Le.symbol(), 1)
        }
    }
}

/// When a unit would meet the standard at its pace, for a table column: the year, "not at
/// this pace" when one of its indicators moves away (or too slowly), else `—` (a pass/fail or
/// a missing value has no pace to go by).
pub fn unit_reach_short(p: &UnitPlan, lang: Lang) -> String {
    if let Some(y) = p.reach_year() {
        return y.to_string();
    }
    let worst = p
        .gaps()
        .map(|g| g.reach)
        .find(|r| matches!(r, Reach::Away | Reach::TooSlow));
    match worst {
        Some(r) => reach_short(r, lang),
        None => lang.t("none").to_string(),
    }
}

/// A criterion's status as JSON and CSV name it.
pub fn status_str(s: crate::eval::Status) -> &'static str {
    match s {
        crate::eval::Status::Met => "met",
        crate::eval::Status::NotMet => "not_met",
        crate::eval::Status::NoData => "no_data",
        crate::eval::Status::NoTarget => "no_target",
    }
}

/// Catalogue key of a recognition level's name.
pub fn kind_key(k: crate::model::RecognitionKind) -> &'static str {
    match k {
        crate::model::RecognitionKind::Ntm => "plan_kind_ntm",
        crate::model::RecognitionKind::NangCao => "plan_kind_nang_cao",
        crate::model::RecognitionKind::KieuMau => "plan_kind_kieu_mau",
    }
}

/// Catalogue key of a revocation-risk level.
pub fn risk_key(r: Risk) -> &'static str {
    match r {
        Risk::None => "risk_none",
        Risk::Low => "risk_low",
        Risk::Medium => "risk_medium",
        Risk::High => "risk_high",
    }
}
