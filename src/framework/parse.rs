//! TOML → Framework / Override, with every error naming the file, line and reason.

use std::collections::{BTreeMap, HashSet};
use std::fmt;
use std::ops::Range;

use serde::Deserialize;
use toml::Spanned;

use super::{
    Criterion, Framework, Group, Indicator, Mapping, MappingPair, Override, OverrideTarget,
    Registry,
};
use crate::model::{Comparison, Kind, TargetValue};
use crate::text::{excerpt, nfc};

/// Indicator ids in the store are u16 (keys are `[unit u32][fw u16][ind u16][year u16]`):
/// one framework cannot have more indicators than that width counts.
pub const MAX_INDICATORS: usize = u16::MAX as usize;

/// Codes and ids are short (`qd318-2022-nang-cao`, `17.1a`); a longer one is a mistake.
const MAX_CODE_CHARS: usize = 64;

/// A problem with a code that becomes part of a store key or is printed: empty, or holding
/// spaces, control, bidi or zero-width characters.
pub fn code_problem(what: &str, s: &str) -> Option<String> {
    if s.is_empty() {
        Some(format!("{what} is empty"))
    } else if s.chars().count() > MAX_CODE_CHARS {
        Some(format!(
            "{what} \"{}\" is longer than {MAX_CODE_CHARS} characters",
            excerpt(s)
        ))
    } else if s.chars().any(char::is_whitespace) || crate::text::sanitize(s) != s {
        Some(format!(
            "{what} \"{}\" contains spaces or control characters",
            excerpt(s)
        ))
    } else {
        None
    }
}

/// A framework or override file that cannot be used.
#[derive(Debug, Clone, PartialEq)]
pub struct FrameworkError {
    pub file: String,
    pub line: usize,
    pub reason: String,
}

impl fmt::Display for FrameworkError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = crate::text::sanitize;
        write!(f, "{}:{}: {}", s(&self.file), self.line, s(&self.reason))
    }
}

impl std::error::Error for FrameworkError {}

struct Ctx<'a> {
    file: &'a str,
    text: &'a str,
}

impl Ctx<'_> {
    fn line_of(&self, span: Range<usize>) -> usize {
        let end = span.start.min(self.text.len());
        self.text[..end].bytes().filter(|b| *b == b'\n').count() + 1
    }
    fn err<T>(&self, span: Range<usize>, reason: impl Into<String>) -> Result<T, FrameworkError> {
        Err(FrameworkError {
            file: self.file.to_string(),
            line: self.line_of(span),
            reason: reason.into(),
        })
    }
    fn toml_err(&self, e: toml::de::Error) -> FrameworkError {
        FrameworkError {
            file: self.file.to_string(),
            line: e.span().map(|s| self.line_of(s)).unwrap_or(1),
            // the parser's message may quote the file: keep it short and clean
            reason: crate::text::excerpt_n(e.message().trim(), crate::text::MESSAGE_CHARS),
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFramework {
    id: Spanned<String>,
    name: String,
    name_en: String,
    decision: Option<String>,
    period: Option<[u16; 2]>,
    #[serde(default)]
    regions: Vec<Spanned<String>>,
    #[serde(default)]
    commune_groups: Vec<Spanned<String>>,
    note: Option<String>,
    declared_indicators: Option<usize>,
    #[serde(default)]
    key_criteria: Vec<Spanned<String>>,
    thresholds: Option<RawThresholds>,
    basic: Option<RawBasic>,
    #[serde(default)]
    groups: Vec<RawGroup>,
    criteria: Vec<RawCriterion>,
    indicators: Vec<RawIndicator>,
}

/// Per-framework defaults of the finding rules (flags of `ntm check` override them).
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawThresholds {
    declined_pp: Option<f64>,
    declined_pct: Option<f64>,
    near_pp: Option<f64>,
    near_pct: Option<f64>,
    percent_tolerance_pp: Option<f64>,
    implausible_pp: Option<f64>,
    implausible_pct: Option<f64>,
    denominator_tolerance_pct: Option<f64>,
}

/// How "cơ bản đạt" (basically met) is decided for a criterion.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBasic {
    max_missed: usize,
    margin_pp: f64,
    margin_pct: f64,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGroup {
    code: Spanned<String>,
    name: String,
    name_en: String,
    confirmed: Option<bool>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    code: Spanned<String>,
    /// Required when the file declares groups, absent when it has none.
    group: Option<Spanned<String>>,
    name: String,
    name_en: String,
    confirmed: Option<bool>,
    note: Option<String>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawIndicator {
    code: Spanned<String>,
    criterion: Spanned<String>,
    name: String,
    name_en: String,
    kind: Spanned<String>,
    #[serde(default)]
    unit: String,
    comparison: Spanned<String>,
    population: Option<String>,
    numerator_population: Option<String>,
    targets: Option<Spanned<BTreeMap<String, toml::Value>>>,
    #[serde(default)]
    unconfirmed: Vec<Spanned<String>>,
    #[serde(default)]
    sources: BTreeMap<String, String>,
    confirmed: Option<bool>,
    note: Option<String>,
    /// Levels for single years where a source gives them (`[[indicators.yearly]]`).
    #[serde(default)]
    yearly: Vec<Spanned<RawYearly>>,
    /// Years for which the set defines a level of its own that no source gives.
    #[serde(default)]
    yearly_unsourced: Vec<Spanned<u16>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawYearly {
    year: u16,
    targets: BTreeMap<String, toml::Value>,
    sources: BTreeMap<String, String>,
}

fn kind_of(s: &str) -> Option<Kind> {
    match s {
        "bool" => Some(Kind::Bool),
        "ratio" => Some(Kind::Ratio),
        "number" => Some(Kind::Number),
        _ => None,
    }
}

fn comparison_of(s: &str) -> Option<Comparison> {
    match s {
        ">=" => Some(Comparison::Ge),
        "<=" => Some(Comparison::Le),
        "=" => Some(Comparison::Eq),
        _ => None,
    }
}

/// Convert a TOML target to a typed target for an indicator of `kind`.
fn target_value(kind: Kind, v: &toml::Value) -> Result<TargetValue, String> {
    match (kind, v) {
        (Kind::Bool, toml::Value::Boolean(b)) => Ok(TargetValue::Pass(*b)),
        (Kind::Bool, other) => Err(format!(
            "a pass/fail indicator needs a true/false target, not {}",
            excerpt(&other.to_string())
        )),
        (_, toml::Value::Float(f)) if f.is_finite() => Ok(TargetValue::Number(*f)),
        (_, toml::Value::Integer(i)) => Ok(TargetValue::Number(*i as f64)),
        (_, other) => Err(format!(
            "a numeric indicator needs a number target, not {}",
            excerpt(&other.to_string())
        )),
    }
}

/// Parse and validate a framework file. `file` is used in error messages only.
pub fn parse_framework(file: &str, text: &str) -> Result<Framework, FrameworkError> {
    parse_framework_with(file, text, true)
}

/// `parse_framework` for a file already in a store: the checks on codes and on the number of
/// indicators came later than some stores, whose frameworks must still load (the id tables
/// refuse to wrap whatever the file says).
pub fn parse_stored_framework(file: &str, text: &str) -> Result<Framework, FrameworkError> {
    parse_framework_with(file, text, false)
}

fn parse_framework_with(file: &str, text: &str, strict: bool) -> Result<Framework, FrameworkError> {
    let cx = Ctx { file, text };
    // without `strict`, only the emptiness that was always refused
    let code_problem = |what: &str, s: &str| {
        if strict {
            code_problem(what, s)
        } else {
            (what == "framework id" && s.trim().is_empty()).then(|| format!("{what} is empty"))
        }
    };
    let raw: RawFramework = toml::from_str(text).map_err(|e| cx.toml_err(e))?;
    if let Some(m) = code_problem("framework id", raw.id.get_ref()) {
        return cx.err(raw.id.span(), m);
    }
    if strict && raw.indicators.len() > MAX_INDICATORS {
        return cx.err(
            raw.id.span(),
            format!(
                "the framework has {} indicators; ntm stores at most {MAX_INDICATORS} (indicator ids are 16-bit)",
                raw.indicators.len()
            ),
        );
    }
    let mut regions = Vec::new();
    for r in &raw.regions {
        if regions.contains(r.get_ref()) {
            return cx.err(
                r.span(),
                format!("duplicate region {}", excerpt(r.get_ref())),
            );
        }
        regions.push(r.get_ref().clone());
    }
    let mut commune_groups: Vec<String> = Vec::new();
    for g in &raw.commune_groups {
        if !regions.is_empty() {
            return cx.err(
                g.span(),
                "a framework picks targets by regions or by commune_groups, not both",
            );
        }
        if commune_groups.contains(g.get_ref()) || g.get_ref().trim().is_empty() {
            return cx.err(
                g.span(),
                format!("duplicate or empty commune group \"{}\"", g.get_ref()),
            );
        }
        commune_groups.push(g.get_ref().clone());
    }
    // target keys other than "national": the regions, or the commune groups
    let areas: Vec<String> = regions.iter().chain(&commune_groups).cloned().collect();
    let area_word = if commune_groups.is_empty() {
        "region"
    } else {
        "commune group"
    };

    let mut groups = Vec::new();
    let mut seen = HashSet::new();
    for g in raw.groups {
        if !seen.insert(g.code.get_ref().clone()) {
            return cx.err(
                g.code.span(),
                format!("duplicate group code {}", excerpt(g.code.get_ref())),
            );
        }
        groups.push(Group {
            code: g.code.into_inner(),
            name: nfc(&g.name),
            name_en: g.name_en,
            confirmed: g.confirmed.unwrap_or(true),
        });
    }

    let mut criteria: Vec<Criterion> = Vec::new();
    let mut crit_codes = HashSet::new();
    for c in raw.criteria {
        if let Some(m) = code_problem("criterion code", c.code.get_ref()) {
            return cx.err(c.code.span(), m);
        }
        if !crit_codes.insert(c.code.get_ref().clone()) {
            return cx.err(
                c.code.span(),
                format!("duplicate criterion code {}", excerpt(c.code.get_ref())),
            );
        }
        let group = match &c.group {
            Some(g) if !groups.iter().any(|x| x.code == *g.get_ref()) => {
                return cx.err(
                    g.span(),
                    format!(
                        "criterion {} names group {}, which is not defined",
                        excerpt(c.code.get_ref()),
                        excerpt(g.get_ref())
                    ),
                );
            }
            Some(g) => g.get_ref().clone(),
            None if !groups.is_empty() => {
                return cx.err(
                    c.code.span(),
                    format!("criterion {} has no group", excerpt(c.code.get_ref())),
                );
            }
            None => String::new(),
        };
        criteria.push(Criterion {
            code: c.code.into_inner(),
            group,
            name: nfc(&c.name),
            name_en: c.name_en,
            indicators: Vec::new(),
            confirmed: c.confirmed.unwrap_or(true),
            note: c.note.map(|n| nfc(&n)),
        });
    }

    let mut indicators: Vec<Indicator> = Vec::new();
    let mut codes = HashSet::new();
    let crit_at: std::collections::HashMap<String, usize> = criteria
        .iter()
        .enumerate()
        .map(|(i, c)| (c.code.clone(), i))
        .collect();
    for i in raw.indicators {
        let code = i.code.get_ref().clone();
        if let Some(m) = code_problem("indicator code", &code) {
            return cx.err(i.code.span(), m);
        }
        if !codes.insert(code.clone()) {
            return cx.err(
                i.code.span(),
                format!("duplicate indicator code {}", excerpt(&code)),
            );
        }
        let Some(&ci) = crit_at.get(i.criterion.get_ref()) else {
            return cx.err(
                i.criterion.span(),
                format!(
                    "indicator {code} names criterion {}, which is not defined",
                    excerpt(i.criterion.get_ref())
                ),
            );
        };
        let Some(kind) = kind_of(i.kind.get_ref()) else {
            return cx.err(
                i.kind.span(),
                format!(
                    "indicator {code}: unknown kind \"{}\" (expected bool, ratio or number)",
                    excerpt(i.kind.get_ref())
                ),
            );
        };
        let Some(comparison) = comparison_of(i.comparison.get_ref()) else {
            return cx.err(
                i.comparison.span(),
                format!(
                    "indicator {code}: unknown comparison \"{}\" (expected >=, <= or =)",
                    excerpt(i.comparison.get_ref())
                ),
            );
        };
        let tspan = i.targets.as_ref().map_or(i.code.span(), |t| t.span());
        let raw_targets = i.targets.map(|t| t.into_inner()).unwrap_or_default();
        let mut targets = BTreeMap::new();
        for (k, v) in &raw_targets {
            if k != "national" && !areas.contains(k) {
                return cx.err(
                    tspan.clone(),
                    format!(
                        "indicator {code}: target for unknown {area_word} {}",
                        excerpt(k)
                    ),
                );
            }
            let tv = target_value(kind, v)
                .or_else(|m| cx.err(tspan.clone(), format!("indicator {code}: {m}")))?;
            targets.insert(k.clone(), tv);
        }
        let mut unconfirmed = Vec::new();
        for u in &i.unconfirmed {
            if !areas.contains(u.get_ref()) {
                return cx.err(
                    u.span(),
                    format!(
                        "indicator {code}: unconfirmed names unknown {area_word} {}",
                        excerpt(u.get_ref())
                    ),
                );
            }
            if targets.contains_key(u.get_ref()) {
                return cx.err(
                    u.span(),
                    format!(
                        "indicator {code}: {area_word} {} has a target and is also listed as unconfirmed",
                        excerpt(u.get_ref())
                    ),
                );
            }
            unconfirmed.push(u.get_ref().clone());
        }
        let in_period = |y: u16| raw.period.is_none_or(|[a, b]| (a..=b).contains(&y));
        let mut yearly = BTreeMap::new();
        for y in &i.yearly {
            let span = y.span();
            let y = y.get_ref();
            if !in_period(y.year) {
                return cx.err(
                    span,
                    format!(
                        "indicator {code}: yearly level for {}, outside the set's period",
                        y.year
                    ),
                );
            }
            let mut levels = BTreeMap::new();
            for (k, v) in &y.targets {
                if k != "national" && !areas.contains(k) {
                    return cx.err(
                        span,
                        format!(
                            "indicator {code}: {} level for unknown {area_word} {}",
                            y.year,
                            excerpt(k)
                        ),
                    );
                }
                if !y.sources.contains_key(k) {
                    return cx.err(
                        span,
                        format!(
                            "indicator {code}: {} level for {} names no source (sources)",
                            y.year,
                            excerpt(k)
                        ),
                    );
                }
                let tv = target_value(kind, v)
                    .or_else(|m| cx.err(span.clone(), format!("indicator {code}: {m}")))?;
                levels.insert(k.clone(), tv);
            }
            if yearly.insert(y.year, (levels, y.sources.clone())).is_some() {
                return cx.err(
                    span,
                    format!("indicator {code}: yearly level for {} given twice", y.year),
                );
            }
        }
        let mut yearly_unsourced = Vec::new();
        for y in &i.yearly_unsourced {
            if !in_period(*y.get_ref()) || yearly.contains_key(y.get_ref()) {
                return cx.err(
                    y.span(),
                    format!(
                        "indicator {code}: yearly_unsourced year {} is outside the set's period or has a level",
                        y.get_ref()
                    ),
                );
            }
            yearly_unsourced.push(*y.get_ref());
        }
        criteria[ci].indicators.push(indicators.len());
        indicators.push(Indicator {
            yearly,
            yearly_unsourced,
            code,
            criterion: ci,
            name: nfc(&i.name),
            name_en: i.name_en,
            kind,
            unit: nfc(&i.unit),
            comparison,
            population: i.population.filter(|s| !s.is_empty()),
            numerator_population: i.numerator_population.filter(|s| !s.is_empty()),
            targets,
            unconfirmed,
            sources: i.sources,
            confirmed: i.confirmed.unwrap_or(true),
            note: i.note.map(|n| nfc(&n)),
        });
    }
    let mut key_criteria = Vec::new();
    for k in &raw.key_criteria {
        if !criteria.iter().any(|c| c.code == *k.get_ref()) {
            return cx.err(
                k.span(),
                format!(
                    "key_criteria names criterion {}, which is not defined",
                    excerpt(k.get_ref())
                ),
            );
        }
        key_criteria.push(k.get_ref().clone());
    }
    let mut options = crate::eval::Options::default();
    if let Some(t) = &raw.thresholds {
        let set = |v: Option<f64>, into: &mut f64| {
            if let Some(x) = v {
                *into = x;
            }
        };
        set(t.declined_pp, &mut options.declined_pp);
        set(t.declined_pct, &mut options.declined_pct);
        set(t.near_pp, &mut options.near_pp);
        set(t.near_pct, &mut options.near_pct);
        set(t.percent_tolerance_pp, &mut options.percent_tolerance_pp);
        set(t.implausible_pp, &mut options.implausible_pp);
        set(t.implausible_pct, &mut options.implausible_pct);
        set(
            t.denominator_tolerance_pct,
            &mut options.denominator_tolerance_pct,
        );
        if let Err(m) = options.validate() {
            return Err(FrameworkError {
                file: file.to_string(),
                line: cx.line_of(text.find("[thresholds]").map_or(0..0, |i| i..i)),
                reason: m,
            });
        }
    }
    let basic = raw.basic.map(|b| crate::eval::BasicRule {
        max_missed: b.max_missed,
        margin_pp: b.margin_pp,
        margin_pct: b.margin_pct,
    });
    if let Some(c) = criteria.iter().find(|c| c.indicators.is_empty()) {
        return Err(FrameworkError {
            file: file.to_string(),
            line: 1,
            reason: format!("criterion {} has no indicators", c.code),
        });
    }
    Ok(Framework {
        id: raw.id.into_inner(),
        name: nfc(&raw.name),
        name_en: raw.name_en,
        decision: raw.decision,
        period: raw.period.map(|[a, b]| (a, b)),
        regions,
        commune_groups,
        note: raw.note.map(|n| nfc(&n)),
        declared_indicators: raw.declared_indicators,
        key_criteria,
        options,
        basic,
        groups,
        criteria,
        indicators,
        source_text: text.to_string(),
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverride {
    framework: Spanned<String>,
    province: String,
    decision: String,
    issuer: Option<String>,
    targets: Vec<RawOverrideTarget>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOverrideTarget {
    indicator: Spanned<String>,
    value: Spanned<toml::Value>,
    comparison: Option<Spanned<String>>,
    note: Option<String>,
}

/// Parse and validate a provincial override against the frameworks in `reg`.
pub fn parse_override(file: &str, text: &str, reg: &Registry) -> Result<Override, FrameworkError> {
    let cx = Ctx { file, text };
    let raw: RawOverride = toml::from_str(text).map_err(|e| cx.toml_err(e))?;
    let Some(fw) = reg.get(raw.framework.get_ref()) else {
        return cx.err(
            raw.framework.span(),
            format!("unknown framework {}", excerpt(raw.framework.get_ref())),
        );
    };
    let mut targets = Vec::new();
    for t in raw.targets {
        let Some((_, ind)) = fw.indicator(t.indicator.get_ref()) else {
            return cx.err(
                t.indicator.span(),
                format!(
                    "target on indicator {}, which framework {} does not have",
                    excerpt(t.indicator.get_ref()),
                    fw.id
                ),
            );
        };
        let value = target_value(ind.kind, t.value.get_ref())
            .or_else(|m| cx.err(t.value.span(), format!("indicator {}: {m}", ind.code)))?;
        let comparison = match t.comparison {
            None => None,
            Some(c) => Some(comparison_of(c.get_ref()).map_or_else(
                || cx.err(c.span(), format!("unknown comparison \"{}\"", c.get_ref())),
                Ok,
            )?),
        };
        targets.push(OverrideTarget {
            indicator: ind.code.clone(),
            value,
            comparison,
            note: t.note,
        });
    }
    Ok(Override {
        framework: fw.id.clone(),
        province: raw.province,
        decision: nfc(&raw.decision),
        issuer: raw.issuer.map(|s| nfc(&s)),
        targets,
        source_text: text.to_string(),
        added_as: None,
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMapping {
    from: Spanned<String>,
    to: Spanned<String>,
    note: Option<String>,
    #[serde(default)]
    pairs: Vec<RawPair>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPair {
    from: Spanned<String>,
    to: Spanned<String>,
    note: Option<String>,
}

/// Parse and validate a mapping between two frameworks of `reg`: both frameworks must be
/// known, every code must be an indicator of its framework, and no indicator may be mapped
/// twice on the same side.
pub fn parse_mapping(file: &str, text: &str, reg: &Registry) -> Result<Mapping, FrameworkError> {
    let cx = Ctx { file, text };
    let raw: RawMapping = toml::from_str(text).map_err(|e| cx.toml_err(e))?;
    let fw = |s: &Spanned<String>| {
        reg.get(s.get_ref()).map_or_else(
            || {
                cx.err(
                    s.span(),
                    format!("unknown framework {}", excerpt(s.get_ref())),
                )
            },
            Ok,
        )
    };
    let (from, to) = (fw(&raw.from)?, fw(&raw.to)?);
    if from.id == to.id {
        return cx.err(raw.to.span(), "a mapping joins two different frameworks");
    }
    let mut pairs: Vec<MappingPair> = Vec::new();
    for p in raw.pairs {
        for (code, f) in [(&p.from, from), (&p.to, to)] {
            if f.indicator(code.get_ref()).is_none() {
                return cx.err(
                    code.span(),
                    format!(
                        "{} is not an indicator of framework {}",
                        excerpt(code.get_ref()),
                        f.id
                    ),
                );
            }
        }
        if pairs.iter().any(|x| x.from == *p.from.get_ref()) {
            return cx.err(
                p.from.span(),
                format!("{} {} is mapped twice", from.id, excerpt(p.from.get_ref())),
            );
        }
        if pairs.iter().any(|x| x.to == *p.to.get_ref()) {
            return cx.err(
                p.to.span(),
                format!("{} {} is mapped twice", to.id, excerpt(p.to.get_ref())),
            );
        }
        pairs.push(MappingPair {
            from: p.from.into_inner(),
            to: p.to.into_inner(),
            note: p.note.map(|n| nfc(&n)),
        });
    }
    Ok(Mapping {
        from: from.id.clone(),
        to: to.id.clone(),
        note: raw.note.map(|n| nfc(&n)),
        pairs,
    })
}
