//! Pure evaluation: statuses of indicators and criteria, and findings, from observations and
//! resolved targets. No I/O, so every rule is testable on plain values.

pub mod consistency;
pub mod findings;
pub mod lineage;
pub mod plan;
pub mod standard;
#[cfg(test)]
mod tests;
pub mod trend;

use serde::{Deserialize, Serialize};

use crate::framework::{Framework, Override};
use crate::model::{Observation, Target, Units};

pub use findings::{Finding, FindingKind, Options, Severity, find};
pub use standard::{BasicRule, Risk, revocation_risk};
pub use trend::Trend;

/// Status of one indicator or one criterion for a unit and year.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Status {
    Met,
    NotMet,
    NoData,
    NoTarget,
}

impl Status {
    pub fn as_u8(self) -> u8 {
        match self {
            Status::Met => 0,
            Status::NotMet => 1,
            Status::NoData => 2,
            Status::NoTarget => 3,
        }
    }
    pub fn from_u8(v: u8) -> Status {
        match v {
            0 => Status::Met,
            1 => Status::NotMet,
            2 => Status::NoData,
            _ => Status::NoTarget,
        }
    }
}

/// The resolved target of every indicator of `fw` for one unit (index = indicator index).
pub fn targets_for(
    fw: &Framework,
    units: &Units,
    unit: &str,
    overrides: &[Override],
) -> Vec<Option<Target>> {
    let region = fw.area_of(units, unit);
    let province = units.province_of(unit);
    (0..fw.indicators.len())
        .map(|i| fw.target(i, region, province, overrides))
        .collect()
}

/// Status of one indicator: no row or no usable value → NoData; no target → NoTarget.
pub fn indicator_status(obs: Option<&Observation>, target: Option<&Target>) -> Status {
    let Some(v) = obs.and_then(Observation::effective) else {
        return Status::NoData;
    };
    let Some(t) = target else {
        return Status::NoTarget;
    };
    // judged against the level of the figure's own year
    let t = obs.map_or(std::borrow::Cow::Borrowed(t), |o| t.in_year(o.year));
    match t.is_met(v) {
        Some(true) => Status::Met,
        Some(false) => Status::NotMet,
        None => Status::NoData,
    }
}

/// Status of a criterion from its indicators: any not met → not met; else any without data →
/// no data; else met when at least one indicator has a target (indicators without a target
/// are shown but do not decide); all without target → no target.
pub fn criterion_status(statuses: impl IntoIterator<Item = Status>) -> Status {
    let (mut not_met, mut no_data, mut met) = (false, false, false);
    for s in statuses {
        match s {
            Status::NotMet => not_met = true,
            Status::NoData => no_data = true,
            Status::Met => met = true,
            Status::NoTarget => {}
        }
    }
    if not_met {
        Status::NotMet
    } else if no_data {
        Status::NoData
    } else if met {
        Status::Met
    } else {
        Status::NoTarget
    }
}

/// One unit's evaluation for one year.
#[derive(Clone, Debug, PartialEq)]
pub struct Evaluation {
    /// Per indicator, in framework order.
    pub indicators: Vec<Status>,
    /// Per criterion, in framework order.
    pub criteria: Vec<Status>,
    pub criteria_met: usize,
    pub criteria_total: usize,
    /// Per criterion: not met, but "cơ bản đạt" under the framework's rule.
    pub basic: Vec<bool>,
}

impl Evaluation {
    /// A unit meets the standard when every criterion is met.
    pub fn meets_standard(&self) -> bool {
        self.criteria_total > 0 && self.criteria_met == self.criteria_total
    }
}

/// Evaluate a unit-year: `obs[i]` is the row of indicator `i` (if any), `targets[i]` its target.
pub fn evaluate(
    fw: &Framework,
    targets: &[Option<Target>],
    obs: &[Option<&Observation>],
) -> Evaluation {
    let indicators: Vec<Status> = (0..fw.indicators.len())
        .map(|i| {
            indicator_status(
                obs.get(i).copied().flatten(),
                targets.get(i).and_then(|t| t.as_ref()),
            )
        })
        .collect();
    let criteria: Vec<Status> = fw
        .criteria
        .iter()
        .map(|c| criterion_status(c.indicators.iter().map(|&i| indicators[i])))
        .collect();
    let criteria_met = criteria.iter().filter(|s| **s == Status::Met).count();
    let basic = criteria
        .iter()
        .enumerate()
        .map(|(ci, s)| {
            *s == Status::NotMet
                && fw
                    .basic
                    .as_ref()
                    .is_some_and(|r| standard::is_basic(fw, ci, &indicators, targets, obs, r))
        })
        .collect();
    Evaluation {
        indicators,
        criteria_total: criteria.len(),
        criteria,
        criteria_met,
        basic,
    }
}

/// Order observations of one unit-year by indicator index of `fw` (unknown codes dropped).
pub fn by_indicator<'a>(
    fw: &Framework,
    rows: impl IntoIterator<Item = &'a Observation>,
) -> Vec<Option<&'a Observation>> {
    let mut out = vec![None; fw.indicators.len()];
    for o in rows {
        if let Some((i, _)) = fw.indicator(&o.indicator) {
            out[i] = Some(o);
        }
    }
    out
}
