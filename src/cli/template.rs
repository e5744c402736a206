//! `ntm template`: an empty data-entry workbook for a district's communes — one row per commune
//! and indicator, with the indicator's name and target beside it and input validation — that a
//! commune fills in and sends back for `ntm import FILE.xlsx`.

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::anyhow;
use rust_xlsxwriter::{DataValidation, DataValidationRule, Format, FormatBorder, Workbook};

use super::{Ctx, Res};
use crate::eval::findings::show_target;
use crate::model::Kind;
use crate::query::Query;

#[derive(clap::Args, Debug)]
pub struct Args {
    /// Framework id (default: the first set whose period covers --year, e.g. qd51-2025 for
    /// 2026; else the set with the most recent data)
    #[arg(long)]
    pub framework: Option<String>,
    /// District or province whose communes get rows
    #[arg(long)]
    pub unit: String,
    /// The year the figures are for
    #[arg(long)]
    pub year: u16,
    /// The workbook to write
    pub file: PathBuf,
}

pub fn run(ctx: &Ctx, a: Args) -> Res {
    let store = ctx.open()?;
    let q = Query::new(&store)?;
    let fw = match &a.framework {
        Some(id) => q.framework(Some(id))?,
        None => match q.reg.frameworks.iter().find(|f| {
            f.period
                .is_some_and(|(from, to)| (from..=to).contains(&a.year))
        }) {
            Some(f) => f,
            None => q.framework(None)?,
        },
    };
    // only the communes that exist in the year (not those merged away, not those created later)
    let communes = q.communes_in(&a.unit, a.year)?;
    if communes.is_empty() {
        return Err(anyhow!(
            "{} has no communes in {} in the store (import its units first; a commune counts in the years from its valid_from to its valid_to)",
            a.unit,
            a.year
        )
        .into());
    }
    let vi = ctx.lang == crate::i18n::Lang::Vi;
    let mut wb = Workbook::new();
    let bold = Format::new()
        .set_bold()
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    let info = Format::new().set_font_color("#555555").set_text_wrap();
    let input = Format::new()
        .set_background_color("#FFF2CC")
        .set_border(FormatBorder::Thin);

    // units: so the workbook imports on its own
    let ws = wb.add_worksheet();
    ws.set_name("units")?;
    // a framework that picks targets by commune group (QĐ 51/2025) gets that column too
    let mut heads = vec!["code", "name", "level", "parent_code", "region"];
    if fw.uses_commune_groups() {
        heads.push("commune_group");
    }
    for (c, h) in heads.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let mut chain: Vec<&crate::model::Unit> = q.units.chain(&a.unit).into_iter().rev().collect();
    chain.extend(communes.iter().copied());
    for (r, u) in chain.iter().enumerate() {
        let r = r as u32 + 1;
        ws.write_string(r, 0, &u.code)?;
        ws.write_string(r, 1, &u.name)?;
        ws.write_string(r, 2, u.level.as_str())?;
        ws.write_string(r, 3, u.parent_code.as_deref().unwrap_or(""))?;
        ws.write_string(r, 4, u.region.as_deref().unwrap_or(""))?;
        if fw.uses_commune_groups() {
            ws.write_string(r, 5, u.commune_group.as_deref().unwrap_or(""))?;
        }
    }
    ws.autofit();

    let ws = wb.add_worksheet();
    ws.set_name("observations")?;
    let head = [
        if vi { "# xã" } else { "# commune" },
        if vi { "# chỉ tiêu" } else { "# indicator" },
        if vi { "# yêu cầu" } else { "# target" },
        "unit_code",
        "framework",
        "indicator",
        "year",
        "value",
        "numerator",
        "denominator",
        "stated_percent",
        "source",
        "note",
    ];
    for (c, h) in head.iter().enumerate() {
        ws.write_string_with_format(0, c as u16, *h, &bold)?;
    }
    let pass = DataValidation::new()
        .allow_list_strings(&["dat", "chua_dat"])?
        .set_input_message(if vi {
            "dat hoặc chua_dat"
        } else {
            "dat (pass) or chua_dat (fail)"
        })?;
    let count = DataValidation::new()
        .allow_whole_number(DataValidationRule::GreaterThanOrEqualTo(0))
        .set_error_message(if vi {
            "Số nguyên không âm"
        } else {
            "A whole number ≥ 0"
        })?;
    let amount = DataValidation::new()
        .allow_decimal_number(DataValidationRule::GreaterThanOrEqualTo(0.0))
        .set_error_message(if vi {
            "Số không âm"
        } else {
            "A number ≥ 0"
        })?;
    let percent = DataValidation::new()
        .allow_decimal_number(DataValidationRule::Between(0.0, 100.0))
        .set_error_message(if vi {
            "Tỷ lệ từ 0 đến 100"
        } else {
            "A percentage from 0 to 100"
        })?;
    let mut r = 1u32;
    for u in &communes {
        let targets = q.targets(fw, &u.code);
        for (i, ind) in fw.indicators.iter().enumerate() {
            let name = if vi { &ind.name } else { &ind.name_en };
            let target = targets[i]
                .as_ref()
                .map(|t| show_target(ind.kind, t, vi))
                .unwrap_or_else(|| {
                    if vi {
                        "chưa có".into()
                    } else {
                        "none".into()
                    }
                });
            ws.write_string(r, 0, &u.name)?;
            ws.write_string_with_format(r, 1, format!("{} {}", ind.code, name), &info)?;
            ws.write_string(r, 2, &target)?;
            ws.write_string(r, 3, &u.code)?;
            ws.write_string(r, 4, &fw.id)?;
            ws.write_string(r, 5, &ind.code)?;
            ws.write_number(r, 6, f64::from(a.year))?;
            match ind.kind {
                Kind::Bool => {
                    ws.write_blank(r, 7, &input)?;
                    ws.add_data_validation(r, 7, r, 7, &pass)?;
                }
                Kind::Number => {
                    ws.write_blank(r, 7, &input)?;
                    ws.add_data_validation(r, 7, r, 7, &amount)?;
                }
                Kind::Ratio => {
                    ws.write_blank(r, 8, &input)?;
                    ws.write_blank(r, 9, &input)?;
                    let v = if ind.unit == "km" || ind.unit == "ha" {
                        &amount
                    } else {
                        &count
                    };
                    ws.add_data_validation(r, 8, r, 9, v)?;
                    ws.add_data_validation(r, 7, r, 7, &percent)?;
                    ws.add_data_validation(r, 10, r, 10, &percent)?;
                }
            }
            r += 1;
        }
    }
    ws.set_column_width(1, 60)?;
    ws.set_column_width(2, 14)?;
    ws.set_freeze_panes(1, 3)?;
    let mut out = crate::files::AtomicFile::create(&a.file, store.privacy())?;
    wb.save_to_writer(&mut out)?;
    out.commit()?;
    say!(
        "wrote {} rows ({} communes × {} indicators of {}) to {}; fill value (pass/fail, numbers) or numerator+denominator (ratios), then: ntm import {}",
        r - 1,
        communes.len(),
        fw.indicators.len(),
        fw.id,
        a.file.display(),
        a.file.display()
    );
    Ok(ExitCode::SUCCESS)
}
