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
                by_year: Default::default(),
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
        by_year: Default::default(),
    };
    let t6 = Target {
        value: TargetValue::Number(6.0),
        comparison: Comparison::Le,
        origin: TargetOrigin::National,
        by_year: Default::default(),
    };
    let pass = Target {
        value: TargetValue::Pass(true),
        comparison: Comparison::Eq,
        origin: TargetOrigin::National,
        by_year: Default::default(),
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
fn pass_fail_findings_read_naturally() {
    let f = fw();
    let mut now = good(2020);
    now[3] = val("2.2", 2020, Value::Pass(false));
    let fs = run(
        &f,
        &[(2019, good(2019)), (2020, now)],
        2020,
        Some(2019),
        &[],
    );
    assert_eq!(
        kinds(&fs),
        vec![("2.2", "below_target"), ("2.2", "regressed")]
    );
    assert_eq!(fs[0].message, "fail (required: pass; national)");
    assert_eq!(fs[0].message_vi, "chưa đạt (yêu cầu: đạt; toàn quốc)");
    assert_eq!(fs[1].message, "pass in 2019, fail in 2020 (required: pass)");
    assert_eq!(
        fs[1].message_vi,
        "đạt năm 2019, chưa đạt năm 2020 (yêu cầu: đạt)"
    );
    // no finding message repeats a pass/fail word the way `fail misses target pass` did
    for f in &fs {
        assert!(!f.message.contains("misses target pass"), "{}", f.message);
        assert!(
            !f.message_vi.contains("chưa đạt chưa đạt"),
            "{}",
            f.message_vi
        );
    }
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

// ---------- consistency across indicators, years and units ----------

const POP: &str = r#"
id = "p"
name = "P"
name_en = "P"
regions = ["TDMNPB"]
key_criteria = ["2"]
[basic]
max_missed = 1
margin_pp = 5.0
margin_pct = 5.0
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
[[criteria]]
code = "3"
group = "I"
name = "Ba"
name_en = "Three"
[[indicators]]
code = "1.1"
criterion = "1"
name = "Điện"
name_en = "Power"
kind = "ratio"
comparison = ">="
population = "households"
targets = { national = 95.0 }
sources = { national = "t" }
[[indicators]]
code = "1.2"
criterion = "1"
name = "Nước"
name_en = "Water"
kind = "ratio"
comparison = ">="
population = "households"
targets = { national = 90.0 }
sources = { national = "t" }
[[indicators]]
code = "2"
criterion = "2"
name = "Lao động"
name_en = "Employment"
kind = "ratio"
comparison = ">="
population = "working_age"
numerator_population = "employed"
targets = { national = 90.0 }
sources = { national = "t" }
[[indicators]]
code = "3"
criterion = "3"
name = "Đào tạo"
name_en = "Training"
kind = "ratio"
comparison = ">="
population = "employed"
targets = { national = 25.0 }
sources = { national = "t" }
"#;

fn pop() -> Framework {
    parse_framework("p.toml", POP).unwrap()
}

#[test]
fn denominators_of_one_population_must_agree() {
    let f = pop();
    let rows = vec![
        ratio("1.1", 2020, 16209.0, 16209.0),
        ratio("1.2", 2020, 15457.0, 15209.0),
        ratio("2", 2020, 35445.0, 37396.0),
        ratio("3", 2020, 21344.0, 38345.0),
    ];
    let fs =
        consistency::denominators(&f, "c", 2020, &by_indicator(&f, &rows), &Options::default());
    assert_eq!(
        kinds(&fs),
        vec![
            ("1.2", "denominator_mismatch"),
            ("3", "denominator_mismatch")
        ]
    );
    // households: the first value wins a 1-1 tie
    assert_eq!(
        fs[0].message,
        "denominator 15209 households differs from 16209 used by 1.1"
    );
    // employed people: 3's denominator against 2's numerator
    assert_eq!(
        fs[1].message,
        "denominator 38345 employed people differs from 35445 used by 2"
    );
    // agreeing figures are quiet; a tolerance absorbs small differences
    let ok = vec![
        ratio("1.1", 2020, 10.0, 100.0),
        ratio("1.2", 2020, 10.0, 100.0),
        ratio("2", 2020, 50.0, 60.0),
        ratio("3", 2020, 10.0, 50.0),
    ];
    assert!(
        consistency::denominators(&f, "c", 2020, &by_indicator(&f, &ok), &Options::default())
            .is_empty()
    );
    let near = vec![
        ratio("1.1", 2020, 10.0, 100.0),
        ratio("1.2", 2020, 10.0, 101.0),
    ];
    let opt = Options {
        denominator_tolerance_pct: 2.0,
        ..Options::default()
    };
    assert!(consistency::denominators(&f, "c", 2020, &by_indicator(&f, &near), &opt).is_empty());
    assert_eq!(
        consistency::denominators(&f, "c", 2020, &by_indicator(&f, &near), &Options::default())
            .len(),
        1
    );
}

#[test]
fn implausible_changes_between_consecutive_years() {
    let f = pop();
    // a series of identical 100 % values followed by a jump is still caught
    let prev = vec![
        ratio("1.1", 2019, 100.0, 100.0),
        ratio("1.2", 2019, 95.0, 100.0),
    ];
    let now = vec![
        ratio("1.1", 2020, 60.0, 100.0),
        ratio("1.2", 2020, 96.0, 100.0),
    ];
    let fs = consistency::implausible(
        &f,
        "c",
        2020,
        &by_indicator(&f, &now),
        &by_indicator(&f, &prev),
        &Options::default(),
    );
    assert_eq!(kinds(&fs), vec![("1.1", "implausible_change")]);
    assert!(
        fs[0]
            .message
            .starts_with("moved -40 percentage points in one year (2019: 100%, 2020: 60%)"),
        "{}",
        fs[0].message
    );
    // a denominator that doubles
    let now = vec![
        ratio("1.1", 2020, 190.0, 200.0),
        ratio("1.2", 2020, 96.0, 100.0),
    ];
    let fs = consistency::implausible(
        &f,
        "c",
        2020,
        &by_indicator(&f, &now),
        &by_indicator(&f, &prev),
        &Options::default(),
    );
    assert_eq!(kinds(&fs), vec![("1.1", "implausible_change")]);
    assert!(
        fs[0]
            .message
            .starts_with("denominator changed 100% in one year"),
        "{}",
        fs[0].message
    );
    // numbers: relative change
    let t = fw();
    let a = vec![val("2.1", 2019, Value::Number(40.0))];
    let b = vec![val("2.1", 2020, Value::Number(60.0))];
    let fs = consistency::implausible(
        &t,
        "c",
        2020,
        &by_indicator(&t, &b),
        &by_indicator(&t, &a),
        &Options::default(),
    );
    assert_eq!(kinds(&fs), vec![("2.1", "implausible_change")]);
    // through find(): only when the previous year is the year before
    let mut y18 = good(2018);
    y18[0] = ratio("1.1", 2018, 30.0, 100.0);
    assert!(
        run(
            &t,
            &[(2018, y18), (2020, good(2020))],
            2020,
            Some(2018),
            &[]
        )
        .iter()
        .all(|f| f.kind != FindingKind::ImplausibleChange)
    );
}

#[test]
fn aggregate_row_against_its_communes() {
    let f = pop();
    let t = targets(&f);
    let c_ok = vec![ratio("1.1", 2020, 99.0, 100.0)];
    let c_bad = vec![ratio("1.1", 2020, 80.0, 100.0)];
    let communes = vec![
        (
            "Dĩnh Trì".to_string(),
            evaluate(&f, &t, &by_indicator(&f, &c_ok)),
        ),
        (
            "Song Khê".to_string(),
            evaluate(&f, &t, &by_indicator(&f, &c_bad)),
        ),
    ];
    let mut agg = ratio("1.1", 2020, 179.0, 200.0);
    agg.units_met = Some(2);
    agg.units_total = Some(2);
    let rows = vec![agg.clone()];
    let fs = consistency::units_met(&f, "d", 2020, &by_indicator(&f, &rows), &communes);
    assert_eq!(kinds(&fs), vec![("1.1", "units_met_mismatch")]);
    assert_eq!(
        fs[0].message,
        "the row says 2/2 communes meet 1.1 but the communes' own rows give 1/2 (not met: Song Khê)"
    );
    agg.units_met = Some(1);
    let rows = vec![agg];
    assert!(consistency::units_met(&f, "d", 2020, &by_indicator(&f, &rows), &communes).is_empty());
    // communes without rows for the indicator: nothing to compare
    let rows = vec![Observation {
        units_met: Some(0),
        units_total: Some(2),
        ..ratio("1.2", 2020, 1.0, 2.0)
    }];
    assert!(consistency::units_met(&f, "d", 2020, &by_indicator(&f, &rows), &communes).is_empty());
}

#[test]
fn basically_met_and_revocation_risk() {
    let f = pop();
    let t = targets(&f);
    let all = |a: f64, b: f64, c: f64, d: f64| {
        vec![
            ratio("1.1", 2020, a, 100.0),
            ratio("1.2", 2020, b, 100.0),
            ratio("2", 2020, c, 100.0),
            ratio("3", 2020, d, 100.0),
        ]
    };
    // 1.2 misses 90 by 3 pp (within 5): criterion 1 is "cơ bản đạt"
    let rows = all(99.0, 87.0, 95.0, 30.0);
    let ev = evaluate(&f, &t, &by_indicator(&f, &rows));
    assert_eq!(ev.criteria, vec![Status::NotMet, Status::Met, Status::Met]);
    assert_eq!(ev.basic, vec![true, false, false]);
    // 1 of 3 fails, not key: 33 % ≥ 30 % → medium
    assert_eq!(revocation_risk(&f, &ev), Risk::Medium);
    // two indicators missing, or one by more than the margin: not basically met
    let ev = evaluate(&f, &t, &by_indicator(&f, &all(90.0, 87.0, 95.0, 30.0)));
    assert!(!ev.basic[0]);
    let ev = evaluate(&f, &t, &by_indicator(&f, &all(99.0, 80.0, 95.0, 30.0)));
    assert!(!ev.basic[0]);
    // key criterion 2 fails along with 1 (2 of 3 = 67 %) → high
    let ev = evaluate(&f, &t, &by_indicator(&f, &all(99.0, 80.0, 50.0, 30.0)));
    assert_eq!(revocation_risk(&f, &ev), Risk::High);
    // only the key criterion (33 %, key) → high: 30–50 % including a key criterion
    let ev = evaluate(&f, &t, &by_indicator(&f, &all(99.0, 95.0, 50.0, 30.0)));
    assert_eq!(revocation_risk(&f, &ev), Risk::High);
    let ev = evaluate(&f, &t, &by_indicator(&f, &all(99.0, 95.0, 95.0, 30.0)));
    assert_eq!(revocation_risk(&f, &ev), Risk::None);
    // without a [basic] rule nothing is basically met
    let t2 = targets(&fw());
    let mut r = good(2020);
    r[0] = ratio("1.1", 2020, 89.0, 100.0);
    let ev = evaluate(&fw(), &t2, &by_indicator(&fw(), &r));
    assert_eq!(ev.basic, vec![false, false]);
}

#[test]
fn revocation_risk_low_with_many_criteria() {
    // 1 of 19 fails, not key → low
    let reg = crate::framework::Registry::builtin();
    let f = reg.get("qd1980-2016").unwrap();
    let mut ev = Evaluation {
        indicators: vec![],
        criteria: vec![Status::Met; 19],
        criteria_met: 18,
        criteria_total: 19,
        basic: vec![false; 19],
    };
    ev.criteria[0] = Status::NotMet;
    assert_eq!(revocation_risk(f, &ev), Risk::Low);
    // the same count on income (10), a key criterion → medium
    ev.criteria[0] = Status::Met;
    ev.criteria[9] = Status::NotMet;
    assert_eq!(revocation_risk(f, &ev), Risk::Medium);
    // 6 of 19 (32 %) including environment (17) → high
    for c in [0, 1, 2, 3, 16] {
        ev.criteria[c] = Status::NotMet;
    }
    assert_eq!(revocation_risk(f, &ev), Risk::High);
}

#[test]
fn trend_classes() {
    use trend::classify;
    let ge = |t: f64| Target {
        value: TargetValue::Number(t),
        comparison: Comparison::Ge,
        origin: TargetOrigin::National,
        by_year: Default::default(),
    };
    let le = |t: f64| Target {
        value: TargetValue::Number(t),
        comparison: Comparison::Le,
        origin: TargetOrigin::National,
        by_year: Default::default(),
    };
    let s = |v: &[(u16, f64)]| {
        v.iter()
            .map(|(y, x)| (*y, Value::Number(*x)))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        classify(&s(&[(2016, 80.0), (2020, 96.0)]), Some(&ge(95.0)), 2020),
        Trend::Achieved
    );
    // needs 80 → 95 by 2021 (5 years); gets 80 → 92 in 4: R ≈ 1.09 → on track
    assert_eq!(
        classify(&s(&[(2016, 80.0), (2020, 92.0)]), Some(&ge(95.0)), 2021),
        Trend::OnTrack
    );
    assert_eq!(
        classify(&s(&[(2016, 80.0), (2020, 89.0)]), Some(&ge(95.0)), 2021),
        Trend::Moderate
    );
    assert_eq!(
        classify(&s(&[(2016, 80.0), (2020, 81.0)]), Some(&ge(95.0)), 2021),
        Trend::Stagnating
    );
    assert_eq!(
        classify(&s(&[(2016, 80.0), (2020, 75.0)]), Some(&ge(95.0)), 2021),
        Trend::Deteriorating
    );
    // lower is better: poverty 10 % → 8 % towards ≤ 6 %
    assert_eq!(
        classify(&s(&[(2016, 10.0), (2020, 7.5)]), Some(&le(6.0)), 2021),
        Trend::Moderate
    );
    assert_eq!(
        classify(&s(&[(2016, 10.0), (2020, 12.0)]), Some(&le(6.0)), 2021),
        Trend::Deteriorating
    );
    // zeros do not break the arithmetic
    assert_eq!(
        classify(&s(&[(2016, 0.0), (2020, 50.0)]), Some(&ge(95.0)), 2021),
        Trend::OnTrack
    );
    assert_eq!(
        classify(&s(&[(2020, 50.0)]), Some(&ge(95.0)), 2021),
        Trend::Insufficient
    );
    // no target: growth bands
    assert_eq!(
        classify(&s(&[(2016, 40.0), (2020, 48.0)]), None, 2020),
        Trend::OnTrack
    );
    assert_eq!(
        classify(&s(&[(2016, 40.0), (2020, 40.0)]), None, 2020),
        Trend::Stagnating
    );
    // pass/fail
    let p = |v: &[bool]| {
        v.iter()
            .enumerate()
            .map(|(i, b)| (2016 + i as u16, Value::Pass(*b)))
            .collect::<Vec<_>>()
    };
    let pass = Target {
        value: TargetValue::Pass(true),
        comparison: Comparison::Eq,
        origin: TargetOrigin::National,
        by_year: Default::default(),
    };
    assert_eq!(
        classify(&p(&[false, true]), Some(&pass), 2020),
        Trend::Achieved
    );
    assert_eq!(
        classify(&p(&[true, false]), Some(&pass), 2020),
        Trend::Deteriorating
    );
    assert_eq!(
        classify(&p(&[false, false]), Some(&pass), 2020),
        Trend::Stagnating
    );
}

#[test]
fn one_counted_item_is_never_implausible() {
    let f = pop();
    // 3 of 4 → 4 of 4 schools-like counts: 25 points, but one item
    let prev = vec![ratio("1.1", 2019, 3.0, 4.0)];
    let now = vec![ratio("1.1", 2020, 4.0, 4.0)];
    assert!(
        consistency::implausible(
            &f,
            "c",
            2020,
            &by_indicator(&f, &now),
            &by_indicator(&f, &prev),
            &Options::default()
        )
        .is_empty()
    );
    // 2 of 8 → 6 of 8: four items, 50 points
    let prev = vec![ratio("1.1", 2019, 2.0, 8.0)];
    let now = vec![ratio("1.1", 2020, 6.0, 8.0)];
    assert_eq!(
        consistency::implausible(
            &f,
            "c",
            2020,
            &by_indicator(&f, &now),
            &by_indicator(&f, &prev),
            &Options::default()
        )
        .len(),
        1
    );
}

#[test]
fn every_kind_names_its_rule_and_threshold() {
    let o = Options {
        percent_tolerance_pp: 0.75,
        ..Options::default()
    };
    for k in FindingKind::ALL {
        assert!(
            !k.rule(&o, false).is_empty() && !k.rule(&o, true).is_empty(),
            "{k:?}"
        );
    }
    assert!(
        FindingKind::PercentMismatch
            .rule(&o, false)
            .contains("0.75")
    );
    assert!(FindingKind::PercentMismatch.rule(&o, true).contains("0,75"));
    // stable identifiers, each once
    let ids: std::collections::BTreeSet<&str> =
        FindingKind::ALL.iter().map(|k| k.as_str()).collect();
    assert_eq!(ids.len(), FindingKind::ALL.len());
}
