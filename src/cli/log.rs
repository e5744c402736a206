//! `ntm log` (history of changes) and `ntm log verify` (the hash chain).

use std::process::ExitCode;

use anyhow::anyhow;
use clap::Subcommand;

use super::{Ctx, Res};
use crate::store::log::{Receipt, check_receipt, iso8601, now, parse_date};
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
    /// Check that no entry was altered, removed or reordered (exit 1 if one was); with
    /// --receipt, also that the log still extends a receipt kept outside the store
    Verify {
        /// A receipt from `ntm log receipt`
        #[arg(long, value_name = "FILE")]
        receipt: Option<std::path::PathBuf>,
    },
    /// Print the log's newest entry (count, hash, time) for an inspector to keep or send: a
    /// witness outside the store, which `ntm log verify --receipt FILE` checks against
    Receipt,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    if let Some(LogCmd::Receipt) = a.cmd {
        let problems = store.verify_log()?;
        if !problems.is_empty() {
            for p in &problems {
                say!("{p}");
            }
            return Err(anyhow!("the change log is not intact: no receipt for it").into());
        }
        let raw = store.log_raw()?;
        let Some((n, Some(last))) = raw.last() else {
            return Err(anyhow!("the change log is empty: nothing to give a receipt for").into());
        };
        let r = Receipt {
            entries: *n,
            head: last.hash,
            when: now(),
            store: store.path().display().to_string(),
        };
        print!("{}", crate::text::sanitize_lines(&r.text()));
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(LogCmd::Verify { receipt }) = a.cmd {
        let mut problems = store.verify_log()?;
        let raw = store.log_raw()?;
        let n = raw.len();
        let mut extends = None;
        if let Some(path) = &receipt {
            let text = std::fs::read_to_string(path)
                .map_err(|e| anyhow!("cannot read {}: {e}", path.display()))?;
            let r = Receipt::parse(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
            match check_receipt(&raw, &r) {
                Some(p) => problems.push(p),
                None => extends = Some(r.entries),
            }
        }
        if problems.is_empty() {
            say!("change log intact: {n} entries, hash chain verified");
            let vi = ctx.lang == crate::i18n::Lang::Vi;
            match (extends, vi) {
                (Some(k), true) => say!(
                    "nối tiếp biên nhận: mục {k} đúng là mục biên nhận đã thấy, không đổi, sau đó có thêm {} mục",
                    n as u64 - k
                ),
                (Some(k), false) => say!(
                    "it extends the receipt: entry {k} is the one the receipt saw, unchanged, and {} entries came after it",
                    n as u64 - k
                ),
                (None, true) => say!(
                    "(chuỗi băm chỉ cho thấy các mục khớp với nhau; ai ghi được vào kho có thể viết lại tất cả: hãy giữ `ntm log receipt` ở ngoài kho và kiểm bằng --receipt)"
                ),
                (None, false) => say!(
                    "(the chain shows the entries agree with each other; whoever can write the store could rewrite them all: keep `ntm log receipt` outside the store and check with --receipt)"
                ),
            }
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
