//! Seeded generator of synthetic bundles. `ntm gen --preset bac-giang` writes the demo sample:
//! the six communes of Bắc Giang city for 2016–2020, values around their targets with a few
//! realistic problems planted (a regression, a typo in a printed percentage, a numerator over
//! its denominator, a decline, a near miss, a missing row). Same seed, same bytes.

use std::path::Path;

use anyhow::Result;

use crate::files::{AtomicFile, Privacy};
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
            commune_group: None,
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
            commune_group: None,
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
            commune_group: None,
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
                            // a percentage over 100 is refused on import: such a source
                            // prints the counts only
                            if stated <= 100.0 {
                                row.stated = fmt_plain(stated);
                            }
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
    crate::files::create_dir(dir, Privacy::PRIVATE)?;
    let mut w = csv_file(&dir.join("units.csv"))?;
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
    commit_csv(w)?;
    let rows = bac_giang_sample(reg, seed, planted);
    let mut w = csv_file(&dir.join("observations.csv"))?;
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
    commit_csv(w)?;
    Ok(rows.len())
}

/// A CSV file written safely (see `files`): renamed into place by `commit_csv`.
fn csv_file(path: &Path) -> Result<csv::Writer<AtomicFile>> {
    Ok(csv::Writer::from_writer(AtomicFile::create(
        path,
        Privacy::PRIVATE,
    )?))
}

fn commit_csv(w: csv::Writer<AtomicFile>) -> Result<()> {
    w.into_inner()
        .map_err(|e| anyhow::anyhow!("{}", e.error()))?
        .commit()?;
    Ok(())
}

// ---------------------------------------------------------------------------------------------
// National-scale generator: `ntm gen --units N --years Y --seed S OUT`.

/// The 63 provinces (GSO codes, names, socio-economic region used for targets).
const PROVINCES: [(&str, &str, &str); 63] = [
    ("01", "Hà Nội", "DBSH"),
    ("02", "Hà Giang", "TDMNPB"),
    ("04", "Cao Bằng", "TDMNPB"),
    ("06", "Bắc Kạn", "TDMNPB"),
    ("08", "Tuyên Quang", "TDMNPB"),
    ("10", "Lào Cai", "TDMNPB"),
    ("11", "Điện Biên", "TDMNPB"),
    ("12", "Lai Châu", "TDMNPB"),
    ("14", "Sơn La", "TDMNPB"),
    ("15", "Yên Bái", "TDMNPB"),
    ("17", "Hòa Bình", "TDMNPB"),
    ("19", "Thái Nguyên", "TDMNPB"),
    ("20", "Lạng Sơn", "TDMNPB"),
    ("22", "Quảng Ninh", "DBSH"),
    ("24", "Bắc Giang", "TDMNPB"),
    ("25", "Phú Thọ", "TDMNPB"),
    ("26", "Vĩnh Phúc", "DBSH"),
    ("27", "Bắc Ninh", "DBSH"),
    ("30", "Hải Dương", "DBSH"),
    ("31", "Hải Phòng", "DBSH"),
    ("33", "Hưng Yên", "DBSH"),
    ("34", "Thái Bình", "DBSH"),
    ("35", "Hà Nam", "DBSH"),
    ("36", "Nam Định", "DBSH"),
    ("37", "Ninh Bình", "DBSH"),
    ("38", "Thanh Hóa", "BTB"),
    ("40", "Nghệ An", "BTB"),
    ("42", "Hà Tĩnh", "BTB"),
    ("44", "Quảng Bình", "BTB"),
    ("45", "Quảng Trị", "BTB"),
    ("46", "Thừa Thiên Huế", "BTB"),
    ("48", "Đà Nẵng", "DHNTB"),
    ("49", "Quảng Nam", "DHNTB"),
    ("51", "Quảng Ngãi", "DHNTB"),
    ("52", "Bình Định", "DHNTB"),
    ("54", "Phú Yên", "DHNTB"),
    ("56", "Khánh Hòa", "DHNTB"),
    ("58", "Ninh Thuận", "DHNTB"),
    ("60", "Bình Thuận", "DHNTB"),
    ("62", "Kon Tum", "TN"),
    ("64", "Gia Lai", "TN"),
    ("66", "Đắk Lắk", "TN"),
    ("67", "Đắk Nông", "TN"),
    ("68", "Lâm Đồng", "TN"),
    ("70", "Bình Phước", "DNB"),
    ("72", "Tây Ninh", "DNB"),
    ("74", "Bình Dương", "DNB"),
    ("75", "Đồng Nai", "DNB"),
    ("77", "Bà Rịa - Vũng Tàu", "DNB"),
    ("79", "Hồ Chí Minh", "DNB"),
    ("80", "Long An", "DBSCL"),
    ("82", "Tiền Giang", "DBSCL"),
    ("83", "Bến Tre", "DBSCL"),
    ("84", "Trà Vinh", "DBSCL"),
    ("86", "Vĩnh Long", "DBSCL"),
    ("87", "Đồng Tháp", "DBSCL"),
    ("89", "An Giang", "DBSCL"),
    ("91", "Kiên Giang", "DBSCL"),
    ("92", "Cần Thơ", "DBSCL"),
    ("93", "Hậu Giang", "DBSCL"),
    ("94", "Sóc Trăng", "DBSCL"),
    ("95", "Bạc Liêu", "DBSCL"),
    ("96", "Cà Mau", "DBSCL"),
];

/// Syllables of place names (Sino-Vietnamese words common in commune and district names).
const SYLLABLES: [&str; 64] = [
    "An",
    "Bình",
    "Phú",
    "Hòa",
    "Tân",
    "Đông",
    "Tây",
    "Nam",
    "Bắc",
    "Xuân",
    "Thạnh",
    "Mỹ",
    "Long",
    "Phước",
    "Hưng",
    "Lợi",
    "Thuận",
    "Thịnh",
    "Quang",
    "Trung",
    "Nghĩa",
    "Hải",
    "Sơn",
    "Lâm",
    "Hà",
    "Cẩm",
    "Ngọc",
    "Thanh",
    "Kim",
    "Vĩnh",
    "Đức",
    "Thượng",
    "Hạ",
    "Yên",
    "Lạc",
    "Phong",
    "Định",
    "Khánh",
    "Hiệp",
    "Thọ",
    "Lộc",
    "Minh",
    "Đồng",
    "Tiến",
    "Châu",
    "Giang",
    "Hồng",
    "Quý",
    "Tường",
    "Vạn",
    "Điền",
    "Liên",
    "Hợp",
    "Thắng",
    "Lập",
    "Thủy",
    "Cường",
    "Dương",
    "Hiếu",
    "Nhân",
    "Tú",
    "Phúc",
    "Quảng",
    "Việt",
];

const NATIONAL_SOURCE: &str = "synthetic: ntm gen --units";

/// Shape of a national bundle: `communes` communes under districts under provinces.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NationalShape {
    pub provinces: usize,
    pub districts: usize,
    pub communes: usize,
}

impl NationalShape {
    /// About 12 communes a district and 13 districts a province, at most the 63 provinces.
    pub fn for_communes(communes: usize) -> NationalShape {
        let communes = communes.max(1);
        let districts = communes.div_ceil(12).max(1);
        let provinces = districts.div_ceil(13).clamp(1, 63).min(districts);
        NationalShape {
            provinces,
            districts,
            communes,
        }
    }
    pub fn units(&self) -> usize {
        self.provinces + self.districts + self.communes
    }
}

/// Sizes of one commune (denominators derive from these so related figures agree).
fn commune_sizes(rng: &mut Rng) -> Commune {
    let h0 = rng.range(900.0, 4200.0).round();
    Commune {
        households: h0,
        villages: rng.range(5.0, 18.0).round(),
        schools: rng.range(2.0, 6.0).round(),
        road_km: [
            rng.range(2.0, 9.0),
            rng.range(6.0, 25.0),
            rng.range(8.0, 35.0),
            rng.range(3.0, 16.0),
        ],
        canal_km: rng.range(4.0, 25.0),
        livestock: (h0 * rng.range(0.08, 0.3)).round(),
        food: rng.range(10.0, 80.0).round(),
        businesses: rng.range(20.0, 160.0).round(),
        graduates: (h0 * rng.range(0.03, 0.07)).round(),
    }
}

/// Size of a population in a year (households grow 1.5 % a year).
fn population(c: &Commune, pop: Option<&str>, k: f64) -> f64 {
    let hh = (c.households * (1.0 + 0.015 * k)).round();
    match pop {
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
    }
}

/// A place name of two syllables (three now and then), from the generator's stream.
fn place_name(rng: &mut Rng) -> String {
    let a = SYLLABLES[rng.below(SYLLABLES.len())];
    let mut b = SYLLABLES[rng.below(SYLLABLES.len())];
    while b == a {
        b = SYLLABLES[rng.below(SYLLABLES.len())];
    }
    if rng.below(10) == 0 {
        let c = SYLLABLES[rng.below(SYLLABLES.len())];
        format!("{a} {b} {c}")
    } else {
        format!("{a} {b}")
    }
}

/// The units of a national bundle: provinces (real names and codes), districts (`DDD`) and
/// communes (`CCCCC`), each district's communes named differently.
pub fn national_units(shape: NationalShape, rng: &mut Rng) -> Vec<Unit> {
    let mut out = Vec::with_capacity(shape.units());
    // provinces spread over the country when fewer than 63 are used
    let provs: Vec<usize> = (0..shape.provinces)
        .map(|i| (14 + i * PROVINCES.len() / shape.provinces) % PROVINCES.len())
        .collect();
    for &p in &provs {
        let (code, name, region) = PROVINCES[p];
        out.push(Unit {
            code: code.into(),
            name: name.into(),
            level: Level::Province,
            parent_code: None,
            region: Some(region.into()),
            valid_from: None,
            valid_to: None,
            successor_code: None,
            commune_group: None,
        });
    }
    let mut district_names = std::collections::HashSet::new();
    for d in 0..shape.districts {
        let (pcode, _, _) = PROVINCES[provs[d % provs.len()]];
        let mut name = place_name(rng);
        while !district_names.insert((pcode, name.clone())) {
            name = place_name(rng);
        }
        let kind = if rng.below(12) == 0 {
            "Thị xã"
        } else {
            "Huyện"
        };
        out.push(Unit {
            code: format!("{:03}", d + 1),
            name: format!("{kind} {name}"),
            level: Level::District,
            parent_code: Some(pcode.into()),
            region: None,
            valid_from: None,
            valid_to: None,
            successor_code: None,
            commune_group: None,
        });
    }
    let mut names = std::collections::HashSet::new();
    for c in 0..shape.communes {
        let d = c % shape.districts;
        let mut name = place_name(rng);
        while !names.insert((d, name.clone())) {
            name = place_name(rng);
        }
        out.push(Unit {
            code: format!("{:05}", c + 1),
            name,
            level: Level::Commune,
            parent_code: Some(format!("{:03}", d + 1)),
            region: None,
            valid_from: None,
            valid_to: None,
            successor_code: None,
            commune_group: None,
        });
    }
    out
}

/// What a national bundle holds, once written.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct NationalCounts {
    pub units: usize,
    pub observations: usize,
    pub recognitions: usize,
}

/// Write a national bundle: `communes` communes, `years` years ending in 2025, every indicator of
/// qd1980-2016 for every commune-year. Values start around their targets and trend; about 4 % of
/// a commune's indicators regress for a year or two, about 0.2 % of rows carry a printed
/// percentage that does not match their counts, 0.05 % a numerator above its denominator, and
/// 0.3 % of rows are missing. Written row by row (never the whole bundle in memory); the same
/// seed gives the same bytes. `progress` is called with the communes done.
pub fn write_national(
    dir: &Path,
    reg: &Registry,
    communes: usize,
    years: u16,
    seed: u64,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<NationalCounts> {
    use std::io::Write;
    let fw = reg.get(FW).expect("built-in framework");
    let shape = NationalShape::for_communes(communes);
    let years = years.clamp(1, 100);
    let first = 2026 - years;
    let mut rng = Rng::new(seed);
    let units = national_units(shape, &mut rng);
    crate::files::create_dir(dir, Privacy::PRIVATE)?;
    let mut all = Units::default();
    for u in &units {
        all.insert(u.clone());
    }
    let mut w = csv_file(&dir.join("units.csv"))?;
    w.write_record(["code", "name", "level", "parent_code", "region"])?;
    for u in &units {
        w.write_record([
            u.code.as_str(),
            u.name.as_str(),
            u.level.as_str(),
            u.parent_code.as_deref().unwrap_or(""),
            u.region.as_deref().unwrap_or(""),
        ])?;
    }
    commit_csv(w)?;

    let file = AtomicFile::create(&dir.join("observations.csv"), Privacy::PRIVATE)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(b"unit_code,framework,indicator,year,value,numerator,denominator,stated_percent,source,note\n")?;
    let rec_file = AtomicFile::create(&dir.join("recognitions.csv"), Privacy::PRIVATE)?;
    let mut rec_out = std::io::BufWriter::new(rec_file);
    rec_out.write_all(b"unit_code,kind,year,decision,issuer\n")?;

    // targets depend only on the region and province: resolve once per province
    let mut targets_by_province: std::collections::HashMap<
        String,
        Vec<Option<crate::model::Target>>,
    > = std::collections::HashMap::new();
    let mut n_obs = 0usize;
    let mut n_rec = 0usize;
    let mut line = String::with_capacity(256);
    let mut done = 0usize;
    for u in units.iter().filter(|u| u.level == Level::Commune) {
        let prov = all.province_of(&u.code).unwrap_or("").to_string();
        let targets = targets_by_province
            .entry(prov.clone())
            .or_insert_with(|| crate::eval::targets_for(fw, &all, &u.code, &reg.overrides));
        let c = commune_sizes(&mut rng);
        // how far along the commune is: 0 = far behind, 1 = well ahead
        let strength = rng.f();
        for (ii, ind) in fw.indicators.iter().enumerate() {
            let t = targets[ii].as_ref();
            let start = (0.7 * strength + 0.3 * rng.f()).clamp(0.0, 1.0);
            let drift = rng.f();
            // a regression: one or two bad years somewhere in the series
            let regress = if rng.below(25) == 0 {
                let y = first + 1 + rng.below(usize::from(years.max(2) - 1)) as u16;
                Some((y, y + rng.below(2) as u16))
            } else {
                None
            };
            for year in first..first + years {
                let k = f64::from(year - first);
                let roll = rng.below(10_000);
                if roll < 30 {
                    continue; // missing row
                }
                let bad_year = regress.is_some_and(|(a, z)| (a..=z).contains(&year));
                let (mut value, mut num_s, mut den_s, mut stated_s) =
                    (String::new(), String::new(), String::new(), String::new());
                let mut note = "";
                match ind.kind {
                    Kind::Bool => {
                        // reached in a year that depends on how far along the commune is
                        let reach = (1.0 - start) * f64::from(years) * 0.9;
                        let pass = k >= reach && !bad_year;
                        value = if pass { "dat" } else { "chua_dat" }.into();
                    }
                    Kind::Number => {
                        let base = match t.map(|t| t.value) {
                            Some(TargetValue::Number(x)) => x,
                            _ => 30.0,
                        };
                        // income rises 6–10 % a year and crosses its target along the way
                        let k_end = f64::from(years - 1);
                        let mut v = base
                            * (0.75 + 0.5 * start)
                            * (1.0 + (0.06 + 0.04 * drift) * (k - k_end * 0.6));
                        if bad_year {
                            v *= 0.85;
                        }
                        value = fmt_plain((v.max(1.0) * 10.0).round() / 10.0);
                    }
                    Kind::Ratio => {
                        let (tv, cmp) = match t {
                            Some(t) => match t.value {
                                TargetValue::Number(x) => (x, t.comparison),
                                TargetValue::Pass(_) => (90.0, Comparison::Ge),
                            },
                            None => (70.0, ind.comparison),
                        };
                        // from below the target in the first year to (mostly) above it in
                        // the last; the weakest communes never quite get there
                        let f = if years > 1 {
                            (k / f64::from(years - 1)).powf(0.5 + start)
                        } else {
                            1.0
                        };
                        let lag = (0.25 - start).max(0.0) / 0.25;
                        let p = match cmp {
                            Comparison::Le => {
                                let p0 = tv * (1.5 + (1.0 - start));
                                let p1 = tv * (0.3 + 0.6 * (1.0 - drift)) + tv * 0.6 * lag;
                                p0 + (p1 - p0) * f
                            }
                            _ => {
                                let p0 = tv - 5.0 - 25.0 * (1.0 - start);
                                let p1 = tv + (100.0 - tv) * (0.1 + 0.8 * drift) - 12.0 * lag;
                                p0 + (p1 - p0) * f
                            }
                        };
                        let p = p.clamp(0.0, 100.0);
                        let den = population(&c, ind.population.as_deref(), k);
                        if den == 0.0 {
                            value = fmt_plain((p * 10.0).round() / 10.0);
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
                            let mut num = match ind.numerator_population.as_deref() {
                                Some(pop) => population(&c, Some(pop), k),
                                None => round(p / 100.0 * den).min(den),
                            };
                            if (30..35).contains(&roll) {
                                num = den + (den * 0.03).round().max(1.0);
                                note = "tử số lớn hơn mẫu số";
                            }
                            let mut stated = (num / den * 1000.0).round() / 10.0;
                            if (35..55).contains(&roll) {
                                stated = (stated - 9.0).max(0.0);
                                note = "tỷ lệ in trong báo cáo xã";
                            }
                            num_s = fmt_plain(num);
                            den_s = fmt_plain(den);
                            if stated <= 100.0 {
                                stated_s = fmt_plain(stated);
                            }
                        }
                    }
                }
                line.clear();
                use std::fmt::Write as _;
                let _ = writeln!(
                    line,
                    "{},{FW},{},{year},{value},{num_s},{den_s},{stated_s},{NATIONAL_SOURCE},{note}",
                    u.code, ind.code
                );
                out.write_all(line.as_bytes())?;
                n_obs += 1;
            }
        }
        // about a third of the communes were recognised somewhere in the series
        if strength > 0.65 {
            let y = first + ((1.0 - strength) / 0.35 * f64::from(years - 1)) as u16;
            writeln!(
                rec_out,
                "{},ntm,{y},{}/QĐ-UBND,UBND tỉnh {}",
                u.code,
                100 + rng.below(3000),
                all.get(&prov).map_or("", |p| p.name.as_str())
            )?;
            n_rec += 1;
        }
        done += 1;
        progress(done, shape.communes);
    }
    out.into_inner().map_err(|e| e.into_error())?.commit()?;
    rec_out.into_inner().map_err(|e| e.into_error())?.commit()?;
    Ok(NationalCounts {
        units: units.len(),
        observations: n_obs,
        recognitions: n_rec,
    })
}
