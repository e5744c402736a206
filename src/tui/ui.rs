//! The frame: the current screen above, the status line below, "terminal too small" when
//! there is no room. Also the formatting helpers the screens share.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::action::Action;
use super::app::{App, Screen};
use super::theme::Theme;
use super::{audit, detail, findings, form, grid, help, indicator, picker, plan};
use crate::framework::Indicator;
use crate::i18n::Lang;
use crate::model::{Kind, Observation, Target, TargetOrigin, Value};
use crate::text::{fmt_num, pad, pad_left, sanitize, truncate, width};

pub const MIN_WIDTH: u16 = 40;
pub const MIN_HEIGHT: u16 = 10;

pub fn theme(app: &App) -> Theme {
    Theme {
        ascii: app.opts.ascii,
    }
}

/// Draw the whole frame.
pub fn draw(f: &mut Frame, app: &App) {
    let area = f.area();
    let small = area.width < MIN_WIDTH || area.height < MIN_HEIGHT;
    app.scroll.too_small.set(small);
    if small {
        too_small(f, app, area);
        return;
    }
    let body = Rect {
        height: area.height - 1,
        ..area
    };
    let status = Rect {
        y: area.y + area.height - 1,
        height: 1,
        ..area
    };
    match app.screen() {
        Screen::Grid => grid::draw(f, app, body),
        Screen::Detail => detail::draw(f, app, body),
        Screen::Indicator => indicator::draw(f, app, body),
        Screen::Findings => findings::draw(f, app, body),
        Screen::Help => help::draw(f, app, body),
        Screen::Picker => picker::draw(f, app, body),
        Screen::Audits => audit::draw_list(f, app, body),
        Screen::Audit => audit::draw(f, app, body),
        Screen::Plan => plan::draw(f, app, body),
    }
    status_line(f, app, status);
    if let Some(fm) = &app.form {
        form::draw(f, app, fm, body);
    }
    if let Some(c) = &app.confirm {
        form::draw_confirm(f, app, c, body);
    }
}

fn too_small(f: &mut Frame, app: &App, area: Rect) {
    let msg = format!(
        "{} ({}×{}, {} {}×{})",
        app.t("too_small"),
        area.width,
        area.height,
        app.t("need"),
        MIN_WIDTH,
        MIN_HEIGHT
    );
    let words: Vec<&str> = msg.split(' ').collect();
    // wrap by hand so nothing depends on the widget's wrapping at tiny sizes
    let mut lines: Vec<Line> = Vec::new();
    let mut cur = String::new();
    for w in words {
        if !cur.is_empty() && width(&cur) + 1 + width(w) > area.width as usize {
            lines.push(Line::from(std::mem::take(&mut cur)));
        }
        if !cur.is_empty() {
            cur.push(' ');
        }
        cur.push_str(w);
    }
    lines.push(Line::from(cur));
    let lines: Vec<Line> = lines.into_iter().take(area.height as usize).collect();
    f.render_widget(Paragraph::new(lines), area);
}

/// Hints per screen, most useful first.
fn hints(s: Screen) -> &'static [Action] {
    match s {
        Screen::Grid => &[
            Action::DrillIn,
            Action::Filter,
            Action::YearPrev,
            Action::AgainstPrev,
            Action::ToggleFindings,
            Action::SortNext,
            Action::PickParent,
            Action::IndicatorView,
            Action::Audits,
            Action::Plan,
            Action::Quit,
        ],
        Screen::Detail => &[
            Action::Back,
            Action::Edit,
            Action::Flag,
            Action::MoveLeft,
            Action::IndicatorView,
            Action::YearPrev,
            Action::NextMatch,
            Action::Undo,
            Action::Quit,
        ],
        Screen::Indicator => &[
            Action::Back,
            Action::DrillIn,
            Action::MoveLeft,
            Action::Filter,
            Action::YearPrev,
            Action::Quit,
        ],
        Screen::Findings => &[
            Action::DrillIn,
            Action::Back,
            Action::CycleKind,
            Action::Filter,
            Action::Quit,
        ],
        Screen::Help => &[Action::Back, Action::MoveDown, Action::Quit],
        Screen::Picker => &[Action::DrillIn, Action::Back],
        Screen::Audits => &[
            Action::DrillIn,
            Action::NewAudit,
            Action::Back,
            Action::Quit,
        ],
        Screen::Plan => &[
            Action::Back,
            Action::Plan,
            Action::DrillIn,
            Action::NextMatch,
            Action::YearPrev,
            Action::Quit,
        ],
        Screen::Audit => &[
            Action::MarkConfirmed,
            Action::MarkDiscrepancy,
            Action::MarkCannotVerify,
            Action::MoveDown,
            Action::Back,
            Action::Edit,
            Action::Flag,
            Action::Quit,
        ],
    }
}

/// Actions that write to the store (hidden from the hints when read-only).
pub fn is_write(a: Action) -> bool {
    matches!(
        a,
        Action::Edit
            | Action::Flag
            | Action::Undo
            | Action::MarkConfirmed
            | Action::MarkDiscrepancy
            | Action::MarkCannotVerify
            | Action::NewAudit
    )
}

/// The key text of a hint: for paired actions both keys (`[ ]`).
fn hint_keys(app: &App, a: Action) -> Option<String> {
    let pair = match a {
        Action::YearPrev => Some(Action::YearNext),
        Action::AgainstPrev => Some(Action::AgainstNext),
        Action::MoveLeft => Some(Action::MoveRight),
        Action::MoveDown => Some(Action::MoveUp),
        Action::NextMatch => Some(Action::PrevMatch),
        _ => None,
    };
    let short = |k: String| match k.as_str() {
        "up" => "↑".to_string(),
        "down" => "↓".to_string(),
        "left" => "←".to_string(),
        "right" => "→".to_string(),
        _ => k,
    };
    let k = short(app.keymap.first_key(a)?);
    Some(
        match pair.and_then(|p| app.keymap.first_key(p)).map(short) {
            Some(k2) if width(&k) == 1 && width(&k2) == 1 => format!("{k}{k2}"),
            Some(k2) => format!("{k}/{k2}"),
            None => k,
        },
    )
}

fn status_line(f: &mut Frame, app: &App, area: Rect) {
    let th = theme(app);
    let w = area.width as usize;
    let bar = th.status_bar();
    if app.editing.is_some() {
        let cursor = if app.opts.ascii { "_" } else { "▏" };
        // a message (a paste cut to its first line) takes the place of the hint
        let right = match &app.message {
            Some(m) => format!(" {} ", crate::text::truncate(&sanitize(m), w / 2)),
            None => format!(" {} ", app.t("edit_hint")),
        };
        let left_w = w.saturating_sub(width(&right));
        let left = format!("/{}{cursor}", sanitize(&app.filter));
        let left = if width(&left) > left_w {
            // keep the end of the text visible
            let chars: Vec<char> = left.chars().collect();
            let mut s = String::new();
            for c in chars.iter().rev() {
                if width(&s) + 2 > left_w {
                    break;
                }
                s.insert(0, *c);
            }
            s
        } else {
            left
        };
        let line = Line::from(vec![
            Span::styled(pad(&left, left_w), bar),
            Span::styled(right, bar),
        ]);
        f.render_widget(Paragraph::new(line), area);
        return;
    }
    // "? help" always visible at the right
    let help_key = app
        .keymap
        .first_key(Action::Help)
        .unwrap_or_else(|| "?".into());
    let help = format!(" {help_key} {} ", app.t("hint_help"));
    let left_text = match &app.message {
        Some(m) => sanitize(m),
        None => breadcrumb(app),
    };
    let pending = if app.pending.is_empty() {
        String::new()
    } else {
        format!(" {}… ", super::keymap::seq_to_string(&app.pending))
    };
    let left_min = width(&left_text).min(w / 2);
    let mut budget = w.saturating_sub(width(&help) + left_min + width(&pending) + 1);
    let mut hint_spans: Vec<Span> = Vec::new();
    for &a in hints(app.screen()) {
        if is_write(a) && !app.can_write() {
            continue;
        }
        let Some(k) = hint_keys(app, a) else { continue };
        let label = match (app.screen(), a) {
            (Screen::Picker, Action::DrillIn) => "hint_pick",
            (Screen::Audit, Action::MoveDown) => "hint_record",
            (Screen::Plan, Action::Plan) => "hint_plan_toggle",
            _ => a.hint_key(),
        };
        let text = format!(" {k} {} ", app.t(label));
        let tw = width(&text);
        if tw <= budget {
            budget -= tw;
            hint_spans.push(Span::styled(text, bar));
        }
    }
    let used: usize = hint_spans.iter().map(|s| width(&s.content)).sum::<usize>()
        + width(&help)
        + width(&pending);
    let left_w = w.saturating_sub(used);
    let mut spans = vec![Span::styled(
        pad(&format!(" {left_text}"), left_w),
        bar.add_modifier(ratatui::style::Modifier::BOLD),
    )];
    if !pending.is_empty() {
        spans.push(Span::styled(pending, bar));
    }
    spans.extend(hint_spans);
    spans.push(Span::styled(help, bar));
    f.render_widget(Paragraph::new(Line::from(spans)), area);
}

/// Where we are: parent › commune › criterion › indicator.
pub fn breadcrumb(app: &App) -> String {
    let sep = theme(app).sep();
    // the audit screens are not about the grid's district
    let mut parts = if matches!(app.screen(), Screen::Audits | Screen::Audit) {
        Vec::new()
    } else {
        vec![clean(&app.grid.parent.name)]
    };
    match app.screen() {
        Screen::Detail => {
            if let Some(d) = &app.detail {
                parts.push(clean(&d.grid_row(&app.grid).report.unit.name));
                parts.push(format!(
                    "{} {}",
                    app.t("crit_short"),
                    app.fw().criteria[d.criterion].code
                ));
            }
        }
        Screen::Indicator => {
            if let Some(iv) = &app.indicator {
                parts.push(format!(
                    "{} {}",
                    app.t("indicator"),
                    app.fw().indicators[iv.indicator].code
                ));
            }
        }
        Screen::Findings => parts.push(app.t("findings").to_string()),
        Screen::Plan => {
            parts.push(app.t("plan_screen").to_string());
            if let Some(pv) = &app.plan
                && pv.mode == super::plan::PlanMode::Commune
                && let Some(e) = pv.entry()
            {
                parts.push(clean(&e.unit.name));
            }
        }
        Screen::Help => parts.push(app.t("help_title").to_string()),
        Screen::Picker => parts.push(app.t("picker_short").to_string()),
        Screen::Audits => parts.push(app.t("audits_title").to_string()),
        Screen::Audit => {
            if let Some(av) = &app.audit {
                parts.push(format!(
                    "{} {} #{}",
                    app.t("audit_short"),
                    clean(&av.audit.name),
                    av.index + 1
                ));
            }
        }
        Screen::Grid => {
            // on the recognition column of a merged commune: where its recognition comes from
            if app.col == app.n_criteria() + 1
                && let Some(r) = app.current_row().and_then(|r| app.grid.rows.get(r))
                && let Some(note) = r
                    .report
                    .recognition
                    .explain(app.opts.lang == crate::i18n::Lang::Vi)
            {
                parts.push(format!("{}: {}", clean(&r.report.unit.name), clean(&note)));
            }
        }
    }
    parts.join(sep)
}

/// A padded, styled cell.
pub fn cell(text: &str, w: usize, style: Style) -> Span<'static> {
    Span::styled(pad(text, w), style)
}

pub fn cell_right(text: &str, w: usize, style: Style) -> Span<'static> {
    Span::styled(pad_left(text, w), style)
}

/// The scroll offset that keeps `cursor` visible in `height` rows, moving as little as
/// possible from `offset`.
pub fn keep_visible(offset: usize, cursor: usize, height: usize, len: usize) -> usize {
    if height == 0 {
        return cursor;
    }
    let mut off = offset.min(len.saturating_sub(height));
    if cursor < off {
        off = cursor;
    }
    if cursor >= off + height {
        off = cursor + 1 - height;
    }
    off
}

pub fn name_of(ind: &Indicator, lang: Lang) -> String {
    clean(if lang == Lang::En && !ind.name_en.is_empty() {
        &ind.name_en
    } else {
        &ind.name
    })
}

/// A value as shown in tables: `95,4%` for ratios, `42,5` for numbers, `đạt` for pass.
pub fn fmt_value(kind: Kind, v: Option<Value>, lang: Lang) -> String {
    let st = lang.num_style();
    match v {
        None => lang.t("none").to_string(),
        Some(Value::Pass(true)) => lang.t("val_pass").to_string(),
        Some(Value::Pass(false)) => lang.t("val_fail").to_string(),
        Some(Value::Number(x)) if kind == Kind::Ratio => format!("{}%", fmt_num(x, 1, st)),
        Some(Value::Number(x)) => fmt_num(x, 2, st),
    }
}

/// The full value: `2.871/3.009 = 95,4%` when counts are known; on a pass/fail row the
/// counts behind the verdict with what they count, `51/58 thôn = 87,9%` (the verdict is the
/// status shown beside it).
pub fn fmt_obs_full(ind: &Indicator, o: &Observation, lang: Lang) -> String {
    let st = lang.num_style();
    match (o.numerator, o.denominator, ind.kind) {
        (Some(n), Some(d), Kind::Bool) => {
            let unit = if ind.unit.is_empty() {
                String::new()
            } else {
                format!(" {}", clean(&ind.unit))
            };
            let share = if d > 0.0 {
                format!(" = {}%", fmt_num(n / d * 100.0, 1, st))
            } else {
                String::new()
            };
            format!("{}/{}{unit}{share}", fmt_num(n, 2, st), fmt_num(d, 2, st))
        }
        (Some(n), Some(d), _) => format!(
            "{}/{} = {}",
            fmt_num(n, 2, st),
            fmt_num(d, 2, st),
            fmt_value(ind.kind, o.effective(), lang)
        ),
        _ => fmt_value(ind.kind, o.effective(), lang),
    }
}

pub fn fmt_target(kind: Kind, t: &Option<Target>, lang: Lang) -> String {
    match t {
        None => lang.t("none").to_string(),
        Some(t) => crate::eval::findings::show_target(kind, t, lang == Lang::Vi),
    }
}

pub fn fmt_origin(t: &Option<Target>, lang: Lang, long: bool) -> String {
    let o = fmt_origin_only(t, lang, long);
    // which level judged the year, where the set gives single years their own
    match t
        .as_ref()
        .filter(|_| long)
        .and_then(|t| crate::eval::findings::level_note(t, lang == Lang::Vi))
    {
        Some(l) => format!("{o}; {}", clean(&l)),
        None => o,
    }
}

fn fmt_origin_only(t: &Option<Target>, lang: Lang, long: bool) -> String {
    match t.as_ref().map(|t| &t.origin) {
        None => String::new(),
        Some(TargetOrigin::Province(d)) => {
            if long {
                format!("{} {}", lang.t("origin_province"), clean(d))
            } else {
                lang.t("origin_province_short").to_string()
            }
        }
        Some(TargetOrigin::Region(r)) => {
            if long {
                format!("{} {}", lang.t("origin_region"), clean(r))
            } else {
                clean(r)
            }
        }
        Some(TargetOrigin::CommuneGroup(g)) => {
            if long {
                format!("{} {}", lang.t("origin_group"), clean(g))
            } else {
                format!("{} {}", lang.t("origin_group_short"), clean(g))
            }
        }
        Some(TargetOrigin::National) => lang.t("origin_national").to_string(),
    }
}

/// Difference `now - then` for numbers (percentage points for ratios).
pub fn fmt_change(kind: Kind, now: Option<Value>, then: Option<Value>, lang: Lang) -> String {
    match (now, then) {
        (Some(Value::Number(a)), Some(Value::Number(b))) => {
            let d = a - b;
            let s = fmt_num(d, if kind == Kind::Ratio { 1 } else { 2 }, lang.num_style());
            let s = if d > 0.0 && s != "0" {
                format!("+{s}")
            } else {
                s
            };
            let _ = kind;
            s
        }
        (Some(Value::Pass(a)), Some(Value::Pass(b))) if a != b => {
            if a {
                "↑".into()
            } else {
                "↓".into()
            }
        }
        (Some(_), Some(_)) => "=".into(),
        _ => String::new(),
    }
}

/// A one-cell-per-year trend: bar height by value (pass/fail as full/low).
pub fn sparkline(values: &[Option<Value>]) -> String {
    const BARS: [char; 8] = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'];
    let nums: Vec<f64> = values
        .iter()
        .filter_map(|v| match v {
            Some(Value::Number(x)) => Some(*x),
            _ => None,
        })
        .collect();
    let (lo, hi) = nums
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(l, h), x| {
            (l.min(*x), h.max(*x))
        });
    values
        .iter()
        .map(|v| match v {
            None => ' ',
            Some(Value::Pass(true)) => '█',
            Some(Value::Pass(false)) => '▁',
            Some(Value::Number(x)) => {
                if hi - lo < 1e-9 {
                    '▄'
                } else {
                    BARS[(((x - lo) / (hi - lo)) * 7.0).round().clamp(0.0, 7.0) as usize]
                }
            }
        })
        .collect()
}

/// Data text made safe for the terminal: control and bidi characters replaced, NFC so that
/// widths are measured on composed letters (an NFD "Huế" is three cells, not five).
pub fn clean(s: &str) -> String {
    crate::text::nfc(&sanitize(s))
}

/// Truncate data text for a cell (cleaned).
pub fn data(s: &str, w: usize) -> String {
    truncate(&clean(s), w)
}
