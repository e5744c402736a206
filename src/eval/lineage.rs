//! Administrative history: what a merged (or split) unit inherits from the units it was made
//! of. Pure functions over units, merges and recognitions.
//!
//! Recognition of a merged commune (MARD guidance on merged communes, research note §3): when
//! every predecessor was recognised at level X, the new unit keeps X; when they differ, it
//! continues from the lowest level among them (unrecognised < NTM < nâng cao < kiểu mẫu). An
//! actual recognition decision for the new unit wins over the computed level.

use crate::model::{Merge, Recognition, RecognitionKind, Units};

/// Predecessor chains deeper than this are not followed (a guard against cycles).
const MAX_DEPTH: usize = 8;

/// One predecessor and the level it held when the merger took effect.
#[derive(Clone, Debug, PartialEq)]
pub struct Part {
    pub code: String,
    pub name: String,
    /// Its recognition (own decision, or itself inherited) by the merge year; None = not recognised.
    pub level: Option<Recognition>,
}

/// The level a unit inherits from its predecessors.
#[derive(Clone, Debug, PartialEq)]
pub struct Inherited {
    pub parts: Vec<Part>,
    /// Year the (latest) merger took effect.
    pub year: u16,
    /// The computed level: the lowest of the parts' levels (None = not recognised).
    pub kind: Option<RecognitionKind>,
    /// The parts were not all at the same level.
    pub mixed: bool,
}

/// Where a unit's recognition comes from.
#[derive(Clone, Debug, PartialEq)]
pub enum Basis {
    /// Its own decision in recognitions.csv (and no predecessors).
    Decision,
    /// Computed from its predecessors.
    Inherited(Inherited),
    /// Its own decision, which overrides the level computed from its predecessors.
    Override(Inherited),
}

/// A unit's recognition in a year and why.
#[derive(Clone, Debug, PartialEq)]
pub struct RecognitionInfo {
    /// The recognition in force (None = not recognised).
    pub recognized: Option<Recognition>,
    pub basis: Basis,
}

/// Display name of a level, in Vietnamese or English.
pub fn kind_label(k: Option<RecognitionKind>, vi: bool) -> &'static str {
    match (k, vi) {
        (None, true) => "chưa đạt",
        (None, false) => "not recognised",
        (Some(RecognitionKind::Ntm), _) => "NTM",
        (Some(RecognitionKind::NangCao), true) => "NTM nâng cao",
        (Some(RecognitionKind::NangCao), false) => "advanced NTM",
        (Some(RecognitionKind::KieuMau), true) => "NTM kiểu mẫu",
        (Some(RecognitionKind::KieuMau), false) => "model NTM",
    }
}

fn rec_label(r: Option<&Recognition>, vi: bool) -> String {
    match r {
        Some(r) => format!("{} {}", kind_label(Some(r.kind), vi), r.year),
        None => kind_label(None, vi).to_string(),
    }
}

impl Inherited {
    /// `A (NTM 2019), B (chưa đạt) → chưa đạt (mức thấp hơn)`.
    pub fn explain(&self, vi: bool) -> String {
        let parts: Vec<String> = self
            .parts
            .iter()
            .map(|p| format!("{} ({})", p.name, rec_label(p.level.as_ref(), vi)))
            .collect();
        let why = match (self.parts.len() > 1, self.mixed, vi) {
            (false, _, _) => "",
            (true, true, true) => " (mức thấp hơn)",
            (true, true, false) => " (the lower level)",
            (true, false, true) => " (cùng mức)",
            (true, false, false) => " (all at this level)",
        };
        format!("{} → {}{why}", parts.join(", "), kind_label(self.kind, vi))
    }
}

impl RecognitionInfo {
    /// The explanation shown beside the recognition; None for a unit without predecessors.
    pub fn explain(&self, vi: bool) -> Option<String> {
        match &self.basis {
            Basis::Decision => None,
            Basis::Inherited(i) => Some(format!(
                "{}: {}",
                if vi { "kế thừa" } else { "inherited" },
                i.explain(vi)
            )),
            Basis::Override(i) => {
                let r = self.recognized.as_ref();
                let dec = r
                    .and_then(|r| r.decision.clone())
                    .unwrap_or_else(|| "recognitions.csv".into());
                Some(if vi {
                    format!(
                        "quyết định {dec} ({}) thay cho mức kế thừa ({})",
                        rec_label(r, true),
                        i.explain(true)
                    )
                } else {
                    format!(
                        "decision {dec} ({}) overrides the inherited level ({})",
                        rec_label(r, false),
                        i.explain(false)
                    )
                })
            }
        }
    }
}

/// The units `code` was made of (its rows in the merge list), by name.
pub fn predecessors<'m>(code: &str, merges: &'m [Merge]) -> Vec<&'m Merge> {
    merges.iter().filter(|m| m.new_code == code).collect()
}

/// The unit's own decisions by `year`: the one the reports show (lowest kind, earliest year,
/// as elsewhere in ntm).
fn own(code: &str, year: u16, recs: &[Recognition]) -> Option<Recognition> {
    recs.iter()
        .filter(|r| r.unit_code == code && r.year <= year)
        .min_by_key(|r| (r.kind, r.year))
        .cloned()
}

/// The highest level a unit held in `year`: its own decisions, else what it inherited.
fn level_at(
    code: &str,
    year: u16,
    units: &Units,
    merges: &[Merge],
    recs: &[Recognition],
    depth: usize,
) -> Option<Recognition> {
    let best = recs
        .iter()
        .filter(|r| r.unit_code == code && r.year <= year)
        .max_by_key(|r| (r.kind, std::cmp::Reverse(r.year)))
        .cloned();
    if best.is_some() || depth >= MAX_DEPTH {
        return best;
    }
    inherit(code, units, merges, recs, depth + 1).and_then(|i| {
        i.kind.map(|kind| Recognition {
            unit_code: code.to_string(),
            kind,
            year: i.year,
            decision: None,
            issuer: None,
        })
    })
}

fn inherit(
    code: &str,
    units: &Units,
    merges: &[Merge],
    recs: &[Recognition],
    depth: usize,
) -> Option<Inherited> {
    let preds = predecessors(code, merges);
    let year = preds.iter().map(|m| m.year()).max()?;
    let mut parts: Vec<Part> = preds
        .iter()
        .map(|m| Part {
            code: m.old_code.clone(),
            name: units
                .get(&m.old_code)
                .map_or_else(|| m.old_code.clone(), |u| u.name.clone()),
            level: level_at(&m.old_code, m.year(), units, merges, recs, depth),
        })
        .collect();
    parts.sort_by_cached_key(|p| (crate::text::fold(&p.name), p.code.clone()));
    let kinds: Vec<Option<RecognitionKind>> = parts
        .iter()
        .map(|p| p.level.as_ref().map(|r| r.kind))
        .collect();
    let kind = kinds.iter().copied().min().flatten();
    let mixed = kinds.iter().any(|k| *k != kinds[0]);
    Some(Inherited {
        parts,
        year,
        kind,
        mixed,
    })
}

/// What a unit inherits from its predecessors (None when it has none).
pub fn inherited(
    code: &str,
    units: &Units,
    merges: &[Merge],
    recs: &[Recognition],
) -> Option<Inherited> {
    inherit(code, units, merges, recs, 0)
}

/// The unit's recognition in `year` and its basis: its own decision by `year` wins; else, for a
/// unit made by a merger that took effect by `year`, the level computed from its predecessors.
pub fn recognition(
    code: &str,
    year: u16,
    units: &Units,
    merges: &[Merge],
    recs: &[Recognition],
) -> RecognitionInfo {
    let mine = own(code, year, recs);
    match inherited(code, units, merges, recs).filter(|i| i.year <= year) {
        None => RecognitionInfo {
            recognized: mine,
            basis: Basis::Decision,
        },
        Some(i) if mine.is_some() => RecognitionInfo {
            recognized: mine,
            basis: Basis::Override(i),
        },
        Some(i) => RecognitionInfo {
            recognized: i.kind.map(|kind| Recognition {
                unit_code: code.to_string(),
                kind,
                year: i.year,
                decision: None,
                issuer: None,
            }),
            basis: Basis::Inherited(i),
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    // codes stand for names here: a code without a unit is shown as itself
    fn merge(old: &str, new: &str, date: &str) -> Merge {
        Merge {
            old_code: old.into(),
            new_code: new.into(),
            effective_date: date.into(),
            decision: None,
        }
    }
    fn rec(code: &str, kind: RecognitionKind, year: u16, decision: Option<&str>) -> Recognition {
        Recognition {
            unit_code: code.into(),
            kind,
            year,
            decision: decision.map(str::to_string),
            issuer: None,
        }
    }
    fn units() -> Units {
        Units::default()
    }

    #[test]
    fn mixed_predecessors_give_the_lower_level_with_explanation() {
        let m = [
            merge("An", "Chu", "2025-07-01"),
            merge("Bình", "Chu", "2025-07-01"),
        ];
        let r = [rec("An", RecognitionKind::Ntm, 2019, None)];
        let info = recognition("Chu", 2025, &units(), &m, &r);
        assert_eq!(info.recognized, None);
        assert_eq!(
            info.explain(true).unwrap(),
            "kế thừa: An (NTM 2019), Bình (chưa đạt) → chưa đạt (mức thấp hơn)"
        );
        assert_eq!(
            info.explain(false).unwrap(),
            "inherited: An (NTM 2019), Bình (not recognised) → not recognised (the lower level)"
        );
        // before the merger took effect nothing is inherited
        assert_eq!(
            recognition("Chu", 2024, &units(), &m, &r).basis,
            Basis::Decision
        );
    }

    #[test]
    fn lower_of_two_recognised_levels_and_same_level() {
        let m = [
            merge("An", "Chu", "2025-07-01"),
            merge("Bình", "Chu", "2025-07-01"),
        ];
        let r = [
            rec("An", RecognitionKind::KieuMau, 2023, None),
            rec("An", RecognitionKind::Ntm, 2015, None),
            rec("Bình", RecognitionKind::NangCao, 2022, None),
        ];
        let info = recognition("Chu", 2025, &units(), &m, &r);
        let got = info.recognized.clone().unwrap();
        assert_eq!((got.kind, got.year), (RecognitionKind::NangCao, 2025));
        assert!(
            info.explain(true)
                .unwrap()
                .ends_with("→ NTM nâng cao (mức thấp hơn)")
        );
        let r = [
            rec("An", RecognitionKind::Ntm, 2019, None),
            rec("Bình", RecognitionKind::Ntm, 2014, None),
        ];
        let info = recognition("Chu", 2026, &units(), &m, &r);
        assert_eq!(info.recognized.clone().unwrap().kind, RecognitionKind::Ntm);
        assert!(info.explain(true).unwrap().ends_with("→ NTM (cùng mức)"));
    }

    #[test]
    fn a_decision_for_the_new_unit_overrides_and_says_so() {
        let m = [
            merge("An", "Chu", "2025-07-01"),
            merge("Bình", "Chu", "2025-07-01"),
        ];
        let r = [
            rec("An", RecognitionKind::Ntm, 2019, None),
            rec("Chu", RecognitionKind::Ntm, 2025, Some("99/QĐ-UBND")),
        ];
        let info = recognition("Chu", 2025, &units(), &m, &r);
        assert_eq!(
            info.recognized.as_ref().unwrap().decision.as_deref(),
            Some("99/QĐ-UBND")
        );
        assert!(matches!(info.basis, Basis::Override(_)));
        assert_eq!(
            info.explain(true).unwrap(),
            "quyết định 99/QĐ-UBND (NTM 2025) thay cho mức kế thừa (An (NTM 2019), Bình (chưa đạt) → chưa đạt (mức thấp hơn))"
        );
    }

    #[test]
    fn levels_are_inherited_through_two_mergers_and_cycles_stop() {
        // a + b → c (2020), c + d → d2... here c → d (2025)
        let m = [
            merge("An", "Chu", "2020-01-01"),
            merge("Bình", "Chu", "2020-01-01"),
            merge("Chu", "Dương", "2025-07-01"),
        ];
        let r = [
            rec("An", RecognitionKind::NangCao, 2018, None),
            rec("Bình", RecognitionKind::NangCao, 2019, None),
        ];
        let info = recognition("Dương", 2025, &units(), &m, &r);
        assert_eq!(info.recognized.unwrap().kind, RecognitionKind::NangCao);
        let cyc = [
            merge("An", "Bình", "2020-01-01"),
            merge("Bình", "An", "2021-01-01"),
        ];
        let _ = recognition("An", 2025, &units(), &cyc, &[]);
    }
}
