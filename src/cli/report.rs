//! `ntm report`: the appendix comparison table of a district or province, and its list of
//! recognised communes, as text, Markdown or CSV.

use std::process::ExitCode;

use anyhow::anyhow;

use super::{Ctx, Res};
use crate::eval::findings::show_target;
use crate::framework::Framework;
use crate::i18n::Lang;
use crate::model::{Kind, Value};
use crate::query::Query;
use crate::query::report::{AppendixTable, Basis, Cell};
use crate::text::{NumStyle, fmt_num, fmt_plain, pad, sanitize};

#[derive(clap::Args, Debug)]
pub struct Args {
    /// District or province code
    #[arg(long)]
    pub unit: String,
    /// Current year (default: the latest with data)
    #[arg(long)]
    pub year: Option<u16>,
    /// Baseline year (default: the earliest with data)
    #[arg(long)]
    pub baseline: Option<u16>,
    /// Framework id (default: the one with data)
    #[arg(long)]
    pub framework: Option<String>,
    /// Output format
    #[arg(long, default_value = "text", value_parser = ["text", "md", "csv"])]
    pub format: String,
    /// Also write the table as a formatted Excel sheet an office can attach to its report
    #[arg(long, value_name = "FILE.xlsx")]
    pub xlsx: Option<std::path::PathBuf>,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    let q = Query::new(&store)?;
    let fw = q.framework(a.framework.as_deref())?;
    let mut scope = vec![q.unit(&a.unit)?];
    scope.extend(q.units.descendants(&a.unit));
    let years = q.years_of(fw, &scope)?;
    let year = match a.year {
        Some(y) => y,
        None => *years
            .iter()
            .next_back()
            .ok_or_else(|| anyhow!("no data for {} (import a bundle first)", a.unit))?,
    };
    let baseline = match a.baseline {
        Some(b) => b,
        None => *years.iter().next().expect("not empty: year was found"),
    };
    if baseline > year {
        return Err(anyhow!("--baseline {baseline} is after --year {year}").into());
    }
    let t = q.appendix(fw, &a.unit, year, baseline, fw.options.percent_tolerance_pp)?;
    if let Some(path) = &a.xlsx {
        xlsx_out(fw, &t, ctx.lang, path, store.privacy())?;
        eprintln!(
            "wrote {}",
            crate::text::sanitize(&path.display().to_string())
        );
    }
    let out = match a.format.as_str() {
        "csv" => csv_out(fw, &t)?,
        "md" => table(fw, &t, ctx.lang, true),
        _ => table(fw, &t, ctx.lang, false),
    };
    print!("{out}");
    Ok(ExitCode::SUCCESS)
}

fn style(lang: Lang) -> NumStyle {
    lang.num_style()
}

/// The result cell as the reports write it: `16.153/16.209 hộ`, `48 triệu đồng/người/năm`, `Đạt`.
fn result(kind: Kind, unit: &str, c: &Cell, lang: Lang) -> String {
    let st = style(lang);
    let vi = lang == Lang::Vi;
    match (c.numerator, c.denominator, c.value) {
        (Some(n), Some(d), _) => format!(
            "{}/{} {}",
            fmt_num(n, 3, st),
            fmt_num(d, 3, st),
            sanitize(unit)
        )
        .trim()
        .to_string(),
        (_, _, Some(Value::Pass(true))) => if vi { "Đạt" } else { "pass" }.into(),
        (_, _, Some(Value::Pass(false))) => if vi { "Chưa đạt" } else { "fail" }.into(),
        (_, _, Some(Value::Number(x))) if kind == Kind::Number => {
            format!("{} {}", fmt_num(x, 2, st), sanitize(unit))
                .trim()
                .to_string()
        }
        _ => String::new(),
    }
}

/// The target cell; an indicator without one says so rather than leaving a blank.
fn target_text(kind: Kind, t: Option<&crate::model::Target>, vi: bool) -> String {
    match t {
        Some(x) => show_target(kind, x, vi),
        None if vi => "chưa có".into(),
        None => "none".into(),
    }
}

fn percent(c: &Cell, lang: Lang) -> String {
    let st = style(lang);
    match (c.percent, c.computed_percent) {
        (Some(p), Some(cp)) => format!("{}% (≠ {}%)", fmt_num(p, 2, st), fmt_num(cp, 2, st)),
        (Some(p), None) => format!("{}%", fmt_num(p, 2, st)),
        _ => String::new(),
    }
}

fn units(c: &Cell, lang: Lang) -> String {
    let word = if lang == Lang::Vi { "xã" } else { "communes" };
    let mut s = match (c.units_met, c.units_total) {
        (Some(m), Some(n)) => format!("{m}/{n} {word}"),
        (Some(m), None) => format!("{m} {word}"),
        _ => String::new(),
    };
    if let Some((m, n)) = c.aggregate_units {
        let say = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_else(|| "?".into());
        let label = if lang == Lang::Vi {
            "dòng tổng hợp"
        } else {
            "aggregate row"
        };
        s += &format!(" ({label}: {}/{})", say(m), say(n));
    }
    s
}

/// How many communes (or, rolled up from districts, districts) year `i` was summed from.
fn count(t: &AppendixTable, i: usize) -> usize {
    let pick = |p: (usize, usize)| if i == 0 { p.0 } else { p.1 };
    match if i == 0 { t.basis.0 } else { t.basis.1 } {
        Basis::Districts => pick(t.districts_with_rows),
        _ => pick(t.communes_with_rows),
    }
}

fn basis_label(b: Basis, n: usize, lang: Lang) -> String {
    match (b, lang) {
        (Basis::Communes, Lang::Vi) => format!("cộng từ số liệu của {n} xã"),
        (Basis::Communes, Lang::En) => format!("summed from the rows of {n} communes"),
        (Basis::Districts, Lang::Vi) => format!("cộng từ số liệu tổng hợp của {n} huyện"),
        (Basis::Districts, Lang::En) => format!("summed from the aggregate rows of {n} districts"),
        (Basis::Aggregate, Lang::Vi) => "số liệu tổng hợp của đơn vị".into(),
        (Basis::Aggregate, Lang::En) => "the unit's own aggregate rows".into(),
        (Basis::None, Lang::Vi) => "không có số liệu".into(),
        (Basis::None, Lang::En) => "no data".into(),
    }
}

fn table(fw: &Framework, t: &AppendixTable, lang: Lang, md: bool) -> String {
    let vi = lang == Lang::Vi;
    // a merger between the two years changes the count: each year says its own
    let (n_base, n_communes) = t.communes;
    // no earlier year with data: one column, not the same year twice
    let single = t.baseline == t.year;
    let mut o = String::new();
    let title = if vi {
        format!(
            "SO SÁNH KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM CẤP XÃ TRÊN ĐỊA BÀN {}",
            sanitize(&t.unit_name).to_uppercase()
        )
    } else {
        format!(
            "Commune NTM criteria results compared: {}",
            sanitize(&t.unit_name)
        )
    };
    if md {
        o += &format!("## {title}\n\n");
    } else {
        o += &format!("{title}\n");
    }
    let year_word = if vi { "năm" } else { "year" };
    let years = if single {
        format!(
            "{year_word} {}: {} ({})",
            t.year,
            basis_label(t.basis.1, count(t, 1), lang),
            if vi {
                "không có năm trước để so sánh"
            } else {
                "no earlier year to compare with"
            }
        )
    } else {
        format!(
            "{year_word} {}: {}; {year_word} {}: {}",
            t.baseline,
            basis_label(t.basis.0, count(t, 0), lang),
            t.year,
            basis_label(t.basis.1, count(t, 1), lang),
        )
    };
    o += &format!(
        "{} {} ({}); {years}\n",
        if vi { "Bộ tiêu chí" } else { "Framework" },
        fw.id,
        sanitize(fw.decision.as_deref().unwrap_or("")),
    );
    if n_base != n_communes {
        o += &if vi {
            format!(
                "Số xã: {n_base} xã năm {}, {n_communes} xã năm {} (sắp xếp đơn vị hành chính)\n",
                t.baseline, t.year
            )
        } else {
            format!(
                "Communes: {n_base} in {}, {n_communes} in {} (administrative reorganisation)\n",
                t.baseline, t.year
            )
        };
    }
    o += "\n";
    let head = if vi {
        [
            "TT",
            "Chỉ tiêu",
            "Chỉ tiêu cần đạt",
            "Kết quả",
            "Tỷ lệ",
            "Số xã đạt",
            "Kết quả",
            "Tỷ lệ",
            "Số xã đạt",
        ]
    } else {
        [
            "No.",
            "Indicator",
            "Target",
            "Result",
            "Percent",
            "Communes",
            "Result",
            "Percent",
            "Communes",
        ]
    };
    if md && single {
        o += &format!(
            "| {} | {} | {} | {} {} | {} | {} |\n",
            head[0], head[1], head[2], head[6], t.year, head[7], head[8]
        );
        o += "|---|---|---|---|---|---|\n";
    } else if single {
        o += &format!(
            "{} {} {} | {} {}\n",
            pad(head[0], 6),
            pad(head[1], 34),
            pad(head[2], 12),
            t.year,
            head[6]
        );
    } else if md {
        o += &format!(
            "| {} | {} | {} | {} {} | {} | {} | {} {} | {} | {} |\n",
            head[0],
            head[1],
            head[2],
            head[3],
            t.baseline,
            head[4],
            head[5],
            head[6],
            t.year,
            head[7],
            head[8]
        );
        o += "|---|---|---|---|---|---|---|---|---|\n";
    } else {
        o += &format!(
            "{} {} {} | {} | {} {}\n",
            pad(head[0], 6),
            pad(head[1], 34),
            pad(head[2], 12),
            pad(&format!("{} {}", t.baseline, head[3]), 46),
            t.year,
            head[6]
        );
    }
    let mut last_criterion = usize::MAX;
    for l in &t.lines {
        let ind = &fw.indicators[l.indicator];
        let target = target_text(ind.kind, l.target.as_ref(), vi);
        let name = sanitize(if vi { &ind.name } else { &ind.name_en });
        if ind.criterion != last_criterion {
            last_criterion = ind.criterion;
            let c = &fw.criteria[ind.criterion];
            let cname = sanitize(if vi { &c.name } else { &c.name_en });
            if md {
                let rest = if single { " | | | |" } else { " | | | | | | |" };
                o += &format!("| **{}** | **{}** |{rest}\n", c.code, cname);
            } else {
                o += &format!("{} {}\n", pad(&c.code, 6), cname);
            }
        }
        let b = [
            result(ind.kind, &ind.unit, &l.baseline, lang),
            percent(&l.baseline, lang),
            units(&l.baseline, lang),
        ];
        let c = [
            result(ind.kind, &ind.unit, &l.current, lang),
            percent(&l.current, lang),
            units(&l.current, lang),
        ];
        if md && single {
            o += &format!(
                "| {} | {} | {} | {} | {} | {} |\n",
                ind.code,
                name.replace('|', "/"),
                target,
                c[0],
                c[1],
                c[2]
            );
        } else if md {
            o += &format!(
                "| {} | {} | {} | {} | {} | {} | {} | {} | {} |\n",
                ind.code,
                name.replace('|', "/"),
                target,
                b[0],
                b[1],
                b[2],
                c[0],
                c[1],
                c[2]
            );
        } else {
            let join = |x: &[String; 3]| {
                x.iter()
                    .filter(|s| !s.is_empty())
                    .cloned()
                    .collect::<Vec<_>>()
                    .join("  ")
            };
            if single {
                o += &format!(
                    "{} {} {} | {}\n",
                    pad(&ind.code, 6),
                    pad(&name, 34),
                    pad(&target, 12),
                    join(&c)
                );
            } else {
                o += &format!(
                    "{} {} {} | {} | {}\n",
                    pad(&ind.code, 6),
                    pad(&name, 34),
                    pad(&target, 12),
                    pad(&join(&b), 46),
                    join(&c)
                );
            }
        }
    }
    o += "\n";
    let title = if vi {
        "DANH SÁCH CÁC XÃ ĐÃ ĐẠT CHUẨN NTM"
    } else {
        "Communes recognised as meeting the NTM standard"
    };
    o += &if md {
        format!("## {title}\n\n")
    } else {
        format!("{title}\n")
    };
    if md {
        o += if vi {
            "| TT | Tên xã | Năm được công nhận | Quyết định | Cấp ban hành |\n"
        } else {
            "| No. | Commune | Year | Decision | Issued by |\n"
        };
        o += "|---|---|---|---|---|\n";
    }
    let numbers = commune_numbers(&t.recognized);
    for (x, no) in t.recognized.iter().zip(&numbers) {
        let no = no.map(|n| n.to_string()).unwrap_or_default();
        let r = &x.recognition;
        let dec = sanitize(r.decision.as_deref().unwrap_or(""));
        let iss = sanitize(r.issuer.as_deref().unwrap_or(""));
        // `*`: inherited from the predecessors of a merged commune, as in the grid
        let star = if x.inherited {
            if md { "\\*" } else { "*" }
        } else {
            ""
        };
        if md {
            o += &format!(
                "| {} | {} | {}{star} | {} | {} |\n",
                no,
                sanitize(&x.name),
                r.year,
                dec,
                iss
            );
        } else {
            o += &format!(
                "{:>3}  {}  {}  {}  {}\n",
                no,
                pad(&sanitize(&x.name), 14),
                pad(&format!("{}{star}", r.year), 5),
                pad(&dec, 32),
                iss
            );
        }
    }
    // the communes listed: the last number of the list (a commune with several decisions,
    // NTM then nâng cao, has one number)
    let n = numbers.iter().flatten().count();
    o += &if vi {
        format!("Tổng số: {n} xã đạt chuẩn/tổng số {n_communes} xã\n")
    } else {
        format!("Total: {n} of {n_communes} communes\n")
    };
    // merged communes: where their recognition comes from (the grid's footnote)
    let notes: Vec<String> = t
        .recognized
        .iter()
        .filter_map(|x| {
            let note = if vi { &x.explain_vi } else { &x.explain_en };
            note.as_ref().map(|n| {
                format!(
                    "{} {}: {}",
                    if x.inherited { "*" } else { " " },
                    sanitize(&x.name),
                    sanitize(n)
                )
            })
        })
        .collect();
    if !notes.is_empty() {
        if md {
            o += "\n";
            for n in &notes {
                o += &format!("{}  \n", n.trim_start().replacen('*', "\\*", 1));
            }
        } else {
            o += &notes.join("\n");
            o += "\n";
        }
    }
    o
}

fn csv_out(fw: &Framework, t: &AppendixTable) -> anyhow::Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    let mut head = vec!["criterion".to_string(), "indicator".into(), "target".into()];
    for p in ["baseline", "current"] {
        for c in [
            "year",
            "basis",
            "numerator",
            "denominator",
            "value",
            "percent",
            "units_met",
            "units_total",
            "aggregate_units_met",
            "aggregate_units_total",
        ] {
            head.push(format!("{p}_{c}"));
        }
    }
    w.write_record(&head)?;
    let num = |v: Option<f64>| v.map(fmt_plain).unwrap_or_default();
    let int = |v: Option<u32>| v.map(|x| x.to_string()).unwrap_or_default();
    let basis = |b: Basis| match b {
        Basis::Communes => "communes",
        Basis::Districts => "districts",
        Basis::Aggregate => "aggregate",
        Basis::None => "",
    };
    for l in &t.lines {
        let ind = &fw.indicators[l.indicator];
        let mut rec = vec![
            fw.criteria[ind.criterion].code.clone(),
            ind.code.clone(),
            l.target
                .as_ref()
                .map(|x| show_target(ind.kind, x, false))
                .unwrap_or_default(),
        ];
        for (y, b, c) in [
            (t.baseline, t.basis.0, &l.baseline),
            (t.year, t.basis.1, &l.current),
        ] {
            let value = match c.value {
                Some(Value::Pass(true)) => "dat".into(),
                Some(Value::Pass(false)) => "chua_dat".into(),
                Some(Value::Number(x)) => fmt_plain(x),
                None => String::new(),
            };
            rec.extend([
                y.to_string(),
                basis(b).to_string(),
                num(c.numerator),
                num(c.denominator),
                value,
                num(c.percent),
                int(c.units_met),
                int(c.units_total),
                int(c.aggregate_units.and_then(|a| a.0)),
                int(c.aggregate_units.and_then(|a| a.1)),
            ]);
        }
        w.write_record(&rec)?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// The appendix as a formatted sheet: merged two-row header, borders, percentages as
/// percentages, counts and results as numbers where they are numbers.
fn xlsx_out(
    fw: &Framework,
    t: &AppendixTable,
    lang: Lang,
    path: &std::path::Path,
    privacy: crate::files::Privacy,
) -> anyhow::Result<()> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let vi = lang == Lang::Vi;
    let mut wb = Workbook::new();
    let title = Format::new()
        .set_bold()
        .set_font_size(13)
        .set_align(FormatAlign::Center);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_text_wrap()
        .set_background_color("#DDEBF7");
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let group = cell.clone().set_bold();
    let pct = cell.clone().set_num_format("0.0#%");
    let ws = wb.add_worksheet();
    ws.set_name(if vi {
        "So sánh tiêu chí"
    } else {
        "Criteria compared"
    })?;
    let name = sanitize(&t.unit_name);
    let heading = if vi {
        format!(
            "SO SÁNH KẾT QUẢ THỰC HIỆN TIÊU CHÍ NTM CẤP XÃ TRÊN ĐỊA BÀN {}",
            name.to_uppercase()
        )
    } else {
        format!("Commune NTM criteria results compared: {name}")
    };
    // no earlier year: one year's columns, not the same year twice
    let single = t.baseline == t.year;
    let n_years: u16 = if single { 1 } else { 2 };
    let last_col = 2 + 3 * n_years;
    ws.merge_range(0, 0, 0, last_col, &heading, &title)?;
    let cols = if vi {
        [
            "TT",
            "Chỉ tiêu",
            "Yêu cầu",
            "Kết quả",
            "Tỷ lệ (%)",
            "Số xã đạt/Tổng số xã",
        ]
    } else {
        [
            "No.",
            "Indicator",
            "Target",
            "Result",
            "Percent",
            "Communes meeting",
        ]
    };
    for (c, h) in cols[..3].iter().enumerate() {
        ws.merge_range(2, c as u16, 3, c as u16, h, &head)?;
    }
    let notes_head = if vi {
        "Ghi chú (tỷ lệ báo cáo ≠ tỷ lệ tính từ số liệu)"
    } else {
        "Notes (printed percent ≠ percent of the counts)"
    };
    ws.merge_range(2, last_col + 1, 3, last_col + 1, notes_head, &head)?;
    let years: &[u16] = if single {
        &[t.year]
    } else {
        &[t.baseline, t.year]
    };
    for (k, y) in years.iter().enumerate() {
        let c0 = 3 + 3 * k as u16;
        ws.merge_range(
            2,
            c0,
            2,
            c0 + 2,
            &format!("{} {y}", if vi { "Năm" } else { "Year" }),
            &head,
        )?;
        for (j, h) in cols[3..].iter().enumerate() {
            ws.write_string_with_format(3, c0 + j as u16, *h, &head)?;
        }
    }
    let mut r = 4u32;
    let mut last = usize::MAX;
    for l in &t.lines {
        let ind = &fw.indicators[l.indicator];
        if ind.criterion != last {
            last = ind.criterion;
            let c = &fw.criteria[ind.criterion];
            ws.write_string_with_format(r, 0, &c.code, &group)?;
            ws.merge_range(
                r,
                1,
                r,
                last_col,
                &sanitize(if vi { &c.name } else { &c.name_en }),
                &group,
            )?;
            r += 1;
        }
        ws.write_string_with_format(r, 0, &ind.code, &cell)?;
        ws.write_string_with_format(
            r,
            1,
            sanitize(if vi { &ind.name } else { &ind.name_en }),
            &cell,
        )?;
        let target = target_text(ind.kind, l.target.as_ref(), vi);
        ws.write_string_with_format(r, 2, &target, &cell)?;
        let cells: &[&Cell] = if single {
            &[&l.current]
        } else {
            &[&l.baseline, &l.current]
        };
        for (k, c) in cells.iter().enumerate() {
            let c0 = 3 + 3 * k as u16;
            ws.write_string_with_format(r, c0, result(ind.kind, &ind.unit, c, lang), &cell)?;
            match c.percent {
                Some(p) => ws.write_number_with_format(r, c0 + 1, p / 100.0, &pct)?,
                None => ws.write_blank(r, c0 + 1, &cell)?,
            };
            ws.write_string_with_format(r, c0 + 2, units(c, lang), &cell)?;
        }
        // the percentage stays a number; where it disagrees with its own counts the notes
        // column says so, as the text report's "(≠ …)" does
        let notes: Vec<String> = cells
            .iter()
            .zip(years)
            .filter(|(c, _)| c.percent.is_some() && c.computed_percent.is_some())
            .map(|(c, y)| format!("{y}: {}", percent(c, lang)))
            .collect();
        ws.write_string_with_format(r, last_col + 1, notes.join("; "), &cell)?;
        r += 1;
    }
    ws.set_column_width(0, 6)?;
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 10)?;
    for c in 3..=last_col {
        ws.set_column_width(c, 16)?;
    }
    ws.set_column_width(last_col + 1, 28)?;
    ws.set_freeze_panes(4, 2)?;
    // the list of recognised communes
    let ws = wb.add_worksheet();
    ws.set_name(if vi {
        "Danh sách xã đạt chuẩn"
    } else {
        "Recognised communes"
    })?;
    let h2 = if vi {
        [
            "TT",
            "Tên xã",
            "Năm được công nhận",
            "Quyết định",
            "Cấp ban hành",
        ]
    } else {
        ["No.", "Commune", "Year", "Decision", "Issued by"]
    };
    for (c, h) in h2.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &head)?;
    }
    for ((i, x), no) in t
        .recognized
        .iter()
        .enumerate()
        .zip(commune_numbers(&t.recognized))
    {
        let (n, rec) = (&x.name, &x.recognition);
        let r = i as u32 + 1;
        match no {
            Some(no) => ws.write_number_with_format(r, 0, no as f64, &cell)?,
            None => ws.write_blank(r, 0, &cell)?,
        };
        ws.write_string_with_format(r, 1, sanitize(n), &cell)?;
        if x.inherited {
            // `*` as in the grid: inherited from the predecessors, no decision of its own
            ws.write_string_with_format(r, 2, format!("{}*", rec.year), &cell)?;
            let note = if vi { &x.explain_vi } else { &x.explain_en };
            ws.write_string_with_format(r, 3, sanitize(note.as_deref().unwrap_or("")), &cell)?;
        } else {
            ws.write_number_with_format(r, 2, f64::from(rec.year), &cell)?;
            ws.write_string_with_format(
                r,
                3,
                sanitize(rec.decision.as_deref().unwrap_or("")),
                &cell,
            )?;
        }
        ws.write_string_with_format(r, 4, sanitize(rec.issuer.as_deref().unwrap_or("")), &cell)?;
    }
    ws.autofit();
    let mut out = crate::files::AtomicFile::create(path, privacy)?;
    wb.save_to_writer(&mut out)?;
    out.commit()?;
    Ok(())
}

/// The number (TT) of each row of the recognised list: a commune is numbered on its first row
/// only, so the last number is the count of communes the total line states, whatever the
/// number of decisions listed.
fn commune_numbers(list: &[crate::query::report::Recognised]) -> Vec<Option<usize>> {
    let mut seen = std::collections::HashSet::new();
    list.iter()
        .map(|x| seen.insert(x.code.as_str()).then_some(seen.len()))
        .collect()
}
