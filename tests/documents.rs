//! Real documents in, without losing or bending a figure: what `ntm import` says it changes,
//! a partly filled template, typed Excel numbers under `--locale vi`, workbook cells after a
//! line break, the counts behind a pass/fail verdict in the detail, and a report whose totals
//! agree with its list.

mod common;

use std::path::Path;

use common::{fixtures, imported, ntm};
use predicates::prelude::*;

/// A small bundle: province (TDMNPB), district, two communes, and these observation rows.
fn bundle(dir: &Path, obs: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(
        dir.join("units.csv"),
        "code,name,level,parent_code,region\n24,Bắc Giang,province,,TDMNPB\n213,Thành phố Bắc Giang,district,24,\nc1,Dĩnh Trì,commune,213,\nc2,Tân Mỹ,commune,213,\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("observations.csv"),
        format!("unit_code,framework,indicator,year,value,numerator,denominator,stated_percent,source\n{obs}"),
    )
    .unwrap();
}

fn stdout(c: &mut assert_cmd::Command) -> String {
    String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap()
}

#[test]
fn import_says_what_it_adds_changes_and_leaves_and_dry_run_lists_each_change() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let b = d.path().join("b");
    bundle(
        &b,
        "c1,qd1980-2016,17.6,2020,,2871,3009,95.4,Báo cáo xã 2020\nc1,qd1980-2016,10,2020,48,,,,Báo cáo xã 2020\n",
    );
    let out = stdout(ntm(&s).arg("import").arg(&b));
    assert!(
        out.contains("2 số liệu (2 mới, 0 thay đổi, 0 không đổi)"),
        "{out}"
    );
    // a corrected figure from another source, one new row, one row as before
    bundle(
        &b,
        "c1,qd1980-2016,17.6,2020,,2600,3009,86.4,Biên bản kiểm tra 20/3/2021\nc1,qd1980-2016,10,2020,48,,,,Báo cáo xã 2020\nc2,qd1980-2016,10,2020,41.5,,,,Báo cáo xã 2020\n",
    );
    let dry = stdout(ntm(&s).args(["import", "--dry-run"]).arg(&b));
    assert!(
        dry.contains("  c1 qd1980-2016 17.6 2020: 2.871/3.009 (95,4%) [Báo cáo xã 2020] → 2.600/3.009 (86,4%) [Biên bản kiểm tra 20/3/2021]"),
        "{dry}"
    );
    assert!(dry.contains("1 mới, 1 thay đổi, 1 không đổi"), "{dry}");
    let en = stdout(ntm(&s).args(["--lang", "en", "import"]).arg(&b));
    assert!(
        en.contains("3 observations (1 added, 1 changed, 1 unchanged)"),
        "{en}"
    );
    // the change log names the figure that changed source, with both sources
    let log = stdout(ntm(&s).args(["log", "--format", "json"]));
    assert!(
        log.contains("source changed for 1 figures: c1 qd1980-2016 17.6 2020: 2871/3009 95.4% (Báo cáo xã 2020) → 2600/3009 86.4% (Biên bản kiểm tra 20/3/2021)"),
        "{log}"
    );
}

#[test]
fn an_ambiguous_measure_is_imported_with_a_warning_and_an_ambiguous_count_refused() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let b = d.path().join("b");
    bundle(&b, "c1,qd1980-2016,2.1,2020,,15.848,16.209,,\n");
    ntm(&s)
        .arg("import")
        .arg(&b)
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "cảnh báo: observations.csv:2:numerator: 15.848 read as 15.848 km; if the dot groups thousands it is 15848",
        ));
    bundle(&b, "c1,qd1980-2016,17.6,2020,,16.003,16.209,,\n");
    ntm(&s)
        .arg("import")
        .arg(&b)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "observations.csv:2:numerator: 16.003 is not a whole number, and this indicator counts hộ: it probably means 16003",
        ));
}

#[test]
fn the_city_bundle_carries_the_printed_counts_behind_pass_fail_verdicts() {
    let (_d, s) = imported(&["bac-giang"]);
    let text = stdout(ntm(&s).args(["report", "--unit", "213", "--baseline", "2011"]));
    let line = text
        .lines()
        .find(|l| l.starts_with("16  ") && l.contains("thôn"))
        .unwrap();
    assert!(
        line.contains("44/62 thôn  70,9%") && line.contains("51/58 thôn  87,9%"),
        "{line}"
    );
    // exported as columns, and checked as counts: a typo there would be found
    let d = tempfile::tempdir().unwrap();
    ntm(&s).arg("export").arg(d.path()).assert().success();
    let obs = std::fs::read_to_string(d.path().join("observations.csv")).unwrap();
    assert!(
        obs.lines()
            .any(|l| l.starts_with("213,qd1980-2016,16,2020,dat,51,58,87.9,")),
        "{obs}"
    );
    let typo = obs.replace(
        "213,qd1980-2016,16,2020,dat,51,58,87.9,",
        "213,qd1980-2016,16,2020,dat,51,58,78.9,",
    );
    std::fs::write(d.path().join("observations.csv"), typo).unwrap();
    ntm(&s).arg("import").arg(d.path()).assert().success();
    let json = stdout(ntm(&s).args([
        "check",
        "--unit",
        "213",
        "--year",
        "2020",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    let f: Vec<&serde_json::Value> = v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["indicator"] == "16")
        .collect();
    assert_eq!(f.len(), 1, "{f:#?}");
    assert_eq!(f[0]["kind"], "percent_mismatch");
    assert_eq!(f[0]["message"], "stated 78.9% but 51/58 = 87.9%");
}

/// A template workbook with some rows filled: `(indicator, column, value)` for Dĩnh Trì.
fn filled_template(d: &Path, s: &Path, fill: &[(&str, u16, &str)]) -> std::path::PathBuf {
    use calamine::{Data, Reader, open_workbook_auto};
    let t = d.join("mau.xlsx");
    ntm(s)
        .args(["template", "--unit", "213", "--year", "2021"])
        .args(["--framework", "qd1980-2016"])
        .arg(&t)
        .assert()
        .success();
    let mut wb = open_workbook_auto(&t).unwrap();
    let mut out = rust_xlsxwriter::Workbook::new();
    for name in ["units", "observations"] {
        let range = wb.worksheet_range(name).unwrap();
        let ws = out.add_worksheet();
        ws.set_name(name).unwrap();
        for (r, row) in range.rows().enumerate() {
            for (c, v) in row.iter().enumerate() {
                match v {
                    Data::Float(f) => ws.write_number(r as u32, c as u16, *f).unwrap(),
                    Data::Empty => ws,
                    other => ws
                        .write_string(r as u32, c as u16, other.to_string())
                        .unwrap(),
                };
            }
            if name != "observations" || r == 0 {
                continue;
            }
            let (unit, ind) = (row[3].to_string(), row[5].to_string());
            for (i, c, v) in fill {
                if unit == "213-dinh-tri" && ind == *i {
                    match v.parse::<f64>() {
                        Ok(x) => ws.write_number(r as u32, *c, x).unwrap(),
                        Err(_) => ws.write_string(r as u32, *c, *v).unwrap(),
                    };
                }
            }
        }
    }
    let filled = d.join("filled.xlsx");
    out.save(&filled).unwrap();
    filled
}

#[test]
fn a_partly_filled_template_imports_and_says_what_it_skipped() {
    let (d, s) = imported(&["bac-giang"]);
    // columns: 7 value, 8 numerator, 9 denominator
    let f = filled_template(
        d.path(),
        &s,
        &[
            ("4.1", 7, "dat"),
            ("17.6", 8, "2871"),
            ("17.6", 9, "3009"),
            ("2.1", 8, "15.848"),
            ("2.1", 9, "16.5"),
        ],
    );
    // typed Excel numbers are numbers: --locale vi never makes 15.848 km into 15848
    let out = stdout(ntm(&s).args(["import", "--locale", "vi"]).arg(&f));
    assert!(out.contains("303 dòng để trống, bỏ qua"), "{out}");
    assert!(out.contains("3 số liệu (3 mới"), "{out}");
    let exported = tempfile::tempdir().unwrap();
    ntm(&s)
        .arg("export")
        .arg(exported.path())
        .assert()
        .success();
    let obs = std::fs::read_to_string(exported.path().join("observations.csv")).unwrap();
    assert!(
        obs.contains("213-dinh-tri,qd1980-2016,2.1,2021,,15.848,16.5,"),
        "{obs}"
    );
    // a half-filled row is still an error, named by its cell
    let f = filled_template(d.path(), &s, &[("17.7", 8, "338")]);
    ntm(&s)
        .arg("import")
        .arg(&f)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "numerator and denominator go together; denominator is empty (denominator)",
        ))
        .stderr(predicate::str::contains("observations!J"));
}

#[test]
fn workbook_cells_are_named_right_after_a_cell_with_a_line_break() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let u = wb.add_worksheet();
    u.set_name("units").unwrap();
    for (r, row) in [["code", "name", "level"], ["c1", "Dĩnh Trì", "commune"]]
        .iter()
        .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            u.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let o = wb.add_worksheet();
    o.set_name("observations").unwrap();
    let rows: [[&str; 6]; 4] = [
        [
            "unit_code",
            "framework",
            "indicator",
            "year",
            "value",
            "note",
        ],
        [
            "c1",
            "qd1980-2016",
            "4.1",
            "2020",
            "dat",
            "dòng một\r\ndòng hai\r\ndòng ba",
        ],
        ["c1", "qd1980-2016", "10", "2020", "48", ""],
        ["c1", "qd1980-2016", "4.2", "2020", "xx", ""],
    ];
    for (r, row) in rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            o.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let p = d.path().join("w.xlsx");
    wb.save(&p).unwrap();
    ntm(&s)
        .arg("import")
        .arg(&p)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "observations!E4: \"xx\" is not a number (value)",
        ));
}

#[test]
fn the_recognised_list_and_its_total_agree() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let b = d.path().join("b");
    bundle(
        &b,
        "c1,qd1980-2016,4.1,2020,dat,,,,\nc2,qd1980-2016,4.1,2020,dat,,,,\n",
    );
    // Dĩnh Trì: NTM, then nâng cao; Tân Mỹ: recognised, revoked and recognised again by a
    // second decision (kept, and flagged by check)
    std::fs::write(
        b.join("recognitions.csv"),
        "unit_code,kind,year,decision,issuer\nc1,ntm,2014,1968/QĐ-UBND,UBND tỉnh\nc1,nang_cao,2019,55/QĐ-UBND,UBND tỉnh\nc2,ntm,2014,2080/QĐ-UBND,UBND tỉnh\nc2,ntm,2018,301/QĐ-UBND,UBND tỉnh\n",
    )
    .unwrap();
    ntm(&s).arg("import").arg(&b).assert().success();
    let text = stdout(ntm(&s).args(["report", "--unit", "213", "--year", "2020"]));
    let list: Vec<&str> = text
        .lines()
        .skip_while(|l| !l.contains("DANH SÁCH"))
        .collect();
    // one number per commune, whatever its number of decisions; the total is the last number
    let numbered: Vec<&str> = list
        .iter()
        .filter(|l| {
            l.trim_start()
                .chars()
                .next()
                .is_some_and(|c| c.is_ascii_digit())
        })
        .copied()
        .collect();
    assert_eq!(numbered.len(), 2, "{text}");
    assert!(
        text.contains("Tổng số: 2 xã đạt chuẩn/tổng số 2 xã"),
        "{text}"
    );
    assert_eq!(
        list.iter().filter(|l| l.contains("QĐ-UBND")).count(),
        4,
        "{text}"
    );
    // the same unit and kind twice with two decisions is a finding
    let json = stdout(ntm(&s).args([
        "check",
        "--unit",
        "c2",
        "--year",
        "2020",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]));
    assert!(json.contains("\"kind\": \"recognized_twice\""), "{json}");
    assert!(
        json.contains("2080/QĐ-UBND") && json.contains("301/QĐ-UBND"),
        "{json}"
    );
    // a second NTM year without a second decision is refused, here and against the store
    let again = d.path().join("again");
    bundle(&again, "");
    std::fs::write(
        again.join("recognitions.csv"),
        "unit_code,kind,year,decision,issuer\nc1,ntm,2015,,\n",
    )
    .unwrap();
    ntm(&s)
        .arg("import")
        .arg(&again)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "recognitions.csv:2:year: c1 is already recognised ntm in 2014 (1968/QĐ-UBND) in the store",
        ));
}

#[test]
fn crlf_bundles_name_the_right_line() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    bundle(&b, "");
    let obs = "\u{FEFF}unit_code,framework,indicator,year,value\r\nc1,qd1980-2016,10,2020,48\r\nc1,qd1980-2016,4.1,2020,\"dat\r\n\"\r\nc1,qd1980-2016,10,2019,4x8\r\n";
    std::fs::write(b.join("observations.csv"), obs).unwrap();
    ntm(&d.path().join("s"))
        .arg("import")
        .arg(&b)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "observations.csv:5:value: \"4x8\" is not a number",
        ));
    let _ = fixtures();
}

#[test]
fn the_detail_shows_the_counts_behind_a_pass_fail_verdict() {
    use ntm::tui::action::Action;
    use ntm::tui::app::{App, Options, Screen};
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    bundle(
        &b,
        "c1,qd1980-2016,16,2020,dat,51,58,87.9,Phụ lục 02\nc2,qd1980-2016,16,2020,chua_dat,30,58,51.7,Phụ lục 02\n",
    );
    let s = d.path().join("store");
    ntm(&s).arg("import").arg(&b).assert().success();
    let store = ntm::store::Store::open(&s, true).unwrap();
    for (lang, want) in [
        (ntm::i18n::Lang::Vi, "Giá trị 2020: 51/58 thôn = 87,9%"),
        (ntm::i18n::Lang::En, "51/58 thôn = 87.9%"),
    ] {
        let opts = Options {
            lang,
            ascii: false,
            color: false,
            read_only: true,
        };
        let mut app = App::new(&store, opts, ntm::tui::Keymap::default_map()).unwrap();
        // Dĩnh Trì is the first commune by name; criterion 16 is the sixteenth column
        for _ in 0..15 {
            app.act(Action::MoveRight);
        }
        app.act(Action::DrillIn);
        assert_eq!(app.screen(), Screen::Detail);
        let mut t = ratatui::Terminal::new(ratatui::backend::TestBackend::new(100, 30)).unwrap();
        ntm::tui::draw(&mut t, &app).unwrap();
        let screen: String = t
            .backend()
            .buffer()
            .content()
            .chunks(100)
            .map(|r| r.iter().map(|c| c.symbol()).collect::<String>() + "\n")
            .collect();
        assert!(screen.contains(want), "{screen}");
    }
}

#[test]
fn ntm_set_is_held_to_the_same_number_rules() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let b = d.path().join("b");
    bundle(
        &b,
        "c1,qd1980-2016,2.1,2020,,20,25,,\nc1,qd1980-2016,17.6,2020,,2871,3009,,\n",
    );
    ntm(&s).arg("import").arg(&b).assert().success();
    ntm(&s)
        .args([
            "set",
            "c1",
            "2.1",
            "2020",
            "--numerator",
            "15.848",
            "--denominator",
            "25",
            "--reason",
            "thử",
        ])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "cảnh báo: --numerator: 15.848 read as 15.848 km",
        ));
    ntm(&s)
        .args([
            "set",
            "c1",
            "17.6",
            "2020",
            "--numerator",
            "2.871",
            "--denominator",
            "3009",
            "--reason",
            "thử",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("it probably means 2871"));
    ntm(&s)
        .args([
            "set",
            "c1",
            "17.6",
            "2020",
            "--numerator",
            "2.871",
            "--denominator",
            "3.009",
            "--locale",
            "vi",
        ])
        .args(["--reason", "thử"])
        .assert()
        .success();
}
