//! Export → import into an empty store gives back every field of every row exactly.

use std::path::Path;

use ntm::framework::Registry;
use ntm::io::{ReadOptions, read_bundle, write_bundle};
use ntm::model::Units;
use ntm::store::{Bundle, Store};

fn read(dir: &Path, stored: &Units) -> Bundle {
    read_bundle(dir, &Registry::builtin(), stored, &ReadOptions::default()).unwrap()
}

fn sorted(mut b: Bundle) -> Bundle {
    b.units.sort_by(|a, b| a.code.cmp(&b.code));
    b.observations.sort_by(|a, b| {
        (&a.unit_code, &a.indicator, a.year).cmp(&(&b.unit_code, &b.indicator, b.year))
    });
    b.recognitions
        .sort_by(|a, b| (&a.unit_code, a.year).cmp(&(&b.unit_code, b.year)));
    b
}

#[test]
fn fixture_bundle_survives_export_and_reimport_field_for_field() {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/bac-giang");
    let d = tempfile::tempdir().unwrap();
    let original = read(&fixture, &Units::default());

    let mut s1 = Store::open(&d.path().join("s1"), false).unwrap();
    s1.import(&original, &Registry::builtin()).unwrap();
    write_bundle(&s1, &d.path().join("out")).unwrap();

    let exported = read(&d.path().join("out"), &Units::default());
    let mut s2 = Store::open(&d.path().join("s2"), false).unwrap();
    s2.import(&exported, &Registry::builtin()).unwrap();

    let (a, b) = (sorted(original), sorted(exported));
    assert_eq!(a.units, b.units);
    assert_eq!(a.recognitions, b.recognitions);
    assert_eq!(a.observations.len(), b.observations.len());
    for (x, y) in a.observations.iter().zip(&b.observations) {
        assert_eq!(x, y);
        // floats compared bit for bit, not just ==
        assert_eq!(x.numerator.map(f64::to_bits), y.numerator.map(f64::to_bits));
        assert_eq!(
            x.stated_percent.map(f64::to_bits),
            y.stated_percent.map(f64::to_bits)
        );
    }
    // and the second store exports the same bytes as the first
    write_bundle(&s2, &d.path().join("out2")).unwrap();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        let x = std::fs::read_to_string(d.path().join("out").join(f)).unwrap();
        let y = std::fs::read_to_string(d.path().join("out2").join(f)).unwrap();
        assert!(x == y, "{f} differs");
    }
}
