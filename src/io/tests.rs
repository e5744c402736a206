use std::collections::HashMap;
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
         c1,qd1980-2016,4.2,2018,,,,50,,,,\n\
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

/// The one error of a bundle whose only observation row is `row`.
fn row_error(row: &str) -> String {
    let e = errors(UNITS, &format!("{OBS_HEAD}{row}\n"));
    assert_eq!(e.len(), 1, "{e:#?}");
    e[0].clone()
}

#[test]
fn every_figure_has_a_plausible_range_named_at_file_line_column() {
    // (row, expected error): 17.6 counts households, 2.1 measures km, 10 is income
    let cases = [
        (
            "c1,qd1980-2016,17.6,2020,,1e308,100,,,,,",
            "observations.csv:2:numerator: 1e308 is over 1000000000, the largest count or measure accepted (in hộ)",
        ),
        (
            "c1,qd1980-2016,17.6,2020,,5,1e-320,,,,,",
            "observations.csv:2:denominator: 1e-320 is not a whole number; this indicator counts hộ",
        ),
        (
            "c1,qd1980-2016,2.1,2020,,0,1e-320,,,,,",
            "observations.csv:2:denominator: denominator 1e-320 is below 0.001 (in km); a denominator is 0 or a real measure",
        ),
        (
            "c1,qd1980-2016,17.6,2020,,12.5,100,,,,,",
            "observations.csv:2:numerator: 12.5 is not a whole number; this indicator counts hộ",
        ),
        (
            "c1,qd1980-2016,17.6,2020,,inf,100,,,,,",
            "observations.csv:2:numerator: \"inf\" is not a number",
        ),
        (
            "c1,qd1980-2016,17.6,2020,,NaN,100,,,,,",
            "observations.csv:2:numerator: \"NaN\" is not a number",
        ),
        (
            "c1,qd1980-2016,17.6,2020,,5,100,-5,,,,",
            "observations.csv:2:stated_percent: -5 is not a percentage between 0 and 100",
        ),
        (
            "c1,qd1980-2016,17.6,2020,,5,100,100.5,,,,",
            "observations.csv:2:stated_percent: 100.5 is not a percentage between 0 and 100",
        ),
        (
            "c1,qd1980-2016,17.6,2020,-0.5,,,,,,,",
            "observations.csv:2:value: -0.5 is not a percentage between 0 and 100 (indicator 17.6 is a ratio)",
        ),
        (
            "c1,qd1980-2016,10,2020,1e308,,,,,,,",
            "observations.csv:2:value: 1e308 is beyond ±1000000000000, the largest amount accepted",
        ),
        (
            "c1,qd1980-2016,17.6,+2021,,5,100,,,,,",
            "observations.csv:2:year: \"+2021\" is not a four-digit year between 1900 and 2100",
        ),
        (
            "c1,qd1980-2016,17.6,2021.0,,5,100,,,,,",
            "observations.csv:2:year: \"2021.0\" is not a four-digit year between 1900 and 2100",
        ),
        (
            "c1,qd1980-2016,17.6,02021,,5,100,,,,,",
            "observations.csv:2:year: \"02021\" is not a four-digit year between 1900 and 2100",
        ),
        (
            "c1,qd1980-2016,17.6,2021,,5,100,,+3,5,,",
            "observations.csv:2:units_met: \"+3\" is not a whole number between 0 and 1000000000",
        ),
        (
            "c1,qd1980-2016,17.6,2021,,5,100,,3,2000000000,,",
            "observations.csv:2:units_total: \"2000000000\" is not a whole number between 0 and 1000000000",
        ),
    ];
    for (row, want) in cases {
        assert_eq!(row_error(row), want, "row {row}");
    }
}

#[test]
fn figures_inside_the_ranges_are_kept_and_minus_zero_is_zero() {
    let d = tempfile::tempdir().unwrap();
    let obs = format!(
        "{OBS_HEAD}c1,qd1980-2016,17.6,2020,,-0,1000000000,0,,,,\n\
         c1,qd1980-2016,2.1,2020,,0.5,0.001,,,,,\n\
         c1,qd1980-2016,10,2020,-0,,,,,,,\n\
         c1,qd1980-2016,17.6, 2021 ,,0,0,100,,,,\n"
    );
    bundle(d.path(), UNITS, &obs);
    let b = read(d.path(), &ReadOptions::default()).unwrap();
    let n = b.observations[0].numerator.unwrap();
    assert!(n == 0.0 && n.is_sign_positive(), "{n}");
    assert_eq!(b.observations[0].denominator, Some(1e9));
    assert_eq!(b.observations[1].denominator, Some(0.001));
    match b.observations[2].value {
        Some(Value::Number(x)) => assert!(x == 0.0 && x.is_sign_positive(), "{x}"),
        other => panic!("{other:?}"),
    }
    // fields are trimmed like every other field, so a padded year is the year
    assert_eq!(b.observations[3].year, 2021);
    // a zero denominator is kept: `check` reports that no percentage can be computed
    assert_eq!(b.observations[3].denominator, Some(0.0));
}

#[test]
fn edits_are_held_to_the_same_ranges() {
    let mut units = Units::default();
    let all = crate::synth::bac_giang_units();
    let code = all[0].code.clone();
    for u in all {
        units.insert(u);
    }
    let f = |num: &str, den: &str| {
        let m: HashMap<String, String> = [
            ("unit_code", code.as_str()),
            ("framework", "qd1980-2016"),
            ("indicator", "17.6"),
            ("year", "2020"),
            ("numerator", num),
            ("denominator", den),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        validate_observation(&m, &Registry::builtin(), &units, &ReadOptions::default())
    };
    let e = f("1e308", "1e308").unwrap_err();
    assert_eq!(e[0].column, "numerator");
    assert!(e[0].reason.contains("over 1000000000"), "{:?}", e[0]);
    assert!(f("5", "1e-320").is_err());
    assert_eq!(f("5", "10").unwrap().numerator, Some(5.0));
}

#[test]
fn a_long_row_is_refused_while_it_is_read() {
    let d = tempfile::tempdir().unwrap();
    // 2 MiB of commas on line 3, 2 MiB of text on line 3, and a quoted field opened on
    // line 3 that never closes: each stops at its limit, naming the line the row starts on
    let commas = ",".repeat(2 << 20);
    let text = "x".repeat(2 << 20);
    let quoted = format!("\"{}", "a,b\n".repeat(1 << 19));
    for (row, want) in [
        (
            &commas,
            "observations.csv:3: the row has more than 256 columns, the limit",
        ),
        (
            &text,
            "observations.csv:3: the row is longer than 1048576 bytes (1 MiB), the limit for one row",
        ),
        (
            &quoted,
            "observations.csv:3: the row is longer than 1048576 bytes (1 MiB), the limit for one row",
        ),
    ] {
        let obs = format!("{OBS_HEAD}c1,qd1980-2016,4.1,2020,dat,,,,,,,\n{row}\n");
        bundle(d.path(), UNITS, &obs);
        let e = read(d.path(), &ReadOptions::default()).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(e[0].to_string(), want);
    }
    // a row just under the limit (a long note) is not refused for its length
    let note = "n".repeat(60 << 10);
    let obs = format!("{OBS_HEAD}c1,qd1980-2016,4.1,2020,dat,,,,,,,{note}\n");
    bundle(d.path(), UNITS, &obs);
    assert!(read(d.path(), &ReadOptions::default()).is_ok());
}

#[test]
fn header_words_are_echoed_short_and_clean() {
    let d = tempfile::tempdir().unwrap();
    let word = format!("\u{1b}]0;x\u{7}{}", "w".repeat(100 << 10));
    let units = format!("code,name,level,{word}\nc1,A,commune,\n");
    bundle(d.path(), &units, OBS_HEAD);
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    let line = e[0].to_string();
    assert!(line.starts_with("units.csv:1:"), "{line}");
    assert!(line.contains("over the 65536 byte limit"), "{line}");
    assert!(line.len() < 300, "{} bytes echoed", line.len());
    assert!(
        !line.contains('\u{1b}') && !line.contains('\u{7}'),
        "{line:?}"
    );
    // an unknown column under the field limit: named by a 40-character excerpt
    let word = "u".repeat(10_000);
    let units = format!("code,name,level,{word}\nc1,A,commune,\n");
    bundle(d.path(), &units, OBS_HEAD);
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(e[0].column, format!("{}…", "u".repeat(40)));
    assert!(e[0].to_string().len() < 400);
    // a long bad value is echoed as an excerpt too
    let v = "9".repeat(5000);
    let row = row_error(&format!("c1,qd1980-2016,17.6,2020,,{v},100,,,,,"));
    assert!(row.contains(&format!("\"{}…\"", "9".repeat(40))), "{row}");
    assert!(row.len() < 300, "{row}");
}

fn utf16(text: &str, big_endian: bool, bom: bool) -> Vec<u8> {
    let mut out = Vec::new();
    let units = text.encode_utf16();
    let units: Vec<u16> = if bom {
        std::iter::once(0xFEFF).chain(units).collect()
    } else {
        units.collect()
    };
    for u in units {
        out.extend(if big_endian {
            u.to_be_bytes()
        } else {
            u.to_le_bytes()
        });
    }
    out
}

#[test]
fn utf16_files_are_named_with_the_command_that_converts_them() {
    let d = tempfile::tempdir().unwrap();
    for (be, bom) in [(false, true), (true, true), (false, false), (true, false)] {
        let order = if be { "UTF-16BE" } else { "UTF-16LE" };
        std::fs::write(d.path().join("units.csv"), utf16(UNITS, be, bom)).unwrap();
        std::fs::write(d.path().join("observations.csv"), OBS_HEAD).unwrap();
        let e = read(d.path(), &ReadOptions::default()).unwrap_err();
        assert_eq!(e.len(), 1, "{e:?}");
        assert_eq!(
            e[0].to_string(),
            format!(
                "units.csv:1: is UTF-16 text ({order}), not UTF-8; convert it with: iconv -f {order} -t UTF-8 units.csv > units.utf8.csv && mv units.utf8.csv units.csv (or save it from the spreadsheet as \"CSV UTF-8\")"
            ),
            "big endian {be}, BOM {bom}"
        );
    }
    // UTF-8 Vietnamese text is not mistaken for UTF-16
    bundle(d.path(), UNITS, OBS_HEAD);
    assert!(read(d.path(), &ReadOptions::default()).is_ok());
}

#[test]
fn utf8_is_checked_across_read_chunks_and_the_hash_is_of_the_bytes_read() {
    use sha2::{Digest, Sha256};
    let d = tempfile::tempdir().unwrap();
    // many three-byte letters, so that some straddle every chunk boundary
    let mut units = String::from(UNITS);
    for i in 0..3000 {
        units += &format!("x{i},Xã Nghệ Tĩnh Đồng {i},commune,213,\n");
    }
    bundle(d.path(), &units, OBS_HEAD);
    let b = read(d.path(), &ReadOptions::default()).unwrap();
    assert_eq!(b.units.len(), 3003);
    let want: String = Sha256::digest(units.as_bytes())
        .iter()
        .map(|x| format!("{x:02x}"))
        .collect();
    let origin = b.origin.unwrap().1;
    assert!(
        origin.starts_with(&format!("units.csv sha256 {want},")),
        "{origin}"
    );
    // one Windows-1258 byte far into the file: named by its line and offset
    let mut bytes = units.into_bytes();
    let at = bytes.len() - 10;
    bytes[at] = 0xD2;
    let line = bytes[..at].iter().filter(|b| **b == b'\n').count() + 1;
    std::fs::write(d.path().join("units.csv"), &bytes).unwrap();
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert!(
        e[0].to_string().starts_with(&format!(
            "units.csv:{line}: not UTF-8 (byte 0xD2 at offset {at})"
        )),
        "{}",
        e[0]
    );
    // a file that ends inside a character
    let mut cut = UNITS.as_bytes().to_vec();
    cut.extend_from_slice(&"ệ".as_bytes()[..2]);
    std::fs::write(d.path().join("units.csv"), &cut).unwrap();
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert!(e[0].to_string().contains("not UTF-8"), "{}", e[0]);
}

#[test]
fn problem_counts_never_claim_more_listed_than_are() {
    let mut obs = OBS_HEAD.to_string();
    for _ in 0..80 {
        obs += "c1,qd1980-2016,4.1,2020,maybe,,,,,,,\n";
    }
    let d = tempfile::tempdir().unwrap();
    bundle(d.path(), UNITS, &obs);
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(problem_count(&e), 80);
    assert_eq!(
        problems_listed(&e),
        "80 problems, the first 50 listed above"
    );
    // one over the cap: 50 listed, not 51
    let mut obs = OBS_HEAD.to_string();
    for _ in 0..51 {
        obs += "c1,qd1980-2016,4.1,2020,maybe,,,,,,,\n";
    }
    bundle(d.path(), UNITS, &obs);
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(
        problems_listed(&e),
        "51 problems, the first 50 listed above"
    );
    // at the cap: all listed
    let mut obs = OBS_HEAD.to_string();
    for _ in 0..50 {
        obs += "c1,qd1980-2016,4.1,2020,maybe,,,,,,,\n";
    }
    bundle(d.path(), UNITS, &obs);
    let e = read(d.path(), &ReadOptions::default()).unwrap_err();
    assert_eq!(problems_listed(&e), "50 problems listed above");
    let e = errors(
        UNITS,
        &format!("{OBS_HEAD}c1,qd1980-2016,4.1,2020,maybe,,,,,,,\n"),
    );
    assert_eq!(e.len(), 1);
}

#[test]
fn a_pass_fail_row_may_carry_the_counts_behind_its_verdict() {
    // FORMAT.md §1: "51/58 thôn" with the verdict; the status comes from value
    let d = tempfile::tempdir().unwrap();
    let obs = format!("{OBS_HEAD}c1,qd1980-2016,4.1,2020,chua_dat,58,58,100,,,,\n");
    bundle(d.path(), UNITS, &obs);
    let b = read(d.path(), &ReadOptions::default()).unwrap();
    let o = &b.observations[0];
    assert_eq!(o.value, Some(Value::Pass(false)));
    assert_eq!((o.numerator, o.denominator), (Some(58.0), Some(58.0)));
    assert_eq!(o.stated_percent, Some(100.0));
    assert_eq!(o.effective(), Some(Value::Pass(false)));
    // counts without the verdict are not a pass/fail row
    assert_eq!(
        row_error("c1,qd1980-2016,4.1,2020,,51,58,,,,,"),
        "observations.csv:2:value: indicator 4.1 is pass/fail: value (dat/chua_dat ...) is required; numerator and denominator may come with it"
    );
    // the counts are held to the same bounds
    assert_eq!(
        row_error("c1,qd1980-2016,4.1,2020,dat,1e308,58,,,,,"),
        "observations.csv:2:numerator: 1e308 is over 1000000000, the largest count or measure accepted"
    );
    // a number indicator takes no counts
    assert!(row_error("c1,qd1980-2016,10,2020,,5,6,,,,,").contains("is a number"));
}
