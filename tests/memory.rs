//! Bounded memory on hostile input, measured on the real binary: a 100 MB line is refused
//! while it is read, not after the csv parser has buffered it. One test per binary, so the
//! peak resident size of this process's children is the import's alone.

mod common;

use std::io::Write;

use common::ntm;

/// Peak resident set of every child this process has waited for, in bytes (Linux reports KiB).
#[cfg(target_os = "linux")]
fn children_peak_rss() -> u64 {
    // SAFETY: getrusage fills the struct it is given
    let mut ru: libc::rusage = unsafe { std::mem::zeroed() };
    let r = unsafe { libc::getrusage(libc::RUSAGE_CHILDREN, &mut ru) };
    assert_eq!(r, 0);
    ru.ru_maxrss as u64 * 1024
}

/// `ntm import --dry-run` on a bundle whose observations.csv is `head`, 100 MiB of `fill`,
/// then a newline; returns stderr.
#[cfg(target_os = "linux")]
fn import_with_100_mb(head: &[u8], fill: u8) -> String {
    let d = tempfile::tempdir().unwrap();
    let b = d.path().join("b");
    std::fs::create_dir(&b).unwrap();
    std::fs::write(b.join("units.csv"), "code,name,level\nc1,Xã,commune\n").unwrap();
    let mut f = std::fs::File::create(b.join("observations.csv")).unwrap();
    f.write_all(head).unwrap();
    let block = vec![fill; 1 << 20];
    for _ in 0..100 {
        f.write_all(&block).unwrap();
    }
    f.write_all(b"\n").unwrap();
    drop(f);
    let o = ntm(&d.path().join("s"))
        .args(["import", "--dry-run"])
        .arg(&b)
        .output()
        .unwrap();
    let err = String::from_utf8_lossy(&o.stderr).into_owned();
    assert_eq!(o.status.code(), Some(2), "{err}");
    assert!(err.len() < 1000, "{} bytes on stderr", err.len());
    err
}

#[cfg(target_os = "linux")]
#[test]
fn a_100_mb_line_is_refused_in_bounded_memory() {
    assert_eq!(children_peak_rss(), 0, "no child has run yet");
    let rows = b"unit_code,framework,indicator,year,value\nc1,qd1980-2016,4.1,2020,dat\n";
    let cases: [(&[u8], u8, &str); 3] = [
        (
            rows,
            b',',
            "observations.csv:3: the row has more than 256 columns, the limit",
        ),
        (
            rows,
            b'x',
            "observations.csv:3: the row is longer than 1048576 bytes (1 MiB), the limit for one row",
        ),
        (
            b"unit_code,framework,indicator,year,",
            b'h',
            "observations.csv:1: the header row is longer than 1048576 bytes (1 MiB), the limit for one row",
        ),
    ];
    for (head, fill, want) in cases {
        let err = import_with_100_mb(head, fill);
        assert!(err.contains(want), "{err}");
    }
    let peak = children_peak_rss();
    eprintln!(
        "peak RSS of `ntm import` on a 100 MB line: {} MB",
        peak >> 20
    );
    // before the streaming limits a line of commas peaked at about 4.5 GB
    assert!(peak < 200 << 20, "peak RSS {} MB", peak >> 20);
}
