//! Finding rules (FORMAT.md §3). Each finding carries a message in English (the JSON contract)
//! and in Vietnamese (the text output and the TUI), both showing the numbers.

use std::collections::BTreeMap;

use serde::Serialize;

use super::{Evaluation, Status, evaluate};
use crate::framework::Framework;
use crate::model::{
    AppliedLevel, Comparison, Kind, Observation, Recognition, Target, TargetOrigin, TargetValue,
    Value,
};
use crate::text::{NumStyle, fmt_num, fmt_plain};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Warning,
    Error,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
    pub fn parse(s: &str) -> Option<Severity> {
        match s {
            "info" => Some(Severity::Info),
            "warning" => Some(Severity::Warning),
            "error" => Some(Severity::Error),
            _ => None,
        }
    }
}

/// Stable finding identifiers (FORMAT.md §3).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingKind {
    BelowTarget,
    Regressed,
    LostStandard,
    Declined,
    NearTarget,
    Missing,
    NumeratorExceedsDenominator,
    PercentMismatch,
    DenominatorMismatch,
    UnitsMetMismatch,
    ImplausibleChange,
    AuditDiscrepancy,
    /// Figures of a year outside the criteria set's period, judged against it anyway.
    OutsidePeriod,
    /// A unit recognised for the same kind in two years by two decisions.
    RecognizedTwice,
}

impl FindingKind {
    pub fn as_str(self) -> &'static str {
        match self {
            FindingKind::BelowTarget => "below_target",
            FindingKind::Regressed => "regressed",
            FindingKind::LostStandard => "lost_standard",
            FindingKind::Declined => "declined",
            FindingKind::NearTarget => "near_target",
            FindingKind::Missing => "missing",
            FindingKind::NumeratorExceedsDenominator => "numerator_exceeds_denominator",
            FindingKind::PercentMismatch => "percent_mismatch",
            FindingKind::DenominatorMismatch => "denominator_mismatch",
            FindingKind::UnitsMetMismatch => "units_met_mismatch",
            FindingKind::ImplausibleChange => "implausible_change",
            FindingKind::AuditDiscrepancy => "audit_discrepancy",
            FindingKind::OutsidePeriod => "outside_period",
            FindingKind::RecognizedTwice => "recognized_twice",
        }
    }

    pub fn severity(self) -> Severity {
        match self {
            FindingKind::BelowTarget
            | FindingKind::Regressed
            | FindingKind::LostStandard
            | FindingKind::NumeratorExceedsDenominator => Severity::Error,
            FindingKind::Declined
            | FindingKind::Missing
            | FindingKind::PercentMismatch
            | FindingKind::DenominatorMismatch
            | FindingKind::UnitsMetMismatch
            | FindingKind::ImplausibleChange
            | FindingKind::AuditDiscrepancy
            | FindingKind::OutsidePeriod
            | FindingKind::RecognizedTwice => Severity::Warning,
            FindingKind::NearTarget => Severity::Info,
        }
    }

    /// The rule that fires this kind, with its threshold, for the detail screen.
    pub fn rule(self, o: &Options, vi: bool) -> String {
        let n = |v: f64| fmt_num(v, 2, if vi { NumStyle::Vi } else { NumStyle::En });
        match (self, vi) {
            (FindingKind::BelowTarget, false) => "value misses the resolved target (province override, else region, else national)".into(),
            (FindingKind::BelowTarget, true) => "giá trị chưa đạt mức chỉ tiêu (quyết định tỉnh, nếu không thì vùng, nếu không thì toàn quốc)".into(),
            (FindingKind::Regressed, false) => "met the target in the comparison year, misses it now".into(),
            (FindingKind::Regressed, true) => "đạt ở năm so sánh, nay không đạt".into(),
            (FindingKind::LostStandard, false) => "recognised commune with a criterion not met".into(),
            (FindingKind::LostStandard, true) => "xã đã được công nhận có tiêu chí chưa đạt".into(),
            (FindingKind::Declined, false) => format!("still met, but worse by more than {} points (ratio) or {}% (number) since the comparison year", n(o.declined_pp), n(o.declined_pct)),
            (FindingKind::Declined, true) => format!("vẫn đạt nhưng giảm quá {} điểm phần trăm (tỷ lệ) hoặc {}% (số) so với năm so sánh", n(o.declined_pp), n(o.declined_pct)),
            (FindingKind::NearTarget, false) => format!("meets the target by less than {} points (ratio) or {}% of it (number)", n(o.near_pp), n(o.near_pct)),
            (FindingKind::NearTarget, true) => format!("đạt nhưng cách mức chỉ tiêu dưới {} điểm phần trăm (tỷ lệ) hoặc {}% (số)", n(o.near_pp), n(o.near_pct)),
            (FindingKind::Missing, false) => "no value (or a zero denominator) for an indicator of the framework".into(),
            (FindingKind::Missing, true) => "thiếu số liệu (hoặc mẫu số bằng 0) cho một chỉ tiêu của bộ tiêu chí".into(),
            (FindingKind::NumeratorExceedsDenominator, false) => "numerator > denominator (no tolerance)".into(),
            (FindingKind::NumeratorExceedsDenominator, true) => "tử số > mẫu số (không có dung sai)".into(),
            (FindingKind::PercentMismatch, false) => format!("|printed % − numerator/denominator| > {} points", n(o.percent_tolerance_pp)),
            (FindingKind::PercentMismatch, true) => format!("|tỷ lệ ghi − tử số/mẫu số| > {} điểm phần trăm", n(o.percent_tolerance_pp)),
            (FindingKind::DenominatorMismatch, false) => format!("figures counting the same population differ by more than {}%", n(o.denominator_tolerance_pct)),
            (FindingKind::DenominatorMismatch, true) => format!("các số cùng đếm một nhóm dân số lệch nhau quá {}%", n(o.denominator_tolerance_pct)),
            (FindingKind::UnitsMetMismatch, false) => "aggregate row's communes meeting ≠ the communes' own rows".into(),
            (FindingKind::UnitsMetMismatch, true) => "số xã đạt ở dòng tổng hợp ≠ số liệu của từng xã".into(),
            (FindingKind::ImplausibleChange, false) => format!("one-year move above {} points (ratio) or {}% (number, denominator)", n(o.implausible_pp), n(o.implausible_pct)),
            (FindingKind::AuditDiscrepancy, false) => "a spot audit recounted a different value than the one reported".into(),
            (FindingKind::AuditDiscrepancy, true) => "kiểm tra xác suất đếm lại ra giá trị khác số đã báo cáo".into(),
            (FindingKind::ImplausibleChange, true) => format!("thay đổi trong một năm quá {} điểm phần trăm (tỷ lệ) hoặc {}% (số, mẫu số)", n(o.implausible_pp), n(o.implausible_pct)),
            (FindingKind::OutsidePeriod, false) => "figures of a year outside the criteria set's period, judged against its levels anyway".into(),
            (FindingKind::OutsidePeriod, true) => "số liệu của năm ngoài giai đoạn của bộ tiêu chí, vẫn được đánh giá theo mức của bộ này".into(),
            (FindingKind::RecognizedTwice, false) => "recognised for the same kind in two years, by two decisions".into(),
            (FindingKind::RecognizedTwice, true) => "được công nhận cùng một mức ở hai năm, theo hai quyết định".into(),
        }
    }

    pub const ALL: [FindingKind; 14] = [
        FindingKind::BelowTarget,
        FindingKind::Regressed,
        FindingKind::LostStandard,
        FindingKind::Declined,
        FindingKind::NearTarget,
        FindingKind::Missing,
        FindingKind::NumeratorExceedsDenominator,
        FindingKind::PercentMismatch,
        FindingKind::DenominatorMismatch,
        FindingKind::UnitsMetMismatch,
        FindingKind::ImplausibleChange,
        FindingKind::AuditDiscrepancy,
        FindingKind::OutsidePeriod,
        FindingKind::RecognizedTwice,
    ];

    /// Findings about the figures themselves not adding up (as opposed to performance).
    pub fn is_inconsistency(self) -> bool {
        matches!(
            self,
            FindingKind::NumeratorExceedsDenominator
                | FindingKind::PercentMismatch
                | FindingKind::DenominatorMismatch
                | FindingKind::UnitsMetMismatch
                | FindingKind::ImplausibleChange
        )
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Finding {
    pub unit: String,
    pub indicator: Option<String>,
    pub year: u16,
    pub kind: FindingKind,
    pub severity: Severity,
    /// English message (the JSON contract).
    pub message: String,
    /// Vietnamese message.
    pub message_vi: String,
}

/// Tolerances; the defaults are FORMAT.md's.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Options {
    /// `declined` on a ratio: worse by more than this many percentage points.
    pub declined_pp: f64,
    /// `declined` on a number: worse by more than this share of the previous value (percent).
    pub declined_pct: f64,
    /// `near_target` on a ratio: within this many percentage points of the target.
    pub near_pp: f64,
    /// `near_target` on a number: within this share of the target (percent).
    pub near_pct: f64,
    /// `percent_mismatch`: stated percentage off by more than this many points.
    pub percent_tolerance_pp: f64,
    /// `implausible_change` on a ratio: a move between consecutive years of more than this
    /// many percentage points.
    pub implausible_pp: f64,
    /// `implausible_change` on a number or a denominator: a move between consecutive years of
    /// more than this share of the previous value (percent).
    pub implausible_pct: f64,
    /// `denominator_mismatch`: related denominators may differ by this share (percent; 0 = exact).
    pub denominator_tolerance_pct: f64,
}

impl Options {
    /// Every threshold must be a finite number ≥ 0.
    pub fn validate(&self) -> Result<(), String> {
        for (name, v) in [
            ("declined_pp", self.declined_pp),
            ("declined_pct", self.declined_pct),
            ("near_pp", self.near_pp),
            ("near_pct", self.near_pct),
            ("percent_tolerance_pp", self.percent_tolerance_pp),
            ("implausible_pp", self.implausible_pp),
            ("implausible_pct", self.implausible_pct),
            ("denominator_tolerance_pct", self.denominator_tolerance_pct),
        ] {
            if !(v.is_finite() && v >= 0.0) {
                return Err(format!("threshold {name} must be a number ≥ 0, not {v}"));
            }
        }
        Ok(())
    }
}

impl Default for Options {
    fn default() -> Self {
        Options {
            declined_pp: 2.0,
            declined_pct: 5.0,
            near_pp: 2.0,
            near_pct: 5.0,
            percent_tolerance_pp: 0.5,
            implausible_pp: 20.0,
            implausible_pct: 33.0,
            denominator_tolerance_pct: 0.0,
        }
    }
}

/// Inputs for one unit: its rows per year (indexed by indicator), targets and recognitions.
pub struct UnitData<'a> {
    pub code: &'a str,
    pub targets: &'a [Option<Target>],
    pub years: &'a BTreeMap<u16, Vec<Option<&'a Observation>>>,
    pub recognitions: &'a [Recognition],
}

fn pct(v: f64) -> String {
    format!("{}%", fmt_num(v, 1, NumStyle::En))
}

fn pct_vi(v: f64) -> String {
    format!("{}%", fmt_num(v, 1, NumStyle::Vi))
}

/// A value as shown in messages: `51.3%` for ratios, `48` for numbers, `pass`/`fail`.
pub fn show(kind: Kind, v: Value, vi: bool) -> String {
    match (v, vi) {
        (Value::Pass(true), false) => "pass".into(),
        (Value::Pass(false), false) => "fail".into(),
        (Value::Pass(true), true) => "đạt".into(),
        (Value::Pass(false), true) => "chưa đạt".into(),
        (Value::Number(x), false) if kind == Kind::Ratio => pct(x),
        (Value::Number(x), true) if kind == Kind::Ratio => pct_vi(x),
        (Value::Number(x), false) => fmt_num(x, 2, NumStyle::En),
        (Value::Number(x), true) => fmt_num(x, 2, NumStyle::Vi),
    }
}

/// A target as shown in messages: `>= 60%`, `<= 26.7%`, `pass`.
pub fn show_target(kind: Kind, t: &Target, vi: bool) -> String {
    match t.value {
        TargetValue::Pass(_) => if vi { "đạt" } else { "pass" }.into(),
        TargetValue::Number(x) => {
            let v = show(kind, Value::Number(x), vi);
            if vi {
                format!("{} {v}", t.comparison.symbol())
            } else {
                format!("{} {v}", t.comparison.ascii())
            }
        }
    }
}

fn origin(t: &Target, vi: bool) -> String {
    let o = origin_only(t, vi);
    match level_note(t, vi) {
        Some(l) => format!("{o}; {l}"),
        None => o,
    }
}

/// Which level of the target judged the figure, when the set gives single years levels of
/// their own: `2018 level` / `the set's 2020 level (its own 2018 level has no source)`.
pub fn level_note(t: &Target, vi: bool) -> Option<String> {
    let set = |vi: bool| match (t.by_year.set_year, vi) {
        (Some(y), true) => format!("mức năm {y} của bộ tiêu chí"),
        (Some(y), false) => format!("the set's {y} level"),
        (None, true) => "mức của bộ tiêu chí".into(),
        (None, false) => "the set's level".into(),
    };
    match (t.by_year.applied, vi) {
        (AppliedLevel::Set, _) => None,
        (AppliedLevel::Year(y), true) => Some(format!("mức riêng năm {y}")),
        (AppliedLevel::Year(y), false) => Some(format!("the {y} level")),
        (AppliedLevel::SetFor(y), true) => {
            Some(format!("{} (mức riêng năm {y} chưa có nguồn)", set(true)))
        }
        (AppliedLevel::SetFor(y), false) => {
            Some(format!("{} (its own {y} level has no source)", set(false)))
        }
    }
}

fn origin_only(t: &Target, vi: bool) -> String {
    match (&t.origin, vi) {
        (TargetOrigin::Province(d), false) => format!("provincial decision {d}"),
        (TargetOrigin::Province(d), true) => format!("quyết định tỉnh {d}"),
        (TargetOrigin::Region(r), false) => format!("region {r}"),
        (TargetOrigin::Region(r), true) => format!("vùng {r}"),
        (TargetOrigin::CommuneGroup(g), false) => format!("commune group {g}"),
        (TargetOrigin::CommuneGroup(g), true) => format!("nhóm xã {g}"),
        (TargetOrigin::National, false) => "national".into(),
        (TargetOrigin::National, true) => "toàn quốc".into(),
    }
}

/// All findings for one unit in `year`, comparing with `against` where given.
pub fn find(
    fw: &Framework,
    u: &UnitData<'_>,
    year: u16,
    against: Option<u16>,
    opt: &Options,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(rows) = u.years.get(&year) else {
        return out;
    };
    if rows.iter().all(Option::is_none) {
        return out;
    }
    let ev = evaluate(fw, u.targets, rows);
    let prev_rows = against.and_then(|a| u.years.get(&a));
    let prev_ev = prev_rows.map(|r| evaluate(fw, u.targets, r));
    let mut push = |ind: Option<&str>, kind: FindingKind, en: String, vi: String| {
        out.push(Finding {
            unit: u.code.to_string(),
            indicator: ind.map(str::to_string),
            year,
            kind,
            severity: kind.severity(),
            message: en,
            message_vi: vi,
        })
    };

    for (i, ind) in fw.indicators.iter().enumerate() {
        let code = Some(ind.code.as_str());
        let Some(row) = rows[i] else {
            push(
                code,
                FindingKind::Missing,
                format!("no value for {} in {year}", ind.code),
                format!("không có số liệu chỉ tiêu {} năm {year}", ind.code),
            );
            continue;
        };
        if let (Some(n), Some(d)) = (row.numerator, row.denominator) {
            if n > d {
                push(
                    code,
                    FindingKind::NumeratorExceedsDenominator,
                    format!(
                        "numerator {} exceeds denominator {}",
                        fmt_plain(n),
                        fmt_plain(d)
                    ),
                    format!(
                        "tử số {} lớn hơn mẫu số {}",
                        fmt_num(n, 3, NumStyle::Vi),
                        fmt_num(d, 3, NumStyle::Vi)
                    ),
                );
            }
            if d == 0.0 {
                push(
                    code,
                    FindingKind::Missing,
                    format!(
                        "denominator is 0 for {} in {year}; no percentage can be computed",
                        ind.code
                    ),
                    format!(
                        "mẫu số bằng 0 ở chỉ tiêu {} năm {year}, không tính được tỷ lệ",
                        ind.code
                    ),
                );
            }
            if let Some(sp) = row.stated_percent
                && d > 0.0
            {
                let actual = n / d * 100.0;
                if (sp - actual).abs() > opt.percent_tolerance_pp {
                    push(
                        code,
                        FindingKind::PercentMismatch,
                        format!(
                            "stated {}% but {}/{} = {}",
                            fmt_num(sp, 2, NumStyle::En),
                            fmt_plain(n),
                            fmt_plain(d),
                            pct(actual)
                        ),
                        format!(
                            "ghi {}% nhưng {}/{} = {}",
                            fmt_num(sp, 2, NumStyle::Vi),
                            fmt_num(n, 3, NumStyle::Vi),
                            fmt_num(d, 3, NumStyle::Vi),
                            pct_vi(actual)
                        ),
                    );
                }
            }
        }

        let (Some(t), Some(v)) = (u.targets[i].as_ref(), row.effective()) else {
            continue;
        };
        // the level of this year (a set may give single years their own)
        let t = &*t.in_year(year);
        // a previous figure whose numerator exceeds its denominator is not a baseline to compare with
        let prev_v = prev_rows
            .and_then(|r| r[i])
            .filter(|o| !matches!((o.numerator, o.denominator), (Some(n), Some(d)) if n > d))
            .and_then(Observation::effective);
        let prev_status = prev_ev.as_ref().map(|e| e.indicators[i]);
        let status = ev.indicators[i];
        let (ts_en, ts_vi) = (
            show_target(ind.kind, t, false),
            show_target(ind.kind, t, true),
        );
        let (v_en, v_vi) = (show(ind.kind, v, false), show(ind.kind, v, true));
        if status == Status::NotMet {
            // a pass/fail value is itself the verdict: `fail (required: pass; national)`
            let (below_en, below_vi) = if matches!(t.value, TargetValue::Pass(_)) {
                (
                    format!("{v_en} (required: {ts_en}; {})", origin(t, false)),
                    format!("{v_vi} (yêu cầu: {ts_vi}; {})", origin(t, true)),
                )
            } else {
                (
                    format!("{v_en} misses target {ts_en} ({})", origin(t, false)),
                    format!("{v_vi} chưa đạt chỉ tiêu {ts_vi} ({})", origin(t, true)),
                )
            };
            push(code, FindingKind::BelowTarget, below_en, below_vi);
            if let (Some(Status::Met), Some(a), Some(pv)) = (prev_status, against, prev_v) {
                let (reg_en, reg_vi) = if matches!(t.value, TargetValue::Pass(_)) {
                    (
                        format!(
                            "{} in {a}, {v_en} in {year} (required: {ts_en})",
                            show(ind.kind, pv, false)
                        ),
                        format!(
                            "{} năm {a}, {v_vi} năm {year} (yêu cầu: {ts_vi})",
                            show(ind.kind, pv, true)
                        ),
                    )
                } else {
                    (
                        format!(
                            "met target {ts_en} in {a} ({}) but not in {year} ({v_en})",
                            show(ind.kind, pv, false)
                        ),
                        format!(
                            "đạt chỉ tiêu {ts_vi} năm {a} ({}) nhưng không đạt năm {year} ({v_vi})",
                            show(ind.kind, pv, true)
                        ),
                    )
                };
                push(code, FindingKind::Regressed, reg_en, reg_vi);
            }
            continue;
        }
        if status != Status::Met {
            continue;
        }
        let (Value::Number(x), TargetValue::Number(tv)) = (v, t.value) else {
            continue;
        };
        // declined: still met, but moved the wrong way by more than the tolerance
        if let (Some(Value::Number(p)), Some(a)) = (prev_v, against) {
            let worse = match t.comparison {
                Comparison::Ge => p - x,
                Comparison::Le => x - p,
                Comparison::Eq => 0.0,
            };
            let (limit, unit_en) = if ind.kind == Kind::Ratio {
                (opt.declined_pp, "percentage points")
            } else {
                (opt.declined_pct / 100.0 * p.abs(), "")
            };
            if worse > limit + 1e-9 {
                let by_en = if ind.kind == Kind::Ratio {
                    format!("{} {unit_en}", fmt_num(worse, 1, NumStyle::En))
                } else {
                    format!(
                        "{} ({}%)",
                        fmt_num(worse, 2, NumStyle::En),
                        fmt_num(worse / p.abs() * 100.0, 1, NumStyle::En)
                    )
                };
                let by_vi = if ind.kind == Kind::Ratio {
                    format!("{} điểm phần trăm", fmt_num(worse, 1, NumStyle::Vi))
                } else {
                    format!(
                        "{} ({}%)",
                        fmt_num(worse, 2, NumStyle::Vi),
                        fmt_num(worse / p.abs() * 100.0, 1, NumStyle::Vi)
                    )
                };
                push(
                    code,
                    FindingKind::Declined,
                    format!(
                        "worse by {by_en} from {a} ({}) to {year} ({v_en}); still meets {ts_en}",
                        show(ind.kind, Value::Number(p), false)
                    ),
                    format!(
                        "giảm {by_vi} từ {a} ({}) đến {year} ({v_vi}); vẫn đạt {ts_vi}",
                        show(ind.kind, Value::Number(p), true)
                    ),
                );
            }
        }
        // near_target: met by less than the margin (not for 0 %/100 % limits, which cannot be beaten)
        let margin = match t.comparison {
            Comparison::Ge if !(ind.kind == Kind::Ratio && tv >= 100.0) => Some(x - tv),
            Comparison::Le if !(ind.kind == Kind::Ratio && tv <= 0.0) => Some(tv - x),
            _ => None,
        };
        if let Some(m) = margin {
            let limit = if ind.kind == Kind::Ratio {
                opt.near_pp
            } else {
                opt.near_pct / 100.0 * tv.abs()
            };
            if m < limit {
                push(
                    code,
                    FindingKind::NearTarget,
                    format!("{v_en} meets target {ts_en} by less than the margin"),
                    format!("{v_vi} đạt chỉ tiêu {ts_vi} với khoảng cách nhỏ"),
                );
            }
        }
    }

    lost_standard(fw, u, year, &ev, &mut out);
    outside_period(fw, u.code, year, &mut out);
    recognized_twice(u, year, &mut out);
    out.extend(super::consistency::denominators(
        fw, u.code, year, rows, opt,
    ));
    if let Some(prev) = u.years.get(&(year - 1)) {
        out.extend(super::consistency::implausible(
            fw, u.code, year, rows, prev, opt,
        ));
    }
    out
}

/// A year outside the set's period is judged, but never silently.
fn outside_period(fw: &Framework, unit: &str, year: u16, out: &mut Vec<Finding>) {
    let Some((a, b)) = fw.period else { return };
    if (a..=b).contains(&year) {
        return;
    }
    out.push(Finding {
        unit: unit.to_string(),
        indicator: None,
        year,
        kind: FindingKind::OutsidePeriod,
        severity: FindingKind::OutsidePeriod.severity(),
        message: format!(
            "{year} is outside the period of {} ({a}–{b}); its figures are judged against that set's levels",
            fw.id
        ),
        message_vi: format!(
            "năm {year} nằm ngoài giai đoạn của bộ tiêu chí {} ({a}–{b}); số liệu vẫn được đánh giá theo mức của bộ này",
            fw.id
        ),
    });
}

/// Two decisions recognising the unit for the same kind by `year` (kept on import only when
/// both decisions are given and differ): named, so somebody looks at them.
fn recognized_twice(u: &UnitData<'_>, year: u16, out: &mut Vec<Finding>) {
    let mut kinds: Vec<crate::model::RecognitionKind> = Vec::new();
    for r in u.recognitions.iter().filter(|r| r.year <= year) {
        if kinds.contains(&r.kind) {
            continue;
        }
        let same: Vec<&Recognition> = u
            .recognitions
            .iter()
            .filter(|x| x.kind == r.kind && x.year <= year)
            .collect();
        let years: std::collections::BTreeSet<u16> = same.iter().map(|x| x.year).collect();
        if years.len() < 2 {
            continue;
        }
        kinds.push(r.kind);
        let list = |vi: bool| {
            same.iter()
                .map(|x| match &x.decision {
                    Some(d) => format!("{} ({d})", x.year),
                    None => x.year.to_string(),
                })
                .collect::<Vec<_>>()
                .join(if vi { " và " } else { " and " })
        };
        out.push(Finding {
            unit: u.code.to_string(),
            indicator: None,
            year,
            kind: FindingKind::RecognizedTwice,
            severity: FindingKind::RecognizedTwice.severity(),
            message: format!("recognised {} twice: {}", r.kind.as_str(), list(false)),
            message_vi: format!("được công nhận {} hai lần: {}", r.kind.as_str(), list(true)),
        });
    }
}

fn lost_standard(
    fw: &Framework,
    u: &UnitData<'_>,
    year: u16,
    ev: &Evaluation,
    out: &mut Vec<Finding>,
) {
    let Some(r) = u
        .recognitions
        .iter()
        .filter(|r| r.year <= year)
        .min_by_key(|r| r.year)
    else {
        return;
    };
    let failed: Vec<&str> = fw
        .criteria
        .iter()
        .zip(&ev.criteria)
        .filter(|(_, s)| **s == Status::NotMet)
        .map(|(c, _)| c.code.as_str())
        .collect();
    if failed.is_empty() {
        return;
    }
    let list = failed.join(", ");
    out.push(Finding {
        unit: u.code.to_string(),
        indicator: None,
        year,
        kind: FindingKind::LostStandard,
        severity: Severity::Error,
        message: format!(
            "recognised ({} {}) but meets {}/{} criteria in {year}; not met: {list}",
            r.kind.as_str(),
            r.year,
            ev.criteria_met,
            ev.criteria_total
        ),
        message_vi: format!(
            "đã được công nhận ({} năm {}) nhưng năm {year} chỉ đạt {}/{} tiêu chí; chưa đạt: {list}",
            r.kind.as_str(),
            r.year,
            ev.criteria_met,
            ev.criteria_total
        ),
    });
}
