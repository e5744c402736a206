//! Real documents in: Vietnamese number writing, line numbers of Windows files, template rows
//! nobody filled, a unit recognised twice.

use std::path::Path;

use super::*;
use crate::framework::Registry;
use crate::model::{RecognitionKind, Units};

const UNITS: &str = "code,name,level,parent_code,region\n24,Bắc Giang,province,,TDMNPB\n213,Thành phố Bắc Giang,district,24,\nc1,Dĩnh Trì,commune,213,\n";
const HEAD: &str =
    "unit_code,framework,indicator,year,value,numerator,denominator,stated_percent\n";

fn read_with(obs: &str, opt: &ReadOptions) -> Result<crate::store::Bundle, Vec<String>> {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), UNITS, obs);
    read_bundle(d.path(), &Registry::builtin(), &Units::default(), opt)
        .map_err(|e| e.iter().map(|x| x.to_string()).collect())
}

fn write(dir: &Path, units: &str, obs: &str) {
    std::fs::write(dir.join("units.csv"), units).unwrap();
    std::fs::write(dir.join("observations.csv"), obs).unwrap();
}

fn vi() -> ReadOptions {
    ReadOptions {
        locale_vi: true,
        ..Default::default()
    }
}

#[test]
fn a_count_written_with_thousands_dots_is_refused_with_its_probable_reading() {
    // 17.6: households; 16.003 is sixteen thousand and three the Vietnamese way
    let obs = format!("{HEAD}c1,qd1980-2016,17.6,2020,,16.003,16.209,\n");
    let e = read_with(&obs, &ReadOptions::default()).unwrap_err();
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e[0].starts_with("observations.csv:2:numerator: 16.003 is not a whole number, and this indicator counts hộ: it probably means 16003"),
        "{e:#?}"
    );
    assert!(
        e[0].contains("write 16003, or pass --locale vi"),
        "{}",
        e[0]
    );
    assert!(e[1].contains("probably means 16209"), "{}", e[1]);
    // with --locale vi the same file is read as written
    let b = read_with(&obs, &vi()).unwrap();
    assert_eq!(b.observations[0].numerator, Some(16003.0));
    assert_eq!(b.observations[0].denominator, Some(16209.0));
}

#[test]
fn a_whole_count_with_a_thousands_dot_names_both_readings() {
    // 16: villages; 1.000 thôn is 1 or 1000
    let obs = format!("{HEAD}c1,qd1980-2016,16,2020,dat,1.000,2.000,\n");
    let e = read_with(&obs, &ReadOptions::default()).unwrap_err();
    assert!(
        e[0].starts_with("observations.csv:2:numerator: 1.000 may be 1 or 1000 thôn"),
        "{e:#?}"
    );
}

#[test]
fn an_ambiguous_measure_is_read_the_machine_way_and_listed_in_a_warning() {
    // 2.1: km of road; nothing else in the file says how numbers are written
    let obs = format!("{HEAD}c1,qd1980-2016,2.1,2020,,15.848,16.209,\n");
    let b = read_with(&obs, &ReadOptions::default()).unwrap();
    assert_eq!(b.observations[0].numerator, Some(15.848));
    assert_eq!(b.warnings.len(), 2, "{:#?}", b.warnings);
    assert_eq!(
        b.warnings[0].to_string(),
        "observations.csv:2:numerator: 15.848 read as 15.848 km; if the dot groups thousands it is 15848: then write 15848, or pass --locale vi"
    );
    // a file that writes a decimal point elsewhere has told how it writes: no warning
    let obs = format!(
        "{HEAD}c1,qd1980-2016,2.1,2020,,15.848,16.209,\nc1,qd1980-2016,2.2,2020,,28.87,28.87,\n"
    );
    let b = read_with(&obs, &ReadOptions::default()).unwrap();
    assert!(b.warnings.is_empty(), "{:#?}", b.warnings);
}

#[test]
fn the_file_decides_its_writing_and_may_not_mix_both() {
    let mixed = format!(
        "{HEAD}c1,qd1980-2016,17.6,2020,,16.153,16.209,\"99,6\"\nc1,qd1980-2016,2.1,2020,,28.87,28.87,\n"
    );
    let e = read_with(&mixed, &vi()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].starts_with("observations.csv:3:numerator: the file writes numbers two ways: 99,6 on line 2 (stated_percent) is Vietnamese writing"),
        "{e:#?}"
    );
    // Vietnamese writing throughout: 63.036/81.635 km stay 63036/81635 only when so written
    let vi_file = format!("{HEAD}c1,qd1980-2016,2.2,2011,,\"63,036\",\"81,635\",\"73,5\"\n");
    let b = read_with(&vi_file, &vi()).unwrap();
    assert_eq!(b.observations[0].numerator, Some(63.036));
    assert_eq!(b.observations[0].stated_percent, Some(73.5));
}

#[test]
fn locale_vi_on_the_city_bundle_refuses_instead_of_multiplying_by_a_thousand() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bac-giang");
    let e = read_bundle(&dir, &Registry::builtin(), &Units::default(), &vi()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    let msg = e[0].to_string();
    assert!(
        msg.contains("--locale vi was given, but this file writes numbers the machine way"),
        "{msg}"
    );
    // without the flag it reads as printed: 15.848 km stays 15.848, 63.036 stays 63.036
    let b = read_bundle(
        &dir,
        &Registry::builtin(),
        &Units::default(),
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(b.warnings.is_empty(), "{:#?}", b.warnings);
    let get = |ind: &str, y: u16| {
        b.observations
            .iter()
            .find(|o| o.indicator == ind && o.year == y)
            .unwrap()
    };
    assert_eq!(get("2.2", 2011).numerator, Some(63.036));
    assert_eq!(get("2.2", 2011).denominator, Some(81.635));
}

#[test]
fn line_numbers_are_right_for_lf_crlf_bom_and_quoted_line_breaks() {
    let rows = [
        "c1,qd1980-2016,10,2020,48,,,",
        "c1,qd1980-2016,4.1,2020,\"d\nat\",,,",
        "c1,qd1980-2016,4.2,2020,xx,,,",
    ];
    for (eol, bom, name) in [
        ("\n", "", "LF"),
        ("\r\n", "", "CRLF"),
        ("\r\n", "\u{FEFF}", "BOM+CRLF"),
        ("\n", "\u{FEFF}", "BOM+LF"),
    ] {
        let body: String = rows.iter().map(|r| format!("{r}{eol}")).collect();
        let text = format!("{bom}{}{body}", HEAD.replace('\n', eol))
            .replace("d\nat", &format!("d{eol}at"));
        let e = read_with(&text, &ReadOptions::default()).unwrap_err();
        // the quoted field starts on line 3 and spans 3–4; the bad value is on line 5
        assert_eq!(e.len(), 2, "{name}: {e:#?}");
        assert!(
            e[0].starts_with("observations.csv:3:value:"),
            "{name}: {e:#?}"
        );
        assert!(
            e[1].starts_with("observations.csv:5:value: \"xx\" is not a number"),
            "{name}: {e:#?}"
        );
        // blank lines (spreadsheets leave them) count as lines too
        let blank = format!(
            "{bom}{}{eol}{}{eol}{eol}{eol}{}{eol}",
            HEAD.trim_end(),
            rows[0],
            rows[2]
        );
        let e = read_with(&blank, &ReadOptions::default()).unwrap_err();
        assert!(
            e[0].starts_with("observations.csv:5:value: \"xx\""),
            "{name}: {e:#?}"
        );
    }
}

#[test]
fn rows_without_any_figure_are_skipped_and_counted_half_filled_rows_are_errors() {
    let mut obs = String::from(HEAD);
    for ind in ["17.6", "17.7", "17.8"] {
        obs += &format!("c1,qd1980-2016,{ind},2020,,,,\n");
    }
    obs += "c1,qd1980-2016,4.1,2020,dat,,,\n";
    let b = read_with(&obs, &ReadOptions::default()).unwrap();
    assert_eq!((b.skipped_empty, b.observations.len()), (3, 1));
    // a numerator without its denominator is still an error
    let half = format!("{obs}c1,qd1980-2016,4.2,2020,,14000,,\n");
    let e = read_with(&half, &ReadOptions::default()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].starts_with("observations.csv:6:denominator: numerator and denominator go together"),
        "{e:#?}"
    );
}

#[test]
fn a_unit_recognised_twice_for_one_kind_is_refused() {
    let d = tempfile::tempdir().unwrap();
    write(
        d.path(),
        UNITS,
        &format!("{HEAD}c1,qd1980-2016,4.1,2020,dat,,,\n"),
    );
    let recs = "unit_code,kind,year,decision,issuer\nc1,ntm,2014,1968/QĐ-UBND,UBND tỉnh\nc1,nang_cao,2019,12/QĐ-UBND,UBND tỉnh\nc1,ntm,2015,,\n";
    std::fs::write(d.path().join("recognitions.csv"), recs).unwrap();
    let reg = Registry::builtin();
    let e = read_bundle(d.path(), &reg, &Units::default(), &ReadOptions::default()).unwrap_err();
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(
        e[0].to_string().starts_with(
            "recognitions.csv:4:year: c1 is already recognised ntm in 2014 (1968/QĐ-UBND) on line 2"
        ),
        "{e:#?}"
    );
    // two different decisions really exist (revoked, granted again): both kept
    let recs2 =
        "unit_code,kind,year,decision,issuer\nc1,ntm,2014,1968/QĐ-UBND,\nc1,ntm,2022,77/QĐ-UBND,\n";
    std::fs::write(d.path().join("recognitions.csv"), recs2).unwrap();
    let b = read_bundle(d.path(), &reg, &Units::default(), &ReadOptions::default()).unwrap();
    assert_eq!(b.recognitions.len(), 2);
    // against the store's: the same rule
    let stored = vec![crate::model::Recognition {
        unit_code: "c1".into(),
        kind: RecognitionKind::Ntm,
        year: 2013,
        decision: None,
        issuer: None,
    }];
    let opt = ReadOptions {
        recognitions: stored,
        ..Default::default()
    };
    let e = read_bundle(d.path(), &reg, &Units::default(), &opt).unwrap_err();
    assert_eq!(e.len(), 2, "{e:#?}");
    assert!(
        e[0].to_string()
            .contains("already recognised ntm in 2013 in the store"),
        "{e:#?}"
    );
}

fn unit_errors(units: &str, stored: &Units) -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    write(d.path(), units, HEAD);
    read_bundle(
        d.path(),
        &Registry::builtin(),
        stored,
        &ReadOptions::default(),
    )
    .expect_err("should be refused")
    .iter()
    .map(|x| x.to_string())
    .collect()
}

#[test]
fn codes_that_only_look_like_another_are_refused() {
    let head = "code,name,level,parent_code,region\n24,Bắc Giang,province,,TDMNPB\n213,Thành phố Bắc Giang,district,24,\n213-dinh-tri,Dĩnh Trì,commune,213,\n";
    for (fake, how) in [
        ("213-DINH-TRI", "only by upper/lower case"),
        (
            "213-dinh-tr\u{0456}",
            "only by look-alike letters of another script",
        ),
    ] {
        let e = unit_errors(
            &format!("{head}{fake},Dĩnh Trì 2,commune,213,\n"),
            &Units::default(),
        );
        assert_eq!(e.len(), 1, "{e:#?}");
        assert!(
            e[0].starts_with(&format!(
                "units.csv:5:code: unit code {fake} is confusable with 213-dinh-tri on line 4: it differs {how}"
            )),
            "{e:#?}"
        );
    }
    // a zero-width space or a byte-order mark inside a code is never a code of its own
    let e = unit_errors(
        &format!("{head}213-dinh-tri\u{200B},Dĩnh Trì,commune,213,\n"),
        &Units::default(),
    );
    assert!(
        e[0].starts_with(
            "units.csv:5:code: unit code \"213-dinh-tri\" contains an invisible character (U+200B)"
        ),
        "{e:#?}"
    );
    let e = unit_errors(
        &format!("{head}\u{FEFF}213-tan-my,Tân Mỹ,commune,213,\n"),
        &Units::default(),
    );
    assert!(e[0].contains("(U+FEFF)"), "{e:#?}");
    // against the units already in the store
    let mut stored = Units::default();
    let d = tempfile::tempdir().unwrap();
    write(d.path(), head, HEAD);
    for u in read_bundle(
        d.path(),
        &Registry::builtin(),
        &Units::default(),
        &ReadOptions::default(),
    )
    .unwrap()
    .units
    {
        stored.insert(u);
    }
    let e = unit_errors(
        "code,name,level,parent_code\n213-Dinh-Tri,Dĩnh Trì,commune,213\n",
        &stored,
    );
    assert!(
        e[0].contains("is confusable with 213-dinh-tri in the store"),
        "{e:#?}"
    );
}

#[test]
fn impossible_parent_chains_are_refused_with_line_and_column() {
    let e = unit_errors(
        "code,name,level,parent_code\n24,Bắc Giang,province,\nd1,Huyện,district,24\nc1,Xã Một,commune,d1\nc2,Xã Hai,commune,c1\n",
        &Units::default(),
    );
    assert_eq!(e.len(), 1, "{e:#?}");
    assert!(e[0].starts_with("units.csv:5:parent_code: a commune cannot be under a commune; its parent must be a district or a province (commune c1)"), "{e:#?}");
    let e = unit_errors(
        "code,name,level,parent_code\n24,Bắc Giang,province,d1\nd1,Huyện,district,24\n",
        &Units::default(),
    );
    assert!(
        e.iter()
            .any(|x| x.starts_with("units.csv:2:parent_code: a province is not under any unit")),
        "{e:#?}"
    );
    let e = unit_errors(
        "code,name,level,parent_code\nd1,Huyện Một,district,d2\nd2,Huyện Hai,district,d1\n",
        &Units::default(),
    );
    assert!(
        e.iter()
            .any(|x| x == "units.csv:2:parent_code: the parent chain loops: d1 → d2 → d1"),
        "{e:#?}"
    );
    assert!(
        e.iter().any(
            |x| x.starts_with("units.csv:2:parent_code: a district cannot be under a district")
        ),
        "{e:#?}"
    );
    let e = unit_errors(
        "code,name,level,parent_code\nc1,Xã,commune,c1\n",
        &Units::default(),
    );
    assert_eq!(
        e,
        vec!["units.csv:2:parent_code: a unit cannot refer to itself".to_string()]
    );
}
