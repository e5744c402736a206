//! Many people, one store: an open interface holds nothing and sees others' writes; writers
//! wait their turn; readers see one committed state or the next, never a mix; no edit is lost;
//! a group-shared store works across accounts. Real processes, a real PTY.

#![cfg(unix)]

mod common;

use std::io::{Read, Write};
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use common::{fixtures, imported, ntm};
use portable_pty::{CommandBuilder, PtySize, native_pty_system};
use predicates::prelude::*;

/// The interface in a PTY, its screen read back through vt100.
struct Tui {
    out: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _home: tempfile::TempDir,
}

impl Tui {
    fn start(store: &Path) -> Tui {
        let home = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: 30,
                cols: 100,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ntm"));
        cmd.arg("--store");
        cmd.arg(store);
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env_remove("NTM_STORE");
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let o = Arc::clone(&out);
        std::thread::spawn(move || {
            let _master = pair.master;
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => o.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        Tui {
            out,
            writer,
            child,
            _home: home,
        }
    }

    fn screen(&self) -> String {
        let mut p = vt100::Parser::new(30, 100, 0);
        p.process(&self.out.lock().unwrap());
        p.screen().contents()
    }

    fn wait_for(&self, what: &str, limit: Duration) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            if start.elapsed() > limit {
                panic!("timed out waiting for {what:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, s: &str) {
        self.writer.write_all(s.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        std::thread::sleep(Duration::from_millis(100));
    }

    fn quit(mut self) {
        self.send("q");
        let start = Instant::now();
        loop {
            if let Some(st) = self.child.try_wait().unwrap() {
                assert!(st.success(), "the interface exited with {st:?}");
                return;
            }
            if start.elapsed() > Duration::from_secs(15) {
                let _ = self.child.kill();
                panic!("the interface did not quit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

#[test]
fn an_open_interface_holds_nothing_and_sees_others_changes() {
    let (_d, s) = imported(&["bac-giang", "sample"]);
    let a = Tui::start(&s);
    a.wait_for("Dĩnh Trì", Duration::from_secs(15));
    let b = Tui::start(&s);
    b.wait_for("Dĩnh Trì", Duration::from_secs(15));
    // with two interfaces open, a reader and a writer get in (an interface lets go 0.3 s
    // after the last key; before, an open interface held the store until it quit)
    ntm(&s)
        .args(["--wait", "2", "check", "--fail-on", "none"])
        .assert()
        .success();
    ntm(&s)
        .args([
            "--wait",
            "2",
            "set",
            "213-dinh-tri",
            "17.6",
            "2020",
            "--flag",
            "xem lại",
        ])
        .assert()
        .success();
    // both interfaces notice while idle (at once where inotify is, else within 2 s); a key
    // would clear the notice, as it clears any message
    a.wait_for("Số liệu vừa được cập nhật bởi", Duration::from_secs(10));
    b.wait_for("Số liệu vừa được cập nhật bởi", Duration::from_secs(10));
    a.quit();
    b.quit();
}

/// Notes of every row of one commune: all "A" or all "B" in a consistent read.
fn bundle_with_note(dir: &Path, note: &str) {
    std::fs::create_dir_all(dir).unwrap();
    std::fs::copy(fixtures().join("sample/units.csv"), dir.join("units.csv")).unwrap();
    let mut r = csv::Reader::from_path(fixtures().join("sample/observations.csv")).unwrap();
    let head = r.headers().unwrap().clone();
    let note_col = head.iter().position(|h| h == "note").unwrap();
    let mut w = csv::Writer::from_path(dir.join("observations.csv")).unwrap();
    w.write_record(&head).unwrap();
    for rec in r.records() {
        let rec = rec.unwrap();
        if &rec[0] != "213-song-mai" {
            continue;
        }
        let mut row: Vec<String> = rec.iter().map(str::to_string).collect();
        row[note_col] = note.to_string();
        w.write_record(&row).unwrap();
    }
    w.flush().unwrap();
}

/// The notes of 213-song-mai's rows in an export.
fn notes_in(export: &Path) -> Vec<String> {
    let mut r = csv::Reader::from_path(export.join("observations.csv")).unwrap();
    let head = r.headers().unwrap().clone();
    let note_col = head.iter().position(|h| h == "note").unwrap();
    r.records()
        .map(|x| x.unwrap())
        .filter(|x| &x[0] == "213-song-mai")
        .map(|x| x[note_col].to_string())
        .collect()
}

/// The concurrency harness: imports, edits, checks, exports and an interface on one store at
/// once, for a bounded time. Every command must succeed (each waits its turn), every export
/// must be one committed state (all notes A or all B, never a mix), and every edit must be in
/// the store and the change log at the end.
#[test]
fn many_people_one_store() {
    let (d, s) = imported(&["bac-giang", "sample"]);
    let (ba, bb) = (d.path().join("a"), d.path().join("b"));
    bundle_with_note(&ba, "A");
    bundle_with_note(&bb, "B");
    ntm(&s).arg("import").arg(&ba).assert().success();
    let secs: u64 = std::env::var("NTM_SHARED_SECS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(12);
    let until = Instant::now() + Duration::from_secs(secs);
    let failed = Arc::new(Mutex::new(Vec::<String>::new()));
    let torn = Arc::new(AtomicUsize::new(0));
    let counts: Arc<[AtomicUsize; 4]> = Arc::new(Default::default());
    let run = |args: Vec<String>| -> std::process::Output {
        std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
            .arg("--store")
            .arg(&s)
            .args(["--wait", "60"])
            .args(&args)
            .env_remove("NTM_STORE")
            .output()
            .unwrap()
    };
    let stop = AtomicBool::new(false);
    let mut tui = Tui::start(&s);
    tui.wait_for("Dĩnh Trì", Duration::from_secs(15));
    let edits = std::thread::scope(|sc| {
        let importer = sc.spawn(|| {
            let mut i = 0;
            while Instant::now() < until {
                let b = if i % 2 == 0 { &bb } else { &ba };
                let o = run(vec!["import".into(), b.display().to_string()]);
                if !o.status.success() {
                    failed
                        .lock()
                        .unwrap()
                        .push(format!("import: {}", String::from_utf8_lossy(&o.stderr)));
                }
                counts[0].fetch_add(1, Ordering::Relaxed);
                i += 1;
            }
        });
        let editor = sc.spawn(|| {
            let mut last = 0u32;
            while Instant::now() < until {
                last += 1;
                let o = run(vec![
                    "set".into(),
                    "213-dinh-tri".into(),
                    "17.6".into(),
                    "2020".into(),
                    "--framework".into(),
                    "qd1980-2016".into(),
                    "--value".into(),
                    format!("{}", 50 + last % 40),
                    "--reason".into(),
                    format!("lần {last}"),
                ]);
                if !o.status.success() {
                    failed
                        .lock()
                        .unwrap()
                        .push(format!("set: {}", String::from_utf8_lossy(&o.stderr)));
                }
                counts[1].fetch_add(1, Ordering::Relaxed);
            }
            last
        });
        for reader in 0..2 {
            let (failed, torn, counts) = (&failed, &torn, &counts);
            let run = &run;
            let d = d.path().to_path_buf();
            sc.spawn(move || {
                let mut i = 0;
                while Instant::now() < until {
                    let o = run(vec![
                        "check".into(),
                        "--format".into(),
                        "json".into(),
                        "--fail-on".into(),
                        "none".into(),
                    ]);
                    if !o.status.success() {
                        failed
                            .lock()
                            .unwrap()
                            .push(format!("check: {}", String::from_utf8_lossy(&o.stderr)));
                    }
                    counts[2].fetch_add(1, Ordering::Relaxed);
                    let out: PathBuf = d.join(format!("export-{reader}-{i}"));
                    let o = run(vec!["export".into(), out.display().to_string()]);
                    if !o.status.success() {
                        failed
                            .lock()
                            .unwrap()
                            .push(format!("export: {}", String::from_utf8_lossy(&o.stderr)));
                    } else {
                        let notes = notes_in(&out);
                        let uniform = !notes.is_empty()
                            && (notes.iter().all(|n| n == "A") || notes.iter().all(|n| n == "B"));
                        if !uniform {
                            torn.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                    let _ = std::fs::remove_dir_all(&out);
                    counts[3].fetch_add(1, Ordering::Relaxed);
                    i += 1;
                }
            });
        }
        // a person moving around in the interface meanwhile
        let mut k = 0;
        while Instant::now() < until {
            tui.send(if k % 2 == 0 { "j" } else { "k" });
            k += 1;
            std::thread::sleep(Duration::from_millis(200));
        }
        stop.store(true, Ordering::Relaxed);
        importer.join().unwrap();
        editor.join().unwrap()
    });
    tui.quit();
    let failed = failed.lock().unwrap();
    let c: Vec<usize> = counts.iter().map(|c| c.load(Ordering::Relaxed)).collect();
    eprintln!(
        "{secs} s: {} imports, {} edits, {} checks, {} exports; {} failed commands, {} torn reads",
        c[0],
        c[1],
        c[2],
        c[3],
        failed.len(),
        torn.load(Ordering::Relaxed)
    );
    assert!(failed.is_empty(), "failed commands: {failed:#?}");
    assert_eq!(
        torn.load(Ordering::Relaxed),
        0,
        "an export mixed two states"
    );
    assert!(c.iter().all(|&n| n > 0), "every kind of command ran: {c:?}");
    // no lost edit: the last value is in the store, every edit is in the log
    let last = edits;
    let out = ntm(&s)
        .args(["log", "--unit", "213-dinh-tri", "--indicator", "17.6"])
        .output()
        .unwrap();
    let log = String::from_utf8_lossy(&out.stdout);
    for n in 1..=last {
        assert!(
            log.contains(&format!("lần {n}")),
            "edit {n} is not in the log"
        );
    }
    let exp = d.path().join("final");
    ntm(&s).arg("export").arg(&exp).assert().success();
    let obs = std::fs::read_to_string(exp.join("observations.csv")).unwrap();
    assert!(
        obs.contains(&format!(
            "213-dinh-tri,qd1980-2016,17.6,2020,{},",
            50 + last % 40
        )),
        "the last edit ({}) is the stored value",
        50 + last % 40
    );
    ntm(&s).args(["log", "verify"]).assert().success();
}

/// A store shared by a group (folder `chmod 2770`, group `G`): two officers with their own
/// accounts read and write it, each log entry names its account, files keep the group and
/// group read/write; an account outside the group is refused plainly. Runs the binary as
/// other uids (needs root; skipped with the reason otherwise).
#[test]
fn a_group_shared_store_works_across_accounts() {
    // SAFETY: geteuid has no preconditions
    if unsafe { libc::geteuid() } != 0 {
        eprintln!("skipped: running as other accounts needs root");
        return;
    }
    const G: u32 = 60_010;
    let (a, b, outsider) = (60_001u32, 60_002u32, 60_003u32);
    let d = tempfile::tempdir().unwrap();
    std::fs::set_permissions(d.path(), std::fs::Permissions::from_mode(0o755)).unwrap();
    let s = d.path().join("store");
    std::fs::create_dir(&s).unwrap();
    std::os::unix::fs::chown(&s, Some(a), Some(G)).unwrap();
    std::fs::set_permissions(&s, std::fs::Permissions::from_mode(0o2770)).unwrap();
    let bin = env!("CARGO_BIN_EXE_ntm");
    let fixture = fixtures().join("bac-giang");
    let as_user = |uid: u32, gid: u32, args: &[&str]| -> std::process::Output {
        std::process::Command::new(bin)
            .arg("--store")
            .arg(&s)
            .args(args)
            .env_remove("NTM_STORE")
            .env("HOME", d.path())
            .uid(uid)
            .gid(gid)
            .output()
            .unwrap()
    };
    let probe = as_user(a, G, &["--version"]);
    if !probe.status.success() {
        eprintln!("skipped: uid {a} cannot run {bin} (a folder on its path is not open to others)");
        return;
    }
    let o = std::process::Command::new(bin)
        .arg("--store")
        .arg(&s)
        .arg("import")
        .arg(&fixture)
        .env_remove("NTM_STORE")
        .uid(a)
        .gid(G)
        .output()
        .unwrap();
    if String::from_utf8_lossy(&o.stderr).contains("Permission denied") && !o.status.success() {
        eprintln!("skipped: uid {a} cannot read {}", fixture.display());
        return;
    }
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = as_user(
        b,
        G,
        &[
            "set",
            "213",
            "17.6",
            "2020",
            "--flag",
            "kiểm tra",
            "--framework",
            "qd1980-2016",
        ],
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let o = as_user(a, G, &["log"]);
    let log = String::from_utf8_lossy(&o.stdout);
    assert!(
        log.contains(&format!("uid {a}")) && log.contains(&format!("uid {b}")),
        "each entry names the account that made it: {log}"
    );
    // every file of the store is the group's, with group read/write and nothing for others
    for e in std::fs::read_dir(&s).unwrap() {
        let e = e.unwrap();
        let m = std::fs::symlink_metadata(e.path()).unwrap();
        use std::os::unix::fs::MetadataExt;
        assert_eq!(m.gid(), G, "{} lost the group", e.path().display());
        if m.is_file() {
            assert_eq!(
                m.mode() & 0o067,
                0o060,
                "{}: {:o}",
                e.path().display(),
                m.mode()
            );
        }
    }
    // someone outside the group is told plainly
    let o = as_user(outsider, outsider, &["check"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("not shared with your account"),
        "{}",
        String::from_utf8_lossy(&o.stderr)
    );
    // and root may look without leaving anything of its own
    ntm(&s)
        .args(["--read-only", "log"])
        .assert()
        .success()
        .stdout(predicate::str::contains("import"));
}
