//! The real binary, driven as a script or cron job would: import, check, export, frameworks.

mod common;

use std::path::Path;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use common::{fixtures, imported, ntm};
use predicates::prelude::*;

fn json(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).expect("valid JSON")
}

#[test]
fn check_json_reports_the_source_reports_inconsistencies() {
    let (_d, s) = imported(&["bac-giang"]);
    let out = ntm(&s)
        .args([
            "check", "--unit", "213", "--year", "2020", "--format", "json",
        ])
        .assert()
        .code(1)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["framework"], "qd1980-2016");
    assert_eq!(v["year"], 2020);
    assert_eq!(v["against"], 2011);
    let units = v["units"].as_array().unwrap();
    let city = units
        .iter()
        .find(|u| u["code"] == "213")
        .expect("the city is evaluated");
    for k in [
        "code",
        "name",
        "criteria_met",
        "criteria_total",
        "meets_standard",
        "recognized",
    ] {
        assert!(city.get(k).is_some(), "unit object lacks {k}");
    }
    assert_eq!(city["name"], "Thành phố Bắc Giang");
    assert_eq!(city["criteria_total"], 19);
    let findings = v["findings"].as_array().unwrap();
    let has = |ind: &str, kind: &str| {
        findings.iter().any(|f| {
            f["unit"] == "213" && f["indicator"] == ind && f["kind"] == kind && f["year"] == 2020
        })
    };
    for ind in ["2.4", "17.6", "17.7"] {
        assert!(
            has(ind, "percent_mismatch"),
            "no percent_mismatch for {ind}"
        );
    }
    assert!(has("17.1b", "numerator_exceeds_denominator"));
    let f176 = findings
        .iter()
        .find(|f| f["indicator"] == "17.6" && f["kind"] == "percent_mismatch")
        .unwrap();
    assert_eq!(f176["message"], "stated 96.6% but 16153/16209 = 99.7%");
    assert_eq!(f176["severity"], "warning");
    for f in findings {
        for k in ["unit", "indicator", "year", "kind", "severity", "message"] {
            assert!(f.get(k).is_some(), "finding lacks {k}: {f}");
        }
    }
}

#[test]
fn exit_codes_follow_fail_on() {
    let (_d, s) = imported(&["bac-giang"]);
    // warnings and errors present → 1 by default
    ntm(&s).args(["check", "--unit", "213"]).assert().code(1);
    ntm(&s)
        .args(["check", "--unit", "213", "--fail-on", "none"])
        .assert()
        .code(0);
    // the 2011 baseline of a commune-less year: no data for a commune → nothing at error level
    ntm(&s)
        .args(["check", "--unit", "213-dinh-tri", "--fail-on", "error"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no data"));
    // usage and data errors → 2
    ntm(&s)
        .args(["check", "--unit", "nowhere"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown unit nowhere"));
    ntm(&s).args(["check", "--format", "xml"]).assert().code(2);
    ntm(&s)
        .args(["check", "--year", "2011", "--against", "2020"])
        .assert()
        .code(2);
}

#[test]
fn check_is_clean_at_error_level_on_a_good_commune() {
    let (_d, s) = imported(&["bac-giang", "sample"]);
    let out = ntm(&s)
        .args([
            "check",
            "--unit",
            "213-song-mai",
            "--format",
            "json",
            "--fail-on",
            "error",
        ])
        .assert()
        .code(0)
        .get_output()
        .stdout
        .clone();
    let v = json(&out);
    assert_eq!(v["year"], 2020);
    assert_eq!(v["against"], 2019);
    assert_eq!(v["units"][0]["recognized"]["kind"], "ntm");
    assert_eq!(v["units"][0]["recognized"]["year"], 2013);
}

#[test]
fn check_text_and_csv() {
    let (_d, s) = imported(&["bac-giang"]);
    ntm(&s)
        .args(["check", "--unit", "213", "--year", "2020"])
        .assert()
        .code(1)
        .stdout(predicate::str::contains(
            "ghi 96,6% nhưng 16.153/16.209 = 99,7%",
        ))
        .stdout(predicate::str::contains("Thành phố Bắc Giang"));
    ntm(&s)
        .args(["--lang", "en", "check", "--unit", "213", "--year", "2020"])
        .assert()
        .stdout(predicate::str::contains(
            "stated 96.6% but 16153/16209 = 99.7%",
        ));
    let out = ntm(&s)
        .args([
            "check", "--unit", "213", "--year", "2020", "--format", "csv",
        ])
        .assert()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    // the unit's name follows its code (an added column)
    assert!(text.starts_with("unit,unit_name,indicator,year,kind,severity,message\n"));
    assert!(text.contains("213,Thành phố Bắc Giang,17.1b,2020,numerator_exceeds_denominator,error,numerator 15457 exceeds denominator 15209"));
}

/// SHA-256 of every tree, key and value in the store (sled rewrites its files on any open,
/// so the contents, not the file bytes, are what must not change).
fn digest(store: &Path) -> String {
    ntm::store::Store::open(store, false)
        .unwrap()
        .content_digest()
        .unwrap()
}

#[test]
fn a_bad_last_row_changes_nothing() {
    let (d, s) = imported(&["bac-giang"]);
    let bad = d.path().join("bad");
    std::fs::create_dir(&bad).unwrap();
    std::fs::copy(
        fixtures().join("bac-giang/units.csv"),
        bad.join("units.csv"),
    )
    .unwrap();
    let mut obs = std::fs::read_to_string(fixtures().join("sample/observations.csv")).unwrap();
    obs += "213-dinh-tri,qd1980-2016,17.6,2021,,-1,10,,synthetic,\n";
    let last_line = obs.lines().count();
    std::fs::write(bad.join("observations.csv"), obs).unwrap();
    let before = digest(&s);
    ntm(&s)
        .arg("import")
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(format!(
            "observations.csv:{last_line}:numerator: -1 is negative"
        )))
        .stderr(predicate::str::contains("nothing was imported"));
    assert_eq!(before, digest(&s), "the store changed");
    // and the dry run of a good bundle writes nothing either
    ntm(&s)
        .args(["--lang", "en", "import", "--dry-run"])
        .arg(fixtures().join("sample"))
        .assert()
        .success()
        .stdout(predicate::str::contains("valid"));
    assert_eq!(before, digest(&s), "the dry run changed the store");
}

#[test]
fn export_then_import_round_trips_every_field() {
    let (d, s) = imported(&["bac-giang", "sample"]);
    let out1 = d.path().join("out1");
    ntm(&s)
        .arg("export")
        .arg(&out1)
        .assert()
        .success()
        .stdout(predicate::str::contains("1631 observations"));
    let s2 = d.path().join("store2");
    ntm(&s2).arg("import").arg(&out1).assert().success();
    let out2 = d.path().join("out2");
    ntm(&s2).arg("export").arg(&out2).assert().success();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        let a = std::fs::read_to_string(out1.join(f)).unwrap();
        let b = std::fs::read_to_string(out2.join(f)).unwrap();
        assert!(!a.is_empty());
        assert!(a == b, "{f} differs after a round trip");
    }
    // the exported rows carry the fixture's figures exactly
    let text = std::fs::read_to_string(out1.join("observations.csv")).unwrap();
    assert!(
        text.contains("213,qd1980-2016,2.1,2011,,15.848,25.55,62,2,6,"),
        "2.1 2011 row changed"
    );
    assert!(
        text.contains("213,qd1980-2016,17.1b,2020,,15457,15209,95.36,"),
        "17.1b 2020 row changed"
    );
    let rec = std::fs::read_to_string(out1.join("recognitions.csv")).unwrap();
    assert!(rec.contains("213-song-mai,ntm,2013,112/QĐ-UBND ngày 24/01/2014,UBND tỉnh Bắc Giang"));
}

#[test]
fn reimport_is_idempotent() {
    let (d, s) = imported(&["bac-giang", "bac-giang"]);
    let out = d.path().join("out");
    ntm(&s)
        .arg("export")
        .arg(&out)
        .assert()
        .success()
        .stdout(predicate::str::contains("102 observations"));
}

#[test]
fn a_second_process_gets_a_clear_lock_error_at_once() {
    let (_d, s) = imported(&["bac-giang"]);
    let held = ntm::store::Store::open(&s, false).unwrap();
    let t = Instant::now();
    ntm(&s)
        .args(["--wait", "0", "check"])
        .timeout(Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("in use by another ntm process"))
        .stderr(predicate::str::contains(s.display().to_string()));
    assert!(
        t.elapsed() < Duration::from_secs(5),
        "waited {:?}",
        t.elapsed()
    );
    drop(held);
    ntm(&s)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success();
}

#[test]
fn a_writer_waits_for_the_holder_and_then_goes_through() {
    let (_d, s) = imported(&["bac-giang"]);
    let held = ntm::store::Store::open(&s, false).unwrap();
    // the holder lets go after a second: the default wait (10 s) covers it
    let t = std::thread::spawn(move || {
        std::thread::sleep(Duration::from_millis(1_000));
        drop(held);
    });
    ntm(&s)
        .args(["set", "213", "17.6", "2020", "--flag", "xem lại"])
        .timeout(Duration::from_secs(30))
        .assert()
        .success()
        .stderr(predicate::str::contains("đang chờ (tối đa 10 giây)"));
    t.join().unwrap();
    // a wait shorter than the hold fails, naming the store
    let held = ntm::store::Store::open(&s, false).unwrap();
    ntm(&s)
        .args(["--wait", "0.5", "check"])
        .timeout(Duration::from_secs(30))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("in use by another ntm process"));
    drop(held);
    ntm(&s)
        .args(["--wait=-1", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not a number of seconds"));
}

#[test]
fn frameworks_list_show_and_add() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    ntm(&s)
        .args(["framework", "list"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("qd1980-2016")
                .and(predicate::str::contains("19 criteria, 51 indicators")),
        );
    ntm(&s)
        .args(["framework", "show", "qd1980-2016"])
        .assert()
        .success()
        .stdout(predicate::str::contains("17.1b"))
        .stdout(predicate::str::contains("TDMNPB >=70"))
        .stdout(predicate::str::contains("07/2017/QĐ-UBND"));
    // a malformed file: file, line and reason; exit 2
    let bad = d.path().join("bad.toml");
    std::fs::write(&bad, "id = \"x\"\nname = \"x\"\nname_en = \"x\"\nregions = []\ngroups = []\ncriteria = []\n\n[[indicators]]\ncode = \"1\"\ncriterion = \"1\"\nname = \"a\"\nname_en = \"a\"\nkind = \"percent\"\ncomparison = \">=\"\n").unwrap();
    ntm(&s)
        .args(["framework", "add"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.toml:10: indicator 1 names criterion 1, which is not defined",
        ));
    // a valid one is kept in the store
    let good = std::fs::read_to_string(fixtures().join("frameworks/qd1980-2016.toml"))
        .unwrap()
        .replace("id = \"qd1980-2016\"", "id = \"my-set\"");
    let gp = d.path().join("my.toml");
    std::fs::write(&gp, good).unwrap();
    ntm(&s)
        .args(["framework", "add"])
        .arg(&gp)
        .assert()
        .success();
    ntm(&s)
        .args(["framework", "list"])
        .assert()
        .success()
        .stdout(predicate::str::contains("my-set"));
    ntm(&s)
        .args(["--read-only", "framework", "add"])
        .arg(&gp)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only"));
}

#[test]
fn demo_print_shows_the_grid() {
    let mut c = Command::cargo_bin("ntm").unwrap();
    c.args(["demo", "--print"])
        .assert()
        .success()
        .stdout(predicate::str::contains("Thành phố Bắc Giang"))
        .stdout(predicate::str::contains("Dĩnh Trì"))
        .stdout(predicate::str::contains("Xã đạt chuẩn: 4/6"));
}

#[test]
fn the_committed_sample_is_what_the_generator_makes() {
    let d = tempfile::tempdir().unwrap();
    Command::cargo_bin("ntm")
        .unwrap()
        .args(["gen", "--seed", "2020"])
        .arg(d.path())
        .assert()
        .success();
    for f in ["units.csv", "observations.csv"] {
        assert_eq!(
            std::fs::read(d.path().join(f)).unwrap(),
            std::fs::read(fixtures().join("sample").join(f)).unwrap(),
            "fixtures/sample/{f} is not what `ntm gen --seed 2020` writes"
        );
    }
    let other = tempfile::tempdir().unwrap();
    Command::cargo_bin("ntm")
        .unwrap()
        .args(["gen", "--seed", "7"])
        .arg(other.path())
        .assert()
        .success();
    assert_ne!(
        std::fs::read(other.path().join("observations.csv")).unwrap(),
        std::fs::read(d.path().join("observations.csv")).unwrap()
    );
}

#[test]
fn help_and_version_for_every_command() {
    let mut c = Command::cargo_bin("ntm").unwrap();
    c.arg("--version")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("ntm "));
    for sub in [
        "import",
        "export",
        "check",
        "grid",
        "framework",
        "demo",
        "gen",
    ] {
        Command::cargo_bin("ntm")
            .unwrap()
            .args([sub, "--help"])
            .assert()
            .success()
            .stdout(predicate::str::contains("Usage: ntm"));
    }
}

#[test]
fn bad_bundles_never_panic() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let cases: &[(&str, &[u8], &[u8], &str)] = &[
        ("empty", b"", b"", "file is empty"),
        ("no header", b"c1,X,commune\n", b"", "required column is missing"),
        ("wrong column", b"code,name,level,kind\nc1,X,commune,x\n", b"unit_code,framework,indicator,year\n", "unknown column"),
        ("latin1", b"code,name,level\nc1,\xD0\xF4ng,commune\n", b"unit_code,framework,indicator,year\n", "not UTF-8"),
        ("negative", b"code,name,level\nc1,X,commune\n", b"unit_code,framework,indicator,year,numerator,denominator\nc1,qd1980-2016,4.2,2020,-3,10\n", "negative"),
        ("year 0", b"code,name,level\nc1,X,commune\n", b"unit_code,framework,indicator,year,value\nc1,qd1980-2016,4.1,0,dat\n", "four-digit year"),
        ("lone numerator", b"code,name,level\nc1,X,commune\n", b"unit_code,framework,indicator,year,numerator\nc1,qd1980-2016,4.2,2020,3\n", "go together"),
    ];
    for (name, units, obs, msg) in cases {
        let b = d.path().join(name.replace(' ', "_"));
        std::fs::create_dir_all(&b).unwrap();
        std::fs::write(b.join("units.csv"), units).unwrap();
        std::fs::write(b.join("observations.csv"), obs).unwrap();
        let out = ntm(&s)
            .arg("import")
            .arg(&b)
            .assert()
            .code(2)
            .get_output()
            .clone();
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains(msg), "{name}: {err}");
        assert!(!err.contains("panicked"), "{name}: {err}");
    }
    // a file instead of a folder
    let f = d.path().join("file.csv");
    std::fs::write(&f, "x").unwrap();
    ntm(&s)
        .arg("import")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("this is a file"));
}

#[test]
fn hostile_text_never_reaches_the_terminal_raw() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir(&b).unwrap();
    let evil = "Xã \u{1b}[2J\u{1b}]0;owned\u{7}Dĩnh\rTrì\u{202E}ab\u{200B}c";
    std::fs::write(
        b.join("units.csv"),
        format!("code,name,level,parent_code,region\n24,Tỉnh,province,,TDMNPB\n213,\"{evil}\",district,24,\nc1,\"{evil}\",commune,213,\n"),
    )
    .unwrap();
    std::fs::write(
        b.join("observations.csv"),
        format!("unit_code,framework,indicator,year,numerator,denominator,stated_percent,note,source\nc1,qd1980-2016,17.6,2020,5,10,90,\"{evil}\",\"{evil}\"\n213,qd1980-2016,17.6,2020,5,10,90,,\n"),
    )
    .unwrap();
    let s = d.path().join("s");
    ntm(&s).arg("import").arg(&b).assert().success();
    for args in [
        &["check", "--fail-on", "none"][..],
        &["grid", "--unit", "213"][..],
        &["report", "--unit", "213"][..],
        &["report", "--unit", "213", "--format", "md"][..],
        &["log"][..],
        &["framework", "list"][..],
    ] {
        let out = ntm(&s)
            .args(args)
            .assert()
            .success()
            .get_output()
            .stdout
            .clone();
        let text = String::from_utf8(out).unwrap();
        let bad: Vec<char> = text
            .chars()
            .filter(|c| (c.is_control() && *c != '\n') || matches!(c, '\u{202A}'..='\u{202E}' | '\u{200B}'..='\u{200F}' | '\u{2066}'..='\u{2069}'))
            .collect();
        assert!(bad.is_empty(), "{args:?} wrote {bad:?}");
        assert!(
            ntm::text::fold(&text).contains("dinh") || args[0] == "log" || args[0] == "framework",
            "{args:?}: the name is still shown"
        );
    }
    // JSON escapes them instead (it is data, not terminal output)
    let out = ntm(&s)
        .args(["check", "--format", "json", "--fail-on", "none"])
        .assert()
        .get_output()
        .stdout
        .clone();
    assert!(!out.contains(&0x1b), "raw ESC in JSON");
}

#[test]
fn one_bad_unit_is_reported_once_and_the_count_is_every_problem() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir(&b).unwrap();
    // a district with a bad region, and 60 communes under it: one problem, not 61
    let mut units = String::from("code,name,level,parent_code,region\nP,Tỉnh,province,,TDMNPB\n");
    units += "D,Huyện,district,P,NOWHERE\n";
    let mut obs = String::from("unit_code,framework,indicator,year,value\n");
    for i in 0..60 {
        units += &format!("C{i},Xã {i},commune,D,\n");
        obs += &format!("C{i},qd1980-2016,1.1,2020,dat\n");
    }
    std::fs::write(b.join("units.csv"), units).unwrap();
    std::fs::write(b.join("observations.csv"), obs).unwrap();
    let o = ntm(&d.path().join("s"))
        .arg("import")
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(err.matches("units.csv:").count(), 1, "{err}");
    assert!(err.contains("units.csv:3:region"), "{err}");
    assert!(err.contains("rejected: 1 problem listed above"), "{err}");

    // 70 bad rows: 50 listed, the rest counted, and the total is all 70
    let mut obs = String::from("unit_code,framework,indicator,year,value\n");
    for i in 0..70 {
        obs += &format!("C{},qd1980-2016,1.1,20x{i},dat\n", i % 60);
    }
    std::fs::write(
        b.join("units.csv"),
        "code,name,level,parent_code,region\nP,Tỉnh,province,,TDMNPB\n".to_string()
            + &(0..60)
                .map(|i| format!("C{i},Xã {i},commune,P,\n"))
                .collect::<String>(),
    )
    .unwrap();
    std::fs::write(b.join("observations.csv"), obs).unwrap();
    let o = ntm(&d.path().join("s"))
        .arg("import")
        .arg(&b)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(err.contains("… and 20 more problems not listed"), "{err}");
    assert!(
        err.contains("rejected: 70 problems, the first 50 listed above"),
        "{err}"
    );
}

/// units.csv that cannot be read (a misspelt header, a Windows-1258 file): said once, and the
/// other files' unit codes are not reported a hundred times as unknown.
#[test]
fn an_unreadable_units_file_is_reported_once() {
    let units = std::fs::read(fixtures().join("bac-giang/units.csv")).unwrap();
    let text = String::from_utf8(units.clone()).unwrap();
    // "ắ" as Windows-1258 writes it: ă (0xE3) and a combining acute (0xEC)
    let mut cp1258 = Vec::new();
    let mut rest = &units[..];
    let mark = "ắ".as_bytes();
    while let Some(p) = rest.windows(mark.len()).position(|w| w == mark) {
        cp1258.extend_from_slice(&rest[..p]);
        cp1258.extend_from_slice(&[0xE3, 0xEC]);
        rest = &rest[p + mark.len()..];
    }
    cp1258.extend_from_slice(rest);
    let cases = [
        (
            text.replacen("region", "regoin", 1).into_bytes(),
            "units.csv:1:regoin: unknown column",
        ),
        (cp1258, "units.csv:2: not UTF-8"),
    ];
    for (bytes, want) in cases {
        let d = tempfile::tempdir().unwrap();
        let b = d.path().join("b");
        common::copy_dir(&fixtures().join("bac-giang"), &b);
        std::fs::write(b.join("units.csv"), bytes).unwrap();
        let o = ntm(&d.path().join("s"))
            .arg("import")
            .arg(&b)
            .output()
            .unwrap();
        assert_eq!(o.status.code(), Some(2), "{want}");
        let err = String::from_utf8_lossy(&o.stderr);
        assert!(err.contains(want), "{err}");
        assert!(!err.contains("is not a unit"), "{err}");
        assert!(err.contains("rejected: 1 problem listed above"), "{err}");
    }
}

#[test]
fn hostile_framework_text_never_reaches_the_terminal_raw() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let base = std::fs::read_to_string(fixtures().join("frameworks/qd1980-2016.toml")).unwrap();
    // an id with an OSC title sequence: refused at parse time, and the refusal is clean
    let evil_id = base.replacen(
        "id = \"qd1980-2016\"",
        "id = \"x\\u001b]0;pwned\\u0007\\u001b[2J\"",
        1,
    );
    let p = d.path().join("evil\u{1b}[31m.toml");
    std::fs::write(&p, evil_id).unwrap();
    let o = ntm(&s).args(["framework", "add"]).arg(&p).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("framework id") && err.contains("control characters"),
        "{err}"
    );
    assert!(
        !o.stderr.contains(&0x1b) && !o.stderr.contains(&0x07),
        "{err:?}"
    );
    // escapes in the parts a framework may hold (region, name, decision, unit, target key):
    // added, listed and shown, never raw
    let evil = base
        .replacen("id = \"qd1980-2016\"", "id = \"evil-set\"", 1)
        .replace("\"TDMNPB\"", "\"T\\u001b[31mD\"")
        .replace("TDMNPB =", "\"T\\u001b[31mD\" =")
        .replacen("name = \"", "name = \"\\u001b]0;t\\u0007", 1)
        .replacen("unit = \"hộ\"", "unit = \"h\\u001b[5m\"", 1);
    std::fs::write(d.path().join("evil.toml"), evil).unwrap();
    for args in [
        vec![
            "framework",
            "add",
            d.path().join("evil.toml").to_str().unwrap(),
        ],
        vec!["framework", "list"],
        vec!["framework", "show", "evil-set"],
    ] {
        let o = ntm(&s).args(&args).output().unwrap();
        assert!(
            o.status.success(),
            "{args:?}: {}",
            String::from_utf8_lossy(&o.stderr)
        );
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains("evil-set"), "{args:?}: {out}");
        assert!(
            !o.stdout.contains(&0x1b) && !o.stdout.contains(&0x07),
            "{args:?}: {out:?}"
        );
        assert!(!o.stderr.contains(&0x1b), "{args:?}");
    }
}

#[test]
fn a_utf16_bundle_is_named_with_its_conversion_command() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir(&b).unwrap();
    let units = "code,name,level\nc1,Dĩnh Trì,commune\n";
    // what Excel's "Unicode text" writes: little-endian with a byte-order mark
    let mut bytes = vec![0xFF, 0xFE];
    for u in units.encode_utf16() {
        bytes.extend(u.to_le_bytes());
    }
    std::fs::write(b.join("units.csv"), bytes).unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value\n",
    )
    .unwrap();
    let o = ntm(&d.path().join("s"))
        .arg("import")
        .arg(&b)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("units.csv:1: is UTF-16 text (UTF-16LE), not UTF-8; convert it with: iconv -f UTF-16LE -t UTF-8 units.csv > units.utf8.csv"),
        "{err}"
    );
    assert!(
        !err.contains("Windows-1258") && !err.contains('\u{FFFD}'),
        "{err}"
    );
}

#[test]
fn set_is_held_to_the_import_bounds_and_takes_counts_behind_a_verdict() {
    let (_d, s) = imported(&["bac-giang"]);
    let set = |args: &[&str]| {
        ntm(&s)
            .args(["set", "213"])
            .args(args)
            .args(["--reason", "test"])
            .output()
            .unwrap()
    };
    for (args, want) in [
        (
            &[
                "17.6",
                "2020",
                "--numerator",
                "1e308",
                "--denominator",
                "100",
            ][..],
            "--numerator: 1e308 is over 1000000000",
        ),
        (
            &[
                "17.6",
                "2020",
                "--numerator",
                "5",
                "--denominator",
                "1e-320",
            ][..],
            "--denominator: 1e-320 is not a whole number",
        ),
        (
            &["17.6", "2020", "--value", "50", "--stated-percent", "-1"][..],
            "--stated-percent: -1 is not a percentage between 0 and 100",
        ),
        (
            &[
                "17.6",
                "2020",
                "--value",
                "50",
                "--numerator",
                "5",
                "--denominator",
                "10",
            ][..],
            "give either value or numerator+denominator, not both",
        ),
    ] {
        let o = set(args);
        let err = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(2), "{args:?}: {err}");
        assert!(err.contains(want), "{args:?}: {err}");
    }
    // criterion 16 of the city report: "51/58 thôn" behind the verdict
    let o = set(&[
        "16",
        "2020",
        "--value",
        "dat",
        "--numerator",
        "51",
        "--denominator",
        "58",
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let out = ntm(&s)
        .args(["export"])
        .arg(s.with_extension("out"))
        .output()
        .unwrap();
    assert!(out.status.success());
    let obs = std::fs::read_to_string(s.with_extension("out").join("observations.csv")).unwrap();
    assert!(obs.contains("213,qd1980-2016,16,2020,dat,51,58,"), "{obs}");
}

#[test]
fn check_on_a_year_or_scope_without_data_is_an_error_not_all_clear() {
    let (_d, s) = imported(&["bac-giang"]);
    // FORMAT.md §3: exit 2, never a silent 0 that a cron job would read as "all clear"
    let out = ntm(&s)
        .args(["check", "--year", "2021", "--format", "json"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("không có số liệu"))
        .stderr(predicate::str::contains("2011, 2020"))
        .get_output()
        .stdout
        .clone();
    assert!(out.is_empty(), "nothing on stdout for a script to misread");
    ntm(&s)
        .args(["--lang", "en", "check", "--unit", "213", "--year", "2019"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "no data for Thành phố Bắc Giang (213) in 2019",
        ));
    // a year with data still checks as before
    ntm(&s)
        .args(["check", "--year", "2020", "--fail-on", "none"])
        .assert()
        .success();
}

/// The README says what `ntm demo` loads, and it is what the demo store holds.
#[test]
fn the_readme_names_the_bundles_the_demo_loads() {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    let at = readme
        .find("`ntm demo` loads")
        .expect("the README says what the demo loads");
    let sentence = &readme[at..at + readme[at..].find(';').unwrap()];
    let named: Vec<&str> = [
        "bac-giang",
        "sample",
        "merge-example",
        "post-2025",
        "criteria-sets",
    ]
    .into_iter()
    .filter(|f| sentence.contains(&format!("fixtures/{f}`")))
    .collect();
    assert_eq!(named, ["bac-giang", "sample"], "{sentence}");
    let d = tempfile::tempdir().unwrap();
    let store = ntm::cli::demo::load_demo(d.path()).unwrap();
    let q = ntm::query::Query::new(&store).unwrap();
    // a unit of each bundle named, none of the others
    assert!(q.unit("213").is_ok() && q.unit("213-song-mai").is_ok());
    assert!(q.unit("901").is_err(), "merge-example is not in the demo");
    assert!(q.unit("90-hoa-an").is_err());
}
