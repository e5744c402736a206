//! Every finding in scope, most severe first; filter by kind or text, Enter jumps to the cell.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::detail::sev_key;
use super::ui::{cell, clean, data, keep_visible, theme};
use crate::i18n::Lang;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme(app);
    let lang = app.opts.lang;
    let fv = &app.findings;
    let total = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();
    let kind = fv
        .kind
        .map(|k| k.as_str().to_string())
        .unwrap_or_else(|| app.t("all_kinds").to_string());
    let mut title = format!(
        "{} — {}  {} {}  ({})   {}: {kind}",
        app.t("findings"),
        clean(&app.grid.parent.name),
        app.t("year"),
        app.year,
        fv.list.len(),
        app.t("kind")
    );
    if !app.filter.is_empty() {
        title += &format!("   /{}", clean(&app.filter));
    }
    lines.push(Line::from(Span::styled(title, th.title())));
    let (sw, nw, iw, kw) = (10, 12, 9, 16);
    let mw = total.saturating_sub(sw + nw + iw + kw);
    let show_kind = total >= 100;
    lines.push(Line::from(vec![
        cell(app.t("severity"), sw, th.header()),
        cell(app.t("commune"), nw, th.header()),
        cell(app.t("indicator"), iw, th.header()),
        if show_kind {
            cell(app.t("kind"), kw, th.header())
        } else {
            Span::raw("")
        },
        Span::styled(app.t("message"), th.header()),
    ]));
    let h = (area.height as usize).saturating_sub(lines.len());
    app.scroll.page.set(h.max(1));
    let off = keep_visible(app.scroll.list.get(), fv.cursor, h, fv.list.len());
    app.scroll.list.set(off);
    if fv.list.is_empty() {
        lines.push(Line::from(Span::styled(app.t("no_findings"), th.dim())));
    }
    for (k, (r, fd)) in fv.list.iter().enumerate().skip(off).take(h) {
        let cur = k == fv.cursor;
        let base = if cur { th.cursor() } else { Style::new() };
        let msg = if lang == Lang::En {
            &fd.message
        } else {
            &fd.message_vi
        };
        let mw = if show_kind { mw } else { mw + kw };
        lines.push(Line::from(vec![
            cell(
                app.t(sev_key(fd.severity)),
                sw,
                th.severity(fd.severity).patch(base),
            ),
            cell(&clean(&app.grid.rows[*r].report.unit.name), nw, base),
            cell(fd.indicator.as_deref().unwrap_or(""), iw, base),
            if show_kind {
                cell(fd.kind.as_str(), kw, base)
            } else {
                Span::raw("")
            },
            Span::styled(data(msg, mw), base),
        ]));
    }
    f.render_widget(Paragraph::new(lines), area);
}
