//! The terminal interface: app state (`app`), actions and keymaps as data (`action`,
//! `keymap`), one module per screen, and the loop here that owns the terminal.
//!
//! The loop blocks on input and redraws only after something changed. The terminal is
//! restored on normal exit, on panic (hook) and on SIGTERM/SIGHUP/SIGINT (signal flag).
//! No terminal queries are sent at start-up.

pub mod action;
pub mod app;
pub mod audit;
pub mod detail;
pub mod findings;
pub mod form;
pub mod grid;
pub mod help;
pub mod indicator;
pub mod keymap;
pub mod picker;
pub mod review;
pub mod theme;
pub mod ui;

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use ratatui::Terminal;
use ratatui::backend::Backend;
use ratatui::crossterm::event::{self, Event, KeyEventKind};
use ratatui::crossterm::{cursor, execute, terminal};
use ratatui::prelude::CrosstermBackend;

pub use app::{App, Options};
pub use keymap::{Keymap, KeymapError};

/// Settings from the command line and the environment.
#[derive(Clone, Debug, Default)]
pub struct Settings {
    pub lang: crate::i18n::Lang,
    pub keymap: Option<String>,
    pub no_color: bool,
    pub ascii: bool,
    pub read_only: bool,
    /// `--lang` was given (so the config file's `lang` does not apply).
    pub lang_explicit: bool,
}

/// Resolve the drawing options: `NO_COLOR` (any non-empty value) and a non-UTF-8 locale are
/// honoured here.
pub fn options(s: &Settings) -> Options {
    let no_color_env = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
    Options {
        lang: s.lang,
        ascii: s.ascii || !theme::locale_is_utf8(),
        color: !(s.no_color || no_color_env),
        read_only: s.read_only,
    }
}

/// The user's config file: $XDG_CONFIG_HOME/ntm/config.toml (else ~/.config/ntm/config.toml).
pub fn config_path() -> Option<std::path::PathBuf> {
    let dir = match std::env::var_os("XDG_CONFIG_HOME").filter(|x| !x.is_empty()) {
        Some(x) => std::path::PathBuf::from(x),
        None => std::path::PathBuf::from(std::env::var_os("HOME").filter(|x| !x.is_empty())?)
            .join(".config"),
    };
    Some(dir.join("ntm").join("config.toml"))
}

/// Fill what the command line left open from the config file: `keymap = "vim"` (a name or
/// a file, relative to the config directory) and `lang = "en"`. A config that cannot be read
/// as TOML, or a setting of the wrong type, is an error naming the file.
pub fn apply_config(s: &mut Settings) -> Result<()> {
    let Some(path) = config_path() else {
        return Ok(());
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(());
    };
    // the parser's message may quote the file: keep it short (main sanitises every error)
    let v: toml::Table = toml::from_str(&text).map_err(|e| {
        let line = e.span().map_or(1, |s| {
            text[..s.start.min(text.len())].matches('\n').count() + 1
        });
        anyhow::anyhow!(
            "{}:{line}: {}",
            path.display(),
            crate::text::excerpt_n(e.message().trim(), crate::text::MESSAGE_CHARS)
        )
    })?;
    if s.keymap.is_none() {
        match v.get("keymap") {
            None => {}
            Some(toml::Value::String(k)) => {
                let dir = path.parent().expect("config path has a directory");
                s.keymap = Some(
                    if keymap::builtin(k).is_some() || std::path::Path::new(k).is_absolute() {
                        k.clone()
                    } else {
                        dir.join(k).to_string_lossy().into_owned()
                    },
                );
            }
            Some(_) => bail!(
                "{}: `keymap` must be a string (default, vim, emacs or a file)",
                path.display()
            ),
        }
    }
    if !s.lang_explicit {
        match v.get("lang") {
            None => {}
            Some(toml::Value::String(l)) if crate::i18n::Lang::parse(l).is_some() => {
                s.lang = crate::i18n::Lang::parse(l).expect("checked");
            }
            Some(_) => bail!("{}: `lang` must be \"vi\" or \"en\"", path.display()),
        }
    }
    Ok(())
}

/// The active keymap for these settings (after `apply_config`).
pub fn load_keymap(s: &Settings) -> Result<Keymap, KeymapError> {
    Keymap::load(s.keymap.as_deref())
}

/// Refuse terminals the interface cannot run on, with a message saying what to use instead.
pub fn check_terminal() -> Result<()> {
    if std::env::var("TERM").is_ok_and(|t| t == "dumb") {
        bail!(
            "TERM=dumb: this terminal cannot show the interface; use `ntm grid` or `ntm check` for text output"
        );
    }
    if !std::io::stdout().is_terminal() || !std::io::stdin().is_terminal() {
        bail!(
            "not a terminal: the interface needs one; use `ntm grid` or `ntm check` for text output"
        );
    }
    Ok(())
}

fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = execute!(out, terminal::LeaveAlternateScreen, cursor::Show);
    let _ = out.flush();
}

/// Run the interface on a store until the user quits or a signal arrives. Given `&mut Store`
/// the interface can edit, flag, undo and mark audits (unless read-only); given `&Store` it
/// only shows. The store is the caller's: it is dropped (and flushed) by the caller after the
/// terminal is restored; every write is flushed as it is made.
pub fn run<'s>(store: impl Into<app::StoreRef<'s>>, s: &Settings) -> Result<()> {
    let mut s = s.clone();
    apply_config(&mut s)?;
    // a bad keymap is reported even where the interface could not start
    let km = load_keymap(&s)?;
    check_terminal()?;
    let opts = options(&s);
    let mut app = App::new(store, opts, km)?;

    let stop = Arc::new(AtomicBool::new(false));
    #[cfg(unix)]
    let signals = [
        signal_hook::consts::SIGTERM,
        signal_hook::consts::SIGHUP,
        signal_hook::consts::SIGINT,
    ];
    #[cfg(not(unix))]
    let signals = [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT];
    for sig in signals {
        signal_hook::flag::register(sig, Arc::clone(&stop))?;
    }
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        prev(info);
    }));

    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide) {
        restore_terminal();
        return Err(e.into());
    }
    let result = (|| -> Result<()> {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        let ended = event_loop(&mut term, &mut app, &stop)?;
        if ended == Ended::HangUp {
            // the terminal is gone: ratatui's drop would report the cursor it cannot show on
            // stderr — the same dead terminal — and panic doing so
            std::mem::forget(term);
        }
        Ok(())
    })();
    restore_terminal();
    let _ = std::panic::take_hook();
    result
}

/// Draw one frame, then apply the colour and ASCII passes.
pub fn draw<B: Backend>(term: &mut Terminal<B>, app: &App) -> std::result::Result<(), B::Error> {
    term.draw(|f| {
        ui::draw(f, app);
        let buf = f.buffer_mut();
        if !app.opts.color {
            theme::strip_colors(buf);
        }
        if app.opts.ascii {
            theme::asciify(buf);
        }
    })?;
    Ok(())
}

/// Why the interface stopped.
#[derive(Debug, PartialEq, Eq)]
enum Ended {
    /// Quit, or a signal.
    Normally,
    /// The terminal went away (a dropped SSH connection).
    HangUp,
}

fn event_loop<B: Backend>(term: &mut Terminal<B>, app: &mut App, stop: &AtomicBool) -> Result<Ended>
where
    B::Error: Send + Sync + 'static,
{
    let mut dirty = true;
    while !app.quit && !stop.load(Ordering::Relaxed) {
        if dirty {
            draw(term, app)?;
            dirty = false;
            // lets the end-to-end tests check that a panic restores the terminal
            if std::env::var_os("NTM_TUI_TEST_PANIC").is_some() {
                panic!("panic requested by NTM_TUI_TEST_PANIC");
            }
        }
        // handle every event crossterm already holds, then sleep on the terminal itself
        while event::poll(Duration::ZERO)? {
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => dirty |= app.on_key(k),
                Event::Resize(..) => dirty = true,
                _ => {}
            }
            if app.quit {
                return Ok(Ended::Normally);
            }
        }
        if dirty {
            continue;
        }
        match wait_for_input()? {
            Wait::Input | Wait::Nothing => {}
            // the SSH connection (the terminal) is gone: nothing more will come, stop as on SIGHUP
            Wait::HangUp => return Ok(Ended::HangUp),
        }
    }
    Ok(Ended::Normally)
}

enum Wait {
    Input,
    /// A signal or the timeout.
    Nothing,
    HangUp,
}

/// Block until the terminal has input, hangs up, or a signal arrives (poll(2) returns on a
/// signal, so SIGTERM/SIGHUP are noticed at once; the timeout is only a safety net). crossterm's
/// own poll spins on a hung-up terminal, so the hangup is detected here.
#[cfg(unix)]
fn wait_for_input() -> std::io::Result<Wait> {
    let mut pfd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on our own stdin
    let r = unsafe { libc::poll(&mut pfd, 1, 5_000) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        return if e.kind() == std::io::ErrorKind::Interrupted {
            Ok(Wait::Nothing)
        } else {
            Err(e)
        };
    }
    if r == 0 {
        return Ok(Wait::Nothing);
    }
    if pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return Ok(Wait::HangUp);
    }
    Ok(Wait::Input)
}

#[cfg(not(unix))]
fn wait_for_input() -> std::io::Result<Wait> {
    Ok(if event::poll(Duration::from_secs(1))? {
        Wait::Input
    } else {
        Wait::Nothing
    })
}
