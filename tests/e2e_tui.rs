//! End-to-end: the real binary in a pseudo-terminal, read back through a vt100 parser.
//! Opens `ntm demo`, moves to a commune, drills into a criterion, checks the detail,
//! filters with `dinh tri`, quits, and checks the alternate screen was left. Also: SIGTERM
//! restores the terminal; TERM=dumb is refused.
#![cfg(unix)]

use std::io::{Read, Write};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

const ROWS: u16 = 24;
const COLS: u16 = 80;

struct Session {
    out: Arc<Mutex<Vec<u8>>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    reader: Option<std::thread::JoinHandle<()>>,
    _home: tempfile::TempDir,
}

impl Session {
    fn start(args: &[&str]) -> Session {
        Session::start_env(args, &[])
    }

    fn start_env(args: &[&str], env: &[(&str, &str)]) -> Session {
        Session::start_program(std::ffi::OsStr::new(env!("CARGO_BIN_EXE_ntm")), args, env)
    }

    fn start_program(program: &std::ffi::OsStr, args: &[&str], env: &[(&str, &str)]) -> Session {
        let home = tempfile::tempdir().unwrap();
        let pair = native_pty_system()
            .openpty(PtySize {
                rows: ROWS,
                cols: COLS,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        let mut cmd = CommandBuilder::new(program);
        for a in args {
            cmd.arg(a);
        }
        cmd.env("TERM", "xterm-256color");
        cmd.env("LANG", "C.UTF-8");
        cmd.env_remove("LC_ALL");
        cmd.env_remove("LC_CTYPE");
        cmd.env_remove("NO_COLOR");
        cmd.env("HOME", home.path());
        cmd.env("XDG_CONFIG_HOME", home.path().join("config"));
        cmd.env("TMPDIR", home.path());
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let out = Arc::new(Mutex::new(Vec::new()));
        let o = Arc::clone(&out);
        let handle = std::thread::spawn(move || {
            let _master = pair.master; // keep the pty open while reading
            let mut buf = [0u8; 4096];
            loop {
                match reader.read(&mut buf) {
                    Ok(0) | Err(_) => break,
                    Ok(n) => o.lock().unwrap().extend_from_slice(&buf[..n]),
                }
            }
        });
        Session {
            out,
            writer,
            child,
            reader: Some(handle),
            _home: home,
        }
    }

    fn screen(&self) -> String {
        let mut p = vt100::Parser::new(ROWS, COLS, 0);
        p.process(&self.out.lock().unwrap());
        p.screen().contents()
    }

    fn wait_for(&self, what: &str) -> String {
        let start = Instant::now();
        loop {
            let s = self.screen();
            if s.contains(what) {
                return s;
            }
            if start.elapsed() > Duration::from_secs(15) {
                panic!("timed out waiting for {what:?}; screen:\n{s}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn send(&mut self, bytes: &str) {
        self.writer.write_all(bytes.as_bytes()).unwrap();
        self.writer.flush().unwrap();
        // let the app read each key on its own (a lone ESC must not merge with the next key)
        std::thread::sleep(Duration::from_millis(120));
    }

    /// Wait for the process to end and the output to drain; the raw bytes.
    fn finish(&mut self) -> (portable_pty::ExitStatus, Vec<u8>) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > Duration::from_secs(15) {
                let _ = self.child.kill();
                panic!("the interface did not exit; screen:\n{}", self.screen());
            }
            std::thread::sleep(Duration::from_millis(50));
        };
        // the reader ends at EOF once the child is gone
        let h = self.reader.take().unwrap();
        let start = Instant::now();
        while !h.is_finished() && start.elapsed() < Duration::from_secs(5) {
            std::thread::sleep(Duration::from_millis(20));
        }
        (status, self.out.lock().unwrap().clone())
    }
}

const DOWN: &str = "\x1b[B";
const RIGHT: &str = "\x1b[C";

#[test]
fn demo_drill_down_filter_and_quit() {
    let mut s = Session::start(&["demo"]);
    let grid = s.wait_for("Xã đạt chuẩn: 4/6");
    assert!(
        grid.contains("Dĩnh Trì") && grid.contains("Song Khê"),
        "{grid}"
    );
    // Song Khê is third by name, after the city's own row; criterion 17 is the 17th column
    // below the city's own row (Σ, first) and two communes
    s.send(DOWN);
    s.send(DOWN);
    s.send(DOWN);
    for _ in 0..16 {
        s.send(RIGHT);
    }
    s.send("\r");
    let detail = s.wait_for("Song Khê — TC 17");
    // the first indicator is selected: its target and its 2020 value with the counts
    assert!(detail.contains("17.1a"), "{detail}");
    assert!(detail.contains("Yêu cầu: ≥ 90%"), "{detail}");
    assert!(
        detail.contains("Giá trị 2020: 2.636/2.693 = 97,9%"),
        "{detail}"
    );
    // 17.7 is below its target of 60%
    assert!(detail.contains("53,5%"), "{detail}");
    // back to the grid, then filter
    s.send("\x1b");
    s.wait_for("Xã đạt chuẩn: 4/6");
    s.send("/");
    for c in "dinh tri".chars() {
        s.send(&c.to_string());
    }
    s.send("\r");
    let filtered = s.wait_for("/dinh tri");
    assert!(filtered.contains("Dĩnh Trì"), "{filtered}");
    for other in ["Song Khê", "Đồng Sơn", "Tân Mỹ", "Song Mai", "Tân Tiến"] {
        assert!(
            !filtered.contains(other),
            "{other} should be filtered out:\n{filtered}"
        );
    }
    s.send("q");
    let (status, raw) = s.finish();
    assert!(status.success(), "{status:?}");
    let raw = String::from_utf8_lossy(&raw);
    assert!(raw.contains("\x1b[?1049h"), "entered the alternate screen");
    assert!(raw.contains("\x1b[?1049l"), "left the alternate screen");
    assert!(raw.rfind("\x1b[?1049l") > raw.rfind("\x1b[?1049h"));
    // no terminal queries at start-up (cursor position, device attributes)
    assert!(!raw.contains("\x1b[6n") && !raw.contains("\x1b[c") && !raw.contains("\x1b[>c"));
}

/// The plan screen in a real terminal: `r` on Song Khê shows its 42 households, `r` again the
/// district ranked, Enter back to the commune, Enter into criterion 17, Esc back, `q` quits.
#[test]
fn plan_screen_from_the_grid() {
    let mut s = Session::start(&["demo"]);
    s.wait_for("Xã đạt chuẩn: 4/6");
    // below the city's own row (Σ, first) and two communes
    s.send(DOWN);
    s.send(DOWN);
    s.send(DOWN);
    s.send("r");
    let plan = s.wait_for("Song Khê — con đường đến chuẩn, năm 2020");
    assert!(plan.contains("thêm 42 hộ"), "{plan}");
    assert!(plan.contains("380 − 338 = 42"), "{plan}");
    s.send("r");
    let district = s.wait_for("Tổng cần cho kế hoạch:");
    assert!(district.contains("1   Song Khê"), "{district}");
    assert!(district.contains("thêm 42 hộ trên 1 xã"), "{district}");
    s.send("\r");
    s.wait_for("Song Khê — con đường đến chuẩn");
    s.send("\r");
    s.wait_for("Song Khê — TC 17");
    s.send("\x1b");
    s.wait_for("Song Khê — con đường đến chuẩn");
    s.send("q");
    let (status, _) = s.finish();
    assert!(status.success(), "{status:?}");
}

#[test]
fn sigterm_restores_the_terminal() {
    let mut s = Session::start(&["demo", "--lang", "en"]);
    s.wait_for("Communes meeting the standard");
    let pid = s.child.process_id().expect("pid");
    let st = std::process::Command::new("kill")
        .arg("-TERM")
        .arg(pid.to_string())
        .status()
        .unwrap();
    assert!(st.success());
    let (status, raw) = s.finish();
    assert!(status.success(), "{status:?}");
    assert!(String::from_utf8_lossy(&raw).contains("\x1b[?1049l"));
}

#[test]
fn sighup_restores_the_terminal() {
    let mut s = Session::start(&["demo", "--keymap", "vim"]);
    s.wait_for("Xã đạt chuẩn");
    let pid = s.child.process_id().expect("pid");
    std::process::Command::new("kill")
        .arg("-HUP")
        .arg(pid.to_string())
        .status()
        .unwrap();
    let (_status, raw) = s.finish();
    assert!(String::from_utf8_lossy(&raw).contains("\x1b[?1049l"));
}

#[test]
fn ascii_and_no_color_in_a_real_terminal() {
    let mut s = Session::start(&["demo", "--ascii", "--no-color"]);
    let grid = s.wait_for("Xa dat chuan: 4/6");
    assert!(grid.contains("Dinh Tri"), "{grid}");
    s.send("q");
    let (_, raw) = s.finish();
    // between entering and leaving the alternate screen: ASCII only, no colour codes
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let a = raw.find("\x1b[?1049h").unwrap();
    let b = raw.rfind("\x1b[?1049l").unwrap();
    let body = &raw[a..b];
    assert!(body.is_ascii(), "non-ASCII output in --ascii mode");
    for colour in [
        "\x1b[31m", "\x1b[32m", "\x1b[33m", "\x1b[34m", "\x1b[35m", "\x1b[36m", "\x1b[90m",
        "\x1b[38;",
    ] {
        assert!(
            !body.contains(colour),
            "colour {colour:?} sent with --no-color"
        );
    }
}

#[test]
fn a_panic_restores_the_terminal() {
    let mut s = Session::start_env(&["demo"], &[("NTM_TUI_TEST_PANIC", "1")]);
    let (status, raw) = s.finish();
    assert!(!status.success());
    let raw = String::from_utf8_lossy(&raw);
    assert!(
        raw.contains("\x1b[?1049h") && raw.contains("\x1b[?1049l"),
        "{raw:?}"
    );
    assert!(raw.rfind("\x1b[?1049l") > raw.rfind("\x1b[?1049h"));
    // the message is printed after leaving the alternate screen, so it stays visible
    let after = &raw[raw.rfind("\x1b[?1049l").unwrap()..];
    assert!(after.contains("NTM_TUI_TEST_PANIC"), "{after:?}");
}

#[test]
fn config_file_chooses_keymap_and_language() {
    let home = tempfile::tempdir().unwrap();
    let cfg = home.path().join("ntm");
    std::fs::create_dir_all(&cfg).unwrap();
    std::fs::write(
        cfg.join("config.toml"),
        "keymap = \"mine.toml\"\nlang = \"en\"\n",
    )
    .unwrap();
    std::fs::write(
        cfg.join("mine.toml"),
        "base = \"vim\"\n[keys]\nquit = \"Q\"\n",
    )
    .unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
        .arg("keys")
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(s.contains("| `Q` | Quit |"), "{s}");
    assert!(s.contains("| `g g` `home` | To the top |"), "{s}");
    // --lang on the command line wins over the config
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
        .args(["keys", "--lang", "vi"])
        .env("XDG_CONFIG_HOME", home.path())
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("| `Q` | Thoát |"));
}

#[test]
fn dumb_terminal_is_refused() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
        .args(["demo"])
        .env("TERM", "dumb")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("TERM=dumb"), "{err}");
    assert!(err.contains("ntm grid"), "{err}");
}

#[test]
fn bad_keymap_is_an_error_with_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("k.toml");
    std::fs::write(&p, "[keys]\nquit = \"q\"\njump = \"j\"\n").unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
        .args(["demo", "--keymap", p.to_str().unwrap()])
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains(&format!("{}:3: jump: unknown action", p.display())),
        "{err}"
    );
}

#[test]
fn keys_prints_the_table() {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
        .args(["keys", "--lang", "en"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let s = String::from_utf8_lossy(&out.stdout);
    assert!(
        s.contains("| `enter` | Open the criterion's detail |"),
        "{s}"
    );
}

/// Run the CLI on a store; its stdout (fails the test on a non-zero exit).
fn ntm_cli(store: &std::path::Path, args: &[&str]) -> String {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_ntm"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env("LANG", "C.UTF-8")
        .env("USER", "inspector")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "ntm {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

#[test]
fn edit_a_value_and_mark_an_audit_record_then_check_with_the_cli() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kt");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for b in ["bac-giang", "sample"] {
        ntm_cli(&store, &["import", fixtures.join(b).to_str().unwrap()]);
    }
    ntm_cli(
        &store,
        &[
            "audit", "sample", "--name", "kt", "--size", "3", "--seed", "1", "--year", "2020",
        ],
    );
    // the real binary, with write access
    let store_s = store.to_str().unwrap();
    let mut s = Session::start_env(&["--store", store_s], &[("USER", "inspector")]);
    s.wait_for("Xã đạt chuẩn: 4/6");
    // Song Khê, criterion 17: the detail, cursor on 17.1a (2.636/2.693)
    // below the city's own row (Σ, first) and two communes
    s.send(DOWN);
    s.send(DOWN);
    s.send(DOWN);
    for _ in 0..16 {
        s.send(RIGHT);
    }
    s.send("\r");
    s.wait_for("Giá trị 2020: 2.636/2.693 = 97,9%");
    // edit: numerator 2650, then the reason (↑↑ from the numerator wraps to it)
    s.send("e");
    s.wait_for("Sửa số liệu");
    s.send("\t");
    s.send("\x15"); // ctrl-u clears the field
    for c in "2650".chars() {
        s.send(&c.to_string());
    }
    s.send("\x1b[A");
    s.send("\x1b[A");
    for c in "đếm lại theo sổ".chars() {
        s.send(&c.to_string());
    }
    s.send("\r");
    let saved = s.wait_for("Đã lưu");
    assert!(saved.contains("2.650/2.693"), "{saved}");
    // the history shows the change with its reason
    assert!(saved.contains("Lịch sử"), "{saved}");
    assert!(
        saved.contains("set_value: 2.636/2.693 → 2.650/2.693 (đếm lại"),
        "{saved}"
    );
    // the audit: the list, the first record, confirmed
    s.send("a");
    s.wait_for("Các đợt kiểm tra xác suất");
    s.send("\r");
    s.wait_for("Kiểm tra kt — Bản ghi 1/3");
    s.send("c");
    s.wait_for("Đánh dấu bản ghi");
    for c in "khớp sổ".chars() {
        s.send(&c.to_string());
    }
    s.send("\r");
    let marked = s.wait_for("đã kiểm 1/3");
    assert!(marked.contains("Bản ghi 2/3"), "{marked}");
    s.send("q");
    let (status, _) = s.finish();
    assert!(status.success(), "{status:?}");

    let log = ntm_cli(&store, &["log"]);
    assert!(log.contains("set_value"), "{log}");
    assert!(log.contains("đếm lại theo sổ"), "{log}");
    assert!(log.contains("audit_mark"), "{log}");
    ntm_cli(&store, &["log", "verify"]);
    let report = ntm_cli(&store, &["audit", "report", "kt", "--format", "json"]);
    let v: serde_json::Value = serde_json::from_str(&report).unwrap();
    let text = v.to_string();
    assert!(text.contains("confirmed"), "{report}");
    assert!(text.contains("khớp sổ"), "{report}");
}

#[test]
fn read_only_binary_refuses_edits_and_marks() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("ro");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for b in ["bac-giang", "sample"] {
        ntm_cli(&store, &["import", fixtures.join(b).to_str().unwrap()]);
    }
    ntm_cli(
        &store,
        &[
            "audit", "sample", "--name", "kt", "--size", "3", "--seed", "1", "--year", "2020",
        ],
    );
    let before = ntm_cli(&store, &["log"]);
    let store_s = store.to_str().unwrap();
    let mut s = Session::start(&["--store", store_s, "--read-only", "--lang", "en"]);
    s.wait_for("Communes meeting the standard");
    // below the city's own row (Σ, first) and two communes
    s.send(DOWN);
    s.send(DOWN);
    s.send(DOWN);
    for _ in 0..16 {
        s.send(RIGHT);
    }
    s.send("\r");
    s.wait_for("Song Khê — C 17");
    s.send("e");
    let scr = s.wait_for("Read-only: editing");
    assert!(!scr.contains("Numerator:"), "{scr}");
    s.send("F");
    s.wait_for("Read-only: editing");
    s.send("a");
    s.wait_for("Spot audits");
    s.send("\r");
    s.wait_for("Audit kt — Record 1/3");
    s.send("c");
    let scr = s.wait_for("Read-only: editing");
    assert!(!scr.contains("Mark the record"), "{scr}");
    s.send("q");
    let (status, raw) = s.finish();
    assert!(status.success(), "{status:?}");
    assert_eq!(ntm_cli(&store, &["log"]), before);
    // while the store opened, a line said so; it was erased before the interface drew
    let raw = String::from_utf8_lossy(&raw);
    let said = raw.find("ntm: opening the store").expect("an opening line");
    let erased = raw[said..].find("\r\x1b[2K").expect("the line erased") + said;
    assert!(
        erased < raw.find("\x1b[?1049h").unwrap(),
        "erased before the interface"
    );
}

/// The records of an audit as `unit indicator year` lines (from the CSV report).
fn audit_records(store: &std::path::Path, name: &str) -> Vec<String> {
    let csv = ntm_cli(store, &["audit", "report", name, "--format", "csv"]);
    csv.lines()
        .skip(1)
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            format!("{} {} {}", f[1], f[3], f[4])
        })
        .collect()
}

#[test]
fn draw_a_sample_from_the_interface() {
    let dir = tempfile::tempdir().unwrap();
    let store = dir.path().join("kt");
    let fixtures = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for b in ["bac-giang", "sample"] {
        ntm_cli(&store, &["import", fixtures.join(b).to_str().unwrap()]);
    }
    let store_s = store.to_str().unwrap();
    let mut s = Session::start(&["--store", store_s]);
    s.wait_for("Xã đạt chuẩn: 4/6");
    s.send("a");
    s.wait_for("Chưa có đợt kiểm tra nào");
    // m: the form, with a seed already chosen
    s.send("m");
    let form = s.wait_for("Rút mẫu kiểm tra");
    assert!(form.contains("Hạt giống (seed)"), "{form}");
    assert!(form.contains("kt2020-1"), "a name is proposed: {form}");
    let type_in = |s: &mut Session, text: &str| {
        s.send("\x15"); // ctrl-u clears the field
        for c in text.chars() {
            s.send(&c.to_string());
        }
    };
    type_in(&mut s, "hien-truong");
    s.send("\t");
    type_in(&mut s, "6");
    s.send("\t"); // the year stays 2020
    s.send("\t");
    type_in(&mut s, "criterion");
    s.send("\t"); // no weight
    s.send("\t");
    type_in(&mut s, "4242");
    s.send("\r");
    s.wait_for("Kiểm tra hien-truong — Bản ghi 1/6");
    // the status line says so (it may come in a later write than the title)
    s.wait_for("Đã rút mẫu");
    s.send("q");
    let (status, _) = s.finish();
    assert!(status.success(), "{status:?}");
    // saved with its parameters and seed, logged, and the same sample as the command line draws
    let list = ntm_cli(&store, &["audit", "list"]);
    assert!(
        list.contains(
            "--size 6 --seed 4242 --framework qd1980-2016 --year 2020 --strata criterion"
        ),
        "{list}"
    );
    let log = ntm_cli(&store, &["log"]);
    assert!(log.contains("audit_sample"), "{log}");
    ntm_cli(
        &store,
        &[
            "audit",
            "sample",
            "--name",
            "cli",
            "--size",
            "6",
            "--seed",
            "4242",
            "--year",
            "2020",
            "--strata",
            "criterion",
        ],
    );
    let ui = audit_records(&store, "hien-truong");
    assert_eq!(ui.len(), 6);
    assert_eq!(ui, audit_records(&store, "cli"));
}
