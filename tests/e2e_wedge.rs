//! Input that cannot wedge the interface, on the real binary in a pseudo-terminal: an
//! incomplete escape or UTF-8 sequence followed by a signal or a hang-up, a 100 KB paste
//! into the filter and into a form field (then idle: next to no CPU), a burst of plain keys,
//! a hang-up while saving, and a resize. Bounds are generous ("exits within 5 s"), never
//! tight timings.

#![cfg(target_os = "linux")]

use std::os::fd::{AsRawFd, FromRawFd, OwnedFd, RawFd};
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

const GRID: &str = "Xã đạt chuẩn: 4/6";
const EXIT_BOUND: Duration = Duration::from_secs(5);
/// After a signal: the promise is "within a second"; 3 s leaves room for a loaded machine
/// and is still shorter than the 5 s a stuck loop would need to notice by a timeout.
const SIGNAL_BOUND: Duration = Duration::from_secs(3);

fn openpty(rows: u16, cols: u16) -> (OwnedFd, OwnedFd) {
    let (mut m, mut s) = (0, 0);
    let ws = libc::winsize {
        ws_row: rows,
        ws_col: cols,
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

/// `ntm` in a pseudo-terminal; a thread collects what it writes.
struct Pty {
    master: Option<OwnedFd>,
    out: Arc<Mutex<Vec<u8>>>,
    stop: Arc<AtomicBool>,
    reader: Option<std::thread::JoinHandle<()>>,
    child: Child,
    size: (u16, u16),
    _home: tempfile::TempDir,
}

impl Pty {
    /// Start `ntm ARGS`; `controlling`: in a session of its own with the pty as controlling
    /// terminal (as sshd starts a login, so a hang-up also sends SIGHUP), else only its stdio.
    fn start(args: &[&str], controlling: bool) -> Pty {
        let home = tempfile::tempdir().unwrap();
        let (master, slave) = openpty(24, 80);
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_ntm"));
        cmd.args(args)
            .env("TERM", "xterm-256color")
            .env("LANG", "C.UTF-8")
            .env_remove("LC_ALL")
            .env_remove("LC_CTYPE")
            .env_remove("NO_COLOR")
            .env("HOME", home.path())
            .env("XDG_CONFIG_HOME", home.path().join("config"))
            .env("TMPDIR", home.path())
            .env("USER", "inspector")
            .stdin(Stdio::from(slave.try_clone().unwrap()))
            .stdout(Stdio::from(slave.try_clone().unwrap()))
            .stderr(Stdio::from(slave));
        if controlling {
            // SAFETY: only async-signal-safe calls between fork and exec
            unsafe {
                cmd.pre_exec(|| {
                    libc::setsid();
                    libc::ioctl(0, libc::TIOCSCTTY, 0);
                    Ok(())
                });
            }
        }
        let child = cmd.spawn().unwrap();
        drop(cmd); // the parent's copies of the slave side are closed
        let out = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let fd = master.as_raw_fd();
        // our side never blocks: a program that stops reading fails the test, not hangs it
        // SAFETY: setting a status flag on a descriptor we own
        unsafe { libc::fcntl(fd, libc::F_SETFL, libc::O_NONBLOCK) };
        let (o, st) = (Arc::clone(&out), Arc::clone(&stop));
        let reader = std::thread::spawn(move || read_all(fd, &o, &st));
        Pty {
            master: Some(master),
            out,
            stop,
            reader: Some(reader),
            child,
            size: (24, 80),
            _home: home,
        }
    }

    fn pid(&self) -> i32 {
        self.child.id() as i32
    }

    fn screen(&self) -> String {
        let mut p = vt100::Parser::new(self.size.0, self.size.1, 0);
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
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what:?}; screen:\n{s}"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// Write all of `bytes`, as fast as the program reads them; a program that stops
    /// reading fails the test instead of hanging it.
    fn write(&self, bytes: &[u8]) {
        let fd = self.master.as_ref().expect("terminal open").as_raw_fd();
        let start = Instant::now();
        let mut done = 0;
        while done < bytes.len() {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "ntm stopped reading its input ({done} of {} bytes taken); screen:\n{}",
                bytes.len(),
                self.screen()
            );
            let mut pfd = libc::pollfd {
                fd,
                events: libc::POLLOUT,
                revents: 0,
            };
            // SAFETY: one valid pollfd
            if unsafe { libc::poll(&mut pfd, 1, 100) } <= 0 {
                continue;
            }
            // SAFETY: writing from a live buffer, at most its remaining length
            let n = unsafe { libc::write(fd, bytes[done..].as_ptr().cast(), bytes.len() - done) };
            if n < 0 {
                let e = std::io::Error::last_os_error();
                assert!(
                    matches!(
                        e.kind(),
                        std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
                    ),
                    "write: {e}"
                );
                continue;
            }
            done += n as usize;
        }
    }

    /// A key, then a pause so that it is read on its own.
    fn key(&self, bytes: &str) {
        self.write(bytes.as_bytes());
        std::thread::sleep(Duration::from_millis(120));
    }

    fn signal(&self, sig: i32) {
        // SAFETY: signalling our own child
        assert_eq!(unsafe { libc::kill(self.pid(), sig) }, 0);
    }

    /// Close the master side: the terminal hangs up, as when an SSH connection drops.
    fn hang_up(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.reader.take() {
            h.join().unwrap();
        }
        drop(self.master.take());
    }

    fn resize(&mut self, rows: u16, cols: u16) {
        let ws = libc::winsize {
            ws_row: rows,
            ws_col: cols,
            ws_xpixel: 0,
            ws_ypixel: 0,
        };
        let fd = self.master.as_ref().unwrap().as_raw_fd();
        // SAFETY: setting the window size of our own pty
        assert_eq!(unsafe { libc::ioctl(fd, libc::TIOCSWINSZ, &ws) }, 0);
        self.size = (rows, cols);
    }

    /// Wait (at most `bound`) for the program to exit; its status and everything it wrote.
    fn exit_within(&mut self, bound: Duration) -> (std::process::ExitStatus, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(s) = self.child.try_wait().unwrap() {
                break s;
            }
            if start.elapsed() > bound {
                let cpu = cpu_seconds(self.pid());
                let _ = self.child.kill();
                let _ = self.child.wait();
                panic!(
                    "ntm did not exit within {bound:?} (CPU used: {cpu:.1} s); screen:\n{}",
                    self.screen()
                );
            }
            std::thread::sleep(Duration::from_millis(20));
        };
        // the reader stops at the end of output (EIO once no one holds the slave side)
        if let Some(h) = self.reader.take() {
            let start = Instant::now();
            while !h.is_finished() && start.elapsed() < Duration::from_secs(5) {
                std::thread::sleep(Duration::from_millis(20));
            }
            self.stop.store(true, Ordering::Relaxed);
            h.join().unwrap();
        }
        let raw = String::from_utf8_lossy(&self.out.lock().unwrap()).into_owned();
        (status, raw)
    }

    /// CPU time the program used over about a second of no input.
    fn idle_cpu(&self) -> f64 {
        let before = cpu_seconds(self.pid());
        std::thread::sleep(Duration::from_secs(1));
        cpu_seconds(self.pid()) - before
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        self.stop.store(true, Ordering::Relaxed);
        if let Some(h) = self.reader.take() {
            let _ = h.join();
        }
    }
}

fn read_all(fd: RawFd, out: &Mutex<Vec<u8>>, stop: &AtomicBool) {
    let mut buf = [0u8; 65536];
    while !stop.load(Ordering::Relaxed) {
        let mut pfd = libc::pollfd {
            fd,
            events: libc::POLLIN,
            revents: 0,
        };
        // SAFETY: one valid pollfd; a short timeout so that `stop` is seen
        if unsafe { libc::poll(&mut pfd, 1, 20) } <= 0 {
            continue;
        }
        // SAFETY: reading into a local buffer
        let n = unsafe { libc::read(fd, buf.as_mut_ptr().cast(), buf.len()) };
        if n < 0 && std::io::Error::last_os_error().kind() == std::io::ErrorKind::WouldBlock {
            continue;
        }
        if n <= 0 {
            return;
        }
        out.lock().unwrap().extend_from_slice(&buf[..n as usize]);
    }
}

/// utime + stime of a process, in seconds.
fn cpu_seconds(pid: i32) -> f64 {
    let Ok(s) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
        return 0.0;
    };
    // the fields after "(comm)": state is field 3, utime 14, stime 15
    let rest = &s[s.rfind(')').unwrap() + 2..];
    let f: Vec<&str> = rest.split(' ').collect();
    let ticks: u64 = f[11].parse::<u64>().unwrap() + f[12].parse::<u64>().unwrap();
    // SAFETY: sysconf has no preconditions
    let hz = unsafe { libc::sysconf(libc::_SC_CLK_TCK) } as f64;
    ticks as f64 / hz
}

/// The terminal was given back: the alternate screen and bracketed paste were left after
/// they were entered.
fn assert_restored(raw: &str, what: &str) {
    for (on, off) in [
        ("\x1b[?1049h", "\x1b[?1049l"),
        ("\x1b[?2004h", "\x1b[?2004l"),
    ] {
        let a = raw.rfind(on).unwrap_or_else(|| panic!("{what}: no {on:?}"));
        let b = raw
            .rfind(off)
            .unwrap_or_else(|| panic!("{what}: no {off:?}"));
        assert!(b > a, "{what}: {off:?} before {on:?}");
    }
}

/// What leaves a sequence incomplete: CSI, SS3, half a UTF-8 character, half a key in an
/// unfinished paste.
const INCOMPLETE: &[(&str, &[u8])] = &[
    ("ESC [", b"\x1b["),
    ("ESC O", b"\x1bO"),
    ("0xC3", b"\xc3"),
    ("ESC [ 1 ;", b"\x1b[1;"),
    ("unfinished paste", b"\x1b[200~d\xc4"),
];

/// The signal comes at once (the sequence still pending) and after 300 ms (a reader that
/// blocked waiting for the rest of the sequence would be blocked by then).
fn signal_after_incomplete_input(sig: i32, name: &str) {
    for (what, bytes) in INCOMPLETE {
        for pause in [0, 300] {
            let mut t = Pty::start(&["demo"], true);
            t.wait_for(GRID);
            t.write(bytes);
            std::thread::sleep(Duration::from_millis(pause));
            t.signal(sig);
            let what = format!("{name} {pause} ms after {what}");
            let (status, raw) = t.exit_within(SIGNAL_BOUND);
            assert_eq!(status.code(), Some(0), "{what}: {status:?}");
            assert_restored(&raw, &what);
        }
    }
}

#[test]
fn sigterm_after_an_incomplete_sequence_exits_0_and_restores_the_terminal() {
    signal_after_incomplete_input(libc::SIGTERM, "SIGTERM");
}

#[test]
fn sighup_after_an_incomplete_sequence_exits_0_and_restores_the_terminal() {
    signal_after_incomplete_input(libc::SIGHUP, "SIGHUP");
}

#[test]
fn sigint_after_an_incomplete_sequence_exits_0_and_restores_the_terminal() {
    signal_after_incomplete_input(libc::SIGINT, "SIGINT");
}

#[test]
fn a_hang_up_after_an_incomplete_sequence_ends_the_interface() {
    // with the pty as controlling terminal (SIGHUP too) and without (only the end of input)
    for controlling in [true, false] {
        for (what, bytes) in INCOMPLETE {
            let mut t = Pty::start(&["demo"], controlling);
            t.wait_for(GRID);
            t.write(bytes);
            std::thread::sleep(Duration::from_millis(300));
            t.hang_up();
            let (status, _) = t.exit_within(EXIT_BOUND);
            assert_eq!(
                status.code(),
                Some(0),
                "hang-up after {what} (controlling: {controlling}): {status:?}"
            );
        }
    }
}

fn paste(text: &str) -> Vec<u8> {
    [b"\x1b[200~", text.as_bytes(), b"\x1b[201~"].concat()
}

#[test]
fn a_100_kb_paste_into_the_filter_then_idle() {
    let mut t = Pty::start(&["demo"], true);
    t.wait_for(GRID);
    t.key("/");
    let text = format!("dinh tri\n{}", "Song Khê 2.636/2.693\n".repeat(5000));
    assert!(text.len() > 100_000);
    t.write(&paste(&text));
    let s = t.wait_for("Chỉ dán dòng đầu tiên");
    assert!(s.contains("/dinh tri"), "{s}");
    let s = t.wait_for("Dĩnh Trì");
    assert!(!s.contains("Song Khê"), "filtered:\n{s}");
    let cpu = t.idle_cpu();
    assert!(
        cpu < 0.3,
        "{cpu:.2} s of CPU in a second of idling after the paste"
    );
    // still answering keys: Enter ends the editing, so `q` quits
    t.key("\r");
    t.key("q");
    let (status, raw) = t.exit_within(EXIT_BOUND);
    assert!(status.success(), "{status:?}");
    assert_restored(&raw, "quit after a paste");
}

#[test]
fn a_burst_of_plain_keys_then_idle() {
    // a terminal without bracketed paste: 100 KB of keys into the filter
    let mut t = Pty::start(&["demo"], true);
    t.wait_for(GRID);
    t.key("/");
    t.write(&[b'x'; 100_000]);
    // the status line shows the end of the filter, and the cursor after it
    t.wait_for(&format!("{}▏", "x".repeat(40)));
    t.wait_for("Không có dòng nào khớp bộ lọc.");
    let cpu = t.idle_cpu();
    assert!(
        cpu < 0.3,
        "{cpu:.2} s of CPU in a second of idling after the burst"
    );
    // Esc gives the old (empty) filter back
    t.key("\x1b");
    t.wait_for("Dĩnh Trì");
    t.key("q");
    let (status, _) = t.exit_within(EXIT_BOUND);
    assert!(status.success(), "{status:?}");
}

fn cli(store: &Path, args: &[&str]) -> String {
    let out = Command::new(env!("CARGO_BIN_EXE_ntm"))
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

fn imported_store(dir: &Path) -> PathBuf {
    let store = dir.join("s");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures");
    for b in ["bac-giang", "sample"] {
        cli(&store, &["import", fixtures.join(b).to_str().unwrap()]);
    }
    store
}

/// From the grid to Song Khê (below the city's own row and two communes), criterion 17,
/// indicator 17.1a, and its edit form.
fn open_edit_form(t: &Pty) {
    t.wait_for(GRID);
    t.key("\x1b[B");
    t.key("\x1b[B");
    t.key("\x1b[B");
    for _ in 0..16 {
        t.key("\x1b[C");
    }
    t.key("\r");
    t.wait_for("Giá trị 2020: 2.6");
    t.key("e");
    t.wait_for("Sửa số liệu");
}

#[test]
fn a_100_kb_paste_into_a_note_then_idle_then_save() {
    let d = tempfile::tempdir().unwrap();
    let store = imported_store(d.path());
    let mut t = Pty::start(&["--store", store.to_str().unwrap()], true);
    open_edit_form(&t);
    // value, numerator, denominator, stated %, note
    for _ in 0..4 {
        t.key("\t");
    }
    t.key("\x15");
    let line = "ghi chú dán từ bảng tính ".repeat(4000);
    assert!(line.len() > 100_000);
    t.write(&paste(&line));
    t.wait_for("Phần dán quá dài, đã cắt bớt");
    let cpu = t.idle_cpu();
    assert!(
        cpu < 0.3,
        "{cpu:.2} s of CPU in a second of idling after the paste"
    );
    t.key("\r");
    t.wait_for("Đã lưu");
    t.key("q");
    let (status, _) = t.exit_within(EXIT_BOUND);
    assert!(status.success(), "{status:?}");
    let log = cli(&store, &["log", "--unit", "213-song-khe"]);
    assert!(
        log.contains("set_note") && log.contains("ghi chú dán từ bảng tính"),
        "{log}"
    );
    cli(&store, &["log", "verify"]);
}

#[test]
fn a_hang_up_while_saving_exits_and_the_store_opens_again() {
    let d = tempfile::tempdir().unwrap();
    let store = imported_store(d.path());
    for (controlling, numerator) in [(true, "2650"), (false, "2660")] {
        let mut t = Pty::start(&["--store", store.to_str().unwrap()], controlling);
        open_edit_form(&t);
        t.key("\t");
        t.key("\x15");
        t.key(numerator);
        t.key("\x1b[A");
        t.key("\x1b[A");
        t.key("mất kết nối khi đang lưu");
        // Enter, and the connection drops at once
        t.write(b"\r");
        t.hang_up();
        let (status, _) = t.exit_within(Duration::from_secs(10));
        assert_eq!(status.code(), Some(0), "controlling: {controlling}");
        // whether the edit made it or not, the store opens and its log verifies
        cli(&store, &["log", "verify"]);
        cli(&store, &["check", "--fail-on", "none"]);
    }
}

#[test]
fn a_resize_redraws_at_the_new_size() {
    let mut t = Pty::start(&["demo"], true);
    t.wait_for(GRID);
    t.resize(8, 30);
    t.wait_for("Cửa sổ quá nhỏ");
    t.resize(24, 80);
    t.wait_for(GRID);
    t.key("q");
    let (status, _) = t.exit_within(EXIT_BOUND);
    assert!(status.success(), "{status:?}");
}
