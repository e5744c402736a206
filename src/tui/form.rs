//! Small forms drawn as popups: a hand-written line editor per field (cursor, backspace,
//! delete, left/right, home/end), Tab or ↑↓ between fields, Enter to confirm, Esc to cancel.
//! Text arrives as `KeyCode::Char`, so Vietnamese input from an IME works like any letter.
//! Also the yes/no confirmation popup.

use ratatui::Frame;
use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::layout::Rect;
use ratatui::style::{Color, Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Clear, Paragraph};

use super::app::App;
use super::ui::{clean, theme};
use crate::model::Kind;
use crate::store::{MarkStatus, ObsKey};
use crate::text::width;

/// Longest text a field takes (characters).
pub const MAX_LEN: usize = 500;

/// The characters of `s` a one-line field takes: no control characters (a tab becomes a
/// space), at most `room` of them; true as well when some did not fit.
pub fn text_chars(s: &str, room: usize) -> (String, bool) {
    let mut chars = s
        .chars()
        .filter_map(|c| match c {
            '\t' => Some(' '),
            c if c.is_control() => None,
            c => Some(c),
        })
        .peekable();
    let add: String = chars.by_ref().take(room).collect();
    (add, chars.peek().is_some())
}

/// One line of text with a cursor (a char index).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct LineEdit {
    pub text: String,
    pub cursor: usize,
}

impl LineEdit {
    pub fn new(text: &str) -> LineEdit {
        LineEdit {
            text: text.to_string(),
            cursor: text.chars().count(),
        }
    }

    fn byte_at(&self, ci: usize) -> usize {
        self.text
            .char_indices()
            .nth(ci)
            .map(|(b, _)| b)
            .unwrap_or(self.text.len())
    }

    pub fn len(&self) -> usize {
        self.text.chars().count()
    }

    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    pub fn insert(&mut self, c: char) {
        if self.len() >= MAX_LEN {
            return;
        }
        let b = self.byte_at(self.cursor);
        self.text.insert(b, c);
        self.cursor += 1;
    }

    /// Insert text at the cursor, leaving out control characters (a tab becomes a space) and
    /// what does not fit in `MAX_LEN`; true when some of it did not fit.
    pub fn insert_str(&mut self, s: &str) -> bool {
        let (add, cut) = text_chars(s, MAX_LEN.saturating_sub(self.len()));
        let b = self.byte_at(self.cursor);
        self.text.insert_str(b, &add);
        self.cursor += add.chars().count();
        cut
    }

    pub fn backspace(&mut self) {
        if self.cursor == 0 {
            return;
        }
        let b = self.byte_at(self.cursor - 1);
        self.text.remove(b);
        self.cursor -= 1;
    }

    pub fn delete(&mut self) {
        if self.cursor < self.len() {
            let b = self.byte_at(self.cursor);
            self.text.remove(b);
        }
    }

    pub fn left(&mut self) {
        self.cursor = self.cursor.saturating_sub(1);
    }

    pub fn right(&mut self) {
        self.cursor = (self.cursor + 1).min(self.len());
    }

    pub fn home(&mut self) {
        self.cursor = 0;
    }

    pub fn end(&mut self) {
        self.cursor = self.len();
    }

    /// Apply an editing key; false when the key is not an editing key.
    pub fn key(&mut self, e: &KeyEvent) -> bool {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let alt = e.modifiers.contains(KeyModifiers::ALT);
        match e.code {
            KeyCode::Char('a') if ctrl => self.home(),
            KeyCode::Char('e') if ctrl => self.end(),
            KeyCode::Char('u') if ctrl => {
                self.text.clear();
                self.cursor = 0;
            }
            KeyCode::Char(c) if !ctrl && !alt && !c.is_control() => self.insert(c),
            KeyCode::Backspace => self.backspace(),
            KeyCode::Delete => self.delete(),
            KeyCode::Left => self.left(),
            KeyCode::Right => self.right(),
            KeyCode::Home => self.home(),
            KeyCode::End => self.end(),
            _ => return false,
        }
        true
    }
}

/// A labelled field; `name` is the import column it stands for (or `reason`, `comment`…).
#[derive(Clone, Debug)]
pub struct Field {
    pub name: &'static str,
    /// Catalogue key of the label.
    pub label: &'static str,
    pub edit: LineEdit,
}

impl Field {
    pub fn new(name: &'static str, label: &'static str, text: &str) -> Field {
        Field {
            name,
            label,
            edit: LineEdit::new(text),
        }
    }
    pub fn value(&self) -> &str {
        self.edit.text.trim()
    }
}

#[derive(Clone, Debug, PartialEq)]
pub enum FormKind {
    /// Figures, note and source of one observation.
    Edit { key: ObsKey, kind: Kind },
    /// The follow-up flag of one observation.
    Flag { key: ObsKey, flagged: bool },
    /// The result of one audit record.
    Mark {
        audit: String,
        index: usize,
        status: MarkStatus,
        key: ObsKey,
    },
    /// A new audit sample of a framework's records.
    Draw { framework: String },
}

#[derive(Clone, Debug)]
pub struct Form {
    pub kind: FormKind,
    pub fields: Vec<Field>,
    pub focus: usize,
    /// The validation error, shown inline; nothing was saved.
    pub error: Option<String>,
    /// A hint line under the fields (catalogue key).
    pub hint: Option<&'static str>,
}

/// What a key did to a form.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FormEvent {
    Nothing,
    Cancel,
    Submit,
}

impl Form {
    pub fn field(&self, name: &str) -> Option<&Field> {
        self.fields.iter().find(|f| f.name == name)
    }

    pub fn field_mut(&mut self, name: &str) -> Option<&mut Field> {
        self.fields.iter_mut().find(|f| f.name == name)
    }

    /// The text of a field ("" when absent), trimmed.
    pub fn get(&self, name: &str) -> &str {
        self.field(name).map(Field::value).unwrap_or("")
    }

    pub fn focus_on(&mut self, name: &str) {
        if let Some(p) = self.fields.iter().position(|f| f.name == name) {
            self.focus = p;
        }
    }

    pub fn key(&mut self, e: KeyEvent) -> FormEvent {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let n = self.fields.len().max(1);
        match e.code {
            KeyCode::Esc => return FormEvent::Cancel,
            KeyCode::Char('c') | KeyCode::Char('g') if ctrl => return FormEvent::Cancel,
            KeyCode::Enter => return FormEvent::Submit,
            KeyCode::Tab | KeyCode::Down => self.focus = (self.focus + 1) % n,
            KeyCode::BackTab | KeyCode::Up => self.focus = (self.focus + n - 1) % n,
            _ => {
                if let Some(f) = self.fields.get_mut(self.focus) {
                    f.edit.key(&e);
                }
            }
        }
        FormEvent::Nothing
    }
}

/// A question waiting for yes or no.
#[derive(Clone, Debug, PartialEq)]
pub enum Confirm {
    Undo { seq: u64, text: String },
}

impl Confirm {
    pub fn text(&self) -> &str {
        match self {
            Confirm::Undo { text, .. } => text,
        }
    }
}

/// A centred rectangle of at most `w`×`h` inside `area`.
pub fn centred(area: Rect, w: u16, h: u16) -> Rect {
    let w = w.min(area.width);
    let h = h.min(area.height);
    Rect {
        x: area.x + (area.width - w) / 2,
        y: area.y + (area.height - h) / 2,
        width: w,
        height: h,
    }
}

fn error_style() -> Style {
    Style::new().fg(Color::Red).add_modifier(Modifier::BOLD)
}

/// The visible part of a field's text with the cursor drawn, fitting `w` cells.
fn field_spans(app: &App, e: &LineEdit, w: usize, focused: bool) -> Vec<Span<'static>> {
    let th = theme(app);
    let chars: Vec<char> = clean(&e.text).chars().collect();
    let cur = e.cursor.min(chars.len());
    // scroll so the cursor is visible: drop characters from the left
    let mut start = 0;
    let cells = |a: usize, b: usize| width(&chars[a..b].iter().collect::<String>());
    while start < cur && cells(start, cur) + 1 > w {
        start += 1;
    }
    let mut out = Vec::new();
    let before: String = chars[start..cur].iter().collect();
    let mut used = width(&before);
    out.push(Span::raw(before));
    let base = if focused {
        Style::new().add_modifier(Modifier::UNDERLINED)
    } else {
        th.dim()
    };
    if focused {
        let at = chars.get(cur).copied().unwrap_or(' ');
        out.push(Span::styled(at.to_string(), th.cursor()));
        used += width(&at.to_string());
    }
    let mut rest = String::new();
    for &c in chars.iter().skip(cur + usize::from(focused)) {
        let cw = width(&c.to_string());
        if used + cw > w {
            break;
        }
        used += cw;
        rest.push(c);
    }
    out.push(Span::raw(rest));
    if used < w {
        out.push(Span::raw(" ".repeat(w - used)));
    }
    out.into_iter()
        .map(|s| {
            if s.style == Style::default() {
                s.style(base)
            } else {
                s
            }
        })
        .collect()
}

/// Split text into lines of at most `w` cells (by characters).
pub fn wrap(s: &str, w: usize) -> Vec<String> {
    let w = w.max(1);
    let mut out = Vec::new();
    let mut cur = String::new();
    for word in s.split(' ') {
        let candidate = if cur.is_empty() {
            word.to_string()
        } else {
            format!("{cur} {word}")
        };
        if width(&candidate) <= w {
            cur = candidate;
            continue;
        }
        if !cur.is_empty() {
            out.push(std::mem::take(&mut cur));
        }
        // a word longer than the line: cut it
        let mut piece = String::new();
        for c in word.chars() {
            if width(&piece) + width(&c.to_string()) > w {
                out.push(std::mem::take(&mut piece));
            }
            piece.push(c);
        }
        cur = piece;
    }
    if !cur.is_empty() || out.is_empty() {
        out.push(cur);
    }
    out
}

/// Draw the open form over `area`.
pub fn draw(f: &mut Frame, app: &App, form: &Form, area: Rect) {
    let th = theme(app);
    let title = match &form.kind {
        FormKind::Edit { .. } => app.t("form_edit"),
        FormKind::Flag { .. } => app.t("form_flag"),
        FormKind::Mark { .. } => app.t("form_mark"),
        FormKind::Draw { .. } => app.t("form_draw"),
    };
    let subject = match &form.kind {
        FormKind::Edit { key, .. } | FormKind::Flag { key, .. } => subject(app, key),
        FormKind::Mark {
            audit,
            index,
            status,
            key,
        } => format!(
            "{} {audit} #{} · {} · {}",
            app.t("audit_short"),
            index + 1,
            subject(app, key),
            app.t(mark_key(*status))
        ),
        FormKind::Draw { framework } => format!("{} {framework}", app.t("framework")),
    };
    let w = area.width.clamp(1, 76);
    let inner_w = w.saturating_sub(2) as usize;
    let label_w = form
        .fields
        .iter()
        .map(|f| width(app.t(f.label)))
        .max()
        .unwrap_or(0)
        + 2;
    let mut lines: Vec<Line> = Vec::new();
    for l in wrap(&clean(&subject), inner_w) {
        lines.push(Line::from(Span::styled(l, th.title())));
    }
    for (i, fd) in form.fields.iter().enumerate() {
        let focused = i == form.focus;
        let label = crate::text::pad(&format!("{}: ", app.t(fd.label)), label_w);
        let mut spans = vec![Span::styled(
            label,
            if focused { th.key() } else { th.header() },
        )];
        spans.extend(field_spans(
            app,
            &fd.edit,
            inner_w.saturating_sub(label_w),
            focused,
        ));
        lines.push(Line::from(spans));
    }
    if let Some(h) = form.hint {
        for l in wrap(app.t(h), inner_w) {
            lines.push(Line::from(Span::styled(l, th.dim())));
        }
    }
    if let Some(e) = &form.error {
        for l in wrap(&clean(e), inner_w) {
            lines.push(Line::from(Span::styled(l, error_style())));
        }
    }
    lines.push(Line::from(Span::styled(app.t("form_keys"), th.dim())));
    let h = (lines.len() + 2) as u16;
    let r = centred(area, w, h);
    f.render_widget(Clear, r);
    let block = Block::default()
        .borders(Borders::ALL)
        .title(Span::styled(format!(" {title} "), th.title()));
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
}

/// Draw the yes/no question over `area`.
pub fn draw_confirm(f: &mut Frame, app: &App, c: &Confirm, area: Rect) {
    let th = theme(app);
    let w = area.width.clamp(1, 64);
    let inner_w = w.saturating_sub(2) as usize;
    let mut lines: Vec<Line> = wrap(&clean(c.text()), inner_w)
        .into_iter()
        .map(Line::from)
        .collect();
    lines.push(Line::from(Span::styled(app.t("confirm_keys"), th.key())));
    let r = centred(area, w, lines.len() as u16 + 2);
    f.render_widget(Clear, r);
    let block = Block::default().borders(Borders::ALL).title(Span::styled(
        format!(" {} ", app.t("confirm_title")),
        th.title(),
    ));
    let inner = block.inner(r);
    f.render_widget(block, r);
    f.render_widget(Paragraph::new(lines), inner);
}

/// `Dĩnh Trì · 17.1 · 2020`
pub fn subject(app: &App, k: &ObsKey) -> String {
    let name = app
        .q
        .units
        .get(&k.unit)
        .map(|u| u.name.clone())
        .unwrap_or_else(|| k.unit.clone());
    format!("{name} · {} · {}", k.indicator, k.year)
}

pub fn mark_key(s: MarkStatus) -> &'static str {
    match s {
        MarkStatus::Confirmed => "mark_confirmed",
        MarkStatus::Discrepancy => "mark_discrepancy",
        MarkStatus::CannotVerify => "mark_cannot_verify",
    }
}
