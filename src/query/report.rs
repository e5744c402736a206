//! The appendix table of an NTM report ("So sánh kết quả thực hiện tiêu chí NTM cấp xã"): per
//! indicator, its target and the district's result in a baseline year and a current year,
//! computed from the communes' own rows where they exist and from the district's aggregate row
//! otherwise, with the places where the two disagree marked.

use anyhow::Result;

use super::Query;
use crate::eval::{self, Status, lineage};
use crate::framework::Framework;
use crate::model::{Kind, Level, Observation, Recognition, Target, Value};

/// Where a year's figures come from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Basis {
    /// Summed from the communes' own rows.
    Communes,
    /// Summed from the aggregate rows of the districts under a province (no commune rows).
    Districts,
    /// The aggregate row of the unit itself.
    Aggregate,
    None,
}

/// One indicator in one year.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Cell {
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    /// A lone value: percentage (ratios), number, or pass/fail.
    pub value: Option<Value>,
    /// The percentage as printed (aggregate rows) or computed.
    pub percent: Option<f64>,
    /// The percentage from numerator/denominator, when it differs from the printed one.
    pub computed_percent: Option<f64>,
    pub units_met: Option<u32>,
    pub units_total: Option<u32>,
    /// What the aggregate row says when the communes' rows give something else.
    pub aggregate_units: Option<(Option<u32>, Option<u32>)>,
    pub note: Option<String>,
}

#[derive(Clone, Debug)]
pub struct Line {
    pub indicator: usize,
    pub target: Option<Target>,
    pub baseline: Cell,
    pub current: Cell,
}

#[derive(Clone, Debug)]
pub struct AppendixTable {
    pub unit: String,
    pub unit_name: String,
    pub baseline: u16,
    pub year: u16,
    pub basis: (Basis, Basis),
    pub lines: Vec<Line>,
    /// Communes under the unit that existed in the baseline and in the current year.
    pub communes: (usize, usize),
    /// Communes whose own rows the baseline and the current year were summed from.
    pub communes_with_rows: (usize, usize),
    /// Districts whose aggregate rows a province's year was summed from (no commune rows).
    pub districts_with_rows: (usize, usize),
    /// Communes recognised by the current year, as grid and check see them
    /// ([`crate::eval::lineage::recognition`]): their decisions, or the level a merged commune
    /// inherited from its predecessors.
    pub recognized: Vec<Recognised>,
}

/// One row of the list of recognised communes.
#[derive(Clone, Debug, PartialEq)]
pub struct Recognised {
    /// The commune listed (an inherited recognition names a predecessor in `recognition`).
    pub code: String,
    pub name: String,
    pub recognition: Recognition,
    /// The level was computed from the predecessors of a merged commune (no decision of its
    /// own); the grid marks such a year with `*`.
    pub inherited: bool,
    /// Where the level of a merged commune comes from (inherited, or a decision overriding
    /// the inherited level), as the grid's footnote says it.
    pub explain_vi: Option<String>,
    pub explain_en: Option<String>,
}

impl Query<'_> {
    /// Build the appendix table for `unit` (a district or province) between two years.
    pub fn appendix(
        &self,
        fw: &Framework,
        unit: &str,
        year: u16,
        baseline: u16,
        tolerance_pp: f64,
    ) -> Result<AppendixTable> {
        let u = self.unit(unit)?.clone();
        let communes: Vec<_> = self
            .communes_of(unit)?
            .into_iter()
            .filter(|c| c.level == Level::Commune && c.code != u.code)
            .cloned()
            .collect();
        let own = self.rows(unit, fw)?;
        let targets = self.targets(fw, unit);
        // commune rows and evaluations per year
        let mut per_year = Vec::new();
        for y in [baseline, year] {
            let mut rows: Vec<(Vec<Option<Observation>>, eval::Evaluation)> = Vec::new();
            for c in communes.iter().filter(|c| c.valid_in(y)) {
                let all = self.rows_in(&c.code, fw, &[y])?;
                let Some(r) = all.get(&y) else { continue };
                let t = self.targets(fw, &c.code);
                let idx = eval::by_indicator(fw, r);
                let ev = eval::evaluate(fw, &t, &idx);
                rows.push((idx.into_iter().map(|o| o.cloned()).collect(), ev));
            }
            per_year.push(rows);
        }
        // a province whose data is district rows only: those rows, per year
        let mut district_rows: Vec<Vec<Vec<Observation>>> = Vec::new();
        for (i, y) in [baseline, year].into_iter().enumerate() {
            let mut rows = Vec::new();
            if per_year[i].is_empty() && u.level == Level::Province {
                for d in self.units.descendants(unit) {
                    if d.level != Level::District || !d.valid_in(y) {
                        continue;
                    }
                    if let Some(r) = self.rows_in(&d.code, fw, &[y])?.remove(&y) {
                        rows.push(r);
                    }
                }
            }
            district_rows.push(rows);
        }
        let basis = |i: usize| {
            if !per_year[i].is_empty() {
                Basis::Communes
            } else if !district_rows[i].is_empty() {
                Basis::Districts
            } else if own.contains_key(&[baseline, year][i]) {
                Basis::Aggregate
            } else {
                Basis::None
            }
        };
        let basis = (basis(0), basis(1));
        let mut lines = Vec::new();
        for (ii, ind) in fw.indicators.iter().enumerate() {
            let cell = |yi: usize| -> Cell {
                let y = [baseline, year][yi];
                let agg = own
                    .get(&y)
                    .and_then(|r| r.iter().find(|o| o.indicator == ind.code));
                let rows = &per_year[yi];
                // the communes that existed in that year (a merger changes the count)
                let in_year = communes.iter().filter(|c| c.valid_in(y)).count();
                let from_communes: Vec<(&Observation, Status)> = rows
                    .iter()
                    .filter_map(|(r, ev)| r[ii].as_ref().map(|o| (o, ev.indicators[ii])))
                    .collect();
                let from_districts: Vec<&Observation> = district_rows[yi]
                    .iter()
                    .filter_map(|r| r.iter().find(|o| o.indicator == ind.code))
                    .collect();
                if from_communes.is_empty() && !from_districts.is_empty() {
                    return districts_cell(&from_districts, ind.kind);
                }
                if from_communes.is_empty() {
                    return agg
                        .map(|o| aggregate_cell(o, ind.kind, tolerance_pp))
                        .unwrap_or_default();
                }
                let mut c = Cell::default();
                match ind.kind {
                    Kind::Ratio
                        if from_communes
                            .iter()
                            .all(|(o, _)| o.numerator.is_some() && o.denominator.is_some()) =>
                    {
                        let n: f64 = from_communes.iter().filter_map(|(o, _)| o.numerator).sum();
                        let d: f64 = from_communes
                            .iter()
                            .filter_map(|(o, _)| o.denominator)
                            .sum();
                        c.numerator = Some(n);
                        c.denominator = Some(d);
                        c.percent = (d > 0.0).then(|| n / d * 100.0);
                    }
                    Kind::Ratio | Kind::Number => {
                        let vals: Vec<f64> = from_communes
                            .iter()
                            .filter_map(|(o, _)| match o.effective() {
                                Some(Value::Number(x)) => Some(x),
                                _ => None,
                            })
                            .collect();
                        if !vals.is_empty() {
                            let avg = vals.iter().sum::<f64>() / vals.len() as f64;
                            c.value = Some(Value::Number(avg));
                            if ind.kind == Kind::Ratio {
                                c.percent = Some(avg);
                            }
                        }
                    }
                    Kind::Bool => {
                        let pass = from_communes
                            .iter()
                            .filter(|(o, _)| o.value == Some(Value::Pass(true)))
                            .count();
                        c.value = Some(Value::Pass(pass == in_year));
                    }
                }
                c.units_met = Some(
                    from_communes
                        .iter()
                        .filter(|(_, s)| *s == Status::Met)
                        .count() as u32,
                );
                c.units_total = Some(in_year as u32);
                if let Some(a) = agg
                    && (a.units_met.is_some() || a.units_total.is_some())
                    && (a.units_met != c.units_met || a.units_total != c.units_total)
                {
                    c.aggregate_units = Some((a.units_met, a.units_total));
                }
                c
            };
            lines.push(Line {
                indicator: ii,
                target: targets[ii].clone(),
                baseline: cell(0),
                current: cell(1),
            });
        }
        let mut recognized: Vec<Recognised> = Vec::new();
        for c in communes.iter().filter(|c| c.valid_in(year)) {
            let info = self.recognition(&c.code, year);
            let Some(held) = &info.recognized else {
                continue;
            };
            let (explain_vi, explain_en) = (info.explain(true), info.explain(false));
            if matches!(info.basis, lineage::Basis::Inherited(_)) {
                recognized.push(Recognised {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    recognition: held.clone(),
                    inherited: true,
                    explain_vi,
                    explain_en,
                });
                continue;
            }
            // its own decisions by that year (NTM, then nâng cao, …)
            let mut first = true;
            for r in self
                .recognitions
                .iter()
                .filter(|r| r.unit_code == c.code && r.year <= year)
            {
                recognized.push(Recognised {
                    code: c.code.clone(),
                    name: c.name.clone(),
                    recognition: r.clone(),
                    inherited: false,
                    explain_vi: if first { explain_vi.clone() } else { None },
                    explain_en: if first { explain_en.clone() } else { None },
                });
                first = false;
            }
        }
        recognized.sort_by(|a, b| {
            (a.recognition.year, &a.recognition.decision, &a.name).cmp(&(
                b.recognition.year,
                &b.recognition.decision,
                &b.name,
            ))
        });
        let in_year = |y: u16| communes.iter().filter(|c| c.valid_in(y)).count();
        Ok(AppendixTable {
            unit: u.code.clone(),
            unit_name: u.name.clone(),
            baseline,
            year,
            basis,
            lines,
            communes: (in_year(baseline), in_year(year)),
            communes_with_rows: (per_year[0].len(), per_year[1].len()),
            districts_with_rows: (district_rows[0].len(), district_rows[1].len()),
            recognized,
        })
    }
}

/// The districts' aggregate rows of one indicator summed as the communes' rows are: counts
/// added, communes meeting added, a lone percentage or number averaged, pass when all pass.
fn districts_cell(rows: &[&Observation], kind: Kind) -> Cell {
    let mut c = Cell::default();
    let counts = rows
        .iter()
        .all(|o| o.numerator.is_some() && o.denominator.is_some());
    match kind {
        Kind::Ratio if counts => {
            let n: f64 = rows.iter().filter_map(|o| o.numerator).sum();
            let d: f64 = rows.iter().filter_map(|o| o.denominator).sum();
            c.numerator = Some(n);
            c.denominator = Some(d);
            c.percent = (d > 0.0).then(|| n / d * 100.0);
        }
        Kind::Ratio | Kind::Number => {
            let vals: Vec<f64> = rows
                .iter()
                .filter_map(|o| match o.effective() {
                    Some(Value::Number(x)) => Some(x),
                    _ => None,
                })
                .collect();
            if !vals.is_empty() {
                let avg = vals.iter().sum::<f64>() / vals.len() as f64;
                c.value = Some(Value::Number(avg));
                if kind == Kind::Ratio {
                    c.percent = Some(avg);
                }
            }
        }
        Kind::Bool => {
            c.value = Some(Value::Pass(
                rows.iter().all(|o| o.value == Some(Value::Pass(true))),
            ));
        }
    }
    if rows.iter().all(|o| o.units_met.is_some()) {
        c.units_met = Some(rows.iter().filter_map(|o| o.units_met).sum());
    }
    if rows.iter().all(|o| o.units_total.is_some()) {
        c.units_total = Some(rows.iter().filter_map(|o| o.units_total).sum());
    }
    c
}

fn aggregate_cell(o: &Observation, kind: Kind, tolerance_pp: f64) -> Cell {
    let computed = match (o.numerator, o.denominator) {
        (Some(n), Some(d)) if d > 0.0 => Some(n / d * 100.0),
        _ => None,
    };
    // a ratio given as a lone value is itself the percentage
    let lone = match (kind, o.value) {
        (Kind::Ratio, Some(Value::Number(x))) => Some(x),
        _ => None,
    };
    let percent = o.stated_percent.or(computed).or(lone);
    let computed_percent = match (o.stated_percent, computed) {
        (Some(s), Some(c)) if (s - c).abs() > tolerance_pp => Some(c),
        _ => None,
    };
    Cell {
        numerator: o.numerator,
        denominator: o.denominator,
        value: o.value,
        percent,
        computed_percent,
        units_met: o.units_met,
        units_total: o.units_total,
        aggregate_units: None,
        note: o.note.clone(),
    }
}
