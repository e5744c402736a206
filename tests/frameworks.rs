//! Criteria sets beyond 1980 (issue 8): the 318 and 51/2025 sets, their unconfirmed parts in
//! `framework show`, units' commune groups, per-framework KPIs in the grid and `check`, the
//! framework switch in the interface, and an indicator's series across the 2020/2021 change
//! of set (fixtures/criteria-sets, synthetic).

mod common;

use std::path::Path;

use common::{fixtures, imported, ntm};
use ntm::i18n::Lang;
use ntm::store::Store;
use ntm::tui::action::Action;
use ntm::tui::app::{App, Options, Screen};
use ntm::tui::{Keymap, draw};
use predicates::prelude::*;
use ratatui::Terminal;
use ratatui::backend::TestBackend;

fn stdout(s: &Path, args: &[&str]) -> String {
    let out = ntm(s).args(args).output().unwrap();
    String::from_utf8(out.stdout).unwrap()
}

fn json(s: &Path, args: &[&str]) -> serde_json::Value {
    let out = ntm(s).args(args).output().unwrap();
    serde_json::from_slice(&out.stdout).expect("valid JSON")
}

// ---------- framework files and `framework show`

#[test]
fn framework_list_has_the_new_sets() {
    let d = tempfile::tempdir().unwrap();
    let out = stdout(&d.path().join("s"), &["framework", "list"]);
    for want in [
        "qd318-2022     19 criteria, 20 indicators",
        "qd318-2022-nang-cao 19 criteria, 19 indicators",
        "qd51-2025      10 criteria, 10 indicators",
    ] {
        assert!(out.contains(want), "{want:?} not in\n{out}");
    }
}

#[test]
fn framework_show_flags_what_no_source_confirms() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let out = stdout(&s, &["framework", "show", "qd51-2025"]);
    assert!(
        out.contains("commune groups (instead of regions; units.csv column commune_group): 1 2 3"),
        "{out}"
    );
    assert!(
        out.contains("indicators in this file: 10 (the decision declares 47"),
        "{out}"
    );
    assert!(
        out.contains("  7 Khoa học, công nghệ và chuyển đổi số\n"),
        "{out}"
    );
    // each criterion-level indicator is flagged, and says it has no numeric target
    assert_eq!(
        out.matches("[UNCONFIRMED] breakdown not confirmed").count(),
        10,
        "{out}"
    );
    assert_eq!(
        out.matches("no numeric target — not confirmed by a source")
            .count(),
        10,
        "{out}"
    );

    let out = stdout(&s, &["framework", "show", "qd318-2022-nang-cao"]);
    // 14 Y tế is confirmed: no flag on its line; the others are
    assert!(out.contains("\n  14 Y tế\n"), "{out}");
    assert!(
        out.contains("  1 Tiêu chí 1 (tên chưa xác nhận)  [UNCONFIRMED] number/name not confirmed by a source"),
        "{out}"
    );
    assert_eq!(
        out.matches("number/name not confirmed").count(),
        18,
        "{out}"
    );
    assert!(out.contains("Chất lượng môi trường sống"), "{out}");

    let out = stdout(&s, &["framework", "show", "qd318-2022"]);
    assert!(
        out.contains("  3 Thủy lợi và phòng, chống thiên tai\n"),
        "{out}"
    );
    assert!(out.contains("  11 Nghèo đa chiều\n"), "{out}");
    // 15.3 is confirmed, with its ceilings and no flag
    let l = out
        .lines()
        .skip_while(|l| !l.contains("15.3   ratio"))
        .take(2)
        .collect::<Vec<_>>();
    assert!(!l[0].contains("UNCONFIRMED"), "{l:?}");
    assert_eq!(
        l[1].trim(),
        "targets: BTB <=25; DBSCL <=19; DBSH <=16.5; DHNTB <=22; DNB <=14.5; TDMNPB <=24; TN <=26.5"
    );
    assert!(
        out.contains("[UNCONFIRMED] group not confirmed by a source"),
        "{out}"
    );
    // the 1980 set has nothing flagged
    let out = stdout(&s, &["framework", "show", "qd1980-2016"]);
    assert!(!out.contains("UNCONFIRMED"), "{out}");
}

// ---------- commune_group in units.csv

const UNITS_HEAD: &str =
    "code,name,level,parent_code,region,valid_from,valid_to,successor_code,commune_group\n";

#[test]
fn commune_group_round_trips_and_old_bundles_keep_their_columns() {
    let (d, s) = imported(&["criteria-sets"]);
    let out = d.path().join("out");
    ntm(&s).arg("export").arg(&out).assert().success();
    let units = std::fs::read_to_string(out.join("units.csv")).unwrap();
    assert!(units.starts_with(UNITS_HEAD), "{units}");
    assert!(
        units.contains("\n901,Huyện Mẫu,district,90,,,,,3\n"),
        "{units}"
    );
    assert!(
        units.contains("\n90101,Xã Một,commune,901,,,,,\n"),
        "{units}"
    );
    assert!(
        units.contains("\n90102,Xã Hai,commune,901,,,,,1\n"),
        "{units}"
    );
    // re-imported into an empty store, it exports the same bytes
    let s2 = d.path().join("s2");
    ntm(&s2).arg("import").arg(&out).assert().success();
    let out2 = d.path().join("out2");
    ntm(&s2).arg("export").arg(&out2).assert().success();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        assert_eq!(
            std::fs::read(out.join(f)).unwrap(),
            std::fs::read(out2.join(f)).unwrap(),
            "{f}"
        );
    }
    // and through a workbook
    let book = d.path().join("b.xlsx");
    ntm(&s)
        .args(["export", "--xlsx"])
        .arg(&book)
        .assert()
        .success();
    let s3 = d.path().join("s3");
    ntm(&s3).arg("import").arg(&book).assert().success();
    let out3 = d.path().join("out3");
    ntm(&s3).arg("export").arg(&out3).assert().success();
    assert_eq!(
        std::fs::read_to_string(out3.join("units.csv")).unwrap(),
        units
    );

    // a bundle without the column exports without it
    let (d, s) = imported(&["bac-giang"]);
    ntm(&s)
        .arg("export")
        .arg(d.path().join("o"))
        .assert()
        .success();
    let units = std::fs::read_to_string(d.path().join("o/units.csv")).unwrap();
    assert!(
        units
            .starts_with("code,name,level,parent_code,region,valid_from,valid_to,successor_code\n"),
        "{units}"
    );
}

#[test]
fn a_bad_commune_group_names_file_line_and_column() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("units.csv"),
        format!("{UNITS_HEAD}90,Tỉnh,province,,,,,,\n901,Huyện,district,90,,,,,4\n902,Huyện 2,district,90,,,,,nhóm 1\n"),
    )
    .unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value\n",
    )
    .unwrap();
    let s = d.path().join("s");
    ntm(&s)
        .arg("import")
        .arg(&b)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "units.csv:3:commune_group: unknown commune group \"4\" (one of 1, 2, 3",
        ))
        .stderr(predicate::str::contains(
            "units.csv:4:commune_group: unknown commune group \"nhóm 1\"",
        ));
}

#[test]
fn group_based_targets_come_from_the_units_commune_group() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let fw = d.path().join("grp.toml");
    std::fs::write(
        &fw,
        r#"id = "grp-test"
name = "Thử theo nhóm xã"
name_en = "Group test"
commune_groups = ["1", "2", "3"]

[[criteria]]
code = "1"
name = "Điện"
name_en = "Power"

[[indicators]]
code = "1"
criterion = "1"
name = "Tỷ lệ hộ dùng điện"
name_en = "Households with power"
kind = "ratio"
unit = "hộ"
comparison = ">="
targets = { "1" = 99.0, "3" = 90.0 }
unconfirmed = ["2"]
sources = { "1" = "test", "3" = "test" }
"#,
    )
    .unwrap();
    ntm(&s)
        .args(["framework", "add"])
        .arg(&fw)
        .assert()
        .success();
    ntm(&s)
        .arg("import")
        .arg(fixtures().join("criteria-sets"))
        .assert()
        .success();
    let b = d.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(b.join("units.csv"), "code,name,level\n").unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value\n90101,grp-test,1,2026,95\n90102,grp-test,1,2026,95\n",
    )
    .unwrap();
    ntm(&s).arg("import").arg(&b).assert().success();
    let v = json(
        &s,
        &[
            "check",
            "--unit",
            "901",
            "--framework",
            "grp-test",
            "--format",
            "json",
        ],
    );
    let f = v["findings"].as_array().unwrap();
    // Xã Một inherits group 3 from its district: 95 meets >= 90; Xã Hai (group 1) misses 99
    assert!(
        f.iter().any(|x| x["unit"] == "90102"
            && x["kind"] == "below_target"
            && x["message"].as_str().unwrap().contains("(commune group 1)")),
        "{v:#}"
    );
    assert!(
        !f.iter()
            .any(|x| x["unit"] == "90101" && x["kind"] == "below_target"),
        "{v:#}"
    );
    let met = |code: &str| {
        v["units"]
            .as_array()
            .unwrap()
            .iter()
            .find(|u| u["code"] == code)
            .unwrap()["criteria_met"]
            .clone()
    };
    assert_eq!(met("90101"), 1);
    assert_eq!(met("90102"), 0);
}

// ---------- per-framework KPIs

#[test]
fn check_and_grid_count_criteria_per_framework() {
    let (_d, s) = imported(&["criteria-sets"]);
    for (fw, total, avg, text) in [
        ("qd318-2022", 19, 18.5, "18,5/19"),
        ("qd51-2025", 10, 9.5, "9,5/10"),
    ] {
        let v = json(
            &s,
            &[
                "check",
                "--unit",
                "901",
                "--framework",
                fw,
                "--format",
                "json",
            ],
        );
        assert_eq!(v["framework"], fw);
        for u in v["units"].as_array().unwrap() {
            assert_eq!(u["criteria_total"], total, "{fw} {u}");
        }
        assert_eq!(v["summary"]["criteria_total"], total);
        assert_eq!(v["summary"]["average_criteria_met"], avg);
        let out = stdout(&s, &["check", "--unit", "901", "--framework", fw]);
        assert!(
            out.contains(&format!("Bình quân tiêu chí/xã: {text}")),
            "{out}"
        );
        let out = stdout(&s, &["grid", "--unit", "901", "--framework", fw]);
        assert!(
            out.contains(&format!("Bình quân tiêu chí/xã: {text}\n")),
            "{out}"
        );
    }
    let out = stdout(&s, &["grid", "--unit", "901", "--framework", "qd51-2025"]);
    assert!(
        out.contains("Xã Một   ●   ●   ●   ●   ●   ●   ✗   ●   ●   ●       9/10"),
        "{out}"
    );
    // the report works on a criterion-level set too
    let out = stdout(
        &s,
        &[
            "report",
            "--unit",
            "901",
            "--framework",
            "qd318-2022",
            "--baseline",
            "2021",
        ],
    );
    assert!(out.contains("Bộ tiêu chí qd318-2022"), "{out}");
    assert!(out.contains("15.3"), "{out}");
}

// ---------- the interface

fn app(store: &Store) -> App<'_> {
    App::new(
        store,
        Options {
            lang: Lang::Vi,
            ascii: false,
            color: true,
            read_only: true,
        },
        Keymap::default_map(),
    )
    .unwrap()
}

fn screen(app: &App, w: u16, h: u16) -> String {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut t, app).unwrap();
    let buf = t.backend().buffer().clone();
    let mut out = String::new();
    for y in 0..h {
        for x in 0..w {
            out.push_str(buf[(x, y)].symbol());
        }
        out.push('\n');
    }
    out
}

fn opened() -> (tempfile::TempDir, Store) {
    let (d, s) = imported(&["criteria-sets"]);
    let store = Store::open(&s, true).unwrap();
    (d, store)
}

#[test]
fn the_grid_switches_framework_and_counts_its_own_criteria() {
    let (_d, store) = opened();
    let mut a = app(&store);
    // the framework with the latest data comes first
    assert_eq!(a.fw_id, "qd51-2025");
    let s = screen(&a, 120, 20);
    assert!(s.contains("Bình quân tiêu chí/xã: 9,5/10"), "{s}");
    assert!(a.keymap.keys_of(Action::NextFramework) == vec!["b"]);
    a.act(Action::MoveRight);
    a.act(Action::NextFramework);
    assert_eq!(a.fw_id, "qd1980-2016", "wraps to the first with data");
    assert_eq!(a.col, 0);
    a.act(Action::NextFramework);
    assert_eq!(a.fw_id, "qd318-2022");
    assert_eq!(a.n_criteria(), 19);
    assert_eq!(a.year, 2022);
    let s = screen(&a, 120, 20);
    assert!(s.contains("qd318-2022"), "{s}");
    assert!(s.contains("Bình quân tiêu chí/xã: 18,5/19"), "{s}");
    assert!(!s.contains("/10"), "{s}");
    assert!(
        s.contains("Bộ tiêu chí: qd318-2022 — Bộ tiêu chí quốc gia"),
        "{s}"
    );
    // the help lists the key
    a.act(Action::Help);
    let s = screen(&a, 120, 60);
    assert!(s.contains("Chuyển bộ tiêu chí"), "{s}");
}

/// On the 318 grid: Xã Một (second by name), criterion 15, cursor on 15.3.
fn stunting_detail(a: &mut App, fw: &str) {
    while a.fw_id != fw {
        a.act(Action::NextFramework);
    }
    a.act(Action::MoveDown);
    for _ in 0..14 {
        a.act(Action::MoveRight);
    }
    a.act(Action::DrillIn);
    assert_eq!(a.screen(), Screen::Detail);
    let d = a.detail.as_ref().unwrap();
    let fwr = a.fw();
    let pos = d
        .indicators
        .iter()
        .position(|i| fwr.indicators[i.index].code == "15.3")
        .expect("15.3 in criterion 15");
    for _ in 0..pos {
        a.act(Action::MoveDown);
    }
}

#[test]
fn detail_series_crosses_the_2021_change_of_set_with_the_break_marked() {
    let (_d, store) = opened();
    let mut a = app(&store);
    stunting_detail(&mut a, "qd318-2022");
    let s = screen(&a, 160, 40);
    assert!(s.contains("Xã Một — TC 15: Y tế"), "{s}");
    assert!(
        s.contains("Các năm: [qd1980-2016 15.3] 2018 28% · 2019 26% · 2020 25,1% ┆ đổi bộ tiêu chí ┆ [qd318-2022 15.3] 2021 23,5% · 2022 22,5%"),
        "{s}"
    );
    // the sparkline of 15.3 runs over 2018-2022 with the break after 2020: 3 bars, ┆, 2 bars
    let row = s
        .lines()
        .find(|l| l.starts_with("15.3 "))
        .expect("15.3 row");
    let spark: String = row.split_whitespace().last().unwrap().to_string();
    assert_eq!(spark.chars().count(), 6, "{row}");
    assert_eq!(spark.chars().nth(3), Some('┆'), "{row}");
    // 28 is the highest, 22.5 the lowest of the whole series
    assert_eq!(spark.chars().next(), Some('█'), "{row}");
    assert_eq!(spark.chars().last(), Some('▁'), "{row}");
    // the criterion-level row has no counterpart: no break
    let row = s.lines().find(|l| l.starts_with("15 ")).expect("15 row");
    assert!(!row.contains('┆'), "{row}");
    insta::assert_snapshot!("detail_across_sets_vi_160x40", s);

    // and from the 1980 side the 318 years follow the break
    let mut a = app(&store);
    stunting_detail(&mut a, "qd1980-2016");
    let s = screen(&a, 160, 40);
    assert!(
        s.contains("Các năm: [qd1980-2016 15.3] 2018 28% · 2019 26% · 2020 25,1% ┆ đổi bộ tiêu chí ┆ [qd318-2022 15.3] 2021 23,5% · 2022 22,5%"),
        "{s}"
    );
}

#[test]
fn a_template_for_a_group_based_set_carries_the_commune_group() {
    use calamine::{Data, Reader, open_workbook_auto};
    let (d, s) = imported(&["criteria-sets"]);
    let book = d.path().join("t.xlsx");
    ntm(&s)
        .args([
            "template",
            "--unit",
            "901",
            "--year",
            "2027",
            "--framework",
            "qd51-2025",
        ])
        .arg(&book)
        .assert()
        .success();
    let mut wb = open_workbook_auto(&book).unwrap();
    let units = wb.worksheet_range("units").unwrap();
    assert_eq!(
        units.get((0, 5)),
        Some(&Data::String("commune_group".into()))
    );
    let district = units
        .rows()
        .find(|r| r[0] == Data::String("901".into()))
        .unwrap();
    assert_eq!(district[5], Data::String("3".into()));
    // a region-based set does not get the column
    let book = d.path().join("t2.xlsx");
    ntm(&s)
        .args([
            "template",
            "--unit",
            "901",
            "--year",
            "2023",
            "--framework",
            "qd318-2022",
        ])
        .arg(&book)
        .assert()
        .success();
    let mut wb = open_workbook_auto(&book).unwrap();
    let units = wb.worksheet_range("units").unwrap();
    assert_eq!(units.width(), 5);
}

#[test]
fn a_mapping_of_ones_own_is_validated_and_kept() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let bad = d.path().join("bad.toml");
    std::fs::write(
        &bad,
        "from = \"qd1980-2016\"\nto = \"qd318-2022\"\n\n[[pairs]]\nfrom = \"15.3\"\nto = \"15.9\"\n",
    )
    .unwrap();
    ntm(&s)
        .args(["framework", "add", "--mapping"])
        .arg(&bad)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "bad.toml:6: 15.9 is not an indicator of framework qd318-2022",
        ));
    // a test-only mapping (not a claim about the sets): 318's criterion 17 to 51/2025's 8
    let ok = d.path().join("mine.toml");
    std::fs::write(
        &ok,
        "from = \"qd318-2022\"\nto = \"qd51-2025\"\n\n[[pairs]]\nfrom = \"17\"\nto = \"8\"\n",
    )
    .unwrap();
    ntm(&s)
        .args(["framework", "add", "--mapping"])
        .arg(&ok)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "added mapping qd318-2022 → qd51-2025 (1 pairs)",
        ));
    let out = stdout(&s, &["framework", "list"]);
    assert!(
        out.contains("  mapping: qd1980-2016 → qd318-2022 (1 pairs: 15.3→15.3)"),
        "{out}"
    );
    assert!(
        out.contains("  mapping: qd318-2022 → qd51-2025 (1 pairs: 17→8)"),
        "{out}"
    );
}

#[test]
fn a_template_without_framework_takes_the_set_in_force_in_its_year() {
    let (d, s) = imported(&["criteria-sets"]);
    for (year, want) in [
        (2018, "× 51 indicators of qd1980-2016"),
        (2022, "indicators of qd318-2022)"),
        (2026, "× 10 indicators of qd51-2025"),
    ] {
        let f = d.path().join(format!("t{year}.xlsx"));
        let o = ntm(&s)
            .args(["template", "--unit", "901", "--year", &year.to_string()])
            .arg(&f)
            .output()
            .unwrap();
        let out = String::from_utf8_lossy(&o.stdout);
        assert!(out.contains(want), "{year}: {out}");
    }
}
