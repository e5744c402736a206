//! Excel in and out: the same bundle as the CSV files, the same validation, errors by cell.

mod common;

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use common::{imported, ntm};
use predicates::prelude::*;
use rust_xlsxwriter::Workbook;

#[test]
fn csv_to_xlsx_and_back_is_exact() {
    let (d, s) = imported(&["bac-giang", "sample"]);
    let book = d.path().join("ntm.xlsx");
    ntm(&s)
        .args(["export", "--xlsx"])
        .arg(&book)
        .assert()
        .success()
        .stdout(predicate::str::contains("1631 observations"));
    // numbers are numbers, text is text, Vietnamese intact
    let mut wb = open_workbook_auto(&book).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["units", "observations", "recognitions"]
    );
    let units = wb.worksheet_range("units").unwrap();
    assert!(
        units
            .rows()
            .any(|r| r.iter().any(|c| *c == Data::String("Dĩnh Trì".into())))
    );
    let obs = wb.worksheet_range("observations").unwrap();
    let row = obs
        .rows()
        .find(|r| {
            r[0] == Data::String("213".into())
                && r[2] == Data::String("17.6".into())
                && r[3] == Data::Float(2020.0)
        })
        .expect("17.6 2020 of the city");
    assert_eq!(row[5], Data::Float(16153.0));
    assert_eq!(row[7], Data::Float(96.6));
    // into an empty store and out again as CSV: byte for byte what the first store exports
    let s2 = d.path().join("s2");
    ntm(&s2).arg("import").arg(&book).assert().success();
    ntm(&s)
        .arg("export")
        .arg(d.path().join("a"))
        .assert()
        .success();
    ntm(&s2)
        .arg("export")
        .arg(d.path().join("b"))
        .assert()
        .success();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        let x = std::fs::read_to_string(d.path().join("a").join(f)).unwrap();
        let y = std::fs::read_to_string(d.path().join("b").join(f)).unwrap();
        assert!(x == y, "{f} differs after CSV → XLSX → CSV");
    }
    // the log names the workbook and its hash
    let log = String::from_utf8(
        ntm(&s2)
            .arg("log")
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(log.contains("ntm.xlsx sha256 "), "{log}");
}

fn workbook(path: &Path, obs_rows: &[&[&str]], date_cell: bool) {
    let mut wb = Workbook::new();
    let u = wb.add_worksheet();
    u.set_name("units").unwrap();
    for (r, row) in [
        &["code", "name", "level"][..],
        &["c1", "Dĩnh Trì", "commune"][..],
    ]
    .iter()
    .enumerate()
    {
        for (c, v) in row.iter().enumerate() {
            u.write_string(r as u32, c as u16, *v).unwrap();
        }
    }
    let o = wb.add_worksheet();
    o.set_name("observations").unwrap();
    for (r, row) in obs_rows.iter().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v.parse::<f64>() {
                Ok(x) if r > 0 => o.write_number(r as u32, c as u16, x).unwrap(),
                _ => o.write_string(r as u32, c as u16, *v).unwrap(),
            };
        }
    }
    if date_cell {
        let f = rust_xlsxwriter::Format::new().set_num_format("yyyy-mm-dd");
        o.write_datetime_with_format(
            2,
            3,
            rust_xlsxwriter::ExcelDateTime::from_ymd(2020, 1, 1).unwrap(),
            &f,
        )
        .unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn errors_name_the_sheet_and_cell_and_change_nothing() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let book = d.path().join("bad.xlsx");
    let head: &[&str] = &["unit_code", "framework", "indicator", "year", "value"];
    workbook(
        &book,
        &[
            head,
            &["c1", "qd1980-2016", "4.1", "2020", "dat"],
            &["c1", "qd1980-2016", "4.1", "20x0", "dat"],
            &["c1", "qd1980-2016", "17.6", "2020", "120"],
        ],
        false,
    );
    ntm(&s)
        .arg("import")
        .arg(&book)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "observations!D3: \"20x0\" is not a four-digit year between 1900 and 2100 (year)",
        ))
        .stderr(predicate::str::contains(
            "observations!E4: 120 is not a percentage",
        ))
        .stderr(predicate::str::contains("nothing was imported"));
    ntm(&s)
        .args(["export"])
        .arg(d.path().join("out"))
        .assert()
        .success()
        .stdout(predicate::str::contains("0 units, 0 observations"));
    // a date where a year belongs
    workbook(
        &book,
        &[
            head,
            &["c1", "qd1980-2016", "4.1", "2020", "dat"],
            &["c1", "qd1980-2016", "4.1", "2021", "dat"],
        ],
        true,
    );
    ntm(&s)
        .arg("import")
        .arg(&book)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("observations!D3: a date cell"));
    // a workbook without the observations sheet
    let mut wb = Workbook::new();
    wb.add_worksheet().set_name("units").unwrap();
    wb.save(&book).unwrap();
    ntm(&s)
        .arg("import")
        .arg(&book)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no sheet named \"observations\""));
    // a good one goes in
    workbook(
        &book,
        &[head, &["c1", "qd1980-2016", "4.1", "2020", "dat"]],
        false,
    );
    ntm(&s)
        .arg("import")
        .arg(&book)
        .assert()
        .success()
        .stdout(predicate::str::contains("1 số liệu"));
}

#[test]
fn a_filled_template_imports() {
    let (d, s) = imported(&["bac-giang"]);
    let t = d.path().join("mau-2021.xlsx");
    ntm(&s)
        .args(["template", "--unit", "213", "--year", "2021"])
        .args(["--framework", "qd1980-2016"])
        .arg(&t)
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "306 rows (6 communes × 51 indicators of qd1980-2016)",
        ));
    // what a commune officer sees: names and targets beside the entry cells
    let mut wb = open_workbook_auto(&t).unwrap();
    let obs = wb.worksheet_range("observations").unwrap();
    let header: Vec<String> = obs
        .rows()
        .next()
        .unwrap()
        .iter()
        .map(|c| c.to_string())
        .collect();
    assert_eq!(&header[..3], ["# xã", "# chỉ tiêu", "# yêu cầu"]);
    let r176 = obs
        .rows()
        .find(|r| r[5] == Data::String("17.6".into()))
        .unwrap();
    assert_eq!(r176[2], Data::String("≥ 70%".into()));
    assert!(r176[1].to_string().starts_with("17.6 Tỷ lệ hộ có nhà tiêu"));
    // fill it in as the commune would, and send it back
    let units = wb.worksheet_range("units").unwrap();
    let mut out = Workbook::new();
    let ws = out.add_worksheet();
    ws.set_name("units").unwrap();
    for (r, row) in units.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            ws.write_string(r as u32, c as u16, v.to_string()).unwrap();
        }
    }
    let ws = out.add_worksheet();
    ws.set_name("observations").unwrap();
    for (r, row) in obs.rows().enumerate() {
        for (c, v) in row.iter().enumerate() {
            match v {
                Data::Float(f) => ws.write_number(r as u32, c as u16, *f).unwrap(),
                Data::Empty => ws,
                other => ws
                    .write_string(r as u32, c as u16, other.to_string())
                    .unwrap(),
            };
        }
        if r == 0 {
            continue;
        }
        let ind = row[5].to_string();
        let reg = ntm::framework::Registry::builtin();
        let (_, i) = reg.get("qd1980-2016").unwrap().indicator(&ind).unwrap();
        match i.kind {
            ntm::model::Kind::Bool => ws.write_string(r as u32, 7, "dat").unwrap(),
            ntm::model::Kind::Number => ws.write_number(r as u32, 7, 52.5).unwrap(),
            ntm::model::Kind::Ratio => {
                ws.write_number(r as u32, 8, 95.0).unwrap();
                ws.write_number(r as u32, 9, 100.0).unwrap()
            }
        };
    }
    let filled = d.path().join("filled.xlsx");
    out.save(&filled).unwrap();
    ntm(&s)
        .arg("import")
        .arg(&filled)
        .assert()
        .success()
        .stdout(predicate::str::contains("306 số liệu"));
    let out = ntm(&s)
        .args([
            "check",
            "--unit",
            "213-dinh-tri",
            "--year",
            "2021",
            "--format",
            "json",
            "--fail-on",
            "none",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let v: serde_json::Value = serde_json::from_slice(&out).unwrap();
    assert_eq!(v["units"][0]["criteria_total"], 19);
}

#[test]
fn the_appendix_as_a_formatted_sheet() {
    let (d, s) = imported(&["bac-giang"]);
    let f = d.path().join("phu-luc.xlsx");
    ntm(&s)
        .args(["report", "--unit", "213", "--baseline", "2011", "--xlsx"])
        .arg(&f)
        .assert()
        .success();
    let mut wb = open_workbook_auto(&f).unwrap();
    assert_eq!(
        wb.sheet_names(),
        vec!["So sánh tiêu chí", "Danh sách xã đạt chuẩn"]
    );
    let r = wb.worksheet_range("So sánh tiêu chí").unwrap();
    let title = r.get_value((0, 0)).unwrap().to_string();
    assert!(
        title.starts_with("SO SÁNH KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM CẤP XÃ"),
        "{title}"
    );
    assert_eq!(r.get_value((2, 3)).unwrap().to_string(), "Năm 2011");
    let row = r
        .rows()
        .find(|x| x[0] == Data::String("17.6".into()))
        .expect("17.6");
    assert_eq!(row[6], Data::String("16.153/16.209 hộ".into()));
    // percentages are numbers formatted as percentages, as printed in the report
    assert_eq!(row[7], Data::Float(0.966));
    assert_eq!(row[8], Data::String("6/6 xã".into()));
    let list = wb.worksheet_range("Danh sách xã đạt chuẩn").unwrap();
    assert_eq!(list.rows().count(), 7);
}

/// Only 2026 has qd51-2025 data in fixtures/criteria-sets: the sheet has one year's columns.
#[test]
fn the_appendix_sheet_of_a_single_year_has_one_year_of_columns() {
    let (d, s) = imported(&["criteria-sets"]);
    let f = d.path().join("phu-luc.xlsx");
    ntm(&s)
        .args([
            "report",
            "--unit",
            "901",
            "--framework",
            "qd51-2025",
            "--xlsx",
        ])
        .arg(&f)
        .assert()
        .success();
    let mut wb = open_workbook_auto(&f).unwrap();
    let r = wb.worksheet_range("So sánh tiêu chí").unwrap();
    assert_eq!(r.get_value((2, 3)).unwrap().to_string(), "Năm 2026");
    let years: Vec<String> = r
        .rows()
        .nth(2)
        .unwrap()
        .iter()
        .map(ToString::to_string)
        .filter(|c| c.starts_with("Năm "))
        .collect();
    assert_eq!(years, vec!["Năm 2026"]);
    // TT, indicator, target, one year's three columns and the notes column
    assert!(r.width() <= 7, "{} columns", r.width());
}

/// The sheet says what the text report says: printed-vs-computed notes and "chưa có" targets.
#[test]
fn the_appendix_sheet_keeps_the_notes_and_missing_targets() {
    let (d, s) = imported(&["bac-giang"]);
    let f = d.path().join("phu-luc.xlsx");
    ntm(&s)
        .args(["report", "--unit", "213", "--baseline", "2011", "--xlsx"])
        .arg(&f)
        .assert()
        .success();
    let mut wb = open_workbook_auto(&f).unwrap();
    let r = wb.worksheet_range("So sánh tiêu chí").unwrap();
    let row = |code: &str| -> Vec<String> {
        r.rows()
            .find(|x| x[0] == Data::String(code.into()))
            .unwrap_or_else(|| panic!("{code}"))
            .iter()
            .map(ToString::to_string)
            .collect()
    };
    let r176 = row("17.6");
    assert_eq!(r176[7], "0.966", "the percentage stays a number");
    assert_eq!(r176[9], "2020: 96,6% (≠ 99,65%)");
    let r22 = row("2.2");
    assert_eq!(r22[9], "2011: 73,5% (≠ 77,22%)");
    let r24 = row("2.4");
    assert_eq!(r24[2], "chưa có");
    assert_eq!(r24[9], "2020: 81,3% (≠ 71,84%)");
    assert_eq!(row("17.1a")[9], "", "no note where the figures agree");
}

#[test]
fn bounds_apply_to_workbooks_with_the_cell_named() {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("s");
    let book = d.path().join("b.xlsx");
    let head: &[&str] = &[
        "unit_code",
        "framework",
        "indicator",
        "year",
        "value",
        "numerator",
        "denominator",
        "stated_percent",
    ];
    workbook(
        &book,
        &[
            head,
            &["c1", "qd1980-2016", "17.6", "2020", "", "1e308", "100", ""],
            &["c1", "qd1980-2016", "17.7", "2020", "", "5", "100", "-3"],
            &["c1", "qd1980-2016", "17.8", "2021.5", "", "5", "100", ""],
        ],
        false,
    );
    ntm(&s)
        .arg("import")
        .arg(&book)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "observations!F2: 1e308 is over 1000000000, the largest count or measure accepted (in hộ) (numerator)",
        ))
        .stderr(predicate::str::contains(
            "observations!H3: -3 is not a percentage between 0 and 100 (stated_percent)",
        ))
        .stderr(predicate::str::contains(
            "observations!D4: \"2021.5\" is not a four-digit year",
        ));
    // a sheet wider than the column limit is refused before it is converted
    let mut wide: Vec<String> = head.iter().map(|h| h.to_string()).collect();
    wide.extend((0..300).map(|i| format!("x{i}")));
    let wide: Vec<&str> = wide.iter().map(String::as_str).collect();
    workbook(&book, &[&wide], false);
    ntm(&s)
        .arg("import")
        .arg(&book)
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "sheet observations is 308 columns wide, over the limit of 256",
        ));
}
