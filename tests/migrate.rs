//! A store written in layout 1 (one sled record per observation, `fixtures/store-v1/store`,
//! made by the last build with that layout) is converted on its first writable open, and every
//! output — check JSON/text/CSV, report, grid, change log, audits, merges, export — is byte for
//! byte what that build printed (`fixtures/store-v1/expected`). Also: a read-only open says how
//! to convert; a conversion interrupted at any point (including SIGKILL) leaves the old store
//! or the new one, never a mix; a store of a newer layout is refused.

#![cfg(unix)]

mod common;

use std::path::{Path, PathBuf};

use common::{copy_dir, fixtures, ntm};
use predicates::prelude::*;

fn v1() -> PathBuf {
    fixtures().join("store-v1")
}

/// A private copy of the layout-1 store.
fn old_store() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    copy_dir(&v1().join("store"), &s);
    (d, s)
}

/// The commands whose output the layout-1 build recorded, by file name.
const OUTPUTS: &[(&str, &[&str])] = &[
    (
        "check-qd1980.json",
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--framework",
            "qd1980-2016",
        ],
    ),
    (
        "check-qd1980-2011.json",
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--framework",
            "qd1980-2016",
            "--year",
            "2011",
        ],
    ),
    (
        "check-qd51.json",
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--framework",
            "qd51-2025",
        ],
    ),
    (
        "check-qd1980.txt",
        &["check", "--fail-on", "none", "--framework", "qd1980-2016"],
    ),
    (
        "check-qd1980-2020.json",
        &[
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--framework",
            "qd1980-2016",
            "--year",
            "2020",
        ],
    ),
    (
        "check-qd1980-2020.txt",
        &[
            "check",
            "--fail-on",
            "none",
            "--framework",
            "qd1980-2016",
            "--year",
            "2020",
        ],
    ),
    (
        "check-qd1980-2020.csv",
        &[
            "--lang",
            "en",
            "check",
            "--fail-on",
            "none",
            "--framework",
            "qd1980-2016",
            "--year",
            "2020",
            "--format",
            "csv",
        ],
    ),
    (
        "report-213.txt",
        &["report", "--unit", "213", "--framework", "qd1980-2016"],
    ),
    (
        "grid-213.txt",
        &["grid", "--unit", "213", "--framework", "qd1980-2016"],
    ),
    ("log.txt", &["log"]),
    ("audit-report.txt", &["audit", "report", "kt2020"]),
    ("audit-show.txt", &["audit", "show", "kt2020"]),
    ("merges.txt", &["merges", "list"]),
];

/// What a later build says differently on the same data, on purpose: (file, old text, new
/// text). Issue 16: figures of a year outside the set's period (2025 under qd1980-2016, the
/// merged commune; the city's 2011 baseline) are judged with an `outside_period` warning, never silently.
const CHANGED_SINCE: &[(&str, &str, &str)] = &[
    // issue 14: `grid` shows the city's own published row first (Σ), and the name column
    // is as wide as its name
    (
        "grid-213.txt",
        "Xã         1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  Số TC đạt  Công nhận  Phát hiện\nDĩnh Trì   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●      19/19  2014       1\nĐồng Sơn   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●      19/19  2017       2\nSong Khê   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ↓   ●   ●      18/19  2016       3\nSong Mai   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●      19/19  2013       1\nTân Mỹ     ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   A      19/19  2014       1\nTân Tiến   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ·   ●   ●   ●   ●   ●   ●      18/19  2015       1\n% xã đạt 100 100 100 100 100 100 100 100 100 100 100 100  83 100 100 100  83 100 100\n",
        "Xã                      1   2   3   4   5   6   7   8   9  10  11  12  13  14  15  16  17  18  19  Số TC đạt  Công nhận  Phát hiện\nΣ Thành phố Bắc Giang   ●   !   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   !   !   ●   ●   !   ●   ●      19/19  —          9\nDĩnh Trì                ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●      19/19  2014       1\nĐồng Sơn                ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●      19/19  2017       2\nSong Khê                ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ↓   ●   ●      18/19  2016       3\nSong Mai                ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●      19/19  2013       1\nTân Mỹ                  ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   A      19/19  2014       1\nTân Tiến                ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ●   ·   ●   ●   ●   ●   ●   ●      18/19  2015       1\n% xã đạt              100 100 100 100 100 100 100 100 100 100 100 100  83 100 100 100  83 100 100\n",
    ),
    // issue 14: no units_met_mismatch on an indicator whose target is unknown for the
    // communes (2.4 in TDMNPB): the false finding is gone
    (
        "check-qd1980-2020.json",
        "      \"indicator\": \"2.4\",\n      \"year\": 2020,\n      \"kind\": \"units_met_mismatch\",\n      \"severity\": \"warning\",\n      \"message\": \"the row says 6/6 communes meet 2.4 but the communes' own rows give 0/6 (not met: Dĩnh Trì, Đồng Sơn, Song Khê, Song Mai, Tân Mỹ, Tân Tiến)\"\n    },\n    {\n      \"unit\": \"213\",\n",
        "",
    ),
    (
        "check-qd1980-2020.json",
        "      \"units_met_mismatch\": 3\n",
        "      \"units_met_mismatch\": 2\n",
    ),
    (
        "check-qd1980-2020.txt",
        "Phát hiện (120): audit_discrepancy 1, below_target 1, declined 3, denominator_mismatch 2, lost_standard 1, missing 101, near_target 2, numerator_exceeds_denominator 1, percent_mismatch 4, regressed 1, units_met_mismatch 3\n",
        "Phát hiện (119): audit_discrepancy 1, below_target 1, declined 3, denominator_mismatch 2, lost_standard 1, missing 101, near_target 2, numerator_exceeds_denominator 1, percent_mismatch 4, regressed 1, units_met_mismatch 2\n",
    ),
    (
        "check-qd1980-2020.txt",
        "cảnh báo   213             2.4     units_met_mismatch             dòng tổng hợp ghi 6/6 xã đạt chỉ tiêu 2.4 nhưng số liệu của các xã cho 0/6 (chưa đạt: Dĩnh Trì, Đồng Sơn, Song Khê, Song Mai, Tân Mỹ, Tân Tiến)\n",
        "",
    ),
    (
        "check-qd1980-2020.csv",
        "213,2.4,2020,units_met_mismatch,warning,\"the row says 6/6 communes meet 2.4 but the communes' own rows give 0/6 (not met: Dĩnh Trì, Đồng Sơn, Song Khê, Song Mai, Tân Mỹ, Tân Tiến)\"\n",
        "",
    ),
    (
        "check-qd1980-2011.json",
        "      \"message\": \"denominator 13753 households differs from 14026 used by 4.2, 9.2, 11, 17.1a, 17.1b\"\n    }\n",
        "      \"message\": \"denominator 13753 households differs from 14026 used by 4.2, 9.2, 11, 17.1a, 17.1b\"\n    },\n    {\n      \"unit\": \"213\",\n      \"indicator\": null,\n      \"year\": 2011,\n      \"kind\": \"outside_period\",\n      \"severity\": \"warning\",\n      \"message\": \"2011 is outside the period of qd1980-2016 (2016–2020); its figures are judged against that set's levels\"\n    }\n",
    ),
    (
        "check-qd1980-2011.json",
        "      \"denominator_mismatch\": 1,\n",
        "      \"denominator_mismatch\": 1,\n      \"outside_period\": 1,\n",
    ),
    (
        "check-qd1980.json",
        "  \"findings\": [],\n",
        "  \"findings\": [\n    {\n      \"unit\": \"90-hoa-an\",\n      \"indicator\": null,\n      \"year\": 2025,\n      \"kind\": \"outside_period\",\n      \"severity\": \"warning\",\n      \"message\": \"2025 is outside the period of qd1980-2016 (2016–2020); its figures are judged against that set's levels\"\n    }\n  ],\n",
    ),
    (
        "check-qd1980.json",
        "    \"findings_by_kind\": {}\n",
        "    \"findings_by_kind\": {\n      \"outside_period\": 1\n    }\n",
    ),
    (
        "check-qd1980.txt",
        "Phát hiện (0)\nKhông có phát hiện nào.\n",
        "Phát hiện (1): outside_period 1\ncảnh báo   90-hoa-an       -       outside_period                 năm 2025 nằm ngoài giai đoạn của bộ tiêu chí qd1980-2016 (2016–2020); số liệu vẫn được đánh giá theo mức của bộ này\n",
    ),
];

/// The layout-1 build's output of `file` with the deliberate changes since applied (each must
/// apply exactly once, so a stale entry fails too).
fn since_layout1(file: &str, want: Vec<u8>) -> Vec<u8> {
    let mut text = String::from_utf8(want).unwrap();
    for (f, old, new) in CHANGED_SINCE.iter().filter(|(f, ..)| *f == file) {
        assert_eq!(text.matches(old).count(), 1, "{f}: {old:?}");
        text = text.replace(old, new);
    }
    if file.starts_with("check-") && file.ends_with(".csv") {
        text = with_unit_names(&text);
    }
    text.into_bytes()
}

/// Issue 18: `check --format csv` has the unit's name after its code (an added column).
fn with_unit_names(text: &str) -> String {
    let units = std::fs::read_to_string(v1().join("expected/export/units.csv")).unwrap();
    let mut r = csv::Reader::from_reader(units.as_bytes());
    let names: std::collections::HashMap<String, String> = r
        .records()
        .map(|x| {
            let x = x.unwrap();
            (x[0].to_string(), x[1].to_string())
        })
        .collect();
    let mut rd = csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(text.as_bytes());
    let mut w = csv::Writer::from_writer(Vec::new());
    for (i, rec) in rd.records().enumerate() {
        let rec = rec.unwrap();
        let mut out: Vec<String> = rec.iter().map(str::to_string).collect();
        let name = if i == 0 {
            "unit_name".to_string()
        } else {
            names[&out[0]].clone()
        };
        out.insert(1, name);
        w.write_record(&out).unwrap();
    }
    String::from_utf8(w.into_inner().unwrap()).unwrap()
}

/// Every recorded output of the store equals the layout-1 build's (`all`), or the ones that
/// cover every figure, flag, audit and log entry (the export, check JSON, the log, the audit).
fn assert_outputs_as_before(store: &Path, scratch: &Path, all: bool) {
    let expected = v1().join("expected");
    let quick = ["check-qd1980-2020.json", "log.txt", "audit-show.txt"];
    for (file, args) in OUTPUTS.iter().filter(|(f, _)| all || quick.contains(f)) {
        let out = ntm(store).args(*args).output().unwrap();
        assert!(
            out.status.code() == Some(0),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let want = since_layout1(file, std::fs::read(expected.join(file)).unwrap());
        assert!(
            out.stdout == want,
            "{file} differs from what the layout-1 build printed:\n{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let exp = scratch.join("export");
    let _ = std::fs::remove_dir_all(&exp);
    ntm(store).arg("export").arg(&exp).assert().success();
    for f in [
        "units.csv",
        "observations.csv",
        "recognitions.csv",
        "merges.csv",
    ] {
        assert_eq!(
            std::fs::read(exp.join(f)).unwrap(),
            std::fs::read(expected.join("export").join(f)).unwrap(),
            "export {f}"
        );
    }
    ntm(store)
        .args(["log", "verify"])
        .assert()
        .success()
        .stdout(predicate::str::contains("10 entries"));
}

/// A private copy of the layout-2 store (same contents as the layout-1 one).
fn layout2_store() -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    copy_dir(&fixtures().join("store-v2").join("store"), &s);
    (d, s)
}

/// `check` 2020 in JSON, read-only, is what the layout-1 build printed (with the deliberate
/// changes since).
fn assert_read_only_2020_as_before(s: &Path) {
    let out = ntm(s)
        .args([
            "--read-only",
            "check",
            "--format",
            "json",
            "--fail-on",
            "none",
            "--framework",
            "qd1980-2016",
            "--year",
            "2020",
        ])
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(since_layout1(
            "check-qd1980-2020.json",
            std::fs::read(v1().join("expected").join("check-qd1980-2020.json")).unwrap()
        ))
        .unwrap()
    );
}

/// The first byte of every series record: its record version.
fn series_versions(store: &Path) -> Vec<u8> {
    let db = sled::open(store).unwrap();
    let t = db.open_tree("series").unwrap();
    t.iter().map(|kv| kv.unwrap().1[0]).collect()
}

#[test]
fn a_layout_2_store_is_read_as_it_is_and_compacted_at_the_first_write_open() {
    let (d, s) = layout2_store();
    let before = series_versions(&s);
    assert!(
        !before.is_empty() && before.iter().all(|&v| v == 1),
        "{before:?}"
    );
    // read-only: layout 2 is read without conversion, and nothing is written
    assert_read_only_2020_as_before(&s);
    assert_eq!(series_versions(&s), before);
    // the first writable open rewrites every record in the compact version
    ntm(&s)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(predicate::str::contains("cách lưu mới"));
    let after = series_versions(&s);
    assert_eq!(after.len(), before.len());
    assert!(after.iter().all(|&v| v == 2), "{after:?}");
    assert_outputs_as_before(&s, d.path(), true);
}

#[test]
fn a_compaction_cut_short_leaves_a_readable_store_that_finishes_at_the_next_open() {
    // what kill -9 part-way through the 2 → 3 conversion leaves: some records rewritten,
    // the rest not, `schema` still 2 — made here by converting a copy and putting half of
    // its records back into the original
    let (d, s) = layout2_store();
    let converted = d.path().join("converted");
    copy_dir(&s, &converted);
    ntm(&converted)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success();
    {
        let new = sled::open(&converted).unwrap();
        let new_series: Vec<_> = new
            .open_tree("series")
            .unwrap()
            .iter()
            .map(|kv| kv.unwrap())
            .collect();
        let old = sled::open(&s).unwrap();
        let t = old.open_tree("series").unwrap();
        for (k, v) in new_series.iter().step_by(2) {
            t.insert(k, v.clone()).unwrap();
        }
        old.flush().unwrap();
    }
    let mixed = series_versions(&s);
    assert!(mixed.contains(&1) && mixed.contains(&2), "{mixed:?}");
    // read-only, the mixed store reads exactly as before
    assert_read_only_2020_as_before(&s);
    // the next writable open finishes the job
    ntm(&s)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success();
    assert!(series_versions(&s).iter().all(|&v| v == 2));
    assert_outputs_as_before(&s, d.path(), true);
}

fn tree_names(store: &Path) -> Vec<String> {
    let db = sled::open(store).unwrap();
    db.tree_names()
        .iter()
        .map(|n| String::from_utf8_lossy(n).into_owned())
        .collect()
}

#[test]
fn an_old_store_is_converted_and_says_the_same_as_before() {
    let (d, s) = old_store();
    // read-only: refused, with the way out, and nothing converted
    ntm(&s)
        .args(["--read-only", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("earlier ntm"))
        .stderr(predicate::str::contains("without --read-only"));
    assert!(tree_names(&s).contains(&"obs".to_string()));
    // the first writable command converts, and says so once
    ntm(&s)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(predicate::str::contains("cách lưu mới"));
    let names = tree_names(&s);
    assert!(!names.contains(&"obs".to_string()), "{names:?}");
    assert!(names.contains(&"series".to_string()));
    ntm(&s)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(predicate::str::contains("cách lưu mới").not());
    assert_outputs_as_before(&s, d.path(), true);
    // read-only works once converted
    ntm(&s)
        .args([
            "--read-only",
            "report",
            "--unit",
            "213",
            "--framework",
            "qd1980-2016",
        ])
        .assert()
        .success();
}

#[test]
fn a_conversion_interrupted_before_the_switch_starts_over() {
    let (d, s) = old_store();
    {
        // what a conversion killed half-way leaves: part of `series`, layout still 1
        let db = sled::open(&s).unwrap();
        let series = db.open_tree("series").unwrap();
        series
            .insert([0u8, 0, 0, 1, 0, 1], b"torn".to_vec())
            .unwrap();
        series.insert([0xFFu8; 6], b"junk".to_vec()).unwrap();
        db.flush().unwrap();
    }
    assert_outputs_as_before(&s, d.path(), true);
}

#[test]
fn a_conversion_interrupted_after_the_switch_only_drops_the_old_tree() {
    let (d, s) = old_store();
    ntm(&s)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success();
    {
        // the switch was made but the old tree was not dropped yet
        let db = sled::open(&s).unwrap();
        let obs = db.open_tree("obs").unwrap();
        obs.insert([0u8; 10], b"stale".to_vec()).unwrap();
        db.flush().unwrap();
    }
    assert_outputs_as_before(&s, d.path(), true);
    assert!(!tree_names(&s).contains(&"obs".to_string()));
}

#[test]
fn a_conversion_killed_at_any_moment_leaves_the_old_store_or_the_new() {
    let runs: u64 = std::env::var("NTM_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let bin = PathBuf::from(env!("CARGO_BIN_EXE_ntm"));
    // how long an uninterrupted conversion + check takes here: the kills are spread over it
    let whole = {
        let (_d, s) = old_store();
        let t = std::time::Instant::now();
        ntm(&s)
            .args(["check", "--fail-on", "none"])
            .assert()
            .success();
        t.elapsed()
    };
    let (mut old, mut new) = (0, 0);
    for i in 0..runs {
        let (d, s) = old_store();
        let mut child = std::process::Command::new(&bin)
            .arg("--store")
            .arg(&s)
            .args(["check", "--fail-on", "none"])
            .env_remove("NTM_STORE")
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .unwrap();
        // spread the kills evenly over the start, the conversion and the check
        std::thread::sleep(whole.mul_f64(i as f64 / runs as f64));
        // SAFETY: kill on our own child's pid
        unsafe { libc::kill(child.id() as i32, libc::SIGKILL) };
        let _ = child.wait();
        if tree_names(&s).contains(&"obs".to_string()) {
            old += 1;
        } else {
            new += 1;
        }
        assert_outputs_as_before(&s, d.path(), false);
    }
    eprintln!(
        "conversion killed {runs} times (spread over {whole:?}): {old} with the old tree still there, {new} converted"
    );
}

#[test]
fn a_store_of_a_newer_layout_is_refused() {
    let (_d, s) = old_store();
    {
        let db = sled::open(&s).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("schema", &[ntm::store::LAYOUT + 1])
            .unwrap();
        db.flush().unwrap();
    }
    ntm(&s)
        .args(["check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("newer ntm"));
}
