//! Crash harness: real imports, edits and audit marks killed with SIGKILL at random moments.
//! After every kill the store must open, its invariants must hold (summaries agree with the
//! observations, the change log's hash chain verifies) and its data must be exactly the
//! before-state or the after-state — never a mixture.
//!
//! Runs `NTM_CRASH_RUNS` kills per kind of write (default 20 each, 60 in all; set it higher
//! by hand: `NTM_CRASH_RUNS=500 cargo test --release --test crash -- --nocapture`).

#![cfg(unix)]

mod common;

use common::copy_dir;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Instant;

use ntm::store::Store;

fn bin() -> PathBuf {
    PathBuf::from(env!("CARGO_BIN_EXE_ntm"))
}

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

fn ntm(store: &Path, args: &[&str]) -> Command {
    let mut c = Command::new(bin());
    c.arg("--store")
        .arg(store)
        .args(args)
        .env_remove("NTM_STORE")
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    c
}

/// The store's data as its export (every field of every row), plus the audits' marks.
fn state(store: &Path, scratch: &Path) -> String {
    let out = scratch.join("export");
    let _ = std::fs::remove_dir_all(&out);
    let s = Store::open(store, false).expect("the store opens after a kill");
    let problems = s.verify().unwrap();
    assert!(problems.is_empty(), "invariants broken: {problems:?}");
    let chain = s.verify_log().unwrap();
    assert!(chain.is_empty(), "change log broken: {chain:?}");
    ntm::io::write_bundle(&s, &out).unwrap();
    let mut text = String::new();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        text += &std::fs::read_to_string(out.join(f)).unwrap();
    }
    // the history extension, when the store has merges
    text += &std::fs::read_to_string(out.join("merges.csv")).unwrap_or_default();
    for a in s.audits().unwrap() {
        for r in &a.records {
            text += &format!(
                "{} {:?}\n",
                r.key,
                r.mark.as_ref().map(|m| (m.status, m.recount))
            );
        }
    }
    text
}

/// A tiny deterministic generator for the kill delays.
struct Lcg(u64);
impl Lcg {
    fn next(&mut self) -> f64 {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (self.0 >> 11) as f64 / (1u64 << 53) as f64
    }
}

fn runs() -> usize {
    std::env::var("NTM_CRASH_RUNS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(20)
}

/// Kill `args` at random moments `runs()` times, each on a fresh copy of `base`; every time the
/// state must be `before` or `after`. Returns (before count, after count).
fn hammer(base: &Path, args: &[&str], before: &str, after: &str, seed: u64) -> (usize, usize) {
    let scratch = tempfile::tempdir().unwrap();
    // how long the write takes when left alone, to spread the kills over it
    let probe = scratch.path().join("probe");
    copy_dir(base, &probe);
    let t = Instant::now();
    assert!(ntm(&probe, args).status().unwrap().success());
    let full = t.elapsed();
    let mut rng = Lcg(seed);
    let (mut n_before, mut n_after) = (0, 0);
    for i in 0..runs() {
        let dir = scratch.path().join(format!("run{i}"));
        copy_dir(base, &dir);
        let mut child = ntm(&dir, args).spawn().unwrap();
        // from well before the write to after the process would have finished on its own
        let delay = full.mul_f64(0.3 + rng.next() * 1.3);
        std::thread::sleep(delay);
        // SIGKILL: no handler, no flush, no cleanup
        let _ = child.kill();
        let _ = child.wait();
        let got = state(&dir, scratch.path());
        if got == before {
            n_before += 1;
        } else if got == after {
            n_after += 1;
        } else {
            panic!(
                "run {i} (killed after {delay:?}) left a state that is neither before nor after"
            );
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
    eprintln!(
        "{:?}: {} kills, {n_before} before-state, {n_after} after-state (write takes {full:?})",
        args,
        runs()
    );
    (n_before, n_after)
}

fn base_store(root: &Path) -> PathBuf {
    let base = root.join("base");
    assert!(
        ntm(
            &base,
            &["import", fixtures().join("bac-giang").to_str().unwrap()]
        )
        .status()
        .unwrap()
        .success()
    );
    base
}

#[test]
fn killed_imports_leave_before_or_after() {
    let d = tempfile::tempdir().unwrap();
    let base = base_store(d.path());
    let sample = fixtures().join("sample");
    let before = state(&base, d.path());
    let after_dir = d.path().join("after");
    copy_dir(&base, &after_dir);
    assert!(
        ntm(&after_dir, &["import", sample.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    let after = state(&after_dir, d.path());
    assert_ne!(before, after);
    let (b, a) = hammer(
        &base,
        &["import", sample.to_str().unwrap()],
        &before,
        &after,
        1,
    );
    assert_eq!(b + a, runs());
}

#[test]
fn killed_merge_imports_leave_before_or_after() {
    let d = tempfile::tempdir().unwrap();
    let base = base_store(d.path());
    // the history example without its merges.csv, then the merge file alone
    let b = d.path().join("history");
    std::fs::create_dir(&b).unwrap();
    for f in ["units.csv", "observations.csv", "recognitions.csv"] {
        std::fs::copy(fixtures().join("merge-example").join(f), b.join(f)).unwrap();
    }
    assert!(
        ntm(&base, &["import", b.to_str().unwrap()])
            .status()
            .unwrap()
            .success()
    );
    let merges = fixtures().join("merge-example/merges.csv");
    let args = ["merges", "import", merges.to_str().unwrap()];
    let before = state(&base, d.path());
    let after_dir = d.path().join("after");
    copy_dir(&base, &after_dir);
    assert!(ntm(&after_dir, &args).status().unwrap().success());
    let after = state(&after_dir, d.path());
    assert_ne!(before, after);
    let (b, a) = hammer(&base, &args, &before, &after, 4);
    assert_eq!(b + a, runs());
}

#[test]
fn killed_edits_leave_before_or_after() {
    let d = tempfile::tempdir().unwrap();
    let base = base_store(d.path());
    let args = [
        "set",
        "213",
        "17.6",
        "2020",
        "--numerator",
        "16153",
        "--denominator",
        "16209",
        "--stated-percent",
        "99.7",
        "--reason",
        "crash test",
    ];
    let before = state(&base, d.path());
    let after_dir = d.path().join("after");
    copy_dir(&base, &after_dir);
    assert!(ntm(&after_dir, &args).status().unwrap().success());
    let after = state(&after_dir, d.path());
    assert_ne!(before, after);
    let (b, a) = hammer(&base, &args, &before, &after, 2);
    assert_eq!(b + a, runs());
}

#[test]
fn killed_audit_marks_leave_before_or_after() {
    let d = tempfile::tempdir().unwrap();
    let base = base_store(d.path());
    assert!(
        ntm(
            &base,
            &[
                "audit", "sample", "--name", "kt", "--size", "5", "--seed", "1"
            ]
        )
        .status()
        .unwrap()
        .success()
    );
    let args = [
        "audit",
        "mark",
        "kt",
        // record 3 of this draw is 14.3, a percentage (a recount is on the record's own scale)
        "3",
        "--discrepancy",
        "42",
        "--note",
        "crash test",
    ];
    let before = state(&base, d.path());
    let after_dir = d.path().join("after");
    copy_dir(&base, &after_dir);
    assert!(ntm(&after_dir, &args).status().unwrap().success());
    let after = state(&after_dir, d.path());
    assert_ne!(before, after);
    let (b, a) = hammer(&base, &args, &before, &after, 3);
    assert_eq!(b + a, runs());
}

/// sled 0.34.7 reads a half-written `snap.*.generating` file (left by a kill while the snapshot
/// is written on close) as the newest snapshot and refuses to open. The store must open anyway,
/// with every committed change.
#[test]
fn a_torn_snapshot_left_by_a_kill_does_not_lose_the_store() {
    let d = tempfile::tempdir().unwrap();
    let base = base_store(d.path());
    let args = [
        "set",
        "213",
        "17.6",
        "2020",
        "--note",
        "checked",
        "--reason",
        "snapshot test",
    ];
    assert!(ntm(&base, &args).status().unwrap().success());
    // the expected state from a copy: sled may keep `base` locked for a moment after an
    // in-process close, and `base` is opened in-process only once, below
    let copy = d.path().join("copy");
    copy_dir(&base, &copy);
    let after = state(&copy, d.path());
    let snaps: Vec<PathBuf> = std::fs::read_dir(&base)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_str()
                .unwrap()
                .starts_with("snap.")
        })
        .collect();
    assert!(!snaps.is_empty(), "sled wrote a snapshot on close");
    // what a kill in the middle of the next snapshot leaves: a newer, truncated file
    let whole = std::fs::read(&snaps[0]).unwrap();
    let torn = base.join("snap.FFFFFFFFFFFFFFF0.generating");
    std::fs::write(&torn, &whole[..whole.len() / 2]).unwrap();
    assert_eq!(state(&base, d.path()), after);
    assert!(!torn.exists(), "the torn snapshot is cleared away");
}
