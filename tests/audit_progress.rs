//! `ntm audit sample` over a large store shows progress on a terminal, as import and check do,
//! and writes none when stderr is not a terminal.

mod common;

use std::io::Read;
use std::time::{Duration, Instant};

use common::ntm;
use portable_pty::{CommandBuilder, PtySize, native_pty_system};

/// A store of 200 generated communes over two years (a few seconds of risk weighting in a
/// debug build: far above the bar's 0.3 s delay).
fn big_store(d: &std::path::Path) -> std::path::PathBuf {
    let (b, s) = (d.join("bundle"), d.join("store"));
    ntm(&s)
        .args(["gen", "--units", "200", "--years", "2"])
        .arg(&b)
        .assert()
        .success();
    ntm(&s).arg("import").arg(&b).assert().success();
    s
}

/// Run ntm on a pseudo-terminal to the end; everything it wrote.
fn on_a_terminal(args: &[&str]) -> (bool, Vec<u8>) {
    let pair = native_pty_system()
        .openpty(PtySize {
            rows: 24,
            cols: 100,
            pixel_width: 0,
            pixel_height: 0,
        })
        .unwrap();
    let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_ntm"));
    cmd.args(args);
    cmd.env("TERM", "xterm-256color");
    cmd.env_remove("NTM_STORE");
    let mut child = pair.slave.spawn_command(cmd).unwrap();
    drop(pair.slave);
    let mut reader = pair.master.try_clone_reader().unwrap();
    let h = std::thread::spawn(move || {
        let _master = pair.master;
        let mut out = Vec::new();
        let mut buf = [0u8; 4096];
        loop {
            match reader.read(&mut buf) {
                Ok(0) | Err(_) => break,
                Ok(n) => out.extend_from_slice(&buf[..n]),
            }
        }
        out
    });
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(300),
            "audit sample did not finish"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    (status.success(), h.join().unwrap())
}

#[test]
fn audit_sample_shows_progress_on_a_terminal_only() {
    let d = tempfile::tempdir().unwrap();
    let s = big_store(d.path());
    let store = s.to_str().unwrap();
    let (ok, raw) = on_a_terminal(&[
        "--store", store, "audit", "sample", "--name", "kt", "--size", "20", "--seed", "7",
        "--weight", "risk",
    ]);
    let text = String::from_utf8_lossy(&raw);
    assert!(ok, "{text}");
    assert!(text.contains("audit: units ["), "no progress shown: {text}");
    // the bar is erased before the result is printed
    let mut p = vt100::Parser::new(24, 100, 0);
    p.process(&raw);
    let screen = p.screen().contents();
    assert!(!screen.contains("audit: units"), "{screen}");
    // piped: nothing but the result
    let out = ntm(&s)
        .args([
            "audit", "sample", "--name", "kt2", "--size", "20", "--seed", "7",
        ])
        .args(["--weight", "risk"])
        .assert()
        .success()
        .get_output()
        .clone();
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        !err.contains("audit: units") && !err.contains('\r'),
        "{err}"
    );
}
