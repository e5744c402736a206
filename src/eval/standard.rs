//! The standard as officers report it: the "cơ bản đạt" (basically met) level of a criterion,
//! and the revocation risk of a recognised commune (QĐ 18/2022/QĐ-TTg).

use serde::Serialize;

use super::{Evaluation, Status};
use crate::framework::Framework;
use crate::model::{Comparison, Kind, Observation, Target, TargetValue, Value};

/// "Cơ bản đạt": a criterion that is not met only because at most `max_missed` numeric
/// indicators miss their targets, each by no more than the margin (percentage points for
/// ratios, percent of the target for numbers). A failed pass/fail indicator or a missing value
/// never counts as basically met. Declared per framework (`[basic]` in its file).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct BasicRule {
    pub max_missed: usize,
    pub margin_pp: f64,
    pub margin_pct: f64,
}

/// Is criterion `ci` (not met) basically met under `rule`?
pub fn is_basic(
    fw: &Framework,
    ci: usize,
    statuses: &[Status],
    targets: &[Option<Target>],
    obs: &[Option<&Observation>],
    rule: &BasicRule,
) -> bool {
    let mut missed = 0;
    for &i in &fw.criteria[ci].indicators {
        match statuses[i] {
            Status::Met | Status::NoTarget => {}
            Status::NoData => return false,
            Status::NotMet => {
                missed += 1;
                let (Some(t), Some(Value::Number(x))) = (
                    targets.get(i).and_then(|t| t.as_ref()),
                    obs.get(i)
                        .copied()
                        .flatten()
                        .and_then(Observation::effective),
                ) else {
                    return false;
                };
                // the level of the figure's year (the set's own, or the year's)
                let year = obs.get(i).copied().flatten().map(|o| o.year);
                let t = year.map_or(std::borrow::Cow::Borrowed(t), |y| t.in_year(y));
                let TargetValue::Number(tv) = t.value else {
                    return false;
                };
                let gap = match t.comparison {
                    Comparison::Ge => tv - x,
                    Comparison::Le => x - tv,
                    Comparison::Eq => (x - tv).abs(),
                };
                let margin = if fw.indicators[i].kind == Kind::Ratio {
                    rule.margin_pp
                } else {
                    rule.margin_pct / 100.0 * tv.abs()
                };
                if gap > margin + 1e-9 {
                    return false;
                }
            }
        }
    }
    missed > 0 && missed <= rule.max_missed
}

/// Revocation risk of a recognised commune.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Risk {
    /// Every criterion met.
    None,
    /// Some criteria fail, fewer than 30 %, none of them key.
    Low,
    /// 30 % or more fail, or a key criterion fails: one step from revocation.
    Medium,
    /// The revocation condition of QĐ 18/2022/QĐ-TTg holds: ≥ 50 % of criteria fail, or
    /// 30–50 % fail including a key criterion (income, environment, defence and security ...).
    High,
}

impl Risk {
    pub fn as_str(self) -> &'static str {
        match self {
            Risk::None => "none",
            Risk::Low => "low",
            Risk::Medium => "medium",
            Risk::High => "high",
        }
    }
}

/// Revocation risk from an evaluation: a criterion that is not met (basically met included)
/// counts as failing; criteria without data do not.
pub fn revocation_risk(fw: &Framework, ev: &Evaluation) -> Risk {
    let total = ev.criteria_total.max(1) as f64;
    let failed: Vec<&str> = fw
        .criteria
        .iter()
        .zip(&ev.criteria)
        .filter(|(_, s)| **s == Status::NotMet)
        .map(|(c, _)| c.code.as_str())
        .collect();
    let share = failed.len() as f64 / total;
    let key = failed
        .iter()
        .any(|c| fw.key_criteria.iter().any(|k| k == c));
    if failed.is_empty() {
        Risk::None
    } else if share >= 0.5 || (share >= 0.3 && key) {
        Risk::High
    } else if share >= 0.3 || key {
        Risk::Medium
    } else {
        Risk::Low
    }
}
