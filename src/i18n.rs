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
    ("revocation_risk", "Nguy cơ thu hồi", "Revocation risk"),
    ("risk_none", "không", "none"),
    ("risk_low", "thấp", "low"),
    ("risk_medium", "trung bình", "medium"),
    ("risk_high", "cao", "high"),
    ("basic", "cơ bản đạt", "basically met"),
    ("trend", "Xu hướng", "Trend"),
    ("trend_achieved", "đã đạt", "achieved"),
    ("trend_on_track", "đúng hướng", "on track"),
    ("trend_moderate", "cải thiện chậm", "moderate"),
    ("trend_stagnating", "giậm chân", "stagnating"),
    ("trend_deteriorating", "đi xuống", "deteriorating"),
    ("trend_insufficient", "chưa đủ số liệu", "too few years"),
    // terminal interface
    ("act_quit", "Thoát", "Quit"),
    (
        "act_help",
        "Trợ giúp (danh sách phím)",
        "Help (the key list)",
    ),
    ("act_back", "Quay lại / bỏ lọc", "Back / clear the filter"),
    (
        "act_filter",
        "Lọc theo tên hoặc mã (không cần dấu)",
        "Filter by name or code (accents optional)",
    ),
    ("act_next_match", "Dòng kế tiếp", "Next row"),
    ("act_prev_match", "Dòng trước", "Previous row"),
    ("act_move_up", "Lên", "Up"),
    ("act_move_down", "Xuống", "Down"),
    ("act_move_left", "Sang trái", "Left"),
    ("act_move_right", "Sang phải", "Right"),
    ("act_page_up", "Lên một trang", "Page up"),
    ("act_page_down", "Xuống một trang", "Page down"),
    ("act_half_page_up", "Lên nửa trang", "Half a page up"),
    ("act_half_page_down", "Xuống nửa trang", "Half a page down"),
    ("act_go_top", "Về đầu", "To the top"),
    ("act_go_bottom", "Xuống cuối", "To the bottom"),
    ("act_line_start", "Cột đầu tiên", "First column"),
    ("act_line_end", "Cột cuối cùng", "Last column"),
    (
        "act_drill_in",
        "Xem chi tiết tiêu chí",
        "Open the criterion's detail",
    ),
    ("act_year_prev", "Năm trước", "Previous year"),
    ("act_year_next", "Năm sau", "Next year"),
    (
        "act_against_prev",
        "Năm so sánh lùi lại",
        "Earlier comparison year",
    ),
    (
        "act_against_next",
        "Năm so sánh tiến lên",
        "Later comparison year",
    ),
    (
        "act_toggle_findings",
        "Danh sách phát hiện",
        "Findings list",
    ),
    (
        "act_indicator_view",
        "So sánh một chỉ tiêu giữa các xã",
        "One indicator across communes",
    ),
    (
        "act_sort_next",
        "Đổi cách sắp xếp (tên, số TC đạt, phát hiện)",
        "Change the sort (name, criteria met, findings)",
    ),
    (
        "act_pick_parent",
        "Chọn huyện/tỉnh",
        "Choose the district/province",
    ),
    (
        "act_cycle_kind",
        "Lọc theo loại phát hiện",
        "Filter by finding kind",
    ),
    ("act_prev_criterion", "Tiêu chí trước", "Previous criterion"),
    ("act_next_criterion", "Tiêu chí sau", "Next criterion"),
    (
        "act_next_commune",
        "Xã sau, cùng tiêu chí",
        "Next commune, same criterion",
    ),
    (
        "act_prev_commune",
        "Xã trước, cùng tiêu chí",
        "Previous commune, same criterion",
    ),
    ("act_prev_indicator", "Chỉ tiêu trước", "Previous indicator"),
    ("act_next_indicator", "Chỉ tiêu sau", "Next indicator"),
    (
        "act_indicator_drill",
        "Chi tiết của xã này",
        "This commune's detail",
    ),
    (
        "act_findings_drill",
        "Đến ô của phát hiện",
        "Jump to the finding's cell",
    ),
    ("hint_quit", "thoát", "quit"),
    ("hint_help", "trợ giúp", "help"),
    ("hint_back", "quay lại", "back"),
    ("hint_filter", "lọc", "filter"),
    ("hint_drill_in", "chi tiết", "detail"),
    ("hint_year", "năm", "year"),
    ("hint_against", "năm so sánh", "compare"),
    ("hint_findings", "phát hiện", "findings"),
    ("hint_indicator", "so sánh xã", "peers"),
    ("hint_sort", "sắp xếp", "sort"),
    ("hint_parent", "huyện/tỉnh", "district"),
    ("hint_kind", "loại", "kind"),
    ("hint_move", "di chuyển", "move"),
    ("hint_pick", "chọn", "choose"),
    (
        "edit_hint",
        "Enter xong · Esc huỷ",
        "Enter done · Esc cancel",
    ),
    ("help_title", "Trợ giúp", "Help"),
    ("help_everywhere", "Mọi màn hình", "Everywhere"),
    ("help_moving", "Di chuyển", "Moving"),
    ("help_grid", "Bảng tiêu chí", "Criteria grid"),
    ("help_detail", "Chi tiết tiêu chí", "Criterion detail"),
    (
        "help_indicator",
        "Chỉ tiêu giữa các xã",
        "Indicator across communes",
    ),
    ("help_findings", "Phát hiện", "Findings"),
    (
        "picker_title",
        "Chọn huyện/tỉnh (gõ để lọc, Enter chọn, Esc huỷ)",
        "Choose a district/province (type to filter, Enter picks, Esc cancels)",
    ),
    ("picker_short", "Chọn huyện/tỉnh", "Choose a unit"),
    ("level_province", "tỉnh", "province"),
    ("level_district", "huyện", "district"),
    ("too_small", "Cửa sổ quá nhỏ", "Terminal too small"),
    ("need", "cần", "need"),
    ("sort", "Sắp xếp", "Sort"),
    ("sort_name", "tên", "name"),
    ("sort_met", "số TC đạt", "criteria met"),
    ("sort_findings", "phát hiện", "findings"),
    ("crit_short", "TC", "C"),
    ("pct_meeting_short", "xã đạt", "of communes meet it"),
    ("col_met", "Đạt", "Met"),
    ("col_recognized", "CN", "Rec."),
    ("col_findings", "PH", "Fd"),
    (
        "no_communes",
        "Không có xã nào có số liệu.",
        "No commune has data.",
    ),
    (
        "no_match",
        "Không có dòng nào khớp bộ lọc.",
        "Nothing matches the filter.",
    ),
    ("baseline", "Năm gốc", "Baseline"),
    ("target", "Yêu cầu", "Target"),
    ("value", "Giá trị", "Value"),
    ("change", "Thay đổi", "Change"),
    ("years", "Các năm", "Years"),
    ("source", "Nguồn", "Source"),
    ("note", "Ghi chú", "Note"),
    ("stated", "báo cáo ghi", "report states"),
    ("val_pass", "đạt", "pass"),
    ("val_fail", "chưa đạt", "fail"),
    (
        "origin_province",
        "quyết định của tỉnh",
        "provincial decision",
    ),
    ("origin_province_short", "QĐ tỉnh", "province"),
    ("origin_region", "theo vùng", "region"),
    ("origin_national", "toàn quốc", "national"),
    ("counts", "Tử số/mẫu số", "Count/total"),
    ("target_source", "Nguồn chỉ tiêu", "Target source"),
    (
        "sorted_by_value",
        "xếp theo giá trị, tốt nhất trước",
        "sorted by value, best first",
    ),
    ("all_kinds", "tất cả", "all"),
    ("keys", "Phím", "Keys"),
    ("action", "Thao tác", "Action"),
];
