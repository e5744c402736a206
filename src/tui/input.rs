//! Terminal input: bytes read from the tty decoded into keys and pastes. ntm reads the terminal
//! itself (see `mod.rs`) so that nothing ever blocks on an incomplete sequence: the decoder
//! only keeps state, and the loop calls `timeout` when a sequence stayed incomplete for
//! `ESC_TIMEOUT` (a lone ESC becomes Esc, as in terminals; anything else is dropped).
//!
//! Decoded: printable characters (UTF-8), control bytes as Ctrl+letter, ESC-prefixed keys as
//! Alt, CSI and SS3 keys with xterm modifiers (`ESC[1;5A`, `ESC[3;2~`), the Linux console's
//! `ESC[[A`..`E`, and bracketed paste (`ESC[200~` … `ESC[201~`) as one `Input::Paste`.
//! Unknown or malformed sequences are dropped; control bytes never come out as characters.

use std::time::Duration;

use ratatui::crossterm::event::{KeyCode, KeyEvent, KeyModifiers};

/// How long an incomplete escape or UTF-8 sequence may wait for its next byte.
pub const ESC_TIMEOUT: Duration = Duration::from_millis(50);
/// How long a paste may pause before what arrived is taken as the whole paste (its end
/// marker was lost); generous, as a paste over a slow link can stall.
pub const PASTE_TIMEOUT: Duration = Duration::from_secs(3);
/// The most of one paste kept in memory; the rest is read and discarded.
pub const PASTE_MAX: usize = 1 << 20;

/// Longest CSI kept; longer ones are read to their end and dropped.
const CSI_MAX: usize = 32;
const PASTE_END: &[u8] = b"\x1b[201~";

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    Key(KeyEvent),
    /// A bracketed paste, whole (at most `PASTE_MAX` bytes of it), as text.
    Paste(String),
}

/// What an incomplete input waits for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pending {
    /// An escape or UTF-8 sequence: `ESC_TIMEOUT`.
    Sequence,
    /// The end of a paste: `PASTE_TIMEOUT`.
    Paste,
}

impl Pending {
    pub fn timeout(self) -> Duration {
        match self {
            Pending::Sequence => ESC_TIMEOUT,
            Pending::Paste => PASTE_TIMEOUT,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Ground,
    /// ESC seen.
    Esc,
    /// `ESC [` and parameters in `seq`.
    Csi {
        alt: bool,
    },
    /// A CSI too long to be a key: skipped to its final byte.
    CsiSkip,
    /// `ESC O` and a modifier digit in `seq`.
    Ss3 {
        alt: bool,
    },
    /// `ESC [ [` (Linux console F1–F5).
    LinuxF {
        alt: bool,
    },
    /// A UTF-8 character: `need` more bytes, the first ones in `seq`.
    Utf8 {
        need: usize,
        alt: bool,
    },
    /// Inside a bracketed paste; `matched` bytes of its end marker seen.
    Paste {
        matched: usize,
    },
}

/// The decoder: feed it bytes as they come, get inputs out.
#[derive(Debug)]
pub struct Decoder {
    state: State,
    seq: Vec<u8>,
    paste: Vec<u8>,
    /// Paste bytes beyond `PASTE_MAX` (discarded).
    dropped: usize,
}

impl Default for Decoder {
    fn default() -> Self {
        Decoder::new()
    }
}

fn key(code: KeyCode, m: KeyModifiers) -> Input {
    Input::Key(KeyEvent::new(code, m))
}

fn alt_if(alt: bool) -> KeyModifiers {
    if alt {
        KeyModifiers::ALT
    } else {
        KeyModifiers::NONE
    }
}

/// An ASCII byte on its own: a character or a control key.
fn ascii_key(b: u8, alt: bool) -> Option<Input> {
    let a = alt_if(alt);
    let ctrl = a | KeyModifiers::CONTROL;
    Some(match b {
        b'\r' | b'\n' => key(KeyCode::Enter, a),
        b'\t' => key(KeyCode::Tab, a),
        0x7f | 0x08 => key(KeyCode::Backspace, a),
        0x00 => key(KeyCode::Char(' '), ctrl),
        0x01..=0x1a => key(KeyCode::Char((b - 1 + b'a') as char), ctrl),
        0x1c..=0x1f => key(KeyCode::Char((b - 0x1c + b'4') as char), ctrl),
        0x20..=0x7e => char_key(b as char, alt)?,
        _ => return None,
    })
}

fn char_key(c: char, alt: bool) -> Option<Input> {
    if c.is_control() {
        return None;
    }
    let mut m = alt_if(alt);
    if c.is_uppercase() {
        m |= KeyModifiers::SHIFT;
    }
    Some(key(KeyCode::Char(c), m))
}

/// xterm's modifier parameter: 1 + (shift 1, alt 2, ctrl 4, meta 8).
fn modifiers(p: Option<u16>) -> KeyModifiers {
    let bits = p.unwrap_or(1).saturating_sub(1);
    let mut m = KeyModifiers::NONE;
    if bits & 1 != 0 {
        m |= KeyModifiers::SHIFT;
    }
    if bits & (2 | 8) != 0 {
        m |= KeyModifiers::ALT;
    }
    if bits & 4 != 0 {
        m |= KeyModifiers::CONTROL;
    }
    m
}

/// The numbers of a CSI's parameters (`1;5` → [Some(1), Some(5)]); None when it has anything
/// else (private markers, sub-parameters, intermediates), which no key here uses.
fn params(seq: &[u8]) -> Option<Vec<Option<u16>>> {
    if seq.is_empty() {
        return Some(Vec::new());
    }
    seq.split(|b| *b == b';')
        .map(|p| {
            if p.is_empty() {
                return Some(None);
            }
            if p.len() > 4 || !p.iter().all(u8::is_ascii_digit) {
                return None;
            }
            std::str::from_utf8(p).ok()?.parse().ok().map(Some)
        })
        .collect()
}

/// The key at the end of SS3 or CSI with a letter final (`A` up … `S` F4).
fn letter_key(f: u8) -> Option<KeyCode> {
    Some(match f {
        b'A' => KeyCode::Up,
        b'B' => KeyCode::Down,
        b'C' => KeyCode::Right,
        b'D' => KeyCode::Left,
        b'H' => KeyCode::Home,
        b'F' => KeyCode::End,
        b'P' => KeyCode::F(1),
        b'Q' => KeyCode::F(2),
        b'R' => KeyCode::F(3),
        b'S' => KeyCode::F(4),
        _ => return None,
    })
}

/// The key of `ESC [ n ~`.
fn tilde_key(n: u16) -> Option<KeyCode> {
    Some(match n {
        1 | 7 => KeyCode::Home,
        2 => KeyCode::Insert,
        3 => KeyCode::Delete,
        4 | 8 => KeyCode::End,
        5 => KeyCode::PageUp,
        6 => KeyCode::PageDown,
        11..=15 => KeyCode::F((n - 10) as u8),
        17..=21 => KeyCode::F((n - 11) as u8),
        23..=26 => KeyCode::F((n - 12) as u8),
        28 | 29 => KeyCode::F((n - 13) as u8),
        31..=34 => KeyCode::F((n - 14) as u8),
        _ => return None,
    })
}

impl Decoder {
    pub fn new() -> Decoder {
        Decoder {
            state: State::Ground,
            seq: Vec::new(),
            paste: Vec::new(),
            dropped: 0,
        }
    }

    /// What the decoder waits for, if anything (the caller then calls `timeout` once the
    /// input has been quiet for `Pending::timeout`).
    pub fn pending(&self) -> Option<Pending> {
        match self.state {
            State::Ground => None,
            State::Paste { .. } => Some(Pending::Paste),
            _ => Some(Pending::Sequence),
        }
    }

    /// Decode `bytes`, appending the inputs they complete to `out`.
    pub fn feed(&mut self, bytes: &[u8], out: &mut Vec<Input>) {
        let mut i = 0;
        while i < bytes.len() {
            if let State::Paste { matched: 0 } = self.state {
                // the bulk of a paste: copy up to the next ESC at once
                let rest = &bytes[i..];
                let n = rest.iter().position(|b| *b == 0x1b).unwrap_or(rest.len());
                self.keep(&rest[..n]);
                i += n;
                if i == bytes.len() {
                    break;
                }
            }
            if self.byte(bytes[i], out) {
                i += 1;
            }
        }
    }

    /// The input stayed quiet for the pending timeout: finish what can be finished.
    pub fn timeout(&mut self, out: &mut Vec<Input>) {
        match self.state {
            State::Ground => {}
            State::Esc => out.push(key(KeyCode::Esc, KeyModifiers::NONE)),
            State::Paste { .. } => out.push(self.take_paste()),
            _ => {}
        }
        self.seq.clear();
        self.state = State::Ground;
    }

    /// Handle one byte; false when it must be handled again in the new state (it ended a
    /// sequence it does not belong to).
    fn byte(&mut self, b: u8, out: &mut Vec<Input>) -> bool {
        match self.state {
            State::Ground => self.ground(b, false, out),
            State::Esc => match b {
                b'[' => {
                    self.seq.clear();
                    self.state = State::Csi { alt: false };
                }
                b'O' => {
                    self.seq.clear();
                    self.state = State::Ss3 { alt: false };
                }
                // ESC ESC: the first is a key of its own
                0x1b => out.push(key(KeyCode::Esc, KeyModifiers::NONE)),
                _ => {
                    self.state = State::Ground;
                    self.ground(b, true, out);
                }
            },
            State::Csi { alt } => match b {
                b'[' if self.seq.is_empty() => self.state = State::LinuxF { alt },
                0x20..=0x3f if self.seq.len() < CSI_MAX => self.seq.push(b),
                0x20..=0x3f => self.state = State::CsiSkip,
                0x40..=0x7e => {
                    self.state = State::Ground;
                    self.csi(b, alt, out);
                    self.seq.clear();
                }
                // not part of a CSI: the sequence is dropped, the byte starts anew
                _ => return self.abandon(),
            },
            State::CsiSkip => match b {
                0x20..=0x3f => {}
                0x40..=0x7e => {
                    self.seq.clear();
                    self.state = State::Ground;
                }
                _ => return self.abandon(),
            },
            State::Ss3 { alt } => match b {
                b'0'..=b'9' if self.seq.len() < 2 => self.seq.push(b),
                0x20..=0x7e => {
                    let m = params(&self.seq).and_then(|p| p.first().copied().flatten());
                    let m = modifiers(m) | alt_if(alt);
                    let code = if b == b'M' {
                        Some(KeyCode::Enter)
                    } else {
                        letter_key(b)
                    };
                    if let Some(c) = code {
                        out.push(key(c, m));
                    }
                    self.seq.clear();
                    self.state = State::Ground;
                }
                _ => return self.abandon(),
            },
            State::LinuxF { alt } => match b {
                b'A'..=b'E' => {
                    out.push(key(KeyCode::F(b - b'A' + 1), alt_if(alt)));
                    self.state = State::Ground;
                }
                0x20..=0x7e => self.state = State::Ground,
                _ => return self.abandon(),
            },
            State::Utf8 { need, alt } => {
                if b & 0xc0 != 0x80 {
                    return self.abandon();
                }
                self.seq.push(b);
                if need > 1 {
                    self.state = State::Utf8 {
                        need: need - 1,
                        alt,
                    };
                } else {
                    self.state = State::Ground;
                    if let Some(k) = std::str::from_utf8(&self.seq)
                        .ok()
                        .and_then(|s| s.chars().next())
                        .and_then(|c| char_key(c, alt))
                    {
                        out.push(k);
                    }
                    self.seq.clear();
                }
            }
            State::Paste { matched } => {
                if b == PASTE_END[matched] {
                    if matched + 1 == PASTE_END.len() {
                        out.push(self.take_paste());
                        self.state = State::Ground;
                    } else {
                        self.state = State::Paste {
                            matched: matched + 1,
                        };
                    }
                } else {
                    // what looked like the end marker was text
                    self.keep(&PASTE_END[..matched]);
                    if b == PASTE_END[0] {
                        self.state = State::Paste { matched: 1 };
                    } else {
                        self.keep(&[b]);
                        self.state = State::Paste { matched: 0 };
                    }
                }
            }
        }
        true
    }

    /// Drop the incomplete sequence; the byte that broke it is handled again from Ground.
    fn abandon(&mut self) -> bool {
        self.seq.clear();
        self.state = State::Ground;
        false
    }

    fn ground(&mut self, b: u8, alt: bool, out: &mut Vec<Input>) {
        match b {
            0x1b => self.state = State::Esc,
            0x00..=0x7f => out.extend(ascii_key(b, alt)),
            0xc2..=0xdf => self.utf8(b, 1, alt),
            0xe0..=0xef => self.utf8(b, 2, alt),
            0xf0..=0xf4 => self.utf8(b, 3, alt),
            // a stray continuation byte or one never valid in UTF-8
            _ => {}
        }
    }

    fn utf8(&mut self, b: u8, need: usize, alt: bool) {
        self.seq.clear();
        self.seq.push(b);
        self.state = State::Utf8 { need, alt };
    }

    fn csi(&mut self, f: u8, alt: bool, out: &mut Vec<Input>) {
        let Some(p) = params(&self.seq) else { return };
        let first = p.first().copied().flatten();
        let m = modifiers(p.get(1).copied().flatten()) | alt_if(alt);
        let code = match f {
            b'~' => match first {
                Some(200) => {
                    self.paste.clear();
                    self.dropped = 0;
                    self.state = State::Paste { matched: 0 };
                    return;
                }
                Some(n) => tilde_key(n),
                None => None,
            },
            b'Z' => {
                out.push(key(KeyCode::BackTab, m | KeyModifiers::SHIFT));
                return;
            }
            _ => letter_key(f),
        };
        if let Some(c) = code {
            out.push(key(c, m));
        }
    }

    fn keep(&mut self, s: &[u8]) {
        let room = PASTE_MAX.saturating_sub(self.paste.len());
        let n = s.len().min(room);
        self.paste.extend_from_slice(&s[..n]);
        self.dropped += s.len() - n;
    }

    fn take_paste(&mut self) -> Input {
        let mut bytes = std::mem::take(&mut self.paste);
        // a character cut by the size limit (or by a lost end marker) is left out
        if let Err(e) = std::str::from_utf8(&bytes)
            && e.error_len().is_none()
        {
            bytes.truncate(e.valid_up_to());
        }
        self.dropped = 0;
        Input::Paste(String::from_utf8_lossy(&bytes).into_owned())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn k(code: KeyCode, m: KeyModifiers) -> Input {
        key(code, m)
    }
    fn plain(code: KeyCode) -> Input {
        key(code, KeyModifiers::NONE)
    }
    fn ch(c: char) -> Input {
        char_key(c, false).unwrap()
    }

    /// Decode all at once, then byte by byte (and in every two-piece split): the same inputs.
    fn decode(bytes: &[u8]) -> Vec<Input> {
        let mut d = Decoder::new();
        let mut whole = Vec::new();
        d.feed(bytes, &mut whole);
        let mut d = Decoder::new();
        let mut one = Vec::new();
        for b in bytes {
            d.feed(std::slice::from_ref(b), &mut one);
        }
        assert_eq!(whole, one, "byte by byte: {bytes:?}");
        for cut in 0..=bytes.len() {
            let mut d = Decoder::new();
            let mut two = Vec::new();
            d.feed(&bytes[..cut], &mut two);
            d.feed(&bytes[cut..], &mut two);
            assert_eq!(whole, two, "split at {cut}: {bytes:?}");
        }
        whole
    }

    /// Decode, then let the input go quiet.
    fn decode_quiet(bytes: &[u8]) -> Vec<Input> {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for b in bytes {
            d.feed(std::slice::from_ref(b), &mut out);
        }
        d.timeout(&mut out);
        assert_eq!(d.pending(), None);
        out
    }

    #[test]
    fn printable_and_vietnamese_characters() {
        assert_eq!(decode(b"q"), vec![ch('q')]);
        assert_eq!(
            decode(b"G"),
            vec![k(KeyCode::Char('G'), KeyModifiers::SHIFT)]
        );
        let s = "Dĩnh Trì đếm lại 𝄞";
        let want: Vec<Input> = s.chars().map(ch).collect();
        assert_eq!(decode(s.as_bytes()), want);
        // NFD: the combining marks come as characters of their own
        let nfd = "i\u{303}";
        assert_eq!(decode(nfd.as_bytes()), vec![ch('i'), ch('\u{303}')]);
    }

    #[test]
    fn control_bytes_are_keys_never_text() {
        let ctrl = KeyModifiers::CONTROL;
        assert_eq!(decode(b"\r"), vec![plain(KeyCode::Enter)]);
        assert_eq!(decode(b"\n"), vec![plain(KeyCode::Enter)]);
        assert_eq!(decode(b"\t"), vec![plain(KeyCode::Tab)]);
        assert_eq!(decode(b"\x7f"), vec![plain(KeyCode::Backspace)]);
        assert_eq!(decode(b"\x08"), vec![plain(KeyCode::Backspace)]);
        assert_eq!(decode(b"\x03"), vec![k(KeyCode::Char('c'), ctrl)]);
        assert_eq!(decode(b"\x15"), vec![k(KeyCode::Char('u'), ctrl)]);
        assert_eq!(decode(b"\x01"), vec![k(KeyCode::Char('a'), ctrl)]);
        assert_eq!(decode(b"\x1a"), vec![k(KeyCode::Char('z'), ctrl)]);
        assert_eq!(decode(b"\x00"), vec![k(KeyCode::Char(' '), ctrl)]);
        assert_eq!(decode(b"\x1c"), vec![k(KeyCode::Char('4'), ctrl)]);
        // C1 controls encoded in UTF-8 are dropped
        assert_eq!(decode("\u{9b}\u{85}x".as_bytes()), vec![ch('x')]);
        // no byte at all comes out as a control character
        for b in 0..=255u8 {
            for i in decode_quiet(&[b]) {
                if let Input::Key(e) = i
                    && let KeyCode::Char(c) = e.code
                {
                    assert!(!c.is_control(), "byte {b:#x} gave {c:?}");
                }
            }
        }
    }

    #[test]
    fn alt_is_an_esc_prefix() {
        let alt = KeyModifiers::ALT;
        assert_eq!(decode(b"\x1bn"), vec![k(KeyCode::Char('n'), alt)]);
        assert_eq!(decode(b"\x1b<"), vec![k(KeyCode::Char('<'), alt)]);
        assert_eq!(
            decode(b"\x1bV"),
            vec![k(KeyCode::Char('V'), alt | KeyModifiers::SHIFT)]
        );
        assert_eq!(decode(b"\x1b\x7f"), vec![k(KeyCode::Backspace, alt)]);
        assert_eq!(decode(b"\x1b\r"), vec![k(KeyCode::Enter, alt)]);
        assert_eq!(
            decode(b"\x1b\x18"),
            vec![k(KeyCode::Char('x'), alt | KeyModifiers::CONTROL)]
        );
        assert_eq!(decode("\x1bđ".as_bytes()), vec![k(KeyCode::Char('đ'), alt)]);
        // ESC ESC: an Esc, then a pending ESC
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(b"\x1b\x1b", &mut out);
        assert_eq!(out, vec![plain(KeyCode::Esc)]);
        assert_eq!(d.pending(), Some(Pending::Sequence));
        d.timeout(&mut out);
        assert_eq!(out, vec![plain(KeyCode::Esc), plain(KeyCode::Esc)]);
    }

    #[test]
    fn csi_and_ss3_keys() {
        let cases: &[(&[u8], KeyCode)] = &[
            (b"\x1b[A", KeyCode::Up),
            (b"\x1b[B", KeyCode::Down),
            (b"\x1b[C", KeyCode::Right),
            (b"\x1b[D", KeyCode::Left),
            (b"\x1b[H", KeyCode::Home),
            (b"\x1b[F", KeyCode::End),
            (b"\x1bOA", KeyCode::Up),
            (b"\x1bOB", KeyCode::Down),
            (b"\x1bOC", KeyCode::Right),
            (b"\x1bOD", KeyCode::Left),
            (b"\x1bOH", KeyCode::Home),
            (b"\x1bOF", KeyCode::End),
            (b"\x1bOM", KeyCode::Enter),
            (b"\x1bOP", KeyCode::F(1)),
            (b"\x1bOQ", KeyCode::F(2)),
            (b"\x1bOR", KeyCode::F(3)),
            (b"\x1bOS", KeyCode::F(4)),
            (b"\x1b[1~", KeyCode::Home),
            (b"\x1b[7~", KeyCode::Home),
            (b"\x1b[4~", KeyCode::End),
            (b"\x1b[8~", KeyCode::End),
            (b"\x1b[2~", KeyCode::Insert),
            (b"\x1b[3~", KeyCode::Delete),
            (b"\x1b[5~", KeyCode::PageUp),
            (b"\x1b[6~", KeyCode::PageDown),
            (b"\x1b[11~", KeyCode::F(1)),
            (b"\x1b[12~", KeyCode::F(2)),
            (b"\x1b[13~", KeyCode::F(3)),
            (b"\x1b[14~", KeyCode::F(4)),
            (b"\x1b[15~", KeyCode::F(5)),
            (b"\x1b[17~", KeyCode::F(6)),
            (b"\x1b[18~", KeyCode::F(7)),
            (b"\x1b[19~", KeyCode::F(8)),
            (b"\x1b[20~", KeyCode::F(9)),
            (b"\x1b[21~", KeyCode::F(10)),
            (b"\x1b[23~", KeyCode::F(11)),
            (b"\x1b[24~", KeyCode::F(12)),
            (b"\x1b[25~", KeyCode::F(13)),
            (b"\x1b[34~", KeyCode::F(20)),
            (b"\x1b[[A", KeyCode::F(1)),
            (b"\x1b[[E", KeyCode::F(5)),
            (b"\x1b[P", KeyCode::F(1)),
            (b"\x1b[S", KeyCode::F(4)),
        ];
        for (bytes, code) in cases {
            assert_eq!(decode(bytes), vec![plain(*code)], "{bytes:?}");
        }
        assert_eq!(
            decode(b"\x1b[Z"),
            vec![k(KeyCode::BackTab, KeyModifiers::SHIFT)]
        );
    }

    #[test]
    fn csi_modifiers() {
        let (s, a, c) = (
            KeyModifiers::SHIFT,
            KeyModifiers::ALT,
            KeyModifiers::CONTROL,
        );
        assert_eq!(decode(b"\x1b[1;5A"), vec![k(KeyCode::Up, c)]);
        assert_eq!(decode(b"\x1b[1;2B"), vec![k(KeyCode::Down, s)]);
        assert_eq!(decode(b"\x1b[1;3C"), vec![k(KeyCode::Right, a)]);
        assert_eq!(decode(b"\x1b[1;8D"), vec![k(KeyCode::Left, s | a | c)]);
        assert_eq!(decode(b"\x1b[3;2~"), vec![k(KeyCode::Delete, s)]);
        assert_eq!(decode(b"\x1b[5;5~"), vec![k(KeyCode::PageUp, c)]);
        assert_eq!(decode(b"\x1b[1;5P"), vec![k(KeyCode::F(1), c)]);
        assert_eq!(decode(b"\x1b[15;3~"), vec![k(KeyCode::F(5), a)]);
        assert_eq!(decode(b"\x1bO5A"), vec![k(KeyCode::Up, c)]);
        // ESC-prefixed CSI: Alt
        assert_eq!(decode(b"\x1b\x1b[A")[1], k(KeyCode::Up, KeyModifiers::NONE));
    }

    #[test]
    fn keys_in_a_row() {
        let got = decode(b"j\x1b[Bq\x1bOA\xc4\x91\x1b[3~\x1bx\r");
        assert_eq!(
            got,
            vec![
                ch('j'),
                plain(KeyCode::Down),
                ch('q'),
                plain(KeyCode::Up),
                ch('đ'),
                plain(KeyCode::Delete),
                k(KeyCode::Char('x'), KeyModifiers::ALT),
                plain(KeyCode::Enter),
            ]
        );
    }

    #[test]
    fn unknown_and_garbage_sequences_are_dropped() {
        // unknown finals, private parameters, mouse reports, focus events, too long
        for g in [
            &b"\x1b[99~"[..],
            b"\x1b[?1;2c",
            b"\x1b[<0;10;5M",
            b"\x1b[I",
            b"\x1b[O",
            b"\x1b[1:2A",
            b"\x1b[99999999~",
            b"\x1b[ q",
            b"\x1bOz",
            b"\x1b[[z",
            b"\x1b[201~",
            &[0x80, 0xbf, 0xc0, 0xc1, 0xf5, 0xff],
        ] {
            assert_eq!(decode(g), vec![], "{g:?}");
        }
        let long: Vec<u8> = [&b"\x1b["[..], &[b'1'; 500], b"Ax"].concat();
        assert_eq!(decode(&long), vec![ch('x')]);
        // a byte that cannot continue a sequence ends it and counts on its own
        assert_eq!(decode(b"\x1b[1\rq"), vec![plain(KeyCode::Enter), ch('q')]);
        assert_eq!(decode(b"\x1b[1\x1b[A"), vec![plain(KeyCode::Up)]);
        assert_eq!(decode(b"\xc3q"), vec![ch('q')]);
        assert_eq!(decode(b"\xe1\xbbq"), vec![ch('q')]);
        assert_eq!(decode(b"\xc3\x1b[B"), vec![plain(KeyCode::Down)]);
        // overlong and surrogate encodings are not characters
        assert_eq!(decode(b"\xe0\x80\x80\xed\xa0\x80z"), vec![ch('z')]);
    }

    #[test]
    fn random_bytes_never_panic_and_always_settle() {
        // a fixed xorshift stream: reproducible
        let mut x: u64 = 0x9e37_79b9_7f4a_7c15;
        for _ in 0..300 {
            let mut bytes = Vec::new();
            for _ in 0..64 {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                // bias towards the bytes sequences are made of
                let b = x as u8;
                const PARTS: &[u8] = b"[O;~0123456789ABPZ\xc3\xa1\x80";
                bytes.push(match b % 4 {
                    0 => 0x1b,
                    1 => PARTS[(b as usize / 4) % PARTS.len()],
                    _ => b,
                });
            }
            decode(&bytes);
            let mut d = Decoder::new();
            let mut out = Vec::new();
            d.feed(&bytes, &mut out);
            d.timeout(&mut out);
            assert!(d.pending().is_none());
        }
    }

    #[test]
    fn a_lone_esc_becomes_esc_after_the_timeout() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(b"\x1b", &mut out);
        assert_eq!(out, vec![]);
        assert_eq!(d.pending(), Some(Pending::Sequence));
        assert_eq!(d.pending().unwrap().timeout(), ESC_TIMEOUT);
        d.timeout(&mut out);
        assert_eq!(out, vec![plain(KeyCode::Esc)]);
        assert_eq!(d.pending(), None);
        // and the next key is itself
        d.feed(b"q", &mut out);
        assert_eq!(out, vec![plain(KeyCode::Esc), ch('q')]);
    }

    #[test]
    fn incomplete_sequences_are_dropped_after_the_timeout() {
        for s in [
            &b"\x1b["[..],
            b"\x1bO",
            b"\x1b[1;",
            b"\x1b[3",
            b"\x1b[[",
            b"\x1bO5",
            b"\xc3",
            b"\xe1\xbb",
            b"\xf0\x9f\x98",
            b"\x1b\xc3",
        ] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            d.feed(s, &mut out);
            assert_eq!(out, vec![], "{s:?}");
            assert_eq!(d.pending(), Some(Pending::Sequence), "{s:?}");
            d.timeout(&mut out);
            assert_eq!(out, vec![], "{s:?}");
            assert_eq!(d.pending(), None);
            // what follows is decoded normally
            d.feed(b"q", &mut out);
            assert_eq!(out, vec![ch('q')], "{s:?}");
        }
    }

    #[test]
    fn bracketed_paste_is_one_input() {
        let p = decode(b"\x1b[200~d\xc4\xa9nh tr\xc3\xac\r2\x1b[201~q");
        assert_eq!(p, vec![Input::Paste("dĩnh trì\r2".into()), ch('q')]);
        // keys inside a paste are text; ESC and a near end marker too
        let p = decode(b"\x1b[200~q\x1b[A\x1b[201\x1b[20x\x1b[201~");
        assert_eq!(p, vec![Input::Paste("q\x1b[A\x1b[201\x1b[20x".into())]);
        // empty
        assert_eq!(
            decode(b"\x1b[200~\x1b[201~"),
            vec![Input::Paste(String::new())]
        );
        // a start marker inside a paste is text; the first end marker ends it
        assert_eq!(
            decode(b"\x1b[200~a\x1b[200~b\x1b[201~\x1b[201~c"),
            vec![Input::Paste("a\x1b[200~b".into()), ch('c')]
        );
    }

    #[test]
    fn a_paste_spanning_many_reads() {
        let body: String = "Xã Dĩnh Trì, 2.636/2.693\n".repeat(4000); // ~100 KB
        let bytes = [&b"\x1b[200~"[..], body.as_bytes(), b"\x1b[201~"].concat();
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for chunk in bytes.chunks(4095) {
            d.feed(chunk, &mut out);
        }
        assert_eq!(out, vec![Input::Paste(body.clone())]);
        // odd-sized reads cutting characters and the markers anywhere
        for size in [1, 2, 3, 5, 7, 1000] {
            let mut d = Decoder::new();
            let mut out = Vec::new();
            for chunk in bytes[..20_000.min(bytes.len())].chunks(size) {
                d.feed(chunk, &mut out);
            }
            d.feed(&bytes[20_000..], &mut out);
            assert_eq!(out, vec![Input::Paste(body.clone())], "size {size}");
        }
    }

    #[test]
    fn a_huge_paste_is_capped_but_read_to_its_end() {
        let body = "đ".repeat(PASTE_MAX); // 2 MiB
        let bytes = [&b"\x1b[200~"[..], body.as_bytes(), b"\x1b[201~q"].concat();
        let mut d = Decoder::new();
        let mut out = Vec::new();
        for chunk in bytes.chunks(65536) {
            d.feed(chunk, &mut out);
        }
        assert_eq!(out.len(), 2);
        let Input::Paste(p) = &out[0] else {
            panic!("{:?}", out[0])
        };
        assert_eq!(p.len(), PASTE_MAX);
        assert!(p.chars().all(|c| c == 'đ'));
        assert_eq!(out[1], ch('q'));
        // a cap in the middle of a character leaves it out
        let body = format!("a{}", "đ".repeat(PASTE_MAX));
        let bytes = [&b"\x1b[200~"[..], body.as_bytes(), b"\x1b[201~"].concat();
        let mut out = Vec::new();
        Decoder::new().feed(&bytes, &mut out);
        let Input::Paste(p) = &out[0] else { panic!() };
        assert_eq!(p.len(), PASTE_MAX - 1);
        assert!(!p.contains('\u{fffd}'));
    }

    #[test]
    fn a_paste_without_its_end_marker() {
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(b"\x1b[200~abc\xc3\xa1\x1b[20", &mut out);
        assert_eq!(out, vec![]);
        // the paste waits longer than a key sequence
        assert_eq!(d.pending(), Some(Pending::Paste));
        assert!(PASTE_TIMEOUT > ESC_TIMEOUT);
        // the terminal hangs up: nothing more comes; the quiet input ends the paste
        d.timeout(&mut out);
        assert_eq!(out, vec![Input::Paste("abcá".into())]);
        assert_eq!(d.pending(), None);
        d.feed(b"q", &mut out);
        assert_eq!(out[1], ch('q'));
        // a paste cut inside a character
        let mut d = Decoder::new();
        let mut out = Vec::new();
        d.feed(b"\x1b[200~x\xe1\xbb", &mut out);
        d.timeout(&mut out);
        assert_eq!(out, vec![Input::Paste("x".into())]);
    }

    #[test]
    fn invalid_utf8_in_a_paste_is_replaced_not_fatal() {
        assert_eq!(
            decode(b"\x1b[200~a\xffb\xc3(\x1b[201~"),
            vec![Input::Paste("a\u{fffd}b\u{fffd}(".into())]
        );
    }
}
