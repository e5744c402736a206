//! Criteria frameworks (bộ tiêu chí) and provincial overrides, loaded from TOML files, and
//! target resolution for a unit: province override → region → national.

mod parse;

use std::collections::BTreeMap;

use crate::model::{Comparison, Kind, Target, TargetOrigin, TargetValue, YearLevels};
pub use parse::{
    FrameworkError, MAX_INDICATORS, code_problem, parse_framework, parse_mapping, parse_override,
    parse_stored_framework,
};

/// Frameworks compiled into the binary: (file name, TOML text).
pub const BUILTIN: &[(&str, &str)] = &[
    (
        "qd1980-2016.toml",
        include_str!("../../fixtures/frameworks/qd1980-2016.toml"),
    ),
    (
        "qd318-2022.toml",
        include_str!("../../fixtures/frameworks/qd318-2022.toml"),
    ),
    (
        "qd318-2022-nang-cao.toml",
        include_str!("../../fixtures/frameworks/qd318-2022-nang-cao.toml"),
    ),
    (
        "qd51-2025.toml",
        include_str!("../../fixtures/frameworks/qd51-2025.toml"),
    ),
];

/// Mappings between frameworks compiled into the binary: (file name, TOML text).
pub const BUILTIN_MAPPINGS: &[(&str, &str)] = &[(
    "mappings/qd1980-2016_to_qd318-2022.toml",
    include_str!("../../fixtures/frameworks/mappings/qd1980-2016_to_qd318-2022.toml"),
)];

/// Provincial overrides compiled into the binary.
pub const BUILTIN_OVERRIDES: &[(&str, &str)] = &[(
    "overrides/bac-giang-07-2017.toml",
    include_str!("../../fixtures/frameworks/overrides/bac-giang-07-2017.toml"),
)];

#[derive(Clone, Debug)]
pub struct Group {
    pub code: String,
    pub name: String,
    pub name_en: String,
    /// False when the group's name or membership is not confirmed by a source.
    pub confirmed: bool,
}

#[derive(Clone, Debug)]
pub struct Criterion {
    pub code: String,
    pub group: String,
    pub name: String,
    pub name_en: String,
    /// Indexes into `Framework::indicators`.
    pub indicators: Vec<usize>,
    /// False when the criterion's number or name is not confirmed by a source.
    pub confirmed: bool,
    /// Why, or what is known about it.
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Indicator {
    pub code: String,
    /// Index into `Framework::criteria`.
    pub criterion: usize,
    pub name: String,
    pub name_en: String,
    pub kind: Kind,
    pub unit: String,
    pub comparison: Comparison,
    pub population: Option<String>,
    pub numerator_population: Option<String>,
    /// Keyed by "national" or a region code.
    pub targets: BTreeMap<String, TargetValue>,
    pub unconfirmed: Vec<String>,
    pub sources: BTreeMap<String, String>,
    /// False when the indicator itself (its code, name or breakdown) is not confirmed.
    pub confirmed: bool,
    pub note: Option<String>,
    /// Levels for single years, keyed like `targets`, with their sources.
    pub yearly: BTreeMap<u16, YearLevel>,
    /// Years for which the decision sets a level of its own that no source gives.
    pub yearly_unsourced: Vec<u16>,
}

/// Units that count whole things: a ratio in one of these has whole numerators and
/// denominators. Anything else (km, ha, money) is a measure and may have decimals.
const COUNT_UNITS: &[&str] = &[
    "hộ",
    "người",
    "trẻ em",
    "trường",
    "thôn",
    "học sinh",
    "cơ sở",
    "xã",
    "huyện",
    "lao động",
    "doanh nghiệp",
    "hợp tác xã",
    "bản",
    "ấp",
    "làng",
    "lớp",
    "trạm",
    "chợ",
    "households",
    "people",
    "schools",
    "villages",
];

impl Indicator {
    /// True when the indicator's unit counts whole things (households, people, schools ...),
    /// as opposed to a measure (km, ha, money) or no unit at all.
    pub fn counts_whole(&self) -> bool {
        let u = self.unit.trim().to_lowercase();
        !u.is_empty() && u.split(',').all(|p| COUNT_UNITS.contains(&p.trim()))
    }
}

/// One year's levels of an indicator: (levels keyed like `targets`, their sources).
pub type YearLevel = (BTreeMap<String, TargetValue>, BTreeMap<String, String>);

#[derive(Clone, Debug)]
pub struct Framework {
    pub id: String,
    pub name: String,
    pub name_en: String,
    pub decision: Option<String>,
    pub period: Option<(u16, u16)>,
    pub regions: Vec<String>,
    /// Commune groups that pick targets instead of regions (QĐ 51/2025: nhóm 1, 2, 3); a
    /// framework has regions or commune groups, never both.
    pub commune_groups: Vec<String>,
    /// What the file does not (yet) contain, shown by `ntm framework show`.
    pub note: Option<String>,
    /// The number of indicators the decision itself declares, when the file does not itemise
    /// them all (QĐ 51/2025: 47).
    pub declared_indicators: Option<usize>,
    /// Criteria whose failure weighs in revocation (QĐ 18/2022/QĐ-TTg: income, environment,
    /// defence and security ...).
    pub key_criteria: Vec<String>,
    /// Default thresholds of the finding rules for this framework.
    pub options: crate::eval::Options,
    /// How "cơ bản đạt" is decided; None: the framework has no such level.
    pub basic: Option<crate::eval::BasicRule>,
    pub groups: Vec<Group>,
    pub criteria: Vec<Criterion>,
    pub indicators: Vec<Indicator>,
    /// The TOML it was read from, kept so a user-added file can be stored and shown.
    pub source_text: String,
}

impl Framework {
    pub fn indicator(&self, code: &str) -> Option<(usize, &Indicator)> {
        self.indicators
            .iter()
            .enumerate()
            .find(|(_, i)| crate::text::same(&i.code, code))
    }

    pub fn criterion(&self, code: &str) -> Option<(usize, &Criterion)> {
        self.criteria
            .iter()
            .enumerate()
            .find(|(_, c)| c.code == code)
    }

    /// Does this framework pick targets by commune group (QĐ 51/2025) instead of region?
    pub fn uses_commune_groups(&self) -> bool {
        !self.commune_groups.is_empty()
    }

    /// The key a unit's targets are picked by: its commune group for a group-based framework,
    /// else its region (both inherited from the parents).
    pub fn area_of<'u>(&self, units: &'u crate::model::Units, unit: &str) -> Option<&'u str> {
        if self.uses_commune_groups() {
            units.commune_group_of(unit)
        } else {
            units.region_of(unit)
        }
    }

    /// Resolve an indicator's target for a unit in `region` (inherited; for a group-based
    /// framework its commune group, see `area_of`) and `province` (code).
    pub fn target(
        &self,
        ind: usize,
        region: Option<&str>,
        province: Option<&str>,
        overrides: &[Override],
    ) -> Option<Target> {
        let i = &self.indicators[ind];
        let mut t = self.target_of_set(ind, region, province, overrides)?;
        // a province's own decision is its level whatever the year
        if !matches!(t.origin, TargetOrigin::Province(_)) {
            let key = match &t.origin {
                TargetOrigin::Region(r) | TargetOrigin::CommuneGroup(r) => r.as_str(),
                _ => "national",
            };
            t.by_year = YearLevels {
                levels: i
                    .yearly
                    .iter()
                    .filter_map(|(y, (levels, _))| levels.get(key).map(|v| (*y, *v)))
                    .collect(),
                unsourced: i.yearly_unsourced.clone(),
                set_year: self.period.map(|(_, b)| b),
                applied: Default::default(),
            };
        }
        Some(t)
    }

    /// The set's own level (no year), as `target` resolves it.
    fn target_of_set(
        &self,
        ind: usize,
        region: Option<&str>,
        province: Option<&str>,
        overrides: &[Override],
    ) -> Option<Target> {
        let i = &self.indicators[ind];
        if let Some(p) = province {
            for o in overrides
                .iter()
                .filter(|o| o.framework == self.id && o.province == p)
            {
                if let Some(t) = o.targets.iter().find(|t| t.indicator == i.code) {
                    return Some(Target {
                        value: t.value,
                        comparison: t.comparison.unwrap_or(i.comparison),
                        origin: TargetOrigin::Province(match &o.added_as {
                            Some(id) => format!("{} [override {id}]", o.decision),
                            None => o.decision.clone(),
                        }),
                        by_year: YearLevels::default(),
                    });
                }
            }
        }
        if let Some(r) = region {
            if let Some(v) = i.targets.get(r) {
                return Some(Target {
                    value: *v,
                    comparison: i.comparison,
                    origin: if self.uses_commune_groups() {
                        TargetOrigin::CommuneGroup(r.to_string())
                    } else {
                        TargetOrigin::Region(r.to_string())
                    },
                    by_year: YearLevels::default(),
                });
            }
            if i.unconfirmed.iter().any(|u| u == r) {
                return None;
            }
        }
        i.targets.get("national").map(|v| Target {
            value: *v,
            comparison: i.comparison,
            origin: TargetOrigin::National,
            by_year: YearLevels::default(),
        })
    }
}

#[derive(Clone, Debug)]
pub struct OverrideTarget {
    pub indicator: String,
    pub value: TargetValue,
    pub comparison: Option<Comparison>,
    pub note: Option<String>,
}

/// A province's own targets for some indicators of a framework, by its decision.
#[derive(Clone, Debug)]
pub struct Override {
    pub framework: String,
    pub province: String,
    pub decision: String,
    pub issuer: Option<String>,
    pub targets: Vec<OverrideTarget>,
    pub source_text: String,
    /// Its id in the store when a user added it (`ntm framework remove-override ID`); None
    /// for the built-in ones. Targets it decides name it, so a verdict can be traced to it.
    pub added_as: Option<String>,
}

/// All frameworks and overrides known to a run: the built-in ones plus those added to the store.
#[derive(Clone, Debug, Default)]
pub struct Registry {
    pub frameworks: Vec<Framework>,
    pub overrides: Vec<Override>,
    /// Indicator correspondences between frameworks (e.g. 1980 → 318 across 2020/2021).
    pub mappings: Vec<Mapping>,
}

impl Registry {
    /// The frameworks compiled into the binary. They are checked by tests, so failing here
    /// is a build defect.
    pub fn builtin() -> Registry {
        let mut r = Registry::default();
        for (name, text) in BUILTIN {
            r.frameworks
                .push(parse_framework(name, text).expect("built-in framework is valid"));
        }
        for (name, text) in BUILTIN_OVERRIDES {
            let o = parse_override(name, text, &r).expect("built-in override is valid");
            r.overrides.push(o);
        }
        for (name, text) in BUILTIN_MAPPINGS {
            let m = parse_mapping(name, text, &r).expect("built-in mapping is valid");
            r.mappings.push(m);
        }
        r
    }

    /// Where indicator `code` of framework `fw` continues in other frameworks, and where it
    /// came from: (other framework, its indicator code, the mapping's note), both directions.
    pub fn counterparts(&self, fw: &str, code: &str) -> Vec<(String, String, Option<String>)> {
        let mut out = Vec::new();
        for m in &self.mappings {
            for p in &m.pairs {
                if m.from == fw && p.from == code {
                    out.push((m.to.clone(), p.to.clone(), p.note.clone()));
                } else if m.to == fw && p.to == code {
                    out.push((m.from.clone(), p.from.clone(), p.note.clone()));
                }
            }
        }
        out
    }

    pub fn get(&self, id: &str) -> Option<&Framework> {
        self.frameworks.iter().find(|f| f.id == id)
    }

    /// Add or replace a framework (same id replaces).
    pub fn put_framework(&mut self, f: Framework) {
        self.frameworks.retain(|x| x.id != f.id);
        self.frameworks.push(f);
    }

    /// Add or replace a mapping (same two frameworks replaces).
    pub fn put_mapping(&mut self, m: Mapping) {
        self.mappings
            .retain(|x| !(x.from == m.from && x.to == m.to));
        self.mappings.push(m);
    }

    /// Add or replace an override (same framework, province and decision replaces).
    pub fn put_override(&mut self, o: Override) {
        self.overrides.retain(|x| {
            !(x.framework == o.framework && x.province == o.province && x.decision == o.decision)
        });
        self.overrides.push(o);
    }
}

/// One correspondence of a mapping: indicator (or criterion-level indicator) `from` of the
/// older framework measures the same thing as `to` of the newer one.
#[derive(Clone, Debug, PartialEq)]
pub struct MappingPair {
    pub from: String,
    pub to: String,
    pub note: Option<String>,
}

/// Indicator correspondences between two frameworks (`mappings/*.toml`).
#[derive(Clone, Debug, PartialEq)]
pub struct Mapping {
    pub from: String,
    pub to: String,
    pub note: Option<String>,
    pub pairs: Vec<MappingPair>,
}

#[cfg(test)]
mod tests;
#[cfg(test)]
mod yearly_tests;
