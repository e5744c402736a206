//! Keymaps as data: TOML files binding action names to keys. The shipped maps are compiled
//! in; a user file (or a named map) overrides only the actions it names. Every error names
//! the file, the line and the key, and is fatal: a keymap is never silently ignored.

use std::collections::BTreeMap;
use std::fmt;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

use super::action::Action;

pub const DEFAULT: &str = include_str!("../../keymaps/default.toml");
pub const VIM: &str = include_str!("../../keymaps/vim.toml");
pub const EMACS: &str = include_str!("../../keymaps/emacs.toml");

/// The shipped keymaps by name.
pub fn builtin(name: &str) -> Option<&'static str> {
    match name {
        "default" => Some(DEFAULT),
        "vim" => Some(VIM),
        "emacs" => Some(EMACS),
        _ => None,
    }
}

/// One key press, normalised (a shifted letter is its capital, no SHIFT flag).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Key {
    pub code: KeyCodeOrd,
    pub ctrl: bool,
    pub alt: bool,
}

/// The subset of key codes keymaps can name, orderable.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum KeyCodeOrd {
    Char(char),
    F(u8),
    Up,
    Down,
    Left,
    Right,
    Enter,
    Esc,
    Tab,
    BackTab,
    Backspace,
    Delete,
    Insert,
    Home,
    End,
    PageUp,
    PageDown,
}

impl Key {
    pub fn from_event(e: &KeyEvent) -> Option<Key> {
        let ctrl = e.modifiers.contains(KeyModifiers::CONTROL);
        let alt = e.modifiers.contains(KeyModifiers::ALT);
        let code = match e.code {
            KeyCode::Char(c) if ctrl && c.is_ascii_uppercase() => {
                KeyCodeOrd::Char(c.to_ascii_lowercase())
            }
            KeyCode::Char(c) => KeyCodeOrd::Char(c),
            KeyCode::F(n) => KeyCodeOrd::F(n),
            KeyCode::Up => KeyCodeOrd::Up,
            KeyCode::Down => KeyCodeOrd::Down,
            KeyCode::Left => KeyCodeOrd::Left,
            KeyCode::Right => KeyCodeOrd::Right,
            KeyCode::Enter => KeyCodeOrd::Enter,
            KeyCode::Esc => KeyCodeOrd::Esc,
            KeyCode::Tab => KeyCodeOrd::Tab,
            KeyCode::BackTab => KeyCodeOrd::BackTab,
            KeyCode::Backspace => KeyCodeOrd::Backspace,
            KeyCode::Delete => KeyCodeOrd::Delete,
            KeyCode::Insert => KeyCodeOrd::Insert,
            KeyCode::Home => KeyCodeOrd::Home,
            KeyCode::End => KeyCodeOrd::End,
            KeyCode::PageUp => KeyCodeOrd::PageUp,
            KeyCode::PageDown => KeyCodeOrd::PageDown,
            _ => return None,
        };
        Some(Key { code, ctrl, alt })
    }

    /// A crossterm event for this key (tests and the PTY driver use it).
    pub fn to_event(self) -> KeyEvent {
        let mut m = KeyModifiers::NONE;
        if self.ctrl {
            m |= KeyModifiers::CONTROL;
        }
        if self.alt {
            m |= KeyModifiers::ALT;
        }
        let code = match self.code {
            KeyCodeOrd::Char(c) => KeyCode::Char(c),
            KeyCodeOrd::F(n) => KeyCode::F(n),
            KeyCodeOrd::Up => KeyCode::Up,
            KeyCodeOrd::Down => KeyCode::Down,
            KeyCodeOrd::Left => KeyCode::Left,
            KeyCodeOrd::Right => KeyCode::Right,
            KeyCodeOrd::Enter => KeyCode::Enter,
            KeyCodeOrd::Esc => KeyCode::Esc,
            KeyCodeOrd::Tab => KeyCode::Tab,
            KeyCodeOrd::BackTab => KeyCode::BackTab,
            KeyCodeOrd::Backspace => KeyCode::Backspace,
            KeyCodeOrd::Delete => KeyCode::Delete,
            KeyCodeOrd::Insert => KeyCode::Insert,
            KeyCodeOrd::Home => KeyCode::Home,
            KeyCodeOrd::End => KeyCode::End,
            KeyCodeOrd::PageUp => KeyCode::PageUp,
            KeyCodeOrd::PageDown => KeyCode::PageDown,
        };
        KeyEvent::new(code, m)
    }

    /// Parse one key: `j`, `G`, `?`, `enter`, `ctrl-d`, `alt-<`, `f1`, `space`.
    pub fn parse(s: &str) -> Option<Key> {
        let mut ctrl = false;
        let mut alt = false;
        let mut rest = s;
        loop {
            if rest.chars().count() <= 1 {
                break;
            }
            let lower = rest.to_ascii_lowercase();
            if let Some(r) = lower
                .strip_prefix("ctrl-")
                .or_else(|| lower.strip_prefix("c-"))
            {
                ctrl = true;
                rest = &rest[rest.len() - r.len()..];
            } else if let Some(r) = lower
                .strip_prefix("alt-")
                .or_else(|| lower.strip_prefix("m-"))
            {
                alt = true;
                rest = &rest[rest.len() - r.len()..];
            } else {
                break;
            }
        }
        let mut chars = rest.chars();
        let code = match (chars.next(), chars.next()) {
            (Some(c), None) if !c.is_control() => {
                KeyCodeOrd::Char(if ctrl && c.is_ascii_uppercase() {
                    c.to_ascii_lowercase()
                } else {
                    c
                })
            }
            _ => match rest.to_ascii_lowercase().as_str() {
                "up" => KeyCodeOrd::Up,
                "down" => KeyCodeOrd::Down,
                "left" => KeyCodeOrd::Left,
                "right" => KeyCodeOrd::Right,
                "enter" | "return" => KeyCodeOrd::Enter,
                "esc" | "escape" => KeyCodeOrd::Esc,
                "tab" => KeyCodeOrd::Tab,
                "backtab" | "shift-tab" => KeyCodeOrd::BackTab,
                "backspace" => KeyCodeOrd::Backspace,
                "delete" | "del" => KeyCodeOrd::Delete,
                "insert" => KeyCodeOrd::Insert,
                "home" => KeyCodeOrd::Home,
                "end" => KeyCodeOrd::End,
                "pageup" | "pgup" => KeyCodeOrd::PageUp,
                "pagedown" | "pgdn" => KeyCodeOrd::PageDown,
                "space" => KeyCodeOrd::Char(' '),
                f if f.starts_with('f') => {
                    let n: u8 = f[1..].parse().ok()?;
                    if !(1..=24).contains(&n) {
                        return None;
                    }
                    KeyCodeOrd::F(n)
                }
                _ => return None,
            },
        };
        Some(Key { code, ctrl, alt })
    }
}

impl fmt::Display for Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.ctrl {
            f.write_str("ctrl-")?;
        }
        if self.alt {
            f.write_str("alt-")?;
        }
        match self.code {
            KeyCodeOrd::Char(' ') => f.write_str("space"),
            KeyCodeOrd::Char(c) => write!(f, "{c}"),
            KeyCodeOrd::F(n) => write!(f, "f{n}"),
            other => f.write_str(match other {
                KeyCodeOrd::Up => "up",
                KeyCodeOrd::Down => "down",
                KeyCodeOrd::Left => "left",
                KeyCodeOrd::Right => "right",
                KeyCodeOrd::Enter => "enter",
                KeyCodeOrd::Esc => "esc",
                KeyCodeOrd::Tab => "tab",
                KeyCodeOrd::BackTab => "backtab",
                KeyCodeOrd::Backspace => "backspace",
                KeyCodeOrd::Delete => "delete",
                KeyCodeOrd::Insert => "insert",
                KeyCodeOrd::Home => "home",
                KeyCodeOrd::End => "end",
                KeyCodeOrd::PageUp => "pageup",
                _ => "pagedown",
            }),
        }
    }
}

/// A key sequence such as `g g` or `ctrl-x ctrl-c`.
pub type Seq = Vec<Key>;

pub fn parse_seq(s: &str) -> Option<Seq> {
    let keys: Option<Vec<Key>> = s.split_whitespace().map(Key::parse).collect();
    keys.filter(|k| !k.is_empty() && k.len() <= 4)
}

pub fn seq_to_string(s: &[Key]) -> String {
    s.iter()
        .map(|k| k.to_string())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A keymap error: where and what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeymapError {
    pub file: String,
    pub line: usize,
    pub key: String,
    pub message: String,
}

impl fmt::Display for KeymapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // the file name, key and message may quote the file: never raw, never long
        use crate::text::{MESSAGE_CHARS, excerpt, excerpt_n, sanitize};
        let (file, message) = (
            sanitize(&self.file),
            excerpt_n(&self.message, MESSAGE_CHARS),
        );
        if self.key.is_empty() {
            write!(f, "keymap {file}:{}: {message}", self.line)
        } else {
            write!(
                f,
                "keymap {file}:{}: {}: {message}",
                self.line,
                excerpt(&self.key)
            )
        }
    }
}

impl std::error::Error for KeymapError {}

/// One parsed keymap file: the actions it names, with their key sequences.
#[derive(Debug, Clone, Default)]
pub struct Layer {
    pub base: Option<String>,
    pub bindings: BTreeMap<Action, Vec<Seq>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].matches('\n').count() + 1
}

/// Parse a keymap file's text; `file` names it in errors.
pub fn parse_layer(text: &str, file: &str) -> Result<Layer, KeymapError> {
    use toml::de::{DeTable, DeValue};
    let err = |offset: usize, key: &str, message: String| KeymapError {
        file: file.to_string(),
        line: line_of(text, offset),
        key: key.to_string(),
        message,
    };
    let doc = DeTable::parse(text)
        .map_err(|e| err(e.span().map_or(0, |s| s.start), "", e.message().to_string()))?;
    let mut layer = Layer::default();
    // every key sequence with where it was bound, to report duplicates
    let mut seen: Vec<(Seq, Action)> = Vec::new();
    // in file order, so a clash is reported at its second occurrence
    let mut top: Vec<_> = doc.get_ref().iter().collect();
    top.sort_by_key(|(k, _)| k.span().start);
    for (k, v) in top {
        let name: &str = k.get_ref();
        match (name, v.get_ref()) {
            ("base", DeValue::String(s)) => {
                if builtin(s).is_none() {
                    return Err(err(
                        v.span().start,
                        name,
                        format!(
                            "unknown base keymap `{}` (known: default, vim, emacs)",
                            crate::text::excerpt(s)
                        ),
                    ));
                }
                layer.base = Some(s.to_string());
            }
            ("name" | "description", DeValue::String(_)) => {}
            ("keys", DeValue::Table(t)) => {
                let mut entries: Vec<_> = t.iter().collect();
                entries.sort_by_key(|(k, _)| k.span().start);
                for (ak, av) in entries {
                    let aname: &str = ak.get_ref();
                    let Some(action) = Action::parse(aname) else {
                        let known: Vec<&str> = Action::ALL.iter().map(|a| a.name()).collect();
                        return Err(err(
                            ak.span().start,
                            aname,
                            format!("unknown action (known: {})", known.join(", ")),
                        ));
                    };
                    let items: Vec<(&str, usize)> = match av.get_ref() {
                        DeValue::String(s) => vec![(s.as_ref(), av.span().start)],
                        DeValue::Array(a) => {
                            let mut out = Vec::new();
                            for item in a.iter() {
                                match item.get_ref() {
                                    DeValue::String(s) => out.push((s.as_ref(), item.span().start)),
                                    _ => {
                                        return Err(err(
                                            item.span().start,
                                            aname,
                                            "keys must be strings such as \"j\" or \"ctrl-d\""
                                                .into(),
                                        ));
                                    }
                                }
                            }
                            out
                        }
                        _ => {
                            return Err(err(
                                av.span().start,
                                aname,
                                "expected a key or a list of keys, e.g. [\"j\", \"down\"]".into(),
                            ));
                        }
                    };
                    let mut seqs = Vec::new();
                    for (s, at) in items {
                        let Some(seq) = parse_seq(s) else {
                            return Err(err(
                                at,
                                aname,
                                format!(
                                    "cannot read key `{}` (examples: j, G, ?, enter, ctrl-d, alt-v, f1, \"g g\")",
                                    crate::text::excerpt(s)
                                ),
                            ));
                        };
                        if let Some((_, other)) = seen
                            .iter()
                            .find(|(q, o)| conflicts(q, &seq) && !apart(*o, action))
                        {
                            return Err(err(
                                at,
                                aname,
                                format!(
                                    "key `{}` clashes with a key of `{}` in the same file",
                                    crate::text::excerpt(s),
                                    other.name()
                                ),
                            ));
                        }
                        seen.push((seq.clone(), action));
                        seqs.push(seq);
                    }
                    layer.bindings.insert(action, seqs);
                }
            }
            ("keys", _) => return Err(err(v.span().start, name, "expected a [keys] table".into())),
            ("base" | "name" | "description", _) => {
                return Err(err(v.span().start, name, "expected a string".into()));
            }
            _ => {
                return Err(err(
                    k.span().start,
                    name,
                    "unknown entry (expected `base`, `name`, `description` or a [keys] table)"
                        .into(),
                ));
            }
        }
    }
    Ok(layer)
}

/// Actions of screens that never take keys at the same time may share a key (a user keymap
/// may give `r` to both the way to the standard on the grid and a new sample on the list of
/// audits); `App` picks by screen.
pub fn apart(a: Action, b: Action) -> bool {
    matches!(
        (a, b),
        (Action::Plan, Action::NewAudit) | (Action::NewAudit, Action::Plan)
    )
}

/// Two sequences clash when one is a prefix of the other (including equal).
fn conflicts(a: &[Key], b: &[Key]) -> bool {
    let n = a.len().min(b.len());
    a[..n] == b[..n]
}

/// What feeding a key produced.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Feed {
    Action(Action),
    /// The keys so far start a longer sequence; wait for more.
    Pending,
    Unbound,
}

/// The active key bindings.
#[derive(Debug, Clone, Default)]
pub struct Keymap {
    pub bindings: BTreeMap<Action, Vec<Seq>>,
}

impl Keymap {
    /// The default keymap.
    pub fn default_map() -> Keymap {
        let mut k = Keymap::default();
        k.apply(parse_layer(DEFAULT, "default.toml").expect("the shipped default keymap parses"));
        k
    }

    /// Put a layer over this map: each action it names gets exactly its keys, and those keys
    /// are taken away from any other action.
    pub fn apply(&mut self, layer: Layer) {
        for (action, seqs) in layer.bindings {
            for (a, mine) in self.bindings.iter_mut() {
                if *a != action && !apart(*a, action) {
                    mine.retain(|m| !seqs.iter().any(|s| conflicts(m, s)));
                }
            }
            self.bindings.insert(action, seqs);
        }
    }

    /// Load the keymap named by `spec`: None → default; `default`/`vim`/`emacs` → that
    /// shipped map; anything else → a file path (its `base`, if any, applies first).
    pub fn load(spec: Option<&str>) -> Result<Keymap, KeymapError> {
        let mut map = Keymap::default_map();
        let Some(spec) = spec else {
            return Ok(map);
        };
        if let Some(text) = builtin(spec) {
            map.apply(parse_layer(text, &format!("{spec}.toml"))?);
            return Ok(map);
        }
        let text = std::fs::read_to_string(spec).map_err(|e| KeymapError {
            file: spec.to_string(),
            line: 0,
            key: String::new(),
            message: format!(
                "cannot read the keymap file: {e} (built-in keymaps: default, vim, emacs)"
            ),
        })?;
        let layer = parse_layer(&text, spec)?;
        if let Some(b) = &layer.base {
            map.apply(parse_layer(
                builtin(b).expect("checked while parsing"),
                &format!("{b}.toml"),
            )?);
        }
        map.apply(layer);
        Ok(map)
    }

    /// The action a whole key sequence is bound to besides `a` (a key shared by `apart` actions).
    pub fn also(&self, a: Action, seq: &[Key]) -> Option<Action> {
        self.bindings
            .iter()
            .find(|(b, seqs)| **b != a && apart(a, **b) && seqs.iter().any(|s| s == seq))
            .map(|(b, _)| *b)
    }

    /// Feed one key with the keys pending before it.
    pub fn feed(&self, pending: &mut Vec<Key>, key: Key) -> Feed {
        pending.push(key);
        let mut prefix = false;
        for (a, seqs) in &self.bindings {
            for s in seqs {
                if s == pending {
                    pending.clear();
                    return Feed::Action(*a);
                }
                if s.len() > pending.len() && s[..pending.len()] == pending[..] {
                    prefix = true;
                }
            }
        }
        if prefix {
            return Feed::Pending;
        }
        let had_more = pending.len() > 1;
        pending.clear();
        if had_more {
            // an abandoned sequence: try the last key on its own
            return self.feed(pending, key);
        }
        Feed::Unbound
    }

    /// The keys of an action as text, e.g. `j, down`.
    pub fn keys_of(&self, a: Action) -> Vec<String> {
        self.bindings
            .get(&a)
            .map(|v| v.iter().map(|s| seq_to_string(s)).collect())
            .unwrap_or_default()
    }

    /// The first key of an action (for hints), or None when unbound.
    pub fn first_key(&self, a: Action) -> Option<String> {
        self.keys_of(a).into_iter().next()
    }

    /// Actions that have no key.
    pub fn unbound(&self) -> Vec<Action> {
        Action::ALL
            .into_iter()
            .filter(|a| self.bindings.get(a).is_none_or(|v| v.is_empty()))
            .collect()
    }
}
