//! Spot audits: reproducible samples of reported records and verification factors.
//!
//! A record's place in the draw is decided by SHA-256(seed ‖ record key) — its unit code,
//! framework, indicator and year as text — never by storage order, so the same store contents,
//! parameters and seed give the same sample on any machine, whatever order the data was
//! imported in. Risk weighting uses Efraimidis–Spirakis keys u^(1/w).

use std::collections::BTreeMap;

use serde::Serialize;
use sha2::{Digest, Sha256};

use crate::model::Kind;
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
    pub fn as_str(self) -> &'static str {
        match self {
            Strata::Criterion => "criterion",
            Strata::District => "district",
            Strata::Unit => "unit",
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

/// A uniform number in (0, 1] from the seed and a text (a record key, a stratum's name).
fn uniform_of(seed: u64, text: &str) -> f64 {
    let mut h = Sha256::new();
    h.update(seed.to_be_bytes());
    h.update(text.as_bytes());
    let d = h.finalize();
    let x = u64::from_be_bytes(d[..8].try_into().expect("8 bytes"));
    ((x >> 11) as f64 + 1.0) / (1u64 << 53) as f64
}

/// A record's uniform number: SHA-256(seed ‖ unit framework indicator year).
fn uniform(seed: u64, key: &ObsKey) -> f64 {
    uniform_of(seed, &key.to_string())
}

/// A stratum's uniform number, for the draws between strata (which strata get a record when
/// there are fewer records than strata, which get the extra one on a tied remainder). The
/// prefix keeps it apart from any record's number.
fn stratum_uniform(seed: u64, name: &str) -> f64 {
    uniform_of(seed, &format!("stratum\u{0}{name}"))
}

/// A seed from the operating system, for a draw without `--seed` (printed and saved, so the
/// draw can still be repeated). Small enough to read out and type: 1 to 4,294,967,295.
pub fn os_seed() -> u64 {
    crate::files::random_u64() % 4_294_967_295 + 1
}

/// How many records each stratum gives, for strata of `sizes` records (in name order) and a
/// sample of `size`:
/// - the whole frame when `size` is at least its length;
/// - when `size` is smaller than the number of strata, `size` strata drawn by the seed, each
///   with the same chance (size ÷ strata), one record each;
/// - otherwise one record per stratum, and the rest proportional to the records each stratum
///   has left (Hamilton's largest remainders; a tie between remainders is settled by the
///   seed, never by the stratum's name). A stratum never gets more than it has.
pub fn allocate(sizes: &[(String, usize)], size: usize, seed: u64) -> Vec<usize> {
    let total: usize = sizes.iter().map(|s| s.1).sum();
    if size >= total {
        return sizes.iter().map(|s| s.1).collect();
    }
    let live: Vec<usize> = (0..sizes.len()).filter(|&i| sizes[i].1 > 0).collect();
    let mut out = vec![0; sizes.len()];
    if size < live.len() {
        let mut order = live.clone();
        order.sort_by(|&a, &b| {
            stratum_uniform(seed, &sizes[b].0)
                .total_cmp(&stratum_uniform(seed, &sizes[a].0))
                .then(a.cmp(&b))
        });
        for &i in order.iter().take(size) {
            out[i] = 1;
        }
        return out;
    }
    let rest = size - live.len();
    let spare = total - live.len();
    let mut given = 0;
    let mut remainders = Vec::new();
    for &i in &live {
        out[i] = 1;
        // exact integer arithmetic: quota = rest × (n − 1) ÷ spare
        let num = rest * (sizes[i].1 - 1);
        out[i] += num / spare;
        given += num / spare;
        remainders.push((num % spare, stratum_uniform(seed, &sizes[i].0), i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(b.1.total_cmp(&a.1)).then(a.2.cmp(&b.2)));
    for &(_, _, i) in remainders.iter().take(rest - given) {
        out[i] += 1;
    }
    out
}

/// One stratum of a drawn sample: its name, how many records it had and how many were drawn.
#[derive(Clone, Debug, PartialEq)]
pub struct Allocation {
    pub stratum: String,
    pub frame: usize,
    pub drawn: usize,
}

/// A drawn sample: the records (strata in name order, each in its draw order) and, for a
/// stratified draw, the allocation per stratum.
pub struct Drawn {
    pub records: Vec<Candidate>,
    pub allocation: Vec<Allocation>,
}

/// Draw `size` records. Within a stratum, records are ranked by u^(1/w) (highest first; with
/// w = 1 this is a plain seeded shuffle); how many each stratum gives is `allocate`'s.
pub fn draw(mut frame: Vec<Candidate>, size: usize, seed: u64) -> Drawn {
    // independent of the order the frame came in
    frame.sort_by(|a, b| a.key.cmp(&b.key));
    let mut strata: BTreeMap<String, Vec<(f64, Candidate)>> = BTreeMap::new();
    for c in frame {
        let k = uniform(seed, &c.key).powf(1.0 / c.weight.max(1e-9));
        strata.entry(c.stratum.clone()).or_default().push((k, c));
    }
    for v in strata.values_mut() {
        v.sort_by(|a, b| b.0.total_cmp(&a.0).then_with(|| a.1.key.cmp(&b.1.key)));
    }
    let sizes: Vec<(String, usize)> = strata.iter().map(|(k, v)| (k.clone(), v.len())).collect();
    let counts = allocate(&sizes, size, seed);
    let stratified = !(strata.len() == 1 && strata.contains_key(""));
    let mut records = Vec::new();
    let mut allocation = Vec::new();
    for ((name, v), n) in strata.into_iter().zip(counts) {
        if stratified {
            allocation.push(Allocation {
                stratum: name,
                frame: v.len(),
                drawn: n,
            });
        }
        records.extend(v.into_iter().take(n).map(|(_, c)| c));
    }
    Drawn {
        records,
        allocation,
    }
}

/// The allocation as one line: `1: 2/45 · 2: 1/12 · …` (drawn/records per stratum).
pub fn allocation_text(a: &[Allocation]) -> String {
    a.iter()
        .map(|s| format!("{}: {}/{}", s.stratum, s.drawn, s.frame))
        .collect::<Vec<_>>()
        .join(" · ")
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
/// Only meaningful on a numeric scale (a percentage, a number): see `record_factor`.
pub fn verification_factor(reported: Option<f64>, recount: Option<f64>) -> Option<f64> {
    match (reported, recount) {
        (Some(r), Some(c)) if r != 0.0 => Some(c / r),
        (Some(r), Some(c)) if r == 0.0 && c == 0.0 => Some(1.0),
        _ => None,
    }
}

/// A record's verification factor on its own scale: None for a pass/fail record (1/0 is a
/// verdict, not a quantity: it gets an agreement, never a ratio).
pub fn record_factor(
    kind: Option<Kind>,
    reported: Option<f64>,
    recount: Option<f64>,
) -> Option<f64> {
    if kind == Some(Kind::Bool) {
        return None;
    }
    verification_factor(reported, recount)
}

/// Whether a checked record is outside the acceptable band: a pass/fail record whose recount
/// disagrees with what was reported, a numeric one whose factor is outside `band` (or whose
/// reported 0 was recounted as more). None when the record was not checked.
pub fn record_outside(kind: Option<Kind>, r: &AuditRecord, band: (f64, f64)) -> Option<bool> {
    let rc = recount_of(r)?;
    let rep = r.reported?;
    if kind == Some(Kind::Bool) {
        // 1 pass, 0 fail; anything else (a number typed by an older build) cannot agree
        return Some(rc != rep);
    }
    Some(match verification_factor(Some(rep), Some(rc)) {
        Some(v) => v < band.0 || v > band.1,
        None => true,
    })
}

/// Aggregated results for a group of records (an indicator, a unit, the whole audit), after the
/// WHO Data Quality Review: a verification factor only within one indicator on a numeric
/// scale, an agreement rate for pass/fail, and for any group the share of checked records
/// confirmed and the count outside the band — never a factor summed across scales.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Tally {
    pub records: usize,
    pub marked: usize,
    pub confirmed: usize,
    pub discrepancies: usize,
    pub cannot_verify: usize,
    /// Σ recount ÷ Σ reported over the checked records of one numeric indicator; None for a
    /// pass/fail indicator and for a unit or the whole audit (they mix scales).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verification_factor: Option<f64>,
    /// Pass/fail records only: the share of checked records whose recount agrees.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub agreement: Option<f64>,
    /// Share of the checked records (confirmed or discrepancy) that were confirmed.
    pub share_confirmed: Option<f64>,
    /// Checked records outside the band (see `record_outside`).
    pub outside_band: usize,
    /// The group needs attention: its factor is outside the band, or a record is.
    pub flagged: bool,
    #[serde(skip)]
    kinds: Vec<Option<Kind>>,
    #[serde(skip)]
    sum_reported: f64,
    #[serde(skip)]
    sum_recount: f64,
    #[serde(skip)]
    bool_checked: usize,
    #[serde(skip)]
    bool_agree: usize,
}

impl Tally {
    pub fn add(&mut self, r: &AuditRecord, kind: Option<Kind>, band: (f64, f64)) {
        self.records += 1;
        if !self.kinds.contains(&kind) {
            self.kinds.push(kind);
        }
        let Some(m) = &r.mark else { return };
        self.marked += 1;
        match m.status {
            MarkStatus::Confirmed => self.confirmed += 1,
            MarkStatus::Discrepancy => self.discrepancies += 1,
            MarkStatus::CannotVerify => self.cannot_verify += 1,
        }
        if let Some(out) = record_outside(kind, r, band) {
            self.outside_band += usize::from(out);
            if kind == Some(Kind::Bool) {
                self.bool_checked += 1;
                self.bool_agree += usize::from(!out);
            }
        }
        if let (Some(rep), Some(rc)) = (r.reported, recount_of(r)) {
            self.sum_reported += rep;
            self.sum_recount += rc;
        }
    }

    /// `one_indicator`: the group is one indicator (so one scale) and may have a factor.
    pub fn finish(&mut self, band: (f64, f64), one_indicator: bool) {
        let numeric = self.kinds.len() == 1 && self.kinds[0] != Some(Kind::Bool);
        self.verification_factor = if one_indicator && numeric && self.sum_reported != 0.0 {
            Some(self.sum_recount / self.sum_reported)
        } else {
            None
        };
        self.agreement =
            (one_indicator && self.kinds == [Some(Kind::Bool)] && self.bool_checked > 0)
                .then(|| self.bool_agree as f64 / self.bool_checked as f64);
        let checked = self.confirmed + self.discrepancies;
        self.share_confirmed = (checked > 0).then(|| self.confirmed as f64 / checked as f64);
        self.flagged = self.outside_band > 0
            || self
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

/// `kind_of` gives each record's indicator kind (from its framework; None when unknown, which
/// is treated as numeric).
pub fn results(a: &Audit, band: (f64, f64), kind_of: impl Fn(&ObsKey) -> Option<Kind>) -> Results {
    let mut by_indicator: BTreeMap<String, Tally> = BTreeMap::new();
    let mut by_unit: BTreeMap<String, Tally> = BTreeMap::new();
    let mut overall = Tally::default();
    for r in &a.records {
        let kind = kind_of(&r.key);
        by_indicator
            .entry(format!("{} {}", r.key.framework, r.key.indicator))
            .or_default()
            .add(r, kind, band);
        by_unit
            .entry(r.key.unit.clone())
            .or_default()
            .add(r, kind, band);
        overall.add(r, kind, band);
    }
    for t in by_indicator.values_mut() {
        t.finish(band, true);
    }
    for t in by_unit.values_mut() {
        t.finish(band, false);
    }
    overall.finish(band, false);
    Results {
        by_indicator,
        by_unit,
        overall,
    }
}

#[cfg(test)]
mod tests;
