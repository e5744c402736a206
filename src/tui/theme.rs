//! Styles (16 ANSI colours, nothing else), glyphs, and the final pass over a drawn frame that
//! removes colour (`NO_COLOR`, `--no-color`) or non-ASCII text (`--ascii`, non-UTF-8 locale).

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier, Style};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use crate::eval::{Severity, Status};
use crate::query::Cell;

#[derive(Clone, Copy, Debug)]
pub struct Theme {
    pub ascii: bool,
}

impl Theme {
    pub fn cell(self, c: Cell) -> Style {
        match c {
            Cell::Met => Style::new().fg(Color::Green),
            Cell::NotMet => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Cell::Regressed => Style::new().fg(Color::Magenta).add_modifier(Modifier::BOLD),
            Cell::Audited => Style::new()
                .fg(Color::Magenta)
                .add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
            Cell::Inconsistent => Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Cell::NoData => Style::new().fg(Color::DarkGray),
            Cell::NoTarget => Style::new().fg(Color::Blue),
        }
    }

    pub fn status(self, s: Status) -> Style {
        self.cell(status_cell(s))
    }

    pub fn severity(self, s: Severity) -> Style {
        match s {
            Severity::Error => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Severity::Warning => Style::new().fg(Color::Yellow),
            Severity::Info => Style::new().fg(Color::Cyan),
        }
    }

    pub fn title(self) -> Style {
        Style::new().add_modifier(Modifier::BOLD)
    }

    pub fn header(self) -> Style {
        Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD)
    }

    pub fn dim(self) -> Style {
        Style::new().fg(Color::DarkGray)
    }

    pub fn cursor(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED | Modifier::BOLD)
    }

    pub fn key(self) -> Style {
        Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD)
    }

    pub fn status_bar(self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    pub fn sep(self) -> &'static str {
        if self.ascii { " > " } else { " › " }
    }

    pub fn glyph(self, c: Cell) -> &'static str {
        c.glyph(self.ascii)
    }
}

pub fn status_cell(s: Status) -> Cell {
    match s {
        Status::Met => Cell::Met,
        Status::NotMet => Cell::NotMet,
        Status::NoData => Cell::NoData,
        Status::NoTarget => Cell::NoTarget,
    }
}

/// Remove every colour, keeping bold/reverse/underline so the cursor still shows.
pub fn strip_colors(buf: &mut Buffer) {
    for c in buf.content.iter_mut() {
        c.fg = Color::Reset;
        c.bg = Color::Reset;
        c.modifier.remove(Modifier::DIM);
    }
}

/// Replace anything outside ASCII: Vietnamese letters lose their marks (đ → d), box drawing
/// and glyphs get ASCII stand-ins, anything else becomes `?`.
pub fn asciify(buf: &mut Buffer) {
    let mut blank_next = false;
    for c in buf.content.iter_mut() {
        if blank_next {
            blank_next = false;
            if c.symbol().is_empty() {
                c.set_symbol(" ");
                continue;
            }
        }
        let s = c.symbol();
        if s.is_ascii() {
            continue;
        }
        let wide = unicode_width::UnicodeWidthStr::width(s) > 1;
        let rep = ascii_of(s);
        c.set_symbol(&rep);
        if wide {
            blank_next = true;
        }
    }
}

pub fn ascii_of(s: &str) -> String {
    let mapped = match s {
        "─" | "━" | "═" => Some("-"),
        "│" | "┃" | "║" => Some("|"),
        "┌" | "┐" | "└" | "┘" | "├" | "┤" | "┬" | "┴" | "┼" | "╭" | "╮" | "╯" | "╰" => {
            Some("+")
        }
        "…" => Some("~"),
        "›" | "→" | "▶" => Some(">"),
        "‹" | "←" => Some("<"),
        "↑" => Some("^"),
        "↓" => Some("v"),
        "●" => Some("+"),
        "✗" => Some("x"),
        "·" => Some("."),
        "≥" => Some(">"),
        "≤" => Some("<"),
        "—" | "–" => Some("-"),
        "▁" => Some("_"),
        "▂" | "▃" => Some("."),
        "▄" | "▅" => Some("-"),
        "▆" | "▇" => Some("="),
        "█" | "▏" => Some("#"),
        "×" => Some("x"),
        // the plan's arithmetic: ⌈0,6 × 632⌉ − 338
        "⌈" | "⌊" => Some("["),
        "⌉" | "⌋" => Some("]"),
        "−" => Some("-"),
        // high revocation risk (the legend is converted the same way)
        "‼" => Some("#"),
        _ => None,
    };
    if let Some(m) = mapped {
        return m.to_string();
    }
    let out: String = s
        .nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| match c {
            'đ' => 'd',
            'Đ' => 'D',
            c if c.is_ascii() => c,
            _ => '?',
        })
        .collect();
    if out.is_empty() { "?".into() } else { out }
}

/// Is the locale UTF-8? LC_ALL, then LC_CTYPE, then LANG (the first that is set).
pub fn locale_is_utf8() -> bool {
    for v in ["LC_ALL", "LC_CTYPE", "LANG"] {
        if let Some(x) = std::env::var_os(v).filter(|x| !x.is_empty()) {
            let x = x.to_string_lossy().to_ascii_lowercase();
            return x.contains("utf-8") || x.contains("utf8");
        }
    }
    false
}
