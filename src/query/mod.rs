//! The read API the CLI and the TUI use: units in scope, years, evaluations, findings and the
//! grid, computed from the store through `eval`. Nothing here writes.

pub mod audit;
pub mod plan;
pub mod report;

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow, bail};

use crate::eval::lineage::{self, RecognitionInfo};
use crate::eval::{self, Evaluation, Finding, Options, Risk, Status};
use crate::framework::{Framework, Registry};
use crate::model::{Level, Merge, Observation, Recognition, Target, Unit, Units};
use crate::store::Store;

/// The loaded parts are shared (`Arc`): the interface builds a `Query` per action, and copying
/// 10,000 units each time cost milliseconds per key.
pub struct Query<'s> {
    pub store: &'s Store,
    pub reg: Arc<Registry>,
    pub units: Arc<Units>,
    pub recognitions: Arc<Vec<Recognition>>,
    /// Years with data per framework.
    pub years: BTreeMap<String, BTreeSet<u16>>,
    /// Spot audits, for `audit_discrepancy` findings.
    pub audits: Arc<Vec<crate::store::Audit>>,
    /// Administrative history: old unit → new unit.
    pub merges: Arc<Vec<Merge>>,
}

/// One unit evaluated for a year: the criteria, the findings and the recognition.
#[derive(Clone, Debug)]
pub struct UnitReport {
    pub unit: Unit,
    pub evaluation: Option<Evaluation>,
    pub findings: Vec<Finding>,
    pub recognized: Option<Recognition>,
    /// Where `recognized` comes from: the unit's own decision, or (for a merged unit) the level
    /// computed from its predecessors, or a decision overriding that level.
    pub recognition: RecognitionInfo,
    /// Revocation risk, for a unit recognised by the evaluated year.
    pub risk: Option<Risk>,
}

impl UnitReport {
    /// The recognised column: the year, `—` (`none`) when not recognised; `*` marks a level
    /// computed from the predecessors of a merged unit (no decision of its own).
    pub fn recognized_label(&self, none: &str) -> String {
        let y = self
            .recognized
            .as_ref()
            .map_or_else(|| none.to_string(), |r| r.year.to_string());
        if matches!(self.recognition.basis, lineage::Basis::Inherited(_)) {
            y + "*"
        } else {
            y
        }
    }
}

/// A predecessor's own rows before the merger that made the unit.
#[derive(Clone, Debug)]
pub struct Predecessor {
    pub unit: Unit,
    pub merge: Merge,
    /// Its rows (in the framework) of the years before the merger took effect, by year.
    pub rows: BTreeMap<u16, Vec<Observation>>,
}

/// What a grid cell shows, most important first.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Cell {
    Met,
    NotMet,
    /// Met in the comparison year, not met now.
    Regressed,
    /// A spot audit recounted a different value (an `audit_discrepancy` finding).
    Audited,
    /// Has a finding about figures that do not add up.
    Inconsistent,
    NoData,
    NoTarget,
}

impl<'s> Query<'s> {
    pub fn new(store: &'s Store) -> Result<Query<'s>> {
        Ok(Query {
            reg: Arc::new(store.registry()?),
            units: Arc::new(store.units()?),
            recognitions: Arc::new(store.recognitions()?),
            years: store.years()?,
            audits: Arc::new(store.audits()?),
            merges: Arc::new(store.merges()?),
            store,
        })
    }

    /// The framework asked for, or the one with data in the store (the one with the most
    /// recent year when several have).
    pub fn framework(&self, requested: Option<&str>) -> Result<&Framework> {
        if let Some(id) = requested {
            return self.reg.get(id).ok_or_else(|| {
                let known: Vec<&str> = self.reg.frameworks.iter().map(|f| f.id.as_str()).collect();
                anyhow!("unknown framework {id} (known: {})", known.join(", "))
            });
        }
        let best = self
            .years
            .iter()
            .filter(|(id, _)| self.reg.get(id).is_some())
            .max_by_key(|(_, ys)| ys.iter().max().copied())
            .map(|(id, _)| id.as_str());
        match best {
            Some(id) => Ok(self.reg.get(id).expect("filtered above")),
            None => self
                .reg
                .frameworks
                .first()
                .ok_or_else(|| anyhow!("no criteria framework is available")),
        }
    }

    pub fn unit(&self, code: &str) -> Result<&Unit> {
        self.units
            .get(code)
            .ok_or_else(|| anyhow!("unknown unit {code}"))
    }

    /// The unit and everything below it; all units when `unit` is None.
    pub fn scope(&self, unit: Option<&str>) -> Result<Vec<&Unit>> {
        match unit {
            None => {
                let mut v: Vec<&Unit> = self.units.map.values().collect();
                v.sort_by(|a, b| {
                    a.level
                        .cmp(&b.level)
                        .then_with(|| crate::text::fold(&a.name).cmp(&crate::text::fold(&b.name)))
                });
                Ok(v)
            }
            Some(c) => {
                let mut v = vec![self.unit(c)?];
                v.extend(self.units.descendants(c));
                Ok(v)
            }
        }
    }

    /// All rows of a unit in a framework, by year, indexed by indicator.
    pub fn rows(&self, unit: &str, fw: &Framework) -> Result<BTreeMap<u16, Vec<Observation>>> {
        let mut by_year: BTreeMap<u16, Vec<Observation>> = BTreeMap::new();
        for o in self.store.observations_of(unit, &fw.id)? {
            by_year.entry(o.year).or_default().push(o);
        }
        Ok(by_year)
    }

    /// The rows of a unit in a framework in these years only, by year.
    pub fn rows_in(
        &self,
        unit: &str,
        fw: &Framework,
        years: &[u16],
    ) -> Result<BTreeMap<u16, Vec<Observation>>> {
        let mut by_year: BTreeMap<u16, Vec<Observation>> = BTreeMap::new();
        for o in self
            .store
            .observations_of_years(unit, &fw.id, |y| years.contains(&y))?
        {
            by_year.entry(o.year).or_default().push(o);
        }
        Ok(by_year)
    }

    pub fn targets(&self, fw: &Framework, unit: &str) -> Vec<Option<Target>> {
        eval::targets_for(fw, &self.units, unit, &self.reg.overrides)
    }

    /// Years with data for a set of units (from their summaries).
    pub fn years_of(&self, fw: &Framework, units: &[&Unit]) -> Result<BTreeSet<u16>> {
        let all = self.years.get(&fw.id).cloned().unwrap_or_default();
        let mut out = BTreeSet::new();
        for y in all {
            for u in units {
                if self.store.summary(&u.code, &fw.id, y)?.is_some() {
                    out.insert(y);
                    break;
                }
            }
        }
        Ok(out)
    }

    /// Resolve `--year` / `--against` defaults: the latest year with data, and the year with
    /// data before it.
    pub fn resolve_years(
        &self,
        fw: &Framework,
        units: &[&Unit],
        year: Option<u16>,
        against: Option<u16>,
    ) -> Result<(u16, Option<u16>)> {
        let years = self.years_of(fw, units)?;
        let year = match year {
            Some(y) => y,
            None => *years
                .iter()
                .next_back()
                .context("no data in the store for this scope (import a bundle first)")?,
        };
        let against = match against {
            Some(a) if a >= year => bail!("--against {a} must be before --year {year}"),
            Some(a) => Some(a),
            None => years.range(..year).next_back().copied(),
        };
        Ok((year, against))
    }

    /// Evaluate one unit for `year` and list its findings.
    pub fn report(
        &self,
        fw: &Framework,
        unit: &Unit,
        year: u16,
        against: Option<u16>,
        opt: &Options,
    ) -> Result<UnitReport> {
        // the rules look at the year, the comparison year and the year before (implausible
        // changes): a national check reads 3 of 15 years
        let mut wanted = vec![year, year.saturating_sub(1)];
        wanted.extend(against);
        let rows = self.rows_in(&unit.code, fw, &wanted)?;
        let targets = self.targets(fw, &unit.code);
        let indexed: BTreeMap<u16, Vec<Option<&Observation>>> = rows
            .iter()
            .map(|(y, r)| (*y, eval::by_indicator(fw, r)))
            .collect();
        let recognition = self.recognition(&unit.code, year);
        let mut recs: Vec<Recognition> = self
            .recognitions
            .iter()
            .filter(|r| r.unit_code == unit.code)
            .cloned()
            .collect();
        // a level inherited from a merger counts as the unit's recognition
        if let (lineage::Basis::Inherited(_), Some(r)) =
            (&recognition.basis, &recognition.recognized)
        {
            recs.push(r.clone());
        }
        let data = eval::findings::UnitData {
            code: &unit.code,
            targets: &targets,
            years: &indexed,
            recognitions: &recs,
        };
        let mut findings = eval::find(fw, &data, year, against, opt);
        let evaluation = indexed.get(&year).map(|r| eval::evaluate(fw, &targets, r));
        // an aggregate row's "communes meeting" against the communes' own rows
        if unit.level != Level::Commune
            && let Some(rows) = indexed.get(&year)
        {
            let mut communes = Vec::new();
            for c in self.communes_in(&unit.code, year)? {
                let ev = match self.evaluation(fw, &c.code, year)? {
                    Some(ev) => ev,
                    None => eval::evaluate(
                        fw,
                        &self.targets(fw, &c.code),
                        &vec![None; fw.indicators.len()],
                    ),
                };
                communes.push((c.name.clone(), ev));
            }
            findings.extend(eval::consistency::units_met(
                fw, &unit.code, year, rows, &communes,
            ));
        }
        findings.extend(self.audit_findings(&fw.id, &unit.code, year));
        let recognized = recognition.recognized.clone();
        let risk = match (&recognized, &evaluation) {
            (Some(_), Some(ev)) => Some(eval::revocation_risk(fw, ev)),
            _ => None,
        };
        Ok(UnitReport {
            unit: unit.clone(),
            evaluation,
            findings,
            recognized,
            recognition,
            risk,
        })
    }

    /// A unit's recognition in `year` and its basis (own decision, inherited, overridden).
    pub fn recognition(&self, unit: &str, year: u16) -> RecognitionInfo {
        lineage::recognition(unit, year, &self.units, &self.merges, &self.recognitions)
    }

    /// The units a unit was made of, each with its rows before the merger (by name).
    pub fn predecessors(&self, unit: &str, fw: &Framework) -> Result<Vec<Predecessor>> {
        let mut out = Vec::new();
        for m in lineage::predecessors(unit, &self.merges) {
            let Some(u) = self.units.get(&m.old_code) else {
                continue;
            };
            let mut rows = self.rows(&u.code, fw)?;
            rows.retain(|y, _| *y < m.year());
            out.push(Predecessor {
                unit: u.clone(),
                merge: m.clone(),
                rows,
            });
        }
        out.sort_by_cached_key(|p| (crate::text::fold(&p.unit.name), p.unit.code.clone()));
        Ok(out)
    }

    /// `audit_discrepancy` findings of a unit-year: records marked as a discrepancy in any audit.
    pub fn audit_findings(&self, fw: &str, unit: &str, year: u16) -> Vec<Finding> {
        let mut out = Vec::new();
        for a in self.audits.iter() {
            for (i, r) in a.records.iter().enumerate() {
                let Some(m) = &r.mark else { continue };
                if m.status != crate::store::MarkStatus::Discrepancy
                    || r.key.unit != unit
                    || r.key.year != year
                    || r.key.framework != fw
                {
                    continue;
                }
                let kind = self
                    .reg
                    .get(fw)
                    .and_then(|f| f.indicator(&r.key.indicator))
                    .map(|(_, i)| i.kind);
                // a pass/fail record shows its verdicts and no factor (1/0 is not a quantity)
                let show = |v: Option<f64>, st| match (v, kind) {
                    (None, _) => "?".to_string(),
                    (Some(x), Some(crate::model::Kind::Bool)) if x == 0.0 || x == 1.0 => {
                        crate::eval::findings::show(
                            crate::model::Kind::Bool,
                            crate::model::Value::Pass(x >= 0.5),
                            st == crate::text::NumStyle::Vi,
                        )
                    }
                    (Some(x), _) => crate::text::fmt_num(x, 2, st),
                };
                let vf = crate::audit::record_factor(kind, r.reported, m.recount);
                let (en_vf, vi_vf) = match vf {
                    Some(v) => (
                        format!(
                            " (verification factor {})",
                            crate::text::fmt_num(v, 2, crate::text::NumStyle::En)
                        ),
                        format!(
                            " (hệ số xác minh {})",
                            crate::text::fmt_num(v, 2, crate::text::NumStyle::Vi)
                        ),
                    ),
                    None => (String::new(), String::new()),
                };
                out.push(Finding {
                    unit: unit.to_string(),
                    indicator: Some(r.key.indicator.clone()),
                    year,
                    kind: eval::FindingKind::AuditDiscrepancy,
                    severity: eval::FindingKind::AuditDiscrepancy.severity(),
                    message: format!(
                        "audit {} #{}: reported {}, recounted {}{en_vf}",
                        a.name,
                        i + 1,
                        show(r.reported, crate::text::NumStyle::En),
                        show(m.recount, crate::text::NumStyle::En)
                    ),
                    message_vi: format!(
                        "kiểm tra {} #{}: báo cáo {}, đếm lại {}{vi_vf}",
                        a.name,
                        i + 1,
                        show(r.reported, crate::text::NumStyle::Vi),
                        show(m.recount, crate::text::NumStyle::Vi)
                    ),
                });
            }
        }
        out
    }

    /// Grid cells for one unit: per criterion, what to show.
    pub fn cells(
        &self,
        fw: &Framework,
        report: &UnitReport,
        prev: Option<&Evaluation>,
    ) -> Vec<Cell> {
        let Some(ev) = &report.evaluation else {
            return vec![Cell::NoData; fw.criteria.len()];
        };
        fw.criteria
            .iter()
            .enumerate()
            .map(|(ci, c)| {
                let in_crit = |f: &Finding| {
                    f.indicator
                        .as_deref()
                        .is_some_and(|i| c.indicators.iter().any(|&ii| fw.indicators[ii].code == i))
                };
                let audited = report
                    .findings
                    .iter()
                    .any(|f| f.kind == eval::FindingKind::AuditDiscrepancy && in_crit(f));
                let inconsistent = report.findings.iter().any(|f| {
                    f.kind.is_inconsistency()
                        && f.indicator.as_deref().is_some_and(|i| {
                            c.indicators.iter().any(|&ii| fw.indicators[ii].code == i)
                        })
                });
                match ev.criteria[ci] {
                    Status::NotMet if prev.is_some_and(|p| p.criteria[ci] == Status::Met) => {
                        Cell::Regressed
                    }
                    _ if audited => Cell::Audited,
                    _ if inconsistent => Cell::Inconsistent,
                    Status::Met => Cell::Met,
                    Status::NotMet => Cell::NotMet,
                    Status::NoData => Cell::NoData,
                    Status::NoTarget => Cell::NoTarget,
                }
            })
            .collect()
    }

    /// The evaluation of a unit in another year (for regressions in the grid).
    pub fn evaluation(&self, fw: &Framework, unit: &str, year: u16) -> Result<Option<Evaluation>> {
        let rows = self.rows_in(unit, fw, &[year])?;
        let targets = self.targets(fw, unit);
        Ok(rows
            .get(&year)
            .map(|r| eval::evaluate(fw, &targets, &eval::by_indicator(fw, r))))
    }

    /// The communes to show under a parent (its descendant communes; the unit itself when it
    /// is a commune).
    pub fn communes_of(&self, parent: &str) -> Result<Vec<&Unit>> {
        let u = self.unit(parent)?;
        if u.level == Level::Commune {
            return Ok(vec![u]);
        }
        Ok(self
            .units
            .descendants(parent)
            .into_iter()
            .filter(|u| u.level == Level::Commune)
            .collect())
    }

    /// The communes under a parent that existed in `year` (valid_from ≤ year ≤ valid_to).
    pub fn communes_in(&self, parent: &str, year: u16) -> Result<Vec<&Unit>> {
        Ok(self
            .communes_of(parent)?
            .into_iter()
            .filter(|u| u.valid_in(year))
            .collect())
    }

    /// Sort findings most severe first, then by unit, indicator and kind.
    pub fn sort_findings(findings: &mut [Finding]) {
        findings.sort_by(|a, b| {
            b.severity
                .cmp(&a.severity)
                .then_with(|| a.unit.cmp(&b.unit))
                .then_with(|| natural(a.indicator.as_deref()).cmp(&natural(b.indicator.as_deref())))
                .then_with(|| a.kind.cmp(&b.kind))
        });
    }
}

/// "17.6" sorts after "2.4": compare codes by their numeric parts.
pub fn natural(code: Option<&str>) -> Vec<(u32, String)> {
    code.unwrap_or("")
        .split('.')
        .map(|p| {
            let digits: String = p.chars().take_while(|c| c.is_ascii_digit()).collect();
            (
                digits.parse().unwrap_or(u32::MAX),
                p[digits.len()..].to_string(),
            )
        })
        .collect()
}

impl Cell {
    /// Glyph shown in the grid; distinct per state so the grid reads without colour.
    pub fn glyph(self, ascii: bool) -> &'static str {
        match (self, ascii) {
            (Cell::Met, false) => "●",
            (Cell::NotMet, false) => "✗",
            (Cell::Regressed, false) => "↓",
            (Cell::Audited, false) => "A",
            (Cell::Inconsistent, false) => "!",
            (Cell::NoData, false) => "·",
            (Cell::NoTarget, false) => "?",
            (Cell::Met, true) => "+",
            (Cell::NotMet, true) => "x",
            (Cell::Regressed, true) => "v",
            (Cell::Audited, true) => "A",
            (Cell::Inconsistent, true) => "!",
            (Cell::NoData, true) => ".",
            (Cell::NoTarget, true) => "?",
        }
    }

    pub fn label_key(self) -> &'static str {
        match self {
            Cell::Met => "cell_met",
            Cell::NotMet => "cell_not_met",
            Cell::Regressed => "cell_regressed",
            Cell::Audited => "cell_audited",
            Cell::Inconsistent => "cell_inconsistent",
            Cell::NoData => "cell_no_data",
            Cell::NoTarget => "cell_no_target",
        }
    }

    pub const ALL: [Cell; 7] = [
        Cell::Met,
        Cell::NotMet,
        Cell::Regressed,
        Cell::Audited,
        Cell::Inconsistent,
        Cell::NoData,
        Cell::NoTarget,
    ];
}

/// One row of the criteria grid.
#[derive(Clone, Debug)]
pub struct GridRow {
    pub report: UnitReport,
    pub cells: Vec<Cell>,
}

impl GridRow {
    /// A district's or province's own row (not a commune).
    pub fn is_aggregate(&self) -> bool {
        self.report.unit.level != Level::Commune
    }
    pub fn criteria_met(&self) -> usize {
        self.report
            .evaluation
            .as_ref()
            .map_or(0, |e| e.criteria_met)
    }
    pub fn meets_standard(&self) -> bool {
        self.report
            .evaluation
            .as_ref()
            .is_some_and(Evaluation::meets_standard)
    }
}

/// The criteria grid of the communes under `parent` for a year.
#[derive(Clone, Debug)]
pub struct Grid {
    pub parent: Unit,
    pub year: u16,
    pub against: Option<u16>,
    pub rows: Vec<GridRow>,
}

impl Grid {
    /// The commune rows (the KPIs count communes, never a district's own row).
    pub fn communes(&self) -> impl Iterator<Item = &GridRow> {
        self.rows.iter().filter(|r| !r.is_aggregate())
    }
    /// Communes meeting the standard, communes with data.
    pub fn meeting(&self) -> (usize, usize) {
        let with = self
            .communes()
            .filter(|r| r.report.evaluation.is_some())
            .count();
        (self.communes().filter(|r| r.meets_standard()).count(), with)
    }
    /// Average criteria met per commune with data.
    pub fn average_met(&self) -> f64 {
        let (_, n) = self.meeting();
        if n == 0 {
            return 0.0;
        }
        self.communes().map(GridRow::criteria_met).sum::<usize>() as f64 / n as f64
    }
    /// Percent of communes with data meeting criterion `ci`.
    pub fn percent_meeting(&self, ci: usize) -> f64 {
        let (_, n) = self.meeting();
        if n == 0 {
            return 0.0;
        }
        let met = self
            .communes()
            .filter(|r| {
                r.report
                    .evaluation
                    .as_ref()
                    .is_some_and(|e| e.criteria[ci] == Status::Met)
            })
            .count();
        met as f64 * 100.0 / n as f64
    }
}

impl Query<'_> {
    /// Build the grid for the communes under `parent`.
    pub fn grid(
        &self,
        fw: &Framework,
        parent: &str,
        year: u16,
        against: Option<u16>,
        opt: &Options,
    ) -> Result<Grid> {
        let parent_u = self.unit(parent)?.clone();
        let mut rows = Vec::new();
        // a district's or province's own published row (a city report is only that) comes
        // first, so that the grid shows every row `check` evaluates for the same scope
        for u in self.aggregates_with_data(fw, parent, year)? {
            let report = self.report(fw, u, year, against, opt)?;
            let prev = match against {
                Some(a) => self.evaluation(fw, &u.code, a)?,
                None => None,
            };
            let cells = self.cells(fw, &report, prev.as_ref());
            rows.push(GridRow { report, cells });
        }
        // only the communes that existed in the year: a merged commune's predecessors up to the
        // merger, the new commune from it
        for u in self.communes_in(parent, year)? {
            let report = self.report(fw, u, year, against, opt)?;
            let prev = match against {
                Some(a) => self.evaluation(fw, &u.code, a)?,
                None => None,
            };
            let cells = self.cells(fw, &report, prev.as_ref());
            rows.push(GridRow { report, cells });
        }
        Ok(Grid {
            parent: parent_u,
            year,
            against,
            rows,
        })
    }

    /// The unit and the districts/provinces below it that have rows of their own in `year`.
    pub fn aggregates_with_data(
        &self,
        fw: &Framework,
        parent: &str,
        year: u16,
    ) -> Result<Vec<&Unit>> {
        let mut out = Vec::new();
        for u in self.scope(Some(parent))? {
            if u.level != Level::Commune && self.store.summary(&u.code, &fw.id, year)?.is_some() {
                out.push(u);
            }
        }
        Ok(out)
    }

    /// The unit has rows of its own in some year of the framework.
    pub fn has_rows(&self, fw: &str, code: &str) -> bool {
        self.years.get(fw).is_some_and(|ys| {
            ys.iter()
                .any(|y| matches!(self.store.summary(code, fw, *y), Ok(Some(_))))
        })
    }

    /// A sensible unit to open on: the first district (else province) that has communes,
    /// preferring units that still exist (no `valid_to`); without communes, the first
    /// district (else province) with rows of its own (a city's published report).
    pub fn default_parent(&self) -> Option<&Unit> {
        let mut candidates: Vec<&Unit> = self
            .units
            .map
            .values()
            .filter(|u| u.level != Level::Commune)
            .collect();
        // still existing units first (a district dissolved in the 2025 reform is history), then
        // districts before provinces
        candidates.sort_by_key(|u| (u.valid_to.is_some(), std::cmp::Reverse(u.level)));
        let with_communes = candidates.iter().copied().find(|u| {
            self.units
                .children(&u.code)
                .iter()
                .any(|c| c.level == Level::Commune)
        });
        with_communes.or_else(|| {
            candidates
                .into_iter()
                .find(|u| self.years.keys().any(|fw| self.has_rows(fw, &u.code)))
        })
    }
}
