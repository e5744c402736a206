//! Spot audits: reproducible samples of reported records and verification factors.
//!
//! A record's place in the draw is decided by SHA-256(seed ‖ record key) — its unit code,
//! framework, indicator and year as text — never by storage order, so the same store contents,
//! parameters and seed give the same sample on any machine, whatever order the data was
//! imported in. Risk weighting uses Efraimidis–Spirakis keys u^(1/w).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::store::{Audit, AuditRecord, MarkStatus, ObsKey};

/// How to split the sample so that every group is represented.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Strata {
    Criterion,
    District,
    Unit,
}

impl Strata {
    pub fn parse(s: &str) -> Option<Strata> {
        match s {
            "criterion" => Some(Strata::Criterion),
            "district" => Some(Strata::District),
            "unit" => Some(Strata::Unit),
            _ => None,
        }
    }
}

/// One record that may be drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Candidate {
    pub key: ObsKey,
    /// Reported value on the recount scale (percent for ratios, the number, 1/0 for pass/fail).
    pub reported: Option<f64>,
    /// The stratum it belongs to under the chosen strata (empty when unstratified).
    pub stratum: String,
    /// Risk weight ≥ 1 (1 when unweighted) and why.
    pub weight: f64,
    pub reasons: Vec<String>,
}

/// A uniform number in (0, 1] from the seed and the record key.
fn uniform(seed: u64, key: &ObsKey) -> f64 {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(key.to_string().as_bytes());
    let d = h.finalize();
    let x = u64::from_be_bytes(d[..8].try_into().expect("8 bytes"));
    ((x >> 11) as f64 + 1.0) / (1u64 << 53) as f64
}

/// Draw `size` records. Within a stratum, records are ranked by u^(1/w) (highest first; with
/// w = 1 this is a plain seeded shuffle); strata (in name order) take turns, so every stratum
/// is represented when `size` is at least their number.
pub fn draw(mut frame: Vec<Candidate>, size: usize, seed: u64) -> Vec<Candidate> {
    // independent of the order the frame came in
    frame.sort_by(|a, b| a.key.cmp(&b.key));
    let mut strata: BTreeMap<String, Vec<(f64, Candidate)>> = BTreeMap::new();
    for c in frame {
        let k = uniform(seed, &c.key).powf(1.0 / c.weight.max(1e-9));
        strata.entry(c.stratum.clone()).or_default().push((k, c));
    }
    for v in strata.values_mut() {
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
        v.reverse(); // pop() takes the best
    }
    let mut out = Vec::new();
    while out.len() < size {
        let mut took = false;
        for v in strata.values_mut() {
            if out.len() >= size {
                break;
            }
            if let Some((_, c)) = v.pop() {
                out.push(c);
                took = true;
            }
        }
        if !took {
            break;
        }
    }
    out
}

/// SHA-256 over the drawn records' keys and reported values, in draw order.
pub fn records_hash(records: &[AuditRecord]) -> String {
    let mut h = Sha256::new();
    for r in records {
        h.update(r.key.to_string().as_bytes());
        h.update([0]);
        h.update(
            r.reported
                .map(|v| v.to_bits())
                .unwrap_or(u64::MAX)
                .to_be_bytes(),
        );
    }
    h.finalize().iter().map(|b| format!("{b:02x}")).collect()
}

/// Verification factor: recount ÷ reported (1 = exact; < 1 over-reported; > 1 under-reported).
pub fn verification_factor(reported: Option<f64>, recount: Option<f64>) -> Option<f64> {
    match (reported, recount) {
        (Some(r), Some(c)) if r != 0.0 => Some(c / r),
        (Some(r), Some(c)) if r == 0.0 && c == 0.0 => Some(1.0),
        _ => None,
    }
}

/// Aggregated results for a group of records (an indicator, a unit, the whole audit).
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    pub records: usize,
    pub marked: usize,
    pub confirmed: usize,
    pub discrepancies: usize,
    pub cannot_verify: usize,
    /// Σ recount ÷ Σ reported over records with both.
    pub verification_factor: Option<f64>,
    /// Share of the marked records that were confirmed.
    pub share_confirmed: Option<f64>,
    /// Outside the acceptable band.
    pub flagged: bool,
    #[serde(skip)]
    sum_reported: f64,
    #[serde(skip)]
    sum_recount: f64,
}

impl Tally {
    pub fn add(&mut self, r: &AuditRecord) {
        self.records += 1;
        let Some(m) = &r.mark else { return };
        self.marked += 1;
        match m.status {
            MarkStatus::Confirmed => self.confirmed += 1,
            MarkStatus::Discrepancy => self.discrepancies += 1,
            MarkStatus::CannotVerify => self.cannot_verify += 1,
        }
        if let (Some(rep), Some(rc)) = (r.reported, recount_of(r)) {
            self.sum_reported += rep;
            self.sum_recount += rc;
        }
    }

    pub fn finish(&mut self, band: (f64, f64)) {
        self.verification_factor = if self.sum_reported != 0.0 {
            Some(self.sum_recount / self.sum_reported)
        } else {
            None
        };
        self.share_confirmed =
            (self.marked > 0).then(|| self.confirmed as f64 / self.marked as f64);
        self.flagged = self
            .verification_factor
            .is_some_and(|v| v < band.0 || v > band.1);
    }
}

/// The recounted value of a marked record: a confirmed record recounts to what was reported.
pub fn recount_of(r: &AuditRecord) -> Option<f64> {
    let m = r.mark.as_ref()?;
    match m.status {
        MarkStatus::Confirmed => r.reported,
        MarkStatus::Discrepancy => m.recount,
        MarkStatus::CannotVerify => None,
    }
}

/// Per indicator, per unit and overall tallies of an audit.
pub struct Results {
    pub by_indicator: BTreeMap<String, Tally>,
    pub by_unit: BTreeMap<String, Tally>,
    pub overall: Tally,
}

pub fn results(a: &Audit, band: (f64, f64)) -> Results {
    let mut by_indicator: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_unit: BTreeMap<String, Tally> = BTreeMap::new();
    let mut overall = Tally::default();
    for r in &a.records {
        by_indicator
            .entry(format!("{} {}", r.key.framework, r.key.indicator))
            .or_default()
            .add(r);
        by_unit.entry(r.key.unit.clone()).or_default().add(r);
        overall.add(r);
    }
    for t in by_indicator.values_mut().chain(by_unit.values_mut()) {
        t.finish(band);
    }
    overall.finish(band);
    Results {
        by_indicator,
        by_unit,
        overall,
    }
}

#[cfg(test)]
mod tests;
