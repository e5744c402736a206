//! How a file writes its numbers, and what an ambiguous figure may mean.
//!
//! `16.003` is sixteen thousand and three the Vietnamese way and sixteen and three thousandths
//! the machine way. Reading it wrongly changes a figure a thousandfold and no later check can
//! see it (the stated percentage of `16.003/16.209` is as plausible as that of `16003/16209`).
//! So a file's writing is decided from its unambiguous figures (`99,8` or `1.234.567` are
//! Vietnamese; `99.85` or `0.5` are machine writing), a file that mixes both is refused, and a
//! figure whose reading stays open is refused or, for a measure, read the machine way and
//! listed in a warning.

use crate::text::excerpt;

/// Put by the workbook reader before a cell Excel holds as a number: it is a machine number
/// whatever the file's writing (a typed 15.848 is never 15848). Removed by `Row::get`.
pub const TYPED: char = '\u{E000}';

/// The text without the workbook's typed-number mark.
pub fn untyped(s: &str) -> &str {
    s.strip_prefix(TYPED).unwrap_or(s)
}

/// A way of writing numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Writing {
    /// `.` decimal point, no thousands separator (FORMAT.md §1).
    Machine,
    /// `.` groups thousands, `,` is the decimal comma (`16.209`, `99,8`).
    Vietnamese,
}

/// What one figure's text says about its writing: `None` when it fits both (`16209`, `15.848`)
/// or is not a number at all.
pub fn writing_of(s: &str) -> Option<Writing> {
    let s = s.trim();
    let body = s.strip_prefix(['-', '+']).unwrap_or(s);
    if body.is_empty()
        || !body
            .bytes()
            .all(|b| b.is_ascii_digit() || b == b'.' || b == b',')
        || !body.bytes().any(|b| b.is_ascii_digit())
    {
        return None;
    }
    if body.contains(',') {
        return Some(Writing::Vietnamese);
    }
    match body.matches('.').count() {
        0 => None,
        1 if is_grouped(body) => None,
        1 => Some(Writing::Machine),
        // two dots are never a machine number; as thousands groups they must be well formed
        _ if is_grouped(body) => Some(Writing::Vietnamese),
        _ => None,
    }
}

/// `16.209`, `1.234.567`: digits in thousands groups (a first group of 1–3 digits not
/// starting with 0, then groups of exactly 3).
fn is_grouped(body: &str) -> bool {
    let mut parts = body.split('.');
    let first = parts.next().unwrap_or("");
    let first_ok = (1..=3).contains(&first.len())
        && !first.starts_with('0')
        && first.bytes().all(|b| b.is_ascii_digit());
    let mut n = 0;
    let rest_ok = parts.all(|p| {
        n += 1;
        p.len() == 3 && p.bytes().all(|b| b.is_ascii_digit())
    });
    first_ok && rest_ok && n > 0
}

/// Could this text be read both ways? `15.848` (15.848 or 15848), `1.000` (1 or 1000).
pub fn is_ambiguous(s: &str) -> bool {
    let s = s.trim();
    let body = s.strip_prefix('-').unwrap_or(s);
    body.matches('.').count() == 1 && is_grouped(body)
}

/// The reading of an ambiguous text with its dot as thousands separator (`15.848` → 15848).
fn grouped_reading(s: &str) -> String {
    s.trim().replace('.', "")
}

/// Where a file showed a writing: line, column and the text.
#[derive(Clone, Debug, PartialEq)]
pub struct Seen {
    pub line: u64,
    pub column: String,
    pub text: String,
}

/// The first unambiguous figure of each writing in a file.
#[derive(Clone, Debug, Default)]
pub struct Evidence {
    pub machine: Option<Seen>,
    pub vietnamese: Option<Seen>,
}

/// How the figures of one file are read.
#[derive(Clone, Debug, Default, PartialEq)]
pub enum Style {
    /// Machine writing: by the flag's absence, or shown by the file (the figure that shows it).
    #[default]
    Undecided,
    Machine(Seen),
    Vietnamese,
}

impl Evidence {
    /// Look at one cell of a number column (typed workbook numbers say nothing about writing).
    pub fn observe(&mut self, line: u64, column: &str, text: &str) {
        if text.starts_with(TYPED) {
            return;
        }
        let slot = match writing_of(text) {
            Some(Writing::Machine) => &mut self.machine,
            Some(Writing::Vietnamese) => &mut self.vietnamese,
            None => return,
        };
        if slot.is_none() {
            *slot = Some(Seen {
                line,
                column: column.to_string(),
                text: excerpt(text),
            });
        }
    }

    /// The file's style, given `--locale vi` or not; a file that writes numbers both ways, or
    /// the machine way under `--locale vi`, is refused: (line, column, reason).
    pub fn decide(&self, locale_vi: bool) -> Result<Style, (u64, String, String)> {
        match (&self.machine, &self.vietnamese) {
            (Some(m), Some(v)) => {
                let (first, second) = if m.line <= v.line { (m, v) } else { (v, m) };
                Err((
                    second.line,
                    second.column.clone(),
                    format!(
                        "the file writes numbers two ways: {} on line {} ({}) is {}, {} here is {}; one file must use one writing (a misread figure would be a thousand times off)",
                        first.text,
                        first.line,
                        first.column,
                        describe(writing_of(&first.text)),
                        second.text,
                        describe(writing_of(&second.text)),
                    ),
                ))
            }
            (Some(m), None) if locale_vi => Err((
                m.line,
                m.column.clone(),
                format!(
                    "--locale vi was given, but this file writes numbers the machine way ({} has a decimal point, which Vietnamese writing never has); import it without --locale vi",
                    m.text
                ),
            )),
            (Some(m), None) => Ok(Style::Machine(m.clone())),
            (None, _) if locale_vi => Ok(Style::Vietnamese),
            (None, _) => Ok(Style::Undecided),
        }
    }
}

fn describe(w: Option<Writing>) -> &'static str {
    match w {
        Some(Writing::Vietnamese) => "Vietnamese writing (dot groups thousands, comma decimal)",
        _ => "machine writing (dot decimal)",
    }
}

/// What an ambiguous figure does in a file that is not read the Vietnamese way.
#[derive(Clone, Debug, PartialEq)]
pub enum Ambiguity {
    /// Read the machine way, and say so.
    Warn(String),
    /// Refused: the reason, with both readings.
    Refuse(String),
}

/// Decide an ambiguous text (`is_ambiguous`) outside Vietnamese reading. `count` when the
/// indicator counts whole things (named by `unit`); `style` tells whether the file has shown
/// machine writing elsewhere (then a measure is read the machine way without a warning).
pub fn ambiguity(text: &str, count: bool, unit: &str, style: &Style) -> Option<Ambiguity> {
    if !is_ambiguous(text) {
        return None;
    }
    let t = excerpt(text.trim());
    let g = grouped_reading(text);
    let x: f64 = text.trim().parse().ok()?;
    let in_unit = if unit.is_empty() {
        String::new()
    } else {
        format!(" {}", excerpt(unit))
    };
    if count {
        return Some(Ambiguity::Refuse(if x.fract() == 0.0 {
            // `1.000`: a whole number either way
            format!(
                "{t} may be {} or {g}{in_unit} (a dot groups thousands in Vietnamese writing); write {} or {g}",
                crate::text::fmt_plain(x),
                crate::text::fmt_plain(x)
            )
        } else {
            format!(
                "{t} is not a whole number, and this indicator counts{in_unit}: it probably means {g} written the Vietnamese way (the dot grouping thousands); write {g}, or pass --locale vi if the whole file writes numbers that way"
            )
        }));
    }
    match style {
        Style::Machine(_) | Style::Vietnamese => None,
        Style::Undecided => Some(Ambiguity::Warn(format!(
            "{t} read as {}{in_unit}; if the dot groups thousands it is {g}: then write {g}, or pass --locale vi",
            crate::text::fmt_plain(x)
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn writing_is_told_by_unambiguous_figures_only() {
        assert_eq!(writing_of("99,8"), Some(Writing::Vietnamese));
        assert_eq!(writing_of("1.234.567"), Some(Writing::Vietnamese));
        assert_eq!(writing_of("1.234,5"), Some(Writing::Vietnamese));
        assert_eq!(writing_of("99.85"), Some(Writing::Machine));
        assert_eq!(writing_of("28.87"), Some(Writing::Machine));
        assert_eq!(writing_of("0.500"), Some(Writing::Machine));
        assert_eq!(writing_of("1234.567"), Some(Writing::Machine));
        assert_eq!(writing_of("15.848"), None);
        assert_eq!(writing_of("16209"), None);
        assert_eq!(writing_of("dat"), None);
        assert_eq!(writing_of("2020"), None);
        assert!(is_ambiguous("16.003"));
        assert!(is_ambiguous("1.000"));
        assert!(!is_ambiguous("1.000.000"));
        assert!(!is_ambiguous("99.8"));
    }

    #[test]
    fn a_file_mixing_both_writings_is_refused() {
        let mut e = Evidence::default();
        e.observe(3, "numerator", "16.209");
        e.observe(5, "stated_percent", "99,8");
        e.observe(9, "numerator", "28.87");
        let (line, col, why) = e.decide(false).unwrap_err();
        assert_eq!((line, col.as_str()), (9, "numerator"));
        assert!(why.contains("99,8 on line 5"), "{why}");
        // only machine figures, but --locale vi: refused, never multiplied by a thousand
        let mut m = Evidence::default();
        m.observe(4, "numerator", "63.036");
        m.observe(7, "numerator", "28.87");
        assert!(m.decide(false).is_ok());
        let (line, _, why) = m.decide(true).unwrap_err();
        assert_eq!(line, 7);
        assert!(why.contains("without --locale vi"), "{why}");
        // typed workbook numbers are not evidence
        let mut t = Evidence::default();
        t.observe(2, "numerator", &format!("{TYPED}28.87"));
        assert_eq!(t.decide(true).unwrap(), Style::Vietnamese);
    }

    #[test]
    fn ambiguous_counts_are_refused_with_the_probable_reading() {
        let Some(Ambiguity::Refuse(r)) = ambiguity("16.003", true, "hộ", &Style::Undecided)
        else {
            panic!()
        };
        assert!(r.contains("probably means 16003"), "{r}");
        assert!(r.contains("--locale vi"), "{r}");
        let Some(Ambiguity::Refuse(r)) = ambiguity("1.000", true, "thôn", &Style::Undecided)
        else {
            panic!()
        };
        assert!(r.contains("may be 1 or 1000 thôn"), "{r}");
        // a measure is read the machine way with a warning, silently when the file says so
        let Some(Ambiguity::Warn(w)) = ambiguity("15.848", false, "km", &Style::Undecided) else {
            panic!()
        };
        assert!(
            w.contains("read as 15.848 km") && w.contains("15848"),
            "{w}"
        );
        let seen = Seen {
            line: 2,
            column: "numerator".into(),
            text: "28.87".into(),
        };
        assert_eq!(
            ambiguity("15.848", false, "km", &Style::Machine(seen)),
            None
        );
        assert_eq!(ambiguity("16003", true, "hộ", &Style::Undecided), None);
    }
}
