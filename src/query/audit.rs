//! The sampling frame of a spot audit: every reported record in scope, with its stratum and
//! risk weight.

use anyhow::Result;

use super::Query;
use crate::audit::{Candidate, Strata};
use crate::eval::{FindingKind, Options};
use crate::framework::Framework;
use crate::model::{Kind, Level, Observation, Value};
use crate::store::ObsKey;

/// A record's value on the recount scale: the percentage for ratios, the number, 1/0 for pass/fail.
pub fn reported(o: &Observation) -> Option<f64> {
    match o.effective()? {
        Value::Number(x) => Some(x),
        Value::Pass(p) => Some(if p { 1.0 } else { 0.0 }),
    }
}

impl Query<'_> {
    /// Every record of `fw` (in `year`, or all years) with its stratum and, when `risk`,
    /// a weight: 1, +3 when it has a finding about its value or consistency, +2 when it just
    /// passes its target, +2 when it moved a lot since the year before.
    pub fn audit_frame(
        &self,
        fw: &Framework,
        year: Option<u16>,
        strata: Option<Strata>,
        risk: bool,
    ) -> Result<Vec<Candidate>> {
        let opt: Options = fw.options;
        let mut out = Vec::new();
        for u in self.units.map.values() {
            let rows = self.rows(&u.code, fw)?;
            for (y, obs) in &rows {
                if year.is_some_and(|want| want != *y) {
                    continue;
                }
                let findings = if risk {
                    self.report(fw, u, *y, Some(y - 1), &opt)?.findings
                } else {
                    Vec::new()
                };
                for o in obs {
                    let Some((_, ind)) = fw.indicator(&o.indicator) else {
                        continue;
                    };
                    let stratum = match strata {
                        None => String::new(),
                        Some(Strata::Unit) => u.code.clone(),
                        Some(Strata::Criterion) => fw.criteria[ind.criterion].code.clone(),
                        Some(Strata::District) => self
                            .units
                            .chain(&u.code)
                            .into_iter()
                            .find(|x| x.level == Level::District)
                            .or_else(|| {
                                self.units
                                    .chain(&u.code)
                                    .into_iter()
                                    .find(|x| x.level == Level::Province)
                            })
                            .map_or_else(|| u.code.clone(), |x| x.code.clone()),
                    };
                    let mut weight = 1.0;
                    let mut reasons = Vec::new();
                    if risk {
                        let mine: Vec<FindingKind> = findings
                            .iter()
                            .filter(|f| f.indicator.as_deref() == Some(&o.indicator))
                            .map(|f| f.kind)
                            .collect();
                        if mine
                            .iter()
                            .any(|k| !matches!(k, FindingKind::NearTarget | FindingKind::Missing))
                        {
                            weight += 3.0;
                            reasons.push("finding".to_string());
                        }
                        if mine.contains(&FindingKind::NearTarget) {
                            weight += 2.0;
                            reasons.push("just passes".to_string());
                        }
                        let prev = rows
                            .get(&(y - 1))
                            .and_then(|p| p.iter().find(|x| x.indicator == o.indicator));
                        if let (Some(a), Some(b)) = (prev.and_then(reported), reported(o)) {
                            let jump = match ind.kind {
                                Kind::Ratio => (b - a).abs() >= 10.0,
                                Kind::Number => a != 0.0 && ((b - a) / a).abs() >= 0.2,
                                Kind::Bool => a != b,
                            };
                            if jump {
                                weight += 2.0;
                                reasons.push("big change".to_string());
                            }
                        }
                    }
                    out.push(Candidate {
                        key: ObsKey {
                            unit: u.code.clone(),
                            framework: fw.id.clone(),
                            indicator: o.indicator.clone(),
                            year: *y,
                        },
                        reported: reported(o),
                        stratum,
                        weight,
                        reasons,
                    });
                }
            }
        }
        Ok(out)
    }
}
