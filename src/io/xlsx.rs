//! Excel workbooks in and out: sheets `units`, `observations`, `recognitions` with the same
//! columns as the CSV bundle. A workbook is read by turning each sheet into the CSV the bundle
//! reader validates, so the rules are exactly the import's; errors come back as
//! `sheet!cell: reason`.

use std::path::Path;

use calamine::{Data, Reader, open_workbook_auto};
use rust_xlsxwriter::{Format, Workbook};

use super::read::{BadRow, ReadOptions, read_bundle};
use crate::framework::Registry;
use crate::model::Units;
use crate::store::{Bundle, Store};
use crate::text::fmt_plain;

use super::numbers::TYPED;

/// The header word of column `c` (empty for the header row itself, read before it is known).
fn header_at(header: &[String], c: usize) -> &str {
    header.get(c).map_or("", String::as_str)
}

const SHEETS: [&str; 3] = ["units", "observations", "recognitions"];

/// Column letters: 0 → A, 25 → Z, 26 → AA.
pub fn column_letter(mut i: usize) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (i % 26) as u8);
        if i < 26 {
            break;
        }
        i = i / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).expect("ASCII")
}

fn bad(file: &Path, reason: impl Into<String>) -> Vec<BadRow> {
    vec![BadRow {
        file: file.display().to_string(),
        line: 0,
        column: String::new(),
        reason: reason.into(),
    }]
}

/// Read and validate a workbook exactly as a bundle folder.
pub fn read_xlsx(
    path: &Path,
    reg: &Registry,
    stored: &Units,
    opt: &ReadOptions,
) -> Result<Bundle, Vec<BadRow>> {
    let mut wb = open_workbook_auto(path)
        .map_err(|e| bad(path, format!("cannot open the workbook: {e}")))?;
    let names = wb.sheet_names();
    let tmp = crate::files::TempDir::new("ntm-xlsx")
        .map_err(|e| bad(path, format!("cannot make a temporary folder: {e}")))?;
    // per sheet: the first row/column of its range, and its header, to name cells in errors
    #[allow(clippy::type_complexity)]
    let mut layout: Vec<(&str, (u32, u32), Vec<String>, Vec<(u64, u64)>)> = Vec::new();
    for sheet in SHEETS {
        let Some(name) = names.iter().find(|n| n.trim().eq_ignore_ascii_case(sheet)) else {
            if sheet == "recognitions" {
                continue;
            }
            return Err(bad(
                path,
                format!(
                    "the workbook has no sheet named \"{sheet}\" (it has: {})",
                    names
                        .iter()
                        .map(|n| crate::text::excerpt(n))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            ));
        };
        let range = wb
            .worksheet_range(name)
            .map_err(|e| bad(path, format!("sheet {sheet}: {e}")))?;
        // the bundle reader's column limit, before a wide sheet is turned into CSV text
        if range.width() > super::read::MAX_COLUMNS {
            return Err(bad(
                path,
                format!(
                    "sheet {sheet} is {} columns wide, over the limit of {}",
                    range.width(),
                    super::read::MAX_COLUMNS
                ),
            ));
        }
        let start = range.start().unwrap_or((0, 0));
        let mut csv_text: Vec<u8> = Vec::new();
        // CSV line where each written record starts → its row in the sheet (blank rows are
        // skipped and a cell may hold a line break, so the two can differ)
        let mut rows_at: Vec<(u64, u64)> = Vec::new();
        let mut header = Vec::new();
        for (r, row) in range.rows().enumerate() {
            let sheet_row = start.0 as u64 + r as u64 + 1;
            let mut rec = Vec::with_capacity(row.len());
            for (c, cell) in row.iter().enumerate() {
                let at = || format!("{sheet}!{}{sheet_row}", column_letter(start.1 as usize + c));
                let text = match cell {
                    Data::Empty => String::new(),
                    Data::String(s) => s.clone(),
                    // `1e308`, not its 309 digits: the reader then names the bound it breaks
                    Data::Float(f) if f.abs() >= 1e15 => format!("{f:e}"),
                    // a number Excel holds as a number is one whatever the writing of
                    // the text cells: marked, so that a typed 15.848 is never read 15848
                    Data::Float(f) if NUMERIC.contains(&header_at(&header, c)) => {
                        format!("{TYPED}{}", fmt_plain(*f))
                    }
                    Data::Float(f) => fmt_plain(*f),
                    Data::Int(i) => i.to_string(),
                    Data::Bool(b) => b.to_string(),
                    Data::DateTime(_) | Data::DateTimeIso(_) | Data::DurationIso(_) => {
                        return Err(vec![BadRow {
                            file: at(),
                            line: 0,
                            column: String::new(),
                            reason: "a date cell; years are whole numbers (format the column as Number or Text)".into(),
                        }]);
                    }
                    Data::Error(e) => {
                        return Err(vec![BadRow {
                            file: at(),
                            line: 0,
                            column: String::new(),
                            reason: format!("the cell holds an Excel error ({e:?})"),
                        }]);
                    }
                };
                rec.push(text);
            }
            if r == 0 {
                header = rec.iter().map(|h| h.trim().to_string()).collect();
            } else if rec.iter().all(|t| t.trim().is_empty()) {
                continue; // spreadsheets keep formatted blank rows
            }
            // columns headed `# ...` are for people (names, targets in a template): not data
            let rec: Vec<String> = rec
                .into_iter()
                .enumerate()
                .filter(|(c, _)| !header.get(*c).is_some_and(|h| h.starts_with('#')))
                .map(|(_, t)| t)
                .collect();
            let line = csv_text.iter().filter(|b| **b == b'\n').count() as u64 + 1;
            rows_at.push((line, sheet_row));
            let mut w = csv::Writer::from_writer(Vec::new());
            w.write_record(&rec)
                .map_err(|e| bad(path, format!("sheet {sheet}: {e}")))?;
            csv_text.extend(
                w.into_inner()
                    .map_err(|e| bad(path, format!("sheet {sheet}: {e}")))?,
            );
        }
        std::fs::write(tmp.0.join(format!("{sheet}.csv")), &csv_text)
            .map_err(|e| bad(path, e.to_string()))?;
        layout.push((sheet, start, header, rows_at));
    }
    // a reader's `observations.csv:LINE:column` as the cell it came from
    let to_cell = |r: BadRow| -> BadRow {
        let Some((sheet, start, header, rows_at)) =
            layout.iter().find(|(s, ..)| r.file == format!("{s}.csv"))
        else {
            return r;
        };
        let row = rows_at
            .iter()
            .rev()
            .find(|(l, _)| *l <= r.line.max(1))
            .map_or(start.0 as u64 + 1, |(_, sr)| *sr);
        let cell = match header
            .iter()
            .position(|h| *h == r.column && !h.starts_with('#'))
        {
            Some(c) => format!("{}{row}", column_letter(start.1 as usize + c)),
            None => format!("row {row}"),
        };
        let what = if r.column.is_empty() {
            String::new()
        } else {
            format!(" ({})", r.column)
        };
        BadRow {
            file: format!("{sheet}!{cell}"),
            line: 0,
            column: String::new(),
            reason: format!("{}{what}", r.reason),
        }
    };
    match read_bundle(&tmp.0, reg, stored, opt) {
        Ok(mut b) => {
            b.warnings = std::mem::take(&mut b.warnings)
                .into_iter()
                .map(to_cell)
                .collect();
            use sha2::{Digest, Sha256};
            let h: String = std::fs::read(path)
                .map(|x| {
                    Sha256::digest(&x)
                        .iter()
                        .map(|b| format!("{b:02x}"))
                        .collect()
                })
                .unwrap_or_default();
            b.origin = Some((
                path.display().to_string(),
                format!(
                    "{} sha256 {h}",
                    path.file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default()
                ),
            ));
            Ok(b)
        }
        Err(rows) => Err(rows.into_iter().map(to_cell).collect()),
    }
}

/// Columns written as numbers (when the cell holds one); everything else is text.
const NUMERIC: &[&str] = &[
    "year",
    "numerator",
    "denominator",
    "stated_percent",
    "units_met",
    "units_total",
    "valid_from",
    "valid_to",
    "value",
];

/// Write the store as a workbook with the bundle's three sheets: numbers as numbers, text as
/// text, header row bold and frozen.
pub fn write_xlsx(store: &Store, path: &Path) -> anyhow::Result<(usize, usize, usize)> {
    let tmp = crate::files::TempDir::new("ntm-xlsx")?;
    let counts = super::write_bundle(store, &tmp.0)?;
    let mut wb = Workbook::new();
    let bold = Format::new().set_bold();
    for sheet in SHEETS {
        let text = std::fs::read_to_string(tmp.0.join(format!("{sheet}.csv")))?;
        let ws = wb.add_worksheet();
        ws.set_name(sheet)?;
        let mut rdr = csv::ReaderBuilder::new()
            .has_headers(false)
            .from_reader(text.as_bytes());
        let mut header: Vec<String> = Vec::new();
        for (r, rec) in rdr.records().enumerate() {
            let rec = rec?;
            for (c, v) in rec.iter().enumerate() {
                let (row, col) = (r as u32, c as u16);
                if r == 0 {
                    header.push(v.to_string());
                    ws.write_string_with_format(row, col, v, &bold)?;
                } else if v.is_empty() {
                    continue;
                } else if let (true, Some(x)) = (
                    NUMERIC.contains(&header[c].as_str()),
                    crate::text::parse_plain(v),
                ) {
                    ws.write_number(row, col, x)?;
                } else {
                    ws.write_string(row, col, v)?;
                }
            }
        }
        ws.set_freeze_panes(1, 0)?;
        ws.set_autofit_max_width(60);
        ws.autofit();
    }
    let mut out = crate::files::AtomicFile::create(path, store.privacy())?;
    wb.save_to_writer(&mut out)?;
    out.commit()?;
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn letters() {
        assert_eq!(column_letter(0), "A");
        assert_eq!(column_letter(25), "Z");
        assert_eq!(column_letter(26), "AA");
        assert_eq!(column_letter(27), "AB");
        assert_eq!(column_letter(701), "ZZ");
        assert_eq!(column_letter(702), "AAA");
    }
}
