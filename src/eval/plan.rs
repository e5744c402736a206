//! The way to the standard: for each indicator a unit still misses, what is left in the
//! indicator's own units (households, km, points, money, "must pass"), the year it would meet
//! its target at its recent pace, and how units rank by closeness to the standard. Pure: the
//! query layer reads the rows, this decides.

use std::collections::BTreeMap;

use super::{Evaluation, Status};
use crate::framework::{Framework, Indicator};
use crate::model::{Comparison, Kind, Observation, Target, TargetValue, Value};

/// The pace is the average yearly change over the last `PACE_YEARS` years: from the value of
/// year Y − 3 (or the earliest year with data after it) to the value of year Y.
pub const PACE_YEARS: u16 = 3;

/// More than this many years away at the recent pace counts as out of reach (a pace of 0.01
/// points a year "reaching" a target in 2700 would be no plan at all).
pub const HORIZON_YEARS: u16 = 30;

/// What is left to reach an indicator's target.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Need {
    /// Whole things (households, people, schools ...) more in the numerator — or, under a
    /// ceiling (`≤`: poverty, stunting), fewer: how many must leave the state — at the current
    /// denominator.
    Count { amount: f64, fewer: bool },
    /// A measure (km, ha), to 0.01, more or fewer at the current denominator.
    Measure { amount: f64, fewer: bool },
    /// A number indicator (income): the amount short (or over, under a ceiling).
    Amount { amount: f64, fewer: bool },
    /// A ratio known only as a percentage: points short. No count can be given without the
    /// numerator and denominator.
    Points { points: f64, fewer: bool },
    /// A pass/fail indicator that must pass.
    MustPass,
    /// No usable value in the year (no row, or a denominator of 0).
    NoData,
}

impl Need {
    /// The amount in the indicator's terms (points for `Points`), None for pass/fail and no data.
    pub fn amount(self) -> Option<f64> {
        match self {
            Need::Count { amount, .. }
            | Need::Measure { amount, .. }
            | Need::Amount { amount, .. } => Some(amount),
            Need::Points { points, .. } => Some(points),
            Need::MustPass | Need::NoData => None,
        }
    }

    /// Under a ceiling: the figure must come down.
    pub fn fewer(self) -> bool {
        match self {
            Need::Count { fewer, .. }
            | Need::Measure { fewer, .. }
            | Need::Amount { fewer, .. }
            | Need::Points { fewer, .. } => fewer,
            Need::MustPass | Need::NoData => false,
        }
    }

    /// Stable identifier of how the shortfall was computed (JSON `basis`).
    pub fn basis(self) -> &'static str {
        match self {
            Need::Count { .. } => "counts",
            Need::Measure { .. } => "measure",
            Need::Amount { .. } => "number",
            Need::Points { .. } => "percent_only",
            Need::MustPass => "pass_fail",
            Need::NoData => "no_data",
        }
    }
}

/// The recent pace of an indicator: its average change per year between two years.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Pace {
    /// Change per year (percentage points for ratios, the indicator's unit for numbers).
    pub per_year: f64,
    pub from: u16,
    pub to: u16,
}

/// When the target would be met at the recent pace.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reach {
    /// In this year.
    Year(u16),
    /// Not at this pace: the recent change points away from the target, or there is none.
    Away,
    /// Towards the target, but more than `HORIZON_YEARS` years away.
    TooSlow,
    /// Fewer than two years with data in the pace window.
    Insufficient,
    /// A pass/fail or a missing value: there is no pace to extrapolate.
    NoPace,
}

impl Reach {
    /// Stable identifier (JSON `reach`).
    pub fn as_str(self) -> &'static str {
        match self {
            Reach::Year(_) => "year",
            Reach::Away => "not_at_this_pace",
            Reach::TooSlow => "too_slow",
            Reach::Insufficient => "insufficient_data",
            Reach::NoPace => "no_pace",
        }
    }
    pub fn year(self) -> Option<u16> {
        match self {
            Reach::Year(y) => Some(y),
            _ => None,
        }
    }
}

/// One indicator a unit misses in the year.
#[derive(Clone, Debug, PartialEq)]
pub struct Gap {
    /// Index into `Framework::indicators`.
    pub indicator: usize,
    /// None only for a missing value of an indicator without a target (its criterion still
    /// counts as without data).
    pub target: Option<Target>,
    /// The figure compared with the target (the percentage for a ratio).
    pub value: Option<Value>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub need: Need,
    pub pace: Option<Pace>,
    pub reach: Reach,
}

impl Gap {
    /// The distance to the target on a common scale, for ranking: percentage points for a
    /// ratio, percent of the target for a number; None for a pass/fail or a missing value.
    pub fn points(&self) -> Option<f64> {
        let (Some(Value::Number(x)), Some(TargetValue::Number(t))) =
            (self.value, self.target.as_ref().map(|t| t.value))
        else {
            return None;
        };
        match self.need {
            Need::Count { .. } | Need::Measure { .. } | Need::Points { .. } => Some((t - x).abs()),
            Need::Amount { .. } if t.abs() > 1e-12 => Some((t - x).abs() / t.abs() * 100.0),
            Need::Amount { .. } => Some((t - x).abs()),
            Need::MustPass | Need::NoData => None,
        }
    }
}

/// A criterion not met in the year, with the indicators that keep it from being met.
#[derive(Clone, Debug, PartialEq)]
pub struct CriterionGap {
    /// Index into `Framework::criteria`.
    pub criterion: usize,
    pub status: Status,
    pub gaps: Vec<Gap>,
    /// The latest earlier year in which the criterion was met (what a recognised commune has
    /// to restore).
    pub met_before: Option<u16>,
}

/// A unit's way to the standard in one year.
#[derive(Clone, Debug, PartialEq)]
pub struct UnitPlan {
    pub year: u16,
    pub evaluation: Evaluation,
    /// The criteria not met, in framework order.
    pub criteria: Vec<CriterionGap>,
}

impl UnitPlan {
    /// Criteria away from the standard (not met, without data, or without a target).
    pub fn criteria_away(&self) -> usize {
        self.evaluation.criteria_total - self.evaluation.criteria_met
    }

    pub fn meets_standard(&self) -> bool {
        self.evaluation.meets_standard()
    }

    pub fn gaps(&self) -> impl Iterator<Item = &Gap> {
        self.criteria.iter().flat_map(|c| c.gaps.iter())
    }

    /// The year every missing indicator would meet its target at its pace: the latest of
    /// their years. None when one of them has no such year, or a criterion has no target.
    pub fn reach_year(&self) -> Option<u16> {
        if self.meets_standard() {
            return Some(self.year);
        }
        if self.criteria.iter().any(|c| c.gaps.is_empty()) {
            return None;
        }
        let mut last = self.year;
        for g in self.gaps() {
            last = last.max(g.reach.year()?);
        }
        Some(last)
    }

    /// Ranking key, closest to the standard first: fewest criteria missing, then fewest
    /// indicators that have no distance (pass/fail, no data), then the smallest total distance
    /// (`Gap::points`).
    pub fn closeness(&self) -> (usize, usize, f64) {
        let hard = self.gaps().filter(|g| g.points().is_none()).count()
            + self.criteria.iter().filter(|c| c.gaps.is_empty()).count();
        let dist = self.gaps().filter_map(Gap::points).sum();
        (self.criteria_away(), hard, dist)
    }
}

/// Compare two plans by closeness (see `UnitPlan::closeness`).
pub fn by_closeness(a: &UnitPlan, b: &UnitPlan) -> std::cmp::Ordering {
    let (x, y) = (a.closeness(), b.closeness());
    x.0.cmp(&y.0).then(x.1.cmp(&y.1)).then(x.2.total_cmp(&y.2))
}

/// Round to 6 decimals: `60 × 632 / 100` is 379.2, not 379.19999999999999 (whose ceiling is
/// right) or 700.0000000001 (whose ceiling would be one household too many).
fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

/// Up to the next 0.01 (a measure short by 2.501 km needs 2.51).
fn ceil2(x: f64) -> f64 {
    (round6(x * 100.0)).ceil() / 100.0
}

/// What is left for one indicator: `target` against the row `obs` of the year.
pub fn shortfall(ind: &Indicator, target: &Target, obs: Option<&Observation>) -> Need {
    let Some(v) = obs.and_then(Observation::effective) else {
        return Need::NoData;
    };
    let (tv, x) = match (target.value, v) {
        (TargetValue::Pass(_), _) => return Need::MustPass,
        (TargetValue::Number(_), Value::Pass(_)) => return Need::NoData,
        (TargetValue::Number(t), Value::Number(x)) => (t, x),
    };
    let fewer = match target.comparison {
        Comparison::Ge => false,
        Comparison::Le => true,
        Comparison::Eq => x > tv,
    };
    if ind.kind != Kind::Ratio {
        return Need::Amount {
            amount: round6((x - tv).abs()),
            fewer,
        };
    }
    let o = obs.expect("a value comes from a row");
    match (o.numerator, o.denominator) {
        (Some(n), Some(d)) if d > 0.0 => {
            // the numerator that would sit exactly on the target at today's denominator
            let at = round6(tv * d / 100.0);
            if ind.counts_whole() {
                // whole things: at least ⌈at⌉ (≥), at most ⌊at⌋ (≤)
                let amount = if fewer { n - at.floor() } else { at.ceil() - n };
                Need::Count {
                    amount: amount.max(0.0),
                    fewer,
                }
            } else {
                let amount = if fewer { n - at } else { at - n };
                Need::Measure {
                    amount: ceil2(amount.max(0.0)),
                    fewer,
                }
            }
        }
        _ => Need::Points {
            points: round6((x - tv).abs()),
            fewer,
        },
    }
}

/// The average yearly change from the earliest year with data in `[year − PACE_YEARS, year)` to
/// `year`; `series` is (year, value) sorted by year and must include `year`.
pub fn pace(series: &[(u16, f64)], year: u16) -> Option<Pace> {
    let start = year.saturating_sub(PACE_YEARS);
    let &(_, now) = series.iter().find(|(y, _)| *y == year)?;
    let &(from, then) = series.iter().find(|(y, _)| *y >= start && *y < year)?;
    Some(Pace {
        per_year: (now - then) / f64::from(year - from),
        from,
        to: year,
    })
}

/// The year `value` (in `year`) meets `target` moving at `pace`.
pub fn reach(value: f64, target: &Target, pace: Option<Pace>, year: u16) -> Reach {
    let TargetValue::Number(t) = target.value else {
        return Reach::NoPace;
    };
    let Some(p) = pace else {
        return Reach::Insufficient;
    };
    let gap = t - value;
    let toward = match target.comparison {
        Comparison::Ge => p.per_year,
        Comparison::Le => -p.per_year,
        Comparison::Eq => p.per_year * gap.signum(),
    };
    if toward <= 1e-9 {
        return Reach::Away;
    }
    // whole years, and an exact landing is a landing (6 / 2 is 3 years, not 4)
    let years = round6(gap.abs() / toward).ceil().max(1.0);
    if years > f64::from(HORIZON_YEARS) {
        return Reach::TooSlow;
    }
    Reach::Year(year + years as u16)
}

/// A unit's way to the standard in `year`; None when it has no row in that year. `years` is
/// its rows by year, indexed by indicator (`eval::by_indicator`).
pub fn plan_unit(
    fw: &Framework,
    targets: &[Option<Target>],
    years: &BTreeMap<u16, Vec<Option<&Observation>>>,
    year: u16,
) -> Option<UnitPlan> {
    let rows = years.get(&year)?;
    let ev = super::evaluate(fw, targets, rows);
    // earlier evaluations, latest first, for "met before"
    let earlier: Vec<(u16, Evaluation)> = years
        .range(..year)
        .rev()
        .map(|(y, r)| (*y, super::evaluate(fw, targets, r)))
        .collect();
    let mut criteria = Vec::new();
    for (ci, c) in fw.criteria.iter().enumerate() {
        let status = ev.criteria[ci];
        if status == Status::Met {
            continue;
        }
        let mut gaps = Vec::new();
        for &i in &c.indicators {
            if !matches!(ev.indicators[i], Status::NotMet | Status::NoData) {
                continue;
            }
            let target = targets.get(i).cloned().flatten();
            let obs = rows.get(i).copied().flatten();
            let need = match &target {
                Some(t) => shortfall(&fw.indicators[i], t, obs),
                None => Need::NoData,
            };
            let value = obs.and_then(Observation::effective);
            let (pace, reach) = match (need, value, &target) {
                (Need::MustPass | Need::NoData, _, _)
                | (_, None | Some(Value::Pass(_)), _)
                | (_, _, None) => (None, Reach::NoPace),
                (_, Some(Value::Number(x)), Some(t)) => {
                    let series = numeric_series(years, i, year);
                    let p = pace(&series, year);
                    (p, reach(x, t, p, year))
                }
            };
            gaps.push(Gap {
                indicator: i,
                target,
                value,
                numerator: obs.and_then(|o| o.numerator),
                denominator: obs.and_then(|o| o.denominator),
                need,
                pace,
                reach,
            });
        }
        let met_before = earlier
            .iter()
            .find(|(_, e)| e.criteria[ci] == Status::Met)
            .map(|(y, _)| *y);
        criteria.push(CriterionGap {
            criterion: ci,
            status,
            gaps,
            met_before,
        });
    }
    Some(UnitPlan {
        year,
        evaluation: ev,
        criteria,
    })
}

/// Indicator `i`'s numeric values in the pace window ending at `year`.
fn numeric_series(
    years: &BTreeMap<u16, Vec<Option<&Observation>>>,
    i: usize,
    year: u16,
) -> Vec<(u16, f64)> {
    years
        .range(year.saturating_sub(PACE_YEARS)..=year)
        .filter_map(|(y, r)| match r.get(i).copied().flatten()?.effective()? {
            Value::Number(x) => Some((*y, x)),
            Value::Pass(_) => None,
        })
        .collect()
}

/// What a plan needs for one indicator over many units (the district's totals).
#[derive(Clone, Debug, PartialEq)]
pub struct Total {
    /// Index into `Framework::indicators`.
    pub indicator: usize,
    /// Units missing the indicator.
    pub units: usize,
    /// Sum of the counts or measures (households, km ...) over the units that have them.
    pub amount: f64,
    /// Units whose shortfall is a count or measure (summed in `amount`).
    pub counted: usize,
    /// Under a ceiling: the amount must leave the state.
    pub fewer: bool,
    /// Units known only as a percentage.
    pub percent_only: usize,
    /// Number indicators (income): units short, and the largest amount short.
    pub numbers: usize,
    pub largest: f64,
    /// Pass/fail units that must pass.
    pub must_pass: usize,
    /// Units without a value.
    pub no_data: usize,
}

/// Per indicator, in framework order, what the units' plans need together.
pub fn totals<'a>(plans: impl IntoIterator<Item = &'a UnitPlan>) -> Vec<Total> {
    let mut by: BTreeMap<usize, Total> = BTreeMap::new();
    for p in plans {
        for g in p.gaps() {
            let t = by.entry(g.indicator).or_insert_with(|| Total {
                indicator: g.indicator,
                units: 0,
                amount: 0.0,
                counted: 0,
                fewer: g.need.fewer(),
                percent_only: 0,
                numbers: 0,
                largest: 0.0,
                must_pass: 0,
                no_data: 0,
            });
            t.units += 1;
            match g.need {
                Need::Count { amount, fewer } | Need::Measure { amount, fewer } => {
                    t.amount += amount;
                    t.counted += 1;
                    t.fewer = fewer;
                }
                Need::Amount { amount, .. } => {
                    t.numbers += 1;
                    t.largest = t.largest.max(amount);
                }
                Need::Points { .. } => t.percent_only += 1,
                Need::MustPass => t.must_pass += 1,
                Need::NoData => t.no_data += 1,
            }
        }
    }
    by.into_values().collect()
}

#[cfg(test)]
mod tests;
