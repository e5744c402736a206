//! Choose the parent unit (district or province) whose communes the grid shows. Typing
//! filters without diacritics.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::ui::{cell, clean, keep_visible, theme};
use crate::model::Level;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(p) = &app.picker else { return };
    let th = theme(app);
    let cursor = if app.opts.ascii { "_" } else { "▏" };
    let mut lines = vec![
        Line::from(Span::styled(app.t("picker_title"), th.title())),
        Line::from(vec![
            Span::styled("> ", th.key()),
            Span::raw(format!("{}{cursor}", clean(&p.query))),
        ]),
    ];
    let h = (area.height as usize).saturating_sub(lines.len());
    app.scroll.page.set(h.max(1));
    let off = keep_visible(app.scroll.list.get(), p.cursor, h, p.shown.len());
    app.scroll.list.set(off);
    for (k, &i) in p.shown.iter().enumerate().skip(off).take(h) {
        let (code, name, level) = &p.all[i];
        let base = if k == p.cursor {
            th.cursor()
        } else {
            Style::new()
        };
        let lv = match level {
            Level::Province => app.t("level_province"),
            Level::District => app.t("level_district"),
            Level::Commune => app.t("commune"),
        };
        let mark = if *code == app.parent { "*" } else { " " };
        // the years a unit existed, when it did not always (a district dissolved in 2025)
        let years = app
            .q
            .units
            .get(code)
            .map(|u| match (u.valid_from, u.valid_to) {
                (None, None) => String::new(),
                (a, z) => format!(
                    " ({}–{})",
                    a.map(|a| a.to_string()).unwrap_or_default(),
                    z.map(|z| z.to_string()).unwrap_or_default()
                ),
            })
            .unwrap_or_default();
        lines.push(Line::from(vec![
            Span::styled(mark, th.key()),
            cell(&format!("{}{years}", clean(name)), 30, base),
            cell(lv, 12, th.dim()),
            Span::styled(clean(code), th.dim()),
        ]));
    }
    if p.shown.is_empty() {
        lines.push(Line::from(Span::styled(app.t("no_match"), th.dim())));
    }
    f.render_widget(Paragraph::new(lines), area);
}
