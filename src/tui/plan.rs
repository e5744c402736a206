//! The way to the standard, from the grid: the commune under the cursor (each missing
//! indicator's shortfall, the arithmetic, its pace and the year it would reach its target),
//! and the district's communes ranked by closeness with the totals the plan needs. The same
//! computation and words as `ntm plan` (`query::plan`).

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::action::Action;
use super::app::{App, Screen};
use super::ui::{cell, clean, data, keep_visible, name_of, theme};
use crate::i18n::Lang;
use crate::model::Unit;
use crate::query::plan::{
    PlanEntry, ScopePlan, explain_text, kind_key, method_text, need_text, pace_text, reach_short,
    reach_text, risk_key, target_text, total_text, unit_reach_short, value_text,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PlanMode {
    /// One commune's missing indicators.
    Commune,
    /// The district's communes ranked by closeness, with the totals.
    District,
}

/// The plan screen's state: the plans of the grid's communes in the grid's year.
#[derive(Clone, Debug)]
pub struct PlanView {
    pub mode: PlanMode,
    pub scope: ScopePlan,
    /// The commune shown in commune mode (its code).
    pub unit: String,
    /// Commune mode: the selected missing indicator; district mode: the selected commune.
    pub cursor: usize,
}

impl PlanView {
    /// The communes in the district list's order: ranked, then those meeting the standard.
    pub fn list(&self) -> Vec<&PlanEntry> {
        self.scope.ranked().chain(self.scope.meeting()).collect()
    }
    /// The commune shown in commune mode; None when it has no data in the year.
    pub fn entry(&self) -> Option<&PlanEntry> {
        self.scope.entries.iter().find(|e| e.unit.code == self.unit)
    }
    fn gaps(&self) -> usize {
        self.entry().map_or(0, |e| e.plan.gaps().count())
    }
}

impl App<'_> {
    /// The plans of the grid's communes in the grid's year (an error goes to the status line).
    fn scope_plan(&mut self) -> Option<ScopePlan> {
        let units: Vec<&Unit> = self.grid.rows.iter().map(|r| &r.report.unit).collect();
        let fw = self.fw();
        let res = self.query().map_err(anyhow::Error::from).and_then(|q| {
            let fw = q.reg.get(&fw.id).expect("framework of the grid");
            q.plan(fw, &units, self.year)
        });
        match res {
            Ok(p) => Some(p),
            Err(e) => {
                self.message = Some(crate::text::sanitize(&format!("{e:#}")));
                None
            }
        }
    }

    /// `plan` on the grid: the way to the standard of the commune under the cursor.
    pub fn open_plan(&mut self) {
        let Some(r) = self.current_row() else { return };
        let unit = self.grid.rows[r].report.unit.code.clone();
        let Some(scope) = self.scope_plan() else {
            return;
        };
        self.plan = Some(PlanView {
            mode: PlanMode::Commune,
            scope,
            unit,
            cursor: 0,
        });
        self.push(Screen::Plan);
    }

    /// After the year, framework or data changed: recompute, keeping the mode, the commune
    /// and the cursor where they still exist. A plan no longer on the screen stack is dropped.
    pub fn refresh_plan(&mut self) {
        if !self.screens.contains(&Screen::Plan) {
            self.plan = None;
            return;
        }
        let Some(scope) = self.scope_plan() else {
            return;
        };
        if let Some(pv) = &mut self.plan {
            pv.scope = scope;
            let len = match pv.mode {
                PlanMode::Commune => pv.gaps(),
                PlanMode::District => pv.list().len(),
            };
            pv.cursor = pv.cursor.min(len.saturating_sub(1));
        }
    }

    pub fn act_plan(&mut self, a: Action) {
        let Some(pv) = &self.plan else { return };
        let (mode, cur) = (pv.mode, pv.cursor);
        let len = match mode {
            PlanMode::Commune => pv.gaps(),
            PlanMode::District => pv.list().len(),
        };
        if Self::is_vertical(a) {
            let nc = self.list_move(a, cur, len);
            if let Some(pv) = &mut self.plan {
                pv.cursor = nc;
            }
            return;
        }
        match (a, mode) {
            (Action::Plan, PlanMode::Commune) => {
                // the district, on this commune
                if let Some(pv) = &mut self.plan {
                    let at = pv.list().iter().position(|e| e.unit.code == pv.unit);
                    pv.mode = PlanMode::District;
                    pv.cursor = at.unwrap_or(0);
                }
                self.scroll.list.set(0);
            }
            (Action::Plan | Action::DrillIn, PlanMode::District) => {
                if let Some(pv) = &mut self.plan
                    && let Some(code) = pv.list().get(pv.cursor).map(|e| e.unit.code.clone())
                {
                    pv.unit = code;
                    pv.mode = PlanMode::Commune;
                    pv.cursor = 0;
                }
                self.scroll.list.set(0);
            }
            (Action::NextMatch | Action::PrevMatch, PlanMode::Commune) => {
                // the neighbouring commune in the ranking
                if let Some(pv) = &mut self.plan {
                    let codes: Vec<String> =
                        pv.list().iter().map(|e| e.unit.code.clone()).collect();
                    if codes.is_empty() {
                        return;
                    }
                    let n = codes.len();
                    let p = codes.iter().position(|c| *c == pv.unit);
                    let np = match (p, a) {
                        (None, _) => 0,
                        (Some(p), Action::NextMatch) => (p + 1) % n,
                        (Some(p), _) => (p + n - 1) % n,
                    };
                    pv.unit = codes[np].clone();
                    pv.cursor = 0;
                }
            }
            (Action::NextMatch | Action::PrevMatch, PlanMode::District) if len > 0 => {
                if let Some(pv) = &mut self.plan {
                    pv.cursor = if a == Action::NextMatch {
                        (cur + 1) % len
                    } else {
                        (cur + len - 1) % len
                    };
                }
            }
            (Action::DrillIn, PlanMode::Commune) => self.plan_to_detail(),
            _ => {}
        }
    }

    /// Enter on a missing indicator: that criterion's detail, on the indicator.
    fn plan_to_detail(&mut self) {
        let Some(pv) = &self.plan else { return };
        let Some(e) = pv.entry() else { return };
        let Some(g) = e.plan.gaps().nth(pv.cursor) else {
            return;
        };
        let code = e.unit.code.clone();
        let i = g.indicator;
        let fw = self.fw();
        let c = fw.indicators[i].criterion;
        let pos = fw.criteria[c].indicators.iter().position(|&x| x == i);
        let Some(row) = self
            .grid
            .rows
            .iter()
            .position(|r| r.report.unit.code == code)
        else {
            return;
        };
        if let Some(p) = self.view.iter().position(|&r| r == row) {
            self.row = p;
        }
        self.col = c;
        self.open_detail(row, c, pos);
        self.push(Screen::Detail);
    }
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(pv) = &app.plan else { return };
    match pv.mode {
        PlanMode::Commune => draw_commune(f, app, pv, area),
        PlanMode::District => draw_district(f, app, pv, area),
    }
}

fn draw_commune(f: &mut Frame, app: &App, pv: &PlanView, area: Rect) {
    let th = theme(app);
    let lang = app.opts.lang;
    let fw = app.fw();
    let total = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let name = app
        .grid
        .rows
        .iter()
        .find(|r| r.report.unit.code == pv.unit)
        .map(|r| clean(&r.report.unit.name))
        .unwrap_or_else(|| clean(&pv.unit));
    lines.push(Line::from(Span::styled(
        data(
            &format!(
                "{name} — {}, {} {}",
                app.t("plan_screen"),
                app.t("year").to_lowercase(),
                pv.scope.year
            ),
            total,
        ),
        th.title(),
    )));
    let Some(e) = pv.entry() else {
        lines.push(Line::from(Span::styled(
            format!("{} {}", app.t("plan_no_data_year"), pv.scope.year),
            th.dim(),
        )));
        f.render_widget(Paragraph::new(lines), area);
        return;
    };
    lines.extend(standing(app, pv, e));
    if e.plan.meets_standard() {
        f.render_widget(Paragraph::new(lines), area);
        return;
    }
    let (cw, tw, vw, nw) = if total >= 100 {
        (7, 9, 24, 24)
    } else {
        (7, 8, 18, 20)
    };
    let rw = total.saturating_sub(cw + tw + vw + nw);
    lines.push(Line::from(vec![
        cell(app.t("code"), cw, th.header()),
        cell(app.t("target"), tw, th.header()),
        cell(app.t("plan_col_now"), vw, th.header()),
        cell(app.t("plan_col_need"), nw, th.header()),
        Span::styled(data(app.t("plan_col_reach_short"), rw), th.header()),
    ]));
    // criterion headings and their indicators; the cursor moves over indicators only
    let mut rows: Vec<(Option<usize>, Line)> = Vec::new();
    let mut k = 0;
    for c in &e.plan.criteria {
        let crit = &fw.criteria[c.criterion];
        let mut head = format!(
            "{} {} {}",
            app.t("crit_short"),
            crit.code,
            clean(if lang == Lang::En {
                &crit.name_en
            } else {
                &crit.name
            })
        );
        if let Some(y) = c.met_before {
            head += &format!(" ({} {y})", app.t("plan_met_before"));
        }
        rows.push((None, Line::from(Span::styled(data(&head, total), th.dim()))));
        if c.gaps.is_empty() {
            rows.push((
                None,
                Line::from(Span::styled(
                    format!("  {}", app.t("plan_no_target")),
                    th.dim(),
                )),
            ));
        }
        for g in &c.gaps {
            let ind = &fw.indicators[g.indicator];
            let cur = k == pv.cursor;
            let base = if cur { th.cursor() } else { Style::new() };
            rows.push((
                Some(k),
                Line::from(vec![
                    cell(&ind.code, cw, base),
                    cell(&target_text(ind, g, lang), tw, base),
                    cell(&value_text(ind, g, lang), vw, base),
                    cell(&need_text(ind, g.need, lang), nw, base.patch(th.key())),
                    Span::styled(data(&reach_short(g.reach, lang), rw), base),
                ]),
            ));
            k += 1;
        }
    }
    // below: the selected indicator in full (name, arithmetic, pace, method)
    let sel = e.plan.gaps().nth(pv.cursor);
    let mut foot: Vec<Line> = vec![Line::from(Span::styled(
        (if app.opts.ascii { "-" } else { "─" }).repeat(total),
        th.dim(),
    ))];
    if let Some(g) = sel {
        let ind = &fw.indicators[g.indicator];
        foot.push(Line::from(Span::styled(
            data(&format!("{} {}", ind.code, name_of(ind, lang)), total),
            th.title(),
        )));
        let explain = explain_text(g, lang);
        let mut need = format!(
            "{}: {}",
            app.t("plan_col_need"),
            need_text(ind, g.need, lang)
        );
        if !explain.is_empty() {
            need += &format!("   {explain}");
        }
        foot.push(Line::from(data(&need, total)));
        let pace = pace_text(ind, g, lang);
        let reach = reach_text(g.reach, lang);
        if !pace.is_empty() || !reach.is_empty() {
            let s = if pace.is_empty() {
                reach
            } else {
                format!("{}: {pace} → {reach}", app.t("plan_pace_title"))
            };
            foot.push(Line::from(data(&s, total)));
        }
    }
    foot.push(Line::from(Span::styled(
        data(&method_text(lang), total),
        th.dim(),
    )));
    let h = (area.height as usize).saturating_sub(lines.len() + foot.len());
    app.scroll.page.set(h.max(1));
    // keep the selected indicator (and its heading when there is room) in view
    let at = rows
        .iter()
        .position(|(k, _)| *k == Some(pv.cursor))
        .unwrap_or(0);
    let off = keep_visible(app.scroll.list.get(), at, h, rows.len());
    let off = if at > 0 && off == at && rows[at - 1].0.is_none() && h > 1 {
        at - 1
    } else {
        off
    };
    app.scroll.list.set(off);
    lines.extend(rows.into_iter().skip(off).take(h).map(|(_, l)| l));
    let pad = (area.height as usize).saturating_sub(lines.len() + foot.len());
    lines.extend(std::iter::repeat_n(Line::default(), pad));
    lines.extend(foot);
    f.render_widget(Paragraph::new(lines), area);
}

/// `còn thiếu 1/19 tiêu chí · hạng 1/2 · đạt chuẩn theo tốc độ: …`, and for a recognised
/// commune a second line: `công nhận NTM 2016, nguy cơ thu hồi trung bình — cần khôi phục`.
fn standing<'a>(app: &App, pv: &PlanView, e: &PlanEntry) -> Vec<Line<'a>> {
    let th = theme(app);
    let lang = app.opts.lang;
    let ev = &e.plan.evaluation;
    let mut parts: Vec<String> = Vec::new();
    if e.plan.meets_standard() {
        parts.push(format!(
            "{} ({}/{})",
            app.t("plan_meets"),
            ev.criteria_met,
            ev.criteria_total
        ));
    } else {
        parts.push(format!(
            "{} {}/{} {}",
            app.t("plan_away"),
            e.plan.criteria_away(),
            ev.criteria_total,
            app.t("plan_criteria")
        ));
    }
    if let Some(r) = e.rank {
        parts.push(format!(
            "{} {r}/{}",
            app.t("plan_rank"),
            pv.scope.ranked().count()
        ));
        parts.push(format!(
            "{}: {}",
            app.t("plan_col_reach").to_lowercase(),
            unit_reach_short(&e.plan, lang)
        ));
    }
    let mut out = vec![Line::from(capitalised(&parts.join(" · ")))];
    if let Some(r) = &e.recognized {
        let mut s = format!(
            "{} {} {}",
            app.t("recognized"),
            app.t(kind_key(r.kind)),
            r.year
        );
        if let Some(risk) = e.risk {
            s += &format!(
                ", {} {}",
                app.t("revocation_risk").to_lowercase(),
                app.t(risk_key(risk))
            );
        }
        let mut spans = vec![Span::raw(s)];
        if e.must_restore() {
            spans.push(Span::styled(
                format!(" — {}", app.t("plan_restore")),
                th.severity(crate::eval::Severity::Error),
            ));
        }
        out.push(Line::from(spans));
    }
    out
}

/// The first letter upper-case: the catalogue's words are written for the middle of a
/// sentence (`còn thiếu 1/19 tiêu chí`).
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

fn draw_district(f: &mut Frame, app: &App, pv: &PlanView, area: Rect) {
    let th = theme(app);
    let lang = app.opts.lang;
    let fw = app.fw();
    let total = area.width as usize;
    let sp = &pv.scope;
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(Span::styled(
        data(
            &format!(
                "{} — {}, {} {}",
                clean(&app.grid.parent.name),
                app.t("plan_screen"),
                app.t("year").to_lowercase(),
                sp.year
            ),
            total,
        ),
        th.title(),
    )));
    let next: Vec<String> = sp.next_year().map(|e| clean(&e.unit.name)).collect();
    lines.push(Line::from(data(
        &format!(
            "{}: {}/{}",
            app.t("communes_meeting"),
            sp.meeting().count(),
            sp.communes(),
        ),
        total,
    )));
    lines.push(Line::from(data(
        &format!(
            "{} {}: {}",
            app.t("plan_next_year"),
            sp.year + 1,
            if next.is_empty() {
                app.t("plan_none_next").to_string()
            } else {
                next.join(", ")
            }
        ),
        total,
    )));
    let list = pv.list();
    let (rw, nw, aw) = (4, 14, 10);
    let reach_w = if total >= 100 { 24 } else { 20 };
    let mw = total.saturating_sub(rw + nw + aw + reach_w + 1);
    lines.push(Line::from(vec![
        cell("#", rw, th.header()),
        cell(app.t("commune"), nw, th.header()),
        cell(app.t("plan_col_away"), aw, th.header()),
        cell(app.t("plan_col_missing"), mw, th.header()),
        Span::raw(" "),
        Span::styled(data(app.t("plan_col_reach"), reach_w), th.header()),
    ]));
    // the totals below the list: at most a third of the screen
    let mut foot: Vec<Line> = Vec::new();
    if !sp.totals.is_empty() {
        foot.push(Line::from(Span::styled(
            format!("{}:", app.t("plan_totals")),
            th.header(),
        )));
        for t in &sp.totals {
            let ind = &fw.indicators[t.indicator];
            foot.push(Line::from(vec![
                cell(&format!("  {}", ind.code), 9, Style::new()),
                Span::raw(data(&total_text(ind, t, lang), total.saturating_sub(9))),
            ]));
        }
    }
    let room = (area.height as usize).saturating_sub(lines.len());
    let foot_h = foot.len().min(room / 3);
    foot.truncate(foot_h);
    let h = room.saturating_sub(foot.len());
    app.scroll.page.set(h.max(1));
    let off = keep_visible(app.scroll.list.get(), pv.cursor, h, list.len());
    app.scroll.list.set(off);
    if list.is_empty() {
        lines.push(Line::from(Span::styled(app.t("no_communes"), th.dim())));
    }
    for (k, e) in list.iter().enumerate().skip(off).take(h) {
        let base = if k == pv.cursor {
            th.cursor()
        } else {
            Style::new()
        };
        let Some(r) = e.rank else {
            // meeting the standard: one phrase across the columns
            lines.push(Line::from(vec![
                cell(if app.opts.ascii { "+" } else { "●" }, rw, base),
                cell(&clean(&e.unit.name), nw, base),
                cell(app.t("plan_meets"), aw + mw + 1 + reach_w, base),
            ]));
            continue;
        };
        let missing = e
            .plan
            .gaps()
            .map(|g| {
                let ind = &fw.indicators[g.indicator];
                format!("{} {}", ind.code, need_text(ind, g.need, lang))
            })
            .collect::<Vec<_>>()
            .join(", ");
        lines.push(Line::from(vec![
            cell(&r.to_string(), rw, base),
            cell(&clean(&e.unit.name), nw, base),
            cell(
                &format!("{} {}", e.plan.criteria_away(), app.t("crit_short")),
                aw,
                base,
            ),
            cell(&missing, mw, base),
            Span::styled(" ", base),
            cell(&unit_reach_short(&e.plan, lang), reach_w, base),
        ]));
    }
    let pad = (area.height as usize).saturating_sub(lines.len() + foot.len());
    lines.extend(std::iter::repeat_n(Line::default(), pad));
    lines.extend(foot);
    f.render_widget(Paragraph::new(lines), area);
}
