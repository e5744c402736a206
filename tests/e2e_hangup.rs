//! A dropped SSH connection: the pseudo-terminal's master side is closed while the interface
//! runs, right after an edit. The kernel hangs up the session (SIGHUP); `ntm` must exit 0
//! and the edit it had committed must be in the store.

#![cfg(target_os = "linux")]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd};
use std::os::unix::process::CommandExt;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn openpty() -> (OwnedFd, OwnedFd) {
    let (mut m, mut s) = (0, 0);
    let ws = libc::winsize {
        ws_row: 24,
        ws_col: 80,
        ws_xpixel: 0,
        ws_ypixel: 0,
    };
    // SAFETY: openpty writes two file descriptors we then own
    let r = unsafe { libc::openpty(&mut m, &mut s, std::ptr::null_mut(), std::ptr::null(), &ws) };
    assert_eq!(r, 0, "openpty");
    // the child must not inherit the master side, or it would keep its own terminal alive
    // SAFETY: setting a descriptor flag on a descriptor we own
    unsafe { libc::fcntl(m, libc::F_SETFD, libc::FD_CLOEXEC) };
    // SAFETY: fresh descriptors from openpty
    unsafe { (OwnedFd::from_raw_fd(m), OwnedFd::from_raw_fd(s)) }
}

struct Term {
    master: Option<OwnedFd>,
    parser: vt100::Parser,
}

impl Term {
    /// Read whatever the program wrote within `ms` milliseconds.
    fn pump(&mut self, ms: i32) {
        let fd = self.master.as_ref().unwrap().as_raw_fd();
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd
        while unsafe { libc::poll(&mut pfd, 1, ms) } > 0 {
            let mut buf = [0u8; 4096];
            // SAFETY: reading into a local buffer
            let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
            if n <= 0 {
                break;
            }
            self.parser.process(&buf[..n as usize]);
        }
    }

    fn wait_for(&mut self, what: &str) -> String {
        let start = Instant::now();
        loop {
            self.pump(50);
            let s = self.parser.screen().contents();
            if s.contains(what) {
                return s;
            }
            assert!(
                start.elapsed() < Duration::from_secs(15),
                "timed out waiting for {what:?}:\n{s}"
            );
        }
    }

    fn send(&mut self, keys: &str) {
        let fd = self.master.as_ref().unwrap().as_raw_fd();
        // SAFETY: writing a local buffer
        let n = unsafe { libc::write(fd, keys.as_ptr().cast(), keys.len()) };
        assert_eq!(n as usize, keys.len());
        self.pump(120);
    }
}

fn cli(store: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ntm"))
        .arg("--store")
        .arg(store)
        .args(args)
        .env("LANG", "C.UTF-8")
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
fn closing_the_terminal_mid_session_keeps_the_committed_edit() {
    let d = tempfile::tempdir().unwrap();
    let store = d.path().join("s");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    cli(
        &store,
        &["import", fixtures.join("bac-giang").to_str().unwrap()],
    );
    cli(
        &store,
        &["import", fixtures.join("sample").to_str().unwrap()],
    );

    let (master, slave) = openpty();
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_ntm"));
    cmd.arg("--store")
        .arg(&store)
        .env("TERM", "xterm-256color")
        .env("LANG", "C.UTF-8")
        .env_remove("LC_ALL")
        .env_remove("NO_COLOR")
        .env("HOME", d.path())
        .env("XDG_CONFIG_HOME", d.path().join("config"))
        .env("USER", "inspector")
        .stdin(Stdio::from(slave.try_clone().unwrap()))
        .stdout(Stdio::from(slave.try_clone().unwrap()))
        .stderr(Stdio::from(slave));
    // SAFETY: only async-signal-safe calls between fork and exec: a new session whose
    // controlling terminal is the pty, as sshd gives a login
    unsafe {
        cmd.pre_exec(|| {
            libc::setsid();
            libc::ioctl(0, libc::TIOCSCTTY, 0);
            Ok(())
        });
    }
    let mut child = cmd.spawn().unwrap();
    drop(cmd); // the parent's copies of the slave side are closed
    let mut t = Term {
        master: Some(master),
        parser: vt100::Parser::new(24, 80, 0),
    };
    t.wait_for("Xã đạt chuẩn: 4/6");
    // Song Khê (below the city's own row and two communes), criterion 17, indicator 17.1a:
    // numerator 2636 → 2650, with a reason
    t.send("\x1b[B");
    t.send("\x1b[B");
    t.send("\x1b[B");
    for _ in 0..16 {
        t.send("\x1b[C");
    }
    t.send("\r");
    t.wait_for("Giá trị 2020: 2.636/2.693");
    t.send("e");
    t.wait_for("Sửa số liệu");
    t.send("\t");
    t.send("\x15");
    t.send("2650");
    t.send("\x1b[A");
    t.send("\x1b[A");
    t.send("mất kết nối ngay sau khi lưu");
    t.send("\r");
    t.wait_for("Đã lưu");
    // the connection drops: the master side goes away
    drop(t.master.take());
    let start = Instant::now();
    let status = loop {
        if let Some(s) = child.try_wait().unwrap() {
            break s;
        }
        assert!(
            start.elapsed() < Duration::from_secs(10),
            "ntm did not exit after the hangup"
        );
        std::thread::sleep(Duration::from_millis(50));
    };
    assert!(status.success(), "exit status after the hangup: {status:?}");
    let log = cli(&store, &["log", "--unit", "213-song-khe"]);
    assert!(
        log.contains("set_value") && log.contains("mất kết nối ngay sau khi lưu"),
        "{log}"
    );
    cli(&store, &["log", "verify"]);
    // and the store is free again (the lock went with the process)
    cli(&store, &["check", "--fail-on", "none"]);
}
