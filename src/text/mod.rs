//! Text helpers shared by import, evaluation and display: Vietnamese folding for search,
//! number parsing and formatting in both writing styles, and control-character sanitising.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// NFC-normalise text (all stored text is NFC so that equality, sorting and keys are stable).
/// `a == b` for the short codes looked up millions of times in an import (column names,
/// indicator codes): a byte loop the compiler inlines, where `==` calls memcmp.
#[inline]
pub fn same(a: &str, b: &str) -> bool {
    a.len() == b.len() && a.bytes().zip(b.bytes()).all(|(x, y)| x == y)
}

pub fn nfc(s: &str) -> String {
    s.nfc().collect()
}

/// Fold for diacritic- and case-insensitive matching: "Dĩnh Trì" → "dinh tri", "Đ" → "d".
/// `đ` does not decompose in Unicode, so it is mapped by hand.
pub fn fold(s: &str) -> String {
    s.nfd()
        .filter(|c| !is_combining_mark(*c))
        .map(|c| if c == 'đ' || c == 'Đ' { 'd' } else { c })
        .flat_map(char::to_lowercase)
        .collect()
}

/// True when every whitespace-separated word of `query` occurs in `text`, both folded.
pub fn matches(query: &str, text: &str) -> bool {
    let t = fold(text);
    fold(query).split_whitespace().all(|w| t.contains(w))
}

/// Replace characters that must never reach a terminal raw: C0/C1 controls (ESC, BEL, CR ...),
/// bidi overrides and zero-width characters. Tabs and newlines become spaces.
pub fn sanitize(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\t' | '\n' | '\r' => out.push(' '),
            c if c.is_control() => out.push('\u{FFFD}'),
            // bidi embeddings/overrides/isolates and zero-width characters
            '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{2069}'
            | '\u{FEFF}' => out.push('\u{FFFD}'),
            c => out.push(c),
        }
    }
    out
}

/// `sanitize` each line, keeping the line breaks (for multi-line text output).
pub fn sanitize_lines(s: &str) -> String {
    s.split('\n').map(sanitize).collect::<Vec<_>>().join("\n")
}

/// How many characters of a value from a file an error message repeats.
pub const EXCERPT_CHARS: usize = 40;

/// How many characters of a parser's whole message (which may quote the file) are shown:
/// room for a list of every known name, not for a quoted 100 MB line.
pub const MESSAGE_CHARS: usize = 1000;

/// A value from a file as an error message repeats it: sanitised, and cut to
/// `EXCERPT_CHARS` characters with `…` (a 100 MB header word must not be echoed whole).
pub fn excerpt(s: &str) -> String {
    excerpt_n(s, EXCERPT_CHARS)
}

/// `excerpt` with room for `n` characters (a whole message from a parser, say).
pub fn excerpt_n(s: &str, n: usize) -> String {
    let mut it = s.chars();
    let head: String = it.by_ref().take(n).collect();
    let mut out = sanitize(&head);
    if it.next().is_some() {
        out.push('…');
    }
    out
}

/// The style numbers are written in: Vietnamese (`16.209`, `99,8`) or English (`16,209`, `99.8`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum NumStyle {
    #[default]
    Vi,
    En,
}

/// Parse a number written the machine way: `.` decimal point, no thousands separator.
/// Rejects NaN, infinities and anything with spaces or separators inside.
pub fn parse_plain(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.is_empty() || s.len() > 64 {
        return None;
    }
    if !s
        .chars()
        .all(|c| c.is_ascii_digit() || matches!(c, '.' | '-' | '+' | 'e' | 'E'))
    {
        return None;
    }
    let v: f64 = s.parse().ok()?;
    v.is_finite().then_some(v)
}

/// Parse a number written the Vietnamese way: `.` groups thousands, `,` is the decimal
/// comma (`16.209` = 16209, `99,8` = 99.8). A plain machine number is also accepted when it
/// cannot be read as Vietnamese (e.g. `99.85`).
pub fn parse_vi(s: &str) -> Option<f64> {
    let s = s.trim();
    if s.contains(',') {
        let (int, frac) = s.split_once(',')?;
        if frac.contains(',') || frac.contains('.') {
            return None;
        }
        let int = strip_groups(int)?;
        return parse_plain(&format!("{int}.{frac}"));
    }
    if s.contains('.')
        && let Some(int) = strip_groups(s)
    {
        return parse_plain(&int);
    }
    parse_plain(s)
}

/// `16.209.000` → `16209000`; None when the dots are not valid thousands groups.
fn strip_groups(s: &str) -> Option<String> {
    let (sign, body) = match s.strip_prefix('-') {
        Some(b) => ("-", b),
        None => ("", s),
    };
    let parts: Vec<&str> = body.split('.').collect();
    if parts.len() == 1 {
        return Some(s.to_string());
    }
    let first_ok = !parts[0].is_empty() && parts[0].len() <= 3;
    let rest_ok = parts[1..].iter().all(|p| p.len() == 3);
    let digits = parts.iter().all(|p| p.chars().all(|c| c.is_ascii_digit()));
    (first_ok && rest_ok && digits).then(|| format!("{sign}{}", parts.concat()))
}

/// Format a number with at most `decimals` decimals (trailing zeros trimmed) and grouped
/// thousands in the given style.
pub fn fmt_num(v: f64, decimals: usize, style: NumStyle) -> String {
    let s = format!("{:.*}", decimals, v.abs());
    let (int, frac) = match s.split_once('.') {
        Some((i, f)) => (i.to_string(), f.trim_end_matches('0').to_string()),
        None => (s.clone(), String::new()),
    };
    let (group, dec) = match style {
        NumStyle::Vi => ('.', ','),
        NumStyle::En => (',', '.'),
    };
    let mut grouped = String::new();
    for (i, c) in int.chars().enumerate() {
        if i > 0 && (int.len() - i) % 3 == 0 {
            grouped.push(group);
        }
        grouped.push(c);
    }
    let neg = v < 0.0 && (int != "0" || !frac.is_empty());
    let mut out = String::new();
    if neg {
        out.push('-');
    }
    out.push_str(&grouped);
    if !frac.is_empty() {
        out.push(dec);
        out.push_str(&frac);
    }
    out
}

/// A percentage with one decimal: `99,8%` (vi) or `99.8%` (en).
pub fn fmt_pct(v: f64, style: NumStyle) -> String {
    format!("{}%", fmt_num(v, 1, style))
}

/// Shortest round-trip text of a number for machine output (CSV/JSON): `15.848`, `16209`.
pub fn fmt_plain(v: f64) -> String {
    if v == v.trunc() && v.abs() < 1e15 {
        format!("{}", v as i64)
    } else {
        format!("{v}")
    }
}

/// Display width of a string in terminal cells.
pub fn width(s: &str) -> usize {
    unicode_width::UnicodeWidthStr::width(s)
}

/// Truncate to at most `w` cells, ending with `…` when cut.
pub fn truncate(s: &str, w: usize) -> String {
    if width(s) <= w {
        return s.to_string();
    }
    if w == 0 {
        return String::new();
    }
    let mut out = String::new();
    let mut used = 0;
    for c in s.chars() {
        let cw = unicode_width::UnicodeWidthChar::width(c).unwrap_or(0);
        if used + cw > w - 1 {
            break;
        }
        used += cw;
        out.push(c);
    }
    out.push('…');
    out
}

/// Pad with spaces on the right to exactly `w` cells (truncating when longer).
pub fn pad(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let n = w.saturating_sub(width(&t));
    format!("{t}{}", " ".repeat(n))
}

/// Pad with spaces on the left to exactly `w` cells (truncating when longer).
pub fn pad_left(s: &str, w: usize) -> String {
    let t = truncate(s, w);
    let n = w.saturating_sub(width(&t));
    format!("{}{t}", " ".repeat(n))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folding_finds_vietnamese_names() {
        assert_eq!(fold("Dĩnh Trì"), "dinh tri");
        assert_eq!(fold("ĐỒNG SƠN"), "dong son");
        assert!(matches("dinh tri", "Xã Dĩnh Trì"));
        assert!(matches("DINH TRI", "Dĩnh Trì"));
        assert!(matches("đồng", "Đồng Sơn"));
        assert!(!matches("dinh ke", "Dĩnh Trì"));
        // NFD input folds the same as NFC
        let nfd: String = "Dĩnh Trì".nfd().collect();
        assert_eq!(fold(&nfd), "dinh tri");
    }

    #[test]
    fn vietnamese_numbers() {
        assert_eq!(parse_vi("16.209"), Some(16209.0));
        assert_eq!(parse_vi("99,8"), Some(99.8));
        assert_eq!(parse_vi("1.234.567,5"), Some(1234567.5));
        assert_eq!(parse_vi("15,848"), Some(15.848));
        assert_eq!(parse_vi("99.85"), Some(99.85));
        assert_eq!(parse_vi("1,2,3"), None);
        assert_eq!(parse_vi("abc"), None);
    }

    #[test]
    fn plain_numbers_reject_garbage() {
        assert_eq!(parse_plain("15.848"), Some(15.848));
        assert_eq!(parse_plain("-3"), Some(-3.0));
        assert_eq!(parse_plain("NaN"), None);
        assert_eq!(parse_plain("inf"), None);
        assert_eq!(parse_plain("1e999"), None);
        assert_eq!(parse_plain("16,209"), None);
        assert_eq!(parse_plain(""), None);
    }

    #[test]
    fn formatting_in_both_styles() {
        assert_eq!(fmt_num(16209.0, 0, NumStyle::Vi), "16.209");
        assert_eq!(fmt_num(16209.0, 0, NumStyle::En), "16,209");
        assert_eq!(fmt_pct(99.8, NumStyle::Vi), "99,8%");
        assert_eq!(fmt_pct(99.8, NumStyle::En), "99.8%");
        assert_eq!(fmt_pct(100.0, NumStyle::Vi), "100%");
        assert_eq!(fmt_num(-1234.5, 1, NumStyle::Vi), "-1.234,5");
        assert_eq!(fmt_plain(16209.0), "16209");
        assert_eq!(fmt_plain(15.848), "15.848");
    }

    #[test]
    fn sanitize_removes_terminal_controls() {
        let s = sanitize("A\u{1b}[31mB\u{7}C\rD\u{202E}E\u{200B}F");
        assert!(!s.chars().any(|c| c.is_control()));
        assert!(!s.contains('\u{202E}') && !s.contains('\u{200B}'));
        assert!(s.starts_with('A') && s.ends_with('F'));
        assert_eq!(sanitize("Dĩnh Trì"), "Dĩnh Trì");
    }

    #[test]
    fn sanitized_lines_keep_their_breaks() {
        assert_eq!(sanitize_lines("a\u{1b}[2J\nb\r\n"), "a\u{FFFD}[2J\nb \n");
    }

    #[test]
    fn excerpts_are_short_and_clean() {
        let long = "x".repeat(1000);
        let e = excerpt(&long);
        assert_eq!(e.chars().count(), EXCERPT_CHARS + 1);
        assert!(e.ends_with('…'));
        assert_eq!(excerpt("qd\u{1b}]0;x\u{7}"), "qd\u{FFFD}]0;x\u{FFFD}");
        assert_eq!(excerpt("Dĩnh Trì"), "Dĩnh Trì");
    }

    #[test]
    fn width_aware_padding() {
        assert_eq!(width(&pad("Dĩnh Trì", 10)), 10);
        assert_eq!(truncate("Thừa Thiên Huế", 6), "Thừa …");
        assert_eq!(pad_left("7", 3), "  7");
    }
}
