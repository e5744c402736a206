//! `ntm report` reproduces the source report's appendix from the fixture.

mod common;

use std::collections::HashMap;

use common::{fixtures, imported, ntm};

fn rows(text: &str) -> Vec<HashMap<String, String>> {
    let mut r = csv::Reader::from_reader(text.as_bytes());
    let h: Vec<String> = r.headers().unwrap().iter().map(str::to_string).collect();
    r.records()
        .map(|rec| {
            h.iter()
                .cloned()
                .zip(rec.unwrap().iter().map(str::to_string))
                .collect()
        })
        .collect()
}

fn same_number(a: &str, b: &str) -> bool {
    match (a.parse::<f64>(), b.parse::<f64>()) {
        (Ok(x), Ok(y)) => (x - y).abs() < 1e-9,
        _ => a == b,
    }
}

#[test]
fn the_appendix_is_reproduced_for_2011_and_2020() {
    let (_d, s) = imported(&["bac-giang"]);
    let out = ntm(&s)
        .args([
            "report",
            "--unit",
            "213",
            "--year",
            "2020",
            "--baseline",
            "2011",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = rows(&String::from_utf8(out).unwrap());
    assert_eq!(report.len(), 51);
    let fixture =
        rows(&std::fs::read_to_string(fixtures().join("bac-giang/observations.csv")).unwrap());
    let mut compared = 0;
    for f in fixture.iter().filter(|f| f["unit_code"] == "213") {
        let r = report
            .iter()
            .find(|r| r["indicator"] == f["indicator"])
            .expect("every indicator is in the report");
        let p = if f["year"] == "2011" {
            "baseline"
        } else {
            "current"
        };
        assert_eq!(r[&format!("{p}_year")], f["year"]);
        assert_eq!(r[&format!("{p}_basis")], "aggregate");
        let checks = [
            ("numerator", f["numerator"].as_str()),
            ("denominator", f["denominator"].as_str()),
            ("units_met", f["units_met"].as_str()),
            ("units_total", f["units_total"].as_str()),
            ("value", f["value"].as_str()),
        ];
        for (col, want) in checks {
            let got = &r[&format!("{p}_{col}")];
            assert!(
                same_number(got, want),
                "{} {} {col}: report {got:?}, appendix {want:?}",
                f["indicator"],
                f["year"]
            );
        }
        // the percentage is the printed one where the appendix prints one
        if !f["stated_percent"].is_empty() {
            assert!(
                same_number(&r[&format!("{p}_percent")], &f["stated_percent"]),
                "{} {} percent",
                f["indicator"],
                f["year"]
            );
        }
        compared += 1;
    }
    assert_eq!(compared, 102);
}

#[test]
fn text_report_reads_like_the_appendix() {
    let (_d, s) = imported(&["bac-giang"]);
    let out = ntm(&s)
        .args(["report", "--unit", "213", "--baseline", "2011"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let text = String::from_utf8(out).unwrap();
    assert!(text.starts_with(
        "SO SÁNH KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM CẤP XÃ TRÊN ĐỊA BÀN THÀNH PHỐ BẮC GIANG"
    ));
    let line = |code: &str| {
        text.lines()
            .find(|l| l.starts_with(&format!("{code:<7}")) && l.contains('|'))
            .unwrap_or_else(|| panic!("no line {code}"))
            .to_string()
    };
    let l = line("4.2");
    assert!(l.contains("13.981/14.026 hộ  99,6%  6/6 xã"), "{l}");
    assert!(l.contains("16.209/16.209 hộ  100%  6/6 xã"), "{l}");
    // a printed percentage that does not add up is shown with the arithmetic
    let l = line("17.6");
    assert!(l.contains("16.153/16.209 hộ  96,6% (≠ 99,65%)"), "{l}");
    assert!(line("10").contains("19,95 triệu đồng/người/năm"));
    assert!(line("1.1").contains("Chưa đạt  0/6 xã"));
    // the recognised communes with their decisions
    assert!(text.contains("DANH SÁCH CÁC XÃ ĐÃ ĐẠT CHUẨN NTM"));
    assert!(text.contains("112/QĐ-UBND ngày 24/01/2014"));
    assert!(text.contains("Tổng số: 6 xã đạt chuẩn/tổng số 6 xã"));
}

#[test]
fn commune_rows_are_summed_and_disagreements_marked() {
    let (_d, s) = imported(&["bac-giang", "sample"]);
    let out = ntm(&s)
        .args([
            "report",
            "--unit",
            "213",
            "--year",
            "2020",
            "--baseline",
            "2011",
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let report = rows(&String::from_utf8(out).unwrap());
    let r = report.iter().find(|r| r["indicator"] == "17.7").unwrap();
    assert_eq!(r["baseline_basis"], "aggregate");
    assert_eq!(r["current_basis"], "communes");
    // Song Khê misses 17.7 in the sample: 5/6 from the communes, 6/6 in the city's row
    assert_eq!(
        (
            r["current_units_met"].as_str(),
            r["current_units_total"].as_str()
        ),
        ("5", "6")
    );
    assert_eq!(
        (
            r["current_aggregate_units_met"].as_str(),
            r["current_aggregate_units_total"].as_str()
        ),
        ("6", "6")
    );
    // the summed counts are the communes' own
    let sample =
        rows(&std::fs::read_to_string(fixtures().join("sample/observations.csv")).unwrap());
    let (n, dd): (f64, f64) = sample
        .iter()
        .filter(|o| o["indicator"] == "17.7" && o["year"] == "2020")
        .map(|o| {
            (
                o["numerator"].parse::<f64>().unwrap(),
                o["denominator"].parse::<f64>().unwrap(),
            )
        })
        .fold((0.0, 0.0), |a, b| (a.0 + b.0, a.1 + b.1));
    assert!(same_number(&r["current_numerator"], &n.to_string()));
    assert!(same_number(&r["current_denominator"], &dd.to_string()));
}

fn report(s: &std::path::Path, args: &[&str]) -> String {
    let out = ntm(s)
        .arg("report")
        .args(args)
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    String::from_utf8(out).unwrap()
}

/// fixtures/merge-example with Hòa Lạc recognised too: both predecessors of Hòa An are NTM, so
/// Hòa An inherits NTM in 2025 (grid `2025*`); the report lists it the same way.
#[test]
fn a_merged_commune_that_inherits_recognition_is_listed() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("bundle");
    std::fs::create_dir(&b).unwrap();
    for f in [
        "units.csv",
        "observations.csv",
        "merges.csv",
        "recognitions.csv",
    ] {
        std::fs::copy(fixtures().join("merge-example").join(f), b.join(f)).unwrap();
    }
    let mut recs = std::fs::read_to_string(b.join("recognitions.csv")).unwrap();
    recs += "901-hoa-lac,ntm,2021,20/QĐ-UBND ngày 15/01/2022,UBND tỉnh Ví Dụ\n";
    std::fs::write(b.join("recognitions.csv"), recs).unwrap();
    let s = d.path().join("s");
    ntm(&s).arg("import").arg(&b).assert().success();

    let text = report(&s, &["--unit", "90", "--year", "2025"]);
    assert!(
        text.contains("Tổng số: 1 xã đạt chuẩn/tổng số 1 xã"),
        "{text}"
    );
    let row = text
        .lines()
        .find(|l| l.contains("Hòa An") && l.contains("2025"))
        .unwrap_or_else(|| panic!("Hòa An not listed:\n{text}"));
    assert!(row.contains("2025*"), "{row}");
    assert!(
        text.contains("* Hòa An: kế thừa: An Bình (NTM 2019), Hòa Lạc (NTM 2021) → NTM (cùng mức)"),
        "{text}"
    );
    let en = String::from_utf8(
        ntm(&s)
            .args(["--lang", "en", "report", "--unit", "90", "--year", "2025"])
            .assert()
            .success()
            .get_output()
            .stdout
            .clone(),
    )
    .unwrap();
    assert!(en.contains("Total: 1 of 1 communes"), "{en}");
    assert!(
        en.contains("* Hòa An: inherited: An Bình (NTM 2019), Hòa Lạc (NTM 2021) → NTM"),
        "{en}"
    );
    let md = report(&s, &["--unit", "90", "--year", "2025", "--format", "md"]);
    assert!(md.contains("| 1 | Hòa An | 2025\\* |"), "{md}");
    // before the merger the two predecessors are listed with their own decisions
    let text = report(&s, &["--unit", "90", "--year", "2024"]);
    assert!(
        text.contains("Tổng số: 2 xã đạt chuẩn/tổng số 2 xã"),
        "{text}"
    );
    assert!(!text.contains('*'), "{text}");
}

/// fixtures/criteria-sets under qd1980-2016 has only 15.3 (the first indicator, 1.1, has no
/// rows): the header and the total still count the district's two communes.
#[test]
fn commune_counts_do_not_depend_on_the_first_indicator() {
    let (_d, s) = imported(&["criteria-sets"]);
    let text = report(&s, &["--unit", "901", "--framework", "qd1980-2016"]);
    assert!(
        text.contains("năm 2018: cộng từ số liệu của 2 xã; năm 2020: cộng từ số liệu của 2 xã"),
        "{text}"
    );
    assert!(
        text.contains("Tổng số: 0 xã đạt chuẩn/tổng số 2 xã"),
        "{text}"
    );
    assert!(!text.contains("của 0 xã"), "{text}");
}

/// Only 2026 has qd51-2025 data: one column and a word that there is no comparison year.
#[test]
fn a_single_year_is_shown_once() {
    let (_d, s) = imported(&["criteria-sets"]);
    let text = report(&s, &["--unit", "901", "--framework", "qd51-2025"]);
    let head = text.lines().nth(1).unwrap();
    assert_eq!(head.matches("2026").count(), 1, "{head}");
    assert!(head.contains("không có năm trước để so sánh"), "{head}");
    let cols = text.lines().find(|l| l.starts_with("TT ")).unwrap();
    assert_eq!(cols.matches("2026").count(), 1, "{cols}");
    let row = text
        .lines()
        .find(|l| l.starts_with("1      Đạt"))
        .unwrap_or_else(|| panic!("{text}"));
    assert_eq!(row.matches('|').count(), 1, "{row}");
    assert_eq!(row.matches("2/2 xã").count(), 1, "{row}");
    let md = report(
        &s,
        &[
            "--unit",
            "901",
            "--framework",
            "qd51-2025",
            "--format",
            "md",
        ],
    );
    let md_head = md.lines().find(|l| l.starts_with("| TT")).unwrap();
    assert_eq!(md_head.matches("2026").count(), 1, "{md_head}");
    let sep = md.lines().find(|l| l.starts_with("|---")).unwrap();
    assert_eq!(sep.matches("---").count(), 6, "{sep}");
    // an explicit earlier baseline that has no data still gives two columns
    let two = report(
        &s,
        &[
            "--unit",
            "901",
            "--framework",
            "qd51-2025",
            "--baseline",
            "2025",
        ],
    );
    assert!(two.lines().nth(1).unwrap().contains("năm 2025"), "{two}");
}

/// A province whose source gives district rows only (no commune rows): the districts' rows are
/// rolled up as commune rows are, and the header says so.
#[test]
fn a_province_of_district_rows_is_rolled_up_from_them() {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("units.csv"),
        "code,name,level,parent_code,region\n\
         86,Vĩnh Long,province,,DBSCL\n\
         855,Huyện Long Hồ,district,86,\n\
         855-a,Xã Lộc Hòa,commune,855,\n\
         857,Huyện Mang Thít,district,86,\n\
         857-a,Xã Mỹ An,commune,857,\n",
    )
    .unwrap();
    std::fs::write(
        b.join("observations.csv"),
        "unit_code,framework,indicator,year,value,numerator,denominator,stated_percent,units_met,units_total,source\n\
         855,qd1980-2016,17.6,2020,,16.153,16.209,\"99,7\",12,14,Báo cáo huyện\n\
         857,qd1980-2016,17.6,2020,,10.020,12.000,\"83,5\",9,13,Báo cáo huyện\n\
         855,qd1980-2016,1.1,2020,dat,,,,14,14,Báo cáo huyện\n\
         857,qd1980-2016,1.1,2020,dat,,,,13,13,Báo cáo huyện\n",
    )
    .unwrap();
    let s = d.path().join("s");
    ntm(&s)
        .args(["import", "--locale", "vi"])
        .arg(&b)
        .assert()
        .success();
    let text = report(&s, &["--unit", "86", "--year", "2020"]);
    assert!(
        text.contains("năm 2020: cộng từ số liệu tổng hợp của 2 huyện"),
        "{text}"
    );
    let l = text.lines().find(|l| l.starts_with("17.6")).unwrap();
    // 16.153 + 10.020 = 26.173 of 16.209 + 12.000 = 28.209 households; 12 + 9 of 14 + 13 xã
    assert!(l.contains("26.173/28.209 hộ"), "{l}");
    assert!(l.contains("92,78%"), "{l}");
    assert!(l.contains("21/27 xã"), "{l}");
    let l = text.lines().find(|l| l.starts_with("1.1")).unwrap();
    assert!(l.contains("Đạt") && l.contains("27/27 xã"), "{l}");
    let en = ntm(&s)
        .args(["--lang", "en", "report", "--unit", "86", "--year", "2020"])
        .assert()
        .success()
        .get_output()
        .stdout
        .clone();
    let en = String::from_utf8(en).unwrap();
    assert!(
        en.contains("summed from the aggregate rows of 2 districts"),
        "{en}"
    );
    let csv = report(&s, &["--unit", "86", "--year", "2020", "--format", "csv"]);
    let r = rows(&csv);
    let r176 = r.iter().find(|x| x["indicator"] == "17.6").unwrap();
    assert_eq!(r176["current_basis"], "districts");
    assert!(same_number(&r176["current_numerator"], "26173"));
}
