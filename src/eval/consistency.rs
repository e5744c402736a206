//! Rules about figures that do not add up across indicators, years or units:
//! `denominator_mismatch`, `implausible_change`, `units_met_mismatch`.

use std::collections::BTreeMap;

use super::findings::{Finding, FindingKind, Options};
use super::{Evaluation, Status};
use crate::framework::Framework;
use crate::model::{Kind, Observation, Value};
use crate::text::{NumStyle, fmt_num, fmt_plain};

/// A population (households, employed people ...) the framework says several figures count.
fn population_label(p: &str, vi: bool) -> String {
    let (en, v) = match p {
        "households" => ("households", "hộ"),
        "working_age" => ("working-age people", "người trong độ tuổi lao động"),
        "employed" => ("employed people", "người có việc làm"),
        "people" => ("people", "người dân"),
        "children_under5" => ("children under 5", "trẻ em dưới 5 tuổi"),
        "villages" => ("villages", "thôn"),
        "schools" => ("schools", "trường"),
        _ => (p, p),
    };
    if vi { v.to_string() } else { en.to_string() }
}

fn num(v: f64, vi: bool) -> String {
    if vi {
        fmt_num(v, 3, NumStyle::Vi)
    } else {
        fmt_plain(v)
    }
}

/// `denominator_mismatch`: in one unit and year, every figure the framework declares as
/// counting the same population must agree (4.2, 9.2, 11, 17.1a, 17.1b, 17.6 all count
/// households; 14.3's denominator and 12's numerator both count employed people). The most
/// common value is the reference; each figure that differs from it gets a finding.
pub fn denominators(
    fw: &Framework,
    unit: &str,
    year: u16,
    rows: &[Option<&Observation>],
    opt: &Options,
) -> Vec<Finding> {
    // population → [(indicator index, "denominator"/"numerator", value)]
    let mut groups: BTreeMap<&str, Vec<(usize, bool, f64)>> = BTreeMap::new();
    for (i, ind) in fw.indicators.iter().enumerate() {
        let Some(r) = rows.get(i).copied().flatten() else {
            continue;
        };
        if let (Some(p), Some(d)) = (ind.population.as_deref(), r.denominator) {
            groups.entry(p).or_default().push((i, true, d));
        }
        if let (Some(p), Some(n)) = (ind.numerator_population.as_deref(), r.numerator) {
            groups.entry(p).or_default().push((i, false, n));
        }
    }
    let mut out = Vec::new();
    for (pop, members) in groups {
        if members.len() < 2 {
            continue;
        }
        // reference: the most common value; ties go to the first in framework order
        let mut counts: Vec<(f64, usize, usize)> = Vec::new(); // (value, count, first position)
        for (pos, (_, _, v)) in members.iter().enumerate() {
            match counts.iter_mut().find(|c| c.0 == *v) {
                Some(c) => c.1 += 1,
                None => counts.push((*v, 1, pos)),
            }
        }
        counts.sort_by(|a, b| b.1.cmp(&a.1).then(a.2.cmp(&b.2)));
        let reference = counts[0].0;
        let agree: Vec<&str> = members
            .iter()
            .filter(|m| m.2 == reference)
            .map(|m| fw.indicators[m.0].code.as_str())
            .collect();
        for (i, is_den, v) in &members {
            let off = (v - reference).abs();
            if off == 0.0 || off <= opt.denominator_tolerance_pct / 100.0 * reference.abs() {
                continue;
            }
            let code = &fw.indicators[*i].code;
            let role_en = if *is_den { "denominator" } else { "numerator" };
            let role_vi = if *is_den { "mẫu số" } else { "tử số" };
            out.push(Finding {
                unit: unit.to_string(),
                indicator: Some(code.clone()),
                year,
                kind: FindingKind::DenominatorMismatch,
                severity: FindingKind::DenominatorMismatch.severity(),
                message: format!(
                    "{role_en} {} {} differs from {} used by {}",
                    num(*v, false),
                    population_label(pop, false),
                    num(reference, false),
                    agree.join(", ")
                ),
                message_vi: format!(
                    "{role_vi} {} {} khác {} ở chỉ tiêu {}",
                    num(*v, true),
                    population_label(pop, true),
                    num(reference, true),
                    agree.join(", ")
                ),
            });
        }
    }
    // in framework order, not population order
    out.sort_by_key(|f| {
        f.indicator
            .as_deref()
            .and_then(|c| fw.indicator(c))
            .map(|(i, _)| i)
    });
    out
}

/// `implausible_change`: a value (or a denominator) moving between two consecutive years by
/// more than the indicator kind allows. A plain threshold on the change, so a series of
/// identical values (all 100 %) never hides a jump the way a spread-based test would.
pub fn implausible(
    fw: &Framework,
    unit: &str,
    year: u16,
    rows: &[Option<&Observation>],
    prev: &[Option<&Observation>],
    opt: &Options,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let py = year - 1;
    for (i, ind) in fw.indicators.iter().enumerate() {
        let (Some(r), Some(p)) = (
            rows.get(i).copied().flatten(),
            prev.get(i).copied().flatten(),
        ) else {
            continue;
        };
        let code = Some(ind.code.clone());
        let mut push = |en: String, vi: String| {
            out.push(Finding {
                unit: unit.to_string(),
                indicator: code.clone(),
                year,
                kind: FindingKind::ImplausibleChange,
                severity: FindingKind::ImplausibleChange.severity(),
                message: en,
                message_vi: vi,
            })
        };
        // on a small count one item is many points (1 of 4 schools = 25 points): a change of a
        // single counted item is always plausible
        let one_item = r
            .denominator
            .filter(|d| *d > 0.0)
            .map_or(0.0, |d| 100.0 / d);
        if let (Some(Value::Number(a)), Some(Value::Number(b))) = (p.effective(), r.effective()) {
            match ind.kind {
                Kind::Ratio
                    if (b - a).abs() > opt.implausible_pp && (b - a).abs() > one_item + 1e-9 =>
                {
                    push(
                        format!(
                            "moved {} percentage points in one year ({py}: {}%, {year}: {}%); more than {} allowed",
                            fmt_num(b - a, 1, NumStyle::En),
                            fmt_num(a, 1, NumStyle::En),
                            fmt_num(b, 1, NumStyle::En),
                            fmt_num(opt.implausible_pp, 1, NumStyle::En)
                        ),
                        format!(
                            "thay đổi {} điểm phần trăm trong một năm ({py}: {}%, {year}: {}%); vượt ngưỡng {}",
                            fmt_num(b - a, 1, NumStyle::Vi),
                            fmt_num(a, 1, NumStyle::Vi),
                            fmt_num(b, 1, NumStyle::Vi),
                            fmt_num(opt.implausible_pp, 1, NumStyle::Vi)
                        ),
                    )
                }
                Kind::Number if a != 0.0 && ((b - a) / a).abs() * 100.0 > opt.implausible_pct => {
                    let pct = (b - a) / a.abs() * 100.0;
                    push(
                        format!(
                            "changed {}% in one year ({py}: {}, {year}: {}); more than {}% allowed",
                            fmt_num(pct, 1, NumStyle::En),
                            fmt_num(a, 2, NumStyle::En),
                            fmt_num(b, 2, NumStyle::En),
                            fmt_num(opt.implausible_pct, 1, NumStyle::En)
                        ),
                        format!(
                            "thay đổi {}% trong một năm ({py}: {}, {year}: {}); vượt ngưỡng {}%",
                            fmt_num(pct, 1, NumStyle::Vi),
                            fmt_num(a, 2, NumStyle::Vi),
                            fmt_num(b, 2, NumStyle::Vi),
                            fmt_num(opt.implausible_pct, 1, NumStyle::Vi)
                        ),
                    )
                }
                _ => {}
            }
        }
        if let (Some(a), Some(b)) = (p.denominator, r.denominator)
            && a > 0.0
            && ((b - a) / a).abs() * 100.0 > opt.implausible_pct
        {
            let pct = (b - a) / a * 100.0;
            push(
                format!(
                    "denominator changed {}% in one year ({py}: {}, {year}: {})",
                    fmt_num(pct, 1, NumStyle::En),
                    num(a, false),
                    num(b, false)
                ),
                format!(
                    "mẫu số thay đổi {}% trong một năm ({py}: {}, {year}: {})",
                    fmt_num(pct, 1, NumStyle::Vi),
                    num(a, true),
                    num(b, true)
                ),
            );
        }
    }
    out
}

/// `units_met_mismatch`: an aggregate row (district, province) says how many communes meet
/// an indicator; when the communes have rows of their own for it, the two must agree.
/// `communes` holds each commune's name and evaluation for the same year.
pub fn units_met(
    fw: &Framework,
    unit: &str,
    year: u16,
    rows: &[Option<&Observation>],
    communes: &[(String, Evaluation)],
) -> Vec<Finding> {
    let mut out = Vec::new();
    if communes.is_empty() {
        return out;
    }
    for (i, ind) in fw.indicators.iter().enumerate() {
        let Some(r) = rows.get(i).copied().flatten() else {
            continue;
        };
        if r.units_met.is_none() && r.units_total.is_none() {
            continue;
        }
        let with_data: Vec<&(String, Evaluation)> = communes
            .iter()
            .filter(|(_, e)| e.indicators[i] != Status::NoData)
            .collect();
        // a commune whose target is unknown cannot be counted as meeting it or not: no finding
        // is better than a false "0/6 communes meet it"
        if with_data.is_empty()
            || with_data
                .iter()
                .any(|(_, e)| e.indicators[i] == Status::NoTarget)
        {
            continue;
        }
        let met = with_data
            .iter()
            .filter(|(_, e)| e.indicators[i] == Status::Met)
            .count() as u32;
        let total = communes.len() as u32;
        let says_met = r.units_met.unwrap_or(met);
        let says_total = r.units_total.unwrap_or(total);
        if says_met == met && says_total == total {
            continue;
        }
        let not_met: Vec<&str> = with_data
            .iter()
            .filter(|(_, e)| e.indicators[i] != Status::Met)
            .map(|(n, _)| n.as_str())
            .collect();
        let list = if not_met.is_empty() {
            String::new()
        } else {
            format!(" (not met: {})", not_met.join(", "))
        };
        let list_vi = if not_met.is_empty() {
            String::new()
        } else {
            format!(" (chưa đạt: {})", not_met.join(", "))
        };
        out.push(Finding {
            unit: unit.to_string(),
            indicator: Some(ind.code.clone()),
            year,
            kind: FindingKind::UnitsMetMismatch,
            severity: FindingKind::UnitsMetMismatch.severity(),
            message: format!(
                "the row says {says_met}/{says_total} communes meet {} but the communes' own rows give {met}/{total}{list}",
                ind.code
            ),
            message_vi: format!(
                "dòng tổng hợp ghi {says_met}/{says_total} xã đạt chỉ tiêu {} nhưng số liệu của các xã cho {met}/{total}{list_vi}",
                ind.code
            ),
        });
    }
    out
}
