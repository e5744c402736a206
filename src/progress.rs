//! A hand-written progress bar for long CLI work (`import`, `export`, `gen`, `check`): drawn on
//! stderr only when stderr is a terminal, at most ten times a second, and erased when done.
//! When stderr is piped or redirected nothing at all is written.

use std::io::{IsTerminal, Write};
use std::time::{Duration, Instant};

pub struct Progress {
    label: String,
    total: u64,
    done: u64,
    on: bool,
    started: Instant,
    last: Option<Instant>,
}

impl Progress {
    /// A bar for `total` steps, shown only when stderr is a terminal.
    pub fn new(label: &str, total: u64) -> Progress {
        Progress::with(label, total, std::io::stderr().is_terminal())
    }

    /// A bar that is never drawn (for library callers and tests).
    pub fn hidden() -> Progress {
        Progress::with("", 0, false)
    }

    fn with(label: &str, total: u64, on: bool) -> Progress {
        Progress {
            label: label.to_string(),
            total,
            done: 0,
            on,
            started: Instant::now(),
            last: None,
        }
    }

    pub fn set_label(&mut self, label: &str, total: u64) {
        self.label = label.to_string();
        self.total = total;
        self.done = 0;
        self.last = None;
        self.draw(false);
    }

    pub fn set_total(&mut self, total: u64) {
        self.total = total;
    }

    pub fn inc(&mut self, n: u64) {
        self.set(self.done + n);
    }

    pub fn set(&mut self, done: u64) {
        self.done = done;
        self.draw(false);
    }

    fn draw(&mut self, force: bool) {
        if !self.on {
            return;
        }
        let now = Instant::now();
        // the first draw waits a little: quick work shows no bar at all
        if !force
            && (now.duration_since(self.started) < Duration::from_millis(300)
                || self
                    .last
                    .is_some_and(|t| now.duration_since(t) < Duration::from_millis(100)))
        {
            return;
        }
        self.last = Some(now);
        let width = 30usize;
        let frac = if self.total == 0 {
            0.0
        } else {
            (self.done as f64 / self.total as f64).min(1.0)
        };
        let filled = (frac * width as f64).round() as usize;
        let secs = now.duration_since(self.started).as_secs_f64();
        let line = format!(
            "\r\x1b[2K{} [{}{}] {:>3}% {}/{} {:.0}s",
            self.label,
            "#".repeat(filled),
            "-".repeat(width - filled),
            (frac * 100.0) as u32,
            self.done,
            self.total,
            secs
        );
        let mut e = std::io::stderr().lock();
        let _ = e.write_all(line.as_bytes());
        let _ = e.flush();
    }

    /// Erase the bar (if one was drawn).
    pub fn finish(&mut self) {
        if self.on && self.last.is_some() {
            let mut e = std::io::stderr().lock();
            let _ = e.write_all(b"\r\x1b[2K");
            let _ = e.flush();
        }
        self.on = false;
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.finish();
    }
}
