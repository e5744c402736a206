//! `check --kinds/--skip-kinds/--covered-only`: which findings a run reports, so that a source
//! covering a few indicators does not bury its real findings under `missing` ones.

use std::collections::{BTreeSet, HashMap};

use anyhow::anyhow;

use crate::eval::Finding;
use crate::eval::findings::FindingKind;

/// The stable names (FORMAT.md §3) given, checked: an unknown name is an error naming them all.
pub fn parse_kinds(names: &[String]) -> anyhow::Result<BTreeSet<FindingKind>> {
    names
        .iter()
        .map(|n| {
            let n = n.trim();
            FindingKind::ALL
                .iter()
                .copied()
                .find(|k| k.as_str() == n)
                .ok_or_else(|| {
                    let all: Vec<&str> = FindingKind::ALL.iter().map(|k| k.as_str()).collect();
                    anyhow!(
                        "unknown finding kind \"{}\" (one of {})",
                        crate::text::sanitize(n),
                        all.join(", ")
                    )
                })
        })
        .collect()
}

/// A `missing` finding for a figure that is not there at all (not a zero denominator).
fn absent(f: &Finding) -> bool {
    f.kind == FindingKind::Missing && f.message.starts_with("no value for ")
}

/// Keep the findings asked for. `units` is how many units were evaluated: with `covered_only`
/// an indicator no evaluated unit has a figure for (absent everywhere) is outside what the
/// sources cover, and its `missing` findings are dropped.
pub fn apply(
    findings: &mut Vec<Finding>,
    only: &BTreeSet<FindingKind>,
    skip: &BTreeSet<FindingKind>,
    covered_only: bool,
    units: usize,
) {
    let mut uncovered: BTreeSet<String> = BTreeSet::new();
    if covered_only {
        let mut absent_in: HashMap<&str, BTreeSet<&str>> = HashMap::new();
        for f in findings.iter().filter(|f| absent(f)) {
            if let Some(i) = &f.indicator {
                absent_in.entry(i).or_default().insert(&f.unit);
            }
        }
        uncovered = absent_in
            .into_iter()
            .filter(|(_, us)| us.len() >= units)
            .map(|(i, _)| i.to_string())
            .collect();
    }
    findings.retain(|f| {
        (only.is_empty() || only.contains(&f.kind))
            && !skip.contains(&f.kind)
            && !(absent(f) && f.indicator.as_ref().is_some_and(|i| uncovered.contains(i)))
    });
}
