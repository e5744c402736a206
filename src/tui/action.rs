//! The actions the interface understands. Their snake_case names are the stable identifiers
//! keymap files bind keys to.

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Quit,
    Help,
    Back,
    Filter,
    NextMatch,
    PrevMatch,
    MoveUp,
    MoveDown,
    MoveLeft,
    MoveRight,
    PageUp,
    PageDown,
    HalfPageUp,
    HalfPageDown,
    GoTop,
    GoBottom,
    LineStart,
    LineEnd,
    DrillIn,
    YearPrev,
    YearNext,
    AgainstPrev,
    AgainstNext,
    ToggleFindings,
    IndicatorView,
    SortNext,
    PickParent,
    CycleKind,
}

impl Action {
    pub const ALL: [Action; 28] = [
        Action::Quit,
        Action::Help,
        Action::Back,
        Action::Filter,
        Action::NextMatch,
        Action::PrevMatch,
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
        Action::DrillIn,
        Action::YearPrev,
        Action::YearNext,
        Action::AgainstPrev,
        Action::AgainstNext,
        Action::ToggleFindings,
        Action::IndicatorView,
        Action::SortNext,
        Action::PickParent,
        Action::CycleKind,
    ];

    /// The identifier used in keymap files.
    pub fn name(self) -> &'static str {
        match self {
            Action::Quit => "quit",
            Action::Help => "help",
            Action::Back => "back",
            Action::Filter => "filter",
            Action::NextMatch => "next_match",
            Action::PrevMatch => "prev_match",
            Action::MoveUp => "move_up",
            Action::MoveDown => "move_down",
            Action::MoveLeft => "move_left",
            Action::MoveRight => "move_right",
            Action::PageUp => "page_up",
            Action::PageDown => "page_down",
            Action::HalfPageUp => "half_page_up",
            Action::HalfPageDown => "half_page_down",
            Action::GoTop => "go_top",
            Action::GoBottom => "go_bottom",
            Action::LineStart => "line_start",
            Action::LineEnd => "line_end",
            Action::DrillIn => "drill_in",
            Action::YearPrev => "year_prev",
            Action::YearNext => "year_next",
            Action::AgainstPrev => "against_prev",
            Action::AgainstNext => "against_next",
            Action::ToggleFindings => "toggle_findings",
            Action::IndicatorView => "indicator_view",
            Action::SortNext => "sort_next",
            Action::PickParent => "pick_parent",
            Action::CycleKind => "cycle_kind",
        }
    }

    pub fn parse(s: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.name() == s)
    }

    /// Catalogue key of the one-line description shown in help and hints.
    pub fn desc_key(self) -> &'static str {
        match self {
            Action::Quit => "act_quit",
            Action::Help => "act_help",
            Action::Back => "act_back",
            Action::Filter => "act_filter",
            Action::NextMatch => "act_next_match",
            Action::PrevMatch => "act_prev_match",
            Action::MoveUp => "act_move_up",
            Action::MoveDown => "act_move_down",
            Action::MoveLeft => "act_move_left",
            Action::MoveRight => "act_move_right",
            Action::PageUp => "act_page_up",
            Action::PageDown => "act_page_down",
            Action::HalfPageUp => "act_half_page_up",
            Action::HalfPageDown => "act_half_page_down",
            Action::GoTop => "act_go_top",
            Action::GoBottom => "act_go_bottom",
            Action::LineStart => "act_line_start",
            Action::LineEnd => "act_line_end",
            Action::DrillIn => "act_drill_in",
            Action::YearPrev => "act_year_prev",
            Action::YearNext => "act_year_next",
            Action::AgainstPrev => "act_against_prev",
            Action::AgainstNext => "act_against_next",
            Action::ToggleFindings => "act_toggle_findings",
            Action::IndicatorView => "act_indicator_view",
            Action::SortNext => "act_sort_next",
            Action::PickParent => "act_pick_parent",
            Action::CycleKind => "act_cycle_kind",
        }
    }

    /// Short label for the status-line hints.
    pub fn hint_key(self) -> &'static str {
        match self {
            Action::Quit => "hint_quit",
            Action::Help => "hint_help",
            Action::Back => "hint_back",
            Action::Filter => "hint_filter",
            Action::DrillIn => "hint_drill_in",
            Action::YearPrev | Action::YearNext => "hint_year",
            Action::AgainstPrev | Action::AgainstNext => "hint_against",
            Action::ToggleFindings => "hint_findings",
            Action::IndicatorView => "hint_indicator",
            Action::SortNext => "hint_sort",
            Action::PickParent => "hint_parent",
            Action::CycleKind => "hint_kind",
            _ => "hint_move",
        }
    }
}
