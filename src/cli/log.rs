//! `ntm log` (history of changes) and `ntm log verify` (the hash chain).

use std::process::ExitCode;

use anyhow::anyhow;
use clap::Subcommand;

use super::{Ctx, Res};
use crate::store::log::{iso8601, parse_date};
use crate::text::sanitize;

#[derive(clap::Args, Debug)]
pub struct Args {
    #[command(subcommand)]
    pub cmd: Option<LogCmd>,
    /// Only changes to this unit
    #[arg(long)]
    pub unit: Option<String>,
    /// Only changes to this indicator
    #[arg(long)]
    pub indicator: Option<String>,
    /// Only changes on or after this date (YYYY-MM-DD, UTC)
    #[arg(long)]
    pub since: Option<String>,
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "json"])]
    pub format: String,
}

#[derive(Subcommand, Debug)]
pub enum LogCmd {
    /// Check that no entry was altered, removed or reordered (exit 1 if one was)
    Verify,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    if let Some(LogCmd::Verify) = a.cmd {
        let problems = store.verify_log()?;
        let n = store.log_raw()?.len();
        if problems.is_empty() {
            say!("change log intact: {n} entries, hash chain verified");
            return Ok(ExitCode::SUCCESS);
        }
        for p in &problems {
            say!("{p}");
        }
        say!(
            "change log NOT intact: {} problem(s) in {n} entries",
            problems.len()
        );
        return Ok(ExitCode::from(1));
    }
    let since = match &a.since {
        Some(s) => {
            Some(parse_date(s).ok_or_else(|| anyhow!("--since {s}: expected a date YYYY-MM-DD"))?)
        }
        None => None,
    };
    let entries: Vec<_> = store
        .log_entries()?
        .into_iter()
        .filter(|e| {
            let parts: Vec<&str> = e.what.split(' ').collect();
            let unit_ok = a.unit.as_deref().is_none_or(|u| {
                parts.first() == Some(&u)
                    || (parts.first() == Some(&"audit") && parts.get(3) == Some(&u))
            });
            let ind_ok = a.indicator.as_deref().is_none_or(|i| {
                parts.get(2) == Some(&i)
                    || (parts.first() == Some(&"audit") && parts.get(5) == Some(&i))
            });
            let since_ok = since.is_none_or(|s| e.when >= s);
            unit_ok && ind_ok && since_ok
        })
        .collect();
    if a.format == "json" {
        let v: Vec<serde_json::Value> = entries
            .iter()
            .map(|e| {
                serde_json::json!({
                    "seq": e.seq, "when": iso8601(e.when), "who": e.who, "what": e.what, "action": e.action,
                    "old": e.old, "new": e.new, "reason": e.reason,
                    "hash": e.hash.iter().map(|b| format!("{b:02x}")).collect::<String>(),
                })
            })
            .collect();
        println!("{}", serde_json::to_string_pretty(&v)?);
        return Ok(ExitCode::SUCCESS);
    }
    for e in &entries {
        say!(
            "{:>5}  {}  {:<10} {:<12} {}",
            e.seq,
            iso8601(e.when),
            sanitize(&e.who),
            e.action,
            sanitize(&e.what)
        );
        if e.old.is_some() || e.new.is_some() {
            say!(
                "       {} → {}",
                sanitize(e.old.as_deref().unwrap_or("—")),
                sanitize(e.new.as_deref().unwrap_or("—"))
            );
        }
        if let Some(r) = &e.reason {
            say!("       reason: {}", sanitize(r));
        }
    }
    if entries.is_empty() {
        say!(
            "no changes recorded{}",
            if a.unit.is_some() || a.indicator.is_some() || a.since.is_some() {
                " for that filter"
            } else {
                ""
            }
        );
    }
    Ok(ExitCode::SUCCESS)
}
