use super::*;
use crate::store::{AuditMark, AuditRecord};

fn cand(unit: &str, ind: &str, year: u16, stratum: &str, weight: f64) -> Candidate {
    Candidate {
        key: ObsKey {
            unit: unit.into(),
            framework: "f".into(),
            indicator: ind.into(),
            year,
        },
        reported: Some(50.0),
        stratum: stratum.into(),
        weight,
        reasons: vec![],
    }
}

fn frame() -> Vec<Candidate> {
    let mut v = Vec::new();
    for u in ["a", "b", "c", "d"] {
        for i in 1..=10 {
            v.push(cand(u, &i.to_string(), 2020, u, 1.0));
        }
    }
    v
}

fn keys(v: &[Candidate]) -> Vec<String> {
    v.iter().map(|c| c.key.to_string()).collect()
}

#[test]
fn same_seed_same_sample_whatever_the_frame_order() {
    let a = draw(frame(), 8, 42);
    let mut rev = frame();
    rev.reverse();
    let b = draw(rev, 8, 42);
    assert_eq!(keys(&a), keys(&b));
    assert_eq!(a.len(), 8);
    let c = draw(frame(), 8, 43);
    assert_ne!(keys(&a), keys(&c), "another seed draws another sample");
}

#[test]
fn strata_take_turns_so_every_stratum_is_covered() {
    let s = draw(frame(), 4, 7);
    let strata: std::collections::BTreeSet<&str> = s.iter().map(|c| c.stratum.as_str()).collect();
    assert_eq!(strata.len(), 4);
    // more than the frame holds: all of it, once
    assert_eq!(draw(frame(), 100, 7).len(), 40);
}

#[test]
fn risk_weights_favour_risky_records() {
    // one heavy record among many light ones is drawn far more often than 1 in 40
    let mut hits = 0;
    for seed in 0..200 {
        let mut f: Vec<Candidate> = frame()
            .into_iter()
            .map(|mut c| {
                c.stratum.clear();
                c
            })
            .collect();
        f[17].weight = 20.0;
        if draw(f, 4, seed)
            .iter()
            .any(|c| c.key.indicator == "8" && c.key.unit == "b")
        {
            hits += 1;
        }
    }
    // unweighted, 4 of 40 would be drawn 10 % of the time; weighted, most of the time
    assert!(hits > 120, "drawn {hits} times in 200");
}

fn rec(reported: f64, status: MarkStatus, recount: Option<f64>) -> AuditRecord {
    AuditRecord {
        key: ObsKey {
            unit: "u".into(),
            framework: "f".into(),
            indicator: "17.6".into(),
            year: 2020,
        },
        reported: Some(reported),
        why: String::new(),
        mark: Some(AuditMark {
            status,
            recount,
            note: None,
            who: "t".into(),
            when: 0,
        }),
    }
}

#[test]
fn verification_factor_arithmetic() {
    assert_eq!(verification_factor(Some(96.6), Some(96.6)), Some(1.0));
    assert!((verification_factor(Some(100.0), Some(90.0)).unwrap() - 0.9).abs() < 1e-12);
    assert_eq!(verification_factor(Some(0.0), Some(0.0)), Some(1.0));
    assert_eq!(verification_factor(Some(0.0), Some(3.0)), None);
    assert_eq!(verification_factor(None, Some(3.0)), None);
    let mut t = Tally::default();
    t.add(&rec(100.0, MarkStatus::Confirmed, None));
    t.add(&rec(100.0, MarkStatus::Discrepancy, Some(80.0)));
    t.add(&rec(50.0, MarkStatus::CannotVerify, None));
    t.finish((0.9, 1.1));
    assert_eq!(
        (
            t.records,
            t.marked,
            t.confirmed,
            t.discrepancies,
            t.cannot_verify
        ),
        (3, 3, 1, 1, 1)
    );
    // (100 + 80) / (100 + 100): the unverifiable record is left out
    assert!((t.verification_factor.unwrap() - 0.9).abs() < 1e-12);
    assert!(!t.flagged, "0.90 is inside the band");
    assert!((t.share_confirmed.unwrap() - 1.0 / 3.0).abs() < 1e-12);
    let mut t = Tally::default();
    t.add(&rec(100.0, MarkStatus::Discrepancy, Some(85.0)));
    t.finish((0.9, 1.1));
    assert!(t.flagged);
}
