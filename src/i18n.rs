//! Every user-visible UI string, in Vietnamese and English. Code asks for a key; the language
//! is chosen once (`--lang`, config, default vi).

use crate::text::NumStyle;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Default)]
pub enum Lang {
    #[default]
    Vi,
    En,
}

impl Lang {
    pub fn parse(s: &str) -> Option<Lang> {
        match s {
            "vi" => Some(Lang::Vi),
            "en" => Some(Lang::En),
            _ => None,
        }
    }
    pub fn num_style(self) -> NumStyle {
        match self {
            Lang::Vi => NumStyle::Vi,
            Lang::En => NumStyle::En,
        }
    }
    /// Look up a catalogue entry; unknown keys come back as the key itself so a missing entry
    /// is visible rather than blank.
    pub fn t(self, key: &'static str) -> &'static str {
        CATALOGUE
            .iter()
            .find(|(k, _, _)| *k == key)
            .map(|(_, vi, en)| if self == Lang::Vi { *vi } else { *en })
            .unwrap_or(key)
    }
}

/// (key, Vietnamese, English)
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    ("framework", "Bộ tiêu chí", "Framework"),
    ("year", "Năm", "Year"),
    ("against", "So với", "Against"),
    ("unit", "Đơn vị", "Unit"),
    ("code", "Mã", "Code"),
    ("commune", "Xã", "Commune"),
    ("criteria_met", "Số TC đạt", "Criteria met"),
    ("standard", "Đạt chuẩn", "Standard"),
    ("recognized", "Công nhận", "Recognised"),
    ("findings", "Phát hiện", "Findings"),
    ("indicator", "Chỉ tiêu", "Indicator"),
    ("severity", "Mức", "Severity"),
    ("kind", "Loại", "Kind"),
    ("message", "Nội dung", "Message"),
    ("yes", "Đạt", "Yes"),
    ("no", "Chưa", "No"),
    ("none", "—", "—"),
    (
        "communes_meeting",
        "Xã đạt chuẩn",
        "Communes meeting the standard",
    ),
    (
        "avg_criteria",
        "Bình quân tiêu chí/xã",
        "Average criteria per commune",
    ),
    ("pct_meeting", "% xã đạt", "% meeting"),
    ("no_findings", "Không có phát hiện nào.", "No findings."),
    ("sev_error", "lỗi", "error"),
    ("sev_warning", "cảnh báo", "warning"),
    ("sev_info", "lưu ý", "info"),
    ("legend", "Chú thích", "Legend"),
    ("cell_met", "đạt", "met"),
    ("cell_not_met", "chưa đạt", "not met"),
    (
        "cell_regressed",
        "tụt hạng so với năm so sánh",
        "regressed since the comparison year",
    ),
    (
        "cell_inconsistent",
        "số liệu không khớp",
        "figures do not add up",
    ),
    ("cell_no_data", "không có số liệu", "no data"),
    ("cell_no_target", "chưa có chỉ tiêu", "no target"),
];
