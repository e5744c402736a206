//! Editing with a change log, and spot audits, through the real binary.

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use predicates::prelude::*;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn ntm(store: &Path) -> Command {
    let mut c = Command::cargo_bin("ntm").unwrap();
    c.arg("--store")
        .arg(store)
        .env_remove("NTM_STORE")
        .env("USER", "thanh-tra");
    c
}

fn demo_store(d: &Path) -> PathBuf {
    let s = d.join("s");
    ntm(&s)
        .arg("import")
        .arg(fixtures().join("bac-giang"))
        .assert()
        .success();
    ntm(&s)
        .arg("import")
        .arg(fixtures().join("sample"))
        .assert()
        .success();
    s
}

fn stdout(c: &mut Command) -> String {
    String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
fn edits_are_validated_logged_and_undoable() {
    let d = tempfile::tempdir().unwrap();
    let s = demo_store(d.path());
    // a figure change needs a reason; bad input changes nothing
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--numerator",
            "2600",
            "--denominator",
            "3009",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("needs --reason"));
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--numerator",
            "-2",
            "--denominator",
            "3009",
            "--reason",
            "r",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--numerator: -2 is negative"));
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "4.1",
            "2020",
            "--value",
            "maybe",
            "--reason",
            "r",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("is pass/fail"));
    ntm(&s)
        .args([
            "set", "nowhere", "4.1", "2020", "--value", "dat", "--reason", "r",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nowhere is not a unit"));
    assert_eq!(
        stdout(ntm(&s).args(["log", "--unit", "213-dinh-tri"])).trim(),
        "no changes recorded for that filter"
    );
    // a good change
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--numerator",
            "2600",
            "--denominator",
            "3009",
            "--stated-percent",
            "86.4",
            "--reason",
            "biên bản kiểm tra 20/3/2021",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("entry 3:"));
    let csv = stdout(ntm(&s).args(["export"]).arg(d.path().join("out")));
    assert!(csv.contains("exported"));
    let obs = std::fs::read_to_string(d.path().join("out/observations.csv")).unwrap();
    assert!(
        obs.contains("213-dinh-tri,qd1980-2016,17.6,2020,,2600,3009,86.4,"),
        "the new figures are stored"
    );
    let log = stdout(ntm(&s).args(["log", "--unit", "213-dinh-tri", "--indicator", "17.6"]));
    // the change log names the real account, not $USER (set to thanh-tra above)
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    assert!(!log.contains("thanh-tra"), "$USER was believed: {log}");
    assert!(
        log.contains(&me)
            && log.contains("set_value")
            && log.contains("reason: biên bản kiểm tra 20/3/2021"),
        "{log}"
    );
    assert!(
        log.contains("\"numerator\":2553.0") && log.contains("\"numerator\":2600.0"),
        "old and new values: {log}"
    );
    // note and flag
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--note",
            "đã đối chiếu sổ hộ",
            "--flag",
            "kiểm tra lại năm sau",
        ])
        .assert()
        .success();
    // undo the figure change: logged as a change of its own
    ntm(&s)
        .args(["undo", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("undid entry 3"));
    ntm(&s)
        .args(["export"])
        .arg(d.path().join("out2"))
        .assert()
        .success();
    let obs = std::fs::read_to_string(d.path().join("out2/observations.csv")).unwrap();
    assert!(
        obs.contains("213-dinh-tri,qd1980-2016,17.6,2020,,2553,3009,75.8,"),
        "undo restored the figures"
    );
    assert!(obs.contains("đã đối chiếu sổ hộ"), "the note stays");
    let log = stdout(ntm(&s).args(["log", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let actions: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["import", "import", "set_value", "set_note", "flag", "undo"]
    );
    assert_eq!(v[5]["reason"], "undo of entry 3");
    ntm(&s)
        .args(["log", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("6 entries, hash chain verified"));
}

/// Change the raw log tree with sled directly, as someone with file access could.
fn tamper(store: &Path, f: impl FnOnce(&sled::Tree)) {
    let db = sled::open(store).unwrap();
    let t = db.open_tree("log").unwrap();
    f(&t);
    db.flush().unwrap();
}

fn logged_store(d: &Path) -> PathBuf {
    let s = demo_store(d);
    for (i, n) in ["2560", "2570", "2580"].iter().enumerate() {
        ntm(&s)
            .args([
                "set",
                "213-dinh-tri",
                "17.6",
                "2020",
                "--numerator",
                n,
                "--denominator",
                "3009",
                "--reason",
                &format!("r{i}"),
            ])
            .assert()
            .success();
    }
    ntm(&s).args(["log", "verify"]).assert().success();
    s
}

#[test]
fn log_verify_catches_a_modified_byte() {
    let d = tempfile::tempdir().unwrap();
    let s = logged_store(d.path());
    tamper(&s, |t| {
        let k = 3u64.to_be_bytes();
        let mut v = t.get(k).unwrap().unwrap().to_vec();
        // change one digit of the new numerator (2560 → 2960) inside the record
        let pos = v
            .windows(4)
            .position(|w| w == b"2560")
            .expect("the value is in the record");
        v[pos + 1] = b'9';
        t.insert(k, v).unwrap();
    });
    ntm(&s)
        .args(["log", "verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("entry 3 was altered"));
}

#[test]
fn log_verify_catches_a_deleted_entry() {
    let d = tempfile::tempdir().unwrap();
    let s = logged_store(d.path());
    tamper(&s, |t| {
        t.remove(4u64.to_be_bytes()).unwrap();
    });
    ntm(&s)
        .args(["log", "verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("entry 4 is missing (removed)"));
    // the newest one removed
    tamper(&s, |t| {
        t.remove(5u64.to_be_bytes()).unwrap();
    });
    ntm(&s)
        .args(["log", "verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("entries were cut off"));
}

#[test]
fn log_verify_catches_a_swapped_pair() {
    let d = tempfile::tempdir().unwrap();
    let s = logged_store(d.path());
    tamper(&s, |t| {
        let (a, b) = (
            t.get(3u64.to_be_bytes()).unwrap().unwrap(),
            t.get(4u64.to_be_bytes()).unwrap().unwrap(),
        );
        t.insert(3u64.to_be_bytes(), b).unwrap();
        t.insert(4u64.to_be_bytes(), a).unwrap();
    });
    ntm(&s)
        .args(["log", "verify"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains("entry 4 is stored in position 3"));
}

#[test]
fn read_only_refuses_every_write_path() {
    let d = tempfile::tempdir().unwrap();
    let s = demo_store(d.path());
    ntm(&s)
        .args([
            "audit", "sample", "--name", "a1", "--size", "3", "--seed", "1",
        ])
        .assert()
        .success();
    let writes: Vec<Vec<String>> = vec![
        vec![
            "import".into(),
            fixtures().join("sample").display().to_string(),
        ],
        vec![
            "set".into(),
            "213-dinh-tri".into(),
            "17.6".into(),
            "2020".into(),
            "--value".into(),
            "80".into(),
            "--reason".into(),
            "r".into(),
        ],
        vec![
            "set".into(),
            "213-dinh-tri".into(),
            "17.6".into(),
            "2020".into(),
            "--flag".into(),
            "x".into(),
        ],
        vec!["undo".into(), "1".into()],
        vec![
            "framework".into(),
            "add".into(),
            fixtures()
                .join("frameworks/qd1980-2016.toml")
                .display()
                .to_string(),
        ],
        vec![
            "audit".into(),
            "sample".into(),
            "--name".into(),
            "a2".into(),
            "--size".into(),
            "3".into(),
            "--seed".into(),
            "1".into(),
        ],
        vec![
            "audit".into(),
            "mark".into(),
            "a1".into(),
            "1".into(),
            "--confirmed".into(),
        ],
    ];
    for w in &writes {
        ntm(&s)
            .arg("--read-only")
            .args(w)
            .assert()
            .code(2)
            .stderr(predicate::str::contains("read-only"));
    }
    // nothing was written
    ntm(&s)
        .args(["log", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("3 entries"));
    // reads still work read-only
    ntm(&s)
        .args(["--read-only", "check", "--fail-on", "none"])
        .assert()
        .success();
    ntm(&s)
        .args(["--read-only", "audit", "report", "a1"])
        .assert()
        .success();
}

fn sample(store: &Path, name: &str, seed: &str, extra: &[&str]) -> Vec<String> {
    ntm(store)
        .args([
            "audit", "sample", "--name", name, "--size", "12", "--seed", seed, "--year", "2020",
        ])
        .args(extra)
        .assert()
        .success();
    let out = stdout(ntm(store).args(["audit", "report", name, "--format", "csv"]));
    let mut r = csv::Reader::from_reader(out.as_bytes());
    r.records()
        .map(|x| {
            let x = x.unwrap();
            format!("{} {} {}", &x[1], &x[3], &x[4])
        })
        .collect()
}

#[test]
fn samples_are_reproducible_whatever_the_import_order() {
    let d = tempfile::tempdir().unwrap();
    let s1 = demo_store(d.path());
    // the same data imported the other way round, with the rows shuffled
    let s2 = d.path().join("s2");
    let b = d.path().join("shuffled");
    std::fs::create_dir(&b).unwrap();
    std::fs::copy(fixtures().join("sample/units.csv"), b.join("units.csv")).unwrap();
    let text = std::fs::read_to_string(fixtures().join("sample/observations.csv")).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    let head = lines.remove(0);
    lines.reverse();
    std::fs::write(
        b.join("observations.csv"),
        format!("{head}\n{}\n", lines.join("\n")),
    )
    .unwrap();
    ntm(&s2).arg("import").arg(&b).assert().success();
    ntm(&s2)
        .arg("import")
        .arg(fixtures().join("bac-giang"))
        .assert()
        .success();
    for (i, extra) in [
        &[][..],
        &["--weight", "risk"][..],
        &["--strata", "criterion"][..],
    ]
    .iter()
    .enumerate()
    {
        let a = sample(&s1, &format!("a{i}"), "2021", extra);
        let b = sample(&s2, &format!("a{i}"), "2021", extra);
        assert_eq!(a.len(), 12);
        assert_eq!(
            a, b,
            "same seed, same data, other import order: same sample ({extra:?})"
        );
    }
    let c = sample(&s1, "other", "2022", &[]);
    assert_ne!(
        sample(&s1, "again", "2021", &[]),
        c,
        "another seed, another sample"
    );
}

#[test]
fn a_stratified_sample_covers_every_stratum() {
    let d = tempfile::tempdir().unwrap();
    let s = demo_store(d.path());
    ntm(&s)
        .args([
            "audit", "sample", "--name", "u", "--size", "7", "--seed", "3", "--year", "2020",
            "--strata", "unit",
        ])
        .assert()
        .success();
    let out = stdout(ntm(&s).args(["audit", "report", "u", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let units: std::collections::BTreeSet<&str> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["unit"].as_str().unwrap())
        .collect();
    assert_eq!(units.len(), 7, "six communes and the city: {units:?}");
    ntm(&s)
        .args([
            "audit",
            "sample",
            "--name",
            "c",
            "--size",
            "19",
            "--seed",
            "3",
            "--year",
            "2020",
            "--strata",
            "criterion",
        ])
        .assert()
        .success();
    let out = stdout(ntm(&s).args(["audit", "report", "c", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let reg = ntm::framework::Registry::builtin();
    let fw = reg.get("qd1980-2016").unwrap();
    let crits: std::collections::BTreeSet<usize> = v["records"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            fw.indicator(r["indicator"].as_str().unwrap())
                .unwrap()
                .1
                .criterion
        })
        .collect();
    assert_eq!(crits.len(), 19, "every criterion once");
}

#[test]
fn audit_marks_feed_the_report_and_check() {
    let d = tempfile::tempdir().unwrap();
    let s = demo_store(d.path());
    ntm(&s)
        .args([
            "audit", "sample", "--name", "kt", "--size", "4", "--seed", "9", "--year", "2020",
            "--strata", "unit",
        ])
        .assert()
        .success();
    let out = stdout(ntm(&s).args(["audit", "report", "kt", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    // the first record on a numeric scale gets the discrepancy, a pass/fail one is confirmed
    let recs = v["records"].as_array().unwrap();
    let num = recs.iter().find(|r| r["scale"] != "pass_fail").unwrap();
    let pf = recs.iter().find(|r| r["scale"] == "pass_fail").unwrap();
    let (ni, pi) = (
        num["index"].as_u64().unwrap(),
        pf["index"].as_u64().unwrap(),
    );
    let second = num;
    let reported = second["reported"].as_f64().unwrap();
    let recount = reported * 0.8;
    ntm(&s)
        .args(["audit", "mark", "kt", &pi.to_string(), "--confirmed"])
        .assert()
        .success();
    // written the Vietnamese way, as in the interface (the default language)
    let recount_vi = format!("{recount}").replace('.', ",");
    ntm(&s)
        .args([
            "audit",
            "mark",
            "kt",
            &ni.to_string(),
            "--discrepancy",
            &recount_vi,
            "--note",
            "sổ theo dõi",
        ])
        .assert()
        .success();
    ntm(&s)
        .args(["audit", "mark", "kt", "9", "--confirmed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no record 9"));
    let out = stdout(ntm(&s).args(["audit", "report", "kt", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&out).unwrap();
    let at = |i: u64| &v["records"][(i - 1) as usize];
    // a pass/fail record agrees or not; it has no factor
    assert_eq!(at(pi)["verification_factor"], serde_json::Value::Null);
    assert_eq!(at(pi)["agrees"], true);
    assert!((at(ni)["verification_factor"].as_f64().unwrap() - 0.8).abs() < 1e-9);
    assert_eq!(at(ni)["flagged"], true);
    assert_eq!(v["overall"]["marked"], 2);
    assert_eq!(v["overall"]["discrepancies"], 1);
    assert_eq!(v["overall"]["outside_band"], 1);
    assert_eq!(v["overall"]["share_confirmed"], 0.5);
    assert!(
        v["overall"].get("verification_factor").is_none(),
        "no factor across scales: {}",
        v["overall"]
    );
    // check reports it
    let unit = second["unit"].as_str().unwrap().to_string();
    let ind = second["indicator"].as_str().unwrap().to_string();
    let out = stdout(ntm(&s).args([
        "check",
        "--year",
        "2020",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]));
    let c: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        c["findings"]
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["kind"] == "audit_discrepancy"
                && f["unit"] == unit.as_str()
                && f["indicator"] == ind.as_str()),
        "audit_discrepancy for {unit} {ind}"
    );
    // every mark is in the log
    let log = stdout(ntm(&s).args(["log"]));
    assert_eq!(log.matches("audit_mark").count(), 2);
    assert!(log.contains("audit_sample"));
}

#[test]
fn an_administrator_can_enforce_read_only() {
    let d = tempfile::tempdir().unwrap();
    let s = demo_store(d.path());
    let cfg = d.path().join("admin.toml");
    std::fs::write(&cfg, "read_only = true\n").unwrap();
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--value",
            "80",
            "--reason",
            "r",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only"));
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success();
    std::fs::write(&cfg, "read_only = false\n").unwrap();
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .args(["set", "213-dinh-tri", "17.6", "2020", "--flag", "x"])
        .assert()
        .success();
    std::fs::write(&cfg, "read_only = maybe\n").unwrap();
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .args(["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("admin.toml"));
}
