//! The audit screens: the list of spot audits with their progress, and one audit record by
//! record — what was drawn and why, its mark, and below it the same detail the detail screen
//! shows for that unit, criterion and year.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::form::mark_key;
use super::ui::{cell, cell_right, clean, data, keep_visible, theme};
use crate::model::Kind;
use crate::text::fmt_num;

pub fn draw_list(f: &mut Frame, app: &App, area: Rect) {
    let th = theme(app);
    let total = area.width as usize;
    let mut lines = vec![Line::from(Span::styled(app.t("audits_title"), th.title()))];
    if app.q.audits.is_empty() {
        // the key the keymap gives to drawing a sample, not a fixed letter
        let key = app
            .keymap
            .first_key(crate::tui::action::Action::NewAudit)
            .unwrap_or_else(|| "?".into());
        let text = app.t("no_audits").replace("{key}", &key);
        lines.push(Line::from(Span::raw(data(&text, total))));
        f.render_widget(Paragraph::new(lines), area);
        return;
    }
    let nw = app
        .q
        .audits
        .iter()
        .map(|a| crate::text::width(&clean(&a.name)))
        .max()
        .unwrap_or(4)
        .clamp(crate::text::width(app.t("audit_short")), 24)
        + 2;
    lines.push(Line::from(vec![
        cell(app.t("audit_short"), nw, th.header()),
        cell_right(app.t("audit_marked"), 10, th.header()),
        Span::styled(
            format!("  {}  {}", app.t("year"), app.t("audit_params")),
            th.header(),
        ),
    ]));
    let h = (area.height as usize).saturating_sub(2).max(1);
    app.scroll.page.set(h);
    let n = app.q.audits.len();
    let off = keep_visible(app.scroll.list.get(), app.audits.cursor, h, n);
    app.scroll.list.set(off);
    for (i, a) in app.q.audits.iter().enumerate().skip(off).take(h) {
        let st = if i == app.audits.cursor {
            th.cursor()
        } else {
            Style::new()
        };
        let done = a.records.iter().filter(|r| r.mark.is_some()).count();
        lines.push(Line::from(vec![
            cell(&clean(&a.name), nw, st),
            cell_right(&format!("{done}/{}", a.records.len()), 10, Style::new()),
            Span::raw(data(
                &format!(
                    "  {}  {}",
                    &crate::store::log::iso8601(a.created)[..10],
                    a.params
                ),
                total.saturating_sub(nw + 10),
            )),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme(app);
    let Some(av) = &app.audit else { return };
    let total = area.width as usize;
    let n = av.audit.records.len();
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(vec![
        Span::styled(
            data(
                &format!(
                    "{} {} — {} {}/{n}",
                    app.t("audit_short"),
                    av.audit.name,
                    app.t("audit_record"),
                    av.index + 1
                ),
                total,
            ),
            th.title(),
        ),
        Span::styled(
            format!("   {} {}/{n}", app.t("audit_marked"), av.marked()),
            th.key(),
        ),
    ]));
    if let Some(r) = av.audit.records.get(av.index) {
        let name = app
            .q
            .units
            .get(&r.key.unit)
            .map(|u| clean(&u.name))
            .unwrap_or_else(|| clean(&r.key.unit));
        let kind = app.fw().indicator(&r.key.indicator).map(|(_, i)| i.kind);
        let reported = show_recount(app, kind, r.reported);
        let mut t = format!(
            "{name} ({}) · {} · {}   {}: {reported}",
            r.key.unit,
            r.key.indicator,
            r.key.year,
            app.t("audit_reported"),
        );
        if !r.why.trim().is_empty() {
            t += &format!("   {}: {}", app.t("audit_why"), r.why);
        }
        lines.push(Line::from(vec![Span::raw(data(&t, total))]));
        let mark = match &r.mark {
            None => vec![Span::styled(app.t("unmarked"), th.dim())],
            Some(m) => {
                let mut t = app.t(mark_key(m.status)).to_string();
                if m.recount.is_some() {
                    t += &format!(
                        " · {} {}",
                        app.t("f_recount"),
                        show_recount(app, kind, m.recount)
                    );
                }
                if let Some(nt) = &m.note {
                    t += &format!(" · {nt}");
                }
                t += &format!(" ({}, {})", m.who, crate::store::log::iso8601(m.when));
                vec![Span::styled(data(&t, total), th.key())]
            }
        };
        let mut l = vec![Span::styled(
            format!("{}: ", app.t("audit_result")),
            th.header(),
        )];
        l.extend(mark);
        lines.push(Line::from(l));
        if !av.earlier.is_empty() {
            let t = format!("{}: {}", app.t("earlier_marks"), av.earlier.join(" · "));
            lines.push(Line::from(Span::styled(data(&t, total), th.dim())));
        }
    }
    lines.push(Line::from(Span::styled("─".repeat(total), th.dim())));
    let head = lines.len() as u16;
    f.render_widget(Paragraph::new(lines), area);
    let rest = Rect {
        y: area.y + head.min(area.height),
        height: area.height.saturating_sub(head),
        ..area
    };
    if rest.height == 0 {
        return;
    }
    if app.detail.is_some() {
        super::detail::draw(f, app, rest);
    } else {
        f.render_widget(Paragraph::new(app.t("audit_no_detail")), rest);
    }
}

/// A value on the recount scale as the indicator shows it: `95,4%`, `42,5`, `đạt`.
fn show_recount(app: &App, kind: Option<Kind>, v: Option<f64>) -> String {
    let st = app.opts.lang.num_style();
    match (v, kind) {
        (None, _) => app.t("none").to_string(),
        (Some(x), Some(Kind::Bool)) if x == 0.0 || x == 1.0 => app
            .t(if x == 1.0 { "val_pass" } else { "val_fail" })
            .to_string(),
        (Some(x), Some(Kind::Ratio)) => format!("{}%", fmt_num(x, 2, st)),
        (Some(x), _) => fmt_num(x, 2, st),
    }
}
