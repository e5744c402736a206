//! A unit asked for in a year it did not exist (a district dissolved by the 2025 reform, a
//! commune merged away): say so and name where it went, instead of an empty grid of zeros.

use crate::i18n::Lang;
use crate::model::Unit;
use crate::query::Query;
use crate::text::sanitize;

/// The message when `u` did not exist in `year`; None when it did.
pub fn not_in_year(q: &Query, u: &Unit, year: u16, lang: Lang) -> Option<String> {
    let who = format!("{} ({})", sanitize(&u.name), sanitize(&u.code));
    let head = match (u.valid_from, u.valid_to) {
        (_, Some(to)) if to < year => lang.t("unit_gone").replace("{to}", &to.to_string()),
        (Some(from), _) if from > year => {
            lang.t("unit_not_yet").replace("{from}", &from.to_string())
        }
        _ => return None,
    };
    let mut msg = head
        .replace("{unit}", &who)
        .replace("{year}", &year.to_string());
    let next = successors(q, u);
    if !next.is_empty() {
        let names: Vec<String> = next
            .iter()
            .map(|s| format!("{} ({})", sanitize(&s.name), sanitize(&s.code)))
            .collect();
        msg += &format!("; {}: {}", lang.t("unit_successors"), names.join(", "));
        // where the successors are shown: their own grid, or their parent's when communes
        let mut show: Vec<&str> = next
            .iter()
            .map(|s| match (s.level, s.parent_code.as_deref()) {
                (crate::model::Level::Commune, Some(p)) => p,
                _ => s.code.as_str(),
            })
            .collect();
        show.dedup();
        if let [one] = show[..] {
            msg += &format!(
                " ({}: ntm grid --unit {} --year {year})",
                lang.t("see"),
                sanitize(one)
            );
        }
    }
    Some(msg)
}

/// The units `u` went into: its own successor or merges, else (a district) those of the
/// communes it had.
fn successors<'q>(q: &'q Query, u: &Unit) -> Vec<&'q Unit> {
    let direct = |code: &str| -> Vec<String> {
        let mut v: Vec<String> = q
            .merges
            .iter()
            .filter(|m| m.old_code == code)
            .map(|m| m.new_code.clone())
            .collect();
        if let Some(s) = q.units.get(code).and_then(|x| x.successor_code.clone()) {
            v.push(s);
        }
        v
    };
    let mut codes = direct(&u.code);
    if codes.is_empty() {
        for d in q.units.descendants(&u.code) {
            codes.extend(direct(&d.code));
        }
    }
    codes.sort();
    codes.dedup();
    codes.iter().filter_map(|c| q.units.get(c)).collect()
}
