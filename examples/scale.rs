//! In-process measurements of the terminal interface over a store (see PERFORMANCE.md):
//!
//!     cargo run --release --example scale -- STORE_DIR
//!
//! Prints one JSON object: cold open → first grid frame (ms), keystroke → frame p50/p99 (ms)
//! for move, page, drill in (and back) and filter one character on a 200×60 TestBackend, and
//! bytes written to a real (crossterm) backend per cursor move and per page at 200×60. Times
//! are given as wall clock and as this thread's CPU time (the latter is what an idle machine
//! would see when other processes compete for the cores).

use std::io::Write;
use std::time::Instant;

use crossterm::event::{KeyCode, KeyEvent, KeyModifiers};
use ratatui::backend::{CrosstermBackend, TestBackend};
use ratatui::layout::Rect;
use ratatui::{Terminal, TerminalOptions, Viewport};

fn cpu_ms() -> f64 {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes into the timespec we own
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    ts.tv_sec as f64 * 1e3 + ts.tv_nsec as f64 / 1e6
}

/// Bytes written to the terminal.
#[derive(Default)]
struct Counting(std::rc::Rc<std::cell::Cell<usize>>);

impl Write for Counting {
    fn write(&mut self, b: &[u8]) -> std::io::Result<usize> {
        self.0.set(self.0.get() + b.len());
        Ok(b.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

fn key(c: KeyCode) -> KeyEvent {
    KeyEvent::new(c, KeyModifiers::NONE)
}

fn pct(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    if v.is_empty() {
        return 0.0;
    }
    v[((v.len() - 1) as f64 * p).round() as usize]
}

fn main() -> anyhow::Result<()> {
    let dir = std::env::args().nth(1).expect("usage: scale STORE_DIR");
    let settings = ntm::tui::Settings::default();
    let opts = ntm::tui::options(&settings);

    // cold open → first frame
    let (w0, c0) = (Instant::now(), cpu_ms());
    let store = ntm::store::Store::open(std::path::Path::new(&dir), true)?;
    let open_cpu = cpu_ms() - c0;
    let km = ntm::tui::load_keymap(&settings)?;
    let c1 = cpu_ms();
    let q = ntm::query::Query::new(&store)?;
    let query_new_cpu = cpu_ms() - c1;
    drop(q);
    let mut app = ntm::tui::app::App::new(&store, opts, km)?;
    let mut term = Terminal::new(TestBackend::new(200, 60))?;
    ntm::tui::draw(&mut term, &app)?;
    let first_wall = w0.elapsed().as_secs_f64() * 1e3;
    let first_cpu = cpu_ms() - c0;

    // keystroke → frame
    let mut out = serde_json::Map::new();
    let mut run = |name: &str, keys: &[Vec<KeyEvent>], app: &mut ntm::tui::app::App| {
        let (mut wall, mut cpu) = (Vec::new(), Vec::new());
        for seq in keys {
            for k in seq {
                let (w, c) = (Instant::now(), cpu_ms());
                app.on_key(*k);
                ntm::tui::draw(&mut term, app).unwrap();
                wall.push(w.elapsed().as_secs_f64() * 1e3);
                cpu.push(cpu_ms() - c);
            }
        }
        out.insert(
            name.into(),
            serde_json::json!({
                "n": wall.len(),
                "wall_p50_ms": pct(&mut wall, 0.5), "wall_p99_ms": pct(&mut wall, 0.99),
                "cpu_p50_ms": pct(&mut cpu, 0.5), "cpu_p99_ms": pct(&mut cpu, 0.99),
            }),
        );
    };
    let n = 200;
    let downs: Vec<Vec<KeyEvent>> = (0..n)
        .map(|i| {
            vec![key(if i % 40 < 20 {
                KeyCode::Down
            } else {
                KeyCode::Up
            })]
        })
        .collect();
    run("move", &downs, &mut app);
    let pages: Vec<Vec<KeyEvent>> = (0..n)
        .map(|i| {
            vec![key(if i % 2 == 0 {
                KeyCode::PageDown
            } else {
                KeyCode::PageUp
            })]
        })
        .collect();
    run("page", &pages, &mut app);
    let drills: Vec<Vec<KeyEvent>> = (0..n / 2)
        .map(|_| vec![key(KeyCode::Enter), key(KeyCode::Esc)])
        .collect();
    run("drill_in_and_back", &drills, &mut app);
    let letters = ['a', 'h', 'n', 't', 'b', 'm'];
    let filters: Vec<Vec<KeyEvent>> = (0..n / 2)
        .map(|i| {
            vec![
                key(KeyCode::Char('/')),
                key(KeyCode::Char(letters[i % letters.len()])),
                key(KeyCode::Esc),
                key(KeyCode::Esc),
            ]
        })
        .collect();
    run("filter_one_char", &filters, &mut app);

    // bytes to the terminal per cursor move and per page, on a crossterm backend
    let counter = Counting::default();
    let bytes = counter.0.clone();
    let mut ct = Terminal::with_options(
        CrosstermBackend::new(counter),
        TerminalOptions {
            viewport: Viewport::Fixed(Rect::new(0, 0, 200, 60)),
        },
    )?;
    ntm::tui::draw(&mut ct, &app)?;
    let full = bytes.get();
    let mut per = |k: KeyCode, count: usize| -> anyhow::Result<f64> {
        let before = bytes.get();
        for i in 0..count {
            let k = match (k, i % 2) {
                (KeyCode::PageDown, 1) => KeyCode::PageUp,
                (KeyCode::Down, _) if i % 20 >= 10 => KeyCode::Up,
                _ => k,
            };
            app.on_key(key(k));
            ntm::tui::draw(&mut ct, &app)?;
        }
        Ok((bytes.get() - before) as f64 / count as f64)
    };
    let per_move = per(KeyCode::Down, 100)?;
    let per_page = per(KeyCode::PageDown, 100)?;

    let r = serde_json::json!({
        "store": dir,
        "first_frame_wall_ms": first_wall,
        "first_frame_cpu_ms": first_cpu,
        "of_which_store_open_cpu_ms": open_cpu,
        "query_new_cpu_ms": query_new_cpu,
        "keys": out,
        "bytes_full_frame": full,
        "bytes_per_move": per_move,
        "bytes_per_page": per_page,
        "vm_hwm_kb": std::fs::read_to_string("/proc/self/status")?
            .lines()
            .find(|l| l.starts_with("VmHWM"))
            .and_then(|l| l.split_whitespace().nth(1).map(str::to_string)),
    });
    println!("{}", serde_json::to_string_pretty(&r)?);
    Ok(())
}
