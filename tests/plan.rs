//! `ntm plan`: known answers on the sample (Song Khê 17.7 in 2020 → 42 households), the
//! city-only bundle (the city's own rows), and a hand-made district in region DBSH written
//! the Vietnamese way (`16.209`, `97,5`): a ceiling, a number, a pass/fail, a percentage-only
//! row, a pace that reaches the target and one that never does, the ranking and the totals.

mod common;

use std::path::Path;

use common::{imported, ntm};
use serde_json::Value as J;

fn stdout(c: &mut assert_cmd::Command) -> String {
    let out = c.output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

fn json(store: &Path, args: &[&str]) -> J {
    let out = stdout(ntm(store).arg("plan").args(args).args(["--format", "json"]));
    serde_json::from_str(&out).unwrap()
}

fn shortfall<'a>(j: &'a J, unit: &str, ind: &str) -> &'a J {
    j["shortfalls"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["unit"] == unit && s["indicator"] == ind)
        .unwrap_or_else(|| panic!("no shortfall {unit} {ind} in {j:#}"))
}

#[test]
fn song_khe_needs_42_households_in_2020() {
    let (_d, s) = imported(&["sample"]);
    let j = json(&s, &["--unit", "213-song-khe", "--year", "2020"]);
    let g = shortfall(&j, "213-song-khe", "17.7");
    // ⌈0.60 × 632⌉ − 338
    assert_eq!(g["shortfall"], 42.0);
    assert_eq!(g["shortfall_unit"], "hộ");
    assert_eq!(g["direction"], "more");
    assert_eq!(g["basis"], "counts");
    assert_eq!(g["target"], 60.0);
    assert_eq!(
        (g["numerator"].clone(), g["denominator"].clone()),
        (338.0.into(), 632.0.into())
    );
    // 63.9 % in 2017, 53.5 % in 2020: moving away
    assert_eq!(g["reach"], "not_at_this_pace");
    assert_eq!(g["reach_year"], J::Null);
    assert_eq!(g["pace_from"], 2017);
    let u = &j["units"][0];
    assert_eq!(u["criteria_away"], 1);
    assert_eq!(u["criteria"][0]["criterion"], "17");
    assert_eq!(u["criteria"][0]["met_before"], 2019);

    let vi = stdout(ntm(&s).args(["plan", "--unit", "213-song-khe", "--year", "2020"]));
    assert!(vi.contains("338/632 = 53,5%  → thêm 42 hộ"), "{vi}");
    assert!(vi.contains("⌈60% × 632⌉ − 338 = 380 − 338 = 42"), "{vi}");
    assert!(vi.contains("không đạt được với tốc độ này"), "{vi}");
    let en = stdout(ntm(&s).args(["--lang", "en", "plan", "--unit", "213-song-khe"]));
    assert!(en.contains("→ 42 more households"), "{en}");
    assert!(en.contains("(met in 2019)"), "{en}");
}

#[test]
fn a_recognised_commune_that_slipped_is_told_what_to_restore() {
    // the demo's two bundles: Song Khê was recognised in 2016
    let (_d, s) = imported(&["bac-giang", "sample"]);
    let j = json(&s, &["--unit", "213", "--year", "2020"]);
    let sk = j["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "213-song-khe")
        .unwrap();
    assert_eq!(sk["must_restore"], true);
    assert_eq!(sk["revocation_risk"], "medium");
    assert_eq!(sk["recognized"]["year"], 2016);
    let vi = stdout(ntm(&s).args(["plan", "--unit", "213", "--year", "2020"]));
    assert!(
        vi.contains("Song Khê (213-song-khe): còn thiếu 1/19 tiêu chí; công nhận NTM 2016, nguy cơ thu hồi trung bình — cần khôi phục"),
        "{vi}"
    );
    assert!(vi.contains("Xã đạt chuẩn năm 2020: 4/6"), "{vi}");
    // the city's own rows are planned on their own, not ranked among the communes
    let city = j["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "213")
        .unwrap();
    assert_eq!(city["rank"], J::Null);
    assert_eq!(city["level"], "district");
}

#[test]
fn the_city_only_bundle_is_planned_on_its_own_rows() {
    let (_d, s) = imported(&["bac-giang"]);
    let vi = stdout(ntm(&s).args(["plan", "--unit", "213", "--year", "2011"]));
    assert!(vi.contains("Không có xã nào có số liệu năm 2011."), "{vi}");
    // 12: 22.324 of 29.455 working-age people employed against ≥ 90 %
    assert!(
        vi.contains("22.324/29.455 = 75,8%  → thêm 4.186 người"),
        "{vi}"
    );
    // 2.1 in km, to the hundredth
    assert!(vi.contains("15,848/25,55 = 62%  → thêm 4,6 km"), "{vi}");
    let en = stdout(ntm(&s).args(["--lang", "en", "plan", "--unit", "213", "--year", "2011"]));
    assert!(en.contains("→ 4,186 more people"), "{en}");
    // one year before 2020 in the window: no pace
    assert!(en.contains("too few years of data for a pace"), "{en}");
}

#[test]
fn a_year_without_data_is_an_error_naming_the_years_with_data() {
    let (_d, s) = imported(&["sample"]);
    let out = ntm(&s)
        .args(["plan", "--unit", "213", "--year", "2014"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(out.stdout.is_empty());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("2016, 2017, 2018, 2019, 2020"), "{err}");
}

const FRAMEWORK: &str = r#"
id = "thu-ke-hoach"
name = "Bộ thử kế hoạch"
name_en = "Plan test set"
regions = ["TDMNPB", "DBSH"]
[[criteria]]
code = "1"
name = "Nước sạch"
name_en = "Clean water"
[[criteria]]
code = "2"
name = "Hộ nghèo"
name_en = "Poverty"
[[criteria]]
code = "3"
name = "Thu nhập"
name_en = "Income"
[[criteria]]
code = "4"
name = "Chợ"
name_en = "Market"
[[indicators]]
code = "1"
criterion = "1"
name = "Tỷ lệ hộ dùng nước sạch"
name_en = "Households with clean water"
kind = "ratio"
unit = "hộ"
comparison = ">="
targets = { TDMNPB = 90.0, DBSH = 98.0 }
sources = { TDMNPB = "thử", DBSH = "thử" }
[[indicators]]
code = "2"
criterion = "2"
name = "Tỷ lệ hộ nghèo"
name_en = "Poor households"
kind = "ratio"
unit = "hộ"
comparison = "<="
targets = { TDMNPB = 12.0, DBSH = 5.0 }
sources = { TDMNPB = "thử", DBSH = "thử" }
[[indicators]]
code = "3"
criterion = "3"
name = "Thu nhập bình quân"
name_en = "Income per head"
kind = "number"
unit = "triệu đồng/người/năm"
comparison = ">="
targets = { TDMNPB = 36.0, DBSH = 50.0 }
sources = { TDMNPB = "thử", DBSH = "thử" }
[[indicators]]
code = "4"
criterion = "4"
name = "Có chợ đạt chuẩn"
name_en = "A market to standard"
kind = "bool"
comparison = "="
targets = { TDMNPB = true, DBSH = true }
sources = { TDMNPB = "thử", DBSH = "thử" }
"#;

/// Five communes of a district in `region`, 2017–2020, numbers written the Vietnamese way.
/// One name carries an escape sequence, as a spreadsheet pasted from a terminal might.
const OBSERVATIONS: &str = "unit_code,framework,indicator,year,value,numerator,denominator
900-a,thu-ke-hoach,1,2017,,15.000,16.209
900-a,thu-ke-hoach,1,2020,,15.800,16.209
900-a,thu-ke-hoach,2,2017,,60,2.000
900-a,thu-ke-hoach,2,2020,,60,2.000
900-a,thu-ke-hoach,3,2017,52,,
900-a,thu-ke-hoach,3,2020,52,,
900-a,thu-ke-hoach,4,2017,dat,,
900-a,thu-ke-hoach,4,2020,dat,,
900-b,thu-ke-hoach,1,2017,,1.990,2.000
900-b,thu-ke-hoach,1,2020,,1.990,2.000
900-b,thu-ke-hoach,2,2017,,200,2.000
900-b,thu-ke-hoach,2,2020,,160,2.000
900-b,thu-ke-hoach,3,2017,40,,
900-b,thu-ke-hoach,3,2020,\"47,5\",,
900-b,thu-ke-hoach,4,2017,dat,,
900-b,thu-ke-hoach,4,2020,dat,,
900-c,thu-ke-hoach,1,2019,97,,
900-c,thu-ke-hoach,1,2020,\"97,5\",,
900-c,thu-ke-hoach,2,2019,,50,2.000
900-c,thu-ke-hoach,2,2020,,50,2.000
900-c,thu-ke-hoach,3,2019,55,,
900-c,thu-ke-hoach,3,2020,55,,
900-c,thu-ke-hoach,4,2019,chua_dat,,
900-c,thu-ke-hoach,4,2020,chua_dat,,
900-d,thu-ke-hoach,1,2020,,1.980,2.000
900-d,thu-ke-hoach,2,2020,,40,2.000
900-d,thu-ke-hoach,3,2020,60,,
900-d,thu-ke-hoach,4,2020,dat,,
900-e,thu-ke-hoach,1,2017,,13.000,16.209
900-e,thu-ke-hoach,1,2020,,12.000,16.209
900-e,thu-ke-hoach,2,2020,,40,2.000
900-e,thu-ke-hoach,3,2020,60,,
900-e,thu-ke-hoach,4,2020,dat,,
";

/// A store with the hand-made framework and district (region `region`).
fn district(region: &str) -> (tempfile::TempDir, std::path::PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    let fw = d.path().join("fw.toml");
    std::fs::write(&fw, FRAMEWORK).unwrap();
    ntm(&s)
        .args(["framework", "add"])
        .arg(&fw)
        .assert()
        .success();
    let b = d.path().join("bundle");
    std::fs::create_dir_all(&b).unwrap();
    std::fs::write(
        b.join("units.csv"),
        format!(
            "code,name,level,parent_code,region\n90,Tỉnh Thử,province,,{region}\n900,Huyện Thử,district,90,\n\
             900-a,An Hòa,commune,900,\n900-b,Bình Minh,commune,900,\n900-c,Cẩm Lý,commune,900,\n\
             900-d,Đông Phong,commune,900,\n900-e,\"Yên Lư\x1b]0;x\x07\",commune,900,\n"
        ),
    )
    .unwrap();
    std::fs::write(b.join("observations.csv"), OBSERVATIONS).unwrap();
    ntm(&s)
        .args(["import", "--locale", "vi"])
        .arg(&b)
        .assert()
        .success();
    (d, s)
}

#[test]
fn a_hand_made_district_ranked_with_its_totals() {
    let (_d, s) = district("DBSH");
    let j = json(&s, &["--unit", "900", "--year", "2020"]);
    let ranked: Vec<(&str, u64)> = j["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| !u["rank"].is_null())
        .map(|u| (u["code"].as_str().unwrap(), u["rank"].as_u64().unwrap()))
        .collect();
    // one criterion away (the nearer first), then two away (the one with a pass/fail last)
    assert_eq!(
        ranked,
        [("900-a", 1), ("900-e", 2), ("900-b", 3), ("900-c", 4)]
    );
    // region DBSH: water ≥ 98 %; ⌈0.98 × 16209⌉ − 15800 = 15885 − 15800
    let a = shortfall(&j, "900-a", "1");
    assert_eq!(
        (a["target"].clone(), a["shortfall"].clone()),
        (98.0.into(), 85.0.into())
    );
    // 92.5 % in 2017, 97.5 % in 2020: +1.65 points a year, 0.52 to go → 2021
    assert_eq!(a["reach_year"], 2021);
    // a ceiling: poverty ≤ 5 %, 160 of 2000 poor → at most 100 → 60 must leave poverty;
    // 10 % → 8 % in three years is −0.67 a year: 3 points in 4.5 → 2025
    let b = shortfall(&j, "900-b", "2");
    assert_eq!(b["shortfall"], 60.0);
    assert_eq!(b["direction"], "fewer");
    assert_eq!(b["reach_year"], 2025);
    // a number: income 47,5 against ≥ 50 → 2.5 short; +2.5 a year → 2021
    let b3 = shortfall(&j, "900-b", "3");
    assert_eq!(b3["shortfall"], 2.5);
    assert_eq!(b3["shortfall_unit"], "triệu đồng/người/năm");
    assert_eq!(b3["basis"], "number");
    assert_eq!(b3["reach_year"], 2021);
    // percentage only: points, no count
    let c = shortfall(&j, "900-c", "1");
    assert_eq!(c["basis"], "percent_only");
    assert_eq!(c["shortfall"], 0.5);
    assert_eq!(c["shortfall_unit"], "percentage_points");
    // a pass/fail: must pass, no pace
    let c4 = shortfall(&j, "900-c", "4");
    assert_eq!(c4["basis"], "pass_fail");
    assert_eq!(c4["shortfall"], J::Null);
    assert_eq!(c4["reach"], "no_pace");
    // moving away
    assert_eq!(shortfall(&j, "900-e", "1")["reach"], "not_at_this_pace");
    // the commune as a whole: the latest of its years
    let bu = j["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["code"] == "900-b")
        .unwrap();
    assert_eq!(bu["reach_year"], 2025);
    // totals: 85 + 3885 households of water over two communes, one more with a percentage
    let t = &j["totals"][0];
    assert_eq!(t["indicator"], "1");
    assert_eq!(t["shortfall"], 3970.0);
    assert_eq!(t["communes_counted"], 2);
    assert_eq!(t["communes_percent_only"], 1);
    assert_eq!(j["next_year"], serde_json::json!(["900-a"]));

    let vi = stdout(ntm(&s).args(["plan", "--unit", "900"]));
    assert!(
        vi.contains("thêm 3.970 hộ trên 2 xã; 1 xã chỉ có tỷ lệ %"),
        "{vi}"
    );
    assert!(vi.contains("160 − ⌊5% × 2.000⌋ = 160 − 100 = 60"), "{vi}");
    assert!(
        vi.contains("Có thể đạt chuẩn theo tốc độ hiện nay vào năm 2021: An Hòa"),
        "{vi}"
    );
    assert!(
        vi.contains("Xã đạt chuẩn năm 2020: 1/5 (Đông Phong)"),
        "{vi}"
    );
    // the name's escape sequence never reaches the terminal
    assert!(!vi.contains('\x1b') && !vi.contains('\x07'), "{vi:?}");
    let en = stdout(ntm(&s).args(["--lang", "en", "plan", "--unit", "900"]));
    assert!(
        en.contains("3,970 more households in 2 communes; 1 commune with a percentage only"),
        "{en}"
    );
    assert!(en.contains("2.5 million VND/person/year short"), "{en}");
    assert!(en.contains("must pass"), "{en}");

    let csv = stdout(ntm(&s).args(["plan", "--unit", "900", "--format", "csv"]));
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "unit,name,rank,criterion,indicator,year,comparison,target,value,numerator,denominator,shortfall,shortfall_unit,direction,basis,pace_per_year,pace_from,reach,reach_year"
    );
    assert!(csv.contains("900-a,An Hòa,1,1,1,2020,>=,98,"), "{csv}");
    assert!(csv.contains(",15800,16209,85,hộ,more,counts,"), "{csv}");
    assert!(!csv.contains('\x1b'), "{csv:?}");
}

#[test]
fn the_region_decides_the_target() {
    // the same district in TDMNPB: water ≥ 90 %, poverty ≤ 12 %, income ≥ 36: An Hòa and
    // Bình Minh meet the standard, and Yên Lư's 74 % is 16 points short, not 24
    let (_d, s) = district("TDMNPB");
    let j = json(&s, &["--unit", "900"]);
    let meeting: Vec<&str> = j["units"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|u| u["meets_standard"] == true)
        .map(|u| u["code"].as_str().unwrap())
        .collect();
    assert_eq!(meeting, ["900-a", "900-b", "900-d"]);
    // ⌈0.90 × 16209⌉ − 12000 = 14589 − 12000
    assert_eq!(shortfall(&j, "900-e", "1")["shortfall"], 2589.0);
}
