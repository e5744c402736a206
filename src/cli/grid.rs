//! `ntm grid`: the criteria grid as plain text (also what `ntm demo --print` shows).

use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Res};
use crate::eval::Options;
use crate::i18n::Lang;
use crate::query::{Cell, Grid, Query};
use crate::store::Store;
use crate::text::{fmt_num, pad, pad_left, sanitize};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// District or province whose communes to show (default: the first district with communes)
    #[arg(long)]
    pub unit: Option<String>,
    /// Year (default: the latest with data)
    #[arg(long)]
    pub year: Option<u16>,
    /// Comparison year (default: the previous year with data)
    #[arg(long)]
    pub against: Option<u16>,
    /// Framework id (default: the one with data)
    #[arg(long)]
    pub framework: Option<String>,
    /// ASCII glyphs instead of Unicode
    #[arg(long)]
    pub ascii: bool,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    print!("{}", render(&store, &a, ctx.lang)?);
    Ok(ExitCode::SUCCESS)
}

pub fn print_default(store: &Store, lang: Lang) -> anyhow::Result<()> {
    let a = Args {
        unit: None,
        year: None,
        against: None,
        framework: None,
        ascii: false,
    };
    print!("{}", render(store, &a, lang)?);
    Ok(())
}

pub fn render(store: &Store, a: &Args, lang: Lang) -> anyhow::Result<String> {
    let q = Query::new(store)?;
    let fw = q.framework(a.framework.as_deref())?;
    let parent = match &a.unit {
        Some(c) => q.unit(c)?.code.clone(),
        None => q
            .default_parent()
            .ok_or_else(|| anyhow!("the store has no district or province with communes"))?
            .code
            .clone(),
    };
    if let Some(y) = a.year
        && let Some(msg) = super::dissolved::not_in_year(&q, q.unit(&parent)?, y, lang)
    {
        anyhow::bail!(msg);
    }
    let scope = q.scope(Some(&parent))?;
    let (year, against) = q.resolve_years(fw, &scope, a.year, a.against)?;
    let grid = q.grid(fw, &parent, year, against, &Options::default())?;
    Ok(text(
        &grid,
        fw.criteria.iter().map(|c| c.code.as_str()).collect(),
        &fw.id,
        lang,
        a.ascii,
    ))
}

/// The grid as aligned text.
pub fn text(g: &Grid, codes: Vec<&str>, fw_id: &str, lang: Lang, ascii: bool) -> String {
    let st = lang.num_style();
    let (meet, n) = g.meeting();
    let mut o = format!(
        "{} — {} {fw_id}, {} {}, {} {}\n",
        sanitize(&g.parent.name),
        lang.t("framework"),
        lang.t("year"),
        g.year,
        lang.t("against"),
        g.against
            .map(|a| a.to_string())
            .unwrap_or_else(|| lang.t("none").into())
    );
    o += &format!(
        "{}: {meet}/{n}   {}: {}/{}\n\n",
        lang.t("communes_meeting"),
        lang.t("avg_criteria"),
        fmt_num(g.average_met(), 1, st),
        codes.len()
    );
    let nw = g
        .rows
        .iter()
        .map(|r| crate::text::width(&r.report.unit.name) + if r.is_aggregate() { 2 } else { 0 })
        .max()
        .unwrap_or(6)
        .clamp(6, 24);
    o += &pad(lang.t("commune"), nw);
    for c in &codes {
        o += &pad_left(c, 4);
    }
    o += &format!(
        "  {}  {}  {}\n",
        pad_left(lang.t("criteria_met"), 9),
        pad(lang.t("recognized"), 9),
        lang.t("findings")
    );
    for r in &g.rows {
        let name = match (r.is_aggregate(), ascii) {
            (false, _) => sanitize(&r.report.unit.name),
            (true, false) => format!("Σ {}", sanitize(&r.report.unit.name)),
            (true, true) => format!("= {}", sanitize(&r.report.unit.name)),
        };
        o += &pad(&name, nw);
        for c in &r.cells {
            o += &pad_left(c.glyph(ascii), 4);
        }
        let met = match &r.report.evaluation {
            Some(e) => format!("{}/{}", e.criteria_met, e.criteria_total),
            None => lang.t("none").to_string(),
        };
        let rec = r.report.recognized_label(lang.t("none"));
        o += &format!(
            "  {}  {}  {}\n",
            pad_left(&met, 9),
            pad(&rec, 9),
            r.report.findings.len()
        );
    }
    o += &pad(lang.t("pct_meeting"), nw);
    for ci in 0..codes.len() {
        o += &pad_left(&format!("{}", g.percent_meeting(ci).round() as i64), 4);
    }
    o += "\n\n";
    o += &format!("{}: ", lang.t("legend"));
    let legend: Vec<String> = Cell::ALL
        .iter()
        .map(|c| format!("{} {}", c.glyph(ascii), lang.t(c.label_key())))
        .collect();
    o += &legend.join("  ");
    o += "\n";
    // merged communes: where their recognition comes from
    for r in &g.rows {
        if let Some(note) = r.report.recognition.explain(lang == Lang::Vi) {
            o += &format!(
                "{} {}: {}\n",
                if matches!(
                    r.report.recognition.basis,
                    crate::eval::lineage::Basis::Inherited(_)
                ) {
                    "*"
                } else {
                    " "
                },
                sanitize(&r.report.unit.name),
                sanitize(&note)
            );
        }
    }
    o
}
