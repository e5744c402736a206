//! Help, generated from the active keymap and grouped by screen.

use ratatui::Frame;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::Paragraph;

use super::action::Action;
use super::app::App;
use super::keymap::Keymap;
use super::ui::{cell, theme};
use crate::i18n::Lang;
use crate::query::Cell;

/// Actions by screen: (catalogue key of the group title, actions).
pub const GROUPS: &[(&str, &[Action])] = &[
    (
        "help_everywhere",
        &[
            Action::Help,
            Action::Back,
            Action::Quit,
            Action::Filter,
            Action::YearPrev,
            Action::YearNext,
            Action::AgainstPrev,
            Action::AgainstNext,
            Action::ToggleFindings,
            Action::PickParent,
        ],
    ),
    (
        "help_moving",
        &[
            Action::MoveUp,
            Action::MoveDown,
            Action::MoveLeft,
            Action::MoveRight,
            Action::PageUp,
            Action::PageDown,
            Action::HalfPageUp,
            Action::HalfPageDown,
            Action::GoTop,
            Action::GoBottom,
            Action::LineStart,
            Action::LineEnd,
        ],
    ),
    (
        "help_grid",
        &[
            Action::DrillIn,
            Action::IndicatorView,
            Action::SortNext,
            Action::NextFramework,
            Action::Plan,
            Action::NextMatch,
            Action::PrevMatch,
        ],
    ),
    (
        "help_detail",
        &[
            Action::MoveLeft,
            Action::MoveRight,
            Action::IndicatorView,
            Action::NextMatch,
            Action::PrevMatch,
        ],
    ),
    (
        "help_indicator",
        &[Action::MoveLeft, Action::MoveRight, Action::DrillIn],
    ),
    (
        "help_plan",
        &[
            Action::Plan,
            Action::DrillIn,
            Action::NextMatch,
            Action::PrevMatch,
        ],
    ),
    ("help_findings", &[Action::DrillIn, Action::CycleKind]),
    ("help_review", &[Action::Edit, Action::Flag, Action::Undo]),
    (
        "help_audit",
        &[
            Action::Audits,
            Action::NewAudit,
            Action::MarkConfirmed,
            Action::MarkDiscrepancy,
            Action::MarkCannotVerify,
        ],
    ),
];

/// Help text lines: group titles and `keys  description`.
pub fn lines(km: &Keymap, lang: Lang) -> Vec<(bool, String, String)> {
    let mut out = Vec::new();
    for (title, actions) in GROUPS {
        out.push((true, lang.t(title).to_string(), String::new()));
        for &a in *actions {
            let desc = match (*title, a) {
                ("help_detail", Action::MoveLeft) => lang.t("act_prev_criterion"),
                ("help_detail", Action::MoveRight) => lang.t("act_next_criterion"),
                ("help_detail", Action::NextMatch) => lang.t("act_next_commune"),
                ("help_detail", Action::PrevMatch) => lang.t("act_prev_commune"),
                ("help_indicator", Action::MoveLeft) => lang.t("act_prev_indicator"),
                ("help_indicator", Action::MoveRight) => lang.t("act_next_indicator"),
                ("help_indicator", Action::DrillIn) => lang.t("act_indicator_drill"),
                ("help_findings", Action::DrillIn) => lang.t("act_findings_drill"),
                ("help_plan", Action::Plan) => lang.t("act_plan_toggle"),
                ("help_plan", Action::DrillIn) => lang.t("act_plan_drill"),
                ("help_plan", Action::NextMatch) => lang.t("act_plan_next"),
                ("help_plan", Action::PrevMatch) => lang.t("act_plan_prev"),
                _ => lang.t(a.desc_key()),
            };
            out.push((false, km.keys_of(a).join(", "), desc.to_string()));
        }
    }
    out
}

/// The keys table as Markdown (for the README: `ntm keys`).
pub fn markdown(km: &Keymap, lang: Lang) -> String {
    let mut s = String::new();
    for (is_title, a, b) in lines(km, lang) {
        if is_title {
            s += &format!(
                "\n**{a}**\n\n| {} | {} |\n|---|---|\n",
                lang.t("keys"),
                lang.t("action")
            );
        } else {
            let keys: Vec<String> = a.split(", ").map(|k| format!("`{k}`")).collect();
            s += &format!("| {} | {b} |\n", keys.join(" "));
        }
    }
    s
}

pub fn draw(f: &mut Frame, app: &App, area: Rect) {
    let th = theme(app);
    let lang = app.opts.lang;
    let mut out: Vec<Line> = vec![Line::from(Span::styled(app.t("help_title"), th.title()))];
    let mut legend = vec![Span::raw(format!("{}: ", app.t("legend")))];
    for c in Cell::ALL {
        legend.push(Span::styled(th.glyph(c).to_string(), th.cell(c)));
        legend.push(Span::raw(format!(" {}  ", app.t(c.label_key()))));
    }
    let mut body: Vec<Line> = vec![Line::from(legend), Line::default()];
    let kw = 22;
    for (is_title, a, b) in lines(&app.keymap, lang) {
        if is_title {
            body.push(Line::from(Span::styled(a, th.header())));
        } else {
            body.push(Line::from(vec![
                Span::raw("  "),
                cell(&a, kw, th.key()),
                Span::raw(b),
            ]));
        }
    }
    let h = (area.height as usize).saturating_sub(1);
    app.scroll.page.set(h.max(1));
    let max_off = body.len().saturating_sub(h);
    let off = app.help_scroll.min(max_off);
    out.extend(body.into_iter().skip(off).take(h));
    f.render_widget(Paragraph::new(out), area);
}
