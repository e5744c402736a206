//! Unit codes that only look alike, and parent chains that cannot be.
//!
//! A code retyped with a capital, pasted with a zero-width space or a byte-order mark, or
//! typed with a Cyrillic `а` reads exactly like the code it imitates, and would quietly make a
//! second unit that no report adds up with the first. Such a code is refused, naming the one it
//! imitates. A parent chain that loops, or a unit under one of its own level or below, would
//! make every roll-up wrong; it is refused with the line and column.

use unicode_normalization::UnicodeNormalization;

use crate::model::{Level, Units};
use crate::text::excerpt;

/// Characters that show nothing (zero-width, byte-order mark, soft hyphen, bidi marks).
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00AD}'
            | '\u{034F}'
            | '\u{061C}'
            | '\u{115F}'
            | '\u{1160}'
            | '\u{17B4}'
            | '\u{17B5}'
            | '\u{180B}'..='\u{180E}'
            | '\u{200B}'..='\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'..='\u{206F}'
            | '\u{3164}'
            | '\u{FE00}'..='\u{FE0F}'
            | '\u{FEFF}'
            | '\u{FFA0}'
    )
}

/// Why a code may not be used as it is: it holds a character that shows nothing.
pub fn invisible_problem(code: &str) -> Option<String> {
    let c = code.chars().find(|c| invisible(*c))?;
    let seen: String = code.chars().filter(|c| !invisible(*c)).collect();
    Some(format!(
        "unit code \"{}\" contains an invisible character (U+{:04X}); it would read as {} but be another code",
        excerpt(&seen),
        c as u32,
        excerpt(&seen)
    ))
}

/// Letters of other scripts that look like Latin ones (Cyrillic, Greek).
fn latin_look(c: char) -> char {
    match c {
        'а' | 'α' => 'a',
        'в' | 'β' => 'b',
        'с' | 'ϲ' => 'c',
        'ԁ' => 'd',
        'е' | 'ε' => 'e',
        'һ' => 'h',
        'і' | 'ι' | 'ӏ' => 'i',
        'ј' => 'j',
        'к' | 'κ' => 'k',
        'м' => 'm',
        'н' | 'η' => 'h',
        'о' | 'ο' | 'σ' => 'o',
        'р' | 'ρ' => 'p',
        'ԛ' => 'q',
        'ѕ' => 's',
        'т' | 'τ' => 't',
        'υ' => 'u',
        'ν' => 'v',
        'ԝ' => 'w',
        'х' | 'χ' => 'x',
        'у' | 'γ' => 'y',
        'ζ' => 'z',
        c => c,
    }
}

/// What a code looks like: compatibility forms folded (fullwidth `２１３`), invisible
/// characters dropped, lower case, look-alike letters of other scripts as Latin. Two codes
/// with one skeleton are confusable.
pub fn skeleton(code: &str) -> String {
    code.nfkc()
        .filter(|c| !invisible(*c))
        .flat_map(char::to_lowercase)
        .map(latin_look)
        .collect()
}

/// How `a` differs from `b`, which it imitates (for the message).
pub fn how_confusable(a: &str, b: &str) -> &'static str {
    if a.chars().any(invisible) {
        "only by an invisible character"
    } else if a.to_lowercase() == b.to_lowercase() {
        "only by upper/lower case"
    } else if !a.is_ascii() {
        "only by look-alike letters of another script (Cyrillic, Greek) or full-width forms"
    } else {
        "only in how it is written"
    }
}

/// Why a unit of `level` may not have a parent of `parent` level, if it may not.
pub fn level_problem(level: Level, parent: Level) -> Option<String> {
    if level == Level::Province {
        return Some("a province is not under any unit; leave parent_code empty".into());
    }
    // a commune goes under a district or (since 2025) a province; a district under a province
    (parent >= level).then(|| {
        format!(
            "a {} cannot be under a {}; its parent must be {}",
            level.as_str(),
            parent.as_str(),
            if level == Level::Commune {
                "a district or a province"
            } else {
                "a province"
            }
        )
    })
}

/// The loop the parent chain of `code` runs into, when it has one: `a → b → a`.
pub fn parent_loop(units: &Units, code: &str) -> Option<String> {
    let mut path = vec![code.to_string()];
    let mut cur = units.get(code)?.parent_code.clone();
    while let Some(p) = cur {
        if let Some(at) = path.iter().position(|c| *c == p) {
            if at != 0 {
                // the loop does not pass through `code`: it is reported on its own units
                return None;
            }
            path.push(p);
            return Some(
                path.iter()
                    .map(|c| excerpt(c))
                    .collect::<Vec<_>>()
                    .join(" → "),
            );
        }
        path.push(p.clone());
        cur = units.get(&p).and_then(|u| u.parent_code.clone());
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn look_alikes_share_a_skeleton() {
        let real = "213-dinh-tri";
        for fake in [
            "213-DINH-TRI",
            "213-dinh-tr\u{0456}",  // Cyrillic і
            "213-dinh-tri\u{200B}", // zero-width space
            "\u{FEFF}213-dinh-tri",
            "２１３-dinh-tri",
        ] {
            assert_eq!(skeleton(fake), skeleton(real), "{fake:?}");
        }
        assert_eq!(skeleton("b\u{0430}c"), "bac");
        assert_ne!(skeleton("213-dong-son"), skeleton(real));
        assert!(invisible_problem("213\u{200B}").unwrap().contains("U+200B"));
        assert_eq!(invisible_problem("213-dinh-tri"), None);
        assert_eq!(
            how_confusable("213-dinh-tr\u{0456}", real),
            "only by look-alike letters of another script (Cyrillic, Greek) or full-width forms"
        );
        assert_eq!(
            how_confusable("213-DINH-TRI", real),
            "only by upper/lower case"
        );
    }

    #[test]
    fn levels_must_go_down() {
        assert!(level_problem(Level::Commune, Level::Commune).is_some());
        assert!(level_problem(Level::District, Level::District).is_some());
        assert!(level_problem(Level::District, Level::Commune).is_some());
        assert!(level_problem(Level::Province, Level::Province).is_some());
        assert_eq!(level_problem(Level::Commune, Level::District), None);
        assert_eq!(level_problem(Level::Commune, Level::Province), None);
        assert_eq!(level_problem(Level::District, Level::Province), None);
    }
}
