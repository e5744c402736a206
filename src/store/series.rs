//! Layout 2: every observation of one unit in one framework — all indicators, all years — in
//! one record of the `series` tree, keyed `[unit u32][framework u16]`.
//!
//! One record per unit × framework (10,000 records for a national store instead of 7.6 M)
//! makes sled's open, scan and import cheap (measured in `shared/research/store_v2.md`), and a
//! unit's figures are exactly what the grid, the detail and `check` read together. Rows are
//! kept sorted by (indicator id, year), the order of layout 1's keys, so every listing comes
//! out in the same order as before.
//!
//! Record version 2 (layout 3) is columnar and compact, about 4 bytes an observation instead of
//! 35 (see `columns`); version 1 (bincode rows, layout 2) is still read.

use serde::{Deserialize, Serialize};

use super::StoreError;
use super::codec::decode;
use crate::model::Value;

mod columns;

/// The tree of layout 2.
pub(super) const TREE: &str = "series";

/// The record version this build writes.
pub(super) const VERSION: u8 = columns::VERSION;

/// Observation fields (the codes live in the key and the row).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub(super) struct ObsRecord {
    pub value: Option<Value>,
    pub numerator: Option<f64>,
    pub denominator: Option<f64>,
    pub stated_percent: Option<f64>,
    pub units_met: Option<u32>,
    pub units_total: Option<u32>,
    pub source: Option<String>,
    pub note: Option<String>,
}

impl ObsRecord {
    pub fn of(o: &crate::model::Observation) -> ObsRecord {
        ObsRecord {
            value: o.value,
            numerator: o.numerator,
            denominator: o.denominator,
            stated_percent: o.stated_percent,
            units_met: o.units_met,
            units_total: o.units_total,
            source: o.source.clone(),
            note: o.note.clone(),
        }
    }
}

/// One observation in a series: indicator id, year, fields.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Row {
    pub ind: u16,
    pub year: u16,
    pub rec: ObsRecord,
}

/// A series record as written (record version 1). Field order is the encoding: never change
/// it; a new shape is a new record version and a migration.
#[derive(Serialize, Deserialize)]
struct SeriesV1 {
    /// Distinct sources of the rows; a row's `source` is an index + 1 (0: none).
    sources: Vec<String>,
    rows: Vec<RowV1>,
}

#[derive(Serialize, Deserialize)]
struct RowV1 {
    ind: u16,
    year: u16,
    value: Option<Value>,
    numerator: Option<f64>,
    denominator: Option<f64>,
    stated_percent: Option<f64>,
    units_met: Option<u32>,
    units_total: Option<u32>,
    source: u32,
    note: Option<String>,
}

/// Encode rows (sorted by indicator and year) as the newest record version.
pub(super) fn encode_rows(rows: &[Row]) -> Vec<u8> {
    columns::encode(rows)
}

/// Decode a series record of any version this build knows.
pub(super) fn decode_rows(bytes: &[u8]) -> Result<Vec<Row>, StoreError> {
    decode_rows_where(bytes, |_| true)
}

/// Decode only the rows of the years `keep` accepts: a national `check` needs two or three
/// years of fifteen, and a row not kept costs no allocation.
pub(super) fn decode_rows_where(
    bytes: &[u8],
    keep: impl Fn(u16) -> bool,
) -> Result<Vec<Row>, StoreError> {
    match bytes.first() {
        Some(&columns::VERSION) => columns::decode(bytes, keep),
        Some(&1) => Ok(decode_v1(bytes)?
            .into_iter()
            .filter(|r| keep(r.year))
            .collect()),
        Some(&v) if v > VERSION => Err(StoreError::NewerSchema {
            found: v,
            supported: VERSION,
        }),
        Some(v) => Err(StoreError::Corrupt(format!(
            "series record with version {v}"
        ))),
        None => Err(StoreError::Corrupt("empty series record".into())),
    }
}

/// Record version 1: bincode rows and a table of sources.
fn decode_v1(bytes: &[u8]) -> Result<Vec<Row>, StoreError> {
    let s: SeriesV1 = decode(bytes, "series")?;
    let mut out = Vec::with_capacity(s.rows.len());
    for r in s.rows {
        let source = match r.source {
            0 => None,
            i => Some(
                s.sources
                    .get(i as usize - 1)
                    .ok_or_else(|| {
                        StoreError::Corrupt(format!("series record: no source number {i}"))
                    })?
                    .clone(),
            ),
        };
        out.push(Row {
            ind: r.ind,
            year: r.year,
            rec: ObsRecord {
                value: r.value,
                numerator: r.numerator,
                denominator: r.denominator,
                stated_percent: r.stated_percent,
                units_met: r.units_met,
                units_total: r.units_total,
                source,
                note: r.note,
            },
        });
    }
    Ok(out)
}

/// Put `row` in its place, replacing a row of the same indicator and year.
pub(super) fn upsert(rows: &mut Vec<Row>, row: Row) {
    match rows.binary_search_by_key(&(row.ind, row.year), |r| (r.ind, r.year)) {
        Ok(i) => rows[i] = row,
        Err(i) => rows.insert(i, row),
    }
}

/// The row of this indicator and year.
pub(super) fn find(rows: &[Row], ind: u16, year: u16) -> Option<&Row> {
    rows.binary_search_by_key(&(ind, year), |r| (r.ind, r.year))
        .ok()
        .map(|i| &rows[i])
}

#[cfg(test)]
mod tests {
    use super::super::codec::encode;
    use super::*;

    #[test]
    fn a_version_1_record_is_still_read_and_a_newer_one_refused() {
        let v1 = encode(&SeriesV1 {
            sources: vec!["Báo cáo".into()],
            rows: vec![RowV1 {
                ind: 4,
                year: 2020,
                value: Some(Value::Number(53.5)),
                numerator: Some(338.0),
                denominator: Some(632.0),
                stated_percent: None,
                units_met: None,
                units_total: None,
                source: 1,
                note: Some("n".into()),
            }],
        });
        let rows = decode_rows(&v1).unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].rec.source.as_deref(), Some("Báo cáo"));
        assert_eq!(rows[0].rec.numerator, Some(338.0));
        assert_eq!(decode_rows_where(&v1, |y| y != 2020).unwrap(), vec![]);
        let mut newer = encode_rows(&rows);
        newer[0] = VERSION + 1;
        assert!(matches!(
            decode_rows(&newer),
            Err(StoreError::NewerSchema { .. })
        ));
    }

    fn row(ind: u16, year: u16, source: Option<&str>) -> Row {
        Row {
            ind,
            year,
            rec: ObsRecord {
                value: Some(Value::Number(f64::from(ind) + 0.5)),
                numerator: None,
                denominator: None,
                stated_percent: None,
                units_met: None,
                units_total: None,
                source: source.map(str::to_string),
                note: None,
            },
        }
    }

    #[test]
    fn rows_round_trip_and_sources_are_stored_once() {
        let rows = vec![
            row(1, 2020, Some("Báo cáo 2020")),
            row(1, 2021, Some("Báo cáo 2020")),
            row(2, 2020, None),
            row(3, 2020, Some("khác")),
        ];
        let bytes = encode_rows(&rows);
        assert_eq!(decode_rows(&bytes).unwrap(), rows);
        let once = bytes
            .windows("Báo cáo 2020".len())
            .filter(|w| *w == "Báo cáo 2020".as_bytes())
            .count();
        assert_eq!(once, 1);
    }

    #[test]
    fn upsert_keeps_the_key_order_and_replaces() {
        let mut rows = vec![row(1, 2020, None), row(3, 2020, None)];
        upsert(&mut rows, row(2, 2021, None));
        upsert(&mut rows, row(1, 2019, None));
        let mut changed = row(3, 2020, Some("x"));
        changed.rec.note = Some("n".into());
        upsert(&mut rows, changed.clone());
        let keys: Vec<_> = rows.iter().map(|r| (r.ind, r.year)).collect();
        assert_eq!(keys, [(1, 2019), (1, 2020), (2, 2021), (3, 2020)]);
        assert_eq!(find(&rows, 3, 2020), Some(&changed));
        assert_eq!(find(&rows, 3, 2021), None);
    }

    #[test]
    fn a_source_number_out_of_range_is_corruption_not_a_panic() {
        let bad = encode(&SeriesV1 {
            sources: vec![],
            rows: vec![RowV1 {
                ind: 1,
                year: 2020,
                value: None,
                numerator: None,
                denominator: None,
                stated_percent: None,
                units_met: None,
                units_total: None,
                source: 3,
                note: None,
            }],
        });
        assert!(matches!(decode_rows(&bad), Err(StoreError::Corrupt(_))));
    }
}
