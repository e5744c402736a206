//! `check --kinds/--skip-kinds/--covered-only` on a source that covers two indicators.

mod common;

use std::path::Path;

use common::ntm;

/// Two communes of a Đồng bằng sông Hồng district; the source gives 17.6 for both and 2.2 for
/// one only, written the Vietnamese way.
fn partial_store(d: &Path) -> std::path::PathBuf {
    let b = d.join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("units.csv"),
        "code,name,level,parent_code,region\n\
         30,Hải Dương,province,,DBSH\n\
         288,Huyện Gia Lộc,district,30,\n\
         288-a,Xã Gia Tân,commune,288,\n\
         288-b,Xã Gia Khánh,commune,288,\n",
    )
    .unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value,numerator,denominator,stated_percent,source\n\
         288-a,qd1980-2016,17.6,2020,,1.950,2.010,\"97,0\",Báo cáo xã\n\
         288-b,qd1980-2016,17.6,2020,,1.204,1.290,\"93,3\",Báo cáo xã\n\
         288-a,qd1980-2016,2.2,2020,,\"12,5\",\"13,1\",,Báo cáo xã\n",
    )
    .unwrap();
    let s = d.join("store");
    ntm(&s)
        .args(["import", "--locale", "vi"])
        .arg(&b)
        .assert()
        .success();
    s
}

fn kinds(s: &Path, args: &[&str]) -> Vec<(String, String, String)> {
    let out = ntm(s)
        .args([
            "check",
            "--year",
            "2020",
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
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
fn missing_fires_only_for_what_the_source_covers() {
    let d = tempfile::tempdir().unwrap();
    let s = partial_store(d.path());
    let all = kinds(&s, &[]);
    let missing_all = all.iter().filter(|f| f.2 == "missing").count();
    assert!(missing_all > 40, "{missing_all} missing without the flag");
    let covered = kinds(&s, &["--covered-only"]);
    let missing: Vec<_> = covered.iter().filter(|f| f.2 == "missing").collect();
    // 2.2 is covered (288-a has it), so 288-b lacking it is still reported
    assert!(
        missing.iter().any(|f| f.0 == "288-b" && f.1 == "2.2"),
        "{missing:?}"
    );
    assert!(
        missing.iter().all(|f| f.1 == "2.2" || f.1 == "17.6"),
        "{missing:?}"
    );
    // the other findings are untouched
    let rest = |v: &[(String, String, String)]| -> Vec<(String, String, String)> {
        v.iter().filter(|f| f.2 != "missing").cloned().collect()
    };
    assert_eq!(rest(&all), rest(&covered));
}

#[test]
fn kinds_and_skip_kinds_take_the_stable_names() {
    let d = tempfile::tempdir().unwrap();
    let s = partial_store(d.path());
    let all = kinds(&s, &[]);
    let only = kinds(&s, &["--kinds", "missing,below_target"]);
    assert!(!only.is_empty());
    assert!(
        only.iter()
            .all(|f| f.2 == "missing" || f.2 == "below_target")
    );
    let want: Vec<_> = all
        .iter()
        .filter(|f| f.2 == "missing" || f.2 == "below_target")
        .cloned()
        .collect();
    assert_eq!(only, want);
    let skipped = kinds(&s, &["--skip-kinds", "missing"]);
    assert!(skipped.iter().all(|f| f.2 != "missing"));
    assert_eq!(
        skipped.len(),
        all.iter().filter(|f| f.2 != "missing").count()
    );
    // without `missing`, the exit status says something again
    ntm(&s)
        .args(["check", "--year", "2020", "--skip-kinds", "missing"])
        .args(["--kinds", "numerator_exceeds_denominator"])
        .assert()
        .success();
    let bad = ntm(&s)
        .args(["check", "--kinds", "missng"])
        .assert()
        .failure()
        .get_output()
        .stderr
        .clone();
    let bad = String::from_utf8(bad).unwrap();
    assert!(
        bad.contains("missng") && bad.contains("percent_mismatch"),
        "{bad}"
    );
}
