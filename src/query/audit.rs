//! The sampling frame of a spot audit: every reported record in scope, with its stratum and
//! risk weight.

use anyhow::{Result, anyhow};

use super::Query;
use crate::audit::{Candidate, Strata, draw, records_hash};
use crate::eval::{FindingKind, Options};
use crate::framework::Framework;
use crate::model::{Kind, Level, Observation, Value};
use crate::store::ObsKey;
use crate::store::log::{actor, now};
use crate::store::{Audit, AuditRecord};
use crate::text::fmt_plain;

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
        bar: &mut crate::progress::Progress,
    ) -> Result<Vec<Candidate>> {
        let opt: Options = fw.options;
        let mut out = Vec::new();
        bar.set_total(self.units.map.len() as u64);
        for u in self.units.map.values() {
            bar.inc(1);
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

/// The parameters of a draw, as asked (from the command line or the interface's form).
pub struct DrawRequest<'a> {
    pub name: &'a str,
    pub size: usize,
    pub seed: u64,
    pub year: Option<u16>,
    pub strata: Option<Strata>,
    pub risk: bool,
    pub framework: Option<&'a str>,
    /// A progress bar on stderr while the frame is built (the CLI; never the interface,
    /// which owns the terminal)
    pub progress: bool,
}

/// A drawn audit ready to save, with the frame size and the allocation (stratified draws).
pub struct Prepared {
    pub audit: Audit,
    pub frame: usize,
    pub allocation: Vec<crate::audit::Allocation>,
}

/// Draw a sample from the store (nothing is written): shared by `ntm audit sample` and the
/// interface's form.
pub fn prepare(q: &Query, r: &DrawRequest) -> anyhow::Result<Prepared> {
    if r.name.trim().is_empty() || r.name.chars().any(|c| c.is_whitespace() || c.is_control()) {
        return Err(anyhow!("--name must be one word without spaces"));
    }
    if r.size == 0 {
        return Err(anyhow!("--size must be at least 1"));
    }
    let fw = q.framework(r.framework)?;
    let mut bar = if r.progress {
        crate::progress::Progress::new("audit: units", 0)
    } else {
        crate::progress::Progress::hidden()
    };
    let frame = q.audit_frame(fw, r.year, r.strata, r.risk, &mut bar)?;
    bar.finish();
    if frame.is_empty() {
        return Err(anyhow!(
            "no records to sample{}",
            r.year.map(|y| format!(" in {y}")).unwrap_or_default()
        ));
    }
    let n_frame = frame.len();
    let drawn = draw(frame, r.size, r.seed);
    let sizes: std::collections::BTreeMap<&str, (usize, usize)> = drawn
        .allocation
        .iter()
        .map(|a| (a.stratum.as_str(), (a.drawn, a.frame)))
        .collect();
    let records: Vec<AuditRecord> = drawn
        .records
        .iter()
        .map(|c| {
            let mut why = Vec::new();
            if let Some((n, of)) = sizes.get(c.stratum.as_str()) {
                why.push(format!("stratum {} ({n} of {of})", c.stratum));
            }
            if c.weight > 1.0 {
                why.push(format!(
                    "weight {} ({})",
                    fmt_plain(c.weight),
                    c.reasons.join(", ")
                ));
            }
            AuditRecord {
                key: c.key.clone(),
                reported: c.reported,
                why: why.join("; "),
                mark: None,
            }
        })
        .collect();
    let mut params = format!("--size {} --seed {} --framework {}", r.size, r.seed, fw.id);
    if let Some(y) = r.year {
        params += &format!(" --year {y}");
    }
    if let Some(s) = r.strata {
        params += &format!(" --strata {}", s.as_str());
    }
    if r.risk {
        params += " --weight risk";
    }
    params += &format!(" (frame of {n_frame} records)");
    Ok(Prepared {
        audit: Audit {
            name: r.name.to_string(),
            who: actor(),
            created: now(),
            params,
            hash: records_hash(&records),
            records,
        },
        frame: n_frame,
        allocation: drawn.allocation,
    })
}
