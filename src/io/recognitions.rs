//! A unit recognised twice for the same kind.
//!
//! A commune is recognised NTM once; a second NTM row in another year is nearly always a
//! retyped or corrected year, and counting it would list the commune twice in the report.
//! Only when both rows carry a decision and the decisions differ (a recognition revoked and
//! granted again) are both kept: `ntm check` then flags the unit (`recognized_twice`).

use crate::model::Recognition;
use crate::text::excerpt;

/// Why `new` may not stand beside `old` (`old_line`: its line in the same file, or `None` for a
/// recognition already in the store); `None` when it may.
pub fn twice(new: &Recognition, old: &Recognition, old_line: Option<u64>) -> Option<String> {
    if new.unit_code != old.unit_code || new.kind != old.kind || new.year == old.year {
        return None;
    }
    if let (Some(a), Some(b)) = (&new.decision, &old.decision)
        && a != b
    {
        return None;
    }
    let where_ = match old_line {
        Some(l) => format!("on line {l}"),
        None => "in the store".into(),
    };
    let decision = old
        .decision
        .as_deref()
        .map(|d| format!(" ({})", excerpt(d)))
        .unwrap_or_default();
    Some(format!(
        "{unit} is already recognised {kind} in {y}{decision} {where_}; a unit is recognised once per kind (if {year} corrects {y}, correct that row; two different decisions are kept and flagged by check)",
        unit = excerpt(&new.unit_code),
        kind = new.kind.as_str(),
        y = old.year,
        year = new.year,
    ))
}
