//! What an import changes: each incoming observation against the one the store holds for the
//! same unit, framework, indicator and year.

use crate::model::{Observation, Value};
use crate::text::{NumStyle, fmt_num, fmt_plain, sanitize};

/// How one incoming row relates to the store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    Added,
    Changed,
    Unchanged,
}

/// Compare an incoming row with the stored one (if any). Every field counts: a new source or
/// note is a change too.
pub fn compare(old: Option<&Observation>, new: &Observation) -> Change {
    match old {
        None => Change::Added,
        Some(o) if o == new => Change::Unchanged,
        Some(_) => Change::Changed,
    }
}

/// How many figures that change source the change log names (the count names the rest).
pub const LOGGED_SOURCE_CHANGES: usize = 50;

/// Totals of an import, and for the change log the first figures that change source. Memory
/// stays small whatever the import: changed rows are not kept (a dry run prints them as they
/// come, see `Diff::add`).
#[derive(Clone, Debug, Default)]
pub struct Diff {
    pub added: usize,
    pub changed: usize,
    pub unchanged: usize,
    /// Figures whose source changes, and the log text of the first `LOGGED_SOURCE_CHANGES`.
    pub source_changed: usize,
    pub source_log: Vec<String>,
}

impl Diff {
    /// Count one incoming row; a changed one is also returned with the stored row, to list.
    pub fn add<'a>(
        &mut self,
        old: Option<&'a Observation>,
        new: &'a Observation,
    ) -> Option<(&'a Observation, &'a Observation)> {
        match (compare(old, new), old) {
            (Change::Added, _) => self.added += 1,
            (Change::Unchanged, _) => self.unchanged += 1,
            (Change::Changed, Some(o)) => {
                self.changed += 1;
                if o.source != new.source {
                    self.source_changed += 1;
                    if self.source_log.len() < LOGGED_SOURCE_CHANGES {
                        self.source_log.push(log_line(o, new));
                    }
                }
                return Some((o, new));
            }
            (Change::Changed, None) => {}
        }
        None
    }
}

/// A row's figure as people read it: `16.153/16.209 (96,6%)`, `48`, `đạt`.
pub fn figure(o: &Observation, style: NumStyle) -> String {
    let n = |x: f64| fmt_num(x, 3, style);
    let mut parts = Vec::new();
    match o.value {
        Some(Value::Pass(true)) => parts.push(
            if style == NumStyle::Vi {
                "đạt"
            } else {
                "pass"
            }
            .into(),
        ),
        Some(Value::Pass(false)) => parts.push(
            if style == NumStyle::Vi {
                "chưa đạt"
            } else {
                "fail"
            }
            .into(),
        ),
        Some(Value::Number(x)) => parts.push(n(x)),
        None => {}
    }
    if let (Some(a), Some(b)) = (o.numerator, o.denominator) {
        parts.push(format!("{}/{}", n(a), n(b)));
    }
    if let Some(p) = o.stated_percent {
        parts.push(format!("({}%)", fmt_num(p, 2, style)));
    }
    if let (Some(m), Some(t)) = (o.units_met, o.units_total) {
        parts.push(format!("[{m}/{t}]"));
    }
    if parts.is_empty() {
        "—".into()
    } else {
        parts.join(" ")
    }
}

/// `unit indicator year: old [source] → new [source]` (text from files, sanitised).
pub fn describe(old: &Observation, new: &Observation, style: NumStyle, vi: bool) -> String {
    let src = |o: &Observation| match &o.source {
        Some(s) => format!(" [{}]", crate::text::excerpt_n(s, 80)),
        None if vi => " [không ghi nguồn]".into(),
        None => " [no source]".into(),
    };
    let mut extra = String::new();
    if old.note != new.note && figure(old, style) == figure(new, style) && old.source == new.source
    {
        extra = if vi {
            " (đổi ghi chú)".into()
        } else {
            " (note changed)".into()
        };
    }
    sanitize(&format!(
        "{} {} {} {}: {}{} → {}{}{extra}",
        new.unit_code,
        new.framework,
        new.indicator,
        new.year,
        figure(old, style),
        src(old),
        figure(new, style),
        src(new),
    ))
}

/// One figure that changes source, machine-written for the change log.
fn log_line(o: &Observation, n: &Observation) -> String {
    format!(
        "{} {} {} {}: {} ({}) → {} ({})",
        n.unit_code,
        n.framework,
        n.indicator,
        n.year,
        plain_figure(o),
        o.source.as_deref().unwrap_or("-"),
        plain_figure(n),
        n.source.as_deref().unwrap_or("-"),
    )
}

/// For the change log: the figures whose source changes (the first ones, and how many more).
pub fn log_text(d: &Diff) -> String {
    if d.source_changed == 0 {
        return String::new();
    }
    let total = d.source_changed;
    let mut s = format!(
        "source changed for {total} figures: {}",
        d.source_log.join("; ")
    );
    if total > d.source_log.len() {
        s += &format!("; … {} more", total - d.source_log.len());
    }
    s
}

fn plain_figure(o: &Observation) -> String {
    let mut parts = Vec::new();
    match o.value {
        Some(Value::Pass(p)) => parts.push(if p { "dat" } else { "chua_dat" }.to_string()),
        Some(Value::Number(x)) => parts.push(fmt_plain(x)),
        None => {}
    }
    if let (Some(a), Some(b)) = (o.numerator, o.denominator) {
        parts.push(format!("{}/{}", fmt_plain(a), fmt_plain(b)));
    }
    if let Some(p) = o.stated_percent {
        parts.push(format!("{}%", fmt_plain(p)));
    }
    parts.join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obs(n: f64, src: &str) -> Observation {
        Observation {
            unit_code: "213".into(),
            framework: "qd1980-2016".into(),
            indicator: "17.6".into(),
            year: 2020,
            value: None,
            numerator: Some(n),
            denominator: Some(16209.0),
            stated_percent: Some(96.6),
            units_met: None,
            units_total: None,
            source: Some(src.into()),
            note: None,
        }
    }

    #[test]
    fn added_changed_unchanged_and_the_source_named() {
        let old = obs(16153.0, "Phụ lục 02");
        let mut d = Diff::default();
        d.add(None, &old);
        d.add(Some(&old), &old);
        let new = obs(16150.0, "Biên bản 20/3/2021");
        d.add(Some(&old), &new);
        assert_eq!((d.added, d.changed, d.unchanged), (1, 1, 1));
        let line = describe(&old, &new, NumStyle::Vi, true);
        assert_eq!(
            line,
            "213 qd1980-2016 17.6 2020: 16.153/16.209 (96,6%) [Phụ lục 02] → 16.150/16.209 (96,6%) [Biên bản 20/3/2021]"
        );
        let log = log_text(&d);
        assert!(
            log.contains("source changed for 1 figures: 213 qd1980-2016 17.6 2020: 16153/16209 96.6% (Phụ lục 02) → 16150/16209 96.6% (Biên bản 20/3/2021)"),
            "{log}"
        );
        // a new figure from the same source is a change, but not a change of source
        let same_src = obs(16100.0, "Phụ lục 02");
        let mut d2 = Diff::default();
        d2.add(Some(&old), &same_src);
        assert_eq!(d2.changed, 1);
        assert_eq!(log_text(&d2), "");
        // past the cap the log says how many more
        let mut d3 = Diff::default();
        for i in 0..LOGGED_SOURCE_CHANGES + 3 {
            d3.add(Some(&old), &obs(i as f64, "khác"));
        }
        assert!(log_text(&d3).ends_with("; … 3 more"), "{}", log_text(&d3));
    }
}
