//! One indicator across every commune in scope, best first: for comparing peers.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::theme::status_cell;
use super::ui::{
    cell, cell_right, clean, fmt_origin, fmt_target, fmt_value, keep_visible, name_of, theme,
};
use crate::text::fmt_num;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(iv) = &app.indicator else { return };
    let th = theme(app);
    let lang = app.opts.lang;
    let fw = app.fw();
    let ind = &fw.indicators[iv.indicator];
    let mut lines: Vec<Line> = Vec::new();
    lines.push(Line::from(Span::styled(
        format!(
            "{} {} — {}",
            app.t("indicator"),
            ind.code,
            name_of(ind, lang)
        ),
        th.title(),
    )));
    let mut sub = format!(
        "{} {}   {}",
        app.t("year"),
        app.year,
        app.t("sorted_by_value")
    );
    if !app.filter.is_empty() {
        sub += &format!("   /{}", clean(&app.filter));
    }
    lines.push(Line::from(Span::styled(sub, th.dim())));
    let name_w = 18;
    let (vw, cw, tw) = (10, 20, 12);
    lines.push(Line::from(vec![
        cell_right("#", 4, th.header()),
        Span::raw(" "),
        cell(app.t("commune"), name_w, th.header()),
        cell_right(app.t("value"), vw, th.header()),
        cell_right(app.t("counts"), cw, th.header()),
        cell_right(app.t("target"), tw, th.header()),
        cell_right("", 3, th.header()),
        Span::styled(format!("  {}", app.t("target_source")), th.header()),
    ]));
    let h = (area.height as usize).saturating_sub(lines.len());
    app.scroll.page.set(h.max(1));
    let off = keep_visible(app.scroll.list.get(), iv.cursor, h, iv.rows.len());
    app.scroll.list.set(off);
    let st = lang.num_style();
    for (k, pr) in iv.rows.iter().enumerate().skip(off).take(h) {
        let cur = k == iv.cursor;
        let base = if cur { th.cursor() } else { Style::new() };
        let counts = match pr.obs.as_ref().map(|o| (o.numerator, o.denominator)) {
            Some((Some(n), Some(d))) => format!("{}/{}", fmt_num(n, 2, st), fmt_num(d, 2, st)),
            _ => String::new(),
        };
        let c = status_cell(pr.status);
        lines.push(Line::from(vec![
            cell_right(&(k + 1).to_string(), 4, base),
            Span::styled(" ", base),
            cell(
                &clean(&app.grid.rows[pr.row].report.unit.name),
                name_w,
                base,
            ),
            cell_right(
                &fmt_value(ind.kind, pr.value, lang),
                vw,
                th.status(pr.status),
            ),
            cell_right(&counts, cw, Style::new()),
            cell_right(&fmt_target(ind.kind, &pr.target, lang), tw, Style::new()),
            cell_right(th.glyph(c), 3, th.cell(c)),
            Span::styled(
                format!("  {}", fmt_origin(&pr.target, lang, false)),
                th.dim(),
            ),
        ]));
    }
    if iv.rows.is_empty() {
        lines.push(Line::from(Span::styled(app.t("no_match"), th.dim())));
    }
    f.render_widget(Paragraph::new(lines), area);
}
