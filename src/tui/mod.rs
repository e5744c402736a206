//! The terminal interface: app state (`app`), actions and keymaps as data (`action`,
//! `keymap`), one module per screen, and the loop here that owns the terminal.
//!
//! The loop blocks on input and redraws only after something changed. It reads the terminal
//! itself with poll(2) and decodes keys and pastes in `input` (crossterm only draws): an
//! incomplete sequence, a hang-up or a paste of any size can never leave it blocked in a read
//! or spinning. The terminal is restored on normal exit, on panic (hook) and on
//! SIGTERM/SIGHUP/SIGINT (signal flag). No terminal queries are sent at start-up.

pub mod action;
pub mod app;
pub mod audit;
pub mod detail;
pub mod findings;
pub mod form;
pub mod grid;
pub mod help;
pub mod indicator;
pub mod input;
pub mod keymap;
pub mod picker;
pub mod plan;
pub mod review;
pub mod theme;
pub mod ui;
#[cfg(unix)]
mod watch;

use std::io::{IsTerminal, Write};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use anyhow::{Result, bail};
use ratatui::Terminal;
use ratatui::backend::Backend;
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

/// Bracketed paste on and off (xterm's mode 2004): a paste then comes as one input.
const PASTE_ON: &[u8] = b"\x1b[?2004h";
const PASTE_OFF: &[u8] = b"\x1b[?2004l";

/// Give the terminal back: raw mode off, bracketed paste off, main screen, cursor shown.
fn restore_terminal() {
    let _ = terminal::disable_raw_mode();
    let mut out = std::io::stdout();
    let _ = out.write_all(PASTE_OFF);
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

    let signals = Signals::register()?;
    let prev = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        restore_terminal();
        prev(info);
    }));

    terminal::enable_raw_mode()?;
    let mut out = std::io::stdout();
    if let Err(e) = execute!(out, terminal::EnterAlternateScreen, cursor::Hide)
        .and_then(|()| out.write_all(PASTE_ON))
        .and_then(|()| out.flush())
    {
        restore_terminal();
        return Err(e.into());
    }
    let result = (|| -> Result<Ended> {
        let mut term = Terminal::new(CrosstermBackend::new(std::io::stdout()))?;
        let ended = event_loop(&mut term, &mut app, &signals)?;
        if ended == Ended::HangUp {
            // the terminal is gone: ratatui's drop would report the cursor it cannot show on
            // stderr — the same dead terminal — and panic doing so
            std::mem::forget(term);
        }
        Ok(ended)
    })();
    match result {
        // nothing can be written to a terminal that is gone (nor is there anyone to read it)
        Ok(Ended::HangUp) => {
            let _ = terminal::disable_raw_mode();
        }
        _ => restore_terminal(),
    }
    let _ = std::panic::take_hook();
    drop(signals);
    result.map(|_| ())
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

/// SIGTERM, SIGHUP and SIGINT stop the interface; SIGWINCH redraws it. Each also writes a
/// byte to `wake`, which the loop polls beside the terminal: a signal handled on another
/// thread (sled has some) or just before poll(2) still wakes it.
#[cfg(unix)]
struct Signals {
    stop: Arc<AtomicBool>,
    resized: Arc<AtomicBool>,
    wake: std::os::unix::net::UnixStream,
    ids: Vec<signal_hook::SigId>,
}

#[cfg(unix)]
impl Signals {
    fn register() -> Result<Signals> {
        use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM, SIGWINCH};
        let (wake, tx) = std::os::unix::net::UnixStream::pair()?;
        wake.set_nonblocking(true)?;
        let stop = Arc::new(AtomicBool::new(false));
        let resized = Arc::new(AtomicBool::new(false));
        let mut ids = Vec::new();
        for (sig, flag) in [
            (SIGTERM, &stop),
            (SIGHUP, &stop),
            (SIGINT, &stop),
            (SIGWINCH, &resized),
        ] {
            // the flag first: the loop, once woken, must find it set
            ids.push(signal_hook::flag::register(sig, Arc::clone(flag))?);
            ids.push(signal_hook::low_level::pipe::register(
                sig,
                tx.try_clone()?,
            )?);
        }
        Ok(Signals {
            stop,
            resized,
            wake,
            ids,
        })
    }

    /// Empty the wake-up socket.
    fn drain(&self) {
        let mut buf = [0u8; 64];
        while matches!(std::io::Read::read(&mut &self.wake, &mut buf), Ok(n) if n > 0) {}
    }
}

#[cfg(unix)]
impl Drop for Signals {
    fn drop(&mut self) {
        // the handlers write to the socket, which is closed with us
        for id in self.ids.drain(..) {
            signal_hook::low_level::unregister(id);
        }
    }
}

/// What woke the loop.
#[cfg(unix)]
enum Woke {
    Input,
    /// The pending sequence's timeout passed without input.
    Quiet,
    Signal,
    HangUp,
    /// Another process committed to the store.
    Changed,
    /// Something else happened in the store's folder.
    Nothing,
}

/// The most read from the terminal before the inputs are handled and the screen drawn.
#[cfg(unix)]
const READ_ROUND: usize = 1 << 20;

/// Block until the terminal has input or hangs up, a signal arrives, or `timeout` passes
/// (None: no timeout, so an idle interface uses no CPU).
#[cfg(unix)]
fn wait(
    sig: &Signals,
    watch: Option<&watch::Watch>,
    timeout: Option<Duration>,
) -> std::io::Result<Woke> {
    use std::os::fd::AsRawFd;
    let mut fds = [
        libc::pollfd {
            fd: 0,
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            fd: sig.wake.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        },
        libc::pollfd {
            // a negative descriptor is left out by poll(2)
            fd: watch.map_or(-1, |w| w.raw()),
            events: libc::POLLIN,
            revents: 0,
        },
    ];
    // rounded up: waking a little early would cut a sequence short
    let ms = timeout.map_or(-1, |t| t.as_micros().div_ceil(1000).min(60_000) as i32);
    // SAFETY: three valid pollfds on descriptors we hold (or -1)
    let r = unsafe { libc::poll(fds.as_mut_ptr(), 3, ms) };
    if r < 0 {
        let e = std::io::Error::last_os_error();
        return if e.kind() == std::io::ErrorKind::Interrupted {
            Ok(Woke::Signal)
        } else {
            Err(e)
        };
    }
    if r == 0 {
        return Ok(Woke::Quiet);
    }
    if fds[1].revents != 0 {
        sig.drain();
        return Ok(Woke::Signal);
    }
    if fds[0].revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0 {
        return Ok(Woke::HangUp);
    }
    if fds[0].revents == 0 && fds[2].revents != 0 {
        return Ok(match watch.is_some_and(|w| w.drain()) {
            true => Woke::Changed,
            false => Woke::Nothing,
        });
    }
    Ok(Woke::Input)
}

/// The terminal has hung up (checked without waiting).
#[cfg(unix)]
fn terminal_gone() -> bool {
    let mut pfd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on our own stdin
    let r = unsafe { libc::poll(&mut pfd, 1, 0) };
    r > 0 && pfd.revents & (libc::POLLHUP | libc::POLLERR | libc::POLLNVAL) != 0
}

/// Read what the terminal has (poll(2) said it has some, so the first read does not block;
/// further reads only while poll still says so). False at the end of input: read() gave 0
/// or an error — a hung-up terminal, never something to retry.
#[cfg(unix)]
fn read_input(buf: &mut [u8], dec: &mut input::Decoder, out: &mut Vec<input::Input>) -> bool {
    let mut total = 0;
    loop {
        // SAFETY: reading into a buffer we own, at most its length
        let n = unsafe { libc::read(0, buf.as_mut_ptr().cast(), buf.len()) };
        if n == 0 {
            return false;
        }
        if n < 0 {
            let e = std::io::Error::last_os_error();
            return matches!(
                e.kind(),
                std::io::ErrorKind::Interrupted | std::io::ErrorKind::WouldBlock
            );
        }
        dec.feed(&buf[..n as usize], out);
        total += n as usize;
        if total >= READ_ROUND || !readable_now() {
            return true;
        }
    }
}

#[cfg(unix)]
fn readable_now() -> bool {
    let mut pfd = libc::pollfd {
        fd: 0,
        events: libc::POLLIN,
        revents: 0,
    };
    // SAFETY: one valid pollfd on our own stdin
    let r = unsafe { libc::poll(&mut pfd, 1, 0) };
    r > 0 && pfd.revents & libc::POLLIN != 0
}

/// Hand decoded inputs to the app; true when something changed. A run of plain characters
/// typed into a text field is inserted at once (a burst from a terminal without bracketed
/// paste filters once, not once per character).
pub fn deliver(app: &mut App, inputs: &mut Vec<input::Input>) -> bool {
    use ratatui::crossterm::event::{KeyCode, KeyModifiers};
    let plain = |i: &input::Input| match i {
        input::Input::Key(k)
            if !k
                .modifiers
                .intersects(KeyModifiers::CONTROL | KeyModifiers::ALT) =>
        {
            match k.code {
                KeyCode::Char(c) => Some(c),
                _ => None,
            }
        }
        _ => None,
    };
    let mut dirty = false;
    let mut i = 0;
    while i < inputs.len() && !app.quit {
        if app.takes_text() && plain(&inputs[i]).is_some() {
            let mut run = String::new();
            while let Some(c) = inputs.get(i).and_then(plain) {
                run.push(c);
                i += 1;
            }
            dirty |= app.on_text(&run);
            continue;
        }
        match &inputs[i] {
            input::Input::Key(k) => dirty |= app.on_key(*k),
            input::Input::Paste(p) => dirty |= app.on_paste(p),
        }
        i += 1;
    }
    inputs.clear();
    dirty
}

#[cfg(unix)]
fn event_loop<B: Backend>(term: &mut Terminal<B>, app: &mut App, sig: &Signals) -> Result<Ended>
where
    B::Error: Send + Sync + 'static,
{
    let mut dec = input::Decoder::new();
    let mut inputs = Vec::new();
    let mut buf = vec![0u8; 64 * 1024];
    let mut last_input = std::time::Instant::now();
    let mut dirty = true;
    // a commit elsewhere wakes the loop at once (the 2 s look stays as the fallback)
    let watch = if app.store.watches() {
        watch::Watch::new(app.store.path())
    } else {
        None
    };
    loop {
        if sig.stop.load(Ordering::Relaxed) {
            return Ok(if terminal_gone() {
                Ended::HangUp
            } else {
                Ended::Normally
            });
        }
        if sig.resized.swap(false, Ordering::Relaxed) {
            dirty = true;
        }
        if dirty {
            if let Err(e) = draw(term, app) {
                // a terminal that hung up while the app was busy
                if terminal_gone() {
                    return Ok(Ended::HangUp);
                }
                return Err(e.into());
            }
            dirty = false;
            // lets the end-to-end tests check that a panic restores the terminal
            if std::env::var_os("NTM_TUI_TEST_PANIC").is_some() {
                panic!("panic requested by NTM_TUI_TEST_PANIC");
            }
        }
        // hold the store while keys keep coming (re-opening a national store costs ~0.1 s),
        // let go once the person pauses or after a while, so others get their turn; idle,
        // look every 2 s for their writes
        let quiet = last_input.elapsed();
        let release_in = match app.store.held_for() {
            Some(held) if quiet >= RELEASE_IDLE || held >= RELEASE_HELD => {
                app.before_idle();
                None
            }
            Some(_) => Some(RELEASE_IDLE.saturating_sub(quiet)),
            None => None,
        };
        let timeout = dec
            .pending()
            .map(|p| p.timeout().saturating_sub(last_input.elapsed()))
            .or(app.store.watches().then_some(WATCH_EVERY))
            .map(|t| release_in.map_or(t, |r| t.min(r)));
        match wait(sig, watch.as_ref(), timeout)? {
            Woke::Input => {
                if !read_input(&mut buf, &mut dec, &mut inputs) {
                    return Ok(Ended::HangUp);
                }
                last_input = std::time::Instant::now();
            }
            Woke::Quiet => dec.timeout(&mut inputs),
            Woke::Signal | Woke::Changed | Woke::Nothing => {}
            Woke::HangUp => return Ok(Ended::HangUp),
        }
        dirty |= deliver(app, &mut inputs);
        if app.quit {
            return Ok(Ended::Normally);
        }
        dirty |= app.check_external();
    }
}

/// How often an idle interface looks for writes by other processes (a read of one small
/// file; the store itself stays closed).
#[cfg(unix)]
const WATCH_EVERY: Duration = Duration::from_secs(2);

/// The interface lets go of the store this long after the last key...
#[cfg(unix)]
const RELEASE_IDLE: Duration = Duration::from_millis(300);

/// ...and after holding it this long even while keys keep coming (others wait at most this,
/// plus one key's work).
#[cfg(unix)]
const RELEASE_HELD: Duration = Duration::from_secs(2);

/// Elsewhere than Unix: crossterm's own input, stopped by the signal flag.
#[cfg(not(unix))]
struct Signals {
    stop: Arc<AtomicBool>,
}

#[cfg(not(unix))]
impl Signals {
    fn register() -> Result<Signals> {
        let stop = Arc::new(AtomicBool::new(false));
        for sig in [signal_hook::consts::SIGTERM, signal_hook::consts::SIGINT] {
            signal_hook::flag::register(sig, Arc::clone(&stop))?;
        }
        Ok(Signals { stop })
    }
}

#[cfg(not(unix))]
fn event_loop<B: Backend>(term: &mut Terminal<B>, app: &mut App, sig: &Signals) -> Result<Ended>
where
    B::Error: Send + Sync + 'static,
{
    let mut dirty = true;
    while !app.quit && !sig.stop.load(Ordering::Relaxed) {
        if dirty {
            draw(term, app)?;
            dirty = false;
        }
        if event::poll(Duration::from_secs(1))? {
            match event::read()? {
                Event::Key(k) if k.kind == KeyEventKind::Press => dirty |= app.on_key(k),
                Event::Resize(..) => dirty = true,
                _ => {}
            }
        }
    }
    Ok(Ended::Normally)
}
