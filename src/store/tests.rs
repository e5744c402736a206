use super::codec::{KeyPart, SCHEMA, decode, encode, key};
use super::*;
use crate::model::{Level, Value};

#[test]
fn keys_sort_numerically() {
    // year 2020 after 2019 and unit 256 after unit 255: big-endian fixed width
    let a = key(&[
        KeyPart::U32(255),
        KeyPart::U16(1),
        KeyPart::U16(7),
        KeyPart::U16(2019),
    ]);
    let b = key(&[
        KeyPart::U32(255),
        KeyPart::U16(1),
        KeyPart::U16(7),
        KeyPart::U16(2020),
    ]);
    let c = key(&[
        KeyPart::U32(256),
        KeyPart::U16(0),
        KeyPart::U16(0),
        KeyPart::U16(1900),
    ]);
    assert_eq!(a.len(), 10);
    assert!(a < b && b < c);
    // a unit's prefix covers all its years and nothing of the next unit
    let prefix = key(&[KeyPart::U32(255)]);
    assert!(a.starts_with(&prefix) && b.starts_with(&prefix) && !c.starts_with(&prefix));
}

fn unit(code: &str) -> Unit {
    Unit {
        code: code.into(),
        name: "Dĩnh Trì".into(),
        level: Level::Commune,
        parent_code: Some("213".into()),
        region: None,
        valid_from: Some(2010),
        valid_to: None,
        successor_code: None,
        commune_group: None,
    }
}

#[test]
fn records_round_trip_behind_a_version_byte() {
    let u = unit("x");
    let bytes = encode(&u);
    assert_eq!(bytes[0], SCHEMA);
    assert_eq!(decode::<Unit>(&bytes, "unit").unwrap(), u);
    let o = ObsRecord {
        value: Some(Value::Number(99.8)),
        numerator: Some(16153.0),
        denominator: Some(16209.0),
        stated_percent: Some(96.6),
        units_met: Some(6),
        units_total: Some(6),
        source: Some("Phụ lục 02".into()),
        note: None,
    };
    assert_eq!(decode::<ObsRecord>(&encode(&o), "observation").unwrap(), o);
}

#[test]
fn unit_records_stay_version_1_without_a_commune_group() {
    use super::codec::{UNIT_V2, decode_unit, encode_unit};
    // the bytes every store before commune groups holds: version 1, the eight fields in order
    let old = (
        "x".to_string(),
        "Dĩnh Trì".to_string(),
        Level::Commune,
        Some("213".to_string()),
        None::<String>,
        Some(2010u16),
        None::<u16>,
        None::<String>,
    );
    let v1 = encode(&old);
    assert_eq!(v1[0], 1);
    let u = unit("x");
    assert_eq!(decode_unit(&v1).unwrap(), u);
    // a unit without a group is written exactly as before (older builds read it)
    assert_eq!(encode_unit(&u), v1);
    // with a group: version 2, read back whole
    let g = Unit {
        commune_group: Some("3".into()),
        ..u
    };
    let v2 = encode_unit(&g);
    assert_eq!(v2[0], UNIT_V2);
    assert_eq!(decode_unit(&v2).unwrap(), g);
    // an older build (record schema 1) refuses it as newer instead of misreading it
    assert!(matches!(
        decode::<Unit>(&v2, "unit"),
        Err(StoreError::NewerSchema { found: 2, .. })
    ));
    let mut bad = v2.clone();
    bad.push(0);
    assert!(matches!(decode_unit(&bad), Err(StoreError::Corrupt(_))));
    let mut newer = v2;
    newer[0] = UNIT_V2 + 1;
    assert!(matches!(
        decode_unit(&newer),
        Err(StoreError::NewerSchema { .. })
    ));
}

#[test]
fn newer_schema_and_garbage_are_refused() {
    let mut bytes = encode(&unit("x"));
    bytes[0] = SCHEMA + 1;
    match decode::<Unit>(&bytes, "unit") {
        Err(StoreError::NewerSchema { found, supported }) => {
            assert_eq!((found, supported), (SCHEMA + 1, SCHEMA));
        }
        other => panic!("expected NewerSchema, got {other:?}"),
    }
    let mut trailing = encode(&unit("x"));
    trailing.push(0);
    assert!(matches!(
        decode::<Unit>(&trailing, "unit"),
        Err(StoreError::Corrupt(_))
    ));
    assert!(matches!(
        decode::<Unit>(&[], "unit"),
        Err(StoreError::Corrupt(_))
    ));
    // a corrupt length prefix is caught by the size limit, not an allocation of gigabytes
    let huge = [SCHEMA, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x0F];
    assert!(decode::<Unit>(&huge, "unit").is_err());
}

#[test]
fn a_store_from_a_newer_version_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    {
        let s = Store::open(&p, false).unwrap();
        s.meta.insert("schema", &[super::LAYOUT + 1]).unwrap();
        s.flush().unwrap();
    }
    let e = Store::open(&p, false).err().expect("refused");
    assert!(matches!(e, StoreError::NewerSchema { .. }), "{e}");
    assert!(e.to_string().contains("newer ntm"), "{e}");
}

#[test]
fn second_open_in_the_same_process_reports_the_lock() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    let _a = Store::open(&p, false).unwrap();
    let e = Store::open(&p, false).err().expect("locked");
    assert!(matches!(e, StoreError::Locked(..)), "{e}");
    // the holder said who it is
    assert!(
        e.to_string()
            .contains(&format!("pid {}", std::process::id())),
        "{e}"
    );
    assert!(e.to_string().contains(&p.display().to_string()));
}

#[cfg(unix)]
#[test]
fn store_directory_is_private() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    let _s = Store::open(&p, false).unwrap();
    let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o700);
    // and every file in it is the owner's only
    for e in std::fs::read_dir(&p).unwrap() {
        let e = e.unwrap();
        if e.file_type().unwrap().is_file() {
            let mode = e.metadata().unwrap().permissions().mode() & 0o777;
            assert_eq!(mode & 0o077, 0, "{} is {mode:o}", e.path().display());
        }
    }
}

fn obs(unit: &str, ind: &str, year: u16, v: Value) -> Observation {
    Observation {
        unit_code: unit.into(),
        framework: "qd1980-2016".into(),
        indicator: ind.into(),
        year,
        value: Some(v),
        numerator: None,
        denominator: None,
        stated_percent: None,
        units_met: None,
        units_total: None,
        source: None,
        note: None,
    }
}

#[test]
fn import_writes_rows_index_and_summaries() {
    let dir = tempfile::tempdir().unwrap();
    let mut s = Store::open(&dir.path().join("s"), false).unwrap();
    let reg = Registry::builtin();
    let mut prov = unit("24");
    prov.level = Level::Province;
    prov.parent_code = None;
    prov.region = Some("TDMNPB".into());
    let mut dist = unit("213");
    dist.level = Level::District;
    dist.parent_code = Some("24".into());
    let b = Bundle {
        units: vec![prov, dist, unit("c1")],
        observations: vec![
            obs("c1", "4.2", 2019, Value::Number(96.0)),
            obs("c1", "4.2", 2020, Value::Number(90.0)),
            obs("c1", "4.1", 2020, Value::Pass(true)),
        ],
        recognitions: vec![],
        merges: vec![],
        origin: None,
        ..Bundle::default()
    };
    let st = s.import(&b, &reg).unwrap();
    assert_eq!((st.units, st.observations, st.summaries), (3, 3, 2));
    let rows = s.observations_of("c1", "qd1980-2016").unwrap();
    assert_eq!(rows.len(), 3);
    let fw = reg.get("qd1980-2016").unwrap();
    let (ci, _) = fw.criterion("4").unwrap();
    // 2020: 90 % < 95 % target (TDMNPB) → criterion 4 not met; 2019 has no 4.1 → no data
    let s20 = s.summary("c1", "qd1980-2016", 2020).unwrap().unwrap();
    assert_eq!(Status::from_u8(s20.statuses[ci]), Status::NotMet);
    let s19 = s.summary("c1", "qd1980-2016", 2019).unwrap().unwrap();
    assert_eq!(Status::from_u8(s19.statuses[ci]), Status::NoData);
    assert!(s.verify().unwrap().is_empty());
    // re-import of the same row with a new value updates it and its summary
    let b2 = Bundle {
        units: vec![],
        observations: vec![obs("c1", "4.2", 2020, Value::Number(99.0))],
        recognitions: vec![],
        merges: vec![],
        origin: None,
        ..Bundle::default()
    };
    s.import(&b2, &reg).unwrap();
    assert_eq!(s.observations_of("c1", "qd1980-2016").unwrap().len(), 3);
    let s20 = s.summary("c1", "qd1980-2016", 2020).unwrap().unwrap();
    assert_eq!(Status::from_u8(s20.statuses[ci]), Status::Met);
    assert!(s.verify().unwrap().is_empty());
    assert_eq!(
        s.years().unwrap()["qd1980-2016"]
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        vec![2019, 2020]
    );
}

#[test]
fn read_only_store_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    drop(Store::open(&p, false).unwrap());
    let mut s = Store::open(&p, true).unwrap();
    let e = s
        .import(&Bundle::default(), &Registry::builtin())
        .unwrap_err();
    assert!(matches!(e, StoreError::ReadOnly(_)));
    assert!(s.add_framework("x", "", "x.toml").is_err());
}

#[test]
fn a_store_removed_under_a_session_refuses_writes() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("s");
    let mut s = Store::open(&p, false).unwrap();
    std::fs::remove_dir_all(&p).unwrap();
    let e = s
        .import(&Bundle::default(), &Registry::builtin())
        .unwrap_err();
    assert!(
        e.to_string()
            .contains("was removed or moved while ntm had it open"),
        "{e}"
    );
    assert!(!p.exists(), "nothing recreated it");
}

#[test]
fn the_retired_indicator_index_is_dropped_on_a_writable_open_only() {
    let d = tempfile::tempdir().unwrap();
    drop(Store::open(d.path(), false).unwrap());
    // what an earlier version left: an `obs_ind` tree
    {
        let db = sled::open(d.path()).unwrap();
        db.open_tree(RETIRED_INDEX)
            .unwrap()
            .insert(b"k", b"")
            .unwrap();
        db.flush().unwrap();
    }
    let has_index = |s: &Store| s.db.tree_names().iter().any(|n| n == b"obs_ind");
    let ro = Store::open(d.path(), true).unwrap();
    assert!(has_index(&ro), "a read-only open changes nothing");
    drop(ro);
    let rw = Store::open(d.path(), false).unwrap();
    assert!(!has_index(&rw));
}

#[test]
fn a_store_closed_by_this_process_can_be_reopened_at_once() {
    let d = tempfile::tempdir().unwrap();
    // busy threads, as on a loaded server: sled's background work is then late to let go
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let spinners: Vec<_> = (0..4)
        .map(|_| {
            let stop = stop.clone();
            std::thread::spawn(move || {
                while !stop.load(std::sync::atomic::Ordering::Relaxed) {
                    std::hint::spin_loop();
                }
            })
        })
        .collect();
    {
        let mut s = Store::open(d.path(), false).unwrap();
        let reg = s.registry().unwrap();
        let mut b = Bundle::default();
        for c in 0..200 {
            b.units.push(unit(&format!("c{c}")));
            for y in 2010..2021 {
                b.observations
                    .push(obs(&format!("c{c}"), "4.2", y, Value::Number(96.0)));
            }
        }
        s.import(&b, &reg).unwrap();
    }
    let mut failed = None;
    for i in 0..30 {
        let s = match Store::open(d.path(), false) {
            Ok(s) => s,
            Err(e) => {
                failed = Some(format!("open {i}: {e}"));
                break;
            }
        };
        // a write gives sled's background threads something to do as the store closes
        s.meta.insert(b"probe", b"x").unwrap();
        drop(s);
        if let Err(e) = Store::open(d.path(), true) {
            failed = Some(format!("reopen {i}: {e}"));
            break;
        }
    }
    stop.store(true, std::sync::atomic::Ordering::Relaxed);
    for t in spinners {
        t.join().unwrap();
    }
    assert_eq!(failed, None);
}

#[test]
fn the_years_record_follows_imports_and_edits() {
    let d = tempfile::tempdir().unwrap();
    let mut s = Store::open(d.path(), false).unwrap();
    let reg = s.registry().unwrap();
    let mut u = unit("c1");
    u.region = Some("TDMNPB".into());
    let b = Bundle {
        units: vec![u],
        observations: vec![obs("c1", "4.2", 2019, Value::Number(96.0))],
        ..Bundle::default()
    };
    s.import(&b, &reg).unwrap();
    assert!(s.meta.contains_key(YEARS_KEY).unwrap());
    assert_eq!(s.years().unwrap(), s.scan_years().unwrap());
    assert_eq!(
        s.years().unwrap()["qd1980-2016"]
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [2019]
    );
    // an edit that adds a year adds it to the record, in the same transaction
    let mut o = obs("c1", "4.2", 2021, Value::Number(97.0));
    o.source = Some("test".into());
    s.set_figures(&o, "test", &reg).unwrap();
    assert_eq!(
        s.years().unwrap()["qd1980-2016"]
            .iter()
            .copied()
            .collect::<Vec<_>>(),
        [2019, 2021]
    );
    assert!(s.verify().unwrap().is_empty());
    // a record that disagrees with the summaries is an invariant failure
    s.meta.insert(YEARS_KEY, encode(&YearsMap::new())).unwrap();
    assert!(!s.verify().unwrap().is_empty());
}
