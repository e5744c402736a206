//! Command line: parsing (clap derive), dispatch, and mapping errors to exit codes
//! (0 ok, 1 findings at or above --fail-on, 2 usage or data error).

/// `println!` for text holding anything from a file or the store (ids, names, paths, keys):
/// every line sanitised, so no escape sequence reaches the terminal.
macro_rules! say {
    ($($t:tt)*) => {
        println!("{}", $crate::text::sanitize_lines(&format!($($t)*)))
    };
}

/// `eprintln!` with the same sanitising as `say!`.
macro_rules! say_err {
    ($($t:tt)*) => {
        eprintln!("{}", $crate::text::sanitize_lines(&format!($($t)*)))
    };
}

pub mod audit;
pub mod check;
mod check_filter;
mod checklist;
pub mod demo;
mod dissolved;
mod export;
mod fw;
mod generate;
mod grid;
mod import;
mod log;
mod merges;
mod plan;
mod report;
mod set;
mod template;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

use crate::i18n::Lang;
use crate::store::{Store, StoreError};

#[derive(Parser, Debug)]
#[command(name = "ntm", version, about = "Criteria grid, drill-down and findings for New Rural Development (Nông thôn mới) data", long_about = None)]
pub struct Cli {
    /// Store directory (default: $NTM_STORE, else $XDG_DATA_HOME/ntm or ~/.local/share/ntm)
    #[arg(long, global = true, env = "NTM_STORE", value_name = "DIR")]
    pub store: Option<PathBuf>,
    /// Open the store without any write path
    #[arg(long, global = true)]
    pub read_only: bool,
    /// Seconds to wait for another ntm process to let go of the store before giving up
    /// (commands and the interface hold it only while they read or write)
    #[arg(long, global = true, value_name = "SECONDS", default_value_t = 10.0, value_parser = parse_wait)]
    pub wait: f64,
    /// Language of the text output and the interface: vi or en
    #[arg(long, global = true, value_name = "LANG", default_value = "vi", value_parser = ["vi", "en"])]
    pub lang: String,
    /// Keymap of the interface: default, vim, emacs, or a TOML file overriding some actions
    #[arg(long, global = true, value_name = "NAME|FILE")]
    pub keymap: Option<String>,
    /// No colours in the interface (also when NO_COLOR is set)
    #[arg(long, global = true)]
    pub no_color: bool,
    /// ASCII glyphs and borders in the interface (automatic when the locale is not UTF-8)
    #[arg(long)]
    pub ascii: bool,
    #[command(subcommand)]
    pub cmd: Option<Cmd>,
}

#[derive(Subcommand, Debug)]
pub enum Cmd {
    /// Load a bundle folder (units.csv, observations.csv, recognitions.csv); all or nothing
    Import(import::Args),
    /// Write the store as a bundle folder
    Export(export::Args),
    /// Administrative history: import, export or list merges (old unit → new unit)
    Merges(merges::Args),
    /// Evaluate the store and print findings (exit 1 when any reaches --fail-on)
    Check(check::Args),
    /// Write an empty data-entry workbook (.xlsx) for a district's communes
    Template(template::Args),
    /// Change one observation's figures, note, source or follow-up flag (logged)
    Set(set::Args),
    /// Undo a logged change (the undo is logged too)
    Undo(set::UndoArgs),
    /// Show the change log, or verify its hash chain (`ntm log verify`)
    Log(log::Args),
    /// Spot audits: sample, show, mark, report
    Audit(audit::Args),
    /// The way to the standard: what each commune still needs (households, km, points ...),
    /// when it would get there at its pace, communes ranked by closeness
    Plan(plan::Args),
    /// Print the appendix comparison table of a district or province (text, md, csv)
    Report(report::Args),
    /// Print the criteria grid of a district or province as text
    Grid(grid::Args),
    /// List, show or add criteria frameworks
    Framework(fw::Args),
    /// Open ntm on a temporary store loaded with the bundled sample data
    Demo(demo::Args),
    /// Generate the synthetic sample bundle (deterministic for a seed)
    Gen(generate::Args),
    /// Print the interface's keys as a Markdown table (for the active --keymap)
    Keys,
}

fn parse_wait(s: &str) -> Result<f64, String> {
    match s.trim().parse::<f64>() {
        Ok(x) if x.is_finite() && (0.0..=86_400.0).contains(&x) => Ok(x),
        _ => Err(format!("{s:?} is not a number of seconds from 0 to 86400")),
    }
}

/// An error with the exit code it maps to.
pub struct Fail(pub u8, pub anyhow::Error);

impl<E: Into<anyhow::Error>> From<E> for Fail {
    fn from(e: E) -> Self {
        Fail(2, e.into())
    }
}

pub type Res<T = ExitCode> = Result<T, Fail>;

pub fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Fail(code, e)) => {
            eprintln!("ntm: error: {}", crate::text::sanitize(&format!("{e:#}")));
            ExitCode::from(code)
        }
    }
}

/// Where the administrator's settings live. Fixed at build time (`NTM_ADMIN_CONFIG_PATH`
/// when building, else `/etc/ntm/config.toml`): a user cannot point ntm elsewhere.
pub const ADMIN_CONFIG: &str = match option_env!("NTM_ADMIN_CONFIG_PATH") {
    Some(p) => p,
    None => "/etc/ntm/config.toml",
};

/// The admin file to read: `ADMIN_CONFIG`, or `NTM_ADMIN_CONFIG` when the real user is root
/// (tests, and an administrator trying a file out). Anyone else setting it is ignored, so
/// `NTM_ADMIN_CONFIG=/dev/null` cannot lift a server's `read_only = true`.
fn admin_config_path(real_uid: u32, env: Option<std::ffi::OsString>) -> PathBuf {
    match env.filter(|e| !e.is_empty()) {
        Some(p) if real_uid == 0 => PathBuf::from(p),
        _ => PathBuf::from(ADMIN_CONFIG),
    }
}

fn real_uid() -> u32 {
    #[cfg(unix)]
    {
        // SAFETY: getuid has no preconditions and cannot fail
        unsafe { libc::getuid() }
    }
    #[cfg(not(unix))]
    {
        u32::MAX
    }
}

/// The server administrator's settings. `read_only = true` there makes every write path
/// unavailable to every user, whatever flags they give. A missing file means no settings; a
/// file that exists but cannot be read fails closed (read-only, with a warning); a file that
/// is not valid TOML is an error.
fn admin_read_only() -> Result<bool, Fail> {
    let path = admin_config_path(real_uid(), std::env::var_os("NTM_ADMIN_CONFIG"));
    match admin_read_only_at(&path) {
        Ok(ro) => Ok(ro),
        Err(AdminError::Unreadable(e)) => {
            eprintln!(
                "ntm: warning: {}: {}; the administrator's settings cannot be read, so the store opens read-only",
                path.display(),
                e
            );
            Ok(true)
        }
        Err(AdminError::Invalid(e)) => Err(Fail(2, anyhow::anyhow!("{}: {e}", path.display()))),
    }
}

#[derive(Debug)]
enum AdminError {
    Unreadable(std::io::Error),
    Invalid(String),
}

fn admin_read_only_at(path: &std::path::Path) -> Result<bool, AdminError> {
    let text = match std::fs::read(path) {
        Ok(t) => t,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(false),
        Err(e) => return Err(AdminError::Unreadable(e)),
    };
    let text = String::from_utf8(text).map_err(|_| AdminError::Invalid("not UTF-8 text".into()))?;
    #[derive(serde::Deserialize)]
    struct Admin {
        #[serde(default)]
        read_only: bool,
    }
    let a: Admin =
        toml::from_str(&text).map_err(|e| AdminError::Invalid(e.message().trim().to_string()))?;
    Ok(a.read_only)
}

fn run(cli: Cli) -> Res {
    let lang = Lang::parse(&cli.lang).unwrap_or_default();
    lang.set_process();
    crate::store::log::set_declared(declared_user().as_deref());
    let read_only = cli.read_only || admin_read_only()?;
    let ctx = Ctx {
        store_dir: cli.store.clone(),
        read_only,
        wait: std::time::Duration::from_secs_f64(cli.wait),
        lang,
        tui: crate::tui::Settings {
            lang,
            keymap: cli.keymap.clone(),
            no_color: cli.no_color,
            ascii: cli.ascii,
            read_only,
            lang_explicit: std::env::args_os()
                .any(|a| a == "--lang" || a.to_string_lossy().starts_with("--lang=")),
        },
    };
    match cli.cmd {
        None => {
            // a national store takes a few hundred ms to open: say so on a terminal, then
            // erase the line (the interface draws on the alternate screen)
            let tty = std::io::IsTerminal::is_terminal(&std::io::stderr())
                && std::io::IsTerminal::is_terminal(&std::io::stdout());
            if tty {
                eprint!(
                    "ntm: {} {} …",
                    lang.t("opening_store"),
                    ctx.store_path()?.display()
                );
            }
            // the interface opens the store only while it reads or writes, so others can use
            // it while the interface is open
            let opened = crate::store::Session::new(&ctx.store_path()?, ctx.read_only, ctx.wait)
                .map_err(|e| Fail(2, store_error(e)));
            if tty {
                eprint!("\r\x1b[2K");
            }
            let session = opened?;
            if !std::io::IsTerminal::is_terminal(&std::io::stdout()) {
                // piped: the grid as text, like `ntm grid`
                grid::print_default(session.get().map_err(store_error)?, lang)?;
                return Ok(ExitCode::SUCCESS);
            }
            // writable unless --read-only (then every write action says so)
            crate::tui::run(session, &ctx.tui)?;
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Keys) => {
            let mut s = ctx.tui.clone();
            crate::tui::apply_config(&mut s)?;
            print!(
                "{}",
                crate::tui::help::markdown(&crate::tui::load_keymap(&s)?, s.lang)
            );
            Ok(ExitCode::SUCCESS)
        }
        Some(Cmd::Import(a)) => import::run(&ctx, a),
        Some(Cmd::Export(a)) => export::run(&ctx, a),
        Some(Cmd::Merges(a)) => merges::run(&ctx, a),
        Some(Cmd::Check(a)) => check::run(&ctx, a),
        Some(Cmd::Report(a)) => report::run(&ctx, a),
        Some(Cmd::Plan(a)) => plan::run(&ctx, a),
        Some(Cmd::Set(a)) => set::run(&ctx, a),
        Some(Cmd::Template(a)) => template::run(&ctx, a),
        Some(Cmd::Undo(a)) => set::undo(&ctx, a),
        Some(Cmd::Log(a)) => log::run(&ctx, a),
        Some(Cmd::Audit(a)) => audit::run(&ctx, a),
        Some(Cmd::Grid(a)) => grid::run(&ctx, a),
        Some(Cmd::Framework(a)) => fw::run(&ctx, a),
        Some(Cmd::Demo(a)) => demo::run(&ctx, a),
        Some(Cmd::Gen(a)) => generate::run(a),
    }
}

/// The name the person declares (`NTM_USER`, else `user = "…"` in their config file), logged
/// beside their account and labelled as declared. A config that cannot be read is ignored here
/// (the interface reports it).
fn declared_user() -> Option<String> {
    if let Some(u) = std::env::var_os("NTM_USER").filter(|u| !u.is_empty()) {
        return Some(u.to_string_lossy().into_owned());
    }
    let text = std::fs::read_to_string(crate::tui::config_path()?).ok()?;
    let v: toml::Table = toml::from_str(&text).ok()?;
    v.get("user")?.as_str().map(str::to_string)
}

/// What every subcommand gets from the global flags.
pub struct Ctx {
    pub store_dir: Option<PathBuf>,
    pub read_only: bool,
    /// How long to wait for another process holding the store (`--wait`).
    pub wait: std::time::Duration,
    pub lang: Lang,
    /// Settings of the terminal interface.
    pub tui: crate::tui::Settings,
}

impl Ctx {
    /// The store directory: --store, $NTM_STORE (via clap), else the XDG data directory.
    pub fn store_path(&self) -> anyhow::Result<PathBuf> {
        if let Some(p) = &self.store_dir {
            return Ok(p.clone());
        }
        if let Some(x) = std::env::var_os("XDG_DATA_HOME").filter(|x| !x.is_empty()) {
            return Ok(PathBuf::from(x).join("ntm"));
        }
        let home = std::env::var_os("HOME")
            .filter(|h| !h.is_empty())
            .ok_or_else(|| {
                anyhow::anyhow!(
                    "no store given: pass --store DIR or set NTM_STORE (HOME is not set)"
                )
            })?;
        Ok(PathBuf::from(home).join(".local/share/ntm"))
    }

    pub fn open(&self) -> Result<Store, Fail> {
        let p = self.store_path()?;
        Store::open_waiting(&p, self.read_only, self.wait).map_err(|e| Fail(2, store_error(e)))
    }

    pub fn open_rw(&self, what: &'static str) -> Result<Store, Fail> {
        if self.read_only {
            return Err(Fail(2, StoreError::ReadOnly(what).into()));
        }
        self.open()
    }
}

fn store_error(e: StoreError) -> anyhow::Error {
    anyhow::Error::new(e)
}

#[cfg(test)]
mod admin_tests {
    use super::*;

    #[test]
    fn only_root_may_name_another_admin_file() {
        let env = Some(std::ffi::OsString::from("/dev/null"));
        assert_eq!(
            admin_config_path(0, env.clone()),
            PathBuf::from("/dev/null")
        );
        assert_eq!(admin_config_path(1000, env), PathBuf::from(ADMIN_CONFIG));
        assert_eq!(admin_config_path(0, None), PathBuf::from(ADMIN_CONFIG));
        assert_eq!(
            admin_config_path(0, Some(std::ffi::OsString::new())),
            PathBuf::from(ADMIN_CONFIG)
        );
    }

    #[test]
    fn a_missing_file_is_no_settings_and_an_unreadable_one_fails_closed() {
        let d = tempfile::tempdir().unwrap();
        assert!(!admin_read_only_at(&d.path().join("none.toml")).unwrap());
        // a folder where the file should be cannot be read (as root too, unlike mode 000)
        assert!(matches!(
            admin_read_only_at(d.path()),
            Err(AdminError::Unreadable(_))
        ));
        let f = d.path().join("c.toml");
        std::fs::write(&f, "read_only = true\n").unwrap();
        assert!(admin_read_only_at(&f).unwrap());
        std::fs::write(&f, "read_only = tru\n").unwrap();
        assert!(matches!(
            admin_read_only_at(&f),
            Err(AdminError::Invalid(_))
        ));
    }
}
