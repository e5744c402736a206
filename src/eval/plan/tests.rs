//! Known answers for the way to the standard, on the shipped 2016–2020 set (region TDMNPB
//! unless said) and on a small hand-made framework for the ranking.

use std::collections::BTreeMap;

use super::*;
use crate::framework::{Registry, parse_framework};
use crate::model::TargetOrigin;

fn qd1980() -> Framework {
    Registry::builtin().get("qd1980-2016").unwrap().clone()
}

fn ind<'a>(fw: &'a Framework, code: &str) -> (usize, &'a Indicator) {
    fw.indicator(code).unwrap()
}

fn target(fw: &Framework, code: &str, region: &str) -> Target {
    fw.target(ind(fw, code).0, Some(region), None, &[]).unwrap()
}

fn row(code: &str, year: u16) -> Observation {
    Observation {
        unit_code: "x".into(),
        framework: "qd1980-2016".into(),
        indicator: code.into(),
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

fn counts(code: &str, year: u16, n: f64, d: f64) -> Observation {
    Observation {
        numerator: Some(n),
        denominator: Some(d),
        ..row(code, year)
    }
}

fn value(code: &str, year: u16, v: Value) -> Observation {
    Observation {
        value: Some(v),
        ..row(code, year)
    }
}

#[test]
fn song_khe_17_7_in_2020_needs_42_households() {
    // fixtures/sample: 338 of 632 livestock households, target ≥ 60 % (TDMNPB)
    let fw = qd1980();
    let t = target(&fw, "17.7", "TDMNPB");
    let need = shortfall(
        ind(&fw, "17.7").1,
        &t,
        Some(&counts("17.7", 2020, 338.0, 632.0)),
    );
    // ⌈0.60 × 632⌉ − 338 = 380 − 338
    assert_eq!(
        need,
        Need::Count {
            amount: 42.0,
            fewer: false
        }
    );
}

#[test]
fn a_ceiling_says_how_many_must_leave_the_state() {
    // 11 poor households ≤ 12 % (TDMNPB): 80 poor of 632; at most ⌊75.84⌋ = 75 may remain
    let fw = qd1980();
    let t = target(&fw, "11", "TDMNPB");
    assert_eq!(t.comparison, Comparison::Le);
    let need = shortfall(ind(&fw, "11").1, &t, Some(&counts("11", 2020, 80.0, 632.0)));
    assert_eq!(
        need,
        Need::Count {
            amount: 5.0,
            fewer: true
        }
    );
    // and 75 would meet the ceiling while 76 would not
    assert_eq!(t.is_met(Value::Number(75.0 / 632.0 * 100.0)), Some(true));
    assert_eq!(t.is_met(Value::Number(76.0 / 632.0 * 100.0)), Some(false));
}

#[test]
fn a_number_target_gives_the_amount_short() {
    // income ≥ 50 million VND in DBSH (a region other than TDMNPB)
    let fw = qd1980();
    let t = target(&fw, "10", "DBSH");
    let need = shortfall(
        ind(&fw, "10").1,
        &t,
        Some(&value("10", 2020, Value::Number(46.3))),
    );
    assert_eq!(
        need,
        Need::Amount {
            amount: 3.7,
            fewer: false
        }
    );
}

#[test]
fn a_pass_fail_must_pass_and_has_no_pace() {
    let fw = qd1980();
    let (i, _) = ind(&fw, "17.3");
    let t = target(&fw, "17.3", "TDMNPB");
    let need = shortfall(
        &fw.indicators[i],
        &t,
        Some(&value("17.3", 2020, Value::Pass(false))),
    );
    assert_eq!(need, Need::MustPass);
    assert_eq!(need.amount(), None);
    assert_eq!(reach(0.0, &t, None, 2020), Reach::NoPace);
}

#[test]
fn a_percentage_only_row_gives_points_and_no_count() {
    let fw = qd1980();
    let t = target(&fw, "17.7", "TDMNPB");
    let need = shortfall(
        ind(&fw, "17.7").1,
        &t,
        Some(&value("17.7", 2020, Value::Number(53.5))),
    );
    assert_eq!(
        need,
        Need::Points {
            points: 6.5,
            fewer: false
        }
    );
    assert_eq!(need.basis(), "percent_only");
}

#[test]
fn a_measure_is_given_in_its_unit_to_the_hundredth() {
    // 2.1 commune roads ≥ 80 % (km): 10.5 of 15 km hardened → 12 km needed, 1.5 km short
    let fw = qd1980();
    let t = target(&fw, "2.1", "TDMNPB");
    let i = ind(&fw, "2.1").1;
    assert!(!i.counts_whole());
    let need = shortfall(i, &t, Some(&counts("2.1", 2020, 10.5, 15.0)));
    assert_eq!(
        need,
        Need::Measure {
            amount: 1.5,
            fewer: false
        }
    );
    // 7.003 of 9.7 km (72.2 %): 7.76 − 7.003 = 0.757 → 0.76 km
    let need = shortfall(i, &t, Some(&counts("2.1", 2020, 7.003, 9.7)));
    assert_eq!(
        need,
        Need::Measure {
            amount: 0.76,
            fewer: false
        }
    );
}

#[test]
fn no_row_or_a_zero_denominator_is_no_data() {
    let fw = qd1980();
    let t = target(&fw, "17.7", "TDMNPB");
    let i = ind(&fw, "17.7").1;
    assert_eq!(shortfall(i, &t, None), Need::NoData);
    assert_eq!(
        shortfall(i, &t, Some(&counts("17.7", 2020, 0.0, 0.0))),
        Need::NoData
    );
}

#[test]
fn whole_counts_are_the_fewest_that_meet_the_target() {
    // every numerator, denominator and target of a range: the count makes the ratio meet the
    // target, and one fewer (or, under a ceiling, one more) would not
    let fw = qd1980();
    let i = ind(&fw, "17.7").1;
    for t in [12.0, 26.7, 50.0, 60.0, 70.0, 85.0, 90.0, 95.0, 100.0] {
        for cmp in [Comparison::Ge, Comparison::Le] {
            let tg = Target {
                value: TargetValue::Number(t),
                comparison: cmp,
                origin: TargetOrigin::National,
                by_year: Default::default(),
            };
            for d in [1.0f64, 3.0, 7.0, 10.0, 58.0, 632.0, 1000.0, 16209.0] {
                let step = (d / 25.0).max(1.0).floor();
                let mut n = 0.0;
                while n <= d {
                    let pct = n / d * 100.0;
                    if tg.is_met(Value::Number(pct)) == Some(false) {
                        let Need::Count { amount, fewer } =
                            shortfall(i, &tg, Some(&counts("17.7", 2020, n, d)))
                        else {
                            panic!("not a count");
                        };
                        assert!(amount >= 1.0, "t {t} {cmp:?} {n}/{d}: {amount}");
                        let m = if fewer { n - amount } else { n + amount };
                        let one_short = if fewer { m + 1.0 } else { m - 1.0 };
                        assert_eq!(
                            tg.is_met(Value::Number(m / d * 100.0)),
                            Some(true),
                            "t {t} {cmp:?} {n}/{d} + {amount}"
                        );
                        assert_eq!(
                            tg.is_met(Value::Number(one_short / d * 100.0)),
                            Some(false),
                            "t {t} {cmp:?} {n}/{d}: {amount} is not the fewest"
                        );
                    }
                    n += step;
                }
            }
        }
    }
}

fn ge(t: f64) -> Target {
    Target {
        value: TargetValue::Number(t),
        comparison: Comparison::Ge,
        origin: TargetOrigin::National,
        by_year: Default::default(),
    }
}

#[test]
fn a_trend_that_reaches_the_target_names_the_year() {
    // 60 % in 2017, 66 % in 2020: 2 points a year; 70 % is 4 points away → 2022
    let s = [
        (2016, 58.0),
        (2017, 60.0),
        (2018, 61.0),
        (2019, 65.0),
        (2020, 66.0),
    ];
    let p = pace(&s, 2020).unwrap();
    assert_eq!((p.from, p.to), (2017, 2020));
    assert!((p.per_year - 2.0).abs() < 1e-9);
    assert_eq!(reach(66.0, &ge(70.0), Some(p), 2020), Reach::Year(2022));
    // an exact landing: 6 points at 2 a year is 3 years, not 4
    assert_eq!(reach(64.0, &ge(70.0), Some(p), 2020), Reach::Year(2023));
    // a ceiling reached by coming down: 20 % → 12 % at −2 points a year is 2024
    let down = Pace {
        per_year: -2.0,
        from: 2017,
        to: 2020,
    };
    let le = Target {
        comparison: Comparison::Le,
        ..ge(12.0)
    };
    assert_eq!(reach(20.0, &le, Some(down), 2020), Reach::Year(2024));
}

#[test]
fn a_trend_away_from_the_target_never_reaches_it() {
    // Song Khê 17.7: 63.9 % in 2017, 53.5 % in 2020
    let s = [
        (2016, 63.0),
        (2017, 63.9),
        (2018, 65.0),
        (2019, 66.0),
        (2020, 53.5),
    ];
    let p = pace(&s, 2020).unwrap();
    assert!(p.per_year < 0.0);
    assert_eq!(reach(53.5, &ge(60.0), Some(p), 2020), Reach::Away);
    // flat is not a pace either
    let flat = Pace {
        per_year: 0.0,
        from: 2017,
        to: 2020,
    };
    assert_eq!(reach(53.5, &ge(60.0), Some(flat), 2020), Reach::Away);
    // towards it, but 65 years away
    let slow = Pace {
        per_year: 0.1,
        from: 2017,
        to: 2020,
    };
    assert_eq!(reach(53.5, &ge(60.0), Some(slow), 2020), Reach::TooSlow);
}

#[test]
fn the_pace_needs_an_earlier_year_in_the_window() {
    assert_eq!(pace(&[(2020, 50.0)], 2020), None);
    // 2015 is outside 2017–2020
    assert_eq!(pace(&[(2015, 40.0), (2020, 50.0)], 2020), None);
    assert_eq!(reach(50.0, &ge(60.0), None, 2020), Reach::Insufficient);
    // a gap year inside the window: from 2018
    let p = pace(&[(2018, 44.0), (2020, 50.0)], 2020).unwrap();
    assert_eq!(p.from, 2018);
    assert!((p.per_year - 3.0).abs() < 1e-9);
}

#[test]
fn song_khe_plan_from_its_rows() {
    // the plan of one unit from its rows: only 17 is missing, 17.7 with 42 households, not at
    // this pace, and 17 was met in 2019
    let fw = qd1980();
    let targets: Vec<Option<Target>> = (0..fw.indicators.len())
        .map(|i| fw.target(i, Some("TDMNPB"), None, &[]))
        .collect();
    let series = [(2017, 404.0), (2018, 411.0), (2019, 417.0), (2020, 338.0)];
    let mut rows: BTreeMap<u16, Vec<Observation>> = BTreeMap::new();
    for (y, n) in series {
        rows.insert(y, passing_year(&fw, y));
        let r = rows.get_mut(&y).unwrap();
        r.retain(|o| o.indicator != "17.7");
        r.push(counts("17.7", y, n, 632.0));
    }
    let indexed: BTreeMap<u16, Vec<Option<&Observation>>> = rows
        .iter()
        .map(|(y, r)| (*y, crate::eval::by_indicator(&fw, r)))
        .collect();
    let p = plan_unit(&fw, &targets, &indexed, 2020).unwrap();
    let missing: Vec<(&str, Status)> = p
        .criteria
        .iter()
        .map(|c| (fw.criteria[c.criterion].code.as_str(), c.status))
        .collect();
    assert_eq!(p.criteria_away(), 1, "{missing:?}");
    assert_eq!(p.criteria.len(), 1);
    let c = &p.criteria[0];
    assert_eq!(fw.criteria[c.criterion].code, "17");
    assert_eq!(c.met_before, Some(2019));
    assert_eq!(c.gaps.len(), 1);
    let g = &c.gaps[0];
    assert_eq!(fw.indicators[g.indicator].code, "17.7");
    assert_eq!(
        g.need,
        Need::Count {
            amount: 42.0,
            fewer: false
        }
    );
    assert_eq!(g.pace.unwrap().from, 2017);
    assert_eq!(g.reach, Reach::Away);
    assert_eq!(p.reach_year(), None);
    assert!(plan_unit(&fw, &targets, &indexed, 2021).is_none());
    // in 2019 it met the standard
    let p19 = plan_unit(&fw, &targets, &indexed, 2019).unwrap();
    assert!(p19.meets_standard() && p19.criteria.is_empty());
    assert_eq!(p19.reach_year(), Some(2019));
}

/// A year in which every TDMNPB target of the 2016–2020 set is met.
fn passing_year(fw: &Framework, y: u16) -> Vec<Observation> {
    fw.indicators
        .iter()
        .enumerate()
        .map(|(i, ind)| {
            let Some(t) = fw.target(i, Some("TDMNPB"), None, &[]) else {
                // no target (2.4): a row all the same, or its criterion has no data
                return counts(&ind.code, y, 50.0, 100.0);
            };
            match t.value {
                TargetValue::Pass(p) => value(&ind.code, y, Value::Pass(p)),
                TargetValue::Number(x) if ind.kind == Kind::Ratio => {
                    let pct = if t.comparison == Comparison::Le {
                        x / 2.0
                    } else {
                        x.max(1.0)
                    };
                    counts(&ind.code, y, (pct * 10.0).ceil(), 1000.0)
                }
                TargetValue::Number(x) => value(&ind.code, y, Value::Number(x * 1.1)),
            }
        })
        .collect()
}

const SMALL: &str = r#"
id = "s"
name = "Nhỏ"
name_en = "Small"
regions = ["TDMNPB"]
[[groups]]
code = "I"
name = "I"
name_en = "I"
[[criteria]]
code = "1"
group = "I"
name = "Nước"
name_en = "Water"
[[criteria]]
code = "2"
group = "I"
name = "Chợ"
name_en = "Market"
[[criteria]]
code = "3"
group = "I"
name = "Thu nhập"
name_en = "Income"
[[indicators]]
code = "1"
criterion = "1"
name = "Tỷ lệ hộ dùng nước sạch"
name_en = "Clean water"
kind = "ratio"
unit = "hộ"
comparison = ">="
targets = { national = 60.0 }
sources = { national = "t" }
[[indicators]]
code = "2"
criterion = "2"
name = "Có chợ"
name_en = "Market"
kind = "bool"
comparison = "="
targets = { national = true }
sources = { national = "t" }
[[indicators]]
code = "3"
criterion = "3"
name = "Thu nhập"
name_en = "Income"
kind = "number"
unit = "triệu đồng/người/năm"
comparison = ">="
targets = { national = 40.0 }
sources = { national = "t" }
"#;

/// A unit of the small set in 2020: water `w` of 100 households, market, income.
fn small_plan(fw: &Framework, w: f64, market: bool, income: f64) -> UnitPlan {
    let targets: Vec<Option<Target>> = (0..fw.indicators.len())
        .map(|i| fw.target(i, None, None, &[]))
        .collect();
    let rows = vec![
        counts("1", 2020, w, 100.0),
        value("2", 2020, Value::Pass(market)),
        value("3", 2020, Value::Number(income)),
    ];
    let mut years = BTreeMap::new();
    years.insert(2020, crate::eval::by_indicator(fw, &rows));
    plan_unit(fw, &targets, &years, 2020).unwrap()
}

#[test]
fn ranking_on_a_small_hand_made_district() {
    let fw = parse_framework("s.toml", SMALL).unwrap();
    let communes = [
        // two criteria missing: last
        ("An", small_plan(&fw, 50.0, false, 45.0)),
        // one missing, a pass/fail: after every one-criterion commune with a distance
        ("Bình", small_plan(&fw, 70.0, false, 45.0)),
        // one missing, 2 points of water
        ("Cường", small_plan(&fw, 58.0, true, 45.0)),
        // one missing, income 38 of 40: 5 % of the target
        ("Dũng", small_plan(&fw, 70.0, true, 38.0)),
        // meets the standard: first
        ("Đông", small_plan(&fw, 61.0, true, 40.0)),
    ];
    let mut order: Vec<&(&str, UnitPlan)> = communes.iter().collect();
    order.sort_by(|a, b| by_closeness(&a.1, &b.1));
    let names: Vec<&str> = order.iter().map(|(n, _)| *n).collect();
    assert_eq!(names, ["Đông", "Cường", "Dũng", "Bình", "An"]);
    assert_eq!(communes[0].1.closeness(), (2, 1, 10.0));
    // the district's totals: 12 households of water over 2 communes, 2 markets, 1 income
    let t = totals(communes.iter().map(|(_, p)| p));
    assert_eq!(t.len(), 3);
    assert_eq!((t[0].indicator, t[0].units, t[0].counted), (0, 2, 2));
    assert_eq!(t[0].amount, 12.0);
    assert_eq!((t[1].units, t[1].must_pass), (2, 2));
    assert_eq!((t[2].numbers, t[2].largest), (1, 2.0));
}
