//! Seeded generator of synthetic bundles. `ntm gen --preset bac-giang` writes the demo sample:
//! the six communes of Bắc Giang city for 2016–2020, values around their targets with a few
//! realistic problems planted (a regression, a typo in a printed percentage, a numerator over
//! its denominator, a decline, a near miss, a missing row). Same seed, same bytes.

use std::path::Path;

use anyhow::Result;

use crate::framework::Registry;
use crate::model::{Comparison, Kind, Level, TargetValue, Unit, Units};
use crate::text::fmt_plain;

/// SplitMix64: small, fast and identical on every platform.
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    pub fn f(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    pub fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.f()
    }
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n as u64) as usize
    }
}

const FW: &str = "qd1980-2016";
const SOURCE: &str = "synthetic: ntm gen --preset bac-giang (not real data)";

/// The Bắc Giang city units (same codes as fixtures/bac-giang/units.csv).
pub fn bac_giang_units() -> Vec<Unit> {
    let mut v = vec![
        Unit {
            code: "24".into(),
            name: "Bắc Giang".into(),
            level: Level::Province,
            parent_code: None,
            region: Some("TDMNPB".into()),
            valid_from: None,
            valid_to: None,
            successor_code: None,
        },
        Unit {
            code: "213".into(),
            name: "Thành phố Bắc Giang".into(),
            level: Level::District,
            parent_code: Some("24".into()),
            region: None,
            valid_from: None,
            valid_to: None,
            successor_code: None,
        },
    ];
    for (code, name) in [
        ("213-song-mai", "Song Mai"),
        ("213-dinh-tri", "Dĩnh Trì"),
        ("213-tan-my", "Tân Mỹ"),
        ("213-tan-tien", "Tân Tiến"),
        ("213-song-khe", "Song Khê"),
        ("213-dong-son", "Đồng Sơn"),
    ] {
        v.push(Unit {
            code: code.into(),
            name: name.into(),
            level: Level::Commune,
            parent_code: Some("213".into()),
            region: None,
            valid_from: None,
            valid_to: None,
            successor_code: None,
        });
    }
    v
}

/// Sizes of one commune, from which every denominator is derived so related indicators agree.
struct Commune {
    households: f64,
    villages: f64,
    schools: f64,
    road_km: [f64; 4],
    canal_km: f64,
    livestock: f64,
    food: f64,
    businesses: f64,
    graduates: f64,
}

/// One planted problem: (commune index, indicator, year, what).
#[derive(Clone, Copy, Debug, PartialEq)]
enum Plant {
    Regress,
    PercentTypo,
    NumeratorOver,
    Decline,
    NearMiss,
    Missing,
}

pub struct Row {
    pub unit: String,
    pub indicator: String,
    pub year: u16,
    pub value: String,
    pub numerator: String,
    pub denominator: String,
    pub stated: String,
    pub note: String,
}

/// Generate the sample rows for the six communes, 2016–2020. `planted`: include the planted
/// problems (the demo sample); without them the bundle is clean, every figure consistent.
pub fn bac_giang_sample(reg: &Registry, seed: u64, planted: bool) -> Vec<Row> {
    let fw = reg.get(FW).expect("built-in framework");
    let units = bac_giang_units();
    let mut all = Units::default();
    for u in &units {
        all.insert(u.clone());
    }
    let communes: Vec<&Unit> = units.iter().filter(|u| u.level == Level::Commune).collect();
    let mut rng = Rng::new(seed);
    // which commune gets which planted problem: a seeded permutation
    let mut order: Vec<usize> = (0..communes.len()).collect();
    for i in (1..order.len()).rev() {
        let j = rng.below(i + 1);
        order.swap(i, j);
    }
    let all_plants = [
        (order[0], "17.7", 2020, Plant::Regress),
        (order[1], "17.6", 2020, Plant::PercentTypo),
        (order[2], "17.1b", 2019, Plant::NumeratorOver),
        (order[3], "10", 2020, Plant::Decline),
        (order[4], "15.1", 2020, Plant::NearMiss),
        (order[5], "13.2", 2020, Plant::Missing),
    ];
    let plants: &[(usize, &str, u16, Plant)] = if planted { &all_plants } else { &[] };
    let mut rows = Vec::new();
    for (ci, u) in communes.iter().enumerate() {
        let h0 = rng.range(2200.0, 3300.0).round();
        let c = Commune {
            households: h0,
            villages: (rng.range(7.0, 13.0)).round(),
            schools: (rng.range(3.0, 5.0)).round(),
            road_km: [
                rng.range(3.0, 6.0),
                rng.range(10.0, 18.0),
                rng.range(15.0, 25.0),
                rng.range(5.0, 11.0),
            ],
            canal_km: rng.range(8.0, 15.0),
            livestock: (h0 * rng.range(0.15, 0.25)).round(),
            food: rng.range(30.0, 60.0).round(),
            businesses: rng.range(60.0, 120.0).round(),
            graduates: (h0 * rng.range(0.04, 0.06)).round(),
        };
        let targets = crate::eval::targets_for(fw, &all, &u.code, &reg.overrides);
        // each indicator starts somewhere above its target and improves a little every year
        for (ii, ind) in fw.indicators.iter().enumerate() {
            let t = targets[ii].as_ref();
            let start = rng.f();
            let drift = rng.f();
            for year in 2016u16..=2020 {
                let k = f64::from(year - 2016);
                let plant = plants
                    .iter()
                    .find(|p| p.0 == ci && p.1 == ind.code && p.2 == year)
                    .map(|p| p.3);
                if plant == Some(Plant::Missing) {
                    continue;
                }
                let hh = (c.households * (1.0 + 0.015 * k)).round();
                let mut row = Row {
                    unit: u.code.clone(),
                    indicator: ind.code.clone(),
                    year,
                    value: String::new(),
                    numerator: String::new(),
                    denominator: String::new(),
                    stated: String::new(),
                    note: String::new(),
                };
                match ind.kind {
                    Kind::Bool => {
                        row.value = "dat".into();
                    }
                    Kind::Number => {
                        // income, million VND per person per year: rising ~8 % a year
                        let base = match t.map(|t| t.value) {
                            Some(TargetValue::Number(x)) => x,
                            _ => 30.0,
                        };
                        let mut v = base * (1.05 + 0.1 * start) * (1.0 + (0.06 + 0.04 * drift) * k);
                        if plant == Some(Plant::Decline) {
                            v *= 0.88; // 2020: a bad year, still above the target
                        }
                        row.value = fmt_plain((v * 10.0).round() / 10.0);
                    }
                    Kind::Ratio => {
                        let (tv, cmp) = match t {
                            Some(t) => match t.value {
                                TargetValue::Number(x) => (x, t.comparison),
                                TargetValue::Pass(_) => (90.0, Comparison::Ge),
                            },
                            None => (70.0, ind.comparison),
                        };
                        let mut p = match cmp {
                            Comparison::Le => {
                                (tv * (0.35 + 0.3 * start) - k * (0.3 + 0.5 * drift)).max(0.3)
                            }
                            _ => {
                                let head = (100.0 - tv).max(0.0);
                                (tv + head * (0.2 + 0.5 * start) + k * head * 0.08 * drift)
                                    .min(100.0)
                            }
                        };
                        if plant == Some(Plant::NearMiss) {
                            p = tv + 0.8;
                        }
                        if ind.code == "17.7" && plants.iter().any(|x| x.0 == ci && x.1 == "17.7") {
                            // the commune that regresses: just above target until 2019, below in 2020
                            p = if year < 2020 { tv + 3.0 + k } else { tv - 6.5 };
                        }
                        let den = match ind.population.as_deref() {
                            Some("households") => hh,
                            Some("villages") => c.villages,
                            Some("schools") => c.schools,
                            Some("people") => (hh * 3.6).round(),
                            Some("working_age") => (hh * 2.2).round(),
                            Some("employed") => (hh * 2.2 * 0.93).round(),
                            Some("children_under5") => (hh * 0.36).round(),
                            Some("livestock_households") => c.livestock,
                            Some("food_businesses") => c.food,
                            Some("businesses") => c.businesses,
                            Some("lower_secondary_graduates") => c.graduates,
                            Some("road_km_commune") => c.road_km[0],
                            Some("road_km_village") => c.road_km[1],
                            Some("road_km_alley") => c.road_km[2],
                            Some("road_km_field") => c.road_km[3],
                            Some("canal_km") => c.canal_km,
                            _ => 0.0,
                        };
                        if den == 0.0 {
                            row.value = fmt_plain((p * 10.0).round() / 10.0);
                        } else {
                            let km = ind.unit == "km";
                            let round = |x: f64| {
                                if km {
                                    (x * 100.0).round() / 100.0
                                } else {
                                    x.round()
                                }
                            };
                            let den = round(den);
                            let mut num = round(p / 100.0 * den).min(den);
                            if ind.code == "12" {
                                // employed people = 12's numerator = 14.3's denominator
                                num = (hh * 2.2 * 0.93).round();
                            }
                            if plant == Some(Plant::NumeratorOver) {
                                num = den + (den * 0.03).round();
                                row.note = "số hộ dùng nước sạch ghi lớn hơn tổng số hộ".into();
                            }
                            let actual = num / den * 100.0;
                            let mut stated = (actual * 10.0).round() / 10.0;
                            if plant == Some(Plant::PercentTypo) {
                                stated = (stated - 9.0).max(0.0);
                                row.note = "tỷ lệ in trong báo cáo xã".into();
                            }
                            row.numerator = fmt_plain(num);
                            row.denominator = fmt_plain(den);
                            row.stated = fmt_plain(stated);
                        }
                    }
                }
                rows.push(row);
            }
        }
    }
    rows
}

/// Write the sample as a bundle (units.csv and observations.csv).
pub fn write_sample(dir: &Path, reg: &Registry, seed: u64, planted: bool) -> Result<usize> {
    std::fs::create_dir_all(dir)?;
    let mut w = csv::Writer::from_path(dir.join("units.csv"))?;
    w.write_record(["code", "name", "level", "parent_code", "region"])?;
    for u in bac_giang_units() {
        w.write_record([
            u.code.as_str(),
            u.name.as_str(),
            u.level.as_str(),
            u.parent_code.as_deref().unwrap_or(""),
            u.region.as_deref().unwrap_or(""),
        ])?;
    }
    w.flush()?;
    let rows = bac_giang_sample(reg, seed, planted);
    let mut w = csv::Writer::from_path(dir.join("observations.csv"))?;
    w.write_record([
        "unit_code",
        "framework",
        "indicator",
        "year",
        "value",
        "numerator",
        "denominator",
        "stated_percent",
        "source",
        "note",
    ])?;
    for r in &rows {
        w.write_record([
            r.unit.as_str(),
            FW,
            r.indicator.as_str(),
            &r.year.to_string(),
            r.value.as_str(),
            r.numerator.as_str(),
            r.denominator.as_str(),
            r.stated.as_str(),
            SOURCE,
            r.note.as_str(),
        ])?;
    }
    w.flush()?;
    Ok(rows.len())
}
