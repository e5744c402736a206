//! The national-scale generator: deterministic for a seed, the shape `--units` asks for, and a
//! bundle import accepts.

use std::path::Path;

use assert_cmd::Command;

fn ntm() -> Command {
    Command::cargo_bin("ntm").unwrap()
}

fn gen_bundle(dir: &Path, units: &str, years: &str, seed: &str) {
    ntm()
        .args(["gen", "--units", units, "--years", years, "--seed", seed])
        .arg(dir)
        .assert()
        .success();
}

fn read(p: &Path) -> Vec<u8> {
    std::fs::read(p).unwrap()
}

#[test]
fn same_seed_same_bytes_other_seed_other_bytes() {
    let t = tempfile::tempdir().unwrap();
    let (a, b, c) = (t.path().join("a"), t.path().join("b"), t.path().join("c"));
    gen_bundle(&a, "30", "4", "7");
    gen_bundle(&b, "30", "4", "7");
    gen_bundle(&c, "30", "4", "8");
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        assert_eq!(
            read(&a.join(f)),
            read(&b.join(f)),
            "{f} differs for one seed"
        );
    }
    assert_ne!(
        read(&a.join("observations.csv")),
        read(&c.join("observations.csv"))
    );
}

#[test]
fn units_flag_gives_that_many_communes_with_every_indicator_and_year() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    gen_bundle(&d, "50", "3", "1");
    let units = String::from_utf8(read(&d.join("units.csv"))).unwrap();
    let communes = units.lines().filter(|l| l.contains(",commune,")).count();
    let districts = units.lines().filter(|l| l.contains(",district,")).count();
    let provinces = units.lines().filter(|l| l.contains(",province,")).count();
    assert_eq!(communes, 50);
    assert!(districts >= 4 && provinces >= 1, "{districts} {provinces}");
    // names are NFC with Vietnamese diacritics
    assert!(
        units
            .chars()
            .any(|c| "ăâđêôơưạảấầẩẫậắằẳẵặẹẻẽếềểễệỉịọỏốồổỗộớờởỡợụủứừửữựỳỵỷỹ".contains(c))
    );
    let nfc: String = unicode_normalization::UnicodeNormalization::nfc(units.as_str()).collect();
    assert_eq!(nfc, units);
    let obs = String::from_utf8(read(&d.join("observations.csv"))).unwrap();
    let rows = obs.lines().count() - 1;
    // 51 indicators × 3 years, a few rows left out on purpose
    let full = 50 * 51 * 3;
    assert!(rows <= full && rows > full * 98 / 100, "{rows} of {full}");
    let years: std::collections::BTreeSet<&str> = obs
        .lines()
        .skip(1)
        .map(|l| l.split(',').nth(3).unwrap())
        .collect();
    assert_eq!(
        years.into_iter().collect::<Vec<_>>(),
        ["2023", "2024", "2025"]
    );
}

#[test]
fn a_generated_bundle_imports_and_checks() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    let store = t.path().join("s");
    gen_bundle(&d, "50", "2", "3");
    ntm()
        .arg("--store")
        .arg(&store)
        .arg("import")
        .arg(&d)
        .assert()
        .success()
        .stderr("");
    let out = ntm()
        .arg("--store")
        .arg(&store)
        .args(["check", "--format", "json", "--fail-on", "none"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let j: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(j["year"], 2025);
    assert_eq!(j["against"], 2024);
    assert!(!j["findings"].as_array().unwrap().is_empty());
}

/// sled opened directly, waiting out the moment its background thread keeps the lock after
/// this process closed the store.
fn open_raw(store: &std::path::Path) -> sled::Db {
    let start = std::time::Instant::now();
    loop {
        match sled::open(store) {
            Ok(db) => return db,
            Err(_) if start.elapsed() < std::time::Duration::from_secs(5) => {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("{e}"),
        }
    }
}

/// An import that died half-way (its marker still in `meta`, its undo records saved) is rolled
/// back the next time the store is opened for writing, and refused read-only until then.
#[test]
fn an_interrupted_import_is_rolled_back_on_the_next_writable_open() {
    let t = tempfile::tempdir().unwrap();
    let d = t.path().join("b");
    let store = t.path().join("s");
    gen_bundle(&d, "20", "2", "5");
    ntm()
        .arg("--store")
        .arg(&store)
        .arg("import")
        .arg(&d)
        .assert()
        .success();
    let digest = || {
        ntm::store::Store::open(&store, true)
            .unwrap()
            .content_digest()
            .unwrap()
    };
    let before = digest();
    {
        // what step 2 of an import leaves behind when the process dies: a new key written,
        // an overwritten key, their undo records, and the marker
        // sled's background thread may hold the lock a moment after `digest` closed the store
        let db = open_raw(&store);
        let obs = db.open_tree("series").unwrap();
        let undo = db.open_tree("undo").unwrap();
        let (k0, v0) = obs.first().unwrap().unwrap();
        obs.insert(&k0, b"garbage".to_vec()).unwrap();
        let mut uk = vec![6u8];
        uk.extend_from_slice(b"series");
        uk.extend_from_slice(&k0);
        let mut uv = vec![1u8];
        uv.extend_from_slice(&v0);
        undo.insert(uk, uv).unwrap();
        let new_key = [0xFFu8; 6];
        obs.insert(new_key, b"new".to_vec()).unwrap();
        let mut uk = vec![6u8];
        uk.extend_from_slice(b"series");
        uk.extend_from_slice(&new_key);
        undo.insert(uk, vec![0u8]).unwrap();
        let summary = db.open_tree("summary").unwrap();
        summary.insert(b"x", b"y".to_vec()).unwrap();
        db.open_tree("meta")
            .unwrap()
            .insert("import-in-progress", b"".to_vec())
            .unwrap();
        db.flush().unwrap();
    }
    let err = ntm::store::Store::open(&store, true).err().unwrap();
    assert!(err.to_string().contains("interrupted"), "{err}");
    // a writable open rolls back; the summary key is left over in a tree that was not empty,
    // without an undo record, so remove it as an import would have recorded it
    {
        let db = open_raw(&store);
        let mut uk = vec![7u8];
        uk.extend_from_slice(b"summary");
        uk.extend_from_slice(b"x");
        db.open_tree("undo").unwrap().insert(uk, vec![0u8]).unwrap();
        db.flush().unwrap();
    }
    // any command rolls back, and says so (it can take a while on a large import)
    let out = ntm()
        .arg("--store")
        .arg(&store)
        .args(["check", "--fail-on", "none"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("đang hoàn tác lần nhập bị ngắt"),
        "no notice: {err}"
    );
    assert_eq!(digest(), before);
}
