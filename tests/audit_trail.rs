//! Audits an inspector can defend (issue 15), through the real binary: seeds and strata,
//! identity, every verdict-changing change logged (overrides, frameworks, re-marks), no silent
//! side effects (set, undo), the field checklist, and the log receipt against a writer who
//! holds the store.

mod common;

use std::path::{Path, PathBuf};

use assert_cmd::Command;
use common::{copy_dir, fixtures};
use predicates::prelude::*;

fn ntm(store: &Path) -> Command {
    let mut c = common::ntm(store);
    c.env_remove("NTM_USER")
        .env("XDG_CONFIG_HOME", store.with_extension("cfg"));
    c
}

fn out(c: &mut Command) -> String {
    String::from_utf8(c.assert().success().get_output().stdout.clone()).unwrap()
}

fn demo(d: &Path) -> PathBuf {
    let s = d.join("s");
    for b in ["bac-giang", "sample"] {
        ntm(&s)
            .arg("import")
            .arg(fixtures().join(b))
            .assert()
            .success();
    }
    s
}

fn records(store: &Path, name: &str) -> Vec<(String, String)> {
    let csv = out(ntm(store).args(["audit", "report", name, "--format", "csv"]));
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    r.records()
        .map(|x| {
            let x = x.unwrap();
            (x[1].to_string(), x[3].to_string())
        })
        .collect()
}

#[test]
fn without_a_seed_ntm_chooses_one_prints_it_and_saves_it() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    let said = out(ntm(&s).args([
        "--lang", "en", "audit", "sample", "--name", "a", "--size", "5",
    ]));
    let seed: String = said
        .split("seed ")
        .nth(2)
        .expect("the seed is said")
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    assert!(!seed.is_empty(), "{said}");
    assert!(said.contains("taken from the operating system"), "{said}");
    // saved with the audit, and it draws the same sample again
    let list = out(ntm(&s).args(["audit", "list"]));
    assert!(list.contains(&format!("--seed {seed} ")), "{list}");
    ntm(&s)
        .args([
            "audit", "sample", "--name", "b", "--size", "5", "--seed", &seed,
        ])
        .assert()
        .success();
    assert_eq!(records(&s, "a"), records(&s, "b"));
}

#[test]
fn which_strata_are_drawn_depends_on_the_seed() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    let reg = ntm::framework::Registry::builtin();
    let fw = reg.get("qd1980-2016").unwrap();
    let mut seen = std::collections::BTreeSet::new();
    for seed in ["5", "77", "12345"] {
        let said = out(ntm(&s).args([
            "--lang",
            "en",
            "audit",
            "sample",
            "--name",
            &format!("c{seed}"),
            "--size",
            "10",
            "--seed",
            seed,
            "--year",
            "2020",
            "--strata",
            "criterion",
        ]));
        // the allocation is printed with the sample: 10 strata of 19 get one record each
        assert!(
            said.contains("allocation per stratum (drawn/records): 1: "),
            "{said}"
        );
        assert!(said.contains("rule: one record per stratum"), "{said}");
        let crits: std::collections::BTreeSet<usize> = records(&s, &format!("c{seed}"))
            .iter()
            .map(|(_, i)| fw.indicator(i).unwrap().1.criterion)
            .collect();
        assert_eq!(crits.len(), 10, "one record from each of 10 criteria");
        seen.insert(crits);
    }
    // before, criteria 1 and 10–18 were drawn for every seed
    assert_eq!(
        seen.len(),
        3,
        "three seeds, three different sets of criteria"
    );
}

#[test]
fn who_is_the_real_account_and_a_declared_name_is_labelled() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    let me = std::process::Command::new("id")
        .arg("-un")
        .output()
        .unwrap();
    let me = String::from_utf8_lossy(&me.stdout).trim().to_string();
    ntm(&s)
        .env("USER", "chu_tich_tinh")
        .env("LOGNAME", "chu_tich_tinh")
        .env("NTM_USER", "Nguyễn Văn An")
        .args(["set", "213-dinh-tri", "17.6", "2020", "--flag", "xem lại"])
        .assert()
        .success();
    // a name in the config file, when NTM_USER is not set
    let cfg = s.with_extension("cfg").join("ntm");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(cfg.join("config.toml"), "user = \"Trần Thị Bình\"\n").unwrap();
    ntm(&s)
        .env("USER", "chu_tich_tinh")
        .args(["set", "213-dinh-tri", "17.6", "2020", "--unflag"])
        .assert()
        .success();
    let log = out(ntm(&s).args(["log", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let who: Vec<&str> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["who"].as_str().unwrap())
        .collect();
    assert_eq!(who[2], format!("{me} (declared: Nguyễn Văn An)"));
    assert_eq!(who[3], format!("{me} (declared: Trần Thị Bình)"));
    assert!(!log.contains("chu_tich_tinh"), "$USER was believed: {log}");
    assert!(!who.iter().any(|w| w.starts_with("uid ")), "{who:?}");
}

/// A provincial override that lowers 17.7 for Bắc Giang (province 24) to 50 %.
const OVERRIDE: &str = r#"framework = "qd1980-2016"
province = "24"
decision = "99/2021/QĐ-UBND"

[[targets]]
indicator = "17.7"
value = 50.0
comparison = ">="
"#;

fn song_khe_177(s: &Path) -> Vec<serde_json::Value> {
    let j = out(ntm(s).args([
        "check",
        "--unit",
        "213-song-khe",
        "--year",
        "2020",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]));
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    v["findings"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["indicator"] == "17.7" && f["kind"] == "below_target")
        .cloned()
        .collect()
}

#[test]
fn an_override_is_logged_named_and_removable() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    assert_eq!(song_khe_177(&s).len(), 1, "53.5% misses the region's 60%");
    let f = d.path().join("bg-2021.toml");
    std::fs::write(&f, OVERRIDE).unwrap();
    ntm(&s)
        .args(["framework", "add", "--override"])
        .arg(&f)
        .assert()
        .success()
        .stdout(predicate::str::contains("remove-override bg-2021"));
    assert!(song_khe_177(&s).is_empty(), "the override made it pass");
    // check says which override decided it
    let json = out(ntm(&s).args([
        "check",
        "--unit",
        "213-song-khe",
        "--year",
        "2020",
        "--format",
        "json",
        "--fail-on",
        "none",
    ]));
    let v: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(v["overrides"][0]["id"], "bg-2021");
    assert_eq!(v["overrides"][0]["indicators"][0], "17.7");
    let text = out(ntm(&s).args([
        "check",
        "--unit",
        "213-song-khe",
        "--year",
        "2020",
        "--fail-on",
        "none",
    ]));
    assert!(text.contains("id bg-2021"), "{text}");
    // logged with the file's hash, who and when; listed as user-added
    let log = out(ntm(&s).args(["log", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&log).unwrap();
    let e = v.as_array().unwrap().last().unwrap().clone();
    assert_eq!(e["action"], "override_add");
    assert_eq!(e["what"], "override bg-2021");
    let hash: String = {
        use sha2::Digest;
        sha2::Sha256::digest(OVERRIDE.as_bytes())
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect()
    };
    assert!(
        e["new"]
            .as_str()
            .unwrap()
            .starts_with(&format!("sha256 {hash}")),
        "{e}"
    );
    let list = out(ntm(&s).args(["--lang", "en", "framework", "list"]));
    assert!(list.contains("override id bg-2021"), "{list}");
    assert!(list.contains("[added by"), "{list}");
    assert!(list.contains("[built in]"), "{list}");
    // removed: logged, and the verdict is back
    ntm(&s)
        .args(["framework", "remove-override", "bg-2021"])
        .assert()
        .success();
    assert_eq!(song_khe_177(&s).len(), 1);
    let log = out(ntm(&s).args(["log"]));
    assert!(log.contains("override_remove"), "{log}");
    ntm(&s)
        .args(["framework", "remove-override", "bg-2021"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no override bg-2021"));
    ntm(&s).args(["log", "verify"]).assert().success();
}

#[test]
fn a_built_in_criteria_set_cannot_be_replaced() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    ntm(&s)
        .args(["framework", "add"])
        .arg(fixtures().join("frameworks/qd1980-2016.toml"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "qd1980-2016 is a built-in criteria set",
        ));
    // the same file under an id of its own is a new set, logged
    let text = std::fs::read_to_string(fixtures().join("frameworks/qd1980-2016.toml")).unwrap();
    let own = text.replacen("id = \"qd1980-2016\"", "id = \"qd1980-2016-bg\"", 1);
    assert_ne!(own, text);
    let f = d.path().join("own.toml");
    std::fs::write(&f, own).unwrap();
    ntm(&s)
        .args(["framework", "add"])
        .arg(&f)
        .assert()
        .success();
    let log = out(ntm(&s).args(["log"]));
    assert!(
        log.contains("framework_add") && log.contains("framework qd1980-2016-bg"),
        "{log}"
    );
}

#[test]
fn set_keeps_what_it_was_not_told_to_change() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--numerator",
            "2600",
            "--denominator",
            "3009",
            "--reason",
            "biên bản",
        ])
        .assert()
        .success();
    let exp = d.path().join("out");
    ntm(&s).arg("export").arg(&exp).assert().success();
    let obs = std::fs::read_to_string(exp.join("observations.csv")).unwrap();
    assert!(
        obs.contains("213-dinh-tri,qd1980-2016,17.6,2020,,2600,3009,75.8,"),
        "the printed 75.8% stays (and check compares it with 2600/3009)"
    );
    ntm(&s)
        .args([
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--clear-stated-percent",
            "--reason",
            "r",
        ])
        .assert()
        .success();
    let exp = d.path().join("out2");
    ntm(&s).arg("export").arg(&exp).assert().success();
    let obs = std::fs::read_to_string(exp.join("observations.csv")).unwrap();
    assert!(obs.contains("213-dinh-tri,qd1980-2016,17.6,2020,,2600,3009,,"));
}

#[test]
fn undo_of_an_entry_changed_since_is_refused_naming_the_later_entry() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    for (n, r) in [("2600", "first"), ("2610", "second")] {
        ntm(&s)
            .args([
                "set",
                "213-dinh-tri",
                "17.6",
                "2020",
                "--numerator",
                n,
                "--denominator",
                "3009",
                "--reason",
                r,
            ])
            .assert()
            .success();
    }
    ntm(&s)
        .args(["undo", "3"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "entry 3 cannot be undone: entry 4 (set_value",
        ));
    // the newest one can be undone; then the figure is what entry 3 made it, and 3 can be
    ntm(&s).args(["undo", "4"]).assert().success();
    ntm(&s).args(["undo", "3"]).assert().success();
    let exp = d.path().join("out");
    ntm(&s).arg("export").arg(&exp).assert().success();
    let obs = std::fs::read_to_string(exp.join("observations.csv")).unwrap();
    assert!(
        obs.contains("213-dinh-tri,qd1980-2016,17.6,2020,,2553,3009,"),
        "back to the import"
    );
    // a later change to the note does not block undoing a figure, and vice versa
    ntm(&s)
        .args(["set", "213-dinh-tri", "17.6", "2020", "--note", "a"])
        .assert()
        .success();
    ntm(&s)
        .args(["set", "213-dinh-tri", "17.6", "2020", "--note", "b"])
        .assert()
        .success();
    ntm(&s)
        .args(["undo", "7"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("entry 8 (set_note"));
}

#[test]
fn re_marking_needs_a_reason_and_keeps_the_earlier_mark() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    ntm(&s)
        .args([
            "audit", "sample", "--name", "kt", "--size", "3", "--seed", "1", "--year", "2020",
        ])
        .assert()
        .success();
    // record 3 of seed 1 is the city's 18.6, pass/fail
    ntm(&s)
        .args([
            "audit",
            "mark",
            "kt",
            "3",
            "--discrepancy",
            "chưa đạt",
            "--note",
            "biên bản 12",
        ])
        .assert()
        .success();
    ntm(&s)
        .args(["audit", "mark", "kt", "3", "--confirmed"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("đánh dấu lại cần --reason"));
    ntm(&s)
        .args([
            "audit",
            "mark",
            "kt",
            "3",
            "--confirmed",
            "--reason",
            "nhầm hồ sơ năm 2019",
        ])
        .assert()
        .success();
    let show = out(ntm(&s).args(["audit", "show", "kt"]));
    assert!(show.contains("kết quả: xác nhận đúng"), "{show}");
    assert!(
        show.contains("lần đánh dấu trước: discrepancy recount=0 note=biên bản 12"),
        "{show}"
    );
    let log = out(ntm(&s).args(["log"]));
    assert!(log.contains("reason: nhầm hồ sơ năm 2019"), "{log}");
}

#[test]
fn audit_mark_reads_numbers_as_the_interface_does() {
    let d = tempfile::tempdir().unwrap();
    let s = demo(d.path());
    ntm(&s)
        .args([
            "audit", "sample", "--name", "u", "--size", "4", "--seed", "9", "--year", "2020",
            "--strata", "unit",
        ])
        .assert()
        .success();
    // record 1 (seed 9) is the city's 2.1, a percentage
    ntm(&s)
        .args([
            "audit",
            "mark",
            "u",
            "1",
            "--discrepancy",
            "97,5",
            "--note",
            "đo lại",
        ])
        .assert()
        .success();
    let j = out(ntm(&s).args(["audit", "report", "u", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["records"][0]["recount"], 97.5);
    // English output reads plain numbers; --locale says which writing
    ntm(&s)
        .args([
            "--lang",
            "en",
            "audit",
            "mark",
            "u",
            "1",
            "--discrepancy",
            "97,5",
            "--reason",
            "r",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--discrepancy 97,5"));
    ntm(&s)
        .args([
            "--lang",
            "en",
            "audit",
            "mark",
            "u",
            "1",
            "--discrepancy",
            "97,4",
            "--locale",
            "vi",
            "--reason",
            "r",
        ])
        .assert()
        .success();
    let j = out(ntm(&s).args(["audit", "report", "u", "--format", "json"]));
    let v: serde_json::Value = serde_json::from_str(&j).unwrap();
    assert_eq!(v["records"][0]["recount"], 97.4);
}

#[test]
fn audit_show_is_a_checklist_in_text_csv_and_xlsx() {
    let d = tempfile::tempdir().unwrap();
    // the sample's communes moved to the Mekong delta: other targets, some not confirmed
    let b = d.path().join("dbscl");
    copy_dir(&fixtures().join("sample"), &b);
    let units = std::fs::read_to_string(b.join("units.csv")).unwrap();
    std::fs::write(b.join("units.csv"), units.replace("TDMNPB", "DBSCL")).unwrap();
    let s = d.path().join("s");
    ntm(&s).arg("import").arg(&b).assert().success();
    ntm(&s)
        .args([
            "audit", "sample", "--name", "kt", "--size", "8", "--seed", "3", "--year", "2020",
            "--strata", "unit",
        ])
        .assert()
        .success();
    let text = out(ntm(&s).args(["audit", "show", "kt"]));
    assert!(text.contains("yêu cầu: "), "{text}");
    assert!(text.contains("kết quả: chưa kiểm"), "{text}");
    assert!(!text.contains("reported 1"), "no raw 1/0: {text}");
    // a ratio shows its counts and unit, Vietnamese-style
    let ratio = text
        .lines()
        .find(|l| l.contains("báo cáo: ") && l.contains('/') && l.contains('%'))
        .unwrap_or_else(|| panic!("a ratio with its counts: {text}"));
    assert!(ratio.contains(','), "Vietnamese decimals: {ratio}");
    let csv = out(ntm(&s).args(["--lang", "en", "audit", "show", "kt", "--format", "csv"]));
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let h = r.headers().unwrap().clone();
    for col in [
        "Commune",
        "Indicator name",
        "Target",
        "Reported",
        "Recount",
        "Evidence",
        "Signature",
    ] {
        assert!(h.iter().any(|x| x == col), "{col} in {h:?}");
    }
    let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
    assert_eq!(rows.len(), 8);
    let idx = |c: &str| h.iter().position(|x| x == c).unwrap();
    for row in &rows {
        assert!(!row[idx("Commune")].is_empty());
        assert!(!row[idx("Indicator name")].is_empty());
        assert_eq!(&row[idx("Recount")], "", "left empty to fill in");
        assert_eq!(&row[idx("Signature")], "");
    }
    let x = d.path().join("phieu.xlsx");
    ntm(&s)
        .args(["audit", "show", "kt", "--format", "xlsx", "--output"])
        .arg(&x)
        .assert()
        .success();
    use calamine::Reader;
    let mut wb: calamine::Xlsx<_> = calamine::open_workbook(&x).unwrap();
    let sheet = wb.worksheet_range("Phiếu kiểm tra").unwrap();
    let cells: Vec<String> = sheet.rows().flatten().map(|c| c.to_string()).collect();
    assert!(cells.iter().any(|c| c == "Chữ ký"), "{cells:?}");
    assert!(
        cells
            .iter()
            .any(|c| c == "Dĩnh Trì" || c == "Song Khê" || c == "Tân Mỹ")
    );
    ntm(&s)
        .args(["audit", "show", "kt", "--format", "xlsx"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--output"));
}

// ---------- the log receipt against someone who can write the store ----------

/// Entries of the raw log tree, decoded as the store writes them (record version 1, bincode).
fn read_log(t: &sled::Tree) -> Vec<ntm::store::LogEntry> {
    t.iter()
        .map(|kv| {
            let (_, v) = kv.unwrap();
            bincode::serde::decode_from_slice(&v[1..], bincode::config::standard())
                .unwrap()
                .0
        })
        .collect()
}

/// Write `entries` back as a fresh, consistent chain (renumbered, re-hashed, head re-pointed):
/// what a person with the tool's crates in hand can do.
fn rewrite_log(db: &sled::Db, mut entries: Vec<ntm::store::LogEntry>) {
    let t = db.open_tree("log").unwrap();
    t.clear().unwrap();
    let mut prev = [0u8; 32];
    for (i, e) in entries.iter_mut().enumerate() {
        e.seq = i as u64 + 1;
        e.prev = prev;
        e.hash = e.compute_hash();
        prev = e.hash;
        let mut v = vec![1u8];
        v.extend(bincode::serde::encode_to_vec(&*e, bincode::config::standard()).unwrap());
        t.insert(e.seq.to_be_bytes(), v).unwrap();
    }
    db.open_tree("meta")
        .unwrap()
        .insert("log_head", &prev)
        .unwrap();
    db.flush().unwrap();
}

fn attacked(d: &Path, name: &str, attack: impl FnOnce(&Path)) -> (PathBuf, PathBuf) {
    let s = d.join(name);
    for b in ["bac-giang", "sample"] {
        ntm(&s)
            .arg("import")
            .arg(fixtures().join(b))
            .assert()
            .success();
    }
    let old = d.join(format!("{name}-old"));
    copy_dir(&s, &old);
    for n in ["2600", "2610", "2620"] {
        ntm(&s)
            .args([
                "set",
                "213-dinh-tri",
                "17.6",
                "2020",
                "--numerator",
                n,
                "--denominator",
                "3009",
                "--reason",
                "đúng",
            ])
            .assert()
            .success();
    }
    let receipt = d.join(format!("{name}.receipt"));
    let r = out(ntm(&s).args(["log", "receipt"]));
    assert!(
        r.starts_with("ntm log receipt 1\n") && r.contains("entries: 5\n"),
        "{r}"
    );
    std::fs::write(&receipt, r).unwrap();
    ntm(&s)
        .args(["log", "verify", "--receipt"])
        .arg(&receipt)
        .assert()
        .success();
    // the store keeps being used after the receipt
    ntm(&s)
        .args(["set", "213-dinh-tri", "17.6", "2020", "--flag", "xem lại"])
        .assert()
        .success();
    ntm(&s)
        .args(["log", "verify", "--receipt"])
        .arg(&receipt)
        .assert()
        .success()
        .stdout(predicate::str::contains("sau đó có thêm 1 mục"));
    if name == "older-copy" {
        std::fs::remove_dir_all(&s).unwrap();
        copy_dir(&old, &s);
    } else {
        attack(&s);
    }
    (s, receipt)
}

#[test]
fn the_receipt_catches_each_rewrite_the_chain_alone_cannot() {
    let d = tempfile::tempdir().unwrap();
    type Attack = Box<dyn Fn(&Path)>;
    let attacks: Vec<(&str, Attack, bool)> = vec![
        (
            "truncate",
            Box::new(|s: &Path| {
                let db = sled::open(s).unwrap();
                let mut v = read_log(&db.open_tree("log").unwrap());
                v.truncate(3);
                rewrite_log(&db, v);
            }),
            true,
        ),
        (
            "no-head",
            Box::new(|s: &Path| {
                let db = sled::open(s).unwrap();
                db.open_tree("meta").unwrap().remove("log_head").unwrap();
                db.flush().unwrap();
            }),
            false,
        ),
        (
            "rewrite",
            Box::new(|s: &Path| {
                let db = sled::open(s).unwrap();
                let mut v = read_log(&db.open_tree("log").unwrap());
                v[3].reason = Some("lệnh của cấp trên".into());
                v[3].who = "ai-do".into();
                rewrite_log(&db, v);
            }),
            true,
        ),
        (
            "renumber",
            Box::new(|s: &Path| {
                let db = sled::open(s).unwrap();
                let mut v = read_log(&db.open_tree("log").unwrap());
                v.remove(2);
                rewrite_log(&db, v);
            }),
            true,
        ),
        ("older-copy", Box::new(|_: &Path| {}), true),
    ];
    for (name, attack, chain_fooled) in attacks {
        let (s, receipt) = attacked(d.path(), name, attack);
        // the chain kept in the store is fooled by every rewrite but the deleted head
        let plain = ntm(&s).args(["log", "verify"]).output().unwrap();
        assert_eq!(
            plain.status.code(),
            Some(if chain_fooled { 0 } else { 1 }),
            "{name}: {}",
            String::from_utf8_lossy(&plain.stdout)
        );
        // the receipt kept outside is not
        let with = ntm(&s)
            .args(["log", "verify", "--receipt"])
            .arg(&receipt)
            .output()
            .unwrap();
        let said = String::from_utf8_lossy(&with.stdout);
        assert_eq!(with.status.code(), Some(1), "{name}: {said}");
        assert!(said.contains("NOT intact"), "{name}: {said}");
    }
}
