//! `ntm audit show`: an audit's records as a checklist for the field — commune and indicator
//! names, target, the reported figure with its numerator/denominator and unit, the mark and
//! the earlier marks — as text, or as CSV/XLSX with empty columns for the recount, the
//! evidence and the signature.

use anyhow::Result;

use crate::eval::findings::{show, show_target};
use crate::i18n::Lang;
use crate::model::{Kind, Value};
use crate::query::Query;
use crate::store::log::iso8601;
use crate::store::{Audit, LogEntry, MarkStatus};
use crate::text::{fmt_num, sanitize};

/// One record of the checklist, every field already as text in the chosen language.
pub struct Item {
    pub index: usize,
    pub unit_code: String,
    pub unit_name: String,
    pub indicator: String,
    pub indicator_name: String,
    pub year: u16,
    pub target: String,
    /// The reported figure as sampled: `87,9%`, `đạt`, `42,5`.
    pub reported: String,
    /// The counts behind it as stored now: `51/58 thôn`, or the unit of a number.
    pub counts: String,
    /// The figure was changed in the store after the sample was drawn.
    pub changed_since: bool,
    pub why: String,
    /// The current mark, as text (`chưa kiểm` when none).
    pub result: String,
    /// Earlier marks (a re-marked record), oldest first.
    pub earlier: Vec<String>,
}

pub fn mark_label(s: Option<MarkStatus>, lang: Lang) -> &'static str {
    lang.t(match s {
        None => "unmarked",
        Some(MarkStatus::Confirmed) => "mark_confirmed",
        Some(MarkStatus::Discrepancy) => "mark_discrepancy",
        Some(MarkStatus::CannotVerify) => "mark_cannot_verify",
    })
}

/// A value on the recount scale as the indicator shows it.
pub fn show_scaled(kind: Option<Kind>, v: f64, lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    match kind {
        Some(Kind::Bool) if v == 0.0 || v == 1.0 => show(Kind::Bool, Value::Pass(v == 1.0), vi),
        Some(Kind::Bool) => fmt_num(v, 2, lang.num_style()),
        Some(k) => show(k, Value::Number(v), vi),
        None => fmt_num(v, 2, lang.num_style()),
    }
}

/// The checklist of audit `a`. `history` gives each record's logged marks (oldest first).
pub fn items(
    q: &Query,
    a: &Audit,
    lang: Lang,
    history: impl Fn(usize) -> Vec<LogEntry>,
) -> Result<Vec<Item>> {
    let vi = lang == Lang::Vi;
    let st = lang.num_style();
    let mut out = Vec::new();
    for (i, r) in a.records.iter().enumerate() {
        let fw = q.reg.get(&r.key.framework);
        let ind = fw.and_then(|f| f.indicator(&r.key.indicator));
        let kind = ind.map(|(_, x)| x.kind);
        let target = match (fw, ind) {
            (Some(f), Some((ii, x))) => q
                .targets(f, &r.key.unit)
                .get(ii)
                .cloned()
                .flatten()
                .map(|t| show_target(x.kind, &t, vi))
                .unwrap_or_else(|| lang.t("cell_no_target").to_string()),
            _ => String::new(),
        };
        let now = q.store.observation(&r.key)?;
        let unit_word = ind.map(|(_, x)| x.unit.clone()).unwrap_or_default();
        let counts = match &now {
            Some(o) => match (o.numerator, o.denominator) {
                (Some(n), Some(d)) => {
                    format!("{}/{} {}", fmt_num(n, 3, st), fmt_num(d, 3, st), unit_word)
                }
                _ if kind == Some(Kind::Number) => unit_word.clone(),
                _ => String::new(),
            },
            None => String::new(),
        };
        let changed_since = now.as_ref().map(crate::query::audit::reported) != Some(r.reported);
        let result = match &r.mark {
            None => mark_label(None, lang).to_string(),
            Some(m) => {
                let mut t = mark_label(Some(m.status), lang).to_string();
                if let Some(c) = m.recount {
                    t += &format!(" · {} {}", lang.t("f_recount"), show_scaled(kind, c, lang));
                }
                if let Some(n) = &m.note {
                    t += &format!(" · {n}");
                }
                t + &format!(" ({}, {})", m.who, iso8601(m.when))
            }
        };
        let logged = history(i);
        let earlier = if logged.len() > 1 {
            logged[..logged.len() - 1]
                .iter()
                .map(|e| {
                    format!(
                        "{} ({}, {})",
                        e.new.as_deref().unwrap_or("—"),
                        e.who,
                        iso8601(e.when)
                    )
                })
                .collect()
        } else {
            Vec::new()
        };
        out.push(Item {
            index: i + 1,
            unit_code: r.key.unit.clone(),
            unit_name: q
                .units
                .get(&r.key.unit)
                .map_or_else(|| r.key.unit.clone(), |u| u.name.clone()),
            indicator: r.key.indicator.clone(),
            indicator_name: ind
                .map(|(_, x)| {
                    if vi {
                        x.name.clone()
                    } else {
                        x.name_en.clone()
                    }
                })
                .unwrap_or_default(),
            year: r.key.year,
            target,
            reported: r.reported.map_or_else(
                || lang.t("none").to_string(),
                |v| show_scaled(kind, v, lang),
            ),
            counts,
            changed_since,
            why: r.why.clone(),
            result,
            earlier,
        });
    }
    Ok(out)
}

/// The checklist as text: two or three lines per record.
pub fn text(a: &Audit, items: &[Item], lang: Lang) -> String {
    let vi = lang == Lang::Vi;
    let marked = a.records.iter().filter(|r| r.mark.is_some()).count();
    let mut o = if vi {
        format!(
            "Kiểm tra {}: đã kiểm {marked}/{}; {}\n",
            a.name,
            a.records.len(),
            a.params
        )
    } else {
        format!(
            "Audit {}: {marked}/{} checked; {}\n",
            a.name,
            a.records.len(),
            a.params
        )
    };
    let (l_target, l_rep, l_res, l_why, l_earlier, l_changed) = if vi {
        (
            "yêu cầu",
            "báo cáo",
            "kết quả",
            "lý do chọn",
            "lần đánh dấu trước",
            "số liệu đã sửa sau khi chọn mẫu",
        )
    } else {
        (
            "target",
            "reported",
            "result",
            "drawn because",
            "earlier mark",
            "figure changed since the draw",
        )
    };
    for it in items {
        o += &format!(
            "\n{:>3}. {} ({}) · {} {} · {}\n",
            it.index,
            it.unit_name,
            it.unit_code,
            it.indicator,
            crate::text::excerpt_n(&it.indicator_name, 70),
            it.year
        );
        let mut rep = it.reported.clone();
        if !it.counts.is_empty() {
            rep += &format!(" ({})", it.counts.trim());
        }
        if it.changed_since {
            rep += &format!(" [{l_changed}]");
        }
        o += &format!("     {l_target}: {} · {l_rep}: {rep}\n", it.target);
        if !it.why.is_empty() {
            o += &format!("     {l_why}: {}\n", it.why);
        }
        o += &format!("     {l_res}: {}\n", it.result);
        for e in &it.earlier {
            o += &format!("     {l_earlier}: {e}\n");
        }
    }
    sanitize_block(&o)
}

fn sanitize_block(s: &str) -> String {
    crate::text::sanitize_lines(s)
}

/// Column headings of the CSV/XLSX checklist: the record, then the empty columns filled in
/// on site.
pub fn headings(lang: Lang) -> [&'static str; 15] {
    if lang == Lang::Vi {
        [
            "STT",
            "Mã đơn vị",
            "Xã",
            "Chỉ tiêu",
            "Tên chỉ tiêu",
            "Năm",
            "Yêu cầu",
            "Số báo cáo",
            "Tử số/mẫu số",
            "Lý do chọn",
            "Kết quả hiện tại",
            "Số đếm lại",
            "Hồ sơ, chứng cứ",
            "Kết luận (khớp/sai lệch/không kiểm được)",
            "Chữ ký",
        ]
    } else {
        [
            "No.",
            "Unit code",
            "Commune",
            "Indicator",
            "Indicator name",
            "Year",
            "Target",
            "Reported",
            "Numerator/denominator",
            "Drawn because",
            "Current result",
            "Recount",
            "Evidence",
            "Finding (confirmed/discrepancy/cannot verify)",
            "Signature",
        ]
    }
}

fn row(it: &Item) -> [String; 15] {
    [
        it.index.to_string(),
        it.unit_code.clone(),
        it.unit_name.clone(),
        it.indicator.clone(),
        it.indicator_name.clone(),
        it.year.to_string(),
        it.target.clone(),
        it.reported.clone(),
        it.counts.trim().to_string(),
        it.why.clone(),
        it.result.clone(),
        String::new(),
        String::new(),
        String::new(),
        String::new(),
    ]
    .map(|c| sanitize(&c))
}

pub fn csv(items: &[Item], lang: Lang) -> Result<String> {
    let mut w = csv::Writer::from_writer(Vec::new());
    w.write_record(headings(lang))?;
    for it in items {
        w.write_record(row(it))?;
    }
    Ok(String::from_utf8(w.into_inner()?)?)
}

/// A printable sheet: title, bordered cells, wide empty columns for the recount, evidence and
/// signature, landscape, headings repeated on every page.
pub fn xlsx(a: &Audit, items: &[Item], lang: Lang) -> Result<Vec<u8>> {
    use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook};
    let vi = lang == Lang::Vi;
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name(if vi {
        "Phiếu kiểm tra"
    } else {
        "Checklist"
    })?;
    let title = Format::new().set_bold().set_font_size(13);
    let head = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Center)
        .set_align(FormatAlign::VerticalCenter)
        .set_background_color("#DDEBF7");
    let cell = Format::new()
        .set_border(FormatBorder::Thin)
        .set_text_wrap()
        .set_align(FormatAlign::Top);
    let heading = if vi {
        format!("PHIẾU KIỂM TRA XÁC SUẤT {}", sanitize(&a.name))
    } else {
        format!("Spot audit checklist {}", sanitize(&a.name))
    };
    ws.write_string_with_format(0, 0, &heading, &title)?;
    ws.write_string(1, 0, sanitize(&a.params))?;
    let widths = [5, 14, 16, 8, 36, 6, 10, 12, 16, 18, 18, 12, 28, 18, 14];
    for (c, (h, w)) in headings(lang).iter().zip(widths).enumerate() {
        ws.write_string_with_format(3, c as u16, *h, &head)?;
        ws.set_column_width(c as u16, w)?;
    }
    for (r, it) in items.iter().enumerate() {
        let rr = 4 + r as u32;
        for (c, v) in row(it).iter().enumerate() {
            ws.write_string_with_format(rr, c as u16, v, &cell)?;
        }
        ws.set_row_height(rr, 36)?;
    }
    ws.set_landscape();
    ws.set_repeat_rows(3, 3)?;
    ws.set_print_fit_to_pages(1, 0);
    Ok(wb.save_to_buffer()?)
}
