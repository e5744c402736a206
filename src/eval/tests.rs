use std::collections::BTreeMap;

use super::findings::UnitData;
use super::*;
use crate::framework::parse_framework;
use crate::model::{Comparison, Recognition, RecognitionKind, TargetOrigin, TargetValue, Value};

const FW: &str = r#"
id = "t"
name = "Thử"
name_en = "Test"
regions = ["TDMNPB"]
[[groups]]
code = "I"
name = "I"
name_en = "I"
[[criteria]]
code = "1"
group = "I"
name = "Một"
name_en = "One"
[[criteria]]
code = "2"
group = "I"
name = "Hai"
name_en = "Two"
[[indicators]]
code = "1.1"
criterion = "1"
name = "Tỷ lệ hộ"
name_en = "Households"
kind = "ratio"
comparison = ">="
targets = { national = 90.0 }
sources = { national = "t" }
[[indicators]]
code = "1.2"
criterion = "1"
name = "Hộ nghèo"
name_en = "Poverty"
kind = "ratio"
comparison = "<="
targets = { national = 6.0 }
sources = { national = "t" }
[[indicators]]
code = "2.1"
criterion = "2"
name = "Thu nhập"
name_en = "Income"
kind = "number"
comparison = ">="
targets = { national = 40.0 }
sources = { national = "t" }
[[indicators]]
code = "2.2"
criterion = "2"
name = "Có chợ"
name_en = "Market"
kind = "bool"
comparison = "="
targets = { national = true }
sources = { national = "t" }
"#;

fn fw() -> Framework {
    parse_framework("t.toml", FW).unwrap()
}

fn targets(f: &Framework) -> Vec<Option<Target>> {
    f.indicators
        .iter()
        .map(|i| {
            Some(Target {
                value: i.targets["national"],
                comparison: i.comparison,
                origin: TargetOrigin::National,
            })
        })
        .collect()
}

fn row(ind: &str, year: u16) -> Observation {
    Observation {
        unit_code: "c".into(),
        framework: "t".into(),
        indicator: ind.into(),
        year,
        value: None,
        numerator: None,
        denominator: None,
        stated_percent: None,
        units_met: None,
        units_total: None,
        source: None,
        note: None,
    }
}

fn ratio(ind: &str, year: u16, n: f64, d: f64) -> Observation {
    Observation {
        numerator: Some(n),
        denominator: Some(d),
        ..row(ind, year)
    }
}

fn val(ind: &str, year: u16, v: Value) -> Observation {
    Observation {
        value: Some(v),
        ..row(ind, year)
    }
}

/// A full, passing year.
fn good(year: u16) -> Vec<Observation> {
    vec![
        ratio("1.1", year, 95.0, 100.0),
        val("1.2", year, Value::Number(3.0)),
        val("2.1", year, Value::Number(50.0)),
        val("2.2", year, Value::Pass(true)),
    ]
}

fn run(
    f: &Framework,
    years: &[(u16, Vec<Observation>)],
    year: u16,
    against: Option<u16>,
    recs: &[Recognition],
) -> Vec<Finding> {
    let t = targets(f);
    let idx: BTreeMap<u16, Vec<Option<&Observation>>> = years
        .iter()
        .map(|(y, r)| (*y, by_indicator(f, r)))
        .collect();
    let u = UnitData {
        code: "c",
        targets: &t,
        years: &idx,
        recognitions: recs,
    };
    find(f, &u, year, against, &Options::default())
}

fn kinds(fs: &[Finding]) -> Vec<(&str, &str)> {
    fs.iter()
        .map(|f| (f.indicator.as_deref().unwrap_or("-"), f.kind.as_str()))
        .collect()
}

#[test]
fn statuses_for_each_kind_and_comparison() {
    let t90 = Target {
        value: TargetValue::Number(90.0),
        comparison: Comparison::Ge,
        origin: TargetOrigin::National,
    };
    let t6 = Target {
        value: TargetValue::Number(6.0),
        comparison: Comparison::Le,
        origin: TargetOrigin::National,
    };
    let pass = Target {
        value: TargetValue::Pass(true),
        comparison: Comparison::Eq,
        origin: TargetOrigin::National,
    };
    assert_eq!(
        indicator_status(Some(&ratio("1.1", 2020, 90.0, 100.0)), Some(&t90)),
        Status::Met
    );
    assert_eq!(
        indicator_status(Some(&ratio("1.1", 2020, 89.0, 100.0)), Some(&t90)),
        Status::NotMet
    );
    // a lone value on a ratio is the percentage
    assert_eq!(
        indicator_status(Some(&val("1.1", 2020, Value::Number(91.5))), Some(&t90)),
        Status::Met
    );
    // <= targets: lower is better
    assert_eq!(
        indicator_status(Some(&val("1.2", 2020, Value::Number(6.0))), Some(&t6)),
        Status::Met
    );
    assert_eq!(
        indicator_status(Some(&val("1.2", 2020, Value::Number(6.1))), Some(&t6)),
        Status::NotMet
    );
    // pass/fail
    assert_eq!(
        indicator_status(Some(&val("2.2", 2020, Value::Pass(true))), Some(&pass)),
        Status::Met
    );
    assert_eq!(
        indicator_status(Some(&val("2.2", 2020, Value::Pass(false))), Some(&pass)),
        Status::NotMet
    );
    // a number compared with a pass target does not fit: treated as no usable data
    assert_eq!(
        indicator_status(Some(&val("2.2", 2020, Value::Number(1.0))), Some(&pass)),
        Status::NoData
    );
    // zero denominator: no percentage, no data
    assert_eq!(
        indicator_status(Some(&ratio("1.1", 2020, 0.0, 0.0)), Some(&t90)),
        Status::NoData
    );
    assert_eq!(indicator_status(None, Some(&t90)), Status::NoData);
    assert_eq!(
        indicator_status(Some(&ratio("1.1", 2020, 9.0, 10.0)), None),
        Status::NoTarget
    );
}

#[test]
fn criterion_rolls_up_its_indicators() {
    use Status::*;
    assert_eq!(criterion_status([Met, Met]), Met);
    assert_eq!(criterion_status([Met, NotMet]), NotMet);
    assert_eq!(criterion_status([NoData, NotMet]), NotMet);
    assert_eq!(criterion_status([Met, NoData]), NoData);
    assert_eq!(criterion_status([Met, NoTarget]), Met);
    assert_eq!(criterion_status([NoTarget, NoTarget]), NoTarget);
}

#[test]
fn a_good_year_meets_the_standard_with_no_findings() {
    let f = fw();
    let rows = good(2020);
    let ev = evaluate(&f, &targets(&f), &by_indicator(&f, &rows));
    assert_eq!(ev.criteria, vec![Status::Met, Status::Met]);
    assert!(ev.meets_standard());
    assert!(run(&f, &[(2020, good(2020))], 2020, None, &[]).is_empty());
}

#[test]
fn first_year_of_data_without_comparison_year() {
    let f = fw();
    let mut y = good(2020);
    y[0] = ratio("1.1", 2020, 80.0, 100.0);
    // against a year that has no data: below_target but no regression
    let fs = run(&f, &[(2020, y)], 2020, Some(2019), &[]);
    assert_eq!(kinds(&fs), vec![("1.1", "below_target")]);
    assert_eq!(fs[0].message, "80% misses target >= 90% (national)");
}

#[test]
fn regression_decline_and_near_target() {
    let f = fw();
    let mut now = good(2020);
    now[0] = ratio("1.1", 2020, 85.0, 100.0); // was 95 → regressed
    now[1] = val("1.2", 2020, Value::Number(5.5)); // <=6, within 2 pp → near_target; was 3 → declined (+2.5 pp)
    now[2] = val("2.1", 2020, Value::Number(44.0)); // number: 50 → 44 is -12 % → declined; 44 vs 40 ≥ 5 % margin
    let fs = run(
        &f,
        &[(2019, good(2019)), (2020, now)],
        2020,
        Some(2019),
        &[],
    );
    assert_eq!(
        kinds(&fs),
        vec![
            ("1.1", "below_target"),
            ("1.1", "regressed"),
            ("1.2", "declined"),
            ("1.2", "near_target"),
            ("2.1", "declined"),
        ]
    );
    assert_eq!(
        fs[1].message,
        "met target >= 90% in 2019 (95%) but not in 2020 (85%)"
    );
    assert!(fs.iter().all(|f| f.year == 2020 && f.unit == "c"));
}

#[test]
fn declines_inside_the_tolerance_are_quiet() {
    let f = fw();
    let mut now = good(2020);
    now[0] = ratio("1.1", 2020, 93.5, 100.0); // -1.5 pp: under 2 pp
    now[2] = val("2.1", 2020, Value::Number(48.0)); // -4 %: under 5 %
    assert!(
        run(
            &f,
            &[(2019, good(2019)), (2020, now)],
            2020,
            Some(2019),
            &[]
        )
        .is_empty()
    );
}

#[test]
fn consistency_rules() {
    let f = fw();
    let mut now = good(2020);
    let mut r = ratio("1.1", 2020, 16153.0, 16209.0);
    r.stated_percent = Some(96.6);
    now[0] = r;
    let fs = run(&f, &[(2020, now.clone())], 2020, None, &[]);
    assert_eq!(kinds(&fs), vec![("1.1", "percent_mismatch")]);
    assert_eq!(fs[0].message, "stated 96.6% but 16153/16209 = 99.7%");
    assert_eq!(fs[0].severity, Severity::Warning);
    // within the 0.5 pp rounding tolerance: quiet
    now[0].stated_percent = Some(99.4);
    assert!(run(&f, &[(2020, now.clone())], 2020, None, &[]).is_empty());
    // numerator over denominator
    now[0] = ratio("1.1", 2020, 15457.0, 15209.0);
    let fs = run(&f, &[(2020, now.clone())], 2020, None, &[]);
    assert_eq!(kinds(&fs), vec![("1.1", "numerator_exceeds_denominator")]);
    assert_eq!(fs[0].severity, Severity::Error);
    // zero denominator
    now[0] = ratio("1.1", 2020, 0.0, 0.0);
    let fs = run(&f, &[(2020, now)], 2020, None, &[]);
    assert_eq!(kinds(&fs), vec![("1.1", "missing")]);
    assert!(fs[0].message.contains("denominator is 0"));
}

#[test]
fn missing_rows_and_lost_standard() {
    let f = fw();
    let mut now = good(2020);
    now.retain(|o| o.indicator != "2.2");
    now.push(val("2.2", 2020, Value::Pass(false)));
    now.retain(|o| o.indicator != "1.2");
    let rec = Recognition {
        unit_code: "c".into(),
        kind: RecognitionKind::Ntm,
        year: 2015,
        decision: None,
        issuer: None,
    };
    let fs = run(&f, &[(2020, now)], 2020, None, std::slice::from_ref(&rec));
    assert_eq!(
        kinds(&fs),
        vec![
            ("1.2", "missing"),
            ("2.2", "below_target"),
            ("-", "lost_standard")
        ]
    );
    assert_eq!(
        fs[2].message,
        "recognised (ntm 2015) but meets 0/2 criteria in 2020; not met: 2"
    );
    // recognised after the evaluated year: no lost_standard
    let later = Recognition { year: 2021, ..rec };
    let mut now = good(2020);
    now[3] = val("2.2", 2020, Value::Pass(false));
    let fs = run(&f, &[(2020, now)], 2020, None, &[later]);
    assert_eq!(kinds(&fs), vec![("2.2", "below_target")]);
}

#[test]
fn a_year_without_rows_has_no_findings() {
    let f = fw();
    assert!(run(&f, &[(2019, good(2019))], 2020, Some(2019), &[]).is_empty());
}
