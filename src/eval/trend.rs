//! Trend class of an indicator over the years with data, by the required-versus-observed
//! growth method (Statistics Canada / Open SDG progress methodology, see the research note):
//! R = observed compound annual growth ÷ the growth required to reach the target by the
//! horizon year, in the direction of the target.

use serde::Serialize;

use crate::model::{Comparison, Target, TargetValue, Value};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Trend {
    /// The latest value meets the target.
    Achieved,
    /// R ≥ 95 % (without a target: improving ≥ 1.5 % a year).
    OnTrack,
    /// 60 % ≤ R < 95 % (without a target: 0.5–1.5 % a year).
    Moderate,
    /// 0 ≤ R < 60 % (without a target: 0–0.5 % a year).
    Stagnating,
    /// Moving away from the target (R < 0).
    Deteriorating,
    /// Fewer than two years of data.
    Insufficient,
}

impl Trend {
    pub fn as_str(self) -> &'static str {
        match self {
            Trend::Achieved => "achieved",
            Trend::OnTrack => "on_track",
            Trend::Moderate => "moderate",
            Trend::Stagnating => "stagnating",
            Trend::Deteriorating => "deteriorating",
            Trend::Insufficient => "insufficient",
        }
    }
    /// i18n catalogue key.
    pub fn label_key(self) -> &'static str {
        match self {
            Trend::Achieved => "trend_achieved",
            Trend::OnTrack => "trend_on_track",
            Trend::Moderate => "trend_moderate",
            Trend::Stagnating => "trend_stagnating",
            Trend::Deteriorating => "trend_deteriorating",
            Trend::Insufficient => "trend_insufficient",
        }
    }
}

/// Classify `series` (year, value), sorted by year, against `target`, to be reached by
/// `horizon` (the framework's last year; when it has passed, one year after the last value).
pub fn classify(series: &[(u16, Value)], target: Option<&Target>, horizon: u16) -> Trend {
    if series.len() < 2 {
        return match (series.last(), target) {
            (Some((_, v)), Some(t)) if t.is_met(*v) == Some(true) => Trend::Achieved,
            _ => Trend::Insufficient,
        };
    }
    let (y0, v0) = series[0];
    let (y1, v1) = *series.last().expect("two or more points");
    if let Some(t) = target
        && t.is_met(v1) == Some(true)
    {
        return Trend::Achieved;
    }
    let (a, b) = match (v0, v1) {
        (Value::Number(a), Value::Number(b)) => (a, b),
        (Value::Pass(_), Value::Pass(b)) => {
            // pass/fail: achieved handled above; a pass that turned into a fail deteriorated
            let ever = series.iter().any(|(_, v)| *v == Value::Pass(true));
            return if ever && !b {
                Trend::Deteriorating
            } else {
                Trend::Stagnating
            };
        }
        _ => return Trend::Insufficient,
    };
    // zeros would make growth rates undefined; the method replaces them by a small number
    let fix = |v: f64| if v.abs() < 0.001 { 0.001 } else { v };
    let (a, b) = (fix(a), fix(b));
    let years = f64::from(y1.saturating_sub(y0).max(1));
    let observed = (b / a).powf(1.0 / years) - 1.0;
    match target {
        Some(Target {
            value: TargetValue::Number(tv),
            comparison,
            ..
        }) => {
            let dir = if *comparison == Comparison::Le {
                -1.0
            } else {
                1.0
            };
            let end = if horizon > y0 {
                horizon.max(y1 + 1)
            } else {
                y1 + 1
            };
            let req_years = f64::from(end - y0);
            let required = (fix(*tv) / a).powf(1.0 / req_years) - 1.0;
            if required * dir <= 0.0 {
                // the start already met the target: any move towards it is on track
                return if observed * dir >= 0.0 {
                    Trend::OnTrack
                } else {
                    Trend::Deteriorating
                };
            }
            let r = observed / required;
            if r >= 0.95 {
                Trend::OnTrack
            } else if r >= 0.6 {
                Trend::Moderate
            } else if r >= 0.0 {
                Trend::Stagnating
            } else {
                Trend::Deteriorating
            }
        }
        _ => {
            let g = observed * 100.0;
            if g >= 1.5 {
                Trend::OnTrack
            } else if g >= 0.5 {
                Trend::Moderate
            } else if g >= 0.0 {
                Trend::Stagnating
            } else {
                Trend::Deteriorating
            }
        }
    }
}
