use super::*;
use crate::store::{AuditMark, AuditRecord};
use std::collections::BTreeMap;

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

fn drawn(f: Vec<Candidate>, size: usize, seed: u64) -> Vec<Candidate> {
    draw(f, size, seed).records
}

#[test]
fn same_seed_same_sample_whatever_the_frame_order() {
    let a = drawn(frame(), 8, 42);
    let mut rev = frame();
    rev.reverse();
    let b = drawn(rev, 8, 42);
    assert_eq!(keys(&a), keys(&b));
    assert_eq!(a.len(), 8);
    let c = drawn(frame(), 8, 43);
    assert_ne!(keys(&a), keys(&c), "another seed draws another sample");
}

#[test]
fn every_stratum_is_covered_when_the_size_allows() {
    let s = draw(frame(), 4, 7);
    let strata: std::collections::BTreeSet<&str> =
        s.records.iter().map(|c| c.stratum.as_str()).collect();
    assert_eq!(strata.len(), 4);
    assert_eq!(
        allocation_text(&s.allocation),
        "a: 1/10 · b: 1/10 · c: 1/10 · d: 1/10"
    );
    // more than the frame holds: all of it, once
    assert_eq!(drawn(frame(), 100, 7).len(), 40);
}

fn sizes(v: &[(&str, usize)]) -> Vec<(String, usize)> {
    v.iter().map(|(k, n)| (k.to_string(), *n)).collect()
}

#[test]
fn allocation_known_answers() {
    // one each, then the other 7 by the records left (9, 19, 69 of 97): quotas 0.649, 1.371,
    // 4.979 → 0, 1, 4 and the two largest remainders (c, a) one more each
    assert_eq!(
        allocate(&sizes(&[("a", 10), ("b", 20), ("c", 70)]), 10, 1),
        [2, 2, 6]
    );
    // exact quotas need no remainder: 1 + 3×(4/12) … = 1 + 1, 1 + 2
    assert_eq!(allocate(&sizes(&[("a", 5), ("b", 9)]), 5, 1), [2, 3]);
    // the whole frame
    assert_eq!(allocate(&sizes(&[("a", 2), ("b", 3)]), 9, 1), [2, 3]);
    // a stratum of one record gets exactly one
    assert_eq!(allocate(&sizes(&[("a", 1), ("b", 99)]), 50, 3), [1, 49]);
    // fewer records than strata: one record each from `size` strata, chosen by the seed
    for seed in 0..50 {
        let a = allocate(&sizes(&[("a", 3), ("b", 3), ("c", 3), ("d", 3)]), 2, seed);
        assert_eq!(a.iter().sum::<usize>(), 2);
        assert!(a.iter().all(|&n| n <= 1));
    }
    // equal strata, tied remainders: the seed decides who gets the extra records, not the name
    let first: Vec<Vec<usize>> = (0..20)
        .map(|seed| allocate(&sizes(&[("a", 4), ("b", 4), ("c", 4), ("d", 4)]), 5, seed))
        .collect();
    assert!(first.iter().all(|a| a.iter().sum::<usize>() == 5));
    let winners: std::collections::BTreeSet<usize> = first
        .iter()
        .map(|a| a.iter().position(|&n| n == 2).unwrap())
        .collect();
    assert!(
        winners.len() > 1,
        "the extra record always went to the same stratum"
    );
}

/// |observed − expected| within 4.5 standard deviations of a binomial count: a fair draw fails
/// this about once in 150,000 strata checked.
fn within_binomial(hits: usize, trials: usize, p: f64) -> bool {
    let mean = trials as f64 * p;
    let sd = (trials as f64 * p * (1.0 - p)).sqrt();
    (hits as f64 - mean).abs() <= 4.5 * sd
}

#[test]
fn every_stratum_has_its_fair_chance_over_many_seeds() {
    // 19 criteria of unequal size, 10 records: each criterion is drawn with chance 10/19
    // (before, criteria 1, 10–18 were drawn for every seed and 2–9 and 19 never)
    let mut f = Vec::new();
    for c in 1..=19 {
        for u in 0..(3 + c % 5) {
            f.push(cand(
                &format!("u{u}"),
                &format!("{c}.1"),
                2020,
                &c.to_string(),
                1.0,
            ));
        }
    }
    let trials = 400;
    let mut per_stratum: BTreeMap<String, usize> = BTreeMap::new();
    let mut per_record: BTreeMap<String, usize> = BTreeMap::new();
    for seed in 0..trials {
        let s = drawn(f.clone(), 10, seed as u64 * 7919 + 13);
        assert_eq!(s.len(), 10);
        for c in &s {
            *per_stratum.entry(c.stratum.clone()).or_default() += 1;
            *per_record.entry(c.key.to_string()).or_default() += 1;
        }
    }
    for c in 1..=19 {
        let hits = per_stratum.get(&c.to_string()).copied().unwrap_or(0);
        assert!(
            within_binomial(hits, trials, 10.0 / 19.0),
            "criterion {c} drawn {hits} times in {trials}"
        );
    }
    // a record of a stratum of m records: (10/19) × (1/m)
    for c in [1usize, 4, 19] {
        let m = 3 + c % 5;
        for u in 0..m {
            let k = format!("u{u} f {c}.1 2020");
            let hits = per_record.get(&k).copied().unwrap_or(0);
            assert!(
                within_binomial(hits, trials, 10.0 / 19.0 / m as f64),
                "{k} drawn {hits} times in {trials}"
            );
        }
    }
}

#[test]
fn many_equal_districts_each_get_their_fair_share() {
    // 167 districts of 6 records, 50 records: every district has chance 50/167; before,
    // districts 001–050 were drawn whatever the seed
    let mut f = Vec::new();
    for d in 1..=167 {
        for i in 1..=6 {
            f.push(cand(
                &format!("{d:03}-x"),
                &i.to_string(),
                2020,
                &format!("{d:03}"),
                1.0,
            ));
        }
    }
    let trials = 300;
    let mut hits: BTreeMap<String, usize> = BTreeMap::new();
    for seed in 0..trials {
        for c in drawn(f.clone(), 50, seed as u64) {
            *hits.entry(c.stratum).or_default() += 1;
        }
    }
    let low: Vec<_> = (1..=167)
        .map(|d| format!("{d:03}"))
        .filter(|d| !within_binomial(hits.get(d).copied().unwrap_or(0), trials, 50.0 / 167.0))
        .collect();
    assert!(low.is_empty(), "outside the binomial bounds: {low:?}");
    // and above the number of strata: one each plus the rest spread by the seed
    let s = draw(f.clone(), 200, 5);
    assert_eq!(s.records.len(), 200);
    assert!(s.allocation.iter().all(|a| a.drawn == 1 || a.drawn == 2));
    assert_eq!(s.allocation.iter().filter(|a| a.drawn == 2).count(), 33);
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
        if drawn(f, 4, seed)
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

const BAND: (f64, f64) = (0.9, 1.1);

fn tally(recs: &[(AuditRecord, Option<Kind>)], one_indicator: bool) -> Tally {
    let mut t = Tally::default();
    for (r, k) in recs {
        t.add(r, *k, BAND);
    }
    t.finish(BAND, one_indicator);
    t
}

#[test]
fn verification_factor_arithmetic() {
    assert_eq!(verification_factor(Some(96.6), Some(96.6)), Some(1.0));
    assert!((verification_factor(Some(100.0), Some(90.0)).unwrap() - 0.9).abs() < 1e-12);
    assert_eq!(verification_factor(Some(0.0), Some(0.0)), Some(1.0));
    assert_eq!(verification_factor(Some(0.0), Some(3.0)), None);
    assert_eq!(verification_factor(None, Some(3.0)), None);
    assert_eq!(record_factor(Some(Kind::Bool), Some(1.0), Some(0.0)), None);
    let r = Some(Kind::Ratio);
    let t = tally(
        &[
            (rec(100.0, MarkStatus::Confirmed, None), r),
            (rec(100.0, MarkStatus::Discrepancy, Some(80.0)), r),
            (rec(50.0, MarkStatus::CannotVerify, None), r),
        ],
        true,
    );
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
    // one indicator, one scale: (100 + 80) / (100 + 100); the unverifiable record is left out
    assert!((t.verification_factor.unwrap() - 0.9).abs() < 1e-12);
    // 0.90 is inside the band, but the record recounted at 0.8 is not
    assert_eq!(t.outside_band, 1);
    assert!(t.flagged);
    // share of the checked records (confirmed or discrepancy) confirmed: 1 of 2
    assert_eq!(t.share_confirmed, Some(0.5));
    assert_eq!(t.agreement, None);
    let t = tally(
        &[(rec(100.0, MarkStatus::Discrepancy, Some(95.0)), r)],
        true,
    );
    assert_eq!((t.outside_band, t.flagged), (0, false));
}

#[test]
fn pass_fail_records_get_an_agreement_never_a_ratio() {
    let b = Some(Kind::Bool);
    let t = tally(
        &[
            (rec(1.0, MarkStatus::Confirmed, None), b),
            (rec(1.0, MarkStatus::Discrepancy, Some(0.0)), b),
            (rec(0.0, MarkStatus::Confirmed, None), b),
            (rec(1.0, MarkStatus::Confirmed, None), b),
        ],
        true,
    );
    assert_eq!(t.verification_factor, None);
    assert_eq!(t.agreement, Some(0.75));
    assert_eq!((t.outside_band, t.flagged), (1, true));
}

#[test]
fn the_headline_never_sums_across_scales() {
    // the case: three records checked, two wrong — a percentage recounted 2 points
    // lower, and a pass that is really a fail. Summed across scales the old headline was
    // (95 + 93.1 + 0) / (95 + 95 + 1) = 0.985, inside 0.90–1.10.
    let t = tally(
        &[
            (rec(95.0, MarkStatus::Confirmed, None), Some(Kind::Ratio)),
            (
                rec(95.0, MarkStatus::Discrepancy, Some(93.1)),
                Some(Kind::Ratio),
            ),
            (
                rec(1.0, MarkStatus::Discrepancy, Some(0.0)),
                Some(Kind::Bool),
            ),
        ],
        false,
    );
    assert_eq!(t.verification_factor, None, "no factor across scales");
    assert_eq!(t.share_confirmed, Some(1.0 / 3.0));
    assert_eq!(t.outside_band, 1, "the pass that is a fail");
    assert!(t.flagged);
    // per indicator, each on its own scale
    let a = Audit {
        name: "a".into(),
        who: "t".into(),
        created: 0,
        params: String::new(),
        hash: String::new(),
        records: vec![
            rec_of("17.6", 95.0, MarkStatus::Confirmed, None),
            rec_of("17.6", 95.0, MarkStatus::Discrepancy, Some(93.1)),
            rec_of("17.3", 1.0, MarkStatus::Discrepancy, Some(0.0)),
        ],
    };
    let res = results(&a, BAND, |k| {
        Some(if k.indicator == "17.3" {
            Kind::Bool
        } else {
            Kind::Ratio
        })
    });
    let r176 = &res.by_indicator["f 17.6"];
    assert!((r176.verification_factor.unwrap() - 188.1 / 190.0).abs() < 1e-12);
    assert_eq!((r176.outside_band, r176.flagged), (0, false));
    let r173 = &res.by_indicator["f 17.3"];
    assert_eq!(
        (r173.verification_factor, r173.agreement),
        (None, Some(0.0))
    );
    assert_eq!(res.overall.verification_factor, None);
    assert_eq!(res.by_unit["u"].verification_factor, None);
    assert_eq!(res.overall.outside_band, 1);
}

fn rec_of(ind: &str, reported: f64, status: MarkStatus, recount: Option<f64>) -> AuditRecord {
    let mut r = rec(reported, status, recount);
    r.key.indicator = ind.into();
    r.key.framework = "f".into();
    r
}
