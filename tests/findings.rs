//! The findings engine on real and synthetic data, through the real binary.

mod common;

use std::path::Path;

use assert_cmd::Command;
use common::{fixtures, imported, ntm};

const CONSISTENCY: [&str; 5] = [
    "numerator_exceeds_denominator",
    "percent_mismatch",
    "denominator_mismatch",
    "units_met_mismatch",
    "implausible_change",
];

fn check(store: &Path, args: &[&str]) -> serde_json::Value {
    let out = ntm(store)
        .arg("check")
        .args(args)
        .args(["--format", "json", "--fail-on", "none"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    serde_json::from_slice(&out).unwrap()
}

fn findings(v: &serde_json::Value) -> Vec<(String, String, String)> {
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["unit"].as_str().unwrap().to_string(),
                f["indicator"].as_str().unwrap_or("-").to_string(),
                f["kind"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

#[test]
fn the_city_report_inconsistencies_are_all_found() {
    let (_d, s) = imported(&["bac-giang"]);
    let f = findings(&check(&s, &["--unit", "213", "--year", "2020"]));
    let has = |i: &str, k: &str| f.iter().any(|x| x.0 == "213" && x.1 == i && x.2 == k);
    for (i, k) in [
        ("2.4", "percent_mismatch"),
        ("17.1b", "numerator_exceeds_denominator"),
        ("17.1b", "percent_mismatch"),
        ("17.1b", "denominator_mismatch"),
        ("17.6", "percent_mismatch"),
        ("17.7", "percent_mismatch"),
        ("14.3", "denominator_mismatch"),
    ] {
        assert!(has(i, k), "2020: no {k} on {i}: {f:?}");
    }
    // nothing else about consistency: the rest of the appendix adds up
    let consistency = f
        .iter()
        .filter(|x| CONSISTENCY.contains(&x.2.as_str()))
        .count();
    assert_eq!(consistency, 7, "{f:?}");
    // the 2011 baseline: 2.2's printed 73,5 % and 17.6's 13.753 households
    let f = findings(&check(&s, &["--unit", "213", "--year", "2011"]));
    let has = |i: &str, k: &str| f.iter().any(|x| x.1 == i && x.2 == k);
    assert!(has("2.2", "percent_mismatch"), "{f:?}");
    assert!(has("17.6", "denominator_mismatch"), "{f:?}");
}

#[test]
fn a_clean_synthetic_bundle_has_no_consistency_findings() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("clean");
    Command::cargo_bin("ntm")
        .unwrap()
        .args(["gen", "--clean", "--seed", "11"])
        .arg(&b)
        .assert()
        .success();
    let s = d.path().join("s");
    ntm(&s).arg("import").arg(&b).assert().success();
    for year in ["2016", "2017", "2018", "2019", "2020"] {
        let f = findings(&check(&s, &["--year", year]));
        let bad: Vec<_> = f
            .iter()
            .filter(|x| CONSISTENCY.contains(&x.2.as_str()))
            .collect();
        assert!(bad.is_empty(), "{year}: {bad:?}");
    }
    // while the planted sample does have them
    let s2 = d.path().join("s2");
    ntm(&s2)
        .arg("import")
        .arg(fixtures().join("sample"))
        .assert()
        .success();
    let f = findings(&check(&s2, &["--year", "2020"]));
    assert!(f.iter().any(|x| x.2 == "percent_mismatch"), "{f:?}");
}

#[test]
fn aggregate_rows_are_compared_with_the_communes_and_risk_is_reported() {
    let (_d, s) = imported(&["bac-giang", "sample"]);
    let v = check(&s, &["--unit", "213", "--year", "2020"]);
    let f = v["findings"].as_array().unwrap();
    // the city's appendix says 6/6 communes meet 17.7; in the sample Song Khê does not
    let m = f
        .iter()
        .find(|x| {
            x["unit"] == "213" && x["kind"] == "units_met_mismatch" && x["indicator"] == "17.7"
        })
        .expect("units_met_mismatch on 17.7");
    assert!(
        m["message"].as_str().unwrap().contains("not met: Song Khê"),
        "{m}"
    );
    // recognised communes carry a revocation risk; the regressed one is not "none"
    let units = v["units"].as_array().unwrap();
    let sk = units.iter().find(|u| u["code"] == "213-song-khe").unwrap();
    assert_eq!(
        sk["revocation_risk"], "medium",
        "17 (environment) is a key criterion"
    );
    let sm = units.iter().find(|u| u["code"] == "213-song-mai").unwrap();
    assert_eq!(sm["revocation_risk"], "none");
    let city = units.iter().find(|u| u["code"] == "213").unwrap();
    assert!(
        city["revocation_risk"].is_null(),
        "the city itself is not recognised"
    );
    // KPI summary
    assert_eq!(v["summary"]["communes"], 6);
    assert_eq!(v["summary"]["communes_meeting_standard"], 4);
}
