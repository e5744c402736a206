//! Helpers shared by the integration tests that drive the real binary.
#![allow(dead_code)] // each test binary uses its own subset

use std::path::{Path, PathBuf};

use assert_cmd::Command;

/// The repository's fixtures folder.
pub fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// `ntm --store STORE`, unaffected by the caller's NTM_STORE.
pub fn ntm(store: &Path) -> Command {
    let mut c = Command::cargo_bin("ntm").unwrap();
    c.arg("--store").arg(store).env_remove("NTM_STORE");
    c
}

/// A fresh store with these fixture bundles imported (the TempDir keeps it alive).
pub fn imported(bundles: &[&str]) -> (tempfile::TempDir, PathBuf) {
    let d = tempfile::tempdir().unwrap();
    let s = d.path().join("store");
    for b in bundles {
        ntm(&s)
            .arg("import")
            .arg(fixtures().join(b))
            .assert()
            .success();
    }
    (d, s)
}

/// Copy a folder and everything in it (a store, a bundle) to `to`.
pub fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap() {
        let e = e.unwrap();
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}
