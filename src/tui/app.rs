//! Application state and the state machine: actions in, state changes out. Nothing here
//! draws; the screen modules read this state.

use std::cell::Cell as StdCell;
use std::collections::BTreeMap;

use anyhow::{Result, anyhow};
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;
use super::form::{Confirm, Form, text_chars};
use super::keymap::{Feed, Key, Keymap};
use crate::eval::{self, Finding, FindingKind, Options as EvalOptions, Status};
use crate::framework::Framework;
use crate::i18n::Lang;
use crate::model::{Comparison, Level, Observation, Recognition, Target, Value};
use crate::query::{Grid, GridRow, Query};
use crate::store::{Audit, Flag, LogEntry, Session, Store, StoreError};
use crate::text::{fold, matches};

/// How the interface is drawn and spoken.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Options {
    pub lang: Lang,
    pub ascii: bool,
    pub color: bool,
    pub read_only: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            lang: Lang::Vi,
            ascii: false,
            color: true,
            read_only: false,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Grid,
    Detail,
    Indicator,
    Findings,
    Help,
    Picker,
    /// The list of spot audits.
    Audits,
    /// One audit, record by record.
    Audit,
    /// The way to the standard (`tui::plan`).
    Plan,
}

/// The store the interface works on: shared (read-only) or exclusive (editing allowed), or a
/// session that opens it only while a key is handled (what `ntm` itself uses, so others can
/// use the store while the interface is open).
pub enum StoreRef<'s> {
    Shared(&'s Store),
    Exclusive(&'s mut Store),
    Session(Box<Session>),
}

impl From<Session> for StoreRef<'_> {
    fn from(s: Session) -> Self {
        StoreRef::Session(Box::new(s))
    }
}

impl<'s> From<&'s Store> for StoreRef<'s> {
    fn from(s: &'s Store) -> StoreRef<'s> {
        StoreRef::Shared(s)
    }
}

impl<'s> From<&'s mut Store> for StoreRef<'s> {
    fn from(s: &'s mut Store) -> StoreRef<'s> {
        StoreRef::Exclusive(s)
    }
}

impl StoreRef<'_> {
    /// The store (a session opens it now if it is not open).
    pub fn get(&self) -> Result<&Store, StoreError> {
        match self {
            StoreRef::Shared(s) => Ok(s),
            StoreRef::Exclusive(s) => Ok(s),
            StoreRef::Session(s) => s.get(),
        }
    }
    /// The store for writing; `Ok(None)` when this reference cannot write.
    pub fn get_mut(&mut self) -> Result<Option<&mut Store>, StoreError> {
        match self {
            StoreRef::Shared(_) => Ok(None),
            StoreRef::Exclusive(s) => Ok(Some(s)),
            StoreRef::Session(s) if s.is_read_only() => Ok(None),
            StoreRef::Session(s) => s.get_mut().map(Some),
        }
    }
    /// The store's folder.
    pub fn path(&self) -> &std::path::Path {
        match self {
            StoreRef::Shared(s) => s.path(),
            StoreRef::Exclusive(s) => s.path(),
            StoreRef::Session(s) => s.path(),
        }
    }
    /// Writes are possible through this reference.
    pub fn writable(&self) -> bool {
        match self {
            StoreRef::Shared(_) => false,
            StoreRef::Exclusive(s) => !s.is_read_only(),
            StoreRef::Session(s) => !s.is_read_only(),
        }
    }
    /// A session: the interface releases the store when idle and watches for others' writes.
    pub fn watches(&self) -> bool {
        matches!(self, StoreRef::Session(_))
    }
    /// How long a session has held the store open (None: not open, or not a session).
    pub fn held_for(&self) -> Option<std::time::Duration> {
        match self {
            StoreRef::Session(s) => s.held_for(),
            _ => None,
        }
    }
    /// Let go of the store between key presses (a session only).
    pub fn release(&mut self) {
        if let StoreRef::Session(s) = self {
            s.release();
        }
    }
    /// A write by another process since the last look (a session only).
    pub fn changed_by_others(&mut self) -> Option<crate::store::Change> {
        match self {
            StoreRef::Session(s) => s.changed_by_others(),
            _ => None,
        }
    }
}

/// What the read API loads once from the store (a `Query` without its borrow), so that the
/// app can hold the store mutably and still build a `Query` when it needs one.
#[derive(Clone)]
pub struct QData {
    pub reg: std::sync::Arc<crate::framework::Registry>,
    pub units: std::sync::Arc<crate::model::Units>,
    pub recognitions: std::sync::Arc<Vec<Recognition>>,
    pub years: BTreeMap<String, std::collections::BTreeSet<u16>>,
    pub audits: std::sync::Arc<Vec<Audit>>,
    pub merges: std::sync::Arc<Vec<crate::model::Merge>>,
}

impl QData {
    pub fn load(store: &Store) -> Result<QData> {
        let Query {
            reg,
            units,
            recognitions,
            years,
            audits,
            merges,
            ..
        } = Query::new(store)?;
        Ok(QData {
            reg,
            units,
            recognitions,
            years,
            audits,
            merges,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sort {
    Name,
    CriteriaMet,
    Findings,
}

impl Sort {
    pub fn key(self) -> &'static str {
        match self {
            Sort::Name => "sort_name",
            Sort::CriteriaMet => "sort_met",
            Sort::Findings => "sort_findings",
        }
    }
}

/// One indicator of the detail screen.
#[derive(Clone, Debug)]
pub struct IndRow {
    /// Index into `Framework::indicators`.
    pub index: usize,
    pub target: Option<Target>,
    /// The row of every year with data.
    pub by_year: BTreeMap<u16, Observation>,
    pub status: Status,
    pub findings: Vec<Finding>,
    /// Change-log entries of this indicator in the detail's year, oldest first.
    pub history: Vec<LogEntry>,
    pub flag: Option<Flag>,
    /// The same measure in another framework (a mapping, e.g. 1980 15.3 → 318 15.3), with this
    /// unit's values there, so the series runs across the change of criteria set.
    pub linked: Option<Linked>,
}

/// An indicator's counterpart in another framework and the unit's rows of it.
#[derive(Clone, Debug)]
pub struct Linked {
    pub framework: String,
    pub code: String,
    pub kind: crate::model::Kind,
    /// Years the detail's own framework has no row for.
    pub by_year: BTreeMap<u16, Observation>,
}

#[derive(Clone, Debug)]
pub struct Detail {
    /// Index into `grid.rows` (unused when `own` is set).
    pub row: usize,
    /// The unit's row when it is not one of the grid's (an audited record elsewhere).
    pub own: Option<Box<GridRow>>,
    pub year: u16,
    pub against: Option<u16>,
    pub criterion: usize,
    pub indicators: Vec<IndRow>,
    pub cursor: usize,
    /// For a unit made by a merger: the units it was made of, with their rows before it.
    pub preds: Vec<crate::query::Predecessor>,
}

impl Detail {
    /// The unit's grid row.
    pub fn grid_row<'a>(&'a self, g: &'a Grid) -> &'a GridRow {
        match &self.own {
            Some(r) => r,
            None => &g.rows[self.row],
        }
    }
}

/// The list of audits.
#[derive(Clone, Debug, Default)]
pub struct AuditsView {
    pub cursor: usize,
}

/// One audit being worked through.
#[derive(Clone, Debug)]
pub struct AuditView {
    pub audit: Audit,
    pub index: usize,
    /// The current record's earlier marks (re-marked records), as logged: `mark (who, when)`.
    pub earlier: Vec<String>,
}

impl AuditView {
    pub fn marked(&self) -> usize {
        self.audit
            .records
            .iter()
            .filter(|r| r.mark.is_some())
            .count()
    }
}

/// One commune on the indicator screen.
#[derive(Clone, Debug)]
pub struct PeerRow {
    pub row: usize,
    pub obs: Option<Observation>,
    pub value: Option<Value>,
    pub target: Option<Target>,
    pub status: Status,
}

#[derive(Clone, Debug)]
pub struct IndicatorView {
    pub indicator: usize,
    pub rows: Vec<PeerRow>,
    pub cursor: usize,
}

#[derive(Clone, Debug, Default)]
pub struct FindingsView {
    pub kind: Option<FindingKind>,
    /// (grid row, finding), filtered and sorted.
    pub list: Vec<(usize, Finding)>,
    pub cursor: usize,
}

#[derive(Clone, Debug, Default)]
pub struct Picker {
    /// (code, name, level)
    pub all: Vec<(String, String, Level)>,
    pub query: String,
    pub shown: Vec<usize>,
    pub cursor: usize,
}

/// Scroll offsets remembered between frames (drawing keeps the cursor visible).
#[derive(Debug, Default)]
pub struct Scroll {
    pub grid_row: StdCell<usize>,
    pub grid_col: StdCell<usize>,
    pub list: StdCell<usize>,
    /// Rows of the main list in the last frame (for page moves).
    pub page: StdCell<usize>,
    /// The last frame was too small to show a screen: keys then act only to quit or help.
    pub too_small: StdCell<bool>,
}

pub struct App<'s> {
    pub store: StoreRef<'s>,
    pub q: QData,
    pub opts: Options,
    pub keymap: Keymap,
    pub fw_id: String,
    pub parent: String,
    pub years: Vec<u16>,
    pub year: u16,
    pub against: Option<u16>,
    pub grid: Grid,
    pub sort: Sort,
    pub filter: String,
    /// The filter text before editing started (restored by Esc), when editing.
    pub editing: Option<String>,
    /// Indices into `grid.rows`, filtered and sorted.
    pub view: Vec<usize>,
    pub row: usize,
    pub col: usize,
    pub screens: Vec<Screen>,
    pub detail: Option<Detail>,
    pub indicator: Option<IndicatorView>,
    pub plan: Option<super::plan::PlanView>,
    pub findings: FindingsView,
    pub picker: Option<Picker>,
    pub help_scroll: usize,
    pub pending: Vec<Key>,
    pub message: Option<String>,
    pub quit: bool,
    pub scroll: Scroll,
    /// The open form (edit, flag, audit mark), drawn over the screen.
    pub form: Option<Form>,
    /// A yes/no question, drawn over the screen.
    pub confirm: Option<Confirm>,
    /// Log entries written in this session that undo can take back, newest last.
    pub session: Vec<u64>,
    pub audits: AuditsView,
    pub audit: Option<AuditView>,
    /// The observation as the edit form showed it (None: there was none), to refuse saving
    /// over a change someone else made in the meantime.
    pub edit_base: Option<Option<Observation>>,
    /// How many times the filter was applied (a paste or a burst of typing counts once).
    pub filter_passes: u64,
}

/// Longest filter and picker query (characters).
pub const FILTER_MAX: usize = 64;

/// Summary columns after the criteria: criteria met, recognised, findings.
pub const EXTRA_COLS: usize = 3;

impl<'s> App<'s> {
    /// An app on a store: `&Store` shows only, `&mut Store` also allows edits and marks.
    pub fn new(store: impl Into<StoreRef<'s>>, opts: Options, keymap: Keymap) -> Result<App<'s>> {
        let store = store.into();
        let data = QData::load(store.get()?)?;
        let q = Query {
            store: store.get()?,
            reg: data.reg.clone(),
            units: data.units.clone(),
            recognitions: Vec::new().into(),
            years: data.years.clone(),
            audits: Vec::new().into(),
            merges: Vec::new().into(),
        };
        let fw_id = q.framework(None)?.id.clone();
        let parent = q
            .default_parent()
            .ok_or_else(|| {
                anyhow!(
                    "the store has no district or province with communes or data (import a bundle first)"
                )
            })?
            .code
            .clone();
        let grid = Grid {
            parent: q.unit(&parent)?.clone(),
            year: 0,
            against: None,
            rows: Vec::new(),
        };
        drop(q);
        let mut app = App {
            store,
            q: data,
            opts,
            keymap,
            fw_id,
            parent,
            years: Vec::new(),
            year: 0,
            against: None,
            grid,
            sort: Sort::Name,
            filter: String::new(),
            editing: None,
            view: Vec::new(),
            row: 0,
            col: 0,
            screens: vec![Screen::Grid],
            detail: None,
            indicator: None,
            plan: None,
            findings: FindingsView::default(),
            picker: None,
            help_scroll: 0,
            pending: Vec::new(),
            message: None,
            quit: false,
            scroll: Scroll::default(),
            form: None,
            confirm: None,
            session: Vec::new(),
            audits: AuditsView::default(),
            audit: None,
            edit_base: None,
            filter_passes: 0,
        };
        app.reload(None, None)?;
        Ok(app)
    }

    /// The read API over the store (built from the loaded data).
    pub fn query(&self) -> Result<Query<'_>, StoreError> {
        Ok(Query {
            store: self.store.get()?,
            reg: self.q.reg.clone(),
            units: self.q.units.clone(),
            recognitions: self.q.recognitions.clone(),
            years: self.q.years.clone(),
            audits: self.q.audits.clone(),
            merges: self.q.merges.clone(),
        })
    }

    /// All rows of a unit in a framework, by year.
    pub fn rows(&self, unit: &str, fw: &Framework) -> BTreeMap<u16, Vec<Observation>> {
        let mut by_year: BTreeMap<u16, Vec<Observation>> = BTreeMap::new();
        for o in self
            .store
            .get()
            .and_then(|s| s.observations_of(unit, &fw.id))
            .unwrap_or_default()
        {
            by_year.entry(o.year).or_default().push(o);
        }
        by_year
    }

    pub fn targets(&self, fw: &Framework, unit: &str) -> Vec<Option<Target>> {
        eval::targets_for(fw, &self.q.units, unit, &self.q.reg.overrides)
    }

    pub fn fw(&self) -> &Framework {
        self.q
            .reg
            .get(&self.fw_id)
            .expect("framework chosen at start")
    }

    pub fn t(&self, key: &'static str) -> &'static str {
        self.opts.lang.t(key)
    }

    pub fn screen(&self) -> Screen {
        *self.screens.last().unwrap_or(&Screen::Grid)
    }

    pub fn n_criteria(&self) -> usize {
        self.fw().criteria.len()
    }

    /// The grid row under the cursor (index into `grid.rows`).
    pub fn current_row(&self) -> Option<usize> {
        self.view.get(self.row).copied()
    }

    /// Recompute years and the grid for the current parent; keep `year`/`against` when given
    /// and valid.
    pub fn reload(&mut self, year: Option<u16>, against: Option<Option<u16>>) -> Result<()> {
        let fw = self
            .q
            .reg
            .get(&self.fw_id)
            .ok_or_else(|| anyhow!("framework vanished"))?;
        let q = self.query()?;
        // the unit itself and everything below it: a city's own report has years too
        let scope = q.scope(Some(&self.parent))?;
        let years: Vec<u16> = q.years_of(fw, &scope)?.into_iter().collect();
        let year = match year {
            Some(y) if years.contains(&y) => y,
            _ => years.last().copied().unwrap_or(0),
        };
        let against = match against {
            Some(a) if a.is_none_or(|a| a < year) => a,
            _ => years.iter().rev().find(|y| **y < year).copied(),
        };
        let grid = if years.is_empty() {
            Grid {
                parent: q.unit(&self.parent)?.clone(),
                year,
                against,
                rows: Vec::new(),
            }
        } else {
            q.grid(fw, &self.parent, year, against, &EvalOptions::default())?
        };
        drop(q);
        let keep = self
            .current_row()
            .map(|r| self.grid.rows.get(r).map(|x| x.report.unit.code.clone()));
        self.years = years;
        self.year = year;
        self.against = against;
        self.grid = grid;
        self.rebuild_view(keep.flatten().as_deref());
        self.rebuild_findings();
        if let Some(d) = &self.detail {
            if d.own.is_some() {
                self.audit_detail();
            } else {
                let (row, c, cur) = (d.row, d.criterion, d.cursor);
                self.open_detail(row, c, Some(cur));
            }
        }
        if let Some(iv) = &self.indicator {
            let (i, cur) = (iv.indicator, iv.cursor);
            self.open_indicator(i);
            if let Some(iv) = &mut self.indicator {
                iv.cursor = cur.min(iv.rows.len().saturating_sub(1));
            }
        }
        if self.plan.is_some() {
            self.refresh_plan();
        }
        Ok(())
    }

    fn row_matches(&self, r: usize) -> bool {
        let u = &self.grid.rows[r].report.unit;
        self.filter.trim().is_empty()
            || matches(&self.filter, &u.name)
            || matches(&self.filter, &u.code)
    }

    /// Filter and sort the grid rows; keep the cursor on `keep` (a unit code) when visible.
    pub fn rebuild_view(&mut self, keep: Option<&str>) {
        let mut v: Vec<usize> = (0..self.grid.rows.len())
            .filter(|&r| self.row_matches(r))
            .collect();
        let rows = &self.grid.rows;
        let name = |r: usize| fold(&rows[r].report.unit.name);
        match self.sort {
            Sort::Name => v.sort_by_key(|&r| name(r)),
            Sort::CriteriaMet => {
                v.sort_by_key(|&r| (std::cmp::Reverse(rows[r].criteria_met()), name(r)))
            }
            Sort::Findings => {
                v.sort_by_key(|&r| (std::cmp::Reverse(rows[r].report.findings.len()), name(r)))
            }
        }
        // a district's or province's own row stays above its communes (stable: sort kept)
        v.sort_by_key(|&r| !rows[r].is_aggregate());
        self.view = v;
        if let Some(code) = keep
            && let Some(p) = self
                .view
                .iter()
                .position(|&r| self.grid.rows[r].report.unit.code == code)
        {
            self.row = p;
        }
        self.row = self.row.min(self.view.len().saturating_sub(1));
        self.col = self.col.min(self.n_criteria() + EXTRA_COLS - 1);
    }

    pub fn rebuild_findings(&mut self) {
        let mut all: Vec<Finding> = self
            .grid
            .rows
            .iter()
            .flat_map(|r| r.report.findings.iter().cloned())
            .collect();
        Query::sort_findings(&mut all);
        // the rows `check` reports on: units with data in the year
        let row_of: BTreeMap<&str, usize> = self
            .grid
            .rows
            .iter()
            .enumerate()
            .filter(|(_, r)| r.report.evaluation.is_some())
            .map(|(i, r)| (r.report.unit.code.as_str(), i))
            .collect();
        let kind = self.findings.kind;
        let filter = self.filter.clone();
        let list: Vec<(usize, Finding)> = all
            .into_iter()
            .filter_map(|f| row_of.get(f.unit.as_str()).map(|&r| (r, f)))
            .filter(|(_, f)| kind.is_none_or(|k| f.kind == k))
            .filter(|(r, f)| {
                filter.trim().is_empty() || {
                    let u = &self.grid.rows[*r].report.unit;
                    let hay = format!(
                        "{} {} {} {} {} {}",
                        u.name,
                        u.code,
                        f.indicator.as_deref().unwrap_or(""),
                        f.kind.as_str(),
                        f.message,
                        f.message_vi
                    );
                    matches(&filter, &hay)
                }
            })
            .collect();
        self.findings.list = list;
        self.findings.cursor = self
            .findings
            .cursor
            .min(self.findings.list.len().saturating_sub(1));
    }

    /// Open the detail of grid row `row` (index into `grid.rows`) and criterion `c`.
    pub fn open_detail(&mut self, row: usize, c: usize, cursor: Option<usize>) {
        let Some(gr) = self.grid.rows.get(row) else {
            return;
        };
        let gr = gr.clone();
        let (year, against) = (self.year, self.against);
        self.detail = self
            .build_detail(&gr, year, against, c, cursor)
            .map(|mut d| {
                d.row = row;
                d
            });
    }

    /// A detail of criterion `c` for a unit's row, in `year`.
    pub fn build_detail(
        &self,
        gr: &GridRow,
        year: u16,
        against: Option<u16>,
        c: usize,
        cursor: Option<usize>,
    ) -> Option<Detail> {
        let fw = self.fw();
        let crit = fw.criteria.get(c)?;
        let code = gr.report.unit.code.clone();
        let rows = self.rows(&code, fw);
        let targets = self.targets(fw, &code);
        let log = self
            .store
            .get()
            .and_then(|s| s.log_entries())
            .unwrap_or_default();
        let indicators = crit
            .indicators
            .iter()
            .map(|&i| {
                let ic = &fw.indicators[i].code;
                let by_year: BTreeMap<u16, Observation> = rows
                    .iter()
                    .filter_map(|(y, obs)| {
                        obs.iter()
                            .find(|o| &o.indicator == ic)
                            .map(|o| (*y, o.clone()))
                    })
                    .collect();
                // the level of the year shown (a set may give single years their own)
                let target = targets
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|t| t.in_year(year).into_owned());
                let status = eval::indicator_status(by_year.get(&year), target.as_ref());
                let findings = gr
                    .report
                    .findings
                    .iter()
                    .filter(|f| f.indicator.as_deref() == Some(ic.as_str()))
                    .cloned()
                    .collect();
                let key = crate::store::ObsKey {
                    unit: code.clone(),
                    framework: fw.id.clone(),
                    indicator: ic.clone(),
                    year,
                };
                let k = key.to_string();
                let tail = format!(" {k}");
                let history = log
                    .iter()
                    .filter(|e| {
                        e.what == k || (e.what.starts_with("audit ") && e.what.ends_with(&tail))
                    })
                    .cloned()
                    .collect();
                let flag = self.store.get().and_then(|s| s.flag(&key)).ok().flatten();
                let linked = self.linked(&code, fw, ic, &by_year);
                IndRow {
                    index: i,
                    target,
                    by_year,
                    status,
                    findings,
                    history,
                    flag,
                    linked,
                }
            })
            .collect::<Vec<_>>();
        let cursor = cursor.unwrap_or(0).min(indicators.len().saturating_sub(1));
        let preds = self
            .query()
            .ok()
            .and_then(|q| q.predecessors(&code, fw).ok())
            .unwrap_or_default();
        Some(Detail {
            row: 0,
            own: None,
            year,
            against,
            criterion: c,
            indicators,
            cursor,
            preds,
        })
    }

    /// The unit's values of indicator `ic`'s counterpart in another framework (by the
    /// registry's mappings), in years `own` has no row for; None without a mapping or data.
    fn linked(
        &self,
        unit: &str,
        fw: &Framework,
        ic: &str,
        own: &BTreeMap<u16, Observation>,
    ) -> Option<Linked> {
        for (other, code, _) in self.q.reg.counterparts(&fw.id, ic) {
            let Some(ofw) = self.q.reg.get(&other) else {
                continue;
            };
            let Some((_, oind)) = ofw.indicator(&code) else {
                continue;
            };
            let by_year: BTreeMap<u16, Observation> = self
                .store
                .get()
                .and_then(|s| s.observations_of(unit, &other))
                .unwrap_or_default()
                .into_iter()
                .filter(|o| o.indicator == code && !own.contains_key(&o.year))
                .map(|o| (o.year, o))
                .collect();
            if !by_year.is_empty() {
                return Some(Linked {
                    framework: other,
                    code,
                    kind: oind.kind,
                    by_year,
                });
            }
        }
        None
    }

    /// Open the indicator-across-communes view for indicator index `i`.
    pub fn open_indicator(&mut self, i: usize) {
        let fw = self.q.reg.get(&self.fw_id).expect("framework");
        let Some(ind) = fw.indicators.get(i) else {
            return;
        };
        let mut rows: Vec<PeerRow> = self
            .view
            .iter()
            .map(|&r| {
                let code = &self.grid.rows[r].report.unit.code;
                let obs = self
                    .rows(code, fw)
                    .get(&self.year)
                    .and_then(|v| v.iter().find(|o| o.indicator == ind.code).cloned());
                let target = self
                    .targets(fw, code)
                    .get(i)
                    .cloned()
                    .flatten()
                    .map(|t| t.in_year(self.year).into_owned());
                let value = obs.as_ref().and_then(Observation::effective);
                let status = eval::indicator_status(obs.as_ref(), target.as_ref());
                PeerRow {
                    row: r,
                    obs,
                    value,
                    target,
                    status,
                }
            })
            .collect();
        let better_high = ind.comparison != Comparison::Le;
        let num = |v: &Option<Value>| match v {
            Some(Value::Number(x)) => Some(*x),
            Some(Value::Pass(true)) => Some(1.0),
            Some(Value::Pass(false)) => Some(0.0),
            None => None,
        };
        rows.sort_by(|a, b| match (num(&a.value), num(&b.value)) {
            (Some(x), Some(y)) => {
                let o = x.partial_cmp(&y).unwrap_or(std::cmp::Ordering::Equal);
                if better_high { o.reverse() } else { o }
            }
            (Some(_), None) => std::cmp::Ordering::Less,
            (None, Some(_)) => std::cmp::Ordering::Greater,
            (None, None) => std::cmp::Ordering::Equal,
        });
        self.indicator = Some(IndicatorView {
            indicator: i,
            rows,
            cursor: 0,
        });
    }

    pub(super) fn push(&mut self, s: Screen) {
        if self.screen() != s {
            self.screens.push(s);
        }
        self.scroll.list.set(0);
    }

    pub(super) fn pop(&mut self) {
        if self.screens.len() > 1 {
            let s = self.screens.pop();
            match s {
                Some(Screen::Detail) if !self.screens.contains(&Screen::Detail) => {
                    self.detail = None
                }
                Some(Screen::Indicator) if !self.screens.contains(&Screen::Indicator) => {
                    self.indicator = None
                }
                Some(Screen::Picker) => self.picker = None,
                Some(Screen::Plan) => self.plan = None,
                Some(Screen::Audit) => {
                    self.audit = None;
                    self.detail = None;
                }
                _ => {}
            }
            self.scroll.list.set(0);
        }
    }

    /// Handle a key event: text input when editing or picking, else through the keymap.
    /// Returns false when the key changed nothing (so the screen need not be redrawn).
    pub fn on_key(&mut self, e: KeyEvent) -> bool {
        if self.scroll.too_small.get() {
            return self.key_while_too_small(e);
        }
        let had_message = self.message.take().is_some();
        if self.confirm.is_some() {
            self.confirm_key(e);
            return true;
        }
        if self.form.is_some() {
            self.form_key(e);
            return true;
        }
        if self.editing.is_some() {
            self.edit_filter(e);
            return true;
        }
        if self.screen() == Screen::Picker && self.picker_key(e) {
            return true;
        }
        let Some(k) = Key::from_event(&e) else {
            return had_message;
        };
        let was_pending = !self.pending.is_empty();
        let mut seq = self.pending.clone();
        seq.push(k);
        match self.keymap.feed(&mut self.pending, k) {
            Feed::Action(a) => {
                // a key shared by two screens' actions: the one of the screen shown
                let a = match self.keymap.also(a, &seq) {
                    Some(b) if (b == Action::NewAudit) == (self.screen() == Screen::Audits) => b,
                    _ => a,
                };
                self.act(a);
                true
            }
            Feed::Pending => true,
            Feed::Unbound => had_message || was_pending,
        }
    }

    /// Nothing can be seen: a key must not open or change what the user cannot see (Down,
    /// Enter once opened a detail nobody saw), so only quit and help act.
    fn key_while_too_small(&mut self, e: KeyEvent) -> bool {
        self.pending.clear();
        let Some(k) = Key::from_event(&e) else {
            return false;
        };
        let mut pending = Vec::new();
        match self.keymap.feed(&mut pending, k) {
            Feed::Action(a @ (Action::Quit | Action::Help)) => {
                self.act(a);
                true
            }
            _ => false,
        }
    }

    fn edit_filter(&mut self, e: KeyEvent) {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        match e.code {
            KeyCode::Enter => self.editing = None,
            KeyCode::Esc => {
                if let Some(old) = self.editing.take() {
                    self.filter = old;
                }
            }
            KeyCode::Backspace => {
                self.filter.pop();
            }
            KeyCode::Char('u') if ctrl => self.filter.clear(),
            KeyCode::Char('c') if ctrl => {
                if let Some(old) = self.editing.take() {
                    self.filter = old;
                }
            }
            KeyCode::Char(c) if !ctrl && !c.is_control() => {
                if self.filter.chars().count() < FILTER_MAX {
                    self.filter.push(c)
                }
            }
            _ => return,
        }
        self.apply_filter();
    }

    fn apply_filter(&mut self) {
        self.filter_passes += 1;
        let keep = self
            .current_row()
            .map(|r| self.grid.rows[r].report.unit.code.clone());
        self.rebuild_view(keep.as_deref());
        self.rebuild_findings();
        if let Some(iv) = &self.indicator {
            let i = iv.indicator;
            self.open_indicator(i);
        }
    }

    /// Picker keys that are text input; returns true when consumed.
    fn picker_key(&mut self, e: KeyEvent) -> bool {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let Some(p) = &mut self.picker else {
            return false;
        };
        match e.code {
            KeyCode::Char(c)
                if !ctrl && !e.modifiers.contains(KeyModifiers::ALT) && !c.is_control() =>
            {
                if p.query.chars().count() < FILTER_MAX {
                    p.query.push(c);
                }
            }
            KeyCode::Backspace if !p.query.is_empty() => {
                p.query.pop();
            }
            _ => return false,
        }
        self.refilter_picker();
        true
    }

    fn refilter_picker(&mut self) {
        if let Some(p) = &mut self.picker {
            p.shown = (0..p.all.len())
                .filter(|&i| matches(&p.query, &p.all[i].1) || matches(&p.query, &p.all[i].0))
                .collect();
            p.cursor = 0;
        }
    }

    /// A text field has the keyboard: the filter being edited, a form, or the picker's query.
    pub fn takes_text(&self) -> bool {
        self.confirm.is_none()
            && (self.form.is_some()
                || self.editing.is_some()
                || (self.screen() == Screen::Picker && self.picker.is_some()))
    }

    /// Plain characters typed in a row: the same as one `on_key` each, but a text field takes
    /// them at once (the filter is applied once, not once per character).
    pub fn on_text(&mut self, s: &str) -> bool {
        if !self.takes_text() {
            let mut changed = false;
            for c in s.chars() {
                changed |= self.on_key(KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE));
                if self.quit {
                    break;
                }
            }
            return changed;
        }
        self.message = None;
        self.insert_text(s);
        true
    }

    /// A bracketed paste. The text field with the keyboard takes its first line (every field
    /// is one line), and the status line says so when there was more or it did not all fit;
    /// without a text field it is ignored, never taken as keys.
    pub fn on_paste(&mut self, s: &str) -> bool {
        if !self.takes_text() {
            return false;
        }
        self.message = None;
        let mut lines = s.split(['\r', '\n']);
        let first = lines.next().unwrap_or("");
        let more = lines.any(|l| !l.trim().is_empty());
        let cut = self.insert_text(first);
        if more {
            self.message = Some(self.t("paste_first_line").to_string());
        } else if cut {
            self.message = Some(self.t("paste_cut").to_string());
        }
        true
    }

    /// Insert text into the field with the keyboard, filtering once; true when some of it did
    /// not fit.
    fn insert_text(&mut self, s: &str) -> bool {
        if let Some(form) = &mut self.form {
            let focus = form.focus;
            return form
                .fields
                .get_mut(focus)
                .is_some_and(|f| f.edit.insert_str(s));
        }
        if self.editing.is_some() {
            let room = FILTER_MAX.saturating_sub(self.filter.chars().count());
            let (add, cut) = text_chars(s, room);
            self.filter.push_str(&add);
            self.apply_filter();
            return cut;
        }
        let Some(p) = &mut self.picker else {
            return false;
        };
        let room = FILTER_MAX.saturating_sub(p.query.chars().count());
        let (add, cut) = text_chars(s, room);
        p.query.push_str(&add);
        self.refilter_picker();
        cut
    }

    fn open_picker(&mut self) {
        // units with at least one commune below them: walk up from every commune once
        let mut with_communes: std::collections::BTreeSet<&str> = std::collections::BTreeSet::new();
        for u in self
            .q
            .units
            .map
            .values()
            .filter(|u| u.level == Level::Commune)
        {
            for a in self.q.units.chain(&u.code).into_iter().skip(1) {
                if !with_communes.insert(a.code.as_str()) {
                    break;
                }
            }
        }
        // and units with rows of their own (a province whose bundle has only district and
        // province rows), with the units above them
        if let Ok(q) = self.query() {
            for u in self.q.units.map.values() {
                if u.level != Level::Commune
                    && !with_communes.contains(u.code.as_str())
                    && q.has_rows(&self.fw_id, &u.code)
                {
                    for a in self.q.units.chain(&u.code) {
                        with_communes.insert(a.code.as_str());
                    }
                }
            }
        }
        let mut all: Vec<(String, String, Level)> = self
            .q
            .units
            .map
            .values()
            .filter(|u| u.level != Level::Commune && with_communes.contains(u.code.as_str()))
            .map(|u| (u.code.clone(), u.name.clone(), u.level))
            .collect();
        all.sort_by(|a, b| a.2.cmp(&b.2).then_with(|| fold(&a.1).cmp(&fold(&b.1))));
        let cursor = all.iter().position(|u| u.0 == self.parent).unwrap_or(0);
        self.picker = Some(Picker {
            shown: (0..all.len()).collect(),
            all,
            query: String::new(),
            cursor,
        });
        self.push(Screen::Picker);
    }

    fn page(&self) -> usize {
        self.scroll.page.get().max(1)
    }

    /// Move a list cursor by an action; returns the new position.
    pub(super) fn list_move(&self, a: Action, cur: usize, len: usize) -> usize {
        if len == 0 {
            return 0;
        }
        let last = len - 1;
        let page = self.page();
        match a {
            Action::MoveUp => cur.saturating_sub(1),
            Action::MoveDown => (cur + 1).min(last),
            Action::PageUp => cur.saturating_sub(page),
            Action::PageDown => (cur + page).min(last),
            Action::HalfPageUp => cur.saturating_sub(page.div_ceil(2)),
            Action::HalfPageDown => (cur + page.div_ceil(2)).min(last),
            Action::GoTop => 0,
            Action::GoBottom => last,
            _ => cur.min(last),
        }
    }

    pub(super) fn is_vertical(a: Action) -> bool {
        matches!(
            a,
            Action::MoveUp
                | Action::MoveDown
                | Action::PageUp
                | Action::PageDown
                | Action::HalfPageUp
                | Action::HalfPageDown
                | Action::GoTop
                | Action::GoBottom
        )
    }

    /// Apply one action.
    pub fn act(&mut self, a: Action) {
        // actions that behave the same on every screen
        match a {
            Action::Quit => {
                self.quit = true;
                return;
            }
            Action::Help => {
                if self.screen() == Screen::Help {
                    self.pop();
                } else {
                    self.help_scroll = 0;
                    self.push(Screen::Help);
                }
                return;
            }
            Action::Back => {
                if self.screen() == Screen::Grid {
                    if !self.filter.is_empty() {
                        self.filter.clear();
                        self.apply_filter();
                    }
                } else {
                    self.pop();
                }
                return;
            }
            Action::Filter
                if matches!(
                    self.screen(),
                    Screen::Grid | Screen::Findings | Screen::Indicator
                ) =>
            {
                self.editing = Some(self.filter.clone());
                return;
            }
            Action::YearPrev | Action::YearNext | Action::AgainstPrev | Action::AgainstNext => {
                self.change_years(a);
                return;
            }
            Action::ToggleFindings if self.screen() != Screen::Picker => {
                if self.screen() == Screen::Findings {
                    self.pop();
                } else {
                    self.push(Screen::Findings);
                }
                return;
            }
            Action::PickParent if self.screen() != Screen::Picker => {
                self.open_picker();
                return;
            }
            Action::Audits if self.screen() != Screen::Picker => {
                self.open_audits();
                return;
            }
            Action::Undo if self.screen() != Screen::Picker => {
                self.ask_undo();
                return;
            }
            Action::Edit | Action::Flag
                if matches!(self.screen(), Screen::Detail | Screen::Audit) =>
            {
                if self.detail.is_none() {
                    return;
                }
                if a == Action::Edit {
                    self.open_edit_form();
                } else {
                    self.open_flag_form();
                }
                return;
            }
            Action::MarkConfirmed | Action::MarkDiscrepancy | Action::MarkCannotVerify
                if self.screen() == Screen::Audit =>
            {
                self.open_mark_form(match a {
                    Action::MarkConfirmed => crate::store::MarkStatus::Confirmed,
                    Action::MarkDiscrepancy => crate::store::MarkStatus::Discrepancy,
                    _ => crate::store::MarkStatus::CannotVerify,
                });
                return;
            }
            Action::Edit
            | Action::Flag
            | Action::MarkConfirmed
            | Action::MarkDiscrepancy
            | Action::MarkCannotVerify
                if !self.can_write() =>
            {
                // say so wherever the key is pressed
                self.message = Some(self.t("read_only_refused").to_string());
                return;
            }
            _ => {}
        }
        match self.screen() {
            Screen::Grid => self.act_grid(a),
            Screen::Detail => self.act_detail(a),
            Screen::Indicator => self.act_indicator(a),
            Screen::Findings => self.act_findings(a),
            Screen::Help => {
                if Self::is_vertical(a) {
                    self.help_scroll = self.list_move(a, self.help_scroll, usize::MAX / 2);
                }
            }
            Screen::Picker => self.act_picker(a),
            Screen::Audits => {
                let len = self.q.audits.len();
                if a == Action::NewAudit {
                    self.open_draw_form();
                } else if Self::is_vertical(a) {
                    self.audits.cursor = self.list_move(a, self.audits.cursor, len);
                } else if a == Action::DrillIn {
                    self.open_audit(self.audits.cursor);
                }
            }
            Screen::Audit => self.act_audit(a),
            Screen::Plan => self.act_plan(a),
        }
    }

    fn act_audit(&mut self, a: Action) {
        let Some(av) = &self.audit else { return };
        let (cur, len) = (av.index, av.audit.records.len());
        let to = match a {
            Action::MoveDown | Action::NextMatch | Action::MoveRight => (cur + 1).min(len),
            Action::MoveUp | Action::PrevMatch | Action::MoveLeft => cur.saturating_sub(1),
            _ if Self::is_vertical(a) => self.list_move(a, cur, len),
            _ => return,
        };
        if to != cur {
            self.audit_step(to);
        }
    }

    fn change_years(&mut self, a: Action) {
        if self.years.is_empty() {
            return;
        }
        let pos = self
            .years
            .iter()
            .position(|y| *y == self.year)
            .unwrap_or(self.years.len() - 1);
        // a comparison year the user left at its default (the previous year with data) follows
        // the year; one they chose with the comparison keys stays while it is still earlier
        let previous = |y: u16| self.years.iter().rev().find(|x| **x < y).copied();
        let follow = |y: u16| {
            if self.against == previous(self.year) || self.against.is_none_or(|x| x >= y) {
                None
            } else {
                Some(self.against)
            }
        };
        let (year, against) = match a {
            Action::YearPrev => {
                let y = self.years[pos.saturating_sub(1)];
                (y, follow(y))
            }
            Action::YearNext => {
                let y = self.years[(pos + 1).min(self.years.len() - 1)];
                (y, follow(y))
            }
            _ => {
                // comparison years: None, then the years before `year`
                let mut opts: Vec<Option<u16>> = vec![None];
                opts.extend(
                    self.years
                        .iter()
                        .filter(|y| **y < self.year)
                        .map(|y| Some(*y)),
                );
                let p = opts.iter().position(|x| *x == self.against).unwrap_or(0);
                let np = if a == Action::AgainstPrev {
                    p.saturating_sub(1)
                } else {
                    (p + 1).min(opts.len() - 1)
                };
                (self.year, Some(opts[np]))
            }
        };
        if let Err(e) = self.reload(Some(year), against) {
            self.message = Some(crate::text::sanitize(&format!("{e:#}")));
        }
    }

    fn act_grid(&mut self, a: Action) {
        let ncols = self.n_criteria() + EXTRA_COLS;
        if Self::is_vertical(a) {
            self.row = self.list_move(a, self.row, self.view.len());
            return;
        }
        match a {
            Action::MoveLeft => self.col = self.col.saturating_sub(1),
            Action::MoveRight => self.col = (self.col + 1).min(ncols - 1),
            Action::LineStart => self.col = 0,
            Action::LineEnd => self.col = ncols - 1,
            Action::NextMatch if !self.view.is_empty() => {
                self.row = (self.row + 1) % self.view.len()
            }
            Action::PrevMatch if !self.view.is_empty() => {
                self.row = (self.row + self.view.len() - 1) % self.view.len()
            }
            Action::SortNext => {
                self.sort = match self.sort {
                    Sort::Name => Sort::CriteriaMet,
                    Sort::CriteriaMet => Sort::Findings,
                    Sort::Findings => Sort::Name,
                };
                let keep = self
                    .current_row()
                    .map(|r| self.grid.rows[r].report.unit.code.clone());
                self.rebuild_view(keep.as_deref());
            }
            Action::DrillIn => {
                let Some(r) = self.current_row() else { return };
                let n = self.n_criteria();
                if self.col == n + 2 {
                    // the findings column: the findings, on this commune's first one
                    let code = self.grid.rows[r].report.unit.code.clone();
                    self.push(Screen::Findings);
                    if let Some(p) = self.findings.list.iter().position(|(_, f)| f.unit == code) {
                        self.findings.cursor = p;
                    }
                    return;
                }
                let c = if self.col < n {
                    self.col
                } else {
                    // summary columns: the first criterion not met
                    self.grid.rows[r]
                        .cells
                        .iter()
                        .position(|c| *c != crate::query::Cell::Met)
                        .unwrap_or(0)
                };
                self.open_detail(r, c, None);
                self.push(Screen::Detail);
            }
            Action::NextFramework => self.next_framework(),
            Action::Plan => self.open_plan(),
            Action::IndicatorView => {
                let c = if self.col < self.n_criteria() {
                    self.col
                } else {
                    0
                };
                if let Some(&i) = self.fw().criteria[c].indicators.first() {
                    self.open_indicator(i);
                    self.push(Screen::Indicator);
                }
            }
            _ => {}
        }
    }

    /// Frameworks the interface can show: those with data in the store, in registry order
    /// (the built-in ones first), or the current one alone.
    pub fn frameworks_with_data(&self) -> Vec<String> {
        let v: Vec<String> = self
            .q
            .reg
            .frameworks
            .iter()
            .filter(|f| self.q.years.get(&f.id).is_some_and(|y| !y.is_empty()))
            .map(|f| f.id.clone())
            .collect();
        if v.is_empty() {
            vec![self.fw_id.clone()]
        } else {
            v
        }
    }

    /// Show the grid in the next framework with data. Each framework has its own criteria, so
    /// the column goes back to the first and "criteria met" is counted out of that
    /// framework's own criteria (x/19, y/10 — never mixed).
    pub fn next_framework(&mut self) {
        let all = self.frameworks_with_data();
        let at = all.iter().position(|f| *f == self.fw_id);
        let next = at.map_or(0, |i| (i + 1) % all.len());
        if all[next] == self.fw_id {
            self.message = Some(format!(
                "{}: {} ({})",
                self.t("framework_switched"),
                self.fw_id,
                self.t("framework_only_one")
            ));
            return;
        }
        let old = std::mem::replace(&mut self.fw_id, all[next].clone());
        self.detail = None;
        self.indicator = None;
        self.col = 0;
        if let Err(e) = self.reload(None, None) {
            self.fw_id = old;
            self.message = Some(e.to_string());
            let _ = self.reload(None, None);
            return;
        }
        let f = self.fw();
        self.message = Some(format!(
            "{}: {} — {}",
            self.t("framework_switched"),
            f.id,
            crate::text::sanitize(if self.opts.lang == Lang::En {
                &f.name_en
            } else {
                &f.name
            })
        ));
    }

    fn act_detail(&mut self, a: Action) {
        let n = self.n_criteria();
        let Some(d) = &self.detail else { return };
        let (row, c, cur, len) = (d.row, d.criterion, d.cursor, d.indicators.len());
        if Self::is_vertical(a) {
            let nc = self.list_move(a, cur, len);
            if let Some(d) = &mut self.detail {
                d.cursor = nc;
            }
            return;
        }
        match a {
            Action::MoveLeft | Action::MoveRight => {
                let nc = if a == Action::MoveLeft {
                    (c + n - 1) % n
                } else {
                    (c + 1) % n
                };
                self.open_detail(row, nc, None);
                self.col = nc;
            }
            Action::NextMatch | Action::PrevMatch => {
                // the neighbouring commune, same criterion
                let Some(p) = self.view.iter().position(|&r| r == row) else {
                    return;
                };
                let np = if a == Action::NextMatch {
                    (p + 1) % self.view.len()
                } else {
                    (p + self.view.len() - 1) % self.view.len()
                };
                self.row = np;
                self.open_detail(self.view[np], c, Some(cur));
            }
            Action::IndicatorView | Action::DrillIn => {
                if let Some(ir) = self
                    .detail
                    .as_ref()
                    .and_then(|d| d.indicators.get(d.cursor))
                {
                    let i = ir.index;
                    self.open_indicator(i);
                    self.push(Screen::Indicator);
                }
            }
            _ => {}
        }
    }

    fn act_indicator(&mut self, a: Action) {
        let Some(iv) = &self.indicator else { return };
        let (i, cur, len) = (iv.indicator, iv.cursor, iv.rows.len());
        if Self::is_vertical(a) {
            let nc = self.list_move(a, cur, len);
            if let Some(iv) = &mut self.indicator {
                iv.cursor = nc;
            }
            return;
        }
        let ni = self.fw().indicators.len();
        match a {
            Action::MoveLeft | Action::MoveRight => {
                let n = if a == Action::MoveLeft {
                    (i + ni - 1) % ni
                } else {
                    (i + 1) % ni
                };
                self.open_indicator(n);
            }
            Action::DrillIn => {
                let Some(pr) = self
                    .indicator
                    .as_ref()
                    .and_then(|iv| iv.rows.get(iv.cursor))
                else {
                    return;
                };
                let row = pr.row;
                let c = self.fw().indicators[i].criterion;
                let pos = self.fw().criteria[c]
                    .indicators
                    .iter()
                    .position(|&x| x == i);
                if let Some(p) = self.view.iter().position(|&r| r == row) {
                    self.row = p;
                }
                self.col = c;
                self.open_detail(row, c, pos);
                // replace the stack above the grid with the detail
                self.screens.truncate(1);
                self.push(Screen::Detail);
            }
            _ => {}
        }
    }

    fn act_findings(&mut self, a: Action) {
        let len = self.findings.list.len();
        if Self::is_vertical(a) {
            self.findings.cursor = self.list_move(a, self.findings.cursor, len);
            return;
        }
        match a {
            Action::CycleKind => {
                let mut kinds: Vec<FindingKind> = self
                    .grid
                    .rows
                    .iter()
                    .flat_map(|r| r.report.findings.iter().map(|f| f.kind))
                    .collect();
                kinds.sort();
                kinds.dedup();
                self.findings.kind = match self.findings.kind {
                    None => kinds.first().copied(),
                    Some(k) => kinds
                        .iter()
                        .position(|x| *x == k)
                        .and_then(|p| kinds.get(p + 1))
                        .copied(),
                };
                self.findings.cursor = 0;
                self.rebuild_findings();
            }
            Action::NextMatch if len > 0 => self.findings.cursor = (self.findings.cursor + 1) % len,
            Action::PrevMatch if len > 0 => {
                self.findings.cursor = (self.findings.cursor + len - 1) % len
            }
            Action::DrillIn => {
                let Some((row, f)) = self.findings.list.get(self.findings.cursor).cloned() else {
                    return;
                };
                if !self.view.contains(&row) {
                    self.filter.clear();
                    self.rebuild_view(None);
                    self.rebuild_findings();
                }
                if let Some(p) = self.view.iter().position(|&r| r == row) {
                    self.row = p;
                }
                let n = self.n_criteria();
                let fw = self.fw();
                self.col = match f.indicator.as_deref().and_then(|c| fw.indicator(c)) {
                    Some((_, ind)) => ind.criterion,
                    None => n, // the criteria-met column
                };
                self.screens.truncate(1);
                self.detail = None;
                self.indicator = None;
            }
            _ => {}
        }
    }

    fn act_picker(&mut self, a: Action) {
        let Some(p) = &self.picker else { return };
        let len = p.shown.len();
        let cur = p.cursor;
        if Self::is_vertical(a) {
            let nc = self.list_move(a, cur, len);
            if let Some(p) = &mut self.picker {
                p.cursor = nc;
            }
            return;
        }
        if a == Action::DrillIn {
            let Some(code) = p.shown.get(cur).map(|&i| p.all[i].0.clone()) else {
                return;
            };
            self.parent = code;
            self.screens.truncate(1);
            self.picker = None;
            self.detail = None;
            self.indicator = None;
            self.row = 0;
            self.filter.clear();
            let (y, ag) = (self.year, self.against);
            if let Err(e) = self.reload(Some(y), Some(ag)) {
                self.message = Some(crate::text::sanitize(&format!("{e:#}")));
            }
        }
    }
}
