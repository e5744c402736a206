//! Levels that change by year, and figures of years outside a set's period.

use std::collections::BTreeMap;

use super::*;
use crate::eval::findings::{UnitData, find};
use crate::eval::{FindingKind, Status, indicator_status};
use crate::model::{Observation, Units, Value};

const SET: &str = r#"
id = "y"
name = "Bộ có mức theo năm"
name_en = "Set with yearly levels"
period = [2016, 2020]
regions = ["TDMNPB", "DBSH"]

[[groups]]
code = "I"
name = "Nhóm I"
name_en = "Group I"

[[criteria]]
code = "10"
group = "I"
name = "Thu nhập"
name_en = "Income"

[[indicators]]
code = "10"
criterion = "10"
name = "Thu nhập bình quân đầu người"
name_en = "Income per person"
kind = "number"
unit = "triệu đồng/người/năm"
comparison = ">="
targets = { TDMNPB = 36.0, national = 45.0 }
sources = { TDMNPB = "mức năm 2020", national = "mức năm 2020" }
yearly_unsourced = [2016, 2017, 2019]

[[indicators.yearly]]
year = 2018
targets = { TDMNPB = 32.0 }
sources = { TDMNPB = "công văn hướng dẫn 2018 (thử)" }
"#;

fn income(year: u16, x: f64) -> Observation {
    Observation {
        unit_code: "c1".into(),
        framework: "y".into(),
        indicator: "10".into(),
        year,
        value: Some(Value::Number(x)),
        numerator: None,
        denominator: None,
        stated_percent: None,
        units_met: None,
        units_total: None,
        source: None,
        note: None,
    }
}

fn findings(f: &Framework, rows: &[Observation], year: u16) -> Vec<crate::eval::Finding> {
    let t = vec![f.target(0, Some("TDMNPB"), None, &[])];
    let mut years: BTreeMap<u16, Vec<Option<&Observation>>> = BTreeMap::new();
    for o in rows {
        years.insert(o.year, vec![Some(o)]);
    }
    let u = UnitData {
        code: "c1",
        targets: &t,
        years: &years,
        recognitions: &[],
    };
    find(f, &u, year, None, &crate::eval::Options::default())
}

#[test]
fn a_year_with_its_own_level_is_judged_against_it_and_says_so() {
    let f = parse_framework("y.toml", SET).unwrap();
    let t = f.target(0, Some("TDMNPB"), None, &[]).unwrap();
    // 33 million meets the 2018 level (32) but not the set's 2020 level (36)
    assert_eq!(
        indicator_status(Some(&income(2018, 33.0)), Some(&t)),
        Status::Met
    );
    assert_eq!(
        indicator_status(Some(&income(2020, 33.0)), Some(&t)),
        Status::NotMet
    );
    let fs = findings(&f, &[income(2018, 31.0)], 2018);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(
        fs[0].message,
        "31 misses target >= 32 (region TDMNPB; the 2018 level)"
    );
    assert_eq!(
        fs[0].message_vi,
        "31 chưa đạt chỉ tiêu ≥ 32 (vùng TDMNPB; mức riêng năm 2018)"
    );
    // a region without a level for 2018 keeps the set's level
    let d = f.target(0, Some("DBSH"), None, &[]).unwrap();
    assert_eq!(d.in_year(2018).value, TargetValue::Number(45.0));
}

#[test]
fn a_year_whose_own_level_has_no_source_says_which_level_judged_it() {
    let f = parse_framework("y.toml", SET).unwrap();
    let fs = findings(&f, &[income(2017, 30.0)], 2017);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(
        fs[0].message,
        "30 misses target >= 36 (region TDMNPB; the set's 2020 level (its own 2017 level has no source))"
    );
    assert!(
        fs[0]
            .message_vi
            .contains("mức năm 2020 của bộ tiêu chí (mức riêng năm 2017 chưa có nguồn)")
    );
}

#[test]
fn a_year_outside_the_period_is_judged_with_a_warning() {
    let f = parse_framework("y.toml", SET).unwrap();
    let fs = findings(&f, &[income(2021, 50.0)], 2021);
    assert_eq!(fs.len(), 1, "{fs:#?}");
    assert_eq!(fs[0].kind, FindingKind::OutsidePeriod);
    assert_eq!(
        fs[0].message,
        "2021 is outside the period of y (2016–2020); its figures are judged against that set's levels"
    );
    assert!(findings(&f, &[income(2020, 50.0)], 2020).is_empty());
}

#[test]
fn the_built_in_1980_set_marks_2016_2019_income_levels_as_unsourced() {
    let reg = Registry::builtin();
    let f = reg.get("qd1980-2016").unwrap();
    let (i, _) = f.indicator("10").unwrap();
    let mut units = Units::default();
    for (code, parent, region) in [("p", None, Some("DBSH")), ("c", Some("p"), None)] {
        units.insert(crate::model::Unit {
            code: code.into(),
            name: code.into(),
            level: if parent.is_none() {
                crate::model::Level::Province
            } else {
                crate::model::Level::Commune
            },
            parent_code: parent.map(String::from),
            region: region.map(String::from),
            valid_from: None,
            valid_to: None,
            successor_code: None,
            commune_group: None,
        });
    }
    let t = crate::eval::targets_for(f, &units, "c", &reg.overrides)[i]
        .clone()
        .unwrap();
    let t18 = t.in_year(2018);
    assert_eq!(t18.value, TargetValue::Number(50.0));
    let note = crate::eval::findings::level_note(&t18, false).unwrap();
    assert_eq!(
        note,
        "the set's 2020 level (its own 2018 level has no source)"
    );
    assert_eq!(
        crate::eval::findings::level_note(&t.in_year(2020), false),
        None
    );
}

#[test]
fn yearly_levels_are_checked_with_the_line() {
    let outside = SET.replace("year = 2018", "year = 2022");
    let e = parse_framework("y.toml", &outside).unwrap_err();
    assert!(
        e.to_string()
            .contains("yearly level for 2022, outside the set's period"),
        "{e}"
    );
    let unsourced = SET.replace(
        "sources = { TDMNPB = \"công văn hướng dẫn 2018 (thử)\" }",
        "sources = {}",
    );
    let e = parse_framework("y.toml", &unsourced).unwrap_err();
    assert!(e.to_string().contains("names no source"), "{e}");
    assert!(e.to_string().starts_with("y.toml:"), "{e}");
    let twice = SET.replace(
        "yearly_unsourced = [2016, 2017, 2019]",
        "yearly_unsourced = [2018]",
    );
    let e = parse_framework("y.toml", &twice).unwrap_err();
    assert!(e.to_string().contains("has a level"), "{e}");
}
