//! Property tests over hostile input: no parser may panic, hang or let a control character
//! through, whatever it is fed. Bounded for CI (PROPTEST_CASES overrides, e.g. 100000 by hand).

use std::collections::HashMap;

use proptest::prelude::*;

use ntm::framework::{Registry, parse_framework};
use ntm::io::{ReadOptions, read_bundle, validate_observation};
use ntm::model::Units;
use ntm::text::{NumStyle, fmt_num, parse_plain, parse_vi, sanitize};

fn cases() -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(512)
}

const FRAMEWORK: &str = include_str!("../fixtures/frameworks/qd1980-2016.toml");
const UNITS: &str = include_str!("../fixtures/bac-giang/units.csv");
const OBS: &str = include_str!("../fixtures/bac-giang/observations.csv");

/// Text that looks like the real thing, with some bytes replaced, inserted or cut.
fn mutated(base: &'static str) -> impl Strategy<Value = Vec<u8>> {
    (
        prop::collection::vec((any::<u16>(), any::<u8>(), 0u8..3), 0..12),
        any::<u16>(),
    )
        .prop_map(move |(edits, cut)| {
            let mut b = base.as_bytes().to_vec();
            for (pos, byte, op) in edits {
                if b.is_empty() {
                    break;
                }
                let p = pos as usize % b.len();
                match op {
                    0 => b[p] = byte,
                    1 => b.insert(p, byte),
                    _ => {
                        b.remove(p);
                    }
                }
            }
            if cut % 7 == 0 {
                let n = cut as usize % (b.len() + 1);
                b.truncate(n);
            }
            b
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(), ..ProptestConfig::default() })]

    #[test]
    fn number_parsing_never_panics(s in ".{0,40}") {
        let _ = parse_plain(&s);
        let _ = parse_vi(&s);
    }

    #[test]
    fn vietnamese_numbers_round_trip(n in -1_000_000_000i64..1_000_000_000, frac in 0u32..1000) {
        let x = n as f64 + f64::from(frac) / 1000.0 * n.signum() as f64;
        let text = fmt_num(x, 3, NumStyle::Vi);
        let back = parse_vi(&text).expect("what ntm writes, ntm reads");
        prop_assert!((back - x).abs() < 1e-6, "{text} → {back}, want {x}");
    }

    #[test]
    fn sanitized_text_has_no_controls(s in any::<String>()) {
        let out = sanitize(&s);
        prop_assert!(!out.chars().any(|c| c.is_control()));
        let bidi_or_zero_width = out.chars().any(|c| matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200B}'..='\u{200F}'));
        prop_assert!(!bidi_or_zero_width);
    }

    #[test]
    fn framework_parser_never_panics(b in mutated(FRAMEWORK)) {
        let text = String::from_utf8_lossy(&b);
        let _ = parse_framework("fuzz.toml", &text);
    }

    #[test]
    fn framework_parser_takes_any_text(s in ".{0,300}") {
        let _ = parse_framework("fuzz.toml", &s);
    }

    #[test]
    fn keymap_parser_never_panics(s in "(\\[[a-z_]{1,8}\\]\n)?([a-z_]{1,12} = (\"[a-z\\- ]{0,12}\"|\\[\"[a-z]{0,3}\"\\]|[0-9]{1,3})\n){0,6}") {
        let _ = ntm::tui::keymap::parse_layer(&s, "fuzz.toml");
    }

    #[test]
    fn bundle_reader_never_panics(units in mutated(UNITS), obs in mutated(OBS), vi in any::<bool>()) {
        let d = tempfile::tempdir().unwrap();
        std::fs::write(d.path().join("units.csv"), &units).unwrap();
        std::fs::write(d.path().join("observations.csv"), &obs).unwrap();
        let opt = ReadOptions { locale_vi: vi, ..Default::default() };
        match read_bundle(d.path(), &Registry::builtin(), &Units::default(), &opt) {
            // whatever is accepted is well-formed
            Ok(b) => prop_assert!(b.observations.iter().all(|o| (1900..=2100).contains(&o.year))),
            Err(errs) => prop_assert!(!errs.is_empty() && errs.len() <= 51),
        }
    }

    #[test]
    fn one_row_validation_never_panics(value in ".{0,12}", num in ".{0,8}", den in ".{0,8}", year in ".{0,6}") {
        let mut f = HashMap::new();
        f.insert("unit_code".to_string(), "213".to_string());
        f.insert("framework".to_string(), "qd1980-2016".to_string());
        f.insert("indicator".to_string(), "17.6".to_string());
        f.insert("year".to_string(), year);
        f.insert("value".to_string(), value);
        f.insert("numerator".to_string(), num);
        f.insert("denominator".to_string(), den);
        let mut units = Units::default();
        units.insert(ntm::model::Unit { code: "213".into(), name: "x".into(), level: ntm::model::Level::District, parent_code: None, region: None, valid_from: None, valid_to: None, successor_code: None, commune_group: None });
        let _ = validate_observation(&f, &Registry::builtin(), &units, &ReadOptions::default());
    }
}
