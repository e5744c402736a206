//! Administrative history (issue 8): merges imported from a bundle's merges.csv or with
//! `ntm merges import`, units shown only in the years they existed, a merged commune's detail
//! with its predecessors' series, and its recognition computed from theirs (the lower level)
//! unless a decision of its own overrides it. On fixtures/merge-example (An Bình, recognised
//! NTM 2019, and Hòa Lạc, not recognised, merged into Hòa An on 2025-07-01) and
//! fixtures/post-2025 (a province whose communes have no district).

mod common;

use std::path::Path;

use common::{fixtures, imported, ntm};
use ntm::i18n::Lang;
use ntm::store::Store;
use ntm::tui::action::Action;
use ntm::tui::app::{App, Options, Screen};
use ntm::tui::{Keymap, draw};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

const NOTE_EN: &str =
    "inherited: An Bình (NTM 2019), Hòa Lạc (not recognised) → not recognised (the lower level)";
const NOTE_VI: &str = "kế thừa: An Bình (NTM 2019), Hòa Lạc (chưa đạt) → chưa đạt (mức thấp hơn)";

fn stdout(c: &mut assert_cmd::Command) -> String {
    let o = c.output().unwrap();
    assert!(
        o.status.success() || o.status.code() == Some(1),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout).unwrap()
}

fn check_json(store: &Path, args: &[&str]) -> serde_json::Value {
    let out = stdout(
        ntm(store)
            .args(["check", "--format", "json", "--fail-on", "none"])
            .args(args),
    );
    serde_json::from_str(&out).unwrap()
}

fn unit_codes(j: &serde_json::Value) -> Vec<String> {
    j["units"]
        .as_array()
        .unwrap()
        .iter()
        .map(|u| u["code"].as_str().unwrap().to_string())
        .collect()
}

fn app(store: &Store, lang: Lang) -> App<'_> {
    let opts = Options {
        lang,
        ascii: false,
        color: true,
        read_only: true,
    };
    App::new(store, opts, Keymap::default_map()).unwrap()
}

/// Choose a parent in the picker the way a user does (`p`, type, Enter).
fn pick(a: &mut App, code: &str) {
    a.act(Action::PickParent);
    assert_eq!(a.screen(), Screen::Picker);
    let p = a.picker.as_ref().unwrap();
    let i = p
        .shown
        .iter()
        .position(|&i| p.all[i].0 == code)
        .unwrap_or_else(|| panic!("{code} not in the picker: {:?}", p.all));
    // the picker opens on the current parent
    let cur = p.cursor;
    for _ in cur..i {
        a.act(Action::MoveDown);
    }
    for _ in i..cur {
        a.act(Action::MoveUp);
    }
    a.act(Action::DrillIn);
    assert_eq!(a.parent, code);
}

fn names(a: &App) -> Vec<String> {
    a.view
        .iter()
        .map(|&r| a.grid.rows[r].report.unit.name.clone())
        .collect()
}

fn screen(a: &App, w: u16, h: u16) -> (Terminal<TestBackend>, String) {
    let mut t = Terminal::new(TestBackend::new(w, h)).unwrap();
    draw(&mut t, a).unwrap();
    let buf = t.backend().buffer().clone();
    let mut text = String::new();
    for y in 0..h {
        for x in 0..w {
            text += buf[(x, y)].symbol();
        }
        text += "\n";
    }
    (t, text)
}

#[test]
fn merge_file_imports_with_the_bundle_and_round_trips_through_export() {
    let (d, s) = imported(&["merge-example"]);
    let list = stdout(ntm(&s).args(["merges", "list"]));
    assert!(list.contains("2025-07-01  An Bình (901-an-binh) → Hòa An (90-hoa-an)"));
    assert!(list.contains("Hòa Lạc (901-hoa-lac) → Hòa An (90-hoa-an)"));
    // export writes merges.csv beside the three files; it imports into an empty store as it was
    let out = d.path().join("out");
    ntm(&s).arg("export").arg(&out).assert().success();
    let fixture = std::fs::read_to_string(fixtures().join("merge-example/merges.csv")).unwrap();
    assert_eq!(
        std::fs::read_to_string(out.join("merges.csv")).unwrap(),
        fixture
    );
    let s2 = d.path().join("s2");
    ntm(&s2).arg("import").arg(&out).assert().success();
    let (a, b) = (
        Store::open(&s, true).unwrap().merges().unwrap(),
        Store::open(&s2, true).unwrap().merges().unwrap(),
    );
    assert_eq!(a.len(), 2);
    assert_eq!(a, b);
    // `ntm merges export FILE` writes the same file
    let f = d.path().join("m.csv");
    ntm(&s2)
        .arg("merges")
        .arg("export")
        .arg(&f)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&f).unwrap(), fixture);
    // a store without merges exports exactly the three files of the format
    let (d3, s3) = imported(&["bac-giang"]);
    ntm(&s3)
        .arg("export")
        .arg(d3.path().join("o"))
        .assert()
        .success();
    assert!(!d3.path().join("o/merges.csv").exists());
}

#[test]
fn merges_import_alone_is_logged_idempotent_and_all_or_nothing() {
    // the bundle without its merges.csv, then the merge file on its own
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir(&b).unwrap();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        std::fs::copy(fixtures().join("merge-example").join(f), b.join(f)).unwrap();
    }
    let s = d.path().join("s");
    ntm(&s).arg("import").arg(&b).assert().success();
    assert!(Store::open(&s, true).unwrap().merges().unwrap().is_empty());

    // every bad row is named file:line:column, and nothing changes
    let bad = d.path().join("bad.csv");
    std::fs::write(
        &bad,
        "old_code,new_code,effective_date,decision\n\
         901-xx,90-hoa-an,2025-07-01,\n\
         901-an-binh,90-hoa-an,2025-13-01,\n\
         901-an-binh,901-an-binh,2025-07-01,\n\
         901-an-binh,90-hoa-an,2022-07-01,\n\
         901-hoa-lac,90,2025-07-01,\n\
         901-hoa-lac,90-hoa-an,2025-07-01,\n\
         901-hoa-lac,90-hoa-an,2025-07-01,\n",
    )
    .unwrap();
    let before = Store::open(&s, true).unwrap().content_digest().unwrap();
    let o = ntm(&s)
        .args(["merges", "import"])
        .arg(&bad)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
    let err = String::from_utf8_lossy(&o.stderr);
    for want in [
        "bad.csv:2:old_code: 901-xx is not a unit in units.csv or in the store",
        "bad.csv:3:effective_date: is not a real date (2025-13-01)",
        "bad.csv:4:new_code: a unit cannot merge into itself",
        "bad.csv:5:effective_date: effective year 2022 does not fit valid_to 2024 of 901-an-binh",
        "bad.csv:5:effective_date: effective year 2022 does not fit valid_from 2025 of 90-hoa-an",
        "bad.csv:6:new_code: 901-hoa-lac is a commune but 90 is a province",
        "bad.csv:8:new_code: 901-hoa-lac → 90-hoa-an already given on line 7",
        "nothing was imported",
    ] {
        assert!(err.contains(want), "missing {want:?} in:\n{err}");
    }
    assert_eq!(
        Store::open(&s, true).unwrap().content_digest().unwrap(),
        before
    );

    // the good file goes in, with a change-log entry; importing it again changes nothing
    let good = fixtures().join("merge-example/merges.csv");
    ntm(&s)
        .args(["merges", "import"])
        .arg(&good)
        .assert()
        .success();
    let st = Store::open(&s, true).unwrap();
    assert_eq!(st.merges().unwrap().len(), 2);
    let log = st.log_entries().unwrap();
    let last = log.last().unwrap();
    assert_eq!(last.action, "import");
    assert!(
        last.new.as_deref().unwrap_or("").contains("2 merges"),
        "{last:?}"
    );
    drop(st);
    ntm(&s)
        .args(["merges", "import"])
        .arg(&good)
        .assert()
        .success();
    assert_eq!(Store::open(&s, true).unwrap().merges().unwrap().len(), 2);

    // in a bundle, a merge into a unit that is neither in units.csv nor in the store is refused
    let b2 = d.path().join("b2");
    std::fs::create_dir(&b2).unwrap();
    std::fs::write(b2.join("units.csv"), "code,name,level\n").unwrap();
    std::fs::write(
        b2.join("observations.csv"),
        "unit_code,framework,indicator,year,value\n",
    )
    .unwrap();
    std::fs::write(
        b2.join("merges.csv"),
        "old_code,new_code,effective_date\n901-an-binh,90-moi,2025-07-01\n",
    )
    .unwrap();
    let o = ntm(&s).arg("import").arg(&b2).output().unwrap();
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr)
            .contains("merges.csv:2:new_code: 90-moi is not a unit in units.csv or in the store")
    );
}

#[test]
fn grid_and_check_show_only_the_units_valid_in_the_year() {
    let (_d, s) = imported(&["merge-example"]);
    let g24 = stdout(ntm(&s).args(["--lang", "en", "grid", "--unit", "90", "--year", "2024"]));
    assert!(g24.contains("An Bình") && g24.contains("Hòa Lạc"), "{g24}");
    assert!(!g24.contains("Hòa An"), "{g24}");
    assert!(g24.contains("Communes meeting the standard: 1/2"), "{g24}");
    let g25 = stdout(ntm(&s).args(["--lang", "en", "grid", "--unit", "90", "--year", "2025"]));
    let rows: Vec<&str> = g25.lines().skip(4).take_while(|l| !l.is_empty()).collect();
    assert!(rows[0].starts_with("Hòa An ") && rows.len() == 2, "{g25}"); // and the % line
    assert!(g25.contains("Communes meeting the standard: 1/1"), "{g25}");

    // check: a unit is not evaluated (nor reported missing) outside its years
    let j = check_json(&s, &["--unit", "90", "--year", "2025"]);
    assert_eq!(unit_codes(&j), ["90-hoa-an"]);
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["unit"] == "90-hoa-an")
    );
    let j = check_json(&s, &["--unit", "90", "--year", "2024"]);
    assert_eq!(unit_codes(&j), ["901-an-binh", "901-hoa-lac"]);

    // the appendix counts the communes of each year: two before the merger, one after
    let r = stdout(ntm(&s).args([
        "report",
        "--unit",
        "90",
        "--baseline",
        "2023",
        "--year",
        "2025",
    ]));
    assert!(
        r.contains("năm 2023: cộng từ số liệu của 2 xã; năm 2025: cộng từ số liệu của 1 xã"),
        "{r}"
    );
    let l = r.lines().find(|l| l.starts_with("17.6 ")).unwrap();
    assert!(l.contains("2/2 xã") && l.contains("1/1 xã"), "{l}");

    // the data-entry workbook lists the communes of its year only
    let d = tempfile::tempdir().unwrap();
    let t = stdout(
        ntm(&s)
            .args(["template", "--unit", "90", "--year", "2025"])
            .arg(d.path().join("t.xlsx")),
    );
    assert!(t.contains("(1 communes × "), "{t}");

    // the interface: the province's rows change with the year
    let store = Store::open(&s, true).unwrap();
    let mut a = app(&store, Lang::En);
    // the dissolved district is not where the interface opens
    assert_eq!(a.parent, "90");
    assert_eq!(a.year, 2025);
    assert_eq!(names(&a), ["Hòa An"]);
    a.act(Action::YearPrev);
    assert_eq!(a.year, 2024);
    assert_eq!(names(&a), ["An Bình", "Hòa Lạc"]);
    assert_eq!(a.grid.meeting(), (1, 2));
    a.act(Action::YearNext);
    assert_eq!(names(&a), ["Hòa An"]);
    // the old district, in its last year
    pick(&mut a, "901");
    a.act(Action::YearPrev);
    assert_eq!(a.year, 2023);
    assert_eq!(names(&a), ["An Bình", "Hòa Lạc"]);
}

#[test]
fn merged_commune_detail_shows_the_predecessors_series_and_inherited_recognition() {
    let (_d, s) = imported(&["merge-example"]);
    let store = Store::open(&s, true).unwrap();
    for lang in [Lang::Vi, Lang::En] {
        let mut a = app(&store, lang);
        assert_eq!(names(&a), ["Hòa An"]);
        // criterion 17, indicator 17.1a (first)
        for _ in 0..16 {
            a.act(Action::MoveRight);
        }
        a.act(Action::DrillIn);
        assert_eq!(a.screen(), Screen::Detail);
        let (t, text) = screen(&a, 120, 40);
        let (pred, before, note) = if lang == Lang::Vi {
            (
                "Xã tiền thân — số liệu trước sáp nhập 2025-07-01:",
                "Các năm: 2025 ",
                NOTE_VI,
            )
        } else {
            (
                "Predecessors — figures before the merger of 2025-07-01:",
                "Years: 2025 ",
                NOTE_EN,
            )
        };
        assert!(text.contains(note), "{text}");
        // the unit's own series (2025 only), then the predecessors' before the merger
        let own = text.find(before).unwrap_or_else(|| panic!("{text}"));
        let head = text.find(pred).unwrap_or_else(|| panic!("{text}"));
        assert!(own < head, "{text}");
        let an = text
            .find("↳ An Bình: 2023 ")
            .unwrap_or_else(|| panic!("{text}"));
        let hl = text
            .find("↳ Hòa Lạc: 2023 ")
            .unwrap_or_else(|| panic!("{text}"));
        assert!(head < an && an < hl);
        // both predecessors' lines carry 2023 and 2024, and never the merger's year
        for l in text.lines().filter(|l| l.contains("↳")) {
            assert!(l.contains(" 2024 ") && !l.contains("2025"), "{l}");
        }
        let l = if lang == Lang::Vi { "vi" } else { "en" };
        insta::assert_snapshot!(format!("merged_detail_{l}_120x40"), t.backend());
    }
    // an old commune's detail says where it went
    let mut a = app(&store, Lang::Vi);
    a.act(Action::YearPrev);
    a.act(Action::DrillIn);
    let (_, text) = screen(&a, 120, 40);
    assert!(
        text.contains("Đã sáp nhập vào Hòa An (2025-07-01)"),
        "{text}"
    );
    assert!(!text.contains("Xã tiền thân"), "{text}");
}

#[test]
fn merged_commune_recognition_is_the_lower_level_with_explanation() {
    let (_d, s) = imported(&["merge-example"]);
    let j = check_json(&s, &["--unit", "90-hoa-an", "--year", "2025"]);
    let u = &j["units"][0];
    assert_eq!(u["recognized"], serde_json::Value::Null);
    assert_eq!(u["recognition_basis"], "inherited");
    assert_eq!(u["recognition_note"], NOTE_EN);
    assert_eq!(u["recognition_note_vi"], NOTE_VI);
    // no lost_standard on a level that is "not recognised"
    assert!(
        j["findings"]
            .as_array()
            .unwrap()
            .iter()
            .all(|f| f["kind"] != "lost_standard")
    );
    // An Bình keeps its own decision in its own years
    let j = check_json(&s, &["--unit", "901-an-binh", "--year", "2024"]);
    assert_eq!(j["units"][0]["recognized"]["year"], 2019);
    assert!(j["units"][0].get("recognition_note").is_none());
    // text output and the grid explain it too; `*` marks the computed level
    let t = stdout(ntm(&s).args(["check", "--unit", "90", "--year", "2025"]));
    assert!(t.contains(&format!("Hòa An — Công nhận: {NOTE_VI}")), "{t}");
    let g = stdout(ntm(&s).args(["grid", "--unit", "90", "--year", "2025"]));
    assert!(g.contains("—*"), "{g}");
    assert!(g.contains(&format!("* Hòa An: {NOTE_VI}")), "{g}");
    // the interface's grid: `—*` in the recognition column, the `*` in the legend, and on that
    // column the status line gives the explanation
    let store = Store::open(&s, true).unwrap();
    let mut a = app(&store, Lang::Vi);
    let (_, text) = screen(&a, 200, 30);
    assert!(text.contains("—*"), "{text}");
    assert!(
        text.contains("* mức công nhận kế thừa từ các xã trước sáp nhập"),
        "{text}"
    );
    assert!(!text.contains(NOTE_VI), "{text}");
    a.act(Action::LineEnd);
    a.act(Action::MoveLeft);
    let (_, text) = screen(&a, 200, 30);
    assert!(
        text.contains(&format!("Tỉnh Ví Dụ › Hòa An: {NOTE_VI}")),
        "{text}"
    );
}

#[test]
fn a_decision_for_the_merged_commune_overrides_the_computed_level() {
    let (d, s) = imported(&["merge-example"]);
    let b = d.path().join("decision");
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("units.csv"), "code,name,level\n").unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value\n",
    )
    .unwrap();
    std::fs::write(
        b.join("recognitions.csv"),
        "unit_code,kind,year,decision,issuer\n90-hoa-an,ntm,2025,88/QĐ-UBND ngày 01/12/2025,UBND tỉnh Ví Dụ\n",
    )
    .unwrap();
    ntm(&s).arg("import").arg(&b).assert().success();
    let j = check_json(&s, &["--unit", "90-hoa-an", "--year", "2025"]);
    let u = &j["units"][0];
    assert_eq!(u["recognized"]["kind"], "ntm");
    assert_eq!(u["recognized"]["year"], 2025);
    assert_eq!(u["recognition_basis"], "override");
    assert_eq!(
        u["recognition_note"],
        "decision 88/QĐ-UBND ngày 01/12/2025 (NTM 2025) overrides the inherited level (An Bình (NTM 2019), Hòa Lạc (not recognised) → not recognised (the lower level))"
    );
    // the grid shows the decision's year without the `*` of a computed level
    let g = stdout(ntm(&s).args(["--lang", "en", "grid", "--unit", "90", "--year", "2025"]));
    assert!(g.contains("2025 ") && !g.contains("2025*"), "{g}");
    // and the detail says so
    let store = Store::open(&s, true).unwrap();
    let mut a = app(&store, Lang::Vi);
    a.act(Action::DrillIn);
    let (_, text) = screen(&a, 120, 40);
    assert!(
        text.contains("quyết định 88/QĐ-UBND ngày 01/12/2025 (NTM 2025) thay cho mức kế thừa"),
        "{text}"
    );
}

#[test]
fn post_2025_province_without_districts_groups_its_communes_directly() {
    let (_d, s) = imported(&["post-2025"]);
    let g = stdout(ntm(&s).args(["--lang", "en", "grid"]));
    assert!(g.starts_with("Tỉnh Mới — "), "{g}");
    for n in ["Bắc Sơn", "Đông Tiến", "Tây Sơn"] {
        assert!(g.contains(n), "{g}");
    }
    assert!(g.contains("Communes meeting the standard: 1/3"), "{g}");
    let j = check_json(&s, &["--unit", "91", "--year", "2026"]);
    assert_eq!(j["summary"]["communes"], 3);
    assert_eq!(j["summary"]["communes_meeting_standard"], 1);

    // with a pre-2025 district store beside it, the picker switches between a district and a
    // province without districts, and the KPIs follow
    let (_d2, s2) = imported(&["bac-giang", "sample", "post-2025"]);
    let store = Store::open(&s2, true).unwrap();
    let mut a = app(&store, Lang::En);
    assert_eq!(a.parent, "213");
    // the six communes and the city's own published row
    assert_eq!(a.grid.rows.len(), 7);
    assert_eq!(a.grid.communes().count(), 6);
    pick(&mut a, "91");
    assert_eq!(a.year, 2026);
    assert_eq!(names(&a), ["Bắc Sơn", "Đông Tiến", "Tây Sơn"]);
    assert_eq!(a.grid.meeting(), (1, 3));
    let (_, text) = screen(&a, 160, 30);
    assert!(text.contains("Tỉnh Mới"), "{text}");
    pick(&mut a, "213");
    assert_eq!(a.grid.rows.len(), 7);
}

#[test]
fn a_units_file_without_the_history_columns_keeps_the_stored_history() {
    // what a filled data-entry template sends back: code, name, level, parent, region only
    let (d, s) = imported(&["merge-example"]);
    let b = d.path().join("entry");
    std::fs::create_dir(&b).unwrap();
    std::fs::write(
        b.join("units.csv"),
        "code,name,level,parent_code,region\n901-an-binh,An Bình,commune,901,\n",
    )
    .unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value\n",
    )
    .unwrap();
    ntm(&s).arg("import").arg(&b).assert().success();
    let out = d.path().join("out");
    ntm(&s).arg("export").arg(&out).assert().success();
    let units = std::fs::read_to_string(out.join("units.csv")).unwrap();
    assert!(
        units.contains("901-an-binh,An Bình,commune,901,,,2024,90-hoa-an"),
        "valid_to and successor kept:\n{units}"
    );
    // a column that is there but empty does clear the field
    std::fs::write(
        b.join("units.csv"),
        "code,name,level,parent_code,successor_code\n901-an-binh,An Bình,commune,901,\n",
    )
    .unwrap();
    ntm(&s).arg("import").arg(&b).assert().success();
    let out2 = d.path().join("out2");
    ntm(&s).arg("export").arg(&out2).assert().success();
    let units = std::fs::read_to_string(out2.join("units.csv")).unwrap();
    assert!(
        units.contains("901-an-binh,An Bình,commune,901,,,2024,\n"),
        "{units}"
    );
}

#[test]
fn merges_list_on_a_store_without_merges_says_so() {
    let (_d, s) = imported(&["criteria-sets"]);
    let o = ntm(&s).args(["merges", "list"]).output().unwrap();
    assert!(o.status.success());
    let out = String::from_utf8(o.stdout).unwrap();
    assert_eq!(out, format!("no merges in {}\n", s.display()));
}

#[test]
fn an_excel_export_says_that_merges_are_not_in_the_workbook() {
    let (d, s) = imported(&["merge-example"]);
    let o = ntm(&s)
        .args(["export", "--xlsx"])
        .arg(d.path().join("m.xlsx"))
        .output()
        .unwrap();
    assert!(o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert!(
        err.contains("the 2 merges of this store are not in the workbook"),
        "{err}"
    );
    // a store without merges gets no such note
    let (d2, s2) = imported(&["bac-giang"]);
    let o = ntm(&s2)
        .args(["export", "--xlsx"])
        .arg(d2.path().join("b.xlsx"))
        .output()
        .unwrap();
    assert!(!String::from_utf8_lossy(&o.stderr).contains("merge"));
}

/// A district dissolved by the reform, asked for after it: no empty grid of zeros, but what
/// happened to it and where its communes went.
#[test]
fn a_dissolved_district_names_its_successor_instead_of_an_empty_grid() {
    let (_d, s) = imported(&["merge-example"]);
    let out = ntm(&s)
        .args(["grid", "--unit", "901", "--year", "2025"])
        .assert()
        .code(2)
        .get_output()
        .clone();
    assert!(out.stdout.is_empty(), "no grid is printed");
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("Huyện Cũ (901) không tồn tại năm 2025: đơn vị chỉ có đến năm 2024"),
        "{err}"
    );
    assert!(err.contains("đơn vị kế tiếp: Hòa An (90-hoa-an)"), "{err}");
    assert!(err.contains("ntm grid --unit 90 --year 2025"), "{err}");
    assert!(!err.contains(" 0   0   0"), "{err}");
    let en = ntm(&s)
        .args(["--lang", "en", "grid", "--unit", "901", "--year", "2025"])
        .assert()
        .code(2)
        .get_output()
        .stderr
        .clone();
    let en = String::from_utf8(en).unwrap();
    assert!(
        en.contains("did not exist in 2025: it existed until 2024"),
        "{en}"
    );
    assert!(en.contains("succeeded by: Hòa An (90-hoa-an)"), "{en}");
    // the year it existed still shows its grid
    let g = stdout(ntm(&s).args(["grid", "--unit", "901", "--year", "2024"]));
    assert!(g.contains("An Bình") && g.contains("Hòa Lạc"), "{g}");
}
