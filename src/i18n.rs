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

static PROCESS_LANG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

impl Lang {
    /// The language this process speaks in notices from below the command layer (the store's
    /// "rolling back an interrupted import"), set once by the command line.
    pub fn set_process(self) {
        PROCESS_LANG.store(self == Lang::En, std::sync::atomic::Ordering::Relaxed);
    }
    pub fn process() -> Lang {
        if PROCESS_LANG.load(std::sync::atomic::Ordering::Relaxed) {
            Lang::En
        } else {
            Lang::Vi
        }
    }
}

/// (key, Vietnamese, English)
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    (
        "migrating_store",
        "đang chuyển kho dữ liệu sang cách lưu mới (một lần)",
        "converting the store to the new layout (once)",
    ),
    (
        "rolling_back_import",
        "đang hoàn tác lần nhập bị ngắt",
        "rolling back an interrupted import",
    ),
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
    ("opening_store", "đang mở kho dữ liệu", "opening the store"),
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
    ("kpi_filtered", "theo bộ lọc, đang hiện", "filtered, showing"),
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
    (
        "legend_risk",
        "trước năm công nhận: nguy cơ thu hồi trung bình/cao",
        "before the recognition year: revocation risk medium/high",
    ),
    ("rule", "quy tắc", "rule"),
    ("basic", "cơ bản đạt", "basically met"),
    ("trend", "Xu hướng", "Trend"),
    ("trend_achieved", "đã đạt", "achieved"),
    ("trend_on_track", "đúng hướng", "on track"),
    ("trend_moderate", "cải thiện chậm", "moderate"),
    ("trend_stagnating", "giậm chân", "stagnating"),
    ("trend_deteriorating", "đi xuống", "deteriorating"),
    ("trend_insufficient", "chưa đủ số liệu", "too few years"),
    // the way to the standard (`ntm plan`, the plan screen); {n} a number, {u} a unit
    ("plan_more", "thêm {n} {u}", "{n} more {u}"),
    ("plan_fewer", "bớt {n} {u}", "{n} fewer {u}"),
    ("plan_short", "thiếu {n} {u}", "{n} {u} short"),
    ("plan_over", "vượt {n} {u}", "{n} {u} over"),
    ("plan_points", "điểm %", "points"),
    ("plan_each_year", "mỗi năm", "a year"),
    ("plan_must_pass", "cần đạt", "must pass"),
    ("plan_no_data", "chưa có số liệu", "no data"),
    ("plan_no_target", "chưa có chỉ tiêu", "no target"),
    (
        "plan_percent_only",
        "chỉ có tỷ lệ %, không có tử số/mẫu số nên không tính được số lượng",
        "only the percentage is known (no numerator/denominator), so no count can be given",
    ),
    ("plan_reach_in", "đạt năm", "reaches it in"),
    (
        "plan_reach_away",
        "không đạt được với tốc độ này (đi ngược hoặc đứng yên)",
        "not at this pace (moving away or not moving)",
    ),
    (
        "plan_reach_away_short",
        "không với tốc độ này",
        "not at this pace",
    ),
    (
        "plan_reach_too_slow",
        "quá {n} năm với tốc độ này",
        "more than {n} years at this pace",
    ),
    ("plan_years", "năm", "years"),
    (
        "plan_reach_insufficient",
        "chưa đủ số liệu các năm để tính tốc độ",
        "too few years of data for a pace",
    ),
    (
        "plan_reach_insufficient_short",
        "thiếu số liệu",
        "too few years",
    ),
    (
        "plan_method",
        "Cách tính tốc độ: thay đổi bình quân mỗi năm trong {n} năm gần nhất (từ năm sớm nhất có số liệu trong khoảng đó đến năm đang xét); quá {u} năm coi như không đạt với tốc độ này.",
        "How the pace is worked out: the average yearly change over the last {n} years (from the earliest year with data in them to the year planned); more than {u} years away counts as not at this pace.",
    ),
    ("plan_in_communes", "trên {n} xã", "in {n} communes"),
    ("plan_n_communes", "{n} xã", "{n} communes"),
    (
        "plan_largest_short",
        "thiếu nhiều nhất {n} {u}",
        "at most {n} {u} short",
    ),
    (
        "plan_n_percent_only",
        "{n} xã chỉ có tỷ lệ %",
        "{n} communes with a percentage only",
    ),
    (
        "plan_n_must_pass",
        "{n} xã cần đạt",
        "{n} communes must pass",
    ),
    (
        "plan_n_no_data",
        "{n} xã chưa có số liệu",
        "{n} communes without data",
    ),
    (
        "plan_title",
        "CON ĐƯỜNG ĐẾN CHUẨN NTM",
        "THE WAY TO THE NTM STANDARD",
    ),
    ("plan_the_store", "toàn bộ kho dữ liệu", "the whole store"),
    ("plan_in_year", "năm", "in"),
    ("plan_no_data_of", "không có số liệu của", "no data for"),
    (
        "plan_nothing_to_plan",
        "không có gì để lập kế hoạch",
        "nothing to plan",
    ),
    (
        "plan_years_with_data",
        "các năm có số liệu",
        "years with data",
    ),
    (
        "plan_no_commune_data",
        "Không có xã nào có số liệu năm",
        "No commune has data in",
    ),
    (
        "plan_meeting",
        "Xã đạt chuẩn năm",
        "Communes meeting the standard in",
    ),
    (
        "plan_ranking",
        "Xếp hạng theo mức gần chuẩn (ít tiêu chí còn thiếu nhất, rồi ít chỉ tiêu đạt/không đạt hoặc thiếu số liệu nhất, rồi tổng khoảng cách nhỏ nhất)",
        "Ranked by closeness to the standard (fewest criteria missing, then fewest pass/fail or missing indicators, then the smallest total distance)",
    ),
    ("plan_col_away", "Còn thiếu", "Missing"),
    (
        "plan_col_missing",
        "Chỉ tiêu chưa đạt",
        "Indicators not met",
    ),
    (
        "plan_col_reach",
        "Đạt chuẩn theo tốc độ",
        "Standard at this pace",
    ),
    (
        "plan_totals",
        "Tổng cần cho kế hoạch",
        "What the plan needs in total",
    ),
    (
        "plan_next_year",
        "Có thể đạt chuẩn theo tốc độ hiện nay vào năm",
        "Could meet the standard at their pace in",
    ),
    ("plan_none_next", "không có xã nào", "none"),
    (
        "plan_aggregate",
        "số liệu tổng hợp của đơn vị",
        "the unit's own aggregate rows",
    ),
    ("plan_meets", "đạt chuẩn", "meets the standard"),
    ("plan_away", "còn thiếu", "missing"),
    ("plan_criteria", "tiêu chí", "criteria"),
    ("plan_restore", "cần khôi phục", "to restore"),
    ("plan_rank", "hạng", "rank"),
    ("plan_met_before", "đã đạt năm", "met in"),
    ("plan_pace", "tốc độ", "pace"),
    ("plan_kind_ntm", "NTM", "NTM"),
    ("plan_kind_nang_cao", "NTM nâng cao", "advanced NTM"),
    ("plan_kind_kieu_mau", "NTM kiểu mẫu", "model NTM"),
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
    (
        "legend_inherited",
        "mức công nhận kế thừa từ các xã trước sáp nhập",
        "recognition inherited from the merged communes",
    ),
    ("predecessors", "Xã tiền thân", "Predecessors"),
    (
        "before_merger",
        "số liệu trước sáp nhập",
        "figures before the merger of",
    ),
    ("merged_into", "Đã sáp nhập vào", "Merged into"),
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
    ("origin_group", "theo nhóm xã", "commune group"),
    ("origin_group_short", "nhóm", "group"),
    (
        "act_next_framework",
        "Chuyển bộ tiêu chí",
        "Switch the criteria framework",
    ),
    ("hint_framework", "bộ tiêu chí", "framework"),
    ("framework_break", "đổi bộ tiêu chí", "framework changed"),
    ("framework_switched", "Bộ tiêu chí", "Framework"),
    (
        "framework_only_one",
        "chỉ bộ này có số liệu",
        "the only one with data",
    ),
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
    // the plan screen
    (
        "act_plan",
        "Con đường đến chuẩn của xã đang chọn",
        "The way to the standard of this commune",
    ),
    ("hint_plan", "đến chuẩn", "plan"),
    ("hint_plan_toggle", "xã/huyện", "commune/district"),
    (
        "help_plan",
        "Con đường đến chuẩn",
        "The way to the standard",
    ),
    (
        "act_plan_toggle",
        "Chuyển giữa xã và cả huyện xếp theo mức gần chuẩn",
        "Switch between the commune and the district ranked by closeness",
    ),
    (
        "act_plan_drill",
        "Chi tiết tiêu chí của chỉ tiêu / kế hoạch của xã chọn",
        "The indicator's criterion detail / the chosen commune's plan",
    ),
    (
        "act_plan_next",
        "Xã sau trong bảng xếp hạng",
        "Next commune in the ranking",
    ),
    (
        "act_plan_prev",
        "Xã trước trong bảng xếp hạng",
        "Previous commune in the ranking",
    ),
    (
        "plan_screen",
        "con đường đến chuẩn",
        "the way to the standard",
    ),
    ("plan_no_data_year", "Không có số liệu năm", "No data in"),
    ("plan_col_now", "Hiện nay", "Now"),
    ("plan_col_need", "Còn thiếu", "Short by"),
    ("plan_col_reach_short", "Đạt năm", "Reached"),
    ("plan_pace_title", "Tốc độ", "Pace"),
    // review and audit
    (
        "cell_audited",
        "kiểm tra xác suất thấy sai lệch",
        "a spot audit found a discrepancy",
    ),
    (
        "act_edit",
        "Sửa giá trị, ghi chú, nguồn (hỏi lý do)",
        "Edit the value, note, source (asks for a reason)",
    ),
    (
        "act_flag",
        "Đặt hoặc bỏ cờ theo dõi, kèm nhận xét",
        "Set or clear a follow-up flag with a comment",
    ),
    (
        "act_undo",
        "Hoàn tác thay đổi gần nhất của phiên (hỏi trước)",
        "Undo the last change of this session (asks first)",
    ),
    (
        "act_audits",
        "Mở danh sách đợt kiểm tra",
        "Open the list of audits",
    ),
    (
        "act_mark_confirmed",
        "Kiểm tra: xác nhận đúng",
        "Audit: mark confirmed",
    ),
    (
        "act_mark_discrepancy",
        "Kiểm tra: sai lệch (số đếm lại, bằng chứng)",
        "Audit: mark a discrepancy (recount, evidence)",
    ),
    (
        "act_mark_cannot_verify",
        "Kiểm tra: không xác minh được",
        "Audit: mark cannot verify",
    ),
    (
        "act_new_audit",
        "Rút mẫu kiểm tra mới (cỡ mẫu, tầng, trọng số, hạt giống)",
        "Draw a new audit sample (size, strata, weight, seed)",
    ),
    ("hint_new_audit", "rút mẫu", "draw"),
    ("hint_edit", "sửa", "edit"),
    ("hint_flag", "cờ", "flag"),
    ("hint_undo", "hoàn tác", "undo"),
    ("hint_audits", "kiểm tra", "audits"),
    ("hint_mark_confirmed", "đúng", "confirmed"),
    ("hint_mark_discrepancy", "sai lệch", "discrepancy"),
    ("hint_mark_cannot_verify", "không xác minh", "can't verify"),
    ("hint_record", "bản ghi", "record"),
    (
        "help_review",
        "Sửa số liệu (màn chi tiết)",
        "Review (detail screen)",
    ),
    ("help_audit", "Kiểm tra xác suất", "Spot audit"),
    (
        "read_only_refused",
        "Chỉ đọc: không sửa, gắn cờ, hoàn tác hay đánh dấu được",
        "Read-only: editing, flags, undo and audit marks are unavailable",
    ),
    ("f_value", "Giá trị", "Value"),
    ("f_numerator", "Tử số", "Numerator"),
    ("f_denominator", "Mẫu số", "Denominator"),
    ("f_stated", "% báo cáo ghi", "Stated %"),
    ("f_note", "Ghi chú", "Note"),
    ("f_source", "Nguồn", "Source"),
    ("f_reason", "Lý do", "Reason"),
    ("f_comment", "Nhận xét", "Comment"),
    ("f_recount", "Số đếm lại", "Recount"),
    ("f_evidence", "Bằng chứng", "Evidence"),
    ("form_edit", "Sửa số liệu", "Edit"),
    ("form_flag", "Cờ theo dõi", "Follow-up flag"),
    ("form_mark", "Đánh dấu bản ghi", "Mark the record"),
    (
        "form_keys",
        "Enter lưu · Esc hủy · Tab/↑↓ chuyển ô",
        "Enter saves · Esc cancels · Tab/↑↓ field",
    ),
    (
        "form_reason_hint",
        "Thay đổi số liệu cần lý do",
        "A change to a figure needs a reason",
    ),
    (
        "form_flag_hint",
        "Để trống nhận xét để bỏ cờ",
        "An empty comment clears the flag",
    ),
    (
        "err_reason",
        "Thay đổi số liệu cần có lý do",
        "A change to a figure needs a reason",
    ),
    (
        "err_comment",
        "Nhập nhận xét để đặt cờ",
        "Give a comment to set the flag",
    ),
    ("err_recount", "Nhập số đếm lại", "Give the recounted value"),
    (
        "err_evidence",
        "Nhập ghi chú bằng chứng",
        "Give an evidence note",
    ),
    ("nothing_changed", "Không có gì thay đổi", "Nothing changed"),
    ("saved", "Đã lưu, nhật ký #", "Saved, log entry #"),
    (
        "edit_conflict",
        "Không lưu: số liệu này vừa được sửa bởi",
        "Not saved: this record was just changed by",
    ),
    (
        "edit_conflict_hint",
        "Esc rồi mở lại để sửa trên số mới",
        "Esc, then open it again to edit the new figures",
    ),
    (
        "changed_by_others",
        "Số liệu vừa được cập nhật bởi",
        "The data was just updated by",
    ),
    ("at_time", "lúc", "at"),
    (
        "paste_first_line",
        "Chỉ dán dòng đầu tiên (ô này một dòng)",
        "Only the first line was pasted (this field is one line)",
    ),
    (
        "paste_cut",
        "Phần dán quá dài, đã cắt bớt",
        "The paste was too long and was cut",
    ),
    ("undone", "Đã hoàn tác, nhật ký #", "Undone, log entry #"),
    (
        "undo_none",
        "Phiên này chưa có thay đổi nào để hoàn tác",
        "No change of this session to undo",
    ),
    ("undo_ask", "Hoàn tác mục nhật ký", "Undo log entry"),
    ("confirm_title", "Xác nhận", "Confirm"),
    (
        "confirm_keys",
        "y/Enter: đồng ý · n/Esc: thôi",
        "y/Enter: yes · n/Esc: no",
    ),
    ("flag_label", "Cờ theo dõi", "Follow-up"),
    ("history", "Lịch sử", "History"),
    ("audits_title", "Các đợt kiểm tra xác suất", "Spot audits"),
    (
        "no_audits",
        "Chưa có đợt kiểm tra nào; m: rút mẫu mới (hoặc ntm audit sample --name TÊN --size N)",
        "No audits yet; m: draw a sample (or ntm audit sample --name NAME --size N)",
    ),
    ("form_draw", "Rút mẫu kiểm tra", "Draw an audit sample"),
    (
        "err_name",
        "Tên đợt: một từ, không có khoảng trắng",
        "Name: one word without spaces",
    ),
    ("f_name", "Tên đợt", "Name"),
    ("f_size", "Cỡ mẫu", "Size"),
    ("f_year", "Năm", "Year"),
    (
        "f_strata",
        "Tầng (criterion/district/unit)",
        "Strata (criterion/district/unit)",
    ),
    ("f_weight", "Trọng số (risk)", "Weight (risk)"),
    ("f_seed", "Hạt giống (seed)", "Seed"),
    (
        "form_draw_hint",
        "Hạt giống đã được chọn ngẫu nhiên và sẽ lưu cùng đợt kiểm tra; để trống tầng/trọng số nếu không dùng",
        "The seed was chosen at random and is saved with the audit; leave strata/weight empty when not used",
    ),
    (
        "err_size",
        "Cỡ mẫu phải là số nguyên từ 1",
        "The size must be a whole number from 1",
    ),
    (
        "err_seed",
        "Hạt giống phải là số nguyên không âm",
        "The seed must be a whole number",
    ),
    (
        "err_strata",
        "Tầng: criterion, district, unit hoặc để trống",
        "Strata: criterion, district, unit or empty",
    ),
    (
        "err_weight",
        "Trọng số: risk hoặc để trống",
        "Weight: risk or empty",
    ),
    (
        "err_year",
        "Năm: bốn chữ số hoặc để trống",
        "Year: four digits or empty",
    ),
    ("drawn", "Đã rút mẫu, nhật ký #", "Drawn, log entry #"),
    (
        "err_remark_reason",
        "Bản ghi đã được đánh dấu: đánh dấu lại cần lý do (lần trước vẫn giữ trong lịch sử)",
        "The record is already marked: marking it again needs a reason (the earlier mark stays in its history)",
    ),
    ("earlier_marks", "Các lần đánh dấu trước", "Earlier marks"),
    (
        "form_remark_hint",
        "Đánh dấu lại: ghi lý do; lần đánh dấu trước vẫn giữ trong lịch sử",
        "Marking again: give the reason; the earlier mark stays in the history",
    ),
    ("audit_short", "Kiểm tra", "Audit"),
    ("audit_record", "Bản ghi", "Record"),
    ("audit_marked", "đã kiểm", "checked"),
    ("audit_reported", "Số báo cáo", "Reported"),
    ("audit_why", "Lý do chọn", "Drawn because"),
    ("audit_result", "Kết quả", "Result"),
    ("audit_records", "bản ghi", "records"),
    ("audit_params", "Tham số", "Parameters"),
    (
        "audit_all_done",
        "Đã kiểm hết các bản ghi",
        "Every record is checked",
    ),
    ("mark_confirmed", "xác nhận đúng", "confirmed"),
    ("mark_discrepancy", "sai lệch", "discrepancy"),
    ("mark_cannot_verify", "không xác minh được", "cannot verify"),
    ("unmarked", "chưa kiểm", "not checked yet"),
    (
        "audit_no_detail",
        "Không có chi tiết cho đơn vị này",
        "No detail for this unit",
    ),
    ("marked", "Đã đánh dấu, nhật ký #", "Marked, log entry #"),
];
