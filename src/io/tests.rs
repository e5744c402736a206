use std::path::Path;

use super::*;
use crate::framework::Registry;
use crate::model::{Units, Value};

const UNITS: &str = "code,name,level,parent_code,region\n24,Bắc Giang,province,,TDMNPB\n213,Thành phố Bắc Giang,district,24,\nc1,Dĩnh Trì,commune,213,\n";
const OBS_HEAD: &str = "unit_code,framework,indicator,year,value,numerator,denominator,stated_percent,units_met,units_total,source,note\n";

fn bundle(dir: &Path, units: &str, obs: &str) {
    std::fs::write(dir.join("units.csv"), units).unwrap();
    std::fs::write(dir.join("observations.csv"), obs).unwrap();
}

fn read(dir: &Path, opt: &ReadOptions) -> Result<crate::store::Bundle, Vec<BadRow>> {
    read_bundle(dir, &Registry::builtin(), &Units::default(), opt)
}

fn errors(units: &str, obs: &str) -> Vec<String> {
    let d = tempfile::tempdir().unwrap();
    bundle(d.path(), units, obs);
    read(d.path(), &ReadOptions::default())
        .expect_err("should be rejected")
        .iter()
        .map(|e| e.to_string())
        .collect()
}

#[test]
fn reads_a_valid_bundle() {
    let d = tempfile::tempdir().unwrap();
    let obs = format!(
        "{OBS_HEAD}c1,qd1980-2016,17.6,2020,,16153,16209,96.6,,,Phụ lục 02,\nc1,qd1980-2016,4.1,2020,Đạt,,,,,,,\nc1,qd1980-2016,10,2020,48,,,,,,,\n"
    );
    bundle(d.path(), UNITS, &obs);
    let b = read(d.path(), &ReadOptions::default()).unwrap();
    assert_eq!(b.units.len(), 3);
    assert_eq!(b.observations.len(), 3);
    assert_eq!(b.observations[0].numerator, Some(16153.0));
    assert_eq!(b.observations[0].stated_percent, Some(96.6));
    assert_eq!(b.observations[0].source.as_deref(), Some("Phụ lục 02"));
    assert_eq!(b.observations[1].value, Some(Value::Pass(true)));
    assert_eq!(b.observations[2].value, Some(Value::Number(48.0)));
}

#[test]
fn bom_crlf_and_column_order_are_accepted_and_text_is_nfc() {
    let d = tempfile::tempdir().unwrap();
    // NFD "Dĩnh Trì" (i + combining tilde, i + combining grave)
    let units = "\u{FEFF}name,code,level,parent_code\r\nDi\u{303}nh Tri\u{300},c1,commune,\r\n";
    let obs = format!(
        "\u{FEFF}{}",
        "year,indicator,framework,unit_code,value\r\n2020,4.1,qd1980-2016,c1,khong\r\n"
    );
    bundle(d.path(), units, &obs);
    let b = read(d.path(), &ReadOptions::default()).unwrap();
    assert_eq!(b.units[0].name, "Dĩnh Trì");
    assert_eq!(b.units[0].name.chars().count(), 8);
    assert_eq!(b.observations[0].value, Some(Value::Pass(false)));
}

#[test]
fn pass_fail_words() {
    for w in ["dat", "đạt", "ĐẠT", "co", "có", "yes", "TRUE", "1"] {
        assert_eq!(parse_pass(w), Some(true), "{w}");
    }
    for w in ["chua_dat", "chưa đạt", "khong", "không", "No", "false", "0"] {
        assert_eq!(parse_pass(w), Some(false), "{w}");
    }
    assert_eq!(parse_pass("maybe"), None);
}

#[test]
fn vietnamese_numbers_need_the_locale_flag() {
    let d = tempfile::tempdir().unwrap();
    let obs = format!("{OBS_HEAD}c1,qd1980-2016,17.6,2020,,16.153,16.209,\"99,6\",,,,\n");
    bundle(d.path(), UNITS, &obs);
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert!(e[0].to_string().contains("--locale vi"), "{}", e[0]);
    let b = read(
        d.path(),
        &ReadOptions {
            locale_vi: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.observations[0].numerator, Some(16153.0));
    assert_eq!(b.observations[0].stated_percent, Some(99.6));
}

#[test]
fn every_bad_row_is_named_with_file_line_and_column() {
    let obs = format!(
        "{OBS_HEAD}c1,qd1980-2016,17.6,2020,,-5,100,,,,,\n\
         c1,qd1980-2016,17.6,0,,5,100,,,,,\n\
         c1,qd1980-2016,17.7,2020,,5,,,,,,\n\
         c1,qd1980-2016,17.8,2020,50,5,10,,,,,\n\
         c1,qd1980-2016,99.9,2020,1,,,,,,,\n\
         zz,qd1980-2016,17.6,2019,50,,,,,,,\n\
         c1,qd1980-2016,4.1,2019,maybe,,,,,,,\n\
         c1,nope,4.1,2019,dat,,,,,,,\n\
         c1,qd1980-2016,4.2,2019,120,,,,,,,\n\
         c1,qd1980-2016,4.2,2018,,,,,,,,\n\
         c1,qd1980-2016,4.2,2017,50,,,,7,6,,\n"
    );
    let e = errors(UNITS, &obs);
    let want = [
        "observations.csv:2:numerator: -5 is negative",
        "observations.csv:3:year: \"0\" is not a four-digit year",
        "observations.csv:4:denominator: numerator and denominator go together",
        "observations.csv:5:value: give either value or numerator+denominator",
        "observations.csv:6:indicator: framework qd1980-2016 has no indicator 99.9",
        "observations.csv:7:unit_code: zz is not a unit",
        "observations.csv:8:value: indicator 4.1 is pass/fail",
        "observations.csv:9:framework: unknown framework nope",
        "observations.csv:10:value: 120 is not a percentage",
        "observations.csv:11:value: no figure",
        "observations.csv:12:units_met: units_met 7 is more than units_total 6",
    ];
    for w in want {
        assert!(
            e.iter().any(|x| x.starts_with(w)),
            "missing {w:?} in {e:#?}"
        );
    }
    assert_eq!(e.len(), want.len(), "{e:#?}");
}

#[test]
fn duplicate_rows_and_units_are_refused() {
    let units = format!("{UNITS}c1,Again,commune,213,\n");
    let obs = format!(
        "{OBS_HEAD}c1,qd1980-2016,4.1,2020,dat,,,,,,,\nc1,qd1980-2016,4.1,2020,dat,,,,,,,\n"
    );
    let e = errors(&units, &obs);
    assert!(
        e.iter()
            .any(|x| x.starts_with("units.csv:5:code: unit c1 already defined on line 4")),
        "{e:#?}"
    );
    assert!(
        e.iter()
            .any(|x| x
                .starts_with("observations.csv:3:indicator: c1 4.1 2020 already given on line 2")),
        "{e:#?}"
    );
}

#[test]
fn broken_files_get_clear_errors() {
    // empty file
    let e = errors("", OBS_HEAD);
    assert!(e[0].starts_with("units.csv:1: file is empty"), "{e:?}");
    // missing required column and unknown column
    let e = errors("code,name,colour\nc1,X,red\n", OBS_HEAD);
    assert!(e.iter().any(|x| x == "units.csv:1:colour: unknown column (known: code, name, level, parent_code, region, valid_from, valid_to, successor_code, commune_group; or pass --ignore-unknown-columns)"), "{e:?}");
    assert!(
        e.iter()
            .any(|x| x == "units.csv:1:level: required column is missing from the header"),
        "{e:?}"
    );
    // a row with the wrong number of fields
    let e = errors("code,name,level\nc1,X\n", OBS_HEAD);
    assert!(e[0].starts_with("units.csv:2: malformed CSV row"), "{e:?}");
    // not UTF-8: Windows-1258 bytes
    let d = tempfile::tempdir().unwrap();
    std::fs::write(
        d.path().join("units.csv"),
        b"code,name,level\nc1,D\xF2nh Tr\xEC,commune\n",
    )
    .unwrap();
    std::fs::write(d.path().join("observations.csv"), OBS_HEAD).unwrap();
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    let s = e[0].to_string();
    assert!(s.starts_with("units.csv:2: not UTF-8 (byte 0xF2"), "{s}");
    assert!(s.contains("Windows-1258"), "{s}");
}

#[test]
fn unknown_columns_can_be_ignored() {
    let d = tempfile::tempdir().unwrap();
    bundle(
        d.path(),
        "code,name,level,colour\nc1,X,commune,red\n",
        OBS_HEAD,
    );
    assert!(read(d.path(), &ReadOptions::default()).is_err());
    let b = read(
        d.path(),
        &ReadOptions {
            ignore_unknown_columns: true,
            ..Default::default()
        },
    )
    .unwrap();
    assert_eq!(b.units.len(), 1);
}

#[test]
fn a_file_or_missing_folder_is_not_a_bundle() {
    let d = tempfile::tempdir().unwrap();
    let f = d.path().join("x.csv");
    std::fs::write(&f, "a").unwrap();
    let e = read(&f, &ReadOptions::default()).unwrap_err();
    assert!(e[0].reason.contains("this is a file"), "{}", e[0]);
    let e = read(&d.path().join("nope"), &ReadOptions::default()).unwrap_err();
    assert!(
        e[0].reason.contains("cannot open the bundle folder"),
        "{}",
        e[0]
    );
    // a folder without observations.csv
    std::fs::write(d.path().join("units.csv"), UNITS).unwrap();
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        e[0].to_string()
            .starts_with("observations.csv:0: cannot read"),
        "{}",
        e[0]
    );
}

#[test]
fn the_error_list_is_capped() {
    let mut obs = OBS_HEAD.to_string();
    for _ in 0..80 {
        obs += "c1,qd1980-2016,4.1,2020,maybe,,,,,,,\n";
    }
    let e = errors(UNITS, &obs);
    assert_eq!(e.len(), 51);
    assert!(e[50].starts_with("… and "), "{}", e[50]);
}

#[test]
fn the_bac_giang_fixture_reads_cleanly() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bac-giang");
    let b = read(&dir, &ReadOptions::default()).unwrap();
    assert_eq!(b.units.len(), 8);
    assert_eq!(b.observations.len(), 102);
    assert_eq!(b.recognitions.len(), 6);
}

#[test]
fn compressed_files_and_huge_headers_are_refused_with_a_reason() {
    let d = tempfile::tempdir().unwrap();
    std::fs::write(d.path().join("units.csv"), [0x1F, 0x8B, 8, 0, 0, 0, 0, 0]).unwrap();
    std::fs::write(d.path().join("observations.csv"), b"PK\x03\x04rest").unwrap();
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        e[0].to_string().contains("compressed file (gzip)"),
        "{}",
        e[0]
    );
    assert!(
        e[1].to_string().contains("compressed file (zip"),
        "{}",
        e[1]
    );
    // a million columns
    let header: Vec<String> = (0..1_000_000).map(|i| format!("c{i}")).collect();
    std::fs::write(d.path().join("units.csv"), header.join(",") + "\n").unwrap();
    std::fs::write(d.path().join("observations.csv"), OBS_HEAD).unwrap();
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        e[0].to_string(),
        "units.csv:1: the header row has more than 256 columns, the limit"
    );
}

#[cfg(unix)]
#[test]
fn links_must_stay_inside_the_bundle() {
    let d = tempfile::tempdir().unwrap();
    let outside = d.path().join("secret.csv");
    std::fs::write(&outside, UNITS).unwrap();
    let b = d.path().join("bundle");
    std::fs::create_dir(&b).unwrap();
    std::os::unix::fs::symlink(&outside, b.join("units.csv")).unwrap();
    std::fs::write(b.join("observations.csv"), OBS_HEAD).unwrap();
    let e = read(&b, &ReadOptions::default()).unwrap_err();
    assert!(
        e[0].to_string()
            .starts_with("units.csv:0: is a symbolic link pointing outside the bundle folder"),
        "{}",
        e[0]
    );
    // a link to a file inside the bundle is fine
    std::fs::remove_file(b.join("units.csv")).unwrap();
    std::fs::write(b.join("units-2020.csv"), UNITS).unwrap();
    std::os::unix::fs::symlink(b.join("units-2020.csv"), b.join("units.csv")).unwrap();
    assert!(read(&b, &ReadOptions::default()).is_ok());
}

#[test]
fn merges_csv_in_a_bundle_may_merge_into_a_unit_created_by_the_same_bundle() {
    let d = tempfile::tempdir().unwrap();
    let units = "code,name,level,parent_code,region,valid_from,valid_to,successor_code\n\
        24,Bắc Giang,province,,TDMNPB,,,\n213,Thành phố Bắc Giang,district,24,,,,\n\
        c1,Dĩnh Trì,commune,213,,,2024,\nc2,Song Mai,commune,213,,,2024,c3\n\
        c3,Hòa Bình,commune,24,,2025,,\n";
    bundle(d.path(), units, OBS_HEAD);
    std::fs::write(
        d.path().join("merges.csv"),
        "old_code,new_code,effective_date,decision\nc1,c3,2025-07-01,\nc2,c3,2025-07-01,1234/NQ-UBTVQH15\n",
    )
    .unwrap();
    let b = read(d.path(), &ReadOptions::default()).unwrap();
    assert_eq!(b.merges.len(), 2);
    assert_eq!(b.merges[1].decision.as_deref(), Some("1234/NQ-UBTVQH15"));
    assert_eq!(b.merges[0].year(), 2025);
    // a successor_code that is not where the unit went, and a day that does not exist
    std::fs::write(
        d.path().join("merges.csv"),
        "old_code,new_code,effective_date\nc2,c1,2025-07-01\nc1,c3,2025-02-30\n",
    )
    .unwrap();
    let e: Vec<String> = read(d.path(), &ReadOptions::default())
        .unwrap_err()
        .iter()
        .map(ToString::to_string)
        .collect();
    assert!(
        e.contains(
            &"merges.csv:2:new_code: c2 has successor_code c3 in units.csv, but goes into c1 here"
                .to_string()
        ),
        "{e:?}"
    );
    assert!(
        e.contains(&"merges.csv:3:effective_date: is not a real date (2025-02-30)".to_string()),
        "{e:?}"
    );
}
