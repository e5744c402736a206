use super::*;
use crate::model::{Comparison, Kind, TargetOrigin, TargetValue};

const MINI: &str = r#"
id = "mini"
name = "Bộ mini"
name_en = "Mini"
regions = ["TDMNPB", "DBSH"]

[[groups]]
code = "I"
name = "Nhóm I"
name_en = "Group I"

[[criteria]]
code = "1"
group = "I"
name = "Điện"
name_en = "Electricity"

[[indicators]]
code = "1.1"
criterion = "1"
name = "Hệ thống điện đạt chuẩn"
name_en = "Grid up to standard"
kind = "bool"
comparison = "="
targets = { national = true }
sources = { national = "test" }

[[indicators]]
code = "1.2"
criterion = "1"
name = "Tỷ lệ hộ dùng điện"
name_en = "Households with power"
kind = "ratio"
unit = "hộ"
comparison = ">="
targets = { TDMNPB = 95.0, national = 98.0 }
unconfirmed = ["DBSH"]
sources = { TDMNPB = "test", national = "test" }
"#;

fn mini() -> Framework {
    parse_framework("mini.toml", MINI).unwrap()
}

#[test]
fn parses_a_valid_file() {
    let f = mini();
    assert_eq!(f.id, "mini");
    assert_eq!(f.criteria.len(), 1);
    assert_eq!(f.criteria[0].indicators, vec![0, 1]);
    assert_eq!(f.indicators[1].kind, Kind::Ratio);
    assert_eq!(f.indicators[1].comparison, Comparison::Ge);
    assert_eq!(f.indicators[0].targets["national"], TargetValue::Pass(true));
}

#[test]
fn target_resolution_order() {
    let f = mini();
    let ov = Override {
        framework: "mini".into(),
        province: "24".into(),
        decision: "07/2017/QĐ-UBND".into(),
        issuer: None,
        targets: vec![OverrideTarget {
            indicator: "1.2".into(),
            value: TargetValue::Number(99.0),
            comparison: None,
            note: None,
        }],
        source_text: String::new(),
    };
    let ovs = [ov];
    // province override wins
    let t = f.target(1, Some("TDMNPB"), Some("24"), &ovs).unwrap();
    assert_eq!(t.value, TargetValue::Number(99.0));
    assert_eq!(t.origin, TargetOrigin::Province("07/2017/QĐ-UBND".into()));
    // then the region
    let t = f.target(1, Some("TDMNPB"), Some("01"), &ovs).unwrap();
    assert_eq!(t.value, TargetValue::Number(95.0));
    assert_eq!(t.origin, TargetOrigin::Region("TDMNPB".into()));
    // an unconfirmed region gets no target instead of the national one
    assert!(f.target(1, Some("DBSH"), None, &ovs).is_none());
    // no region: national
    let t = f.target(1, None, None, &ovs).unwrap();
    assert_eq!(t.origin, TargetOrigin::National);
    assert_eq!(t.value, TargetValue::Number(98.0));
}

fn broken(from: &str, to: &str) -> FrameworkError {
    let text = MINI.replacen(from, to, 1);
    assert_ne!(text, MINI, "the replacement must change the file");
    parse_framework("bad.toml", &text).unwrap_err()
}

#[test]
fn rejects_unknown_kind_with_line() {
    let e = broken("kind = \"ratio\"", "kind = \"percent\"");
    assert_eq!(e.file, "bad.toml");
    assert_eq!(e.line, 33);
    assert!(e.reason.contains("unknown kind \"percent\""), "{e}");
}

#[test]
fn rejects_duplicate_code() {
    let e = broken("code = \"1.2\"", "code = \"1.1\"");
    assert!(e.reason.contains("duplicate indicator code 1.1"), "{e}");
    assert_eq!(e.line, 29);
}

#[test]
fn rejects_indicator_of_missing_criterion() {
    let e = broken(
        "criterion = \"1\"\nname = \"Tỷ lệ",
        "criterion = \"7\"\nname = \"Tỷ lệ",
    );
    assert!(
        e.reason.contains("criterion 7, which is not defined"),
        "{e}"
    );
}

#[test]
fn rejects_target_for_unknown_region_and_wrong_type() {
    let e = broken("TDMNPB = 95.0", "XYZ = 95.0");
    assert!(e.reason.contains("unknown region XYZ"), "{e}");
    let e = broken(
        "targets = { national = true }",
        "targets = { national = 5.0 }",
    );
    assert!(e.reason.contains("true/false target"), "{e}");
}

#[test]
fn rejects_unknown_field_and_bad_syntax() {
    let e = broken("name_en = \"Mini\"", "name_en = \"Mini\"\ncolour = \"red\"");
    assert!(e.reason.contains("unknown field"), "{e}");
    assert_eq!(e.line, 5);
    let e = broken("[[groups]]", "[[groups]");
    assert_eq!(e.line, 7);
}

#[test]
fn override_on_missing_indicator_is_rejected() {
    let mut reg = Registry::default();
    reg.put_framework(mini());
    let text = "framework = \"mini\"\nprovince = \"24\"\ndecision = \"x\"\n\n[[targets]]\nindicator = \"9.9\"\nvalue = 1.0\n";
    let e = parse_override("ov.toml", text, &reg).unwrap_err();
    assert_eq!(e.line, 6);
    assert!(e.reason.contains("9.9"), "{e}");
    let ok = "framework = \"mini\"\nprovince = \"24\"\ndecision = \"x\"\n\n[[targets]]\nindicator = \"1.2\"\nvalue = 99\n";
    let o = parse_override("ov.toml", ok, &reg).unwrap();
    assert_eq!(o.targets[0].value, TargetValue::Number(99.0));
}

#[test]
fn builtin_frameworks_are_complete() {
    let reg = Registry::builtin();
    let f = reg.get("qd1980-2016").expect("qd1980-2016 is built in");
    assert_eq!(f.criteria.len(), 19);
    assert_eq!(f.groups.len(), 5);
    assert_eq!(f.indicators.len(), 51);
    for code in ["3.1a", "3.1b", "17.1a", "17.1b", "5", "10", "19.2"] {
        assert!(f.indicator(code).is_some(), "missing {code}");
    }
    // every target is traced to a source
    for i in &f.indicators {
        for k in i.targets.keys() {
            assert!(
                i.sources.contains_key(k),
                "{} target {k} has no source",
                i.code
            );
        }
    }
    // Bắc Giang (TDMNPB) gets a target for 17.6 from the report's appendix
    let (i, _) = f.indicator("17.6").unwrap();
    let t = f
        .target(i, Some("TDMNPB"), Some("24"), &reg.overrides)
        .unwrap();
    assert_eq!(t.value, TargetValue::Number(70.0));
}
