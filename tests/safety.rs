//! Never write where it should not: read-only looks that leave no trace, files that no planted
//! symlink can redirect, exports with the store's privacy, and administrator settings a user
//! cannot lift. Run on the real binary. CI runs as root, so the cases about another account
//! run the binary as a second uid (no passwd entry is needed for that); where this process is
//! not root they are skipped with a printed reason.

mod common;

use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};

use common::{fixtures, imported, ntm};
use predicates::prelude::*;

/// The uid/gid the "other account" runs as (nobody on Debian; any unused id works).
const OTHER: u32 = 65534;

fn is_root() -> bool {
    // SAFETY: geteuid has no preconditions
    unsafe { libc::geteuid() == 0 }
}

fn mode(p: &Path) -> u32 {
    std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o777
}

/// Every entry under `dir` with its owner and mode.
fn listing(dir: &Path) -> Vec<(PathBuf, u32, u32)> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        let m = std::fs::symlink_metadata(&p).unwrap();
        out.push((p.clone(), m.uid(), m.permissions().mode() & 0o777));
        if m.is_dir() {
            out.extend(listing(&p));
        }
    }
    out.sort();
    out
}

fn chown_tree(p: &Path, uid: u32) {
    std::os::unix::fs::lchown(p, Some(uid), Some(uid)).unwrap();
    if std::fs::symlink_metadata(p).unwrap().is_dir() {
        for e in std::fs::read_dir(p).unwrap() {
            chown_tree(&e.unwrap().path(), uid);
        }
    }
}

/// The real binary as the other account, or None (with the reason printed) where that is not
/// possible here.
fn as_other(store: &Path) -> Option<std::process::Command> {
    if !is_root() {
        eprintln!("skipped: running a second account needs root (this test runs as uid != 0)");
        return None;
    }
    let bin = assert_cmd::cargo::cargo_bin("ntm");
    let mut probe = std::process::Command::new(&bin);
    probe.arg("--version").uid(OTHER).gid(OTHER);
    if !probe.output().is_ok_and(|o| o.status.success()) {
        eprintln!(
            "skipped: uid {OTHER} cannot run {} (a folder on its path is not open to others)",
            bin.display()
        );
        return None;
    }
    let mut c = std::process::Command::new(bin);
    c.arg("--store")
        .arg(store)
        .env_remove("NTM_STORE")
        .env("HOME", store.parent().unwrap())
        .env("USER", "other")
        .uid(OTHER)
        .gid(OTHER);
    Some(c)
}

#[test]
fn read_only_never_creates_a_store() {
    let d = tempfile::tempdir().unwrap();
    // an existing empty folder: before, sled's db, conf and blobs were left in it
    ntm(d.path())
        .args(["--read-only", "check"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no store here"));
    assert_eq!(std::fs::read_dir(d.path()).unwrap().count(), 0);
    // a folder that does not exist is not made
    let missing = d.path().join("nope");
    ntm(&missing)
        .args(["--read-only", "grid"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("no store here"));
    assert!(!missing.exists());
}

#[test]
fn a_planted_lock_info_link_is_never_written_through() {
    let (d, s) = imported(&["bac-giang"]);
    let victim = d.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    for read_only in [true, false] {
        std::os::unix::fs::symlink(&victim, s.join("lock-info")).unwrap();
        let mut c = ntm(&s);
        if read_only {
            c.arg("--read-only");
        }
        c.args(["check", "--fail-on", "none"]).assert().success();
        assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
        // the link was replaced by this process's own file, and that was removed on close
        assert!(std::fs::symlink_metadata(s.join("lock-info")).is_err());
    }
}

#[test]
fn lock_info_of_another_holder_is_left_alone() {
    let (_d, s) = imported(&["bac-giang"]);
    // a stale file from another process (pid 1 never runs ntm here)
    let other = "user = an\npid = 1\nsince = 2026-01-01T00:00:00Z\n";
    std::fs::write(s.join("lock-info"), other).unwrap();
    ntm(&s)
        .args(["--read-only", "check", "--fail-on", "none"])
        .assert()
        .success();
    // this process wrote its own (rename), so the stale one is gone, and so is its own
    assert!(!s.join("lock-info").exists());
}

#[test]
fn exports_never_write_through_planted_links_and_stay_private() {
    let (d, s) = imported(&["bac-giang"]);
    let out = d.path().join("shared-out");
    std::fs::create_dir(&out).unwrap();
    let victim = d.path().join("colleague-private");
    std::fs::write(&victim, "mine\n").unwrap();
    // the old temporary name and the final names, planted as links to someone's file
    for n in [
        ".units.csv.tmp",
        "observations.csv",
        ".recognitions.csv.tmp",
    ] {
        std::os::unix::fs::symlink(&victim, out.join(n)).unwrap();
    }
    ntm(&s).arg("export").arg(&out).assert().success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "mine\n");
    for n in ["units.csv", "observations.csv", "recognitions.csv"] {
        let p = out.join(n);
        assert!(std::fs::symlink_metadata(&p).unwrap().is_file(), "{n}");
        assert_eq!(mode(&p), 0o600, "{n} has the store's privacy");
    }
    // no temporary file is left behind
    let left: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.ends_with(".tmp") && !n.starts_with(".units.csv.tmp"))
        .filter(|n| n != ".recognitions.csv.tmp")
        .collect();
    assert!(left.is_empty(), "{left:?}");
    // a new export folder is private too
    let fresh = d.path().join("fresh/sub");
    ntm(&s).arg("export").arg(&fresh).assert().success();
    assert_eq!(mode(&fresh), 0o700);
}

#[test]
fn workbooks_reports_and_templates_never_write_through_links() {
    let (d, s) = imported(&["bac-giang"]);
    let victim = d.path().join("victim");
    std::fs::write(&victim, "precious\n").unwrap();
    let book = d.path().join("store.xlsx");
    let report = d.path().join("report.xlsx");
    let template = d.path().join("template.xlsx");
    for p in [&book, &report, &template] {
        std::os::unix::fs::symlink(&victim, p).unwrap();
    }
    ntm(&s)
        .args(["export", "--xlsx"])
        .arg(&book)
        .assert()
        .success();
    ntm(&s)
        .args(["report", "--unit", "213", "--xlsx"])
        .arg(&report)
        .assert()
        .success();
    ntm(&s)
        .args(["template", "--unit", "213", "--year", "2021"])
        .arg(&template)
        .assert()
        .success();
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "precious\n");
    for p in [&book, &report, &template] {
        assert!(std::fs::symlink_metadata(p).unwrap().is_file());
        assert_eq!(mode(p), 0o600, "{}", p.display());
        assert!(std::fs::read(p).unwrap().starts_with(b"PK"), "a workbook");
    }
}

#[test]
fn a_group_shared_store_exports_to_its_group() {
    let (d, s) = imported(&["bac-giang"]);
    std::fs::set_permissions(&s, std::fs::Permissions::from_mode(0o770)).unwrap();
    let out = d.path().join("out");
    ntm(&s).arg("export").arg(&out).assert().success();
    assert_eq!(mode(&out), 0o770);
    assert_eq!(mode(&out.join("units.csv")), 0o660);
}

#[test]
fn roots_read_only_look_leaves_the_owners_store_as_it_was() {
    let (d, s) = imported(&["bac-giang"]);
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    chown_tree(&s, OTHER);
    let Some(mut owner) = as_other(&s) else {
        return;
    };
    let before = listing(&s);
    ntm(&s)
        .args(["--read-only", "check", "--fail-on", "none"])
        .assert()
        .success();
    ntm(&s)
        .args(["--read-only", "report", "--unit", "213"])
        .assert()
        .success();
    let after = listing(&s);
    for (p, uid, m) in &after {
        assert_eq!(*uid, OTHER, "{} is not the owner's any more", p.display());
        if let Some((_, _, was)) = before.iter().find(|(q, _, _)| q == p) {
            assert_eq!(m, was, "{} changed mode", p.display());
        } else {
            assert_eq!(m & 0o077, 0, "{} is readable by others", p.display());
        }
    }
    // and the owner can still work on it
    let out = owner
        .args(["set", "213", "17.6", "2020", "--flag", "recheck"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "the owner could not write: {}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn only_root_can_point_ntm_at_another_admin_file() {
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = d.path().join("store");
    let cfg = d.path().join("admin.toml");
    std::fs::write(&cfg, "read_only = true\n").unwrap();
    std::fs::set_permissions(&cfg, std::fs::Permissions::from_mode(0o644)).unwrap();
    // root (tests, an administrator trying a file) may: the import is refused
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .arg("import")
        .arg(fixtures().join("bac-giang"))
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only"));
    std::fs::create_dir(&s).unwrap();
    chown_tree(&s, OTHER);
    let Some(mut other) = as_other(&s) else {
        return;
    };
    // anyone else may not: the variable is ignored, /etc/ntm/config.toml (absent here) applies
    if Path::new(ntm::cli::ADMIN_CONFIG).exists() {
        eprintln!("skipped: {} exists on this machine", ntm::cli::ADMIN_CONFIG);
        return;
    }
    let fixture = fixtures().join("bac-giang");
    let out = other
        .env("NTM_ADMIN_CONFIG", &cfg)
        .arg("import")
        .arg(&fixture)
        .output()
        .unwrap();
    if !out.status.success() && String::from_utf8_lossy(&out.stderr).contains("Permission denied") {
        eprintln!("skipped: uid {OTHER} cannot read {}", fixture.display());
        return;
    }
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn an_unreadable_admin_file_fails_closed() {
    let (d, s) = imported(&["bac-giang"]);
    // a folder where the file should be: unreadable for root too
    let cfg = d.path().join("admin.toml");
    std::fs::create_dir(&cfg).unwrap();
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .args(["set", "213", "17.6", "2020", "--flag", "x"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("read-only"))
        .stderr(predicate::str::contains("admin.toml"));
    ntm(&s)
        .env("NTM_ADMIN_CONFIG", &cfg)
        .args(["check", "--fail-on", "none"])
        .assert()
        .success()
        .stderr(predicate::str::contains("cannot be read"));
}
