//! Plain domain types. No I/O here; the store and the bundle reader convert to and from these.

use serde::{Deserialize, Serialize};

/// Administrative level of a unit.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    Province,
    District,
    Commune,
}

impl Level {
    pub fn as_str(self) -> &'static str {
        match self {
            Level::Province => "province",
            Level::District => "district",
            Level::Commune => "commune",
        }
    }
    pub fn parse(s: &str) -> Option<Level> {
        match s.trim().to_ascii_lowercase().as_str() {
            "province" => Some(Level::Province),
            "district" => Some(Level::District),
            "commune" => Some(Level::Commune),
            _ => None,
        }
    }
}

/// The seven socio-economic regions used to pick targets in the 2016–2020 and 2021–2025 sets.
pub const REGIONS: [&str; 7] = ["TDMNPB", "DBSH", "BTB", "DHNTB", "TN", "DNB", "DBSCL"];

/// An administrative unit (province, district or commune) as in units.csv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Unit {
    pub code: String,
    pub name: String,
    pub level: Level,
    pub parent_code: Option<String>,
    pub region: Option<String>,
    pub valid_from: Option<u16>,
    pub valid_to: Option<u16>,
    pub successor_code: Option<String>,
    /// Commune group picking targets in a group-based framework (QĐ 51/2025/QĐ-TTg: `1`, `2`,
    /// `3`); inherited from the parent when absent. Optional column of units.csv.
    pub commune_group: Option<String>,
}

/// The commune groups of QĐ 51/2025/QĐ-TTg (nhóm 1: adjoining urban areas / little
/// agriculture / planned urban; nhóm 3: ethnic-minority and mountain communes of khu vực
/// II–III; nhóm 2: the rest).
pub const COMMUNE_GROUPS: [&str; 3] = ["1", "2", "3"];

/// A reported value: a number (ratio percentages included) or a pass/fail.
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum Value {
    Number(f64),
    Pass(bool),
}

/// One row of observations.csv: a unit's figure for one indicator and year.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Observation {
    pub unit_code: String,
    pub framework: String,
    pub indicator: String,
    pub year: u16,
    pub value: Option<Value>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub stated_percent: Option<f64>,
    pub units_met: Option<u32>,
    pub units_total: Option<u32>,
    pub source: Option<String>,
    pub note: Option<String>,
}

impl Observation {
    /// The figure compared against a target: the pass/fail (even when counts come with it),
    /// the percentage for ratios (from the counts when present), or the number itself.
    pub fn effective(&self) -> Option<Value> {
        // a pass/fail row may carry the counts behind its verdict: the verdict decides
        if let Some(Value::Pass(p)) = self.value {
            return Some(Value::Pass(p));
        }
        match (self.numerator, self.denominator) {
            (Some(n), Some(d)) if d > 0.0 => Some(Value::Number(n / d * 100.0)),
            (Some(_), Some(_)) => None,
            _ => self.value,
        }
    }
}

/// Kind of recognition: đạt chuẩn NTM, NTM nâng cao, NTM kiểu mẫu.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum RecognitionKind {
    Ntm,
    NangCao,
    KieuMau,
}

impl RecognitionKind {
    pub fn as_str(self) -> &'static str {
        match self {
            RecognitionKind::Ntm => "ntm",
            RecognitionKind::NangCao => "nang_cao",
            RecognitionKind::KieuMau => "kieu_mau",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s.trim().to_ascii_lowercase().as_str() {
            "ntm" => Some(Self::Ntm),
            "nang_cao" => Some(Self::NangCao),
            "kieu_mau" => Some(Self::KieuMau),
            _ => None,
        }
    }
}

/// One row of recognitions.csv.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Recognition {
    pub unit_code: String,
    pub kind: RecognitionKind,
    pub year: u16,
    pub decision: Option<String>,
    pub issuer: Option<String>,
}

/// How an indicator is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    Bool,
    Ratio,
    Number,
}

/// How a value is compared with its target.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Comparison {
    #[serde(rename = ">=")]
    Ge,
    #[serde(rename = "<=")]
    Le,
    #[serde(rename = "=")]
    Eq,
}

impl Comparison {
    pub fn symbol(self) -> &'static str {
        match self {
            Comparison::Ge => "≥",
            Comparison::Le => "≤",
            Comparison::Eq => "=",
        }
    }
    pub fn ascii(self) -> &'static str {
        match self {
            Comparison::Ge => ">=",
            Comparison::Le => "<=",
            Comparison::Eq => "=",
        }
    }
}

/// A target value: a threshold (percent for ratios) or "must pass".
#[derive(Clone, Copy, Debug, PartialEq, Serialize, Deserialize)]
pub enum TargetValue {
    Number(f64),
    Pass(bool),
}

/// Where a resolved target came from.
#[derive(Clone, Debug, PartialEq)]
pub enum TargetOrigin {
    /// A provincial override (decision number).
    Province(String),
    /// The unit's region.
    Region(String),
    /// The unit's commune group (QĐ 51/2025: nhóm 1, 2, 3).
    CommuneGroup(String),
    National,
}

/// A target resolved for one unit.
#[derive(Clone, Debug, PartialEq)]
pub struct Target {
    pub value: TargetValue,
    pub comparison: Comparison,
    pub origin: TargetOrigin,
    /// The levels the criteria set gives for single years (income rising towards the set's
    /// final level), for this unit; `value` is the set's own level.
    pub by_year: YearLevels,
}

/// A target's levels for single years, and which level a year's figure was judged against.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct YearLevels {
    /// (year, level) where a source gives the year's own level.
    pub levels: Vec<(u16, TargetValue)>,
    /// Years for which the set defines its own level but no source gives it: the set's
    /// level applies, and the rule text says so.
    pub unsourced: Vec<u16>,
    /// The year the set's own level is for (the last year of its period), when known.
    pub set_year: Option<u16>,
    /// Set by `Target::in_year`.
    pub applied: AppliedLevel,
}

/// Which level judged a figure (see `Target::in_year`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum AppliedLevel {
    /// The set's own level (no level of its own for the year).
    #[default]
    Set,
    /// The level the set gives for this year.
    Year(u16),
    /// The set's level, standing in for a level of this year that no source gives.
    SetFor(u16),
}

impl Target {
    /// The target as it applies to a figure of `year`: the year's own level where the set
    /// gives one, else the set's level (marked when the year's own level has no source).
    pub fn in_year(&self, year: u16) -> std::borrow::Cow<'_, Target> {
        use std::borrow::Cow;
        let y = &self.by_year;
        if let Some((_, v)) = y.levels.iter().find(|(yy, _)| *yy == year) {
            let mut t = self.clone();
            t.value = *v;
            t.by_year.applied = AppliedLevel::Year(year);
            Cow::Owned(t)
        } else if y.unsourced.contains(&year) {
            let mut t = self.clone();
            t.by_year.applied = AppliedLevel::SetFor(year);
            Cow::Owned(t)
        } else {
            Cow::Borrowed(self)
        }
    }

    /// Does `v` satisfy the target? None when the value type does not fit the target.
    pub fn is_met(&self, v: Value) -> Option<bool> {
        match (self.value, v) {
            (TargetValue::Pass(want), Value::Pass(got)) => Some(got == want),
            (TargetValue::Number(t), Value::Number(x)) => Some(match self.comparison {
                // compare with a small epsilon so 95.0 computed from counts meets ≥ 95
                Comparison::Ge => x >= t - 1e-9,
                Comparison::Le => x <= t + 1e-9,
                Comparison::Eq => (x - t).abs() < 1e-9,
            }),
            _ => None,
        }
    }
}

/// All known units by code, with the lookups target resolution needs.
#[derive(Clone, Debug, Default)]
pub struct Units {
    pub map: std::collections::BTreeMap<String, Unit>,
    /// Parent code → codes of its direct children (kept by `insert`), so `children` does not
    /// scan every unit.
    children_of: std::collections::HashMap<String, Vec<String>>,
}

impl Units {
    pub fn get(&self, code: &str) -> Option<&Unit> {
        self.map.get(code)
    }

    pub fn insert(&mut self, u: Unit) {
        if let Some(old) = self.map.get(&u.code)
            && old.parent_code != u.parent_code
            && let Some(p) = &old.parent_code
            && let Some(v) = self.children_of.get_mut(p)
        {
            v.retain(|c| *c != u.code);
        }
        if let Some(p) = &u.parent_code {
            let v = self.children_of.entry(p.clone()).or_default();
            if !v.contains(&u.code) {
                v.push(u.code.clone());
            }
        }
        self.map.insert(u.code.clone(), u);
    }

    /// The unit and its ancestors, nearest first (stops on a cycle).
    pub fn chain<'a>(&'a self, code: &str) -> Vec<&'a Unit> {
        let mut out: Vec<&Unit> = Vec::new();
        let mut cur = self.map.get(code);
        while let Some(u) = cur {
            if out.iter().any(|x| x.code == u.code) {
                break;
            }
            out.push(u);
            cur = u.parent_code.as_deref().and_then(|p| self.map.get(p));
        }
        out
    }

    /// The region, inherited from the nearest ancestor that has one.
    pub fn region_of(&self, code: &str) -> Option<&str> {
        self.chain(code)
            .into_iter()
            .find_map(|u| u.region.as_deref())
    }

    /// The commune group, inherited from the nearest ancestor that has one.
    pub fn commune_group_of(&self, code: &str) -> Option<&str> {
        self.chain(code)
            .into_iter()
            .find_map(|u| u.commune_group.as_deref())
    }

    /// The code of the province the unit belongs to (itself when it is one).
    pub fn province_of(&self, code: &str) -> Option<&str> {
        self.chain(code)
            .into_iter()
            .find(|u| u.level == Level::Province)
            .map(|u| u.code.as_str())
    }

    /// Direct children of a unit, by name.
    pub fn children(&self, code: &str) -> Vec<&Unit> {
        let mut v: Vec<&Unit> = self
            .children_of
            .get(code)
            .map(|cs| cs.iter().filter_map(|c| self.map.get(c)).collect())
            .unwrap_or_default();
        // by name, then code: the same order whatever order the units were inserted in
        v.sort_by(|a, b| a.code.cmp(&b.code));
        v.sort_by_cached_key(|u| crate::text::fold(&u.name));
        v
    }

    /// All descendants of a unit (children, their children ...), by level then name.
    pub fn descendants(&self, code: &str) -> Vec<&Unit> {
        let mut out = Vec::new();
        let mut stack = vec![code.to_string()];
        while let Some(c) = stack.pop() {
            for ch in self.children(&c) {
                if out.iter().any(|x: &&Unit| x.code == ch.code) || ch.code == code {
                    continue;
                }
                stack.push(ch.code.clone());
                out.push(ch);
            }
        }
        out.sort_by(|a, b| {
            a.level
                .cmp(&b.level)
                .then_with(|| crate::text::fold(&a.name).cmp(&crate::text::fold(&b.name)))
        });
        out
    }
}

impl Unit {
    /// Did the unit exist in `year`? `valid_from ≤ year ≤ valid_to`; an absent bound is open.
    pub fn valid_in(&self, year: u16) -> bool {
        self.valid_from.is_none_or(|a| a <= year) && self.valid_to.is_none_or(|z| year <= z)
    }
}

/// One row of a merge file (merges.csv): `old_code` became (part of) `new_code` on
/// `effective_date`. Many old → one new is a merger; one old → several new is a split.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Merge {
    pub old_code: String,
    pub new_code: String,
    /// `YYYY-MM-DD`, validated on import.
    pub effective_date: String,
    /// Decision number and date, e.g. `1234/NQ-UBTVQH15 ngày 16/6/2025`.
    pub decision: Option<String>,
}

impl Merge {
    /// The year of `effective_date`.
    pub fn year(&self) -> u16 {
        self.effective_date
            .get(..4)
            .and_then(|y| y.parse().ok())
            .unwrap_or(0)
    }
}

/// The three numbers of a text shaped `YYYY-MM-DD` (digits and dashes), whether or not they make
/// a real date.
fn date_shape(s: &str) -> Option<(u32, u32, u32)> {
    let b = s.as_bytes();
    if b.len() != 10 || b[4] != b'-' || b[7] != b'-' {
        return None;
    }
    let digits = |r: std::ops::Range<usize>| -> Option<u32> {
        let t = &s[r];
        t.bytes()
            .all(|c| c.is_ascii_digit())
            .then(|| t.parse().ok())?
    };
    Some((digits(0..4)?, digits(5..7)?, digits(8..10)?))
}

/// Why `s` is not a date [`parse_date`] accepts: written another way, or written `YYYY-MM-DD`
/// but naming a day that does not exist (`2025-02-30`) or a year outside 1900–2100.
pub fn date_problem(s: &str) -> String {
    match date_shape(s) {
        None => format!("\"{s}\" is not a date written YYYY-MM-DD (e.g. 2025-07-01)"),
        Some((y, _, _)) if !(1900..=2100).contains(&y) => {
            format!("{s}: the year is outside 1900–2100")
        }
        Some(_) => format!("is not a real date ({s})"),
    }
}

/// Parse a calendar date written `YYYY-MM-DD` (1900–2100); the normalised text on success.
pub fn parse_date(s: &str) -> Option<(u16, u8, u8)> {
    let (y, m, d) = date_shape(s)?;
    if !(1900..=2100).contains(&y) || !(1..=12).contains(&m) || d == 0 {
        return None;
    }
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (d <= days).then_some((y as u16, m as u8, d as u8))
}

#[cfg(test)]
mod date_tests {
    use super::{date_problem, parse_date};

    #[test]
    fn a_well_written_date_that_does_not_exist_is_named_as_such() {
        assert_eq!(parse_date("2025-02-30"), None);
        assert_eq!(
            date_problem("2025-02-30"),
            "is not a real date (2025-02-30)"
        );
        assert_eq!(
            date_problem("2025-13-01"),
            "is not a real date (2025-13-01)"
        );
        assert_eq!(
            date_problem("1/7/2025"),
            "\"1/7/2025\" is not a date written YYYY-MM-DD (e.g. 2025-07-01)"
        );
        assert_eq!(
            date_problem("1800-01-01"),
            "1800-01-01: the year is outside 1900–2100"
        );
        assert_eq!(parse_date("2024-02-29"), Some((2024, 2, 29)));
    }
}
