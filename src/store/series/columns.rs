//! Series record version 2: columnar and compact.
//!
//! ```text
//! [2]                                   record version
//! varint n, then n × (varint len, UTF-8)  sources (row source = index + 1, 0 = none)
//! varint runs, then per run:              rows of one indicator in consecutive years
//!     varint indicator − previous run's indicator, varint first year, varint row count
//! per row, in run order:
//!     varint flags                        which fields follow (bits below)
//!     value / numerator / denominator / stated percent, each a number (below)
//!     varint source (when it changes), varint units met, varint units total,
//!     varint len + UTF-8 note
//! ```
//!
//! A number is kept as a decimal: mantissa m and scale k (0–6 digits after the point) such that
//! m / 10^k gives back exactly the same f64, written as varint(zigzag(m − p) << 3 | k), where p
//! is the same column's mantissa in the previous row of the run when it had the same scale
//! (a figure seldom moves much from one year to the next), else 0. A number with no such
//! decimal form (NaN, ±∞, −0, a computed 1/3) is written as scale 7 and its 8 raw bytes. Every
//! f64 thus comes back bit for bit.

use super::{ObsRecord, Row};
use crate::model::Value;
use crate::store::StoreError;

pub(super) const VERSION: u8 = 2;

const VALUE_NUMBER: u32 = 1;
const VALUE_PASS: u32 = 2;
const VALUE_FAIL: u32 = 3;
const VALUE_MASK: u32 = 3;
const NUMERATOR: u32 = 1 << 2;
const DENOMINATOR: u32 = 1 << 3;
const STATED: u32 = 1 << 4;
const SOURCE_CHANGES: u32 = 1 << 5;
const UNITS_MET: u32 = 1 << 6;
const UNITS_TOTAL: u32 = 1 << 7;
const NOTE: u32 = 1 << 8;
const KNOWN: u32 = (NOTE << 1) - 1;

const POW10: [f64; 7] = [1.0, 10.0, 100.0, 1e3, 1e4, 1e5, 1e6];
const RAW: u64 = 7;

/// Per number column: the previous row's (mantissa, scale) in this run.
type Predictor = Option<(i64, u64)>;

pub(super) fn encode(rows: &[Row]) -> Vec<u8> {
    let mut out = vec![VERSION];
    // sources, each once
    let mut sources: Vec<&str> = Vec::new();
    let mut index = std::collections::HashMap::<&str, u64>::new();
    let source_of: Vec<u64> = rows
        .iter()
        .map(|r| match r.rec.source.as_deref() {
            None => 0,
            Some(s) => *index.entry(s).or_insert_with(|| {
                sources.push(s);
                sources.len() as u64
            }),
        })
        .collect();
    put(&mut out, sources.len() as u64);
    for s in &sources {
        put_str(&mut out, s);
    }
    // runs of one indicator in consecutive years
    let mut runs: Vec<(u16, u16, u64)> = Vec::new();
    for r in rows {
        match runs.last_mut() {
            Some((ind, first, n))
                if *ind == r.ind && u64::from(*first) + *n == u64::from(r.year) =>
            {
                *n += 1
            }
            _ => runs.push((r.ind, r.year, 1)),
        }
    }
    put(&mut out, runs.len() as u64);
    let mut prev_ind = 0u16;
    for &(ind, first, n) in &runs {
        // rows are sorted, so a run's indicator never goes down
        put(&mut out, u64::from(ind.wrapping_sub(prev_ind)));
        put(&mut out, u64::from(first));
        put(&mut out, n);
        prev_ind = ind;
    }
    // the rows
    let mut i = 0usize;
    let mut source = 0u64;
    for &(_, _, n) in &runs {
        let mut pred: [Predictor; 4] = [None; 4];
        for _ in 0..n {
            let (r, s) = (&rows[i].rec, source_of[i]);
            i += 1;
            let mut flags = match r.value {
                None => 0,
                Some(Value::Number(_)) => VALUE_NUMBER,
                Some(Value::Pass(true)) => VALUE_PASS,
                Some(Value::Pass(false)) => VALUE_FAIL,
            };
            for (present, bit) in [
                (r.numerator.is_some(), NUMERATOR),
                (r.denominator.is_some(), DENOMINATOR),
                (r.stated_percent.is_some(), STATED),
                (s != source, SOURCE_CHANGES),
                (r.units_met.is_some(), UNITS_MET),
                (r.units_total.is_some(), UNITS_TOTAL),
                (r.note.is_some(), NOTE),
            ] {
                if present {
                    flags |= bit;
                }
            }
            put(&mut out, u64::from(flags));
            let value = match r.value {
                Some(Value::Number(x)) => Some(x),
                _ => None,
            };
            for (col, x) in [value, r.numerator, r.denominator, r.stated_percent]
                .into_iter()
                .enumerate()
            {
                if let Some(x) = x {
                    put_number(&mut out, x, &mut pred[col]);
                }
            }
            if s != source {
                put(&mut out, s);
                source = s;
            }
            for v in [r.units_met, r.units_total].into_iter().flatten() {
                put(&mut out, u64::from(v));
            }
            if let Some(note) = &r.note {
                put_str(&mut out, note);
            }
        }
    }
    out
}

pub(super) fn decode(bytes: &[u8], keep: impl Fn(u16) -> bool) -> Result<Vec<Row>, StoreError> {
    let mut r = Reader { bytes, at: 1 };
    let n_sources = r.len()?;
    let mut sources = Vec::with_capacity(n_sources);
    for _ in 0..n_sources {
        sources.push(r.str()?);
    }
    let n_runs = r.len()?;
    let mut runs = Vec::with_capacity(n_runs);
    let mut ind = 0u16;
    for _ in 0..n_runs {
        let step = r.u16()?;
        ind = ind
            .checked_add(step)
            .ok_or_else(|| corrupt("indicator id out of range"))?;
        let first = r.u16()?;
        let n = r.len()?;
        if usize::from(first) + n > usize::from(u16::MAX) + 1 {
            return Err(corrupt("year out of range"));
        }
        runs.push((ind, first, n));
    }
    let mut out = Vec::new();
    let mut source = 0u64;
    for (ind, first, n) in runs {
        let mut pred: [Predictor; 4] = [None; 4];
        for k in 0..n {
            let year = first + k as u16;
            let flags = r.u32()?;
            if flags & !KNOWN != 0 {
                return Err(corrupt("unknown field flags"));
            }
            let mut nums = [None; 4];
            let value_number = flags & VALUE_MASK == VALUE_NUMBER;
            for (col, present) in [
                value_number,
                flags & NUMERATOR != 0,
                flags & DENOMINATOR != 0,
                flags & STATED != 0,
            ]
            .into_iter()
            .enumerate()
            {
                if present {
                    nums[col] = Some(r.number(&mut pred[col])?);
                }
            }
            if flags & SOURCE_CHANGES != 0 {
                source = r.u64()?;
                if source > sources.len() as u64 {
                    return Err(corrupt(&format!("no source number {source}")));
                }
            }
            let units_met = if flags & UNITS_MET != 0 {
                Some(r.u32()?)
            } else {
                None
            };
            let units_total = if flags & UNITS_TOTAL != 0 {
                Some(r.u32()?)
            } else {
                None
            };
            let note = if flags & NOTE != 0 {
                Some(r.str()?)
            } else {
                None
            };
            if !keep(year) {
                continue;
            }
            let value = match flags & VALUE_MASK {
                VALUE_NUMBER => nums[0].map(Value::Number),
                VALUE_PASS => Some(Value::Pass(true)),
                VALUE_FAIL => Some(Value::Pass(false)),
                _ => None,
            };
            out.push(Row {
                ind,
                year,
                rec: ObsRecord {
                    value,
                    numerator: nums[1],
                    denominator: nums[2],
                    stated_percent: nums[3],
                    units_met,
                    units_total,
                    source: match source {
                        0 => None,
                        i => Some(sources[i as usize - 1].to_string()),
                    },
                    note: note.map(str::to_string),
                },
            });
        }
    }
    if r.at != bytes.len() {
        return Err(corrupt(&format!("{} trailing bytes", bytes.len() - r.at)));
    }
    Ok(out)
}

fn corrupt(what: &str) -> StoreError {
    StoreError::Corrupt(format!("series record: {what}"))
}

/// The decimal form of `x`: (mantissa, scale), when one gives back exactly `x`.
fn decimal(x: f64) -> Option<(i64, u64)> {
    if !x.is_finite() || (x == 0.0 && x.is_sign_negative()) {
        return None;
    }
    for (k, p) in POW10.iter().enumerate() {
        let m = (x * p).round();
        // beyond 2^53 an f64 no longer holds every integer
        if m.abs() < 9.007_199_254_740_992e15 && (m / p).to_bits() == x.to_bits() {
            return Some((m as i64, k as u64));
        }
    }
    None
}

fn put_number(out: &mut Vec<u8>, x: f64, pred: &mut Predictor) {
    match decimal(x) {
        Some((m, k)) => {
            let base = match *pred {
                Some((pm, pk)) if pk == k => pm,
                _ => 0,
            };
            put(out, zigzag(m.wrapping_sub(base)) << 3 | k);
            *pred = Some((m, k));
        }
        None => {
            put(out, RAW);
            out.extend_from_slice(&x.to_bits().to_le_bytes());
            *pred = None;
        }
    }
}

fn zigzag(v: i64) -> u64 {
    ((v << 1) ^ (v >> 63)) as u64
}

fn unzigzag(v: u64) -> i64 {
    ((v >> 1) as i64) ^ -((v & 1) as i64)
}

fn put(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put(out, s.len() as u64);
    out.extend_from_slice(s.as_bytes());
}

struct Reader<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Reader<'a> {
    fn u64(&mut self) -> Result<u64, StoreError> {
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = *self
                .bytes
                .get(self.at)
                .ok_or_else(|| corrupt("cut short"))?;
            self.at += 1;
            v |= u64::from(b & 0x7f) << shift;
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err(corrupt("varint too long"))
    }

    fn u32(&mut self) -> Result<u32, StoreError> {
        u32::try_from(self.u64()?).map_err(|_| corrupt("number out of range"))
    }

    fn u16(&mut self) -> Result<u16, StoreError> {
        u16::try_from(self.u64()?).map_err(|_| corrupt("number out of range"))
    }

    /// A count or length: never more than the bytes left could hold.
    fn len(&mut self) -> Result<usize, StoreError> {
        let n = self.u64()?;
        if n > (self.bytes.len() - self.at) as u64 + 1 {
            return Err(corrupt("length past the end"));
        }
        Ok(n as usize)
    }

    fn str(&mut self) -> Result<&'a str, StoreError> {
        let n = self.len()?;
        let end = self
            .at
            .checked_add(n)
            .filter(|&e| e <= self.bytes.len())
            .ok_or_else(|| corrupt("cut short"))?;
        let s = std::str::from_utf8(&self.bytes[self.at..end])
            .map_err(|_| corrupt("text is not UTF-8"))?;
        self.at = end;
        Ok(s)
    }

    fn number(&mut self, pred: &mut Predictor) -> Result<f64, StoreError> {
        let v = self.u64()?;
        let k = v & 7;
        if k == RAW {
            let end = self.at + 8;
            let raw: [u8; 8] = self
                .bytes
                .get(self.at..end)
                .ok_or_else(|| corrupt("cut short"))?
                .try_into()
                .expect("8 bytes");
            self.at = end;
            *pred = None;
            return Ok(f64::from_bits(u64::from_le_bytes(raw)));
        }
        let base = match *pred {
            Some((pm, pk)) if pk == k => pm,
            _ => 0,
        };
        let m = base.wrapping_add(unzigzag(v >> 3));
        *pred = Some((m, k));
        Ok(m as f64 / POW10[k as usize])
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn rec(value: Option<Value>) -> ObsRecord {
        ObsRecord {
            value,
            numerator: None,
            denominator: None,
            stated_percent: None,
            units_met: None,
            units_total: None,
            source: None,
            note: None,
        }
    }

    #[test]
    fn decimals_are_found_and_give_back_the_same_bits() {
        assert_eq!(decimal(77.8), Some((778, 1)));
        assert_eq!(decimal(5.09), Some((509, 2)));
        assert_eq!(decimal(16209.0), Some((16209, 0)));
        assert_eq!(decimal(-0.0), None);
        assert_eq!(decimal(1.0 / 3.0), None);
        assert_eq!(decimal(f64::NAN), None);
    }

    #[test]
    fn a_typical_ratio_row_takes_a_few_bytes() {
        // 17.7 of a commune over 15 years: 338/632 moving a little each year
        let rows: Vec<Row> = (0..15u16)
            .map(|i| {
                let num = 300.0 + f64::from(i) * 3.0;
                let mut r = rec(None);
                r.numerator = Some(num);
                r.denominator = Some(632.0);
                r.stated_percent = Some((num / 632.0 * 1000.0).round() / 10.0);
                r.source = Some("Báo cáo".into());
                Row {
                    ind: 40,
                    year: 2011 + i,
                    rec: r,
                }
            })
            .collect();
        let bytes = encode(&rows);
        assert_eq!(decode(&bytes, |_| true).unwrap(), rows);
        // flags 1 + numerator ≤ 2 + denominator 1 + percent ≤ 2, plus the header and source
        assert!(bytes.len() <= 15 * 6 + 20, "{} bytes", bytes.len());
    }

    #[test]
    fn rows_outside_the_kept_years_are_skipped() {
        let rows: Vec<Row> = [(1u16, 2019u16), (1, 2020), (1, 2022), (2, 2020)]
            .into_iter()
            .map(|(ind, year)| Row {
                ind,
                year,
                rec: rec(Some(Value::Number(f64::from(year) / 10.0))),
            })
            .collect();
        let bytes = encode(&rows);
        let got = decode(&bytes, |y| y == 2020).unwrap();
        assert_eq!(got, vec![rows[1].clone(), rows[3].clone()]);
    }

    #[test]
    fn damage_is_corruption_never_a_panic() {
        let mut r = rec(Some(Value::Number(1.5)));
        r.note = Some("ghi chú".into());
        r.source = Some("nguồn".into());
        let bytes = encode(&[Row {
            ind: 3,
            year: 2020,
            rec: r,
        }]);
        for cut in 1..bytes.len() {
            assert!(decode(&bytes[..cut], |_| true).is_err(), "cut at {cut}");
        }
        let mut longer = bytes.clone();
        longer.push(0);
        assert!(decode(&longer, |_| true).is_err());
    }

    fn any_number() -> impl Strategy<Value = f64> {
        prop_oneof![
            (-1_000_000i64..1_000_000, 0u32..4).prop_map(|(m, k)| m as f64 / 10f64.powi(k as i32)),
            any::<f64>(),
            Just(-0.0),
            Just(f64::INFINITY),
        ]
    }

    fn any_row() -> impl Strategy<Value = (u16, u16, ObsRecord)> {
        (
            0u16..60,
            2010u16..2030,
            proptest::option::of(prop_oneof![
                any_number().prop_map(Value::Number),
                any::<bool>().prop_map(Value::Pass)
            ]),
            proptest::option::of(any_number()),
            proptest::option::of(any_number()),
            proptest::option::of(any_number()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(any::<u32>()),
            proptest::option::of(prop_oneof![
                Just("a".to_string()),
                Just("Báo cáo".to_string())
            ]),
            proptest::option::of(".{0,12}"),
        )
            .prop_map(|(ind, year, value, n, d, p, met, total, source, note)| {
                (
                    ind,
                    year,
                    ObsRecord {
                        value,
                        numerator: n,
                        denominator: d,
                        stated_percent: p,
                        units_met: met,
                        units_total: total,
                        source,
                        note,
                    },
                )
            })
    }

    proptest! {
        #[test]
        fn every_series_comes_back_bit_for_bit(raw in proptest::collection::vec(any_row(), 0..80)) {
            let mut rows: Vec<Row> = raw
                .into_iter()
                .map(|(ind, year, rec)| Row { ind, year, rec })
                .collect();
            rows.sort_by_key(|r| (r.ind, r.year));
            rows.dedup_by_key(|r| (r.ind, r.year));
            let back = decode(&encode(&rows), |_| true).unwrap();
            prop_assert_eq!(back.len(), rows.len());
            // compare numbers by bits (NaN ≠ NaN under PartialEq)
            let bits = |r: &Row| {
                let v = match r.rec.value {
                    Some(Value::Number(x)) => Some((0u8, x.to_bits())),
                    Some(Value::Pass(p)) => Some((1, u64::from(p))),
                    None => None,
                };
                (
                    r.ind,
                    r.year,
                    v,
                    [r.rec.numerator, r.rec.denominator, r.rec.stated_percent].map(|x| x.map(f64::to_bits)),
                    r.rec.units_met,
                    r.rec.units_total,
                    r.rec.source.clone(),
                    r.rec.note.clone(),
                )
            };
            for (a, b) in rows.iter().zip(&back) {
                prop_assert_eq!(bits(a), bits(b));
            }
        }
    }
}
