//! The home screen: communes × criteria, with the commune column frozen while the criteria
//! scroll sideways.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::app::{App, EXTRA_COLS};
use super::ui::{cell, cell_right, clean, keep_visible, theme};
use crate::i18n::Lang;
use crate::query::Cell;
use crate::text::{fmt_num, fmt_pct, width};

/// A row's name: a district's or province's own published row is marked `Σ` (its figures
/// are totals, not a commune's).
pub fn row_name(r: &crate::query::GridRow, ascii: bool) -> String {
    let name = clean(&r.report.unit.name);
    match (r.is_aggregate(), ascii) {
        (false, _) => name,
        (true, false) => format!("Σ {name}"),
        (true, true) => format!("= {name}"),
    }
}

/// Column widths: (name, criterion, extras).
/// `hundred`: the footer has a "100", which needs four cells to stand apart from its
/// neighbours (so the grid scrolls sideways sooner rather than print "100100").
fn widths(app: &App, total: usize, hundred: bool) -> (usize, usize, [usize; EXTRA_COLS]) {
    // the communes' names decide (a long "Σ Thành phố …" is cut, not the summary columns)
    let longest = app
        .grid
        .rows
        .iter()
        .filter(|r| !r.is_aggregate() || app.grid.communes().next().is_none())
        .map(|r| width(&row_name(r, app.opts.ascii)))
        .max()
        .unwrap_or(6);
    let cap = if total < 60 {
        12
    } else if total < 100 {
        16
    } else {
        24
    };
    let name_w = longest.clamp(6, cap) + 1;
    // criteria met, recognised year (with the revocation-risk mark), findings
    let extras = [6, 5, 3];
    let n = app.n_criteria();
    let cw = if hundred || name_w + n * 4 + extras.iter().sum::<usize>() <= total {
        4
    } else {
        3
    };
    (name_w, cw, extras)
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme(app);
    let lang = app.opts.lang;
    let st = lang.num_style();
    let fw = app.fw();
    let n = fw.criteria.len();
    let total = area.width as usize;
    let shown = Shown::of(app, n);
    let hundred = (0..n).any(|c| shown.percent(c).round() as i64 >= 100);
    let (name_w, cw, extras) = widths(app, total, hundred);
    let col_w = |c: usize| if c < n { cw } else { extras[c - n] };

    // header
    let mut lines: Vec<Line> = Vec::new();
    let against = app
        .against
        .map(|a| a.to_string())
        .unwrap_or_else(|| app.t("none").into());
    let mut title = vec![Span::styled(clean(&app.grid.parent.name), th.title())];
    if !app.filter.is_empty() {
        title.push(Span::styled(format!("  /{}", clean(&app.filter)), th.key()));
    }
    title.push(Span::raw(format!(
        "  {} {}  {} {}  {} {}  {} {}",
        app.t("framework"),
        fw.id,
        app.t("year"),
        app.year,
        app.t("against"),
        against,
        app.t("sort"),
        app.t(app.sort.key())
    )));
    lines.push(Line::from(title));
    let mut kpi = String::new();
    if !app.filter.trim().is_empty() {
        // the counts are of the rows the filter shows, and say so
        kpi += &format!(
            "[{} {}/{}]  ",
            app.t("kpi_filtered"),
            app.view.len(),
            app.grid.rows.len()
        );
    }
    kpi += &format!(
        "{}: {}/{}   {}: {}/{n}",
        app.t("communes_meeting"),
        shown.meet,
        shown.with,
        app.t("avg_criteria"),
        fmt_num(shown.average_met(), 1, st)
    );
    if app.col < n {
        let c = &fw.criteria[app.col];
        let cname = clean(if lang == Lang::En {
            &c.name_en
        } else {
            &c.name
        });
        kpi += &format!(
            "   {} {}: {} ({} {})",
            app.t("crit_short"),
            c.code,
            cname,
            fmt_pct(shown.percent(app.col), st),
            app.t("pct_meeting_short")
        );
    }
    lines.push(Line::from(Span::raw(kpi)));

    // visible columns: frozen name, then as many columns as fit from the offset
    let avail = total.saturating_sub(name_w);
    let ncols = n + EXTRA_COLS;
    let mut off = app.scroll.grid_col.get().min(ncols - 1);
    if app.col < off {
        off = app.col;
    }
    loop {
        let used: usize = (off..=app.col).map(col_w).sum();
        if used <= avail || off >= app.col {
            break;
        }
        off += 1;
    }
    // fill leftwards when there is room at the right end
    while off > 0 && (off - 1..ncols).map(col_w).sum::<usize>() <= avail {
        off -= 1;
    }
    app.scroll.grid_col.set(off);
    let mut visible = Vec::new();
    let mut used = 0;
    for c in off..ncols {
        if used + col_w(c) > avail {
            break;
        }
        used += col_w(c);
        visible.push(c);
    }
    let more_left = off > 0;
    let more_right = visible.last().is_some_and(|&l| l + 1 < ncols);

    // column headers
    let extra_labels = [
        app.t("col_met"),
        app.t("col_recognized"),
        app.t("col_findings"),
    ];
    let mut hdr = vec![cell(
        if more_left { "«" } else { app.t("commune") },
        name_w,
        th.header(),
    )];
    if more_left {
        hdr[0] = cell(&format!("{} «", app.t("commune")), name_w, th.header());
    }
    for &c in &visible {
        let label = if c < n {
            fw.criteria[c].code.as_str()
        } else {
            extra_labels[c - n]
        };
        let style = if c == app.col {
            th.header().patch(th.cursor())
        } else {
            th.header()
        };
        hdr.push(cell_right(label, col_w(c), style));
    }
    if more_right {
        hdr.push(Span::styled("»", th.header()));
    }
    lines.push(Line::from(hdr));

    // rows: what remains after header (3), footer (1) and legend (when room; wrapped)
    let legend = legend_lines(app, total);
    let legend_h = if area.height >= 14 { legend.len() } else { 0 };
    let fixed = 3 + 1 + legend_h;
    let h = (area.height as usize).saturating_sub(fixed);
    app.scroll.page.set(h.max(1));
    let roff = keep_visible(app.scroll.grid_row.get(), app.row, h, app.view.len());
    app.scroll.grid_row.set(roff);
    if app.view.is_empty() {
        let msg = if app.grid.rows.is_empty() {
            app.t("no_communes")
        } else {
            app.t("no_match")
        };
        lines.push(Line::from(Span::styled(msg, th.dim())));
    }
    for (vi, &r) in app.view.iter().enumerate().skip(roff).take(h) {
        let row = &app.grid.rows[r];
        let is_cur = vi == app.row;
        let name_style = if is_cur { th.cursor() } else { Style::new() };
        let mut spans = vec![
            cell(&row_name(row, app.opts.ascii), name_w - 1, name_style),
            Span::raw(" "),
        ];
        for &c in &visible {
            let (text, mut style) = if c < n {
                let cl = row.cells[c];
                (th.glyph(cl).to_string(), th.cell(cl))
            } else if c == n {
                let t = match &row.report.evaluation {
                    Some(e) => format!("{}/{}", e.criteria_met, e.criteria_total),
                    None => app.t("none").to_string(),
                };
                let s = if row.meets_standard() {
                    th.cell(Cell::Met)
                } else {
                    Style::new()
                };
                (t, s)
            } else if c == n + 1 {
                let year = row.report.recognized_label(app.t("none"));
                // revocation risk (QĐ 18/2022): a mark readable without colour, and a colour
                let (mark, style) = match row.report.risk {
                    Some(crate::eval::Risk::High) => ("‼", th.cell(Cell::NotMet)),
                    Some(crate::eval::Risk::Medium) => ("!", th.cell(Cell::Regressed)),
                    Some(crate::eval::Risk::Low) => ("", th.cell(Cell::Inconsistent)),
                    _ => ("", Style::new()),
                };
                (format!("{mark}{year}"), style)
            } else {
                let k = row.report.findings.len();
                let s = if k > 0 {
                    th.cell(Cell::Inconsistent)
                } else {
                    th.dim()
                };
                (k.to_string(), s)
            };
            if is_cur && c == app.col {
                style = style.patch(th.cursor());
            }
            spans.push(cell_right(&text, col_w(c), style));
        }
        lines.push(Line::from(spans));
    }
    // footer: % of communes meeting each criterion
    let mut foot = vec![cell(app.t("pct_meeting"), name_w, th.header())];
    for &c in &visible {
        let pct = (c < n).then(|| shown.percent(c).round() as i64);
        match pct {
            // a number row holds numbers (never the met glyph)
            Some(p) => foot.push(cell_right(&p.to_string(), col_w(c), th.dim())),
            None => foot.push(cell_right("", col_w(c), th.dim())),
        }
    }
    lines.push(Line::from(foot));
    lines.extend(legend.into_iter().take(legend_h));
    f.render_widget(Paragraph::new(lines), area);
}

/// The legend, flowed into as many lines as `w` needs.
fn legend_lines(app: &App, w: usize) -> Vec<Line<'static>> {
    let th = theme(app);
    let head = format!("{}: ", app.t("legend"));
    let mut out = Vec::new();
    let mut spans = vec![Span::raw(head.clone())];
    let mut used = width(&head);
    for c in Cell::ALL {
        let label = format!(" {}  ", app.t(c.label_key()));
        let item_w = width(th.glyph(c)) + width(&label);
        if used + item_w > w && spans.len() > 1 {
            out.push(Line::from(std::mem::take(&mut spans)));
            spans.push(Span::raw(" ".repeat(width(&head))));
            used = width(&head);
        }
        spans.push(Span::styled(th.glyph(c).to_string(), th.cell(c)));
        spans.push(Span::raw(label));
        used += item_w;
    }
    // the marks before a recognition year
    let label = format!(" {}  ", app.t("legend_risk"));
    let item_w = 3 + width(&label);
    if used + item_w > w && spans.len() > 1 {
        out.push(Line::from(std::mem::take(&mut spans)));
        spans.push(Span::raw(" ".repeat(width(&head))));
    }
    spans.push(Span::styled("!/‼".to_string(), th.cell(Cell::NotMet)));
    spans.push(Span::raw(label));
    used += item_w;
    // `*`: a recognition computed from merged predecessors (only when the grid has one)
    if app.grid.rows.iter().any(|r| {
        matches!(
            r.report.recognition.basis,
            crate::eval::lineage::Basis::Inherited(_)
        )
    }) {
        let label = format!(" {}  ", app.t("legend_inherited"));
        let item_w = 1 + width(&label);
        if used + item_w > w && spans.len() > 1 {
            out.push(Line::from(std::mem::take(&mut spans)));
            spans.push(Span::raw(" ".repeat(width(&head))));
        }
        spans.push(Span::styled("*".to_string(), th.header()));
        spans.push(Span::raw(label));
    }
    out.push(Line::from(spans));
    out
}

/// The KPI line's and the footer's counts over the rows shown (after the `/` filter).
struct Shown {
    meet: usize,
    with: usize,
    met_sum: usize,
    per: Vec<usize>,
}

impl Shown {
    fn of(app: &App, n: usize) -> Shown {
        let mut s = Shown {
            meet: 0,
            with: 0,
            met_sum: 0,
            per: vec![0; n],
        };
        for &r in &app.view {
            let row = &app.grid.rows[r];
            // communes only: a district's own published row (Σ) is not one of them
            if row.is_aggregate() {
                continue;
            }
            let Some(e) = &row.report.evaluation else {
                continue;
            };
            s.with += 1;
            s.meet += usize::from(row.meets_standard());
            s.met_sum += row.criteria_met();
            for (i, st) in e.criteria.iter().enumerate().take(n) {
                s.per[i] += usize::from(*st == crate::eval::Status::Met);
            }
        }
        s
    }
    fn average_met(&self) -> f64 {
        if self.with == 0 {
            0.0
        } else {
            self.met_sum as f64 / self.with as f64
        }
    }
    fn percent(&self, ci: usize) -> f64 {
        if self.with == 0 {
            0.0
        } else {
            self.per[ci] as f64 * 100.0 / self.with as f64
        }
    }
}
