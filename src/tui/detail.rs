//! Detail of one criterion for one commune: its indicators with target, value, comparison
//! year, baseline, change, status and a trend; the selected indicator in full below.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::App;
use super::theme::status_cell;
use super::ui::{
    cell, cell_right, clean, data, fmt_change, fmt_obs_full, fmt_origin, fmt_target, fmt_value,
    keep_visible, name_of, sparkline, theme,
};
use crate::i18n::Lang;
use crate::model::Observation;
use crate::text::width;

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let Some(d) = &app.detail else { return };
    let th = theme(app);
    let lang = app.opts.lang;
    let fw = app.fw();
    let crit = &fw.criteria[d.criterion];
    let row = d.grid_row(&app.grid);
    let (year, against) = (d.year, d.against);
    let total = area.width as usize;
    let mut lines: Vec<Line> = Vec::new();

    let cname = clean(if lang == Lang::En {
        &crit.name_en
    } else {
        &crit.name
    });
    let cell_state = row
        .cells
        .get(d.criterion)
        .copied()
        .unwrap_or(crate::query::Cell::NoData);
    lines.push(Line::from(vec![
        Span::styled(
            format!(
                "{} — {} {}: {cname} ",
                clean(&row.report.unit.name),
                app.t("crit_short"),
                crit.code
            ),
            th.title(),
        ),
        Span::styled(th.glyph(cell_state).to_string(), th.cell(cell_state)),
        Span::raw(format!(" {}", app.t(cell_state.label_key()))),
        // "cơ bản đạt": not met only by a small margin, under the framework's rule
        Span::raw(
            if row
                .report
                .evaluation
                .as_ref()
                .is_some_and(|e| e.basic.get(d.criterion).copied().unwrap_or(false))
            {
                format!(" ({})", app.t("basic"))
            } else {
                String::new()
            },
        ),
    ]));
    // a merged unit: where its recognition comes from; a merged-away unit: where it went
    if let Some(note) = row.report.recognition.explain(lang == Lang::Vi) {
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", app.t("recognized")), th.header()),
            Span::raw(data(&note, total)),
        ]));
    }
    if let Some(m) = app
        .q
        .merges
        .iter()
        .find(|m| m.old_code == row.report.unit.code)
    {
        let name = app
            .q
            .units
            .get(&m.new_code)
            .map_or(m.new_code.as_str(), |u| u.name.as_str());
        lines.push(Line::from(Span::styled(
            data(
                &format!("{} {name} ({})", app.t("merged_into"), m.effective_date),
                total,
            ),
            th.dim(),
        )));
    }
    let years: Vec<u16> = d
        .indicators
        .iter()
        .flat_map(|i| i.by_year.keys().copied())
        .collect::<std::collections::BTreeSet<_>>()
        .into_iter()
        .collect();
    let baseline = years.first().copied();
    lines.push(Line::from(Span::styled(
        format!(
            "{} {}   {} {}   {} {}",
            app.t("year"),
            year,
            app.t("against"),
            against
                .map(|a| a.to_string())
                .unwrap_or_else(|| app.t("none").into()),
            app.t("baseline"),
            baseline
                .map(|a| a.to_string())
                .unwrap_or_else(|| app.t("none").into()),
        ),
        th.dim(),
    )));

    // table columns; drop the less important ones when narrow
    let code_w = d
        .indicators
        .iter()
        .map(|i| width(&fw.indicators[i.index].code))
        .max()
        .unwrap_or(4)
        .max(4)
        + 1;
    let show_base = total >= 100;
    let show_trend = total >= 90;
    let (tw, vw) = (12, 10);
    let fixed = code_w
        + tw
        + vw
        + vw
        + 3
        + if show_base { vw } else { 0 }
        + if show_trend {
            d.indicators
                .iter()
                .map(|ir| width(&series_spark(&years, ir)))
                .max()
                .unwrap_or(0)
                .max(width(app.t("trend")))
                + 2
        } else {
            0
        }
        + 11;
    let name_w = total.saturating_sub(fixed).max(8);
    let mut hdr = vec![
        cell(app.t("code"), code_w, th.header()),
        cell(app.t("indicator"), name_w, th.header()),
        cell_right(app.t("target"), tw, th.header()),
        cell_right(&year.to_string(), vw, th.header()),
        cell_right(
            &against.map(|a| a.to_string()).unwrap_or_default(),
            vw,
            th.header(),
        ),
    ];
    if show_base {
        hdr.push(cell_right(
            &baseline.map(|a| a.to_string()).unwrap_or_default(),
            vw,
            th.header(),
        ));
    }
    hdr.push(cell_right(app.t("change"), 10, th.header()));
    hdr.push(cell_right("", 3, th.header()));
    if show_trend {
        hdr.push(Span::styled(format!("  {}", app.t("trend")), th.header()));
    }
    lines.push(Line::from(hdr));

    // the table gets what the panel below leaves (more when there is history to show)
    let extra = d
        .indicators
        .get(d.cursor)
        .map(|ir| (ir.history.len() + usize::from(ir.flag.is_some())).min(4))
        .unwrap_or(0)
        + if d.preds.is_empty() {
            0
        } else {
            d.preds.len() + 1
        };
    let panel_h = 8usize + extra;
    let h = (area.height as usize)
        .saturating_sub(lines.len() + panel_h + 1)
        .max(1)
        .min(d.indicators.len().max(1));
    app.scroll.page.set(h);
    let off = keep_visible(app.scroll.list.get(), d.cursor, h, d.indicators.len());
    app.scroll.list.set(off);
    for (k, ir) in d.indicators.iter().enumerate().skip(off).take(h) {
        let ind = &fw.indicators[ir.index];
        let cur = k == d.cursor;
        let base = if cur { th.cursor() } else { Style::new() };
        let now = ir.by_year.get(&year).and_then(Observation::effective);
        let then = against
            .and_then(|a| ir.by_year.get(&a))
            .and_then(Observation::effective);
        let first = baseline
            .and_then(|b| ir.by_year.get(&b))
            .and_then(Observation::effective);
        let c = status_cell(ir.status);
        let c = if ir.findings.iter().any(|f| f.kind.is_inconsistency()) {
            crate::query::Cell::Inconsistent
        } else {
            c
        };
        let mut spans = vec![
            cell(&ind.code, code_w, base),
            cell(&name_of(ind, lang), name_w, base),
            cell_right(&fmt_target(ind.kind, &ir.target, lang), tw, Style::new()),
            cell_right(&fmt_value(ind.kind, now, lang), vw, th.status(ir.status)),
            cell_right(
                &against
                    .map(|_| fmt_value(ind.kind, then, lang))
                    .unwrap_or_default(),
                vw,
                Style::new(),
            ),
        ];
        if show_base {
            spans.push(cell_right(&fmt_value(ind.kind, first, lang), vw, th.dim()));
        }
        spans.push(cell_right(
            &fmt_change(ind.kind, now, then, lang),
            10,
            Style::new(),
        ));
        spans.push(cell_right(th.glyph(c), 3, th.cell(c)));
        if show_trend {
            spans.push(Span::raw("  "));
            spans.push(Span::styled(series_spark(&years, ir), th.header()));
        }
        lines.push(Line::from(spans));
    }
    lines.push(Line::from(Span::styled("─".repeat(total), th.dim())));

    // the selected indicator in full
    if let Some(ir) = d.indicators.get(d.cursor) {
        let ind = &fw.indicators[ir.index];
        let unit = if ind.unit.is_empty() {
            String::new()
        } else {
            format!(" ({})", clean(&ind.unit))
        };
        lines.push(Line::from(Span::styled(
            format!("{} {}{unit}", ind.code, name_of(ind, lang)),
            th.title(),
        )));
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", app.t("target")), th.header()),
            Span::raw(format!(
                "{}  ({})",
                fmt_target(ind.kind, &ir.target, lang),
                fmt_origin(&ir.target, lang, true)
            )),
        ]));
        let mut v = vec![Span::styled(
            format!("{} {}: ", app.t("value"), year),
            th.header(),
        )];
        match ir.by_year.get(&year) {
            Some(o) => {
                v.push(Span::styled(
                    fmt_obs_full(ind, o, lang),
                    th.status(ir.status),
                ));
                if let Some(p) = o.stated_percent {
                    v.push(Span::raw(format!(
                        "  ({} {}%)",
                        app.t("stated"),
                        crate::text::fmt_num(p, 1, lang.num_style())
                    )));
                }
            }
            None => v.push(Span::raw(app.t("none"))),
        }
        v.push(Span::raw(format!(
            "  {} {}",
            th.glyph(status_cell(ir.status)),
            app.t(status_cell(ir.status).label_key())
        )));
        lines.push(Line::from(v));
        let hist: Vec<String> = ir
            .by_year
            .iter()
            .map(|(y, o)| format!("{y} {}", fmt_value(ind.kind, o.effective(), lang)))
            .collect();
        let mut yl = vec![Span::styled(format!("{}: ", app.t("years")), th.header())];
        match &ir.linked {
            None => yl.push(Span::raw(hist.join(" · "))),
            Some(l) => {
                // the other framework's years, labelled with its code, then the break
                let other: Vec<String> = l
                    .by_year
                    .iter()
                    .map(|(y, o)| format!("{y} {}", fmt_value(l.kind, o.effective(), lang)))
                    .collect();
                let other = Span::styled(
                    format!("[{} {}] {}", l.framework, clean(&l.code), other.join(" · ")),
                    th.dim(),
                );
                let brk = Span::styled(
                    format!(" {BREAK} {} {BREAK} ", app.t("framework_break")),
                    th.key(),
                );
                let own = Span::raw(format!("[{} {}] {}", fw.id, ind.code, hist.join(" · ")));
                let older = l.by_year.keys().next() < ir.by_year.keys().next();
                if older || ir.by_year.is_empty() {
                    yl.extend([other, brk, own]);
                } else {
                    yl.extend([own, brk, other]);
                }
            }
        }
        lines.push(Line::from(yl));
        // the predecessors' own series before the merger, apart from the unit's own
        if let Some(first) = d.preds.first() {
            lines.push(Line::from(Span::styled(
                format!(
                    "{} — {} {}:",
                    app.t("predecessors"),
                    app.t("before_merger"),
                    first.merge.effective_date
                ),
                th.header(),
            )));
            for p in &d.preds {
                let series: Vec<String> = p
                    .rows
                    .iter()
                    .filter_map(|(y, obs)| {
                        obs.iter()
                            .find(|o| o.indicator == ind.code)
                            .map(|o| format!("{y} {}", fmt_value(ind.kind, o.effective(), lang)))
                    })
                    .collect();
                let series = if series.is_empty() {
                    app.t("none").to_string()
                } else {
                    series.join(" · ")
                };
                lines.push(Line::from(vec![
                    Span::styled(format!("  ↳ {}: ", clean(&p.unit.name)), th.dim()),
                    Span::styled(data(&series, total), th.dim()),
                ]));
            }
        }
        // trend class over every year with data (required-versus-observed growth)
        let series: Vec<(u16, crate::model::Value)> = ir
            .by_year
            .iter()
            .filter_map(|(y, o)| o.effective().map(|v| (*y, v)))
            .collect();
        let horizon = fw.period.map_or(year, |(_, end)| end);
        let trend = crate::eval::trend::classify(&series, ir.target.as_ref(), horizon);
        lines.push(Line::from(vec![
            Span::styled(format!("{}: ", app.t("trend")), th.header()),
            Span::raw(app.t(trend.label_key())),
        ]));
        if let Some(o) = ir.by_year.get(&year) {
            let mut src = Vec::new();
            if let Some(s) = &o.source {
                src.push(Span::styled(format!("{}: ", app.t("source")), th.header()));
                src.push(Span::raw(data(s, total)));
            }
            if let Some(nt) = &o.note {
                src.push(Span::styled(format!("  {}: ", app.t("note")), th.header()));
                src.push(Span::raw(data(nt, total)));
            }
            if !src.is_empty() {
                lines.push(Line::from(src));
            }
        }
        if let Some(fl) = &ir.flag {
            lines.push(Line::from(vec![
                Span::styled(format!("⚑ {}: ", app.t("flag_label")), th.key()),
                Span::raw(data(
                    &format!(
                        "{} ({}, {})",
                        fl.comment,
                        fl.who,
                        crate::store::log::iso8601(fl.when)
                    ),
                    total,
                )),
            ]));
        }
        for fd in &ir.findings {
            let msg = if lang == Lang::En {
                &fd.message
            } else {
                &fd.message_vi
            };
            lines.push(Line::from(vec![
                Span::styled(
                    format!("{} ", app.t(sev_key(fd.severity))),
                    th.severity(fd.severity),
                ),
                Span::raw(data(msg, total)),
            ]));
            // the rule that fired, with its threshold
            lines.push(Line::from(Span::styled(
                data(
                    &format!(
                        "  {} {}: {}",
                        app.t("rule"),
                        fd.kind.as_str(),
                        fd.kind.rule(&fw.options, lang == Lang::Vi)
                    ),
                    total,
                ),
                th.dim(),
            )));
        }
        if !ir.history.is_empty() {
            lines.push(Line::from(Span::styled(
                format!("{}:", app.t("history")),
                th.header(),
            )));
            // newest first
            for e in ir.history.iter().rev() {
                let mut t = format!(
                    "#{} {} {} {}: {} → {}",
                    e.seq,
                    crate::store::log::iso8601(e.when),
                    e.who,
                    e.action,
                    logged(e.old.as_deref(), lang),
                    logged(e.new.as_deref(), lang),
                );
                if let Some(r) = &e.reason {
                    t += &format!(" ({r})");
                }
                lines.push(Line::from(Span::raw(data(&t, total))));
            }
        }
    }
    f.render_widget(Paragraph::new(lines), area);
}

/// Marks where a series crosses from one criteria set to another.
pub const BREAK: char = '┆';

/// An indicator's sparkline over `years` (the detail's years), extended by its counterpart's
/// values in another framework when there is one, with `BREAK` where the framework changes.
/// The bars are scaled over the whole series: a mapping joins only the same measure.
pub fn series_spark(years: &[u16], ir: &crate::tui::app::IndRow) -> String {
    let own = |y: &u16| ir.by_year.get(y).and_then(Observation::effective);
    let Some(l) = &ir.linked else {
        return sparkline(&years.iter().map(own).collect::<Vec<_>>());
    };
    // (year, value, from the other framework)
    let mut pts: Vec<(u16, Option<crate::model::Value>, bool)> =
        years.iter().map(|y| (*y, own(y), false)).collect();
    pts.extend(
        l.by_year
            .iter()
            .filter(|(y, _)| !years.contains(y))
            .map(|(y, o)| (*y, o.effective(), true)),
    );
    pts.sort_by_key(|p| p.0);
    let bars: Vec<char> = sparkline(&pts.iter().map(|p| p.1).collect::<Vec<_>>())
        .chars()
        .collect();
    let mut out = String::new();
    for (k, (p, b)) in pts.iter().zip(bars).enumerate() {
        if k > 0 && pts[k - 1].2 != p.2 {
            out.push(BREAK);
        }
        out.push(b);
    }
    out
}

pub fn sev_key(s: crate::eval::Severity) -> &'static str {
    match s {
        crate::eval::Severity::Error => "sev_error",
        crate::eval::Severity::Warning => "sev_warning",
        crate::eval::Severity::Info => "sev_info",
    }
}

/// A logged old/new value made short: figures (JSON in the log) as `n/d` or the value.
pub fn logged(s: Option<&str>, lang: Lang) -> String {
    let Some(s) = s else {
        return "—".into();
    };
    let Ok(serde_json::Value::Object(m)) = serde_json::from_str::<serde_json::Value>(s) else {
        return s.to_string();
    };
    let st = lang.num_style();
    let num = |k: &str| m.get(k).and_then(serde_json::Value::as_f64);
    if let (Some(n), Some(d)) = (num("numerator"), num("denominator")) {
        return format!(
            "{}/{}",
            crate::text::fmt_num(n, 2, st),
            crate::text::fmt_num(d, 2, st)
        );
    }
    match m.get("value") {
        Some(serde_json::Value::Object(v)) => {
            if let Some(x) = v.get("Number").and_then(serde_json::Value::as_f64) {
                crate::text::fmt_num(x, 2, st)
            } else if let Some(p) = v.get("Pass").and_then(serde_json::Value::as_bool) {
                lang.t(if p { "val_pass" } else { "val_fail" }).to_string()
            } else {
                s.to_string()
            }
        }
        _ => s.to_string(),
    }
}
