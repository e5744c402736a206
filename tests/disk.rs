//! A full disk and a read-only file system, simulated with a small tmpfs in a private mount
//! namespace (`unshare -rm`, util-linux): a clear error, no panic, no partial write, and the
//! store works again once there is room.

#![cfg(target_os = "linux")]

use std::path::{Path, PathBuf};
use std::process::Command;

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures")
}

/// Run a shell script in a private mount namespace; returns its output.
fn in_namespace(script: &str) -> String {
    let ok = Command::new("unshare")
        .args(["-rm", "true"])
        .status()
        .map(|s| s.success())
        .unwrap_or(false);
    assert!(
        ok,
        "these tests need `unshare -rm` (util-linux with user namespaces, or root)"
    );
    let out = Command::new("unshare")
        .args(["-rm", "sh", "-c", script])
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!text.contains("panicked"), "{text}");
    text
}

#[test]
fn a_full_disk_loses_nothing() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("mnt");
    std::fs::create_dir(&m).unwrap();
    let ntm = env!("CARGO_BIN_EXE_ntm");
    let script = format!(
        r#"set -u
mount -t tmpfs -o size=16m tmpfs {m}
N="{ntm} --store {m}/s"
$N import {bg} >/dev/null; echo "first=$?"
# a bundle of 150 communes (38,250 observations): far more than the room left below
{ntm} gen --units 150 --years 5 {big} >/dev/null 2>&1
# fill the disk, leaving 4 KiB
dd if=/dev/zero of={m}/spare bs=1k count=4 2>/dev/null
dd if=/dev/zero of={m}/filler bs=4k 2>/dev/null
rm {m}/spare
$N import {big}; echo "second=$?"
rm {m}/filler
$N export {m}/out >/dev/null; echo "export=$?"
wc -l < {m}/out/observations.csv | sed 's/^/rows=/'
$N log verify; echo "verify=$?"
$N import {sample} >/dev/null; echo "third=$?"
"#,
        m = m.display(),
        big = d.path().join("big").display(),
        bg = fixtures().join("bac-giang").display(),
        sample = fixtures().join("sample").display()
    );
    let out = in_namespace(&script);
    assert!(out.contains("first=0"), "{out}");
    assert!(
        out.contains("second=2"),
        "the import into a full disk fails: {out}"
    );
    assert!(
        out.contains("No space left on device"),
        "and says why: {out}"
    );
    assert!(
        out.contains("export=0") && out.contains("rows=103"),
        "the store holds exactly the first bundle (102 rows + header): {out}"
    );
    assert!(
        out.contains("change log intact") && out.contains("verify=0"),
        "{out}"
    );
    assert!(
        out.contains("third=0"),
        "with room again the import goes through: {out}"
    );
}

#[test]
fn a_read_only_file_system_is_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let m = d.path().join("mnt");
    std::fs::create_dir(&m).unwrap();
    let ntm = env!("CARGO_BIN_EXE_ntm");
    let script = format!(
        r#"mount -t tmpfs -o size=16m tmpfs {m}
N="{ntm} --store {m}/s"
$N import {bg} >/dev/null; echo "first=$?"
mount -o remount,ro {m}
$N import {sample}; echo "second=$?"
$N --read-only check --fail-on none >/dev/null; echo "check=$?"
"#,
        m = m.display(),
        bg = fixtures().join("bac-giang").display(),
        sample = fixtures().join("sample").display()
    );
    let out = in_namespace(&script);
    assert!(out.contains("first=0"), "{out}");
    assert!(
        out.contains("second=2") && out.contains("Read-only file system"),
        "{out}"
    );
    // sled writes on every open, so even reading needs a writable store: said plainly
    assert!(out.contains("check=2"), "{out}");
}
